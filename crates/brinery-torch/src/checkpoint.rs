//! Reading checkpoint containers: zip, legacy, pre-1.0 tar, plain pickles.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::ops::Deref;
use std::path::Path;

use brinery::{Error, ErrorKind, Graph, Limits, Node, NodeId, Result, Unpickler};
use brinery_mmap::Mmap;

use crate::dtype::DType;
use crate::walk::{self, Found, FoundTensor, StorageId};
use crate::zip::{self, Archive, Entry};

/// The magic number that starts a legacy (non-zip) `torch.save` file.
const MAGIC: [u8; 10] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
/// Storages from this size on are mapped in with one system call.
const PREFAULT_MIN: usize = 1 << 20;
/// `torch.serialization.PROTOCOL_VERSION`.
const LEGACY_PROTOCOL: i64 = 1001;

pub(crate) fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidValue, msg)
}

pub(crate) fn eof(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Eof, msg)
}

/// An error from a nested pickle, about `what`, positioned in the file
/// (the inner error kept as its source, with its opcode).
fn in_pickle(what: &str, start: usize, e: Error) -> Error {
    e.nested(what, start as u64)
}

/// The container format of a checkpoint.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// The zip format of `torch.save` (PyTorch ≥ 1.6).
    Zip,
    /// A TorchScript archive (`torch.jit.save`): zip with `constants.pkl`
    /// and `code/`.
    TorchScript,
    /// The legacy format (`_use_new_zipfile_serialization=False`): magic
    /// number, protocol, system info, object and storage-key pickles, then
    /// raw storages.
    Legacy,
    /// The pre-1.0 tar format (`pickle`, `tensors`, `storages`, `sys_info`).
    Tar,
    /// A plain pickle holding tensors (`pickle.dumps(tensor)`).
    Pickle,
}

impl Format {
    /// A short name (`"zip"`, `"legacy"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Format::Zip => "zip",
            Format::TorchScript => "torchscript",
            Format::Legacy => "legacy",
            Format::Tar => "tar",
            Format::Pickle => "pickle",
        }
    }
}

/// Byte order of the stored elements.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ByteOrder {
    /// Little-endian (every file torch writes on x86/ARM).
    Little,
    /// Big-endian.
    Big,
}

/// Recognize a torch checkpoint by its content (not its name): a zip
/// archive with a `data.pkl` or `constants.pkl`, the legacy magic number,
/// or a tar archive with a `pickle` member. Plain pickles are not
/// recognized (any pickle might hold tensors).
pub fn detect(data: &[u8]) -> Option<Format> {
    if data.starts_with(b"PK") {
        return match Archive::new(data) {
            Ok(archive) => zip_layout(&archive).map(|l| l.format),
            // Damaged beyond reading: still say what it is when the first
            // record is torch's, so the error is about the zip.
            Err(_) => first_local_name(data)
                .filter(|n| n.ends_with("data.pkl") || n.ends_with("constants.pkl"))
                .map(|_| Format::Zip),
        };
    }
    if data.len() >= 512 && &data[257..262] == b"ustar" {
        let members = tar_members(data).ok()?;
        return members.contains_key("pickle").then_some(Format::Tar);
    }
    // Legacy: the first pickle is the LONG1 magic number, maybe framed.
    let head = &data[..data.len().min(32)];
    let needle = [&[0x8a, 0x0a][..], &MAGIC[..]].concat();
    head.windows(needle.len())
        .any(|w| w == needle.as_slice())
        .then_some(Format::Legacy)
}

/// The name in the local header at the start of a zip archive.
fn first_local_name(data: &[u8]) -> Option<String> {
    if !data.starts_with(b"PK\x03\x04") {
        return None;
    }
    let len = usize::from(u16::from_le_bytes([*data.get(26)?, *data.get(27)?]));
    let name = data.get(30..30 + len)?;
    Some(String::from_utf8_lossy(name).into_owned())
}

/// [`detect`] on a file (memory-mapped: only the bytes looked at are read).
pub fn detect_file(path: impl AsRef<Path>) -> std::io::Result<Option<Format>> {
    let file = File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Ok(None);
    }
    let map = brinery_mmap::map(&file)?;
    Ok(detect(&map))
}

/// Metadata of one tensor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorInfo {
    /// The element type.
    pub dtype: DType,
    /// The size of each dimension (empty for a 0-d tensor).
    pub shape: Vec<u64>,
    /// The stride of each dimension, in elements.
    pub strides: Vec<u64>,
    /// Where the tensor starts in its storage, in elements.
    pub storage_offset: u64,
    /// The storage's key in the file (`data/<key>` in a zip archive).
    pub storage: String,
    /// `requires_grad` as saved.
    pub requires_grad: bool,
}

impl TensorInfo {
    /// Number of elements (`None` on overflow).
    pub fn numel(&self) -> Option<u64> {
        self.shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d))
    }

    /// Bytes of the contiguous elements (`numel × element size`).
    pub fn nbytes(&self) -> Option<u64> {
        self.numel()?.checked_mul(self.dtype.size() as u64)
    }

    /// Whether the elements are laid out contiguously in row-major order
    /// (dimensions of size 1 may have any stride).
    pub fn is_contiguous(&self) -> bool {
        let mut expected = 1u64;
        for (&d, &s) in self.shape.iter().zip(&self.strides).rev() {
            if d == 0 {
                return true;
            }
            if d != 1 && s != expected {
                return false;
            }
            expected = expected.saturating_mul(d);
        }
        true
    }
}

