//! Input sources: a zero-copy slice reader and a buffered `std::io::Read`
//! reader, behind one sealed trait.

use std::io;

use crate::error::{Error, Result};

/// Bytes that were either borrowed from the input for its whole lifetime
/// (`'de`) or copied into a temporary buffer (`'s`).
#[derive(Debug)]
pub enum Reference<'de, 's, T: ?Sized + 'static> {
    /// Borrowed from the input: may be kept as long as the input lives.
    Borrowed(&'de T),
    /// Copied into scratch space: valid until the next read.
    Copied(&'s T),
}

impl<'de, 's, T: ?Sized + 'static> std::ops::Deref for Reference<'de, 's, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match *self {
            Reference::Borrowed(b) => b,
            Reference::Copied(c) => c,
        }
    }
}

mod private {
    pub trait Sealed {}
}

/// A source of pickle bytes. Sealed: use [`SliceRead`] or [`IoRead`].
pub trait Read<'de>: private::Sealed {
    /// Bytes consumed so far.
    fn offset(&self) -> u64;
    /// The next byte, or `None` at the end of input.
    fn next_byte(&mut self) -> Result<Option<u8>>;
    /// Exactly `n` bytes; a clean EOF error if fewer remain.
    fn read_exact<'s>(
        &'s mut self,
        n: u64,
        scratch: &'s mut Vec<u8>,
    ) -> Result<Reference<'de, 's, [u8]>>;
    /// Bytes up to and including the next `\n`; EOF error if there is none.
    fn read_line<'s>(&'s mut self, scratch: &'s mut Vec<u8>) -> Result<Reference<'de, 's, [u8]>>;
    /// Make sure at least `n` more bytes are available (used by FRAME).
    fn require(&mut self, n: u64) -> Result<()>;
    /// True when the reader can lend `'de` data (slices).
    fn is_borrowed(&self) -> bool;
    /// The next byte if it is already at hand (a slice, or a reader's
    /// buffer), without consuming it; `None` does not mean end of input.
    #[doc(hidden)]
    fn peek_byte(&self) -> Option<u8> {
        None
    }
    /// Bytes known to remain (a slice's rest; 0 when unknown), used only
    /// to size initial buffers.
    #[doc(hidden)]
    fn size_hint(&self) -> usize {
        0
    }
    /// The whole input and the current position in it, for readers over a
    /// slice (the decoder's hot path reads opcodes straight from it).
    #[doc(hidden)]
    fn window(&self) -> Option<(&'de [u8], usize)> {
        None
    }
    /// Move to `pos` in [`Read::window`]'s slice (a position the hot path
    /// reached by consuming whole opcodes).
    #[doc(hidden)]
    fn seek_window(&mut self, _pos: usize) {}
    /// This reader as a trait object (for hooks that read raw bytes).
    #[doc(hidden)]
    fn as_dyn_read(&mut self) -> &mut dyn Read<'de>;
}

/// Reads from a byte slice; payloads are borrowed, never copied.
pub struct SliceRead<'de> {
    data: &'de [u8],
    pos: usize,
}

impl<'de> SliceRead<'de> {
    /// A reader over `data`.
    pub fn new(data: &'de [u8]) -> Self {
        SliceRead { data, pos: 0 }
    }

    /// The bytes not consumed yet.
    pub fn remaining(&self) -> &'de [u8] {
        &self.data[self.pos..]
    }

    /// The position in the slice.
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl private::Sealed for SliceRead<'_> {}

fn truncated() -> Error {
    Error::eof("pickle data was truncated")
}

