//! serde integration: every row of the mapping table in both directions
//! against CPython, the serde-pickle issues it answers, and `Value`.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::process::{Command, Stdio};

use brinery::serde::{as_frozenset, as_set, BigInt, DeOptions, Instance, InstanceKind, SerOptions};
use brinery::{value, ErrorKind, Value};
use brinery_testutil::{hex, unhex};
use serde::{Deserialize, Serialize};

// ----- helpers -----

/// Run tests/py/serde_helper.py with `input` on stdin; None (after a loud
/// SKIP, or a failure in CI) when python3 is missing.
fn helper(cmd: &str, input: &str) -> Option<String> {
    let py = common::python()?;
    let mut child = Command::new(py)
        .arg(common::py_dir().join("serde_helper.py"))
        .arg(cmd)
        .env("PYTHONPATH", common::py_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "serde_helper.py {cmd} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(stdout)
}

fn pickle<T: Serialize + ?Sized>(v: &T, proto: u8) -> Vec<u8> {
    SerOptions::new().protocol(proto).to_vec(v).unwrap()
}

/// Pickles CPython writes for `exprs` at every protocol: `[expr][proto]`.
fn cpython_pickles(exprs: &[&str]) -> Option<Vec<Vec<Vec<u8>>>> {
    let mut input = String::new();
    for e in exprs {
        for p in 0..=5 {
            input.push_str(&format!("{p}\t{e}\n"));
        }
    }
    let out = helper("dump", &input)?;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), exprs.len() * 6);
    Some(
        lines
            .chunks(6)
            .map(|c| c.iter().map(|l| unhex(l)).collect())
            .collect(),
    )
}

/// One Rust → Python case: the value at every protocol, the Python
/// expression it must load as, and whether the bytes must equal CPython's.
struct Out {
    name: &'static str,
    pickles: Vec<Vec<u8>>,
    expr: &'static str,
    exact: bool,
}

fn out<T: Serialize + ?Sized>(name: &'static str, v: &T, expr: &'static str, exact: bool) -> Out {
    Out {
        name,
        pickles: (0..=5).map(|p| pickle(v, p)).collect(),
        expr,
        exact,
    }
}

fn check_in_python(cases: &[Out]) {
    let mut input = String::new();
    for c in cases {
        for (p, b) in c.pickles.iter().enumerate() {
            input.push_str(&format!(
                "{}\t{p}\t{}\t{}\t{}\n",
                c.name,
                c.expr,
                hex(b),
                c.exact as u8
            ));
        }
    }
    let Some(out) = helper("check", &input) else {
        return;
    };
    assert!(
        out.contains(&format!("checked {}", cases.len() * 6)),
        "{out}"
    );
}

