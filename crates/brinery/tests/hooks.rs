//! The decoder's hooks: `observe` (events with offsets, kept across a
//! decoding error) and `on_build` (raw bytes and nested pickles after a
//! BUILD, as joblib writes them).

use brinery::{Buf, Event, Node, Opcode, Unpickler};

#[test]
fn observe_reports_imports_calls_builds_and_discarded_results() {
    // os.system('echo') called and its result popped, then a payload-free
    // root; a BUILD on an instance; a persistent id.
    let data = b"\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00echoq\x01\x85R0c__main__\nC\n)\x81}b(X\x01\x00\x00\x00pQ.";
    let mut events = Vec::new();
    let g = Unpickler::new()
        .keep_persistent_ids()
        .observe(|g, t| {
            let what = match t.event {
                Event::Import { node } => {
                    let (m, n) = g.view(node).as_global().unwrap();
                    format!("import {m}.{n}")
                }
                Event::Call { callable, .. } => {
                    let (m, n) = g.view(callable).as_global().unwrap();
                    format!("call {m}.{n}")
                }
                Event::Build { .. } => "build".to_string(),
                Event::PersistentId { .. } => "pid".to_string(),
                _ => "other".to_string(),
            };
            events.push((t.offset, t.opcode, what));
        })
        .load_slice(data)
        .unwrap();
    drop(g);
    let want = [
        (2, Opcode::Global, "import os.system".to_string()),
        (27, Opcode::Reduce, "call os.system".to_string()),
        (29, Opcode::Global, "import __main__.C".to_string()),
        (42, Opcode::NewObj, "call __main__.C".to_string()),
        (44, Opcode::Build, "build".to_string()),
        (52, Opcode::BinPersId, "pid".to_string()),
    ];
    assert_eq!(events, want);
}

#[test]
fn observe_keeps_events_before_an_error() {
    let data = b"cos\nsystem\n(S'x'\ntR\xff";
    let mut n = 0;
    let err = Unpickler::new()
        .observe(|_, _| n += 1)
        .load_slice(data)
        .unwrap_err();
    assert_eq!(err.offset(), Some(19));
    assert_eq!(n, 2, "the import and the call came before the bad opcode");
}

/// `c__main__\nW\n)\x81}b` then 3 raw bytes, then a nested pickle, then STOP
/// of the outer pickle: what joblib's NumpyArrayWrapper layout looks like.
fn joblib_like() -> Vec<u8> {
    let mut v = b"\x80\x02]q\x00(c__main__\nW\n)\x81}b".to_vec();
    v.extend_from_slice(b"\x03abc");
    v.extend_from_slice(b"\x80\x02K\x07.");
    v.extend_from_slice(b"K\x01e.");
    v
}

#[test]
fn on_build_reads_raw_bytes_and_nested_pickles() {
    let data = joblib_like();
    let check = |g: &brinery::Graph<'_>| {
        let root = g.root();
        assert_eq!(root.len(), Some(2));
        let first = root.get(&0).unwrap();
        // The wrapper was replaced by (payload bytes, nested root).
        assert_eq!(first.get(&0).unwrap().as_bytes(), Some(&b"abc"[..]));
        assert_eq!(first.get(&1).unwrap().as_i64(), Some(7));
        assert_eq!(root.get(&1).unwrap().as_i64(), Some(1));
    };
    let hook = |ctx: &mut brinery::BuildCtx<'_, '_, '_>| {
        let n = ctx.read_bytes(1)?[0] as u64;
        let payload = ctx.read_bytes(n)?;
        let nested = ctx.load_pickle()?;
        let g = ctx.graph_mut();
        let b = g.add(Node::Bytes(payload));
        let t = g.tuple(vec![b, nested]);
        ctx.replace_target(t);
        Ok(())
    };
    // From a slice: the payload is borrowed.
    let g = Unpickler::new().on_build(hook).load_slice(&data).unwrap();
    check(&g);
    let first = g.root().get(&0).unwrap().get(&0).unwrap();
    assert!(matches!(first.node(), Some(Node::Bytes(Buf::Borrowed(_)))));
    // From a reader.
    let g = Unpickler::new()
        .on_build(hook)
        .load_reader(&data[..])
        .unwrap();
    check(&g);
    // Every truncation is a clean error.
    for cut in 0..data.len() {
        assert!(Unpickler::new()
            .on_build(hook)
            .load_slice(&data[..cut])
            .is_err());
        assert!(Unpickler::new()
            .on_build(hook)
            .load_reader(&data[..cut])
            .is_err());
    }
}
