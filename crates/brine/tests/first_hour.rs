//! Issue 21: the friction of a new user's first hour, one test per point
//! (big-file tests on data generated here, never committed).

mod common;
use common::*;

use std::path::{Path, PathBuf};

use brinery::Graph;

fn write_graph(path: &Path, g: &Graph<'_>) {
    std::fs::write(path, brinery::dumps(g, 4).unwrap()).unwrap();
}

/// `n` records `{'id': i, 'name': 'user<i>'}` in a list.
fn records(n: usize) -> Graph<'static> {
    let mut g = Graph::new();
    let (kid, kname) = (g.str("id"), g.str("name"));
    let items: Vec<_> = (0..n)
        .map(|i| {
            let (v, s) = (g.int(i as i64), g.str(format!("user{i}")));
            g.dict(vec![(kid, v), (kname, s)]).unwrap()
        })
        .collect();
    let root = g.list(items);
    g.set_root(root);
    g
}

// 1. Big values are shown, summarised; --max-items, --depth, --all-items.
#[test]
fn big_values_always_fit() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.pkl");
    write_graph(&big, &records(200_000));
    let shown = ok(&["show", p(&big)]);
    assert!(shown.lines().count() <= 40, "{shown}");
    assert!(
        shown.starts_with(&format!("{}: list (200,000 items)\n", p(&big))),
        "{shown}"
    );
    assert!(
        shown.contains("├── [0]: {'id': 0, 'name': 'user0'}\n"),
        "{shown}"
    );
    assert!(shown.ends_with("└── … 199,990 more items\n"), "{shown}");
    let three = ok(&["show", "--max-items", "3", p(&big)]);
    assert!(three.ends_with("└── … 199,997 more items\n"), "{three}");
    assert_eq!(ok(&["show", "--depth", "0", p(&big)]).lines().count(), 1);

    // list(range(1000)): one line, not a thousand; --all-items: all.
    let mut g = Graph::new();
    let items: Vec<_> = (0..1000).map(|i| g.int(i)).collect();
    let root = g.list(items);
    g.set_root(root);
    let r = dir.path().join("range.pkl");
    write_graph(&r, &g);
    let one = ok(&["show", p(&r)]);
    assert_eq!(one.lines().count(), 1, "{one}");
    assert!(one.contains("list (1,000 items) [0, 1, 2,"), "{one}");
    assert!(one.trim_end().ends_with(", …"), "{one}");
    let all = ok(&["show", "--all-items", p(&r)]);
    assert_eq!(all.lines().count(), 1001);
    assert!(all.ends_with("└── [999]: 999\n"), "{all}");
}

