//! Every fixture (estimator × file format × scikit-learn version) against
//! the outputs scikit-learn itself recorded (`tests/fixtures/gen.py`).

mod common;

use std::collections::BTreeMap;

use brinery_sklearn::{load, read_matrix, DataFormat, Labels, Method, Model, Output};
use common::*;
use serde_json::Value;

fn want_floats(e: &Value) -> Vec<f64> {
    e["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| match d.as_str().unwrap() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            s => s.parse().unwrap(),
        })
        .collect()
}

/// Compare; Err(reason) on mismatch. Returns the worst error relative to
/// max(1, |expected|) and the worst plain relative error |g - w| / |w|
/// (over non-zero expected values).
fn compare(got: &Output, e: &Value) -> Result<(f64, f64), String> {
    let shape: Vec<usize> = brinery_testutil::json_usizes(&e["shape"]);
    match (got, e["kind"].as_str().unwrap()) {
        (Output::Values(a), "f") => {
            if a.shape() != shape.as_slice() {
                return Err(format!("shape {:?} != {:?}", a.shape(), shape));
            }
            let want = want_floats(e);
            let mut worst = 0.0f64;
            let mut worst_plain = 0.0f64;
            for (i, (g, w)) in a.iter().zip(&want).enumerate() {
                if g.is_nan() && w.is_nan() {
                    continue;
                }
                let err = (g - w).abs() / w.abs().max(1.0);
                let plain_ok = if *w == 0.0 {
                    g.abs() <= 1e-15
                } else {
                    (g - w).abs() <= TOL * w.abs()
                };
                if err.is_nan() || !plain_ok {
                    return Err(format!("element {i}: {g:?} != {w:?} (rel {err:e})"));
                }
                worst = worst.max(err);
                if *w != 0.0 {
                    worst_plain = worst_plain.max((g - w).abs() / w.abs());
                }
            }
            Ok((worst, worst_plain))
        }
        (Output::Labels(l), kind) => {
            if shape != [l.len()] {
                return Err(format!("{} labels, want shape {:?}", l.len(), shape));
            }
            let d = e["data"].as_array().unwrap();
            let ok = match (l, kind) {
                (Labels::Int(v), "i") => v.iter().zip(d).all(|(a, b)| Some(*a) == b.as_i64()),
                (Labels::Str(v), "U") => {
                    v.iter().zip(d).all(|(a, b)| Some(a.as_str()) == b.as_str())
                }
                (Labels::Float(v), "f") => v
                    .iter()
                    .zip(want_floats(e))
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                _ => return Err(format!("label kind {kind} vs {l:?}")),
            };
            if ok {
                Ok((0.0, 0.0))
            } else {
                Err(format!("labels {l:?} != {d:?}"))
            }
        }
        (o, k) => Err(format!("output kind {k} vs {o:?}")),
    }
}

#[test]
fn fixtures_match_sklearn() {
    let mut table: BTreeMap<(String, String), BTreeMap<String, String>> = BTreeMap::new();
    let mut passed = 0;
    let mut failed = Vec::new();
    let mut worst = 0.0f64;
    let mut worst_plain = 0.0f64;
    let mut exact = 0;
    let mut files = 0;
    for v in VERSIONS {
        let exp = expected(v);
        for (name, case) in exp["cases"].as_object().unwrap() {
            let input = case["input"].as_str().unwrap();
            let xb =
                std::fs::read(fixtures(v).join("inputs").join(format!("{input}.npy"))).unwrap();
            let x = read_matrix(&xb, DataFormat::Npy).unwrap().to_ndarray();
            let names = [case["pickle"].as_str(), case["joblib"].as_str()];
            for file in names.into_iter().flatten() {
                files += 1;
                let bytes = std::fs::read(fixtures(v).join(file)).unwrap();
                let g = load(&bytes).unwrap_or_else(|e| panic!("{v}/{file}: {e}"));
                let outs = case["outputs"].as_object().unwrap();
                let model = Model::from_node(g.root());
                for (m, e) in outs {
                    let method = Method::parse(m).unwrap();
                    let got = model
                        .as_ref()
                        .map_err(|e| e.to_string())
                        .and_then(|md| md.run(method, x.view()).map_err(|e| e.to_string()));
                    let res = got.and_then(|o| compare(&o, e));
                    let key = (name.clone(), m.clone());
                    let cell = table
                        .entry(key)
                        .or_default()
                        .entry(v.to_string())
                        .or_default();
                    match res {
                        Ok((w, wp)) => {
                            passed += 1;
                            worst = worst.max(w);
                            worst_plain = worst_plain.max(wp);
                            if w == 0.0 {
                                exact += 1;
                            }
                            cell.push('✓');
                        }
                        Err(why) => {
                            failed.push(format!("{v}/{file} {m}: {why}"));
                            cell.push('✗');
                        }
                    }
                }
            }
        }
    }
    println!(
        "{:<16} {:<18} {:>6} {:>6}",
        "estimator", "method", VERSIONS[0], VERSIONS[1]
    );
    for ((n, m), cells) in &table {
        println!(
            "{n:<16} {m:<18} {:>6} {:>6}",
            cells.get(VERSIONS[0]).map(String::as_str).unwrap_or("-"),
            cells.get(VERSIONS[1]).map(String::as_str).unwrap_or("-")
        );
    }
    for f in &failed {
        println!("FAIL {f}");
    }
    println!(
        "fixture files: {files}; outputs compared: {} passed, {} failed; {exact} bit-identical",
        passed,
        failed.len()
    );
    println!("worst error relative to max(1, |expected|): {worst:e}; worst plain relative error: {worst_plain:e}");
    assert!(worst_plain <= TOL, "worst relative error {worst_plain:e}");
    assert!(failed.is_empty(), "{} outputs differ", failed.len());
    assert_eq!(passed, 388, "number of (file × method) outputs compared");
}

