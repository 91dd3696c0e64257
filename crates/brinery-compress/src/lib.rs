//! Transparent decompression (recognised by magic bytes) and compressed
//! output for pickle files. Everything streams.
//!
//! ```
//! use std::io::{Read, Write};
//! let mut enc = brinery_compress::Encoder::new(Some(brinery_compress::Format::Gzip), Vec::new())?;
//! enc.write_all(b"\x80\x04K\x01.")?;
//! let packed = enc.finish()?;
//! assert_eq!(brinery_compress::detect(&packed), Some(brinery_compress::Format::Gzip));
//! let mut out = Vec::new();
//! brinery_compress::decoder(brinery_compress::Format::Gzip, &packed[..])?.read_to_end(&mut out)?;
//! assert_eq!(out, b"\x80\x04K\x01.");
//! # Ok::<(), std::io::Error>(())
//! ```
#![forbid(unsafe_code)]

use std::io::{self, Read, Write};

/// A compression format brine reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// gzip (.gz), as Python's gzip module
    Gzip,
    /// bzip2 (.bz2), as Python's bz2 module
    Bz2,
    /// xz (.xz), as Python's lzma module
    Xz,
    /// legacy LZMA-alone (.lzma), as lzma.FORMAT_ALONE
    Lzma,
    /// zlib stream, as Python's zlib.compress
    Zlib,
    /// Zstandard frame (.zst)
    Zstd,
    /// LZ4 frame format (.lz4)
    Lz4,
}

impl Format {
    /// Every format, in declaration order.
    pub const ALL: [Format; 7] = [
        Format::Gzip,
        Format::Bz2,
        Format::Xz,
        Format::Lzma,
        Format::Zlib,
        Format::Zstd,
        Format::Lz4,
    ];

    /// The lower-case name used on the command line (`gzip`, `bz2`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Format::Gzip => "gzip",
            Format::Bz2 => "bz2",
            Format::Xz => "xz",
            Format::Lzma => "lzma",
            Format::Zlib => "zlib",
            Format::Zstd => "zstd",
            Format::Lz4 => "lz4",
        }
    }

    /// The usual file extension, without the dot (`gz`, `bz2`, `xz`,
    /// `lzma`, `zlib`, `zst`, `lz4`), as pandas' `to_pickle` infers it.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Gzip => "gz",
            Format::Zstd => "zst",
            other => other.name(),
        }
    }

    /// A format from a name as people write it on a command line or in a
    /// file extension, case-insensitively: `gz`/`gzip`, `bz2`/`bzip2`,
    /// `xz`, `lzma`, `zlib`/`zz`, `zst`/`zstd`, `lz4`.
    ///
    /// ```
    /// use brinery_compress::Format;
    /// assert_eq!(Format::from_name("GZ"), Some(Format::Gzip));
    /// assert_eq!(Format::from_name("zst"), Some(Format::Zstd));
    /// assert_eq!(Format::from_name("pkl"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name.to_ascii_lowercase().as_str() {
            "gz" | "gzip" => Format::Gzip,
            "bz2" | "bzip2" => Format::Bz2,
            "xz" => Format::Xz,
            "lzma" => Format::Lzma,
            "zlib" | "zz" => Format::Zlib,
            "zst" | "zstd" => Format::Zstd,
            "lz4" => Format::Lz4,
            _ => return None,
        })
    }

    /// The format a file name's last extension names (`data.pkl.gz` →
    /// gzip), as pandas' `compression="infer"`; `None` for anything else.
    ///
    /// ```
    /// use brinery_compress::Format;
    /// use std::path::Path;
    /// assert_eq!(Format::from_path(Path::new("df.pkl.gz")), Some(Format::Gzip));
    /// assert_eq!(Format::from_path(Path::new("df.pkl")), None);
    /// ```
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?;
        Format::from_name(ext)
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        Format::from_name(s).ok_or_else(|| {
            format!("unknown compression '{s}' (gz, gzip, bz2, xz, lzma, zst, zstd, lz4, zlib)")
        })
    }
}

