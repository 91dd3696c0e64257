//! Every fixture made by real pandas (tests/fixtures/gen.py: 3.1.1, 2.2.3,
//! 1.5.3, 0.25.3, 0.20.3 at protocols 2/4/5 and compressed): brinery's repr must
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
    /// `key: what` for every fixture not decoded or not identical.
    failed: Vec<String>,
    per_version: BTreeMap<String, (usize, usize, usize)>,
    /// The same per fixture family (the layout or dtype a fixture shows:
    /// `datetimes`, `categorical`, `arrow_lists`...).
    per_family: BTreeMap<String, (usize, usize, usize)>,
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
        failed: Vec::new(),
        per_version: BTreeMap::new(),
        per_family: BTreeMap::new(),
    };
    for (key, e) in expected.as_object().unwrap() {
        let from3 = e["source"].as_str() == Some("3.1.1");
        if from3 != want_pandas3 {
            continue;
        }
        o.total += 1;
        let ver = key.split('/').next().unwrap().to_string();
        o.per_version.entry(ver.clone()).or_default().0 += 1;
        let family = key
            .rsplit('/')
            .next()
            .unwrap()
            .split(".p")
            .next()
            .unwrap()
            .to_string();
        o.per_family.entry(family.clone()).or_default().0 += 1;
        let raw = std::fs::read(dir.join(key)).unwrap();
        let data = brinery_compress::decompress_auto(&raw, 1 << 30).unwrap();
        let g = match brinery::loads(&data) {
            Ok(g) => g,
            Err(err) => {
                o.failures.push(format!("{key}: pickle: {err}"));
                o.failed.push(format!("{key}: decode"));
                continue;
            }
        };
        let p = match brinery_pandas::from_node(g.root()) {
            Ok(Some(p)) => p,
            Ok(None) => {
                o.failures.push(format!("{key}: not recognized"));
                o.failed.push(format!("{key}: decode"));
                continue;
            }
            Err(err) => {
                o.failures.push(format!("{key}: {err}"));
                o.failed.push(format!("{key}: decode: {err}"));
                continue;
            }
        };
        o.decoded += 1;
        let repr_same = compare(&mut o, key, "repr", e["repr"].as_str(), || {
            brinery_pandas::repr(&p)
        });
        let csv_same = compare(&mut o, key, "csv", e["csv"].as_str(), || match &p {
            Pandas::DataFrame(df) => brinery_pandas::frame_to_csv(df),
            Pandas::Series(s) => brinery_pandas::series_to_csv(s),
            Pandas::Index(_) => String::new(),
        });
        let pv = o.per_version.get_mut(&ver).unwrap();
        pv.1 += usize::from(repr_same == Some(true));
        pv.2 += usize::from(csv_same == Some(true));
        let pf = o.per_family.get_mut(&family).unwrap();
        pf.1 += usize::from(repr_same == Some(true));
        pf.2 += usize::from(csv_same == Some(true));
        o.repr_ok += usize::from(repr_same == Some(true));
        o.csv_ok += usize::from(csv_same == Some(true));
        o.csv_total += usize::from(csv_same.is_some());
    }
    o
}

/// (version, (fixtures, repr identical, CSV identical)) per writer.
fn per_version(o: &Outcome) -> Vec<(&str, (usize, usize, usize))> {
    o.per_version
        .iter()
        .map(|(v, t)| (v.as_str(), *t))
        .collect()
}

