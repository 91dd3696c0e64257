//! numpy's `repr` of arrays, scalars and dtypes (numpy 2.x defaults:
//! linewidth 75, precision 8, floatmode `maxprec`, threshold 1000,
//! edgeitems 3).

use brinery::{Graph, NodeId};

use crate::array::{Array, ArrayData};
use crate::dtype::{ByteOrder, Dtype, Kind, TimeUnit};
use crate::npy::{py_str_repr, shape_repr};

const LINEWIDTH: usize = 75;
const PRECISION: usize = 8;
const THRESHOLD: usize = 1000;
const EDGEITEMS: usize = 3;
/// Most elements rendered for one array (a zero-itemsize array can claim
/// astronomically many without any data).
const MAX_RENDERED: usize = 1 << 20;

// ---------------------------------------------------------------------------
// Float digits (numpy's Dragon4: shortest unique digits, capped precision).

#[derive(Clone, Copy, PartialEq)]
enum FKind {
    F16,
    F32,
    F64,
}

/// Shortest round-trip digits of `x` for its type: (digits, exponent) with
/// x = d.ddd × 10^exp. `x` finite and non-zero.
fn shortest(x: f64, k: FKind) -> (String, i32) {
    let s = match k {
        FKind::F64 => format!("{:e}", x.abs()),
        FKind::F32 => format!("{:e}", (x as f32).abs()),
        FKind::F16 => {
            let target = half::f16::from_f64(x.abs());
            let mut found = format!("{:e}", x.abs());
            for p in 0..6 {
                let s = format!("{:.*e}", p, x.abs());
                if let Ok(v) = s.parse::<f64>() {
                    if half::f16::from_f64(v) == target {
                        found = s;
                        break;
                    }
                }
            }
            found
        }
    };
    let (d, e) = split_sci(&s);
    // Dragon4 prints the correctly rounded digits of the exact value at the
    // shortest length; Rust's shortest may pick the other of two equally
    // short candidates when the value lies halfway between them.
    if d.len() > 1 {
        let exact = format!("{:.*e}", d.len() - 1, x.abs());
        let same = match k {
            FKind::F64 => exact.parse::<f64>().ok() == Some(x.abs()),
            FKind::F32 => exact.parse::<f32>().ok() == Some(x.abs() as f32),
            FKind::F16 => {
                exact.parse::<f64>().ok().map(half::f16::from_f64)
                    == Some(half::f16::from_f64(x.abs()))
            }
        };
        if same {
            return split_sci(&exact);
        }
    }
    (d, e)
}

fn split_sci(s: &str) -> (String, i32) {
    let (m, e) = s.split_once('e').unwrap_or((s, "0"));
    let digits: String = m.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (digits.to_string(), e.parse().unwrap_or(0))
}

/// Positional `(int part, frac part)` of |x| with at most `precision`
/// fraction digits (shortest when it fits).
fn positional_parts(x: f64, k: FKind, precision: usize) -> (String, String) {
    if x == 0.0 {
        return ("0".into(), String::new());
    }
    let (d, e) = shortest(x, k);
    let frac_len = (d.len() as i32 - 1 - e).max(0) as usize;
    if frac_len > precision {
        let s = format!("{:.*}", precision, x.abs());
        let (i, f) = s.split_once('.').unwrap_or((&s, ""));
        return (i.to_string(), f.trim_end_matches('0').to_string());
    }
    if e >= 0 {
        let e = e as usize;
        if d.len() > e + 1 {
            (d[..e + 1].to_string(), d[e + 1..].to_string())
        } else {
            (format!("{d}{}", "0".repeat(e + 1 - d.len())), String::new())
        }
    } else {
        ("0".into(), format!("{}{d}", "0".repeat((-e - 1) as usize)))
    }
}

/// Scientific `(mantissa int digit, mantissa frac, exponent)` of |x| with at
/// most `precision` fraction digits.
fn scientific_parts(x: f64, k: FKind, precision: usize) -> (String, String, i32) {
    if x == 0.0 {
        return ("0".into(), String::new(), 0);
    }
    let (d, e) = shortest(x, k);
    if d.len() - 1 > precision {
        let s = format!("{:.*e}", precision, x.abs());
        let (m, ex) = s.split_once('e').unwrap_or((&s, "0"));
        let (i, f) = m.split_once('.').unwrap_or((m, ""));
        return (
            i.to_string(),
            f.trim_end_matches('0').to_string(),
            ex.parse().unwrap_or(0),
        );
    }
    (d[..1].to_string(), d[1..].to_string(), e)
}

struct FloatFormat {
    kind: FKind,
    exp: bool,
    plus: bool,
    precision: usize,
    min_digits: usize,
    pad_left: usize,
    pad_right: usize,
    exp_size: usize,
}

