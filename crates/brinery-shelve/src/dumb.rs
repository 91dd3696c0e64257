//! `dbm.dumb`: `name.dat` (values, each starting at a multiple of 512),
//! `name.dir` (the index: one `'key', (pos, size)` line per entry, Latin-1
//! text) and `name.bak` (the previous index), read and written exactly as
//! `Lib/dbm/dumb.py` does.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::key::{dir_line, parse_dir_line};
use crate::{Key, RawEntry};

/// `dbm.dumb`'s block size: values start at multiples of it.
pub const BLOCKSIZE: u64 = 512;

pub(crate) struct Dumb {
    dat: PathBuf,
    dir: PathBuf,
    bak: PathBuf,
    /// The index in Python's dict order.
    index: Vec<(Vec<u8>, (u64, u64))>,
    slot: HashMap<Vec<u8>, usize>,
    /// Index lines that could not be read (with their line numbers).
    pub(crate) problems: Vec<Error>,
    modified: bool,
    writable: bool,
    /// Python 3.8-3.12's dumb.py: a missing index marks the database
    /// modified (instead of creating an empty index at once), and a commit
    /// leaves it marked modified (so closing after a deletion commits
    /// again and `.bak` ends up equal to `.dir`).
    legacy: bool,
}

fn with_ext(base: &Path, ext: &str) -> PathBuf {
    let mut s = base.as_os_str().to_os_string();
    s.push(ext);
    PathBuf::from(s)
}

/// The base name of a dumb shelf named by `path`: `name`, `name.dat`,
/// `name.dir` or `name.bak` (when `name.dat` exists).
pub(crate) fn base_of(path: &Path) -> Option<PathBuf> {
    let s = path.as_os_str().to_string_lossy();
    for ext in [".dat", ".dir", ".bak"] {
        if let Some(stem) = s.strip_suffix(ext) {
            let base = path.with_file_name(
                Path::new(stem)
                    .file_name()
                    .map(|f| f.to_os_string())
                    .unwrap_or_default(),
            );
            let base = if base.as_os_str().is_empty() {
                PathBuf::from(stem)
            } else {
                base
            };
            if with_ext(&base, ".dat").is_file() {
                return Some(base);
            }
        }
    }
    if with_ext(path, ".dat").is_file() {
        return Some(path.to_path_buf());
    }
    None
}

/// `NAME` for `NAME.dat`, `NAME.dir` or `NAME.bak`; the path itself
/// otherwise.
pub(crate) fn strip_ext(path: &Path) -> PathBuf {
    let s = path.as_os_str().to_string_lossy();
    for ext in [".dat", ".dir", ".bak"] {
        if let Some(stem) = s.strip_suffix(ext) {
            if !stem.is_empty() && !stem.ends_with('/') {
                return PathBuf::from(stem);
            }
        }
    }
    path.to_path_buf()
}

/// `whichdb`'s test: `name.dat` exists and `name.dir` is empty or starts
/// with a quote.
pub(crate) fn looks_dumb(base: &Path) -> bool {
    let dir = with_ext(base, ".dir");
    if !with_ext(base, ".dat").is_file() {
        return false;
    }
    match fs::read(&dir) {
        Ok(d) => d.is_empty() || matches!(d.first(), Some(b'\'' | b'"')),
        // A missing index: still this format (dumb.py starts an empty one).
        Err(_) => true,
    }
}

impl Dumb {
    /// Open for reading (`flag='r'`) or for update (`flag='c'`).
    pub(crate) fn open(base: &Path, write: bool, legacy: bool) -> Result<Dumb> {
        let dat = with_ext(base, ".dat");
        let dir = with_ext(base, ".dir");
        let bak = with_ext(base, ".bak");
        // _create: the data file must exist (created for 'c').
        if !dat.exists() {
            if !write {
                return Err(Error::io(
                    &dat,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory"),
                ));
            }
            File::create(&dat).map_err(|e| Error::io(&dat, e))?;
        }
        let mut db = Dumb {
            dat,
            dir: dir.clone(),
            bak,
            index: Vec::new(),
            slot: HashMap::new(),
            problems: Vec::new(),
            modified: false,
            writable: write,
            legacy,
        };
        // _update: read the index; a missing one is an error for 'r' and an
        // empty index (written at once, as Python 3.13 does) for 'c'.
        match fs::read(&dir) {
            Ok(text) => db.load_index(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !write {
                    let hint = if db.bak.is_file() {
                        format!(
                            "; {} holds the previous index (dbm.dumb ignores it: \
                             copy it to {} to recover)",
                            db.bak.display(),
                            dir.display()
                        )
                    } else {
                        String::new()
                    };
                    return Err(Error::new(
                        ErrorKind::Io,
                        format!("the index file is missing{hint}"),
                    )
                    .path(&dir));
                }
                if db.legacy {
                    db.modified = true;
                } else {
                    File::create(&dir).map_err(|e| Error::io(&dir, e))?;
                }
            }
            Err(e) => return Err(Error::io(&dir, e)),
        }
        if write && !db.problems.is_empty() {
            // dumb.py refuses to open such an index; rewriting it would
            // drop the lines that cannot be read.
            let first = db.problems.remove(0);
            return Err(first);
        }
        Ok(db)
    }

