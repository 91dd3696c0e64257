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

    fn utf16(&mut self, order: Order) -> Result<(), CodecError> {
        let data = self.data;
        let e = data.len();
        let mut q = 0;
        let mut be = match order {
            Order::Le => false,
            Order::Be => true,
            Order::Detect => cfg!(target_endian = "big"),
        };
        if order == Order::Detect && e >= 2 {
            match (data[0], data[1]) {
                (0xFF, 0xFE) => {
                    q = 2;
                    be = false;
                }
                (0xFE, 0xFF) => {
                    q = 2;
                    be = true;
                }
                _ => {}
            }
        }
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
        let mut q = 0;
        let mut be = match order {
            Order::Le => false,
            Order::Be => true,
            Order::Detect => cfg!(target_endian = "big"),
        };
        if order == Order::Detect && e >= 4 {
            match data[..4] {
                [0xFF, 0xFE, 0, 0] => {
                    q = 4;
                    be = false;
                }
                [0, 0, 0xFE, 0xFF] => {
                    q = 4;
                    be = true;
                }
                _ => {}
            }
        }
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
                (0xA1..=0xF7, 0xA1..=0xFE) if !in_runs(&GB2312_EXCLUDED, c, d[1]) => {
                    patched(&GB2312_PATCHES, c, d[1]).or_else(|| gbk_pair(c, d[1]))
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

fn shift_jis_pair(lead: u8, trail: u8) -> Option<u32> {
    if in_runs(&SHIFT_JIS_EXCLUDED, lead, trail) {
        return None;
    }
    patched(&SHIFT_JIS_PATCHES, lead, trail).or_else(|| cp932_pair(lead, trail))
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
    if in_runs(&GBK_EXCLUDED, lead, trail) {
        return None;
    }
    patched(&GBK_PATCHES, lead, trail).or_else(|| gb18030_pair(lead, trail))
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

// BEGIN GENERATED by `python3 scripts/gen_compat.py`: do not edit by hand.
// Data from CPython 3.11.7's `encodings` package.

/// `encodings.aliases.aliases`, sorted: normalized alias -> codec module.
#[rustfmt::skip]
static ALIASES: [(&str, &str); 326] = [
    ("037", "cp037"),
    ("1026", "cp1026"),
    ("1125", "cp1125"),
    ("1140", "cp1140"),
    ("1250", "cp1250"),
    ("1251", "cp1251"),
    ("1252", "cp1252"),
    ("1253", "cp1253"),
    ("1254", "cp1254"),
    ("1255", "cp1255"),
    ("1256", "cp1256"),
    ("1257", "cp1257"),
    ("1258", "cp1258"),
    ("273", "cp273"),
    ("424", "cp424"),
    ("437", "cp437"),
    ("500", "cp500"),
    ("646", "ascii"),
    ("775", "cp775"),
    ("850", "cp850"),
    ("852", "cp852"),
    ("855", "cp855"),
    ("857", "cp857"),
    ("858", "cp858"),
    ("860", "cp860"),
    ("861", "cp861"),
    ("862", "cp862"),
    ("863", "cp863"),
    ("864", "cp864"),
    ("865", "cp865"),
    ("866", "cp866"),
    ("869", "cp869"),
    ("8859", "latin_1"),
    ("932", "cp932"),
    ("936", "gbk"),
    ("949", "cp949"),
    ("950", "cp950"),
    ("ansi", "mbcs"),
    ("ansi_x3.4_1968", "ascii"),
    ("ansi_x3.4_1986", "ascii"),
    ("ansi_x3_4_1968", "ascii"),
    ("arabic", "iso8859_6"),
    ("asmo_708", "iso8859_6"),
    ("base64", "base64_codec"),
    ("base_64", "base64_codec"),
    ("big5_hkscs", "big5hkscs"),
    ("big5_tw", "big5"),
    ("bz2", "bz2_codec"),
    ("chinese", "gb2312"),
    ("cp1051", "hp_roman8"),
    ("cp1361", "johab"),
    ("cp154", "ptcp154"),
    ("cp367", "ascii"),
    ("cp65001", "utf_8"),
    ("cp819", "latin_1"),
    ("cp866u", "cp1125"),
    ("cp936", "gbk"),
    ("cp_gr", "cp869"),
    ("cp_is", "cp861"),
    ("csHPRoman8", "hp_roman8"),
    ("csascii", "ascii"),
    ("csbig5", "big5"),
    ("csibm037", "cp037"),
    ("csibm1026", "cp1026"),
    ("csibm273", "cp273"),
    ("csibm424", "cp424"),
    ("csibm500", "cp500"),
    ("csibm855", "cp855"),
    ("csibm857", "cp857"),
    ("csibm858", "cp858"),
    ("csibm860", "cp860"),
    ("csibm861", "cp861"),
    ("csibm863", "cp863"),
    ("csibm864", "cp864"),
    ("csibm865", "cp865"),
    ("csibm866", "cp866"),
    ("csibm869", "cp869"),
    ("csiso2022jp", "iso2022_jp"),
    ("csiso2022kr", "iso2022_kr"),
    ("csiso58gb231280", "gb2312"),
    ("csisolatin1", "latin_1"),
    ("csisolatin2", "iso8859_2"),
    ("csisolatin3", "iso8859_3"),
    ("csisolatin4", "iso8859_4"),
    ("csisolatin5", "iso8859_9"),
    ("csisolatin6", "iso8859_10"),
    ("csisolatinarabic", "iso8859_6"),
    ("csisolatincyrillic", "iso8859_5"),
    ("csisolatingreek", "iso8859_7"),
    ("csisolatinhebrew", "iso8859_8"),
    ("cskoi8r", "koi8_r"),
    ("cspc775baltic", "cp775"),
    ("cspc850multilingual", "cp850"),
    ("cspc862latinhebrew", "cp862"),
    ("cspc8codepage437", "cp437"),
    ("cspcp852", "cp852"),
    ("csptcp154", "ptcp154"),
    ("csshiftjis", "shift_jis"),
    ("cyrillic", "iso8859_5"),
    ("cyrillic_asian", "ptcp154"),
    ("dbcs", "mbcs"),
    ("ebcdic_cp_be", "cp500"),
    ("ebcdic_cp_ca", "cp037"),
    ("ebcdic_cp_ch", "cp500"),
    ("ebcdic_cp_he", "cp424"),
    ("ebcdic_cp_nl", "cp037"),
    ("ebcdic_cp_us", "cp037"),
    ("ebcdic_cp_wt", "cp037"),
    ("ecma_114", "iso8859_6"),
    ("ecma_118", "iso8859_7"),
    ("elot_928", "iso8859_7"),
    ("euc_cn", "gb2312"),
    ("euc_jis2004", "euc_jis_2004"),
    ("euccn", "gb2312"),
    ("eucgb2312_cn", "gb2312"),
    ("eucjis2004", "euc_jis_2004"),
    ("eucjisx0213", "euc_jisx0213"),
    ("eucjp", "euc_jp"),
    ("euckr", "euc_kr"),
    ("gb18030_2000", "gb18030"),
    ("gb2312_1980", "gb2312"),
    ("gb2312_80", "gb2312"),
    ("greek", "iso8859_7"),
    ("greek8", "iso8859_7"),
    ("hebrew", "iso8859_8"),
    ("hex", "hex_codec"),
    ("hkscs", "big5hkscs"),
    ("hz_gb", "hz"),
    ("hz_gb_2312", "hz"),
    ("hzgb", "hz"),
    ("ibm037", "cp037"),
    ("ibm039", "cp037"),
    ("ibm1026", "cp1026"),
    ("ibm1051", "hp_roman8"),
    ("ibm1125", "cp1125"),
    ("ibm1140", "cp1140"),
    ("ibm273", "cp273"),
    ("ibm367", "ascii"),
    ("ibm424", "cp424"),
    ("ibm437", "cp437"),
    ("ibm500", "cp500"),
    ("ibm775", "cp775"),
    ("ibm819", "latin_1"),
    ("ibm850", "cp850"),
    ("ibm852", "cp852"),
    ("ibm855", "cp855"),
    ("ibm857", "cp857"),
    ("ibm858", "cp858"),
    ("ibm860", "cp860"),
    ("ibm861", "cp861"),
    ("ibm862", "cp862"),
    ("ibm863", "cp863"),
    ("ibm864", "cp864"),
    ("ibm865", "cp865"),
    ("ibm866", "cp866"),
    ("ibm869", "cp869"),
    ("iso2022jp", "iso2022_jp"),
    ("iso2022jp_1", "iso2022_jp_1"),
    ("iso2022jp_2", "iso2022_jp_2"),
    ("iso2022jp_2004", "iso2022_jp_2004"),
    ("iso2022jp_3", "iso2022_jp_3"),
    ("iso2022jp_ext", "iso2022_jp_ext"),
    ("iso2022kr", "iso2022_kr"),
    ("iso646_us", "ascii"),
    ("iso8859", "latin_1"),
    ("iso8859_1", "latin_1"),
    ("iso_2022_jp", "iso2022_jp"),
    ("iso_2022_jp_1", "iso2022_jp_1"),
    ("iso_2022_jp_2", "iso2022_jp_2"),
    ("iso_2022_jp_2004", "iso2022_jp_2004"),
    ("iso_2022_jp_3", "iso2022_jp_3"),
    ("iso_2022_jp_ext", "iso2022_jp_ext"),
    ("iso_2022_kr", "iso2022_kr"),
    ("iso_646.irv_1991", "ascii"),
    ("iso_8859_1", "latin_1"),
    ("iso_8859_10", "iso8859_10"),
    ("iso_8859_10_1992", "iso8859_10"),
    ("iso_8859_11", "iso8859_11"),
    ("iso_8859_11_2001", "iso8859_11"),
    ("iso_8859_13", "iso8859_13"),
    ("iso_8859_14", "iso8859_14"),
    ("iso_8859_14_1998", "iso8859_14"),
    ("iso_8859_15", "iso8859_15"),
    ("iso_8859_16", "iso8859_16"),
    ("iso_8859_16_2001", "iso8859_16"),
    ("iso_8859_1_1987", "latin_1"),
    ("iso_8859_2", "iso8859_2"),
    ("iso_8859_2_1987", "iso8859_2"),
    ("iso_8859_3", "iso8859_3"),
    ("iso_8859_3_1988", "iso8859_3"),
    ("iso_8859_4", "iso8859_4"),
    ("iso_8859_4_1988", "iso8859_4"),
    ("iso_8859_5", "iso8859_5"),
    ("iso_8859_5_1988", "iso8859_5"),
    ("iso_8859_6", "iso8859_6"),
    ("iso_8859_6_1987", "iso8859_6"),
    ("iso_8859_7", "iso8859_7"),
    ("iso_8859_7_1987", "iso8859_7"),
    ("iso_8859_8", "iso8859_8"),
    ("iso_8859_8_1988", "iso8859_8"),
    ("iso_8859_9", "iso8859_9"),
    ("iso_8859_9_1989", "iso8859_9"),
    ("iso_celtic", "iso8859_14"),
    ("iso_ir_100", "latin_1"),
    ("iso_ir_101", "iso8859_2"),
    ("iso_ir_109", "iso8859_3"),
    ("iso_ir_110", "iso8859_4"),
    ("iso_ir_126", "iso8859_7"),
    ("iso_ir_127", "iso8859_6"),
    ("iso_ir_138", "iso8859_8"),
    ("iso_ir_144", "iso8859_5"),
    ("iso_ir_148", "iso8859_9"),
    ("iso_ir_157", "iso8859_10"),
    ("iso_ir_166", "tis_620"),
    ("iso_ir_199", "iso8859_14"),
    ("iso_ir_226", "iso8859_16"),
    ("iso_ir_58", "gb2312"),
    ("iso_ir_6", "ascii"),
    ("jisx0213", "euc_jis_2004"),
    ("korean", "euc_kr"),
    ("ks_c_5601", "euc_kr"),
    ("ks_c_5601_1987", "euc_kr"),
    ("ks_x_1001", "euc_kr"),
    ("ksc5601", "euc_kr"),
    ("ksx1001", "euc_kr"),
    ("kz_1048", "kz1048"),
    ("l1", "latin_1"),
    ("l10", "iso8859_16"),
    ("l2", "iso8859_2"),
    ("l3", "iso8859_3"),
    ("l4", "iso8859_4"),
    ("l5", "iso8859_9"),
    ("l6", "iso8859_10"),
    ("l7", "iso8859_13"),
    ("l8", "iso8859_14"),
    ("l9", "iso8859_15"),
    ("latin", "latin_1"),
    ("latin1", "latin_1"),
    ("latin10", "iso8859_16"),
    ("latin2", "iso8859_2"),
    ("latin3", "iso8859_3"),
    ("latin4", "iso8859_4"),
    ("latin5", "iso8859_9"),
    ("latin6", "iso8859_10"),
    ("latin7", "iso8859_13"),
    ("latin8", "iso8859_14"),
    ("latin9", "iso8859_15"),
    ("mac_centeuro", "mac_latin2"),
    ("maccentraleurope", "mac_latin2"),
    ("maccyrillic", "mac_cyrillic"),
    ("macgreek", "mac_greek"),
    ("maciceland", "mac_iceland"),
    ("macintosh", "mac_roman"),
    ("maclatin2", "mac_latin2"),
    ("macroman", "mac_roman"),
    ("macturkish", "mac_turkish"),
    ("ms1361", "johab"),
    ("ms932", "cp932"),
    ("ms936", "gbk"),
    ("ms949", "cp949"),
    ("ms950", "cp950"),
    ("ms_kanji", "cp932"),
    ("mskanji", "cp932"),
    ("pt154", "ptcp154"),
    ("quopri", "quopri_codec"),
    ("quoted_printable", "quopri_codec"),
    ("quotedprintable", "quopri_codec"),
    ("r8", "hp_roman8"),
    ("rk1048", "kz1048"),
    ("roman8", "hp_roman8"),
    ("rot13", "rot_13"),
    ("ruscii", "cp1125"),
    ("s_jis", "shift_jis"),
    ("s_jis_2004", "shift_jis_2004"),
    ("s_jisx0213", "shift_jisx0213"),
    ("shiftjis", "shift_jis"),
    ("shiftjis2004", "shift_jis_2004"),
    ("shiftjisx0213", "shift_jisx0213"),
    ("sjis", "shift_jis"),
    ("sjis_2004", "shift_jis_2004"),
    ("sjisx0213", "shift_jisx0213"),
    ("strk1048_2002", "kz1048"),
    ("thai", "iso8859_11"),
    ("tis620", "tis_620"),
    ("tis_620_0", "tis_620"),
    ("tis_620_2529_0", "tis_620"),
    ("tis_620_2529_1", "tis_620"),
    ("u16", "utf_16"),
    ("u32", "utf_32"),
    ("u7", "utf_7"),
    ("u8", "utf_8"),
    ("u_jis", "euc_jp"),
    ("uhc", "cp949"),
    ("ujis", "euc_jp"),
    ("unicode_1_1_utf_7", "utf_7"),
    ("unicodebigunmarked", "utf_16_be"),
    ("unicodelittleunmarked", "utf_16_le"),
    ("us", "ascii"),
    ("us_ascii", "ascii"),
    ("utf", "utf_8"),
    ("utf16", "utf_16"),
    ("utf32", "utf_32"),
    ("utf7", "utf_7"),
    ("utf8", "utf_8"),
    ("utf8_ucs2", "utf_8"),
    ("utf8_ucs4", "utf_8"),
    ("utf_16be", "utf_16_be"),
    ("utf_16le", "utf_16_le"),
    ("utf_32be", "utf_32_be"),
    ("utf_32le", "utf_32_le"),
    ("uu", "uu_codec"),
    ("windows_1250", "cp1250"),
    ("windows_1251", "cp1251"),
    ("windows_1252", "cp1252"),
    ("windows_1253", "cp1253"),
    ("windows_1254", "cp1254"),
    ("windows_1255", "cp1255"),
    ("windows_1256", "cp1256"),
    ("windows_1257", "cp1257"),
    ("windows_1258", "cp1258"),
    ("x_mac_japanese", "shift_jis"),
    ("x_mac_korean", "euc_kr"),
    ("x_mac_simp_chinese", "gb2312"),
    ("x_mac_trad_chinese", "big5"),
    ("zip", "zlib_codec"),
    ("zlib", "zlib_codec"),
];

/// The codec modules of the `encodings` package that CPython imports
/// here (those with `getregentry`), sorted, with brinery's decoder.
#[rustfmt::skip]
static MODULES: [(&str, Codec); 118] = [
    ("ascii", Codec::Ascii),
    ("base64_codec", Codec::NotText),
    ("big5", Codec::Unsupported),
    ("big5hkscs", Codec::Unsupported),
    ("bz2_codec", Codec::NotText),
    ("charmap", Codec::Latin1),
    ("cp037", Codec::Charmap(&CP037)),
    ("cp1006", Codec::Charmap(&CP1006)),
    ("cp1026", Codec::Charmap(&CP1026)),
    ("cp1125", Codec::Charmap(&CP1125)),
    ("cp1140", Codec::Charmap(&CP1140)),
    ("cp1250", Codec::Charmap(&CP1250)),
    ("cp1251", Codec::Charmap(&CP1251)),
    ("cp1252", Codec::Charmap(&CP1252)),
    ("cp1253", Codec::Charmap(&CP1253)),
    ("cp1254", Codec::Charmap(&CP1254)),
    ("cp1255", Codec::Charmap(&CP1255)),
    ("cp1256", Codec::Charmap(&CP1256)),
    ("cp1257", Codec::Charmap(&CP1257)),
    ("cp1258", Codec::Charmap(&CP1258)),
    ("cp273", Codec::Charmap(&CP273)),
    ("cp424", Codec::Charmap(&CP424)),
    ("cp437", Codec::Charmap(&CP437)),
    ("cp500", Codec::Charmap(&CP500)),
    ("cp720", Codec::Charmap(&CP720)),
    ("cp737", Codec::Charmap(&CP737)),
    ("cp775", Codec::Charmap(&CP775)),
    ("cp850", Codec::Charmap(&CP850)),
    ("cp852", Codec::Charmap(&CP852)),
    ("cp855", Codec::Charmap(&CP855)),
    ("cp856", Codec::Charmap(&CP856)),
    ("cp857", Codec::Charmap(&CP857)),
    ("cp858", Codec::Charmap(&CP858)),
    ("cp860", Codec::Charmap(&CP860)),
    ("cp861", Codec::Charmap(&CP861)),
    ("cp862", Codec::Charmap(&CP862)),
    ("cp863", Codec::Charmap(&CP863)),
    ("cp864", Codec::Charmap(&CP864)),
    ("cp865", Codec::Charmap(&CP865)),
    ("cp866", Codec::Charmap(&CP866)),
    ("cp869", Codec::Charmap(&CP869)),
    ("cp874", Codec::Charmap(&CP874)),
    ("cp875", Codec::Charmap(&CP875)),
    ("cp932", Codec::Cjk(Cjk::Cp932)),
    ("cp949", Codec::Cjk(Cjk::Cp949)),
    ("cp950", Codec::Unsupported),
    ("euc_jis_2004", Codec::Unsupported),
    ("euc_jisx0213", Codec::Unsupported),
    ("euc_jp", Codec::Cjk(Cjk::EucJp)),
    ("euc_kr", Codec::Cjk(Cjk::EucKr)),
    ("gb18030", Codec::Cjk(Cjk::Gb18030)),
    ("gb2312", Codec::Cjk(Cjk::Gb2312)),
    ("gbk", Codec::Cjk(Cjk::Gbk)),
    ("hex_codec", Codec::NotText),
    ("hp_roman8", Codec::Charmap(&HP_ROMAN8)),
    ("hz", Codec::Unsupported),
    ("idna", Codec::Unsupported),
    ("iso2022_jp", Codec::Unsupported),
    ("iso2022_jp_1", Codec::Unsupported),
    ("iso2022_jp_2", Codec::Unsupported),
    ("iso2022_jp_2004", Codec::Unsupported),
    ("iso2022_jp_3", Codec::Unsupported),
    ("iso2022_jp_ext", Codec::Unsupported),
    ("iso2022_kr", Codec::Unsupported),
    ("iso8859_1", Codec::Charmap(&ISO8859_1)),
    ("iso8859_10", Codec::Charmap(&ISO8859_10)),
    ("iso8859_11", Codec::Charmap(&ISO8859_11)),
    ("iso8859_13", Codec::Charmap(&ISO8859_13)),
    ("iso8859_14", Codec::Charmap(&ISO8859_14)),
    ("iso8859_15", Codec::Charmap(&ISO8859_15)),
    ("iso8859_16", Codec::Charmap(&ISO8859_16)),
    ("iso8859_2", Codec::Charmap(&ISO8859_2)),
    ("iso8859_3", Codec::Charmap(&ISO8859_3)),
    ("iso8859_4", Codec::Charmap(&ISO8859_4)),
    ("iso8859_5", Codec::Charmap(&ISO8859_5)),
    ("iso8859_6", Codec::Charmap(&ISO8859_6)),
    ("iso8859_7", Codec::Charmap(&ISO8859_7)),
    ("iso8859_8", Codec::Charmap(&ISO8859_8)),
    ("iso8859_9", Codec::Charmap(&ISO8859_9)),
    ("johab", Codec::Unsupported),
    ("koi8_r", Codec::Charmap(&KOI8_R)),
    ("koi8_t", Codec::Charmap(&KOI8_T)),
    ("koi8_u", Codec::Charmap(&KOI8_U)),
    ("kz1048", Codec::Charmap(&KZ1048)),
    ("latin_1", Codec::Latin1),
    ("mac_arabic", Codec::Charmap(&MAC_ARABIC)),
    ("mac_croatian", Codec::Charmap(&MAC_CROATIAN)),
    ("mac_cyrillic", Codec::Charmap(&MAC_CYRILLIC)),
    ("mac_farsi", Codec::Charmap(&MAC_FARSI)),
    ("mac_greek", Codec::Charmap(&MAC_GREEK)),
    ("mac_iceland", Codec::Charmap(&MAC_ICELAND)),
    ("mac_latin2", Codec::Charmap(&MAC_LATIN2)),
    ("mac_roman", Codec::Charmap(&MAC_ROMAN)),
    ("mac_romanian", Codec::Charmap(&MAC_ROMANIAN)),
    ("mac_turkish", Codec::Charmap(&MAC_TURKISH)),
    ("palmos", Codec::Charmap(&PALMOS)),
    ("ptcp154", Codec::Charmap(&PTCP154)),
    ("punycode", Codec::Unsupported),
    ("quopri_codec", Codec::NotText),
    ("raw_unicode_escape", Codec::Unsupported),
    ("rot_13", Codec::NotText),
    ("shift_jis", Codec::Cjk(Cjk::ShiftJis)),
    ("shift_jis_2004", Codec::Unsupported),
    ("shift_jisx0213", Codec::Unsupported),
    ("tis_620", Codec::Charmap(&TIS_620)),
    ("undefined", Codec::Undefined),
    ("unicode_escape", Codec::Unsupported),
    ("utf_16", Codec::Utf16(Order::Detect)),
    ("utf_16_be", Codec::Utf16(Order::Be)),
    ("utf_16_le", Codec::Utf16(Order::Le)),
    ("utf_32", Codec::Utf32(Order::Detect)),
    ("utf_32_be", Codec::Utf32(Order::Be)),
    ("utf_32_le", Codec::Utf32(Order::Le)),
    ("utf_7", Codec::Unsupported),
    ("utf_8", Codec::Utf8),
    ("utf_8_sig", Codec::Utf8Sig),
    ("uu_codec", Codec::NotText),
    ("zlib_codec", Codec::NotText),
];

/// `encodings.cp037.decoding_table` (U+FFFE: undefined).
#[rustfmt::skip]
static CP037: Charmap = Charmap::new(false, "\
    \u{0}\u{1}\u{2}\u{3}\u{9c}\u{9}\u{86}\u{7f}\u{97}\u{8d}\u{8e}\u{b}\u{c}\u{d}\u{e}\u{f}\
    \u{10}\u{11}\u{12}\u{13}\u{9d}\u{85}\u{8}\u{87}\u{18}\u{19}\u{92}\u{8f}\u{1c}\u{1d}\u{1e}\u{1f}\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{a}\u{17}\u{1b}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{5}\u{6}\u{7}\
    \u{90}\u{91}\u{16}\u{93}\u{94}\u{95}\u{96}\u{4}\u{98}\u{99}\u{9a}\u{9b}\u{14}\u{15}\u{9e}\u{1a}\
    \u{20}\u{a0}âäàáãåçñ¢.<(+|\
    &éêëèíîïìß!$*);¬\
    -/ÂÄÀÁÃÅÇÑ¦,%_>?\
    øÉÊËÈÍÎÏÌ`:#@'=\u{22}\
    Øabcdefghi«»ðýþ±\
    °jklmnopqrªºæ¸Æ¤\
    µ~stuvwxyz¡¿ÐÝÞ®\
    ^£¥·©§¶¼½¾[]¯¨´×\
    {ABCDEFGHI\u{ad}ôöòóõ\
    }JKLMNOPQR¹ûüùúÿ\
    \u{5c}÷STUVWXYZ²ÔÖÒÓÕ\
    0123456789³ÛÜÙÚ\u{9f}\
");

/// `encodings.cp1006.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP1006: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}۰۱۲۳۴۵۶۷۸۹،\u{61b}\u{ad}\u{61f}\u{fe81}\
    \u{fe8d}\u{fe8e}\u{fe8e}\u{fe8f}\u{fe91}\u{fb56}\u{fb58}\u{fe93}\u{fe95}\u{fe97}\u{fb66}\u{fb68}\u{fe99}\u{fe9b}\u{fe9d}\u{fe9f}\
    \u{fb7a}\u{fb7c}\u{fea1}\u{fea3}\u{fea5}\u{fea7}\u{fea9}\u{fb84}\u{feab}\u{fead}\u{fb8c}\u{feaf}\u{fb8a}\u{feb1}\u{feb3}\u{feb5}\
    \u{feb7}\u{feb9}\u{febb}\u{febd}\u{febf}\u{fec1}\u{fec5}\u{fec9}\u{feca}\u{fecb}\u{fecc}\u{fecd}\u{fece}\u{fecf}\u{fed0}\u{fed1}\
    \u{fed3}\u{fed5}\u{fed7}\u{fed9}\u{fedb}\u{fb92}\u{fb94}\u{fedd}\u{fedf}\u{fee0}\u{fee1}\u{fee3}\u{fb9e}\u{fee5}\u{fee7}\u{fe85}\
    \u{feed}\u{fba6}\u{fba8}\u{fba9}\u{fbaa}\u{fe80}\u{fe89}\u{fe8a}\u{fe8b}\u{fef1}\u{fef2}\u{fef3}\u{fbb0}\u{fbae}\u{fe7c}\u{fe7d}\
");

/// `encodings.cp1026.decoding_table` (U+FFFE: undefined).
#[rustfmt::skip]
static CP1026: Charmap = Charmap::new(false, "\
    \u{0}\u{1}\u{2}\u{3}\u{9c}\u{9}\u{86}\u{7f}\u{97}\u{8d}\u{8e}\u{b}\u{c}\u{d}\u{e}\u{f}\
    \u{10}\u{11}\u{12}\u{13}\u{9d}\u{85}\u{8}\u{87}\u{18}\u{19}\u{92}\u{8f}\u{1c}\u{1d}\u{1e}\u{1f}\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{a}\u{17}\u{1b}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{5}\u{6}\u{7}\
    \u{90}\u{91}\u{16}\u{93}\u{94}\u{95}\u{96}\u{4}\u{98}\u{99}\u{9a}\u{9b}\u{14}\u{15}\u{9e}\u{1a}\
    \u{20}\u{a0}âäàáãå{ñÇ.<(+!\
    &éêëèíîïìßĞİ*);^\
    -/ÂÄÀÁÃÅ[Ñş,%_>?\
    øÉÊËÈÍÎÏÌı:ÖŞ'=Ü\
    Øabcdefghi«»}`¦±\
    °jklmnopqrªºæ¸Æ¤\
    µöstuvwxyz¡¿]$@®\
    ¢£¥·©§¶¼½¾¬|¯¨´×\
    çABCDEFGHI\u{ad}ô~òóõ\
    ğJKLMNOPQR¹û\u{5c}ùúÿ\
    ü÷STUVWXYZ²Ô#ÒÓÕ\
    0123456789³Û\u{22}ÙÚ\u{9f}\
");

/// `encodings.cp1125.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP1125: Charmap = Charmap::new(true, "\
    АБВГДЕЖЗИЙКЛМНОП\
    РСТУФХЦЧШЩЪЫЬЭЮЯ\
    абвгдежзийклмноп\
    ░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧\
    ╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    рстуфхцчшщъыьэюя\
    ЁёҐґЄєІіЇї·√№¤■\u{a0}\
");

/// `encodings.cp1140.decoding_table` (U+FFFE: undefined).
#[rustfmt::skip]
static CP1140: Charmap = Charmap::new(false, "\
    \u{0}\u{1}\u{2}\u{3}\u{9c}\u{9}\u{86}\u{7f}\u{97}\u{8d}\u{8e}\u{b}\u{c}\u{d}\u{e}\u{f}\
    \u{10}\u{11}\u{12}\u{13}\u{9d}\u{85}\u{8}\u{87}\u{18}\u{19}\u{92}\u{8f}\u{1c}\u{1d}\u{1e}\u{1f}\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{a}\u{17}\u{1b}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{5}\u{6}\u{7}\
    \u{90}\u{91}\u{16}\u{93}\u{94}\u{95}\u{96}\u{4}\u{98}\u{99}\u{9a}\u{9b}\u{14}\u{15}\u{9e}\u{1a}\
    \u{20}\u{a0}âäàáãåçñ¢.<(+|\
    &éêëèíîïìß!$*);¬\
    -/ÂÄÀÁÃÅÇÑ¦,%_>?\
    øÉÊËÈÍÎÏÌ`:#@'=\u{22}\
    Øabcdefghi«»ðýþ±\
    °jklmnopqrªºæ¸Æ€\
    µ~stuvwxyz¡¿ÐÝÞ®\
    ^£¥·©§¶¼½¾[]¯¨´×\
    {ABCDEFGHI\u{ad}ôöòóõ\
    }JKLMNOPQR¹ûüùúÿ\
    \u{5c}÷STUVWXYZ²ÔÖÒÓÕ\
    0123456789³ÛÜÙÚ\u{9f}\
");

/// `encodings.cp1250.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP1250: Charmap = Charmap::new(true, "\
    €\u{fffe}‚\u{fffe}„…†‡\u{fffe}‰Š‹ŚŤŽŹ\
    \u{fffe}‘’“”•–—\u{fffe}™š›śťžź\
    \u{a0}ˇ˘Ł¤Ą¦§¨©Ş«¬\u{ad}®Ż\
    °±˛ł´µ¶·¸ąş»Ľ˝ľż\
    ŔÁÂĂÄĹĆÇČÉĘËĚÍÎĎ\
    ĐŃŇÓÔŐÖ×ŘŮÚŰÜÝŢß\
    ŕáâăäĺćçčéęëěíîď\
    đńňóôőö÷řůúűüýţ˙\
");

/// `encodings.cp1251.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP1251: Charmap = Charmap::new(true, "\
    ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏ\
    ђ‘’“”•–—\u{fffe}™љ›њќћџ\
    \u{a0}ЎўЈ¤Ґ¦§Ё©Є«¬\u{ad}®Ї\
    °±Ііґµ¶·ё№є»јЅѕї\
    АБВГДЕЖЗИЙКЛМНОП\
    РСТУФХЦЧШЩЪЫЬЭЮЯ\
    абвгдежзийклмноп\
    рстуфхцчшщъыьэюя\
");

/// `encodings.cp1252.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP1252: Charmap = Charmap::new(true, "\
    €\u{fffe}‚ƒ„…†‡ˆ‰Š‹Œ\u{fffe}Ž\u{fffe}\
    \u{fffe}‘’“”•–—˜™š›œ\u{fffe}žŸ\
    \u{a0}¡¢£¤¥¦§¨©ª«¬\u{ad}®¯\
    °±²³´µ¶·¸¹º»¼½¾¿\
    ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ\
    ÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß\
    àáâãäåæçèéêëìíîï\
    ðñòóôõö÷øùúûüýþÿ\
");

/// `encodings.cp1253.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP1253: Charmap = Charmap::new(true, "\
    €\u{fffe}‚ƒ„…†‡\u{fffe}‰\u{fffe}‹\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
    \u{fffe}‘’“”•–—\u{fffe}™\u{fffe}›\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
    \u{a0}΅Ά£¤¥¦§¨©\u{fffe}«¬\u{ad}®―\
    °±²³΄µ¶·ΈΉΊ»Ό½ΎΏ\
    ΐΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟ\
    ΠΡ\u{fffe}ΣΤΥΦΧΨΩΪΫάέήί\
    ΰαβγδεζηθικλμνξο\
    πρςστυφχψωϊϋόύώ\u{fffe}\
");

/// `encodings.cp1254.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP1254: Charmap = Charmap::new(true, "\
    €\u{fffe}‚ƒ„…†‡ˆ‰Š‹Œ\u{fffe}\u{fffe}\u{fffe}\
    \u{fffe}‘’“”•–—˜™š›œ\u{fffe}\u{fffe}Ÿ\
    \u{a0}¡¢£¤¥¦§¨©ª«¬\u{ad}®¯\
    °±²³´µ¶·¸¹º»¼½¾¿\
    ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ\
    ĞÑÒÓÔÕÖ×ØÙÚÛÜİŞß\
    àáâãäåæçèéêëìíîï\
    ğñòóôõö÷øùúûüışÿ\
");

/// `encodings.cp1255.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP1255: Charmap = Charmap::new(true, "\
    €\u{fffe}‚ƒ„…†‡ˆ‰\u{fffe}‹\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
    \u{fffe}‘’“”•–—˜™\u{fffe}›\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
    \u{a0}¡¢£₪¥¦§¨©×«¬\u{ad}®¯\
    °±²³´µ¶·¸¹÷»¼½¾¿\
    \u{5b0}\u{5b1}\u{5b2}\u{5b3}\u{5b4}\u{5b5}\u{5b6}\u{5b7}\u{5b8}\u{5b9}\u{fffe}\u{5bb}\u{5bc}\u{5bd}\u{5be}\u{5bf}\
    \u{5c0}\u{5c1}\u{5c2}\u{5c3}\u{5f0}\u{5f1}\u{5f2}\u{5f3}\u{5f4}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
    \u{5d0}\u{5d1}\u{5d2}\u{5d3}\u{5d4}\u{5d5}\u{5d6}\u{5d7}\u{5d8}\u{5d9}\u{5da}\u{5db}\u{5dc}\u{5dd}\u{5de}\u{5df}\
    \u{5e0}\u{5e1}\u{5e2}\u{5e3}\u{5e4}\u{5e5}\u{5e6}\u{5e7}\u{5e8}\u{5e9}\u{5ea}\u{fffe}\u{fffe}\u{200e}\u{200f}\u{fffe}\
");

/// `encodings.cp1256.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP1256: Charmap = Charmap::new(true, "\
    €\u{67e}‚ƒ„…†‡ˆ‰\u{679}‹Œ\u{686}\u{698}\u{688}\
    \u{6af}‘’“”•–—\u{6a9}™\u{691}›œ\u{200c}\u{200d}\u{6ba}\
    \u{a0}،¢£¤¥¦§¨©\u{6be}«¬\u{ad}®¯\
    °±²³´µ¶·¸¹\u{61b}»¼½¾\u{61f}\
    \u{6c1}\u{621}\u{622}\u{623}\u{624}\u{625}\u{626}\u{627}\u{628}\u{629}\u{62a}\u{62b}\u{62c}\u{62d}\u{62e}\u{62f}\
    \u{630}\u{631}\u{632}\u{633}\u{634}\u{635}\u{636}×\u{637}\u{638}\u{639}\u{63a}\u{640}\u{641}\u{642}\u{643}\
    à\u{644}â\u{645}\u{646}\u{647}\u{648}çèéêë\u{649}\u{64a}îï\
    \u{64b}\u{64c}\u{64d}\u{64e}ô\u{64f}\u{650}÷\u{651}ù\u{652}ûü\u{200e}\u{200f}\u{6d2}\
");

/// `encodings.cp1257.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP1257: Charmap = Charmap::new(true, "\
    €\u{fffe}‚\u{fffe}„…†‡\u{fffe}‰\u{fffe}‹\u{fffe}¨ˇ¸\
    \u{fffe}‘’“”•–—\u{fffe}™\u{fffe}›\u{fffe}¯˛\u{fffe}\
    \u{a0}\u{fffe}¢£¤\u{fffe}¦§Ø©Ŗ«¬\u{ad}®Æ\
    °±²³´µ¶·ø¹ŗ»¼½¾æ\
    ĄĮĀĆÄÅĘĒČÉŹĖĢĶĪĻ\
    ŠŃŅÓŌÕÖ×ŲŁŚŪÜŻŽß\
    ąįāćäåęēčéźėģķīļ\
    šńņóōõö÷ųłśūüżž˙\
");

/// `encodings.cp1258.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP1258: Charmap = Charmap::new(true, "\
    €\u{fffe}‚ƒ„…†‡ˆ‰\u{fffe}‹Œ\u{fffe}\u{fffe}\u{fffe}\
    \u{fffe}‘’“”•–—˜™\u{fffe}›œ\u{fffe}\u{fffe}Ÿ\
    \u{a0}¡¢£¤¥¦§¨©ª«¬\u{ad}®¯\
    °±²³´µ¶·¸¹º»¼½¾¿\
    ÀÁÂĂÄÅÆÇÈÉÊË\u{300}ÍÎÏ\
    ĐÑ\u{309}ÓÔƠÖ×ØÙÚÛÜƯ\u{303}ß\
    àáâăäåæçèéêë\u{301}íîï\
    đñ\u{323}óôơö÷øùúûüư₫ÿ\
");

/// `encodings.cp273.decoding_table` (U+FFFE: undefined).
#[rustfmt::skip]
static CP273: Charmap = Charmap::new(false, "\
    \u{0}\u{1}\u{2}\u{3}\u{9c}\u{9}\u{86}\u{7f}\u{97}\u{8d}\u{8e}\u{b}\u{c}\u{d}\u{e}\u{f}\
    \u{10}\u{11}\u{12}\u{13}\u{9d}\u{85}\u{8}\u{87}\u{18}\u{19}\u{92}\u{8f}\u{1c}\u{1d}\u{1e}\u{1f}\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{a}\u{17}\u{1b}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{5}\u{6}\u{7}\
    \u{90}\u{91}\u{16}\u{93}\u{94}\u{95}\u{96}\u{4}\u{98}\u{99}\u{9a}\u{9b}\u{14}\u{15}\u{9e}\u{1a}\
    \u{20}\u{a0}â{àáãåçñÄ.<(+!\
    &éêëèíîïì~Ü$*);^\
    -/Â[ÀÁÃÅÇÑö,%_>?\
    øÉÊËÈÍÎÏÌ`:#§'=\u{22}\
    Øabcdefghi«»ðýþ±\
    °jklmnopqrªºæ¸Æ¤\
    µßstuvwxyz¡¿ÐÝÞ®\
    ¢£¥·©@¶¼½¾¬|‾¨´×\
    äABCDEFGHI\u{ad}ô¦òóõ\
    üJKLMNOPQR¹û}ùúÿ\
    Ö÷STUVWXYZ²Ô\u{5c}ÒÓÕ\
    0123456789³Û]ÙÚ\u{9f}\
");

/// `encodings.cp424.decoding_table` (U+FFFE: undefined).
#[rustfmt::skip]
static CP424: Charmap = Charmap::new(false, "\
    \u{0}\u{1}\u{2}\u{3}\u{9c}\u{9}\u{86}\u{7f}\u{97}\u{8d}\u{8e}\u{b}\u{c}\u{d}\u{e}\u{f}\
    \u{10}\u{11}\u{12}\u{13}\u{9d}\u{85}\u{8}\u{87}\u{18}\u{19}\u{92}\u{8f}\u{1c}\u{1d}\u{1e}\u{1f}\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{a}\u{17}\u{1b}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{5}\u{6}\u{7}\
    \u{90}\u{91}\u{16}\u{93}\u{94}\u{95}\u{96}\u{4}\u{98}\u{99}\u{9a}\u{9b}\u{14}\u{15}\u{9e}\u{1a}\
    \u{20}\u{5d0}\u{5d1}\u{5d2}\u{5d3}\u{5d4}\u{5d5}\u{5d6}\u{5d7}\u{5d8}¢.<(+|\
    &\u{5d9}\u{5da}\u{5db}\u{5dc}\u{5dd}\u{5de}\u{5df}\u{5e0}\u{5e1}!$*);¬\
    -/\u{5e2}\u{5e3}\u{5e4}\u{5e5}\u{5e6}\u{5e7}\u{5e8}\u{5e9}¦,%_>?\
    \u{fffe}\u{5ea}\u{fffe}\u{fffe}\u{a0}\u{fffe}\u{fffe}\u{fffe}‗`:#@'=\u{22}\
    \u{fffe}abcdefghi«»\u{fffe}\u{fffe}\u{fffe}±\
    °jklmnopqr\u{fffe}\u{fffe}\u{fffe}¸\u{fffe}¤\
    µ~stuvwxyz\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}®\
    ^£¥·©§¶¼½¾[]¯¨´×\
    {ABCDEFGHI\u{ad}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
    }JKLMNOPQR¹\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
    \u{5c}÷STUVWXYZ²\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
    0123456789³\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{9f}\
");

/// `encodings.cp437.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP437: Charmap = Charmap::new(true, "\
    ÇüéâäàåçêëèïîìÄÅ\
    ÉæÆôöòûùÿÖÜ¢£¥₧ƒ\
    áíóúñÑªº¿⌐¬½¼¡«»\
    ░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧\
    ╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    αßΓπΣσµτΦΘΩδ∞φε∩\
    ≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}\
");

/// `encodings.cp500.decoding_table` (U+FFFE: undefined).
#[rustfmt::skip]
static CP500: Charmap = Charmap::new(false, "\
    \u{0}\u{1}\u{2}\u{3}\u{9c}\u{9}\u{86}\u{7f}\u{97}\u{8d}\u{8e}\u{b}\u{c}\u{d}\u{e}\u{f}\
    \u{10}\u{11}\u{12}\u{13}\u{9d}\u{85}\u{8}\u{87}\u{18}\u{19}\u{92}\u{8f}\u{1c}\u{1d}\u{1e}\u{1f}\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{a}\u{17}\u{1b}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{5}\u{6}\u{7}\
    \u{90}\u{91}\u{16}\u{93}\u{94}\u{95}\u{96}\u{4}\u{98}\u{99}\u{9a}\u{9b}\u{14}\u{15}\u{9e}\u{1a}\
    \u{20}\u{a0}âäàáãåçñ[.<(+!\
    &éêëèíîïìß]$*);^\
    -/ÂÄÀÁÃÅÇÑ¦,%_>?\
    øÉÊËÈÍÎÏÌ`:#@'=\u{22}\
    Øabcdefghi«»ðýþ±\
    °jklmnopqrªºæ¸Æ¤\
    µ~stuvwxyz¡¿ÐÝÞ®\
    ¢£¥·©§¶¼½¾¬|¯¨´×\
    {ABCDEFGHI\u{ad}ôöòóõ\
    }JKLMNOPQR¹ûüùúÿ\
    \u{5c}÷STUVWXYZ²ÔÖÒÓÕ\
    0123456789³ÛÜÙÚ\u{9f}\
");

/// `encodings.cp720.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP720: Charmap = Charmap::new(true, "\
    \u{80}\u{81}éâ\u{84}à\u{86}çêëèïî\u{8d}\u{8e}\u{8f}\
    \u{90}\u{651}\u{652}ô¤\u{640}ûù\u{621}\u{622}\u{623}\u{624}£\u{625}\u{626}\u{627}\
    \u{628}\u{629}\u{62a}\u{62b}\u{62c}\u{62d}\u{62e}\u{62f}\u{630}\u{631}\u{632}\u{633}\u{634}\u{635}«»\
    ░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧\
    ╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    \u{636}\u{637}\u{638}\u{639}\u{63a}\u{641}µ\u{642}\u{643}\u{644}\u{645}\u{646}\u{647}\u{648}\u{649}\u{64a}\
    ≡\u{64b}\u{64c}\u{64d}\u{64e}\u{64f}\u{650}≈°∙·√ⁿ²■\u{a0}\
");

/// `encodings.cp737.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP737: Charmap = Charmap::new(true, "\
    ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠ\
    ΡΣΤΥΦΧΨΩαβγδεζηθ\
    ικλμνξοπρσςτυφχψ\
    ░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧\
    ╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    ωάέήϊίόύϋώΆΈΉΊΌΎ\
    Ώ±≥≤ΪΫ÷≈°∙·√ⁿ²■\u{a0}\
");

/// `encodings.cp775.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP775: Charmap = Charmap::new(true, "\
    ĆüéāäģåćłēŖŗīŹÄÅ\
    ÉæÆōöĢ¢ŚśÖÜø£Ø×¤\
    ĀĪóŻżź”¦©®¬½¼Ł«»\
    ░▒▓│┤ĄČĘĖ╣║╗╝ĮŠ┐\
    └┴┬├─┼ŲŪ╚╔╩╦╠═╬Ž\
    ąčęėįšųūž┘┌█▄▌▐▀\
    ÓßŌŃõÕµńĶķĻļņĒŅ’\
    \u{ad}±“¾¶§÷„°∙·¹³²■\u{a0}\
");

/// `encodings.cp850.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP850: Charmap = Charmap::new(true, "\
    ÇüéâäàåçêëèïîìÄÅ\
    ÉæÆôöòûùÿÖÜø£Ø×ƒ\
    áíóúñÑªº¿®¬½¼¡«»\
    ░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐\
    └┴┬├─┼ãÃ╚╔╩╦╠═╬¤\
    ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀\
    ÓßÔÒõÕµþÞÚÛÙýÝ¯´\
    \u{ad}±‗¾¶§÷¸°¨·¹³²■\u{a0}\
");

/// `encodings.cp852.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP852: Charmap = Charmap::new(true, "\
    ÇüéâäůćçłëŐőîŹÄĆ\
    ÉĹĺôöĽľŚśÖÜŤťŁ×č\
    áíóúĄąŽžĘę¬źČş«»\
    ░▒▓│┤ÁÂĚŞ╣║╗╝Żż┐\
    └┴┬├─┼Ăă╚╔╩╦╠═╬¤\
    đĐĎËďŇÍÎě┘┌█▄ŢŮ▀\
    ÓßÔŃńňŠšŔÚŕŰýÝţ´\
    \u{ad}˝˛ˇ˘§÷¸°¨˙űŘř■\u{a0}\
");

/// `encodings.cp855.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP855: Charmap = Charmap::new(true, "\
    ђЂѓЃёЁєЄѕЅіІїЇјЈ\
    љЉњЊћЋќЌўЎџЏюЮъЪ\
    аАбБцЦдДеЕфФгГ«»\
    ░▒▓│┤хХиИ╣║╗╝йЙ┐\
    └┴┬├─┼кК╚╔╩╦╠═╬¤\
    лЛмМнНоОп┘┌█▄Пя▀\
    ЯрРсСтТуУжЖвВьЬ№\
    \u{ad}ыЫзЗшШэЭщЩчЧ§■\u{a0}\
");

/// `encodings.cp856.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP856: Charmap = Charmap::new(true, "\
    \u{5d0}\u{5d1}\u{5d2}\u{5d3}\u{5d4}\u{5d5}\u{5d6}\u{5d7}\u{5d8}\u{5d9}\u{5da}\u{5db}\u{5dc}\u{5dd}\u{5de}\u{5df}\
    \u{5e0}\u{5e1}\u{5e2}\u{5e3}\u{5e4}\u{5e5}\u{5e6}\u{5e7}\u{5e8}\u{5e9}\u{5ea}\u{fffe}£\u{fffe}×\u{fffe}\
    \u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}®¬½¼\u{fffe}«»\
    ░▒▓│┤\u{fffe}\u{fffe}\u{fffe}©╣║╗╝¢¥┐\
    └┴┬├─┼\u{fffe}\u{fffe}╚╔╩╦╠═╬¤\
    \u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}┘┌█▄¦\u{fffe}▀\
    \u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}µ\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}¯´\
    \u{ad}±‗¾¶§÷¸°¨·¹³²■\u{a0}\
