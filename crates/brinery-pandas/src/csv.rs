//! `df.to_csv()` / `series.to_csv()` byte for byte (default options).

use std::io::Write;

use crate::format::{csv_values, pprint};
use crate::model::{Cell, DataFrame, Index, Series};

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

fn row(fields: &[String], out: &mut String) {
    let only = fields.len() == 1;
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(f, only, out);
    }
    out.push('\n');
}

/// The CSV text of each index level's labels.
fn index_columns(ix: &Index) -> Vec<Vec<String>> {
    match ix {
        Index::Multi { levels, codes, .. } => levels
            .iter()
            .zip(codes)
            .map(|(lv, cs)| {
                let vals = csv_values(lv);
                cs.iter()
                    .map(|&c| {
                        if c < 0 {
                            String::new()
                        } else {
                            vals[c as usize].clone()
                        }
                    })
                    .collect()
            })
            .collect(),
        other => vec![csv_values(&other.level_array(0))],
    }
}

fn write_table(columns: &Index, index: &Index, data: Vec<Vec<String>>, out: &mut String) {
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
                row(&r, out);
            }
            if inames.iter().any(|n| !n.is_empty()) {
                let mut r = inames.clone();
                r.extend(std::iter::repeat_n(String::new(), ncols));
                row(&r, out);
            }
        }
        _ => {
            let mut r = inames.clone();
            r.extend((0..ncols).map(|c| str_label(&columns.label(0, c))));
            row(&r, out);
        }
    }
    let icols = index_columns(index);
    let n = index.len();
    let mut r: Vec<String> = Vec::with_capacity(icols.len() + data.len());
    for i in 0..n {
        r.clear();
        for c in &icols {
            r.push(c[i].clone());
        }
        for c in &data {
            r.push(c[i].clone());
        }
        row(&r, out);
    }
}

/// `df.to_csv()` as a string.
pub fn frame_to_csv(df: &DataFrame) -> String {
    let data: Vec<Vec<String>> = df.data.iter().map(csv_values).collect();
    let mut out = String::new();
    write_table(&df.columns, &df.index, data, &mut out);
    out
}

/// `series.to_csv()` as a string (header: the name, or `0`).
pub fn series_to_csv(s: &Series) -> String {
    let name = s.name.clone().unwrap_or(Cell::Int(0));
    let cols = Index::Array {
        values: crate::model::Array::new(
            crate::model::Dtype::Object,
            crate::model::Values::Object(vec![name]),
        ),
        name: None,
        freq: None,
    };
    let mut out = String::new();
    write_table(&cols, &s.index, vec![csv_values(&s.values)], &mut out);
    out
}

/// Write `df.to_csv()` to `w`.
pub fn write_csv<W: Write>(df: &DataFrame, mut w: W) -> std::io::Result<()> {
    w.write_all(frame_to_csv(df).as_bytes())
}
