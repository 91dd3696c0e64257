//! The decoder's hot path: the opcodes CPython's pickler writes for plain
//! data (`EMPTY_DICT MEMOIZE MARK (SHORT_BINUNICODE MEMOIZE value)*
//! SETITEMS`, runs of `BININT*` and `BINFLOAT` inside `APPENDS`, `BINGET` of
//! memoized keys, small tuples), executed straight from the input slice.
//!
//! It is an accelerator, not a second interpreter: each opcode is executed
//! here only when it will succeed exactly as the general loop
//! ([`Machine::step`]) would execute it: every bound, limit, stack and
//! memo condition is checked *before* anything changes. On anything else
//! (another opcode, a truncated argument, a limit reached, invalid UTF-8,
//! an empty memo slot, a stack underflow, a target that is not a plain
//! list or dict) it stops in front of that opcode and hands it to the
//! general loop, which produces CPython's result or error with its exact
//! message and offset. The one error raised here, an unhashable dict key
//! in `SETITEM(S)`, comes from the same graph function the general loop
//! calls and carries the same offset and opcode.
//!
//! Only slice input ([`Read::window`]) takes this path; a streaming reader
//! runs the general loop.

use super::lean::KEPT_ITEMS;
use super::{Machine, DENSE_MEMO_MAX};
use crate::error::Result;
use crate::opcodes::Opcode as O;
use crate::read::Read;
use crate::value::{Node, NodeId, PyStr, INDEX_THRESHOLD};

const MEMOIZE: u8 = O::Memoize as u8;
const BINPUT: u8 = O::BinPut as u8;
const BINGET: u8 = O::BinGet as u8;
const LONG_BINGET: u8 = O::LongBinGet as u8;
const BININT: u8 = O::BinInt as u8;
const BININT1: u8 = O::BinInt1 as u8;
const BININT2: u8 = O::BinInt2 as u8;
const BINFLOAT: u8 = O::BinFloat as u8;
const SHORT_BINUNICODE: u8 = O::ShortBinUnicode as u8;
const BINUNICODE: u8 = O::BinUnicode as u8;
const EMPTY_DICT: u8 = O::EmptyDict as u8;
const EMPTY_LIST: u8 = O::EmptyList as u8;
const EMPTY_TUPLE: u8 = O::EmptyTuple as u8;
const NONE: u8 = O::None as u8;
const NEWTRUE: u8 = O::NewTrue as u8;
const NEWFALSE: u8 = O::NewFalse as u8;
const MARK: u8 = O::Mark as u8;
const APPEND: u8 = O::Append as u8;
const APPENDS: u8 = O::Appends as u8;
const SETITEM: u8 = O::SetItem as u8;
const SETITEMS: u8 = O::SetItems as u8;
const TUPLE1: u8 = O::Tuple1 as u8;
const TUPLE2: u8 = O::Tuple2 as u8;
const TUPLE3: u8 = O::Tuple3 as u8;

/// Events-only decoding: a list APPENDS would make longer than this keeps
/// its first [`KEPT_ITEMS`] items at once (short lists stay whole until a
/// collection, so `set(list)` of one seldom has to give up).
const TRIM_AT: usize = 256;

#[inline(always)]
fn arg<const N: usize>(data: &[u8], pos: usize) -> Option<[u8; N]> {
    data.get(pos + 1..pos + 1 + N)?.try_into().ok()
}

