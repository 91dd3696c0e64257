//! A tree view for humans, and the path syntax that names a node in it.
//!
//! [`write_tree`] prints one line per node, with guides, a `name: Type`
//! summary (`dict (12 keys)`, `str (2.1 kB) 'first chars…'`,
//! `sklearn.pipeline.Pipeline`), or the node's `repr` when that fits on
//! the line. Containers are summarised past [`TreeOptions::max_items`]
//! (`… 999,990 more items`), nesting is cut at [`TreeOptions::depth`] and
//! the whole view at [`TreeOptions::max_lines`], so the view of any graph
//! fits a screen unless asked otherwise. Objects reached a second time are
//! not expanded again (`→ ['a']  (shared dict)`), and a reference back to
//! an enclosing object is marked as a cycle (`↻ <root>  (cycle)`).
//!
//! The view knows only builtins and the standard library; a format crate
//! adds its types with a [`TreeHook`] (numpy arrays as
//! `ndarray float64 (3, 4)`, tensors, functions...), and the numpy-style
//! `repr`s of leaves come from the [`ReprHook`]s given in
//! [`TreeOptions::repr_hook`].
//!
//! ```
//! use brinery::tree::{write_tree, TreeOptions};
//! let mut g = brinery::Graph::new();
//! let items: Vec<_> = (0..100).map(|i| g.int(i)).collect();
//! let big = g.list(items);
//! let rows: Vec<_> = (0..20).map(|i| { let v = g.int(i); g.list(vec![v, big]) }).collect();
//! let rows = g.list(rows);
//! let k = g.str("rows");
//! let root = g.dict(vec![(k, rows)])?;
//! g.set_root(root);
//! let mut out = Vec::new();
//! let opts = TreeOptions::new().width(50).max_items(2);
//! write_tree(&g, root, "data.pkl", &opts, &mut out)?;
//! assert_eq!(String::from_utf8(out).unwrap(), "\
//! data.pkl: dict (1 key)
//! └── .rows: list (20 items)
//!     ├── [0]: list (2 items)
//!     │   ├── [0]: 0
//!     │   └── [1]: list (100 items) [0, 1, 2, 3, …  (shared)
//!     ├── [1]: list (2 items)
//!     │   ├── [0]: 1
//!     │   └── [1]: → .rows[0][1]  (shared list (100 items))
//!     └── … 18 more items
//! ");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Paths
//!
//! The names the tree prints, joined, are a [`NodePath`] (the library's
//! one path type): `['steps'][1]`, `.steps[1]`, `steps.1`, `.coef_`,
//! `[-1]`, `{0}`, `(0)` (a call argument) and `[(1, 2)]` (a key matched by
//! its `repr`); [`NodePath::resolve_with_hooks`] follows one through the
//! children a [`TreeHook`] gives.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use crate::pretty::{pretty, PrettyOptions};
use crate::repr::{repr, str_repr, ReprHook, ReprOptions};
use crate::stdlib::Typed;
/// The steps of a [`NodePath`] (the same type as `brinery::PathSeg`).
pub use crate::value::PathSeg;
use crate::value::{Construct, Graph, Node, NodeId, NodePath, NodeRef, PathError, PyStr};

// ---------------------------------------------------------------------------
// Paths

/// Resolve `path` from `root` through [`children`] (see
/// [`NodePath::resolve_with_hooks`]).
pub(crate) fn resolve_path(
    path: &NodePath,
    g: &Graph<'_>,
    root: NodeId,
    hooks: &[Arc<dyn TreeHook>],
) -> std::result::Result<NodeId, PathError> {
    let mut cur = root;
    for (n, seg) in path.segments().iter().enumerate() {
        let kids = children(g, cur, hooks);
        let in_set = matches!(g.get(cur), Some(Node::Set(_) | Node::FrozenSet(_)));
        let found = kids
            .iter()
            .find(|c| c.matches(g, seg, kids.len(), in_set))
            .map(|c| c.id)
            .or_else(|| call_args(g, cur, seg));
        let Some(id) = found else {
            let done = NodePath::from_segments(path.segments()[..n].to_vec());
            let at = if done.is_root() {
                "the root".to_string()
            } else {
                done.to_string()
            };
            let what = type_label(g.view(cur));
            return Err(PathError::not_found(
                format!("path {path}: {at} ({what}) has no {seg}"),
                n,
            ));
        };
        cur = id;
    }
    Ok(cur)
}