/// Decompress `data` whole if [`detect`] recognises it, else borrow it
/// unchanged. `limit` caps the decompressed size (a decompression bomb
/// gives an `InvalidData` error instead of exhausting memory).
pub fn decompress_auto(data: &[u8], limit: u64) -> io::Result<std::borrow::Cow<'_, [u8]>> {
    match detect(data) {
        None => Ok(std::borrow::Cow::Borrowed(data)),
        Some(f) => {
            let mut out = Vec::new();
            decoder(f, data)?
                .take(limit.saturating_add(1))
                .read_to_end(&mut out)?;
            if out.len() as u64 > limit {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} data decompresses to more than {limit} bytes", f.name()),
                ));
            }
            Ok(std::borrow::Cow::Owned(out))
        }
    }
}

/// How many leading bytes [`detect`] wants to see.
pub const MAGIC_LEN: usize = 13;

/// Recognise a compressed stream by its first bytes. `None` means "not
/// compressed": the bytes are taken to be a pickle.
///
/// None of the magics below can start a pickle: protocol 2+ pickles start
/// with PROTO (0x80); the first byte of an older one is an opcode, and the
/// only opcodes that share a first byte with a magic ('(' with zstd,
/// 'B' with bzip2, ']' and other ASCII with LZMA-alone) cannot be followed
/// by the rest of that magic in a valid pickle.
pub fn detect(head: &[u8]) -> Option<Format> {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(&[0x1f, 0x8b]) {
        return Some(Format::Gzip);
    }
    if head.len() >= 10
        && starts(b"BZh")
        && (b'1'..=b'9').contains(&head[3])
        && (head[4..10] == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]
            || head[4..10] == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90])
    {
        return Some(Format::Bz2);
    }
    if starts(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        return Some(Format::Xz);
    }
    if starts(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Some(Format::Zstd);
    }
    if starts(&[0x04, 0x22, 0x4d, 0x18]) {
        return Some(Format::Lz4);
    }
    if head.len() >= 2 && is_zlib_header(head[0], head[1]) {
        return Some(Format::Zlib);
    }
    if is_lzma_alone_header(head) {
        return Some(Format::Lzma);
    }
    None
}

/// CMF 0x78 (deflate, 32 KiB window) and a valid FCHECK, no preset
/// dictionary. 'x' (0x78) is not a pickle opcode.
fn is_zlib_header(cmf: u8, flg: u8) -> bool {
    cmf == 0x78 && (u16::from(cmf) * 256 + u16::from(flg)) % 31 == 0 && flg & 0x20 == 0
}

/// The 13-byte LZMA-alone header, checked the way xz's `--format=auto`
/// checks it: a properties byte below 225 (lc + lp <= 4 as liblzma
/// requires), a dictionary size of 2^n or 2^n + 2^(n-1) of at least 4 KiB,
/// and an uncompressed size that is unknown (all ones) or below 2^38.
///
/// A dictionary of at least 4 KiB has a zero low byte; in a pickle that
/// byte is the second opcode (or an opcode argument followed by more
/// bytes), and 0x00 is no opcode, so a pickle is never taken for LZMA.
fn is_lzma_alone_header(head: &[u8]) -> bool {
    if head.len() < 13 {
        return false;
    }
    let props = head[0];
    if props >= 225 {
        return false;
    }
    let lc = u32::from(props % 9);
    let lp = u32::from(props / 9 % 5);
    if lc + lp > 4 {
        return false;
    }
    let dict = u32::from_le_bytes([head[1], head[2], head[3], head[4]]);
    if dict < 4096 {
        return false;
    }
    if dict != u32::MAX {
        let n = 31 - dict.leading_zeros();
        let pow = 1u32 << n;
        let ok = dict == pow || (n > 0 && dict == pow + (pow >> 1));
        if !ok {
            return false;
        }
    }
    let size = u64::from_le_bytes([
        head[5], head[6], head[7], head[8], head[9], head[10], head[11], head[12],
    ]);
    size == u64::MAX || size < (1 << 38)
}

