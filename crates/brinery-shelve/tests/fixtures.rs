//! Shelves written by the real Python libraries (tests/fixtures/gen.sh):
//! brinery must list the same keys in the same order, read the stored
//! pickle bytes exactly, and print `repr(dict(shelf))` character for
//! character.

use std::path::{Path, PathBuf};

use brinery_shelve::{Format, OpenOptions, Shelf};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// (fixture path to open, expected json, format, table)
fn cases() -> Vec<(PathBuf, PathBuf, Format, Option<&'static str>)> {
    let f = fixtures();
    vec![
        (
            f.join("sqlite3_313.db"),
            f.join("sqlite3_313.expected.json"),
            Format::Sqlite3,
            None,
        ),
        (
            f.join("sqlite3_313_p2.db"),
            f.join("sqlite3_313_p2.expected.json"),
            Format::Sqlite3,
            None,
        ),
        (
            f.join("dumb_311"),
            f.join("dumb_311.expected.json"),
            Format::Dumb,
            None,
        ),
        (
            f.join("dumb_313.dat"),
            f.join("dumb_313.expected.json"),
            Format::Dumb,
            None,
        ),
        (
            f.join("gnu.db"),
            f.join("gnu.expected.json"),
            Format::Gnu,
            None,
        ),
        (
            f.join("gnu_big.db"),
            f.join("gnu_big.expected.json"),
            Format::Gnu,
            None,
        ),
        (
            f.join("gnu_numsync.db"),
            f.join("gnu_numsync.expected.json"),
            Format::Gnu,
            None,
        ),
        (
            f.join("gnu_swapped.db"),
            f.join("gnu_swapped.expected.json"),
            Format::Gnu,
            None,
        ),
        (
            f.join("dumb_27.dir"),
            f.join("dumb_27.expected.json"),
            Format::Dumb,
            None,
        ),
        (
            f.join("gnu_32.db"),
            f.join("gnu_32.expected.json"),
            Format::Gnu,
            None,
        ),
        (
            f.join("sqlitedict_21.sqlite"),
            f.join("sqlitedict_21.unnamed.expected.json"),
            Format::SqliteDict,
            None,
        ),
        (
            f.join("sqlitedict_21.sqlite"),
            f.join("sqlitedict_21.other_table.expected.json"),
            Format::SqliteDict,
            Some("other table"),
        ),
    ]
}

/// Copy a fixture (and its sibling files) to a temporary directory:
/// opening a WAL database read-only may create -shm/-wal files.
fn copy_fixture(path: &Path, tmp: &Path) -> PathBuf {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let stem = name.split('.').next().unwrap().to_string();
    for e in std::fs::read_dir(path.parent().unwrap()).unwrap() {
        let e = e.unwrap();
        let n = e.file_name().to_string_lossy().to_string();
        if n.starts_with(&stem) && !n.ends_with(".json") {
            std::fs::copy(e.path(), tmp.join(&n)).unwrap();
        }
    }
    tmp.join(name)
}

fn repr(g: &brinery::Graph<'_>) -> String {
    brinery::repr::repr(g, g.root_id().unwrap(), &brinery::ReprOptions::default()).unwrap()
}

