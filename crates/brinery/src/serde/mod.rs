//! serde integration: any `Serialize` type to a pickle, any pickle to a
//! `Deserialize` type, and [`Value`], an owned Python-typed value tree.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Record {
//!     id: u32,
//!     name: String,
//!     score: f64,
//!     tags: Vec<String>,
//! }
//!
//! let rec = Record { id: 7, name: "x".into(), score: 0.5, tags: vec!["a".into()] };
//! // Python sees {'id': 7, 'name': 'x', 'score': 0.5, 'tags': ['a']}.
//! let bytes = brinery::to_vec(&rec).unwrap();
//! let back: Record = brinery::from_slice(&bytes).unwrap();
//! assert_eq!(back, rec);
//! ```
//!
//! Reading what Python wrote (`pickle.dumps({'a': [1, 2], 'b': (None, 2.5)}, 5)`):
//!
//! ```
//! let bytes = b"\x80\x05\x95!\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x01a\x94]\x94(K\x01K\x02e\x8c\x01b\x94NG@\x04\x00\x00\x00\x00\x00\x00\x86\x94u.";
//! let v: brinery::Value = brinery::from_slice(bytes).unwrap();
//! assert_eq!(v["a"][1].as_i64(), Some(2));
//! assert!(v["b"][0].is_none());
//! assert_eq!(v["b"][1].as_f64(), Some(2.5));
//! assert!(v["missing"]["deeper"].is_none()); // indexing never panics
//!
//! #[derive(serde::Deserialize)]
//! struct Doc { a: Vec<i64>, b: (Option<i64>, f64) }
//! let d: Doc = brinery::from_slice(bytes).unwrap();
//! assert_eq!((d.a, d.b), (vec![1, 2], (None, 2.5)));
//! ```
//!
//! # The mapping, Rust ⇄ Python
//!
//! | Rust (serde data model)                         | Python, written                           | Python, accepted when reading                 |
//! |--------------------------------------------------|-------------------------------------------|-----------------------------------------------|
//! | `bool`                                           | `bool`                                    | `bool`                                        |
//! | `i8`…`i64`, `u8`…`u64`, `i128`, `u128`           | `int`                                     | `int` (`bool` too), range-checked             |
//! | [`BigInt`] (or `#[serde(with = "brinery::serde::bigint")]`) | `int` of any size              | `int` of any size                             |
//! | `f32`, `f64`                                     | `float`                                   | `float`, `int`                                |
//! | `char`                                           | `str` of length 1                         | `str` of length 1                             |
//! | `String`, `&str`                                 | `str`                                     | `str` (`&str` borrows from the input when it can); Python 2 `str` decoded with [`DeOptions::encoding`] |
//! | `serde_bytes::ByteBuf`, `&[u8]` with `serde_bytes` | `bytes`                                 | `bytes`, `bytearray`, also `str`              |
//! | `Option<T>`                                      | `None` or the value                       | `None` or the value                           |
//! | `()`, unit struct                                | `None`                                    | `None`, `()`                                  |
//! | newtype struct `struct M(T)`                     | the value of `T`                          | the value of `T`                              |
//! | `Vec<T>`, slices, any sequence                   | `list`                                    | `list`, `tuple`, `set`, `frozenset`           |
//! | tuples, tuple structs, arrays `[T; N]` (serde: tuple) | `tuple`                              | `tuple`, `list` (length checked)              |
//! | `HashMap`, `BTreeMap`, any map                   | `dict`                                    | `dict`, and dict subclasses (`OrderedDict`, `defaultdict`...) |
//! | `HashSet`, `BTreeSet` with [`as_set`]            | `set` (`frozenset` with [`as_frozenset`]) | `set`, `frozenset`, `list`, `tuple`           |
//! | struct                                           | `dict` with `str` keys                    | `dict`; an object's state (`__dict__`, `(dict, slots)`), `copyreg._reconstructor` objects; a tuple (positional) |
//! | enum unit variant `E::A`                         | `'A'`                                     | `'A'`                                         |
//! | enum newtype/tuple/struct variant                | `{'A': value}` / `{'A': (…)}` / `{'A': {…}}` | the same, or a `('A', value)` tuple        |
//! | [`Value`]                                        | exactly the Python value it holds         | anything                                      |
//! | a map key or set element that is a sequence, struct, map or enum | made hashable: `tuple` (a struct's field values, a map's `(k, v)` pairs, `('A', value)` for a variant) | the same |
//!
//! Python `None` read by `deserialize_any` (e.g. into `serde_json::Value`)
//! is unit; a `set`/`frozenset` is a sequence, a global is the string
//! `"module.name"`.
//!
//! # Writing
//!
//! [`to_vec`] and [`to_writer`] write the pickle stream directly (no
//! intermediate graph) at [`crate::DEFAULT_PROTOCOL`]; [`SerOptions`]
//! chooses the protocol (0–5) and `fix_imports`. The bytes are what
//! CPython's `pickle.dumps` writes for the equivalent Python value built
//! from distinct objects: the same opcodes, batches of 1000, memo PUTs for
//! every str and container, FRAMEs at protocol 4 and 5. With
//! [`SerOptions::dedup_strings`] equal strings are written once and
//! referenced again (like CPython's interned keys), which shrinks lists of
//! records a lot.
//!
//! # Reading
//!
//! [`from_slice`] runs the opcodes once to learn the pickle's structure
//! (how many items each container gets, what each memo entry is), then
//! streams the opcodes into the target type: no intermediate values,
//! strings borrowed from the input. A memo GET of a container (a dict
//! shared by many rows) replays that container. Pickles of objects
//! (REDUCE, NEWOBJ, BUILD), with persistent ids, extension codes or
//! out-of-band buffers are decoded through the [`crate::Graph`] instead,
//! with the same results. [`from_reader`] reads one pickle (up to its
//! STOP) and decodes it the same way. [`from_graph`] deserializes a graph
//! you already have (e.g. one loaded with hooks).
//!
//! Limits: nesting depth ([`DeOptions::max_depth`], default 256, a clear
//! error instead of a stack overflow), shared-value expansion
//! ([`DeOptions::max_expansion`]) and the unpickler's [`Limits`].
//! A structure containing itself cannot become a Rust value and is
//! reported as an error.

