//! [`Value`]: an owned Python value, the `serde_json::Value` of pickles.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use ::serde::de::{self, MapAccess, SeqAccess, Visitor};
use ::serde::ser::{SerializeMap, SerializeSeq, SerializeTuple};
use ::serde::{Deserialize, Deserializer, Serialize, Serializer};
use num_bigint::BigInt as Big;

use super::tags::{self, forward_all};
use super::{
    MAGIC_BIGINT, MAGIC_BYTEARRAY, MAGIC_FROZENSET, MAGIC_GLOBAL, MAGIC_OBJECT, MAGIC_SET,
    MAGIC_VALUE, MAGIC_WTF8,
};
use crate::error::{Error, ErrorKind, Result};
use crate::value::{Buf, Construct, Global, Graph, Node, NodeId, Object, PyStr};

/// A Python value, owned: what `pickle.loads` would give, as a tree.
///
/// Build one with `From` conversions or [`value!`](crate::value!), read one
/// with `v["key"]`, `v[0]` (never panics: a missing entry is `None`),
/// [`Value::get`] and the `as_*` methods. It is `Serialize` (pickled as
/// exactly the Python value it holds) and `Deserialize` (from any pickle,
/// keeping tuples, sets, bytearrays, big ints, globals and objects), so
/// typed structs can hold `Value` fields for the parts without a fixed
/// shape.
///
/// ```
/// use brinery::Value;
/// let v = Value::dict([("a", Value::from(vec![1, 2])), ("b", Value::tuple([Value::None, 2.5.into()]))]);
/// assert_eq!(v["a"][1].as_i64(), Some(2));
/// assert_eq!(v.to_string(), "{'a': [1, 2], 'b': (None, 2.5)}");
/// let bytes = brinery::to_vec(&v).unwrap();
/// assert_eq!(brinery::from_slice::<Value>(&bytes).unwrap(), v);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// `None`.
    #[default]
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int` that fits in 64 bits.
    Int(i64),
    /// An `int` outside the 64-bit range.
    BigInt(Big),
    /// A `float`.
    Float(f64),
    /// A `str` (may hold lone surrogates; [`PyStr::as_str`] gives `&str`).
    Str(PyStr<'static>),
    /// `bytes`.
    Bytes(Vec<u8>),
    /// `bytearray`.
    ByteArray(Vec<u8>),
    /// `list`.
    List(Vec<Value>),
    /// `tuple`.
    Tuple(Vec<Value>),
    /// `dict`: its entries in order.
    Dict(Vec<(Value, Value)>),
    /// `set`: its elements in order.
    Set(Vec<Value>),
    /// `frozenset`.
    FrozenSet(Vec<Value>),
    /// A reference to `module.name` (a class, function...).
    Global {
        /// The module.
        module: String,
        /// The qualified name.
        name: String,
    },
    /// An object made by a call (brinery never runs it).
    Object(Box<Instance>),
}

/// How an [`Instance`] was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceKind {
    /// `callable(*args)` (REDUCE).
    Reduce,
    /// `cls.__new__(cls, *args)` (NEWOBJ).
    NewObj,
    /// `cls.__new__(cls, *args, **kwargs)` (NEWOBJ_EX).
    NewObjEx,
    /// `cls(*args)` (INST, protocol 0).
    Inst,
    /// `cls(*args)` (OBJ, protocol 1).
    Obj,
}

/// An opaque object: how it was made and what was applied to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    /// How it was made.
    pub kind: InstanceKind,
    /// The callable (REDUCE) or class (the others), usually a
    /// [`Value::Global`].
    pub callable: Value,
    /// The arguments: a tuple (for INST/OBJ, the tuple of the arguments).
    pub args: Value,
    /// Keyword arguments (NEWOBJ_EX).
    pub kwargs: Option<Value>,
    /// The state given to BUILD (`__setstate__` / `__dict__`), if any
    /// (the last one if several).
    pub state: Option<Value>,
    /// Items appended (list subclasses).
    pub list_items: Vec<Value>,
    /// Items set (dict subclasses).
    pub dict_items: Vec<(Value, Value)>,
    /// Items added (set subclasses).
    pub set_items: Vec<Value>,
}

impl Instance {
    /// An object made by `kind` with nothing applied.
    pub fn new(kind: InstanceKind, callable: Value, args: Value) -> Self {
        Instance {
            kind,
            callable,
            args,
            kwargs: None,
            state: None,
            list_items: Vec::new(),
            dict_items: Vec::new(),
            set_items: Vec::new(),
        }
    }

    /// `module.Name` of its class (for `copyreg._reconstructor` and
    /// `copyreg.__newobj__` reductions, the class they build).
    pub fn class_name(&self) -> Option<String> {
        if let Some((m, n)) = self.callable.as_global() {
            if crate::value::is_copyreg_wrapper(m, n) {
                if let Some((m2, n2)) = self.args[0].as_global() {
                    return Some(format!("{m2}.{n2}"));
                }
            }
            return Some(format!("{m}.{n}"));
        }
        None
    }
}

static NONE: Value = Value::None;

// ----- access -----

/// Something a [`Value`] can be indexed with: a `&str` key (dicts, and an
/// object's state dict), or a `usize` position (lists, tuples).
pub trait ValueIndex: private::Sealed {
    #[doc(hidden)]
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value>;
}

mod private {
    pub trait Sealed {}
    impl Sealed for usize {}
    impl Sealed for str {}
    impl Sealed for String {}
    impl<T: Sealed + ?Sized> Sealed for &T {}
}

impl ValueIndex for usize {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        match v {
            Value::List(items) | Value::Tuple(items) => items.get(*self),
            _ => None,
        }
    }
}

impl ValueIndex for str {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        match v {
            Value::Dict(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, Value::Str(s) if s == self))
                .map(|(_, v)| v),
            Value::Object(o) => match &o.state {
                Some(state @ Value::Dict(_)) => self.index_into(state),
                Some(Value::Tuple(t)) if t.len() == 2 => {
                    self.index_into(&t[0]).or_else(|| self.index_into(&t[1]))
                }
                _ => o
                    .dict_items
                    .iter()
                    .find(|(k, _)| matches!(k, Value::Str(s) if s == self))
                    .map(|(_, v)| v),
            },
            _ => None,
        }
    }
}

impl ValueIndex for String {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        self.as_str().index_into(v)
    }
}

impl<T: ValueIndex + ?Sized> ValueIndex for &T {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        (**self).index_into(v)
    }
}

impl<I: ValueIndex> std::ops::Index<I> for Value {
    type Output = Value;
    /// `v["key"]`, `v[0]`: the entry, or `None` when there is none (never
    /// panics).
    fn index(&self, index: I) -> &Value {
        index.index_into(self).unwrap_or(&NONE)
    }
}

impl Value {
    /// A `str`.
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(PyStr::from(s.into()))
    }

    /// `bytes`.
    pub fn bytes(b: impl Into<Vec<u8>>) -> Value {
        Value::Bytes(b.into())
    }

    /// A `tuple`.
    pub fn tuple<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::Tuple(items.into_iter().map(Into::into).collect())
    }

    /// A `list`.
    pub fn list<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::List(items.into_iter().map(Into::into).collect())
    }

    /// A `set`.
    pub fn set<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::Set(items.into_iter().map(Into::into).collect())
    }

    /// A `dict` from pairs.
    pub fn dict<K: Into<Value>, V: Into<Value>>(pairs: impl IntoIterator<Item = (K, V)>) -> Value {
        Value::Dict(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// A global `module.name`.
    pub fn global(module: impl Into<String>, name: impl Into<String>) -> Value {
        Value::Global {
            module: module.into(),
            name: name.into(),
        }
    }

    /// `v.get("key")` for dicts (and objects' state), `v.get(3)` for lists
    /// and tuples.
    pub fn get<I: ValueIndex>(&self, index: I) -> Option<&Value> {
        index.index_into(self)
    }

    /// Look a dict entry up by any key, with Python's equality (`1 ==
    /// 1.0 == True`, tuples by value).
    pub fn get_key(&self, key: &Value) -> Option<&Value> {
        match self {
            Value::Dict(entries) => entries.iter().find(|(k, _)| py_eq(k, key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Python's type name (`"int"`, `"dict"`, ...; `"object"` for objects).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::ByteArray(_) => "bytearray",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::FrozenSet(_) => "frozenset",
            Value::Global { .. } => "global",
            Value::Object(_) => "object",
        }
    }

    /// True for `None`.
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// The bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The int, if it fits in i64 (bools count, as in Python).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            Value::BigInt(b) => i64::try_from(b).ok(),
            _ => None,
        }
    }

    /// The int, if it fits in u64.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Int(i) => u64::try_from(*i).ok(),
            Value::Bool(b) => Some(*b as u64),
            Value::BigInt(b) => u64::try_from(b).ok(),
            _ => None,
        }
    }

    /// The int at any size.
    pub fn as_bigint(&self) -> Option<Big> {
        match self {
            Value::Int(i) => Some(Big::from(*i)),
            Value::Bool(b) => Some(Big::from(*b as i64)),
            Value::BigInt(b) => Some(b.clone()),
            _ => None,
        }
    }

    /// The float (ints convert, as in Python arithmetic).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            Value::Bool(b) => Some(*b as i64 as f64),
            Value::BigInt(b) => num_traits::ToPrimitive::to_f64(b),
            _ => None,
        }
    }

    /// The str, if it holds no lone surrogate.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => s.as_str(),
            _ => None,
        }
    }

    /// The bytes of `bytes` or `bytearray`.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) | Value::ByteArray(b) => Some(b),
            _ => None,
        }
    }

    /// The items of a list, tuple, set or frozenset.
    pub fn as_items(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Tuple(v) | Value::Set(v) | Value::FrozenSet(v) => Some(v),
            _ => None,
        }
    }

    /// The items of a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) => Some(v),
            _ => None,
        }
    }

    /// The items of a tuple.
    pub fn as_tuple(&self) -> Option<&[Value]> {
        match self {
            Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// The entries of a dict.
    pub fn as_dict(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// `(module, name)` of a global.
    pub fn as_global(&self) -> Option<(&str, &str)> {
        match self {
            Value::Global { module, name } => Some((module, name)),
            _ => None,
        }
    }

    /// The object.
    pub fn as_object(&self) -> Option<&Instance> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Number of items (list, tuple, dict, set, str code points, bytes).
    pub fn len(&self) -> Option<usize> {
        Some(match self {
            Value::List(v) | Value::Tuple(v) | Value::Set(v) | Value::FrozenSet(v) => v.len(),
            Value::Dict(d) => d.len(),
            Value::Str(s) => s.char_len(),
            Value::Bytes(b) | Value::ByteArray(b) => b.len(),
            _ => return None,
        })
    }

    /// True when `len()` is `Some(0)`.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    // ----- graph conversion -----

    /// The value of a graph's root (default limits: depth 256, and as many
    /// values as 16 per graph node plus 2²⁰, counting shared ones each
    /// time). A structure that contains itself is an error.
    pub fn from_graph(graph: &Graph<'_>) -> Result<Value> {
        let root = graph
            .root_id()
            .ok_or_else(|| Error::new(ErrorKind::InvalidValue, "graph has no root"))?;
        let limit = (graph.len() as u64) * 16 + (1 << 20);
        Value::from_graph_with(graph, root, 256, limit)
    }

    /// The value of any node, with explicit limits: `max_depth` nested
    /// containers, `max_values` values in all (a node shared by several
    /// containers counts each time).
    pub fn from_graph_with(
        graph: &Graph<'_>,
        node: NodeId,
        max_depth: usize,
        max_values: u64,
    ) -> Result<Value> {
        let mut count = 0u64;
        Value::from_node_counted(graph, node, max_depth, &mut |n| {
            count += n;
            count <= max_values
        })
    }

    pub(crate) fn from_node_counted(
        g: &Graph<'_>,
        root: NodeId,
        max_depth: usize,
        budget: &mut dyn FnMut(u64) -> bool,
    ) -> Result<Value> {
        if g.get(root).is_none() {
            return Err(Error::new(
                ErrorKind::InvalidValue,
                "node is not in the graph",
            ));
        }
        enum Task {
            Enter(NodeId),
            Exit(NodeId),
        }
        let mut on_path = vec![false; g.len()];
        let mut tasks = vec![Task::Enter(root)];
        let mut out: Vec<Value> = Vec::new();
        let mut depth = 0usize;
        while let Some(t) = tasks.pop() {
            match t {
                Task::Enter(id) => {
                    if !budget(1) {
                        return Err(Error::new(
                            ErrorKind::LimitExceeded,
                            "shared values expand to more values than the limit allows",
                        ));
                    }
                    let node = g.node(id);
                    let leaf = match node {
                        Node::None => Some(Value::None),
                        Node::Bool(b) => Some(Value::Bool(*b)),
                        Node::Int(i) => Some(Value::Int(*i)),
                        Node::BigInt(b) => Some(Value::BigInt((**b).clone())),
                        Node::Float(f) => Some(Value::Float(*f)),
                        Node::Str(s) => Some(Value::Str(s.clone().into_owned())),
                        Node::Bytes(b) => Some(Value::Bytes(b.to_vec())),
                        Node::ByteArray(b) => Some(Value::ByteArray(b.to_vec())),
                        Node::Buffer(b) => Some(if b.readonly {
                            Value::Bytes(b.data.to_vec())
                        } else {
                            Value::ByteArray(b.data.to_vec())
                        }),
                        Node::Global(gl) => Some(Value::Global {
                            module: gl.module.clone(),
                            name: gl.name.clone(),
                        }),
                        Node::PersistentId(_) => {
                            return Err(Error::new(
                                ErrorKind::MissingHook,
                                "a persistent id has no Value (resolve it with Unpickler::persistent_load)",
                            ))
                        }
                        _ => None,
                    };
                    if let Some(v) = leaf {
                        out.push(v);
                        continue;
                    }
                    if on_path[id.index()] {
                        return Err(Error::new(
                            ErrorKind::InvalidValue,
                            "recursive structure: a container that contains itself has no Value",
                        ));
                    }
                    depth += 1;
                    if depth > max_depth {
                        return Err(Error::new(
                            ErrorKind::LimitExceeded,
                            format!("nesting deeper than {max_depth}"),
                        ));
                    }
                    on_path[id.index()] = true;
                    tasks.push(Task::Exit(id));
                    let mut children = Vec::new();
                    node.for_each_child(|c| children.push(c));
                    if let Node::Object(o) = node {
                        // Only the last BUILD state is kept.
                        let drop_builds = o.builds.len().saturating_sub(1);
                        children.truncate(children.len() - drop_builds);
                    }
                    tasks.extend(children.into_iter().rev().map(Task::Enter));
                }
                Task::Exit(id) => {
                    on_path[id.index()] = false;
                    depth -= 1;
                    let node = g.node(id);
                    let mut n = 0;
                    node.for_each_child(|_| n += 1);
                    if let Node::Object(o) = node {
                        n -= o.builds.len().saturating_sub(1);
                    }
                    let mut items = out.split_off(out.len() - n);
                    let v = match node {
                        Node::List(_) => Value::List(items),
                        Node::Tuple(_) => Value::Tuple(items),
                        Node::Set(_) => Value::Set(items),
                        Node::FrozenSet(_) => Value::FrozenSet(items),
                        Node::Dict(_) => Value::Dict(pairs(items)),
                        Node::Object(o) => {
                            let mut it = items.drain(..);
                            let mut take = |k: usize| it.by_ref().take(k).collect::<Vec<_>>();
                            let (kind, callable, args, kwargs) = match &o.construct {
                                Construct::Reduce { .. } => {
                                    let mut v = take(2);
                                    let a = v.pop().unwrap_or_default();
                                    (InstanceKind::Reduce, v.pop().unwrap_or_default(), a, None)
                                }
                                Construct::NewObj { .. } => {
                                    let mut v = take(2);
                                    let a = v.pop().unwrap_or_default();
                                    (InstanceKind::NewObj, v.pop().unwrap_or_default(), a, None)
                                }
                                Construct::NewObjEx { .. } => {
                                    let mut v = take(3);
                                    let kw = v.pop();
                                    let a = v.pop().unwrap_or_default();
                                    (InstanceKind::NewObjEx, v.pop().unwrap_or_default(), a, kw)
                                }
                                Construct::Inst { cls, args } => (
                                    InstanceKind::Inst,
                                    Value::global(cls.module.clone(), cls.name.clone()),
                                    Value::Tuple(take(args.len())),
                                    None,
                                ),
                                Construct::Obj { args, .. } => {
                                    let mut v = take(1 + args.len());
                                    let cls = v.remove(0);
                                    (InstanceKind::Obj, cls, Value::Tuple(v), None)
                                }
                            };
                            let mut inst = Instance::new(kind, callable, args);
                            inst.kwargs = kwargs;
                            inst.list_items = take(o.list_items.len());
                            inst.dict_items = pairs(take(2 * o.dict_items.len()));
                            inst.set_items = take(o.set_items.len());
                            inst.state = take(1).pop();
                            Value::Object(Box::new(inst))
                        }
                        _ => unreachable!("leaves are handled on entry"),
                    };
                    out.push(v);
                }
            }
        }
        Ok(out.pop().unwrap_or_default())
    }

    /// A graph holding this value (dicts and sets built with Python's key
    /// semantics: an unhashable key is an error).
    pub fn to_graph(&self) -> Result<Graph<'static>> {
        enum Task<'v> {
            Enter(&'v Value),
            Exit(&'v Value),
        }
        let mut g = Graph::new();
        let mut tasks = vec![Task::Enter(self)];
        let mut out: Vec<NodeId> = Vec::new();
        let mut none = None;
        while let Some(t) = tasks.pop() {
            match t {
                Task::Enter(v) => {
                    let leaf = match v {
                        Value::None => Some(*none.get_or_insert_with(|| g.add(Node::None))),
                        Value::Bool(b) => Some(g.add(Node::Bool(*b))),
                        Value::Int(i) => Some(g.int(*i)),
                        Value::BigInt(b) => Some(g.bigint(b.clone())),
                        Value::Float(f) => Some(g.float(*f)),
                        Value::Str(s) => Some(g.add(Node::Str(s.clone()))),
                        Value::Bytes(b) => Some(g.bytes(b.clone())),
                        Value::ByteArray(b) => Some(g.add(Node::ByteArray(Buf::from(b.clone())))),
                        Value::Global { module, name } => Some(g.global(module, name)),
                        _ => None,
                    };
                    if let Some(id) = leaf {
                        out.push(id);
                        continue;
                    }
                    tasks.push(Task::Exit(v));
                    let children: Vec<&Value> = match v {
                        Value::List(items)
                        | Value::Tuple(items)
                        | Value::Set(items)
                        | Value::FrozenSet(items) => items.iter().collect(),
                        Value::Dict(d) => d.iter().flat_map(|(k, v)| [k, v]).collect(),
                        Value::Object(o) => object_children(o),
                        _ => unreachable!(),
                    };
                    // Children in reverse, so they are built in order.
                    tasks.extend(children.into_iter().rev().map(Task::Enter));
                }
                Task::Exit(v) => {
                    let id = match v {
                        Value::List(items) => {
                            let c = out.split_off(out.len() - items.len());
                            g.list(c)
                        }
                        Value::Tuple(items) => {
                            let c = out.split_off(out.len() - items.len());
                            g.tuple(c)
                        }
                        Value::Set(items) => {
                            let c = out.split_off(out.len() - items.len());
                            g.set(c)?
                        }
                        Value::FrozenSet(items) => {
                            let c = out.split_off(out.len() - items.len());
                            g.frozenset(c)?
                        }
                        Value::Dict(d) => {
                            let c = out.split_off(out.len() - 2 * d.len());
                            g.dict(c.chunks(2).map(|p| (p[0], p[1])).collect())?
                        }
                        Value::Object(o) => {
                            let n = object_children(o).len();
                            let c = out.split_off(out.len() - n);
                            let mut it = c.into_iter();
                            let mut next = || it.next().expect("counted");
                            let construct = match o.kind {
                                InstanceKind::Reduce => Construct::Reduce {
                                    callable: next(),
                                    args: next(),
                                },
                                InstanceKind::NewObj => Construct::NewObj {
                                    cls: next(),
                                    args: next(),
                                },
                                InstanceKind::NewObjEx => {
                                    let cls = next();
                                    let args = next();
                                    let kwargs = next();
                                    Construct::NewObjEx { cls, args, kwargs }
                                }
                                InstanceKind::Inst => {
                                    let (module, name) = match &o.callable {
                                        Value::Global { module, name } => {
                                            (module.clone(), name.clone())
                                        }
                                        _ => {
                                            return Err(Error::new(
                                                ErrorKind::Unpicklable,
                                                "an INST object's class must be a global",
                                            ))
                                        }
                                    };
                                    let args = (0..inst_args(o).len()).map(|_| next()).collect();
                                    Construct::Inst {
                                        cls: Global { module, name },
                                        args,
                                    }
                                }
                                InstanceKind::Obj => {
                                    let cls = next();
                                    let args = (0..inst_args(o).len()).map(|_| next()).collect();
                                    Construct::Obj { cls, args }
                                }
                            };
                            let mut obj = Object::new(construct);
                            obj.list_items = (0..o.list_items.len()).map(|_| next()).collect();
                            obj.dict_items = (0..o.dict_items.len())
                                .map(|_| {
                                    let k = next();
                                    (k, next())
                                })
                                .collect();
                            obj.set_items = (0..o.set_items.len()).map(|_| next()).collect();
                            if o.state.is_some() {
                                obj.builds.push(next());
                            }
                            g.add(Node::Object(Box::new(obj)))
                        }
                        _ => unreachable!(),
                    };
                    out.push(id);
                }
            }
        }
        let root = out.pop().expect("one root");
        g.set_root(root);
        Ok(g)
    }
}

fn inst_args(o: &Instance) -> &[Value] {
    match &o.args {
        Value::Tuple(a) | Value::List(a) => a,
        _ => &[],
    }
}

/// The children of an object in graph order.
fn object_children(o: &Instance) -> Vec<&Value> {
    let mut c: Vec<&Value> = Vec::new();
    match o.kind {
        InstanceKind::Reduce | InstanceKind::NewObj => {
            c.push(&o.callable);
            c.push(&o.args);
        }
        InstanceKind::NewObjEx => {
            c.push(&o.callable);
            c.push(&o.args);
            c.push(o.kwargs.as_ref().unwrap_or(&NONE));
        }
        InstanceKind::Inst => c.extend(inst_args(o)),
        InstanceKind::Obj => {
            c.push(&o.callable);
            c.extend(inst_args(o));
        }
    }
    c.extend(o.list_items.iter());
    for (k, v) in &o.dict_items {
        c.push(k);
        c.push(v);
    }
    c.extend(o.set_items.iter());
    if let Some(s) = &o.state {
        c.push(s);
    }
    c
}

fn pairs(items: Vec<Value>) -> Vec<(Value, Value)> {
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    out
}

/// Python `==` between values used as keys.
fn py_eq(a: &Value, b: &Value) -> bool {
    use Value as V;
    match (a, b) {
        (V::Tuple(x), V::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (V::FrozenSet(x), V::FrozenSet(y)) | (V::Set(x), V::Set(y)) => {
            x.len() == y.len() && x.iter().all(|p| y.iter().any(|q| py_eq(p, q)))
        }
        (
            V::Int(_) | V::Bool(_) | V::BigInt(_) | V::Float(_),
            V::Int(_) | V::Bool(_) | V::BigInt(_) | V::Float(_),
        ) => {
            if matches!(a, V::Float(_)) || matches!(b, V::Float(_)) {
                a.as_f64() == b.as_f64()
            } else {
                a.as_bigint() == b.as_bigint()
            }
        }
        _ => a == b,
    }
}

// ----- display: Python's repr -----

impl fmt::Display for Value {
    /// Python's `repr` of the value (objects as `<module.Name object>`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn seq(
            f: &mut fmt::Formatter<'_>,
            items: &[Value],
            open: &str,
            close: &str,
        ) -> fmt::Result {
            f.write_str(open)?;
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{v}")?;
            }
            f.write_str(close)
        }
        match self {
            Value::None => f.write_str("None"),
            Value::Bool(b) => f.write_str(if *b { "True" } else { "False" }),
            Value::Int(i) => write!(f, "{i}"),
            Value::BigInt(b) => write!(f, "{b}"),
            Value::Float(x) => f.write_str(&crate::text::float_repr(*x)),
            Value::Str(s) => {
                let t = s.to_string_lossy();
                let q = if t.contains('\'') && !t.contains('"') {
                    '"'
                } else {
                    '\''
                };
                write!(f, "{q}")?;
                for c in t.chars() {
                    match c {
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\r' => f.write_str("\\r")?,
                        '\t' => f.write_str("\\t")?,
                        c if c == q => write!(f, "\\{c}")?,
                        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                            write!(f, "\\x{:02x}", c as u32)?
                        }
                        c => write!(f, "{c}")?,
                    }
                }
                write!(f, "{q}")
            }
            Value::Bytes(b) => write!(f, "b'{}'", b.escape_ascii()),
            Value::ByteArray(b) => write!(f, "bytearray(b'{}')", b.escape_ascii()),
            Value::List(v) => seq(f, v, "[", "]"),
            Value::Tuple(v) if v.len() == 1 => write!(f, "({},)", v[0]),
            Value::Tuple(v) => seq(f, v, "(", ")"),
            Value::Set(v) if v.is_empty() => f.write_str("set()"),
            Value::Set(v) => seq(f, v, "{", "}"),
            Value::FrozenSet(v) if v.is_empty() => f.write_str("frozenset()"),
            Value::FrozenSet(v) => seq(f, v, "frozenset({", "})"),
            Value::Dict(d) => {
                f.write_str("{")?;
                for (i, (k, v)) in d.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
            Value::Global { module, name } => write!(f, "<global {module}.{name}>"),
            Value::Object(o) => match o.class_name() {
                Some(c) => write!(f, "<{c} object>"),
                None => f.write_str("<object>"),
            },
        }
    }
}

