//! `brinery::dis` and `brinery::optimize` against CPython's `pickletools`.
//!
//! `tests/py/dis_cases.py` pickles thousands of random values at every
//! protocol, builds random opcode streams (Python 2 opcodes included), takes
//! CPython's test-suite pickles and breaks all of these in various ways; it
//! records what `pickletools.dis` prints (plain, `-a`, `-l 2`, and several
//! files with and without `-m`), the exception it ends with, and what
//! `pickletools.optimize` returns. This test replays every case and compares
//! byte for byte.
//!
//! Without `python3` the test is skipped loudly, or fails when `CI` is set.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use brinery::pickletools::{dis_files, genops, ArgValue};
use brinery::{dis, optimize, DisOptions, Opcode, OPCODES};

/// A reader that hands out a few bytes at a time, to exercise the
/// disassembler's buffering at every boundary.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.step = self.step % 7 + 1;
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        s
    }
    fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().unwrap())
    }
    fn bytes(&mut self) -> &'a [u8] {
        let n = u64::from_le_bytes(self.take(8).try_into().unwrap()) as usize;
        self.take(n)
    }
    fn str(&mut self) -> &'a str {
        let n = self.u32() as usize;
        std::str::from_utf8(self.take(n)).unwrap()
    }
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A short, readable form of an input pickle for failure messages.
fn brief(b: &[u8]) -> String {
    let s = format!("{:?}", show(&b[..b.len().min(200)]));
    if b.len() > 200 {
        format!("{s}... ({} bytes)", b.len())
    } else {
        s
    }
}

/// The first line where two outputs differ, for failure messages.
fn first_diff(want: &[u8], got: &[u8]) -> String {
    let (w, g) = (show(want), show(got));
    for (i, (a, b)) in w.lines().zip(g.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  want: {a}\n  got:  {b}", i + 1);
        }
    }
    format!(
        "one output is a prefix of the other ({} vs {} lines)\n  want tail: {:?}\n  got tail:  {:?}",
        w.lines().count(),
        g.lines().count(),
        w.lines().last(),
        g.lines().last()
    )
}