");

/// `encodings.cp857.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP857: Charmap = Charmap::new(true, "\
    ÇüéâäàåçêëèïîıÄÅ\
    ÉæÆôöòûùİÖÜø£ØŞş\
    áíóúñÑĞğ¿®¬½¼¡«»\
    ░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐\
    └┴┬├─┼ãÃ╚╔╩╦╠═╬¤\
    ºªÊËÈ\u{fffe}ÍÎÏ┘┌█▄¦Ì▀\
    ÓßÔÒõÕµ\u{fffe}×ÚÛÙìÿ¯´\
    \u{ad}±\u{fffe}¾¶§÷¸°¨·¹³²■\u{a0}\
");

/// `encodings.cp858.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP858: Charmap = Charmap::new(true, "\
    ÇüéâäàåçêëèïîìÄÅ\
    ÉæÆôöòûùÿÖÜø£Ø×ƒ\
    áíóúñÑªº¿®¬½¼¡«»\
    ░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐\
    └┴┬├─┼ãÃ╚╔╩╦╠═╬¤\
    ðÐÊËÈ€ÍÎÏ┘┌█▄¦Ì▀\
    ÓßÔÒõÕµþÞÚÛÙýÝ¯´\
    \u{ad}±‗¾¶§÷¸°¨·¹³²■\u{a0}\
