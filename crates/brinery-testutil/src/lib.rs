//! Test support shared by the workspace's crates (not published).
//!
//! Differential tests run CPython. There is one way to choose it: the env
//! variable `BRINERY_PYTHON` (default `python3`), the same interpreter
//! `scripts/test.sh` installs the pinned test packages into. [`python`]
//! checks it (with the modules a test needs) and records which interpreter
//! ran in the test output. When it is missing a test prints a loud SKIP
//! banner, except under CI (env `CI` set to any non-empty value), where it
//! fails instead: CI must never skip. [`skip`] and [`warn`] are the same
//! rule for checks that cannot run or can only run partly.
#![forbid(unsafe_code)]

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// The interpreter tests use: env `BRINERY_PYTHON`, default `python3`.
pub fn python_exe() -> String {
    std::env::var("BRINERY_PYTHON")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "python3".into())
}

/// `true` under CI: env `CI` set to a non-empty value.
pub fn ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// A check that did not run: a loud `SKIP` banner naming it, or a panic
/// under CI.
pub fn skip(what: &str, why: &str) {
    if ci() {
        panic!("SKIP not allowed under CI: {what} did not run: {why}");
    }
    let bar = "!".repeat(76);
    eprintln!("\n{bar}");
    eprintln!("!!! SKIP: {what} did not run: {why}");
    eprintln!(
        "!!! (BRINERY_PYTHON selects the Python; pip install -r scripts/requirements-test.txt)"
    );
    eprintln!("{bar}");
}

/// A check that ran only partly: a `WARNING` line, or a panic under CI.
pub fn warn(msg: &str) {
    if ci() {
        panic!("WARNING not allowed under CI: {msg}");
    }
    eprintln!("WARNING: {msg}");
}

