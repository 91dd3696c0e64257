//! The one clap definition: every command's arguments live here. It drives
//! parsing, `--help`, `brine help CMD`, the shell completions
//! (`brine completions SHELL`) and the man page (`brine man`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};

use brinery_compress::Format;
use brinery_shelve::KeyEncoding;

const AFTER_HELP: &str = "\
FILES:
    FILE or IN may be `-` for standard input (the default where FILE is
    optional); OUT may be `-` for standard output. Input compressed with gzip,
    bzip2, xz, legacy lzma, zlib, zstd or lz4 (frame format) is recognised by
    its magic bytes and decompressed on the fly. numpy `.npy` and `.npz`
    files are read wherever a pickle is (recognised by content). Input that
    is recognisably something else (an image, text, another archive, an
    empty file) is reported as `FILE: not a pickle (looks like ...)`.

EXIT STATUS:
    0   success
    1   invalid input: a broken pickle (the message says `FILE: <what> at
        byte N (<OPCODE>)`), not a pickle, invalid JSON, corrupt compressed
        data, or an object that cannot be written at the requested protocol
    2   usage error (unknown flag, bad value, missing argument)
    3   I/O error (file not found, permission denied, disk full, ...)
    70  internal error (a bug in brine: please report it)
    `brine scan` has its own codes: 0 nothing unsafe, 1 unsafe or unknown
    found, 2 could not analyse fully (see `brine scan --help`)

