//! Export every fixture to safetensors and check it with Python's
//! `safetensors` (tensors equal to what torch reported, scalars in the
//! metadata, complex as real pairs).

use std::path::PathBuf;
use std::process::Command;

use brinery_torch::{export_safetensors, Checkpoint, ExportOptions};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// python3 with safetensors and numpy, or None after a loud SKIP (a failure
/// in CI).
fn python() -> Option<String> {
    brinery_testutil::python(&["safetensors", "numpy"], "the safetensors export checks")
}

#[test]
fn exported_safetensors_load_in_python() {
    let exp: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir().join("fixtures/expected.json")).unwrap(),
    )
    .unwrap();
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("torch-export");
    std::fs::create_dir_all(&tmp).unwrap();
    let py = python();
    let mut n = 0;
    for (name, _) in exp.as_object().unwrap() {
        let ck = Checkpoint::open(dir().join("fixtures").join(name)).unwrap();
        let out = tmp.join(format!("{name}.safetensors"));
        let summary = export_safetensors(&ck, &out, &ExportOptions::new()).unwrap();
        assert_eq!(summary.tensors.len(), ck.tensors().len());
        if let Some(py) = &py {
            let o = Command::new(py)
                .arg(dir().join("py/check_safetensors.py"))
                .arg(&out)
                .arg(dir().join("fixtures/expected.json"))
                .arg(name)
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{name}: {}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
        }
        n += 1;
    }
    assert!(n >= 17);
}

#[test]
fn export_one_tensor() {
    let ck = Checkpoint::open(dir().join("fixtures/nested.pt")).unwrap();
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("torch-export-one");
    std::fs::create_dir_all(&tmp).unwrap();
    let out = tmp.join("one.safetensors");
    let s = export_safetensors(
        &ck,
        &out,
        &ExportOptions::new().only("optimizer.state.0.exp_avg"),
    )
    .unwrap();
    assert_eq!(s.tensors.len(), 1);
    let err = export_safetensors(&ck, &out, &ExportOptions::new().only("nope")).unwrap_err();
    assert!(err.to_string().contains("no tensor named 'nope'"));
}
