//! An indented, width-aware view of a decoded pickle, like `pprint.pformat`.
//!
//! For builtin values without shared containers the output is exactly
//! CPython's `pprint.pformat(value, width=..., indent=..., compact=...,
//! sort_dicts=False)`, with one difference: sets and frozensets that do not
//! fit on a line keep their order (pprint sorts them; brinery shows the
//! order the pickle holds, which is the order of `repr`). Dicts are never
//! sorted.
//!
//! On top of pprint:
//!
//! * **Opaque objects** are shown as calls, laid out like pprint lays out
//!   dataclasses: `module.Class(arg, ..., listitems=[...], dictitems={...},
//!   setitems={...}, state={...})` (see [the `repr` module](mod@crate::repr) for the notation).
//!   Globals are `module.name`, persistent ids `persistent_id(pid)`.
//! * **Sharing and cycles** use the notation of Common Lisp's
//!   `*print-circle*`: a container, object or buffer reached more than once
//!   is prefixed with `#N=` where it is first printed, and every later
//!   reference prints `#N#`. A reference inside the object it names is a
//!   cycle. Labels count from 1 in the order they appear in the output.
//!   Immutable scalars (`str`, `bytes`, numbers, globals) are printed in full
//!   every time, since their sharing is not observable.
//!
//!   ```text
//!   a = [1]; d = {}; d['self'] = d
//!   [a, a, d, (a,)]   prints as   [#1=[1], #1#, #2={'self': #2#}, (#1#,)]
//!   ```
//! * **Standard-library values** print as their Python repr (see [the `repr`
//!   module](mod@crate::repr)), and `OrderedDict`, `defaultdict`, `Counter`
//!   and `deque` that do not fit on a line are laid out exactly as pprint
//!   lays them out; such immutable values (datetimes, decimals, UUIDs,
//!   ...) are not labelled when shared. [`PrettyOptions::hook`] adds
//!   [`ReprHook`](crate::repr::ReprHook)s: a hook's rendering is written as its text with each
//!   node laid out (and broken if needed) where it starts.
//! * With [`PrettyOptions::color`], ANSI colours mark constants, numbers,
//!   strings, bytes, names and sharing labels (widths ignore the codes).
//!
//! Because every shared object is expanded once, the output is linear in the
//! graph's size; it is still capped by [`PrettyOptions::max_output`]
//! (64 MiB by default). Layout uses an explicit stack: a list nested a
//! million levels deep prints on a small stack.

use crate::error::{Error, ErrorKind, Result};
use std::borrow::Cow;

use crate::printer::{Allowance, Block, BlockBody, Layout, Rendering};
use crate::repr::{
    bad_id, default_hooks, object_call, write_bytes_repr, write_cps_repr, Anchors, Arg, Callee,
    Flat, Hooks, Item, Mode, ReprPiece, Sink, Stats, Stop, Style, DEFAULT_MAX_OUTPUT,
    DEFAULT_MAX_STR_DIGITS,
};
use crate::value::{Graph, Node, NodeId, PyStr};

/// Options for [`pretty`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PrettyOptions {
    /// Target line width (pprint's `width`). Default 80.
    pub width: usize,
    /// Indentation per nesting level (pprint's `indent`). Default 1.
    pub indent: usize,
    /// Put as many items as fit on each line (pprint's `compact`).
    pub compact: bool,
    /// Colour the output with ANSI escape codes.
    pub color: bool,
    /// Maximum output size in bytes (an error beyond). Default 64 MiB.
    pub max_output: usize,
    /// Maximum decimal digits of an `int`, as in [`crate::ReprOptions`].
    pub max_str_digits: Option<usize>,
    pub(crate) hooks: Hooks,
}

impl Default for PrettyOptions {
    fn default() -> Self {
        PrettyOptions {
            width: 80,
            indent: 1,
            compact: false,
            color: false,
            max_output: DEFAULT_MAX_OUTPUT,
            max_str_digits: Some(DEFAULT_MAX_STR_DIGITS),
            hooks: default_hooks(),
        }
    }
}

impl PrettyOptions {
    /// The defaults (width 80, indent 1, no colour).
    pub fn new() -> Self {
        Self::default()
    }
}