// ----- types used in the tables -----

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone, PartialOrd, Ord, Eq, Hash)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Meters(f64);

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Unit;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Pair(i32, String);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone, PartialOrd, Ord, Eq, Hash)]
enum E {
    A,
    B(i32),
    C(i32, i32),
    D { x: i32 },
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Nested {
    name: String,
    points: Vec<Point>,
    maybe: Option<Box<Nested>>,
    kind: E,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Sets {
    #[serde(with = "as_set")]
    s: BTreeSet<i32>,
    #[serde(with = "as_frozenset")]
    f: BTreeSet<i32>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct WithValue {
    x: i32,
    extra: Value,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Record {
    id: i64,
    name: String,
    score: f64,
    tags: Vec<String>,
}

// ----- Rust → Python -----

#[test]
fn rust_to_python_every_row() {
    let big: num_bigint::BigInt = num_bigint::BigInt::from(2).pow(200);
    let mut keyed: BTreeMap<Vec<i32>, &str> = BTreeMap::new();
    keyed.insert(vec![1, 2], "a");
    let mut by_struct = BTreeMap::new();
    by_struct.insert(Point { x: 1, y: 2 }, 5);
    let mut by_enum = BTreeMap::new();
    by_enum.insert(E::B(5), 1);
    by_enum.insert(E::A, 2);
    let mut by_map: BTreeMap<BTreeMap<&str, i32>, i32> = BTreeMap::new();
    by_map.insert([("k", 1)].into_iter().collect(), 9);
    let dict1000: BTreeMap<String, i32> = (0..1000).map(|i| (format!("{i:04}"), i)).collect();
    let obj = Value::from(Instance {
        state: Some(value!({"a": 1})),
        ..Instance::new(
            InstanceKind::NewObj,
            Value::global("brinery_testclasses", "Plain"),
            Value::Tuple(vec![]),
        )
    });
    let set_of_tuples = Value::Set(vec![value!((1, 2)), value!((3,))]);
    let cases = vec![
        out("bool", &(true, false), "(True, False)", true),
        out("i8", &-5i8, "-5", true),
        out("u8", &200u8, "200", true),
        out("i32", &-70000i32, "-70000", true),
        out("i64", &(1i64 << 40), "1 << 40", true),
        out("i64min", &i64::MIN, "-2**63", true),
        out("u64max", &u64::MAX, "2**64 - 1", true),
        out("i128", &i128::MIN, "-2**127", true),
        out("u128", &u128::MAX, "2**128 - 1", true),
        out("bigint", &BigInt(big.clone()), "2**200", true),
        out("bigint_neg", &BigInt(-big), "-2**200", true),
        out("f64", &1.5f64, "1.5", true),
        out("f64_neg0", &-0.0f64, "-0.0", true),
        out("f64_inf", &f64::INFINITY, "float('inf')", true),
        out("f64_nan", &f64::NAN, "float('nan')", true),
        out("f32", &0.25f32, "0.25", true),
        out("char", &'é', "'é'", true),
        out(
            "str",
            "héllo\n\\\u{1F600}\0",
            "'héllo\\n\\\\\\U0001f600\\x00'",
            true,
        ),
        out(
            "str_surrogate",
            &Value::Str(brinery::PyStr::from_code_points([0x61, 0xD800]).unwrap()),
            "'a\\ud800'",
            true,
        ),
        out(
            "bytes",
            &serde_bytes::Bytes::new(b"\x00\xffa"),
            "b'\\x00\\xffa'",
            true,
        ),
        out("bytes_empty", &serde_bytes::Bytes::new(b""), "b''", true),
        out(
            "bytearray",
            &Value::ByteArray(b"ab".to_vec()),
            "bytearray(b'ab')",
            true,
        ),
        out("none", &None::<i32>, "None", true),
        out("some", &Some(3), "3", true),
        out("unit", &(), "None", true),
        out("unit_struct", &Unit, "None", true),
        out("newtype", &Meters(1.5), "1.5", true),
        out("vec_empty", &Vec::<i32>::new(), "[]", true),
        out("vec_one", &vec![1], "[1]", true),
        out("vec", &vec![1, 2, 3], "[1, 2, 3]", true),
        out(
            "vec_2500",
            &(0..2500).collect::<Vec<i32>>(),
            "list(range(2500))",
            true,
        ),
        out("iter_unknown_len", &IterSeq(3), "[0, 1, 2]", true),
        out("iter_unknown_len_one", &IterSeq(1), "[0]", true),
        out("tuple0", &(), "None", true),
        out("tuple1", &(1,), "(1,)", true),
        out("tuple3", &(1, "a", 2.5), "(1, 'a', 2.5)", true),
        out("tuple4", &(1, 2, 3, 4), "(1, 2, 3, 4)", true),
        out("array", &[1, 2], "(1, 2)", true),
        out("tuple_struct", &Pair(1, "x".into()), "(1, 'x')", true),
        out(
            "map",
            &BTreeMap::from([("a", 1), ("b", 2)]),
            "{'a': 1, 'b': 2}",
            true,
        ),
        out("map_one", &BTreeMap::from([("a", 1)]), "{'a': 1}", true),
        out("map_empty", &BTreeMap::<i32, i32>::new(), "{}", true),
        out(
            "map_1000",
            &dict1000,
            "{'%04d' % i: i for i in range(1000)}",
            true,
        ),
        out(
            "map_int_keys",
            &BTreeMap::from([(1, "a"), (2, "b")]),
            "{1: 'a', 2: 'b'}",
            true,
        ),
        out("struct", &Point { x: 1, y: 2 }, "{'x': 1, 'y': 2}", true),
        out(
            "nested",
            &Nested {
                name: "n".into(),
                points: vec![Point { x: 1, y: 2 }],
                maybe: None,
                kind: E::D { x: 3 },
            },
            "{'name': 'n', 'points': [{'x': 1, 'y': 2}], 'maybe': None, 'kind': {'D': {'x': 3}}}",
            false,
        ),
        out(
            "sets",
            &Sets {
                s: [3, 1, 2].into(),
                f: [5].into(),
            },
            "{'s': {1, 2, 3}, 'f': frozenset({5})}",
            true,
        ),
        out("set_empty", &Value::Set(vec![]), "set()", true),
        out(
            "frozenset_empty",
            &Value::FrozenSet(vec![]),
            "frozenset()",
            true,
        ),
        out("enum_unit", &E::A, "'A'", true),
        out("enum_newtype", &E::B(5), "{'B': 5}", true),
        out("enum_tuple", &E::C(1, 2), "{'C': (1, 2)}", true),
        out("enum_struct", &E::D { x: 1 }, "{'D': {'x': 1}}", true),
        out("key_vec", &keyed, "{(1, 2): 'a'}", true),
        out("key_struct", &by_struct, "{(1, 2): 5}", false),
        out("key_enum", &by_enum, "{'A': 2, ('B', 5): 1}", false),
        out("key_map", &by_map, "{(('k', 1),): 9}", false),
        out("set_of_tuples", &set_of_tuples, "{(1, 2), (3,)}", false),
        out(
            "value_tuple",
            &value!((1, [2, (3,)], {"k": None})),
            "(1, [2, (3,)], {'k': None})",
            false,
        ),
        out(
            "value_global",
            &Value::global("collections", "OrderedDict"),
            "collections.OrderedDict",
            true,
        ),
        // (CPython pickles this bound method by reduction: same value, other bytes.)
        out(
            "value_dotted_global",
            &Value::global("collections", "OrderedDict.fromkeys"),
            "collections.OrderedDict.fromkeys",
            false,
        ),
        out("value_object", &obj, "tc.Plain(a=1)", false),
        out(
            "value_bigint",
            &Value::BigInt(num_bigint::BigInt::from(-3) * num_bigint::BigInt::from(u128::MAX)),
            "-3 * (2**128 - 1)",
            true,
        ),
        out(
            "struct_with_value",
            &WithValue {
                x: 1,
                extra: value!((1, "a")),
            },
            "{'x': 1, 'extra': (1, 'a')}",
            true,
        ),
    ];
    check_in_python(&cases);
}

/// A sequence whose length serde does not know in advance.
struct IterSeq(i32);

impl Serialize for IterSeq {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((0..self.0).filter(|_| true))
    }
}

// ----- Python → Rust -----

fn from_all<T: for<'de> Deserialize<'de>>(pickles: &[Vec<u8>]) -> Vec<T> {
    pickles
        .iter()
        .enumerate()
        .map(|(p, b)| {
            brinery::from_slice::<T>(b)
                .unwrap_or_else(|e| panic!("protocol {p}: {e} ({})", std::any::type_name::<T>()))
        })
        .collect()
}

macro_rules! back {
    ($pickles:expr, $i:expr, $t:ty, $want:expr) => {{
        let want: $t = $want;
        for (p, got) in from_all::<$t>(&$pickles[$i]).into_iter().enumerate() {
            assert_eq!(got, want, "case {} at protocol {p}", $i);
        }
    }};
}

#[test]
fn python_to_rust_every_row() {
    let exprs = [
        "(True, False)",
        "[-5, 200, -70000, 1 << 40, -2**63, 2**64 - 1]",
        "(-2**127, 2**128 - 1)",
        "2**300",
        "[1.5, 3, -0.0]",
        "'é'",
        "'héllo\\n\\U0001f600'",
        "[b'\\x00\\xff', bytearray(b'ab'), b'']",
        "[None, 3]",
        "None",
        "1.5",
        "[[1, 2], (1, 2), {2, 1}, frozenset({3})]",
        "(1, 'a')",
        "{'a': 1, 'b': 2}",
        "{(1, 2): 'a'}",
        "{'x': 1, 'y': 2}",
        "[(1, 'x'), [2, 'y']]",
        "['A', {'B': 5}, {'C': (1, 2)}, {'D': {'x': 1}}, ('B', 7)]",
        "{'s': {1, 2, 3}, 'f': frozenset({5})}",
        "tc.Plain(x=1, y=2)",
        "tc.Slotted(a=1, b=2)",
        "tc.SlottedWithDict(x=1, y=2)",
        "collections.OrderedDict([('x', 1), ('y', 2)])",
        "{'x': 5, 'extra': (1, [b'z', {None: frozenset()}])}",
        "{'name': 'n', 'points': [{'x': 1, 'y': 2}], 'maybe': {'name': 'm', 'points': [], 'maybe': None, 'kind': 'A'}, 'kind': {'B': 3}}",
        "collections.defaultdict(int, {'x': 1, 'y': 2})",
    ];
    let Some(pk) = cpython_pickles(&exprs) else {
        return;
    };
    back!(pk, 0, (bool, bool), (true, false));
    back!(
        pk,
        1,
        (i8, u8, i32, i64, i64, u64),
        (-5, 200, -70000, 1 << 40, i64::MIN, u64::MAX)
    );
    back!(pk, 2, (i128, u128), (i128::MIN, u128::MAX));
    back!(pk, 3, BigInt, BigInt(num_bigint::BigInt::from(2).pow(300)));
    back!(pk, 4, (f64, f64, f32), (1.5, 3.0, -0.0));
    back!(pk, 5, char, 'é');
    back!(pk, 6, String, "héllo\n\u{1F600}".to_string());
    back!(
        pk,
        7,
        Vec<serde_bytes::ByteBuf>,
        vec![
            serde_bytes::ByteBuf::from(b"\x00\xff".to_vec()),
            serde_bytes::ByteBuf::from(b"ab".to_vec()),
            serde_bytes::ByteBuf::new()
        ]
    );
    back!(pk, 8, Vec<Option<i32>>, vec![None, Some(3)]);
    back!(pk, 9, (), ());
    back!(pk, 9, Unit, Unit);
    back!(pk, 10, Meters, Meters(1.5));
    back!(
        pk,
        11,
        (Vec<i32>, Vec<i32>, BTreeSet<i32>, HashSet<i32>),
        (vec![1, 2], vec![1, 2], [1, 2].into(), [3].into())
    );
    back!(pk, 12, (i32, String), (1, "a".into()));
    back!(pk, 12, Pair, Pair(1, "a".into()));
    back!(pk, 12, Vec<Value>, vec![Value::Int(1), Value::str("a")]);
    back!(pk, 13, HashMap<String, i32>, HashMap::from([("a".into(), 1), ("b".into(), 2)]));
    back!(pk, 13, BTreeMap<String, i64>, BTreeMap::from([("a".into(), 1), ("b".into(), 2)]));
    back!(pk, 14, HashMap<(i32, i32), String>, HashMap::from([((1, 2), "a".into())]));
    back!(
        pk,
        14,
        BTreeMap<Vec<i32>, String>,
        BTreeMap::from([(vec![1, 2], "a".into())])
    );
    back!(pk, 15, Point, Point { x: 1, y: 2 });
    back!(
        pk,
        16,
        Vec<Pair>,
        vec![Pair(1, "x".into()), Pair(2, "y".into())]
    );
    back!(
        pk,
        17,
        Vec<E>,
        vec![E::A, E::B(5), E::C(1, 2), E::D { x: 1 }, E::B(7)]
    );
    back!(
        pk,
        18,
        Sets,
        Sets {
            s: [1, 2, 3].into(),
            f: [5].into()
        }
    );
    back!(pk, 19, Point, Point { x: 1, y: 2 });
    back!(pk, 19, HashMap<String, i32>, HashMap::from([("x".into(), 1), ("y".into(), 2)]));
    #[derive(Deserialize, Debug, PartialEq)]
    struct Slots {
        a: i32,
        b: i32,
    }
    back!(pk, 20, Slots, Slots { a: 1, b: 2 });
    #[derive(Deserialize, Debug, PartialEq)]
    struct XyzSlots {
        x: i32,
        y: i32,
    }
    back!(pk, 21, XyzSlots, XyzSlots { x: 1, y: 2 });
    back!(pk, 22, BTreeMap<String, i32>, BTreeMap::from([("x".into(), 1), ("y".into(), 2)]));
    back!(pk, 22, Point, Point { x: 1, y: 2 });
    back!(
        pk,
        23,
        WithValue,
        WithValue {
            x: 5,
            extra: Value::Tuple(vec![
                Value::Int(1),
                Value::List(vec![
                    Value::bytes(*b"z"),
                    Value::Dict(vec![(Value::None, Value::FrozenSet(vec![]))])
                ])
            ])
        }
    );
    back!(
        pk,
        24,
        Nested,
        Nested {
            name: "n".into(),
            points: vec![Point { x: 1, y: 2 }],
            maybe: Some(Box::new(Nested {
                name: "m".into(),
                points: vec![],
                maybe: None,
                kind: E::A
            })),
            kind: E::B(3)
        }
    );
    back!(pk, 25, BTreeMap<String, i32>, BTreeMap::from([("x".into(), 1), ("y".into(), 2)]));
    // Value keeps every Python type.
    for (p, v) in from_all::<Value>(&pk[11]).into_iter().enumerate() {
        assert_eq!(
            v,
            Value::List(vec![
                value!([1, 2]),
                value!((1, 2)),
                Value::set([1, 2]),
                Value::FrozenSet(vec![3.into()])
            ]),
            "protocol {p}"
        );
    }
    for (p, v) in from_all::<Value>(&pk[7]).into_iter().enumerate() {
        assert_eq!(
            v,
            Value::List(vec![
                Value::bytes(*b"\x00\xff"),
                Value::ByteArray(b"ab".to_vec()),
                Value::bytes(*b"")
            ]),
            "protocol {p}"
        );
    }
    for (p, v) in from_all::<Value>(&pk[19]).into_iter().enumerate() {
        let o = v.as_object().expect("an object");
        assert_eq!(
            o.class_name().as_deref(),
            Some("brinery_testclasses.Plain"),
            "protocol {p}"
        );
        assert_eq!(v["x"], Value::Int(1), "protocol {p}");
        assert_eq!(v["y"].as_i64(), Some(2));
    }
    for v in from_all::<Value>(&pk[3]) {
        assert_eq!(v, Value::BigInt(num_bigint::BigInt::from(2).pow(300)));
    }
}

// ----- Rust → Rust round trips at every protocol -----

fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(v: &T) {
    for p in 0..=5 {
        let b = pickle(v, p);
        let back: T = brinery::from_slice(&b).unwrap_or_else(|e| panic!("protocol {p}: {e}"));
        assert_eq!(&back, v, "protocol {p}");
        let back: T = brinery::from_reader(&b[..]).unwrap();
        assert_eq!(&back, v, "protocol {p} from_reader");
    }
}

#[test]
fn round_trips() {
    round_trip(&Nested {
        name: "n".into(),
        points: (0..1500).map(|i| Point { x: i, y: -i }).collect(),
        maybe: Some(Box::new(Nested {
            name: "m".into(),
            points: vec![],
            maybe: None,
            kind: E::C(1, 2),
        })),
        kind: E::A,
    });
    round_trip(&HashMap::from([
        (E::B(1), vec![(1u8, 'x')]),
        (E::A, vec![]),
    ]));
    round_trip(&BTreeMap::from([
        (vec![1, 2], BTreeSet::from([3])),
        (vec![], BTreeSet::new()),
    ]));
    round_trip(&(u64::MAX, i128::MIN, u128::MAX, -1i64, f32::MIN, 1e300));
    round_trip(&Some(Some(5)));
    round_trip(&vec![
        Value::None,
        value!([(1, 2), {"a": {(): b"x".to_vec()}}]),
    ]);
    round_trip(&Sets {
        s: (0..2000).collect(),
        f: (0..3).collect(),
    });
    round_trip(
        &(0..1000)
            .map(|i| (i.to_string(), i))
            .collect::<BTreeMap<_, _>>(),
    );
    round_trip(&"x".repeat(70_000));
    round_trip(&serde_bytes::ByteBuf::from(vec![7u8; 70_000]));
}

// ----- borrowing, readers, options -----

#[test]
fn zero_copy_borrows() {
    #[derive(Deserialize)]
    struct Borrowed<'a> {
        name: &'a str,
        #[serde(with = "serde_bytes")]
        data: &'a [u8],
        tags: Vec<&'a str>,
    }
    #[derive(Serialize)]
    struct Owned {
        name: String,
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
        tags: Vec<String>,
    }
    let bytes = pickle(
        &Owned {
            name: "hello".into(),
            data: vec![1, 2, 3],
            tags: vec!["a".into(), "a".into()],
        },
        5,
    );
    let b: Borrowed = brinery::from_slice(&bytes).unwrap();
    let range = bytes.as_ptr_range();
    assert!(range.contains(&b.name.as_ptr()));
    assert!(range.contains(&b.data.as_ptr()));
    assert!(range.contains(&b.tags[1].as_ptr()));
    assert_eq!(
        (b.name, b.data, &b.tags[..]),
        ("hello", &[1u8, 2, 3][..], &["a", "a"][..])
    );
    // Through the graph path too (an object forces it).
    let obj = value!({"k": "borrowed text"});
    let wrapped = Value::from(Instance {
        state: Some(obj),
        ..Instance::new(
            InstanceKind::NewObj,
            Value::global("m", "C"),
            Value::Tuple(vec![]),
        )
    });
    let bytes = pickle(&wrapped, 5);
    #[derive(Deserialize)]
    struct K<'a> {
        k: &'a str,
    }
    let k: K = brinery::from_slice(&bytes).unwrap();
    assert_eq!(k.k, "borrowed text");
    assert!(bytes.as_ptr_range().contains(&k.k.as_ptr()));
}

#[test]
fn from_reader_stops_at_stop() {
    let mut stream = pickle(&vec![1, 2], 4);
    stream.extend(pickle(&"second", 2));
    let mut cursor = std::io::Cursor::new(stream);
    let first: Vec<i32> = brinery::from_reader(&mut cursor).unwrap();
    assert_eq!(first, vec![1, 2]);
    let empty: &[u8] = &[];
    let err = brinery::from_reader::<_, i32>(empty).unwrap_err();
    assert!(err.is_eof());
}

#[test]
fn python2_strings_and_encoding() {
    // pickle.dumps({'k': 'caf\xe9'}, 0) from Python 2: STRING opcodes.
    let py2 = b"(dp0\nS'k'\np1\nS'caf\\xe9'\np2\ns.";
    let m: HashMap<String, String> = DeOptions::new().encoding("latin1").from_slice(py2).unwrap();
    assert_eq!(m["k"], "café");
    let err = brinery::from_slice::<HashMap<String, String>>(py2).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidText);
    let m: HashMap<serde_bytes::ByteBuf, serde_bytes::ByteBuf> =
        DeOptions::new().encoding("bytes").from_slice(py2).unwrap();
    assert_eq!(
        m[&serde_bytes::ByteBuf::from(b"k".to_vec())].as_slice(),
        b"caf\xe9"
    );
}

