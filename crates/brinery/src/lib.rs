//! brinery: Python's pickle format in Rust — complete, safe and fast.
//!
//! brinery reads every pickle CPython can read (protocols 0–5, all 68
//! opcodes, Python 2 pickles), writes pickles byte-identical to CPython
//! 3.11's C pickler, keeps shared references and cycles, and **never
//! imports, calls or evaluates anything named in the data**: a pickled
//! `os.system("...")` decodes to a [`Node::Object`] recording the call.
//!
//! # The object graph
//!
//! ```
//! let data = include_bytes!("../../../examples/dogs.pkl");
//! let graph = brinery::loads(data)?; // zero-copy from the slice
//! let dogs = graph.root();
//! assert_eq!(dogs.get("Luna").and_then(|v| v.as_i64()), Some(5));
//! assert_eq!(dogs.len(), Some(7));
//! // Byte-identical to what CPython wrote at the same protocol:
//! assert_eq!(brinery::dumps(&graph, 4)?, &data[..]);
//! # Ok::<(), brinery::Error>(())
//! ```
//!
//! Building values and pickling them for Python:
//!
//! ```
//! let mut g = brinery::Graph::new();
//! let (k, v) = (g.str("answer"), g.int(42));
//! let d = g.dict(vec![(k, v)])?;
//! g.set_root(d);
//! assert_eq!(brinery::dumps(&g, 2)?, b"\x80\x02}q\x00X\x06\x00\x00\x00answerq\x01K*s.");
//! # Ok::<(), brinery::Error>(())
//! ```
//!
//! [`Unpickler`] carries the options of `pickle.loads` (encoding, errors,
//! fix_imports, buffers, persistent_load, the extension registry, [`Limits`]);
//! [`Pickler`] those of `pickle.dumps`.
//!
//! # serde
//!
//! [`to_vec`]/[`from_slice`] work for any `Serialize`/`Deserialize` type, and
//! [`Value`] is an owned, Python-typed value tree; see the [`serde`] module
//! for the Rust ⇄ Python mapping table.
//!
//! ```
//! #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
//! struct Dog { name: String, age: u32 }
//! let bytes = brinery::to_vec(&Dog { name: "Luna".into(), age: 5 })?;
//! let back: Dog = brinery::from_slice(&bytes)?;
//! assert_eq!(back, Dog { name: "Luna".into(), age: 5 });
//! # Ok::<(), brinery::Error>(())
//! ```
//!
//! # Views and tools
//!
//! [`repr`](mod@repr) (CPython's `repr`), [`pretty`](mod@pretty) (pprint-like), [`json`] (lossless
//! and plain JSON), [`dis`]/[`optimize`] and the rest of [`pickletools`]
//! (identical to Python's `pickletools`) are built on the same [`OPCODES`]
//! table as the decoder and encoder. None of them recurses on input nesting.
#![forbid(unsafe_code)]

mod error;
mod opcodes;
mod pickler;
mod read;
mod text;
mod unpickler;
mod value;
mod writer;

mod builtins;
mod codecs;
mod compat;
mod dis;
mod dis_docs;
mod genops;
#[cfg(feature = "json")]
pub mod json;
mod optimize;
pub mod pretty;
mod printer;
pub mod repr;
#[cfg(feature = "serde")]
pub mod serde;
pub mod stdlib;
pub mod tree;

/// `pickletools` in Rust: the streaming instruction reader (`genops`), the
/// disassembler
/// with its options (`dis_genops`, `dis_files`, a shared `DisMemo`,
/// `format_preamble`), the optimizer, and the `RawBlockHook` through which a format crate declares bytes that follow
/// a BUILD (joblib's arrays). [`crate::dis`], [`crate::optimize`],
/// [`crate::DisOptions`] and [`crate::DisError`] are also at the crate
/// root.
///
/// ```
/// use brinery::pickletools::{genops, ArgValue};
/// let ops: Vec<_> = genops(&b"\x80\x02K\x05."[..]).collect::<Result<_, _>>()?;
/// assert_eq!(ops[1].arg, ArgValue::Int(5));
/// # Ok::<(), brinery::DisError>(())
/// ```
pub mod pickletools {
    pub use crate::dis::{
        dis, dis_files, dis_genops, dis_genops_raw, dis_with_memo, format_preamble, DisMemo,
        DisOptions,
    };
    pub use crate::genops::{
        genops, ArgValue, CodePointIter, DisError, DisErrorKind, Genops, Instr, PyText, RawBlock,
        RawBlockHook,
    };
    pub use crate::opcodes::{opcode_info, ArgKind, ArgLayout, OpcodeInfo, StackKind};
    pub use crate::optimize::{optimize, optimize_raw};
    /// The C-string reading of the text opcodes' arguments, for other
    /// readers that must agree with `_pickle` (the Python package).
    pub use crate::text::{c_str, strtol0};
    pub use crate::unpickler::OpcodeWalk;
}

pub use crate::dis::{dis, DisOptions};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::genops::{DisError, DisErrorKind};
#[cfg(feature = "json")]
pub use crate::json::{from_json, to_json, to_json_plain};
pub use crate::opcodes::{Opcode, DEFAULT_PROTOCOL, HIGHEST_PROTOCOL, OPCODES};
pub use crate::optimize::optimize;
pub use crate::pickler::{dump, dumps, Pickler};
pub use crate::pretty::{pretty, pretty_root, PrettyOptions};
pub use crate::read::{IoRead, Read, Reference, SliceRead};
pub use crate::repr::{repr, repr_root, ReprHook, ReprOptions, ReprPiece};
#[cfg(feature = "serde")]
pub use crate::serde::{from_reader, from_slice, to_vec, to_writer, Value};
pub use crate::stdlib::{TypeRegistry, Typed};
pub use crate::unpickler::{
    from_slice_graph, load, loads, BuildCtx, Event, Limits, Stream, Trace, Unpickler,
};
pub use crate::value::{
    Buf, Call, CodePoints, Construct, Dict, Global, Graph, Items, Node, NodeId, NodePath, NodeRef,
    Object, PathError, PathSeg, PickleBuffer, PyStr, Set, Unhashable,
};