/// `.__args__`: the argument tuple of the call that made an object.
fn call_args(g: &Graph<'_>, id: NodeId, seg: &PathSeg) -> Option<NodeId> {
    match (g.get(id)?, seg) {
        (Node::Object(o), PathSeg::Attr(a)) if a == "__args__" => match &o.construct {
            Construct::Reduce { args, .. }
            | Construct::NewObj { args, .. }
            | Construct::NewObjEx { args, .. } => Some(*args),
            _ => None,
        },
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Children

/// How a child is named under its parent.
#[derive(Clone, Debug)]
pub enum ChildName {
    /// A path step known in advance.
    Seg(PathSeg),
    /// A dict key (or set element) node, named by its value: `['a']`,
    /// `[3]` or `[repr]`.
    Key(NodeId),
}

/// One child of a node in the tree.
#[derive(Clone, Debug)]
pub struct Child {
    /// Its name.
    pub name: ChildName,
    /// The node.
    pub id: NodeId,
}

impl Child {
    /// A child named by a path step.
    pub fn seg(seg: PathSeg, id: NodeId) -> Child {
        Child {
            name: ChildName::Seg(seg),
            id,
        }
    }

    /// The step naming this child.
    pub fn path_seg(&self, g: &Graph<'_>) -> PathSeg {
        match &self.name {
            ChildName::Seg(s) => s.clone(),
            ChildName::Key(k) => match g.node(*k) {
                Node::Str(s) => match s.as_str() {
                    Some(t) => PathSeg::Key(t.to_string()),
                    None => PathSeg::Repr(str_repr(s)),
                },
                Node::Int(i) => PathSeg::Index(*i),
                _ => PathSeg::Repr(short_repr(g, *k, &[], 200).unwrap_or_else(|| "…".into())),
            },
        }
    }

    fn matches(&self, g: &Graph<'_>, seg: &PathSeg, len: usize, in_set: bool) -> bool {
        let mine = self.path_seg(g);
        if let (PathSeg::Member(want), PathSeg::Index(have)) = (seg, &mine) {
            return in_set && *want as i64 == *have;
        }
        if let (PathSeg::Index(want), PathSeg::Index(have)) = (seg, &mine) {
            // Negative indices count from the end of a sequence (not of
            // a dict, whose int keys are matched as they are).
            if *want < 0 && matches!(self.name, ChildName::Seg(_)) {
                return len as i64 + want == *have;
            }
        }
        match (seg, &mine) {
            // A `str` key that is not UTF-8 is named by its `repr`.
            (PathSeg::Key(k), PathSeg::Repr(r)) | (PathSeg::Repr(r), PathSeg::Key(k)) => {
                PathSeg::Key(k.clone()).to_string() == format!("[{r}]")
            }
            _ => *seg == mine,
        }
    }
}

/// What a [`TreeHook`] says about a node.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// The type and size: `ndarray float64 (3, 4)`, `Tensor f32 [768]`.
    pub label: String,
    /// A short text after the label on the same line (cut to the width).
    pub preview: Option<String>,
    /// Lines shown under the node (e.g. numpy's `repr` of a small array).
    pub body: Vec<String>,
    /// The children to expand; `None` means the default children of the
    /// node (its items, attributes, arguments).
    pub children: Option<Vec<Child>>,
    /// Show the node's `repr` instead of the label when it fits the line.
    pub inline: bool,
}

/// Describes nodes of some classes for the tree view (and names their
/// children for [`NodePath`]); `None` leaves the node to the default.
/// Any `Fn(NodeRef) -> Option<Summary> + Send + Sync` is a hook.
pub trait TreeHook: Send + Sync {
    /// The summary of `node`, or `None` for the default.
    fn summary(&self, node: NodeRef<'_, '_>) -> Option<Summary>;
}

impl<F> TreeHook for F
where
    F: Fn(NodeRef<'_, '_>) -> Option<Summary> + Send + Sync,
{
    fn summary(&self, node: NodeRef<'_, '_>) -> Option<Summary> {
        self(node)
    }
}

fn hook_summary(g: &Graph<'_>, id: NodeId, hooks: &[Arc<dyn TreeHook>]) -> Option<Summary> {
    if !matches!(g.get(id), Some(Node::Object(_))) {
        return None;
    }
    hooks.iter().find_map(|h| h.summary(g.view(id)))
}

/// The children of node `id`: items, entries, attributes (object state),
/// call arguments, or what a hook says.
pub fn children(g: &Graph<'_>, id: NodeId, hooks: &[Arc<dyn TreeHook>]) -> Vec<Child> {
    if let Some(s) = hook_summary(g, id, hooks) {
        if let Some(c) = s.children {
            return c;
        }
    }
    default_children(g, id)
}

fn default_children(g: &Graph<'_>, id: NodeId) -> Vec<Child> {
    let idx = |items: &[NodeId]| {
        items
            .iter()
            .enumerate()
            .map(|(i, &c)| Child::seg(PathSeg::Index(i as i64), c))
            .collect::<Vec<_>>()
    };
    let entries = |e: &[(NodeId, NodeId)]| {
        e.iter()
            .map(|&(k, v)| Child {
                name: ChildName::Key(k),
                id: v,
            })
            .collect::<Vec<_>>()
    };
    let Some(node) = g.get(id) else {
        return Vec::new();
    };
    match node {
        Node::List(v) | Node::Tuple(v) => idx(v),
        Node::Set(s) | Node::FrozenSet(s) => idx(s.items()),
        Node::Dict(d) => entries(d.entries()),
        Node::PersistentId(p) => vec![Child::seg(PathSeg::Attr("pid".into()), *p)],
        Node::Object(o) => {
            let v = g.view(id);
            if let Some(Ok(t)) = Typed::from_node(v) {
                match t {
                    Typed::OrderedDict(m) | Typed::Counter(m) => return entries(m.entry_ids()),
                    Typed::DefaultDict(d) => return entries(d.items.entry_ids()),
                    Typed::Deque(d) => return idx(d.items.ids()),
                    _ => {}
                }
            }
            let mut out = Vec::new();
            // Call arguments, unless they only name the class.
            let args = match &o.construct {
                Construct::Reduce { callable, args } => {
                    let copyreg = g
                        .view(*callable)
                        .as_global()
                        .is_some_and(|(m, _)| m == "copyreg");
                    (!copyreg).then_some(*args)
                }
                Construct::NewObj { args, .. } | Construct::NewObjEx { args, .. } => Some(*args),
                Construct::Inst { args, .. } | Construct::Obj { args, .. } => {
                    for (i, &a) in args.iter().enumerate() {
                        out.push(Child::seg(PathSeg::Arg(i), a));
                    }
                    None
                }
            };
            if let Some(Node::Tuple(items)) = args.and_then(|a| g.get(a)) {
                for (i, &a) in items.iter().enumerate() {
                    out.push(Child::seg(PathSeg::Arg(i), a));
                }
            }
            if let Construct::NewObjEx { kwargs, .. } = &o.construct {
                if let Some(Node::Dict(d)) = g.get(*kwargs) {
                    for &(k, v) in d.entries() {
                        if let Some(Node::Str(s)) = g.get(k) {
                            out.push(Child::seg(PathSeg::Attr(s.to_string_lossy().into()), v));
                        }
                    }
                }
            }
            // State: attributes of a dict state (and of the slot dict of
            // a `(state, slots)` pair); any other state as `.__state__`.
            for &b in &o.builds {
                let mut dicts = Vec::new();
                match g.get(b) {
                    Some(Node::Dict(_)) => dicts.push(b),
                    Some(Node::Tuple(t)) if t.len() == 2 => {
                        for &x in t.iter() {
                            match g.get(x) {
                                Some(Node::Dict(_)) => dicts.push(x),
                                Some(Node::None) => {}
                                _ => dicts.clear(),
                            }
                        }
                        if dicts.is_empty() && !matches!(g.get(t[0]), Some(Node::None)) {
                            out.push(Child::seg(PathSeg::Attr("__state__".into()), b));
                        }
                    }
                    Some(Node::None) => {}
                    Some(_) => out.push(Child::seg(PathSeg::Attr("__state__".into()), b)),
                    None => {}
                }
                for d in dicts {
                    if let Some(Node::Dict(d)) = g.get(d) {
                        for &(k, v) in d.entries() {
                            match g.get(k) {
                                Some(Node::Str(s)) => out
                                    .push(Child::seg(PathSeg::Attr(s.to_string_lossy().into()), v)),
                                _ => out.push(Child {
                                    name: ChildName::Key(k),
                                    id: v,
                                }),
                            }
                        }
                    }
                }
            }
            for (i, &c) in o.list_items.iter().enumerate() {
                out.push(Child::seg(PathSeg::Index(i as i64), c));
            }
            out.extend(entries(&o.dict_items));
            for &c in &o.set_items {
                out.push(Child {
                    name: ChildName::Key(c),
                    id: c,
                });
            }
            out
        }
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// Summaries

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `512 B`, `2.1 kB`, `190.3 MB` (decimal units, as file managers show).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1000.0;
    let mut u = 0;
    while v >= 999.95 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        thousands(n as u64),
        if n == 1 { one } else { many }
    )
}

/// The type part of a node's summary line: `dict (12 keys)`,
/// `list (3 items)`, `str (2.1 kB)`, `module.Class`.
pub fn type_label(v: NodeRef<'_, '_>) -> String {
    let Some(node) = v.node() else {
        return "?".into();
    };
    match node {
        Node::List(x) => format!("list ({})", plural(x.len(), "item", "items")),
        Node::Tuple(x) => format!("tuple ({})", plural(x.len(), "item", "items")),
        Node::Set(s) => format!("set ({})", plural(s.len(), "item", "items")),
        Node::FrozenSet(s) => format!("frozenset ({})", plural(s.len(), "item", "items")),
        Node::Dict(d) => format!("dict ({})", plural(d.len(), "key", "keys")),
        Node::Str(s) => format!("str ({})", human_bytes(s.as_wtf8().len() as u64)),
        Node::Bytes(b) => format!("bytes ({})", human_bytes(b.len() as u64)),
        Node::ByteArray(b) => format!("bytearray ({})", human_bytes(b.len() as u64)),
        Node::Buffer(b) => format!("PickleBuffer ({})", human_bytes(b.data.len() as u64)),
        Node::BigInt(b) => format!("int ({} bits)", thousands(b.bits())),
        Node::Object(_) => {
            let name = v.class_name().unwrap_or_else(|| "object".into());
            match Typed::from_node(v) {
                Some(Ok(Typed::OrderedDict(m))) | Some(Ok(Typed::Counter(m))) => {
                    format!("{name} ({})", plural(m.len(), "key", "keys"))
                }
                Some(Ok(Typed::DefaultDict(d))) => {
                    format!("{name} ({})", plural(d.items.len(), "key", "keys"))
                }
                Some(Ok(Typed::Deque(d))) => {
                    format!("{name} ({})", plural(d.items.len(), "item", "items"))
                }
                _ => name,
            }
        }
        Node::PersistentId(_) => "persistent id".into(),
        other => other.type_name().to_string(),
    }
}

/// The `repr` of `id` if it is at most `max` bytes.
fn short_repr(
    g: &Graph<'_>,
    id: NodeId,
    hooks: &[Arc<dyn ReprHook>],
    max: usize,
) -> Option<String> {
    let mut o = ReprOptions::default().max_output(max);
    for h in hooks {
        o = o.hook(h.clone());
    }
    repr(g, id, &o).ok()
}

/// `'first chars…'` of a long str, `b'\x00…'` of long bytes.
fn text_preview(node: &Node<'_>, room: usize) -> Option<String> {
    let room = room.max(8);
    match node {
        Node::Str(s) => {
            let head = PyStr::from_code_points(s.code_points().take(room))?;
            let r = str_repr(&head);
            let r = cut(&r, room.saturating_sub(2));
            Some(if s.char_len() > room || r.ends_with('…') {
                format!("{}…", r.trim_end_matches('…').trim_end_matches(['\'', '"']))
            } else {
                r
            })
        }
        Node::Bytes(b) | Node::ByteArray(b) => {
            let mut out = String::from("b'");
            for &c in b.iter().take(room) {
                match c {
                    b'\\' => out.push_str("\\\\"),
                    b'\'' => out.push_str("\\'"),
                    b'\n' => out.push_str("\\n"),
                    b'\t' => out.push_str("\\t"),
                    b'\r' => out.push_str("\\r"),
                    0x20..=0x7e => out.push(c as char),
                    _ => out.push_str(&format!("\\x{c:02x}")),
                }
                if out.chars().count() >= room {
                    break;
                }
            }
            out.push('…');
            Some(out)
        }
        _ => None,
    }
}

/// At most `n` characters of `s`, with `…` when cut.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn is_scalar(n: &Node<'_>) -> bool {
    matches!(
        n,
        Node::None | Node::Bool(_) | Node::Int(_) | Node::Float(_) | Node::Global(_)
    ) || matches!(n, Node::Str(s) if s.as_wtf8().len() <= 40)
        || matches!(n, Node::BigInt(b) if b.bits() <= 128)
}