#[test]
fn dis_and_optimize_match_pickletools() {
    let Some(py) = brinery_testutil::python(
        &["pickletools"],
        "the dis/optimize comparison against pickletools",
    ) else {
        return;
    };

    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let script = manifest.join("tests/py/dis_cases.py");
    let case_file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dis_cases.bin");
    let status = Command::new(&py)
        .arg(&script)
        .arg(&case_file)
        .env("PYTHONHASHSEED", "0")
        .status()
        .expect("run dis_cases.py");
    assert!(status.success(), "dis_cases.py failed");
    let data = std::fs::read(&case_file).expect("read case file");

    let magic = b"BRDISCASES1\n";
    assert!(data.starts_with(magic), "bad case file");
    let mut r = Reader {
        data: &data,
        pos: magic.len(),
    };

    let mut meta = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    let (mut n_dis, mut n_dis_err, mut n_opt, mut n_opt_err, mut n_table) = (0, 0, 0, 0, 0);
    let (mut n_trickle, mut n_skipped) = (0, 0);
    let mut fail = |msg: String| {
        if failures.len() < 25 {
            eprintln!("FAIL {msg}\n");
        }
        failures.push(msg);
    };
    loop {
        match r.u8() {
            b'M' => {
                let k = r.str();
                let v = r.str();
                meta.insert(k.to_string(), v.to_string());
            }
            b'T' => {
                n_table += 1;
                let name = r.str();
                let code = r.u8();
                let arg = r.str();
                let proto = r.u8();
                let before = r.str();
                let after = r.str();
                let Some(info) = OPCODES.iter().find(|i| i.code == code) else {
                    fail(format!("opcode table lacks {name} ({code:#x})"));
                    continue;
                };
                let names = |ks: &[brinery::pickletools::StackKind]| {
                    ks.iter().map(|k| k.name()).collect::<Vec<_>>().join(",")
                };
                let ours = (
                    info.name,
                    info.arg.name(),
                    info.proto,
                    names(info.stack_before),
                    names(info.stack_after),
                );
                let theirs = (name, arg, proto, before.to_string(), after.to_string());
                if ours != theirs {
                    fail(format!(
                        "opcode table differs from pickletools for {code:#x}:\n  ours:   {ours:?}\n  theirs: {theirs:?}"
                    ));
                }
            }
            b'D' => {
                let label = r.str();
                let n = r.u32() as usize;
                let inputs: Vec<(&str, &[u8])> = (0..n).map(|_| (r.str(), r.bytes())).collect();
                let opts = DisOptions {
                    annotate: r.u32() as usize,
                    indentlevel: r.u32() as usize,
                    memo: r.u8() != 0,
                    preamble: r.str().to_string(),
                };
                let want = r.bytes();
                let want_err = r.str();
                if r.u8() != 0 {
                    n_skipped += 1;
                    continue;
                }
                let mut got = Vec::new();
                let res = if n == 1 {
                    dis(inputs[0].1, &mut got, &opts)
                } else {
                    dis_files(inputs.iter().copied(), &mut got, &opts)
                };
                let got_err = res.err().map(|e| e.to_string()).unwrap_or_default();
                if n == 1 && n_dis % 5 == 0 {
                    // The same through a reader that returns 1-7 bytes a call.
                    let mut got2 = Vec::new();
                    let trickle = Trickle {
                        data: inputs[0].1,
                        step: 0,
                    };
                    let res2 = dis(trickle, &mut got2, &opts);
                    let err2 = res2.err().map(|e| e.to_string()).unwrap_or_default();
                    n_trickle += 1;
                    if got2 != got || err2 != got_err {
                        fail(format!(
                            "dis {label}: a trickling reader changes the output"
                        ));
                    }
                }
                n_dis += 1;
                if !want_err.is_empty() {
                    n_dis_err += 1;
                }
                if got != want || got_err != want_err {
                    let input = if n == 1 {
                        brief(inputs[0].1)
                    } else {
                        format!("{n} inputs")
                    };
                    let mut msg = format!("dis {label} {opts:?}\n  input: {input}");
                    if got != want {
                        msg += &format!("\n  output differs at {}", first_diff(want, &got));
                    }
                    if got_err != want_err {
                        msg += &format!("\n  error want: {want_err:?}\n  error got:  {got_err:?}");
                    }
                    fail(msg);
                }
            }
            b'O' => {
                let label = r.str();
                let input = r.bytes();
                let ok = r.u8() != 0;
                let want_ok = if ok { r.bytes() } else { &[] };
                let want_err = if ok { "" } else { r.str() };
                if r.u8() != 0 {
                    n_skipped += 1;
                    continue;
                }
                n_opt += 1;
                let got = optimize(input);
                if ok {
                    let want = want_ok;
                    match got {
                        Ok(g) if g == want => {}
                        Ok(g) => fail(format!(
                            "optimize {label}\n  input: {}\n  want: {}\n  got:  {}",
                            brief(input),
                            brief(want),
                            brief(&g)
                        )),
                        Err(e) => fail(format!(
                            "optimize {label}\n  input: {}\n  unexpected error {e}",
                            brief(input)
                        )),
                    }
                } else {
                    n_opt_err += 1;
                    let want = want_err;
                    match got {
                        Err(e) if e.to_string() == want => {}
                        other => fail(format!(
                            "optimize {label}\n  input: {}\n  want error: {want}\n  got: {:?}",
                            brief(input),
                            other.map(|g| brief(&g)).map_err(|e| e.to_string())
                        )),
                    }
                }
            }
            b'E' => break,
            t => panic!("bad record tag {t:#x}"),
        }
    }

    println!(
        "dis/optimize vs pickletools (Python {}): {} pickles, {} dis runs ({} ending in an error), \
         {} optimize runs ({} ending in an error), {} opcode table entries, {} dis runs through \
         a trickling reader; {} failures",
        meta.get("python").map_or("?", |s| s.as_str()),
        meta.get("pickles").map_or("?", |s| s.as_str()),
        n_dis,
        n_dis_err,
        n_opt,
        n_opt_err,
        n_table,
        n_trickle,
        failures.len()
    );
    // On another Python than the one src/dis_docs.rs came from (3.11), the
    // checks that depend on the version are named, not warned about; on
    // 3.11 itself a skipped check is still a WARNING (a failure under CI).
    let mut gaps = brinery_testutil::VersionGaps::for_python(&py);
    let annotate_ok = meta.get("annotate_ok").map(|s| s.as_str()) == Some("True");
    if gaps.is_reference() {
        if n_skipped > 0 {
            brinery_testutil::warn(&format!(
                "{n_skipped} dis/optimize cases not compared on the reference Python"
            ));
        }
        if !annotate_ok {
            brinery_testutil::warn(
                "src/dis_docs.rs differs from this Python's pickletools docs: annotated (-a) \
                 output was not compared; regenerate it with tests/py/dis_gen_docs.py",
            );
        }
    } else {
        for _ in 0..n_skipped {
            gaps.note(
                "dis/optimize error text",
                "codec and int-limit error messages changed after 3.11; brinery follows 3.11",
            );
        }
        let left_out: usize = meta["annotate_left_out"].parse().unwrap();
        assert_eq!(annotate_ok, left_out == 0);
        for _ in 0..left_out {
            gaps.note(
                "annotated (dis -a) output",
                "pickletools' opcode docs differ from 3.11's, which src/dis_docs.rs holds",
            );
        }
        gaps.report("dis");
    }
    assert!(
        failures.is_empty(),
        "{} dis/optimize cases differ from pickletools",
        failures.len()
    );
    assert!(n_dis > 1000 && n_opt > 1000, "too few cases generated");
}

/// Genops yields what pickletools' genops yields for a small protocol 0 pickle.
#[test]
fn genops_basics() {
    let p = b"(lp0\nI01\naF1.5\naS'a\\x00'\naV\\u20ac\nacm\nn\na.";
    let ops: Vec<_> = genops(p).collect::<Result<_, _>>().unwrap();
    let names: Vec<_> = ops.iter().map(|i| i.op.name).collect();
    assert_eq!(
        names,
        [
            "MARK", "LIST", "PUT", "INT", "APPEND", "FLOAT", "APPEND", "STRING", "APPEND",
            "UNICODE", "APPEND", "GLOBAL", "APPEND", "STOP"
        ]
    );
    assert_eq!(ops[3].arg, ArgValue::Bool(true));
    assert_eq!(ops[5].arg.repr(), "1.5");
    assert_eq!(ops[7].arg.repr(), "'a\\x00'");
    assert_eq!(ops[9].arg.repr(), "'€'");
    assert_eq!(ops[11].arg.repr(), "'m n'");
    assert_eq!(ops[13].pos, p.len() as u64 - 1);
    assert_eq!(ops[13].op.op, Opcode::Stop);
}

/// A length field claiming far more than the input holds is not trusted.
#[test]
fn huge_claims_are_not_allocated() {
    let mut p = vec![0x8e];
    p.extend_from_slice(&(1u64 << 62).to_le_bytes());
    p.extend_from_slice(b"abc");
    let err = genops(&p).last().unwrap().unwrap_err();
    assert_eq!(
        err.to_string(),
        "ValueError: expected 4611686018427387904 bytes in a bytes8, but only 3 remain"
    );
}
