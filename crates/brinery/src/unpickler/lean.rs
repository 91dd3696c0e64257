//! Events-only decoding ([`Unpickler::events_only`]): the same opcodes,
//! stack, memo, errors and events as a normal decode, without keeping the
//! object graph.
//!
//! Three things keep memory bounded by what the stack and the memo need:
//!
//! - **Memo keys read back.** Before decoding, a walk over the opcodes
//!   (the framing of the opcode table, as the decoder reads it) collects
//!   every key a GET, BINGET or LONG_BINGET names. A memo entry under any
//!   other key can never be read, so it does not keep its object alive (the
//!   memo still records that the key is present: MEMOIZE numbering and
//!   "memo key missing" errors are unchanged).
//! - **Lists keep their first items.** A list's items are only ever read
//!   back by `set(list)`/`frozenset(list)` reductions and by an observer
//!   looking at call arguments; an events-only decode keeps the first
//!   [`KEPT_ITEMS`] items of every list (and of an object's APPENDed
//!   items) and counts the rest ([`Graph::dropped`]); the hot path cuts a
//!   list at once when an APPENDS makes it long. Dicts, sets, tuples
//!   and frozensets keep everything (their keys decide hashability and
//!   equality).
//! - **Collection.** Now and then (every [`WINDOW`] bytes of input at
//!   most) the nodes no longer reachable from the stack, the memo entries
//!   read back, the shared constants and every global (an observer may
//!   hold global ids) are freed and their slots reused.
//!
//! When a decode would need something dropped (a GET of a key the walk did
//! not see, because the walk and the decoder parted ways; a `set()` of a
//! list whose items were dropped), it stops with a `LimitExceeded` error
//! and [`Unpickler::events_only_gave_up`] says so: decode again without
//! the option to get the exact outcome. Nothing is ever decided on
//! dropped data.

use std::collections::HashSet;

use super::{Machine, DROPPED};
use crate::error::{Error, ErrorKind, Result};
use crate::opcodes::{opcode_info, ArgLayout, Opcode};
use crate::read::Read;
use crate::text;
use crate::value::{Node, NodeId};

/// Items a list keeps in an events-only decode (more than any observer
/// of the scanner shows).
pub(crate) const KEPT_ITEMS: usize = 8;
/// Most input bytes decoded between two chances to collect.
const WINDOW: usize = 256 * 1024;
/// The window when testing ([`Unpickler::events_only_stress`]: collect at
/// every chance).
const STRESS_WINDOW: usize = 7;
/// Fewest node slots before a collection is worth it.
const MIN_SLOTS: usize = 1 << 16;
/// Memo keys below this are kept in a bit set, others in a hash set.
const BITS_MAX: u64 = 1 << 26;

/// The memo keys a pickle reads back.
#[derive(Clone, Debug, Default)]
pub(super) struct MemoReads {
    bits: Vec<u64>,
    big: HashSet<u64>,
    /// Every distinct key, for walking the roots.
    list: Vec<u64>,
}

impl MemoReads {
    #[inline]
    fn insert(&mut self, i: u64) {
        // Most reads are of keys already seen.
        if i < BITS_MAX {
            let w = (i / 64) as usize;
            let bit = 1u64 << (i % 64);
            if let Some(&word) = self.bits.get(w) {
                if word & bit != 0 {
                    return;
                }
            }
        }
        self.insert_new(i);
    }

    #[cold]
    #[inline(never)]
    fn insert_new(&mut self, i: u64) {
        let fresh = if i < BITS_MAX {
            let w = (i / 64) as usize;
            if w >= self.bits.len() {
                self.bits.resize(w + 1, 0);
            }
            let bit = 1u64 << (i % 64);
            let fresh = self.bits[w] & bit == 0;
            self.bits[w] |= bit;
            fresh
        } else {
            self.big.insert(i)
        };
        if fresh {
            self.list.push(i);
        }
    }

