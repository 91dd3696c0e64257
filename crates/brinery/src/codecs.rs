//! Decoding Python 2 `str` payloads (`STRING`, `BINSTRING`,
//! `SHORT_BINSTRING`) the way `pickle.loads(data, encoding=E, errors=H)`
//! does: CPython's unpickler calls `PyUnicode_Decode(bytes, E, H)`.
//!
//! Everything observable is reproduced: how an encoding name is looked up
//! (`_Py_normalize_encoding`, the `encodings.aliases` table, the codec
//! modules of the `encodings` package), the decoders' results and error
//! positions, the error handlers (`strict`, `ignore`, `replace`,
//! `surrogateescape`, `backslashreplace`, `surrogatepass`; the encode-only
//! ones and unknown names fail as in Python, and only when a decoding error
//! actually happens) and the exception messages, including CPython's
//! "decoding with 'X' codec failed (...)" wrapping on the codec-registry
//! path.
//!
//! Decoded text is "generalized UTF-8": UTF-8 in which a lone surrogate
//! U+D800..U+DFFF is an ordinary three-byte sequence, i.e. exactly Python's
//! `s.encode('utf-8', 'surrogatepass')`.
//!
//! Supported: ascii, latin-1 (and the `charmap` codec), utf-8, utf-8-sig,
//! utf-16/-le/-be, utf-32/-le/-be, and every 8-bit charmap codec of CPython
//! (cp037 ... cp1258, cp437, cp850, iso8859-2..16, koi8-r/-t/-u, mac-*,
//! kz1048, ptcp154, tis-620, hp-roman8, palmos, ...) from decoding tables
//! generated out of CPython by `scripts/gen_compat.py`; and the CJK codecs
//! cp932, shift_jis, euc_jp, cp949, euc_kr, gb18030, gbk and gb2312, on
//! encoding_rs's tables corrected to CPython's (see [`Cjk`]). The
//! `undefined` codec fails as in Python and the bytes-to-bytes codecs
//! (`hex`, `base64`, `rot13`, ...) are refused as "not a text encoding" as
//! in Python. Not supported ([`CodecError::Unsupported`], a `LookupError`
//! whose message says so): big5, big5hkscs, cp950, johab, hz, the
//! iso2022_* codecs, euc_jis_2004, euc_jisx0213, shift_jis_2004,
//! shift_jisx0213, utf-7, idna, punycode, unicode-escape and
//! raw-unicode-escape. (mbcs and oem are unknown, as in CPython off
//! Windows.)
//!
//! `encoding="bytes"` is the caller's business (no decoding at all).

use std::fmt;
use std::sync::OnceLock;

mod tables;

use tables::*;

/// Why [`decode`] failed: the Python exception it mirrors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CodecError {
    /// `UnicodeDecodeError`: `encoding` is the codec name Python reports
    /// (`'utf-8'`, `'utf-16-le'`, `'charmap'`, ...), `start..end` the byte
    /// range of the input it complains about, `byte` the byte at `start`.
    Decode {
        encoding: &'static str,
        start: usize,
        end: usize,
        byte: u8,
        reason: &'static str,
    },
    /// `LookupError: unknown encoding: NAME`: CPython does not know the
    /// name either. Holds the name as given.
    UnknownEncoding(String),
    /// An encoding CPython knows but brinery does not implement: the name
    /// as given and the Python codec module it resolves to.
    Unsupported {
        encoding: String,
        codec: &'static str,
    },
    /// Any other Python exception, by class name and `str()`.
    Other {
        class: &'static str,
        message: String,
    },
}

impl CodecError {
    /// The class name of the Python exception this mirrors.
    #[allow(dead_code)] // for callers that report Python's exception classes
    pub(crate) fn python_class(&self) -> &'static str {
        match self {
            CodecError::Decode { .. } => "UnicodeDecodeError",
            CodecError::UnknownEncoding(_) => "LookupError",
            CodecError::Unsupported { .. } => "LookupError",
            CodecError::Other { class, .. } => class,
        }
    }
}

impl fmt::Display for CodecError {
    /// The message, as Python's `str(exc)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Decode {
                encoding,
                start,
                end,
                byte,
                reason,
            } => {
                if *end == start + 1 {
                    write!(
                        f,
                        "'{encoding}' codec can't decode byte 0x{byte:02x} in position {start}: {reason}"
                    )
                } else {
                    write!(
                        f,
                        "'{encoding}' codec can't decode bytes in position {start}-{}: {reason}",
                        end.wrapping_sub(1)
                    )
                }
            }
            CodecError::UnknownEncoding(name) => write!(f, "unknown encoding: {name}"),
            CodecError::Unsupported { encoding, codec } => write!(
                f,
                "unsupported encoding: {encoding} (Python's '{codec}' codec is not implemented by brinery)"
            ),
            CodecError::Other { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for CodecError {}

/// Byte order of the UTF-16/UTF-32 codecs: `Detect` is `utf-16`/`utf-32`
/// (a leading BOM picks the order and is dropped; without one, the
/// machine's native order, as CPython).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Order {
    Detect,
    Le,
    Be,
}

/// What a codec module of CPython's `encodings` package is to brinery.
#[derive(Copy, Clone, Debug)]
enum Codec {
    Ascii,
    Latin1,
    Utf8,
    Utf8Sig,
    Utf16(Order),
    Utf32(Order),
    Charmap(&'static Charmap),
    /// One of CPython's CJK multibyte codecs.
    Cjk(Cjk),
    /// `encodings.undefined`: every decode fails.
    Undefined,
    /// A bytes-to-bytes codec (`hex_codec`, `zlib_codec`, ...).
    NotText,
    /// Known to CPython, not implemented here.
    Unsupported,
}

/// An 8-bit charmap codec: a decoding table of 256 code points, U+FFFE
/// marking an undefined byte. Tables of ASCII-compatible codecs keep only
/// bytes 0x80-0xFF.
#[derive(Debug)]
struct Charmap {
    ascii_low: bool,
    chars: &'static str,
    table: OnceLock<[u16; 256]>,
}

impl Charmap {
    const fn new(ascii_low: bool, chars: &'static str) -> Self {
        Charmap {
            ascii_low,
            chars,
            table: OnceLock::new(),
        }
    }