// ----- From -----

macro_rules! from_int {
    ($($t:ty)*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                match i64::try_from(v) {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::BigInt(Big::from(v)),
                }
            }
        }
    )*};
}
from_int!(i8 i16 i32 i64 isize u8 u16 u32 u64 usize i128 u128);

crate::value::from_impls!(Value:
    bool => |v| Value::Bool(v),
    f64 => |v| Value::Float(v),
    f32 => |v| Value::Float(v as f64),
    &str => |v| Value::str(v),
    String => |v| Value::str(v),
    PyStr<'_> => |v| Value::Str(v.into_owned()),
    () => |_unit| Value::None,
    Big => |v| match i64::try_from(&v) {
        Ok(i) => Value::Int(i),
        Err(_) => Value::BigInt(v),
    },
    BigInt => |v| v.0.into(),
    Instance => |v| Value::Object(Box::new(v)),
);
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::None, Into::into)
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}
impl<K: Into<Value>, V: Into<Value>, S> From<HashMap<K, V, S>> for Value {
    fn from(m: HashMap<K, V, S>) -> Value {
        Value::dict(m)
    }
}
impl<K: Into<Value>, V: Into<Value>> From<BTreeMap<K, V>> for Value {
    fn from(m: BTreeMap<K, V>) -> Value {
        Value::dict(m)
    }
}

