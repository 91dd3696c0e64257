//! Every fixture made by real pandas (tests/fixtures/gen.py: 3.1.1, 2.2.3,
//! 1.5.3, 0.25.3 at protocols 2/4/5 and compressed): brinery's repr must
//! equal what pandas 3.x prints for it (or, for pickles pandas 3 cannot
//! load, what the writing version printed), and to_csv() must be
//! byte-identical.

use std::collections::BTreeMap;
use std::path::Path;

use brinery_pandas::Pandas;

struct Outcome {
    total: usize,
    decoded: usize,
    repr_ok: usize,
    csv_total: usize,
    csv_ok: usize,
    failures: Vec<String>,
    per_version: BTreeMap<String, (usize, usize, usize)>,
}

fn run(want_pandas3: bool) -> Outcome {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let mut o = Outcome {
        total: 0,
        decoded: 0,
        repr_ok: 0,
        csv_total: 0,
        csv_ok: 0,
        failures: Vec::new(),
        per_version: BTreeMap::new(),
    };
    for (key, e) in expected.as_object().unwrap() {
        let from3 = e["source"].as_str() == Some("3.1.1");
        if from3 != want_pandas3 {
            continue;
        }
        o.total += 1;
        let ver = key.split('/').next().unwrap().to_string();
        let pv = o.per_version.entry(ver).or_default();
        pv.0 += 1;
        let raw = std::fs::read(dir.join(key)).unwrap();
        let data = brinery_compress::decompress_auto(&raw, 1 << 30).unwrap();
        let g = match brinery::loads(&data) {
            Ok(g) => g,
            Err(err) => {
                o.failures.push(format!("{key}: pickle: {err}"));
                continue;
            }
        };
        let p = match brinery_pandas::from_node(g.root()) {
            Ok(Some(p)) => p,
            Ok(None) => {
                o.failures.push(format!("{key}: not recognized"));
                continue;
            }
            Err(err) => {
                o.failures.push(format!("{key}: {err}"));
                continue;
            }
        };
        o.decoded += 1;
        let want = e["repr"].as_str().unwrap();
        let got = brinery_pandas::repr(&p);
        if got == want {
            o.repr_ok += 1;
            pv.1 += 1;
        } else {
            o.failures.push(format!(
                "{key}: repr\n--- pandas\n{want}\n--- brinery\n{got}"
            ));
        }
        if let Some(want) = e["csv"].as_str() {
            o.csv_total += 1;
            let got = match &p {
                Pandas::DataFrame(df) => brinery_pandas::frame_to_csv(df),
                Pandas::Series(s) => brinery_pandas::series_to_csv(s),
                Pandas::Index(_) => String::new(),
            };
            if got == want {
                o.csv_ok += 1;
                pv.2 += 1;
            } else {
                o.failures.push(format!(
                    "{key}: csv\n--- pandas\n{want}\n--- brinery\n{got}"
                ));
            }
        }
    }
    o
}

fn report(o: &Outcome, what: &str) {
    for f in o.failures.iter().take(30) {
        eprintln!("FAIL {f}\n");
    }
    for (v, (n, r, c)) in &o.per_version {
        eprintln!(
            "{what}: written by pandas {v}: {n} fixtures, repr identical {r}, CSV identical {c}"
        );
    }
    eprintln!(
        "{what}: {} fixtures: decoded {}/{}, repr identical {}/{}, CSV byte-identical {}/{}",
        o.total, o.decoded, o.total, o.repr_ok, o.total, o.csv_ok, o.csv_total
    );
}

/// Fixtures pandas 3.1.1 loads: its repr and to_csv are the reference.
#[test]
fn fixtures_loaded_by_pandas3() {
    let o = run(true);
    report(&o, "pandas-3 reference");
    assert_eq!(o.decoded, o.total, "every fixture decodes");
    assert_eq!(
        (o.total, o.repr_ok, o.csv_total, o.csv_ok),
        (384, 384, 347, 347)
    );
}

/// Fixtures pandas 3.1.1 cannot load (Int64Index, FrozenNDArray, old
/// PeriodDtype): brinery reads them; the reference is what the writing
/// version printed, so differences that are only that version's own
/// formatting (`Int64Index(...)`, `dtype='object'` string columns, ns
/// datetimes as full timestamps in to_csv) are counted, not failed.
#[test]
fn fixtures_pandas3_cannot_load() {
    let o = run(false);
    report(&o, "writer reference");
    assert_eq!(o.decoded, o.total, "every fixture decodes");
    // The 4 repr differences are 0.25/1.5's `Int64Index([1, 2, 3], ...)`
    // where pandas 3 (and brinery) say `Index`.
    assert_eq!(
        (o.total, o.repr_ok, o.csv_total, o.csv_ok),
        (42, 38, 34, 34)
    );
}
