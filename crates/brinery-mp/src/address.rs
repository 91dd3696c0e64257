//! Addresses (`host:port` or a Unix socket path) and the socket behind a
//! connection.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};

/// Where a [`Listener`](crate::Listener) listens or a
/// [`Client`](crate::Client) connects, like the `address` argument of
/// Python's `multiprocessing.connection`: a TCP `host:port` (Python's
/// `(host, port)` tuple) or the path of a Unix socket (Python's `str`).
///
/// [`Address::parse`] reads the text form: anything containing a `/`, or
/// without a `:port` suffix, is a path; `host:port` and `[v6addr]:port` are
/// TCP. On Linux a path starting with a NUL byte names an abstract socket,
/// as in Python.
///
/// `Display` writes `host:port` (`[v6]:port`) or the path, and parsing
/// that text gives the address back.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Address {
    /// A TCP endpoint, as written (`localhost:6000`) or as bound
    /// (`127.0.0.1:6000`).
    Tcp {
        /// The host name or IP address (without brackets for IPv6).
        host: String,
        /// The port; 0 asks [`Listener::bind`](crate::Listener::bind) for a free one.
        port: u16,
    },
    /// A Unix socket path.
    Unix(PathBuf),
}

impl Address {
    /// Read an address in its text form.
    ///
    /// ```
    /// use brinery_mp::Address;
    /// assert_eq!(
    ///     Address::parse("localhost:6000")?,
    ///     Address::Tcp { host: "localhost".into(), port: 6000 }
    /// );
    /// assert_eq!(Address::parse("[::1]:0")?.to_string(), "[::1]:0");
    /// assert_eq!(Address::parse("/tmp/worker.sock")?, Address::Unix("/tmp/worker.sock".into()));
    /// # Ok::<(), brinery_mp::Error>(())
    /// ```
    pub fn parse(s: &str) -> Result<Address> {
        if s.is_empty() {
            return Err(Error::new(ErrorKind::Address, "empty address"));
        }
        if !s.contains('/') && !s.starts_with('\0') {
            if let Some((host, port)) = s.rsplit_once(':') {
                let host = host
                    .strip_prefix('[')
                    .and_then(|h| h.strip_suffix(']'))
                    .unwrap_or(host);
                if !host.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
                {
                    let port: u16 = port.parse().map_err(|_| {
                        Error::new(ErrorKind::Address, format!("port out of range in {s:?}"))
                    })?;
                    return Ok(Address::Tcp {
                        host: host.to_string(),
                        port,
                    });
                }
            }
        }
        if cfg!(unix) {
            Ok(Address::Unix(PathBuf::from(s)))
        } else {
            Err(Error::new(
                ErrorKind::Address,
                format!("{s:?} is not host:port (Unix sockets need a Unix system)"),
            ))
        }
    }

    pub(crate) fn from_socket_addr(a: SocketAddr) -> Address {
        Address::Tcp {
            host: a.ip().to_string(),
            port: a.port(),
        }
    }

    /// The resolved socket addresses of a TCP address.
    pub(crate) fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>> {
        let addrs: Vec<SocketAddr> = (host, port)
            .to_socket_addrs()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Address,
                    format!("cannot resolve {host}:{port}: {e}"),
                )
            })?
            .collect();
        if addrs.is_empty() {
            return Err(Error::new(
                ErrorKind::Address,
                format!("{host}:{port} resolved to no address"),
            ));
        }
        Ok(addrs)
    }

    /// The path of a Unix address.
    pub fn as_path(&self) -> Option<&Path> {
        match self {
            Address::Unix(p) => Some(p),
            Address::Tcp { .. } => None,
        }
    }
}

impl std::str::FromStr for Address {
    type Err = Error;
    fn from_str(s: &str) -> Result<Address> {
        Address::parse(s)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Address::Tcp { host, port } => write!(f, "{host}:{port}"),
            Address::Unix(p) => write!(f, "{}", p.display()),
        }
    }
}

/// The socket under a connection.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
}

#[cfg(all(unix, any(target_os = "linux", target_os = "android")))]
pub(crate) fn unix_socket_addr(path: &Path) -> io::Result<std::os::unix::net::SocketAddr> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_os_str().as_bytes();
    if let Some(name) = bytes.strip_prefix(b"\0") {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        return std::os::unix::net::SocketAddr::from_abstract_name(name);
    }
    std::os::unix::net::SocketAddr::from_pathname(path)
}

#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
pub(crate) fn unix_socket_addr(path: &Path) -> io::Result<std::os::unix::net::SocketAddr> {
    std::os::unix::net::SocketAddr::from_pathname(path)
}

impl Stream {
    pub(crate) fn connect(address: &Address, timeout: Option<Duration>) -> Result<Stream> {
        match address {
            Address::Tcp { host, port } => {
                let mut last = None;
                for a in Address::resolve(host, *port)? {
                    let r = match timeout {
                        Some(t) => TcpStream::connect_timeout(&a, t),
                        None => TcpStream::connect(a),
                    };
                    match r {
                        Ok(s) => return Ok(Stream::Tcp(s)),
                        Err(e) => last = Some(e),
                    }
                }
                let e = last.unwrap_or_else(|| io::Error::other("no address"));
                Err(Error::io(&format!("cannot connect to {address}"), e))
            }
            #[cfg(unix)]
            Address::Unix(path) => {
                let addr = unix_socket_addr(path)
                    .map_err(|e| Error::io(&format!("invalid socket path {address}"), e))?;
                UnixStream::connect_addr(&addr)
                    .map(Stream::Unix)
                    .map_err(|e| Error::io(&format!("cannot connect to {address}"), e))
            }
            #[cfg(not(unix))]
            Address::Unix(_) => Err(Error::new(
                ErrorKind::Address,
                "Unix sockets need a Unix system",
            )),
        }
    }

    pub(crate) fn set_timeouts(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => {
                s.set_read_timeout(t)?;
                s.set_write_timeout(t)
            }
            #[cfg(unix)]
            Stream::Unix(s) => {
                s.set_read_timeout(t)?;
                s.set_write_timeout(t)
            }
        }
    }

    pub(crate) fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(t),
            #[cfg(unix)]
            Stream::Unix(s) => s.set_read_timeout(t),
        }
    }

    pub(crate) fn set_nonblocking(&self, on: bool) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_nonblocking(on),
            #[cfg(unix)]
            Stream::Unix(s) => s.set_nonblocking(on),
        }
    }

    pub(crate) fn try_clone(&self) -> io::Result<Stream> {
        match self {
            Stream::Tcp(s) => s.try_clone().map(Stream::Tcp),
            #[cfg(unix)]
            Stream::Unix(s) => s.try_clone().map(Stream::Unix),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
