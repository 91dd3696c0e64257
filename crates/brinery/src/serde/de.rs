//! The streaming deserializer: runs the opcodes of a slice with the target
//! type guiding it, using the structure index of [`super::scan`] to know
//! how many items each container has. Scalars are decoded straight into
//! the visitor (strings and bytes borrowed from the input); a memo GET of a
//! scalar re-reads the scalar's opcode; a GET of a container replays the
//! container's byte range.

use std::borrow::Cow;

use ::serde::de::{
    self, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};
use num_bigint::BigInt;

use super::scan::{target_rec, Index, Rec, DICT, FROZENSET, LIST, SET, TUPLE};
use super::tags::{self, python_deserializer};
use super::DeOptions;
use crate::error::{Error, ErrorKind, Result};
use crate::opcodes::Opcode as O;
use crate::text;
use crate::value::{first_invalid, validate};

const STR_CACHE: usize = 64;
const SKIP_MARK: u8 = 255;
const SKIP_LINE: u8 = 254;

/// For each byte between values: 0 if a value starts there, else how many
/// bytes the structural opcode takes (or a special marker).
static SKIP: [u8; 256] = {
    let mut t = [0u8; 256];
    let ones = [
        O::Append,
        O::Appends,
        O::SetItem,
        O::SetItems,
        O::AddItems,
        O::Tuple,
        O::Tuple1,
        O::Tuple2,
        O::Tuple3,
        O::List,
        O::Dict,
        O::FrozenSet,
        O::Memoize,
    ];
    let mut i = 0;
    while i < ones.len() {
        t[ones[i].code() as usize] = 1;
        i += 1;
    }
    t[O::BinPut.code() as usize] = 2;
    t[O::LongBinPut.code() as usize] = 5;
    t[O::Frame.code() as usize] = 9;
    t[O::Proto.code() as usize] = 2;
    t[O::Mark.code() as usize] = SKIP_MARK;
    t[O::Put.code() as usize] = SKIP_LINE;
    t
};

