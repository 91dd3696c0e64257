//! `brine show` / `brine export` on PyTorch checkpoints (fixtures of
//! crates/brinery-torch, made by real torch; expected values in its
//! expected.json).

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../brinery-torch/tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn have_python() -> bool {
    brinery_testutil::python(&["numpy", "safetensors"], "torch CLI checks").is_some()
}

#[test]
fn show_prints_a_tensor_table() {
    let out = brine(&["show", &fixture("nested.pt")]);
    assert!(out.status.success());
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("PyTorch zip checkpoint, 16 tensors"), "{t}");
    assert!(t.contains("optimizer.state.0.exp_avg"), "{t}");
    assert!(t.contains("epoch = 3"), "{t}");
    let out = brine(&["show", &fixture("pre10.tar")]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("pre-1.0 tar"));
    // Truncated: exit 1 with a message about the zip.
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read(fixture("nested.pt")).unwrap();
    let cut = dir.path().join("cut.pt");
    std::fs::write(&cut, &data[..data.len() / 2]).unwrap();
    let out = brine(&["show", cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated or damaged zip"));
}

#[test]
fn export_safetensors_and_npy() {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("m.safetensors");
    let npy = dir.path().join("t.npy");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    assert!(brine(&["export", &fixture("nested.pt"), &s(&st)])
        .status
        .success());
    assert!(brine(&[
        "export",
        &fixture("views.pt"),
        &s(&npy),
        "--path",
        "transposed"
    ])
    .status
    .success());
    // Several tensors and no --path: usage error; unknown extension too.
    assert_eq!(
        brine(&["export", &fixture("views.pt"), &s(&npy)])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        brine(&["export", &fixture("views.pt"), "x.bin"])
            .status
            .code(),
        Some(2)
    );
    if !have_python() {
        return;
    }
    let out = Command::new(brinery_testutil::python_exe())
        .args([
            "-c",
            "import sys, numpy as np\n\
             from safetensors.numpy import load_file\n\
             d = load_file(sys.argv[1])\n\
             assert d['model.0.weight'].shape == (3, 4)\n\
             assert 'optimizer.state.0.exp_avg' in d\n\
             t = np.load(sys.argv[2])\n\
             assert (t == np.arange(24, dtype=np.float32).reshape(4, 6).T).all()\n",
            &s(&st),
            &s(&npy),
        ])
        .output()
        .unwrap();
    assert_success(&out);
}
