//! Containers recognised by content, never by file name: compressed
//! streams, zip (PyTorch archives, TorchScript, .npz), tar, .npy, and
//! pickle streams (legacy PyTorch files, joblib).

use std::borrow::Cow;
use std::io::Read;

use crate::analyze::{scan_stream, Decode, Mode, Sink};
use crate::report::{Finding, FindingKind, Severity};
use crate::Scanner;

/// What the bytes are.
enum Sniff {
    Compressed(brinery_compress::Format),
    Zip,
    Tar,
    Npy,
    Pickle,
}

fn sniff(data: &[u8]) -> Sniff {
    if let Some(f) = brinery_compress::detect(&data[..data.len().min(brinery_compress::MAGIC_LEN)])
    {
        return Sniff::Compressed(f);
    }
    if data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06") {
        return Sniff::Zip;
    }
    if data.starts_with(b"\x93NUMPY") {
        return Sniff::Npy;
    }
    if is_tar(data) {
        return Sniff::Tar;
    }
    Sniff::Pickle
}

/// A ustar/GNU tar header: magic at 257 and a valid header checksum.
fn is_tar(data: &[u8]) -> bool {
    if data.len() < 512 || &data[257..262] != b"ustar" {
        return false;
    }
    let field = &data[148..156];
    let text: String = field
        .iter()
        .take_while(|&&b| b != 0 && b != b' ')
        .map(|&b| b as char)
        .collect();
    let Ok(want) = u32::from_str_radix(text.trim(), 8) else {
        return false;
    };
    let sum: u32 = data[..512]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as u32
            }
        })
        .sum();
    sum == want
}

/// The root folder (with its `/`) of a PyTorch archive: the first path
/// component of an entry named `<root>/data.pkl`, `<root>/constants.pkl`
/// or `<root>/bytecode.pkl`.
fn torch_root(entries: &[brinery_zip::Entry]) -> Option<String> {
    entries.iter().find_map(|e| {
        let (root, rest) = e.name.split_once('/')?;
        matches!(rest, "data.pkl" | "constants.pkl" | "bytecode.pkl").then(|| format!("{root}/"))
    })
}

/// How torch's loaders treat a member of a PyTorch archive (path below the
/// root folder).
#[derive(Debug, PartialEq, Eq)]
enum TorchMember {
    /// Unpickled by torch.load / torch.jit.load / the mobile loader:
    /// `data.pkl`, `constants.pkl`, `bytecode.pkl`, `*.debug_pkl`, other
    /// top-level `*.pkl` (`traced_inputs.pkl`).
    Pickle,
    /// Raw tensor bytes (`data/N`, `constants/N`) or metadata (`.data/`):
    /// never unpickled.
    Storage,
    /// TorchScript source under `code/` (compiled, not unpickled).
    Source,
    /// Anything else (`extra/`, `version`, `byteorder`): by content.
    Content,
}

fn torch_member(rel: &str) -> TorchMember {
    if rel.ends_with(".debug_pkl") || (!rel.contains('/') && rel.ends_with(".pkl")) {
        TorchMember::Pickle
    } else if rel.starts_with("data/") || rel.starts_with("constants/") || rel.starts_with(".data/")
    {
        TorchMember::Storage
    } else if rel.starts_with("code/") {
        TorchMember::Source
    } else {
        TorchMember::Content
    }
}

/// The end-of-central-directory record of a zip appended to other data
/// (a pickle/zip polyglot): Python's zipfile finds it from the end.
fn has_zip_trailer(data: &[u8]) -> bool {
    let from = data.len().saturating_sub(65_536 + 22);
    data[from..].windows(4).any(|w| w == b"PK\x05\x06")
}

fn join(member: &str, name: &str) -> String {
    if member.is_empty() {
        name.to_string()
    } else {
        format!("{member}!{name}")
    }
}

pub(crate) struct Walk<'s> {
    pub scanner: &'s Scanner,
    pub sink: Sink,
    /// Bytes decompressed so far (all layers).
    pub inflated: u64,
    /// Tells a memory-mapped file which bytes were decoded (the address of
    /// the next byte), so their pages can be dropped.
    pub release: Option<&'s dyn Fn(usize)>,
}