    fn table(&self) -> &[u16; 256] {
        self.table.get_or_init(|| {
            let mut t = [0u16; 256];
            let first = if self.ascii_low {
                for (i, v) in t.iter_mut().enumerate().take(128) {
                    *v = i as u16;
                }
                128
            } else {
                0
            };
            let mut n = 0;
            for (slot, c) in t[first..].iter_mut().zip(self.chars.chars()) {
                *slot = c as u32 as u16;
                n += 1;
            }
            debug_assert_eq!(n, 256 - first);
            t
        })
    }
}

/// The normalized names for which `PyUnicode_Decode` calls a decoder
/// directly instead of going through the codec registry; only on that
/// path are errors from the error handler left unwrapped.
const FAST_PATH: [&str; 12] = [
    "utf8",
    "utf_8",
    "utf16",
    "utf_16",
    "utf32",
    "utf_32",
    "ascii",
    "us_ascii",
    "latin1",
    "latin_1",
    "iso_8859_1",
    "iso8859_1",
];

/// CPython's `_Py_normalize_encoding` on the UTF-8 bytes of `name`: ASCII
/// letters lowered, every run of bytes other than ASCII alphanumerics and
/// `.` turned into one `_` (dropped at both ends). With `limit`, `None`
/// when the result would be longer (the fast path's fixed buffer).
fn normalize(name: &str, limit: Option<usize>) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut punct = false;
    for &b in name.as_bytes() {
        if b.is_ascii_alphanumeric() || b == b'.' {
            if punct && !out.is_empty() {
                out.push('_');
            }
            punct = false;
            out.push(b.to_ascii_lowercase() as char);
            if limit.is_some_and(|n| out.len() > n) {
                return None;
            }
        } else {
            punct = true;
        }
    }
    Some(out)
}

fn find<T: Copy>(table: &[(&'static str, T)], name: &str) -> Option<(&'static str, T)> {
    table
        .binary_search_by(|&(k, _)| k.cmp(name))
        .ok()
        .map(|i| table[i])
}

/// The codec module `encoding` resolves to, as `codecs.lookup` with the
/// `encodings` search function: the normalized name, looked up among the
/// aliases (as it is, then with `.` as `_`); the alias's module if there
/// is one, else the name itself as a module (never one with a `.`).
fn lookup(encoding: &str) -> Option<(&'static str, Codec)> {
    let norm = normalize(encoding, None)?;
    let alias = find(&ALIASES, &norm)
        .or_else(|| find(&ALIASES, &norm.replace('.', "_")))
        .map(|(_, module)| module);
    alias
        .into_iter()
        .chain(std::iter::once(norm.as_str()))
        .filter(|m| !m.is_empty() && !m.contains('.'))
        .find_map(|m| find(&MODULES, m))
}

/// Error handlers, by their exact (case-sensitive) registered names.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Handler {
    Strict,
    Ignore,
    Replace,
    SurrogateEscape,
    BackslashReplace,
    SurrogatePass,
    /// `xmlcharrefreplace`, `namereplace`: registered, encode-only.
    EncodeOnly,
    Unknown,
}

impl Handler {
    fn from_name(name: &str) -> Handler {
        match name {
            "strict" => Handler::Strict,
            "ignore" => Handler::Ignore,
            "replace" => Handler::Replace,
            "surrogateescape" => Handler::SurrogateEscape,
            "backslashreplace" => Handler::BackslashReplace,
            "surrogatepass" => Handler::SurrogatePass,
            "xmlcharrefreplace" | "namereplace" => Handler::EncodeOnly,
            _ => Handler::Unknown,
        }
    }
}

/// Appends code point `cp` (at most U+10FFFF; surrogates allowed) as
/// generalized UTF-8.
#[inline]
fn push_cp(out: &mut Vec<u8>, cp: u32) {
    let pushed = crate::value::push_code_point(out, cp);
    debug_assert!(pushed, "code point out of range");
}

#[inline]
fn is_surrogate(cp: u32) -> bool {
    (0xD800..=0xDFFF).contains(&cp)
}

/// One decoding run: the input (the `object` of the exceptions), the
/// output, and the error handler.
struct Decoder<'a> {
    data: &'a [u8],
    out: Vec<u8>,
    errors: &'a str,
    handler: Handler,
    /// The encoding as given when the codec registry path was taken: the
    /// non-Unicode errors of the handler are then wrapped by CPython.
    wrap: Option<&'a str>,
}

