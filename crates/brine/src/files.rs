//! Opening inputs (`-` is standard input; compression is recognised and
//! undone on the fly) and outputs (`-` is standard output; files are written
//! beside the target and renamed into place when complete), with a progress
//! bar on stderr for big inputs when stderr is a terminal.

use std::fs::{self, File};
use std::io::{self, BufWriter, Cursor, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::{CliError, SourceError, EXIT_IO, EXIT_USAGE};
use brinery_compress::{self as compress, Encoder, Format};

/// Inputs at least this big get a progress bar (on a terminal).
pub const PROGRESS_THRESHOLD: u64 = 8 << 20;

/// Whether progress bars may be drawn at all.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub enabled: bool,
}

impl Progress {
    pub fn new(disabled_by_flag: bool) -> Self {
        Progress {
            enabled: !disabled_by_flag && io::stderr().is_terminal(),
        }
    }

    fn bar(self, total: Option<u64>, message: String) -> Option<ProgressBar> {
        let total = total.filter(|&n| n >= PROGRESS_THRESHOLD)?;
        if !self.enabled {
            return None;
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(200));
        Some(bar)
    }

    /// A bar for writing the output of a big input: it counts the bytes
    /// written before compression against `total` (the decompressed
    /// input's size, which a re-encoded pickle is close to), with a
    /// percentage and an ETA.
    pub fn writer_bar(self, input_was_big: bool, total: u64, output: &Path) -> Option<ProgressBar> {
        if !self.enabled || !input_was_big {
            return None;
        }
        let bar = ProgressBar::with_draw_target(Some(total.max(1)), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{msg} [{bar:30}] {percent}% {bytes}/~{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        let name = if is_std(output) {
            "<stdout>".to_string()
        } else {
            output.display().to_string()
        };
        bar.set_message(format!("writing {name}"));
        bar.enable_steady_tick(Duration::from_millis(200));
        Some(bar)
    }

    /// A spinner with elapsed time for a step that reports no progress of
    /// its own (decoding a big pickle), shown when the input was big.
    pub fn spinner(self, input_was_big: bool, message: String) -> Option<ProgressBar> {
        if !self.enabled || !input_was_big {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(200));
        Some(bar)
    }
}

/// Refuse a directory (or a path that cannot be opened) up front, naming
/// it, before any format is tried.
pub fn check_readable(path: &Path) -> Result<(), CliError> {
    let name = display_name(path);
    let meta = fs::metadata(path).map_err(|e| CliError::io(&name, &SourceError::wrap(e)))?;
    if meta.is_dir() {
        return Err(CliError::new(EXIT_IO, format!("{name}: is a directory")));
    }
    Ok(())
}

/// If `reader` starts with an `.npy` header, skip it (its object array's
/// pickle follows); anything else is handed back unchanged.
pub fn skip_npy_header(mut reader: Box<dyn Read + Send>) -> Result<Box<dyn Read + Send>, CliError> {
    let mut head = Vec::with_capacity(12);
    (&mut reader)
        .take(12)
        .read_to_end(&mut head)
        .map_err(|e| CliError::io("", &e))?;
    if !head.starts_with(b"\x93NUMPY") || head.len() < 10 {
        return Ok(Box::new(Cursor::new(head).chain(reader)));
    }
    let hlen = if head[6] == 1 {
        u16::from_le_bytes([head[8], head[9]]) as u64 + 10
    } else {
        u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as u64 + 12
    };
    if hlen > brinery_numpy::MAX_NPY_HEADER as u64 + 12 {
        return Err(CliError::data(".npy header too long"));
    }
    let mut header = head;
    (&mut reader)
        .take(hlen.saturating_sub(header.len() as u64))
        .read_to_end(&mut header)
        .map_err(|e| CliError::io("", &e))?;
    let h = brinery_numpy::read_npy_header(&header)
        .map_err(|e| CliError::data(format!("bad .npy header: {}", e.message())))?;
    if !h.dtype.has_object() {
        return Err(CliError::data(format!(
            "an .npy file of {} holds no pickle, nothing to disassemble (`brine show` shows the array)",
            h.dtype.name()
        )));
    }
    let rest = header.split_off(h.data_offset.min(header.len()));
    Ok(Box::new(Cursor::new(rest).chain(reader)))
}

/// An opened input: the decompressed byte stream and where it came from.
pub struct Input {
    /// The name for messages: the path as given, or `<stdin>` (the name
    /// Python gives standard input, used by `dis`'s preamble).
    pub name: String,
    /// What the input was compressed with, if anything.
    pub format: Option<Format>,
    /// The size of the file as stored (compressed), when known.
    pub size: Option<u64>,
    reader: Box<dyn Read + Send>,
    bar: Option<ProgressBar>,
    file: Option<File>,
}

/// Inputs at least this big are mapped by [`Input::read_mapped`].
const MAP_THRESHOLD: u64 = 1 << 20;

/// The bytes of an input: read into memory, or mapped.
pub enum Data {
    Owned(Vec<u8>),
    Mapped(brinery_mmap::Mmap),
}

impl std::ops::Deref for Data {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Data::Owned(v) => v,
            Data::Mapped(m) => m,
        }
    }
}