/// A decoded scalar.
pub(super) enum Scalar<'de> {
    None,
    Bool(bool),
    Int(i64),
    Big(Box<BigInt>),
    Float(f64),
    Str(&'de str),
    StrOwned(String),
    /// A str holding lone surrogates, as generalized UTF-8.
    Wtf(Cow<'de, [u8]>),
    Bytes(Cow<'de, [u8]>),
    ByteArray(Cow<'de, [u8]>),
    EmptyTuple,
    Global(Box<(String, String)>),
}

enum Item<'de> {
    Scalar(Scalar<'de>),
    /// A record, with where to return to if it is replayed for a GET.
    Rec(usize, Option<(usize, usize)>),
}

pub(super) struct Stream<'de, 'o> {
    data: &'de [u8],
    pos: usize,
    recs: Vec<Rec>,
    memo: Vec<u64>,
    stop: usize,
    proto: u8,
    cur: usize,
    depth: usize,
    values: u64,
    limit: u64,
    /// Recently read memoized strs: (memo target, text).
    str_cache: [(u64, &'de str); STR_CACHE],
    /// Start of the value being decoded (for error positions).
    at: usize,
    opts: &'o DeOptions,
}

fn err(kind: ErrorKind, msg: impl Into<String>) -> Error {
    Error::new(kind, msg)
}

fn internal(pos: usize) -> Error {
    err(
        ErrorKind::InvalidValue,
        "internal error: unexpected opcode in the streaming deserializer",
    )
    .at(pos as u64, None)
}

pub(super) fn surrogate_err() -> Error {
    err(
        ErrorKind::InvalidText,
        "str holds a lone surrogate, which a Rust string cannot hold (deserialize into brinery::Value or brinery::PyStr-aware types)",
    )
}

pub(super) fn big_err(b: &BigInt) -> Error {
    err(
        ErrorKind::InvalidValue,
        format!("int {b} does not fit in 128 bits (use brinery::serde::BigInt)"),
    )
}

/// The signed little-endian bytes of an int (as LONG1 stores it).
pub(super) fn int_le(b: &BigInt) -> Vec<u8> {
    b.to_signed_bytes_le()
}

impl<'de, 'o> Stream<'de, 'o> {
    pub(super) fn new(data: &'de [u8], idx: Index, opts: &'o DeOptions) -> Self {
        Stream {
            data,
            pos: 0,
            recs: idx.recs,
            memo: idx.memo,
            stop: idx.stop,
            proto: idx.proto,
            cur: 0,
            depth: 0,
            values: 0,
            limit: opts.expansion_limit(data.len()),
            str_cache: [(u64::MAX, ""); STR_CACHE],
            at: 0,
            opts,
        }
    }

    /// After the root value: only memo opcodes may remain before STOP.
    pub(super) fn end(&mut self) -> Result<()> {
        self.skip_plain();
        if self.pos != self.stop {
            return Err(internal(self.pos));
        }
        Ok(())
    }

    pub(super) fn position(&self) -> usize {
        self.at
    }

    #[inline]
    fn byte(&self, p: usize) -> Result<u8> {
        self.data
            .get(p)
            .copied()
            .ok_or_else(|| Error::eof("pickle data was truncated").at(p as u64, None))
    }

    #[inline]
    fn fixed<const N: usize>(&self, p: usize) -> Result<[u8; N]> {
        let s = self
            .data
            .get(p..p + N)
            .ok_or_else(|| Error::eof("pickle data was truncated").at(p as u64, None))?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    /// The text argument line at `a` of INT or LONG (opcode `op` at `p`),
    /// which must hold more than its newline.
    fn arg_line_at(&self, a: usize, p: usize, op: O) -> Result<(&'de [u8], usize)> {
        let (line, e) = self.line_at(a)?;
        if line.len() < 2 {
            return Err(Error::eof("pickle data was truncated").at(p as u64, Some(op)));
        }
        Ok((line, e))
    }

    fn line_at(&self, p: usize) -> Result<(&'de [u8], usize)> {
        let rest = &self.data[p.min(self.data.len())..];
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => Ok((&rest[..=i], p + i + 1)),
            None => Err(Error::eof("pickle data was truncated").at(p as u64, None)),
        }
    }

    /// Skip the opcodes that carry no value: memo PUTs, FRAME, PROTO, and
    /// (inside a container) batch MARKs and the opcodes that add items or
    /// close it. Stops at a value's first opcode or at `limit`.
    #[inline(never)]
    fn skip_structural(&mut self, limit: usize) {
        loop {
            let p = self.pos;
            if p >= limit {
                return;
            }
            let Some(&b) = self.data.get(p) else { return };
            let n = match SKIP[b as usize] {
                0 => return,
                SKIP_MARK => {
                    if self.cur < self.recs.len() && self.recs[self.cur].start as usize == p {
                        return;
                    }
                    1
                }
                SKIP_LINE => match self.line_at(p + 1) {
                    Ok((_, end)) => end - p,
                    Err(_) => return,
                },
                n => n as usize,
            };
            self.pos += n;
        }
    }

    #[inline(always)]
    fn skip_plain(&mut self) {
        if let Some(&b) = self.data.get(self.pos) {
            if SKIP[b as usize] != 0 {
                self.skip_structural(usize::MAX)
            }
        }
    }

    #[inline]
    fn skip_in_container(&mut self) {
        self.skip_structural(usize::MAX)
    }

    #[inline]
    fn count_value(&mut self) -> Result<()> {
        self.values += 1;
        if self.values > self.limit {
            return Err(err(
                ErrorKind::LimitExceeded,
                "shared values expand to more values than DeOptions::max_expansion allows",
            )
            .at(self.pos as u64, None));
        }
        Ok(())
    }

    /// Classify the value starting here and consume it if it is a scalar.
    fn next_item(&mut self) -> Result<Item<'de>> {
        self.skip_plain();
        let p = self.pos;
        self.at = p;
        self.count_value()?;
        if self.cur < self.recs.len() && self.recs[self.cur].start as usize == p {
            return Ok(Item::Rec(self.cur, None));
        }
        const BINGET: u8 = O::BinGet.code();
        const LONG_BINGET: u8 = O::LongBinGet.code();
        const GET: u8 = O::Get.code();
        let b = self.byte(p)?;
        let (idx, end) = match b {
            BINGET => (self.byte(p + 1)? as usize, p + 2),
            LONG_BINGET => (u32::from_le_bytes(self.fixed::<4>(p + 1)?) as usize, p + 5),
            GET => {
                let (line, end) = self.line_at(p + 1)?;
                let s = std::str::from_utf8(&line[..line.len() - 1]).map_err(|_| internal(p))?;
                (
                    s.trim_end_matches('\r').parse().map_err(|_| internal(p))?,
                    end,
                )
            }
            _ => {
                let (s, end) = self.scalar_at(p)?;
                self.pos = end;
                return Ok(Item::Scalar(s));
            }
        };
        let t = *self.memo.get(idx).ok_or_else(|| internal(p))?;
        match target_rec(t) {
            Some(r) => Ok(Item::Rec(r, Some((end, self.cur)))),
            None => {
                self.pos = end;
                // Memoized strs (dict keys) are read again and again.
                let slot = &self.str_cache[idx & (STR_CACHE - 1)];
                if slot.0 == t {
                    return Ok(Item::Scalar(Scalar::Str(slot.1)));
                }
                let (s, _) = self.scalar_at(t as usize)?;
                if let Scalar::Str(text) = s {
                    self.str_cache[idx & (STR_CACHE - 1)] = (t, text);
                }
                Ok(Item::Scalar(s))
            }
        }
    }

    /// True if the next value is None (without consuming it).
    fn peek_none(&mut self) -> Result<bool> {
        self.skip_plain();
        let p = self.pos;
        if self.cur < self.recs.len() && self.recs[self.cur].start as usize == p {
            return Ok(false);
        }
        let b = self.byte(p)?;
        let q = match O::from_byte(b) {
            Some(O::BinGet) => self.byte(p + 1)? as usize,
            Some(O::LongBinGet) => u32::from_le_bytes(self.fixed::<4>(p + 1)?) as usize,
            _ => return Ok(b == O::None.code()),
        };
        Ok(match self.memo.get(q) {
            Some(&t) if target_rec(t).is_none() => {
                self.data.get(t as usize) == Some(&O::None.code())
            }
            _ => false,
        })
    }

    /// The str at the start of the next value, if it is a plain str scalar.
    fn peek_str(&mut self) -> Option<Cow<'de, str>> {
        self.skip_in_container();
        let p = self.pos;
        if self.cur < self.recs.len() && self.recs[self.cur].start as usize == p {
            return None;
        }
        let q = match O::from_byte(*self.data.get(p)?)? {
            O::BinGet => self.memo.get(*self.data.get(p + 1)? as usize).copied()?,
            O::LongBinGet => {
                let i = u32::from_le_bytes(self.fixed::<4>(p + 1).ok()?) as usize;
                self.memo.get(i).copied()?
            }
            _ => p as u64,
        };
        if target_rec(q).is_some() {
            return None;
        }
        match self.scalar_at(q as usize).ok()?.0 {
            Scalar::Str(s) => Some(Cow::Borrowed(s)),
            Scalar::StrOwned(s) => Some(Cow::Owned(s)),
            _ => None,
        }
    }

    /// Skip one value.
    fn skip_value(&mut self) -> Result<()> {
        match self.next_item()? {
            Item::Scalar(_) => Ok(()),
            Item::Rec(i, Some((pos, cur))) => {
                self.pos = pos;
                self.cur = cur;
                let _ = i;
                Ok(())
            }
            Item::Rec(i, None) => {
                let r = self.recs[i];
                self.pos = r.end as usize;
                self.cur = r.next as usize;
                Ok(())
            }
        }
    }

    #[inline]
    fn make_str(&self, data: &'de [u8], p: usize) -> Result<Scalar<'de>> {
        if let Ok(s) = std::str::from_utf8(data) {
            return Ok(Scalar::Str(s));
        }
        match validate(data) {
            Some(_) => Ok(Scalar::Wtf(Cow::Borrowed(data))),
            None => {
                let (i, _) = first_invalid(data).unwrap_or((0, 1));
                Err(err(
                    ErrorKind::InvalidText,
                    format!(
                        "'utf-8' codec can't decode byte 0x{:02x} in position {i}: invalid start byte",
                        data.get(i).copied().unwrap_or(0)
                    ),
                )
                .at(p as u64, O::from_byte(self.data[p])))
            }
        }
    }

    fn owned_text(v: Vec<u8>) -> Scalar<'de> {
        match String::from_utf8(v) {
            Ok(s) => Scalar::StrOwned(s),
            Err(e) => Scalar::Wtf(Cow::Owned(e.into_bytes())),
        }
    }

    fn py2_str(&self, data: &'de [u8], p: usize) -> Result<Scalar<'de>> {
        let enc = self.opts.encoding.as_str();
        if enc == "bytes" {
            return Ok(Scalar::Bytes(Cow::Borrowed(data)));
        }
        if data.is_ascii() {
            let e = enc.to_ascii_lowercase().replace(['-', '_'], "");
            if matches!(
                e.as_str(),
                "ascii" | "latin1" | "utf8" | "iso88591" | "usascii" | "l1" | "cp1252"
            ) {
                return Ok(Scalar::Str(
                    std::str::from_utf8(data).map_err(|_| internal(p))?,
                ));
            }
        }
        let v = crate::codecs::decode(data, enc, &self.opts.errors)
            .map_err(|e| err(ErrorKind::InvalidText, e.to_string()).at(p as u64, None))?;
        Ok(Self::owned_text(v))
    }

    /// The payload bounds of LONG1/LONG4 or SHORT_BINSTRING/BINSTRING
    /// (opcode `op` at `p`, argument at `a`): a one-byte or a signed
    /// four-byte length, which must not be negative.
    fn counted_signed(&self, a: usize, p: usize, op: O, what: &str) -> Result<(usize, usize)> {
        if op.len_width() == 4 && i32::from_le_bytes(self.fixed::<4>(a)?) < 0 {
            return Err(err(
                ErrorKind::InvalidValue,
                format!("{what} pickle has negative byte count"),
            )
            .at(p as u64, Some(op)));
        }
        self.counted(a, op.len_width() as usize)
    }

    fn counted(&self, p: usize, width: usize) -> Result<(usize, usize)> {
        let n = match width {
            1 => self.byte(p)? as u64,
            4 => u32::from_le_bytes(self.fixed::<4>(p)?) as u64,
            _ => u64::from_le_bytes(self.fixed::<8>(p)?),
        };
        let start = p + width;
        if n > (self.data.len().saturating_sub(start)) as u64 {
            return Err(Error::eof("pickle data was truncated").at(p as u64, None));
        }
        Ok((start, start + n as usize))
    }

    /// Decode the scalar opcode at `p`; returns it and the end position.
    #[inline]
    pub(super) fn scalar_at(&self, p: usize) -> Result<(Scalar<'de>, usize)> {
        const SHORT_BINUNICODE: u8 = O::ShortBinUnicode.code();
        const BININT1: u8 = O::BinInt1.code();
        const BINFLOAT: u8 = O::BinFloat.code();
        let b = self.byte(p)?;
        // The frequent opcodes first.
        match b {
            SHORT_BINUNICODE => {
                let n = self.byte(p + 1)? as usize;
                if let Some(d) = self.data.get(p + 2..p + 2 + n) {
                    return Ok((self.make_str(d, p)?, p + 2 + n));
                }
            }
            BININT1 => return Ok((Scalar::Int(self.byte(p + 1)? as i64), p + 2)),
            BINFLOAT => {
                return Ok((
                    Scalar::Float(f64::from_be_bytes(self.fixed::<8>(p + 1)?)),
                    p + 9,
                ))
            }
            _ => {}
        }
        self.scalar_slow(p, b)
    }

    fn scalar_slow(&self, p: usize, b: u8) -> Result<(Scalar<'de>, usize)> {
        let op = O::from_byte(b).ok_or_else(|| internal(p))?;
        let a = p + 1;
        let bad = |m: String| err(ErrorKind::InvalidValue, m).at(p as u64, Some(op));
        Ok(match op {
            O::None => (Scalar::None, a),
            O::NewTrue => (Scalar::Bool(true), a),
            O::NewFalse => (Scalar::Bool(false), a),
            O::BinInt1 => (Scalar::Int(self.byte(a)? as i64), a + 1),
            O::BinInt2 => (
                Scalar::Int(u16::from_le_bytes(self.fixed::<2>(a)?) as i64),
                a + 2,
            ),
            O::BinInt => (
                Scalar::Int(i32::from_le_bytes(self.fixed::<4>(a)?) as i64),
                a + 4,
            ),
            O::BinFloat => (
                Scalar::Float(f64::from_be_bytes(self.fixed::<8>(a)?)),
                a + 8,
            ),
            O::Long1 | O::Long4 => {
                let (s, e) = self.counted_signed(a, p, op, "LONG")?;
                let d = &self.data[s..e];
                let v = if d.is_empty() {
                    Scalar::Int(0)
                } else if d.len() <= 8 {
                    let mut buf = [if d[d.len() - 1] & 0x80 != 0 { 0xff } else { 0 }; 8];
                    buf[..d.len()].copy_from_slice(d);
                    Scalar::Int(i64::from_le_bytes(buf))
                } else {
                    big_scalar(BigInt::from_signed_bytes_le(d))
                };
                (v, e)
            }
            O::ShortBinUnicode | O::BinUnicode | O::BinUnicode8 => {
                let (s, e) = self.counted(a, op.len_width() as usize)?;
                (self.make_str(&self.data[s..e], p)?, e)
            }
            O::ShortBinBytes | O::BinBytes | O::BinBytes8 => {
                let (s, e) = self.counted(a, op.len_width() as usize)?;
                (Scalar::Bytes(Cow::Borrowed(&self.data[s..e])), e)
            }
            O::ByteArray8 => {
                let (s, e) = self.counted(a, 8)?;
                (Scalar::ByteArray(Cow::Borrowed(&self.data[s..e])), e)
            }
            O::ShortBinString | O::BinString => {
                let (s, e) = self.counted_signed(a, p, op, "BINSTRING")?;
                (self.py2_str(&self.data[s..e], p)?, e)
            }
            O::EmptyTuple => (Scalar::EmptyTuple, a),
            O::Int => {
                let (line, e) = self.arg_line_at(a, p, op)?;
                let s = text::c_str(line);
                let (v, end) = text::strtol0(s);
                let at_end = end >= s.len() || s[end] == b'\n';
                let v = match v {
                    Some(x) if at_end && end > 0 => {
                        if line.len() == 3 && (x == 0 || x == 1) {
                            Scalar::Bool(x == 1)
                        } else {
                            Scalar::Int(x)
                        }
                    }
                    _ => match text::py_long_from_str(s, 0) {
                        Ok(v) => big_scalar(v),
                        Err(_) => return Err(bad("could not convert string to int".into())),
                    },
                };
                (v, e)
            }
            O::Long => {
                let (line, e) = self.arg_line_at(a, p, op)?;
                let mut l = line.to_vec();
                let n = l.len();
                if l[n - 2] == b'L' {
                    l[n - 2] = 0;
                }
                let v = text::py_long_from_str(text::c_str(&l), 0).map_err(bad)?;
                (big_scalar(v), e)
            }
            O::Float => {
                let (line, e) = self.line_at(a)?;
                let s = text::c_str(line);
                match text::parse_float_prefix(s) {
                    text::FloatParse::Ok(v, end) if end >= s.len() || s[end] == b'\n' => {
                        (Scalar::Float(v), e)
                    }
                    _ => {
                        return Err(bad(format!(
                            "could not convert string to float: '{}'",
                            String::from_utf8_lossy(s).trim_end()
                        )))
                    }
                }
            }
            O::String => {
                let (line, e) = self.line_at(a)?;
                let body = &line[..line.len() - 1];
                let n = body.len();
                if !(n >= 2 && body[0] == body[n - 1] && (body[0] == b'\'' || body[0] == b'"')) {
                    return Err(bad("the STRING opcode argument must be quoted".into()));
                }
                let bytes = text::decode_escape(&body[1..n - 1]).map_err(bad)?;
                let enc = self.opts.encoding.as_str();
                let v = if enc == "bytes" {
                    Scalar::Bytes(Cow::Owned(bytes))
                } else {
                    let v = crate::codecs::decode(&bytes, enc, &self.opts.errors).map_err(|e| {
                        err(ErrorKind::InvalidText, e.to_string()).at(p as u64, Some(op))
                    })?;
                    Self::owned_text(v)
                };
                (v, e)
            }
            O::Unicode => {
                let (line, e) = self.line_at(a)?;
                let body = &line[..line.len() - 1];
                let s = text::decode_raw_unicode_escape(body)
                    .map_err(|m| err(ErrorKind::InvalidText, m).at(p as u64, Some(op)))?;
                (Self::owned_text(s), e)
            }
            O::Global => {
                let (m, e1) = self.line_at(a)?;
                let (n, e2) = self.line_at(e1)?;
                let m = String::from_utf8_lossy(&m[..m.len() - 1]).into_owned();
                let n = String::from_utf8_lossy(&n[..n.len() - 1]).into_owned();
                let (m, n) = if self.proto < 3 && self.opts.fix_imports {
                    match crate::compat::py2_to_py3(&m, &n) {
                        Some((m2, n2)) => (m2.to_string(), n2.to_string()),
                        None => (m, n),
                    }
                } else {
                    (m, n)
                };
                (Scalar::Global(Box::new((m, n))), e2)
            }
            _ => return Err(internal(p)),
        })
    }

    // ----- containers -----

    /// Into record `i` (one level deeper): to its first item.
    fn enter(&mut self, i: usize) -> Result<Rec> {
        self.opts
            .enter(&mut self.depth)
            .map_err(|e| e.at(self.pos as u64, None))?;
        let r = self.recs[i];
        self.pos = r.start as usize + r.head as usize;
        self.cur = i + 1;
        Ok(r)
    }

    /// Out of record `r` after its items: check its end, one level up, and
    /// back to where a replayed record (a memo GET) was read from.
    fn leave(&mut self, r: &Rec, replay: Option<(usize, usize)>) -> Result<()> {
        self.finish(r)?;
        self.depth -= 1;
        if let Some((pos, cur)) = replay {
            self.pos = pos;
            self.cur = cur;
        }
        Ok(())
    }

    /// Visit a record: as a map for dicts, as a sequence otherwise
    /// (`as_seq` forces a sequence, for tagged payloads).
    fn visit_rec<V: Visitor<'de>>(
        &mut self,
        i: usize,
        replay: Option<(usize, usize)>,
        visitor: V,
    ) -> Result<V::Value> {
        let r = self.enter(i)?;
        let mut acc = RecAccess {
            de: self,
            remaining: r.count,
        };
        let value = if r.kind == DICT {
            visitor.visit_map(&mut acc)?
        } else {
            visitor.visit_seq(&mut acc)?
        };
        if acc.remaining > 0 {
            return Err(err(
                ErrorKind::Custom,
                format!(
                    "invalid length: the {} has {} more item(s) than the target accepts",
                    kind_name(r.kind),
                    if r.kind == DICT {
                        acc.remaining / 2
                    } else {
                        acc.remaining
                    }
                ),
            ));
        }
        self.leave(&r, replay)?;
        Ok(value)
    }

    fn finish(&mut self, r: &Rec) -> Result<()> {
        let end = r.end as usize;
        self.skip_structural(end);
        if self.pos != end {
            return Err(internal(self.pos));
        }
        self.cur = r.next as usize;
        Ok(())
    }

    fn visit_scalar<V: Visitor<'de>>(&mut self, s: Scalar<'de>, visitor: V) -> Result<V::Value> {
        match s {
            Scalar::None => visitor.visit_unit(),
            Scalar::Bool(b) => visitor.visit_bool(b),
            Scalar::Int(i) => visitor.visit_i64(i),
            Scalar::Big(b) => visit_big(&b, visitor),
            Scalar::Float(f) => visitor.visit_f64(f),
            Scalar::Str(s) => visitor.visit_borrowed_str(s),
            Scalar::StrOwned(s) => visitor.visit_string(s),
            Scalar::Wtf(_) => Err(surrogate_err()),
            Scalar::Bytes(Cow::Borrowed(b)) | Scalar::ByteArray(Cow::Borrowed(b)) => {
                visitor.visit_borrowed_bytes(b)
            }
            Scalar::Bytes(Cow::Owned(b)) | Scalar::ByteArray(Cow::Owned(b)) => {
                visitor.visit_byte_buf(b)
            }
            Scalar::EmptyTuple => visitor.visit_seq(EmptySeq),
            Scalar::Global(g) => visitor.visit_string(format!("{}.{}", g.0, g.1)),
        }
    }

    fn any<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.next_item()? {
            Item::Scalar(s) => self.visit_scalar(s, visitor),
            Item::Rec(i, replay) => self.visit_rec(i, replay, visitor),
        }
    }

    /// Value mode: like `any`, with Python-only types tagged for
    /// [`super::Value`]'s visitor.
    fn value_any<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.next_item()? {
            Item::Scalar(s) => match s {
                Scalar::Big(b) => visitor.visit_map(tags::Tagged::bytes(tags::INT, int_le(&b))),
                Scalar::Wtf(w) => visitor.visit_map(tags::Tagged::bytes(tags::STR, w.into_owned())),
                Scalar::ByteArray(b) => {
                    visitor.visit_map(tags::Tagged::bytes(tags::BYTEARRAY, b.into_owned()))
                }
                Scalar::EmptyTuple => {
                    visitor.visit_map(tags::Tagged::new(tags::TUPLE, tags::EmptyPayload))
                }
                Scalar::Global(g) => {
                    let (m, n) = *g;
                    visitor.visit_map(tags::Tagged::new(tags::GLOBAL, tags::Pair(m, n)))
                }
                s => self.visit_scalar(s, visitor),
            },
            Item::Rec(i, replay) => {
                let kind = self.recs[i].kind;
                let tag = match kind {
                    TUPLE => tags::TUPLE,
                    SET => tags::SET,
                    FROZENSET => tags::FROZENSET,
                    LIST => return self.visit_rec(i, replay, visitor),
                    _ => {
                        // A dict, tagged only if its first key looks like a tag.
                        let (pos, cur) = (self.pos, self.cur);
                        let r = self.recs[i];
                        self.pos = r.start as usize + r.head as usize;
                        self.cur = i + 1;
                        let clash = r.count > 0
                            && self.peek_str().is_some_and(|s| s.starts_with(tags::PREFIX));
                        self.pos = pos;
                        self.cur = cur;
                        if !clash {
                            return self.visit_rec(i, replay, visitor);
                        }
                        tags::DICT
                    }
                };
                visitor.visit_map(tags::Tagged::new(
                    tag,
                    RecPayload {
                        de: self,
                        i,
                        replay,
                    },
                ))
            }
        }
    }
}

