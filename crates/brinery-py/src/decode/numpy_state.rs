//! BUILD on a numpy dtype when `numpy.dtype` is not trusted with `allow=`:
//! the state must be one numpy itself writes (the rule is the Python code
//! in `dtype_check.py`, run once as a module of its own).

use std::ffi::CString;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

const SOURCE: &str = include_str!("dtype_check.py");
static CHECK: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Why `state` may not be given to `inst.__setstate__`; None when it may,
/// or when `inst` is not a numpy dtype (numpy not imported: it cannot be).
pub fn refused_dtype_state(
    py: Python<'_>,
    inst: &Bound<'_, PyAny>,
    state: &Bound<'_, PyAny>,
) -> PyResult<Option<String>> {
    let modules = py.import("sys")?.getattr(intern!(py, "modules"))?;
    let Ok(modules) = modules.cast_into::<PyDict>() else {
        return Ok(None);
    };
    let Some(numpy) = modules.get_item("numpy")? else {
        return Ok(None);
    };
    let Some(dtype) = numpy.getattr_opt(intern!(py, "dtype"))? else {
        return Ok(None);
    };
    if !inst.is_instance(&dtype)? {
        return Ok(None);
    }
    let check = CHECK.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let code = CString::new(SOURCE).expect("the checker has no NUL byte");
        let m = PyModule::from_code(
            py,
            &code,
            c"brinery/dtype_check.py",
            c"brinery._dtype_check",
        )?;
        Ok(m.getattr("check")?.unbind())
    })?;
    let why = check.bind(py).call1((inst, state))?;
    if why.is_none() {
        Ok(None)
    } else {
        Ok(Some(why.str()?.to_string()))
    }
}
