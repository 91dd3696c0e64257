//! Library behaviour that needs no Python: golden bytes, truncation,
//! deep nesting, identity, accessors, streams, hooks.

mod common;

use brinery::{dumps, loads, Buf, ErrorKind, Graph, Node, NodeId, Pickler, Unpickler};

/// Pin the exact bytes a graph pickles to, and check they decode back to
/// a graph that pickles the same.
fn golden(g: &Graph, proto: u8, want: &[u8]) {
    let got = dumps(g, proto).unwrap();
    assert_eq!(
        got.escape_ascii().to_string(),
        want.escape_ascii().to_string(),
        "protocol {proto}"
    );
    let back = loads(&got).unwrap();
    assert_eq!(dumps(&back, proto).unwrap(), got);
}

fn sample() -> Graph<'static> {
    // {'a': [1, 2.5, 'x'], 'b': (None, True), 'c': b'\x00'} with the list shared.
    let mut g = Graph::new();
    let one = g.int(1);
    let f = g.float(2.5);
    let x = g.str("x");
    let l = g.list(vec![one, f, x]);
    let none = g.add(Node::None);
    let t = g.add(Node::Bool(true));
    let tup = g.tuple(vec![none, t]);
    let by = g.bytes(vec![0u8]);
    let (ka, kb, kc, kd) = (g.str("a"), g.str("b"), g.str("c"), g.str("d"));
    let d = g.dict(vec![(ka, l), (kb, tup), (kc, by), (kd, l)]).unwrap();
    g.set_root(d);
    g
}

#[test]
fn golden_bytes_every_protocol() {
    let g = sample();
    golden(
        &g,
        0,
        b"(dp0\nVa\np1\n(lp2\nI1\naF2.5\naVx\np3\nasVb\np4\n(NI01\ntp5\nsVc\np6\nc_codecs\nencode\np7\n(V\\u0000\np8\nVlatin1\np9\ntp10\nRp11\nsVd\np12\ng2\ns.",
    );
    golden(
        &g,
        2,
        b"\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01]q\x02(K\x01G@\x04\x00\x00\x00\x00\x00\x00X\x01\x00\x00\x00xq\x03eX\x01\x00\x00\x00bq\x04N\x88\x86q\x05X\x01\x00\x00\x00cq\x06c_codecs\nencode\nq\x07X\x01\x00\x00\x00\x00q\x08X\x06\x00\x00\x00latin1q\t\x86q\nRq\x0bX\x01\x00\x00\x00dq\x0ch\x02u.",
    );
    golden(
        &g,
        4,
        b"\x80\x04\x952\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x01a\x94]\x94(K\x01G@\x04\x00\x00\x00\x00\x00\x00\x8c\x01x\x94e\x8c\x01b\x94N\x88\x86\x94\x8c\x01c\x94C\x01\x00\x94\x8c\x01d\x94h\x02u.",
    );
}

#[test]
fn identity_and_cycles() {
    // A list containing itself, written by CPython at protocol 2: [[...]]
    let data = b"\x80\x02]q\x00h\x00a.";
    let g = loads(data).unwrap();
    let root = g.root_id().unwrap();
    match g.node(root) {
        Node::List(items) => assert_eq!(items, &vec![root]),
        other => panic!("{other:?}"),
    }
    assert_eq!(dumps(&g, 2).unwrap(), data);
    // Shared sub-object: [x, x] where x = [].
    let g = loads(b"\x80\x02]q\x00(]q\x01h\x01e.").unwrap();
    let items = g.root().as_items().unwrap().to_vec();
    assert_eq!(items[0], items[1]);
}