fn kind_name(kind: u8) -> &'static str {
    match kind {
        LIST => "list",
        DICT => "dict",
        SET => "set",
        FROZENSET => "frozenset",
        _ => "tuple",
    }
}

fn big_scalar(b: BigInt) -> Scalar<'static> {
    match i64::try_from(&b) {
        Ok(v) => Scalar::Int(v),
        Err(_) => Scalar::Big(Box::new(b)),
    }
}

pub(super) fn visit_big<'de, V: Visitor<'de>>(b: &BigInt, visitor: V) -> Result<V::Value> {
    if let Ok(v) = u64::try_from(b) {
        return visitor.visit_u64(v);
    }
    if let Ok(v) = i128::try_from(b) {
        return visitor.visit_i128(v);
    }
    if let Ok(v) = u128::try_from(b) {
        return visitor.visit_u128(v);
    }
    Err(big_err(b))
}

struct EmptySeq;

impl<'de> SeqAccess<'de> for EmptySeq {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, _: T) -> Result<Option<T::Value>> {
        Ok(None)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(0)
    }
}

struct RecAccess<'a, 'de, 'o> {
    de: &'a mut Stream<'de, 'o>,
    remaining: u32,
}

impl<'de> RecAccess<'_, 'de, '_> {
    /// The next item (a sequence element or a map key), if any remain.
    #[inline]
    fn next_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.remaining == 0 {
            return Ok(None);
        }
        self.remaining -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }
}

