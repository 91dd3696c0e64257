//! `brine show`, `brine export OUT.csv` and `brine json --plain` on the
//! pandas fixtures of brinery-pandas (made by real pandas; expected output
//! recorded from pandas 3.1.1).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn brine() -> Command {
    Command::new(env!("CARGO_BIN_EXE_brine"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../brinery-pandas/tests/fixtures")
}

/// `brine export PKL TARGET` as a job for tests/py/check_tables.py:
/// `[pickle, target or null when brine refused, ext]`.
fn table_job(pkl: &Path, target: &Path, ext: &str) -> serde_json::Value {
    let out = brine().arg("export").arg(pkl).arg(target).output().unwrap();
    let target = out.status.success().then_some(target);
    serde_json::json!([pkl, target, ext])
}

/// check_tables.py's verdict on every job, keyed `pickle.ext`.
fn check_tables(
    py: &str,
    dir: &Path,
    jobs: &[serde_json::Value],
) -> serde_json::Map<String, serde_json::Value> {
    let jobs_file = dir.join("jobs.json");
    std::fs::write(&jobs_file, serde_json::to_vec(jobs).unwrap()).unwrap();
    let script = fixtures().join("../py/check_tables.py");
    let text = brinery_testutil::run(
        py,
        &[script.to_str().unwrap(), jobs_file.to_str().unwrap()],
        &[],
    );
    serde_json::from_str(&text).unwrap()
}

fn expected() -> serde_json::Map<String, serde_json::Value> {
    let text = std::fs::read(fixtures().join("expected.json")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&text).unwrap();
    v.as_object().unwrap().clone()
}

/// Every fixture pandas 3.1.1 loads: `brine show` prints its repr and
/// `brine export x.csv` writes its to_csv(), byte for byte.
#[test]
fn show_and_export_every_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let (mut n, mut show_ok, mut ncsv, mut csv_ok) = (0, 0, 0, 0);
    let mut failed = Vec::new();
    for (key, e) in expected() {
        if e["source"].as_str() != Some("3.1.1") {
            continue;
        }
        n += 1;
        let file = fixtures().join(&key);
        let out = brine().arg("show").arg(&file).output().unwrap();
        let want = format!("{}\n", e["repr"].as_str().unwrap());
        if out.status.success() && String::from_utf8_lossy(&out.stdout) == want {
            show_ok += 1;
        } else {
            failed.push(format!("show {key}"));
            eprintln!(
                "show {key}:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if let Some(csv) = e["csv"].as_str() {
            ncsv += 1;
            let target = dir.path().join("out.csv");
            let st = brine()
                .arg("export")
                .arg(&file)
                .arg(&target)
                .status()
                .unwrap();
            if st.success() && std::fs::read_to_string(&target).unwrap() == csv {
                csv_ok += 1;
            } else {
                failed.push(format!("export {key}"));
                eprintln!("export {key} differs");
            }
        }
    }
    eprintln!("brine show: {show_ok}/{n} equal to pandas' repr; brine export .csv: {csv_ok}/{ncsv} byte-identical");
    assert_eq!((n, show_ok, ncsv, csv_ok), (512, 512, 469, 469));
    assert_eq!(failed, Vec::<String>::new());
}

#[test]
fn export_path_and_format() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixtures().join("3.1.1/dict_of_frames.p4.pkl");
    // Two frames: --path is required.
    let out = brine()
        .arg("export")
        .arg(&f)
        .arg(dir.path().join("x.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("['train'], ['test']"));
    // --path in both spellings; --format overrides the extension.
    for p in ["['test']", "test"] {
        let target = dir.path().join("t.txt");
        let st = brine()
            .args(["export", "--format", "csv", "--path", p])
            .arg(&f)
            .arg(&target)
            .status()
            .unwrap();
        assert!(st.success());
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            ",name,city\n0,alice,Paris\n1,bob,Oslo\n2,,Rome\n3,dora,Lima\n"
        );
    }
    let out = brine()
        .args(["export", "--path", "nope"])
        .arg(&f)
        .arg(dir.path().join("y.csv"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no DataFrame at 'nope'"));
}

#[test]
fn json_plain_is_records() {
    let f = fixtures().join("3.1.1/multiindex.p4.pkl");
    let out = brine().args(["json", "--plain"]).arg(&f).output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!([
            {"k": "a", "n": 1, "x": 1, "y": 0.5},
            {"k": "a", "n": 2, "x": 2, "y": 0.25},
            {"k": "b", "n": 1, "x": 3, "y": 0.125},
            {"k": "b", "n": 2, "x": 4, "y": 1.0}
        ])
    );
    // Missing values are null; datetimes are text.
    let f = fixtures().join("3.1.1/datetimes.p4.pkl");
    let out = brine().args(["json", "--plain"]).arg(&f).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[2]["naive"], serde_json::Value::Null);
    assert_eq!(v[0]["index"], 0);
    assert!(v[0]["berlin"]
        .as_str()
        .unwrap()
        .starts_with("2020-01-01 10:00:00"));
}

/// `json --plain` gives nested ArrowDtype values (lists, structs,
/// dictionaries) as JSON arrays, objects and scalars: each such column
/// equals pyarrow's `to_pylist()` of it (NaN as null), and periods are
/// their text.
#[test]
fn json_plain_nested_like_pyarrow() {
    let Some(py) = brinery_testutil::python(&["pandas", "pyarrow"], "nested JSON against pyarrow")
    else {
        return;
    };
    let script = r#"
import sys, json, math, pandas as pd, pyarrow as pa
def clean(x):
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, list):
        return [clean(y) for y in x]
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    return x
out = {}
for f in sys.argv[1:]:
    df = pd.read_pickle(f)
    out[f] = {c: clean(pa.array(df[c].array).to_pylist()) for c in df.columns
              if isinstance(df[c].dtype, pd.ArrowDtype)}
print(json.dumps(out))
"#;
    let names = [
        "arrow_lists",
        "arrow_structs",
        "arrow_nested",
        "arrow_deep",
        "arrow_sliced",
    ];
    let files: Vec<String> = names
        .iter()
        .map(|n| {
            fixtures()
                .join(format!("3.1.1/{n}.p5.pkl"))
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut args = vec!["-c", script];
    args.extend(files.iter().map(String::as_str));
    let want: serde_json::Value =
        serde_json::from_str(&brinery_testutil::run(&py, &args, &[])).unwrap();
    let mut columns = 0;
    for f in &files {
        let out = brine().args(["json", "--plain"]).arg(f).output().unwrap();
        assert!(out.status.success(), "{f}");
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rows = rows.as_array().unwrap();
        for (col, values) in want[f.as_str()].as_object().unwrap() {
            let got: Vec<serde_json::Value> = rows.iter().map(|r| r[col].clone()).collect();
            assert_eq!(&serde_json::Value::Array(got), values, "{f}: column {col}");
            columns += 1;
        }
    }
    eprintln!("nested JSON: {columns} ArrowDtype columns equal to pyarrow's to_pylist()");
    assert!(columns >= 10, "only {columns} nested columns compared");
    let f = fixtures().join("3.1.1/period_col.p4.pkl");
    let out = brine().args(["json", "--plain"]).arg(&f).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["p"], "2020-01-01");
}

/// Every DataFrame fixture pandas 3.1.1 loads, exported to Parquet and to
/// Arrow IPC (Feather v2) by brine, read back by pandas/pyarrow
/// (`pd.read_parquet`, `pd.read_feather`) and compared with
/// `pd.testing.assert_frame_equal` against `pd.read_pickle` of the fixture
/// ("equal"), else against what pandas' own `to_parquet`/`to_feather`
/// reads back as ("as-pandas"); see tests/py/check_tables.py.
#[test]
fn parquet_and_arrow_read_back_equal_in_pandas() {
    let Some(py) = brinery_testutil::python(&["pandas", "pyarrow"], "Parquet/Arrow read-back")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut jobs = Vec::new();
    let mut frames = 0;
    for (key, e) in expected() {
        if e["source"].as_str() != Some("3.1.1") || e["kind"].as_str() != Some("frame") {
            continue;
        }
        frames += 1;
        let file = fixtures().join(&key);
        for ext in ["parquet", "feather"] {
            let target = dir.path().join(format!("{}.{ext}", key.replace('/', "_")));
            jobs.push(table_job(&file, &target, ext));
        }
    }
    let res = check_tables(&py, dir.path(), &jobs);
    let count = |ext: &str, verdict: &str| {
        res.iter()
            .filter(|(k, v)| k.ends_with(ext) && v.as_str() == Some(verdict))
            .count()
    };
    for (k, v) in &res {
        let v = v.as_str().unwrap_or("");
        if !matches!(
            v,
            "equal"
                | "as-pandas"
                | "pandas-refuses"
                | "pandas-cannot-read-back"
                | "equal-pyarrow-backend"
                | "as-pandas-pyarrow-backend"
        ) {
            eprintln!("{k}: {v}");
        }
    }
    let mut summary = Vec::new();
    for ext in [".parquet", ".feather"] {
        let (eq, asp, refuse, unread) = (
            count(ext, "equal"),
            count(ext, "as-pandas"),
            count(ext, "pandas-refuses"),
            count(ext, "pandas-cannot-read-back"),
        );
        // ArrowDtype lists/structs/dictionaries: pandas cannot read back
        // its own file with default dtypes; with dtype_backend="pyarrow".
        let (eq_pa, asp_pa) = (
            count(ext, "equal-pyarrow-backend"),
            count(ext, "as-pandas-pyarrow-backend"),
        );
        eprintln!(
            "{ext}: {frames} DataFrame fixtures: read back equal {eq}, equal to pandas' own round trip {asp}, \
             refused like pandas {refuse}, refused where pandas cannot read its own file {unread}, \
             with dtype_backend=\"pyarrow\" equal {eq_pa} / as pandas' own {asp_pa}, other {}",
            frames - eq - asp - refuse - unread - eq_pa - asp_pa
        );
        summary.push((eq, asp, refuse, unread, eq_pa, asp_pa));
    }
    // Per dtype (the protocol-4 fixture from pandas 3.1.1), Parquet and
    // Feather verdicts.
    let verdict = |name: &str, ext: &str| {
        let k = res
            .keys()
            .find(|k| k.ends_with(&format!("3.1.1/{name}.p4.pkl.{ext}")))
            .unwrap_or_else(|| panic!("no verdict for {name}.{ext}"));
        res[k]
            .as_str()
            .unwrap()
            .split(':')
            .next()
            .unwrap()
            .to_string()
    };
    let table: Vec<(&str, String, String)> = [
        "numeric",
        "datetimes",
        "units",
        "categorical",
        "ordered_cat",
        "nullable",
        "string_pyarrow",
        "period_col",
        "bperiod",
        "interval_col",
        "multi_columns",
        "multiindex",
        "attrs",
        "fixed_width",
        "sparse",
        "complex",
        "complex_edge",
        "arrow_nested",
        "arrow_lists",
        "arrow_deep",
        "arrow_structs",
        "arrow_sliced",
    ]
    .into_iter()
    .map(|n| (n, verdict(n, "parquet"), verdict(n, "feather")))
    .collect();
    for (n, p, f) in &table {
        eprintln!("{n}: parquet {p}, feather {f}");
    }
    let t = |n: &'static str, p: &str, f: &str| (n, p.to_string(), f.to_string());
    assert_eq!(
        table,
        vec![
            t("numeric", "equal", "equal"),
            t("datetimes", "equal", "equal"),
            // Parquet has no seconds unit: read back as pandas' own file.
            t("units", "as-pandas", "equal"),
            // Text categories keep their order (the Parquet dictionary
            // page is written in category order, see brinery-pandas'
            // pq.rs); pyarrow reads the integer categories column back
            // as int64, for pandas' own file too.
            t("categorical", "as-pandas", "equal"),
            t("ordered_cat", "equal", "equal"),
            t("nullable", "equal", "equal"),
            t("string_pyarrow", "equal", "equal"),
            t("period_col", "equal", "equal"),
            t("bperiod", "equal", "equal"),
            t("interval_col", "equal", "equal"),
            t("multi_columns", "equal", "equal"),
            t("multiindex", "equal", "equal"),
            t("attrs", "equal", "equal"),
            t("fixed_width", "equal", "equal"),
            t("sparse", "pandas-refuses", "pandas-refuses"),
            t("complex", "pandas-refuses", "pandas-refuses"),
            t("complex_edge", "pandas-refuses", "pandas-refuses"),
            // Read back with dtype_backend="pyarrow" (pandas cannot read
            // its own file of these with the default dtypes).
            t(
                "arrow_nested",
                "equal-pyarrow-backend",
                "equal-pyarrow-backend"
            ),
            t(
                "arrow_lists",
                "equal-pyarrow-backend",
                "equal-pyarrow-backend"
            ),
            t(
                "arrow_deep",
                "equal-pyarrow-backend",
                "equal-pyarrow-backend"
            ),
            // Parquet stores the int8 dictionary index as int32 (pandas'
            // own file reads back the same).
            t(
                "arrow_structs",
                "as-pandas-pyarrow-backend",
                "equal-pyarrow-backend"
            ),
            t(
                "arrow_sliced",
                "equal-pyarrow-backend",
                "equal-pyarrow-backend"
            ),
        ]
    );
    // "other": only the two 2.2.3 arrow_structs Parquet files (the int8
    // dictionary index comes back as int32, and pandas 3 cannot compare
    // the 2.x ArrowDtype: it has no `_storage`). Categorical order is kept
    // (it was 16 more "other" before the dictionary page was written in
    // category order).
    assert_eq!(
        (frames, summary),
        (
            382,
            vec![(101, 232, 24, 0, 12, 11), (111, 222, 24, 0, 15, 10)]
        )
    );
}

/// joblib files (plain and compressed) of a DataFrame: shown and exported
/// like the pickle of the same frame.
#[test]
fn joblib_frames() {
    let e = expected();
    let want = &e["3.1.1/numeric.p4.pkl"];
    let dir = tempfile::tempdir().unwrap();
    for f in ["numeric.joblib", "numeric.joblib.gz"] {
        let file = fixtures().join("3.1.1").join(f);
        let out = brine().arg("show").arg(&file).output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("{}\n", want["repr"].as_str().unwrap())
        );
        let target = dir.path().join("j.csv");
        assert!(brine()
            .arg("export")
            .arg(&file)
            .arg(&target)
            .status()
            .unwrap()
            .success());
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            want["csv"].as_str().unwrap()
        );
    }
}