/// A non-tensor value kept from the container (`epoch`, a learning rate,
/// a name...).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Scalar {
    /// `None`
    None,
    /// A bool.
    Bool(bool),
    /// An int that fits in 64 bits.
    Int(i64),
    /// A larger int, in decimal.
    BigInt(String),
    /// A float.
    Float(f64),
    /// A str (lossy for lone surrogates).
    Str(String),
    /// bytes.
    Bytes(Vec<u8>),
}

impl Scalar {
    /// A JSON rendering (`3`, `0.001`, `"adam"`, `true`, `null`; bytes as
    /// a JSON string of their Python repr; non-finite floats as
    /// `NaN`/`Infinity`/`-Infinity`, as Python's json writes them).
    pub fn to_json(&self) -> String {
        match self {
            Scalar::None => "null".into(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::BigInt(s) => s.clone(),
            Scalar::Float(f) => {
                if f.is_nan() {
                    "NaN".into()
                } else if f.is_infinite() {
                    if *f > 0.0 { "Infinity" } else { "-Infinity" }.into()
                } else {
                    brinery::repr::repr_float(*f)
                }
            }
            Scalar::Str(s) => json_string(s),
            Scalar::Bytes(b) => json_string(&brinery::repr::repr_bytes(b)),
        }
    }
}

pub(crate) use brinery::repr::json_string;

/// Options for opening checkpoints.
#[derive(Clone, Debug, Default)]
pub struct Loader {
    limits: Limits,
    recover: bool,
}

brinery::setters!(Loader {
    /// Limits for the pickles in the file, and for copies this crate makes
    /// (`max_bytes` bounds inflated entries and strided copies).
    limits: Limits,
    /// Accept a zip checkpoint whose central directory is missing or
    /// corrupt, finding its records by scanning local headers (off by
    /// default: torch itself refuses such files, and a truncated download
    /// should fail loudly).
    recover: bool,
});

impl Loader {
    /// Default options ([`Limits::default`]).
    pub fn new() -> Self {
        Loader::default()
    }

    /// Memory-map a file and read its structure (storages stay on disk
    /// until a tensor's bytes are asked for).
    pub fn open(&self, path: impl AsRef<Path>) -> Result<Checkpoint<'static>> {
        let path = path.as_ref();
        let file = File::open(path)
            .map_err(|e| Error::io_at(format_args!("cannot open {}", path.display()), e))?;
        let map = brinery_mmap::map(&file)
            .map_err(|e| Error::io_at(format_args!("cannot map {}", path.display()), e))?;
        let parsed = parse(&map, self)?;
        Ok(Checkpoint {
            data: Backing::Mapped(map),
            parsed,
            limits: self.limits.clone(),
        })
    }

    /// Read a checkpoint from bytes in memory (zero-copy: tensors borrow
    /// from `data`).
    pub fn from_slice<'a>(&self, data: &'a [u8]) -> Result<Checkpoint<'a>> {
        let parsed = parse(data, self)?;
        Ok(Checkpoint {
            data: Backing::Borrowed(data),
            parsed,
            limits: self.limits.clone(),
        })
    }

    /// Read a checkpoint from owned bytes.
    pub fn from_vec(&self, data: Vec<u8>) -> Result<Checkpoint<'static>> {
        let parsed = parse(&data, self)?;
        Ok(Checkpoint {
            data: Backing::Owned(data),
            parsed,
            limits: self.limits.clone(),
        })
    }
}

enum Backing<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
    Mapped(Mmap),
}

impl Deref for Backing<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Backing::Borrowed(b) => b,
            Backing::Owned(v) => v,
            Backing::Mapped(m) => m,
        }
    }
}

/// Where a storage's bytes are.
#[derive(Clone, Debug)]
pub(crate) enum Loc {
    /// `len` bytes at `start` of the file.
    Range { start: usize, len: usize },
    /// A deflated zip entry whose raw bytes are at `start` of the file.
    Deflated { start: usize, entry: Entry },
    /// Bytes that are not in the file as such (a nested pickle's storage
    /// that was not borrowed).
    Owned(Vec<u8>),
}

/// A storage: its bytes and the byte order of its elements.
#[derive(Clone, Debug)]
pub(crate) struct Storage {
    pub(crate) loc: Loc,
    pub(crate) big_endian: bool,
}

/// Where a tensor's storage view is: storage index, byte offset and length
/// of the view within it (legacy view storages).
#[derive(Clone, Debug)]
pub(crate) struct Placement {
    pub(crate) storage: usize,
    pub(crate) view_start: u64,
    pub(crate) view_len: Option<u64>,
}

#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) format: Option<Format>,
    pub(crate) byte_order: Option<ByteOrder>,
    pub(crate) storages: Vec<Storage>,
    pub(crate) tensors: Vec<(String, TensorInfo)>,
    pub(crate) placements: Vec<Placement>,
    pub(crate) scalars: Vec<(String, Scalar)>,
    pub(crate) notes: Vec<String>,
    /// Tensor name → first index in `tensors`.
    pub(crate) index: HashMap<String, usize>,
}

impl Parsed {
    /// Nothing parsed yet of a `format` file whose numbers are little- or
    /// big-endian.
    fn with_byte_order(format: Format, little: bool) -> Parsed {
        Parsed {
            format: Some(format),
            byte_order: Some(if little {
                ByteOrder::Little
            } else {
                ByteOrder::Big
            }),
            ..Parsed::default()
        }
    }
}

/// An opened PyTorch checkpoint: its tensor table, non-tensor values and
/// lazy access to each tensor's bytes.
pub struct Checkpoint<'a> {
    data: Backing<'a>,
    parsed: Parsed,
    limits: Limits,
}

