//! `brine show DB`, `brine shelve ...` and `brine scan DB` on shelves,
//! against the fixtures Python wrote and against live Python.

mod common;
#[path = "../../brinery-shelve/tests/common/mod.rs"]
mod shelve_common;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use common::*;
use shelve_common::*;

/// `brine args` at 80 columns, which must succeed.
fn ok(args: &[&str]) -> String {
    ok_output(args, brine(args))
}

/// `brine args` at 80 columns.
fn brine(args: &[&str]) -> Output {
    brine_env(args, &[("COLUMNS", "80")])
}

fn expected(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join(name)).unwrap()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The fixture shelves (the file named on the command line) with their
/// --table, and the recorded expectations, `NAME[.TABLE].expected.json`
/// (`NAME` the file name up to its first dot).
fn cases() -> Vec<(&'static str, String, Option<&'static str>)> {
    let files = [
        "sqlite3_313.db",
        "sqlite3_313_p2.db",
        "dumb_311.dat",
        "dumb_313.bak",
        "gnu.db",
        "gnu_big.db",
        "gnu_numsync.db",
        "gnu_swapped.db",
        "gnu_32.db",
        "dumb_27",
    ];
    let json_of = |name: &str| format!("{name}.expected.json");
    let mut cases: Vec<_> = files
        .into_iter()
        .map(|f| (f, json_of(f.split('.').next().unwrap()), None))
        .collect();
    for (table, name) in [(None, "unnamed"), (Some("other table"), "other_table")] {
        let exp = json_of(&format!("sqlitedict_21.{name}"));
        cases.push(("sqlitedict_21.sqlite", exp, table));
    }
    cases
}

#[test]
fn show_repr_ls_get_match_recorded_python() {
    let mut reprs = 0;
    let mut gets = 0;
    for (file, exp, table) in cases() {
        let tmp = tempfile::tempdir().unwrap();
        let path = copy_fixture(file, tmp.path());
        let exp = expected(&exp);
        let keys: Vec<&str> = brinery_testutil::json_vec(&exp["keys"], serde_json::Value::as_str);
        let mut t = vec![];
        if let Some(t0) = table {
            t = vec!["--table", t0];
        }
        if table.is_none() {
            let out = ok(&["show", "--repr", s(&path)]);
            assert_eq!(
                out,
                format!("{}\n", exp["repr"].as_str().unwrap()),
                "{file}"
            );
            reprs += 1;
            // The pretty view shows every key.
            let pretty = ok(&["show", s(&path)]);
            assert!(pretty.starts_with('{') && pretty.lines().count() >= keys.len().min(2));
        }
        let mut args = vec!["shelve", "ls", "--repr", s(&path)];
        args.extend(&t);
        let ls = ok(&args);
        let want: Vec<String> = keys
            .iter()
            .map(|k| brinery::repr::str_repr(&brinery::PyStr::from_wtf8(k.as_bytes()).unwrap()))
            .collect();
        assert_eq!(ls.lines().collect::<Vec<_>>(), want, "{file}");
        for (k, v) in keys.iter().zip(exp["values"].as_array().unwrap()).take(20) {
            let mut args = vec!["shelve", "get", "--repr", k, s(&path)];
            args.extend(&t);
            assert_eq!(
                ok(&args),
                format!("{}\n", v["repr"].as_str().unwrap()),
                "{file} {k}"
            );
            gets += 1;
        }
    }
    eprintln!("brine show --repr: {reprs}/11 shelves equal to Python; shelve get --repr: {gets} values equal");
    assert_eq!(reprs, 11);
    assert_eq!(gets, 16 + 6 + 16 + 16 + 16 + 20 + 16 + 16 + 16 + 16 + 8 + 2);
}

/// `brine show --repr DB` against `repr(dict(shelve.open(DB)))` computed
/// now by the live Python libraries.
#[test]
fn show_repr_equals_live_python() {
    let mut checked = 0;
    let tmp = tempfile::tempdir().unwrap();
    // (the Python that reads the format, fixture, format)
    type Find = fn(&str) -> Option<String>;
    let cases: [(Find, &str, &str); 2] = [
        (python313, "sqlite3_313.db", "dbm.sqlite3"),
        (python3, "dumb_311", "dbm.dumb"),
    ];
    for (find, fixture, format) in cases {
        if let Some(py) = find(&format!("brine show vs {format}")) {
            let p = copy_fixture(fixture, tmp.path());
            let d = dump(&py, format, &p, None);
            assert_eq!(
                ok(&["show", "--repr", s(&p)]),
                format!("{}\n", d["repr"].as_str().unwrap())
            );
            checked += 1;
        }
    }
    if let Some(py) = python_sqlitedict("brine show vs sqlitedict") {
        let p = copy_fixture("sqlitedict_21.sqlite", tmp.path());
        let d = dump(&py, "sqlitedict", &p, Some("other table"));
        let out = ok(&["shelve", "ls", "--table", "other table", s(&p)]);
        assert_eq!(out, "x\ny\n");
        let d2 = dump(&py, "sqlitedict", &p, None);
        assert_eq!(
            ok(&["show", "--repr", s(&p)]),
            format!("{}\n", d2["repr"].as_str().unwrap())
        );
        assert_eq!(d["keys"].as_array().unwrap().len(), 2);
        checked += 1;
    }
    eprintln!("brine show --repr equal to live Python on {checked} formats");
}