    pub(super) fn contains(&self, i: u64) -> bool {
        if i < BITS_MAX {
            self.bits
                .get((i / 64) as usize)
                .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
        } else {
            self.big.contains(&i)
        }
    }
}

/// How the walk treats one opcode byte.
#[derive(Clone, Copy)]
enum Step {
    Invalid,
    /// Imports, calls, BUILDs, EXT or persistent ids.
    Event(ArgLayout),
    Stop,
    Proto,
    Get(ArgLayout),
    Plain(ArgLayout),
}

fn steps() -> &'static [Step; 256] {
    static TABLE: std::sync::OnceLock<[Step; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [Step::Invalid; 256];
        for (b, slot) in t.iter_mut().enumerate() {
            let Some(info) = opcode_info(b as u8) else {
                continue;
            };
            let layout = info.arg.layout();
            *slot = match info.op {
                Opcode::Stop => Step::Stop,
                Opcode::Proto => Step::Proto,
                Opcode::Get | Opcode::BinGet | Opcode::LongBinGet => Step::Get(layout),
                Opcode::Global
                | Opcode::StackGlobal
                | Opcode::Inst
                | Opcode::Obj
                | Opcode::Reduce
                | Opcode::Build
                | Opcode::NewObj
                | Opcode::NewObjEx
                | Opcode::Ext1
                | Opcode::Ext2
                | Opcode::Ext4
                | Opcode::PersId
                | Opcode::BinPersId => Step::Event(layout),
                _ => Step::Plain(layout),
            };
        }
        t
    })
}

/// [`quick_steps`]: the opcode and its argument take this many bytes.
const Q_LEN: u8 = 0x0f;
/// [`quick_steps`]: an importing, calling or modifying opcode.
const Q_EVENT: u8 = 0x10;
/// [`quick_steps`]: a one-byte unsigned length, then that many bytes.
const Q_COUNT1: u8 = 0x20;
/// [`quick_steps`]: a memo GET with a fixed-width unsigned key.
const Q_GET: u8 = 0x40;

/// The opcodes the walk frames without [`steps`]: a combination of the
/// `Q_*` bits, or 0 for the others (invalid, STOP, PROTO, lines, wider
/// counts).
fn quick_steps() -> &'static [u8; 256] {
    static TABLE: std::sync::OnceLock<[u8; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [0u8; 256];
        for (slot, step) in t.iter_mut().zip(steps().iter()) {
            let (layout, flag) = match *step {
                Step::Event(l) => (l, Q_EVENT),
                Step::Plain(l) => (l, 0),
                Step::Get(l @ ArgLayout::Fixed(_)) => (l, Q_GET),
                _ => continue,
            };
            *slot = match layout {
                ArgLayout::None => 1 | flag,
                ArgLayout::Fixed(n) if n < Q_LEN => (1 + n) | flag,
                ArgLayout::Counted {
                    width: 1,
                    signed: false,
                } => Q_COUNT1 | flag,
                _ => 0,
            };
        }
        t
    })
}

/// One walk over the opcodes of a pickle, framed as the decoder frames
/// them, without decoding: where its STOP is, whether any opcode can make
/// a load import, call or modify anything (GLOBAL, STACK_GLOBAL, INST,
/// OBJ, REDUCE, BUILD, NEWOBJ, NEWOBJ_EX, EXT1/2/4, PERSID, BINPERSID),
/// and the memo keys it reads back (what
/// [`Unpickler::events_only`](crate::Unpickler::events_only) needs;
/// give it with [`Unpickler::walked`](crate::Unpickler::walked)).
///
/// The walk stops at STOP or at the first byte that does not frame as an
/// opcode (unknown byte, negative or overlong length, missing newline,
/// protocol above 5); then [`OpcodeWalk::end`] is `None`.
///
/// ```
/// use brinery::pickletools::OpcodeWalk;
/// let w = OpcodeWalk::new(b"\x80\x02]q\x00(K\x01h\x00e.tail");
/// assert_eq!((w.end(), w.inert()), (Some(12), Some(12)));
/// let w = OpcodeWalk::new(b"cos\nsystem\n(S'id'\ntR.");
/// assert_eq!((w.end(), w.inert()), (Some(21), None));
/// ```
#[derive(Clone, Debug, Default)]
pub struct OpcodeWalk {
    end: Option<usize>,
    events: bool,
    pub(super) reads: MemoReads,
}

