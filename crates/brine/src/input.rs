//! What an input holds, recognised by content: pickles (one or several),
//! numpy `.npy` and `.npz` files, or something that is not a pickle at all
//! (an image, text, another archive, an empty file), which is said first
//! when decoding fails.

use std::path::Path;

use brinery::{Buf, Graph, Node, NodeId, Unpickler};
use brinery_numpy::{ArrayForm, ArrayPickler, Npy, Npz, NumpyVersion};

use crate::cli::ReadArgs;
use crate::error::{pickle_line, CliError, EXIT_IO};
use crate::files::{open_input, Progress};

/// What a (decompressed) input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    /// A pickle, or several one after another (or something unknown,
    /// which the decoder will judge).
    Pickle,
    /// A numpy `.npy` file.
    Npy,
    /// A zip archive (an `.npz` when its members are `.npy` files).
    Zip,
}

/// `.npy` magic.
const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// Recognise `.npy` and zip archives by their first bytes.
pub fn content(head: &[u8]) -> Content {
    if head.starts_with(NPY_MAGIC) {
        Content::Npy
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Content::Zip
    } else {
        Content::Pickle
    }
}

/// What `data` looks like when it is recognisably not a pickle, in the
/// words of `file(1)`; `None` when it may be one.
pub fn not_pickle(data: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| data.starts_with(m);
    let sigs: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "PNG image data"),
        (b"\xff\xd8\xff", "JPEG image data"),
        (b"GIF87a", "GIF image data"),
        (b"GIF89a", "GIF image data"),
        (b"%PDF-", "PDF document"),
        (b"PK\x03\x04", "Zip archive data"),
        (b"PK\x05\x06", "Zip archive data (empty)"),
        (b"\x7fELF", "ELF executable"),
        (b"SQLite format 3\0", "SQLite database"),
        (b"\x89HDF\r\n\x1a\n", "HDF5 data"),
        (b"PAR1", "Apache Parquet data"),
        (b"GGUF", "GGUF model data"),
        (b"7z\xbc\xaf\x27\x1c", "7-zip archive data"),
        (b"Rar!\x1a\x07", "RAR archive data"),
        (b"RIFF", "RIFF data (WAV/AVI/WebP)"),
        (b"OggS", "Ogg data"),
        (b"fLaC", "FLAC audio"),
        (b"ID3", "MP3 audio"),
        (b"\0asm", "WebAssembly binary"),
        (b"MZ", "DOS/Windows executable"),
        (b"\xca\xfe\xba\xbe", "Java class or Mach-O data"),
        (b"\xcf\xfa\xed\xfe", "Mach-O executable"),
        (b"BM", "BMP image data"),
        (b"II*\0", "TIFF image data"),
        (b"MM\0*", "TIFF image data"),
    ];
    if data.is_empty() {
        return Some("an empty file");
    }
    for (m, what) in sigs {
        if starts(m) {
            return Some(what);
        }
    }
    if data.len() > 262 && &data[257..262] == b"ustar" {
        return Some("POSIX tar archive");
    }
    // safetensors: an 8-byte little-endian header length, then JSON.
    if data.len() > 10 && data[8] == b'{' && data[9] == b'"' {
        let n = u64::from_le_bytes(data[..8].try_into().unwrap_or([0; 8]));
        if n > 1 && n < data.len() as u64 {
            return Some("safetensors data");
        }
    }
    let head = &data[..data.len().min(4096)];
    let text = match std::str::from_utf8(head) {
        Ok(t) => Some(t),
        // A multi-byte character cut at the end of the window.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok(),
        Err(_) => None,
    };
    if let Some(t) = text {
        let printable = t
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\x0c'));
        if printable {
            let s = t.trim_start();
            return Some(if s.starts_with("<?xml") {
                "XML text"
            } else if s.starts_with("<!DOCTYPE html") || s.starts_with("<html") {
                "HTML text"
            } else if s.starts_with('{') || s.starts_with('[') {
                "JSON text"
            } else if s.starts_with("#!") {
                "a script"
            } else {
                "text"
            });
        }
    }
    None
}