#[test]
fn dedup_strings_shrinks_and_loads() {
    let rows: Vec<Record> = (0..100)
        .map(|i| Record {
            id: i,
            name: "same".into(),
            score: 0.5,
            tags: vec!["a".into()],
        })
        .collect();
    let plain = pickle(&rows, 4);
    let dedup = SerOptions::new().dedup_strings(true).to_vec(&rows).unwrap();
    assert!(
        dedup.len() * 3 < plain.len() * 2,
        "{} vs {}",
        dedup.len(),
        plain.len()
    );
    assert_eq!(brinery::from_slice::<Vec<Record>>(&dedup).unwrap(), rows);
    check_in_python(&[Out {
        name: "dedup",
        pickles: (0..=5)
            .map(|p| {
                SerOptions::new()
                    .protocol(p)
                    .dedup_strings(true)
                    .to_vec(&rows[..2])
                    .unwrap()
            })
            .collect(),
        expr: "[{'id': i, 'name': 'same', 'score': 0.5, 'tags': ['a']} for i in range(2)]",
        exact: true,
    }]);
}

#[test]
fn errors_are_clear() {
    let b = pickle(&vec!["a"], 4);
    let e = brinery::from_slice::<Vec<i32>>(&b).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Custom);
    assert!(
        e.to_string()
            .contains("invalid type: string \"a\", expected i32"),
        "{e}"
    );
    let b = pickle(&(1, 2, 3), 4);
    let e = brinery::from_slice::<(i32, i32)>(&b).unwrap_err();
    assert!(e.to_string().contains("invalid length"), "{e}");
    let b = pickle(&BigInt(num_bigint::BigInt::from(2).pow(130)), 4);
    let e = brinery::from_slice::<u128>(&b).unwrap_err();
    assert!(e.to_string().contains("does not fit in 128 bits"), "{e}");
    assert!(brinery::from_slice::<i32>(b"\x80\x04K")
        .unwrap_err()
        .is_eof());
}

