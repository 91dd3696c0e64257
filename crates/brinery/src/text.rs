//! The one Python-text layer of the crate, used by the decoder, `repr`,
//! the pretty printer, `genops`/`dis` and (through [`crate::repr::str_repr`])
//! brinery-numpy:
//!
//! * generalized UTF-8 (UTF-8 with lone surrogates as 3-byte sequences, the
//!   pickle wire form of `str`): [`push_code_point`], [`next_code_point`];
//! * `str.isprintable()`/`str.isspace()` from the generated Unicode table
//!   (`printable.rs`) and the escapes of `repr(str)`/`repr(bytes)`;
//! * the text-argument parsers of CPython's C unpickler, reproduced
//!   exactly: `strtol(s, 0)`, `PyLong_FromString`, `PyOS_string_to_double`,
//!   `PyBytes_DecodeEscape` and the raw-unicode-escape codec. Each works on
//!   the line as the C code sees it: the bytes up to the first NUL (C
//!   strings end there) or the newline;
//! * `repr(float)`.

use num_bigint::BigInt;
use num_traits::{Num, Zero};

#[path = "printable.rs"]
mod printable;

// ---------------------------------------------------------------------------
// Generalized UTF-8

/// Append one code point (surrogates allowed) in generalized UTF-8.
/// Returns false for values above 0x10FFFF.
pub(crate) fn push_code_point(out: &mut Vec<u8>, cp: u32) -> bool {
    if cp < 0x80 {
        out.push(cp as u8);
    } else if cp < 0x800 {
        out.extend_from_slice(&[0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]);
    } else if cp < 0x10000 {
        out.extend_from_slice(&[
            0xE0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    } else if cp <= 0x10FFFF {
        out.extend_from_slice(&[
            0xF0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    } else {
        return false;
    }
    true
}

/// The first code point of valid generalized UTF-8 and its length in bytes.
#[inline]
pub(crate) fn next_code_point(b: &[u8]) -> Option<(u32, usize)> {
    let b0 = *b.first()? as u32;
    Some(if b0 < 0x80 {
        (b0, 1)
    } else if b0 < 0xE0 {
        (((b0 & 0x1F) << 6) | (b[1] as u32 & 0x3F), 2)
    } else if b0 < 0xF0 {
        (
            ((b0 & 0x0F) << 12) | ((b[1] as u32 & 0x3F) << 6) | (b[2] as u32 & 0x3F),
            3,
        )
    } else {
        (
            ((b0 & 0x07) << 18)
                | ((b[1] as u32 & 0x3F) << 12)
                | ((b[2] as u32 & 0x3F) << 6)
                | (b[3] as u32 & 0x3F),
            4,
        )
    })
}

// ---------------------------------------------------------------------------
// Unicode properties and repr escapes

/// Python's `str.isprintable()` for one code point.
pub(crate) fn is_printable(cp: u32) -> bool {
    if cp < 0x80 {
        return (0x20..0x7f).contains(&cp);
    }
    printable::NOT_PRINTABLE
        .binary_search_by(|&(a, b)| {
            if b < cp {
                std::cmp::Ordering::Less
            } else if a > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

/// Python's `str.isspace()` for one code point.
pub(crate) fn is_space(cp: u32) -> bool {
    printable::SPACE.binary_search(&cp).is_ok()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_hex(out: &mut String, prefix: &str, v: u32, digits: u32) {
    out.push_str(prefix);
    for i in (0..digits).rev() {
        out.push(HEX[((v >> (4 * i)) & 0xF) as usize] as char);
    }
}

/// Append the repr escape of one code point inside a `quote`-quoted literal.
#[inline]
pub(crate) fn push_escaped_cp(out: &mut String, cp: u32, quote: u8) {
    match cp {
        0x5C => out.push_str("\\\\"),
        0x09 => out.push_str("\\t"),
        0x0A => out.push_str("\\n"),
        0x0D => out.push_str("\\r"),
        _ if cp == quote as u32 => {
            out.push('\\');
            out.push(quote as char);
        }
        0x20..=0x7E => out.push(cp as u8 as char),
        0..=0x7F => push_hex(out, "\\x", cp, 2),
        _ if is_printable(cp) => out.push(char::from_u32(cp).unwrap_or('\u{FFFD}')),
        0x80..=0xFF => push_hex(out, "\\x", cp, 2),
        0x100..=0xFFFF => push_hex(out, "\\u", cp, 4),
        _ => push_hex(out, "\\U", cp, 8),
    }
}

/// Length in code points of the escape of `cp`, counting quotes as 1
/// (see [`Stats`]).
#[inline]
pub(crate) fn escaped_len(cp: u32) -> usize {
    match cp {
        0x5C | 0x09 | 0x0A | 0x0D => 2,
        0x20..=0x7E => 1,
        0..=0x7F => 4,
        _ if is_printable(cp) => 1,
        0x80..=0xFF => 4,
        0x100..=0xFFFF => 6,
        _ => 10,
    }
}

#[inline]
pub(crate) fn byte_escaped_len(b: u8) -> usize {
    match b {
        b'\\' | b'\t' | b'\n' | b'\r' => 2,
        0x20..=0x7E => 1,
        _ => 4,
    }
}

pub(crate) fn quote_for(squote: bool, dquote: bool) -> u8 {
    if squote && !dquote {
        b'"'
    } else {
        b'\''
    }
}

/// Append the repr escape of one byte inside a `quote`-quoted bytes literal
/// (`bytearray_repr` also escapes `'` inside double quotes).
#[inline]
pub(crate) fn push_byte_escaped(out: &mut String, b: u8, quote: u8, bytearray: bool) {
    match b {
        b'\\' => out.push_str("\\\\"),
        b'\t' => out.push_str("\\t"),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        _ if b == quote || (bytearray && b == b'\'') => {
            out.push('\\');
            out.push(b as char);
        }
        0x20..=0x7E => out.push(b as char),
        _ => push_hex(out, "\\x", b as u32, 2),
    }
}

/// Append `repr()` of a `str` given by its code points (CPython's
/// `unicode_repr`: quote choice and escapes).
pub(crate) fn push_str_repr<I: Iterator<Item = u32> + Clone>(out: &mut String, cps: I) {
    let (mut squote, mut dquote) = (false, false);
    for cp in cps.clone() {
        squote |= cp == 0x27;
        dquote |= cp == 0x22;
    }
    let q = quote_for(squote, dquote);
    out.push(q as char);
    for cp in cps {
        push_escaped_cp(out, cp, q);
    }
    out.push(q as char);
}

/// Append `repr()` of a `bytes` (or, with `bytearray`, the `b'...'` part
/// of a `bytearray`'s repr).
pub(crate) fn push_bytes_repr(out: &mut String, b: &[u8], bytearray: bool) {
    let q = quote_for(b.contains(&b'\''), b.contains(&b'"'));
    out.push('b');
    out.push(q as char);
    for &c in b {
        push_byte_escaped(out, c, q, bytearray);
    }
    out.push(q as char);
}

/// Append a JSON string literal for a sequence of code points (the escapes
/// of brinery's JSON views); lone surrogates become `\udXXX` escapes.
pub(crate) fn push_json_cps(out: &mut String, cps: impl Iterator<Item = u32>) {
    out.push('"');
    for cp in cps {
        match cp {
            0x22 => out.push_str("\\\""),
            0x5C => out.push_str("\\\\"),
            0x0A => out.push_str("\\n"),
            0x0D => out.push_str("\\r"),
            0x09 => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0C => out.push_str("\\f"),
            0..=0x1F | 0xD800..=0xDFFF => push_hex(out, "\\u", cp, 4),
            _ => out.push(char::from_u32(cp).unwrap_or('\u{FFFD}')),
        }
    }
    out.push('"');
}

// ---------------------------------------------------------------------------
// The C unpickler's text parsers

/// Python's default limit on decimal digits in int/str conversion.
pub(crate) const MAX_STR_DIGITS: usize = 4300;

#[inline]
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C's leading white space and optional sign: the position after them and
/// whether the sign was `-`.
fn skip_space_and_sign(s: &[u8]) -> (usize, bool) {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    match s.get(i) {
        Some(b'-') => (i + 1, true),
        Some(b'+') => (i + 1, false),
        _ => (i, false),
    }
}

/// The line as a C string: cut at the first NUL.
pub fn c_str(line: &[u8]) -> &[u8] {
    match line.iter().position(|&b| b == 0) {
        Some(i) => &line[..i],
        None => line,
    }
}

/// glibc `strtol(s, &end, 0)` on a 64-bit long. Returns the value (None on
/// overflow, i.e. ERANGE) and the end position (0 when nothing was
/// converted): how `_pickle` reads INT's argument.
pub fn strtol0(s: &[u8]) -> (Option<i64>, usize) {
    let (mut i, neg) = skip_space_and_sign(s);
    let mut base = 10u32;
    if i < s.len() && s[i] == b'0' {
        if i + 1 < s.len()
            && (s[i + 1] == b'x' || s[i + 1] == b'X')
            && i + 2 < s.len()
            && (s[i + 2] as char).is_ascii_hexdigit()
        {
            base = 16;
            i += 2;
        } else {
            base = 8;
        }
    }
    let start = i;
    let mut acc: i128 = 0;
    let mut overflow = false;
    while i < s.len() {
        let d = match (s[i] as char).to_digit(base) {
            Some(d) => d,
            None => break,
        };
        if !overflow {
            acc = acc * base as i128 + d as i128;
            if acc > (i64::MAX as i128) + 1 {
                overflow = true;
            }
        }
        i += 1;
    }
    if i == start {
        // No digits: no conversion; endptr = original string.
        return (Some(0), 0);
    }
    let v = if neg { -acc } else { acc };
    if overflow || v > i64::MAX as i128 || v < i64::MIN as i128 {
        return (None, i);
    }
    (Some(v as i64), i)
}

/// `PyLong_FromString(s, NULL, base)` with `base` 0 or 10, on a C string.
pub(crate) fn py_long_from_str(s: &[u8], base: u32) -> Result<BigInt, String> {
    let err = || {
        format!(
            "invalid literal for int() with base {}: {}",
            base,
            py_bytes_as_str_repr(s)
        )
    };
    let (mut i, neg) = skip_space_and_sign(s);
    let mut radix = base;
    let mut error_if_nonzero = false;
    let at = |j: usize| s.get(j).copied().unwrap_or(0);
    if radix == 0 {
        if at(i) != b'0' {
            radix = 10;
        } else {
            match at(i + 1) {
                b'x' | b'X' => radix = 16,
                b'o' | b'O' => radix = 8,
                b'b' | b'B' => radix = 2,
                _ => {
                    error_if_nonzero = true;
                    radix = 10;
                }
            }
        }
    }
    if at(i) == b'0'
        && ((radix == 16 && matches!(at(i + 1), b'x' | b'X'))
            || (radix == 8 && matches!(at(i + 1), b'o' | b'O'))
            || (radix == 2 && matches!(at(i + 1), b'b' | b'B')))
    {
        i += 2;
        if at(i) == b'_' {
            i += 1;
        }
    }
    if at(i) == b'_' {
        return Err(err());
    }
    let mut digits = Vec::new();
    let mut prev_underscore = false;
    while i < s.len() {
        let c = s[i];
        if c == b'_' {
            if prev_underscore {
                return Err(err());
            }
            prev_underscore = true;
            i += 1;
            continue;
        }
        if (c as char).to_digit(radix).is_none() {
            break;
        }
        prev_underscore = false;
        digits.push(c);
        i += 1;
    }
    if prev_underscore || digits.is_empty() {
        return Err(err());
    }
    if radix == 10 && digits.len() > MAX_STR_DIGITS {
        return Err(format!(
            "Exceeds the limit ({MAX_STR_DIGITS} digits) for integer string conversion: value has {} digits; use sys.set_int_max_str_digits() to increase the limit",
            digits.len()
        ));
    }
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    if i != s.len() {
        return Err(err());
    }
    // Digits are ASCII by construction.
    let text = std::str::from_utf8(&digits).map_err(|_| err())?;
    let v = BigInt::from_str_radix(text, radix).map_err(|_| err())?;
    if error_if_nonzero && !v.is_zero() {
        return Err(format!(
            "invalid literal for int() with base 0: {}",
            py_bytes_as_str_repr(s)
        ));
    }
    Ok(if neg { -v } else { v })
}

fn py_bytes_as_str_repr(s: &[u8]) -> String {
    format!("'{}'", String::from_utf8_lossy(s))
}

/// The outcome of `PyOS_string_to_double` with an end pointer.
pub(crate) enum FloatParse {
    Ok(f64, usize),
    NoConversion,
    Overflow,
}

/// `PyOS_string_to_double(s, &end, OverflowError)`.
pub(crate) fn parse_float_prefix(s: &[u8]) -> FloatParse {
    let mut i = 0;
    let neg = match s.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    // inf / infinity / nan, case-insensitive.
    let rest = &s[i..];
    let lower: Vec<u8> = rest
        .iter()
        .take(8)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let inf = if neg {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    };
    for word in [&b"infinity"[..], b"inf"] {
        if lower.starts_with(word) {
            return FloatParse::Ok(inf, i + word.len());
        }
    }
    if lower.starts_with(b"nan") {
        return FloatParse::Ok(if neg { -f64::NAN } else { f64::NAN }, i + 3);
    }
    let mut j = i;
    let digits_start = j;
    while j < s.len() && s[j].is_ascii_digit() {
        j += 1;
    }
    let mut nd = j - digits_start;
    if j < s.len() && s[j] == b'.' {
        j += 1;
        let fs = j;
        while j < s.len() && s[j].is_ascii_digit() {
            j += 1;
        }
        nd += j - fs;
    }
    if nd == 0 {
        return FloatParse::NoConversion;
    }
    if j < s.len() && (s[j] == b'e' || s[j] == b'E') {
        let mut k = j + 1;
        if k < s.len() && (s[k] == b'+' || s[k] == b'-') {
            k += 1;
        }
        let es = k;
        while k < s.len() && s[k].is_ascii_digit() {
            k += 1;
        }
        if k > es {
            j = k;
        }
    }
    // The accepted text is plain ASCII decimal; Rust's parser is correctly
    // rounded like dtoa.
    let text = std::str::from_utf8(&s[..j]).unwrap_or("0");
    match text.parse::<f64>() {
        Ok(v) => {
            if v.is_infinite() {
                FloatParse::Overflow
            } else {
                FloatParse::Ok(v, j)
            }
        }
        Err(_) => FloatParse::NoConversion,
    }
}

/// `PyBytes_DecodeEscape` (strict): the body of a STRING literal.
pub(crate) fn decode_escape(s: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    let end = s.len();
    while i < end {
        if s[i] != b'\\' {
            out.push(s[i]);
            i += 1;
            continue;
        }
        i += 1;
        if i == end {
            return Err("Trailing \\ in string".into());
        }
        let c = s[i];
        i += 1;
        match c {
            b'\n' => {}
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b't' => out.push(b'\t'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b'v' => out.push(11),
            b'a' => out.push(7),
            b'0'..=b'7' => {
                let mut v = (c - b'0') as u32;
                if i < end && (b'0'..=b'7').contains(&s[i]) {
                    v = (v << 3) + (s[i] - b'0') as u32;
                    i += 1;
                    if i < end && (b'0'..=b'7').contains(&s[i]) {
                        v = (v << 3) + (s[i] - b'0') as u32;
                        i += 1;
                    }
                }
                out.push(v as u8);
            }
            b'x' => {
                let hex = |b: u8| (b as char).to_digit(16);
                if i + 1 < end {
                    if let (Some(h), Some(l)) = (hex(s[i]), hex(s[i + 1])) {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                        continue;
                    }
                }
                return Err(format!("invalid \\x escape at position {}", i - 2));
            }
            _ => {
                out.push(b'\\');
                i -= 1;
            }
        }
    }
    Ok(out)
}

/// The `raw_unicode_escape` decoder (strict), into generalized UTF-8.
pub(crate) fn decode_raw_unicode_escape(s: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    let end = s.len();
    while i < end {
        let c = s[i];
        i += 1;
        if c != b'\\' || i >= end {
            push_code_point(&mut out, c as u32);
            continue;
        }
        let c2 = s[i];
        i += 1;
        let count = match c2 {
            b'u' => 4,
            b'U' => 8,
            _ => {
                out.push(b'\\');
                push_code_point(&mut out, c2 as u32);
                continue;
            }
        };
        let start = i - 2;
        let mut ch: u32 = 0;
        for _ in 0..count {
            let d = s.get(i).and_then(|&b| (b as char).to_digit(16));
            match d {
                Some(d) => {
                    ch = (ch << 4) | d;
                    i += 1;
                }
                None => {
                    let what = if count == 4 {
                        "truncated \\uXXXX escape"
                    } else {
                        "truncated \\UXXXXXXXX escape"
                    };
                    return Err(format!(
                        "'rawunicodeescape' codec can't decode bytes in position {}-{}: {}",
                        start,
                        i.max(start + 1) - 1,
                        what
                    ));
                }
            }
        }
        if ch > 0x10FFFF {
            return Err(format!(
                "'rawunicodeescape' codec can't decode bytes in position {}-{}: \\Uxxxxxxxx out of range",
                start,
                i - 1
            ));
        }
        push_code_point(&mut out, ch);
    }
    Ok(out)
}

/// CPython's `repr(float)`.
///
/// Shortest round-trip digits, laid out like Python, with one correction:
/// when the exact value of `x` lies exactly halfway between the two
/// shortest decimal strings that read back as `x`, Rust's formatter picks
/// the upper one while CPython's `dtoa` picks the one with an even last
/// digit (`-918341359994482.25` is `-918341359994482.2` in Python).
pub(crate) fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let ax = x.abs();
    // Shortest round-trip digits and the decimal exponent of the first one.
    let e = format!("{ax:e}");
    let (mant, exp) = e.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("exponent");
    let mut digits = [0u8; 24];
    let mut n = 0;
    for &c in mant.as_bytes() {
        if c != b'.' {
            digits[n] = c;
            n += 1;
        }
    }
    let digits = std::str::from_utf8(&digits[..n]).expect("ASCII digits");
    match tie_even_digits(ax, digits, exp) {
        Some((d, exp)) => layout_float(x < 0.0, &d, exp),
        None => layout_float(x < 0.0, digits, exp),
    }
}

/// If `digits` (the shortest round-trip digits of `ax > 0`, first digit at
/// 10^exp) are a halfway tie resolved to an odd last digit, the even digits
/// CPython prints and their exponent.
fn tie_even_digits(ax: f64, digits: &str, exp: i32) -> Option<(String, i32)> {
    let n = digits.len() as i32;
    let d: u64 = digits.parse().ok()?;
    if d % 2 == 0 {
        return None;
    }
    // The last digit stands for 10^scale; a tie puts ax exactly at
    // (d ± 1/2) * 10^scale.
    let scale = exp - n + 1;
    // ax = m * 2^e2 with m odd.
    let bits = ax.to_bits();
    let exp_bits = ((bits >> 52) & 0x7FF) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e2) = if exp_bits == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp_bits - 1075)
    };
    let tz = m.trailing_zeros() as i32;
    let (m, e2) = (m >> tz, e2 + tz);
    // A value with a fractional part has exactly -e2 decimal places; a
    // tie needs its last one at 10^(scale-1). An integer needs scale >= 1.
    if (e2 < 0 && e2 != scale - 1) || (e2 >= 0 && scale < 1) {
        return None;
    }
    for c in [d - 1, d + 1] {
        if format!("{c}e{scale}").parse::<f64>().ok() != Some(ax) {
            continue;
        }
        // 2 * ax == (d + c) * 10^scale exactly?
        let mut left = BigInt::from(m) * 2u32;
        let mut right = BigInt::from(d + c);
        if e2 >= 0 {
            left <<= e2 as usize;
        } else {
            right <<= (-e2) as usize;
        }
        let ten = BigInt::from(10u32);
        if scale >= 0 {
            right *= num_traits::pow(ten, scale as usize);
        } else {
            left *= num_traits::pow(ten, (-scale) as usize);
        }
        if left == right {
            let mut t = c.to_string();
            let exp = exp + (t.len() as i32 - n);
            while t.len() > 1 && t.ends_with('0') {
                t.pop();
            }
            return Some((t, exp));
        }
    }
    None
}

/// Python's `repr` layout of a float from its digits and decimal exponent.
fn layout_float(neg: bool, digits: &str, exp: i32) -> String {
    let nd = digits.len() as i32;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp + 1;
            if nd <= int_len {
                out.push_str(digits);
                out.extend(std::iter::repeat('0').take((int_len - nd) as usize));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len as usize]);
                out.push('.');
                out.push_str(&digits[int_len as usize..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat('0').take((-exp - 1) as usize));
            out.push_str(digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtol_like_c() {
        assert_eq!(strtol0(b"0x10\n"), (Some(16), 4));
        assert_eq!(strtol0(b"010\n"), (Some(8), 3));
        assert_eq!(strtol0(b"08\n"), (Some(0), 1));
        assert_eq!(strtol0(b" -5\n"), (Some(-5), 3));
        assert_eq!(strtol0(b"\n"), (Some(0), 0));
        assert_eq!(strtol0(b"99999999999999999999\n").0, None);
        assert_eq!(strtol0(b"0x\n"), (Some(0), 1));
    }

    #[test]
    fn pylong_like_python() {
        assert_eq!(py_long_from_str(b"1_000\n", 0).unwrap(), BigInt::from(1000));
        assert_eq!(py_long_from_str(b"0x_1f", 0).unwrap(), BigInt::from(31));
        assert!(py_long_from_str(b"010", 0).is_err());
        assert_eq!(py_long_from_str(b"000", 0).unwrap(), BigInt::from(0));
        assert!(py_long_from_str(b"1__0", 0).is_err());
        assert!(py_long_from_str(b"_1", 10).is_err());
        assert_eq!(py_long_from_str(b" 12 \n", 10).unwrap(), BigInt::from(12));
        assert_eq!(py_long_from_str(b"-0b101", 0).unwrap(), BigInt::from(-5));
    }

    #[test]
    fn float_repr_like_python() {
        for (x, r) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (-2.5, "-2.5"),
            (123456789.125, "123456789.125"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ] {
            assert_eq!(float_repr(x), r);
        }
    }

    #[test]
    fn escapes() {
        assert_eq!(decode_escape(br"a\x41\101\n\q").unwrap(), b"aAA\n\\q");
        assert!(decode_escape(b"\\").is_err());
        assert!(decode_escape(br"\x4").is_err());
        assert_eq!(
            decode_raw_unicode_escape(br"\u0041\\u0041\ud800").unwrap(),
            "A\\\\u0041"
                .bytes()
                .chain([0xED, 0xA0, 0x80])
                .collect::<Vec<_>>()
        );
    }
}
