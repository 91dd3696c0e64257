//! Text of values as pandas prints them: floats, datetimes, timedeltas,
//! labels; per-column formatting for `repr` and for `to_csv`.

use brinery_numpy::TimeUnit;

use crate::model::{Array, Cell, Dtype, Ints, Values};
use crate::tz::{offset_text, Tz};

/// pandas' `display.precision`.
pub(crate) const PRECISION: usize = 6;

// ---------------------------------------------------------------------------
// numbers

/// Python's `repr(float)`.
pub(crate) fn float_repr(x: f64) -> String {
    brinery::repr::repr_float(x)
}

/// numpy's `str(np.float32(x))` (shortest round-trip digits, Python's
/// repr rules).
pub(crate) fn f32_repr(x: f32) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // `{:e}` gives the shortest digits: "1.5e-3", "-2e0".
    let e = format!("{x:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let mut digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    // numpy (Dragon4) breaks an exact tie between two shortest digit
    // strings to the even one; Rust's shortest formatting rounds half up.
    let exact = format!("{:.160e}", (x as f64).abs());
    let (em, ee) = exact.split_once('e').unwrap_or((&exact, "0"));
    if ee.parse::<i32>().ok() == Some(exp) {
        let ed: Vec<u8> = em.bytes().filter(|c| c.is_ascii_digit()).collect();
        let n = digits.len();
        if ed.len() > n + 1
            && ed[n] == b'5'
            && ed[n + 1..].iter().all(|&c| c == b'0')
            && (digits.as_bytes()[n - 1] - b'0') % 2 == 1
            && ed[..n] != *digits.as_bytes()
        {
            digits = String::from_utf8_lossy(&ed[..n]).into_owned();
        }
    }
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push_str(&format!(
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        ));
    }
    out
}

/// Python's `f"{x: .{p}f}"` (or without the space).
fn fixed(x: f64, p: usize, space: bool) -> String {
    let body = if x.is_nan() {
        "nan".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format!("{x:.p$}")
    };
    if space && !body.starts_with('-') {
        format!(" {body}")
    } else {
        body
    }
}

