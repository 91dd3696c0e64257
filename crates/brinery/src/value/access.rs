//! Read access to a graph in the style of `serde_json::Value`.

use num_bigint::BigInt;

use super::{Construct, Graph, Node, NodeId, PyStr};

/// A borrowed view of one node in a [`Graph`]: `get` by key or index,
/// `as_*` conversions, iteration. Lookups never panic: a missing key or a
/// wrong kind gives `None` (or an empty view that answers `None` to
/// everything).
#[derive(Copy, Clone)]
pub struct NodeRef<'g, 'a> {
    graph: &'g Graph<'a>,
    id: Option<NodeId>,
}

/// Something a [`NodeRef`] can be indexed with: a `&str` key (dicts and
/// object state dicts), or a `usize` position (lists, tuples).
pub trait Index {
    #[doc(hidden)]
    fn lookup<'g, 'a>(&self, v: NodeRef<'g, 'a>) -> Option<NodeId>;
}

impl Index for usize {
    fn lookup<'g, 'a>(&self, v: NodeRef<'g, 'a>) -> Option<NodeId> {
        match v.node()? {
            Node::List(items) | Node::Tuple(items) => items.get(*self).copied(),
            _ => None,
        }
    }
}

impl Index for str {
    fn lookup<'g, 'a>(&self, v: NodeRef<'g, 'a>) -> Option<NodeId> {
        let entries = match v.node()? {
            Node::Dict(d) => d.entries(),
            Node::Object(o) => {
                // The state dict of an opaque object (its `__dict__`), or
                // the first element of a (dict, slots) state tuple.
                let state = v.graph.view(o.state()?);
                return match state.node()? {
                    Node::Dict(_) => state.get(self).and_then(|r| r.id),
                    Node::Tuple(t) if t.len() == 2 => {
                        let d = v.graph.view(t[0]).get(self).and_then(|r| r.id);
                        d.or_else(|| v.graph.view(t[1]).get(self).and_then(|r| r.id))
                    }
                    _ => None,
                };
            }
            _ => return None,
        };
        entries
            .iter()
            .find(|(k, _)| matches!(v.graph.node(*k), Node::Str(s) if s == self))
            .map(|&(_, val)| val)
    }
}

impl Index for &str {
    fn lookup<'g, 'a>(&self, v: NodeRef<'g, 'a>) -> Option<NodeId> {
        (**self).lookup(v)
    }
}

impl Index for String {
    fn lookup<'g, 'a>(&self, v: NodeRef<'g, 'a>) -> Option<NodeId> {
        self.as_str().lookup(v)
    }
}

impl<'g, 'a> NodeRef<'g, 'a> {
    pub(crate) fn new(graph: &'g Graph<'a>, id: Option<NodeId>) -> Self {
        NodeRef { graph, id }
    }

    /// The node id (None for the empty view returned by failed lookups).
    pub fn id(&self) -> Option<NodeId> {
        self.id
    }

    /// The graph this view belongs to.
    pub fn graph(&self) -> &'g Graph<'a> {
        self.graph
    }

    /// The node itself.
    pub fn node(&self) -> Option<&'g Node<'a>> {
        self.graph.get(self.id?)
    }

    /// `v.get("key")` for dicts (str keys), `v.get(3)` for lists/tuples.
    pub fn get<I: Index + ?Sized>(&self, index: &I) -> Option<NodeRef<'g, 'a>> {
        index.lookup(*self).map(|id| self.graph.view(id))
    }

    /// Look up a dict entry by any key node (Python equality).
    pub fn get_key(&self, key: NodeId) -> Option<NodeRef<'g, 'a>> {
        self.graph
            .dict_get(self.id?, key)
            .map(|id| self.graph.view(id))
    }

    /// True for `None` (and for the empty view).
    pub fn is_none(&self) -> bool {
        matches!(self.node(), None | Some(Node::None))
    }