#[test]
fn python_key_semantics() {
    // {1: 'a', 1.0: 'b', True: 'c'} → one key 1 with value 'c'.
    let mut g = Graph::new();
    let (k1, kf, kt) = (g.int(1), g.float(1.0), g.add(Node::Bool(true)));
    let (a, b, c) = (g.str("a"), g.str("b"), g.str("c"));
    let d = g.dict(vec![(k1, a), (kf, b), (kt, c)]).unwrap();
    g.set_root(d);
    let entries = g.root().as_entries().unwrap().to_vec();
    assert_eq!(entries, vec![(k1, c)]);
    // Unhashable key.
    let l = g.list(vec![]);
    let err = g.dict(vec![(l, a)]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
    assert!(err.to_string().contains("unhashable type: 'list'"));
    // Tuple keys compare structurally; frozensets ignore order.
    let (x, y) = (g.int(7), g.str("z"));
    let t1 = g.tuple(vec![x, y]);
    let (x2, y2) = (g.int(7), g.str("z"));
    let t2 = g.tuple(vec![x2, y2]);
    assert!(g.key_eq(t1, t2));
    let f1 = g.frozenset(vec![x, y]).unwrap();
    let f2 = g.frozenset(vec![y2, x2]).unwrap();
    assert!(g.key_eq(f1, f2));
    // Large dicts (indexed) keep the same semantics.
    let mut pairs = Vec::new();
    for i in 0..100 {
        let k = g.int(i % 50);
        let v = g.int(i);
        pairs.push((k, v));
    }
    let big = g.dict(pairs).unwrap();
    assert_eq!(g.view(big).len(), Some(50));
    let k = g.float(3.0);
    assert_eq!(g.view(big).get_key(k).unwrap().as_i64(), Some(53));
}

#[test]
fn every_truncation_is_a_clean_eof() {
    let g = sample();
    for proto in 0..=5 {
        let full = dumps(&g, proto).unwrap();
        for cut in 0..full.len() {
            let err = loads(&full[..cut]).unwrap_err();
            assert_eq!(
                err.kind(),
                ErrorKind::Eof,
                "protocol {proto}, prefix of {cut} bytes: {err}"
            );
            // The same through the io::Read path.
            let err = brinery::load(&full[..cut]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Eof, "reader, {proto}/{cut}: {err}");
        }
    }
}

#[test]
fn errors_name_offset_and_opcode() {
    let err = loads(b"\x80\x02K\x01a.").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StackUnderflow);
    assert_eq!(err.offset(), Some(4));
    assert_eq!(
        err.to_string(),
        "unpickling stack underflow at byte 4 (APPEND)"
    );
    let err = loads(b"\x80\x02h\x05.").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MemoMissing);
    assert_eq!(
        err.to_string(),
        "Memo value not found at index 5 at byte 2 (BINGET)"
    );
    let err = loads(b"\xff").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownOpcode);
    assert_eq!(err.to_string(), "invalid load key, '\\xff'. at byte 0");
    assert_eq!(
        loads(b"").unwrap_err().to_string(),
        "Ran out of input at byte 0"
    );
    let err = loads(b"e.").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingMark);
    let err = loads(b"\x80\x06N.").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnsupportedProtocol);
    let err = loads(b"\x80\x02Q.").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingHook);
}

#[test]
fn text_opcodes_like_the_c_unpickler() {
    let int = |s: &[u8]| loads(s).map(|g| g.root().as_bigint());
    assert_eq!(int(b"I0x10\n.").unwrap().unwrap(), 16.into());
    assert_eq!(int(b"I010\n.").unwrap().unwrap(), 8.into());
    assert_eq!(loads(b"I01\n.").unwrap().root().as_bool(), Some(true));
    assert_eq!(loads(b"I00\n.").unwrap().root().as_bool(), Some(false));
    assert_eq!(int(b"I1_000\n.").unwrap().unwrap(), 1000.into());
    assert!(loads(b"I08\n.").is_err());
    assert_eq!(
        int(b"L123456789012345678901234567890L\n.")
            .unwrap()
            .unwrap(),
        "123456789012345678901234567890".parse().unwrap()
    );
    assert_eq!(loads(b"F1e3\n.").unwrap().root().as_f64(), Some(1000.0));
    assert!(loads(b"F1e999\n.").is_err());
    assert_eq!(
        loads(b"S'a\\x41\\n'\n.").unwrap().root().as_str(),
        Some("aA\n")
    );
    assert!(loads(b"S'abc\n.").is_err());
    assert_eq!(
        loads(b"Vcaf\\u00e9\n.").unwrap().root().as_str(),
        Some("café")
    );
}

#[test]
fn lone_surrogates_round_trip() {
    let data = b"\x80\x04\x95\x07\x00\x00\x00\x00\x00\x00\x00\x8c\x03\xed\xa0\x80\x94.";
    let g = loads(data).unwrap();
    let s = g.root().as_pystr().unwrap();
    assert!(s.has_surrogates());
    assert_eq!(s.code_points().collect::<Vec<_>>(), vec![0xD800]);
    assert_eq!(dumps(&g, 4).unwrap(), data);
    assert_eq!(dumps(&g, 0).unwrap(), b"V\\ud800\np0\n.");
}

