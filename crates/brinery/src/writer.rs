//! The low-level pickle writer shared by the graph pickler and the serde
//! serializer: CPython's output buffer with framing
//! (`_Pickler_Write`, `_Pickler_CommitFrame`, `_Pickler_OpcodeBoundary`,
//! `_Pickler_write_bytes`) and the opcode choices for memo entries and
//! scalars (`memo_put`/`memo_get`, `save_bool`, `save_long`, `save_float`,
//! `save_unicode`).

use std::io;

use num_bigint::{BigInt, Sign};

use crate::error::{Error, ErrorKind, Result};
use crate::opcodes::Opcode as O;
use crate::text::{float_repr, MAX_STR_DIGITS};
use crate::value::PyStr;

pub(crate) const BATCHSIZE: usize = 1000;
const FRAME_SIZE_MIN: usize = 4;
const FRAME_SIZE_TARGET: usize = 64 * 1024;
const FRAME_HEADER_SIZE: usize = 9;

pub(crate) fn unpicklable(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unpicklable, msg)
}

/// The output buffer with CPython's framing (as in the graph pickler),
/// plus a count of flushes so a MARK written speculatively can be taken
/// back while it is still buffered.
pub(crate) struct Output<W> {
    pub(crate) buf: Vec<u8>,
    frame_start: Option<usize>,
    pub(crate) framing: bool,
    pub(crate) sink: W,
    flushes: u64,
}

impl<W: io::Write> Output<W> {
    /// Write STOP, close the last frame and flush everything to the sink.
    pub(crate) fn finish(&mut self) -> Result<()> {
        self.byte(O::Stop.code());
        self.commit_frame();
        self.framing = false;
        self.flush()?;
        self.sink.flush().map_err(Error::io)
    }

    /// An empty buffer in front of `sink`; framing starts off.
    pub(crate) fn new(sink: W) -> Self {
        Output {
            buf: Vec::with_capacity(4096),
            frame_start: None,
            framing: false,
            sink,
            flushes: 0,
        }
    }

    #[inline]
    pub(crate) fn write(&mut self, data: &[u8]) {
        if self.framing && self.frame_start.is_none() {
            self.frame_start = Some(self.buf.len());
            self.buf.extend_from_slice(&[0xFE; FRAME_HEADER_SIZE]);
        }
        self.buf.extend_from_slice(data);
    }

    #[inline]
    pub(crate) fn byte(&mut self, b: u8) {
        if self.framing && self.frame_start.is_none() {
            self.write(&[b]);
        } else {
            self.buf.push(b);
        }
    }

    pub(crate) fn commit_frame(&mut self) {
        let Some(start) = self.frame_start.take() else {
            return;
        };
        if !self.framing {
            return;
        }
        let len = self.buf.len() - start - FRAME_HEADER_SIZE;
        if len >= FRAME_SIZE_MIN {
            self.buf[start] = O::Frame.code();
            self.buf[start + 1..start + 9].copy_from_slice(&(len as u64).to_le_bytes());
        } else {
            self.buf.drain(start..start + FRAME_HEADER_SIZE);
        }
    }

    pub(crate) fn flush(&mut self) -> Result<()> {
        self.sink.write_all(&self.buf).map_err(Error::io)?;
        self.buf.clear();
        self.flushes += 1;
        Ok(())
    }

    #[inline]
    pub(crate) fn boundary(&mut self) -> Result<()> {
        if let Some(start) = self.frame_start {
            if self.framing && self.buf.len() - start - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET {
                self.commit_frame();
                self.flush()?;
            }
        }
        Ok(())
    }

    pub(crate) fn write_bytes(&mut self, header: &[u8], data: &[u8]) -> Result<()> {
        if data.len() >= FRAME_SIZE_TARGET {
            self.commit_frame();
            let framing = self.framing;
            self.framing = false;
            self.write(header);
            self.flush()?;
            self.sink.write_all(data).map_err(Error::io)?;
            self.framing = framing;
        } else {
            self.write(header);
            self.write(data);
        }
        Ok(())
    }

    /// Where a MARK about to be written will be, to take it back later.
    #[inline]
    #[cfg(feature = "serde")]
    pub(crate) fn mark(&mut self) -> (usize, u64) {
        self.byte(O::Mark.code());
        (self.buf.len() - 1, self.flushes)
    }

    /// Remove a MARK written by [`Output::mark`] if it is still buffered.
    #[cfg(feature = "serde")]
    pub(crate) fn unmark(&mut self, at: (usize, u64)) -> bool {
        if at.1 == self.flushes && self.buf.get(at.0) == Some(&O::Mark.code()) {
            self.buf.remove(at.0);
            true
        } else {
            false
        }
    }

    // ----- memo entries and scalars, as the C pickler writes them -----

