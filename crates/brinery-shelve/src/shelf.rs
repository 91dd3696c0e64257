//! [`Shelf`]: one API over the four formats.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use brinery::{Graph, Node, NodeId};

use crate::dumb::{self, Dumb};
use crate::error::{Error, ErrorKind, Result};
use crate::gnu::{self, GdbmHeader, Gnu};
use crate::sql::{self, Sql};
use crate::{Key, KeyEncoding};

/// The database format of a shelf.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `dbm.sqlite3` (Python 3.13+'s default for new shelves): one SQLite
    /// table `Dict(key BLOB UNIQUE NOT NULL, value BLOB NOT NULL)`.
    Sqlite3,
    /// `dbm.dumb`: `name.dat`, `name.dir`, `name.bak`.
    Dumb,
    /// `dbm.gnu`: a GDBM file (read-only).
    Gnu,
    /// sqlitedict: SQLite tables `(key TEXT PRIMARY KEY, value BLOB)`.
    SqliteDict,
}

impl Format {
    /// The Python module name: `dbm.sqlite3`, `dbm.dumb`, `dbm.gnu`,
    /// `sqlitedict`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Sqlite3 => "dbm.sqlite3",
            Format::Dumb => "dbm.dumb",
            Format::Gnu => "dbm.gnu",
            Format::SqliteDict => "sqlitedict",
        }
    }

    /// The pickle protocol Python writes new values with: shelve's
    /// `DEFAULT_PROTOCOL` (4 on CPython 3.8–3.13), sqlitedict's
    /// `HIGHEST_PROTOCOL` (5).
    pub fn default_protocol(self) -> u8 {
        match self {
            Format::SqliteDict => brinery::HIGHEST_PROTOCOL,
            _ => brinery::DEFAULT_PROTOCOL,
        }
    }

    /// Parse a name as [`Format::name`] gives it (also `sqlite3`, `dumb`,
    /// `gnu`, `gdbm`).
    pub fn from_name(s: &str) -> Option<Format> {
        Some(match s {
            "dbm.sqlite3" | "sqlite3" => Format::Sqlite3,
            "dbm.dumb" | "dumb" => Format::Dumb,
            "dbm.gnu" | "gnu" | "gdbm" => Format::Gnu,
            "sqlitedict" => Format::SqliteDict,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

enum Backend {
    Sql(Sql),
    Dumb(Dumb),
    Gnu(Gnu),
}

/// How to open a shelf (like `shelve.open`'s flag and protocol and
/// `SqliteDict`'s tablename and autocommit).
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    write: bool,
    create: Option<Format>,
    table: Option<String>,
    protocol: Option<u8>,
    manual_commit: bool,
    dumb_legacy: bool,
    keyencoding: KeyEncoding,
}

brinery::setters!(OpenOptions {
    /// Open for update (`flag='c'` when combined with [`Self::create`],
    /// else `'w'`). GDBM files cannot be opened for writing.
    write: bool,
    /// sqlitedict without autocommit: writes collect in one transaction
    /// until [`Shelf::commit`] (dropping the shelf rolls them back). The
    /// default is autocommit: every write is its own transaction, as
    /// `dbm.sqlite3` and `SqliteDict(autocommit=True)` do.
    manual_commit: bool,
    /// shelve's `keyencoding` (default UTF-8): how `str` keys are stored
    /// in `dbm` databases (not used for sqlitedict, whose keys are TEXT).
    keyencoding: KeyEncoding,
});

impl OpenOptions {
    /// Read-only, format by content, default table, default protocol,
    /// autocommit.
    pub fn new() -> Self {
        OpenOptions::default()
    }

    /// Create the shelf in this format when it does not exist (implies
    /// [`Self::write`]).
    pub fn create(mut self, format: Format) -> Self {
        self.create = Some(format);
        self.write = true;
        self
    }

    /// The sqlitedict table (`SqliteDict(tablename=...)`); for a SQLite
    /// file this selects sqlitedict even if a `Dict` table exists.
    pub fn table(mut self, name: impl Into<String>) -> Self {
        self.table = Some(name.into());
        self
    }

    /// The protocol new values are pickled with (default
    /// [`Format::default_protocol`]).
    pub fn protocol(mut self, protocol: u8) -> Self {
        self.protocol = Some(protocol.min(brinery::HIGHEST_PROTOCOL));
        self
    }

    /// Write `dbm.dumb` files exactly as Python 3.8–3.12's `dumb.py`
    /// (default: 3.13's). They differ in two details: 3.13 creates an
    /// empty `.dir` as soon as a shelf without one is opened, and after a
    /// deletion (which commits the index) 3.8–3.12 commit once more on
    /// close, so their `.bak` equals the final `.dir`.
    pub fn dumb_before_313(mut self, on: bool) -> Self {
        self.dumb_legacy = on;
        self
    }

    /// Open `path`.
    pub fn open(&self, path: impl AsRef<Path>) -> Result<Shelf> {
        Shelf::open_with(path.as_ref(), self)
    }
}

/// What [`Shelf::detect`] found at a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    /// The format (for a SQLite file: [`Format::Sqlite3`] if it has a
    /// `Dict` table, else [`Format::SqliteDict`]).
    pub format: Format,
    /// The path to open: the file, or the base name of a `dbm.dumb` shelf.
    pub path: PathBuf,
}

fn head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut f = File::open(path)?;
    let mut buf = vec![0u8; 16];
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    buf.truncate(n);
    Ok(buf)
}