#[test]
fn depth_limit_instead_of_stack_overflow() {
    let mut data = b"\x80\x02".to_vec();
    data.extend(std::iter::repeat(b']').take(100_000));
    data.extend(std::iter::repeat(b'a').take(99_999));
    data.push(b'.');
    let e = brinery::from_slice::<Value>(&data).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    let e = brinery::from_slice::<serde_json::Value>(&data).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    let v: Value = DeOptions::new()
        .max_depth(2000)
        .from_slice(&data[..])
        .unwrap_or(Value::None);
    let _ = v;
    // A shallow one is fine with a small limit.
    let b = pickle(&vec![vec![1]], 2);
    assert!(DeOptions::new()
        .max_depth(1)
        .from_slice::<Vec<Vec<i32>>>(&b)
        .is_err());
    assert!(DeOptions::new()
        .max_depth(2)
        .from_slice::<Vec<Vec<i32>>>(&b)
        .is_ok());
}

#[test]
fn expansion_limit_stops_billion_laughs() {
    // [a, b, c, ...] with a = ['x']; b = [a]*10; c = [b]*10; ... 12 levels:
    // 10**12 leaves.
    let mut data = b"\x80\x02](]q\x00X\x01\x00\x00\x00xq\x01a".to_vec();
    for level in 1..=12u8 {
        data.push(b']');
        data.extend([b'q', level * 2]);
        data.push(b'(');
        for _ in 0..10 {
            data.extend([b'h', (level - 1) * 2]);
        }
        data.push(b'e');
    }
    data.extend(b"e.");
    brinery::loads(&data).unwrap();
    let e = brinery::from_slice::<Value>(&data).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    let e = brinery::from_slice::<serde::de::IgnoredAny>(&data).map(|_| ());
    assert!(e.is_ok(), "skipping never expands");
    let g = brinery::loads(&data).unwrap();
    let e = Value::from_graph(&g).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
}

