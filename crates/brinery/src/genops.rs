//! A streaming pickle instruction reader, after `pickletools.genops`.
//!
//! [`Genops`] walks a pickle one opcode at a time, from any [`std::io::Read`],
//! and yields each opcode's table entry, its decoded argument and its byte
//! position. Arguments are interpreted exactly as `pickletools` interprets
//! them (so `INT 01` is `True`, `STRING` arguments have their quotes stripped
//! and escapes undone, `SHORT_BINSTRING` bytes are decoded as latin-1, ...),
//! and malformed input produces the same error messages.
//!
//! The reader streams: it holds one small buffer plus the argument being
//! decoded. A length field is never trusted for an allocation; counted
//! arguments are read in chunks as the bytes arrive.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Read};

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};

use crate::opcodes::{opcode_info, ArgKind, Opcode, OpcodeInfo};
use crate::text;
use crate::value::PyStr;

// ---------------------------------------------------------------------------
// Errors

/// The Python exception type a [`DisError`] corresponds to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DisErrorKind {
    /// `ValueError` (almost every complaint `pickletools` makes).
    ValueError,
    /// `UnicodeDecodeError` (a text argument that does not decode).
    UnicodeDecodeError,
    /// `IndexError` (`dis`'s stack emulation running out of items).
    IndexError,
    /// `TypeError` (`optimize` asked to emit a memo GET that has no PUT).
    TypeError,
    /// `KeyError` (an unknown field in a preamble template).
    KeyError,
    /// An I/O error from the reader or the writer.
    Io,
}

impl DisErrorKind {
    /// The Python exception name (`"OSError"` for [`DisErrorKind::Io`]).
    pub const fn python_name(self) -> &'static str {
        match self {
            DisErrorKind::ValueError => "ValueError",
            DisErrorKind::UnicodeDecodeError => "UnicodeDecodeError",
            DisErrorKind::IndexError => "IndexError",
            DisErrorKind::TypeError => "TypeError",
            DisErrorKind::KeyError => "KeyError",
            DisErrorKind::Io => "OSError",
        }
    }
}

/// An error from [`Genops`], `dis` or `optimize`.
///
/// Its `Display` is the last line of the traceback Python would print for
/// the same input, e.g. `ValueError: pickle exhausted before seeing STOP`.
#[derive(Debug)]
pub struct DisError {
    kind: DisErrorKind,
    message: String,
    io: Option<io::Error>,
}

impl DisError {
    pub(crate) fn new(kind: DisErrorKind, message: impl Into<String>) -> DisError {
        DisError {
            kind,
            message: message.into(),
            io: None,
        }
    }

    pub(crate) fn value(message: impl Into<String>) -> DisError {
        DisError::new(DisErrorKind::ValueError, message)
    }

    /// The Python exception type.
    pub fn kind(&self) -> DisErrorKind {
        self.kind
    }

    /// The exception message (what `str(exc)` gives in Python).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The underlying I/O error, for [`DisErrorKind::Io`].
    pub fn io_error(&self) -> Option<&io::Error> {
        self.io.as_ref()
    }
}

impl From<io::Error> for DisError {
    fn from(e: io::Error) -> DisError {
        DisError {
            kind: DisErrorKind::Io,
            message: e.to_string(),
            io: Some(e),
        }
    }
}

impl fmt::Display for DisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.python_name(), self.message)
    }
}

impl std::error::Error for DisError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.io
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A codec's `UnicodeDecodeError` (or other complaint) as a [`DisError`].
fn codec_error(e: crate::codecs::CodecError) -> DisError {
    let kind = match e {
        crate::codecs::CodecError::Decode { .. } => DisErrorKind::UnicodeDecodeError,
        _ => DisErrorKind::ValueError,
    };
    DisError::new(kind, e.to_string())
}

// ---------------------------------------------------------------------------
// Python text (the crate's one text layer: `text.rs`, `PyStr`)

/// A Python `str` argument: the crate's [`PyStr`], owned.
pub type PyText = PyStr<'static>;

/// Iterator over the code points of a [`PyText`].
pub type CodePointIter<'a> = crate::value::CodePoints<'a>;

