//! joblib files (`joblib.dump`): pickles where each numpy array is a
//! `NumpyArrayWrapper` whose raw bytes (or, for object arrays, a nested
//! pickle) follow its BUILD opcode; whole files optionally compressed with
//! zlib, gzip, bz2, lzma, xz or lz4.

use std::borrow::Cow;

use brinery::{BuildCtx, Construct, Graph, Node, NodeId, Object, Result, Unpickler};

use crate::dtype::{invalid, node_shape, node_text, Dtype};

/// Largest decompressed joblib file [`load`] accepts by default (8 GiB).
pub const DEFAULT_LIMIT: u64 = 8 << 30;

/// joblib's `_ZFILE_PREFIX` files (joblib < 0.9.3): `ZF`, the length in
/// hex padded to 19 characters, then a zlib stream.
const ZFILE_PREFIX: &[u8] = b"ZF";
const ZFILE_MAX_LEN: usize = 19;

fn is_wrapper(g: &Graph<'_>, id: NodeId, name: &str) -> bool {
    let Some(cls) = g.view(id).class_name() else {
        return false;
    };
    match cls.rsplit_once('.') {
        Some((module, n)) => {
            n == name
                && (module == "numpy_pickle"
                    || module.ends_with(".numpy_pickle")
                    || module.ends_with("numpy_pickle_compat"))
        }
        None => false,
    }
}

/// The `on_build` hook that decodes joblib's `NumpyArrayWrapper`s: it
/// reads the array bytes (after the optional alignment padding) or the
/// nested pickle of an object array that follow the BUILD, and puts a
/// numpy array node in place of the wrapper (the protocol-5
/// `_frombuffer(bytes, dtype, shape, order)` form, so
/// [`crate::Array::from_node`] reads it and `brinery::dumps` writes a
/// pickle numpy loads). Other BUILDs are left alone. joblib < 0.10's
/// `NDArrayWrapper` (arrays in separate `.npy` files) is an error.
///
/// Use it with your own [`Unpickler`] options (an observer, limits):
///
/// ```
/// let data = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/joblib/np2_raw.joblib")).unwrap();
/// let g = brinery::Unpickler::new()
///     .on_build(brinery_numpy::joblib_build_hook())
///     .load_slice(&data)?;
/// let a = brinery_numpy::Array::from_node(g.root().get("a").unwrap())?.unwrap();
/// assert_eq!(a.to_vec::<f64>()?, vec![1.0, 2.5, -0.1, 1e-300]);
/// # Ok::<(), brinery::Error>(())
/// ```
pub fn joblib_build_hook<'a, 'h>() -> impl FnMut(&mut BuildCtx<'_, 'a, 'h>) -> Result<()> + 'h {
    |ctx: &mut BuildCtx<'_, 'a, 'h>| build(ctx)
}

fn build(ctx: &mut BuildCtx<'_, '_, '_>) -> Result<()> {
    let target = ctx.target();
    let g = ctx.graph();
    if is_wrapper(g, target, "NDArrayWrapper") || is_wrapper(g, target, "ZNDArrayWrapper") {
        let file = match g.view(target).get("filename").and_then(node_text) {
            Some(f) => format!(" ({f})"),
            None => String::new(),
        };
        return Err(invalid(format!(
            "joblib < 0.10 file at byte {}: its arrays are stored in separate .npy files{file}, not in the pickle",
            ctx.offset()
        )));
    }
    if !is_wrapper(g, target, "NumpyArrayWrapper") {
        return Ok(());
    }
    let w = g.view(target);
    let dtype_node = w
        .get("dtype")
        .and_then(|d| d.id())
        .ok_or_else(|| invalid("NumpyArrayWrapper without a dtype"))?;
    let dtype = Dtype::from_node(g.view(dtype_node))?
        .ok_or_else(|| invalid("NumpyArrayWrapper dtype is not a numpy.dtype"))?;
    let shape_node = w
        .get("shape")
        .and_then(|d| d.id())
        .ok_or_else(|| invalid("NumpyArrayWrapper without a shape"))?;
    let shape = node_shape(g.view(shape_node))?;
    let order = w
        .get("order")
        .and_then(node_text)
        .unwrap_or_else(|| "C".into());
    if order != "C" && order != "F" {
        return Err(invalid(format!(
            "NumpyArrayWrapper order {order:?} is not C or F"
        )));
    }
    let aligned = w
        .get("numpy_array_alignment_bytes")
        .is_some_and(|v| !v.is_none());
    if dtype.has_object() {
        let nested = ctx.load_pickle()?;
        ctx.replace_target(nested);
        return Ok(());
    }
    if aligned {
        let pad = ctx.read_bytes(1)?[0];
        ctx.read_bytes(pad as u64)?;
    }
    let n = shape
        .iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d as u64))
        .and_then(|n| n.checked_mul(dtype.itemsize as u64))
        .ok_or_else(|| invalid("NumpyArrayWrapper array size overflows"))?;
    let bytes = ctx.read_bytes(n)?;
    let g = ctx.graph_mut();
    let fb = g.global("numpy._core.numeric", "_frombuffer");
    let data = g.add(Node::Bytes(bytes));
    let order = g.str(order);
    let args = g.tuple(vec![data, dtype_node, shape_node, order]);
    let node = g.add(Node::Object(Box::new(Object::new(Construct::Reduce {
        callable: fb,
        args,
    }))));
    ctx.replace_target(node);
    Ok(())
}

/// Decompress a joblib file if it is compressed (any of joblib's
/// compressors, or the old `ZF` zlib files); borrow it otherwise.
pub fn decompress(data: &[u8], limit: u64) -> Result<Cow<'_, [u8]>> {
    let io = |e: std::io::Error| invalid(format!("joblib: {e}"));
    if data.starts_with(ZFILE_PREFIX) && data.len() >= 2 + ZFILE_MAX_LEN {
        let mut start = 2 + ZFILE_MAX_LEN;
        if data.get(start) == Some(&b' ') {
            start += 1;
        }
        let body = &data[start..];
        return match brinery_compress::decompress_auto(body, limit).map_err(io)? {
            Cow::Owned(v) => Ok(Cow::Owned(v)),
            Cow::Borrowed(_) => Err(invalid("joblib ZF file without a zlib stream at byte 21")),
        };
    }
    brinery_compress::decompress_auto(data, limit).map_err(io)
}

/// Load a joblib file (compressed or not) into a graph where every array
/// is a numpy array node ([`crate::Array::from_node`] /
/// [`crate::find_arrays`] read them). Uncompressed input is decoded
/// zero-copy; compressed input is decompressed (up to [`DEFAULT_LIMIT`]
/// bytes) first. For other options (an observer, limits) use
/// [`decompress`] and [`joblib_build_hook`] with your own [`Unpickler`].
pub fn load(data: &[u8]) -> Result<Graph<'_>> {
    load_with_limit(data, DEFAULT_LIMIT)
}

/// [`load`] with a limit on the decompressed size.
pub fn load_with_limit(data: &[u8], limit: u64) -> Result<Graph<'_>> {
    match decompress(data, limit)? {
        Cow::Borrowed(b) => Unpickler::new().on_build(joblib_build_hook()).load_slice(b),
        Cow::Owned(v) => Ok(Unpickler::new()
            .on_build(joblib_build_hook())
            .load_slice(&v)?
            .into_owned()),
    }
}
