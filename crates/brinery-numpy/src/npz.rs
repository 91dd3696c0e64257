//! `.npz` files: a zip of `.npy` files (`np.savez`, `np.savez_compressed`).

use std::io::{Seek, Write};

use brinery::{Error, ErrorKind, Result};

use crate::array::Array;
use crate::dtype::invalid;
use crate::npy::{read_npy, write_npy, Npy};

fn zip_err(e: zip::result::ZipError) -> Error {
    Error::new(ErrorKind::InvalidValue, format!("npz: {e}"))
}

/// The members of an `.npz` file, decompressed.
#[derive(Clone, Debug, Default)]
pub struct Npz {
    entries: Vec<(String, Vec<u8>)>,
}

/// Largest decompressed member read by [`read_npz`] by default (4 GiB).
pub const DEFAULT_NPZ_LIMIT: u64 = 4 << 30;

/// Read an `.npz` file (stored or deflated members) with `brinery-zip`,
/// the workspace's tolerant zip reader. Each member is decompressed up to
/// `limit` bytes (a larger one is an error naming the member).
pub fn read_npz(data: &[u8], limit: u64) -> Result<Npz> {
    let z = brinery_zip::Archive::new(data)
        .map_err(|e| Error::new(e.kind(), format!("npz: {}", e.message())))?;
    let mut entries = Vec::new();
    for entry in z.entries() {
        if entry.name.ends_with('/') {
            continue;
        }
        let name = entry.name.clone();
        if entry.uncompressed_size > limit {
            return Err(invalid(format!(
                "npz member {name:?} is larger than {limit} bytes"
            )));
        }
        let buf = z
            .data_limited(entry, limit)
            .map_err(|e| Error::new(e.kind(), format!("npz member {name:?}: {}", e.message())))?
            .into_owned();
        let key = name.strip_suffix(".npy").unwrap_or(&name).to_string();
        entries.push((key, buf));
    }
    Ok(Npz { entries })
}

impl Npz {
    /// The array names (member names without `.npy`), in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// The raw `.npy` bytes of a member.
    pub fn npy_bytes(&self, name: &str) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }

    /// Decode member `name` (None when absent).
    pub fn get(&self, name: &str) -> Result<Option<Npy<'_>>> {
        self.npy_bytes(name).map(read_npy).transpose()
    }
}

/// Write an `.npz` file as `np.savez` (`compressed = false`) or
/// `np.savez_compressed` does: one `NAME.npy` member per array.
pub fn write_npz<W: Write + Seek>(
    w: W,
    arrays: &[(&str, &Array<'_>)],
    compressed: bool,
) -> Result<W> {
    let mut z = zip::ZipWriter::new(w);
    let method = if compressed {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .large_file(false);
    for (name, a) in arrays {
        let mut buf = Vec::new();
        write_npy(&mut buf, a)?;
        let opts = if buf.len() as u64 >= 0xffff_ffff {
            opts.large_file(true)
        } else {
            opts
        };
        z.start_file(format!("{name}.npy"), opts).map_err(zip_err)?;
        z.write_all(&buf)
            .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
    }
    z.finish().map_err(zip_err)
}
