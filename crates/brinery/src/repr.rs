//! Python's `repr()` of a decoded pickle.
//!
//! [`repr`] prints a node exactly as CPython's builtin `repr()` prints the
//! object it stands for, for every builtin type the pickle format carries:
//! `None`, `True`/`False`, `int` (any size; like CPython it refuses more than
//! 4300 decimal digits unless told otherwise), `float`, `str` (CPython's
//! quote choice and escapes, with `str.isprintable` from the generated
//! Unicode table in `printable.rs`, lone surrogates as `\udXXX`), `bytes`,
//! `bytearray`, `list`, `tuple`, `dict`, `set` and `frozenset`.
//!
//! Sharing and recursion behave like CPython's `Py_ReprEnter`: an object
//! reached twice is printed in full each time, and an object reached again
//! *while it is being printed* becomes `[...]`, `(...)`, `{...}`,
//! `set(...)` or `frozenset(...)`. Because a shared object is printed in full
//! each time, a small graph can have an exponentially long repr; the output
//! is capped by [`ReprOptions::max_output`] (64 MiB by default) and
//! exceeding it is an [`ErrorKind::LimitExceeded`] error.
//!
//! Nodes that have no builtin repr are shown in a readable, Python-like form
//! that is **not** what CPython would print (CPython would show e.g.
//! `<__main__.Point object at 0x7f...>`, or need the class to exist):
//!
//! | node | shown as |
//! |------|----------|
//! | global `module.name` | `module.name` (the `builtins` module's own objects as CPython prints them: `<class 'int'>`, `<built-in function len>`, `Ellipsis`, `NotImplemented`) |
//! | object made by `REDUCE` of a global | `module.func(arg, ...)` |
//! | object made by `NEWOBJ`/`OBJ`/`INST` | `module.Class(arg, ...)` |
//! | `NEWOBJ_EX` keyword arguments | `module.Class(arg, key=value)` |
//! | argument tuple that is not a tuple | `module.func(*args)` |
//! | items applied by `APPEND(S)` | `..., listitems=[...]` |
//! | items applied by `SETITEM(S)` | `..., dictitems={...}` |
//! | items applied by `ADDITEMS` | `..., setitems={...}` |
//! | each `BUILD` state | `..., state=...` |
//! | persistent id | `persistent_id(pid)` |
//! | out-of-band or in-band `PickleBuffer` | `pickle.PickleBuffer(b'...', readonly=True, index=0)` |
//!
//! An object reached again while being printed shows as `module.Class(...)`.
//!
//! # Standard-library values and hooks
//!
//! Objects of the standard-library types of [`crate::stdlib`] print exactly
//! as CPython 3.11 prints them: `datetime.datetime(2024, 1, 1, 12, 0,
//! tzinfo=datetime.timezone.utc)`, `Decimal('1.10')`, `Fraction(1, 3)`,
//! `UUID('…')`, `(1+2j)`, `OrderedDict([('a', 1)])`,
//! `defaultdict(<class 'list'>, {…})`, `Counter({…})` (ordered by count, as
//! `most_common()`), `deque([…], maxlen=3)`, `range(0, 10, 2)`,
//! `slice(1, 2, None)`, `PosixPath('/tmp')`, `zoneinfo.ZoneInfo(key='…')`,
//! pytz's `<DstTzInfo 'Europe/Paris' CEST+2:00:00 DST>`, and CPython's
//! recursion markers for self-containing OrderedDicts, deques and
//! defaultdicts. [`ReprOptions::stdlib`] switches this off.
//!
//! Enum members, namedtuples and dataclasses are not recognizable from a
//! pickle alone (the member name and field names are not in it): they
//! print in the call form above (`__main__.Color(1)`,
//! `__main__.Point(1, 2)`) unless their classes are registered in a
//! [`crate::stdlib::TypeRegistry`] set as a hook, which prints
//! `<Color.RED: 1>` and `Point(x=1, y=2)`.
//!
//! A [`ReprHook`] renders objects of your own classes; its output is text
//! and nodes, which are rendered in turn (hooks never make printing
//! recursive). A pickled `defaultdict` whose factory is not a class or
//! builtin brinery can name, an enum value without a registered name, a
//! malformed state (`datetime.date(b'\x07\xe8\r\x01')`, month 13) fall
//! back to the call form.
//!
//! Nothing here recurses on the input's nesting: printing uses an explicit
//! stack, so a list nested a million levels deep prints on a small stack.

use std::borrow::Cow;
use std::sync::Arc;

use hashbrown::HashSet;
use num_bigint::BigInt;

use crate::error::{Error, ErrorKind, Result};
use crate::text::{
    byte_escaped_len, escaped_len, float_repr, push_byte_escaped, push_escaped_cp, quote_for,
};
use crate::value::{Construct, Graph, Node, NodeId, Object, PyStr};

/// Default cap on the size of printed output: 64 MiB.
pub const DEFAULT_MAX_OUTPUT: usize = 64 << 20;