impl OpcodeWalk {
    /// Walk the pickle at the start of `data`.
    pub fn new(data: &[u8]) -> OpcodeWalk {
        let table = steps();
        let quick = quick_steps();
        let mut w = OpcodeWalk::default();
        let mut pos = 0usize;
        while let Some(&b) = data.get(pos) {
            // The common opcodes (fixed arguments, one-byte counts, BINGET
            // and LONG_BINGET) in a few instructions; the rest below.
            let q = quick[b as usize];
            if q != 0 {
                let total = if q & Q_COUNT1 != 0 {
                    match data.get(pos + 1) {
                        Some(&n) => 2 + n as usize,
                        None => return w,
                    }
                } else {
                    (q & Q_LEN) as usize
                };
                if q & Q_EVENT != 0 {
                    w.events = true;
                }
                let end = pos + total;
                let Some(arg) = data.get(pos + 1..end) else {
                    return w;
                };
                if q & Q_GET != 0 {
                    // BINGET/LONG_BINGET: an unsigned little-endian key.
                    let key = match *arg {
                        [k] => u64::from(k),
                        [a, b, c, d] => u64::from(u32::from_le_bytes([a, b, c, d])),
                        _ => arg.iter().rev().fold(0u64, |k, &x| (k << 8) | u64::from(x)),
                    };
                    w.reads.insert(key);
                }
                pos = end;
                continue;
            }
            let step = table[b as usize];
            pos += 1;
            let start = pos;
            let layout = match step {
                Step::Invalid => return w,
                Step::Stop => {
                    w.end = Some(pos);
                    return w;
                }
                Step::Proto => match data.get(pos) {
                    Some(&p) if p <= crate::opcodes::HIGHEST_PROTOCOL => ArgLayout::Fixed(1),
                    _ => return w,
                },
                Step::Event(l) => {
                    w.events = true;
                    l
                }
                Step::Get(l) | Step::Plain(l) => l,
            };
            let end = match layout {
                ArgLayout::None => Some(pos),
                ArgLayout::Fixed(n) => Some(pos + n as usize),
                ArgLayout::Counted { width, signed } => {
                    let w = width as usize;
                    data.get(pos..pos + w).and_then(|b| {
                        let mut buf = [0u8; 8];
                        buf[..w].copy_from_slice(b);
                        if signed && b[w - 1] & 0x80 != 0 {
                            return None;
                        }
                        let n = usize::try_from(u64::from_le_bytes(buf)).ok()?;
                        (pos + w).checked_add(n)
                    })
                }
                ArgLayout::Line => line_end(data, pos),
                ArgLayout::TwoLines => line_end(data, pos).and_then(|p| line_end(data, p)),
            };
            match end {
                Some(e) if e <= data.len() => pos = e,
                _ => return w,
            }
            if let Step::Get(_) = step {
                let arg = &data[start..pos];
                let key = if b == Opcode::BinGet as u8 {
                    Some(arg[0] as u64)
                } else if b == Opcode::LongBinGet as u8 {
                    Some(u32::from_le_bytes(arg.try_into().expect("framed")) as u64)
                } else {
                    text::py_long_from_str(text::c_str(arg), 10)
                        .ok()
                        .and_then(|v| u64::try_from(&v).ok())
                };
                if let Some(k) = key {
                    w.reads.insert(k);
                }
            }
        }
        w
    }

    /// The offset just past STOP, when every opcode up to it framed.
    pub fn end(&self) -> Option<usize> {
        self.end
    }

