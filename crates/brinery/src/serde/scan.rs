//! The structure pre-pass of the streaming deserializer.
//!
//! Pickle is a stack language: a list's items follow its `EMPTY_LIST`, a
//! tuple's items come before its `TUPLE2`, and whether the value after a
//! list is its next item or the list's next sibling is only known when the
//! opcode that consumes it arrives. A serde visitor, on the other hand,
//! asks "is there another element?" *before* the element is read.
//!
//! This pass runs the opcodes once with a stack of slot descriptors (no
//! values are built, no payload is decoded) and records, in pre-order, one
//! [`Rec`] per container: where it starts and ends in the input and how
//! many items it receives. It also resolves the memo statically (which
//! value each GET refers to). With that, the deserializer streams the
//! opcodes exactly, guided by the target type.
//!
//! Anything outside the plain data subset CPython writes for lists, dicts,
//! tuples, sets, frozensets and scalars (objects, REDUCE, BUILD, POP, DUP,
//! persistent ids, extensions, out-of-band buffers, a memo slot reused, a
//! container modified after it was referenced, malformed input) makes the
//! pass answer [`None`]; the caller then decodes through the graph, which
//! handles everything with CPython's exact semantics and errors.

use crate::opcodes::{ArgLayout, Opcode as O, HIGHEST_PROTOCOL};
use crate::unpickler::Limits;

pub(super) const LIST: u8 = 0;
pub(super) const DICT: u8 = 1;
pub(super) const SET: u8 = 2;
pub(super) const FROZENSET: u8 = 3;
pub(super) const TUPLE: u8 = 4;

/// One container, in pre-order of its start position.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rec {
    /// Position of its first opcode (EMPTY_*, its MARK, or its first
    /// item's first opcode for a postfix tuple).
    pub start: u32,
    /// Position just after its last opcode (the last one that adds items).
    pub end: u32,
    /// Items received (keys and values both count for dicts).
    pub count: u32,
    /// Index of the first record after this one's subtree.
    pub next: u32,
    /// LIST, DICT, SET, FROZENSET or TUPLE.
    pub kind: u8,
    /// Bytes of its own head opcode (EMPTY_* or MARK): 1, or 0 for a
    /// postfix tuple.
    pub head: u8,
    /// A memo GET referred to it (only used while scanning).
    referenced: bool,
}

/// A memo target: a scalar's opcode position, or a record.
pub(super) type Target = u64;
const REC_BIT: u64 = 1 << 63;
const NO_TARGET: u64 = u64::MAX;

#[inline]
pub(super) fn target_rec(t: Target) -> Option<usize> {
    if t & REC_BIT != 0 {
        Some((t & !REC_BIT) as usize)
    } else {
        None
    }
}

/// The result of the pass.
pub(super) struct Index {
    pub recs: Vec<Rec>,
    pub memo: Vec<Target>,
    /// Position of STOP.
    pub stop: usize,
    /// The protocol announced by PROTO (0 if none).
    pub proto: u8,
}

#[derive(Clone, Copy)]
struct Slot {
    start: u32,
    target: Target,
    /// The record this slot created and may still modify (u32::MAX if it
    /// is not an original container slot).
    orig: u32,
}

const NONE32: u32 = u32::MAX;

struct Scanner<'a> {
    data: &'a [u8],
    pos: usize,
    recs: Vec<Rec>,
    stack: Vec<Slot>,
    /// (stack height, position of the MARK).
    marks: Vec<(usize, u32)>,
    memo: Vec<Target>,
    memo_filled: u64,
    sorted: bool,
    over_limit: bool,
    max_marks: usize,
    max_stack: usize,
    max_memo: u64,
}