/// CPython's default `sys.get_int_max_str_digits()`.
pub const DEFAULT_MAX_STR_DIGITS: usize = 4300;

pub use crate::genops::{repr_bytes, repr_float};
pub(crate) use crate::printer::Hooks;
pub use crate::printer::{Allowance, Block, BlockBody, Layout, ReprHook, ReprPiece};

/// The hooks every printer starts with: the standard-library renderings
/// ([`crate::stdlib::StdlibHook`]), an ordinary [`ReprHook`].
pub(crate) fn default_hooks() -> Hooks {
    Hooks::with_defaults(vec![Arc::new(crate::stdlib::StdlibHook)])
}

/// Options for [`repr`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ReprOptions {
    /// Maximum output size in bytes; exceeding it is an
    /// [`ErrorKind::LimitExceeded`] error. Default 64 MiB.
    pub max_output: usize,
    /// Maximum number of decimal digits of an `int` (CPython's
    /// `sys.set_int_max_str_digits`); a longer int is an
    /// [`ErrorKind::InvalidValue`] error with CPython's message. `None`
    /// means no limit. Default `Some(4300)`.
    pub max_str_digits: Option<usize>,
    pub(crate) hooks: Hooks,
}

impl Default for ReprOptions {
    fn default() -> Self {
        ReprOptions {
            max_output: DEFAULT_MAX_OUTPUT,
            max_str_digits: Some(DEFAULT_MAX_STR_DIGITS),
            hooks: default_hooks(),
        }
    }
}

impl ReprOptions {
    /// The defaults: 64 MiB of output, 4300 int digits, standard-library
    /// renderings on.
    pub fn new() -> Self {
        Self::default()
    }
}

crate::printer::printer_options!(ReprOptions);

/// CPython's `repr()` of node `id` (see the [module docs](self) for what
/// non-builtin nodes look like).
///
/// ```
/// use brinery::repr::{repr, ReprOptions};
/// let mut g = brinery::Graph::new();
/// let one = g.int(1);
/// let s = g.str("it's");
/// let inner = g.list(vec![one, s]);
/// let root = g.tuple(vec![inner, inner]);
/// assert_eq!(
///     repr(&g, root, &ReprOptions::default()).unwrap(),
///     r#"([1, "it's"], [1, "it's"])"#
/// );
/// ```
pub fn repr(graph: &Graph<'_>, id: NodeId, opts: &ReprOptions) -> Result<String> {
    let mut flat = Flat::new(graph, opts.max_str_digits).with_hooks(opts.hooks.clone());
    let mut sink = Sink::new(opts.max_output, false);
    match flat.run(Item::Node(id), &mut sink, Mode::Repr) {
        Ok(()) => Ok(sink.out),
        Err(Stop::Err(e)) => Err(e),
        Err(Stop::Width) => unreachable!("no width limit"),
    }
}

/// CPython's `repr()` of the graph's root, with default options.
pub fn repr_root(graph: &Graph<'_>) -> Result<String> {
    let root = graph
        .root_id()
        .ok_or_else(|| Error::new(ErrorKind::InvalidValue, "graph has no root"))?;
    repr(graph, root, &ReprOptions::default())
}

/// A JSON string literal for `s`, with the escapes of brinery's JSON views
/// (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, `\u00XX` for other
/// control characters).
///
/// ```
/// assert_eq!(brinery::repr::json_string("a\"b\n"), r#""a\"b\n""#);
/// ```
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    crate::text::push_json_cps(&mut out, s.chars().map(u32::from));
    out
}

/// CPython's `repr()` of a `str`.
pub fn str_repr(s: &PyStr<'_>) -> String {
    s.repr()
}

// ---------------------------------------------------------------------------
// Unicode helpers

/// Enough about a piece of text to know the length of its repr: the
/// escaped width (quotes counted as 1) and the number of each quote.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Stats {
    width: usize,
    squotes: usize,
    dquotes: usize,
}

impl Stats {
    pub(crate) fn of_cps(cps: &[u32]) -> Stats {
        let mut s = Stats::default();
        for &c in cps {
            s.width += escaped_len(c);
            s.squotes += (c == 0x27) as usize;
            s.dquotes += (c == 0x22) as usize;
        }
        s
    }

    pub(crate) fn of_bytes(b: &[u8]) -> Stats {
        let mut s = Stats::default();
        for &c in b {
            s.width += byte_escaped_len(c);
            s.squotes += (c == b'\'') as usize;
            s.dquotes += (c == b'"') as usize;
        }
        s
    }

    pub(crate) fn add(self, o: Stats) -> Stats {
        Stats {
            width: self.width + o.width,
            squotes: self.squotes + o.squotes,
            dquotes: self.dquotes + o.dquotes,
        }
    }

    /// `len(repr(s))` for a `str` with these stats.
    pub(crate) fn str_len(&self) -> usize {
        2 + self.width
            + if self.squotes > 0 && self.dquotes > 0 {
                self.squotes
            } else {
                0
            }
    }

