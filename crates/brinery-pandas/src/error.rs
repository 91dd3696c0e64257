//! Errors: what went wrong and where (which column or axis).

use std::fmt;

/// What kind of problem an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The object is not a pandas DataFrame, Series or Index.
    NotPandas,
    /// It is one, but its pickled state is inconsistent (a block whose
    /// shape disagrees with the axes, a placement out of range, a code
    /// outside the categories...).
    Malformed,
    /// A layout or dtype brinery does not read (yet).
    Unsupported,
    /// Writing an output failed.
    Io,
}

/// An error with its kind, the place (`column 'price'`, `index`,
/// `block 2`) and a message.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    place: Option<String>,
    message: String,
}

/// `Result<T, brinery_pandas::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            place: None,
            message: message.into(),
        }
    }
    pub(crate) fn malformed(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Malformed, message)
    }
    pub(crate) fn unsupported(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unsupported, message)
    }
    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// Where: `column 'x'`, `index`, `columns`, `block 1` (outermost
    /// first), if known.
    pub fn place(&self) -> Option<&str> {
        self.place.as_deref()
    }
    /// The message without the place.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// Add an outer place (`column 'x'`) unless one is set.
    pub(crate) fn at(mut self, place: impl FnOnce() -> String) -> Error {
        if self.place.is_none() {
            self.place = Some(place());
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.place {
            Some(p) => write!(f, "{p}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}

impl From<brinery::Error> for Error {
    fn from(e: brinery::Error) -> Error {
        Error::new(ErrorKind::Malformed, e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::new(ErrorKind::Io, e.to_string())
    }
}
