//! Reading pandas objects from a decoded pickle graph, as pandas'
//! `__setstate__`/`__reduce__` counterparts would rebuild them (without
//! calling anything).

use brinery::{Construct, Node, NodeId, NodeRef};
use brinery_numpy::{Array as NpArray, ByteOrder, Kind, TimeUnit};

use crate::error::{Error, ErrorKind, Result};
use crate::model::{
    chunks, Array, ArrowData, ArrowField, ArrowNested, ArrowType, Cell, Closed, DataFrame, Dtype,
    Floats, Index, Ints, Pandas, Series, StringStorage, Strings, UInts, Values,
};
use crate::tz::Tz;

/// Nesting limit of arrays inside arrays (categories of a categorical,
/// levels of a MultiIndex, interval ends...): real pickles need 3 or 4.
const MAX_DEPTH: usize = 16;

/// A call recorded in the graph: what was called and with what.
struct Call<'g, 'a> {
    module: &'g str,
    name: &'g str,
    args: NodeRef<'g, 'a>,
    state: Option<NodeRef<'g, 'a>>,
}

fn global_name<'g>(v: NodeRef<'g, '_>) -> Option<(&'g str, &'g str)> {
    v.as_global()
}

/// The callable (or class) and arguments of an object node; a
/// `functools.partial(f, ...)` callable is seen through to `f`.
fn call<'g, 'a>(v: NodeRef<'g, 'a>) -> Option<Call<'g, 'a>> {
    let Node::Object(o) = v.node()? else {
        return None;
    };
    let g = v.graph();
    let (callee, args) = match &o.construct {
        Construct::Reduce { callable, args } => (*callable, *args),
        Construct::NewObj { cls, args } | Construct::NewObjEx { cls, args, .. } => (*cls, *args),
        Construct::Obj { cls, .. } => (*cls, *cls),
        Construct::Inst { cls, .. } => {
            let _ = cls;
            return None;
        }
    };
    let state = o.state().map(|s| g.view(s));
    let cv = g.view(callee);
    let (module, name) = match global_name(cv) {
        Some((m, n)) if m == "copyreg" && (n == "_reconstructor" || n == "__newobj__") => {
            global_name(g.view(args).get(&0)?)?
        }
        Some(mn) => mn,
        None => {
            // functools.partial(new_block, ndim=2)(values, placement)
            let inner = call(cv)?;
            if inner.name != "partial" {
                return None;
            }
            let f = inner
                .args
                .get(&0)
                .or_else(|| inner.state.and_then(|s| s.get(&0)))?;
            global_name(f)?
        }
    };
    Some(Call {
        module,
        name,
        args: g.view(args),
        state,
    })
}

