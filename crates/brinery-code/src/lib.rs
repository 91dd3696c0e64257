//! Python functions and code objects inside pickles, read without running
//! anything.
//!
//! dill, cloudpickle and `types.CodeType` reductions pickle a function *by
//! value*: its code object (bytecode, constants, names, line table), its
//! defaults, closure cells and the globals it refers to. [`Function`] and
//! [`Code`] read them from a decoded [`brinery::Graph`]; [`Code::dis`]
//! prints the disassembly exactly as `dis.dis()` prints it on the CPython
//! version that wrote the pickle (2.7 and 3.6 to 3.13; the version is
//! recognised from the code object, or given), with the opcode tables of
//! each version generated from CPython itself (`gen_tables.py`,
//! `src/tables.rs`). Python 2 pickles are read with `encoding="bytes"`
//! (their `str` is bytes): see the README for the two things a decoded
//! Python 2 pickle cannot tell apart.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let data = std::fs::read(concat!(
//!     env!("CARGO_MANIFEST_DIR"),
//!     "/tests/fixtures/py311/dill-defaults.pkl"
//! ))?;
//! let graph = brinery::loads(&data)?;
//! let f = brinery_code::Function::from_node(graph.root()).expect("a function");
//! assert_eq!(f.name(), "defaults");
//! assert_eq!(f.signature(), "(x, y=2, *args, z=3, **kw)");
//! let text = f.code().dis(None)?;
//! assert!(text.contains("RETURN_VALUE"));
//! # Ok(()) }
//! ```
//!
//! Addresses of nested code objects (`<code object add at 0x7f…>`) are not
//! in a pickle: they print as `0x?`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod code;
mod dis;
mod function;
mod lines;
#[rustfmt::skip]
mod tables;

pub use crate::code::{Code, CodeError};
pub use crate::dis::{OpTable, PyVersion};
pub use crate::function::Function;