impl Decoder<'_> {
    fn other(&self, class: &'static str, message: String) -> CodecError {
        let message = match self.wrap {
            Some(enc) => format!("decoding with '{enc}' codec failed ({class}: {message})"),
            None => message,
        };
        CodecError::Other { class, message }
    }

    /// A decoding error on `start..end`: calls the error handler, which
    /// either fails or writes its replacement; returns where decoding goes
    /// on (CPython's `newpos`).
    fn error(
        &mut self,
        encoding: &'static str,
        start: usize,
        end: usize,
        reason: &'static str,
    ) -> Result<usize, CodecError> {
        let data = self.data;
        let exc = || CodecError::Decode {
            encoding,
            start,
            end,
            byte: data.get(start).copied().unwrap_or(0),
            reason,
        };
        match self.handler {
            Handler::Strict => Err(exc()),
            Handler::Ignore => Ok(end),
            Handler::Replace => {
                push_cp(&mut self.out, 0xFFFD);
                Ok(end)
            }
            Handler::BackslashReplace => {
                for &b in &data[start..end] {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.out.extend_from_slice(&[
                        b'\\',
                        b'x',
                        HEX[(b >> 4) as usize],
                        HEX[(b & 15) as usize],
                    ]);
                }
                Ok(end)
            }
            Handler::SurrogateEscape => {
                // Escapes at most 4 leading non-ASCII bytes of the range;
                // refuses a range that starts with an ASCII byte.
                let n = data[start..end]
                    .iter()
                    .take(4)
                    .take_while(|&&b| b >= 0x80)
                    .count();
                if n == 0 {
                    return Err(exc());
                }
                for &b in &data[start..start + n] {
                    push_cp(&mut self.out, 0xDC00 + b as u32);
                }
                Ok(start + n)
            }
            Handler::SurrogatePass => {
                // Decodes one encoded surrogate at `start` for the UTF
                // codecs (whatever the range), else re-raises.
                let p = &data[start.min(data.len())..];
                let (len, cp) = match encoding {
                    "utf-8" if p.len() >= 3 => {
                        let cp =
                            if p[0] & 0xF0 == 0xE0 && p[1] & 0xC0 == 0x80 && p[2] & 0xC0 == 0x80 {
                                ((p[0] as u32 & 0x0F) << 12)
                                    | ((p[1] as u32 & 0x3F) << 6)
                                    | (p[2] as u32 & 0x3F)
                            } else {
                                0
                            };
                        (3, cp)
                    }
                    "utf-16-le" if p.len() >= 2 => (2, u16::from_le_bytes([p[0], p[1]]) as u32),
                    "utf-16-be" if p.len() >= 2 => (2, u16::from_be_bytes([p[0], p[1]]) as u32),
                    "utf-32-le" if p.len() >= 4 => {
                        (4, u32::from_le_bytes([p[0], p[1], p[2], p[3]]))
                    }
                    "utf-32-be" if p.len() >= 4 => {
                        (4, u32::from_be_bytes([p[0], p[1], p[2], p[3]]))
                    }
                    _ => (0, 0),
                };
                if !is_surrogate(cp) {
                    return Err(exc());
                }
                push_cp(&mut self.out, cp);
                Ok(start + len)
            }
            Handler::EncodeOnly => Err(self.other(
                "TypeError",
                "don't know how to handle UnicodeDecodeError in error callback".into(),
            )),
            Handler::Unknown => Err(self.other(
                "LookupError",
                format!("unknown error handler name '{}'", self.errors),
            )),
        }
    }

    fn ascii(&mut self) -> Result<(), CodecError> {
        let data = self.data;
        let mut pos = 0;
        while pos < data.len() {
            let run = data[pos..].iter().take_while(|b| b.is_ascii()).count();
            self.out.extend_from_slice(&data[pos..pos + run]);
            pos += run;
            if pos < data.len() {
                pos = self.error("ascii", pos, pos + 1, "ordinal not in range(128)")?;
            }
        }
        Ok(())
    }

    fn latin1(&mut self) {
        for &b in self.data {
            push_cp(&mut self.out, b as u32);
        }
    }

    fn charmap(&mut self, map: &Charmap) -> Result<(), CodecError> {
        let table = map.table();
        let data = self.data;
        let mut pos = 0;
        while pos < data.len() {
            let cp = table[data[pos] as usize];
            if cp == 0xFFFE {
                pos = self.error("charmap", pos, pos + 1, "character maps to <undefined>")?;
            } else {
                push_cp(&mut self.out, cp as u32);
                pos += 1;
            }
        }
        Ok(())
    }

    /// CPython's multibyte codecs (`_multibytecodec`): each step decodes
    /// one character or fails with an "illegal multibyte sequence" of
    /// some length, or, when the input ends inside a sequence, with an
    /// "incomplete multibyte sequence" over everything that is left.
    fn cjk(&mut self, cjk: Cjk) -> Result<(), CodecError> {
        let data = self.data;
        let mut pos = 0;
        while pos < data.len() {
            if data[pos] < 0x80 {
                self.out.push(data[pos]);
                pos += 1;
                continue;
            }
            pos = match cjk.step(&data[pos..]) {
                Step::Char(cp, n) => {
                    push_cp(&mut self.out, cp);
                    pos + n
                }
                Step::Illegal(n) => {
                    self.error(cjk.name(), pos, pos + n, "illegal multibyte sequence")?
                }
                Step::TooFew => {
                    self.error(cjk.name(), pos, data.len(), "incomplete multibyte sequence")?
                }
            };
        }
        Ok(())
    }

    /// Python's strict UTF-8: no surrogates, no overlong forms, nothing
    /// above U+10FFFF. Error ranges are the "maximal subparts" of Unicode,
    /// which is also what `std::str::Utf8Error` reports.
    fn utf8(&mut self) -> Result<(), CodecError> {
        let data = self.data;
        let mut pos = 0;
        while pos < data.len() {
            match std::str::from_utf8(&data[pos..]) {
                Ok(s) => {
                    self.out.extend_from_slice(s.as_bytes());
                    break;
                }
                Err(e) => {
                    let start = pos + e.valid_up_to();
                    self.out.extend_from_slice(&data[pos..start]);
                    let (end, reason) = match e.error_len() {
                        None => (data.len(), "unexpected end of data"),
                        Some(n) if n == 1 && !(0xC2..=0xF4).contains(&data[start]) => {
                            (start + 1, "invalid start byte")
                        }
                        Some(n) => (start + n, "invalid continuation byte"),
                    };
                    pos = self.error("utf-8", start, end, reason)?;
                }
            }
        }
        Ok(())
    }

    /// Whether a UTF-16/32 decode is big-endian, and where its text
    /// starts: the order given, or (`Detect`) the one of a byte order mark
    /// (`le_bom`, `be_bom`) at the start, which is skipped, else the
    /// machine's.
    fn byte_order(&self, order: Order, le_bom: &[u8], be_bom: &[u8]) -> (bool, usize) {
        match order {
            Order::Le => (false, 0),
            Order::Be => (true, 0),
            Order::Detect if self.data.starts_with(le_bom) => (false, le_bom.len()),
            Order::Detect if self.data.starts_with(be_bom) => (true, be_bom.len()),
            Order::Detect => (cfg!(target_endian = "big"), 0),
        }
    }

    fn utf16(&mut self, order: Order) -> Result<(), CodecError> {
        let data = self.data;
        let e = data.len();
        let (be, mut q) = self.byte_order(order, &[0xFF, 0xFE], &[0xFE, 0xFF]);
        let name = if be { "utf-16-be" } else { "utf-16-le" };
        let unit = |i: usize| -> u32 {
            let pair = [data[i], data[i + 1]];
            if be {
                u16::from_be_bytes(pair) as u32
            } else {
                u16::from_le_bytes(pair) as u32
            }
        };
        while q < e {
            if e - q < 2 {
                q = self.error(name, q, e, "truncated data")?;
                continue;
            }
            let u = unit(q);
            if !is_surrogate(u) {
                push_cp(&mut self.out, u);
                q += 2;
            } else if u >= 0xDC00 {
                q = self.error(name, q, q + 2, "illegal encoding")?;
            } else if e - q < 4 {
                q = self.error(name, q, e, "unexpected end of data")?;
            } else {
                let u2 = unit(q + 2);
                if (0xDC00..=0xDFFF).contains(&u2) {
                    push_cp(
                        &mut self.out,
                        0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00),
                    );
                    q += 4;
                } else {
                    q = self.error(name, q, q + 2, "illegal UTF-16 surrogate")?;
                }
            }
        }
        Ok(())
    }

    fn utf32(&mut self, order: Order) -> Result<(), CodecError> {
        let data = self.data;
        let e = data.len();
        let (be, mut q) = self.byte_order(order, &[0xFF, 0xFE, 0, 0], &[0, 0, 0xFE, 0xFF]);
        let name = if be { "utf-32-be" } else { "utf-32-le" };
        while q < e {
            if e - q < 4 {
                q = self.error(name, q, e, "truncated data")?;
                continue;
            }
            let quad = [data[q], data[q + 1], data[q + 2], data[q + 3]];
            let cp = if be {
                u32::from_be_bytes(quad)
            } else {
                u32::from_le_bytes(quad)
            };
            if is_surrogate(cp) {
                q = self.error(
                    name,
                    q,
                    q + 4,
                    "code point in surrogate code point range(0xd800, 0xe000)",
                )?;
            } else if cp >= 0x110000 {
                q = self.error(name, q, q + 4, "code point not in range(0x110000)")?;
            } else {
                push_cp(&mut self.out, cp);
                q += 4;
            }
        }
        Ok(())
    }
}

