//! `brine scan`: the pickle security scanner (crate `brinery-scan`) over
//! files and directories, in parallel, with text/JSON/SARIF output.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use brinery_scan::{Policy, Report, Scanner, Severity, Verdict};

use crate::cli::{ColorChoice, ScanArgs, ScanFormat};
use crate::error::CliError;

pub const SCAN_AFTER_HELP: &str = "\
Every import, call and BUILD a load would perform is found on brinery's
CPython-exact decoder (nothing is ever run) and judged: allow-list first
(data constructors, numpy/pandas/PyTorch/scikit-learn reconstruction),
then a deny-list with reasons (processes, files, network, nested
deserialisation, importers, attribute resolvers, code objects); anything
else is `unknown`. Files are recognised by content: compressed forms,
zip (PyTorch/TorchScript archives, .npz), tar, .npy, joblib, legacy
PyTorch files and other multi-pickle streams. Directories are scanned
recursively (symbolic links to directories are not followed).

VERDICTS:
    safe         everything on the allow-list
    not-pickle   not a pickle nor a known container (an image, text): the
                 first opcode already fails, nothing would run
    unknown      a name on no list, or a pickle-like tail after STOP
    incomplete   could not be analysed to the end (findings up to there
                 are listed; never read this as clean)
    unsafe       a dangerous import, call or BUILD

EXIT STATUS (scan only):
    0   nothing unsafe, unknown or incomplete (files that are not pickles
        count as clean unless --strict)
    1   some file is unsafe, or (none unsafe, none incomplete) unknown, or
        (with --strict) not a pickle
    2   some file could not be analysed fully (and none is unsafe); also
        a usage error (bad flag or value), which prints the usage message
    3   a path cannot be read (missing, no permission; the other paths are
        still scanned, and an unsafe file still exits 1), or the policy
        file cannot be read or parsed

A policy `allow` entry that a built-in deny rule always overrides is
reported on stderr as a warning.

