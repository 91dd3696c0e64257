//! One function per subcommand: open the files, call the library, report.

use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use clap::CommandFactory;

use brinery::pickletools::{DisMemo, Genops};
use brinery::{DisOptions, Pickler};

use crate::cli::{
    Cli, Command, CompletionsArgs, ConvertArgs, DisArgs, FromJsonArgs, JsonArgs, ManArgs,
    OptimizeArgs, ShowArgs,
};
use crate::error::{CliError, EXIT_USAGE};
use crate::files::{self, finish_progress, open_input, open_raw, Output, Progress};
use crate::input::{self, Content};
use crate::render;

pub fn run(cli: Cli) -> Result<(), CliError> {
    let progress = Progress::new(cli.no_progress);
    match cli.command {
        Command::Show(a) => show(a, progress),
        Command::Dis(a) => dis(a, progress),
        Command::Json(a) => json(a, progress),
        Command::FromJson(a) => from_json(a, progress),
        Command::Convert(a) => convert(a, progress),
        Command::Optimize(a) => optimize(a, progress),
        Command::Scan(a) => crate::scan::run(a, cli.no_progress),
        Command::Export(a) => crate::export::run(a, progress),
        Command::Shelve(a) => crate::shelve::run(a, progress),
        Command::Predict(a) => crate::sklearn::predict(a, progress),
        Command::Completions(a) => completions(a),
        Command::Man(a) => man(a),
        Command::Graph(a) => crate::graph::run(a, progress),
    }
}

fn stdout_err(e: io::Error) -> CliError {
    CliError::io("<stdout>", &e)
}

// ---------------------------------------------------------------------------
// show

/// The renderers `show` tries, in order, on a file before decoding it as a
/// pickle: each returns `Ok(true)` when it showed the file (and decides
/// for itself which of `--repr`, `--path`, ... it serves). Format helpers
/// add theirs here.
type ShowRenderer = fn(&ShowArgs) -> Result<bool, CliError>;

const SHOW_FILE_RENDERERS: &[ShowRenderer] = &[
    // PyTorch checkpoints (recognised by content): a table of tensors.
    |a| {
        if a.repr || a.pprint || a.path.is_some() {
            return Ok(false);
        }
        crate::torch_show::try_show(&a.file)
    },
];

