//! BUILD on a numpy dtype or array whose class is not trusted with
//! `allow=`: the state must be one numpy itself writes (the rules are the
//! Python code in `dtype_check.py`, run once as a module of its own).

use std::ffi::CString;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

const SOURCE: &str = include_str!("dtype_check.py");
static CHECK: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// What `inst` is ("dtype" or "array") and why `state` may not be given to
/// `inst.__setstate__`; None when it may,
/// or when `inst` is not a numpy dtype or array (numpy not imported: it
/// cannot be), or its class is trusted (`trust_dtype`, `trust_array`).
pub fn refused_numpy_state(
    py: Python<'_>,
    inst: &Bound<'_, PyAny>,
    state: &Bound<'_, PyAny>,
    trust_dtype: bool,
    trust_array: bool,
) -> PyResult<Option<(&'static str, String)>> {
    let modules = py.import("sys")?.getattr(intern!(py, "modules"))?;
    let Ok(modules) = modules.cast_into::<PyDict>() else {
        return Ok(None);
    };
    let Some(numpy) = modules.get_item("numpy")? else {
        return Ok(None);
    };
    let (check, what) = if !trust_dtype && is_instance_of_attr(&numpy, inst, intern!(py, "dtype"))?
    {
        ("check", "dtype")
    } else if !trust_array && is_instance_of_attr(&numpy, inst, intern!(py, "ndarray"))? {
        ("check_array", "array")
    } else {
        return Ok(None);
    };
    let module = CHECK.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let code = CString::new(SOURCE).expect("the checker has no NUL byte");
        let m = PyModule::from_code(
            py,
            &code,
            c"brinery/dtype_check.py",
            c"brinery._dtype_check",
        )?;
        Ok(m.into_any().unbind())
    })?;
    let why = module.bind(py).getattr(check)?.call1((inst, state))?;
    if why.is_none() {
        Ok(None)
    } else {
        Ok(Some((what, why.str()?.to_string())))
    }
}

fn is_instance_of_attr(
    module: &Bound<'_, PyAny>,
    inst: &Bound<'_, PyAny>,
    name: &Bound<'_, pyo3::types::PyString>,
) -> PyResult<bool> {
    match module.getattr_opt(name)? {
        Some(cls) => inst.is_instance(&cls),
        None => Ok(false),
    }
}
