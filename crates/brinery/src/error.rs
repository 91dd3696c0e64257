//! The error type: a small public category, the byte offset and the opcode.

use std::fmt;
use std::io;

use crate::opcodes::Opcode;

/// The result type used throughout brinery.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of error happened. Callers match on this; the message carries
/// the details.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ended in the middle of a pickle (or before one started).
    Eof,
    /// A byte that is not an opcode.
    UnknownOpcode,
    /// An opcode needed more items than the stack (above the topmost mark) holds.
    StackUnderflow,
    /// An opcode needed a MARK and there is none.
    MissingMark,
    /// A GET named a memo key that was never PUT.
    MemoMissing,
    /// A configured limit (depth, nodes, memo, bytes, output) was exceeded.
    LimitExceeded,
    /// Text that is not valid in its encoding, or a malformed text argument.
    InvalidText,
    /// A persistent id, out-of-band buffer or extension code was met and no
    /// hook to resolve it was supplied.
    MissingHook,
    /// A protocol number brinery does not support.
    UnsupportedProtocol,
    /// Well-formed opcodes that CPython would reject for what they do
    /// (unhashable key, wrong operand type, a negative length, ...).
    InvalidValue,
    /// Something the value model cannot pickle at the requested protocol.
    Unpicklable,
    /// An I/O error from the underlying reader or writer.
    Io,
    /// A message from a serde `Serialize`/`Deserialize` implementation.
    Custom,
}

impl ErrorKind {
    /// A short lower-case name for this category.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Eof => "truncated input",
            ErrorKind::UnknownOpcode => "unknown opcode",
            ErrorKind::StackUnderflow => "stack underflow",
            ErrorKind::MissingMark => "missing MARK",
            ErrorKind::MemoMissing => "memo key missing",
            ErrorKind::LimitExceeded => "limit exceeded",
            ErrorKind::InvalidText => "invalid text",
            ErrorKind::MissingHook => "missing hook",
            ErrorKind::UnsupportedProtocol => "unsupported protocol",
            ErrorKind::InvalidValue => "invalid value",
            ErrorKind::Unpicklable => "unpicklable",
            ErrorKind::Io => "I/O error",
            ErrorKind::Custom => "error",
        }
    }
}

struct ErrorImpl {
    kind: ErrorKind,
    message: String,
    offset: Option<u64>,
    opcode: Option<Opcode>,
    io: Option<io::Error>,
    /// The error this one wraps ([`Error::nested`], [`Error::context`]).
    inner: Option<Error>,
    /// Whether `Display` appends the offset / the opcode.
    show_offset: bool,
    show_opcode: bool,
}

/// An error from reading or writing a pickle.
///
/// `Display` gives one line: `<what> at byte N (<OPCODE>)`.
pub struct Error(Box<ErrorImpl>);

impl Error {
    /// A new error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(ErrorImpl {
            kind,
            message: message.into(),
            offset: None,
            opcode: None,
            io: None,
            inner: None,
            show_offset: true,
            show_opcode: true,
        }))
    }

    /// This error, from a pickle nested at byte `start` of a container, as
    /// an error about `what` (`"data.pkl"`, `"object pickle at byte 10"`):
    /// same kind, [`offset`](Error::offset) in the container's bytes
    /// (`start` + the inner offset), the inner [`opcode`](Error::opcode),
    /// and the inner error as [`source`](std::error::Error::source).
    /// Displays as `what: <inner message> at byte N`.
    pub fn nested(self, what: impl std::fmt::Display, start: u64) -> Error {
        let mut e = Error::new(self.kind(), format!("{what}: {}", self.message()));
        e.0.offset = self.offset().map(|o| o.saturating_add(start));
        e.0.opcode = self.opcode();
        e.0.show_opcode = false;
        e.0.inner = Some(self);
        e
    }

    /// This error as the cause of an error about `what`: same kind, offset
    /// and opcode, the inner error as [`source`](std::error::Error::source).
    /// Displays as `what: <inner message>` (the position is in
    /// [`offset`](Error::offset)).
    pub fn context(self, what: impl std::fmt::Display) -> Error {
        let mut e = Error::new(self.kind(), format!("{what}: {}", self.message()));
        e.0.offset = self.offset();
        e.0.opcode = self.opcode();
        e.0.show_offset = false;
        e.0.show_opcode = false;
        e.0.inner = Some(self);
        e
    }

    /// An [`ErrorKind::Io`] error about `what` (`"cannot open x.pt"`),
    /// keeping the I/O error as [`source`](std::error::Error::source) and
    /// [`io_error`](Error::io_error). Displays as `what: <io error>`.
    pub fn io_at(what: impl std::fmt::Display, e: io::Error) -> Error {
        let mut err = Error::new(ErrorKind::Io, format!("{what}: {e}"));
        err.0.io = Some(e);
        err
    }

    pub(crate) fn at(mut self, offset: u64, opcode: Option<Opcode>) -> Self {
        if self.0.offset.is_none() {
            self.0.offset = Some(offset);
        }
        if self.0.opcode.is_none() {
            self.0.opcode = opcode;
        }
        self
    }

    pub(crate) fn eof(what: impl Into<String>) -> Self {
        Error::new(ErrorKind::Eof, what)
    }

    pub(crate) fn io(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            return Error::eof("pickle data was truncated");
        }
        let mut err = Error::new(ErrorKind::Io, e.to_string());
        err.0.io = Some(e);
        err
    }

    /// The category.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The message without position information.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Byte offset in the input (of the opcode that failed), if known.
    pub fn offset(&self) -> Option<u64> {
        self.0.offset
    }

    /// The opcode being processed when the error happened, if any.
    pub fn opcode(&self) -> Option<Opcode> {
        self.0.opcode
    }

    /// The underlying I/O error, for [`ErrorKind::Io`].
    pub fn io_error(&self) -> Option<&io::Error> {
        match &self.0.inner {
            Some(inner) if self.0.io.is_none() => inner.io_error(),
            _ => self.0.io.as_ref(),
        }
    }

    /// True for a truncated input.
    pub fn is_eof(&self) -> bool {
        self.0.kind == ErrorKind::Eof
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)?;
        if let Some(off) = self.0.offset.filter(|_| self.0.show_offset) {
            write!(f, " at byte {off}")?;
        }
        if let Some(op) = self.0.opcode.filter(|_| self.0.show_opcode) {
            write!(f, " ({})", op.name())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({:?}, \"{}\")", self.0.kind, self)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        if let Some(inner) = &self.0.inner {
            return Some(inner);
        }
        self.0
            .io
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::io(e)
    }
}