impl<'s> Walk<'s> {
    fn decode(&self) -> Decode<'s> {
        Decode {
            events_only: self.scanner.events_only,
            stress: self.scanner.stress,
            walk: None,
            release: self.release,
        }
    }

    fn container_note(&mut self, member: &str, severity: Severity, name: &str, text: String) {
        self.sink.push(Finding {
            severity,
            kind: FindingKind::Container,
            name: name.to_string(),
            args: None,
            offset: None,
            opcode: None,
            member: member.to_string(),
            explanation: text,
            count: 1,
        });
    }

    /// Scan `data` found at `member` (empty for the file itself), `depth`
    /// container layers deep.
    pub fn scan(&mut self, data: &[u8], member: &str, depth: usize, mode: Mode) {
        if depth > self.scanner.max_depth {
            self.sink.incomplete(
                member,
                format!(
                    "more than {} nested container layers",
                    self.scanner.max_depth
                ),
                None,
                None,
            );
            return;
        }
        let kind = sniff(data);
        if !matches!(kind, Sniff::Pickle) {
            self.sink.recognised = true;
        }
        match kind {
            Sniff::Compressed(f) => self.compressed(data, f, member, depth, mode),
            Sniff::Zip => {
                self.zip(data, member, depth);
                if mode == Mode::File && data.starts_with(b"PK\x05\x06") {
                    self.leading_eocd(data, member);
                }
            }
            Sniff::Tar => self.tar(data, member, depth),
            Sniff::Npy => self.npy(data, member),
            Sniff::Pickle => {
                let how = self.decode();
                scan_stream(
                    data,
                    &self.scanner.policy,
                    member,
                    mode,
                    &how,
                    &mut self.sink,
                );
                if mode == Mode::File && data.len() > 22 && has_zip_trailer(data) {
                    // A zip appended to the data: zipfile-based loaders see
                    // the archive, pickle.load sees the pickle.
                    self.zip(data, &join(member, "<appended zip>"), depth);
                }
            }
        }
    }

    /// A file that starts with an end-of-central-directory record has no
    /// member before it: zip readers see an (empty or appended-to)
    /// archive, while an unpickler that resolves persistent ids reads the
    /// same bytes as a pickle stream (`PK\x05\x06...` begins with PERSID).
    /// No zip writer makes such a file beyond an empty 22-byte archive,
    /// so the stream is scanned too; what it would import or call counts
    /// (its being cut short does not: an empty archive is not a pickle).
    fn leading_eocd(&mut self, data: &[u8], member: &str) {
        let mut raw = Sink::new();
        let how = self.decode();
        scan_stream(
            data,
            &self.scanner.policy,
            &join(member, "<as a pickle stream>"),
            Mode::File,
            &how,
            &mut raw,
        );
        for f in raw.findings {
            if f.severity >= Severity::Unknown {
                self.sink.push(f);
            }
        }
    }

    fn budget(&self) -> u64 {
        self.scanner.max_decompressed.saturating_sub(self.inflated)
    }

    fn compressed(
        &mut self,
        data: &[u8],
        f: brinery_compress::Format,
        member: &str,
        depth: usize,
        mode: Mode,
    ) {
        let limit = self.budget();
        let mut out = Vec::new();
        let res = brinery_compress::decoder(f, data)
            .and_then(|d| d.take(limit.saturating_add(1)).read_to_end(&mut out));
        let inner = join(member, f.name());
        match res {
            Err(e) => {
                // Scan what was decompressed before the error, then report.
                self.inflated += out.len() as u64;
                if !out.is_empty() {
                    self.scan(&out, &inner, depth + 1, mode);
                }
                self.sink.incomplete(
                    &inner,
                    format!("{} data is corrupt: {e}", f.name()),
                    None,
                    None,
                );
            }
            Ok(_) if out.len() as u64 > limit => {
                self.inflated += limit;
                self.sink.incomplete(
                    &inner,
                    format!(
                        "{} data decompresses to more than the limit ({} bytes)",
                        f.name(),
                        self.scanner.max_decompressed
                    ),
                    None,
                    None,
                );
            }
            Ok(_) => {
                self.inflated += out.len() as u64;
                self.scan(&out, &inner, depth + 1, mode);
            }
        }
    }

    fn zip(&mut self, data: &[u8], member: &str, depth: usize) {
        let archive = match brinery_zip::Archive::new(data) {
            Ok(a) => a,
            Err(e) => {
                self.sink.incomplete(
                    member,
                    format!("unreadable zip archive: {}", e.message()),
                    None,
                    None,
                );
                return;
            }
        };
        for note in archive.notes() {
            self.container_note(member, Severity::Info, "zip anomaly", note.clone());
        }
        // A PyTorch archive (torch.save >= 1.6, TorchScript, mobile): one
        // root folder holding data.pkl / constants.pkl / bytecode.pkl.
        // Members are then chosen as torch's loaders choose them.
        let root = torch_root(archive.entries());
        // torch.load hands an archive to torch.jit.load (TorchScript's own
        // unpickler) exactly when it has a constants.pkl record
        // (torch.serialization._is_torchscript_zip).
        let torchscript = root.as_ref().is_some_and(|r| {
            archive
                .entries()
                .iter()
                .any(|e| e.name.strip_prefix(r.as_str()) == Some("constants.pkl"))
        });
        let (mut sources, mut storages) = (0u64, 0u64);
        for entry in archive.entries().to_vec() {
            let name = join(member, &entry.name);
            if entry.name.ends_with('/') && entry.uncompressed_size == 0 {
                continue;
            }
            let mode = match root.as_deref().and_then(|r| entry.name.strip_prefix(r)) {
                Some(rel) => match torch_member(rel) {
                    TorchMember::Pickle => Mode::Pickle,
                    TorchMember::Storage => {
                        storages += 1;
                        continue;
                    }
                    TorchMember::Source => {
                        sources += 1;
                        continue;
                    }
                    TorchMember::Content => Mode::Member,
                },
                None => Mode::Member,
            };
            let limit = self.budget();
            let bytes: Cow<'_, [u8]> = match archive.data_limited(&entry, limit) {
                Ok(b) => b,
                Err(e) => {
                    self.sink.incomplete(
                        &name,
                        format!("unreadable zip member: {}", e.message()),
                        None,
                        None,
                    );
                    continue;
                }
            };
            if let Cow::Owned(v) = &bytes {
                self.inflated += v.len() as u64;
            }
            let outer = self.sink.torchscript;
            self.sink.torchscript = torchscript && mode == Mode::Pickle;
            self.scan(&bytes, &name, depth + 1, mode);
            self.sink.torchscript = outer;
        }
        if storages > 0 {
            self.container_note(
                member,
                Severity::Info,
                "tensor storages",
                format!(
                    "{storages} member(s) under data/ (or constants/, .data/): raw tensor bytes \
                     that torch reads as storages and never unpickles; not decoded"
                ),
            );
        }
        if torchscript || sources > 0 {
            self.container_note(
                member,
                Severity::Info,
                "torchscript",
                format!(
                    "TorchScript archive: torch.jit.load compiles the {sources} source file(s) \
                     under code/ (TorchScript, not Python; not decoded) and reads its pickles \
                     with TorchScript's unpickler, which resolves `__torch__.*` as those \
                     compiled classes and only torch.jit._pickle's builders as functions; \
                     the pickles are scanned"
                ),
            );
        }
    }

    fn tar(&mut self, data: &[u8], member: &str, depth: usize) {
        let mut archive = tar::Archive::new(data);
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => {
                self.sink
                    .incomplete(member, format!("unreadable tar archive: {e}"), None, None);
                return;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.sink
                        .incomplete(member, format!("unreadable tar entry: {e}"), None, None);
                    return;
                }
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            // `tar!path/in/tar`: the layer is named like the compression
            // layers (`gzip!tar!evil.pkl` for a .tar.gz).
            let path = entry
                .path()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| "<bad name>".into());
            let name = join(member, &format!("tar!{path}"));
            // The entry's bytes are in `data`: take them by position.
            let start = entry.raw_file_position() as usize;
            let size = entry.size() as usize;
            match start.checked_add(size).filter(|&end| end <= data.len()) {
                Some(end) => {
                    let body = &data[start..end];
                    self.scan(body, &name, depth + 1, Mode::Member);
                }
                None => {
                    self.sink
                        .incomplete(&name, "tar member is truncated".into(), None, None);
                    return;
                }
            }
        }
    }

    fn npy(&mut self, data: &[u8], member: &str) {
        // magic(6) major minor, header length u16 (v1) or u32 (v2, v3).
        if data.len() < 10 {
            self.sink
                .incomplete(member, "truncated .npy header".into(), None, None);
            return;
        }
        let (hlen, start): (usize, usize) = match data[6] {
            1 => (u16::from_le_bytes([data[8], data[9]]) as usize, 10),
            2 | 3 if data.len() >= 12 => (
                u32::from_le_bytes([data[8], data[9], data[10], data[11]]) as usize,
                12,
            ),
            v => {
                self.sink
                    .incomplete(member, format!("unsupported .npy version {v}"), None, None);
                return;
            }
        };
        let Some(end) = start.checked_add(hlen).filter(|&e| e <= data.len()) else {
            self.sink
                .incomplete(member, "truncated .npy header".into(), None, None);
            return;
        };
        let header = String::from_utf8_lossy(&data[start..end]);
        // An object array ('|O' anywhere in the descr, including
        // structured dtypes) is a pickle after the header.
        let descr = header
            .split("'descr':")
            .nth(1)
            .and_then(|r| r.split("'fortran_order'").next())
            .unwrap_or("");
        if descr.contains("O'") || descr.contains("O\"") {
            let body = &data[end..];
            let label = join(member, "<object array pickle>");
            let before = self.sink.pickles;
            let how = self.decode();
            scan_stream(
                body,
                &self.scanner.policy,
                &label,
                Mode::File,
                &how,
                &mut self.sink,
            );
            if self.sink.pickles == before && self.sink.complete {
                self.sink.incomplete(
                    &label,
                    "object array without a readable pickle".into(),
                    None,
                    None,
                );
            }
        }
    }
}