impl FloatFormat {
    fn new(vals: &[f64], kind: FKind, plus: bool) -> FloatFormat {
        let finite: Vec<f64> = vals.iter().copied().filter(|v| v.is_finite()).collect();
        let nz: Vec<f64> = finite
            .iter()
            .map(|v| v.abs())
            .filter(|v| *v != 0.0)
            .collect();
        let mut exp = false;
        if !nz.is_empty() {
            let max = nz.iter().cloned().fold(f64::MIN, f64::max);
            let min = nz.iter().cloned().fold(f64::MAX, f64::min);
            // numpy >= 2.3: 10**min(8, finfo(dtype).precision).
            let cutoff = match kind {
                FKind::F16 => 1e3,
                FKind::F32 => 1e6,
                FKind::F64 => 1e8,
            };
            // The ratio is computed in the array's float type.
            let ratio = match kind {
                FKind::F16 => half::f16::from_f64(max / min).to_f64(),
                FKind::F32 => (max as f32 / min as f32) as f64,
                FKind::F64 => max / min,
            };
            if max >= cutoff || min < 0.0001 || ratio > 1000.0 {
                exp = true;
            }
        }
        let mut f = FloatFormat {
            kind,
            exp,
            plus,
            precision: PRECISION,
            min_digits: 0,
            pad_left: 0,
            pad_right: 0,
            exp_size: 0,
        };
        let sign = |v: f64| {
            if v.is_sign_negative() {
                "-"
            } else if plus {
                "+"
            } else {
                ""
            }
        };
        if finite.is_empty() {
            f.pad_left = 0;
            f.pad_right = 0;
        } else if exp {
            let mut pl = 0;
            let mut prec = 0;
            let mut es = 0;
            for &v in &finite {
                let (i, fr, e) = scientific_parts(v, kind, PRECISION);
                pl = pl.max(sign(v).len() + i.len());
                prec = prec.max(fr.len());
                es = es.max(format!("{:02}", e.abs()).len() + 1);
            }
            f.exp_size = es - 1;
            f.precision = prec;
            f.min_digits = prec;
            f.pad_left = pl;
            f.pad_right = f.exp_size + 2 + prec;
        } else {
            let mut pl = 0;
            let mut pr = 0;
            for &v in &finite {
                let (i, fr) = positional_parts(v, kind, PRECISION);
                pl = pl.max(sign(v).len() + i.len());
                pr = pr.max(fr.len());
            }
            f.pad_left = pl;
            f.pad_right = pr;
        }
        if finite.len() != vals.len() {
            let neginf = plus || vals.iter().any(|v| v.is_infinite() && *v < 0.0);
            let offset = f.pad_right + 1;
            f.pad_left = f
                .pad_left
                .max(3usize.saturating_sub(offset))
                .max((3 + neginf as usize).saturating_sub(offset));
        }
        f
    }

    fn format(&self, x: f64) -> String {
        if !x.is_finite() {
            let ret = if x.is_nan() {
                if self.plus { "+nan" } else { "nan" }.to_string()
            } else if x < 0.0 {
                "-inf".to_string()
            } else if self.plus {
                "+inf".to_string()
            } else {
                "inf".to_string()
            };
            let w = self.pad_left + self.pad_right + 1;
            return format!("{ret:>w$}");
        }
        let sign = if x.is_sign_negative() {
            "-"
        } else if self.plus {
            "+"
        } else {
            ""
        };
        if self.exp {
            let (mut i, mut fr, mut e) = scientific_parts(x, self.kind, self.precision);
            if fr.len() < self.min_digits {
                // Dragon4 with min_digits prints the exact value's digits.
                let s = format!("{:.*e}", self.min_digits, x.abs());
                let (m, ex) = s.split_once('e').unwrap_or((&s, "0"));
                let (a, b) = m.split_once('.').unwrap_or((m, ""));
                i = a.to_string();
                fr = b.to_string();
                e = ex.parse().unwrap_or(0);
            }
            let int = format!("{sign}{i}");
            let digits = format!("{:0w$}", e.abs(), w = self.exp_size.max(2));
            format!(
                "{int:>pl$}.{fr}e{}{digits}",
                if e < 0 { '-' } else { '+' },
                pl = self.pad_left
            )
        } else {
            let (i, fr) = positional_parts(x, self.kind, self.precision);
            let int = format!("{sign}{i}");
            format!(
                "{int:>pl$}.{fr:<pr$}",
                pl = self.pad_left,
                pr = self.pad_right
            )
        }
    }
}

// ---------------------------------------------------------------------------
// Element decoding.

fn read_uint(b: &[u8], big: bool) -> u64 {
    let mut v = 0u64;
    if big {
        for &x in b {
            v = v.wrapping_shl(8) | x as u64;
        }
    } else {
        for &x in b.iter().rev() {
            v = v.wrapping_shl(8) | x as u64;
        }
    }
    v
}

fn read_int(b: &[u8], big: bool) -> i64 {
    let u = read_uint(b, big);
    let bits = b.len() * 8;
    if bits == 0 {
        0
    } else if bits >= 64 {
        u as i64
    } else {
        ((u << (64 - bits)) as i64) >> (64 - bits)
    }
}

