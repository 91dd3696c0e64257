//! brinery-torch: PyTorch checkpoints (`.pt`, `.pth`, `.bin`) read safely
//! and fast, on top of [brinery].
//!
//! Every format `torch.load` reads — the zip format (PyTorch ≥ 1.6), the
//! legacy format (`_use_new_zipfile_serialization=False`), the pre-1.0 tar
//! format, plain pickles of tensors, TorchScript archives — with every
//! dtype (float8 and unsigned types included), both byte orders, views
//! sharing storages and non-contiguous tensors. The pickles are decoded by
//! brinery, which **never imports or calls anything**: a checkpoint with a
//! malicious `__reduce__` is read as data, and the tensors it holds are
//! found by walking state dicts, nested dicts/lists (`{'model': ...,
//! 'optimizer': ...}`) and whole pickled `nn.Module`s (their
//! `_parameters`/`_buffers`/`_modules`) into dotted names.
//!
//! Files are memory-mapped; [`Checkpoint::tensor_bytes`] borrows a
//! contiguous tensor's bytes straight from the map (zero-copy) and copies
//! only strided, big-endian or compressed ones. Nothing is read until asked
//! for. Damaged files give errors that say what and where (a truncated
//! storage, a tensor reaching past its storage, an unknown storage key),
//! never zero-filled tensors; [`brinery::Limits`] bound what a hostile file
//! can make the reader allocate.
//!
//! ```
//! use brinery_torch::{Checkpoint, DType};
//!
//! let ck = Checkpoint::open("tests/fixtures/nested.pt")?;
//! let (name, w) = &ck.tensors()[0];
//! assert_eq!(name, "model.0.weight");
//! assert_eq!((w.dtype, w.shape.as_slice()), (DType::F32, &[3u64, 4][..]));
//! let bytes = ck.tensor_bytes("model.0.weight")?; // borrowed from the map
//! assert_eq!(bytes.len(), 3 * 4 * 4);
//! let first = f32::from_le_bytes(bytes[..4].try_into().unwrap());
//! assert!(first.is_finite());
//! // Non-tensor values, with their dotted paths:
//! let epoch = ck.scalars().iter().find(|(n, _)| n == "epoch").unwrap();
//! assert_eq!(epoch.1.to_json(), "3");
//! # Ok::<(), brinery::Error>(())
//! ```
//!
//! [`export_safetensors`] writes a `.safetensors` file (feature
//! `safetensors`, on by default); [`zip`] re-exports `brinery-zip`, the
//! tolerant zip reader the formats are built on (shared with `.npz` and the
//! scanner).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod checkpoint;
mod dtype;
#[cfg(feature = "safetensors")]
mod export;
mod walk;

/// The tolerant zip reader (the `brinery-zip` crate), re-exported.
pub use brinery_zip as zip;

pub use crate::checkpoint::{
    detect, detect_file, ByteOrder, Checkpoint, Format, Loader, Scalar, TensorInfo,
};
pub use crate::dtype::DType;
#[cfg(feature = "safetensors")]
pub use crate::export::{export_safetensors, safetensors_dtype, ExportOptions, ExportSummary};