");

/// `encodings.cp860.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP860: Charmap = Charmap::new(true, "\
    ÇüéâãàÁçêÊèÍÔìÃÂ\
    ÉÀÈôõòÚùÌÕÜ¢£Ù₧Ó\
    áíóúñÑªº¿Ò¬½¼¡«»\
    ░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧\
    ╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    αßΓπΣσµτΦΘΩδ∞φε∩\
    ≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}\
");

/// `encodings.cp861.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP861: Charmap = Charmap::new(true, "\
    ÇüéâäàåçêëèÐðÞÄÅ\
    ÉæÆôöþûÝýÖÜø£Ø₧ƒ\
    áíóúÁÍÓÚ¿⌐¬½¼¡«»\
    ░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧\
    ╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    αßΓπΣσµτΦΘΩδ∞φε∩\
    ≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}\
");

/// `encodings.cp862.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP862: Charmap = Charmap::new(true, "\
    \u{5d0}\u{5d1}\u{5d2}\u{5d3}\u{5d4}\u{5d5}\u{5d6}\u{5d7}\u{5d8}\u{5d9}\u{5da}\u{5db}\u{5dc}\u{5dd}\u{5de}\u{5df}\
    \u{5e0}\u{5e1}\u{5e2}\u{5e3}\u{5e4}\u{5e5}\u{5e6}\u{5e7}\u{5e8}\u{5e9}\u{5ea}¢£¥₧ƒ\
    áíóúñÑªº¿⌐¬½¼¡«»\
    ░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧\
    ╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    αßΓπΣσµτΦΘΩδ∞φε∩\
    ≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}\
