//! Pictures of pickled object graphs.
//!
//! [`Picture::build`] walks a decoded [`brinery::Graph`] from a node
//! (breadth first, without recursion) and keeps at most
//! [`VizOptions::max_nodes`] boxes: containers and objects with their type
//! and size; scalars are folded into their parent's box as `key: value`
//! lines; references are arrows labelled with the key, index or role;
//! objects reached more than once are filled and marked `shared`, and
//! arrows that close a cycle are red and dashed. What does not fit is
//! summarised (`… 12 more`). The picture is written as Graphviz DOT
//! ([`Picture::to_dot`]), as SVG laid out in pure Rust by `layout-rs`
//! ([`Picture::to_svg`], no external programs), or as a self-contained
//! HTML page ([`Picture::to_html`]).
//!
//! ```
//! let g = brinery::loads(b"\x80\x04]\x94(K\x01h\x00e.")?; // l = [1]; l.append(l)
//! let pic = brinery_viz::Picture::build(&g, g.root_id().unwrap(), &Default::default());
//! assert_eq!(pic.boxes(), 1);
//! assert_eq!(pic.cycle_edges(), 1);
//! let svg = pic.to_svg()?;
//! assert!(svg.starts_with("<svg") || svg.contains("<svg"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::{HashMap, VecDeque};
use std::fmt::Write;

use brinery::{Construct, Graph, Node, NodeId, NodeRef};

/// A summary of a node for its box title, supplied by a caller that knows
/// more types (numpy arrays, tensors, DataFrames): `Some("ndarray float64
/// (3, 4)")` replaces the generic title and hides the node's children.
pub type Summarizer<'s> = dyn Fn(NodeRef<'_, '_>) -> Option<String> + 's;

/// How much to draw.
pub struct VizOptions<'s> {
    /// Boxes at most (default 200); the rest is summarised.
    pub max_nodes: usize,
    /// Scalar lines shown in one box at most (default 8).
    pub max_lines: usize,
    /// Characters of a label line at most (default 40).
    pub max_label: usize,
    /// Optional titles for types the caller knows.
    pub summarize: Option<Box<Summarizer<'s>>>,
}

impl Default for VizOptions<'_> {
    fn default() -> Self {
        VizOptions {
            max_nodes: 200,
            max_lines: 8,
            max_label: 40,
            summarize: None,
        }
    }
}

/// Why a picture could not be made.
#[derive(Debug)]
pub struct VizError(String);

impl std::fmt::Display for VizError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VizError {}

#[derive(Debug)]
struct VBox {
    title: String,
    lines: Vec<String>,
    shared: usize,
    folded: bool,
}

#[derive(Debug)]
struct VEdge {
    from: usize,
    to: usize,
    label: String,
    cycle: bool,
}

/// The boxes and arrows to draw.
#[derive(Debug)]
pub struct Picture {
    boxes: Vec<VBox>,
    edges: Vec<VEdge>,
    hidden: usize,
}