/// The error for a pickle that failed to decode: `name: not a pickle
/// (looks like X); unpickling says: <CPython's message>` when the data is
/// recognisably something else, else `name: <message>`.
pub fn decode_error(name: &str, data: &[u8], e: &brinery::Error, base: u64) -> CliError {
    if let Some(ioe) = e.io_error() {
        return CliError::io(name, ioe);
    }
    let detail = pickle_line(e, base);
    if base == 0 && e.offset().is_none_or(|o| o < 64) {
        if let Some(what) = not_pickle(data) {
            let what = if what == "an empty file" {
                "it is an empty file".to_string()
            } else {
                format!("looks like {what}")
            };
            return CliError::data(format!(
                "{name}: not a pickle ({what}); unpickling says: {detail}"
            ));
        }
    }
    CliError::data(format!("{name}: {detail}"))
}

/// An input read whole and recognised.
pub struct Loaded {
    /// The name for messages.
    pub name: String,
    /// The decompressed bytes.
    pub data: Vec<u8>,
    /// What they are.
    pub content: Content,
    /// The members of an `.npz`.
    npz: Option<Npz>,
    /// Out-of-band buffers (`--buffers`).
    buffers: Vec<Vec<u8>>,
}

/// One decoded object: a graph, and the pickle bytes it came from (for
/// the protocol), when it came from a pickle.
pub struct Doc<'d> {
    pub graph: Graph<'d>,
    pub pickle: Option<&'d [u8]>,
}

/// Read the input whole (with the progress bar), recognise it and read
/// the `--buffers` files.
pub fn load(path: &Path, read: &ReadArgs, progress: Progress) -> Result<Loaded, CliError> {
    let (name, data) = open_input(path, progress)?.read_all()?;
    let mut buffers = Vec::new();
    for b in &read.buffers {
        // A missing buffer file is an I/O error naming it; anything else
        // says it came from --buffers.
        let (_, bytes) = open_input(b, progress)
            .and_then(|i| i.read_all())
            .map_err(|e| {
                if e.code == EXIT_IO {
                    e
                } else {
                    e.context("--buffers")
                }
            })?;
        buffers.push(bytes);
    }
    let mut content = content(&data);
    let mut data = data;
    let mut name = name;
    // A PyTorch zip checkpoint: its object is the pickle `*/data.pkl`
    // (tensors show as `Tensor float32 [...]`, their storages as the
    // persistent ids they are).
    if content == Content::Zip {
        if let Some((member, pickle)) = torch_data_pkl(&data) {
            name = format!("{name}[{member}]");
            data = pickle;
            content = Content::Pickle;
        }
    }
    let npz = if content == Content::Zip {
        match brinery_numpy::read_npz(&data, brinery_numpy::DEFAULT_NPZ_LIMIT) {
            Ok(z) if z.names().count() > 0 => Some(z),
            Ok(_) => {
                return Err(CliError::data(format!(
                    "{name}: not a pickle (looks like a Zip archive without .npy members)"
                )))
            }
            Err(e) => {
                return Err(CliError::data(format!(
                    "{name}: not a pickle (looks like Zip archive data, not an .npz: {})",
                    e.message()
                )))
            }
        }
    } else {
        None
    };
    Ok(Loaded {
        name,
        data,
        content,
        npz,
        buffers,
    })
}

/// The `data.pkl` member of a PyTorch zip checkpoint: its name and bytes.
fn torch_data_pkl(data: &[u8]) -> Option<(String, Vec<u8>)> {
    let zip = brinery_torch::zip::Archive::new(data).ok()?;
    let entry = zip
        .entries()
        .iter()
        .find(|e| e.name == "data.pkl" || e.name.ends_with("/data.pkl"))?;
    let bytes = zip.data(entry).ok()?.into_owned();
    Some((entry.name.clone(), bytes))
}

/// The first pickle of a legacy `torch.save` file: its magic number.
fn is_torch_legacy_magic(g: &Graph<'_>) -> bool {
    g.root_id().is_some_and(
        |r| matches!(g.node(r), Node::BigInt(b) if b.to_string() == "119547037146038801333356"),
    )
}

/// `pickle.load`'s options. Persistent ids are kept as nodes (shown and
/// re-written as they are) instead of failing as `pickle.load` would
/// without a `persistent_load`.
pub fn unpickler<'a, 'h>(read: &ReadArgs, buffers: Vec<Buf<'a>>) -> Unpickler<'a, 'h> {
    let mut u = Unpickler::new()
        .encoding(&read.encoding)
        .errors(&read.errors)
        .fix_imports(!read.no_fix_imports)
        .keep_persistent_ids()
        // Python 2 `long`s (`7L`) stay known: `show --code` prints their L.
        .keep_long_flags()
        // joblib files keep array bytes right after a BUILD of a
        // NumpyArrayWrapper; the hook reads them (nothing else changes).
        .on_build(brinery_numpy::joblib_build_hook());
    if !buffers.is_empty() {
        u = u.buffers(buffers);
    }
    u
}

