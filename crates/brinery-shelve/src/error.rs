//! The crate's error type: a public kind, the file, the key and the byte
//! offset where known, and the underlying cause.

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing a file failed.
    Io,
    /// The file is not a shelf of a format this crate knows.
    NotAShelf,
    /// The index or the database structure is damaged (a `.dir` line that
    /// is not `'key', (pos, size)`, a GDBM header or bucket that does not
    /// add up, a value that is not a BLOB).
    Corrupt,
    /// A value, key or bucket lies (partly) outside the file.
    OutOfBounds,
    /// A stored value is not a pickle brinery can decode.
    NotPickle,
    /// SQLite reported an error.
    Sqlite,
    /// The key is not in the shelf.
    KeyNotFound,
    /// Writing was asked of a read-only shelf or format (GDBM).
    ReadOnly,
    /// A sqlitedict file holds several tables and none was chosen, or the
    /// chosen table does not exist.
    Table,
    /// A key cannot be encoded or decoded (not UTF-8).
    Key,
    /// Pickling a value failed.
    Pickle,
}

impl ErrorKind {
    /// A short name (`io`, `corrupt`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Io => "io",
            ErrorKind::NotAShelf => "not-a-shelf",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::OutOfBounds => "out-of-bounds",
            ErrorKind::NotPickle => "not-pickle",
            ErrorKind::Sqlite => "sqlite",
            ErrorKind::KeyNotFound => "key-not-found",
            ErrorKind::ReadOnly => "read-only",
            ErrorKind::Table => "table",
            ErrorKind::Key => "key",
            ErrorKind::Pickle => "pickle",
        }
    }
}

/// An error with its kind, file, key and byte offset (where known).
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    path: Option<PathBuf>,
    key: Option<String>,
    offset: Option<u64>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            path: None,
            key: None,
            offset: None,
            source: None,
        }
    }

    pub(crate) fn io(path: &Path, e: std::io::Error) -> Self {
        Error::new(ErrorKind::Io, e.to_string())
            .path(path)
            .source(e)
    }

    pub(crate) fn sqlite(path: &Path, e: rusqlite::Error) -> Self {
        Error::new(ErrorKind::Sqlite, e.to_string())
            .path(path)
            .source(e)
    }

    pub(crate) fn path(mut self, p: &Path) -> Self {
        if self.path.is_none() {
            self.path = Some(p.to_path_buf());
        }
        self
    }

    /// Attach the key (its Python repr) the error is about.
    pub(crate) fn key(mut self, key: &crate::Key) -> Self {
        if self.key.is_none() {
            self.key = Some(key.repr());
        }
        self
    }

    pub(crate) fn key_text(mut self, text: String) -> Self {
        if self.key.is_none() {
            self.key = Some(text);
        }
        self
    }

    pub(crate) fn at(mut self, offset: u64) -> Self {
        if self.offset.is_none() {
            self.offset = Some(offset);
        }
        self
    }

    pub(crate) fn source(mut self, e: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(e));
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The file the error is about, if known.
    pub fn file(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The key the error is about (as Python's `repr`), if any.
    pub fn key_repr(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The byte offset in the file (or, for [`ErrorKind::NotPickle`], in
    /// the value), if known.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }

    /// The message without file, key and offset.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{}: ", p.display())?;
        }
        if let Some(k) = &self.key {
            write!(f, "key {k}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(o) = self.offset {
            if !self.message.contains(" at byte ") {
                write!(f, " at byte {o}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
