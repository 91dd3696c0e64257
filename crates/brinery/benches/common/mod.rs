//! Shared by the benches: where the workload files are and criterion's
//! settings. The files are written by `scripts/bench_data.py` (run by
//! `scripts/bench.sh`); a missing file skips its benchmarks with a message.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, SamplingMode};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The big workloads of issue 6, in order.
pub const BIG: &[&str] = &["records", "ints", "strings", "blob", "nested"];

/// One row of `records.pkl`.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Record {
    pub id: i64,
    pub name: String,
    pub score: f64,
    pub tags: Vec<String>,
}

/// `$BRINERY_BENCH_DATA`, else `<workspace>/target/bench-data`.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("BRINERY_BENCH_DATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/bench-data"
        )),
    }
}

/// `cargo bench` passes `--bench`; `cargo test --benches`/`--all-targets`
/// does not (criterion then runs each benchmark once as a test). The big
/// workloads are only loaded in a real benchmark run.
pub fn is_bench_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The bytes of workload `name`, or `None` with a SKIP message.
pub fn load(name: &str) -> Option<Vec<u8>> {
    let path = data_dir().join(format!("{name}.pkl"));
    match std::fs::read(&path) {
        Ok(d) => Some(d),
        Err(e) => {
            eprintln!(
                "SKIP {name}: cannot read {} ({e}); generate the workloads with \
                 `python3 scripts/bench_data.py` or `scripts/bench.sh`",
                path.display()
            );
            None
        }
    }
}

/// The big workloads present (none outside a `cargo bench` run).
pub fn big_workloads() -> Vec<(&'static str, Vec<u8>)> {
    if !is_bench_run() {
        eprintln!("test mode (no --bench): skipping the big workloads");
        return Vec::new();
    }
    BIG.iter().filter_map(|n| Some((*n, load(n)?))).collect()
}

/// Few samples, flat sampling: each big benchmark takes seconds, not
/// minutes.
pub fn big_group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    g
}

/// A benchmark of one big workload read as the serde type `T`.
pub trait TypedBench {
    /// Benchmark `data` as a `T`, under the benchmark id `id`.
    fn one<T: DeserializeOwned + Serialize>(&mut self, id: &str, data: &[u8]);
}

/// Call `b.one` for each of `files` with the type the typed benchmarks
/// read it as: its own row type where it has one, [`brinery::Value`] for
/// the others.
pub fn each_typed(files: &[(&'static str, Vec<u8>)], b: &mut impl TypedBench) {
    for (name, data) in files {
        match *name {
            "records" => b.one::<Vec<Record>>("records/Record", data),
            "ints" => b.one::<Vec<i64>>("ints/i64", data),
            "strings" => b.one::<Vec<String>>("strings/String", data),
            "blob" => b.one::<serde_bytes::ByteBuf>("blob/ByteBuf", data),
            _ => b.one::<brinery::Value>(&format!("{name}/Value"), data),
        }
    }
}

/// Settings for the small-object latency benches.
pub fn small_config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}