    /// The bool value.
    pub fn as_bool(&self) -> Option<bool> {
        match self.node()? {
            Node::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The int value, if it fits in i64 (bools count, as in Python).
    pub fn as_i64(&self) -> Option<i64> {
        match self.node()? {
            Node::Int(i) => Some(*i),
            Node::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    /// The int value at any size.
    pub fn as_bigint(&self) -> Option<BigInt> {
        match self.node()? {
            Node::Int(i) => Some(BigInt::from(*i)),
            Node::Bool(b) => Some(BigInt::from(*b as i64)),
            Node::BigInt(b) => Some((**b).clone()),
            _ => None,
        }
    }

    /// The float value (ints convert, as in Python arithmetic).
    pub fn as_f64(&self) -> Option<f64> {
        match self.node()? {
            Node::Float(f) => Some(*f),
            Node::Int(i) => Some(*i as f64),
            Node::Bool(b) => Some(*b as i64 as f64),
            _ => None,
        }
    }

    /// The str value, if it is valid UTF-8 (no lone surrogates).
    pub fn as_str(&self) -> Option<&'g str> {
        match self.node()? {
            Node::Str(s) => s.as_str(),
            _ => None,
        }
    }

    /// The str value, surrogates included.
    pub fn as_pystr(&self) -> Option<&'g PyStr<'a>> {
        match self.node()? {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes of a `bytes`, `bytearray` or buffer.
    pub fn as_bytes(&self) -> Option<&'g [u8]> {
        match self.node()? {
            Node::Bytes(b) | Node::ByteArray(b) => Some(b.as_slice()),
            Node::Buffer(b) => Some(b.data.as_slice()),
            _ => None,
        }
    }

    /// The item ids of a list, tuple, set or frozenset.
    pub fn as_items(&self) -> Option<&'g [NodeId]> {
        match self.node()? {
            Node::List(v) | Node::Tuple(v) => Some(v),
            Node::Set(s) | Node::FrozenSet(s) => Some(s.items()),
            _ => None,
        }
    }

    /// The entries of a dict.
    pub fn as_entries(&self) -> Option<&'g [(NodeId, NodeId)]> {
        match self.node()? {
            Node::Dict(d) => Some(d.entries()),
            _ => None,
        }
    }

    /// Iterate over items of a list/tuple/set/frozenset (or keys of a dict).
    pub fn iter(&self) -> Items<'g, 'a> {
        let ids: &'g [NodeId] = self.as_items().unwrap_or(&[]);
        Items {
            graph: self.graph,
            ids: ids.iter(),
            entries: self.as_entries().unwrap_or(&[]).iter(),
        }
    }

    /// Iterate over `(key, value)` views of a dict.
    pub fn entries(&self) -> impl Iterator<Item = (NodeRef<'g, 'a>, NodeRef<'g, 'a>)> + 'g {
        let g = self.graph;
        self.as_entries()
            .unwrap_or(&[])
            .iter()
            .map(move |&(k, v)| (g.view(k), g.view(v)))
    }

    /// Number of items (list, tuple, dict, set, str code points, bytes).
    pub fn len(&self) -> Option<usize> {
        Some(match self.node()? {
            Node::List(v) | Node::Tuple(v) => v.len(),
            Node::Dict(d) => d.len(),
            Node::Set(s) | Node::FrozenSet(s) => s.len(),
            Node::Str(s) => s.char_len(),
            Node::Bytes(b) | Node::ByteArray(b) => b.len(),
            _ => return None,
        })
    }

    /// True when `len()` is `Some(0)`.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// For a global: `(module, name)`.
    pub fn as_global(&self) -> Option<(&'g str, &'g str)> {
        match self.node()? {
            Node::Global(g) => Some((&g.module, &g.name)),
            _ => None,
        }
    }

    /// For an opaque object: the `module.Name` of its class or callable
    /// (for REDUCE of `copyreg._reconstructor` or `copyreg.__newobj__`, the
    /// class it builds).
    pub fn class_name(&self) -> Option<String> {
        let o = match self.node()? {
            Node::Object(o) => o,
            _ => return None,
        };
        let g = self.graph;
        let callee = match &o.construct {
            Construct::Inst { cls, .. } => return Some(format!("{}.{}", cls.module, cls.name)),
            Construct::NewObj { cls, .. }
            | Construct::NewObjEx { cls, .. }
            | Construct::Obj { cls, .. } => *cls,
            Construct::Reduce { callable, args } => {
                let (m, n) = super::call::copyreg_class(g, *callable, *args)
                    .or_else(|| g.view(*callable).as_global())?;
                return Some(format!("{m}.{n}"));
            }
        };
        let (m, n) = g.view(callee).as_global()?;
        Some(format!("{m}.{n}"))
    }
}

impl std::fmt::Debug for NodeRef<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.node() {
            Some(n) => write!(f, "NodeRef({:?}: {})", self.id, n.type_name()),
            None => f.write_str("NodeRef(empty)"),
        }
    }
}

/// Iterator over item views.
pub struct Items<'g, 'a> {
    graph: &'g Graph<'a>,
    ids: std::slice::Iter<'g, NodeId>,
    entries: std::slice::Iter<'g, (NodeId, NodeId)>,
}

impl<'g, 'a> Iterator for Items<'g, 'a> {
    type Item = NodeRef<'g, 'a>;
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(&id) = self.ids.next() {
            return Some(self.graph.view(id));
        }
        self.entries.next().map(|&(k, _)| self.graph.view(k))
    }
}