");

/// `encodings.cp863.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP863: Charmap = Charmap::new(true, "\
    ÇüéâÂà¶çêëèïî‗À§\
    ÉÈÊôËÏûù¤ÔÜ¢£ÙÛƒ\
    ¦´óú¨¸³¯Î⌐¬½¼¾«»\
    ░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧\
    ╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    αßΓπΣσµτΦΘΩδ∞φε∩\
    ≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}\
");

/// `encodings.cp864.decoding_table` (U+FFFE: undefined).
#[rustfmt::skip]
static CP864: Charmap = Charmap::new(false, "\
    \u{0}\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{e}\u{f}\
    \u{10}\u{11}\u{12}\u{13}\u{14}\u{15}\u{16}\u{17}\u{18}\u{19}\u{1a}\u{1b}\u{1c}\u{1d}\u{1e}\u{1f}\
    \u{20}!\u{22}#$٪&'()*+,-./\
    0123456789:;<=>?\
    @ABCDEFGHIJKLMNO\
    PQRSTUVWXYZ[\u{5c}]^_\
    `abcdefghijklmno\
    pqrstuvwxyz{|}~\u{7f}\
    °·∙√▒─│┼┤┬├┴┐┌└┘\
    β∞φ±½¼≈«»\u{fef7}\u{fef8}\u{fffe}\u{fffe}\u{fefb}\u{fefc}\u{fffe}\
    \u{a0}\u{ad}\u{fe82}£¤\u{fe84}\u{fffe}\u{fffe}\u{fe8e}\u{fe8f}\u{fe95}\u{fe99}،\u{fe9d}\u{fea1}\u{fea5}\
    \u{660}\u{661}\u{662}\u{663}\u{664}\u{665}\u{666}\u{667}\u{668}\u{669}\u{fed1}\u{61b}\u{feb1}\u{feb5}\u{feb9}\u{61f}\
    ¢\u{fe80}\u{fe81}\u{fe83}\u{fe85}\u{feca}\u{fe8b}\u{fe8d}\u{fe91}\u{fe93}\u{fe97}\u{fe9b}\u{fe9f}\u{fea3}\u{fea7}\u{fea9}\
    \u{feab}\u{fead}\u{feaf}\u{feb3}\u{feb7}\u{febb}\u{febf}\u{fec1}\u{fec5}\u{fecb}\u{fecf}¦¬÷×\u{fec9}\
    \u{640}\u{fed3}\u{fed7}\u{fedb}\u{fedf}\u{fee3}\u{fee7}\u{feeb}\u{feed}\u{feef}\u{fef3}\u{febd}\u{fecc}\u{fece}\u{fecd}\u{fee1}\
    \u{fe7d}\u{651}\u{fee5}\u{fee9}\u{feec}\u{fef0}\u{fef2}\u{fed0}\u{fed5}\u{fef5}\u{fef6}\u{fedd}\u{fed9}\u{fef1}■\u{fffe}\
");

