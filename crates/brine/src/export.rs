//! `brine export`: tensors of a PyTorch checkpoint (or numpy arrays of a
//! pickle) to `.safetensors` or `.npy`.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use brinery_torch::{Checkpoint, ExportOptions};

use crate::error::{CliError, EXIT_USAGE};
use crate::files::{self, Output, Progress};

pub const EXPORT_AFTER_HELP: &str = "\
PyTorch checkpoints of every format are read (zip, legacy, pre-1.0 tar,
TorchScript, plain pickles of tensors), by content, memory-mapped, without
running anything. Tensors are named by their dotted path in the file
(`model.fc1.weight`, `optimizer.state.0.exp_avg`); `brine show FILE` lists
them.

.safetensors: every tensor (or the one given by --path); non-tensor values
(epoch, learning rates, names...) go to the metadata as JSON strings under
their dotted paths. safetensors has no complex type: complex64/complex128
are written as float32/float64 with a trailing dimension of 2 (real,
imaginary), listed in the metadata entry `brinery.complex`.

.npy: one tensor (--path, or the file's only tensor). For a pickle or
joblib file holding numpy arrays, --path picks the array (paths as `brine show` of the
pickle would reach it: `['weights'][0]`, or dotted `weights.0`).

EXAMPLES:
    brine export model.pt model.safetensors
    brine export model.pt w.npy --path fc1.weight
    brine export ckpt.pth model.safetensors --path model.fc1.weight
    brine export arrays.pkl x.npy --path \"['x']\"";

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The checkpoint (.pt/.pth/.bin of any torch format) or pickle
    #[arg(value_name = "IN")]
    pub input: PathBuf,

    /// The output file (.safetensors or .npy)
    #[arg(value_name = "OUT")]
    pub output: PathBuf,

    /// Export only the tensor (or numpy array) at this path
    #[arg(long, value_name = "EXPR")]
    pub path: Option<String>,

    /// Output format (default: from OUT's extension)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ExportFormat>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A safetensors file
    Safetensors,
    /// A numpy .npy file (one tensor)
    Npy,
}

pub fn run(a: ExportArgs, progress: Progress) -> Result<(), CliError> {
    if a.format.is_none() && crate::sklearn::is_json(&a.output) {
        return crate::sklearn::export_json(&a.input, &a.output, progress);
    }
    let format = match a.format {
        Some(f) => f,
        None => match a.output.extension().and_then(|e| e.to_str()) {
            Some("safetensors") => ExportFormat::Safetensors,
            Some("npy") => ExportFormat::Npy,
            _ => {
                return Err(CliError::new(
                    EXIT_USAGE,
                    format!(
                        "cannot tell the format from '{}': name it .safetensors or .npy, or \
                         give --format",
                        a.output.display()
                    ),
                ))
            }
        },
    };
    let name = files::display_name(&a.input);
    // Regular files are memory-mapped; standard input and compressed
    // files are read into memory.
    let owned;
    let ck = if files::is_std(&a.input) || is_compressed(&a.input) {
        let (_, data) = files::open_input(&a.input, progress)?.read_all()?;
        owned = data;
        Checkpoint::from_bytes(&owned)
    } else {
        Checkpoint::open(&a.input)
    };
    let ck = match ck {
        Ok(ck) if !ck.tensors().is_empty() => ck,
        other => {
            // Not a checkpoint with tensors: maybe a pickle of numpy arrays.
            if format == ExportFormat::Npy {
                return numpy_to_npy(&a, progress);
            }
            return Err(match other {
                Ok(_) => CliError::data(format!(
                    "{name}: no PyTorch tensors found (numpy arrays in a pickle can be exported \
                     to .npy with --path)"
                )),
                Err(e) => CliError::data(format!("{name}: {e}")),
            });
        }
    };
    match format {
        ExportFormat::Safetensors => {
            if files::is_std(&a.output) {
                return Err(CliError::new(
                    EXIT_USAGE,
                    "safetensors output must be a file, not standard output",
                ));
            }
            let mut opts = ExportOptions::new();
            if let Some(p) = &a.path {
                opts = opts.only(p.clone());
            }
            let out_name = a.output.display().to_string();
            let temp = temp_path(&a.output);
            let res = brinery_torch::export_safetensors(&ck, &temp, &opts);
            match res {
                Ok(_) => std::fs::rename(&temp, &a.output).map_err(|e| {
                    let _ = std::fs::remove_file(&temp);
                    CliError::io(&out_name, &e)
                }),
                Err(e) => {
                    let _ = std::fs::remove_file(&temp);
                    match e.kind() {
                        brinery::ErrorKind::Io => Err(CliError::new(
                            crate::error::EXIT_IO,
                            format!("{out_name}: {}", e.message()),
                        )),
                        _ => Err(CliError::data(format!("{name}: {e}"))),
                    }
                }
            }
        }
        ExportFormat::Npy => {
            let idx = match &a.path {
                Some(p) => ck
                    .tensors()
                    .iter()
                    .position(|(n, _)| n == p)
                    .ok_or_else(|| CliError::data(format!("{name}: no tensor named '{p}'")))?,
                None if ck.tensors().len() == 1 => 0,
                None => {
                    return Err(CliError::new(
                        EXIT_USAGE,
                        format!(
                            "{name} holds {} tensors: pick one with --path (see `brine show \
                             {name}`)",
                            ck.tensors().len()
                        ),
                    ))
                }
            };
            let (tname, info) = &ck.tensors()[idx];
            let descr = info.dtype.numpy_descr().ok_or_else(|| {
                CliError::data(format!(
                    "tensor '{tname}' is {}, which numpy has no type for: export to \
                     .safetensors instead",
                    info.dtype
                ))
            })?;
            let bytes = ck
                .tensor_bytes_at(idx)
                .map_err(|e| CliError::data(format!("{name}: {e}")))?;
            let shape = info
                .shape
                .iter()
                .map(|&d| usize::try_from(d))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| CliError::data("tensor too large"))?;
            write_npy(&a.output, descr, &shape, &bytes)
        }
    }
}

