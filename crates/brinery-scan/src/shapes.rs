//! Argument shapes of allow-listed callables whose safety depends on what
//! they are called with: the shapes the real libraries write (pyarrow's
//! reconstructors as pandas pickles them, zoneinfo's and pytz's
//! factories, `re._compile`, ...). A call with another shape is an
//! *unknown* finding: the name is trusted only the way its library uses it.

use brinery::{Construct, Graph, Node, NodeId};

/// Whether `args` (the call's argument tuple) has the shape the library
/// writes for `name`; `None` when `name` has no shape rule.
pub(crate) fn shape_ok(name: &str, g: &Graph<'_>, args: Option<NodeId>) -> Option<bool> {
    let items: &[NodeId] = match args.map(|a| g.node(a)) {
        Some(Node::Tuple(v)) => v,
        _ => &[],
    };
    let kind = |i: usize| items.get(i).map(|&id| g.node(id));
    let is_str = |i: usize| matches!(kind(i), Some(Node::Str(_)));
    let is_int = |i: usize| matches!(kind(i), Some(Node::Int(_) | Node::Bool(_)));
    let is_none = |i: usize| matches!(kind(i), Some(Node::None));
    let is_scalar = |i: usize| {
        matches!(
            kind(i),
            Some(Node::Str(_) | Node::Int(_) | Node::Bool(_) | Node::Float(_) | Node::None)
        )
    };
    let ok = match name {
        "pyarrow.lib.type_for_alias" => items.len() == 1 && is_str(0),
        "pyarrow.lib.py_buffer" => {
            items.len() == 1
                && matches!(
                    kind(0),
                    Some(Node::Bytes(_) | Node::ByteArray(_) | Node::Buffer(_))
                )
        }
        "pyarrow.lib._restore_array" => {
            items.len() == 1
                && match kind(0) {
                    Some(Node::Tuple(t)) => restore_array_state(g, t),
                    _ => false,
                }
        }
        "pyarrow.lib.chunked_array" => {
            (1..=2).contains(&items.len()) && matches!(kind(0), Some(Node::List(_)))
        }
        "zoneinfo.ZoneInfo._unpickle" | "zoneinfo._zoneinfo.ZoneInfo._unpickle" => {
            items.len() == 2 && is_str(0) && is_int(1)
        }
        "pytz._p" => (1..=4).contains(&items.len()) && (0..items.len()).all(is_scalar),
        "pytz._UTC" => items.is_empty(),
        "re._compile" => {
            items.len() == 2 && matches!(kind(0), Some(Node::Str(_) | Node::Bytes(_))) && is_int(1)
        }
        "numpy._core._internal._convert_to_stringdtype_kwargs" => {
            (1..=2).contains(&items.len()) && (0..items.len()).all(is_scalar)
        }
        "dateutil.tz._tzfile._unpickle" => {
            items.len() == 4
                && matches!(kind(0), Some(Node::Global(gl))
                    if gl.module.starts_with("dateutil.tz") && gl.name == "tzfile")
                && (is_str(1) || is_none(1))
                && (is_str(2) || is_none(2))
                && matches!(kind(3), Some(Node::Bytes(_) | Node::Tuple(_)))
        }
        // Cython's pickle helper `mod.__pyx_unpickle_X(cls, checksum,
        // state)`: `cls.__new__(cls)` then the state. `cls` is X or a
        // subclass (pandas' StringArray for NDArrayBacked); it must be a
        // global, judged at its own import like copyreg's class argument.
        _ if name.contains(".__pyx_unpickle_") => {
            items.len() == 3 && matches!(kind(0), Some(Node::Global(_))) && is_int(1)
        }
        _ => return None,
    };
    Some(ok)
}

/// pyarrow's array state: (type, length, null_count, offset, buffers,
/// children, dictionary); the type comes from `type_for_alias` (or another
/// reconstructor), children are nested states.
fn restore_array_state(g: &Graph<'_>, t: &[NodeId]) -> bool {
    if t.len() != 7 {
        return false;
    }
    let n = |i: usize| g.node(t[i]);
    let type_ok =
        matches!(n(0), Node::Object(o) if matches!(o.construct, Construct::Reduce { .. }));
    type_ok
        && matches!(n(1), Node::Int(_))
        && matches!(n(2), Node::Int(_))
        && matches!(n(3), Node::Int(_))
        && matches!(n(4), Node::List(_))
        && matches!(n(5), Node::List(_))
        && matches!(n(6), Node::None | Node::Object(_))
}
