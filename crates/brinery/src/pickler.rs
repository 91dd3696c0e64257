//! The pickler: writes a [`Graph`] at any protocol 0–5 making the same
//! choices as CPython 3.11's C pickler (opcode per type and protocol,
//! memoization by identity, batches of 1000, framing), so pickles that came
//! from CPython re-encode to identical bytes.
//!
//! CPython's `save()` is recursive; here it is a loop over an explicit task
//! stack, so arbitrarily deep graphs cannot overflow the call stack.

use std::collections::HashMap;
use std::io;

use crate::error::{Error, ErrorKind, Result};
use crate::opcodes::{Opcode as O, DEFAULT_PROTOCOL, HIGHEST_PROTOCOL};
use crate::value::{Buf, Construct, Global, Graph, Node, NodeId};
use crate::writer::{unpicklable, Output, BATCHSIZE};

/// Options for writing pickles, as in `pickle.dumps`.
///
/// ```
/// let mut g = brinery::Graph::new();
/// let one = g.int(1);
/// let s = g.str("a");
/// let root = g.list(vec![one, s]);
/// g.set_root(root);
/// let bytes = brinery::Pickler::new(2).dumps(&g).unwrap();
/// assert_eq!(bytes, b"\x80\x02]q\x00(K\x01X\x01\x00\x00\x00aq\x01e.");
/// ```
pub struct Pickler<'c> {
    proto: u8,
    fix_imports: bool,
    buffer_callback: Option<BufferCallback<'c>>,
}

type BufferCallback<'c> = Box<dyn FnMut(&[u8], bool) -> bool + 'c>;

impl Default for Pickler<'_> {
    fn default() -> Self {
        Pickler::new(DEFAULT_PROTOCOL)
    }
}

impl<'c> Pickler<'c> {
    /// A pickler for `protocol` (values above 5 are clamped to 5, like
    /// CPython's negative "highest" request).
    pub fn new(protocol: u8) -> Self {
        Pickler {
            proto: protocol.min(HIGHEST_PROTOCOL),
            fix_imports: true,
            buffer_callback: None,
        }
    }

    /// Map Python 3 names to Python 2 names below protocol 3 (default on).
    pub fn fix_imports(mut self, on: bool) -> Self {
        self.fix_imports = on;
        self
    }

    /// Called for each [`Node::Buffer`] at protocol 5 with its bytes and
    /// read-only flag; return `false` to write it out-of-band (NEXT_BUFFER),
    /// `true` to write it in-band, as CPython's `buffer_callback`.
    pub fn buffer_callback(mut self, f: impl FnMut(&[u8], bool) -> bool + 'c) -> Self {
        self.buffer_callback = Some(Box::new(f));
        self
    }

    /// Pickle the graph's root into a new vector.
    pub fn dumps(&mut self, graph: &Graph<'_>) -> Result<Vec<u8>> {
        let root = graph
            .root_id()
            .ok_or_else(|| Error::new(ErrorKind::Unpicklable, "graph has no root"))?;
        let mut out = Vec::new();
        self.dump_node(graph, root, &mut out)?;
        Ok(out)
    }

    /// Pickle the graph's root to a writer.
    pub fn dump<W: io::Write>(&mut self, graph: &Graph<'_>, writer: W) -> Result<()> {
        let root = graph
            .root_id()
            .ok_or_else(|| Error::new(ErrorKind::Unpicklable, "graph has no root"))?;
        self.dump_node(graph, root, writer)
    }

    /// Pickle any node of the graph (as the root of a new pickle).
    pub fn dump_node<W: io::Write>(
        &mut self,
        graph: &Graph<'_>,
        root: NodeId,
        writer: W,
    ) -> Result<()> {
        let mut p = Emitter {
            g: graph,
            proto: self.proto,
            fix_imports: self.fix_imports && self.proto < 3,
            out: Output::new(writer),
            // Zeroed (0 = none, else index + 1): the allocator hands out
            // untouched zero pages, so a graph with few memoized nodes
            // costs no page faults here.
            memo: vec![0; graph.len()],
            entry: vec![0; graph.len()],
            entry_stack: Vec::new(),
            named_memo: HashMap::new(),
            memo_len: 0,
            tasks: Vec::new(),
            callback: self.buffer_callback.as_mut(),
        };
        p.run(root)
    }
}

/// Pickle a graph's root at a protocol with the defaults of `pickle.dumps`.
pub fn dumps(graph: &Graph<'_>, protocol: u8) -> Result<Vec<u8>> {
    Pickler::new(protocol).dumps(graph)
}

/// Pickle a graph's root to a writer.
pub fn dump<W: io::Write>(graph: &Graph<'_>, protocol: u8, writer: W) -> Result<()> {
    Pickler::new(protocol).dump(graph, writer)
}