// 2. convert keeps (or picks) compression from the output's name.
#[test]
fn convert_compresses_as_the_name_says() {
    use brinery_compress::Format;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("df.pkl");
    write_graph(&src, &records(100));
    let cases = [
        ("gz", Some(Format::Gzip)),
        ("gzip", Some(Format::Gzip)),
        ("bz2", Some(Format::Bz2)),
        ("xz", Some(Format::Xz)),
        ("lzma", Some(Format::Lzma)),
        ("zst", Some(Format::Zstd)),
        ("zstd", Some(Format::Zstd)),
        ("lz4", Some(Format::Lz4)),
        ("zlib", Some(Format::Zlib)),
        ("pkl", None),
    ];
    for (ext, want) in cases {
        let out = dir.path().join(format!("out.pkl.{ext}"));
        ok(&["convert", p(&src), p(&out)]);
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(brinery_compress::detect(&bytes), want, "{ext}");
        // ...and reads back the same.
        assert_eq!(
            ok(&["show", "--repr", p(&out)]),
            ok(&["show", "--repr", p(&src)])
        );
    }
    // A .gz input to a .gz output stays gzip (pandas' to_pickle/read_pickle).
    let gz = dir.path().join("out.pkl.gz");
    let again = dir.path().join("again.pkl.gz");
    ok(&["convert", p(&gz), p(&again)]);
    assert_eq!(
        brinery_compress::detect(&std::fs::read(&again).unwrap()),
        Some(Format::Gzip)
    );
    // --compress none forces plain; an explicit format wins over the name.
    let plain = dir.path().join("plain.pkl.gz");
    ok(&["convert", "--compress", "none", p(&src), p(&plain)]);
    assert_eq!(std::fs::read(&plain).unwrap(), std::fs::read(&src).unwrap());
    let forced = dir.path().join("forced.pkl");
    ok(&["convert", "--compress", "zst", p(&src), p(&forced)]);
    assert_eq!(
        brinery_compress::detect(&std::fs::read(&forced).unwrap()),
        Some(Format::Zstd)
    );
    let (code, err) = fails(&["convert", "--compress", "rar", p(&src), p(&forced)]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown compression 'rar'"), "{err}");
    // What Python reads: pickle.load(gzip.open(...)).
    if let Some(py) = brinery_testutil::python(&[], "convert_compresses_as_the_name_says") {
        let got = py_with_path(
            &py,
            "import gzip,pickle,sys; print(len(pickle.load(gzip.open(sys.argv[1]))))",
            &again,
        );
        assert_eq!(got.trim(), "100");
    }
}

// 3. Errors name the file; what is recognisably not a pickle says so first.
#[test]
fn errors_name_the_file_and_say_not_a_pickle() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let png = d.join("x.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01").unwrap();
    let txt = d.join("notes.txt");
    std::fs::write(&txt, "just some notes\nline two\n").unwrap();
    let empty = d.join("empty.pkl");
    std::fs::write(&empty, b"").unwrap();
    let (code, err) = fails(&["show", p(&png)]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        format!(
            "error: {}: not a pickle (looks like PNG image data); unpickling says: \
             invalid load key, '\\x1a'. at byte 6",
            p(&png)
        )
    );
    let (_, err) = fails(&["show", p(&txt)]);
    assert!(
        err.starts_with(&format!(
            "error: {}: not a pickle (looks like text); unpickling says: ",
            p(&txt)
        )),
        "{err}"
    );
    let (_, err) = fails(&["json", p(&empty)]);
    assert_eq!(
        err,
        format!(
            "error: {}: not a pickle (it is an empty file); unpickling says: Ran out of input at byte 0",
            p(&empty)
        )
    );
    let (code, err) = fails(&["show", p(d)]);
    assert_eq!((code, err), (3, format!("error: {}: is a directory", p(d))));
    let missing = d.join("missing.pkl");
    let (code, err) = fails(&["show", p(&missing)]);
    assert_eq!(code, 3);
    assert!(
        err.starts_with(&format!("error: {}: ", p(&missing))),
        "{err}"
    );
    // dis of several files names the one that failed.
    let good = d.join("good.pkl");
    write_graph(&good, &records(1));
    let (code, err) = fails(&["dis", p(&good), p(&png), p(&good)]);
    assert_eq!(code, 1);
    assert!(err.starts_with(&format!("error: {}: ", p(&png))), "{err}");
    assert!(err.ends_with("(1 more file not disassembled)"), "{err}");
    // A Python 2 str that does not decode suggests --encoding.
    let py2 = d.join("py2.pkl");
    std::fs::write(&py2, b"\x80\x02U\x04caf\xe9q\x00.").unwrap();
    let (_, err) = fails(&["show", p(&py2)]);
    assert!(
        err.contains("'ascii' codec can't decode byte 0xe9"),
        "{err}"
    );
    assert!(
        err.contains("--encoding latin1, or --encoding bytes"),
        "{err}"
    );
    assert_eq!(ok(&["show", "--encoding", "latin1", p(&py2)]), "'café'\n");
    assert_eq!(
        ok(&["show", "--encoding", "bytes", p(&py2)]),
        "b'caf\\xe9'\n"
    );
}