fn clip(s: &str, n: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .take(n)
        .collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

/// Is this node drawn inside its parent's box rather than as a box? All
/// but the containers and objects (the boxes [`title`] names) are.
fn is_scalar(n: NodeRef<'_, '_>) -> bool {
    match n.node() {
        Some(
            Node::List(_)
            | Node::Tuple(_)
            | Node::Dict(_)
            | Node::Set(_)
            | Node::FrozenSet(_)
            | Node::Object(_),
        )
        | None => false,
        Some(_) => true,
    }
}

fn scalar_text(n: NodeRef<'_, '_>, max: usize) -> String {
    if let Some((m, name)) = n.as_global() {
        return clip(&format!("{m}.{name}"), max);
    }
    let r = n
        .id()
        .and_then(|id| {
            let opts = brinery::ReprOptions::default();
            brinery::repr(n.graph(), id, &opts).ok()
        })
        .unwrap_or_else(|| "?".into());
    clip(&r, max)
}

/// The title of a box: the type and its size.
fn title(n: NodeRef<'_, '_>) -> String {
    let plural = |k: usize, one: &str, many: &str| {
        if k == 1 {
            one.to_string()
        } else {
            many.to_string()
        }
    };
    match n.node() {
        Some(Node::List(v)) => format!("list ({} {})", v.len(), plural(v.len(), "item", "items")),
        Some(Node::Tuple(v)) => format!("tuple ({} {})", v.len(), plural(v.len(), "item", "items")),
        Some(Node::Dict(d)) => {
            let k = d.len();
            format!("dict ({k} {})", plural(k, "key", "keys"))
        }
        Some(Node::Set(s)) => format!("set ({} items)", s.len()),
        Some(Node::FrozenSet(s)) => format!("frozenset ({} items)", s.len()),
        Some(Node::Object(_)) => n.class_name().unwrap_or_else(|| "object".into()),
        _ => "value".into(),
    }
}

/// `(label, child)` pairs of a node, in order.
fn children<'g, 'a>(n: NodeRef<'g, 'a>, max: usize) -> Vec<(String, NodeRef<'g, 'a>)> {
    let g = n.graph();
    let mut out = Vec::new();
    match n.node() {
        Some(Node::List(v)) | Some(Node::Tuple(v)) => {
            out.extend(
                v.iter()
                    .enumerate()
                    .map(|(i, c)| (format!("[{i}]"), g.view(*c))),
            );
        }
        Some(Node::Set(_)) | Some(Node::FrozenSet(_)) => {
            out.extend(n.iter().map(|c| ("∈".to_string(), c)));
        }
        Some(Node::Dict(_)) => {
            for (k, v) in n.entries() {
                let key = if is_scalar(k) {
                    scalar_text(k, max)
                } else {
                    title(k)
                };
                out.push((key, v));
            }
        }
        Some(Node::Object(o)) => {
            match &o.construct {
                Construct::Reduce { args, .. } | Construct::NewObj { args, .. } => {
                    out.extend(
                        g.view(*args)
                            .iter()
                            .enumerate()
                            .map(|(i, c)| (format!("arg{i}"), c)),
                    );
                }
                Construct::Obj { args, .. } => {
                    out.extend(
                        args.iter()
                            .enumerate()
                            .map(|(i, c)| (format!("arg{i}"), g.view(*c))),
                    );
                }
                Construct::NewObjEx { args, kwargs, .. } => {
                    out.extend(
                        g.view(*args)
                            .iter()
                            .enumerate()
                            .map(|(i, c)| (format!("arg{i}"), c)),
                    );
                    for (k, v) in g.view(*kwargs).entries() {
                        out.push((scalar_text(k, max), v));
                    }
                }
                Construct::Inst { args, .. } => {
                    out.extend(
                        args.iter()
                            .enumerate()
                            .map(|(i, c)| (format!("arg{i}"), g.view(*c))),
                    );
                }
            }
            for b in &o.builds {
                let st = g.view(*b);
                if matches!(st.node(), Some(Node::Dict(_))) {
                    for (k, v) in st.entries() {
                        out.push((format!(".{}", scalar_text(k, max).trim_matches('\'')), v));
                    }
                } else {
                    out.push(("state".into(), st));
                }
            }
            out.extend(
                o.list_items
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (format!("[{i}]"), g.view(*c))),
            );
            for (k, v) in &o.dict_items {
                out.push((scalar_text(g.view(*k), max), g.view(*v)));
            }
            out.extend(o.set_items.iter().map(|c| ("∈".to_string(), g.view(*c))));
        }
        _ => {}
    }
    out
}

