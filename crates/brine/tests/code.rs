//! `brine show` of pickled functions (brinery-code fixtures: dill and
//! cloudpickle under CPython 2.7 and 3.6-3.13): the tree names the function and its
//! signature; `show --code` prints exactly what `dis.dis()` printed on the
//! version that wrote it. `brine graph` writes SVG, DOT and HTML.

mod common;

use std::path::{Path, PathBuf};

use common::{fails, ok};

/// The tree `brine show --color never [extra] path` prints (it must succeed).
fn show_tree(path: &Path, extra: &[&str]) -> String {
    let mut args = vec!["show", "--color", "never"];
    args.extend_from_slice(extra);
    args.push(path.to_str().unwrap());
    ok(&args)
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../brinery-code/tests/fixtures")
}

#[test]
fn show_code_equals_dis_dis() {
    // (version folder, file, what dis.dis printed)
    let mut cases = Vec::new();
    for v in [
        "py27", "py36", "py37", "py38", "py39", "py310", "py311", "py312", "py313",
    ] {
        let dir = fixtures().join(v);
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        for (file, want) in expected.as_object().unwrap() {
            cases.push((v, dir.join(file), want["dis"].as_str().unwrap().to_string()));
        }
    }
    for (v, path, want) in &cases {
        let path = path.to_str().unwrap();
        // Python 2's str is bytes (its bytecode too); 3.6 is named, as
        // its code objects are those of 3.7 but its dis does not show
        // nested code.
        let got = match *v {
            "py27" => ok(&["show", "--code", "--encoding", "bytes", path]),
            "py36" => ok(&["show", "--code", "--python", "3.6", path]),
            _ => ok(&["show", "--code", path]),
        };
        assert_eq!(&got, want, "{path}");
    }
    println!("cli show --code: {}/198 identical to dis.dis", cases.len());
    assert_eq!(cases.len(), 198);
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
    let (code, err) = fails(&["show", "--code", "--python", "3.5", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("2.7 and 3.6-3.13"), "{err}");
    // Not a function: a clear error.
    let dogs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/dogs.pkl");
    let (code, err) = fails(&["show", "--code", dogs.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("not a function"), "{err}");
}

#[test]
fn graph_writes_svg_dot_and_html() {
    let ex = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/graph.pkl");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("graph_cli");
    std::fs::create_dir_all(&dir).unwrap();
    for ext in ["svg", "dot", "html"] {
        let out_path = dir.join(format!("g.{ext}"));
        ok(&[
            "graph",
            ex.to_str().unwrap(),
            "-o",
            out_path.to_str().unwrap(),
        ]);
        let text = std::fs::read_to_string(&out_path).unwrap();
        match ext {
            "svg" => assert!(text.contains("<svg") && text.contains("shared")),
            "dot" => assert!(text.starts_with("digraph pickle") && text.contains("color=\"red\"")),
            _ => assert!(text.contains("8 boxes") && text.contains("1 cycle arrows")),
        }
    }
    let (code, _) = fails(&["graph", ex.to_str().unwrap(), "-o", "x.png"]);
    assert_eq!(code, 2, "unknown picture format is a usage error");
}