/// One entry of a shelf as stored: the key and the pickle bytes (or why
/// they cannot be read).
#[derive(Debug)]
pub struct Entry {
    /// The key.
    pub key: Key,
    /// The stored pickle, or the error reading it (naming the key).
    pub value: Result<Vec<u8>>,
}

impl Entry {
    /// Decode the value as `Shelf.__getitem__` does (`pickle.Unpickler`
    /// with its defaults; bytes after the pickle's STOP are ignored).
    pub fn load(&self) -> Result<Graph<'_>> {
        self.load_with(&mut brinery::Unpickler::new())
    }

    /// Decode the value with the given unpickler options.
    pub fn load_with<'a>(&'a self, up: &mut brinery::Unpickler<'a, '_>) -> Result<Graph<'a>> {
        let bytes = match &self.value {
            Ok(b) => b,
            Err(e) => {
                return Err(Error::new(e.kind(), e.message().to_string())
                    .key(&self.key)
                    .maybe_path(e.file())
                    .maybe_at(e.offset()))
            }
        };
        decode(&self.key, bytes, up)
    }
}

pub(crate) fn decode<'a>(
    key: &Key,
    bytes: &'a [u8],
    up: &mut brinery::Unpickler<'a, '_>,
) -> Result<Graph<'a>> {
    up.load_slice_prefix(bytes).map(|(g, _)| g).map_err(|e| {
        let at = e.offset();
        let mut err = Error::new(
            ErrorKind::NotPickle,
            format!("the value is not a readable pickle: {e}"),
        )
        .key(key)
        .source(e);
        if let Some(o) = at {
            err = err.at(o);
        }
        err
    })
}

impl Error {
    fn maybe_path(self, p: Option<&Path>) -> Self {
        match p {
            Some(p) => self.path(p),
            None => self,
        }
    }
    fn maybe_at(self, o: Option<u64>) -> Self {
        match o {
            Some(o) => self.at(o),
            None => self,
        }
    }
}

/// Every entry of a shelf, read at once (in one transaction for SQLite),
/// in Python's iteration order, and the damage found on the way that
/// belongs to no readable key (a corrupt index line, a GDBM bucket
/// outside the file).
#[derive(Debug, Default)]
pub struct Listing {
    /// The entries, in the order `dict(shelve.open(...))` has them.
    pub entries: Vec<Entry>,
    /// Structural damage (entries lost with it are not in `entries`).
    pub problems: Vec<Error>,
}

impl Listing {
    /// `dict(shelf)` as one graph: a dict of every key (`str`, or `bytes`
    /// for a non-text key) to its decoded value. Entries that cannot be
    /// read or decoded are left out and returned as errors (naming their
    /// keys), after [`Listing::problems`]'s structural ones.
    pub fn to_graph(&self) -> (Graph<'static>, Vec<Error>) {
        self.to_graph_with(brinery::Unpickler::new)
    }

