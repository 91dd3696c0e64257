//! The corpus: every malicious sample (tests/corpus/malicious.json, each
//! from a public advisory or paper) gets its expected verdict and finding;
//! every benign file written by the real libraries (tests/corpus/
//! benign.json: numpy, pandas, scikit-learn, joblib, PyTorch) is safe.
//! Regenerate with gen_malicious.py / gen_benign.py.

use std::path::{Path, PathBuf};

use brinery_scan::{Scanner, Severity, Verdict};

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

fn listed(dir: &str, entries: &[serde_json::Value]) {
    let mut on_disk: Vec<String> = std::fs::read_dir(corpus().join(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut names: Vec<String> = entries
        .iter()
        .map(|e| e["file"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(on_disk, names, "{dir}/ and its manifest disagree");
}

#[test]
fn every_malicious_sample_is_flagged_with_its_finding() {
    let entries = manifest("malicious.json");
    listed("malicious", &entries);
    assert!(entries.len() >= 70, "corpus shrank: {}", entries.len());
    let scanner = Scanner::new();
    let mut failures = Vec::new();
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
        assert!(
            !matches!(r.verdict, Verdict::Safe | Verdict::NotPickle),
            "{file} passed as clean"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn no_benign_file_is_flagged() {
    let entries = manifest("benign.json");
    listed("benign", &entries);
    assert!(entries.len() >= 30, "corpus shrank: {}", entries.len());
    let scanner = Scanner::new();
    let mut failures = Vec::new();
    for e in &entries {
        let file = e["file"].as_str().unwrap();
        let r = scanner.scan_path(&corpus().join("benign").join(file));
        if r.verdict != Verdict::Safe
            || r.issues().count() != 0
            || r.pickles == 0 && !file.ends_with(".npy")
        {
            failures.push(format!("{file}: {} {:?}", r.verdict.as_str(), r.findings));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
    let data = std::fs::read(corpus().join("benign/stdlib_p2.pkl")).unwrap();
    for cut in 1..data.len() {
        let r = scanner.scan_bytes(&data[..cut]);
        assert_ne!(r.verdict, Verdict::Safe, "cut at {cut}");
    }
}