// 4. json --plain is natural for common types; --pretty indents.
#[test]
fn json_plain_is_natural() {
    let Some((py, dir)) = python_tmp(&[], "json_plain_is_natural") else {
        return;
    };
    let f = dir.path().join("types.pkl");
    let want = py_with_path(&py, "import pickle, sys, json, datetime as dt, decimal, fractions, uuid, pathlib, collections\n\
             tz = dt.timezone(dt.timedelta(hours=2))\n\
             v = {'when': dt.datetime(2024, 5, 1, 12, 30, 0, 250, tzinfo=tz), 'naive': dt.datetime(2024, 1, 2, 3, 4, 5),\n\
                  'day': dt.date(2024, 2, 29), 'at': dt.time(1, 2, 3), 'utc': dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),\n\
                  'dec': decimal.Decimal('1.25'), 'exact_lost': decimal.Decimal('0.1000000000000000000001'),\n\
                  'third': fractions.Fraction(1, 3), 'quarter': fractions.Fraction(3, 4), 'td': dt.timedelta(seconds=90.5),\n\
                  'id': uuid.UUID(int=5), 'path': pathlib.PurePosixPath('/tmp/x'), 'set': {1, 2}, 'fs': frozenset(),\n\
                  'od': collections.OrderedDict(a=1), 'c': 1+2j}\n\
             pickle.dump(v, open(sys.argv[1], 'wb'))\n\
             nat = {'when': v['when'].isoformat(), 'naive': v['naive'].isoformat(), 'day': '2024-02-29', 'at': '01:02:03',\n\
                    'utc': '2020-01-01T00:00:00+00:00', 'dec': 1.25, 'exact_lost': '0.1000000000000000000001',\n\
                    'third': '1/3', 'quarter': 0.75, 'td': 90.5, 'id': str(v['id']), 'path': '/tmp/x', 'set': [1, 2], 'fs': [],\n\
                    'od': {'a': 1}, 'c': [1.0, 2.0]}\n\
             print(json.dumps(nat))\n", &f);
    let got: serde_json::Value = serde_json::from_str(&ok(&["json", "--plain", p(&f)])).unwrap();
    let want: serde_json::Value = serde_json::from_str(&want).unwrap();
    assert_eq!(got, want);
    assert_eq!(got["when"], "2024-05-01T12:30:00.000250+02:00");
    let pretty = ok(&["json", "--plain", "--pretty", p(&f)]);
    assert!(
        pretty.starts_with("{\n  \"when\": \"2024-05-01T12:30:00.000250+02:00\",\n"),
        "{pretty}"
    );
    let back: serde_json::Value = serde_json::from_str(&pretty).unwrap();
    assert_eq!(back, got);
    // The lossless form pretty-printed is still the lossless form.
    let lossless: serde_json::Value =
        serde_json::from_str(&ok(&["json", "--pretty", p(&f)])).unwrap();
    assert_eq!(lossless["brinery"], 1);
    // numpy arrays and scalars: numbers.
    if let Some(py) = brinery_testutil::python(&["numpy"], "json_plain_is_natural (numpy)") {
        let f = dir.path().join("np.pkl");
        py_with_path(&py, "import pickle, sys, numpy as np\n\
                 pickle.dump({'a': np.arange(6, dtype=np.int16).reshape(2, 3), 'x': np.float64(2.5),\n\
                 'e': np.zeros((2, 0)), 'b': np.array([True, False])}, open(sys.argv[1], 'wb'))", &f);
        let got: serde_json::Value =
            serde_json::from_str(&ok(&["json", "--plain", p(&f)])).unwrap();
        assert_eq!(
            got,
            serde_json::json!({"a": [[0, 1, 2], [3, 4, 5]], "x": 2.5, "e": [[], []], "b": [true, false]})
        );
    }
}

/// `dir/big.pkl`, a pickle of about `mib` MiB: a list of 256 KiB bytes objects (few memo
/// entries, so memory is about streaming, not the memo).
fn big_bytes_pickle(dir: &Path, mib: usize) -> PathBuf {
    let path = dir.join("big.pkl");
    let mut g = Graph::new();
    let items: Vec<_> = (0..mib * 4)
        .map(|i| g.bytes(vec![(i % 251) as u8; 256 << 10]))
        .collect();
    let root = g.list(items);
    g.set_root(root);
    write_graph(&path, &g);
    path
}

/// Peak resident memory of `brine args` in KiB (`getrusage` of the child,
/// through Python), or None without Python.
fn peak_kib(py: &str, args: &[&str]) -> u64 {
    let mut argv = vec![
        "-c",
        "import resource, subprocess, sys\n\
         subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)\n\
         print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
        env!("CARGO_BIN_EXE_brine"),
    ];
    argv.extend_from_slice(args);
    brinery_testutil::run(py, &argv, &[])
        .trim()
        .parse()
        .unwrap()
}

// 9. dis and json stream: peak memory on a generated 96 MiB file.
#[test]
fn dis_and_json_stream_in_bounded_memory() {
    let Some((py, dir)) = python_tmp(&[], "dis_and_json_stream_in_bounded_memory") else {
        return;
    };
    let f = big_bytes_pickle(dir.path(), 96);
    let size_kib = std::fs::metadata(&f).unwrap().len() / 1024;
    let dis = peak_kib(&py, &["dis", p(&f)]);
    let json = peak_kib(&py, &["json", p(&f)]);
    let plain = peak_kib(&py, &["json", "--plain", p(&f)]);
    println!(
        "input {} MiB: peak RSS dis {} MiB, json {} MiB, json --plain {} MiB",
        size_kib / 1024,
        dis / 1024,
        json / 1024,
        plain / 1024
    );
    // dis holds neither the file nor the listing.
    assert!(
        dis < size_kib / 4,
        "dis peaked at {dis} KiB for {size_kib} KiB"
    );
    // json holds the input (decoded zero-copy) but not its ~4/3-size
    // base64 output.
    assert!(
        json < size_kib * 3 / 2,
        "json peaked at {json} KiB for {size_kib} KiB"
    );
    assert!(
        plain < size_kib * 3 / 2,
        "json --plain peaked at {plain} KiB for {size_kib} KiB"
    );
}

