//! `.npy` files: numpy's `numpy.lib.format`.

use std::io::{self, Write};

/// `\x93NUMPY`.
pub(crate) const MAGIC_PREFIX: &[u8] = b"\x93NUMPY";
const ARRAY_ALIGN: usize = 64;
const GROWTH_AXIS_MAX_DIGITS: usize = 21;

/// Python's `repr` of a `str` (the core's shared text layer).
pub(crate) fn py_str_repr(s: &str) -> String {
    brinery::PyStr::from(s).repr()
}

/// Python's `repr` of a tuple of ints.
pub(crate) fn shape_repr(shape: &[usize]) -> String {
    match shape {
        [] => "()".into(),
        [a] => format!("({a},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// The header of a `.npy` file exactly as numpy's `_write_array_header`
/// writes it (version guessed like `_wrap_header_guess_version`).
///
/// `descr_literal` is the Python literal of the descr (`'<f4'` quoted, or a
/// list of field tuples).
pub(crate) fn npy_header(descr_literal: &str, fortran_order: bool, shape: &[usize]) -> Vec<u8> {
    let mut header = format!(
        "{{'descr': {}, 'fortran_order': {}, 'shape': {}, }}",
        descr_literal,
        if fortran_order { "True" } else { "False" },
        shape_repr(shape)
    );
    if !shape.is_empty() {
        let axis = if fortran_order {
            shape[shape.len() - 1]
        } else {
            shape[0]
        };
        let digits = axis.to_string().len();
        let pad = GROWTH_AXIS_MAX_DIGITS.saturating_sub(digits);
        header.extend(std::iter::repeat(' ').take(pad));
    }
    let latin1: Option<Vec<u8>> = header
        .chars()
        .map(|c| u8::try_from(c as u32).ok())
        .collect();
    let (major, body) = match latin1 {
        Some(b) => {
            let hlen = b.len() + 1;
            let padlen = ARRAY_ALIGN - ((8 + 2 + hlen) % ARRAY_ALIGN);
            if hlen + padlen <= u16::MAX as usize {
                (1u8, b)
            } else {
                (2u8, b)
            }
        }
        None => (3u8, header.into_bytes()),
    };
    let size_len = if major == 1 { 2 } else { 4 };
    let hlen = body.len() + 1;
    let padlen = ARRAY_ALIGN - ((8 + size_len + hlen) % ARRAY_ALIGN);
    let total = hlen + padlen;
    let mut out = Vec::with_capacity(8 + size_len + total);
    out.extend_from_slice(MAGIC_PREFIX);
    out.push(major);
    out.push(0);
    if major == 1 {
        out.extend_from_slice(&(total as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(total as u32).to_le_bytes());
    }
    out.extend_from_slice(&body);
    out.extend(std::iter::repeat(b' ').take(padlen));
    out.push(b'\n');
    out
}

/// Writes a `.npy` file exactly as numpy's `np.save` does: format 1.0 (2.0
/// when the header exceeds 65535 bytes, 3.0 when it is not latin-1), the
/// header dict padded with spaces and a newline to a multiple of 64 bytes,
/// then `data` (the element bytes, already in the given order).
///
/// `descr` is a descr string such as `"<f4"`, `"|b1"`, `"<M8[ns]"` or
/// `"|S10"`; a value starting with `[` is taken as the Python literal of a
/// structured descr list (as `repr(dtype.descr)` prints it) and inserted
/// verbatim.
///
/// ```
/// let mut out = Vec::new();
/// brinery_numpy::write_npy_raw(&mut out, "<i4", false, &[2], &[1, 0, 0, 0, 2, 0, 0, 0])?;
/// assert_eq!(out.len(), 128 + 8);
/// assert!(out.starts_with(b"\x93NUMPY\x01\x00v\x00{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_npy_raw(
    mut w: impl Write,
    descr: &str,
    fortran_order: bool,
    shape: &[usize],
    data: &[u8],
) -> io::Result<()> {
    let lit = if descr.starts_with('[') {
        descr.to_string()
    } else {
        py_str_repr(descr)
    };
    w.write_all(&npy_header(&lit, fortran_order, shape))?;
    w.write_all(data)?;
    Ok(())
}

use brinery::{Buf, Graph, NodeId, Result};

use crate::array::{Array, Order};
use crate::dtype::{invalid, Dtype};
use crate::lit::{self, Lit};

/// The header of a `.npy` file.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyHeader {
    /// Format version `(major, minor)`: (1, 0), (2, 0) or (3, 0).
    pub version: (u8, u8),
    /// The dtype of `descr`.
    pub dtype: Dtype,
    /// Whether the data is in Fortran order.
    pub fortran_order: bool,
    /// The shape.
    pub shape: Vec<usize>,
    /// Byte offset of the data.
    pub data_offset: usize,
}

/// Headers longer than this are refused (numpy's default `max_header_size`
/// is 10000; structured dtypes with many fields can exceed it).
pub const MAX_NPY_HEADER: usize = 1 << 20;

/// Parse the header of a `.npy` file.
pub fn read_npy_header(data: &[u8]) -> Result<NpyHeader> {
    if data.len() < 10 || !data.starts_with(MAGIC_PREFIX) {
        return Err(invalid(
            "not a .npy file: the magic string \\x93NUMPY is missing at byte 0",
        ));
    }
    let version = (data[6], data[7]);
    let (hlen, start) = match version {
        (1, 0) => (u16::from_le_bytes([data[8], data[9]]) as usize, 10),
        (2, 0) | (3, 0) => {
            if data.len() < 12 {
                return Err(invalid(".npy header length truncated at byte 8"));
            }
            (
                u32::from_le_bytes([data[8], data[9], data[10], data[11]]) as usize,
                12,
            )
        }
        (a, b) => {
            return Err(invalid(format!(
                "unsupported .npy format version {a}.{b} at byte 6"
            )))
        }
    };
    if hlen > MAX_NPY_HEADER {
        return Err(invalid(format!(".npy header of {hlen} bytes is too large")));
    }
    let end = start + hlen;
    let header = data.get(start..end).ok_or_else(|| {
        invalid(format!(
            ".npy header ends at byte {end}, past the end of the data ({} bytes)",
            data.len()
        ))
    })?;
    let text: std::borrow::Cow<'_, [u8]> = if version.0 >= 3 {
        std::str::from_utf8(header).map_err(|_| invalid(".npy 3.0 header is not UTF-8"))?;
        std::borrow::Cow::Borrowed(header)
    } else {
        // latin-1 -> UTF-8 for the literal parser.
        let s: String = header.iter().map(|&b| b as char).collect();
        std::borrow::Cow::Owned(s.into_bytes())
    };
    let Lit::Dict(entries) = lit::parse(&text, start)? else {
        return Err(invalid(format!(
            ".npy header at byte {start} is not a dict"
        )));
    };
    let get = |k: &str| {
        entries
            .iter()
            .find(|(key, _)| matches!(key, Lit::Str(s) if s == k))
            .map(|(_, v)| v)
    };
    if entries.len() != 3 {
        return Err(invalid(format!(".npy header at byte {start} does not have exactly the keys descr, fortran_order, shape")));
    }
    let descr = get("descr").ok_or_else(|| invalid(".npy header has no 'descr'"))?;
    let dtype = Dtype::from_descr(descr, 0)?;
    let fortran_order = match get("fortran_order") {
        Some(Lit::Bool(b)) => *b,
        _ => return Err(invalid(".npy header 'fortran_order' is not a bool")),
    };
    let shape = match get("shape") {
        Some(Lit::Tuple(t)) => {
            t.iter()
                .map(|d| match d {
                    Lit::Int(i) => usize::try_from(*i)
                        .map_err(|_| invalid(".npy shape has a negative dimension")),
                    _ => Err(invalid(".npy shape is not a tuple of ints")),
                })
                .collect::<Result<Vec<usize>>>()?
        }
        _ => return Err(invalid(".npy header 'shape' is not a tuple")),
    };
    Ok(NpyHeader {
        version,
        dtype,
        fortran_order,
        shape,
        data_offset: end,
    })
}

/// A decoded `.npy` file: an array over the file's bytes, or (object
/// arrays) the pickle that follows the header.
#[derive(Debug)]
pub enum Npy<'a> {
    /// The elements, borrowed from the input.
    Array(Array<'a>),
    /// An object array: the decoded pickle (its root is the array).
    Pickle(Graph<'a>),
}

impl<'a> Npy<'a> {
    /// The array (for [`Npy::Pickle`], decoded from the graph's root).
    pub fn array(&self) -> Result<Array<'_>> {
        match self {
            Npy::Array(a) => Ok(a.reborrow()),
            Npy::Pickle(g) => Array::from_node(g.root())?
                .ok_or_else(|| invalid("the pickle in the .npy file is not a numpy array")),
        }
    }

    /// The graph of an object array's pickle.
    pub fn graph(&self) -> Option<&Graph<'a>> {
        match self {
            Npy::Pickle(g) => Some(g),
            Npy::Array(_) => None,
        }
    }
}

