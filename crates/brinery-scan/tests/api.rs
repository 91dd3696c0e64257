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
    let mut rng = brinery_testutil::XorShift(0x9e37_79b9_7f4a_7c15);
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
                for _ in 0..(1 + rng.next_u64() % 4) {
                    if data.is_empty() {
                        break;
                    }
                    let i = (rng.next_u64() as usize) % data.len();
                    data[i] = rng.next_u64() as u8;
                }
                if rng.next_u64() % 3 == 0 {
                    let cut = (rng.next_u64() as usize) % (data.len() + 1);
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

/// The policy for what the real libraries write: exact names, and the
/// argument shapes of the reconstructors that are trusted only the way
/// their library calls them.
#[test]
fn library_reconstructors_and_their_argument_shapes() {
    let s = Scanner::new();
    // pyarrow.lib.type_for_alias('int64'), as pandas' Arrow arrays write it.
    let ok = s.scan_bytes(b"\x80\x02cpyarrow.lib\ntype_for_alias\nX\x05\x00\x00\x00int64\x85R.");
    assert_eq!(ok.verdict, Verdict::Safe, "{:?}", ok.findings);
    // ... with an argument pandas never writes.
    let odd = s.scan_bytes(b"\x80\x02cpyarrow.lib\ntype_for_alias\n]\x85R.");
    assert_eq!(odd.verdict, Verdict::Unknown);
    let f = odd.issues().next().unwrap();
    assert_eq!(
        (f.kind, f.name.as_str()),
        (FindingKind::Call, "pyarrow.lib.type_for_alias")
    );
    assert_eq!(f.args.as_deref(), Some("([])"));
    // getattr(zoneinfo.ZoneInfo, '_unpickle')('UTC', 1): CPython's spelling.
    let zi = b"\x80\x02cbuiltins\ngetattr\nczoneinfo\nZoneInfo\nX\x09\x00\x00\x00_unpickle\x86RX\x03\x00\x00\x00UTCK\x01\x86R.";
    let r = s.scan_bytes(zi);
    assert_eq!(r.verdict, Verdict::Safe, "{:?}", r.findings);
    // getattr in general stays unsafe.
    let r = s.scan_bytes(
        b"\x80\x02cbuiltins\ngetattr\nczoneinfo\nZoneInfo\nX\x04\x00\x00\x00keys\x86R.",
    );
    assert_eq!(r.verdict, Verdict::Unknown, "{:?}", r.findings);
    // pytz._p('Europe/Berlin', 3600, 0, 'CET') and re._compile('a+', 2).
    let r = s.scan_bytes(b"\x80\x02cpytz\n_p\nX\x0d\x00\x00\x00Europe/BerlinM\x10\x0eK\x00X\x03\x00\x00\x00CET\x94tR.");
    assert_ne!(r.verdict, Verdict::Unsafe);
    let r = s.scan_bytes(b"\x80\x02cre\n_compile\nX\x02\x00\x00\x00a+K\x02\x86R.");
    assert_eq!(r.verdict, Verdict::Safe, "{:?}", r.findings);
    // Python 2's exceptions.ValueError, mapped by _compat_pickle.
    let r = s.scan_bytes(b"cexceptions\nValueError\n(S'bad'\ntR.");
    assert_eq!(r.verdict, Verdict::Safe, "{:?}", r.findings);
    // Exact names, no wildcards: a sibling of an allowed name is unknown.
    let p = Policy::new();
    assert_eq!(
        p.rate("pathlib._local", "PosixPath"),
        brinery_scan::Rating::Safe
    );
    assert!(matches!(
        p.rate("pathlib._local", "Path.write_text"),
        brinery_scan::Rating::Dangerous(_)
    ));
    assert_eq!(p.rate("pytz", "timezone"), brinery_scan::Rating::Unknown);
    assert_eq!(p.rate("torch", "int_repr"), brinery_scan::Rating::Unknown);
    assert_eq!(p.rate("torch", "int64"), brinery_scan::Rating::Safe);
    assert!(brinery_scan::allow_reason("re._compile").is_some());
    // torch.jit._pickle's builders outside a TorchScript archive: unsafe.
    let r = s.scan_bytes(b"\x80\x02ctorch.jit._pickle\nbuild_intlist\n]\x85R.");
    assert_eq!(r.verdict, Verdict::Unsafe);
}

/// Protocol 5 NEXT_BUFFER without the buffers: opaque data, complete.
#[test]
fn out_of_band_buffers_are_opaque_data() {
    let r =
        Scanner::new().scan_bytes(b"\x80\x05\x95\x05\x00\x00\x00\x00\x00\x00\x00\x97\x97\x98\x86.");
    assert_eq!(r.verdict, Verdict::Safe, "{:?}", r.findings);
    assert!(r.complete);
    // Decoded for real (the pickle imports something): the buffers are
    // opaque values and an info finding says so.
    let r = Scanner::new().scan_bytes(b"\x80\x05cbuiltins\nbytearray\n\x97\x85R.");
    assert_eq!(
        (r.verdict, r.complete),
        (Verdict::Safe, true),
        "{:?}",
        r.findings
    );
    assert!(r.findings.iter().any(|f| f.name == "out-of-band buffers"));
    // 100 of them (more than the first guess of 16).
    let mut p = b"\x80\x05(".to_vec();
    p.extend(std::iter::repeat_n(0x97u8, 100));
    p.extend_from_slice(b"lcbuiltins\nbytearray\n\x97\x85R0.");
    let r = Scanner::new().scan_bytes(&p);
    assert_eq!(
        (r.verdict, r.complete),
        (Verdict::Safe, true),
        "{:?}",
        r.findings
    );
}

/// Legacy torch.save of a module: the class travels in a persistent id
/// `('module', cls, file, source)` that torch resolves to `cls`.
#[test]
fn legacy_torch_module_persistent_ids_are_judged_as_their_class() {
    let s = Scanner::new();
    let ok = b"\x80\x02(X\x06\x00\x00\x00modulectorch.nn.modules.linear\nLinear\nX\x01\x00\x00\x00fX\x01\x00\x00\x00stQ)\x81.";
    let r = s.scan_bytes(ok);
    assert_eq!(r.verdict, Verdict::Safe, "{:?}", r.findings);
    let bad = b"\x80\x02(X\x06\x00\x00\x00modulecposix\nsystem\nX\x01\x00\x00\x00fX\x01\x00\x00\x00stQX\x02\x00\x00\x00id\x85R.";
    let r = s.scan_bytes(bad);
    assert_eq!(r.verdict, Verdict::Unsafe);
    assert!(r
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::Call && f.name == "posix.system"));
}

/// A file that starts with a zip end-of-central-directory record is an
/// (empty) archive to zip readers and a pickle stream to an unpickler
/// that resolves persistent ids (`PK\x05\x06...` begins with PERSID): what
/// the stream would import or call counts. A real empty archive stays
/// safe. (Found by the scan fuzz target.)
#[test]
fn leading_end_of_central_directory_is_also_a_pickle() {
    let s = Scanner::new();
    let evil = b"PK\x05\x06\ncos\nsystem\n(S'echo pwned'\ntR.";
    let r = s.scan_bytes(evil);
    assert_eq!(r.verdict, Verdict::Unsafe, "{:?}", names(&r));
    assert!(r
        .findings
        .iter()
        .any(|f| f.name == "os.system" && f.member == "<as a pickle stream>"));
    let empty = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
    assert_eq!(s.scan_bytes(empty).verdict, Verdict::Safe);
}