#[test]
fn repr_matches_sklearn() {
    let mut passed = 0;
    let mut failed = Vec::new();
    for v in VERSIONS {
        let exp = expected(v);
        for case in exp["cases"].as_object().unwrap().values() {
            let want = case["repr"].as_str().unwrap();
            let files = [case["pickle"].as_str(), case["joblib"].as_str()];
            for file in files.into_iter().flatten() {
                let bytes = std::fs::read(fixtures(v).join(file)).unwrap();
                let g = load(&bytes).unwrap();
                match brinery_sklearn::sklearn_repr(g.root()) {
                    Ok(got) if got == want => passed += 1,
                    Ok(got) => failed.push(format!("{v}/{file}:\n got: {got}\nwant: {want}")),
                    Err(e) => failed.push(format!("{v}/{file}: {e}")),
                }
            }
        }
    }
    for f in &failed {
        println!("FAIL {f}");
    }
    println!("sklearn repr: {passed} passed, {} failed", failed.len());
    assert!(failed.is_empty());
    assert_eq!(
        passed, 254,
        "reprs compared: 51 estimators × 2 files × 2 versions + 50 joblib files of 1.0"
    );
}

/// Large inputs take the multi-threaded block path: the results are the
/// same bits as for the 16-row fixture input, row by row.
#[test]
fn threaded_batches_equal_small_batches() {
    let v = "sk1.9";
    let exp = expected(v);
    let mut n = 0;
    for name in [
        "rf_clf",
        "rf_reg",
        "gb_multi",
        "hgb_multi",
        "hgb_reg",
        "pipe_rf",
        "et_clf",
    ] {
        let case = &exp["cases"][name];
        let input = case["input"].as_str().unwrap();
        let xb = std::fs::read(fixtures(v).join("inputs").join(format!("{input}.npy"))).unwrap();
        let x = read_matrix(&xb, DataFormat::Npy).unwrap();
        let reps = 700;
        let mut big = Vec::with_capacity(x.values.len() * reps);
        for _ in 0..reps {
            big.extend_from_slice(&x.values);
        }
        let bytes = std::fs::read(fixtures(v).join(case["pickle"].as_str().unwrap())).unwrap();
        let g = load(&bytes).unwrap();
        let m = Model::from_node(g.root()).unwrap();
        for meth in case["outputs"].as_object().unwrap().keys() {
            let meth = Method::parse(meth).unwrap();
            let small = m.run_rows(meth, x.rows, x.cols, x.values.clone()).unwrap();
            let large = m
                .run_rows(meth, x.rows * reps, x.cols, big.clone())
                .unwrap();
            match (small, large) {
                (Output::Values(s), Output::Values(l)) => {
                    let s: Vec<u64> = s.iter().map(|v| v.to_bits()).collect();
                    let l: Vec<u64> = l.iter().map(|v| v.to_bits()).collect();
                    for chunk in l.chunks(s.len()) {
                        assert_eq!(chunk, s.as_slice(), "{name} {meth}");
                    }
                }
                (Output::Labels(s), Output::Labels(l)) => {
                    assert_eq!(l.len(), s.len() * reps);
                    let idx: Vec<usize> = (0..l.len()).map(|i| i % s.len()).collect();
                    assert_eq!(s.take(&idx).unwrap(), l, "{name} {meth}");
                }
                _ => panic!("{name} {meth}: output kinds differ"),
            }
            n += 1;
        }
    }
    println!("{n} threaded batches (11,200 rows) identical to the 16-row results");
    assert_eq!(n, 14);
}