/// Read a `.npy` file from a slice (zero-copy): what `np.load` reads,
/// object arrays included (their pickle is decoded, never run).
pub fn read_npy(data: &[u8]) -> Result<Npy<'_>> {
    let h = read_npy_header(data)?;
    let body = &data[h.data_offset..];
    if h.dtype.has_object() {
        let g = brinery::loads(body)?;
        return Ok(Npy::Pickle(g));
    }
    let n = h
        .shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .and_then(|n| n.checked_mul(h.dtype.itemsize))
        .ok_or_else(|| invalid(".npy array size overflows"))?;
    let bytes = body.get(..n).ok_or_else(|| {
        invalid(format!(
            ".npy data from byte {} has {} bytes, the array needs {n}",
            h.data_offset,
            body.len()
        ))
    })?;
    let order = if h.fortran_order { Order::F } else { Order::C };
    Ok(Npy::Array(Array::new(
        h.dtype,
        h.shape,
        order,
        Buf::Borrowed(bytes),
    )?))
}

/// Write `a` as `np.save` does (byte-identical): the data in Fortran order
/// when the array is F- but not C-contiguous, else in C order. Object
/// arrays need their graph: see [`write_npy_pickled`].
pub fn write_npy(mut w: impl Write, a: &Array<'_>) -> Result<()> {
    if a.dtype().has_object() {
        return Err(invalid("object arrays are written with write_npy_pickled"));
    }
    let fortran = a.is_f_contiguous() && !a.is_c_contiguous();
    let bytes = if fortran {
        a.to_f_bytes()
    } else {
        a.to_c_bytes()
    };
    let bytes = bytes.ok_or_else(|| invalid("array has no bytes"))?;
    let io = brinery::Error::from;
    w.write_all(&npy_header(&a.dtype().descr_literal(), fortran, a.shape()))
        .map_err(io)?;
    w.write_all(&bytes).map_err(io)?;
    Ok(())
}

/// Write the object array at `node` of `g` as `np.save` does: the header,
/// then the array pickled at protocol 4.
pub fn write_npy_pickled(mut w: impl Write, g: &Graph<'_>, node: NodeId) -> Result<()> {
    let a =
        Array::from_node(g.view(node))?.ok_or_else(|| invalid("the node is not a numpy array"))?;
    let fortran = a.is_f_contiguous() && !a.is_c_contiguous();
    let io = brinery::Error::from;
    w.write_all(&npy_header(&a.dtype().descr_literal(), fortran, a.shape()))
        .map_err(io)?;
    let mut p = Vec::new();
    brinery::Pickler::new(4).dump_node(g, node, &mut p)?;
    w.write_all(&p).map_err(io)?;
    Ok(())
}
