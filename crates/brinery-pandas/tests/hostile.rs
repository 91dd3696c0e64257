//! Inconsistent pandas pickles give an error naming the column, never a
//! wrong table: fixtures from pandas 3.1.1 with one field changed.

use std::path::Path;

use brinery::{Buf, Graph, Node};
use brinery_pandas::ErrorKind;

fn load(name: &str) -> Graph<'static> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/3.1.1")
        .join(name);
    brinery::loads(&std::fs::read(p).unwrap())
        .unwrap()
        .into_owned()
}

/// Replace the (only) bytes node equal to `from` by `to`.
fn patch(g: &mut Graph<'static>, from: &[u8], to: &[u8]) {
    let mut stack = vec![g.root_id().unwrap()];
    let mut seen = std::collections::HashSet::new();
    let mut hits = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        if matches!(g.node(id), Node::Bytes(b) if b.as_slice() == from) {
            hits.push(id);
        }
        g.node(id).for_each_child(|c| stack.push(c));
    }
    assert_eq!(hits.len(), 1, "one bytes node {from:?}");
    *g.node_mut(hits[0]) = Node::Bytes(Buf::Owned(to.to_vec().into_boxed_slice()));
}

fn err(g: &Graph<'_>) -> brinery_pandas::Error {
    brinery_pandas::from_node(g.root()).expect_err("an error")
}

#[test]
fn category_code_outside_categories() {
    let mut g = load("categorical.p4.pkl");
    patch(&mut g, &[0, 1, 0xff, 0], &[0, 7, 0xff, 0]);
    let e = err(&g);
    assert_eq!(e.kind(), ErrorKind::Malformed);
    assert_eq!(e.place(), Some("column 'c'"));
    assert!(
        e.to_string().contains("code 7 is outside the 2 categories"),
        "{e}"
    );
}

#[test]
fn block_placement_out_of_range() {
    // The first block's placement slice(0, 1, 1) becomes slice(7, 8, 1)
    // in a frame of 5 columns.
    let mut g = load("interleaved.p4.pkl");
    let mut slices = Vec::new();
    let mut stack = vec![g.root_id().unwrap()];
    let mut seen = std::collections::HashSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        if let Node::Object(o) = g.node(id) {
            if let brinery::Construct::Reduce { callable, args } = o.construct {
                if g.view(callable).as_global() == Some(("builtins", "slice")) {
                    slices.push(args);
                }
            }
        }
        g.node(id).for_each_child(|c| stack.push(c));
    }
    let args = slices[0];
    let items = g.view(args).as_items().unwrap().to_vec();
    *g.node_mut(items[0]) = Node::Int(7);
    *g.node_mut(items[1]) = Node::Int(8);
    let e = err(&g);
    assert_eq!(e.kind(), ErrorKind::Malformed);
    assert!(e.to_string().contains("position 7"), "{e}");
}

#[test]
fn column_length_disagrees_with_index() {
    // The float32 column f32 of `numeric` has 4 values; give it 3.
    let mut g = load("numeric.p4.pkl");
    let from: Vec<u8> = [0.5f32, 2.0, 3.0, -1.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let to: Vec<u8> = [0.5f32, 2.0, 3.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    patch(&mut g, &from, &to);
    let e = err(&g);
    assert_eq!(e.place(), Some("column 'f32'"), "{e}");
}
