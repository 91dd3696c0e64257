//! Paths into a graph: `.steps[1]['clf'].coef_`, the one path type of the
//! library and of `brine show --path` / `brine export --path`.

use std::fmt;
use std::hash::{Hash, Hasher};

use super::{NodeId, NodeRef, PyStr};

/// One step of a [`NodePath`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum PathSeg {
    /// `.name`: an attribute (object state), or a `str` key of that name;
    /// `.__args__` is the argument tuple of an object's call.
    Attr(String),
    /// `['key']` or `["key"]`: a `str` dict key (or an attribute of that
    /// name).
    Key(String),
    /// `[3]`, `[-1]`, `.3`: a sequence index (negative counts from the end,
    /// as in Python), or an `int` dict key.
    Index(i64),
    /// `{n}`: the n-th element of a set or frozenset, in pickle order.
    Member(usize),
    /// `(0)`: a positional argument of the call that made an object.
    Arg(usize),
    /// `[(1, 2)]`: a dict key (or set element) matched by its `repr`.
    Repr(String),
}

impl PartialEq for PathSeg {
    /// `.a` and `['a']` are the same step.
    fn eq(&self, other: &Self) -> bool {
        use PathSeg::*;
        match (self, other) {
            (Key(x) | Attr(x), Key(y) | Attr(y)) | (Repr(x), Repr(y)) => x == y,
            (Index(i), Index(j)) => i == j,
            (Member(i), Member(j)) | (Arg(i), Arg(j)) => i == j,
            _ => false,
        }
    }
}

impl Eq for PathSeg {}

impl Hash for PathSeg {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self {
            PathSeg::Key(k) | PathSeg::Attr(k) => (0u8, k).hash(h),
            PathSeg::Index(i) => (1u8, i).hash(h),
            PathSeg::Member(m) => (2u8, m).hash(h),
            PathSeg::Arg(a) => (3u8, a).hash(h),
            PathSeg::Repr(r) => (4u8, r).hash(h),
        }
    }
}

impl fmt::Display for PathSeg {
    /// The canonical form: `.name` for identifiers, `['k k']` (Python's
    /// quoting) for other `str` keys, `[n]`, `{n}`, `(n)`, `[repr]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathSeg::Key(k) | PathSeg::Attr(k) if is_identifier(k) => write!(f, ".{k}"),
            PathSeg::Key(k) | PathSeg::Attr(k) => write!(f, "[{}]", PyStr::from(k.as_str()).repr()),
            PathSeg::Index(i) => write!(f, "[{i}]"),
            PathSeg::Member(m) => write!(f, "{{{m}}}"),
            PathSeg::Arg(i) => write!(f, "({i})"),
            PathSeg::Repr(r) => write!(f, "[{r}]"),
        }
    }
}

/// `name` is a Python identifier (so `.name` names it unambiguously).
fn is_identifier(name: &str) -> bool {
    let mut it = name.chars();
    matches!(it.next(), Some(c) if c == '_' || c.is_alphabetic())
        && it.all(|c| c == '_' || c.is_alphanumeric())
}

/// A path from a node to one of its descendants: the names the tree view
/// (`brine show`) prints, joined. Accepted spellings:
///
/// - `.name`, or a leading `name` without its dot: an attribute (object
///   state), a `str` key or, all digits (`.1`, `steps.1`), an index —
///   whichever the node has;
/// - `['key']`, `["key"]` with Python's escapes: a `str` key;
/// - `[0]`, `[-1]`: a list/tuple position (negative from the end) or an
///   `int` key; `{0}`: the n-th element of a set;
/// - `(0)`: a positional argument of the call that made an object
///   (`.__args__` is the whole argument tuple);
/// - `[(1, 2)]`: a key matched by its `repr`.
///
/// `.steps[1]`, `['steps'][1]` and `steps.1` are the same path (equal
/// under `==`); the empty path (or `.`) is the node itself. `Display`
/// writes the canonical form the tree prints.
///
/// ```
/// use brinery::{NodePath, PathSeg};
/// let data = b"\x80\x04}\x94\x8c\x05steps\x94]\x94(K\x01K\x02es.";
/// let g = brinery::loads(data)?;
/// let p: NodePath = ".steps[1]".parse()?;
/// assert_eq!(p.resolve(g.root())?.as_i64(), Some(2));
/// let q = NodePath::parse("['steps'][-1]")?;
/// assert_eq!(q.resolve(g.root())?.id(), p.resolve(g.root())?.id());
/// assert!(NodePath::parse(".steps[9]")?.resolve(g.root()).is_err());
/// assert_eq!(NodePath::parse("steps[0]")?.resolve(g.root())?.as_i64(), Some(1));
/// assert_eq!(p.to_string(), ".steps[1]");
/// let r: NodePath = "['steps'][1]".parse()?;
/// assert_eq!(r, "steps.1".parse()?);
/// assert_eq!(r.segments(), &[PathSeg::Key("steps".into()), PathSeg::Index(1)]);
/// assert_eq!(NodePath::parse("['k k'][0].a")?.to_string(), "['k k'][0].a");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NodePath {
    segs: Vec<PathSeg>,
}