fn write_pickle(py: &str, expr: &str, protocol: u8, path: &Path) {
    let code = format!(
        "import pickle, datetime, sys\nopen(sys.argv[1], 'wb').write(pickle.dumps({expr}, {protocol}))"
    );
    brinery_testutil::run(py, &["-c", &code, s(path)], &[]);
}

/// put/del through brine, read by Python; values byte-identical to
/// Python's pickle at the shelf's protocol.
#[test]
fn put_del_read_by_python() {
    let tmp = tempfile::tempdir().unwrap();
    let mut done = 0;
    let expr = "{'when': datetime.date(2024, 5, 6), 'xs': [1, 2.5, None, 'ü'], 't': (1,)}";
    let mut runs: Vec<(String, &str, &str, Vec<&str>, u8)> = Vec::new();
    if let Some(py) = python313("brine shelve put vs dbm.sqlite3") {
        runs.push((py, "dbm.sqlite3", "new.db", vec![], 4));
    }
    if let Some(py) = python3("brine shelve put vs dbm.dumb") {
        runs.push((py, "dbm.dumb", "dumbshelf", vec!["--format", "dumb"], 4));
    }
    if let Some(py) = python_sqlitedict("brine shelve put vs sqlitedict") {
        runs.push((
            py,
            "sqlitedict",
            "sd.sqlite",
            vec!["--format", "sqlitedict"],
            5,
        ));
    }
    for (py, fmt, name, extra, proto) in &runs {
        let db = tmp.path().join(name);
        let value = tmp.path().join("value.pkl");
        write_pickle(py, expr, 2, &value);
        let mut args = vec!["shelve", "put", "cfg", s(&value), s(&db)];
        args.extend(extra.iter());
        ok(&args);
        ok(&["shelve", "put", "gone", s(&value), s(&db)]);
        ok(&["shelve", "del", "gone", s(&db)]);
        let o = brine(&["shelve", "del", "gone", s(&db)]);
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains("key 'gone' not found"));
        let d = dump(py, fmt, &db, None);
        assert_eq!(d["keys"].as_array().unwrap().len(), 1, "{fmt}");
        // Python's own pickle of the value at the shelf's protocol.
        let want = tmp.path().join("want.pkl");
        write_pickle(py, expr, *proto, &want);
        let want_hex: String = std::fs::read(&want)
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(d["raw"]["cfg"].as_str().unwrap(), want_hex, "{fmt}");
        // --protocol and --raw
        ok(&["shelve", "put", "--protocol", "0", "p0", s(&value), s(&db)]);
        ok(&["shelve", "put", "--raw", "raw", s(&value), s(&db)]);
        let d = dump(py, fmt, &db, None);
        let raw_hex: String = std::fs::read(&value)
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(d["raw"]["raw"].as_str().unwrap(), raw_hex);
        assert!(
            d["raw"]["p0"].as_str().unwrap().starts_with("28"),
            "protocol 0 starts with MARK"
        );
        done += 1;
    }
    eprintln!("brine shelve put/del read back by Python in {done} formats");
}

#[test]
fn export_lossless_and_plain() {
    let tmp = tempfile::tempdir().unwrap();
    let db = copy_fixture("sqlite3_313.db", tmp.path());
    let out = tmp.path().join("out.json");
    ok(&["shelve", "export", s(&db), s(&out)]);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["format"], "dbm.sqlite3");
    let entries = doc["entries"].as_array().unwrap();
    let exp = expected("sqlite3_313.expected.json");
    assert_eq!(entries.len(), 16);
    // Each value converts back to the identical pickle.
    for (e, v) in entries.iter().zip(exp["values"].as_array().unwrap()) {
        let j = tmp.path().join("v.json");
        let p = tmp.path().join("v.pkl");
        std::fs::write(&j, e["value"].to_string()).unwrap();
        ok(&["from-json", s(&j), s(&p)]);
        let hex: String = std::fs::read(&p)
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, v["pickle_hex"].as_str().unwrap(), "{}", e["key"]);
    }
    let plain = ok(&["shelve", "export", "--plain", s(&db), "-"]);
    let v: Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(v["answer"], 43);
    assert_eq!(v["list"], serde_json::json!([1, 2, [3, 4], [5, 6]]));
    assert_eq!(v["ключ"], "значение");
    // Key order is the shelf's.
    let first = plain.lines().nth(1).unwrap();
    assert!(first.trim_start().starts_with("\"answer\""), "{first}");
}