crate::printer::setters!(PrettyOptions {
    /// Set the line width.
    width: usize,
    /// Set the indentation per level.
    indent: usize,
    /// Set compact mode.
    compact: bool,
    /// Turn ANSI colours on or off.
    color: bool,
});

crate::printer::printer_options!(PrettyOptions);

/// Pretty-print node `id` (see the [module docs](self)).
///
/// ```
/// use brinery::pretty::{pretty, PrettyOptions};
/// let mut g = brinery::Graph::new();
/// let items: Vec<_> = (0..12).map(|i| g.int(i * 1000)).collect();
/// let list = g.list(items);
/// let root = g.list(vec![list, list]);
/// assert_eq!(
///     pretty(&g, root, &PrettyOptions::default().width(40)).unwrap(),
///     "[#1=[0,\n     1000,\n     2000,\n     3000,\n     4000,\n     5000,\n     6000,\n     \
///      7000,\n     8000,\n     9000,\n     10000,\n     11000],\n #1#]"
/// );
/// ```
pub fn pretty(graph: &Graph<'_>, id: NodeId, opts: &PrettyOptions) -> Result<String> {
    let anchors = label_shared(graph, id, &opts.hooks)?;
    let mut p = Pretty {
        g: graph,
        width: opts.width.min(i64::MAX as usize / 4) as i64,
        ipl: opts.indent.min(1 << 20) as i64,
        compact: opts.compact,
        anchors,
        flat: Flat::new(graph, opts.max_str_digits).with_hooks(opts.hooks.clone()),
        out: Sink::new(opts.max_output, opts.color),
        stack: Vec::new(),
    };
    match p.run(id) {
        Ok(()) => Ok(p.out.out),
        Err(Stop::Err(e)) => Err(e),
        Err(Stop::Width) => Err(Error::new(ErrorKind::InvalidValue, "internal width error")),
    }
}

/// Pretty-print the graph's root with default options.
pub fn pretty_root(graph: &Graph<'_>) -> Result<String> {
    let root = graph
        .root_id()
        .ok_or_else(|| Error::new(ErrorKind::InvalidValue, "graph has no root"))?;
    pretty(graph, root, &PrettyOptions::default())
}

/// Containers: the kinds that can hold themselves (a cycle).
pub(crate) fn is_container(n: &Node<'_>) -> bool {
    matches!(
        n,
        Node::List(_)
            | Node::Tuple(_)
            | Node::Dict(_)
            | Node::Set(_)
            | Node::FrozenSet(_)
            | Node::Object(_)
    )
}

/// Kinds whose sharing is shown: containers and the mutable leaves.
pub(crate) fn markable(n: &Node<'_>) -> bool {
    is_container(n)
        || matches!(
            n,
            Node::ByteArray(_) | Node::PersistentId(_) | Node::Buffer(_)
        )
}

/// Reference counts (indexed by node) over the nodes reachable from
/// `root`; the root counts one extra reference. With `reductions`, the
/// callable and arguments of the reduction a builtin node was decoded from
/// count too (the lossless JSON form keeps them).
pub(crate) fn ref_counts(g: &Graph<'_>, root: NodeId, reductions: bool) -> Result<Vec<u32>> {
    let mut count = vec![0u32; g.len()];
    g.get(root).ok_or_else(|| bad_id(root))?;
    count[root.index()] = 1;
    let mut stack = vec![root];
    let mut bad = None;
    while let Some(n) = stack.pop() {
        let mut visit = |c: NodeId| match count.get_mut(c.index()) {
            Some(e) => {
                *e = e.saturating_add(1);
                if *e == 1 {
                    stack.push(c);
                }
            }
            None => bad = Some(c),
        };
        g.node(n).for_each_child(&mut visit);
        if let Some((c, a)) = g.reduction_of(n).filter(|_| reductions) {
            visit(c);
            visit(a);
        }
        if let Some(c) = bad {
            return Err(bad_id(c));
        }
    }
    Ok(count)
}

