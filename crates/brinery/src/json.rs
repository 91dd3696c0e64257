//! JSON views of a decoded pickle: a lossless form that converts back to an
//! identical graph, and a plain, natural form for other tools.
//!
//! Both writers and the reader use explicit stacks, never recursion, so
//! documents nested arbitrarily deep (a list a million levels deep) work on
//! a small stack. No external JSON library is involved.
//!
//! # The lossless form ([`to_json`] / [`from_json`])
//!
//! `from_json(&to_json(&g)?)?` is a graph with the same values, the same
//! sharing and the same cycles as `g`, so it pickles to identical bytes at
//! every protocol. The document is
//!
//! ```text
//! {"brinery": 1, "root": NODE}
//! ```
//!
//! optionally with `"protocol": P` (0-5) before `"root"`: a protocol
//! recorded by [`JsonOptions::protocol`] (typically the one the pickle was
//! written with), returned by [`from_json_meta`]; it does not affect the
//! graph.
//!
//! where a `NODE` is one of:
//!
//! | JSON | node |
//! |------|------|
//! | `null` | `None` |
//! | `true`, `false` | `bool` |
//! | a number without `.`, `e` or `E` | `int`, any size (`12`, `-3`) |
//! | a number with `.`, `e` or `E` | finite `float` (`1.0`, `1e+16`, `-0.0`) |
//! | a string | `str` without lone surrogates |
//! | an array | `list` of NODEs |
//! | `{"$ref": N}` | the node whose `"id"` is `N` |
//! | an object with a `"t"` member | a tagged node, below |
//!
//! Tagged nodes (members other than those listed are ignored):
//!
//! | `"t"` | members | node |
//! |-------|---------|------|
//! | `"none"` | | `None` |
//! | `"bool"` | `"v"`: `true`/`false` | `bool` |
//! | `"int"` | `"v"`: decimal string (or a JSON integer), at most 100,000 digits; or `"hex"`: hexadecimal digits with an optional leading `-` | `int` |
//! | `"float"` | `"v"`: number, `"nan"`, `"inf"` or `"-inf"`; optional `"bits"`: 16 hex digits of the IEEE-754 bits, which win over `"v"` | `float` |
//! | `"str"` | `"v"`: string, which may hold lone-surrogate `\uD800`-style escapes; or `"cp"`: array of code points | `str` |
//! | `"bytes"`, `"bytearray"` | `"b64"`: standard base64 with padding | `bytes` / `bytearray` |
//! | `"list"`, `"tuple"`, `"set"`, `"frozenset"` | `"items"`: array of NODEs | container |
//! | `"dict"` | `"items"`: array of `[key NODE, value NODE]` pairs | `dict` |
//! | `"global"` | `"module"`, `"name"`: strings | `module.name` |
//! | `"object"` | `"op"` and the construction (below), optional `"listitems"`: array of NODEs, `"dictitems"`: array of pairs, `"setitems"`: array of NODEs, `"builds"`: array of NODEs (BUILD states in order) | opaque object |
//! | `"persid"` | `"pid"`: NODE | persistent id |
//! | `"buffer"` | `"b64"`, `"readonly"`: bool, `"index"`: integer or `null` | `PickleBuffer` |
//!
//! Any tagged node may also carry `"reduced": {"callable": NODE, "args":
//! NODE}`: the `REDUCE` a builtin value was decoded from (CPython writes
//! sets, frozensets, bytes and bytearrays as reductions at low protocols,
//! and nested names as `getattr`), which the pickler replays to reproduce
//! the original object identities (see [`Graph::reduction_of`]). On a
//! global read by `STACK_GLOBAL` it holds the module (`"callable"`) and
//! name (`"args"`) str nodes it was read from.
//!
//! Object constructions: `"op": "reduce"` with `"callable"` and `"args"`
//! NODEs; `"newobj"` with `"cls"`, `"args"`; `"newobj_ex"` with `"cls"`,
//! `"args"`, `"kwargs"`; `"inst"` with `"module"`, `"name"` strings and
//! `"args"` an array of NODEs; `"obj"` with `"cls"` NODE and `"args"` an
//! array of NODEs.
//!
//! Dict keys and set elements follow Python's semantics when read: `1`,
//! `1.0` and `True` are one key (a later value replaces the earlier one in
//! place, as in a dict display), and an unhashable key (a list, dict, set
//! or bytearray) is an error. So is a tuple or frozenset that contains
//! itself through tuples and frozensets only, which Python cannot build.
//!
//! Any tagged node may carry `"id": N` (a non-negative integer, unique in
//! the document); `{"$ref": N}` anywhere in the document (before or after)
//! means that same node. The writer gives an id to exactly the nodes that
//! are referenced more than once (counting the root once), numbers them
//! 0, 1, 2... in order of appearance, writes each such node in full at its
//! first appearance and `{"$ref": N}` afterwards; so sharing and cycles
//! survive and the output is linear in the graph's size. Only nodes
//! reachable from the root are written.
//!
//! The writer uses the short forms whenever they are exact:
//!
//! * bare ints when `|v| < 2^53`, so that readers holding numbers in
//!   64-bit floats lose nothing; larger ints are `{"t": "int", "v":
//!   "<decimal>"}`, and `{"t": "int", "hex": "<hex>"}` beyond 4300 decimal
//!   digits (decimal conversion is quadratic). The reader accepts bare
//!   integers of any size up to 100,000 digits.
//! * bare finite floats, with the shortest digits that read back exactly
//!   (Python's `repr`, which is valid JSON for finite floats);
//! * bare strings when there is no lone surrogate (otherwise `"cp"`);
//! * bare arrays for lists that are not shared.
//!
//! A shared node of any type uses its tagged form to carry its id. A NaN is
//! `{"t": "float", "v": "nan"}`, plus `"bits"` unless it is the usual
//! `0x7ff8000000000000`.
//!
//! # The plain form ([`to_json_plain`])
//!
//! A natural JSON rendering, for other tools; it loses type information:
//!
//! * `None` → `null`, bools → `true`/`false`, ints → numbers (all digits,
//!   whatever the size), finite floats → numbers; NaN and ±infinity →
//!   `null` by default, or the strings `"nan"`, `"inf"`, `"-inf"` with
//!   [`NonFinite::String`].
//! * `str` → string (lone surrogates as `\udXXX` escapes, which Python's
//!   `json` reads back); `bytes`, `bytearray` and buffers → base64 strings.
//! * `list`, `tuple`, `set`, `frozenset` → arrays.
//! * `dict` → object; a `str` key is used as is, any other key becomes its
//!   Python `repr` (`1` → `"1"`, `(1, 2)` → `"(1, 2)"`, `None` →
//!   `"None"`). Keys that collide after this are all written.
//! * a global → the string `"module.name"`.
//! * standard-library values, naturally (turn off with
//!   [`PlainJsonOptions::stdlib`]):
//!   `date`/`time`/`datetime` → ISO 8601 strings as Python's `isoformat()`
//!   (`"2024-05-01T12:30:00+02:00"`; an aware value whose offset needs the
//!   time-zone database gets its zone in brackets, RFC 9557 style:
//!   `"2024-05-01T12:30:00[Europe/Paris]"`); `timedelta` → seconds (a
//!   number); `Decimal` and `Fraction` → a number when a 64-bit float
//!   reads it back as the same value, else a string (`"0.1000000000000000001"`,
//!   `"1/3"`, `"NaN"`); `complex` → `[real, imag]`; `UUID` and `pathlib`
//!   paths → strings; `OrderedDict`, `defaultdict`, `Counter` → objects;
//!   `deque` → arrays; time zones → their name or offset.
//! * an object a [`PlainHook`] knows (numpy arrays as nested arrays,
//!   tensors, ...) → what the hook writes.
//! * any other object → `{"__class__": "module.Name", "__args__": [...],
//!   "__kwargs__": {...}, "__listitems__": [...], "__dictitems__": {...},
//!   "__setitems__": [...], "__state__": ...}`, members present only when
//!   non-empty (`"__states__": [...]` when several BUILDs were applied);
//!   `"__class__"` is the callable for `REDUCE`.
//! * a persistent id → `{"__persistent_id__": pid}`.
//!
//! Shared objects are written in full at each reference, so the output is
//! capped by [`PlainJsonOptions::max_output`] (64 MiB by default; the
//! streaming [`to_json_plain_writer`] has no cap unless one is set). A cycle
//! (an object reached again inside itself) is an error by default; with
//! [`PlainJsonOptions::recursion_marker`] set, that string is written in
//! its place (e.g. `"<recursive>"`).

use std::borrow::Cow;
use std::io;
use std::sync::Arc;

use hashbrown::{HashMap, HashSet};
use num_bigint::BigInt;

use crate::error::{Error, ErrorKind, Result};
use crate::repr::{
    bad_id, fmt_i64, limit_error, object_call, Arg, Callee, Flat, Item, Mode, Sink, Stop,
    DEFAULT_MAX_OUTPUT,
};
use crate::stdlib::{DecimalValue, Typed, TzInfo};
use crate::text::push_json_cps;
use crate::value::{
    push_code_point, Buf, Construct, Dict, Global, Graph, Node, NodeId, NodeRef, Object,
    PickleBuffer, PyStr, Set,
};

/// A piece of a [`PlainHook`]'s output: JSON text written as is, or a node
/// written in the plain form (hooks included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlainPiece {
    /// JSON text, written verbatim (the hook makes it valid).
    Raw(String),
    /// A node of the graph.
    Node(NodeId),
}