type ObjectRenderer =
    fn(&brinery::Graph<'_>, brinery::NodeId, &ShowArgs) -> Option<Result<String, CliError>>;

/// Renderers for a decoded object (the root, or the node at --path),
/// tried in order before the default views: the first `Some` is printed
/// as is. Format helpers (pandas, scikit-learn, ...) add theirs here and
/// decide for themselves which flags (`--repr`, ...) they serve.
const OBJECT_RENDERERS: &[ObjectRenderer] = &[
    // show --code: the disassembly of a pickled function or code object.
    |g, id, a| {
        a.code
            .then(|| crate::code::show_code(g, id, a.python.as_deref()))
    },
    // scikit-learn estimators: sklearn's repr, then the fitted attributes
    // (not for --repr, which stays Python's repr()).
    |g, id, a| {
        if a.repr || Some(id) != g.root_id() {
            None
        } else {
            crate::sklearn::show(g).map(Ok)
        }
    },
    // pandas DataFrame / Series / Index (at the root or at --path): what
    // print(df) shows.
    |g, id, _a| crate::pandas::show_at(g, id),
];

type PlainJsonRenderer =
    fn(&brinery::Graph<'_>, brinery::NodeId) -> Option<Result<String, CliError>>;

/// Whole-document `json --plain` renderers for a decoded object, tried in
/// order before the library's plain JSON (with the hooks of `view.rs`).
const PLAIN_JSON_RENDERERS: &[PlainJsonRenderer] = &[
    // pandas objects: records (one object per row, index first).
    |g, id| {
        if Some(id) == g.root_id() {
            crate::pandas::json_plain(g)
        } else {
            None
        }
    },
];

fn show(a: ShowArgs, progress: Progress) -> Result<(), CliError> {
    // Shelve databases and sqlitedict files: the whole shelf as a dict (a
    // dbm.dumb shelf is named by its base path, which is not a file).
    if crate::shelve::try_show(&a)? {
        return Ok(());
    }
    // A directory, a missing file: say so before any format is tried.
    if !files::is_std(&a.file) {
        files::check_readable(&a.file)?;
    }
    for r in SHOW_FILE_RENDERERS {
        if r(&a)? {
            return Ok(());
        }
    }
    let loaded = input::load(&a.file, &a.read, progress)?;
    let color = a.color.resolve();
    let width = a.width.unwrap_or_else(default_width);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut spin = progress.spinner(loaded.is_big(), format!("decoding {}", loaded.name));
    let more = loaded.for_each(&a.read, a.all, |doc| {
        finish_progress(spin.take());
        let graph = &doc.graph;
        let (id, label) = match &a.path {
            Some(p) => {
                let (id, path) = render::at_path(graph, p).map_err(|e| e.context(&loaded.name))?;
                let label = if path.is_root() {
                    loaded.name.clone()
                } else {
                    format!("{} {path}", loaded.name)
                };
                (id, label)
            }
            None => (render::root(graph)?, loaded.name.clone()),
        };
        let custom = OBJECT_RENDERERS
            .iter()
            .find_map(|r| r(graph, id, &a))
            .transpose()
            .map_err(|e| e.context(&loaded.name))?;
        let text = if custom.is_some() {
            custom
        } else if a.repr {
            Some(render::repr(graph, id).map_err(|e| e.context(&loaded.name))?)
        } else if a.pprint {
            Some(render::pprint(graph, id, width, color).map_err(|e| e.context(&loaded.name))?)
        } else if a.all_items {
            None
        } else {
            render::one_line(graph, id, width, color)
        };
        match text {
            Some(text) => {
                out.write_all(text.as_bytes()).map_err(stdout_err)?;
                if !text.ends_with('\n') {
                    out.write_all(b"\n").map_err(stdout_err)?;
                }
            }
            None => {
                let mut opts = render::tree_options()
                    .width(width)
                    .color(color)
                    .depth(a.depth);
                if a.all_items {
                    opts = opts.max_items(None).max_lines(None);
                } else {
                    opts = opts.max_items(a.max_items);
                }
                brinery::tree::write_tree(graph, id, &label, &opts, &mut out)
                    .map_err(stdout_err)?;
            }
        }
        Ok(())
    })?;
    out.flush().map_err(stdout_err)?;
    if more > 0 {
        eprintln!(
            "note: {}: {more} more pickle{} follow{} the first; --all shows {}",
            loaded.name,
            if more == 1 { "" } else { "s" },
            if more == 1 { "s" } else { "" },
            if more == 1 { "it" } else { "them" },
        );
    }
    Ok(())
}

/// `$COLUMNS`, else the terminal's width, else 80 (as pprint).
pub(crate) fn default_width() -> usize {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
    {
        return n;
    }
    terminal_size::terminal_size_of(io::stdout())
        .map(|(w, _)| usize::from(w.0))
        .filter(|&n| n > 0)
        .unwrap_or(80)
}

// ---------------------------------------------------------------------------
// dis

fn dis(a: DisArgs, progress: Progress) -> Result<(), CliError> {
    let opts = DisOptions {
        annotate: if a.annotate {
            DisOptions::CLI_ANNOTATE
        } else {
            0
        },
        indentlevel: a.indentlevel,
        memo: a.memo,
        preamble: a.preamble.clone(),
    };
    // Like `python -m pickletools`: every file is opened before anything
    // is printed, and the output file is created before reading.
    let inputs = a
        .files
        .iter()
        .map(|p| open_raw(p))
        .collect::<Result<Vec<_>, _>>()?;
    let (out_name, sink): (String, Box<dyn Write>) = match &a.output {
        Some(p) if !files::is_std(p) => {
            let name = p.display().to_string();
            let f = std::fs::File::create(p).map_err(|e| CliError::io(&name, &e))?;
            (name, Box::new(f))
        }
        _ => ("<stdout>".to_string(), Box::new(io::stdout().lock())),
    };
    let mut out = BufWriter::with_capacity(1 << 16, sink);
    let several = inputs.len() > 1;
    let mut memo = DisMemo::new();
    let mut result = Ok(());
    for (done, opened) in inputs.into_iter().enumerate() {
        let input = opened.examine(progress)?;
        let (name, reader, bar) = input.into_reader();
        // An .npy file: its object array's pickle follows the header.
        let reader = files::skip_npy_header(reader).map_err(|e| e.context(&name))?;
        if several {
            let line = brinery::pickletools::format_preamble(&opts.preamble, &name)
                .map_err(|e| CliError::dis(&name, &e))?;
            writeln!(out, "{line}").map_err(|e| CliError::io(&out_name, &e))?;
        }
        result = dis_stream(reader, &mut out, &opts, &mut memo, a.all)
            .map_err(|e| CliError::dis(&name, &e));
        if result.is_err() {
            // Say which file failed, and that the rest were not read.
            let rest = a.files.len() - done - 1;
            if rest > 0 {
                result = result.map_err(|e| {
                    let m = e.message.clone().unwrap_or_default();
                    CliError::new(
                        e.code,
                        format!(
                            "{m} ({rest} more file{} not disassembled)",
                            if rest == 1 { "" } else { "s" }
                        ),
                    )
                });
            }
        }
        finish_progress(bar);
        if result.is_err() {
            break;
        }
    }
    // Whatever was disassembled before an error is printed first.
    out.flush().map_err(|e| CliError::io(&out_name, &e))?;
    result
}

/// Disassemble the first pickle of `reader` (or every one, with `all`).
/// Without `-m` each pickle starts with a fresh memo, as with separate
/// `pickletools.dis` calls.
fn dis_stream(
    reader: Box<dyn Read + Send>,
    out: &mut dyn Write,
    opts: &DisOptions,
    memo: &mut DisMemo,
    all: bool,
) -> Result<(), brinery::DisError> {
    let mut ops = Genops::new(reader);
    loop {
        if !opts.memo {
            memo.clear();
        }
        let mut joblib = brinery_numpy::joblib_raw_blocks();
        brinery::pickletools::dis_genops_raw(&mut ops, out, opts, memo, Some(&mut joblib))?;
        if !all {
            return Ok(());
        }
        // Continue after STOP with the bytes already buffered.
        let pos = ops.position();
        let (mut src, mut rest) = ops.into_parts();
        if rest.is_empty() {
            let mut chunk = [0u8; 8192];
            let n = loop {
                match src.read(&mut chunk) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e.into()),
                }
            };
            if n == 0 {
                return Ok(());
            }
            rest.extend_from_slice(&chunk[..n]);
        }
        let chained: Box<dyn Read + Send> = Box::new(io::Cursor::new(rest).chain(src));
        ops = Genops::with_position(chained, pos);
    }
}

