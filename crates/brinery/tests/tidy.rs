//! Issue 22: the public path type and the copyreg-unwrapping `Call` helper.

use brinery::{Call, NodePath, PathSeg};

/// `{'steps': [('scaler', 1), ('clf', {'coef_': 2.5})], 7: {3, 4}}` at protocol 2.
fn sample() -> brinery::Graph<'static> {
    let mut g = brinery::Graph::new();
    let (steps, scaler, clf, coef, one, x) = (
        g.str("steps"),
        g.str("scaler"),
        g.str("clf"),
        g.str("coef_"),
        g.int(1),
        g.float(2.5),
    );
    let inner = g.dict(vec![(coef, x)]).unwrap();
    let a = g.tuple(vec![scaler, one]);
    let b = g.tuple(vec![clf, inner]);
    let list = g.list(vec![a, b]);
    let (seven, three, four) = (g.int(7), g.int(3), g.int(4));
    let set = g.set(vec![three, four]).unwrap();
    let root = g.dict(vec![(steps, list), (seven, set)]).unwrap();
    g.set_root(root);
    g
}

#[test]
fn both_path_spellings_reach_the_same_node() {
    let g = sample();
    let pairs = [
        (".steps[1][1].coef_", "['steps'][1][1]['coef_']"),
        ("steps[-1][0]", "[\"steps\"][1][0]"),
        ("[7]{1}", "[7]{1}"),
    ];
    let mut n = 0;
    for (a, b) in pairs {
        let ra = NodePath::parse(a).unwrap().resolve(g.root()).unwrap();
        let rb = NodePath::parse(b).unwrap().resolve(g.root()).unwrap();
        assert_eq!(ra.id(), rb.id(), "{a} vs {b}");
        n += 1;
    }
    assert_eq!(n, 3);
    let coef = NodePath::parse(".steps[1][1].coef_").unwrap();
    assert_eq!(coef.resolve(g.root()).unwrap().as_f64(), Some(2.5));
    assert_eq!(coef.to_string(), ".steps[1][1].coef_");
    assert_eq!(
        NodePath::parse("['a b'][0]").unwrap().to_string(),
        "['a b'][0]"
    );
    assert_eq!(NodePath::parse("").unwrap().segments(), &[] as &[PathSeg]);
}

/// The tree view's spellings are the same path type: all-digit names are
/// indices, `[n]` on a set is its n-th element, `(n)` a call argument and
/// `[repr]` a key by its repr.
#[test]
fn tree_spellings_are_node_paths() {
    let g = sample();
    let coef = NodePath::parse(".steps[1][1].coef_").unwrap();
    let mut n = 0;
    for text in [
        "steps.1.1.coef_",
        "['steps'][1][1].coef_",
        ".steps.1[1]['coef_']",
    ] {
        let p = NodePath::parse(text).unwrap();
        assert_eq!(p, coef, "{text}");
        assert_eq!(p.resolve(g.root()).unwrap().as_f64(), Some(2.5), "{text}");
        n += 1;
    }
    assert_eq!(n, 3);
    let set_item = NodePath::parse("[7][1]").unwrap();
    assert_eq!(set_item.resolve(g.root()).unwrap().as_i64(), Some(4));
    assert_eq!(
        NodePath::parse("(0)[(1, 2)]").unwrap().segments(),
        &[PathSeg::Arg(0), PathSeg::Repr("(1, 2)".into())]
    );
}

#[test]
fn path_errors_say_where() {
    let g = sample();
    let e = NodePath::parse(".steps[1]!").unwrap_err();
    assert_eq!(e.column(), Some(9));
    let e = NodePath::parse("['steps").unwrap_err();
    assert!(e.message().contains("unterminated"), "{e}");
    let e = NodePath::parse(".steps[5].a")
        .unwrap()
        .resolve(g.root())
        .unwrap_err();
    assert_eq!(e.segment(), Some(1));
    assert_eq!(
        e.to_string(),
        "path .steps[5].a: .steps (list (2 items)) has no [5]"
    );
}

#[test]
fn call_unwraps_copyreg() {
    // pickle.dumps(collections.OrderedDict(a=1), 0) style wrappers, by hand:
    // copyreg._reconstructor(cls, object, None) and copyreg.__newobj__(cls, 5).
    let mut g = brinery::Graph::new();
    let (rec, newobj) = (
        g.global("copyreg", "_reconstructor"),
        g.global("copyreg", "__newobj__"),
    );
    let (cls, base, none, five) = (
        g.global("__main__", "P"),
        g.global("builtins", "object"),
        g.add(brinery::Node::None),
        g.int(5),
    );
    let a1 = g.tuple(vec![cls, base, none]);
    let a2 = g.tuple(vec![cls, five]);
    let mk = |g: &mut brinery::Graph<'static>, callable, args| {
        g.add(brinery::Node::Object(Box::new(brinery::Object::new(
            brinery::Construct::Reduce { callable, args },
        ))))
    };
    let o1 = mk(&mut g, rec, a1);
    let o2 = mk(&mut g, newobj, a2);
    let c1 = Call::of(g.view(o1)).unwrap();
    assert_eq!(
        (c1.qualname().as_str(), c1.args.len(), c1.via),
        ("__main__.P", 0, Some("_reconstructor"))
    );
    let c2 = Call::of(g.view(o2)).unwrap();
    assert_eq!(c2.arg(0).and_then(|v| v.as_i64()), Some(5));
    assert_eq!(g.view(o2).class_name().as_deref(), Some("__main__.P"));
    assert!(Call::of(g.view(five)).is_none());
}

