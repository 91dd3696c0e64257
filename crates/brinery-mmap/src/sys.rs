//! The one module with `unsafe` code: mapping files and dropping pages.
#![allow(unsafe_code)]

use std::cell::Cell;
use std::fs::File;
use std::io;

use memmap2::Mmap;

/// Map `file` read-only; its pages are read in as they are touched.
///
/// See the crate docs for what happens if another process changes the
/// file while it is mapped.
pub fn map(file: &File) -> io::Result<Mmap> {
    // SAFETY: the map is read-only and private to this process, and is
    // only ever read through `&[u8]`; nothing writes through it. If another
    // process truncates or rewrites the file while it is mapped, reads may
    // see changed bytes or fault (SIGBUS): the documented memmap2 caveat,
    // repeated in the crate docs. Every caller treats the bytes as hostile
    // input and checks all bounds against the length seen at mapping time.
    unsafe { Mmap::map(file) }
}

/// Map `file` read-only for reading it whole: the kernel is asked to read
/// it in at once (`MAP_POPULATE` on Linux) and, on Unix, told that it will
/// be read sequentially (so it reads ahead). The advice is a hint; if the
/// system refuses it the map is returned anyway.
pub fn map_populated(file: &File) -> io::Result<Mmap> {
    // SAFETY: as in `map`: read-only, private, only read through `&[u8]`;
    // a concurrent truncation or rewrite by another process can show
    // changed bytes or fault (SIGBUS), the documented memmap2 caveat.
    // Populating only reads the pages in earlier.
    let map = unsafe { memmap2::MmapOptions::new().populate().map(file) }?;
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(map)
}

/// Granularity of [`release_before`] in bytes (a multiple of every page
/// size).
pub const RELEASE_STEP: usize = 1 << 16;

/// Let the system drop the pages of `map` below `addr` that were not
/// dropped yet.
///
/// `addr` is an address inside `map` (for example the pointer to the
/// next byte a decoder reads); `done` counts the bytes from the start of
/// the map already released and is updated. Only whole steps of
/// [`RELEASE_STEP`] bytes are released, and an `addr` outside the map
/// does nothing. The bytes stay readable and unchanged: dropped pages are
/// read again from the file when touched. Does nothing but update `done`
/// on systems other than Unix.
pub fn release_before(map: &Mmap, addr: usize, done: &Cell<usize>) {
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
        // The range `done..upto` lies inside the map (`upto` is at most
        // `addr - start`, which is at most `map.len()`) and starts on a
        // multiple of RELEASE_STEP, so on a page boundary: no page outside
        // the map is touched.
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

/// Ask the kernel to map in the `len` bytes of `map` at `start` at once
/// (one system call instead of a page fault every few pages).
///
/// The range is cut to the map (a range past its end does nothing);
/// errors (old kernels) are ignored: the pages then fault in as they are
/// read. Does nothing on systems other than Linux.
pub fn prefault(map: &Mmap, start: usize, len: usize) {
    #[cfg(target_os = "linux")]
    {
        let end = start.saturating_add(len).min(map.len());
        if start < end {
            let _ = map.advise_range(memmap2::Advice::PopulateRead, start, end - start);
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (map, start, len);
    }
}