// ---------------------------------------------------------------------------
// json / from-json

fn json(a: JsonArgs, progress: Progress) -> Result<(), CliError> {
    // PyTorch checkpoints (by content): --plain writes their tensors.
    if !files::is_std(&a.file) {
        files::check_readable(&a.file)?;
        let name = files::display_name(&a.file);
        let is_torch = brinery_torch::detect_file(&a.file)
            .map_err(|e| CliError::io(&name, &e))?
            .is_some();
        // A plain pickle of tensors (`pickle.dumps(tensor)`): its storages
        // are in the pickle, which the checkpoint reader understands.
        let has_tensors = a.plain && !is_torch && mentions_torch(&a.file);
        if is_torch
            || (has_tensors
                && brinery_torch::Checkpoint::open(&a.file)
                    .is_ok_and(|ck| !ck.tensors().is_empty()))
        {
            return json_torch(&a, &name);
        }
    }
    let loaded = input::load(&a.file, &a.read, progress)?;
    let target = a.output.as_deref().unwrap_or(Path::new("-"));
    let mut out = Output::create(target, false, None, None)?;
    let out_name = out.name().to_string();
    let spin = progress.spinner(loaded.is_big(), format!("decoding {}", loaded.name));
    let doc = loaded.first(&a.read);
    finish_progress(spin);
    let doc = doc?;
    if doc.pickle.is_none() && !a.plain {
        return Err(CliError::data(format!(
            "{}: a numpy file has no lossless JSON form (it is not a pickle): use --plain",
            loaded.name
        )));
    }
    write_json(&mut out, a.pretty, |sink| {
        let res = if a.plain {
            let id = render::root(&doc.graph)?;
            match PLAIN_JSON_RENDERERS.iter().find_map(|r| r(&doc.graph, id)) {
                Some(text) => text.and_then(|t| {
                    sink.write_all(t.as_bytes())
                        .map_err(|e| CliError::io(&out_name, &e))
                }),
                None => render::to_json_plain(&doc.graph, id, loaded.data.len(), sink),
            }
        } else {
            render::to_json(&doc.graph, doc.pickle.map(detect_protocol), sink)
        };
        res.map_err(|e| {
            if e.code == crate::error::EXIT_DATA {
                e.context(&loaded.name)
            } else {
                e
            }
        })
    })?;
    out.commit()
}