mod de;
mod graph;
mod macros;
mod scan;
mod ser;
mod tags;
mod value;

use std::io;

use ::serde::de::DeserializeOwned;
use ::serde::{Deserialize, Serialize};

pub use self::ser::{Compound, Serializer};
pub use self::value::{
    as_frozenset, as_set, bigint, BigInt, Instance, InstanceKind, Value, ValueIndex,
};

use crate::error::{Error, ErrorKind, Result};
use crate::read::{IoRead, Read, Reference};
use crate::unpickler::{Limits, Unpickler};
use crate::value::Graph;

/// Newtype name by which [`Value`] asks brinery for Python-typed data.
pub(crate) const MAGIC_VALUE: &str = "\0brinery::Value";
/// Newtype name of [`BigInt`].
pub(crate) const MAGIC_BIGINT: &str = "\0brinery::BigInt";
/// Newtype names that write Python-specific types.
pub(crate) const MAGIC_SET: &str = "\0brinery::set";
pub(crate) const MAGIC_FROZENSET: &str = "\0brinery::frozenset";
pub(crate) const MAGIC_BYTEARRAY: &str = "\0brinery::bytearray";
pub(crate) const MAGIC_GLOBAL: &str = "\0brinery::global";
pub(crate) const MAGIC_OBJECT: &str = "\0brinery::object";
pub(crate) const MAGIC_WTF8: &str = "\0brinery::wtf8";

/// Options for reading, as `pickle.loads`' keyword arguments plus limits.
///
/// ```
/// let py2 = b"(dp0\nS'k'\np1\nS'caf\\xe9'\np2\ns.";
/// let m: std::collections::HashMap<String, String> =
///     brinery::serde::DeOptions::new().encoding("latin1").from_slice(py2).unwrap();
/// assert_eq!(m["k"], "café");
/// ```
#[derive(Clone, Debug)]
pub struct DeOptions {
    pub(crate) encoding: String,
    pub(crate) errors: String,
    pub(crate) fix_imports: bool,
    pub(crate) limits: Limits,
    pub(crate) max_depth: usize,
    pub(crate) max_expansion: Option<u64>,
}

crate::printer::setters!(DeOptions {
    /// How to decode Python 2 `str`: a codec name, or `"bytes"` to read
    /// them as bytes.
    encoding: &str => String::from,
    /// The codec error handler (`"strict"`, `"replace"`, ...).
    errors: &str => String::from,
    /// Map Python 2 module names to Python 3 ones (protocols < 3).
    fix_imports: bool,
    /// The unpickler's resource limits.
    limits: Limits,
    /// Deepest nesting of containers accepted (default 256).
    max_depth: usize,
});

