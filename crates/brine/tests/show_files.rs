//! Issue 15: `brine show` for every file people have: .npy/.npz everywhere
//! a pickle is read, out-of-band buffers, the tree view, and every fixture
//! of the repository shown with exit 0.

mod common;
use common::*;

fn numpy_python(what: &str) -> Option<String> {
    brinery_testutil::python(&["numpy"], what)
}

/// Files recognised by content: a `.npy` shows as numpy's repr, a `.npz`
/// as a mapping of member names to arrays; json and dis read them too.
#[test]
fn npy_and_npz_everywhere() {
    let Some((py, dir)) = python_tmp(&["numpy"], "npy_and_npz_everywhere") else {
        return;
    };
    py_with_path(&py, "import numpy as np, sys, os\n\
             d = sys.argv[1]\n\
             np.save(os.path.join(d, 'small.npy'), np.arange(6).reshape(2, 3))\n\
             np.save(os.path.join(d, 'f.npy'), np.linspace(0, 1, 5, dtype=np.float32))\n\
             np.save(os.path.join(d, 'obj.npy'), np.array([{'k': 1}, None, 'x'], dtype=object), allow_pickle=True)\n\
             np.savez(os.path.join(d, 'z.npz'), a=np.arange(3), b=np.eye(2))\n\
             os.rename(os.path.join(d, 'small.npy'), os.path.join(d, 'small.data'))\n", dir.path());
    let small = dir.path().join("small.data");
    // By content, not by name; the view is numpy's repr.
    let want = py_with_path(
        &py,
        "import numpy as np,sys; print(repr(np.load(sys.argv[1])))",
        &small,
    );
    let got = ok(&["show", "--repr", p(&small)]);
    assert_eq!(got, want, "--repr of a .npy is numpy's repr");
    let tree = ok(&["show", p(&small)]);
    assert!(
        tree.starts_with(&format!("{}: ndarray int64 (2, 3)\n", p(&small))),
        "{tree}"
    );
    assert!(tree.contains("array([[0, 1, 2],"), "{tree}");

    // json --plain: nested lists, as tolist() and json.dumps write them.
    for (file, expr) in [
        ("small.data", "np.load(f).tolist()"),
        ("f.npy", "np.load(f).tolist()"),
    ] {
        let f = dir.path().join(file);
        let want = brinery_testutil::run(
            &py,
            &[
                "-c",
                &format!("import numpy as np,sys,json; f=sys.argv[1]; print(json.dumps({expr}))"),
                p(&f),
            ],
            &[],
        );
        let got = ok(&["json", "--plain", p(&f)]);
        let a: serde_json::Value = serde_json::from_str(&got).unwrap();
        let b: serde_json::Value = serde_json::from_str(&want).unwrap();
        assert_eq!(a, b, "{file}");
    }

    // .npz: a mapping of member names to arrays.
    let z = dir.path().join("z.npz");
    let tree = ok(&["show", p(&z)]);
    assert!(tree.contains("dict (2 keys)"), "{tree}");
    assert!(tree.contains(".a: array([0, 1, 2])"), "{tree}");
    let want = py_with_path(
        &py,
        "import numpy as np,sys; z=np.load(sys.argv[1]); print(repr({k: z[k] for k in z.files}))",
        &z,
    );
    assert_eq!(ok(&["show", "--repr", p(&z)]), want);
    let j: serde_json::Value = serde_json::from_str(&ok(&["json", "--plain", p(&z)])).unwrap();
    assert_eq!(
        j,
        serde_json::json!({"a": [0, 1, 2], "b": [[1.0, 0.0], [0.0, 1.0]]})
    );
    // --path to an npz member.
    let b = ok(&["show", "--path", "['b']", p(&z)]);
    assert!(b.contains("array([[1., 0.],"), "{b}");

    // dis of an object array's .npy: the pickle after the header, exactly
    // as pickletools shows it.
    let obj = dir.path().join("obj.npy");
    let want = py_with_path(
        &py,
        "import numpy as np,sys,pickletools,io\n\
             f=open(sys.argv[1],'rb'); v=np.lib.format.read_magic(f)\n\
             fmt=np.lib.format\n\
             (fmt.read_array_header_1_0 if v==(1,0) else fmt.read_array_header_2_0)(f)\n\
             pickletools.dis(f.read())",
        &obj,
    );
    assert_eq!(ok(&["dis", p(&obj)]), want);
    let shown = ok(&["show", "--repr", p(&obj)]);
    assert_eq!(shown.trim(), "array([{'k': 1}, None, 'x'], dtype=object)");
    // A numeric .npy holds no pickle: dis says so, naming the file.
    let out = brine(&["dis", p(&dir.path().join("f.npy"))]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("f.npy: an .npy file of float32 holds no pickle"),
        "{err}"
    );
}