    /// `len(repr(b))` for `bytes` with these stats.
    pub(crate) fn bytes_len(&self) -> usize {
        1 + self.str_len()
    }
}

// ---------------------------------------------------------------------------
// Output sink

/// Why rendering stopped early.
pub(crate) enum Stop {
    /// The width limit of a measurement was exceeded.
    Width,
    /// A real error (output limit, int digits, bad node id).
    Err(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Err(e)
    }
}

/// ANSI styles for coloured output.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// `None`, `True`, `False`.
    Const,
    /// ints and floats.
    Num,
    /// str literals.
    Str,
    /// bytes literals.
    Bytes,
    /// global names and callees.
    Name,
    /// sharing anchors and references.
    Anchor,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Const => "\x1b[1;35m",
            Style::Num => "\x1b[36m",
            Style::Str => "\x1b[32m",
            Style::Bytes => "\x1b[33m",
            Style::Name => "\x1b[34m",
            Style::Anchor => "\x1b[1;31m",
        }
    }
}

const RESET: &str = "\x1b[0m";

/// A string being built with a byte limit (the output cap) and a
/// code-point limit (for "does it fit in the width" measurements). ANSI
/// codes are written when `color` is set and do not count as width.
pub(crate) struct Sink {
    pub(crate) out: String,
    pub(crate) chars: usize,
    /// Code points since the last newline.
    pub(crate) col: usize,
    max_chars: usize,
    max_bytes: usize,
    /// The limit named in the error message (the whole output's).
    limit: usize,
    color: bool,
}

pub(crate) fn limit_error(max: usize) -> Error {
    Error::new(
        ErrorKind::LimitExceeded,
        format!("output exceeds the limit of {max} bytes"),
    )
}

impl Sink {
    pub(crate) fn new(max_bytes: usize, color: bool) -> Sink {
        Sink {
            out: String::new(),
            chars: 0,
            col: 0,
            max_chars: usize::MAX,
            max_bytes,
            limit: max_bytes,
            color,
        }
    }

    /// A scratch sink for a measurement of at most `max_chars` code points
    /// within what is left of `parent`'s output budget.
    pub(crate) fn measuring(max_chars: usize, parent: &Sink) -> Sink {
        Sink {
            out: String::new(),
            chars: 0,
            col: 0,
            max_chars,
            max_bytes: parent.budget(),
            limit: parent.limit,
            color: parent.color,
        }
    }

    #[inline]
    fn check(&self) -> Result<(), Stop> {
        if self.chars > self.max_chars {
            return Err(Stop::Width);
        }
        if self.out.len() > self.max_bytes {
            return Err(Stop::Err(limit_error(self.limit)));
        }
        Ok(())
    }

    /// Append text (no ANSI codes in it).
    #[inline]
    pub(crate) fn push(&mut self, s: &str) -> Result<(), Stop> {
        let n = if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        };
        self.chars += n;
        self.advance(s, n);
        self.out.push_str(s);
        self.check()
    }

    /// Append already measured text.
    pub(crate) fn push_measured(&mut self, s: &str, chars: usize) -> Result<(), Stop> {
        self.chars += chars;
        self.advance(s, chars);
        self.out.push_str(s);
        self.check()
    }

    /// Append `n` spaces.
    pub(crate) fn spaces(&mut self, n: usize) -> Result<(), Stop> {
        if n > self.max_bytes.saturating_sub(self.out.len()) {
            return Err(Stop::Err(limit_error(self.limit)));
        }
        self.chars += n;
        self.col += n;
        self.out.extend(std::iter::repeat(' ').take(n));
        self.check()
    }

    /// Update the column for text `s` of `n` code points.
    #[inline]
    fn advance(&mut self, s: &str, n: usize) {
        match s.rfind('\n') {
            Some(i) => self.col = s[i + 1..].chars().count(),
            None => self.col += n,
        }
    }

    #[inline]
    pub(crate) fn open(&mut self, style: Style) {
        if self.color {
            self.out.push_str(style.code());
        }
    }

    #[inline]
    pub(crate) fn close(&mut self) {
        if self.color {
            self.out.push_str(RESET);
        }
    }

    pub(crate) fn styled(&mut self, style: Style, s: &str) -> Result<(), Stop> {
        self.open(style);
        let r = self.push(s);
        self.close();
        r
    }

    /// Bytes still allowed.
    pub(crate) fn budget(&self) -> usize {
        self.max_bytes.saturating_sub(self.out.len())
    }
}

// ---------------------------------------------------------------------------
// Literal writers

const CHUNK: usize = 1024;

/// Write `repr(s)` (CPython's `unicode_repr`).
pub(crate) fn write_str_repr(sink: &mut Sink, s: &PyStr<'_>) -> Result<(), Stop> {
    let b = s.as_wtf8();
    let q = quote_for(b.contains(&b'\''), b.contains(&b'"'));
    sink.open(Style::Str);
    let r = write_quoted(sink, q, s.code_points());
    sink.close();
    r
}