/// `brine show --path` on a frame inside a dict prints the frame as
/// pandas does (the renderer applies at the picked node, not only at the
/// root), and `export --path` writes that frame.
#[test]
fn show_path_renders_nested_frame() {
    let e = expected();
    let f = fixtures().join("3.1.1/dict_of_frames.p4.pkl");
    for (path, key) in [
        ("['train']", "3.1.1/numeric.p4.pkl"),
        ("['test']", "3.1.1/strings.p4.pkl"),
    ] {
        let out = brine()
            .args(["show", "--path", path])
            .arg(&f)
            .output()
            .unwrap();
        common::assert_success(&out);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("{}\n", e[key]["repr"].as_str().unwrap()),
            "show --path {path}"
        );
    }
    // The root (a dict) is still shown as a dict.
    let out = brine().arg("show").arg(&f).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("[4 rows x"));
}

/// Frames longer than pandas' CSV chunk (100,000 cells): pandas formats
/// each chunk on its own, so a datetime column or index prints dates only
/// in the chunks whose times are all midnight. `brine export x.csv` must
/// match `to_csv()` byte for byte across chunk boundaries.
#[test]
fn csv_chunks_like_pandas() {
    let Some(py) = brinery_testutil::python(&["pandas"], "CSV chunking against pandas") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("make.py");
    std::fs::write(
        &script,
        r#"
import sys, pandas as pd
out = sys.argv[1]
n = 30000
ts = pd.Series(pd.date_range("2020-01-01", periods=n, freq="D"))
ts.iloc[-1] += pd.Timedelta(hours=1)
# 2 columns: chunks of 50,000 rows.
days = pd.Series(pd.date_range("2020-01-01", periods=120_000, freq="h").normalize())
days.iloc[-1] += pd.Timedelta(hours=1)
cases = {
    # 8 columns: chunks of 12,500 rows; only the last chunk has a time.
    "columns": pd.DataFrame({"a": ts, **{c: i for i, c in enumerate("bcdefgh")}}),
    # The same beside a DatetimeIndex and a tz-aware column.
    "index": pd.DataFrame(
        {"d": days.array, "t": days.dt.tz_localize("Europe/Berlin").array},
        index=pd.DatetimeIndex(days),
    ),
    # A Series: chunks of 100,000 rows.
    "series": pd.Series(pd.date_range("2020-01-01", periods=100_001, freq="h").normalize()).where(
        lambda s: s.index < 100_000, pd.Timestamp("2031-01-01 12:00")
    ),
}
for name, obj in cases.items():
    obj.to_pickle(f"{out}/{name}.pkl")
    obj.to_csv(f"{out}/{name}.csv")
print(len(cases))
"#,
    )
    .unwrap();
    let made = brinery_testutil::run(
        &py,
        &[script.to_str().unwrap(), dir.path().to_str().unwrap()],
        &[],
    );
    assert_eq!(made.trim(), "3");
    for name in ["columns", "index", "series"] {
        let target = dir.path().join(format!("{name}.out.csv"));
        let out = brine()
            .arg("export")
            .arg(dir.path().join(format!("{name}.pkl")))
            .arg(&target)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want = std::fs::read(dir.path().join(format!("{name}.csv"))).unwrap();
        let got = std::fs::read(&target).unwrap();
        // The case is only a test if pandas' output mixes both forms.
        let text = String::from_utf8_lossy(&want);
        let dates_only = text
            .lines()
            .any(|l| l.ends_with("-01") || l.contains("-01,"));
        assert!(dates_only && text.contains(":00:00"), "{name}: {text:.200}");
        assert!(
            got == want,
            "{name}: brine's CSV differs from pandas' to_csv()"
        );
    }
    eprintln!("csv chunks: 3 frames over pandas' chunk size, byte-identical");
}

