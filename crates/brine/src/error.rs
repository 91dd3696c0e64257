//! Exit codes and the one-line error messages.

use std::fmt;
use std::io;

/// Success.
pub const EXIT_OK: i32 = 0;
/// Invalid input: a broken pickle, invalid JSON, corrupt compressed data,
/// or something that cannot be written at the requested protocol.
pub const EXIT_DATA: i32 = 1;
/// Usage error (clap's own exit status for bad command lines).
pub const EXIT_USAGE: i32 = 2;
/// I/O error: file not found, permission denied, disk full, ...
pub const EXIT_IO: i32 = 3;
/// A bug in brine (a panic).
pub const EXIT_INTERNAL: i32 = 70;

/// An error the command reports: one line on stderr and an exit status.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    /// `None` exits silently (standard output was closed: `brine ... | head`).
    pub message: Option<String>,
}

impl CliError {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: Some(message.into()),
        }
    }

    pub fn data(message: impl Into<String>) -> Self {
        CliError::new(EXIT_DATA, message)
    }

    /// Prefix the message with `what: `.
    pub fn context(mut self, what: &str) -> Self {
        if let Some(m) = self.message.take() {
            self.message = Some(format!("{what}: {m}"));
        }
        self
    }

    /// The reader of standard output went away: stop quietly, like `cat`.
    pub fn broken_pipe() -> Self {
        CliError {
            code: EXIT_OK,
            message: None,
        }
    }

    /// An I/O error on `what` (a file name, `<stdin>` or `<stdout>`).
    pub fn io(what: &str, e: &io::Error) -> Self {
        match classify_io(e) {
            IoClass::BrokenPipe => CliError::broken_pipe(),
            IoClass::Data => CliError::data(format!("{what}: {e}")),
            IoClass::Io => CliError::new(EXIT_IO, format!("{what}: {}", io_message(e))),
        }
    }

    /// A library error from reading or writing a pickle, prefixed with
    /// `what: ` (the file). `base` is the offset of the pickle in the
    /// (decompressed) input, added to the error's own offset so positions
    /// count from the start of the file.
    pub fn pickle(what: &str, e: &brinery::Error, base: u64) -> Self {
        if let Some(ioe) = e.io_error() {
            return CliError::io(what, ioe);
        }
        CliError::data(with_name(what, &pickle_line(e, base)))
    }
}

fn with_name(what: &str, msg: &str) -> String {
    if what.is_empty() {
        msg.to_string()
    } else {
        format!("{what}: {msg}")
    }
}

/// The library's message, with the file offset and a hint for Python 2
/// `str` that does not decode.
pub fn pickle_line(e: &brinery::Error, base: u64) -> String {
    {
        let line = match (base, e.offset()) {
            (0, _) | (_, None) => e.to_string(),
            (base, Some(off)) => {
                // The library's `<what> at byte N (<OPCODE>)`, with N
                // counted from the start of the file.
                let mut s = format!("{} at byte {}", e.message(), off + base);
                if let Some(op) = e.opcode() {
                    s.push_str(&format!(" ({})", op.name()));
                }
                s
            }
        };
        if e.kind() == brinery::ErrorKind::InvalidText && line.contains("codec can't decode") {
            return format!(
                "{line} (a Python 2 str? read it with --encoding latin1, or --encoding bytes \
                 to keep it as bytes)"
            );
        }
        line
    }
}

impl CliError {
    /// An error from the disassembler or the optimizer: its `Display` is the
    /// last line of Python's traceback (`ValueError: ...`).
    pub fn dis(what: &str, e: &brinery::DisError) -> Self {
        match e.io_error() {
            Some(ioe) => CliError::io(what, ioe),
            None => CliError::data(with_name(what, &e.to_string())),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.as_deref().unwrap_or(""))
    }
}

enum IoClass {
    BrokenPipe,
    /// Corrupt compressed data (decoders report it as these kinds).
    Data,
    Io,
}

fn classify_io(e: &io::Error) -> IoClass {
    if e.get_ref().is_some_and(|inner| inner.is::<SourceError>()) {
        return IoClass::Io;
    }
    match e.kind() {
        io::ErrorKind::BrokenPipe => IoClass::BrokenPipe,
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof => {
            IoClass::Data
        }
        // Decoders (zstd, lzma) report corrupt data as `Other`.
        io::ErrorKind::Other => IoClass::Data,
        _ => IoClass::Io,
    }
}

fn io_message(e: &io::Error) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<SourceError>())
    {
        Some(src) => src.0.to_string(),
        None => e.to_string(),
    }
}

/// Wraps an error of the underlying file or pipe, so that it is told apart
/// from a decoder's complaint about corrupt data whatever its kind.
#[derive(Debug)]
pub struct SourceError(pub io::Error);

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SourceError {}

impl SourceError {
    pub fn wrap(e: io::Error) -> io::Error {
        if e.kind() == io::ErrorKind::Interrupted {
            return e;
        }
        io::Error::new(e.kind(), SourceError(e))
    }
}
