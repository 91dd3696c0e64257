//! `brine show` on PyTorch checkpoints: a table of tensors (recognised by
//! content, not by file name).

use std::io::{self, BufWriter, Write};
use std::path::Path;

use brinery_torch::{Checkpoint, Format};

use crate::error::CliError;
use crate::files;

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Zip => "PyTorch zip checkpoint",
        Format::TorchScript => "TorchScript archive",
        Format::Legacy => "PyTorch legacy checkpoint",
        Format::Tar => "PyTorch pre-1.0 tar checkpoint",
        _ => "pickle with tensors",
    }
}

/// Human-readable size (`1.5 KiB`).
pub fn human(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Show `path` as a tensor table if it is a PyTorch checkpoint; `false`
/// (nothing printed) if it is not one, or is standard input.
pub fn try_show(path: &Path) -> Result<bool, CliError> {
    if files::is_std(path) {
        return Ok(false);
    }
    let name = files::display_name(path);
    let format = brinery_torch::detect_file(path).map_err(|e| CliError::io(&name, &e))?;
    if format.is_none() {
        return Ok(false);
    }
    let ck = Checkpoint::open(path).map_err(|e| CliError::data(format!("{name}: {e}")))?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    write_table(&mut out, &name, &ck).map_err(|e| CliError::io("<stdout>", &e))?;
    out.flush().map_err(|e| CliError::io("<stdout>", &e))?;
    Ok(true)
}

/// The table: a title line, one row per tensor, then the non-tensor
/// values and anything that was skipped.
pub fn write_table(out: &mut impl Write, name: &str, ck: &Checkpoint<'_>) -> io::Result<()> {
    let rows: Vec<[String; 4]> = ck
        .tensors()
        .iter()
        .map(|(n, t)| {
            let shape = format!(
                "[{}]",
                t.shape
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let bytes = t.nbytes().map_or("?".to_string(), |b| b.to_string());
            let n = if n.is_empty() { "<root>" } else { n.as_str() };
            [n.to_string(), t.dtype.name().to_string(), shape, bytes]
        })
        .collect();
    let total: u64 = ck.tensors().iter().filter_map(|(_, t)| t.nbytes()).sum();
    writeln!(
        out,
        "{name}: {}, {} tensor{}, {} of tensor data{}",
        format_name(ck.format()),
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        human(total),
        if ck.byte_order() == brinery_torch::ByteOrder::Big {
            " (big-endian)"
        } else {
            ""
        }
    )?;
    if !rows.is_empty() {
        let head = ["NAME", "DTYPE", "SHAPE", "BYTES"];
        let mut w = head.map(str::len);
        for r in &rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let line = |out: &mut dyn Write, r: [&str; 4]| {
            writeln!(
                out,
                "{:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}",
                r[0],
                r[1],
                r[2],
                r[3],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2],
                w3 = w[3]
            )
        };
        line(out, head)?;
        for r in &rows {
            line(out, [&r[0], &r[1], &r[2], &r[3]])?;
        }
    }
    if !ck.scalars().is_empty() {
        writeln!(out, "values:")?;
        for (n, v) in ck.scalars() {
            writeln!(out, "  {n} = {}", v.to_json())?;
        }
    }
    for note in ck.notes() {
        writeln!(out, "note: {note}")?;
    }
    Ok(())
}
