//! End-to-end tests of the `brine` binary, most of them against the
//! machine's `python3` (its pickle, pickletools, gzip, bz2, lzma and zlib).
//!
//! Without `python3` those tests print a loud SKIP, or fail when `CI` is set.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const DOGS: &str = "tests/data/dogs.pkl";
const DOGS_REPR: &str =
    "{'Ozzy': 3, 'Filou': 8, 'Luna': 5, 'Skippy': 10, 'Barco': 12, 'Balou': 9, 'Laika': 16}";

// ---------------------------------------------------------------------------
// helpers

fn brine() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_brine"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("COLUMNS").env_remove("NO_COLOR");
    c
}

/// Run brine with `args`, feeding `stdin`.
fn run(args: &[&str], stdin: &[u8]) -> Output {
    run_cmd(brine().args(args), stdin)
}

fn run_cmd(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut sin = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = sin.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    feeder.join().expect("feeder");
    out
}

/// Run brine and insist on success.
fn ok(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let out = run(args, stdin);
    assert!(
        out.status.success(),
        "brine {args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `true` if python3 can be used; otherwise a loud SKIP (or a failure in CI).
/// CPython's sample pickle at protocols 0 to 5, each written to
/// `dir/{stem}{proto}.pkl`: `(protocol, bytes, path)`.
fn samples_in(dir: &Path, stem: &str) -> Vec<(u8, Vec<u8>, PathBuf)> {
    (0..=5u8)
        .map(|proto| {
            let data = sample_pickle(proto);
            let path = write(dir, &format!("{stem}{proto}.pkl"), &data);
            (proto, data, path)
        })
        .collect()
}

fn have_python(test: &str) -> bool {
    brinery_testutil::python(
        &["pickle", "pickletools", "gzip", "bz2", "lzma", "zlib"],
        &format!("cli::{test}"),
    )
    .is_some()
}

/// For a test that needs python3: `f(folder, protocol, bytes, path)` for
/// CPython's sample pickle at each protocol, written to a scratch folder
/// (see [`samples_in`]); nothing after a loud SKIP (see [`have_python`]).
fn each_sample(test: &str, mut f: impl FnMut(&Path, u8, Vec<u8>, PathBuf)) {
    let Some(dir) = python_and_tmp(test) else {
        return;
    };
    for (proto, data, input) in samples_in(dir.path(), "in") {
        f(dir.path(), proto, data, input);
    }
}

/// For a test that needs python3: a scratch folder, or `None` after a
/// loud SKIP (see [`have_python`]).
fn python_and_tmp(test: &str) -> Option<tempfile::TempDir> {
    have_python(test).then(tmp)
}

/// Run a Python snippet; `sys.argv[1:]` are `args`.
fn py(code: &str, args: &[&str], stdin: &[u8]) -> Output {
    run_cmd(
        Command::new(brinery_testutil::python_exe())
            .arg("-c")
            .arg(code)
            .args(args),
        stdin,
    )
}

fn py_ok(code: &str, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let out = py(code, args, stdin);
    assert!(
        out.status.success(),
        "python failed: {}\n{code}",
        text(&out.stderr)
    );
    out.stdout
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// Values exercising most types, shared references and a cycle, defined in
/// Python (as `obj`).
const SAMPLE: &str = r#"
import collections, datetime, decimal, fractions
shared = [1, 2.5, 'shared']
cyc = []
cyc.append(cyc)
obj = {
    'ints': [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**63, -2**100],
    'floats': [0.0, -0.0, 1.5, 1e300, float('inf')],
    'text': ['', 'ascii', 'caf\u00e9', '\u2603', 'x' * 300, 'a\nb'],
    'bytes': [b'', b'\x00\xff', bytearray(b'ba'), b'y' * 300],
    'tuples': [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((),)],
    'sets': [set(), {1, 2, 3}, frozenset(), frozenset({'a'})],
    'consts': [None, True, False, ...],
    'shared': (shared, shared),
    'cycle': cyc,
    'objects': [collections.OrderedDict(a=1), datetime.date(2024, 2, 29),
                decimal.Decimal('1.10'), fractions.Fraction(3, 4), complex(1, 2)],
    'big': list(range(2500)),
}
"#;

/// Pickle `SAMPLE` at `proto` with CPython.
fn sample_pickle(proto: u8) -> Vec<u8> {
    let code = format!(
        "{SAMPLE}\nimport pickle, sys\nsys.stdout.buffer.write(pickle.dumps(obj, protocol={proto}))"
    );
    py_ok(&code, &[], b"")
}

/// `SAMPLE` without the class instances: builtin types only, whose repr
/// brine reproduces exactly (instances are shown as how they were made,
/// since no code is run).
fn builtin_sample_pickle(proto: u8) -> Vec<u8> {
    let code = format!(
        "{SAMPLE}\nimport pickle, sys\ndel obj['objects']\n\
         sys.stdout.buffer.write(pickle.dumps(obj, protocol={proto}))"
    );
    py_ok(&code, &[], b"")
}

fn python_dis(file: &Path, flags: &[&str]) -> Output {
    run_cmd(
        Command::new(brinery_testutil::python_exe())
            .args(["-m", "pickletools"])
            .args(flags)
            .arg(file),
        b"",
    )
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write");
    p
}

// ---------------------------------------------------------------------------
// help, usage, completions

#[test]
fn help_documents_commands_exit_codes_and_examples() {
    let out = ok(&["--help"], b"");
    let help = text(&out);
    let commands = [
        "show",
        "dis",
        "json",
        "from-json",
        "convert",
        "optimize",
        "completions",
    ];
    for word in commands.iter().chain(&["EXIT STATUS", "EXAMPLES"]) {
        assert!(help.contains(word), "--help lacks {word}:\n{help}");
    }
    for cmd in commands {
        let help = text(&ok(&[cmd, "--help"], b""));
        assert!(help.contains("EXAMPLES"), "{cmd} --help lacks examples");
    }
    let dis = text(&ok(&["dis", "--help"], b""));
    for flag in [
        "--annotate",
        "--indentlevel",
        "--memo",
        "--preamble",
        "--output",
    ] {
        assert!(dis.contains(flag), "dis --help lacks {flag}");
    }
    for cmd in ["show", "dis", "json", "convert", "optimize"] {
        let help = text(&ok(&[cmd, "--help"], b""));
        for flag in ["--encoding", "--errors", "--no-fix-imports"] {
            assert!(help.contains(flag), "{cmd} --help lacks {flag}");
        }
    }
    assert!(text(&ok(&["--version"], b"")).starts_with("brine "));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--frobnicate"][..],
        &["convert"],
        &["convert", "a.pkl"],
        &["convert", "--protocol", "6", "a", "b"],
        &["convert", "--compress", "rar", "a", "b"],
        &["show", "--color", "sometimes"],
        &["completions", "cmd.exe"],
        &["nosuchcommand"],
        &[],
    ] {
        let out = run(args, b"");
        assert_eq!(out.status.code(), Some(2), "brine {args:?}");
        assert!(out.stdout.is_empty(), "brine {args:?} wrote to stdout");
    }
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = text(&ok(&["completions", shell], b""));
        for word in ["brine", "from-json", "optimize", "indentlevel"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
}

// ---------------------------------------------------------------------------
// errors

/// Assert one `error: ...` line on stderr, nothing on stdout, and the code.
fn assert_error(out: &Output, code: i32) -> String {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert!(
        err.starts_with("error: ") && err.ends_with('\n') && err.lines().count() == 1,
        "not one error line: {err:?}"
    );
    assert!(!err.contains("panicked"), "{err}");
    err.trim_end().to_string()
}

#[test]
fn broken_pickles_exit_1_with_offset_and_opcode() {
    // Truncated inside an argument.
    let out = run(&["show", "--repr", "-"], b"\x80\x04K");
    let err = assert_error(&out, 1);
    // Every error names the file (here standard input).
    assert_eq!(
        err,
        "error: <stdin>: pickle data was truncated at byte 2 (BININT1)"
    );
    assert!(out.stdout.is_empty());

    // Every reading command reports the same line format.
    let dir = tmp();
    let bad = write(dir.path(), "bad.pkl", b"\x80\x02]q\x00(K\x01K\x02a");
    let outp = dir.path().join("out.pkl");
    for args in [
        vec!["show", path_str(&bad)],
        vec!["json", path_str(&bad)],
        vec!["convert", path_str(&bad), path_str(&outp)],
    ] {
        let out = run(&args, b"");
        let err = assert_error(&out, 1);
        assert!(
            err.contains(" at byte ") && err.ends_with(')'),
            "{args:?}: {err}"
        );
    }
    // A failed convert leaves no output and no temporary file behind.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("bad.pkl")]);

    // In a multi-pickle file the offset counts from the start of the file.
    let dogs = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(DOGS)).unwrap();
    let mut two = dogs.clone();
    two.extend_from_slice(b"\x80\x04K");
    let err = assert_error(&run(&["convert", "-", "-"], &two), 1);
    assert_eq!(
        err,
        format!(
            "error: <stdin>: pickle data was truncated at byte {} (BININT1)",
            dogs.len() + 2
        )
    );

    // Unknown opcode, empty input.
    assert_error(&run(&["show", "-"], b"\x80\x04\xff"), 1);
    assert_error(&run(&["convert", "-", "-"], b""), 1);
    assert_error(&run(&["optimize", "-", "-"], b"\x80\x04K\x01"), 1);
}

#[test]
fn io_errors_exit_3() {
    let dir = tmp();
    let missing = dir.path().join("missing.pkl");
    for args in [
        vec!["show", path_str(&missing)],
        vec!["dis", path_str(&missing)],
        vec!["json", path_str(&missing)],
        vec!["convert", path_str(&missing), "-"],
        vec!["optimize", path_str(&missing), "-"],
        vec!["from-json", path_str(&missing), "-"],
    ] {
        let err = assert_error(&run(&args, b""), 3);
        assert!(err.contains("missing.pkl"), "{err}");
    }
    // A directory is not a pickle; an output in a missing folder fails.
    assert_error(&run(&["show", path_str(dir.path())], b""), 3);
    let nowhere = dir.path().join("no/such/dir/out.pkl");
    assert_error(&run(&["convert", DOGS, path_str(&nowhere)], b""), 3);
}

#[test]
fn corrupt_compressed_input_exits_1() {
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    gz.extend_from_slice(b"definitely not deflate data");
    assert_error(&run(&["show", "-"], &gz), 1);
    assert_error(&run(&["dis", "-"], &gz), 1);
    let xz = b"\xfd7zXZ\x00garbagegarbagegarbage";
    assert_error(&run(&["convert", "-", "-"], xz), 1);
}

#[test]
fn closed_stdout_is_not_an_error() {
    if !have_python("closed_stdout_is_not_an_error") {
        return;
    }
    // `brine dis big | head -1`: stop quietly.
    let big = py_ok(
        "import pickle,sys; sys.stdout.buffer.write(pickle.dumps(list(range(200000)), 2))",
        &[],
        b"",
    );
    let dir = tmp();
    let p = write(dir.path(), "big.pkl", &big);
    let mut child = brine()
        .args(["dis", path_str(&p)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

// ---------------------------------------------------------------------------
// show

#[test]
fn show_repr_of_dogs() {
    let out = ok(&["show", "--repr", DOGS], b"");
    assert_eq!(text(&out), format!("{DOGS_REPR}\n"));
    // stdin, by `-` and by default
    let data = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(DOGS)).unwrap();
    assert_eq!(ok(&["show", "--repr", "-"], &data), out);
    assert_eq!(ok(&["show", "--repr"], &data), out);
}

#[test]
fn show_pretty_of_dogs() {
    let out = text(&ok(&["show", DOGS], b""));
    // The tree names dict keys as paths (`.Ozzy`).
    for name in [".Ozzy: 3", ".Laika", "16"] {
        assert!(out.contains(name), "{out}");
    }
    assert!(!out.contains('\x1b'), "coloured although piped: {out:?}");
    let coloured = text(&ok(&["show", "--color", "always", DOGS], b""));
    assert!(coloured.contains('\x1b'), "--color always: {coloured:?}");
    // A narrow width breaks the dict over several lines, a wide one not.
    let narrow = text(&ok(&["show", "--width", "20", DOGS], b""));
    assert!(narrow.lines().count() >= 7, "{narrow}");
    let wide = text(&ok(&["show", "--width", "200", DOGS], b""));
    assert_eq!(wide.lines().count(), 1, "{wide}");
}

#[test]
fn show_repr_matches_python() {
    let Some(dir) = python_and_tmp("show_repr_matches_python") else {
        return;
    };
    for proto in 0..=5u8 {
        let data = builtin_sample_pickle(proto);
        let p = write(dir.path(), &format!("s{proto}.pkl"), &data);
        let want = py_ok(
            "import pickle,sys; print(repr(pickle.load(open(sys.argv[1],'rb'))))",
            &[path_str(&p)],
            b"",
        );
        let got = ok(&["show", "--repr", path_str(&p)], b"");
        assert!(
            got == want,
            "protocol {proto}:\nbrine:  {}\npython: {}",
            text(&got),
            text(&want)
        );
    }
    // Standard-library values are shown as Python shows them, never run.
    let data = sample_pickle(4);
    let shown = text(&ok(&["show", "--pprint", "-"], &data));
    // ...and shared objects are marked (#1=[...] then #1#).
    assert!(shown.contains("#1="), "{shown}");
    for made in [
        "OrderedDict([('a', 1)])",
        "datetime.date(2024, 2, 29)",
        "Decimal('1.10')",
        "Fraction(3, 4)",
        "(1+2j)",
    ] {
        assert!(shown.contains(made), "{made} missing from {shown}");
    }
}

#[test]
fn show_all_pickles_of_a_stream() {
    if !have_python("show_all_pickles_of_a_stream") {
        return;
    }
    let data = py_ok(
        "import pickle,sys\nfor i, o in enumerate([[1], 'two', {3: None}]):\n    \
         sys.stdout.buffer.write(pickle.dumps(o, protocol=i + 2))",
        &[],
        b"",
    );
    assert_eq!(text(&ok(&["show", "--repr"], &data)), "[1]\n");
    assert_eq!(
        text(&ok(&["show", "--repr", "--all"], &data)),
        "[1]\n'two'\n{3: None}\n"
    );
    // A broken pickle after good ones: the good ones are shown, then the
    // error with the offset counted from the start of the file.
    let mut broken = data.clone();
    broken.extend_from_slice(b"\x80\x04K");
    let out = run(&["show", "--repr", "--all"], &broken);
    assert_eq!(text(&out.stdout), "[1]\n'two'\n{3: None}\n");
    let err = assert_error(&out, 1);
    assert_eq!(
        err,
        format!(
            "error: <stdin>: pickle data was truncated at byte {} (BININT1)",
            data.len() + 2
        )
    );
}

#[test]
fn reading_options_reach_the_unpickler() {
    // A Python 2 str with a non-ASCII byte.
    let py2 = b"\x80\x02U\x04caf\xe9q\x00.";
    // Seen through convert: UTF-8 text, or bytes.
    assert_error(&run(&["convert", "--protocol", "3", "-", "-"], py2), 1);
    assert_eq!(
        ok(
            &[
                "convert",
                "--encoding",
                "latin1",
                "--protocol",
                "3",
                "-",
                "-"
            ],
            py2
        ),
        b"\x80\x03X\x05\x00\x00\x00caf\xc3\xa9q\x00."
    );
    assert_eq!(
        ok(
            &[
                "convert",
                "--encoding",
                "bytes",
                "--protocol",
                "3",
                "-",
                "-"
            ],
            py2
        ),
        b"\x80\x03C\x04caf\xe9q\x00."
    );
    // fix_imports maps Python 2 module names when reading (and writing).
    let global = b"c__builtin__\nset\np0\n.";
    let fixed = ok(&["convert", "--protocol", "3", "-", "-"], global);
    assert!(fixed.windows(8).any(|w| w == b"builtins"), "{fixed:?}");
    let kept = ok(
        &["convert", "--no-fix-imports", "--protocol", "3", "-", "-"],
        global,
    );
    assert!(kept.windows(11).any(|w| w == b"__builtin__"), "{kept:?}");
}

#[test]
fn reading_options_reach_show() {
    let py2 = b"\x80\x02U\x04caf\xe9q\x00.";
    assert_error(&run(&["show", "--repr", "-"], py2), 1);
    assert_eq!(
        text(&ok(&["show", "--repr", "--encoding", "latin1", "-"], py2)),
        "'caf\u{e9}'\n"
    );
    assert_eq!(
        text(&ok(&["show", "--repr", "--encoding", "bytes", "-"], py2)),
        "b'caf\\xe9'\n"
    );
    assert_eq!(
        text(&ok(
            &[
                "show",
                "--repr",
                "--encoding",
                "ascii",
                "--errors",
                "replace",
                "-"
            ],
            py2
        )),
        "'caf\u{fffd}'\n"
    );
}

// ---------------------------------------------------------------------------
// dis

#[test]
fn dis_matches_pickletools() {
    let Some(dir) = python_and_tmp("dis_matches_pickletools") else {
        return;
    };
    let mut files = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join(DOGS)];
    for proto in [0u8, 1, 2, 3, 4, 5] {
        files.push(write(
            dir.path(),
            &format!("p{proto}.pkl"),
            &sample_pickle(proto),
        ));
    }
    for file in &files {
        for flags in [&[][..], &["-a"], &["-l", "2"], &["-a", "-l", "0"]] {
            let want = python_dis(file, flags);
            assert!(want.status.success(), "{}", text(&want.stderr));
            let mut args = vec!["dis"];
            args.extend_from_slice(flags);
            args.push(path_str(file));
            let got = ok(&args, b"");
            assert!(
                got == want.stdout,
                "dis {flags:?} {} differs",
                file.display()
            );
        }
    }
    // Several files, with and without a shared memo, custom preamble, and
    // --output.
    let (a, b) = (path_str(&files[0]), path_str(&files[3]));
    // Two pickles written by one Pickler: the second GETs from the memo
    // of the first, so it needs -m.
    let (m1, m2) = (dir.path().join("m1.pkl"), dir.path().join("m2.pkl"));
    py_ok(
        "import io,pickle,sys\nshared = ['s', (1, 2)]\nbuf = io.BytesIO()\n\
         p = pickle.Pickler(buf, 2)\np.dump(shared)\nopen(sys.argv[1], 'wb').write(buf.getvalue())\n\
         buf.seek(0); buf.truncate()\np.dump([shared, shared[1]])\n\
         open(sys.argv[2], 'wb').write(buf.getvalue())",
        &[path_str(&m1), path_str(&m2)],
        b"",
    );
    let (m1, m2) = (path_str(&m1), path_str(&m2));
    for (flags, files) in [
        (&[][..], [a, b]),
        (&["-p", "<<{name}>>"], [a, b]),
        (&["-a", "-p", "-> {name!r} {{literal}}"], [b, a]),
        (&["-m"], [m1, m2]),
        (
            &["-m", "-a", "-l", "1", "--preamble=-- {name} --"],
            [m1, m2],
        ),
    ] {
        let mut py_args = vec!["-m", "pickletools"];
        py_args.extend_from_slice(flags);
        py_args.extend(files);
        let want = run_cmd(
            Command::new(brinery_testutil::python_exe()).args(&py_args),
            b"",
        );
        assert!(want.status.success(), "{}", text(&want.stderr));
        let mut args = vec!["dis"];
        args.extend_from_slice(flags);
        args.extend(files);
        assert_eq!(text(&ok(&args, b"")), text(&want.stdout), "dis {flags:?}");
    }
    // Without -m the second one fails as in Python.
    let out = run(&["dis", m1, m2], b"");
    let want = run_cmd(
        Command::new(brinery_testutil::python_exe()).args(["-m", "pickletools", m1, m2]),
        b"",
    );
    assert_eq!(text(&out.stdout), text(&want.stdout));
    let last = text(&want.stderr)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    // The failing file is named.
    assert_eq!(assert_error(&out, 1), format!("error: {m2}: {last}"));
    let listing = dir.path().join("listing.txt");
    let out = ok(&["dis", "-a", "-o", path_str(&listing), a], b"");
    assert!(out.is_empty());
    assert_eq!(
        std::fs::read(&listing).unwrap(),
        python_dis(&files[0], &["-a"]).stdout
    );
    // Standard input is named <stdin> in the preamble, as in Python.
    let data = std::fs::read(&files[0]).unwrap();
    let got = text(&ok(&["dis", a, "-"], &data));
    assert!(got.contains("==> <stdin> <=="), "{got}");
}

#[test]
fn dis_broken_pickle_prints_listing_then_error() {
    let Some(dir) = python_and_tmp("dis_broken_pickle_prints_listing_then_error") else {
        return;
    };
    let good = sample_pickle(2);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good[..good.len() / 2].to_vec()),
        ("unknown-opcode", {
            let mut v = good[..40].to_vec();
            v.push(0xff);
            v
        }),
        ("stack-not-empty", b"K\x01K\x02.".to_vec()),
        ("empty", Vec::new()),
    ];
    for (name, data) in cases {
        let p = write(dir.path(), &format!("{name}.pkl"), &data);
        let want = python_dis(&p, &[]);
        assert!(!want.status.success(), "{name}: python accepted it");
        let got = run(&["dis", path_str(&p)], b"");
        assert_eq!(text(&got.stdout), text(&want.stdout), "{name}");
        let err = assert_error(&got, 1);
        let last = text(&want.stderr)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string();
        assert_eq!(err, format!("error: {}: {last}", path_str(&p)), "{name}");
    }
}

#[test]
fn dis_all_continues_after_stop() {
    if !have_python("dis_all_continues_after_stop") {
        return;
    }
    let data = py_ok(
        "import pickle,sys\nfor p in range(6):\n    \
         sys.stdout.buffer.write(pickle.dumps([p, 'x' * p], protocol=p))",
        &[],
        b"",
    );
    let want = py_ok(
        "import io,pickletools,sys\nf = io.BytesIO(sys.stdin.buffer.read())\n\
         while f.tell() < len(f.getbuffer()):\n    pickletools.dis(f)",
        &[],
        &data,
    );
    assert_eq!(text(&ok(&["dis", "--all", "-"], &data)), text(&want));
    // Without --all only the first, like `python -m pickletools`.
    let first = py_ok(
        "import io,pickletools,sys\npickletools.dis(io.BytesIO(sys.stdin.buffer.read()))",
        &[],
        &data,
    );
    assert_eq!(text(&ok(&["dis", "-"], &data)), text(&first));
}

// ---------------------------------------------------------------------------
// convert / optimize

/// `brine CMD input output` writes `want` to `output`, and `brine CMD - -`
/// turns `data` on stdin into `want` on stdout.
fn file_and_pipe(cmd: &str, input: &Path, output: &Path, data: &[u8], want: &[u8], proto: u8) {
    ok(&[cmd, path_str(input), path_str(output)], b"");
    assert!(
        std::fs::read(output).unwrap() == want,
        "{cmd}: protocol {proto} not byte-identical"
    );
    assert!(
        ok(&[cmd, "-", "-"], data) == want,
        "{cmd}: protocol {proto} via -"
    );
}

#[test]
fn convert_is_byte_identical_for_cpython_pickles() {
    each_sample(
        "convert_is_byte_identical_for_cpython_pickles",
        |dir, proto, data, input| {
            let output = dir.join(format!("out{proto}.pkl"));
            file_and_pipe("convert", &input, &output, &data, &data, proto);
            // The dogs at every protocol agree with CPython's pickler.
            let want = py_ok(
                &format!(
                    "import pickle,sys; sys.stdout.buffer.write(pickle.dumps(\
                 pickle.load(open(sys.argv[1],'rb')), protocol={proto}))"
                ),
                &[DOGS],
                b"",
            );
            let got = ok(
                &["convert", "--protocol", &proto.to_string(), DOGS, "-"],
                b"",
            );
            assert_eq!(got, want, "dogs at protocol {proto}");
        },
    );
}

#[test]
fn convert_in_place_and_multi_pickle() {
    let dir = tmp();
    let dogs = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(DOGS)).unwrap();
    let p = write(dir.path(), "dogs.pkl", &dogs);
    ok(
        &["convert", "--compress", "gzip", path_str(&p), path_str(&p)],
        b"",
    );
    let packed = std::fs::read(&p).unwrap();
    assert_eq!(&packed[..2], b"\x1f\x8b");
    ok(&["convert", path_str(&p), path_str(&p)], b"");
    assert_eq!(std::fs::read(&p).unwrap(), dogs);

    let mut two = dogs.clone();
    two.extend_from_slice(&dogs);
    assert_eq!(ok(&["convert", "-", "-"], &two), two);
}

