//! A connection: length-prefixed messages over a socket, pickles in them.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::time::Duration;

use brinery::{Graph, Limits};
use serde::{de::DeserializeOwned, Serialize};

use crate::address::Stream;
use crate::error::{Error, ErrorKind, Result};

/// Longest message the 4-byte header form carries; longer ones are sent
/// as a -1 header and an 8-byte length, as CPython does.
pub const MAX_SHORT_LENGTH: u64 = 0x7fff_ffff;

/// Messages up to this size are sent in one write together with their
/// header (CPython concatenates below 16 KiB to avoid Nagle delays).
const CONCAT_LIMIT: usize = 16384;

/// The read buffer of a connection.
const READ_BUFFER: usize = 64 * 1024;

/// The default most bytes one received message may have: 64 MiB.
pub const DEFAULT_MAX_MESSAGE: u64 = 64 << 20;

/// The wire header of a message of `n` bytes: 4 bytes big-endian signed,
/// or `ff ff ff ff` and 8 bytes big-endian unsigned above 0x7fffffff.
///
/// ```
/// use brinery_mp::frame_header;
/// assert_eq!(frame_header(5), vec![0, 0, 0, 5]);
/// assert_eq!(frame_header(0x7fff_ffff), vec![0x7f, 0xff, 0xff, 0xff]);
/// assert_eq!(
///     frame_header(0x8000_0000),
///     vec![0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x80, 0, 0, 0]
/// );
/// ```
pub fn frame_header(n: u64) -> Vec<u8> {
    if n > MAX_SHORT_LENGTH {
        let mut h = (-1i32).to_be_bytes().to_vec();
        h.extend_from_slice(&n.to_be_bytes());
        h
    } else {
        (n as i32).to_be_bytes().to_vec()
    }
}

/// Settings of a [`Connection`] (and of the [`Client`](crate::Client) and
/// [`Listener`](crate::Listener) that make one).
///
/// ```
/// use std::time::Duration;
/// use brinery_mp::{Digest, Handshake, Options};
/// let opts = Options::new()
///     .authkey(b"secret")
///     .timeout(Duration::from_secs(10))
///     .accept_timeout(Duration::from_secs(60))
///     .max_message(256 << 20)
///     .handshake(Handshake::Negotiate(Digest::Sha256));
/// assert_eq!(opts.get_max_message(), 256 << 20);
/// ```
#[derive(Clone, Debug)]
pub struct Options {
    pub(crate) authkey: Option<Vec<u8>>,
    pub(crate) handshake: crate::Handshake,
    pub(crate) timeout: Option<Duration>,
    pub(crate) accept_timeout: Option<Duration>,
    pub(crate) max_message: u64,
    pub(crate) protocol: u8,
    pub(crate) limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            authkey: None,
            handshake: crate::Handshake::default(),
            timeout: None,
            accept_timeout: None,
            max_message: DEFAULT_MAX_MESSAGE,
            protocol: brinery::DEFAULT_PROTOCOL,
            limits: Limits::default(),
        }
    }
}

impl Options {
    /// No authkey (no handshake, like Python's `authkey=None`), no timeout,
    /// 64 MiB messages, pickle protocol 4 (Python's `DEFAULT_PROTOCOL`),
    /// the SHA-256 handshake of Python ≥ 3.12.
    pub fn new() -> Self {
        Options::default()
    }

    /// Authenticate with this key (any bytes, also empty, are a key: the
    /// handshake runs, as with Python's `Client(authkey=b"")`).
    pub fn authkey(mut self, key: &[u8]) -> Self {
        self.authkey = Some(key.to_vec());
        self
    }

    /// No handshake at all (Python's `authkey=None`).
    pub fn no_authkey(mut self) -> Self {
        self.authkey = None;
        self
    }

    /// The handshake this side speaks (default: negotiate, SHA-256).
    pub fn handshake(mut self, h: crate::Handshake) -> Self {
        self.handshake = h;
        self
    }