macro_rules! from_tuple {
    ($($n:ident)+) => {
        impl<$($n: Into<Value>),+> From<($($n,)+)> for Value {
            #[allow(non_snake_case)]
            fn from(($($n,)+): ($($n,)+)) -> Value {
                Value::Tuple(vec![$($n.into()),+])
            }
        }
    };
}
from_tuple!(A);
from_tuple!(A B);
from_tuple!(A B C);
from_tuple!(A B C D);
from_tuple!(A B C D E);
from_tuple!(A B C D E F);

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        matches!(self, Value::Str(s) if s == other)
    }
}
impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        matches!(self, Value::Str(s) if s == *other)
    }
}
impl PartialEq<i64> for Value {
    fn eq(&self, other: &i64) -> bool {
        self.as_i64() == Some(*other) && !matches!(self, Value::Float(_))
    }
}
impl PartialEq<f64> for Value {
    fn eq(&self, other: &f64) -> bool {
        self.as_f64() == Some(*other)
    }
}
impl PartialEq<bool> for Value {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

// ----- BigInt and with-modules -----

/// A Python `int` of any size, for typed fields:
/// `struct S { n: brinery::serde::BigInt }`. (For a `num_bigint::BigInt`
/// field use `#[serde(with = "brinery::serde::bigint")]`.)
///
/// ```
/// use brinery::serde::BigInt;
/// let n: BigInt = "123456789012345678901234567890".parse::<num_bigint::BigInt>().unwrap().into();
/// let bytes = brinery::to_vec(&n).unwrap();
/// assert_eq!(brinery::from_slice::<BigInt>(&bytes).unwrap(), n);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct BigInt(pub Big);

impl From<Big> for BigInt {
    fn from(v: Big) -> Self {
        BigInt(v)
    }
}

impl Serialize for BigInt {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        bigint::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for BigInt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        bigint::deserialize(d).map(BigInt)
    }
}

