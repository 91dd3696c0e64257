//! The print kernel shared by `repr`, `pretty` and the format crates: the
//! [`ReprHook`] trait with what a hook may decide (its rendering, whether a
//! value is immutable, its recursion marker, its pprint layout) and the
//! ordered set of hooks a printer consults. It knows no format: the
//! standard-library renderings are an ordinary hook
//! ([`crate::stdlib::StdlibHook`]) that `repr`/`pretty` put last by default.
//!
//! The public names are re-exported from [`crate::repr`].

use std::borrow::Cow;
use std::sync::Arc;

use crate::value::{Graph, NodeId, NodeRef};

/// A piece of a custom rendering: literal text, or a node rendered by the
/// normal (non-recursive) machinery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReprPiece {
    /// Text written as is.
    Text(String),
    /// A node, rendered like any other value (hooks included).
    Node(NodeId),
}

impl ReprPiece {
    /// A text piece.
    pub fn text(s: impl Into<String>) -> Self {
        ReprPiece::Text(s.into())
    }
}

/// Renders nodes of some classes specially; `None` falls back to the
/// default rendering.
///
/// A hook is consulted for every opaque object ([`Node::Object`](crate::Node::Object)) that
/// [`repr`](fn@crate::repr) or [`pretty`](fn@crate::pretty) is about to print, and returns the
/// rendering as [`ReprPiece`]s: literal text and nodes, which the printer
/// renders in turn (on its explicit stack, so hooks never cause recursion).
/// Several hooks may be set; the first that answers `Some` wins, and the
/// built-in standard-library renderings (see [`crate::ReprOptions::stdlib`]) come
/// after all user hooks: they are an ordinary hook,
/// [`crate::stdlib::StdlibHook`], using the same methods (`is_value`,
/// `recursion_marker`, `layout`) any hook can implement.
///
/// Any `Fn(NodeRef) -> Option<Vec<ReprPiece>> + Send + Sync` is a hook:
///
/// ```
/// use std::sync::Arc;
/// use brinery::repr::{repr, ReprOptions, ReprPiece};
/// use brinery::{Construct, Graph, Node, NodeRef, Object};
///
/// // What `pickle.dumps(Point(1, 2))` holds for a class reduced to `Point(*args)`.
/// let mut g = Graph::new();
/// let (cls, x, y) = (g.global("__main__", "Point"), g.int(1), g.int(2));
/// let args = g.tuple(vec![x, y]);
/// let p = g.add(Node::Object(Box::new(Object::new(Construct::Reduce { callable: cls, args }))));
///
/// let hook = |n: NodeRef<'_, '_>| {
///     if n.class_name()? != "__main__.Point" {
///         return None;
///     }
///     let Some(Node::Object(o)) = n.node() else { return None };
///     let Construct::Reduce { args, .. } = o.construct else { return None };
///     let args = n.graph().view(args);
///     Some(vec![
///         ReprPiece::text("Point(x="),
///         ReprPiece::Node(args.get(&0)?.id()?),
///         ReprPiece::text(", y="),
///         ReprPiece::Node(args.get(&1)?.id()?),
///         ReprPiece::text(")"),
///     ])
/// };
/// assert_eq!(repr(&g, p, &ReprOptions::default())?, "__main__.Point(1, 2)");
/// let opts = ReprOptions::default().hook(Arc::new(hook));
/// assert_eq!(repr(&g, p, &opts)?, "Point(x=1, y=2)");
/// # Ok::<(), brinery::Error>(())
/// ```
pub trait ReprHook: Send + Sync {
    /// The rendering of `node`, or `None` for the default one.
    fn repr(&self, node: NodeRef<'_, '_>) -> Option<Vec<ReprPiece>>;

    /// True when `node` is an immutable value (a datetime, a Decimal): the
    /// pretty printer does not mark its sharing. Default: false.
    fn is_value(&self, node: NodeRef<'_, '_>) -> bool {
        let _ = node;
        false
    }