/// The length of the (valid) pickle at the start of `data`, up to and
/// including its STOP.
pub fn pickle_len(data: &[u8]) -> usize {
    let mut ops = brinery::pickletools::Genops::new(data);
    for instr in ops.by_ref() {
        if instr.is_err() {
            return data.len();
        }
    }
    usize::try_from(ops.position()).unwrap_or(data.len())
}

/// How many pickles follow in `rest` (each one ending at a STOP).
pub fn count_pickles(mut rest: &[u8]) -> usize {
    let mut n = 0;
    while !rest.is_empty() {
        let len = pickle_len(rest);
        if len == 0 {
            break;
        }
        n += 1;
        rest = &rest[len.min(rest.len())..];
    }
    n
}

impl Loaded {
    /// Big enough for progress reporting.
    pub fn is_big(&self) -> bool {
        self.data.len() as u64 >= crate::files::PROGRESS_THRESHOLD
    }

    fn buffer_bufs(&self) -> Vec<Buf<'_>> {
        self.buffers
            .iter()
            .map(|b| Buf::Borrowed(b.as_slice()))
            .collect()
    }

    /// Decode the objects (only the first of a multi-pickle file unless
    /// `all`), handing each to `f`; returns how many pickles were left
    /// undecoded after the first.
    pub fn for_each<'d>(
        &'d self,
        read: &ReadArgs,
        all: bool,
        mut f: impl FnMut(Doc<'d>) -> Result<(), CliError>,
    ) -> Result<usize, CliError> {
        match self.content {
            Content::Npy => {
                let graph = npy_graph(&self.name, &self.data)?;
                f(Doc {
                    graph,
                    pickle: None,
                })?;
                Ok(0)
            }
            Content::Zip => {
                let npz = self.npz.as_ref().expect("npz read at load");
                let graph = npz_graph(&self.name, npz)?;
                f(Doc {
                    graph,
                    pickle: None,
                })?;
                Ok(0)
            }
            Content::Pickle => {
                let data = &self.data[..];
                let mut pos = 0;
                loop {
                    let (mut graph, used) = unpickler(read, self.buffer_bufs())
                        .load_slice_prefix(&data[pos..])
                        .map_err(|e| decode_error(&self.name, data, &e, pos as u64))?;
                    if !self.buffers.is_empty() {
                        buffers_as_bytes(&mut graph);
                    }
                    // A legacy PyTorch file (`torch.save` before 1.6):
                    // magic number, protocol, sys info, then the object.
                    if pos == 0 && is_torch_legacy_magic(&graph) {
                        let mut at = used;
                        for _ in 0..2 {
                            at += pickle_len(&data[at.min(data.len())..]);
                        }
                        let rest = &data[at.min(data.len())..];
                        let (graph, n) = unpickler(read, self.buffer_bufs())
                            .load_slice_prefix(rest)
                            .map_err(|e| decode_error(&self.name, data, &e, at as u64))?;
                        f(Doc {
                            graph,
                            pickle: Some(&rest[..n]),
                        })?;
                        return Ok(0);
                    }
                    f(Doc {
                        graph,
                        pickle: Some(&data[pos..pos + used]),
                    })?;
                    pos += used;
                    if pos >= data.len() {
                        return Ok(0);
                    }
                    if !all {
                        return Ok(count_pickles(&data[pos..]));
                    }
                }
            }
        }
    }

    /// The first object only.
    pub fn first(&self, read: &ReadArgs) -> Result<Doc<'_>, CliError> {
        let mut out = None;
        self.for_each(read, false, |d| {
            out = Some(d);
            Ok(())
        })?;
        out.ok_or_else(|| CliError::data(format!("{}: no object", self.name)))
    }
}

/// What `pickle.loads(data, buffers=[...])` gives for buffers read from
/// files (`bytes` objects): NEXT_BUFFER pushes the `bytes` itself, and
/// READONLY_BUFFER leaves a `bytes` as it is.
pub fn buffers_as_bytes(graph: &mut Graph<'_>) {
    let Some(root) = graph.root_id() else { return };
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![root];
    let mut found = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let node = graph.node(id);
        if matches!(node, Node::Buffer(b) if b.index.is_some()) {
            found.push(id);
        }
        node.for_each_child(|c| stack.push(c));
    }
    for id in found {
        if let Node::Buffer(b) = graph.node(id) {
            let data = b.data.clone();
            *graph.node_mut(id) = Node::Bytes(data);
        }
    }
}