    /// [`OpcodeWalk::end`] of a pickle with no importing, calling or
    /// modifying opcode: pure data, nothing a load could run.
    pub fn inert(&self) -> Option<usize> {
        if self.events {
            None
        } else {
            self.end
        }
    }
}

fn line_end(data: &[u8], pos: usize) -> Option<usize> {
    let rest = data.get(pos..)?;
    rest.iter().position(|&b| b == b'\n').map(|i| pos + i + 1)
}

/// The state of an events-only decode.
pub(super) struct Lean {
    /// The walk with the memo keys read back; `None` (input that is not a
    /// slice) keeps every memo entry.
    walk: Option<std::sync::Arc<OpcodeWalk>>,
    /// Nodes freed so far (so limits count every node ever created).
    pub(super) freed: usize,
    /// Collect when the graph has this many slots and none is free.
    collect_at: usize,
    /// Dense memo entries already checked against `reads`.
    memo_checked: usize,
    /// Input bytes between progress reports.
    next_report: u64,
    /// Collect at every chance, in tiny windows (tests).
    stress: bool,
    /// Lists keep their first items only (not in a nested pickle).
    pub(super) trims: bool,
    /// The mark bits and work list of [`Machine::collect`], kept between
    /// collections.
    marked: Vec<u64>,
    work: Vec<NodeId>,
    /// Emptied allocations of freed small dicts and lists, for the hot
    /// path's next ones (fewer malloc/free pairs; at most [`SPARES`]).
    pub(super) spare_entries: Vec<thin_vec::ThinVec<(NodeId, NodeId)>>,
    pub(super) spare_lists: Vec<Vec<NodeId>>,
}

/// Most emptied allocations of each kind kept for reuse.
const SPARES: usize = 1 << 14;
/// Largest capacity of an allocation kept for reuse.
const SPARE_CAPACITY: usize = 16;

impl Lean {
    /// The state of a nested pickle inside an events-only decode (joblib's
    /// object arrays): nothing is freed or dropped there, but nodes are
    /// counted from the `freed` ones of the outer decode.
    pub(super) fn nested(freed: usize) -> Lean {
        Lean {
            walk: None,
            freed,
            collect_at: usize::MAX,
            memo_checked: 0,
            next_report: u64::MAX,
            stress: false,
            trims: false,
            marked: Vec::new(),
            work: Vec::new(),
            spare_entries: Vec::new(),
            spare_lists: Vec::new(),
        }
    }

    pub(super) fn reads_key(&self, idx: u64) -> bool {
        self.walk.as_ref().map_or(true, |w| w.reads.contains(idx))
    }
}

/// The error that ends an events-only decode that would need dropped data.
fn gave_up(what: &str) -> Error {
    Error::new(
        ErrorKind::LimitExceeded,
        format!(
            "events-only decoding cannot go on exactly: {what}; decode again without \
             Unpickler::events_only"
        ),
    )
}

