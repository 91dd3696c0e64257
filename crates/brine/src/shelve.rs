//! `brine shelve` and the shelf hooks of `brine show` and `brine scan`:
//! Python shelve databases (dbm.sqlite3, dbm.dumb, dbm.gnu) and sqlitedict
//! files, through the `brinery-shelve` library.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use brinery::{Graph, NodeId, Unpickler};
use brinery_scan::{Finding, FindingKind, Report, Scanner, Severity, Verdict};
use brinery_shelve::{Entry, Format, KeyEncoding, Listing, OpenOptions, Shelf};

use crate::cli::{
    ColorChoice, NewFormat, ReadArgs, ShelfArgs, ShelfValueArgs, ShelveArgs, ShelveCommand,
    ShowArgs,
};
use crate::commands::{default_width, detect_protocol};
use crate::error::{CliError, EXIT_DATA, EXIT_IO, EXIT_USAGE};
use crate::files::{open_input, Output, Progress};

pub const SHELVE_AFTER_HELP: &str = "\
A shelf is a dict-on-disk of pickled values under string keys, as Python's
`shelve` module keeps it in a `dbm` database, or a table of a `sqlitedict`
file. The format is recognised by content: dbm.sqlite3 (Python 3.13's
default), dbm.dumb (DB may be the base name or any of NAME.dat, NAME.dir,
NAME.bak), dbm.gnu (read-only) and sqlitedict (choose a table with
--table; the default is sqlitedict's `unnamed`, or the only table).

The database comes last, after the key and the value file, except for
`export`, which reads DB and writes OUT like the other converting commands:

    brine shelve show DB
    brine shelve ls DB
    brine shelve get KEY DB
    brine shelve put KEY FILE DB
    brine shelve del KEY DB
    brine shelve export DB OUT
    brine shelve tables DB

Nothing stored is ever run: values are decoded by brinery. `brine show DB`
prints the whole shelf like `dict(shelve.open(DB))` (`--repr` exactly as
Python's repr), and `brine scan DB` scans every value.

Values written by `put` are pickled at the shelf's protocol (shelve's
DEFAULT_PROTOCOL 4, sqlitedict's HIGHEST_PROTOCOL 5, or --protocol),
byte-identical to CPython's pickler; the writes follow Python's own
libraries (dbm.dumb's 512-byte blocks and .bak index, one autocommitted
statement per write for SQLite).

EXAMPLES:
    brine show cache.db                     the whole shelf, pretty
    brine show --repr cache.db              exactly repr(dict(shelve.open(...)))
    brine shelve ls cache.db
    brine shelve get settings cache.db
    brine shelve put settings new.pkl cache.db
    brine shelve del old-entry cache.db
    brine shelve export cache.db cache.json         lossless JSON
    brine shelve export --plain cache.db - | jq .
    brine shelve ls --table users app.sqlite        a sqlitedict table
    brine scan cache.db                     security scan of every value";

fn shelf_err(e: brinery_shelve::Error) -> CliError {
    let code = match e.kind() {
        brinery_shelve::ErrorKind::Io => EXIT_IO,
        brinery_shelve::ErrorKind::Table => EXIT_USAGE,
        _ => EXIT_DATA,
    };
    CliError::new(code, e.to_string())
}

fn open(db: &Path, shelf: &ShelfArgs) -> Result<Shelf, CliError> {
    let mut o = OpenOptions::new().keyencoding(shelf.keyencoding);
    if let Some(t) = &shelf.table {
        o = o.table(t.clone());
    }
    o.open(db).map_err(shelf_err)
}

fn unpickler<'a>(read: &ReadArgs) -> Unpickler<'a, 'static> {
    Unpickler::new()
        .encoding(&read.encoding)
        .errors(&read.errors)
        .fix_imports(!read.no_fix_imports)
        .keep_persistent_ids()
        .on_build(brinery_numpy::joblib_build_hook())
}

// The views, straight from the library (numpy arrays printed as numpy
// prints them), so that this module does not depend on the rest of the CLI.

fn lib_err(e: brinery::Error) -> CliError {
    CliError::pickle("", &e, 0)
}

fn root_of(graph: &Graph<'_>) -> Result<NodeId, CliError> {
    graph
        .root_id()
        .ok_or_else(|| CliError::data("the pickle has no object"))
}

/// Exactly CPython's `repr()`.
fn repr_text(graph: &Graph<'_>) -> Result<String, CliError> {
    let opts = brinery::repr::ReprOptions::default().hook(brinery_numpy::repr_hook());
    brinery::repr::repr(graph, root_of(graph)?, &opts).map_err(lib_err)
}

/// The width-aware pretty view.
fn pretty_text(graph: &Graph<'_>, width: usize, color: bool) -> Result<String, CliError> {
    let opts = brinery::pretty::PrettyOptions::default()
        .width(width)
        .color(color)
        .hook(brinery_numpy::repr_hook());
    brinery::pretty::pretty(graph, root_of(graph)?, &opts).map_err(lib_err)
}

/// brinery's lossless JSON, recording the protocol.
fn json_lossless(graph: &Graph<'_>, protocol: u8) -> Result<String, CliError> {
    let opts = brinery::json::JsonOptions::new().protocol(protocol);
    brinery::json::to_json_with(graph, &opts).map_err(lib_err)
}

/// Plain JSON (a cycle becomes the string `<recursive>`).
fn json_plain(graph: &Graph<'_>) -> Result<String, CliError> {
    let opts =
        brinery::json::PlainJsonOptions::new().recursion_marker(Some("<recursive>".to_string()));
    brinery::json::to_json_plain_with(graph, root_of(graph)?, &opts).map_err(lib_err)
}

fn stdout_err(e: io::Error) -> CliError {
    CliError::io("<stdout>", &e)
}

/// Print the entries' errors on stderr; the exit status if there were any.
fn report_errors<E: std::fmt::Display>(errors: &[E]) -> Result<(), CliError> {
    if errors.is_empty() {
        return Ok(());
    }
    let mut err = io::stderr().lock();
    for e in errors {
        let _ = writeln!(err, "error: {e}");
    }
    Err(CliError {
        code: EXIT_DATA,
        message: Some(format!(
            "{} entr{} of the shelf could not be read (the others were)",
            errors.len(),
            if errors.len() == 1 { "y" } else { "ies" }
        )),
    })
}

// ---------------------------------------------------------------------------
// brine show DB

/// `brine show` on a shelf: the whole shelf like `dict(shelve.open(DB))`.
/// `false` (nothing printed) when the file is not a shelf.
pub fn try_show(a: &ShowArgs) -> Result<bool, CliError> {
    if crate::files::is_std(&a.file) {
        return Ok(false);
    }
    match Shelf::detect(&a.file) {
        Ok(Some(_)) => {}
        Ok(None) | Err(_) => return Ok(false),
    }
    let shelf = ShelfArgs {
        table: None,
        keyencoding: KeyEncoding::Utf8,
    };
    show_shelf(&a.file, &shelf, a.repr, a.width, a.color, &a.read)?;
    Ok(true)
}

fn show_shelf(
    db: &Path,
    shelf: &ShelfArgs,
    repr: bool,
    width: Option<usize>,
    color: ColorChoice,
    read: &ReadArgs,
) -> Result<(), CliError> {
    let s = match open(db, shelf) {
        Err(e)
            if e.message
                .as_deref()
                .is_some_and(|m| m.contains("choose one with --table")) =>
        {
            return Err(CliError::new(
                EXIT_USAGE,
                format!(
                    "{} (brine shelve show --table NAME DB)",
                    e.message.unwrap_or_default()
                ),
            ))
        }
        other => other?,
    };
    if s.format() == Format::SqliteDict && shelf.table.is_none() {
        let others: Vec<String> = Shelf::sqlitedict_tables(s.path())
            .unwrap_or_default()
            .into_iter()
            .filter(|t| Some(t.as_str()) != s.table())
            .map(|t| format!("{t:?}"))
            .collect();
        if !others.is_empty() {
            eprintln!(
                "note: showing table {:?}; the file also has {} (brine shelve show --table NAME DB)",
                s.table().unwrap_or_default(),
                others.join(", ")
            );
        }
    }
    let listing = s.entries().map_err(shelf_err)?;
    let (graph, errors) = listing.to_graph_with(|| unpickler(read));
    let text = if repr {
        repr_text(&graph)?
    } else {
        pretty_text(&graph, width.unwrap_or_else(default_width), color.resolve())?
    };
    let mut out = BufWriter::new(io::stdout().lock());
    out.write_all(text.as_bytes()).map_err(stdout_err)?;
    if !text.ends_with('\n') {
        out.write_all(b"\n").map_err(stdout_err)?;
    }
    out.flush().map_err(stdout_err)?;
    report_errors(&errors)
}

// ---------------------------------------------------------------------------
// brine scan DB

/// `brine scan` on a shelf: every value is scanned; findings name their key
/// as the member (`['key']`). `None` when the path is not a shelf.
pub fn try_scan(scanner: &Scanner, path: &Path) -> Option<Report> {
    if path.as_os_str() == "-" {
        return None;
    }
    let detected = Shelf::detect(path).ok()??;
    let display = path.display().to_string();
    let mut report = scanner.scan_bytes(b"");
    report.path = Some(display);
    report.findings.clear();
    report.verdict = Verdict::Safe;
    report.complete = true;
    report.pickles = 0;
    report.bytes = 0;
    let incomplete = |report: &mut Report, member: String, why: String| {
        report.complete = false;
        report.findings.push(Finding {
            severity: Severity::Warning,
            kind: FindingKind::Incomplete,
            name: "incomplete".into(),
            offset: None,
            opcode: None,
            member,
            explanation: why,
            count: 1,
            args: None,
        });
    };
    // Every table of a sqlitedict file; the one shelf otherwise.
    let tables: Vec<Option<String>> = if detected.format == Format::SqliteDict {
        Shelf::sqlitedict_tables(&detected.path)
            .unwrap_or_default()
            .into_iter()
            .map(Some)
            .collect()
    } else {
        vec![None]
    };
    let mut listings = Vec::new();
    let mut worst = Verdict::Safe;
    for table in &tables {
        let mut o = OpenOptions::new();
        if let Some(t) = table {
            o = o.table(t.clone());
        }
        let prefix = table.as_ref().map(|t| format!("{t:?}")).unwrap_or_default();
        match o.open(&detected.path).and_then(|s| s.entries()) {
            Ok(l) => listings.push((prefix, l)),
            Err(e) => {
                incomplete(
                    &mut report,
                    prefix,
                    format!("cannot read the {}: {e}", detected.format),
                );
                worst = Verdict::Incomplete;
            }
        }
    }
    for (prefix, listing) in &listings {
        for p in &listing.problems {
            incomplete(&mut report, prefix.clone(), p.to_string());
            worst = worst.max(Verdict::Incomplete);
        }
        for Entry { key, value } in &listing.entries {
            let member = format!("{prefix}[{}]", key.repr());
            let bytes = match value {
                Ok(b) => b,
                Err(e) => {
                    incomplete(&mut report, member, e.to_string());
                    worst = worst.max(Verdict::Incomplete);
                    continue;
                }
            };
            report.bytes += bytes.len() as u64;
            let r = scanner.scan_bytes(bytes);
            report.pickles += r.pickles;
            let v = match r.verdict {
                Verdict::NotPickle => {
                    incomplete(
                        &mut report,
                        member.clone(),
                        "the value is not a pickle (shelve could not load it)".into(),
                    );
                    Verdict::Incomplete
                }
                v => v,
            };
            if !r.complete {
                report.complete = false;
            }
            worst = worst.max(v);
            for mut f in r.findings {
                f.member = if f.member.is_empty() {
                    member.clone()
                } else {
                    format!("{member}!{}", f.member)
                };
                report.findings.push(f);
            }
        }
    }
    report.verdict = worst;
    Some(report)
}

// ---------------------------------------------------------------------------
// brine shelve ...

pub fn run(a: ShelveArgs, progress: Progress) -> Result<(), CliError> {
    match a.command {
        ShelveCommand::Show {
            db,
            repr,
            value: ShelfValueArgs { view, shelf, read },
        } => show_shelf(&db, &shelf, repr, view.width, view.color, &read),
        ShelveCommand::Ls {
            db,
            repr,
            long,
            shelf,
        } => ls(&db, repr, long, &shelf),
        ShelveCommand::Get {
            key,
            db,
            repr,
            raw,
            output,
            value: ShelfValueArgs { view, shelf, read },
        } => {
            let s = open(&db, &shelf)?;
            let k = s.key(&key).map_err(shelf_err)?;
            let bytes = s
                .get_raw(&k)
                .map_err(shelf_err)?
                .ok_or_else(|| not_found(&s, &k))?;
            if raw {
                let target = output.unwrap_or_else(|| PathBuf::from("-"));
                let mut out = Output::create(&target, true, None, None)?;
                out.write_all(&bytes)
                    .map_err(|e| CliError::io(out.name(), &e))?;
                return out.commit();
            }
            let entry = Entry {
                key: k,
                value: Ok(bytes),
            };
            let g = entry
                .load_with(&mut unpickler(&read))
                .map_err(|e| shelf_err_at(e, &s))?;
            let text = if repr {
                repr_text(&g)?
            } else {
                pretty_text(
                    &g,
                    view.width.unwrap_or_else(default_width),
                    view.color.resolve(),
                )?
            };
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes()).map_err(stdout_err)?;
            if !text.ends_with('\n') {
                out.write_all(b"\n").map_err(stdout_err)?;
            }
            out.flush().map_err(stdout_err)
        }
        ShelveCommand::Put {
            key,
            file,
            db,
            protocol,
            raw,
            format,
            shelf,
            read,
        } => put(
            &key, &file, &db, protocol, raw, format, &shelf, &read, progress,
        ),
        ShelveCommand::Del { key, db, shelf } => {
            let mut s = open_write(&db, &shelf, None, None)?;
            let k = s.key(&key).map_err(shelf_err)?;
            if !s.remove_key(&k).map_err(shelf_err)? {
                return Err(not_found(&s, &k));
            }
            s.close().map_err(shelf_err)
        }
        ShelveCommand::Export {
            db,
            out,
            plain,
            skip_errors,
            shelf,
            read,
        } => export(&db, &out, plain, skip_errors, &shelf, &read),
        ShelveCommand::Tables { db } => {
            let tables = Shelf::tables(&db).map_err(shelf_err)?;
            let mut out = io::stdout().lock();
            for t in tables {
                writeln!(out, "{t}").map_err(stdout_err)?;
            }
            Ok(())
        }
    }
}

