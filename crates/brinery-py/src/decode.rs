//! The decoder: walks the opcodes (the core's `brinery::Opcode` table) and
//! builds Python objects directly, with `_pickle`'s semantics. Globals go
//! through [`Globals::resolve`], which refuses anything outside the safe set
//! and `allow=` *before* importing it.

use std::collections::HashMap;

use brinery::pickletools::ArgLayout;
use brinery::Opcode;
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyList, PySet, PyString, PyTuple, PyType,
};
use pyo3::{intern, IntoPyObjectExt};

use crate::errors;
use crate::input::Input;

mod fast;
mod numpy_state;
mod text;

/// A memo index at most this far beyond the dense part grows it; larger
/// ones go to the sparse map (a hostile PUT index allocates nothing big).
const DENSE_SLACK: u64 = 1 << 16;

/// The memo: a dense vector with a sparse fallback, like `_pickle`'s.
#[derive(Default)]
pub struct Memo {
    pub dense: Vec<Option<Py<PyAny>>>,
    pub sparse: HashMap<u64, Py<PyAny>>,
    pub len: usize,
}

impl Memo {
    pub fn clear(&mut self) {
        self.dense.clear();
        self.sparse.clear();
        self.len = 0;
    }

    fn get<'py>(&self, py: Python<'py>, idx: u64) -> Option<Bound<'py, PyAny>> {
        if let Some(Some(o)) = self.dense.get(usize::try_from(idx).ok()?) {
            return Some(o.bind(py).clone());
        }
        self.sparse.get(&idx).map(|o| o.bind(py).clone())
    }

    #[inline]
    pub fn put(&mut self, idx: u64, obj: Py<PyAny>) {
        // MEMOIZE and the writers' PUTs count up: the next index.
        if idx == self.dense.len() as u64 && self.sparse.is_empty() {
            self.dense.push(Some(obj));
            self.len += 1;
            return;
        }
        self.put_slow(idx, obj);
    }

    /// Drop every entry (a direct decref each, the GIL being held).
    pub fn clear_with(&mut self, py: Python<'_>) {
        for o in self.dense.drain(..).flatten() {
            o.drop_ref(py);
        }
        for (_, o) in self.sparse.drain() {
            o.drop_ref(py);
        }
        self.len = 0;
    }

    #[inline(never)]
    fn put_slow(&mut self, idx: u64, obj: Py<PyAny>) {
        if idx < self.dense.len() as u64 + DENSE_SLACK {
            let i = idx as usize;
            if i >= self.dense.len() {
                self.dense.resize_with(i + 1, || None);
            }
            let old = self.dense[i].replace(obj);
            let old_sparse = if self.sparse.is_empty() {
                None
            } else {
                self.sparse.remove(&idx)
            };
            if old.is_none() && old_sparse.is_none() {
                self.len += 1;
            }
        } else if self.sparse.insert(idx, obj).is_none() {
            self.len += 1;
        }
    }

    pub fn items(&self) -> impl Iterator<Item = (u64, &Py<PyAny>)> {
        self.dense
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.as_ref().map(|o| (i as u64, o)))
            .chain(self.sparse.iter().map(|(k, v)| (*k, v)))
    }
}

/// What `allow=` trusts: exact names (optionally with the object to use,
/// never imported), `"module.*"` prefixes, or everything.
#[derive(Default)]
pub struct Allow {
    pub names: HashMap<String, Option<Py<PyAny>>>,
    pub prefixes: Vec<String>,
    pub everything: bool,
}

impl Allow {
    /// Parse `allow=`: strings, objects, `(obj, "module.name")` pairs, or
    /// `True` (trust everything: plain `pickle` behaviour).
    pub fn from_py(allow: &Bound<'_, PyAny>) -> PyResult<Allow> {
        let mut out = Allow::default();
        if allow.is_none() {
            return Ok(out);
        }
        if allow.is_instance_of::<pyo3::types::PyBool>() {
            out.everything = allow.is_truthy()?;
            return Ok(out);
        }
        if let Ok(s) = allow.cast::<PyString>() {
            out.add_name(&s.to_cow()?, None);
            return Ok(out);
        }
        for item in allow.try_iter()? {
            let item = item?;
            if let Ok(s) = item.cast::<PyString>() {
                out.add_name(&s.to_cow()?, None);
            } else if let Ok(t) = item.cast::<PyTuple>() {
                if t.len() != 2 {
                    return Err(errors::type_error(
                        "allow= pairs must be (object, 'module.name')",
                    ));
                }
                let obj = t.get_item(0)?;
                let name = t.get_item(1)?;
                let name = name.cast::<PyString>().map_err(|_| {
                    errors::type_error("allow= pairs must be (object, 'module.name')")
                })?;
                out.add_name(&name.to_cow()?, Some(obj.unbind()));
            } else {
                let module = item.getattr(intern!(item.py(), "__module__"))?;
                let qual = item.getattr(intern!(item.py(), "__qualname__"))?;
                let key = format!("{}.{}", module.str()?, qual.str()?);
                out.add_name(&key, Some(item.unbind()));
            }
        }
        Ok(out)
    }

    fn add_name(&mut self, name: &str, obj: Option<Py<PyAny>>) {
        if let Some(prefix) = name.strip_suffix('*') {
            self.prefixes.push(prefix.to_string());
        } else {
            self.names.insert(name.to_string(), obj);
        }
    }

    fn lookup(&self, key: &str) -> Option<Option<&Py<PyAny>>> {
        if let Some(v) = self.names.get(key) {
            return Some(v.as_ref());
        }
        if self.everything || self.prefixes.iter().any(|p| key.starts_with(p.as_str())) {
            return Some(None);
        }
        None
    }
}

/// How globals are resolved for one load.
pub struct Globals<'r, 'py> {
    pub allow: &'r Allow,
    /// A subclass's own `find_class` (called for every global, as `_pickle`
    /// does; the subclass then decides what is safe).
    pub find_class: Option<Bound<'py, PyAny>>,
    pub fix_imports: bool,
}

