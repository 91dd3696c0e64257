//! Shared helpers for tests that compare against the machine's CPython.
#![allow(dead_code)]

use std::path::PathBuf;

/// The `python3` to use, or None after a loud SKIP banner when it is
/// missing outside CI. In CI (env `CI` set) a missing python3 fails.
pub fn python() -> Option<String> {
    brinery_testutil::python(&[], "the differential tests against CPython")
}

/// Directory of the python helper scripts.
pub fn py_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("py")
}

/// A scratch directory for this test binary.
pub fn tmp_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Run a python script from tests/py with arguments; panic with its output
/// on failure; return stdout.
pub fn run_py(py: &str, script: &str, args: &[&str]) -> String {
    let path = py_dir().join(script);
    let path = path.to_str().expect("utf-8 path");
    let mut all = vec![path];
    all.extend_from_slice(args);
    brinery_testutil::run(py, &all, &[("PYTHONPATH", &py_dir())])
}

/// One record of a case file (`BRCASES1` format written by gen_cases.py).
pub struct Case {
    pub index: u32,
    pub protocol: u8,
    pub pickle: Vec<u8>,
    pub repr: Vec<u8>,
    pub flags: u8,
}

pub fn read_cases(path: &std::path::Path) -> Vec<Case> {
    let data = std::fs::read(path).expect("read case file");
    assert_eq!(&data[..8], b"BRCASES1", "bad case file magic");
    let mut pos = 8;
    let mut out = Vec::new();
    let take = |pos: &mut usize, n: usize| {
        let s = data[*pos..*pos + n].to_vec();
        *pos += n;
        s
    };
    while pos < data.len() {
        let index = u32::from_le_bytes(take(&mut pos, 4).try_into().unwrap());
        let protocol = take(&mut pos, 1)[0];
        let n = u64::from_le_bytes(take(&mut pos, 8).try_into().unwrap()) as usize;
        let pickle = take(&mut pos, n);
        let n = u64::from_le_bytes(take(&mut pos, 8).try_into().unwrap()) as usize;
        let repr = take(&mut pos, n);
        let flags = take(&mut pos, 1)[0];
        out.push(Case {
            index,
            protocol,
            pickle,
            repr,
            flags,
        });
    }
    out
}

pub fn write_cases(path: &std::path::Path, cases: &[(u32, u8, Vec<u8>)]) {
    let mut out = b"BRCASES1".to_vec();
    for (i, p, bytes) in cases {
        out.extend_from_slice(&i.to_le_bytes());
        out.push(*p);
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(bytes);
        out.extend_from_slice(&0u64.to_le_bytes());
        out.push(0);
    }
    std::fs::write(path, out).unwrap();
}

/// How many random values to generate (env BRINERY_CASES overrides).
pub fn case_count(default: usize) -> usize {
    std::env::var("BRINERY_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Run `f` on a thread with an 8 MiB stack (the main thread's usual size),
/// so that a test of deep input shows the code does not recurse.
pub fn on_small_stack<F: FnOnce() + Send + 'static>(f: F) {
    let small = std::thread::Builder::new().stack_size(8 << 20);
    let test = small.spawn(f).expect("a test thread");
    test.join().expect("the test thread finishes");
}
