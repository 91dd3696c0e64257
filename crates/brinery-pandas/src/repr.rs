//! `repr(df)` / `repr(series)` / `repr(index)` as pandas 3.x prints them
//! with `display.max_rows=60`, `min_rows=10`, `max_columns=20`,
//! `width=80`, `max_colwidth=50`, `precision=6`.

use crate::format::{format_array, format_index_values, format_name, pprint, trim_front};
use crate::model::{Array, Cell, DataFrame, Dtype, Index, Pandas, Series, Values};

const MAX_ROWS: usize = 60;
const MIN_ROWS: usize = 10;
const MAX_COLS: usize = 20;
const WIDTH: usize = 80;
const MAX_COLWIDTH: usize = 50;

fn clen(s: &str) -> usize {
    s.chars().count()
}

/// `s` padded with spaces to `w` characters, on the left (`rjust`) or
/// the right (`ljust`).
fn pad(s: &str, w: usize, left: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(clen(s)));
    if left {
        fill + s
    } else {
        format!("{s}{fill}")
    }
}

fn rjust(s: &str, w: usize) -> String {
    pad(s, w, true)
}

fn ljust(s: &str, w: usize) -> String {
    pad(s, w, false)
}

/// CPython's `str.center`.
fn center(s: &str, w: usize) -> String {
    let n = clen(s);
    if n >= w {
        return s.to_string();
    }
    let marg = w - n;
    let left = marg / 2 + (marg & w & 1);
    format!("{}{s}{}", " ".repeat(left), " ".repeat(marg - left))
}

#[derive(Clone, Copy, PartialEq)]
enum Justify {
    Left,
    Right,
    All,
}

/// pandas' `_make_fixed_width` (with `max_colwidth` truncation).
fn fixed_width(v: Vec<String>, j: Justify, minimum: usize) -> (Vec<String>, usize) {
    if v.is_empty() || j == Justify::All {
        let m = v.iter().map(|s| clen(s)).max().unwrap_or(0);
        return (v, m);
    }
    let mut max_len = v.iter().map(|s| clen(s)).max().unwrap_or(0).max(minimum);
    if max_len > MAX_COLWIDTH {
        max_len = MAX_COLWIDTH;
    }
    let keep = max_len.saturating_sub(3);
    let placeholder: String = "...".chars().take(max_len - keep).collect();
    let v = v
        .into_iter()
        .map(|s| {
            if clen(&s) > max_len {
                let head: String = s.chars().take(keep).collect();
                head + &placeholder
            } else {
                s
            }
        })
        .map(|s| match j {
            Justify::Left => ljust(&s, max_len),
            _ => rjust(&s, max_len),
        })
        .collect();
    (v, max_len)
}