/// Values whose sharing is not observable (or not worth showing).
fn is_value(g: &Graph<'_>, id: NodeId) -> bool {
    match g.get(id) {
        Some(Node::Object(_)) => {
            matches!(Typed::from_node(g.view(id)), Some(Ok(t)) if t.is_immutable())
        }
        Some(n) => !crate::pretty::markable(n),
        None => true,
    }
}

// ---------------------------------------------------------------------------
// The view

/// Options for [`write_tree`].
#[derive(Clone)]
#[non_exhaustive]
pub struct TreeOptions {
    /// Line width; values whose `repr` fits are shown on the node's line.
    /// Default 80.
    pub width: usize,
    /// Deepest level expanded (the root is level 0); `None`: no limit.
    pub depth: Option<usize>,
    /// Children shown per node before `… N more items`; `None`: all.
    /// Default 10.
    pub max_items: Option<usize>,
    /// Lines written before the view stops with a note; `None`: no limit.
    /// Default 2000.
    pub max_lines: Option<usize>,
    /// ANSI colours (names, types; notes and cycle marks dim).
    pub color: bool,
    /// Hooks describing format-specific nodes.
    pub hooks: Vec<Arc<dyn TreeHook>>,
    /// `repr` hooks for values shown inline.
    pub repr_hooks: Vec<Arc<dyn ReprHook>>,
}

