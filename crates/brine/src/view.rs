//! The format-specific parts of the views, as hooks on the library's
//! seams: numpy arrays and PyTorch tensors in the tree view and in plain
//! JSON. New formats add their hooks to [`tree_hooks`], [`repr_hooks`] and
//! [`plain_hooks`] (in the order they should be tried).

use std::sync::Arc;

use brinery::json::{PlainHook, PlainPiece};
use brinery::repr::ReprHook;
use brinery::tree::{Child, PathSeg, Summary, TreeHook};
use brinery::{Construct, Node, NodeRef};
use brinery_numpy::{Array, ByteOrder, Kind, TimeUnit};

/// Tree summaries, tried in order (the first that answers wins).
pub fn tree_hooks() -> Vec<Arc<dyn TreeHook>> {
    vec![
        Arc::new(numpy_tree),
        Arc::new(torch_tree),
        Arc::new(crate::code::function_tree),
    ]
}

/// `repr` renderings for values shown whole (numpy's own `repr`).
pub fn repr_hooks() -> Vec<Arc<dyn ReprHook>> {
    vec![brinery_numpy::repr_hook()]
}

/// Plain-JSON renderings (numpy arrays and scalars as numbers).
pub fn plain_hooks() -> Vec<Arc<dyn PlainHook>> {
    vec![Arc::new(numpy_plain)]
}