static SAFE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static SAFE_CACHE: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
static COMPAT: PyOnceLock<(Py<PyDict>, Py<PyDict>)> = PyOnceLock::new();

fn safe_module(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    Ok(SAFE
        .get_or_try_init(py, || {
            py.import("brinery._safe").map(|m| m.into_any().unbind())
        })?
        .bind(py))
}

/// True if `key` is in the default safe set (no import of the target).
pub fn is_safe_name(py: Python<'_>, key: &str) -> PyResult<bool> {
    let names = safe_module(py)?.getattr(intern!(py, "SAFE_NAMES"))?;
    names.contains(key)
}

fn safe_resolve<'py>(py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    let cache = SAFE_CACHE
        .get_or_init(py, || PyDict::new(py).unbind())
        .bind(py);
    if let Some(v) = cache.get_item(key)? {
        return Ok(v);
    }
    let v = safe_module(py)?.call_method1(intern!(py, "resolve"), (key,))?;
    cache.set_item(key, &v)?;
    Ok(v)
}

/// True if `obj` is one of the objects the safe set resolved to.
fn is_safe_object(py: Python<'_>, obj: &Bound<'_, PyAny>) -> bool {
    let Some(cache) = SAFE_CACHE.get(py) else {
        return false;
    };
    cache.bind(py).values().iter().any(|v| v.is(obj))
}

/// `_compat_pickle`'s mapping of Python 2 names, as `find_class` applies it.
pub fn map_py2_name(py: Python<'_>, module: &str, name: &str) -> PyResult<(String, String)> {
    let (names, imports) = COMPAT.get_or_try_init(py, || -> PyResult<_> {
        let m = py.import("_compat_pickle")?;
        let n = m.getattr("NAME_MAPPING")?.cast_into::<PyDict>()?.unbind();
        let i = m.getattr("IMPORT_MAPPING")?.cast_into::<PyDict>()?.unbind();
        Ok((n, i))
    })?;
    if let Some(v) = names.bind(py).get_item((module, name))? {
        let t = v.cast_into::<PyTuple>()?;
        return Ok((t.get_item(0)?.extract()?, t.get_item(1)?.extract()?));
    }
    if let Some(v) = imports.bind(py).get_item(module)? {
        return Ok((v.extract()?, name.to_string()));
    }
    Ok((module.to_string(), name.to_string()))
}

/// Import `module` and walk `name` (dotted when `dotted`), like
/// `_pickle`'s find_class.
pub fn import_global<'py>(
    py: Python<'py>,
    module: &str,
    name: &str,
    dotted: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let builtins = py.import("builtins")?;
    builtins.call_method1(intern!(py, "__import__"), (module,))?;
    let sys_modules = py.import("sys")?.getattr(intern!(py, "modules"))?;
    let m = sys_modules.get_item(module)?;
    if !dotted {
        return m.getattr(name);
    }
    let mut obj = m;
    for part in name.split('.') {
        if part == "<locals>" {
            return Err(pyo3::exceptions::PyAttributeError::new_err(format!(
                "Can't get local attribute {name:?} on {module:?}"
            )));
        }
        obj = obj.getattr(part).map_err(|_| {
            pyo3::exceptions::PyAttributeError::new_err(format!(
                "Can't get attribute {name:?} on <module {module:?}>"
            ))
        })?;
    }
    Ok(obj)
}

impl<'r, 'py> Globals<'r, 'py> {
    /// The object for `module`/`name` read at `offset` by `op`.
    pub fn resolve(
        &self,
        py: Python<'py>,
        module: &str,
        name: &str,
        proto: u8,
        offset: u64,
        op: Opcode,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(f) = &self.find_class {
            return f.call1((module, name));
        }
        self.check_and_import(py, module, name, proto, Some((offset, op)))
    }

    pub fn check_and_import(
        &self,
        py: Python<'py>,
        module: &str,
        name: &str,
        proto: u8,
        at: Option<(u64, Opcode)>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (module, name) = if proto < 3 && self.fix_imports {
            map_py2_name(py, module, name)?
        } else {
            (module.to_string(), name.to_string())
        };
        let key = format!("{module}.{name}");
        match self.allow.lookup(&key) {
            Some(Some(obj)) => return Ok(obj.bind(py).clone()),
            Some(None) => return import_global(py, &module, &name, proto >= 4),
            None => {}
        }
        if is_safe_name(py, &key)? {
            return safe_resolve(py, &key);
        }
        let (off, opname) = match at {
            Some((o, op)) => (Some(o), op.name()),
            None => (None, ""),
        };
        Err(errors::unsafe_global(py, &key, off, opname))
    }
}

/// Per-load hooks and options.
pub struct Ctx<'r, 'py> {
    pub globals: Globals<'r, 'py>,
    pub encoding: &'r str,
    pub errors: &'r str,
    pub persistent_load: Option<Bound<'py, PyAny>>,
    pub buffers: Option<Bound<'py, PyAny>>,
    pub max_memo_entries: Option<usize>,
    /// The `Unpickler` whose memo this is: lent back to it while
    /// `find_class`/`persistent_load` run (`Unpickler.memo` is live there).
    pub owner: Option<Bound<'py, crate::unpickler::Unpickler>>,
}

pub struct Decoder<'r, 'a, 'py> {
    py: Python<'py>,
    pub input: Input<'a, 'py>,
    stack: Vec<Bound<'py, PyAny>>,
    marks: Vec<usize>,
    memo: &'r mut Memo,
    pub proto: u8,
    ctx: Ctx<'r, 'py>,
    op_off: u64,
    op: Opcode,
    /// Items and bytes safe-set calls copied from their arguments in this
    /// load (see [`Decoder::refuse_amplifier`]).
    copied: std::cell::Cell<u64>,
}

/// Safe-set calls may copy at most this many items or bytes from their
/// arguments, plus twice the input read so far: enough for any pickle's own
/// reductions (each argument was built from the input), not for copying one
/// large memoized object again and again.
const COPY_SLACK: u64 = 1 << 16;

fn int_obj<'py>(py: Python<'py>, v: i64) -> PyResult<Bound<'py, PyAny>> {
    v.into_bound_py_any(py)
}