/// Visitor methods that convert the visited value with `Into` (the ints
/// [`Value`] and `bigint` take whatever their size).
macro_rules! visit_into {
    ($out:ty: $($method:ident($t:ty)),*) => {$(
        fn $method<E>(self, v: $t) -> std::result::Result<$out, E> {
            Ok(v.into())
        }
    )*};
}

/// `#[serde(with = "brinery::serde::bigint")]` for `num_bigint::BigInt`
/// fields: a Python `int` of any size (in other formats: an integer when
/// it fits in 128 bits, else its decimal string).
pub mod bigint {
    use super::*;

    /// Serialize a big integer as a Python int.
    pub fn serialize<S: Serializer>(v: &Big, s: S) -> std::result::Result<S::Ok, S::Error> {
        if let Ok(i) = i64::try_from(v) {
            return s.serialize_i64(i);
        }
        if let Ok(i) = i128::try_from(v) {
            return s.serialize_i128(i);
        }
        if let Ok(i) = u128::try_from(v) {
            return s.serialize_u128(i);
        }
        s.serialize_newtype_struct(MAGIC_BIGINT, &v.to_string())
    }

    /// Deserialize a Python int of any size.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Big, D::Error> {
        d.deserialize_newtype_struct(MAGIC_BIGINT, BigVisitor)
    }

    struct BigVisitor;

    impl<'de> Visitor<'de> for BigVisitor {
        type Value = Big;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an int")
        }
        visit_into!(Big: visit_i64(i64), visit_u64(u64), visit_i128(i128), visit_u128(u128));
        fn visit_bool<E>(self, v: bool) -> std::result::Result<Big, E> {
            Ok((v as i64).into())
        }
        fn visit_bytes<E>(self, v: &[u8]) -> std::result::Result<Big, E> {
            Ok(Big::from_signed_bytes_le(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Big, E> {
            v.parse()
                .map_err(|_| E::custom(format!("invalid int: {v:?}")))
        }
        fn visit_newtype_struct<D: Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<Big, D::Error> {
            d.deserialize_any(self)
        }
    }
}

/// A `#[serde(with = ...)]` module that writes a collection under the
/// newtype name `$magic` (so as the Python type `$ty`) and reads it from
/// any Python collection.
macro_rules! set_with_module {
    ($(#[$doc:meta])* $module:ident, $magic:ident, $ty:literal) => {
        $(#[$doc])*
        pub mod $module {
            use super::*;

            #[doc = concat!("Serialize as a `", $ty, "`.")]
            pub fn serialize<T, S>(v: &T, s: S) -> std::result::Result<S::Ok, S::Error>
            where
                T: Serialize,
                S: Serializer,
            {
                s.serialize_newtype_struct($magic, v)
            }

            /// Deserialize from any Python collection.
            pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<T, D::Error> {
                T::deserialize(d)
            }
        }
    };
}

set_with_module!(
    /// `#[serde(with = "brinery::serde::as_set")]`: write a collection
    /// (`HashSet`, `BTreeSet`, `Vec`...) as a Python `set`; read it from a
    /// set, frozenset, list or tuple. Elements become hashable (sequences as
    /// tuples).
    ///
    /// ```
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct S {
    ///     #[serde(with = "brinery::serde::as_set")]
    ///     tags: std::collections::BTreeSet<String>,
    /// }
    /// let s = S { tags: ["a".to_string()].into() };
    /// let v = brinery::serde::to_value(&s).unwrap();
    /// assert_eq!(v["tags"], brinery::Value::set(["a"]));
    /// ```
    as_set,
    MAGIC_SET,
    "set"
);

set_with_module!(
    /// `#[serde(with = "brinery::serde::as_frozenset")]`: like [`as_set`],
    /// writing a `frozenset`.
    as_frozenset,
    MAGIC_FROZENSET,
    "frozenset"
);

// ----- Serialize -----

struct Items<'v>(&'v [Value]);

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for v in self.0 {
            seq.serialize_element(v)?;
        }
        seq.end()
    }
}

struct Entries<'v>(&'v [(Value, Value)]);

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

