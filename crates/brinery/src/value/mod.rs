//! The object graph: what a pickle holds, with identity and cycles kept.
//!
//! A [`Graph`] is an arena of [`Node`]s addressed by [`NodeId`]. An object
//! reached twice in the pickle (a memo GET) is one node referenced twice; a
//! list containing itself is a node whose items include its own id. Because
//! nodes refer to each other by index, cycles cannot leak and dropping a
//! graph never recurses, however deep or cyclic it is.

mod access;
mod call;
mod key;
mod path;
mod pystr;

use num_bigint::BigInt;
use thin_vec::ThinVec;

pub use self::access::{Items, NodeRef};
#[cfg(feature = "serde")]
pub(crate) use self::call::is_copyreg_wrapper;

/// `impl From<T> for $to` for each `T => |v| expr` (the plain
/// conversions into [`crate::Value`] and [`crate::stdlib::EnumValue`]).
macro_rules! from_impls {
    ($to:ty: $($from:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(
            impl From<$from> for $to {
                fn from($v: $from) -> $to {
                    $e
                }
            }
        )*
    };
}
pub use self::call::Call;
pub use self::key::Unhashable;
pub(crate) use self::key::INDEX_THRESHOLD;
pub use self::path::{NodePath, PathError, PathSeg};
pub(crate) use self::pystr::first_invalid;
#[cfg(feature = "serde")]
pub(crate) use self::pystr::validate;
pub use self::pystr::{Buf, CodePoints, PyStr};
pub(crate) use crate::text::push_code_point;
pub(crate) use from_impls;

use crate::error::{Error, ErrorKind, Result};

/// Index of a node in its [`Graph`].
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    /// The index in the graph's node list.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One Python object.
#[derive(Clone, Debug)]
pub enum Node<'a> {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int` that fits in 64 bits.
    Int(i64),
    /// An `int` outside the 64-bit range (always: the decoder normalizes).
    BigInt(Box<BigInt>),
    /// A `float`.
    Float(f64),
    /// A `str`.
    Str(PyStr<'a>),
    /// `bytes`.
    Bytes(Buf<'a>),
    /// `bytearray`.
    ByteArray(Buf<'a>),
    /// `list`.
    List(Vec<NodeId>),
    /// `tuple`.
    Tuple(Vec<NodeId>),
    /// `dict`, in insertion order.
    Dict(Dict),
    /// `set`, in insertion order.
    Set(Set),
    /// `frozenset`, in insertion order.
    FrozenSet(Set),
    /// A reference to `module.name` (a class, function or other global).
    Global(Box<Global>),
    /// An object produced by a call (REDUCE, NEWOBJ, INST, OBJ, ...),
    /// recorded as how it was made, never executed.
    Object(Box<Object>),
    /// An unresolved persistent id (kept when the loader is told to keep
    /// them rather than resolve them).
    PersistentId(NodeId),
    /// A protocol 5 out-of-band buffer (or a read-only view of one).
    Buffer(Box<PickleBuffer<'a>>),
}

/// A `module.name` reference.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Global {
    /// The module, as resolved (after Python 2 name mapping).
    pub module: String,
    /// The (possibly dotted) qualified name.
    pub name: String,
}

/// How an opaque object was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Construct {
    /// `REDUCE`: `callable(*args)`.
    Reduce {
        /// The callable.
        callable: NodeId,
        /// The argument tuple.
        args: NodeId,
    },
    /// `NEWOBJ`: `cls.__new__(cls, *args)`.
    NewObj {
        /// The class.
        cls: NodeId,
        /// The argument tuple.
        args: NodeId,
    },
    /// `NEWOBJ_EX`: `cls.__new__(cls, *args, **kwargs)`.
    NewObjEx {
        /// The class.
        cls: NodeId,
        /// The argument tuple.
        args: NodeId,
        /// The keyword-argument dict.
        kwargs: NodeId,
    },
    /// `INST`: `module.name(*args)` (protocol 0).
    Inst {
        /// The class.
        cls: Global,
        /// The arguments.
        args: Vec<NodeId>,
    },
    /// `OBJ`: `cls(*args)` (protocol 1).
    Obj {
        /// The class.
        cls: NodeId,
        /// The arguments.
        args: Vec<NodeId>,
    },
}

/// An object brinery does not interpret: how it was made and what was done
/// to it afterwards.
#[derive(Clone, Debug)]
pub struct Object {
    /// How it was made.
    pub construct: Construct,
    /// Items added by APPEND/APPENDS, in order.
    pub list_items: Vec<NodeId>,
    /// Pairs added by SETITEM/SETITEMS, in order.
    pub dict_items: Vec<(NodeId, NodeId)>,
    /// Items added by ADDITEMS, in order.
    pub set_items: Vec<NodeId>,
    /// States applied by BUILD, in order (normally one).
    pub builds: Vec<NodeId>,
}

impl Object {
    /// A new object with nothing applied yet.
    pub fn new(construct: Construct) -> Self {
        Object {
            construct,
            list_items: Vec::new(),
            dict_items: Vec::new(),
            set_items: Vec::new(),
            builds: Vec::new(),
        }
    }

    /// The last BUILD state, if any.
    pub fn state(&self) -> Option<NodeId> {
        self.builds.last().copied()
    }

    /// The same object with every node id passed through `map`: for
    /// copying an object into another graph.
    pub fn map_ids(&self, map: impl Fn(NodeId) -> NodeId) -> Object {
        let m = &map;
        let construct = match &self.construct {
            Construct::Reduce { callable, args } => Construct::Reduce {
                callable: m(*callable),
                args: m(*args),
            },
            Construct::NewObj { cls, args } => Construct::NewObj {
                cls: m(*cls),
                args: m(*args),
            },
            Construct::NewObjEx { cls, args, kwargs } => Construct::NewObjEx {
                cls: m(*cls),
                args: m(*args),
                kwargs: m(*kwargs),
            },
            Construct::Inst { cls, args } => Construct::Inst {
                cls: cls.clone(),
                args: args.iter().map(|&c| m(c)).collect(),
            },
            Construct::Obj { cls, args } => Construct::Obj {
                cls: m(*cls),
                args: args.iter().map(|&c| m(c)).collect(),
            },
        };
        Object {
            construct,
            list_items: self.list_items.iter().map(|&c| m(c)).collect(),
            dict_items: self.dict_items.iter().map(|&(k, v)| (m(k), m(v))).collect(),
            set_items: self.set_items.iter().map(|&c| m(c)).collect(),
            builds: self.builds.iter().map(|&c| m(c)).collect(),
        }
    }
}

/// An out-of-band buffer.
#[derive(Clone, Debug)]
pub struct PickleBuffer<'a> {
    /// The buffer's bytes.
    pub data: Buf<'a>,
    /// Whether it is read-only.
    pub readonly: bool,
    /// Which of the caller's buffers it came from (None for a view made by
    /// READONLY_BUFFER over an in-band object).
    pub index: Option<usize>,
}

/// A dict: entries in insertion order plus an index for large dicts.
///
/// 16 bytes (a thin vector and a boxed index), so that a [`Node`] stays
/// 32 bytes and a small dict costs one allocation.
#[derive(Clone, Debug, Default)]
pub struct Dict {
    pub(crate) entries: ThinVec<(NodeId, NodeId)>,
    pub(crate) index: Option<Box<key::Index>>,
}

impl Dict {
    /// The entries, in insertion order.
    pub fn entries(&self) -> &[(NodeId, NodeId)] {
        &self.entries
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A set or frozenset: elements in insertion order plus an index.
#[derive(Clone, Debug, Default)]
pub struct Set {
    pub(crate) items: ThinVec<NodeId>,
    pub(crate) index: Option<Box<key::Index>>,
}

impl Set {
    /// The elements, in insertion order.
    pub fn items(&self) -> &[NodeId] {
        &self.items
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// An arena of nodes with a root: the decoded form of one pickle.
#[derive(Clone, Debug, Default)]
pub struct Graph<'a> {
    pub(crate) nodes: Vec<Node<'a>>,
    root: Option<NodeId>,
    /// For builtin values the decoder rebuilt from a REDUCE (set, bytes,
    /// bytearray, nested-name getattr...): the callable and argument nodes
    /// it came from, so re-encoding can reproduce the original identities;
    /// for a global read by STACK_GLOBAL, its module and name str nodes.
    pub(crate) reductions: std::collections::HashMap<NodeId, (NodeId, NodeId)>,
    /// Ints that fit 64 bits but were written with a LONG opcode (Python
    /// 2's `long`), recorded only when the decoder was asked to
    /// (`Unpickler::keep_long_flags`).
    pub(crate) longs: std::collections::BTreeSet<NodeId>,
    /// Hashes of tuple/frozenset keys computed so far (see `key.rs`);
    /// cleared by [`Graph::node_mut`].
    pub(crate) hashes: key::HashCache,
    /// Slots an events-only decode freed, reused by [`Graph::add`] (always
    /// empty otherwise).
    pub(crate) free: Vec<u32>,
    /// Items an events-only decode dropped from a list (or an object's
    /// appended items), by node.
    pub(crate) dropped: std::collections::HashMap<NodeId, u64>,
}

impl<'a> Graph<'a> {
    /// An empty graph.
    pub fn new() -> Self {
        Graph::with_capacity(0)
    }

    /// An empty graph with room for `n` nodes.
    pub fn with_capacity(n: usize) -> Self {
        Graph {
            nodes: Vec::with_capacity(n),
            root: None,
            reductions: Default::default(),
            longs: Default::default(),
            hashes: Default::default(),
            free: Vec::new(),
            dropped: Default::default(),
        }
    }

    /// Add a node and return its id.
    ///
    /// Dict and set nodes added this way must already hold unique keys;
    /// use [`Graph::dict_insert`]/[`Graph::set_add`] to build them with
    /// Python's key semantics.
    #[inline(always)]
    pub fn add(&mut self, node: Node<'a>) -> NodeId {
        if let Some(slot) = self.free.pop() {
            // Freed slots hold `Node::None`: nothing to drop in the
            // common case.
            match std::mem::replace(&mut self.nodes[slot as usize], node) {
                Node::None => {}
                old => drop(old),
            }
            return NodeId(slot);
        }
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(node);
        id
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True if there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node with this id. Panics on an id from another graph that is
    /// out of range; use [`Graph::get`] to avoid that.
    #[inline]
    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id.index()]
    }

    /// The node with this id, if it exists.
    pub fn get(&self, id: NodeId) -> Option<&Node<'a>> {
        self.nodes.get(id.index())
    }

    /// Mutable access to a node.
    pub fn node_mut(&mut self, id: NodeId) -> &mut Node<'a> {
        // The node may become (or stop being) part of a cached key. (A new
        // map, not `clear`: dropping a map of plain integers is O(1).)
        if !self.hashes.is_empty() {
            self.hashes = key::HashCache::new();
        }
        &mut self.nodes[id.index()]
    }

    /// All nodes, indexed by `NodeId::index`.
    pub fn nodes(&self) -> &[Node<'a>] {
        &self.nodes
    }

    /// The root object, if set.
    pub fn root_id(&self) -> Option<NodeId> {
        self.root
    }

    /// Set the root object.
    pub fn set_root(&mut self, id: NodeId) {
        self.root = Some(id);
    }

    /// A view of the root (a `None` view if no root was set).
    pub fn root(&self) -> NodeRef<'_, 'a> {
        NodeRef::new(self, self.root)
    }

    /// A view of any node.
    pub fn view(&self, id: NodeId) -> NodeRef<'_, 'a> {
        NodeRef::new(self, Some(id))
    }

    /// Whether node `id` is an [`Node::Int`] the pickle wrote with a LONG
    /// opcode (`LONG`, `LONG1`, `LONG4`): a Python 2 `long` such as `7L`.
    /// Known only when the graph was decoded with
    /// [`Unpickler::keep_long_flags`](crate::Unpickler::keep_long_flags);
    /// otherwise always false.
    ///
    /// ```
    /// // (7L, 7) as Python 2 pickles it: LONG1 7, BININT1 7, TUPLE2.
    /// let data = b"\x80\x02\x8a\x01\x07K\x07\x86.";
    /// let g = brinery::Unpickler::new().keep_long_flags().load_slice(data).unwrap();
    /// let (long, int) = (g.root().get(&0).unwrap(), g.root().get(&1).unwrap());
    /// assert_eq!((long.as_i64(), int.as_i64()), (Some(7), Some(7)));
    /// assert!(g.written_as_long(long.id().unwrap()));
    /// assert!(!g.written_as_long(int.id().unwrap()));
    /// // Without the option the two are not told apart.
    /// let g = brinery::Unpickler::new().load_slice(data).unwrap();
    /// assert!(!g.written_as_long(g.root().get(&0).unwrap().id().unwrap()));
    /// ```
    pub fn written_as_long(&self, id: NodeId) -> bool {
        self.longs.contains(&id)
    }

    /// Copy every borrowed payload so the graph no longer borrows the input.
    pub fn into_owned(self) -> Graph<'static> {
        Graph {
            nodes: self.nodes.into_iter().map(Node::into_owned).collect(),
            root: self.root,
            reductions: self.reductions,
            longs: self.longs,
            hashes: self.hashes,
            free: self.free,
            dropped: self.dropped,
        }
    }

    // ----- building -----

    /// Add a `str`.
    pub fn str(&mut self, s: impl Into<String>) -> NodeId {
        self.add(Node::Str(PyStr::from(s.into())))
    }

    /// Add an `int`.
    pub fn int(&mut self, i: i64) -> NodeId {
        self.add(Node::Int(i))
    }

    /// Add an arbitrary-precision `int` (normalized to `Int` when it fits).
    pub fn bigint(&mut self, i: BigInt) -> NodeId {
        self.add(Node::from_bigint(i))
    }

    /// Add a `float`.
    pub fn float(&mut self, f: f64) -> NodeId {
        self.add(Node::Float(f))
    }

    /// Add `bytes`.
    pub fn bytes(&mut self, b: impl Into<Vec<u8>>) -> NodeId {
        self.add(Node::Bytes(Buf::from(b.into())))
    }

    /// Add a `list`.
    pub fn list(&mut self, items: Vec<NodeId>) -> NodeId {
        self.add(Node::List(items))
    }

    /// Add a `tuple`.
    pub fn tuple(&mut self, items: Vec<NodeId>) -> NodeId {
        self.add(Node::Tuple(items))
    }

    /// Add a global reference `module.name`.
    pub fn global(&mut self, module: impl Into<String>, name: impl Into<String>) -> NodeId {
        self.add(Node::Global(Box::new(Global {
            module: module.into(),
            name: name.into(),
        })))
    }

    /// Add a `dict` built from pairs with Python's key semantics (a later
    /// equal key replaces the value in place). Fails on an unhashable key.
    pub fn dict(&mut self, pairs: Vec<(NodeId, NodeId)>) -> Result<NodeId> {
        let id = self.add(Node::Dict(Dict::default()));
        for (k, v) in pairs {
            self.dict_insert(id, k, v)?;
        }
        Ok(id)
    }

    /// Add a `set` with Python's element semantics. Fails on an unhashable element.
    pub fn set(&mut self, items: Vec<NodeId>) -> Result<NodeId> {
        let id = self.add(Node::Set(Set::default()));
        for it in items {
            self.set_add(id, it)?;
        }
        Ok(id)
    }

    /// Add a `frozenset` with Python's element semantics.
    pub fn frozenset(&mut self, items: Vec<NodeId>) -> Result<NodeId> {
        let mut set = Set::default();
        for it in items {
            key::set_add(&self.nodes, &mut self.hashes, &mut set, it).map_err(unhashable_err)?;
        }
        Ok(self.add(Node::FrozenSet(set)))
    }

    /// `dict[key] = value` with Python semantics: `1`, `1.0` and `True`
    /// are one key; an equal key keeps its position and takes the new value.
    pub fn dict_insert(&mut self, dict: NodeId, k: NodeId, v: NodeId) -> Result<()> {
        self.dict_extend(dict, &[k, v])
    }

    /// `dict[k] = v` for each `k, v` pair of a flat `[k0, v0, k1, v1, ...]`
    /// slice, in order, with Python's key semantics (what SETITEMS does).
    pub fn dict_extend(&mut self, dict: NodeId, flat_pairs: &[NodeId]) -> Result<()> {
        // Move the dict out of the arena while its keys are compared with
        // other nodes (no allocation: the box moves). The placeholder is
        // unhashable, like the dict itself, should it be used as a key.
        let mut node = std::mem::replace(&mut self.nodes[dict.index()], Node::List(Vec::new()));
        let r = match &mut node {
            Node::Dict(d) => {
                d.entries.reserve(flat_pairs.len() / 2);
                if let Some(idx) = &mut d.index {
                    idx.reserve(flat_pairs.len() / 2);
                }
                flat_pairs
                    .chunks_exact(2)
                    .try_for_each(|p| {
                        key::dict_insert(&self.nodes, &mut self.hashes, d, p[0], p[1])
                    })
                    .map_err(unhashable_err)
            }
            _ => Err(Error::new(ErrorKind::InvalidValue, "not a dict")),
        };
        self.nodes[dict.index()] = node;
        r
    }

    /// `set.add(item)` with Python semantics.
    pub fn set_add(&mut self, set: NodeId, item: NodeId) -> Result<()> {
        self.set_extend(set, &[item])
    }

    /// `set.add(item)` for each item in order (what ADDITEMS does).
    pub fn set_extend(&mut self, set: NodeId, items: &[NodeId]) -> Result<()> {
        // As in `dict_extend`: move the set out; the placeholder is unhashable.
        let mut node = std::mem::replace(&mut self.nodes[set.index()], Node::List(Vec::new()));
        let r = match &mut node {
            Node::Set(s) | Node::FrozenSet(s) => items
                .iter()
                .try_for_each(|&k| key::set_add(&self.nodes, &mut self.hashes, s, k))
                .map_err(unhashable_err),
            _ => Err(Error::new(ErrorKind::InvalidValue, "not a set")),
        };
        self.nodes[set.index()] = node;
        r
    }

    /// Look a key up in a dict node with Python equality.
    pub fn dict_get(&self, dict: NodeId, k: NodeId) -> Option<NodeId> {
        match self.nodes.get(dict.index())? {
            Node::Dict(d) => key::dict_find(&self.nodes, d, k).map(|i| d.entries[i].1),
            _ => None,
        }
    }

    /// Drop the cached key hashes (node ids are about to be reused).
    pub(crate) fn forget_hashes(&mut self) {
        if !self.hashes.is_empty() {
            self.hashes = key::HashCache::new();
        }
    }

    /// How many items an events-only decode
    /// ([`Unpickler::events_only`](crate::Unpickler::events_only)) dropped
    /// from this list (or from an object's APPENDed items): the list holds
    /// its first items only, and its length is `items + dropped`. Always 0
    /// in a graph decoded normally.
    pub fn dropped(&self, id: NodeId) -> u64 {
        if self.dropped.is_empty() {
            return 0;
        }
        self.dropped.get(&id).copied().unwrap_or(0)
    }

    /// The REDUCE (callable, args) a builtin node was decoded from, if any;
    /// for a global read by STACK_GLOBAL, the (module, name) str nodes it
    /// was read from (CPython memoizes those strs as objects, and which
    /// object a module name is depends on the global: a builtin function's
    /// is its module's own str, a type's the interned one).
    pub fn reduction_of(&self, id: NodeId) -> Option<(NodeId, NodeId)> {
        self.reductions.get(&id).copied()
    }

    /// Python equality of two hashable values (numbers across int/float/bool,
    /// tuples, frozensets, str, bytes...); identity for opaque objects.
    pub fn key_eq(&self, a: NodeId, b: NodeId) -> bool {
        key::key_eq(&self.nodes, a, b)
    }
}