impl std::fmt::Debug for Checkpoint<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpoint")
            .field("format", &self.format())
            .field("tensors", &self.parsed.tensors.len())
            .finish()
    }
}

impl Checkpoint<'static> {
    /// Memory-map and read a checkpoint with default [`Limits`].
    pub fn open(path: impl AsRef<Path>) -> Result<Checkpoint<'static>> {
        Loader::new().open(path)
    }

    /// Read a checkpoint from owned bytes with default [`Limits`].
    pub fn from_vec(data: Vec<u8>) -> Result<Checkpoint<'static>> {
        Loader::new().from_vec(data)
    }
}

impl<'a> Checkpoint<'a> {
    /// Read a checkpoint from a slice (zero-copy) with default [`Limits`].
    pub fn from_bytes(data: &'a [u8]) -> Result<Checkpoint<'a>> {
        Loader::new().from_slice(data)
    }

    /// The container format.
    pub fn format(&self) -> Format {
        self.parsed.format.unwrap_or(Format::Pickle)
    }

    /// The byte order recorded in the file (elements returned by
    /// [`Checkpoint::tensor_bytes`] are always little-endian).
    pub fn byte_order(&self) -> ByteOrder {
        self.parsed.byte_order.unwrap_or(ByteOrder::Little)
    }

    /// Every tensor, named by its dotted path in the container
    /// (`model.fc1.weight`, `optimizer.state.0.exp_avg`), in file order. A
    /// tensor reachable by two paths (tied weights) appears under both.
    pub fn tensors(&self) -> &[(String, TensorInfo)] {
        &self.parsed.tensors
    }

    /// The metadata of the tensor called `name`.
    pub fn tensor(&self, name: &str) -> Option<&TensorInfo> {
        self.index_of(name).map(|i| &self.parsed.tensors[i].1)
    }

    /// Non-tensor values (ints, floats, strings, bools, `None`) with their
    /// dotted paths.
    pub fn scalars(&self) -> &[(String, Scalar)] {
        &self.parsed.scalars
    }

    /// Things that were skipped or tolerated (unsupported tensor kinds,
    /// zip anomalies, ...).
    pub fn notes(&self) -> &[String] {
        &self.parsed.notes
    }

    /// The whole file.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        self.parsed.index.get(name).copied()
    }

    /// The contiguous, little-endian element bytes of the tensor called
    /// `name`, in row-major order: borrowed from the file when the tensor
    /// is contiguous and stored little-endian and uncompressed, else a copy.
    pub fn tensor_bytes(&self, name: &str) -> Result<Cow<'_, [u8]>> {
        let i = self
            .index_of(name)
            .ok_or_else(|| invalid(format!("no tensor named '{name}'")))?;
        self.tensor_bytes_at(i)
    }

    /// [`Checkpoint::tensor_bytes`] of the `i`-th tensor of
    /// [`Checkpoint::tensors`].
    pub fn tensor_bytes_at(&self, i: usize) -> Result<Cow<'_, [u8]>> {
        let (name, info) = self
            .parsed
            .tensors
            .get(i)
            .ok_or_else(|| invalid(format!("no tensor number {i}")))?;
        let place = &self.parsed.placements[i];
        let storage = &self.parsed.storages[place.storage];
        let whole: Cow<'_, [u8]> = match &storage.loc {
            Loc::Range { start, len } => {
                let end = start.checked_add(*len).filter(|&e| e <= self.data.len());
                match end {
                    Some(end) => {
                        if let Backing::Mapped(map) = &self.data {
                            if *len >= PREFAULT_MIN {
                                brinery_mmap::prefault(map, *start, *len);
                            }
                        }
                        Cow::Borrowed(&self.data[*start..end])
                    }
                    None => {
                        return Err(eof(format!(
                            "storage '{}' of tensor '{name}' ({len} bytes at {start}) is \
                             truncated",
                            info.storage
                        )))
                    }
                }
            }
            Loc::Deflated { start, entry } => {
                let end = usize::try_from(entry.compressed_size)
                    .ok()
                    .and_then(|l| start.checked_add(l))
                    .filter(|&e| e <= self.data.len())
                    .ok_or_else(|| {
                        eof(format!(
                            "storage '{}' of tensor '{name}' is truncated",
                            info.storage
                        ))
                    })?;
                match zip::decode(&self.data[*start..end], entry, self.limits.max_bytes)? {
                    Cow::Borrowed(b) => Cow::Borrowed(b),
                    Cow::Owned(v) => Cow::Owned(v),
                }
            }
            Loc::Owned(v) => Cow::Borrowed(v.as_slice()),
        };
        let view = view_of(whole, place)
            .map_err(|msg| invalid(format!("tensor '{name}': storage '{}' {msg}", info.storage)))?;
        let out = gather(view, info, self.limits.max_bytes)
            .map_err(|e| e.context(format_args!("tensor '{name}'")))?;
        if storage.big_endian && info.dtype.swap_unit() > 1 {
            let mut v = out.into_owned();
            let unit = info.dtype.swap_unit();
            for chunk in v.chunks_exact_mut(unit) {
                chunk.reverse();
            }
            return Ok(Cow::Owned(v));
        }
        Ok(out)
    }
}

fn view_of<'s>(
    whole: Cow<'s, [u8]>,
    place: &Placement,
) -> std::result::Result<Cow<'s, [u8]>, String> {
    let len = whole.len() as u64;
    let start = place.view_start;
    let end = match place.view_len {
        Some(l) => start.checked_add(l),
        None => Some(len),
    };
    match end {
        Some(end) if start <= end && end <= len => {
            let (s, e) = (start as usize, end as usize);
            Ok(match whole {
                Cow::Borrowed(b) => Cow::Borrowed(&b[s..e]),
                Cow::Owned(mut v) => {
                    v.truncate(e);
                    v.drain(..s);
                    Cow::Owned(v)
                }
            })
        }
        _ => Err(format!(
            "holds {len} bytes, too few for its view at byte {start}"
        )),
    }
}