/// The CJK codecs of CPython that brinery implements. Each decodes like
/// CPython's `_codecs_jp`/`_codecs_kr`/`_codecs_cn` decoder (the same
/// byte classes, sequence lengths and error lengths); the character
/// tables are encoding_rs's WHATWG indexes, restricted and corrected to
/// CPython's by the data below (every 1- and 2-byte input and the 3- and
/// 4-byte forms are compared with CPython by the tests).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Cjk {
    /// Windows-31J: encoding_rs's Shift_JIS, plus CPython's single bytes
    /// 0x80, 0xA0, 0xFD-0xFF.
    Cp932,
    /// JIS X 0208 only: cp932 without the extension rows.
    ShiftJis,
    /// EUC-JP: JIS X 0208 (as shift_jis), half-width katakana, JIS X 0212.
    EucJp,
    /// Unified Hangul Code: encoding_rs's EUC-KR exactly.
    Cp949,
    /// KS X 1001 only, plus the KS X 1001:1998 eight-byte make-up sequences.
    EucKr,
    /// GB 18030-2000 (CPython's): encoding_rs's GB18030 with the 2005/2022
    /// changes undone.
    Gb18030,
    /// GBK: the two-byte part of gb18030 less its user-defined areas.
    Gbk,
    /// GB 2312: the EUC rows of gbk less GBK's additions.
    Gb2312,
}

/// One step of a multibyte decoder (`data[0]` is at least 0x80).
enum Step {
    /// A character from the first `n` bytes.
    Char(u32, usize),
    /// An illegal sequence of `n` bytes (CPython's decoder returned `n`).
    Illegal(usize),
    /// The input ends too early (`MBERR_TOOFEW`).
    TooFew,
}

const NO_CHAR: u32 = u32::MAX;

/// A double-byte table read out of an encoding_rs decoder: the single
/// character it decodes `[lead, trail]` to, for lead 0x81-0xFE and trail
/// 0x40-0xFE, or `NO_CHAR`. Built on first use.
fn dbcs_table(
    cell: &'static OnceLock<Vec<u32>>,
    enc: &'static encoding_rs::Encoding,
) -> &'static [u32] {
    cell.get_or_init(|| {
        let mut t = vec![NO_CHAR; 126 * 191];
        for lead in 0x81..=0xFEu8 {
            for trail in 0x40..=0xFEu8 {
                t[(lead as usize - 0x81) * 191 + (trail as usize - 0x40)] =
                    rs_char(enc, &[lead, trail]);
            }
        }
        t
    })
}

/// The single character encoding_rs decodes all of `seq` to, or `NO_CHAR`.
fn rs_char(enc: &'static encoding_rs::Encoding, seq: &[u8]) -> u32 {
    let mut buf = [0u8; 16];
    let mut dec = enc.new_decoder_without_bom_handling();
    let (res, read, written) = dec.decode_to_utf8_without_replacement(seq, &mut buf, true);
    if !matches!(res, encoding_rs::DecoderResult::InputEmpty) || read != seq.len() {
        return NO_CHAR;
    }
    let mut chars = std::str::from_utf8(&buf[..written]).unwrap_or("").chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => c as u32,
        _ => NO_CHAR,
    }
}

fn dbcs_lookup(table: &[u32], lead: u8, trail: u8) -> Option<u32> {
    if !(0x81..=0xFE).contains(&lead) || !(0x40..=0xFE).contains(&trail) {
        return None;
    }
    let cp = table[(lead as usize - 0x81) * 191 + (trail as usize - 0x40)];
    (cp != NO_CHAR).then_some(cp)
}

/// Whether `(lead, trail)` is in a sorted list of `(lead, first, last)`
/// trail runs.
fn in_runs(runs: &[(u8, u8, u8)], lead: u8, trail: u8) -> bool {
    let i = runs.partition_point(|&(l, first, _)| (l, first) <= (lead, trail));
    i > 0 && {
        let (l, _, last) = runs[i - 1];
        l == lead && trail <= last
    }
}

fn patched(patches: &[(u8, u8, u16)], lead: u8, trail: u8) -> Option<u32> {
    patches
        .binary_search_by(|&(l, t, _)| (l, t).cmp(&(lead, trail)))
        .ok()
        .map(|i| patches[i].2 as u32)
}

static SHIFT_JIS_TABLE: OnceLock<Vec<u32>> = OnceLock::new();
static EUC_KR_TABLE: OnceLock<Vec<u32>> = OnceLock::new();
static GB18030_TABLE: OnceLock<Vec<u32>> = OnceLock::new();