impl Default for TreeOptions {
    fn default() -> Self {
        TreeOptions {
            width: 80,
            depth: None,
            max_items: Some(10),
            max_lines: Some(2000),
            color: false,
            hooks: Vec::new(),
            repr_hooks: Vec::new(),
        }
    }
}

impl fmt::Debug for TreeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TreeOptions")
            .field("width", &self.width)
            .field("depth", &self.depth)
            .field("max_items", &self.max_items)
            .field("max_lines", &self.max_lines)
            .field("color", &self.color)
            .field("hooks", &self.hooks.len())
            .field("repr_hooks", &self.repr_hooks.len())
            .finish()
    }
}

impl TreeOptions {
    /// The defaults: width 80, 10 items per node, 2000 lines, no depth limit.
    pub fn new() -> Self {
        Self::default()
    }
    /// Show at most `n` children per node (`None`: all).
    pub fn max_items(mut self, n: impl Into<Option<usize>>) -> Self {
        self.max_items = n.into();
        self
    }
    /// Add a [`TreeHook`] (tried in order).
    pub fn hook(mut self, h: Arc<dyn TreeHook>) -> Self {
        self.hooks.push(h);
        self
    }
    /// Add a [`ReprHook`] for inline values.
    pub fn repr_hook(mut self, h: Arc<dyn ReprHook>) -> Self {
        self.repr_hooks.push(h);
        self
    }
}

