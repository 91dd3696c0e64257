//! Every tensor of every fixture (made by real torch, see fixtures/gen.py)
//! has the dtype, shape, strides, storage offset and element bytes torch
//! reported, recorded in fixtures/expected.json.

use std::collections::BTreeMap;
use std::path::PathBuf;

use brinery_torch::{Checkpoint, Format};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn expected() -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn check(name: &str, exp: &Value, ck: &Checkpoint<'_>) -> usize {
    let fmt = exp["format"].as_str().unwrap();
    assert_eq!(ck.format().name(), fmt, "{name}: format");
    let want = exp["tensors"].as_object().unwrap();
    let got: BTreeMap<&str, usize> = ck
        .tensors()
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.as_str(), i))
        .collect();
    let want_names: Vec<&str> = want.keys().map(|k| k.as_str()).collect();
    let got_names: Vec<&str> = got.keys().copied().collect();
    assert_eq!(got_names, want_names, "{name}: tensor names");
    for (tname, w) in want {
        let i = got[tname.as_str()];
        let info = &ck.tensors()[i].1;
        let ctx = format!("{name}: tensor '{tname}'");
        assert_eq!(
            info.dtype.name(),
            w["dtype"].as_str().unwrap(),
            "{ctx}: dtype"
        );
        let shape: Vec<u64> = brinery_testutil::json_vec(&w["shape"], serde_json::Value::as_u64);
        assert_eq!(info.shape, shape, "{ctx}: shape");
        let strides: Vec<u64> =
            brinery_testutil::json_vec(&w["strides"], serde_json::Value::as_u64);
        assert_eq!(info.strides, strides, "{ctx}: strides");
        assert_eq!(
            info.storage_offset,
            w["storage_offset"].as_u64().unwrap(),
            "{ctx}: storage offset"
        );
        let bytes = ck
            .tensor_bytes(tname)
            .unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert_eq!(Some(bytes.len() as u64), info.nbytes(), "{ctx}: byte count");
        assert_eq!(
            hex(&bytes),
            w["sha256"].as_str().unwrap(),
            "{ctx}: element bytes"
        );
        // Contiguous little-endian uncompressed tensors are borrowed.
        let borrowed = matches!(bytes, std::borrow::Cow::Borrowed(_));
        if info.is_contiguous()
            && ck.byte_order() == brinery_torch::ByteOrder::Little
            && !name.starts_with("deflated")
            && !name.starts_with("plain_p2")
        {
            assert!(borrowed, "{ctx}: contiguous tensor should be zero-copy");
        }
    }
    if ck.format() != Format::TorchScript {
        let want = exp["scalars"].as_object().unwrap();
        let got: BTreeMap<&str, String> = ck
            .scalars()
            .iter()
            .map(|(n, s)| (n.as_str(), s.to_json()))
            .collect();
        for (sname, w) in want {
            let w = w.as_str().unwrap();
            // JSON from Python: compare as JSON values.
            let g = got
                .get(sname.as_str())
                .unwrap_or_else(|| panic!("{name}: scalar '{sname}' missing"));
            let (gv, wv): (Value, Value) = (
                serde_json::from_str(g).unwrap(),
                serde_json::from_str(w).unwrap(),
            );
            assert_eq!(gv, wv, "{name}: scalar '{sname}'");
        }
    }
    want.len()
}

#[test]
fn every_fixture_matches_torch() {
    let mut files = 0;
    let mut tensors = 0;
    for (name, exp) in expected() {
        let path = dir().join(&name);
        let ck = Checkpoint::open(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        tensors += check(&name, &exp, &ck);
        // The same through a slice.
        let data = std::fs::read(&path).unwrap();
        let ck = Checkpoint::from_bytes(&data).unwrap();
        check(&name, &exp, &ck);
        files += 1;
    }
    eprintln!("{files} fixtures, {tensors} tensors checked");
    assert!(
        files >= 17 && tensors >= 150,
        "{files} files, {tensors} tensors"
    );
}

#[test]
fn detect_by_content() {
    for (name, exp) in expected() {
        let data = std::fs::read(dir().join(&name)).unwrap();
        let got = brinery_torch::detect(&data).map(|f| f.name());
        let want = match exp["format"].as_str().unwrap() {
            "pickle" => None,
            f => Some(f),
        };
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn views_share_one_storage() {
    for name in ["views.pt", "views_legacy.pt", "deflated.pt"] {
        let ck = Checkpoint::open(dir().join(name)).unwrap();
        let key = &ck.tensor("base").unwrap().storage;
        for v in ["slice", "grid", "transposed", "step", "column", "block"] {
            assert_eq!(&ck.tensor(v).unwrap().storage, key, "{name}: {v}");
        }
        assert!(ck.tensor("param").unwrap().requires_grad, "{name}");
        assert!(!ck.tensor("base").unwrap().requires_grad, "{name}");
        assert!(!ck.tensor("transposed").unwrap().is_contiguous());
        // Zero-copy: a contiguous view is a sub-slice of its base.
        if name != "deflated.pt" {
            let base = ck.tensor_bytes("base").unwrap();
            let slice = ck.tensor_bytes("slice").unwrap();
            assert_eq!(&base[16..40], &slice[..]);
            assert_eq!(base.as_ptr().wrapping_add(16), slice.as_ptr());
        }
    }
}

#[test]
fn byte_orders_and_formats() {
    let ck = Checkpoint::open(dir().join("big_endian.pt")).unwrap();
    assert_eq!(ck.byte_order(), brinery_torch::ByteOrder::Big);
    let ck = Checkpoint::open(dir().join("lone.pt")).unwrap();
    assert_eq!(ck.byte_order(), brinery_torch::ByteOrder::Little);
    // A lone tensor is the root: its name is empty.
    assert_eq!(ck.tensors()[0].0, "");
    let ck = Checkpoint::open(dir().join("scripted.pt")).unwrap();
    assert_eq!(ck.format(), Format::TorchScript);
    let ck = Checkpoint::open(dir().join("module.pt")).unwrap();
    let names: Vec<&str> = ck.tensors().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "fc1.weight",
            "fc1.bias",
            "bn.weight",
            "bn.bias",
            "bn.running_mean",
            "bn.running_var",
            "bn.num_batches_tracked",
            "fc2.weight"
        ]
    );
}
