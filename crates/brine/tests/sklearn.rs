//! `brine predict`, `brine show` and `brine export ... .json` on the
//! scikit-learn fixtures of brinery-sklearn (made by scikit-learn 1.3.2
//! and 1.9.1; expected outputs recorded from scikit-learn itself).

mod common;
#[path = "../../brinery-sklearn/tests/common/mod.rs"]
mod sklearn_common;
use common::*;
use sklearn_common::*;

use std::path::Path;

use serde_json::Value;

fn floats(e: &Value) -> Vec<f64> {
    e["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| match d {
            Value::String(s) if e["kind"] == "f" => s.parse::<f64>().unwrap(),
            Value::Number(n) => n.as_f64().unwrap(),
            _ => f64::NAN,
        })
        .collect()
}

fn close(got: &[f64], want: &[f64]) -> bool {
    got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(g, w)| (g.is_nan() && w.is_nan()) || (g - w).abs() <= TOL * w.abs().max(1.0))
}

/// `.npy` output of every method of every fixture (the joblib file),
/// compared with scikit-learn's outputs; labels exactly.
#[test]
fn predict_npy_matches_sklearn() {
    let tmp = tempfile::tempdir().unwrap();
    let mut n = 0;
    for v in VERSIONS {
        let exp = expected(v);
        for (name, case) in exp["cases"].as_object().unwrap() {
            let model = fixtures(v).join(case["joblib"].as_str().unwrap());
            let input = fixtures(v)
                .join("inputs")
                .join(format!("{}.npy", case["input"].as_str().unwrap()));
            for (m, e) in case["outputs"].as_object().unwrap() {
                let out = tmp.path().join(format!("{v}-{name}-{m}.npy"));
                let o = brine(&[
                    "predict",
                    model.to_str().unwrap(),
                    input.to_str().unwrap(),
                    "-o",
                    out.to_str().unwrap(),
                    "--method",
                    m,
                ]);
                assert!(
                    o.status.success(),
                    "{v}/{name} {m}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                let bytes = std::fs::read(&out).unwrap();
                let npy = brinery_numpy::read_npy(&bytes).unwrap();
                let a = npy.array().unwrap();
                let shape: Vec<usize> = brinery_testutil::json_usizes(&e["shape"]);
                assert_eq!(a.shape(), shape.as_slice(), "{v}/{name} {m}");
                match e["kind"].as_str().unwrap() {
                    "f" => assert!(
                        close(&a.to_vec::<f64>().unwrap(), &floats(e)),
                        "{v}/{name} {m}"
                    ),
                    "i" => {
                        let want: Vec<i64> =
                            brinery_testutil::json_vec(&e["data"], serde_json::Value::as_i64);
                        assert_eq!(a.to_vec::<i64>().unwrap(), want, "{v}/{name} {m}");
                    }
                    _ => {
                        let want: Vec<&str> =
                            brinery_testutil::json_vec(&e["data"], serde_json::Value::as_str);
                        assert_eq!(a.dtype().str(), "<U3", "{v}/{name} {m}");
                        let text = brinery_numpy::array_repr(&a);
                        for w in want {
                            assert!(text.contains(&format!("'{w}'")), "{text}");
                        }
                    }
                }
                n += 1;
            }
        }
    }
    println!("brine predict .npy: {n} outputs match scikit-learn");
    assert_eq!(n, 232, "76 (1.0.2) + 78 (1.3.2) + 78 (1.9.1)");
}

fn npy_to_csv(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let npy = brinery_numpy::read_npy(&bytes).unwrap();
    let a = npy.array().unwrap();
    let cols = a.shape()[1];
    let v = a.to_vec::<f64>().unwrap();
    let mut s: String = (0..cols)
        .map(|j| format!("f{j}"))
        .collect::<Vec<_>>()
        .join(",");
    s.push('\n');
    for row in v.chunks(cols) {
        let r: Vec<String> = row
            .iter()
            .map(|x| {
                if x.is_nan() {
                    String::new()
                } else {
                    format!("{x:?}")
                }
            })
            .collect();
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s
}

/// CSV in, CSV on standard output (`-o -`), for every method of every
/// fixture of one version.
#[test]
fn predict_csv_stdout_matches_sklearn() {
    let tmp = tempfile::tempdir().unwrap();
    let v = "sk1.9";
    let exp = expected(v);
    let mut n = 0;
    for (name, case) in exp["cases"].as_object().unwrap() {
        let input = case["input"].as_str().unwrap();
        let csv = tmp.path().join(format!("{input}.csv"));
        if !csv.exists() {
            std::fs::write(
                &csv,
                npy_to_csv(&fixtures(v).join("inputs").join(format!("{input}.npy"))),
            )
            .unwrap();
        }
        let model = fixtures(v).join(format!("{name}.pkl"));
        for (m, e) in case["outputs"].as_object().unwrap() {
            let o = brine(&[
                "predict",
                model.to_str().unwrap(),
                csv.to_str().unwrap(),
                "-o",
                "-",
                "--method",
                m,
            ]);
            assert!(
                o.status.success(),
                "{name} {m}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let text = String::from_utf8(o.stdout).unwrap();
            let mut lines = text.lines();
            let header = lines.next().unwrap();
            assert!(header.starts_with(m.as_str()), "{header}");
            let cells: Vec<String> = lines
                .flat_map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
                .collect();
            match e["kind"].as_str().unwrap() {
                "f" => {
                    let got: Vec<f64> = cells.iter().map(|c| c.parse().unwrap()).collect();
                    assert!(close(&got, &floats(e)), "{name} {m}");
                }
                _ => {
                    let want: Vec<String> = e["data"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| match x {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect();
                    assert_eq!(cells, want, "{name} {m}");
                }
            }
            n += 1;
        }
    }
    println!("brine predict CSV: {n} outputs match scikit-learn");
    assert_eq!(n, 78);
}

/// `brine show` of every fixture starts with scikit-learn's repr, char
/// for char, then the class and version line.
#[test]
fn show_prints_sklearn_repr() {
    let mut n = 0;
    for v in VERSIONS {
        let exp = expected(v);
        for (name, case) in exp["cases"].as_object().unwrap() {
            let path = fixtures(v).join(case["joblib"].as_str().unwrap());
            let text = ok(&["show", path.to_str().unwrap()]);
            let want = format!(
                "{}\n\n{}",
                case["repr"].as_str().unwrap(),
                case["class"].as_str().unwrap()
            );
            assert!(
                text.starts_with(&want),
                "{v}/{name}:\n{text}\nwant:\n{want}"
            );
            n += 1;
        }
    }
    println!("brine show: {n} sklearn reprs identical");
    assert_eq!(n, 152, "50 (1.0.2) + 51 + 51");
}

/// The exported JSON of a forest reproduces scikit-learn's predict_proba
/// when evaluated as documented (x as float32, `<=` goes left, normalized
/// leaf values averaged over the trees).
#[test]
fn export_json_forest_reproduces_predict_proba() {
    let tmp = tempfile::tempdir().unwrap();
    for v in VERSIONS {
        let exp = expected(v);
        let case = &exp["cases"]["rf_clf"];
        let out = tmp.path().join(format!("{v}.json"));
        let o = brine(&[
            "export",
            fixtures(v)
                .join(case["joblib"].as_str().unwrap())
                .to_str()
                .unwrap(),
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let j: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(j["n_trees"], 4);
        let xb = std::fs::read(fixtures(v).join("inputs/X.npy")).unwrap();
        let x = brinery_numpy::read_npy(&xb)
            .unwrap()
            .array()
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        let trees = j["trees"].as_array().unwrap();
        let mut got = Vec::new();
        for row in x.chunks(4) {
            let mut p = [0.0f64; 3];
            for t in trees {
                let nodes = t["nodes"].as_array().unwrap();
                let mut i = 0usize;
                while nodes[i].get("leaf").is_none() {
                    let f = nodes[i]["feature"].as_u64().unwrap() as usize;
                    let th = nodes[i]["threshold"].as_f64().unwrap();
                    let left = (row[f] as f32 as f64) <= th;
                    i = nodes[i][if left { "left" } else { "right" }]
                        .as_u64()
                        .unwrap() as usize;
                }
                let val: Vec<f64> =
                    brinery_testutil::json_vec(&nodes[i]["value"], serde_json::Value::as_f64);
                let s: f64 = val.iter().sum();
                for k in 0..3 {
                    p[k] += val[k] / s;
                }
            }
            got.extend(p.iter().map(|x| x / trees.len() as f64));
        }
        assert!(
            close(&got, &floats(&case["outputs"]["predict_proba"])),
            "{v}"
        );
    }
    // not a tree: a clear error
    let o = brine(&[
        "export",
        fixtures("sk1.9").join("linreg.pkl").to_str().unwrap(),
        tmp.path().join("x.json").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("LinearRegression.export is not supported"));
}

#[test]
fn predict_errors() {
    let f = fixtures("sk1.9");
    let x = f.join("inputs/X.npy");
    let (svc, std) = (f.join("svc.pkl"), f.join("std.pkl"));
    let tmp = tempfile::tempdir().unwrap();
    let (bad, short) = (tmp.path().join("bad.csv"), tmp.path().join("short.csv"));
    std::fs::write(&bad, "a,b,c,d\n1,2,3,x\n").unwrap();
    std::fs::write(&short, "a,b,c\n1,2,3\n").unwrap();
    let parquet = tmp.path().join("y.parquet");
    let transform = ["--method", "transform"];
    /// (model, input, output, extra args, exit code, what stderr says)
    type Case<'a> = (&'a Path, &'a Path, &'a Path, &'a [&'a str], i32, &'a str);
    let cases: [Case; 4] = [
        (
            &svc,
            &x,
            Path::new("-"),
            &[],
            1,
            "sklearn.svm._classes.SVC.predict is not supported",
        ),
        (
            &std,
            &bad,
            Path::new("-"),
            &transform,
            1,
            "line 2, column 4",
        ),
        (
            &std,
            &short,
            Path::new("-"),
            &transform,
            1,
            "X has 3 features, but StandardScaler is expecting 4 features as input.",
        ),
        (&std, &x, &parquet, &[], 2, ""),
    ];
    for (model, input, out, extra, code, says) in cases {
        let mut args = vec!["predict", p(model), p(input), "-o", p(out)];
        args.extend(extra);
        let (got, err) = fails(&args);
        assert_eq!(got, code, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // nothing half-written
    assert!(!parquet.exists());
}
