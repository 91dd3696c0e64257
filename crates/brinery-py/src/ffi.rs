//! The crate's only unsafe code: CPython calls of the stable ABI that
//! PyO3's safe API reaches only through several calls each (measured on
//! `dumps`: the per-item cost of lists of ints and strings and of dicts).
//!
//! - [`list_item`]: `PyList_GetItem`, a borrowed item (no refcount calls);
//! - [`dict_next`]: `PyDict_Next`, `_pickle`'s dict walk (borrowed items);
//! - [`int_value`]: `PyLong_AsLongLongAndOverflow` on an exact `int`;
//! - [`str_utf8`]: `PyUnicode_AsUTF8AndSize`, the UTF-8 form CPython keeps
//!   in the string (no copy for ASCII), as `_pickle` uses;
//! - [`with_buffer`]: `PyObject_GetBuffer`, `PyBuffer_IsContiguous` and
//!   `PyBuffer_Release`, the bytes of an in-band `PickleBuffer` without a
//!   copy (nor a `raw()` memoryview);
//! - [`BytesOut`]: `_pickle`'s output buffer, a `bytes` object written in
//!   place and grown with `_PyBytes_Resize` (realloc), so `dumps` returns
//!   it without copying the pickle once more.
//!
//! Each wrapper states the condition that makes it sound; the callers in
//! `pickler.rs` keep it. Tested through the package's byte-identity tests
//! and CPython's pickle suite (`scripts/test-py.sh`).
#![allow(unsafe_code)]

use std::os::raw::c_char;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use pyo3::Borrowed;

/// CPython's `Py_buffer` (the same layout in every CPython 3.x).
#[repr(C)]
struct RawBuffer {
    buf: *mut std::os::raw::c_void,
    obj: *mut ffi::PyObject,
    len: ffi::Py_ssize_t,
    itemsize: ffi::Py_ssize_t,
    readonly: std::os::raw::c_int,
    ndim: std::os::raw::c_int,
    format: *mut c_char,
    shape: *mut ffi::Py_ssize_t,
    strides: *mut ffi::Py_ssize_t,
    suboffsets: *mut ffi::Py_ssize_t,
    internal: *mut std::os::raw::c_void,
}

extern "C" {
    // In every CPython 3.x (the limited API lists them from 3.10 and 3.11;
    // the symbols and signatures are the same in 3.9).
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut ffi::PyObject,
        size: *mut ffi::Py_ssize_t,
    ) -> *const c_char;
    fn PyObject_GetBuffer(
        obj: *mut ffi::PyObject,
        view: *mut RawBuffer,
        flags: std::os::raw::c_int,
    ) -> std::os::raw::c_int;
    fn PyBuffer_Release(view: *mut RawBuffer);
    fn PyBuffer_IsContiguous(view: *const RawBuffer, order: c_char) -> std::os::raw::c_int;
    // Not in the limited API, but exported by every CPython 3.x (3.9-3.14)
    // with this signature; `_pickle` grows its output buffer with it.
    fn _PyBytes_Resize(
        bytes: *mut *mut ffi::PyObject,
        newsize: ffi::Py_ssize_t,
    ) -> std::os::raw::c_int;
}

/// The first size of a [`BytesOut`] (`_pickle`'s `WRITE_BUF_SIZE`).
const BYTES_OUT_START: usize = 4096;

/// A growable output buffer that is a `bytes` object, as `_pickle`'s
/// `output_buffer`: written in place, grown by half as much again with
/// `_PyBytes_Resize` (a realloc, which moves large buffers by remapping
/// pages rather than copying), and handed out as the result without a
/// copy.
///
/// Invariant: `obj` is a `bytes` object of size `cap` that this buffer
/// alone refers to (created here, refcount 1, never shown to Python code
/// before [`BytesOut::take`] gives it away), and `buf` is its data. A
/// failed resize frees it (CPython's rule): the buffer is then empty,
/// ignores writes, and [`BytesOut::check`] returns the MemoryError.
pub struct BytesOut<'py> {
    py: Python<'py>,
    obj: Option<Bound<'py, PyAny>>,
    buf: *mut u8,
    len: usize,
    cap: usize,
    err: Option<PyErr>,
}

impl<'py> BytesOut<'py> {
    pub fn new(py: Python<'py>) -> PyResult<Self> {
        let mut out = BytesOut {
            py,
            obj: None,
            buf: std::ptr::NonNull::dangling().as_ptr(),
            len: 0,
            cap: 0,
            err: None,
        };
        out.alloc(BYTES_OUT_START)?;
        Ok(out)
    }

