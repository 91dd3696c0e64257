//! Does `brinery::dump` pass a large payload through to its writer without
//! copying it? Times, best of N, on one file (default
//! `target/bench-data/blob.pkl`, a 200 MiB `bytes` written by CPython):
//!
//! - `copy to Vec`: `data.to_vec()`, one memcpy of the whole input
//!   (the ceiling for anything that must materialize the bytes);
//! - `dumps`: `brinery::dumps(&graph, 5)` into a `Vec` (must copy once);
//! - `write file`: `std::fs::write` of the input bytes (the page-cache copy
//!   speed, the ceiling for writing the pickle to disk);
//! - `dump file`: `brinery::dump(&graph, 5, File)` of the decoded graph;
//! - `write /dev/null` and `dump /dev/null`: the same without the page
//!   cache, i.e. only what brinery itself adds.
//!
//! Every output is checked byte-identical to the input.
//!
//! `cargo run --release -p brinery-bench --bin passthrough -- [FILE] [N] [OUT]`
use std::fs::File;
use std::io::Write;
use std::time::{Duration, Instant};

fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "target/bench-data/blob.pkl".to_string());
    let runs: usize = args.next().map_or(5, |n| n.parse().expect("N"));
    let out = args.next().unwrap_or_else(|| {
        std::env::temp_dir()
            .join("brinery-passthrough.pkl")
            .display()
            .to_string()
    });
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let g = brinery::loads(&data).expect("decode");
    let mb = data.len() as f64 / 1e6;
    let rate = |d: Duration| mb / d.as_secs_f64();
    let mut rows: Vec<(&str, Duration)> = Vec::new();

    rows.push((
        "copy to Vec (memcpy)",
        best(runs, || {
            std::hint::black_box(data.to_vec());
        }),
    ));
    rows.push((
        "dumps to Vec",
        best(runs, || {
            let v = brinery::dumps(&g, 5).expect("encode");
            assert!(v == data, "dumps output differs from the input");
        }),
    ));
    rows.push((
        "write file (fs::write)",
        best(runs, || {
            std::fs::write(&out, &data).expect("write");
        }),
    ));
    rows.push((
        "dump to File",
        best(runs, || {
            let f = File::create(&out).expect("create");
            brinery::dump(&g, 5, f).expect("dump");
        }),
    ));
    assert!(
        std::fs::read(&out).expect("read back") == data,
        "dump output differs from the input"
    );
    std::fs::remove_file(&out).ok();
    rows.push((
        "write /dev/null",
        best(runs, || {
            File::create("/dev/null")
                .and_then(|mut f| f.write_all(&data))
                .expect("write");
        }),
    ));
    rows.push((
        "dump to /dev/null",
        best(runs, || {
            let f = File::create("/dev/null").expect("open");
            brinery::dump(&g, 5, f).expect("dump");
        }),
    ));

    println!("{path}: {mb:.1} MB, best of {runs}");
    println!("| operation | time | MB/s |");
    println!("|---|---:|---:|");
    for (name, d) in &rows {
        println!(
            "| {name} | {:.1} ms | {:.0} |",
            d.as_secs_f64() * 1e3,
            rate(*d)
        );
    }
}