/// The contiguous elements of `info` from its storage bytes.
pub(crate) fn gather<'s>(
    storage: Cow<'s, [u8]>,
    info: &TensorInfo,
    max_bytes: u64,
) -> Result<Cow<'s, [u8]>> {
    let es = info.dtype.size() as u64;
    let numel = info
        .numel()
        .ok_or_else(|| invalid("the number of elements overflows"))?;
    if info.shape.len() != info.strides.len() {
        return Err(invalid(format!(
            "{} dimensions but {} strides",
            info.shape.len(),
            info.strides.len()
        )));
    }
    if numel == 0 {
        return Ok(Cow::Borrowed(&[]));
    }
    // The last element reached, plus one.
    let mut extent = info.storage_offset;
    for (&d, &s) in info.shape.iter().zip(&info.strides) {
        extent = (d - 1)
            .checked_mul(s)
            .and_then(|x| extent.checked_add(x))
            .ok_or_else(|| invalid("the storage extent overflows"))?;
    }
    let extent_bytes = extent
        .checked_add(1)
        .and_then(|x| x.checked_mul(es))
        .ok_or_else(|| invalid("the storage extent overflows"))?;
    let have = storage.len() as u64;
    if extent_bytes > have {
        return Err(eof(format!(
            "storage '{}' holds {have} bytes but the tensor ({} {:?}, strides {:?}, offset {}) \
             reaches byte {extent_bytes}",
            info.storage, info.dtype, info.shape, info.strides, info.storage_offset
        )));
    }
    let nbytes = numel * es; // ≤ extent_bytes when contiguous
    if info.is_contiguous() {
        let s = (info.storage_offset * es) as usize;
        let e = s + nbytes as usize;
        return Ok(match storage {
            Cow::Borrowed(b) => Cow::Borrowed(&b[s..e]),
            Cow::Owned(v) => Cow::Owned(v[s..e].to_vec()),
        });
    }
    if nbytes > max_bytes {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "a contiguous copy would take {nbytes} bytes, more than Limits::max_bytes = \
                 {max_bytes}"
            ),
        ));
    }
    let es = es as usize;
    let mut out = Vec::with_capacity(nbytes as usize);
    let ndim = info.shape.len();
    // Innermost dimension copied in a loop; an odometer over the others.
    let (inner_n, inner_s) = (
        info.shape[ndim - 1] as usize,
        info.strides[ndim - 1] as usize,
    );
    let mut idx = vec![0u64; ndim - 1];
    loop {
        let mut base = info.storage_offset as usize;
        for (k, &i) in idx.iter().enumerate() {
            base += (i * info.strides[k]) as usize;
        }
        if inner_s == 1 {
            out.extend_from_slice(&storage[base * es..(base + inner_n) * es]);
        } else {
            for j in 0..inner_n {
                let at = (base + j * inner_s) * es;
                out.extend_from_slice(&storage[at..at + es]);
            }
        }
        // Advance the odometer.
        let mut k = ndim - 1;
        loop {
            if k == 0 {
                return Ok(Cow::Owned(out));
            }
            k -= 1;
            idx[k] += 1;
            if idx[k] < info.shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
}

/// Read the structure of a checkpoint in `data`.
pub(crate) fn parse(data: &[u8], loader: &Loader) -> Result<Parsed> {
    let mut parsed = parse_at_depth(data, loader, 0)?;
    for (i, (name, _)) in parsed.tensors.iter().enumerate() {
        parsed.index.entry(name.clone()).or_insert(i);
    }
    Ok(parsed)
}

/// `depth` counts nested storage payloads (plain pickles); only one level
/// is allowed, so parsing never recurses on input nesting.
fn parse_at_depth(data: &[u8], loader: &Loader, depth: u32) -> Result<Parsed> {
    let limits = &loader.limits;
    if data.starts_with(b"PK") {
        if let Ok(archive) = Archive::new(data) {
            if let Some(layout) = zip_layout(&archive) {
                if archive.recovered() && !loader.recover {
                    return Err(eof(format!(
                        "truncated or damaged zip checkpoint: {} (Loader::recover(true) reads \
                         the records that are present)",
                        archive.notes().first().map(String::as_str).unwrap_or("")
                    )));
                }
                return parse_zip(&archive, &layout, limits);
            }
            return Err(invalid(
                "a zip archive without data.pkl or constants.pkl: not a torch checkpoint",
            ));
        }
        if detect(data) == Some(Format::Zip) {
            let e = Archive::new(data).err().map(|e| e.message().to_string());
            return Err(eof(format!(
                "truncated or damaged zip checkpoint: {}",
                e.unwrap_or_default()
            )));
        }
    }
    if data.len() >= 512 && &data[257..262] == b"ustar" {
        return parse_tar(data, limits);
    }
    if detect(data) == Some(Format::Legacy) {
        return parse_legacy(data, limits);
    }
    parse_plain(data, loader, depth)
}

pub(crate) struct ZipLayout {
    format: Format,
    prefix: String,
}

fn zip_layout(archive: &Archive<'_>) -> Option<ZipLayout> {
    let mut best: Option<ZipLayout> = None;
    for e in archive.entries() {
        for (file, format) in [
            ("data.pkl", Format::Zip),
            ("constants.pkl", Format::TorchScript),
        ] {
            if let Some(prefix) = e.name.strip_suffix(file) {
                if prefix.is_empty() || prefix.ends_with('/') {
                    // The shallowest data.pkl wins.
                    let depth = prefix.matches('/').count();
                    let better = best.as_ref().map_or(true, |b| {
                        depth < b.prefix.matches('/').count()
                            || (depth == b.prefix.matches('/').count()
                                && format == Format::Zip
                                && b.format != Format::Zip)
                    });
                    if better {
                        best = Some(ZipLayout {
                            format,
                            prefix: prefix.to_string(),
                        });
                    }
                }
            }
        }
    }
    let mut layout = best?;
    // A TorchScript archive has both; code/ tells.
    if archive
        .entries()
        .iter()
        .any(|e| e.name == format!("{}constants.pkl", layout.prefix))
        && archive
            .entries()
            .iter()
            .any(|e| e.name.starts_with(&format!("{}code/", layout.prefix)))
    {
        layout.format = Format::TorchScript;
    }
    Some(layout)
}

fn unpickler<'a>(limits: &Limits) -> Unpickler<'a, 'static> {
    Unpickler::new()
        .encoding("latin1")
        .keep_persistent_ids()
        .limits(limits.clone())
}

