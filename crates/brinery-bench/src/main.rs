//! `compare`: brinery vs CPython's `pickle` vs serde-pickle on the same
//! files, in one run (issue 6).
//!
//! ```text
//! compare [--data DIR] [--only NAME,...] [--runs N] [--markdown FILE|-]
//!         [--python PYTHON] [--no-memory] [--no-python]
//! ```
//!
//! For each `NAME.pkl` of scripts/bench_data.py found in DIR (default
//! `target/bench-data`) it times brinery's graph decode (from a slice and
//! from a memory-mapped file), typed serde decode, graph encode (checked
//! byte-identical to the input, which CPython wrote) and serde encode;
//! serde-pickle 1.x decode to its `Value` and typed, and encode from its
//! `Value`; CPython `pickle.loads` (gc on / gc off) and `pickle.dumps`
//! in a python3 subprocess. Each number is the best of N runs after a
//! warm-up run (N = 5, 3 for files of 40 MB and more; `--runs` sets N for
//! all). Peak memory of each decoder is measured in a fresh child process
//! (this binary re-executed with `--child`, or python3). Prints tables of
//! times, MB/s, ratios, peak memory and the issue-6 targets; `--markdown`
//! writes the same tables as Markdown.
#![forbid(unsafe_code)]

mod measure;
mod python;
mod report;
mod workloads;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use measure::{best, parse_peak, Plan};
use report::{Mem, Row};
use workloads::{Kind, NAMES};

const USAGE: &str = "\
usage: compare [OPTIONS]

Times brinery, CPython's pickle (python3) and serde-pickle on the workload
files of scripts/bench_data.py and prints tables (see BENCHMARKS.md).

options:
  --data DIR         workload directory (default target/bench-data)
  --only A,B         only these workloads (records, ints, strings, blob,
                     nested, small_dict, small_tuple)
  --runs N           timed runs per measurement (default 5; 3 for files
                     of 40 MB and more); one warm-up run comes first
  --markdown FILE    also write the tables as Markdown (- for stdout)
  --python PYTHON    the CPython to compare with (default $BRINERY_PYTHON or python3)
  --no-memory        skip the peak-memory child processes
  --no-python        skip the CPython columns

exit status: 0 ok, 1 an encode was not byte-identical to the input,
2 usage or missing data";

/// Files at least this big get 3 runs by default, others 5.
const BIG: u64 = 40_000_000;

struct Args {
    data: PathBuf,
    only: Vec<String>,
    runs: Option<usize>,
    markdown: Option<String>,
    python: String,
    memory: bool,
    with_python: bool,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        data: PathBuf::from("target/bench-data"),
        only: Vec::new(),
        runs: None,
        markdown: None,
        python: std::env::var("BRINERY_PYTHON").unwrap_or_else(|_| "python3".into()),
        memory: true,
        with_python: true,
    };
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--data" => a.data = PathBuf::from(value("--data")?),
            "--only" => a
                .only
                .extend(value("--only")?.split(',').map(|s| s.trim().to_string())),
            "--runs" => {
                let v = value("--runs")?;
                a.runs = Some(
                    v.parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or(format!("--runs: not a positive number: {v}"))?,
                );
            }
            "--markdown" => a.markdown = Some(value("--markdown")?),
            "--python" => a.python = value("--python")?,
            "--no-memory" => a.memory = false,
            "--no-python" => a.with_python = false,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("--child") {
        args.next();
        let rest: Vec<String> = args.collect();
        return match child(&rest) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("compare --child: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let args = match parse_args(args) {
        Ok(a) => a,
        Err(e) => {
            if e.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("compare: {e} (see compare --help)");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("compare: {e}");
            ExitCode::from(2)
        }
    }
}

fn plan_for(size: u64, runs: Option<usize>) -> Plan {
    let iters = (16_000_000 / size.max(1)).clamp(1, 100_000) as usize;
    let runs = runs.unwrap_or(if size >= BIG { 3 } else { 5 });
    Plan {
        warmup: 1,
        runs,
        iters,
    }
}