// ----- the serde-pickle issues -----

/// serde-pickle #19: a struct or Vec used as a dict key (or set element)
/// must become a hashable Python value, not an unhashable dict/list.
#[test]
fn issue_19_unhashable_keys_become_tuples() {
    let mut m: HashMap<Point, Vec<i32>> = HashMap::new();
    m.insert(Point { x: 1, y: 2 }, vec![3]);
    let mut s: BTreeMap<Vec<String>, i32> = BTreeMap::new();
    s.insert(vec!["a".into(), "b".into()], 1);
    check_in_python(&[
        out("issue19_struct_key", &m, "{(1, 2): [3]}", false),
        out("issue19_vec_key", &s, "{('a', 'b'): 1}", false),
    ]);
    round_trip(&m);
    round_trip(&s);
}

/// serde-pickle #23: big ints on the typed path.
#[test]
fn issue_23_big_ints_typed() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Big {
        small: i64,
        wide: u128,
        huge: BigInt,
        #[serde(with = "brinery::serde::bigint")]
        huger: num_bigint::BigInt,
    }
    let v = Big {
        small: -1,
        wide: u128::MAX,
        huge: BigInt(num_bigint::BigInt::from(10).pow(40)),
        huger: -num_bigint::BigInt::from(7).pow(100),
    };
    round_trip(&v);
    check_in_python(&[out(
        "issue23",
        &v,
        "{'small': -1, 'wide': 2**128 - 1, 'huge': 10**40, 'huger': -7**100}",
        true,
    )]);
    if let Some(pk) =
        cpython_pickles(&["{'small': 2**62, 'wide': 2**100, 'huge': -10**40, 'huger': 3**200}"])
    {
        for b in &pk[0] {
            let got: Big = brinery::from_slice(b).unwrap();
            assert_eq!(got.wide, 1u128 << 100);
            assert_eq!(got.huge.0, -num_bigint::BigInt::from(10).pow(40));
            assert_eq!(got.huger, num_bigint::BigInt::from(3).pow(200));
        }
    }
}

