//! How an opaque object was made, with copyreg's wrappers taken off.

use super::{Construct, Graph, Node, NodeId, NodeRef, Object};

/// The call that made an opaque object ([`Node::Object`]): the class or
/// function by name and its positional (and keyword) arguments.
///
/// `copyreg._reconstructor(cls, base, state)`, `copyreg.__newobj__(cls,
/// *args)` and `copyreg.__newobj_ex__(cls, args, kwargs)` (what
/// `object.__reduce_ex__` writes at protocols 0–1 and what some libraries
/// write at 2+) are unwrapped to the class they build, so
/// `Call::of(x).name` is `"Point"` however `Point(1, 2)` was pickled; the
/// wrapper's name is kept in [`Call::via`].
///
/// ```
/// use brinery::{Call, Construct, Graph, Node, Object};
/// let mut g = Graph::new();
/// let (wrap, cls, one) = (g.global("copyreg", "__newobj__"), g.global("__main__", "Point"), g.int(1));
/// let args = g.tuple(vec![cls, one]);
/// let p = g.add(Node::Object(Box::new(Object::new(Construct::Reduce { callable: wrap, args }))));
/// let call = Call::of(g.view(p)).unwrap();
/// assert_eq!((call.module, call.name, call.via), ("__main__", "Point", Some("__newobj__")));
/// assert_eq!(call.arg(0).and_then(|a| a.as_i64()), Some(1));
/// ```
#[derive(Copy, Clone, Debug)]
#[non_exhaustive]
pub struct Call<'g, 'a> {
    /// The module of the class or function called.
    pub module: &'g str,
    /// Its (qualified) name.
    pub name: &'g str,
    /// The positional arguments (without the class for copyreg wrappers,
    /// without `base, state` for `_reconstructor`).
    pub args: &'g [NodeId],
    /// The keyword-argument dict (`NEWOBJ_EX`, `__newobj_ex__`).
    pub kwargs: Option<NodeId>,
    /// The copyreg wrapper the object was made through
    /// (`"_reconstructor"`, `"__newobj__"`, `"__newobj_ex__"`), if any.
    pub via: Option<&'g str>,
    /// The object itself (its items and BUILD states).
    pub object: &'g Object,
    node: NodeRef<'g, 'a>,
}

/// `copyreg`'s reconstruction helpers: the callables that build an instance
/// of their first argument.
pub(crate) fn is_copyreg_wrapper(module: &str, name: &str) -> bool {
    module == "copyreg" && matches!(name, "_reconstructor" | "__newobj__" | "__newobj_ex__")
}

impl<'g, 'a> Call<'g, 'a> {
    /// The call behind `node`, or `None` when `node` is not an object, its
    /// callable or class is not a global, or its arguments are not a tuple.
    pub fn of(node: NodeRef<'g, 'a>) -> Option<Call<'g, 'a>> {
        let g = node.graph();
        let object = match node.node()? {
            Node::Object(o) => &**o,
            _ => return None,
        };
        let tuple = |id: NodeId| -> Option<&'g [NodeId]> {
            match g.get(id)? {
                Node::Tuple(t) => Some(&t[..]),
                _ => None,
            }
        };
        let mut kwargs = None;
        let mut via = None;
        let (module, name, args): (&'g str, &'g str, &'g [NodeId]) = match &object.construct {
            Construct::Reduce { callable, args } => {
                let (m, n) = g.view(*callable).as_global()?;
                let a = tuple(*args)?;
                if is_copyreg_wrapper(m, n) {
                    let (cm, cn) = g.view(*a.first()?).as_global()?;
                    via = Some(n);
                    let rest: &'g [NodeId] = match n {
                        "_reconstructor" => &[],
                        "__newobj_ex__" => {
                            kwargs = a.get(2).copied();
                            a.get(1).and_then(|t| tuple(*t)).unwrap_or(&[])
                        }
                        _ => &a[1..],
                    };
                    (cm, cn, rest)
                } else {
                    (m, n, a)
                }
            }
            Construct::NewObj { cls, args } => {
                let (m, n) = g.view(*cls).as_global()?;
                (m, n, tuple(*args)?)
            }
            Construct::NewObjEx {
                cls,
                args,
                kwargs: kw,
            } => {
                let (m, n) = g.view(*cls).as_global()?;
                kwargs = Some(*kw);
                (m, n, tuple(*args)?)
            }
            Construct::Inst { cls, args } => (cls.module.as_str(), cls.name.as_str(), &args[..]),
            Construct::Obj { cls, args } => {
                let (m, n) = g.view(*cls).as_global()?;
                (m, n, &args[..])
            }
        };
        Some(Call {
            module,
            name,
            args,
            kwargs,
            via,
            object,
            node,
        })
    }

    /// Positional argument `i`.
    pub fn arg(&self, i: usize) -> Option<NodeRef<'g, 'a>> {
        self.args.get(i).map(|&id| self.node.graph().view(id))
    }

    /// The object's node.
    pub fn node(&self) -> NodeRef<'g, 'a> {
        self.node
    }

    /// `module.name`.
    pub fn qualname(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// The class an object's REDUCE of a copyreg wrapper builds: `(module,
/// name)` of the wrapper's first argument when it is a global.
pub(crate) fn copyreg_class<'g>(
    g: &'g Graph<'_>,
    callable: NodeId,
    args: NodeId,
) -> Option<(&'g str, &'g str)> {
    let (m, n) = g.view(callable).as_global()?;
    if !is_copyreg_wrapper(m, n) {
        return None;
    }
    g.view(args).get(&0)?.as_global()
}
