//! Pickled functions and code objects (dill, cloudpickle,
//! `types.CodeType`): `show --code` and their tree summaries, from
//! brinery-code.

use brinery::tree::Summary;
use brinery::{Graph, NodeId, NodeRef};
use brinery_code::{Code, Function, PyVersion};

use crate::error::CliError;

/// `show --code`: exactly what `dis.dis()` prints for the function (or
/// code object) at `id`, on the CPython version that wrote it (or on
/// `python`, `--python X.Y`).
pub fn show_code(g: &Graph<'_>, id: NodeId, python: Option<&str>) -> Result<String, CliError> {
    let version = match python {
        None => None,
        Some(s) => Some(PyVersion::parse(s).ok_or_else(|| {
            CliError::new(
                crate::error::EXIT_USAGE,
                format!("--python {s}: brinery disassembles CPython 2.7 and 3.6-3.13"),
            )
        })?),
    };
    let n = g.view(id);
    let code = match Function::from_node(n) {
        Some(f) => f.code().clone(),
        None => Code::from_node(n).ok_or_else(|| {
            CliError::data(
                "--code: the object is not a function or code object pickled by value \
                 (dill, cloudpickle, types.CodeType); --path can point at one",
            )
        })?,
    };
    code.dis(version)
        .map_err(|e| CliError::data(format!("--code: {e}")))
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// The tree view of a function: `function defaults(x, y=2, *args, z=3,
/// **kw)` with its file, bytecode version, globals and closure.
pub fn function_tree(n: NodeRef<'_, '_>) -> Option<Summary> {
    if let Some(f) = Function::from_node(n) {
        let code = f.code();
        let mut body = Vec::new();
        if let Some(doc) = f.doc() {
            if let Some(first) = doc.lines().next() {
                body.push(format!("doc: {}", clip(first, 60)));
            }
        }
        body.push(format!("defined in {}:{}", code.filename, code.firstlineno));
        match code.detect_version() {
            Some(v) => body.push(format!(
                "bytecode: CPython {v}, {} bytes (show --code disassembles it)",
                code.bytecode.len()
            )),
            None => body.push(format!(
                "bytecode: {} bytes of an unrecognised CPython version",
                code.bytecode.len()
            )),
        }
        let globals = f.globals_referenced();
        if !globals.is_empty() {
            body.push(format!("globals: {}", clip(&globals.join(", "), 70)));
        }
        for (name, val) in f.closure() {
            let v = val
                .and_then(|v| {
                    let id = v.id()?;
                    brinery::repr(v.graph(), id, &brinery::ReprOptions::default()).ok()
                })
                .unwrap_or_else(|| "<empty cell>".into());
            body.push(format!("closure {name} = {}", clip(&v, 60)));
        }
        return Some(Summary {
            label: format!("function {}{}", f.qualname(), f.signature()),
            preview: Some(format!(
                "{}, module {}",
                f.library(),
                f.module().unwrap_or("?")
            )),
            body,
            children: Some(Vec::new()),
            inline: false,
        });
    }
    let c = Code::from_node(n)?;
    Some(Summary {
        label: format!("code object {}", c.qualname()),
        preview: Some(format!("{}:{}", c.filename, c.firstlineno)),
        children: Some(Vec::new()),
        ..Summary::default()
    })
}