/// Run everything; `Ok(false)` when an encode was not byte-identical.
fn run(args: &Args) -> Result<bool, String> {
    let mut files = Vec::new();
    for name in NAMES {
        if !args.only.is_empty() && !args.only.iter().any(|o| o == name) {
            continue;
        }
        let path = args.data.join(format!("{name}.pkl"));
        if path.exists() {
            files.push((name.to_string(), path));
        } else {
            eprintln!("compare: SKIP {name}: {} is missing", path.display());
        }
    }
    if files.is_empty() {
        return Err(format!(
            "no workload files in {} — run scripts/bench.sh or python3 scripts/bench_data.py {}",
            args.data.display(),
            args.data.display()
        ));
    }
    let python = if args.with_python {
        match python::version(&args.python) {
            Ok(v) => {
                eprintln!("compare: CPython {v} ({})", args.python);
                Some(args.python.as_str())
            }
            Err(e) => {
                eprintln!("compare: SKIP CPython columns: {e}");
                None
            }
        }
    } else {
        None
    };
    let mut rows = Vec::new();
    let mut all_identical = true;
    for (name, path) in &files {
        let row = measure_file(name, path, args.runs, python, args.memory)?;
        if row.graph_identical != Some(true) {
            all_identical = false;
            eprintln!(
                "compare: ERROR: brinery::dumps(loads({name}.pkl), 5) is NOT byte-identical to the \
                 file CPython wrote"
            );
        }
        rows.push(row);
    }
    let mut tables = vec![report::decode_table(&rows), report::encode_table(&rows)];
    tables.extend(report::memory_table(&rows));
    tables.extend(report::targets_table(&rows));
    let plan = report::plan_note(&rows);
    let text: String = tables.iter().map(|t| t.text() + "\n").collect();
    println!("{text}{plan}");
    if let Some(dest) = &args.markdown {
        let md = format!(
            "{}\n{plan}\n",
            tables
                .iter()
                .map(|t| t.markdown() + "\n")
                .collect::<String>()
        );
        if dest == "-" {
            print!("{md}");
        } else {
            std::fs::write(dest, md).map_err(|e| format!("cannot write {dest}: {e}"))?;
            eprintln!("compare: wrote {dest}");
        }
    }
    Ok(all_identical)
}

fn measure_file(
    name: &str,
    path: &Path,
    runs: Option<usize>,
    python: Option<&str>,
    memory: bool,
) -> Result<Row, String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let size = data.len() as u64;
    let kind = Kind::of(name);
    let plan = plan_for(size, runs);
    eprintln!(
        "compare: {name} ({:.1} MB, {} runs × {} ops)",
        size as f64 / 1e6,
        plan.runs,
        plan.iters
    );

    // brinery: graph from the slice, then encode that graph.
    let mut graph = None;
    let graph_t = best(&plan, || brinery::loads(&data), &mut graph);
    let (graph_encode, graph_identical) = match &graph {
        Some(g) => {
            let mut out = None;
            let t = best(&plan, || brinery::dumps(g, 5), &mut out);
            (t, out.map(|o| o == data))
        }
        None => (Err("decode failed".into()), None),
    };
    drop(graph);
    eprintln!("  brinery graph done");

    // brinery: graph from a freshly memory-mapped file (mapping included).
    let mmap = time_mmap(path, &plan);
    eprintln!("  brinery mmap done");

    // Typed serde decode/encode, brinery and serde-pickle.
    let typed = workloads::typed(kind, &data, &plan);
    eprintln!("  typed done");

    // serde-pickle: decode to its Value, encode from it.
    let mut value = None;
    let sp_value = best(
        &plan,
        || serde_pickle::value_from_slice(&data, serde_pickle::DeOptions::new()),
        &mut value,
    );
    let sp_encode = match &value {
        Some(v) => best(
            &plan,
            || serde_pickle::value_to_vec(v, serde_pickle::SerOptions::new()),
            &mut None,
        ),
        None => Err("decode failed".into()),
    };
    drop(value);
    eprintln!("  serde-pickle done");

    let py = python.map(|p| python::time(p, path, &plan));
    if py.is_some() {
        eprintln!("  CPython done");
    }
    // Peak memory only means something for the big files.
    let mem = (memory && size >= 1_000_000).then(|| peak_memory(kind, path, python));
    Ok(Row {
        name: name.to_string(),
        size,
        runs: plan.runs,
        iters: plan.iters,
        kind,
        graph: graph_t,
        mmap,
        graph_encode,
        graph_identical,
        typed,
        sp_value,
        sp_encode,
        py,
        mem,
    })
}