impl Default for DeOptions {
    fn default() -> Self {
        DeOptions::new()
    }
}

impl DeOptions {
    /// The defaults of `pickle.loads`: encoding `"ASCII"`, errors
    /// `"strict"`, `fix_imports` on; depth 256.
    pub fn new() -> Self {
        DeOptions {
            encoding: "ASCII".into(),
            errors: "strict".into(),
            fix_imports: true,
            limits: Limits::default(),
            max_depth: 256,
            max_expansion: None,
        }
    }

    /// Most values produced in all, counting a shared (memoized) value
    /// each time it is used. Default: 16 per input byte plus 2²⁰, which
    /// no pickle reaches without heavy sharing but stops "billion laughs"
    /// inputs.
    pub fn max_expansion(mut self, n: u64) -> Self {
        self.max_expansion = Some(n);
        self
    }

    /// One level deeper into containers (`depth` counts them): an error
    /// past [`DeOptions::max_depth`].
    pub(crate) fn enter(&self, depth: &mut usize) -> Result<()> {
        *depth += 1;
        if *depth > self.max_depth {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "nesting deeper than {} (raise DeOptions::max_depth)",
                    self.max_depth
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn expansion_limit(&self, input_len: usize) -> u64 {
        self.max_expansion
            .unwrap_or_else(|| (input_len as u64).saturating_mul(16) + (1 << 20))
    }

    fn unpickler<'a>(&self) -> Unpickler<'a, 'static> {
        Unpickler::new()
            .encoding(&self.encoding)
            .errors(&self.errors)
            .fix_imports(self.fix_imports)
            .limits(self.limits.clone())
    }

    /// Deserialize a `T` from one pickle in `data` (bytes after its STOP
    /// are ignored, as by `pickle.loads`).
    pub fn from_slice<'de, T: Deserialize<'de>>(&self, data: &'de [u8]) -> Result<T> {
        let max_memo = self.limits.max_memo_index;
        match scan::scan(data, &self.limits, max_memo) {
            Some(idx) => {
                let mut d = de::Stream::new(data, idx, self);
                let v = T::deserialize(&mut d).map_err(|e| e.at(d.position() as u64, None))?;
                d.end()?;
                Ok(v)
            }
            None => {
                let g = self.unpickler().load_slice(data)?;
                graph::GraphDe::new(&g, data, self).root()
            }
        }
    }

    /// Deserialize a `T` from one pickle read from `reader`. Reads up to
    /// the pickle's STOP (plus read-ahead buffering).
    pub fn from_reader<R: io::Read, T: DeserializeOwned>(&self, reader: R) -> Result<T> {
        let bytes = read_one_pickle(reader)?;
        self.from_slice(&bytes)
    }

    /// Deserialize a `T` from a graph's root.
    pub fn from_graph<T: DeserializeOwned>(&self, graph: &Graph<'_>) -> Result<T> {
        graph::GraphDe::new(graph, &[], self).root()
    }
}

/// Options for writing: the protocol and `fix_imports`, as
/// `pickle.dumps`.
///
/// ```
/// let bytes = brinery::serde::SerOptions::new().protocol(2).to_vec(&(1, "a")).unwrap();
/// assert_eq!(bytes, b"\x80\x02K\x01X\x01\x00\x00\x00aq\x00\x86q\x01.");
/// ```
#[derive(Clone, Debug)]
pub struct SerOptions {
    pub(crate) protocol: u8,
    pub(crate) fix_imports: bool,
    pub(crate) dedup_strings: bool,
}

impl Default for SerOptions {
    fn default() -> Self {
        SerOptions::new()
    }
}

crate::printer::setters!(SerOptions {
    /// Map Python 3 module names to Python 2 ones below protocol 3
    /// (default on).
    fix_imports: bool,
    /// Write each distinct string once and refer back to it with a memo
    /// GET afterwards (default off: every string is a new object, as
    /// CPython writes distinct string objects).
    dedup_strings: bool,
});

impl SerOptions {
    /// Protocol [`crate::DEFAULT_PROTOCOL`], `fix_imports` on.
    pub fn new() -> Self {
        SerOptions {
            protocol: crate::opcodes::DEFAULT_PROTOCOL,
            fix_imports: true,
            dedup_strings: false,
        }
    }

