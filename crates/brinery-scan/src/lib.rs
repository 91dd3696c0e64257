//! brinery-scan: a pickle security scanner that decodes exactly like
//! CPython (on brinery's decoder) and never runs anything.
//!
//! Every import (GLOBAL, STACK_GLOBAL, INST, EXT, nested names resolved
//! by `getattr`), every call (REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ — also
//! when the result is later discarded), every BUILD on something that is
//! not a plain instance, and the persistent ids are judged by a [`Policy`]:
//! allow-list first (data constructors, numpy/pandas/PyTorch/scikit-learn
//! reconstruction), then a deny-list with the reason for each entry
//! (processes, files, network, nested deserialisation, importers and
//! attribute resolvers, code objects, ...); anything else is *unknown*, a
//! finding unless a policy file allows it. A decoding error never yields
//! "safe": the findings up to the error are reported with the verdict
//! [`Verdict::Incomplete`].
//!
//! Containers are recognised by content, not by name: gzip/bz2/xz/lzma/
//! zlib/zstd/lz4, zip (PyTorch and TorchScript archives read as tolerantly
//! as torch reads them, .npz), tar, .npy object arrays, joblib files, and
//! streams of several pickles (legacy PyTorch files).
//!
//! ```
//! use brinery_scan::{Scanner, Verdict};
//!
//! let scanner = Scanner::new();
//! // pickle.dumps({'a': [1, 2]}, 2)
//! let ok = scanner.scan_bytes(b"\x80\x02}q\x00X\x01\x00\x00\x00aq\x01]q\x02(K\x01K\x02es.");
//! assert_eq!(ok.verdict, Verdict::Safe);
//!
//! // os.system('id'), protocol 0
//! let bad = scanner.scan_bytes(b"cos\nsystem\n(S'id'\ntR.");
//! assert_eq!(bad.verdict, Verdict::Unsafe);
//! assert_eq!(bad.findings[0].name, "os.system");
//! assert_eq!(bad.findings[0].offset, Some(0));
//!
//! // The same payload cut short: what was seen is still reported.
//! let cut = scanner.scan_bytes(b"cos\nsystem\n(S'id'\ntR");
//! assert_eq!(cut.verdict, Verdict::Unsafe);
//! assert!(!cut.complete);
//! ```
#![forbid(unsafe_code)]

mod analyze;
mod args;
mod container;
mod fastpath;
mod joblib;
mod policy;
mod report;
mod shapes;
mod sklearn;

use std::fs::File;
use std::io::Read;
use std::path::Path;

pub use crate::policy::{allow_reason, Policy, PolicyError, Rating};
pub use crate::report::{sarif, Finding, FindingKind, Report, Severity, Verdict};

/// Files smaller than this are read rather than memory-mapped.
const MMAP_THRESHOLD: u64 = 1 << 20;

/// The scanner: a [`Policy`] and size limits.
#[derive(Clone, Debug)]
pub struct Scanner {
    policy: Policy,
    max_decompressed: u64,
    max_depth: usize,
    events_only: bool,
    /// Test knob: events-only decoding collects at every chance.
    stress: bool,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

brinery::setters!(Scanner {
    /// Use `policy` (the built-in rules plus its allow/deny lists).
    policy: Policy,
    /// Most bytes decompressed (all layers together) per file; beyond it
    /// the report is incomplete.
    max_decompressed: u64,
    /// Most nested container layers (a zip in a tar in a gzip is 3).
    max_depth: usize,
    /// Decode pickles in brinery's events-only mode (the default): memory
    /// bounded by what the pickle's stack and memo need, not by the size of
    /// the object (see `brinery::Unpickler::events_only`; a pickle that mode
    /// cannot finish exactly is decoded again in full). `false` builds
    /// every object graph whole; the findings are the same either way.
    ///
    /// ```
    /// use brinery_scan::Scanner;
    /// let data = b"cos\nsystem\n(S'id'\ntR.";
    /// let lean = Scanner::new().scan_bytes(data);
    /// let full = Scanner::new().events_only(false).scan_bytes(data);
    /// assert_eq!(lean.to_json(), full.to_json());
    /// ```
    events_only: bool,
});

impl Scanner {
    /// The built-in policy, 4 GiB of decompressed data per file, 8
    /// nested container layers.
    pub fn new() -> Self {
        Scanner {
            policy: Policy::new(),
            max_decompressed: 4 << 30,
            max_depth: 8,
            events_only: true,
            stress: false,
        }
    }

