//! Damaged shelves: a corrupt index line, a value past the end of the
//! file, a GDBM bucket outside the file, a value that is not a pickle.
//! Each gives a clear error (naming the key where there is one) while the
//! other entries stay readable; nothing panics and no length field is
//! trusted for an allocation. Plus random corruption of every format.

mod common;

use std::path::Path;

use brinery_shelve::{Entry, ErrorKind, Format, Listing, OpenOptions, Shelf};

use common::copy_fixture;

/// The entries whose value could not be read.
fn unreadable(listing: &Listing) -> Vec<&Entry> {
    listing
        .entries
        .iter()
        .filter(|e| e.value.is_err())
        .collect()
}

fn edit_dir(base: &Path, f: impl FnOnce(Vec<String>) -> Vec<String>) {
    let dir = format!("{}.dir", base.display());
    let text = std::fs::read(&dir).unwrap();
    // Latin-1 text: one char per byte.
    let s: String = text.iter().map(|&b| b as char).collect();
    let lines = f(s.lines().map(str::to_string).collect());
    let out: Vec<u8> = lines
        .iter()
        .flat_map(|l| l.chars().map(|c| c as u32 as u8).chain([b'\n']))
        .collect();
    std::fs::write(&dir, out).unwrap();
}

#[test]
fn dumb_corrupt_index_line() {
    let tmp = tempfile::tempdir().unwrap();
    let base = copy_fixture("dumb_313", tmp.path());
    edit_dir(&base, |mut l| {
        l.insert(2, "garbage (not an entry".into());
        l[5] = "'nested', (3584, ".into();
        l
    });
    let shelf = Shelf::open(&base).unwrap();
    let listing = shelf.entries().unwrap();
    assert_eq!(listing.problems.len(), 2);
    let msg = listing.problems[0].to_string();
    assert_eq!(listing.problems[0].kind(), ErrorKind::Corrupt);
    assert!(
        msg.contains("corrupt index line 3") && msg.contains("dumb_313.dir"),
        "{msg}"
    );
    assert!(listing.problems[1].to_string().contains("line 6"));
    // 16 entries, one of whose lines was destroyed.
    assert_eq!(listing.entries.len(), 15);
    assert!(listing.entries.iter().all(|e| e.load().is_ok()));
    let (g, errors) = listing.to_graph();
    assert_eq!(g.root().len(), Some(15));
    assert_eq!(errors.len(), 2);
    // Writing through a damaged index would drop lines: refused.
    let err = OpenOptions::new().write(true).open(&base).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
}

#[test]
fn dumb_value_past_the_end() {
    let tmp = tempfile::tempdir().unwrap();
    let base = copy_fixture("dumb_313", tmp.path());
    edit_dir(&base, |l| {
        l.into_iter()
            .map(|x| {
                if x.starts_with("'pi'") {
                    "'pi', (999999999, 21)".to_string()
                } else if x.starts_with("'name'") {
                    // A size no allocation could satisfy.
                    "'name', (0, 18446744073709551615)".to_string()
                } else if x.starts_with("'big'") {
                    "'big', (0, 99999999999999999999999)".to_string()
                } else {
                    x
                }
            })
            .collect()
    });
    let shelf = Shelf::open(&base).unwrap();
    let listing = shelf.entries().unwrap();
    // 'big' has a size beyond 64 bits: its line is corrupt.
    assert_eq!(listing.problems.len(), 1);
    assert!(listing.problems[0].to_string().contains("number too large"));
    let bad = unreadable(&listing);
    assert_eq!(bad.len(), 2);
    for e in &bad {
        let err = e.value.as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutOfBounds);
        let msg = err.to_string();
        assert!(msg.contains(&format!("key {}", e.key.repr())), "{msg}");
        assert!(msg.contains("runs past the end of the data file"), "{msg}");
    }
    let pi = shelf.get("pi").unwrap_err();
    assert!(
        pi.to_string()
            .contains("key 'pi': the value at byte 999999999"),
        "{pi}"
    );
    let (g, errors) = listing.to_graph();
    assert_eq!(g.root().len(), Some(13));
    assert_eq!(errors.len(), 3);
    assert_eq!(
        shelf.get("answer").unwrap().unwrap().root().as_i64(),
        Some(42)
    );
}

