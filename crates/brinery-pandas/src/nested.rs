//! The text pandas shows for the values of nested ArrowDtype columns.
//!
//! pandas formats an ArrowDtype column through `to_numpy()`, which is
//! pyarrow's conversion to pandas objects: a list becomes a numpy array of
//! its converted child values (ints become floats when the flattened
//! child column holds a null, bools become objects, strings objects), a
//! struct a dict of Python scalars (`None` for nulls; each field
//! converted as a column first), a dictionary its value. The cell text is
//! `str()` of that object: numpy's `str(array)` for a list, the dict's
//! repr for a struct.

use brinery::Buf;
use brinery_numpy::{Array as NpArray, ByteOrder, Dtype as NpDtype, Kind, Order};

use crate::format::float_repr;
use crate::model::{ArrowData, ArrowNested, ArrowType, Values};
use crate::repr::py_str_repr;

/// How pyarrow converts a column of flat values to numpy.
#[derive(Clone, Copy, PartialEq)]
enum Conv {
    /// An int array of the arrow width (no nulls).
    Int,
    /// float64 (ints with nulls) or the arrow float width.
    Float(u8),
    /// A bool array (no nulls).
    Bool,
    /// An object array.
    Object,
}

/// The conversion of a column and, for nested types, of its children.
struct Plan {
    conv: Conv,
    children: Vec<Plan>,
}

fn has_null(n: &ArrowNested, start: usize, end: usize) -> bool {
    n.valid
        .as_ref()
        .is_some_and(|v| v[start..end].iter().any(|&x| !x))
}

/// The conversion of `n[start..end]` as one pandas column.
fn plan(n: &ArrowNested, start: usize, end: usize) -> Plan {
    match &n.data {
        ArrowData::Flat(v) => {
            let nulls = has_null(n, start, end);
            let conv = match v {
                Values::Int(_) | Values::UInt(_) if nulls => Conv::Float(64),
                Values::Int(_) | Values::UInt(_) => Conv::Int,
                Values::Float(_) => Conv::Float(match n.ty {
                    ArrowType::Float(32) => 32,
                    _ => 64,
                }),
                Values::Bool(_) if !nulls => Conv::Bool,
                _ => Conv::Object,
            };
            Plan {
                conv,
                children: Vec::new(),
            }
        }
        ArrowData::List { offsets, child } => {
            let (s, e) = if start < end {
                (offsets[start], offsets[end])
            } else {
                (0, 0)
            };
            Plan {
                conv: Conv::Object,
                children: vec![plan(child, s, e)],
            }
        }
        ArrowData::Struct { children, .. } => Plan {
            conv: Conv::Object,
            children: children.iter().map(|c| plan(c, start, end)).collect(),
        },
        ArrowData::Dictionary { values, .. } => Plan {
            conv: Conv::Object,
            children: vec![plan(values, 0, values.len())],
        },
    }
}

fn int_bits(t: &ArrowType) -> (u8, bool) {
    match t {
        ArrowType::Int(b) => (*b, true),
        ArrowType::UInt(b) => (*b, false),
        _ => (64, true),
    }
}

/// `n[s..e]` converted as `conv` (not `Object`) to a numpy array.
fn np_array(n: &ArrowNested, conv: Conv, s: usize, e: usize) -> Option<NpArray<'static>> {
    let ArrowData::Flat(v) = &n.data else {
        return None;
    };
    let valid = |i: usize| n.is_valid(i);
    let mut bytes = Vec::new();
    let dtype = match conv {
        Conv::Int => {
            let (bits, signed) = int_bits(&n.ty);
            let w = usize::from(bits / 8);
            for i in s..e {
                let x: u64 = match v {
                    Values::Int(x) => x.get(i) as u64,
                    Values::UInt(x) => x.get(i),
                    _ => 0,
                };
                bytes.extend_from_slice(&x.to_le_bytes()[..w]);
            }
            let kind = if signed { Kind::Int } else { Kind::UInt };
            NpDtype::new(kind, w, ByteOrder::Little)
        }
        Conv::Float(bits) => {
            for i in s..e {
                let x = if !valid(i) {
                    f64::NAN
                } else {
                    match v {
                        Values::Int(x) => x.get(i) as f64,
                        Values::UInt(x) => x.get(i) as f64,
                        Values::Float(x) => x.get(i),
                        _ => f64::NAN,
                    }
                };
                if bits == 32 {
                    bytes.extend_from_slice(&(x as f32).to_le_bytes());
                } else {
                    bytes.extend_from_slice(&x.to_le_bytes());
                }
            }
            NpDtype::new(Kind::Float, usize::from(bits / 8), ByteOrder::Little)
        }
        Conv::Bool => {
            for i in s..e {
                bytes.push(u8::from(matches!(v, Values::Bool(b) if b[i])));
            }
            NpDtype::new(Kind::Bool, 1, ByteOrder::Little)
        }
        Conv::Object => return None,
    };
    NpArray::new(
        dtype,
        vec![e - s],
        Order::C,
        Buf::Owned(bytes.into_boxed_slice()),
    )
    .ok()
}

