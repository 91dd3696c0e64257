//! `brine scan` edge cases a new user meets (issue 21, point 6): files that
//! are not pickles, missing paths, one spelling of `not-pickle`, call
//! arguments in findings, policy entries that cannot take effect, and tar
//! members named by their layer.

mod common;
use common::*;

/// A one-member ustar archive (512-byte header, data padded to 512).
fn tar_with(name: &str, data: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512 + 1024, 0);
    out
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00";
const EVIL: &[u8] = b"cposix\nsystem\n(S'echo pwned'\ntR.";

#[test]
fn a_file_that_is_not_a_pickle_is_not_pickle_and_exits_0_unless_strict() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("logo.png");
    std::fs::write(&png, PNG).unwrap();
    let p = png.to_str().unwrap();
    let out = brine(&["scan", p]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(
        text(&out.stdout),
        format!("{p}: not-pickle (looks like PNG image data)\n")
    );
    // -v shows the CPython-exact error as the detail.
    let out = brine(&["scan", "-v", p]);
    assert!(
        text(&out.stdout).contains("as a pickle it fails at byte 6 (invalid load key, '\\x1a'.)"),
        "{}",
        text(&out.stdout)
    );
    let out = brine(&["scan", "--strict", p]);
    assert_eq!(out.status.code(), Some(1));
    // One spelling in text and JSON.
    let out = brine(&["scan", "--format", "json", p]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"][0]["verdict"], "not-pickle");
    assert_eq!(v["summary"]["not_pickle"], 1);
    assert_eq!(v["summary"]["exit_code"], 0);
}

#[test]
fn a_missing_path_is_an_io_error_exit_3_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.pkl");
    std::fs::write(&good, b"\x80\x04K\x01.").unwrap();
    let missing = dir.path().join("nope.pkl");
    let (g, m) = (good.to_str().unwrap(), missing.to_str().unwrap());
    let out = brine(&["scan", g, m]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("error: {m}: ")), "{err}");
    assert!(err.contains("No such file"), "{err}");
    assert!(text(&out.stdout).contains(&format!("{g}: safe")));
    let out = brine(&["scan", "--format", "json", m]);
    assert_eq!(out.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["errors"][0]["path"], m);
    assert_eq!(v["summary"]["io_errors"], 1);
    assert_eq!(v["files"].as_array().unwrap().len(), 0);
    // An unsafe file still decides the exit status.
    let evil = dir.path().join("evil.pkl");
    std::fs::write(&evil, EVIL).unwrap();
    assert_eq!(
        brine(&["scan", m, evil.to_str().unwrap()]).status.code(),
        Some(1)
    );
}

#[test]
fn findings_show_the_call_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let evil = dir.path().join("evil.pkl");
    std::fs::write(&evil, EVIL).unwrap();
    let out = brine(&["scan", evil.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out.stdout);
    assert!(
        t.contains("call         posix.system('echo pwned') at byte 30 (REDUCE)"),
        "{t}"
    );
    let out = brine(&["scan", "--format", "json", evil.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let call = v["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "call")
        .unwrap()
        .clone();
    assert_eq!(call["args"], "('echo pwned')");
    // Long arguments are cut to 120 characters.
    let long = format!("cposix\nsystem\n(S'{}'\ntR.", "x".repeat(500));
    std::fs::write(&evil, long).unwrap();
    let out = brine(&["scan", "--format", "json", evil.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let args = v["files"][0]["findings"][1]["args"].as_str().unwrap();
    assert_eq!(args.chars().count(), 120);
    assert!(args.ends_with('…'));
}

#[test]
fn an_allow_entry_the_scanner_always_refuses_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "allow = [\"os.system\", \"mylib.*\", \"posix.*\"]\n",
    )
    .unwrap();
    let evil = dir.path().join("evil.pkl");
    std::fs::write(&evil, EVIL).unwrap();
    let out = brine(&[
        "scan",
        "--policy",
        policy.to_str().unwrap(),
        evil.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "the deny rule still wins");
    let err = text(&out.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(warnings.len(), 2, "{err}");
    assert!(warnings[0]
        .starts_with("warning: allow entry \"os.system\" is ignored: `os` is always refused"));
    assert!(warnings[1].starts_with("warning: allow entry \"posix.*\" is ignored"));
}

#[test]
fn tar_members_are_named_by_the_tar_layer_and_the_member_path() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("models.tar");
    std::fs::write(&t, tar_with("sub/evil.pkl", EVIL)).unwrap();
    let out = brine(&["scan", "--format", "json", t.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"][0]["findings"][0]["member"], "tar!sub/evil.pkl");
    let out = brine(&["scan", t.to_str().unwrap()]);
    assert!(text(&out.stdout).contains(" in tar!sub/evil.pkl at byte 0 (GLOBAL)"));
}
