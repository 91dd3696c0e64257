//! `dbm.sqlite3` (Python 3.13) and sqlitedict files, through SQLite.
//!
//! The statements are the ones `Lib/dbm/sqlite3.py` and sqlitedict 2.x
//! execute. Every write is one statement in autocommit mode (as
//! `sqlite3.connect(..., autocommit=True)` and `SqliteDict(autocommit=True)`)
//! unless the shelf was opened without autocommit, in which case writes
//! collect in one transaction until [`crate::Shelf::commit`], as in
//! sqlitedict. Reads of a whole shelf run in one read transaction, so a
//! concurrent writer is seen either entirely or not at all.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::error::{Error, ErrorKind, Result};
use crate::{Key, RawEntry};

// Lib/dbm/sqlite3.py
const BUILD_TABLE: &str = "
  CREATE TABLE IF NOT EXISTS Dict (
    key BLOB UNIQUE NOT NULL,
    value BLOB NOT NULL
  )
";
const GET_SIZE: &str = "SELECT COUNT (key) FROM Dict";
const LOOKUP_KEY: &str = "SELECT value FROM Dict WHERE key = CAST(? AS BLOB)";
const STORE_KV: &str = "REPLACE INTO Dict (key, value) VALUES (CAST(? AS BLOB), CAST(? AS BLOB))";
const DELETE_KEY: &str = "DELETE FROM Dict WHERE key = CAST(? AS BLOB)";
const ITER_KEYS: &str = "SELECT key FROM Dict";

/// The default table of `SqliteDict(filename)`.
pub const SQLITEDICT_DEFAULT_TABLE: &str = "unnamed";

#[derive(Clone, Debug)]
enum Kind {
    Dbm,
    /// sqlitedict: the table name and its quoted form (`"` doubled).
    Dict {
        table: String,
        quoted: String,
    },
}

pub(crate) struct Sql {
    conn: Connection,
    path: PathBuf,
    kind: Kind,
    autocommit: bool,
    in_tx: bool,
}

fn quote(table: &str) -> String {
    format!("\"{}\"", table.replace('"', "\"\""))
}

/// Python's `sqlite3.connect` waits 5 seconds for a lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

fn connect(path: &Path, write: bool) -> Result<Connection> {
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| Error::sqlite(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| Error::sqlite(path, e))?;
    Ok(conn)
}

/// The tables of a SQLite file (`SELECT name FROM sqlite_master WHERE
/// type='table'`, as `SqliteDict.get_tablenames`).
pub(crate) fn tables(path: &Path) -> Result<Vec<String>> {
    let conn = connect(path, false)?;
    tables_of(&conn, path)
}

/// The tables with sqlitedict's layout (columns `key` and `value`).
pub(crate) fn dict_tables(path: &Path) -> Result<Vec<String>> {
    let conn = connect(path, false)?;
    let mut out = Vec::new();
    for t in tables_of(&conn, path)? {
        let mut st = conn
            .prepare(&format!("PRAGMA table_info({})", quote(&t)))
            .map_err(|e| Error::sqlite(path, e))?;
        let cols = st
            .query_map([], |r| r.get::<_, String>(1))
            .map_err(|e| Error::sqlite(path, e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::sqlite(path, e))?;
        if cols.iter().any(|c| c == "key") && cols.iter().any(|c| c == "value") {
            out.push(t);
        }
    }
    Ok(out)
}

fn tables_of(conn: &Connection, path: &Path) -> Result<Vec<String>> {
    let mut st = conn
        .prepare("SELECT name FROM sqlite_master WHERE type='table'")
        .map_err(|e| Error::sqlite(path, e))?;
    let rows = st
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(|e| Error::sqlite(path, e))?;
    rows.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::sqlite(path, e))
}

/// Which kind of shelf a SQLite file holds: `Some(None)` for dbm.sqlite3
/// (a `Dict` table), `Some(Some(table))` for sqlitedict.
pub(crate) fn choose(
    path: &Path,
    table: Option<&str>,
    tables: &[String],
) -> Result<Option<String>> {
    if let Some(t) = table {
        if tables.iter().any(|x| x == t) {
            return Ok(Some(t.to_string()));
        }
        return Err(Error::new(
            ErrorKind::Table,
            format!("no table {t:?} (tables: {})", list(tables)),
        )
        .path(path));
    }
    if tables.iter().any(|x| x == "Dict") {
        return Ok(None);
    }
    if tables.iter().any(|x| x == SQLITEDICT_DEFAULT_TABLE) {
        return Ok(Some(SQLITEDICT_DEFAULT_TABLE.to_string()));
    }
    match tables {
        [one] => Ok(Some(one.clone())),
        [] => Err(Error::new(
            ErrorKind::NotAShelf,
            "a SQLite database without a (key, value) table (neither dbm.sqlite3 nor sqlitedict)",
        )
        .path(path)),
        _ => Err(Error::new(
            ErrorKind::Table,
            format!(
                "a sqlitedict file with several tables; choose one with --table ({})",
                list(tables)
            ),
        )
        .path(path)),
    }
}