    fn load_index(&mut self, text: &[u8]) {
        // Text mode with universal newlines: \r\n and \r end lines too.
        let mut norm = Vec::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            if text[i] == b'\r' {
                norm.push(b'\n');
                if text.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            } else {
                norm.push(text[i]);
            }
            i += 1;
        }
        let mut lines: Vec<&[u8]> = norm.split(|&b| b == b'\n').collect();
        if lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        for (n, raw) in lines.into_iter().enumerate() {
            // line.rstrip() (Unicode whitespace of the Latin-1 range)
            let mut end = raw.len();
            while end > 0
                && matches!(
                    raw[end - 1],
                    b' ' | b'\t' | b'\x0b' | b'\x0c' | b'\x1c'..=b'\x1f' | b'\x85' | b'\xa0'
                )
            {
                end -= 1;
            }
            match parse_dir_line(&raw[..end]) {
                Ok((key, pos, size)) => self.set_index(key, (pos, size)),
                Err(e) => {
                    let msg = format!("corrupt index line {}: {}", n + 1, e.message());
                    self.problems
                        .push(Error::new(ErrorKind::Corrupt, msg).path(&self.dir));
                }
            }
        }
    }

    fn set_index(&mut self, key: Vec<u8>, pair: (u64, u64)) {
        match self.slot.get(&key) {
            Some(&i) => self.index[i].1 = pair,
            None => {
                self.slot.insert(key.clone(), self.index.len());
                self.index.push((key, pair));
            }
        }
    }

    pub(crate) fn len(&self) -> u64 {
        self.index.len() as u64
    }

    pub(crate) fn keys(&self) -> Vec<Key> {
        self.index
            .iter()
            .map(|(k, _)| Key::from_stored(k.clone(), true))
            .collect()
    }

    fn read_at(&self, key: &Key, pos: u64, size: u64) -> Result<Vec<u8>> {
        let f = File::open(&self.dat).map_err(|e| Error::io(&self.dat, e))?;
        self.read_in(&f, key, pos, size)
    }

    fn read_in(&self, mut f: &File, key: &Key, pos: u64, size: u64) -> Result<Vec<u8>> {
        let len = f.metadata().map_err(|e| Error::io(&self.dat, e))?.len();
        if pos > len || size > len - pos {
            return Err(Error::new(
                ErrorKind::OutOfBounds,
                format!(
                    "the value at byte {pos} ({size} bytes) runs past the end of the data file ({len} bytes)"
                ),
            )
            .path(&self.dat)
            .key(key));
        }
        f.seek(SeekFrom::Start(pos))
            .map_err(|e| Error::io(&self.dat, e))?;
        // Bounded by the file's size (checked above).
        let mut buf = vec![0u8; size as usize];
        f.read_exact(&mut buf)
            .map_err(|e| Error::io(&self.dat, e).key(key))?;
        Ok(buf)
    }

    pub(crate) fn get(&self, key: &Key) -> Result<Option<Vec<u8>>> {
        match self.slot.get(key.as_bytes()) {
            None => Ok(None),
            Some(&i) => {
                let (pos, size) = self.index[i].1;
                self.read_at(key, pos, size).map(Some)
            }
        }
    }

    pub(crate) fn entries(&self) -> Vec<RawEntry> {
        let f = File::open(&self.dat);
        self.index
            .iter()
            .map(|(k, (pos, size))| {
                let key = Key::from_stored(k.clone(), true);
                let v = match &f {
                    Ok(f) => self.read_in(f, &key, *pos, *size),
                    Err(e) => Err(Error::io(
                        &self.dat,
                        std::io::Error::new(e.kind(), e.to_string()),
                    )),
                };
                (key, v)
            })
            .collect()
    }

    fn check_writable(&self) -> Result<()> {
        if self.writable {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::ReadOnly,
                "The database is opened for reading only",
            )
            .path(&self.dir))
        }
    }

    /// `_addval`: append at the next multiple of 512 (zero padding).
    fn addval(&self, val: &[u8]) -> Result<(u64, u64)> {
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.dat)
            .map_err(|e| Error::io(&self.dat, e))?;
        let pos = f
            .seek(SeekFrom::End(0))
            .map_err(|e| Error::io(&self.dat, e))?;
        let npos = pos.div_ceil(BLOCKSIZE) * BLOCKSIZE;
        let mut buf = vec![0u8; (npos - pos) as usize];
        buf.extend_from_slice(val);
        f.write_all(&buf).map_err(|e| Error::io(&self.dat, e))?;
        Ok((npos, val.len() as u64))
    }

    /// `_setval`: overwrite in place.
    fn setval(&self, pos: u64, val: &[u8]) -> Result<(u64, u64)> {
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.dat)
            .map_err(|e| Error::io(&self.dat, e))?;
        f.seek(SeekFrom::Start(pos))
            .map_err(|e| Error::io(&self.dat, e))?;
        f.write_all(val).map_err(|e| Error::io(&self.dat, e))?;
        Ok((pos, val.len() as u64))
    }

    /// `_addkey`: remember and append a line to the index.
    fn addkey(&mut self, key: &[u8], pair: (u64, u64)) -> Result<()> {
        self.set_index(key.to_vec(), pair);
        let mut f = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&self.dir)
            .map_err(|e| Error::io(&self.dir, e))?;
        f.write_all(&dir_line(key, pair.0, pair.1))
            .map_err(|e| Error::io(&self.dir, e))
    }

    /// `__setitem__`.
    pub(crate) fn put(&mut self, key: &Key, val: &[u8]) -> Result<()> {
        self.check_writable()?;
        self.modified = true;
        let k = key.as_bytes();
        match self.slot.get(k) {
            None => {
                let pair = self.addval(val)?;
                self.addkey(k, pair)?;
            }
            Some(&i) => {
                let (pos, siz) = self.index[i].1;
                let oldblocks = siz.div_ceil(BLOCKSIZE);
                let newblocks = (val.len() as u64).div_ceil(BLOCKSIZE);
                let pair = if newblocks <= oldblocks {
                    self.setval(pos, val)?
                } else {
                    self.addval(val)?
                };
                self.index[i].1 = pair;
            }
        }
        Ok(())
    }

    /// `__delitem__`: forget the key and commit the index at once.
    pub(crate) fn delete(&mut self, key: &Key) -> Result<bool> {
        self.check_writable()?;
        let Some(i) = self.slot.remove(key.as_bytes()) else {
            return Ok(false);
        };
        self.modified = true;
        self.index.remove(i);
        for (n, (k, _)) in self.index.iter().enumerate().skip(i) {
            self.slot.insert(k.clone(), n);
        }
        self.commit()?;
        Ok(true)
    }

    /// `_commit`: the old index becomes `.bak`, the index is rewritten.
    pub(crate) fn commit(&mut self) -> Result<()> {
        if !self.modified {
            return Ok(());
        }
        let _ = fs::remove_file(&self.bak);
        let _ = fs::rename(&self.dir, &self.bak);
        let mut text = Vec::new();
        for (k, (pos, siz)) in &self.index {
            text.extend_from_slice(&dir_line(k, *pos, *siz));
        }
        let mut f = File::create(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        f.write_all(&text).map_err(|e| Error::io(&self.dir, e))?;
        if !self.legacy {
            self.modified = false;
        }
        Ok(())
    }
}

impl Drop for Dumb {
    /// `__del__ = close`: an updated index is committed.
    fn drop(&mut self) {
        let _ = self.commit();
    }
}

/// True if `name.dir` or `name.bak` exists.
pub(crate) fn has_index(base: &Path) -> bool {
    with_ext(base, ".dir").is_file() || with_ext(base, ".bak").is_file()
}
