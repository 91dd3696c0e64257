//! The unpickler: every opcode of protocols 0–5 with the semantics of
//! CPython's C unpickler, building a [`Graph`] and never importing, calling
//! or evaluating anything the data names.

use std::collections::{BTreeMap, HashMap};
use std::io;

use num_bigint::BigInt;

mod fast;
mod lean;

pub use self::lean::OpcodeWalk;

use crate::compat;
use crate::error::{Error, ErrorKind, Result};
use crate::opcodes::{Opcode, HIGHEST_PROTOCOL};
use crate::read::{IoRead, Read, Reference, SliceRead};
use crate::text;
use crate::value::{
    first_invalid, Buf, Construct, Global, Graph, Node, NodeId, Object, PickleBuffer, PyStr,
};

/// Resource limits for decoding untrusted input.
///
/// Without any limit, decoding already takes time and memory linear in the
/// input, and a length field never makes brinery allocate more than the
/// bytes that actually arrive. Limits add absolute caps on top: the
/// defaults are generous for real data (far above what CPython's own
/// pickler writes for anything short of a huge data set) and stop
/// pathological inputs early. Exceeding one fails with
/// [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) and a
/// message naming the limit and how to raise it.
///
/// | limit | default | bounds |
/// | --- | --- | --- |
/// | [`max_nodes`](Limits::max_nodes) | 2^26 | objects created (about 32 bytes each, plus their contents) |
/// | [`max_stack`](Limits::max_stack) | 2^26 | entries on the unpickler stack (4 bytes each) |
/// | [`max_marks`](Limits::max_marks) | 2^20 | MARKs open at once (8 bytes each) |
/// | [`max_depth`](Limits::max_depth) | unlimited | container nesting of the result (checked at STOP) |
/// | [`max_memo_entries`](Limits::max_memo_entries) | 2^26 | distinct memo keys |
/// | [`max_memo_index`](Limits::max_memo_index) | 2^31 − 1 | the largest memo key |
/// | [`max_bytes`](Limits::max_bytes) | 4 GiB | bytes of data the decoder allocates |
///
/// With the defaults, no input makes the decoder hold more than roughly
/// 8 GiB however it is crafted; the `hostile` tests measure what
/// adversarial inputs really cost. For untrusted *streams*, also bound the
/// input itself (e.g. with [`std::io::Read::take`]): a protocol 0 text line
/// is buffered whole while it is read, as in CPython.
///
/// ```
/// use brinery::{ErrorKind, Limits, Unpickler};
/// let mut marks = vec![b'('; 5000];
/// marks.push(b'.');
/// let limits = Limits::default().max_nodes(1000).max_bytes(1 << 20);
/// let err = Unpickler::new().limits(limits).load_slice(&marks).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::StackUnderflow); // 5000 MARKs are fine
/// let err = Unpickler::new()
///     .limits(Limits::default().max_marks(100))
///     .load_slice(&marks)
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::LimitExceeded);
/// assert!(err.to_string().contains("Limits::max_marks"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Most nodes (Python objects) one pickle may create. The items a
    /// `set(...)`/`frozenset(...)` REDUCE copies out of another container
    /// count as nodes too, since each such REDUCE copies them again.
    /// Never more than 2^32 − 2, the most a [`Graph`] can address.
    pub max_nodes: usize,
    /// Most entries on the unpickler's stack (objects pushed and not yet
    /// put into a container).
    pub max_stack: usize,
    /// Most simultaneously open MARKs: the nesting depth of the
    /// MARK-delimited containers being built (tuples, lists, dicts at
    /// protocol 0, batches of APPENDS/SETITEMS, ...).
    pub max_marks: usize,
    /// Deepest container nesting of the decoded value, counted in nodes
    /// along the longest chain of containment from the root (a cycle is
    /// followed once). `usize::MAX` (the default) skips the check: brinery
    /// itself never recurses on nesting (decoding, pickling, `dis`, hashing
    /// and dropping are iterative), so only set it to protect code of your
    /// own that walks the graph recursively. When set, it costs one pass
    /// over the graph at STOP.
    pub max_depth: usize,
    /// Most distinct memo keys (PUT, BINPUT, LONG_BINPUT, MEMOIZE).
    pub max_memo_entries: usize,
    /// Largest memo key accepted (CPython sizes its memo array from the
    /// key, so much larger keys fail there with `MemoryError`).
    pub max_memo_index: u64,
    /// Most bytes of data the decoder may allocate in all: payloads it
    /// copies out of an [`std::io::Read`] (charged before reading, so a
    /// lying length fails at once), text it decodes (STRING, UNICODE,
    /// Python 2 `str` through a codec), integers, global names (also the
    /// copies STACK_GLOBAL and INST make), and the copies some opcodes make
    /// of existing data (READONLY_BUFFER of an owned payload, the builtin
    /// reductions `_codecs.encode`, `bytearray(...)`, nested-name
    /// `getattr`). Payloads borrowed from a slice (`loads`,
    /// [`Unpickler::load_slice`]) cost nothing: they take no memory beyond
    /// the input the caller already holds.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_nodes: 1 << 26,
            max_stack: 1 << 26,
            max_marks: 1 << 20,
            max_depth: usize::MAX,
            max_memo_entries: 1 << 26,
            max_memo_index: i32::MAX as u64,
            max_bytes: 1 << 32,
        }
    }
}

impl Limits {
    /// No limits beyond what the value model can address: for trusted
    /// data only.
    pub fn unlimited() -> Self {
        Limits {
            max_nodes: usize::MAX,
            max_stack: usize::MAX,
            max_marks: usize::MAX,
            max_depth: usize::MAX,
            max_memo_entries: usize::MAX,
            max_memo_index: u64::MAX,
            max_bytes: u64::MAX,
        }
    }
}

crate::printer::setters!(Limits {
    /// Set [`Limits::max_nodes`].
    max_nodes: usize,
    /// Set [`Limits::max_stack`].
    max_stack: usize,
    /// Set [`Limits::max_marks`].
    max_marks: usize,
    /// Set [`Limits::max_depth`].
    max_depth: usize,
    /// Set [`Limits::max_memo_entries`].
    max_memo_entries: usize,
    /// Set [`Limits::max_memo_index`].
    max_memo_index: u64,
    /// Set [`Limits::max_bytes`].
    max_bytes: u64,
});

/// The error for an exceeded limit: what, the limit's name and value, and
/// how to raise it.
fn limit_error(what: impl std::fmt::Display, field: &str, value: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::LimitExceeded,
        format!(
            "{what}: more than Limits::{field} = {value} (raise it with \
             Unpickler::limits(Limits::default().{field}(n)), or use \
             Limits::unlimited() for trusted data)"
        ),
    )
}

/// The most nodes a graph can address (`NodeId` is a `u32`; `u32::MAX` is
/// the memo's "no entry").
const MAX_ADDRESSABLE_NODES: usize = u32::MAX as usize - 1;

/// What to do with persistent ids (PERSID/BINPERSID).
enum Persistent<'a, 'h> {
    /// Fail, like `pickle.loads` without `persistent_load`.
    Error,
    /// Keep them as [`Node::PersistentId`] nodes.
    Keep,
    /// Resolve through a caller's function.
    Hook(PersistentHook<'a, 'h>),
}

type PersistentHook<'a, 'h> = Box<dyn FnMut(&mut Graph<'a>, NodeId) -> Result<NodeId> + 'h>;
type BuildHook<'a, 'h> = Box<dyn FnMut(&mut BuildCtx<'_, 'a, 'h>) -> Result<()> + 'h>;
type Observer<'a, 'h> = Box<dyn FnMut(&Graph<'a>, &Trace) + 'h>;

/// Something the decoder did that a security review cares about, reported
/// to [`Unpickler::observe`] as it happens (so a caller still has every
/// event before a decoding error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// GLOBAL, STACK_GLOBAL, INST, EXT1/2/4: `node` is the
    /// [`Node::Global`] the name resolves to (after `fix_imports`).
    Import {
        /// The new global node.
        node: NodeId,
    },
    /// REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ: a call CPython would make.
    /// `result` is the node pushed in its place (a builtin value for the
    /// reductions brinery reads back, such as `builtins.set`, an
    /// [`Node::Object`] otherwise). The event is reported even when the
    /// result is later discarded.
    Call {
        /// What is called (a class or function, usually a global).
        callable: NodeId,
        /// The positional arguments (a tuple, or for INST/OBJ the items).
        args: Option<NodeId>,
        /// NEWOBJ_EX keyword arguments.
        kwargs: Option<NodeId>,
        /// The node that stands for the call's result.
        result: NodeId,
    },
    /// BUILD: `target.__setstate__(state)` or a `__dict__` update.
    Build {
        /// The object being built.
        target: NodeId,
        /// The state argument.
        state: NodeId,
    },
    /// PERSID/BINPERSID: a persistent id handed to `persistent_load`.
    PersistentId {
        /// The id (a str for PERSID, any value for BINPERSID).
        pid: NodeId,
    },
}

/// An [`Event`] and where it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trace {
    /// Byte offset of the opcode in the input.
    pub offset: u64,
    /// The opcode.
    pub opcode: Opcode,
    /// What happened.
    pub event: Event,
}

/// Access given to an [`Unpickler::on_build`] hook right after a BUILD on
/// a class instance: the graph, the built object, and the raw input that
/// follows the BUILD opcode. joblib uses this to store array bytes (and
/// nested pickles) in the middle of a pickle.
pub struct BuildCtx<'x, 'a, 'h> {
    graph: &'x mut Graph<'a>,
    target: NodeId,
    replacement: Option<NodeId>,
    input: &'x mut dyn Read<'a>,
    opts: &'x mut Unpickler<'a, 'h>,
    bytes_used: &'x mut u64,
    /// Nodes an events-only decode freed so far (a nested pickle counts
    /// created nodes from there, as a normal decode would).
    lean_freed: usize,
}