/// `--buffers FILE...`: out-of-band buffers of a protocol 5 pickle, in
/// order, on every reading command.
#[test]
fn out_of_band_buffers() {
    let Some((py, dir)) = python_tmp(&[], "out_of_band_buffers") else {
        return;
    };
    py_with_path(&py, "import pickle, sys, os\n\
             d = sys.argv[1]; bufs = []\n\
             obj = {'a': pickle.PickleBuffer(bytearray(b'first')), 'b': [pickle.PickleBuffer(b'second!')]}\n\
             data = pickle.dumps(obj, protocol=5, buffer_callback=bufs.append)\n\
             open(os.path.join(d, 'x.pkl'), 'wb').write(data)\n\
             for i, b in enumerate(bufs):\n    open(os.path.join(d, f'b{i}.bin'), 'wb').write(b.raw())\n\
             back = pickle.loads(data, buffers=[open(os.path.join(d, f'b{i}.bin'), 'rb').read() for i in range(len(bufs))])\n\
             open(os.path.join(d, 'want.txt'), 'w').write(repr(back) + '\\n')\n", dir.path());
    let x = dir.path().join("x.pkl");
    let (b0, b1) = (dir.path().join("b0.bin"), dir.path().join("b1.bin"));
    let want = std::fs::read_to_string(dir.path().join("want.txt")).unwrap();
    let got = ok(&["show", "--repr", "--buffers", p(&b0), p(&b1), "--", p(&x)]);
    assert_eq!(got, want);
    // Without them: the file and CPython's message.
    let out = brine(&["show", p(&x)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "x.pkl: pickle stream refers to out-of-band data but no *buffers* argument was given"
        ),
        "{err}"
    );
    // json and convert take them too.
    let j = ok(&["json", "--plain", "--buffers", p(&b0), p(&b1), "--", p(&x)]);
    assert!(j.contains("\"a\":"), "{j}");
    let outp = dir.path().join("in_band.pkl");
    ok(&[
        "convert",
        "--buffers",
        p(&b0),
        p(&b1),
        "--",
        p(&x),
        p(&outp),
    ]);
    assert_eq!(ok(&["show", "--repr", p(&outp)]), want);
}