/// `int.from_bytes(b, 'little', signed=True)`.
fn long_from_le<'py>(py: Python<'py>, b: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    if b.is_empty() {
        return int_obj(py, 0);
    }
    if b.len() <= 8 {
        let mut buf = if b[b.len() - 1] & 0x80 != 0 {
            [0xffu8; 8]
        } else {
            [0u8; 8]
        };
        buf[..b.len()].copy_from_slice(b);
        return int_obj(py, i64::from_le_bytes(buf));
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item(intern!(py, "signed"), true)?;
    py.get_type::<pyo3::types::PyInt>().call_method(
        intern!(py, "from_bytes"),
        (PyBytes::new(py, b), intern!(py, "little")),
        Some(&kwargs),
    )
}

/// `bytes.decode(encoding)` ("utf-8" or "ascii", strict) of a text line:
/// the text, or Python's own UnicodeDecodeError.
fn strict_text(py: Python<'_>, b: &[u8], encoding: &str) -> PyResult<String> {
    let ok = if encoding == "ascii" {
        b.is_ascii()
    } else {
        std::str::from_utf8(b).is_ok()
    };
    if ok {
        return Ok(std::str::from_utf8(b).expect("checked").to_string());
    }
    PyBytes::new(py, b)
        .call_method1(intern!(py, "decode"), (encoding,))?
        .extract()
}

fn utf8_str<'py>(py: Python<'py>, b: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    // CPython validates while decoding; only lone surrogates (pickle's
    // "surrogatepass" UTF-8) take the slow path.
    match PyString::from_bytes(py, b) {
        Ok(s) => Ok(s.into_any()),
        Err(_) => PyBytes::new(py, b).call_method1(
            intern!(py, "decode"),
            (intern!(py, "utf-8"), intern!(py, "surrogatepass")),
        ),
    }
}

impl<'r, 'a, 'py> Decoder<'r, 'a, 'py> {
    pub fn new(
        py: Python<'py>,
        input: Input<'a, 'py>,
        memo: &'r mut Memo,
        ctx: Ctx<'r, 'py>,
    ) -> Self {
        Decoder {
            py,
            input,
            stack: Vec::new(),
            marks: Vec::new(),
            memo,
            proto: 0,
            ctx,
            op_off: 0,
            op: Opcode::Stop,
            copied: std::cell::Cell::new(0),
        }
    }

    /// `pickle.UnpicklingError` with `_pickle`'s message; where it happened
    /// is in the `offset` and `opcode` attributes and in a note.
    fn err(&self, msg: impl std::fmt::Display) -> PyErr {
        errors::with_position(
            self.py,
            errors::unpickling(self.py, msg.to_string()),
            self.op_off,
            self.op.name(),
        )
    }

    #[inline]
    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn underflow(&self) -> PyErr {
        if self.marks.is_empty() {
            self.err("unpickling stack underflow")
        } else {
            self.err("unexpected MARK found")
        }
    }

