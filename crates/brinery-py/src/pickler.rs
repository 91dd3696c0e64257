//! `brinery.Pickler`, `brinery.dumps` and `brinery.dump`: CPython's
//! `_pickle` save logic, byte for byte (memo, framing, batching, reducer
//! protocol, copyreg dispatch table, extension registry, persistent ids,
//! `reducer_override`, out-of-band buffers). Opcode bytes come from the
//! core's `brinery::Opcode` table.
//!
//! The core crate's writer works on its value graph, not on live Python
//! objects, so the framing logic is reimplemented here (same rules as the
//! core's and CPython's: 64 KiB target, frames under 4 bytes dropped).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use brinery::Opcode;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyFunction, PyInt, PyList, PySet,
    PyString, PyTuple, PyType,
};
use pyo3::{intern, PyTypeInfo};

use crate::errors;
use crate::ffi;
use crate::memo::{self, MemoTable, PicklerMemoProxy};

const FRAME_SIZE_MIN: usize = 4;
const FRAME_SIZE_TARGET: usize = 64 * 1024;
const FRAME_HEADER_SIZE: usize = 9;
const BATCHSIZE: usize = 1000;
/// Native recursion is bounded whatever `sys.getrecursionlimit()` says.
const MAX_DEPTH: usize = 3000;
/// `_pickle`'s `FAST_NESTING_LIMIT`: in fast mode, containers nested
/// deeper than this are checked for cycles.
const FAST_NESTING_LIMIT: usize = 50;

struct Shared {
    dispatch_table: Py<PyDict>,
    extension_registry: Py<PyDict>,
    codecs_encode: Py<PyAny>,
    getattr: Py<PyAny>,
    partial: Py<PyAny>,
    reverse_name_mapping: Py<PyDict>,
    reverse_import_mapping: Py<PyDict>,
    pickle_buffer: Py<PyAny>,
    default_protocol: u8,
    /// One shared `"latin1"` string, as `_pickle` uses (memoized once).
    latin1: Py<PyString>,
}

static SHARED: PyOnceLock<Shared> = PyOnceLock::new();

/// A module's dict attribute (`copyreg.dispatch_table`...).
fn dict_attr(module: &Bound<'_, PyModule>, name: &str) -> PyResult<Py<PyDict>> {
    Ok(module.getattr(name)?.cast_into::<PyDict>()?.unbind())
}

fn shared(py: Python<'_>) -> PyResult<&Shared> {
    SHARED.get_or_try_init(py, || -> PyResult<Shared> {
        let copyreg = py.import("copyreg")?;
        let compat = py.import("_compat_pickle")?;
        let pickle = py.import("pickle")?;
        Ok(Shared {
            dispatch_table: dict_attr(&copyreg, "dispatch_table")?,
            extension_registry: dict_attr(&copyreg, "_extension_registry")?,
            codecs_encode: py.import("_codecs")?.getattr("encode")?.unbind(),
            getattr: py.import("builtins")?.getattr("getattr")?.unbind(),
            partial: py.import("functools")?.getattr("partial")?.unbind(),
            reverse_name_mapping: dict_attr(&compat, "REVERSE_NAME_MAPPING")?,
            reverse_import_mapping: dict_attr(&compat, "REVERSE_IMPORT_MAPPING")?,
            pickle_buffer: pickle.getattr("PickleBuffer")?.unbind(),
            default_protocol: pickle.getattr("DEFAULT_PROTOCOL")?.extract()?,
            latin1: PyString::intern(py, "latin1").unbind(),
        })
    })
}

/// The pickler's memo: `id(obj)` to its index; the objects are kept alive
/// (in `objs`) so an id cannot be reused while the memo lives. Entries are
/// 16 bytes (address, index, position in `objs`): growing the table moves
/// little.
#[derive(Default)]
pub struct PMemo {
    map: HashMap<usize, (u32, u32), BuildHasherDefault<PtrHasher>>,
    objs: Vec<Py<PyAny>>,
}

impl PMemo {
    fn len(&self) -> usize {
        self.map.len()
    }

    #[inline]
    fn get(&self, obj: &Bound<'_, PyAny>) -> Option<u32> {
        self.map.get(&key(obj)).map(|e| e.0)
    }

    /// Memoize `obj` at `idx` (replacing an entry for the same object).
    #[inline]
    fn insert(&mut self, obj: &Bound<'_, PyAny>, idx: u32) {
        match self.map.entry(key(obj)) {
            std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().0 = idx,
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert((idx, self.objs.len() as u32));
                self.objs.push(obj.clone().unbind());
            }
        }
    }

    /// `(id, index, object)` of every entry.
    fn entries(&self) -> impl Iterator<Item = (usize, u32, &Py<PyAny>)> {
        self.map
            .iter()
            .map(|(k, &(idx, at))| (*k, idx, &self.objs[at as usize]))
    }

    /// Drop every entry (a direct decref each, the GIL being held).
    fn clear_with(&mut self, py: Python<'_>) {
        self.map.clear();
        for o in self.objs.drain(..) {
            o.drop_ref(py);
        }
    }
}

impl MemoTable for PMemo {
    /// `{id(obj): (index, obj)}` entries.
    fn view<'py>(&self, py: Python<'py>) -> PyResult<Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
        self.entries()
            .map(|(k, idx, obj)| {
                let v = PyTuple::new(
                    py,
                    [idx.into_pyobject(py)?.into_any(), obj.bind(py).clone()],
                )?;
                Ok((k.into_pyobject(py)?.into_any(), v.into_any()))
            })
            .collect()
    }

    /// The key is ignored (as by `_pickle`); the value is `(index, obj)`.
    fn put_entry(&mut self, _key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let t = match value.cast::<PyTuple>() {
            Ok(t) if t.len() == 2 => t,
            _ => return Err(errors::type_error("'memo' values must be 2-item tuples")),
        };
        let idx: u32 = t
            .get_item(0)?
            .extract()
            .map_err(|_| errors::type_error("an integer is required"))?;
        self.insert(&t.get_item(1)?, idx);
        Ok(())
    }
}

/// Object addresses are distinct and 16-byte aligned. The table (hashbrown)
/// takes the bucket from the low bits of the hash and a 7-bit tag from the
/// top ones: the address divided by 16 below, so objects allocated one
/// after another (a list of records) sit in neighbouring buckets and the
/// memo is walked nearly in order, as `_pickle`'s memo hashes `key >> 3`;
/// a multiply of the address folded into the top bits for the tag.
#[derive(Default)]
pub struct PtrHasher(u64);

impl Hasher for PtrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_usize(self.0 as usize ^ b as usize);
        }
    }
    #[inline]
    fn write_usize(&mut self, x: usize) {
        let x = x as u64;
        let tag = x.wrapping_mul(0x9E37_79B9_7F4A_7C15) & (0x7f << 57);
        self.0 = ((x >> 4) & !(0x7f << 57)) | tag;
    }
}

fn key(obj: &Bound<'_, PyAny>) -> usize {
    obj.as_ptr() as usize
}

/// Addresses of the builtin types `save` dispatches on.
#[derive(Clone, Copy)]
struct TypePtrs {
    int: *mut pyo3::ffi::PyTypeObject,
    bool: *mut pyo3::ffi::PyTypeObject,
    float: *mut pyo3::ffi::PyTypeObject,
    str: *mut pyo3::ffi::PyTypeObject,
    bytes: *mut pyo3::ffi::PyTypeObject,
    dict: *mut pyo3::ffi::PyTypeObject,
    list: *mut pyo3::ffi::PyTypeObject,
    tuple: *mut pyo3::ffi::PyTypeObject,
}

impl TypePtrs {
    fn new(py: Python<'_>) -> Self {
        TypePtrs {
            int: PyInt::type_object_raw(py),
            bool: PyBool::type_object_raw(py),
            float: PyFloat::type_object_raw(py),
            str: PyString::type_object_raw(py),
            bytes: PyBytes::type_object_raw(py),
            dict: PyDict::type_object_raw(py),
            list: PyList::type_object_raw(py),
            tuple: PyTuple::type_object_raw(py),
        }
    }
}

