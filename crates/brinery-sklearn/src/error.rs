//! The error type: a kind that callers can match on, and where in the
//! estimator it happened (a path such as `steps[1].coef_`).

use std::fmt;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file is not a pickle/joblib file brinery can decode (the
    /// underlying decoder error, with its byte offset, is the source).
    Load,
    /// The root (or a nested value) is not a scikit-learn estimator.
    NotAnEstimator,
    /// The estimator class, or this method of it, has no Rust
    /// implementation: `class` is `module.Name`, `method` the method.
    Unsupported {
        /// `module.Name` of the estimator.
        class: String,
        /// The method asked for (`predict`, `transform`, ...).
        method: String,
    },
    /// The fitted state is inconsistent: a missing or mistyped attribute,
    /// arrays whose shapes disagree, a tree child out of range or a cycle.
    InvalidState,
    /// The input data does not fit the estimator (wrong number of
    /// features, an unknown category, a missing value where none is
    /// allowed).
    BadInput,
    /// Reading or writing a data file (`.npy`, `.csv`).
    Data,
}

/// An error from brinery-sklearn: [`Error::kind`], the place in the
/// estimator ([`Error::path`], empty for the root) and a message.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    path: String,
    message: String,
    source: Option<brinery::Error>,
}

/// `Result<T, brinery_sklearn::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            path: String::new(),
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidState, message)
    }

    pub(crate) fn input(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::BadInput, message)
    }

    pub(crate) fn data(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Data, message)
    }

    pub(crate) fn unsupported(class: &str, method: &str, why: impl Into<String>) -> Error {
        let why = why.into();
        let message = if why.is_empty() {
            format!("{class}.{method} is not supported by brinery-sklearn")
        } else {
            format!("{class}.{method} is not supported by brinery-sklearn: {why}")
        };
        Error::new(
            ErrorKind::Unsupported {
                class: class.to_string(),
                method: method.to_string(),
            },
            message,
        )
    }

    pub(crate) fn load(e: brinery::Error) -> Error {
        Error {
            kind: ErrorKind::Load,
            path: String::new(),
            message: e.to_string(),
            source: Some(e),
        }
    }

    /// Prefix the path with the attribute or step this error happened in.
    pub(crate) fn at(mut self, segment: &str) -> Error {
        if self.path.is_empty() {
            self.path = segment.to_string();
        } else if self.path.starts_with('[') {
            self.path = format!("{segment}{}", self.path);
        } else {
            self.path = format!("{segment}.{}", self.path);
        }
        self
    }

    /// The kind of error.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Where in the estimator (`steps[1].tree_.nodes`; empty at the root).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The message without the path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{} (at {})", self.message, self.path)
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<brinery::Error> for Error {
    fn from(e: brinery::Error) -> Error {
        Error::load(e)
    }
}

/// Attach a path segment to the error of a `Result`.
pub(crate) trait At<T> {
    fn at(self, segment: &str) -> Result<T>;
}

impl<T> At<T> for Result<T> {
    fn at(self, segment: &str) -> Result<T> {
        self.map_err(|e| e.at(segment))
    }
}
