//! brinery: Python's pickle format in Rust.
#![forbid(unsafe_code)]

mod error;
mod opcodes;
mod pickler;
mod read;
mod text;
mod unpickler;
mod value;

// Temporary stand-ins until the generated tables and codecs land.
mod compat {
    pub(crate) fn py2_to_py3(_m: &str, _n: &str) -> Option<(&'static str, &'static str)> {
        None
    }
    pub(crate) fn py3_to_py2(_m: &str, _n: &str) -> Option<(&'static str, &'static str)> {
        None
    }
}
mod codecs {
    pub(crate) fn decode(data: &[u8], _e: &str, _h: &str) -> Result<Vec<u8>, String> {
        if data.is_ascii() {
            Ok(data.to_vec())
        } else {
            Err("'ascii' codec can't decode".into())
        }
    }
}

pub use crate::error::{Error, ErrorKind, Result};
pub use crate::opcodes::{
    opcode_info, ArgKind, ArgLayout, Opcode, OpcodeInfo, StackKind, DEFAULT_PROTOCOL,
    HIGHEST_PROTOCOL, OPCODES,
};
pub use crate::pickler::{dump, dumps, Pickler};
pub use crate::read::{IoRead, Read, Reference, SliceRead};
pub use crate::unpickler::{from_slice_graph, load, loads, Limits, Stream, Unpickler};
pub use crate::value::{
    Buf, CodePoints, Construct, Dict, Global, Graph, Items, Node, NodeId, NodeRef, Object,
    PickleBuffer, PyStr, Set, Unhashable,
};