#[test]
fn deep_nesting_does_not_recurse() {
    common::on_small_stack(|| {
        const DEPTH: usize = 1_000_000;
        // ((((...)))) as nested lists at protocol 2: ']' (... ) 'a'
        let mut data = b"\x80\x02".to_vec();
        data.extend(std::iter::repeat_n(b']', DEPTH));
        data.extend(std::iter::repeat_n(b'a', DEPTH - 1));
        data.push(b'.');
        let g = loads(&data).unwrap();
        assert_eq!(g.len(), DEPTH);
        let again = dumps(&g, 2).unwrap();
        // CPython writes each single-item list as EMPTY_LIST item APPEND
        // plus a memo PUT; re-decoding must work and drop flat.
        let g2 = loads(&again).unwrap();
        assert_eq!(g2.len(), DEPTH);
        drop(g);
        drop(g2);
    });
}

#[test]
fn multiple_pickles_in_one_stream() {
    let mut data = Vec::new();
    for i in 0..3i64 {
        let mut g = Graph::new();
        let n = g.int(i);
        g.set_root(n);
        data.extend(dumps(&g, (i as u8) * 2).unwrap());
    }
    let all: Vec<i64> = Unpickler::new()
        .stream(&data[..])
        .map(|g| g.unwrap().root().as_i64().unwrap())
        .collect();
    assert_eq!(all, vec![0, 1, 2]);
    // Bytes after STOP are ignored, as in CPython.
    let g = loads(b"K\x05.garbage").unwrap();
    assert_eq!(g.root().as_i64(), Some(5));
}

#[test]
fn hooks_persistent_ids_buffers_extensions() {
    // Persistent id kept as a node.
    let data = b"\x80\x02X\x03\x00\x00\x00pidq\x00Q.";
    let g = Unpickler::new()
        .keep_persistent_ids()
        .load_slice(data)
        .unwrap();
    match g.root().node().unwrap() {
        Node::PersistentId(p) => assert_eq!(g.view(*p).as_str(), Some("pid")),
        other => panic!("{other:?}"),
    }
    assert_eq!(dumps(&g, 2).unwrap(), data);
    // Resolved by a hook.
    let g = Unpickler::new()
        .persistent_load(|g: &mut Graph, pid: NodeId| {
            let s = g.view(pid).as_str().unwrap().to_uppercase();
            Ok(g.str(s))
        })
        .load_slice(data)
        .unwrap();
    assert_eq!(g.root().as_str(), Some("PID"));
    // Out-of-band buffers.
    let data = b"\x80\x05\x97\x98.";
    let buf = [1u8, 2, 3];
    let g = Unpickler::new()
        .buffers(vec![Buf::Borrowed(&buf)])
        .load_slice(data)
        .unwrap();
    assert_eq!(g.root().as_bytes(), Some(&buf[..]));
    let mut oob = Vec::new();
    let out = Pickler::new(5)
        .buffer_callback(|b, _ro| {
            oob.push(b.to_vec());
            false
        })
        .dumps(&g)
        .unwrap();
    assert_eq!(out, data);
    assert_eq!(oob, vec![buf.to_vec()]);
    // Extension codes.
    let g = Unpickler::new()
        .extension(5, "collections", "OrderedDict")
        .load_slice(b"\x80\x02\x82\x05.")
        .unwrap();
    assert_eq!(g.root().as_global(), Some(("collections", "OrderedDict")));
    assert_eq!(
        loads(b"\x80\x02\x82\x05.").unwrap_err().kind(),
        ErrorKind::MissingHook
    );
}

#[test]
fn zero_copy_from_slices() {
    let mut g = Graph::new();
    let b = g.bytes(vec![7u8; 100_000]);
    g.set_root(b);
    let data = dumps(&g, 5).unwrap();
    let back = loads(&data).unwrap();
    match back.root().node().unwrap() {
        Node::Bytes(buf) => {
            assert!(buf.is_borrowed());
            let range = data.as_ptr_range();
            assert!(range.contains(&buf.as_ptr()));
        }
        other => panic!("{other:?}"),
    }
    let owned: Graph<'static> = back.into_owned();
    assert_eq!(owned.root().as_bytes().unwrap().len(), 100_000);
}