/// Wrap `r` in a decoder for `format`. Multi-member gzip, multi-stream
/// bzip2/xz and multi-frame zstd/lz4 are read to the end.
pub fn decoder<'r>(
    format: Format,
    r: impl Read + Send + 'r,
) -> io::Result<Box<dyn Read + Send + 'r>> {
    Ok(match format {
        Format::Gzip => Box::new(flate2::read::MultiGzDecoder::new(r)),
        Format::Bz2 => Box::new(bzip2::read::MultiBzDecoder::new(r)),
        Format::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(r)),
        Format::Lzma => {
            let stream = liblzma::stream::Stream::new_lzma_decoder(u64::MAX).map_err(lzma_err)?;
            Box::new(liblzma::read::XzDecoder::new_stream(r, stream))
        }
        Format::Zlib => Box::new(flate2::read::ZlibDecoder::new(r)),
        Format::Zstd => Box::new(zstd::stream::read::Decoder::new(r)?),
        Format::Lz4 => Box::new(Lz4Frames::new(r)),
    })
}

/// lz4_flex's decoder stops after one frame; `lz4 -d` (and the format)
/// allow several in a row.
struct Lz4Frames<R: Read> {
    decoder: Option<lz4_flex::frame::FrameDecoder<PushBack<R>>>,
}

impl<R: Read> Lz4Frames<R> {
    fn new(r: R) -> Self {
        Lz4Frames {
            decoder: Some(lz4_flex::frame::FrameDecoder::new(PushBack {
                byte: None,
                inner: r,
            })),
        }
    }
}

impl<R: Read> Read for Lz4Frames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(decoder) = self.decoder.as_mut() else {
                return Ok(0);
            };
            let n = decoder.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // End of a frame: another one may follow.
            let mut src = self.decoder.take().map(|d| d.into_inner());
            if let Some(src) = src.as_mut() {
                let mut b = [0u8; 1];
                let got = loop {
                    match src.read(&mut b) {
                        Ok(got) => break got,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                };
                if got == 0 {
                    return Ok(0);
                }
                src.byte = Some(b[0]);
            }
            self.decoder = src.map(lz4_flex::frame::FrameDecoder::new);
        }
    }
}

/// A reader with one byte pushed back in front.
struct PushBack<R> {
    byte: Option<u8>,
    inner: R,
}

impl<R: Read> Read for PushBack<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match (self.byte.take(), buf.first_mut()) {
            (Some(b), Some(slot)) => {
                *slot = b;
                Ok(1)
            }
            (b, _) => {
                self.byte = b;
                self.inner.read(buf)
            }
        }
    }
}

fn lzma_err(e: liblzma::stream::Error) -> io::Error {
    io::Error::other(e)
}

