//! Encode benchmarks: `brinery::dumps(&graph, 5)` (CPython-identical) and
//! serde encode (`to_vec` at protocol 5) on the issue-6 workloads.
//! `cargo bench -p brinery --bench encode`
mod common;

use common::{big_group, big_workloads, each_typed, TypedBench};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde::de::DeserializeOwned;
use serde::Serialize;

fn graph(c: &mut Criterion) {
    let files = big_workloads();
    let mut g = big_group(c, "encode_graph");
    for (name, data) in &files {
        let graph = brinery::loads(data).expect("decode");
        let out = brinery::dumps(&graph, 5).expect("encode");
        if out != *data {
            eprintln!("WARNING: brinery::dumps of {name} is NOT byte-identical to CPython's");
        }
        drop(out);
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), &graph, |b, graph| {
            b.iter_with_large_drop(|| brinery::dumps(graph, 5).expect("encode"))
        });
    }
    g.finish();
}

fn serde(c: &mut Criterion) {
    struct Encode<'c>(criterion::BenchmarkGroup<'c, criterion::measurement::WallTime>);
    impl TypedBench for Encode<'_> {
        fn one<T: DeserializeOwned + Serialize>(&mut self, id: &str, data: &[u8]) {
            let value: T = brinery::from_slice(data).expect("decode");
            let opts = brinery::serde::SerOptions::new().protocol(5);
            self.0.throughput(Throughput::Bytes(data.len() as u64));
            self.0
                .bench_with_input(BenchmarkId::from_parameter(id), &value, |b, value| {
                    b.iter_with_large_drop(|| opts.to_vec(value).expect("encode"))
                });
        }
    }
    let files = big_workloads();
    let mut g = Encode(big_group(c, "encode_serde"));
    each_typed(&files, &mut g);
    g.0.finish();
}

criterion_group!(benches, graph, serde);
criterion_main!(benches);