#[test]
fn objects_are_recorded_not_run() {
    // os.system('echo pwned') — decoded as data, never executed.
    let data = b"\x80\x02cposix\nsystem\nq\x00X\n\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03.";
    let g = loads(data).unwrap();
    let root = g.root();
    assert_eq!(root.class_name().as_deref(), Some("posix.system"));
    match root.node().unwrap() {
        Node::Object(o) => match o.construct {
            brinery::Construct::Reduce { callable, args } => {
                assert_eq!(g.view(callable).as_global(), Some(("posix", "system")));
                assert_eq!(g.view(args).get(&0).unwrap().as_str(), Some("echo pwned"));
            }
            ref c => panic!("{c:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert_eq!(dumps(&g, 2).unwrap(), data);
}

#[test]
fn self_constructing_objects_are_an_error_not_a_hang() {
    // An object whose own REDUCE arguments contain it: CPython's pickler
    // recurses until RecursionError; brinery reports it.
    let mut g = Graph::new();
    let f = g.global("m", "f");
    let obj = g.add(Node::None);
    let args = g.tuple(vec![obj]);
    *g.node_mut(obj) = Node::Object(Box::new(brinery::Object::new(brinery::Construct::Reduce {
        callable: f,
        args,
    })));
    g.set_root(obj);
    for proto in 0..=5 {
        let err = dumps(&g, proto).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unpicklable);
    }
    // A persistent id that is itself.
    let mut g = Graph::new();
    let p = g.add(Node::None);
    *g.node_mut(p) = Node::PersistentId(p);
    g.set_root(p);
    assert!(dumps(&g, 2).is_err());
    // Legitimate recursion through a memoized list still works: t = ([t],)
    let mut g = Graph::new();
    let l = g.list(vec![]);
    let t = g.tuple(vec![l]);
    if let Node::List(v) = g.node_mut(l) {
        v.push(t);
    }
    g.set_root(t);
    for proto in 0..=5 {
        let b = dumps(&g, proto).unwrap();
        let back = loads(&b).unwrap();
        assert_eq!(dumps(&back, proto).unwrap(), b);
    }
}

/// A memo key stored sparsely (far beyond the entries so far) stays
/// reachable after the dense memo array grows over it.
#[test]
fn sparse_memo_key_survives_dense_growth() {
    let mut p = b"\x80\x02K\x07r\xe8\x03\x00\x000".to_vec(); // memo[1000] = 7
    for i in 0..=1001u32 {
        p.push(b'N');
        p.push(b'r');
        p.extend_from_slice(&i.to_le_bytes()); // memo[i] = None
        p.push(b'0');
    }
    // memo[1000] was overwritten by the loop above (i == 1000): as in
    // CPython, the later PUT wins.
    p.extend_from_slice(b"j\xe8\x03\x00\x00.");
    assert!(brinery::loads(&p).unwrap().root().is_none());
    // Without the overwrite, the sparse entry must still be found.
    let mut p = b"\x80\x02K\x07r\xe8\x03\x00\x000".to_vec();
    for i in (0..=1001u32).filter(|&i| i != 1000) {
        p.push(b'N');
        p.push(b'r');
        p.extend_from_slice(&i.to_le_bytes());
        p.push(b'0');
    }
    p.extend_from_slice(b"j\xe8\x03\x00\x00.");
    assert_eq!(brinery::loads(&p).unwrap().root().as_i64(), Some(7));
}

/// Runs of binary ints are read in one go; an error inside a run still
/// names the offset and opcode of the int that failed, from a slice and
/// from a reader.
#[test]
fn errors_inside_an_int_run_name_the_failing_int() {
    // ] ( K1 M2 J(truncated)
    let data = b"\x80\x02](K\x01M\x02\x00J\x03\x00";
    for e in [
        brinery::loads(data).unwrap_err(),
        brinery::load(&data[..]).unwrap_err(),
    ] {
        assert_eq!(e.kind(), brinery::ErrorKind::Eof);
        assert_eq!(e.offset(), Some(9), "{e}");
        assert_eq!(e.opcode(), Some(brinery::Opcode::BinInt), "{e}");
    }
    // A stack limit hit in the middle of a run.
    let mut data = b"\x80\x02](".to_vec();
    for i in 0..10u8 {
        data.extend([b'K', i]);
    }
    data.extend(b"e.");
    let e = brinery::Unpickler::new()
        .limits(brinery::Limits::default().max_stack(6))
        .load_slice(&data)
        .unwrap_err();
    assert_eq!(e.kind(), brinery::ErrorKind::LimitExceeded);
    assert_eq!(e.offset(), Some(4 + 2 * 5), "{e}");
    assert_eq!(e.opcode(), Some(brinery::Opcode::BinInt1));
    // And the run still decodes right when nothing fails.
    let g = brinery::loads(&data).unwrap();
    let got: Vec<i64> = g.root().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(got, (0..10).collect::<Vec<i64>>());
}