#[test]
fn dumb_missing_index() {
    let tmp = tempfile::tempdir().unwrap();
    let base = copy_fixture("dumb_313", tmp.path());
    std::fs::remove_file(format!("{}.dir", base.display())).unwrap();
    // Named by its .dat: still a dbm.dumb shelf (the .bak is there).
    let err = Shelf::open(format!("{}.dat", base.display())).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("index file is missing") && msg.contains(".bak holds the previous index"),
        "{msg}"
    );
    // Opening for writing starts an empty index, as dumb.py does.
    let s = OpenOptions::new().write(true).open(&base).unwrap();
    assert_eq!(s.len().unwrap(), 0);
    drop(s);
    assert!(Path::new(&format!("{}.dir", base.display())).is_file());
}

/// Little-endian 64-bit GDBM helpers for the fixture files.
fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}
fn le32(b: &[u8], at: usize) -> i32 {
    i32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

#[test]
fn gdbm_bucket_outside_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = copy_fixture("gnu_big.db", tmp.path());
    let mut b = std::fs::read(&path).unwrap();
    let dir = le64(&b, 8) as usize;
    let dir_size = le32(&b, 16) as usize;
    let first = le64(&b, dir);
    let mut changed = 0;
    for i in 0..dir_size / 8 {
        if le64(&b, dir + 8 * i) == first {
            b[dir + 8 * i..dir + 8 * i + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
            changed += 1;
        }
    }
    assert!(
        changed > 0 && changed < dir_size / 8,
        "the fixture has several buckets"
    );
    std::fs::write(&path, &b).unwrap();
    let shelf = Shelf::open(&path).unwrap();
    let listing = shelf.entries().unwrap();
    assert_eq!(listing.problems.len(), 1);
    let msg = listing.problems[0].to_string();
    assert!(
        msg.contains("points to a bucket at byte 1099511627776 outside the file"),
        "{msg}"
    );
    let n = listing.entries.len();
    assert!(n > 0 && n < 480, "{n}");
    let (keys, problems) = shelf.keys_and_problems().unwrap();
    assert_eq!((keys.len(), problems.len()), (n, 1));
    assert_eq!(shelf.len().unwrap(), n as u64);
    assert!(listing.entries.iter().all(|e| e.load().is_ok()));
}

#[test]
fn gdbm_value_outside_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = copy_fixture("gnu.db", tmp.path());
    let mut b = std::fs::read(&path).unwrap();
    let bucket = le64(&b, le64(&b, 8) as usize) as usize;
    let elems = le32(&b, 28) as usize;
    let mut hit = None;
    for slot in 0..elems {
        let e = bucket + 112 + 24 * slot;
        if le32(&b, e) != -1 {
            // data_size: far past the end
            b[e + 20..e + 24].copy_from_slice(&i32::MAX.to_le_bytes());
            hit = Some(e);
            break;
        }
    }
    let e = hit.unwrap();
    let key_size = le32(&b, e + 16) as usize;
    let ptr = le64(&b, e + 8) as usize;
    let key = String::from_utf8(b[ptr..ptr + key_size].to_vec()).unwrap();
    std::fs::write(&path, &b).unwrap();
    let shelf = Shelf::open(&path).unwrap();
    let listing = shelf.entries().unwrap();
    assert!(listing.problems.is_empty());
    let bad = unreadable(&listing);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].key.as_str(), Some(key.as_str()));
    let msg = bad[0].value.as_ref().unwrap_err().to_string();
    assert!(
        msg.contains("runs past the end of the file") && msg.contains(&format!("key '{key}'")),
        "{msg}"
    );
    assert_eq!(
        listing.entries.iter().filter(|e| e.load().is_ok()).count(),
        15
    );
}