/// The name `-` stands for standard input/output.
pub fn is_std(path: &Path) -> bool {
    path.as_os_str() == "-"
}

pub fn display_name(path: &Path) -> String {
    if is_std(path) {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// A raw source that counts bytes for the progress bar and marks its own
/// errors as I/O errors (so corrupt compressed data is told apart).
struct Source<R> {
    inner: R,
    bar: Option<ProgressBar>,
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf).map_err(SourceError::wrap)?;
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
        Ok(n)
    }
}

/// A file opened but not yet examined, so that all of `dis`'s inputs can
/// be opened before anything is printed (as `python -m pickletools` does).
pub struct Opened {
    name: String,
    size: Option<u64>,
    reader: Box<dyn Read + Send>,
    /// The file again, for mapping it instead of reading (regular files).
    file: Option<File>,
}

pub fn open_raw(path: &Path) -> Result<Opened, CliError> {
    let name = display_name(path);
    if is_std(path) {
        if io::stdin().is_terminal() {
            return Err(CliError::new(
                EXIT_USAGE,
                "no input: give a FILE, or pipe a pickle into brine (see --help)",
            ));
        }
        return Ok(Opened {
            name,
            size: None,
            reader: Box::new(io::stdin()),
            file: None,
        });
    }
    let file = File::open(path).map_err(|e| CliError::io(&name, &SourceError::wrap(e)))?;
    let meta = file
        .metadata()
        .map_err(|e| CliError::io(&name, &SourceError::wrap(e)))?;
    if meta.is_dir() {
        return Err(CliError::new(EXIT_IO, format!("{name}: is a directory")));
    }
    let size = meta.is_file().then_some(meta.len());
    let again = if meta.is_file() {
        file.try_clone().ok()
    } else {
        None
    };
    Ok(Opened {
        name,
        size,
        reader: Box::new(file),
        file: again,
    })
}

impl Opened {
    /// Look at the first bytes and put a decompressor in front if they are
    /// a compression magic.
    pub fn examine(self, progress: Progress) -> Result<Input, CliError> {
        let bar = progress.bar(self.size, format!("reading {}", self.name));
        let mut src = Source {
            inner: self.reader,
            bar: bar.clone(),
        };
        let mut head = Vec::with_capacity(compress::MAGIC_LEN);
        (&mut src)
            .take(compress::MAGIC_LEN as u64)
            .read_to_end(&mut head)
            .map_err(|e| CliError::io(&self.name, &e))?;
        let format = compress::detect(&head);
        let raw: Box<dyn Read + Send> = Box::new(Cursor::new(head).chain(src));
        let reader = match format {
            None => raw,
            Some(f) => compress::decoder(f, raw).map_err(|e| CliError::io(&self.name, &e))?,
        };
        Ok(Input {
            name: self.name,
            format,
            size: self.size,
            reader,
            bar,
            file: self.file,
        })
    }
}

/// Open an input and recognise its compression.
pub fn open_input(path: &Path, progress: Progress) -> Result<Input, CliError> {
    open_raw(path)?.examine(progress)
}

impl Input {
    /// Read the whole (decompressed) input.
    pub fn read_all(mut self) -> Result<(String, Vec<u8>), CliError> {
        let mut data = Vec::new();
        if let Some(n) = self.size.filter(|_| self.format.is_none()) {
            data.reserve_exact(usize::try_from(n).unwrap_or(0));
        }
        let res = self.reader.read_to_end(&mut data);
        self.finish_bar();
        res.map_err(|e| CliError::io(&self.name, &e))?;
        Ok((self.name, data))
    }

    /// Read the whole (decompressed) input, mapping a big uncompressed
    /// regular file into memory instead of copying it (no zeroed buffer,
    /// no copy out of the page cache).
    pub fn read_mapped(mut self) -> Result<(String, Data), CliError> {
        let big = self.size.is_some_and(|n| n >= MAP_THRESHOLD);
        if let (true, None, Some(file)) = (big, self.format, self.file.take()) {
            if let Ok(map) = brinery_mmap::map_populated(&file) {
                self.finish_bar();
                return Ok((self.name, Data::Mapped(map)));
            }
        }
        let (name, data) = self.read_all()?;
        Ok((name, Data::Owned(data)))
    }

