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
    let mut mismatches = Vec::new();
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
        match (&got, want_accept) {
            (Ok(_), true) => same += 1,
            (Err(e), false) => {
                assert!(e.offset().is_some(), "error without offset: {e}");
                same += 1
            }
            (Ok(_), false) if cause == "exec" => exec_accepted += 1,
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
    println!(
        "cpython suite: {total} inputs; {same} same outcome as the C unpickler; {exec_accepted} well-formed inputs CPython rejects only at import/call time (accepted, never executed)"
    );
    if !mismatches.is_empty() {
        panic!(
            "{} mismatches:\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );
    }
}