    /// Bound every blocking operation of a connection: connecting, the
    /// handshake and each read or write of a message. `None` (the default,
    /// like Python) blocks without limit. On a server this also keeps a
    /// client that connects and stays silent from holding up
    /// [`Listener::accept`](crate::Listener::accept) for longer than this.
    pub fn timeout(mut self, t: impl Into<Option<Duration>>) -> Self {
        self.timeout = t.into().filter(|d| !d.is_zero());
        self
    }

    /// How long [`Listener::accept`](crate::Listener::accept) waits for a
    /// connection to arrive (`None`, the default: without limit). The
    /// handshake after it is bounded by [`timeout`](Options::timeout).
    pub fn accept_timeout(mut self, t: impl Into<Option<Duration>>) -> Self {
        self.accept_timeout = t.into().filter(|d| !d.is_zero());
        self
    }

    /// The most bytes a received message may have (default 64 MiB). A
    /// longer header is refused before anything is allocated for it, like
    /// Python's `recv_bytes(maxlength)`.
    pub fn max_message(mut self, n: u64) -> Self {
        self.max_message = n;
        self
    }

    /// The configured message maximum.
    pub fn get_max_message(&self) -> u64 {
        self.max_message
    }

    /// The pickle protocol of [`Connection::send`] (default 4, what
    /// Python's `Connection.send` writes).
    pub fn protocol(mut self, p: u8) -> Self {
        self.protocol = p.min(brinery::HIGHEST_PROTOCOL);
        self
    }

    /// Decoder limits for [`Connection::recv`] and [`Connection::recv_value`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Connect to `address` with these options; see [`Client::connect`](crate::Client::connect).
    pub fn connect(&self, address: &str) -> Result<Connection> {
        crate::listener::Client::connect_with(address, self)
    }

    /// Listen on `address` with these options; see [`Listener::bind`](crate::Listener::bind).
    pub fn bind(&self, address: &str) -> Result<crate::Listener> {
        crate::listener::Listener::bind_with(address, self)
    }
}

/// One end of a connection to a Python `multiprocessing.connection` peer
/// (or another brinery one): messages of bytes, and pickles in them.
///
/// Made by [`Client::connect`](crate::Client::connect) and
/// [`Listener::accept`](crate::Listener::accept) after the handshake.
/// Received pickles are decoded as data by brinery: nothing named in them
/// is imported or run.
#[derive(Debug)]
pub struct Connection {
    /// The socket, read through a buffer (a small message and its header
    /// arrive in one read; large payloads bypass the buffer).
    stream: Option<BufReader<Stream>>,
    /// `poll` saw end of file (kept so `recv` reports it).
    eof_ahead: bool,
    readable: bool,
    writable: bool,
    opts: Options,
    pub(crate) auth: Option<crate::AuthInfo>,
}

impl Connection {
    pub(crate) fn new(stream: Stream, opts: &Options) -> Result<Connection> {
        stream
            .set_timeouts(opts.timeout)
            .map_err(|e| Error::io("cannot set the socket timeout", e))?;
        Ok(Connection {
            stream: Some(BufReader::with_capacity(READ_BUFFER, stream)),
            eof_ahead: false,
            readable: true,
            writable: true,
            opts: opts.clone(),
            auth: None,
        })
    }

    fn reader(&mut self) -> Result<&mut BufReader<Stream>> {
        self.stream
            .as_mut()
            .ok_or_else(|| Error::new(ErrorKind::Closed, "the connection is closed"))
    }

    fn stream(&mut self) -> Result<&mut Stream> {
        Ok(self.reader()?.get_mut())
    }

    /// Change the timeout of each following read and write (`None`: block).
    pub fn set_timeout(&mut self, t: Option<Duration>) -> Result<()> {
        let t = t.filter(|d| !d.is_zero());
        self.stream()?
            .set_timeouts(t)
            .map_err(|e| Error::io("cannot set the socket timeout", e))?;
        self.opts.timeout = t;
        Ok(())
    }