/// Python's `f"{x: .{p}e}"`.
fn sci(x: f64, p: usize, space: bool) -> String {
    let body = if !x.is_finite() {
        return fixed(x, p, space);
    } else {
        let s = format!("{x:.p$e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    };
    if space && !body.starts_with('-') {
        format!(" {body}")
    } else {
        body
    }
}

fn trim_single(s: String) -> String {
    let mut t = s.trim_end_matches('0').to_string();
    if t.ends_with('.') {
        t.push('0');
    }
    t
}

fn is_decimal_number(s: &str) -> bool {
    let t = s.trim_start();
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let Some((a, b)) = t.split_once('.') else {
        return false;
    };
    !a.is_empty() && a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit())
}

/// pandas' `_trim_zeros_float`.
fn trim_zeros(mut v: Vec<String>) -> Vec<String> {
    let num: Vec<bool> = v.iter().map(|s| is_decimal_number(s)).collect();
    if !num.iter().any(|&b| b) {
        return v;
    }
    loop {
        if !v
            .iter()
            .zip(&num)
            .filter(|(_, &n)| n)
            .all(|(s, _)| s.ends_with('0'))
        {
            break;
        }
        for (s, &n) in v.iter_mut().zip(&num) {
            if n {
                s.pop();
            }
        }
    }
    for (s, &n) in v.iter_mut().zip(&num) {
        if n && s.ends_with('.') {
            s.push('0');
        }
    }
    v
}

/// pandas' FloatArrayFormatter (fixed width, display.precision 6).
fn format_floats(vals: &[f64], space: bool, na_rep: &str) -> Vec<String> {
    let with = |sci_fmt: bool| -> Vec<String> {
        trim_zeros(
            vals.iter()
                .map(|&x| {
                    if x.is_nan() {
                        na_rep.to_string()
                    } else if sci_fmt {
                        sci(x, PRECISION, space)
                    } else {
                        fixed(x, PRECISION, space)
                    }
                })
                .collect(),
        )
    };
    let out = with(false);
    let maxlen = out.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let too_long = maxlen > PRECISION + 6;
    let large = vals.iter().any(|x| x.abs() > 1e6 && !x.is_nan());
    let small = vals
        .iter()
        .any(|x| x.abs() < 10f64.powi(-(PRECISION as i32)) && x.abs() > 0.0);
    if small || (too_long && large) {
        return with(true);
    }
    out
}

/// Python's `repr(complex)`: `(1+2j)`, `1j`, `(-0-0.5j)`.
pub(crate) fn complex_repr(re: f64, im: f64) -> String {
    let part = |x: f64| {
        let s = float_repr(x);
        match s.strip_suffix(".0") {
            Some(t) => t.to_string(),
            None => s,
        }
    };
    let imag = part(im);
    if re == 0.0 && re.is_sign_positive() {
        return format!("{imag}j");
    }
    let sign = if imag.starts_with('-') { "" } else { "+" };
    format!("({}{sign}{imag}j)", part(re))
}

/// pandas' `_trim_zeros_complex` over `format(z, " .6f")`-style strings.
fn trim_zeros_complex(strs: Vec<String>) -> Vec<String> {
    let n = strs.len();
    let mut parts: Vec<String> = Vec::with_capacity(2 * n);
    let mut imags: Vec<String> = Vec::with_capacity(n);
    for x in &strs {
        // The imaginary part starts at the last sign not after an 'e'.
        let body = x.strip_suffix('j').unwrap_or(x);
        let b = body.as_bytes();
        let pos = (1..b.len())
            .rev()
            .find(|&i| (b[i] == b'+' || b[i] == b'-') && b[i - 1] != b'e')
            .unwrap_or(0);
        parts.push(body[..pos].to_string());
        imags.push(body[pos..].to_string());
    }
    parts.extend(imags);
    let padded = trim_zeros(parts);
    let Some(w) = padded.iter().map(|p| p.chars().count()).max() else {
        return Vec::new();
    };
    let w = w.saturating_sub(1);
    (0..n)
        .map(|i| {
            let (re, im) = (&padded[i], &padded[n + i]);
            let (sign, rest) = im.split_at(im.len().min(1));
            format!("{re}{sign}{rest:>w$}j")
        })
        .collect()
}

/// pandas' FloatArrayFormatter over complex values.
fn format_complex(vals: &[(f64, f64)], space: bool, na: &str) -> Vec<String> {
    let with = |sci_fmt: bool| -> Vec<String> {
        let f = |x: f64, sp: bool| {
            if sci_fmt {
                sci(x, PRECISION, sp)
            } else {
                fixed(x, PRECISION, sp)
            }
        };
        let strs = vals
            .iter()
            .map(|&(re, im)| match (re.is_nan(), im.is_nan()) {
                (false, false) => {
                    let i = f(im, false);
                    let sign = if i.starts_with('-') { "" } else { "+" };
                    format!("{}{sign}{i}j", f(re, space))
                }
                (false, true) => format!("{}+{na}j", f(re, space)),
                (true, false) => {
                    let t = f(im, space).trim().to_string();
                    if t.starts_with('-') {
                        format!("{na}{t}j")
                    } else {
                        format!("{na}+{t}j")
                    }
                }
                (true, true) => format!("{na}+{na}j"),
            })
            .collect();
        trim_zeros_complex(strs)
    };
    let out = with(false);
    let maxlen = out.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let too_long = maxlen > PRECISION + 6;
    let abs: Vec<f64> = vals.iter().map(|&(re, im)| re.hypot(im)).collect();
    let large = abs.iter().any(|&x| x > 1e6);
    let small = abs
        .iter()
        .any(|&x| x < 10f64.powi(-(PRECISION as i32)) && x > 0.0);
    if small || (too_long && large) {
        return with(true);
    }
    out
}

/// `f"{x: .6f}"` trimmed: a float in an object column.
fn single_float(x: f64, space: bool) -> String {
    trim_single(fixed(x, PRECISION, space))
}

// ---------------------------------------------------------------------------
// dates and times

/// (year, month, day) of days since 1970-01-01.
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
    let (y, m, d) = brinery_numpy::civil_from_days(i128::from(days));
    // |y| <= |days| / 365 + 1970, so it fits an i64
    (y as i64, m, d)
}

