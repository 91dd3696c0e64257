//! End-to-end runs of the `compare` binary on tiny workloads written by
//! brinery itself (no python3 needed: `--no-python`).

use std::path::PathBuf;
use std::process::Command;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("brinery-bench-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `(1, 2, …, 20)` and 50 rows sharing one dict (with a memoized list
/// inside, which serde-pickle 1.x rejects as recursive).
fn write_workloads(dir: &std::path::Path) {
    let mut g = brinery::Graph::new();
    let items: Vec<_> = (1..=20).map(|i| g.int(i)).collect();
    let t = g.tuple(items);
    g.set_root(t);
    std::fs::write(dir.join("small_tuple.pkl"), brinery::dumps(&g, 5).unwrap()).unwrap();

    let mut g = brinery::Graph::new();
    let (k1, v1) = (g.str("source"), g.str("sensor"));
    let (a, b) = (g.float(1.0), g.float(0.5));
    let cal = g.list(vec![a, b]);
    let k2 = g.str("calibration");
    let meta = g.dict(vec![(k1, v1), (k2, cal)]).unwrap();
    let rows: Vec<_> = (0..50)
        .map(|i| {
            let (kid, vid, kmeta) = (g.str("id"), g.int(i), g.str("meta"));
            g.dict(vec![(kid, vid), (kmeta, meta)]).unwrap()
        })
        .collect();
    let root = g.list(rows);
    g.set_root(root);
    std::fs::write(dir.join("nested.pkl"), brinery::dumps(&g, 5).unwrap()).unwrap();
}

#[test]
fn compare_runs_and_reports_serde_pickle_failure_as_a_cell() {
    let dir = temp_dir("run");
    write_workloads(&dir);
    let md = dir.join("out.md");
    let out = Command::new(env!("CARGO_BIN_EXE_compare"))
        .arg("--data")
        .arg(&dir)
        .args(["--runs", "1", "--no-python", "--no-memory", "--markdown"])
        .arg(&md)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    // The missing workloads are skipped with a message.
    assert!(stderr.contains("SKIP records"), "{stderr}");
    let md = std::fs::read_to_string(&md).unwrap();
    for want in [
        "### Decode",
        "### Encode",
        "| small_tuple | 55 B |",
        "FAILS (recursive structure found)",
        "### Issue 6 targets",
        "| decode nested vs serde-pickle |",
    ] {
        assert!(md.contains(want), "missing {want:?} in:\n{md}");
    }
    // brinery's own pickles round-trip byte-identically: the encode rows
    // (the second row of each workload) say "yes".
    for name in ["small_tuple", "nested"] {
        let row = md
            .lines()
            .filter(|l| l.starts_with(&format!("| {name} |")))
            .nth(1)
            .unwrap_or_else(|| panic!("no encode row for {name}:\n{md}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells[3], "yes", "{row}");
    }
    assert!(stdout.contains("Decode (best time per load)"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compare_measures_peak_memory_in_child_processes() {
    let dir = temp_dir("child");
    write_workloads(&dir);
    for mode in ["graph", "mmap", "typed", "serde-pickle"] {
        let out = Command::new(env!("CARGO_BIN_EXE_compare"))
            .args(["--child", mode, "ints"])
            .arg(dir.join("small_tuple.pkl"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("baseline ") && stdout.contains("peak "),
            "{mode}: {stdout}"
        );
    }
    // A decoder failure is reported by the child, not a crash of the parent.
    let out = Command::new(env!("CARGO_BIN_EXE_compare"))
        .args(["--child", "serde-pickle", "dynamic"])
        .arg(dir.join("nested.pkl"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("recursive"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compare_without_data_says_how_to_make_it() {
    let dir = temp_dir("empty");
    let out = Command::new(env!("CARGO_BIN_EXE_compare"))
        .arg("--data")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("scripts/bench_data.py"));
    let _ = std::fs::remove_dir_all(&dir);
}