/// `sys.version` of `py` (first line), if it runs.
pub fn python_version(py: &str) -> Option<String> {
    let out = Command::new(py)
        .args(["-c", "import sys; print(sys.version.split()[0])"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The `python3` to use ([`python_exe`]), checked to be 3.8+ and to import
/// every module in `modules`. `None` after a loud banner naming `what` did
/// not run; panics instead under CI. Prints once per test binary which
/// interpreter was used.
pub fn python(modules: &[&str], what: &str) -> Option<String> {
    let py = python_exe();
    static SHOWN: OnceLock<()> = OnceLock::new();
    SHOWN.get_or_init(|| {
        let v = python_version(&py).unwrap_or_else(|| "not runnable".into());
        eprintln!("tests use Python: {py} ({v}; env BRINERY_PYTHON)");
    });
    let mut check = String::from("import sys\nassert sys.version_info >= (3, 8)\n");
    for m in modules {
        check.push_str(&format!("import {m}\n"));
    }
    let ok = Command::new(&py)
        .arg("-c")
        .arg(&check)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        return Some(py);
    }
    let need = if modules.is_empty() {
        format!("{py} (>= 3.8)")
    } else {
        format!("{py} (>= 3.8) with {}", modules.join(", "))
    };
    skip(what, &format!("{need} not found"));
    None
}

/// Run `py` with `args` (a script path or `-c CODE` first), extra
/// environment `env`, and `PYTHONHASHSEED=0`; panic with its output on
/// failure; return stdout.
pub fn run(py: &str, args: &[&str], env: &[(&str, &Path)]) -> String {
    let mut cmd = Command::new(py);
    cmd.args(args).env("PYTHONHASHSEED", "0");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        panic!(
            "python {:?} failed ({}):\n{}\n{}",
            args.first(),
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    stdout
}

/// Every file below `dirs` (recursively, without following order: sort
/// the result if order matters).
pub fn files_under(dirs: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = dirs.to_vec();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = e.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// The elements of the JSON array `v` (an expected-output file), each
/// converted by `f`; panics (naming the element) when `v` is not an array
/// or `f` refuses an element: test data is trusted to have its shape.
pub fn json_vec<'v, T>(
    v: &'v serde_json::Value,
    f: impl Fn(&'v serde_json::Value) -> Option<T>,
) -> Vec<T> {
    let items = v
        .as_array()
        .unwrap_or_else(|| panic!("not a JSON array: {v}"));
    items
        .iter()
        .map(|x| f(x).unwrap_or_else(|| panic!("unexpected JSON element {x}")))
        .collect()
}

/// [`json_vec`] of non-negative integers as `usize` (a shape).
pub fn json_usizes(v: &serde_json::Value) -> Vec<usize> {
    json_vec(v, |x| x.as_u64().map(|n| n as usize))
}

/// The CPython version brinery reproduces (repr forms, pickler bytes,
/// error messages, Unicode tables): every check runs on it.
pub const REFERENCE_PYTHON: &str = "3.11";

/// The checks a differential test cannot make on the Python it runs,
/// because that Python differs from [`REFERENCE_PYTHON`] (a changed repr
/// form, a new builtin, new or changed test inputs, another Unicode
/// version). Each is named with its reason and counted; [`report`]
/// prints one `not checkable on 3.X: <check> (<reason>): N [test]` line per
/// check. These are not SKIP/WARNING lines: every other comparison still
/// runs. On the reference version nothing may be noted (a note panics), so
/// there every check runs exactly.
///
/// [`report`]: VersionGaps::report
#[derive(Debug)]
pub struct VersionGaps {
    version: String,
    gaps: Vec<(&'static str, &'static str, usize)>,
}

impl VersionGaps {
    /// The gaps of the Python `py` runs (`major.minor` of its version).
    pub fn for_python(py: &str) -> Self {
        let full = python_version(py).unwrap_or_else(|| panic!("cannot run {py}"));
        Self::for_version(&full)
    }

    /// The gaps of CPython `version` (`"3.13.0"` or `"3.13"`).
    pub fn for_version(version: &str) -> Self {
        let version = version.split('.').take(2).collect::<Vec<_>>().join(".");
        VersionGaps {
            version,
            gaps: Vec::new(),
        }
    }

    /// `major.minor` of the Python the test ran.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Whether that Python is [`REFERENCE_PYTHON`] (every check runs).
    pub fn is_reference(&self) -> bool {
        self.version == REFERENCE_PYTHON
    }

    /// Count one case of `check` as not checkable, for `reason`. Panics on
    /// the reference version.
    pub fn note(&mut self, check: &'static str, reason: &'static str) {
        assert!(
            !self.is_reference(),
            "{check} must be checkable on the reference Python {REFERENCE_PYTHON}"
        );
        match self.gaps.iter_mut().find(|g| g.0 == check && g.1 == reason) {
            Some(g) => g.2 += 1,
            None => self.gaps.push((check, reason, 1)),
        }
    }

    /// How many cases of `check` were not checkable.
    pub fn count(&self, check: &str) -> usize {
        self.gaps.iter().filter(|g| g.0 == check).map(|g| g.2).sum()
    }

    /// How many cases were not checkable in all.
    pub fn total(&self) -> usize {
        self.gaps.iter().map(|g| g.2).sum()
    }

    /// Print one line per check that could not be made (none on the
    /// reference version), prefixed with `test`.
    pub fn report(&self, test: &str) {
        for (check, reason, n) in &self.gaps {
            println!(
                "not checkable on {}: {check} ({reason}): {n} [{test}]",
                self.version
            );
        }
    }
}

/// Lower-case hex of `bytes` (as Python's `bytes.hex()`).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of the hex string `s` (as Python's `bytes.fromhex` without
/// spaces); panics on anything else: test data is trusted to have its
/// shape.
pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digits"))
        .collect()
}

/// Marsaglia's xorshift64 generator (shifts 13, 7, 17): the reproducible
/// byte mutations of the hostile-input tests. The seed must not be 0.
///
/// ```
/// let mut rng = brinery_testutil::XorShift(1);
/// assert_eq!(rng.next_u64(), 1082269761);
/// let mut data = *b"abcdef";
/// rng.mutate(&mut data);
/// assert_ne!(&data, b"abcdef");
/// ```
#[derive(Clone, Debug)]
pub struct XorShift(pub u64);

impl XorShift {
    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    /// Overwrite 1 to 3 random bytes of `data` (not empty) with random
    /// values.
    pub fn mutate(&mut self, data: &mut [u8]) {
        for _ in 0..1 + self.next_u64() % 3 {
            let i = (self.next_u64() % data.len() as u64) as usize;
            data[i] = self.next_u64() as u8;
        }
    }
}
