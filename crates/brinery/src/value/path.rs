//! Paths into a graph: `.steps[1]['clf'].coef_`.

use std::fmt;

use super::{Construct, Graph, Node, NodeId, NodeRef};

/// One step of a [`NodePath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PathSeg {
    /// `.name`: an attribute (the object's BUILD state dict, or a dict's
    /// `str` key); `.__args__` is the argument tuple of an object's call.
    Attr(String),
    /// `['key']` or `["key"]`: a `str` key of a dict (or of an object's
    /// state dict).
    Key(String),
    /// `[n]`: a list or tuple position (negative counts from the end, as in
    /// Python), or an `int` key of a dict.
    Index(i64),
    /// `{n}`: the n-th element of a set or frozenset, in pickle order.
    Member(usize),
}

/// A path from a node to one of its descendants, in the syntax of `brine
/// show --path` and `brine export --path`: `.name`, `['key']`, `["key"]`,
/// `[0]`, `[-1]`, `{0}`, a leading name without its dot. `.steps[1]` and
/// `['steps'][1]` name the same node of a dict; the empty path is the node
/// itself.
///
/// ```
/// use brinery::NodePath;
/// let data = b"\x80\x04}\x94\x8c\x05steps\x94]\x94(K\x01K\x02es.";
/// let g = brinery::loads(data)?;
/// let p: NodePath = ".steps[1]".parse()?;
/// assert_eq!(p.resolve(g.root())?.as_i64(), Some(2));
/// let q = NodePath::parse("['steps'][-1]")?;
/// assert_eq!(q.resolve(g.root())?.id(), p.resolve(g.root())?.id());
/// assert!(NodePath::parse(".steps[9]")?.resolve(g.root()).is_err());
/// assert_eq!(NodePath::parse("steps[0]")?.resolve(g.root())?.as_i64(), Some(1));
/// assert_eq!(p.to_string(), ".steps[1]");
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
    /// What went wrong.
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
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(c) = self.column {
            write!(f, " at column {}", c + 1)?;
        }
        Ok(())
    }
}

impl std::error::Error for PathError {}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(is_ident_start) && cs.all(|c| c == '_' || c.is_alphanumeric())
}