#[test]
fn optimize_equals_pickletools_optimize() {
    each_sample(
        "optimize_equals_pickletools_optimize",
        |dir, proto, data, input| {
            let want = py_ok(
                "import pickletools,sys; \
             sys.stdout.buffer.write(pickletools.optimize(open(sys.argv[1],'rb').read()))",
                &[path_str(&input)],
                b"",
            );
            let output = dir.join(format!("opt{proto}.pkl"));
            file_and_pipe("optimize", &input, &output, &data, &want, proto);
        },
    );
}

// ---------------------------------------------------------------------------
// json

#[test]
fn json_round_trip_is_lossless() {
    each_sample("json_round_trip_is_lossless", |dir, proto, data, input| {
        let json = dir.join(format!("j{proto}.json"));
        ok(&["json", "-o", path_str(&json), path_str(&input)], b"");
        // Valid JSON for Python's json module.
        py_ok(
            "import json,sys; json.load(open(sys.argv[1]))",
            &[path_str(&json)],
            b"",
        );
        let back = dir.join(format!("back{proto}.pkl"));
        ok(&["from-json", path_str(&json), path_str(&back)], b"");
        assert!(
            std::fs::read(&back).unwrap() == data,
            "protocol {proto}: json -> from-json is not byte-identical"
        );
        // Through pipes.
        let j = ok(&["json", "-"], &data);
        assert!(
            ok(&["from-json", "-", "-"], &j) == data,
            "protocol {proto} via -"
        );
        // --protocol overrides the recorded protocol.
        let p2 = ok(&["from-json", "--protocol", "2", "-", "-"], &j);
        assert_eq!(&p2[..2], b"\x80\x02");
    });
}

