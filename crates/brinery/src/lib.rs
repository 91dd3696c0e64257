//! brinery: Python's pickle format in Rust.
#![forbid(unsafe_code)]

mod error;
mod opcodes;
mod pickler;
mod read;
mod text;
mod unpickler;
mod value;

mod codecs;
mod compat;
mod dis;
mod dis_docs;
mod genops;
mod optimize;

pub use crate::dis::{
    dis, dis_files, dis_genops, dis_with_memo, format_preamble, DisMemo, DisOptions,
};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::genops::{
    genops, repr_bytes, repr_float, ArgValue, CodePointIter, DisError, DisErrorKind, Genops, Instr,
    PyText,
};
pub use crate::opcodes::{
    opcode_info, ArgKind, ArgLayout, Opcode, OpcodeInfo, StackKind, DEFAULT_PROTOCOL,
    HIGHEST_PROTOCOL, OPCODES,
};
pub use crate::optimize::optimize;
pub use crate::pickler::{dump, dumps, Pickler};
pub use crate::read::{IoRead, Read, Reference, SliceRead};
pub use crate::unpickler::{from_slice_graph, load, loads, Limits, Stream, Unpickler};
pub use crate::value::{
    Buf, CodePoints, Construct, Dict, Global, Graph, Items, Node, NodeId, NodeRef, Object,
    PickleBuffer, PyStr, Set, Unhashable,
};
