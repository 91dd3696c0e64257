//! One function per subcommand: open the files, call the library, report.

use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::Path;

use clap::CommandFactory;

use brinery::{DisMemo, DisOptions, Genops, Graph, Pickler, Unpickler};

use crate::cli::{
    Cli, ColorChoice, Command, CompletionsArgs, ConvertArgs, DisArgs, FromJsonArgs, JsonArgs,
    OptimizeArgs, ReadArgs, ShowArgs,
};
use crate::error::CliError;
use crate::files::{self, finish_progress, open_input, open_raw, Output, Progress};
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
        Command::Predict(a) => crate::sklearn::predict(a, progress),
        Command::Completions(a) => completions(a),
    }
}

/// `pickle.load`'s options. Persistent ids are kept as nodes (shown and
/// re-written as they are) instead of failing as `pickle.load` would
/// without a `persistent_load`.
fn unpickler<'a>(read: &ReadArgs) -> Unpickler<'a, 'static> {
    Unpickler::new()
        .encoding(&read.encoding)
        .errors(&read.errors)
        .fix_imports(!read.no_fix_imports)
        .keep_persistent_ids()
}

/// Decode the pickles of `data` one after another (only the first unless
/// `all`), handing each graph and its bytes to `f`.
fn for_each_pickle<'a>(
    data: &'a [u8],
    name: &str,
    read: &ReadArgs,
    all: bool,
    mut f: impl FnMut(Graph<'a>, &'a [u8]) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut pos = 0;
    loop {
        // joblib files keep array bytes right after a BUILD of a
        // NumpyArrayWrapper; the hook reads them (nothing else changes).
        let (graph, used) = unpickler(read)
            .on_build(brinery_numpy::joblib_build_hook())
            .load_slice_prefix(&data[pos..])
            .map_err(|e| CliError::pickle(name, &e, pos as u64))?;
        f(graph, &data[pos..pos + used])?;
        pos += used;
        if !all || pos >= data.len() {
            return Ok(());
        }
    }
}

fn stdout_err(e: io::Error) -> CliError {
    CliError::io("<stdout>", &e)
}

// ---------------------------------------------------------------------------
// show

fn show(a: ShowArgs, progress: Progress) -> Result<(), CliError> {
    // PyTorch checkpoints (recognised by content): a table of tensors.
    if crate::torch_show::try_show(&a.file)? {
        return Ok(());
    }
    let (name, data) = open_input(&a.file, progress)?.read_all()?;
    let stdout = io::stdout();
    let color = match a.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let width = a.width.unwrap_or_else(default_width);
    let mut out = BufWriter::new(stdout.lock());
    for_each_pickle(&data, &name, &a.read, a.all, |graph, _| {
        let sklearn = if a.repr {
            None
        } else {
            crate::sklearn::show(&graph)
        };
        let text = if let Some(s) = sklearn {
            s
        } else if a.repr {
            render::repr(&graph)?
        } else {
            render::pretty(&graph, width, color)?
        };
        out.write_all(text.as_bytes()).map_err(stdout_err)?;
        if !text.ends_with('\n') {
            out.write_all(b"\n").map_err(stdout_err)?;
        }
        Ok(())
    })?;
    out.flush().map_err(stdout_err)
}