/// Writes opaque objects of some classes in the plain form (e.g. numpy
/// arrays as nested arrays of numbers); `None` leaves the object to the
/// default. Any `Fn(NodeRef) -> Option<Vec<PlainPiece>> + Send + Sync`
/// is a hook.
///
/// ```
/// use std::sync::Arc;
/// use brinery::json::{to_json_plain_with, PlainJsonOptions, PlainPiece};
/// let g = brinery::loads(b"\x80\x02c__main__\nPoint\nK\x01K\x02\x86R.")?;
/// let hook = |n: brinery::NodeRef<'_, '_>| {
///     (n.class_name()? == "__main__.Point").then(|| vec![PlainPiece::Raw("[1,2]".into())])
/// };
/// let opts = PlainJsonOptions::new().hook(Arc::new(hook));
/// assert_eq!(to_json_plain_with(&g, g.root_id().unwrap(), &opts)?, "[1,2]");
/// # Ok::<(), brinery::Error>(())
/// ```
pub trait PlainHook: Send + Sync {
    /// The plain JSON of `node`, or `None` for the default.
    fn plain(&self, node: NodeRef<'_, '_>) -> Option<Vec<PlainPiece>>;
}

impl<F> PlainHook for F
where
    F: Fn(NodeRef<'_, '_>) -> Option<Vec<PlainPiece>> + Send + Sync,
{
    fn plain(&self, node: NodeRef<'_, '_>) -> Option<Vec<PlainPiece>> {
        self(node)
    }
}

/// How the plain form writes NaN and infinities.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum NonFinite {
    /// `null` (like JavaScript's `JSON.stringify`).
    #[default]
    Null,
    /// The strings `"nan"`, `"inf"` and `"-inf"`.
    String,
}

/// Options for [`to_json_plain_with`].
#[derive(Clone)]
#[non_exhaustive]
pub struct PlainJsonOptions {
    /// Maximum output size in bytes (an error beyond). Default 64 MiB.
    pub max_output: usize,
    /// What to write for an object reached again inside itself: `None`
    /// (the default) makes that an error, `Some(s)` writes the string `s`.
    pub recursion_marker: Option<String>,
    /// How NaN and infinities are written.
    pub non_finite: NonFinite,
    /// Write standard-library values naturally (ISO 8601 datetimes,
    /// numbers for decimals, ...). Default on.
    pub stdlib: bool,
    /// Hooks for other classes, tried in order before the standard library.
    pub hooks: Vec<Arc<dyn PlainHook>>,
}

impl std::fmt::Debug for PlainJsonOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlainJsonOptions")
            .field("max_output", &self.max_output)
            .field("recursion_marker", &self.recursion_marker)
            .field("non_finite", &self.non_finite)
            .field("stdlib", &self.stdlib)
            .field("hooks", &self.hooks.len())
            .finish()
    }
}

impl Default for PlainJsonOptions {
    fn default() -> Self {
        PlainJsonOptions {
            max_output: DEFAULT_MAX_OUTPUT,
            recursion_marker: None,
            non_finite: NonFinite::Null,
            stdlib: true,
            hooks: Vec::new(),
        }
    }
}

crate::printer::setters!(PlainJsonOptions {
    /// Set the output size limit in bytes.
    max_output: usize,
    /// Write `marker` for cycles instead of failing.
    recursion_marker: Option<String>,
    /// Choose how NaN and infinities are written.
    non_finite: NonFinite,
    /// Write standard-library values naturally (on by default) or as
    /// generic objects.
    stdlib: bool,
});

impl PlainJsonOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Add a [`PlainHook`].
    pub fn hook(mut self, h: Arc<dyn PlainHook>) -> Self {
        self.hooks.push(h);
        self
    }
}

/// The lossless JSON form of the graph's root (see the [module docs](self)).
///
/// ```
/// use brinery::json::{from_json, to_json};
/// let mut g = brinery::Graph::new();
/// let one = g.int(1);
/// let shared = g.list(vec![one]);
/// let root = g.tuple(vec![shared, shared]);
/// g.set_root(root);
/// let text = to_json(&g).unwrap();
/// assert_eq!(
///     text,
///     r#"{"brinery":1,"root":{"t":"tuple","items":[{"t":"list","id":0,"items":[1]},{"$ref":0}]}}"#
/// );
/// let back = from_json(&text).unwrap();
/// assert_eq!(brinery::dumps(&back, 2).unwrap(), brinery::dumps(&g, 2).unwrap());
/// ```
pub fn to_json(graph: &Graph<'_>) -> Result<String> {
    to_json_with(graph, &JsonOptions::default())
}

/// Options for [`to_json_with`].
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct JsonOptions {
    /// The node to write as the document's root (default: the graph's).
    pub root: Option<NodeId>,
    /// A protocol to record in the document (`"protocol"`), e.g. the one
    /// the pickle was written with, so that a reader can write it back the
    /// same way. Informational: [`from_json_meta`] returns it.
    pub protocol: Option<u8>,
}

impl JsonOptions {
    /// The defaults: the graph's root, no protocol recorded.
    pub fn new() -> Self {
        Self::default()
    }
    /// Write this node as the root.
    pub fn root(mut self, root: NodeId) -> Self {
        self.root = Some(root);
        self
    }
    /// Record a protocol.
    pub fn protocol(mut self, protocol: u8) -> Self {
        self.protocol = Some(protocol);
        self
    }
}

/// What a lossless document says besides the graph.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonMeta {
    /// The protocol recorded with [`JsonOptions::protocol`], if any.
    pub protocol: Option<u8>,
}

/// The lossless JSON form, with options.
pub fn to_json_with(graph: &Graph<'_>, opts: &JsonOptions) -> Result<String> {
    lossless_run(graph, opts, None)
}

/// The lossless JSON form written to `w` as it is produced (the document
/// is never held whole in memory).
pub fn to_json_writer(graph: &Graph<'_>, opts: &JsonOptions, w: &mut dyn io::Write) -> Result<()> {
    lossless_run(graph, opts, Some(w)).map(|_| ())
}

fn lossless_run(
    graph: &Graph<'_>,
    opts: &JsonOptions,
    sink: Option<&mut dyn io::Write>,
) -> Result<String> {
    let root = match opts.root {
        Some(r) => r,
        None => graph
            .root_id()
            .ok_or_else(|| Error::new(ErrorKind::InvalidValue, "graph has no root"))?,
    };
    if let Some(p) = opts.protocol {
        if p > crate::HIGHEST_PROTOCOL {
            return Err(Error::new(
                ErrorKind::UnsupportedProtocol,
                format!("protocol {p} is not 0-{}", crate::HIGHEST_PROTOCOL),
            ));
        }
    }
    let counts = crate::pretty::ref_counts(graph, root, true)?;
    let mut w = Writer {
        g: graph,
        out: String::with_capacity(64),
        max: usize::MAX,
        sink,
        flushed: 0,
        stack: Vec::new(),
        lossless: Some(Lossless {
            ids: vec![u32::MAX; counts.len()],
            counts,
            next: 0,
        }),
        plain: None,
    };
    w.out.push_str("{\"brinery\":1,");
    if let Some(p) = opts.protocol {
        w.out.push_str("\"protocol\":");
        w.out.push_str(fmt_i64(p as i64, &mut [0; 20]));
        w.out.push(',');
    }
    w.out.push_str("\"root\":");
    w.run(root)?;
    w.out.push('}');
    w.finish()
}

/// The plain JSON form of node `root` with default options (see the
/// [module docs](self)).
pub fn to_json_plain(graph: &Graph<'_>, root: NodeId) -> Result<String> {
    to_json_plain_with(graph, root, &PlainJsonOptions::default())
}

/// The plain JSON form of node `root`.
pub fn to_json_plain_with(
    graph: &Graph<'_>,
    root: NodeId,
    opts: &PlainJsonOptions,
) -> Result<String> {
    plain_run(graph, root, opts, None)
}

/// The plain JSON form of node `root` written to `w` as it is produced;
/// [`PlainJsonOptions::max_output`] still caps the total.
pub fn to_json_plain_writer(
    graph: &Graph<'_>,
    root: NodeId,
    opts: &PlainJsonOptions,
    w: &mut dyn io::Write,
) -> Result<()> {
    plain_run(graph, root, opts, Some(w)).map(|_| ())
}

fn plain_run(
    graph: &Graph<'_>,
    root: NodeId,
    opts: &PlainJsonOptions,
    sink: Option<&mut dyn io::Write>,
) -> Result<String> {
    let mut w = Writer {
        g: graph,
        out: String::new(),
        max: opts.max_output,
        sink,
        flushed: 0,
        stack: Vec::new(),
        lossless: None,
        plain: Some(Plain {
            on_stack: HashSet::new(),
            marker: opts.recursion_marker.clone(),
            non_finite: opts.non_finite,
            stdlib: opts.stdlib,
            hooks: opts.hooks.clone(),
        }),
    };
    w.run(root)?;
    w.finish()
}

/// An [`io::Write`] adapter that indents the compact JSON written through
/// it (two spaces, `"key": value`), streaming.
///
/// ```
/// use std::io::Write;
/// let mut p = brinery::json::PrettyJson::new(Vec::new());
/// p.write_all(br#"{"a":[1,{}],"b":"x,y"}"#)?;
/// assert_eq!(
///     String::from_utf8(p.into_inner()).unwrap(),
///     "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": \"x,y\"\n}"
/// );
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct PrettyJson<W: io::Write> {
    inner: W,
    depth: usize,
    in_str: bool,
    esc: bool,
    open: bool,
    buf: Vec<u8>,
}

impl<W: io::Write> PrettyJson<W> {
    /// Indent what is written to `inner`.
    pub fn new(inner: W) -> Self {
        PrettyJson {
            inner,
            depth: 0,
            in_str: false,
            esc: false,
            open: false,
            buf: Vec::with_capacity(1 << 16),
        }
    }

    /// The inner writer (after flushing what is buffered).
    pub fn into_inner(mut self) -> W {
        let _ = self.flush_buf();
        self.inner
    }

