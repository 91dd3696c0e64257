//! Issue 15's fidelity details, checked against the machine's CPython:
//! NEWOBJ/REDUCE of the `builtins` module's own names behave as `_pickle`
//! does, and pickled `re.compile(...)` patterns print as Python prints them.

use brinery_testutil::{python, run};

/// The names of `builtins` the test tries (everything but what `site`
/// adds), each as `cbuiltins\nNAME\n)\x81.` (NEWOBJ) and `...)R.` (REDUCE).
const SCRIPT: &str = r#"
import builtins, pickle, sys
SITE = {"copyright", "credits", "exit", "quit", "help", "license", "__spec__", "__loader__"}
for n in sorted(dir(builtins)):
    if n in SITE or n in ("breakpoint", "print", "input"):
        continue
    for op, tail in (("NEWOBJ", b")\x81."), ("REDUCE", b")R.")):
        data = b"cbuiltins\n" + n.encode() + b"\n" + tail
        try:
            r = pickle.loads(data)
            out = "OK\t" + repr(r)
        except Exception as e:
            out = "ERR\t" + str(e)
        print(n + "\t" + op + "\t" + out.replace("\n", " "))
"#;

/// Types whose empty value brinery makes natively.
const VALUE_TYPES: &[&str] = &[
    "bool",
    "int",
    "float",
    "str",
    "bytes",
    "bytearray",
    "list",
    "tuple",
    "dict",
    "set",
    "frozenset",
];

#[test]
fn builtins_newobj_and_reduce_agree_with_cpython() {
    let Some(py) = python(&[], "builtins NEWOBJ/REDUCE fidelity") else {
        return;
    };
    let out = run(&py, &["-c", SCRIPT], &[]);
    let (mut rejected, mut values, mut other) = (0, 0, 0);
    let mut bad = Vec::new();
    for line in out.lines() {
        let f: Vec<&str> = line.splitn(4, '\t').collect();
        let (name, op, status, text) = (f[0], f[1], f[2], f.get(3).copied().unwrap_or(""));
        let data = match op {
            "NEWOBJ" => format!("cbuiltins\n{name}\n)\u{81}."),
            _ => format!("cbuiltins\n{name}\n)R."),
        };
        // \x81 must be the byte, not its UTF-8 encoding.
        let data: Vec<u8> = data.chars().map(|c| c as u32 as u8).collect();
        let ours = brinery::loads(&data);
        if status == "ERR" && text.contains("class argument must be a type") {
            rejected += 1;
            match &ours {
                Err(e) if e.message() == text => {}
                other => bad.push(format!("{name} {op}: CPython {text:?}, brinery {other:?}")),
            }
        } else if status == "OK" && VALUE_TYPES.contains(&name) {
            values += 1;
            match ours.as_ref().map(|g| brinery::repr_root(g)) {
                Ok(Ok(r)) if r == text => {}
                got => bad.push(format!("{name} {op}: CPython {text}, brinery {got:?}")),
            }
        } else {
            other += 1;
        }
    }
    println!(
        "builtins: {rejected} NEWOBJ rejections and {values} empty values compared, \
         {other} outcomes not compared (calls brinery records without running), {} mismatches",
        bad.len()
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // Python 3.11: 45 functions and 9 constants refused; 11 types x 2 opcodes.
    assert!(rejected >= 50, "{rejected}");
    assert_eq!(values, 22);
}

#[test]
fn re_patterns_print_as_python() {
    let Some(py) = python(&[], "re.compile repr fidelity") else {
        return;
    };
    let cases = [
        "re.compile('a.b', re.I)",
        "re.compile('x')",
        "re.compile(b'x')",
        "re.compile(b'x', re.L)",
        "re.compile('x', re.I | re.M | re.S)",
        "re.compile('x', re.X | re.A)",
        "re.compile('x' * 300)",
        "re.compile('\\'q\\'\\n', re.VERBOSE)",
        "re.compile(b'\\xff+', re.I)",
    ];
    let mut n = 0;
    for proto in [0, 2, 4] {
        for case in cases {
            let code = format!(
                "import re, pickle, sys\np = {case}\n\
                 sys.stdout.write(pickle.dumps(p, {proto}).hex() + '\\n' + repr(p))"
            );
            let out = run(&py, &["-c", &code], &[]);
            let (hex, want) = out.split_once('\n').unwrap();
            let data: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            let g = brinery::loads(&data).unwrap();
            assert_eq!(
                brinery::repr_root(&g).unwrap(),
                want,
                "{case} at protocol {proto}"
            );
            n += 1;
        }
    }
    println!(
        "re patterns: {n} of {} identical to CPython",
        cases.len() * 3
    );
    assert_eq!(n, 27);
}

#[test]
fn builtin_objects_repr_as_python() {
    let Some(py) = python(&[], "builtins objects repr fidelity") else {
        return;
    };
    let cases: [&[u8]; 8] = [
        b"cbuiltins\nValueError\n(Vugh\ntR.",
        b"cbuiltins\nKeyError\n)R.",
        b"(cbuiltins\nlen\ncbuiltins\nint\ncbuiltins\nIOError\nl.",
        b"\x80\x02cbuiltins\nException\nX\x01\x00\x00\x00aK\x01\x86R}b.",
        b"\x80\x02cbuiltins\nArithmeticError\n)\x81.",
        b"(cbuiltins\nNone\ncbuiltins\nEllipsis\ncbuiltins\n__build_class__\nt.",
        b"\x80\x02c__builtin__\nset\nc__builtin__\nunicode\n\x86.",
        b"c__builtin__\nobject\n.",
    ];
    let mut n = 0;
    for data in cases {
        let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
        let code = format!(
            "import pickle, sys\nsys.stdout.write(repr(pickle.loads(bytes.fromhex('{hex}'))))"
        );
        let want = run(&py, &["-c", &code], &[]);
        let g = brinery::loads(data).unwrap();
        assert_eq!(
            brinery::repr_root(&g).unwrap(),
            want,
            "{:?}",
            String::from_utf8_lossy(data)
        );
        n += 1;
    }
    println!(
        "builtins objects: {n} of {} reprs identical to CPython",
        cases.len()
    );
    assert_eq!(n, 8);
}