/// Write `repr()` of a run of code points.
pub(crate) fn write_cps_repr(sink: &mut Sink, cps: &[u32]) -> Result<(), Stop> {
    let q = quote_for(cps.contains(&0x27), cps.contains(&0x22));
    sink.open(Style::Str);
    let r = write_quoted(sink, q, cps.iter().copied());
    sink.close();
    r
}

fn write_quoted(sink: &mut Sink, q: u8, cps: impl Iterator<Item = u32>) -> Result<(), Stop> {
    let mut buf = String::with_capacity(64);
    buf.push(q as char);
    for cp in cps {
        push_escaped_cp(&mut buf, cp, q);
        if buf.len() >= CHUNK {
            sink.push(&buf)?;
            buf.clear();
        }
    }
    buf.push(q as char);
    sink.push(&buf)
}

/// Write `repr(b)` for bytes (CPython's `PyBytes_Repr` with smart quotes).
pub(crate) fn write_bytes_repr(sink: &mut Sink, b: &[u8]) -> Result<(), Stop> {
    write_bytes_literal(sink, b, false)
}

/// The `b'...'` literal in `repr()` of a bytes object or, with
/// `bytearray` set, of a bytearray (`bytearray_repr` escapes `'` even
/// inside double quotes).
pub(crate) fn write_bytes_literal(sink: &mut Sink, b: &[u8], bytearray: bool) -> Result<(), Stop> {
    let q = quote_for(b.contains(&b'\''), b.contains(&b'"'));
    sink.open(Style::Bytes);
    let mut buf = String::with_capacity(64);
    buf.push('b');
    buf.push(q as char);
    let mut r = Ok(());
    for &c in b {
        push_byte_escaped(&mut buf, c, q, bytearray);
        if buf.len() >= CHUNK {
            r = sink.push(&buf);
            buf.clear();
            if r.is_err() {
                break;
            }
        }
    }
    if r.is_ok() {
        buf.push(q as char);
        r = sink.push(&buf);
    }
    sink.close();
    r
}

fn int_digits_error(limit: usize) -> Error {
    Error::new(
        ErrorKind::InvalidValue,
        format!(
            "Exceeds the limit ({limit} digits) for integer string conversion; \
             use sys.set_int_max_str_digits() to increase the limit"
        ),
    )
}

/// Decimal text of a big int, refusing (like CPython) more than
/// `max_digits` digits, and not converting at all when the result could
/// not fit in `max_chars`/`budget`.
fn bigint_text(
    b: &BigInt,
    max_digits: Option<usize>,
    max_chars: usize,
    budget: usize,
    limit: usize,
) -> Result<String, Stop> {
    let bits = b.bits();
    // A lower bound on the number of decimal digits: floor((bits-1)*log10 2)+1.
    let min_digits = if bits == 0 {
        1
    } else {
        ((bits - 1) as f64 * std::f64::consts::LOG10_2).floor() as u64 + 1
    };
    if let Some(m) = max_digits {
        if min_digits > m as u64 + 1 {
            return Err(Stop::Err(int_digits_error(m)));
        }
    }
    if min_digits > budget as u64 {
        return Err(Stop::Err(limit_error(limit)));
    }
    if min_digits > max_chars as u64 {
        return Err(Stop::Width);
    }
    let s = b.to_string();
    if let Some(m) = max_digits {
        let digits = s.len() - s.starts_with('-') as usize;
        if digits > m {
            return Err(Stop::Err(int_digits_error(m)));
        }
    }
    Ok(s)
}

