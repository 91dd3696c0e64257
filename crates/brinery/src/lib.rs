//! brinery: Python's pickle format in Rust.
#![forbid(unsafe_code)]

mod error;
mod opcodes;
mod pickler;
mod read;
mod text;
mod unpickler;
mod value;
mod writer;

mod codecs;
mod compat;
mod dis;
mod dis_docs;
mod genops;
#[cfg(feature = "json")]
pub mod json;
mod optimize;
pub mod pretty;
pub mod repr;
#[cfg(feature = "serde")]
pub mod serde;

pub use crate::dis::{
    dis, dis_files, dis_genops, dis_with_memo, format_preamble, DisMemo, DisOptions,
};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::genops::{
    genops, repr_bytes, repr_float, ArgValue, CodePointIter, DisError, DisErrorKind, Genops, Instr,
    PyText,
};
#[cfg(feature = "json")]
pub use crate::json::{from_json, to_json, to_json_plain};
pub use crate::opcodes::{
    opcode_info, ArgKind, ArgLayout, Opcode, OpcodeInfo, StackKind, DEFAULT_PROTOCOL,
    HIGHEST_PROTOCOL, OPCODES,
};
pub use crate::optimize::optimize;
pub use crate::pickler::{dump, dumps, Pickler};
pub use crate::pretty::{pretty, pretty_root, PrettyOptions};
pub use crate::read::{IoRead, Read, Reference, SliceRead};
pub use crate::repr::{repr, repr_root, ReprOptions};
#[cfg(feature = "serde")]
pub use crate::serde::{from_reader, from_slice, to_vec, to_writer, Value};
pub use crate::unpickler::{from_slice_graph, load, loads, Limits, Stream, Unpickler};
pub use crate::value::{
    Buf, CodePoints, Construct, Dict, Global, Graph, Items, Node, NodeId, NodeRef, Object,
    PickleBuffer, PyStr, Set, Unhashable,
};
