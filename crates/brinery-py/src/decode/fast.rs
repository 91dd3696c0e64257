//! The decoder's hot path for `loads` (slice input): the opcodes CPython's
//! pickler writes for plain data, matched on the raw byte and executed
//! straight from the input slice.
//!
//! An accelerator, not a second interpreter: an opcode is executed here
//! only when it will succeed exactly as [`Decoder::step`] would execute it
//! (bounds, stack, mark, memo and limit conditions are checked before
//! anything changes). On anything else (another opcode, a truncated
//! argument, text that is not strict UTF-8, an empty memo slot, a stack
//! underflow, a target that is not a plain list or dict, a memo limit) it
//! stops in front of that opcode and leaves it to the general loop, which
//! gives `_pickle`'s result or error. Errors raised by Python here (an
//! unhashable dict key) are the ones the general loop raises too.

use brinery::Opcode as O;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;

use super::Decoder;

const MEMOIZE: u8 = O::Memoize.code();
const BINPUT: u8 = O::BinPut.code();
const BINGET: u8 = O::BinGet.code();
const LONG_BINGET: u8 = O::LongBinGet.code();
const BININT: u8 = O::BinInt.code();
const BININT1: u8 = O::BinInt1.code();
const BININT2: u8 = O::BinInt2.code();
const BINFLOAT: u8 = O::BinFloat.code();
const SHORT_BINUNICODE: u8 = O::ShortBinUnicode.code();
const BINUNICODE: u8 = O::BinUnicode.code();
const EMPTY_DICT: u8 = O::EmptyDict.code();
const EMPTY_LIST: u8 = O::EmptyList.code();
const EMPTY_TUPLE: u8 = O::EmptyTuple.code();
const NONE: u8 = O::None.code();
const NEWTRUE: u8 = O::NewTrue.code();
const NEWFALSE: u8 = O::NewFalse.code();
const MARK: u8 = O::Mark.code();
const APPEND: u8 = O::Append.code();
const APPENDS: u8 = O::Appends.code();
const SETITEM: u8 = O::SetItem.code();
const SETITEMS: u8 = O::SetItems.code();
const TUPLE1: u8 = O::Tuple1.code();
const TUPLE2: u8 = O::Tuple2.code();
const TUPLE3: u8 = O::Tuple3.code();
const FRAME: u8 = O::Frame.code();

/// The `N` argument bytes of the opcode at `pos`, if all present.
#[inline(always)]
fn arg<const N: usize>(data: &[u8], pos: usize) -> Option<[u8; N]> {
    data.get(pos + 1..pos + 1 + N)?.try_into().ok()
}

/// The 1-byte or (`wide`) 4-byte unsigned argument of the opcode at `pos`,
/// and the opcode's length with it.
#[inline(always)]
fn uint_arg(data: &[u8], pos: usize, wide: bool) -> Option<(usize, usize)> {
    if wide {
        arg::<4>(data, pos).map(|a| (u32::from_le_bytes(a) as usize, 5))
    } else {
        arg::<1>(data, pos).map(|[a]| (a as usize, 2))
    }
}

impl<'py> Decoder<'_, '_, 'py> {
    /// Execute hot opcodes from the current position of a slice input until
    /// one is left to the general loop (or the input ends).
    #[inline]
    pub(super) fn run_fast(&mut self) -> PyResult<()> {
        let Some((data, start)) = self.input.window() else {
            return Ok(());
        };
        let mut pos = start;
        let r = self.fast_loop(data, &mut pos);
        if pos != start {
            self.input.seek_window(pos);
        }
        if r.is_err() {
            // Where a Python error raised here happened.
            self.op_off = self.input.offset();
            self.op = data
                .get(pos)
                .and_then(|&b| O::from_byte(b))
                .unwrap_or(O::Stop);
        }
        r
    }

    /// The stack floor the next pop may not cross (the last mark).
    #[inline(always)]
    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    /// Room for one memo entry under `max_memo_entries`.
    #[inline(always)]
    fn memo_room(&self) -> bool {
        self.ctx
            .max_memo_entries
            .is_none_or(|max| self.memo.len < max)
    }

