//! `brine export`: tensors of a PyTorch checkpoint (or numpy arrays of a
//! pickle) to `.safetensors` or `.npy`.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use brinery_torch::{Checkpoint, ExportOptions};

use crate::cli::{ExportArgs, ExportFormat};
use crate::error::{CliError, EXIT_USAGE};
use crate::files::{self, temp_path, Output, Progress};

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

.npy: one tensor (--path, or the file's only tensor). For a pickle,
joblib, .npy or .npz file holding numpy arrays, --path picks the array
(the path `brine show` prints for it: `['weights'][0]`, `.weights[0]` or
dotted `weights.0`); without --path a file with several arrays lists them.

EXAMPLES:
    brine export model.pt model.safetensors
    brine export model.pt w.npy --path fc1.weight
    brine export ckpt.pth model.safetensors --path model.fc1.weight
    brine export arrays.pkl x.npy --path \"['x']\"";

pub fn run(a: ExportArgs, progress: Progress) -> Result<(), CliError> {
    if a.format.is_none() && crate::sklearn::is_json(&a.output) {
        return crate::sklearn::export_json(&a.input, &a.output, progress);
    }
    if let Some(table) = crate::pandas::table_format(&a.output, a.format) {
        return crate::pandas::export(&a.input, &a.output, a.path.as_deref(), table, progress);
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
            // The library writes in one call: a spinner with the elapsed
            // time (on a terminal, for big inputs).
            let big = std::fs::metadata(&a.input)
                .is_ok_and(|m| m.len() >= crate::files::PROGRESS_THRESHOLD);
            let spin = progress.spinner(big, format!("writing {out_name}"));
            let res = brinery_torch::export_safetensors(&ck, &temp, &opts);
            crate::files::finish_progress(spin);
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
        ExportFormat::Csv | ExportFormat::Parquet | ExportFormat::Arrow => {
            let table = crate::pandas::table_format(&a.output, Some(format));
            let table = table.unwrap_or(crate::pandas::Table::Csv);
            crate::pandas::export(&a.input, &a.output, a.path.as_deref(), table, progress)
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

/// A pickle, joblib, .npy or .npz file (plain or compressed) holding numpy
/// arrays: the one at --path.
fn numpy_to_npy(a: &ExportArgs, progress: Progress) -> Result<(), CliError> {
    let loaded = crate::input::load(&a.input, &a.read, progress)?;
    let name = loaded.name.clone();
    let doc = loaded.first(&a.read)?;
    let graph = &doc.graph;
    let arrays = brinery_numpy::find_arrays(graph);
    if arrays.is_empty() {
        return Err(CliError::data(format!(
            "{name}: neither a PyTorch checkpoint nor a pickle holding numpy arrays"
        )));
    }
    let id = match &a.path {
        Some(p) => {
            crate::render::at_path(graph, p)
                .map_err(|e| {
                    let known: Vec<&str> =
                        arrays.iter().take(10).map(|(p, _)| p.as_str()).collect();
                    let m = e.message.clone().unwrap_or_default();
                    CliError::new(
                        e.code,
                        format!("{name}: {m} (arrays: {})", known.join(", ")),
                    )
                })?
                .0
        }
        None if arrays.len() == 1 => arrays[0].1,
        None => {
            let mut msg = format!(
                "{name} holds {} arrays: pick one with --path:",
                arrays.len()
            );
            for (path, id) in arrays.iter().take(50) {
                let what = brinery_numpy::Array::from_node(graph.view(*id))
                    .ok()
                    .flatten()
                    .map(|arr| format!("{} {:?}", arr.dtype().name(), arr.shape()))
                    .unwrap_or_default();
                // The canonical form of the path `brine show` prints.
                let shown = match brinery::NodePath::parse(path) {
                    Ok(p) if !p.is_root() => p.to_string(),
                    Ok(_) => "<root>".to_string(),
                    Err(_) => path.clone(),
                };
                msg.push_str(&format!("\n    {shown}  {what}"));
            }
            if arrays.len() > 50 {
                msg.push_str(&format!("\n    ... {} more", arrays.len() - 50));
            }
            return Err(CliError::new(EXIT_USAGE, msg));
        }
    };
    let arr = brinery_numpy::Array::from_node(graph.view(id))
        .map_err(|e| CliError::data(format!("{name}: {e}")))?
        .ok_or_else(|| CliError::data(format!("{name}: the value at that path is not an array")))?;
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

fn is_compressed(path: &Path) -> bool {
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    brinery_compress::detect(&head[..n]).is_some()
}