fn per_second(u: TimeUnit) -> i64 {
    match u {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        _ => 1_000_000_000,
    }
}

/// Ticks → (seconds, nanoseconds within the second).
fn split_ticks(t: i64, u: TimeUnit) -> (i64, i64) {
    let ps = per_second(u);
    let s = t.div_euclid(ps);
    let frac = t.rem_euclid(ps);
    (s, frac * (1_000_000_000 / ps))
}

#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Reso {
    Sec,
    Ms,
    Us,
    Ns,
}

fn resolution(ticks: &[i64], u: TimeUnit) -> Reso {
    let mut r = Reso::Sec;
    for &t in ticks {
        if t == i64::MIN {
            continue;
        }
        let (_, ns) = split_ticks(t, u);
        let this = if ns % 1000 != 0 {
            Reso::Ns
        } else if ns % 1_000_000 != 0 {
            Reso::Us
        } else if ns != 0 {
            Reso::Ms
        } else {
            Reso::Sec
        };
        if this > r {
            r = this;
        }
    }
    r
}

fn ymd_hms(secs: i64) -> (i64, u32, u32, i64, i64, i64) {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil(days);
    (y, m, d, rem / 3600, rem / 60 % 60, rem % 60)
}

fn datetime_text(t: i64, u: TimeUnit, tz: Option<&Tz>, reso: Reso, date_only: bool) -> String {
    let (mut s, ns) = split_ticks(t, u);
    let off = tz.map(|z| z.offset_at(s));
    if let Some(o) = off {
        s += o as i64;
    }
    let (y, mo, d, h, mi, se) = ymd_hms(s);
    if date_only {
        return format!("{y}-{mo:02}-{d:02}");
    }
    let mut out = format!("{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{se:02}");
    match reso {
        Reso::Ns => out.push_str(&format!(".{ns:09}")),
        Reso::Us => out.push_str(&format!(".{:06}", ns / 1000)),
        Reso::Ms => out.push_str(&format!(".{:03}", ns / 1_000_000)),
        Reso::Sec => {}
    }
    if let Some(o) = off {
        out.push_str(&offset_text(o));
    }
    out
}

/// A column of datetimes as pandas formats them (repr and CSV alike):
/// dates only when every naive value is midnight, else the finest
/// sub-second resolution present; tz-aware values in local time with the
/// offset.
fn format_datetimes(ticks: &[i64], u: TimeUnit, tz: Option<&Tz>, na: &str) -> Vec<String> {
    let ps = per_second(u);
    let date_only = tz.is_none()
        && ticks
            .iter()
            .all(|&t| t == i64::MIN || t.rem_euclid(86400 * ps) == 0);
    let reso = resolution(ticks, u);
    map_ticks(ticks, na, |t| datetime_text(t, u, tz, reso, date_only))
}

/// Each tick as text, `na` for NaT.
fn map_ticks(ticks: &[i64], na: &str, f: impl Fn(i64) -> String) -> Vec<String> {
    ticks
        .iter()
        .map(|&t| if t == i64::MIN { na.to_string() } else { f(t) })
        .collect()
}

#[derive(Clone, Copy)]
enum TdFormat {
    Days,
    Long,
    Us,
    All,
}