    fn newline(&mut self) {
        self.buf.push(b'\n');
        for _ in 0..self.depth {
            self.buf.extend_from_slice(b"  ");
        }
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.inner.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

impl<W: io::Write> io::Write for PrettyJson<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        for &c in data {
            if self.in_str {
                self.buf.push(c);
                if self.esc {
                    self.esc = false;
                } else if c == b'\\' {
                    self.esc = true;
                } else if c == b'"' {
                    self.in_str = false;
                }
                continue;
            }
            if self.open {
                self.open = false;
                if c == b'}' || c == b']' {
                    self.depth -= 1;
                    self.buf.push(c);
                    continue;
                }
                self.newline();
            }
            match c {
                b'{' | b'[' => {
                    self.buf.push(c);
                    self.depth += 1;
                    self.open = true;
                }
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    self.newline();
                    self.buf.push(c);
                }
                b',' => {
                    self.buf.push(b',');
                    self.newline();
                }
                b':' => self.buf.extend_from_slice(b": "),
                b'"' => {
                    self.buf.push(c);
                    self.in_str = true;
                }
                b' ' | b'\n' | b'\t' | b'\r' => {}
                _ => self.buf.push(c),
            }
        }
        if self.buf.len() >= 1 << 16 {
            self.flush_buf()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_buf()?;
        self.inner.flush()
    }
}

// ---------------------------------------------------------------------------
// Writing

struct Lossless {
    /// Reference counts, indexed by node.
    counts: Vec<u32>,
    /// The id given to each shared node written so far (`u32::MAX`: none).
    ids: Vec<u32>,
    next: u32,
}

struct Plain {
    on_stack: HashSet<NodeId>,
    marker: Option<String>,
    non_finite: NonFinite,
    stdlib: bool,
    hooks: Vec<Arc<dyn PlainHook>>,
}

enum Seg<'g> {
    Text(Cow<'static, str>),
    Node(NodeId),
    Seq(&'g [NodeId]),
    Pairs(&'g [(NodeId, NodeId)]),
}

type Frame<'g> = crate::printer::Frame<'g, Seg<'g>>;

struct Writer<'g, 'a, 'w> {
    g: &'g Graph<'a>,
    out: String,
    max: usize,
    /// Where the text goes as it is produced (`None`: kept in `out`).
    sink: Option<&'w mut dyn io::Write>,
    /// Bytes already written to `sink`.
    flushed: usize,
    stack: Vec<Frame<'g>>,
    lossless: Option<Lossless>,
    plain: Option<Plain>,
}

enum Act<'g> {
    Node(NodeId, &'static str),
    Key(NodeId, &'static str),
    Pop(Option<NodeId>),
    Push(Frame<'g>),
    Next,
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn push_base64(out: &mut String, data: &[u8]) {
    out.reserve(data.len().div_ceil(3) * 4 + 2);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
}

fn decode_base64(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut n = 0;
    let mut pad = 0;
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                pad += 1;
                continue;
            }
            _ => return None,
        };
        if pad > 0 {
            return None;
        }
        acc = acc << 6 | v as u32;
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    match n {
        0 => {}
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => return None,
    }
    if pad > 2 || (pad > 0 && (n + pad) % 4 != 0) {
        return None;
    }
    Some(out)
}

fn push_json_str(out: &mut String, s: &str) {
    push_json_cps(out, s.chars().map(|c| c as u32));
}

const MAX_SAFE: i64 = (1 << 53) - 1;

/// Ints longer than this many bits (about 4300 decimal digits) are written
/// in hexadecimal.
const HEX_ABOVE_BITS: u64 = 14_280;

/// Longest decimal int `from_json` accepts (parsing is quadratic).
const MAX_DECIMAL_DIGITS: usize = 100_000;

fn parse_decimal(t: &str) -> Result<Node<'static>> {
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(schema(format!("bad int {t:?}")));
    }
    if let Ok(i) = t.parse::<i64>() {
        return Ok(Node::Int(i));
    }
    if digits.len() > MAX_DECIMAL_DIGITS {
        return Err(schema(format!(
            "decimal int with more than {MAX_DECIMAL_DIGITS} digits (use \"hex\")"
        )));
    }
    t.parse::<BigInt>()
        .map(Node::from_bigint)
        .map_err(|_| schema(format!("bad int {t:?}")))
}

/// `head` (the op and the name of the callee's member), the callee, then
/// `"args":` and the argument tuple.
fn call_segs(head: &'static str, callee: NodeId, args: NodeId) -> [Seg<'static>; 4] {
    [
        key(head),
        Seg::Node(callee),
        key(",\"args\":"),
        Seg::Node(args),
    ]
}

