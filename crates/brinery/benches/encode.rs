//! Encode benchmarks: `brinery::dumps(&graph, 5)` (CPython-identical) and
//! serde encode (`to_vec` at protocol 5) on the issue-6 workloads.
//! `cargo bench -p brinery --bench encode`
mod common;

use common::{big_group, big_workloads, Record};
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
    fn one<T: DeserializeOwned + Serialize>(
        g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        id: &str,
        data: &[u8],
    ) {
        let value: T = brinery::from_slice(data).expect("decode");
        let opts = brinery::serde::SerOptions::new().protocol(5);
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(id), &value, |b, value| {
            b.iter_with_large_drop(|| opts.to_vec(value).expect("encode"))
        });
    }
    let files = big_workloads();
    let mut g = big_group(c, "encode_serde");
    for (name, data) in &files {
        match *name {
            "records" => one::<Vec<Record>>(&mut g, "records/Record", data),
            "ints" => one::<Vec<i64>>(&mut g, "ints/i64", data),
            "strings" => one::<Vec<String>>(&mut g, "strings/String", data),
            "blob" => one::<serde_bytes::ByteBuf>(&mut g, "blob/ByteBuf", data),
            _ => one::<brinery::Value>(&mut g, &format!("{name}/Value"), data),
        }
    }
    g.finish();
}

criterion_group!(benches, graph, serde);
criterion_main!(benches);