/// Why a path did not parse or did not lead anywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathError {
    message: String,
    column: Option<usize>,
    segment: Option<usize>,
}

impl PathError {
    /// What went wrong (the whole message, as `Display` writes it).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For a syntax error: the 0-based character column in the path text.
    pub fn column(&self) -> Option<usize> {
        self.column
    }

    /// For a path that does not resolve: the index of the first segment
    /// that found nothing.
    pub fn segment(&self) -> Option<usize> {
        self.segment
    }

    pub(crate) fn not_found(message: String, segment: usize) -> PathError {
        PathError {
            message,
            column: None,
            segment: Some(segment),
        }
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PathError {}

impl From<PathError> for crate::Error {
    fn from(e: PathError) -> crate::Error {
        crate::Error::new(crate::ErrorKind::InvalidValue, e.message)
    }
}

impl NodePath {
    /// The empty path (the node itself).
    pub fn new() -> NodePath {
        NodePath::default()
    }

    /// The empty path (the root), as the tree names it.
    pub fn root() -> NodePath {
        NodePath::default()
    }

    /// A path from its segments.
    pub fn from_segments(segs: Vec<PathSeg>) -> NodePath {
        NodePath { segs }
    }

    /// The segments.
    pub fn segments(&self) -> &[PathSeg] {
        &self.segs
    }

    /// True for the empty path.
    pub fn is_root(&self) -> bool {
        self.segs.is_empty()
    }

    /// Append a segment.
    pub fn push(&mut self, seg: PathSeg) {
        self.segs.push(seg);
    }

    /// This path with one more step.
    pub fn join(&self, seg: PathSeg) -> NodePath {
        let mut segs = self.segs.clone();
        segs.push(seg);
        NodePath { segs }
    }

    /// Parse the path syntax (see [`NodePath`]). Errors name the column.
    pub fn parse(text: &str) -> Result<NodePath, PathError> {
        Parser {
            text,
            b: text.chars().collect(),
            i: 0,
        }
        .run()
    }

    /// The node this path leads to from `from`, through the children the
    /// tree view shows (items, entries, attributes, call arguments). The
    /// error names the first step that matches nothing.
    pub fn resolve<'g, 'a>(&self, from: NodeRef<'g, 'a>) -> Result<NodeRef<'g, 'a>, PathError> {
        let g = from.graph();
        let Some(id) = from.id() else {
            return Err(PathError::not_found(
                format!("path {self}: the start is nothing"),
                0,
            ));
        };
        self.resolve_with_hooks(g, id, &[]).map(|id| g.view(id))
    }

    /// Like [`resolve`](Self::resolve) from node `root` of `g`, with the
    /// children that [`TreeHook`](crate::tree::TreeHook)s give (numpy
    /// arrays, tensors...), as `brine show --path` does.
    pub fn resolve_with_hooks(
        &self,
        g: &super::Graph<'_>,
        root: NodeId,
        hooks: &[std::sync::Arc<dyn crate::tree::TreeHook>],
    ) -> Result<NodeId, PathError> {
        crate::tree::resolve_path(self, g, root, hooks)
    }
}

struct Parser<'t> {
    text: &'t str,
    b: Vec<char>,
    i: usize,
}

impl Parser<'_> {
    fn err(&self, msg: impl fmt::Display, at: usize) -> PathError {
        PathError {
            message: format!("bad path {:?} at column {}: {msg}", self.text, at + 1),
            column: Some(at),
            segment: None,
        }
    }

    /// The end of a bare name starting at `i`.
    fn name_end(&self, i: usize) -> usize {
        let b = &self.b;
        let mut j = i;
        while j < b.len() && !matches!(b[j], '.' | '[' | '(' | '{') {
            j += 1;
        }
        j
    }

    fn name_seg(&self, from: usize, to: usize) -> PathSeg {
        let s: String = self.b[from..to].iter().collect();
        match s.parse::<i64>() {
            Ok(n) if !s.starts_with('+') => PathSeg::Index(n),
            _ => PathSeg::Attr(s),
        }
    }