/// Index reprs and index labels beyond the committed fixtures, made by
/// pandas at test time: float/float32 Indexes (Python float reprs, NaN,
/// inf, exponents), complex Indexes with NaN parts, long Indexes wrapped and
/// right-justified or truncated to 10 + 10 values with `length=`, text
/// that is not justified, long names pushed onto their own line, and
/// frames/Series whose float or complex index has NaN (left-justified
/// with a space for the sign), TimedeltaIndex with a frequency,
/// categorical footers and `categories=[...]` (4 + 4 beyond eight,
/// wrapped at the width), Interval Indexes, empty frames with
/// dimensions, time zones after 2037 (zoneinfo keeps daylight saving,
/// pytz does not). `brine show` must print pandas' repr.
#[test]
fn index_reprs_like_pandas() {
    let Some(py) = brinery_testutil::python(&["pandas"], "Index reprs against pandas") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import sys, json, numpy as np, pandas as pd
# The display options the fixtures are recorded with (outside a terminal).
pd.set_option("display.max_columns", 20)
pd.set_option("display.width", 80)
out = sys.argv[1]
nan = float("nan")
cases = {
    "f_short": pd.Index([1.5, 2.25]),
    "f_nan": pd.Index([0.1, 0.25, nan]),
    "f_exp": pd.Index([1e-7, 1.0, 1e20]),
    "f_inf": pd.Index([np.inf, -np.inf, 0.0, -0.0]),
    "f32": pd.Index(np.array([0.1, 2.25], dtype="float32")),
    "f_wrap": pd.Index([i / 3 for i in range(12)]),
    "f_long": pd.Index(np.arange(300) * 1.25),
    "i_wrap": pd.Index(range(0, 3000, 97)).astype("int64"),
    "i_long": pd.Index(np.arange(1000) ** 2),
    "s_wrap": pd.Index(["word%d" % i for i in range(30)]),
    "s_long": pd.Index(["w%d" % i for i in range(150)], name="words"),
    "dt_long": pd.date_range("2020-01-01", periods=120, freq="D"),
    "cat_long": pd.CategoricalIndex(["a", "b", "c"] * 40),
    "c_nan": pd.Index([1 + 2j, 3 - 0.5j, complex(nan, 0)]),
    "long_name": pd.Index([1, 2, 3], name="a rather long index name " * 3),
    "frame_f_nan": pd.DataFrame({"a": [1, 2, 3]}, index=pd.Index([1.5, nan, -2.25])),
    "frame_c_nan": pd.DataFrame({"a": [1, 2, 3]}, index=pd.Index([1 + 2j, 3 - 0.5j, complex(nan, 0)])),
    "series_c_nan": pd.Series([1, 2], index=pd.Index([complex(nan, nan), 2j]), name="s"),
    "td_long": pd.timedelta_range("1 day", periods=130, freq="7h"),
    "period_wrap": pd.period_range("2020-01", periods=30, freq="M"),
    "interval_wrap": pd.interval_range(0, 40, periods=20),
    "cat_int_wrap": pd.CategoricalIndex(list(range(0, 3000, 100))),
    "bool_wrap": pd.Index([True, False] * 20),
    "obj_mixed": pd.Index(["a", 1, 2.5, None] * 30),
    "td_frame": pd.DataFrame({"a": [1, 2, 3]}, index=pd.timedelta_range("1 day", periods=3, freq="7h")),
    "cat_footer_wrap": pd.Series(pd.Categorical(["c%02d" % i for i in range(12)])),
    "cat_footer_ordered": pd.Series(pd.Categorical(list("abcdefghijkl"), ordered=True)),
    "cat_footer_float": pd.Series(pd.Categorical([0.1, 0.25, 0.5])),
    "cat_footer_object": pd.Series(pd.Categorical(pd.array(["it's", "x"], dtype=object))),
    "cat_index_float": pd.CategoricalIndex([0.1, 0.25, 0.5]),
    "interval_float": pd.interval_range(0.0, 3.0, periods=3, closed="left"),
    "interval_nan": pd.IntervalIndex.from_tuples([(0, 1), None, (2, 3)], closed="both"),
    "quotes": pd.Index(["it's", "a\tb", 'q"'], name="n'm"),
    "quotes_object": pd.Index(["it's", "x"], dtype=object),
    "quotes_cat": pd.CategoricalIndex(["it's", "a\nb"]),
    "quotes_multi": pd.MultiIndex.from_tuples([("it's", 1), ("x", 2)], names=["k'", None]),
    "multi_long": pd.MultiIndex.from_product([["a", "bb"], range(75)], names=["k", "n"]),
    "multi_unnamed": pd.MultiIndex.from_product([["a", "bb"], range(3)]),
    "multi_one_level": pd.MultiIndex.from_arrays([["x", "yy"]]),
    "empty_wide": pd.DataFrame(columns=["c%d" % i for i in range(25)]),
    "empty_long": pd.DataFrame(index=range(100)),
}
# Daylight saving after 2037, where the tz database's tables end:
# zoneinfo goes on with the zone's rule, pytz stays on standard time.
# (dateutil's tzfile pickles a path and reads the unpickling machine's
# file, so its answer is that machine's.)
import pytz
when = pd.to_datetime(["2037-07-01 00:00", "2040-01-01 12:00", "2050-07-01 12:00", "2262-04-01 00:00"], utc=True)
for label, tz in [("zoneinfo", "Europe/Berlin"), ("pytz", pytz.timezone("Europe/Berlin")),
                  ("new_york", "America/New_York"), ("sydney", "Australia/Sydney")]:
    cases["tz_" + label] = pd.DataFrame({"t": pd.Series(when).dt.tz_convert(tz)})
want = {}
for k, obj in cases.items():
    pd.to_pickle(obj, f"{out}/{k}.pkl")
    want[k] = repr(obj)
print(json.dumps(want))
"#;
    let text = brinery_testutil::run(&py, &["-c", script, dir.path().to_str().unwrap()], &[]);
    let want: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut failed = Vec::new();
    for (k, v) in &want {
        let out = brine()
            .arg("show")
            .arg(dir.path().join(format!("{k}.pkl")))
            .output()
            .unwrap();
        let got = String::from_utf8_lossy(&out.stdout);
        if got.trim_end_matches('\n') != v.as_str().unwrap() {
            failed.push(format!(
                "{k}:\n--- pandas\n{}\n--- brine\n{got}",
                v.as_str().unwrap()
            ));
        }
    }
    eprintln!(
        "index reprs: {}/{} identical to pandas",
        want.len() - failed.len(),
        want.len()
    );
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert_eq!(want.len(), 45);
}

