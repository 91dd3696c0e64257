//! `brinery.scan` (brinery-scan's scanner) and `brinery.parse` (a read-only
//! handle on the core's value graph). Both release the GIL while bytes are
//! decoded.

use std::path::PathBuf;

use brinery::{Event, Graph as CoreGraph, Node, Trace};
use brinery_scan::Scanner;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::decode::Memo;
use crate::errors;

fn core_err(py: Python<'_>, e: brinery::Error) -> PyErr {
    errors::unpickling(py, e.to_string())
}

fn bytes_of(data: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    let b = data
        .py()
        .get_type::<PyBytes>()
        .call1((data,))?
        .cast_into::<PyBytes>()
        .map_err(PyErr::from)?;
    Ok(b.as_bytes().to_vec())
}

/// `scan(path_or_bytes)`: the scanner's report as JSON text (wrapped into a
/// `brinery.ScanReport` by the Python package).
#[pyfunction]
pub fn scan(py: Python<'_>, target: &Bound<'_, PyAny>) -> PyResult<String> {
    let report = if target.is_instance_of::<PyString>()
        || target.hasattr(pyo3::intern!(py, "__fspath__"))?
    {
        let path: PathBuf = target.extract()?;
        py.detach(|| Scanner::new().scan_path(&path))
    } else {
        let data = bytes_of(target)?;
        py.detach(|| Scanner::new().scan_bytes(&data))
    };
    serde_json::to_string(&report.to_json()).map_err(|e| errors::value_error(e.to_string()))
}

/// A decoded pickle: the core's value graph (nothing was imported or
/// called). Immutable, usable from any thread.
#[pyclass(frozen, module = "brinery")]
pub struct Graph {
    data: Vec<u8>,
    graph: CoreGraph<'static>,
    globals: Vec<(String, u64, &'static str)>,
}

/// `parse(data)`: decode without importing anything (GIL released).
#[pyfunction]
pub fn parse(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Graph> {
    let data = bytes_of(data)?;
    let parsed = py.detach(|| {
        let mut globals = Vec::new();
        let graph = {
            let mut un = brinery::Unpickler::new().keep_persistent_ids().observe(
                |g: &CoreGraph<'_>, t: &Trace| {
                    if let Event::Import { node } = t.event {
                        if let Node::Global(gl) = g.node(node) {
                            globals.push((
                                format!("{}.{}", gl.module, gl.name),
                                t.offset,
                                t.opcode.name(),
                            ));
                        }
                    }
                },
            );
            un.load_slice(&data).map(|g| g.into_owned())
        };
        graph.map(|g| (g, globals))
    });
    let (graph, globals) = parsed.map_err(|e| core_err(py, e))?;
    Ok(Graph {
        data,
        graph,
        globals,
    })
}

#[pymethods]
impl Graph {
    /// The root object built in the default safe mode (`to_python()`).
    #[getter]
    fn root<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.to_python(py, None)
    }

    /// The globals the pickle names, in order: `(name, offset, opcode)`.
    fn globals(&self) -> Vec<(String, u64, &'static str)> {
        self.globals.clone()
    }

    /// Build the Python object (`brinery.loads` with the same `allow=`).
    #[pyo3(signature = (*, allow=None))]
    fn to_python<'py>(
        &self,
        py: Python<'py>,
        allow: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = Memo::default;
        let bytes = PyBytes::new(py, &self.data);
        crate::unpickler::loads(
            py,
            bytes.as_any(),
            allow,
            "ASCII",
            "strict",
            true,
            None,
            None,
            None,
        )
    }

    /// Pickle the graph again with `protocol` (the core's writer).
    #[pyo3(signature = (protocol=None))]
    fn dumps<'py>(&self, py: Python<'py>, protocol: Option<u8>) -> PyResult<Bound<'py, PyBytes>> {
        let proto = protocol.unwrap_or(brinery::DEFAULT_PROTOCOL);
        if proto > brinery::HIGHEST_PROTOCOL {
            return Err(errors::value_error(format!(
                "pickle protocol must be <= {}",
                brinery::HIGHEST_PROTOCOL
            )));
        }
        let out = py
            .detach(|| brinery::dumps(&self.graph, proto))
            .map_err(|e| errors::pickling(py, e.to_string()))?;
        Ok(PyBytes::new(py, &out))
    }

    /// Python's `repr()` of the object the pickle describes.
    fn repr(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| brinery::repr_root(&self.graph))
            .map_err(|e| errors::value_error(e.to_string()))
    }

    /// The JSON view of the graph (brinery's `to_json`).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| brinery::to_json(&self.graph))
            .map_err(|e| errors::value_error(e.to_string()))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let r = self.repr(py).unwrap_or_else(|_| "...".into());
        let r = if r.chars().count() > 80 {
            let cut: String = r.chars().take(77).collect();
            format!("{cut}...")
        } else {
            r
        };
        format!("<brinery.Graph {} bytes: {}>", self.data.len(), r)
    }
}
