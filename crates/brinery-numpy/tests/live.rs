//! Arrays brinery writes (pickles at protocols 0-5 in both of numpy's
//! forms, in-band and out-of-band; .npy; .npz) load in python3 + numpy as
//! arrays equal to the originals.

mod common;

use std::path::PathBuf;

use brinery::{Buf, Unpickler};
use brinery_numpy::{
    read_npy, read_npz, write_npy, write_npy_pickled, write_npz, Array, ArrayForm, ArrayPickler,
    NumpyVersion,
};
use serde_json::{json, Value};

const CHECK: &str = r#"
import json, pickle, sys, numpy as np
man = json.load(open(sys.argv[1]))

def same(back, a):
    if back.shape != a.shape:
        return False
    if a.dtype.hasobject:
        return back.dtype == a.dtype and all(repr(x) == repr(y) for x, y in zip(back.ravel(), a.ravel()))
    if a.dtype.names:
        # np.load leaves record padding uninitialised: compare fields.
        return back.dtype == a.dtype and bool((back == a).all())
    if back.dtype == a.dtype and back.dtype.byteorder == a.dtype.byteorder:
        return back.tobytes() == a.tobytes()
    return back.dtype.newbyteorder('=') == a.dtype.newbyteorder('=') and back.astype(a.dtype).tobytes() == a.tobytes()

def load(path, kind, nbuf=0, name=None):
    data = open(path, 'rb').read()
    if kind == 'pickle':
        bufs = [open(f'{path}.buf{i}', 'rb').read() for i in range(nbuf)]
        return pickle.loads(data, buffers=bufs)
    if kind == 'npy':
        return np.load(path, allow_pickle=True)
    return np.load(path, allow_pickle=True)[name]

ok = 0
bad = []
for m in man:
    try:
        got = load(m['out'], m['kind'], m.get('buffers', 0), m.get('name'))
        ref = load(m['ref'], m['ref_kind'], m.get('ref_buffers', 0), m.get('name'))
        if same(got, ref):
            ok += 1
        else:
            bad.append(f"{m['out']}: {got!r} != {ref!r}")
    except Exception as e:
        bad.append(f"{m['out']}: {type(e).__name__}: {e}")
print(ok, len(man))
for b in bad[:30]:
    print(b)
"#;