/// pandas' `adjoin`.
fn adjoin(space: usize, lists: &[Vec<String>]) -> String {
    if lists.is_empty() {
        return String::new();
    }
    let last = lists.len() - 1;
    let lengths: Vec<usize> = lists
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let m = l.iter().map(|s| clen(s)).max().unwrap_or(0);
            if i < last {
                m + space
            } else {
                m
            }
        })
        .collect();
    let max_len = lists.iter().map(|l| l.len()).max().unwrap_or(0);
    let padded: Vec<Vec<String>> = lists
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut out = vec![" ".repeat(lengths[i]); max_len - l.len()];
            out.extend(l.iter().map(|s| ljust(s, lengths[i])));
            out
        })
        .collect();
    (0..max_len)
        .map(|r| padded.iter().map(|c| c[r].as_str()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rows to show: all, or the first and last `MIN_ROWS / 2`.
fn shown(n: usize) -> (Vec<usize>, Option<usize>) {
    if n > MAX_ROWS {
        let k = MIN_ROWS.min(MAX_ROWS) / 2;
        let mut v: Vec<usize> = (0..k).collect();
        v.extend(n - k..n);
        (v, Some(k))
    } else {
        ((0..n).collect(), None)
    }
}

/// The values of `a` at `rows`.
pub(crate) fn take_array(a: &Array, rows: &[usize]) -> Array {
    fn t<T: Clone>(v: &[T], rows: &[usize]) -> Vec<T> {
        rows.iter().map(|&i| v[i].clone()).collect()
    }
    let values = match &a.values {
        Values::Bool(v) => Values::Bool(t(v, rows)),
        Values::Int(v) => Values::Int(v.take(rows.iter().map(|&i| Some(i)), 0)),
        Values::UInt(v) => Values::UInt(v.take(rows.iter().map(|&i| Some(i)), 0)),
        Values::Float(v) => Values::Float(v.take(rows.iter().map(|&i| Some(i)), f64::NAN)),
        Values::Ticks(v) => Values::Ticks(t(v, rows)),
        Values::Str(s) => {
            let mut o = crate::model::Strings::new();
            for &i in rows {
                o.push(s.get(i));
            }
            Values::Str(o)
        }
        Values::Object(v) => Values::Object(t(v, rows)),
        Values::Categorical { codes, categories } => Values::Categorical {
            codes: codes.take(rows.iter().map(|&i| Some(i)), 0),
            categories: categories.clone(),
        },
        Values::Interval { left, right } => Values::Interval {
            left: Box::new(take_array(left, rows)),
            right: Box::new(take_array(right, rows)),
        },
        Values::Complex(v) => Values::Complex(t(v, rows)),
        // The cells' text, computed with the whole column's conversion.
        Values::Arrow(n) => Values::Object(
            crate::nested::texts(n, rows)
                .into_iter()
                .map(|x| x.map_or(Cell::NA, Cell::Nested))
                .collect(),
        ),
    };
    Array {
        dtype: a.dtype.clone(),
        values,
        mask: a.mask.as_ref().map(|m| t(m, rows)),
    }
}

/// Formatted labels of one index level over `rows`.
fn level_labels(ix: &Index, level: usize, rows: &[usize]) -> Vec<String> {
    match ix {
        Index::Multi { levels, codes, .. } => {
            let lv = &levels[level];
            let cs: Vec<i64> = rows.iter().map(|&r| codes[level][r]).collect();
            let valid: Vec<usize> = cs.iter().map(|&c| c.max(0) as usize).collect();
            if lv.is_empty() {
                return cs.iter().map(|_| "NaN".to_string()).collect();
            }
            let taken = take_array(lv, &valid);
            let mut f = format_index_values(&taken);
            for (i, &c) in cs.iter().enumerate() {
                if c < 0 {
                    f[i] = na_rep(&lv.dtype).into();
                }
            }
            f
        }
        _ => {
            let a = ix.level_array(0);
            format_index_values(&take_array(&a, rows))
        }
    }
}

fn na_rep(d: &Dtype) -> &'static str {
    match d {
        Dtype::Datetime(..) | Dtype::Timedelta(_) | Dtype::Period(_) => "NaT",
        d if d.is_masked() => "<NA>",
        _ => "NaN",
    }
}

fn has_names(ix: &Index) -> bool {
    ix.names().iter().any(|n| n.is_some())
}

/// pandas' `sparsify_labels` over level-major lists (`start` header rows
/// kept as they are).
fn sparsify(levels: Vec<Vec<String>>, start: usize) -> Vec<Vec<String>> {
    let k = levels.len();
    if k == 0 {
        return levels;
    }
    let n = levels[0].len();
    if n <= start {
        return levels;
    }
    let rows: Vec<Vec<String>> = (0..n)
        .map(|r| levels.iter().map(|l| l[r].clone()).collect())
        .collect();
    let mut out: Vec<Vec<String>> = rows[..=start].to_vec();
    let mut prev = rows[start].clone();
    for cur in rows.iter().skip(start + 1) {
        let mut sparse = Vec::new();
        for i in 0..k {
            if i == k - 1 {
                sparse.push(cur[i].clone());
                break;
            }
            if prev[i] == cur[i] {
                sparse.push(String::new());
            } else {
                sparse.extend(cur[i..].iter().cloned());
                break;
            }
        }
        out.push(sparse);
        prev = cur.clone();
    }
    (0..k)
        .map(|l| out.iter().map(|r| r[l].clone()).collect())
        .collect()
}

/// `Index._format_multi` / `_format_flat` with names: one list per level.
fn index_levels(ix: &Index, rows: &[usize], include_names: bool, sparse: bool) -> Vec<Vec<String>> {
    let names = ix.names();
    let mut levels: Vec<Vec<String>> = (0..ix.nlevels())
        .map(|l| {
            let mut v = Vec::new();
            if include_names {
                v.push(format_name(&names[l]));
            }
            v.extend(level_labels(ix, l, rows));
            v
        })
        .collect();
    if sparse && ix.nlevels() > 1 {
        levels = sparsify(levels, usize::from(include_names));
    }
    levels
}

fn is_numeric(d: &Dtype) -> bool {
    let d = d.dense();
    matches!(
        d,
        Dtype::Bool
            | Dtype::Int(_)
            | Dtype::UInt(_)
            | Dtype::Float(_)
            | Dtype::Complex(_)
            | Dtype::MaskedInt(_)
            | Dtype::MaskedUInt(_)
            | Dtype::MaskedFloat(_)
            | Dtype::Boolean
    ) || matches!(d, Dtype::Arrow(n) if n.starts_with("int") || n.starts_with("uint") || n == "double" || n == "float" || n == "bool")
}

/// `pprint_thing(index)` as in "Columns: [a, b]".
fn index_list(ix: &Index) -> String {
    let items: Vec<String> = (0..ix.len()).map(|i| pprint(&ix.key(i))).collect();
    format!("[{}]", items.join(", "))
}

/// `repr(df)`.
pub fn frame_repr(df: &DataFrame) -> String {
    let (nrows, ncols) = (df.nrows(), df.ncols());
    if nrows == 0 || ncols == 0 {
        let mut out = format!(
            "Empty DataFrame\nColumns: {}\nIndex: {}",
            index_list(&df.columns),
            index_list(&df.index)
        );
        // Dimensions follow whenever the frame would be truncated.
        if nrows > MAX_ROWS || ncols > MAX_COLS {
            out.push_str(&format!("\n\n[{nrows} rows x {ncols} columns]"));
        }
        return out;
    }
    let (rows, tr_row) = shown(nrows);
    let (cols, tr_col): (Vec<usize>, Option<usize>) = if ncols > MAX_COLS {
        let k = MAX_COLS / 2;
        let mut v: Vec<usize> = (0..k).collect();
        v.extend(ncols - k..ncols);
        (v, Some(k))
    } else {
        ((0..ncols).collect(), None)
    };
    let show_row_names = has_names(&df.index);
    let show_col_names = has_names(&df.columns);

    // Index column.
    let lv = index_levels(&df.index, &rows, show_row_names, true);
    let lv: Vec<Vec<String>> = lv
        .into_iter()
        .map(|l| fixed_width(l, Justify::Left, 0).0)
        .collect();
    let adjoined: Vec<String> = adjoin(1, &lv).split('\n').map(String::from).collect();
    let mut idx_col: Vec<String> = if show_col_names {
        df.columns.names().iter().map(format_name).collect()
    } else {
        vec![String::new(); df.columns.nlevels()]
    };
    idx_col.extend(adjoined);

    // Column headers.
    let mut headers: Vec<Vec<String>> = match &df.columns {
        Index::Multi { .. } => {
            let lv = index_levels(&df.columns, &cols, false, true);
            (0..cols.len())
                .map(|c| lv.iter().map(|l| l[c].clone()).collect())
                .collect()
        }
        ix => {
            let labels = level_labels(ix, 0, &cols);
            labels
                .into_iter()
                .enumerate()
                .map(|(i, x)| {
                    // pandas looks at the dtypes of the untruncated frame here.
                    if is_numeric(&df.data[i].dtype) {
                        vec![format!(" {x}")]
                    } else {
                        vec![x]
                    }
                })
                .collect()
        }
    };
    if show_row_names {
        for h in headers.iter_mut() {
            h.push(String::new());
        }
    }
    let mut strcols: Vec<Vec<String>> = vec![idx_col];
    for (h, &c) in headers.into_iter().zip(&cols) {
        let hw = h.iter().map(|s| clen(s)).max().unwrap_or(0);
        let col = take_array(&df.data[c], &rows);
        let (vals, _) = fixed_width(format_array(&col, true), Justify::Right, 0);
        let (vals, max_len) = fixed_width(vals, Justify::Right, hw);
        let max_len = max_len.max(hw);
        let mut out: Vec<String> = h.iter().map(|s| rjust(s, max_len)).collect();
        out.extend(vals);
        strcols.push(out);
    }
    // Dots.
    let index_length = strcols[0].len();
    if let Some(k) = tr_col {
        strcols.insert(k + 1, vec![" ...".to_string(); index_length]);
    }
    if let Some(rn) = tr_row {
        let n_header = index_length - rows.len();
        for (ix, col) in strcols.iter_mut().enumerate() {
            let mut cwidth = clen(&col[rn]);
            let is_dot = tr_col.is_some_and(|k| ix == k + 1);
            let dots = if cwidth > 3 || is_dot { "..." } else { ".." };
            let s = if ix == 0 {
                ljust(dots, cwidth)
            } else {
                if is_dot {
                    cwidth = 4;
                }
                rjust(dots, cwidth)
            };
            col.insert(rn + n_header, s);
        }
    }
    let mut text = join_multiline(strcols);
    if tr_row.is_some() || tr_col.is_some() {
        text.push_str(&format!("\n\n[{nrows} rows x {ncols} columns]"));
    }
    text
}

fn binify(cols: &[usize], line_width: i64) -> Vec<usize> {
    let mut bins = Vec::new();
    let mut curr: i64 = 0;
    let last = cols.len().saturating_sub(1);
    for (i, &w) in cols.iter().enumerate() {
        let wa = w as i64 + 1;
        curr += wa;
        let wrap = if i == last {
            curr + 1 > line_width && i > 0
        } else {
            curr + 2 > line_width && i > 0
        };
        if wrap {
            bins.push(i);
            curr = wa;
        }
    }
    bins.push(cols.len());
    bins
}

fn join_multiline(mut strcols: Vec<Vec<String>>) -> String {
    let idx = strcols.remove(0);
    let iw = idx.iter().map(|s| clen(s)).max().unwrap_or(0);
    let lwidth = WIDTH as i64 - (iw as i64 + 1);
    let widths: Vec<usize> = strcols
        .iter()
        .map(|c| c.iter().map(|s| clen(s)).max().unwrap_or(0))
        .collect();
    let bins = binify(&widths, lwidth);
    let nbins = bins.len();
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, &end) in bins.iter().enumerate() {
        let mut row: Vec<Vec<String>> = vec![idx.clone()];
        row.extend(strcols[start..end].iter().cloned());
        if nbins > 1 {
            let nr = row.last().map_or(0, |r| r.len());
            if end <= strcols.len() && i < nbins - 1 {
                let mut c = vec![" \\".to_string()];
                c.extend(vec!["  ".to_string(); nr.saturating_sub(1)]);
                row.push(c);
            } else {
                row.push(vec![" ".to_string(); nr]);
            }
        }
        parts.push(adjoin(1, &row));
        start = end;
    }
    parts.join("\n\n")
}