    /// [`Listing::to_graph`] with the unpickler options `make` returns
    /// (called once per entry).
    pub fn to_graph_with<'s>(
        &'s self,
        mut make: impl FnMut() -> brinery::Unpickler<'s, 'static>,
    ) -> (Graph<'static>, Vec<Error>) {
        let mut g: Graph<'static> = Graph::new();
        let mut errors: Vec<Error> = self.problems.iter().map(clone_err).collect();
        let mut pairs = Vec::new();
        for e in &self.entries {
            let graph = match e.load_with(&mut make()) {
                Ok(graph) => graph,
                Err(err) => {
                    errors.push(err);
                    continue;
                }
            };
            let Some(root) = graph.root_id() else {
                continue;
            };
            let k = match e.key.as_str() {
                Some(s) => g.str(s),
                None => g.bytes(e.key.as_bytes().to_vec()),
            };
            match graft(&mut g, &graph, root) {
                Ok(v) => pairs.push((k, v)),
                Err(err) => {
                    errors.push(Error::new(ErrorKind::NotPickle, err.to_string()).key(&e.key))
                }
            }
        }
        match g.dict(pairs) {
            Ok(d) => g.set_root(d),
            Err(e) => errors.push(Error::new(ErrorKind::Corrupt, e.to_string())),
        }
        (g, errors)
    }
}

fn clone_err(e: &Error) -> Error {
    let mut c = Error::new(e.kind(), e.message().to_string())
        .maybe_path(e.file())
        .maybe_at(e.offset());
    if let Some(k) = e.key_repr() {
        c = c.key_text(k.to_string());
    }
    c
}

/// Copy every node of `src` into `dst` (same sharing and cycles); return
/// the id `root` has in `dst`.
fn graft(dst: &mut Graph<'static>, src: &Graph<'_>, root: NodeId) -> brinery::Result<NodeId> {
    let nodes = src.nodes();
    let mut map: Vec<NodeId> = Vec::with_capacity(nodes.len());
    for n in nodes {
        map.push(match n {
            Node::Dict(_) => dst.add(Node::Dict(Default::default())),
            Node::Set(_) => dst.add(Node::Set(Default::default())),
            Node::FrozenSet(_) => dst.add(Node::FrozenSet(Default::default())),
            _ => dst.add(Node::None),
        });
    }
    let m = |id: NodeId| map[id.index()];
    for (i, n) in nodes.iter().enumerate() {
        let new = match n {
            Node::Dict(_) | Node::Set(_) | Node::FrozenSet(_) => continue,
            Node::List(v) => Node::List(v.iter().map(|&c| m(c)).collect()),
            Node::Tuple(v) => Node::Tuple(v.iter().map(|&c| m(c)).collect()),
            Node::PersistentId(p) => Node::PersistentId(m(*p)),
            Node::Object(o) => Node::Object(Box::new(o.map_ids(m))),
            other => other.clone().into_owned(),
        };
        *dst.node_mut(map[i]) = new;
    }
    // Frozensets (inner ones were made first), then sets, then dicts: a
    // container is filled only after every key it hashes.
    for pass in 0..3 {
        for (i, n) in nodes.iter().enumerate() {
            match (pass, n) {
                (0, Node::FrozenSet(s)) | (1, Node::Set(s)) => {
                    let items: Vec<NodeId> = s.items().iter().map(|&c| m(c)).collect();
                    dst.set_extend(map[i], &items)?;
                }
                (2, Node::Dict(d)) => {
                    let flat: Vec<NodeId> = d
                        .entries()
                        .iter()
                        .flat_map(|&(k, v)| [m(k), m(v)])
                        .collect();
                    dst.dict_extend(map[i], &flat)?;
                }
                _ => {}
            }
        }
    }
    Ok(m(root))
}

/// A shelf: a `dbm` database (or a sqlitedict table) of pickled values
/// under string keys.
pub struct Shelf {
    backend: Backend,
    format: Format,
    path: PathBuf,
    protocol: u8,
    keyencoding: KeyEncoding,
}

impl std::fmt::Debug for Shelf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shelf")
            .field("format", &self.format)
            .field("path", &self.path)
            .field("table", &self.table())
            .field("protocol", &self.protocol)
            .finish()
    }
}

impl Shelf {
    /// Open an existing shelf read-only, recognising its format by
    /// content (a `dbm.dumb` shelf by its base name or any of its files).
    pub fn open(path: impl AsRef<Path>) -> Result<Shelf> {
        Shelf::open_with(path.as_ref(), &OpenOptions::new())
    }

