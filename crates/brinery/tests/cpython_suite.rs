//! CPython's own unpickler test inputs (from `test.pickletester`, shipped
//! with the machine's Python): brinery must accept and reject exactly what
//! the C unpickler accepts and rejects, never panic, and give an error with
//! an offset for every rejection.
//!
//! Inputs that CPython rejects only because loading would import a missing
//! module or call something that fails (cause "exec") cannot be matched by
//! a loader that never imports or calls: those must be *accepted* by
//! brinery (the data is well-formed) and are counted separately.

mod common;

use common::*;

#[test]
fn cpython_unpickler_test_inputs() {
    let Some(py) = python() else { return };
    let dir = tmp_dir("cpython_suite");
    let out = dir.join("inputs.jsonl");
    run_py(&py, "cpython_inputs.py", &["--out", out.to_str().unwrap()]);
    let text = std::fs::read_to_string(&out).unwrap();
    let (mut same, mut exec_accepted, mut total) = (0usize, 0usize, 0usize);
    let mut repr_same: std::collections::HashMap<&str, usize> = Default::default();
    let mut repr_diff: Vec<String> = Vec::new();
    let mut opaque = 0usize;
    let mut mismatches = Vec::new();
    let mut gaps = brinery_testutil::VersionGaps::for_python(&py);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let hex = v["data_hex"].as_str().unwrap();
        let data: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let kw = &v["kwargs"];
        let mut u = brinery::Unpickler::new();
        if let Some(e) = kw.get("encoding").and_then(|e| e.as_str()) {
            u = u.encoding(e);
        }
        if let Some(e) = kw.get("errors").and_then(|e| e.as_str()) {
            u = u.errors(e);
        }
        if let Some(f) = kw.get("fix_imports").and_then(|e| e.as_bool()) {
            u = u.fix_imports(f);
        }
        if let Some(bufs) = kw.get("buffers").and_then(|b| b.as_array()) {
            let bufs = bufs
                .iter()
                .map(|b| {
                    let h = b.as_str().unwrap_or("");
                    brinery::Buf::from(
                        (0..h.len())
                            .step_by(2)
                            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                            .collect::<Vec<u8>>(),
                    )
                })
                .collect();
            u = u.buffers(bufs);
        }
        if kw.get("persistent_load").is_some() {
            // The test's persistent_load returns the id itself.
            u = u.persistent_load(|_g, pid| Ok(pid));
        }
        total += 1;
        let got = u.load_slice(&data);
        let want_accept = v["outcome"] == "accept";
        let cause = v["cause"].as_str().unwrap_or("");
        let builtins_only = v["imports"].as_array().is_some_and(|a| {
            a.iter()
                .all(|m| m.as_str().is_some_and(|m| m.starts_with("builtins.")))
        });
        match (&got, want_accept) {
            (Ok(g), true) => {
                same += 1;
                let want_repr = v["result_repr"].as_str().unwrap_or("");
                let kind: &'static str = match v["result_kind"].as_str() {
                    Some("data") => "data",
                    Some("builtins") => "builtins",
                    _ => "opaque",
                };
                if want_repr.is_empty() {
                    continue;
                }
                if kind == "opaque" {
                    opaque += 1;
                    continue;
                }
                match brinery::repr_root(g) {
                    Ok(r) if r == want_repr => *repr_same.entry(kind).or_default() += 1,
                    Ok(r) if !gaps.is_reference() && newer_builtin(&r, want_repr) => gaps.note(
                        "repr of a builtins-module class",
                        "added to builtins after 3.11; brinery knows 3.11's builtins",
                    ),
                    other => repr_diff.push(format!(
                        "{} [{}] ({kind}): python {:?} / brinery {:?}",
                        v["source"], hex, want_repr, other
                    )),
                }
            }
            (Err(e), false) => {
                assert!(e.offset().is_some(), "error without offset: {e}");
                same += 1
            }
            (Ok(_), false) if cause == "exec" && !builtins_only => {
                let test = v["source"].as_str().unwrap_or("");
                let test = test.rsplit('.').next().unwrap_or("");
                if !gaps.is_reference() && TESTS_ADDED_AFTER_3_11.contains(&test) {
                    // Right outcome; only the ceiling is 3.11's.
                    gaps.note(
                        "at most 4 inputs CPython rejects only when executing",
                        "inputs of pickletester tests added after 3.11",
                    );
                }
                exec_accepted += 1
            }
            _ => mismatches.push(format!(
                "{} [{}]: cpython {} {} {:?} / brinery {:?}",
                v["source"],
                hex,
                v["outcome"],
                v["exc"],
                v["msg"],
                got.as_ref().map(|_| "accept").map_err(|e| e.to_string())
            )),
        }
    }
    let data = repr_same.get("data").copied().unwrap_or(0);
    let builtins = repr_same.get("builtins").copied().unwrap_or(0);
    println!(
        "cpython suite: {total} inputs; {same} same outcome as the C unpickler; \
         {exec_accepted} well-formed inputs CPython rejects only when importing a \
         module other than builtins (accepted, never executed)"
    );
    println!(
        "cpython suite: repr of accepted values: {data} builtin-data values identical, \
         {builtins} values with builtins-module objects identical, {} different; \
         {opaque} values of imported classes (shown as reductions, not compared)",
        repr_diff.len()
    );
    gaps.report("cpython suite");
    if let Ok(p) = std::env::var("REPR_DIFF_OUT") {
        std::fs::write(p, repr_diff.join("\n")).unwrap();
    }
    let mut problems = Vec::new();
    if !mismatches.is_empty() {
        problems.push(format!(
            "{} outcome mismatches:\n{}",
            mismatches.len(),
            mismatches.join("\n")
        ));
    }
    if !repr_diff.is_empty() {
        problems.push(format!(
            "{} values whose repr differs from CPython's:\n{}",
            repr_diff.len(),
            repr_diff
                .iter()
                .take(80)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // The suite shipped with CPython 3.11 yields 12,306 distinct inputs
    // (10,641 accepted); other versions have more or fewer tests, so these
    // are floors, not exact counts.
    assert!(
        total >= 10_000,
        "too few inputs from test.pickletester: {total}"
    );
    assert_eq!(same + exec_accepted, total);
    let newer_exec = gaps.count("at most 4 inputs CPython rejects only when executing");
    assert!(
        exec_accepted - newer_exec <= 4,
        "{exec_accepted} inputs accepted that CPython rejects"
    );
    assert!(
        data >= 7_000,
        "too few builtin-data values compared: {data}"
    );
}

/// The `test.pickletester` tests that CPython 3.11 does not have whose
/// inputs CPython rejects only when executing them (so brinery accepts
/// them): on another version they are counted apart from 3.11's ceiling.
const TESTS_ADDED_AFTER_3_11: &[&str] = &[
    "test_load_global",
    "test_load_stack_global",
    "test_pickle_setstate_None",
    "test_recursive_nested_names2",
];

/// Classes of the builtins module that CPython 3.11 does not have.
const BUILTINS_ADDED_AFTER_3_11: &[&str] = &["PythonFinalizationError", "_IncompleteInputError"];

/// Whether brinery's repr `got` is the module-qualified form of a builtin
/// class newer than 3.11 that CPython prints as `want`.
fn newer_builtin(got: &str, want: &str) -> bool {
    BUILTINS_ADDED_AFTER_3_11
        .iter()
        .any(|name| got == format!("builtins.{name}") && want == format!("<class '{name}'>"))
}