/// pandas' `display.max_categories`.
const MAX_CATEGORIES: usize = 8;

/// pandas' `Categorical._repr_categories`: the categories as printed in
/// a footer or a CategoricalIndex's `categories=[...]`, the first and
/// last four with `...` between beyond eight; text quoted, other values
/// formatted as a column (`0.10, 0.25`) and stripped.
fn repr_categories(cats: &Array) -> Vec<String> {
    let n = cats.len();
    let text = |a: &Array| -> Option<Vec<String>> {
        let quote = |x: &str| pprint_quoted(x);
        match &a.values {
            Values::Str(s) => Some(
                s.iter()
                    .map(|x| x.map_or_else(|| "nan".into(), quote))
                    .collect(),
            ),
            Values::Object(cells) => Some(
                cells
                    .iter()
                    .map(|c| match c {
                        Cell::Str(s) => quote(s),
                        other => pprint(other),
                    })
                    .collect(),
            ),
            _ => None,
        }
    };
    let part = |rows: std::ops::Range<usize>| -> Vec<String> {
        let a = if rows.len() == n {
            cats.clone()
        } else {
            take_array(cats, &rows.collect::<Vec<_>>())
        };
        text(&a).unwrap_or_else(|| {
            format_array(&a, true)
                .into_iter()
                .map(|s| s.trim().to_string())
                .collect()
        })
    };
    if n > MAX_CATEGORIES {
        let k = MAX_CATEGORIES / 2;
        let mut v = part(0..k);
        v.push("...".into());
        v.extend(part(n - k..n));
        v
    } else {
        part(0..n)
    }
}