fn expected() -> Vec<Value> {
    let text = std::fs::read_to_string(common::fixtures().join("expected.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["entries"].as_array().unwrap().clone()
}

fn run_check(py: &str, manifest: &[Value], what: &str) {
    let dir = common::tmp_dir("live");
    let path = dir.join(format!("{}.json", what.replace(['/', ' '], "_")));
    std::fs::write(&path, serde_json::to_string(manifest).unwrap()).unwrap();
    let out = common::run_py(py, CHECK, &[path.to_str().unwrap()]);
    let mut lines = out.lines();
    let counts: Vec<usize> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|x| x.parse().unwrap())
        .collect();
    println!("{what} loaded equal by numpy: {}/{}", counts[0], counts[1]);
    assert_eq!(
        counts[0],
        counts[1],
        "{}",
        lines.collect::<Vec<_>>().join("\n")
    );
    assert!(counts[1] > 0);
}

/// What each live test starts from: numpy's Python (or `None` after a
/// loud SKIP), the fixture folder, a scratch folder named `name` and an
/// empty manifest for [`run_check`].
fn start(name: &str) -> Option<(String, PathBuf, PathBuf, Vec<Value>)> {
    let py = common::python()?;
    Some((py, common::fixtures(), common::tmp_dir(name), Vec::new()))
}

#[test]
fn pickles_brinery_writes_load_in_numpy() {
    let Some((py, fx, dir, mut manifest)) = start("live_pickles") else {
        return;
    };
    for e in expected() {
        if e["kind"] != "pickle" || e["writer"] != "np2" || e.get("buffers").is_some() {
            continue;
        }
        let file = e["file"].as_str().unwrap();
        if !file.ends_with(".p4.pkl") {
            continue;
        }
        let data = std::fs::read(fx.join(file)).unwrap();
        let g = brinery::loads(&data).unwrap();
        let a = Array::from_node(g.root()).unwrap().unwrap();
        let stem = file.rsplit('/').next().unwrap().trim_end_matches(".p4.pkl");
        for version in [NumpyVersion::V1, NumpyVersion::V2] {
            for proto in 0..=5u8 {
                for form in [ArrayForm::Reconstruct, ArrayForm::FromBuffer] {
                    if form == ArrayForm::FromBuffer && proto < 5 {
                        continue;
                    }
                    for oob in [false, true] {
                        if oob && form != ArrayForm::FromBuffer {
                            continue;
                        }
                        let mut g2 = g.clone();
                        let mut p = ArrayPickler::new(version);
                        let a2 = a.reborrow();
                        let root = p.array(&mut g2, &a2, form).unwrap();
                        g2.set_root(root);
                        let mut bufs: Vec<Vec<u8>> = Vec::new();
                        let bytes = {
                            let mut pk = brinery::Pickler::new(proto);
                            if oob {
                                pk = pk.buffer_callback(|b, _| {
                                    bufs.push(b.to_vec());
                                    false
                                });
                            }
                            let mut out = Vec::new();
                            pk.dump_node(&g2, root, &mut out).unwrap();
                            out
                        };
                        let name = format!("{stem}.{version:?}.p{proto}.{form:?}.{oob}.pkl");
                        let out = dir.join(&name);
                        std::fs::write(&out, &bytes).unwrap();
                        for (i, b) in bufs.iter().enumerate() {
                            std::fs::write(dir.join(format!("{name}.buf{i}")), b).unwrap();
                        }
                        // brinery reads its own output back too.
                        let mut u = Unpickler::new();
                        if oob {
                            u = u.buffers(
                                bufs.iter().map(|b| Buf::Borrowed(b.as_slice())).collect(),
                            );
                        }
                        let back = u.load_slice(&bytes).unwrap();
                        let b = Array::from_node(back.root()).unwrap().unwrap();
                        assert_eq!(b.dtype(), a.dtype(), "{name}");
                        assert_eq!(b.shape(), a.shape(), "{name}");
                        assert_eq!(b.to_c_bytes(), a.to_c_bytes(), "{name}");
                        manifest.push(json!({
                            "out": out.to_str().unwrap(), "kind": "pickle", "buffers": bufs.len(),
                            "ref": fx.join(file).to_str().unwrap(), "ref_kind": "pickle",
                        }));
                    }
                }
            }
        }
    }
    run_check(&py, &manifest, "pickles written by brinery");
}

#[test]
fn npy_and_npz_brinery_writes_load_in_numpy() {
    let Some((py, fx, dir, mut manifest)) = start("live_npy") else {
        return;
    };
    let mut identical = (0, 0);
    let mut arrays: Vec<(String, Vec<u8>)> = Vec::new();
    for e in expected() {
        if e["kind"] != "npy" {
            continue;
        }
        let file = e["file"].as_str().unwrap();
        let data = std::fs::read(fx.join(file)).unwrap();
        let npy = read_npy(&data).unwrap();
        let mut out = Vec::new();
        match npy.graph() {
            Some(g) => write_npy_pickled(&mut out, g, g.root_id().unwrap()).unwrap(),
            None => write_npy(&mut out, &npy.array().unwrap()).unwrap(),
        }
        identical.1 += 1;
        if out == data {
            identical.0 += 1;
        } else {
            eprintln!("not identical to np.save: {file}");
        }
        let name = file.rsplit('/').next().unwrap().to_string();
        let p = dir.join(&name);
        std::fs::write(&p, &out).unwrap();
        manifest.push(json!({"out": p.to_str().unwrap(), "kind": "npy",
                             "ref": fx.join(file).to_str().unwrap(), "ref_kind": "npy"}));
        if npy.graph().is_none() {
            arrays.push((name.trim_end_matches(".npy").to_string(), data));
        }
    }
    println!(
        "npy files written byte-identical to np.save: {}/{}",
        identical.0, identical.1
    );
    assert_eq!(identical.0, identical.1);
    // npz of every non-object array, stored and deflated.
    let decoded: Vec<(String, Array<'_>)> = arrays
        .iter()
        .map(|(n, d)| match read_npy(d).unwrap() {
            brinery_numpy::Npy::Array(a) => (n.clone(), a),
            _ => unreachable!(),
        })
        .collect();
    let refs: Vec<(&str, &Array<'_>)> = decoded.iter().map(|(n, a)| (n.as_str(), a)).collect();
    for compressed in [false, true] {
        let path = dir.join(format!("all_{compressed}.npz"));
        let f = std::fs::File::create(&path).unwrap();
        write_npz(f, &refs, compressed).unwrap();
        // brinery reads it back.
        let bytes = std::fs::read(&path).unwrap();
        let z = read_npz(&bytes, 1 << 30).unwrap();
        assert_eq!(z.names().count(), refs.len());
        for (n, a) in &refs {
            let npy = z.get(n).unwrap().unwrap();
            let b = npy.array().unwrap();
            assert_eq!(b.to_c_bytes(), a.to_c_bytes());
            manifest.push(json!({"out": path.to_str().unwrap(), "kind": "npz", "name": n,
                                 "ref": fx.join(format!("npy/{n}.npy")).to_str().unwrap(), "ref_kind": "npy"}));
        }
    }
    run_check(&py, &manifest, "npy/npz written by brinery");
}

#[test]
fn joblib_arrays_pickle_back_for_numpy() {
    let Some((py, fx, dir, mut manifest)) = start("live_joblib") else {
        return;
    };
    let mut joblib_files = 0usize;
    let has_lz4 = std::process::Command::new(&py)
        .args(["-c", "import lz4"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    for e in expected() {
        if e["kind"] != "joblib" {
            continue;
        }
        let file = e["file"].as_str().unwrap();
        if e["compression"] == "lz4" && !has_lz4 {
            brinery_testutil::skip(
                &format!("the live joblib check of {file}"),
                "the python lz4 module is not installed (joblib needs it to load the reference)",
            );
            continue;
        }
        joblib_files += 1;
        let data = std::fs::read(fx.join(file)).unwrap();
        let g = brinery_numpy::joblib::load(&data).unwrap();
        // The whole joblib payload as a plain pickle numpy loads.
        for proto in [2u8, 5] {
            let bytes = brinery::dumps(&g, proto).unwrap();
            let name = format!("{}.p{proto}.pkl", file.replace('/', "_"));
            let p = dir.join(&name);
            std::fs::write(&p, &bytes).unwrap();
            manifest.push(
                json!({"out": p.to_str().unwrap(), "kind": "pickle", "name": null,
                                 "ref": fx.join(file).to_str().unwrap(), "ref_kind": "joblib"}),
            );
        }
    }
    let code = r#"
import json, pickle, sys, joblib, numpy as np
man = json.load(open(sys.argv[1]))
ok = 0
for m in man:
    got = pickle.load(open(m['out'], 'rb'))
    ref = joblib.load(m['ref'])
    def eq(x, y):
        if isinstance(y, np.ndarray):
            return isinstance(x, np.ndarray) and x.shape == y.shape and (x.dtype.hasobject and repr(x) == repr(y) or not x.dtype.hasobject and x.astype(y.dtype).tobytes() == y.tobytes())
        if isinstance(y, dict):
            return x.keys() == y.keys() and all(eq(x[k], y[k]) for k in y)
        if isinstance(y, list):
            return len(x) == len(y) and all(eq(a, b) for a, b in zip(x, y))
        return x == y
    if eq(got, ref):
        ok += 1
    else:
        print('differs:', m['out'], got, ref)
print(ok, len(man))
"#;
    let path = dir.join("manifest.json");
    std::fs::write(&path, serde_json::to_string(&manifest).unwrap()).unwrap();
    let out = common::run_py(&py, code, &[path.to_str().unwrap()]);
    let last = out.lines().last().unwrap().to_string();
    println!(
        "joblib payloads re-pickled, loaded equal by numpy: {}",
        last.replace(' ', "/")
    );
    let c: Vec<usize> = last.split(' ').map(|n| n.parse().unwrap()).collect();
    assert_eq!(c[0], c[1], "{out}");
    assert_eq!(
        c[1],
        2 * joblib_files,
        "every joblib fixture at protocols 2 and 5"
    );
    assert!(
        joblib_files >= 10,
        "too few joblib fixtures: {joblib_files}"
    );
}