impl<'a, 'h> BuildCtx<'_, 'a, 'h> {
    /// The graph decoded so far.
    pub fn graph(&self) -> &Graph<'a> {
        self.graph
    }

    /// The graph decoded so far, to add nodes to.
    pub fn graph_mut(&mut self) -> &mut Graph<'a> {
        self.graph
    }

    /// The object the BUILD applied to (the top of the stack).
    pub fn target(&self) -> NodeId {
        self.target
    }

    /// Put `node` on the stack in place of the built object (as joblib's
    /// unpickler replaces a `NumpyArrayWrapper` by its array).
    pub fn replace_target(&mut self, node: NodeId) {
        self.replacement = Some(node);
    }

    /// Byte offset of the next raw byte.
    pub fn offset(&self) -> u64 {
        self.input.offset()
    }

    /// Read `n` raw bytes following the BUILD opcode: borrowed when the
    /// input is a slice, copied from a reader (charged to
    /// [`Limits::max_bytes`]; a short input is a clean EOF error).
    pub fn read_bytes(&mut self, n: u64) -> Result<Buf<'a>> {
        if !self.input.is_borrowed() {
            let max = self.opts.limits.max_bytes;
            if n > max - *self.bytes_used {
                return Err(limit_error(
                    format_args!("{n} raw bytes after BUILD"),
                    "max_bytes",
                    max,
                ));
            }
            *self.bytes_used += n;
        }
        let mut scratch = Vec::new();
        Ok(match self.input.read_exact(n, &mut scratch)? {
            Reference::Borrowed(b) => Buf::Borrowed(b),
            Reference::Copied(c) => Buf::Owned(c.into()),
        })
    }

    /// Decode a whole nested pickle that follows in the input into the
    /// same graph (joblib's object arrays) and return its root. The
    /// nested pickle has its own stack and memo; the build hook is not
    /// called inside it.
    pub fn load_pickle(&mut self) -> Result<NodeId> {
        let graph = std::mem::take(self.graph);
        let mut m = Machine::new(self.opts, self.input);
        m.graph = graph;
        m.bytes_used = *self.bytes_used;
        if self.lean_freed > 0 {
            m.lean = Some(Box::new(lean::Lean::nested(self.lean_freed)));
        }
        let nested = m.run_nested();
        let (graph, used, result) = nested;
        *self.graph = graph;
        *self.bytes_used = used;
        result
    }
}

/// Options for reading pickles, as in `pickle.loads`: `encoding`,
/// `errors`, `fix_imports`, `buffers`, `persistent_load`, plus the
/// extension registry and [`Limits`].
///
/// ```
/// let bytes = b"\x80\x04\x95\x09\x00\x00\x00\x00\x00\x00\x00]\x94(K\x01K\x02e.";
/// let graph = brinery::Unpickler::new().load_slice(bytes).unwrap();
/// assert_eq!(graph.root().get(&1).unwrap().as_i64(), Some(2));
/// ```
pub struct Unpickler<'a, 'h> {
    encoding: String,
    errors: String,
    fix_imports: bool,
    persistent: Persistent<'a, 'h>,
    extensions: HashMap<i32, (String, String)>,
    buffers: Option<Vec<Buf<'a>>>,
    limits: Limits,
    on_build: Option<BuildHook<'a, 'h>>,
    observer: Option<Observer<'a, 'h>>,
    keep_longs: bool,
    events_only: bool,
    lean_stress: bool,
    lean_gave_up: bool,
    progress: Option<Box<dyn FnMut(u64) + 'h>>,
    walked: Option<std::sync::Arc<OpcodeWalk>>,
}

impl Default for Unpickler<'_, '_> {
    fn default() -> Self {
        Self::new()
    }
}

crate::printer::setters!(Unpickler<'_, '_> {
    /// How to decode Python 2 `str` (STRING/BINSTRING/SHORT_BINSTRING):
    /// a codec name (`"ASCII"`, `"latin1"`, `"utf-8"`, ...) or `"bytes"`
    /// to keep them as `bytes`.
    encoding: &str => String::from,
    /// The codec error handler (`"strict"`, `"replace"`, `"ignore"`, ...).
    errors: &str => String::from,
    /// Map Python 2 module names to Python 3 ones for protocols < 3.
    fix_imports: bool,
    /// Resource limits.
    limits: Limits,
});

impl<'a, 'h> Unpickler<'a, 'h> {
    /// Defaults of `pickle.loads`: encoding ASCII, errors strict,
    /// fix_imports on, no buffers, no persistent_load.
    pub fn new() -> Self {
        Unpickler {
            encoding: "ASCII".into(),
            errors: "strict".into(),
            fix_imports: true,
            persistent: Persistent::Error,
            extensions: HashMap::new(),
            buffers: None,
            limits: Limits::default(),
            on_build: None,
            observer: None,
            keep_longs: false,
            events_only: false,
            lean_stress: false,
            lean_gave_up: false,
            progress: None,
            walked: None,
        }
    }

    /// Keep persistent ids as [`Node::PersistentId`] nodes instead of
    /// failing.
    pub fn keep_persistent_ids(mut self) -> Self {
        self.persistent = Persistent::Keep;
        self
    }

    /// Record which 64-bit ints were written with a LONG opcode (Python 2's
    /// `long`, e.g. `7L`), so [`Graph::written_as_long`] can tell them from
    /// plain ints (Python 2's `dis` prints the `L`). Off by default: the
    /// value is the same `int` either way, as in Python 3.
    pub fn keep_long_flags(mut self) -> Self {
        self.keep_longs = true;
        self
    }

    /// Resolve persistent ids with a function that receives the id node
    /// and returns the node to use.
    pub fn persistent_load(
        mut self,
        f: impl FnMut(&mut Graph<'a>, NodeId) -> Result<NodeId> + 'h,
    ) -> Self {
        self.persistent = Persistent::Hook(Box::new(f));
        self
    }

    /// Register an extension code (as `copyreg.add_extension` does).
    pub fn extension(mut self, code: i32, module: &str, name: &str) -> Self {
        self.extensions.insert(code, (module.into(), name.into()));
        self
    }

    /// Out-of-band buffers for NEXT_BUFFER, in order.
    pub fn buffers(mut self, buffers: Vec<Buf<'a>>) -> Self {
        self.buffers = Some(buffers);
        self
    }

    /// Call `f` right after every BUILD whose target is a class instance
    /// (a [`Node::Object`]); it may read raw bytes that follow the BUILD
    /// opcode and replace the object on the stack (see [`BuildCtx`]). This
    /// is how joblib files are read. Nothing is called unless the data
    /// holds a BUILD.
    pub fn on_build(mut self, f: impl FnMut(&mut BuildCtx<'_, 'a, 'h>) -> Result<()> + 'h) -> Self {
        self.on_build = Some(Box::new(f));
        self
    }

    /// Report every import, call, BUILD and persistent id to `f` as the
    /// decoder meets it, with its byte offset (see [`Event`]). Used by
    /// security scanners: events arrive even if decoding later fails.
    ///
    /// ```
    /// use brinery::{Event, Unpickler};
    /// let data = b"cos\nsystem\n(S'echo hi'\ntR0N.";
    /// let mut seen = Vec::new();
    /// Unpickler::new()
    ///     .observe(|g, t| {
    ///         if let Event::Import { node } = t.event {
    ///             let (module, name) = g.view(node).as_global().unwrap();
    ///             seen.push((t.offset, format!("{module}.{name}")));
    ///         }
    ///     })
    ///     .load_slice(data)?;
    /// assert_eq!(seen, [(0, "os.system".to_string())]);
    /// # Ok::<(), brinery::Error>(())
    /// ```
    pub fn observe(mut self, f: impl FnMut(&Graph<'a>, &Trace) + 'h) -> Self {
        self.observer = Some(Box::new(f));
        self
    }

    /// Decode for the events only ([`Unpickler::observe`]), in memory
    /// bounded by what the stack and the memo need rather than by the size
    /// of the object: the same opcodes, stack, memo, events and errors at
    /// the same offsets as a normal decode, but the graph is not kept.
    ///
    /// - A memo entry under a key no GET/BINGET/LONG_BINGET of the pickle
    ///   names does not keep its object (a walk over the opcodes finds the
    ///   keys read back before decoding starts; slice input only).
    /// - Lists (and an object's APPENDed items) keep their first 8 items;
    ///   [`Graph::dropped`] counts the rest. Dicts, sets, tuples,
    ///   frozensets and globals are kept whole while they are reachable.
    /// - Nodes nothing can reach any more (from the stack, the memo entries
    ///   read back, or globals, which an observer may hold) are freed now
    ///   and then and their slots reused, so a [`NodeId`] seen in one event
    ///   may name another node later (globals excepted).
    ///
    /// The graph returned (or seen by an observer or hook) is therefore not
    /// the pickled object. When decoding would need something dropped (a
    /// `set()` of a list whose items were dropped, a memo key the walk
    /// missed), it stops with [`ErrorKind::LimitExceeded`] and
    /// [`Unpickler::events_only_gave_up`] is true: decode again without
    /// this option. With [`Limits::max_depth`] set, decoding is normal
    /// (the depth check needs the whole graph).
    ///
    /// ```
    /// use brinery::{Event, Unpickler};
    /// // pickle.dumps([{'a': i} for i in range(100000)] + [os.system], 4)
    /// let mut data = b"\x80\x04]\x94(".to_vec();
    /// for i in 0..100_000u32 {
    ///     data.extend_from_slice(b"}\x94\x8c\x01a\x94J");
    ///     data.extend_from_slice(&i.to_le_bytes());
    ///     data.extend_from_slice(b"s");
    /// }
    /// data.extend_from_slice(b"\x8c\x02os\x94\x8c\x06system\x94\x93\x94e.");
    /// let mut imports = Vec::new();
    /// let mut u = Unpickler::new().events_only().observe(|g, t| {
    ///     if let Event::Import { node } = t.event {
    ///         imports.push((t.offset, g.view(node).as_global().unwrap().1.to_string()));
    ///     }
    /// });
    /// let g = u.load_slice(&data)?;
    /// assert!(!u.events_only_gave_up());
    /// drop(u);
    /// assert_eq!(imports, [(1_200_019, "system".to_string())]);
    /// // The root list keeps its first items (and counts the others).
    /// let root = g.root_id().unwrap();
    /// assert_eq!(g.root().len().unwrap() as u64 + g.dropped(root), 100_001);
    /// # Ok::<(), brinery::Error>(())
    /// ```
    pub fn events_only(mut self) -> Self {
        self.events_only = true;
        self
    }

    /// The [`OpcodeWalk`] of the input, made beforehand (an events-only
    /// decode of a slice otherwise walks it first itself to find the memo
    /// keys read back). A walk of other data costs exactness nothing: a GET
    /// of a key it lacks makes the decode give up.
    pub fn walked(mut self, walk: std::sync::Arc<OpcodeWalk>) -> Self {
        self.walked = Some(walk);
        self
    }

    /// For tests of [`Unpickler::events_only`]: collect unreachable nodes
    /// at every chance (every few bytes) instead of when memory doubles.
    #[doc(hidden)]
    pub fn events_only_stress(mut self) -> Self {
        self.lean_stress = true;
        self
    }

    /// Whether the last decode with [`Unpickler::events_only`] stopped
    /// because it would have needed data it had dropped.
    pub fn events_only_gave_up(&self) -> bool {
        self.lean_gave_up
    }

    /// In an events-only decode, call `f` now and then (about every 256
    /// KiB of input) with the offset of the next byte to decode. Bytes
    /// before it may still be read again (payloads borrowed from a slice).
    /// A caller decoding a memory-mapped file can use it to tell the
    /// system which pages it may drop.
    pub fn on_progress(mut self, f: impl FnMut(u64) + 'h) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Decode one pickle from a slice; payloads borrow from it. Bytes
    /// after STOP are ignored, as in CPython.
    pub fn load_slice(&mut self, data: &'a [u8]) -> Result<Graph<'a>> {
        let mut r = SliceRead::new(data);
        Machine::new(self, &mut r).run()
    }

    /// Decode one pickle from a slice and report where it ended.
    pub fn load_slice_prefix(&mut self, data: &'a [u8]) -> Result<(Graph<'a>, usize)> {
        let mut r = SliceRead::new(data);
        let g = Machine::new(self, &mut r).run()?;
        Ok((g, r.position()))
    }
}

impl<'h> Unpickler<'static, 'h> {
    /// Decode one pickle from a reader, reading no further than its STOP
    /// plus read-ahead buffering (use [`Unpickler::stream`] to read several
    /// pickles in a row).
    pub fn load_reader<R: io::Read>(&mut self, reader: R) -> Result<Graph<'static>> {
        let mut r = IoRead::new(reader);
        Machine::new(self, &mut r).run()
    }

    /// Read the pickles of a stream one after another, like repeated
    /// `pickle.load(f)`.
    pub fn stream<R: io::Read>(self, reader: R) -> Stream<'h, R> {
        Stream {
            unpickler: self,
            reader: IoRead::new(reader),
        }
    }
}

/// Several pickles one after another in one stream.
pub struct Stream<'h, R> {
    unpickler: Unpickler<'static, 'h>,
    reader: IoRead<R>,
}

impl<R: io::Read> Iterator for Stream<'_, R> {
    type Item = Result<Graph<'static>>;
    fn next(&mut self) -> Option<Self::Item> {
        match self.reader.at_eof() {
            Ok(true) => None,
            Ok(false) => Some(Machine::new(&mut self.unpickler, &mut self.reader).run()),
            Err(e) => Some(Err(e)),
        }
    }
}