/// The `Categories (n, dtype): [...]` line, wrapped at the display width
/// as pandas' `_repr_categories_info` wraps it.
fn categories_footer(cats: &Array, ordered: bool) -> String {
    let strs = repr_categories(cats);
    let head = format!("Categories ({}, {}): ", cats.len(), cats.dtype.name());
    let (sep_len, sep) = if ordered { (3, " < ") } else { (2, ", ") };
    let linesep = format!("{}\n", sep.trim_end());
    let mut body = String::new();
    let mut col = clen(&head);
    for (i, val) in strs.iter().enumerate() {
        if col + sep_len + clen(val) > WIDTH {
            body.push_str(&linesep);
            body.push_str(&" ".repeat(clen(&head) + 1));
            col = clen(&head) + 1;
        } else if i > 0 {
            body.push_str(sep);
            col += sep_len;
        }
        body.push_str(val);
        col += clen(val);
    }
    format!("{head}[{}]", body.replace(" < ... < ", " ... "))
}

/// pandas' `pprint_thing(s, escape_chars=("\t", "\r", "\n"),
/// quote_strings=True)`: always single quotes, only those three escaped
/// (`'it's'`, not Python's `"it's"`).
fn pprint_quoted(s: &str) -> String {
    format!(
        "'{}'",
        s.replace('\t', "\\t")
            .replace('\r', "\\r")
            .replace('\n', "\\n")
    )
}