#[test]
fn json_plain_is_ordinary_json() {
    if !have_python("json_plain_is_ordinary_json") {
        return;
    }
    let out = ok(&["json", "--plain", DOGS], b"");
    let check = py_ok(
        "import json,sys; d = json.load(sys.stdin); print(d['Luna'], len(d))",
        &[],
        &out,
    );
    assert_eq!(text(&check), "5 7\n");
}

#[test]
fn json_plain_marks_cycles() {
    // l = []; l.append(l), protocol 2
    let cyclic = b"\x80\x02]q\x00h\x00a.";
    assert_eq!(
        text(&ok(&["json", "--plain", "-"], cyclic)),
        "[\"<recursive>\"]\n"
    );
    let lossless = ok(&["json", "-"], cyclic);
    assert_eq!(ok(&["from-json", "-", "-"], &lossless), cyclic);
}

#[test]
fn deep_nesting_never_crashes() {
    // 100,000 nested lists: no stack overflow anywhere.
    let n = 100_000;
    let mut deep = vec![b'('; n];
    deep.extend(std::iter::repeat_n(b'l', n));
    deep.push(b'.');
    for args in [
        &["show", "--repr", "-"][..],
        &["show", "-"],
        &["json", "-"],
        &["json", "--plain", "-"],
        &["convert", "--protocol", "4", "-", "-"],
    ] {
        let out = run(args, &deep);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let json = ok(&["json", "-"], &deep);
    let back = ok(&["from-json", "--protocol", "0", "-", "-"], &json);
    assert!(back == ok(&["convert", "-", "-"], &deep));
}

#[test]
fn from_json_rejects_bad_json() {
    assert_error(&run(&["from-json", "-", "-"], b"{not json"), 1);
    assert_error(&run(&["from-json", "-", "-"], b"\xff\xfe"), 1);
}

// ---------------------------------------------------------------------------
// compression

/// The Python code that compresses (or with `decompress`, decompresses)
/// stdin to stdout for a `--compress` format, where Python has a module
/// for it.
fn python_codec(format: &str, decompress: bool) -> Option<String> {
    let (module, options) = match (format, decompress) {
        ("gzip" | "bz2" | "zlib", _) => (format, ""),
        ("xz", false) => ("lzma", ""),
        ("xz", true) => ("lzma", ", format=lzma.FORMAT_XZ"),
        ("lzma", _) => ("lzma", ", format=lzma.FORMAT_ALONE"),
        _ => return None,
    };
    let verb = if decompress { "decompress" } else { "compress" };
    Some(format!(
        "import {module},sys; sys.stdout.buffer.write({module}.{verb}(sys.stdin.buffer.read(){options}))"
    ))
}

const FORMATS: [&str; 7] = ["gzip", "bz2", "xz", "lzma", "zlib", "zstd", "lz4"];

/// Compress with an implementation other than brine's writer: Python's
/// modules, or the zstd / lz4_flex crates directly.
fn compress_independently(format: &str, data: &[u8]) -> Vec<u8> {
    if let Some(code) = python_codec(format, false) {
        return py_ok(&code, &[], data);
    }
    match format {
        "zstd" => zstd::encode_all(data, 19).unwrap(),
        "lz4" => {
            let mut enc = lz4_flex::frame::FrameEncoder::new(Vec::new());
            enc.write_all(data).unwrap();
            enc.finish().unwrap()
        }
        _ => unreachable!(),
    }
}

fn decompress_independently(format: &str, data: &[u8]) -> Vec<u8> {
    if let Some(code) = python_codec(format, true) {
        return py_ok(&code, &[], data);
    }
    let mut out = Vec::new();
    match format {
        "zstd" => out = zstd::decode_all(data).unwrap(),
        "lz4" => {
            lz4_flex::frame::FrameDecoder::new(data)
                .read_to_end(&mut out)
                .unwrap();
        }
        _ => unreachable!(),
    }
    out
}

#[test]
fn every_compression_format_is_read() {
    if !have_python("every_compression_format_is_read") {
        return;
    }
    let plain = sample_pickle(4);
    let dir = tmp();
    let plain_path = write(dir.path(), "plain.pkl", &plain);
    let want_dis = python_dis(&plain_path, &["-a"]).stdout;
    for format in FORMATS {
        let packed = compress_independently(format, &plain);
        assert_ne!(packed, plain);
        let p = write(dir.path(), &format!("c.{format}"), &packed);
        // convert decompresses (and keeps the protocol): the original bytes.
        assert!(
            ok(&["convert", path_str(&p), "-"], b"") == plain,
            "{format}: convert"
        );
        assert!(
            ok(&["convert", "-", "-"], &packed) == plain,
            "{format}: stdin"
        );
        assert!(
            ok(&["dis", "-a", path_str(&p)], b"") == want_dis,
            "{format}: dis"
        );
        assert!(
            ok(&["optimize", path_str(&p), "-"], b"") == ok(&["optimize", "-", "-"], &plain),
            "{format}: optimize"
        );
    }
}

#[test]
fn every_compression_format_is_written() {
    if !have_python("every_compression_format_is_written") {
        return;
    }
    let plain = sample_pickle(3);
    for format in FORMATS {
        let packed = ok(&["convert", "--compress", format, "-", "-"], &plain);
        assert_ne!(packed, plain, "{format}");
        assert!(
            decompress_independently(format, &packed) == plain,
            "{format}: not readable by the reference decoder"
        );
        // ...and brine reads its own output back.
        assert!(ok(&["convert", "-", "-"], &packed) == plain, "{format}");
        let opt = ok(&["optimize", "--compress", format, "-", "-"], &plain);
        assert!(
            decompress_independently(format, &opt) == ok(&["optimize", "-", "-"], &plain),
            "{format}: optimize --compress"
        );
    }
}

#[test]
fn big_input_streams_without_progress_when_piped() {
    // > 8 MiB: the progress bar threshold. stderr is a pipe here, so
    // nothing may be drawn on it.
    let n: u64 = 12 << 20;
    let mut data = b"\x80\x04\x8e".to_vec(); // PROTO 4, BINBYTES8
    data.extend_from_slice(&n.to_le_bytes());
    data.extend(std::iter::repeat_n(b'z', n as usize));
    data.push(b'.');
    let dir = tmp();
    let p = write(dir.path(), "big.pkl", &data);
    let out = run(&["dis", path_str(&p)], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(
        listing.contains("BINBYTES8"),
        "{}",
        &listing[..listing.len().min(300)]
    );
    let out = run(&["convert", "--compress", "zstd", path_str(&p), "-"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let plain = ok(&["convert", path_str(&p), "-"], b"");
    assert!(zstd::decode_all(&out.stdout[..]).unwrap() == plain);
}

#[test]
fn scan_exit_codes_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, data: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, data).unwrap();
        p.to_str().unwrap().to_string()
    };
    let good = write("good.pkl", b"\x80\x04K\x01.");
    let bad = write("bad.pkl", b"cos\nsystem\n(S'id'\ntR.");
    let cut = write("cut.pkl", b"\x80\x02]q\x00(K\x01");
    let code = |args: &[&str]| run(args, b"").status.code();
    assert_eq!(code(&["scan", &good]), Some(0));
    assert_eq!(code(&["scan", &bad]), Some(1));
    assert_eq!(code(&["scan", &cut]), Some(2));
    assert_eq!(code(&["scan", &good, &cut, &bad]), Some(1), "unsafe wins");
    let out = run(&["scan", "--format", "json", &bad], b"");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"][0]["findings"][0]["name"], "os.system");
    let out = run(&["scan", "--format", "sarif", &bad], b"");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let out = run(&["scan", "-"], b"cos\nsystem\n(S'id'\ntR.");
    assert_eq!(out.status.code(), Some(1));
    let out = run(&["scan"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: brine scan"));
    let policy = write("policy.toml", b"allow = [\"__main__.*\"]");
    let m = write("main.pkl", b"\x80\x04\x8c\x08__main__\x8c\x03Foo\x93)\x81.");
    assert_eq!(code(&["scan", &m]), Some(1));
    assert_eq!(code(&["scan", "--policy", &policy, &m]), Some(0));
}