#[test]
fn wrapped_errors_keep_offset_opcode_and_source() {
    use std::error::Error as _;
    // A pickle whose BINGET names a missing memo key at byte 2.
    let inner = brinery::loads(b"\x80\x02h\x05.").unwrap_err();
    assert_eq!(
        (inner.offset(), inner.opcode()),
        (Some(2), Some(brinery::Opcode::BinGet))
    );
    let shown = inner.to_string();
    let nested = inner.nested("data.pkl", 100);
    assert_eq!(nested.offset(), Some(102));
    assert_eq!(nested.opcode(), Some(brinery::Opcode::BinGet));
    assert_eq!(nested.kind(), brinery::ErrorKind::MemoMissing);
    assert!(nested
        .to_string()
        .starts_with("data.pkl: Memo value not found"));
    assert!(nested.to_string().ends_with(" at byte 102"), "{nested}");
    assert_eq!(nested.source().map(|s| s.to_string()), Some(shown));
    let ctx = nested.context("tensor 'w'");
    assert_eq!(ctx.offset(), Some(102));
    assert!(
        ctx.to_string().starts_with("tensor 'w': data.pkl: Memo"),
        "{ctx}"
    );
    assert!(!ctx.to_string().contains("at byte"));
    let io = brinery::Error::io_at(
        "cannot open x.pt",
        std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
    );
    assert_eq!(io.kind(), brinery::ErrorKind::Io);
    assert_eq!(
        io.io_error().map(|e| e.kind()),
        Some(std::io::ErrorKind::NotFound)
    );
    assert_eq!(io.to_string(), "cannot open x.pt: gone");
}

/// A third-party hook can do everything the standard-library one does:
/// its rendering, a recursion marker and a pprint block layout.
struct BagHook;

impl brinery::ReprHook for BagHook {
    fn repr(&self, node: brinery::NodeRef<'_, '_>) -> Option<Vec<brinery::ReprPiece>> {
        let call = Call::of(node).filter(|c| c.name == "Bag")?;
        Some(vec![
            brinery::ReprPiece::text("Bag("),
            brinery::ReprPiece::Node(call.args[0]),
            brinery::ReprPiece::text(")"),
        ])
    }
    fn recursion_marker(&self, node: brinery::NodeRef<'_, '_>) -> Option<String> {
        Call::of(node)
            .filter(|c| c.name == "Bag")
            .map(|_| "Bag(...)".into())
    }
    fn layout<'g>(&self, node: brinery::NodeRef<'g, '_>) -> Option<brinery::repr::Layout<'g>> {
        use brinery::repr::{Block, BlockBody, Layout};
        let call = Call::of(node).filter(|c| c.name == "Bag")?;
        let items = node.graph().view(call.args[0]).as_items()?;
        Some(Layout::Block(Block::new(
            "Bag([",
            BlockBody::Items(items.into()),
            5,
            "])",
        )))
    }
}

#[test]
fn a_user_hook_controls_marker_and_layout() {
    let mut g = brinery::Graph::new();
    let cls = g.global("__main__", "Bag");
    let words: Vec<_> = (0..6).map(|i| g.str(format!("item number {i}"))).collect();
    let list = g.list(words);
    let args = g.tuple(vec![list]);
    let bag = g.add(brinery::Node::Object(Box::new(brinery::Object::new(
        brinery::Construct::Reduce {
            callable: cls,
            args,
        },
    ))));
    // The bag inside its own list: a cycle through the hook's object.
    if let brinery::Node::List(v) = g.node_mut(list) {
        v.push(bag);
    }
    let hook = std::sync::Arc::new(BagHook);
    let flat =
        brinery::repr::repr(&g, bag, &brinery::ReprOptions::default().hook(hook.clone())).unwrap();
    assert!(flat.starts_with("Bag(['item number 0',"), "{flat}");
    assert!(flat.ends_with("'item number 5', Bag(...)])"), "{flat}");
    let pretty = brinery::pretty(
        &g,
        bag,
        &brinery::PrettyOptions::default().width(40).hook(hook),
    )
    .unwrap();
    let lines: Vec<&str> = pretty.lines().collect();
    // The pretty view labels the cycle (`#1=` ... `#1#`) and uses the
    // hook's block: items one per line at the column after `Bag([`.
    assert_eq!(lines[0], "#1=Bag(['item number 0',");
    assert_eq!(lines[1], "         'item number 1',");
    assert_eq!(lines[6], "         #1#])");
    assert_eq!(lines.len(), 7, "{pretty}");
}
