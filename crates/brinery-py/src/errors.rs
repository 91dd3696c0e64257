//! Exception types and helpers: decoding errors are `pickle.UnpicklingError`
//! (exactly the class `_pickle` raises), refused globals are
//! `brinery.UnsafeError` (a subclass), pickling errors `pickle.PicklingError`.

use pyo3::exceptions::{PyEOFError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

static UNPICKLING_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static PICKLING_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UNSAFE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `pickle.UnpicklingError(msg)`.
pub fn unpickling(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    match UNPICKLING_ERROR.import(py, "pickle", "UnpicklingError") {
        Ok(t) => PyErr::from_type(t.clone(), msg.into()),
        Err(e) => e,
    }
}

/// `pickle.PicklingError(msg)`.
pub fn pickling(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    match PICKLING_ERROR.import(py, "pickle", "PicklingError") {
        Ok(t) => PyErr::from_type(t.clone(), msg.into()),
        Err(e) => e,
    }
}

/// `brinery.UnsafeError(msg, name, offset, opcode)`.
pub fn unsafe_global(py: Python<'_>, name: &str, offset: Option<u64>, opcode: &str) -> PyErr {
    let msg = match offset {
        Some(off) => format!(
            "global '{name}' is not allowed ({opcode} at byte offset {off}); \
             nothing was imported. Pass allow=['{name}'] to trust it"
        ),
        None => format!(
            "global '{name}' is not allowed; nothing was imported. \
             Pass allow=['{name}'] to trust it"
        ),
    };
    let ty = match UNSAFE_ERROR.import(py, "brinery._errors", "UnsafeError") {
        Ok(t) => t,
        Err(e) => return e,
    };
    let opcode = if opcode.is_empty() {
        None
    } else {
        Some(opcode)
    };
    match ty.call1((msg, name, offset, opcode)) {
        Ok(inst) => PyErr::from_value(inst),
        Err(e) => e,
    }
}

pub fn value_error(msg: impl Into<String>) -> PyErr {
    PyValueError::new_err(msg.into())
}

pub fn type_error(msg: impl Into<String>) -> PyErr {
    PyTypeError::new_err(msg.into())
}

pub fn eof(msg: &str) -> PyErr {
    PyEOFError::new_err(msg.to_string())
}

pub fn runtime(msg: impl Into<String>) -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err(msg.into())
}

/// Record where a decoding error happened: `offset` and `opcode`
/// attributes, and a note (Python 3.11+) "at byte offset N (OPCODE)".
pub fn with_position(py: Python<'_>, err: PyErr, offset: u64, opcode: &str) -> PyErr {
    let value = err.value(py);
    let _ = value.setattr("offset", offset);
    let _ = value.setattr("opcode", opcode);
    if let Ok(add_note) = value.getattr("add_note") {
        let _ = add_note.call1((format!("at byte offset {offset} ({opcode})"),));
    }
    err
}
