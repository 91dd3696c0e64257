//! brinery-zip: a tolerant, zero-copy zip reader, shared by PyTorch
//! archives (`brinery-torch`), `.npz` files (`brinery-numpy`) and the
//! scanner (`brinery-scan`): one zip reader in the workspace.
//!
//! PyTorch reads its zip checkpoints with miniz (`PyTorchStreamReader`),
//! which is lenient: it does not check CRCs, ignores unusual
//! general-purpose flag bits and takes names from the central directory.
//! Files produced by other tools (or damaged ones) that torch still loads
//! must load here too, so this reader tolerates the same things:
//!
//! - CRC-32 values are recorded ([`Entry::crc32`]) but never checked;
//! - any general-purpose flag bits (data descriptors, UTF-8 names, ...);
//! - a local header whose name differs from the central directory's (the
//!   central name wins, the difference is noted);
//! - zip64 end records, zip64 extra fields, archives with leading bytes
//!   (offsets shifted by a prefix);
//! - a missing or corrupt central directory: the local headers are then
//!   scanned from the start of the file ([`Archive::recovered`]).
//!
//! Every anomaly tolerated is described in [`Archive::notes`] (useful for
//! scanners). Nothing is allocated beyond the bytes present: entry tables
//! grow with the records actually parsed and inflating never produces more
//! than the declared size.
//!
//! ```
//! # fn main() -> Result<(), brinery::Error> {
//! // A stored (uncompressed) entry "a/b" holding "hi".
//! let mut zip = Vec::new();
//! zip.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
//! zip.extend_from_slice(&0u32.to_le_bytes()); // crc (never checked)
//! zip.extend_from_slice(&2u32.to_le_bytes());
//! zip.extend_from_slice(&2u32.to_le_bytes());
//! zip.extend_from_slice(&3u16.to_le_bytes());
//! zip.extend_from_slice(&0u16.to_le_bytes());
//! zip.extend_from_slice(b"a/bhi");
//! let archive = brinery_zip::Archive::new(&zip)?; // no central directory
//! assert!(archive.recovered());
//! let entry = archive.by_name("a/b").unwrap();
//! assert_eq!(&*archive.data(entry)?, b"hi");
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::borrow::Cow;
use std::io::Read;

use brinery::{Error, ErrorKind, Result};

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD64_SIG: u32 = 0x0606_4b50;
const EOCD64_LOCATOR_SIG: u32 = 0x0706_4b50;
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;

/// Compression method "stored" (no compression).
pub const STORED: u16 = 0;
/// Compression method "deflate".
pub const DEFLATED: u16 = 8;

/// The largest expansion factor of deflate (a 258-byte match costs at least
/// two bits... rounded up generously).
const MAX_DEFLATE_RATIO: u64 = 1032;

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidValue, msg)
}

fn eof(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Eof, msg)
}

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    let b = d.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    let b = d.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Apply the zip64 extended information of an `extra` field: the `fields`
/// that are 0xFFFFFFFF take its 8-byte values, in order.
fn zip64_sizes<const N: usize>(extra: &[u8], mut fields: [&mut u64; N]) {
    let mut e = 0;
    while e + 4 <= extra.len() {
        let id = u16::from_le_bytes([extra[e], extra[e + 1]]);
        let len = usize::from(u16::from_le_bytes([extra[e + 2], extra[e + 3]]));
        let body = &extra[e + 4..(e + 4 + len).min(extra.len())];
        if id == 1 {
            let mut f = 0;
            for field in fields.iter_mut() {
                if **field == 0xFFFF_FFFF {
                    if let Some(v) = u64_at(body, f) {
                        **field = v;
                        f += 8;
                    }
                }
            }
        }
        e += 4 + len;
    }
}

fn u64_at(d: &[u8], at: usize) -> Option<u64> {
    let b = d.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}

/// One member of a zip archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The name (from the central directory when there is one; lossy UTF-8).
    pub name: String,
    /// Offset of the local file header.
    pub header_offset: u64,
    /// Offset of the (compressed) data.
    pub data_offset: u64,
    /// Size of the (compressed) data, as recorded.
    pub compressed_size: u64,
    /// Size after decompression, as recorded.
    pub uncompressed_size: u64,
    /// Compression method ([`STORED`], [`DEFLATED`], or another code).
    pub method: u16,
    /// The general-purpose flag bits.
    pub flags: u16,
    /// The recorded CRC-32 (never checked).
    pub crc32: u32,
}

