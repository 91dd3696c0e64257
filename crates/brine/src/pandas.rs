//! pandas objects in the CLI: `show` prints them as pandas does, `json
//! --plain` gives records, `export` writes CSV. The logic lives in
//! brinery-pandas; this module only adapts it to the commands.

use std::io::Write;
use std::path::Path;

use brinery::Graph;
use brinery_pandas::{Array, Cell, Pandas, Values};

use crate::cli::ExportFormat;
use crate::error::{CliError, EXIT_USAGE};
use crate::files::{self, Output, Progress};

fn err(name: &str, e: brinery_pandas::Error) -> CliError {
    CliError::data(format!("{name}: {e}"))
}

/// The pandas object at the root of `graph`, if it is one.
fn root(graph: &Graph<'_>) -> Option<Result<Pandas, brinery_pandas::Error>> {
    brinery_pandas::from_node(graph.root()).transpose()
}

/// `repr()` of a DataFrame/Series/Index at node `id` (the root or the
/// node `show --path` picked, e.g. a frame inside a dict).
pub fn show_at(graph: &Graph<'_>, id: brinery::NodeId) -> Option<Result<String, CliError>> {
    let p = brinery_pandas::from_node(graph.view(id)).transpose()?;
    Some(p.map(|p| brinery_pandas::repr(&p)).map_err(|e| err("", e)))
}

fn json_cell(c: &Cell) -> serde_json::Value {
    use serde_json::Value as J;
    match c {
        Cell::None | Cell::NaN | Cell::NA | Cell::NaT => J::Null,
        Cell::Bool(b) => J::Bool(*b),
        Cell::Int(i) => J::from(*i),
        Cell::UInt(u) => J::from(*u),
        Cell::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Cell::Str(s) => J::String(s.clone()),
        Cell::Tuple(items) => J::Array(items.iter().map(json_cell).collect()),
        other => J::String(
            brinery_pandas::label_repr(other)
                .trim_matches('\'')
                .to_string(),
        ),
    }
}

/// Value `r` of a column as JSON: nested Arrow values as what pyarrow's
/// `to_pylist()` gives (lists, dicts, scalars; NaN as null); the rest by
/// cell.
fn json_value(a: &Array, r: usize) -> serde_json::Value {
    match &a.values {
        Values::Arrow(n) if !a.mask.as_ref().is_some_and(|m| m[r]) => {
            serde_json::to_value(n.to_py(r)).unwrap_or(serde_json::Value::Null)
        }
        _ => json_cell(&a.cell(r)),
    }
}

fn key_text(c: &Cell) -> String {
    match c {
        Cell::Str(s) => s.clone(),
        other => brinery_pandas::label_repr(other),
    }
}

/// Plain JSON of a pandas root: a DataFrame as records (one object per
/// row, the index first under its name or `"index"`), a Series as records
/// of index and value, an Index as a list.
pub fn json_plain(graph: &Graph<'_>) -> Option<Result<String, CliError>> {
    let p = match root(graph)? {
        Ok(p) => p,
        Err(e) => return Some(Err(err("", e))),
    };
    use serde_json::{Map, Value as J};
    let index_key = |ix: &brinery_pandas::Index| -> Vec<String> {
        ix.names()
            .iter()
            .enumerate()
            .map(|(l, n)| match n {
                Some(c) => key_text(c),
                None if ix.nlevels() == 1 => "index".to_string(),
                None => format!("level_{l}"),
            })
            .collect()
    };
    let v = match &p {
        Pandas::DataFrame(df) => {
            let ikeys = index_key(&df.index);
            let ckeys: Vec<String> = (0..df.ncols())
                .map(|c| key_text(&df.columns.key(c)))
                .collect();
            J::Array(
                (0..df.nrows())
                    .map(|r| {
                        let mut m = Map::new();
                        for (l, k) in ikeys.iter().enumerate() {
                            m.insert(k.clone(), json_cell(&df.index.label(l, r)));
                        }
                        for (c, k) in ckeys.iter().enumerate() {
                            m.insert(k.clone(), json_value(&df.data[c], r));
                        }
                        J::Object(m)
                    })
                    .collect(),
            )
        }
        Pandas::Series(s) => {
            let ikeys = index_key(&s.index);
            let name = s.name.as_ref().map_or("value".to_string(), key_text);
            J::Array(
                (0..s.values.len())
                    .map(|r| {
                        let mut m = Map::new();
                        for (l, k) in ikeys.iter().enumerate() {
                            m.insert(k.clone(), json_cell(&s.index.label(l, r)));
                        }
                        m.insert(name.clone(), json_value(&s.values, r));
                        J::Object(m)
                    })
                    .collect(),
            )
        }
        Pandas::Index(ix) => J::Array((0..ix.len()).map(|i| json_cell(&ix.key(i))).collect()),
    };
    Some(serde_json::to_string(&v).map_err(|e| CliError::data(e.to_string())))
}