impl<'a, R: Read<'a> + ?Sized> Machine<'_, 'a, '_, R> {
    /// Start an events-only decode at the reader's position.
    pub(super) fn start_lean(&mut self) {
        let walk = match self.opts.walked.clone() {
            Some(w) => Some(w),
            None => self
                .r
                .window()
                .map(|(data, at)| std::sync::Arc::new(OpcodeWalk::new(&data[at..]))),
        };
        self.lean = Some(Box::new(Lean {
            walk,
            freed: 0,
            collect_at: MIN_SLOTS,
            memo_checked: 0,
            next_report: 0,
            stress: self.opts.lean_stress,
            trims: true,
            marked: Vec::new(),
            work: Vec::new(),
            spare_entries: Vec::new(),
            spare_lists: Vec::new(),
        }));
        self.lean_window();
    }

    /// Stop with the "needs the whole graph" error, recording why.
    #[cold]
    pub(super) fn give_up(&mut self, what: &str) -> Error {
        self.opts.lean_gave_up = true;
        gave_up(what)
    }

    /// Nodes created so far (freed ones included).
    #[inline]
    pub(super) fn created(&self) -> usize {
        match &self.lean {
            None => self.graph.nodes.len(),
            Some(l) => self.graph.nodes.len() - self.graph.free.len() + l.freed,
        }
    }

    /// Let the hot path run over the next window only: at most `WINDOW`
    /// bytes, and never so many that it could create a node past
    /// `max_nodes` (it checks the slot count, which is below the count of
    /// created nodes; every node it makes takes at least one byte).
    fn lean_window(&mut self) {
        let Some((_, at)) = self.r.window() else {
            return;
        };
        let room = self.max_nodes.saturating_sub(self.created());
        let window = match &self.lean {
            Some(l) if l.stress => STRESS_WINDOW,
            _ => WINDOW,
        };
        self.fast_end = at.saturating_add(window.min(room));
    }

    /// Between opcodes: report progress, collect if due, open the next
    /// window of the hot path.
    pub(super) fn lean_maintain(&mut self) {
        let offset = self.r.offset();
        let report = match &mut self.lean {
            Some(l) if offset >= l.next_report => {
                l.next_report = offset + WINDOW as u64;
                true
            }
            Some(_) => false,
            None => return,
        };
        if report {
            if let Some(f) = self.opts.progress.as_mut() {
                f(offset);
            }
        }
        let due = self.lean.as_ref().is_some_and(|l| {
            l.stress || self.graph.free.is_empty() && self.graph.nodes.len() >= l.collect_at
        });
        if due {
            self.collect();
        }
        self.lean_window();
    }

    /// A GET of `idx` in an events-only decode: the entry, or an error
    /// when it was dropped.
    pub(super) fn lean_memo_get(&mut self, idx: u64) -> Result<()> {
        match self.memo.get_raw(idx) {
            Some(DROPPED) => Err(self.give_up(&format!(
                "memo key {idx} is read back but the opcode walk did not see it read"
            ))),
            _ => self.memo_get_exact(idx),
        }
    }

    /// Mark, truncate lists, sweep.
    fn collect(&mut self) {
        let Some(lean) = self.lean.as_mut() else {
            return;
        };
        let nodes = &mut self.graph.nodes;
        let n = nodes.len();
        // Reused buffers: no large allocation between the small ones of
        // the decode.
        let mut marked = std::mem::take(&mut lean.marked);
        marked.clear();
        marked.resize(n.div_ceil(64), 0);
        let mut work = std::mem::take(&mut lean.work);
        work.clear();
        let mark = |id: NodeId, marked: &mut Vec<u64>, work: &mut Vec<NodeId>| {
            let (w, b) = (id.index() / 64, 1u64 << (id.index() % 64));
            if marked[w] & b == 0 {
                marked[w] |= b;
                work.push(id);
            }
        };
        // Memo entries never read back no longer keep their object.
        let m = &mut self.memo;
        if let Some(reads) = lean.walk.as_ref().map(|w| &w.reads) {
            for i in lean.memo_checked..m.dense.len() {
                if m.dense[i] < DROPPED && !reads.contains(i as u64) {
                    m.dense[i] = DROPPED;
                }
            }
            lean.memo_checked = m.dense.len();
            for &i in &reads.list {
                if let Some(id) = m.get(i) {
                    mark(id, &mut marked, &mut work);
                }
            }
        } else {
            for &v in &m.dense {
                if v < DROPPED {
                    mark(NodeId(v), &mut marked, &mut work);
                }
            }
            for &id in m.sparse.values() {
                if id.0 < DROPPED {
                    mark(id, &mut marked, &mut work);
                }
            }
        }
        for &id in self
            .stack
            .iter()
            .chain(&self.dict_shape)
            .chain(self.none.iter())
            .chain(self.bools.iter().flatten())
        {
            mark(id, &mut marked, &mut work);
        }
        // Globals stay: an observer may hold their ids.
        for (i, node) in nodes.iter().enumerate() {
            if matches!(node, Node::Global(_)) {
                mark(NodeId(i as u32), &mut marked, &mut work);
            }
        }
        let dropped = &mut self.graph.dropped;
        while let Some(id) = work.pop() {
            let node = &mut nodes[id.index()];
            let cut = match node {
                Node::List(v) => truncate(v),
                Node::Object(o) => {
                    let mut cut = truncate(&mut o.list_items);
                    if o.dict_items.len() > KEPT_ITEMS {
                        cut += (o.dict_items.len() - KEPT_ITEMS) as u64;
                        o.dict_items.truncate(KEPT_ITEMS);
                    }
                    cut += truncate(&mut o.set_items);
                    if o.builds.len() > KEPT_ITEMS {
                        o.builds.drain(..o.builds.len() - KEPT_ITEMS);
                    }
                    cut
                }
                _ => 0,
            };
            if cut > 0 {
                *dropped.entry(id).or_insert(0) += cut;
            }
            nodes[id.index()].for_each_child(|c| mark(c, &mut marked, &mut work));
        }
        let is_marked = |i: usize| marked[i / 64] & (1u64 << (i % 64)) != 0;
        let before = self.graph.free.len();
        self.graph.free.clear();
        for i in (0..n).rev() {
            if !is_marked(i) {
                match std::mem::replace(&mut nodes[i], Node::None) {
                    Node::Dict(d)
                        if d.index.is_none()
                            && d.entries.capacity() <= SPARE_CAPACITY
                            && lean.spare_entries.len() < SPARES =>
                    {
                        let mut e = d.entries;
                        if e.capacity() > 0 {
                            e.clear();
                            lean.spare_entries.push(e);
                        }
                    }
                    Node::List(mut v)
                        if v.capacity() > 0
                            && v.capacity() <= SPARE_CAPACITY
                            && lean.spare_lists.len() < SPARES =>
                    {
                        v.clear();
                        lean.spare_lists.push(v);
                    }
                    _ => {}
                }
                self.graph.free.push(i as u32);
            }
        }
        let live = n - self.graph.free.len();
        lean.freed += self.graph.free.len() - before;
        dropped.retain(|id, _| is_marked(id.index()));
        if !self.graph.longs.is_empty() {
            self.graph.longs.retain(|id| is_marked(id.index()));
        }
        self.graph.forget_hashes();
        let roots = lean.walk.as_ref().map_or(0, |w| w.reads.list.len());
        lean.collect_at = n.max(2 * (live + roots)).max(MIN_SLOTS);
        lean.marked = marked;
        lean.work = work;
    }
}