// 7. Progress is drawn only on a terminal: never into a pipe or a file.
#[test]
fn no_progress_outside_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let f = big_bytes_pickle(dir.path(), 9);
    let out = dir.path().join("out.pkl.gz");
    for args in [
        vec!["show", p(&f)],
        vec!["json", "--plain", p(&f)],
        vec!["convert", p(&f), p(&out)],
        vec!["optimize", p(&f), p(&out)],
    ] {
        let o = brine(&args);
        assert!(o.status.success(), "{args:?}");
        assert!(
            o.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

// 8. A multi-pickle file: show says on stderr how many more follow.
#[test]
fn multi_pickle_show_says_more_follow() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("multi.pkl");
    let mut data = Vec::new();
    for i in 0..4 {
        let mut g = Graph::new();
        let v = g.int(i);
        g.set_root(v);
        data.extend(brinery::dumps(&g, 2).unwrap());
    }
    std::fs::write(&f, &data).unwrap();
    let out = brine(&["show", p(&f)]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "0\n");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        format!(
            "note: {}: 3 more pickles follow the first; --all shows them",
            p(&f)
        )
    );
    let out = brine(&["show", "--all", p(&f)]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "0\n1\n2\n3\n");
    assert!(out.stderr.is_empty());
}

// 10. Smaller points.
#[test]
fn smaller_points() {
    // `brine help show` is `brine show --help`.
    assert_eq!(ok(&["help", "show"]), ok(&["show", "--help"]));
    // --width 0 is refused.
    let (code, err) = fails(&["show", "--width", "0", "x.pkl"]);
    assert_eq!(code, 2);
    assert!(err.contains("must be at least 1"), "{err}");
    // --repr says what happens for classes Python would import.
    let help = ok(&["show", "--help"]);
    assert!(help.contains("Python would have to import"), "{help}");
    // from-json says when it is byte-identical and when only equal.
    let help = ok(&["from-json", "--help"]);
    assert!(help.contains("Byte-identical or equal"), "{help}");
    assert!(help.contains("loads to an equal object"), "{help}");
    // --path is not completed with file names (bash script).
    let bash = ok(&["completions", "bash"]);
    let at = bash
        .find("--path)")
        .expect("--path in the bash completions");
    let case = &bash[at..at + bash[at..].find(";;").unwrap()];
    assert!(!case.contains("compgen -f"), "{case}");
}

// 10. export without --path on several arrays lists them; both path forms.
#[test]
fn export_lists_arrays_and_takes_both_path_forms() {
    let Some((py, dir)) = python_tmp(&["numpy"], "export_lists_arrays") else {
        return;
    };
    let f = dir.path().join("m.pkl");
    py_with_path(&py, "import pickle, sys, numpy as np\n\
             pickle.dump({'steps': [('a', np.arange(3)), ('b', np.ones((2, 2), dtype=np.float32))]}, open(sys.argv[1], 'wb'))", &f);
    let out = dir.path().join("x.npy");
    let (code, err) = fails(&["export", p(&f), p(&out)]);
    assert_eq!(code, 2);
    assert!(
        err.contains("holds 2 arrays: pick one with --path:"),
        "{err}"
    );
    assert!(err.contains("\n    .steps[0][1]  int64 [3]"), "{err}");
    assert!(err.contains("\n    .steps[1][1]  float32 [2, 2]"), "{err}");
    for path in ["['steps'][1][1]", ".steps[1][1]", "steps.1.1"] {
        ok(&["export", "--path", path, p(&f), p(&out)]);
        let shown = ok(&["show", "--repr", p(&out)]);
        assert_eq!(
            shown, "array([[1., 1.],\n       [1., 1.]], dtype=float32)\n",
            "{path}"
        );
    }
}

// 11. Install docs, man page, completions.
#[test]
fn man_page_completions_and_install_docs() {
    let man = ok(&["man"]);
    assert!(man.starts_with(".ie"), "{}", &man[..200.min(man.len())]);
    assert!(man.contains(".TH brine 1"), "no .TH");
    assert!(man.contains("brine\\-show"), "subcommands listed");
    let show = ok(&["man", "show"]);
    assert!(
        show.contains(".TH brine-show 1"),
        "{}",
        &show[..300.min(show.len())]
    );
    for sh in ["bash", "zsh", "fish"] {
        assert!(!ok(&["completions", sh]).is_empty());
    }
    let readme: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(readme).unwrap();
    for needle in [
        "cargo install --path crates/brine",
        "brine man",
        "brine completions bash",
        "brine completions zsh",
        "brine completions fish",
        "brinery = { path",
    ] {
        assert!(readme.contains(needle), "README lacks {needle:?}");
    }
}

