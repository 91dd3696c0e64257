//! The one place that maps a file into memory.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;

use memmap2::Mmap;

/// Map `file` read-only.
pub(crate) fn map(file: &File) -> io::Result<Mmap> {
    // SAFETY: the mapping is read-only and private to this process. If
    // another process truncates or rewrites the file while it is mapped,
    // reads may see the new bytes or fault (SIGBUS); every checkpoint
    // reader that memory-maps (safetensors, numpy, torch's mmap=True)
    // makes this same trade, and brinery never writes through the map.
    // All bounds are checked against the length seen at mapping time.
    unsafe { Mmap::map(file) }
}

/// Ask the kernel to map in `len` bytes at `start` at once (one system call
/// instead of a page fault every few pages); errors (old kernels) are
/// ignored: the pages then fault in as they are read.
pub(crate) fn prefault(map: &Mmap, start: usize, len: usize) {
    #[cfg(target_os = "linux")]
    {
        let _ = map.advise_range(memmap2::Advice::PopulateRead, start, len);
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (map, start, len);
    }
}