/// serde-pickle #30: typed structs holding `Value` fields.
#[test]
fn issue_30_value_fields() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Model {
        name: String,
        params: Value,
        extra: HashMap<String, Value>,
    }
    let m = Model {
        name: "m".into(),
        params: value!({"alpha": 0.5, "layers": (3, 4), "flags": None}),
        extra: HashMap::from([
            ("s".into(), Value::set([1])),
            ("g".into(), Value::global("a", "b")),
        ]),
    };
    round_trip(&m);
    if let Some(pk) = cpython_pickles(&[
        "{'name': 'x', 'params': [1, (2, b'3'), {4: 5.0}], 'extra': {'k': frozenset({None})}}",
    ]) {
        for b in &pk[0] {
            let got: Model = brinery::from_slice(b).unwrap();
            assert_eq!(got.params, value!([1, (2, Value::bytes(*b"3")), {4: 5.0}]));
            assert_eq!(got.extra["k"], Value::FrozenSet(vec![Value::None]));
        }
    }
}

/// serde-pickle #34: objects made by `copyreg._reconstructor` (protocols
/// 0 and 1) deserialize from their state like any other object.
#[test]
fn issue_34_copyreg_reconstructor() {
    let Some(pk) = cpython_pickles(&["tc.Plain(x=3, y=4)"]) else {
        return;
    };
    for (p, b) in pk[0].iter().enumerate() {
        if p < 2 {
            assert!(
                b.windows(b"_reconstructor".len())
                    .any(|w| w == b"_reconstructor"),
                "protocol {p} uses copyreg._reconstructor"
            );
        }
        let got: Point = brinery::from_slice(b).unwrap();
        assert_eq!(got, Point { x: 3, y: 4 }, "protocol {p}");
        let v: Value = brinery::from_slice(b).unwrap();
        assert_eq!(v["x"], 3i64);
    }
}

