//! `df.to_csv()` / `series.to_csv()` byte for byte (default options).

use std::io::Write;

use crate::format::{csv_values, pprint};
use crate::model::{Array, Cell, DataFrame, Index, Series};

fn str_label(c: &Cell) -> String {
    match c {
        Cell::Str(s) => s.clone(),
        Cell::None => String::new(),
        Cell::NaN => String::new(),
        other => pprint(other),
    }
}

fn field(s: &str, only: bool, out: &mut String) {
    if s.contains([',', '"', '\n', '\r']) || (only && s.is_empty()) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

fn row<S: AsRef<str>>(fields: &[S], out: &mut String) {
    let only = fields.len() == 1;
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(f.as_ref(), only, out);
    }
    out.push('\n');
}

/// Rows per chunk, as pandas' CSV writer cuts a frame: 100,000 cells.
/// pandas formats each chunk on its own (a datetime column prints dates
/// only in a chunk whose times are all midnight), and so does this.
fn chunk_rows(ncols: usize) -> usize {
    (100_000 / ncols.max(1)).max(1)
}

/// Each index level's CSV text for rows `s..e`; MultiIndex levels are
/// formatted once (`levels`), as pandas formats the whole levels.
fn index_chunk(ix: &Index, levels: &[Vec<String>], s: usize, e: usize) -> Vec<Vec<String>> {
    match ix {
        Index::Multi { codes, .. } => levels
            .iter()
            .zip(codes)
            .map(|(vals, cs)| {
                cs[s..e]
                    .iter()
                    .map(|&c| {
                        usize::try_from(c)
                            .ok()
                            .and_then(|c| vals.get(c).cloned())
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect(),
        Index::Range { start, step, .. } => {
            vec![(s..e)
                .map(|i| (start + step * i as i64).to_string())
                .collect()]
        }
        Index::Array { values, .. } => vec![csv_values(&part(values, s, e))],
    }
}

/// Rows `s..e` of `a` (borrowed when that is all of it).
fn part(a: &Array, s: usize, e: usize) -> std::borrow::Cow<'_, Array> {
    if s == 0 && e == a.len() {
        std::borrow::Cow::Borrowed(a)
    } else {
        let rows: Vec<usize> = (s..e).collect();
        std::borrow::Cow::Owned(crate::repr::take_array(a, &rows))
    }
}

fn write_table<W: Write>(
    columns: &Index,
    index: &Index,
    data: &[&Array],
    w: &mut W,
) -> std::io::Result<()> {
    let mut out = String::new();
    let inames: Vec<String> = index
        .names()
        .iter()
        .map(|n| n.as_ref().map(str_label).unwrap_or_default())
        .collect();
    let ncols = columns.len();
    match columns {
        Index::Multi { .. } => {
            let cnames = columns.names();
            for (l, cname) in cnames.iter().enumerate() {
                let mut r: Vec<String> = Vec::new();
                let first = cname.as_ref().map(str_label).unwrap_or_default();
                r.push(first);
                r.extend(std::iter::repeat_n(String::new(), index.nlevels() - 1));
                r.extend((0..ncols).map(|c| str_label(&columns.label(l, c))));
                row(&r, &mut out);
            }
            if inames.iter().any(|n| !n.is_empty()) {
                let mut r = inames.clone();
                r.extend(std::iter::repeat_n(String::new(), ncols));
                row(&r, &mut out);
            }
        }
        _ => {
            let mut r = inames.clone();
            r.extend((0..ncols).map(|c| str_label(&columns.label(0, c))));
            row(&r, &mut out);
        }
    }
    let levels: Vec<Vec<String>> = match index {
        Index::Multi { levels, .. } => levels.iter().map(csv_values).collect(),
        _ => Vec::new(),
    };
    let n = index.len();
    let chunk = chunk_rows(data.len());
    let mut s = 0;
    while s < n {
        let e = n.min(s + chunk);
        let icols = index_chunk(index, &levels, s, e);
        let dcols: Vec<Vec<String>> = data.iter().map(|a| csv_values(&part(a, s, e))).collect();
        let mut r: Vec<&str> = Vec::with_capacity(icols.len() + dcols.len());
        for i in 0..e - s {
            r.clear();
            r.extend(icols.iter().map(|c| c[i].as_str()));
            r.extend(dcols.iter().map(|c| c[i].as_str()));
            row(&r, &mut out);
        }
        w.write_all(out.as_bytes())?;
        out.clear();
        s = e;
    }
    w.write_all(out.as_bytes())
}

/// `df.to_csv()` as a string.
pub fn frame_to_csv(df: &DataFrame) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and the text is UTF-8 throughout.
    let _ = write_csv(df, &mut out);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `series.to_csv()` as a string (header: the name, or `0`).
pub fn series_to_csv(s: &Series) -> String {
    let mut out = Vec::new();
    let _ = write_series_csv(s, &mut out);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Write `df.to_csv()` to `w`, a chunk of rows at a time.
pub fn write_csv<W: Write>(df: &DataFrame, mut w: W) -> std::io::Result<()> {
    let data: Vec<&Array> = df.data.iter().collect();
    write_table(&df.columns, &df.index, &data, &mut w)
}

/// Write `series.to_csv()` to `w`, a chunk of rows at a time.
pub fn write_series_csv<W: Write>(s: &Series, mut w: W) -> std::io::Result<()> {
    let name = s.name.clone().unwrap_or(Cell::Int(0));
    let one = |c: Cell| {
        Array::new(
            crate::model::Dtype::Object,
            crate::model::Values::Object(vec![c]),
        )
    };
    // pandas writes a Series through `to_frame()`: a tuple name becomes
    // a one-column MultiIndex, one header row per item.
    let cols = match name {
        Cell::Tuple(items) if !items.is_empty() => Index::Multi {
            codes: vec![vec![0]; items.len()],
            names: vec![None; items.len()],
            levels: items.into_iter().map(one).collect(),
        },
        name => Index::Array {
            values: one(name),
            name: None,
            freq: None,
        },
    };
    write_table(&cols, &s.index, &[&s.values], &mut w)
}