crate::printer::setters!(TreeOptions {
    /// Set the line width.
    width: usize,
    /// Expand at most this many levels below the root.
    depth: Option<usize>,
    /// Stop after this many lines (`None`: never).
    max_lines: Option<usize>,
    /// Colour with ANSI codes.
    color: bool,
});

const DIM: &str = "\x1b[2m";
const NAME: &str = "\x1b[34m";
const TYPE: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

struct Frame {
    kids: Vec<Child>,
    pos: usize,
    shown: usize,
    prefix: String,
    depth: usize,
    node: NodeId,
    path: NodePath,
}

struct Tree<'o, 'g, 'a> {
    g: &'g Graph<'a>,
    opts: &'o TreeOptions,
    refs: HashMap<NodeId, u32>,
    first: HashMap<NodeId, NodePath>,
    open: HashSet<NodeId>,
    lines: usize,
}

/// How many times each container or object reachable from `root` is
/// referenced (only counts of 2 and more are kept).
fn ref_counts(g: &Graph<'_>, root: NodeId) -> HashMap<NodeId, u32> {
    let mut count: HashMap<NodeId, u32> = HashMap::new();
    let mut stack = vec![root];
    count.insert(root, 1);
    while let Some(n) = stack.pop() {
        let Some(node) = g.get(n) else { continue };
        node.for_each_child(|c| {
            if is_value(g, c) {
                return;
            }
            let e = count.entry(c).or_insert(0);
            *e += 1;
            if *e == 1 {
                stack.push(c);
            }
        });
    }
    count.retain(|_, v| *v >= 2);
    count
}