struct Wtf8<'v>(&'v [u8]);

impl Serialize for Wtf8<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// An object's parts, in the order the pickle needs them.
struct InstanceRepr<'v>(&'v Instance);

pub(super) fn kind_code(k: InstanceKind) -> u8 {
    match k {
        InstanceKind::Reduce => 0,
        InstanceKind::NewObj => 1,
        InstanceKind::NewObjEx => 2,
        InstanceKind::Inst => 3,
        InstanceKind::Obj => 4,
    }
}

fn kind_of_code(c: i64) -> Option<InstanceKind> {
    Some(match c {
        0 => InstanceKind::Reduce,
        1 => InstanceKind::NewObj,
        2 => InstanceKind::NewObjEx,
        3 => InstanceKind::Inst,
        4 => InstanceKind::Obj,
        _ => return None,
    })
}

impl Serialize for InstanceRepr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let o = self.0;
        let mut t = s.serialize_tuple(8)?;
        t.serialize_element(&kind_code(o.kind))?;
        t.serialize_element(&o.callable)?;
        t.serialize_element(&o.args)?;
        t.serialize_element(&o.kwargs)?;
        t.serialize_element(&Items(&o.list_items))?;
        t.serialize_element(&Entries(&o.dict_items))?;
        t.serialize_element(&Items(&o.set_items))?;
        t.serialize_element(&o.state)?;
        t.end()
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Value::None => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::BigInt(b) => bigint::serialize(b, s),
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(st) => match st.as_str() {
                Some(t) => s.serialize_str(t),
                None => s.serialize_newtype_struct(MAGIC_WTF8, &Wtf8(st.as_wtf8())),
            },
            Value::Bytes(b) => s.serialize_bytes(b),
            Value::ByteArray(b) => s.serialize_newtype_struct(MAGIC_BYTEARRAY, &Wtf8(b)),
            Value::List(items) => Items(items).serialize(s),
            Value::Tuple(items) => {
                let mut t = s.serialize_tuple(items.len())?;
                for v in items {
                    t.serialize_element(v)?;
                }
                t.end()
            }
            Value::Dict(d) => Entries(d).serialize(s),
            Value::Set(items) => s.serialize_newtype_struct(MAGIC_SET, &Items(items)),
            Value::FrozenSet(items) => s.serialize_newtype_struct(MAGIC_FROZENSET, &Items(items)),
            Value::Global { module, name } => {
                s.serialize_newtype_struct(MAGIC_GLOBAL, &(module.as_str(), name.as_str()))
            }
            Value::Object(o) => s.serialize_newtype_struct(MAGIC_OBJECT, &InstanceRepr(o)),
        }
    }
}

