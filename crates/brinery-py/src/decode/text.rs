//! The number arguments of the text opcodes (INT, LONG, FLOAT, GET, PUT)
//! read as `_pickle` reads them: C strings (ending at the first NUL) given
//! to `strtol`, `PyLong_FromString` and `PyOS_string_to_double`, with the
//! same accepted spellings (leading zeros, blanks, underscores, `0x` in
//! INT, `inf`/`nan` in FLOAT), the same values (INT's `I01` is `True`) and
//! the same exception classes and messages. Found by the package's
//! differential fuzzing (python/tests/pkgfuzz.py).

use pyo3::exceptions::{PyOverflowError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyString};
use pyo3::{intern, IntoPyObjectExt};

// The C string a text argument is (up to the first NUL) and glibc's
// `strtol(s, &end, 0)`, shared with the core's decoder.
use brinery::pickletools::{c_str, strtol0};

/// `Py_ISSPACE` / C `isspace` in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `_PyLong_DigitValue`: 0-35 for digits and letters, 37 otherwise.
fn digit_value(b: u8) -> u32 {
    match b {
        b'0'..=b'9' => (b - b'0') as u32,
        b'a'..=b'z' => (b - b'a') as u32 + 10,
        b'A'..=b'Z' => (b - b'A') as u32 + 10,
        _ => 37,
    }
}

/// `ValueError("invalid literal for int() with base B: %.200R")` of the
/// original C string, or the `UnicodeDecodeError` of making that string.
fn invalid_literal(py: Python<'_>, orig: &[u8], base: u32) -> PyErr {
    let shown = &orig[..orig.len().min(200)];
    let text = match PyBytes::new(py, shown).call_method1(intern!(py, "decode"), ("utf-8",)) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let repr = match text.repr() {
        Ok(r) => r.to_string_lossy().chars().take(200).collect::<String>(),
        Err(e) => return e,
    };
    PyValueError::new_err(format!(
        "invalid literal for int() with base {base}: {repr}"
    ))
}

/// `PyLong_FromString(s, NULL, base)` for `base` 0 or 10.
pub fn py_long_from_string<'py>(
    py: Python<'py>,
    line: &[u8],
    base: u32,
) -> PyResult<Bound<'py, PyAny>> {
    let orig = c_str(line);
    let mut i = 0;
    while i < orig.len() && is_space(orig[i]) {
        i += 1;
    }
    let mut neg = false;
    match orig.get(i) {
        Some(b'+') => i += 1,
        Some(b'-') => {
            i += 1;
            neg = true;
        }
        _ => {}
    }
    let at = |k: usize| orig.get(k).copied().unwrap_or(0);
    let mut base = base;
    let mut error_if_nonzero = false;
    if base == 0 {
        base = match (at(i), at(i + 1)) {
            (b'0', b'x' | b'X') => 16,
            (b'0', b'o' | b'O') => 8,
            (b'0', b'b' | b'B') => 2,
            (b'0', _) => {
                error_if_nonzero = true;
                10
            }
            _ => 10,
        };
    }
    if at(i) == b'0'
        && matches!(
            (base, at(i + 1)),
            (16, b'x' | b'X') | (8, b'o' | b'O') | (2, b'b' | b'B')
        )
    {
        i += 2;
        if at(i) == b'_' {
            i += 1;
        }
    }
    if at(i) == b'_' {
        return Err(invalid_literal(py, orig, base));
    }
    // The digits, with single underscores between them.
    let mut digits = String::new();
    let mut prev = 0u8;
    while i < orig.len() && (digit_value(orig[i]) < base || orig[i] == b'_') {
        if orig[i] == b'_' {
            if prev == b'_' {
                return Err(invalid_literal(py, orig, base));
            }
        } else {
            digits.push(orig[i] as char);
        }
        prev = orig[i];
        i += 1;
    }
    if prev == b'_' {
        return Err(invalid_literal(py, orig, base));
    }
    let value = if digits.is_empty() {
        None
    } else if base == 10 && digits.len() <= 18 {
        let v: i64 = digits.parse().expect("decimal digits");
        Some((if neg { -v } else { v }).into_bound_py_any(py)?)
    } else {
        // `int()` of the bare digits: the same value, and the same
        // `int_max_str_digits` error (checked before the rest, as in C).
        let v = py
            .get_type::<pyo3::types::PyInt>()
            .call1((PyString::new(py, &digits), base))?;
        Some(if neg { v.neg()? } else { v })
    };
    let mut base_shown = base;
    if error_if_nonzero {
        base_shown = 0;
        if let Some(v) = &value {
            if v.is_truthy()? {
                return Err(invalid_literal(py, orig, 0));
            }
        }
    }
    let Some(value) = value else {
        return Err(invalid_literal(py, orig, base_shown));
    };
    while i < orig.len() && is_space(orig[i]) {
        i += 1;
    }
    if i != orig.len() {
        return Err(invalid_literal(py, orig, base_shown));
    }
    Ok(value)
}