impl Tree<'_, '_, '_> {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.opts.color && !s.is_empty() {
            format!("{code}{s}{RESET}")
        } else {
            s.to_string()
        }
    }

    /// The text after `name: ` for node `id`, given `room` columns, and
    /// whether its children should be expanded.
    fn describe(&self, id: NodeId, room: usize) -> (String, Vec<String>, bool) {
        let g = self.g;
        let shared = self.refs.contains_key(&id);
        if let Some(first) = self.first.get(&id) {
            let at = if first.is_root() {
                "<root>".to_string()
            } else {
                first.to_string()
            };
            let what = if self.open.contains(&id) {
                format!("↻ {at}  (cycle: {})", type_label(g.view(id)))
            } else {
                format!("→ {at}  (shared {})", type_label(g.view(id)))
            };
            return (self.paint(DIM, &what), Vec::new(), false);
        }
        let hook = hook_summary(g, id, &self.opts.hooks);
        let node = g.node(id);
        let empty = g.view(id).len() == Some(0);
        // The whole value on the line when it fits (shared containers get
        // their own line so that later references can point at them).
        let inline_ok = (!shared || empty) && !matches!(&hook, Some(h) if !h.inline);
        if inline_ok {
            if let Some(r) = short_repr(g, id, &self.opts.repr_hooks, room) {
                if !r.contains('\n') && r.chars().count() <= room {
                    let text = if self.opts.color {
                        let mut po = PrettyOptions::default().width(usize::MAX / 2).color(true);
                        for h in &self.opts.repr_hooks {
                            po = po.hook(h.clone());
                        }
                        pretty(g, id, &po).unwrap_or(r)
                    } else {
                        r
                    };
                    return (text, Vec::new(), false);
                }
            }
        }
        let mark = if shared { "  (shared)" } else { "" };
        if let Some(h) = hook {
            let mut line = self.paint(TYPE, &h.label);
            if let Some(p) = &h.preview {
                let left = room.saturating_sub(h.label.chars().count() + 1);
                if left > 3 {
                    line.push(' ');
                    line.push_str(&cut(p, left));
                }
            }
            line.push_str(&self.paint(DIM, mark));
            let expand = !matches!(&h.children, Some(c) if c.is_empty());
            return (line, h.body, expand);
        }
        let label = type_label(g.view(id));
        let mut line = self.paint(TYPE, &label);
        let left = room.saturating_sub(label.chars().count() + 1);
        if let Some(p) = text_preview(node, left.saturating_sub(2)) {
            line.push(' ');
            line.push_str(&cut(&p, left));
            return (line, Vec::new(), false);
        }
        // A sequence of scalars: a one-line preview instead of a line per
        // item (unless every item was asked for).
        if let Some(items) = match node {
            Node::List(v) | Node::Tuple(v) => Some(&v[..]),
            Node::Set(s) | Node::FrozenSet(s) => Some(s.items()),
            _ => None,
        } {
            let k = items
                .len()
                .min(self.opts.max_items.unwrap_or(usize::MAX).max(1));
            if self.opts.max_items.is_some()
                && items[..k].iter().all(|&c| g.get(c).is_some_and(is_scalar))
            {
                let mut p = String::from(match node {
                    Node::List(_) => "[",
                    Node::Tuple(_) => "(",
                    _ => "{",
                });
                let mut complete = true;
                for (i, &c) in items.iter().enumerate() {
                    let r = short_repr(g, c, &[], 64).unwrap_or_else(|| "…".into());
                    let sep = if i > 0 { ", " } else { "" };
                    // Room for this item and a closing `, …`.
                    if p.chars().count() + sep.len() + r.chars().count() + 3 > left {
                        complete = false;
                        break;
                    }
                    p.push_str(sep);
                    p.push_str(&r);
                }
                if !complete && left > 8 {
                    line.push(' ');
                    line.push_str(&p);
                    line.push_str(if p.len() > 1 { ", …" } else { "…" });
                } else if complete {
                    line.push(' ');
                    line.push_str(&short_repr(g, id, &[], left).unwrap_or(p));
                }
                line.push_str(&self.paint(DIM, mark));
                return (line, Vec::new(), false);
            }
        }
        line.push_str(&self.paint(DIM, mark));
        (line, Vec::new(), true)
    }

    fn emit(&mut self, out: &mut dyn Write, line: &str) -> io::Result<bool> {
        if let Some(max) = self.opts.max_lines {
            if self.lines >= max {
                return Ok(false);
            }
        }
        self.lines += 1;
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        Ok(true)
    }
}