// ----- Deserialize -----

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_newtype_struct(MAGIC_VALUE, ValueVisitor)
    }
}

struct ValueVisitor;

struct ByteVec(Vec<u8>);

impl<'de> Deserialize<'de> for ByteVec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ByteVec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> std::result::Result<ByteVec, E> {
                Ok(ByteVec(v.to_vec()))
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> std::result::Result<ByteVec, E> {
                Ok(ByteVec(v))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<ByteVec, E> {
                Ok(ByteVec(v.as_bytes().to_vec()))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<ByteVec, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = a.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(ByteVec(out))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::None)
    }
    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::Int(v))
    }
    visit_into!(Value: visit_u64(u64), visit_i128(i128), visit_u128(u128));
    fn visit_f64<E>(self, v: f64) -> std::result::Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::str(v))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> std::result::Result<Value, E> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> std::result::Result<Value, E> {
        Ok(Value::Bytes(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::with_capacity(a.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = a.next_element::<Value>()? {
            out.push(v);
        }
        Ok(Value::List(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::with_capacity(a.size_hint().unwrap_or(0).min(4096));
        let Some(first) = a.next_key::<Value>()? else {
            return Ok(Value::Dict(out));
        };
        let tag = match &first {
            Value::Str(s) => s.as_str().filter(|t| t.starts_with(tags::PREFIX)),
            _ => None,
        };
        if let Some(tag) = tag {
            use de::Error as _;
            let v = match tag {
                tags::TUPLE => Value::Tuple(a.next_value()?),
                tags::SET => Value::Set(a.next_value()?),
                tags::FROZENSET => Value::FrozenSet(a.next_value()?),
                tags::BYTEARRAY => Value::ByteArray(a.next_value::<ByteVec>()?.0),
                tags::INT => Big::from_signed_bytes_le(&a.next_value::<ByteVec>()?.0).into(),
                tags::STR => Value::Str(
                    PyStr::from_wtf8_vec(a.next_value::<ByteVec>()?.0)
                        .ok_or_else(|| A::Error::custom("invalid str"))?,
                ),
                tags::GLOBAL => {
                    let (module, name): (String, String) = a.next_value()?;
                    Value::Global { module, name }
                }
                tags::DICT => Value::Dict(a.next_value()?),
                tags::OBJECT => {
                    let parts: Vec<Value> = a.next_value()?;
                    instance_from_parts(parts).ok_or_else(|| A::Error::custom("invalid object"))?
                }
                _ => {
                    // Not a tag after all: an ordinary dict.
                    out.push((first, a.next_value()?));
                    while let Some((k, v)) = a.next_entry()? {
                        out.push((k, v));
                    }
                    return Ok(Value::Dict(out));
                }
            };
            return Ok(v);
        }
        out.push((first, a.next_value()?));
        while let Some((k, v)) = a.next_entry()? {
            out.push((k, v));
        }
        Ok(Value::Dict(out))
    }
}

fn instance_from_parts(parts: Vec<Value>) -> Option<Value> {
    let [kind, callable, args, kwargs, list_items, dict_items, set_items, state]: [Value; 8] =
        parts.try_into().ok()?;
    let mut o = Instance::new(kind_of_code(kind.as_i64()?)?, callable, args);
    o.kwargs = (!kwargs.is_none()).then_some(kwargs);
    o.state = (!state.is_none()).then_some(state);
    o.list_items = match list_items {
        Value::List(v) => v,
        _ => return None,
    };
    o.dict_items = match dict_items {
        Value::Dict(v) => v,
        _ => return None,
    };
    o.set_items = match set_items {
        Value::List(v) => v,
        _ => return None,
    };
    Some(Value::Object(Box::new(o)))
}

/// A [`Value`] handed to `Value`'s visitor with Python-only types tagged.
pub(crate) struct TaggedValue(pub Value);

impl<'de> de::IntoDeserializer<'de, Error> for TaggedValue {
    type Deserializer = TaggedValue;
    fn into_deserializer(self) -> TaggedValue {
        self
    }
}

fn tagged<'de, V: Visitor<'de>, P: de::Deserializer<'de, Error = Error>>(
    visitor: V,
    tag: &'static str,
    payload: P,
) -> Result<V::Value> {
    visitor.visit_map(tags::Tagged::new(tag, payload))
}

fn seq_of(items: Vec<Value>) -> de::value::SeqDeserializer<std::vec::IntoIter<TaggedValue>, Error> {
    de::value::SeqDeserializer::new(
        items
            .into_iter()
            .map(TaggedValue)
            .collect::<Vec<_>>()
            .into_iter(),
    )
}

struct SeqPayload(Vec<Value>);

impl<'de> de::Deserializer<'de> for SeqPayload {
    type Error = Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_seq(seq_of(self.0))
    }
    forward_all!();
}

struct PairsPayload(Vec<(Value, Value)>);

impl<'de> de::Deserializer<'de> for PairsPayload {
    type Error = Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_seq(seq_of(
            self.0
                .into_iter()
                .map(|(k, v)| Value::Tuple(vec![k, v]))
                .collect(),
        ))
    }
    forward_all!();
}

impl<'de> de::Deserializer<'de> for TaggedValue {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Value::None => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Int(i) => visitor.visit_i64(i),
            Value::BigInt(b) => tagged(
                visitor,
                tags::INT,
                tags::BytesPayload(b.to_signed_bytes_le()),
            ),
            Value::Float(f) => visitor.visit_f64(f),
            Value::Str(s) => match s.as_str() {
                Some(t) => visitor.visit_str(t),
                None => tagged(visitor, tags::STR, tags::BytesPayload(s.as_wtf8().to_vec())),
            },
            Value::Bytes(b) => visitor.visit_byte_buf(b),
            Value::ByteArray(b) => tagged(visitor, tags::BYTEARRAY, tags::BytesPayload(b)),
            Value::List(items) => visitor.visit_seq(seq_of(items)),
            Value::Tuple(items) => tagged(visitor, tags::TUPLE, SeqPayload(items)),
            Value::Set(items) => tagged(visitor, tags::SET, SeqPayload(items)),
            Value::FrozenSet(items) => tagged(visitor, tags::FROZENSET, SeqPayload(items)),
            Value::Global { module, name } => {
                tagged(visitor, tags::GLOBAL, tags::Pair(module, name))
            }
            Value::Dict(d) => {
                let clash = matches!(d.first(), Some((Value::Str(s), _)) if s.as_str().is_some_and(|t| t.starts_with(tags::PREFIX)));
                if clash {
                    return tagged(visitor, tags::DICT, PairsPayload(d));
                }
                visitor.visit_map(de::value::MapDeserializer::new(
                    d.into_iter().map(|(k, v)| (TaggedValue(k), TaggedValue(v))),
                ))
            }
            Value::Object(o) => {
                let o = *o;
                let parts = vec![
                    Value::Int(kind_code(o.kind) as i64),
                    o.callable,
                    o.args,
                    o.kwargs.unwrap_or_default(),
                    Value::List(o.list_items),
                    Value::Dict(o.dict_items),
                    Value::List(o.set_items),
                    o.state.unwrap_or_default(),
                ];
                tagged(visitor, tags::OBJECT, SeqPayload(parts))
            }
        }
    }

    tags::python_deserializer!(option unit enum ignored_any);
}

impl<'de> TaggedValue {
    /// Already a typed value: [`Value`]'s newtype sees it as it is.
    fn newtype_value<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    /// A [`BigInt`] visitor reads the int from `deserialize_any`.
    fn newtype_bigint<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }
}
