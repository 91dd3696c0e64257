//! Damaged and inconsistent checkpoints give errors (never zeros, never a
//! panic, never a huge allocation).

use std::collections::BTreeMap;
use std::path::PathBuf;

use brinery_torch::{Checkpoint, Loader};
use sha2::{Digest, Sha256};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap()
}

fn json(name: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join(name)).unwrap()).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Open and read every tensor; the first error.
fn load_all(data: &[u8]) -> Result<Vec<(String, String)>, brinery::Error> {
    let ck = Checkpoint::from_bytes(data)?;
    let mut out = Vec::new();
    for (i, (name, _)) in ck.tensors().iter().enumerate() {
        out.push((name.clone(), hex(&ck.tensor_bytes_at(i)?)));
    }
    Ok(out)
}

#[test]
fn inconsistent_storages_are_errors() {
    let cases = json("hostile.json");
    let cases = cases.as_object().unwrap();
    assert!(cases.len() >= 8);
    for (name, want) in cases {
        let err = load_all(&read(name)).expect_err(name);
        let msg = err.to_string();
        assert!(
            msg.contains(want.as_str().unwrap()),
            "{name}: error {msg:?} should say {want}"
        );
    }
}

/// The fixtures of the byte-level tests: `(name, every truncation is an
/// error, every byte is flipped)` (a tar's prefixes are `tar_truncations`).
const BYTE_LEVEL: &[(&str, bool, bool)] = &[
    ("lone.pt", true, true),
    ("views.pt", true, false),
    ("views_legacy.pt", true, true),
    ("dtypes_legacy.pt", true, false),
    ("proto4_legacy.pt", true, false),
    ("plain_p4.pkl", true, true),
    ("plain_p2.pkl", true, false),
    ("big_endian.pt", true, false),
    ("deflated.pt", true, true),
    ("pre10.tar", false, true),
];

/// Every prefix of these fixtures fails (at open or when reading a tensor):
/// a truncated checkpoint never yields tensors, let alone zero-filled ones.
#[test]
fn every_truncation_is_an_error() {
    let mut checked = 0;
    for &(name, _, _) in BYTE_LEVEL.iter().filter(|f| f.1) {
        let data = read(name);
        for n in 0..data.len() {
            let r = load_all(&data[..n]);
            assert!(r.is_err(), "{name} truncated to {n} bytes loaded");
            checked += 1;
        }
    }
    eprintln!("{checked} truncations");
}

/// The tar format ends with zero padding (as Python's tarfile, a prefix that
/// loses only padding still reads); any cut into real content is an error,
/// and whatever loads is exactly right.
#[test]
fn tar_truncations() {
    let exp = json("expected.json");
    let want: BTreeMap<String, String> = exp["pre10.tar"]["tensors"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["sha256"].as_str().unwrap().to_string()))
        .collect();
    let data = read("pre10.tar");
    let mut ok = 0;
    for n in 0..data.len() {
        if let Ok(got) = load_all(&data[..n]) {
            let got: BTreeMap<String, String> = got.into_iter().collect();
            assert_eq!(got, want, "prefix {n}");
            assert!(data[n..].iter().all(|&b| b == 0), "prefix {n} cut content");
            ok += 1;
        }
    }
    assert!(ok > 0);
}

/// Flipping any byte of a fixture never panics; whatever loads is either the
/// right bytes or a different, self-consistent reading (a flipped element
/// byte changes that element only).
#[test]
fn corrupted_bytes_never_panic() {
    for &(name, _, _) in BYTE_LEVEL.iter().filter(|f| f.2) {
        let data = read(name);
        for i in 0..data.len() {
            for x in [0xff, 0x80, 0x01] {
                let mut d = data.clone();
                d[i] ^= x;
                let _ = load_all(&d);
            }
        }
    }
}

#[test]
fn recovery_is_opt_in() {
    let data = read("views.pt");
    // Cut into the central directory.
    let cut = &data[..data.len() - 30];
    let err = Checkpoint::from_bytes(cut).unwrap_err();
    assert!(err.to_string().contains("Loader::recover(true)"), "{err}");
    let ck = Loader::new().recover(true).from_slice(cut).unwrap();
    let full = Checkpoint::from_bytes(&data).unwrap();
    assert_eq!(ck.tensors(), full.tensors());
    for i in 0..ck.tensors().len() {
        assert_eq!(
            ck.tensor_bytes_at(i).unwrap(),
            full.tensor_bytes_at(i).unwrap()
        );
    }
}

#[test]
fn limits_apply() {
    let data = read("views.pt");
    let err = Loader::new()
        .limits(brinery::Limits::default().max_nodes(10))
        .from_slice(&data)
        .unwrap_err();
    assert_eq!(err.kind(), brinery::ErrorKind::LimitExceeded, "{err}");
    // Strided copies are bounded by max_bytes (bad_huge.pt checks the
    // default); contiguous tensors are borrowed, whatever their size.
    let ck = Loader::new()
        .limits(brinery::Limits::default().max_bytes(4000))
        .from_slice(&data)
        .unwrap();
    assert_eq!(ck.tensor_bytes("base").unwrap().len(), 96);
    let ck = Loader::new()
        .limits(brinery::Limits::default().max_bytes(90))
        .from_slice(&data);
    if let Ok(ck) = ck {
        let err = ck.tensor_bytes("transposed").unwrap_err();
        assert_eq!(err.kind(), brinery::ErrorKind::LimitExceeded, "{err}");
    }
}

#[test]
fn truncated_zip_says_so() {
    let data = read("nested.pt");
    for n in [60, 200, 1000, data.len() / 2] {
        let cut = &data[..n];
        assert_eq!(
            brinery_torch::detect(cut),
            Some(brinery_torch::Format::Zip),
            "{n}"
        );
        let err = Checkpoint::from_bytes(cut).unwrap_err().to_string();
        assert!(err.contains("truncated or damaged zip"), "{n}: {err}");
    }
}