/// A table format `export` writes for a pandas object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// `df.to_csv()`
    Csv,
    /// Parquet with pandas' metadata
    Parquet,
    /// Arrow IPC file (Feather v2)
    Arrow,
}

/// The table format `export` should write: from `--format`, else from
/// OUT's extension (`.csv`, `.parquet`/`.pq`, `.arrow`/`.feather`/`.ipc`);
/// None for the other exports (safetensors, npy).
pub fn table_format(output: &Path, format: Option<ExportFormat>) -> Option<Table> {
    match format {
        Some(ExportFormat::Csv) => return Some(Table::Csv),
        Some(ExportFormat::Parquet) => return Some(Table::Parquet),
        Some(ExportFormat::Arrow) => return Some(Table::Arrow),
        Some(_) => return None,
        None => {}
    }
    match output.extension().and_then(|e| e.to_str()) {
        Some("csv") => Some(Table::Csv),
        Some("parquet" | "pq") => Some(Table::Parquet),
        Some("arrow" | "feather" | "ipc") => Some(Table::Arrow),
        _ => None,
    }
}

/// `['a'][0].b` → `a.0.b`.
fn dotted(path: &str) -> String {
    path.replace("']['", ".")
        .replace("['", ".")
        .replace("']", "")
        .replace('[', ".")
        .replace(']', "")
        .trim_start_matches('.')
        .to_string()
}

/// `brine export IN OUT.csv|.parquet|.arrow [--path EXPR]`: the DataFrame
/// (or Series, for CSV) in IN written as pandas' `to_csv()` writes it, or
/// as Parquet / Arrow IPC that `pd.read_parquet` / `pd.read_feather` read
/// back equal.
pub fn export(
    input: &Path,
    output: &Path,
    path: Option<&str>,
    table: Table,
    progress: Progress,
) -> Result<(), CliError> {
    let (name, data) = files::open_input(input, progress)?.read_mapped()?;
    let graph = brinery::Unpickler::new()
        .keep_persistent_ids()
        .on_build(brinery_numpy::joblib_build_hook())
        .load_slice(&data)
        .map_err(|e| CliError::pickle(&name, &e, 0))?;
    let found = brinery_pandas::find_pandas(&graph);
    let id = match path {
        Some(p) => {
            let want = dotted(p);
            found
                .iter()
                .find(|(fp, _)| fp == p || dotted(fp) == want)
                .map(|(_, id)| *id)
                .ok_or_else(|| {
                    let known: Vec<&str> = found.iter().take(10).map(|(p, _)| p.as_str()).collect();
                    CliError::data(format!(
                        "{name}: no DataFrame at '{p}' (pandas objects at: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ))
                })?
        }
        None => match found.as_slice() {
            [(_, id)] => *id,
            [] => {
                return Err(CliError::data(format!(
                    "{name}: no pandas DataFrame or Series found"
                )))
            }
            more => {
                let known: Vec<&str> = more.iter().take(10).map(|(p, _)| p.as_str()).collect();
                return Err(CliError::new(
                    EXIT_USAGE,
                    format!(
                        "{name} holds {} pandas objects: pick one with --path ({})",
                        more.len(),
                        known.join(", ")
                    ),
                ));
            }
        },
    };
    let p = brinery_pandas::from_node(graph.view(id))
        .map_err(|e| err(&name, e))?
        .ok_or_else(|| CliError::data(format!("{name}: not a pandas object")))?;
    // The typed frame owns its values: the pickle and its graph go before
    // the output is built.
    drop(found);
    drop(graph);
    drop(data);
    let df = match (p, table) {
        (Pandas::DataFrame(df), _) => df,
        (Pandas::Series(s), Table::Csv) => {
            return stream_out(output, |w| brinery_pandas::write_series_csv(&s, w))
        }
        (Pandas::Series(_), _) => {
            return Err(CliError::data(format!(
                "{name}: a Series exports to .csv only (Parquet/Arrow need a DataFrame)"
            )))
        }
        (Pandas::Index(_), _) => {
            return Err(CliError::data(format!(
                "{name}: an Index on its own is not a table"
            )))
        }
    };
    if table == Table::Csv {
        return stream_out(output, |w| brinery_pandas::write_csv(&df, w));
    }
    // Parquet/Arrow stream into the (atomic) output.
    let mut out = Output::create(output, true, None, None)?;
    let out_name = out.name().to_string();
    let written = match table {
        Table::Parquet => brinery_pandas::into_parquet(df, &mut out),
        _ => brinery_pandas::into_ipc(df, &mut out),
    };
    written.map_err(|e| err(&name, e))?;
    out.flush().map_err(|e| CliError::io(&out_name, &e))?;
    out.commit()
}

/// Stream CSV text into `output` (atomic: nothing is left on failure).
fn stream_out(
    output: &Path,
    write: impl FnOnce(&mut Output) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let mut out = Output::create(output, false, None, None)?;
    let out_name = out.name().to_string();
    write(&mut out)
        .and_then(|_| out.flush())
        .map_err(|e| CliError::io(&out_name, &e))?;
    out.commit()
}