/// Label the shared containers in the order the printer meets them.
fn label_shared(g: &Graph<'_>, root: NodeId, hooks: &Hooks) -> Result<Anchors> {
    let count = ref_counts(g, root, false)?;
    let shared =
        |id: NodeId| count[id.index()] >= 2 && markable(g.node(id)) && !hooks.is_value(g, id);
    let mut anchors = Anchors {
        labels: vec![0; g.len()],
        emitted: vec![false; g.len()],
    };
    let mut next = 1u32;
    let mut visited = vec![false; g.len()];
    let mut stack = vec![root];
    let mut kids: Vec<NodeId> = Vec::new();
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut visited[n.index()], true) {
            continue;
        }
        if shared(n) {
            anchors.labels[n.index()] = next;
            next += 1;
        }
        kids.clear();
        match g.node(n) {
            Node::Object(o) => {
                if let Some(pieces) = hooks.render(g, n) {
                    for p in pieces {
                        if let ReprPiece::Node(c) = p {
                            if g.get(c).is_none() {
                                return Err(bad_id(c));
                            }
                            kids.push(c);
                        }
                    }
                    stack.extend(kids.iter().rev());
                    continue;
                }
                let call = object_call(g, o, |t| !shared(t));
                if let Callee::Node(c) = call.callee {
                    kids.push(c);
                }
                for a in &call.args {
                    match a.item {
                        Item::Node(i) => kids.push(i),
                        Item::List(v) | Item::Set(v) => kids.extend_from_slice(v),
                        Item::Dict(e) | Item::PairList(e) => e.iter().for_each(|&(k, v)| {
                            kids.push(k);
                            kids.push(v)
                        }),
                        Item::Pair(k, v) => kids.extend([k, v]),
                    }
                }
            }
            other => other.for_each_child(|c| kids.push(c)),
        }
        stack.extend(kids.iter().rev());
    }
    Ok(anchors)
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum Delim {
    Empty,
    Comma,
    Newline,
}

/// The items of a sequence frame.
enum Src<'g> {
    Ids(&'g [NodeId]),
    Owned(Vec<NodeId>),
    /// 2-tuples (an OrderedDict's items).
    Pairs(&'g [(NodeId, NodeId)]),
}

impl<'g> Src<'g> {
    fn len(&self) -> usize {
        match self {
            Src::Ids(v) => v.len(),
            Src::Owned(v) => v.len(),
            Src::Pairs(v) => v.len(),
        }
    }

    fn get(&self, i: usize) -> Item<'g> {
        match self {
            Src::Ids(v) => Item::Node(v[i]),
            Src::Owned(v) => Item::Node(v[i]),
            Src::Pairs(v) => Item::Pair(v[i].0, v[i].1),
        }
    }
}

enum PFrame<'g> {
    /// Text written when the frames above it are done.
    Write(Cow<'static, str>),
    /// A newline and this much indentation, likewise.
    Newline(i64),
    Items {
        items: Src<'g>,
        pos: usize,
        indent: i64,
        allowance: i64,
        width: i64,
        max_width: i64,
        delim: Delim,
        level: usize,
        end: Cow<'static, str>,
    },
    /// A dict's items or a call's arguments, one a line: each value laid
    /// out after its key or prefix.
    Entries {
        entries: Entries<'g>,
        pos: usize,
        indent: i64,
        allowance: i64,
        level: usize,
        end: Cow<'static, str>,
    },
    /// A hook's rendering: text as is, each node laid out at the column
    /// where it starts.
    Pieces {
        pieces: Vec<ReprPiece>,
        pos: usize,
        allowance: i64,
        level: usize,
    },
}

/// What a [`PFrame::Entries`] lays out.
enum Entries<'g> {
    /// Key/value pairs: `key: value`.
    Dict(Cow<'g, [(NodeId, NodeId)]>),
    /// A call's arguments: `prefix` then the value.
    Args(Vec<Arg<'g>>),
}

impl PFrame<'_> {
    /// The closing text of an items or entries frame that has laid out
    /// all of them.
    fn closing(&self) -> Option<&str> {
        match self {
            PFrame::Items {
                items, pos, end, ..
            } if *pos == items.len() => Some(end),
            PFrame::Entries {
                entries, pos, end, ..
            } if *pos == entries.len() => Some(end),
            _ => None,
        }
    }
}