EXAMPLES:
    brine show data.pkl                 the object: one line, or a tree
    brine show --path '.steps[1]' model.pkl     one subtree
    brine show arrays.npz               numpy files too
    brine show --repr data.pkl          Python's repr()
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
    brine help show                     help of one command
    brine man > brine.1                 the manual page
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
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Never draw a progress bar (one is drawn on stderr, against the input's
    /// size, for inputs over 8 MiB, only when stderr is a terminal)
    #[arg(long, global = true)]
    pub no_progress: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show the object a pickle (or .npy/.npz file) holds
    #[command(after_help = "\
An object whose repr fits the width is printed on one line (as repr(),
coloured on a terminal). Anything bigger is shown as a tree, one line per
node: `name: Type` with a summary (`dict (12 keys)`, `str (2.1 kB) 'abc…'`,
`ndarray float64 (3, 4)`), or the value itself when it fits. Containers
show their first --max-items children (10) and `… N more items`; objects
met again print `→ PATH (shared ...)`, and references back into an
enclosing object `↻ PATH (cycle ...)`. Node names are paths: give one to
--path to open that subtree. The view stops after 2000 lines unless
--all-items is given, so it always fits.

A file with several pickles: the first is shown and stderr says how many
follow; --all shows every one.

EXAMPLES:
    brine show data.pkl               one line or a tree, coloured on a terminal
    brine show --depth 2 model.pkl    two levels only
    brine show --path '.steps[1]' model.pkl     one subtree (or \"['steps'][1]\")
    brine show --max-items 50 data.pkl   more children per node
    brine show --all-items data.pkl   everything, however long
    brine show --repr data.pkl        what Python's repr() prints
    brine show --pprint data.pkl      pprint-style layout
    brine show --all stream.pkl       every pickle of a multi-pickle file
    brine show x.npy                  numpy files: the array as numpy shows it
    brine show --buffers b0.bin b1.bin -- oob.pkl   protocol 5 out-of-band buffers
    brine show --encoding latin1 py2.pkl    read Python 2 str as latin-1")]
    Show(ShowArgs),

    /// Disassemble pickles, exactly like `python -m pickletools`
    #[command(after_help = "\
Output is byte-identical to `python -m pickletools` with the same flags.
On a broken pickle the listing goes up to the failing opcode, then the error
is printed on stderr naming the file (exit status 1). Input is streamed:
memory does not grow with the file's size but with its number of memo
entries (as pickletools keeps its memo). An object array's .npy file is
disassembled from its pickle (after the header). The reading options are
accepted for uniformity and have no effect: dis decodes opcodes, not
objects.

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
for other tools, which cannot be read back exactly:

    None, bool, int, float      null, true/false, numbers (NaN, inf: null)
    str                         string
    bytes, bytearray            base64 string
    list, tuple, set, frozenset array
    dict                        object (non-str keys as their repr)
    date, time, datetime        ISO 8601 string, with the UTC offset when
                                aware: \"2024-05-01T12:30:00+02:00\"
    timedelta                   seconds (number)
    Decimal, Fraction           number when a float64 holds it exactly,
                                else string (\"0.1\", \"1/3\")
    complex                     [real, imag]
    UUID, pathlib paths         string
    numpy arrays, torch tensors nested arrays of numbers (object arrays:
                                of values; datetime64: ISO strings;
                                timedelta64: seconds); numpy scalars:
                                numbers; a checkpoint: an object of
                                its tensors by dotted name
    other objects               {\"__class__\": ..., \"__args__\": ...,
                                \"__state__\": ...}
    a cycle                     the string \"<recursive>\"

Output is streamed. Only the first pickle of a multi-pickle file is
written. The lossless format is documented in brinery's `json` module.

EXAMPLES:
    brine json data.pkl > data.json
    brine json --plain --pretty data.pkl
    brine json --plain data.pkl | jq .
    brine json data.pkl | brine from-json - copy.pkl")]
    Json(JsonArgs),

    /// Write a pickle from brinery's lossless JSON
    #[command(
        name = "from-json",
        after_help = "\
The protocol is the one recorded in the JSON; when the JSON records none,
the default is protocol 4 (pickle.DEFAULT_PROTOCOL of CPython 3.8-3.13).
--protocol overrides both.

Byte-identical or equal: `brine json` then `brine from-json` gives back the
same bytes for a pickle that CPython's pickle wrote (with its memo, the
usual case). For anything else (another pickler, `fast` mode, an optimized
or hand-made pickle, edited JSON) the result loads to an equal object but
its bytes may differ: e.g. an equal string written twice in the original
may be written once and referenced. The output compression follows OUT's
name (`.gz`, `.zst`, ...) unless --compress says otherwise.

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
bytes. Every pickle of a multi-pickle file is converted. The output is
compressed as its name says, as pandas' to_pickle does: `.gz`/`.gzip`,
`.bz2`, `.xz`, `.lzma`, `.zst`/`.zstd`, `.lz4`, `.zlib`; `--compress none`
writes it plain whatever the name.

EXAMPLES:
    brine convert --protocol 2 new.pkl old.pkl     for Python 2
    brine convert df.pkl.gz out.pkl.gz             stays gzip
    brine convert data.pkl data.pkl.zst            zstd, from the name
    brine convert --compress none data.pkl.gz data.pkl.gz   plain anyway
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
    Scan(ScanArgs),

    /// Read and edit Python shelve databases and sqlitedict files
    #[command(after_help = crate::shelve::SHELVE_AFTER_HELP)]
    Shelve(ShelveArgs),

    /// Export PyTorch tensors (or numpy arrays) to .safetensors or .npy
    #[command(after_help = crate::export::EXPORT_AFTER_HELP)]
    Export(ExportArgs),

    /// Run a pickled scikit-learn model on samples from .npy or .csv
    #[command(after_help = crate::sklearn::PREDICT_AFTER_HELP)]
    Predict(PredictArgs),

    /// Print a shell completion script
    #[command(after_help = "\
EXAMPLES:
    brine completions bash > ~/.local/share/bash-completion/completions/brine
    brine completions zsh > ~/.zfunc/_brine      (with ~/.zfunc in $fpath,
                                                 then `autoload -U compinit; compinit`)
    brine completions fish > ~/.config/fish/completions/brine.fish")]
    Completions(CompletionsArgs),

    /// Print the manual page (roff), made from this same definition
    #[command(after_help = "\
EXAMPLES:
    brine man > ~/.local/share/man/man1/brine.1 && man brine
    brine man show | man -l -          the page of one command")]
    Man(ManArgs),
    /// Draw the object graph: boxes and arrows, shared objects and cycles
    /// highlighted (SVG, DOT or a self-contained HTML page)
    #[command(after_help = "\
Containers and objects are boxes with their type and size; scalars are
folded into their parent's box as `key: value` lines; references are arrows
labelled with the key, index or attribute. Objects reached more than once
are filled yellow and marked `shared`, arrows that close a cycle are red and
dashed. Past --max-nodes boxes the rest is summarised (`… N more`). Laid out
and drawn in Rust: no Graphviz needed (the .dot output is for those who
have it).

EXAMPLES:
    brine graph data.pkl -o data.svg
    brine graph data.pkl -o data.html          a page to open in a browser
    brine graph data.pkl -o data.dot && dot -Tpng data.dot -o data.png
    brine graph --path \"['model']\" --max-nodes 500 ckpt.pkl -o model.svg")]
    Graph(GraphArgs),
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

    /// Out-of-band buffers of a protocol 5 pickle, in order (the files
    /// `pickle.dumps(..., buffer_callback=...)` saved); end the list with
    /// `--` before FILE
    #[arg(long, value_name = "FILE", num_args = 1.., value_hint = ValueHint::FilePath)]
    pub buffers: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The pickle, .npy or .npz file (`-` for standard input)
    #[arg(value_name = "FILE", default_value = "-", value_hint = ValueHint::FilePath)]
    pub file: PathBuf,

    /// Print what CPython's repr() prints. Builtins, the standard library
    /// and numpy print exactly as in Python; an object of any other class
    /// (which Python would have to import) prints as the call that builds
    /// it, `module.Class(args, state={...})`, since nothing is imported
    #[arg(long, conflicts_with = "pprint")]
    pub repr: bool,

    /// Lay out like pprint.pformat (every item, indented to its bracket)
    /// instead of the tree
    #[arg(long)]
    pub pprint: bool,

    /// Show every pickle of a multi-pickle file (default: only the first)
    #[arg(long)]
    pub all: bool,

    /// For a function or code object pickled by value (dill, cloudpickle,
    /// types.CodeType): print its disassembly exactly as `dis.dis()` prints
    /// it on the CPython version (2.7, 3.6-3.13) that wrote it (Python 2
    /// pickles: with --encoding bytes)
    #[arg(long, conflicts_with_all = ["repr", "pprint"])]
    pub code: bool,

    /// With --code: disassemble as this CPython version (2.7, 3.6-3.13)
    /// prints it, instead of the one recognised from the code object (3.6
    /// and 3.7 compile most functions alike, but only 3.7 shows nested code)
    #[arg(long, value_name = "X.Y", requires = "code")]
    pub python: Option<String>,

    /// Open the node at this path only: `['steps'][1]`, `.steps[1]` or
    /// `steps.1` (the names the tree prints)
    #[arg(long, value_name = "EXPR", value_hint = ValueHint::Other)]
    pub path: Option<String>,

    /// Expand at most N levels of the tree (the root is level 0)
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,

    /// Children shown per node before `… N more items`
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = positive)]
    pub max_items: usize,

    /// Show every item and line, however long the output
    #[arg(long)]
    pub all_items: bool,

    /// When to colour the output
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Line width (default: $COLUMNS, the terminal's width, or 80)
    #[arg(long, value_name = "N",
          value_parser = positive)]
    pub width: Option<usize>,

    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// The pickle (`-` for standard input)
    #[arg(value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub file: PathBuf,

    /// The picture to write: .svg, .dot or .html (`-` writes SVG to standard output)
    #[arg(short, long, value_name = "OUT", value_hint = ValueHint::FilePath)]
    pub output: PathBuf,

    /// svg, dot or html (default: from OUT's extension)
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,

    /// Draw only the object at this path (`['steps'][1]` or `.steps[1]`)
    #[arg(long, value_name = "EXPR", value_hint = ValueHint::Other)]
    pub path: Option<String>,

    /// Boxes drawn at most; the rest is summarised
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = positive)]
    pub max_nodes: usize,

    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Args, Debug)]