impl Picture {
    /// The picture of what is reachable from `root`.
    pub fn build(graph: &Graph<'_>, root: NodeId, opts: &VizOptions<'_>) -> Picture {
        let max_nodes = opts.max_nodes.max(1);
        let mut boxes: Vec<VBox> = Vec::new();
        let mut edges: Vec<VEdge> = Vec::new();
        let mut index: HashMap<NodeId, usize> = HashMap::new();
        let mut kids: Vec<Vec<usize>> = Vec::new();
        let mut queue: VecDeque<(NodeId, usize)> = VecDeque::new();
        let mut hidden = 0usize;
        let root_ref = graph.view(root);
        let add_box = |boxes: &mut Vec<VBox>, kids: &mut Vec<Vec<usize>>, n: NodeRef<'_, '_>| {
            let (title, folded) = match opts.summarize.as_ref().and_then(|f| f(n)) {
                Some(t) => (t, true),
                None if is_scalar(n) => (scalar_text(n, opts.max_label), true),
                None => (title(n), false),
            };
            boxes.push(VBox {
                title: clip(&title, opts.max_label * 2),
                lines: Vec::new(),
                shared: 0,
                folded,
            });
            kids.push(Vec::new());
            boxes.len() - 1
        };
        let b0 = add_box(&mut boxes, &mut kids, root_ref);
        index.insert(root, b0);
        queue.push_back((root, b0));
        while let Some((id, b)) = queue.pop_front() {
            if boxes[b].folded {
                continue;
            }
            let n = graph.view(id);
            let mut shown_lines = 0usize;
            let mut more_lines = 0usize;
            let mut more_boxes = 0usize;
            for (label, c) in children(n, opts.max_label) {
                let Some(cid) = c.id() else { continue };
                // An arrow from box `b` to box `to`, which becomes its child.
                let mut link = |to: usize, kids: &mut Vec<Vec<usize>>| {
                    edges.push(VEdge {
                        from: b,
                        to,
                        label: clip(&label, opts.max_label),
                        cycle: false,
                    });
                    kids[b].push(to);
                };
                if let Some(&existing) = index.get(&cid) {
                    boxes[existing].shared += 1;
                    link(existing, &mut kids);
                    continue;
                }
                if is_scalar(c) && opts.summarize.as_ref().and_then(|f| f(c)).is_none() {
                    if shown_lines < opts.max_lines {
                        let line = format!(
                            "{}: {}",
                            clip(&label, opts.max_label / 2),
                            scalar_text(c, opts.max_label)
                        );
                        boxes[b].lines.push(clip(&line, opts.max_label));
                        shown_lines += 1;
                    } else {
                        more_lines += 1;
                    }
                    continue;
                }
                if boxes.len() >= max_nodes {
                    more_boxes += 1;
                    hidden += 1;
                    continue;
                }
                let nb = add_box(&mut boxes, &mut kids, c);
                index.insert(cid, nb);
                link(nb, &mut kids);
                queue.push_back((cid, nb));
            }
            if more_lines > 0 {
                boxes[b].lines.push(format!("… {more_lines} more"));
            }
            if more_boxes > 0 {
                let fb = boxes.len();
                boxes.push(VBox {
                    title: format!("… {more_boxes} more"),
                    lines: Vec::new(),
                    shared: 0,
                    folded: true,
                });
                kids.push(Vec::new());
                edges.push(VEdge {
                    from: b,
                    to: fb,
                    label: String::new(),
                    cycle: false,
                });
            }
        }
        // Cycles: an arrow to a box still on the depth-first path.
        let mut state = vec![0u8; boxes.len()]; // 0 new, 1 on path, 2 done
        let mut on_path_edges: Vec<(usize, usize)> = Vec::new();
        let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
        state[0] = 1;
        while let Some((b, i)) = stack.pop() {
            if i < kids[b].len() {
                stack.push((b, i + 1));
                let k = kids[b][i];
                match state[k] {
                    0 => {
                        state[k] = 1;
                        stack.push((k, 0));
                    }
                    1 => on_path_edges.push((b, k)),
                    _ => {}
                }
            } else {
                state[b] = 2;
            }
        }
        for e in edges.iter_mut() {
            if on_path_edges.contains(&(e.from, e.to)) {
                e.cycle = true;
            }
        }
        Picture {
            boxes,
            edges,
            hidden,
        }
    }

    /// Number of boxes.
    pub fn boxes(&self) -> usize {
        self.boxes.len()
    }
    /// Number of arrows.
    pub fn arrows(&self) -> usize {
        self.edges.len()
    }
    /// Boxes reached by more than one arrow.
    pub fn shared_boxes(&self) -> usize {
        self.boxes.iter().filter(|b| b.shared > 0).count()
    }
    /// Arrows that close a cycle.
    pub fn cycle_edges(&self) -> usize {
        self.edges.iter().filter(|e| e.cycle).count()
    }
    /// Objects left out past [`VizOptions::max_nodes`].
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    fn label(b: &VBox) -> String {
        let mut s = b.title.clone();
        if b.shared > 0 {
            let _ = write!(s, "  (shared ×{})", b.shared + 1);
        }
        for l in &b.lines {
            s.push('\n');
            s.push_str(l);
        }
        s
    }