fn shelf_err_at(e: brinery_shelve::Error, s: &Shelf) -> CliError {
    CliError::data(format!("{}: {e}", s.path().display()))
}

fn not_found(s: &Shelf, k: &brinery_shelve::Key) -> CliError {
    CliError::data(format!(
        "{}: key {} not found",
        s.path().display(),
        k.repr()
    ))
}

fn open_write(
    db: &Path,
    shelf: &ShelfArgs,
    create: Option<NewFormat>,
    protocol: Option<u8>,
) -> Result<Shelf, CliError> {
    let mut o = OpenOptions::new()
        .write(true)
        .keyencoding(shelf.keyencoding);
    let exists = Shelf::detect(db).ok().flatten().is_some();
    if !exists {
        let f = match (create, &shelf.table) {
            (Some(NewFormat::Dumb), _) => Some(Format::Dumb),
            (Some(NewFormat::Sqlitedict), _) | (None, Some(_)) => Some(Format::SqliteDict),
            (Some(NewFormat::Sqlite3), _) => Some(Format::Sqlite3),
            (None, None) => {
                if create.is_none() && !db.exists() {
                    Some(Format::Sqlite3)
                } else {
                    None
                }
            }
        };
        if let Some(f) = f {
            o = o.create(f);
        }
    }
    if let Some(t) = &shelf.table {
        o = o.table(t.clone());
    }
    if let Some(p) = protocol {
        o = o.protocol(p);
    }
    o.open(db).map_err(shelf_err)
}