/// Open `path` and map it read-only (brinery-mmap). The benchmark files are
/// written once by scripts/bench_data.py (renamed into place) and not
/// changed while the benchmark runs.
fn map_file(path: &Path) -> std::io::Result<brinery_mmap::Mmap> {
    brinery_mmap::map(&std::fs::File::open(path)?)
}

/// Best time of `map the file + brinery::loads`, the graph and the mapping
/// dropped outside the timed part.
fn time_mmap(path: &Path, plan: &Plan) -> measure::Outcome {
    let once = || -> Result<f64, String> {
        let t = std::time::Instant::now();
        for _ in 1..plan.iters {
            let m = map_file(path).map_err(|e| e.to_string())?;
            black_box(brinery::loads(&m).map_err(|e| e.to_string())?);
        }
        let m = map_file(path).map_err(|e| e.to_string())?;
        let g = brinery::loads(&m).map_err(|e| e.to_string());
        let dt = t.elapsed().as_secs_f64() / plan.iters.max(1) as f64;
        drop(g?);
        Ok(dt)
    };
    for _ in 0..plan.warmup {
        once()?;
    }
    let mut best = f64::INFINITY;
    for _ in 0..plan.runs.max(1) {
        best = best.min(once()?);
    }
    Ok(best)
}

/// Child modes, each decoding once in a fresh process.
const MODES: &[&str] = &["graph", "mmap", "typed", "serde-pickle"];

fn peak_memory(kind: Kind, path: &Path, python: Option<&str>) -> Mem {
    let exe = std::env::current_exe();
    let mut res: Vec<Result<u64, String>> = MODES
        .iter()
        .map(|mode| {
            let exe = exe.as_ref().map_err(|e| e.to_string())?;
            let out = Command::new(exe)
                .args(["--child", mode, kind.as_str()])
                .arg(path)
                .output()
                .map_err(|e| e.to_string())?;
            if !out.status.success() {
                let err = String::from_utf8_lossy(&out.stderr);
                return Err(err
                    .trim()
                    .trim_start_matches("compare --child: ")
                    .to_string());
            }
            parse_peak(&String::from_utf8_lossy(&out.stdout))
        })
        .collect();
    let python = match python {
        Some(p) => python::peak(p, path),
        None => Err("no python3".into()),
    };
    eprintln!("  memory done");
    let sp_value = res.pop().unwrap_or(Err("?".into()));
    let typed = res.pop().unwrap_or(Err("?".into()));
    let mmap = res.pop().unwrap_or(Err("?".into()));
    let graph = res.pop().unwrap_or(Err("?".into()));
    Mem {
        graph,
        mmap,
        typed,
        sp_value,
        python,
    }
}

/// `compare --child MODE KIND FILE`: decode FILE once and print
/// `baseline N` (RSS with the input loaded) and `peak N` (VmHWM with the
/// decoded value alive).
fn child(args: &[String]) -> Result<(), String> {
    let [mode, kind, file] = args else {
        return Err("usage: compare --child MODE KIND FILE".into());
    };
    let kind = Kind::from_str(kind).ok_or_else(|| format!("unknown kind {kind}"))?;
    let path = Path::new(file);
    if mode == "mmap" {
        measure::start_peak();
        let m = map_file(path).map_err(|e| e.to_string())?;
        let g = brinery::loads(&m).map_err(|e| e.to_string())?;
        measure::record_peak();
        black_box(&g);
        return Ok(());
    }
    let data = std::fs::read(path).map_err(|e| e.to_string())?;
    measure::start_peak();
    match mode.as_str() {
        "graph" => {
            let g = brinery::loads(&data).map_err(|e| e.to_string())?;
            measure::record_peak();
            black_box(&g);
        }
        "typed" => workloads::decode_typed_once(kind, &data)?,
        "serde-pickle" => {
            let v = serde_pickle::value_from_slice(&data, serde_pickle::DeOptions::new())
                .map_err(|e| e.to_string())?;
            measure::record_peak();
            black_box(&v);
        }
        other => return Err(format!("unknown mode {other}")),
    }
    Ok(())
}