impl Entry {
    /// Whether the data is stored uncompressed (and can be borrowed).
    pub fn is_stored(&self) -> bool {
        self.method == STORED
    }
}

/// A parsed zip archive borrowing its bytes.
#[derive(Clone, Debug)]
pub struct Archive<'a> {
    data: &'a [u8],
    entries: Vec<Entry>,
    recovered: bool,
    notes: Vec<String>,
}

impl<'a> Archive<'a> {
    /// Parse the archive's directory. Fails only when no entry at all can
    /// be found (neither through the central directory nor by scanning
    /// local headers).
    pub fn new(data: &'a [u8]) -> Result<Archive<'a>> {
        let mut notes = Vec::new();
        match read_central(data, &mut notes) {
            Ok(entries) => Ok(Archive {
                data,
                entries,
                recovered: false,
                notes,
            }),
            Err(e) => {
                notes.push(format!(
                    "central directory unusable ({}); scanned local headers",
                    e.message()
                ));
                let entries = scan_local(data, &mut notes);
                if entries.is_empty() {
                    return Err(invalid(format!(
                        "not a zip archive: {} and no local file header found",
                        e.message()
                    )));
                }
                Ok(Archive {
                    data,
                    entries,
                    recovered: true,
                    notes,
                })
            }
        }
    }

    /// The entries, in central-directory (or file) order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The first entry with this exact name.
    pub fn by_name(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Whether the entries were found by scanning local headers because the
    /// central directory was missing or corrupt.
    pub fn recovered(&self) -> bool {
        self.recovered
    }

    /// Anomalies that were tolerated, one sentence each.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The whole archive's bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }

    /// The raw (possibly compressed) bytes of an entry.
    pub fn raw(&self, entry: &Entry) -> Result<&'a [u8]> {
        let start = usize::try_from(entry.data_offset).ok();
        let end = start.and_then(|s| s.checked_add(usize::try_from(entry.compressed_size).ok()?));
        match (start, end) {
            (Some(s), Some(e)) if e <= self.data.len() => Ok(&self.data[s..e]),
            _ => Err(eof(format!(
                "zip entry '{}' is truncated: its {} bytes at offset {} go past the end of the \
                 file ({} bytes)",
                entry.name,
                entry.compressed_size,
                entry.data_offset,
                self.data.len()
            ))),
        }
    }

    /// The uncompressed bytes of an entry: borrowed for stored entries,
    /// inflated for deflated ones (never more than the declared size).
    pub fn data(&self, entry: &Entry) -> Result<Cow<'a, [u8]>> {
        self.data_limited(entry, u64::MAX)
    }

    /// Like [`Archive::data`], failing if an entry would inflate to more
    /// than `limit` bytes.
    pub fn data_limited(&self, entry: &Entry, limit: u64) -> Result<Cow<'a, [u8]>> {
        decode(self.raw(entry)?, entry, limit)
    }
}

/// Decode an entry's raw bytes (as [`Archive::raw`] returns them, or the
/// same bytes read from elsewhere): stored bytes are borrowed, deflated
/// ones inflated to at most `limit` bytes and the declared size.
pub fn decode<'a>(raw: &'a [u8], entry: &Entry, limit: u64) -> Result<Cow<'a, [u8]>> {
    match entry.method {
        STORED => {
            if entry.uncompressed_size != entry.compressed_size {
                return Err(invalid(format!(
                    "zip entry '{}' is stored but its sizes differ ({} compressed, {} \
                     uncompressed)",
                    entry.name, entry.compressed_size, entry.uncompressed_size
                )));
            }
            Ok(Cow::Borrowed(raw))
        }
        DEFLATED => {
            let want = entry.uncompressed_size;
            if want > limit {
                return Err(Error::new(
                    ErrorKind::LimitExceeded,
                    format!(
                        "zip entry '{}' inflates to {} bytes, more than the limit of {}",
                        entry.name, want, limit
                    ),
                ));
            }
            let bound = (raw.len() as u64)
                .saturating_mul(MAX_DEFLATE_RATIO)
                .saturating_add(1024);
            if want > bound {
                return Err(invalid(format!(
                    "zip entry '{}' claims {} bytes inflated from only {} compressed bytes",
                    entry.name,
                    want,
                    raw.len()
                )));
            }
            let cap = usize::try_from(want).map_err(|_| invalid("entry too large"))?;
            let mut out = Vec::with_capacity(cap);
            let mut dec = flate2::read::DeflateDecoder::new(raw).take(want);
            dec.read_to_end(&mut out).map_err(|e| {
                invalid(format!("zip entry '{}': bad deflate data: {e}", entry.name))
            })?;
            if (out.len() as u64) < want {
                return Err(eof(format!(
                    "zip entry '{}' inflated to {} bytes, {} were declared (truncated?)",
                    entry.name,
                    out.len(),
                    want
                )));
            }
            Ok(Cow::Owned(out))
        }
        m => Err(invalid(format!(
            "zip entry '{}' uses unsupported compression method {m}",
            entry.name
        ))),
    }
}

