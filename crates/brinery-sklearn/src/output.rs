//! Input matrices and method outputs as `.npy` and `.csv`.

use brinery_numpy::{read_npy, write_npy_raw, Kind};

use crate::error::{Error, Result};
use crate::predict::{Method, Output};
use crate::value::Labels;

/// Python's `repr()` of a float (`0.1`, `1e-07`, `nan`).
pub fn float_text(x: f64) -> String {
    brinery::repr::repr_float(x)
}

/// A data file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataFormat {
    /// numpy `.npy`.
    Npy,
    /// CSV with a header row.
    Csv,
}

impl DataFormat {
    /// The format a file name's extension names (`.npy`, `.csv`).
    pub fn from_path(p: &str) -> Option<DataFormat> {
        let l = p.to_ascii_lowercase();
        if l.ends_with(".npy") {
            Some(DataFormat::Npy)
        } else if l.ends_with(".csv") {
            Some(DataFormat::Csv)
        } else {
            None
        }
    }
}

/// A numeric input matrix, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// `rows * cols` values.
    pub values: Vec<f64>,
}

impl Matrix {
    /// As an `ndarray::Array2`.
    pub fn to_ndarray(&self) -> ndarray::Array2<f64> {
        ndarray::Array2::from_shape_vec((self.rows, self.cols), self.values.clone())
            .expect("rows * cols values")
    }
}

/// Read a 2-d numeric matrix from `.npy` bytes (any int/float/bool
/// dtype, shape `(rows, features)`) or CSV (a header row, then numbers;
/// an empty field or `nan` is NaN).
pub fn read_matrix(data: &[u8], format: DataFormat) -> Result<Matrix> {
    match format {
        DataFormat::Npy => {
            let npy = read_npy(data).map_err(|e| Error::data(format!(".npy input: {e}")))?;
            let a = npy
                .array()
                .map_err(|e| Error::data(format!(".npy input: {e}")))?;
            if !matches!(
                a.dtype().kind,
                Kind::Float | Kind::Int | Kind::UInt | Kind::Bool
            ) {
                return Err(Error::data(format!(
                    ".npy input of dtype {} is not numeric",
                    a.dtype().str()
                )));
            }
            let (rows, cols) = match a.shape() {
                [r, c] => (*r, *c),
                s => {
                    return Err(Error::data(format!(
                        ".npy input has shape {s:?}, expected (rows, features)"
                    )))
                }
            };
            let node_free = crate::value::array_f64(&a)?;
            Ok(Matrix {
                rows,
                cols,
                values: node_free,
            })
        }
        DataFormat::Csv => read_csv(data),
    }
}

fn read_csv(data: &[u8]) -> Result<Matrix> {
    let text = std::str::from_utf8(data)
        .map_err(|e| Error::data(format!("CSV input is not UTF-8 (byte {})", e.valid_up_to())))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines
        .next()
        .ok_or_else(|| Error::data("CSV input is empty (a header row is required)"))?;
    let cols = header.split(',').count();
    let mut values = Vec::new();
    let mut rows = 0;
    for (ln, line) in lines {
        let mut n = 0;
        for (c, field) in line.split(',').enumerate() {
            let f = field.trim().trim_matches('"');
            let v = if f.is_empty() || f.eq_ignore_ascii_case("nan") {
                f64::NAN
            } else {
                f.parse::<f64>().map_err(|_| {
                    Error::data(format!(
                        "CSV line {}, column {}: {f:?} is not a number",
                        ln + 1,
                        c + 1
                    ))
                })?
            };
            values.push(v);
            n += 1;
        }
        if n != cols {
            return Err(Error::data(format!(
                "CSV line {}: {n} fields, the header has {cols}",
                ln + 1
            )));
        }
        rows += 1;
    }
    Ok(Matrix { rows, cols, values })
}

fn labels_npy(l: &Labels) -> (String, Vec<u8>) {
    match l {
        Labels::Int(v) => (
            "<i8".into(),
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        ),
        Labels::Float(v) => (
            "<f8".into(),
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        ),
        Labels::Bool(v) => ("|b1".into(), v.iter().map(|&b| b as u8).collect()),
        Labels::Str(v) => {
            let w = v
                .iter()
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
                .max(1);
            let mut b = Vec::with_capacity(v.len() * w * 4);
            for s in v {
                let mut n = 0;
                for ch in s.chars() {
                    b.extend_from_slice(&(ch as u32).to_le_bytes());
                    n += 1;
                }
                for _ in n..w {
                    b.extend_from_slice(&[0; 4]);
                }
            }
            (format!("<U{w}"), b)
        }
    }
}

/// The output as `.npy` bytes: float64 values in their shape; labels as
/// int64, float64, bool or `<U` text.
pub fn output_npy(out: &Output) -> Vec<u8> {
    let mut buf = Vec::new();
    match out {
        Output::Values(a) => {
            let data: Vec<u8> = a.iter().flat_map(|x| x.to_le_bytes()).collect();
            write_npy_raw(&mut buf, "<f8", false, a.shape(), &data).expect("write to a Vec");
        }
        Output::Labels(l) => {
            let (descr, data) = labels_npy(l);
            write_npy_raw(&mut buf, &descr, false, &[l.len()], &data).expect("write to a Vec");
        }
    }
    buf
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The output as CSV: a header row (`predict`, or `predict_proba_0`, ...
/// one per column), then one row per sample; floats as Python's repr.
pub fn output_csv(out: &Output, method: Method) -> String {
    let mut s = String::new();
    match out {
        Output::Labels(l) => {
            s.push_str(method.name());
            s.push('\n');
            for i in 0..l.len() {
                s.push_str(&csv_field(&l.text(i)));
                s.push('\n');
            }
        }
        Output::Values(a) => {
            let (rows, cols) = match a.shape() {
                [r] => (*r, 1),
                [r, c] => (*r, *c),
                _ => (0, 0),
            };
            if a.ndim() == 1 {
                s.push_str(method.name());
            } else {
                let h: Vec<String> = (0..cols)
                    .map(|j| format!("{}_{j}", method.name()))
                    .collect();
                s.push_str(&h.join(","));
            }
            s.push('\n');
            let v: Vec<f64> = a.iter().copied().collect();
            for i in 0..rows {
                let r: Vec<String> = v[i * cols..(i + 1) * cols]
                    .iter()
                    .map(|&x| float_text(x))
                    .collect();
                s.push_str(&r.join(","));
                s.push('\n');
            }
        }
    }
    s
}
