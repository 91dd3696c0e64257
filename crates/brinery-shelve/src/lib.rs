//! brinery-shelve: Python's `shelve` databases and sqlitedict files, read
//! and written from Rust without Python.
//!
//! A shelf maps string keys to pickled values in a `dbm` database. This
//! crate opens one by content and reads, iterates, inserts, replaces and
//! deletes entries as brinery graphs (or serde values), in these formats:
//!
//! - `dbm.sqlite3` (Python 3.13's default for new shelves), through SQLite
//!   (bundled) with the statements and transaction behaviour of
//!   `Lib/dbm/sqlite3.py`;
//! - `dbm.dumb` (`name.dat`/`name.dir`/`name.bak`), read and written
//!   exactly as `Lib/dbm/dumb.py` does (512-byte aligned values, overwrite
//!   in place when the new value fits its blocks, the index rewritten with
//!   the old one kept as `.bak`); named by its base name or any of its files;
//! - `dbm.gnu` (GDBM's file format), read-only, in pure Rust: both byte
//!   orders, 32- and 64-bit offsets, the numsync (extended) format;
//! - sqlitedict 2.x: any table (`key TEXT PRIMARY KEY, value BLOB`), its
//!   default protocol (5) and autocommit or manual-commit writing.
//!
//! Keys are Python `str`s stored as UTF-8 (shelve's `keyencoding`); values
//! are pickled at the shelf's protocol (Python's default unless chosen)
//! byte-identical to CPython. Damage is reported, not fatal: an unreadable
//! index line, a value past the end of the file, a GDBM bucket outside the
//! file or a value that is not a pickle yields an [`Error`] naming the key
//! (where there is one) while every other entry stays readable.
//!
//! ```
//! use brinery_shelve::{Format, OpenOptions, Shelf};
//!
//! let dir = std::env::temp_dir().join(format!("brinery-shelve-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("cache.db");
//! # let _ = std::fs::remove_file(&path);
//!
//! // shelve.open(path) on Python 3.13 creates a dbm.sqlite3 shelf.
//! let mut shelf = OpenOptions::new().create(Format::Sqlite3).open(&path)?;
//! let mut g = brinery::Graph::new();
//! let items = vec![g.int(1), g.int(2)];
//! let list = g.list(items);
//! g.set_root(list);
//! shelf.insert("numbers", &g)?;
//! shelf.close()?;
//!
//! let shelf = Shelf::open(&path)?;
//! assert_eq!(shelf.format(), Format::Sqlite3);
//! let value = shelf.get("numbers")?.expect("stored");
//! assert_eq!(value.root().get(&1).and_then(|v| v.as_i64()), Some(2));
//! for entry in shelf.entries()?.entries {
//!     println!("{} = {} bytes of pickle", entry.key, entry.value?.len());
//! }
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod dumb;
mod error;
mod gnu;
mod key;
mod shelf;
mod sql;

/// A key and its stored bytes (or why they cannot be read), as the
/// back ends produce them.
pub(crate) type RawEntry = (Key, Result<Vec<u8>>);

pub use crate::dumb::BLOCKSIZE as DUMB_BLOCKSIZE;
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::gnu::{GdbmHeader, GdbmLayout};
pub use crate::key::{Key, KeyEncoding};
pub use crate::shelf::{Detected, Entry, Format, Listing, OpenOptions, Shelf};
pub use crate::sql::SQLITEDICT_DEFAULT_TABLE;
