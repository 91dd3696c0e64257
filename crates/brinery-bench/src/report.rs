//! The result tables (plain text and Markdown) and the issue-6 targets.

use crate::measure::Outcome;
use crate::python::PyTimes;
use crate::workloads::{Kind, Typed};

/// Everything measured for one workload file.
pub struct Row {
    pub name: String,
    pub size: u64,
    pub runs: usize,
    pub iters: usize,
    pub kind: Kind,
    pub graph: Outcome,
    pub mmap: Outcome,
    pub graph_encode: Outcome,
    /// `brinery::dumps(&graph, 5) == input` (CPython wrote the input).
    pub graph_identical: Option<bool>,
    pub typed: Typed,
    pub sp_value: Outcome,
    pub sp_encode: Outcome,
    pub py: Option<PyTimes>,
    pub mem: Option<Mem>,
}

/// Peak memory of one decode in a fresh process, bytes over the RSS with
/// the input loaded (for mmap: over the RSS before mapping).
pub struct Mem {
    pub graph: Result<u64, String>,
    pub mmap: Result<u64, String>,
    pub typed: Result<u64, String>,
    pub sp_value: Result<u64, String>,
    pub python: Result<u64, String>,
}

/// A table that renders as aligned text or as Markdown.
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
    /// Right-align all but the first column in Markdown.
    pub numeric: bool,
}

/// A column of a per-workload table: its header and its cell.
type Column<'a> = (&'a str, &'a dyn Fn(&Row) -> String);

impl Table {
    fn new(title: &str, headers: &[&str]) -> Table {
        Table {
            title: title.to_string(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
            numeric: true,
        }
    }

    /// A table with a row per workload: `columns` are each header and
    /// how a row's cell is written.
    fn per_workload(title: &str, rows: &[Row], columns: &[Column]) -> Table {
        let headers: Vec<&str> = columns.iter().map(|c| c.0).collect();
        let mut t = Table::new(title, &headers);
        for r in rows {
            t.rows.push(columns.iter().map(|c| (c.1)(r)).collect());
        }
        t
    }

    pub fn text(&self) -> String {
        let n = self.headers.len();
        let mut width: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, c) in row.iter().enumerate().take(n) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let line = |cells: &[String]| -> String {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                let pad = width[i].saturating_sub(c.chars().count());
                if i == 0 {
                    s.push_str(c);
                    s.push_str(&" ".repeat(pad));
                } else {
                    s.push_str("  ");
                    s.push_str(&" ".repeat(pad));
                    s.push_str(c);
                }
            }
            s.trim_end().to_string() + "\n"
        };
        let mut out = format!("{}\n", self.title);
        out += &line(&self.headers);
        out += &(width
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  ")
            + "\n");
        for row in &self.rows {
            out += &line(row);
        }
        for note in &self.notes {
            out += &format!("  {note}\n");
        }
        out
    }

    pub fn markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|");
        let mut out = format!("### {}\n\n", self.title);
        out += &format!(
            "| {} |\n",
            self.headers
                .iter()
                .map(|h| esc(h))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        out += &format!(
            "|{}\n",
            (0..self.headers.len())
                .map(|i| if i == 0 || !self.numeric {
                    "---|"
                } else {
                    "---:|"
                })
                .collect::<String>()
        );
        for row in &self.rows {
            out += &format!(
                "| {} |\n",
                row.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")
            );
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for note in &self.notes {
                out += &format!("{note}\n");
            }
        }
        out
    }
}

/// `1.23 s`, `45.6 ms`, `7.89 µs`, `321 ns`.
pub fn fmt_time(t: f64) -> String {
    if t >= 1.0 {
        format!("{t:.2} s")
    } else if t >= 1e-3 {
        format!("{:.1} ms", t * 1e3)
    } else if t >= 1e-6 {
        format!("{:.2} µs", t * 1e6)
    } else {
        format!("{:.0} ns", t * 1e9)
    }
}

fn cell(o: &Outcome) -> String {
    match o {
        Ok(t) => fmt_time(*t),
        Err(e) => fail_cell(e),
    }
}

fn fail_cell(e: &str) -> String {
    let e = e.strip_prefix("decoding error: ").unwrap_or(e);
    let mut short: String = e.chars().take(40).collect();
    if e.chars().count() > 40 {
        short.push('…');
    }
    format!("FAILS ({short})")
}

