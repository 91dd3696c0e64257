//! The one place that needs `unsafe`: mapping a file into memory.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;

/// Map `file` read-only.
pub(crate) fn map(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and only read through `&[u8]`. If
    // another process truncates or rewrites the file while it is mapped,
    // reads may see changed bytes or fault (SIGBUS); the scanner treats
    // the bytes as hostile anyway, and this is the documented memmap2
    // caveat. Small files are read instead (see `Scanner::scan_path`).
    unsafe { memmap2::Mmap::map(file) }
}