/// `$COLUMNS`, else the terminal's width, else 80 (as pprint).
fn default_width() -> usize {
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
    for opened in inputs {
        let input = opened.examine(progress)?;
        let (name, reader, bar) = input.into_reader();
        if several {
            let line = brinery::format_preamble(&opts.preamble, &name)
                .map_err(|e| CliError::dis(&name, &e))?;
            writeln!(out, "{line}").map_err(|e| CliError::io(&out_name, &e))?;
        }
        result = dis_stream(reader, &mut out, &opts, &mut memo, a.all)
            .map_err(|e| CliError::dis(&name, &e));
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
        brinery::dis_genops(&mut ops, out, opts, memo)?;
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
    let (name, data) = open_input(&a.file, progress)?.read_all()?;
    let mut text = None;
    for_each_pickle(&data, &name, &a.read, false, |graph, bytes| {
        text = Some(if a.plain {
            render::to_json_plain(&graph)?
        } else {
            render::to_json(&graph, detect_protocol(bytes))?
        });
        Ok(())
    })?;
    let mut text = text.unwrap_or_default();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let target = a.output.as_deref().unwrap_or(Path::new("-"));
    let mut out = Output::create(target, false, None, None)?;
    out.write_all(text.as_bytes())
        .map_err(|e| CliError::io(out.name(), &e))?;
    out.commit()
}

fn from_json(a: FromJsonArgs, progress: Progress) -> Result<(), CliError> {
    let input = open_input(&a.input, progress)?;
    let big = input.is_big();
    let (name, data) = input.read_all()?;
    let text = String::from_utf8(data)
        .map_err(|e| CliError::data(format!("{name}: not UTF-8 text: {e}")))?;
    let (graph, recorded) = render::from_json(&text).map_err(|e| e.context(&name))?;
    let protocol = a.protocol.or(recorded).unwrap_or(brinery::DEFAULT_PROTOCOL);
    let bar = progress.writer_spinner(big, &a.output);
    let mut out = Output::create(&a.output, true, a.write.compress, bar)?;
    let out_name = out.name().to_string();
    Pickler::new(protocol)
        .dump(&graph, &mut out)
        .map_err(|e| CliError::pickle(&out_name, &e, 0))?;
    out.commit()
}

// ---------------------------------------------------------------------------
// convert / optimize

fn convert(a: ConvertArgs, progress: Progress) -> Result<(), CliError> {
    let input = open_input(&a.input, progress)?;
    let big = input.is_big();
    let (name, data) = input.read_all()?;
    let bar = progress.writer_spinner(big, &a.output);
    let mut out = Output::create(&a.output, true, a.write.compress, bar)?;
    let out_name = out.name().to_string();
    for_each_pickle(&data, &name, &a.read, true, |graph, bytes| {
        let protocol = a.protocol.unwrap_or_else(|| detect_protocol(bytes));
        Pickler::new(protocol)
            .fix_imports(!a.read.no_fix_imports)
            .dump(&graph, &mut out)
            .map_err(|e| CliError::pickle(&out_name, &e, 0))
    })?;
    out.commit()
}

fn optimize(a: OptimizeArgs, progress: Progress) -> Result<(), CliError> {
    let input = open_input(&a.input, progress)?;
    let big = input.is_big();
    let (name, data) = input.read_all()?;
    let bar = progress.writer_spinner(big, &a.output);
    let mut out = Output::create(&a.output, true, a.write.compress, bar)?;
    let mut pos = 0;
    loop {
        let rest = &data[pos..];
        let optimized = brinery::optimize(rest).map_err(|e| CliError::dis(&name, &e))?;
        out.write_all(&optimized)
            .map_err(|e| CliError::io(out.name(), &e))?;
        pos += pickle_len(rest);
        if pos >= data.len() {
            break;
        }
    }
    out.commit()
}

/// The protocol a pickle was written with: its PROTO argument, or the
/// highest protocol among its opcodes if that is higher (or if there is no
/// PROTO). Writing at this protocol reproduces what CPython wrote.
fn detect_protocol(pickle: &[u8]) -> u8 {
    let mut proto = 0u8;
    for instr in Genops::new(pickle) {
        let Ok(instr) = instr else { break };
        proto = proto.max(instr.op.proto);
        if instr.op.op == brinery::Opcode::Proto {
            if let Some(p) = instr.arg.as_i64() {
                proto = proto.max(p.clamp(0, i64::from(brinery::HIGHEST_PROTOCOL)) as u8);
            }
        }
    }
    proto.min(brinery::HIGHEST_PROTOCOL)
}

/// The length of the (valid) pickle at the start of `data`, up to and
/// including its STOP.
fn pickle_len(data: &[u8]) -> usize {
    let mut ops = Genops::new(data);
    for instr in ops.by_ref() {
        if instr.is_err() {
            return data.len();
        }
    }
    usize::try_from(ops.position()).unwrap_or(data.len())
}

// ---------------------------------------------------------------------------
// completions

fn completions(a: CompletionsArgs) -> Result<(), CliError> {
    let mut cmd = Cli::command();
    let mut out = io::stdout().lock();
    clap_complete::generate(a.shell, &mut cmd, "brine", &mut out);
    out.flush().map_err(stdout_err)
}
