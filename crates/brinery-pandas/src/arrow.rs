//! Arrow `RecordBatch`, Arrow IPC (`.arrow`/`.feather`) and Parquet output
//! with pandas' schema metadata (the `pandas` key pyarrow writes), so
//! `pd.read_parquet(out)` / `pd.read_feather(out)` give back the frame:
//! index, dtypes with time zones, categoricals, nullable and string dtypes.

use std::sync::Arc;

use arrow_array::types::{Int16Type, Int32Type, Int8Type};
use arrow_array::{
    ArrayRef, BooleanArray, DictionaryArray, DurationMicrosecondArray, DurationMillisecondArray,
    DurationNanosecondArray, DurationSecondArray, Float32Array, Float64Array, Int16Array,
    Int32Array, Int64Array, Int8Array, LargeStringArray, RecordBatch, TimestampMicrosecondArray,
    TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray, UInt16Array,
    UInt32Array, UInt64Array, UInt8Array,
};
use arrow_schema::{Field, Schema};
use brinery_numpy::TimeUnit;
use serde_json::{json, Value as J};

use crate::error::{Error, ErrorKind, Result};
use crate::format::label_repr;
use crate::model::{Array, Cell, DataFrame, Dtype, Floats, Index, Ints, StringStorage, Values};

fn unsupported(col: &str, what: String) -> Error {
    Error::unsupported(what).at(|| col.to_string())
}

fn unit_code(u: TimeUnit) -> &'static str {
    u.code()
}

fn valid(a: &Array, i: usize) -> bool {
    !a.is_missing(i)
}

macro_rules! prim {
    ($arr:ty, $t:ty, $a:expr, $v:expr) => {{
        let a = $a;
        Arc::new(<$arr>::from(
            $v.iter()
                .enumerate()
                .map(|(i, x)| if valid(a, i) { Some(x as $t) } else { None })
                .collect::<Vec<Option<$t>>>(),
        )) as ArrayRef
    }};
}