/// Decode one pickle from a slice with the defaults of `pickle.loads`.
/// Large payloads borrow from `data`.
///
/// ```
/// let g = brinery::loads(b"\x80\x04\x95\x0a\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94K\x01s.").unwrap();
/// assert_eq!(g.root().get("a").unwrap().as_i64(), Some(1));
/// ```
pub fn loads(data: &[u8]) -> Result<Graph<'_>> {
    Unpickler::new().load_slice(data)
}

/// Decode one pickle from a reader with the defaults of `pickle.load`.
pub fn load<R: io::Read>(reader: R) -> Result<Graph<'static>> {
    Unpickler::new().load_reader(reader)
}

#[doc(hidden)]
pub fn from_slice_graph(data: &[u8]) -> Result<Graph<'_>> {
    loads(data)
}

const NO_ENTRY: u32 = u32::MAX;
/// A memo entry an events-only decode keeps no object for (never a node id:
/// ids stop below `u32::MAX - 1`).
const DROPPED: u32 = u32::MAX - 1;
const DENSE_MEMO_MAX: u64 = 1 << 22;

struct Memo {
    dense: Vec<u32>,
    /// Keys too sparse for the array. Ordered, so that when the array
    /// grows over some of them they move into it (a key is in exactly one
    /// of the two).
    sparse: BTreeMap<u64, NodeId>,
    len: u64,
}

impl Memo {
    fn get(&self, idx: u64) -> Option<NodeId> {
        match self.get_raw(idx) {
            Some(v) if v < DROPPED => Some(NodeId(v)),
            _ => None,
        }
    }

    /// The entry at `idx` as stored (a node id or [`DROPPED`]).
    #[inline]
    fn get_raw(&self, idx: u64) -> Option<u32> {
        if idx < self.dense.len() as u64 {
            match self.dense[idx as usize] {
                NO_ENTRY => None,
                v => Some(v),
            }
        } else {
            self.sparse.get(&idx).map(|v| v.0)
        }
    }

    fn put(&mut self, idx: u64, v: NodeId) {
        let fresh;
        // Dense while the keys are not much sparser than the entries: the
        // array never outgrows twice the entries (so a few PUTs with
        // doubling keys cannot make it large).
        if idx < DENSE_MEMO_MAX && (idx < self.dense.len() as u64 || idx <= 2 * self.len + 64) {
            let i = idx as usize;
            if i >= self.dense.len() {
                self.dense.resize(i + 1, NO_ENTRY);
                // Sparse keys now inside the array move into it.
                if !self.sparse.is_empty() {
                    let rest = self.sparse.split_off(&(i as u64 + 1));
                    for (k, old) in std::mem::replace(&mut self.sparse, rest) {
                        self.dense[k as usize] = old.0;
                    }
                }
            }
            fresh = self.dense[i] == NO_ENTRY;
            self.dense[i] = v.0;
        } else {
            fresh = self.sparse.insert(idx, v).is_none();
        }
        if fresh {
            self.len += 1;
        }
    }
}

struct Machine<'u, 'a, 'h, R: ?Sized> {
    opts: &'u mut Unpickler<'a, 'h>,
    /// Offset and opcode being executed (for [`Trace`]).
    op_pos: u64,
    op: Opcode,
    r: &'u mut R,
    graph: Graph<'a>,
    stack: Vec<NodeId>,
    marks: Vec<usize>,
    memo: Memo,
    proto: u8,
    scratch: Vec<u8>,
    next_buffer: usize,
    /// Bytes charged against `Limits::max_bytes`.
    bytes_used: u64,
    /// Items copied by set/frozenset reductions, counted as nodes.
    copied_items: usize,
    /// `Limits::max_nodes`, capped to what a graph can address.
    max_nodes: usize,
    // Shared constants.
    none: Option<NodeId>,
    bools: [Option<NodeId>; 2],
    /// Keys of the last small dict filled by SETITEMS, known pairwise
    /// distinct str/int nodes (the hot path's key-shape cache).
    dict_shape: Vec<NodeId>,
    /// The hot path stops at this offset of the input slice (events-only
    /// decoding collects between windows).
    fast_end: usize,
    /// Events-only decoding ([`Unpickler::events_only`]).
    lean: Option<Box<lean::Lean>>,
}

/// What [`Machine::fill`] does with the items above a container.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    /// APPEND, APPENDS: list items.
    Append,
    /// SETITEM, SETITEMS: key/value pairs.
    SetItems,
    /// ADDITEMS: set items.
    AddItems,
}

fn underflow(has_mark: bool) -> Error {
    Error::new(
        ErrorKind::StackUnderflow,
        if has_mark {
            "unexpected MARK found"
        } else {
            "unpickling stack underflow"
        },
    )
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidValue, msg)
}

fn bad_text(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidText, msg)
}

/// The error for invalid UTF-8 in a str payload, as CPython words it.
#[cold]
fn utf8_error(data: &[u8]) -> Error {
    let (pos, _) = first_invalid(data).unwrap_or((0, 1));
    bad_text(format!(
        "'utf-8' codec can't decode byte 0x{:02x} in position {}: invalid start byte",
        data.get(pos).copied().unwrap_or(0),
        pos
    ))
}

fn bad_readline() -> Error {
    Error::eof("pickle data was truncated")
}