fn opt_cell(o: Option<&Outcome>) -> String {
    o.map_or_else(|| "–".to_string(), cell)
}

/// MB/s (10⁶ bytes) of the input size.
fn mbps(size: u64, o: &Outcome) -> String {
    match o {
        Ok(t) if *t > 0.0 => {
            let v = size as f64 / t / 1e6;
            if v >= 100_000.0 {
                format!("{v:.1e}")
            } else if v >= 100.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        }
        _ => "–".into(),
    }
}

/// How many times faster `ours` is than `theirs`.
pub fn ratio(ours: &Outcome, theirs: Option<&Outcome>) -> Option<f64> {
    match (ours, theirs) {
        (Ok(a), Some(Ok(b))) if *a > 0.0 => Some(b / a),
        _ => None,
    }
}

fn ratio_cell(r: Option<f64>) -> String {
    match r {
        Some(r) if r >= 10_000.0 => format!("{r:.1e}×"),
        Some(r) if r >= 10.0 => format!("{r:.0}×"),
        Some(r) => format!("{r:.2}×"),
        None => "–".into(),
    }
}

fn mib(m: &Result<u64, String>) -> String {
    match m {
        Ok(b) => format!("{:.1}", *b as f64 / (1024.0 * 1024.0)),
        Err(e) => fail_cell(e),
    }
}

fn size_cell(size: u64) -> String {
    if size >= 1_000_000 {
        format!("{:.1} MB", size as f64 / 1e6)
    } else {
        format!("{size} B")
    }
}

fn ident(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "–",
    }
}

fn py<'a>(r: &'a Row, f: impl Fn(&'a PyTimes) -> &'a Outcome) -> Option<&'a Outcome> {
    r.py.as_ref().map(f)
}

pub fn decode_table(rows: &[Row]) -> Table {
    let mut t = Table::per_workload(
        "Decode (best time per load)",
        rows,
        &[
            ("workload", &|r| r.name.clone()),
            ("size", &|r| size_cell(r.size)),
            ("brinery graph", &|r| cell(&r.graph)),
            ("MB/s", &|r| mbps(r.size, &r.graph)),
            ("graph (mmap)", &|r| cell(&r.mmap)),
            ("brinery typed", &|r| cell(&r.typed.brinery_decode)),
            ("serde-pickle Value", &|r| cell(&r.sp_value)),
            ("serde-pickle typed", &|r| cell(&r.typed.sp_decode)),
            ("CPython gc on", &|r| opt_cell(py(r, |p| &p.loads_gc_on))),
            ("CPython gc off", &|r| opt_cell(py(r, |p| &p.loads_gc_off))),
            ("× CPython gc off", &|r| {
                ratio_cell(ratio(&r.graph, py(r, |p| &p.loads_gc_off)))
            }),
            ("× CPython gc on", &|r| {
                ratio_cell(ratio(&r.graph, py(r, |p| &p.loads_gc_on)))
            }),
            ("× serde-pickle", &|r| {
                ratio_cell(ratio(&r.graph, Some(&r.sp_value)))
            }),
        ],
    );
    t.notes = vec![
        "brinery graph = `brinery::loads(&bytes)`; graph (mmap) = map the file + `loads` (page faults included); \
         typed = `brinery::from_slice::<T>` / `serde_pickle::from_slice::<T>` with T per workload: "
            .to_string()
            + &type_list(rows)
            + "; ratios compare brinery graph with CPython `pickle.loads` and `serde_pickle::value_from_slice`.",
    ];
    t
}