fn key(k: &'static str) -> Seg<'static> {
    Seg::Text(Cow::Borrowed(k))
}

impl<'g, 'a> Writer<'g, 'a, '_> {
    fn check(&mut self) -> Result<()> {
        if self.flushed.saturating_add(self.out.len()) > self.max {
            return Err(limit_error(self.max));
        }
        if self.out.len() >= 1 << 16 {
            if let Some(w) = self.sink.as_mut() {
                w.write_all(self.out.as_bytes()).map_err(Error::io)?;
                self.flushed += self.out.len();
                self.out.clear();
            }
        }
        Ok(())
    }

    /// The text (or, streaming, the rest written out and an empty string).
    fn finish(mut self) -> Result<String> {
        if let Some(w) = self.sink.as_mut() {
            w.write_all(self.out.as_bytes()).map_err(Error::io)?;
            self.out.clear();
        }
        Ok(self.out)
    }

    fn run(&mut self, root: NodeId) -> Result<()> {
        self.enter(root)?;
        let lossless = self.lossless.is_some();
        loop {
            let act = match self.stack.last_mut() {
                None => return Ok(()),
                Some(f @ Frame::Seq { .. }) => match f.next_node() {
                    Some((n, i, _)) => Act::Node(n, if i > 0 { "," } else { "" }),
                    None => {
                        let (close, exit, _) = f.end();
                        self.out.push_str(close);
                        Act::Pop(exit)
                    }
                },
                Some(f @ Frame::Pairs { .. }) => match f.next_node() {
                    Some((n, i, key)) => match (key, lossless) {
                        (true, true) => Act::Node(n, if i > 0 { "],[" } else { "[" }),
                        (false, true) => Act::Node(n, ","),
                        (true, false) => Act::Key(n, if i > 0 { "," } else { "" }),
                        (false, false) => Act::Node(n, ""),
                    },
                    None => {
                        let (close, exit, empty) = f.end();
                        if lossless && !empty {
                            self.out.push(']');
                        }
                        self.out.push_str(close);
                        Act::Pop(exit)
                    }
                },
                Some(Frame::Segs { segs, pos, exit }) => match segs.get_mut(*pos) {
                    None => Act::Pop(*exit),
                    Some(seg) => {
                        *pos += 1;
                        match std::mem::replace(seg, Seg::Text(Cow::Borrowed(""))) {
                            Seg::Text(t) => {
                                self.out.push_str(&t);
                                Act::Next
                            }
                            Seg::Node(n) => Act::Node(n, ""),
                            Seg::Seq(items) => Act::Push(Frame::seq(items, "", None)),
                            Seg::Pairs(entries) => {
                                Act::Push(Frame::pairs(entries, "", None, false))
                            }
                        }
                    }
                },
            };
            match act {
                Act::Node(n, sep) => {
                    self.out.push_str(sep);
                    self.enter(n)?;
                }
                Act::Key(k, sep) => {
                    self.out.push_str(sep);
                    self.plain_key(k)?;
                }
                Act::Pop(exit) => {
                    self.stack.pop();
                    if let (Some(id), Some(p)) = (exit, self.plain.as_mut()) {
                        p.on_stack.remove(&id);
                    }
                }
                Act::Push(f) => self.stack.push(f),
                Act::Next => self.check()?,
            }
        }
    }

    fn push_frame(&mut self, segs: Vec<Seg<'g>>, exit: Option<NodeId>) {
        self.stack.push(Frame::segs(segs, exit));
    }

    fn seq(&mut self, items: &'g [NodeId], close: &'static str, exit: Option<NodeId>) {
        self.stack.push(Frame::seq(items, close, exit));
    }

    fn pairs(
        &mut self,
        entries: &'g [(NodeId, NodeId)],
        close: &'static str,
        exit: Option<NodeId>,
    ) {
        self.stack.push(Frame::pairs(entries, close, exit, false));
    }

    fn enter(&mut self, id: NodeId) -> Result<()> {
        let r = if self.lossless.is_some() {
            self.enter_lossless(id)
        } else {
            self.enter_plain(id)
        };
        self.check()?;
        r
    }

    /// A plain-form dict key: the str itself, or the repr of the key.
    fn plain_key(&mut self, k: NodeId) -> Result<()> {
        let g = self.g;
        match g.get(k).ok_or_else(|| bad_id(k))? {
            Node::Str(s) => push_json_cps(&mut self.out, s.code_points()),
            _ => {
                let mut flat = Flat::new(g, None);
                let budget = self.max.saturating_sub(self.out.len());
                let mut sink = Sink::new(budget, false);
                match flat.run(Item::Node(k), &mut sink, Mode::Repr) {
                    Ok(()) => {}
                    Err(Stop::Err(e)) => return Err(e),
                    Err(Stop::Width) => unreachable!("no width limit"),
                }
                push_json_str(&mut self.out, &sink.out);
            }
        }
        self.out.push(':');
        self.check()
    }

    // ----- lossless -----

    fn enter_lossless(&mut self, id: NodeId) -> Result<()> {
        let g = self.g;
        let node = g.get(id).ok_or_else(|| bad_id(id))?;
        let ll = self.lossless.as_mut().expect("lossless");
        let shared = ll.counts[id.index()] >= 2;
        let mut label = None;
        if shared {
            let k = ll.ids[id.index()];
            if k != u32::MAX {
                self.out.push_str("{\"$ref\":");
                self.out.push_str(fmt_i64(k as i64, &mut [0; 20]));
                self.out.push('}');
                return Ok(());
            }
            let k = ll.next;
            ll.next += 1;
            ll.ids[id.index()] = k;
            label = Some(k);
        }
        // A builtin decoded from a REDUCE keeps that reduction.
        let reduced = g.reduction_of(id);
        // The short forms carry neither an id nor a reduction.
        let short = label.is_none() && reduced.is_none();
        // The closing of a tagged node: `}`, after the `"reduced"` member
        // when there is one. Pushed below the node's own frames, so it runs
        // after them.
        let closer = |segs: &mut Vec<Seg<'g>>| {
            if let Some((c, a)) = reduced {
                segs.extend([
                    key(",\"reduced\":{\"callable\":"),
                    Seg::Node(c),
                    key(",\"args\":"),
                    Seg::Node(a),
                    key("}"),
                ]);
            }
            segs.push(key("}"));
        };
        let out = &mut self.out;
        // Opens `{"t":"<tag>"` plus the id; members and the closer follow.
        let open = |out: &mut String, tag: &str| {
            out.push_str("{\"t\":\"");
            out.push_str(tag);
            out.push('"');
            if let Some(k) = label {
                out.push_str(",\"id\":");
                out.push_str(fmt_i64(k as i64, &mut [0; 20]));
            }
        };
        // What follows the node's opening, as frames: `tail` after `items`.
        let mut tail: Vec<Seg<'g>> = Vec::new();
        let mut items: Option<Frame<'g>> = None;
        match node {
            Node::None if short => out.push_str("null"),
            Node::None => {
                open(out, "none");
                closer(&mut tail);
            }
            Node::Bool(b) => {
                let t = if *b { "true" } else { "false" };
                if short {
                    out.push_str(t);
                } else {
                    open(out, "bool");
                    out.push_str(",\"v\":");
                    out.push_str(t);
                    closer(&mut tail);
                }
            }
            Node::Int(i) if short && (-MAX_SAFE..=MAX_SAFE).contains(i) => {
                out.push_str(fmt_i64(*i, &mut [0; 20]));
            }
            Node::Int(i) => {
                open(out, "int");
                out.push_str(",\"v\":\"");
                out.push_str(fmt_i64(*i, &mut [0; 20]));
                out.push('"');
                closer(&mut tail);
            }
            Node::BigInt(b) => {
                open(out, "int");
                if b.bits() <= HEX_ABOVE_BITS {
                    out.push_str(&format!(",\"v\":\"{b}\""));
                } else {
                    out.push_str(&format!(",\"hex\":\"{:x}\"", &**b));
                }
                closer(&mut tail);
            }
            Node::Float(f) if short && f.is_finite() => out.push_str(&crate::text::float_repr(*f)),
            Node::Float(f) => {
                open(out, "float");
                out.push_str(",\"v\":");
                if f.is_nan() {
                    out.push_str("\"nan\"");
                    if f.to_bits() != 0x7ff8_0000_0000_0000 {
                        out.push_str(&format!(",\"bits\":\"{:016x}\"", f.to_bits()));
                    }
                } else if f.is_infinite() {
                    out.push_str(if *f > 0.0 { "\"inf\"" } else { "\"-inf\"" });
                } else {
                    out.push_str(&crate::text::float_repr(*f));
                }
                closer(&mut tail);
            }
            Node::Str(s) if short && !s.has_surrogates() => push_json_cps(out, s.code_points()),
            Node::Str(s) => {
                open(out, "str");
                if s.has_surrogates() {
                    out.push_str(",\"cp\":[");
                    for (i, c) in s.code_points().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str(fmt_i64(c as i64, &mut [0; 20]));
                    }
                    out.push(']');
                } else {
                    out.push_str(",\"v\":");
                    push_json_cps(out, s.code_points());
                }
                closer(&mut tail);
            }
            Node::Bytes(b) | Node::ByteArray(b) => {
                let tag = if matches!(node, Node::Bytes(_)) {
                    "bytes"
                } else {
                    "bytearray"
                };
                open(out, tag);
                out.push_str(",\"b64\":\"");
                push_base64(out, b);
                out.push('"');
                closer(&mut tail);
            }
            Node::Buffer(b) => {
                open(out, "buffer");
                out.push_str(",\"b64\":\"");
                push_base64(out, &b.data);
                out.push_str(&format!(
                    "\",\"readonly\":{},\"index\":{}",
                    b.readonly,
                    b.index.map_or("null".to_string(), |i| i.to_string())
                ));
                closer(&mut tail);
            }
            Node::Global(gl) => {
                open(out, "global");
                out.push_str(",\"module\":");
                push_json_str(out, &gl.module);
                out.push_str(",\"name\":");
                push_json_str(out, &gl.name);
                closer(&mut tail);
            }
            Node::List(v) if short => {
                out.push('[');
                items = Some(Frame::seq(v, "]", None));
            }
            Node::List(_) | Node::Tuple(_) | Node::Set(_) | Node::FrozenSet(_) => {
                let v: &[NodeId] = match node {
                    Node::List(v) | Node::Tuple(v) => v,
                    Node::Set(s) | Node::FrozenSet(s) => &s.items,
                    _ => unreachable!("matched above"),
                };
                open(
                    out,
                    match node {
                        Node::List(_) => "list",
                        Node::Tuple(_) => "tuple",
                        Node::Set(_) => "set",
                        _ => "frozenset",
                    },
                );
                out.push_str(",\"items\":[");
                items = Some(Frame::seq(v, "]", None));
                closer(&mut tail);
            }
            Node::Dict(d) => {
                open(out, "dict");
                out.push_str(",\"items\":[");
                items = Some(Frame::pairs(d.entries(), "]", None, false));
                closer(&mut tail);
            }
            Node::PersistentId(p) => {
                open(out, "persid");
                out.push_str(",\"pid\":");
                tail.push(Seg::Node(*p));
                closer(&mut tail);
            }
            Node::Object(o) => {
                open(out, "object");
                match &o.construct {
                    Construct::Reduce { callable, args } => tail.extend(call_segs(
                        ",\"op\":\"reduce\",\"callable\":",
                        *callable,
                        *args,
                    )),
                    Construct::NewObj { cls, args } => {
                        tail.extend(call_segs(",\"op\":\"newobj\",\"cls\":", *cls, *args))
                    }
                    Construct::NewObjEx { cls, args, kwargs } => {
                        tail.extend([
                            key(",\"op\":\"newobj_ex\",\"cls\":"),
                            Seg::Node(*cls),
                            key(",\"args\":"),
                            Seg::Node(*args),
                            key(",\"kwargs\":"),
                            Seg::Node(*kwargs),
                        ]);
                    }
                    Construct::Inst { cls, args } => {
                        let mut t = String::from(",\"op\":\"inst\",\"module\":");
                        push_json_str(&mut t, &cls.module);
                        t.push_str(",\"name\":");
                        push_json_str(&mut t, &cls.name);
                        t.push_str(",\"args\":[");
                        tail.extend([Seg::Text(Cow::Owned(t)), Seg::Seq(args), key("]")]);
                    }
                    Construct::Obj { cls, args } => {
                        tail.extend([
                            key(",\"op\":\"obj\",\"cls\":"),
                            Seg::Node(*cls),
                            key(",\"args\":["),
                            Seg::Seq(args),
                            key("]"),
                        ]);
                    }
                }
                if !o.list_items.is_empty() {
                    tail.extend([key(",\"listitems\":["), Seg::Seq(&o.list_items), key("]")]);
                }
                if !o.dict_items.is_empty() {
                    tail.extend([key(",\"dictitems\":["), Seg::Pairs(&o.dict_items), key("]")]);
                }
                if !o.set_items.is_empty() {
                    tail.extend([key(",\"setitems\":["), Seg::Seq(&o.set_items), key("]")]);
                }
                if !o.builds.is_empty() {
                    tail.extend([key(",\"builds\":["), Seg::Seq(&o.builds), key("]")]);
                }
                closer(&mut tail);
            }
        }
        // Leaves close at once (unless a reduction follows); containers
        // run their items first, then the tail.
        if items.is_none() && tail.len() == 1 {
            self.out.push('}');
        } else if !tail.is_empty() {
            self.push_frame(tail, None);
        }
        if let Some(f) = items {
            self.stack.push(f);
        }
        Ok(())
    }

    // ----- plain -----

    fn enter_plain(&mut self, id: NodeId) -> Result<()> {
        let g = self.g;
        let node = g.get(id).ok_or_else(|| bad_id(id))?;
        let plain = self.plain.as_mut().expect("plain");
        let out = &mut self.out;
        match node {
            Node::None => out.push_str("null"),
            Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Node::Int(i) => out.push_str(fmt_i64(*i, &mut [0; 20])),
            Node::BigInt(b) => {
                // Refuse before converting when the digits cannot fit.
                let min_digits =
                    ((b.bits().saturating_sub(1)) as f64 * std::f64::consts::LOG10_2) as u64;
                if min_digits > self.max.saturating_sub(out.len()) as u64 {
                    return Err(limit_error(self.max));
                }
                out.push_str(&b.to_string())
            }
            Node::Float(f) => {
                if f.is_finite() {
                    out.push_str(&crate::text::float_repr(*f));
                } else {
                    match plain.non_finite {
                        NonFinite::Null => out.push_str("null"),
                        NonFinite::String => out.push_str(if f.is_nan() {
                            "\"nan\""
                        } else if *f > 0.0 {
                            "\"inf\""
                        } else {
                            "\"-inf\""
                        }),
                    }
                }
            }
            Node::Str(s) => push_json_cps(out, s.code_points()),
            Node::Bytes(b) | Node::ByteArray(b) => {
                out.push('"');
                push_base64(out, b);
                out.push('"');
            }
            Node::Buffer(b) => {
                out.push('"');
                push_base64(out, &b.data);
                out.push('"');
            }
            Node::Global(gl) => push_json_str(out, &format!("{}.{}", gl.module, gl.name)),
            _ => {
                if !plain.on_stack.insert(id) {
                    return match &plain.marker {
                        Some(m) => {
                            push_json_str(out, m);
                            Ok(())
                        }
                        None => Err(Error::new(
                            ErrorKind::InvalidValue,
                            format!(
                                "cannot write a recursive {} as plain JSON",
                                node.type_name()
                            ),
                        )),
                    };
                }
                match node {
                    Node::List(v) | Node::Tuple(v) => {
                        out.push('[');
                        self.seq(v, "]", Some(id));
                    }
                    Node::Set(s) | Node::FrozenSet(s) => {
                        out.push('[');
                        self.seq(s.items(), "]", Some(id));
                    }
                    Node::Dict(d) => {
                        out.push('{');
                        self.pairs(d.entries(), "}", Some(id));
                    }
                    Node::PersistentId(p) => {
                        out.push_str("{\"__persistent_id__\":");
                        self.push_frame(vec![Seg::Node(*p), key("}")], Some(id));
                    }
                    Node::Object(o) => {
                        let segs = match self.plain_special(id)? {
                            Some(segs) => segs,
                            None => self.plain_object(o)?,
                        };
                        self.push_frame(segs, Some(id));
                    }
                    _ => unreachable!("leaves handled above"),
                }
            }
        }
        Ok(())
    }

    /// A hook's rendering of an object, or the natural form of a
    /// standard-library value.
    fn plain_special(&mut self, id: NodeId) -> Result<Option<Vec<Seg<'g>>>> {
        let g = self.g;
        let plain = self.plain.as_ref().expect("plain");
        let v = g.view(id);
        for h in &plain.hooks {
            if let Some(pieces) = h.plain(v) {
                return Ok(Some(
                    pieces
                        .into_iter()
                        .map(|p| match p {
                            PlainPiece::Raw(t) => Seg::Text(Cow::Owned(t)),
                            PlainPiece::Node(n) => Seg::Node(n),
                        })
                        .collect(),
                ));
            }
        }
        if !plain.stdlib {
            return Ok(None);
        }
        let Some(Ok(t)) = Typed::from_node(v) else {
            return Ok(None);
        };
        let text = |t: String| Ok(Some(vec![Seg::Text(Cow::Owned(t))]));
        let string = |t: &str| {
            let mut o = String::new();
            push_json_str(&mut o, t);
            o
        };
        match t {
            Typed::Date(d) => text(string(&format!(
                "{:04}-{:02}-{:02}",
                d.year, d.month, d.day
            ))),
            Typed::Time(t) => {
                let mut s = iso_time(t.hour, t.minute, t.second, t.microsecond);
                push_offset(&mut s, t.tzinfo.as_ref());
                text(string(&s))
            }
            Typed::DateTime(d) => {
                let mut s = format!("{:04}-{:02}-{:02}T", d.year, d.month, d.day);
                s.push_str(&iso_time(d.hour, d.minute, d.second, d.microsecond));
                push_offset(&mut s, d.tzinfo.as_ref());
                text(string(&s))
            }
            Typed::TimeDelta(td) => {
                let us = td.total_microseconds();
                let whole = us / 1_000_000;
                let frac = (us % 1_000_000).unsigned_abs();
                let sign = if us < 0 && whole == 0 { "-" } else { "" };
                let mut s = format!("{sign}{whole}");
                if frac != 0 {
                    let f = format!("{frac:06}");
                    s.push('.');
                    s.push_str(f.trim_end_matches('0'));
                }
                text(s)
            }
            Typed::Decimal(d) => {
                let s = d.to_string();
                match &d.value {
                    DecimalValue::Finite { .. } if same_number(&s) => text(number_text(&s)),
                    _ => text(string(&s)),
                }
            }
            Typed::Fraction(f) => {
                let exact = f.denominator.bits() <= 1024
                    && (&f.denominator & (&f.denominator - 1u32)) == BigInt::from(0)
                    && f.numerator.bits() <= 53;
                if exact {
                    let x = num_traits::ToPrimitive::to_f64(&f.numerator).unwrap_or(f64::NAN)
                        / num_traits::ToPrimitive::to_f64(&f.denominator).unwrap_or(f64::NAN);
                    if x.is_finite() && (f.denominator != BigInt::from(1) || x.fract() == 0.0) {
                        return text(if f.denominator == BigInt::from(1) {
                            f.numerator.to_string()
                        } else {
                            crate::text::float_repr(x)
                        });
                    }
                }
                text(string(&format!("{}/{}", f.numerator, f.denominator)))
            }
            Typed::Uuid(u) => text(string(&u.to_string())),
            Typed::Path(p) => text(string(&p.to_native())),
            Typed::Complex(c) => {
                let num = |x: f64| {
                    if x.is_finite() {
                        crate::text::float_repr(x)
                    } else {
                        "null".to_string()
                    }
                };
                text(format!("[{},{}]", num(c.re), num(c.im)))
            }
            Typed::TzInfo(tz) => {
                let mut s = String::new();
                match &tz {
                    TzInfo::ZoneInfo { key } => s.push_str(key),
                    TzInfo::Pytz(z) => s.push_str(&z.zone),
                    TzInfo::PytzUtc => s.push_str("UTC"),
                    TzInfo::TimeZone(t) if t.name.is_some() => {
                        s.push_str(t.name.as_deref().unwrap_or(""))
                    }
                    TzInfo::TimeZone(t) if t.is_utc() => s.push_str("UTC"),
                    _ => {
                        push_offset(&mut s, Some(&tz));
                        if s.is_empty() {
                            return Ok(None);
                        }
                    }
                }
                text(string(&s))
            }
            Typed::OrderedDict(m) | Typed::Counter(m) => Ok(Some(self.plain_pairs(m.entry_ids())?)),
            Typed::DefaultDict(d) => Ok(Some(self.plain_pairs(d.items.entry_ids())?)),
            Typed::Deque(d) => {
                let mut segs = vec![key("[")];
                for (i, &n) in d.items.ids().iter().enumerate() {
                    if i > 0 {
                        segs.push(key(","));
                    }
                    segs.push(Seg::Node(n));
                }
                segs.push(key("]"));
                Ok(Some(segs))
            }
            _ => Ok(None),
        }
    }

    /// `{"key":NODE,...}` with keys as [`Self::plain_key`] writes them.
    fn plain_pairs(&mut self, entries: &[(NodeId, NodeId)]) -> Result<Vec<Seg<'g>>> {
        let mut segs = vec![key("{")];
        for (i, &(k, v)) in entries.iter().enumerate() {
            let mark = self.out.len();
            if i > 0 {
                self.out.push(',');
            }
            self.plain_key(k)?;
            let t = self.out.split_off(mark);
            segs.push(Seg::Text(Cow::Owned(t)));
            segs.push(Seg::Node(v));
        }
        segs.push(key("}"));
        Ok(segs)
    }

    fn plain_object(&mut self, o: &'g Object) -> Result<Vec<Seg<'g>>> {
        let g = self.g;
        let call = object_call(g, o, |_| true);
        self.out.push_str("{\"__class__\":");
        match call.callee {
            Callee::Name(n) => push_json_str(&mut self.out, &n),
            Callee::Node(c) => {
                let mut flat = Flat::new(g, None);
                let mut sink = Sink::new(self.max.saturating_sub(self.out.len()), false);
                match flat.run(Item::Node(c), &mut sink, Mode::Repr) {
                    Ok(()) => {}
                    Err(Stop::Err(e)) => return Err(e),
                    Err(Stop::Width) => unreachable!("no width limit"),
                }
                push_json_str(&mut self.out, &sink.out);
            }
        }
        let mut segs = Vec::new();
        let mut positional: Vec<&Arg<'g>> = Vec::new();
        let mut kwargs: Vec<(String, NodeId)> = Vec::new();
        let mut star = None;
        let mut starstar = None;
        let mut states = Vec::new();
        for a in &call.args {
            match (&*a.prefix, a.item) {
                ("", _) => positional.push(a),
                ("*", Item::Node(n)) => star = Some(n),
                ("**", Item::Node(n)) => starstar = Some(n),
                ("state=", Item::Node(n)) => states.push(n),
                (_, Item::Node(n)) if a.prefix.ends_with('=') => {
                    kwargs.push((a.prefix[..a.prefix.len() - 1].to_string(), n))
                }
                _ => {}
            }
        }
        if let Some(n) = star {
            segs.extend([key(",\"__args__\":"), Seg::Node(n)]);
        } else if !positional.is_empty() {
            segs.push(key(",\"__args__\":["));
            for (i, a) in positional.iter().enumerate() {
                if i > 0 {
                    segs.push(key(","));
                }
                if let Item::Node(n) = a.item {
                    segs.push(Seg::Node(n));
                }
            }
            segs.push(key("]"));
        }
        if let Some(n) = starstar {
            segs.extend([key(",\"__kwargs__\":"), Seg::Node(n)]);
        } else if !kwargs.is_empty() {
            segs.push(key(",\"__kwargs__\":{"));
            for (i, (k, n)) in kwargs.into_iter().enumerate() {
                let mut t = String::new();
                if i > 0 {
                    t.push(',');
                }
                push_json_str(&mut t, &k);
                t.push(':');
                segs.push(Seg::Text(Cow::Owned(t)));
                segs.push(Seg::Node(n));
            }
            segs.push(key("}"));
        }
        if !o.list_items.is_empty() {
            segs.extend([
                key(",\"__listitems__\":["),
                Seg::Seq(&o.list_items),
                key("]"),
            ]);
        }
        if !o.dict_items.is_empty() {
            segs.extend([
                key(",\"__dictitems__\":{"),
                Seg::Pairs(&o.dict_items),
                key("}"),
            ]);
        }
        if !o.set_items.is_empty() {
            segs.extend([key(",\"__setitems__\":["), Seg::Seq(&o.set_items), key("]")]);
        }
        match states.len() {
            0 => {}
            1 => segs.extend([key(",\"__state__\":"), Seg::Node(states[0])]),
            _ => segs.extend([key(",\"__states__\":["), Seg::Seq(&o.builds), key("]")]),
        }
        segs.push(key("}"));
        Ok(segs)
    }
}