/// `encodings.cp865.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP865: Charmap = Charmap::new(true, "\
    ÇüéâäàåçêëèïîìÄÅ\
    ÉæÆôöòûùÿÖÜø£Ø₧ƒ\
    áíóúñÑªº¿⌐¬½¼¡«¤\
    ░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧\
    ╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    αßΓπΣσµτΦΘΩδ∞φε∩\
    ≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}\
");

/// `encodings.cp866.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP866: Charmap = Charmap::new(true, "\
    АБВГДЕЖЗИЙКЛМНОП\
    РСТУФХЦЧШЩЪЫЬЭЮЯ\
    абвгдежзийклмноп\
    ░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
    └┴┬├─┼╞╟╚╔╩╦╠═╬╧\
    ╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
    рстуфхцчшщъыьэюя\
    ЁёЄєЇїЎў°∙·√№¤■\u{a0}\
");

/// `encodings.cp869.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP869: Charmap = Charmap::new(true, "\
    \u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}Ά\u{fffe}·¬¦‘’Έ―Ή\
    ΊΪΌ\u{fffe}\u{fffe}ΎΫ©Ώ²³ά£έήί\
    ϊΐόύΑΒΓΔΕΖΗ½ΘΙ«»\
    ░▒▓│┤ΚΛΜΝ╣║╗╝ΞΟ┐\
    └┴┬├─┼ΠΡ╚╔╩╦╠═╬Σ\
    ΤΥΦΧΨΩαβγ┘┌█▄δε▀\
    ζηθικλμνξοπρσςτ΄\
    \u{ad}±υφχ§ψ΅°¨ωϋΰώ■\u{a0}\