    /// A new `bytes` object of `cap` (> 1) bytes, not yet initialised.
    fn alloc(&mut self, cap: usize) -> PyResult<()> {
        let n = ffi::Py_ssize_t::try_from(cap.max(2))
            .map_err(|_| pyo3::exceptions::PyMemoryError::new_err(()))?;
        // SAFETY: the GIL is held; with NULL data and a size above 1
        // CPython returns a new, unshared bytes object (or NULL with
        // MemoryError set), whose data pointer stays valid while it lives.
        unsafe {
            let p = ffi::PyBytes_FromStringAndSize(std::ptr::null(), n);
            let obj = Bound::from_owned_ptr_or_err(self.py, p)?;
            self.buf = ffi::PyBytes_AsString(p).cast::<u8>();
            self.obj = Some(obj);
        }
        self.cap = cap.max(2);
        self.len = 0;
        Ok(())
    }

    /// Resize the object to `cap` bytes (keeping the first `len`).
    fn resize(&mut self, cap: usize) -> PyResult<()> {
        let Some(obj) = self.obj.take() else {
            return Err(pyo3::exceptions::PyMemoryError::new_err(()));
        };
        let n = ffi::Py_ssize_t::try_from(cap)
            .map_err(|_| pyo3::exceptions::PyMemoryError::new_err(()))?;
        let mut p = obj.into_ptr();
        // SAFETY: `p` is the only reference to a bytes object created by
        // `alloc` (the invariant), as _PyBytes_Resize requires; it either
        // replaces `p` by the resized object or frees it, sets NULL and
        // raises MemoryError.
        unsafe {
            if _PyBytes_Resize(&mut p, n) != 0 {
                self.buf = std::ptr::NonNull::dangling().as_ptr();
                self.cap = 0;
                self.len = 0;
                return Err(PyErr::fetch(self.py));
            }
            self.obj = Some(Bound::from_owned_ptr(self.py, p));
            self.buf = ffi::PyBytes_AsString(p).cast::<u8>();
        }
        self.cap = cap;
        Ok(())
    }

    /// Room for `extra` more bytes: `_pickle`'s growth rule (1.5 times
    /// what is needed), so the allocations follow the same sizes as
    /// `pickle.dumps`'s (glibc then reuses the freed ones the same way;
    /// doubling gave capacities past its mmap threshold, fresh pages on
    /// every dump).
    #[cold]
    #[inline(never)]
    fn grow(&mut self, extra: usize) {
        let need = self.len.saturating_add(extra);
        let cap = (need / 2).saturating_mul(3).max(need);
        if let Err(e) = self.resize(cap) {
            self.err.get_or_insert(e);
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Append `data` (ignored once a resize has failed).
    #[inline(always)]
    pub fn extend(&mut self, data: &[u8]) {
        if self.cap - self.len < data.len() {
            self.grow(data.len());
            if self.obj.is_none() {
                return;
            }
        }
        // SAFETY: `buf` has `cap` bytes and `len + data.len() <= cap`;
        // `data` cannot overlap the buffer, which nothing else can see.
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr(), self.buf.add(self.len), data.len());
        }
        self.len += data.len();
    }

    /// The bytes written so far, to patch (frame headers).
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: the first `len` bytes are initialised and owned here
        // (`buf` is dangling only when `len` is 0).
        unsafe { std::slice::from_raw_parts_mut(self.buf, self.len) }
    }

    /// Remove `range` (a frame header that is not needed after all).
    pub fn remove(&mut self, range: std::ops::Range<usize>) {
        let n = range.len();
        let end = self.len;
        self.as_mut_slice().copy_within(range.end..end, range.start);
        self.len -= n;
    }

    /// The MemoryError of a failed resize, if any.
    #[inline]
    pub fn check(&mut self) -> PyResult<()> {
        match self.err.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The pickle written so far, as a `bytes` object of exactly its
    /// size (no copy); the buffer is left empty, with no object.
    pub fn finish(&mut self) -> PyResult<Bound<'py, PyBytes>> {
        self.check()?;
        if self.len != self.cap {
            self.resize(self.len)?;
        }
        let obj = self
            .obj
            .take()
            .ok_or_else(|| pyo3::exceptions::PyMemoryError::new_err(()))?;
        self.buf = std::ptr::NonNull::dangling().as_ptr();
        self.cap = 0;
        self.len = 0;
        Ok(obj.cast_into::<PyBytes>()?)
    }

    /// [`finish`](Self::finish), then go on in a new object of the same
    /// size (a file pickler's flush).
    pub fn take(&mut self) -> PyResult<Bound<'py, PyBytes>> {
        let cap = self.cap.max(BYTES_OUT_START);
        let bytes = self.finish()?;
        self.alloc(cap)?;
        Ok(bytes)
    }
}

/// `PyBUF_FULL_RO`: any layout (strides, suboffsets, format), as a
/// `PickleBuffer` holds its view.
const PYBUF_FULL_RO: std::os::raw::c_int = 0x011c;

/// What [`with_buffer`] passes on: the bytes (empty when the buffer is not
/// contiguous) and the view's flags.
pub struct BufferView<'a> {
    pub data: &'a [u8],
    pub readonly: bool,
    /// One contiguous block, in C or Fortran order, with no suboffsets
    /// (`_pickle`'s condition for pickling a `PickleBuffer`).
    pub contiguous: bool,
}