fn list(tables: &[String]) -> String {
    if tables.is_empty() {
        return "none".into();
    }
    tables
        .iter()
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Sql {
    /// Open an existing or new file. `table` None: dbm.sqlite3.
    pub(crate) fn open(
        path: &Path,
        table: Option<String>,
        write: bool,
        autocommit: bool,
    ) -> Result<Sql> {
        let conn = connect(path, write)?;
        let kind = match table {
            None => Kind::Dbm,
            Some(t) => Kind::Dict {
                quoted: quote(&t),
                table: t,
            },
        };
        let sql = Sql {
            conn,
            path: path.to_path_buf(),
            kind,
            autocommit,
            in_tx: false,
        };
        match &sql.kind {
            Kind::Dbm => {
                // "This is an optimization only; it's ok if it fails."
                let _ = sql
                    .conn
                    .query_row("PRAGMA journal_mode = wal", [], |_| Ok(()));
                if write {
                    sql.exec(BUILD_TABLE)?;
                }
            }
            Kind::Dict { quoted, .. } => {
                if write {
                    // SqliteDict's defaults: journal_mode DELETE, the table
                    // created if missing and committed at once.
                    let _ = sql
                        .conn
                        .query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()));
                    sql.exec(&format!(
                        "CREATE TABLE IF NOT EXISTS {quoted} (key TEXT PRIMARY KEY, value BLOB)"
                    ))?;
                }
            }
        }
        Ok(sql)
    }

    pub(crate) fn table(&self) -> Option<&str> {
        match &self.kind {
            Kind::Dbm => None,
            Kind::Dict { table, .. } => Some(table),
        }
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        Error::sqlite(&self.path, e)
    }

    fn exec(&self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(|e| self.err(e))
    }

    fn key_of(&self, v: ValueRef<'_>) -> Result<Key> {
        let text = matches!(self.kind, Kind::Dict { .. });
        Ok(match v {
            ValueRef::Blob(b) => Key::from_stored(b.to_vec(), !text),
            ValueRef::Text(t) => Key::from_stored(t.to_vec(), true),
            ValueRef::Integer(i) => Key::from_stored(i.to_string().into_bytes(), text),
            ValueRef::Real(f) => Key::from_stored(f.to_string().into_bytes(), text),
            ValueRef::Null => {
                return Err(Error::new(ErrorKind::Corrupt, "a NULL key").path(&self.path))
            }
        })
    }

    fn value_of(&self, key: &Key, v: ValueRef<'_>) -> Result<Vec<u8>> {
        match v {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            other => Err(Error::new(
                ErrorKind::Corrupt,
                format!("the value is {}, not a BLOB", type_name(&other)),
            )
            .path(&self.path)
            .key(key)),
        }
    }

    pub(crate) fn len(&self) -> Result<u64> {
        let q = match &self.kind {
            Kind::Dbm => GET_SIZE.to_string(),
            Kind::Dict { quoted, .. } => format!("SELECT COUNT(*) FROM {quoted}"),
        };
        let n: i64 = self
            .conn
            .query_row(&q, [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(n.max(0) as u64)
    }

    /// The keys in Python's iteration order (values are not read).
    pub(crate) fn keys(&self) -> Result<Vec<Key>> {
        let q = match &self.kind {
            Kind::Dbm => ITER_KEYS.to_string(),
            Kind::Dict { quoted, .. } => format!("SELECT key FROM {quoted} ORDER BY rowid"),
        };
        let mut st = self.conn.prepare(&q).map_err(|e| self.err(e))?;
        let mut rows = st.query([]).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            out.push(self.key_of(row.get_ref(0).map_err(|e| self.err(e))?)?);
        }
        Ok(out)
    }

    /// Every entry, in Python's iteration order, read in one transaction.
    pub(crate) fn entries(&self) -> Result<Vec<RawEntry>> {
        let own_tx = !self.in_tx;
        if own_tx {
            self.exec("BEGIN")?;
        }
        let r = self.entries_in_tx();
        if own_tx {
            let _ = self.exec("COMMIT");
        }
        r
    }

    fn entries_in_tx(&self) -> Result<Vec<RawEntry>> {
        let mut out = Vec::new();
        match &self.kind {
            Kind::Dbm => {
                // dict(shelf): the keys (ITER_KEYS), then each value.
                let mut keys = Vec::new();
                {
                    let mut st = self.conn.prepare(ITER_KEYS).map_err(|e| self.err(e))?;
                    let mut rows = st.query([]).map_err(|e| self.err(e))?;
                    while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                        let v = row.get_ref(0).map_err(|e| self.err(e))?;
                        keys.push(self.key_of(v)?);
                    }
                }
                for k in keys {
                    let v = self.get(&k).and_then(|v| {
                        v.ok_or_else(|| {
                            Error::new(ErrorKind::KeyNotFound, "vanished while reading")
                                .path(&self.path)
                                .key(&k)
                        })
                    });
                    out.push((k, v));
                }
            }
            Kind::Dict { quoted, .. } => {
                let q = format!("SELECT key, value FROM {quoted} ORDER BY rowid");
                let mut st = self.conn.prepare(&q).map_err(|e| self.err(e))?;
                let mut rows = st.query([]).map_err(|e| self.err(e))?;
                while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                    let k = self.key_of(row.get_ref(0).map_err(|e| self.err(e))?)?;
                    let v = self.value_of(&k, row.get_ref(1).map_err(|e| self.err(e))?);
                    out.push((k, v));
                }
            }
        }
        Ok(out)
    }

    fn bind_key(key: &Key) -> rusqlite::types::Value {
        match key.as_str() {
            Some(s) if key.is_text() => rusqlite::types::Value::Text(s.to_string()),
            _ => rusqlite::types::Value::Blob(key.as_bytes().to_vec()),
        }
    }

    pub(crate) fn get(&self, key: &Key) -> Result<Option<Vec<u8>>> {
        let found = match &self.kind {
            Kind::Dbm => self
                .conn
                .query_row(LOOKUP_KEY, params![key.as_bytes()], |r| {
                    Ok(self.value_of(key, r.get_ref(0)?))
                })
                .optional(),
            Kind::Dict { quoted, .. } => self
                .conn
                .query_row(
                    &format!("SELECT value FROM {quoted} WHERE key = ?"),
                    params![Self::bind_key(key)],
                    |r| Ok(self.value_of(key, r.get_ref(0)?)),
                )
                .optional(),
        };
        match found.map_err(|e| self.err(e).key(key))? {
            None => Ok(None),
            Some(v) => v.map(Some),
        }
    }

    fn begin_write(&mut self) -> Result<()> {
        if !self.autocommit && !self.in_tx {
            self.exec("BEGIN")?;
            self.in_tx = true;
        }
        Ok(())
    }

    pub(crate) fn put(&mut self, key: &Key, value: &[u8]) -> Result<()> {
        self.begin_write()?;
        let r = match &self.kind {
            Kind::Dbm => self.conn.execute(STORE_KV, params![key.as_bytes(), value]),
            Kind::Dict { quoted, .. } => self.conn.execute(
                &format!("REPLACE INTO {quoted} (key, value) VALUES (?,?)"),
                params![Self::bind_key(key), value],
            ),
        };
        r.map(|_| ()).map_err(|e| self.err(e).key(key))
    }

    pub(crate) fn delete(&mut self, key: &Key) -> Result<bool> {
        self.begin_write()?;
        let r = match &self.kind {
            Kind::Dbm => self.conn.execute(DELETE_KEY, params![key.as_bytes()]),
            Kind::Dict { quoted, .. } => self.conn.execute(
                &format!("DELETE FROM {quoted} WHERE key = ?"),
                params![Self::bind_key(key)],
            ),
        };
        r.map(|n| n > 0).map_err(|e| self.err(e).key(key))
    }

    pub(crate) fn commit(&mut self) -> Result<()> {
        if self.in_tx {
            self.exec("COMMIT")?;
            self.in_tx = false;
        }
        Ok(())
    }
}

fn type_name(v: &ValueRef<'_>) -> &'static str {
    match v {
        ValueRef::Null => "NULL",
        ValueRef::Integer(_) => "INTEGER",
        ValueRef::Real(_) => "REAL",
        ValueRef::Text(_) => "TEXT",
        ValueRef::Blob(_) => "BLOB",
    }
}

/// True if the file starts with SQLite's magic.
pub(crate) fn is_sqlite(head: &[u8]) -> bool {
    head.starts_with(b"SQLite format 3\0")
}