/// Python's `repr(str)`.
pub(crate) fn py_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `repr(series)`.
pub fn series_repr(s: &Series) -> String {
    let n = s.values.len();
    let mut footer = String::new();
    if let Index::Array {
        freq: Some(f),
        values,
        ..
    } = &s.index
    {
        if matches!(
            values.dtype,
            Dtype::Datetime(..) | Dtype::Period(_) | Dtype::Timedelta(_)
        ) {
            footer.push_str(&format!("Freq: {f}"));
        }
    }
    let (rows, tr) = shown(n);
    if let Some(name) = &s.name {
        if !footer.is_empty() {
            footer.push_str(", ");
        }
        footer.push_str(&format!("Name: {}", format_name(&Some(name.clone()))));
    }
    if tr.is_some() {
        if !footer.is_empty() {
            footer.push_str(", ");
        }
        footer.push_str(&format!("Length: {n}"));
    }
    if !s.dtype_unnamed {
        if !footer.is_empty() {
            footer.push_str(", ");
        }
        footer.push_str(&format!("dtype: {}", series_dtype_name(&s.values.dtype)));
    }
    if let (Dtype::Category { ordered }, Values::Categorical { categories, .. }) =
        (&s.values.dtype, &s.values.values)
    {
        footer.push('\n');
        footer.push_str(&categories_footer(categories, *ordered));
    }
    if n == 0 {
        return format!("Series([], {footer})");
    }
    let have_header = has_names(&s.index);
    let mut fmt_index: Vec<String> = match &s.index {
        Index::Multi { .. } => {
            let lv = index_levels(&s.index, &rows, true, true);
            adjoin(2, &lv).split('\n').map(String::from).collect()
        }
        ix => {
            let mut v = vec![format_name(&ix.names()[0])];
            v.extend(level_labels(ix, 0, &rows));
            v
        }
    };
    let col = take_array(&s.values, &rows);
    let (mut vals, _) = fixed_width(format_array(&col, true), Justify::Right, 0);
    if let Some(rn) = tr {
        let width = clen(&vals[rn - 1]);
        let dots = if width > 3 { "..." } else { ".." };
        vals.insert(rn, center(dots, width));
        fmt_index.insert(rn + 1, String::new());
    }
    let mut result = adjoin(3, &[fmt_index[1..].to_vec(), vals]);
    if have_header {
        result = format!("{}\n{result}", fmt_index[0]);
    }
    format!("{result}\n{footer}")
}