/// A float element as f64 (long double: its 80-bit x87 value rounded).
fn read_float(b: &[u8], big: bool) -> f64 {
    match b.len() {
        2 => half::f16::from_bits(read_uint(b, big) as u16).to_f64(),
        4 => f32::from_bits(read_uint(b, big) as u32) as f64,
        8 => f64::from_bits(read_uint(b, big)),
        n if n >= 10 => {
            // x87 extended precision in the low 10 bytes (little-endian
            // layout; big-endian long doubles are not x87).
            let mut le: Vec<u8> = b.to_vec();
            if big {
                le.reverse();
            }
            let mant = u64::from_le_bytes(le[0..8].try_into().unwrap_or([0; 8]));
            let se = u16::from_le_bytes([le[8], le[9]]);
            let neg = se & 0x8000 != 0;
            let e = (se & 0x7fff) as i32;
            let v = if e == 0x7fff {
                if mant << 1 == 0 {
                    f64::INFINITY
                } else {
                    f64::NAN
                }
            } else if mant == 0 {
                0.0
            } else {
                (mant as f64) * 2f64.powi(e - 16383 - 63)
            };
            if neg {
                -v
            } else {
                v
            }
        }
        _ => f64::NAN,
    }
}

fn fkind(size: usize) -> FKind {
    match size {
        2 => FKind::F16,
        4 => FKind::F32,
        _ => FKind::F64,
    }
}