/// Where CPython's gb18030 (the 2000 edition) differs from encoding_rs's
/// two-byte GB18030 (which follows the 2005 and 2022 editions).
const GB18030_PATCHES: [(u8, u8, u16); 20] = [
    (0xA3, 0xA0, 0xE5E5),
    (0xA6, 0xD9, 0xE78D),
    (0xA6, 0xDA, 0xE78E),
    (0xA6, 0xDB, 0xE78F),
    (0xA6, 0xDC, 0xE790),
    (0xA6, 0xDD, 0xE791),
    (0xA6, 0xDE, 0xE792),
    (0xA6, 0xDF, 0xE793),
    (0xA6, 0xEC, 0xE794),
    (0xA6, 0xED, 0xE795),
    (0xA6, 0xF3, 0xE796),
    (0xA8, 0xBC, 0xE7C7),
    (0xFE, 0x59, 0xE81E),
    (0xFE, 0x61, 0xE826),
    (0xFE, 0x66, 0xE82B),
    (0xFE, 0x67, 0xE82C),
    (0xFE, 0x6D, 0xE832),
    (0xFE, 0x7E, 0xE843),
    (0xFE, 0x90, 0xE854),
    (0xFE, 0xA0, 0xE864),
];

/// KS X 1001 row 4 (the compatibility jamo U+3131-U+314E at 0xA4A1-0xA4BE)
/// as indexes of initial (choseong) and final (jongseong) consonants, for
/// EUC-KR make-up sequences; `NO_JAMO` where the jamo cannot be one.
const NO_JAMO: u8 = 0xFF;
const CHOSEONG: [u8; 30] = [
    0, 1, NO_JAMO, 2, NO_JAMO, NO_JAMO, 3, 4, 5, NO_JAMO, NO_JAMO, NO_JAMO, NO_JAMO, NO_JAMO,
    NO_JAMO, NO_JAMO, 6, 7, 8, NO_JAMO, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
];
const JONGSEONG: [u8; 30] = [
    1, 2, 3, 4, 5, 6, 7, NO_JAMO, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, NO_JAMO, 18, 19, 20, 21,
    22, NO_JAMO, 23, 24, 25, 26, 27,
];

impl Cjk {
    /// The codec name CPython puts in its `UnicodeDecodeError`.
    fn name(self) -> &'static str {
        match self {
            Cjk::Cp932 => "cp932",
            Cjk::ShiftJis => "shift_jis",
            Cjk::EucJp => "euc_jp",
            Cjk::Cp949 => "cp949",
            Cjk::EucKr => "euc_kr",
            Cjk::Gb18030 => "gb18030",
            Cjk::Gbk => "gbk",
            Cjk::Gb2312 => "gb2312",
        }
    }

    fn step(self, d: &[u8]) -> Step {
        let c = d[0];
        match self {
            Cjk::Cp932 => match c {
                0x80 => Step::Char(0x80, 1),
                0xA0 => Step::Char(0xF8F0, 1),
                0xA1..=0xDF => Step::Char(0xFEC0 + c as u32, 1),
                0xFD..=0xFF => Step::Char(0xF8F1 + (c - 0xFD) as u32, 1),
                _ if d.len() < 2 => Step::TooFew,
                _ => pair(cp932_pair(c, d[1])),
            },
            Cjk::ShiftJis => match c {
                0xA1..=0xDF => Step::Char(0xFEC0 + c as u32, 1),
                0x81..=0x9F | 0xE0..=0xEA if d.len() < 2 => Step::TooFew,
                0x81..=0x9F | 0xE0..=0xEA => pair(shift_jis_pair(c, d[1])),
                _ => Step::Illegal(1),
            },
            Cjk::EucJp => match c {
                0x8E if d.len() < 2 => Step::TooFew,
                0x8E => match d[1] {
                    0xA1..=0xDF => Step::Char(0xFEC0 + d[1] as u32, 2),
                    _ => Step::Illegal(1),
                },
                0x8F if d.len() < 3 => Step::TooFew,
                0x8F => {
                    // JIS X 0212; CPython keeps 0x2237 as the ASCII tilde.
                    let cp = if d[1] == 0xA2 && d[2] == 0xB7 {
                        0x7E
                    } else {
                        rs_char(encoding_rs::EUC_JP, &d[..3])
                    };
                    if cp == NO_CHAR {
                        Step::Illegal(1)
                    } else {
                        Step::Char(cp, 3)
                    }
                }
                _ if d.len() < 2 => Step::TooFew,
                0xA1 if d[1] == 0xC0 => Step::Char(0xFF3C, 2),
                0xA1..=0xFE if (0xA1..=0xFE).contains(&d[1]) => {
                    // JIS X 0208 row and cell, through the shift_jis table.
                    let (row, cell) = (c - 0xA0, d[1] - 0xA0);
                    let s1 = row.div_ceil(2) + if row <= 62 { 0x80 } else { 0xC0 };
                    let s2 = if row % 2 == 1 {
                        cell + 0x3F + u8::from(cell >= 64)
                    } else {
                        cell + 0x9E
                    };
                    match s1 {
                        0x81..=0x9F | 0xE0..=0xEA => pair(shift_jis_pair(s1, s2)),
                        _ => Step::Illegal(1),
                    }
                }
                _ => Step::Illegal(1),
            },
            Cjk::Cp949 if d.len() < 2 => Step::TooFew,
            Cjk::Cp949 => pair(dbcs_lookup(
                dbcs_table(&EUC_KR_TABLE, encoding_rs::EUC_KR),
                c,
                d[1],
            )),
            Cjk::EucKr if d.len() < 2 => Step::TooFew,
            Cjk::EucKr if c == 0xA4 && d[1] == 0xD4 => {
                // KS X 1001:1998 Annex 3: filler, initial, medial, final.
                if d.len() < 8 {
                    return Step::TooFew;
                }
                if d[2] != 0xA4 || d[4] != 0xA4 || d[6] != 0xA4 {
                    return Step::Illegal(1);
                }
                let cho = match d[3] {
                    0xA1..=0xBE => CHOSEONG[(d[3] - 0xA1) as usize],
                    _ => NO_JAMO,
                };
                let jung = match d[5] {
                    0xBF..=0xD3 => d[5] - 0xBF,
                    _ => NO_JAMO,
                };
                let jong = match d[7] {
                    0xD4 => 0,
                    0xA1..=0xBE => JONGSEONG[(d[7] - 0xA1) as usize],
                    _ => NO_JAMO,
                };
                if cho == NO_JAMO || jung == NO_JAMO || jong == NO_JAMO {
                    return Step::Illegal(1);
                }
                let cp = 0xAC00 + cho as u32 * 588 + jung as u32 * 28 + jong as u32;
                Step::Char(cp, 8)
            }
            Cjk::EucKr => match (c, d[1]) {
                (0xA1..=0xFE, 0xA1..=0xFE) => pair(dbcs_lookup(
                    dbcs_table(&EUC_KR_TABLE, encoding_rs::EUC_KR),
                    c,
                    d[1],
                )),
                _ => Step::Illegal(1),
            },
            Cjk::Gb18030 if d.len() < 2 => Step::TooFew,
            Cjk::Gb18030 if (0x30..=0x39).contains(&d[1]) => {
                if d.len() < 4 {
                    return Step::TooFew;
                }
                let ok = (0x81..=0xFE).contains(&c)
                    && (0x81..=0xFE).contains(&d[2])
                    && (0x30..=0x39).contains(&d[3]);
                let cp = if !ok {
                    NO_CHAR
                } else if d[..4] == [0x81, 0x35, 0xF4, 0x37] {
                    0x1E3F // swapped with 0xA8BC by GB 18030-2005
                } else {
                    rs_char(encoding_rs::GB18030, &d[..4])
                };
                if cp == NO_CHAR {
                    Step::Illegal(1)
                } else {
                    Step::Char(cp, 4)
                }
            }
            Cjk::Gb18030 => pair(gb18030_pair(c, d[1])),
            Cjk::Gbk if d.len() < 2 => Step::TooFew,
            Cjk::Gbk => pair(gbk_pair(c, d[1])),
            Cjk::Gb2312 if d.len() < 2 => Step::TooFew,
            Cjk::Gb2312 => pair(match (c, d[1]) {
                (0xA1..=0xF7, 0xA1..=0xFE) => {
                    narrowed_pair(&GB2312_EXCLUDED, &GB2312_PATCHES, gbk_pair, c, d[1])
                }
                _ => None,
            }),
        }
    }
}