/// `str(data, 'utf-8', 'surrogatepass')`.
fn utf8_surrogatepass(data: Vec<u8>) -> Result<PyText, DisError> {
    PyStr::try_from_wtf8_vec(data).map_err(|bytes| {
        match crate::codecs::decode(&bytes, "utf-8", "surrogatepass") {
            Err(e) => codec_error(e),
            Ok(_) => DisError::value("invalid UTF-8"),
        }
    })
}

/// Text from a `Vec` of generalized UTF-8 known to be valid (built by the
/// shared decoders).
fn wtf8_text(bytes: Vec<u8>) -> PyText {
    PyStr::from_wtf8_vec(bytes).unwrap_or_default()
}

/// Bytes decoded as latin-1 (every byte becomes the code point of its value).
fn latin1_text(data: &[u8]) -> PyText {
    PyStr::from_code_points(data.iter().map(|&b| u32::from(b))).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Python reprs

/// Python's `repr()` of a `bytes` object.
pub fn repr_bytes(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() + 3);
    text::push_bytes_repr(&mut out, data, false);
    out
}

/// Python's `repr()` of a `float`.
pub fn repr_float(x: f64) -> String {
    crate::text::float_repr(x)
}

/// CPython's default limit on the digits of an int converted to or from text.
pub(crate) const INT_MAX_STR_DIGITS: usize = 4300;

fn int_limit_error() -> DisError {
    DisError::value(format!(
        "Exceeds the limit ({INT_MAX_STR_DIGITS} digits) for integer string conversion; \
         use sys.set_int_max_str_digits() to increase the limit"
    ))
}

/// `repr()` of a big int, with CPython's limit on the number of digits.
fn repr_bigint(n: &BigInt) -> Result<String, DisError> {
    // CPython refuses without converting when the magnitude has 479 or more
    // 30-bit digits; below that it converts and counts.
    if n.bits() > 478 * 30 {
        return Err(int_limit_error());
    }
    let s = n.to_string();
    let digits = s.len() - usize::from(n.is_negative());
    if digits > INT_MAX_STR_DIGITS {
        return Err(int_limit_error());
    }
    Ok(s)
}

// ---------------------------------------------------------------------------
// Argument values

/// A decoded opcode argument, as `pickletools` decodes it.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgValue {
    /// The opcode takes no argument (Python's `None`).
    None,
    /// `INT 00` / `INT 01` (and `PUT`/`GET` spelled that way).
    Bool(bool),
    /// An integer that fits in an `i64`.
    Int(i64),
    /// An integer that does not fit in an `i64`.
    BigInt(BigInt),
    /// A float.
    Float(f64),
    /// A `str`. `GLOBAL` and `INST` give `"module name"` (one string, joined
    /// by a blank) just as `pickletools` does.
    Str(PyText),
    /// A `bytes` object.
    Bytes(Vec<u8>),
    /// A `bytearray` (`BYTEARRAY8`).
    ByteArray(Vec<u8>),
}

impl ArgValue {
    fn from_bigint(n: BigInt) -> ArgValue {
        match n.to_i64() {
            Some(v) => ArgValue::Int(v),
            None => ArgValue::BigInt(n),
        }
    }

    /// Whether this is [`ArgValue::None`].
    pub fn is_none(&self) -> bool {
        matches!(self, ArgValue::None)
    }

    /// The value as an `i64`, for ints and bools that fit.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            ArgValue::Bool(b) => Some(i64::from(*b)),
            ArgValue::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// The memo key this argument names (ints and bools; `True == 1`).
    pub(crate) fn memo_key(&self) -> Option<MemoKey> {
        match self {
            ArgValue::Bool(b) => Some(MemoKey::Small(i64::from(*b))),
            ArgValue::Int(v) => Some(MemoKey::Small(*v)),
            ArgValue::BigInt(n) => Some(MemoKey::Big(n.clone())),
            _ => None,
        }
    }

    /// Python's `repr()` of the value, refusing (like CPython) to convert an
    /// int of more than 4300 digits.
    pub fn try_repr(&self) -> Result<String, DisError> {
        match self {
            ArgValue::BigInt(n) => repr_bigint(n),
            _ => Ok(self.repr()),
        }
    }