    /// Whether the input is big enough to deserve progress reporting.
    pub fn is_big(&self) -> bool {
        self.size.is_some_and(|n| n >= PROGRESS_THRESHOLD)
    }

    /// The stream, for commands that read incrementally. The progress bar
    /// (if any) advances as it is read; call [`finish_progress`] after.
    pub fn into_reader(self) -> (String, Box<dyn Read + Send>, Option<ProgressBar>) {
        (self.name, self.reader, self.bar)
    }

    fn finish_bar(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

pub fn finish_progress(bar: Option<ProgressBar>) {
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}

enum Sink {
    Stdout(io::Stdout),
    File(File),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::File(w) => w.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.write_all(buf),
            Sink::File(w) => w.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::File(w) => w.flush(),
        }
    }
}

/// Counts bytes written for the spinner.
struct Counted<W> {
    inner: W,
    bar: Option<ProgressBar>,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// An output being written. Regular files are written to a temporary file
/// in the same folder and renamed over the target by [`Output::commit`], so
/// a failed command never leaves half a file (and `IN` may equal `OUT`).
pub struct Output {
    name: String,
    writer: Option<Counted<Encoder<BufWriter<Sink>>>>,
    temp: Option<PathBuf>,
    target: PathBuf,
    bar: Option<ProgressBar>,
}

impl Output {
    /// Open `path` (`-` for standard output), compressing with `format`.
    /// `binary` outputs are refused on a terminal.
    pub fn create(
        path: &Path,
        binary: bool,
        format: Option<Format>,
        bar: Option<ProgressBar>,
    ) -> Result<Self, CliError> {
        let (name, sink, temp, target) = if is_std(path) {
            if binary && io::stdout().is_terminal() {
                return Err(CliError::new(
                    EXIT_USAGE,
                    "refusing to write a binary pickle to a terminal: redirect standard output or give OUT",
                ));
            }
            (
                "<stdout>".to_string(),
                Sink::Stdout(io::stdout()),
                None,
                path.to_path_buf(),
            )
        } else {
            let name = path.display().to_string();
            // Replace regular files (or create new ones) atomically; write
            // straight into anything else (/dev/null, a FIFO, ...).
            let target = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            let special = fs::metadata(&target).is_ok_and(|m| !m.is_file());
            if special {
                let f = fs::OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(&target)
                    .map_err(|e| CliError::io(&name, &e))?;
                (name, Sink::File(f), None, target)
            } else {
                let temp = temp_path(&target);
                let f = File::create(&temp).map_err(|e| CliError::io(&name, &e))?;
                if let Ok(meta) = fs::metadata(&target) {
                    // Keep the permissions of the file being replaced.
                    let _ = fs::set_permissions(&temp, meta.permissions());
                }
                (name, Sink::File(f), Some(temp), target)
            }
        };
        let encoder = Encoder::new(format, BufWriter::with_capacity(1 << 16, sink))
            .map_err(|e| CliError::io(&name, &e))?;
        // Progress counts what is written before compression.
        let writer = Counted {
            inner: encoder,
            bar: bar.clone(),
        };
        Ok(Output {
            name,
            writer: Some(writer),
            temp,
            target,
            bar,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Finish compression, flush, and move the file into place.
    pub fn commit(mut self) -> Result<(), CliError> {
        let res = self.finish();
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        res.map_err(|e| CliError::io(&self.name, &e))?;
        if let Some(temp) = self.temp.take() {
            if let Err(e) = fs::rename(&temp, &self.target) {
                let _ = fs::remove_file(&temp);
                return Err(CliError::io(&self.name, &e));
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        if let Some(w) = self.writer.take() {
            let buf = w.inner.finish()?;
            let mut sink = buf.into_inner().map_err(|e| e.into_error())?;
            sink.flush()?;
            if let Sink::File(f) = &sink {
                if self.temp.is_some() {
                    f.sync_all()?;
                }
            }
        }
        Ok(())
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.writer {
            Some(w) => w.write(buf),
            None => Err(io::Error::other("output already closed")),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.writer {
            Some(w) => w.write_all(buf),
            None => Err(io::Error::other("output already closed")),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.writer {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        // Not committed: throw the partial file away.
        if let Some(temp) = self.temp.take() {
            self.writer.take();
            let _ = fs::remove_file(temp);
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// The one temporary-file name of brine: `.NAME.brine-PID.tmp` beside the
/// target, renamed over it when complete.
pub fn temp_path(target: &Path) -> PathBuf {
    let file = target
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string());
    target.with_file_name(format!(".{file}.brine-{}.tmp", std::process::id()))
}