/// A two-byte lookup as a step: the character, or an illegal lead byte.
fn pair(cp: Option<u32>) -> Step {
    match cp {
        Some(cp) => Step::Char(cp, 2),
        None => Step::Illegal(1),
    }
}

fn cp932_pair(lead: u8, trail: u8) -> Option<u32> {
    dbcs_lookup(
        dbcs_table(&SHIFT_JIS_TABLE, encoding_rs::SHIFT_JIS),
        lead,
        trail,
    )
}

/// A codec that is a wider one (`base`) without the `excluded` runs and
/// with `patches` (shift_jis of cp932, gbk and gb2312 of gb18030/gbk).
fn narrowed_pair(
    excluded: &[(u8, u8, u8)],
    patches: &[(u8, u8, u16)],
    base: fn(u8, u8) -> Option<u32>,
    lead: u8,
    trail: u8,
) -> Option<u32> {
    if in_runs(excluded, lead, trail) {
        return None;
    }
    patched(patches, lead, trail).or_else(|| base(lead, trail))
}

fn shift_jis_pair(lead: u8, trail: u8) -> Option<u32> {
    narrowed_pair(
        &SHIFT_JIS_EXCLUDED,
        &SHIFT_JIS_PATCHES,
        cp932_pair,
        lead,
        trail,
    )
}

fn gb18030_pair(lead: u8, trail: u8) -> Option<u32> {
    if trail == 0x7F {
        return None;
    }
    patched(&GB18030_PATCHES, lead, trail).or_else(|| {
        dbcs_lookup(
            dbcs_table(&GB18030_TABLE, encoding_rs::GB18030),
            lead,
            trail,
        )
    })
}

fn gbk_pair(lead: u8, trail: u8) -> Option<u32> {
    narrowed_pair(&GBK_EXCLUDED, &GBK_PATCHES, gb18030_pair, lead, trail)
}