/// `HH:MM:SS[.ffffff]`, as Python's `isoformat()`.
fn iso_time(h: u8, m: u8, s: u8, us: u32) -> String {
    if us == 0 {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}.{us:06}")
    }
}

/// `+HH:MM[:SS[.ffffff]]` for a fixed offset, `[Zone/Name]` for a zone
/// whose offset needs the time-zone database, nothing when naive.
fn push_offset(out: &mut String, tz: Option<&TzInfo<'_, '_>>) {
    let Some(tz) = tz else { return };
    match tz.utcoffset() {
        Some(off) => {
            let us = off.total_microseconds();
            let sign = if us < 0 { '-' } else { '+' };
            let us = us.unsigned_abs();
            let (secs, frac) = (us / 1_000_000, us % 1_000_000);
            out.push_str(&format!("{sign}{:02}:{:02}", secs / 3600, secs / 60 % 60));
            if secs % 60 != 0 || frac != 0 {
                out.push_str(&format!(":{:02}", secs % 60));
                if frac != 0 {
                    out.push_str(&format!(".{frac:06}"));
                }
            }
        }
        None => match tz {
            TzInfo::ZoneInfo { key } => out.push_str(&format!("[{key}]")),
            TzInfo::Pytz(z) => out.push_str(&format!("[{}]", z.zone)),
            _ => {}
        },
    }
}