/// INT: `strtol(s, &end, 0)`, falling back to `PyLong_FromString(s, NULL,
/// 0)`; `I00`/`I01` (exactly) and their other 1-character spellings are
/// bools.
pub fn load_int<'py>(py: Python<'py>, line_with_nl: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let s = c_str(line_with_nl);
    let (v, end) = strtol0(s);
    let ends_ok = match s.get(end) {
        None => true, // at the NUL (or the end of the C string)
        Some(&b) => b == b'\n',
    };
    match v {
        Some(x) if ends_ok => {
            if line_with_nl.len() == 3 && (x == 0 || x == 1) {
                return Ok(PyBool::new(py, x == 1).to_owned().into_any());
            }
            x.into_bound_py_any(py)
        }
        _ => py_long_from_string(py, line_with_nl, 0)
            .map_err(|_| PyValueError::new_err("could not convert string to int")),
    }
}

/// LONG: a trailing `L` (just before the newline) removed, then
/// `PyLong_FromString(s, NULL, 0)`.
pub fn load_long<'py>(py: Python<'py>, line_with_nl: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let n = line_with_nl.len();
    if n >= 2 && line_with_nl[n - 2] == b'L' {
        return py_long_from_string(py, &line_with_nl[..n - 2], 0);
    }
    py_long_from_string(py, line_with_nl, 0)
}

/// GET/PUT: `PyLong_FromString(s, NULL, 10)` then `PyLong_AsSsize_t`.
pub fn memo_index(py: Python<'_>, line_with_nl: &[u8]) -> PyResult<i64> {
    let v = py_long_from_string(py, line_with_nl, 10)?;
    v.extract::<i64>()
        .map_err(|_| PyOverflowError::new_err("Python int too large to convert to C ssize_t"))
}

/// The `%.200s` of a C string in a message (decoded with "replace").
fn shown(s: &[u8]) -> String {
    String::from_utf8_lossy(&s[..s.len().min(200)]).into_owned()
}

/// The length of the longest prefix of `s` that `_Py_dg_strtod` reads as a
/// decimal number (sign, digits, point, exponent), and whether it is one.
fn decimal_prefix(s: &[u8]) -> usize {
    let at = |k: usize| s.get(k).copied().unwrap_or(0);
    let mut i = 0;
    if matches!(at(i), b'+' | b'-') {
        i += 1;
    }
    let int_start = i;
    while at(i).is_ascii_digit() {
        i += 1;
    }
    let mut mantissa_digits = i - int_start;
    if at(i) == b'.' {
        let j = i + 1;
        let mut k = j;
        while at(k).is_ascii_digit() {
            k += 1;
        }
        mantissa_digits += k - j;
        if mantissa_digits > 0 {
            i = k;
        }
    }
    if mantissa_digits == 0 {
        return 0;
    }
    if matches!(at(i), b'e' | b'E') {
        let mut k = i + 1;
        if matches!(at(k), b'+' | b'-') {
            k += 1;
        }
        let d = k;
        while at(k).is_ascii_digit() {
            k += 1;
        }
        if k > d {
            i = k;
        }
    }
    i
}

/// `inf`, `infinity` or `nan` (any case, after an optional sign): the
/// value and the length read.
fn inf_or_nan(s: &[u8]) -> Option<(f64, usize)> {
    let (neg, i) = match s.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let rest = &s[i..];
    let starts = |w: &[u8]| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w);
    let (v, n) = if starts(b"infinity") {
        (f64::INFINITY, 8)
    } else if starts(b"inf") {
        (f64::INFINITY, 3)
    } else if starts(b"nan") {
        (f64::NAN, 3)
    } else {
        return None;
    };
    Some((if neg { -v } else { v }, i + n))
}

/// FLOAT: `PyOS_string_to_double(s, &end, OverflowError)`, then the
/// argument must end at the newline (or a NUL).
pub fn load_float(line_with_nl: &[u8]) -> PyResult<f64> {
    let s = c_str(line_with_nl);
    let (value, end) = match inf_or_nan(s) {
        Some(v) => v,
        None => {
            let n = decimal_prefix(s);
            if n == 0 {
                return Err(PyValueError::new_err(format!(
                    "could not convert string to float: '{}'",
                    shown(s)
                )));
            }
            let text = std::str::from_utf8(&s[..n]).expect("ascii");
            let v: f64 = text.parse().expect("a decimal prefix");
            if v.is_infinite() {
                return Err(PyOverflowError::new_err(format!(
                    "value too large to convert to float: '{}'",
                    shown(s)
                )));
            }
            (v, n)
        }
    };
    match s.get(end) {
        None | Some(b'\n') => Ok(value),
        Some(_) => Err(PyValueError::new_err("could not convert string to float")),
    }
}