/// Keep the first [`KEPT_ITEMS`] items; the number dropped.
fn truncate(v: &mut Vec<NodeId>) -> u64 {
    if v.len() <= KEPT_ITEMS {
        return 0;
    }
    let cut = (v.len() - KEPT_ITEMS) as u64;
    v.truncate(KEPT_ITEMS);
    if v.capacity() > 64 * KEPT_ITEMS {
        v.shrink_to(4 * KEPT_ITEMS);
    }
    cut
}

#[cfg(test)]
mod tests {
    //! Events-only decoding against the normal decoder on the same input:
    //! the same events (offset, opcode, kind and what the nodes involved
    //! are) and the same outcome (bytes used, or the error's kind, message,
    //! offset and opcode), or a give-up. Collections run every few bytes
    //! here, so node reuse is exercised on every input.
    use super::KEPT_ITEMS;
    use crate::unpickler::{Event, Limits, Unpickler};
    use crate::value::{Construct, Graph, Node, NodeId};

    /// What a node is, to a small depth (lists by their first items and
    /// full length, as an observer can know them).
    fn show(g: &Graph<'_>, id: NodeId, depth: usize) -> String {
        if depth > 3 {
            return "..".into();
        }
        let seq = |v: &[NodeId], extra: u64| {
            let shown: Vec<String> = v
                .iter()
                .take(KEPT_ITEMS)
                .map(|&c| show(g, c, depth + 1))
                .collect();
            format!("{}:[{}]", v.len() as u64 + extra, shown.join(","))
        };
        match g.node(id) {
            Node::Global(gl) => format!("G({}.{})", gl.module, gl.name),
            Node::Str(s) => format!("S({})", s.to_string_lossy()),
            Node::Int(i) => format!("I({i})"),
            Node::Tuple(v) => format!("T{}", seq(v, 0)),
            Node::List(v) => format!("L{}", seq(v, g.dropped(id))),
            Node::Dict(d) => format!("D{}", d.len()),
            Node::Set(s) => format!("Set{}", s.len()),
            Node::FrozenSet(s) => format!("F{}", s.len()),
            Node::Object(o) => match &o.construct {
                Construct::Reduce { callable, .. } => format!("O({})", show(g, *callable, 9)),
                _ => "O".into(),
            },
            other => other.type_name().into(),
        }
    }

