//! joblib files (`joblib.dump`): pickles where each numpy array is a
//! `NumpyArrayWrapper` whose raw bytes (or, for object arrays, a nested
//! pickle) follow its BUILD opcode; whole files optionally compressed with
//! zlib, gzip, bz2, lzma, xz or lz4.

use std::borrow::Cow;

use brinery::pickletools::{ArgValue, Instr, RawBlock};
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

/// What the joblib tracker knows about a stack item.
#[derive(Clone, Debug)]
enum Item {
    Mark,
    Str(String),
    Int(i64),
    None,
    WrapperClass,
    DtypeClass,
    Dtype(String),
    Wrapper,
    Tuple(Vec<Item>),
    Dict(Vec<(Item, Item)>),
    Other,
}

/// Items kept inside a tuple or dict: more is not a joblib wrapper's state.
const SMALL: usize = 32;

/// The joblib tracker behind [`joblib_raw_blocks`]: a small stack machine
/// over the instructions that knows strings, ints, tuples, dicts, numpy
/// dtypes and `NumpyArrayWrapper`s, and the memo.
#[derive(Default)]
struct Tracker {
    stack: Vec<Item>,
    memo: std::collections::HashMap<i64, Item>,
}

impl Tracker {
    fn pop(&mut self) -> Item {
        self.stack.pop().unwrap_or(Item::Other)
    }

    fn pop_mark(&mut self) -> Vec<Item> {
        let at = self
            .stack
            .iter()
            .rposition(|i| matches!(i, Item::Mark))
            .unwrap_or(0);
        let mut items = self.stack.split_off(at);
        if matches!(items.first(), Some(Item::Mark)) {
            items.remove(0);
        }
        items
    }

    fn class(module: &str, name: &str) -> Item {
        match name {
            "NumpyArrayWrapper" if module.ends_with("numpy_pickle") => Item::WrapperClass,
            "dtype" if module == "numpy" || module.starts_with("numpy.") => Item::DtypeClass,
            _ => Item::Other,
        }
    }

    fn tuple(items: Vec<Item>) -> Item {
        if items.len() > SMALL {
            Item::Other
        } else {
            Item::Tuple(items)
        }
    }

    fn step(&mut self, instr: &Instr) -> Option<RawBlock> {
        use brinery::Opcode as O;
        let op = instr.op.op;
        match op {
            O::Mark => self.stack.push(Item::Mark),
            O::None => self.stack.push(Item::None),
            O::Global => {
                let t = match &instr.arg {
                    ArgValue::Str(s) => s.to_string(),
                    _ => String::new(),
                };
                let (m, n) = t.split_once(' ').unwrap_or(("", ""));
                self.stack.push(Tracker::class(m, n));
            }
            O::StackGlobal => {
                let (n, m) = (self.pop(), self.pop());
                let item = match (m, n) {
                    (Item::Str(m), Item::Str(n)) => Tracker::class(&m, &n),
                    _ => Item::Other,
                };
                self.stack.push(item);
            }
            O::Put | O::BinPut | O::LongBinPut | O::Memoize => {
                let key = match instr.arg {
                    ArgValue::Int(k) => k,
                    _ => self.memo.len() as i64,
                };
                let top = self.stack.last().cloned().unwrap_or(Item::Other);
                self.memo.insert(key, top);
            }
            O::Get | O::BinGet | O::LongBinGet => {
                let item = match instr.arg {
                    ArgValue::Int(k) => self.memo.get(&k).cloned(),
                    _ => None,
                };
                self.stack.push(item.unwrap_or(Item::Other));
            }
            O::EmptyTuple => self.stack.push(Item::Tuple(Vec::new())),
            O::Tuple1 | O::Tuple2 | O::Tuple3 => {
                let n = match op {
                    O::Tuple1 => 1,
                    O::Tuple2 => 2,
                    _ => 3,
                };
                let at = self.stack.len().saturating_sub(n);
                let items = self.stack.split_off(at);
                self.stack.push(Item::Tuple(items));
            }
            O::Tuple => {
                let items = self.pop_mark();
                self.stack.push(Tracker::tuple(items));
            }
            O::EmptyDict => self.stack.push(Item::Dict(Vec::new())),
            O::SetItem | O::SetItems => {
                let mut items = if op == O::SetItems {
                    self.pop_mark()
                } else {
                    let v = self.pop();
                    vec![self.pop(), v]
                };
                if let Some(Item::Dict(d)) = self.stack.last_mut() {
                    while items.len() >= 2 && d.len() < SMALL {
                        let v = items.pop().unwrap_or(Item::Other);
                        let k = items.pop().unwrap_or(Item::Other);
                        d.push((k, v));
                    }
                }
            }
            O::Reduce => {
                let (args, f) = (self.pop(), self.pop());
                let item = match (f, args) {
                    (Item::DtypeClass, Item::Tuple(a)) => match a.first() {
                        Some(Item::Str(t)) => Item::Dtype(t.clone()),
                        _ => Item::Other,
                    },
                    _ => Item::Other,
                };
                self.stack.push(item);
            }
            O::NewObj | O::NewObjEx => {
                if op == O::NewObjEx {
                    self.pop();
                }
                let (_args, cls) = (self.pop(), self.pop());
                self.stack.push(match cls {
                    Item::WrapperClass => Item::Wrapper,
                    _ => Item::Other,
                });
            }
            O::Build => {
                let state = self.pop();
                if matches!(self.stack.last(), Some(Item::Wrapper)) {
                    if let Some(top) = self.stack.last_mut() {
                        *top = Item::Other;
                    }
                    if let Item::Dict(d) = state {
                        return raw_block(&d);
                    }
                }
            }
            O::Stop => *self = Tracker::default(),
            O::Pop => {
                self.pop();
            }
            O::PopMark => {
                self.pop_mark();
            }
            O::Dup => {
                let top = self.stack.last().cloned().unwrap_or(Item::Other);
                self.stack.push(top);
            }
            _ => {
                let before = instr.op.stack_before;
                let marked = before.iter().any(|k| k.name() == "mark");
                let mut n = before.len();
                if marked {
                    self.pop_mark();
                    n = n.saturating_sub(2);
                }
                for _ in 0..n {
                    self.pop();
                }
                let after = instr.op.stack_after.len();
                let pushed = match (&instr.arg, after) {
                    (ArgValue::Str(s), 1) => Item::Str(s.to_string()),
                    (ArgValue::Int(i), 1) => Item::Int(*i),
                    _ => Item::Other,
                };
                if after == 1 {
                    self.stack.push(pushed);
                } else {
                    self.stack.extend((0..after).map(|_| Item::Other));
                }
            }
        }
        None
    }
}