/// `(negative, significant digits, exponent)` of a decimal numeral:
/// `-1.50E+2` → `(true, "15", 1)`; zero is `(false, "", 0)`.
fn decimal_parts(s: &str) -> Option<(bool, String, i64)> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i64>().ok()?),
        None => (s, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if !(int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())) {
        return None;
    }
    let mut digits: String = format!("{int}{frac}");
    let mut exp = exp - frac.len() as i64;
    let lead = digits.len() - digits.trim_start_matches('0').len();
    digits.drain(..lead);
    while digits.ends_with('0') {
        digits.pop();
        exp += 1;
    }
    if digits.is_empty() {
        return Some((false, String::new(), 0));
    }
    Some((neg, digits, exp))
}

/// True when the decimal numeral `s` reads back from a 64-bit float as
/// the same number (so writing it as a JSON number loses nothing).
fn same_number(s: &str) -> bool {
    let Ok(f) = s.parse::<f64>() else {
        return false;
    };
    if !f.is_finite() {
        return false;
    }
    let r = crate::text::float_repr(f);
    decimal_parts(s).is_some() && decimal_parts(s) == decimal_parts(&r)
}

/// A decimal numeral as a JSON number (`1E+2` → `1E+2` is valid JSON;
/// `.5`-style forms do not occur in Python's `str(Decimal)`).
fn number_text(s: &str) -> String {
    s.to_string()
}

// ---------------------------------------------------------------------------
// Reading: a JSON parser into an arena, then graph construction.

#[derive(Debug)]
enum J {
    Null,
    Bool(bool),
    /// Byte range of the number in the text.
    Num(usize, usize),
    Str(Txt),
    Arr(Vec<u32>),
    Obj(Vec<(Txt, u32)>),
}

/// The contents of a JSON string: a range of the input when it has no
/// escapes, else the decoded generalized UTF-8 (lone surrogates allowed).
#[derive(Debug)]
enum Txt {
    Raw(usize, usize),
    Owned(Vec<u8>),
}

fn syntax(msg: &str, pos: usize) -> Error {
    Error::new(
        ErrorKind::InvalidText,
        format!("invalid JSON: {msg} at byte {pos}"),
    )
}

fn schema(msg: impl Into<String>) -> Error {
    Error::new(
        ErrorKind::InvalidValue,
        format!("invalid brinery JSON: {}", msg.into()),
    )
}

struct Parser<'s> {
    s: &'s [u8],
    pos: usize,
    arena: Vec<J>,
}

impl<'s> Parser<'s> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, c: u8) -> Result<()> {
        self.ws();
        if self.peek() != Some(c) {
            return Err(syntax(&format!("expected '{}'", c as char), self.pos));
        }
        self.pos += 1;
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32> {
        let h = self
            .s
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| syntax("truncated \\u escape", self.pos))?;
        let mut v = 0u32;
        for &c in h {
            v = v * 16
                + (c as char)
                    .to_digit(16)
                    .ok_or_else(|| syntax("bad \\u escape", self.pos))?;
        }
        self.pos += 4;
        Ok(v)
    }

    /// A string literal (at its opening quote).
    fn string(&mut self) -> Result<Txt> {
        self.pos += 1;
        let start = self.pos;
        while let Some(&c) = self.s.get(self.pos) {
            if c == b'"' {
                self.pos += 1;
                return Ok(Txt::Raw(start, self.pos - 1));
            }
            if c == b'\\' || c < 0x20 {
                break;
            }
            self.pos += 1;
        }
        self.pos = start;
        self.string_escaped().map(Txt::Owned)
    }

    /// The slow path of [`Parser::string`]: decode escapes.
    fn string_escaped(&mut self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            let start = self.pos;
            while let Some(&c) = self.s.get(self.pos) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.extend_from_slice(&self.s[start..self.pos]);
            match self.peek() {
                None => return Err(syntax("unterminated string", self.pos)),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let e = self
                        .peek()
                        .ok_or_else(|| syntax("unterminated string", self.pos))?;
                    self.pos += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s.get(self.pos..self.pos + 2) == Some(b"\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                } else {
                                    self.pos = save;
                                }
                            }
                            push_code_point(&mut out, cp);
                        }
                        _ => return Err(syntax("bad escape", self.pos - 1)),
                    }
                }
                Some(_) => return Err(syntax("control character in string", self.pos)),
            }
        }
    }

    fn number(&mut self) -> Result<(usize, usize)> {
        let start = self.pos;
        let s = self.s;
        let digits = |p: &mut usize| {
            let b = *p;
            while s.get(*p).is_some_and(|c| c.is_ascii_digit()) {
                *p += 1;
            }
            *p > b
        };
        let mut p = self.pos;
        if s.get(p) == Some(&b'-') {
            p += 1;
        }
        if s.get(p) == Some(&b'0') {
            p += 1;
        } else if !digits(&mut p) {
            return Err(syntax("bad number", start));
        }
        if s.get(p) == Some(&b'.') {
            p += 1;
            if !digits(&mut p) {
                return Err(syntax("bad number", start));
            }
        }
        if matches!(s.get(p), Some(b'e' | b'E')) {
            p += 1;
            if matches!(s.get(p), Some(b'+' | b'-')) {
                p += 1;
            }
            if !digits(&mut p) {
                return Err(syntax("bad number", start));
            }
        }
        self.pos = p;
        Ok((start, p))
    }

    fn literal(&mut self, word: &[u8], v: J) -> Result<J> {
        if self.s.get(self.pos..self.pos + word.len()) != Some(word) {
            return Err(syntax("unexpected character", self.pos));
        }
        self.pos += word.len();
        Ok(v)
    }

    fn key(&mut self) -> Result<Txt> {
        self.ws();
        if self.peek() != Some(b'"') {
            return Err(syntax("expected a string key", self.pos));
        }
        let k = self.string()?;
        self.expect(b':')?;
        Ok(k)
    }

    fn attach(&mut self, stack: &mut [(u32, Option<Txt>)], idx: u32) {
        if let Some((c, pending)) = stack.last_mut() {
            match &mut self.arena[*c as usize] {
                J::Arr(v) => v.push(idx),
                J::Obj(v) => v.push((pending.take().unwrap_or(Txt::Raw(0, 0)), idx)),
                _ => unreachable!("containers only"),
            }
        }
    }

    /// Parse a whole document; returns the index of the top value.
    fn parse(&mut self) -> Result<u32> {
        let mut stack: Vec<(u32, Option<Txt>)> = Vec::new();
        loop {
            // A value is expected here.
            self.ws();
            let at = self.pos;
            let v = match self.peek() {
                None => return Err(syntax("unexpected end of input", at)),
                Some(b'{') => {
                    self.pos += 1;
                    J::Obj(Vec::new())
                }
                Some(b'[') => {
                    self.pos += 1;
                    J::Arr(Vec::new())
                }
                Some(b'"') => J::Str(self.string()?),
                Some(b't') => self.literal(b"true", J::Bool(true))?,
                Some(b'f') => self.literal(b"false", J::Bool(false))?,
                Some(b'n') => self.literal(b"null", J::Null)?,
                Some(b'-' | b'0'..=b'9') => {
                    let (a, b) = self.number()?;
                    J::Num(a, b)
                }
                Some(_) => return Err(syntax("unexpected character", at)),
            };
            let opens = match v {
                J::Obj(_) => Some(b'}'),
                J::Arr(_) => Some(b']'),
                _ => None,
            };
            let idx =
                u32::try_from(self.arena.len()).map_err(|_| syntax("document too large", at))?;
            self.arena.push(v);
            self.attach(&mut stack, idx);
            if let Some(close) = opens {
                self.ws();
                if self.peek() == Some(close) {
                    self.pos += 1;
                } else {
                    let pending = if close == b'}' {
                        Some(self.key()?)
                    } else {
                        None
                    };
                    stack.push((idx, pending));
                    continue;
                }
            } else if stack.is_empty() {
                // A scalar document.
            }
            // After a complete value: close containers or move to the next.
            loop {
                let Some(&(c, _)) = stack.last() else {
                    self.ws();
                    if self.pos != self.s.len() {
                        return Err(syntax("trailing characters", self.pos));
                    }
                    return Ok(0);
                };
                let is_obj = matches!(self.arena[c as usize], J::Obj(_));
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if is_obj {
                            let k = self.key()?;
                            stack.last_mut().expect("non-empty").1 = Some(k);
                        }
                        break;
                    }
                    Some(b']') if !is_obj => {
                        self.pos += 1;
                        stack.pop();
                    }
                    Some(b'}') if is_obj => {
                        self.pos += 1;
                        stack.pop();
                    }
                    _ => return Err(syntax("expected ',' or a closing bracket", self.pos)),
                }
            }
        }
    }
}

const NONE: u32 = u32::MAX;