    fn run(data: &[u8], limits: &Limits, lean: bool) -> (Vec<String>, String, bool) {
        let mut seen = Vec::new();
        let mut u = Unpickler::new()
            .encoding("latin1")
            .keep_persistent_ids()
            .limits(limits.clone())
            .observe(|g, t| {
                let what = match t.event {
                    Event::Import { node } => show(g, node, 0),
                    Event::Call { callable, args, .. } => format!(
                        "{} {}",
                        show(g, callable, 0),
                        args.map_or(String::new(), |a| show(g, a, 0))
                    ),
                    Event::Build { target, state } => {
                        format!("{} {}", show(g, target, 0), show(g, state, 0))
                    }
                    Event::PersistentId { pid } => show(g, pid, 0),
                };
                seen.push(format!("{} {:?} {what}", t.offset, t.opcode));
            });
        if lean {
            u = u.events_only().events_only_stress();
        }
        let outcome = match u.load_slice_prefix(data) {
            Ok((_, used)) => format!("ok {used}"),
            Err(e) => format!(
                "{:?} {} {:?} {:?}",
                e.kind(),
                e.message(),
                e.offset(),
                e.opcode()
            ),
        };
        let gave_up = u.events_only_gave_up();
        drop(u);
        (seen, outcome, gave_up)
    }

