//! Differential conformance against the machine's CPython:
//! (a) every random CPython pickle decodes, (b) re-encodes to identical
//! bytes at its protocol, (c) what brinery writes (at other protocols too)
//! CPython loads back to an equal object with equal sharing.

mod common;

use common::*;

const SEED: &str = "20261123";

#[test]
fn random_values_all_protocols() {
    let Some(py) = python() else { return };
    let n = case_count(5000);
    let dir = tmp_dir("conformance");
    let cases_path = dir.join("cases.bin");
    let n_s = n.to_string();
    run_py(
        &py,
        "gen_cases.py",
        &[
            "--seed",
            SEED,
            "--count",
            &n_s,
            "--out",
            cases_path.to_str().unwrap(),
        ],
    );
    let cases = read_cases(&cases_path);
    assert_eq!(cases.len(), n * 6, "one record per value and protocol");

    let mut identical = 0usize;
    let mut failures = Vec::new();
    let mut same_proto = Vec::new();
    let mut cross_proto = Vec::new();
    let mut per_proto = [0usize; 6];
    let mut gaps = brinery_testutil::VersionGaps::for_python(&py);
    for c in &cases {
        let g = match brinery::from_slice_graph(&c.pickle) {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("decode #{} p{}: {e}", c.index, c.protocol));
                continue;
            }
        };
        match brinery::Pickler::new(c.protocol).dumps(&g) {
            Ok(b) if b == c.pickle => {
                identical += 1;
                per_proto[c.protocol as usize] += 1;
                same_proto.push((c.index, c.protocol, b));
            }
            // CPython 3.13 writes `getattr(cls, '__new__')` of a
            // `__getnewargs_ex__` reduction at protocols 2-3 without
            // memoizing the class and the tuple; brinery writes the bytes
            // of 3.11 (and 3.12). CPython still loads them (checked below).
            Ok(b)
                if !gaps.is_reference()
                    && matches!(c.protocol, 2 | 3)
                    && contains(&c.pickle, b"\nX\x07\x00\x00\x00__new__") =>
            {
                gaps.note(
                    "same-protocol re-encoding byte-identical",
                    "this CPython writes getattr(cls, '__new__') of __getnewargs_ex__ \
                     reductions at protocols 2-3 unmemoized; brinery writes 3.11's bytes",
                );
                same_proto.push((c.index, c.protocol, b));
            }
            Ok(b) => failures.push(format!(
                "re-encode differs #{} p{}: {}",
                c.index,
                c.protocol,
                first_difference(&c.pickle, &b)
            )),
            Err(e) => failures.push(format!("encode #{} p{}: {e}", c.index, c.protocol)),
        }
        // Cross-protocol write from this decode.
        let q = ((c.protocol as u32 + 1 + c.index % 5) % 6) as u8;
        match brinery::Pickler::new(q).dumps(&g) {
            Ok(b) => cross_proto.push((c.index, q, b)),
            Err(e) => failures.push(format!("encode #{} p{} -> p{q}: {e}", c.index, c.protocol)),
        }
    }
    println!(
        "conformance: {} CPython pickles ({n} values x 6 protocols): {identical} decoded and re-encoded byte-identically; per protocol {:?}",
        cases.len(),
        per_proto
    );
    gaps.report("conformance");
    if !failures.is_empty() {
        panic!(
            "{} failures (first 10):\n{}",
            failures.len(),
            failures[..failures.len().min(10)].join("\n")
        );
    }
    assert_eq!(identical + gaps.total(), cases.len());

    // (c) CPython loads what brinery wrote: same protocol and cross protocol.
    for (name, set) in [("same", &same_proto), ("cross", &cross_proto)] {
        let p = dir.join(format!("brinery_{name}.bin"));
        write_cases(&p, set);
        let out = run_py(
            &py,
            "check_loads.py",
            &["--seed", SEED, "--count", &n_s, "--in", p.to_str().unwrap()],
        );
        println!("{name}-protocol writes: {}", out.trim());
    }
}

/// Whether `needle` occurs in `hay`.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Where two byte strings first differ, with some context.
fn first_difference(want: &[u8], got: &[u8]) -> String {
    let i = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    let lo = i.saturating_sub(40);
    format!(
        "at byte {i} (lengths {} / {}):\n  cpython ...{}\n  brinery ...{}",
        want.len(),
        got.len(),
        want[lo..(i + 40).min(want.len())].escape_ascii(),
        got[lo..(i + 40).min(got.len())].escape_ascii()
    )
}