fn index_class(ix: &Index) -> &'static str {
    match ix {
        Index::Range { .. } => "RangeIndex",
        Index::Multi { .. } => "MultiIndex",
        Index::Array { values, .. } => match values.dtype {
            Dtype::Datetime(..) => "DatetimeIndex",
            Dtype::Timedelta(_) => "TimedeltaIndex",
            Dtype::Period(_) => "PeriodIndex",
            Dtype::Category { .. } => "CategoricalIndex",
            Dtype::Interval(..) => "IntervalIndex",
            _ => "Index",
        },
    }
}

fn quoted_cell(c: &Cell) -> String {
    match c {
        Cell::Str(s) => pprint_quoted(s),
        Cell::Tuple(items) => crate::format::tuple_text(items, quoted_cell),
        Cell::NaN => "nan".into(),
        other => pprint(other),
    }
}

/// `repr(index)`.
pub fn index_repr(ix: &Index) -> String {
    let cls = index_class(ix);
    if let Index::Range {
        start,
        stop,
        step,
        name,
    } = ix
    {
        let mut s = format!("RangeIndex(start={start}, stop={stop}, step={step}");
        if let Some(n) = name {
            s.push_str(&format!(", name={}", quoted_cell(n)));
        }
        s.push(')');
        return s;
    }
    let n = ix.len();
    if let Index::Multi { names, .. } = ix {
        // One tuple per line, ten from each end with `...` beyond 100;
        // each level's labels right-justified to the widest shown, as
        // pandas' `_justify` aligns them.
        let rows: Vec<Option<usize>> = if n > MAX_SEQ_ITEMS {
            (0..SEQ_ENDS)
                .map(Some)
                .chain(std::iter::once(None))
                .chain((n - SEQ_ENDS..n).map(Some))
                .collect()
        } else {
            (0..n).map(Some).collect()
        };
        let nl = ix.nlevels();
        let cols: Vec<Vec<String>> = (0..nl)
            .map(|l| {
                rows.iter()
                    .map(|r| r.map_or_else(String::new, |i| quoted_cell(&ix.label(l, i))))
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = cols
            .iter()
            .map(|c| c.iter().map(|x| clen(x)).max().unwrap_or(0))
            .collect();
        let prefix = " ".repeat(cls.len() + 1);
        let mut lines: Vec<String> = Vec::with_capacity(rows.len());
        for (k, r) in rows.iter().enumerate() {
            if r.is_none() {
                lines.push("...".into());
                continue;
            }
            let parts: Vec<String> = (0..nl)
                .map(|l| format!("{:>w$}", cols[l][k], w = widths[l]))
                .collect();
            let end = if k + 1 < rows.len() { "," } else { "" };
            if nl == 1 {
                lines.push(format!("({},){end}", parts[0]));
            } else {
                lines.push(format!("({}){end}", parts.join(", ")));
            }
        }
        let data = format!("[{}],\n{prefix}", lines.join(&format!("\n{prefix} ")));
        let mut attrs = Vec::new();
        if names.iter().any(Option::is_some) {
            let ns: Vec<String> = names
                .iter()
                .map(|n| n.as_ref().map_or("None".into(), quoted_cell))
                .collect();
            attrs.push(format!("names=[{}]", ns.join(", ")));
        }
        if n > MAX_SEQ_ITEMS {
            attrs.push(format!("length={n}"));
        }
        return with_attrs(cls, data, &attrs);
    }
    let Index::Array { values, name, freq } = ix else {
        return String::new();
    };
    // pandas' `_formatter_func` of each kind of Index, for the values
    // shown (all, or ten from each end beyond 100).
    let truncated = n > MAX_SEQ_ITEMS;
    let rows: Vec<usize> = if truncated {
        (0..SEQ_ENDS).chain(n - SEQ_ENDS..n).collect()
    } else {
        (0..n).collect()
    };
    let items: Vec<String> = match (&values.dtype, &values.values) {
        // Formatted as a whole (dates only, resolution), then picked.
        (Dtype::Datetime(..) | Dtype::Timedelta(_) | Dtype::Period(_), _) => {
            let all = trim_front(format_array(values, false));
            rows.iter().map(|&i| format!("'{}'", all[i])).collect()
        }
        // The repr of each value as a Python float (iterating an Index
        // widens float32 values: `0.10000000149011612`).
        (Dtype::Float(_), Values::Float(v)) => rows
            .iter()
            .map(|&i| crate::format::float_repr(v.get(i)))
            .collect(),
        // `str()` of each Interval: `(0, 1]`.
        (Dtype::Interval(..), _) => rows
            .iter()
            .map(|&i| match crate::format::ext_cell(values, i) {
                Cell::Str(s) => s,
                other => quoted_cell(&other),
            })
            .collect(),
        // numpy's repr of each value, NaN parts included: `(nan+0j)`.
        (Dtype::Complex(_), Values::Complex(v)) => rows
            .iter()
            .map(|&i| crate::format::complex_repr(v[i].0, v[i].1))
            .collect(),
        _ => rows.iter().map(|&i| quoted_cell(&values.cell(i))).collect(),
    };
    // Text is not justified (pandas' inferred type "string", or
    // categories of text).
    let text = |a: &Array| match &a.values {
        Values::Str(_) => true,
        Values::Object(cells) => {
            !cells.is_empty() && cells.iter().all(|c| matches!(c, Cell::Str(_)))
        }
        _ => false,
    };
    let justify = match &values.values {
        Values::Categorical { categories, .. } => !text(categories),
        _ => !text(values),
    };
    let data = object_summary(items, truncated, justify, cls);
    let mut attrs: Vec<String> = Vec::new();
    if let Dtype::Category { ordered } = values.dtype {
        if let Values::Categorical { categories, .. } = &values.values {
            let cats = repr_categories(categories);
            attrs.push(format!("categories=[{}]", cats.join(", ")));
            attrs.push(format!(
                "ordered={}",
                if ordered { "True" } else { "False" }
            ));
        }
    }
    attrs.push(format!("dtype='{}'", values.dtype.name()));
    if let Some(nm) = name {
        attrs.push(format!("name={}", quoted_cell(nm)));
    }
    if n > MAX_SEQ_ITEMS {
        attrs.push(format!("length={n}"));
    }
    if let Some(f) = freq {
        if matches!(values.dtype, Dtype::Datetime(..) | Dtype::Timedelta(_)) {
            attrs.push(format!("freq='{f}'"));
        }
    }
    with_attrs(cls, data, &attrs)
}

/// pandas' `display.max_seq_items`.
const MAX_SEQ_ITEMS: usize = 100;

/// Values shown from each end of a longer sequence (`min(100 // 2, 10)`).
const SEQ_ENDS: usize = 10;

/// pandas' `format_object_summary` for a flat Index (display.width 80,
/// display.max_seq_items 100): `[a, b, ...]` wrapped at the width, values
/// right-justified when wrapped (if `justify`), ten from each end with
/// `...` beyond 100 values (`items` are then the ten of each end). It
/// ends with `, ` on one line or with `,`, a line break and the indent
/// when it wraps.
fn object_summary(mut items: Vec<String>, truncated: bool, justify: bool, cls: &str) -> String {
    match items.as_slice() {
        [] => return "[], ".into(),
        [one] => return format!("[{one}], "),
        _ => {}
    }
    let space1 = format!("\n{}", " ".repeat(cls.len() + 1));
    let space2 = format!("\n{}", " ".repeat(cls.len() + 2));
    let (mut head, mut tail) = if truncated {
        let tail = items.split_off(SEQ_ENDS);
        (items, tail)
    } else {
        (Vec::new(), items)
    };
    let wide = |v: &[String]| clen(&v.join(", ")) >= WIDTH;
    if justify && (truncated || wide(&head) || wide(&tail)) {
        let m = head.iter().chain(&tail).map(|x| clen(x)).max().unwrap_or(0);
        for x in head.iter_mut().chain(tail.iter_mut()) {
            *x = format!("{x:>m$}");
        }
    }
    let mut summary = String::new();
    let mut line = space2.clone();
    let extend = |summary: &mut String, line: &mut String, value: &str, width: usize| {
        if clen(line.trim_end()) + clen(value.trim_end()) >= width {
            summary.push_str(line.trim_end());
            *line = space2.clone();
        }
        line.push_str(value);
    };
    for h in &head {
        extend(&mut summary, &mut line, &format!("{h}, "), WIDTH);
    }
    if truncated {
        summary.push_str(line.trim_end());
        summary.push_str(&space2);
        summary.push_str("...");
        line = space2.clone();
    }
    if let Some((last, rest)) = tail.split_last() {
        for t in rest {
            extend(&mut summary, &mut line, &format!("{t}, "), WIDTH);
        }
        // The last value leaves room for the closing `],`.
        extend(&mut summary, &mut line, last, WIDTH - 2);
    }
    summary.push_str(&line);
    summary.push_str("],");
    if clen(&summary) > WIDTH {
        summary.push_str(&space1);
    } else {
        summary.push(' ');
    }
    format!("[{}", &summary[space2.len()..])
}

/// `Index.__repr__`: the class, the data and the attributes, each
/// attribute wrapped onto a new indented line when it would pass the
/// width.
fn with_attrs(cls: &str, data: String, attrs: &[String]) -> String {
    let indent = cls.len() + 1;
    let pad = " ".repeat(indent);
    let mut line_len = match data.rfind('\n') {
        Some(p) => clen(&data[p + 1..]),
        None => indent + clen(&data),
    };
    let mut parts = String::new();
    for (k, a) in attrs.iter().enumerate() {
        let alen = clen(a);
        let comma = usize::from(k + 1 < attrs.len());
        if k == 0 {
            if line_len + alen + comma > WIDTH {
                parts.push_str(&format!("\n{pad}{a}"));
                line_len = indent + alen;
            } else {
                parts.push_str(a);
                line_len += alen;
            }
        } else if line_len + 2 + alen + comma > WIDTH {
            parts.push_str(&format!(",\n{pad}{a}"));
            line_len = indent + alen;
        } else {
            parts.push_str(&format!(", {a}"));
            line_len += 2 + alen;
        }
    }
    let data = if parts.starts_with('\n') {
        data.trim_end()
    } else {
        &data
    };
    format!("{cls}({data}{parts})")
}

/// The dtype as a Series footer names it (`dtype.name`, which for an
/// IntervalDtype is only `interval`).
fn series_dtype_name(d: &Dtype) -> String {
    match d {
        Dtype::Interval(..) => "interval".into(),
        d => d.name(),
    }
}

/// `repr()` of a pandas object.
pub fn repr(p: &Pandas) -> String {
    match p {
        Pandas::DataFrame(df) => frame_repr(df),
        Pandas::Series(s) => series_repr(s),
        Pandas::Index(i) => index_repr(i),
    }
}
