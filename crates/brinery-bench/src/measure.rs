//! Timing (best of N after a warm-up) and peak memory (/proc/self/status).

use std::fmt::Display;
use std::hint::black_box;
use std::time::Instant;

/// Seconds per operation, or why the operation failed.
pub type Outcome = Result<f64, String>;

/// How often to run one measured operation.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Untimed runs first.
    pub warmup: usize,
    /// Timed runs; the best is reported.
    pub runs: usize,
    /// Operations per timed run (1 for big files, many for the
    /// small-object latency cases); the time is divided by it.
    pub iters: usize,
}

/// Best time per operation of `f` under `plan`. The value of the last run
/// is left in `keep` (the previous one is dropped before each run, outside
/// the timed part when `iters == 1`, as `del obj` is in the Python script).
/// A failure stops at once and is returned as text.
pub fn best<T, E: Display>(
    plan: &Plan,
    mut f: impl FnMut() -> Result<T, E>,
    keep: &mut Option<T>,
) -> Outcome {
    let fail = |e: E| first_line(&e.to_string());
    for _ in 0..plan.warmup {
        *keep = None;
        *keep = Some(f().map_err(fail)?);
    }
    let mut best = f64::INFINITY;
    for _ in 0..plan.runs.max(1) {
        *keep = None;
        let t = Instant::now();
        for _ in 1..plan.iters {
            black_box(f().map_err(fail)?);
        }
        let v = f();
        let dt = t.elapsed().as_secs_f64() / plan.iters.max(1) as f64;
        *keep = Some(v.map_err(fail)?);
        best = best.min(dt);
    }
    Ok(best)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

/// A field of /proc/self/status in bytes (`VmRSS`, `VmHWM`), if there.
pub fn status_bytes(key: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        let kb: u64 = rest.split_whitespace().next()?.parse().ok()?;
        Some(kb * 1024)
    })
}

/// Start a peak measurement in a child: print the current RSS as the
/// baseline and reset the high-water mark to it (Linux ≥ 4.0:
/// `echo 5 > /proc/self/clear_refs`; if that fails, VmHWM still holds the
/// peak since start, which only overstates the baseline's share).
pub fn start_peak() {
    let base = status_bytes("VmRSS");
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    match base {
        Some(b) => println!("baseline {b}"),
        None => println!("baseline -1"),
    }
}

/// Print the high-water mark (call while the decoded value is alive).
pub fn record_peak() {
    match status_bytes("VmHWM") {
        Some(p) => println!("peak {p}"),
        None => println!("peak -1"),
    }
}

/// Parse a child's `baseline N` / `peak N` output into peak − baseline.
pub fn parse_peak(stdout: &str) -> Result<u64, String> {
    let mut base = None;
    let mut peak = None;
    for line in stdout.lines() {
        let mut it = line.split_whitespace();
        match (it.next(), it.next().and_then(|v| v.parse::<i64>().ok())) {
            (Some("baseline"), Some(v)) => base = Some(v),
            (Some("peak"), Some(v)) => peak = Some(v),
            _ => {}
        }
    }
    match (base, peak) {
        (Some(b), Some(p)) if b >= 0 && p >= 0 => Ok((p - b).max(0) as u64),
        (Some(_), Some(_)) => Err("no /proc/self/status".into()),
        _ => Err(format!("no measurement in child output {stdout:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_is_high_water_minus_baseline() {
        assert_eq!(parse_peak("baseline 1000\npeak 5096\n"), Ok(4096));
        assert_eq!(parse_peak("baseline 9000\npeak 5096\n"), Ok(0));
        assert!(parse_peak("baseline -1\npeak -1\n").is_err());
        assert!(parse_peak("garbage").is_err());
    }

    #[test]
    fn best_keeps_the_last_value_and_stops_on_failure() {
        let plan = Plan {
            warmup: 1,
            runs: 3,
            iters: 2,
        };
        let mut n = 0;
        let mut keep = None;
        let t = best(
            &plan,
            || {
                n += 1;
                Ok::<_, String>(n)
            },
            &mut keep,
        );
        assert!(t.unwrap() >= 0.0);
        assert_eq!(keep, Some(7)); // 1 warm-up + 3 runs × 2 ops
        let mut keep = None;
        let e = best(&plan, || Err::<u8, _>("boom\nmore"), &mut keep);
        assert_eq!(e, Err("boom".to_string()));
    }

    #[test]
    fn status_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(status_bytes("VmRSS").unwrap() > 0);
        }
    }
}