pub struct DisArgs {
    /// The pickles (`-` for standard input)
    #[arg(value_name = "FILE", default_value = "-", value_hint = ValueHint::FilePath)]
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
    /// The pickle, .npy or .npz file (`-` for standard input)
    #[arg(value_name = "FILE", default_value = "-", value_hint = ValueHint::FilePath)]
    pub file: PathBuf,

    /// Plain JSON for other tools (not reversible; mapping in the help)
    #[arg(long)]
    pub plain: bool,

    /// Indent the JSON (two spaces)
    #[arg(long)]
    pub pretty: bool,

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
    /// Compress the output: gz/gzip, bz2, xz, lzma, zst/zstd, lz4, zlib, or
    /// none (default: from OUT's extension, as pandas' to_pickle)
    #[arg(long, value_name = "FORMAT", value_parser = parse_compress)]
    pub compress: Option<Compress>,
}

/// `--compress`: a format, or `none`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compress {
    /// Plain output, whatever the name says.
    None,
    /// This format.
    Format(Format),
}

/// A number of at least 1 (`--width 0` is refused).
fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_compress(s: &str) -> Result<Compress, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(Compress::None);
    }
    s.parse().map(Compress::Format)
}

impl WriteArgs {
    /// The compression for `out`: --compress, else the extension.
    pub fn format_for(&self, out: &std::path::Path) -> Option<Format> {
        match self.compress {
            Some(Compress::None) => None,
            Some(Compress::Format(f)) => Some(f),
            None if out.as_os_str() == "-" => None,
            None => Format::from_path(out),
        }
    }
}