    /// What to print when `node` is reached again while it is being
    /// printed (CPython's recursion marker, e.g. `OrderedDict(...)`'s
    /// `...`). `None`: the default marker, `module.Class(...)`.
    fn recursion_marker(&self, node: NodeRef<'_, '_>) -> Option<String> {
        let _ = node;
        None
    }

    /// How the pretty printer lays `node` out when it does not fit on one
    /// line (pprint's own layouts for the types it knows). `None`: the
    /// pieces of [`ReprHook::repr`], each node laid out where it starts.
    fn layout<'g>(&self, node: NodeRef<'g, '_>) -> Option<Layout<'g>> {
        let _ = node;
        None
    }
}

impl<F> ReprHook for F
where
    F: Fn(NodeRef<'_, '_>) -> Option<Vec<ReprPiece>> + Send + Sync,
{
    fn repr(&self, node: NodeRef<'_, '_>) -> Option<Vec<ReprPiece>> {
        self(node)
    }
}

/// A pprint layout a hook asks for ([`ReprHook::layout`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Layout<'g> {
    /// The node's repr on one line however long (pprint's fallback for
    /// types it does not dispatch).
    Flat,
    /// A container laid out across lines as pprint lays out its own.
    Block(Block<'g>),
}

/// What a [`Block`] lays out between its head and its tail.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum BlockBody<'g> {
    /// Items as pprint's `_format_items` writes a list's (`deque([...])`).
    Items(Cow<'g, [NodeId]>),
    /// `key: value` entries as `_format_dict_items` writes a dict's
    /// (`Counter({...})`).
    Dict(Cow<'g, [(NodeId, NodeId)]>),
    /// The pairs as pprint formats the list `[(k, v), ...]`
    /// (`OrderedDict([...])`).
    PairList(&'g [(NodeId, NodeId)]),
}

/// How the columns after a block's body are counted (pprint's `allowance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Allowance {
    /// The enclosing allowance plus this many columns (the tail's width).
    Add(usize),
    /// Exactly this many columns (the body's last line ends the line).
    Fixed(usize),
}

/// A pprint block: `head`, optionally a line break and `break_then` at the
/// body's column, the body (at the node's column plus `indent`), `tail`,
/// optionally a line break and `trailer` at the body's column.
///
/// ```
/// use brinery::repr::{Allowance, Block, BlockBody};
/// let ids = [];
/// // What pprint writes for `deque([...], maxlen=3)`.
/// let b = Block::new("deque([", BlockBody::Items(ids[..].into()), 6, "],")
///     .allowance(Allowance::Fixed(2))
///     .trailer("maxlen=3)");
/// assert_eq!(b.indent, 6);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Block<'g> {
    /// Written first, at the node's column.
    pub head: String,
    /// After `head`: a line break, the body's indentation and this text.
    pub break_then: Option<String>,
    /// The items.
    pub body: BlockBody<'g>,
    /// The body's indentation, relative to the node's column.
    pub indent: usize,
    /// The columns after the body.
    pub allowance: Allowance,
    /// Written right after the body.
    pub tail: String,
    /// After `tail`: a line break, the body's indentation and this text.
    pub trailer: Option<String>,
}

impl<'g> Block<'g> {
    /// `head`, `body` at `indent`, `tail` (allowance: the enclosing one
    /// plus the tail's width).
    pub fn new(
        head: impl Into<String>,
        body: BlockBody<'g>,
        indent: usize,
        tail: impl Into<String>,
    ) -> Block<'g> {
        let tail = tail.into();
        Block {
            head: head.into(),
            break_then: None,
            body,
            indent,
            allowance: Allowance::Add(tail.chars().count()),
            tail,
            trailer: None,
        }
    }

    /// Set the allowance.
    pub fn allowance(mut self, a: Allowance) -> Block<'g> {
        self.allowance = a;
        self
    }

    /// Break the line after the head and write `text` at the body's column.
    pub fn break_then(mut self, text: impl Into<String>) -> Block<'g> {
        self.break_then = Some(text.into());
        self
    }

    /// Break the line after the tail and write `text` at the body's column.
    pub fn trailer(mut self, text: impl Into<String>) -> Block<'g> {
        self.trailer = Some(text.into());
        self
    }
}