");

/// `encodings.cp874.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static CP874: Charmap = Charmap::new(true, "\
    €\u{fffe}\u{fffe}\u{fffe}\u{fffe}…\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
    \u{fffe}‘’“”•–—\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
    \u{a0}กขฃคฅฆงจฉชซฌญฎฏ\
    ฐฑฒณดตถทธนบปผฝพฟ\
    ภมยรฤลฦวศษสหฬอฮฯ\
    ะ\u{e31}าำ\u{e34}\u{e35}\u{e36}\u{e37}\u{e38}\u{e39}\u{e3a}\u{fffe}\u{fffe}\u{fffe}\u{fffe}฿\
    เแโใไๅๆ\u{e47}\u{e48}\u{e49}\u{e4a}\u{e4b}\u{e4c}\u{e4d}\u{e4e}๏\
    ๐๑๒๓๔๕๖๗๘๙๚๛\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
");

/// `encodings.cp875.decoding_table` (U+FFFE: undefined).
#[rustfmt::skip]
static CP875: Charmap = Charmap::new(false, "\
    \u{0}\u{1}\u{2}\u{3}\u{9c}\u{9}\u{86}\u{7f}\u{97}\u{8d}\u{8e}\u{b}\u{c}\u{d}\u{e}\u{f}\
    \u{10}\u{11}\u{12}\u{13}\u{9d}\u{85}\u{8}\u{87}\u{18}\u{19}\u{92}\u{8f}\u{1c}\u{1d}\u{1e}\u{1f}\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{a}\u{17}\u{1b}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{5}\u{6}\u{7}\
    \u{90}\u{91}\u{16}\u{93}\u{94}\u{95}\u{96}\u{4}\u{98}\u{99}\u{9a}\u{9b}\u{14}\u{15}\u{9e}\u{1a}\
    \u{20}ΑΒΓΔΕΖΗΘΙ[.<(+!\
    &ΚΛΜΝΞΟΠΡΣ]$*);^\
    -/ΤΥΦΧΨΩΪΫ|,%_>?\
    ¨ΆΈΉ\u{a0}ΊΌΎΏ`:#@'=\u{22}\
    ΅abcdefghiαβγδεζ\
    °jklmnopqrηθικλμ\
    ´~stuvwxyzνξοπρσ\
    £άέήϊίόύϋώςτυφχψ\
    {ABCDEFGHI\u{ad}ωΐΰ‘―\
    }JKLMNOPQR±½\u{1a}·’¦\
    \u{5c}\u{1a}STUVWXYZ²§\u{1a}\u{1a}«¬\
    0123456789³©\u{1a}\u{1a}»\u{9f}\
");

/// `encodings.hp_roman8.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static HP_ROMAN8: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}ÀÂÈÊËÎÏ´ˋˆ¨˜ÙÛ₤\
    ¯Ýý°ÇçÑñ¡¿¤£¥§ƒ¢\
    âêôûáéóúàèòùäëöü\
    ÅîØÆåíøæÄìÖÜÉïßÔ\
    ÁÃãÐðÍÌÓÒÕõŠšÚŸÿ\
    Þþ·µ¶¾—¼½ªº«■»±\u{fffe}\
");

/// `encodings.iso8859_1.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_1: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}¡¢£¤¥¦§¨©ª«¬\u{ad}®¯\
    °±²³´µ¶·¸¹º»¼½¾¿\
    ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ\
    ÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß\
    àáâãäåæçèéêëìíîï\
    ðñòóôõö÷øùúûüýþÿ\
");

/// `encodings.iso8859_10.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_10: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}ĄĒĢĪĨĶ§ĻĐŠŦŽ\u{ad}ŪŊ\
    °ąēģīĩķ·ļđšŧž―ūŋ\
    ĀÁÂÃÄÅÆĮČÉĘËĖÍÎÏ\
    ÐŅŌÓÔÕÖŨØŲÚÛÜÝÞß\
    āáâãäåæįčéęëėíîï\
    ðņōóôõöũøųúûüýþĸ\
");

/// `encodings.iso8859_11.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_11: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}กขฃคฅฆงจฉชซฌญฎฏ\
    ฐฑฒณดตถทธนบปผฝพฟ\
    ภมยรฤลฦวศษสหฬอฮฯ\
    ะ\u{e31}าำ\u{e34}\u{e35}\u{e36}\u{e37}\u{e38}\u{e39}\u{e3a}\u{fffe}\u{fffe}\u{fffe}\u{fffe}฿\
    เแโใไๅๆ\u{e47}\u{e48}\u{e49}\u{e4a}\u{e4b}\u{e4c}\u{e4d}\u{e4e}๏\
    ๐๑๒๓๔๕๖๗๘๙๚๛\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
");

/// `encodings.iso8859_13.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_13: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}”¢£¤„¦§Ø©Ŗ«¬\u{ad}®Æ\
    °±²³“µ¶·ø¹ŗ»¼½¾æ\
    ĄĮĀĆÄÅĘĒČÉŹĖĢĶĪĻ\
    ŠŃŅÓŌÕÖ×ŲŁŚŪÜŻŽß\
    ąįāćäåęēčéźėģķīļ\
    šńņóōõö÷ųłśūüżž’\
");

/// `encodings.iso8859_14.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_14: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}Ḃḃ£ĊċḊ§Ẁ©ẂḋỲ\u{ad}®Ÿ\
    ḞḟĠġṀṁ¶ṖẁṗẃṠỳẄẅṡ\
    ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ\
    ŴÑÒÓÔÕÖṪØÙÚÛÜÝŶß\
    àáâãäåæçèéêëìíîï\
    ŵñòóôõöṫøùúûüýŷÿ\
");

/// `encodings.iso8859_15.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_15: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}¡¢£€¥Š§š©ª«¬\u{ad}®¯\
    °±²³Žµ¶·ž¹º»ŒœŸ¿\
    ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ\
    ÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß\
    àáâãäåæçèéêëìíîï\
    ðñòóôõö÷øùúûüýþÿ\
");

/// `encodings.iso8859_16.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_16: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}ĄąŁ€„Š§š©Ș«Ź\u{ad}źŻ\
    °±ČłŽ”¶·žčș»ŒœŸż\
    ÀÁÂĂÄĆÆÇÈÉÊËÌÍÎÏ\
    ĐŃÒÓÔŐÖŚŰÙÚÛÜĘȚß\
    àáâăäćæçèéêëìíîï\
    đńòóôőöśűùúûüęțÿ\
");

/// `encodings.iso8859_2.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_2: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}Ą˘Ł¤ĽŚ§¨ŠŞŤŹ\u{ad}ŽŻ\
    °ą˛ł´ľśˇ¸šşťź˝žż\
    ŔÁÂĂÄĹĆÇČÉĘËĚÍÎĎ\
    ĐŃŇÓÔŐÖ×ŘŮÚŰÜÝŢß\
    ŕáâăäĺćçčéęëěíîď\
    đńňóôőö÷řůúűüýţ˙\
");

