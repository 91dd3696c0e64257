//! `dbm.gnu`: GDBM's own file format, read-only, from the on-disk layout.
//!
//! Block 0 holds the file header (magic, block size, the directory's
//! address and size, bucket geometry, the next free block), for the
//! "numsync" (extended) format a 32-byte extension header, then the
//! header's avail block (free-space list). The directory is an array of
//! `2^dir_bits` file offsets of hash buckets (consecutive entries share a
//! bucket). A bucket holds its own small avail list, then
//! `bucket_elems` slots of (hash, first 4 key bytes, data pointer, key
//! size, data size); the key bytes followed by the value bytes start at
//! the data pointer. Integers are in the writer's byte order, offsets
//! 4 or 8 bytes wide: the magic number says which (`0x13579acd` 32-bit
//! offsets, `0x13579acf` 64-bit, `0x13579ad0`/`0x13579ad1` numsync,
//! `0x13579ace` the original format; byte-swapped when written on a
//! machine of the other endianness).

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::{Key, RawEntry};

/// GDBM's magic numbers and the layout each announces:
/// `(magic, offset64, numsync)`.
const MAGICS: [(u32, bool, bool); 5] = [
    (0x1357_9ace, true, false),  // GDBM_OMAGIC (old 64-bit files)
    (0x1357_9acd, false, false), // GDBM_MAGIC32
    (0x1357_9acf, true, false),  // GDBM_MAGIC64
    (0x1357_9ad0, false, true),  // GDBM_NUMSYNC_MAGIC32
    (0x1357_9ad1, true, true),   // GDBM_NUMSYNC_MAGIC64
];
/// Number of avail entries kept in each bucket.
const BUCKET_AVAIL: u64 = 6;
/// Most avail blocks followed from the header (a chain in a valid file
/// is far shorter; this bounds a cyclic one).
const MAX_AVAIL_BLOCKS: usize = 1 << 16;

/// The layout a GDBM file was written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GdbmLayout {
    /// Integers are big-endian (the magic is byte-swapped relative to a
    /// little-endian reader).
    pub big_endian: bool,
    /// File offsets (`off_t`) are 8 bytes (else 4).
    pub offset64: bool,
    /// The extended "numsync" format.
    pub numsync: bool,
}

impl GdbmLayout {
    fn off(&self) -> u64 {
        if self.offset64 {
            8
        } else {
            4
        }
    }
    fn header_size(&self) -> u64 {
        // magic, block_size, dir, dir_size, dir_bits, bucket_size,
        // bucket_elems, next_block
        4 + 4 + self.off() + 4 * 4 + self.off()
    }
    fn ext_size(&self) -> u64 {
        if self.numsync {
            32
        } else {
            0
        }
    }
    /// avail_elem: int av_size; off_t av_adr (aligned).
    fn avail_elem(&self) -> u64 {
        2 * self.off()
    }
    /// avail_block header: int size; int count; off_t next_block.
    fn avail_head(&self) -> u64 {
        8 + self.off()
    }
    /// bucket_element: int hash; char key_start[4]; off_t data_pointer;
    /// int key_size; int data_size.
    fn elem_size(&self) -> u64 {
        8 + self.off() + 8
    }
    /// Offset of h_table in hash_bucket.
    fn table_offset(&self) -> u64 {
        // int av_count (padded to off_t), bucket_avail[6], bucket_bits, count
        self.off() + BUCKET_AVAIL * self.avail_elem() + 8
    }
}

/// A GDBM file's header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GdbmHeader {
    /// Byte order, offset width, numsync.
    pub layout: GdbmLayout,
    /// The block size.
    pub block_size: u64,
    /// File offset of the bucket directory.
    pub dir: u64,
    /// Size of the directory in bytes.
    pub dir_size: u64,
    /// Address bits of the directory (`2^dir_bits` entries).
    pub dir_bits: u32,
    /// Size of a bucket in bytes.
    pub bucket_size: u64,
    /// Slots per bucket.
    pub bucket_elems: u64,
    /// The next unallocated block.
    pub next_block: u64,
    /// The numsync counter (extended format only).
    pub numsync: Option<u32>,
}

