//! The Rust side of `benches/compare.py`: load each model, time a batch
//! prediction of all rows of X and single-row latency, write the batch
//! output for the script to compare with scikit-learn's.
//!
//! `cargo run --release -p brinery-sklearn --example bench -- DIR`
//! (DIR holds `X.npy` and `<name>.joblib` + `<name>.method` files).

use std::time::Instant;

use brinery_sklearn::{load, output_npy, read_matrix, DataFormat, Method, Model};

/// CPU seconds of this process (all threads) from /proc/self/stat
/// (utime + stime, in clock ticks of 1/100 s); 0 where unavailable.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // fields after the ")" that ends the command name
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).ok_or("usage: bench DIR")?);
    let x = read_matrix(&std::fs::read(dir.join("X.npy"))?, DataFormat::Npy)?;
    let xa = x.to_ndarray();
    let mut names: Vec<String> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter_map(|n| n.strip_suffix(".joblib").map(str::to_string))
        .collect();
    names.sort();
    for name in names {
        let method =
            Method::parse(std::fs::read_to_string(dir.join(format!("{name}.method")))?.trim())
                .ok_or("bad method")?;
        let t0 = Instant::now();
        let bytes = std::fs::read(dir.join(format!("{name}.joblib")))?;
        let g = load(&bytes)?;
        let model = Model::from_node(g.root())?;
        let load_s = t0.elapsed().as_secs_f64();
        // batch: best of 3 (wall and CPU time)
        let mut batch = f64::INFINITY;
        let mut batch_cpu = f64::INFINITY;
        let mut out = None;
        for _ in 0..3 {
            let t = Instant::now();
            let c = cpu_seconds();
            let o = model.run(method, xa.view())?;
            batch = batch.min(t.elapsed().as_secs_f64());
            batch_cpu = batch_cpu.min(cpu_seconds() - c);
            out = Some(o);
        }
        std::fs::write(
            dir.join(format!("{name}.rust.npy")),
            output_npy(&out.ok_or("no output")?),
        )?;
        // single row: median of many calls
        let row = xa.slice(ndarray::s![0..1, ..]);
        let n = 2000;
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let o = model.run(method, row)?;
            times.push(t.elapsed().as_secs_f64());
            std::hint::black_box(o);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{{\"name\": \"{name}\", \"load_s\": {load_s}, \"batch_s\": {batch}, \"batch_cpu_s\": {batch_cpu}, \"single_s\": {}}}",
            times[n / 2]
        );
    }
    // peak resident memory of this process (VmHWM)
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0);
    println!("{{\"name\": \"_peak\", \"vmhwm_mb\": {}}}", hwm / 1024.0);
    Ok(())
}