/// Per-dump hooks.
struct Hooks<'py> {
    persistent_id: Option<Bound<'py, PyAny>>,
    reducer_override: Option<Bound<'py, PyAny>>,
    dispatch_table: Option<Bound<'py, PyAny>>,
    buffer_callback: Option<Bound<'py, PyAny>>,
    write: Option<Bound<'py, PyAny>>,
    /// The `Pickler` whose memo this is (lent back to it around calls of
    /// Python code, so `Pickler.memo` is live there).
    owner: Option<Bound<'py, Pickler>>,
}

struct Enc<'m, 'py> {
    py: Python<'py>,
    proto: u8,
    bin: bool,
    fix_imports: bool,
    fast: bool,
    framing: bool,
    frame_start: Option<usize>,
    out: ffi::BytesOut<'py>,
    memo: &'m mut PMemo,
    hooks: Hooks<'py>,
    depth: usize,
    max_depth: usize,
    /// Fast mode (`Pickler.fast`): list/dict nesting, and beyond
    /// [`FAST_NESTING_LIMIT`] the addresses of the containers being saved
    /// (a repeat is a cycle), as `_pickle`'s `fast_save_enter`.
    fast_nesting: usize,
    fast_seen: HashMap<usize, (), BuildHasherDefault<PtrHasher>>,
    sh: &'m Shared,
    tp: TypePtrs,
}

impl<'m, 'py> Enc<'m, 'py> {
    fn new(
        py: Python<'py>,
        proto: u8,
        fix_imports: bool,
        fast: bool,
        memo: &'m mut PMemo,
        hooks: Hooks<'py>,
    ) -> PyResult<Self>
    where
        'py: 'm,
    {
        Ok(Enc {
            py,
            proto,
            bin: proto > 0,
            fix_imports,
            fast,
            framing: false,
            frame_start: None,
            out: ffi::BytesOut::new(py)?,
            memo,
            hooks,
            depth: 0,
            max_depth: max_depth(py)?,
            fast_nesting: 0,
            fast_seen: HashMap::default(),
            sh: shared(py)?,
            tp: TypePtrs::new(py),
        })
    }

    /// `_pickle`'s `fast_save_enter`: in fast mode (no memo) a list or dict
    /// met again inside itself beyond the nesting limit is a cycle.
    fn fast_enter(&mut self, obj: &Bound<'py, PyAny>, what: &str) -> PyResult<()> {
        self.fast_nesting += 1;
        if self.fast_nesting >= FAST_NESTING_LIMIT && self.fast_seen.insert(key(obj), ()).is_some()
        {
            return Err(errors::value_error(format!(
                "fast mode: can't pickle cyclic objects including object type {what} at {:p}",
                obj.as_ptr()
            )));
        }
        Ok(())
    }

    fn fast_leave(&mut self, obj: &Bound<'py, PyAny>) {
        if self.fast_nesting >= FAST_NESTING_LIMIT {
            self.fast_seen.remove(&key(obj));
        }
        self.fast_nesting -= 1;
    }