    /// A `bytes` payload with the opcode `save_bytes` picks at protocol 3+
    /// (`SHORT_BINBYTES`, `BINBYTES`, `BINBYTES8`); no memo entry.
    pub(crate) fn bin_bytes(&mut self, data: &[u8], proto: u8) -> Result<()> {
        let n = data.len();
        if n <= 0xff {
            self.write_bytes(&[O::ShortBinBytes.code(), n as u8], data)
        } else if n <= 0xffff_ffff {
            let mut h = [O::BinBytes.code(), 0, 0, 0, 0];
            h[1..].copy_from_slice(&(n as u32).to_le_bytes());
            self.write_bytes(&h, data)
        } else if proto >= 4 {
            let mut h = [0u8; 9];
            h[0] = O::BinBytes8.code();
            h[1..].copy_from_slice(&(n as u64).to_le_bytes());
            self.write_bytes(&h, data)
        } else {
            Err(unpicklable(
                "serializing a bytes object larger than 4 GiB requires pickle protocol 4 or higher",
            ))
        }
    }

    /// A `GLOBAL module\nname\n` line (protocols 0-3), with
    /// `_compat_pickle`'s renaming when `fix_imports` is on and the protocol
    /// is below 3, refusing non-ASCII names except at protocol 3 (as
    /// `save_global` does); no memo entry.
    pub(crate) fn global_line(
        &mut self,
        module: &str,
        name: &str,
        proto: u8,
        fix_imports: bool,
    ) -> Result<()> {
        let (m, n) = match fix_imports
            .then(|| crate::compat::py3_to_py2(module, name))
            .flatten()
        {
            Some((m, n)) => (m, n),
            None => (module, name),
        };
        if proto != 3 && (!m.is_ascii() || !n.is_ascii()) {
            return Err(unpicklable(format!(
                "can't pickle global identifier '{m}.{n}' using pickle protocol {proto}"
            )));
        }
        let mut line = Vec::with_capacity(m.len() + n.len() + 3);
        line.push(O::Global.code());
        line.extend_from_slice(m.as_bytes());
        line.push(b'\n');
        line.extend_from_slice(n.as_bytes());
        line.push(b'\n');
        self.write(&line);
        Ok(())
    }

    pub(crate) fn put(&mut self, idx: u32, proto: u8) {
        if proto >= 4 {
            self.byte(O::Memoize.code());
        } else {
            self.memo_op(idx, proto, [O::BinPut, O::LongBinPut, O::Put]);
        }
    }

    pub(crate) fn get(&mut self, idx: u32, proto: u8) {
        self.memo_op(idx, proto, [O::BinGet, O::LongBinGet, O::Get]);
    }

    /// A memo PUT or GET of `idx`: `ops` is its one-byte-key, four-byte-key
    /// and (protocol 0) decimal-line opcode.
    fn memo_op(&mut self, idx: u32, proto: u8, [short, long, text]: [O; 3]) {
        if proto == 0 {
            self.write(format!("{}{idx}\n", text.code() as char).as_bytes());
        } else if idx < 256 {
            self.write(&[short.code(), idx as u8]);
        } else {
            let mut b = [long.code(), 0, 0, 0, 0];
            b[1..].copy_from_slice(&idx.to_le_bytes());
            self.write(&b);
        }
    }

    /// An empty list, dict or tuple: the one-byte `binary` opcode at
    /// protocol 1+, else MARK then the `text` opcode (LIST, DICT, TUPLE).
    pub(crate) fn empty(&mut self, binary: O, text: O, proto: u8) {
        if proto > 0 {
            self.byte(binary.code());
        } else {
            self.write(&[O::Mark.code(), text.code()]);
        }
    }

    /// The opcode closing a tuple of `len` items: TUPLE after a MARK, else
    /// TUPLE1–TUPLE3 (1–3 items at protocol 2+).
    pub(crate) fn tuple_end(&mut self, len: usize, marked: bool) {
        let op = if marked {
            O::Tuple
        } else {
            match len {
                1 => O::Tuple1,
                2 => O::Tuple2,
                _ => O::Tuple3,
            }
        };
        self.byte(op.code());
    }

    pub(crate) fn bool(&mut self, b: bool, proto: u8) {
        if proto >= 2 {
            self.byte(if b { O::NewTrue } else { O::NewFalse }.code());
        } else {
            self.write(if b { b"I01\n" } else { b"I00\n" });
        }
    }