#[test]
fn fixtures_match_python() {
    let mut files = 0;
    let mut values = 0;
    for (path, expected, format, table) in cases() {
        let tmp = tempfile::tempdir().unwrap();
        let path = copy_fixture(&path, tmp.path());
        let exp: Value =
            serde_json::from_str(&std::fs::read_to_string(&expected).unwrap()).unwrap();
        let mut opts = OpenOptions::new();
        if let Some(t) = table {
            opts = opts.table(t);
        }
        let shelf = opts
            .open(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(shelf.format(), format, "{}", path.display());
        let listing = shelf.entries().unwrap();
        assert!(listing.problems.is_empty(), "{:?}", listing.problems);
        let keys: Vec<String> = listing
            .entries
            .iter()
            .map(|e| e.key.as_str().unwrap().to_string())
            .collect();
        let want: Vec<String> = exp["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        assert_eq!(keys, want, "{}: key order", path.display());
        assert_eq!(shelf.len().unwrap(), want.len() as u64);
        let (k2, problems) = shelf.keys_and_problems().unwrap();
        assert!(problems.is_empty());
        assert_eq!(
            k2.iter().map(|k| k.as_str().unwrap()).collect::<Vec<_>>(),
            want,
            "{}: keys()",
            path.display()
        );
        for (e, v) in listing
            .entries
            .iter()
            .zip(exp["values"].as_array().unwrap())
        {
            let raw = e.value.as_ref().unwrap();
            let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(
                hex,
                v["pickle_hex"].as_str().unwrap(),
                "{}: bytes of {}",
                path.display(),
                e.key
            );
            let g = e.load().unwrap();
            assert_eq!(
                repr(&g),
                v["repr"].as_str().unwrap(),
                "{}: repr of {}",
                path.display(),
                e.key
            );
            // get() finds the same value.
            let got = shelf.get(e.key.as_str().unwrap()).unwrap().unwrap();
            assert_eq!(repr(&got), v["repr"].as_str().unwrap());
            values += 1;
        }
        let (g, errors) = listing.to_graph();
        assert!(errors.is_empty());
        assert_eq!(
            repr(&g),
            exp["repr"].as_str().unwrap(),
            "{}: repr(dict(shelf))",
            path.display()
        );
        files += 1;
    }
    eprintln!("{files} fixture shelves, {values} values: bytes, order and repr equal to Python");
    assert_eq!(files, 12);
    assert_eq!(
        values,
        16 + 6 + 16 + 16 + 8 + 16 + 480 + 16 + 16 + 16 + 16 + 2
    );
}

#[test]
fn dumb_named_by_any_file() {
    let tmp = tempfile::tempdir().unwrap();
    let base = copy_fixture(&fixtures().join("dumb_313"), tmp.path());
    for ext in ["", ".dat", ".dir", ".bak"] {
        let mut p = base.as_os_str().to_os_string();
        p.push(ext);
        let d = Shelf::detect(&p).unwrap().unwrap();
        assert_eq!(d.format, Format::Dumb);
        assert_eq!(d.path, base);
        let s = Shelf::open(&p).unwrap();
        assert_eq!(s.len().unwrap(), 16);
    }
}

#[test]
fn gdbm_layouts() {
    let f = fixtures();
    let h = |n: &str| {
        Shelf::open(f.join(n))
            .unwrap()
            .gdbm_header()
            .unwrap()
            .clone()
    };
    let normal = h("gnu.db");
    assert!(!normal.layout.big_endian && normal.layout.offset64 && !normal.layout.numsync);
    assert_eq!(normal.numsync, None);
    let ns = h("gnu_numsync.db");
    assert!(ns.layout.numsync);
    assert!(ns.numsync.is_some());
    let sw = h("gnu_swapped.db");
    assert!(sw.layout.big_endian && sw.layout.offset64);
    let b32 = h("gnu_32.db");
    assert!(!b32.layout.big_endian && !b32.layout.offset64 && !b32.layout.numsync);
    assert_eq!(b32.bucket_elems, 201);
    let big = h("gnu_big.db");
    assert!(big.dir_bits >= 9);
}

#[test]
fn sqlitedict_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let p = copy_fixture(&fixtures().join("sqlitedict_21.sqlite"), tmp.path());
    let mut t = Shelf::tables(&p).unwrap();
    t.sort();
    assert_eq!(t, ["other table", "unnamed"]);
    // Without --table: sqlitedict's default table.
    assert_eq!(Shelf::open(&p).unwrap().table(), Some("unnamed"));
    let err = OpenOptions::new().table("nope").open(&p).unwrap_err();
    assert_eq!(err.kind(), brinery_shelve::ErrorKind::Table);
    assert!(err.to_string().contains("\"other table\""), "{err}");
}

/// sqlitedict without autocommit: writes stay in one transaction, unseen
/// by other connections, until commit; dropping the shelf rolls back.
/// With autocommit (the default) each write is visible at once.
#[test]
fn sqlitedict_commit_semantics() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("c.sqlite");
    let mut g = brinery::Graph::new();
    let v = g.int(1);
    g.set_root(v);
    let mut w = OpenOptions::new()
        .create(Format::SqliteDict)
        .manual_commit(true)
        .open(&file)
        .unwrap();
    w.insert("a", &g).unwrap();
    w.insert("b", &g).unwrap();
    // Another connection (a reader) does not see them yet.
    assert_eq!(Shelf::open(&file).unwrap().len().unwrap(), 0);
    w.commit().unwrap();
    assert_eq!(Shelf::open(&file).unwrap().len().unwrap(), 2);
    w.insert("c", &g).unwrap();
    drop(w); // no commit: rolled back
    assert_eq!(Shelf::open(&file).unwrap().len().unwrap(), 2);
    let mut w = OpenOptions::new().write(true).open(&file).unwrap();
    w.insert("d", &g).unwrap();
    assert_eq!(Shelf::open(&file).unwrap().len().unwrap(), 3);
    assert!(w.remove("a").unwrap());
    assert!(!w.remove("a").unwrap());
    assert_eq!(Shelf::open(&file).unwrap().len().unwrap(), 2);
    // A new dbm.dumb shelf named by NAME.dat.
    let d = tmp.path().join("new.dat");
    let mut s = OpenOptions::new().create(Format::Dumb).open(&d).unwrap();
    s.insert("k", &g).unwrap();
    s.close().unwrap();
    assert!(tmp.path().join("new.dir").is_file());
    assert!(!tmp.path().join("new.dat.dat").exists());
    assert_eq!(Shelf::open(&d).unwrap().len().unwrap(), 1);
}

/// serde values in and out, pickled at the shelf's protocol exactly as
/// CPython pickles the same Python values.
#[test]
fn serde_values() {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Dog {
        name: String,
        age: u32,
    }
    let tmp = tempfile::tempdir().unwrap();
    // pickle.dumps([1, 2, 3], 4) and pickle.dumps({'name': 'Luna', 'age': 5}, 5)
    let list4 = b"\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00]\x94(K\x01K\x02K\x03e.";
    let dog5 = b"\x80\x05\x95\x1b\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x04name\x94\x8c\x04Luna\x94\x8c\x03age\x94K\x05u.";
    let mut s = OpenOptions::new()
        .create(Format::Dumb)
        .open(tmp.path().join("d"))
        .unwrap();
    s.insert_serde("numbers", &vec![1, 2, 3]).unwrap();
    assert_eq!(
        s.get_raw(&s.key("numbers").unwrap()).unwrap().unwrap(),
        list4
    );
    assert_eq!(
        s.get_as::<Vec<i32>>("numbers").unwrap(),
        Some(vec![1, 2, 3])
    );
    let mut s = OpenOptions::new()
        .create(Format::SqliteDict)
        .open(tmp.path().join("sd.sqlite"))
        .unwrap();
    let luna = Dog {
        name: "Luna".into(),
        age: 5,
    };
    s.insert_serde("dog", &luna).unwrap();
    assert_eq!(s.get_raw(&s.key("dog").unwrap()).unwrap().unwrap(), dog5);
    assert_eq!(s.get_as::<Dog>("dog").unwrap(), Some(luna));
    assert_eq!(s.get_as::<Dog>("missing").unwrap(), None);
}