impl Entries<'_> {
    fn len(&self) -> usize {
        match self {
            Entries::Dict(e) => e.len(),
            Entries::Args(a) => a.len(),
        }
    }
}

struct Pretty<'g, 'a> {
    g: &'g Graph<'a>,
    width: i64,
    ipl: i64,
    compact: bool,
    anchors: Anchors,
    flat: Flat<'g, 'a>,
    out: Sink,
    stack: Vec<PFrame<'g>>,
}

/// What to do after updating a frame.
enum Next<'g> {
    Nothing,
    Format(Item<'g>, i64, i64, usize),
}

impl<'g, 'a> Pretty<'g, 'a> {
    fn run(&mut self, root: NodeId) -> Result<(), Stop> {
        self.format(Item::Node(root), 0, 0, 0)?;
        while let Some(mut fr) = self.stack.pop() {
            // A list or dict frame past its last entry: its closing text.
            if let Some(end) = fr.closing() {
                self.out.push(end)?;
                continue;
            }
            let mut done = false;
            let next = match &mut fr {
                PFrame::Write(t) => {
                    self.out.push(t)?;
                    done = true;
                    Next::Nothing
                }
                PFrame::Newline(n) => {
                    self.out.push("\n")?;
                    self.out.spaces((*n).max(0) as usize)?;
                    done = true;
                    Next::Nothing
                }
                PFrame::Items {
                    items,
                    pos,
                    indent,
                    allowance,
                    width,
                    max_width,
                    delim,
                    level,
                    ..
                } => {
                    let ent = items.get(*pos);
                    *pos += 1;
                    let last = *pos == items.len();
                    if last {
                        *max_width -= *allowance;
                        *width -= *allowance;
                    }
                    let mut written = false;
                    if self.compact {
                        let lim = (*width).max(*max_width) - 2;
                        let m = if lim >= 0 {
                            measure(&mut self.flat, &self.anchors, &self.out, ent, lim as usize)?
                        } else {
                            None
                        };
                        let w = m.as_ref().map(|(_, c)| *c as i64 + 2);
                        if w.map_or(true, |w| *width < w) {
                            *width = *max_width;
                            if *delim != Delim::Empty {
                                *delim = Delim::Newline;
                            }
                        }
                        if let (Some(w), Some((s, chars))) = (w, m) {
                            if *width >= w {
                                *width -= w;
                                write_delim(&mut self.out, *delim, *indent)?;
                                *delim = Delim::Comma;
                                self.out.push_measured(&s, chars)?;
                                commit(&mut self.flat, &mut self.anchors);
                                written = true;
                            }
                        }
                    }
                    if written {
                        Next::Nothing
                    } else {
                        write_delim(&mut self.out, *delim, *indent)?;
                        *delim = Delim::Newline;
                        Next::Format(ent, *indent, if last { *allowance } else { 1 }, *level)
                    }
                }
                PFrame::Entries {
                    entries,
                    pos,
                    indent,
                    allowance,
                    level,
                    ..
                } => {
                    let i = *pos;
                    *pos += 1;
                    let last = *pos == entries.len();
                    if i > 0 {
                        write_delim(&mut self.out, Delim::Newline, *indent)?;
                    }
                    // The key and ": ", or the argument's prefix: the
                    // value starts after it.
                    let before = self.out.chars;
                    let value = match entries {
                        Entries::Dict(e) => {
                            let (k, v) = e[i];
                            self.flat.run(
                                Item::Node(k),
                                &mut self.out,
                                Mode::Anchored(&self.anchors),
                            )?;
                            commit(&mut self.flat, &mut self.anchors);
                            self.out.push(": ")?;
                            Item::Node(v)
                        }
                        Entries::Args(a) => {
                            self.out.push(&a[i].prefix)?;
                            a[i].item
                        }
                    };
                    let plen = (self.out.chars - before) as i64;
                    Next::Format(
                        value,
                        *indent + plen,
                        if last { *allowance } else { 1 },
                        *level,
                    )
                }
                PFrame::Pieces {
                    pieces,
                    pos,
                    allowance,
                    level,
                } => match pieces.get(*pos) {
                    None => {
                        done = true;
                        Next::Nothing
                    }
                    Some(ReprPiece::Text(t)) => {
                        *pos += 1;
                        self.out.push(t)?;
                        Next::Nothing
                    }
                    Some(&ReprPiece::Node(n)) => {
                        *pos += 1;
                        // Room for the text up to the next node (and for
                        // what follows the whole rendering after the last).
                        let mut allow = 0i64;
                        let mut last = true;
                        for p in &pieces[*pos..] {
                            match p {
                                ReprPiece::Text(t) => allow += t.chars().count() as i64,
                                ReprPiece::Node(_) => {
                                    last = false;
                                    break;
                                }
                            }
                        }
                        if last {
                            allow += *allowance;
                        }
                        Next::Format(Item::Node(n), self.out.col as i64, allow, *level)
                    }
                },
            };
            if !done {
                self.stack.push(fr);
            }
            if let Next::Format(item, indent, allowance, level) = next {
                self.format(item, indent, allowance, level)?;
            }
        }
        Ok(())
    }