/// Find the end-of-central-directory record (searching backwards over the
/// last 64 KiB + 22 bytes, as the comment may be that long).
fn find_eocd(d: &[u8]) -> Option<usize> {
    if d.len() < 22 {
        return None;
    }
    let lowest = d.len().saturating_sub(22 + 65535);
    let mut i = d.len() - 22;
    loop {
        if u32_at(d, i) == Some(EOCD_SIG) {
            return Some(i);
        }
        if i == lowest {
            return None;
        }
        i -= 1;
    }
}

fn read_central(d: &[u8], notes: &mut Vec<String>) -> Result<Vec<Entry>> {
    let eocd = find_eocd(d).ok_or_else(|| invalid("no end-of-central-directory record"))?;
    let mut count = u64::from(u16_at(d, eocd + 10).unwrap_or(0));
    let mut cd_size = u64::from(u32_at(d, eocd + 12).unwrap_or(0));
    let mut cd_offset = u64::from(u32_at(d, eocd + 16).unwrap_or(0));
    // zip64: a locator right before the EOCD points at the zip64 record.
    if eocd >= 20 && u32_at(d, eocd - 20) == Some(EOCD64_LOCATOR_SIG) {
        let rec = u64_at(d, eocd - 12).and_then(|v| usize::try_from(v).ok());
        // Also accept the record right before the locator (archives with a
        // prefix shift the recorded offset).
        let candidates = [rec, (eocd - 20).checked_sub(56)];
        let found = candidates
            .iter()
            .flatten()
            .copied()
            .find(|&r| u32_at(d, r) == Some(EOCD64_SIG));
        match found {
            Some(r) => {
                count = u64_at(d, r + 32).unwrap_or(count);
                cd_size = u64_at(d, r + 40).unwrap_or(cd_size);
                cd_offset = u64_at(d, r + 48).unwrap_or(cd_offset);
            }
            None => notes.push("zip64 locator points to no zip64 end record".into()),
        }
    }
    // Where the central directory really is: as recorded, or right before
    // the end record (the archive has a prefix or the offsets are off).
    let mut start = usize::try_from(cd_offset)
        .ok()
        .filter(|&s| u32_at(d, s) == Some(CENTRAL_SIG));
    let mut shift: i64 = 0;
    if start.is_none() {
        let eocd_start = if eocd >= 20 && u32_at(d, eocd - 20) == Some(EOCD64_LOCATOR_SIG) {
            // Before the zip64 record (56 bytes) and locator (20 bytes).
            (eocd - 20).checked_sub(56)
        } else {
            Some(eocd)
        };
        let guess = eocd_start
            .and_then(|e| usize::try_from(cd_size).ok().and_then(|s| e.checked_sub(s)))
            .filter(|&s| u32_at(d, s) == Some(CENTRAL_SIG) || cd_size == 0);
        match guess {
            Some(s) => {
                shift = (s as i64).wrapping_sub(cd_offset as i64);
                notes.push(format!(
                    "central directory found at {s}, not at the recorded offset {cd_offset}: \
                     offsets shifted by {shift}"
                ));
                start = Some(s);
            }
            None if count == 0 && cd_size == 0 => {
                start = Some(eocd);
            }
            None => {
                return Err(invalid(format!(
                    "central directory not found at offset {cd_offset}"
                )))
            }
        }
    }
    let mut pos = start.unwrap_or(eocd);
    let mut entries = Vec::new();
    while u32_at(d, pos) == Some(CENTRAL_SIG) {
        let hdr = d
            .get(pos..pos + 46)
            .ok_or_else(|| eof(format!("central directory entry at {pos} is truncated")))?;
        let flags = u16::from_le_bytes([hdr[8], hdr[9]]);
        let method = u16::from_le_bytes([hdr[10], hdr[11]]);
        let crc32 = u32::from_le_bytes([hdr[16], hdr[17], hdr[18], hdr[19]]);
        let mut csize = u64::from(u32::from_le_bytes([hdr[20], hdr[21], hdr[22], hdr[23]]));
        let mut usize_ = u64::from(u32::from_le_bytes([hdr[24], hdr[25], hdr[26], hdr[27]]));
        let name_len = usize::from(u16::from_le_bytes([hdr[28], hdr[29]]));
        let extra_len = usize::from(u16::from_le_bytes([hdr[30], hdr[31]]));
        let comment_len = usize::from(u16::from_le_bytes([hdr[32], hdr[33]]));
        let mut local = u64::from(u32::from_le_bytes([hdr[42], hdr[43], hdr[44], hdr[45]]));
        let name_at = pos + 46;
        let name = d
            .get(name_at..name_at + name_len)
            .ok_or_else(|| eof(format!("central directory entry at {pos} is truncated")))?;
        let extra = d
            .get(name_at + name_len..name_at + name_len + extra_len)
            .ok_or_else(|| eof(format!("central directory entry at {pos} is truncated")))?;
        // zip64 extended information: the fields that are 0xFFFFFFFF, in order.
        zip64_sizes(extra, [&mut usize_, &mut csize, &mut local]);
        let name = String::from_utf8_lossy(name).into_owned();
        let header_offset = (local as i64).wrapping_add(shift) as u64;
        let data_offset = local_data_offset(d, header_offset, &name, notes).ok_or_else(|| {
            invalid(format!(
                "zip entry '{name}': no local file header at offset {header_offset}"
            ))
        })?;
        entries.push(Entry {
            name,
            header_offset,
            data_offset,
            compressed_size: csize,
            uncompressed_size: usize_,
            method,
            flags,
            crc32,
        });
        pos = name_at + name_len + extra_len + comment_len;
    }
    if (entries.len() as u64) != count {
        notes.push(format!(
            "end record announces {count} entries, the central directory holds {}",
            entries.len()
        ));
        if entries.is_empty() {
            return Err(invalid("central directory holds no entries"));
        }
    }
    Ok(entries)
}