impl NodePath {
    /// The empty path (the node itself).
    pub fn new() -> NodePath {
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

    /// Append a segment.
    pub fn push(&mut self, seg: PathSeg) {
        self.segs.push(seg);
    }

    /// Parse the path syntax (see [`NodePath`]).
    pub fn parse(text: &str) -> Result<NodePath, PathError> {
        let cs: Vec<char> = text.chars().collect();
        let err = |col: usize, m: &str| PathError {
            message: format!("bad path {text:?}: {m}"),
            column: Some(col),
            segment: None,
        };
        let mut segs = Vec::new();
        let mut i = 0;
        while i < cs.len() {
            let c = cs[i];
            if c == '.' || (i == 0 && is_ident_start(c)) {
                let start = if c == '.' { i + 1 } else { i };
                let mut j = start;
                while j < cs.len() && (cs[j] == '_' || cs[j].is_alphanumeric()) {
                    j += 1;
                }
                if j == start || !is_ident_start(cs[start]) {
                    return Err(err(start, "expected a name"));
                }
                segs.push(PathSeg::Attr(cs[start..j].iter().collect()));
                i = j;
            } else if c == '[' && matches!(cs.get(i + 1), Some('\'' | '"')) {
                let q = cs[i + 1];
                let mut j = i + 2;
                let mut key = String::new();
                loop {
                    match cs.get(j) {
                        None => return Err(err(i, "unterminated string")),
                        Some('\\') => {
                            key.extend(cs.get(j + 1));
                            j += 2;
                        }
                        Some(&ch) if ch == q => break,
                        Some(&ch) => {
                            key.push(ch);
                            j += 1;
                        }
                    }
                }
                if cs.get(j + 1) != Some(&']') {
                    return Err(err(j + 1, "expected ']'"));
                }
                segs.push(PathSeg::Key(key));
                i = j + 2;
            } else if c == '[' || c == '{' {
                let close = if c == '[' { ']' } else { '}' };
                let end = cs[i..]
                    .iter()
                    .position(|&x| x == close)
                    .map(|p| i + p)
                    .ok_or_else(|| err(i, &format!("expected '{close}'")))?;
                let num: String = cs[i + 1..end].iter().collect();
                let num = num.trim();
                let bad = || err(i + 1, "expected an integer or a quoted key");
                segs.push(if c == '[' {
                    PathSeg::Index(num.parse().map_err(|_| bad())?)
                } else {
                    PathSeg::Member(num.parse().map_err(|_| bad())?)
                });
                i = end + 1;
            } else {
                return Err(err(i, &format!("unexpected {c:?}")));
            }
        }
        Ok(NodePath { segs })
    }

    /// The node this path leads to from `from`.
    pub fn resolve<'g, 'a>(&self, from: NodeRef<'g, 'a>) -> Result<NodeRef<'g, 'a>, PathError> {
        let g = from.graph();
        let mut cur = from;
        for (n, seg) in self.segs.iter().enumerate() {
            let next = cur.id().and_then(|id| step(g, id, seg));
            cur = match next {
                Some(id) => g.view(id),
                None => {
                    let what = match cur.node() {
                        Some(node) => node.type_name(),
                        None => "nothing",
                    };
                    return Err(PathError {
                        message: format!(
                            "nothing at {} ({} is {what})",
                            NodePath::from_segments(self.segs[..=n].to_vec()),
                            if n == 0 {
                                "the start".to_string()
                            } else {
                                NodePath::from_segments(self.segs[..n].to_vec()).to_string()
                            }
                        ),
                        column: None,
                        segment: Some(n),
                    });
                }
            };
        }
        Ok(cur)
    }
}

/// One step from node `id`.
fn step(g: &Graph<'_>, id: NodeId, seg: &PathSeg) -> Option<NodeId> {
    let v = g.view(id);
    match (g.node(id), seg) {
        (Node::Object(o), PathSeg::Attr(a)) if a == "__args__" => match &o.construct {
            Construct::Reduce { args, .. }
            | Construct::NewObj { args, .. }
            | Construct::NewObjEx { args, .. } => Some(*args),
            _ => None,
        },
        (_, PathSeg::Attr(k) | PathSeg::Key(k)) => v.get(k.as_str()).and_then(|r| r.id()),
        (Node::List(items) | Node::Tuple(items), PathSeg::Index(i)) => {
            let i = if *i < 0 {
                items.len().checked_sub(i.unsigned_abs() as usize)?
            } else {
                usize::try_from(*i).ok()?
            };
            items.get(i).copied()
        }
        (Node::Dict(d), PathSeg::Index(i)) => d
            .entries()
            .iter()
            .find(|(k, _)| match g.node(*k) {
                Node::Int(x) => x == i,
                Node::Bool(b) => i64::from(*b) == *i,
                _ => false,
            })
            .map(|&(_, val)| val),
        (Node::Set(s) | Node::FrozenSet(s), PathSeg::Member(m)) => s.items().get(*m).copied(),
        _ => None,
    }
}

impl std::str::FromStr for NodePath {
    type Err = PathError;
    fn from_str(s: &str) -> Result<NodePath, PathError> {
        NodePath::parse(s)
    }
}

impl fmt::Display for NodePath {
    /// The canonical text: `.name` for identifiers, `['key']` (Python's
    /// quoting) otherwise, `[n]`, `{n}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for seg in &self.segs {
            match seg {
                PathSeg::Attr(a) if is_ident(a) => write!(f, ".{a}")?,
                PathSeg::Attr(k) | PathSeg::Key(k) => {
                    write!(f, "[{}]", super::PyStr::from(k.as_str()).repr())?
                }
                PathSeg::Index(i) => write!(f, "[{i}]")?,
                PathSeg::Member(m) => write!(f, "{{{m}}}")?,
            }
        }
        Ok(())
    }
}
