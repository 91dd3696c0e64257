use std::cell::Cell;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use super::*;

/// A file in the temp directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn with(name: &str, bytes: &[u8]) -> TempFile {
        let path =
            std::env::temp_dir().join(format!("brinery-mmap-test-{}-{name}", std::process::id()));
        File::create(&path).unwrap().write_all(bytes).unwrap();
        TempFile(path)
    }

    fn open(&self) -> File {
        File::open(&self.0).unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Bytes that differ from page to page and within a page.
fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i % 251) as u8 ^ (i >> 12) as u8)
        .collect()
}

#[test]
fn map_reads_the_file_back() {
    let bytes = pattern(3 * RELEASE_STEP + 123);
    let tmp = TempFile::with("map", &bytes);
    let m = map(&tmp.open()).unwrap();
    assert_eq!(m.len(), bytes.len());
    assert!(m[..] == bytes[..]);

    let p = map_populated(&tmp.open()).unwrap();
    assert!(p[..] == bytes[..]);
}

#[test]
fn empty_file_maps_to_no_bytes() {
    let tmp = TempFile::with("empty", b"");
    assert!(map(&tmp.open()).unwrap().is_empty());
    assert!(map_populated(&tmp.open()).unwrap().is_empty());
}

#[test]
fn release_before_keeps_the_bytes() {
    let bytes = pattern(4 * RELEASE_STEP + 4095);
    let tmp = TempFile::with("release", &bytes);
    let m = map(&tmp.open()).unwrap();
    assert!(m[..] == bytes[..]); // every page resident
    let start = m.as_ptr() as usize;
    let done = Cell::new(0);

    // Addresses outside the map, and the map's start, release nothing.
    release_before(&m, start, &done);
    release_before(&m, start.wrapping_sub(1), &done);
    release_before(&m, start + m.len() + 1, &done);
    assert_eq!(done.get(), 0);
    // Less than one step: nothing yet.
    release_before(&m, start + RELEASE_STEP - 1, &done);
    assert_eq!(done.get(), 0);
    // Whole steps only.
    release_before(&m, start + 2 * RELEASE_STEP + 17, &done);
    assert_eq!(done.get(), 2 * RELEASE_STEP);
    // Going back releases nothing more.
    release_before(&m, start + RELEASE_STEP + 5, &done);
    assert_eq!(done.get(), 2 * RELEASE_STEP);
    // Up to the very end (one past the last byte is inside the range).
    release_before(&m, start + m.len(), &done);
    assert_eq!(done.get(), 4 * RELEASE_STEP);

    // The released pages read back with the file's bytes.
    assert!(m[..] == bytes[..]);
}

#[test]
fn prefault_cuts_ranges_to_the_map() {
    let bytes = pattern(RELEASE_STEP + 7);
    let tmp = TempFile::with("prefault", &bytes);
    let m = map(&tmp.open()).unwrap();
    prefault(&m, 0, m.len());
    prefault(&m, 10, 1 << 40);
    prefault(&m, m.len(), 1);
    prefault(&m, m.len() + 4096, 4096);
    prefault(&m, usize::MAX, usize::MAX);
    prefault(&m, 5, 0);
    assert!(m[..] == bytes[..]);

    let empty = TempFile::with("prefault-empty", b"");
    let e = map(&empty.open()).unwrap();
    prefault(&e, 0, 100);
    assert!(e.is_empty());
}