impl<'a, R: Read<'a> + ?Sized> Machine<'_, 'a, '_, R> {
    /// Execute hot opcodes from the current position of a slice reader
    /// until one is left to the general loop (or the input ends).
    #[inline]
    pub(super) fn run_fast(&mut self) -> Result<()> {
        #[cfg(test)]
        if tests::DISABLED.with(|d| d.get()) {
            return Ok(());
        }
        let Some((data, start)) = self.r.window() else {
            return Ok(());
        };
        // Events-only decoding runs the hot path window by window.
        let data = &data[..data.len().min(self.fast_end)];
        let mut pos = start;
        let r = self.fast_loop(data, &mut pos);
        if pos != start {
            self.r.seek_window(pos);
        }
        r
    }

    /// Room for one more node and one more stack entry.
    #[inline(always)]
    fn room(&self) -> bool {
        self.graph.nodes.len() < self.max_nodes && self.stack.len() < self.opts.limits.max_stack
    }

    /// Stack height below which the current MARK fences values off.
    #[inline(always)]
    fn fence_below(&self, marks_from_top: usize) -> usize {
        let n = self.marks.len();
        if n > marks_from_top {
            self.marks[n - 1 - marks_from_top]
        } else {
            0
        }
    }

    /// A fresh node pushed; the caller checked [`Machine::room`].
    #[inline(always)]
    fn push_unchecked(&mut self, node: Node<'a>) {
        let id = self.graph.add(node);
        self.stack.push(id);
    }

    /// MEMOIZE/BINPUT of the next slot of a dense memo, when the general
    /// loop would take its own fast path (so the outcome is identical).
    #[inline(always)]
    fn fast_put(&mut self, idx: u64) -> bool {
        let fence = self.fence_below(0);
        let Some(&v) = self.stack.last() else {
            return false;
        };
        let m = &mut self.memo;
        if self.stack.len() <= fence
            || idx != m.len
            || idx != m.dense.len() as u64
            || idx >= DENSE_MEMO_MAX
            || !m.sparse.is_empty()
            || m.len >= self.opts.limits.max_memo_entries as u64
            || idx > self.opts.limits.max_memo_index
        {
            return false;
        }
        m.dense.push(v.0);
        m.len += 1;
        true
    }

    #[inline(always)]
    fn fast_get(&mut self, idx: u64) -> bool {
        match self.memo.get(idx) {
            Some(v) if self.stack.len() < self.opts.limits.max_stack => {
                self.stack.push(v);
                true
            }
            _ => false,
        }
    }

    /// The target of APPENDS/SETITEMS at `mark` (popped by the caller).
    #[inline(always)]
    fn mark_target(&self, mark: usize) -> Option<NodeId> {
        if mark > self.stack.len() || mark <= self.fence_below(1) {
            return None;
        }
        Some(self.stack[mark - 1])
    }

    /// SETITEMS into an empty small dict with the same key nodes, in the
    /// same order, as the last dict [`Machine::learn_shape`] saw: the keys
    /// are known distinct and hashable, so the pairs are appended without
    /// comparing keys (what `dict_extend` would do with them).
    #[inline(always)]
    fn fill_by_shape(&mut self, target: NodeId, x: usize) -> bool {
        let pairs = &self.stack[x..];
        let shape = &self.dict_shape;
        if shape.len() * 2 != pairs.len() || !pairs.iter().step_by(2).eq(shape.iter()) {
            return false;
        }
        match &mut self.graph.nodes[target.index()] {
            Node::Dict(d) if d.entries.is_empty() && d.index.is_none() => {
                // An emptied allocation of a freed dict, if any (events-only).
                let mut entries = match self.lean.as_mut().and_then(|l| l.spare_entries.pop()) {
                    Some(mut e) => {
                        e.reserve(shape.len());
                        e
                    }
                    None => thin_vec::ThinVec::with_capacity(shape.len()),
                };
                for p in pairs.chunks_exact(2) {
                    entries.push((p[0], p[1]));
                }
                d.entries = entries;
                true
            }
            _ => false,
        }
    }

    /// After `dict_extend` filled an empty dict from `stack[x..]`: remember
    /// its keys when they are str/int nodes that all went in as distinct
    /// entries (nodes of those kinds never change during decoding; a
    /// build hook could change them, so the shape is forgotten after each
    /// call of one).
    fn learn_shape(&mut self, target: NodeId, x: usize) {
        let pairs = &self.stack[x..];
        let n = pairs.len() / 2;
        if n >= INDEX_THRESHOLD {
            return;
        }
        let nodes = &self.graph.nodes;
        let distinct = matches!(&nodes[target.index()], Node::Dict(d) if d.entries.len() == n
            && d.entries.iter().map(|e| e.0).eq(pairs.iter().step_by(2).copied()));
        if distinct
            && pairs
                .iter()
                .step_by(2)
                .all(|k| matches!(nodes[k.index()], Node::Str(_) | Node::Int(_)))
        {
            self.dict_shape.clear();
            self.dict_shape.extend(pairs.iter().step_by(2));
        }
    }

    fn fast_loop(&mut self, data: &'a [u8], p: &mut usize) -> Result<()> {
        loop {
            let pos = *p;
            let Some(&op) = data.get(pos) else {
                return Ok(());
            };
            let next = match op {
                MEMOIZE => {
                    let idx = self.memo.len;
                    if !self.fast_put(idx) {
                        return Ok(());
                    }
                    pos + 1
                }
                BINPUT => match data.get(pos + 1) {
                    Some(&i) if self.fast_put(i as u64) => pos + 2,
                    _ => return Ok(()),
                },
                BINGET => match data.get(pos + 1) {
                    Some(&i) if self.fast_get(i as u64) => pos + 2,
                    _ => return Ok(()),
                },
                LONG_BINGET => match arg::<4>(data, pos) {
                    Some(b) if self.fast_get(u32::from_le_bytes(b) as u64) => pos + 5,
                    _ => return Ok(()),
                },
                BININT1 => match data.get(pos + 1) {
                    Some(&b) if self.room() => {
                        self.push_unchecked(Node::Int(b as i64));
                        pos + 2
                    }
                    _ => return Ok(()),
                },
                BININT2 => match arg::<2>(data, pos) {
                    Some(b) if self.room() => {
                        self.push_unchecked(Node::Int(u16::from_le_bytes(b) as i64));
                        pos + 3
                    }
                    _ => return Ok(()),
                },
                BININT => match arg::<4>(data, pos) {
                    Some(b) if self.room() => {
                        self.push_unchecked(Node::Int(i32::from_le_bytes(b) as i64));
                        pos + 5
                    }
                    _ => return Ok(()),
                },
                BINFLOAT => match arg::<8>(data, pos) {
                    Some(b) if self.room() => {
                        self.push_unchecked(Node::Float(f64::from_be_bytes(b)));
                        pos + 9
                    }
                    _ => return Ok(()),
                },
                SHORT_BINUNICODE | BINUNICODE => {
                    let (n, head) = if op == SHORT_BINUNICODE {
                        match data.get(pos + 1) {
                            Some(&n) => (n as usize, 2),
                            None => return Ok(()),
                        }
                    } else {
                        match arg::<4>(data, pos) {
                            Some(b) => (u32::from_le_bytes(b) as usize, 5),
                            None => return Ok(()),
                        }
                    };
                    let start = pos + head;
                    let Some(bytes) = start.checked_add(n).and_then(|end| data.get(start..end))
                    else {
                        return Ok(());
                    };
                    if !self.room() {
                        return Ok(());
                    }
                    let Some(s) = PyStr::from_wtf8(bytes) else {
                        return Ok(());
                    };
                    self.push_unchecked(Node::Str(s));
                    start + n
                }
                EMPTY_DICT | EMPTY_LIST | EMPTY_TUPLE => {
                    if !self.room() {
                        return Ok(());
                    }
                    self.push_unchecked(match op {
                        EMPTY_DICT => Node::Dict(Default::default()),
                        EMPTY_LIST => Node::List(Vec::new()),
                        _ => Node::Tuple(Vec::new()),
                    });
                    pos + 1
                }
                NONE | NEWTRUE | NEWFALSE => {
                    // The shared node exists after the first one (made by
                    // the general loop).
                    let id = match op {
                        NONE => self.none,
                        _ => self.bools[(op == NEWTRUE) as usize],
                    };
                    match id {
                        Some(id) if self.stack.len() < self.opts.limits.max_stack => {
                            self.stack.push(id);
                            pos + 1
                        }
                        _ => return Ok(()),
                    }
                }
                MARK => {
                    if self.marks.len() >= self.opts.limits.max_marks {
                        return Ok(());
                    }
                    self.marks.push(self.stack.len());
                    pos + 1
                }
                APPENDS | APPEND => {
                    let x = if op == APPENDS {
                        match self.marks.last() {
                            Some(&m) => m,
                            None => return Ok(()),
                        }
                    } else {
                        // APPEND: one item above the list, above the fence.
                        let len = self.stack.len();
                        if len < 2 + self.fence_below(0) {
                            return Ok(());
                        }
                        len - 1
                    };
                    let fenced = if op == APPENDS {
                        self.mark_target(x)
                    } else {
                        Some(self.stack[x - 1])
                    };
                    let Some(target) = fenced else {
                        return Ok(());
                    };
                    let items = &self.stack[x..];
                    let trims = self.lean.as_ref().is_some_and(|l| l.trims);
                    let mut cut = 0;
                    if !items.is_empty() {
                        match &mut self.graph.nodes[target.index()] {
                            // Events-only: a long list keeps its first items
                            // and counts the rest now (as a collection would),
                            // rather than growing until the next one.
                            Node::List(v) if trims && v.len() + items.len() > TRIM_AT => {
                                let before = v.len();
                                let keep = KEPT_ITEMS.saturating_sub(before).min(items.len());
                                v.extend_from_slice(&items[..keep]);
                                v.truncate(KEPT_ITEMS);
                                cut = items.len() - keep + before.saturating_sub(KEPT_ITEMS);
                            }
                            // A fresh list gets an exact allocation (or an
                            // emptied one of a freed list, events-only).
                            Node::List(v) if v.capacity() == 0 => {
                                match self.lean.as_mut().and_then(|l| l.spare_lists.pop()) {
                                    Some(mut s) => {
                                        s.extend_from_slice(items);
                                        *v = s;
                                    }
                                    None => *v = items.to_vec(),
                                }
                            }
                            Node::List(v) => v.extend_from_slice(items),
                            _ => return Ok(()),
                        }
                    }
                    if cut > 0 {
                        *self.graph.dropped.entry(target).or_insert(0) += cut as u64;
                    }
                    self.stack.truncate(x);
                    if op == APPENDS {
                        self.marks.pop();
                    }
                    pos + 1
                }
                SETITEMS | SETITEM => {
                    let x = if op == SETITEMS {
                        match self.marks.last() {
                            Some(&m) => m,
                            None => return Ok(()),
                        }
                    } else {
                        let len = self.stack.len();
                        if len < 3 + self.fence_below(0) {
                            return Ok(());
                        }
                        len - 2
                    };
                    let fenced = if op == SETITEMS {
                        self.mark_target(x)
                    } else {
                        Some(self.stack[x - 1])
                    };
                    let Some(target) = fenced else {
                        return Ok(());
                    };
                    let n = self.stack.len() - x;
                    if n % 2 != 0 || !matches!(self.graph.nodes[target.index()], Node::Dict(_)) {
                        return Ok(());
                    }
                    if op == SETITEMS {
                        self.marks.pop();
                    }
                    if n > 0 && !self.fill_by_shape(target, x) {
                        if let Err(e) = self.graph.dict_extend(target, &self.stack[x..]) {
                            *p = pos;
                            return Err(e.at(pos as u64, Some(O::from_byte(op).expect("opcode"))));
                        }
                        self.learn_shape(target, x);
                    }
                    self.stack.truncate(x);
                    pos + 1
                }
                TUPLE1 | TUPLE2 | TUPLE3 => {
                    let n = match op {
                        TUPLE1 => 1,
                        TUPLE2 => 2,
                        _ => 3,
                    };
                    let len = self.stack.len();
                    if len < n + self.fence_below(0) || self.graph.nodes.len() >= self.max_nodes {
                        return Ok(());
                    }
                    let items = self.stack.split_off(len - n);
                    let id = self.graph.add(Node::Tuple(items));
                    self.stack.push(id);
                    pos + 1
                }
                _ => return Ok(()),
            };
            *p = next;
        }
    }
}

