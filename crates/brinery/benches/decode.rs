//! Decode benchmarks: `brinery::loads` to the graph and typed serde
//! decode, on the issue-6 workloads. `cargo bench -p brinery --bench decode`
mod common;

use common::{big_group, big_workloads, Record};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde::de::DeserializeOwned;

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
    fn one<T: DeserializeOwned>(
        g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        id: &str,
        data: &[u8],
    ) {
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(id), data, |b, data| {
            b.iter_with_large_drop(|| brinery::from_slice::<T>(data).expect("decode"))
        });
    }
    let files = big_workloads();
    let mut g = big_group(c, "decode_typed");
    for (name, data) in &files {
        match *name {
            "records" => one::<Vec<Record>>(&mut g, "records/Record", data),
            "ints" => one::<Vec<i64>>(&mut g, "ints/i64", data),
            "strings" => one::<Vec<String>>(&mut g, "strings/String", data),
            "blob" => {
                one::<serde_bytes::ByteBuf>(&mut g, "blob/ByteBuf", data);
                // Borrowed: no copy of the 200 MiB payload.
                g.bench_with_input(
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
            _ => one::<brinery::Value>(&mut g, &format!("{name}/Value"), data),
        }
    }
    g.finish();
}

criterion_group!(benches, graph, typed);
criterion_main!(benches);
