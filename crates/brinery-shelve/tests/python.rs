//! Round trips through Python: shelves brinery writes are read by
//! `shelve.open` / `SqliteDict` with equal values, Python's writes after
//! brinery's are read back; `dbm.dumb` files are byte-identical to what
//! Python 3.11 and 3.13 write for the same operations; concurrent reading
//! and writing of a dbm.sqlite3 shelf loses or tears nothing.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use brinery::Graph;
use brinery_shelve::{Format, Listing, OpenOptions, Shelf};
use serde_json::Value;

use common::*;

/// The Python found (`None`: the test is skipped) and a fresh temporary
/// directory.
fn with_tmp(py: Option<String>) -> Option<(String, tempfile::TempDir)> {
    Some((py?, tempfile::tempdir().unwrap()))
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn repr_all(l: &Listing) -> String {
    let (g, errors) = l.to_graph();
    assert!(errors.is_empty(), "{errors:?}");
    brinery::repr::repr(&g, g.root_id().unwrap(), &brinery::ReprOptions::default()).unwrap()
}

/// The (key, pickle) pairs of a fixture's expected.json.
fn fixture_values(name: &str) -> Vec<(String, Vec<u8>)> {
    let exp: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join(name)).unwrap()).unwrap();
    exp["keys"]
        .as_array()
        .unwrap()
        .iter()
        .zip(exp["values"].as_array().unwrap())
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_string(),
                unhex(v["pickle_hex"].as_str().unwrap()),
            )
        })
        .collect()
}

/// brinery writes every value of `source` (re-pickled from its graph at
/// the shelf's protocol), checks the stored bytes equal Python's, lets
/// Python read the shelf, lets Python write, and reads Python's writes.
fn round_trip(py: &str, format: Format, source: &str, file: &Path, table: Option<&str>) -> usize {
    let fmt = format.name();
    let values = fixture_values(source);
    let mut opts = OpenOptions::new().create(format);
    if let Some(t) = table {
        opts = opts.table(t);
    }
    let mut shelf = opts.open(file).unwrap();
    for (k, pickle) in &values {
        let g = brinery::loads(pickle).unwrap();
        shelf.insert(k, &g).unwrap();
    }
    shelf.close().unwrap();
    let shelf = match table {
        Some(t) => OpenOptions::new().table(t).open(file).unwrap(),
        None => Shelf::open(file).unwrap(),
    };
    assert_eq!(shelf.format(), format);
    let listing = shelf.entries().unwrap();
    // What brinery stored is byte-identical to what Python stored.
    for ((k, pickle), e) in values.iter().zip(&listing.entries) {
        assert_eq!(e.key.as_str().unwrap(), k);
        assert_eq!(
            hex(e.value.as_ref().unwrap()),
            hex(pickle),
            "{fmt}: pickle of {k}"
        );
    }
    // Python reads it: same keys, same repr, same bytes.
    let d = dump(py, fmt, file, table);
    let ours = repr_all(&listing);
    assert_eq!(d["repr"].as_str().unwrap(), ours, "{fmt}: Python's repr");
    let keys: Vec<&str> = brinery_testutil::json_vec(&d["keys"], serde_json::Value::as_str);
    let our_keys: Vec<String> = listing
        .entries
        .iter()
        .map(|e| e.key.as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys, our_keys, "{fmt}: key order");
    drop(shelf);
    // Python writes after brinery; brinery reads it back.
    let path = file.to_str().unwrap();
    let mut args = vec!["write", fmt, path];
    if let Some(t) = table {
        args.push(t);
    }
    run(py, &args);
    let d = dump(py, fmt, file, table);
    let shelf = match table {
        Some(t) => OpenOptions::new().table(t).open(file).unwrap(),
        None => Shelf::open(file).unwrap(),
    };
    let listing = shelf.entries().unwrap();
    assert_eq!(
        d["repr"].as_str().unwrap(),
        repr_all(&listing),
        "{fmt}: after Python's writes"
    );
    let raw = d["raw"].as_object().unwrap();
    assert_eq!(raw.len(), listing.entries.len());
    for e in &listing.entries {
        let k = e.key.as_str().unwrap();
        assert_eq!(
            raw[k].as_str().unwrap(),
            hex(e.value.as_ref().unwrap()),
            "{fmt}: {k}"
        );
    }
    assert!(listing
        .entries
        .iter()
        .any(|e| e.key.as_str() == Some("py-new")));
    assert!(!listing
        .entries
        .iter()
        .any(|e| e.key.as_str() == Some("name")));
    listing.entries.len()
}

