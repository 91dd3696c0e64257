//! What the CLI's test files share: running the `brine` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Run `brine args` with extra environment `env`: no `COLUMNS` (unless
/// given), `NO_COLOR=1`, no standard input.
pub fn brine_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_brine"));
    cmd.args(args)
        .env_remove("COLUMNS")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run brine")
}

/// Run `brine args` (see [`brine_env`]).
pub fn brine(args: &[&str]) -> Output {
    brine_env(args, &[])
}

/// The standard output of a run that must succeed.
pub fn ok_output(args: &[&str], out: Output) -> String {
    assert!(
        out.status.success(),
        "brine {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Assert that a finished process (brine or Python) succeeded, showing
/// its standard error when it did not.
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The standard output of `brine args`, which must succeed.
pub fn ok(args: &[&str]) -> String {
    ok_output(args, brine(args))
}

/// The exit code and standard error of `brine args`, which must fail.
pub fn fails(args: &[&str]) -> (i32, String) {
    let out = brine(args);
    assert!(!out.status.success(), "brine {args:?} succeeded");
    let err = String::from_utf8_lossy(&out.stderr).trim_end().to_string();
    (out.status.code().unwrap_or(-1), err)
}

/// Lossy text of output bytes.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A path as an argument.
pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// The repository's top folder.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run Python `code` (`-c`) with one argument, a path; its standard output.
pub fn py_with_path(py: &str, code: &str, path: &Path) -> String {
    brinery_testutil::run(py, &["-c", code, p(path)], &[])
}

/// For a test that needs Python with `modules`: the interpreter and a
/// scratch folder, or `None` after a loud SKIP (a failure under CI).
pub fn python_tmp(modules: &[&str], test: &str) -> Option<(String, tempfile::TempDir)> {
    let py = brinery_testutil::python(modules, test)?;
    Some((py, tempfile::tempdir().expect("temporary folder")))
}