    /// Is `path` a shelf, and of which format? `Ok(None)` for anything
    /// else (a pickle, a missing file). Cheap: reads 16 bytes, or for
    /// SQLite the table list.
    pub fn detect(path: impl AsRef<Path>) -> Result<Option<Detected>> {
        let path = path.as_ref();
        if path.is_file() {
            let h = head(path).map_err(|e| Error::io(path, e))?;
            if sql::is_sqlite(&h) {
                let tables = sql::dict_tables(path)?;
                let format = if tables.iter().any(|t| t == "Dict") {
                    Format::Sqlite3
                } else if tables.is_empty() {
                    // Some other SQLite database.
                    return Ok(None);
                } else {
                    Format::SqliteDict
                };
                return Ok(Some(Detected {
                    format,
                    path: path.to_path_buf(),
                }));
            }
            if gnu::layout_of(&h).is_some() {
                return Ok(Some(Detected {
                    format: Format::Gnu,
                    path: path.to_path_buf(),
                }));
            }
        }
        if let Some(base) = dumb::base_of(path) {
            if dumb::looks_dumb(&base) && dumb::has_index(&base) {
                return Ok(Some(Detected {
                    format: Format::Dumb,
                    path: base,
                }));
            }
        }
        Ok(None)
    }

    fn open_with(path: &Path, o: &OpenOptions) -> Result<Shelf> {
        let detected = Shelf::detect(path)?;
        let (format, real) = match (detected, o.create) {
            (Some(d), _) => (d.format, d.path),
            (None, Some(f)) => (
                f,
                match f {
                    // A new dbm.dumb shelf may be named by NAME.dat too.
                    Format::Dumb => dumb::base_of(path).unwrap_or_else(|| dumb::strip_ext(path)),
                    _ => path.to_path_buf(),
                },
            ),
            (None, None) => {
                if !path.exists() && dumb::base_of(path).is_none() {
                    return Err(Error::io(
                        path,
                        std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            "No such file or directory",
                        ),
                    ));
                }
                if let Some(base) = dumb::base_of(path) {
                    // name.dat without an index: open it to say why.
                    Dumb::open(&base, false, false)?;
                }
                return Err(Error::new(
                    ErrorKind::NotAShelf,
                    "not a shelf (neither dbm.sqlite3, dbm.dumb, dbm.gnu nor sqlitedict)",
                )
                .path(path));
            }
        };
        let mut format = format;
        let backend = match format {
            Format::Sqlite3 | Format::SqliteDict => {
                let exists =
                    real.is_file() && real.metadata().map(|m| m.len() > 0).unwrap_or(false);
                let tables = if exists {
                    sql::dict_tables(&real)?
                } else {
                    Vec::new()
                };
                let table = sql_table(&real, o, &tables)?;
                format = if table.is_some() {
                    Format::SqliteDict
                } else {
                    Format::Sqlite3
                };
                Backend::Sql(Sql::open(&real, table, o.write, !o.manual_commit)?)
            }
            Format::Dumb => Backend::Dumb(Dumb::open(&real, o.write, o.dumb_legacy)?),
            Format::Gnu => {
                if o.write {
                    return Err(Error::new(
                        ErrorKind::ReadOnly,
                        "GDBM files are read-only in brinery (write them with dbm.gnu)",
                    )
                    .path(&real));
                }
                Backend::Gnu(Gnu::open(&real)?)
            }
        };
        Ok(Shelf {
            backend,
            format,
            path: real,
            protocol: o.protocol.unwrap_or_else(|| format.default_protocol()),
            keyencoding: if format == Format::SqliteDict {
                KeyEncoding::Utf8
            } else {
                o.keyencoding
            },
        })
    }

    /// The tables of a SQLite file.
    pub fn tables(path: impl AsRef<Path>) -> Result<Vec<String>> {
        sql::tables(path.as_ref())
    }

    /// The tables of a SQLite file with sqlitedict's layout (columns `key`
    /// and `value`): each is a shelf ([`OpenOptions::table`]).
    pub fn sqlitedict_tables(path: impl AsRef<Path>) -> Result<Vec<String>> {
        sql::dict_tables(path.as_ref())
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The file opened (the base name for `dbm.dumb`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sqlitedict table, if this is one.
    pub fn table(&self) -> Option<&str> {
        match &self.backend {
            Backend::Sql(s) => s.table(),
            _ => None,
        }
    }

    /// The protocol new values are pickled with.
    pub fn protocol(&self) -> u8 {
        self.protocol
    }

    /// For a GDBM file, its header (layout: byte order, offset width,
    /// numsync).
    pub fn gdbm_header(&self) -> Option<&GdbmHeader> {
        match &self.backend {
            Backend::Gnu(g) => Some(&g.header),
            _ => None,
        }
    }

    /// `len(shelf)`.
    pub fn len(&self) -> Result<u64> {
        match &self.backend {
            Backend::Sql(s) => s.len(),
            Backend::Dumb(d) => Ok(d.len()),
            Backend::Gnu(g) => Ok(g.count()),
        }
    }

    /// True if the shelf has no entries.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Every entry in Python's iteration order, with structural damage
    /// reported separately (see [`Listing`]).
    pub fn entries(&self) -> Result<Listing> {
        Ok(match &self.backend {
            Backend::Sql(s) => Listing {
                entries: s
                    .entries()?
                    .into_iter()
                    .map(|(key, value)| Entry {
                        key: self.decode_key(key),
                        value,
                    })
                    .collect(),
                problems: Vec::new(),
            },
            Backend::Dumb(d) => Listing {
                entries: d
                    .entries()
                    .into_iter()
                    .map(|(key, value)| Entry {
                        key: self.decode_key(key),
                        value,
                    })
                    .collect(),
                problems: d.problems.iter().map(clone_err).collect(),
            },
            Backend::Gnu(g) => {
                let (entries, mut problems) = g.entries();
                let mut all: Vec<Error> = g.problems.iter().map(clone_err).collect();
                all.append(&mut problems);
                Listing {
                    entries: entries
                        .into_iter()
                        .map(|(key, value)| Entry {
                            key: self.decode_key(key),
                            value,
                        })
                        .collect(),
                    problems: all,
                }
            }
        })
    }

    /// The keys, in Python's iteration order.
    pub fn keys(&self) -> Result<Vec<Key>> {
        Ok(self.keys_and_problems()?.0)
    }

    /// The keys (values are not read) and the structural damage found on
    /// the way (as in [`Listing::problems`]).
    pub fn keys_and_problems(&self) -> Result<(Vec<Key>, Vec<Error>)> {
        let (keys, problems) = match &self.backend {
            Backend::Dumb(d) => (d.keys(), d.problems.iter().map(clone_err).collect()),
            Backend::Gnu(g) => {
                let (keys, mut p) = g.keys();
                let mut all: Vec<Error> = g.problems.iter().map(clone_err).collect();
                all.append(&mut p);
                (keys, all)
            }
            Backend::Sql(s) => (s.keys()?, Vec::new()),
        };
        Ok((
            keys.into_iter().map(|k| self.decode_key(k)).collect(),
            problems,
        ))
    }

    /// The stored pickle of `key`, `None` if absent.
    pub fn get_raw(&self, key: &Key) -> Result<Option<Vec<u8>>> {
        match &self.backend {
            Backend::Sql(s) => s.get(key),
            Backend::Dumb(d) => d.get(key),
            Backend::Gnu(g) => g.get(key.as_bytes()).transpose(),
        }
    }

    /// `shelf[key]` decoded (`None` if absent), detached from the stored
    /// bytes.
    pub fn get(&self, key: &str) -> Result<Option<Graph<'static>>> {
        let key = self.key(key)?;
        match self.get_raw(&key)? {
            None => Ok(None),
            Some(bytes) => {
                let g = decode(&key, &bytes, &mut brinery::Unpickler::new())?;
                Ok(Some(g.into_owned()))
            }
        }
    }

    /// `shelf[key]` deserialized into a Rust type through serde.
    #[cfg(feature = "serde")]
    pub fn get_as<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let key = self.key(key)?;
        match self.get_raw(&key)? {
            None => Ok(None),
            Some(bytes) => brinery::from_slice(&bytes).map(Some).map_err(|e| {
                Error::new(
                    ErrorKind::NotPickle,
                    format!("cannot deserialize the value: {e}"),
                )
                .key(&key)
                .path(&self.path)
            }),
        }
    }

    /// A key as this shelf stores `key` (encoded with shelve's
    /// `keyencoding`, UTF-8 unless chosen).
    pub fn key(&self, key: &str) -> Result<Key> {
        Key::encoded(key, self.keyencoding).ok_or_else(|| {
            Error::new(
                ErrorKind::Key,
                format!("the key cannot be encoded with {}", self.keyencoding.name()),
            )
            .key(&Key::text(key))
            .path(&self.path)
        })
    }

    /// The shelf's `keyencoding`.
    pub fn keyencoding(&self) -> KeyEncoding {
        self.keyencoding
    }

    /// A stored key as Python reads it from this shelf.
    fn decode_key(&self, k: Key) -> Key {
        if self.keyencoding == KeyEncoding::Utf8 || self.format == Format::SqliteDict {
            k
        } else {
            let b = k.as_bytes().to_vec();
            Key::decoded(b, self.keyencoding)
        }
    }

    fn check_write(&self, key: &Key) -> Result<()> {
        if let Backend::Gnu(_) = self.backend {
            return Err(
                Error::new(ErrorKind::ReadOnly, "GDBM files are read-only in brinery")
                    .path(&self.path)
                    .key(key),
            );
        }
        Ok(())
    }

    /// `shelf[key] = value`: pickle `value` at the shelf's protocol
    /// (byte-identical to CPython's pickler) and store it.
    pub fn insert(&mut self, key: &str, value: &Graph<'_>) -> Result<()> {
        let k = self.key(key)?;
        let bytes = brinery::dumps(value, self.protocol).map_err(|e| {
            Error::new(ErrorKind::Pickle, format!("cannot pickle the value: {e}")).key(&k)
        })?;
        self.insert_raw(&k, &bytes)
    }

    /// `shelf[key] = value` for a serde value, pickled at the shelf's
    /// protocol.
    #[cfg(feature = "serde")]
    pub fn insert_serde<T: serde::Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<()> {
        let k = self.key(key)?;
        let bytes = brinery::serde::SerOptions::new()
            .protocol(self.protocol)
            .to_vec(value)
            .map_err(|e| {
                Error::new(ErrorKind::Pickle, format!("cannot pickle the value: {e}")).key(&k)
            })?;
        self.insert_raw(&k, &bytes)
    }

    /// Store already-pickled bytes under `key`.
    pub fn insert_raw(&mut self, key: &Key, pickle: &[u8]) -> Result<()> {
        self.check_write(key)?;
        let path = self.path.clone();
        match &mut self.backend {
            Backend::Sql(s) => s.put(key, pickle),
            Backend::Dumb(d) => d.put(key, pickle),
            Backend::Gnu(_) => unreachable_gnu(&path),
        }
    }

    /// `del shelf[key]`; `Ok(false)` if the key was absent.
    pub fn remove(&mut self, key: &str) -> Result<bool> {
        let k = self.key(key)?;
        self.remove_key(&k)
    }

    /// `del shelf[key]` for a stored key.
    pub fn remove_key(&mut self, key: &Key) -> Result<bool> {
        self.check_write(key)?;
        let path = self.path.clone();
        match &mut self.backend {
            Backend::Sql(s) => s.delete(key),
            Backend::Dumb(d) => d.delete(key),
            Backend::Gnu(_) => unreachable_gnu(&path).map(|_| false),
        }
    }

    /// Make the writes so far durable: `dbm.dumb`'s index is rewritten
    /// (`sync()`), a manual-commit sqlitedict transaction is committed.
    pub fn commit(&mut self) -> Result<()> {
        match &mut self.backend {
            Backend::Sql(s) => s.commit(),
            Backend::Dumb(d) => d.commit(),
            Backend::Gnu(_) => Ok(()),
        }
    }

    /// Commit and close (`shelf.close()`).
    pub fn close(mut self) -> Result<()> {
        self.commit()
    }
}

/// Which table of a SQLite file a shelf is: `None` for dbm.sqlite3's
/// `Dict`, else the sqlitedict table. `tables` are the file's tables with a
/// (key, value) layout (none for a new file). An existing shelf keeps its
/// format; a new one gets the format asked for.
fn sql_table(path: &Path, o: &OpenOptions, tables: &[String]) -> Result<Option<String>> {
    if let Some(t) = &o.table {
        // An explicit table: that sqlitedict table (created when writing).
        if o.write || tables.contains(t) {
            return Ok(Some(t.clone()));
        }
        return sql::choose(path, Some(t), tables);
    }
    if tables.is_empty() {
        match o.create {
            Some(Format::SqliteDict) => return Ok(Some(sql::SQLITEDICT_DEFAULT_TABLE.to_string())),
            Some(_) => return Ok(None),
            None => {}
        }
    }
    sql::choose(path, None, tables)
}

fn unreachable_gnu(path: &Path) -> Result<()> {
    Err(Error::new(ErrorKind::ReadOnly, "GDBM files are read-only in brinery").path(path))
}