/// The data offset of the local header at `at`, noting a name mismatch.
fn local_data_offset(d: &[u8], at: u64, name: &str, notes: &mut Vec<String>) -> Option<u64> {
    let at = usize::try_from(at).ok()?;
    if u32_at(d, at)? != LOCAL_SIG {
        return None;
    }
    let name_len = usize::from(u16_at(d, at + 26)?);
    let extra_len = usize::from(u16_at(d, at + 28)?);
    let start = at + 30;
    if let Some(local_name) = d.get(start..start + name_len) {
        if local_name != name.as_bytes() && notes.len() < 100 {
            notes.push(format!(
                "local header at {at} names '{}', the central directory '{name}'",
                String::from_utf8_lossy(local_name)
            ));
        }
    }
    Some((start + name_len + extra_len) as u64)
}

/// Recover entries by walking local headers from the start of the file.
fn scan_local(d: &[u8], notes: &mut Vec<String>) -> Vec<Entry> {
    let mut entries = Vec::new();
    // Start at the first local header (tolerating a prefix).
    let mut pos = match find(d, 0, &LOCAL_SIG.to_le_bytes()) {
        Some(p) => p,
        None => return entries,
    };
    while let Some(hdr) = d.get(pos..pos + 30) {
        if u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]) != LOCAL_SIG {
            break;
        }
        let flags = u16::from_le_bytes([hdr[6], hdr[7]]);
        let method = u16::from_le_bytes([hdr[8], hdr[9]]);
        let mut crc32 = u32::from_le_bytes([hdr[14], hdr[15], hdr[16], hdr[17]]);
        let mut csize = u64::from(u32::from_le_bytes([hdr[18], hdr[19], hdr[20], hdr[21]]));
        let mut usize_ = u64::from(u32::from_le_bytes([hdr[22], hdr[23], hdr[24], hdr[25]]));
        let name_len = usize::from(u16::from_le_bytes([hdr[26], hdr[27]]));
        let extra_len = usize::from(u16::from_le_bytes([hdr[28], hdr[29]]));
        let Some(name) = d.get(pos + 30..pos + 30 + name_len) else {
            break;
        };
        let extra = d
            .get(pos + 30 + name_len..pos + 30 + name_len + extra_len)
            .unwrap_or(&[]);
        zip64_sizes(extra, [&mut usize_, &mut csize]);
        let data_start = pos + 30 + name_len + extra_len;
        let name = String::from_utf8_lossy(name).into_owned();
        let mut next = (data_start as u64).saturating_add(csize);
        if flags & 8 != 0 && csize == 0 {
            // Sizes follow the data in a descriptor: find one whose
            // compressed size matches its distance from the data.
            let mut at = data_start;
            let mut found = None;
            while let Some(p) = find(d, at, &DESCRIPTOR_SIG.to_le_bytes()) {
                let dist = (p - data_start) as u64;
                if u32_at(d, p + 8).map(u64::from) == Some(dist) {
                    found = Some((p, 16, u32_at(d, p + 4), u32_at(d, p + 12).map(u64::from)));
                    break;
                }
                if u64_at(d, p + 8) == Some(dist) {
                    found = Some((p, 24, u32_at(d, p + 4), u64_at(d, p + 16)));
                    break;
                }
                at = p + 1;
            }
            match found {
                Some((p, len, crc, usz)) => {
                    csize = (p - data_start) as u64;
                    usize_ = usz.unwrap_or(csize);
                    crc32 = crc.unwrap_or(crc32);
                    next = (p + len) as u64;
                }
                None => {
                    notes.push(format!(
                        "zip entry '{name}' at {pos}: sizes in a data descriptor that was not \
                         found"
                    ));
                    break;
                }
            }
        } else if d.len() as u64 >= next
            && u32_at(d, next as usize) == Some(DESCRIPTOR_SIG)
            && flags & 8 != 0
        {
            next += if u32_at(d, next as usize + 8).map(u64::from) == Some(csize) {
                16
            } else {
                24
            };
        } else if flags & 8 != 0 {
            // Descriptor without signature (`next` may be saturated by a
            // lying size: then the entry runs past the end, below).
            next = next.saturating_add(12);
        }
        entries.push(Entry {
            name,
            header_offset: pos as u64,
            data_offset: data_start as u64,
            compressed_size: csize,
            uncompressed_size: usize_,
            method,
            flags,
            crc32,
        });
        if next > d.len() as u64 {
            notes.push(format!("zip entry at {pos} runs past the end of the file"));
            break;
        }
        pos = next as usize;
        if u32_at(d, pos) != Some(LOCAL_SIG) {
            // Padding or garbage: look for the next header.
            match find(d, pos, &LOCAL_SIG.to_le_bytes()) {
                Some(p) if u32_at(d, pos) != Some(CENTRAL_SIG) => pos = p,
                _ => break,
            }
        }
    }
    entries
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from >= hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(name: &str, data: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&LOCAL_SIG.to_le_bytes());
        v.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(&(name.len() as u16).to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes());
        v.extend_from_slice(name.as_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn scan_without_central_directory() {
        let mut z = local("x/a", b"hello");
        z.extend(local("x/b", b"world!"));
        let a = Archive::new(&z).unwrap();
        assert!(a.recovered());
        assert_eq!(a.entries().len(), 2);
        assert_eq!(&*a.data(a.by_name("x/b").unwrap()).unwrap(), b"world!");
    }

    #[test]
    fn truncations_never_panic() {
        let mut z = local("x/a", b"hello");
        z.extend(local("x/b", b"world!"));
        for n in 0..z.len() {
            if let Ok(a) = Archive::new(&z[..n]) {
                for e in a.entries() {
                    let _ = a.data(e);
                }
            }
        }
    }
}