    /// Python's `repr()` of the value (no limit on int digits).
    pub fn repr(&self) -> String {
        match self {
            ArgValue::None => "None".to_string(),
            ArgValue::Bool(true) => "True".to_string(),
            ArgValue::Bool(false) => "False".to_string(),
            ArgValue::Int(v) => v.to_string(),
            ArgValue::BigInt(n) => n.to_string(),
            ArgValue::Float(x) => repr_float(*x),
            ArgValue::Str(s) => s.repr(),
            ArgValue::Bytes(b) => repr_bytes(b),
            ArgValue::ByteArray(b) => {
                let mut out = String::with_capacity(b.len() + 14);
                out.push_str("bytearray(");
                text::push_bytes_repr(&mut out, b, true);
                out.push(')');
                out
            }
        }
    }
}

impl fmt::Display for ArgValue {
    /// Formats as Python's `repr()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr())
    }
}

/// A memo key: a Python int (bools count as 0 and 1), normalized so that
/// equal values compare equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum MemoKey {
    Small(i64),
    Big(BigInt),
}

impl MemoKey {
    pub(crate) fn from_usize(n: usize) -> MemoKey {
        match i64::try_from(n) {
            Ok(v) => MemoKey::Small(v),
            Err(_) => MemoKey::Big(BigInt::from(n)),
        }
    }
}

// ---------------------------------------------------------------------------
// Text-to-number conversions with Python's rules

fn py_isspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