impl<'u, 'a, 'h, R: Read<'a> + ?Sized> Machine<'u, 'a, 'h, R> {
    fn new(opts: &'u mut Unpickler<'a, 'h>, r: &'u mut R) -> Self {
        let max_nodes = opts.limits.max_nodes.min(MAX_ADDRESSABLE_NODES);
        let node_hint = (r.size_hint() / 4).min(1 << 16);
        Machine {
            opts,
            op_pos: 0,
            op: Opcode::Stop,
            r,
            // Every node takes at least one byte of input; a few bytes per
            // node is typical. Capped: only a start, the vectors grow.
            graph: Graph::with_capacity(node_hint),
            stack: Vec::with_capacity(32),
            marks: Vec::with_capacity(8),
            memo: Memo {
                dense: Vec::new(),
                sparse: BTreeMap::new(),
                len: 0,
            },
            proto: 0,
            scratch: Vec::new(),
            next_buffer: 0,
            bytes_used: 0,
            copied_items: 0,
            max_nodes,
            none: None,
            bools: [None, None],
            dict_shape: Vec::new(),
            fast_end: usize::MAX,
            lean: None,
        }
    }

    #[inline]
    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    #[inline]
    fn add(&mut self, node: Node<'a>) -> Result<NodeId> {
        if self.created() >= self.max_nodes {
            return Err(self.too_many_nodes());
        }
        Ok(self.graph.add(node))
    }

    #[cold]
    fn too_many_nodes(&self) -> Error {
        limit_error("too many objects", "max_nodes", self.max_nodes)
    }

    /// Count `n` more nodes' worth of copied items against `max_nodes`
    /// (for REDUCEs that copy a container's items into a new one).
    fn charge_items(&mut self, n: usize) -> Result<()> {
        let used = self.created().saturating_add(self.copied_items);
        if n > self.max_nodes.saturating_sub(used) {
            return Err(self.too_many_nodes());
        }
        self.copied_items += n;
        Ok(())
    }

    /// Count `n` bytes the decoder is about to allocate against
    /// `Limits::max_bytes`.
    #[inline]
    fn charge(&mut self, n: u64) -> Result<()> {
        self.check_bytes(n)?;
        self.bytes_used += n;
        Ok(())
    }

    /// Whether `n` more bytes fit in `Limits::max_bytes` (without charging).
    #[inline]
    fn check_bytes(&self, n: u64) -> Result<()> {
        let max = self.opts.limits.max_bytes;
        if n > max - self.bytes_used {
            return Err(limit_error(
                format_args!(
                    "pickle data needs {n} more bytes of memory after {} already used",
                    self.bytes_used
                ),
                "max_bytes",
                max,
            ));
        }
        Ok(())
    }

    /// `Limits::max_depth`: the longest chain of containment from the root,
    /// by an iterative depth-first walk that ignores edges back into the
    /// current path (a cycle is followed once).
    fn check_depth(&self, root: NodeId) -> Result<()> {
        let max = self.opts.limits.max_depth;
        if max == usize::MAX {
            return Ok(());
        }
        const NEW: u32 = 0;
        const ON_PATH: u32 = u32::MAX;
        // height + 1 of finished nodes, NEW or ON_PATH otherwise.
        let mut height = vec![NEW; self.graph.len()];
        let mut path: Vec<(NodeId, Vec<NodeId>, u32)> = Vec::new();
        let too_deep = || limit_error("value nested too deeply", "max_depth", max);
        height[root.index()] = ON_PATH;
        path.push((root, self.graph.node(root).children(), 1));
        while let Some((id, children, best)) = path.last_mut() {
            match children.pop() {
                Some(c) => match height[c.index()] {
                    NEW => {
                        if path.len() >= max {
                            return Err(too_deep());
                        }
                        height[c.index()] = ON_PATH;
                        path.push((c, self.graph.node(c).children(), 1));
                    }
                    ON_PATH => {}
                    h => *best = (*best).max(h.saturating_add(1)),
                },
                None => {
                    let (id, h) = (*id, *best);
                    path.pop();
                    if h as usize > max {
                        return Err(too_deep());
                    }
                    height[id.index()] = h;
                    if let Some((_, _, parent_best)) = path.last_mut() {
                        *parent_best = (*parent_best).max(h.saturating_add(1));
                    }
                }
            }
        }
        Ok(())
    }

    #[inline]
    fn push(&mut self, id: NodeId) -> Result<()> {
        if self.stack.len() >= self.opts.limits.max_stack {
            return Err(limit_error(
                "unpickler stack too deep",
                "max_stack",
                self.opts.limits.max_stack,
            ));
        }
        self.stack.push(id);
        Ok(())
    }

    #[inline]
    fn push_new(&mut self, node: Node<'a>) -> Result<()> {
        let id = self.add(node)?;
        self.push(id)
    }

    /// Push the int a LONG opcode made, noting it when asked to.
    fn push_long(&mut self, node: Node<'a>) -> Result<()> {
        let small = matches!(node, Node::Int(_));
        let id = self.add(node)?;
        if small && self.opts.keep_longs {
            self.graph.longs.insert(id);
        }
        self.push(id)
    }

    #[inline]
    fn pop(&mut self) -> Result<NodeId> {
        if self.stack.len() <= self.fence() {
            return Err(self.underflow());
        }
        Ok(self.stack.pop().expect("checked"))
    }

    #[inline]
    fn top(&self) -> Result<NodeId> {
        if self.stack.len() <= self.fence() {
            return Err(self.underflow());
        }
        Ok(*self.stack.last().expect("checked"))
    }

    /// The stack underflow error, as CPython words it here (inside a MARK
    /// or not).
    fn underflow(&self) -> Error {
        underflow(!self.marks.is_empty())
    }

    /// An underflow error unless `n` items are above the fence.
    fn need(&self, n: usize) -> Result<()> {
        if self.stack.len() < n + self.fence() {
            return Err(self.underflow());
        }
        Ok(())
    }

    /// The items above the topmost mark, which is popped.
    fn pop_marked(&mut self) -> Result<Vec<NodeId>> {
        let m = self.marker()?;
        Ok(self.stack.split_off(m))
    }

    fn marker(&mut self) -> Result<usize> {
        self.marks
            .pop()
            .ok_or_else(|| Error::new(ErrorKind::MissingMark, "could not find MARK"))
    }

    fn none_node(&mut self) -> Result<NodeId> {
        match self.none {
            Some(id) => Ok(id),
            None => {
                let id = self.add(Node::None)?;
                self.none = Some(id);
                Ok(id)
            }
        }
    }

    fn bool_node(&mut self, b: bool) -> Result<NodeId> {
        match self.bools[b as usize] {
            Some(id) => Ok(id),
            None => {
                let id = self.add(Node::Bool(b))?;
                self.bools[b as usize] = Some(id);
                Ok(id)
            }
        }
    }

    fn read_fixed<const N: usize>(&mut self) -> Result<[u8; N]> {
        let r = self.r.read_exact(N as u64, &mut self.scratch)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&r);
        Ok(out)
    }

    /// The argument of BININT, BININT1 or BININT2.
    #[inline(always)]
    fn read_int(&mut self, op: Opcode) -> Result<i64> {
        Ok(match op {
            Opcode::BinInt => i32::from_le_bytes(self.read_fixed::<4>()?) as i64,
            Opcode::BinInt1 => self.read_u8()? as i64,
            _ => u16::from_le_bytes(self.read_fixed::<2>()?) as i64,
        })
    }

    fn read_u8(&mut self) -> Result<u8> {
        match self.r.next_byte()? {
            Some(b) => Ok(b),
            None => Err(Error::eof("pickle data was truncated")),
        }
    }

    /// Read a counted payload, returning it borrowed if possible.
    fn read_payload(&mut self, n: u64) -> Result<Buf<'a>> {
        if !self.r.is_borrowed() {
            // Charged before reading: a lying length fails here, not after
            // the reader has buffered what arrived.
            self.charge(n)?;
        }
        Ok(match self.r.read_exact(n, &mut self.scratch)? {
            Reference::Borrowed(b) => Buf::Borrowed(b),
            Reference::Copied(c) => Buf::Owned(c.into()),
        })
    }

    /// The payload of an opcode with an unsigned counted argument
    /// (`BINUNICODE`, `SHORT_BINBYTES`, `BYTEARRAY8`, ...).
    #[inline(always)]
    fn read_counted(&mut self, op: Opcode) -> Result<Buf<'a>> {
        let n = self.read_len(op.len_width())?;
        self.read_payload(n)
    }

    fn read_len(&mut self, width: u8) -> Result<u64> {
        Ok(match width {
            1 => self.read_u8()? as u64,
            4 => u32::from_le_bytes(self.read_fixed::<4>()?) as u64,
            _ => {
                let v = u64::from_le_bytes(self.read_fixed::<8>()?);
                if v > i64::MAX as u64 {
                    return Err(invalid(format!(
                        "exceeds system's maximum size of {} bytes",
                        i64::MAX
                    )));
                }
                v
            }
        })
    }

    fn read_line_owned(&mut self) -> Result<Vec<u8>> {
        let line = self.r.read_line(&mut self.scratch)?;
        Ok(line.to_vec())
    }

    /// A text argument line that must hold more than its newline (INT,
    /// LONG, FLOAT, GET, PUT, GLOBAL, INST).
    fn read_arg_line(&mut self) -> Result<Vec<u8>> {
        let line = self.read_line_owned()?;
        if line.len() < 2 {
            return Err(bad_readline());
        }
        Ok(line)
    }

    /// The length of LONG1/LONG4 or SHORT_BINSTRING/BINSTRING: one byte
    /// (`short`) or a signed four-byte int, which must not be negative.
    fn read_signed_len(&mut self, short: bool, what: &str) -> Result<u64> {
        let n: i64 = if short {
            self.read_u8()? as i64
        } else {
            i32::from_le_bytes(self.read_fixed::<4>()?) as i64
        };
        if n < 0 {
            return Err(invalid(format!("{what} pickle has negative byte count")));
        }
        Ok(n as u64)
    }

    fn make_str(&mut self, data: Buf<'a>) -> Result<Node<'a>> {
        match data {
            Buf::Borrowed(b) => PyStr::from_wtf8(b).ok_or_else(|| utf8_error(b)),
            Buf::Owned(b) => PyStr::try_from_wtf8_vec(b.into_vec()).map_err(|b| utf8_error(&b)),
        }
        .map(Node::Str)
    }

    fn py2_str(&mut self, data: Buf<'a>) -> Result<Node<'a>> {
        if self.opts.encoding == "bytes" {
            return Ok(Node::Bytes(data));
        }
        let decoded = crate::codecs::decode(&data, &self.opts.encoding, &self.opts.errors)
            .map_err(|e| bad_text(e.to_string()))?;
        self.charge(decoded.len() as u64)?;
        Ok(Node::Str(
            PyStr::from_wtf8_vec(decoded).ok_or_else(|| bad_text("codec produced invalid text"))?,
        ))
    }

    fn memo_put(&mut self, idx: u64) -> Result<()> {
        let mut v = self.top()?;
        if self.lean.as_ref().is_some_and(|l| !l.reads_key(idx)) {
            // Never read back: the entry keeps no object alive.
            v = NodeId(DROPPED);
        }
        // Fast path: MEMOIZE / BINPUT of the next slot of a dense memo
        // (what every pickler writes), within the limits.
        let m = &mut self.memo;
        if idx == m.dense.len() as u64
            && idx < DENSE_MEMO_MAX
            && idx == m.len
            && m.sparse.is_empty()
            && m.len < self.opts.limits.max_memo_entries as u64
            && idx <= self.opts.limits.max_memo_index
        {
            m.dense.push(v.0);
            m.len += 1;
            return Ok(());
        }
        let limits = &self.opts.limits;
        if idx > limits.max_memo_index {
            return Err(limit_error(
                format_args!("memo key {idx} too large"),
                "max_memo_index",
                limits.max_memo_index,
            ));
        }
        if self.memo.len >= limits.max_memo_entries as u64 && self.memo.get(idx).is_none() {
            return Err(limit_error(
                "too many memo entries",
                "max_memo_entries",
                limits.max_memo_entries,
            ));
        }
        self.memo.put(idx, v);
        Ok(())
    }

    fn memo_get(&mut self, idx: u64) -> Result<()> {
        if self.lean.is_some() {
            return self.lean_memo_get(idx);
        }
        self.memo_get_exact(idx)
    }

    fn memo_get_exact(&mut self, idx: u64) -> Result<()> {
        match self.memo.get(idx) {
            Some(v) => self.push(v),
            None => Err(Error::new(
                ErrorKind::MemoMissing,
                format!("Memo value not found at index {idx}"),
            )),
        }
    }

    fn global(&mut self, module: String, name: String) -> Result<NodeId> {
        self.charge((module.len() + name.len()) as u64)?;
        let (module, name) = if self.proto < 3 && self.opts.fix_imports {
            match compat::py2_to_py3(&module, &name) {
                Some((m, n)) => (m.to_string(), n.to_string()),
                None => (module, name),
            }
        } else {
            (module, name)
        };
        let id = self.add(Node::Global(Box::new(Global { module, name })))?;
        self.emit(Event::Import { node: id });
        Ok(id)
    }

    fn call_build_hook(&mut self, inst: NodeId) -> Result<()> {
        let Some(mut hook) = self.opts.on_build.take() else {
            return Ok(());
        };
        let mut ctx = BuildCtx {
            graph: &mut self.graph,
            target: inst,
            replacement: None,
            input: self.r.as_dyn_read(),
            opts: &mut *self.opts,
            bytes_used: &mut self.bytes_used,
            lean_freed: self.lean.as_ref().map_or(0, |l| l.freed),
        };
        let res = hook(&mut ctx);
        let replacement = ctx.replacement;
        self.opts.on_build = Some(hook);
        // The hook could have changed the key nodes of the learnt shape.
        self.dict_shape.clear();
        res?;
        if let Some(n) = replacement {
            if let Some(top) = self.stack.last_mut() {
                *top = n;
            }
        }
        Ok(())
    }

    fn emit_call(
        &mut self,
        callable: NodeId,
        args: Option<NodeId>,
        kwargs: Option<NodeId>,
        result: NodeId,
    ) {
        if self.opts.observer.is_some() {
            self.emit(Event::Call {
                callable,
                args,
                kwargs,
                result,
            });
        }
    }

    fn line_name(&mut self, ascii: bool) -> Result<String> {
        let line = self.read_arg_line()?;
        let body = &line[..line.len() - 1];
        if ascii {
            if let Some(p) = body.iter().position(|&b| b >= 0x80) {
                return Err(bad_text(format!(
                    "'ascii' codec can't decode byte 0x{:02x} in position {}: ordinal not in range(128)",
                    body[p], p
                )));
            }
        }
        String::from_utf8(body.to_vec()).map_err(|e| {
            let p = e.utf8_error().valid_up_to();
            bad_text(format!(
                "'utf-8' codec can't decode byte 0x{:02x} in position {}: invalid start byte",
                body[p], p
            ))
        })
    }

    fn kind_of(&self, id: NodeId) -> &Node<'a> {
        self.graph.node(id)
    }

    /// True if the node may be anything at run time (so CPython's type
    /// checks cannot be decided without executing).
    fn is_opaque(&self, id: NodeId) -> bool {
        matches!(
            self.kind_of(id),
            Node::Object(_) | Node::Global(_) | Node::PersistentId(_) | Node::Buffer(_)
        )
    }

    fn run(mut self) -> Result<Graph<'a>> {
        self.opts.lean_gave_up = false;
        if self.opts.events_only && self.opts.limits.max_depth == usize::MAX {
            self.start_lean();
        }
        let (root, pos) = self.drive()?;
        self.check_depth(root)
            .map_err(|e| e.at(pos, Some(Opcode::Stop)))?;
        self.graph.set_root(root);
        Ok(self.graph)
    }

    /// Execute opcodes up to STOP; the value STOP pops and its offset.
    fn drive(&mut self) -> Result<(NodeId, u64)> {
        loop {
            // Plain-data opcodes straight from a slice; the rest below.
            self.run_fast()?;
            if self.lean.is_some() {
                self.lean_maintain();
            }
            let pos = self.r.offset();
            let byte = match self.r.next_byte() {
                Ok(Some(b)) => b,
                Ok(None) => return Err(Error::eof("Ran out of input").at(pos, None)),
                Err(e) => return Err(e.at(pos, None)),
            };
            let op = match Opcode::from_byte(byte) {
                Some(op) => op,
                None => {
                    let shown = if (0x20..=0x7e).contains(&byte) && byte != b'\'' && byte != b'\\' {
                        format!("'{}'", byte as char)
                    } else {
                        format!("'\\x{byte:02x}'")
                    };
                    return Err(Error::new(
                        ErrorKind::UnknownOpcode,
                        format!("invalid load key, {shown}."),
                    )
                    .at(pos, None));
                }
            };
            if op == Opcode::Stop {
                let root = self.pop().map_err(|e| e.at(pos, Some(op)))?;
                return Ok((root, pos));
            }
            self.op_pos = pos;
            self.op = op;
            if let Err(e) = self.step(op) {
                return Err(e.at(pos, Some(op)));
            }
        }
    }

    /// Run a nested pickle (for [`BuildCtx::load_pickle`]): the graph and
    /// the bytes charged go back to the caller whatever the outcome.
    fn run_nested(mut self) -> (Graph<'a>, u64, Result<NodeId>) {
        let saved_root = self.graph.root_id();
        let saved_hook = self.opts.on_build.take();
        let result = self.drive().map(|(root, _)| root);
        self.opts.on_build = saved_hook;
        let mut graph = std::mem::take(&mut self.graph);
        if let Some(root) = saved_root {
            graph.set_root(root);
        }
        (graph, self.bytes_used, result)
    }

    /// Report an event to the observer, if there is one.
    #[inline]
    fn emit(&mut self, event: Event) {
        if let Some(f) = self.opts.observer.as_mut() {
            f(
                &self.graph,
                &Trace {
                    offset: self.op_pos,
                    opcode: self.op,
                    event,
                },
            );
        }
    }

    /// One opcode. The most frequent ones are handled here, in a small
    /// function inlined into the dispatch loop; the rest go to
    /// [`Machine::step_cold`].
    #[inline(always)]
    fn step(&mut self, op: Opcode) -> Result<()> {
        use Opcode as O;
        match op {
            O::None => {
                let id = self.none_node()?;
                self.push(id)?;
            }
            O::BinInt | O::BinInt1 | O::BinInt2 => {
                // A run of binary ints (a list of ints is one long run
                // between MARK and APPENDS) is read here without going back
                // through the dispatch loop; errors still name the offset
                // and opcode of the int that failed.
                let mut op = op;
                // Offset of a continued int opcode (the dispatch loop adds
                // the first one's to errors).
                let mut at: Option<u64> = None;
                loop {
                    let r = self.read_int(op).and_then(|v| self.push_new(Node::Int(v)));
                    if let Err(e) = r {
                        return Err(match at {
                            Some(p) => e.at(p, Some(op)),
                            None => e,
                        });
                    }
                    op = match self.r.peek_byte() {
                        Some(b'J') => O::BinInt,
                        Some(b'K') => O::BinInt1,
                        Some(b'M') => O::BinInt2,
                        _ => break,
                    };
                    let pos = self.r.offset();
                    self.r.next_byte()?;
                    self.op_pos = pos;
                    self.op = op;
                    at = Some(pos);
                }
            }
            O::BinFloat => {
                let v = f64::from_be_bytes(self.read_fixed::<8>()?);
                self.push_new(Node::Float(v))?;
            }
            O::ShortBinUnicode | O::BinUnicode | O::BinUnicode8 => {
                let data = self.read_counted(op)?;
                let node = self.make_str(data)?;
                self.push_new(node)?;
            }
            O::EmptyList => self.push_new(Node::List(Vec::new()))?,
            O::EmptyDict => self.push_new(Node::Dict(Default::default()))?,
            O::Mark => {
                if self.marks.len() >= self.opts.limits.max_marks {
                    return Err(limit_error(
                        "too many open MARKs",
                        "max_marks",
                        self.opts.limits.max_marks,
                    ));
                }
                self.marks.push(self.stack.len());
            }
            O::BinGet => {
                let i = self.read_u8()? as u64;
                self.memo_get(i)?;
            }
            O::BinPut => {
                let i = self.read_u8()? as u64;
                self.memo_put(i)?;
            }
            O::Memoize => {
                let idx = self.memo.len;
                self.memo_put(idx)?;
            }
            _ => return self.step_cold(op),
        }
        Ok(())
    }

    /// The opcodes [`Machine::step`] leaves to the general loop, handed to
    /// one function per family.
    #[inline(never)]
    fn step_cold(&mut self, op: Opcode) -> Result<()> {
        use Opcode as O;
        match op {
            O::NewTrue | O::NewFalse | O::Int | O::Long | O::Long1 | O::Long4 | O::Float => {
                self.step_number(op)
            }
            O::ShortBinBytes
            | O::BinBytes
            | O::BinBytes8
            | O::ByteArray8
            | O::NextBuffer
            | O::ReadonlyBuffer => self.step_binary(op),
            O::ShortBinString | O::BinString | O::String | O::Unicode => self.step_text(op),
            O::EmptyTuple
            | O::Tuple1
            | O::Tuple2
            | O::Tuple3
            | O::Tuple
            | O::List
            | O::Dict
            | O::EmptySet
            | O::FrozenSet => self.step_collection(op),
            O::Append | O::Appends | O::SetItem | O::SetItems | O::AddItems => self.step_fill(op),
            O::Pop | O::PopMark | O::Dup => self.step_stack(op),
            O::Get | O::LongBinGet | O::Put | O::LongBinPut => self.step_memo(op),
            O::Ext1 | O::Ext2 | O::Ext4 | O::Global | O::StackGlobal => self.step_global(op),
            O::Reduce | O::Build | O::Inst | O::Obj | O::NewObj | O::NewObjEx => {
                self.step_construct(op)
            }
            O::PersId | O::BinPersId => self.step_persistent(op),
            O::Proto | O::Frame => self.step_framing(op),
            O::Stop => unreachable!("handled by run"),
            O::None
            | O::BinInt
            | O::BinInt1
            | O::BinInt2
            | O::BinFloat
            | O::ShortBinUnicode
            | O::BinUnicode
            | O::BinUnicode8
            | O::EmptyList
            | O::EmptyDict
            | O::Mark
            | O::BinGet
            | O::BinPut
            | O::Memoize => unreachable!("handled by step"),
        }
    }

    /// NEWTRUE, NEWFALSE, INT, LONG, LONG1, LONG4, FLOAT.
    fn step_number(&mut self, op: Opcode) -> Result<()> {
        use Opcode as O;
        match op {
            O::NewTrue | O::NewFalse => {
                let id = self.bool_node(op == O::NewTrue)?;
                self.push(id)
            }
            O::Int => {
                let line = self.read_arg_line()?;
                let s = text::c_str(&line);
                let (v, end) = text::strtol0(s);
                let at_end = end >= s.len() || s[end] == b'\n';
                let node = match v {
                    Some(x) if at_end && end > 0 => {
                        if line.len() == 3 && (x == 0 || x == 1) {
                            let id = self.bool_node(x == 1)?;
                            return self.push(id);
                        }
                        Node::Int(x)
                    }
                    Some(_) if at_end && end == 0 => {
                        // No digits at all: strtol consumed nothing.
                        self.int_fallback(s)?
                    }
                    _ => self.int_fallback(s)?,
                };
                self.push_new(node)
            }
            O::Long => {
                let mut line = self.read_arg_line()?;
                let n = line.len();
                if line[n - 2] == b'L' {
                    line[n - 2] = 0;
                }
                // Hexadecimal digits are not capped like decimal ones.
                self.charge(n as u64 / 2)?;
                let v = text::py_long_from_str(text::c_str(&line), 0).map_err(invalid)?;
                self.push_long(Node::from_bigint(v))
            }
            O::Long1 | O::Long4 => {
                let n = self.read_signed_len(op == O::Long1, "LONG")?;
                if n > 8 {
                    self.charge(n)?;
                }
                let node = if n == 0 {
                    Node::Int(0)
                } else {
                    let data = self.r.read_exact(n, &mut self.scratch)?;
                    if data.len() <= 8 {
                        let mut buf = [if data[data.len() - 1] & 0x80 != 0 {
                            0xff
                        } else {
                            0
                        }; 8];
                        buf[..data.len()].copy_from_slice(&data);
                        Node::Int(i64::from_le_bytes(buf))
                    } else {
                        Node::from_bigint(BigInt::from_signed_bytes_le(&data))
                    }
                };
                self.push_long(node)
            }
            O::Float => {
                let line = self.read_arg_line()?;
                let s = text::c_str(&line);
                match text::parse_float_prefix(s) {
                    text::FloatParse::Ok(v, end) => {
                        if end < s.len() && s[end] != b'\n' {
                            return Err(invalid("could not convert string to float"));
                        }
                        self.push_new(Node::Float(v))
                    }
                    text::FloatParse::NoConversion => Err(invalid(format!(
                        "could not convert string to float: '{}'",
                        String::from_utf8_lossy(s)
                    ))),
                    text::FloatParse::Overflow => Err(invalid(format!(
                        "value too large to convert to float: '{}'",
                        String::from_utf8_lossy(s)
                    ))),
                }
            }
            _ => unreachable!("dispatched by step_cold"),
        }
    }

    /// SHORT_BINBYTES, BINBYTES, BINBYTES8, BYTEARRAY8, NEXT_BUFFER,
    /// READONLY_BUFFER.
    fn step_binary(&mut self, op: Opcode) -> Result<()> {
        use Opcode as O;
        match op {
            O::ShortBinBytes | O::BinBytes | O::BinBytes8 => {
                let data = self.read_counted(op)?;
                self.push_new(Node::Bytes(data))
            }
            O::ByteArray8 => {
                let data = self.read_counted(op)?;
                self.push_new(Node::ByteArray(data))
            }
            O::NextBuffer => {
                let missing = |msg| Err(Error::new(ErrorKind::MissingHook, msg));
                let Some(bufs) = &self.opts.buffers else {
                    return missing(
                        "pickle stream refers to out-of-band data but no *buffers* argument was given",
                    );
                };
                let i = self.next_buffer;
                let Some(data) = bufs.get(i).cloned() else {
                    return missing("not enough out-of-band buffers");
                };
                self.next_buffer += 1;
                self.push_new(Node::Buffer(Box::new(PickleBuffer {
                    data,
                    readonly: false,
                    index: Some(i),
                })))
            }
            O::ReadonlyBuffer => {
                let top = self.top()?;
                let readonly = |data, index| {
                    Some(Node::Buffer(Box::new(PickleBuffer {
                        data,
                        readonly: true,
                        index,
                    })))
                };
                let replacement = match self.kind_of(top) {
                    Node::Buffer(b) if !b.readonly => readonly(b.data.clone(), b.index),
                    Node::ByteArray(b) => readonly(b.clone(), None),
                    Node::Buffer(_) | Node::Bytes(_) => None,
                    _ if self.is_opaque(top) => None,
                    other => {
                        return Err(invalid(format!(
                            "a bytes-like object is required, not '{}'",
                            other.type_name()
                        )))
                    }
                };
                if let Some(node) = replacement {
                    if let Node::Buffer(b) = &node {
                        if !b.data.is_borrowed() {
                            self.charge(b.data.len() as u64)?;
                        }
                    }
                    let id = self.add(node)?;
                    *self.stack.last_mut().expect("top checked") = id;
                }
                Ok(())
            }
            _ => unreachable!("dispatched by step_cold"),
        }
    }

    /// SHORT_BINSTRING, BINSTRING, STRING (Python 2 `str`) and UNICODE.
    fn step_text(&mut self, op: Opcode) -> Result<()> {
        use Opcode as O;
        let node = match op {
            O::ShortBinString | O::BinString => {
                let n = self.read_signed_len(op == O::ShortBinString, "BINSTRING")?;
                let data = self.read_payload(n)?;
                self.py2_str(data)?
            }
            O::String => {
                let line = self.read_line_owned()?;
                let body = &line[..line.len() - 1];
                let n = body.len();
                if !(n >= 2 && body[0] == body[n - 1] && (body[0] == b'\'' || body[0] == b'"')) {
                    return Err(invalid("the STRING opcode argument must be quoted"));
                }
                let bytes = text::decode_escape(&body[1..n - 1]).map_err(invalid)?;
                if self.opts.encoding == "bytes" {
                    self.charge(bytes.len() as u64)?;
                }
                self.py2_str(Buf::from(bytes))?
            }
            O::Unicode => {
                let line = self.read_line_owned()?;
                let body = &line[..line.len() - 1];
                let s = text::decode_raw_unicode_escape(body).map_err(bad_text)?;
                self.charge(s.len() as u64)?;
                Node::Str(PyStr::from_wtf8_vec(s).ok_or_else(|| bad_text("invalid code point"))?)
            }
            _ => unreachable!("dispatched by step_cold"),
        };
        self.push_new(node)
    }

    /// EMPTY_TUPLE, TUPLE1-3, TUPLE, LIST, DICT, EMPTY_SET, FROZENSET: a
    /// new collection.
    fn step_collection(&mut self, op: Opcode) -> Result<()> {
        use Opcode as O;
        match op {
            O::EmptyTuple => self.push_new(Node::Tuple(Vec::new())),
            O::Tuple1 | O::Tuple2 | O::Tuple3 => {
                let n = op.small_tuple_len();
                self.need(n)?;
                let items = self.stack.split_off(self.stack.len() - n);
                self.push_new(Node::Tuple(items))
            }
            O::Tuple => {
                let items = self.pop_marked()?;
                self.push_new(Node::Tuple(items))
            }
            O::List => {
                let items = self.pop_marked()?;
                self.push_new(Node::List(items))
            }
            O::Dict => {
                let m = self.marker()?;
                if (self.stack.len() - m) % 2 != 0 {
                    return Err(invalid("odd number of items for DICT"));
                }
                let items = self.stack.split_off(m);
                let d = self.add(Node::Dict(Default::default()))?;
                for pair in items.chunks(2) {
                    self.graph.dict_insert(d, pair[0], pair[1])?;
                }
                self.push(d)
            }
            O::EmptySet => self.push_new(Node::Set(Default::default())),
            O::FrozenSet => {
                let items = self.pop_marked()?;
                let id = self.graph.frozenset(items)?;
                self.push(id)
            }
            _ => unreachable!("dispatched by step_cold"),
        }
    }

    /// APPEND, APPENDS, SETITEM, SETITEMS, ADDITEMS: items into the
    /// container below them.
    fn step_fill(&mut self, op: Opcode) -> Result<()> {
        use Opcode as O;
        match op {
            O::Append => {
                self.need(2)?;
                self.fill(self.stack.len() - 1, Fill::Append)
            }
            O::Appends => {
                let m = self.marker()?;
                self.fill(m, Fill::Append)
            }
            O::SetItem => match self.stack.len().checked_sub(2) {
                Some(x) => self.fill(x, Fill::SetItems),
                None => Err(self.underflow()),
            },
            O::SetItems => {
                let m = self.marker()?;
                self.fill(m, Fill::SetItems)
            }
            O::AddItems => {
                let m = self.marker()?;
                self.fill(m, Fill::AddItems)
            }
            _ => unreachable!("dispatched by step_cold"),
        }
    }

    /// POP, POP_MARK, DUP.
    fn step_stack(&mut self, op: Opcode) -> Result<()> {
        use Opcode as O;
        match op {
            O::Pop => {
                let len = self.stack.len();
                if self.marks.last() == Some(&len) {
                    self.marks.pop();
                } else if len <= self.fence() {
                    return Err(self.underflow());
                } else {
                    self.stack.pop();
                }
                Ok(())
            }
            O::PopMark => {
                let m = self.marker()?;
                self.stack.truncate(m);
                Ok(())
            }
            O::Dup => {
                let t = self.top()?;
                self.push(t)
            }
            _ => unreachable!("dispatched by step_cold"),
        }
    }

    /// GET, LONG_BINGET, PUT, LONG_BINPUT (the binary one-byte forms and
    /// MEMOIZE are in [`Machine::step`]).
    fn step_memo(&mut self, op: Opcode) -> Result<()> {
        use Opcode as O;
        match op {
            O::Get => {
                let line = self.read_arg_line()?;
                let v = text::py_long_from_str(text::c_str(&line), 10).map_err(invalid)?;
                let idx = u64::try_from(&v)
                    .ok()
                    .filter(|&i| i <= i64::MAX as u64)
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::MemoMissing,
                            format!("Memo value not found at index {v}"),
                        )
                    })?;
                self.memo_get(idx)
            }
            O::LongBinGet => {
                let i = self.read_len(4)?;
                self.memo_get(i)
            }
            O::Put => {
                let line = self.read_arg_line()?;
                self.top()?;
                let v = text::py_long_from_str(text::c_str(&line), 10).map_err(invalid)?;
                let idx = match i64::try_from(&v) {
                    Ok(i) if i >= 0 => i as u64,
                    Ok(_) => return Err(invalid("negative PUT argument")),
                    Err(_) => return Err(invalid("Python int too large to convert to C ssize_t")),
                };
                self.memo_put(idx)
            }
            O::LongBinPut => {
                let i = self.read_len(4)?;
                self.memo_put(i)
            }
            _ => unreachable!("dispatched by step_cold"),
        }
    }

    /// EXT1, EXT2, EXT4, GLOBAL, STACK_GLOBAL: a reference to a global.
    fn step_global(&mut self, op: Opcode) -> Result<()> {
        use Opcode as O;
        let id = match op {
            O::Ext1 | O::Ext2 | O::Ext4 => {
                let code: i64 = match op {
                    O::Ext1 => self.read_u8()? as i64,
                    O::Ext2 => u16::from_le_bytes(self.read_fixed::<2>()?) as i64,
                    _ => i32::from_le_bytes(self.read_fixed::<4>()?) as i64,
                };
                if code <= 0 {
                    return Err(invalid("EXT specifies code <= 0"));
                }
                let Some((m, n)) = self.opts.extensions.get(&(code as i32)).cloned() else {
                    return Err(Error::new(
                        ErrorKind::MissingHook,
                        format!("unregistered extension code {code}"),
                    ));
                };
                self.global(m, n)?
            }
            O::Global => {
                let module = self.line_name(false)?;
                let name = self.line_name(false)?;
                self.global(module, name)?
            }
            O::StackGlobal => {
                let name = self.pop()?;
                let module = self.pop()?;
                let (m, n) = match (self.kind_of(module), self.kind_of(name)) {
                    (Node::Str(m), Node::Str(n)) => (m.as_str(), n.as_str()),
                    _ => return Err(invalid("STACK_GLOBAL requires str")),
                };
                // A name with a lone surrogate cannot be imported: CPython
                // fails in find_class.
                let (Some(m), Some(n)) = (m, n) else {
                    return Err(invalid(
                        "'utf-8' codec can't encode character: surrogates not allowed",
                    ));
                };
                let id = self.global(m.to_string(), n.to_string())?;
                // The str nodes it was read from, for the pickler (CPython
                // memoizes them as objects; see `Graph::reduction_of`).
                self.graph.reductions.insert(id, (module, name));
                id
            }
            _ => unreachable!("dispatched by step_cold"),
        };
        self.push(id)
    }

    /// REDUCE, BUILD, INST, OBJ, NEWOBJ, NEWOBJ_EX: calls CPython would
    /// make.
    fn step_construct(&mut self, op: Opcode) -> Result<()> {
        use Opcode as O;
        let id = match op {
            O::Reduce => {
                let args = self.pop()?;
                let callable = self.pop()?;
                self.reduce(callable, args)?
            }
            O::Build => {
                self.need(2)?;
                let state = self.pop()?;
                let inst = self.top()?;
                self.emit(Event::Build {
                    target: inst,
                    state,
                });
                self.build(inst, state)?;
                if self.opts.on_build.is_some() && matches!(self.graph.node(inst), Node::Object(_))
                {
                    self.call_build_hook(inst)?;
                }
                return Ok(());
            }
            O::Inst => {
                let m = self.marker()?;
                let module = self.line_name(true)?;
                let name = self.line_name(true)?;
                let cls_id = self.global(module, name)?;
                let args = self.stack.split_off(m);
                let cls = match self.graph.node(cls_id) {
                    Node::Global(g) => (**g).clone(),
                    _ => unreachable!("global() adds a Global"),
                };
                self.charge((cls.module.len() + cls.name.len()) as u64)?;
                let id = self.add(Node::Object(Box::new(Object::new(Construct::Inst {
                    cls,
                    args,
                }))))?;
                self.emit_call(cls_id, None, None, id);
                id
            }
            O::Obj => {
                let m = self.marker()?;
                if self.stack.len() < m + 1 {
                    return Err(self.underflow());
                }
                let args = self.stack.split_off(m + 1);
                let cls = self.pop()?;
                self.check_callable(cls, "OBJ")?;
                let id = self.add(Node::Object(Box::new(Object::new(Construct::Obj {
                    cls,
                    args,
                }))))?;
                self.emit_call(cls, None, None, id);
                id
            }
            O::NewObj | O::NewObjEx => self.newobj(op == O::NewObjEx)?,
            _ => unreachable!("dispatched by step_cold"),
        };
        self.push(id)
    }

    /// NEWOBJ (`ex` false) or NEWOBJ_EX: CPython's type checks of the
    /// class, args and kwargs, then the empty builtin value or an object.
    fn newobj(&mut self, ex: bool) -> Result<NodeId> {
        let kwargs = if ex { Some(self.pop()?) } else { None };
        let args = self.pop()?;
        let cls = self.pop()?;
        let opname = if ex { "NEWOBJ_EX" } else { "NEWOBJ" };
        let not_type = match self.kind_of(cls) {
            Node::Global(g) if g.module == "builtins" => crate::builtins::non_type(&g.name),
            _ if !self.is_opaque(cls) => Some(self.kind_of(cls).type_name()),
            _ => None,
        };
        if let Some(t) = not_type {
            return Err(invalid(format!(
                "{opname} class argument must be a type, not {t}"
            )));
        }
        if !matches!(self.kind_of(args), Node::Tuple(_)) && !self.is_opaque(args) {
            return Err(invalid(format!(
                "{opname} args argument must be a tuple, not {}",
                self.kind_of(args).type_name()
            )));
        }
        if let Some(kw) = kwargs {
            if !matches!(self.kind_of(kw), Node::Dict(_)) && !self.is_opaque(kw) {
                return Err(invalid(format!(
                    "{opname} kwargs argument must be a dict, not {}",
                    self.kind_of(kw).type_name()
                )));
            }
        }
        let id = match self.builtin_empty(cls, args, kwargs) {
            Some(value) => self.add(value)?,
            None => {
                let construct = match kwargs {
                    Some(kwargs) => Construct::NewObjEx { cls, args, kwargs },
                    None => Construct::NewObj { cls, args },
                };
                self.add(Node::Object(Box::new(Object::new(construct))))?
            }
        };
        self.emit_call(cls, Some(args), kwargs, id);
        Ok(id)
    }

    /// PERSID, BINPERSID: a persistent id, resolved as the options say.
    fn step_persistent(&mut self, op: Opcode) -> Result<()> {
        if matches!(self.opts.persistent, Persistent::Error) {
            return Err(no_persistent_load());
        }
        let pid = if op == Opcode::PersId {
            let line = self.read_line_owned()?;
            let body = &line[..line.len() - 1];
            if body.iter().any(|&b| b >= 0x80) {
                return Err(invalid(
                    "persistent IDs in protocol 0 must be ASCII strings",
                ));
            }
            self.charge(body.len() as u64)?;
            let s = String::from_utf8(body.to_vec()).expect("ascii");
            self.add(Node::Str(PyStr::from(s)))?
        } else {
            self.pop()?
        };
        let id = self.persistent(pid)?;
        self.push(id)
    }

    /// PROTO, FRAME.
    fn step_framing(&mut self, op: Opcode) -> Result<()> {
        if op == Opcode::Proto {
            let p = self.read_u8()?;
            if p > HIGHEST_PROTOCOL {
                return Err(Error::new(
                    ErrorKind::UnsupportedProtocol,
                    format!("unsupported pickle protocol: {p}"),
                ));
            }
            self.proto = p;
            return Ok(());
        }
        let n = u64::from_le_bytes(self.read_fixed::<8>()?);
        if n > i64::MAX as u64 {
            return Err(invalid(format!(
                "FRAME length exceeds system's maximum of {} bytes",
                i64::MAX
            )));
        }
        if !self.r.is_borrowed() && n > self.opts.limits.max_bytes {
            // A reader buffers the whole frame.
            return Err(limit_error(
                format_args!("FRAME of {n} bytes"),
                "max_bytes",
                self.opts.limits.max_bytes,
            ));
        }
        self.r.require(n)
    }

    fn int_fallback(&mut self, s: &[u8]) -> Result<Node<'a>> {
        match text::py_long_from_str(s, 0) {
            Ok(v) => Ok(Node::from_bigint(v)),
            Err(_) => Err(invalid("could not convert string to int")),
        }
    }

    fn persistent(&mut self, pid: NodeId) -> Result<NodeId> {
        self.emit(Event::PersistentId { pid });
        match &mut self.opts.persistent {
            Persistent::Error => Err(no_persistent_load()),
            Persistent::Keep => self.add(Node::PersistentId(pid)),
            Persistent::Hook(f) => f(&mut self.graph, pid),
        }
    }

    fn check_callable(&self, id: NodeId, what: &str) -> Result<()> {
        if self.is_opaque(id) {
            Ok(())
        } else {
            Err(invalid(format!(
                "'{}' object is not callable ({what})",
                self.kind_of(id).type_name()
            )))
        }
    }

    /// The container below the items from stack index `x` up (APPENDS,
    /// SETITEMS, ADDITEMS and their one-item forms), or `None` when there
    /// are no items; an underflow when `x` is not above the fence.
    fn fill_target(&self, x: usize) -> Result<Option<NodeId>> {
        let len = self.stack.len();
        if x > len || x <= self.fence() {
            return Err(self.underflow());
        }
        Ok((len > x).then(|| self.stack[x - 1]))
    }

    /// APPEND(S), SETITEM(S) or ADDITEMS (`how`): the items from stack
    /// index `x` up go into the container below them (a list, dict or set,
    /// or an opaque object that records them), and leave the stack.
    fn fill(&mut self, x: usize, how: Fill) -> Result<()> {
        let Some(target) = self.fill_target(x)? else {
            return Ok(());
        };
        if how == Fill::SetItems && (self.stack.len() - x) % 2 != 0 {
            return Err(invalid("odd number of items for SETITEMS"));
        }
        let items = &self.stack[x..];
        match (how, &mut self.graph.nodes[target.index()]) {
            (Fill::Append, Node::List(v)) => v.extend_from_slice(items),
            (Fill::SetItems, Node::Dict(_)) => self.graph.dict_extend(target, items)?,
            (Fill::AddItems, Node::Set(_)) => self.graph.set_extend(target, items)?,
            (Fill::Append, Node::Object(o)) => o.list_items.extend_from_slice(items),
            (Fill::SetItems, Node::Object(o)) => o
                .dict_items
                .extend(items.chunks_exact(2).map(|p| (p[0], p[1]))),
            (Fill::AddItems, Node::Object(o)) => o.set_items.extend_from_slice(items),
            (_, Node::Global(_) | Node::PersistentId(_) | Node::Buffer(_)) => {}
            (_, other) => {
                let refusal = match how {
                    Fill::Append => "has no attribute 'append'",
                    Fill::SetItems => "does not support item assignment",
                    Fill::AddItems => "has no attribute 'add'",
                };
                return Err(invalid(format!("'{}' object {refusal}", other.type_name())));
            }
        }
        self.stack.truncate(x);
        Ok(())
    }

    fn build(&mut self, inst: NodeId, state: NodeId) -> Result<()> {
        if self.is_opaque(inst) {
            if let Node::Object(o) = &mut self.graph.nodes[inst.index()] {
                o.builds.push(state);
            }
            return Ok(());
        }
        // A builtin value: no __setstate__, no __dict__.
        let (state, slotstate) = match self.kind_of(state) {
            Node::Tuple(t) if t.len() == 2 => (t[0], Some(t[1])),
            _ => (state, None),
        };
        if !matches!(self.kind_of(state), Node::None) {
            if !matches!(self.kind_of(state), Node::Dict(_)) && !self.is_opaque(state) {
                return Err(invalid("state is not a dictionary"));
            }
            return Err(invalid(format!(
                "'{}' object has no attribute '__dict__'",
                self.kind_of(inst).type_name()
            )));
        }
        if let Some(slots) = slotstate {
            match self.kind_of(slots) {
                Node::Dict(d) if d.is_empty() => {}
                Node::Dict(_) => {
                    return Err(invalid(format!(
                        "'{}' object has no attribute",
                        self.kind_of(inst).type_name()
                    )))
                }
                _ if self.is_opaque(slots) => {}
                _ => return Err(invalid("slot state is not a dictionary")),
            }
        }
        Ok(())
    }

    /// REDUCE: builtin reductions CPython emits are read back as the
    /// builtin types; anything else becomes an opaque object.
    fn reduce(&mut self, callable: NodeId, args: NodeId) -> Result<NodeId> {
        if !self.is_opaque(callable) {
            return Err(invalid(format!(
                "'{}' object is not callable",
                self.kind_of(callable).type_name()
            )));
        }
        if !matches!(self.kind_of(args), Node::Tuple(_)) && !self.is_opaque(args) {
            return Err(invalid("argument list must be a tuple"));
        }
        if let Some(id) = self.builtin_reduce(callable, args)? {
            if self.lean.is_none() {
                self.graph.reductions.insert(id, (callable, args));
            }
            self.emit_call(callable, Some(args), None, id);
            return Ok(id);
        }
        let id = self.add(Node::Object(Box::new(Object::new(Construct::Reduce {
            callable,
            args,
        }))))?;
        self.emit_call(callable, Some(args), None, id);
        Ok(id)
    }

    /// `builtins.int()`, `str()`, `list()`, ... with no arguments (an empty
    /// tuple, no or empty keyword arguments): the empty value, as CPython
    /// makes it.
    fn builtin_empty(
        &self,
        cls: NodeId,
        args: NodeId,
        kwargs: Option<NodeId>,
    ) -> Option<Node<'static>> {
        let Node::Global(g) = self.kind_of(cls) else {
            return None;
        };
        let no_args = matches!(self.kind_of(args), Node::Tuple(t) if t.is_empty());
        let no_kwargs = kwargs.map_or(
            true,
            |k| matches!(self.kind_of(k), Node::Dict(d) if d.is_empty()),
        );
        if g.module != "builtins" || !no_args || !no_kwargs {
            return None;
        }
        crate::builtins::empty_value(&g.name)
    }

    fn builtin_reduce(&mut self, callable: NodeId, args: NodeId) -> Result<Option<NodeId>> {
        let (module, name) = match self.kind_of(callable) {
            Node::Global(g) => (g.module.as_str(), g.name.as_str()),
            _ => return Ok(None),
        };
        let nargs = match self.kind_of(args) {
            Node::Tuple(t) => t.len(),
            _ => return Ok(None),
        };
        // Only look at the arguments of the few reductions read back as
        // builtins (a large argument tuple is never copied: that would
        // make each REDUCE cost its length).
        if module == "builtins"
            && nargs == 0
            && !matches!(name, "set" | "frozenset" | "bytes" | "bytearray")
        {
            return match self.builtin_empty(callable, args, None) {
                Some(value) => Ok(Some(self.add(value)?)),
                None => Ok(None),
            };
        }
        // int(5), float(1.5), str('x') of a value of exactly that type:
        // CPython returns the value itself.
        if module == "builtins" && nargs == 1 && matches!(name, "int" | "float" | "str") {
            let arg = match self.kind_of(args) {
                Node::Tuple(t) => t[0],
                _ => return Ok(None),
            };
            let value = match (name, self.kind_of(arg)) {
                ("int", Node::Int(v)) => Node::Int(*v),
                ("int", Node::BigInt(b)) => Node::BigInt(b.clone()),
                ("float", Node::Float(f)) => Node::Float(*f),
                ("str", Node::Str(t)) => Node::Str(t.clone()),
                _ => return Ok(None),
            };
            return Ok(Some(self.add(value)?));
        }
        let known = matches!(
            (module, name, nargs),
            ("builtins", "getattr", 2)
                | ("builtins", "set" | "frozenset" | "bytes" | "bytearray", 0)
                | ("builtins", "set" | "frozenset" | "bytearray", 1)
                | ("_codecs", "encode", 2)
                | ("builtins", "bytearray", 2)
        );
        if !known {
            return Ok(None);
        }
        let frozen = name == "frozenset";
        let is_encode = name == "encode";
        let args_v: Vec<NodeId> = match self.kind_of(args) {
            Node::Tuple(t) => t.clone(),
            _ => return Ok(None),
        };
        let g = &self.graph;
        let str_of = |id: NodeId| match g.node(id) {
            Node::Str(s) => s.as_str(),
            _ => None,
        };
        // Bytes this reduction allocates, charged before adding the node.
        let mut cost = 0u64;
        let node = match (module, name, nargs) {
            ("builtins", "getattr", 2) => {
                // getattr(module.parent, 'name'): CPython's spelling of a
                // nested name below protocol 4.
                let parent = match g.node(args_v[0]) {
                    Node::Global(p) => p,
                    _ => return Ok(None),
                };
                match str_of(args_v[1]) {
                    Some(last) if !last.is_empty() => {
                        cost = (parent.module.len() + parent.name.len() + 1 + last.len()) as u64;
                        self.check_bytes(cost)?;
                        Node::Global(Box::new(Global {
                            module: parent.module.clone(),
                            name: format!("{}.{}", parent.name, last),
                        }))
                    }
                    _ => return Ok(None),
                }
            }
            ("builtins", "set", 0) => Node::Set(Default::default()),
            ("builtins", "frozenset", 0) => Node::FrozenSet(Default::default()),
            ("builtins", "set" | "frozenset", 1) => {
                if self.graph.dropped(args_v[0]) > 0 {
                    return Err(self.give_up("a set is built from a list whose items were dropped"));
                }
                let g = &self.graph;
                let n = match g.node(args_v[0]) {
                    Node::List(v) | Node::Tuple(v) => v.len(),
                    Node::Set(s) | Node::FrozenSet(s) => s.items.len(),
                    _ => return Ok(None),
                };
                self.charge_items(n)?;
                let items = match self.graph.node(args_v[0]) {
                    Node::List(v) | Node::Tuple(v) => v.clone(),
                    Node::Set(s) | Node::FrozenSet(s) => s.items.to_vec(),
                    _ => unreachable!("checked above"),
                };
                if self.created() >= self.max_nodes {
                    return Err(self.too_many_nodes());
                }
                let id = if frozen {
                    self.graph.frozenset(items)?
                } else {
                    self.graph.set(items)?
                };
                return Ok(Some(id));
            }
            ("builtins", "bytes", 0) => Node::Bytes(Buf::Owned(Box::new([]))),
            ("builtins", "bytearray", 0) => Node::ByteArray(Buf::Owned(Box::new([]))),
            ("builtins", "bytearray", 1) => match g.node(args_v[0]) {
                Node::Bytes(b) => {
                    if !b.is_borrowed() {
                        cost = b.len() as u64;
                    }
                    Node::ByteArray(b.clone())
                }
                _ => return Ok(None),
            },
            ("_codecs", "encode", 2) | ("builtins", "bytearray", 2) => {
                let enc = match str_of(args_v[1]) {
                    Some(e) => e,
                    None => return Ok(None),
                };
                let norm = enc.to_ascii_lowercase().replace(['-', '_', ' '], "");
                if norm != "latin1" && norm != "iso88591" && norm != "l1" {
                    return Ok(None);
                }
                let text = match g.node(args_v[0]) {
                    Node::Str(s) => s,
                    _ => return Ok(None),
                };
                // At most one byte per code point, never more than its UTF-8.
                cost = text.as_wtf8().len() as u64;
                self.check_bytes(cost)?;
                let cps: Option<Vec<u8>> =
                    text.code_points().map(|c| u8::try_from(c).ok()).collect();
                let bytes = match cps {
                    Some(b) => b,
                    None => {
                        return Err(invalid(
                            "'latin-1' codec can't encode character: ordinal not in range(256)",
                        ))
                    }
                };
                if is_encode {
                    Node::Bytes(Buf::from(bytes))
                } else {
                    Node::ByteArray(Buf::from(bytes))
                }
            }
            _ => return Ok(None),
        };
        self.charge(cost)?;
        Ok(Some(self.add(node)?))
    }
}

fn no_persistent_load() -> Error {
    Error::new(
        ErrorKind::MissingHook,
        "A load persistent id instruction was encountered, but no persistent_load function was specified.",
    )
}
