//! CPython's `pickle` (the C `_pickle`), timed by a python3 subprocess.

use std::path::Path;
use std::process::Command;

use crate::measure::{parse_peak, Outcome, Plan};

/// The timing script run as `python3 -c SCRIPT MODE FILE [RUNS ITERS]`.
/// Same method as the Rust side: one warm-up, best of RUNS, ITERS
/// operations per run, the object of a single-op run freed outside the
/// timed part.
const SCRIPT: &str = r#"
import gc, pickle, sys, time

def best(fn, runs, iters):
    r = fn(); del r
    b = float("inf")
    for _ in range(runs):
        if iters == 1:
            t = time.perf_counter(); r = fn(); dt = time.perf_counter() - t
            del r
        else:
            t = time.perf_counter()
            for _ in range(iters):
                fn()
            dt = (time.perf_counter() - t) / iters
        b = min(b, dt)
    return b

def status(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1

mode, path = sys.argv[1], sys.argv[2]
with open(path, "rb") as f:
    data = f.read()
loads, dumps = pickle.loads, pickle.dumps
if mode == "time":
    runs, iters = int(sys.argv[3]), int(sys.argv[4])
    print("version", sys.version.split()[0], flush=True)
    gc.enable()
    print("loads_gc_on", best(lambda: loads(data), runs, iters), flush=True)
    gc.disable()
    print("loads_gc_off", best(lambda: loads(data), runs, iters), flush=True)
    gc.enable()
    obj = loads(data)
    print("dumps", best(lambda: dumps(obj, protocol=5), runs, iters), flush=True)
    print("dumps_identical", int(dumps(obj, protocol=5) == data), flush=True)
elif mode == "mem":
    # Default settings (gc on); peak RSS over the RSS with the input loaded.
    print("baseline", status("VmRSS"), flush=True)
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    obj = loads(data)
    print("peak", status("VmHWM"), flush=True)
"#;

/// CPython's numbers for one workload.
pub struct PyTimes {
    pub loads_gc_on: Outcome,
    pub loads_gc_off: Outcome,
    pub dumps: Outcome,
    pub dumps_identical: Option<bool>,
}

/// The python3 version, or why python3 cannot be run.
pub fn version(python: &str) -> Result<String, String> {
    let out = Command::new(python)
        .args(["-c", "import sys; print(sys.version.split()[0])"])
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{python} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn run(python: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(python)
        .arg("-c")
        .arg(SCRIPT)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").to_string();
        return Err(format!("python failed: {last}"));
    }
    Ok(stdout)
}

/// Time `pickle.loads` (gc on, gc off) and `pickle.dumps(obj, protocol=5)`.
pub fn time(python: &str, file: &Path, plan: &Plan) -> PyTimes {
    let file = file.to_string_lossy();
    let (runs, iters) = (plan.runs.to_string(), plan.iters.to_string());
    let out = run(python, &["time", &file, &runs, &iters]);
    let field = |key: &str| -> Outcome {
        let out = out.as_ref().map_err(Clone::clone)?;
        out.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.trim().parse().ok())
            .ok_or_else(|| format!("no {key} in python output"))
    };
    PyTimes {
        loads_gc_on: field("loads_gc_on"),
        loads_gc_off: field("loads_gc_off"),
        dumps: field("dumps"),
        dumps_identical: field("dumps_identical").ok().map(|v| v == 1.0),
    }
}

/// Peak memory of `pickle.loads` in a fresh python3, over its RSS with
/// the input loaded.
pub fn peak(python: &str, file: &Path) -> Result<u64, String> {
    let out = run(python, &["mem", &file.to_string_lossy()])?;
    parse_peak(&out)
}
