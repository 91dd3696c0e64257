//! A short, bounded rendering of a call's arguments for findings
//! (`os.system('echo pwned')`): Python-like literals, globals by name,
//! computed values as `<...>`. Never longer than [`MAX_ARGS_LEN`]
//! characters and never deeper than [`MAX_DEPTH`] levels (no recursion
//! proportional to the input: depth is bounded, items per level too).

use brinery::{Construct, Graph, Node, NodeId};

/// Most characters of rendered arguments (then `…`).
pub(crate) const MAX_ARGS_LEN: usize = 120;
/// Containers nested deeper than this are shown as `...`.
const MAX_DEPTH: usize = 3;
/// Most items shown per container.
const MAX_ITEMS: usize = 6;

/// The arguments `args` (a tuple for REDUCE/NEWOBJ, anything else for a
/// malformed call) rendered as `(a, b)`.
pub(crate) fn render_args(g: &Graph<'_>, args: Option<NodeId>) -> String {
    let mut out = String::new();
    match args.map(|a| (a, g.node(a))) {
        None => out.push_str("()"),
        Some((_, Node::Tuple(items))) => {
            out.push('(');
            seq(g, items, 0, &mut out);
            out.push(')');
        }
        Some((a, _)) => {
            out.push_str("(*");
            value(g, a, 0, &mut out);
            out.push(')');
        }
    }
    truncate(out)
}

fn truncate(s: String) -> String {
    if s.chars().count() <= MAX_ARGS_LEN {
        return s;
    }
    let mut t: String = s.chars().take(MAX_ARGS_LEN - 1).collect();
    t.push('…');
    t
}

fn seq(g: &Graph<'_>, items: &[NodeId], depth: usize, out: &mut String) {
    for (i, &it) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if i == MAX_ITEMS || out.len() > MAX_ARGS_LEN {
            out.push_str("...");
            return;
        }
        value(g, it, depth + 1, out);
    }
}

fn quote(text: &str, prefix: &str, out: &mut String) {
    out.push_str(prefix);
    out.push('\'');
    for c in text.chars().take(MAX_ARGS_LEN) {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('\'');
}

fn value(g: &Graph<'_>, id: NodeId, depth: usize, out: &mut String) {
    if depth > MAX_DEPTH {
        out.push_str("...");
        return;
    }
    match g.node(id) {
        Node::None => out.push_str("None"),
        Node::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Node::Int(i) => out.push_str(&i.to_string()),
        Node::BigInt(_) => out.push_str("<int>"),
        Node::Float(f) => out.push_str(&format!("{f:?}")),
        Node::Str(s) => quote(&s.to_string_lossy(), "", out),
        Node::Bytes(b) | Node::ByteArray(b) => {
            let head = &b.as_slice()[..b.len().min(MAX_ARGS_LEN)];
            quote(&String::from_utf8_lossy(head), "b", out)
        }
        Node::List(v) => {
            out.push('[');
            seq(g, v, depth, out);
            out.push(']');
        }
        Node::Tuple(v) => {
            out.push('(');
            seq(g, v, depth, out);
            if v.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Node::Dict(d) => out.push_str(&format!("{{<{} items>}}", d.len())),
        Node::Set(s) | Node::FrozenSet(s) => out.push_str(&format!("{{<{} items>}}", s.len())),
        Node::Global(gl) => out.push_str(&format!("{}.{}", gl.module, gl.name)),
        Node::Object(o) => {
            let inner = match &o.construct {
                Construct::Reduce { callable, .. } => match g.node(*callable) {
                    Node::Global(gl) => format!("{}.{}", gl.module, gl.name),
                    _ => "a computed value".into(),
                },
                Construct::NewObj { cls, .. }
                | Construct::NewObjEx { cls, .. }
                | Construct::Obj { cls, .. } => match g.node(*cls) {
                    Node::Global(gl) => format!("{}.{}", gl.module, gl.name),
                    _ => "a computed value".into(),
                },
                Construct::Inst { cls, .. } => format!("{}.{}", cls.module, cls.name),
            };
            out.push_str(&format!("<{inner}(...)>"));
        }
        Node::PersistentId(_) => out.push_str("<persistent id>"),
        Node::Buffer(_) => out.push_str("<out-of-band buffer>"),
    }
}