fn timedelta_text(t: i64, u: TimeUnit, f: TdFormat) -> String {
    let (s, ns) = split_ticks(t, u);
    let days = s.div_euclid(86400);
    let rem = s.rem_euclid(86400);
    let (h, m, sec) = (rem / 3600, rem / 60 % 60, rem % 60);
    let sign = if t < 0 { " +" } else { " " };
    match f {
        TdFormat::Days => format!("{days} days"),
        TdFormat::Long => format!("{days} days{sign}{h:02}:{m:02}:{sec:02}"),
        TdFormat::Us => format!("{days} days{sign}{h:02}:{m:02}:{sec:02}.{:06}", ns / 1000),
        TdFormat::All => format!("{days} days{sign}{h:02}:{m:02}:{sec:02}.{ns:09}"),
    }
}

fn format_timedeltas(ticks: &[i64], u: TimeUnit, na: &str) -> Vec<String> {
    let ps = per_second(u);
    let valid = ticks.iter().copied().filter(|&t| t != i64::MIN);
    let f = if valid.clone().all(|t| t.rem_euclid(86400 * ps) == 0) {
        TdFormat::Days
    } else if valid.clone().all(|t| t.rem_euclid(ps) == 0) {
        TdFormat::Long
    } else if u == TimeUnit::Nanosecond && valid.clone().any(|t| t.rem_euclid(1000) != 0) {
        TdFormat::All
    } else {
        TdFormat::Us
    };
    map_ticks(ticks, na, |t| timedelta_text(t, u, f))
}

/// `str(pd.Timestamp)`.
fn timestamp_str(t: i64, u: TimeUnit, tz: Option<&Tz>) -> String {
    let (s, ns) = split_ticks(t, u);
    let reso = if ns == 0 {
        Reso::Sec
    } else if ns % 1000 != 0 {
        Reso::Ns
    } else {
        Reso::Us
    };
    let _ = s;
    datetime_text(t, u, tz, reso, false)
}

