//! The one clap definition: it drives parsing, `--help` and the shell
//! completions (`brine completions SHELL`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use brinery_compress::Format;

const AFTER_HELP: &str = "\
FILES:
    FILE or IN may be `-` for standard input (the default where FILE is
    optional); OUT may be `-` for standard output. Input compressed with gzip,
    bzip2, xz, legacy lzma, zlib, zstd or lz4 (frame format) is recognised by
    its magic bytes and decompressed on the fly.

EXIT STATUS:
    0   success
    1   invalid input: a broken pickle (the message says `<what> at byte N
        (<OPCODE>)`), invalid JSON, corrupt compressed data, an object
        that cannot be written at the requested protocol, or a view longer
        than the library's 64 MiB output limit
    2   usage error (unknown flag, bad value, missing argument)
    3   I/O error (file not found, permission denied, disk full, ...)
    70  internal error (a bug in brine: please report it)
    `brine scan` has its own codes: 0 nothing unsafe, 1 unsafe or unknown
    found, 2 could not analyse fully (see `brine scan --help`)

EXAMPLES:
    brine show data.pkl                 pretty view of the object
    brine show --repr data.pkl          exactly Python's repr()
    brine dis -a data.pkl               like `python -m pickletools -a`
    brine json data.pkl > data.json     lossless JSON
    brine from-json data.json out.pkl   ...and back
    brine convert --protocol 2 in.pkl out.pkl
    brine convert --compress zstd in.pkl out.pkl.zst
    brine optimize in.pkl out.pkl       like pickletools.optimize
    brine scan model.pt dir/            security scan (exit 0/1/2)
    brine show model.pt                 table of a PyTorch checkpoint's tensors
    brine export model.pt out.safetensors   tensors to safetensors (or .npy)
    curl -s URL | brine show -          read standard input
    brine completions bash > /usr/share/bash-completion/completions/brine";

/// Inspect, disassemble, convert and optimize Python pickles, without ever
/// running code from them.
#[derive(Parser, Debug)]
#[command(
    name = "brine",
    version,
    about,
    max_term_width = 100,
    after_help = AFTER_HELP,
    propagate_version = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Never draw a progress bar (one is drawn on stderr for inputs over
    /// 8 MiB, only when stderr is a terminal)
    #[arg(long, global = true)]
    pub no_progress: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show the object a pickle holds
    #[command(after_help = "\
EXAMPLES:
    brine show data.pkl               pretty, coloured on a terminal
    brine show --repr data.pkl        exactly what Python's repr() prints
    brine show --all stream.pkl       every pickle of a multi-pickle file
    brine show --width 120 --color never data.pkl
    brine show --encoding latin1 py2.pkl    read Python 2 str as latin-1")]
    Show(ShowArgs),

    /// Disassemble pickles, exactly like `python -m pickletools`
    #[command(after_help = "\
Output is byte-identical to `python -m pickletools` with the same flags.
On a broken pickle the listing goes up to the failing opcode, then the error
is printed on stderr (exit status 1). Input is streamed: files larger than
memory are fine. The reading options are accepted for uniformity and have
no effect: dis decodes opcodes, not objects.

EXAMPLES:
    brine dis data.pkl                like `python -m pickletools data.pkl`
    brine dis -a data.pkl             with one-line opcode descriptions
    brine dis -m a.pkl b.pkl          two pickles sharing one memo
    brine dis -p '--- {name} ---' *.pkl
    brine dis --all stream.pkl        every pickle of the file, not just the first")]
    Dis(DisArgs),

    /// Write a pickle as lossless JSON (or plain JSON with --plain)
    #[command(after_help = "\
The default output is brinery's lossless JSON: every Python type, shared
references, cycles, opaque objects and the pickle's protocol are kept, so
`brine from-json` writes the same pickle back. --plain writes ordinary JSON
for other tools (dicts become objects, tuples and sets arrays, a cycle the
string '<recursive>', ...), which cannot be read back exactly. Only the
first pickle of a multi-pickle file is written. The format is documented in
brinery's `json` module.

EXAMPLES:
    brine json data.pkl > data.json
    brine json --plain data.pkl | jq .
    brine json data.pkl | brine from-json - copy.pkl")]
    Json(JsonArgs),

    /// Write a pickle from brinery's lossless JSON
    #[command(
        name = "from-json",
        after_help = "\
The protocol is the one recorded in the JSON (so `brine json` followed by
`brine from-json` reproduces a CPython pickle byte for byte); when the JSON
records none, the default is protocol 4 (pickle.DEFAULT_PROTOCOL of
CPython 3.8-3.13). --protocol overrides both.

EXAMPLES:
    brine from-json data.json data.pkl
    brine from-json --protocol 2 data.json - > py2.pkl
    brine json data.pkl | brine from-json - - | brine show -"
    )]
    FromJson(FromJsonArgs),

    /// Re-encode a pickle at another protocol and/or compression
    #[command(after_help = "\
Without --protocol each pickle is written at its own protocol (the highest
protocol among its opcodes), so a pickle CPython wrote converts to identical
bytes. Every pickle of a multi-pickle file is converted.

EXAMPLES:
    brine convert --protocol 2 new.pkl old.pkl     for Python 2
    brine convert --compress gzip data.pkl data.pkl.gz
    brine convert data.pkl.xz data.pkl             decompress")]
    Convert(ConvertArgs),

    /// Shrink a pickle exactly like `pickletools.optimize`
    #[command(after_help = "\