impl<'de> SeqAccess<'de> for RecAccess<'_, 'de, '_> {
    type Error = Error;
    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        self.next_seed(seed)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.remaining as usize)
    }
}

impl<'de> MapAccess<'de> for RecAccess<'_, 'de, '_> {
    type Error = Error;
    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        self.next_seed(seed)
    }
    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        self.remaining = self.remaining.saturating_sub(1);
        seed.deserialize(&mut *self.de)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.remaining as usize / 2)
    }
}

/// A record's items as a sequence (or, for a dict, its pairs as
/// 2-tuples), for a tagged payload.
struct RecPayload<'a, 'de, 'o> {
    de: &'a mut Stream<'de, 'o>,
    i: usize,
    replay: Option<(usize, usize)>,
}

impl<'de> de::Deserializer<'de> for RecPayload<'_, 'de, '_> {
    type Error = Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.de.recs[self.i].kind == DICT {
            // Pairs: the visitor reads a map as a sequence of (k, v).
            return self
                .de
                .visit_rec(self.i, self.replay, tags::MapAsPairs(visitor));
        }
        self.de.visit_rec(self.i, self.replay, visitor)
    }
    ::serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Value mode for one value.
pub(super) struct ValueMode<'a, 'de, 'o>(&'a mut Stream<'de, 'o>);

