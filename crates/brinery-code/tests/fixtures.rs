//! Every fixture (tests/fixtures/py3X: functions pickled by dill and
//! cloudpickle under CPython 3.8-3.13, gen.py) is read as a function, its
//! version recognised, and its disassembly compared with what `dis.dis()`
//! printed on that version, character for character.

use std::collections::BTreeMap;
use std::path::PathBuf;

use brinery_code::{Function, PyVersion};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn disassembly_equals_dis_dis_on_every_version() {
    let mut per_version: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for v in PyVersion::ALL {
        let dir = fixtures().join(format!("py{}", v.to_string().replace('.', "")));
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        for (file, want) in expected.as_object().unwrap() {
            let data = std::fs::read(dir.join(file)).unwrap();
            let g = brinery::loads(&data).unwrap();
            let entry = per_version.entry(v.to_string()).or_default();
            entry.0 += 1;
            let Some(f) = Function::from_node(g.root()) else {
                failures.push(format!("{v} {file}: not recognised as a function"));
                continue;
            };
            if f.name() != want["name"] || f.qualname() != want["qualname"] {
                failures.push(format!("{v} {file}: name {} / {}", f.name(), f.qualname()));
            }
            // Without being told the version: recognised from the code
            // object (where two versions fit, they print the same).
            let detected = f.code().detect_version();
            match f.code().dis(None) {
                Ok(text) if text == want["dis"].as_str().unwrap() => entry.2 += 1,
                _ => failures.push(format!(
                    "{v} {file}: recognised as {detected:?}, whose dis differs"
                )),
            }
            match f.code().dis(Some(v)) {
                Ok(text) if text == want["dis"].as_str().unwrap() => entry.1 += 1,
                Ok(text) => {
                    let w = want["dis"].as_str().unwrap();
                    let line = w.lines().zip(text.lines()).position(|(a, b)| a != b);
                    failures.push(format!(
                        "{v} {file}: dis differs at line {line:?}:\n--- python\n{w}\n--- brinery\n{text}"
                    ))
                }
                Err(e) => failures.push(format!("{v} {file}: {e}")),
            }
        }
    }
    for (v, (n, same, det)) in &per_version {
        println!("code dis vs dis.dis (CPython {v}): {same}/{n} identical, {det}/{n} identical with the version recognised from the code");
    }
    let total: usize = per_version.values().map(|c| c.0).sum();
    assert_eq!(total, 132, "22 fixtures per version");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Signatures, closures and globals of the fixture functions, the same
/// whichever library or version pickled them.
#[test]
fn function_summaries() {
    let mut n = 0;
    for v in PyVersion::ALL {
        let dir = fixtures().join(format!("py{}", v.to_string().replace('.', "")));
        for lib in ["dill", "cloudpickle"] {
            let load = |name: &str| std::fs::read(dir.join(format!("{lib}-{name}.pkl"))).unwrap();
            let data = load("defaults");
            let g = brinery::loads(&data).unwrap();
            let f = Function::from_node(g.root()).unwrap();
            assert_eq!(f.signature(), "(x, y=2, *args, z=3, **kw)", "{v} {lib}");
            assert_eq!(f.doc(), Some("Has a docstring."), "{v} {lib}");
            assert_eq!(f.globals_referenced(), ["SCALE"], "{v} {lib}");
            assert_eq!(f.library(), lib);

            let data = load("adder");
            let g = brinery::loads(&data).unwrap();
            let f = Function::from_node(g.root()).unwrap();
            assert_eq!(f.qualname(), "make_adder.<locals>.add", "{v} {lib}");
            assert_eq!(f.signature(), "(x)");
            let cl = f.closure();
            assert_eq!(cl.len(), 1);
            assert_eq!(cl[0].0, "n");
            assert_eq!(
                cl[0].1.and_then(|c| c.as_i64()),
                Some(5),
                "{v} {lib}: closure n = 5"
            );

            let data = load("lam");
            let g = brinery::loads(&data).unwrap();
            let f = Function::from_node(g.root()).unwrap();
            assert_eq!(f.signature(), "(a, *, b=1)", "{v} {lib}");
            assert_eq!(f.name(), "<lambda>");

            let data = load("loops");
            let g = brinery::loads(&data).unwrap();
            let f = Function::from_node(g.root()).unwrap();
            assert_eq!(f.globals_referenced(), ["range", "math"], "{v} {lib}");
            n += 4;
        }
    }
    println!("function summaries: {n} functions checked");
    assert_eq!(n, 48);
}

/// Hostile code objects: wrong arities, indices out of range, truncated
/// bytecode: errors, never panics.
#[test]
fn bad_code_objects_are_errors() {
    let dir = fixtures().join("py311");
    let data = std::fs::read(dir.join("dill-big_consts.pkl")).unwrap();
    let g = brinery::loads(&data).unwrap();
    let f = Function::from_node(g.root()).unwrap();
    let mut code = f.code().clone();
    code.consts.clear();
    let e = code.dis(Some(PyVersion::V3_11)).unwrap_err();
    assert!(e.to_string().contains("constant index"), "{e}");
    let data = std::fs::read(dir.join("dill-defaults.pkl")).unwrap();
    let g = brinery::loads(&data).unwrap();
    let f = Function::from_node(g.root()).unwrap();
    let mut code = f.code().clone();
    code.names.clear();
    assert!(code.dis(Some(PyVersion::V3_11)).is_err());
    let mut code = f.code().clone();
    code.bytecode = &code.bytecode[..3];
    assert!(code.dis(Some(PyVersion::V3_11)).is_err());
    code.bytecode = &[];
    assert!(code.dis(None).is_err(), "empty code fits no version");
}