/// 120 random DataFrames and Series made by pandas at test time
/// (tests/py/random_frames.py of brinery-pandas, fixed seeds): 23 kinds of
/// column, 0-200 rows, 1-25 columns, five kinds of index, MultiIndex
/// columns. `brine show` must print each one's repr and `brine export
/// x.csv` write its `to_csv()`, byte for byte.
#[test]
fn random_frames_like_pandas() {
    let Some(py) = brinery_testutil::python(
        &["pandas", "pytz", "pyarrow"],
        "random frames against pandas",
    ) else {
        return;
    };
    let mut jobs = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let script = fixtures().join("../py/random_frames.py");
    let (mut n, mut repr_ok, mut csv_ok) = (0, 0, 0);
    let mut failed = Vec::new();
    for seed in ["1", "2", "3"] {
        let text = brinery_testutil::run(
            &py,
            &[
                script.to_str().unwrap(),
                dir.path().to_str().unwrap(),
                seed,
                "40",
            ],
            &[],
        );
        let want: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
        for (key, w) in &want {
            n += 1;
            let pkl = dir.path().join(format!("{key}.pkl"));
            let out = brine().arg("show").arg(&pkl).output().unwrap();
            let got = String::from_utf8_lossy(&out.stdout);
            if got.trim_end_matches('\n') == w["repr"].as_str().unwrap() {
                repr_ok += 1;
            } else {
                failed.push(format!("{key}: repr\n{}\n--- brine\n{got}", w["repr"]));
            }
            if w["repr"].as_str().is_some_and(|r| !r.contains("dtype: ")) {
                // A DataFrame: Parquet and Feather too, read back below.
                for ext in ["parquet", "feather"] {
                    let target = dir.path().join(format!("{key}.{ext}"));
                    jobs.push(table_job(&pkl, &target, ext));
                }
            }
            let csv = dir.path().join(format!("{key}.csv"));
            let out = brine().arg("export").arg(&pkl).arg(&csv).output().unwrap();
            let got = std::fs::read_to_string(&csv).unwrap_or_default();
            if out.status.success() && got == w["csv"].as_str().unwrap() {
                csv_ok += 1;
            } else {
                failed.push(format!("{key}: csv"));
            }
        }
    }
    eprintln!("random frames: {n} objects, repr identical {repr_ok}, CSV identical {csv_ok}");
    for f in failed.iter().take(5) {
        eprintln!("FAIL {f}");
    }
    assert_eq!((n, repr_ok, csv_ok), (120, 120, 120));
    // Parquet/Feather of the frames, read back by pandas (check_tables.py:
    // equal to the pickle, or to pandas' own round trip, or refused where
    // pandas refuses too; nothing else).
    let res = check_tables(&py, dir.path(), &jobs);
    let mut tally = std::collections::BTreeMap::new();
    for (k, v) in &res {
        let v = v.as_str().unwrap_or("");
        *tally
            .entry(v.split(':').next().unwrap_or("").to_string())
            .or_insert(0) += 1;
        if !matches!(v, "equal" | "as-pandas" | "pandas-refuses") {
            eprintln!("{k}: {v}");
        }
    }
    eprintln!(
        "random frames: {} Parquet/Feather outputs: {tally:?}",
        res.len()
    );
    assert!(res.len() >= 100, "only {} table outputs", res.len());
    assert!(
        res.values()
            .all(|v| matches!(v.as_str(), Some("equal" | "as-pandas" | "pandas-refuses"))),
        "a table read back differently from pandas' own"
    );
    assert!(tally.get("equal").copied().unwrap_or(0) >= 30);
}