fn type_list(rows: &[Row]) -> String {
    rows.iter()
        .map(|r| format!("{} `{}`", r.name, r.kind.type_name()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn encode_table(rows: &[Row]) -> Table {
    let mut t = Table::per_workload(
        "Encode (best time per dump, protocol 5 unless noted)",
        rows,
        &[
            ("workload", &|r| r.name.clone()),
            ("brinery graph", &|r| cell(&r.graph_encode)),
            ("identical", &|r| ident(r.graph_identical).into()),
            ("MB/s", &|r| mbps(r.size, &r.graph_encode)),
            ("brinery serde", &|r| cell(&r.typed.brinery_encode)),
            ("serde identical", &|r| {
                ident(r.typed.brinery_encode_identical).into()
            }),
            ("serde-pickle Value (proto 3)", &|r| cell(&r.sp_encode)),
            ("CPython dumps", &|r| match &r.py {
                Some(p) if p.dumps_identical == Some(false) => {
                    format!("{} (≠ input)", cell(&p.dumps))
                }
                _ => opt_cell(py(r, |p| &p.dumps)),
            }),
            ("× CPython", &|r| {
                ratio_cell(ratio(&r.graph_encode, py(r, |p| &p.dumps)))
            }),
            ("× serde-pickle", &|r| {
                ratio_cell(ratio(&r.graph_encode, Some(&r.sp_encode)))
            }),
        ],
    );
    t.notes = vec![
        "brinery graph = `brinery::dumps(&graph, 5)`, identical = byte-identical to the input file \
         (written by CPython); brinery serde = `SerOptions::new().protocol(5).to_vec(&typed)`; \
         serde-pickle = `value_to_vec` (it writes protocol 3); CPython = `pickle.dumps(obj, protocol=5)`."
            .to_string(),
    ];
    t
}

pub fn memory_table(rows: &[Row]) -> Option<Table> {
    if rows.iter().all(|r| r.mem.is_none()) {
        return None;
    }
    let mut t = Table::new(
        "Peak memory of one decode (MiB over the input, fresh process each)",
        &[
            "workload",
            "brinery graph",
            "graph (mmap)",
            "brinery typed",
            "serde-pickle Value",
            "CPython",
            "graph / CPython",
        ],
    );
    for r in rows {
        let Some(m) = &r.mem else { continue };
        let share = match (&m.graph, &m.python) {
            (Ok(a), Ok(b)) if *b > 0 => format!("{:.2}", *a as f64 / *b as f64),
            _ => "–".into(),
        };
        t.rows.push(vec![
            r.name.clone(),
            mib(&m.graph),
            mib(&m.mmap),
            mib(&m.typed),
            mib(&m.sp_value),
            mib(&m.python),
            share,
        ]);
    }
    t.notes = vec![
        "VmHWM − VmRSS of a child process (high-water mark reset after reading the input); \
         mmap counts the touched file pages (over the RSS before mapping); CPython with default settings (gc on)."
            .to_string(),
    ];
    Some(t)
}

/// One issue-6 target: what was measured and whether it is met.
struct Target {
    what: String,
    measured: String,
    required: String,
    met: Option<bool>,
}

fn find<'a>(rows: &'a [Row], name: &str) -> Option<&'a Row> {
    rows.iter().find(|r| r.name == name)
}

fn ratio_target(what: String, r: Option<f64>, need: f64, why: &str) -> Target {
    Target {
        what,
        measured: r.map_or_else(|| why.to_string(), |r| ratio_cell(Some(r))),
        required: format!("≥ {need}×"),
        met: r.map(|r| r >= need),
    }
}

pub fn targets_table(rows: &[Row]) -> Option<Table> {
    let mut ts = Vec::new();
    if let Some(r) = find(rows, "records") {
        ts.push(ratio_target(
            "decode records vs CPython gc on".into(),
            ratio(&r.graph, py(r, |p| &p.loads_gc_on)),
            10.0,
            "no CPython time",
        ));
    }
    for name in ["records", "ints", "strings", "nested"] {
        if let Some(r) = find(rows, name) {
            ts.push(ratio_target(
                format!("decode {name} vs CPython gc off"),
                ratio(&r.graph, py(r, |p| &p.loads_gc_off)),
                3.0,
                "no CPython time",
            ));
        }
    }
    for name in ["records", "ints", "strings", "blob", "nested"] {
        if let Some(r) = find(rows, name) {
            let mut t = ratio_target(
                format!("decode {name} vs serde-pickle"),
                ratio(&r.graph, Some(&r.sp_value)),
                5.0,
                "",
            );
            if let Err(e) = &r.sp_value {
                t.measured = format!("serde-pickle {}", fail_cell(e));
                t.met = Some(true);
            }
            ts.push(t);
        }
    }
    for name in ["records", "ints", "strings", "blob", "nested"] {
        if let Some(r) = find(rows, name) {
            let mut t = ratio_target(
                format!("encode {name} vs CPython, byte-identical"),
                ratio(&r.graph_encode, py(r, |p| &p.dumps)),
                3.0,
                "no CPython time",
            );
            match r.graph_identical {
                Some(true) => {}
                Some(false) => {
                    t.measured += ", NOT identical";
                    t.met = Some(false);
                }
                None => t.met = Some(false),
            }
            ts.push(t);
        }
    }
    if let Some(r) = find(rows, "blob") {
        // The faster of CPython's two loads times.
        let cpy = match (py(r, |p| &p.loads_gc_on), py(r, |p| &p.loads_gc_off)) {
            (Some(Ok(a)), Some(Ok(b))) => Some(Ok(a.min(*b))),
            (Some(a), _) => Some(a.clone()),
            _ => None,
        };
        for (label, o) in [("slice", &r.graph), ("mmap", &r.mmap)] {
            ts.push(ratio_target(
                format!("decode blob from {label} vs CPython (zero-copy)"),
                ratio(o, cpy.as_ref()),
                20.0,
                "no CPython time",
            ));
        }
    }
    if let Some(r) = find(rows, "records") {
        if let Some(m) = &r.mem {
            let (measured, met) = match (&m.graph, &m.python) {
                (Ok(a), Ok(b)) if *b > 0 => (
                    format!(
                        "{:.0} MiB vs {:.0} MiB ({:.2})",
                        *a as f64 / 1048576.0,
                        *b as f64 / 1048576.0,
                        *a as f64 / *b as f64
                    ),
                    Some(*a * 2 <= *b),
                ),
                _ => ("not measured".into(), None),
            };
            ts.push(Target {
                what: "peak memory decoding records vs CPython".into(),
                measured,
                required: "≤ 0.5 of CPython".into(),
                met,
            });
        }
    }
    let mut t = Table::new(
        "Issue 6 targets",
        &["target", "measured", "required", "met"],
    );
    t.numeric = false;
    for x in ts {
        t.rows.push(vec![
            x.what,
            x.measured,
            x.required,
            match x.met {
                Some(true) => "met".into(),
                Some(false) => "NOT MET".into(),
                None => "?".into(),
            },
        ]);
    }
    (!t.rows.is_empty()).then_some(t)
}

/// Runs used per workload (for the method line).
pub fn plan_note(rows: &[Row]) -> String {
    let parts: Vec<String> = rows
        .iter()
        .map(|r| {
            if r.iters > 1 {
                format!("{} {}×{} ops", r.name, r.runs, r.iters)
            } else {
                format!("{} {}", r.name, r.runs)
            }
        })
        .collect();
    format!(
        "Best of N runs after one warm-up run (N per workload: {}).",
        parts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_ratios_format() {
        assert_eq!(fmt_time(1.234), "1.23 s");
        assert_eq!(fmt_time(0.0456), "45.6 ms");
        assert_eq!(fmt_time(7.891e-6), "7.89 µs");
        assert_eq!(fmt_time(3.21e-7), "321 ns");
        assert_eq!(
            ratio(&Ok(0.1), Some(&Ok(0.5))).map(|r| (r * 100.0).round()),
            Some(500.0)
        );
        assert_eq!(ratio(&Err("x".into()), Some(&Ok(0.5))), None);
        assert_eq!(ratio(&Ok(0.1), None), None);
        assert_eq!(ratio_cell(Some(12.4)), "12×");
        assert_eq!(ratio_cell(Some(2.345)), "2.35×");
        assert_eq!(ratio_cell(Some(1137573.99)), "1.1e6×");
        assert_eq!(mbps(1_000_000_000, &Ok(1e-6)), "1.0e9");
        assert_eq!(mbps(50_000_000, &Ok(0.5)), "100");
        assert_eq!(
            fail_cell("decoding error: recursive structure found"),
            "FAILS (recursive structure found)"
        );
    }

    #[test]
    fn markdown_escapes_pipes_and_aligns() {
        let mut t = Table::new("T", &["a", "b"]);
        t.rows.push(vec!["x|y".into(), "1".into()]);
        let md = t.markdown();
        assert!(md.contains("| x\\|y | 1 |"), "{md}");
        assert!(md.contains("|---|---:|"), "{md}");
        t.numeric = false;
        assert!(t.markdown().contains("|---|---|"));
        let text = t.text();
        assert!(text.lines().nth(1).unwrap().starts_with("a  "), "{text}");
    }
}