Drops unused memo PUTs, renumbers the rest and re-frames protocol 4+
pickles; the output equals pickletools.optimize() byte for byte. Every
pickle of a multi-pickle file is optimized. The reading options are
accepted for uniformity and have no effect.

EXAMPLES:
    brine optimize data.pkl small.pkl
    brine optimize --compress zstd data.pkl small.pkl.zst")]
    Optimize(OptimizeArgs),

    /// Scan pickles, archives and directories for code a load would run
    #[command(after_help = crate::scan::SCAN_AFTER_HELP)]
    Scan(crate::scan::ScanArgs),

    /// Export PyTorch tensors (or numpy arrays) to .safetensors or .npy
    #[command(after_help = crate::export::EXPORT_AFTER_HELP)]
    Export(crate::export::ExportArgs),

    /// Run a pickled scikit-learn model on samples from .npy or .csv
    #[command(after_help = crate::sklearn::PREDICT_AFTER_HELP)]
    Predict(crate::sklearn::PredictArgs),

    /// Print a shell completion script
    #[command(after_help = "\
EXAMPLES:
    brine completions bash > ~/.local/share/bash-completion/completions/brine
    brine completions zsh > ~/.zfunc/_brine
    brine completions fish > ~/.config/fish/completions/brine.fish")]
    Completions(CompletionsArgs),
}

/// Options of `pickle.load`, on every command that reads pickles.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Reading options (as pickle.load)")]
pub struct ReadArgs {
    /// How to decode Python 2 `str`: a codec (ASCII, latin1, utf-8, ...) or
    /// `bytes` to keep them as bytes
    #[arg(long, value_name = "CODEC", default_value = "ASCII")]
    pub encoding: String,

    /// Codec error handler: strict, ignore, replace, backslashreplace,
    /// surrogateescape, ...
    #[arg(long, value_name = "HANDLER", default_value = "strict")]
    pub errors: String,

    /// Do not map Python 2 module names to Python 3 ones (nor back when
    /// `convert` writes protocols 0-2)
    #[arg(long)]
    pub no_fix_imports: bool,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The pickle (`-` for standard input)
    #[arg(value_name = "FILE", default_value = "-")]
    pub file: PathBuf,

    /// Print exactly what CPython's repr() prints
    #[arg(long)]
    pub repr: bool,

    /// Show every pickle of a multi-pickle file (default: only the first)
    #[arg(long)]
    pub all: bool,

    /// When to colour the pretty view
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Line width of the pretty view (default: $COLUMNS, the terminal's
    /// width, or 80)
    #[arg(long, value_name = "N")]
    pub width: Option<usize>,

    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Args, Debug)]
pub struct DisArgs {
    /// The pickles (`-` for standard input)
    #[arg(value_name = "FILE", default_value = "-")]
    pub files: Vec<PathBuf>,

    /// Annotate each line with a short opcode description
    #[arg(short, long)]
    pub annotate: bool,

    /// The number of blanks by which to indent a new MARK level
    #[arg(short = 'l', long, value_name = "N", default_value_t = 4)]
    pub indentlevel: usize,

    /// Preserve the memo between disassemblies (of several files)
    #[arg(short, long)]
    pub memo: bool,

    /// With several files, the line printed before each one ({name} is the
    /// file name)
    #[arg(
        short,
        long,
        value_name = "STR",
        default_value = "==> {name} <==",
        allow_hyphen_values = true
    )]
    pub preamble: String,

    /// Write the listing to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Disassemble every pickle of each file, not only the first
    #[arg(long)]
    pub all: bool,

    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Args, Debug)]
pub struct JsonArgs {
    /// The pickle (`-` for standard input)
    #[arg(value_name = "FILE", default_value = "-")]
    pub file: PathBuf,

    /// Plain JSON for other tools (not reversible)
    #[arg(long)]
    pub plain: bool,

    /// Write to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub read: ReadArgs,
}

/// Options of commands that write pickles.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Writing options")]
pub struct WriteArgs {
    /// Compress the output
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub compress: Option<Format>,
}

#[derive(Args, Debug)]
pub struct FromJsonArgs {
    /// The JSON (`-` for standard input)
    #[arg(value_name = "FILE")]
    pub input: PathBuf,

    /// Where to write the pickle (`-` for standard output)
    #[arg(value_name = "OUT")]
    pub output: PathBuf,

    /// Protocol to write (default: the one recorded in the JSON, else 4)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=5))]
    pub protocol: Option<u8>,

    #[command(flatten)]
    pub write: WriteArgs,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The pickle to read (`-` for standard input)
    #[arg(value_name = "IN")]
    pub input: PathBuf,

    /// Where to write (`-` for standard output)
    #[arg(value_name = "OUT")]
    pub output: PathBuf,

    /// Protocol to write (default: each pickle's own protocol)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=5))]
    pub protocol: Option<u8>,

    #[command(flatten)]
    pub write: WriteArgs,

    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Args, Debug)]
pub struct OptimizeArgs {
    /// The pickle to read (`-` for standard input)
    #[arg(value_name = "IN")]
    pub input: PathBuf,

    /// Where to write (`-` for standard output)
    #[arg(value_name = "OUT")]
    pub output: PathBuf,

    #[command(flatten)]
    pub write: WriteArgs,

    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to generate completions for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and NO_COLOR is unset
    Auto,
    /// Always colour
    Always,
    /// Never colour
    Never,
}