    /// Change the most bytes a received message may have.
    pub fn set_max_message(&mut self, n: u64) {
        self.opts.max_message = n;
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// The digests of the handshake, `None` without an authkey.
    pub fn auth(&self) -> Option<crate::AuthInfo> {
        self.auth
    }

    /// True after [`close`](Connection::close).
    pub fn is_closed(&self) -> bool {
        self.stream.is_none()
    }

    /// Close the connection, like Python's `close()`: the socket is closed
    /// (handles from [`try_clone`](Connection::try_clone) keep it open until
    /// they are closed too). Closing twice is fine; any later operation on
    /// this handle fails with [`ErrorKind::Closed`].
    pub fn close(&mut self) -> Result<()> {
        drop(self.stream.take());
        Ok(())
    }

    // ---- sending --------------------------------------------------------

    fn write_all(&mut self, data: &[u8], what: &str) -> Result<()> {
        if !self.writable {
            return Err(Error::new(
                ErrorKind::Broken,
                "the connection cannot send: an earlier send stopped in the middle of a message",
            ));
        }
        let stream = self.stream()?;
        let mut done = 0usize;
        while done < data.len() {
            match stream.write(&data[done..]) {
                Ok(0) => {
                    self.writable = false;
                    return Err(Error::new(
                        ErrorKind::Closed,
                        format!("{what}: wrote nothing"),
                    ));
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.writable = false;
                    return Err(Error::io(what, e).with_offset(done as u64));
                }
            }
        }
        Ok(())
    }

    /// Send one message of bytes (Python's `send_bytes`).
    ///
    /// The bytes on the wire are CPython's; header and payload go out in
    /// one vectored write, so a large message never waits for the header's
    /// acknowledgement (Nagle).
    pub fn send_bytes(&mut self, data: &[u8]) -> Result<()> {
        let header = frame_header(data.len() as u64);
        if data.len() <= CONCAT_LIMIT {
            let mut msg = header;
            msg.extend_from_slice(data);
            return self.write_all(&msg, "send");
        }
        if !self.writable {
            return self.write_all(&[], "send");
        }
        // Vectored write of [header, data] until the header is out.
        let mut sent = 0usize;
        while sent < header.len() {
            let bufs = [io::IoSlice::new(&header[sent..]), io::IoSlice::new(data)];
            match self.stream()?.write_vectored(&bufs) {
                Ok(0) => {
                    self.writable = false;
                    return Err(Error::new(ErrorKind::Closed, "send: wrote nothing"));
                }
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if sent > 0 {
                        self.writable = false;
                    }
                    return Err(Error::io("send", e).with_offset(sent as u64));
                }
            }
        }
        let done = sent - header.len();
        // A failure from here on leaves the peer mid-message.
        let r = self.write_all(&data[done..], "send");
        if r.is_err() {
            self.writable = false;
        }
        r
    }

    /// Pickle `graph` at the configured protocol (default 4, as Python's
    /// `Connection.send` does with `ForkingPickler.dumps`) and send it.
    pub fn send(&mut self, graph: &Graph<'_>) -> Result<()> {
        let bytes = brinery::dumps(graph, self.opts.protocol).map_err(Error::encode)?;
        self.send_bytes(&bytes)
    }