/// serde-pickle #37: `Value` is `Serialize` (to pickles and to any other
/// format).
#[test]
fn issue_37_value_is_serialize() {
    let v = value!({"a": [1, 2.5, None], "b": (True, "x")});
    assert_eq!(
        serde_json::to_string(&v).unwrap(),
        r#"{"a":[1,2.5,null],"b":[true,"x"]}"#
    );
    round_trip(&v);
    check_in_python(&[out(
        "issue37",
        &v,
        "{'a': [1, 2.5, None], 'b': (True, 'x')}",
        true,
    )]);
}

/// serde-pickle rejects a pickle whose rows share one dict ("Recursive
/// structure"); sharing is not recursion.
#[test]
fn shared_references_are_not_recursion() {
    let Some(pk) = cpython_pickles(&[
        "(lambda d: [{'id': i, 'meta': d} for i in range(20000)])({'source': 'x', 'tags': ['a', 'b']})",
        "(lambda l: (l.append(l), l)[1])([])",
    ]) else {
        return;
    };
    #[derive(Deserialize)]
    struct Meta {
        source: String,
        tags: Vec<String>,
    }
    #[derive(Deserialize)]
    struct Row {
        id: i32,
        meta: Meta,
    }
    for (p, b) in pk[0].iter().enumerate() {
        let rows: Vec<Row> = brinery::from_slice(b).unwrap_or_else(|e| panic!("protocol {p}: {e}"));
        assert_eq!(rows.len(), 20000);
        assert_eq!(rows[19999].id, 19999);
        assert_eq!(rows[19999].meta.source, "x");
        assert_eq!(rows[5].meta.tags, ["a", "b"]);
    }
    for b in &pk[1] {
        let e = brinery::from_slice::<Vec<Value>>(b).unwrap_err();
        assert!(e.to_string().contains("recursive"), "{e}");
        let e = brinery::from_slice::<Value>(b).unwrap_err();
        assert!(e.to_string().contains("recursive"), "{e}");
    }
}

// ----- records workload -----

#[test]
fn typed_records_from_cpython() {
    let Some(pk) = cpython_pickles(&[
        "[{'id': i, 'name': 'name%d' % i, 'score': i * 0.5, 'tags': ['a', 'b']} for i in range(100000)]",
    ]) else {
        return;
    };
    for (p, b) in pk[0].iter().enumerate() {
        let rows: Vec<Record> =
            brinery::from_slice(b).unwrap_or_else(|e| panic!("protocol {p}: {e}"));
        assert_eq!(rows.len(), 100_000);
        assert_eq!(
            rows[77_777],
            Record {
                id: 77_777,
                name: "name77777".into(),
                score: 38_888.5,
                tags: vec!["a".into(), "b".into()]
            }
        );
    }
}

// ----- Value -----

