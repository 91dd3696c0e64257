//! Decode benchmarks: `brinery::loads` to the graph and typed serde
//! decode, on the issue-6 workloads. `cargo bench -p brinery --bench decode`
mod common;

use common::{big_group, big_workloads, each_typed, TypedBench};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde::de::DeserializeOwned;
use serde::Serialize;

fn graph(c: &mut Criterion) {
    let files = big_workloads();
    let mut g = big_group(c, "decode_graph");
    for (name, data) in &files {
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), data, |b, data| {
            b.iter_with_large_drop(|| brinery::loads(data).expect("decode"))
        });
    }
    g.finish();
}

fn typed(c: &mut Criterion) {
    struct Decode<'c>(criterion::BenchmarkGroup<'c, criterion::measurement::WallTime>);
    impl TypedBench for Decode<'_> {
        fn one<T: DeserializeOwned + Serialize>(&mut self, id: &str, data: &[u8]) {
            self.0.throughput(Throughput::Bytes(data.len() as u64));
            self.0
                .bench_with_input(BenchmarkId::from_parameter(id), data, |b, data| {
                    b.iter_with_large_drop(|| brinery::from_slice::<T>(data).expect("decode"))
                });
        }
    }
    let files = big_workloads();
    let mut g = Decode(big_group(c, "decode_typed"));
    each_typed(&files, &mut g);
    // Borrowed: no copy of the 200 MiB payload.
    if let Some((_, data)) = files.iter().find(|(name, _)| *name == "blob") {
        g.0.bench_with_input(
            BenchmarkId::from_parameter("blob/borrowed"),
            data,
            |b, data| {
                b.iter(|| {
                    brinery::from_slice::<&serde_bytes::Bytes>(data)
                        .expect("decode")
                        .len()
                })
            },
        );
    }
    g.0.finish();
}

criterion_group!(benches, graph, typed);
criterion_main!(benches);