/// Period text for an ordinal in `freq` (pandas' `str(Period)`).
pub(crate) fn period_text(ordinal: i64, freq: &str) -> String {
    let base = freq.trim_start_matches(|c: char| c.is_ascii_digit());
    let mut parts = base.splitn(2, '-');
    let code = parts.next().unwrap_or(base);
    let anchor = parts.next().unwrap_or("");
    let date = |days: i64| {
        let (y, m, d) = civil(days);
        format!("{y}-{m:02}-{d:02}")
    };
    // Sub-daily: ordinal ticks since the epoch, printed to that precision.
    let sub = |per_sec: i64, digits: usize| {
        let (y, mo, d, h, mi, s) = ymd_hms(ordinal.div_euclid(per_sec));
        let frac = ordinal.rem_euclid(per_sec);
        if digits == 0 {
            format!("{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
        } else {
            format!("{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{frac:0digits$}")
        }
    };
    match code {
        "D" => date(ordinal),
        // Business days: five per week, Monday..Friday.
        "B" => date((ordinal + 3).div_euclid(5) * 7 + (ordinal + 3).rem_euclid(5) - 3),
        "W" => {
            const DAYS: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
            let w = DAYS.iter().position(|d| *d == anchor).unwrap_or(6) as i64;
            let e0 = if w - 3 > 2 { w - 10 } else { w - 3 };
            let end = ordinal * 7 + e0;
            format!("{}/{}", date(end - 6), date(end))
        }
        "M" => {
            let y = 1970 + ordinal.div_euclid(12);
            let m = ordinal.rem_euclid(12) + 1;
            format!("{y}-{m:02}")
        }
        // Fiscal years/quarters are numbered by the year they end in.
        "Y" | "A" => format!("{}", 1970 + ordinal),
        "Q" => {
            let y = 1970 + ordinal.div_euclid(4);
            format!("{y}Q{}", ordinal.rem_euclid(4) + 1)
        }
        "h" | "H" => {
            let (y, mo, d, h, _, _) = ymd_hms(ordinal * 3600);
            format!("{y}-{mo:02}-{d:02} {h:02}:00")
        }
        "min" | "T" => {
            let (y, mo, d, h, mi, _) = ymd_hms(ordinal * 60);
            format!("{y}-{mo:02}-{d:02} {h:02}:{mi:02}")
        }
        "s" | "S" => sub(1, 0),
        "ms" | "L" => sub(1_000, 3),
        "us" | "U" => sub(1_000_000, 6),
        "ns" | "N" => sub(1_000_000_000, 9),
        _ => format!("{ordinal}"),
    }
}

// ---------------------------------------------------------------------------
// str() of cells

/// A Python tuple's text with each item shown by `item`: `(a,)`, `(a, b)`.
pub(crate) fn tuple_text(items: &[Cell], item: fn(&Cell) -> String) -> String {
    let parts: Vec<String> = items.iter().map(item).collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

/// pandas' `pprint_thing` (str() with \t \r \n escaped).
pub(crate) fn pprint(c: &Cell) -> String {
    match c {
        Cell::None => "None".into(),
        Cell::NaN => "nan".into(),
        Cell::NA => "<NA>".into(),
        Cell::NaT => "NaT".into(),
        Cell::Bool(b) => if *b { "True" } else { "False" }.into(),
        Cell::Int(i) => i.to_string(),
        Cell::UInt(u) => u.to_string(),
        Cell::Float(f) => float_repr(*f),
        Cell::Str(s) => s
            .replace('\t', "\\t")
            .replace('\r', "\\r")
            .replace('\n', "\\n"),
        Cell::Tuple(items) => tuple_text(items, pprint),
        Cell::Datetime(t, u, tz) => timestamp_str(*t, *u, tz.as_ref()),
        Cell::Timedelta(t, u) => {
            let ps = per_second(*u);
            let f = if t.rem_euclid(ps) == 0 {
                TdFormat::Long
            } else if *u == TimeUnit::Nanosecond && t.rem_euclid(1000) != 0 {
                TdFormat::All
            } else {
                TdFormat::Us
            };
            timedelta_text(*t, *u, f)
        }
        Cell::Object(_, text) | Cell::Bytes(_, text) => text.clone(),
        Cell::Complex(re, im) => complex_repr(*re, *im),
        Cell::Nested(text) => text.clone(),
        Cell::Period(ordinal, freq) => period_text(*ordinal, freq),
    }
}

/// A label as Python's `repr` would show it in a message (`'price'`, `3`).
pub fn label_repr(c: &Cell) -> String {
    match c {
        Cell::Str(s) => format!("'{s}'"),
        other => pprint(other),
    }
}

/// `format_name`: a Series/Index name for display.
pub(crate) fn format_name(c: &Option<Cell>) -> String {
    match c {
        None => String::new(),
        Some(Cell::Float(f)) => single_float(*f, false).trim_start().to_string(),
        Some(c) => pprint(c),
    }
}

// ---------------------------------------------------------------------------
// columns for repr

/// pandas' `_GenericArrayFormatter` over object values.
fn format_objects(cells: &[Cell], space: bool) -> Vec<String> {
    cells
        .iter()
        .map(|c| {
            if let Cell::Float(f) = c {
                return single_float(*f, true);
            }
            let t = match c {
                Cell::NaN => "NaN".to_string(),
                other => pprint(other),
            };
            if space {
                format!(" {t}")
            } else {
                t
            }
        })
        .collect()
}

/// The formatted strings of a column for `repr` (before the fixed width):
/// pandas' `format_array` with default options.
pub(crate) fn format_array(a: &Array, space: bool) -> Vec<String> {
    if let Dtype::Sparse(sub, _) = &a.dtype {
        return format_array(
            &Array {
                dtype: (**sub).clone(),
                ..a.clone()
            },
            space,
        );
    }
    let n = a.len();
    match (&a.dtype, &a.values) {
        (Dtype::Float(_), Values::Float(v)) => format_floats(&v.to_wide(), space, "NaN"),
        (Dtype::Complex(_), Values::Complex(v)) => format_complex(v, space, "NaN"),
        (Dtype::Int(_), Values::Int(v)) => v
            .iter()
            .map(|x| {
                if space && x >= 0 {
                    format!(" {x}")
                } else {
                    x.to_string()
                }
            })
            .collect(),
        (Dtype::UInt(_), Values::UInt(v)) => v
            .iter()
            .map(|x| {
                if space {
                    format!(" {x}")
                } else {
                    x.to_string()
                }
            })
            .collect(),
        (Dtype::Datetime(u, tz), Values::Ticks(t)) => format_datetimes(t, *u, tz.as_ref(), "NaT"),
        (Dtype::Timedelta(u), Values::Ticks(t)) => format_timedeltas(t, *u, "NaT"),
        (Dtype::Category { .. }, Values::Categorical { codes, categories }) => {
            // The categories' own formatting, taken by code (ints with a
            // missing value become objects, printed as NaN).
            let has_missing = codes.iter().any(|c| c < 0);
            match (&categories.values, &categories.dtype) {
                (Values::Ticks(_), _) | (Values::Float(_), _) => {
                    let taken = take(categories, codes);
                    format_array(&taken, space)
                }
                (Values::Int(_) | Values::UInt(_), _) if !has_missing => {
                    let taken = take(categories, codes);
                    format_array(&taken, space)
                }
                _ => {
                    let cells: Vec<Cell> = (0..n)
                        .map(|i| {
                            let c = codes.get(i);
                            if c < 0 {
                                Cell::NaN
                            } else {
                                categories.cell(c as usize)
                            }
                        })
                        .collect();
                    format_objects(&cells, space)
                }
            }
        }
        (Dtype::Period(f), Values::Ticks(t)) => t
            .iter()
            .map(|&x| {
                let s = if x == i64::MIN {
                    "NaT".to_string()
                } else {
                    period_text(x, f)
                };
                if space {
                    format!(" {s}")
                } else {
                    s
                }
            })
            .collect(),
        _ => {
            // Extension arrays and objects: as an object array.
            let cells: Vec<Cell> = (0..n).map(|i| ext_cell(a, i)).collect();
            format_objects(&cells, space)
        }
    }
}

/// Value `i` as `np.asarray(ea, dtype=object)[i]` gives it.
pub(crate) fn ext_cell(a: &Array, i: usize) -> Cell {
    match &a.values {
        Values::Interval { left, right } => {
            if left.is_missing(i) {
                return Cell::NaN;
            }
            let l = format_one(left, i);
            let r = format_one(right, i);
            let (o, c) = match a.dtype {
                Dtype::Interval(_, cl) => match cl {
                    crate::model::Closed::Right => ('(', ']'),
                    crate::model::Closed::Left => ('[', ')'),
                    crate::model::Closed::Both => ('[', ']'),
                    crate::model::Closed::Neither => ('(', ')'),
                },
                _ => ('(', ']'),
            };
            Cell::Str(format!("{o}{l}, {r}{c}"))
        }
        _ => a.cell(i),
    }
}

fn format_one(a: &Array, i: usize) -> String {
    pprint(&a.cell(i))
}

fn take(a: &Array, codes: &Ints) -> Array {
    let idx = || codes.iter().map(|c| usize::try_from(c).ok());
    let values = match &a.values {
        Values::Ticks(v) => Values::Ticks(idx().map(|i| i.map_or(i64::MIN, |i| v[i])).collect()),
        Values::Float(v) => Values::Float(v.take(idx(), f64::NAN)),
        Values::Int(v) => Values::Int(v.take(idx(), 0)),
        Values::UInt(v) => Values::UInt(v.take(idx(), 0)),
        _ => return a.clone(),
    };
    Array::new(a.dtype.clone(), values)
}

/// Labels of an index level formatted as pandas' `Index._format_flat`
/// (without the name): `format_array` then leading spaces trimmed.
pub(crate) fn format_index_values(a: &Array) -> Vec<String> {
    // pandas formats labels left-justified, and then a missing float or
    // complex part is ` NaN`: a space where a sign would go (GH 25061).
    let f = match (&a.dtype, &a.values) {
        (Dtype::Float(_), Values::Float(v)) => format_floats(&v.to_wide(), true, " NaN"),
        (Dtype::Complex(_), Values::Complex(v)) => format_complex(v, true, " NaN"),
        _ => format_array(a, true),
    };
    trim_front(f)
}

pub(crate) fn trim_front(mut v: Vec<String>) -> Vec<String> {
    while !v.is_empty() && v.iter().all(|s| s.starts_with(' ')) {
        for s in v.iter_mut() {
            s.remove(0);
        }
    }
    v
}

// ---------------------------------------------------------------------------
// columns for CSV

/// The CSV text of every value of a column (missing values empty), as
/// `to_csv()` writes them.
pub(crate) fn csv_values(a: &Array) -> Vec<String> {
    if let Dtype::Sparse(sub, _) = &a.dtype {
        return csv_values(&Array {
            dtype: (**sub).clone(),
            ..a.clone()
        });
    }
    let n = a.len();
    match (&a.dtype, &a.values) {
        (Dtype::Float(bits), Values::Float(v)) if a.mask.is_none() => v
            .iter()
            .map(|x| {
                if x.is_nan() {
                    String::new()
                } else if *bits == 32 {
                    f32_repr(x as f32)
                } else {
                    float_repr(x)
                }
            })
            .collect(),
        (Dtype::Datetime(u, tz), Values::Ticks(t)) => format_datetimes(t, *u, tz.as_ref(), ""),
        (Dtype::Timedelta(u), Values::Ticks(t)) => format_timedeltas(t, *u, ""),
        (Dtype::Period(f), Values::Ticks(t)) => t
            .iter()
            .map(|&x| {
                if x == i64::MIN {
                    String::new()
                } else {
                    period_text(x, f)
                }
            })
            .collect(),
        (Dtype::Category { .. }, Values::Categorical { codes, categories })
            if matches!(categories.values, Values::Ticks(_)) =>
        {
            csv_values(&take(categories, codes))
        }
        (_, Values::Arrow(nested)) => {
            let rows: Vec<usize> = (0..n).collect();
            crate::nested::texts(nested, &rows)
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect()
        }
        _ => (0..n)
            .map(|i| {
                let c = ext_cell(a, i);
                if c.is_missing() {
                    String::new()
                } else {
                    match c {
                        Cell::Float(f) if matches!(a.dtype, Dtype::MaskedFloat(32)) => {
                            f32_repr(f as f32)
                        }
                        Cell::Str(s) => s,
                        other => pprint(&other),
                    }
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::excessive_precision)] // the exact f32 tie is the point
    fn floats_like_python() {
        assert_eq!(f32_repr(0.5), "0.5");
        assert_eq!(f32_repr(1e20), "1e+20");
        assert_eq!(f32_repr(0.1), "0.1");
        assert_eq!(f32_repr(123.0), "123.0");
        // An exact tie between 0.47070312 and 0.47070313: numpy takes the even.
        assert_eq!(f32_repr(0.470703125), "0.47070312");
        assert_eq!(f32_repr(0.13476562), "0.13476562");
        assert_eq!(sci(1e10, 6, true), " 1.000000e+10");
        assert_eq!(fixed(-0.5, 6, true), "-0.500000");
        assert_eq!(
            format_floats(&[1.5, f64::NAN, -3.25, 1e-3], true, "NaN"),
            vec![" 1.500", "NaN", "-3.250", " 0.001"]
        );
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(18262), (2020, 1, 1));
    }
}