/// Whether the first 64 KiB of a file name torch's tensor rebuilders.
fn mentions_torch(path: &Path) -> bool {
    let mut head = Vec::new();
    let ok = std::fs::File::open(path)
        .and_then(|f| f.take(64 << 10).read_to_end(&mut head))
        .is_ok();
    ok && head.windows(12).any(|w| w == b"torch._utils")
}

/// `json --plain` of a PyTorch checkpoint: an object of its tensors (by
/// dotted name, as nested arrays) and other values.
fn json_torch(a: &JsonArgs, name: &str) -> Result<(), CliError> {
    if !a.plain {
        return Err(CliError::data(format!(
            "{name}: a PyTorch checkpoint is not one pickle and has no lossless JSON form: \
             use --plain"
        )));
    }
    let ck = brinery_torch::Checkpoint::open(&a.file)
        .map_err(|e| CliError::data(format!("{name}: {e}")))?;
    let target = a.output.as_deref().unwrap_or(Path::new("-"));
    let mut out = Output::create(target, false, None, None)?;
    write_json(&mut out, a.pretty, |sink| {
        crate::view::torch_plain_json(&ck, sink)
    })?;
    out.commit()
}

/// JSON from `write` into `out` (re-indented when `pretty`), then a
/// newline.
fn write_json(
    out: &mut Output,
    pretty: bool,
    write: impl FnOnce(&mut dyn Write) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let out_name = out.name().to_string();
    let mut indented;
    let sink: &mut dyn Write = if pretty {
        indented = brinery::json::PrettyJson::new(&mut *out);
        &mut indented
    } else {
        out
    };
    write(sink)?;
    sink.write_all(b"\n")
        .and_then(|_| sink.flush())
        .map_err(|e| CliError::io(&out_name, &e))
}

fn from_json(a: FromJsonArgs, progress: Progress) -> Result<(), CliError> {
    let input = open_input(&a.input, progress)?;
    let big = input.is_big();
    let (name, data) = input.read_all()?;
    let text = String::from_utf8(data)
        .map_err(|e| CliError::data(format!("{name}: not UTF-8 text: {e}")))?;
    let (graph, recorded) = render::from_json(&text).map_err(|e| e.context(&name))?;
    let protocol = a.protocol.or(recorded).unwrap_or(brinery::DEFAULT_PROTOCOL);
    let bar = progress.writer_bar(big, text.len() as u64, &a.output);
    let mut out = Output::create(&a.output, true, a.write.format_for(&a.output), bar)?;
    let out_name = out.name().to_string();
    Pickler::new(protocol)
        .dump(&graph, &mut out)
        .map_err(|e| CliError::pickle(&out_name, &e, 0))?;
    out.commit()
}

// ---------------------------------------------------------------------------
// convert / optimize