/// A writer that may compress; [`Encoder::finish`] writes the trailer and
/// returns the inner writer.
pub enum Encoder<W: Write> {
    Plain(W),
    Gzip(flate2::write::GzEncoder<W>),
    Bz2(bzip2::write::BzEncoder<W>),
    Xz(liblzma::write::XzEncoder<W>),
    Zlib(flate2::write::ZlibEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
    Lz4(lz4_flex::frame::FrameEncoder<W>),
}

impl<W: Write> Encoder<W> {
    /// Default levels follow Python's modules (gzip/bz2: 9, xz/lzma: 6,
    /// zlib: 6) and the reference tools (zstd: 3, lz4: fast).
    pub fn new(format: Option<Format>, w: W) -> io::Result<Self> {
        Ok(match format {
            None => Encoder::Plain(w),
            Some(Format::Gzip) => Encoder::Gzip(flate2::write::GzEncoder::new(
                w,
                flate2::Compression::new(9),
            )),
            Some(Format::Bz2) => {
                Encoder::Bz2(bzip2::write::BzEncoder::new(w, bzip2::Compression::new(9)))
            }
            Some(Format::Xz) => Encoder::Xz(liblzma::write::XzEncoder::new(w, 6)),
            Some(Format::Lzma) => {
                let opts = liblzma::stream::LzmaOptions::new_preset(6).map_err(lzma_err)?;
                let stream = liblzma::stream::Stream::new_lzma_encoder(&opts).map_err(lzma_err)?;
                Encoder::Xz(liblzma::write::XzEncoder::new_stream(w, stream))
            }
            Some(Format::Zlib) => Encoder::Zlib(flate2::write::ZlibEncoder::new(
                w,
                flate2::Compression::new(6),
            )),
            Some(Format::Zstd) => Encoder::Zstd(zstd::stream::write::Encoder::new(w, 3)?),
            Some(Format::Lz4) => Encoder::Lz4(lz4_flex::frame::FrameEncoder::new(w)),
        })
    }

    fn inner(&mut self) -> &mut dyn Write {
        match self {
            Encoder::Plain(w) => w,
            Encoder::Gzip(w) => w,
            Encoder::Bz2(w) => w,
            Encoder::Xz(w) => w,
            Encoder::Zlib(w) => w,
            Encoder::Zstd(w) => w,
            Encoder::Lz4(w) => w,
        }
    }

    /// Finish the compressed stream and return the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Encoder::Plain(w) => Ok(w),
            Encoder::Gzip(w) => w.finish(),
            Encoder::Bz2(w) => w.finish(),
            Encoder::Xz(w) => w.finish(),
            Encoder::Zlib(w) => w.finish(),
            Encoder::Zstd(w) => w.finish(),
            Encoder::Lz4(w) => w.finish().map_err(io::Error::other),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner().write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner().write_all(buf)
    }
    /// Flushes plain output only: a compressor is flushed by `finish`
    /// (a sync flush mid-stream costs ratio, and LZMA-alone has none).
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Plain(w) => w.flush(),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_pickles_are_not_compressed() {
        let samples: &[&[u8]] = &[
            b"\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00]\x94(K\x01K\x02e.",
            b"]q\x00(K\x01K\x02e.",
            b"(lp0\nI1\naI2\na.",
            b"]\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff",
            b"(\xb5",
            b"BZh9",
            b"x",
            b"N.",
            b"",
            b"}q\x00(X\x01\x00\x00\x00aq\x01K\x01u.",
        ];
        for s in samples {
            // The 4th sample is a real LZMA header; it is listed to show it
            // is detected, not as a pickle.
            if s[..].starts_with(b"]\x00\x00\x80") {
                assert_eq!(detect(s), Some(Format::Lzma));
            } else {
                assert_eq!(detect(s), None, "{s:?}");
            }
        }
    }

    #[test]
    fn round_trip_every_format() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for f in Format::ALL.iter() {
            let mut enc = Encoder::new(Some(*f), Vec::new()).unwrap();
            enc.write_all(&data).unwrap();
            let packed = enc.finish().unwrap();
            assert_eq!(detect(&packed), Some(*f), "{f:?}");
            let mut out = Vec::new();
            decoder(*f, &packed[..])
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, data, "{f:?}");
        }
    }

    #[test]
    fn concatenated_streams_are_read_whole() {
        for f in Format::ALL.iter() {
            if matches!(f, Format::Zlib | Format::Lzma) {
                continue; // single-stream formats
            }
            let mut packed = Vec::new();
            for part in [&b"first,"[..], b"second"] {
                let mut enc = Encoder::new(Some(*f), Vec::new()).unwrap();
                enc.write_all(part).unwrap();
                packed.extend(enc.finish().unwrap());
            }
            let mut out = Vec::new();
            decoder(*f, &packed[..])
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, b"first,second", "{f:?}");
        }
    }
}