fn trim_py_space(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !py_isspace(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !py_isspace(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// `int(s)` for a bytes object `s`, base 10.
fn parse_py_int(s: &[u8]) -> Result<ArgValue, DisError> {
    let invalid = || {
        let mut r = repr_bytes(&s[..s.len().min(200)]);
        if r.len() > 200 {
            r.truncate(200);
        }
        DisError::value(format!("invalid literal for int() with base 10: {r}"))
    };
    let mut t = s;
    while let [first, rest @ ..] = t {
        if !py_isspace(*first) {
            break;
        }
        t = rest;
    }
    let mut negative = false;
    match t.first() {
        Some(b'+') => t = &t[1..],
        Some(b'-') => {
            negative = true;
            t = &t[1..];
        }
        _ => {}
    }
    if t.first() == Some(&b'_') {
        return Err(invalid());
    }
    let mut digits = Vec::with_capacity(t.len().min(64));
    let mut prev = 0u8;
    let mut i = 0;
    while i < t.len() && (t[i].is_ascii_digit() || t[i] == b'_') {
        if t[i] == b'_' {
            if prev == b'_' {
                return Err(invalid());
            }
        } else {
            digits.push(t[i]);
        }
        prev = t[i];
        i += 1;
    }
    if digits.is_empty() || prev == b'_' {
        return Err(invalid());
    }
    if digits.len() > INT_MAX_STR_DIGITS {
        return Err(DisError::value(format!(
            "Exceeds the limit ({INT_MAX_STR_DIGITS} digits) for integer string conversion: \
             value has {} digits; use sys.set_int_max_str_digits() to increase the limit",
            digits.len()
        )));
    }
    if !t[i..].iter().all(|&b| py_isspace(b)) {
        return Err(invalid());
    }
    if digits.len() <= 18 {
        let mut v: i64 = 0;
        for d in &digits {
            v = v * 10 + i64::from(d - b'0');
        }
        return Ok(ArgValue::Int(if negative { -v } else { v }));
    }
    let mut n = BigInt::parse_bytes(&digits, 10).ok_or_else(invalid)?;
    if negative {
        n = -n;
    }
    Ok(ArgValue::from_bigint(n))
}

/// Whether `s` (no surrounding blanks, no underscores) is a float literal
/// Python's `float()` accepts: all of it is what the C parser reads (an
/// overflowing literal is one too: `float('1e999')` is `inf`).
fn is_py_float_literal(s: &[u8]) -> bool {
    match text::parse_float_prefix(s) {
        text::FloatParse::Ok(_, end) => end == s.len(),
        text::FloatParse::Overflow => true,
        text::FloatParse::NoConversion => false,
    }
}

/// `float(s)` for a bytes object `s`.
fn parse_py_float(s: &[u8]) -> Result<f64, DisError> {
    let invalid = || {
        DisError::value(format!(
            "could not convert string to float: {}",
            repr_bytes(s)
        ))
    };
    // Underscores are checked on the text up to the first NUL (C string
    // semantics), and are allowed only between two digits.
    let upto_nul = &s[..s.iter().position(|&b| b == 0).unwrap_or(s.len())];
    let cleaned: Cow<'_, [u8]> = if upto_nul.contains(&b'_') {
        let mut out = Vec::with_capacity(s.len());
        let mut prev = 0u8;
        for &b in upto_nul {
            if b == b'_' {
                if !prev.is_ascii_digit() {
                    return Err(invalid());
                }
            } else {
                if prev == b'_' && !b.is_ascii_digit() {
                    return Err(invalid());
                }
                out.push(b);
            }
            prev = b;
        }
        if prev == b'_' || upto_nul.len() != s.len() {
            return Err(invalid());
        }
        Cow::Owned(out)
    } else {
        Cow::Borrowed(s)
    };
    let t = trim_py_space(&cleaned);
    if t.is_empty() || !is_py_float_literal(t) {
        return Err(invalid());
    }
    // The literal is ASCII and in a grammar Rust's parser also accepts.
    std::str::from_utf8(t)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .ok_or_else(invalid)
}

/// `codecs.escape_decode(data)[0]`.
fn escape_decode(data: &[u8]) -> Result<Vec<u8>, DisError> {
    text::decode_escape(data).map_err(DisError::value)
}

/// `bytes.decode("ascii")`.
fn ascii_text(data: Vec<u8>) -> Result<PyText, DisError> {
    match PyStr::try_from_wtf8_vec(data) {
        Ok(t) if t.as_wtf8().is_ascii() => Ok(t),
        Ok(t) => Err(ascii_error(t.as_wtf8())),
        Err(b) => Err(ascii_error(&b)),
    }
}

fn ascii_error(data: &[u8]) -> DisError {
    match crate::codecs::decode(data, "ascii", "strict") {
        Err(e) => codec_error(e),
        Ok(_) => DisError::value("not ASCII"),
    }
}

/// `str(data, 'raw-unicode-escape')`.
fn raw_unicode_escape(data: &[u8]) -> Result<PyText, DisError> {
    text::decode_raw_unicode_escape(data)
        .map(wtf8_text)
        .map_err(|m| DisError::new(DisErrorKind::UnicodeDecodeError, m))
}

// ---------------------------------------------------------------------------
// The reader

/// Bytes that follow a BUILD in the stream without being opcodes, as a
/// [`RawBlockHook`] declares them (joblib writes each array's bytes right
/// after its `NumpyArrayWrapper`'s BUILD).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RawBlock {
    /// What the bytes are (`"array bytes"`), for `dis`.
    pub label: Cow<'static, str>,
    /// How many bytes.
    pub len: u64,
    /// Whether the block starts with one byte giving a number of padding
    /// bytes, which follow it (joblib's alignment padding).
    pub padded: bool,
    /// Whether the block is a whole nested pickle (up to its STOP) rather
    /// than `len` bytes (joblib's object arrays).
    pub pickle: bool,
}

impl RawBlock {
    /// `len` bytes described as `label`.
    pub fn new(label: impl Into<Cow<'static, str>>, len: u64) -> RawBlock {
        RawBlock {
            label: label.into(),
            len,
            padded: false,
            pickle: false,
        }
    }

    /// A nested pickle described as `label`.
    pub fn pickle(label: impl Into<Cow<'static, str>>) -> RawBlock {
        RawBlock {
            pickle: true,
            ..RawBlock::new(label, 0)
        }
    }

    /// The same block, preceded by a padding-length byte and that much
    /// padding.
    pub fn padded(mut self, on: bool) -> RawBlock {
        self.padded = on;
        self
    }
}

/// A hook `dis` and `optimize` consult after every instruction (in stream
/// order; a format's hook tracks what it needs, e.g. with a small stack of
/// its own): the raw block that follows the instruction, if any. The core
/// knows no format that does this; `brinery_numpy::joblib_raw_blocks` is
/// the one for joblib (array bytes after a `NumpyArrayWrapper`'s BUILD).
pub type RawBlockHook<'h> = dyn FnMut(&Instr) -> Option<RawBlock> + 'h;

/// Consume the raw block `b` (its padding first) from `ops`; the stream
/// position where the padding and where the data start.
pub(crate) fn skip_block<R: Read>(
    ops: &mut Genops<R>,
    b: &RawBlock,
) -> Result<(u64, u64), DisError> {
    let pad_at = Genops::position(ops);
    if b.padded {
        let pad = ops.raw_byte()?;
        ops.read_raw(u64::from(pad), &mut |_| {})?;
    }
    let at = Genops::position(ops);
    if b.pickle {
        ops.next_pickle();
        for instr in ops.by_ref() {
            if instr?.op.op == Opcode::Stop {
                break;
            }
        }
        ops.next_pickle();
    } else {
        ops.read_raw(b.len, &mut |_| {})?;
    }
    Ok((pad_at, at))
}

/// One decoded instruction.
#[derive(Clone, Debug)]
pub struct Instr {
    /// The opcode's table entry.
    pub op: &'static OpcodeInfo,
    /// The byte offset of the opcode in the stream.
    pub pos: u64,
    /// The decoded argument ([`ArgValue::None`] if the opcode takes none).
    pub arg: ArgValue,
}

const BUF_SIZE: usize = 8 * 1024;
/// The most a counted argument reserves before its bytes have arrived.
const RESERVE_LIMIT: u64 = 64 * 1024;

/// A streaming iterator over the instructions of one pickle, like
/// `pickletools.genops`: it stops after `STOP`, and after the first error.
pub struct Genops<R> {
    src: R,
    buf: Vec<u8>,
    head: usize,
    tail: usize,
    pos: u64,
    done: bool,
}

impl<'a> Genops<&'a [u8]> {
    /// Instructions of the pickle at the start of `data`.
    pub fn from_slice(data: &'a [u8]) -> Genops<&'a [u8]> {
        Genops::new(data)
    }
}

impl<R: Read> Genops<R> {
    /// Instructions read from `src`, with positions counted from 0.
    pub fn new(src: R) -> Genops<R> {
        Genops::with_position(src, 0)
    }

    /// Instructions read from `src`, with positions counted from `pos`
    /// (pickletools reports `tell()`, the offset in the whole file).
    pub fn with_position(src: R, pos: u64) -> Genops<R> {
        Genops {
            src,
            buf: Vec::new(),
            head: 0,
            tail: 0,
            pos,
            done: false,
        }
    }

    /// The position just after the last byte consumed (after the last
    /// instruction yielded, its argument included).
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Whether the iterator has finished (after `STOP` or an error).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Start on the next pickle of the stream: after `STOP` (or an error)
    /// the iterator ends, as `pickletools.genops` does; this lets it go on
    /// from the current position, like calling `genops` again on the same
    /// open file.
    pub fn next_pickle(&mut self) {
        self.done = false;
    }

    /// Whether the input is exhausted (reads ahead if the buffer is empty).
    pub fn at_eof(&mut self) -> io::Result<bool> {
        Ok(self.head == self.tail && !self.fill()?)
    }

    /// Bytes read from the source but not consumed.
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.head..self.tail]
    }

    /// The source and the bytes read from it but not consumed (they follow
    /// [`Genops::position`] in the stream).
    pub fn into_parts(mut self) -> (R, Vec<u8>) {
        self.buf.truncate(self.tail);
        self.buf.drain(..self.head);
        (self.src, self.buf)
    }

    /// Refill the (empty) buffer. `false` at end of input.
    /// Consume `n` bytes that are not opcodes (the raw block a
    /// [`RawBlockHook`] declared after a BUILD), handing them to `sink` in
    /// chunks. Fails if the stream ends first.
    pub fn read_raw(&mut self, n: u64, sink: &mut dyn FnMut(&[u8])) -> Result<(), DisError> {
        let mut left = n;
        while left > 0 {
            if self.head == self.tail && !self.fill()? {
                return Err(DisError::value(format!(
                    "expected {n} raw bytes after BUILD, but only {} remain",
                    n - left
                )));
            }
            let take = (self.tail - self.head).min(usize::try_from(left).unwrap_or(usize::MAX));
            sink(&self.buf[self.head..self.head + take]);
            self.head += take;
            self.pos += take as u64;
            left -= take as u64;
        }
        Ok(())
    }

    /// The next byte, consumed, or an error at the end of the stream.
    pub(crate) fn raw_byte(&mut self) -> Result<u8, DisError> {
        let mut b = None;
        self.read_raw(1, &mut |c| b = c.first().copied())?;
        Ok(b.unwrap_or(0))
    }

    fn fill(&mut self) -> io::Result<bool> {
        debug_assert_eq!(self.head, self.tail);
        if self.buf.len() < BUF_SIZE {
            self.buf.resize(BUF_SIZE, 0);
        }
        loop {
            match self.src.read(&mut self.buf) {
                Ok(n) => {
                    self.head = 0;
                    self.tail = n;
                    return Ok(n > 0);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn read_byte(&mut self) -> io::Result<Option<u8>> {
        if self.head == self.tail && !self.fill()? {
            return Ok(None);
        }
        let b = self.buf[self.head];
        self.head += 1;
        self.pos += 1;
        Ok(Some(b))
    }

    /// Append up to `n` bytes to `out`, fewer only at end of input.
    fn read_up_to(&mut self, n: u64, out: &mut Vec<u8>) -> io::Result<()> {
        out.reserve(n.min(RESERVE_LIMIT) as usize);
        let mut left = n;
        while left > 0 {
            if self.head == self.tail && !self.fill()? {
                break;
            }
            let avail = self.tail - self.head;
            let take = if (avail as u64) < left {
                avail
            } else {
                left as usize
            };
            out.extend_from_slice(&self.buf[self.head..self.head + take]);
            self.head += take;
            self.pos += take as u64;
            left -= take as u64;
        }
        Ok(())
    }

    /// Read exactly `N` bytes, or report how many there were.
    fn read_array<const N: usize>(&mut self) -> io::Result<Result<[u8; N], usize>> {
        let mut out = [0u8; N];
        let mut got = 0;
        while got < N {
            if self.head == self.tail && !self.fill()? {
                return Ok(Err(got));
            }
            let take = (N - got).min(self.tail - self.head);
            out[got..got + take].copy_from_slice(&self.buf[self.head..self.head + take]);
            self.head += take;
            self.pos += take as u64;
            got += take;
        }
        Ok(Ok(out))
    }

    /// `readline()`: bytes up to and including a newline, or to the end of
    /// input. Returns the line without its newline, and whether it had one.
    fn read_line(&mut self) -> io::Result<(Vec<u8>, bool)> {
        let mut out = Vec::new();
        loop {
            if self.head == self.tail && !self.fill()? {
                return Ok((out, false));
            }
            let chunk = &self.buf[self.head..self.tail];
            match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    out.extend_from_slice(&chunk[..i]);
                    self.head += i + 1;
                    self.pos += i as u64 + 1;
                    return Ok((out, true));
                }
                None => {
                    out.extend_from_slice(chunk);
                    self.pos += chunk.len() as u64;
                    self.head = self.tail;
                }
            }
        }
    }

    fn fixed<const N: usize>(&mut self, what: &str) -> Result<[u8; N], DisError> {
        self.read_array::<N>()?
            .map_err(|_| DisError::value(format!("not enough data in stream to read {what}")))
    }

    fn uint1(&mut self) -> Result<u8, DisError> {
        Ok(self.fixed::<1>("uint1")?[0])
    }

    fn int4(&mut self) -> Result<i32, DisError> {
        Ok(i32::from_le_bytes(self.fixed::<4>("int4")?))
    }

    fn uint4(&mut self) -> Result<u32, DisError> {
        Ok(u32::from_le_bytes(self.fixed::<4>("uint4")?))
    }

    fn uint8(&mut self) -> Result<u64, DisError> {
        Ok(u64::from_le_bytes(self.fixed::<8>("uint8")?))
    }

    /// Read a counted payload of `n` bytes; `what` names the descriptor.
    fn counted(&mut self, n: u64, what: &str) -> Result<Vec<u8>, DisError> {
        let mut data = Vec::new();
        self.read_up_to(n, &mut data)?;
        if data.len() as u64 != n {
            return Err(DisError::value(format!(
                "expected {n} bytes in a {what}, but only {} remain",
                data.len()
            )));
        }
        Ok(data)
    }

    fn check_maxsize(n: u64, what: &str) -> Result<(), DisError> {
        if n > i64::MAX as u64 {
            return Err(DisError::value(format!(
                "{what} byte count > sys.maxsize: {n}"
            )));
        }
        Ok(())
    }

    /// `read_stringnl(f, decode=False, stripquotes=False)`.
    fn line(&mut self, what: &str) -> Result<Vec<u8>, DisError> {
        let (line, newline) = self.read_line()?;
        if !newline {
            return Err(DisError::value(format!(
                "no newline found when trying to read {what}"
            )));
        }
        Ok(line)
    }

    /// `read_stringnl_noescape`: a line, escape-decoded, as ASCII.
    fn line_noescape(&mut self) -> Result<PyText, DisError> {
        let line = self.line("stringnl")?;
        ascii_text(escape_decode(&line)?)
    }

    fn read_arg(&mut self, kind: ArgKind) -> Result<ArgValue, DisError> {
        Ok(match kind {
            ArgKind::None => ArgValue::None,
            ArgKind::Uint1 => ArgValue::Int(i64::from(self.uint1()?)),
            ArgKind::Uint2 => {
                ArgValue::Int(i64::from(u16::from_le_bytes(self.fixed::<2>("uint2")?)))
            }
            ArgKind::Int4 => ArgValue::Int(i64::from(self.int4()?)),
            ArgKind::Uint4 => ArgValue::Int(i64::from(self.uint4()?)),
            ArgKind::Uint8 => {
                let v = self.uint8()?;
                match i64::try_from(v) {
                    Ok(v) => ArgValue::Int(v),
                    Err(_) => ArgValue::BigInt(BigInt::from(v)),
                }
            }
            ArgKind::Float8 => ArgValue::Float(f64::from_be_bytes(self.fixed::<8>("float8")?)),
            ArgKind::DecimalnlShort => {
                let s = self.line("stringnl")?;
                match s.as_slice() {
                    b"00" => ArgValue::Bool(false),
                    b"01" => ArgValue::Bool(true),
                    _ => parse_py_int(&s)?,
                }
            }
            ArgKind::DecimalnlLong => {
                let mut s = self.line("stringnl")?;
                if s.last() == Some(&b'L') {
                    s.pop();
                }
                parse_py_int(&s)?
            }
            ArgKind::Floatnl => ArgValue::Float(parse_py_float(&self.line("stringnl")?)?),
            ArgKind::Stringnl => {
                let line = self.line("stringnl")?;
                let mut inner: Option<&[u8]> = None;
                for q in [b'"', b'\''] {
                    if line.first() == Some(&q) {
                        if line.last() != Some(&q) {
                            return Err(DisError::value(format!(
                                "strinq quote {} not found at both ends of {}",
                                repr_bytes(&[q]),
                                repr_bytes(&line)
                            )));
                        }
                        inner = Some(if line.len() >= 2 {
                            &line[1..line.len() - 1]
                        } else {
                            &[]
                        });
                        break;
                    }
                }
                let inner = inner.ok_or_else(|| {
                    DisError::value(format!("no string quotes around {}", repr_bytes(&line)))
                })?;
                ArgValue::Str(ascii_text(escape_decode(inner)?)?)
            }
            ArgKind::StringnlNoescape => ArgValue::Str(self.line_noescape()?),
            ArgKind::StringnlNoescapePair => {
                let first = self.line_noescape()?;
                let second = self.line_noescape()?;
                let mut bytes = first.as_wtf8().to_vec();
                bytes.push(b' ');
                bytes.extend_from_slice(second.as_wtf8());
                ArgValue::Str(wtf8_text(bytes))
            }
            ArgKind::Unicodestringnl => {
                let line = self.line("unicodestringnl")?;
                ArgValue::Str(raw_unicode_escape(&line)?)
            }
            ArgKind::Long1 => {
                let n = self.uint1()?;
                let mut data = Vec::new();
                self.read_up_to(u64::from(n), &mut data)?;
                if data.len() != usize::from(n) {
                    return Err(DisError::value("not enough data in stream to read long1"));
                }
                ArgValue::from_bigint(BigInt::from_signed_bytes_le(&data))
            }
            ArgKind::Long4 => {
                let n = self.int4()?;
                if n < 0 {
                    return Err(DisError::value(format!("long4 byte count < 0: {n}")));
                }
                let mut data = Vec::new();
                self.read_up_to(n as u64, &mut data)?;
                if data.len() != n as usize {
                    return Err(DisError::value("not enough data in stream to read long4"));
                }
                ArgValue::from_bigint(BigInt::from_signed_bytes_le(&data))
            }
            ArgKind::String1 => {
                let n = self.uint1()?;
                ArgValue::Str(latin1_text(&self.counted(u64::from(n), "string1")?))
            }
            ArgKind::String4 => {
                let n = self.int4()?;
                if n < 0 {
                    return Err(DisError::value(format!("string4 byte count < 0: {n}")));
                }
                ArgValue::Str(latin1_text(&self.counted(n as u64, "string4")?))
            }
            ArgKind::Bytes1 => {
                let n = self.uint1()?;
                ArgValue::Bytes(self.counted(u64::from(n), "bytes1")?)
            }
            ArgKind::Bytes4 => {
                let n = self.uint4()?;
                ArgValue::Bytes(self.counted(u64::from(n), "bytes4")?)
            }
            ArgKind::Bytes8 => {
                let n = self.uint8()?;
                Self::check_maxsize(n, "bytes8")?;
                ArgValue::Bytes(self.counted(n, "bytes8")?)
            }
            ArgKind::Bytearray8 => {
                let n = self.uint8()?;
                Self::check_maxsize(n, "bytearray8")?;
                ArgValue::ByteArray(self.counted(n, "bytearray8")?)
            }
            ArgKind::Unicodestring1 => {
                let n = self.uint1()?;
                let data = self.counted(u64::from(n), "unicodestring1")?;
                ArgValue::Str(utf8_surrogatepass(data)?)
            }
            ArgKind::Unicodestring4 => {
                let n = self.uint4()?;
                let data = self.counted(u64::from(n), "unicodestring4")?;
                ArgValue::Str(utf8_surrogatepass(data)?)
            }
            ArgKind::Unicodestring8 => {
                let n = self.uint8()?;
                Self::check_maxsize(n, "unicodestring8")?;
                let data = self.counted(n, "unicodestring8")?;
                ArgValue::Str(utf8_surrogatepass(data)?)
            }
        })
    }

    fn next_instr(&mut self) -> Result<Instr, DisError> {
        let pos = self.pos;
        let code = match self.read_byte()? {
            Some(b) => b,
            None => return Err(DisError::value("pickle exhausted before seeing STOP")),
        };
        let op = opcode_info(code).ok_or_else(|| {
            DisError::value(format!(
                "at position {pos}, opcode {} unknown",
                repr_bytes(&[code])
            ))
        })?;
        let arg = self.read_arg(op.arg)?;
        Ok(Instr { op, pos, arg })
    }
}

impl<R: Read> Iterator for Genops<R> {
    type Item = Result<Instr, DisError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = self.next_instr();
        match &r {
            Ok(instr) if instr.op.op == Opcode::Stop => self.done = true,
            Ok(_) => {}
            Err(_) => self.done = true,
        }
        Some(r)
    }
}

/// `pickletools.genops` over a byte slice.
pub fn genops(data: &[u8]) -> Genops<&[u8]> {
    Genops::new(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-300, "1.5e-300"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-12.25, "-12.25"),
        ];
        for &(x, want) in cases {
            assert_eq!(repr_float(x), want, "{x:?}");
        }
    }

    #[test]
    fn ints() {
        assert_eq!(parse_py_int(b" -1_000 ").unwrap(), ArgValue::Int(-1000));
        assert!(parse_py_int(b"1__0").is_err());
        assert!(parse_py_int(b"_1").is_err());
        assert!(parse_py_int(b"1L").is_err());
        assert!(parse_py_int(b"").is_err());
        assert_eq!(
            parse_py_int(b"123456789012345678901234567890")
                .unwrap()
                .repr(),
            "123456789012345678901234567890"
        );
    }

    #[test]
    fn reprs() {
        assert_eq!(repr_bytes(b"a'b"), "b\"a'b\"");
        assert_eq!(repr_bytes(b"a'\"b\x00\xff"), "b'a\\'\"b\\x00\\xff'");
        let t = PyText::from_code_points([0x61, 0xD800, 0xE9, 0x85, 0x1F600, 0x10FFFF]).unwrap();
        assert_eq!(t.repr(), "'a\\ud800é\\x85😀\\U0010ffff'");
        assert_eq!(t.char_len(), 6);
    }
}