/// The items of a tuple or frozenset (the containers hashed structurally).
fn hashable_items<'n>(n: &'n Node<'_>) -> Option<&'n [NodeId]> {
    match n {
        Node::Tuple(v) => Some(v),
        Node::FrozenSet(s) => Some(&s.items),
        _ => None,
    }
}

struct Builder<'t> {
    text: &'t str,
    arena: Vec<J>,
    node_of: Vec<u32>,
    ids: HashMap<u64, NodeId>,
}

impl<'t> Builder<'t> {
    fn bytes<'x>(&'x self, t: &'x Txt) -> &'x [u8] {
        match t {
            Txt::Raw(a, b) => &self.text.as_bytes()[*a..*b],
            Txt::Owned(v) => v,
        }
    }

    fn obj(&self, j: u32) -> Option<&[(Txt, u32)]> {
        match &self.arena[j as usize] {
            J::Obj(m) => Some(m),
            _ => None,
        }
    }

    fn field(&self, j: u32, name: &str) -> Option<u32> {
        self.obj(j)?
            .iter()
            .find(|(k, _)| self.bytes(k) == name.as_bytes())
            .map(|&(_, v)| v)
    }

    fn req(&self, j: u32, name: &str) -> Result<u32> {
        self.field(j, name).ok_or_else(|| {
            schema(format!(
                "a {:?} node needs \"{name}\"",
                self.tag(j).unwrap_or("?")
            ))
        })
    }

    fn tag(&self, j: u32) -> Option<&str> {
        match &self.arena[self.field(j, "t")? as usize] {
            J::Str(s) => std::str::from_utf8(self.bytes(s)).ok(),
            _ => None,
        }
    }

    fn is_ref(&self, j: u32) -> Option<u64> {
        let m = self.obj(j)?;
        if m.len() == 1 && self.bytes(&m[0].0) == b"$ref" {
            return self.uint(m[0].1);
        }
        None
    }

