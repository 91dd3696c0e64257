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

/// Granularity of [`release_before`] (a multiple of every page size).
const RELEASE_STEP: usize = 1 << 16;

/// Let the system drop the pages of `map` below `addr` (an address inside
/// it) that were not dropped yet (`done` bytes were).
pub(crate) fn release_before(map: &memmap2::Mmap, addr: usize, done: &std::cell::Cell<usize>) {
    let start = map.as_ptr() as usize;
    if addr <= start || addr > start + map.len() {
        return;
    }
    let upto = (addr - start) / RELEASE_STEP * RELEASE_STEP;
    if upto <= done.get() {
        return;
    }
    #[cfg(unix)]
    {
        // SAFETY: the map is read-only and never written, so MADV_DONTNEED
        // discards nothing: the pages are read again from the file when
        // touched, with the same bytes (the caveat of `map` about another
        // process changing the file applies, as for any access). Slices
        // borrowed from the range stay valid addresses of the mapping.
        let _ = unsafe {
            map.unchecked_advise_range(
                memmap2::UncheckedAdvice::DontNeed,
                done.get(),
                upto - done.get(),
            )
        };
    }
    done.set(upto);
}