    /// Save a list or dict with `body`, inside `fast_enter`/`fast_leave`
    /// in fast mode.
    fn guarded<T>(
        &mut self,
        obj: &Bound<'py, T>,
        what: &str,
        body: impl FnOnce(&mut Self, &Bound<'py, T>) -> PyResult<()>,
    ) -> PyResult<()> {
        if !self.fast {
            return body(self, obj);
        }
        self.fast_enter(obj.as_any(), what)?;
        body(self, obj)?;
        self.fast_leave(obj.as_any());
        Ok(())
    }

    /// Run `f`, which calls Python code, with the memo readable through
    /// `Pickler.memo` (see `memo::lend`).
    #[inline]
    fn call<R>(&mut self, f: impl FnOnce() -> PyResult<R>) -> PyResult<R> {
        memo::lend(self.hooks.owner.as_ref(), self.memo, f)
    }

    // ---- output and framing -------------------------------------------

    /// Always inlined: most writes are a few bytes of constant length,
    /// then copied with a move or two rather than a call of `memcpy`.
    #[inline(always)]
    fn write(&mut self, data: &[u8]) {
        if self.framing && self.frame_start.is_none() {
            self.frame_start = Some(self.out.len());
            self.out.extend(&[0u8; FRAME_HEADER_SIZE]);
        }
        self.out.extend(data);
    }

    #[inline(always)]
    fn op(&mut self, op: Opcode) {
        self.write(&[op.code()]);
    }

    fn commit_frame(&mut self) {
        if !self.framing {
            return;
        }
        let Some(start) = self.frame_start.take() else {
            return;
        };
        // (Shorter only after a failed resize, reported by `out.check`.)
        let Some(frame_len) = self.out.len().checked_sub(start + FRAME_HEADER_SIZE) else {
            return;
        };
        if frame_len >= FRAME_SIZE_MIN {
            let out = self.out.as_mut_slice();
            out[start] = Opcode::Frame.code();
            out[start + 1..start + 9].copy_from_slice(&(frame_len as u64).to_le_bytes());
        } else {
            self.out.remove(start..start + FRAME_HEADER_SIZE);
        }
    }

    fn flush_to_file(&mut self) -> PyResult<()> {
        if let Some(w) = self.hooks.write.clone() {
            if !self.out.is_empty() {
                let data = self.out.take()?;
                self.call(|| w.call1((data,)))?;
            }
        }
        Ok(())
    }

    #[inline]
    fn opcode_boundary(&mut self) -> PyResult<()> {
        self.out.check()?;
        let Some(start) = self.frame_start else {
            return Ok(());
        };
        if !self.framing {
            return Ok(());
        }
        if self.out.len().saturating_sub(start + FRAME_HEADER_SIZE) >= FRAME_SIZE_TARGET {
            self.commit_frame();
            if self.hooks.write.is_some() {
                self.flush_to_file()?;
            }
        }
        Ok(())
    }

    /// `_Pickler_write_bytes`: a large payload ends the frame and (with a
    /// file) is written to it directly.
    fn write_bytes(
        &mut self,
        header: &[u8],
        data: &[u8],
        payload: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let bypass = data.len() >= FRAME_SIZE_TARGET;
        let framing = self.framing;
        if bypass {
            self.commit_frame();
            self.framing = false;
        }
        self.write(header);
        if bypass && self.hooks.write.is_some() {
            self.flush_to_file()?;
            let w = self.hooks.write.clone().expect("checked");
            let data = match payload {
                Some(p) if p.is_exact_instance_of::<PyBytes>() => p.clone(),
                _ => PyBytes::new(self.py, data).into_any(),
            };
            self.call(|| w.call1((data,)))?;
        } else {
            self.write(data);
        }
        self.framing = framing;
        Ok(())
    }

    // ---- memo ---------------------------------------------------------

    fn memo_put(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.fast {
            return Ok(());
        }
        let idx = self.memo.len() as u32;
        self.memo.insert(obj, idx);
        if self.proto >= 4 {
            self.op(Opcode::Memoize);
        } else {
            self.memo_op([Opcode::Put, Opcode::BinPut, Opcode::LongBinPut], idx);
        }
        Ok(())
    }

    /// PUT or GET of memo index `idx`: the text form in protocol 0, else
    /// the 1-byte form below 256, else the 4-byte one.
    fn memo_op(&mut self, [text, short, long]: [Opcode; 3], idx: u32) {
        if !self.bin {
            let s = format!("{}{}\n", text.code() as char, idx);
            self.write(s.as_bytes());
        } else if idx < 256 {
            self.write(&[short.code(), idx as u8]);
        } else {
            let mut b = [long.code(), 0, 0, 0, 0];
            b[1..].copy_from_slice(&idx.to_le_bytes());
            self.write(&b);
        }
    }

    #[inline]
    fn memo_lookup(&self, obj: &Bound<'py, PyAny>) -> Option<u32> {
        self.memo.get(obj)
    }

    fn memo_get(&mut self, idx: u32) {
        self.memo_op([Opcode::Get, Opcode::BinGet, Opcode::LongBinGet], idx);
    }

    // ---- save ---------------------------------------------------------

    fn save(&mut self, obj: &Bound<'py, PyAny>, pers_save: bool) -> PyResult<()> {
        self.opcode_boundary()?;
        if !pers_save && self.hooks.persistent_id.is_some() && self.save_pers(obj)? {
            return Ok(());
        }
        self.save_value(obj)
    }

    /// True when saving `obj` runs no Python code (no hook, no file write,
    /// a type saved without calls): a borrowed reference is then enough.
    #[inline]
    fn runs_no_code(&self, obj: &Bound<'py, PyAny>) -> bool {
        if self.hooks.persistent_id.is_some() || self.hooks.write.is_some() {
            return false;
        }
        let tp = obj.get_type_ptr();
        let t = &self.tp;
        tp == t.int || tp == t.float || tp == t.str || tp == t.bool || obj.is_none()
    }

    /// Save item `i` of a list: borrowed when that runs no Python code
    /// (`_pickle` holds a reference around `save`; nothing can drop it
    /// here), else with a reference of its own. True when no Python code
    /// ran (the list is unchanged).
    #[inline]
    fn save_list_item(&mut self, l: &Bound<'py, PyList>, i: usize) -> PyResult<bool> {
        match ffi::list_item(l, i) {
            Some(item) => self.save_borrowed(item),
            None => {
                let item = l.get_item(i)?;
                self.save(&item, false)?;
                Ok(false)
            }
        }
    }

    /// Save an item borrowed from a container: as it is when that runs no
    /// Python code, else with a reference of its own. True when no Python
    /// code ran.
    #[inline]
    fn save_borrowed(&mut self, item: pyo3::Borrowed<'_, 'py, PyAny>) -> PyResult<bool> {
        if self.runs_no_code(&item) {
            self.opcode_boundary()?;
            // Small ints (the commonest item) without the general dispatch.
            if self.bin && item.get_type_ptr() == self.tp.int {
                if let Some(v) = ffi::int_value(&item).and_then(|v| i32::try_from(v).ok()) {
                    self.write_binint(v);
                    return Ok(true);
                }
            }
            self.save_value(&item)?;
            return Ok(true);
        }
        let item = item.to_owned();
        self.save(&item, false)?;
        Ok(false)
    }

    /// Save a dict entry borrowed from the dict (see `save_borrowed`).
    #[inline]
    fn save_entry(
        &mut self,
        k: pyo3::Borrowed<'_, 'py, PyAny>,
        v: pyo3::Borrowed<'_, 'py, PyAny>,
    ) -> PyResult<()> {
        // The key is saved first: when that runs no code, the value is
        // still in the dict afterwards (and `save_borrowed` takes its own
        // reference if saving the value may run code).
        if self.runs_no_code(&k) {
            self.save_borrowed(k)?;
            self.save_borrowed(v)?;
            return Ok(());
        }
        let (k, v) = (k.to_owned(), v.to_owned());
        self.save(&k, false)?;
        self.save(&v, false)
    }

    fn save_value(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        // Dispatch on the exact type by address (a miss on `cast_exact`
        // builds an error value; this path is taken for every object).
        let tp = obj.get_type_ptr();
        let t = self.tp;
        if tp == t.int {
            return self.save_long(obj);
        }
        if obj.is_none() {
            self.op(Opcode::None);
            return Ok(());
        }
        if tp == t.bool {
            let v = obj.is_truthy()?;
            if self.proto >= 2 {
                self.op(if v { Opcode::NewTrue } else { Opcode::NewFalse });
            } else {
                self.write(if v { b"I01\n" } else { b"I00\n" });
            }
            return Ok(());
        }
        if tp == t.float {
            if let Ok(f) = obj.cast_exact::<PyFloat>() {
                return self.save_float(f);
            }
        }
        if let Some(idx) = self.memo_lookup(obj) {
            self.memo_get(idx);
            return Ok(());
        }
        if tp == t.str {
            if let Ok(s) = obj.cast_exact::<PyString>() {
                return self.save_unicode(s);
            }
        }
        if tp == t.bytes {
            if let Ok(b) = obj.cast_exact::<PyBytes>() {
                return self.save_bytes(b);
            }
        }
        self.depth += 1;
        if self.depth > self.max_depth {
            self.depth -= 1;
            return Err(pyo3::exceptions::PyRecursionError::new_err(
                "maximum recursion depth exceeded while pickling an object",
            ));
        }
        let r = self.save_complex(obj);
        self.depth -= 1;
        r
    }

    fn save_complex(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let py = self.py;
        let tp = obj.get_type_ptr();
        if tp == self.tp.dict {
            if let Ok(d) = obj.cast_exact::<PyDict>() {
                return self.guarded(d, "dict", Self::save_dict);
            }
        }
        if tp == self.tp.list {
            if let Ok(l) = obj.cast_exact::<PyList>() {
                return self.guarded(l, "list", Self::save_list);
            }
        }
        if tp == self.tp.tuple {
            if let Ok(t) = obj.cast_exact::<PyTuple>() {
                return self.save_tuple(t);
            }
        }
        if let Ok(s) = obj.cast_exact::<PySet>() {
            return self.save_set(s);
        }
        if let Ok(s) = obj.cast_exact::<PyFrozenSet>() {
            return self.save_frozenset(s);
        }
        if let Ok(b) = obj.cast_exact::<PyByteArray>() {
            return self.save_bytearray(b);
        }
        if obj.get_type().is(self.sh.pickle_buffer.bind(py)) {
            return self.save_picklebuffer(obj);
        }
        let mut reduce_value = None;
        if let Some(ro) = self.hooks.reducer_override.clone() {
            let rv = self.call(|| ro.call1((obj,)))?;
            if !rv.is(py.NotImplemented()) {
                reduce_value = Some(rv);
            }
        }
        let ty = obj.get_type();
        if reduce_value.is_none() {
            if ty.is(PyType::type_object(py)) {
                return self.save_type(obj);
            }
            if ty.is(PyFunction::type_object(py)) {
                return self.save_global(obj, None);
            }
            let reduce_func = match self.hooks.dispatch_table.clone() {
                None => self.sh.dispatch_table.bind(py).get_item(&ty)?,
                Some(dt) => match self.call(|| dt.get_item(&ty)) {
                    Ok(f) => Some(f),
                    Err(e) if e.is_instance_of::<pyo3::exceptions::PyKeyError>(py) => None,
                    Err(e) => return Err(e),
                },
            };
            let proto = self.proto;
            let rv = if let Some(f) = reduce_func {
                self.call(|| f.call1((obj,)))?
            } else if ty.is_subclass(&PyType::type_object(py))? {
                return self.save_global(obj, None);
            } else if let Some(f) = obj.getattr_opt(intern!(py, "__reduce_ex__"))? {
                self.call(|| f.call1((proto,)))?
            } else if let Some(f) = obj.getattr_opt(intern!(py, "__reduce__"))? {
                self.call(|| f.call0())?
            } else {
                return Err(errors::pickling(
                    py,
                    format!("can't pickle '{}' object: {}", ty.name()?, obj.repr()?),
                ));
            };
            reduce_value = Some(rv);
        }
        let rv = reduce_value.expect("set above");
        if rv.is_instance_of::<PyString>() {
            return self.save_global(obj, Some(&rv));
        }
        let Ok(t) = rv.cast::<PyTuple>() else {
            return Err(errors::pickling(
                py,
                "__reduce__ must return a string or tuple",
            ));
        };
        self.save_reduce(Reduce::parse(t)?, Some(obj))
    }

    fn save_pers(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<bool> {
        let f = self.hooks.persistent_id.clone().expect("checked by caller");
        let pid = self.call(|| f.call1((obj,)))?;
        if pid.is_none() {
            return Ok(false);
        }
        if self.bin {
            self.save(&pid, true)?;
            self.op(Opcode::BinPersId);
        } else {
            let s = pid.str()?;
            let s = s.to_cow()?;
            if !s.is_ascii() {
                return Err(errors::pickling(
                    self.py,
                    "persistent IDs in protocol 0 must be ASCII strings",
                ));
            }
            self.op(Opcode::PersId);
            self.write(s.as_bytes());
            self.write(b"\n");
        }
        Ok(true)
    }

    fn save_long(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let py = self.py;
        let v = if obj.get_type_ptr() == self.tp.int {
            ffi::int_value(obj)
        } else {
            obj.extract::<i64>().ok()
        };
        if let Some(v) = v {
            if let Ok(v) = i32::try_from(v) {
                if self.bin {
                    self.write_binint(v);
                } else {
                    let s = format!("{}{}\n", Opcode::Int.code() as char, v);
                    self.write(s.as_bytes());
                }
                return Ok(());
            }
            if self.proto >= 2 {
                // Two's complement in as few bytes as `_pickle` uses.
                let mut b = v.to_le_bytes().to_vec();
                let neg = v < 0;
                while b.len() > 1 {
                    let last = b[b.len() - 1];
                    let prev = b[b.len() - 2];
                    if (!neg && last == 0 && prev & 0x80 == 0)
                        || (neg && last == 0xff && prev & 0x80 != 0)
                    {
                        b.pop();
                    } else {
                        break;
                    }
                }
                self.write(&[Opcode::Long1.code(), b.len() as u8]);
                self.write(&b);
                return Ok(());
            }
        }
        if self.proto >= 2 {
            let nbits: usize = obj.call_method0(intern!(py, "bit_length"))?.extract()?;
            let mut nbytes = (nbits >> 3) + 1;
            if nbytes > 0x7fff_ffff {
                return Err(pyo3::exceptions::PyOverflowError::new_err(
                    "int too large to pickle",
                ));
            }
            let kwargs = PyDict::new(py);
            kwargs.set_item(intern!(py, "signed"), true)?;
            let b = obj.call_method(
                intern!(py, "to_bytes"),
                (nbytes, intern!(py, "little")),
                Some(&kwargs),
            )?;
            let b = b.cast_into::<PyBytes>()?;
            let data = b.as_bytes();
            let neg = obj.lt(0)?;
            if neg && nbytes > 1 && data[nbytes - 1] == 0xff && data[nbytes - 2] & 0x80 != 0 {
                nbytes -= 1;
            }
            if nbytes < 256 {
                self.write(&[Opcode::Long1.code(), nbytes as u8]);
            } else {
                let mut h = [Opcode::Long4.code(), 0, 0, 0, 0];
                h[1..].copy_from_slice(&(nbytes as i32).to_le_bytes());
                self.write(&h);
            }
            self.write(&data[..nbytes]);
        } else {
            self.write_repr(Opcode::Long, obj, b"L\n")?;
        }
        Ok(())
    }

    /// BININT1, BININT2 or BININT: the shortest that holds `v`.
    #[inline(always)]
    fn write_binint(&mut self, v: i32) {
        if (0..256).contains(&v) {
            self.write(&[Opcode::BinInt1.code(), v as u8]);
        } else if (0..65536).contains(&v) {
            let b = (v as u16).to_le_bytes();
            self.write(&[Opcode::BinInt2.code(), b[0], b[1]]);
        } else {
            let b = v.to_le_bytes();
            self.write(&[Opcode::BinInt.code(), b[0], b[1], b[2], b[3]]);
        }
    }

    /// A protocol-0 text argument: `op`, `repr(obj)`, `end`.
    fn write_repr(&mut self, op: Opcode, obj: &Bound<'py, PyAny>, end: &[u8]) -> PyResult<()> {
        let r = obj.repr()?;
        let r = r.to_cow()?;
        self.op(op);
        self.write(r.as_bytes());
        self.write(end);
        Ok(())
    }

    fn save_float(&mut self, f: &Bound<'py, PyFloat>) -> PyResult<()> {
        let v = f.value();
        if self.bin {
            let mut b = [0u8; 9];
            b[0] = Opcode::BinFloat.code();
            b[1..].copy_from_slice(&v.to_be_bytes());
            self.write(&b);
        } else {
            self.write_repr(Opcode::Float, f.as_any(), b"\n")?;
        }
        Ok(())
    }

    fn save_bytes(&mut self, b: &Bound<'py, PyBytes>) -> PyResult<()> {
        let py = self.py;
        if self.proto < 3 {
            let data = b.as_bytes();
            let rv = if data.is_empty() {
                PyTuple::new(
                    py,
                    [
                        PyBytes::type_object(py).into_any(),
                        PyTuple::empty(py).into_any(),
                    ],
                )?
            } else {
                let s: String = data.iter().map(|&c| c as char).collect();
                let args = PyTuple::new(
                    py,
                    [
                        PyString::new(py, &s).into_any(),
                        self.sh.latin1.bind(py).clone().into_any(),
                    ],
                )?;
                PyTuple::new(
                    py,
                    [self.sh.codecs_encode.bind(py).clone(), args.into_any()],
                )?
            };
            return self.save_reduce(Reduce::parse(&rv)?, Some(b.as_any()));
        }
        self.save_bytes_data(b.as_any(), b.as_bytes())
    }

    /// The opcode and length field for `n` bytes of a counted argument:
    /// `short` (1-byte length) below 256, else `wide[0]` (4 bytes), else
    /// `wide[1]` (8 bytes, protocol 4+); `what` for `_pickle`'s error.
    fn counted_header(
        &self,
        short: Option<Opcode>,
        wide: [Opcode; 2],
        n: usize,
        what: &str,
    ) -> PyResult<Vec<u8>> {
        let mut h = Vec::with_capacity(9);
        match short {
            Some(op) if n <= 0xff => h.extend_from_slice(&[op.code(), n as u8]),
            _ if n as u64 <= 0xffff_ffff => {
                h.push(wide[0].code());
                h.extend_from_slice(&(n as u32).to_le_bytes());
            }
            _ if self.proto >= 4 => {
                h.push(wide[1].code());
                h.extend_from_slice(&(n as u64).to_le_bytes());
            }
            _ => {
                return Err(errors::pickling(
                    self.py,
                    format!(
                        "serializing {what} larger than 4 GiB requires pickle protocol 4 or higher"
                    ),
                ))
            }
        }
        Ok(h)
    }

    fn save_bytes_data(&mut self, obj: &Bound<'py, PyAny>, data: &[u8]) -> PyResult<()> {
        let h = self.counted_header(
            Some(Opcode::ShortBinBytes),
            [Opcode::BinBytes, Opcode::BinBytes8],
            data.len(),
            "a bytes object",
        )?;
        self.write_bytes(&h, data, Some(obj))?;
        self.memo_put(obj)
    }

    fn save_bytearray_data(&mut self, obj: &Bound<'py, PyAny>, data: &[u8]) -> PyResult<()> {
        let mut h = Vec::with_capacity(9);
        h.push(Opcode::ByteArray8.code());
        h.extend_from_slice(&(data.len() as u64).to_le_bytes());
        self.write_bytes(&h, data, None)?;
        self.memo_put(obj)
    }

    fn save_bytearray(&mut self, b: &Bound<'py, PyByteArray>) -> PyResult<()> {
        let py = self.py;
        let data = b.to_vec();
        if self.proto < 5 {
            let args = if data.is_empty() {
                PyTuple::empty(py)
            } else {
                // A new bytes object, as `_pickle`'s `PyBytes_FromObject`
                // (never the cached 1-byte one: that one may be memoized
                // elsewhere in the pickle).
                let arg = PyBytes::new_with(py, data.len(), |buf| {
                    buf.copy_from_slice(&data);
                    Ok(())
                })?;
                PyTuple::new(py, [arg])?
            };
            let rv = PyTuple::new(
                py,
                [PyByteArray::type_object(py).into_any(), args.into_any()],
            )?;
            return self.save_reduce(Reduce::parse(&rv)?, Some(b.as_any()));
        }
        self.save_bytearray_data(b.as_any(), &data)
    }

    fn save_picklebuffer(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let py = self.py;
        if self.proto < 5 {
            // `_pickle`'s message ("can only pickled" before 3.13).
            let msg = if py.version_info() >= (3, 13) {
                "PickleBuffer can only be pickled with protocol >= 5"
            } else {
                "PickleBuffer can only pickled with protocol >= 5"
            };
            return Err(errors::pickling(py, msg));
        }
        // The buffer stays exported (its bytes in place) while the
        // callback runs and the data is written, as `_pickle` holds the
        // PickleBuffer's view.
        ffi::with_buffer(obj, |view| {
            if !view.contiguous {
                return Err(errors::pickling(
                    py,
                    "PickleBuffer can not be pickled when pointing to a non-contiguous buffer",
                ));
            }
            let in_band = match self.hooks.buffer_callback.clone() {
                Some(cb) => self.call(|| cb.call1((obj,))?.is_truthy())?,
                None => true,
            };
            if !in_band {
                self.op(Opcode::NextBuffer);
                if view.readonly {
                    self.op(Opcode::ReadonlyBuffer);
                }
                Ok(())
            } else if view.readonly {
                self.save_bytes_data(obj, view.data)
            } else {
                self.save_bytearray_data(obj, view.data)
            }
        })?
    }

    fn save_unicode(&mut self, s: &Bound<'py, PyString>) -> PyResult<()> {
        let py = self.py;
        if self.bin {
            // CPython's UTF-8 form of the string; lone surrogates through
            // `encode("utf-8", "surrogatepass")`.
            let enc;
            let (data, payload) = match ffi::str_utf8(s) {
                Some(d) => (d, None),
                None => {
                    enc = s
                        .call_method1(
                            intern!(py, "encode"),
                            (intern!(py, "utf-8"), intern!(py, "surrogatepass")),
                        )?
                        .cast_into::<PyBytes>()?;
                    (enc.as_bytes(), Some(enc.as_any()))
                }
            };
            let h = self.counted_header(
                (self.proto >= 4).then_some(Opcode::ShortBinUnicode),
                [Opcode::BinUnicode, Opcode::BinUnicode8],
                data.len(),
                "a string",
            )?;
            self.write_bytes(&h, data, payload)?;
        } else {
            let mut out = Vec::new();
            let text = s.to_cow().or_else(|_| -> PyResult<_> {
                // Lone surrogates: walk the code points through Python.
                Ok(std::borrow::Cow::Owned(String::new()))
            })?;
            if s.len()? > 0 && text.is_empty() {
                // Contains surrogates: escape from code points.
                let cps: Vec<u32> = s
                    .try_iter()?
                    .map(|c| -> PyResult<u32> {
                        let c = c?;
                        py.import("builtins")?
                            .getattr("ord")?
                            .call1((c,))?
                            .extract()
                    })
                    .collect::<PyResult<_>>()?;
                for cp in cps {
                    raw_escape(cp, &mut out);
                }
            } else {
                for ch in text.chars() {
                    raw_escape(ch as u32, &mut out);
                }
            }
            self.op(Opcode::Unicode);
            self.write(&out);
            self.write(b"\n");
        }
        self.memo_put(s.as_any())
    }

    fn save_tuple(&mut self, t: &Bound<'py, PyTuple>) -> PyResult<()> {
        let n = t.len();
        if n == 0 {
            if self.proto > 0 {
                self.op(Opcode::EmptyTuple);
            } else {
                self.write(&[Opcode::Mark.code(), Opcode::Tuple.code()]);
            }
            return Ok(());
        }
        let obj = t.as_any();
        if n <= 3 && self.proto >= 2 {
            for item in t.iter() {
                self.save(&item, false)?;
            }
            if let Some(idx) = self.memo_lookup(obj) {
                for _ in 0..n {
                    self.op(Opcode::Pop);
                }
                self.memo_get(idx);
                return Ok(());
            }
            self.op(match n {
                1 => Opcode::Tuple1,
                2 => Opcode::Tuple2,
                _ => Opcode::Tuple3,
            });
            return self.memo_put(obj);
        }
        self.op(Opcode::Mark);
        for item in t.iter() {
            self.save(&item, false)?;
        }
        if let Some(idx) = self.memo_lookup(obj) {
            if self.bin {
                self.op(Opcode::PopMark);
            } else {
                for _ in 0..=n {
                    self.op(Opcode::Pop);
                }
            }
            self.memo_get(idx);
            return Ok(());
        }
        self.op(Opcode::Tuple);
        self.memo_put(obj)
    }

    fn save_list(&mut self, l: &Bound<'py, PyList>) -> PyResult<()> {
        if self.bin {
            self.op(Opcode::EmptyList);
        } else {
            self.write(&[Opcode::Mark.code(), Opcode::List.code()]);
        }
        let n = l.len();
        self.memo_put(l.as_any())?;
        if n == 0 {
            return Ok(());
        }
        if self.proto > 0 {
            if n == 1 {
                let item = l.get_item(0)?;
                self.save(&item, false)?;
                self.op(Opcode::Append);
                return Ok(());
            }
            // `_pickle` reads the size before every item; it can change
            // only when saving an item ran Python code.
            let mut len = n;
            let mut total = 0;
            loop {
                let mut this_batch = 0;
                self.op(Opcode::Mark);
                while total < len {
                    if !self.save_list_item(l, total)? {
                        len = l.len();
                    }
                    total += 1;
                    this_batch += 1;
                    if this_batch == BATCHSIZE {
                        break;
                    }
                }
                self.op(Opcode::Appends);
                if total >= len {
                    break;
                }
            }
            Ok(())
        } else {
            let it = l.as_any().try_iter()?;
            self.batch(it.into_any(), false)
        }
    }

    fn next(&mut self, it: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let py = it.py();
        match self.call(|| it.call_method0(intern!(py, "__next__"))) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyStopIteration>(py) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn pair(&self, item: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        match item.cast::<PyTuple>() {
            Ok(t) if t.len() == 2 => Ok((t.get_item(0)?, t.get_item(1)?)),
            _ => Err(errors::type_error(
                "dict items iterator must return 2-tuples",
            )),
        }
    }

    /// Save one item of a batch: a list item, or a dict's `(key, value)`.
    fn save_item(&mut self, item: &Bound<'py, PyAny>, dict: bool) -> PyResult<()> {
        if !dict {
            return self.save(item, false);
        }
        let (k, v) = self.pair(item)?;
        self.save(&k, false)?;
        self.save(&v, false)
    }

    /// `_pickle`'s batch_list/batch_dict over an iterator: items (`dict`:
    /// `(key, value)` pairs) in batches of `BATCHSIZE` between MARK and
    /// APPENDS/SETITEMS, a single one with APPEND/SETITEM, one at a time
    /// in protocol 0. A pair is checked when saved, the first one before
    /// the second is fetched, as there.
    fn batch(&mut self, it: Bound<'py, PyAny>, dict: bool) -> PyResult<()> {
        let (one, many) = if dict {
            (Opcode::SetItem, Opcode::SetItems)
        } else {
            (Opcode::Append, Opcode::Appends)
        };
        if self.proto == 0 {
            while let Some(item) = self.next(&it)? {
                self.save_item(&item, dict)?;
                self.op(one);
            }
            return Ok(());
        }
        loop {
            let Some(first) = self.next(&it)? else {
                break;
            };
            if dict {
                self.pair(&first)?;
            }
            let Some(mut obj) = self.next(&it)? else {
                self.save_item(&first, dict)?;
                self.op(one);
                break;
            };
            self.op(Opcode::Mark);
            self.save_item(&first, dict)?;
            let mut n = 1;
            loop {
                self.save_item(&obj, dict)?;
                n += 1;
                if n == BATCHSIZE {
                    break;
                }
                match self.next(&it)? {
                    Some(o) => obj = o,
                    None => break,
                }
            }
            self.op(many);
            if n != BATCHSIZE {
                break;
            }
        }
        Ok(())
    }

    fn save_dict(&mut self, d: &Bound<'py, PyDict>) -> PyResult<()> {
        let py = self.py;
        if self.bin {
            self.op(Opcode::EmptyDict);
        } else {
            self.write(&[Opcode::Mark.code(), Opcode::Dict.code()]);
        }
        self.memo_put(d.as_any())?;
        let size = d.len();
        if size == 0 {
            return Ok(());
        }
        if self.proto == 0 {
            let items = d.call_method0(intern!(py, "items"))?;
            return self.batch(items.try_iter()?.into_any(), true);
        }
        // `_pickle`'s batch_dict_exact: PyDict_Next in batches; a size
        // change is reported after the batch (a full last batch is
        // followed by an empty one, as there).
        let mut pos = 0;
        if size == 1 {
            if let Some((k, v)) = ffi::dict_next(d, &mut pos) {
                self.save_entry(k, v)?;
                self.op(Opcode::SetItem);
            }
            return Ok(());
        }
        loop {
            self.op(Opcode::Mark);
            let mut i = 0;
            while let Some((k, v)) = ffi::dict_next(d, &mut pos) {
                self.save_entry(k, v)?;
                i += 1;
                if i == BATCHSIZE {
                    break;
                }
            }
            self.op(Opcode::SetItems);
            if d.len() != size {
                return Err(errors::runtime("dictionary changed size during iteration"));
            }
            if i != BATCHSIZE {
                return Ok(());
            }
        }
    }

    fn save_set(&mut self, s: &Bound<'py, PySet>) -> PyResult<()> {
        let py = self.py;
        if self.proto < 4 {
            let items = PyList::new(py, s.iter())?;
            let args = PyTuple::new(py, [items])?;
            let rv = PyTuple::new(py, [PySet::type_object(py).into_any(), args.into_any()])?;
            return self.save_reduce(Reduce::parse(&rv)?, Some(s.as_any()));
        }
        self.op(Opcode::EmptySet);
        self.memo_put(s.as_any())?;
        let size = s.len();
        if size == 0 {
            return Ok(());
        }
        let items: Vec<_> = s.iter().collect();
        for chunk in items.chunks(BATCHSIZE) {
            self.op(Opcode::Mark);
            for item in chunk {
                self.save(item, false)?;
            }
            self.op(Opcode::AddItems);
            if s.len() != size {
                return Err(pyo3::exceptions::PyRuntimeError::new_err(
                    "set changed size during iteration",
                ));
            }
        }
        Ok(())
    }

    fn save_frozenset(&mut self, s: &Bound<'py, PyFrozenSet>) -> PyResult<()> {
        let py = self.py;
        if self.proto < 4 {
            let items = PyList::new(py, s.iter())?;
            let args = PyTuple::new(py, [items])?;
            let rv = PyTuple::new(
                py,
                [PyFrozenSet::type_object(py).into_any(), args.into_any()],
            )?;
            return self.save_reduce(Reduce::parse(&rv)?, Some(s.as_any()));
        }
        self.op(Opcode::Mark);
        for item in s.iter() {
            self.save(&item, false)?;
        }
        if let Some(idx) = self.memo_lookup(s.as_any()) {
            self.op(Opcode::PopMark);
            self.memo_get(idx);
            return Ok(());
        }
        self.op(Opcode::FrozenSet);
        self.memo_put(s.as_any())
    }

    fn save_type(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let py = self.py;
        let singleton = if obj.is(py.None().bind(py).get_type()) {
            Some(py.None().into_bound(py))
        } else if obj.is(py.Ellipsis().bind(py).get_type()) {
            Some(py.Ellipsis().into_bound(py))
        } else if obj.is(py.NotImplemented().bind(py).get_type()) {
            Some(py.NotImplemented().into_bound(py))
        } else {
            None
        };
        if let Some(s) = singleton {
            let args = PyTuple::new(py, [s])?;
            let rv = PyTuple::new(py, [PyType::type_object(py).into_any(), args.into_any()])?;
            return self.save_reduce(Reduce::parse(&rv)?, Some(obj));
        }
        self.save_global(obj, None)
    }

    fn save_global(
        &mut self,
        obj: &Bound<'py, PyAny>,
        name: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let py = self.py;
        let global_name: Bound<'py, PyAny> = match name {
            Some(n) => n.clone(),
            None => match obj.getattr_opt(intern!(py, "__qualname__"))? {
                Some(q) => q,
                None => obj.getattr(intern!(py, "__name__"))?,
            },
        };
        let gname: String = global_name.extract()?;
        let dotted: Vec<String> = gname.split('.').map(str::to_string).collect();
        if dotted.iter().any(|p| p == "<locals>") {
            return Err(pyo3::exceptions::PyAttributeError::new_err(format!(
                "Can't pickle local object {}",
                global_name.repr()?
            )));
        }
        let module_obj = whichmodule(py, obj, &dotted)?;
        let module_name: String = module_obj.extract()?;
        let module = match py
            .import("importlib")?
            .call_method1(intern!(py, "import_module"), (&module_name,))
        {
            Ok(m) => m,
            Err(_) => {
                return Err(errors::pickling(
                    py,
                    format!(
                        "Can't pickle {}: import of module {:?} failed",
                        obj.repr()?,
                        module_name
                    ),
                ))
            }
        };
        let lastname = dotted.last().cloned().unwrap_or_default();
        let (cls, parent) = match deep_attr(&module, &dotted) {
            Ok(x) => x,
            Err(_) => {
                return Err(errors::pickling(
                    py,
                    format!(
                        "Can't pickle {}: attribute lookup {} on {} failed",
                        obj.repr()?,
                        gname,
                        module_name
                    ),
                ))
            }
        };
        if !cls.is(obj) {
            return Err(errors::pickling(
                py,
                format!(
                    "Can't pickle {}: it's not the same object as {}.{}",
                    obj.repr()?,
                    module_name,
                    gname
                ),
            ));
        }
        if self.proto >= 2 {
            let ek = PyTuple::new(py, [module_name.as_str(), gname.as_str()])?;
            if let Some(code) = self.sh.extension_registry.bind(py).get_item(ek)? {
                if !code.is_instance_of::<PyInt>() {
                    return Err(errors::pickling(
                        py,
                        format!(
                            "Can't pickle {}: extension code {} isn't an integer",
                            obj.repr()?,
                            code.repr()?
                        ),
                    ));
                }
                let code: i64 = code.extract()?;
                if code <= 0 || code > 0x7fff_ffff {
                    return Err(errors::pickling(
                        py,
                        format!(
                            "Can't pickle {}: extension code {} is out of range",
                            obj.repr()?,
                            code
                        ),
                    ));
                }
                if code <= 0xff {
                    self.write(&[Opcode::Ext1.code(), code as u8]);
                } else if code <= 0xffff {
                    let b = (code as u16).to_le_bytes();
                    self.write(&[Opcode::Ext2.code(), b[0], b[1]]);
                } else {
                    let b = (code as i32).to_le_bytes();
                    self.write(&[Opcode::Ext4.code(), b[0], b[1], b[2], b[3]]);
                }
                return Ok(());
            }
        }
        let parent_is_module = parent.is(&module);
        let mut gname = gname;
        if parent_is_module {
            gname = lastname.clone();
        }
        if self.proto >= 4 {
            self.save(&module_obj, false)?;
            if parent_is_module {
                self.save(PyString::new(py, &gname).as_any(), false)?;
            } else {
                self.save(&global_name, false)?;
            }
            self.op(Opcode::StackGlobal);
        } else if !parent_is_module {
            let args = PyTuple::new(py, [parent, PyString::new(py, &lastname).into_any()])?;
            let rv = PyTuple::new(py, [self.sh.getattr.bind(py).clone(), args.into_any()])?;
            self.save_reduce(Reduce::parse(&rv)?, None)?;
        } else {
            self.op(Opcode::Global);
            let (mut m, mut n) = (module_name.clone(), gname.clone());
            if self.proto < 3 && self.fix_imports {
                let key = PyTuple::new(py, [m.as_str(), n.as_str()])?;
                if let Some(v) = self.sh.reverse_name_mapping.bind(py).get_item(key)? {
                    let t = v.cast_into::<PyTuple>().map_err(|_| {
                        errors::runtime(
                            "_compat_pickle.REVERSE_NAME_MAPPING values should be 2-tuples",
                        )
                    })?;
                    m = t.get_item(0)?.extract()?;
                    n = t.get_item(1)?.extract()?;
                } else if let Some(v) = self.sh.reverse_import_mapping.bind(py).get_item(&m)? {
                    m = v.extract()?;
                }
            }
            // Protocols other than 3 write the names as ASCII lines.
            for (what, text) in [("module", &m), ("global", &n)] {
                if self.proto != 3 && !text.is_ascii() {
                    return Err(errors::pickling(
                        py,
                        format!(
                            "can't pickle {what} identifier '{text}' using pickle protocol {}",
                            self.proto
                        ),
                    ));
                }
                self.write(text.as_bytes());
                self.write(b"\n");
            }
        }
        self.memo_put(obj)
    }

    fn save_reduce(&mut self, r: Reduce<'py>, obj: Option<&Bound<'py, PyAny>>) -> PyResult<()> {
        let py = self.py;
        let Reduce {
            callable,
            args: argtup,
            state,
            listitems,
            dictitems,
            state_setter,
        } = r;
        let argtup = &argtup;
        let (mut use_newobj, mut use_newobj_ex) = (false, false);
        if self.proto >= 2 {
            if let Some(name) = callable.getattr_opt(intern!(py, "__name__"))? {
                if let Ok(name) = name.cast::<PyString>() {
                    let n = name.to_cow()?;
                    use_newobj_ex = n == "__newobj_ex__";
                    use_newobj = !use_newobj_ex && n == "__newobj__";
                }
            }
        }
        if use_newobj_ex {
            if argtup.len() != 3 {
                return Err(errors::pickling(
                    py,
                    format!(
                        "length of the NEWOBJ_EX argument tuple must be exactly 3, not {}",
                        argtup.len()
                    ),
                ));
            }
            let item = |i: usize, what: &str, ok: bool| -> PyResult<Bound<'py, PyAny>> {
                let o = argtup.get_item(i)?;
                if ok {
                    return Ok(o);
                }
                let nth = ["first", "second", "third"][i];
                Err(not_a(
                    py,
                    &format!("{nth} item from NEWOBJ_EX argument tuple must be {what}"),
                    &o,
                ))
            };
            let is = |i: usize, f: fn(&Bound<'py, PyAny>) -> bool| {
                argtup.get_item(i).is_ok_and(|o| f(&o))
            };
            let cls = item(0, "a class", is(0, |o| o.is_instance_of::<PyType>()))?;
            let a = item(1, "a tuple", is(1, |o| o.is_instance_of::<PyTuple>()))?;
            let a = a.cast_into::<PyTuple>()?;
            let kw = item(2, "a dict", is(2, |o| o.is_instance_of::<PyDict>()))?;
            let kw = kw.cast_into::<PyDict>()?;
            if self.proto >= 4 {
                self.save(&cls, false)?;
                self.save(a.as_any(), false)?;
                self.save(kw.as_any(), false)?;
                self.op(Opcode::NewObjEx);
            } else {
                let mut newargs = vec![cls.getattr(intern!(py, "__new__"))?, cls.clone()];
                newargs.extend(a.iter());
                let partial = self
                    .sh
                    .partial
                    .bind(py)
                    .call(PyTuple::new(py, newargs)?, Some(&kw))?;
                self.save(&partial, false)?;
                self.save(PyTuple::empty(py).as_any(), false)?;
                self.op(Opcode::Reduce);
            }
        } else if use_newobj {
            if argtup.is_empty() {
                return Err(errors::pickling(py, "__newobj__ arglist is empty"));
            }
            let cls = argtup.get_item(0)?;
            if !cls.is_instance_of::<PyType>() {
                return Err(errors::pickling(
                    py,
                    "args[0] from __newobj__ args is not a type",
                ));
            }
            if let Some(o) = obj {
                let oc = o.getattr(intern!(py, "__class__"))?;
                if !oc.is(&cls) {
                    return Err(errors::pickling(
                        py,
                        "args[0] from __newobj__ args has the wrong class",
                    ));
                }
            }
            self.save(&cls, false)?;
            let rest = argtup.get_slice(1, argtup.len());
            self.save(rest.as_any(), false)?;
            self.op(Opcode::NewObj);
        } else {
            self.save(&callable, false)?;
            self.save(argtup.as_any(), false)?;
            self.op(Opcode::Reduce);
        }
        if let Some(o) = obj {
            if let Some(idx) = self.memo_lookup(o) {
                self.op(Opcode::Pop);
                self.memo_get(idx);
                return Ok(());
            }
            self.memo_put(o)?;
        }
        if let Some(l) = listitems {
            self.batch(l, false)?;
        }
        if let Some(d) = dictitems {
            self.batch(d, true)?;
        }
        if let Some(state) = state {
            match state_setter {
                None => {
                    self.save(&state, false)?;
                    self.op(Opcode::Build);
                }
                Some(setter) => {
                    self.save(&setter, false)?;
                    self.save(obj.expect("state_setter needs an object"), false)?;
                    self.save(&state, false)?;
                    self.op(Opcode::Tuple2);
                    self.op(Opcode::Reduce);
                    self.op(Opcode::Pop);
                }
            }
        }
        Ok(())
    }

    fn dump(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.proto >= 2 {
            self.write(&[Opcode::Proto.code(), self.proto]);
            if self.proto >= 4 {
                self.framing = true;
            }
        }
        let r = self.save(obj, false);
        let r = r.and_then(|()| {
            self.op(Opcode::Stop);
            self.commit_frame();
            self.out.check()
        });
        self.framing = false;
        self.frame_start = None;
        r
    }
}

/// The parts of a reduce value (`__reduce_ex__`, a dispatch table entry,
/// `reducer_override`, or one `save` makes itself), checked as
/// `_pickle`'s `save_reduce` checks them; absent and None parts are None.
struct Reduce<'py> {
    callable: Bound<'py, PyAny>,
    args: Bound<'py, PyTuple>,
    state: Option<Bound<'py, PyAny>>,
    listitems: Option<Bound<'py, PyAny>>,
    dictitems: Option<Bound<'py, PyAny>>,
    state_setter: Option<Bound<'py, PyAny>>,
}