    fn str_node(&self, s: &Txt) -> Result<Node<'static>> {
        Ok(Node::Str(match s {
            Txt::Raw(a, b) => PyStr::from(self.text[*a..*b].to_string()),
            Txt::Owned(v) => {
                PyStr::from_wtf8_vec(v.clone()).ok_or_else(|| schema("invalid string"))?
            }
        }))
    }

    fn uint(&self, j: u32) -> Option<u64> {
        match self.arena[j as usize] {
            J::Num(a, b) => self.text[a..b].parse().ok(),
            _ => None,
        }
    }

    fn array(&self, j: u32, what: &str) -> Result<&[u32]> {
        match &self.arena[j as usize] {
            J::Arr(v) => Ok(v),
            _ => Err(schema(format!("\"{what}\" must be an array"))),
        }
    }

    fn string(&self, j: u32, what: &str) -> Result<String> {
        match &self.arena[j as usize] {
            J::Str(s) => String::from_utf8(self.bytes(s).to_vec())
                .map_err(|_| schema(format!("\"{what}\" holds a lone surrogate"))),
            _ => Err(schema(format!("\"{what}\" must be a string"))),
        }
    }

    fn pairs(&self, j: u32, what: &str) -> Result<Vec<(u32, u32)>> {
        self.array(j, what)?
            .iter()
            .map(|&p| match &self.arena[p as usize] {
                J::Arr(kv) if kv.len() == 2 => Ok((kv[0], kv[1])),
                _ => Err(schema(format!("\"{what}\" must hold [key, value] pairs"))),
            })
            .collect()
    }

    /// The callable and arguments of a `"reduced"` member.
    fn reduced(&self, j: u32) -> Result<Option<(u32, u32)>> {
        match self.field(j, "reduced") {
            None => Ok(None),
            Some(r) => {
                if self.obj(r).is_none() {
                    return Err(schema("\"reduced\" must be an object"));
                }
                Ok(Some((self.req(r, "callable")?, self.req(r, "args")?)))
            }
        }
    }

    /// The JSON values at node positions directly under `j`.
    fn children(&self, j: u32, out: &mut Vec<u32>) -> Result<()> {
        if self.obj(j).is_some() && self.is_ref(j).is_none() {
            if let Some((c, a)) = self.reduced(j)? {
                out.push(c);
                out.push(a);
            }
        }
        match &self.arena[j as usize] {
            J::Arr(v) => out.extend_from_slice(v),
            J::Obj(_) => {
                let tag = self.tag(j).ok_or_else(|| schema("object without \"t\""))?;
                match tag {
                    "list" | "tuple" | "set" | "frozenset" => {
                        out.extend_from_slice(self.array(self.req(j, "items")?, "items")?)
                    }
                    "dict" => {
                        for (k, v) in self.pairs(self.req(j, "items")?, "items")? {
                            out.push(k);
                            out.push(v);
                        }
                    }
                    "persid" => out.push(self.req(j, "pid")?),
                    "object" => {
                        let op = self.string(self.req(j, "op")?, "op")?;
                        match op.as_str() {
                            "reduce" => {
                                out.push(self.req(j, "callable")?);
                                out.push(self.req(j, "args")?);
                            }
                            "newobj" => {
                                out.push(self.req(j, "cls")?);
                                out.push(self.req(j, "args")?);
                            }
                            "newobj_ex" => {
                                out.push(self.req(j, "cls")?);
                                out.push(self.req(j, "args")?);
                                out.push(self.req(j, "kwargs")?);
                            }
                            "inst" => {
                                out.extend_from_slice(self.array(self.req(j, "args")?, "args")?)
                            }
                            "obj" => {
                                out.push(self.req(j, "cls")?);
                                out.extend_from_slice(self.array(self.req(j, "args")?, "args")?);
                            }
                            other => return Err(schema(format!("unknown object op {other:?}"))),
                        }
                        for f in ["listitems", "setitems", "builds"] {
                            if let Some(a) = self.field(j, f) {
                                out.extend_from_slice(self.array(a, f)?);
                            }
                        }
                        if let Some(a) = self.field(j, "dictitems") {
                            for (k, v) in self.pairs(a, "dictitems")? {
                                out.push(k);
                                out.push(v);
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn resolve(&self, j: u32) -> Result<NodeId> {
        if let Some(r) = self.is_ref(j) {
            return self
                .ids
                .get(&r)
                .copied()
                .ok_or_else(|| schema(format!("{{\"$ref\": {r}}} names no node")));
        }
        match self.node_of[j as usize] {
            NONE => Err(schema("internal: unassigned node")),
            n => Ok(NodeId(n)),
        }
    }

    fn resolve_all(&self, js: &[u32]) -> Result<Vec<NodeId>> {
        js.iter().map(|&j| self.resolve(j)).collect()
    }

    fn resolve_pairs(&self, j: u32, what: &str) -> Result<Vec<(NodeId, NodeId)>> {
        self.pairs(j, what)?
            .into_iter()
            .map(|(k, v)| Ok((self.resolve(k)?, self.resolve(v)?)))
            .collect()
    }

    fn number(&self, a: usize, b: usize) -> Result<Node<'static>> {
        let t = &self.text[a..b];
        if t.contains(['.', 'e', 'E']) {
            t.parse::<f64>()
                .map(Node::Float)
                .map_err(|_| schema(format!("bad float {t}")))
        } else {
            parse_decimal(t)
        }
    }

    fn b64(&self, j: u32) -> Result<Vec<u8>> {
        let s = self.string(self.req(j, "b64")?, "b64")?;
        decode_base64(s.as_bytes()).ok_or_else(|| schema("bad base64"))
    }

    /// Build the node for the JSON value `j` (children already numbered).
    fn build(&self, j: u32) -> Result<Node<'static>> {
        Ok(match &self.arena[j as usize] {
            J::Null => Node::None,
            J::Bool(b) => Node::Bool(*b),
            J::Num(a, b) => self.number(*a, *b)?,
            J::Str(s) => self.str_node(s)?,
            J::Arr(v) => Node::List(self.resolve_all(v)?),
            J::Obj(_) => {
                let tag = self.tag(j).ok_or_else(|| schema("object without \"t\""))?;
                match tag {
                    "none" => Node::None,
                    "bool" => match self.arena[self.req(j, "v")? as usize] {
                        J::Bool(b) => Node::Bool(b),
                        _ => return Err(schema("bool \"v\" must be true or false")),
                    },
                    "int" => {
                        if let Some(h) = self.field(j, "hex") {
                            let t = self.string(h, "hex")?;
                            let (neg, digits) = match t.strip_prefix('-') {
                                Some(d) => (true, d),
                                None => (false, t.as_str()),
                            };
                            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
                                return Err(schema(format!("bad hex int {t:?}")));
                            }
                            let v = BigInt::parse_bytes(digits.as_bytes(), 16)
                                .ok_or_else(|| schema(format!("bad hex int {t:?}")))?;
                            Node::from_bigint(if neg { -v } else { v })
                        } else {
                            match &self.arena[self.req(j, "v")? as usize] {
                                J::Num(a, b) if !self.text[*a..*b].contains(['.', 'e', 'E']) => {
                                    self.number(*a, *b)?
                                }
                                J::Str(s) => parse_decimal(
                                    std::str::from_utf8(self.bytes(s))
                                        .map_err(|_| schema("bad int"))?,
                                )?,
                                _ => {
                                    return Err(schema("int \"v\" must be a string or an integer"))
                                }
                            }
                        }
                    }
                    "float" => {
                        if let Some(bits) = self.field(j, "bits") {
                            let s = self.string(bits, "bits")?;
                            let b = u64::from_str_radix(&s, 16)
                                .map_err(|_| schema("bad float bits"))?;
                            Node::Float(f64::from_bits(b))
                        } else {
                            match &self.arena[self.req(j, "v")? as usize] {
                                J::Num(a, b) => Node::Float(
                                    self.text[*a..*b].parse().map_err(|_| schema("bad float"))?,
                                ),
                                J::Str(s) => Node::Float(match self.bytes(s) {
                                    b"nan" => f64::NAN,
                                    b"inf" => f64::INFINITY,
                                    b"-inf" => f64::NEG_INFINITY,
                                    _ => return Err(schema("bad float \"v\"")),
                                }),
                                _ => return Err(schema("bad float \"v\"")),
                            }
                        }
                    }
                    "str" => {
                        if let Some(cp) = self.field(j, "cp") {
                            let cps = self
                                .array(cp, "cp")?
                                .iter()
                                .map(|&c| self.uint(c).and_then(|v| u32::try_from(v).ok()))
                                .collect::<Option<Vec<u32>>>()
                                .ok_or_else(|| schema("\"cp\" must hold code points"))?;
                            Node::Str(
                                PyStr::from_code_points(cps)
                                    .ok_or_else(|| schema("code point out of range"))?,
                            )
                        } else {
                            match &self.arena[self.req(j, "v")? as usize] {
                                J::Str(s) => self.str_node(s)?,
                                _ => return Err(schema("str \"v\" must be a string")),
                            }
                        }
                    }
                    "bytes" => Node::Bytes(Buf::from(self.b64(j)?)),
                    "bytearray" => Node::ByteArray(Buf::from(self.b64(j)?)),
                    "buffer" => {
                        let readonly =
                            match self.field(j, "readonly").map(|f| &self.arena[f as usize]) {
                                Some(J::Bool(b)) => *b,
                                None => false,
                                _ => return Err(schema("\"readonly\" must be a bool")),
                            };
                        let index = match self.field(j, "index") {
                            None => None,
                            Some(f) => match self.arena[f as usize] {
                                J::Null => None,
                                _ => Some(
                                    self.uint(f)
                                        .and_then(|v| usize::try_from(v).ok())
                                        .ok_or_else(|| schema("bad buffer index"))?,
                                ),
                            },
                        };
                        Node::Buffer(Box::new(PickleBuffer {
                            data: Buf::from(self.b64(j)?),
                            readonly,
                            index,
                        }))
                    }
                    "list" => {
                        Node::List(self.resolve_all(self.array(self.req(j, "items")?, "items")?)?)
                    }
                    "tuple" => {
                        Node::Tuple(self.resolve_all(self.array(self.req(j, "items")?, "items")?)?)
                    }
                    "set" | "frozenset" => {
                        let items =
                            self.resolve_all(self.array(self.req(j, "items")?, "items")?)?;
                        let s = Set {
                            items: items.into(),
                            index: None,
                        };
                        if tag == "set" {
                            Node::Set(s)
                        } else {
                            Node::FrozenSet(s)
                        }
                    }
                    "dict" => Node::Dict(Dict {
                        entries: self.resolve_pairs(self.req(j, "items")?, "items")?.into(),
                        index: None,
                    }),
                    "global" => Node::Global(Box::new(Global {
                        module: self.string(self.req(j, "module")?, "module")?,
                        name: self.string(self.req(j, "name")?, "name")?,
                    })),
                    "persid" => Node::PersistentId(self.resolve(self.req(j, "pid")?)?),
                    "object" => Node::Object(Box::new(self.object(j)?)),
                    other => return Err(schema(format!("unknown node type {other:?}"))),
                }
            }
        })
    }

    fn object(&self, j: u32) -> Result<Object> {
        let op = self.string(self.req(j, "op")?, "op")?;
        let node = |name: &str| -> Result<NodeId> { self.resolve(self.req(j, name)?) };
        let construct = match op.as_str() {
            "reduce" => Construct::Reduce {
                callable: node("callable")?,
                args: node("args")?,
            },
            "newobj" => Construct::NewObj {
                cls: node("cls")?,
                args: node("args")?,
            },
            "newobj_ex" => Construct::NewObjEx {
                cls: node("cls")?,
                args: node("args")?,
                kwargs: node("kwargs")?,
            },
            "inst" => Construct::Inst {
                cls: Global {
                    module: self.string(self.req(j, "module")?, "module")?,
                    name: self.string(self.req(j, "name")?, "name")?,
                },
                args: self.resolve_all(self.array(self.req(j, "args")?, "args")?)?,
            },
            "obj" => Construct::Obj {
                cls: node("cls")?,
                args: self.resolve_all(self.array(self.req(j, "args")?, "args")?)?,
            },
            other => return Err(schema(format!("unknown object op {other:?}"))),
        };
        let mut o = Object::new(construct);
        let list = |name: &str| -> Result<Vec<NodeId>> {
            match self.field(j, name) {
                Some(a) => self.resolve_all(self.array(a, name)?),
                None => Ok(Vec::new()),
            }
        };
        o.list_items = list("listitems")?;
        o.set_items = list("setitems")?;
        o.builds = list("builds")?;
        if let Some(a) = self.field(j, "dictitems") {
            o.dict_items = self.resolve_pairs(a, "dictitems")?;
        }
        Ok(o)
    }
}

/// Read the lossless JSON form back into a graph (see the
/// [module docs](self)).
pub fn from_json(text: &str) -> Result<Graph<'static>> {
    from_json_meta(text).map(|(g, _)| g)
}

/// Read the lossless JSON form back into a graph, with what else the
/// document records (the protocol written by [`JsonOptions::protocol`]).
pub fn from_json_meta(text: &str) -> Result<(Graph<'static>, JsonMeta)> {
    let mut p = Parser {
        s: text.as_bytes(),
        pos: 0,
        arena: Vec::new(),
    };
    let top = p.parse()?;
    let arena = p.arena;
    let n = arena.len();
    let mut b = Builder {
        text,
        arena,
        node_of: vec![NONE; n],
        ids: HashMap::new(),
    };
    match b.field(top, "brinery").and_then(|v| b.uint(v)) {
        Some(1) => {}
        Some(v) => return Err(schema(format!("unsupported version {v}"))),
        None => {
            return Err(schema(
                "the document must be {\"brinery\": 1, \"root\": ...}",
            ))
        }
    }
    let root_j = b.req(top, "root")?;
    let mut meta = JsonMeta::default();
    if let Some(p) = b.field(top, "protocol") {
        match b.uint(p) {
            Some(p) if p <= crate::HIGHEST_PROTOCOL as u64 => meta.protocol = Some(p as u8),
            _ => return Err(schema("\"protocol\" must be an integer 0-5")),
        }
    }

    // Number the nodes (preorder) and record ids.
    let mut g = Graph::new();
    let mut order: Vec<u32> = Vec::new();
    let mut stack = vec![root_j];
    let mut kids = Vec::new();
    while let Some(j) = stack.pop() {
        if b.is_ref(j).is_some() {
            continue;
        }
        let nid = g.add(Node::None);
        b.node_of[j as usize] = nid.0;
        order.push(j);
        if b.obj(j).is_some() {
            if let Some(idv) = b.field(j, "id") {
                let id = b
                    .uint(idv)
                    .ok_or_else(|| schema("\"id\" must be a non-negative integer"))?;
                if b.ids.insert(id, nid).is_some() {
                    return Err(schema(format!("duplicate id {id}")));
                }
            }
        }
        kids.clear();
        b.children(j, &mut kids)?;
        stack.extend(kids.iter().rev());
    }
    let root = b.resolve(root_j)?;

    // Fill them in.
    let mut containers = Vec::new();
    for &j in &order {
        let nid = NodeId(b.node_of[j as usize]);
        if b.obj(j).is_some() {
            if let Some((c, a)) = b.reduced(j)? {
                g.reductions.insert(nid, (b.resolve(c)?, b.resolve(a)?));
            }
        }
        let node = b.build(j)?;
        if matches!(node, Node::Dict(_) | Node::Set(_) | Node::FrozenSet(_)) {
            containers.push(nid);
        }
        *g.node_mut(nid) = node;
    }
    // Tuples and frozensets are hashed structurally: reject a tuple or
    // frozenset that contains itself through tuples and frozensets only
    // (Python cannot build one), and list them children first.
    let mut state = vec![0u8; g.len()];
    let mut post: Vec<NodeId> = Vec::new();
    for start in 0..g.len() {
        let start = NodeId(start as u32);
        if state[start.index()] != 0 || hashable_items(g.node(start)).is_none() {
            continue;
        }
        state[start.index()] = 1;
        let mut stack = vec![(start, 0usize)];
        while let Some(top) = stack.last_mut() {
            let (x, i) = *top;
            let items = hashable_items(g.node(x)).expect("hashable containers only");
            if i < items.len() {
                top.1 += 1;
                let c = items[i];
                if hashable_items(g.node(c)).is_some() {
                    match state[c.index()] {
                        0 => {
                            state[c.index()] = 1;
                            stack.push((c, 0));
                        }
                        1 => return Err(schema("a tuple or frozenset contains itself")),
                        _ => {}
                    }
                }
            } else {
                state[x.index()] = 2;
                post.push(x);
                stack.pop();
            }
        }
    }
    // Insert set elements and dict entries with Python's key semantics
    // (this builds the hash indexes): frozensets innermost first, then
    // dicts and sets, whose keys are then all complete.
    let frozen = post
        .into_iter()
        .filter(|&id| matches!(g.node(id), Node::FrozenSet(_)));
    let others: Vec<NodeId> = containers
        .into_iter()
        .filter(|&id| !matches!(g.node(id), Node::FrozenSet(_)))
        .collect();
    for id in frozen.collect::<Vec<_>>().into_iter().chain(others) {
        match std::mem::replace(g.node_mut(id), Node::None) {
            Node::Dict(d) => {
                *g.node_mut(id) = Node::Dict(Dict::default());
                for &(k, v) in &d.entries {
                    g.dict_insert(id, k, v)?;
                }
            }
            Node::Set(s) => {
                *g.node_mut(id) = Node::Set(Set::default());
                for &it in &s.items {
                    g.set_add(id, it)?;
                }
            }
            Node::FrozenSet(s) => {
                *g.node_mut(id) = Node::FrozenSet(Set::default());
                for &it in &s.items {
                    g.set_add(id, it)?;
                }
            }
            other => *g.node_mut(id) = other,
        }
    }
    g.set_root(root);
    Ok((g, meta))
}