    /// pprint's `_format`.
    fn format(
        &mut self,
        item: Item<'g>,
        indent: i64,
        allowance: i64,
        level: usize,
    ) -> Result<(), Stop> {
        if let Item::Node(id) = item {
            if let Some(k) = self.anchors.label(id) {
                if self.anchors.is_emitted(id) {
                    return self.out.styled(Style::Anchor, &format!("#{k}#"));
                }
            }
        }
        let max_width = self.width - indent - allowance;
        if max_width >= 0 {
            if let Some((s, chars)) = measure(
                &mut self.flat,
                &self.anchors,
                &self.out,
                item,
                max_width as usize,
            )? {
                self.out.push_measured(&s, chars)?;
                commit(&mut self.flat, &mut self.anchors);
                return Ok(());
            }
        }
        self.dispatch(item, indent, allowance, level + 1)
    }

    /// Write an item on one line whatever its width.
    fn write_flat(&mut self, item: Item<'g>) -> Result<(), Stop> {
        self.flat
            .run(item, &mut self.out, Mode::Anchored(&self.anchors))?;
        commit(&mut self.flat, &mut self.anchors);
        Ok(())
    }

    /// The multi-line forms (pprint's `_dispatch` functions).
    fn dispatch(
        &mut self,
        item: Item<'g>,
        indent: i64,
        allowance: i64,
        level: usize,
    ) -> Result<(), Stop> {
        let id = match item {
            Item::List(items) => {
                self.out.push("[")?;
                return self.push_items(items, indent, allowance + 1, level, "]");
            }
            Item::Set(items) => {
                if items.is_empty() {
                    return self.out.push("set()");
                }
                self.out.push("{")?;
                return self.push_items(items, indent, allowance + 1, level, "}");
            }
            Item::Dict(entries) => {
                self.out.push("{")?;
                return self.push_dict(Cow::Borrowed(entries), indent, allowance + 1, level, "}");
            }
            Item::PairList(entries) => {
                self.out.push("[")?;
                return self.push_src(Src::Pairs(entries), indent, allowance + 1, level, "]");
            }
            Item::Pair(k, v) => {
                // pprint's `_pprint_tuple` of a 2-tuple.
                self.out.push("(")?;
                return self.push_src(Src::Owned(vec![k, v]), indent, allowance + 1, level, ")");
            }
            Item::Node(id) => id,
        };
        let g = self.g;
        let node = g.get(id).ok_or_else(|| bad_id(id))?;
        let breakable = is_container(node)
            || matches!(node, Node::Str(_) | Node::Bytes(_) | Node::ByteArray(_));
        if !breakable {
            return self.write_flat(item);
        }
        let mut indent = indent;
        if let Some(k) = self.anchors.label(id) {
            let a = format!("#{k}=");
            self.out.styled(Style::Anchor, &a)?;
            self.anchors.emit(id);
            indent += a.len() as i64;
        }
        match node {
            Node::List(v) => {
                self.out.push("[")?;
                self.push_items(v, indent, allowance + 1, level, "]")
            }
            Node::Tuple(v) => {
                self.out.push("(")?;
                let end = if v.len() == 1 { ",)" } else { ")" };
                self.push_items(v, indent, allowance + end.len() as i64, level, end)
            }
            Node::Dict(d) => {
                self.out.push("{")?;
                self.push_dict(
                    Cow::Borrowed(d.entries()),
                    indent,
                    allowance + 1,
                    level,
                    "}",
                )
            }
            Node::Set(s) => {
                if s.is_empty() {
                    return self.out.push("set()");
                }
                self.out.push("{")?;
                self.push_items(s.items(), indent, allowance + 1, level, "}")
            }
            Node::FrozenSet(s) => {
                if s.is_empty() {
                    return self.out.push("frozenset()");
                }
                self.out.push("frozenset({")?;
                self.push_items(s.items(), indent + 10, allowance + 2, level, "})")
            }
            Node::Str(s) => self.pprint_str(s, indent, allowance, level),
            Node::Bytes(b) => self.pprint_bytes(b, indent, allowance, level),
            Node::ByteArray(b) => {
                self.out.push("bytearray(")?;
                self.pprint_bytes(b, indent + 10, allowance + 1, level + 1)?;
                self.out.push(")")
            }
            Node::Object(o) => {
                match self.flat.hooks.pretty(g, id) {
                    Some(Rendering::Pieces(pieces)) => {
                        self.stack.push(PFrame::Pieces {
                            pieces,
                            pos: 0,
                            allowance,
                            level,
                        });
                        return Ok(());
                    }
                    Some(Rendering::Layout(Layout::Block(b))) => {
                        return self.pprint_block(b, indent, allowance, level);
                    }
                    Some(Rendering::Layout(_)) => return self.write_flat(Item::Node(id)),
                    None => {}
                }
                let anchors = &self.anchors;
                let call = object_call(g, o, |t| anchors.label(t).is_none());
                let before = self.out.chars;
                match call.callee {
                    Callee::Name(ref n) => self.out.styled(Style::Name, n)?,
                    Callee::Node(c) => self.write_flat(Item::Node(c))?,
                }
                self.out.push("(")?;
                let clen = (self.out.chars - before) as i64;
                if call.args.is_empty() {
                    return self.out.push(")");
                }
                self.stack.push(PFrame::Entries {
                    entries: Entries::Args(call.args),
                    pos: 0,
                    indent: indent + clen,
                    allowance: allowance + 1,
                    level,
                    end: Cow::Borrowed(")"),
                });
                Ok(())
            }
            _ => unreachable!("checked breakable"),
        }
    }