impl<'py> Reduce<'py> {
    /// A 2- to 6-tuple, checked (errors as `_pickle`'s).
    fn parse(args: &Bound<'py, PyTuple>) -> PyResult<Self> {
        let py = args.py();
        let size = args.len();
        if !(2..=6).contains(&size) {
            return Err(errors::pickling(
                py,
                "tuple returned by __reduce__ must contain 2 through 6 elements",
            ));
        }
        let get = |i: usize| -> PyResult<Option<Bound<'py, PyAny>>> {
            if i < size {
                let v = args.get_item(i)?;
                Ok(if v.is_none() { None } else { Some(v) })
            } else {
                Ok(None)
            }
        };
        let callable = args.get_item(0)?;
        let argtup = args.get_item(1)?;
        let state = get(2)?;
        let listitems = get(3)?;
        let dictitems = get(4)?;
        let state_setter = get(5)?;
        if !callable.is_callable() {
            return Err(errors::pickling(
                py,
                "first item of the tuple returned by __reduce__ must be callable",
            ));
        }
        let Ok(args) = argtup.cast_into::<PyTuple>() else {
            return Err(errors::pickling(
                py,
                "second item of the tuple returned by __reduce__ must be a tuple",
            ));
        };
        let is_iter =
            |o: &Bound<'py, PyAny>| -> PyResult<bool> { o.hasattr(intern!(py, "__next__")) };
        if let Some(l) = &listitems {
            if !is_iter(l)? {
                return Err(not_a(
                    py,
                    "fourth element of the tuple returned by __reduce__ must be an iterator",
                    l,
                ));
            }
        }
        if let Some(d) = &dictitems {
            if !is_iter(d)? {
                return Err(not_a(
                    py,
                    "fifth element of the tuple returned by __reduce__ must be an iterator",
                    d,
                ));
            }
        }
        if let Some(s) = &state_setter {
            if !s.is_callable() {
                return Err(not_a(
                    py,
                    "sixth element of the tuple returned by __reduce__ must be a function",
                    s,
                ));
            }
        }
        Ok(Reduce {
            callable,
            args,
            state,
            listitems,
            dictitems,
            state_setter,
        })
    }
}