pub(crate) struct Gnu {
    path: PathBuf,
    file: File,
    len: u64,
    pub(crate) header: GdbmHeader,
    dir: Vec<u64>,
    pub(crate) problems: Vec<Error>,
}

/// The layout a magic number announces, if it is GDBM's.
pub(crate) fn layout_of(head: &[u8]) -> Option<GdbmLayout> {
    let b: [u8; 4] = head.get(..4)?.try_into().ok()?;
    for big_endian in [false, true] {
        let m = if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        };
        let Some(&(_, offset64, numsync)) = MAGICS.iter().find(|k| k.0 == m) else {
            continue;
        };
        return Some(GdbmLayout {
            big_endian,
            offset64,
            numsync,
        });
    }
    None
}

struct Bytes<'a> {
    b: &'a [u8],
    layout: GdbmLayout,
}

impl Bytes<'_> {
    /// The `N` bytes at `at`, most significant first.
    fn big_endian<const N: usize>(&self, at: u64) -> [u8; N] {
        let at = at as usize;
        let mut a: [u8; N] = self.b[at..at + N].try_into().unwrap_or([0; N]);
        if !self.layout.big_endian {
            a.reverse();
        }
        a
    }
    fn u32(&self, at: u64) -> u32 {
        u32::from_be_bytes(self.big_endian(at))
    }
    fn i32(&self, at: u64) -> i32 {
        self.u32(at) as i32
    }
    /// An `off_t` (signed); negative values become `u64::MAX`, which every
    /// bounds check rejects.
    fn off(&self, at: u64) -> u64 {
        let v: i64 = if self.layout.offset64 {
            i64::from_be_bytes(self.big_endian(at))
        } else {
            i64::from(self.i32(at))
        };
        u64::try_from(v).unwrap_or(u64::MAX)
    }
}

fn int_nonneg(v: i32) -> Option<u64> {
    u64::try_from(v).ok()
}

impl Gnu {
    pub(crate) fn open(path: &Path) -> Result<Gnu> {
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let corrupt = |msg: String| Error::new(ErrorKind::Corrupt, msg).path(path);
        let mut head = [0u8; 80];
        let n = read_up_to(&mut file, &mut head).map_err(|e| Error::io(path, e))?;
        let layout = layout_of(&head[..n])
            .ok_or_else(|| Error::new(ErrorKind::NotAShelf, "not a GDBM file").path(path))?;
        let need = layout.header_size() + layout.ext_size();
        if (n as u64) < need {
            return Err(corrupt(format!(
                "the GDBM header is cut short ({n} of {need} bytes)"
            )));
        }
        let r = Bytes { b: &head, layout };
        let o = layout.off();
        let block_size = int_nonneg(r.i32(4));
        let dir = r.off(8);
        let dir_size = int_nonneg(r.i32(8 + o));
        let dir_bits = r.i32(12 + o);
        let bucket_size = int_nonneg(r.i32(16 + o));
        let bucket_elems = int_nonneg(r.i32(20 + o));
        let next_block = r.off(24 + o);
        let numsync = layout.numsync.then(|| r.u32(layout.header_size() + 4));
        let (Some(block_size), Some(dir_size), Some(bucket_size), Some(bucket_elems)) =
            (block_size, dir_size, bucket_size, bucket_elems)
        else {
            return Err(corrupt("negative sizes in the GDBM header".into()));
        };
        // The checks of gdbm's validate_header.
        if block_size <= need + layout.avail_head() {
            return Err(corrupt(format!(
                "bad block size {block_size} in the GDBM header"
            )));
        }
        if !(dir > 0 && dir < len && dir_size > 0 && dir_size <= len - dir) {
            return Err(corrupt(format!(
                "the bucket directory (byte {dir}, {dir_size} bytes) lies outside the file ({len} bytes)"
            )));
        }
        if !(0..=30).contains(&dir_bits) || dir_size != (o << dir_bits) {
            return Err(corrupt(format!(
                "the directory size {dir_size} does not match its {dir_bits} address bits"
            )));
        }
        let min_bucket = layout.table_offset() + layout.elem_size();
        if bucket_size < min_bucket
            || bucket_elems != (bucket_size - min_bucket) / layout.elem_size() + 1
        {
            return Err(corrupt(format!(
                "bad bucket geometry in the GDBM header ({bucket_size} bytes, {bucket_elems} slots)"
            )));
        }
        let header = GdbmHeader {
            layout,
            block_size,
            dir,
            dir_size,
            dir_bits: dir_bits as u32,
            bucket_size,
            bucket_elems,
            next_block,
            numsync,
        };
        let mut g = Gnu {
            path: path.to_path_buf(),
            file,
            len,
            header,
            dir: Vec::new(),
            problems: Vec::new(),
        };
        // The directory (bounded by the file's size, checked above).
        let raw = g.read_at(dir, dir_size)?;
        let rb = Bytes { b: &raw, layout };
        g.dir = (0..dir_size / o).map(|i| rb.off(i * o)).collect();
        g.problems = g.check_avail();
        Ok(g)
    }

