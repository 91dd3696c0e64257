//! Shared by brinery-shelve's and brine's shelf tests: the Python
//! interpreters (with the loud SKIP / CI failure of brinery-testutil).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../brinery-shelve/tests/fixtures")
        .canonicalize()
        .unwrap()
}

pub fn tool() -> PathBuf {
    fixtures().join("../py/shelf_tool.py")
}

fn runs(py: &str, code: &str) -> bool {
    Command::new(py)
        .arg("-c")
        .arg(code)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A CPython 3.13+ (for `dbm.sqlite3`): env `BRINERY_PYTHON313`, else
/// `python3.13`, else `~/.pyenv/versions/3.13*/bin/python3`, else
/// `python3` if it is 3.13+. Loud SKIP when missing; panics under CI.
pub fn python313(what: &str) -> Option<String> {
    let mut cands: Vec<String> = Vec::new();
    if let Ok(p) = std::env::var("BRINERY_PYTHON313") {
        cands.push(p);
    }
    cands.push("python3.13".into());
    if let Some(home) = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")))
    {
        if let Ok(rd) = std::fs::read_dir(home.join("versions")) {
            let mut v: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("3.1"))
                })
                .collect();
            v.sort();
            for p in v.into_iter().rev() {
                cands.push(p.join("bin/python3").display().to_string());
            }
        }
    }
    cands.push("python3".into());
    for c in cands {
        if runs(
            &c,
            "import sys, dbm.sqlite3\nassert sys.version_info >= (3, 13)",
        ) {
            return Some(c);
        }
    }
    skip_or_fail("CPython 3.13+ (dbm.sqlite3; set BRINERY_PYTHON313)", what)
}

/// python3 with sqlitedict (scripts/requirements-shelve.txt).
pub fn python_sqlitedict(what: &str) -> Option<String> {
    brinery_testutil::python(&["sqlitedict"], what)
}

/// python3 (any 3.8+) for dbm.dumb.
pub fn python3(what: &str) -> Option<String> {
    brinery_testutil::python(&["dbm.dumb"], what)
}

fn skip_or_fail(need: &str, what: &str) -> Option<String> {
    if std::env::var_os("CI").is_some() {
        panic!("{need} is required for {what} and was not found");
    }
    let bar = "!".repeat(76);
    eprintln!("\n{bar}\n!!! SKIPPED: {need} not found; {what} did not run.\n{bar}");
    None
}

pub fn run(py: &str, args: &[&str]) -> String {
    let tool = tool();
    let mut all = vec![tool.to_str().unwrap()];
    all.extend_from_slice(args);
    brinery_testutil::run(py, &all, &[])
}

/// `python shelf_tool.py dump ...` parsed.
pub fn dump(py: &str, format: &str, path: &Path, table: Option<&str>) -> serde_json::Value {
    let p = path.to_str().unwrap();
    let mut args = vec!["dump", format, p];
    if let Some(t) = table {
        args.push(t);
    }
    serde_json::from_str(&run(py, &args)).unwrap()
}

/// Copy a fixture (and its sibling files) into `tmp`.
pub fn copy_fixture(name: &str, tmp: &Path) -> PathBuf {
    let stem = name.split('.').next().unwrap().to_string();
    for e in std::fs::read_dir(fixtures()).unwrap() {
        let e = e.unwrap();
        let n = e.file_name().to_string_lossy().to_string();
        if n.split('.').next() == Some(stem.as_str()) && !n.ends_with(".json") {
            std::fs::copy(e.path(), tmp.join(&n)).unwrap();
        }
    }
    tmp.join(name)
}
