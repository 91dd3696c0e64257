//! brinery-mp: a Rust peer for Python's `multiprocessing.connection`.
//!
//! Python programs exchange objects with `multiprocessing.connection`'s
//! `Listener`, `Client` and `Connection.send`/`recv`, authenticated with an
//! `authkey`. This crate speaks that protocol byte for byte, so a Rust
//! process can take tasks from Python and answer them, while every pickle
//! it receives is decoded by [brinery] as *data*: nothing named in it is
//! imported, called or run.
//!
//! - [`Listener::bind`] / [`Listener::accept`] and [`Client::connect`]
//!   with an address that is `host:port` (TCP) or a Unix socket path, like
//!   Python's `address` argument;
//! - [`Connection::send_bytes`]/[`recv_bytes`](Connection::recv_bytes),
//!   [`send`](Connection::send)/[`recv`](Connection::recv) of a
//!   [`brinery::Graph`], serde [`send_value`](Connection::send_value)/
//!   [`recv_value`](Connection::recv_value), [`poll`](Connection::poll),
//!   [`close`](Connection::close);
//! - the wire format of CPython: a 4-byte big-endian signed length, or -1
//!   and an 8-byte length for messages over 0x7fffffff
//!   ([`frame_header`]); pickles at protocol 4 as `Connection.send` writes
//!   them;
//! - the handshake both ways (`#CHALLENGE#`, `#WELCOME#`, `#FAILURE#`):
//!   `{sha256}` digest negotiation of Python ≥ 3.12 with its fallback to
//!   the raw HMAC-MD5 of Python ≤ 3.11, in both directions ([`Handshake`]);
//! - limits: a header beyond [`Options::max_message`] (64 MiB by default,
//!   Python's `maxlength`) is refused before anything is allocated, a
//!   message's buffer grows only with bytes that arrive, pickles are
//!   decoded under [`brinery::Limits`]; every fault is an [`Error`] with a
//!   public [`ErrorKind`].
//!
//! # Example
//!
//! A Rust listener and a Rust client in one process (the peer is usually
//! Python: `Client(("127.0.0.1", port), authkey=b"secret")`):
//!
//! ```
//! use std::time::Duration;
//! use brinery_mp::{Client, Listener, Options};
//!
//! let opts = Options::new()
//!     .authkey(b"secret")
//!     .timeout(Duration::from_secs(10))
//!     .accept_timeout(Duration::from_secs(10));
//! let listener = opts.bind("127.0.0.1:0")?;
//! let address = listener.address().to_string(); // "127.0.0.1:<port>"
//! let worker = std::thread::spawn(move || -> brinery_mp::Result<()> {
//!     let mut conn = listener.accept()?;
//!     let task: Vec<i64> = conn.recv_value()?;         // a pickled list
//!     conn.send_value(&task.iter().sum::<i64>())?;      // a pickled int
//!     Ok(())
//! });
//! let mut conn = Client::connect(&address, b"secret")?;
//! conn.send_value(&vec![1, 2, 3])?;
//! assert_eq!(conn.recv_value::<i64>()?, 6);
//! worker.join().unwrap()?;
//!
//! // A wrong key is refused on both sides:
//! let listener = opts.bind("127.0.0.1:0")?;
//! let address = listener.address().to_string();
//! let server = std::thread::spawn(move || listener.accept().map(|_| ()));
//! let err = Client::connect(&address, b"wrong").unwrap_err();
//! assert_eq!(err.kind(), brinery_mp::ErrorKind::Authentication);
//! assert_eq!(server.join().unwrap().unwrap_err().kind(), brinery_mp::ErrorKind::Authentication);
//! # Ok::<(), brinery_mp::Error>(())
//! ```
//!
//! Graphs keep Python's types and sharing:
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut conn = brinery_mp::Client::connect("/tmp/worker.sock", b"secret")?;
//! let graph = conn.recv()?; // e.g. {'id': 7, 'rows': [...]}
//! println!("{}", brinery::repr_root(&graph)?);
//! conn.send(&graph)?; // echo it back, byte-identical to Python's pickle
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod address;
mod auth;
mod connection;
mod error;
mod listener;

pub use crate::address::Address;
pub use crate::auth::{AuthInfo, Digest, Handshake};
pub use crate::connection::{
    frame_header, Connection, Options, DEFAULT_MAX_MESSAGE, MAX_SHORT_LENGTH,
};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::listener::{Client, Listener};