    #[inline]
    fn pop(&mut self) -> PyResult<Bound<'py, PyAny>> {
        if self.stack.len() <= self.fence() {
            return Err(self.underflow());
        }
        Ok(self.stack.pop().expect("checked above"))
    }

    #[inline]
    fn top(&self) -> PyResult<&Bound<'py, PyAny>> {
        if self.stack.len() <= self.fence() {
            return Err(self.underflow());
        }
        Ok(self.stack.last().expect("checked above"))
    }

    /// The mark of APPENDS/SETITEMS/ADDITEMS, checked as `_pickle` checks
    /// it; None when no item follows it (`_pickle` then looks at nothing,
    /// not even the target).
    fn items_mark(&mut self) -> PyResult<Option<usize>> {
        let m = self.pop_mark()?;
        if m <= self.fence() || m > self.stack.len() {
            return Err(self.underflow());
        }
        Ok((self.stack.len() != m).then_some(m))
    }

    fn pop_mark(&mut self) -> PyResult<usize> {
        self.marks
            .pop()
            .ok_or_else(|| self.err("could not find MARK"))
    }

    fn pop_tuple_from(&mut self, start: usize) -> PyResult<Bound<'py, PyTuple>> {
        let t = PyTuple::new(self.py, self.stack.drain(start..))?;
        Ok(t)
    }

    fn pop_tuple_n(&mut self, n: usize) -> PyResult<Bound<'py, PyAny>> {
        if self.stack.len() < self.fence() + n {
            return Err(self.underflow());
        }
        let start = self.stack.len() - n;
        Ok(self.pop_tuple_from(start)?.into_any())
    }

    /// A text argument without its newline; `min` counts the newline
    /// (`_pickle`: 2 for numbers and names, 1 for strings).
    fn line_min(&mut self, min: usize) -> PyResult<&[u8]> {
        let py = self.py;
        let line = self.input.readline(py)?;
        match line.strip_suffix(b"\n") {
            Some(text) if line.len() >= min => Ok(text),
            _ => Err(errors::unpickling(py, "pickle data was truncated")),
        }
    }

    fn line(&mut self) -> PyResult<&[u8]> {
        self.line_min(2)
    }

    /// A number argument with its newline (at least one byte before it),
    /// as `_pickle` hands it to `strtol`/`PyLong_FromString`.
    fn line_with_newline(&mut self) -> PyResult<&[u8]> {
        let py = self.py;
        let line = self.input.readline(py)?;
        if line.len() >= 2 && line.ends_with(b"\n") {
            Ok(line)
        } else {
            Err(errors::unpickling(py, "pickle data was truncated"))
        }
    }

    fn decode_text(&self, b: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        if self.ctx.encoding == "bytes" {
            return Ok(PyBytes::new(py, b).into_any());
        }
        if self.ctx.encoding.eq_ignore_ascii_case("ascii")
            && self.ctx.errors == "strict"
            && b.is_ascii()
        {
            let s = std::str::from_utf8(b).expect("ascii");
            return Ok(PyString::new(py, s).into_any());
        }
        PyBytes::new(py, b)
            .call_method1(intern!(py, "decode"), (self.ctx.encoding, self.ctx.errors))
    }

    fn memo_get(&self, idx: u64) -> PyResult<Bound<'py, PyAny>> {
        self.memo
            .get(self.py, idx)
            .ok_or_else(|| self.err(format_args!("Memo value not found at index {idx}")))
    }

    fn memo_put(&mut self, idx: u64) -> PyResult<()> {
        let top = self.top()?.clone().unbind();
        self.memo.put(idx, top);
        if let Some(max) = self.ctx.max_memo_entries {
            if self.memo.len > max {
                return Err(self.err(format_args!("memo exceeds max_memo_entries={max}")));
            }
        }
        Ok(())
    }

    fn global(&mut self, module: &str, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let ctx = &self.ctx;
        let (py, proto, off, op) = (self.py, self.proto, self.op_off, self.op);
        crate::memo::lend(ctx.owner.as_ref(), self.memo, || {
            ctx.globals.resolve(py, module, name, proto, off, op)
        })
    }

    /// Decode one pickle (up to STOP) and return its object.
    pub fn load(&mut self) -> PyResult<Bound<'py, PyAny>> {
        self.stack.clear();
        self.marks.clear();
        self.proto = 0;
        let py = self.py;
        loop {
            self.run_fast()?;
            self.op_off = self.input.offset();
            let b = match self.input.byte(py)? {
                Some(b) => b,
                None => return Err(errors::eof("Ran out of input")),
            };
            let Some(op) = Opcode::from_byte(b) else {
                let shown = if (0x20..=0x7e).contains(&b) && b != b'\'' && b != b'\\' {
                    (b as char).to_string()
                } else {
                    format!("\\x{b:02x}")
                };
                return Err(errors::with_position(
                    py,
                    errors::unpickling(py, format!("invalid load key, '{shown}'.")),
                    self.op_off,
                    "",
                ));
            };
            self.op = op;
            if op == Opcode::Stop {
                return self.pop();
            }
            self.step(op)?;
        }
    }

    #[inline]
    fn step(&mut self, op: Opcode) -> PyResult<()> {
        let py = self.py;
        match op {
            Opcode::BinInt1 => {
                let [b] = self.input.read_array::<1>(py)?;
                self.stack.push(int_obj(py, b as i64)?);
            }
            Opcode::BinInt2 => {
                let b = self.input.read_array::<2>(py)?;
                self.stack.push(int_obj(py, u16::from_le_bytes(b) as i64)?);
            }
            Opcode::BinInt => {
                let b = self.input.read_array::<4>(py)?;
                self.stack.push(int_obj(py, i32::from_le_bytes(b) as i64)?);
            }
            Opcode::ShortBinUnicode | Opcode::BinUnicode | Opcode::BinUnicode8 => {
                let s = self.counted(op)?;
                let o = utf8_str(py, s)?;
                self.stack.push(o);
            }
            Opcode::BinFloat => {
                let b = self.input.read_array::<8>(py)?;
                self.stack
                    .push(PyFloat::new(py, f64::from_be_bytes(b)).into_any());
            }
            Opcode::Memoize => {
                let idx = self.memo.len as u64;
                self.memo_put(idx)?;
            }
            Opcode::BinPut => {
                let [i] = self.input.read_array::<1>(py)?;
                self.memo_put(i as u64)?;
            }
            Opcode::LongBinPut => {
                // Unsigned, as `_pickle` reads it (`calc_binsize`): never
                // negative on a 64-bit build.
                let i = u32::from_le_bytes(self.input.read_array::<4>(py)?);
                self.memo_put(i as u64)?;
            }
            Opcode::BinGet => {
                let [i] = self.input.read_array::<1>(py)?;
                let o = self.memo_get(i as u64)?;
                self.stack.push(o);
            }
            Opcode::LongBinGet => {
                let i = u32::from_le_bytes(self.input.read_array::<4>(py)?);
                let o = self.memo_get(i as u64)?;
                self.stack.push(o);
            }
            Opcode::EmptyDict => self.stack.push(PyDict::new(py).into_any()),
            Opcode::EmptyList => self.stack.push(PyList::empty(py).into_any()),
            Opcode::EmptyTuple => self.stack.push(PyTuple::empty(py).into_any()),
            Opcode::Mark => self.marks.push(self.stack.len()),
            Opcode::SetItem => {
                let v = self.pop()?;
                let k = self.pop()?;
                let d = self.top()?.clone();
                self.set_items(&d, &[k, v])?;
            }
            Opcode::SetItems => {
                let Some(m) = self.items_mark()? else {
                    return Ok(());
                };
                if (self.stack.len() - m) % 2 != 0 {
                    return Err(self.err("odd number of items for SETITEMS"));
                }
                let d = self.stack[m - 1].clone();
                self.set_items(&d, &self.stack[m..])?;
                self.stack.truncate(m);
            }
            Opcode::Append => {
                let v = self.pop()?;
                let l = self.top()?.clone();
                self.append_items(&l, vec![v])?;
            }
            Opcode::Appends => {
                let Some(m) = self.items_mark()? else {
                    return Ok(());
                };
                let l = self.stack[m - 1].clone();
                if let Ok(list) = l.cast_exact::<PyList>() {
                    // One slice assignment of a list that owns the items
                    // (no refcount call per item), as `_pickle`'s.
                    let items = PyList::new(py, self.stack.drain(m..))?;
                    let n = list.len();
                    list.set_slice(n, n, items.as_any())?;
                } else {
                    let items: Vec<_> = self.stack.drain(m..).collect();
                    self.append_items(&l, items)?;
                }
            }
            Opcode::Tuple1 => {
                let t = self.pop_tuple_n(1)?;
                self.stack.push(t);
            }
            Opcode::Tuple2 => {
                let t = self.pop_tuple_n(2)?;
                self.stack.push(t);
            }
            Opcode::Tuple3 => {
                let t = self.pop_tuple_n(3)?;
                self.stack.push(t);
            }
            Opcode::NewTrue => self
                .stack
                .push(pyo3::types::PyBool::new(py, true).to_owned().into_any()),
            Opcode::NewFalse => self
                .stack
                .push(pyo3::types::PyBool::new(py, false).to_owned().into_any()),
            Opcode::None => self.stack.push(py.None().into_bound(py)),
            Opcode::Frame => {
                let n = u64::from_le_bytes(self.input.read_array::<8>(py)?);
                if n > isize::MAX as u64 {
                    return Err(self.err(format_args!(
                        "FRAME length exceeds system's maximum of {} bytes",
                        isize::MAX
                    )));
                }
                // Make the frame's bytes available (one read from a file),
                // then keep decoding from them.
                let here = self.input.offset();
                self.input.read(py, n as usize)?;
                self.input_rewind(here)?;
            }
            _ => self.step_cold(op)?,
        }
        Ok(())
    }

    fn input_rewind(&mut self, to: u64) -> PyResult<()> {
        self.input.rewind_to(to);
        Ok(())
    }

    fn set_items(&self, d: &Bound<'py, PyAny>, items: &[Bound<'py, PyAny>]) -> PyResult<()> {
        if let Ok(dict) = d.cast_exact::<PyDict>() {
            for kv in items.chunks_exact(2) {
                dict.set_item(&kv[0], &kv[1])?;
            }
        } else {
            self.untrusted_mutation(d)?;
            for kv in items.chunks_exact(2) {
                d.set_item(&kv[0], &kv[1])?;
            }
        }
        Ok(())
    }

    fn append_items(&self, l: &Bound<'py, PyAny>, items: Vec<Bound<'py, PyAny>>) -> PyResult<()> {
        let py = self.py;
        if let Ok(list) = l.cast_exact::<PyList>() {
            for v in items {
                list.append(v)?;
            }
            return Ok(());
        }
        if items.is_empty() {
            return Ok(()); // nothing to append: `_pickle` looks at nothing
        }
        self.untrusted_mutation(l)?;
        if let Some(extend) = l.getattr_opt(intern!(py, "extend"))? {
            extend.call1((PyList::new(py, items)?,))?;
        } else {
            let append = l.getattr(intern!(py, "append"))?;
            for v in items {
                append.call1((v,))?;
            }
        }
        Ok(())
    }

    /// APPENDS/SETITEMS/ADDITEMS/BUILD on a class or function of the safe
    /// set would change process-wide state (e.g. replace a method of
    /// `fractions.Fraction`): refused. Objects from `allow=` are the
    /// caller's responsibility and behave as with `_pickle`.
    fn untrusted_mutation(&self, target: &Bound<'py, PyAny>) -> PyResult<()> {
        if !(target.is_instance_of::<PyType>() || target.is_callable()) {
            return Ok(());
        }
        if !is_safe_object(self.py, target) {
            return Ok(());
        }
        let what = target
            .repr()
            .map(|r| r.to_string())
            .unwrap_or_else(|_| "a callable".into());
        Err(errors::unpickling(
            self.py,
            format!(
                "refusing to modify {what} (a class or function of the safe set) \
                 (at byte offset {}, {})",
                self.op_off,
                self.op.name()
            ),
        ))
    }

    #[cold]
    fn step_cold(&mut self, op: Opcode) -> PyResult<()> {
        let py = self.py;
        match op {
            Opcode::Proto => {
                let [p] = self.input.read_array::<1>(py)?;
                if p > brinery::HIGHEST_PROTOCOL {
                    return Err(errors::value_error(format!(
                        "unsupported pickle protocol: {p}"
                    )));
                }
                self.proto = p;
            }
            Opcode::Int => {
                let line = self.line_with_newline()?;
                let o = text::load_int(py, line)?;
                self.stack.push(o);
            }
            Opcode::Long => {
                let line = self.line_with_newline()?;
                let o = text::load_long(py, line)?;
                self.stack.push(o);
            }
            Opcode::Long1 => {
                let [n] = self.input.read_array::<1>(py)?;
                let b = self.input.read(py, n as usize)?;
                let o = long_from_le(py, b)?;
                self.stack.push(o);
            }
            Opcode::Long4 => {
                let n = i32::from_le_bytes(self.input.read_array::<4>(py)?);
                if n < 0 {
                    return Err(self.err("LONG pickle has negative byte count"));
                }
                let b = self.input.read(py, n as usize)?;
                let o = long_from_le(py, b)?;
                self.stack.push(o);
            }
            Opcode::Float => {
                let line = self.line_with_newline()?;
                let v = text::load_float(line)?;
                self.stack.push(PyFloat::new(py, v).into_any());
            }
            Opcode::String => {
                let line = self.line_min(1)?.to_vec();
                let n = line.len();
                let ok = n >= 2 && line[0] == line[n - 1] && (line[0] == b'\'' || line[0] == b'"');
                if !ok {
                    return Err(self.err("the STRING opcode argument must be quoted"));
                }
                let esc = &line[1..n - 1];
                let codecs = py.import("codecs")?;
                let decoded = codecs
                    .call_method1(intern!(py, "escape_decode"), (PyBytes::new(py, esc),))?
                    .get_item(0)?;
                let b = decoded.cast_into::<PyBytes>()?;
                let o = self.decode_text(b.as_bytes())?;
                self.stack.push(o);
            }
            Opcode::BinString | Opcode::ShortBinString => {
                let b = self.counted(op)?.to_vec();
                let o = self.decode_text(&b)?;
                self.stack.push(o);
            }
            Opcode::BinBytes | Opcode::ShortBinBytes | Opcode::BinBytes8 => {
                let o = PyBytes::new(py, self.counted(op)?).into_any();
                self.stack.push(o);
            }
            Opcode::ByteArray8 => {
                let o = PyByteArray::new(py, self.counted(op)?).into_any();
                self.stack.push(o);
            }
            Opcode::NextBuffer => {
                let Some(it) = &self.ctx.buffers else {
                    return Err(self.err(
                        "pickle stream refers to out-of-band data but no *buffers* argument was given",
                    ));
                };
                let b = match it.call_method0(intern!(py, "__next__")) {
                    Ok(b) => b,
                    Err(e) if e.is_instance_of::<PyStopIteration>(py) => {
                        return Err(self.err("not enough out-of-band buffers"))
                    }
                    Err(e) => return Err(e),
                };
                self.stack.push(b);
            }
            Opcode::ReadonlyBuffer => {
                let top = self.top()?.clone();
                let mv = py
                    .import("builtins")?
                    .getattr(intern!(py, "memoryview"))?
                    .call1((top,))?;
                if !mv.getattr(intern!(py, "readonly"))?.is_truthy()? {
                    let ro = mv.call_method0(intern!(py, "toreadonly"))?;
                    *self.stack.last_mut().expect("top checked") = ro;
                }
            }
            Opcode::Unicode => {
                let line = self.line_min(1)?.to_vec();
                let o = PyBytes::new(py, &line)
                    .call_method1(intern!(py, "decode"), (intern!(py, "raw-unicode-escape"),))?;
                self.stack.push(o);
            }
            Opcode::List => {
                let m = self.pop_mark()?;
                let l = PyList::new(py, self.stack.drain(m..))?;
                self.stack.push(l.into_any());
            }
            Opcode::Tuple => {
                let m = self.pop_mark()?;
                let t = self.pop_tuple_from(m)?;
                self.stack.push(t.into_any());
            }
            Opcode::Dict => {
                let m = self.pop_mark()?;
                if (self.stack.len() - m) % 2 != 0 {
                    return Err(self.err("odd number of items for DICT"));
                }
                let d = PyDict::new(py);
                for kv in self.stack[m..].chunks_exact(2) {
                    d.set_item(&kv[0], &kv[1])?;
                }
                self.stack.truncate(m);
                self.stack.push(d.into_any());
            }
            Opcode::EmptySet => self.stack.push(PySet::empty(py)?.into_any()),
            Opcode::AddItems => {
                let Some(m) = self.items_mark()? else {
                    return Ok(());
                };
                let items: Vec<_> = self.stack.drain(m..).collect();
                let s = self.stack[m - 1].clone();
                // `PySet_Check`: set subclasses too, as `_pickle`.
                if let Ok(set) = s.cast::<PySet>() {
                    for v in items {
                        set.add(v)?;
                    }
                } else {
                    self.untrusted_mutation(&s)?;
                    let add = s.getattr(intern!(py, "add"))?;
                    for v in items {
                        add.call1((v,))?;
                    }
                }
            }
            Opcode::FrozenSet => {
                let m = self.pop_mark()?;
                let f = PyFrozenSet::new(py, self.stack.drain(m..))?;
                self.stack.push(f.into_any());
            }
            Opcode::Pop => {
                if let Some(&m) = self.marks.last() {
                    if m == self.stack.len() {
                        self.marks.pop();
                        return Ok(());
                    }
                }
                self.pop()?;
            }
            Opcode::Dup => {
                let t = self.top()?.clone();
                self.stack.push(t);
            }
            Opcode::PopMark => {
                let m = self.pop_mark()?;
                self.stack.truncate(m);
            }
            Opcode::Get => {
                let line = self.line_with_newline()?;
                let idx = text::memo_index(py, line)?;
                if idx < 0 {
                    return Err(self.err(format_args!("Memo value not found at index {idx}")));
                }
                let o = self.memo_get(idx as u64)?;
                self.stack.push(o);
            }
            Opcode::Put => {
                // `_pickle` checks the stack before it reads the index.
                let line = self.line_with_newline()?.to_vec();
                self.top()?;
                let idx = text::memo_index(py, &line)?;
                if idx < 0 {
                    return Err(errors::value_error("negative PUT argument"));
                }
                self.memo_put(idx as u64)?;
            }
            Opcode::Ext1 | Opcode::Ext2 | Opcode::Ext4 => {
                let code: i64 = match op {
                    Opcode::Ext1 => self.input.read_array::<1>(py)?[0] as i64,
                    Opcode::Ext2 => u16::from_le_bytes(self.input.read_array::<2>(py)?) as i64,
                    _ => i32::from_le_bytes(self.input.read_array::<4>(py)?) as i64,
                };
                let o = self.extension(code)?;
                self.stack.push(o);
            }
            Opcode::Global => {
                // Each line decoded as it is read, strictly (`_pickle`: a
                // lone surrogate is a UnicodeDecodeError here).
                let module = self.line()?.to_vec();
                let module = strict_text(py, &module, "utf-8")?;
                let name = self.line()?.to_vec();
                let name = strict_text(py, &name, "utf-8")?;
                let o = self.global(&module, &name)?;
                self.stack.push(o);
            }
            Opcode::StackGlobal => {
                let name = self.pop()?;
                let module = self.pop()?;
                let (Ok(name), Ok(module)) = (name.cast::<PyString>(), module.cast::<PyString>())
                else {
                    return Err(self.err("STACK_GLOBAL requires str"));
                };
                let (name, module) = (name.to_cow()?.into_owned(), module.to_cow()?.into_owned());
                let o = self.global(&module, &name)?;
                self.stack.push(o);
            }
            Opcode::Reduce => {
                let args = self.pop()?;
                let f = self.pop()?;
                let Ok(args) = args.cast::<PyTuple>() else {
                    return Err(errors::type_error(format!(
                        "argument list must be a tuple, not {}",
                        args.get_type().name()?
                    )));
                };
                self.refuse_array_call(&f)?;
                self.refuse_amplifier(&f, args)?;
                let o = f.call1(args.clone())?;
                self.stack.push(o);
            }
            Opcode::Build => {
                let state = self.pop()?;
                let inst = self.top()?.clone();
                self.build(&inst, state)?;
            }
            Opcode::Inst => {
                let m = self.pop_mark()?;
                // ASCII, strictly, as `_pickle` decodes INST's lines.
                let module = self.line()?.to_vec();
                let module = strict_text(py, &module, "ascii")?;
                let name = self.line()?.to_vec();
                let name = strict_text(py, &name, "ascii")?;
                let cls = self.global(&module, &name)?;
                let args = self.pop_tuple_from(m)?;
                let o = self.instantiate(&cls, &args)?;
                self.stack.push(o);
            }
            Opcode::Obj => {
                let m = self.pop_mark()?;
                if self.stack.len() <= m {
                    return Err(self.underflow());
                }
                let args = self.pop_tuple_from(m + 1)?;
                let cls = self.stack.pop().expect("checked");
                let o = self.instantiate(&cls, &args)?;
                self.stack.push(o);
            }
            Opcode::NewObj => {
                let args = self.pop()?;
                let cls = self.pop()?;
                let o = self.newobj(&cls, &args, None, "NEWOBJ")?;
                self.stack.push(o);
            }
            Opcode::NewObjEx => {
                let kwargs = self.pop()?;
                let args = self.pop()?;
                let cls = self.pop()?;
                let o = self.newobj(&cls, &args, Some(&kwargs), "NEWOBJ_EX")?;
                self.stack.push(o);
            }
            Opcode::PersId => {
                let line = self.line_min(1)?.to_vec();
                if !line.is_ascii() {
                    return Err(self.err("persistent IDs in protocol 0 must be ASCII strings"));
                }
                let pid = PyString::new(py, std::str::from_utf8(&line).expect("ascii"));
                let o = self.persistent(pid.into_any())?;
                self.stack.push(o);
            }
            Opcode::BinPersId => {
                let pid = self.pop()?;
                let o = self.persistent(pid)?;
                self.stack.push(o);
            }
            // Hot opcodes are handled in `step`.
            _ => {
                return Err(self.err(format_args!("unexpected opcode {}", op.name())));
            }
        }
        Ok(())
    }

    /// The counted argument of `op`: its length field as the opcode table
    /// frames it, then that many bytes; `_pickle`'s errors for a negative
    /// or oversized length.
    fn counted(&mut self, op: Opcode) -> PyResult<&[u8]> {
        let py = self.py;
        let ArgLayout::Counted { width, signed } = op.arg().layout() else {
            return Err(self.err(format_args!("{} has no counted argument", op.name())));
        };
        let n = match width {
            1 => self.input.read_array::<1>(py)?[0] as usize,
            4 if signed => {
                let n = i32::from_le_bytes(self.input.read_array::<4>(py)?);
                if n < 0 {
                    return Err(
                        self.err(format_args!("{} pickle has negative byte count", op.name()))
                    );
                }
                n as usize
            }
            4 => u32::from_le_bytes(self.input.read_array::<4>(py)?) as usize,
            _ => self.read_size8(op.name())?,
        };
        self.input.read(py, n)
    }

    fn read_size8(&mut self, what: &str) -> PyResult<usize> {
        let n = u64::from_le_bytes(self.input.read_array::<8>(self.py)?);
        if n > isize::MAX as u64 {
            return Err(self.err(format_args!(
                "{what} exceeds system's maximum size of {} bytes",
                isize::MAX
            )));
        }
        Ok(n as usize)
    }

    fn extension(&mut self, code: i64) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        if code <= 0 {
            return Err(self.err("EXT specifies code <= 0"));
        }
        let copyreg = py.import("copyreg")?;
        let cache = copyreg.getattr(intern!(py, "_extension_cache"))?;
        if let Some(o) = cache.cast::<PyDict>()?.get_item(code)? {
            return Ok(o);
        }
        let inv = copyreg.getattr(intern!(py, "_inverted_registry"))?;
        let pair = inv
            .cast::<PyDict>()?
            .get_item(code)?
            .filter(|p| !p.is_none());
        let Some(pair) = pair else {
            return Err(errors::value_error(format!(
                "unregistered extension code {code}"
            )));
        };
        let bad = || {
            errors::value_error(format!(
                "_inverted_registry[{code}] isn't a 2-tuple of strings"
            ))
        };
        let pair = pair.cast_into::<PyTuple>().map_err(|_| bad())?;
        if pair.len() != 2 {
            return Err(bad());
        }
        let module: String = pair.get_item(0)?.extract()?;
        let name: String = pair.get_item(1)?.extract()?;
        let o = self.global(&module, &name)?;
        cache.set_item(code, &o)?;
        Ok(o)
    }

    /// Calling `numpy.ndarray` itself (REDUCE, NEWOBJ, OBJ, INST) allocates
    /// what its shape argument claims, not what the pickle holds; numpy's
    /// pickles never do it (they call `_reconstruct` with an empty shape
    /// and give the data to `__setstate__`). Refused unless allowed.
    fn refuse_array_call(&self, f: &Bound<'py, PyAny>) -> PyResult<()> {
        let py = self.py;
        if !f.is_instance_of::<PyType>() {
            return Ok(());
        }
        let Some(cache) = SAFE_CACHE.get(py) else {
            return Ok(());
        };
        let Some(nd) = cache.bind(py).get_item("numpy.ndarray")? else {
            return Ok(());
        };
        if !f.is(&nd) || self.ctx.globals.allow.lookup("numpy.ndarray").is_some() {
            return Ok(());
        }
        Err(self.err(
            "refusing to call numpy.ndarray directly: it would allocate what the \
             pickle's shape claims (numpy's pickles call _reconstruct); pass \
             allow=['numpy.ndarray'] to trust it",
        ))
    }

    /// A call of a safe-set class that would allocate what an argument
    /// claims rather than what the pickle holds: `bytes(n)`/`bytearray(n)`
    /// with an int (pickle never writes it), or any safe-set call given a
    /// `range` of more than 2^20 items (`list(range(10**9))`). Refused
    /// unless the class is trusted with `allow=`.
    fn refuse_amplifier(&self, f: &Bound<'py, PyAny>, args: &Bound<'py, PyTuple>) -> PyResult<()> {
        let py = self.py;
        if args.is_empty() || self.ctx.globals.allow.everything {
            return Ok(());
        }
        let Some(cache) = SAFE_CACHE.get(py) else {
            return Ok(());
        };
        // The safe-set name `f` was resolved from; a class trusted with
        // `allow=` behaves as with `_pickle`.
        let mut key = None;
        for (k, v) in cache.bind(py).iter() {
            if v.is(f) {
                key = Some(k.extract::<String>()?);
                break;
            }
        }
        let Some(key) = key else {
            return Ok(());
        };
        if self.ctx.globals.allow.lookup(&key).is_some() {
            return Ok(());
        }
        if (key == "builtins.bytes" || key == "builtins.bytearray")
            && args.get_item(0)?.is_instance_of::<pyo3::types::PyInt>()
        {
            return Err(self.err(format_args!(
                "refusing {key}(int): it would allocate what the pickle claims, \
                 not what it holds; pass allow=['{key}'] to trust it"
            )));
        }
        // The copy budget: `bytearray(memo[big])` repeated would otherwise
        // allocate a copy of `big` per six bytes of pickle.
        let mut copied = self.copied.get();
        for a in args.iter() {
            if let Ok(n) = a.len() {
                copied = copied.saturating_add(n as u64);
            }
        }
        self.copied.set(copied);
        if copied > 2 * self.input.offset() + COPY_SLACK {
            return Err(self.err(format_args!(
                "refusing a call of a safe-set class: the calls of this load would copy \
                 {copied} items or bytes from {} bytes of pickle (it would allocate what \
                 the pickle claims, not what it holds)",
                self.input.offset()
            )));
        }
        for a in args.iter() {
            if let Ok(r) = a.cast::<pyo3::types::PyRange>() {
                if !f.is(r.get_type()) && r.len()? > 1 << 20 {
                    return Err(self.err(format_args!(
                        "refusing a call of a safe-set class with a range of {} items: \
                         it would allocate what the pickle claims, not what it holds",
                        r.len()?
                    )));
                }
            }
        }
        Ok(())
    }

    fn instantiate(
        &self,
        cls: &Bound<'py, PyAny>,
        args: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        self.refuse_array_call(cls)?;
        self.refuse_amplifier(cls, args)?;
        if args.is_empty()
            && cls.is_instance_of::<PyType>()
            && cls.getattr_opt(intern!(py, "__getinitargs__"))?.is_none()
        {
            return cls.call_method1(intern!(py, "__new__"), (cls,));
        }
        cls.call1(args.clone())
    }

    fn newobj(
        &self,
        cls: &Bound<'py, PyAny>,
        args: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyAny>>,
        what: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        self.refuse_array_call(cls)?;
        if !cls.is_instance_of::<PyType>() {
            return Err(self.err(format_args!(
                "{what} class argument must be a type, not {}",
                cls.get_type().name()?
            )));
        }
        let Ok(args) = args.cast::<PyTuple>() else {
            return Err(self.err(format_args!(
                "{what} args argument must be a tuple, not {}",
                args.get_type().name()?
            )));
        };
        self.refuse_amplifier(cls, args)?;
        let kw = match kwargs {
            Some(k) => match k.cast::<PyDict>() {
                Ok(d) => Some(d.clone()),
                Err(_) => {
                    return Err(self.err(format_args!(
                        "{what} kwargs argument must be a dict, not {}",
                        k.get_type().name()?
                    )))
                }
            },
            None => None,
        };
        let new = cls.getattr(intern!(py, "__new__"))?;
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(cls.clone());
        all.extend(args.iter());
        new.call(PyTuple::new(py, all)?, kw.as_ref())
    }

    fn build(&self, inst: &Bound<'py, PyAny>, state: Bound<'py, PyAny>) -> PyResult<()> {
        let py = self.py;
        self.untrusted_mutation(inst)?;
        let allow = self.ctx.globals.allow;
        let (trust_dtype, trust_array) = (
            allow.lookup("numpy.dtype").is_some(),
            allow.lookup("numpy.ndarray").is_some(),
        );
        if !(trust_dtype && trust_array) {
            if let Some((what, why)) =
                numpy_state::refused_numpy_state(py, inst, &state, trust_dtype, trust_array)?
            {
                let class = if what == "dtype" { "dtype" } else { "ndarray" };
                return Err(self.err(format_args!(
                    "refusing a numpy {what} state ({why}); numpy would trust it: \
                     pass allow=['numpy.{class}'] to trust the pickle with it"
                )));
            }
        }
        if let Some(setstate) = inst.getattr_opt(intern!(py, "__setstate__"))? {
            setstate.call1((state,))?;
            return Ok(());
        }
        let (state, slotstate) = match state.cast::<PyTuple>() {
            Ok(t) if t.len() == 2 => (t.get_item(0)?, Some(t.get_item(1)?)),
            _ => (state, None),
        };
        if !state.is_none() {
            let Ok(d) = state.cast::<PyDict>() else {
                return Err(self.err("state is not a dictionary"));
            };
            let inst_dict = inst.getattr(intern!(py, "__dict__"))?;
            for (k, v) in d.iter() {
                let k = match k.cast::<PyString>() {
                    Ok(s) if s.is_exact_instance_of::<PyString>() => {
                        PyString::intern(py, &s.to_cow()?).into_any()
                    }
                    _ => k,
                };
                inst_dict.set_item(k, v)?;
            }
        }
        if let Some(slot) = slotstate {
            if !slot.is_none() {
                let Ok(d) = slot.cast::<PyDict>() else {
                    return Err(self.err("slot state is not a dictionary"));
                };
                for (k, v) in d.iter() {
                    let k = k.cast_into::<PyString>().map_err(|e| {
                        errors::type_error(format!(
                            "attribute name must be string, not '{}'",
                            e.into_inner()
                                .get_type()
                                .name()
                                .map(|n| n.to_string())
                                .unwrap_or_default()
                        ))
                    })?;
                    inst.setattr(k, v)?;
                }
            }
        }
        Ok(())
    }

    fn persistent(&mut self, pid: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        match &self.ctx.persistent_load {
            Some(f) => crate::memo::lend(self.ctx.owner.as_ref(), self.memo, || f.call1((pid,))),
            None => Err(self.err(
                "A load persistent id instruction was encountered, but no persistent_load function was specified.",
            )),
        }
    }
}