/// What a printer does with an opaque object, per the first hook that
/// answers.
pub(crate) enum Rendering<'g> {
    Layout(Layout<'g>),
    Pieces(Vec<ReprPiece>),
}

/// The hooks of a printer: user hooks in the order added, then the default
/// ones (the standard-library renderings unless switched off).
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    user: Vec<Arc<dyn ReprHook>>,
    defaults: Vec<Arc<dyn ReprHook>>,
}

impl Hooks {
    /// No user hooks, these defaults.
    pub(crate) fn with_defaults(defaults: Vec<Arc<dyn ReprHook>>) -> Hooks {
        Hooks {
            user: Vec::new(),
            defaults,
        }
    }

    /// Add a user hook (before the defaults).
    pub(crate) fn push(&mut self, h: Arc<dyn ReprHook>) {
        self.user.push(h);
    }

    /// Keep (`on`) or drop the default hooks.
    pub(crate) fn set_defaults(&mut self, on: bool, defaults: fn() -> Hooks) {
        self.defaults = if on { defaults().defaults } else { Vec::new() };
    }

    fn all(&self) -> impl Iterator<Item = &Arc<dyn ReprHook>> {
        self.user.iter().chain(self.defaults.iter())
    }

    /// The rendering of object node `id`, if some hook has one.
    pub(crate) fn render(&self, g: &Graph<'_>, id: NodeId) -> Option<Vec<ReprPiece>> {
        let v = g.view(id);
        self.all().find_map(|h| h.repr(v))
    }

    /// The pretty-printer's rendering of object node `id`: the first hook
    /// with a layout or pieces for it.
    pub(crate) fn pretty<'g>(&self, g: &'g Graph<'_>, id: NodeId) -> Option<Rendering<'g>> {
        let v = g.view(id);
        self.all().find_map(|h| match h.layout(v) {
            Some(l) => Some(Rendering::Layout(l)),
            None => h.repr(v).map(Rendering::Pieces),
        })
    }

    /// The recursion marker of node `id`: from the first hook that has one,
    /// unless an earlier hook renders the node itself.
    pub(crate) fn recursion_marker(&self, g: &Graph<'_>, id: NodeId) -> Option<String> {
        let v = g.view(id);
        for h in self.all() {
            if let Some(m) = h.recursion_marker(v) {
                return Some(m);
            }
            if h.repr(v).is_some() {
                return None;
            }
        }
        None
    }

    /// True when some hook calls node `id` an immutable value.
    pub(crate) fn is_value(&self, g: &Graph<'_>, id: NodeId) -> bool {
        let v = g.view(id);
        self.all().any(|h| h.is_value(v))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.user.is_empty() && self.defaults.is_empty()
    }
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("user", &self.user.len())
            .field("defaults", &self.defaults.len())
            .finish()
    }
}

/// One container being printed by an explicit-stack printer (`repr`, JSON):
/// its items (or entries, key and value counted apart) from `pos`, then
/// `close`; `exit` is the object whose printing ends with it. `S` is the
/// printer's own piece type for `Segs`.
pub(crate) enum Frame<'g, S> {
    /// Comma-separated items, then `close`.
    Seq {
        items: &'g [NodeId],
        pos: usize,
        close: &'static str,
        exit: Option<NodeId>,
    },
    /// Entries (`key: value`, or `(key, value)` with `tuples`), then `close`.
    Pairs {
        entries: &'g [(NodeId, NodeId)],
        pos: usize,
        close: &'static str,
        exit: Option<NodeId>,
        tuples: bool,
    },
    /// A list of pieces (objects, persistent ids, markers).
    Segs {
        segs: Vec<S>,
        pos: usize,
        exit: Option<NodeId>,
    },
}

impl<'g, S> Frame<'g, S> {
    /// `items` from the first, then `close`.
    pub(crate) fn seq(items: &'g [NodeId], close: &'static str, exit: Option<NodeId>) -> Self {
        Frame::Seq {
            items,
            pos: 0,
            close,
            exit,
        }
    }