    /// Pickle any `Serialize` value (see [`brinery::serde`] for the
    /// mapping) and send it.
    pub fn send_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let bytes = brinery::serde::SerOptions::new()
            .protocol(self.opts.protocol)
            .to_vec(value)
            .map_err(Error::encode)?;
        self.send_bytes(&bytes)
    }

    // ---- receiving ------------------------------------------------------

    /// Fill `buf` completely. `Ok(false)`: end of file before the first
    /// byte. `consumed` counts the bytes of the current message read so far
    /// (for positions in errors).
    fn read_full(&mut self, buf: &mut [u8], consumed: u64) -> Result<bool> {
        let mut done = 0usize;
        while done < buf.len() {
            if self.eof_ahead {
                return self.eof(done, consumed);
            }
            let r = self.reader()?.read(&mut buf[done..]);
            match r {
                Ok(0) => {
                    self.eof_ahead = true;
                    return self.eof(done, consumed);
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let at = consumed + done as u64;
                    if at == 0 {
                        return Err(Error::io("receive", e));
                    }
                    // The stream is out of step: no more receiving.
                    self.readable = false;
                    let err = Error::io("receive", e);
                    if err.kind() == ErrorKind::Closed {
                        // A reset in the middle of a message.
                        return Err(Error::new(
                            ErrorKind::Truncated,
                            format!("{} in the middle of a message", err.message()),
                        )
                        .with_offset(at));
                    }
                    return Err(err.with_offset(at));
                }
            }
        }
        Ok(true)
    }

    fn eof(&mut self, done: usize, consumed: u64) -> Result<bool> {
        let at = consumed + done as u64;
        if at == 0 {
            Ok(false)
        } else {
            self.readable = false;
            Err(Error::new(
                ErrorKind::Truncated,
                "the peer closed the connection in the middle of a message",
            )
            .with_offset(at))
        }
    }

    /// Read a message header; the length.
    fn read_header(&mut self, max: u64) -> Result<u64> {
        if !self.readable {
            return Err(Error::new(
                ErrorKind::Broken,
                "the connection cannot receive: an earlier message was refused or cut short",
            ));
        }
        let mut h = [0u8; 4];
        if !self.read_full(&mut h, 0)? {
            return Err(Error::new(
                ErrorKind::Closed,
                "the peer closed the connection (end of file)",
            ));
        }
        let short = i32::from_be_bytes(h);
        let size = if short == -1 {
            let mut l = [0u8; 8];
            if !self.read_full(&mut l, 4)? {
                unreachable_eof()?;
            }
            u64::from_be_bytes(l)
        } else if short < 0 {
            self.readable = false;
            return Err(Error::new(
                ErrorKind::InvalidHeader,
                format!("negative message length {short} in the header"),
            ));
        } else {
            short as u64
        };
        if size > max {
            self.readable = false;
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "bad message length: the header announces {size} bytes, more than the \
                     maximum of {max} (raise it with Options::max_message)"
                ),
            ));
        }
        Ok(size)
    }

    /// Receive one message of at most `max` bytes (Python's
    /// `recv_bytes(maxlength)`): a longer header fails with
    /// [`ErrorKind::TooLarge`] before anything is allocated, and the
    /// connection cannot receive after that, as in Python.
    pub fn recv_bytes_max(&mut self, max: u64) -> Result<Vec<u8>> {
        let size = self.read_header(max)?;
        let header_len = if size > MAX_SHORT_LENGTH { 12 } else { 4 };
        // Grow with what arrives, never with what the header claims.
        let mut buf: Vec<u8> = Vec::new();
        let mut got: u64 = 0;
        while got < size {
            let remaining = size - got;
            let step = remaining.min((got).max(64 * 1024)) as usize;
            let start = buf.len();
            buf.resize(start + step, 0);
            let ok = self.read_full(&mut buf[start..], header_len + got)?;
            if !ok {
                // read_full only returns false at offset 0.
                unreachable_eof()?;
            }
            got += step as u64;
        }
        Ok(buf)
    }

    /// Receive one message of bytes (Python's `recv_bytes`), at most
    /// [`Options::max_message`] long.
    ///
    /// Errors: [`ErrorKind::Closed`] when the peer closed between messages,
    /// [`ErrorKind::Truncated`] in the middle of one,
    /// [`ErrorKind::TooLarge`] for a header beyond the maximum (after which
    /// the connection cannot receive any more, as in Python),
    /// [`ErrorKind::Timeout`].
    pub fn recv_bytes(&mut self) -> Result<Vec<u8>> {
        self.recv_bytes_max(self.opts.max_message)
    }

    /// Receive one message and decode its pickle into an owned graph
    /// (Python's `recv`), with the configured [`Limits`]. Nothing named in
    /// it is imported or run.
    pub fn recv(&mut self) -> Result<Graph<'static>> {
        let bytes = self.recv_bytes()?;
        let mut u = brinery::Unpickler::new().limits(self.opts.limits.clone());
        let g = u.load_slice(&bytes).map_err(Error::decode)?;
        Ok(g.into_owned())
    }

    /// Receive one message and give its decoded graph to `f` without
    /// copying: strings and bytes in the graph borrow from the message
    /// buffer (what [`recv`](Connection::recv) copies into an owned graph).
    pub fn recv_with<R>(&mut self, f: impl FnOnce(&Graph<'_>) -> R) -> Result<R> {
        let bytes = self.recv_bytes()?;
        let mut u = brinery::Unpickler::new().limits(self.opts.limits.clone());
        let g = u.load_slice(&bytes).map_err(Error::decode)?;
        Ok(f(&g))
    }

    /// Receive one message and deserialize its pickle into `T`.
    pub fn recv_value<T: DeserializeOwned>(&mut self) -> Result<T> {
        let bytes = self.recv_bytes()?;
        brinery::serde::DeOptions::new()
            .limits(self.opts.limits.clone())
            .from_slice(&bytes)
            .map_err(Error::decode)
    }

    /// Whether something can be received within `timeout` (Python's
    /// `poll`): a message, or end of file (then `recv` reports it).
    /// `Duration::ZERO` checks without waiting.
    pub fn poll(&mut self, timeout: Duration) -> Result<bool> {
        if self.eof_ahead || !self.reader()?.buffer().is_empty() {
            return Ok(true);
        }
        let restore = self.opts.timeout;
        let reader = self.reader()?;
        let r = if timeout.is_zero() {
            fill_with(
                reader,
                |s| s.set_nonblocking(true),
                |s| s.set_nonblocking(false),
            )?
        } else {
            fill_with(
                reader,
                |s| s.set_read_timeout(Some(timeout)),
                |s| s.set_read_timeout(restore),
            )?
        };
        match r {
            Ok(0) => {
                self.eof_ahead = true;
                Ok(true)
            }
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(Error::io("poll", e)),
        }
    }

    /// A second handle on the same socket (e.g. one thread sends while
    /// another receives). Bytes already read ahead by [`poll`](Connection::poll)
    /// stay with this handle.
    pub fn try_clone(&self) -> Result<Connection> {
        let s = self
            .stream
            .as_ref()
            .ok_or_else(|| Error::new(ErrorKind::Closed, "the connection is closed"))?
            .get_ref()
            .try_clone()
            .map_err(|e| Error::io("clone", e))?;
        Ok(Connection {
            stream: Some(BufReader::with_capacity(READ_BUFFER, s)),
            eof_ahead: false,
            readable: self.readable,
            writable: self.writable,
            opts: self.opts.clone(),
            auth: self.auth,
        })
    }
}

fn unreachable_eof() -> Result<()> {
    Err(Error::new(
        ErrorKind::Truncated,
        "the peer closed the connection in the middle of a message",
    ))
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

/// `fill_buf` with the socket set by `set` for the call and reset by
/// `reset` after it (for `poll`): the bytes buffered, or the read's error.
fn fill_with(
    reader: &mut BufReader<Stream>,
    set: impl Fn(&Stream) -> io::Result<()>,
    reset: impl Fn(&Stream) -> io::Result<()>,
) -> Result<io::Result<usize>> {
    set(reader.get_ref()).map_err(|e| Error::io("poll", e))?;
    let r = reader.fill_buf().map(|b| b.len());
    reset(reader.get_ref()).map_err(|e| Error::io("poll", e))?;
    Ok(r)
}