    /// The protocol, 0–5 (higher values mean 5).
    pub fn protocol(mut self, protocol: u8) -> Self {
        self.protocol = protocol.min(crate::opcodes::HIGHEST_PROTOCOL);
        self
    }

    /// Pickle `value` into a new vector.
    pub fn to_vec<T: Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(128);
        self.to_writer(&mut out, value)?;
        Ok(out)
    }

    /// Pickle `value` to a writer.
    pub fn to_writer<W: io::Write, T: Serialize + ?Sized>(
        &self,
        writer: W,
        value: &T,
    ) -> Result<()> {
        let mut s = Serializer::with_options(writer, self);
        value.serialize(&mut s)?;
        s.finish()
    }
}

/// Pickle `value` at the default protocol.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    SerOptions::new().to_vec(value)
}

/// Pickle `value` at the default protocol to a writer.
pub fn to_writer<W: io::Write, T: Serialize + ?Sized>(writer: W, value: &T) -> Result<()> {
    SerOptions::new().to_writer(writer, value)
}

/// Deserialize a `T` from a pickle with the defaults of `pickle.loads`.
pub fn from_slice<'de, T: Deserialize<'de>>(data: &'de [u8]) -> Result<T> {
    DeOptions::new().from_slice(data)
}

/// Deserialize a `T` from one pickle read from `reader`.
pub fn from_reader<R: io::Read, T: DeserializeOwned>(reader: R) -> Result<T> {
    DeOptions::new().from_reader(reader)
}

/// Deserialize a `T` from a graph's root.
pub fn from_graph<T: DeserializeOwned>(graph: &Graph<'_>) -> Result<T> {
    DeOptions::new().from_graph(graph)
}

/// Convert any `Serialize` value to a [`Value`] (what Python would load
/// from its pickle).
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value> {
    let bytes = SerOptions::new().protocol(5).to_vec(value)?;
    from_slice(&bytes)
}

/// Deserialize a `T` from a [`Value`].
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T> {
    let bytes = SerOptions::new().protocol(5).to_vec(value)?;
    from_slice(&bytes)
}

/// Copy one pickle (up to and including STOP) out of a reader.
fn read_one_pickle<R: io::Read>(reader: R) -> Result<Vec<u8>> {
    use crate::opcodes::{ArgLayout, Opcode};
    let mut r = IoRead::new(reader);
    let mut out = Vec::new();
    let mut scratch = Vec::new();
    loop {
        let pos = r.offset();
        let b = match r.next_byte()? {
            Some(b) => b,
            None if out.is_empty() => return Err(Error::eof("Ran out of input").at(pos, None)),
            None => return Err(Error::eof("pickle data was truncated").at(pos, None)),
        };
        out.push(b);
        let Some(op) = Opcode::from_byte(b) else {
            // Let the decoder report it, with CPython's message.
            return Ok(out);
        };
        match op.arg().layout() {
            ArgLayout::None => {}
            ArgLayout::Fixed(n) => {
                let d = r.read_exact(n as u64, &mut scratch)?;
                out.extend_from_slice(&d);
            }
            ArgLayout::Counted { width, signed } => {
                let d = r.read_exact(width as u64, &mut scratch)?;
                out.extend_from_slice(&d);
                let n = match width {
                    1 => d[0] as u64,
                    4 if signed => {
                        let v = i32::from_le_bytes([d[0], d[1], d[2], d[3]]);
                        if v < 0 {
                            return Ok(out);
                        }
                        v as u64
                    }
                    4 => u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as u64,
                    _ => u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]),
                };
                let d = r.read_exact(n, &mut scratch)?;
                copy_ref(&mut out, d);
            }
            ArgLayout::Line => {
                let d = r.read_line(&mut scratch)?;
                copy_ref(&mut out, d);
            }
            ArgLayout::TwoLines => {
                let d = r.read_line(&mut scratch)?;
                copy_ref(&mut out, d);
                let d = r.read_line(&mut scratch)?;
                copy_ref(&mut out, d);
            }
        }
        if op == Opcode::Stop {
            return Ok(out);
        }
        if out.len() > isize::MAX as usize / 2 {
            return Err(Error::new(ErrorKind::LimitExceeded, "pickle too large"));
        }
    }
}

fn copy_ref(out: &mut Vec<u8>, r: Reference<'_, '_, [u8]>) {
    out.extend_from_slice(&r);
}

impl ::serde::de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::new(ErrorKind::Custom, msg.to_string())
    }
}

impl ::serde::ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::new(ErrorKind::Custom, msg.to_string())
    }
}