#[test]
fn value_api() {
    let v = value!({"a": [1, 2.5, "x"], "b": (None, True), 3: {"deep": Value::bytes(*b"\x00")}});
    assert_eq!(v["a"][0], Value::Int(1));
    assert_eq!(v["a"][1].as_f64(), Some(2.5));
    assert_eq!(v["a"][2].as_str(), Some("x"));
    assert!(v["b"][0].is_none());
    assert_eq!(v["b"][1].as_bool(), Some(true));
    assert!(v["nope"][7]["deeper"].is_none());
    assert_eq!(v.get("a").and_then(|a| a.get(5)), None);
    assert_eq!(
        v.get_key(&Value::Float(3.0)).unwrap()["deep"].as_bytes(),
        Some(&[0u8][..])
    );
    assert_eq!(v.len(), Some(3));
    assert_eq!(v.type_name(), "dict");
    assert_eq!(Value::from(u64::MAX).as_u64(), Some(u64::MAX));
    assert_eq!(Value::from(Some(3)), Value::Int(3));
    assert_eq!(Value::from(None::<i32>), Value::None);
    assert_eq!(Value::from((1, "a")), value!((1, "a")));
    assert_eq!(
        v.to_string(),
        "{'a': [1, 2.5, 'x'], 'b': (None, True), 3: {'deep': b'\\x00'}}"
    );
    assert_eq!(value!((1,)).to_string(), "(1,)");
    assert_eq!(Value::set(Vec::<i32>::new()).to_string(), "set()");
    // to/from_value.
    let p: Point = brinery::serde::from_value(&value!({"x": 1, "y": 2})).unwrap();
    assert_eq!(p, Point { x: 1, y: 2 });
    assert_eq!(
        brinery::serde::to_value(&p).unwrap(),
        value!({"x": 1, "y": 2})
    );
    assert_eq!(
        brinery::serde::to_value(&E::C(1, 2)).unwrap(),
        value!({"C": (1, 2)})
    );
}

#[test]
fn value_graph_conversion() {
    let v = value!({"a": [1, (2, 3)], "s": Value::set(["x"]), "o": Value::from(Instance {
        state: Some(value!({"k": 1})),
        list_items: vec![Value::Int(9)],
        ..Instance::new(InstanceKind::Reduce, Value::global("m", "f"), value!((1,)))
    })});
    let g = v.to_graph().unwrap();
    assert_eq!(Value::from_graph(&g).unwrap(), v);
    // The graph pickles the same as the direct serializer.
    for p in 0..=5 {
        assert_eq!(
            brinery::dumps(&g, p).unwrap(),
            pickle(&v, p),
            "protocol {p}"
        );
    }
    // Unhashable keys are refused with Python's message.
    let e = value!({[1]: 2}).to_graph().unwrap_err();
    assert!(e.to_string().contains("unhashable type: 'list'"), "{e}");
    // A cycle has no Value.
    let g = brinery::loads(b"\x80\x02]q\x00h\x00a.").unwrap();
    let e = Value::from_graph(&g).unwrap_err();
    assert!(e.to_string().contains("recursive"), "{e}");
    // from_graph for typed values.
    let b = pickle(&Point { x: 5, y: 6 }, 3);
    let g = brinery::loads(&b).unwrap();
    assert_eq!(
        brinery::serde::from_graph::<Point>(&g).unwrap(),
        Point { x: 5, y: 6 }
    );
}

#[test]
fn value_to_other_formats() {
    let j: serde_json::Value = serde_json::from_str(r#"{"a":[1,null,{"b":"c"}],"d":1.5}"#).unwrap();
    let v: Value = serde_json::from_value(j.clone()).unwrap();
    assert_eq!(v, value!({"a": [1, None, {"b": "c"}], "d": 1.5}));
    let b = brinery::to_vec(&j).unwrap();
    let back: serde_json::Value = brinery::from_slice(&b).unwrap();
    assert_eq!(back, j);
}

#[test]
fn serde_attributes() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(tag = "type")]
    enum Shape {
        Circle { r: f64 },
        Square { side: f64 },
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(untagged)]
    enum Num {
        I(i64),
        S(String),
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Outer {
        #[serde(rename = "Name")]
        name: String,
        #[serde(flatten)]
        rest: BTreeMap<String, i32>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        opt: Option<i32>,
        #[serde(default)]
        missing: Vec<i32>,
    }
    round_trip(&vec![Shape::Circle { r: 1.0 }, Shape::Square { side: 2.0 }]);
    round_trip(&vec![Num::I(1), Num::S("x".into())]);
    let o = Outer {
        name: "n".into(),
        rest: BTreeMap::from([("a".into(), 1)]),
        opt: None,
        missing: vec![],
    };
    round_trip(&o);
    check_in_python(&[
        out(
            "internally_tagged",
            &Shape::Circle { r: 1.0 },
            "{'type': 'Circle', 'r': 1.0}",
            true,
        ),
        out("flatten", &o, "{'Name': 'n', 'a': 1, 'missing': []}", true),
    ]);
}