/// Run the pass. `None` means "not streamable: use the graph".
pub(super) fn scan(data: &[u8], limits: &Limits, max_memo: u64) -> Option<Index> {
    if data.len() >= (u32::MAX - 1) as usize {
        return None;
    }
    let mut s = Scanner {
        data,
        pos: 0,
        recs: Vec::new(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: Vec::new(),
        memo_filled: 0,
        sorted: true,
        over_limit: false,
        max_marks: limits.max_marks,
        max_stack: limits.max_stack,
        max_memo,
    };
    let (stop, proto) = s.run()?;
    if s.over_limit {
        return None;
    }
    let sorted = s.sorted;
    let Scanner {
        mut recs, mut memo, ..
    } = s;
    if !sorted {
        // Put the records in pre-order: start ascending, outer first.
        let mut order: Vec<u32> = (0..recs.len() as u32).collect();
        order.sort_by_key(|&i| {
            let r = &recs[i as usize];
            (r.start, std::cmp::Reverse(r.end))
        });
        let mut new_of = vec![0u32; recs.len()];
        for (new, &old) in order.iter().enumerate() {
            new_of[old as usize] = new as u32;
        }
        recs = order.iter().map(|&i| recs[i as usize]).collect();
        for t in memo.iter_mut() {
            if *t != NO_TARGET {
                if let Some(r) = target_rec(*t) {
                    *t = REC_BIT | new_of[r] as u64;
                }
            }
        }
    }
    // Subtree skip pointers.
    let n = recs.len();
    let mut open: Vec<usize> = Vec::new();
    for i in 0..n {
        let start = recs[i].start;
        while let Some(&top) = open.last() {
            if recs[top].end <= start {
                recs[top].next = i as u32;
                open.pop();
            } else {
                break;
            }
        }
        open.push(i);
    }
    for top in open {
        recs[top].next = n as u32;
    }
    Some(Index {
        recs,
        memo,
        stop,
        proto,
    })
}

impl Scanner<'_> {
    #[inline]
    fn fence(&self) -> usize {
        match self.marks.last() {
            Some(&(h, _)) => h,
            None => 0,
        }
    }

    #[inline]
    fn u8(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    #[inline]
    fn fixed<const N: usize>(&mut self) -> Option<[u8; N]> {
        let s = self.data.get(self.pos..self.pos + N)?;
        self.pos += N;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Some(out)
    }

    fn line(&mut self) -> Option<&[u8]> {
        let rest = &self.data[self.pos..];
        let i = rest.iter().position(|&b| b == b'\n')?;
        self.pos += i + 1;
        Some(&rest[..i])
    }

    /// Skip an opcode's argument using the opcode table.
    fn skip_arg(&mut self, op: O) -> Option<()> {
        match op.arg().layout() {
            ArgLayout::None => {}
            ArgLayout::Fixed(n) => {
                let n = n as usize;
                if self.pos + n > self.data.len() {
                    return None;
                }
                self.pos += n;
            }
            ArgLayout::Counted { width, signed } => {
                let n: u64 = match width {
                    1 => self.u8()? as u64,
                    4 => {
                        let b = self.fixed::<4>()?;
                        if signed {
                            let v = i32::from_le_bytes(b);
                            if v < 0 {
                                return None;
                            }
                            v as u64
                        } else {
                            u32::from_le_bytes(b) as u64
                        }
                    }
                    _ => u64::from_le_bytes(self.fixed::<8>()?),
                };
                if n > (self.data.len() - self.pos) as u64 {
                    return None;
                }
                self.pos += n as usize;
            }
            ArgLayout::Line => {
                self.line()?;
            }
            ArgLayout::TwoLines => {
                self.line()?;
                self.line()?;
            }
        }
        Some(())
    }

    fn new_rec(&mut self, start: u32, kind: u8, head: u8, count: u32) -> u32 {
        let idx = self.recs.len() as u32;
        if let Some(last) = self.recs.last() {
            if last.start > start || (last.start == start && head == 0) {
                self.sorted = false;
            }
        }
        self.recs.push(Rec {
            start,
            end: self.pos as u32,
            count,
            next: 0,
            kind,
            head,
            referenced: false,
        });
        idx
    }

    #[inline]
    fn push(&mut self, slot: Slot) {
        if self.stack.len() >= self.max_stack {
            // Let the graph decoder report it.
            self.over_limit = true;
        }
        self.stack.push(slot);
    }

    #[inline]
    fn scalar(&mut self, op_pos: usize) {
        self.push(Slot {
            start: op_pos as u32,
            target: op_pos as u64,
            orig: NONE32,
        });
    }

    /// Add `n` items to the container in slot `at` (must be an original
    /// container slot of `kind` that nothing has referenced yet).
    fn add_items(&mut self, at: usize, kind: u8, n: usize) -> Option<()> {
        let slot = *self.stack.get(at)?;
        if slot.orig == NONE32 {
            return None;
        }
        let end = self.pos as u32;
        let r = &mut self.recs[slot.orig as usize];
        if r.kind != kind || r.referenced {
            return None;
        }
        r.count = r.count.checked_add(n as u32)?;
        r.end = end;
        Some(())
    }

    fn memo_idx_line(&mut self) -> Option<u64> {
        let line = self.line()?;
        let s = std::str::from_utf8(line).ok()?;
        let s = s.trim_end_matches('\r');
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    }

    fn put(&mut self, idx: u64) -> Option<()> {
        if self.stack.len() <= self.fence() || idx > self.max_memo {
            return None;
        }
        let top = *self.stack.last()?;
        let i = idx as usize;
        if i >= self.memo.len() {
            if i > 2 * self.memo.len() + 64 {
                return None;
            }
            self.memo.resize(i + 1, NO_TARGET);
        }
        if self.memo[i] != NO_TARGET {
            return None;
        }
        self.memo[i] = top.target;
        self.memo_filled += 1;
        Some(())
    }

    fn get(&mut self, op_pos: usize, idx: u64) -> Option<()> {
        let t = *self.memo.get(idx as usize)?;
        if t == NO_TARGET {
            return None;
        }
        if let Some(r) = target_rec(t) {
            self.recs[r].referenced = true;
        }
        self.push(Slot {
            start: op_pos as u32,
            target: t,
            orig: NONE32,
        });
        Some(())
    }

    /// The opcodes that make a container (or push a mark).
    fn build(&mut self, op: O, op_pos: usize) -> Option<()> {
        match op {
            O::EmptyList | O::EmptyDict | O::EmptySet => {
                let kind = match op {
                    O::EmptyList => LIST,
                    O::EmptyDict => DICT,
                    _ => SET,
                };
                let r = self.new_rec(op_pos as u32, kind, 1, 0);
                self.push(Slot {
                    start: op_pos as u32,
                    target: REC_BIT | r as u64,
                    orig: r,
                });
            }
            O::Mark => {
                if self.marks.len() >= self.max_marks {
                    return None;
                }
                self.marks.push((self.stack.len(), op_pos as u32));
            }
            O::Tuple | O::List | O::Dict | O::FrozenSet => {
                let (h, mpos) = self.marks.pop()?;
                let n = self.stack.len() - h;
                let kind = match op {
                    O::Tuple => TUPLE,
                    O::List => LIST,
                    O::Dict => DICT,
                    _ => FROZENSET,
                };
                if kind == DICT && n % 2 != 0 {
                    return None;
                }
                self.stack.truncate(h);
                let r = self.new_rec(mpos, kind, 1, n as u32);
                let orig = if kind == LIST || kind == DICT {
                    r
                } else {
                    NONE32
                };
                self.push(Slot {
                    start: mpos,
                    target: REC_BIT | r as u64,
                    orig,
                });
            }
            O::Tuple1 | O::Tuple2 | O::Tuple3 => {
                let n = op.small_tuple_len();
                if self.stack.len() < n + self.fence() {
                    return None;
                }
                let h = self.stack.len() - n;
                let start = self.stack[h].start;
                self.stack.truncate(h);
                let r = self.new_rec(start, TUPLE, 0, n as u32);
                self.push(Slot {
                    start,
                    target: REC_BIT | r as u64,
                    orig: NONE32,
                });
            }
            _ => return None,
        }
        Some(())
    }

    /// The opcodes that add items to a list, dict or set.
    fn add(&mut self, op: O) -> Option<()> {
        match op {
            O::Append => {
                if self.stack.len() < self.fence() + 2 {
                    return None;
                }
                let at = self.stack.len() - 2;
                self.add_items(at, LIST, 1)?;
                self.stack.pop();
            }
            O::SetItem => {
                if self.stack.len() < self.fence() + 3 {
                    return None;
                }
                let at = self.stack.len() - 3;
                self.add_items(at, DICT, 2)?;
                self.stack.truncate(at + 1);
            }
            O::Appends | O::SetItems | O::AddItems => {
                let (h, _) = self.marks.pop()?;
                if h == 0 || h <= self.fence() {
                    return None;
                }
                let n = self.stack.len() - h;
                let kind = match op {
                    O::Appends => LIST,
                    O::SetItems => DICT,
                    _ => SET,
                };
                if kind == DICT && n % 2 != 0 {
                    return None;
                }
                self.add_items(h - 1, kind, n)?;
                self.stack.truncate(h);
            }
            _ => return None,
        }
        Some(())
    }

    /// The memo opcodes.
    fn memo(&mut self, op: O, op_pos: usize) -> Option<()> {
        let idx = match op {
            O::Get | O::Put => self.memo_idx_line()?,
            O::BinGet | O::BinPut => self.u8()? as u64,
            O::LongBinGet | O::LongBinPut => u32::from_le_bytes(self.fixed::<4>()?) as u64,
            O::Memoize => self.memo_filled,
            _ => return None,
        };
        match op {
            O::Get | O::BinGet | O::LongBinGet => self.get(op_pos, idx),
            _ => self.put(idx),
        }
    }

    fn run(&mut self) -> Option<(usize, u8)> {
        let mut proto = 0u8;
        const MEMOIZE: u8 = O::Memoize.code();
        const SHORT_BINUNICODE: u8 = O::ShortBinUnicode.code();
        const BININT1: u8 = O::BinInt1.code();
        const BINFLOAT: u8 = O::BinFloat.code();
        const BINGET: u8 = O::BinGet.code();
        loop {
            let op_pos = self.pos;
            let b = self.u8()?;
            // The frequent opcodes first.
            match b {
                MEMOIZE => {
                    let idx = self.memo_filled;
                    self.put(idx)?;
                    continue;
                }
                SHORT_BINUNICODE => {
                    let n = self.u8()? as usize;
                    if n > self.data.len() - self.pos {
                        return None;
                    }
                    self.pos += n;
                    self.scalar(op_pos);
                    continue;
                }
                BININT1 | BINFLOAT => {
                    let n = if b == BININT1 { 1 } else { 8 };
                    if n > self.data.len() - self.pos {
                        return None;
                    }
                    self.pos += n;
                    self.scalar(op_pos);
                    continue;
                }
                BINGET => {
                    let idx = self.u8()? as u64;
                    self.get(op_pos, idx)?;
                    continue;
                }
                _ => {}
            }
            let op = O::from_byte(b)?;
            match op {
                O::None
                | O::NewTrue
                | O::NewFalse
                | O::Int
                | O::BinInt
                | O::BinInt1
                | O::BinInt2
                | O::Long
                | O::Long1
                | O::Long4
                | O::Float
                | O::BinFloat
                | O::String
                | O::BinString
                | O::ShortBinString
                | O::Unicode
                | O::ShortBinUnicode
                | O::BinUnicode
                | O::BinUnicode8
                | O::BinBytes
                | O::ShortBinBytes
                | O::BinBytes8
                | O::ByteArray8
                | O::EmptyTuple
                | O::Global => {
                    self.skip_arg(op)?;
                    self.scalar(op_pos);
                }
                O::EmptyList
                | O::EmptyDict
                | O::EmptySet
                | O::Mark
                | O::Tuple
                | O::List
                | O::Dict
                | O::FrozenSet
                | O::Tuple1
                | O::Tuple2
                | O::Tuple3 => self.build(op, op_pos)?,
                O::Append | O::SetItem | O::Appends | O::SetItems | O::AddItems => self.add(op)?,
                O::Get
                | O::BinGet
                | O::LongBinGet
                | O::Put
                | O::BinPut
                | O::LongBinPut
                | O::Memoize => self.memo(op, op_pos)?,
                O::Proto => {
                    proto = self.u8()?;
                    if proto > HIGHEST_PROTOCOL {
                        return None;
                    }
                }
                O::Frame => {
                    let n = u64::from_le_bytes(self.fixed::<8>()?);
                    if n > (self.data.len() - self.pos) as u64 {
                        return None;
                    }
                }
                O::Stop => {
                    if self.stack.len() != 1 || !self.marks.is_empty() {
                        return None;
                    }
                    return Some((op_pos, proto));
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_memo() {
        // [{'a': (1, 2)}, 'a'] at protocol 2 with the key shared.
        let data = b"\x80\x02]q\x00(}q\x01X\x01\x00\x00\x00aq\x02K\x01K\x02\x86q\x03sh\x02e.";
        let idx = scan(data, &Limits::default(), u32::MAX as u64).unwrap();
        let kinds: Vec<u8> = idx.recs.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, vec![LIST, DICT, TUPLE]);
        assert_eq!(idx.recs[0].count, 2);
        assert_eq!(idx.recs[1].count, 2);
        assert_eq!(idx.recs[2].count, 2);
        assert_eq!(idx.recs[0].next, 3);
        assert_eq!(idx.recs[1].next, 3);
        assert!(target_rec(idx.memo[0]).is_some());
        // Objects are not streamable.
        assert!(scan(b"\x80\x02c__main__\nX\n)\x81.", &Limits::default(), 100).is_none());
    }
}
