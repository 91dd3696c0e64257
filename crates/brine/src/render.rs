//! The library's text views of a graph: repr, pretty, JSON.
//!
//! A thin adapter so that the commands do not depend on the exact names
//! of the library's functions.

use brinery::{Error, Graph, NodeId};

use crate::error::CliError;

fn root(graph: &Graph<'_>) -> Result<NodeId, CliError> {
    graph
        .root_id()
        .ok_or_else(|| CliError::data("the pickle has no object"))
}

fn lib_err(e: Error) -> CliError {
    CliError::pickle("", &e, 0)
}

/// Exactly CPython's `repr()` of the root object, with numpy arrays,
/// scalars and dtypes printed as numpy prints them (standard-library
/// values are the library's default).
pub fn repr(graph: &Graph<'_>) -> Result<String, CliError> {
    let opts = brinery::repr::ReprOptions::default().hook(brinery_numpy::repr_hook());
    brinery::repr::repr(graph, root(graph)?, &opts).map_err(lib_err)
}

/// The width-aware pretty view.
pub fn pretty(graph: &Graph<'_>, width: usize, color: bool) -> Result<String, CliError> {
    let opts = brinery::pretty::PrettyOptions::default()
        .width(width)
        .color(color)
        .hook(brinery_numpy::repr_hook());
    brinery::pretty::pretty(graph, root(graph)?, &opts).map_err(lib_err)
}

/// Lossless JSON, recording the protocol the pickle was written with.
pub fn to_json(graph: &Graph<'_>, protocol: u8) -> Result<String, CliError> {
    let opts = brinery::json::JsonOptions::new().protocol(protocol);
    brinery::json::to_json_with(graph, &opts).map_err(lib_err)
}

/// Plain JSON for other tools. An object met again inside itself (a cycle)
/// is written as the string `"<recursive>"` rather than failing.
pub fn to_json_plain(graph: &Graph<'_>) -> Result<String, CliError> {
    let opts =
        brinery::json::PlainJsonOptions::new().recursion_marker(Some("<recursive>".to_string()));
    brinery::json::to_json_plain_with(graph, root(graph)?, &opts).map_err(lib_err)
}

/// A graph from lossless JSON and the protocol it records, if any.
pub fn from_json(text: &str) -> Result<(Graph<'static>, Option<u8>), CliError> {
    let (graph, meta) = brinery::json::from_json_meta(text).map_err(lib_err)?;
    Ok((graph, meta.protocol))
}
