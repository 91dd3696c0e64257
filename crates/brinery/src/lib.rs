//! brinery: Python's pickle format in Rust.
#![forbid(unsafe_code)]

mod error;
mod opcodes;
mod read;

pub use crate::error::{Error, ErrorKind, Result};
pub use crate::opcodes::{
    opcode_info, ArgKind, ArgLayout, Opcode, OpcodeInfo, StackKind, DEFAULT_PROTOCOL,
    HIGHEST_PROTOCOL, OPCODES,
};
pub use crate::read::{IoRead, Read, Reference, SliceRead};