/// Decodes `data` as Python's `PyUnicode_Decode(data, encoding, errors)`
/// (what the unpickler does with a Python 2 `str` unless `encoding` is
/// `"bytes"`), returning the text as generalized UTF-8 (lone surrogates as
/// three-byte sequences, as Python's `encode('utf-8', 'surrogatepass')`).
///
/// As in CPython, empty input decodes to empty text without looking the
/// encoding up, and the error handler is looked up only when a decoding
/// error happens. A NUL in `encoding` or `errors` fails with Python's
/// `ValueError: embedded null character` (CPython refuses such names when
/// the unpickler is created).
pub(crate) fn decode(data: &[u8], encoding: &str, errors: &str) -> Result<Vec<u8>, CodecError> {
    if encoding.contains('\0') || errors.contains('\0') {
        return Err(CodecError::Other {
            class: "ValueError",
            message: "embedded null character".into(),
        });
    }
    if data.is_empty() {
        return Ok(Vec::new());
    }
    let fast = normalize(encoding, Some(10)).is_some_and(|n| FAST_PATH.contains(&n.as_str()));
    let (module, codec) =
        lookup(encoding).ok_or_else(|| CodecError::UnknownEncoding(encoding.to_string()))?;
    let mut d = Decoder {
        data,
        out: Vec::with_capacity(data.len() + data.len() / 2),
        errors,
        handler: Handler::from_name(errors),
        wrap: if fast { None } else { Some(encoding) },
    };
    match codec {
        Codec::Ascii => d.ascii()?,
        Codec::Latin1 => d.latin1(),
        Codec::Utf8 => d.utf8()?,
        Codec::Utf8Sig => {
            // The BOM is dropped first; positions count from after it.
            if data.starts_with(b"\xEF\xBB\xBF") {
                d.data = &data[3..];
            }
            d.utf8()?
        }
        Codec::Utf16(order) => d.utf16(order)?,
        Codec::Utf32(order) => d.utf32(order)?,
        Codec::Charmap(map) => d.charmap(map)?,
        Codec::Cjk(cjk) => d.cjk(cjk)?,
        Codec::Undefined => {
            return Err(d.other("UnicodeError", "undefined encoding".into()));
        }
        Codec::NotText => {
            return Err(CodecError::Other {
                class: "LookupError",
                message: format!(
                    "'{encoding}' is not a text encoding; use codecs.decode() to handle arbitrary codecs"
                ),
            });
        }
        Codec::Unsupported => {
            return Err(CodecError::Unsupported {
                encoding: encoding.to_string(),
                codec: module,
            });
        }
    }
    Ok(d.out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use brinery_testutil::unhex;

    fn ok(data: &[u8], enc: &str, err: &str) -> String {
        let v = decode(data, enc, err).unwrap_or_else(|e| panic!("{enc}/{err}: {e}"));
        String::from_utf8(v).expect("test expects text without surrogates")
    }

    fn fail(data: &[u8], enc: &str, err: &str) -> String {
        match decode(data, enc, err) {
            Ok(v) => panic!("{enc}/{err} decoded {v:?}"),
            Err(e) => format!("{}: {e}", e.python_class()),
        }
    }

    #[test]
    fn ascii_and_latin1() {
        assert_eq!(ok(b"abc", "ASCII", "strict"), "abc");
        assert_eq!(
            fail(b"abc\xe9", "ASCII", "strict"),
            "UnicodeDecodeError: 'ascii' codec can't decode byte 0xe9 in position 3: ordinal not in range(128)"
        );
        assert_eq!(ok(b"a\xe9b", "ascii", "replace"), "a\u{fffd}b");
        assert_eq!(ok(b"a\xe9b", "ascii", "ignore"), "ab");
        assert_eq!(ok(b"a\xe9b", "ascii", "backslashreplace"), "a\\xe9b");
        assert_eq!(
            decode(b"a\xe9", "ascii", "surrogateescape").unwrap(),
            b"a\xed\xb3\xa9"
        );
        // The handler is looked up only when an error happens.
        assert_eq!(ok(b"abc", "ascii", "no-such-handler"), "abc");
        assert_eq!(
            fail(b"\xe9", "ascii", "no-such-handler"),
            "LookupError: unknown error handler name 'no-such-handler'"
        );
        // WHATWG would make these windows-1252; Python does not.
        for name in [
            "latin1",
            "Latin-1",
            "ISO-8859-1",
            "iso8859_1",
            "l1",
            "8859",
            "cp819",
        ] {
            assert_eq!(ok(b"\x80\x9f\xe9", name, "strict"), "\u{80}\u{9f}\u{e9}");
        }
    }

    #[test]
    fn cp1252_leaves_five_bytes_undefined() {
        assert_eq!(ok(b"\x80\x9f", "windows-1252", "strict"), "\u{20ac}\u{178}");
        for b in [0x81u8, 0x8d, 0x8f, 0x90, 0x9d] {
            assert_eq!(
                fail(&[b], "cp1252", "strict"),
                format!(
                    "UnicodeDecodeError: 'charmap' codec can't decode byte 0x{b:02x} in position 0: character maps to <undefined>"
                )
            );
        }
    }

    #[test]
    fn utf8_is_strict() {
        assert_eq!(
            ok("h\u{e9}\u{20ac}\u{1f600}".as_bytes(), "utf8", "strict"),
            "h\u{e9}\u{20ac}\u{1f600}"
        );
        assert_eq!(
            fail(b"\xed\xa0\x80", "utf-8", "strict"),
            "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte"
        );
        assert_eq!(
            fail(b"ab\xe2\x82", "UTF-8", "strict"),
            "UnicodeDecodeError: 'utf-8' codec can't decode bytes in position 2-3: unexpected end of data"
        );
        assert_eq!(
            fail(b"\xc0\x80", "utf-8", "strict"),
            "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xc0 in position 0: invalid start byte"
        );
        assert_eq!(ok(b"\xe2\x82A", "utf-8", "replace"), "\u{fffd}A");
        assert_eq!(
            decode(b"\xed\xa0\x80", "utf-8", "surrogatepass").unwrap(),
            b"\xed\xa0\x80"
        );
    }

    #[test]
    fn utf16_and_utf32() {
        assert_eq!(ok(b"\xff\xfea\x00", "utf-16", "strict"), "a");
        assert_eq!(ok(b"\xfe\xff\x00a", "utf-16", "strict"), "a");
        assert_eq!(ok(b"=\xd8\x00\xde", "utf-16-le", "strict"), "\u{1f600}");
        assert_eq!(
            fail(b"\x00\xd8\x00", "utf-16", "strict"),
            "UnicodeDecodeError: 'utf-16-le' codec can't decode bytes in position 0-2: unexpected end of data"
        );
        assert_eq!(ok(b"\x00\x00\x00a", "utf-32-be", "strict"), "a");
        assert_eq!(
            fail(b"\x00\x00\x11\x00", "utf-32", "strict"),
            "UnicodeDecodeError: 'utf-32-le' codec can't decode bytes in position 0-3: code point not in range(0x110000)"
        );
    }

    #[test]
    fn lookup_errors() {
        assert_eq!(ok(b"", "no-such-codec", "strict"), "");
        assert_eq!(
            fail(b"a", "no-such-codec", "strict"),
            "LookupError: unknown encoding: no-such-codec"
        );
        assert_eq!(
            fail(b"a", "hex", "strict"),
            "LookupError: 'hex' is not a text encoding; use codecs.decode() to handle arbitrary codecs"
        );
        assert_eq!(
            fail(b"\x81", "cp1252", "xmlcharrefreplace"),
            "TypeError: decoding with 'cp1252' codec failed (TypeError: don't know how to handle UnicodeDecodeError in error callback)"
        );
        assert!(matches!(
            decode(b"\xa4\xa1", "big5", "strict"),
            Err(CodecError::Unsupported { codec: "big5", .. })
        ));
    }

    #[test]
    fn tables_are_sorted() {
        assert!(ALIASES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(MODULES.windows(2).all(|w| w[0].0 < w[1].0));
        for (_, codec) in MODULES.iter() {
            if let Codec::Charmap(map) = codec {
                let n = map.chars.chars().count();
                assert_eq!(n, if map.ascii_low { 128 } else { 256 });
            }
        }
    }

    /// One parsed line of codecs_cases.py: a flat JSON object of strings.
    fn parse_line(line: &str) -> Vec<(String, String)> {
        fn string(it: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
            assert_eq!(it.next(), Some('"'));
            let mut units: Vec<u16> = Vec::new();
            loop {
                match it.next().expect("unterminated string") {
                    '"' => break,
                    '\\' => match it.next().expect("bad escape") {
                        'u' => {
                            let hex: String = it.by_ref().take(4).collect();
                            units.push(u16::from_str_radix(&hex, 16).expect("bad \\u"));
                        }
                        c => units.push(match c {
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            'b' => '\u{8}',
                            'f' => '\u{c}',
                            c => c,
                        } as u16),
                    },
                    c => {
                        let mut buf = [0u16; 2];
                        units.extend_from_slice(c.encode_utf16(&mut buf));
                    }
                }
            }
            String::from_utf16(&units).expect("test strings are valid")
        }
        let mut it = line.chars().peekable();
        let mut out = Vec::new();
        assert_eq!(it.next(), Some('{'));
        loop {
            while it.peek() == Some(&' ') || it.peek() == Some(&',') {
                it.next();
            }
            if it.peek() == Some(&'}') {
                break;
            }
            let k = string(&mut it);
            while it.peek() == Some(&' ') || it.peek() == Some(&':') {
                it.next();
            }
            let v = string(&mut it);
            out.push((k, v));
        }
        out
    }

    /// The codecs brinery knows but does not implement: a case in one of
    /// them is counted apart; `Unsupported` from any other codec fails.
    const KNOWN_UNSUPPORTED: &[&str] = &[
        "big5",
        "big5hkscs",
        "cp950",
        "euc_jis_2004",
        "euc_jisx0213",
        "hz",
        "idna",
        "iso2022_jp",
        "iso2022_jp_1",
        "iso2022_jp_2",
        "iso2022_jp_2004",
        "iso2022_jp_3",
        "iso2022_jp_ext",
        "iso2022_kr",
        "johab",
        "punycode",
        "raw_unicode_escape",
        "shift_jis_2004",
        "shift_jisx0213",
        "unicode_escape",
        "utf_7",
    ];

    /// Runs tests/py/codecs_cases.py in `mode` (CPython's own results for
    /// the same calls through `pickle.loads`) and compares every case.
    fn compare_with_cpython(mode: &str, min_cases: usize) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/codecs_cases.py");
        let what = format!("the codecs comparison with CPython ({mode})");
        let Some(py) = brinery_testutil::python(&[], &what) else {
            return;
        };
        let output = match std::process::Command::new(&py)
            .arg(script)
            .arg(mode)
            .output()
        {
            Ok(o) if o.status.success() => o,
            Ok(o) => panic!(
                "{script} failed: {}\n{}",
                o.status,
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => panic!("cannot run {py}: {e}"),
        };
        let text = String::from_utf8(output.stdout).expect("ASCII JSON");
        let mut lines = text.lines();
        let header = parse_line(lines.next().expect("no output"));
        let version = &header[0].1;
        // brinery reproduces CPython 3.11's codecs; on another version the
        // checks that version cannot make are named in the summary.
        let reference = version.starts_with("3.11.");
        let (mut messages_not_compared, mut newer_aliases) = (0usize, 0usize);
        let (mut total, mut matched, mut unsupported) = (0usize, 0usize, 0usize);
        let mut failures = Vec::new();
        for line in lines {
            let case = parse_line(line);
            let get = |k: &str| case.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.as_str());
            let (enc, err) = (get("enc").unwrap(), get("err").unwrap());
            let data = unhex(get("data").unwrap());
            total += 1;
            let got = decode(&data, enc, err);
            let want = match get("ok") {
                Some(h) => Ok(unhex(h)),
                None => Err((get("exc").unwrap(), get("msg").unwrap())),
            };
            let good = match (&got, &want) {
                (Err(CodecError::Unsupported { .. }), Err((_, m)))
                    if m.starts_with("unknown encoding") =>
                {
                    false
                }
                (Err(CodecError::Unsupported { codec, .. }), _)
                    if KNOWN_UNSUPPORTED.contains(codec) =>
                {
                    unsupported += 1;
                    continue;
                }
                (Ok(g), Ok(w)) => g == w,
                (Err(e), Err((class, msg))) if reference => {
                    e.python_class() == *class && e.to_string() == *msg
                }
                // Another Python: messages changed after 3.11 (3.12 wraps
                // codec errors), so only the exception class is compared.
                (Err(e), Err((class, _))) if e.python_class() == *class => {
                    messages_not_compared += 1;
                    true
                }
                // Another Python: an encoding name that Python learnt after
                // 3.11 (brinery follows 3.11's alias table).
                (Err(CodecError::UnknownEncoding(_)), Ok(_)) if !reference => {
                    newer_aliases += 1;
                    continue;
                }
                _ => false,
            };
            if good {
                matched += 1;
            } else if failures.len() < 40 {
                failures.push(format!(
                    "decode({:?}, {enc:?}, {err:?}):\n    python: {want:?}\n    brinery: {:?}",
                    String::from_utf8_lossy(&data),
                    got.map_err(|e| format!("{}: {e}", e.python_class()))
                ));
            } else {
                failures.push(String::new());
            }
        }
        eprintln!(
            "codecs vs CPython {version} ({mode}): {total} cases, {matched} identical, \
             {unsupported} in unsupported codecs, {} different",
            failures.len()
        );
        if !reference {
            eprintln!(
                "codecs vs CPython {version} ({mode}): not the reference 3.11, so \
                 {messages_not_compared} error cases compared by exception class only (messages not compared), \
                 {newer_aliases} cases in encoding names added after 3.11 not compared"
            );
        }
        assert!(
            total - unsupported >= min_cases,
            "too few cases compared: {} of {total}",
            total - unsupported
        );
        assert!(
            failures.is_empty(),
            "{} cases differ from CPython:\n{}",
            failures.len(),
            failures
                .iter()
                .filter(|f| !f.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn matches_cpython() {
        compare_with_cpython("main", 78_000);
    }

    /// Every one- and two-byte input of the CJK codecs, and their longer
    /// forms over whole ranges.
    #[test]
    fn matches_cpython_cjk_exhaustive() {
        compare_with_cpython("cjk", 400_000);
    }
}