#[test]
fn gdbm_bad_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let path = copy_fixture("gnu.db", tmp.path());
    let good = std::fs::read(&path).unwrap();
    type Damage = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: Vec<(&str, Damage)> = vec![
        (
            "directory size",
            Box::new(|b| b[16..20].copy_from_slice(&i32::MAX.to_le_bytes())),
        ),
        (
            "directory outside",
            Box::new(|b| b[8..16].copy_from_slice(&(1u64 << 50).to_le_bytes())),
        ),
        (
            "bucket geometry",
            Box::new(|b| b[28..32].copy_from_slice(&7i32.to_le_bytes())),
        ),
        (
            "block size",
            Box::new(|b| b[4..8].copy_from_slice(&(-1i32).to_le_bytes())),
        ),
        ("truncated", Box::new(|b| b.truncate(30))),
        ("directory cut", Box::new(|b| b.truncate(5000))),
    ];
    assert_eq!(cases.len(), 6);
    for (what, f) in &cases {
        let mut b = good.clone();
        f(&mut b);
        std::fs::write(&path, &b).unwrap();
        let err = Shelf::open(&path).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ErrorKind::Corrupt | ErrorKind::NotAShelf | ErrorKind::OutOfBounds
            ),
            "{what}: {err}"
        );
        assert!(err.to_string().contains("gnu.db"), "{what}: {err}");
    }
}

#[test]
fn non_pickle_values() {
    let tmp = tempfile::tempdir().unwrap();
    for format in [Format::Sqlite3, Format::Dumb, Format::SqliteDict] {
        let file = tmp.path().join(format!("np-{}", format.name()));
        let mut s = OpenOptions::new().create(format).open(&file).unwrap();
        s.insert_raw(&s.key("bad").unwrap(), b"this is not a pickle")
            .unwrap();
        s.insert_raw(&s.key("cut").unwrap(), b"\x80\x04\x95\x10")
            .unwrap();
        let mut g = brinery::Graph::new();
        let v = g.int(7);
        g.set_root(v);
        s.insert("good", &g).unwrap();
        s.close().unwrap();
        let s = Shelf::open(&file).unwrap();
        let listing = s.entries().unwrap();
        assert_eq!(listing.entries.len(), 3);
        let (g, errors) = listing.to_graph();
        assert_eq!(g.root().get("good").and_then(|v| v.as_i64()), Some(7));
        assert_eq!(errors.len(), 2, "{}", format.name());
        for e in &errors {
            assert_eq!(e.kind(), ErrorKind::NotPickle);
            let msg = e.to_string();
            assert!(
                msg.contains("key 'bad'") || msg.contains("key 'cut'"),
                "{msg}"
            );
            assert!(msg.contains("not a readable pickle"), "{msg}");
        }
        let msg = s.get("bad").unwrap_err().to_string();
        assert!(
            msg.contains("key 'bad': the value is not a readable pickle"),
            "{msg}"
        );
    }
}

#[test]
fn sqlite_values_that_are_not_blobs() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("t.sqlite");
    let conn = rusqlite::Connection::open(&file).unwrap();
    conn.execute_batch(
        "CREATE TABLE unnamed (key TEXT PRIMARY KEY, value BLOB);
         INSERT INTO unnamed VALUES ('text', 'a string');
         INSERT INTO unnamed VALUES ('null', NULL);
         INSERT INTO unnamed VALUES ('ok', X'80044b2a2e');",
    )
    .unwrap();
    drop(conn);
    let s = Shelf::open(&file).unwrap();
    assert_eq!(s.format(), Format::SqliteDict);
    let listing = s.entries().unwrap();
    assert_eq!(listing.entries.len(), 3);
    let msg = listing.entries[0].value.as_ref().unwrap_err().to_string();
    assert!(
        msg.contains("key 'text': the value is TEXT, not a BLOB"),
        "{msg}"
    );
    assert!(listing.entries[1]
        .value
        .as_ref()
        .unwrap_err()
        .to_string()
        .contains("NULL"));
    assert_eq!(listing.entries[2].load().unwrap().root().as_i64(), Some(42));
}

