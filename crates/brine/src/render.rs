//! The library's text views of a graph (repr, pprint, tree, JSON) with the
//! format hooks of [`crate::view`] plugged in.

use std::io::Write;

use brinery::tree::TreeOptions;
use brinery::NodePath;
use brinery::{Error, Graph, NodeId};

use crate::error::CliError;
use crate::view;

pub fn root(graph: &Graph<'_>) -> Result<NodeId, CliError> {
    graph
        .root_id()
        .ok_or_else(|| CliError::data("the pickle has no object"))
}

fn lib_err(e: Error) -> CliError {
    CliError::pickle("", &e, 0)
}

/// A full view (`--repr`, `--pprint`) too long to print: say what fits.
fn view_err(e: Error) -> CliError {
    if e.kind() == brinery::ErrorKind::LimitExceeded {
        return CliError::data(format!(
            "{e} (the default tree view always fits; or show a part with --path)"
        ));
    }
    lib_err(e)
}

/// CPython's `repr()` of node `id`, with numpy arrays, scalars and dtypes
/// printed as numpy prints them (standard-library values are the
/// library's default).
pub fn repr(graph: &Graph<'_>, id: NodeId) -> Result<String, CliError> {
    let mut opts = brinery::repr::ReprOptions::default();
    for h in view::repr_hooks() {
        opts = opts.hook(h);
    }
    brinery::repr::repr(graph, id, &opts).map_err(view_err)
}

/// The pprint-style view.
pub fn pprint(
    graph: &Graph<'_>,
    id: NodeId,
    width: usize,
    color: bool,
) -> Result<String, CliError> {
    let mut opts = brinery::pretty::PrettyOptions::default()
        .width(width)
        .color(color);
    for h in view::repr_hooks() {
        opts = opts.hook(h);
    }
    brinery::pretty::pretty(graph, id, &opts).map_err(view_err)
}

/// The one-line view when the value's repr fits `width`: coloured like
/// the pretty view.
pub fn one_line(graph: &Graph<'_>, id: NodeId, width: usize, color: bool) -> Option<String> {
    let mut opts = brinery::repr::ReprOptions::default().max_output(width);
    for h in view::repr_hooks() {
        opts = opts.hook(h);
    }
    let r = brinery::repr::repr(graph, id, &opts).ok()?;
    if r.contains('\n') || r.chars().count() > width {
        return None;
    }
    if !color {
        return Some(r);
    }
    pprint(graph, id, usize::MAX / 2, true)
        .ok()
        .filter(|p| !p.contains('\n'))
}

/// Tree options with the format hooks.
pub fn tree_options() -> TreeOptions {
    let mut o = TreeOptions::new();
    for h in view::tree_hooks() {
        o = o.hook(h);
    }
    for h in view::repr_hooks() {
        o = o.repr_hook(h);
    }
    o
}

/// The node at `path` (parsed as `brine show --path` documents).
pub fn at_path(graph: &Graph<'_>, path: &str) -> Result<(NodeId, NodePath), CliError> {
    let p =
        NodePath::parse(path).map_err(|e| CliError::new(crate::error::EXIT_USAGE, e.message()))?;
    let id = p
        .resolve_with_hooks(graph, root(graph)?, &view::tree_hooks())
        .map_err(|e| lib_err(e.into()))?;
    Ok((id, p))
}

/// Lossless JSON, recording the protocol the pickle was written with.
pub fn to_json(
    graph: &Graph<'_>,
    protocol: Option<u8>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let mut opts = brinery::json::JsonOptions::new();
    if let Some(p) = protocol {
        opts = opts.protocol(p);
    }
    brinery::json::to_json_writer(graph, &opts, out).map_err(lib_err)
}

/// Plain JSON for other tools, streamed. An object met again inside itself
/// (a cycle) is written as the string `"<recursive>"` rather than failing.
/// Shared objects are written in full at each reference, so the output is
/// capped at 64 MiB or 32 times the input, whichever is more.
pub fn to_json_plain(
    graph: &Graph<'_>,
    id: NodeId,
    input_len: usize,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let cap = (64usize << 20).max(input_len.saturating_mul(32));
    let mut opts = brinery::json::PlainJsonOptions::new()
        .recursion_marker(Some("<recursive>".to_string()))
        .max_output(cap);
    for h in view::plain_hooks() {
        opts = opts.hook(h);
    }
    brinery::json::to_json_plain_writer(graph, id, &opts, out).map_err(lib_err)
}

/// A graph from lossless JSON and the protocol it records, if any.
pub fn from_json(text: &str) -> Result<(Graph<'static>, Option<u8>), CliError> {
    let (graph, meta) = brinery::json::from_json_meta(text).map_err(lib_err)?;
    Ok((graph, meta.protocol))
}
