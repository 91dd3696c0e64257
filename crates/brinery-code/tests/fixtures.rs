//! Every fixture (tests/fixtures/py3X: functions pickled by dill and
//! cloudpickle under CPython 3.8-3.13, gen.py) is read as a function, its
//! version recognised, and its disassembly compared with what `dis.dis()`
//! printed on that version, character for character.

use std::collections::BTreeMap;
use std::path::PathBuf;

use brinery_code::{Code, Function, PyVersion};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Decodes a fixture as `pickle.loads` would be told to: Python 2 pickles
/// with `encoding="bytes"` (their `str` is bytes: bytecode, names), and
/// with the LONG opcodes' ints marked (Python 2's `7L`).
fn load(v: PyVersion, data: &[u8]) -> brinery::Graph<'_> {
    let mut u = brinery::Unpickler::new();
    if v == PyVersion::V2_7 {
        u = u.encoding("bytes").keep_long_flags();
    }
    u.load_slice(data).unwrap()
}

fn dir_of(v: PyVersion) -> PathBuf {
    fixtures().join(format!("py{}", v.to_string().replace('.', "")))
}

#[test]
fn disassembly_equals_dis_dis_on_every_version() {
    let mut per_version: BTreeMap<PyVersion, (usize, usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut ambiguous = 0;
    for v in PyVersion::ALL {
        let dir = dir_of(v);
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        for (file, want) in expected.as_object().unwrap() {
            let want = want["dis"].as_str().unwrap();
            let data = std::fs::read(dir.join(file)).unwrap();
            let g = load(v, &data);
            let entry = per_version.entry(v).or_default();
            entry.0 += 1;
            let Some(f) = Function::from_node(g.root()) else {
                failures.push(format!("{v} {file}: not recognised as a function"));
                continue;
            };
            // Without being told the version: recognised from the code
            // object (where two versions fit, they print the same, except
            // 3.6/3.7 below).
            let detected = f.code().detect_version();
            match f.code().dis(None) {
                Ok(text) if text == want => entry.2 += 1,
                // 3.6 and 3.7 compile these functions to the same code
                // object (cloudpickle's pickles are byte-identical), but
                // only 3.7's dis shows the nested code objects.
                _ if v == PyVersion::V3_6
                    && detected == Some(PyVersion::V3_7)
                    && f.code()
                        .consts
                        .iter()
                        .any(|c| Code::from_node(*c).is_some()) =>
                {
                    ambiguous += 1
                }
                _ => failures.push(format!(
                    "{v} {file}: recognised as {detected:?}, whose dis differs"
                )),
            }
            if f.name() != expected[file]["name"] {
                failures.push(format!("{v} {file}: name {}", f.name()));
            }
            match f.code().dis(Some(v)) {
                Ok(text) if text == want => entry.1 += 1,
                Ok(text) => {
                    let line = want.lines().zip(text.lines()).position(|(a, b)| a != b);
                    failures.push(format!(
                        "{v} {file}: dis differs at line {line:?}:\n--- python\n{want}\n--- brinery\n{text}"
                    ))
                }
                Err(e) => failures.push(format!("{v} {file}: {e}")),
            }
        }
    }
    for (v, (n, same, det)) in &per_version {
        println!("code dis vs dis.dis (CPython {v}): {same}/{n} identical, {det}/{n} identical with the version recognised from the code");
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert_eq!(per_version.len(), 9, "CPython 2.7 and 3.6-3.13");
    for (v, (n, same, det)) in &per_version {
        let (want_same, want_det) = match v {
            PyVersion::V3_6 => (22, 20),
            _ => (22, 22),
        };
        assert_eq!((*n, *same), (22, want_same), "{v}: 22 fixtures, identical");
        assert_eq!(*det, want_det, "{v}: recognised");
    }
    assert_eq!(
        ambiguous, 2,
        "3.6 comprehensions (dill, cloudpickle) read as 3.7"
    );
}

/// Signatures, closures and globals of the fixture functions, the same
/// whichever library or version pickled them (Python 2's have no
/// keyword-only arguments or qualified names).
#[test]
fn function_summaries() {
    let mut n = 0;
    for v in PyVersion::ALL {
        let py2 = v == PyVersion::V2_7;
        let dir = dir_of(v);
        for lib in ["dill", "cloudpickle"] {
            let read = |name: &str| std::fs::read(dir.join(format!("{lib}-{name}.pkl"))).unwrap();
            let data = read("defaults");
            let g = load(v, &data);
            let f = Function::from_node(g.root()).unwrap();
            let sig = if py2 {
                "(x, y=2, *args, **kw)"
            } else {
                "(x, y=2, *args, z=3, **kw)"
            };
            assert_eq!(f.signature(), sig, "{v} {lib}");
            assert_eq!(f.doc().as_deref(), Some("Has a docstring."), "{v} {lib}");
            assert_eq!(f.globals_referenced(), ["SCALE"], "{v} {lib}");
            assert_eq!(f.library(), lib);

            let data = read("adder");
            let g = load(v, &data);
            let f = Function::from_node(g.root()).unwrap();
            // dill 0.3.4 (the last for 3.6) pickles no __qualname__, and
            // 3.6 code objects have none: the unpickled function's is its
            // name, as here.
            let qual = if py2 || (v == PyVersion::V3_6 && lib == "dill") {
                "add"
            } else {
                "make_adder.<locals>.add"
            };
            assert_eq!(f.qualname(), qual, "{v} {lib}");
            assert_eq!(f.signature(), "(x)");
            let cl = f.closure();
            assert_eq!(cl.len(), 1);
            assert_eq!(cl[0].0, "n");
            assert_eq!(
                cl[0].1.and_then(|c| c.as_i64()),
                Some(5),
                "{v} {lib}: closure n = 5"
            );

            let data = read("lam");
            let g = load(v, &data);
            let f = Function::from_node(g.root()).unwrap();
            let sig = if py2 { "(a, b=1)" } else { "(a, *, b=1)" };
            assert_eq!(f.signature(), sig, "{v} {lib}");
            assert_eq!(f.name(), "<lambda>");

            let data = read("loops");
            let g = load(v, &data);
            let f = Function::from_node(g.root()).unwrap();
            assert_eq!(f.globals_referenced(), ["range", "math"], "{v} {lib}");
            n += 4;
        }
    }
    println!("function summaries: {n} functions checked");
    assert_eq!(n, 72);
}

/// Every version's opcode table parses from the generated data, with
/// CPython's own values for a few entries.
#[test]
fn every_version_has_its_table() {
    for v in PyVersion::ALL {
        assert_eq!(v.table().version(), v.tuple());
        assert_eq!(PyVersion::parse(&v.to_string()), Some(v));
    }
    let t = PyVersion::V2_7.table();
    assert_eq!(t.opname(0), Some("STOP_CODE"));
    assert_eq!(t.opname(13), Some("UNARY_CONVERT"));
    assert_eq!(t.have_argument(), 90);
    assert_eq!(
        PyVersion::V3_6.table().opname(127),
        Some("STORE_ANNOTATION")
    );
    assert_eq!(PyVersion::V3_7.table().opname(160), Some("LOAD_METHOD"));
    assert_eq!(PyVersion::V3_13.table().opname(0), Some("CACHE"));
}

/// Python 2 pickles read with `encoding="latin1"` (Python 2 `str` as
/// latin-1 text): bytecode and names come back as they were, so every
/// disassembly without a `str` constant is identical; a `str` constant
/// cannot be told from a `unicode` one and prints as `u'...'`.
#[test]
fn python2_pickles_read_as_latin1() {
    let dir = dir_of(PyVersion::V2_7);
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let (mut same, mut n) = (0, 0);
    for (file, want) in expected.as_object().unwrap() {
        let data = std::fs::read(dir.join(file)).unwrap();
        let g = brinery::Unpickler::new()
            .encoding("latin1")
            .load_slice(&data)
            .unwrap();
        let f = Function::from_node(g.root()).expect("a function");
        let text = f.code().dis(None).unwrap();
        n += 1;
        if text == want["dis"].as_str().unwrap() {
            same += 1;
        } else {
            assert!(
                text.contains("(u'"),
                "{file}: differs, not by a str constant"
            );
        }
    }
    println!("code dis vs dis.dis (CPython 2.7, read as latin-1): {same}/{n} identical");
    assert_eq!((same, n), (12, 22));
}

/// CPython 2.7's EXTENDED_ARG makes the next argument a `long` in `dis`
/// (`0L`, `to 6L`), and `findlabels` ignores it. The expected text is
/// what CPython 2.7.18's `dis.dis` printed for `simple`'s code object
/// (tests/fixtures/py27/dill-simple.pkl) with this bytecode; the second
/// bytecode makes its `dis` raise IndexError, and brinery an error.
#[test]
fn python2_extended_arg() {
    let data = std::fs::read(dir_of(PyVersion::V2_7).join("dill-simple.pkl")).unwrap();
    let g = load(PyVersion::V2_7, &data);
    let f = Function::from_node(g.root()).unwrap();
    let mut code = f.code().clone();
    code.bytecode = b"\x91\x00\x00\x6e\x00\x00\x7c\x01\x00\x53".to_vec().into();
    assert_eq!(
        code.dis(None).unwrap(),
        " 12           0 EXTENDED_ARG             0\n              3 JUMP_FORWARD            0L (to 6L)\n        >>    6 LOAD_FAST                1 (b)\n              9 RETURN_VALUE        \n"
    );
    code.bytecode = b"\x91\x01\x00\x91\x00\x00\x7c\x00\x00\x53".to_vec().into();
    let e = code.dis(None).unwrap_err();
    assert!(
        e.to_string().contains("index 4294967296 out of range"),
        "{e}"
    );
    // Truncated arguments and endless EXTENDED_ARG chains: errors.
    code.bytecode = b"\x7c\x00".to_vec().into();
    assert!(code.dis(Some(PyVersion::V2_7)).is_err());
    code.bytecode = b"\x91\xff\xff".repeat(10).into();
    assert!(code.dis(Some(PyVersion::V2_7)).is_err());
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
    code.bytecode = code.bytecode[..3].to_vec().into();
    assert!(code.dis(Some(PyVersion::V3_11)).is_err());
    code.bytecode = Vec::new().into();
    assert!(code.dis(None).is_err(), "empty code fits no version");
}