POLICY FILE (TOML, or JSON when it starts with `{`):
    allow = [\"mypkg.models.*\", \"__main__.Config\"]
    deny  = [\"mypkg.io\"]
  `*` matches within one dotted component; a trailing `.*` matches
  everything below. Built-in deny rules cannot be allowed away.

EXAMPLES:
    brine scan model.pt                  one file
    brine scan ~/models                  a directory, recursively
    brine scan --format json a.pkl b.zip
    brine scan --format sarif . > scan.sarif
    brine scan --policy policy.toml checkpoints/
    curl -s URL | brine scan -           standard input";

pub fn run(a: ScanArgs, no_progress: bool) -> Result<(), CliError> {
    let policy = match &a.policy {
        Some(p) => Policy::from_path(p).map_err(|e| CliError::new(3, e.to_string()))?,
        None => Policy::new(),
    };
    for w in policy.ignored_allows() {
        eprintln!("warning: {w}");
    }
    let scanner = Scanner::new()
        .policy(policy)
        .max_decompressed(a.max_decompressed);

    let mut targets: Vec<PathBuf> = Vec::new();
    let mut errors: Vec<Report> = Vec::new();
    for p in &a.paths {
        collect(p, &mut targets, &mut errors);
    }

    let stderr_tty = io::stderr().is_terminal();
    let bar = if !no_progress && stderr_tty && targets.len() > 1 {
        let bar =
            ProgressBar::with_draw_target(Some(targets.len() as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "scanning [{bar:30}] {pos}/{len} files {per_sec} eta {eta}",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        Some(bar)
    } else {
        None
    };

    let jobs = a
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 256)
        .min(targets.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Scanned>>> = Mutex::new(vec![None; targets.len()]);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = targets.get(i) else { break };
                let report = scan_one(&scanner, path);
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(report);
                }
                if let Some(b) = &bar {
                    b.inc(1);
                }
            });
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut reports: Vec<Report> = errors;
    let mut io_errors: Vec<(String, String)> = Vec::new();
    for r in results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
    {
        match r {
            Ok(rep) => reports.push(rep),
            Err(e) => io_errors.push(e),
        }
    }
    for (path, e) in &io_errors {
        eprintln!("error: {path}: {e}");
    }

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let res = match a.format {
        ScanFormat::Json => {
            let doc = serde_json::json!({
                "files": reports.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
                "errors": io_errors.iter().map(|(p, e)| serde_json::json!({"path": p, "error": e}))
                    .collect::<Vec<_>>(),
                "summary": summary_json(&reports, io_errors.len(), a.strict),
            });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
        }
        ScanFormat::Sarif => {
            let doc = brinery_scan::sarif(&reports, env!("CARGO_PKG_VERSION"));
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
        }
        ScanFormat::Text => {
            let color = match a.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            write_text(
                &mut out,
                &reports,
                color,
                a.quiet,
                a.verbose,
                io_errors.len(),
            )
        }
    };
    res.and_then(|_| out.flush())
        .map_err(|e| CliError::io("<stdout>", &e))?;

    let code = exit_code(&reports, io_errors.len(), a.strict);
    if code == 0 {
        Ok(())
    } else {
        Err(CliError {
            code,
            message: None,
        })
    }
}

/// The worst verdict decides, through [`Verdict::exit_code`] (verdicts are
/// ordered safe < not-pickle < unknown < incomplete < unsafe), except that
/// an unreadable path (3) comes right after unsafe, and `--strict` makes a
/// worst verdict of not-pickle exit 1.
fn exit_code(reports: &[Report], io_errors: usize, strict: bool) -> i32 {
    let worst = reports.iter().map(|r| r.verdict).max();
    match worst {
        Some(Verdict::Unsafe) => Verdict::Unsafe.exit_code(),
        _ if io_errors > 0 => crate::error::EXIT_IO,
        Some(Verdict::NotPickle) if strict => Verdict::Unknown.exit_code(),
        Some(v) => v.exit_code(),
        None => 0,
    }
}

/// A report, or the path and the I/O error that kept it from being read.
type Scanned = Result<Report, (String, String)>;

fn scan_one(scanner: &Scanner, path: &Path) -> Scanned {
    if path.as_os_str() == "-" {
        let mut data = Vec::new();
        let mut r = match io::stdin().lock().read_to_end(&mut data) {
            Ok(_) => scanner.scan_bytes(&data),
            Err(e) => {
                let mut r = scanner.scan_bytes(b"");
                r.verdict = Verdict::Incomplete;
                r.complete = false;
                r.findings.push(brinery_scan::Finding {
                    severity: Severity::Warning,
                    kind: brinery_scan::FindingKind::Incomplete,
                    name: "incomplete".into(),
                    args: None,
                    offset: None,
                    opcode: None,
                    member: String::new(),
                    explanation: format!("cannot read standard input: {e}"),
                    count: 1,
                });
                r
            }
        };
        r.path = Some("<stdin>".into());
        return Ok(r);
    }
    if let Some(r) = crate::shelve::try_scan(scanner, path) {
        return Ok(r);
    }
    scanner
        .try_scan_path(path)
        .map_err(|e| (path.display().to_string(), e.to_string()))
}

/// Files under `p` (recursively for directories, sorted); unreadable
/// directories become incomplete reports.
fn collect(p: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<Report>) {
    if p.as_os_str() == "-" {
        out.push(p.to_path_buf());
        return;
    }
    let mut stack = vec![p.to_path_buf()];
    let mut first = true;
    while let Some(dir) = stack.pop() {
        // The named path itself may be a symlink to a directory; below it
        // links to directories are not followed (no cycles).
        let meta = if first {
            std::fs::metadata(&dir)
        } else {
            std::fs::symlink_metadata(&dir)
        };
        first = false;
        let meta = match meta {
            Ok(m) => m,
            Err(_) => {
                out.push(dir);
                continue;
            }
        };
        if meta.is_file() || (meta.file_type().is_symlink() && dir.is_file()) {
            out.push(dir);
            continue;
        }
        if !meta.is_dir() {
            // fifos, sockets, devices, links to directories: skipped
            continue;
        }
        match std::fs::read_dir(&dir) {
            Ok(rd) => {
                let mut children: Vec<PathBuf> =
                    rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
                children.sort();
                // Pushed in reverse so the walk is in sorted order.
                stack.extend(children.into_iter().rev());
            }
            Err(_) => {
                let mut r = Scanner::new().scan_path(&dir);
                r.path = Some(dir.display().to_string());
                errors.push(r);
            }
        }
    }
}

fn summary_json(reports: &[Report], io_errors: usize, strict: bool) -> serde_json::Value {
    let count = |v: Verdict| reports.iter().filter(|r| r.verdict == v).count();
    serde_json::json!({
        "files": reports.len(),
        "io_errors": io_errors,
        "safe": count(Verdict::Safe),
        "not_pickle": count(Verdict::NotPickle),
        "unknown": count(Verdict::Unknown),
        "incomplete": count(Verdict::Incomplete),
        "unsafe": count(Verdict::Unsafe),
        "exit_code": exit_code(reports, io_errors, strict),
    })
}

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn verdict_color(v: Verdict) -> &'static str {
    match v {
        Verdict::Safe | Verdict::NotPickle => "32",
        Verdict::Unknown => "33",
        Verdict::Incomplete => "35",
        Verdict::Unsafe => "1;31",
    }
}

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Unsafe => "31",
        Severity::Unknown => "33",
        Severity::Warning => "35",
        Severity::Info => "2",
    }
}