/// The tree: one line per node with guides and `name: Type` summaries,
/// shared objects and cycles marked, --depth, --max-items, --path.
#[test]
fn tree_view() {
    let Some((py, dir)) = python_tmp(&["numpy"], "tree_view") else {
        return;
    };
    let f = dir.path().join("t.pkl");
    py_with_path(&py, "import pickle, sys, numpy as np, collections\n\
             class Ref:\n    def __init__(self, t): self.t = t\n\
             class P(pickle.Pickler):\n    def persistent_id(self, o):\n        return ('storage', o.t, '0', 'cpu', 589824) if isinstance(o, Ref) else None\n\
             import types\n\
             torch = types.ModuleType('torch'); torch._utils = types.ModuleType('torch._utils')\n\
             def _rebuild_tensor_v2(*a): pass\n\
             _rebuild_tensor_v2.__module__ = 'torch._utils'; _rebuild_tensor_v2.__qualname__ = '_rebuild_tensor_v2'\n\
             class FloatStorage: pass\n\
             FloatStorage.__module__ = 'torch'\n\
             torch._utils._rebuild_tensor_v2 = _rebuild_tensor_v2; torch.FloatStorage = FloatStorage\n\
             sys.modules['torch'] = torch; sys.modules['torch._utils'] = torch._utils\n\
             class T:\n    def __reduce__(self):\n        return (_rebuild_tensor_v2, (Ref(FloatStorage), 0, (768, 768), (768, 1), False, collections.OrderedDict()))\n\
             shared = [1, 2]\n\
             cyc = {}; cyc['me'] = cyc\n\
             root = {f'k{i}': i for i in range(12)}\n\
             root.update(text='x' * 2100, arr=np.zeros((3, 4)), w=T(), s1=shared, s2=shared, cyc=cyc)\n\
             P(open(sys.argv[1], 'wb'), protocol=4).dump(root)\n", &f);
    let tree = ok(&["show", "--width", "60", p(&f)]);
    let lines: Vec<&str> = tree.lines().collect();
    assert!(lines[0].ends_with(": dict (18 keys)"), "{tree}");
    assert!(tree.contains("├── .k0: 0\n"), "{tree}");
    assert!(tree.contains("└── … 8 more items\n"), "{tree}");
    // --max-items opens up; summaries of every kind.
    let tree = ok(&["show", "--width", "60", "--max-items", "100", p(&f)]);
    assert!(tree.contains(".text: str (2.1 kB) 'xxxx"), "{tree}");
    assert!(tree.contains(".arr: ndarray float64 (3, 4)"), "{tree}");
    assert!(tree.contains(".w: Tensor float32 [768, 768]"), "{tree}");
    assert!(
        tree.contains(".s1: list (2 items) [1, 2]  (shared)"),
        "{tree}"
    );
    assert!(
        tree.contains(".s2: → .s1  (shared list (2 items))"),
        "{tree}"
    );
    assert!(
        tree.contains(".me: ↻ .cyc  (cycle: dict (1 key))"),
        "{tree}"
    );
    assert!(
        tree.lines()
            .all(|l| l.chars().count() <= 60 || l.contains("array(")),
        "{tree}"
    );
    // --depth 0: the root line only.
    assert_eq!(ok(&["show", "--depth", "0", p(&f)]).lines().count(), 1);
    // --path, both spellings.
    let a = ok(&["show", "--path", "['cyc']", p(&f)]);
    let b = ok(&["show", "--path", ".cyc", p(&f)]);
    assert_eq!(a, b);
    assert_eq!(a.trim(), "{'me': {...}}");
    // A path that does not exist names the step.
    let out = brine(&["show", "--path", "['nope'][1]", p(&f)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the root (dict (18 keys)) has no .nope"),
        "{err}"
    );
    // Colour on demand; cycle marks are dim, not red.
    let col = ok(&["show", "--color", "always", "--max-items", "100", p(&f)]);
    assert!(col.contains("\x1b[2m↻ .cyc"), "{col}");
    assert!(!col.contains("\x1b[1;31m"), "{col}");
}

/// A PyTorch checkpoint with --path/--repr/--depth: its object (the
/// `data.pkl` pickle), tensors summarised.
#[test]
fn torch_checkpoint_as_a_tree() {
    let f = repo().join("crates/brinery-torch/tests/fixtures/nested.pt");
    let tree = ok(&["show", "--path", ".model", p(&f)]);
    assert!(
        tree.contains("nested.pt[nested/data.pkl] .model: collections.OrderedDict (4 keys)\n"),
        "{tree}"
    );
    assert!(
        tree.contains("├── ['0.weight']: Tensor float32 [3, 4]\n"),
        "{tree}"
    );
    assert!(
        tree.contains("└── ['2.bias']: Tensor float32 [2]\n"),
        "{tree}"
    );
    let top = ok(&["show", "--depth", "1", "--path", ".", p(&f)]);
    assert!(top.contains("├── .epoch: 3\n"), "{top}");
    // A legacy (pre-1.6) file: its object is the fourth pickle.
    let legacy = repo().join("crates/brinery-torch/tests/fixtures/nested_legacy.pt");
    let tree = ok(&["show", "--path", ".model", p(&legacy)]);
    assert!(
        tree.contains("├── ['0.weight']: Tensor float32 [3, 4]\n"),
        "{tree}"
    );
    // Without those flags: the table of tensors, as before.
    let table = ok(&["show", p(&f)]);
    assert!(table.contains("PyTorch zip checkpoint"), "{table}");
}

/// Every fixture file of the numpy, torch, stdlib and Python 2 fixture
/// directories is shown with exit 0 (with the options it needs), except
/// the files listed here with their reason.
#[test]
fn every_fixture_shows() {
    // Files that are not shown, and why (also listed in the README).
    let exceptions: &[(&str, &str)] = &[
        (
            "bad_short_storage.pt",
            "deliberately broken torch fixture (storage too short)",
        ),
        (
            "bad_storage_type.pt",
            "deliberately broken torch fixture (unknown storage type)",
        ),
        (
            "bad_negative.pt",
            "deliberately broken torch fixture (negative stride)",
        ),
        (
            "bad_key.pt",
            "deliberately broken torch fixture (missing storage record)",
        ),
        (
            "bad_extent.pt",
            "deliberately broken torch fixture (tensor past its storage)",
        ),
        (
            "bad_huge.pt",
            "deliberately broken torch fixture (huge size)",
        ),
        (
            "bad_offset.pt",
            "deliberately broken torch fixture (bad offset)",
        ),
        (
            "bad_overflow.pt",
            "deliberately broken torch fixture (size overflow)",
        ),
        (
            "fuzz_zip64_size_overflow.bin",
            "fuzzer regression input: a corrupt zip",
        ),
        (
            "fuzz_zip64_descriptor_overflow.bin",
            "fuzzer regression input: a corrupt zip",
        ),
        (
            "zip_prefixed.bin",
            "a zip with 64 bytes of junk in front: not a pickle",
        ),
    ];
    let dirs = [
        repo().join("crates/brinery-numpy/tests/fixtures"),
        repo().join("crates/brinery-torch/tests/fixtures"),
    ];
    let mut files = brinery_testutil::files_under(&dirs);
    files.sort();
    let (mut shown, mut skipped, mut failed) = (0, 0, Vec::new());
    for f in &files {
        let name = f.file_name().unwrap().to_str().unwrap();
        // Generators, expected outputs and raw buffer files.
        if name.ends_with(".py")
            || name.ends_with(".json")
            || name.ends_with(".txt")
            || name.contains(".buf")
        {
            continue;
        }
        if exceptions.iter().any(|(n, _)| *n == name) {
            skipped += 1;
            continue;
        }
        let mut args: Vec<String> = vec!["show".into()];
        // Python 2 pickles of numpy arrays hold their bytes in Python 2
        // `str`: read them as numpy does (encoding='latin1').
        if f.to_str().unwrap().contains("/py2/") {
            args.extend(["--encoding".into(), "latin1".into()]);
        }
        // Out-of-band pickles come with their buffer files.
        if name.ends_with(".oob.pkl") && f.with_file_name(format!("{name}.buf0")).exists() {
            args.push("--buffers".into());
            let mut i = 0;
            while f.with_file_name(format!("{name}.buf{i}")).exists() {
                args.push(
                    f.with_file_name(format!("{name}.buf{i}"))
                        .to_str()
                        .unwrap()
                        .into(),
                );
                i += 1;
            }
            args.push("--".into());
        }
        args.push(f.to_str().unwrap().into());
        let argv: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        let out = brine(&argv);
        if out.status.success() {
            shown += 1;
        } else {
            failed.push(format!("{name}: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    // Standard-library values at every protocol (and their Python 2
    // forms), made by CPython.
    let mut stdlib = 0;
    if let Some(py) = brinery_testutil::python(&[], "every_fixture_shows (stdlib cases)") {
        let script = repo().join("crates/brinery/tests/py/stdlib_cases.py");
        let out = brinery_testutil::run(
            &py,
            &[p(&script)],
            &[("PYTHONPATH", &repo().join("crates/brinery/tests/py"))],
        );
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let hex = case["pickle"].as_str().unwrap();
            let bytes: Vec<u8> = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            let f = dir.path().join("case.pkl");
            std::fs::write(&f, &bytes).unwrap();
            let mut args = vec!["show"];
            if let Some(e) = case["encoding"].as_str() {
                args.extend(["--encoding", e]);
            }
            args.push(p(&f));
            let out = brine(&args);
            if out.status.success() {
                stdlib += 1;
            } else {
                failed.push(format!(
                    "stdlib case {}: {}",
                    case["name"],
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        assert!(stdlib > 100, "only {stdlib} stdlib cases");
    }
    println!("fixtures shown: {shown}, listed exceptions: {skipped}, stdlib cases shown: {stdlib}");
    assert!(
        failed.is_empty(),
        "{} failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
    assert_eq!(skipped, exceptions.len(), "an exception no longer exists");
    assert!(shown > 300, "only {shown} fixtures");
}

/// `json --plain` of datetime64/timedelta64 `.npy` fixtures: numpy's own
/// `str` of each datetime (NaT as null), timedeltas in seconds.
#[test]
fn npy_times_as_plain_json() {
    let Some(py) = numpy_python("npy_times_as_plain_json") else {
        return;
    };
    let dir = repo().join("crates/brinery-numpy/tests/fixtures/npy");
    let mut checked = 0;
    for name in ["dt_D", "dt_ns", "be_dt_us", "dt_generic", "td_s", "td_25s"] {
        let f = dir.join(format!("{name}.npy"));
        let want = py_with_path(&py, "import numpy as np, json, sys\n\
                 a = np.load(sys.argv[1])\n\
                 if a.dtype.kind == 'M':\n\
                 \x20   v = [None if np.isnat(x) else str(x) for x in a.ravel()]\n\
                 else:\n\
                 \x20   v = [None if np.isnat(x) else float(x / np.timedelta64(1, 's')) for x in a.ravel()]\n\
                 print(json.dumps(np.array(v, dtype=object).reshape(a.shape).tolist()))", &f);
        let got: serde_json::Value =
            serde_json::from_str(&ok(&["json", "--plain", p(&f)])).unwrap();
        let want: serde_json::Value = serde_json::from_str(&want).unwrap();
        assert_eq!(got, want, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 6);
}