// 4. json --plain of PyTorch tensors: nested arrays whose values are the
// bytes torch wrote (sha256 recorded by the fixtures' generator).
#[test]
fn json_plain_tensors_are_torchs_values() {
    let Some(py) = brinery_testutil::python(&["numpy"], "json_plain_tensors_are_torchs_values")
    else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("../brinery-torch/tests/fixtures");
    let out = brinery_testutil::run(
        &py,
        &[
            p(&root.join("tests/py/check_torch_json.py")),
            p(&fixtures.join("expected.json")),
            env!("CARGO_BIN_EXE_brine"),
            p(&fixtures),
        ],
        &[],
    );
    let last = out.lines().last().unwrap_or_default();
    println!("{last}");
    let n: Vec<usize> = last
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(n.len(), 2, "{out}");
    assert_eq!(n[1], 0, "{out}");
    assert!(n[0] >= 150, "only {} tensors checked:\n{out}", n[0]);
    // Without --plain: no lossless form for a checkpoint, said plainly.
    let (code, err) = fails(&["json", p(&fixtures.join("nested.pt"))]);
    assert_eq!(code, 1);
    assert!(err.contains("use --plain"), "{err}");
}

// 7. ...and on a terminal, convert shows its progress against the input's
// size, with a percentage and an ETA (stderr on a pseudo-terminal).
#[test]
fn progress_on_a_terminal() {
    let Some((py, dir)) = python_tmp(&[], "progress_on_a_terminal") else {
        return;
    };
    let f = big_bytes_pickle(dir.path(), 12);
    let out = dir.path().join("out.pkl.gz");
    let seen = brinery_testutil::run(
        &py,
        &[
            "-c",
            "import os, pty, subprocess, sys\n\
             m, s = pty.openpty()\n\
             p = subprocess.Popen(sys.argv[1:], stderr=s, stdout=subprocess.DEVNULL)\n\
             os.close(s)\n\
             buf = b''\n\
             while True:\n\
             \x20   try:\n\
             \x20       d = os.read(m, 65536)\n\
             \x20   except OSError:\n\
             \x20       break\n\
             \x20   if not d:\n\
             \x20       break\n\
             \x20   buf += d\n\
             assert p.wait() == 0\n\
             sys.stdout.write(buf.decode('utf-8', 'replace'))",
            env!("CARGO_BIN_EXE_brine"),
            "convert",
            p(&f),
            p(&out),
        ],
        &[],
    );
    assert!(seen.contains(&format!("writing {}", p(&out))), "{seen:?}");
    assert!(seen.contains("% ") && seen.contains("eta"), "{seen:?}");
}

// 1. Deep nesting fits too: lines never wider than the width, the view
// cut at 2000 lines with a note.
#[test]
fn deep_nesting_fits() {
    let mut g = Graph::new();
    let mut x = g.list(vec![]);
    for i in 0..50_000 {
        let v = g.int(i);
        x = g.list(vec![x, v]);
    }
    g.set_root(x);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("deep.pkl");
    write_graph(&f, &g);
    let shown = ok(&["show", "--width", "80", p(&f)]);
    assert_eq!(shown.lines().count(), 2001);
    let name_len = p(&f).chars().count();
    for l in shown.lines().skip(1) {
        assert!(l.chars().count() <= 80, "{l}");
    }
    assert!(shown.lines().next().unwrap().chars().count() <= 80 + name_len);
    assert!(
        shown.contains("[level 100] ├── [0]: list (2 items)\n"),
        "{}",
        &shown[..2000]
    );
    assert!(shown.ends_with("… (view cut at 2,000 lines: use --depth, --path or --all-items)\n"));
}

// 4. --pretty lossless JSON is still read back by from-json, byte-identical.
#[test]
fn pretty_lossless_json_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("r.pkl");
    write_graph(&src, &records(50));
    let json = dir.path().join("r.json");
    ok(&["json", "--pretty", "-o", p(&json), p(&src)]);
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(
        text.starts_with("{\n  \"brinery\": 1,\n  \"protocol\": 4,\n"),
        "{text}"
    );
    let back = dir.path().join("back.pkl");
    ok(&["from-json", p(&json), p(&back)]);
    assert_eq!(std::fs::read(&back).unwrap(), std::fs::read(&src).unwrap());
}