#[cfg(test)]
mod tests {
    //! The hot path against the general loop on the same slices: every
    //! truncation and many one-byte mutations of CPython pickles, under
    //! default and tight limits, must give the same graph (repr and node
    //! count) or the same error (message, kind, offset, opcode).
    use std::cell::Cell;

    use crate::unpickler::{Limits, Unpickler};
    use brinery_testutil::unhex;

    thread_local! {
        pub(super) static DISABLED: Cell<bool> = const { Cell::new(false) };
    }

    /// `pickle.dumps(v, protocol=P)` by CPython 3.11 for P = 4 and 2, with
    /// v = [{'id': 1, 'name': 'n1', 'tags': ['x','y']},
    ///      {'id': 2, 'name': 'n2', 'tags': ['x','y']},
    ///      {'id': 300, 'name': 'n\u00e9', 'tags': []}, (1, 2.5),
    ///      (None, True, False), (-5,), 70000, -70000, [1,2,3], {},
    ///      'x'*40, {1: 2, 3: [4]}]
    const P4: &str = "800495c6000000000000005d94287d94288c026964944b018c046e616d65948c026e31948c0474616773945d94288c0178948c01799465757d942868024b0268038c026e329468055d94286807680865757d942868024d2c0168038c036ec3a99468055d94754b0147400400000000000086944e888987944afbffffff85944a701101004a90eefeff5d94284b014b024b03657d948c2878787878787878787878787878787878787878787878787878787878787878787878787878787878947d94284b014b024b035d944b046175652e";
    const P2: &str = "80025d7100287d7101285802000000696471024b0158040000006e616d65710358020000006e31710458040000007461677371055d7106285801000000787107580100000079710865757d71092868024b02680358020000006e32710a68055d710b286807680865757d710c2868024d2c01680358030000006ec3a9710d68055d710e754b0147400400000000000086710f4e88898771104afbffffff8571114a701101004a90eefeff5d7112284b014b024b03657d711358280000007878787878787878787878787878787878787878787878787878787878787878787878787878787871147d7115284b014b024b035d71164b046175652e";