#[test]
fn not_a_shelf() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("x.pkl");
    std::fs::write(&p, b"\x80\x04K\x01.").unwrap();
    assert!(Shelf::detect(&p).unwrap().is_none());
    assert_eq!(Shelf::open(&p).unwrap_err().kind(), ErrorKind::NotAShelf);
    // A pickle named x.dat with no index is not taken for a dumb shelf.
    let d = tmp.path().join("y.dat");
    std::fs::write(&d, b"\x80\x04K\x01.").unwrap();
    assert!(Shelf::detect(&d).unwrap().is_none());
    // An unrelated SQLite database.
    let s = tmp.path().join("other.sqlite");
    rusqlite::Connection::open(&s)
        .unwrap()
        .execute_batch("CREATE TABLE a (x); CREATE TABLE b (y);")
        .unwrap();
    assert!(Shelf::detect(&s).unwrap().is_none());
    assert_eq!(Shelf::open(&s).unwrap_err().kind(), ErrorKind::NotAShelf);
    // sqlitedict tables, none the default: choose one.
    let two = tmp.path().join("two.sqlite");
    rusqlite::Connection::open(&two)
        .unwrap()
        .execute_batch(
            "CREATE TABLE t1 (key TEXT PRIMARY KEY, value BLOB);
             CREATE TABLE t2 (key TEXT PRIMARY KEY, value BLOB);
             CREATE TABLE other (x);",
        )
        .unwrap();
    assert_eq!(
        Shelf::detect(&two).unwrap().unwrap().format,
        Format::SqliteDict
    );
    assert_eq!(Shelf::sqlitedict_tables(&two).unwrap(), ["t1", "t2"]);
    let err = Shelf::open(&two).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Table);
    assert!(err.to_string().contains("\"t1\", \"t2\""), "{err}");
    assert_eq!(
        OpenOptions::new()
            .table("t2")
            .open(&two)
            .unwrap()
            .len()
            .unwrap(),
        0
    );
    // GDBM is read-only.
    let g = copy_fixture("gnu.db", tmp.path());
    let err = OpenOptions::new().write(true).open(&g).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadOnly);
}

/// xorshift64*: a fixed sequence, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Open, list, decode and render whatever opens; the point is that
/// nothing panics.
fn exercise(path: &Path) -> bool {
    let Ok(s) = Shelf::open(path) else {
        return false;
    };
    let Ok(listing) = s.entries() else {
        return false;
    };
    let _ = listing.to_graph();
    let _ = s.len();
    true
}

#[test]
fn random_corruption_never_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut opened = 0;
    let mut runs = 0;
    for name in [
        "gnu.db",
        "gnu_swapped.db",
        "gnu_numsync.db",
        "gnu_32.db",
        "dumb_311.dir",
        "dumb_313.dat",
        "sqlite3_313.db",
    ] {
        let path = copy_fixture(name, tmp.path());
        let good = std::fs::read(&path).unwrap();
        let iters = if name.starts_with("sqlite") { 150 } else { 600 };
        for _ in 0..iters {
            let mut b = good.clone();
            match rng.below(3) {
                0 => {
                    for _ in 0..1 + rng.below(8) {
                        let i = rng.below(b.len());
                        b[i] = rng.next() as u8;
                    }
                }
                1 => {
                    // 32-bit fields set to extreme values
                    let i = rng.below(b.len().saturating_sub(4)) & !3;
                    let v = [i32::MAX, -1, i32::MIN, 0x7fff_0000][rng.below(4)];
                    b[i..i + 4].copy_from_slice(&v.to_le_bytes());
                }
                _ => b.truncate(rng.below(b.len())),
            }
            std::fs::write(&path, &b).unwrap();
            opened += usize::from(exercise(&path));
            runs += 1;
        }
        std::fs::write(&path, &good).unwrap();
    }
    eprintln!("{runs} corrupted shelves, {opened} still opened; no panic");
    assert_eq!(runs, 6 * 600 + 150);
}