/// `PicklingError("{what}, not {type name of obj}")`, `_pickle`'s form.
fn not_a(py: Python<'_>, what: &str, obj: &Bound<'_, PyAny>) -> PyErr {
    let name = obj.get_type().name().map(|n| n.to_string());
    errors::pickling(py, format!("{what}, not {}", name.unwrap_or_default()))
}

/// `_pickle`'s raw-unicode-escape for protocol 0 (`\`, NUL, `\n`, `\r` and
/// `\x1a` escaped too).
fn raw_escape(cp: u32, out: &mut Vec<u8>) {
    if cp >= 0x10000 {
        out.extend_from_slice(format!("\\U{cp:08x}").as_bytes());
    } else if cp >= 256 || matches!(cp, 0x5c | 0 | 0x0a | 0x0d | 0x1a) {
        out.extend_from_slice(format!("\\u{cp:04x}").as_bytes());
    } else {
        out.push(cp as u8);
    }
}

fn whichmodule<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    dotted: &[String],
) -> PyResult<Bound<'py, PyAny>> {
    if let Some(m) = obj.getattr_opt(intern!(py, "__module__"))? {
        if !m.is_none() {
            return Ok(m);
        }
    }
    let modules = py.import("sys")?.getattr("modules")?;
    let modules = modules.call_method0("copy")?;
    if let Ok(d) = modules.cast::<PyDict>() {
        for (name, module) in d.iter() {
            let Ok(n) = name.extract::<String>() else {
                continue;
            };
            if n == "__main__" || module.is_none() {
                continue;
            }
            if let Ok((found, _)) = deep_attr(&module, dotted) {
                if found.is(obj) {
                    return Ok(name);
                }
            }
        }
    }
    Ok(PyString::new(py, "__main__").into_any())
}