    /// For tests: events-only decoding frees unreachable nodes every few
    /// bytes (see `brinery::Unpickler::events_only_stress`).
    #[doc(hidden)]
    pub fn events_only_stress(mut self) -> Self {
        self.stress = true;
        self
    }

    /// Scan bytes already in memory.
    pub fn scan_bytes(&self, data: &[u8]) -> Report {
        self.scan_slice(data, None)
    }

    fn scan_slice(&self, data: &[u8], release: Option<&dyn Fn(usize)>) -> Report {
        let mut walk = container::Walk {
            scanner: self,
            sink: analyze::Sink::new(),
            inflated: 0,
            release,
        };
        walk.scan(data, "", 0, analyze::Mode::File);
        let (findings, complete, pickles, recognised) = walk.sink.finish();
        Report::from_parts(findings, complete, pickles, recognised, data.len() as u64)
    }

    /// Scan a file (memory-mapped when large); an error if it cannot be
    /// opened or read (missing, a directory, no permission), so a caller
    /// can tell "could not read" from "could not analyse".
    ///
    /// ```
    /// let err = brinery_scan::Scanner::new()
    ///     .try_scan_path(std::path::Path::new("/no/such/file.pkl"))
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// ```
    pub fn try_scan_path(&self, path: &Path) -> std::io::Result<Report> {
        if path.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "is a directory",
            ));
        }
        let mut report = match read_file(path)? {
            Bytes::Vec(v) => self.scan_bytes(&v),
            Bytes::Map(m) => self.scan_map(&m),
        };
        report.path = Some(path.display().to_string());
        Ok(report)
    }

    /// Scan a file (memory-mapped when large). An unreadable file gives an
    /// [`Verdict::Incomplete`] report saying why (see
    /// [`Scanner::try_scan_path`] to get the I/O error instead).
    pub fn scan_path(&self, path: &Path) -> Report {
        let mut report = match read_file(path) {
            Ok(Bytes::Vec(v)) => self.scan_bytes(&v),
            Ok(Bytes::Map(m)) => self.scan_map(&m),
            Err(e) => {
                let mut sink = analyze::Sink::new();
                sink.incomplete("", format!("cannot read the file: {e}"), None, None);
                let (findings, complete, pickles, recognised) = sink.finish();
                Report::from_parts(findings, complete, pickles, recognised, 0)
            }
        };
        report.path = Some(path.display().to_string());
        report
    }
}

impl Scanner {
    /// Scan a mapped file, dropping the pages of what was decoded as the
    /// decoder moves on (they are read again from the page cache if a
    /// payload is looked at later), so a large file is not all resident.
    fn scan_map(&self, m: &brinery_mmap::Mmap) -> Report {
        let done = std::cell::Cell::new(0usize);
        let release = |addr: usize| brinery_mmap::release_before(m, addr, &done);
        self.scan_slice(m, Some(&release))
    }
}

enum Bytes {
    Vec(Vec<u8>),
    Map(brinery_mmap::Mmap),
}

fn read_file(path: &Path) -> std::io::Result<Bytes> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    if len >= MMAP_THRESHOLD {
        if let Ok(m) = brinery_mmap::map(&f) {
            return Ok(Bytes::Map(m));
        }
    }
    let mut v = Vec::new();
    f.read_to_end(&mut v)?;
    Ok(Bytes::Vec(v))
}