    /// Pickles with memo reads, globals, calls, BUILDs, sets built from
    /// lists, long lists and deep nesting (protocols 0, 2 and 4).
    fn inputs() -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = vec![
            // [{'id': i, 'tags': ['a', 'b']} ...] + datetime.date(...) at p4
            {
                let mut d = b"\x80\x04]\x94(".to_vec();
                for i in 0..40u8 {
                    if i == 0 {
                        d.extend_from_slice(b"}\x94(\x8c\x02id\x94K\x00\x8c\x04tags\x94]\x94(\x8c\x01a\x94\x8c\x01b\x94eu");
                    } else {
                        d.extend_from_slice(b"}\x94(h\x02K");
                        d.push(i);
                        d.extend_from_slice(b"h\x03]\x94(h\x05h\x06eu");
                    }
                }
                d.extend_from_slice(b"\x8c\x08datetime\x94\x8c\x04date\x94\x93\x94C\x04\x07\xe8\x01\x01\x94\x85\x94R\x94e.");
                d
            },
            // set([1, 2, ..., 20]) and frozenset at protocol 2, then a GET of the list
            {
                let mut d = b"\x80\x02c__builtin__\nset\nq\x00]q\x01(".to_vec();
                for i in 0..20u8 {
                    d.extend_from_slice(&[b'K', i]);
                }
                d.extend_from_slice(b"e\x85q\x02Rq\x03h\x01h\x00h\x01\x85R\x86.");
                d
            },
            // getattr(os, 'system')('x') with the list of args built by APPENDs
            b"c__builtin__\ngetattr\n(cos\nS'system'\ntR(lp0\nI1\naI2\naI3\naI4\naI5\naI6\naI7\naI8\naI9\naI10\natR.".to_vec(),
            // copyreg._reconstructor + BUILD, protocol 0
            b"ccopy_reg\n_reconstructor\np0\n(c__main__\nA\np1\nc__builtin__\nobject\np2\nNtp3\nRp4\n(dp5\nS'x'\np6\n(lp7\nI1\naI2\naI3\naI4\naI5\naI6\naI7\naI8\naI9\nasb.".to_vec(),
            // a list appended to itself, memo PUT and GET, POP, DUP
            b"(lp0\ng0\nag0\nag0\nag0\nag0\nag0\nag0\nag0\nag0\na0g0\n2.".to_vec(),
            // persistent ids and an object with APPENDs and SETITEMS
            b"\x80\x02cm\nC\n)\x81q\x00(K\x01K\x02K\x03K\x04K\x05K\x06K\x07K\x08K\td(U\x01aK\x01U\x01bK\x02uU\x03pidQ\x85bh\x00.".to_vec(),
        ];
        // Deep nesting: lists in lists.
        let mut deep = b"\x80\x02".to_vec();
        for _ in 0..50 {
            deep.extend_from_slice(b"]q\x00(K\x01");
        }
        deep.extend_from_slice(&[b'e'; 50]);
        deep.push(b'.');
        v.push(deep);
        v
    }

    #[test]
    fn same_events_and_outcomes_as_a_full_decode() {
        let mut rng = brinery_testutil::XorShift(0x9e37_79b9_7f4a_7c15);
        let tight = Limits::default().max_nodes(60).max_memo_entries(12);
        let (mut compared, mut gave_up, mut events) = (0, 0, 0);
        for base in inputs() {
            for round in 0..400 {
                let mut data = base.clone();
                if round > 0 {
                    rng.mutate(&mut data);
                }
                for limits in [Limits::default(), tight.clone()] {
                    let full = run(&data, &limits, false);
                    let lean = run(&data, &limits, true);
                    if lean.2 {
                        gave_up += 1;
                        continue;
                    }
                    assert_eq!(lean.0, full.0, "events of {data:?}");
                    assert_eq!(lean.1, full.1, "outcome of {data:?}");
                    compared += 1;
                    events += full.0.len();
                }
            }
        }
        println!("{compared} compared ({events} events), {gave_up} gave up");
        assert!(compared > 4000 && events > 4000, "{compared} {events}");
        // Giving up is the exception (sets of long lists).
        assert!(gave_up * 20 < compared, "{gave_up} of {compared}");
    }

    /// `head`, then `MARK BININT1 0 ... BININT1 99 APPENDS`, then `tail`.
    fn hundred_ints(head: &[u8], tail: &[u8]) -> Vec<u8> {
        let mut d = head.to_vec();
        d.push(b'(');
        for i in 0..100u8 {
            d.extend_from_slice(&[b'K', i]);
        }
        d.push(b'e');
        d.extend_from_slice(tail);
        d
    }

    #[test]
    fn long_lists_keep_their_head_and_count() {
        let d = hundred_ints(b"\x80\x02]q\x00", b".");
        let g = Unpickler::new()
            .events_only()
            .events_only_stress()
            .load_slice(&d)
            .unwrap();
        let root = g.root_id().unwrap();
        assert_eq!(g.root().len(), Some(KEPT_ITEMS));
        assert_eq!(g.dropped(root), 100 - KEPT_ITEMS as u64);
        assert_eq!(g.root().get(&7).and_then(|n| n.as_i64()), Some(7));
    }

    #[test]
    fn a_set_of_a_dropped_list_gives_up() {
        let d = hundred_ints(b"\x80\x02c__builtin__\nset\n]q\x00", b"\x85R.");
        let mut u = Unpickler::new().events_only().events_only_stress();
        let e = u.load_slice(&d).unwrap_err();
        assert!(u.events_only_gave_up());
        assert_eq!(e.kind(), crate::ErrorKind::LimitExceeded);
        // A normal decode is exact.
        let g = Unpickler::new().load_slice(&d).unwrap();
        assert_eq!(g.root().len(), Some(100));
    }
}
