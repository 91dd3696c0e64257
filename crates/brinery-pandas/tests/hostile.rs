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
        if matches!(g.node(id), Node::Bytes(b) | Node::ByteArray(b) if b.as_slice() == from) {
            hits.push(id);
        }
        g.node(id).for_each_child(|c| stack.push(c));
    }
    assert_eq!(hits.len(), 1, "one bytes node {from:?}");
    let to = Buf::Owned(to.to_vec().into_boxed_slice());
    // Arrow buffers are bytearrays (py_buffer(bytearray(...))).
    *g.node_mut(hits[0]) = match g.node(hits[0]) {
        Node::ByteArray(_) => Node::ByteArray(to),
        _ => Node::Bytes(to),
    };
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

/// `arrow_nested`: `l` = list<int64> [[1, 2], None, [3], []] (offsets
/// 0 2 2 3 3), `d` = dictionary<int32, string> keys 0 1 0 (null).
fn i32s(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Patch `from` to `to` in `arrow_nested`: a Malformed error that names
/// `column` and says `says`.
fn nested_refused(from: &[i32], to: &[i32], column: &str, says: &str) {
    let mut g = load("arrow_nested.p4.pkl");
    patch(&mut g, &i32s(from), &i32s(to));
    let e = err(&g);
    assert_eq!(e.kind(), ErrorKind::Malformed, "{e}");
    assert_eq!(e.place(), Some(format!("column '{column}'").as_str()));
    assert!(e.to_string().contains(says), "{e}");
}

#[test]
fn arrow_list_offset_beyond_its_child() {
    nested_refused(
        &[0, 2, 2, 3, 3],
        &[0, 2, 2, 3, 9],
        "l",
        "list offset out of range",
    );
}

#[test]
fn arrow_list_offsets_decreasing() {
    nested_refused(&[0, 2, 2, 3, 3], &[0, 2, 1, 3, 3], "l", "offsets decrease");
}

#[test]
fn arrow_list_offsets_cut_short() {
    nested_refused(&[0, 2, 2, 3, 3], &[0, 2], "l", "shorter than the array");
}

#[test]
fn arrow_dictionary_key_outside_the_dictionary() {
    nested_refused(
        &[0, 1, 0, 0],
        &[0, 5, 0, 0],
        "d",
        "dictionary index 5 outside a dictionary of 2",
    );
}

#[test]
fn complex64_values_are_exact() {
    // complex.p4.pkl's complex64 column, widened to f64 pairs.
    let g = load("complex.p4.pkl");
    let p = brinery_pandas::from_node(g.root()).unwrap().unwrap();
    let brinery_pandas::Pandas::DataFrame(df) = p else {
        panic!("a frame")
    };
    assert_eq!(df.data[1].dtype.name(), "complex64");
    assert_eq!(
        df.data[1].values,
        brinery_pandas::Values::Complex(vec![(1.0, 2.0), (-0.0, -0.5), (2.5, 0.0), (3.0, 0.0)])
    );
}