/// `(3, 4)` as numpy prints a shape.
fn shape_text(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Arrays: `ndarray float64 (3, 4)` and, under it, numpy's `repr` when it
/// is short; the elements of object arrays as children.
fn numpy_tree(n: NodeRef<'_, '_>) -> Option<Summary> {
    let g = n.graph();
    let a = match Array::from_node(n) {
        Ok(Some(a)) => a,
        _ => {
            let s = Array::scalar_from_node(n).ok()??;
            return Some(Summary {
                label: format!("numpy.{}", s.dtype().name()),
                preview: Some(brinery_numpy::scalar_repr(&s)),
                inline: true,
                children: Some(Vec::new()),
                ..Summary::default()
            });
        }
    };
    let class = match a.class() {
        Some(("numpy", "ndarray")) | None => "ndarray".to_string(),
        Some((m, c)) => format!("{m}.{c}"),
    };
    let label = format!("{class} {} {}", a.dtype().name(), shape_text(a.shape()));
    let children = a.objects().map(|objs| {
        objs.into_iter()
            .enumerate()
            .map(|(i, id)| Child::seg(PathSeg::Index(i as i64), id))
            .collect::<Vec<_>>()
    });
    let mut body = Vec::new();
    if children.is_none() {
        let r = brinery_numpy::array_repr_in(&a, g);
        let lines: Vec<&str> = r.lines().collect();
        if lines.len() > 1 && lines.len() <= 12 {
            body = lines.iter().map(|l| l.to_string()).collect();
        }
    }
    Some(Summary {
        label,
        preview: None,
        body,
        children: Some(children.unwrap_or_default()),
        inline: true,
    })
}

/// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`
/// and parameters around it: `Tensor f32 [768, 768]`.
fn torch_tree(n: NodeRef<'_, '_>) -> Option<Summary> {
    let g = n.graph();
    let Some(Node::Object(o)) = n.node() else {
        return None;
    };
    let Construct::Reduce { callable, args } = o.construct else {
        return None;
    };
    let (m, f) = g.view(callable).as_global()?;
    if m != "torch._utils" {
        return None;
    }
    let args = g.view(args);
    let (what, tensor) = match f {
        "_rebuild_parameter" | "_rebuild_parameter_with_state" => ("Parameter", args.get(&0)?),
        "_rebuild_tensor" | "_rebuild_tensor_v2" | "_rebuild_tensor_v3" => ("Tensor", args),
        _ => return None,
    };
    let targs = if what == "Parameter" {
        let Some(Node::Object(t)) = tensor.node() else {
            return None;
        };
        let Construct::Reduce { args, .. } = t.construct else {
            return None;
        };
        g.view(args)
    } else {
        tensor
    };
    // The storage's persistent id: ('storage', <class>, key, location, numel).
    let storage = targs.get(&0)?;
    let pid = match storage.node() {
        Some(Node::PersistentId(p)) => g.view(*p),
        _ => storage,
    };
    let dtype = pid
        .get(&1)
        .and_then(|c| c.as_global())
        .and_then(|(_, name)| brinery_torch::DType::from_storage_name(name))
        .map(|d| d.name().to_string())
        .unwrap_or_else(|| "?".into());
    let size = targs.get(&2)?;
    let dims: Vec<String> = size
        .iter()
        .map(|d| d.as_i64().map_or("?".into(), |v| v.to_string()))
        .collect();
    Some(Summary {
        label: format!("{what} {dtype} [{}]", dims.join(", ")),
        children: Some(Vec::new()),
        ..Summary::default()
    })
}

/// One element of a numeric array as JSON.
fn element_json(kind: Kind, size: usize, big: bool, b: &[u8], out: &mut String) -> Option<()> {
    macro_rules! rd {
        ($t:ty) => {{
            let arr: [u8; std::mem::size_of::<$t>()] = b.try_into().ok()?;
            if big {
                <$t>::from_be_bytes(arr)
            } else {
                <$t>::from_le_bytes(arr)
            }
        }};
    }
    let float = |x: f64, out: &mut String| {
        if x.is_finite() {
            out.push_str(&py_float(x));
        } else {
            out.push_str("null");
        }
    };
    match (kind, size) {
        (Kind::Bool, 1) => out.push_str(if b[0] != 0 { "true" } else { "false" }),
        (Kind::Int, 1) => out.push_str(&(b[0] as i8).to_string()),
        (Kind::Int, 2) => out.push_str(&rd!(i16).to_string()),
        (Kind::Int, 4) => out.push_str(&rd!(i32).to_string()),
        (Kind::Int, 8) => out.push_str(&rd!(i64).to_string()),
        (Kind::UInt, 1) => out.push_str(&b[0].to_string()),
        (Kind::UInt, 2) => out.push_str(&rd!(u16).to_string()),
        (Kind::UInt, 4) => out.push_str(&rd!(u32).to_string()),
        (Kind::UInt, 8) => out.push_str(&rd!(u64).to_string()),
        (Kind::Float, 2) => float(half(rd!(u16)), out),
        (Kind::Float, 4) => {
            // The shortest text that reads back as this float32 (as
            // numpy's repr), not the float64 widening's digits.
            let x = f32::from_bits(rd!(u32));
            if x.is_finite() {
                out.push_str(&py_float32(x));
            } else {
                out.push_str("null");
            }
        }
        (Kind::Float, 8) => float(f64::from_bits(rd!(u64)), out),
        (Kind::Complex, 8 | 16) => {
            let h = size / 2;
            out.push('[');
            element_json(Kind::Float, h, big, &b[..h], out)?;
            out.push(',');
            element_json(Kind::Float, h, big, &b[h..], out)?;
            out.push(']');
        }
        (Kind::Str, _) if size % 4 == 0 => {
            let mut s = String::new();
            for c in b.chunks_exact(4) {
                let arr: [u8; 4] = c.try_into().ok()?;
                let cp = if big {
                    u32::from_be_bytes(arr)
                } else {
                    u32::from_le_bytes(arr)
                };
                if cp == 0 {
                    break;
                }
                s.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
            }
            out.push_str(&serde_json::Value::String(s).to_string());
        }
        _ => return None,
    }
    Some(())
}

/// The shortest digits that read back as `x` (Rust's `Debug`, valid
/// JSON for finite values: `0.1`, `1e16`, `1.5e-7`).
fn py_float(x: f64) -> String {
    format!("{x:?}")
}

/// The same for a float32 (its own shortest digits, as numpy prints it).
fn py_float32(x: f32) -> String {
    format!("{x:?}")
}

/// A `datetime64` as numpy's `str` of it (`"2024-05-01"`,
/// `"2024-05-01T12:30:00.000000000"`, in the array's unit), a
/// `timedelta64` as seconds; NaT and calendar units without a fixed length
/// are `null`.
fn time_json(datetime: bool, v: i64, unit: TimeUnit, count: u32, out: &mut String) {
    if v == i64::MIN {
        out.push_str("null");
        return;
    }
    let n = i128::from(v) * i128::from(count.max(1));
    // (ticks per day, digits after the seconds) of the sub-day units.
    let sub = match unit {
        TimeUnit::Hour => Some((24, None)),
        TimeUnit::Minute => Some((1440, None)),
        TimeUnit::Second => Some((86_400, Some(0))),
        TimeUnit::Millisecond => Some((86_400_000, Some(3))),
        TimeUnit::Microsecond => Some((86_400_000_000, Some(6))),
        TimeUnit::Nanosecond => Some((86_400_000_000_000, Some(9))),
        TimeUnit::Picosecond => Some((86_400_000_000_000_000, Some(12))),
        TimeUnit::Femtosecond => Some((86_400_000_000_000_000_000, Some(15))),
        TimeUnit::Attosecond => Some((86_400_000_000_000_000_000_000, Some(18))),
        _ => None,
    };
    if !datetime {
        let secs = match (unit, sub) {
            (TimeUnit::Week, _) => Some(n as f64 * 604_800.0),
            (TimeUnit::Day, _) => Some(n as f64 * 86_400.0),
            (_, Some((per_day, _))) => Some(n as f64 * 86_400.0 / per_day as f64),
            _ => None,
        };
        match secs {
            Some(x) if x.is_finite() => out.push_str(&py_float(x)),
            _ => out.push_str("null"),
        }
        return;
    }
    let text = match unit {
        TimeUnit::Year => format!("{}", 1970 + n),
        TimeUnit::Month => format!("{}-{:02}", 1970 + n.div_euclid(12), n.rem_euclid(12) + 1),
        TimeUnit::Week | TimeUnit::Day => {
            let days = if unit == TimeUnit::Week { n * 7 } else { n };
            let (y, m, d) = brinery_numpy::civil_from_days(days);
            format!("{y}-{m:02}-{d:02}")
        }
        _ => match sub {
            None => {
                out.push_str("null");
                return;
            }
            Some((per_day, frac)) => {
                let days = n.div_euclid(per_day);
                let rest = n.rem_euclid(per_day);
                let (y, m, d) = brinery_numpy::civil_from_days(days);
                let mut t = format!("{y}-{m:02}-{d:02}T");
                match unit {
                    TimeUnit::Hour => t.push_str(&format!("{rest:02}")),
                    TimeUnit::Minute => t.push_str(&format!("{:02}:{:02}", rest / 60, rest % 60)),
                    _ => {
                        let digits = frac.unwrap_or(0);
                        let per_sec = 10i128.pow(digits);
                        let (secs, f) = (rest / per_sec, rest % per_sec);
                        t.push_str(&format!(
                            "{:02}:{:02}:{:02}",
                            secs / 3600,
                            secs / 60 % 60,
                            secs % 60
                        ));
                        if digits > 0 {
                            t.push_str(&format!(".{f:0width$}", width = digits as usize));
                        }
                    }
                }
                t
            }
        },
    };
    out.push_str(&serde_json::Value::String(text).to_string());
}

/// IEEE half to f64.
fn half(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = (h >> 10) & 0x1f;
    let frac = (h & 0x3ff) as f64;
    match exp {
        0 => sign * frac * 2f64.powi(-24),
        0x1f if frac == 0.0 => sign * f64::INFINITY,
        0x1f => f64::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f64.powi(e as i32 - 15),
    }
}

/// numpy arrays as nested arrays (object arrays: of their values), numpy
/// scalars as numbers.
fn numpy_plain(n: NodeRef<'_, '_>) -> Option<Vec<PlainPiece>> {
    let (a, scalar) = match Array::from_node(n) {
        Ok(Some(a)) => (a, false),
        _ => (Array::scalar_from_node(n).ok()??, true),
    };
    let shape = a.shape().to_vec();
    let mut pieces = Vec::new();
    let mut text = String::new();
    let objects = a.objects();
    let (bytes, d) = if objects.is_none() {
        (Some(a.to_c_bytes()?), Some(a.dtype().clone()))
    } else {
        (None, None)
    };
    if let Some(d) = &d {
        if d.fields.is_some() || d.subarray.is_some() {
            return None;
        }
        if !matches!(
            d.kind,
            Kind::Bool
                | Kind::Int
                | Kind::UInt
                | Kind::Float
                | Kind::Complex
                | Kind::Str
                | Kind::Datetime
                | Kind::Timedelta
        ) {
            return None;
        }
    }
    let big = d.as_ref().is_some_and(|d| d.byteorder == ByteOrder::Big);
    let size = d.as_ref().map_or(0, |d| d.itemsize);
    let element = |i: usize, text: &mut String, pieces: &mut Vec<PlainPiece>| -> Option<()> {
        match (&objects, &bytes, &d) {
            (Some(objs), _, _) => {
                pieces.push(PlainPiece::Raw(std::mem::take(text)));
                pieces.push(PlainPiece::Node(objs[i]));
                Some(())
            }
            (None, Some(b), Some(d)) if matches!(d.kind, Kind::Datetime | Kind::Timedelta) => {
                let arr: [u8; 8] = b.get(i * 8..(i + 1) * 8)?.try_into().ok()?;
                let v = if big {
                    i64::from_be_bytes(arr)
                } else {
                    i64::from_le_bytes(arr)
                };
                let (unit, count) = d.time_unit.unwrap_or((TimeUnit::Generic, 1));
                time_json(d.kind == Kind::Datetime, v, unit, count, text);
                Some(())
            }
            (None, Some(b), Some(d)) => {
                element_json(d.kind, size, big, b.get(i * size..(i + 1) * size)?, text)
            }
            _ => None,
        }
    };
    if scalar {
        element(0, &mut text, &mut pieces)?;
    } else {
        nested_json(&shape, &mut text, |i, text| element(i, text, &mut pieces))?;
    }
    pieces.push(PlainPiece::Raw(text));
    Some(pieces)
}

/// `[[1, 2], [3, 4]]`: the elements `0..prod(shape)` in C order, nested by
/// `shape`; `elem` writes element `i`.
pub fn nested_json(
    shape: &[usize],
    text: &mut String,
    mut elem: impl FnMut(usize, &mut String) -> Option<()>,
) -> Option<()> {
    let nd = shape.len();
    if nd == 0 {
        return elem(0, text);
    }
    let total: usize = shape.iter().product();
    if total == 0 {
        fn nest(dims: &[usize], s: &mut String) {
            s.push('[');
            if let Some((&first, rest)) = dims.split_first() {
                for i in 0..first {
                    if i > 0 {
                        s.push(',');
                    }
                    nest(rest, s);
                }
            }
            s.push(']');
        }
        let outer: Vec<usize> = shape.iter().take_while(|&&d| d != 0).copied().collect();
        nest(&outer, text);
        return Some(());
    }
    let mut idx = vec![0usize; nd];
    text.push_str(&"[".repeat(nd));
    for i in 0..total {
        elem(i, text)?;
        let mut k = nd;
        while k > 0 {
            idx[k - 1] += 1;
            if idx[k - 1] < shape[k - 1] {
                break;
            }
            idx[k - 1] = 0;
            k -= 1;
        }
        if i + 1 == total {
            text.push_str(&"]".repeat(nd));
        } else {
            let closed = nd - k;
            text.push_str(&"]".repeat(closed));
            text.push(',');
            text.push_str(&"[".repeat(closed));
        }
    }
    Some(())
}

/// A PyTorch checkpoint as plain JSON: an object of its tensors by dotted
/// name (nested arrays of numbers) and its other values.
pub fn torch_plain_json(
    ck: &brinery_torch::Checkpoint<'_>,
    out: &mut dyn std::io::Write,
) -> Result<(), crate::error::CliError> {
    let io = |e: std::io::Error| crate::error::CliError::io("<stdout>", &e);
    out.write_all(b"{").map_err(io)?;
    let mut first = true;
    for (i, (name, info)) in ck.tensors().iter().enumerate() {
        let mut text = String::new();
        if !first {
            text.push(',');
        }
        first = false;
        text.push_str(&serde_json::Value::String(name.clone()).to_string());
        text.push(':');
        let kind = info.dtype.numpy_descr().and_then(|d| {
            let size: usize = d[2..].parse().ok()?;
            let kind = match d.as_bytes()[1] {
                b'b' => Kind::Bool,
                b'u' => Kind::UInt,
                b'i' => Kind::Int,
                b'f' => Kind::Float,
                b'c' => Kind::Complex,
                _ => return None,
            };
            Some((kind, size))
        });
        let shape: Option<Vec<usize>> = info
            .shape
            .iter()
            .map(|&d| usize::try_from(d).ok())
            .collect();
        let bytes = ck.tensor_bytes_at(i).ok();
        let done = match (kind, shape, bytes) {
            (Some((kind, size)), Some(shape), Some(bytes)) => {
                nested_json(&shape, &mut text, |j, t| {
                    element_json(kind, size, false, bytes.get(j * size..(j + 1) * size)?, t)
                })
                .is_some()
            }
            _ => false,
        };
        if !done {
            // No JSON number type for it (bfloat16, float8, quantized).
            let mut t = String::new();
            if !text.ends_with(':') {
                let cut = text.rfind(':').map_or(0, |c| c + 1);
                text.truncate(cut);
            }
            t.push_str(&format!("{} tensor {:?}", info.dtype.name(), info.shape));
            text.push_str(&serde_json::Value::String(t).to_string());
        }
        out.write_all(text.as_bytes()).map_err(io)?;
    }
    for (name, v) in ck.scalars() {
        let sep = if first { "" } else { "," };
        first = false;
        let key = serde_json::Value::String(name.clone()).to_string();
        write!(out, "{sep}{key}:{}", v.to_json()).map_err(io)?;
    }
    out.write_all(b"}").map_err(io)?;
    Ok(())
}