    pub(crate) fn int(&mut self, v: i64, proto: u8) {
        if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
            if proto > 0 {
                let b = (v as i32).to_le_bytes();
                if b[2] != 0 || b[3] != 0 {
                    self.write(&[O::BinInt.code(), b[0], b[1], b[2], b[3]]);
                } else if b[1] != 0 {
                    self.write(&[O::BinInt2.code(), b[0], b[1]]);
                } else {
                    self.write(&[O::BinInt1.code(), b[0]]);
                }
            } else {
                self.write(format!("I{v}\n").as_bytes());
            }
            return;
        }
        if proto >= 2 {
            let full = v.to_le_bytes();
            let mut n = 8;
            while n > 1 {
                let top = full[n - 1];
                let next_msb = full[n - 2] & 0x80;
                if (top == 0 && next_msb == 0) || (top == 0xff && next_msb != 0) {
                    n -= 1;
                } else {
                    break;
                }
            }
            self.write(&[O::Long1.code(), n as u8]);
            self.write(&full[..n]);
        } else {
            self.write(format!("L{v}L\n").as_bytes());
        }
    }

    pub(crate) fn bigint(&mut self, b: &BigInt, proto: u8) -> Result<()> {
        if let Ok(v) = i64::try_from(b) {
            self.int(v, proto);
            return Ok(());
        }
        if proto >= 2 {
            if b.sign() == Sign::NoSign {
                self.write(&[O::Long1.code(), 0]);
                return Ok(());
            }
            let bytes = b.to_signed_bytes_le();
            if bytes.len() < 256 {
                self.write(&[O::Long1.code(), bytes.len() as u8]);
            } else {
                let n = u32::try_from(bytes.len())
                    .ok()
                    .filter(|&n| n <= i32::MAX as u32)
                    .ok_or_else(|| unpicklable("int too large to pickle"))?;
                let mut h = [O::Long4.code(), 0, 0, 0, 0];
                h[1..].copy_from_slice(&n.to_le_bytes());
                self.write(&h);
            }
            self.write(&bytes);
        } else {
            // Refuse before the (quadratic) decimal conversion when the bit
            // length alone shows more than MAX_STR_DIGITS digits.
            if b.bits() as f64 * std::f64::consts::LOG10_2 > MAX_STR_DIGITS as f64 + 1.0 {
                return Err(unpicklable(format!(
                    "Exceeds the limit ({MAX_STR_DIGITS} digits) for integer string conversion; use protocol 2 or higher"
                )));
            }
            let text = b.to_string();
            let digits = text.trim_start_matches('-').len();
            if digits > MAX_STR_DIGITS {
                return Err(unpicklable(format!(
                    "Exceeds the limit ({MAX_STR_DIGITS} digits) for integer string conversion; use protocol 2 or higher"
                )));
            }
            self.byte(O::Long.code());
            self.write(text.as_bytes());
            self.write(b"L\n");
        }
        Ok(())
    }

    pub(crate) fn float(&mut self, f: f64, proto: u8) {
        if proto > 0 {
            let mut b = [0u8; 9];
            b[0] = O::BinFloat.code();
            b[1..].copy_from_slice(&f.to_be_bytes());
            self.write(&b);
        } else {
            self.byte(O::Float.code());
            self.write(float_repr(f).as_bytes());
            self.byte(b'\n');
        }
    }

    /// The opcode and payload of a str (no memo).
    pub(crate) fn str(&mut self, wtf8: &[u8], proto: u8) -> Result<()> {
        if proto > 0 {
            let n = wtf8.len();
            if n <= 0xff && proto >= 4 {
                self.write_bytes(&[O::ShortBinUnicode.code(), n as u8], wtf8)?;
            } else if n <= 0xffff_ffff {
                let mut h = [O::BinUnicode.code(), 0, 0, 0, 0];
                h[1..].copy_from_slice(&(n as u32).to_le_bytes());
                self.write_bytes(&h, wtf8)?;
            } else if proto >= 4 {
                let mut h = [0u8; 9];
                h[0] = O::BinUnicode8.code();
                h[1..].copy_from_slice(&(n as u64).to_le_bytes());
                self.write_bytes(&h, wtf8)?;
            } else {
                return Err(unpicklable(
                    "serializing a string larger than 4 GiB requires pickle protocol 4 or higher",
                ));
            }
        } else {
            let s = PyStr::from_wtf8(wtf8).ok_or_else(|| unpicklable("invalid str"))?;
            let mut text = Vec::with_capacity(wtf8.len() + 2);
            text.push(O::Unicode.code());
            for ch in s.code_points() {
                if ch >= 0x10000 {
                    text.extend_from_slice(format!("\\U{ch:08x}").as_bytes());
                } else if ch >= 256 || matches!(ch, 0x5c | 0 | 0x0a | 0x0d | 0x1a) {
                    text.extend_from_slice(format!("\\u{ch:04x}").as_bytes());
                } else {
                    text.push(ch as u8);
                }
            }
            text.push(b'\n');
            self.write(&text);
        }
        Ok(())
    }
}

/// `bytes` as the `str` protocols 0-2 pickle them through
/// `_codecs.encode(s, 'latin1')`: each byte a code point, generalized UTF-8.
pub(crate) fn latin1_wtf8(data: &[u8]) -> Vec<u8> {
    let mut s = Vec::with_capacity(data.len() * 2);
    for &b in data {
        crate::text::push_code_point(&mut s, u32::from(b));
    }
    s
}
