//! The one place in `brine` that needs `unsafe`: mapping an input file.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;

/// Map `file` read-only, asking the kernel to read ahead (the whole input
/// is about to be decoded).
pub(crate) fn map(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and only read through `&[u8]`. If
    // another process truncates or rewrites the file while it is mapped,
    // reads may see changed bytes or fault (SIGBUS): the documented
    // memmap2 caveat. The bytes are treated as hostile input anyway.
    let map = unsafe { memmap2::MmapOptions::new().populate().map(file) }?;
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(map)
}
