//! `Listener` and `Client`: making connections, with the handshake.

use std::io;
use std::net::TcpListener;
#[cfg(unix)]
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::address::{Address, Stream};
use crate::auth::{answer_challenge, deliver_challenge, AuthInfo};
use crate::connection::{Connection, Options};
use crate::error::{Error, ErrorKind, Result};

/// Connecting to a Python `multiprocessing.connection.Listener` (or a
/// brinery [`Listener`]).
#[derive(Debug)]
pub struct Client;

impl Client {
    /// Connect to `address` (`host:port` or a Unix socket path) and
    /// authenticate with `authkey` as Python's `Client(address,
    /// authkey=authkey)` does: answer the listener's challenge, then
    /// deliver one. Speaks the handshake of Python ≥ 3.12 and falls back
    /// to HMAC-MD5 with Python ≤ 3.11.
    ///
    /// Without a timeout (see [`Options::timeout`]) this blocks as long as
    /// the peer does.
    pub fn connect(address: &str, authkey: &[u8]) -> Result<Connection> {
        Client::connect_with(address, &Options::new().authkey(authkey))
    }

    /// Connect with explicit [`Options`] (no authkey: no handshake).
    pub fn connect_with(address: &str, opts: &Options) -> Result<Connection> {
        let addr = Address::parse(address)?;
        let stream = Stream::connect(&addr, opts.timeout)?;
        let mut conn = Connection::new(stream, opts)?;
        if let Some(key) = &opts.authkey {
            let our_answer = answer_challenge(&mut conn, key, opts.handshake)?;
            let peer_answer = deliver_challenge(&mut conn, key, opts.handshake)?;
            conn.auth = Some(AuthInfo {
                peer_answer,
                our_answer,
            });
        }
        Ok(conn)
    }
}

#[derive(Debug)]
enum Inner {
    Tcp(TcpListener),
    #[cfg(unix)]
    Unix(UnixListener, Option<PathBuf>),
}

/// A bound socket accepting connections from Python
/// `multiprocessing.connection.Client`s (or brinery [`Client`]s).
///
/// A Unix socket file is removed when the listener is dropped, as
/// Python's `Listener.close` does.
#[derive(Debug)]
pub struct Listener {
    inner: Inner,
    address: Address,
    opts: Options,
}

impl Listener {
    /// Listen on `address`: `host:port` (port 0 picks a free port, see
    /// [`Listener::address`]) or a Unix socket path, authenticating every
    /// connection with `authkey` (deliver a challenge, then answer one).
    pub fn bind(address: &str, authkey: &[u8]) -> Result<Listener> {
        Listener::bind_with(address, &Options::new().authkey(authkey))
    }

    /// Listen with explicit [`Options`] ([`Options::accept_timeout`] bounds
    /// the wait in [`accept`](Listener::accept), [`Options::timeout`] the
    /// handshake and the connection).
    pub fn bind_with(address: &str, opts: &Options) -> Result<Listener> {
        let addr = Address::parse(address)?;
        let (inner, address) = match &addr {
            Address::Tcp { host, port } => {
                let addrs = Address::resolve(host, *port)?;
                let l = TcpListener::bind(&addrs[..])
                    .map_err(|e| Error::io(&format!("cannot bind {addr}"), e))?;
                let local = l
                    .local_addr()
                    .map_err(|e| Error::io("cannot read the bound address", e))?;
                (Inner::Tcp(l), Address::from_socket_addr(local))
            }
            #[cfg(unix)]
            Address::Unix(path) => {
                let sa = crate::address::unix_socket_addr(path)
                    .map_err(|e| Error::io(&format!("invalid socket path {addr}"), e))?;
                let l = UnixListener::bind_addr(&sa)
                    .map_err(|e| Error::io(&format!("cannot bind {addr}"), e))?;
                let abstract_name = path.as_os_str().as_encoded_bytes().first() == Some(&0);
                let unlink = (!abstract_name).then(|| path.clone());
                (Inner::Unix(l, unlink), addr.clone())
            }
            #[cfg(not(unix))]
            Address::Unix(_) => {
                return Err(Error::new(
                    ErrorKind::Address,
                    "Unix sockets need a Unix system",
                ))
            }
        };
        Ok(Listener {
            inner,
            address,
            opts: opts.clone(),
        })
    }

    /// The bound address: `ip:port` with the real port, or the path.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// The options new connections get.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    fn accept_once(&self) -> io::Result<Stream> {
        match &self.inner {
            Inner::Tcp(l) => l.accept().map(|(s, _)| Stream::Tcp(s)),
            #[cfg(unix)]
            Inner::Unix(l, _) => l.accept().map(|(s, _)| Stream::Unix(s)),
        }
    }

    fn set_nonblocking(&self, on: bool) -> io::Result<()> {
        match &self.inner {
            Inner::Tcp(l) => l.set_nonblocking(on),
            #[cfg(unix)]
            Inner::Unix(l, _) => l.set_nonblocking(on),
        }
    }

    /// Accept a connection within `timeout` (`None`: wait without limit).
    fn accept_stream(&self, timeout: Option<Duration>) -> Result<Stream> {
        let Some(t) = timeout else {
            return self.accept_once().map_err(|e| Error::io("accept", e));
        };
        let deadline = Instant::now() + t;
        self.set_nonblocking(true)
            .map_err(|e| Error::io("accept", e))?;
        let mut pause = Duration::from_millis(1);
        let result = loop {
            match self.accept_once() {
                Ok(s) => break Ok(s),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) =>
                {
                    let now = Instant::now();
                    if now >= deadline {
                        break Err(Error::new(
                            ErrorKind::Timeout,
                            format!("no connection within {t:?}"),
                        ));
                    }
                    std::thread::sleep(pause.min(deadline - now));
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(e) => break Err(Error::io("accept", e)),
            }
        };
        let restore = self.set_nonblocking(false);
        let stream = result?;
        restore.map_err(|e| Error::io("accept", e))?;
        stream
            .set_nonblocking(false)
            .map_err(|e| Error::io("accept", e))?;
        Ok(stream)
    }

    /// Accept one connection and authenticate it (deliver a challenge,
    /// then answer one, as Python's `Listener.accept`). A peer with a
    /// wrong key gets `#FAILURE#` and this returns
    /// [`ErrorKind::Authentication`]; the listener stays usable.
    ///
    /// With an [`Options::accept_timeout`] the listening socket is polled
    /// in non-blocking mode while waiting; call `accept` from one thread at
    /// a time then (without one, concurrent calls are fine).
    pub fn accept(&self) -> Result<Connection> {
        let stream = self.accept_stream(self.opts.accept_timeout)?;
        let mut conn = Connection::new(stream, &self.opts)?;
        if let Some(key) = &self.opts.authkey {
            let peer_answer = deliver_challenge(&mut conn, key, self.opts.handshake)?;
            let our_answer = answer_challenge(&mut conn, key, self.opts.handshake)?;
            conn.auth = Some(AuthInfo {
                peer_answer,
                our_answer,
            });
        }
        Ok(conn)
    }

    /// Iterate over incoming connections (each an `accept`).
    pub fn incoming(&self) -> impl Iterator<Item = Result<Connection>> + '_ {
        std::iter::repeat_with(move || self.accept())
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Inner::Unix(_, Some(path)) = &self.inner {
            let _ = std::fs::remove_file(path);
        }
    }
}