    fn run(mut self) -> Result<NodePath, PathError> {
        let mut segs = Vec::new();
        // A leading bare name: `steps.1`.
        if self.i < self.b.len() && !matches!(self.b[0], '.' | '[' | '(' | '{') {
            let j = self.name_end(0);
            segs.push(self.name_seg(0, j));
            self.i = j;
        }
        while self.i < self.b.len() {
            let i = self.i;
            match self.b[i] {
                '.' => {
                    let j = self.name_end(i + 1);
                    if j == i + 1 {
                        if j == self.b.len() && segs.is_empty() {
                            // `.` alone is the root.
                            self.i = j;
                            continue;
                        }
                        return Err(self.err("a name must follow '.'", i));
                    }
                    segs.push(self.name_seg(i + 1, j));
                    self.i = j;
                }
                '(' => segs.push(PathSeg::Arg(self.number(')', "an argument number")?)),
                '{' => segs.push(PathSeg::Member(self.number('}', "a set position")?)),
                '[' if matches!(self.b.get(i + 1), Some('\'' | '"')) => {
                    segs.push(PathSeg::Key(self.quoted()?))
                }
                '[' => segs.push(self.bracket()?),
                c => return Err(self.err(format!("unexpected {c:?}"), i)),
            }
        }
        Ok(NodePath { segs })
    }

    /// `(n)` or `{n}`.
    fn number(&mut self, close: char, what: &str) -> Result<usize, PathError> {
        let i = self.i;
        let open = self.b[i];
        let j = self.b[i..]
            .iter()
            .position(|&c| c == close)
            .map(|p| p + i)
            .ok_or_else(|| self.err(format!("'{open}' without '{close}'"), i))?;
        let n: String = self.b[i + 1..j].iter().collect();
        let n = n
            .trim()
            .parse::<usize>()
            .map_err(|_| self.err(format!("{what} must be in '{open}...{close}'"), i))?;
        self.i = j + 1;
        Ok(n)
    }

    /// `['key']` with Python's escapes.
    fn quoted(&mut self) -> Result<String, PathError> {
        let start = self.i;
        let q = self.b[start + 1];
        let mut i = start + 2;
        let mut s = String::new();
        let unterminated = |p: &Self| p.err("unterminated string", start);
        loop {
            let c = *self.b.get(i).ok_or_else(|| unterminated(self))?;
            i += 1;
            if c == q {
                break;
            }
            if c != '\\' {
                s.push(c);
                continue;
            }
            let e = *self.b.get(i).ok_or_else(|| unterminated(self))?;
            i += 1;
            match e {
                'n' => s.push('\n'),
                't' => s.push('\t'),
                'r' => s.push('\r'),
                '0' => s.push('\0'),
                'x' | 'u' | 'U' => {
                    let n = match e {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex: String = self.b.get(i..i + n).unwrap_or(&[]).iter().collect();
                    let cp = u32::from_str_radix(&hex, 16)
                        .ok()
                        .filter(|_| hex.len() == n)
                        .and_then(char::from_u32)
                        .ok_or_else(|| self.err("bad escape", i))?;
                    s.push(cp);
                    i += n;
                }
                other => s.push(other),
            }
        }
        if self.b.get(i) != Some(&']') {
            return Err(self.err("expected ']' after the key", i));
        }
        self.i = i + 1;
        Ok(s)
    }

    /// `[n]` or `[repr]`, up to the matching ']' (brackets inside count).
    fn bracket(&mut self) -> Result<PathSeg, PathError> {
        let start = self.i;
        let b = &self.b;
        let mut depth = 1;
        let mut j = start + 1;
        while j < b.len() {
            match b[j] {
                '[' | '(' | '{' => depth += 1,
                ']' | ')' | '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        if j >= b.len() {
            return Err(self.err("'[' without ']'", start));
        }
        let inner: String = b[start + 1..j].iter().collect();
        let t = inner.trim();
        if t.is_empty() {
            return Err(self.err("empty '[]'", start));
        }
        self.i = j + 1;
        Ok(match t.parse::<i64>() {
            Ok(n) => PathSeg::Index(n),
            Err(_) => PathSeg::Repr(t.to_string()),
        })
    }
}

impl std::str::FromStr for NodePath {
    type Err = PathError;
    fn from_str(s: &str) -> Result<NodePath, PathError> {
        NodePath::parse(s)
    }
}

impl fmt::Display for NodePath {
    /// The canonical text (see [`PathSeg`]'s `Display`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for seg in &self.segs {
            seg.fmt(f)?;
        }
        Ok(())
    }
}