fn write_npy(path: &Path, descr: &str, shape: &[usize], bytes: &[u8]) -> Result<(), CliError> {
    let mut out = Output::create(path, true, None, None)?;
    let name = out.name().to_string();
    brinery_numpy::write_npy_raw(&mut out, descr, false, shape, bytes)
        .and_then(|_| out.flush())
        .map_err(|e| CliError::io(&name, &e))?;
    out.commit()
}

/// A pickle or joblib file (plain or compressed) holding numpy arrays: the
/// one at --path.
fn numpy_to_npy(a: &ExportArgs, progress: Progress) -> Result<(), CliError> {
    let (name, data) = files::open_input(&a.input, progress)?.read_all()?;
    // joblib files: arrays follow their wrapper's BUILD.
    let graph = brinery::Unpickler::new()
        .keep_persistent_ids()
        .on_build(brinery_numpy::joblib_build_hook())
        .load_slice(&data)
        .map_err(|e| CliError::pickle(&name, &e, 0))?;
    let arrays = brinery_numpy::find_arrays(&graph);
    if arrays.is_empty() {
        return Err(CliError::data(format!(
            "{name}: neither a PyTorch checkpoint nor a pickle holding numpy arrays"
        )));
    }
    let id = match &a.path {
        Some(p) => arrays
            .iter()
            .find(|(path, _)| path == p || dotted(path) == *p)
            .map(|(_, id)| *id)
            .ok_or_else(|| {
                let known: Vec<&str> = arrays.iter().take(10).map(|(p, _)| p.as_str()).collect();
                CliError::data(format!(
                    "{name}: no array at '{p}' (arrays: {})",
                    known.join(", ")
                ))
            })?,
        None if arrays.len() == 1 => arrays[0].1,
        None => {
            return Err(CliError::new(
                EXIT_USAGE,
                format!("{name} holds {} arrays: pick one with --path", arrays.len()),
            ))
        }
    };
    let arr = brinery_numpy::Array::from_node(graph.view(id))
        .map_err(|e| CliError::data(format!("{name}: {e}")))?
        .ok_or_else(|| CliError::data(format!("{name}: not an array")))?;
    let bytes: Cow<'_, [u8]> = arr.to_c_bytes().ok_or_else(|| {
        CliError::data(format!(
            "{name}: object arrays cannot be written to .npy without pickling"
        ))
    })?;
    let d = arr.dtype();
    let descr = if d.is_simple() {
        d.str()
    } else {
        d.descr_literal()
    };
    write_npy(&a.output, &descr, arr.shape(), &bytes)
}

/// `['a'][0].b` → `a.0.b`.
fn dotted(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while !rest.is_empty() {
        let seg;
        if let Some(r) = rest.strip_prefix("['") {
            let end = r.find("']").unwrap_or(r.len());
            seg = &r[..end];
            rest = r.get(end + 2..).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            seg = &r[..end];
            rest = r.get(end + 1..).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            seg = &r[..end];
            rest = &r[end..];
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            seg = &rest[..end];
            rest = &rest[end..];
        }
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(seg);
    }
    out
}

fn is_compressed(path: &Path) -> bool {
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    brinery_compress::detect(&head[..n]).is_some()
}

fn temp_path(target: &Path) -> PathBuf {
    let mut name = target
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".brine-tmp-{}", std::process::id()));
    target.with_file_name(name)
}
