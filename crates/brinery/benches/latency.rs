//! Small-object latency: a pyperformance-style 30-key dict and a 20-int
//! tuple (decode to the graph, typed decode, encode from the graph, serde
//! encode). `cargo bench -p brinery --bench latency`
mod common;

use common::{load, small_config};
use criterion::{criterion_group, criterion_main, Criterion};

fn small(c: &mut Criterion) {
    if let Some(data) = load("small_dict") {
        let mut g = c.benchmark_group("small_dict");
        g.bench_function("loads", |b| {
            b.iter(|| brinery::loads(&data).expect("decode"))
        });
        g.bench_function("from_slice Value", |b| {
            b.iter(|| brinery::from_slice::<brinery::Value>(&data).expect("decode"))
        });
        let graph = brinery::loads(&data).expect("decode");
        g.bench_function("dumps", |b| {
            b.iter(|| brinery::dumps(&graph, 5).expect("encode"))
        });
        let value: brinery::Value = brinery::from_slice(&data).expect("decode");
        let opts = brinery::serde::SerOptions::new().protocol(5);
        g.bench_function("to_vec Value", |b| {
            b.iter(|| opts.to_vec(&value).expect("encode"))
        });
        g.finish();
    }
    if let Some(data) = load("small_tuple") {
        let mut g = c.benchmark_group("small_tuple");
        g.bench_function("loads", |b| {
            b.iter(|| brinery::loads(&data).expect("decode"))
        });
        g.bench_function("from_slice Vec<i64>", |b| {
            b.iter(|| brinery::from_slice::<Vec<i64>>(&data).expect("decode"))
        });
        let graph = brinery::loads(&data).expect("decode");
        g.bench_function("dumps", |b| {
            b.iter(|| brinery::dumps(&graph, 5).expect("encode"))
        });
        let value: Vec<i64> = brinery::from_slice(&data).expect("decode");
        let opts = brinery::serde::SerOptions::new().protocol(5);
        g.bench_function("to_vec Vec<i64>", |b| {
            b.iter(|| opts.to_vec(&value).expect("encode"))
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = small_config();
    targets = small
}
criterion_main!(benches);