    fn outcome(data: &[u8], limits: &Limits, fast: bool) -> String {
        DISABLED.with(|d| d.set(!fast));
        let r = Unpickler::new().limits(limits.clone()).load_slice(data);
        DISABLED.with(|d| d.set(false));
        match r {
            Ok(g) => format!("ok {} {:?}", g.len(), crate::repr_root(&g)),
            Err(e) => format!("err {:?} {:?} {:?} {e}", e.kind(), e.offset(), e.opcode()),
        }
    }

    #[test]
    fn same_results_and_errors_as_the_general_loop() {
        let limits = [
            Limits::default(),
            Limits::default()
                .max_nodes(12)
                .max_stack(5)
                .max_marks(2)
                .max_memo_entries(6)
                .max_memo_index(7),
        ];
        // Byte values to write: every opcode, plus edge values.
        let mut values: Vec<u8> = crate::opcodes::OPCODES.iter().map(|o| o.code).collect();
        values.extend([0, 1, 2, 3, 5, 0x7f, 0x80, 0xc3, 0xfe, 0xff]);
        let (mut checked, mut ok, mut differs_from_input) = (0usize, 0usize, 0usize);
        for fixture in [unhex(P4), unhex(P2)] {
            let plain = outcome(&fixture, &limits[0], true);
            assert!(plain.starts_with("ok "), "{plain}");
            let mut inputs = Vec::new();
            for n in 0..fixture.len() {
                inputs.push(fixture[..n].to_vec());
            }
            for i in 0..fixture.len() {
                for &v in &values {
                    if fixture[i] != v {
                        let mut m = fixture.clone();
                        m[i] = v;
                        inputs.push(m);
                    }
                }
            }
            for input in &inputs {
                for l in &limits {
                    let fast = outcome(input, l, true);
                    let slow = outcome(input, l, false);
                    assert_eq!(fast, slow, "input {input:02x?}");
                    checked += 1;
                    ok += fast.starts_with("ok ") as usize;
                    differs_from_input += (fast != plain) as usize;
                }
            }
        }
        // Both outcomes are exercised (the counts are what these fixtures give).
        assert!(checked > 30_000, "{checked}");
        assert!(
            ok > 1_000 && differs_from_input > 20_000,
            "{ok} {differs_from_input}"
        );
    }
}