fn write_text(
    out: &mut impl Write,
    reports: &[Report],
    color: bool,
    quiet: bool,
    verbose: bool,
    io_errors: usize,
) -> io::Result<()> {
    for r in reports {
        if quiet && matches!(r.verdict, Verdict::Safe | Verdict::NotPickle) {
            continue;
        }
        let path = r.path.as_deref().unwrap_or("<input>");
        let mut line = format!(
            "{}: {}",
            path,
            paint(color, verdict_color(r.verdict), r.verdict.as_str())
        );
        if r.verdict == Verdict::Unsafe && !r.complete {
            line.push_str(" (analysis incomplete)");
        }
        if r.verdict == Verdict::NotPickle {
            // "looks like PNG image data; as a pickle it fails at ..."
            if let Some(f) = r.findings.iter().find(|f| f.name == "not a pickle") {
                let what = f.explanation.split(';').next().unwrap_or_default();
                line.push_str(&format!(" ({what})"));
            }
        }
        writeln!(out, "{line}")?;
        for f in &r.findings {
            if f.severity == Severity::Info && !verbose {
                continue;
            }
            let mut where_ = String::new();
            if !f.member.is_empty() {
                where_.push_str(&format!(" in {}", f.member));
            }
            if let Some(off) = f.offset {
                where_.push_str(&format!(" at byte {off}"));
            }
            if let Some(op) = &f.opcode {
                where_.push_str(&format!(" ({op})"));
            }
            if f.count > 1 {
                where_.push_str(&format!(" x{}", f.count));
            }
            let args = f.args.as_deref().unwrap_or("");
            writeln!(
                out,
                "  {} {:<12} {}{}{}: {}",
                paint(
                    color,
                    severity_color(f.severity),
                    &format!("{:<8}", f.severity.as_str())
                ),
                f.kind.as_str(),
                f.name,
                args,
                where_,
                f.explanation
            )?;
        }
    }
    let count = |v: Verdict| reports.iter().filter(|r| r.verdict == v).count();
    if io_errors > 0 {
        writeln!(out, "{io_errors} path(s) could not be read (see stderr)")?;
    }
    if reports.len() > 1 {
        writeln!(
            out,
            "{} files: {} unsafe, {} unknown, {} incomplete, {} safe, {} not pickles",
            reports.len(),
            count(Verdict::Unsafe),
            count(Verdict::Unknown),
            count(Verdict::Incomplete),
            count(Verdict::Safe),
            count(Verdict::NotPickle)
        )?;
    }
    Ok(())
}