impl<'de> de::Deserializer<'de> for ValueMode<'_, 'de, '_> {
    type Error = Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.value_any(visitor)
    }
    ::serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> de::Deserializer<'de> for &mut Stream<'de, '_> {
    type Error = Error;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.peek_none()? {
            self.next_item()?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.next_item()? {
            Item::Scalar(Scalar::None | Scalar::EmptyTuple) => visitor.visit_unit(),
            Item::Scalar(s) => self.visit_scalar(s, visitor),
            Item::Rec(i, replay) => self.visit_rec(i, replay, visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_value()?;
        visitor.visit_unit()
    }

    python_deserializer!(enum;);
}

impl<'de> Stream<'de, '_> {
    /// [`Value`](super::Value)'s newtype: the Python-typed data.
    fn newtype_value<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        visitor.visit_newtype_struct(ValueMode(self))
    }

    /// An enum: a str (unit variant), a dict with one key or a `(name,
    /// value)` tuple.
    fn enum_value<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.next_item()? {
            Item::Scalar(Scalar::Str(s)) => visitor.visit_enum(s.into_deserializer()),
            Item::Scalar(Scalar::StrOwned(s)) => visitor.visit_enum(s.into_deserializer()),
            Item::Rec(i, replay) => {
                let r = self.recs[i];
                let ok = r.count == 2 && (r.kind == DICT || r.kind == TUPLE);
                if !ok {
                    return Err(err(
                        ErrorKind::Custom,
                        format!(
                            "invalid type: {} of {} item(s), expected an enum (a str, a dict with one key or a (name, value) tuple)",
                            kind_name(r.kind),
                            if r.kind == DICT { r.count / 2 } else { r.count }
                        ),
                    ));
                }
                self.enter(i)?;
                let value = visitor.visit_enum(Enum { de: self })?;
                self.leave(&r, replay)?;
                Ok(value)
            }
            Item::Scalar(s) => self.visit_scalar(s, visitor),
        }
    }

    /// [`BigInt`](super::BigInt)'s newtype: an int of any size.
    fn newtype_bigint<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.next_item()? {
            Item::Scalar(Scalar::Int(i)) => visitor.visit_i64(i),
            Item::Scalar(Scalar::Big(b)) => visitor.visit_bytes(&int_le(&b)),
            Item::Scalar(Scalar::Bool(b)) => visitor.visit_i64(b as i64),
            Item::Scalar(s) => self.visit_scalar(s, visitor),
            Item::Rec(i, replay) => self.visit_rec(i, replay, visitor),
        }
    }
}

struct Enum<'a, 'de, 'o> {
    de: &'a mut Stream<'de, 'o>,
}

impl<'de, 'a, 'o> EnumAccess<'de> for Enum<'a, 'de, 'o> {
    type Error = Error;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        self.de.skip_in_container();
        let v = seed.deserialize(&mut *self.de)?;
        self.de.skip_in_container();
        Ok((v, self))
    }
}

impl<'de> VariantAccess<'de> for Enum<'_, 'de, '_> {
    type Error = Error;
    fn unit_variant(self) -> Result<()> {
        de::Deserialize::deserialize(&mut *self.de)
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(&mut *self.de)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_map(&mut *self.de, visitor)
    }
}