    fn fast_loop(&mut self, data: &[u8], pos: &mut usize) -> PyResult<()> {
        let py = self.py;
        while let Some(&b) = data.get(*pos) {
            let p = *pos;
            match b {
                BININT1 => {
                    let Some([v]) = arg::<1>(data, p) else { break };
                    self.stack.push(v.into_bound_py_any(py)?);
                    *pos = p + 2;
                }
                BININT2 => {
                    let Some(v) = arg::<2>(data, p) else { break };
                    self.stack
                        .push(u16::from_le_bytes(v).into_bound_py_any(py)?);
                    *pos = p + 3;
                }
                BININT => {
                    let Some(v) = arg::<4>(data, p) else { break };
                    self.stack
                        .push(i32::from_le_bytes(v).into_bound_py_any(py)?);
                    *pos = p + 5;
                }
                BINFLOAT => {
                    let Some(v) = arg::<8>(data, p) else { break };
                    let f = PyFloat::new(py, f64::from_be_bytes(v));
                    self.stack.push(f.into_any());
                    *pos = p + 9;
                }
                SHORT_BINUNICODE | BINUNICODE => {
                    let Some((n, head)) = uint_arg(data, p, b == BINUNICODE) else {
                        break;
                    };
                    let Some(text) = data.get(p + head..p + head + n) else {
                        break;
                    };
                    // Not strict UTF-8 (pickle's lone surrogates): the
                    // general loop decodes it.
                    let Ok(s) = PyString::from_bytes(py, text) else {
                        break;
                    };
                    self.stack.push(s.into_any());
                    *pos = p + head + n;
                }
                MEMOIZE | BINPUT => {
                    let (idx, len) = if b == MEMOIZE {
                        (self.memo.len, 1)
                    } else {
                        let Some(a) = uint_arg(data, p, false) else {
                            break;
                        };
                        a
                    };
                    if self.stack.len() <= self.floor() || !self.memo_room() {
                        break;
                    }
                    let top = self.stack.last().expect("above the floor");
                    self.memo.put(idx as u64, top.clone().unbind());
                    *pos = p + len;
                }
                BINGET | LONG_BINGET => {
                    let Some((idx, len)) = uint_arg(data, p, b == LONG_BINGET) else {
                        break;
                    };
                    let Some(o) = self.memo.get(py, idx as u64) else {
                        break;
                    };
                    self.stack.push(o);
                    *pos = p + len;
                }
                EMPTY_DICT => {
                    self.stack.push(PyDict::new(py).into_any());
                    *pos = p + 1;
                }
                EMPTY_LIST => {
                    self.stack.push(PyList::empty(py).into_any());
                    *pos = p + 1;
                }
                EMPTY_TUPLE => {
                    self.stack.push(PyTuple::empty(py).into_any());
                    *pos = p + 1;
                }
                NONE => {
                    self.stack.push(py.None().into_bound(py));
                    *pos = p + 1;
                }
                NEWTRUE | NEWFALSE => {
                    let v = PyBool::new(py, b == NEWTRUE).to_owned();
                    self.stack.push(v.into_any());
                    *pos = p + 1;
                }
                MARK => {
                    self.marks.push(self.stack.len());
                    *pos = p + 1;
                }
                TUPLE1 | TUPLE2 | TUPLE3 => {
                    let n = (b - TUPLE1) as usize + 1;
                    if self.stack.len() < self.floor() + n {
                        break;
                    }
                    let start = self.stack.len() - n;
                    let t = PyTuple::new(py, self.stack.drain(start..))?;
                    self.stack.push(t.into_any());
                    *pos = p + 1;
                }
                APPENDS | SETITEMS => {
                    // The mark, and the target below it above the mark
                    // before (as `Decoder::step` checks).
                    let Some(&m) = self.marks.last() else { break };
                    let below = self.marks.len().checked_sub(2).map_or(0, |i| self.marks[i]);
                    if m <= below || m > self.stack.len() {
                        break;
                    }
                    let target = &self.stack[m - 1];
                    if b == APPENDS {
                        let Ok(list) = target.cast_exact::<PyList>() else {
                            break;
                        };
                        let list = list.clone();
                        let items = PyList::new(py, self.stack.drain(m..))?;
                        let n = list.len();
                        self.marks.pop();
                        *pos = p + 1;
                        list.set_slice(n, n, items.as_any())?;
                    } else {
                        if (self.stack.len() - m) % 2 != 0 {
                            break;
                        }
                        let Ok(dict) = target.cast_exact::<PyDict>() else {
                            break;
                        };
                        self.marks.pop();
                        *pos = p + 1;
                        for kv in self.stack[m..].chunks_exact(2) {
                            dict.set_item(&kv[0], &kv[1])?;
                        }
                        self.stack.truncate(m);
                    }
                }
                APPEND => {
                    let f = self.floor();
                    if self.stack.len() < f + 2 {
                        break;
                    }
                    let Ok(list) = self.stack[self.stack.len() - 2].cast_exact::<PyList>() else {
                        break;
                    };
                    let list = list.clone();
                    let v = self.stack.pop().expect("checked");
                    *pos = p + 1;
                    list.append(v)?;
                }
                SETITEM => {
                    let f = self.floor();
                    if self.stack.len() < f + 3 {
                        break;
                    }
                    let n = self.stack.len();
                    let Ok(dict) = self.stack[n - 3].cast_exact::<PyDict>() else {
                        break;
                    };
                    let dict = dict.clone();
                    let v = self.stack.pop().expect("checked");
                    let k = self.stack.pop().expect("checked");
                    *pos = p + 1;
                    dict.set_item(k, v)?;
                }
                FRAME => {
                    // The frame's bytes must all be there (else the general
                    // loop reports the truncation); its opcodes follow.
                    let Some(n) = arg::<8>(data, p) else { break };
                    let n = u64::from_le_bytes(n);
                    if n > (data.len() - (p + 9)) as u64 {
                        break;
                    }
                    *pos = p + 9;
                }
                _ => break,
            }
        }
        Ok(())
    }
}