/// `encodings.iso8859_3.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_3: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}Ħ˘£¤\u{fffe}Ĥ§¨İŞĞĴ\u{ad}\u{fffe}Ż\
    °ħ²³´µĥ·¸ışğĵ½\u{fffe}ż\
    ÀÁÂ\u{fffe}ÄĊĈÇÈÉÊËÌÍÎÏ\
    \u{fffe}ÑÒÓÔĠÖ×ĜÙÚÛÜŬŜß\
    àáâ\u{fffe}äċĉçèéêëìíîï\
    \u{fffe}ñòóôġö÷ĝùúûüŭŝ˙\
");

/// `encodings.iso8859_4.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_4: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}ĄĸŖ¤ĨĻ§¨ŠĒĢŦ\u{ad}Ž¯\
    °ą˛ŗ´ĩļˇ¸šēģŧŊžŋ\
    ĀÁÂÃÄÅÆĮČÉĘËĖÍÎĪ\
    ĐŅŌĶÔÕÖ×ØŲÚÛÜŨŪß\
    āáâãäåæįčéęëėíîī\
    đņōķôõö÷øųúûüũū˙\
");

/// `encodings.iso8859_5.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_5: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}ЁЂЃЄЅІЇЈЉЊЋЌ\u{ad}ЎЏ\
    АБВГДЕЖЗИЙКЛМНОП\
    РСТУФХЦЧШЩЪЫЬЭЮЯ\
    абвгдежзийклмноп\
    рстуфхцчшщъыьэюя\
    №ёђѓєѕіїјљњћќ§ўџ\
");

/// `encodings.iso8859_6.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_6: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}\u{fffe}\u{fffe}\u{fffe}¤\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}،\u{ad}\u{fffe}\u{fffe}\
    \u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{61b}\u{fffe}\u{fffe}\u{fffe}\u{61f}\
    \u{fffe}\u{621}\u{622}\u{623}\u{624}\u{625}\u{626}\u{627}\u{628}\u{629}\u{62a}\u{62b}\u{62c}\u{62d}\u{62e}\u{62f}\
    \u{630}\u{631}\u{632}\u{633}\u{634}\u{635}\u{636}\u{637}\u{638}\u{639}\u{63a}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
    \u{640}\u{641}\u{642}\u{643}\u{644}\u{645}\u{646}\u{647}\u{648}\u{649}\u{64a}\u{64b}\u{64c}\u{64d}\u{64e}\u{64f}\
    \u{650}\u{651}\u{652}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
");

/// `encodings.iso8859_7.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_7: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}‘’£€₯¦§¨©ͺ«¬\u{ad}\u{fffe}―\
    °±²³΄΅Ά·ΈΉΊ»Ό½ΎΏ\
    ΐΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟ\
    ΠΡ\u{fffe}ΣΤΥΦΧΨΩΪΫάέήί\
    ΰαβγδεζηθικλμνξο\
    πρςστυφχψωϊϋόύώ\u{fffe}\
");

/// `encodings.iso8859_8.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_8: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}\u{fffe}¢£¤¥¦§¨©×«¬\u{ad}®¯\
    °±²³´µ¶·¸¹÷»¼½¾\u{fffe}\
    \u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
    \u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}\u{fffe}‗\
    \u{5d0}\u{5d1}\u{5d2}\u{5d3}\u{5d4}\u{5d5}\u{5d6}\u{5d7}\u{5d8}\u{5d9}\u{5da}\u{5db}\u{5dc}\u{5dd}\u{5de}\u{5df}\
    \u{5e0}\u{5e1}\u{5e2}\u{5e3}\u{5e4}\u{5e5}\u{5e6}\u{5e7}\u{5e8}\u{5e9}\u{5ea}\u{fffe}\u{fffe}\u{200e}\u{200f}\u{fffe}\
");

/// `encodings.iso8859_9.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static ISO8859_9: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{a0}¡¢£¤¥¦§¨©ª«¬\u{ad}®¯\
    °±²³´µ¶·¸¹º»¼½¾¿\
    ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ\
    ĞÑÒÓÔÕÖ×ØÙÚÛÜİŞß\
    àáâãäåæçèéêëìíîï\
    ğñòóôõö÷øùúûüışÿ\
");

/// `encodings.koi8_r.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static KOI8_R: Charmap = Charmap::new(true, "\
    ─│┌┐└┘├┤┬┴┼▀▄█▌▐\
    ░▒▓⌠■∙√≈≤≥\u{a0}⌡°²·÷\
    ═║╒ё╓╔╕╖╗╘╙╚╛╜╝╞\
    ╟╠╡Ё╢╣╤╥╦╧╨╩╪╫╬©\
    юабцдефгхийклмно\
    пярстужвьызшэщчъ\
    ЮАБЦДЕФГХИЙКЛМНО\
    ПЯРСТУЖВЬЫЗШЭЩЧЪ\
");

/// `encodings.koi8_t.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static KOI8_T: Charmap = Charmap::new(true, "\
    қғ‚Ғ„…†‡\u{fffe}‰ҳ‹ҲҷҶ\u{fffe}\
    Қ‘’“”•–—\u{fffe}™\u{fffe}›\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
    \u{fffe}ӯӮё¤ӣ¦§\u{fffe}\u{fffe}\u{fffe}«¬\u{ad}®\u{fffe}\
    °±²Ё\u{fffe}Ӣ¶·\u{fffe}№\u{fffe}»\u{fffe}\u{fffe}\u{fffe}©\
    юабцдефгхийклмно\
    пярстужвьызшэщчъ\
    ЮАБЦДЕФГХИЙКЛМНО\
    ПЯРСТУЖВЬЫЗШЭЩЧЪ\
");

/// `encodings.koi8_u.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static KOI8_U: Charmap = Charmap::new(true, "\
    ─│┌┐└┘├┤┬┴┼▀▄█▌▐\
    ░▒▓⌠■∙√≈≤≥\u{a0}⌡°²·÷\
    ═║╒ёє╔ії╗╘╙╚╛ґ╝╞\
    ╟╠╡ЁЄ╣ІЇ╦╧╨╩╪Ґ╬©\
    юабцдефгхийклмно\
    пярстужвьызшэщчъ\
    ЮАБЦДЕФГХИЙКЛМНО\
    ПЯРСТУЖВЬЫЗШЭЩЧЪ\
");

/// `encodings.kz1048.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static KZ1048: Charmap = Charmap::new(true, "\
    ЂЃ‚ѓ„…†‡€‰Љ‹ЊҚҺЏ\
    ђ‘’“”•–—\u{fffe}™љ›њқһџ\
    \u{a0}ҰұӘ¤Ө¦§Ё©Ғ«¬\u{ad}®Ү\
    °±Ііөµ¶·ё№ғ»әҢңү\
    АБВГДЕЖЗИЙКЛМНОП\
    РСТУФХЦЧШЩЪЫЬЭЮЯ\
    абвгдежзийклмноп\
    рстуфхцчшщъыьэюя\
");

/// `encodings.mac_arabic.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static MAC_ARABIC: Charmap = Charmap::new(true, "\
    Ä\u{a0}ÇÉÑÖÜáàâä\u{6ba}«çéè\
    êëí…îïñó»ôö÷úùûü\
    \u{20}!\u{22}#$٪&'()*+،-./\
    \u{660}\u{661}\u{662}\u{663}\u{664}\u{665}\u{666}\u{667}\u{668}\u{669}:\u{61b}<=>\u{61f}\
    ❊\u{621}\u{622}\u{623}\u{624}\u{625}\u{626}\u{627}\u{628}\u{629}\u{62a}\u{62b}\u{62c}\u{62d}\u{62e}\u{62f}\
    \u{630}\u{631}\u{632}\u{633}\u{634}\u{635}\u{636}\u{637}\u{638}\u{639}\u{63a}[\u{5c}]^_\
    \u{640}\u{641}\u{642}\u{643}\u{644}\u{645}\u{646}\u{647}\u{648}\u{649}\u{64a}\u{64b}\u{64c}\u{64d}\u{64e}\u{64f}\
    \u{650}\u{651}\u{652}\u{67e}\u{679}\u{686}\u{6d5}\u{6a4}\u{6af}\u{688}\u{691}{|}\u{698}\u{6d2}\
");

/// `encodings.mac_croatian.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static MAC_CROATIAN: Charmap = Charmap::new(true, "\
    ÄÅÇÉÑÖÜáàâäãåçéè\
    êëíìîïñóòôöõúùûü\
    †°¢£§•¶ß®Š™´¨≠ŽØ\
    ∞±≤≥∆µ∂∑∏š∫ªºΩžø\
    ¿¡¬√ƒ≈Ć«Č…\u{a0}ÀÃÕŒœ\
    Đ—“”‘’÷◊\u{f8ff}©⁄€‹›Æ»\
    –·‚„‰ÂćÁčÈÍÎÏÌÓÔ\
    đÒÚÛÙıˆ˜¯πË˚¸Êæˇ\
");

/// `encodings.mac_cyrillic.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static MAC_CYRILLIC: Charmap = Charmap::new(true, "\
    АБВГДЕЖЗИЙКЛМНОП\
    РСТУФХЦЧШЩЪЫЬЭЮЯ\
    †°Ґ£§•¶І®©™Ђђ≠Ѓѓ\
    ∞±≤≥іµґЈЄєЇїЉљЊњ\
    јЅ¬√ƒ≈∆«»…\u{a0}ЋћЌќѕ\
    –—“”‘’÷„ЎўЏџ№Ёёя\
    абвгдежзийклмноп\
    рстуфхцчшщъыьэю€\
");

/// `encodings.mac_farsi.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static MAC_FARSI: Charmap = Charmap::new(true, "\
    Ä\u{a0}ÇÉÑÖÜáàâä\u{6ba}«çéè\
    êëí…îïñó»ôö÷úùûü\
    \u{20}!\u{22}#$٪&'()*+،-./\
    ۰۱۲۳۴۵۶۷۸۹:\u{61b}<=>\u{61f}\
    ❊\u{621}\u{622}\u{623}\u{624}\u{625}\u{626}\u{627}\u{628}\u{629}\u{62a}\u{62b}\u{62c}\u{62d}\u{62e}\u{62f}\
    \u{630}\u{631}\u{632}\u{633}\u{634}\u{635}\u{636}\u{637}\u{638}\u{639}\u{63a}[\u{5c}]^_\
    \u{640}\u{641}\u{642}\u{643}\u{644}\u{645}\u{646}\u{647}\u{648}\u{649}\u{64a}\u{64b}\u{64c}\u{64d}\u{64e}\u{64f}\
    \u{650}\u{651}\u{652}\u{67e}\u{679}\u{686}\u{6d5}\u{6a4}\u{6af}\u{688}\u{691}{|}\u{698}\u{6d2}\
");

