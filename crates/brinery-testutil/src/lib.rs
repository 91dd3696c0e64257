//! Test support shared by the workspace's crates (not published).
//!
//! Differential tests run the machine's CPython. [`python`] finds it (with
//! the modules a test needs); when it is missing a test prints a loud SKIP
//! banner, except under CI (env `CI` set), where it fails instead: CI must
//! never skip.
#![forbid(unsafe_code)]

use std::path::Path;
use std::process::Command;

/// The `python3` to use (env `BRINERY_PYTHON`, default `python3`), checked
/// to be 3.8+ and to import every module in `modules`. `None` after a loud
/// banner naming `what` did not run; panics instead when env `CI` is set.
pub fn python(modules: &[&str], what: &str) -> Option<String> {
    let py = std::env::var("BRINERY_PYTHON").unwrap_or_else(|_| "python3".into());
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
        "python3 (>= 3.8)".to_string()
    } else {
        format!("python3 (>= 3.8) with {}", modules.join(", "))
    };
    if std::env::var_os("CI").is_some() {
        panic!(
            "{need} is required for {what} and was not found \
             (pip install -r scripts/requirements-test.txt)"
        );
    }
    let bar = "!".repeat(76);
    eprintln!("\n{bar}");
    eprintln!("!!! SKIPPED: {need} not found; {what} did not run.");
    eprintln!(
        "!!! Install it (pip install -r scripts/requirements-test.txt) or set BRINERY_PYTHON."
    );
    eprintln!("{bar}");
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
