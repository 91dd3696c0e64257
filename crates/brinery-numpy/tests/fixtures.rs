//! Every fixture made by numpy 2.x, numpy 1.26, a Python-2-style pickler,
//! `np.save`/`np.savez` and joblib (tests/fixtures/gen.py) decodes to the
//! dtype, shape, strides and element bytes numpy reported.

mod common;

use std::collections::HashMap;

use brinery::{Buf, Unpickler};
use brinery_numpy::{
    array_repr_in, find_arrays, read_npy, read_npz, Array, ArrayForm, ArrayPickler, Dtype,
    NumpyVersion,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn expected() -> Vec<Value> {
    let text = std::fs::read_to_string(common::fixtures().join("expected.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["entries"].as_array().unwrap().clone()
}

/// The expected entries of `kind`, each with its file's name and bytes.
fn fixtures_of(kind: &str) -> Vec<(Value, String, Vec<u8>)> {
    let dir = common::fixtures();
    expected()
        .into_iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| {
            let file = e["file"].as_str().unwrap().to_string();
            let data = std::fs::read(dir.join(&file)).unwrap();
            (e, file, data)
        })
        .collect()
}

/// Counts of a fixture test: cases, passes and what failed.
#[derive(Default)]
struct Tally {
    ok: usize,
    n: usize,
    failures: Vec<String>,
}

impl Tally {
    /// Print `label: ok/n` and fail with the failures, if any.
    fn finish(self, label: &str) {
        println!("{label}: {}/{}", self.ok, self.n);
        assert!(self.failures.is_empty(), "{}", self.failures.join("\n"));
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Compare one decoded array with numpy's description; None when equal.
fn check(
    a: &Array<'_>,
    g: Option<&brinery::Graph<'_>>,
    want: &Value,
    strides: bool,
) -> Option<String> {
    let mut errs = Vec::new();
    if a.dtype().str() != want["dtype"].as_str().unwrap() {
        errs.push(format!("dtype {} != {}", a.dtype().str(), want["dtype"]));
    }
    let shape: Vec<usize> = brinery_testutil::json_usizes(&want["shape"]);
    if a.shape() != shape.as_slice() {
        errs.push(format!("shape {:?} != {:?}", a.shape(), shape));
    }
    if strides {
        let st: Vec<usize> = brinery_testutil::json_usizes(&want["strides"]);
        if a.strides() != st.as_slice() && a.len() > 1 {
            errs.push(format!("strides {:?} != {:?}", a.strides(), st));
        }
        if a.is_c_contiguous() != want["c_contiguous"].as_bool().unwrap()
            || a.is_f_contiguous() != want["f_contiguous"].as_bool().unwrap()
        {
            errs.push(format!(
                "flags c={} f={} != {} {}",
                a.is_c_contiguous(),
                a.is_f_contiguous(),
                want["c_contiguous"],
                want["f_contiguous"]
            ));
        }
    }
    if let Some(sha) = want.get("sha256") {
        match a.to_c_bytes() {
            Some(b) => {
                let got = hex(&Sha256::digest(&b));
                if got != sha.as_str().unwrap() {
                    errs.push("element bytes differ".to_string());
                }
            }
            None => errs.push("no element bytes".into()),
        }
    }
    if let Some(objs) = want.get("objects") {
        match (a.objects(), g) {
            (Some(ids), Some(g)) => {
                let got: Vec<String> = ids
                    .iter()
                    .map(|&id| brinery::repr(g, id, &brinery::ReprOptions::default()).unwrap())
                    .collect();
                let want: Vec<String> =
                    brinery_testutil::json_vec(objs, |s| s.as_str().map(String::from));
                if got != want {
                    errs.push(format!("objects {got:?} != {want:?}"));
                }
            }
            _ => errs.push("not an object array".into()),
        }
    }
    if errs.is_empty() {
        None
    } else {
        Some(errs.join("; "))
    }
}

#[test]
fn numpy_fixtures() {
    let dir = common::fixtures();
    let mut total = 0;
    let mut failures = Vec::new();
    let mut identical = (0, 0);
    let mut by_writer: HashMap<String, (usize, usize)> = HashMap::new();
    for e in expected() {
        let kind = e["kind"].as_str().unwrap();
        if kind != "pickle" {
            continue;
        }
        let file = e["file"].as_str().unwrap();
        let data = std::fs::read(dir.join(file)).unwrap();
        let nbuf = e.get("buffers").and_then(|b| b.as_u64()).unwrap_or(0);
        let bufs: Vec<Vec<u8>> = (0..nbuf)
            .map(|i| std::fs::read(dir.join(format!("{file}.buf{i}"))).unwrap())
            .collect();
        let encodings: Vec<String> = match e.get("encodings") {
            Some(v) => brinery_testutil::json_vec(v, |s| s.as_str().map(String::from)),
            None => vec!["ASCII".into()],
        };
        let writer = e["writer"].as_str().unwrap().to_string();
        for enc in &encodings {
            total += 1;
            let ent = by_writer.entry(writer.clone()).or_default();
            ent.1 += 1;
            let mut u = Unpickler::new().encoding(enc);
            if nbuf > 0 {
                u = u.buffers(bufs.iter().map(|b| Buf::Borrowed(b.as_slice())).collect());
            }
            let g = match u.load_slice(&data) {
                Ok(g) => g,
                Err(err) => {
                    failures.push(format!("{file} ({enc}): {err}"));
                    continue;
                }
            };
            let a = match Array::from_node(g.root()) {
                Ok(Some(a)) => a,
                Ok(None) => {
                    failures.push(format!("{file}: root is not an array"));
                    continue;
                }
                Err(err) => {
                    failures.push(format!("{file} ({enc}): {err}"));
                    continue;
                }
            };
            match check(&a, Some(&g), &e["arrays"][0], true) {
                Some(msg) => failures.push(format!("{file} ({enc}): {msg}")),
                None => by_writer.get_mut(&writer).unwrap().0 += 1,
            }
            // Written back the way numpy writes it: byte-identical?
            if let Some(sha) = e.get("numpy_pickle_sha256") {
                let proto = e["protocol"].as_u64().unwrap() as u8;
                let version = if writer == "np1" {
                    NumpyVersion::V1
                } else {
                    NumpyVersion::V2
                };
                // numpy writes `_frombuffer` at protocol 5 only for C- or
                // F-contiguous arrays and falls back to `_reconstruct` for
                // other layouts (a strided view); the layout is not in the
                // pickle, so the fixture's own choice is used.
                let from_buffer = data.windows(11).any(|w| w == b"_frombuffer");
                let form = if proto >= 5 && from_buffer {
                    ArrayForm::FromBuffer
                } else {
                    ArrayForm::Reconstruct
                };
                let mut out = brinery::Graph::new();
                let mut p = ArrayPickler::new(version);
                let bytes = if a.dtype().has_object() {
                    // Object arrays: their elements are nodes of `g`.
                    let mut g2 = g.clone();
                    let a2 = a.reborrow().into_owned();
                    let root = p.array(&mut g2, &a2, form).unwrap();
                    g2.set_root(root);
                    brinery::dumps(&g2, proto).unwrap()
                } else {
                    let l = a.reborrow();
                    let root = p.array(&mut out, &l, form).unwrap();
                    out.set_root(root);
                    brinery::dumps(&out, proto).unwrap()
                };
                identical.1 += 1;
                if hex(&Sha256::digest(&bytes)) == sha.as_str().unwrap() {
                    identical.0 += 1;
                } else if std::env::var_os("BRINERY_NUMPY_VERBOSE").is_some() {
                    eprintln!("not identical: {file}");
                    let d = common::tmp_dir("not_identical");
                    std::fs::write(d.join(file.replace('/', "_")), &bytes).unwrap();
                }
            }
        }
    }
    let mut writers: Vec<_> = by_writer.into_iter().collect();
    writers.sort();
    for (w, (ok, n)) in &writers {
        println!("numpy fixtures ({w}): {ok}/{n}");
    }
    println!("numpy fixtures: {}/{}", total - failures.len(), total);
    println!(
        "pickles written byte-identical to numpy's: {}/{}",
        identical.0, identical.1
    );
    assert_eq!(
        identical,
        (464, 464),
        "pickles written byte-identical to numpy's"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn scalar_and_dtype_fixtures() {
    let mut t = Tally::default();
    for (e, file, data) in fixtures_of("scalars") {
        let g = brinery::loads(&data).unwrap();
        let np2 = e["writer"] == "np2";
        for (i, want) in e["items"].as_array().unwrap().iter().enumerate() {
            t.n += 1;
            let v = g.root().get(&i).unwrap();
            let got = if want["kind"] == "dtype" {
                let d = Dtype::from_node(v).unwrap().unwrap();
                let mut errs = vec![];
                if d.str() != want["dtype"].as_str().unwrap() {
                    errs.push(format!("str {} != {}", d.str(), want["dtype"]));
                }
                if d.repr() != want["repr"].as_str().unwrap() {
                    errs.push(format!("repr {} != {}", d.repr(), want["repr"]));
                }
                // gen.py records `repr(dtype.descr)` for structured and
                // subarray dtypes and `dtype.str` (a plain string) otherwise.
                let w = want["descr"].as_str().unwrap();
                let w = if w.starts_with('[') || w.starts_with('(') {
                    w.replace('"', "'")
                } else {
                    format!("'{w}'")
                };
                if d.descr_literal() != w {
                    errs.push(format!("descr {} != {}", d.descr_literal(), want["descr"]));
                }
                errs
            } else {
                let a = Array::scalar_from_node(v).unwrap().unwrap();
                let mut errs = vec![];
                if a.dtype().str() != want["dtype"].as_str().unwrap() {
                    errs.push(format!("dtype {} != {}", a.dtype().str(), want["dtype"]));
                }
                if hex(&Sha256::digest(a.bytes().unwrap())) != want["sha256"].as_str().unwrap() {
                    errs.push("bytes differ".into());
                }
                if np2 {
                    let r = brinery_numpy::scalar_repr(&a);
                    if r != want["repr"].as_str().unwrap() {
                        errs.push(format!("repr {r} != {}", want["repr"]));
                    }
                }
                errs
            };
            if got.is_empty() {
                t.ok += 1;
            } else {
                t.failures.push(format!("{file}[{i}]: {}", got.join("; ")));
            }
        }
    }
    t.finish("numpy scalar/dtype fixtures");
}

#[test]
fn npy_npz_fixtures() {
    let dir = common::fixtures();
    let mut t = Tally::default();
    for e in expected() {
        let file = e["file"].as_str().unwrap();
        match e["kind"].as_str().unwrap() {
            "npy" => {
                t.n += 1;
                let data = std::fs::read(dir.join(file)).unwrap();
                let res = read_npy(&data).and_then(|npy| {
                    let a = npy.array()?;
                    Ok(check(&a, npy.graph(), &e["arrays"][0], true))
                });
                match res {
                    Ok(None) => t.ok += 1,
                    Ok(Some(m)) => t.failures.push(format!("{file}: {m}")),
                    Err(err) => t.failures.push(format!("{file}: {err}")),
                }
            }
            "npz" => {
                let data = std::fs::read(dir.join(file)).unwrap();
                let z = read_npz(&data, 1 << 30).unwrap();
                for (i, name) in e["names"].as_array().unwrap().iter().enumerate() {
                    t.n += 1;
                    let npy = z.get(name.as_str().unwrap()).unwrap().unwrap();
                    let a = npy.array().unwrap();
                    match check(&a, npy.graph(), &e["arrays"][i], true) {
                        None => t.ok += 1,
                        Some(m) => t.failures.push(format!("{file}:{name}: {m}")),
                    }
                }
            }
            _ => {}
        }
    }
    t.finish("npy/npz fixtures");
}

#[test]
fn joblib_fixtures() {
    let mut t = Tally::default();
    for (e, file, data) in fixtures_of("joblib") {
        let g = match brinery_numpy::joblib::load(&data) {
            Ok(g) => g,
            Err(err) => {
                t.failures.push(format!("{file}: {err}"));
                continue;
            }
        };
        let found: HashMap<String, brinery::NodeId> = find_arrays(&g).into_iter().collect();
        for (i, path) in e["paths"].as_array().unwrap().iter().enumerate() {
            t.n += 1;
            let path = path.as_str().unwrap();
            let Some(&id) = found.get(path) else {
                t.failures.push(format!(
                    "{file}: no array at {path} (found {:?})",
                    found.keys()
                ));
                continue;
            };
            let a = Array::from_node(g.view(id)).unwrap().unwrap();
            // joblib hands back what numpy would: strides of the order it
            // wrote (C or F); K arrays come back C-ordered.
            match check(&a, Some(&g), &e["arrays"][i], false) {
                None => t.ok += 1,
                Some(m) => t.failures.push(format!("{file}:{path}: {m}")),
            }
        }
    }
    t.finish("joblib fixtures");
}

#[test]
fn repr_fixtures() {
    let dir = common::fixtures();
    let (mut ok, mut n) = (0, 0);
    let mut misses = Vec::new();
    for e in expected() {
        let file = e["file"].as_str().unwrap();
        let data = std::fs::read(dir.join(file)).unwrap();
        let mut cases: Vec<(String, String)> = Vec::new();
        match e["kind"].as_str().unwrap() {
            "repr" | "npz" => {
                let z = read_npz(&data, 1 << 30).unwrap();
                for (i, name) in e["names"].as_array().unwrap().iter().enumerate() {
                    let npy = z.get(name.as_str().unwrap()).unwrap().unwrap();
                    let a = npy.array().unwrap();
                    let got = match npy.graph() {
                        Some(g) => array_repr_in(&a, g),
                        None => brinery_numpy::array_repr(&a),
                    };
                    cases.push((got, e["arrays"][i]["repr"].as_str().unwrap().to_string()));
                }
            }
            "npy" => {
                let npy = read_npy(&data).unwrap();
                let a = npy.array().unwrap();
                let got = match npy.graph() {
                    Some(g) => array_repr_in(&a, g),
                    None => brinery_numpy::array_repr(&a),
                };
                cases.push((got, e["arrays"][0]["repr"].as_str().unwrap().to_string()));
            }
            "pickle" if e["writer"] == "np2" && e["protocol"] == 2 => {
                let want = &e["arrays"][0];
                if want.get("loaded_dtype").is_none() {
                    let g = brinery::loads(&data).unwrap();
                    let a = Array::from_node(g.root()).unwrap().unwrap();
                    cases.push((
                        array_repr_in(&a, &g),
                        want["repr"].as_str().unwrap().to_string(),
                    ));
                }
            }
            _ => {}
        }
        for (got, want) in cases {
            n += 1;
            if got == want {
                ok += 1;
            } else {
                misses.push(format!("{file}:\n  got  {got}\n  want {want}"));
            }
        }
    }
    println!("numpy repr fixtures: {ok}/{n}");
    if std::env::var_os("BRINERY_NUMPY_VERBOSE").is_some() {
        for m in &misses {
            eprintln!("{m}");
        }
    }
    assert!(
        misses.is_empty(),
        "repr differs from numpy's: {ok}/{n}\n{}",
        misses.join("\n")
    );
    assert_eq!(n, 190, "the repr fixtures hold 190 cases");
}