/// `brine scan DB`, which must find nothing unsafe (exit status 0).
fn scan_exits_0(db: &Path) -> Output {
    let o = brine(&["scan", s(db)]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    o
}

#[test]
fn scan_every_value() {
    let tmp = tempfile::tempdir().unwrap();
    let db = copy_fixture("gnu.db", tmp.path());
    let o = scan_exits_0(&db);
    assert!(String::from_utf8_lossy(&o.stdout).contains("safe"));
    // A shelf with one malicious value.
    let evil = tmp.path().join("evil.db");
    let payload = tmp.path().join("p.pkl");
    std::fs::write(&payload, b"cos\nsystem\n(S'echo pwned'\ntR.").unwrap();
    ok(&["shelve", "put", "--raw", "evil", s(&payload), s(&evil)]);
    let fine = tmp.path().join("fine.pkl");
    std::fs::write(&fine, b"\x80\x04K\x01.").unwrap();
    ok(&["shelve", "put", "fine", s(&fine), s(&evil)]);
    let o = brine(&["scan", s(&evil)]);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("unsafe") && text.contains("in ['evil']") && text.contains("system"),
        "{text}"
    );
    let o = brine(&["scan", "--format", "json", s(&evil)]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["files"][0]["verdict"], "unsafe");
    assert_eq!(v["files"][0]["pickles"], 2);
    // `brine show` never runs it either.
    let shown = ok(&["show", "--repr", s(&evil)]);
    assert!(
        shown.contains("'evil'") && shown.contains("system"),
        "{shown}"
    );
}

#[test]
fn damaged_shelf_shows_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let base: PathBuf = copy_fixture("dumb_313", tmp.path());
    let dir = format!("{}.dir", base.display());
    let text = std::fs::read(&dir).unwrap();
    let mut fixed = Vec::new();
    for line in text.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"'pi'") {
            fixed.extend_from_slice(b"'pi', (99999999, 21)\n");
        } else {
            fixed.extend_from_slice(line);
        }
    }
    std::fs::write(&dir, fixed).unwrap();
    let o = brine(&["show", "--repr", s(&base)]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("{'answer': 42, 'name': 'Nova'"), "{out}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("key 'pi': the value at byte 99999999 (21 bytes) runs past the end"),
        "{err}"
    );
    assert!(
        err.contains("1 entry of the shelf could not be read"),
        "{err}"
    );
    // ls still lists it, get names it.
    let o = brine(&["shelve", "get", "pi", s(&base)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("key 'pi'"));
    // A plain pickle is not mistaken for a shelf.
    let p = tmp.path().join("x.pkl");
    std::fs::write(&p, b"\x80\x04K\x07.").unwrap();
    assert_eq!(ok(&["show", "--repr", s(&p)]), "7\n");
}

#[test]
fn sqlitedict_tables_in_show_and_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let db = copy_fixture("sqlitedict_21.sqlite", tmp.path());
    let exp = expected("sqlitedict_21.other_table.expected.json");
    let out = ok(&["shelve", "show", "--repr", "--table", "other table", s(&db)]);
    assert_eq!(out, format!("{}\n", exp["repr"].as_str().unwrap()));
    let o = brine(&["show", "--repr", s(&db)]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("showing table \"unnamed\"; the file also has \"other table\""),
        "{err}"
    );
    assert_eq!(ok(&["shelve", "tables", s(&db)]), "unnamed\nother table\n");
    // A malicious value in the second table is found by scan.
    let payload = tmp.path().join("p.pkl");
    std::fs::write(&payload, b"cos\nsystem\n(S'echo pwned'\ntR.").unwrap();
    ok(&[
        "shelve",
        "put",
        "--raw",
        "--table",
        "other table",
        "evil",
        s(&payload),
        s(&db),
    ]);
    let o = brine(&["scan", s(&db)]);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("in \"other table\"['evil']"), "{text}");
    // Another SQLite database is not taken for a shelf.
    let other = tmp.path().join("app.sqlite");
    std::fs::copy(&db, &other).unwrap();
    let conn_code = "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute('DROP TABLE unnamed')\nc.execute('DROP TABLE \"other table\"')\nc.execute('CREATE TABLE t (x)')\nc.commit()";
    if let Some(py) = python3("brine show on another SQLite database") {
        brinery_testutil::run(&py, &["-c", conn_code, s(&other)], &[]);
        let o = brine(&["show", s(&other)]);
        assert_eq!(o.status.code(), Some(1));
        assert!(!String::from_utf8_lossy(&o.stderr).contains("shelf"));
        scan_exits_0(&other);
    }
}
