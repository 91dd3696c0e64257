//! Read-only memory maps of files, for the crates of the brinery workspace.
//!
//! Mapping a file is the one thing in brinery's file handling that needs
//! `unsafe` (the operating system, not Rust, guarantees the bytes). This
//! crate keeps that in one module, so the crates that map files
//! (`brinery-scan`, `brinery-torch`, the `brine` CLI, the benchmark tool)
//! have no unsafe code of their own.
//!
//! - [`map`]: map a file read-only; pages are read as they are touched.
//! - [`map_populated`]: map a file that is about to be read whole: the
//!   kernel reads it in at once and is told the reads are sequential.
//! - [`release_before`]: let the system drop the pages already read
//!   (they are read again from the file if touched), so scanning a large
//!   file does not keep it all resident.
//! - [`prefault`]: map in a range with one system call before reading it.
//!
//! The maps are [`Mmap`] (re-exported from `memmap2`), which derefs to
//! `[u8]`.
//!
//! # The caveat of every memory map
//!
//! If another process truncates or rewrites a file while it is mapped,
//! reads may see the changed bytes, or fault (`SIGBUS`) when a page lies
//! past the new end. brinery never writes through a map, and treats the
//! bytes as hostile input anyway; callers that cannot accept the fault
//! should read small or untrusted-location files into memory instead.
//!
//! # Example
//!
//! ```
//! use std::io::Write;
//!
//! let path = std::env::temp_dir().join(format!("brinery-mmap-doc-{}", std::process::id()));
//! std::fs::File::create(&path)?.write_all(b"\x80\x04K\x2a.")?;
//!
//! let file = std::fs::File::open(&path)?;
//! let map = brinery_mmap::map(&file)?;
//! assert_eq!(&map[..], b"\x80\x04K\x2a.");
//! // A range past the end is cut to the map: nothing happens, no panic.
//! brinery_mmap::prefault(&map, 3, 100);
//!
//! let whole = brinery_mmap::map_populated(&file)?;
//! assert_eq!(whole.len(), 5);
//! # drop((map, whole, file));
//! # std::fs::remove_file(&path)?;
//! # Ok::<(), std::io::Error>(())
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod sys;

pub use memmap2::Mmap;
pub use sys::{map, map_populated, prefault, release_before, RELEASE_STEP};

#[cfg(test)]
mod tests;
