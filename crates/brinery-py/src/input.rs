//! Where the unpickler's bytes come from: a borrowed `bytes` object (zero
//! copy) or a file object read exactly up to STOP (`read(n)` for what an
//! opcode needs, `readline()` for text arguments, one `read` per FRAME), as
//! `_pickle` does.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors;

/// Largest single `file.read(n)` request: a hostile length field does not
/// make us ask the file for (and the file allocate) more than this at once.
const READ_CHUNK: usize = 1 << 26;

pub struct FileSrc<'py> {
    pub read: Bound<'py, PyAny>,
    pub readline: Bound<'py, PyAny>,
}

pub struct Input<'a, 'py> {
    data: &'a [u8],
    own: Vec<u8>,
    pos: usize,
    base: u64,
    file: Option<FileSrc<'py>>,
}

fn truncated(py: Python<'_>) -> PyErr {
    errors::unpickling(py, "pickle data was truncated")
}

impl<'a, 'py> Input<'a, 'py> {
    pub fn from_slice(data: &'a [u8]) -> Self {
        Input {
            data,
            own: Vec::new(),
            pos: 0,
            base: 0,
            file: None,
        }
    }

    pub fn from_file(file: FileSrc<'py>) -> Self {
        Input {
            data: &[],
            own: Vec::new(),
            pos: 0,
            base: 0,
            file: Some(file),
        }
    }

    /// Byte offset (from the start of this input) of the next byte.
    #[inline]
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// For slice input: the whole slice and the position of the next byte
    /// (the decoder's fast path reads straight from it).
    #[inline]
    pub fn window(&self) -> Option<(&'a [u8], usize)> {
        if self.file.is_some() {
            return None;
        }
        Some((self.data, self.pos))
    }

    /// Continue at `pos` of the slice [`Input::window`] gave.
    #[inline]
    pub fn seek_window(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// Go back to the stream offset `to` (still buffered).
    pub fn rewind_to(&mut self, to: u64) {
        self.pos = (to - self.base) as usize;
    }

    #[inline]
    fn buf(&self) -> &[u8] {
        if self.file.is_some() {
            &self.own
        } else {
            self.data
        }
    }

    /// The next byte, or None at the end of the input.
    #[inline(always)]
    pub fn byte(&mut self, py: Python<'py>) -> PyResult<Option<u8>> {
        if let Some(&b) = self.buf().get(self.pos) {
            self.pos += 1;
            return Ok(Some(b));
        }
        self.byte_slow(py)
    }

    #[cold]
    #[inline(never)]
    fn byte_slow(&mut self, py: Python<'py>) -> PyResult<Option<u8>> {
        if self.file.is_none() || !self.fill(py, 1)? {
            return Ok(None);
        }
        let b = self.own[self.pos];
        self.pos += 1;
        Ok(Some(b))
    }

    /// Exactly `n` bytes or "pickle data was truncated".
    #[inline(always)]
    pub fn read(&mut self, py: Python<'py>, n: usize) -> PyResult<&[u8]> {
        let start = self.pos;
        if self.buf().len() - start >= n {
            self.pos = start + n;
            return Ok(&self.buf()[start..start + n]);
        }
        self.read_slow(py, n)
    }

    #[cold]
    #[inline(never)]
    fn read_slow(&mut self, py: Python<'py>, n: usize) -> PyResult<&[u8]> {
        if self.file.is_none() || !self.fill(py, n)? {
            return Err(truncated(py));
        }
        let s = &self.own[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    #[inline(always)]
    pub fn read_array<const N: usize>(&mut self, py: Python<'py>) -> PyResult<[u8; N]> {
        let start = self.pos;
        if let Some(s) = self.buf().get(start..start + N) {
            let out: [u8; N] = s.try_into().expect("N bytes");
            self.pos = start + N;
            return Ok(out);
        }
        let s = self.read_slow(py, N)?;
        Ok(s.try_into().expect("N bytes"))
    }

    /// A line including its `\n` (without one at the end of the input).
    pub fn readline(&mut self, py: Python<'py>) -> PyResult<&[u8]> {
        let start = self.pos;
        let found = self.buf()[start..].iter().position(|&b| b == b'\n');
        if let Some(i) = found {
            self.pos = start + i + 1;
            return Ok(&self.buf()[start..start + i + 1]);
        }
        if let Some(file) = &self.file {
            let line = file.readline.call0()?;
            let line = as_bytes_obj(py, &line)?;
            self.own.extend_from_slice(line.as_bytes());
        }
        let end = self.buf().len();
        self.pos = end;
        Ok(&self.buf()[start..end])
    }

    /// Make `n` bytes available at `pos`; false if the file ended first.
    fn fill(&mut self, py: Python<'py>, n: usize) -> PyResult<bool> {
        let avail = self.own.len() - self.pos;
        if avail >= n {
            return Ok(true);
        }
        let Some(file) = &self.file else {
            return Ok(false);
        };
        if self.pos > 0 {
            self.own.drain(..self.pos);
            self.base += self.pos as u64;
            self.pos = 0;
        }
        let mut need = n - avail;
        while need > 0 {
            let ask = need.min(READ_CHUNK);
            let got = file.read.call1((ask,))?;
            let got = as_bytes_obj(py, &got)?;
            let got = got.as_bytes();
            if got.len() > ask {
                return Err(errors::value_error(format!(
                    "read() returned too much data: {} bytes requested, {} returned",
                    ask,
                    got.len()
                )));
            }
            self.own.extend_from_slice(got);
            if got.len() < ask {
                return Ok(false);
            }
            need -= got.len();
        }
        Ok(true)
    }
}

/// A `bytes` object for whatever bytes-like object a file returned.
pub fn as_bytes_obj<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.clone());
    }
    let b = py
        .get_type::<PyBytes>()
        .call1((obj,))?
        .cast_into::<PyBytes>()
        .map_err(PyErr::from)?;
    Ok(b)
}