    fn read_at(&self, at: u64, n: u64) -> Result<Vec<u8>> {
        if at > self.len || n > self.len - at {
            return Err(Error::new(
                ErrorKind::OutOfBounds,
                format!(
                    "{n} bytes at byte {at} lie outside the file ({} bytes)",
                    self.len
                ),
            )
            .path(&self.path));
        }
        let mut f = &self.file;
        f.seek(SeekFrom::Start(at))
            .map_err(|e| Error::io(&self.path, e))?;
        let mut buf = vec![0u8; n as usize];
        f.read_exact(&mut buf)
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(buf)
    }

    /// Walk the avail lists (the header's block and the chain of blocks it
    /// points to): free space is never read as data, but a damaged list is
    /// worth a warning.
    fn check_avail(&self) -> Vec<Error> {
        let mut problems = Vec::new();
        let mut problem = |msg: String| {
            problems.push(Error::new(ErrorKind::Corrupt, msg).path(&self.path));
        };
        let l = self.header.layout;
        let first = l.header_size() + l.ext_size();
        let mut at = first;
        let mut seen = HashSet::new();
        for n in 0..MAX_AVAIL_BLOCKS {
            if !seen.insert(at) {
                problem(format!("the avail list loops back to byte {at}"));
                break;
            }
            let head = match self.read_at(at, l.avail_head()) {
                Ok(h) => h,
                Err(_) => {
                    problem(format!(
                        "avail block {n} at byte {at} lies outside the file"
                    ));
                    break;
                }
            };
            let r = Bytes {
                b: &head,
                layout: l,
            };
            let (size, count, next) = (r.i32(0), r.i32(4), r.off(8));
            if size < 0 || count < 0 || count > size {
                problem(format!(
                    "avail block {n} at byte {at} has {count} entries for {size} slots"
                ));
                break;
            }
            let bytes = (count as u64).saturating_mul(l.avail_elem());
            if let Ok(elems) = self.read_at(at + l.avail_head(), bytes) {
                let r = Bytes {
                    b: &elems,
                    layout: l,
                };
                for i in 0..count as u64 {
                    let sz = r.i32(i * l.avail_elem());
                    let adr = r.off(i * l.avail_elem() + l.off());
                    if sz < 0 || adr > self.len {
                        problem(format!(
                            "avail block {n} entry {i} ({sz} bytes at byte {adr}) lies outside the file"
                        ));
                        break;
                    }
                }
            } else {
                problem(format!("avail block {n} at byte {at} is cut short"));
                break;
            }
            if next == 0 {
                break;
            }
            at = next;
        }
        problems
    }

    /// The number of entries (occupied slots of the buckets the directory
    /// reaches), without reading keys or values.
    pub(crate) fn count(&self) -> u64 {
        let l = self.header.layout;
        let mut seen = HashSet::new();
        let mut n = 0;
        for &adr in &self.dir {
            if !seen.insert(adr) {
                continue;
            }
            let Ok(bucket) = self.read_at(adr, self.header.bucket_size) else {
                continue;
            };
            let r = Bytes {
                b: &bucket,
                layout: l,
            };
            n += (0..self.header.bucket_elems)
                .filter(|slot| r.i32(l.table_offset() + slot * l.elem_size()) != -1)
                .count() as u64;
        }
        n
    }