#[derive(Args, Debug)]
pub struct FromJsonArgs {
    /// The JSON (`-` for standard input)
    #[arg(value_name = "FILE", value_hint = ValueHint::FilePath)]
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

/// The `IN OUT` arguments of the commands that rewrite a pickle file.
#[derive(Args, Debug)]
pub struct InOutArgs {
    /// The pickle to read (`-` for standard input)
    #[arg(value_name = "IN", value_hint = ValueHint::FilePath)]
    pub input: PathBuf,

    /// Where to write (`-` for standard output)
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub io: InOutArgs,

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
    #[command(flatten)]
    pub io: InOutArgs,

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

#[derive(Args, Debug)]
pub struct ManArgs {
    /// A command whose page to print (default: brine's own page)
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files or directories to scan (`-` for standard input)
    #[arg(value_name = "PATH", required = true, value_hint = ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,

    /// A policy file with `allow`/`deny` lists of dotted names
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub policy: Option<PathBuf>,

    /// When to colour the text output
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Files scanned at once (default: the number of CPUs)
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// List only files that are not safe (text output)
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Also list informational findings (persistent ids, zip anomalies)
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Most bytes decompressed per file, all layers together
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 30)]
    pub max_decompressed: u64,

    /// Count files that are not pickles (images, text) as failures (exit 1)
    #[arg(long)]
    pub strict: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanFormat {
    /// Human-readable, coloured on a terminal
    Text,
    /// One JSON document: {"files": [...], "summary": {...}}
    Json,
    /// SARIF 2.1.0 (for code-scanning dashboards)
    Sarif,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The checkpoint (.pt/.pth/.bin of any torch format), pickle, .npy or .npz
    #[arg(value_name = "IN", value_hint = ValueHint::FilePath)]
    pub input: PathBuf,

    /// The output file (.safetensors or .npy)
    #[arg(value_name = "OUT", value_hint = ValueHint::FilePath)]
    pub output: PathBuf,

    /// Export only the tensor (or numpy array) at this path (without it, a
    /// file with several arrays lists them)
    #[arg(long, value_name = "EXPR", value_hint = ValueHint::Other)]
    pub path: Option<String>,

    /// Output format (default: from OUT's extension)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ExportFormat>,

    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A safetensors file
    Safetensors,
    /// A numpy .npy file (one tensor)
    Npy,
    /// CSV of a pandas DataFrame or Series (as `df.to_csv()`)
    Csv,
    /// Parquet of a pandas DataFrame (with pandas' schema metadata)
    Parquet,
    /// Arrow IPC file / Feather v2 of a pandas DataFrame
    #[value(alias = "feather")]
    Arrow,
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

impl ColorChoice {
    /// Whether to colour output going to standard output (the one place
    /// `auto` is resolved).
    pub fn resolve(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

// ---------------------------------------------------------------------------
// brine shelve

#[derive(Args, Debug)]
pub struct ShelveArgs {
    #[command(subcommand)]
    pub command: ShelveCommand,
}

/// Options shared by the shelve commands.
#[derive(Args, Debug, Clone)]
pub struct ShelfArgs {
    /// The sqlitedict table (default: `unnamed`, or the only table)
    #[arg(long, value_name = "NAME", global = true)]
    pub table: Option<String>,

    /// shelve's keyencoding: the codec of the keys in a dbm database
    /// (utf-8, latin-1 or ascii)
    #[arg(long, value_name = "CODEC", default_value = "utf-8", global = true, value_parser = parse_keyencoding)]
    pub keyencoding: KeyEncoding,
}

fn parse_keyencoding(s: &str) -> Result<KeyEncoding, String> {
    KeyEncoding::from_name(s)
        .ok_or_else(|| format!("unsupported key encoding {s:?} (utf-8, latin-1 or ascii)"))
}

/// How `brine shelve show|get` print a value in the pretty view.
#[derive(Args, Debug, Clone)]
pub struct PrettyArgs {
    /// When to colour the pretty view
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Line width of the pretty view
    #[arg(long, value_name = "N")]
    pub width: Option<usize>,
}

/// How `brine shelve show|get` open the shelf, read the pickle and print
/// it.
#[derive(Args, Debug)]
pub struct ShelfValueArgs {
    #[command(flatten)]
    pub view: PrettyArgs,
    #[command(flatten)]
    pub shelf: ShelfArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Subcommand, Debug)]
pub enum ShelveCommand {
    /// Print the whole shelf like dict(shelve.open(DB)) (as `brine show
    /// DB`, with --table for sqlitedict)
    Show {
        /// The shelf
        #[arg(value_name = "DB")]
        db: PathBuf,
        /// Print exactly what Python's repr() prints
        #[arg(long)]
        repr: bool,
        #[command(flatten)]
        value: ShelfValueArgs,
    },
    /// List the keys (one per line, in Python's iteration order)
    Ls {
        /// The shelf
        #[arg(value_name = "DB")]
        db: PathBuf,
        /// Print each key as Python's repr
        #[arg(long)]
        repr: bool,
        /// Also print each value's size in bytes and its pickle protocol
        #[arg(short, long)]
        long: bool,
        #[command(flatten)]
        shelf: ShelfArgs,
    },
    /// Print one value (pretty, or --repr, or the stored pickle with --raw)
    Get {
        /// The key
        #[arg(value_name = "KEY")]
        key: String,
        /// The shelf
        #[arg(value_name = "DB")]
        db: PathBuf,
        /// Print exactly what Python's repr() prints
        #[arg(long)]
        repr: bool,
        /// Write the stored pickle bytes instead (to -o FILE or standard
        /// output)
        #[arg(long)]
        raw: bool,
        /// With --raw: where to write (`-` for standard output)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        value: ShelfValueArgs,
    },
    /// Store the object of a pickle file under KEY (`shelf[KEY] = value`)
    Put {
        /// The key
        #[arg(value_name = "KEY")]
        key: String,
        /// A pickle (`-` for standard input; compressed input is fine)
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The shelf (created if missing, see --format)
        #[arg(value_name = "DB")]
        db: PathBuf,
        /// Protocol to pickle the value with (default: the shelf's, as
        /// Python would write it)
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=5))]
        protocol: Option<u8>,
        /// Store FILE's bytes as they are (they must still be a pickle)
        #[arg(long)]
        raw: bool,
        /// The format of a new shelf (default: dbm.sqlite3, as Python
        /// 3.13's shelve.open; sqlitedict when --table is given)
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<NewFormat>,
        #[command(flatten)]
        shelf: ShelfArgs,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Delete KEY (`del shelf[KEY]`)
    Del {
        /// The key
        #[arg(value_name = "KEY")]
        key: String,
        /// The shelf
        #[arg(value_name = "DB")]
        db: PathBuf,
        #[command(flatten)]
        shelf: ShelfArgs,
    },
    /// Write the shelf as JSON: lossless (each value in brinery's lossless
    /// JSON) or --plain
    Export {
        /// The shelf
        #[arg(value_name = "DB")]
        db: PathBuf,
        /// Where to write (`-` for standard output)
        #[arg(value_name = "OUT")]
        out: PathBuf,
        /// Plain JSON: one object of key to plain value (not reversible)
        #[arg(long)]
        plain: bool,
        /// Leave out entries that cannot be read (each is reported; exit
        /// status 1) instead of writing nothing
        #[arg(long)]
        skip_errors: bool,
        #[command(flatten)]
        shelf: ShelfArgs,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// List the tables of a sqlitedict (or any SQLite) file
    Tables {
        /// The SQLite file
        #[arg(value_name = "DB")]
        db: PathBuf,
    },
}

/// Formats `put` can create.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewFormat {
    /// dbm.sqlite3 (Python 3.13's default)
    Sqlite3,
    /// dbm.dumb (NAME.dat, NAME.dir, NAME.bak)
    Dumb,
    /// a sqlitedict file (table from --table, default `unnamed`)
    Sqlitedict,
}

// ---------------------------------------------------------------------------
// brine predict

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum PredictMethod {
    #[value(name = "predict")]
    Predict,
    #[value(name = "predict_proba")]
    PredictProba,
    #[value(name = "decision_function")]
    DecisionFunction,
    #[value(name = "transform")]
    Transform,
}

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// The fitted estimator (.pkl, .joblib, compressed or not)
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,

    /// The samples (.npy or .csv with a header row)
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// Where to write the result (.npy or .csv; `-` for CSV on stdout)
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: PathBuf,

    /// The estimator method to run
    #[arg(long, value_enum, default_value = "predict")]
    pub method: PredictMethod,
}
