//! The error type: a public kind, a message, a position and the source.

use std::fmt;
use std::io;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong. Callers match on this; the message carries the details.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The challenge/response handshake failed: a wrong authkey on either
    /// side, a digest this side does not accept, or a message that is not
    /// part of the handshake (Python's `AuthenticationError`).
    Authentication,
    /// The peer closed the connection between messages (Python's
    /// `EOFError`), or this connection was closed with
    /// [`Connection::close`](crate::Connection::close).
    Closed,
    /// The peer closed the connection in the middle of a message or of its
    /// length header (Python's `OSError("got end of file during message")`).
    /// [`Error::offset`] tells how many bytes of it had arrived.
    Truncated,
    /// A blocking operation took longer than the configured timeout.
    Timeout,
    /// A length header asked for more than the configured maximum
    /// (Python's `OSError("bad message length")`); nothing was allocated
    /// for it.
    TooLarge,
    /// A length header that is neither a length nor the -1 marker of the
    /// 8-byte form (a negative number).
    InvalidHeader,
    /// The connection lost its place in the stream after an earlier error
    /// (an oversized message, a timeout in the middle of a message) and
    /// can no longer receive, or no longer send.
    Broken,
    /// A received pickle could not be decoded. [`Error::offset`] is the
    /// byte offset in the message and [`Error::pickle_error`] the decoder's
    /// error.
    Decode,
    /// A value could not be pickled.
    Encode,
    /// An address that is neither `host:port` nor a socket path, or one
    /// that did not resolve.
    Address,
    /// Any other I/O error; [`Error::io_error`] has it.
    Io,
}

impl ErrorKind {
    /// A short lower-case name for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Authentication => "authentication failed",
            ErrorKind::Closed => "connection closed",
            ErrorKind::Truncated => "connection closed mid-message",
            ErrorKind::Timeout => "timed out",
            ErrorKind::TooLarge => "message too large",
            ErrorKind::InvalidHeader => "invalid length header",
            ErrorKind::Broken => "connection unusable",
            ErrorKind::Decode => "cannot decode pickle",
            ErrorKind::Encode => "cannot encode pickle",
            ErrorKind::Address => "invalid address",
            ErrorKind::Io => "I/O error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

enum Source {
    None,
    Io(io::Error),
    Pickle(brinery::Error),
}

struct ErrorImpl {
    kind: ErrorKind,
    message: String,
    offset: Option<u64>,
    source: Source,
}

/// An error of a [`Connection`](crate::Connection), [`Listener`](crate::Listener)
/// or [`Client`](crate::Client).
///
/// `Display` gives one line: `<kind>: <message>` and, when known,
/// ` at byte N`.
pub struct Error(Box<ErrorImpl>);

impl Error {
    /// A new error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(ErrorImpl {
            kind,
            message: message.into(),
            offset: None,
            source: Source::None,
        }))
    }

    pub(crate) fn with_offset(mut self, offset: u64) -> Self {
        self.0.offset = Some(offset);
        self
    }

    /// An I/O error while doing `what`: timeouts and end of file get their
    /// own kinds.
    pub(crate) fn io(what: &str, e: io::Error) -> Self {
        let kind = match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ErrorKind::Timeout,
            io::ErrorKind::UnexpectedEof => ErrorKind::Truncated,
            io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted => ErrorKind::Closed,
            _ => ErrorKind::Io,
        };
        let mut err = Error::new(kind, format!("{what}: {e}"));
        err.0.source = Source::Io(e);
        err
    }

    pub(crate) fn decode(e: brinery::Error) -> Self {
        let mut err = Error::new(ErrorKind::Decode, e.message().to_string());
        err.0.offset = e.offset();
        err.0.source = Source::Pickle(e);
        err
    }

    pub(crate) fn encode(e: brinery::Error) -> Self {
        let mut err = Error::new(ErrorKind::Encode, e.message().to_string());
        err.0.source = Source::Pickle(e);
        err
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The message, without kind and position.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// A byte position, when it means something: for [`ErrorKind::Decode`]
    /// the offset in the pickle of the opcode that failed; for
    /// [`ErrorKind::Truncated`] how many bytes of the header or message had
    /// arrived.
    pub fn offset(&self) -> Option<u64> {
        self.0.offset
    }

    /// The underlying I/O error, if any.
    pub fn io_error(&self) -> Option<&io::Error> {
        match &self.0.source {
            Source::Io(e) => Some(e),
            _ => None,
        }
    }

    /// The pickle decoder's or encoder's error, for [`ErrorKind::Decode`]
    /// and [`ErrorKind::Encode`]: its kind, offset and opcode.
    pub fn pickle_error(&self) -> Option<&brinery::Error> {
        match &self.0.source {
            Source::Pickle(e) => Some(e),
            _ => None,
        }
    }

    /// True for [`ErrorKind::Timeout`].
    pub fn is_timeout(&self) -> bool {
        self.0.kind == ErrorKind::Timeout
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.kind.as_str(), self.0.message)?;
        if let Some(off) = self.0.offset {
            write!(f, " at byte {off}")?;
        }
        if let Source::Pickle(e) = &self.0.source {
            if let Some(op) = e.opcode() {
                write!(f, " ({})", op.name())?;
            }
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
        match &self.0.source {
            Source::None => None,
            Source::Io(e) => Some(e),
            Source::Pickle(e) => Some(e),
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> Self {
        let kind = match e.kind() {
            ErrorKind::Timeout => io::ErrorKind::TimedOut,
            ErrorKind::Closed | ErrorKind::Truncated => io::ErrorKind::UnexpectedEof,
            ErrorKind::TooLarge | ErrorKind::InvalidHeader | ErrorKind::Decode => {
                io::ErrorKind::InvalidData
            }
            ErrorKind::Address | ErrorKind::Encode => io::ErrorKind::InvalidInput,
            ErrorKind::Authentication => io::ErrorKind::PermissionDenied,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}