    /// A hook's pprint block (the layouts of `_pprint_ordered_dict`,
    /// `_pprint_default_dict`, `_pprint_counter`, `_pprint_deque`, ...).
    fn pprint_block(
        &mut self,
        b: Block<'g>,
        indent: i64,
        allowance: i64,
        level: usize,
    ) -> Result<(), Stop> {
        let ind = indent + b.indent as i64;
        let allow = match b.allowance {
            Allowance::Add(n) => allowance + n as i64,
            Allowance::Fixed(n) => n as i64,
        };
        self.out.push(&b.head)?;
        if let Some(t) = &b.break_then {
            self.out.push("\n")?;
            self.out.spaces(ind.max(0) as usize)?;
            self.out.push(t)?;
        }
        if let Some(t) = b.trailer {
            // Written (and counted against the output limit) only after
            // the body.
            self.stack.push(PFrame::Write(Cow::Owned(t)));
            self.stack.push(PFrame::Newline(ind));
        }
        match b.body {
            BlockBody::PairList(pairs) => {
                self.stack.push(PFrame::Write(Cow::Owned(b.tail)));
                self.format(Item::PairList(pairs), ind, allow, level)
            }
            BlockBody::Dict(entries) => self.push_dict(entries, ind, allow, level, b.tail),
            BlockBody::Items(Cow::Borrowed(v)) => {
                self.push_src(Src::Ids(v), ind, allow, level, b.tail)
            }
            BlockBody::Items(Cow::Owned(v)) => {
                self.push_src(Src::Owned(v), ind, allow, level, b.tail)
            }
        }
    }