#[allow(clippy::too_many_arguments)]
fn put(
    key: &str,
    file: &Path,
    db: &Path,
    protocol: Option<u8>,
    raw: bool,
    format: Option<NewFormat>,
    shelf: &ShelfArgs,
    read: &ReadArgs,
    progress: Progress,
) -> Result<(), CliError> {
    let (name, data) = open_input(file, progress)?.read_all()?;
    // The value must be a pickle either way.
    let (graph, _) = Unpickler::new()
        .encoding(&read.encoding)
        .errors(&read.errors)
        .fix_imports(!read.no_fix_imports)
        .keep_persistent_ids()
        .load_slice_prefix(&data)
        .map_err(|e| CliError::pickle(&name, &e, 0))?;
    let mut s = open_write(db, shelf, format, protocol)?;
    let k = s.key(key).map_err(shelf_err)?;
    if raw {
        s.insert_raw(&k, &data).map_err(shelf_err)?;
    } else {
        s.insert(key, &graph).map_err(shelf_err)?;
    }
    s.close().map_err(shelf_err)
}

fn ls(db: &Path, repr: bool, long: bool, shelf: &ShelfArgs) -> Result<(), CliError> {
    let s = open(db, shelf)?;
    let listing: Listing = if long {
        s.entries().map_err(shelf_err)?
    } else {
        // Keys only: the values are not read.
        let (keys, problems) = s.keys_and_problems().map_err(shelf_err)?;
        Listing {
            entries: keys
                .into_iter()
                .map(|key| Entry {
                    key,
                    value: Ok(Vec::new()),
                })
                .collect(),
            problems,
        }
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let mut errors: Vec<String> = listing.problems.iter().map(|p| p.to_string()).collect();
    for e in &listing.entries {
        // Keys with control characters (a newline) are printed as repr so
        // that each key stays on one line.
        let plain = e.key.display();
        let k = if repr || plain.chars().any(char::is_control) {
            e.key.repr()
        } else {
            plain
        };
        if long {
            match &e.value {
                Ok(b) => writeln!(out, "{:>10}  p{}  {k}", b.len(), detect_protocol(b)),
                Err(err) => {
                    errors.push(err.to_string());
                    writeln!(out, "{:>10}  ??  {k}", "?")
                }
            }
        } else {
            writeln!(out, "{k}")
        }
        .map_err(stdout_err)?;
    }
    out.flush().map_err(stdout_err)?;
    report_errors(&errors)
}

fn export(
    db: &Path,
    out_path: &Path,
    plain: bool,
    skip_errors: bool,
    shelf: &ShelfArgs,
    read: &ReadArgs,
) -> Result<(), CliError> {
    let s = open(db, shelf)?;
    let listing = s.entries().map_err(shelf_err)?;
    let mut errors: Vec<String> = listing.problems.iter().map(|p| p.to_string()).collect();
    let mut items: Vec<String> = Vec::new();
    for e in &listing.entries {
        let g = match e.load_with(&mut unpickler(read)) {
            Ok(g) => g,
            Err(err) => {
                errors.push(err.to_string());
                continue;
            }
        };
        let key_json = match e.key.as_str() {
            Some(k) => serde_json::to_string(k).unwrap_or_default(),
            None => serde_json::to_string(&e.key.repr()).unwrap_or_default(),
        };
        let value = if plain {
            json_plain(&g)
        } else {
            let bytes = e.value.as_ref().map(|b| b.as_slice()).unwrap_or(&[]);
            json_lossless(&g, detect_protocol(bytes))
        }
        .map_err(|err| err.context(&format!("{}: key {}", s.path().display(), e.key.repr())))?;
        let value = value.trim_end().to_string();
        if plain {
            items.push(format!("{key_json}: {value}"));
        } else {
            let key_field = if e.key.as_str().is_some() {
                format!("\"key\": {key_json}")
            } else {
                let hex: String = e
                    .key
                    .as_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                format!("\"key_bytes_hex\": \"{hex}\"")
            };
            items.push(format!("{{{key_field}, \"value\": {value}}}"));
        }
    }
    if !errors.is_empty() && !skip_errors {
        let mut err = io::stderr().lock();
        for e in &errors {
            let _ = writeln!(err, "error: {e}");
        }
        return Err(CliError::data(format!(
            "{} entr{} could not be read; nothing written (--skip-errors writes the others)",
            errors.len(),
            if errors.len() == 1 { "y" } else { "ies" }
        )));
    }
    let mut text = String::new();
    if plain {
        text.push('{');
        for (i, it) in items.iter().enumerate() {
            text.push_str(if i == 0 { "\n  " } else { ",\n  " });
            text.push_str(it);
        }
        text.push_str(if items.is_empty() { "}\n" } else { "\n}\n" });
    } else {
        let table = match s.table() {
            Some(t) => serde_json::to_string(t).unwrap_or_default(),
            None => "null".into(),
        };
        text.push_str(&format!(
            "{{\"brinery_shelf\": 1, \"format\": \"{}\", \"table\": {table}, \"entries\": [",
            s.format().name()
        ));
        for (i, it) in items.iter().enumerate() {
            text.push_str(if i == 0 { "\n  " } else { ",\n  " });
            text.push_str(it);
        }
        text.push_str(if items.is_empty() { "]}\n" } else { "\n]}\n" });
    }
    let mut out = Output::create(out_path, false, None, None)?;
    out.write_all(text.as_bytes())
        .map_err(|e| CliError::io(out.name(), &e))?;
    out.commit()?;
    report_errors(&errors)
}