fn deep_attr<'py>(
    module: &Bound<'py, PyAny>,
    dotted: &[String],
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let mut parent = module.clone();
    let mut obj = module.clone();
    for part in dotted {
        parent = obj;
        obj = parent.getattr(part.as_str())?;
    }
    Ok((obj, parent))
}

fn resolve_protocol(py: Python<'_>, protocol: Option<&Bound<'_, PyAny>>) -> PyResult<u8> {
    match protocol {
        None => Ok(shared(py)?.default_protocol),
        Some(p) if p.is_none() => Ok(shared(py)?.default_protocol),
        Some(p) => {
            let v: i64 = p.extract()?;
            if v < 0 {
                Ok(brinery::HIGHEST_PROTOCOL)
            } else if v > brinery::HIGHEST_PROTOCOL as i64 {
                Err(errors::value_error(format!(
                    "pickle protocol must be <= {}",
                    brinery::HIGHEST_PROTOCOL
                )))
            } else {
                Ok(v as u8)
            }
        }
    }
}

fn max_depth(py: Python<'_>) -> PyResult<usize> {
    let limit: usize = py
        .import("sys")?
        .call_method0("getrecursionlimit")?
        .extract()?;
    Ok(limit.min(MAX_DEPTH))
}

fn check_buffer_callback(proto: u8, cb: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    if cb.is_some_and(|c| !c.is_none()) && proto < 5 {
        return Err(errors::value_error("buffer_callback needs protocol >= 5"));
    }
    Ok(())
}