/// Write the repr of a leaf node (one without children). Returns false when
/// the node is a container.
pub(crate) fn write_leaf(
    sink: &mut Sink,
    node: &Node<'_>,
    max_digits: Option<usize>,
) -> Result<bool, Stop> {
    match node {
        Node::None => sink.styled(Style::Const, "None")?,
        Node::Bool(true) => sink.styled(Style::Const, "True")?,
        Node::Bool(false) => sink.styled(Style::Const, "False")?,
        Node::Int(i) => sink.styled(Style::Num, fmt_i64(*i, &mut [0; 20]))?,
        Node::BigInt(b) => {
            let room = sink.max_chars.saturating_sub(sink.chars);
            let t = bigint_text(b, max_digits, room, sink.budget(), sink.limit)?;
            sink.styled(Style::Num, &t)?
        }
        Node::Float(f) => sink.styled(Style::Num, &float_repr(*f))?,
        Node::Str(s) => write_str_repr(sink, s)?,
        Node::Bytes(b) => write_bytes_repr(sink, b)?,
        Node::ByteArray(b) => {
            sink.push("bytearray(")?;
            write_bytes_literal(sink, b, true)?;
            sink.push(")")?;
        }
        Node::Global(g)
            if g.module == "builtins" && crate::builtins::global_repr(&g.name).is_some() =>
        {
            // What the builtins module's own objects print as in CPython:
            // `<class 'int'>`, `<built-in function len>`, `Ellipsis`.
            let text = crate::builtins::global_repr(&g.name).unwrap_or_default();
            let style = if text.starts_with('<') {
                Style::Name
            } else {
                Style::Const
            };
            sink.styled(style, &text)?
        }
        Node::Global(g) => {
            sink.open(Style::Name);
            let r = sink
                .push(&g.module)
                .and_then(|_| sink.push("."))
                .and_then(|_| sink.push(&g.name));
            sink.close();
            r?
        }
        Node::Buffer(b) => {
            sink.styled(Style::Name, "pickle.PickleBuffer")?;
            sink.push("(")?;
            write_bytes_repr(sink, &b.data)?;
            if b.readonly {
                sink.push(", readonly=")?;
                sink.styled(Style::Const, "True")?;
            }
            if let Some(i) = b.index {
                sink.push(", index=")?;
                sink.styled(Style::Num, &i.to_string())?;
            }
            sink.push(")")?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

// ---------------------------------------------------------------------------
// Objects as calls

/// Something printed as one value: a node, or one of the virtual
/// containers an opaque object's applied items are shown as.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Item<'g> {
    Node(NodeId),
    /// `listitems=[...]`
    List(&'g [NodeId]),
    /// `dictitems={...}`
    Dict(&'g [(NodeId, NodeId)]),
    /// `setitems={...}`
    Set(&'g [NodeId]),
    /// A list of 2-tuples `[(k, v), ...]` (an OrderedDict's items).
    PairList(&'g [(NodeId, NodeId)]),
    /// One 2-tuple `(k, v)`.
    Pair(NodeId, NodeId),
}

/// What an object's call starts with.
#[derive(Clone, Debug)]
pub(crate) enum Callee {
    /// A global's dotted name.
    Name(String),
    /// Any other callable, printed as a value.
    Node(NodeId),
}

/// One argument of an object call: `prefix` is `""`, `"*"`, `"**"` or
/// `"name="`.
#[derive(Clone, Debug)]
pub(crate) struct Arg<'g> {
    pub(crate) prefix: Cow<'static, str>,
    pub(crate) item: Item<'g>,
}

/// An opaque object shown as a call.
#[derive(Clone, Debug)]
pub(crate) struct Call<'g> {
    pub(crate) callee: Callee,
    pub(crate) args: Vec<Arg<'g>>,
}

fn is_identifier(s: &str) -> bool {
    let mut it = s.chars();
    match it.next() {
        Some(c) if c == '_' || c.is_alphabetic() => {}
        _ => return false,
    }
    it.all(|c| c == '_' || c.is_alphanumeric())
}

fn callee_of(g: &Graph<'_>, id: NodeId) -> Callee {
    match g.get(id) {
        Some(Node::Global(gl)) => Callee::Name(format!("{}.{}", gl.module, gl.name)),
        _ => Callee::Node(id),
    }
}

/// The call form of an object. `inline(id)` says whether an argument tuple
/// or keyword dict may be spread into the call (false when it must be shown
/// as a value of its own, e.g. because it is shared).
pub(crate) fn object_call<'g>(
    g: &'g Graph<'_>,
    o: &'g Object,
    inline: impl Fn(NodeId) -> bool,
) -> Call<'g> {
    let mut args = Vec::new();
    let positional = |args: &mut Vec<Arg<'g>>, t: NodeId| match g.get(t) {
        Some(Node::Tuple(items)) if inline(t) => {
            for &i in items {
                args.push(Arg {
                    prefix: Cow::Borrowed(""),
                    item: Item::Node(i),
                });
            }
        }
        _ => args.push(Arg {
            prefix: Cow::Borrowed("*"),
            item: Item::Node(t),
        }),
    };
    let callee = match &o.construct {
        Construct::Reduce { callable, args: a } => {
            positional(&mut args, *a);
            callee_of(g, *callable)
        }
        Construct::NewObj { cls, args: a } => {
            positional(&mut args, *a);
            callee_of(g, *cls)
        }
        Construct::NewObjEx {
            cls,
            args: a,
            kwargs,
        } => {
            positional(&mut args, *a);
            let spread = match g.get(*kwargs) {
                Some(Node::Dict(d)) if inline(*kwargs) => {
                    let keys: Option<Vec<&str>> = d
                        .entries()
                        .iter()
                        .map(|(k, _)| match g.get(*k) {
                            Some(Node::Str(s)) => s.as_str().filter(|s| is_identifier(s)),
                            _ => None,
                        })
                        .collect();
                    keys.map(|keys| {
                        keys.into_iter()
                            .zip(d.entries())
                            .map(|(k, &(_, v))| Arg {
                                prefix: Cow::Owned(format!("{k}=")),
                                item: Item::Node(v),
                            })
                            .collect::<Vec<_>>()
                    })
                }
                _ => None,
            };
            match spread {
                Some(kw) => args.extend(kw),
                None => args.push(Arg {
                    prefix: Cow::Borrowed("**"),
                    item: Item::Node(*kwargs),
                }),
            }
            callee_of(g, *cls)
        }
        Construct::Inst { cls, args: a } => {
            for &i in a {
                args.push(Arg {
                    prefix: Cow::Borrowed(""),
                    item: Item::Node(i),
                });
            }
            Callee::Name(format!("{}.{}", cls.module, cls.name))
        }
        Construct::Obj { cls, args: a } => {
            for &i in a {
                args.push(Arg {
                    prefix: Cow::Borrowed(""),
                    item: Item::Node(i),
                });
            }
            callee_of(g, *cls)
        }
    };
    if !o.list_items.is_empty() {
        args.push(Arg {
            prefix: Cow::Borrowed("listitems="),
            item: Item::List(&o.list_items),
        });
    }
    if !o.dict_items.is_empty() {
        args.push(Arg {
            prefix: Cow::Borrowed("dictitems="),
            item: Item::Dict(&o.dict_items),
        });
    }
    if !o.set_items.is_empty() {
        args.push(Arg {
            prefix: Cow::Borrowed("setitems="),
            item: Item::Set(&o.set_items),
        });
    }
    for &b in &o.builds {
        args.push(Arg {
            prefix: Cow::Borrowed("state="),
            item: Item::Node(b),
        });
    }
    Call { callee, args }
}

// ---------------------------------------------------------------------------
// The one-line renderer

/// How sharing is shown.
#[derive(Copy, Clone)]
pub(crate) enum Mode<'x> {
    /// CPython: shared objects in full, `[...]` for recursion.
    Repr,
    /// Pretty printer: `#N=` at the first occurrence of a shared object,
    /// `#N#` afterwards.
    Anchored(&'x Anchors),
}

/// Labels of shared objects and which anchors were already written
/// (dense, indexed by node).
#[derive(Default)]
pub(crate) struct Anchors {
    /// Label of each node, 0 for none.
    pub(crate) labels: Vec<u32>,
    pub(crate) emitted: Vec<bool>,
}

impl Anchors {
    pub(crate) fn label(&self, id: NodeId) -> Option<u32> {
        match self.labels.get(id.index()) {
            Some(&k) if k > 0 => Some(k),
            _ => None,
        }
    }

    pub(crate) fn is_emitted(&self, id: NodeId) -> bool {
        self.emitted.get(id.index()).copied().unwrap_or(false)
    }

    pub(crate) fn emit(&mut self, id: NodeId) {
        if let Some(e) = self.emitted.get_mut(id.index()) {
            *e = true;
        }
    }
}

enum Seg<'g> {
    Text(&'static str),
    Owned(Cow<'static, str>, Option<Style>),
    Item(Item<'g>),
}

type Frame<'g> = crate::printer::Frame<'g, Seg<'g>>;

/// Renders values on one line with an explicit stack.
pub(crate) struct Flat<'g, 'a> {
    g: &'g Graph<'a>,
    max_digits: Option<usize>,
    /// Repr mode: the objects being printed. Anchored mode: anchors written
    /// during this run.
    pub(crate) local: HashSet<NodeId>,
    stack: Vec<Frame<'g>>,
    pub(crate) hooks: Hooks,
}

pub(crate) fn bad_id(id: NodeId) -> Error {
    Error::new(
        ErrorKind::InvalidValue,
        format!("node id {} is not in the graph", id.index()),
    )
}

enum Act<'g> {
    Write(&'static str),
    WriteOwned(Cow<'static, str>, Option<Style>),
    Enter(Item<'g>, &'static str),
    Pop(Option<NodeId>),
}

/// Format an int without allocating.
pub(crate) fn fmt_i64(v: i64, buf: &mut [u8; 20]) -> &str {
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    std::str::from_utf8(&buf[i..]).expect("ASCII digits")
}

impl<'g, 'a> Flat<'g, 'a> {
    pub(crate) fn new(g: &'g Graph<'a>, max_digits: Option<usize>) -> Self {
        Flat {
            g,
            max_digits,
            local: HashSet::new(),
            stack: Vec::new(),
            hooks: Hooks::default(),
        }
    }

    /// Use these hooks for opaque objects.
    pub(crate) fn with_hooks(mut self, hooks: Hooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// Render `item` into `sink`. `local` is cleared first; in anchored mode
    /// it holds the anchors written, for the caller to commit.
    pub(crate) fn run(
        &mut self,
        item: Item<'g>,
        sink: &mut Sink,
        mode: Mode<'_>,
    ) -> Result<(), Stop> {
        self.local.clear();
        self.stack.clear();
        let r = self.run_inner(item, sink, mode);
        self.stack.clear();
        if let Mode::Repr = mode {
            self.local.clear();
        }
        r
    }

    fn run_inner(&mut self, item: Item<'g>, sink: &mut Sink, mode: Mode<'_>) -> Result<(), Stop> {
        self.enter(item, sink, mode)?;
        loop {
            let act = match self.stack.last_mut() {
                None => return Ok(()),
                Some(f @ Frame::Seq { .. }) => match f.next_node() {
                    Some((n, i, _)) => Act::Enter(Item::Node(n), if i > 0 { ", " } else { "" }),
                    None => {
                        let (close, exit, _) = f.end();
                        sink.push(close)?;
                        Act::Pop(exit)
                    }
                },
                Some(f @ Frame::Pairs { .. }) => {
                    let tuples = matches!(f, Frame::Pairs { tuples: true, .. });
                    match f.next_node() {
                        // `(key, value)` pairs of a list, or `key: value`.
                        Some((n, i, true)) if tuples => {
                            Act::Enter(Item::Node(n), if i > 0 { "), (" } else { "(" })
                        }
                        Some((n, _, false)) if tuples => Act::Enter(Item::Node(n), ", "),
                        Some((n, i, true)) => {
                            Act::Enter(Item::Node(n), if i > 0 { ", " } else { "" })
                        }
                        Some((n, _, false)) => Act::Enter(Item::Node(n), ": "),
                        None => {
                            let (close, exit, _) = f.end();
                            sink.push(close)?;
                            Act::Pop(exit)
                        }
                    }
                }
                Some(Frame::Segs { segs, pos, exit }) => match segs.get_mut(*pos) {
                    None => Act::Pop(*exit),
                    Some(seg) => {
                        *pos += 1;
                        match std::mem::replace(seg, Seg::Text("")) {
                            Seg::Text(t) => Act::Write(t),
                            Seg::Owned(t, st) => Act::WriteOwned(t, st),
                            Seg::Item(it) => Act::Enter(it, ""),
                        }
                    }
                },
            };
            match act {
                Act::Write(t) => sink.push(t)?,
                Act::WriteOwned(t, None) => sink.push(&t)?,
                Act::WriteOwned(t, Some(st)) => sink.styled(st, &t)?,
                Act::Enter(it, sep) => {
                    if !sep.is_empty() {
                        sink.push(sep)?;
                    }
                    self.enter(it, sink, mode)?;
                }
                Act::Pop(exit) => {
                    self.stack.pop();
                    if let Some(id) = exit {
                        self.local.remove(&id);
                    }
                }
            }
        }
    }

    fn seq(
        &mut self,
        sink: &mut Sink,
        open: &'static str,
        items: &'g [NodeId],
        close: &'static str,
        exit: Option<NodeId>,
    ) -> Result<(), Stop> {
        sink.push(open)?;
        self.stack.push(Frame::seq(items, close, exit));
        Ok(())
    }

    fn enter(&mut self, item: Item<'g>, sink: &mut Sink, mode: Mode<'_>) -> Result<(), Stop> {
        let id = match item {
            Item::Node(id) => id,
            Item::List(items) => return self.seq(sink, "[", items, "]", None),
            Item::Set(items) => {
                if items.is_empty() {
                    return sink.push("set()");
                }
                return self.seq(sink, "{", items, "}", None);
            }
            Item::Dict(entries) => {
                sink.push("{")?;
                self.stack.push(Frame::pairs(entries, "}", None, false));
                return Ok(());
            }
            Item::PairList(entries) => {
                if entries.is_empty() {
                    return sink.push("[]");
                }
                sink.push("[")?;
                self.stack.push(Frame::pairs(entries, ")]", None, true));
                return Ok(());
            }
            Item::Pair(k, v) => {
                sink.push("(")?;
                self.stack.push(Frame::segs(
                    vec![
                        Seg::Item(Item::Node(k)),
                        Seg::Text(", "),
                        Seg::Item(Item::Node(v)),
                        Seg::Text(")"),
                    ],
                    None,
                ));
                return Ok(());
            }
        };
        let g = self.g;
        let node = g.get(id).ok_or_else(|| bad_id(id))?;
        match node {
            Node::Int(i) => return sink.styled(Style::Num, fmt_i64(*i, &mut [0; 20])),
            Node::Str(s) => return write_str_repr(sink, s),
            _ => {}
        }
        let mut exit = None;
        match mode {
            Mode::Anchored(anchors) => {
                if let Some(k) = anchors.label(id) {
                    let mut buf = [0u8; 20];
                    let k = fmt_i64(k as i64, &mut buf);
                    if anchors.is_emitted(id) || self.local.contains(&id) {
                        sink.open(Style::Anchor);
                        let r = sink.push("#").and(sink.push(k)).and(sink.push("#"));
                        sink.close();
                        return r;
                    }
                    self.local.insert(id);
                    sink.open(Style::Anchor);
                    let r = sink.push("#").and(sink.push(k)).and(sink.push("="));
                    sink.close();
                    r?;
                }
                if write_leaf(sink, node, self.max_digits)? {
                    return Ok(());
                }
            }
            Mode::Repr => {
                if write_leaf(sink, node, self.max_digits)? {
                    return Ok(());
                }
                if self.local.contains(&id) {
                    return self.write_marker(id, node, sink);
                }
                self.local.insert(id);
                exit = Some(id);
            }
        }
        match node {
            Node::List(v) => {
                if v.is_empty() {
                    self.exit_now(exit);
                    return sink.push("[]");
                }
                self.seq(sink, "[", v, "]", exit)
            }
            Node::Tuple(v) => match v.len() {
                0 => {
                    self.exit_now(exit);
                    sink.push("()")
                }
                1 => self.seq(sink, "(", v, ",)", exit),
                _ => self.seq(sink, "(", v, ")", exit),
            },
            Node::Dict(d) => {
                if d.is_empty() {
                    self.exit_now(exit);
                    return sink.push("{}");
                }
                sink.push("{")?;
                self.stack.push(Frame::pairs(d.entries(), "}", exit, false));
                Ok(())
            }
            Node::Set(s) => {
                if s.is_empty() {
                    self.exit_now(exit);
                    return sink.push("set()");
                }
                self.seq(sink, "{", s.items(), "}", exit)
            }
            Node::FrozenSet(s) => {
                if s.is_empty() {
                    self.exit_now(exit);
                    return sink.push("frozenset()");
                }
                self.seq(sink, "frozenset({", s.items(), "})", exit)
            }
            Node::PersistentId(p) => {
                sink.styled(Style::Name, "persistent_id")?;
                sink.push("(")?;
                self.stack.push(Frame::segs(
                    vec![Seg::Item(Item::Node(*p)), Seg::Text(")")],
                    exit,
                ));
                Ok(())
            }
            Node::Object(o) => {
                if !self.hooks.is_empty() {
                    if let Some(mut pieces) = self.hooks.render(g, id) {
                        if let [ReprPiece::Text(t)] = &mut pieces[..] {
                            // Text only (a datetime, a Decimal...): no frame.
                            self.exit_now(exit);
                            return sink.push(t);
                        }
                        let segs = pieces
                            .into_iter()
                            .map(|p| match p {
                                ReprPiece::Text(t) => Seg::Owned(Cow::Owned(t), None),
                                ReprPiece::Node(n) => Seg::Item(Item::Node(n)),
                            })
                            .collect();
                        self.stack.push(Frame::segs(segs, exit));
                        return Ok(());
                    }
                }
                let call = match mode {
                    Mode::Repr => object_call(g, o, |_| true),
                    Mode::Anchored(a) => object_call(g, o, |t| a.label(t).is_none()),
                };
                let mut segs = Vec::with_capacity(3 + 3 * call.args.len());
                match call.callee {
                    Callee::Name(n) => segs.push(Seg::Owned(Cow::Owned(n), Some(Style::Name))),
                    Callee::Node(c) => segs.push(Seg::Item(Item::Node(c))),
                }
                segs.push(Seg::Text("("));
                for (i, a) in call.args.into_iter().enumerate() {
                    if i > 0 {
                        segs.push(Seg::Text(", "));
                    }
                    if !a.prefix.is_empty() {
                        segs.push(Seg::Owned(a.prefix, None));
                    }
                    segs.push(Seg::Item(a.item));
                }
                segs.push(Seg::Text(")"));
                self.stack.push(Frame::segs(segs, exit));
                Ok(())
            }
            _ => unreachable!("leaves handled by write_leaf"),
        }
    }

    /// Leave a container that printed without a frame.
    fn exit_now(&mut self, exit: Option<NodeId>) {
        if let Some(id) = exit {
            self.local.remove(&id);
        }
    }

    /// CPython's recursion marker for an object reached while printing it.
    fn write_marker(
        &mut self,
        id: NodeId,
        node: &'g Node<'a>,
        sink: &mut Sink,
    ) -> Result<(), Stop> {
        if let Node::Object(_) = node {
            if let Some(m) = self.hooks.recursion_marker(self.g, id) {
                return sink.push(&m);
            }
        }
        let t = match node {
            Node::List(_) => "[...]",
            Node::Tuple(_) => "(...)",
            Node::Dict(_) => "{...}",
            Node::Set(_) => "set(...)",
            Node::FrozenSet(_) => "frozenset(...)",
            Node::PersistentId(_) => {
                sink.styled(Style::Name, "persistent_id")?;
                return sink.push("(...)");
            }
            Node::Object(o) => {
                match object_call(self.g, o, |_| true).callee {
                    Callee::Name(n) => {
                        sink.styled(Style::Name, &n)?;
                        sink.push("(...)")?;
                    }
                    Callee::Node(c) => {
                        // Print the callee, then the marker.
                        self.stack.push(Frame::segs(
                            vec![Seg::Item(Item::Node(c)), Seg::Text("(...)")],
                            None,
                        ));
                    }
                }
                return Ok(());
            }
            _ => return Err(Stop::Err(bad_id(id))),
        };
        sink.push(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_ties_round_half_even() {
        assert_eq!(float_repr(-918341359994482.2), "-918341359994482.2");
        assert_eq!(
            float_repr(f64::from_bits(0xc30a19d0145c3392)),
            "-918341359994482.2"
        );
        assert_eq!(float_repr(0.1), "0.1");
        assert_eq!(float_repr(1e23), "1e+23");
        assert_eq!(float_repr(5e-324), "5e-324");
        assert_eq!(float_repr(2.5), "2.5");
    }
}