/// `Some(equal)` when pandas recorded a `what` for `key`; a difference
/// is kept for the report.
fn compare(
    o: &mut Outcome,
    key: &str,
    what: &str,
    want: Option<&str>,
    got: impl FnOnce() -> String,
) -> Option<bool> {
    let want = want?;
    let got = got();
    if got != want {
        o.failures.push(format!(
            "{key}: {what}\n--- pandas\n{want}\n--- brinery\n{got}"
        ));
        o.failed.push(format!("{key}: {what}"));
    }
    Some(got == want)
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
    let families: Vec<String> = o
        .per_family
        .iter()
        .map(|(f, (n, r, c))| format!("{f} {n}/{r}/{c}"))
        .collect();
    eprintln!(
        "{what}: {} families (fixtures/repr identical/CSV identical): {}",
        families.len(),
        families.join(", ")
    );
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
    let per = per_version(&o);
    assert_eq!(
        per,
        [
            ("0.20.3", (58, 58, 52)),
            ("0.25.3", (62, 62, 56)),
            ("1.5.3", (78, 78, 72)),
            ("2.2.3", (122, 122, 112)),
            ("3.1.1", (192, 192, 177)),
        ]
    );
    assert_eq!(
        (o.total, o.decoded, o.repr_ok, o.csv_total, o.csv_ok),
        (512, 512, 512, 469, 469)
    );
    // 60 families (layouts and dtypes), each printed identically, and
    // written identically wherever pandas writes CSV (Indexes have none).
    assert_eq!(o.per_family.len(), 60);
    for (f, &(n, r, c)) in &o.per_family {
        assert!(r == n && (c == n || c == 0), "{f}: {n}/{r}/{c}");
    }
    assert_eq!(o.failed, Vec::<String>::new());
}

/// Fixtures pandas 3.1.1 cannot load (Int64Index, FrozenNDArray, old
/// PeriodDtype, 0.20's `pandas.core.categorical`, `pandas._libs.period`):
/// brinery reads them all; the reference is what the writing version
/// printed, so the differences that are only that version's own
/// formatting are listed and asserted exactly.
#[test]
fn fixtures_pandas3_cannot_load() {
    let o = run(false);
    report(&o, "writer reference");
    assert_eq!(o.decoded, o.total, "every fixture decodes");
    assert_eq!(o.per_family.len(), 20);
    let per = per_version(&o);
    assert_eq!(
        per,
        [
            ("0.20.3", (25, 17, 19)),
            ("0.25.3", (25, 23, 21)),
            ("1.5.3", (31, 17, 15)),
        ]
    );
    assert_eq!(
        (o.total, o.repr_ok, o.csv_total, o.csv_ok),
        (81, 57, 69, 55)
    );
    let mut want = Vec::new();
    for p in [2, 4] {
        // 0.20/0.25/1.5 print `Int64Index([1, 2, 3], ...)` where pandas 3
        // (and brinery) say `Index`.
        for v in ["0.20.3", "0.25.3", "1.5.3"] {
            want.push(format!("{v}/idx_int.p{p}.pkl: repr"));
        }
        // 0.20's MultiIndex repr is `MultiIndex(levels=..., labels=...)`.
        want.push(format!("0.20.3/idx_multi.p{p}.pkl: repr"));
        // 0.20 pads an object column of Periods one space less than
        // pandas 3 does for object Periods.
        want.push(format!("0.20.3/period_col.p{p}.pkl: repr"));
        // 0.20 prints `Categories (2, object): [x, y]` without quotes,
        // and its Series.to_csv writes no header row.
        want.push(format!("0.20.3/s_cat.p{p}.pkl: repr"));
        want.push(format!("0.20.3/s_cat.p{p}.pkl: csv"));
        // pandas 1.5 prints ArrowDtype lists and structs from pyarrow's
        // `as_py()` (`[1, 2]`, `{'l': [1, 2]}`); pandas 3 (and brinery)
        // from `to_numpy()` (`[1 2]`, `{'l': array([1, 2])}`). The struct
        // of ints only (arrow_sliced) prints the same in both.
        for name in [
            "arrow_deep",
            "arrow_lists",
            "arrow_nested",
            "arrow_structs",
            "s_arrow_chunked",
            "s_arrow_long",
        ] {
            want.push(format!("1.5.3/{name}.p{p}.pkl: repr"));
            want.push(format!("1.5.3/{name}.p{p}.pkl: csv"));
        }
    }
    let mut got = o.failed.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}