impl<'de> Read<'de> for SliceRead<'de> {
    #[inline]
    fn offset(&self) -> u64 {
        self.pos as u64
    }

    #[inline]
    fn next_byte(&mut self) -> Result<Option<u8>> {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(Some(b))
            }
            None => Ok(None),
        }
    }

    #[inline]
    fn read_exact<'s>(
        &'s mut self,
        n: u64,
        _scratch: &'s mut Vec<u8>,
    ) -> Result<Reference<'de, 's, [u8]>> {
        let rest = self.data.len() - self.pos;
        if n > rest as u64 {
            return Err(truncated());
        }
        let n = n as usize;
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(Reference::Borrowed(out))
    }

    #[inline]
    fn read_line<'s>(&'s mut self, _scratch: &'s mut Vec<u8>) -> Result<Reference<'de, 's, [u8]>> {
        let rest = &self.data[self.pos..];
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                self.pos += i + 1;
                Ok(Reference::Borrowed(&rest[..=i]))
            }
            None => Err(truncated()),
        }
    }

    #[inline]
    fn require(&mut self, n: u64) -> Result<()> {
        if n > (self.data.len() - self.pos) as u64 {
            Err(truncated())
        } else {
            Ok(())
        }
    }

    #[inline]
    fn peek_byte(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }
    fn size_hint(&self) -> usize {
        self.data.len() - self.pos
    }
    fn is_borrowed(&self) -> bool {
        true
    }
    #[inline]
    fn window(&self) -> Option<(&'de [u8], usize)> {
        Some((self.data, self.pos))
    }
    #[inline]
    fn seek_window(&mut self, pos: usize) {
        debug_assert!(pos <= self.data.len());
        self.pos = pos.min(self.data.len());
    }

    fn as_dyn_read(&mut self) -> &mut dyn Read<'de> {
        self
    }
}

/// Reads from any `std::io::Read` through its own buffer. It never reads
/// past what it needs to buffer, and a length field never makes it allocate
/// more than the bytes that actually arrive.
pub struct IoRead<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    consumed: u64,
    eof: bool,
}

const CHUNK: usize = 64 * 1024;

impl<R: io::Read> IoRead<R> {
    /// A reader over `inner`.
    pub fn new(inner: R) -> Self {
        IoRead {
            inner,
            buf: Vec::new(),
            pos: 0,
            consumed: 0,
            eof: false,
        }
    }

    /// Give back the inner reader. Bytes already buffered but not consumed
    /// are returned too.
    pub fn into_inner(self) -> (R, Vec<u8>) {
        let rest = self.buf[self.pos..].to_vec();
        (self.inner, rest)
    }

    /// Whether all input has been consumed (reads ahead to find out).
    pub fn at_eof(&mut self) -> Result<bool> {
        if self.pos < self.buf.len() {
            return Ok(false);
        }
        self.fill(1)?;
        Ok(self.pos >= self.buf.len())
    }

    /// Ensure at least `want` unread bytes are buffered, or EOF was reached.
    fn fill(&mut self, want: usize) -> Result<()> {
        if self.buf.len() - self.pos >= want || self.eof {
            return Ok(());
        }
        // Compact.
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        while self.buf.len() < want && !self.eof {
            let old = self.buf.len();
            // Never grow by more than what is already present (or one chunk).
            let step = (want - old).min(old.max(CHUNK)).max(CHUNK);
            self.buf.resize(old + step, 0);
            loop {
                match self.inner.read(&mut self.buf[old..]) {
                    Ok(k) => {
                        self.buf.truncate(old + k);
                        if k == 0 {
                            self.eof = true;
                        }
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.buf.truncate(old);
                        return Err(Error::io(e));
                    }
                }
            }
        }
        Ok(())
    }
}

impl<R> private::Sealed for IoRead<R> {}

impl<'de, R: io::Read> Read<'de> for IoRead<R> {
    #[inline]
    fn offset(&self) -> u64 {
        self.consumed
    }

