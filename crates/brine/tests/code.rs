//! `brine show` of pickled functions (brinery-code fixtures: dill and
//! cloudpickle under CPython 2.7 and 3.6-3.13): the tree names the function and its
//! signature; `show --code` prints exactly what `dis.dis()` printed on the
//! version that wrote it. `brine graph` writes SVG, DOT and HTML.

use std::path::{Path, PathBuf};
use std::process::Command;

fn brine(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_brine"))
        .args(args)
        .output()
        .expect("run brine")
}

/// The tree `brine show --color never [extra] path` prints (it must succeed).
fn show_tree(path: &Path, extra: &[&str]) -> String {
    let mut args = vec!["show", "--color", "never"];
    args.extend_from_slice(extra);
    args.push(path.to_str().unwrap());
    let out = brine(&args);
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../brinery-code/tests/fixtures")
}

#[test]
fn show_code_equals_dis_dis() {
    let mut n = 0;
    for v in [
        "py27", "py36", "py37", "py38", "py39", "py310", "py311", "py312", "py313",
    ] {
        let dir = fixtures().join(v);
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        for (file, want) in expected.as_object().unwrap() {
            let want = want["dis"].as_str().unwrap();
            let path = dir.join(file);
            let path = path.to_str().unwrap();
            // Python 2's str is bytes (its bytecode too); 3.6 is named, as
            // its code objects are those of 3.7 but its dis does not show
            // nested code.
            let out = match v {
                "py27" => brine(&["show", "--code", "--encoding", "bytes", path]),
                "py36" => brine(&["show", "--code", "--python", "3.6", path]),
                _ => brine(&["show", "--code", path]),
            };
            assert!(
                out.status.success(),
                "{v} {file}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let got = String::from_utf8_lossy(&out.stdout);
            assert_eq!(got, want, "{v} {file}");
            n += 1;
        }
    }
    println!("cli show --code: {n}/198 identical to dis.dis");
    assert_eq!(n, 198);
}

#[test]
fn tree_names_functions() {
    for (file, extra, wants) in [
        (
            "py312/cloudpickle-defaults.pkl",
            &[][..],
            &[
                "function defaults(x, y=2, *args, z=3, **kw)",
                "globals: SCALE",
                "bytecode: CPython 3.12",
            ][..],
        ),
        (
            "py38/dill-adder.pkl",
            &[],
            &["function make_adder.<locals>.add(x)", "closure n = 5"],
        ),
        // Python 2: names and bytecode arrive as bytes.
        (
            "py27/cloudpickle-defaults.pkl",
            &["--encoding", "bytes"],
            &[
                "function defaults(x, y=2, *args, **kw)",
                "bytecode: CPython 2.7",
            ],
        ),
    ] {
        let text = show_tree(&fixtures().join(file), extra);
        for want in wants {
            assert!(text.contains(want), "{text}");
        }
    }
    // A version brinery does not know is a usage error.
    let path = fixtures().join("py38/dill-simple.pkl");
    let out = brine(&["show", "--code", "--python", "3.5", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2.7 and 3.6-3.13"));
    // Not a function: a clear error.
    let dogs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/dogs.pkl");
    let out = brine(&["show", "--code", dogs.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a function"));
}

#[test]
fn graph_writes_svg_dot_and_html() {
    let ex = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/graph.pkl");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("graph_cli");
    std::fs::create_dir_all(&dir).unwrap();
    for ext in ["svg", "dot", "html"] {
        let out_path = dir.join(format!("g.{ext}"));
        let out = brine(&[
            "graph",
            ex.to_str().unwrap(),
            "-o",
            out_path.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{ext}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&out_path).unwrap();
        match ext {
            "svg" => assert!(text.contains("<svg") && text.contains("shared")),
            "dot" => assert!(text.starts_with("digraph pickle") && text.contains("color=\"red\"")),
            _ => assert!(text.contains("8 boxes") && text.contains("1 cycle arrows")),
        }
    }
    let out = brine(&["graph", ex.to_str().unwrap(), "-o", "x.png"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "unknown picture format is a usage error"
    );
}
