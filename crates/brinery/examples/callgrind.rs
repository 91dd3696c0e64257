//! One operation on one file, for instruction counts (docs/SPEED.md):
//! `valgrind --tool=callgrind target/release/examples/callgrind MODE FILE`,
//! then `callgrind_annotate --inclusive=yes callgrind.out.* | grep cg_`.
//! MODE: graph, typed-records, typed-ints, typed-strings, encode (decode,
//! then `dumps(&g, 5)`, checked byte-identical to FILE).
use std::hint::black_box;

#[path = "shared/record.rs"]
mod record;
use record::Record;

#[inline(never)]
fn cg_graph(d: &[u8]) -> brinery::Graph<'_> {
    brinery::loads(d).unwrap()
}
#[inline(never)]
fn cg_typed_records(d: &[u8]) -> Vec<Record> {
    brinery::from_slice(d).unwrap()
}
#[inline(never)]
fn cg_typed_ints(d: &[u8]) -> Vec<i64> {
    brinery::from_slice(d).unwrap()
}
#[inline(never)]
fn cg_typed_strings(d: &[u8]) -> Vec<String> {
    brinery::from_slice(d).unwrap()
}
#[inline(never)]
fn cg_encode(g: &brinery::Graph<'_>) -> Vec<u8> {
    brinery::dumps(g, 5).unwrap()
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let d = std::fs::read(&a[2]).unwrap();
    match a[1].as_str() {
        "graph" => drop(black_box(cg_graph(&d))),
        "typed-records" => drop(black_box(cg_typed_records(&d))),
        "typed-ints" => drop(black_box(cg_typed_ints(&d))),
        "typed-strings" => drop(black_box(cg_typed_strings(&d))),
        "encode" => {
            let g = cg_graph(&d);
            let out = black_box(cg_encode(&g));
            assert_eq!(out, d, "not byte-identical");
        }
        m => panic!("mode {m}"),
    }
}