    #[inline]
    fn peek_byte(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    fn next_byte(&mut self) -> Result<Option<u8>> {
        if self.pos >= self.buf.len() {
            self.fill(1)?;
            if self.pos >= self.buf.len() {
                return Ok(None);
            }
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        self.consumed += 1;
        Ok(Some(b))
    }

    fn read_exact<'s>(
        &'s mut self,
        n: u64,
        scratch: &'s mut Vec<u8>,
    ) -> Result<Reference<'de, 's, [u8]>> {
        let avail = (self.buf.len() - self.pos) as u64;
        if n <= avail {
            let n = n as usize;
            scratch.clear();
            scratch.extend_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            self.consumed += n as u64;
            return Ok(Reference::Copied(&scratch[..]));
        }
        if n <= CHUNK as u64 {
            self.fill(n as usize)?;
            if ((self.buf.len() - self.pos) as u64) < n {
                return Err(truncated());
            }
            return self.read_exact(n, scratch);
        }
        // Large payload: copy what is buffered, then read the rest directly,
        // growing the scratch only as bytes arrive.
        scratch.clear();
        scratch.extend_from_slice(&self.buf[self.pos..]);
        self.pos = self.buf.len();
        let mut need = n - scratch.len() as u64;
        while need > 0 && !self.eof {
            // Grow with what has arrived (one chunk at first, at most 16
            // at a time), so a lying length costs at most a chunk more
            // than the bytes that exist.
            let old = scratch.len();
            let step = need.min(old.clamp(CHUNK, 16 * CHUNK) as u64) as usize;
            scratch.resize(old + step, 0);
            let got = loop {
                match self.inner.read(&mut scratch[old..]) {
                    Ok(k) => break k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(Error::io(e)),
                }
            };
            scratch.truncate(old + got);
            if got == 0 {
                self.eof = true;
            }
            need -= got as u64;
        }
        if need > 0 {
            return Err(truncated());
        }
        self.consumed += n;
        Ok(Reference::Copied(&scratch[..]))
    }

    fn read_line<'s>(&'s mut self, scratch: &'s mut Vec<u8>) -> Result<Reference<'de, 's, [u8]>> {
        scratch.clear();
        loop {
            let rest = &self.buf[self.pos..];
            if let Some(i) = rest.iter().position(|&b| b == b'\n') {
                scratch.extend_from_slice(&rest[..=i]);
                self.pos += i + 1;
                self.consumed += (i + 1) as u64;
                return Ok(Reference::Copied(&scratch[..]));
            }
            scratch.extend_from_slice(rest);
            self.consumed += rest.len() as u64;
            self.pos = self.buf.len();
            if self.eof {
                return Err(truncated());
            }
            self.fill(1)?;
            if self.pos >= self.buf.len() {
                return Err(truncated());
            }
        }
    }

    fn require(&mut self, n: u64) -> Result<()> {
        let avail = (self.buf.len() - self.pos) as u64;
        if n <= avail {
            return Ok(());
        }
        // Grow gradually: a lying length costs only the bytes that exist.
        let mut target = avail;
        while target < n {
            target = (target.saturating_mul(2)).max(CHUNK as u64).min(n);
            self.fill(target as usize)?;
            if ((self.buf.len() - self.pos) as u64) < target {
                return Err(truncated());
            }
        }
        Ok(())
    }

    fn is_borrowed(&self) -> bool {
        false
    }

    fn as_dyn_read(&mut self) -> &mut dyn Read<'de> {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_read_lines_and_exact() {
        let data = b"abc\ndefgh".to_vec();
        let mut r = IoRead::new(&data[..]);
        let mut s = Vec::new();
        assert_eq!(&*r.read_line(&mut s).unwrap(), b"abc\n");
        assert_eq!(&*Read::read_exact(&mut r, 3, &mut s).unwrap(), b"def");
        assert!(r.require(2).is_ok());
        assert!(r.require(3).is_err());
        assert_eq!(r.offset(), 7);
        assert!(r.read_line(&mut s).is_err());
    }

    #[test]
    fn io_read_huge_claim_is_eof() {
        let data = [7u8; 10];
        let mut r = IoRead::new(&data[..]);
        let mut s = Vec::new();
        assert!(Read::read_exact(&mut r, 1 << 62, &mut s)
            .unwrap_err()
            .is_eof());
        let mut r = IoRead::new(&data[..]);
        assert!(r.require(1 << 62).is_err());
    }
}