/// `f` on `obj`'s buffer (requested as `PyBUF_FULL_RO`, as `_pickle`'s
/// `PickleBuffer` holds it), held exported (so neither freed nor resized)
/// until `f` returns.
pub fn with_buffer<R>(obj: &Bound<'_, PyAny>, f: impl FnOnce(BufferView<'_>) -> R) -> PyResult<R> {
    let mut view = std::mem::MaybeUninit::<RawBuffer>::zeroed();
    // SAFETY: the GIL is held; on success the view describes its memory
    // (`len` bytes at `buf` when contiguous) until PyBuffer_Release, called
    // exactly once below; on failure an exception is set (taken into the
    // PyErr).
    unsafe {
        if PyObject_GetBuffer(obj.as_ptr(), view.as_mut_ptr(), PYBUF_FULL_RO) != 0 {
            return Err(PyErr::fetch(obj.py()));
        }
        let v = view.assume_init_mut();
        let contiguous = v.suboffsets.is_null() && PyBuffer_IsContiguous(v, b'A' as c_char) != 0;
        let data: &[u8] = if !contiguous || v.len <= 0 || v.buf.is_null() {
            &[]
        } else {
            std::slice::from_raw_parts(v.buf.cast::<u8>().cast_const(), v.len as usize)
        };
        let r = f(BufferView {
            data,
            readonly: v.readonly != 0,
            contiguous,
        });
        PyBuffer_Release(v);
        Ok(r)
    }
}

/// Item `i` of `list`, borrowed from the list (None when out of range).
///
/// The caller must not let Python code run while it uses the item (the
/// list could drop it): it saves only objects whose saving runs none.
#[inline]
pub fn list_item<'a, 'py>(
    list: &'a Bound<'py, PyList>,
    i: usize,
) -> Option<Borrowed<'a, 'py, PyAny>> {
    let i = ffi::Py_ssize_t::try_from(i).ok()?;
    // SAFETY: the GIL is held (Bound); PyList_GetItem returns a borrowed
    // reference or NULL with IndexError set (fetched and dropped here).
    unsafe {
        let p = ffi::PyList_GetItem(list.as_ptr(), i);
        if p.is_null() {
            drop(PyErr::take(list.py()));
            return None;
        }
        Some(Borrowed::from_ptr(list.py(), p))
    }
}

/// `PyDict_Next`: the entry at or after `*pos`, borrowed from the dict,
/// as `_pickle`'s `batch_dict_exact` walks a dict.
///
/// The caller must not let Python code run while it uses the entry, or
/// take references of its own first.
#[inline]
pub fn dict_next<'a, 'py>(
    dict: &'a Bound<'py, PyDict>,
    pos: &mut ffi::Py_ssize_t,
) -> Option<(Borrowed<'a, 'py, PyAny>, Borrowed<'a, 'py, PyAny>)> {
    let py = dict.py();
    let mut k: *mut ffi::PyObject = std::ptr::null_mut();
    let mut v: *mut ffi::PyObject = std::ptr::null_mut();
    // SAFETY: the GIL is held; PyDict_Next gives borrowed, non-NULL
    // references to the entry when it returns true.
    unsafe {
        if ffi::PyDict_Next(dict.as_ptr(), pos, &mut k, &mut v) == 0 {
            return None;
        }
        Some((Borrowed::from_ptr(py, k), Borrowed::from_ptr(py, v)))
    }
}

/// The value of an exact `int` that fits in i64; None for larger ones.
#[inline]
pub fn int_value(obj: &Bound<'_, PyAny>) -> Option<i64> {
    let mut overflow: std::os::raw::c_int = 0;
    // SAFETY: the GIL is held; the caller passes an exact int, for which
    // the call fails only by overflow (reported in `overflow`).
    let v = unsafe { ffi::PyLong_AsLongLongAndOverflow(obj.as_ptr(), &mut overflow) };
    if overflow != 0 {
        return None;
    }
    if v == -1 {
        if let Some(e) = PyErr::take(obj.py()) {
            drop(e);
            return None;
        }
    }
    Some(v)
}

/// The UTF-8 bytes of `s` (CPython's cached form, alive as long as `s`);
/// None for a string with lone surrogates.
#[inline]
pub fn str_utf8<'a>(s: &'a Bound<'_, PyString>) -> Option<&'a [u8]> {
    let mut n: ffi::Py_ssize_t = 0;
    // SAFETY: the GIL is held; the buffer belongs to the string object,
    // which `s` keeps alive for 'a, and is never modified (str is
    // immutable). NULL means UnicodeEncodeError, fetched and dropped.
    unsafe {
        let p = PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut n);
        if p.is_null() {
            drop(PyErr::take(s.py()));
            return None;
        }
        Some(std::slice::from_raw_parts(p.cast::<u8>(), n as usize))
    }
}