fn ticks(a: &Array) -> Vec<Option<i64>> {
    match &a.values {
        Values::Ticks(v) => v
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                if x == i64::MIN || !valid(a, i) {
                    None
                } else {
                    Some(x)
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// An object column that is not text, as pyarrow infers its type (see
/// `column`); `None` for text and for mixes pyarrow refuses.
fn object_scalars(a: &Array) -> Option<(ArrayRef, &'static str)> {
    let n = a.len();
    let empty = || {
        (
            Arc::new(arrow_array::NullArray::new(n)) as ArrayRef,
            "empty",
        )
    };
    let cells = match &a.values {
        // Text, unless nothing is present.
        Values::Str(_) => return (0..n).all(|i| a.is_missing(i)).then(empty),
        Values::Object(cells) => cells,
        _ => return None,
    };
    let (mut ints, mut floats, mut bools, mut total) = (0, 0, 0, 0);
    for (i, c) in cells.iter().enumerate() {
        if a.is_missing(i) {
            continue;
        }
        total += 1;
        match c {
            Cell::Int(_) => ints += 1,
            Cell::Float(_) => floats += 1,
            Cell::Bool(_) => bools += 1,
            _ => return None,
        }
    }
    // The present cells through `f`, missing ones null.
    fn values<T>(a: &Array, cells: &[Cell], f: impl Fn(&Cell) -> Option<T>) -> Vec<Option<T>> {
        (0..cells.len())
            .map(|i| if a.is_missing(i) { None } else { f(&cells[i]) })
            .collect()
    }
    Some(if total == 0 {
        empty()
    } else if bools == total {
        let v = values(a, cells, |c| match c {
            Cell::Bool(b) => Some(*b),
            _ => None,
        });
        (Arc::new(BooleanArray::from(v)), "bool")
    } else if ints == total {
        let v = values(a, cells, |c| match c {
            Cell::Int(x) => Some(*x),
            _ => None,
        });
        (Arc::new(Int64Array::from(v)), "int64")
    } else if ints + floats == total {
        let v = values(a, cells, |c| match c {
            Cell::Int(x) => Some(*x as f64),
            Cell::Float(x) => Some(*x),
            _ => None,
        });
        (Arc::new(Float64Array::from(v)), "float64")
    } else {
        return None;
    })
}

fn strings(a: &Array, col: &str) -> Result<ArrayRef> {
    match &a.values {
        Values::Str(s) => Ok(Arc::new(LargeStringArray::from(
            s.iter().collect::<Vec<_>>(),
        ))),
        Values::Object(cells) => {
            let mut v: Vec<Option<&str>> = Vec::with_capacity(cells.len());
            for c in cells {
                match c {
                    Cell::Str(s) => v.push(Some(s)),
                    c if c.is_missing() => v.push(None),
                    other => {
                        return Err(unsupported(
                            col,
                            format!(
                                "an object column holding {} (only text converts to Arrow)",
                                label_repr(other)
                            ),
                        ))
                    }
                }
            }
            Ok(Arc::new(LargeStringArray::from(v)))
        }
        _ => Err(unsupported(col, "values are not text".into())),
    }
}

/// One column as an Arrow array plus pyarrow's (pandas_type, numpy_type,
/// metadata) for it.
fn column(a: &Array, col: &str, parquet: bool) -> Result<(ArrayRef, String, String, J)> {
    let d = &a.dtype;
    let np = |s: &str| s.to_string();
    Ok(match (d, &a.values) {
        (Dtype::Bool | Dtype::Boolean, Values::Bool(v)) => {
            let arr = Arc::new(BooleanArray::from(
                v.iter()
                    .enumerate()
                    .map(|(i, &x)| if valid(a, i) { Some(x) } else { None })
                    .collect::<Vec<_>>(),
            )) as ArrayRef;
            let n = if matches!(d, Dtype::Boolean) {
                "boolean"
            } else {
                "bool"
            };
            (arr, "bool".into(), np(n), J::Null)
        }
        (
            Dtype::Int(b) | Dtype::MaskedInt(b) | Dtype::UInt(b) | Dtype::MaskedUInt(b),
            Values::Int(_) | Values::UInt(_),
        ) => {
            let arr = match (&a.values, b) {
                (Values::Int(v), 8) => prim!(Int8Array, i8, a, v),
                (Values::Int(v), 16) => prim!(Int16Array, i16, a, v),
                (Values::Int(v), 32) => prim!(Int32Array, i32, a, v),
                (Values::Int(v), _) => prim!(Int64Array, i64, a, v),
                (Values::UInt(v), 8) => prim!(UInt8Array, u8, a, v),
                (Values::UInt(v), 16) => prim!(UInt16Array, u16, a, v),
                (Values::UInt(v), 32) => prim!(UInt32Array, u32, a, v),
                (Values::UInt(v), _) => prim!(UInt64Array, u64, a, v),
                _ => return Err(unsupported(col, "integer values".into())),
            };
            let unsigned = matches!(a.values, Values::UInt(_));
            let numpy = format!("{}int{b}", if unsigned { "u" } else { "" });
            // Nullable: `Int64`, `UInt8`...
            let n = if d.is_masked() {
                format!("{}Int{b}", if unsigned { "U" } else { "" })
            } else {
                numpy.clone()
            };
            (arr, numpy, n, J::Null)
        }
        (Dtype::Float(b) | Dtype::MaskedFloat(b), Values::Float(v)) => {
            let masked = matches!(d, Dtype::MaskedFloat(_));
            // numpy floats keep NaN as a value (pyarrow writes them as
            // nulls too); masked floats null only where masked.
            let ok = |i: usize, x: f64| {
                if masked {
                    !a.mask.as_ref().is_some_and(|m| m[i])
                } else {
                    !x.is_nan()
                }
            };
            let arr: ArrayRef = if *b == 32 {
                Arc::new(Float32Array::from(
                    v.iter()
                        .enumerate()
                        .map(|(i, x)| ok(i, x).then_some(x as f32))
                        .collect::<Vec<_>>(),
                ))
            } else {
                Arc::new(Float64Array::from(
                    v.iter()
                        .enumerate()
                        .map(|(i, x)| ok(i, x).then_some(x))
                        .collect::<Vec<_>>(),
                ))
            };
            let n = if masked {
                format!("Float{b}")
            } else {
                format!("float{b}")
            };
            (arr, format!("float{b}"), n, J::Null)
        }
        (Dtype::Datetime(u, tz), Values::Ticks(_)) => {
            let mut t = ticks(a);
            // Parquet has no seconds unit: store milliseconds (as pyarrow
            // does); pandas' metadata keeps datetime64[s].
            let store = if parquet && *u == TimeUnit::Second {
                for x in t.iter_mut().flatten() {
                    *x = x.saturating_mul(1000);
                }
                TimeUnit::Millisecond
            } else {
                *u
            };
            let tzs = tz.as_ref().map(|z| z.arrow_name());
            let arr: ArrayRef = match (store, &tzs) {
                (TimeUnit::Second, _) => {
                    Arc::new(TimestampSecondArray::from(t).with_timezone_opt(tzs.clone()))
                }
                (TimeUnit::Millisecond, _) => {
                    Arc::new(TimestampMillisecondArray::from(t).with_timezone_opt(tzs.clone()))
                }
                (TimeUnit::Microsecond, _) => {
                    Arc::new(TimestampMicrosecondArray::from(t).with_timezone_opt(tzs.clone()))
                }
                _ => Arc::new(TimestampNanosecondArray::from(t).with_timezone_opt(tzs.clone())),
            };
            let numpy = format!("datetime64[{}]", unit_code(*u));
            match tzs {
                Some(z) => (arr, "datetimetz".into(), numpy, json!({ "timezone": z })),
                None => (arr, "datetime".into(), numpy, J::Null),
            }
        }
        (Dtype::Timedelta(u), Values::Ticks(_)) => {
            let mut t = ticks(a);
            let store = if parquet && *u == TimeUnit::Second {
                for x in t.iter_mut().flatten() {
                    *x = x.saturating_mul(1000);
                }
                TimeUnit::Millisecond
            } else {
                *u
            };
            let arr: ArrayRef = match store {
                TimeUnit::Second => Arc::new(DurationSecondArray::from(t)),
                TimeUnit::Millisecond => Arc::new(DurationMillisecondArray::from(t)),
                TimeUnit::Microsecond => Arc::new(DurationMicrosecondArray::from(t)),
                _ => Arc::new(DurationNanosecondArray::from(t)),
            };
            (
                arr,
                "object".into(),
                format!("timedelta64[{}]", unit_code(*u)),
                J::Null,
            )
        }
        (
            Dtype::String {
                storage,
                nan_missing,
            },
            Values::Str(_),
        ) => {
            let n = if *nan_missing {
                "str"
            } else {
                let _ = storage == &StringStorage::PyArrow;
                "string"
            };
            (strings(a, col)?, "unicode".into(), np(n), J::Null)
        }
        // An object column of bytes (numpy `S` values): binary, as pyarrow
        // writes it.
        (Dtype::Object, Values::Object(cells))
            if cells.iter().any(|c| matches!(c, Cell::Bytes(..)))
                && cells
                    .iter()
                    .all(|c| matches!(c, Cell::Bytes(..)) || c.is_missing()) =>
        {
            let v: Vec<Option<&[u8]>> = cells
                .iter()
                .map(|c| match c {
                    Cell::Bytes(b, _) => Some(b.as_slice()),
                    _ => None,
                })
                .collect();
            (
                Arc::new(arrow_array::LargeBinaryArray::from(v)) as ArrayRef,
                "bytes".into(),
                np("object"),
                J::Null,
            )
        }
        // Other Python scalars in an object column, converted as pyarrow
        // infers them: nothing present is `null` ("empty"), ints int64,
        // floats (or ints and floats) double, bools bool; None and NaN
        // are nulls. Text goes on to `strings`; other mixes are refused.
        (Dtype::Object, Values::Str(_) | Values::Object(_)) => match object_scalars(a) {
            Some((arr, pt)) => (arr, pt.into(), np("object"), J::Null),
            None => (strings(a, col)?, "unicode".into(), np("object"), J::Null),
        },
        (Dtype::Category { ordered }, Values::Categorical { codes, categories }) => {
            let (values, _, _, _) = column(categories, col, parquet)?;
            let n = categories.len();
            let (arr, np_codes) = dictionary(codes.clone(), values)?;
            (
                arr,
                "categorical".into(),
                np_codes.into(),
                json!({ "num_categories": n, "ordered": ordered }),
            )
        }
        // pandas' `pandas.period` extension type: int64 ordinals.
        (Dtype::Period(_), Values::Ticks(_)) => (
            Arc::new(Int64Array::from(ticks(a))) as ArrayRef,
            "object".into(),
            d.name(),
            J::Null,
        ),
        // pandas' `pandas.interval` extension type: struct<left, right>.
        (Dtype::Interval(..), Values::Interval { left, right }) => {
            let (l, ..) = column(left, col, parquet)?;
            let (r, ..) = column(right, col, parquet)?;
            let nulls: Vec<bool> = (0..a.len()).map(|i| valid(a, i)).collect();
            let fields = arrow_schema::Fields::from(vec![
                Field::new("left", l.data_type().clone(), true),
                Field::new("right", r.data_type().clone(), true),
            ]);
            let st = arrow_array::StructArray::try_new(
                fields,
                vec![l, r],
                Some(arrow_buffer::NullBuffer::from(nulls)),
            )
            .map_err(arrow_err)?;
            (Arc::new(st) as ArrayRef, "object".into(), d.name(), J::Null)
        }
        // ArrowDtype lists, structs, dictionaries: written natively.
        (_, Values::Arrow(n)) => (
            nested_to_arrow(n, col)?,
            logical_type(&n.ty),
            d.name(),
            J::Null,
        ),
        // pyarrow refuses complex numpy data ("Unsupported numpy type 15").
        (Dtype::Complex(_), _) => {
            return Err(unsupported(
                col,
                format!(
                    "{} columns in Arrow output (pyarrow and pandas refuse complex data too)",
                    a.dtype.name()
                ),
            ))
        }
        (d, _) => {
            return Err(unsupported(
                col,
                format!("{} columns in Arrow output", d.name()),
            ))
        }
    })
}

/// Category codes (-1 = missing) as dictionary keys of the width
/// pyarrow uses: int8 below 128 categories, int16 below 32768, else int32.
fn dictionary(codes: Ints, values: ArrayRef) -> Result<(ArrayRef, &'static str)> {
    use arrow_array::types::ArrowDictionaryKeyType;
    use arrow_array::PrimitiveArray;
    use arrow_buffer::NullBuffer;
    fn dict<K: ArrowDictionaryKeyType>(
        keys: Vec<K::Native>,
        nulls: Option<NullBuffer>,
        values: ArrayRef,
    ) -> Result<ArrayRef> {
        let keys = PrimitiveArray::<K>::new(keys.into(), nulls);
        Ok(Arc::new(
            DictionaryArray::<K>::try_new(keys, values).map_err(arrow_err)?,
        ))
    }
    let n = values.len();
    let nulls = codes
        .iter()
        .any(|c| c < 0)
        .then(|| NullBuffer::from_iter(codes.iter().map(|c| c >= 0)));
    let keys = codes.iter().map(|c| c.max(0));
    Ok(if n < 128 {
        let k = keys.map(|c| c as i8).collect();
        (dict::<Int8Type>(k, nulls, values)?, "int8")
    } else if n < 32768 {
        let k = keys.map(|c| c as i16).collect();
        (dict::<Int16Type>(k, nulls, values)?, "int16")
    } else {
        let k = keys.map(|c| c as i32).collect();
        (dict::<Int32Type>(k, nulls, values)?, "int32")
    })
}

/// The Arrow extension type pandas registers for a dtype (name, JSON
/// metadata): `pandas.period {"freq": "M"}`, `pandas.interval {"subtype":
/// "double", "closed": "right"}`.
fn extension(d: &Dtype) -> Option<(&'static str, String)> {
    match d {
        Dtype::Period(f) => Some(("pandas.period", format!("{{\"freq\": \"{f}\"}}"))),
        Dtype::Interval(sub, closed) => {
            let subtype = match &**sub {
                Dtype::Float(64) => "double".to_string(),
                Dtype::Float(32) => "float".to_string(),
                Dtype::Datetime(u, None) => format!("timestamp[{}]", unit_code(*u)),
                Dtype::Datetime(u, Some(tz)) => {
                    format!("timestamp[{}, tz={}]", unit_code(*u), tz.arrow_name())
                }
                Dtype::Timedelta(u) => format!("duration[{}]", unit_code(*u)),
                other => other.name(),
            };
            // pyarrow serializes with json.dumps: `", "` and `": "`.
            Some((
                "pandas.interval",
                format!(
                    "{{\"subtype\": \"{subtype}\", \"closed\": \"{}\"}}",
                    closed.name()
                ),
            ))
        }
        _ => None,
    }
}

fn with_extension(f: Field, d: &Dtype) -> Field {
    match extension(d) {
        Some((name, meta)) => f.with_metadata(
            [
                ("ARROW:extension:name".to_string(), name.to_string()),
                ("ARROW:extension:metadata".to_string(), meta),
            ]
            .into_iter()
            .collect(),
        ),
        None => f,
    }
}

/// Python's `str()` of a column label (`('a', 'x')` for a MultiIndex
/// column), the field name pyarrow gives it.
fn label_str(c: &Cell) -> String {
    match c {
        Cell::Tuple(items) => crate::format::tuple_text(items, label_repr),
        other => field_name(other),
    }
}

fn arrow_err(e: arrow_schema::ArrowError) -> Error {
    Error::new(ErrorKind::Malformed, e.to_string())
}

fn name_json(c: &Option<Cell>) -> J {
    match c {
        None => J::Null,
        Some(Cell::Str(s)) => J::String(s.clone()),
        Some(Cell::Int(i)) => J::from(*i),
        Some(other) => J::String(label_repr(other)),
    }
}

fn field_name(c: &Cell) -> String {
    match c {
        Cell::Str(s) => s.clone(),
        other => crate::format::pprint(other),
    }
}

/// pyarrow's `pandas` schema metadata for `df` (JSON text) — index
/// columns, column index, per-column pandas/numpy types.
pub fn pandas_metadata(df: &DataFrame) -> Result<String> {
    Ok(build(df.clone(), false)?.1)
}

/// `column()` without copying the common column types: the values move
/// into Arrow buffers (ints, floats, datetimes, strings, category codes);
/// the others go through `column()`.
fn column_owned(a: Array, col: &str, parquet: bool) -> Result<(ArrayRef, String, String, J)> {
    use arrow_array::PrimitiveArray;
    use arrow_buffer::{NullBuffer, ScalarBuffer};
    // pyarrow's types and metadata for this dtype, from an empty column.
    let (proto, pt, nt, meta) = column(&empty_like(&a), col, parquet)?;
    let mask = a.mask;
    let nulls = |missing: &dyn Fn(usize) -> bool, n: usize| -> Option<NullBuffer> {
        let any = (0..n).any(missing);
        any.then(|| NullBuffer::from_iter((0..n).map(|i| !missing(i))))
    };
    let masked = |i: usize| mask.as_ref().is_some_and(|m| m[i]);
    fn prim<T: arrow_array::ArrowPrimitiveType>(
        v: Vec<T::Native>,
        nulls: Option<NullBuffer>,
    ) -> ArrayRef {
        Arc::new(PrimitiveArray::<T>::new(ScalarBuffer::from(v), nulls))
    }
    use arrow_array::types as t;
    let arr: ArrayRef = match (&a.dtype, a.values) {
        // Values already at the column's width move into Arrow uncopied.
        (Dtype::Int(64) | Dtype::MaskedInt(64), Values::Int(v)) => {
            let n = nulls(&masked, v.len());
            prim::<t::Int64Type>(v.into_wide(), n)
        }
        (Dtype::Int(32) | Dtype::MaskedInt(32), Values::Int(v)) => {
            let n = nulls(&masked, v.len());
            let v = match v {
                Ints::I32(v) => v,
                v => v.iter().map(|x| x as i32).collect(),
            };
            prim::<t::Int32Type>(v, n)
        }
        (Dtype::Float(64), Values::Float(v)) => {
            let n = nulls(&|i| v.get(i).is_nan() || masked(i), v.len());
            prim::<t::Float64Type>(v.into_wide(), n)
        }
        (Dtype::Float(32), Values::Float(v)) => {
            let n = nulls(&|i| v.get(i).is_nan() || masked(i), v.len());
            let v = match v {
                Floats::F32(v) => v,
                v => v.iter().map(|x| x as f32).collect(),
            };
            prim::<t::Float32Type>(v, n)
        }
        (Dtype::Datetime(u, _), Values::Ticks(mut v)) => {
            let n = nulls(&|i| v[i] == i64::MIN || masked(i), v.len());
            if parquet && *u == TimeUnit::Second {
                for x in v.iter_mut() {
                    *x = x.saturating_mul(1000);
                }
            }
            let tz = match proto.data_type() {
                arrow_schema::DataType::Timestamp(_, tz) => tz.clone(),
                _ => None,
            };
            let arr: ArrayRef = match proto.data_type() {
                arrow_schema::DataType::Timestamp(arrow_schema::TimeUnit::Second, _) => Arc::new(
                    PrimitiveArray::<t::TimestampSecondType>::new(ScalarBuffer::from(v), n)
                        .with_timezone_opt(tz),
                ),
                arrow_schema::DataType::Timestamp(arrow_schema::TimeUnit::Millisecond, _) => {
                    Arc::new(
                        PrimitiveArray::<t::TimestampMillisecondType>::new(
                            ScalarBuffer::from(v),
                            n,
                        )
                        .with_timezone_opt(tz),
                    )
                }
                arrow_schema::DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, _) => {
                    Arc::new(
                        PrimitiveArray::<t::TimestampMicrosecondType>::new(
                            ScalarBuffer::from(v),
                            n,
                        )
                        .with_timezone_opt(tz),
                    )
                }
                _ => Arc::new(
                    PrimitiveArray::<t::TimestampNanosecondType>::new(ScalarBuffer::from(v), n)
                        .with_timezone_opt(tz),
                ),
            };
            arr
        }
        (Dtype::Bool | Dtype::Boolean, Values::Bool(v)) => {
            let n = nulls(&masked, v.len());
            Arc::new(BooleanArray::new(
                arrow_buffer::BooleanBuffer::from(v.as_slice()),
                n,
            ))
        }
        (Dtype::String { .. }, Values::Str(st)) => strings_owned(st)?,
        (Dtype::Category { .. }, Values::Categorical { codes, categories }) => {
            let (values, ..) = column_owned(*categories, col, parquet)?;
            dictionary(codes, values)?.0
        }
        (_, values) => {
            return column(
                &Array {
                    dtype: a.dtype.clone(),
                    values,
                    mask,
                },
                col,
                parquet,
            )
        }
    };
    Ok((arr, pt, nt, meta))
}

/// A text column moved into a `LargeStringArray` (offsets and bytes kept).
fn strings_owned(st: crate::model::Strings) -> Result<ArrayRef> {
    use arrow_buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
    let n = st.len();
    let offsets: Vec<i64> = st.offsets.into_iter().map(|o| o as i64).collect();
    if offsets.windows(2).any(|w| w[0] > w[1]) || offsets.first() != Some(&0) {
        return Err(Error::new(
            ErrorKind::Malformed,
            "string offsets out of order",
        ));
    }
    let nulls = st
        .valid
        .filter(|v| v.iter().any(|ok| !ok))
        .map(|v| NullBuffer::from_iter(v.into_iter().take(n)));
    let arr = LargeStringArray::try_new(
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        Buffer::from_vec(st.data.into_bytes()),
        nulls,
    )
    .map_err(arrow_err)?;
    Ok(Arc::new(arr))
}

/// An empty column of `a`'s dtype (categories kept), to learn its Arrow
/// type and pandas metadata without converting the values.
fn empty_like(a: &Array) -> Array {
    let values = match &a.values {
        Values::Bool(_) => Values::Bool(Vec::new()),
        Values::Int(v) => Values::Int(v.empty_like()),
        Values::UInt(v) => Values::UInt(v.empty_like()),
        Values::Float(v) => Values::Float(v.empty_like()),
        Values::Ticks(_) => Values::Ticks(Vec::new()),
        Values::Str(_) => Values::Str(crate::model::Strings::new()),
        Values::Object(_) => Values::Object(Vec::new()),
        Values::Categorical { codes, categories } => Values::Categorical {
            codes: codes.empty_like(),
            // Categories stay whole (their count is in the metadata).
            categories: categories.clone(),
        },
        Values::Interval { left, right } => Values::Interval {
            left: Box::new(empty_like(left)),
            right: Box::new(empty_like(right)),
        },
        Values::Complex(_) => Values::Complex(Vec::new()),
        Values::Arrow(n) => Values::Arrow(Box::new(crate::model::ArrowNested::empty(&n.ty))),
    };
    Array {
        dtype: a.dtype.clone(),
        values,
        mask: None,
    }
}

#[allow(clippy::type_complexity)]
fn build(df: DataFrame, parquet: bool) -> Result<(Vec<(Field, ArrayRef)>, String)> {
    let mut fields: Vec<(Field, ArrayRef)> = Vec::new();
    let mut cols_meta: Vec<J> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let DataFrame {
        columns,
        index,
        data,
        attrs,
        attrs_json,
    } = df;
    for (i, a) in data.into_iter().enumerate() {
        let label = columns.key(i);
        let name = label_str(&label);
        let place = format!("column {}", label_repr(&label));
        let dtype = a.dtype.clone();
        let (arr, pt, nt, meta) = column_owned(a, &place, parquet)?;
        let ordered = matches!(dtype, Dtype::Category { ordered: true });
        let mut f = with_extension(Field::new(&name, arr.data_type().clone(), true), &dtype);
        if ordered {
            f = f.with_dict_is_ordered(true);
        }
        let label_json = if matches!(label, Cell::Tuple(_)) {
            J::String(name.clone())
        } else {
            name_json(&Some(label.clone()))
        };
        cols_meta.push(json!({
            "name": label_json,
            "field_name": name,
            "pandas_type": pt,
            "numpy_type": nt,
            "metadata": meta,
        }));
        names.push(name);
        fields.push((f, arr));
    }
    let index_columns: Vec<J> = match &index {
        Index::Range {
            start,
            stop,
            step,
            name,
        } => vec![json!({
            "kind": "range", "name": name_json(name), "start": start, "stop": stop, "step": step
        })],
        ix => {
            let mut out = Vec::new();
            for (l, nm) in ix.names().iter().enumerate() {
                let fname = match nm {
                    Some(c) if !names.contains(&field_name(c)) => field_name(c),
                    _ => format!("__index_level_{l}__"),
                };
                let a = ix.level_array(l);
                let a = if let Index::Multi { levels, codes, .. } = ix {
                    materialize(&levels[l], &codes[l])
                } else {
                    a
                };
                let (arr, pt, nt, meta) = column(&a, "index", parquet)?;
                cols_meta.push(json!({
                    "name": name_json(nm), "field_name": fname, "pandas_type": pt,
                    "numpy_type": nt, "metadata": meta,
                }));
                let f = with_extension(Field::new(&fname, arr.data_type().clone(), true), &a.dtype);
                fields.push((f, arr));
                out.push(J::String(fname));
            }
            out
        }
    };
    // One `column_indexes` entry per level of the column labels.
    let column_indexes: Vec<J> = columns
        .names()
        .iter()
        .enumerate()
        .map(|(l, cname)| {
            let (cpt, cnt) = match columns.dtype(l) {
                Dtype::Int(b) => (format!("int{b}"), format!("int{b}")),
                Dtype::String {
                    nan_missing: true, ..
                } => ("unicode".into(), "str".into()),
                _ => ("unicode".into(), "object".into()),
            };
            json!({
                "name": name_json(cname), "field_name": name_json(cname),
                "pandas_type": cpt, "numpy_type": cnt,
                "metadata": if cpt == "unicode" { json!({"encoding": "UTF-8"}) } else { J::Null },
            })
        })
        .collect();
    // `df.attrs`: pandas writes them as JSON (Parquet refuses what JSON
    // cannot hold; pyarrow's Feather writer leaves them out).
    let attributes: J =
        match (&attrs, &attrs_json) {
            (_, Some(text)) => serde_json::from_str(text).unwrap_or(J::Null),
            (Some(_), None) if parquet => return Err(Error::unsupported(
                "df.attrs holding values JSON cannot hold (pandas' to_parquet refuses them too)",
            )
            .at(|| "attrs".into())),
            _ => json!({}),
        };
    let meta = json!({
        "index_columns": index_columns,
        "column_indexes": column_indexes,
        "columns": cols_meta,
        "attributes": attributes,
        "creator": {"library": "brinery-pandas", "version": env!("CARGO_PKG_VERSION")},
        "pandas_version": "3.1.1",
    });
    Ok((fields, meta.to_string()))
}

/// `v[code]` for each code, `missing` for -1.
fn take<T: Copy>(v: &[T], codes: &[i64], missing: T) -> Vec<T> {
    codes
        .iter()
        .map(|&c| if c < 0 { missing } else { v[c as usize] })
        .collect()
}

/// A MultiIndex level taken by its codes (a plain array).
fn materialize(level: &Array, codes: &[i64]) -> Array {
    let cat = Array::new(
        Dtype::Category { ordered: false },
        Values::Categorical {
            codes: Ints::I64(codes.to_vec()),
            categories: Box::new(level.clone()),
        },
    );
    let n = codes.len();
    match &level.values {
        Values::Int(v) => Array {
            dtype: level.dtype.clone(),
            values: Values::Int(
                codes
                    .iter()
                    .map(|&c| if c < 0 { 0 } else { v.get(c as usize) })
                    .collect::<Vec<i64>>()
                    .into(),
            ),
            mask: codes
                .iter()
                .any(|&c| c < 0)
                .then(|| codes.iter().map(|&c| c < 0).collect()),
        },
        Values::Float(v) => Array::new(
            level.dtype.clone(),
            Values::Float(v.take(codes.iter().map(|&c| usize::try_from(c).ok()), f64::NAN)),
        ),
        Values::Ticks(v) => {
            Array::new(level.dtype.clone(), Values::Ticks(take(v, codes, i64::MIN)))
        }
        _ => {
            let mut s = crate::model::Strings::new();
            for i in 0..n {
                match cat.cell(i) {
                    Cell::Str(x) => s.push(Some(&x)),
                    _ => s.push(None),
                }
            }
            Array::new(level.dtype.clone(), Values::Str(s))
        }
    }
}

/// `df` as one Arrow `RecordBatch` whose schema carries pandas'
/// metadata (index columns after the data columns, as pyarrow does).
pub fn to_record_batch(df: &DataFrame) -> Result<RecordBatch> {
    batch(df.clone(), false)
}

/// [`to_record_batch`] taking the frame: the column values move into the
/// Arrow buffers instead of being copied.
pub fn into_record_batch(df: DataFrame) -> Result<RecordBatch> {
    batch(df, false)
}

fn batch(df: DataFrame, parquet: bool) -> Result<RecordBatch> {
    let nrows = df.nrows();
    let attrs = if parquet { df.attrs_json.clone() } else { None };
    let (fields, meta) = build(df, parquet)?;
    let (fs, arrays): (Vec<Field>, Vec<ArrayRef>) = fields.into_iter().unzip();
    let mut md = std::collections::HashMap::new();
    md.insert("pandas".to_string(), meta);
    // pandas' to_parquet also stores df.attrs under its own key.
    if let Some(a) = attrs {
        md.insert("PANDAS_ATTRS".to_string(), a);
    }
    let schema = Arc::new(Schema::new(fs).with_metadata(md));
    if arrays.is_empty() {
        return RecordBatch::try_new_with_options(
            schema,
            arrays,
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(nrows)),
        )
        .map_err(arrow_err);
    }
    RecordBatch::try_new(schema, arrays).map_err(arrow_err)
}

/// Write `df` as an Arrow IPC file (Feather v2).
pub fn write_ipc<W: std::io::Write>(df: &DataFrame, w: W) -> Result<()> {
    into_ipc(df.clone(), w)
}

/// [`write_ipc`] taking the frame (no copy of the column values).
pub fn into_ipc<W: std::io::Write>(df: DataFrame, w: W) -> Result<()> {
    let batch = into_record_batch(df)?;
    let mut fw = arrow_ipc::writer::FileWriter::try_new(w, &batch.schema()).map_err(arrow_err)?;
    fw.write(&batch).map_err(arrow_err)?;
    fw.finish().map_err(arrow_err)?;
    Ok(())
}

/// `df` as one `RecordBatch` for Parquet (seconds stored as
/// milliseconds, `df.attrs` under `PANDAS_ATTRS`); see `crate::pq`.
#[cfg(feature = "parquet")]
pub(crate) fn parquet_batch(df: DataFrame) -> Result<RecordBatch> {
    batch(df, true)
}

// ---------------------------------------------------------------------------
// nested ArrowDtype columns (list, large_list, struct, dictionary)

/// pyarrow's `get_logical_type` (the `pandas_type` of the metadata).
fn logical_type(t: &crate::model::ArrowType) -> String {
    use crate::model::ArrowType as T;
    match t {
        T::Bool => "bool".into(),
        T::Int(b) => format!("int{b}"),
        T::UInt(b) => format!("uint{b}"),
        T::Float(b) => format!("float{b}"),
        T::Utf8 | T::LargeUtf8 => "unicode".into(),
        T::List(f) => format!("list[{}]", logical_type(&f.ty)),
        T::Dictionary { .. } => "categorical".into(),
        T::LargeList(_) | T::Struct(_) => "object".into(),
    }
}

/// A nested Arrow array as an arrow-rs array (offsets and keys are
/// checked again: the model's fields are public).
fn nested_to_arrow(n: &crate::model::ArrowNested, col: &str) -> Result<ArrayRef> {
    use crate::model::{ArrowData as D, ArrowType as T};
    use arrow_array::types as t;
    use arrow_array::{LargeListArray, ListArray, PrimitiveArray, StringArray, StructArray};
    use arrow_buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
    let bad = |what: &str| unsupported(col, format!("nested arrow values: {what}"));
    let len = n.len();
    if n.valid.as_ref().is_some_and(|v| v.len() != len) {
        return Err(bad("validity of a different length"));
    }
    let nulls = n.valid.as_ref().map(|v| NullBuffer::from(v.clone()));
    fn prim<T: arrow_array::ArrowPrimitiveType>(
        v: Vec<T::Native>,
        nulls: Option<NullBuffer>,
    ) -> ArrayRef {
        Arc::new(PrimitiveArray::<T>::new(ScalarBuffer::from(v), nulls))
    }
    let ints = |v: &Values| -> Vec<i64> {
        match v {
            Values::Int(x) => x.to_wide(),
            Values::UInt(x) => x.iter().map(|u| u as i64).collect(),
            _ => Vec::new(),
        }
    };
    let offsets_ok = |o: &[usize], child: usize| {
        o.len() == len + 1 && o.windows(2).all(|w| w[0] <= w[1]) && o.last() <= Some(&child)
    };
    Ok(match (&n.ty, &n.data) {
        (T::Bool, D::Flat(Values::Bool(v))) => Arc::new(BooleanArray::new(
            arrow_buffer::BooleanBuffer::from(v.clone()),
            nulls,
        )),
        (T::Int(_) | T::UInt(_), D::Flat(v @ (Values::Int(_) | Values::UInt(_)))) => {
            let x = ints(v);
            match n.ty {
                T::Int(8) => prim::<t::Int8Type>(x.iter().map(|&v| v as i8).collect(), nulls),
                T::Int(16) => prim::<t::Int16Type>(x.iter().map(|&v| v as i16).collect(), nulls),
                T::Int(32) => prim::<t::Int32Type>(x.iter().map(|&v| v as i32).collect(), nulls),
                T::Int(_) => prim::<t::Int64Type>(x, nulls),
                T::UInt(8) => prim::<t::UInt8Type>(x.iter().map(|&v| v as u8).collect(), nulls),
                T::UInt(16) => prim::<t::UInt16Type>(x.iter().map(|&v| v as u16).collect(), nulls),
                T::UInt(32) => prim::<t::UInt32Type>(x.iter().map(|&v| v as u32).collect(), nulls),
                _ => prim::<t::UInt64Type>(x.iter().map(|&v| v as u64).collect(), nulls),
            }
        }
        (T::Float(32), D::Flat(Values::Float(v))) => {
            prim::<t::Float32Type>(v.iter().map(|x| x as f32).collect(), nulls)
        }
        (T::Float(_), D::Flat(Values::Float(v))) => prim::<t::Float64Type>(v.to_wide(), nulls),
        (T::Utf8, D::Flat(Values::Str(s))) => {
            Arc::new(StringArray::from(s.iter().collect::<Vec<Option<&str>>>()))
        }
        (T::LargeUtf8, D::Flat(Values::Str(s))) => Arc::new(LargeStringArray::from(
            s.iter().collect::<Vec<Option<&str>>>(),
        )),
        (T::List(f) | T::LargeList(f), D::List { offsets, child }) => {
            if !offsets_ok(offsets, child.len()) {
                return Err(bad("list offsets out of order or out of range"));
            }
            let c = nested_to_arrow(child, col)?;
            let field = Arc::new(Field::new(&f.name, c.data_type().clone(), f.nullable));
            if matches!(n.ty, T::List(_)) {
                let o: Vec<i32> = offsets
                    .iter()
                    .map(|&o| i32::try_from(o).map_err(|_| bad("list offsets beyond i32")))
                    .collect::<Result<_>>()?;
                Arc::new(
                    ListArray::try_new(field, OffsetBuffer::new(ScalarBuffer::from(o)), c, nulls)
                        .map_err(arrow_err)?,
                )
            } else {
                let o: Vec<i64> = offsets.iter().map(|&o| o as i64).collect();
                Arc::new(
                    LargeListArray::try_new(
                        field,
                        OffsetBuffer::new(ScalarBuffer::from(o)),
                        c,
                        nulls,
                    )
                    .map_err(arrow_err)?,
                )
            }
        }
        (T::Struct(fs), D::Struct { len, children }) if fs.len() == children.len() => {
            if fs.is_empty() {
                Arc::new(StructArray::new_empty_fields(*len, nulls))
            } else {
                let mut arrays = Vec::with_capacity(children.len());
                let mut fields = Vec::with_capacity(children.len());
                for (f, c) in fs.iter().zip(children) {
                    if c.len() != *len {
                        return Err(bad("struct field of a different length"));
                    }
                    let a = nested_to_arrow(c, col)?;
                    fields.push(Field::new(&f.name, a.data_type().clone(), f.nullable));
                    arrays.push(a);
                }
                Arc::new(
                    StructArray::try_new(arrow_schema::Fields::from(fields), arrays, nulls)
                        .map_err(arrow_err)?,
                )
            }
        }
        (T::Dictionary { index, .. }, D::Dictionary { keys, values }) => {
            if keys
                .iter()
                .any(|&k| k < 0 || k as u64 >= values.len() as u64)
                && !values.is_empty()
            {
                return Err(bad("dictionary key out of range"));
            }
            let vals = nested_to_arrow(values, col)?;
            macro_rules! dict {
                ($k:ty, $n:ty) => {
                    Arc::new(
                        DictionaryArray::<$k>::try_new(
                            PrimitiveArray::<$k>::new(
                                ScalarBuffer::from(
                                    keys.iter().map(|&k| k as $n).collect::<Vec<$n>>(),
                                ),
                                nulls,
                            ),
                            vals,
                        )
                        .map_err(arrow_err)?,
                    ) as ArrayRef
                };
            }
            match **index {
                T::Int(8) => dict!(t::Int8Type, i8),
                T::Int(16) => dict!(t::Int16Type, i16),
                T::Int(32) => dict!(t::Int32Type, i32),
                T::Int(_) => dict!(t::Int64Type, i64),
                T::UInt(8) => dict!(t::UInt8Type, u8),
                T::UInt(16) => dict!(t::UInt16Type, u16),
                T::UInt(32) => dict!(t::UInt32Type, u32),
                _ => dict!(t::UInt64Type, u64),
            }
        }
        _ => return Err(bad("values that do not match their type")),
    })
}