fn unhashable_err(u: Unhashable) -> Error {
    Error::new(
        ErrorKind::InvalidValue,
        format!("unhashable type: '{}'", u.type_name),
    )
}

impl<'a> Node<'a> {
    /// An int node from a big integer, normalized to `Int` when it fits.
    pub fn from_bigint(i: BigInt) -> Node<'static> {
        match i64::try_from(&i) {
            Ok(v) => Node::Int(v),
            Err(_) => Node::BigInt(Box::new(i)),
        }
    }

    /// Python's type name for this node (`"int"`, `"dict"`, ...; `"object"`
    /// for opaque objects).
    pub fn type_name(&self) -> &'static str {
        match self {
            Node::None => "NoneType",
            Node::Bool(_) => "bool",
            Node::Int(_) | Node::BigInt(_) => "int",
            Node::Float(_) => "float",
            Node::Str(_) => "str",
            Node::Bytes(_) => "bytes",
            Node::ByteArray(_) => "bytearray",
            Node::List(_) => "list",
            Node::Tuple(_) => "tuple",
            Node::Dict(_) => "dict",
            Node::Set(_) => "set",
            Node::FrozenSet(_) => "frozenset",
            Node::Global(_) => "global",
            Node::Object(_) => "object",
            Node::PersistentId(_) => "persistent_id",
            Node::Buffer(_) => "PickleBuffer",
        }
    }

    /// Copy any borrowed payload.
    pub fn into_owned(self) -> Node<'static> {
        match self {
            Node::None => Node::None,
            Node::Bool(b) => Node::Bool(b),
            Node::Int(i) => Node::Int(i),
            Node::BigInt(b) => Node::BigInt(b),
            Node::Float(f) => Node::Float(f),
            Node::Str(s) => Node::Str(s.into_owned()),
            Node::Bytes(b) => Node::Bytes(b.into_owned()),
            Node::ByteArray(b) => Node::ByteArray(b.into_owned()),
            Node::List(v) => Node::List(v),
            Node::Tuple(v) => Node::Tuple(v),
            Node::Dict(d) => Node::Dict(d),
            Node::Set(s) => Node::Set(s),
            Node::FrozenSet(s) => Node::FrozenSet(s),
            Node::Global(g) => Node::Global(g),
            Node::Object(o) => Node::Object(o),
            Node::PersistentId(p) => Node::PersistentId(p),
            Node::Buffer(b) => Node::Buffer(Box::new(PickleBuffer {
                data: b.data.into_owned(),
                readonly: b.readonly,
                index: b.index,
            })),
        }
    }

    /// The child node ids this node refers to, in pickling order.
    pub fn children(&self) -> Vec<NodeId> {
        let mut out = Vec::new();
        self.for_each_child(|c| out.push(c));
        out
    }

    /// Call `f` on every child id.
    pub fn for_each_child(&self, mut f: impl FnMut(NodeId)) {
        match self {
            Node::List(v) | Node::Tuple(v) => v.iter().copied().for_each(f),
            Node::Dict(d) => d.entries.iter().for_each(|&(k, v)| {
                f(k);
                f(v)
            }),
            Node::Set(s) | Node::FrozenSet(s) => s.items.iter().copied().for_each(f),
            Node::PersistentId(p) => f(*p),
            Node::Object(o) => {
                match &o.construct {
                    Construct::Reduce { callable, args } => {
                        f(*callable);
                        f(*args)
                    }
                    Construct::NewObj { cls, args } => {
                        f(*cls);
                        f(*args)
                    }
                    Construct::NewObjEx { cls, args, kwargs } => {
                        f(*cls);
                        f(*args);
                        f(*kwargs)
                    }
                    Construct::Inst { args, .. } => args.iter().copied().for_each(&mut f),
                    Construct::Obj { cls, args } => {
                        f(*cls);
                        args.iter().copied().for_each(&mut f)
                    }
                }
                o.list_items.iter().copied().for_each(&mut f);
                o.dict_items.iter().for_each(|&(k, v)| {
                    f(k);
                    f(v)
                });
                o.set_items.iter().copied().for_each(&mut f);
                o.builds.iter().copied().for_each(&mut f);
            }
            _ => {}
        }
    }
}