fn npy_err(name: &str, e: &brinery::Error) -> CliError {
    CliError::data(format!("{name}: {}", pickle_line(e, 0)))
}

/// The graph of a `.npy` file: its array as numpy would pickle it (so every
/// view shows it as numpy does), or an object array's own pickle.
pub fn npy_graph<'d>(name: &str, data: &'d [u8]) -> Result<Graph<'d>, CliError> {
    match brinery_numpy::read_npy(data).map_err(|e| npy_err(name, &e))? {
        Npy::Pickle(g) => Ok(g),
        Npy::Array(a) => {
            let mut g = Graph::new();
            let id = ArrayPickler::new(NumpyVersion::V2)
                .array(&mut g, &a, ArrayForm::Reconstruct)
                .map_err(|e| npy_err(name, &e))?;
            g.set_root(id);
            Ok(g)
        }
    }
}

/// The graph of an `.npz`: a dict of member names to arrays.
pub fn npz_graph<'d>(name: &str, npz: &'d Npz) -> Result<Graph<'d>, CliError> {
    let mut g = Graph::new();
    let mut p = ArrayPickler::new(NumpyVersion::V2);
    let mut pairs = Vec::new();
    for member in npz.names() {
        let bytes = npz.npy_bytes(member).unwrap_or(&[]);
        let mname = format!("{name}[{member:?}]");
        let id = match brinery_numpy::read_npy(bytes).map_err(|e| npy_err(&mname, &e))? {
            Npy::Array(a) => p
                .array(&mut g, &a, ArrayForm::Reconstruct)
                .map_err(|e| npy_err(&mname, &e))?,
            Npy::Pickle(sub) => graft(&mut g, &sub).map_err(|e| npy_err(&mname, &e))?,
        };
        let k = g.str(member);
        pairs.push((k, id));
    }
    let root = g.dict(pairs).map_err(|e| npy_err(name, &e))?;
    g.set_root(root);
    Ok(g)
}

/// Copy every node of `src` into `dst` (ids remapped); the root of `src`
/// in `dst`.
pub fn graft<'d>(dst: &mut Graph<'d>, src: &Graph<'d>) -> brinery::Result<NodeId> {
    let root = src.root_id().ok_or_else(|| {
        brinery::Error::new(brinery::ErrorKind::InvalidValue, "the pickle has no object")
    })?;
    let map: Vec<NodeId> = (0..src.len()).map(|_| dst.add(Node::None)).collect();
    let m = |id: NodeId| map[id.index()];
    let mut fill: Vec<(NodeId, &brinery::Node<'d>)> = Vec::new();
    for (i, node) in src.nodes().iter().enumerate() {
        let new = match node {
            Node::List(v) => Node::List(v.iter().map(|&c| m(c)).collect()),
            Node::Tuple(v) => Node::Tuple(v.iter().map(|&c| m(c)).collect()),
            Node::PersistentId(p) => Node::PersistentId(m(*p)),
            Node::Dict(_) | Node::Set(_) | Node::FrozenSet(_) => {
                fill.push((map[i], node));
                continue;
            }
            Node::Object(o) => Node::Object(Box::new(o.map_ids(m))),
            other => other.clone(),
        };
        *dst.node_mut(map[i]) = new;
    }
    // Sets before dicts (a frozenset may be a key); contents by value.
    fill.sort_by_key(|(_, n)| matches!(n, Node::Dict(_)));
    for (id, node) in fill {
        match node {
            Node::Set(s) | Node::FrozenSet(s) => {
                *dst.node_mut(id) = if matches!(node, Node::Set(_)) {
                    Node::Set(Default::default())
                } else {
                    Node::FrozenSet(Default::default())
                };
                let items: Vec<NodeId> = s.items().iter().map(|&c| m(c)).collect();
                dst.set_extend(id, &items)?;
            }
            Node::Dict(d) => {
                *dst.node_mut(id) = Node::Dict(Default::default());
                for &(k, v) in d.entries() {
                    dst.dict_insert(id, m(k), m(v))?;
                }
            }
            _ => {}
        }
    }
    Ok(m(root))
}
