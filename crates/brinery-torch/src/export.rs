//! Writing checkpoints as safetensors files.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use brinery::{Error, ErrorKind, Result};
use safetensors::tensor::{Dtype, View};

use crate::checkpoint::{json_string, Checkpoint};
use crate::dtype::DType;

/// What [`export_safetensors`] writes.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    only: Option<String>,
}

impl ExportOptions {
    /// Everything: every tensor, and the non-tensor values as metadata.
    pub fn new() -> Self {
        ExportOptions::default()
    }

    /// Only the tensor called `name`.
    pub fn only(mut self, name: impl Into<String>) -> Self {
        self.only = Some(name.into());
        self
    }
}

/// What an export wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportSummary {
    /// Tensors written (safetensors name, dtype as torch names it).
    pub tensors: Vec<(String, DType)>,
    /// Bytes of tensor data written.
    pub bytes: u64,
    /// The `__metadata__` entries.
    pub metadata: BTreeMap<String, String>,
}

/// The safetensors dtype a torch dtype is written as, and whether a
/// trailing dimension of 2 is added (complex numbers safetensors lacks,
/// complex32 and complex128, as real pairs; complex64 is `C64`).
/// Types safetensors lacks are written as their raw bytes (`U8`) and named
/// in the metadata.
pub fn safetensors_dtype(d: DType) -> (Dtype, bool) {
    match d {
        DType::Bool => (Dtype::BOOL, false),
        DType::U8 => (Dtype::U8, false),
        DType::I8 => (Dtype::I8, false),
        DType::I16 => (Dtype::I16, false),
        DType::U16 => (Dtype::U16, false),
        DType::I32 => (Dtype::I32, false),
        DType::U32 => (Dtype::U32, false),
        DType::I64 => (Dtype::I64, false),
        DType::U64 => (Dtype::U64, false),
        DType::F16 => (Dtype::F16, false),
        DType::BF16 => (Dtype::BF16, false),
        DType::F32 => (Dtype::F32, false),
        DType::F64 => (Dtype::F64, false),
        DType::C32 => (Dtype::F16, true),
        DType::C64 => (Dtype::C64, false),
        DType::C128 => (Dtype::F64, true),
        DType::F8E4M3FN => (Dtype::F8_E4M3, false),
        DType::F8E5M2 => (Dtype::F8_E5M2, false),
        DType::F8E8M0FNU => (Dtype::F8_E8M0, false),
        DType::F8E4M3FNUZ | DType::F8E5M2FNUZ => (Dtype::U8, false),
    }
}

struct Out<'c> {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Cow<'c, [u8]>,
}

impl View for &Out<'_> {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// Write the checkpoint's tensors to `path` as a safetensors file.
///
/// Tensors are named by their dotted path (a lone tensor without a name is
/// called `tensor`). `__metadata__` holds `"format": "pt"`, every non-tensor
/// value under its dotted path as JSON (`"epoch": "3"`), and, when needed,
/// `"brinery.complex"` (complex tensors safetensors has no type for,
/// written as real pairs: a trailing dimension of 2 of their part type,
/// e.g. complex128 as F64; complex64 is written as `C64`) and
/// `"brinery.dtypes"` (types safetensors lacks, written as U8 bytes), both
/// JSON objects from tensor name to torch dtype. Contiguous tensors are
/// written straight from the (memory-mapped) file.
pub fn export_safetensors(
    ck: &Checkpoint<'_>,
    path: &Path,
    options: &ExportOptions,
) -> Result<ExportSummary> {
    let mut outs: Vec<(String, Out<'_>)> = Vec::new();
    let mut summary = ExportSummary::default();
    let mut complex = Vec::new();
    let mut raw = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (i, (name, info)) in ck.tensors().iter().enumerate() {
        if options.only.as_ref().is_some_and(|o| o != name) {
            continue;
        }
        let out_name = if name.is_empty() {
            "tensor".to_string()
        } else {
            name.clone()
        };
        if !names.insert(out_name.clone()) {
            return Err(Error::new(
                ErrorKind::InvalidValue,
                format!("two tensors are both named '{out_name}' (keys that differ only in type)"),
            ));
        }
        let data = ck.tensor_bytes_at(i)?;
        let (dtype, pairs) = safetensors_dtype(info.dtype);
        let mut shape = info
            .shape
            .iter()
            .map(|&d| usize::try_from(d))
            .collect::<std::result::Result<Vec<usize>, _>>()
            .map_err(|_| Error::new(ErrorKind::InvalidValue, "tensor too large"))?;
        if pairs {
            shape.push(2);
            complex.push((out_name.clone(), info.dtype));
        } else if dtype == Dtype::U8 && info.dtype != DType::U8 {
            raw.push((out_name.clone(), info.dtype));
        }
        summary.bytes += data.len() as u64;
        summary.tensors.push((out_name.clone(), info.dtype));
        outs.push((out_name, Out { dtype, shape, data }));
    }
    if let Some(o) = &options.only {
        if outs.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidValue,
                format!("no tensor named '{o}'"),
            ));
        }
    }
    let mut meta = BTreeMap::new();
    meta.insert("format".to_string(), "pt".to_string());
    if options.only.is_none() {
        for (name, value) in ck.scalars() {
            meta.insert(name.clone(), value.to_json());
        }
    }
    let obj = |v: &[(String, DType)]| {
        let items: Vec<String> = v
            .iter()
            .map(|(n, d)| format!("{}: {}", json_string(n), json_string(d.name())))
            .collect();
        format!("{{{}}}", items.join(", "))
    };
    if !complex.is_empty() {
        meta.insert("brinery.complex".into(), obj(&complex));
    }
    if !raw.is_empty() {
        meta.insert("brinery.dtypes".into(), obj(&raw));
    }
    summary.metadata = meta.clone();
    let info: HashMap<String, String> = meta.into_iter().collect();
    safetensors::tensor::serialize_to_file(
        outs.iter().map(|(n, o)| (n.as_str(), o)),
        Some(info),
        path,
    )
    .map_err(|e| Error::new(ErrorKind::Io, format!("writing {}: {e}", path.display())))?;
    Ok(summary)
}