fn offset_in(data: &[u8], part: &[u8]) -> usize {
    part.as_ptr() as usize - data.as_ptr() as usize
}

fn parse_zip(archive: &Archive<'_>, layout: &ZipLayout, limits: &Limits) -> Result<Parsed> {
    let mut parsed = Parsed {
        format: Some(layout.format),
        ..Parsed::default()
    };
    for n in archive.notes() {
        parsed.notes.push(format!("zip: {n}"));
    }
    let p = &layout.prefix;
    let big = match archive.by_name(&format!("{p}byteorder")) {
        Some(e) => {
            let b = archive.data_limited(e, 64)?;
            match &b[..] {
                b"little" => false,
                b"big" => true,
                other => {
                    return Err(invalid(format!(
                        "unknown byteorder record {:?}",
                        String::from_utf8_lossy(other)
                    )))
                }
            }
        }
        None => false,
    };
    parsed.byte_order = Some(if big {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    });
    let mut pickles = vec![("data.pkl", "data/", "")];
    if layout.format == Format::TorchScript {
        pickles.push(("constants.pkl", "constants/", "constants"));
    }
    for (file, dir, root_name) in pickles {
        let Some(entry) = archive.by_name(&format!("{p}{file}")) else {
            continue;
        };
        let bytes = archive.data_limited(entry, limits.max_bytes)?;
        let graph = unpickler(limits)
            .load_slice(&bytes)
            .map_err(|e| in_pickle(&format!("{p}{file}"), 0, e))?;
        let found = walk::walk(&graph, root_name, limits)?;
        let mut resolver = |sid: &StorageId| -> Result<Resolved> {
            let name = format!("{p}{dir}{}", sid.key);
            let e = archive.by_name(&name).ok_or_else(|| {
                invalid(format!(
                    "storage '{}' has no record '{name}' in the archive",
                    sid.key
                ))
            })?;
            let start = usize::try_from(e.data_offset)
                .map_err(|_| invalid("zip entry offset out of range"))?;
            let loc = if e.is_stored() {
                let len = usize::try_from(e.compressed_size)
                    .map_err(|_| invalid("zip entry size out of range"))?;
                Loc::Range { start, len }
            } else {
                Loc::Deflated {
                    start,
                    entry: e.clone(),
                }
            };
            // The declared storage size must fit in the record.
            if let Some(want) = sid.nbytes() {
                if e.uncompressed_size < want {
                    return Err(eof(format!(
                        "storage '{}' declares {want} bytes but its record '{name}' holds {}",
                        sid.key, e.uncompressed_size
                    )));
                }
            }
            Ok(Resolved {
                storage: Storage {
                    loc,
                    big_endian: big,
                },
                view_start: 0,
                view_len: None,
                dtype: Some(sid.storage_dtype),
            })
        };
        install(&mut parsed, found, &mut resolver)?;
    }
    Ok(parsed)
}

/// A storage found for a [`StorageId`].
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    storage: Storage,
    view_start: u64,
    view_len: Option<u64>,
    /// The element type, when only the storage itself says it.
    dtype: Option<DType>,
}

/// Add what a walk found, resolving storages (each key once).
fn install(
    parsed: &mut Parsed,
    found: Found,
    resolve: &mut dyn FnMut(&StorageId) -> Result<Resolved>,
) -> Result<()> {
    let mut by_key: HashMap<String, (usize, Option<DType>)> = HashMap::new();
    for t in found.tensors {
        let FoundTensor {
            name,
            mut info,
            dtype_known,
            sid,
        } = t;
        let (vs, vl) = sid.view_bytes();
        let (storage, dtype) = match by_key.get(&sid.key) {
            Some(&hit) => hit,
            None => {
                let r = resolve(&sid)?;
                parsed.storages.push(r.storage);
                let i = parsed.storages.len() - 1;
                by_key.insert(sid.key.clone(), (i, r.dtype));
                (i, r.dtype)
            }
        };
        let (view_start, view_len) = if sid.bytes_node.is_some() {
            // A nested payload's view comes from the payload itself.
            let r = resolve(&sid)?;
            (r.view_start, r.view_len)
        } else {
            (vs, vl)
        };
        if !dtype_known {
            info.dtype = dtype.ok_or_else(|| {
                invalid(format!(
                    "tensor '{name}': the element type of its storage is unknown"
                ))
            })?;
        }
        parsed.tensors.push((name, info));
        parsed.placements.push(Placement {
            storage,
            view_start,
            view_len,
        });
    }
    parsed.scalars.extend(found.scalars);
    parsed.notes.extend(found.notes);
    Ok(())
}