    /// pprint's `_format_items` (as a frame).
    fn push_items(
        &mut self,
        items: &'g [NodeId],
        indent: i64,
        allowance: i64,
        level: usize,
        end: &'static str,
    ) -> Result<(), Stop> {
        self.push_src(Src::Ids(items), indent, allowance, level, end)
    }

    /// pprint's `_format_items` over any item source.
    fn push_src(
        &mut self,
        items: Src<'g>,
        indent: i64,
        allowance: i64,
        level: usize,
        end: impl Into<Cow<'static, str>>,
    ) -> Result<(), Stop> {
        let end = end.into();
        let indent = indent + self.ipl;
        if self.ipl > 1 {
            self.out.spaces((self.ipl - 1) as usize)?;
        }
        if items.len() == 0 {
            return self.out.push(&end);
        }
        let width = self.width - indent + 1;
        self.stack.push(PFrame::Items {
            items,
            pos: 0,
            indent,
            allowance,
            width,
            max_width: width,
            delim: Delim::Empty,
            level,
            end,
        });
        Ok(())
    }

    /// pprint's `_pprint_dict` + `_format_dict_items` (as a frame).
    fn push_dict(
        &mut self,
        entries: Cow<'g, [(NodeId, NodeId)]>,
        indent: i64,
        allowance: i64,
        level: usize,
        end: impl Into<Cow<'static, str>>,
    ) -> Result<(), Stop> {
        let end = end.into();
        if self.ipl > 1 {
            self.out.spaces((self.ipl - 1) as usize)?;
        }
        if entries.is_empty() {
            return self.out.push(&end);
        }
        self.stack.push(PFrame::Entries {
            entries: Entries::Dict(entries),
            pos: 0,
            indent: indent + self.ipl,
            allowance,
            level,
            end,
        });
        Ok(())
    }

    /// pprint's `_pprint_str`: split at line ends, then at spaces.
    fn pprint_str(
        &mut self,
        s: &PyStr<'_>,
        indent: i64,
        allowance: i64,
        level: usize,
    ) -> Result<(), Stop> {
        let cps: Vec<u32> = s.code_points().collect();
        if cps.is_empty() {
            return write_cps_repr(&mut self.out, &cps);
        }
        let (mut indent, mut allowance) = (indent, allowance);
        if level == 1 {
            indent += 1;
            allowance += 1;
        }
        let lines = split_lines(&cps);
        let max_width = self.width - indent;
        let mut max_width1 = max_width;
        let mut chunks: Vec<(usize, usize)> = Vec::new();
        for (i, &(ls, le)) in lines.iter().enumerate() {
            let last_line = i + 1 == lines.len();
            if last_line {
                max_width1 -= allowance;
            }
            let st = Stats::of_cps(&cps[ls..le]);
            if st.str_len() as i64 <= max_width1 {
                chunks.push((ls, le));
                continue;
            }
            let parts = split_words(&cps, ls, le);
            let n = parts.len();
            let parts = parts.iter().enumerate().map(|(j, &(ps, pe))| {
                let shrink = j + 1 == n && last_line;
                (ps, pe, Stats::of_cps(&cps[ps..pe]), shrink)
            });
            fill_chunks(parts, max_width, allowance, Stats::str_len, &mut chunks);
        }
        if chunks.len() == 1 {
            return write_cps_repr(&mut self.out, &cps[chunks[0].0..chunks[0].1]);
        }
        if level == 1 {
            self.out.push("(")?;
        }
        for (i, &(a, b)) in chunks.iter().enumerate() {
            if i > 0 {
                self.out.push("\n")?;
                self.out.spaces(indent as usize)?;
            }
            write_cps_repr(&mut self.out, &cps[a..b])?;
        }
        if level == 1 {
            self.out.push(")")?;
        }
        Ok(())
    }