    /// Graphviz DOT text.
    pub fn to_dot(&self) -> String {
        fn q(s: &str) -> String {
            let mut o = String::with_capacity(s.len() + 2);
            o.push('"');
            for c in s.chars() {
                match c {
                    '"' => o.push_str("\\\""),
                    '\\' => o.push_str("\\\\"),
                    '\n' => o.push_str("\\n"),
                    c if c.is_control() => o.push('·'),
                    c => o.push(c),
                }
            }
            o.push('"');
            o
        }
        let mut out =
            String::from("digraph pickle {\n  node [shape=box, fontname=\"monospace\"];\n");
        for (i, b) in self.boxes.iter().enumerate() {
            let mut attrs = format!("label={}", q(&Self::label(b)));
            if b.shared > 0 {
                attrs.push_str(", style=filled, fillcolor=\"#fff3b0\"");
            } else if b.folded {
                attrs.push_str(", style=filled, fillcolor=\"#eeeeee\"");
            }
            let _ = writeln!(out, "  n{i} [{attrs}];");
        }
        for e in &self.edges {
            let mut attrs = Vec::new();
            if !e.label.is_empty() {
                attrs.push(format!("label={}", q(&e.label)));
            }
            if e.cycle {
                attrs.push("color=\"red\", style=dashed".into());
            }
            let _ = writeln!(out, "  n{} -> n{} [{}];", e.from, e.to, attrs.join(", "));
        }
        out.push_str("}\n");
        out
    }

    /// SVG, laid out and drawn in Rust.
    pub fn to_svg(&self) -> Result<String, VizError> {
        use layout::backends::svg::SVGWriter;
        use layout::gv::{DotParser, GraphBuilder};
        let dot = self.to_dot();
        let mut parser = DotParser::new(&dot);
        let ast = parser
            .process()
            .map_err(|e| VizError(format!("internal DOT error: {e}")))?;
        let mut gb = GraphBuilder::new();
        gb.visit_graph(&ast);
        let mut vg = gb.get();
        let mut svg = SVGWriter::new();
        vg.do_it(false, false, false, &mut svg);
        Ok(svg.finalize())
    }

    /// A self-contained HTML page: the SVG, a legend, and a small script
    /// that highlights a box's arrows on hover (no network, no external
    /// files).
    pub fn to_html(&self, title: &str) -> Result<String, VizError> {
        let svg = self.to_svg()?;
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        };
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>\n\
             body {{ font-family: sans-serif; margin: 1em; }}\n\
             .legend span {{ display: inline-block; padding: 0 .5em; margin-right: 1em; border: 1px solid #999; }}\n\
             svg text {{ pointer-events: none; }}\n\
             </style></head>\n<body>\n<h1>{t}</h1>\n\
             <p class=\"legend\"><span>{b} boxes</span><span>{a} arrows</span>\
             <span style=\"background:#fff3b0\">{s} shared</span>\
             <span style=\"color:red\">{c} cycle arrows</span><span>{h} objects not shown</span></p>\n\
             <div id=\"graph\">\n{svg}\n</div>\n<script>\n\
             (function () {{\n\
               var g = document.getElementById('graph');\n\
               var rects = g.querySelectorAll('rect');\n\
               var texts = g.querySelectorAll('text');\n\
               document.body.setAttribute('data-boxes', String(rects.length));\n\
               document.body.setAttribute('data-texts', String(texts.length));\n\
               rects.forEach(function (r) {{\n\
                 r.addEventListener('mouseenter', function () {{ r.style.strokeWidth = '3'; }});\n\
                 r.addEventListener('mouseleave', function () {{ r.style.strokeWidth = ''; }});\n\
               }});\n\
               document.body.setAttribute('data-rendered', 'yes');\n\
             }})();\n</script>\n</body></html>\n",
            t = esc(title),
            b = self.boxes(),
            a = self.arrows(),
            s = self.shared_boxes(),
            c = self.cycle_edges(),
            h = self.hidden(),
        );
        Ok(out)
    }
}
