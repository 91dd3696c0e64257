//! The library API: verdicts, offsets, the EXT retry, getattr handling,
//! tails, policies, JSON and SARIF.

use brinery_scan::{sarif, FindingKind, Policy, Scanner, Severity, Verdict};

fn names(r: &brinery_scan::Report) -> Vec<String> {
    r.issues().map(|f| f.name.clone()).collect()
}

#[test]
fn offsets_opcodes_and_discarded_calls() {
    let data = b"\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00echoq\x01\x85R0}.";
    let r = Scanner::new().scan_bytes(data);
    assert_eq!(r.verdict, Verdict::Unsafe);
    assert!(r.complete);
    let import = &r.findings[0];
    assert_eq!(
        (import.kind, import.offset, import.opcode.as_deref()),
        (FindingKind::Import, Some(2), Some("GLOBAL"))
    );
    let call = &r.findings[1];
    assert_eq!(
        (call.kind, call.offset, call.opcode.as_deref()),
        (FindingKind::Call, Some(27), Some("REDUCE"))
    );
}

#[test]
fn safe_data_and_not_pickles() {
    let s = Scanner::new();
    assert_eq!(s.scan_bytes(b"\x80\x04K\x01.").verdict, Verdict::Safe);
    assert_eq!(s.scan_bytes(b"hello world").verdict, Verdict::NotPickle);
    assert_eq!(s.scan_bytes(b"").verdict, Verdict::NotPickle);
    // A truncated pickle is incomplete, never safe.
    let r = s.scan_bytes(b"\x80\x02]q\x00(K\x01");
    assert_eq!(r.verdict, Verdict::Incomplete);
    assert_eq!(r.findings[0].kind, FindingKind::Incomplete);
}

#[test]
fn getattr_of_a_safe_nested_name_is_safe_and_of_anything_else_is_not() {
    let s = Scanner::new();
    // getattr(collections.OrderedDict, 'fromkeys'): unknown (not allowed), not unsafe.
    let r = s.scan_bytes(
        b"\x80\x02cbuiltins\ngetattr\nccollections\nOrderedDict\nX\x08\x00\x00\x00fromkeys\x86R.",
    );
    assert_eq!(r.verdict, Verdict::Unknown, "{:?}", r.findings);
    assert_eq!(names(&r), ["collections.OrderedDict.fromkeys"]);
    let p = Policy::new().allow("collections.OrderedDict.fromkeys");
    let r = Scanner::new().policy(p).scan_bytes(
        b"\x80\x02cbuiltins\ngetattr\nccollections\nOrderedDict\nX\x08\x00\x00\x00fromkeys\x86R.",
    );
    assert_eq!(r.verdict, Verdict::Safe, "{:?}", r.findings);
    // getattr imported and never called.
    let r = s.scan_bytes(b"\x80\x02cbuiltins\ngetattr\n.");
    assert_eq!(r.verdict, Verdict::Unsafe);
}

#[test]
fn ext_codes_are_unknown_and_decoding_continues() {
    let r = Scanner::new().scan_bytes(b"\x80\x02\x82\x01\x82\x02\x86cos\nsystem\n\x86.");
    assert_eq!(r.verdict, Verdict::Unsafe, "{:?}", r.findings);
    let n = names(&r);
    assert!(n.contains(&"extension code 1".to_string()));
    assert!(n.contains(&"extension code 2".to_string()));
    assert!(n.contains(&"os.system".to_string()));
}

#[test]
fn findings_are_deduplicated_with_counts() {
    let mut data = b"\x80\x02(".to_vec();
    for _ in 0..1000 {
        data.extend_from_slice(b"c__main__\nFoo\n");
    }
    data.extend_from_slice(b"l.");
    let r = Scanner::new().scan_bytes(&data);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].count, 1000);
    assert_eq!(r.findings[0].severity, Severity::Unknown);
}

#[test]
fn tails() {
    let s = Scanner::new();
    // Garbage after STOP is ignored, as by pickle.loads.
    assert_eq!(
        s.scan_bytes(b"\x80\x02K\x01.\x00\x01garbage").verdict,
        Verdict::Safe
    );
    // A pickle-like tail that does not decode is a warning.
    let r = s.scan_bytes(b"\x80\x02K\x01.\x80\x02]q\x00(K\x01");
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(r.findings[0].kind, FindingKind::Tail);
}

#[test]
fn policy_files() {
    let p = Policy::from_toml("allow = [\"__main__.*\"]").unwrap();
    let data = b"\x80\x04\x8c\x08__main__\x8c\x03Foo\x93)\x81.";
    assert_eq!(Scanner::new().scan_bytes(data).verdict, Verdict::Unknown);
    assert_eq!(
        Scanner::new().policy(p).scan_bytes(data).verdict,
        Verdict::Safe
    );
    let p = Policy::from_json("{\"deny\": [\"collections\"]}").unwrap();
    let r = Scanner::new()
        .policy(p)
        .scan_bytes(b"\x80\x02ccollections\nOrderedDict\n)R.");
    assert_eq!(r.verdict, Verdict::Unsafe);
}

#[test]
fn json_and_sarif() {
    let mut r = Scanner::new().scan_bytes(b"cos\nsystem\n(S'id'\ntR.");
    r.path = Some("x.pkl".into());
    let j = r.to_json();
    assert_eq!(j["verdict"], "unsafe");
    assert_eq!(j["findings"][0]["name"], "os.system");
    assert_eq!(j["findings"][0]["opcode"], "GLOBAL");
    let s = sarif(&[r], "0.1.0");
    assert_eq!(s["version"], "2.1.0");
    let res = &s["runs"][0]["results"];
    assert_eq!(res[0]["level"], "error");
    assert_eq!(
        res[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "x.pkl"
    );
    assert_eq!(
        res[0]["locations"][0]["physicalLocation"]["region"]["byteOffset"],
        0
    );
}

#[test]
fn decompression_limit_is_incomplete() {
    let mut gz = Vec::new();
    {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::fast());
        e.write_all(&vec![b'N'; 1 << 20]).unwrap();
        e.finish().unwrap();
    }
    let r = Scanner::new().max_decompressed(1000).scan_bytes(&gz);
    assert_eq!(r.verdict, Verdict::Incomplete);
}

/// Hostile input: random mutations and truncations of every corpus file
/// never panic, and a mutated malicious sample that still decodes its
/// payload stays flagged (never "safe" with a dangerous finding).
#[test]
fn mutations_never_panic() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let scanner = Scanner::new().max_decompressed(1 << 24);
    let mut runs = 0;
    // The malicious samples, the harmless tricks, and the benign files of
    // one directory per library (the older hand-picked set, the newest
    // torch and pandas).
    for dir in [
        "malicious",
        "harmless",
        "benign/earlier",
        "benign/torch-2.15.0",
        "benign/pandas-3.1.1",
    ] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let base = std::fs::read(e.unwrap().path()).unwrap();
            for _ in 0..20 {
                let mut data = base.clone();
                for _ in 0..(1 + next() % 4) {
                    if data.is_empty() {
                        break;
                    }
                    let i = (next() as usize) % data.len();
                    data[i] = next() as u8;
                }
                if next() % 3 == 0 {
                    let cut = (next() as usize) % (data.len() + 1);
                    data.truncate(cut);
                }
                let r = scanner.scan_bytes(&data);
                let dangerous = r.findings.iter().any(|f| f.severity == Severity::Unsafe);
                assert_eq!(dangerous, r.verdict == Verdict::Unsafe);
                runs += 1;
            }
        }
    }
    assert!(runs > 2000);
}