/// The guides in front of a node at `depth`, or `[level N] ` when they
/// would take more than half the width (so that deep nesting never makes
/// lines longer than the width).
fn shown_prefix(prefix: &str, depth: usize, width: usize) -> String {
    if prefix.chars().count() <= width / 2 {
        prefix.to_string()
    } else {
        format!("[level {depth}] ")
    }
}

/// Write the tree of node `id` to `out`, the root line named `name`
/// (e.g. the file name). Never recurses on the data; output is streamed.
pub fn write_tree(
    g: &Graph<'_>,
    id: NodeId,
    name: &str,
    opts: &TreeOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if g.get(id).is_none() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no such node"));
    }
    let mut t = Tree {
        g,
        opts,
        refs: ref_counts(g, id),
        first: HashMap::new(),
        open: HashSet::new(),
        lines: 0,
    };
    let guide = |s: &str| -> String {
        if opts.color {
            format!("{DIM}{s}{RESET}")
        } else {
            s.to_string()
        }
    };
    let root_path = NodePath::root();
    let head = format!("{name}: ");
    let room = opts.width.saturating_sub(head.chars().count()).max(20);
    let (text, body, expand) = t.describe(id, room);
    let head_line = format!(
        "{}{}",
        t.paint(NAME, name),
        if name.is_empty() {
            String::new()
        } else {
            ": ".into()
        }
    );
    t.emit(out, &format!("{head_line}{text}"))?;
    for b in &body {
        t.emit(out, &format!("  {b}"))?;
    }
    let mut stack: Vec<Frame> = Vec::new();
    let can_expand = |depth: usize| !matches!(opts.depth, Some(d) if depth >= d);
    t.first.insert(id, root_path.clone());
    if expand && can_expand(0) {
        let kids = children(g, id, &opts.hooks);
        let shown = opts.max_items.map_or(kids.len(), |m| kids.len().min(m));
        t.open.insert(id);
        stack.push(Frame {
            kids,
            pos: 0,
            shown,
            prefix: String::new(),
            depth: 0,
            node: id,
            path: root_path,
        });
    }
    let mut cut_short = false;
    while let Some(f) = stack.last_mut() {
        if f.pos < f.shown {
            let child = f.kids[f.pos].clone();
            f.pos += 1;
            let more = f.kids.len() - f.shown;
            let last = f.pos == f.shown && more == 0;
            let prefix = f.prefix.clone();
            let depth = f.depth + 1;
            let seg = child.path_seg(g);
            let path = f.path.join(seg.clone());
            let label = seg.to_string();
            let lead = format!(
                "{}{}",
                shown_prefix(&prefix, depth, opts.width),
                if last { "└── " } else { "├── " }
            );
            let used = lead.chars().count() + label.chars().count() + 2;
            let room = opts.width.saturating_sub(used).max(20);
            let (text, body, expand) = t.describe(child.id, room);
            let line = format!("{}{}: {text}", guide(&lead), t.paint(NAME, &label));
            if !t.emit(out, &line)? {
                cut_short = true;
                break;
            }
            let sub = format!("{prefix}{}", if last { "    " } else { "│   " });
            for b in &body {
                if !t.emit(
                    out,
                    &format!("{}  {b}", guide(&shown_prefix(&sub, depth + 1, opts.width))),
                )? {
                    cut_short = true;
                    break;
                }
            }
            let first_time = !t.first.contains_key(&child.id);
            if first_time && !is_value(g, child.id) {
                t.first.insert(child.id, path.clone());
            }
            if expand && first_time && can_expand(depth) {
                let kids = children(g, child.id, &opts.hooks);
                if !kids.is_empty() {
                    let shown = opts.max_items.map_or(kids.len(), |m| kids.len().min(m));
                    t.open.insert(child.id);
                    stack.push(Frame {
                        kids,
                        pos: 0,
                        shown,
                        prefix: sub,
                        depth,
                        node: child.id,
                        path,
                    });
                }
            }
        } else {
            let more = f.kids.len() - f.shown;
            let prefix = f.prefix.clone();
            let node = f.node;
            let f_depth = f.depth;
            stack.pop();
            t.open.remove(&node);
            if more > 0 {
                let noun = if more == 1 { "item" } else { "items" };
                let line = format!(
                    "{}{}",
                    guide(&format!(
                        "{}└── ",
                        shown_prefix(&prefix, f_depth + 1, opts.width)
                    )),
                    t.paint(DIM, &format!("… {} more {noun}", thousands(more as u64)))
                );
                if !t.emit(out, &line)? {
                    cut_short = true;
                    break;
                }
            }
        }
    }
    if cut_short {
        let max = opts.max_lines.unwrap_or(0);
        let note = format!(
            "… (view cut at {} lines: use --depth, --path or --all-items)",
            thousands(max as u64)
        );
        out.write_all(t.paint(DIM, &note).as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
