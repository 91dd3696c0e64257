//! `brine graph`: a picture of the object graph (SVG, DOT or HTML), drawn
//! by brinery-viz.

use std::io::Write;
use std::path::Path;

use brinery_viz::{Picture, VizOptions};

use crate::cli::GraphArgs;
use crate::error::{CliError, EXIT_USAGE};
use crate::files::{Output, Progress};
use crate::{input, render};

/// What to write, from `--format` or the output's extension.
fn format_of(a: &GraphArgs) -> Result<&'static str, CliError> {
    if let Some(f) = &a.format {
        return match f.as_str() {
            "svg" => Ok("svg"),
            "dot" | "gv" => Ok("dot"),
            "html" | "htm" => Ok("html"),
            other => Err(CliError::new(
                EXIT_USAGE,
                format!("unknown --format {other:?}: use svg, dot or html"),
            )),
        };
    }
    match a.output.extension().and_then(|e| e.to_str()) {
        Some("svg") => Ok("svg"),
        Some("dot") | Some("gv") => Ok("dot"),
        Some("html") | Some("htm") => Ok("html"),
        _ if a.output == Path::new("-") => Ok("svg"),
        _ => Err(CliError::new(
            EXIT_USAGE,
            format!(
                "{}: give an output ending in .svg, .dot or .html, or --format",
                a.output.display()
            ),
        )),
    }
}

pub fn run(a: GraphArgs, progress: Progress) -> Result<(), CliError> {
    let format = format_of(&a)?;
    let loaded = input::load(&a.file, &a.read, progress)?;
    let mut text = None;
    loaded.for_each(&a.read, false, |doc| {
        let graph = &doc.graph;
        let id = match &a.path {
            Some(p) => {
                render::at_path(graph, p)
                    .map_err(|e| e.context(&loaded.name))?
                    .0
            }
            None => render::root(graph)?,
        };
        let opts = VizOptions {
            max_nodes: a.max_nodes,
            ..VizOptions::default()
        };
        let pic = Picture::build(graph, id, &opts);
        let t = match format {
            "dot" => pic.to_dot(),
            "html" => pic
                .to_html(&loaded.name)
                .map_err(|e| CliError::data(format!("{}: {e}", loaded.name)))?,
            _ => pic
                .to_svg()
                .map_err(|e| CliError::data(format!("{}: {e}", loaded.name)))?,
        };
        if pic.hidden() > 0 {
            eprintln!(
                "note: {}: {} objects not drawn (--max-nodes {}); raise --max-nodes to see more",
                loaded.name,
                pic.hidden(),
                a.max_nodes
            );
        }
        text = Some(t);
        Ok(())
    })?;
    let text = text.unwrap_or_default();
    let mut out = Output::create(&a.output, false, None, None)?;
    out.write_all(text.as_bytes())
        .map_err(|e| CliError::io(out.name(), &e))?;
    out.commit()
}
