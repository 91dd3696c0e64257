//! Python bindings for brinery (the `brinery._brinery` extension module).
//!
//! - `loads`/`load`/`Unpickler`: a decoder that builds Python objects while
//!   walking the opcodes (the core's [`brinery::Opcode`] table), safe by
//!   default: a global outside the documented safe set and `allow=` raises
//!   `brinery.UnsafeError` before anything is imported.
//! - `dumps`/`dump`/`Pickler`: `_pickle`'s pickler, byte for byte.
//! - `scan` (brinery-scan) and `parse` (the core's value graph).
//!
//! Unsafe code: only in `ffi.rs` (a few CPython calls on the pickler's hot
//! path); everything else uses PyO3's safe API.
#![deny(unsafe_code)]

mod decode;
mod errors;
mod ffi;
mod graph;
mod input;
mod memo;
mod pickler;
mod unpickler;

use pyo3::prelude::*;

#[pymodule]
fn _brinery(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(unpickler::loads, m)?)?;
    m.add_function(wrap_pyfunction!(unpickler::load, m)?)?;
    m.add_class::<unpickler::Unpickler>()?;
    m.add_class::<memo::UnpicklerMemoProxy>()?;
    m.add_function(wrap_pyfunction!(pickler::dumps, m)?)?;
    m.add_function(wrap_pyfunction!(pickler::dump, m)?)?;
    m.add_class::<pickler::Pickler>()?;
    m.add_class::<memo::PicklerMemoProxy>()?;
    m.add_function(wrap_pyfunction!(graph::scan, m)?)?;
    m.add_function(wrap_pyfunction!(graph::parse, m)?)?;
    m.add_class::<graph::Graph>()?;
    m.add("HIGHEST_PROTOCOL", brinery::HIGHEST_PROTOCOL)?;
    m.add("DEFAULT_PROTOCOL", brinery::DEFAULT_PROTOCOL)?;
    Ok(())
}