/// `(year, month, day)` of a count of days from 1970-01-01, proleptic
/// Gregorian as numpy's `datetime64[D]` (Howard Hinnant's algorithm).
///
/// ```
/// assert_eq!(brinery_numpy::civil_from_days(19_782), (2024, 2, 29));
/// assert_eq!(brinery_numpy::civil_from_days(-1), (1969, 12, 31));
/// ```
pub fn civil_from_days(z: i128) -> (i128, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn year_str(y: i128) -> String {
    if (0..=9999).contains(&y) {
        format!("{y:04}")
    } else {
        format!("{y}")
    }
}

/// numpy's `datetime_as_string` of `v` units of `unit × num` since the
/// epoch (None for NaT).
fn datetime_str(v: i64, unit: TimeUnit, num: u32) -> Option<String> {
    if v == i64::MIN {
        return None;
    }
    let v = (v as i128) * num as i128;
    let (per_sec_units, frac_digits): (i128, usize) = match unit {
        TimeUnit::Year => {
            return Some(year_str(1970 + v));
        }
        TimeUnit::Month => {
            let y = 1970 + v.div_euclid(12);
            let m = v.rem_euclid(12) + 1;
            return Some(format!("{}-{m:02}", year_str(y)));
        }
        TimeUnit::Week | TimeUnit::Day => {
            let days = if unit == TimeUnit::Week { v * 7 } else { v };
            let (y, m, d) = civil_from_days(days);
            return Some(format!("{}-{m:02}-{d:02}", year_str(y)));
        }
        TimeUnit::Hour => (0, 0),
        TimeUnit::Minute => (0, 0),
        TimeUnit::Second => (1, 0),
        TimeUnit::Millisecond => (1_000, 3),
        TimeUnit::Microsecond => (1_000_000, 6),
        TimeUnit::Nanosecond => (1_000_000_000, 9),
        TimeUnit::Picosecond => (1_000_000_000_000, 12),
        TimeUnit::Femtosecond => (1_000_000_000_000_000, 15),
        TimeUnit::Attosecond => (1_000_000_000_000_000_000, 18),
        TimeUnit::Generic => return Some(v.to_string()),
    };
    let (secs, frac) = match unit {
        TimeUnit::Hour => (v.saturating_mul(3600), 0),
        TimeUnit::Minute => (v.saturating_mul(60), 0),
        _ => (v.div_euclid(per_sec_units), v.rem_euclid(per_sec_units)),
    };
    let days = secs.div_euclid(86400);
    let sod = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (sod / 3600, (sod / 60) % 60, sod % 60);
    let date = format!("{}-{m:02}-{d:02}", year_str(y));
    Some(match unit {
        TimeUnit::Hour => format!("{date}T{hh:02}"),
        TimeUnit::Minute => format!("{date}T{hh:02}:{mm:02}"),
        TimeUnit::Second => format!("{date}T{hh:02}:{mm:02}:{ss:02}"),
        _ => format!("{date}T{hh:02}:{mm:02}:{ss:02}.{frac:0w$}", w = frac_digits),
    })
}

fn py_bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut s = String::from("b");
    s.push(quote);
    for &c in b {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            c if c as char == quote => {
                s.push('\\');
                s.push(c as char);
            }
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push(quote);
    s
}

fn ucs4_string(b: &[u8], big: bool) -> String {
    let mut s: String = b
        .chunks_exact(4)
        .map(|c| char::from_u32(read_uint(c, big) as u32).unwrap_or('\u{fffd}'))
        .collect();
    while s.ends_with('\0') {
        s.pop();
    }
    s
}

/// One column of values, formatted as numpy formats a whole array.
enum Formatter<'x> {
    Bool(bool),
    Int(usize),
    Float(FloatFormat),
    Complex(FloatFormat, FloatFormat),
    Datetime(usize, TimeUnit, u32),
    Timedelta(usize),
    Text,
    Object(Option<&'x Graph<'x>>),
    Struct(Vec<(usize, Dtype, Formatter<'x>)>),
    SubArray(Box<(Dtype, Formatter<'x>)>, Vec<usize>),
    Raw,
}

fn elem_int(dt: &Dtype, b: &[u8]) -> i128 {
    let big = dt.byteorder == ByteOrder::Big;
    match dt.kind {
        Kind::UInt => read_uint(b, big) as i128,
        _ => read_int(b, big) as i128,
    }
}

impl<'x> Formatter<'x> {
    fn new(dt: &Dtype, elems: &[&[u8]], g: Option<&'x Graph<'x>>, zero_d: bool) -> Formatter<'x> {
        let big = dt.byteorder == ByteOrder::Big;
        if dt.has_object() {
            return Formatter::Object(g);
        }
        if let Some(fields) = &dt.fields {
            let cols = fields
                .iter()
                .map(|f| {
                    let end = f.offset + f.dtype.itemsize;
                    let col: Vec<&[u8]> =
                        elems.iter().filter_map(|e| e.get(f.offset..end)).collect();
                    (
                        f.offset,
                        f.dtype.clone(),
                        Formatter::new(&f.dtype, &col, g, false),
                    )
                })
                .collect();
            return Formatter::Struct(cols);
        }
        if let Some(sub) = &dt.subarray {
            let (base, shape) = (&sub.0, &sub.1);
            let item = base.itemsize;
            let all: Vec<&[u8]> = elems
                .iter()
                .flat_map(|e| {
                    e.chunks_exact(item.max(1))
                        .take(if item == 0 { 0 } else { usize::MAX })
                })
                .collect();
            let f = Formatter::new(base, &all, g, false);
            return Formatter::SubArray(Box::new((base.clone(), f)), shape.clone());
        }
        match dt.kind {
            Kind::Bool => Formatter::Bool(!zero_d),
            Kind::Int | Kind::UInt => {
                let w = elems
                    .iter()
                    .map(|e| elem_int(dt, e).to_string().len())
                    .max()
                    .unwrap_or(0);
                Formatter::Int(w)
            }
            Kind::Float => {
                let vals: Vec<f64> = elems.iter().map(|e| read_float(e, big)).collect();
                Formatter::Float(FloatFormat::new(&vals, fkind(dt.itemsize), false))
            }
            Kind::Complex => {
                let h = dt.itemsize / 2;
                let re: Vec<f64> = elems
                    .iter()
                    .map(|e| read_float(e.get(..h).unwrap_or(&[]), big))
                    .collect();
                let im: Vec<f64> = elems
                    .iter()
                    .map(|e| read_float(e.get(h..).unwrap_or(&[]), big))
                    .collect();
                Formatter::Complex(
                    FloatFormat::new(&re, fkind(h), false),
                    FloatFormat::new(&im, fkind(h), true),
                )
            }
            Kind::Datetime => {
                let (unit, num) = dt.time_unit.unwrap_or((TimeUnit::Generic, 1));
                let mut w = 0;
                let mut nat = false;
                for e in elems {
                    match datetime_str(read_int(e, big), unit, num) {
                        Some(s) => w = w.max(s.chars().count() + 2),
                        None => nat = true,
                    }
                }
                if nat {
                    w = w.max(5);
                }
                Formatter::Datetime(w, unit, num)
            }
            Kind::Timedelta => {
                let mut w = 0;
                let mut nat = false;
                for e in elems {
                    let v = read_int(e, big);
                    if v == i64::MIN {
                        nat = true;
                    } else {
                        w = w.max(v.to_string().len());
                    }
                }
                if nat {
                    w = w.max(5);
                }
                Formatter::Timedelta(w)
            }
            Kind::Bytes | Kind::Str => Formatter::Text,
            Kind::Object | Kind::VString => Formatter::Object(g),
            Kind::Void => Formatter::Raw,
        }
    }

    fn format(&self, dt: &Dtype, e: &[u8], obj: Option<NodeId>) -> String {
        let big = dt.byteorder == ByteOrder::Big;
        match self {
            Formatter::Bool(pad) => {
                if e.first().is_some_and(|&b| b != 0) {
                    if *pad { " True" } else { "True" }.into()
                } else {
                    "False".into()
                }
            }
            Formatter::Int(w) => format!("{:>w$}", elem_int(dt, e), w = *w),
            Formatter::Float(f) => f.format(read_float(e, big)),
            Formatter::Complex(r, i) => {
                let h = dt.itemsize / 2;
                let rs = r.format(read_float(e.get(..h).unwrap_or(&[]), big));
                let is = i.format(read_float(e.get(h..).unwrap_or(&[]), big));
                let sp = is.trim_end().len();
                format!("{rs}{}j{}", &is[..sp], &is[sp..])
            }
            Formatter::Datetime(w, unit, num) => {
                let s = match datetime_str(read_int(e, big), *unit, *num) {
                    Some(s) => format!("'{s}'"),
                    None => "'NaT'".into(),
                };
                format!("{s:>w$}", w = *w)
            }
            Formatter::Timedelta(w) => {
                let v = read_int(e, big);
                let s = if v == i64::MIN {
                    "'NaT'".to_string()
                } else {
                    v.to_string()
                };
                format!("{s:>w$}", w = *w)
            }
            Formatter::Text => match dt.kind {
                Kind::Str => py_str_repr(&ucs4_string(e, big)),
                _ => {
                    let mut end = e.len();
                    while end > 0 && e[end - 1] == 0 {
                        end -= 1;
                    }
                    py_bytes_repr(&e[..end])
                }
            },
            Formatter::Object(g) => match (g, obj) {
                (Some(g), Some(id)) => {
                    let opts = brinery::ReprOptions::default().max_output(1 << 20);
                    let r = brinery::repr(g, id, &opts).unwrap_or_else(|_| "...".into());
                    if matches!(g.node(id), brinery::Node::List(_)) {
                        format!("list({r})")
                    } else {
                        r
                    }
                }
                _ => "...".into(),
            },
            Formatter::Struct(cols) => {
                let parts: Vec<String> = cols
                    .iter()
                    .map(|(off, fdt, f)| {
                        let end = off + fdt.itemsize;
                        f.format(fdt, e.get(*off..end).unwrap_or(&[]), None)
                    })
                    .collect();
                if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }
            }
            Formatter::Raw => {
                let hex: String = e.iter().map(|b| format!("\\x{b:02x}")).collect();
                format!("b'{hex}'")
            }
            Formatter::SubArray(base, shape) => {
                let bdt = &base.0;
                let item = bdt.itemsize.max(1);
                let n: usize = shape.iter().product();
                let elems: Vec<String> = (0..n)
                    .map(|i| {
                        base.1
                            .format(bdt, e.get(i * item..(i + 1) * item).unwrap_or(&[]), None)
                    })
                    .collect();
                nested_list(&elems, shape)
            }
        }
    }
}

/// numpy's `SubArrayFormat`: nested `[a, b]` lists (no summarisation
/// below the threshold).
fn nested_list(elems: &[String], shape: &[usize]) -> String {
    if shape.is_empty() {
        return elems.first().cloned().unwrap_or_default();
    }
    let n = shape[0];
    let inner: usize = shape[1..].iter().product();
    let parts: Vec<String> = (0..n)
        .map(|i| {
            nested_list(
                elems.get(i * inner..(i + 1) * inner).unwrap_or(&[]),
                &shape[1..],
            )
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

// ---------------------------------------------------------------------------
// Layout (numpy's `_formatArray`).

fn extend_line(s: &mut String, line: &mut String, word: &str, width: usize, prefix: &str) {
    let mut wrap = line.chars().count() + word.chars().count() > width;
    if line.chars().count() <= prefix.chars().count() {
        wrap = false;
    }
    if wrap {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = prefix.to_string();
    }
    line.push_str(word);
}

fn extend_line_pretty(s: &mut String, line: &mut String, word: &str, width: usize, prefix: &str) {
    let words: Vec<&str> = word.split('\n').collect();
    if words.len() == 1 {
        return extend_line(s, line, word, width, prefix);
    }
    let maxw = words.iter().map(|w| w.chars().count()).max().unwrap_or(0);
    let indent;
    if line.chars().count() + maxw > width && line.chars().count() > prefix.chars().count() {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = format!("{prefix}{}", words[0]);
        indent = prefix.to_string();
    } else {
        indent = " ".repeat(line.chars().count());
        line.push_str(words[0]);
    }
    for w in &words[1..] {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = format!("{indent}{w}");
    }
    let suffix = maxw - words[words.len() - 1].chars().count();
    line.push_str(&" ".repeat(suffix));
}

struct Layout<'r> {
    shape: &'r [usize],
    summarize: bool,
    separator: &'r str,
    elem: &'r dyn Fn(usize) -> String,
}

impl Layout<'_> {
    /// The flat C index of a multi-index.
    fn flat(&self, index: &[usize]) -> usize {
        let mut f = 0;
        for (i, &x) in index.iter().enumerate() {
            f = f * self.shape[i] + x;
        }
        f
    }

    fn recurse(&self, index: &mut Vec<usize>, hanging: &str, width: usize) -> String {
        let axis = index.len();
        let left = self.shape.len() - axis;
        if left == 0 {
            return (self.elem)(self.flat(index));
        }
        let next_hanging = format!("{hanging} ");
        let next_width = width.saturating_sub(1);
        let n = self.shape[axis];
        let show_summary = self.summarize && 2 * EDGEITEMS < n;
        let (leading, trailing) = if show_summary {
            (EDGEITEMS, EDGEITEMS)
        } else {
            (0, n)
        };
        let mut s = String::new();
        if left == 1 {
            let sep_w = self.separator.trim_end().len().max(1);
            let elem_width = width.saturating_sub(sep_w);
            let mut line = hanging.to_string();
            for i in 0..leading {
                index.push(i);
                let w = self.recurse(index, &next_hanging, next_width);
                index.pop();
                extend_line_pretty(&mut s, &mut line, &w, elem_width, hanging);
                line.push_str(self.separator);
            }
            if show_summary {
                extend_line(&mut s, &mut line, "...", elem_width, hanging);
                line.push_str(self.separator);
            }
            for i in (2..=trailing).rev() {
                index.push(n - i);
                let w = self.recurse(index, &next_hanging, next_width);
                index.pop();
                extend_line_pretty(&mut s, &mut line, &w, elem_width, hanging);
                line.push_str(self.separator);
            }
            index.push(n - 1);
            let w = self.recurse(index, &next_hanging, next_width);
            index.pop();
            extend_line_pretty(&mut s, &mut line, &w, elem_width, hanging);
            s.push_str(&line);
        } else {
            let line_sep = format!("{}{}", self.separator.trim_end(), "\n".repeat(left - 1));
            for i in 0..leading {
                index.push(i);
                let nested = self.recurse(index, &next_hanging, next_width);
                index.pop();
                s.push_str(hanging);
                s.push_str(&nested);
                s.push_str(&line_sep);
            }
            if show_summary {
                s.push_str(hanging);
                s.push_str("...");
                s.push_str(&line_sep);
            }
            for i in (2..=trailing).rev() {
                index.push(n - i);
                let nested = self.recurse(index, &next_hanging, next_width);
                index.pop();
                s.push_str(hanging);
                s.push_str(&nested);
                s.push_str(&line_sep);
            }
            index.push(n - 1);
            let nested = self.recurse(index, &next_hanging, next_width);
            index.pop();
            s.push_str(hanging);
            s.push_str(&nested);
        }
        format!("[{}]", &s[hanging.len()..])
    }
}

/// Flat C indices of the elements shown (numpy's `_leading_trailing`).
fn shown_indices(shape: &[usize], summarize: bool) -> Option<Vec<usize>> {
    let mut idx = vec![0usize];
    for &n in shape {
        let keep: Vec<usize> = if summarize && n > 2 * EDGEITEMS {
            (0..EDGEITEMS).chain(n - EDGEITEMS..n).collect()
        } else {
            (0..n).collect()
        };
        if idx.len().saturating_mul(keep.len()) > MAX_RENDERED {
            return None;
        }
        idx = idx
            .iter()
            .flat_map(|&b| keep.iter().map(move |&k| b * n + k))
            .collect();
    }
    Some(idx)
}

/// numpy's `dtype_is_implied`.
fn dtype_is_implied(d: &Dtype) -> bool {
    if d.fields.is_some() || !d.is_native() || !d.is_simple() {
        return false;
    }
    matches!(
        (d.kind, d.itemsize),
        (Kind::Bool, 1) | (Kind::Int, 8) | (Kind::Float, 8) | (Kind::Complex, 16)
    )
}

/// numpy's `dtype_short_repr`.
fn dtype_short_repr(d: &Dtype) -> String {
    if d.fields.is_some() || d.kind == Kind::VString {
        return d.short_repr();
    }
    if matches!(d.kind, Kind::Bytes | Kind::Str | Kind::Void) {
        return format!("'{}'", d.str());
    }
    if !d.is_native() {
        return format!("'{}'", d.str());
    }
    let name = d.name();
    let ok = name.chars().next().is_some_and(|c| c.is_alphabetic())
        && name.chars().all(|c| c.is_alphanumeric());
    if ok {
        name
    } else {
        py_str_repr(&name)
    }
}

/// The body of `array2string(a, separator=', ')` and the element count.
fn array_body(a: &Array<'_>, g: Option<&Graph<'_>>, prefix_len: usize) -> String {
    // array2string takes the `)` suffix off the line width.
    body_with(a, g, ", ", prefix_len, LINEWIDTH - 1)
}

/// The body of `array2string(a, separator)`.
fn body_with(
    a: &Array<'_>,
    g: Option<&Graph<'_>>,
    separator: &str,
    prefix_len: usize,
    width: usize,
) -> String {
    let n = a.len();
    if n == 0 {
        return "[]".into();
    }
    let summarize = n > THRESHOLD;
    let Some(shown) = shown_indices(a.shape(), summarize) else {
        return format!("[... {n} elements ...]");
    };
    let dt = a.dtype();
    let item = dt.itemsize;
    let bytes = a.to_c_bytes();
    let objs = a.objects();
    let elem_bytes = |i: usize| -> &[u8] {
        match &bytes {
            Some(b) if item > 0 => b.get(i * item..(i + 1) * item).unwrap_or(&[]),
            _ => &[],
        }
    };
    let shown_bytes: Vec<&[u8]> = shown.iter().map(|&i| elem_bytes(i)).collect();
    let fmt = Formatter::new(dt, &shown_bytes, g.map(shorten), a.ndim() == 0);
    let elem = |i: usize| -> String {
        let obj = objs.as_ref().and_then(|o| o.get(i).copied());
        fmt.format(dt, elem_bytes(i), obj)
    };
    let hanging = " ".repeat(prefix_len + 1);
    let layout = Layout {
        shape: a.shape(),
        summarize,
        separator,
        elem: &elem,
    };
    let mut index = Vec::new();
    layout.recurse(&mut index, &hanging, width)
}

/// A graph reference with one lifetime (graphs are covariant).
fn shorten<'x>(g: &'x Graph<'_>) -> &'x Graph<'x> {
    g
}

/// numpy's `repr(array)`. Object elements print as `...` here; use
/// [`array_repr_in`] with their graph.
pub fn array_repr(a: &Array<'_>) -> String {
    repr_impl(a, None)
}

/// numpy's `repr(array)`, object elements rendered from `g` (Python's
/// `repr`, lists as `list([...])`).
pub fn array_repr_in(a: &Array<'_>, g: &Graph<'_>) -> String {
    repr_impl(a, Some(g))
}

/// numpy's `str(array)` (`array2string(a, separator=' ')`) of an array
/// that is not an object array (object elements print as `...`).
pub fn array_str(a: &Array<'_>) -> String {
    if a.ndim() == 0 {
        return scalar_repr(a);
    }
    body_with(a, None, " ", 0, LINEWIDTH)
}

/// numpy's `str()` of a 1-D object array whose elements' `repr`s are
/// `reprs` (`[array([1, 2]) None]`).
pub fn object_array_str(reprs: &[String]) -> String {
    words_1d(reprs, " ", 0, LINEWIDTH)
}

/// numpy's `repr()` of a 1-D object array whose elements' `repr`s are
/// `reprs` (`array([array([1, 2]), None], dtype=object)`).
pub fn object_array_repr(reprs: &[String]) -> String {
    let prefix = "array(";
    if reprs.is_empty() {
        return "array([], dtype=object)".into();
    }
    let arr = format!(
        "{prefix}{},",
        words_1d(reprs, ", ", prefix.len(), LINEWIDTH - 1)
    );
    close_repr(&arr, "dtype=object)", prefix.len())
}

/// `arr` (ending in `,`) then `extra`: on the same line when it fits in
/// numpy's line width, else on a new line indented under the prefix.
fn close_repr(arr: &str, extra: &str, prefix_len: usize) -> String {
    let last = arr.len() - arr.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let spacer = if last + extra.len() + 1 > LINEWIDTH {
        format!("\n{}", " ".repeat(prefix_len))
    } else {
        " ".into()
    };
    format!("{arr}{spacer}{extra}")
}

/// `_formatArray` over pre-formatted 1-D elements.
fn words_1d(words: &[String], separator: &str, prefix_len: usize, width: usize) -> String {
    let n = words.len();
    if n == 0 {
        return "[]".into();
    }
    let elem = |i: usize| -> String { words.get(i).cloned().unwrap_or_default() };
    let shape = [n];
    let layout = Layout {
        shape: &shape,
        summarize: n > THRESHOLD,
        separator,
        elem: &elem,
    };
    layout.recurse(&mut Vec::new(), &" ".repeat(prefix_len + 1), width)
}

fn repr_impl(a: &Array<'_>, g: Option<&Graph<'_>>) -> String {
    // Subclasses print their class name (`matrix([[1, 2]])`).
    let prefix = match a.class() {
        Some((_, name)) if name != "ndarray" => format!("{name}("),
        _ => "array(".to_string(),
    };
    let prefix = prefix.as_str();
    let body = array_body(a, g, prefix.len());
    let mut extras = Vec::new();
    let n = a.len();
    if (n == 0 && a.shape() != [0]) || n > THRESHOLD {
        extras.push(format!("shape={}", shape_repr(a.shape())));
    }
    if !dtype_is_implied(a.dtype()) || n == 0 {
        extras.push(format!("dtype={}", dtype_short_repr(a.dtype())));
    }
    if extras.is_empty() {
        return format!("{prefix}{body})");
    }
    let arr = format!("{prefix}{body},");
    close_repr(&arr, &format!("{})", extras.join(", ")), prefix.len())
}

// ---------------------------------------------------------------------------
// Scalars.

/// Python's `repr(float)` style for a numpy float scalar of `kind`.
fn float_scalar(x: f64, k: FKind) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf" } else { "inf" }.into();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    let (d, e) = shortest(x, k);
    if (-4..16).contains(&e) {
        let (i, f) = positional_parts(x, k, usize::MAX / 2);
        let f = if f.is_empty() { "0".to_string() } else { f };
        format!("{sign}{i}.{f}")
    } else {
        let m = if d.len() > 1 {
            format!("{}.{}", &d[..1], &d[1..])
        } else {
            d
        };
        format!("{sign}{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

/// numpy 2's `repr` of a numpy scalar: `np.float64(1.5)`, `np.int32(-3)`,
/// `np.True_`, `np.datetime64('2024-01-01')`, `np.str_('a')`.
pub fn scalar_repr(a: &Array<'_>) -> String {
    scalar_repr_in(a, None)
}

fn scalar_repr_in(a: &Array<'_>, g: Option<&Graph<'_>>) -> String {
    let dt = a.dtype();
    let big = dt.byteorder == ByteOrder::Big;
    let e: &[u8] = a.bytes().unwrap_or(&[]);
    let name = dt.name();
    match dt.kind {
        Kind::Bool => if e.first().is_some_and(|&b| b != 0) {
            "np.True_"
        } else {
            "np.False_"
        }
        .into(),
        Kind::Int | Kind::UInt => format!("np.{name}({})", elem_int(dt, e)),
        Kind::Float if dt.itemsize > 8 => {
            format!(
                "np.longdouble('{}')",
                float_scalar(read_float(e, big), FKind::F64)
            )
        }
        Kind::Float => format!(
            "np.{name}({})",
            float_scalar(read_float(e, big), fkind(dt.itemsize))
        ),
        Kind::Complex => {
            let h = dt.itemsize / 2;
            let k = fkind(h);
            let (re, im) = (
                read_float(e.get(..h).unwrap_or(&[]), big),
                read_float(e.get(h..).unwrap_or(&[]), big),
            );
            let trim = |s: String| s.strip_suffix(".0").map(str::to_string).unwrap_or(s);
            let ims = trim(float_scalar(im, k));
            let body = if re == 0.0 && !re.is_sign_negative() {
                format!("{ims}j")
            } else {
                let sign = if im.is_sign_negative() || im.is_nan() && ims.starts_with('-') {
                    ""
                } else {
                    "+"
                };
                format!("{}{sign}{ims}j", trim(float_scalar(re, k)))
            };
            if dt.itemsize > 16 {
                format!("np.clongdouble('{body}')")
            } else {
                format!("np.{name}({body})")
            }
        }
        Kind::Datetime => {
            let (unit, num) = dt.time_unit.unwrap_or((TimeUnit::Generic, 1));
            let v = read_int(e, big);
            let s = datetime_str(v, unit, num).unwrap_or_else(|| "NaT".into());
            format!("np.datetime64('{s}')")
        }
        Kind::Timedelta => {
            let (unit, num) = dt.time_unit.unwrap_or((TimeUnit::Generic, 1));
            let v = read_int(e, big);
            let vs = if v == i64::MIN {
                "'NaT'".to_string()
            } else {
                v.to_string()
            };
            match unit {
                TimeUnit::Generic => format!("np.timedelta64({vs})"),
                _ if num == 1 => format!("np.timedelta64({vs},'{}')", unit.code()),
                _ => format!("np.timedelta64({vs},'{num}{}')", unit.code()),
            }
        }
        Kind::Str => format!("np.str_({})", py_str_repr(&ucs4_string(e, big))),
        Kind::Bytes => {
            let mut end = e.len();
            while end > 0 && e[end - 1] == 0 {
                end -= 1;
            }
            format!("np.bytes_({})", py_bytes_repr(&e[..end]))
        }
        Kind::Object | Kind::VString => match (g, a.data()) {
            (Some(g), ArrayData::Objects(o)) if !o.is_empty() => {
                brinery::repr(g, o[0], &brinery::ReprOptions::default())
                    .unwrap_or_else(|_| "...".into())
            }
            _ => "...".into(),
        },
        Kind::Void => {
            if dt.fields.is_some() {
                let body = array_body(a, g, 0);
                format!("np.void({body}, dtype={})", dtype_short_repr(dt))
            } else {
                format!("np.void({})", py_bytes_repr(e))
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The hook for `brinery::repr` / `brinery::pretty`.

struct NumpyReprHook;

impl brinery::repr::ReprHook for NumpyReprHook {
    fn repr(&self, v: brinery::NodeRef<'_, '_>) -> Option<Vec<brinery::repr::ReprPiece>> {
        let text = match crate::array::numpy_kind(v)? {
            "array" => {
                let a = Array::from_node(v).ok()??;
                array_repr_in(&a, v.graph())
            }
            "scalar" => {
                let a = Array::scalar_from_node(v).ok()??;
                scalar_repr_in(&a, Some(v.graph()))
            }
            _ => Dtype::from_node(v).ok()??.repr(),
        };
        Some(vec![brinery::repr::ReprPiece::Text(text)])
    }
}

/// A [`brinery::repr::ReprHook`] that prints numpy arrays, scalars and
/// dtypes as numpy 2.x's `repr` does (`array([1, 2], dtype=int32)`,
/// `np.float64(1.5)`, `dtype('int32')`). Elements of object arrays are
/// printed with brinery's plain `repr` (without hooks).
///
/// ```
/// use brinery::repr::{repr, ReprOptions};
/// let a = brinery_numpy::Array::from_vec(vec![3], vec![1.5f64, 2.0, -3.0])?;
/// let bytes = brinery_numpy::dumps_array(&a, 2)?;
/// let g = brinery::loads(&bytes)?;
/// let opts = ReprOptions::default().hook(brinery_numpy::repr_hook());
/// assert_eq!(repr(&g, g.root_id().unwrap(), &opts)?, "array([ 1.5,  2. , -3. ])");
/// # Ok::<(), brinery::Error>(())
/// ```
pub fn repr_hook() -> std::sync::Arc<dyn brinery::repr::ReprHook> {
    std::sync::Arc::new(NumpyReprHook)
}