/// `str()` of the numpy array of `n[s..e]` converted by `p`.
fn np_str(n: &ArrowNested, p: &Plan, s: usize, e: usize) -> String {
    np_text(n, p, s, e, false)
}

/// `repr()` of the numpy array of `n[s..e]` converted by `p`.
fn np_repr(n: &ArrowNested, p: &Plan, s: usize, e: usize) -> String {
    np_text(n, p, s, e, true)
}

/// `repr()` (`repr`) or `str()` of the numpy array of `n[s..e]`: a typed
/// array where the values convert to one, else an object array.
fn np_text(n: &ArrowNested, p: &Plan, s: usize, e: usize, repr: bool) -> String {
    match (np_array(n, p.conv, s, e), repr) {
        (Some(a), true) => brinery_numpy::array_repr(&a),
        (Some(a), false) => brinery_numpy::array_str(&a),
        (None, _) => {
            let reprs: Vec<String> = (s..e).map(|i| obj_repr(n, p, i)).collect();
            if repr {
                brinery_numpy::object_array_repr(&reprs)
            } else {
                brinery_numpy::object_array_str(&reprs)
            }
        }
    }
}

/// `repr()` of element `i` of `n` converted by `p`, as a Python object
/// (an element of an object array, or a struct field's value).
fn obj_repr(n: &ArrowNested, p: &Plan, i: usize) -> String {
    if !n.is_valid(i) {
        return "None".into();
    }
    match &n.data {
        ArrowData::Flat(v) => match (v, p.conv) {
            (Values::Str(s), _) => py_str_repr(s.get(i).unwrap_or("")),
            (Values::Bool(b), _) => if b[i] { "True" } else { "False" }.into(),
            (Values::Int(x), Conv::Float(_)) => float_repr(x.get(i) as f64),
            (Values::UInt(x), Conv::Float(_)) => float_repr(x.get(i) as f64),
            (Values::Int(x), _) => x.get(i).to_string(),
            (Values::UInt(x), _) => x.get(i).to_string(),
            (Values::Float(x), _) => float_repr(x.get(i)),
            _ => "None".into(),
        },
        ArrowData::List { offsets, child } => {
            np_repr(child, &p.children[0], offsets[i], offsets[i + 1])
        }
        ArrowData::Struct { children, .. } => {
            let ArrowType::Struct(fields) = &n.ty else {
                return "{}".into();
            };
            let items: Vec<String> = fields
                .iter()
                .zip(children)
                .zip(&p.children)
                .map(|((f, c), cp)| format!("{}: {}", py_str_repr(&f.name), obj_repr(c, cp, i)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        ArrowData::Dictionary { keys, values } => {
            obj_repr(values, &p.children[0], keys[i] as usize)
        }
    }
}

/// `str()` of value `i` of a top-level column.
fn cell_str(n: &ArrowNested, p: &Plan, i: usize) -> String {
    match &n.data {
        ArrowData::List { offsets, child } => {
            np_str(child, &p.children[0], offsets[i], offsets[i + 1])
        }
        ArrowData::Dictionary { keys, values } => {
            let k = keys[i] as usize;
            match &values.data {
                ArrowData::Flat(Values::Str(s)) if values.is_valid(k) => {
                    s.get(k).unwrap_or("").to_string()
                }
                _ => obj_repr(values, &p.children[0], k),
            }
        }
        _ => obj_repr(n, p, i),
    }
}

/// The text pandas shows for the values `rows` of a nested column
/// (`None` for a null).
pub(crate) fn texts(n: &ArrowNested, rows: &[usize]) -> Vec<Option<String>> {
    let p = plan(n, 0, n.len());
    rows.iter()
        .map(|&i| n.is_valid(i).then(|| cell_str(n, &p, i)))
        .collect()
}
