//! The one place that maps a file into memory.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::path::Path;

/// Map `path` read-only.
pub fn map(path: &Path) -> io::Result<memmap2::Mmap> {
    let file = File::open(path)?;
    // SAFETY: the mapping is read-only and private to this process; the
    // benchmark files are written once by scripts/bench_data.py (atomically
    // renamed into place) and not modified while the benchmark runs. A
    // concurrent truncation by someone else could fault (SIGBUS), which is
    // the documented limit of memory-mapping and acceptable for a
    // benchmark tool; nothing here is library code.
    unsafe { memmap2::Mmap::map(&file) }
}