/// A value to save that is not a graph node: the temporaries CPython's
/// reductions create (argument tuples, latin-1 strings, module names).
enum V<'g> {
    /// A fresh str (memoized, never shared).
    Str(Vec<u8>),
    /// A module-name str: one object per distinct name in the pickle.
    ModuleName(String),
    /// The interned `'latin1'` constant of bytes reductions.
    Latin1,
    /// A global by name.
    Global(String, String),
    /// A fresh tuple of items.
    Tuple(Vec<Item<'g>>),
    /// A fresh list of graph nodes.
    List(&'g [NodeId]),
    /// A fresh bytes object.
    Bytes(&'g [u8]),
}

enum Item<'g> {
    N(NodeId),
    V(V<'g>),
}

#[derive(Hash, PartialEq, Eq)]
enum NamedKey {
    Global(String, String),
    Module(String),
    Latin1,
    /// CPython's cached singletons: '' and 1-character str below U+0100,
    /// b'' and 1-byte bytes. Equal values are the same object, so they
    /// share one memo entry wherever they come from.
    StrSingleton(Option<u8>),
    BytesSingleton(Option<u8>),
}

/// The singleton key of a str (generalized UTF-8), if CPython caches it.
fn str_singleton(wtf8: &[u8]) -> Option<NamedKey> {
    match wtf8 {
        [] => Some(NamedKey::StrSingleton(None)),
        [c] if *c < 0x80 => Some(NamedKey::StrSingleton(Some(*c))),
        [a @ 0xC2..=0xC3, b] => Some(NamedKey::StrSingleton(Some(((a & 0x1F) << 6) | (b & 0x3F)))),
        _ => None,
    }
}

/// Whether `NEWOBJ` of `args[0]` with the rest of `args` reads back as the
/// same object (a `NEWOBJ` construct), so a `copyreg.__newobj__`
/// reduction (what protocols 0 and 1 hold) may be written with it, as
/// CPython's `save_reduce` does from protocol 2. It does not when the
/// decoder makes something else of it: `NEWOBJ` of `builtins.list` (or
/// int, dict, ...) with no arguments is the empty value itself, and a
/// class that is not a type (`builtins.len`, a number) is refused. Those
/// stay `REDUCE`s, which read back as the same reduction.
fn newobj_reads_back(g: &Graph<'_>, args: &[NodeId]) -> bool {
    match g.node(args[0]) {
        Node::Global(cls) if matches!(cls.module.as_str(), "builtins" | "__builtin__") => {
            crate::builtins::non_type(&cls.name).is_none()
                && !(args.len() == 1 && crate::builtins::empty_value(&cls.name).is_some())
        }
        Node::Global(_) | Node::Object(_) | Node::PersistentId(_) | Node::Buffer(_) => true,
        _ => false,
    }
}

fn bytes_singleton(data: &[u8]) -> Option<NamedKey> {
    match data {
        [] => Some(NamedKey::BytesSingleton(None)),
        [c] => Some(NamedKey::BytesSingleton(Some(*c))),
        _ => None,
    }
}

/// Queue the saving of one item of a batch.
fn save(tasks: &mut Vec<Task<'_>>, &id: &NodeId) {
    tasks.push(Task::Save(id));
}

/// Queue the saving of one key/value pair of a batch (key first).
fn save_pair(tasks: &mut Vec<Task<'_>>, &(k, v): &(NodeId, NodeId)) {
    tasks.push(Task::Save(v));
    tasks.push(Task::Save(k));
}

/// Which items a [`Task::Batch`] writes.
#[derive(Clone, Copy)]
enum Batch {
    /// A list's items (batch_list_exact).
    List,
    /// A dict's items (_batch_setitems).
    Dict,
    /// A set's items (save_set).
    Set,
    /// An opaque object's list items (batch_list over an iterator).
    ObjList,
    /// An opaque object's dict items (batch_dict over an iterator).
    ObjDict,
}

enum Task<'g> {
    Save(NodeId),
    SaveV(V<'g>),
    Op(u8),
    /// After a tuple's elements: TUPLEn/TUPLE or the recursive-tuple dance.
    TupleEnd {
        id: Option<NodeId>,
        len: usize,
        marked: bool,
    },
    FrozenSetEnd(NodeId),
    /// Memoize a node (or a fresh temporary when `None`).
    MemoPut(Option<NodeId>),
    MemoPutNamed(NamedKey),
    /// After a reduction's opcode: memo check, then items and state.
    ReduceEnd(NodeId),
    /// The batch of `id`'s items from `pos`.
    Batch {
        of: Batch,
        id: NodeId,
        pos: usize,
    },
    /// Raw bytes to write.
    Raw(Vec<u8>),
    /// Saving of a node whose memo entry follows its children is done.
    Exit(NodeId),
    /// Record the memo index just given to `id` (or the last index for a
    /// temporary) under a named key.
    RegisterNamed {
        key: NamedKey,
        id: Option<NodeId>,
    },
}

struct Emitter<'g, 'a, 'c, 'b, W> {
    g: &'g Graph<'a>,
    proto: u8,
    fix_imports: bool,
    out: Output<W>,
    /// Per node: its memo index + 1, or 0 if not memoized.
    memo: Vec<u32>,
    /// For nodes being saved whose memo entry comes after their children:
    /// the memo length + 1 when saving (re-)started (0: not being saved),
    /// to detect cycles CPython would only escape with a RecursionError.
    entry: Vec<u32>,
    entry_stack: Vec<u32>,
    named_memo: HashMap<NamedKey, u32>,
    memo_len: u32,
    tasks: Vec<Task<'g>>,
    callback: Option<&'b mut BufferCallback<'c>>,
}

impl<'g, 'a, 'c, 'b, W: io::Write> Emitter<'g, 'a, 'c, 'b, W> {
    fn run(&mut self, root: NodeId) -> Result<()> {
        if self.g.get(root).is_none() {
            return Err(unpicklable("root id is not in the graph"));
        }
        if self.proto >= 2 {
            self.out.write(&[O::Proto.code(), self.proto]);
            if self.proto >= 4 {
                self.out.framing = true;
            }
        }
        self.tasks.push(Task::Save(root));
        while let Some(t) = self.tasks.pop() {
            self.task(t)?;
        }
        self.out.finish()
    }

    #[inline]
    fn bin(&self) -> bool {
        self.proto > 0
    }

    // ----- memo -----

    fn write_put(&mut self, idx: u32) {
        self.out.put(idx, self.proto);
    }

    fn write_get(&mut self, idx: u32) {
        self.out.get(idx, self.proto);
    }

    fn memo_put(&mut self, id: Option<NodeId>) {
        let idx = self.memo_len;
        self.memo_len += 1;
        if let Some(id) = id {
            self.memo[id.index()] = idx + 1;
        }
        self.write_put(idx);
    }

    #[inline]
    fn memo_of(&self, id: NodeId) -> Option<u32> {
        match self.memo[id.index()] {
            0 => None,
            i => Some(i - 1),
        }
    }

    fn push_items(&mut self, items: Vec<Item<'g>>) {
        for it in items.into_iter().rev() {
            self.tasks.push(match it {
                Item::N(n) => Task::Save(n),
                Item::V(v) => Task::SaveV(v),
            });
        }
    }

    // ----- tasks -----

    fn task(&mut self, t: Task<'g>) -> Result<()> {
        match t {
            Task::Save(id) => self.save(id),
            Task::SaveV(v) => self.save_v(v),
            Task::Op(b) => {
                self.out.byte(b);
                Ok(())
            }
            Task::TupleEnd { id, len, marked } => {
                if let Some(id) = id {
                    self.exit(id);
                }
                if let Some(id) = id {
                    if let Some(idx) = self.memo_of(id) {
                        if marked {
                            if self.bin() {
                                self.out.byte(O::PopMark.code());
                            } else {
                                for _ in 0..=len {
                                    self.out.byte(O::Pop.code());
                                }
                            }
                        } else {
                            for _ in 0..len {
                                self.out.byte(O::Pop.code());
                            }
                        }
                        self.write_get(idx);
                        return Ok(());
                    }
                }
                self.out.tuple_end(len, marked);
                self.memo_put(id);
                Ok(())
            }
            Task::FrozenSetEnd(id) => {
                self.exit(id);
                if let Some(idx) = self.memo_of(id) {
                    self.out.byte(O::PopMark.code());
                    self.write_get(idx);
                } else {
                    self.out.byte(O::FrozenSet.code());
                    self.memo_put(Some(id));
                }
                Ok(())
            }
            Task::MemoPut(id) => {
                self.memo_put(id);
                Ok(())
            }
            Task::MemoPutNamed(key) => {
                let idx = self.memo_len;
                self.memo_len += 1;
                self.named_memo.insert(key, idx);
                self.write_put(idx);
                Ok(())
            }
            Task::ReduceEnd(id) => {
                self.exit(id);
                self.reduce_end(id)
            }
            Task::Exit(id) => {
                self.exit(id);
                Ok(())
            }
            Task::Batch { of, id, pos } => self.batch(of, id, pos),
            Task::RegisterNamed { key, id } => {
                let idx = match id {
                    Some(id) => self.memo_of(id).unwrap_or(self.memo_len - 1),
                    None => self.memo_len - 1,
                };
                self.named_memo.insert(key, idx);
                Ok(())
            }
            Task::Raw(b) => {
                self.out.write(&b);
                Ok(())
            }
        }
    }

    /// Queue the items of the new list or dict `id`: at protocol 0 and for
    /// a lone item one `single` opcode (APPEND, SETITEM) each, else the
    /// batches of kind `of`.
    fn queue_items<T>(
        &mut self,
        items: &[T],
        of: Batch,
        id: NodeId,
        single: O,
        push_item: impl Fn(&mut Vec<Task<'g>>, &T),
    ) {
        if self.proto > 0 && items.len() > 1 {
            self.tasks.push(Task::Batch { of, id, pos: 0 });
            return;
        }
        for it in items.iter().rev() {
            self.tasks.push(Task::Op(single.code()));
            push_item(&mut self.tasks, it);
        }
    }

    /// The batch of `id`'s items (of the kind `of`) from `pos`.
    fn batch(&mut self, of: Batch, id: NodeId, pos: usize) -> Result<()> {
        let again = |pos| Task::Batch { of, id, pos };
        match (of, self.g.node(id)) {
            (Batch::List, Node::List(v)) => return self.batch_exact(v, pos, again),
            (Batch::Dict, Node::Dict(d)) => {
                self.batch_all(d.entries(), pos, again, O::SetItems, save_pair)
            }
            (Batch::Set, Node::Set(s)) => self.batch_all(s.items(), pos, again, O::AddItems, save),
            (Batch::ObjList, Node::Object(o)) => {
                self.batch_iter(&o.list_items, pos, again, [O::Append, O::Appends], save)
            }
            (Batch::ObjDict, Node::Object(o)) => self.batch_iter(
                &o.dict_items,
                pos,
                again,
                [O::SetItem, O::SetItems],
                save_pair,
            ),
            _ => unreachable!("a batch task is queued for its own kind of node"),
        }
        Ok(())
    }

    /// batch_list_exact (lists, proto > 0) for one batch starting at `pos`.
    fn batch_exact(
        &mut self,
        items: &'g [NodeId],
        pos: usize,
        again: impl FnOnce(usize) -> Task<'g>,
    ) -> Result<()> {
        let end = self.open_batch(items.len(), pos, again, false, O::Appends);
        // Leading scalars are written right away (what `save` would do
        // for them, boundary check included), without a task each.
        let g = self.g;
        let mut start = pos;
        while start < end {
            match g.node(items[start]) {
                Node::Int(v) => {
                    self.out.boundary()?;
                    self.out.int(*v, self.proto);
                }
                Node::Float(f) => {
                    self.out.boundary()?;
                    self.out.float(*f, self.proto);
                }
                Node::None => {
                    self.out.boundary()?;
                    self.out.byte(O::None.code());
                }
                Node::Bool(b) => {
                    self.out.boundary()?;
                    self.out.bool(*b, self.proto);
                }
                _ => break,
            }
            start += 1;
        }
        for &it in items[start..end].iter().rev() {
            self.tasks.push(Task::Save(it));
        }
        Ok(())
    }

    /// batch_list / batch_dict over an iterator (objects' listitems and
    /// dictitems): protocol 0 one at a time; otherwise a lone item uses
    /// APPEND/SETITEM and fuller batches MARK ... APPENDS/SETITEMS.
    fn batch_iter<T>(
        &mut self,
        items: &[T],
        pos: usize,
        again: impl FnOnce(usize) -> Task<'g>,
        [single, multi]: [O; 2],
        push_item: impl Fn(&mut Vec<Task<'g>>, &T),
    ) {
        let n = items.len();
        if pos >= n {
            return;
        }
        if self.proto == 0 {
            for it in items[pos..].iter().rev() {
                self.tasks.push(Task::Op(single.code()));
                push_item(&mut self.tasks, it);
            }
            return;
        }
        if n - pos == 1 {
            self.tasks.push(Task::Op(single.code()));
            push_item(&mut self.tasks, &items[pos]);
            return;
        }
        self.batch_all(items, pos, again, multi, push_item);
    }

    /// One batch of `items` from `pos` with an empty trailing batch after
    /// a full one (see [`Self::open_batch`]); `push_item` queues the tasks
    /// that save one item.
    fn batch_all<T>(
        &mut self,
        items: &[T],
        pos: usize,
        again: impl FnOnce(usize) -> Task<'g>,
        op: O,
        push_item: impl Fn(&mut Vec<Task<'g>>, &T),
    ) {
        let end = self.open_batch(items.len(), pos, again, true, op);
        for it in items[pos..end].iter().rev() {
            push_item(&mut self.tasks, it);
        }
    }

    /// Write the MARK of a batch of the `n` items from `pos` (at most
    /// BATCHSIZE of them) and queue its closing `op`, after the task
    /// `again(end)` that writes the next batch when items remain, or
    /// (`trailing_empty`, as CPython's `save_set` and `_batch_setitems`)
    /// whenever this batch is full. Returns `end`: the items of this batch
    /// are `pos..end`, to be queued by the caller.
    fn open_batch(
        &mut self,
        n: usize,
        pos: usize,
        again: impl FnOnce(usize) -> Task<'g>,
        trailing_empty: bool,
        op: O,
    ) -> usize {
        let end = (pos + BATCHSIZE).min(n);
        self.out.byte(O::Mark.code());
        if end < n || (trailing_empty && end - pos == BATCHSIZE) {
            self.tasks.push(again(end));
        }
        self.tasks.push(Task::Op(op.code()));
        end
    }

    fn enter(&mut self, id: NodeId) -> Result<()> {
        let prev = self.entry[id.index()];
        if prev != 0 && prev - 1 == self.memo_len {
            return Err(unpicklable(
                "object reached again while building itself, with nothing memoized in between \
                 (CPython raises RecursionError)",
            ));
        }
        self.entry_stack.push(prev);
        self.entry[id.index()] = self.memo_len + 1;
        Ok(())
    }

    fn exit(&mut self, id: NodeId) {
        self.entry[id.index()] = self.entry_stack.pop().unwrap_or(0);
    }

    fn reduce_end(&mut self, id: NodeId) -> Result<()> {
        if let Some(idx) = self.memo_of(id) {
            self.out.byte(O::Pop.code());
            self.write_get(idx);
            return Ok(());
        }
        self.memo_put(Some(id));
        if let Node::Object(o) = self.g.node(id) {
            // Pushed in reverse: builds last, list items first.
            for &b in o.builds.iter().rev() {
                self.tasks.push(Task::Op(O::Build.code()));
                self.tasks.push(Task::Save(b));
            }
            if !o.set_items.is_empty() {
                for chunk in o.set_items.chunks(BATCHSIZE).rev() {
                    self.tasks.push(Task::Op(O::AddItems.code()));
                    for &it in chunk.iter().rev() {
                        self.tasks.push(Task::Save(it));
                    }
                    self.tasks.push(Task::Op(O::Mark.code()));
                }
            }
            if !o.dict_items.is_empty() {
                self.tasks.push(Task::Batch {
                    of: Batch::ObjDict,
                    id,
                    pos: 0,
                });
            }
            if !o.list_items.is_empty() {
                self.tasks.push(Task::Batch {
                    of: Batch::ObjList,
                    id,
                    pos: 0,
                });
            }
        }
        Ok(())
    }

    // ----- save -----

    fn save(&mut self, id: NodeId) -> Result<()> {
        self.out.boundary()?;
        let g = self.g;
        let node = g.node(id);
        match node {
            Node::None => {
                self.out.byte(O::None.code());
                return Ok(());
            }
            Node::Bool(b) => {
                self.out.bool(*b, self.proto);
                return Ok(());
            }
            Node::Int(i) => {
                self.out.int(*i, self.proto);
                return Ok(());
            }
            Node::BigInt(b) => return self.out.bigint(b, self.proto),
            Node::Float(f) => {
                self.out.float(*f, self.proto);
                return Ok(());
            }
            _ => {}
        }
        if let Some(idx) = self.memo_of(id) {
            self.write_get(idx);
            return Ok(());
        }
        let deferred = match node {
            Node::Tuple(t) => !t.is_empty(),
            Node::FrozenSet(_) | Node::Object(_) | Node::PersistentId(_) => true,
            Node::Set(_) => self.proto < 4,
            Node::Bytes(_) => self.proto < 3,
            Node::ByteArray(_) => self.proto < 5,
            _ => false,
        };
        if deferred {
            self.enter(id)?;
        }
        if self.replay_reduction(id, node) {
            return Ok(());
        }
        match node {
            Node::Str(s) => {
                self.out.str(s.as_wtf8(), self.proto)?;
                self.memo_put(Some(id));
            }
            Node::Bytes(b) => self.save_bytes(b.as_slice(), Some(id))?,
            Node::ByteArray(b) => self.save_bytearray(b, id)?,
            Node::Tuple(items) => {
                self.save_tuple(Some(id), items.iter().map(|&n| Item::N(n)).collect())
            }
            Node::List(items) => {
                self.out.empty(O::EmptyList, O::List, self.proto);
                self.memo_put(Some(id));
                self.queue_items(items, Batch::List, id, O::Append, save);
            }
            Node::Dict(d) => {
                self.out.empty(O::EmptyDict, O::Dict, self.proto);
                self.memo_put(Some(id));
                self.queue_items(d.entries(), Batch::Dict, id, O::SetItem, save_pair);
            }
            // save_set / save_frozenset below protocol 4: `set([items])`.
            Node::Set(s) | Node::FrozenSet(s) if self.proto < 4 => {
                let name = if matches!(node, Node::Set(_)) {
                    "set"
                } else {
                    "frozenset"
                };
                self.reduce_with(
                    id,
                    V::Global("builtins".into(), name.into()),
                    vec![Item::V(V::List(s.items()))],
                );
            }
            Node::Set(s) => {
                self.out.byte(O::EmptySet.code());
                self.memo_put(Some(id));
                if !s.is_empty() {
                    self.tasks.push(Task::Batch {
                        of: Batch::Set,
                        id,
                        pos: 0,
                    });
                }
            }
            Node::FrozenSet(s) => {
                self.out.byte(O::Mark.code());
                self.tasks.push(Task::FrozenSetEnd(id));
                for &it in s.items().iter().rev() {
                    self.tasks.push(Task::Save(it));
                }
            }
            Node::Global(gl) => self.save_global(gl, Some(id))?,
            Node::Object(o) => self.save_object(id, &o.construct)?,
            Node::PersistentId(pid) => {
                self.tasks.push(Task::Exit(id));
                if self.bin() {
                    self.tasks.push(Task::Op(O::BinPersId.code()));
                    self.tasks.push(Task::Save(*pid));
                } else {
                    let text = match g.node(*pid) {
                        Node::Str(s) => s.to_string_lossy().into_owned(),
                        Node::Int(i) => i.to_string(),
                        _ => {
                            return Err(unpicklable(
                                "persistent IDs in protocol 0 must be ASCII strings",
                            ))
                        }
                    };
                    if !text.is_ascii() || text.contains('\n') {
                        return Err(unpicklable(
                            "persistent IDs in protocol 0 must be ASCII strings",
                        ));
                    }
                    self.out.byte(O::PersId.code());
                    self.out.write(text.as_bytes());
                    self.out.byte(b'\n');
                }
            }
            Node::Buffer(b) => {
                if self.proto < 5 {
                    return Err(unpicklable(
                        "PickleBuffer can only pickled with protocol >= 5",
                    ));
                }
                let in_band = match self.callback.as_mut() {
                    Some(cb) => cb(b.data.as_slice(), b.readonly),
                    None => true,
                };
                if in_band {
                    if b.readonly {
                        self.save_bytes(b.data.as_slice(), Some(id))?;
                    } else {
                        self.write_bytearray8(b.data.as_slice())?;
                        self.memo_put(Some(id));
                    }
                } else {
                    self.out.byte(O::NextBuffer.code());
                    if b.readonly {
                        self.out.byte(O::ReadonlyBuffer.code());
                    }
                }
            }
            _ => unreachable!("atoms handled above"),
        }
        Ok(())
    }

    fn save_v(&mut self, v: V<'g>) -> Result<()> {
        self.out.boundary()?;
        match v {
            V::Str(bytes) => {
                let key = str_singleton(&bytes);
                if let Some(k) = &key {
                    if let Some(&idx) = self.named_memo.get(k) {
                        self.write_get(idx);
                        return Ok(());
                    }
                }
                self.out.str(&bytes, self.proto)?;
                self.memo_put(None);
                if let Some(k) = key {
                    self.named_memo.insert(k, self.memo_len - 1);
                }
            }
            V::ModuleName(m) => {
                let key = NamedKey::Module(m.clone());
                if let Some(&idx) = self.named_memo.get(&key) {
                    self.write_get(idx);
                } else {
                    self.out.str(m.as_bytes(), self.proto)?;
                    self.tasks.push(Task::MemoPutNamed(key));
                }
            }
            V::Latin1 => {
                if let Some(&idx) = self.named_memo.get(&NamedKey::Latin1) {
                    self.write_get(idx);
                } else {
                    self.out.str(b"latin1", self.proto)?;
                    self.tasks.push(Task::MemoPutNamed(NamedKey::Latin1));
                }
            }
            V::Global(m, n) => {
                let gl = Global { module: m, name: n };
                self.save_global(&gl, None)?;
            }
            V::Tuple(items) => self.save_tuple(None, items),
            V::List(items) => {
                self.out.empty(O::EmptyList, O::List, self.proto);
                self.memo_put(None);
                if !items.is_empty() {
                    if self.proto == 0 {
                        for &it in items.iter().rev() {
                            self.tasks.push(Task::Op(O::Append.code()));
                            self.tasks.push(Task::Save(it));
                        }
                    } else if items.len() == 1 {
                        self.tasks.push(Task::Op(O::Append.code()));
                        self.tasks.push(Task::Save(items[0]));
                    } else {
                        // A fresh exact list: batch_list_exact.
                        for chunk in items.chunks(BATCHSIZE).rev() {
                            self.tasks.push(Task::Op(O::Appends.code()));
                            for &it in chunk.iter().rev() {
                                self.tasks.push(Task::Save(it));
                            }
                            self.tasks.push(Task::Op(O::Mark.code()));
                        }
                    }
                }
            }
            V::Bytes(b) => self.save_bytes(b, None)?,
        }
        Ok(())
    }

    fn save_bytes(&mut self, data: &'g [u8], id: Option<NodeId>) -> Result<()> {
        // Only temporaries are matched to CPython's cached singletons: graph
        // nodes carry their own identity.
        let key = if id.is_none() {
            bytes_singleton(data)
        } else {
            None
        };
        if let Some(k) = &key {
            if let Some(&idx) = self.named_memo.get(k) {
                if let Some(id) = id {
                    self.memo[id.index()] = idx + 1;
                }
                self.write_get(idx);
                return Ok(());
            }
        }
        if self.proto < 3 {
            if let Some(k) = key {
                self.tasks.push(Task::RegisterNamed { key: k, id });
            }
            let (callable, args) = if data.is_empty() {
                (V::Global("builtins".into(), "bytes".into()), vec![])
            } else {
                let s = crate::writer::latin1_wtf8(data);
                (
                    V::Global("_codecs".into(), "encode".into()),
                    vec![Item::V(V::Str(s)), Item::V(V::Latin1)],
                )
            };
            match id {
                Some(id) => self.reduce_with(id, callable, args),
                None => self.reduce_fresh(callable, args),
            }
            return Ok(());
        }
        self.out.bin_bytes(data, self.proto)?;
        self.memo_put(id);
        if let Some(k) = key {
            self.named_memo.insert(k, self.memo_len - 1);
        }
        Ok(())
    }

    fn write_bytearray8(&mut self, data: &[u8]) -> Result<()> {
        let mut h = [0u8; 9];
        h[0] = O::ByteArray8.code();
        h[1..].copy_from_slice(&(data.len() as u64).to_le_bytes());
        self.out.write_bytes(&h, data)
    }

    fn save_bytearray(&mut self, data: &'g Buf<'a>, id: NodeId) -> Result<()> {
        if self.proto < 5 {
            let args = if data.is_empty() {
                vec![]
            } else {
                vec![Item::V(V::Bytes(data.as_slice()))]
            };
            self.reduce_with(id, V::Global("builtins".into(), "bytearray".into()), args);
            return Ok(());
        }
        self.write_bytearray8(data.as_slice())?;
        self.memo_put(Some(id));
        Ok(())
    }

    /// A builtin node decoded from a REDUCE is written from the original
    /// callable and argument nodes when this protocol needs a reduction for
    /// it and the arguments still describe the value, so temporaries keep
    /// the identities (memo GETs) CPython gave them.
    fn replay_reduction(&mut self, id: NodeId, node: &'g Node<'a>) -> bool {
        let Some((callable, args)) = self.g.reduction_of(id) else {
            return false;
        };
        let g = self.g;
        let args_items: &[NodeId] = match g.node(args) {
            Node::Tuple(t) => t,
            _ => return false,
        };
        let callee = match g.node(callable) {
            Node::Global(gl) => (gl.module.as_str(), gl.name.as_str()),
            _ => return false,
        };
        let latin1_of = |n: NodeId| -> Option<Vec<u8>> {
            match g.node(n) {
                Node::Str(s) => s.code_points().map(|c| u8::try_from(c).ok()).collect(),
                _ => None,
            }
        };
        let consistent = match (node, callee, args_items) {
            (Node::Set(s), ("builtins", "set"), [l]) if self.proto < 4 => {
                matches!(g.node(*l), Node::List(v) if v[..] == *s.items())
            }
            (Node::FrozenSet(s), ("builtins", "frozenset"), [l]) if self.proto < 4 => {
                matches!(g.node(*l), Node::List(v) if v[..] == *s.items())
            }
            (Node::Bytes(b), ("_codecs", "encode"), [st, _enc]) if self.proto < 3 => {
                latin1_of(*st).as_deref() == Some(b.as_slice())
            }
            (Node::Bytes(b), ("builtins", "bytes"), []) if self.proto < 3 => b.is_empty(),
            (Node::ByteArray(b), ("builtins", "bytearray"), []) if self.proto < 5 => b.is_empty(),
            (Node::ByteArray(b), ("builtins", "bytearray"), [x]) if self.proto < 5 => {
                matches!(g.node(*x), Node::Bytes(y) if y.as_slice() == b.as_slice())
            }
            (Node::ByteArray(b), ("builtins", "bytearray"), [st, _enc]) if self.proto < 5 => {
                latin1_of(*st).as_deref() == Some(b.as_slice())
            }
            (Node::Global(gl), ("builtins", "getattr"), [parent, last]) if self.proto < 4 => {
                let key = NamedKey::Global(gl.module.clone(), gl.name.clone());
                if let Some(&idx) = self.named_memo.get(&key) {
                    self.write_get(idx);
                    return true;
                }
                let ok = match (g.node(*parent), g.node(*last)) {
                    (Node::Global(p), Node::Str(l)) => {
                        p.module == gl.module
                            && l.as_str().map(|l| format!("{}.{}", p.name, l)).as_deref()
                                == Some(gl.name.as_str())
                    }
                    _ => false,
                };
                if ok {
                    self.tasks.push(Task::MemoPutNamed(key));
                    self.tasks.push(Task::Op(O::Reduce.code()));
                    self.tasks.push(Task::Save(args));
                    self.tasks.push(Task::Save(callable));
                    return true;
                }
                false
            }
            _ => false,
        };
        if !consistent {
            return false;
        }
        self.tasks.push(Task::ReduceEnd(id));
        self.tasks.push(Task::Op(O::Reduce.code()));
        self.tasks.push(Task::Save(args));
        self.tasks.push(Task::Save(callable));
        true
    }

    /// save_reduce((callable, tuple(args)), obj=id) with no state.
    fn reduce_with(&mut self, id: NodeId, callable: V<'g>, args: Vec<Item<'g>>) {
        self.tasks.push(Task::ReduceEnd(id));
        self.tasks.push(Task::Op(O::Reduce.code()));
        self.tasks.push(Task::SaveV(V::Tuple(args)));
        self.tasks.push(Task::SaveV(callable));
    }

    /// The same for a temporary object (memoized, never shared).
    fn reduce_fresh(&mut self, callable: V<'g>, args: Vec<Item<'g>>) {
        self.tasks.push(Task::MemoPut(None));
        self.tasks.push(Task::Op(O::Reduce.code()));
        self.tasks.push(Task::SaveV(V::Tuple(args)));
        self.tasks.push(Task::SaveV(callable));
    }

    fn save_tuple(&mut self, id: Option<NodeId>, items: Vec<Item<'g>>) {
        let len = items.len();
        if len == 0 {
            self.out.empty(O::EmptyTuple, O::Tuple, self.proto);
            return;
        }
        let marked = !(len <= 3 && self.proto >= 2);
        if marked {
            self.out.byte(O::Mark.code());
        }
        self.tasks.push(Task::TupleEnd { id, len, marked });
        self.push_items(items);
    }

    fn save_global(&mut self, gl: &Global, id: Option<NodeId>) -> Result<()> {
        let key = NamedKey::Global(gl.module.clone(), gl.name.clone());
        if let Some(&idx) = self.named_memo.get(&key) {
            self.write_get(idx);
            if let Some(id) = id {
                self.memo[id.index()] = idx + 1;
            }
            return Ok(());
        }
        let after = |s: &mut Self| {
            s.tasks.push(Task::MemoPutNamed(NamedKey::Global(
                gl.module.clone(),
                gl.name.clone(),
            )));
        };
        if self.proto >= 4 {
            after(self);
            self.tasks.push(Task::Op(O::StackGlobal.code()));
            // CPython memoizes the module and name str *objects*; which
            // objects they are depends on the global (a builtin function's
            // module name is its module's own str, not the interned
            // 'builtins' of the types). A global read by STACK_GLOBAL
            // keeps the str nodes it was read from, so they are saved as
            // the nodes they are: their memo sharing is the input's.
            if let Some((m, n)) = id.and_then(|id| self.stack_global_strs(id, gl)) {
                self.tasks.push(Task::Save(n));
                self.tasks.push(Task::Save(m));
                return Ok(());
            }
            self.tasks
                .push(Task::SaveV(V::Str(gl.name.as_bytes().to_vec())));
            self.tasks
                .push(Task::SaveV(V::ModuleName(gl.module.clone())));
            return Ok(());
        }
        // Below protocol 4 a global is a GLOBAL line (or getattr of one):
        // names that cannot be written as non-empty lines cannot be read back.
        if gl.module.is_empty()
            || gl.module.contains('\n')
            || gl
                .name
                .split('.')
                .any(|part| part.is_empty() || part.contains('\n'))
        {
            return Err(unpicklable(format!(
                "can't pickle global {:?}.{:?} below protocol 4: empty or multi-line name",
                gl.module, gl.name
            )));
        }
        if let Some((parent, last)) = gl.name.rsplit_once('.') {
            after(self);
            self.tasks.push(Task::Op(O::Reduce.code()));
            self.tasks.push(Task::SaveV(V::Tuple(vec![
                Item::V(V::Global(gl.module.clone(), parent.to_string())),
                Item::V(V::Str(last.as_bytes().to_vec())),
            ])));
            self.tasks
                .push(Task::SaveV(V::Global("builtins".into(), "getattr".into())));
            return Ok(());
        }
        self.out
            .global_line(&gl.module, &gl.name, self.proto, self.fix_imports)?;
        let idx = self.memo_len;
        self.memo_len += 1;
        self.named_memo.insert(key, idx);
        if let Some(id) = id {
            self.memo[id.index()] = idx + 1;
        }
        self.write_put(idx);
        Ok(())
    }

    /// The module and name str nodes a global was read from by STACK_GLOBAL
    /// ([`Graph::reduction_of`]), if they still spell its names (a name
    /// mapped by `fix_imports`, or a global edited since, is written from
    /// its names).
    fn stack_global_strs(&self, id: NodeId, gl: &Global) -> Option<(NodeId, NodeId)> {
        let (m, n) = self.g.reduction_of(id)?;
        let spells = |s: NodeId, want: &str| match self.g.get(s) {
            Some(Node::Str(s)) => s.as_str() == Some(want),
            _ => false,
        };
        (spells(m, &gl.module) && spells(n, &gl.name)).then_some((m, n))
    }

    fn save_object(&mut self, id: NodeId, c: &'g Construct) -> Result<()> {
        let g = self.g;
        match c {
            Construct::Reduce { callable, args } => {
                // A `__newobj__`/`__newobj_ex__` callable becomes NEWOBJ at
                // protocol >= 2, as in save_reduce.
                if self.proto >= 2 {
                    if let (Some((_, name)), Node::Tuple(a)) =
                        (g.view(*callable).as_global(), g.node(*args))
                    {
                        let last = name.rsplit('.').next().unwrap_or(name);
                        if last == "__newobj__" && !a.is_empty() && newobj_reads_back(g, a) {
                            self.tasks.push(Task::ReduceEnd(id));
                            self.tasks.push(Task::Op(O::NewObj.code()));
                            self.tasks.push(Task::SaveV(V::Tuple(
                                a[1..].iter().map(|&n| Item::N(n)).collect(),
                            )));
                            self.tasks.push(Task::Save(a[0]));
                            return Ok(());
                        }
                    }
                }
                self.tasks.push(Task::ReduceEnd(id));
                self.tasks.push(Task::Op(O::Reduce.code()));
                self.tasks.push(Task::Save(*args));
                self.tasks.push(Task::Save(*callable));
            }
            Construct::NewObj { cls, args } => {
                self.tasks.push(Task::ReduceEnd(id));
                if self.proto >= 2 {
                    self.tasks.push(Task::Op(O::NewObj.code()));
                    self.tasks.push(Task::Save(*args));
                    self.tasks.push(Task::Save(*cls));
                } else {
                    let mut items = vec![Item::N(*cls)];
                    match g.node(*args) {
                        Node::Tuple(a) => items.extend(a.iter().map(|&n| Item::N(n))),
                        _ => return Err(unpicklable("NEWOBJ args are not a tuple")),
                    }
                    self.tasks.push(Task::Op(O::Reduce.code()));
                    self.tasks.push(Task::SaveV(V::Tuple(items)));
                    self.tasks.push(Task::SaveV(V::Global(
                        "copyreg".into(),
                        "__newobj__".into(),
                    )));
                }
            }
            Construct::NewObjEx { cls, args, kwargs } => {
                self.tasks.push(Task::ReduceEnd(id));
                if self.proto >= 4 {
                    self.tasks.push(Task::Op(O::NewObjEx.code()));
                    self.tasks.push(Task::Save(*kwargs));
                    self.tasks.push(Task::Save(*args));
                    self.tasks.push(Task::Save(*cls));
                } else {
                    self.tasks.push(Task::Op(O::Reduce.code()));
                    self.tasks.push(Task::SaveV(V::Tuple(vec![
                        Item::N(*cls),
                        Item::N(*args),
                        Item::N(*kwargs),
                    ])));
                    self.tasks.push(Task::SaveV(V::Global(
                        "copyreg".into(),
                        "__newobj_ex__".into(),
                    )));
                }
            }
            Construct::Inst { cls, args } => {
                // Written as read: MARK args INST module name.
                self.out.byte(O::Mark.code());
                let mut line = vec![O::Inst.code()];
                line.extend_from_slice(cls.module.as_bytes());
                line.push(b'\n');
                line.extend_from_slice(cls.name.as_bytes());
                line.push(b'\n');
                self.tasks.push(Task::ReduceEnd(id));
                self.tasks.push(Task::Raw(line));
                for &a in args.iter().rev() {
                    self.tasks.push(Task::Save(a));
                }
            }
            Construct::Obj { cls, args } => {
                self.out.byte(O::Mark.code());
                self.tasks.push(Task::ReduceEnd(id));
                self.tasks.push(Task::Op(O::Obj.code()));
                for &a in args.iter().rev() {
                    self.tasks.push(Task::Save(a));
                }
                self.tasks.push(Task::Save(*cls));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{dumps, loads};

    /// Decode, pickle at `proto`, decode, pickle again: the same bytes.
    fn stable(data: &[u8], proto: u8) -> Vec<u8> {
        let g1 = loads(data).unwrap();
        let b1 = super::Pickler::new(proto)
            .fix_imports(false)
            .dumps(&g1)
            .unwrap();
        let g2 = loads(&b1).unwrap();
        let b2 = super::Pickler::new(proto)
            .fix_imports(false)
            .dumps(&g2)
            .unwrap();
        assert_eq!(
            b1.escape_ascii().to_string(),
            b2.escape_ascii().to_string(),
            "protocol {proto}"
        );
        b1
    }

    /// `copyreg.__newobj__(list)` (a protocol 0 reduction) is not written
    /// as `NEWOBJ` of `builtins.list` from protocol 2: that reads back as
    /// an empty list, and the second pickle would differ from the first.
    /// A class of its own still becomes `NEWOBJ`, as CPython writes it.
    #[test]
    fn newobj_reduction_of_a_builtin_type_re_encodes_stably() {
        let list = b"ccopyreg\n__newobj__\n(cbuiltins\nlist\ntR.";
        let int = b"(lp0\nccopyreg\n__newobj__\n(cbuiltins\nint\ntRaccopyreg\n__newobj__\n(cbuiltins\nlen\ntRa.";
        for proto in 0..=5 {
            for data in [&list[..], &int[..]] {
                let out = stable(data, proto);
                assert!(!out.contains(&crate::opcodes::Opcode::NewObj.code()));
            }
            let class = stable(b"ccopyreg\n__newobj__\n(cseedmod\nC\ntR.", proto);
            assert_eq!(
                class.contains(&crate::opcodes::Opcode::NewObj.code()),
                proto >= 2
            );
        }
    }

    /// CPython's `[complex(1, 2), len, abs, int, len]` at protocols 4 and
    /// 5: the builtin functions' module name is one str, the types' another
    /// (BINGET 6 and BINGET 1); both re-encode byte-identically. The same
    /// list read from GLOBAL lines re-encodes stably at every protocol.
    #[test]
    fn builtin_function_module_names_are_their_own_str() {
        let p5: &[u8] = b"\x80\x05\x95[\x00\x00\x00\x00\x00\x00\x00]\x94(\x8c\x08builtins\x94\x8c\x07complex\x94\x93\x94G?\xf0\x00\x00\x00\x00\x00\x00G@\x00\x00\x00\x00\x00\x00\x00\x86\x94R\x94\x8c\x08builtins\x94\x8c\x03len\x94\x93\x94h\x06\x8c\x03abs\x94\x93\x94h\x01\x8c\x03int\x94\x93\x94h\x08e.";
        let mut p4 = p5.to_vec();
        p4[1] = 4;
        for (proto, data) in [(5u8, p5), (4, &p4[..])] {
            let g = loads(data).unwrap();
            assert_eq!(
                dumps(&g, proto).unwrap().escape_ascii().to_string(),
                data.escape_ascii().to_string()
            );
            for p in 0..=5 {
                stable(data, p);
            }
        }
        // `['builtins', complex, len, 'len']`: the literal 'builtins' is
        // the interned str, the one `complex` names (BINGET 1); `len` has
        // its own.
        let shared: &[u8] = b"\x80\x04\x957\x00\x00\x00\x00\x00\x00\x00]\x94(\x8c\x08builtins\x94h\x01\x8c\x07complex\x94\x93\x94\x8c\x08builtins\x94\x8c\x03len\x94\x93\x94\x8c\x03len\x94e.";
        assert_eq!(dumps(&loads(shared).unwrap(), 4).unwrap(), shared);
        for p in 0..=5 {
            stable(shared, p);
        }
        let p2: &[u8] = b"\x80\x02]q\x00(c__builtin__\ncomplex\nq\x01G?\xf0\x00\x00\x00\x00\x00\x00G@\x00\x00\x00\x00\x00\x00\x00\x86q\x02Rq\x03c__builtin__\nlen\nq\x04c__builtin__\nabs\nq\x05c__builtin__\nlong\nq\x06h\x04c__builtin__\ngetattr\nq\x07c__builtin__\nobject\nq\x08e.";
        let g = loads(p2).unwrap();
        assert_eq!(dumps(&g, 2).unwrap(), p2);
        for p in 0..=5 {
            stable(p2, p);
        }
    }
}