    /// Every entry in gdbm's `firstkey`/`nextkey` order: the directory's
    /// buckets in order (each once), the slots of each bucket in order.
    /// A bucket outside the file is recorded in `problems` and skipped.
    pub(crate) fn entries(&self) -> (Vec<RawEntry>, Vec<Error>) {
        self.walk(None, true)
    }

    /// The keys only (values are not read), and the damage found.
    pub(crate) fn keys(&self) -> (Vec<Key>, Vec<Error>) {
        let (entries, problems) = self.walk(None, false);
        (entries.into_iter().map(|(k, _)| k).collect(), problems)
    }

    /// The value of one key (the walk stops at it).
    pub(crate) fn get(&self, key: &[u8]) -> Option<Result<Vec<u8>>> {
        self.walk(Some(key), true).0.pop().map(|(_, v)| v)
    }

    /// Walk the buckets: every entry (or only `want`'s), with its value if
    /// `values` (else an empty placeholder).
    fn walk(&self, want: Option<&[u8]>, values: bool) -> (Vec<RawEntry>, Vec<Error>) {
        let l = self.header.layout;
        let mut problems = Vec::new();
        let mut problem = |msg: String| {
            problems.push(Error::new(ErrorKind::Corrupt, msg).path(&self.path));
        };
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for (i, &adr) in self.dir.iter().enumerate() {
            if !seen.insert(adr) {
                continue;
            }
            let bucket = match self.read_at(adr, self.header.bucket_size) {
                Ok(b) => b,
                Err(_) => {
                    let msg = format!(
                        "directory entry {i} points to a bucket at byte {adr} outside the file ({} bytes); its entries are lost",
                        self.len
                    );
                    problem(msg);
                    continue;
                }
            };
            let r = Bytes {
                b: &bucket,
                layout: l,
            };
            for slot in 0..self.header.bucket_elems {
                let e = l.table_offset() + slot * l.elem_size();
                if r.i32(e) == -1 {
                    continue;
                }
                let start = bucket[(e + 4) as usize..(e + 8) as usize].to_vec();
                let ptr = r.off(e + 8);
                let key_size = r.i32(e + 8 + l.off());
                let data_size = r.i32(e + 12 + l.off());
                let (Some(ks), Some(ds)) = (int_nonneg(key_size), int_nonneg(data_size)) else {
                    problem(format!(
                        "bucket at byte {adr} slot {slot}: negative key or data size"
                    ));
                    continue;
                };
                let key = match self.read_at(ptr, ks) {
                    Ok(k) if want.is_some_and(|w| w != k.as_slice()) => continue,
                    Ok(k) => Key::from_stored(k, true),
                    Err(_) => {
                        let shown = &start[..start.len().min(ks as usize)];
                        let msg = format!(
                            "the key starting with {} ({ks} bytes at byte {ptr}, bucket at byte {adr}) lies outside the file ({} bytes); its entry is lost",
                            brinery::repr::repr_bytes(shown),
                            self.len
                        );
                        problem(msg);
                        continue;
                    }
                };
                if !values {
                    out.push((key, Ok(Vec::new())));
                    continue;
                }
                let value = match ptr.checked_add(ks) {
                    Some(at) => self.read_at(at, ds).map_err(|_| {
                        Error::new(
                            ErrorKind::OutOfBounds,
                            format!(
                                "the value at byte {at} ({ds} bytes) runs past the end of the file ({} bytes)",
                                self.len
                            ),
                        )
                        .path(&self.path)
                        .key(&key)
                    }),
                    None => Err(Error::new(ErrorKind::OutOfBounds, "the value's offset overflows")
                        .path(&self.path)
                        .key(&key)),
                };
                out.push((key, value));
                if want.is_some() {
                    return (out, problems);
                }
            }
        }
        (out, problems)
    }
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