fn convert(a: ConvertArgs, progress: Progress) -> Result<(), CliError> {
    let input = open_input(&a.io.input, progress)?;
    let big = input.is_big();
    let (name, data) = input.read_all()?;
    if input::content(&data) != Content::Pickle {
        return Err(CliError::data(format!(
            "{name}: a numpy file, not a pickle: nothing to convert"
        )));
    }
    let bar = progress.writer_bar(big, data.len() as u64, &a.io.output);
    let mut out = Output::create(&a.io.output, true, a.write.format_for(&a.io.output), bar)?;
    let out_name = out.name().to_string();
    let mut buffers = Vec::new();
    for b in &a.read.buffers {
        buffers.push(open_input(b, progress)?.read_all()?.1);
    }
    let mut pos = 0;
    loop {
        let bufs = buffers
            .iter()
            .map(|b| brinery::Buf::Borrowed(b.as_slice()))
            .collect();
        let (mut graph, used) = input::unpickler(&a.read, bufs)
            .load_slice_prefix(&data[pos..])
            .map_err(|e| input::decode_error(&name, &data, &e, pos as u64))?;
        if !buffers.is_empty() {
            input::buffers_as_bytes(&mut graph);
        }
        let bytes = &data[pos..pos + used];
        let protocol = a.protocol.unwrap_or_else(|| detect_protocol(bytes));
        Pickler::new(protocol)
            .fix_imports(!a.read.no_fix_imports)
            .dump(&graph, &mut out)
            .map_err(|e| CliError::pickle(&out_name, &e, 0))?;
        pos += used;
        if pos >= data.len() {
            break;
        }
    }
    out.commit()
}

fn optimize(a: OptimizeArgs, progress: Progress) -> Result<(), CliError> {
    let input = open_input(&a.io.input, progress)?;
    let big = input.is_big();
    let (name, data) = input.read_all()?;
    let bar = progress.writer_bar(big, data.len() as u64, &a.io.output);
    let mut out = Output::create(&a.io.output, true, a.write.format_for(&a.io.output), bar)?;
    let mut pos = 0;
    loop {
        let rest = &data[pos..];
        let mut joblib = brinery_numpy::joblib_raw_blocks();
        let optimized =
            brinery::pickletools::optimize_raw(rest, Some(&mut joblib)).map_err(|e| {
                if pos == 0 {
                    if let Some(what) = input::not_pickle(rest) {
                        return CliError::data(format!(
                            "{name}: not a pickle ({}); unpickling says: {e}",
                            if what == "an empty file" {
                                "it is an empty file".to_string()
                            } else {
                                format!("looks like {what}")
                            }
                        ));
                    }
                }
                CliError::dis(&name, &e)
            })?;
        out.write_all(&optimized)
            .map_err(|e| CliError::io(out.name(), &e))?;
        pos += input::pickle_len(rest);
        if pos >= data.len() {
            break;
        }
    }
    out.commit()
}

/// The protocol a pickle was written with: its PROTO argument, or the
/// highest protocol among its opcodes if that is higher (or if there is no
/// PROTO). Writing at this protocol reproduces what CPython wrote.
pub(crate) fn detect_protocol(pickle: &[u8]) -> u8 {
    let mut proto = 0u8;
    for instr in Genops::new(pickle) {
        let Ok(instr) = instr else { break };
        proto = proto.max(instr.op.proto);
        if instr.op.op == brinery::Opcode::Proto {
            if let Some(p) = instr.arg.as_i64() {
                proto = proto.max(p.clamp(0, i64::from(brinery::HIGHEST_PROTOCOL)) as u8);
            }
        }
        if instr.op.op == brinery::Opcode::Stop {
            break;
        }
    }
    proto.min(brinery::HIGHEST_PROTOCOL)
}

// ---------------------------------------------------------------------------
// completions

fn completions(a: CompletionsArgs) -> Result<(), CliError> {
    let mut cmd = Cli::command();
    let mut out = io::stdout().lock();
    clap_complete::generate(a.shell, &mut cmd, "brine", &mut out);
    out.flush().map_err(stdout_err)
}

/// The man page, rendered from the clap definition (`brine man`, or one
/// command's page: `brine man show`).
fn man(a: ManArgs) -> Result<(), CliError> {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match &a.command {
        None => cmd,
        Some(name) => {
            let sub = cmd.find_subcommand(name).cloned().ok_or_else(|| {
                CliError::new(
                    EXIT_USAGE,
                    format!("no command '{name}' (see brine --help)"),
                )
            })?;
            // The page is named after the command (`brine-show`); the
            // name lives as long as the process, which is about to end.
            let full: &'static str =
                Box::leak(format!("brine-{}", sub.get_name()).into_boxed_str());
            sub.name(full)
        }
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut buf)
        .map_err(stdout_err)?;
    let mut out = io::stdout().lock();
    out.write_all(&buf)
        .and_then(|_| out.flush())
        .map_err(stdout_err)
}