/// One pickle at `pos`, returning its graph and the position after it.
fn pickle_at<'d>(
    data: &'d [u8],
    pos: usize,
    limits: &Limits,
    what: &str,
) -> Result<(Graph<'d>, usize)> {
    let rest = data
        .get(pos..)
        .ok_or_else(|| eof(format!("{what}: missing (file ends at {})", data.len())))?;
    let (g, used) = unpickler(limits)
        .load_slice_prefix(rest)
        .map_err(|e| in_pickle(&format!("{what} (pickle at byte {pos})"), pos, e))?;
    Ok((g, pos + used))
}

/// The 8-byte integer at `pos` in the given byte order (legacy and tar
/// storages start with their element count), if the bytes are there.
fn u64_at(data: &[u8], pos: usize, little: bool) -> Option<u64> {
    let b: [u8; 8] = data.get(pos..pos.checked_add(8)?)?.try_into().ok()?;
    Some(if little {
        u64::from_le_bytes(b)
    } else {
        u64::from_be_bytes(b)
    })
}

fn parse_legacy(data: &[u8], limits: &Limits) -> Result<Parsed> {
    let (magic, pos) = pickle_at(data, 0, limits, "magic number")?;
    let expected = "1950a86a20f9469cfc6c";
    let ok = magic
        .root()
        .as_bigint()
        .is_some_and(|b| b.to_str_radix(16) == expected);
    if !ok {
        return Err(invalid("invalid magic number; not a legacy torch file"));
    }
    let (proto, pos) = pickle_at(data, pos, limits, "protocol version")?;
    if proto.root().as_i64() != Some(LEGACY_PROTOCOL) {
        return Err(invalid(format!(
            "invalid legacy protocol version (expected {LEGACY_PROTOCOL})"
        )));
    }
    let (sys, pos) = pickle_at(data, pos, limits, "sys_info")?;
    let little = sys
        .root()
        .get("little_endian")
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    let (graph, pos) = pickle_at(data, pos, limits, "object")?;
    let found = walk::walk(&graph, "", limits)?;
    let (keys, mut pos) = pickle_at(data, pos, limits, "storage keys")?;
    let keys: Vec<String> = keys
        .root()
        .iter()
        .map(|k| walk::key_string(&k).ok_or_else(|| invalid("a storage key is not a str or int")))
        .collect::<Result<_>>()?;
    // Element size of each root storage, from its first persistent id.
    let mut elem: HashMap<&str, (usize, u64)> = HashMap::new();
    for t in &found.tensors {
        elem.entry(t.sid.key.as_str())
            .or_insert((t.sid.storage_dtype.size(), t.sid.numel));
    }
    let mut ranges: HashMap<String, (usize, usize)> = HashMap::new();
    for key in &keys {
        let &(es, _) = elem.get(key.as_str()).unwrap_or(&(1, 0));
        let n = u64_at(data, pos, little)
            .ok_or_else(|| eof(format!("storage '{key}': size missing at byte {pos}")))?;
        let len = n
            .checked_mul(es as u64)
            .filter(|&l| l <= (data.len() - pos - 8) as u64)
            .ok_or_else(|| {
                eof(format!(
                    "storage '{key}' at byte {pos} declares {n} elements of {es} bytes, past \
                     the end of the file ({} bytes)",
                    data.len()
                ))
            })? as usize;
        ranges.insert(key.clone(), (pos + 8, len));
        pos += 8 + len;
    }
    let mut parsed = Parsed::with_byte_order(Format::Legacy, little);
    let mut resolver = |sid: &StorageId| -> Result<Resolved> {
        let &(start, len) = ranges.get(&sid.key).ok_or_else(|| {
            invalid(format!(
                "storage '{}' is not among the file's storage keys",
                sid.key
            ))
        })?;
        if let Some(want) = sid.nbytes() {
            if (len as u64) < want {
                return Err(eof(format!(
                    "storage '{}' declares {want} bytes but holds {len}",
                    sid.key
                )));
            }
        }
        Ok(Resolved {
            storage: Storage {
                loc: Loc::Range { start, len },
                big_endian: !little,
            },
            view_start: 0,
            view_len: None,
            dtype: Some(sid.storage_dtype),
        })
    };
    install(&mut parsed, found, &mut resolver)?;
    Ok(parsed)
}