fn short(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn bad(msg: impl Into<String>) -> Error {
    Error::malformed(msg)
}

/// The class name a call passes first (`_new_Index(cls, ...)`).
fn class_arg<'g>(c: &Call<'g, '_>) -> Option<&'g str> {
    c.args.get(&0).and_then(global_name).map(|(_, n)| n)
}

/// Positional argument `i` of a call, if it is a str.
fn str_arg<'g>(c: &Call<'g, '_>, i: usize) -> Option<&'g str> {
    c.args.get(&i).and_then(|s| s.as_str())
}

fn state_get<'g, 'a>(c: &Call<'g, 'a>, key: &str) -> Option<NodeRef<'g, 'a>> {
    let s = c.state?;
    match s.node()? {
        Node::Dict(_) => s.get(key),
        Node::Tuple(t) if t.len() == 2 => {
            let g = s.graph();
            g.view(t[0]).get(key).or_else(|| g.view(t[1]).get(key))
        }
        // Cython's __pyx_unpickle_* state: (dict,)
        Node::Tuple(t) if t.len() == 1 => s.graph().view(t[0]).get(key),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// scalars

fn text(v: NodeRef<'_, '_>) -> String {
    match v.id() {
        Some(id) => brinery::repr::repr(v.graph(), id, &Default::default())
            .unwrap_or_else(|_| "<object>".into()),
        None => "None".into(),
    }
}

fn unit_from_reso(r: i64) -> TimeUnit {
    // NPY_DATETIMEUNIT: 7 s, 8 ms, 9 us, 10 ns.
    match r {
        7 => TimeUnit::Second,
        8 => TimeUnit::Millisecond,
        9 => TimeUnit::Microsecond,
        _ => TimeUnit::Nanosecond,
    }
}

/// A Python value as a [`Cell`].
pub(crate) fn cell_of(v: NodeRef<'_, '_>, depth: usize) -> Cell {
    let (Some(node), Some(id)) = (v.node(), v.id()) else {
        return Cell::None;
    };
    match node {
        Node::None => Cell::None,
        Node::Bool(b) => Cell::Bool(*b),
        Node::Int(i) => Cell::Int(*i),
        Node::BigInt(b) => match u64::try_from(b.as_ref()) {
            Ok(u) => Cell::UInt(u),
            Err(_) => Cell::Object(id, b.to_string()),
        },
        Node::Float(f) if f.is_nan() => Cell::NaN,
        Node::Float(f) => Cell::Float(*f),
        Node::Str(s) => Cell::Str(s.to_string_lossy().into_owned()),
        Node::Bytes(b) => Cell::Bytes(b.as_slice().to_vec(), text(v)),
        Node::Tuple(items) if depth < MAX_DEPTH => Cell::Tuple(
            items
                .iter()
                .map(|&i| cell_of(v.graph().view(i), depth + 1))
                .collect(),
        ),
        Node::Global(gl) if gl.name == "NA" && gl.module.starts_with("pandas") => Cell::NA,
        Node::Global(gl) if gl.name == "NaT" && gl.module.starts_with("pandas") => Cell::NaT,
        Node::Object(_) => {
            if let Some(c) = call(v) {
                match c.name {
                    "__nat_unpickle" => return Cell::NaT,
                    "_unpickle_timestamp" => {
                        let val = c.args.get(&0).and_then(|x| x.as_i64());
                        let tz = c.args.get(&2).filter(|t| !t.is_none());
                        let reso = c.args.get(&3).and_then(|x| x.as_i64()).unwrap_or(10);
                        if let Some(val) = val {
                            let tz = match tz {
                                Some(t) => match Tz::from_node(t) {
                                    Some(t) => Some(t),
                                    None => return Cell::Object(id, text(v)),
                                },
                                None => None,
                            };
                            return Cell::Datetime(val, unit_from_reso(reso), tz);
                        }
                    }
                    // Period.__reduce__: Period(None, freq, ordinal).
                    "Period" if c.module.starts_with("pandas") => {
                        let freq = c.args.get(&1).and_then(freq_text).map(period_code);
                        let ord = c.args.get(&2).and_then(|x| x.as_i64());
                        if let (Some(f), Some(o)) = (freq, ord) {
                            return Cell::Object(id, crate::format::period_text(o, &f));
                        }
                    }
                    "_timedelta_unpickle" => {
                        let val = c.args.get(&0).and_then(|x| x.as_i64());
                        let reso = c.args.get(&1).and_then(|x| x.as_i64()).unwrap_or(10);
                        if let Some(val) = val {
                            return Cell::Timedelta(val, unit_from_reso(reso));
                        }
                    }
                    _ => {}
                }
            }
            Cell::Object(id, text(v))
        }
        _ => Cell::Object(id, text(v)),
    }
}

fn name_of(v: Option<NodeRef<'_, '_>>) -> Option<Cell> {
    match v {
        None => None,
        Some(v) if v.is_none() => None,
        Some(v) => Some(cell_of(v, 0)),
    }
}

// ---------------------------------------------------------------------------
// numpy

fn numpy<'g>(v: NodeRef<'g, '_>) -> Result<Option<NpArray<'g>>> {
    Ok(NpArray::from_node(v)?)
}

/// The C-order bytes of a numeric array, and whether they are big-endian.
fn c_bytes<'n>(np: &'n NpArray<'_>, what: &str) -> Result<(std::borrow::Cow<'n, [u8]>, bool)> {
    let b = np
        .to_c_bytes()
        .ok_or_else(|| bad(format!("expected {what} array, found an object array")))?;
    Ok((b, np.dtype().byteorder == ByteOrder::Big))
}

/// Fixed-width numbers of type `$t` from `b` (one loop per width and byte
/// order, a loop the compiler vectorises: this is most of the time of
/// reading a numeric column).
macro_rules! from_bytes {
    ($t:ty, $b:expr, $big:expr) => {{
        const N: usize = std::mem::size_of::<$t>();
        let it = $b.chunks_exact(N).map(|c| {
            let a: [u8; N] = c.try_into().unwrap_or([0; N]);
            a
        });
        if $big {
            it.map(<$t>::from_be_bytes).collect::<Vec<$t>>()
        } else {
            it.map(<$t>::from_le_bytes).collect::<Vec<$t>>()
        }
    }};
}

fn int_width(np: &NpArray<'_>) -> Result<usize> {
    let w = np.dtype().itemsize;
    if [1, 2, 4, 8].contains(&w) {
        Ok(w)
    } else {
        Err(bad(format!("integer array with itemsize {w}")))
    }
}

/// A signed integer array at its own width.
fn read_ints(np: &NpArray<'_>) -> Result<Ints> {
    let w = int_width(np)?;
    let (b, big) = c_bytes(np, "a numeric")?;
    Ok(match w {
        1 => Ints::I8(from_bytes!(i8, b, big)),
        2 => Ints::I16(from_bytes!(i16, b, big)),
        4 => Ints::I32(from_bytes!(i32, b, big)),
        _ => Ints::I64(from_bytes!(i64, b, big)),
    })
}

/// An unsigned integer array at its own width.
fn read_uints(np: &NpArray<'_>) -> Result<UInts> {
    let w = int_width(np)?;
    let (b, big) = c_bytes(np, "a numeric")?;
    Ok(match w {
        1 => UInts::U8(b.to_vec()),
        2 => UInts::U16(from_bytes!(u16, b, big)),
        4 => UInts::U32(from_bytes!(u32, b, big)),
        _ => UInts::U64(from_bytes!(u64, b, big)),
    })
}

/// An integer array of either sign widened to `i64` (ticks, codes,
/// placements; unsigned values beyond `i64` wrap as numpy's `astype`).
fn read_i64(np: &NpArray<'_>) -> Result<Vec<i64>> {
    Ok(if np.dtype().kind == Kind::UInt {
        read_uints(np)?.iter().map(|x| x as i64).collect()
    } else {
        read_ints(np)?.into_wide()
    })
}

fn sign_extend(u: u64, w: usize, signed: bool) -> i64 {
    if !signed || w == 8 {
        return u as i64;
    }
    let shift = 64 - 8 * w as u32;
    ((u << shift) as i64) >> shift
}

fn read_floats(np: &NpArray<'_>) -> Result<Floats> {
    let d = np.dtype();
    let (b, big) = c_bytes(np, "a float")?;
    match d.itemsize {
        8 => Ok(Floats::F64(from_bytes!(f64, b, big))),
        4 => Ok(Floats::F32(from_bytes!(f32, b, big))),
        n => Err(Error::unsupported(format!("float{} columns", n * 8))),
    }
}

fn time_unit(np: &NpArray<'_>) -> Result<TimeUnit> {
    match np.dtype().time_unit {
        Some((u, 1))
            if matches!(
                u,
                TimeUnit::Second
                    | TimeUnit::Millisecond
                    | TimeUnit::Microsecond
                    | TimeUnit::Nanosecond
            ) =>
        {
            Ok(u)
        }
        _ => Err(Error::unsupported(format!(
            "datetime64/timedelta64 unit of {}",
            np.dtype().str()
        ))),
    }
}

/// A 1-D numpy array (in C order) as a column.
fn np_values(g: &brinery::Graph<'_>, np: &NpArray<'_>) -> Result<Array> {
    let d = np.dtype();
    let bits = (d.itemsize * 8) as u8;
    Ok(match d.kind {
        Kind::Bool => Array::new(
            Dtype::Bool,
            Values::Bool(c_bytes(np, "a bool")?.0.iter().map(|&x| x != 0).collect()),
        ),
        Kind::Int => Array::new(Dtype::Int(bits), Values::Int(read_ints(np)?)),
        Kind::UInt => Array::new(Dtype::UInt(bits), Values::UInt(read_uints(np)?)),
        Kind::Float => Array::new(Dtype::Float(bits), Values::Float(read_floats(np)?)),
        Kind::Complex if d.itemsize == 8 || d.itemsize == 16 => {
            let (b, big) = c_bytes(np, "a complex")?;
            let h = d.itemsize / 2;
            let part = |c: &[u8]| -> f64 {
                if h == 4 {
                    let a: [u8; 4] = c.try_into().unwrap_or([0; 4]);
                    f64::from(if big {
                        f32::from_be_bytes(a)
                    } else {
                        f32::from_le_bytes(a)
                    })
                } else {
                    let a: [u8; 8] = c.try_into().unwrap_or([0; 8]);
                    if big {
                        f64::from_be_bytes(a)
                    } else {
                        f64::from_le_bytes(a)
                    }
                }
            };
            Array::new(
                Dtype::Complex(bits),
                Values::Complex(
                    b.chunks_exact(d.itemsize)
                        .map(|c| (part(&c[..h]), part(&c[h..])))
                        .collect(),
                ),
            )
        }
        Kind::Datetime => Array::new(
            Dtype::Datetime(time_unit(np)?, None),
            Values::Ticks(read_i64(np)?),
        ),
        Kind::Timedelta => Array::new(
            Dtype::Timedelta(time_unit(np)?),
            Values::Ticks(read_i64(np)?),
        ),
        Kind::Object => {
            let ids = np.objects().unwrap_or_default();
            Array::new(
                Dtype::Object,
                Values::Object(ids.iter().map(|&i| cell_of(g.view(i), 0)).collect()),
            )
        }
        _ => {
            return Err(Error::unsupported(format!(
                "numpy dtype {} in a column",
                d.str()
            )))
        }
    })
}

/// Split a C-order 2-D array of `k` rows into `k` arrays.
fn split_rows(a: Array, k: usize) -> Result<Vec<Array>> {
    if k == 1 {
        return Ok(vec![a]);
    }
    let n = a.len().checked_div(k).unwrap_or(0);
    let dtype = a.dtype.clone();
    let parts: Vec<Values> = match a.values {
        Values::Bool(v) => chunks(v, n, k).into_iter().map(Values::Bool).collect(),
        Values::Int(v) => v.split(n, k).into_iter().map(Values::Int).collect(),
        Values::UInt(v) => v.split(n, k).into_iter().map(Values::UInt).collect(),
        Values::Float(v) => v.split(n, k).into_iter().map(Values::Float).collect(),
        Values::Ticks(v) => chunks(v, n, k).into_iter().map(Values::Ticks).collect(),
        Values::Object(v) => chunks(v, n, k).into_iter().map(Values::Object).collect(),
        Values::Complex(v) => chunks(v, n, k).into_iter().map(Values::Complex).collect(),
        _ => return Err(bad("a 2-D block of an extension type")),
    };
    Ok(parts
        .into_iter()
        .map(|values| Array::new(dtype.clone(), values))
        .collect())
}

/// The rows of a 1-D or 2-D numpy array as columns.
fn np_columns(g: &brinery::Graph<'_>, np: &NpArray<'_>) -> Result<Vec<Array>> {
    match np.shape() {
        [_] => Ok(vec![np_values(g, np)?]),
        [k, _] => split_rows(np_values(g, np)?, *k),
        s => Err(bad(format!(
            "block values have shape {s:?}, expected 1 or 2 dimensions"
        ))),
    }
}

// ---------------------------------------------------------------------------
// dtypes

fn string_dtype(v: NodeRef<'_, '_>) -> Option<Dtype> {
    let c = call(v)?;
    if c.name != "StringDtype" {
        return None;
    }
    let storage = str_arg(&c, 0)
        .or_else(|| state_get(&c, "storage").and_then(|s| s.as_str()))
        .unwrap_or("python");
    let na = c
        .args
        .get(&1)
        .or_else(|| state_get(&c, "_na_value"))
        .or_else(|| state_get(&c, "na_value"));
    let nan_missing = na.and_then(|n| n.as_f64()).is_some_and(|f| f.is_nan());
    let storage = if storage.starts_with("pyarrow") {
        StringStorage::PyArrow
    } else {
        StringStorage::Python
    };
    Some(Dtype::String {
        storage,
        nan_missing: nan_missing || storage_is_numpy_semantics(&c),
    })
}

fn storage_is_numpy_semantics(c: &Call<'_, '_>) -> bool {
    str_arg(c, 0) == Some("pyarrow_numpy")
}

fn freq_text(v: NodeRef<'_, '_>) -> Option<String> {
    if v.is_none() {
        return None;
    }
    if let Some(s) = v.as_str() {
        return Some(s.to_string());
    }
    let c = call(v)?;
    let n = c
        .args
        .get(&0)
        .and_then(|x| x.as_i64())
        .or_else(|| state_get(&c, "n").and_then(|x| x.as_i64()))
        .unwrap_or(1);
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    const DAYS: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    // Anchors: `startingMonth`/`month`/`weekday` in the state (or its kwds).
    let anchor = |key: &str| {
        state_get(&c, key)
            .or_else(|| state_get(&c, "kwds").and_then(|k| k.get(key)))
            .and_then(|x| x.as_i64())
    };
    let month = |key: &str, dflt: i64| {
        let m = anchor(key).unwrap_or(dflt);
        MONTHS.get((m - 1) as usize).copied().unwrap_or("DEC")
    };
    let anchored = match c.name {
        "QuarterEnd" => Some(format!("QE-{}", month("startingMonth", 12))),
        "YearEnd" => Some(format!("YE-{}", month("month", 12))),
        "Week" => anchor("weekday")
            .map(|w| format!("W-{}", DAYS.get(w as usize).copied().unwrap_or("SUN"))),
        _ => None,
    };
    if let Some(code) = anchored {
        return Some(if n == 1 { code } else { format!("{n}{code}") });
    }
    let code = match c.name {
        "Day" => "D",
        "Hour" => "h",
        "Minute" => "min",
        "Second" => "s",
        "Milli" => "ms",
        "Micro" => "us",
        "Nano" => "ns",
        "MonthEnd" => "ME",
        "MonthBegin" => "MS",
        "YearEnd" => "YE-DEC",
        "YearBegin" => "YS-JAN",
        "QuarterEnd" => "QE-DEC",
        "Week" => "W-SUN",
        "BusinessDay" => "B",
        _ => return None,
    };
    Some(if n == 1 {
        code.to_string()
    } else {
        format!("{n}{code}")
    })
}

fn period_freq(dtype: NodeRef<'_, '_>) -> Option<String> {
    // PeriodDtype('period[D]') or PeriodDtype with state {'freq': Day(1)}.
    let c = call(dtype)?;
    if let Some(s) = str_arg(&c, 0) {
        let f = s
            .strip_prefix("period[")
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(s);
        return Some(f.to_string());
    }
    let f = state_get(&c, "freq").or_else(|| c.args.get(&0))?;
    freq_text(f).map(period_code)
}

/// A period frequency from an offset's alias: `ME` → `M`, `QE-DEC` →
/// `Q-DEC`, `YE-JUN` → `Y-JUN` (periods keep the pre-2.2 spellings).
fn period_code(f: String) -> String {
    let digits = f.len() - f.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (n, code) = f.split_at(digits);
    let code = code.split_once('-').map_or(code, |(c, _)| c);
    match code {
        "ME" | "QE" | "YE" => format!("{n}{}{}", &code[..1], &f[digits + 2..]),
        _ => f,
    }
}

// ---------------------------------------------------------------------------
// Arrow arrays (`_pa_array`)

fn bytes_of<'g>(v: NodeRef<'g, '_>) -> Option<&'g [u8]> {
    if let Some(b) = v.as_bytes() {
        return Some(b);
    }
    match v.node()? {
        Node::ByteArray(b) => Some(b.as_slice()),
        Node::Object(_) => {
            let c = call(v)?;
            if c.name == "py_buffer" || c.name == "foreign_buffer" {
                return bytes_of(c.args.get(&0)?);
            }
            None
        }
        _ => None,
    }
}

struct FlatType {
    name: String,
    unit: Option<TimeUnit>,
    tz: Option<Tz>,
}

fn arrow_type(v: NodeRef<'_, '_>) -> Result<FlatType> {
    let c = call(v).ok_or_else(|| bad("arrow type is not a pyarrow call"))?;
    match c.name {
        "type_for_alias" => {
            let n = str_arg(&c, 0).ok_or_else(|| bad("type_for_alias without a name"))?;
            let (name, unit) = match n {
                "str" | "utf8" | "string" => ("string", None),
                "large_str" | "large_utf8" | "large_string" => ("large_string", None),
                "float" | "float32" => ("float", None),
                "double" | "float64" => ("double", None),
                "bool" | "boolean" => ("bool", None),
                other => (other, None),
            };
            Ok(FlatType {
                name: name.into(),
                unit,
                tz: None,
            })
        }
        "timestamp" | "duration" => {
            let u = str_arg(&c, 0)
                .and_then(TimeUnit::from_code)
                .ok_or_else(|| bad("arrow timestamp without a unit"))?;
            let tz = match c.args.get(&1) {
                Some(t) if !t.is_none() => Some(
                    t.as_str()
                        .and_then(Tz::named)
                        .ok_or_else(|| Error::unsupported("arrow timestamp time zone"))?,
                ),
                _ => None,
            };
            Ok(FlatType {
                name: c.name.into(),
                unit: Some(u),
                tz,
            })
        }
        other => Err(Error::unsupported(format!("arrow type {other}"))),
    }
}

fn bitmap(b: Option<&[u8]>, offset: usize, len: usize) -> Result<Option<Vec<bool>>> {
    let Some(b) = b else { return Ok(None) };
    if (offset + len).div_ceil(8) > b.len() {
        return Err(bad("arrow validity bitmap is shorter than the array"));
    }
    Ok(Some(
        (offset..offset + len)
            .map(|i| b[i / 8] >> (i % 8) & 1 == 1)
            .collect(),
    ))
}

/// An arrow array restored by `pyarrow.lib._restore_array` (or a
/// `chunked_array` of them).
fn arrow_array(v: NodeRef<'_, '_>) -> Result<(Array, String)> {
    let c = call(v).ok_or_else(|| bad("_pa_array is not a pyarrow array"))?;
    match c.name {
        "chunked_array" => {
            let chunks = c
                .args
                .get(&0)
                .and_then(|l| l.as_items())
                .ok_or_else(|| bad("chunked_array without chunks"))?;
            let mut parts = Vec::new();
            for &id in chunks {
                parts.push(arrow_array(v.graph().view(id))?);
            }
            if parts.is_empty() {
                let tnode = c.args.get(&1).ok_or_else(|| bad("chunked_array type"))?;
                if is_nested_type(tnode) {
                    let ty = nested_type(tnode, 0)?;
                    let a = Array::new(
                        Dtype::Object,
                        Values::Arrow(Box::new(ArrowNested::empty(&ty))),
                    );
                    return Ok((a, ty.name()));
                }
                let t = arrow_type(tnode)?;
                return Ok((empty_arrow(&t)?, t.name));
            }
            let name = parts[0].1.clone();
            let mut it = parts.into_iter().map(|(a, _)| a);
            let mut first = it
                .next()
                .unwrap_or_else(|| Array::new(Dtype::Object, Values::Object(vec![])));
            for a in it {
                append(&mut first, a)?;
            }
            Ok((first, name))
        }
        "_restore_array" => {
            let t = c
                .args
                .get(&0)
                .ok_or_else(|| bad("_restore_array without a state"))?;
            let tnode = t.get(&0).ok_or_else(|| bad("arrow array without a type"))?;
            if is_nested_type(tnode) {
                let ty = nested_type(tnode, 0)?;
                let n = nested_state(t, &ty, 0)?;
                let mask = n
                    .valid
                    .as_ref()
                    .map(|v| v.iter().map(|x| !x).collect::<Vec<_>>());
                let a = Array {
                    dtype: Dtype::Object,
                    values: Values::Arrow(Box::new(n)),
                    mask,
                };
                return Ok((a, ty.name()));
            }
            let ty = arrow_type(tnode)?;
            let a = flat_state(t, &ty)?;
            Ok((a, ty.name))
        }
        other => Err(Error::unsupported(format!("pyarrow {other} in _pa_array"))),
    }
}

/// A flat arrow array's state `(type, length, null_count, offset,
/// buffers, children, dictionary)` of type `ty`.
/// Offset `i` of an Arrow offsets buffer of `w`-byte (4 or 8) little-endian
/// entries (the caller checked the buffer holds it); past `usize` it is
/// `usize::MAX`, which no byte range holds.
fn arrow_offset(offs: &[u8], w: usize, i: usize) -> usize {
    let c = &offs[i * w..i * w + w];
    if w == 4 {
        u32::from_le_bytes(c.try_into().unwrap_or([0; 4])) as usize
    } else {
        usize::try_from(u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).unwrap_or(usize::MAX)
    }
}

/// Arrow string values `off..off + len` without missing values: the
/// bytes they span checked as UTF-8 once and copied whole, the offsets
/// checked to rise and to fall on character boundaries.
fn dense_strings(offs: &[u8], body: &[u8], w: usize, off: usize, len: usize) -> Result<Strings> {
    let at = |i: usize| arrow_offset(offs, w, i);
    let (start, end) = (at(off), at(off + len));
    let span = body
        .get(start..end)
        .ok_or_else(|| bad("arrow string offset out of range"))?;
    let text = std::str::from_utf8(span).map_err(|_| bad("arrow string is not UTF-8"))?;
    let mut offsets = Vec::with_capacity(len + 1);
    let mut prev = start;
    for i in off..=off + len {
        let o = at(i);
        if o < prev || o > end {
            return Err(bad("arrow string offset out of range"));
        }
        if !text.is_char_boundary(o - start) {
            return Err(bad("arrow string is not UTF-8"));
        }
        offsets.push(o - start);
        prev = o;
    }
    Ok(Strings {
        data: text.to_string(),
        offsets,
        valid: None,
    })
}

fn flat_state(t: NodeRef<'_, '_>, ty: &FlatType) -> Result<Array> {
    let len = t.get(&1).and_then(|x| x.as_i64()).unwrap_or(-1);
    let off = t.get(&3).and_then(|x| x.as_i64()).unwrap_or(-1);
    let (Ok(len), Ok(off)) = (usize::try_from(len), usize::try_from(off)) else {
        return Err(bad("arrow array with a negative length or offset"));
    };
    let bufs: Vec<Option<&[u8]>> = t
        .get(&4)
        .and_then(|b| b.as_items())
        .ok_or_else(|| bad("arrow array without buffers"))?
        .iter()
        .map(|&b| bytes_of(t.graph().view(b)))
        .collect();
    let valid = bitmap(bufs.first().copied().flatten(), off, len)?;
    let mask = valid.map(|v| v.into_iter().map(|x| !x).collect::<Vec<_>>());
    let data = |i: usize| bufs.get(i).copied().flatten().unwrap_or(&[]);
    let a = match ty.name.as_str() {
        "string" | "large_string" => {
            let w = if ty.name == "string" { 4 } else { 8 };
            let offs = data(1);
            let body = data(2);
            if offs.len() < (off + len + 1) * w {
                return Err(bad("arrow string offsets are shorter than the array"));
            }
            if mask.as_ref().is_none_or(|m| !m.iter().any(|&x| x)) {
                return Ok(Array::new(
                    Dtype::Object,
                    Values::Str(dense_strings(offs, body, w, off, len)?),
                ));
            }
            let mut s = Strings::new();
            s.data.reserve(body.len());
            s.offsets.reserve(len);
            let at = |i: usize| arrow_offset(offs, w, i);
            for i in 0..len {
                let missing = mask.as_ref().is_some_and(|m| m[i]);
                if missing {
                    s.push(None);
                    continue;
                }
                let (a, b) = (at(off + i), at(off + i + 1));
                let piece = body
                    .get(a..b)
                    .ok_or_else(|| bad("arrow string offset out of range"))?;
                let piece =
                    std::str::from_utf8(piece).map_err(|_| bad("arrow string is not UTF-8"))?;
                s.push(Some(piece));
            }
            Array::new(Dtype::Object, Values::Str(s))
        }
        "bool" => {
            let bits = bitmap(Some(data(1)), off, len)?.unwrap_or_default();
            Array {
                dtype: Dtype::Boolean,
                values: Values::Bool(bits),
                mask,
            }
        }
        name => {
            let (w, dtype): (usize, Dtype) = match name {
                "int8" => (1, Dtype::Int(8)),
                "int16" => (2, Dtype::Int(16)),
                "int32" => (4, Dtype::Int(32)),
                "int64" => (8, Dtype::Int(64)),
                "uint8" => (1, Dtype::UInt(8)),
                "uint16" => (2, Dtype::UInt(16)),
                "uint32" => (4, Dtype::UInt(32)),
                "uint64" => (8, Dtype::UInt(64)),
                "float" => (4, Dtype::Float(32)),
                "double" => (8, Dtype::Float(64)),
                "timestamp" => (
                    8,
                    Dtype::Datetime(ty.unit.unwrap_or(TimeUnit::Nanosecond), ty.tz.clone()),
                ),
                "duration" => (8, Dtype::Timedelta(ty.unit.unwrap_or(TimeUnit::Nanosecond))),
                other => return Err(Error::unsupported(format!("arrow type {other}"))),
            };
            let body = data(1);
            let body = body
                .get(off * w..(off + len) * w)
                .ok_or_else(|| bad("arrow data buffer is shorter than the array"))?;
            let np_kind = match &dtype {
                Dtype::Int(_) | Dtype::Datetime(..) | Dtype::Timedelta(_) => Kind::Int,
                Dtype::UInt(_) => Kind::UInt,
                _ => Kind::Float,
            };
            let np = NpArray::new(
                brinery_numpy::Dtype::new(np_kind, w, ByteOrder::Little),
                vec![len],
                brinery_numpy::Order::C,
                brinery::Buf::Borrowed(body),
            )?;
            let values = match &dtype {
                Dtype::Float(_) => Values::Float(read_floats(&np)?),
                Dtype::UInt(_) => Values::UInt(read_uints(&np)?),
                Dtype::Datetime(..) | Dtype::Timedelta(_) => Values::Ticks(read_i64(&np)?),
                _ => Values::Int(read_ints(&np)?),
            };
            Array {
                dtype,
                values,
                mask,
            }
        }
    };
    Ok(a)
}

// ---------------------------------------------------------------------------
// nested Arrow arrays (ArrowDtype list / large_list / struct / dictionary)

fn is_nested_type(v: NodeRef<'_, '_>) -> bool {
    call(v).is_some_and(|c| matches!(c.name, "list_" | "large_list" | "struct" | "dictionary"))
}

/// A pyarrow type node (`type_for_alias`, `list_(field)`,
/// `large_list(field)`, `struct([fields])`, `dictionary(index, value,
/// ordered)`) of a nested column or its children.
fn nested_type(v: NodeRef<'_, '_>, depth: usize) -> Result<ArrowType> {
    if depth > MAX_DEPTH {
        return Err(bad("arrow types nested too deeply"));
    }
    let c = call(v).ok_or_else(|| bad("arrow type is not a pyarrow call"))?;
    let field_of = |f: NodeRef<'_, '_>| -> Result<ArrowField> {
        let fc = call(f).ok_or_else(|| bad("arrow field is not a pyarrow call"))?;
        if fc.name != "field" {
            // `list_(type)`: the field is `item`.
            let ty = nested_type(f, depth + 1)?;
            if matches!(ty, ArrowType::Dictionary { .. }) {
                return Err(Error::unsupported(
                    "arrow dictionary inside a nested column",
                ));
            }
            return Ok(ArrowField {
                name: "item".into(),
                ty,
                nullable: true,
            });
        }
        let name = str_arg(&fc, 0).ok_or_else(|| bad("arrow field without a name"))?;
        let ty = nested_type(
            fc.args
                .get(&1)
                .ok_or_else(|| bad("arrow field without a type"))?,
            depth + 1,
        )?;
        if matches!(ty, ArrowType::Dictionary { .. }) {
            // How pandas prints these is not checked against pandas.
            return Err(Error::unsupported(
                "arrow dictionary inside a nested column",
            ));
        }
        let nullable = fc.args.get(&2).and_then(|b| b.as_bool()).unwrap_or(true);
        if fc.args.get(&3).is_some_and(|m| !m.is_none()) {
            return Err(Error::unsupported("arrow field metadata"));
        }
        Ok(ArrowField {
            name: name.to_string(),
            ty,
            nullable,
        })
    };
    Ok(match c.name {
        "type_for_alias" => {
            let n = str_arg(&c, 0).ok_or_else(|| bad("type_for_alias without a name"))?;
            match n {
                "bool" | "boolean" => ArrowType::Bool,
                "int8" => ArrowType::Int(8),
                "int16" => ArrowType::Int(16),
                "int32" => ArrowType::Int(32),
                "int64" => ArrowType::Int(64),
                "uint8" => ArrowType::UInt(8),
                "uint16" => ArrowType::UInt(16),
                "uint32" => ArrowType::UInt(32),
                "uint64" => ArrowType::UInt(64),
                "float" | "float32" => ArrowType::Float(32),
                "double" | "float64" => ArrowType::Float(64),
                "str" | "utf8" | "string" => ArrowType::Utf8,
                "large_str" | "large_utf8" | "large_string" => ArrowType::LargeUtf8,
                other => {
                    return Err(Error::unsupported(format!(
                        "arrow type {other} inside a nested column"
                    )))
                }
            }
        }
        "list_" | "large_list" => {
            if c.args.get(&1).is_some_and(|x| !x.is_none()) {
                return Err(Error::unsupported("arrow fixed_size_list"));
            }
            let f = field_of(
                c.args
                    .get(&0)
                    .ok_or_else(|| bad("arrow list without a field"))?,
            )?;
            if c.name == "list_" {
                ArrowType::List(Box::new(f))
            } else {
                ArrowType::LargeList(Box::new(f))
            }
        }
        "struct" => {
            let fields = c
                .args
                .get(&0)
                .and_then(|l| l.as_items())
                .ok_or_else(|| bad("arrow struct without fields"))?;
            let mut out = Vec::with_capacity(fields.len());
            for &f in fields {
                out.push(field_of(v.graph().view(f))?);
            }
            ArrowType::Struct(out)
        }
        "dictionary" => {
            let index = nested_type(
                c.args
                    .get(&0)
                    .ok_or_else(|| bad("arrow dictionary without an index type"))?,
                depth + 1,
            )?;
            if !matches!(index, ArrowType::Int(_) | ArrowType::UInt(_)) {
                return Err(bad("arrow dictionary index is not an integer type"));
            }
            let value = nested_type(
                c.args
                    .get(&1)
                    .ok_or_else(|| bad("arrow dictionary without a value type"))?,
                depth + 1,
            )?;
            if !matches!(
                value,
                ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Int(_) | ArrowType::UInt(_)
            ) {
                return Err(Error::unsupported(format!(
                    "arrow dictionary of {}",
                    value.name()
                )));
            }
            let ordered = c.args.get(&2).and_then(|b| b.as_bool()).unwrap_or(false);
            ArrowType::Dictionary {
                index: Box::new(index),
                value: Box::new(value),
                ordered,
            }
        }
        other => return Err(Error::unsupported(format!("arrow type {other}"))),
    })
}

/// The flat decoder's view of a flat [`ArrowType`].
fn flat_type(ty: &ArrowType) -> FlatType {
    let name = match ty {
        ArrowType::Bool => "bool".to_string(),
        ArrowType::Float(32) => "float".to_string(),
        ArrowType::Float(_) => "double".to_string(),
        other => other.name(),
    };
    FlatType {
        name,
        unit: None,
        tz: None,
    }
}

fn le_uint(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a[..b.len().min(8)].copy_from_slice(&b[..b.len().min(8)]);
    u64::from_le_bytes(a)
}

/// The arrow state tuple `(type, length, null_count, offset, buffers,
/// children, dictionary)` of a value of type `ty`, validated against the
/// bytes present; the result has offset 0.
fn nested_state(t: NodeRef<'_, '_>, ty: &ArrowType, depth: usize) -> Result<ArrowNested> {
    if depth > MAX_DEPTH {
        return Err(bad("arrow arrays nested too deeply"));
    }
    let g = t.graph();
    let len = t.get(&1).and_then(|x| x.as_i64()).unwrap_or(-1);
    let off = t.get(&3).and_then(|x| x.as_i64()).unwrap_or(-1);
    let (Ok(len), Ok(off)) = (usize::try_from(len), usize::try_from(off)) else {
        return Err(bad("arrow array with a negative length or offset"));
    };
    if matches!(
        ty,
        ArrowType::Bool
            | ArrowType::Int(_)
            | ArrowType::UInt(_)
            | ArrowType::Float(_)
            | ArrowType::Utf8
            | ArrowType::LargeUtf8
    ) {
        let a = flat_state(t, &flat_type(ty))?;
        let valid = match (&a.values, &a.mask) {
            (Values::Str(s), _) => s.valid.clone(),
            (_, Some(m)) if m.iter().any(|&x| x) => Some(m.iter().map(|x| !x).collect()),
            _ => None,
        };
        return Ok(ArrowNested {
            ty: ty.clone(),
            valid,
            data: ArrowData::Flat(a.values),
        });
    }
    let bufs: Vec<Option<&[u8]>> = t
        .get(&4)
        .and_then(|b| b.as_items())
        .ok_or_else(|| bad("arrow array without buffers"))?
        .iter()
        .map(|&b| bytes_of(g.view(b)))
        .collect();
    let children: Vec<NodeRef<'_, '_>> = t
        .get(&5)
        .and_then(|b| b.as_items())
        .map(|c| c.iter().map(|&i| g.view(i)).collect())
        .unwrap_or_default();
    let valid = bitmap(bufs.first().copied().flatten(), off, len)?;
    let valid = valid.filter(|v| v.iter().any(|&x| !x));
    let data = |i: usize| bufs.get(i).copied().flatten().unwrap_or(&[]);
    let data = match ty {
        ArrowType::List(f) | ArrowType::LargeList(f) => {
            let w = if matches!(ty, ArrowType::List(_)) {
                4
            } else {
                8
            };
            let [c] = children.as_slice() else {
                return Err(bad("arrow list without exactly one child"));
            };
            let child = nested_state(*c, &f.ty, depth + 1)?;
            let raw = data(1);
            let need = off
                .checked_add(len)
                .and_then(|x| x.checked_add(1))
                .and_then(|x| x.checked_mul(w))
                .ok_or_else(|| bad("arrow list length overflows"))?;
            if raw.len() < need {
                return Err(bad("arrow list offsets are shorter than the array"));
            }
            let mut offsets = Vec::with_capacity(len + 1);
            for i in off..=off + len {
                let o = usize::try_from(le_uint(&raw[i * w..i * w + w]))
                    .ok()
                    .filter(|&o| o <= child.len())
                    .ok_or_else(|| bad("arrow list offset out of range"))?;
                if offsets.last().is_some_and(|&p| o < p) {
                    return Err(bad("arrow list offsets decrease"));
                }
                offsets.push(o);
            }
            ArrowData::List {
                offsets,
                child: Box::new(child),
            }
        }
        ArrowType::Struct(fields) => {
            if children.len() != fields.len() {
                return Err(bad(format!(
                    "arrow struct of {} fields has {} children",
                    fields.len(),
                    children.len()
                )));
            }
            let mut out = Vec::with_capacity(fields.len());
            for (f, c) in fields.iter().zip(&children) {
                let child = nested_state(*c, &f.ty, depth + 1)?;
                if child.len() < off + len {
                    return Err(bad(format!(
                        "arrow struct field '{}' is shorter than the struct",
                        f.name
                    )));
                }
                out.push(slice_nested(child, off, len));
            }
            ArrowData::Struct { len, children: out }
        }
        ArrowType::Dictionary { index, value, .. } => {
            let dict = t
                .get(&6)
                .filter(|d| !d.is_none())
                .ok_or_else(|| bad("arrow dictionary array without a dictionary"))?;
            let values = nested_state(dict, value, depth + 1)?;
            let (ArrowType::Int(b) | ArrowType::UInt(b)) = **index else {
                return Err(bad("arrow dictionary index is not an integer type"));
            };
            let w = usize::from(b / 8);
            let raw = data(1);
            let body = raw
                .get(off * w..(off + len) * w)
                .ok_or_else(|| bad("arrow dictionary indices are shorter than the array"))?;
            let signed = matches!(**index, ArrowType::Int(_));
            let mut keys = Vec::with_capacity(len);
            for (i, c) in body.chunks_exact(w).enumerate() {
                let u = le_uint(c);
                let k = sign_extend(u, w, signed);
                let is_valid = valid.as_ref().is_none_or(|v| v[i]);
                if !is_valid {
                    keys.push(0);
                    continue;
                }
                if k < 0 || k as u64 >= values.len() as u64 {
                    return Err(bad(format!(
                        "arrow dictionary index {k} outside a dictionary of {}",
                        values.len()
                    )));
                }
                keys.push(k);
            }
            ArrowData::Dictionary {
                keys,
                values: Box::new(values),
            }
        }
        _ => return Err(Error::unsupported(format!("arrow type {}", ty.name()))),
    };
    Ok(ArrowNested {
        ty: ty.clone(),
        valid,
        data,
    })
}

fn slice_vec<T: Clone>(v: &[T], off: usize, len: usize) -> Vec<T> {
    v[off..off + len].to_vec()
}

/// `n[off..off + len]` (in range).
fn slice_nested(n: ArrowNested, off: usize, len: usize) -> ArrowNested {
    if off == 0 && n.len() == len {
        return n;
    }
    let valid = n.valid.as_ref().map(|v| slice_vec(v, off, len));
    let data = match n.data {
        ArrowData::Flat(v) => ArrowData::Flat(match v {
            Values::Bool(x) => Values::Bool(slice_vec(&x, off, len)),
            Values::Int(x) => Values::Int(x.slice(off, len)),
            Values::UInt(x) => Values::UInt(x.slice(off, len)),
            Values::Float(x) => Values::Float(x.slice(off, len)),
            Values::Str(s) => {
                let mut o = Strings::new();
                for i in off..off + len {
                    o.push(s.get(i));
                }
                Values::Str(o)
            }
            other => other,
        }),
        ArrowData::List { offsets, child } => ArrowData::List {
            offsets: slice_vec(&offsets, off, len + 1),
            child,
        },
        ArrowData::Struct { children, .. } => ArrowData::Struct {
            len,
            children: children
                .into_iter()
                .map(|c| slice_nested(c, off, len))
                .collect(),
        },
        ArrowData::Dictionary { keys, values } => ArrowData::Dictionary {
            keys: slice_vec(&keys, off, len),
            values,
        },
    };
    ArrowNested {
        ty: n.ty,
        valid,
        data,
    }
}

/// `a` followed by `b` (chunks of one chunked array).
fn concat_nested(a: ArrowNested, b: ArrowNested) -> Result<ArrowNested> {
    if a.ty != b.ty {
        return Err(bad("chunks of a chunked_array have different types"));
    }
    let (n, m) = (a.len(), b.len());
    let valid = match (&a.valid, &b.valid) {
        (None, None) => None,
        _ => {
            let mut v = a.valid.clone().unwrap_or_else(|| vec![true; n]);
            v.extend(b.valid.clone().unwrap_or_else(|| vec![true; m]));
            Some(v)
        }
    };
    let data = match (a.data, b.data) {
        (ArrowData::Flat(x), ArrowData::Flat(y)) => {
            let mut xa = Array::new(Dtype::Object, x);
            append(&mut xa, Array::new(Dtype::Object, y))?;
            ArrowData::Flat(xa.values)
        }
        (
            ArrowData::List {
                offsets: oa,
                child: ca,
            },
            ArrowData::List {
                offsets: ob,
                child: cb,
            },
        ) => {
            let (a0, a1) = (oa[0], oa[n]);
            let (b0, b1) = (ob[0], ob[m]);
            let ca = slice_nested(*ca, a0, a1 - a0);
            let cb = slice_nested(*cb, b0, b1 - b0);
            let mut offsets: Vec<usize> = oa.iter().map(|o| o - a0).collect();
            let base = a1 - a0;
            offsets.extend(ob[1..].iter().map(|o| o - b0 + base));
            ArrowData::List {
                offsets,
                child: Box::new(concat_nested(ca, cb)?),
            }
        }
        (ArrowData::Struct { children: ca, .. }, ArrowData::Struct { children: cb, .. }) => {
            let mut children = Vec::with_capacity(ca.len());
            for (x, y) in ca.into_iter().zip(cb) {
                children.push(concat_nested(x, y)?);
            }
            ArrowData::Struct {
                len: n + m,
                children,
            }
        }
        (
            ArrowData::Dictionary {
                keys: ka,
                values: va,
            },
            ArrowData::Dictionary {
                keys: kb,
                values: vb,
            },
        ) => {
            let shift = va.len() as i64;
            let mut keys = ka;
            keys.extend(kb.iter().map(|k| k + shift));
            ArrowData::Dictionary {
                keys,
                values: Box::new(concat_nested(*va, *vb)?),
            }
        }
        _ => return Err(bad("chunks of a chunked_array have different types")),
    };
    Ok(ArrowNested {
        ty: a.ty,
        valid,
        data,
    })
}

fn empty_arrow(t: &FlatType) -> Result<Array> {
    Ok(match t.name.as_str() {
        "string" | "large_string" => Array::new(Dtype::Object, Values::Str(Strings::new())),
        "bool" => Array::new(Dtype::Boolean, Values::Bool(vec![])),
        "double" | "float" => Array::new(Dtype::Float(64), Values::Float(Floats::F64(vec![]))),
        _ => Array::new(Dtype::Int(64), Values::Int(Ints::I64(vec![]))),
    })
}

fn append(a: &mut Array, b: Array) -> Result<()> {
    let n = a.len();
    let m = b.len();
    if a.mask.is_some() || b.mask.is_some() {
        let mut ma = a.mask.take().unwrap_or_else(|| vec![false; n]);
        ma.extend(b.mask.clone().unwrap_or_else(|| vec![false; m]));
        a.mask = Some(ma);
    }
    match (&mut a.values, b.values) {
        (Values::Bool(x), Values::Bool(y)) => x.extend(y),
        (Values::Int(x), Values::Int(y)) => x.extend(y),
        (Values::UInt(x), Values::UInt(y)) => x.extend(y),
        (Values::Float(x), Values::Float(y)) => x.extend(y),
        (Values::Ticks(x), Values::Ticks(y)) => x.extend(y),
        (Values::Str(x), Values::Str(y)) => {
            for s in y.iter() {
                x.push(s);
            }
        }
        (Values::Arrow(x), Values::Arrow(y)) => {
            let first = std::mem::replace(x.as_mut(), ArrowNested::empty(&ArrowType::Bool));
            **x = concat_nested(first, *y)?;
        }
        _ => return Err(bad("chunks of a chunked_array have different types")),
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// extension arrays

/// The arrays a block's values hold: 2-D numpy (and 2-D NDArrayBacked)
/// values give one array per row, extension arrays one.
fn block_columns(v: NodeRef<'_, '_>, depth: usize) -> Result<Vec<Array>> {
    if let Some(np) = numpy(v)? {
        return np_columns(v.graph(), &np);
    }
    if let Some(c) = call(v) {
        if c.name == "__pyx_unpickle_NDArrayBacked" {
            return ndarray_backed(&c, depth);
        }
    }
    Ok(vec![array(v, depth)?])
}

/// `__pyx_unpickle_NDArrayBacked(cls, checksum, None)` + BUILD state
/// `(dtype, ndarray[, dict])` (or a dict with `_ndarray`, `_dtype`).
fn ndarray_backed(c: &Call<'_, '_>, depth: usize) -> Result<Vec<Array>> {
    let cls = class_arg(c).ok_or_else(|| bad("NDArrayBacked without a class"))?;
    let state = c
        .state
        .ok_or_else(|| bad(format!("{cls} without a BUILD state")))?;
    let (dtype, nd) = match state.node() {
        Some(Node::Tuple(_)) => (state.get(&0), state.get(&1)),
        Some(Node::Dict(_)) => (state.get("_dtype"), state.get("_ndarray")),
        _ => (None, None),
    };
    let (dtype, nd) = match (dtype, nd) {
        (Some(d), Some(n)) => (d, n),
        _ => return Err(bad(format!("{cls} state is not (dtype, ndarray)"))),
    };
    let np = numpy(nd)?.ok_or_else(|| bad(format!("{cls} data is not a numpy array")))?;
    let g = c.args.graph();
    let rows = np_columns(g, &np)?;
    let mut out = Vec::with_capacity(rows.len());
    for raw in rows {
        out.push(wrap_backed(short(cls), dtype, raw, depth)?);
    }
    Ok(out)
}

/// A numpy-backed extension array from its dtype node and its raw values.
fn wrap_backed(cls: &str, dtype: NodeRef<'_, '_>, raw: Array, depth: usize) -> Result<Array> {
    match cls {
        "DatetimeArray" => {
            let unit = match raw.dtype {
                Dtype::Datetime(u, _) => u,
                _ => return Err(bad("DatetimeArray data is not datetime64")),
            };
            let tz = match call(dtype) {
                Some(c) if c.name == "DatetimeTZDtype" => Some(dtz(&c)?),
                _ => None,
            };
            Ok(Array::new(Dtype::Datetime(unit, tz), raw.values))
        }
        "TimedeltaArray" => Ok(raw),
        "PeriodArray" => {
            let freq = period_freq(dtype).ok_or_else(|| Error::unsupported("period frequency"))?;
            Ok(Array::new(Dtype::Period(freq), to_ticks(raw)?))
        }
        "Categorical" => {
            let (categories, ordered) = cat_dtype(dtype, depth)?;
            categorical(raw, categories, ordered)
        }
        "StringArray" | "StringArrayNumpySemantics" => {
            let d = string_dtype(dtype).unwrap_or(Dtype::String {
                storage: StringStorage::Python,
                nan_missing: cls == "StringArrayNumpySemantics",
            });
            Ok(Array::new(d, objects_to_strings(raw)?))
        }
        "NumpyExtensionArray" | "PandasArray" => Ok(raw),
        other => Err(Error::unsupported(format!("pandas array class {other}"))),
    }
}

fn to_ticks(raw: Array) -> Result<Values> {
    match raw.values {
        Values::Int(v) => Ok(Values::Ticks(v.into_wide())),
        Values::Ticks(v) => Ok(Values::Ticks(v)),
        _ => Err(bad("expected int64 ordinals")),
    }
}

fn dtz(c: &Call<'_, '_>) -> Result<Tz> {
    let tz = state_get(c, "tz")
        .or_else(|| c.args.get(&1))
        .ok_or_else(|| bad("DatetimeTZDtype without a tz"))?;
    Tz::from_node(tz).ok_or_else(|| Error::unsupported(format!("time zone {}", text(tz))))
}

fn cat_dtype(dtype: NodeRef<'_, '_>, depth: usize) -> Result<(Array, bool)> {
    let c = call(dtype).ok_or_else(|| bad("categorical dtype is not a CategoricalDtype"))?;
    let cats =
        state_get(&c, "categories").ok_or_else(|| bad("CategoricalDtype without categories"))?;
    let ordered = state_get(&c, "ordered")
        .or_else(|| state_get(&c, "_ordered"))
        .and_then(|o| o.as_bool())
        .unwrap_or(false);
    Ok((index_values(cats, depth + 1)?, ordered))
}

fn categorical(codes: Array, categories: Array, ordered: bool) -> Result<Array> {
    let codes: Ints = match codes.values {
        Values::Int(v) => v,
        _ => return Err(bad("categorical codes are not integers")),
    };
    let n = categories.len();
    if let Some(bad_code) = codes.iter().find(|&c| c < -1 || c >= n as i64) {
        return Err(bad(format!(
            "categorical code {bad_code} is outside the {n} categories"
        )));
    }
    Ok(Array::new(
        Dtype::Category { ordered },
        Values::Categorical {
            codes,
            categories: Box::new(categories),
        },
    ))
}

fn objects_to_strings(raw: Array) -> Result<Values> {
    match raw.values {
        Values::Object(cells) => {
            let mut s = Strings::new();
            for c in cells {
                match c {
                    Cell::Str(x) => s.push(Some(&x)),
                    c if c.is_missing() => s.push(None),
                    other => return Err(bad(format!("string array holds {other:?}"))),
                }
            }
            Ok(Values::Str(s))
        }
        Values::Str(s) => Ok(Values::Str(s)),
        _ => Err(bad("string array data is not an object array")),
    }
}

/// A 1-D pandas array (numpy array, extension array or an Index's values).
pub(crate) fn array(v: NodeRef<'_, '_>, depth: usize) -> Result<Array> {
    if depth > MAX_DEPTH {
        return Err(bad("arrays nested too deeply"));
    }
    if let Some(np) = numpy(v)? {
        if np.ndim() != 1 {
            let mut cols = np_columns(v.graph(), &np)?;
            if cols.len() == 1 {
                return Ok(cols.remove(0));
            }
            return Err(bad(format!(
                "expected 1-D values, found shape {:?}",
                np.shape()
            )));
        }
        return np_values(v.graph(), &np);
    }
    if matches!(v.node(), Some(Node::List(_))) {
        let cells = v.iter().map(|x| cell_of(x, 0)).collect::<Vec<_>>();
        return Ok(Array::new(Dtype::Object, Values::Object(cells)));
    }
    let c = call(v).ok_or_else(|| {
        Error::new(
            ErrorKind::Unsupported,
            format!("values of type {}", v.node().map_or("?", |n| n.type_name())),
        )
    })?;
    let mut cls = short(c.name);
    if cls.starts_with("__pyx_unpickle_") && cls != "__pyx_unpickle_NDArrayBacked" {
        // A Cython class pickled by its generated reducer: the class is the
        // first argument, the state a BUILD.
        if let Some((_, n)) = c.args.get(&0).and_then(global_name) {
            cls = short(n);
        }
    }
    match cls {
        "__pyx_unpickle_NDArrayBacked" => {
            let mut cols = ndarray_backed(&c, depth)?;
            if cols.len() != 1 {
                return Err(bad("expected 1-D values, found a 2-D array"));
            }
            Ok(cols.remove(0))
        }
        // SparseArray: {_sparse_values, _sparse_index: IntIndex(length,
        // indices) | BlockIndex(length, blocs, blengths), _dtype:
        // SparseDtype{_dtype, _fill_value}}; kept dense.
        "SparseArray" => sparse(&c, depth),
        "IntegerArray" | "FloatingArray" | "BooleanArray" => {
            let data = state_get(&c, "_data").ok_or_else(|| bad(format!("{cls} without _data")))?;
            let mask = state_get(&c, "_mask").ok_or_else(|| bad(format!("{cls} without _mask")))?;
            let data = array(data, depth + 1)?;
            let mask = match array(mask, depth + 1)?.values {
                Values::Bool(m) => m,
                _ => return Err(bad(format!("{cls} mask is not boolean"))),
            };
            if mask.len() != data.len() {
                return Err(bad(format!(
                    "{cls} has {} values and a mask of {}",
                    data.len(),
                    mask.len()
                )));
            }
            let dtype = match data.dtype {
                Dtype::Int(b) => Dtype::MaskedInt(b),
                Dtype::UInt(b) => Dtype::MaskedUInt(b),
                Dtype::Float(b) => Dtype::MaskedFloat(b),
                Dtype::Bool => Dtype::Boolean,
                ref d => return Err(bad(format!("{cls} data of dtype {}", d.name()))),
            };
            Ok(Array {
                dtype,
                values: data.values,
                mask: Some(mask),
            })
        }
        "ArrowStringArray" | "ArrowStringArrayNumpySemantics" | "ArrowExtensionArray" => {
            let pa = state_get(&c, "_pa_array")
                .or_else(|| state_get(&c, "_data"))
                .ok_or_else(|| bad(format!("{cls} without _pa_array")))?;
            let (mut a, tname) = arrow_array(pa)?;
            let d = state_get(&c, "_dtype");
            if cls == "ArrowExtensionArray" {
                a.dtype = Dtype::Arrow(arrow_alias(&tname, &a.dtype));
                if a.mask.is_none() {
                    a.mask = Some(vec![false; a.len()]);
                }
                return Ok(a);
            }
            let dtype = d.and_then(string_dtype).unwrap_or(Dtype::String {
                storage: StringStorage::PyArrow,
                nan_missing: cls == "ArrowStringArrayNumpySemantics",
            });
            // Strings keep missing values in their own validity.
            if let (Values::Str(s), Some(_)) = (&a.values, &a.mask) {
                let _ = s;
            }
            a.mask = None;
            a.dtype = dtype;
            Ok(a)
        }
        "StringArray" => {
            let nd =
                state_get(&c, "_ndarray").ok_or_else(|| bad("StringArray without _ndarray"))?;
            let raw = array(nd, depth + 1)?;
            let d = state_get(&c, "_dtype")
                .and_then(string_dtype)
                .unwrap_or(Dtype::String {
                    storage: StringStorage::Python,
                    nan_missing: false,
                });
            Ok(Array::new(d, objects_to_strings(raw)?))
        }
        "Categorical" => {
            // Older pandas: NEWOBJ + {_dtype, _codes}; 0.20: {_codes,
            // _categories, _ordered}.
            let codes = state_get(&c, "_codes").ok_or_else(|| bad("Categorical without _codes"))?;
            let codes = array(codes, depth + 1)?;
            let (cats, ordered) = match state_get(&c, "_dtype") {
                Some(d) => cat_dtype(d, depth)?,
                None => {
                    let cats = state_get(&c, "_categories")
                        .ok_or_else(|| bad("Categorical without categories"))?;
                    let ordered = state_get(&c, "_ordered")
                        .and_then(|o| o.as_bool())
                        .unwrap_or(false);
                    (index_values(cats, depth + 1)?, ordered)
                }
            };
            categorical(codes, cats, ordered)
        }
        "DatetimeArray" | "TimedeltaArray" | "PeriodArray" => {
            let data = state_get(&c, "_data")
                .or_else(|| state_get(&c, "_ndarray"))
                .ok_or_else(|| bad(format!("{cls} without _data")))?;
            let raw = array(data, depth + 1)?;
            match state_get(&c, "_dtype") {
                Some(d) => wrap_backed(cls, d, raw, depth),
                None => Ok(raw),
            }
        }
        "IntervalArray" => {
            let left = state_get(&c, "_left").or_else(|| state_get(&c, "left"));
            let right = state_get(&c, "_right").or_else(|| state_get(&c, "right"));
            let (Some(l), Some(r)) = (left, right) else {
                return Err(bad("IntervalArray without left/right"));
            };
            let closed = state_get(&c, "_dtype")
                .and_then(|d| call(d).and_then(|dc| state_get(&dc, "closed")))
                .or_else(|| state_get(&c, "closed"))
                .or_else(|| state_get(&c, "_closed"))
                .and_then(|s| s.as_str())
                .and_then(Closed::parse)
                .unwrap_or(Closed::Right);
            interval(
                index_values(l, depth + 1)?,
                index_values(r, depth + 1)?,
                closed,
            )
        }
        _ if is_index_call(&c) => index_values(v, depth + 1),
        other => Err(Error::unsupported(format!(
            "pandas values of class {}.{other}",
            c.module
        ))),
    }
}

fn arrow_alias(name: &str, d: &Dtype) -> String {
    match name {
        "large_string" => "large_string".into(),
        "string" => "string".into(),
        "timestamp" | "duration" => match d {
            Dtype::Datetime(u, None) => format!("timestamp[{}]", u.code()),
            Dtype::Datetime(u, Some(tz)) => format!("timestamp[{}, tz={}]", u.code(), tz.name()),
            Dtype::Timedelta(u) => format!("duration[{}]", u.code()),
            _ => name.into(),
        },
        other => other.into(),
    }
}

fn interval(left: Array, right: Array, closed: Closed) -> Result<Array> {
    if left.len() != right.len() {
        return Err(bad(format!(
            "interval left has {} values, right {}",
            left.len(),
            right.len()
        )));
    }
    Ok(Array::new(
        Dtype::Interval(Box::new(left.dtype.clone()), closed),
        Values::Interval {
            left: Box::new(left),
            right: Box::new(right),
        },
    ))
}

fn is_index_call(c: &Call<'_, '_>) -> bool {
    matches!(
        c.name,
        "_new_Index"
            | "_new_DatetimeIndex"
            | "_new_TimedeltaIndex"
            | "_new_IntervalIndex"
            | "_new_PeriodIndex"
    ) || c.name.ends_with("Index")
}

/// The values of an index node (or an array node used where an index is).
fn index_values(v: NodeRef<'_, '_>, depth: usize) -> Result<Array> {
    if depth > MAX_DEPTH {
        return Err(bad("indexes nested too deeply"));
    }
    match call(v) {
        Some(c) if is_index_call(&c) => match index(v, depth)? {
            Index::Array { values, .. } => Ok(values),
            i @ Index::Range { .. } => Ok(i.level_array(0)),
            Index::Multi { .. } => Err(Error::unsupported("a MultiIndex used as values")),
        },
        _ => array(v, depth),
    }
}

// ---------------------------------------------------------------------------
// indexes

/// An Index from `_new_Index(cls, d)` and its relatives.
pub(crate) fn index(v: NodeRef<'_, '_>, depth: usize) -> Result<Index> {
    if depth > MAX_DEPTH {
        return Err(bad("indexes nested too deeply"));
    }
    let c = call(v).ok_or_else(|| bad("axis is not a pandas Index"))?;
    let (cls, d) = match c.name {
        "_new_Index"
        | "_new_DatetimeIndex"
        | "_new_TimedeltaIndex"
        | "_new_IntervalIndex"
        | "_new_PeriodIndex" => {
            let cls = class_arg(&c).ok_or_else(|| bad("_new_Index without a class"))?;
            let d = c
                .args
                .get(&1)
                .ok_or_else(|| bad("_new_Index without a state"))?;
            (short(cls), d)
        }
        // 0.x: Index.__new__(cls) + BUILD state.
        n if n.ends_with("Index") => {
            let s = c.state.ok_or_else(|| bad(format!("{n} without a state")))?;
            (short(n), s)
        }
        n => return Err(bad(format!("axis is a {}.{n}, not an Index", c.module))),
    };
    let get = |k: &str| d.get(k);
    let name = name_of(get("name"));
    match cls {
        "RangeIndex" => {
            let num = |k: &str, dflt: i64| -> Result<i64> {
                match get(k) {
                    None => Ok(dflt),
                    Some(x) if x.is_none() => Ok(dflt),
                    Some(x) => x
                        .as_i64()
                        .ok_or_else(|| bad(format!("RangeIndex {k} is not an int"))),
                }
            };
            let step = num("step", 1)?;
            if step == 0 {
                return Err(bad("RangeIndex step is 0"));
            }
            Ok(Index::Range {
                start: num("start", 0)?,
                stop: num("stop", 0)?,
                step,
                name,
            })
        }
        "MultiIndex" => {
            let levels = get("levels").ok_or_else(|| bad("MultiIndex without levels"))?;
            let codes = get("codes")
                .or_else(|| get("labels"))
                .ok_or_else(|| bad("MultiIndex without codes"))?;
            let mut lv = Vec::new();
            for (i, l) in levels.iter().enumerate() {
                lv.push(index_values(l, depth + 1).map_err(|e| e.at(|| format!("level {i}")))?);
            }
            let mut cv = Vec::new();
            for (i, cnode) in codes.iter().enumerate() {
                let a = frozen(cnode, depth + 1).map_err(|e| e.at(|| format!("level {i}")))?;
                let codes = match a.values {
                    Values::Int(v) => v.into_wide(),
                    Values::UInt(v) => v.iter().map(|x| x as i64).collect(),
                    _ => return Err(bad(format!("level {i}: MultiIndex codes are not integers"))),
                };
                let n = lv.get(i).map_or(0, |l| l.len()) as i64;
                if let Some(b) = codes.iter().find(|&&c| c < -1 || c >= n) {
                    return Err(bad(format!(
                        "level {i}: MultiIndex code {b} is outside the {n} level values"
                    )));
                }
                cv.push(codes);
            }
            if lv.len() != cv.len() {
                return Err(bad(format!(
                    "MultiIndex has {} levels and {} code arrays",
                    lv.len(),
                    cv.len()
                )));
            }
            if cv.windows(2).any(|w| w[0].len() != w[1].len()) {
                return Err(bad("MultiIndex code arrays differ in length"));
            }
            let names = match get("names") {
                Some(n) => n.iter().map(|x| name_of(Some(x))).collect(),
                None => vec![None; lv.len()],
            };
            Ok(Index::Multi {
                levels: lv,
                codes: cv,
                names,
            })
        }
        "IntervalIndex" => {
            if let Some(data) = get("data") {
                let values = array(data, depth + 1)?;
                return Ok(Index::Array {
                    values,
                    name,
                    freq: None,
                });
            }
            let (Some(l), Some(r)) = (get("left"), get("right")) else {
                return Err(bad("IntervalIndex without left/right"));
            };
            let closed = get("closed")
                .and_then(|s| s.as_str())
                .or_else(|| {
                    get("dtype")
                        .and_then(|dd| call(dd))
                        .and_then(|dc| state_get(&dc, "closed"))
                        .and_then(|s| s.as_str())
                })
                .and_then(Closed::parse)
                .unwrap_or(Closed::Right);
            let values = interval(
                index_values(l, depth + 1)?,
                index_values(r, depth + 1)?,
                closed,
            )?;
            Ok(Index::Array {
                values,
                name,
                freq: None,
            })
        }
        _ => {
            let data = get("data").ok_or_else(|| bad(format!("{cls} without data")))?;
            let mut values = array(data, depth + 1)?;
            let freq = get("freq").and_then(freq_text).or_else(|| {
                // pandas >= 1.x keeps the freq in the array's state.
                let dc = call(data)?;
                let st = dc.state?;
                let f = st
                    .get(&2)
                    .and_then(|d| d.get("_freq"))
                    .or_else(|| st.get("_freq"))?;
                freq_text(f)
            });
            // Older DatetimeIndex: naive values + a separate tz; PeriodIndex:
            // ordinals + freq.
            if cls == "DatetimeIndex" {
                if let (Some(t), Dtype::Datetime(u, None)) = (get("tz"), &values.dtype) {
                    if !t.is_none() {
                        let tz = Tz::from_node(t)
                            .ok_or_else(|| Error::unsupported(format!("time zone {}", text(t))))?;
                        values.dtype = Dtype::Datetime(*u, Some(tz));
                    }
                }
            }
            if cls == "PeriodIndex" && !matches!(values.dtype, Dtype::Period(_)) {
                let f = get("dtype")
                    .and_then(period_freq)
                    .or_else(|| freq.clone().map(period_code))
                    .ok_or_else(|| Error::unsupported("PeriodIndex frequency"))?;
                values = Array::new(Dtype::Period(f), to_ticks(values)?);
            }
            if cls == "CategoricalIndex" && !matches!(values.dtype, Dtype::Category { .. }) {
                return Err(Error::unsupported("CategoricalIndex without a Categorical"));
            }
            Ok(Index::Array { values, name, freq })
        }
    }
}

/// MultiIndex codes: numpy arrays or 0.x `FrozenNDArray`s (an ndarray
/// subclass pickled with `_reconstruct`).
fn frozen(v: NodeRef<'_, '_>, depth: usize) -> Result<Array> {
    array(v, depth)
}

// ---------------------------------------------------------------------------
// block managers

struct Manager<'g, 'a> {
    axes: Vec<NodeRef<'g, 'a>>,
    /// (values, placement) per block; placement None for a
    /// SingleBlockManager's block.
    blocks: Vec<(NodeRef<'g, 'a>, Option<NodeRef<'g, 'a>>)>,
}

fn manager<'g, 'a>(v: NodeRef<'g, 'a>) -> Result<Manager<'g, 'a>> {
    let c = call(v).ok_or_else(|| bad("_mgr is not a BlockManager"))?;
    if !c.name.ends_with("BlockManager") {
        return Err(bad(format!("_mgr is a {}, not a BlockManager", c.name)));
    }
    // The 4-tuple state (axes, values, items, {'0.14.1': {...}}).
    if let Some(s) = c.state {
        if let Some(st) = s.get(&3).and_then(|d| d.get("0.14.1")) {
            let axes = st
                .get("axes")
                .and_then(|a| a.as_items())
                .ok_or_else(|| bad("BlockManager state without axes"))?
                .iter()
                .map(|&i| s.graph().view(i))
                .collect();
            let mut blocks = Vec::new();
            for b in st
                .get("blocks")
                .ok_or_else(|| bad("BlockManager state without blocks"))?
                .iter()
            {
                let vals = b.get("values").ok_or_else(|| bad("block without values"))?;
                blocks.push((vals, b.get("mgr_locs")));
            }
            return Ok(Manager { axes, blocks });
        }
        return Err(Error::unsupported(
            "a BlockManager state older than pandas 0.14.1",
        ));
    }
    // BlockManager(blocks, axes) (pandas >= 1.x's __reduce__).
    let blocks_node = c
        .args
        .get(&0)
        .ok_or_else(|| bad("BlockManager without blocks"))?;
    let axes_node = c
        .args
        .get(&1)
        .ok_or_else(|| bad("BlockManager without axes"))?;
    let axes = axes_node.iter().collect();
    let mut blocks = Vec::new();
    for b in blocks_node.iter() {
        let bc = call(b).ok_or_else(|| bad("block is not a call"))?;
        if !matches!(bc.name, "_unpickle_block" | "new_block" | "make_block") {
            return Err(bad(format!("block made by {}", bc.name)));
        }
        let vals = bc.args.get(&0).ok_or_else(|| bad("block without values"))?;
        let place = bc
            .args
            .get(&1)
            .ok_or_else(|| bad("block without a placement"))?;
        blocks.push((vals, Some(place)));
    }
    Ok(Manager { axes, blocks })
}

fn placement(v: NodeRef<'_, '_>, ncols: usize) -> Result<Vec<usize>> {
    if let Some(Ok(brinery::Typed::Slice(s))) = brinery::Typed::from_node(v) {
        let start = if s.start.is_none() {
            0
        } else {
            s.start.as_i64().unwrap_or(-1)
        };
        let stop = if s.stop.is_none() {
            ncols as i64
        } else {
            s.stop.as_i64().unwrap_or(-1)
        };
        let step = if s.step.is_none() {
            1
        } else {
            s.step.as_i64().unwrap_or(0)
        };
        if start < 0 || stop < 0 || step <= 0 {
            return Err(bad(format!(
                "block placement slice({start}, {stop}, {step}) is not a forward slice"
            )));
        }
        let n = crate::model::range_len(start, stop, step);
        if n > ncols {
            return Err(bad(format!("block placement names {n} columns of {ncols}")));
        }
        return Ok((0..n as i64).map(|i| (start + i * step) as usize).collect());
    }
    let a = array(v, 0)?;
    match a.values {
        Values::Int(x) => x
            .iter()
            .map(|p| usize::try_from(p).map_err(|_| bad(format!("block placement {p}"))))
            .collect(),
        Values::UInt(x) => Ok(x.iter().map(|p| p as usize).collect()),
        Values::Object(x) => x
            .into_iter()
            .map(|p| match p {
                Cell::Int(i) if i >= 0 => Ok(i as usize),
                other => Err(bad(format!("block placement {other:?}"))),
            })
            .collect(),
        _ => Err(bad("block placement is not a slice or integers")),
    }
}

fn label_text(c: &Cell) -> String {
    crate::format::label_repr(c)
}

/// Frames with at least this many values (rows x blocks) convert their
/// blocks on several threads.
const PARALLEL_VALUES: usize = 1 << 18;

fn frame(c: &Call<'_, '_>) -> Result<DataFrame> {
    let mgr = state_get(c, "_mgr")
        .or_else(|| state_get(c, "_data"))
        .ok_or_else(|| bad("DataFrame state without _mgr"))?;
    let m = manager(mgr)?;
    if m.axes.len() != 2 {
        return Err(bad(format!("DataFrame manager has {} axes", m.axes.len())));
    }
    let columns = index(m.axes[0], 0).map_err(|e| e.at(|| "columns".into()))?;
    let idx = index(m.axes[1], 0).map_err(|e| e.at(|| "index".into()))?;
    let (ncols, nrows) = (columns.len(), idx.len());
    let mut slots: Vec<Option<Array>> = vec![None; ncols];
    // The blocks' values are converted side by side when the frame is
    // big; errors are still reported in block order.
    let threads = if nrows.saturating_mul(m.blocks.len()) >= PARALLEL_VALUES {
        crate::par::threads()
    } else {
        1
    };
    let converted = crate::par::map(m.blocks.iter().map(|b| b.0).collect(), threads, |v| {
        block_columns(v, 0)
    });
    for ((bi, (_, place)), cols) in m.blocks.iter().enumerate().zip(converted) {
        let place = place.ok_or_else(|| bad(format!("block {bi} without a placement")))?;
        let pos = placement(place, ncols).map_err(|e| e.at(|| format!("block {bi}")))?;
        let colname = |p: usize| {
            if p < ncols {
                format!("column {}", label_text(&columns.key(p)))
            } else {
                format!("block {bi}")
            }
        };
        let cols = cols.map_err(|e| e.at(|| colname(pos[0])))?;
        if cols.len() != pos.len() {
            return Err(bad(format!(
                "block {bi} holds {} columns but its placement names {}",
                cols.len(),
                pos.len()
            )));
        }
        for (p, col) in pos.into_iter().zip(cols) {
            if p >= ncols {
                return Err(bad(format!(
                    "block {bi} places a column at position {p}, the frame has {ncols} columns"
                )));
            }
            if col.len() != nrows {
                return Err(bad(format!(
                    "{} has {} values, the index has {nrows}",
                    colname(p),
                    col.len()
                )));
            }
            if slots[p].is_some() {
                return Err(bad(format!("{} is in two blocks", colname(p))));
            }
            slots[p] = Some(col);
        }
    }
    let mut data = Vec::with_capacity(ncols);
    for (i, s) in slots.into_iter().enumerate() {
        data.push(s.ok_or_else(|| {
            bad(format!(
                "column {} is in no block",
                label_text(&columns.key(i))
            ))
        })?);
    }
    Ok(DataFrame {
        columns,
        index: idx,
        data,
        attrs: attrs(c),
        attrs_json: state_get(c, "attrs")
            .filter(|a| a.len() != Some(0))
            .and_then(json_text),
    })
}

fn sparse(c: &Call<'_, '_>, depth: usize) -> Result<Array> {
    let values = state_get(c, "_sparse_values").ok_or_else(|| bad("SparseArray without values"))?;
    let values = array(values, depth + 1)?;
    let idx = state_get(c, "_sparse_index")
        .and_then(|i| call(i))
        .ok_or_else(|| bad("SparseArray without a sparse index"))?;
    let dt = state_get(c, "_dtype")
        .and_then(|d| call(d))
        .ok_or_else(|| bad("SparseArray without a dtype"))?;
    let fill =
        state_get(&dt, "_fill_value").ok_or_else(|| bad("SparseDtype without a fill value"))?;
    let arg = |i: usize| idx.args.get(&i);
    let length = arg(0)
        .and_then(|x| x.as_i64())
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| bad("sparse index without a length"))?;
    // Positions of the stored values, in order.
    let mut pos: Vec<usize> = Vec::with_capacity(values.len());
    let ints = |v: NodeRef<'_, '_>| -> Result<Vec<i64>> {
        match array(v, depth + 1)?.values {
            Values::Int(x) => Ok(x.into_wide()),
            _ => Err(bad("sparse index positions are not integers")),
        }
    };
    match idx.name {
        "IntIndex" => {
            for p in ints(arg(1).ok_or_else(|| bad("IntIndex without indices"))?)? {
                pos.push(usize::try_from(p).map_err(|_| bad("negative sparse position"))?);
            }
        }
        "BlockIndex" => {
            let locs = ints(arg(1).ok_or_else(|| bad("BlockIndex without blocs"))?)?;
            let lens = ints(arg(2).ok_or_else(|| bad("BlockIndex without blengths"))?)?;
            for (&l, &n) in locs.iter().zip(&lens) {
                if l < 0 || n < 0 || (l as u64).saturating_add(n as u64) > length as u64 {
                    return Err(bad("sparse block out of range"));
                }
                pos.extend(l as usize..(l + n) as usize);
            }
        }
        other => return Err(Error::unsupported(format!("sparse index {other}"))),
    }
    if pos.len() != values.len() || pos.iter().any(|&p| p >= length) {
        return Err(bad(format!(
            "SparseArray of length {length} has {} values at {} positions",
            values.len(),
            pos.len()
        )));
    }
    let fill_text = match cell_of(fill, 0) {
        Cell::NaN => "nan".to_string(),
        c => crate::format::pprint(&c),
    };
    let dense = match &values.values {
        Values::Float(v) => {
            let f = fill.as_f64().unwrap_or(f64::NAN);
            let mut out = vec![f; length];
            for (&p, x) in pos.iter().zip(v.iter()) {
                out[p] = x;
            }
            Values::Float(out.into())
        }
        Values::Int(v) => {
            let f = fill
                .as_i64()
                .ok_or_else(|| bad("integer SparseArray with a non-integer fill"))?;
            let mut out = vec![f; length];
            for (&p, x) in pos.iter().zip(v.iter()) {
                out[p] = x;
            }
            Values::Int(out.into())
        }
        Values::Bool(v) => {
            let f = fill.as_bool().unwrap_or(false);
            let mut out = vec![f; length];
            for (&p, &x) in pos.iter().zip(v) {
                out[p] = x;
            }
            Values::Bool(out)
        }
        _ => {
            return Err(Error::unsupported(format!(
                "Sparse[{}]",
                values.dtype.name()
            )))
        }
    };
    Ok(Array::new(
        Dtype::Sparse(Box::new(values.dtype.clone()), fill_text),
        dense,
    ))
}

/// A Python value as `json.dumps` would write it (str keys, ints as their
/// text), bounded in depth and size; `None` for what JSON cannot hold.
fn json_text(v: NodeRef<'_, '_>) -> Option<String> {
    fn quote(s: &str, out: &mut String) {
        out.push('"');
        for ch in s.chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    // Iterative over an explicit stack: attrs come from hostile input.
    enum Step<'g, 'a> {
        Value(NodeRef<'g, 'a>, usize),
        Text(&'static str),
        Key(String),
    }
    let mut out = String::new();
    let mut stack = vec![Step::Value(v, 0)];
    while let Some(step) = stack.pop() {
        let (v, depth) = match step {
            Step::Text(t) => {
                out.push_str(t);
                continue;
            }
            Step::Key(k) => {
                out.push_str(&k);
                continue;
            }
            Step::Value(v, d) => (v, d),
        };
        if depth > MAX_DEPTH || out.len() > 1 << 20 {
            return None;
        }
        match v.node()? {
            Node::None => out.push_str("null"),
            Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Node::Int(i) => out.push_str(&i.to_string()),
            Node::BigInt(b) => out.push_str(&b.to_string()),
            Node::Float(f) if f.is_nan() => out.push_str("NaN"),
            Node::Float(f) if f.is_infinite() => {
                out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" })
            }
            Node::Float(f) => out.push_str(&crate::format::float_repr(*f)),
            Node::Str(s) => quote(&s.to_string_lossy(), &mut out),
            Node::List(_) | Node::Tuple(_) => {
                let items = v.as_items()?;
                out.push('[');
                stack.push(Step::Text("]"));
                for (i, &it) in items.iter().enumerate().rev() {
                    stack.push(Step::Value(v.graph().view(it), depth + 1));
                    if i > 0 {
                        stack.push(Step::Text(", "));
                    }
                }
            }
            Node::Dict(_) => {
                let entries: Vec<_> = v.entries().collect();
                out.push('{');
                stack.push(Step::Text("}"));
                for (i, (k, val)) in entries.into_iter().enumerate().rev() {
                    stack.push(Step::Value(val, depth + 1));
                    stack.push(Step::Text(": "));
                    let key = match k.node()? {
                        Node::Str(s) => s.to_string_lossy().into_owned(),
                        Node::Int(i) => i.to_string(),
                        Node::Bool(b) => (if *b { "true" } else { "false" }).to_string(),
                        Node::None => "null".to_string(),
                        _ => return None,
                    };
                    let mut q = String::new();
                    quote(&key, &mut q);
                    stack.push(Step::Key(q));
                    if i > 0 {
                        stack.push(Step::Text(", "));
                    }
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

fn attrs(c: &Call<'_, '_>) -> Option<NodeId> {
    let a = state_get(c, "attrs")?;
    if a.len() == Some(0) {
        return None;
    }
    a.id()
}

fn series(c: &Call<'_, '_>) -> Result<Series> {
    let mgr = state_get(c, "_mgr")
        .or_else(|| state_get(c, "_data"))
        .ok_or_else(|| bad("Series state without _mgr"))?;
    let m = manager(mgr)?;
    if m.axes.len() != 1 || m.blocks.len() != 1 {
        return Err(bad(format!(
            "Series manager has {} axes and {} blocks",
            m.axes.len(),
            m.blocks.len()
        )));
    }
    let idx = index(m.axes[0], 0).map_err(|e| e.at(|| "index".into()))?;
    let name = name_of(state_get(c, "_name").or_else(|| state_get(c, "name")));
    let mut cols = block_columns(m.blocks[0].0, 0).map_err(|e| e.at(|| "values".into()))?;
    if cols.len() != 1 {
        return Err(bad("Series values are 2-D"));
    }
    let values = cols.remove(0);
    if values.len() != idx.len() {
        return Err(bad(format!(
            "Series has {} values, its index {}",
            values.len(),
            idx.len()
        )));
    }
    Ok(Series {
        name,
        index: idx,
        values,
        attrs: attrs(c),
        dtype_unnamed: arrow_dtype_unnamed(m.blocks[0].0),
    })
}

/// True for a pandas 2.x ArrowExtensionArray whose `ArrowDtype` state has
/// `storage` and no `_storage` (pandas 3 cannot name that dtype).
fn arrow_dtype_unnamed(v: NodeRef<'_, '_>) -> bool {
    let Some(c) = call(v) else { return false };
    // 1.5's `_data` pickles pandas 3 cannot load at all; 2.x's `_pa_array`
    // ones it loads with the unnamed dtype.
    if short(c.name) != "ArrowExtensionArray" || state_get(&c, "_pa_array").is_none() {
        return false;
    }
    let Some(d) = state_get(&c, "_dtype").and_then(call) else {
        return false;
    };
    d.name == "ArrowDtype"
        && state_get(&d, "_storage").is_none()
        && state_get(&d, "storage").is_some()
}

/// The pandas object at `v`: `Ok(None)` when it is no DataFrame, Series
/// or Index.
pub fn from_node(v: NodeRef<'_, '_>) -> Result<Option<Pandas>> {
    let Some(c) = call(v) else { return Ok(None) };
    if !c.module.starts_with("pandas") {
        return Ok(None);
    }
    match c.name {
        "DataFrame" => frame(&c).map(|f| Some(Pandas::DataFrame(f))),
        "Series" | "TimeSeries" => series(&c).map(|s| Some(Pandas::Series(s))),
        n if is_index_call(&c) && n != "BlockManager" => {
            index(v, 0).map(|i| Some(Pandas::Index(i)))
        }
        _ => Ok(None),
    }
}

/// True for the class names of pandas DataFrame/Series/Index objects
/// (as [`brinery::NodeRef::class_name`] reports them).
pub(crate) fn is_pandas_class(c: &str) -> bool {
    let n = short(c);
    matches!(
        n,
        "DataFrame"
            | "Series"
            | "_new_Index"
            | "_new_DatetimeIndex"
            | "_new_TimedeltaIndex"
            | "_new_IntervalIndex"
            | "_new_PeriodIndex"
    ) || (n.ends_with("Index") && !n.ends_with("BlockManager"))
}

#[cfg(test)]
mod tests {
    use super::dense_strings;

    fn offsets(o: &[u32]) -> Vec<u8> {
        o.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn dense_strings_slice_and_check() {
        let body = "abcé".as_bytes(); // é is two bytes: 3..5
        let s = dense_strings(&offsets(&[0, 1, 3, 5]), body, 4, 1, 2).unwrap();
        assert_eq!(s.iter().collect::<Vec<_>>(), [Some("bc"), Some("é")]);
        assert_eq!(s.offsets, [0, 2, 4]);
        let err = |o: &[u32]| dense_strings(&offsets(o), body, 4, 0, o.len() - 1).unwrap_err();
        // Inside a character, falling, beyond the bytes.
        assert!(err(&[0, 4, 5]).to_string().contains("not UTF-8"));
        assert!(err(&[0, 3, 2, 5]).to_string().contains("out of range"));
        assert!(err(&[0, 3, 9]).to_string().contains("out of range"));
        assert!(dense_strings(&offsets(&[0, 1]), &[0xff], 4, 0, 1)
            .unwrap_err()
            .to_string()
            .contains("not UTF-8"));
    }
}
