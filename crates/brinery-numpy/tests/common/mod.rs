//! Shared helpers for tests that compare against python3 + numpy.
#![allow(dead_code)]

use std::path::PathBuf;

/// The `python3` with numpy to use, or None after a loud SKIP banner when
/// it is missing outside CI. In CI (env `CI` set) a missing python3/numpy
/// fails.
pub fn python() -> Option<String> {
    brinery_testutil::python(&["numpy"], "the live numpy checks")
}

/// The fixture directory.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A scratch directory for this test binary.
pub fn tmp_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Run python code with arguments; panic with its output on failure; return
/// stdout.
pub fn run_py(py: &str, code: &str, args: &[&str]) -> String {
    let mut all = vec!["-c", code];
    all.extend_from_slice(args);
    brinery_testutil::run(py, &all, &[])
}