    /// pprint's `_pprint_bytes` + `_wrap_bytes_repr`.
    fn pprint_bytes(
        &mut self,
        b: &[u8],
        indent: i64,
        allowance: i64,
        level: usize,
    ) -> Result<(), Stop> {
        if b.len() <= 4 {
            return write_bytes_repr(&mut self.out, b);
        }
        let (mut indent, mut allowance) = (indent, allowance);
        let parens = level == 1;
        if parens {
            indent += 1;
            allowance += 1;
            self.out.push("(")?;
        }
        let mut chunks: Vec<(usize, usize)> = Vec::new();
        let last = b.len() / 4 * 4;
        let parts = (0..b.len()).step_by(4).map(|i| {
            let pe = (i + 4).min(b.len());
            (i, pe, Stats::of_bytes(&b[i..pe]), i == last)
        });
        fill_chunks(
            parts,
            self.width - indent,
            allowance,
            Stats::bytes_len,
            &mut chunks,
        );
        for (i, &(a, e)) in chunks.iter().enumerate() {
            if i > 0 {
                self.out.push("\n")?;
                self.out.spaces(indent.max(0) as usize)?;
            }
            write_bytes_repr(&mut self.out, &b[a..e])?;
        }
        if parens {
            self.out.push(")")?;
        }
        Ok(())
    }
}

fn write_delim(out: &mut Sink, d: Delim, indent: i64) -> Result<(), Stop> {
    match d {
        Delim::Empty => Ok(()),
        Delim::Comma => out.push(", "),
        Delim::Newline => {
            out.push(",\n")?;
            out.spaces(indent.max(0) as usize)
        }
    }
}

/// Render `item` on one line if it takes at most `max` code points.
fn measure<'g>(
    flat: &mut Flat<'g, '_>,
    anchors: &Anchors,
    out: &Sink,
    item: Item<'g>,
    max: usize,
) -> Result<Option<(String, usize)>, Stop> {
    let mut sink = Sink::measuring(max, out);
    match flat.run(item, &mut sink, Mode::Anchored(anchors)) {
        Ok(()) => Ok(Some((sink.out, sink.chars))),
        Err(Stop::Width) => {
            flat.local.clear();
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Record the anchors a successful flat render wrote.
fn commit(flat: &mut Flat<'_, '_>, anchors: &mut Anchors) {
    for id in flat.local.drain() {
        anchors.emit(id);
    }
}

/// `str.splitlines(keepends=True)` as ranges.
fn split_lines(cps: &[u32]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < cps.len() {
        let c = cps[i];
        let eol = matches!(
            c,
            0x0A | 0x0B | 0x0C | 0x0D | 0x1C | 0x1D | 0x1E | 0x85 | 0x2028 | 0x2029
        );
        i += 1;
        if eol {
            if c == 0x0D && i < cps.len() && cps[i] == 0x0A {
                i += 1;
            }
            out.push((start, i));
            start = i;
        }
    }
    if start < cps.len() {
        out.push((start, cps.len()));
    }
    out
}

/// `re.findall(r'\S*\s*', line)` without the final empty match.
fn split_words(cps: &[u32], start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = start;
    while i < end {
        let s = i;
        while i < end && !crate::text::is_space(cps[i]) {
            i += 1;
        }
        while i < end && crate::text::is_space(cps[i]) {
            i += 1;
        }
        out.push((s, i));
    }
    out
}

/// pprint's greedy filling of lines with consecutive parts (the word loop
/// of `_pprint_str`, `_wrap_bytes_repr`): `parts` are `(start, end, stats,
/// shrink)`, joined into a chunk while the joined repr (`len`) fits
/// `width`; `width` shrinks by `allowance` from the part marked `shrink`
/// on. The chunks go to `chunks`.
fn fill_chunks(
    parts: impl Iterator<Item = (usize, usize, Stats, bool)>,
    mut width: i64,
    allowance: i64,
    len: fn(&Stats) -> usize,
    chunks: &mut Vec<(usize, usize)>,
) {
    let mut cur: Option<(usize, usize, Stats)> = None;
    for (ps, pe, pst, shrink) in parts {
        let cand = match cur {
            Some((cs, _, cst)) => (cs, pe, cst.add(pst)),
            None => (ps, pe, pst),
        };
        if shrink {
            width -= allowance;
        }
        if len(&cand.2) as i64 > width {
            if let Some((cs, ce, _)) = cur {
                chunks.push((cs, ce));
            }
            cur = Some((ps, pe, pst));
        } else {
            cur = Some(cand);
        }
    }
    if let Some((cs, ce, _)) = cur {
        chunks.push((cs, ce));
    }
}
