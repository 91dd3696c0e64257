//! The corpus: every malicious sample (tests/corpus/malicious.json, each
//! from a public advisory or paper) gets its expected verdict and finding;
//! every benign file written by the real libraries (tests/corpus/
//! benign.json: the standard library of Python 2.7 and 3.10-3.13, numpy,
//! pandas, scipy, scikit-learn, joblib and PyTorch, each at several
//! versions, in benign/<library>-<version>/) is safe with no finding above
//! info; the archive tricks of harmless.json (members torch never
//! unpickles) are safe too. The counts are exact: docs/SCANNER.md and the
//! README quote them. Regenerate with gen_benign.py / gen_malicious.py.

use std::path::{Path, PathBuf};

use brinery_scan::{Scanner, Severity, Verdict};

/// Benign files per directory (library and version that wrote them).
const BENIGN: &[(&str, usize)] = &[
    ("earlier", 34),
    ("joblib-1.2.0", 9),
    ("joblib-1.6.0", 9),
    ("numpy-1.26.4", 68),
    ("numpy-2.2.6", 76),
    ("numpy-2.5.5", 76),
    ("pandas-1.5.3", 102),
    ("pandas-2.2.3", 105),
    ("pandas-3.1.1", 102),
    ("scipy-1.11.4", 18),
    ("scipy-1.17.1", 18),
    ("scipy-1.18.1", 18),
    ("sklearn-1.2.2", 72),
    ("sklearn-1.6.1", 72),
    ("sklearn-1.9.1", 72),
    ("stdlib-py2.7", 34),
    ("stdlib-py3.10", 99),
    ("stdlib-py3.11", 99),
    ("stdlib-py3.12", 99),
    ("stdlib-py3.13", 99),
    ("torch-2.15.0", 17),
    ("torch-2.2.2", 17),
];
/// All benign files.
const BENIGN_TOTAL: usize = 1315;
/// Malicious samples (every one must be flagged).
const MALICIOUS_TOTAL: usize = 82;
/// Archive tricks that torch never loads (must stay safe).
const HARMLESS_TOTAL: usize = 2;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn manifest(name: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(corpus().join(name)).unwrap();
    serde_json::from_str::<serde_json::Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Files below `dir`, as paths relative to it with `/`, sorted.
fn files_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

fn listed(dir: &str, entries: &[serde_json::Value]) {
    let on_disk = files_below(&corpus().join(dir));
    let mut names: Vec<String> = entries
        .iter()
        .map(|e| e["file"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(on_disk, names, "{dir}/ and its manifest disagree");
}

/// The manifest `<dir>.json`, checked against the files of `<dir>/` and
/// its expected size.
fn checked_manifest(dir: &str, total: usize) -> Vec<serde_json::Value> {
    let entries = manifest(&format!("{dir}.json"));
    listed(dir, &entries);
    assert_eq!(entries.len(), total, "{dir} corpus size");
    entries
}

#[test]
fn every_malicious_sample_is_flagged_with_its_finding() {
    let entries = checked_manifest("malicious", MALICIOUS_TOTAL);
    let scanner = Scanner::new();
    let mut failures = Vec::new();
    let mut flagged = 0;
    for e in &entries {
        let file = e["file"].as_str().unwrap();
        assert!(
            !e["source"].as_str().unwrap().is_empty(),
            "{file}: no source"
        );
        let want = e["verdict"].as_str().unwrap();
        let finding = e["finding"].as_str().unwrap();
        let r = scanner.scan_path(&corpus().join("malicious").join(file));
        let found = r
            .findings
            .iter()
            .any(|f| f.severity >= Severity::Unknown && f.name.contains(finding));
        if r.verdict.as_str() != want || !found {
            failures.push(format!(
                "{file}: want {want} with {finding:?}, got {} {:?}",
                r.verdict.as_str(),
                r.findings.iter().map(|f| &f.name).collect::<Vec<_>>()
            ));
        }
        if !matches!(r.verdict, Verdict::Safe | Verdict::NotPickle) {
            flagged += 1;
        }
    }
    println!("malicious: {flagged}/{} flagged", entries.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(flagged, MALICIOUS_TOTAL, "every malicious sample flagged");
}

#[test]
fn no_benign_file_is_flagged() {
    let entries = checked_manifest("benign", BENIGN_TOTAL);
    assert_eq!(BENIGN.iter().map(|(_, n)| n).sum::<usize>(), BENIGN_TOTAL);
    for (dir, n) in BENIGN {
        let have = files_below(&corpus().join("benign").join(dir)).len();
        assert_eq!(have, *n, "benign/{dir}: {have} files");
    }
    let mut dirs: Vec<&str> = entries
        .iter()
        .map(|e| e["file"].as_str().unwrap().split('/').next().unwrap())
        .collect();
    dirs.dedup();
    assert_eq!(dirs, BENIGN.iter().map(|(d, _)| *d).collect::<Vec<_>>());
    let scanner = Scanner::new();
    let mut failures = Vec::new();
    let (mut safe, mut above_info, mut bytes) = (0, 0, 0u64);
    for e in &entries {
        let file = e["file"].as_str().unwrap();
        assert!(
            !e["made_by"].as_str().unwrap().is_empty(),
            "{file}: made_by"
        );
        let path = corpus().join("benign").join(file);
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(len <= 1 << 20, "{file}: {len} bytes (keep fixtures small)");
        bytes += len;
        let r = scanner.scan_path(&path);
        above_info += r.issues().count();
        if r.verdict == Verdict::Safe {
            safe += 1;
        }
        if r.verdict != Verdict::Safe
            || r.issues().count() != 0
            // Only numeric .npy/.npz files hold no pickle at all.
            || r.pickles == 0 && !file.ends_with("numeric.npy") && !file.ends_with("compressed.npz")
        {
            failures.push(format!("{file}: {} {:?}", r.verdict.as_str(), r.findings));
        }
    }
    println!(
        "benign: {safe}/{} safe, {above_info} findings above info, {bytes} bytes",
        entries.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!((safe, above_info), (BENIGN_TOTAL, 0));
    assert!(bytes < 4 << 20, "benign corpus grew to {bytes} bytes");
}

/// Archive members torch never unpickles (a pickle hidden as a `data/N`
/// storage, or as TorchScript source under `code/`) are not findings.
#[test]
fn archive_members_torch_never_unpickles_are_harmless() {
    let entries = checked_manifest("harmless", HARMLESS_TOTAL);
    let scanner = Scanner::new();
    for e in &entries {
        let file = e["file"].as_str().unwrap();
        let r = scanner.scan_path(&corpus().join("harmless").join(file));
        assert_eq!(r.verdict, Verdict::Safe, "{file}: {:?}", r.findings);
        assert!(
            r.findings
                .iter()
                .any(|f| f.name == "tensor storages" || f.name == "torchscript"),
            "{file}: the skipped members are listed as info"
        );
    }
}

/// Cutting a malicious sample anywhere after its payload never turns it
/// clean; cutting a benign pickle never makes it look safe unless nothing
/// was read.
#[test]
fn truncations_are_never_clean() {
    let scanner = Scanner::new();
    let data = std::fs::read(corpus().join("malicious/os_system_p0.pkl")).unwrap();
    for cut in 1..data.len() {
        let r = scanner.scan_bytes(&data[..cut]);
        assert!(
            matches!(
                r.verdict,
                Verdict::Unsafe | Verdict::Incomplete | Verdict::NotPickle
            ),
            "cut at {cut}: {:?}",
            r.verdict
        );
        if cut > 11 {
            assert_eq!(r.verdict, Verdict::Unsafe, "cut at {cut}");
            assert!(!r.complete);
        }
    }
    let data = std::fs::read(corpus().join("benign/earlier/stdlib_p2.pkl")).unwrap();
    for cut in 1..data.len() {
        let r = scanner.scan_bytes(&data[..cut]);
        assert_ne!(r.verdict, Verdict::Safe, "cut at {cut}");
    }
}

/// Events-only decoding (the default, here collecting unreachable nodes
/// every few bytes) and whole object graphs give the same report (verdict,
/// findings with offsets, arguments and counts) on every file of both
/// corpora, on the fuzz seeds, and on truncations of the malicious samples.
#[test]
fn events_only_and_full_decoding_agree() {
    let lean = Scanner::new().events_only_stress();
    let full = Scanner::new().events_only(false);
    let seeds = corpus().join("../../../../fuzz/seeds");
    let mut files = Vec::new();
    for dir in ["benign", "malicious", "harmless"] {
        let root = corpus().join(dir);
        files.extend(files_below(&root).into_iter().map(|f| root.join(f)));
    }
    let corpus_files = files.len();
    files.extend(files_below(&seeds).into_iter().map(|f| seeds.join(f)));
    let seed_files = files.len() - corpus_files;
    let mut truncations = 0;
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let a = lean.scan_bytes(&data).to_json();
        let b = full.scan_bytes(&data).to_json();
        assert_eq!(a, b, "{}", path.display());
        if path.starts_with(corpus().join("malicious")) {
            for cut in (1..data.len()).step_by(data.len() / 7 + 1) {
                let a = lean.scan_bytes(&data[..cut]).to_json();
                let b = full.scan_bytes(&data[..cut]).to_json();
                assert_eq!(a, b, "{} cut at {cut}", path.display());
                truncations += 1;
            }
        }
    }
    println!("{corpus_files} corpus files, {seed_files} fuzz seeds, {truncations} truncations: same reports");
    assert_eq!(
        corpus_files,
        BENIGN_TOTAL + MALICIOUS_TOTAL + HARMLESS_TOTAL
    );
    assert!(seed_files >= 100, "{seed_files} fuzz seeds");
}

/// scikit-learn's `_sklearn_version`: every committed scikit-learn file has
/// its estimators checked against the classes of the version that wrote
/// them (an info finding counts them), and edited copies of one get what a
/// user expects: no version → info, a version the tables do not cover →
/// info, a class that version does not define → unknown.
#[test]
fn sklearn_estimators_are_judged_by_their_version() {
    let scanner = Scanner::new();
    let mut checked = 0;
    for (dir, version) in [
        ("sklearn-1.2.2", "1.2.2"),
        ("sklearn-1.6.1", "1.6.1"),
        ("sklearn-1.9.1", "1.9.1"),
    ] {
        let root = corpus().join("benign").join(dir);
        for f in files_below(&root) {
            let r = scanner.scan_path(&root.join(&f));
            let name = format!("scikit-learn {version} estimators");
            let n: u64 = r
                .findings
                .iter()
                .filter(|x| x.name == name && x.severity == Severity::Info)
                .map(|x| x.count)
                .sum();
            assert!(n > 0, "{dir}/{f}: no estimator checked: {:?}", r.findings);
            assert_eq!(r.verdict, Verdict::Safe, "{dir}/{f}");
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 72);

    let data = std::fs::read(corpus().join("benign/sklearn-1.6.1/linear_p2.pkl")).unwrap();
    let edit = |from: &[u8], to: &[u8]| {
        let at = data.windows(from.len()).position(|w| w == from).unwrap();
        let mut d = data.clone();
        d[at..at + from.len()].copy_from_slice(to);
        scanner.scan_bytes(&d)
    };
    let named = |r: &brinery_scan::Report, name: &str| {
        r.findings
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.severity)
    };
    let r = edit(b"_sklearn_version", b"_sklearn_versioX");
    assert_eq!(r.verdict, Verdict::Safe);
    assert_eq!(
        named(&r, "scikit-learn estimators without _sklearn_version"),
        Some(Severity::Info)
    );
    let r = edit(b"1.6.1", b"1.4.0");
    assert_eq!(r.verdict, Verdict::Safe);
    assert_eq!(
        named(&r, "scikit-learn 1.4.0 estimators"),
        Some(Severity::Info)
    );
    let r = edit(b"\nLinearRegression\n", b"\nLinearRegressioZ\n");
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(
        named(&r, "sklearn.linear_model._base.LinearRegressioZ"),
        Some(Severity::Unknown)
    );
}