#[test]
fn sqlite3_round_trip_with_python_313() {
    let Some((py, tmp)) = with_tmp(python313("dbm.sqlite3 round trip")) else {
        return;
    };
    let n = round_trip(
        &py,
        Format::Sqlite3,
        "sqlite3_313.expected.json",
        &tmp.path().join("s.db"),
        None,
    );
    assert_eq!(n, 16);
    // Protocol 2 shelf: brinery writes at the protocol it is asked for.
    let file = tmp.path().join("p2.db");
    let mut shelf = OpenOptions::new()
        .create(Format::Sqlite3)
        .protocol(2)
        .open(&file)
        .unwrap();
    for (k, pickle) in fixture_values("sqlite3_313_p2.expected.json") {
        shelf.insert(&k, &brinery::loads(&pickle).unwrap()).unwrap();
        assert_eq!(
            shelf.get_raw(&shelf.key(&k).unwrap()).unwrap().unwrap(),
            pickle,
            "{k}"
        );
    }
    eprintln!("dbm.sqlite3: 16 + 6 values byte-identical to CPython 3.13, read back by Python");
}

#[test]
fn dumb_round_trip_with_python() {
    let mut pythons = Vec::new();
    if let Some(p) = python3("dbm.dumb round trip (python3)") {
        pythons.push(p);
    }
    if let Some(p) = python313("dbm.dumb round trip (3.13)") {
        pythons.push(p);
    }
    for py in &pythons {
        let tmp = tempfile::tempdir().unwrap();
        let n = round_trip(
            py,
            Format::Dumb,
            "dumb_313.expected.json",
            &tmp.path().join("d"),
            None,
        );
        assert_eq!(n, 16);
    }
    eprintln!("dbm.dumb: round trips with {} Python(s)", pythons.len());
}

#[test]
fn sqlitedict_round_trip_with_python() {
    let Some((py, tmp)) = with_tmp(python_sqlitedict("sqlitedict round trip")) else {
        return;
    };
    let file = tmp.path().join("sd.sqlite");
    let n = round_trip(
        &py,
        Format::SqliteDict,
        "sqlitedict_21.unnamed.expected.json",
        &file,
        None,
    );
    assert_eq!(n, 16);
    // A second, named table in the same file.
    let n = round_trip(
        &py,
        Format::SqliteDict,
        "sqlitedict_21.unnamed.expected.json",
        &file,
        Some("second 'table'"),
    );
    assert_eq!(n, 16);
    let mut t = Shelf::tables(&file).unwrap();
    t.sort();
    assert_eq!(t, ["second 'table'", "unnamed"]);
}

/// The operations of `shelf_tool.py ops`, through brinery.
fn dumb_ops(base: &Path, legacy: bool) {
    let open = || {
        OpenOptions::new()
            .create(Format::Dumb)
            .dumb_before_313(legacy)
            .open(base)
            .unwrap()
    };
    let mut s = open();
    for i in 0..5i64 {
        let mut g = Graph::new();
        let items = vec![
            g.str("value"),
            g.int(i),
            g.str("x".repeat(i as usize * 150)),
        ];
        let l = g.list(items);
        g.set_root(l);
        s.insert(&format!("k{i}"), &g).unwrap();
    }
    s.close().unwrap();
    let mut s = open();
    let mut g = Graph::new();
    let items = vec![g.str("same size"), g.int(1)];
    let l = g.list(items);
    g.set_root(l);
    s.insert("k1", &g).unwrap();
    let mut g = Graph::new();
    let items = (0..400).map(|i| g.int(i)).collect();
    let l = g.list(items);
    g.set_root(l);
    s.insert("k2", &g).unwrap();
    let mut g = Graph::new();
    let v = g.str("new");
    g.set_root(v);
    s.insert("ключ", &g).unwrap();
    assert!(s.remove("k3").unwrap());
    let mut g = Graph::new();
    let v = g.str("back");
    g.set_root(v);
    s.insert("k3", &g).unwrap();
    s.close().unwrap();
}

#[test]
fn dumb_files_byte_identical_to_python() {
    let mut cases = Vec::new();
    if let Some(p) = python3("dbm.dumb files vs python3") {
        let v = brinery_testutil::run(
            &p,
            &["-c", "import sys; print(sys.version_info >= (3, 13))"],
            &[],
        );
        cases.push((p, v.trim() == "False"));
    }
    if let Some(p) = python313("dbm.dumb files vs 3.13") {
        cases.push((p, false));
    }
    for (py, legacy) in &cases {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("py");
        let b = tmp.path().join("rs");
        run(py, &["ops", "dbm.dumb", a.to_str().unwrap()]);
        dumb_ops(&b, *legacy);
        for ext in [".dat", ".dir", ".bak"] {
            let fa = std::fs::read(format!("{}{ext}", a.display())).unwrap();
            let fb = std::fs::read(format!("{}{ext}", b.display())).unwrap();
            assert_eq!(fa, fb, "{ext} differs from {py}'s");
        }
    }
    eprintln!(
        "dbm.dumb: .dat/.dir/.bak byte-identical for {} Python version(s)",
        cases.len()
    );
}

fn payload_ok(key: &str, g: &Graph<'_>) -> bool {
    // ["k<i>", i, "x" * ((i % 50) * 40)]
    let i: i64 = key[1..].parse().unwrap();
    let r = g.root();
    r.get(&0).and_then(|v| v.as_str()) == Some(key)
        && r.get(&1).and_then(|v| v.as_i64()) == Some(i)
        && r.get(&2).and_then(|v| v.as_str()).map(|s| s.len()) == Some(((i % 50) * 40) as usize)
}