/// `dumps`/`dump` without a `Pickler`: the bytes, or written to `write`
/// (then the bytes returned are empty).
fn dump_plain<'py>(
    obj: &Bound<'py, PyAny>,
    protocol: Option<&Bound<'py, PyAny>>,
    fix_imports: bool,
    buffer_callback: Option<&Bound<'py, PyAny>>,
    write: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let py = obj.py();
    let proto = resolve_protocol(py, protocol)?;
    check_buffer_callback(proto, buffer_callback)?;
    let mut memo = PMemo::default();
    let to_file = write.is_some();
    let hooks = Hooks {
        persistent_id: None,
        reducer_override: None,
        dispatch_table: None,
        buffer_callback: buffer_callback.filter(|c| !c.is_none()).cloned(),
        write,
        owner: None,
    };
    let fix_imports = fix_imports && proto < 3;
    let mut enc = Enc::new(py, proto, fix_imports, false, &mut memo, hooks)?;
    let r = enc.dump(obj).and_then(|()| {
        if to_file {
            enc.flush_to_file()?;
        }
        enc.out.finish()
    });
    memo.clear_with(py);
    r
}

/// `dumps(obj, protocol=None, *, fix_imports=True, buffer_callback=None)`
#[pyfunction]
#[pyo3(signature = (obj, protocol=None, *, fix_imports=true, buffer_callback=None))]
pub fn dumps<'py>(
    obj: &Bound<'py, PyAny>,
    protocol: Option<&Bound<'py, PyAny>>,
    fix_imports: bool,
    buffer_callback: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    dump_plain(obj, protocol, fix_imports, buffer_callback, None)
}