/// `encodings.mac_greek.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static MAC_GREEK: Charmap = Charmap::new(true, "\
    Ä¹²É³ÖÜ΅àâä΄¨çéè\
    êë£™îï•½‰ôö¦€ùûü\
    †ΓΔΘΛΞΠß®©ΣΪ§≠°·\
    Α±≤≥¥ΒΕΖΗΙΚΜΦΫΨΩ\
    άΝ¬ΟΡ≈Τ«»…\u{a0}ΥΧΆΈœ\
    –―“”‘’÷ΉΊΌΎέήίόΏ\
    ύαβψδεφγηιξκλμνο\
    πώρστθωςχυζϊϋΐΰ\u{ad}\
");

/// `encodings.mac_iceland.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static MAC_ICELAND: Charmap = Charmap::new(true, "\
    ÄÅÇÉÑÖÜáàâäãåçéè\
    êëíìîïñóòôöõúùûü\
    Ý°¢£§•¶ß®©™´¨≠ÆØ\
    ∞±≤≥¥µ∂∑∏π∫ªºΩæø\
    ¿¡¬√ƒ≈∆«»…\u{a0}ÀÃÕŒœ\
    –—“”‘’÷◊ÿŸ⁄€ÐðÞþ\
    ý·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\
    \u{f8ff}ÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ\
");

/// `encodings.mac_latin2.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static MAC_LATIN2: Charmap = Charmap::new(true, "\
    ÄĀāÉĄÖÜáąČäčĆćéŹ\
    źĎíďĒēĖóėôöõúĚěü\
    †°Ę£§•¶ß®©™ę¨≠ģĮ\
    įĪ≤≥īĶ∂∑łĻļĽľĹĺŅ\
    ņŃ¬√ńŇ∆«»…\u{a0}ňŐÕőŌ\
    –—“”‘’÷◊ōŔŕŘ‹›řŖ\
    ŗŠ‚„šŚśÁŤťÍŽžŪÓÔ\
    ūŮÚůŰűŲųÝýķŻŁżĢˇ\
");

/// `encodings.mac_roman.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static MAC_ROMAN: Charmap = Charmap::new(true, "\
    ÄÅÇÉÑÖÜáàâäãåçéè\
    êëíìîïñóòôöõúùûü\
    †°¢£§•¶ß®©™´¨≠ÆØ\
    ∞±≤≥¥µ∂∑∏π∫ªºΩæø\
    ¿¡¬√ƒ≈∆«»…\u{a0}ÀÃÕŒœ\
    –—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ\
    ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\
    \u{f8ff}ÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ\
");

/// `encodings.mac_romanian.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static MAC_ROMANIAN: Charmap = Charmap::new(true, "\
    ÄÅÇÉÑÖÜáàâäãåçéè\
    êëíìîïñóòôöõúùûü\
    †°¢£§•¶ß®©™´¨≠ĂȘ\
    ∞±≤≥¥µ∂∑∏π∫ªºΩăș\
    ¿¡¬√ƒ≈∆«»…\u{a0}ÀÃÕŒœ\
    –—“”‘’÷◊ÿŸ⁄€‹›Țț\
    ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\
    \u{f8ff}ÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ\
");

/// `encodings.mac_turkish.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static MAC_TURKISH: Charmap = Charmap::new(true, "\
    ÄÅÇÉÑÖÜáàâäãåçéè\
    êëíìîïñóòôöõúùûü\
    †°¢£§•¶ß®©™´¨≠ÆØ\
    ∞±≤≥¥µ∂∑∏π∫ªºΩæø\
    ¿¡¬√ƒ≈∆«»…\u{a0}ÀÃÕŒœ\
    –—“”‘’÷◊ÿŸĞğİıŞş\
    ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\
    \u{f8ff}ÒÚÛÙ\u{f8a0}ˆ˜¯˘˙˚¸˝˛ˇ\
");

/// `encodings.palmos.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static PALMOS: Charmap = Charmap::new(true, "\
    €\u{81}‚ƒ„…†‡ˆ‰Š‹Œ♦♣♥\
    ♠‘’“”•–—˜™š\u{9b}œ\u{9d}\u{9e}Ÿ\
    \u{a0}¡¢£¤¥¦§¨©ª«¬\u{ad}®¯\
    °±²³´µ¶·¸¹º»¼½¾¿\
    ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ\
    ÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß\
    àáâãäåæçèéêëìíîï\
    ðñòóôõö÷øùúûüýþÿ\
");

/// `encodings.ptcp154.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static PTCP154: Charmap = Charmap::new(true, "\
    ҖҒӮғ„…ҶҮҲүҠӢҢҚҺҸ\
    җ‘’“”•–—ҳҷҡӣңқһҹ\
    \u{a0}ЎўЈӨҘҰ§Ё©Ә«¬ӯ®Ҝ\
    °ұІіҙө¶·ё№ә»јҪҫҝ\
    АБВГДЕЖЗИЙКЛМНОП\
    РСТУФХЦЧШЩЪЫЬЭЮЯ\
    абвгдежзийклмноп\
    рстуфхцчшщъыьэюя\
");

/// `encodings.tis_620.decoding_table`, bytes 0x80-0xFF (U+FFFE: undefined).
#[rustfmt::skip]
static TIS_620: Charmap = Charmap::new(true, "\
    \u{80}\u{81}\u{82}\u{83}\u{84}\u{85}\u{86}\u{87}\u{88}\u{89}\u{8a}\u{8b}\u{8c}\u{8d}\u{8e}\u{8f}\
    \u{90}\u{91}\u{92}\u{93}\u{94}\u{95}\u{96}\u{97}\u{98}\u{99}\u{9a}\u{9b}\u{9c}\u{9d}\u{9e}\u{9f}\
    \u{fffe}กขฃคฅฆงจฉชซฌญฎฏ\
    ฐฑฒณดตถทธนบปผฝพฟ\
    ภมยรฤลฦวศษสหฬอฮฯ\
    ะ\u{e31}าำ\u{e34}\u{e35}\u{e36}\u{e37}\u{e38}\u{e39}\u{e3a}\u{fffe}\u{fffe}\u{fffe}\u{fffe}฿\
    เแโใไๅๆ\u{e47}\u{e48}\u{e49}\u{e4a}\u{e4b}\u{e4c}\u{e4d}\u{e4e}๏\
    ๐๑๒๓๔๕๖๗๘๙๚๛\u{fffe}\u{fffe}\u{fffe}\u{fffe}\
");

/// Pairs CPython's cp932 decodes and its shift_jis does not: (lead, first trail, last trail).
#[rustfmt::skip]
static SHIFT_JIS_EXCLUDED: [(u8, u8, u8); 4] = [
    (0x87, 0x40, 0x5D), (0x87, 0x5F, 0x75), (0x87, 0x7E, 0x7E), (0x87, 0x80, 0x9C),
];
/// Pairs CPython's shift_jis decodes to another character than its cp932.
#[rustfmt::skip]
static SHIFT_JIS_PATCHES: [(u8, u8, u16); 6] = [
    (0x81, 0x60, 0x301C), (0x81, 0x61, 0x2016), (0x81, 0x7C, 0x2212), (0x81, 0x91, 0x00A2), (0x81, 0x92, 0x00A3), (0x81, 0xCA, 0x00AC),
];

/// Pairs CPython's gb18030 decodes and its gbk does not: (lead, first trail, last trail).
#[rustfmt::skip]
static GBK_EXCLUDED: [(u8, u8, u8); 53] = [
    (0xA1, 0x40, 0x7E), (0xA1, 0x80, 0xA0), (0xA2, 0x40, 0x7E), (0xA2, 0x80, 0xA0), (0xA2, 0xAB, 0xB0), (0xA2, 0xE3, 0xE4),
    (0xA2, 0xEF, 0xF0), (0xA2, 0xFD, 0xFE), (0xA3, 0x40, 0x7E), (0xA3, 0x80, 0xA0), (0xA4, 0x40, 0x7E), (0xA4, 0x80, 0xA0),
    (0xA4, 0xF4, 0xFE), (0xA5, 0x40, 0x7E), (0xA5, 0x80, 0xA0), (0xA5, 0xF7, 0xFE), (0xA6, 0x40, 0x7E), (0xA6, 0x80, 0xA0),
    (0xA6, 0xB9, 0xC0), (0xA6, 0xD9, 0xDF), (0xA6, 0xEC, 0xED), (0xA6, 0xF3, 0xF3), (0xA6, 0xF6, 0xFE), (0xA7, 0x40, 0x7E),
    (0xA7, 0x80, 0xA0), (0xA7, 0xC2, 0xD0), (0xA7, 0xF2, 0xFE), (0xA8, 0x96, 0xA0), (0xA8, 0xBC, 0xBC), (0xA8, 0xBF, 0xBF),
    (0xA8, 0xC1, 0xC4), (0xA8, 0xEA, 0xFE), (0xA9, 0x58, 0x58), (0xA9, 0x5B, 0x5B), (0xA9, 0x5D, 0x5F), (0xA9, 0x89, 0x95),
    (0xA9, 0x97, 0xA3), (0xA9, 0xF0, 0xFE), (0xAA, 0xA1, 0xFE), (0xAB, 0xA1, 0xFE), (0xAC, 0xA1, 0xFE), (0xAD, 0xA1, 0xFE),
    (0xAE, 0xA1, 0xFE), (0xAF, 0xA1, 0xFE), (0xD7, 0xFA, 0xFE), (0xF8, 0xA1, 0xFE), (0xF9, 0xA1, 0xFE), (0xFA, 0xA1, 0xFE),
    (0xFB, 0xA1, 0xFE), (0xFC, 0xA1, 0xFE), (0xFD, 0xA1, 0xFE), (0xFE, 0x50, 0x7E), (0xFE, 0x80, 0xFE),
];
/// Pairs CPython's gbk decodes to another character than its gb18030.
#[rustfmt::skip]
static GBK_PATCHES: [(u8, u8, u16); 0] = [
];

/// Pairs CPython's gbk decodes and its gb2312 does not: (lead, first trail, last trail).
#[rustfmt::skip]
static GB2312_EXCLUDED: [(u8, u8, u8); 7] = [
    (0xA2, 0xA1, 0xAA), (0xA6, 0xE0, 0xEB), (0xA6, 0xEE, 0xF2), (0xA6, 0xF4, 0xF5), (0xA8, 0xBB, 0xBB), (0xA8, 0xBD, 0xBE),
    (0xA8, 0xC0, 0xC0),
];
/// Pairs CPython's gb2312 decodes to another character than its gbk.
#[rustfmt::skip]
static GB2312_PATCHES: [(u8, u8, u16); 2] = [
    (0xA1, 0xA4, 0x30FB), (0xA1, 0xAA, 0x2015),
];
// END GENERATED

#[cfg(test)]
mod tests {
    use super::*;

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

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
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