/// Python writes while brinery reads, and brinery writes while Python
/// reads: every snapshot holds a prefix of the keys written (nothing
/// lost), and every value is whole (nothing torn).
#[test]
fn sqlite3_concurrent_python_and_brinery() {
    const N: usize = 400;
    let Some((py, tmp)) = with_tmp(python313("dbm.sqlite3 concurrency")) else {
        return;
    };
    let file = tmp.path().join("c.db");
    // Python writes, brinery reads.
    let mut child = Command::new(&py)
        .args([
            tool().to_str().unwrap(),
            "writer",
            file.to_str().unwrap(),
            &N.to_string(),
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut reads, mut last) = (0usize, 0usize);
    loop {
        let done = child.try_wait().unwrap().is_some();
        if let Ok(Some(_)) = Shelf::detect(&file) {
            if let Ok(shelf) = Shelf::open(&file) {
                if let Ok(listing) = shelf.entries() {
                    let mut idx: Vec<usize> = Vec::new();
                    for e in &listing.entries {
                        let k = e.key.as_str().unwrap();
                        let g = e.load().expect("a whole value");
                        assert!(payload_ok(k, &g), "torn value for {k}");
                        idx.push(k[1..].parse().unwrap());
                    }
                    idx.sort();
                    assert_eq!(idx, (0..idx.len()).collect::<Vec<_>>(), "not a prefix");
                    assert!(
                        idx.len() >= last,
                        "entries lost: {} after {last}",
                        idx.len()
                    );
                    last = idx.len();
                    reads += 1;
                }
            }
        }
        if done || Instant::now() > deadline {
            break;
        }
    }
    let status = child.wait().unwrap();
    assert!(status.success());
    let final_len = Shelf::open(&file).unwrap().len().unwrap();
    assert_eq!(final_len, N as u64);
    assert!(reads > 0);
    eprintln!("Python wrote {N} entries while brinery read the shelf {reads} times");

    // brinery writes, Python reads.
    let file2 = tmp.path().join("c2.db");
    let mut shelf = OpenOptions::new()
        .create(Format::Sqlite3)
        .open(&file2)
        .unwrap();
    let child = Command::new(&py)
        .args([
            tool().to_str().unwrap(),
            "reader",
            file2.to_str().unwrap(),
            &N.to_string(),
            "60",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    for i in 0..N as i64 {
        let mut g = Graph::new();
        let items = vec![
            g.str(format!("k{i}")),
            g.int(i),
            g.str("x".repeat(((i % 50) * 40) as usize)),
        ];
        let l = g.list(items);
        g.set_root(l);
        shelf.insert(&format!("k{i}"), &g).unwrap();
    }
    shelf.close().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["errors"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(r["final"].as_u64(), Some(N as u64), "{r}");
    assert!(r["reads"].as_u64().unwrap() > 0);
    eprintln!(
        "brinery wrote {N} entries while Python read the shelf {} times",
        r["reads"]
    );
}

/// shelve's `keyencoding`: keys Python stored as Latin-1 are read back as
/// the same `str`, and brinery's Latin-1 keys are read by Python.
#[test]
fn keyencoding_latin1_with_python() {
    let Some((py, tmp)) = with_tmp(python3("keyencoding round trip")) else {
        return;
    };
    let base = tmp.path().join("l1");
    let code = "import shelve, dbm.dumb, sys\n\
                s = shelve.Shelf(dbm.dumb.open(sys.argv[1], 'c'), keyencoding='latin-1')\n\
                s['café'] = 1\n\
                s.close()";
    brinery_testutil::run(&py, &["-c", code, base.to_str().unwrap()], &[]);
    let enc = brinery_shelve::KeyEncoding::from_name("Latin-1").unwrap();
    let mut s = OpenOptions::new()
        .write(true)
        .keyencoding(enc)
        .open(&base)
        .unwrap();
    let keys = s.keys().unwrap();
    assert_eq!(keys[0].as_str(), Some("café"));
    assert_eq!(keys[0].as_bytes(), b"caf\xe9");
    assert_eq!(s.get("café").unwrap().unwrap().root().as_i64(), Some(1));
    let mut g = Graph::new();
    let v = g.str("ü");
    g.set_root(v);
    s.insert("naïve", &g).unwrap();
    assert_eq!(
        s.key("ключ").unwrap_err().kind(),
        brinery_shelve::ErrorKind::Key
    );
    s.close().unwrap();
    let code = "import shelve, dbm.dumb, sys\n\
                s = shelve.Shelf(dbm.dumb.open(sys.argv[1], 'r'), keyencoding='latin-1')\n\
                print(repr(dict(s)))";
    let out = brinery_testutil::run(&py, &["-c", code, base.to_str().unwrap()], &[]);
    assert_eq!(out.trim(), "{'café': 1, 'naïve': 'ü'}");
    // Read as UTF-8 (the default), the Latin-1 key is not text: bytes.
    let s = Shelf::open(&base).unwrap();
    assert_eq!(s.keys().unwrap()[0].repr(), "b'caf\\xe9'");
}