    /// `entries` from the first, then `close`.
    pub(crate) fn pairs(
        entries: &'g [(NodeId, NodeId)],
        close: &'static str,
        exit: Option<NodeId>,
        tuples: bool,
    ) -> Self {
        Frame::Pairs {
            entries,
            pos: 0,
            close,
            exit,
            tuples,
        }
    }

    /// `segs` from the first.
    pub(crate) fn segs(segs: Vec<S>, exit: Option<NodeId>) -> Self {
        Frame::Segs { segs, pos: 0, exit }
    }

    /// The next node of a `Seq` (an item) or of `Pairs` (a key, then its
    /// value), moving on: the node, the item's or entry's index and whether
    /// it is an item or key (not a value). `None` at the end, and for
    /// `Segs`.
    pub(crate) fn next_node(&mut self) -> Option<(NodeId, usize, bool)> {
        match self {
            Frame::Seq { items, pos, .. } => {
                let id = *items.get(*pos)?;
                *pos += 1;
                Some((id, *pos - 1, true))
            }
            Frame::Pairs { entries, pos, .. } => {
                let (k, v) = *entries.get(*pos / 2)?;
                let i = *pos / 2;
                let key = *pos % 2 == 0;
                *pos += 1;
                Some((if key { k } else { v }, i, key))
            }
            Frame::Segs { .. } => None,
        }
    }

    /// A finished frame's closing text and exit object, and whether it
    /// had no items or entries.
    pub(crate) fn end(&self) -> (&'static str, Option<NodeId>, bool) {
        match self {
            Frame::Seq {
                items, close, exit, ..
            } => (close, *exit, items.is_empty()),
            Frame::Pairs {
                entries,
                close,
                exit,
                ..
            } => (close, *exit, entries.is_empty()),
            Frame::Segs { exit, .. } => ("", *exit, true),
        }
    }
}

/// Builder methods that each set one field of an options struct:
/// `setters!(Type { /// doc
/// field: T, ... })` makes `pub fn field(mut self, field: T) -> Self`;
/// `field: T => conv` stores `conv(field)` (e.g. `&str => String::from`).
/// Exported (hidden) for the workspace's other crates' builders.
#[macro_export]
#[doc(hidden)]
macro_rules! setters {
    ($t:ty { $($(#[$m:meta])* $field:ident: $ty:ty $(=> $conv:path)?),* $(,)? }) => {
        impl $t {
            $(
                $(#[$m])*
                pub fn $field(mut self, $field: $ty) -> Self {
                    self.$field = $($conv)?($field);
                    self
                }
            )*
        }
    };
}

pub(crate) use crate::setters;

/// The builder methods [`crate::ReprOptions`] and [`crate::PrettyOptions`]
/// share: output limit, int digit limit, hooks, standard-library hook.
macro_rules! printer_options {
    ($t:ty) => {
        $crate::printer::setters!($t {
            /// Set the output size limit in bytes.
            max_output: usize,
            /// Set the int digit limit (`None` for none).
            max_str_digits: Option<usize>,
        });

        impl $t {
            /// Add a [`ReprHook`](crate::repr::ReprHook). Hooks are tried in
            /// the order they were added, before the built-in
            /// standard-library renderings; the first that answers wins.
            pub fn hook(mut self, h: std::sync::Arc<dyn crate::repr::ReprHook>) -> Self {
                self.hooks.push(h);
                self
            }

            /// Turn the built-in renderings of standard-library values
            /// (`datetime.datetime(...)`, `Decimal('1.1')`,
            /// `OrderedDict(...)`, ...; see [`crate::stdlib`]) on or off. On
            /// by default; off, such objects print in the generic call form
            /// `module.func(args)`.
            pub fn stdlib(mut self, on: bool) -> Self {
                self.hooks.set_defaults(on, crate::repr::default_hooks);
                self
            }
        }
    };
}

pub(crate) use printer_options;