/// The block after a wrapper's BUILD, from its state dict.
fn raw_block(state: &[(Item, Item)]) -> Option<RawBlock> {
    let get = |key: &str| {
        state
            .iter()
            .find(|(k, _)| matches!(k, Item::Str(s) if s == key))
            .map(|(_, v)| v)
    };
    let Some(Item::Tuple(dims)) = get("shape") else {
        return None;
    };
    let Some(Item::Dtype(t)) = get("dtype") else {
        return None;
    };
    let (kind, size) = t.split_at(t.find(|c: char| c.is_ascii_digit())?);
    let size: u64 = size.parse().ok()?;
    let itemsize = match kind.trim_start_matches(['<', '>', '|', '=']) {
        "O" => return Some(RawBlock::pickle("object array")),
        "U" => size.checked_mul(4)?,
        _ => size,
    };
    let len = dims.iter().try_fold(itemsize, |a, d| match d {
        Item::Int(d) => a.checked_mul(u64::try_from(*d).ok()?),
        _ => None,
    })?;
    let padded = matches!(get("numpy_array_alignment_bytes"), Some(v) if !matches!(v, Item::None));
    Some(RawBlock::new("array bytes", len).padded(padded))
}

/// The [`brinery::pickletools::RawBlockHook`] for joblib files: after the BUILD of a
/// `NumpyArrayWrapper`, the array's bytes (with joblib's alignment padding
/// when the wrapper has `numpy_array_alignment_bytes`) follow in the
/// stream. `brinery::pickletools::dis_genops_raw` shows them as one line
/// (`[array bytes: 32 B]`) and goes on; `brinery::pickletools::optimize_raw` keeps them.
/// An object array's nested pickle is declared as such (`dis` shows it in
/// place). The hook keeps a small stack and memo of its own; it starts afresh after
/// each STOP.
///
/// ```
/// let data = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/joblib/np2_raw.joblib")).unwrap();
/// let mut out = Vec::new();
/// let mut hook = brinery_numpy::joblib_raw_blocks();
/// let mut ops = brinery::pickletools::Genops::new(&data[..]);
/// let mut memo = brinery::pickletools::DisMemo::new();
/// brinery::pickletools::dis_genops_raw(&mut ops, &mut out, &Default::default(), &mut memo, Some(&mut hook))?;
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.contains("  240: [array bytes: 32 B]"), "{text}");
/// # Ok::<(), brinery::DisError>(())
/// ```
pub fn joblib_raw_blocks() -> impl FnMut(&Instr) -> Option<RawBlock> {
    let mut t = Tracker::default();
    move |instr: &Instr| t.step(instr)
}