/// The members of a tar archive: name → (data offset, size).
fn tar_members(data: &[u8]) -> Result<HashMap<String, (usize, usize)>> {
    let mut out = HashMap::new();
    let mut archive = tar::Archive::new(data);
    let entries = archive
        .entries()
        .map_err(|e| invalid(format!("bad tar archive: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| invalid(format!("bad tar archive: {e}")))?;
        let name = entry
            .path()
            .map_err(|e| invalid(format!("bad tar member name: {e}")))?
            .to_string_lossy()
            .into_owned();
        let start = usize::try_from(entry.raw_file_position())
            .map_err(|_| invalid("tar member offset out of range"))?;
        let size = usize::try_from(entry.size()).map_err(|_| invalid("tar member too large"))?;
        if start.checked_add(size).map_or(true, |e| e > data.len()) {
            return Err(eof(format!(
                "tar member '{name}' ({size} bytes at {start}) runs past the end of the file"
            )));
        }
        out.insert(name, (start, size));
    }
    Ok(out)
}

/// Storage key → (storage index, dtype, byte view start, byte view len).
type TarStorages = HashMap<String, (usize, DType, u64, Option<u64>)>;

fn parse_tar(data: &[u8], limits: &Limits) -> Result<Parsed> {
    let members = tar_members(data)?;
    let member = |name: &str| -> Result<(usize, usize)> {
        members
            .get(name)
            .copied()
            .ok_or_else(|| invalid(format!("tar checkpoint without a '{name}' member")))
    };
    let little = match members.get("sys_info") {
        Some(&(s, l)) => {
            let (g, _) = pickle_at(&data[..s + l], s, limits, "sys_info")?;
            g.root()
                .get("little_endian")
                .and_then(|v| v.as_bool())
                .unwrap_or(true)
        }
        None => true,
    };
    let mut parsed = Parsed::with_byte_order(Format::Tar, little);
    let (s, l) = member("storages")?;
    let storages = tar_storages(&data[..s + l], s, little, limits, &mut parsed)?;
    let (s, l) = member("tensors")?;
    let tensors = tar_tensors(&data[..s + l], s, &storages, limits)?;
    let (s, l) = member("pickle")?;
    let (graph, _) = pickle_at(&data[..s + l], s, limits, "pickle")?;
    let found = walk::walk_with(&graph, "", limits, &|key: &str| tensors.get(key).cloned())?;
    for (name, info, place) in found.resolved {
        parsed.tensors.push((name, info));
        parsed.placements.push(place);
    }
    if !found.tensors.is_empty() {
        return Err(invalid("tar checkpoint pickle holds storage references"));
    }
    parsed.scalars.extend(found.scalars);
    parsed.notes.extend(found.notes);
    Ok(parsed)
}

/// The `storages` member (`sd` ends with it; it starts at `s`): a count,
/// then (key, location, storage_type) + an 8-byte element count + the data
/// for each, then the list of views.
fn tar_storages(
    sd: &[u8],
    s: usize,
    little: bool,
    limits: &Limits,
    parsed: &mut Parsed,
) -> Result<TarStorages> {
    let (n, mut pos) = tar_count(sd, s, limits, "storages count")?;
    let mut storages = TarStorages::new();
    for _ in 0..n {
        let (args, p) = pickle_at(sd, pos, limits, "storage header")?;
        let root = args.root();
        let key = root
            .get(&0)
            .and_then(|k| walk::key_string(&k))
            .ok_or_else(|| invalid(format!("storage header at byte {pos} has no key")))?;
        let dtype = root
            .get(&2)
            .and_then(|t| t.as_global().map(|(_, n)| n.to_string()))
            .and_then(|n| DType::from_storage_name(&n))
            .ok_or_else(|| invalid(format!("storage '{key}' has an unknown storage type")))?;
        let count = u64_at(sd, p, little)
            .ok_or_else(|| eof(format!("storage '{key}': size missing at byte {p}")))?;
        let len = count
            .checked_mul(dtype.size() as u64)
            .filter(|&x| x <= (sd.len() - p - 8) as u64)
            .ok_or_else(|| {
                eof(format!(
                    "storage '{key}' at byte {p} declares {count} elements, past the end of its \
                     member"
                ))
            })? as usize;
        parsed.storages.push(Storage {
            loc: Loc::Range { start: p + 8, len },
            big_endian: !little,
        });
        storages.insert(key, (parsed.storages.len() - 1, dtype, 0, None));
        pos = p + 8 + len;
    }
    let (views, _) = pickle_at(sd, pos, limits, "storage views")?;
    for v in views.root().iter() {
        let target = v.get(&0).and_then(|k| walk::key_string(&k));
        let root = v.get(&1).and_then(|k| walk::key_string(&k));
        let offset = v.get(&2).and_then(|x| x.as_i64()).filter(|&x| x >= 0);
        let numel = v.get(&3).and_then(|x| x.as_i64()).filter(|&x| x >= 0);
        let (Some(target), Some(root), Some(offset), Some(numel)) = (target, root, offset, numel)
        else {
            return Err(invalid("malformed storage view entry"));
        };
        let &(idx, dtype, base, _) = storages
            .get(&root)
            .ok_or_else(|| invalid(format!("storage view of unknown storage '{root}'")))?;
        let es = dtype.size() as u64;
        storages.insert(
            target,
            (
                idx,
                dtype,
                base + offset as u64 * es,
                Some(numel as u64 * es),
            ),
        );
    }
    Ok(storages)
}

/// The pickled count (a non-negative int) a tar member starts with, at
/// `s` in `data`, and the byte after it.
fn tar_count(data: &[u8], s: usize, limits: &Limits, what: &str) -> Result<(i64, usize)> {
    let (n, pos) = pickle_at(data, s, limits, what)?;
    let n = n
        .root()
        .as_i64()
        .filter(|&n| n >= 0)
        .ok_or_else(|| invalid(format!("{what} is not an int")))?;
    Ok((n, pos))
}

/// The `tensors` member (`td` ends with it; it starts at `s`): a count,
/// then (key, storage_id, type) + a binary header for each.
fn tar_tensors(
    td: &[u8],
    s: usize,
    storages: &TarStorages,
    limits: &Limits,
) -> Result<HashMap<String, (TensorInfo, Placement)>> {
    let (n, mut pos) = tar_count(td, s, limits, "tensors count")?;
    let mut tensors: HashMap<String, (TensorInfo, Placement)> = HashMap::new();
    for _ in 0..n {
        let (args, p) = pickle_at(td, pos, limits, "tensor header")?;
        let root = args.root();
        let key = root.get(&0).and_then(|k| walk::key_string(&k));
        let sid = root.get(&1).and_then(|k| walk::key_string(&k));
        let (Some(key), Some(sid)) = (key, sid) else {
            return Err(invalid(format!("malformed tensor header at byte {pos}")));
        };
        let &(idx, dtype, vs, vl) = storages
            .get(&sid)
            .ok_or_else(|| invalid(format!("tensor '{key}' uses unknown storage '{sid}'")))?;
        let rd_i32 = |at: usize| -> Result<i32> {
            let b = td
                .get(at..at + 4)
                .ok_or_else(|| eof(format!("tensor '{key}': header truncated at byte {at}")))?;
            Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let rd_i64 = |at: usize| -> Result<i64> {
            let b = td
                .get(at..at + 8)
                .ok_or_else(|| eof(format!("tensor '{key}': header truncated at byte {at}")))?;
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            Ok(i64::from_le_bytes(a))
        };
        let ndim = rd_i32(p)?;
        let ndim = usize::try_from(ndim)
            .ok()
            .filter(|&d| p + 8 + d * 16 + 8 <= td.len())
            .ok_or_else(|| eof(format!("tensor '{key}': bad or truncated ndim {ndim}")))?;
        let mut q = p + 8;
        let mut shape = Vec::with_capacity(ndim);
        for _ in 0..ndim {
            shape.push(nonneg(rd_i64(q)?, "size")?);
            q += 8;
        }
        let mut strides = Vec::with_capacity(ndim);
        for _ in 0..ndim {
            strides.push(nonneg(rd_i64(q)?, "stride")?);
            q += 8;
        }
        let storage_offset = nonneg(rd_i64(q)?, "storage offset")?;
        pos = q + 8;
        tensors.insert(
            key,
            (
                TensorInfo {
                    dtype,
                    shape,
                    strides,
                    storage_offset,
                    storage: sid,
                    requires_grad: false,
                },
                Placement {
                    storage: idx,
                    view_start: vs,
                    view_len: vl,
                },
            ),
        );
    }
    Ok(tensors)
}

fn nonneg(v: i64, what: &str) -> Result<u64> {
    u64::try_from(v).map_err(|_| invalid(format!("negative {what} {v}")))
}

/// A plain pickle; storages are nested `torch.save` payloads
/// (`torch.storage._load_from_bytes`). `depth` guards against nesting.
fn parse_plain(data: &[u8], loader: &Loader, depth: u32) -> Result<Parsed> {
    let limits = &loader.limits;
    let graph = unpickler(limits)
        .load_slice(data)
        .map_err(|e| in_pickle("pickle", 0, e))?;
    let found = walk::walk(&graph, "", limits)?;
    let mut parsed = Parsed {
        format: Some(Format::Pickle),
        ..Parsed::default()
    };
    let mut nested_cache: HashMap<NodeId, Resolved> = HashMap::new();
    let mut resolver = |sid: &StorageId| -> Result<Resolved> {
        let Some(node) = sid.bytes_node else {
            return Err(invalid(format!(
                "storage '{}' is a persistent id, but a plain pickle has no storage records",
                sid.key
            )));
        };
        if let Some(hit) = nested_cache.get(&node) {
            return Ok(hit.clone());
        }
        if depth > 0 {
            return Err(invalid("nested storage payload inside a nested payload"));
        }
        let bytes = match graph.node(node) {
            Node::Bytes(b) => b.as_slice(),
            _ => return Err(invalid("storage payload is not bytes")),
        };
        let inner = parse_at_depth(bytes, loader, depth + 1)
            .map_err(|e| e.context(format_args!("nested storage payload '{}'", sid.key)))?;
        // Its root is one storage: the first storage found.
        let dtype = inner.tensors.first().map(|t| t.1.dtype);
        let (view_start, view_len) = inner
            .placements
            .first()
            .map(|p| (p.view_start, p.view_len))
            .unwrap_or((0, None));
        let st = inner
            .storages
            .into_iter()
            .next()
            .ok_or_else(|| invalid("nested storage payload holds no storage"))?;
        // Re-base borrowed ranges onto the outer data when the payload
        // was borrowed from it; copy otherwise.
        let inside = {
            let (a, b) = (data.as_ptr() as usize, bytes.as_ptr() as usize);
            b >= a && b + bytes.len() <= a + data.len()
        };
        let loc = match st.loc {
            Loc::Range { start, len } if inside => Loc::Range {
                start: offset_in(data, bytes) + start,
                len,
            },
            Loc::Range { start, len } => {
                let end = start
                    .checked_add(len)
                    .filter(|&e| e <= bytes.len())
                    .ok_or_else(|| eof("nested storage payload is truncated"))?;
                Loc::Owned(bytes[start..end].to_vec())
            }
            Loc::Deflated { start, entry } if inside => Loc::Deflated {
                start: offset_in(data, bytes) + start,
                entry,
            },
            Loc::Deflated { start, entry } => {
                let end = usize::try_from(entry.compressed_size)
                    .ok()
                    .and_then(|l| start.checked_add(l))
                    .filter(|&e| e <= bytes.len())
                    .ok_or_else(|| eof("nested storage payload is truncated"))?;
                Loc::Owned(zip::decode(&bytes[start..end], &entry, limits.max_bytes)?.into_owned())
            }
            Loc::Owned(v) => Loc::Owned(v),
        };
        let out = Resolved {
            storage: Storage {
                loc,
                big_endian: st.big_endian,
            },
            view_start,
            view_len,
            dtype,
        };
        nested_cache.insert(node, out.clone());
        Ok(out)
    };
    install(&mut parsed, found, &mut resolver)?;
    if parsed.tensors.is_empty() {
        parsed
            .notes
            .push("a plain pickle without tensors".to_string());
    }
    Ok(parsed)
}