/// `dump(obj, file, protocol=None, *, fix_imports=True, buffer_callback=None)`
#[pyfunction]
#[pyo3(signature = (obj, file, protocol=None, *, fix_imports=true, buffer_callback=None))]
pub fn dump<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    file: &Bound<'py, PyAny>,
    protocol: Option<&Bound<'py, PyAny>>,
    fix_imports: bool,
    buffer_callback: Option<&Bound<'py, PyAny>>,
) -> PyResult<()> {
    let write = file
        .getattr_opt(intern!(py, "write"))?
        .ok_or_else(|| errors::type_error("file must have a 'write' attribute"))?;
    dump_plain(obj, protocol, fix_imports, buffer_callback, Some(write)).map(drop)
}

/// A drop-in for `pickle.Pickler` (same bytes as `_pickle`).
#[pyclass(subclass, dict, weakref, module = "brinery")]
pub struct Pickler {
    file: Option<Py<PyAny>>,
    proto: u8,
    fix_imports: bool,
    buffer_callback: Option<Py<PyAny>>,
    pub(crate) memo: PMemo,
    /// `_pickle` keeps `fast` and `bin` as C ints (`p.fast = 1` works).
    #[pyo3(get, set)]
    fast: i32,
    #[pyo3(get, set)]
    bin: i32,
}

#[pymethods]
impl Pickler {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Pickler {
            file: None,
            proto: 0,
            fix_imports: true,
            buffer_callback: None,
            memo: PMemo::default(),
            fast: 0,
            bin: 0,
        }
    }

    #[pyo3(signature = (file, protocol=None, fix_imports=true, *, buffer_callback=None))]
    fn __init__(
        &mut self,
        file: &Bound<'_, PyAny>,
        protocol: Option<&Bound<'_, PyAny>>,
        fix_imports: bool,
        buffer_callback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = file.py();
        let proto = resolve_protocol(py, protocol)?;
        check_buffer_callback(proto, buffer_callback)?;
        if !file.hasattr(intern!(py, "write"))? {
            return Err(errors::type_error("file must have a 'write' attribute"));
        }
        self.file = Some(file.clone().unbind());
        self.proto = proto;
        self.bin = i32::from(proto > 0);
        self.fix_imports = fix_imports && proto < 3;
        self.buffer_callback = buffer_callback
            .filter(|c| !c.is_none())
            .map(|c| c.clone().unbind());
        self.memo = PMemo::default();
        Ok(())
    }

    /// Write the pickle of `obj` to the file.
    fn dump(slf: &Bound<'_, Self>, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let (file, proto, fix_imports, fast, cb, mut memo) = {
            let mut this = slf.borrow_mut();
            let Some(file) = this.file.as_ref().map(|f| f.clone_ref(py)) else {
                return Err(errors::pickling(
                    py,
                    "Pickler.__init__() was not called by Pickler.__init__()",
                ));
            };
            let cb = this.buffer_callback.as_ref().map(|c| c.clone_ref(py));
            (
                file,
                this.proto,
                this.fix_imports,
                this.fast != 0,
                cb,
                std::mem::take(&mut this.memo),
            )
        };
        let write = file.bind(py).getattr(intern!(py, "write"))?;
        let hooks = Hooks {
            persistent_id: slf.getattr_opt(intern!(py, "persistent_id"))?,
            reducer_override: slf.getattr_opt(intern!(py, "reducer_override"))?,
            dispatch_table: slf.getattr_opt(intern!(py, "dispatch_table"))?,
            buffer_callback: cb.map(|c| c.into_bound(py)),
            write: Some(write),
            owner: Some(slf.clone()),
        };
        let result =
            Enc::new(py, proto, fix_imports, fast, &mut memo, hooks).and_then(|mut enc| {
                enc.dump(obj)?;
                enc.flush_to_file()
            });
        slf.borrow_mut().memo = memo;
        result
    }

    /// Forget the objects already pickled.
    fn clear_memo(&mut self) {
        self.memo = PMemo::default();
    }

    /// The memo, live: a `PicklerMemoProxy` as with `_pickle`
    /// (`copy()` gives `{id(obj): (index, obj)}`, `clear()` empties it).
    #[getter]
    fn get_memo(slf: &Bound<'_, Self>) -> PicklerMemoProxy {
        memo::proxy(slf)
    }

    /// Replace the memo with a copy of a `PicklerMemoProxy`'s memo or of a
    /// dict whose values are `(index, obj)` pairs (keys are ignored, as
    /// with `_pickle`).
    #[setter]
    fn set_memo(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        memo::assign(slf, value)
    }
}
