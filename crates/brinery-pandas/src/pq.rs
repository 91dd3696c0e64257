//! Parquet output with pandas' metadata: the Arrow columns of
//! [`crate::arrow`] encoded column by column on all cores (arrow-rs'
//! `ArrowColumnWriter`), snappy-compressed like pandas' `to_parquet`.
//!
//! Categorical columns with text categories are encoded here rather than
//! by arrow-rs: arrow-rs writes a Parquet dictionary in order of first
//! appearance, while pyarrow reads the dictionary page back as the
//! categories (all of them, in page order). The page is written in the
//! categories' own order, with the unused ones, as pyarrow writes it.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnChunk, ArrowColumnWriter};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::ParquetError;
use parquet::file::metadata::ColumnChunkMetaData;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::{SerializedPageWriter, SerializedRowGroupWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

use crate::error::{Error, ErrorKind, Result};
use crate::model::DataFrame;

/// Rows per Parquet row group: the writer holds one encoded row group at
/// a time.
const ROW_GROUP: usize = 128 * 1024;

fn io(e: ParquetError) -> Error {
    Error::new(ErrorKind::Io, e.to_string())
}

/// Write `df` as Parquet with pandas' metadata, snappy-compressed like
/// pandas' `to_parquet` default.
pub fn write_parquet<W: std::io::Write + Send>(df: &DataFrame, w: W) -> Result<()> {
    into_parquet(df.clone(), w)
}

/// [`write_parquet`] taking the frame (no copy of the column values).
pub fn into_parquet<W: std::io::Write + Send>(df: DataFrame, w: W) -> Result<()> {
    let batch = crate::arrow::parquet_batch(df)?;
    write_batch(&batch, w)
}

/// One column chunk of a row group, encoded.
enum Chunk {
    /// Encoded by arrow-rs.
    Arrow(ArrowColumnChunk),
    /// A dictionary column encoded here: the bytes and their metadata.
    Own(bytes::Bytes, ColumnCloseResult),
}

/// The work for one Parquet leaf column of a row group.
enum Task {
    Leaf(
        Box<ArrowColumnWriter>,
        parquet::arrow::arrow_writer::ArrowLeafColumn,
    ),
    Dict(ColumnDescPtr, Arc<dyn Array>),
}

impl Task {
    fn run(self) -> Result<Chunk> {
        match self {
            Task::Leaf(mut w, leaf) => {
                w.write(&leaf).map_err(io)?;
                Ok(Chunk::Arrow(w.close().map_err(io)?))
            }
            Task::Dict(descr, a) => {
                let (bytes, close) = dict_chunk(descr, a.as_ref())?;
                Ok(Chunk::Own(bytes, close))
            }
        }
    }
}

/// A dictionary column whose dictionary page is written here (text
/// categories without missing values).
fn own_dictionary(a: &dyn Array) -> bool {
    match a.data_type() {
        DataType::Dictionary(_, v)
            if matches!(v.as_ref(), DataType::Utf8 | DataType::LargeUtf8) =>
        {
            let d = a.as_any_dictionary();
            !d.values().is_empty() && d.values().null_count() == 0
        }
        _ => false,
    }
}

fn properties(batch: &RecordBatch) -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_size(ROW_GROUP)
        // Column-chunk statistics and no page index, as pyarrow writes by
        // default.
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_offset_index_disabled(true);
    // Dictionary encoding where it pays: arrow-rs would otherwise build a
    // dictionary of every distinct value in the page and only then fall
    // back to plain encoding.
    for (f, a) in batch.schema().fields().iter().zip(batch.columns()) {
        if !dictionary_pays(a.as_ref()) {
            b = b.set_column_dictionary_enabled(f.name().as_str().into(), false);
        }
    }
    b.build()
}

/// Whether the first values of `a` repeat enough for a dictionary.
fn dictionary_pays(a: &dyn Array) -> bool {
    const SAMPLE: usize = 4096;
    let n = a.len().min(SAMPLE);
    fn distinct<I: Iterator<Item = u64>>(it: I) -> usize {
        let mut seen = std::collections::HashSet::new();
        it.for_each(|x| {
            seen.insert(x);
        });
        seen.len()
    }
    let data = a.to_data();
    let d = match a.data_type() {
        DataType::Int64
        | DataType::UInt64
        | DataType::Float64
        | DataType::Timestamp(..)
        | DataType::Duration(_) => distinct(data.buffer::<u64>(0)[..n].iter().copied()),
        DataType::Int32 | DataType::UInt32 | DataType::Float32 => {
            distinct(data.buffer::<u32>(0)[..n].iter().map(|&x| x as u64))
        }
        _ => return true,
    };
    d * 2 <= n
}

fn write_batch<W: std::io::Write + Send>(batch: &RecordBatch, w: W) -> Result<()> {
    let props = properties(batch);
    let writer = ArrowWriter::try_new(w, batch.schema(), Some(props)).map_err(io)?;
    let (mut file, factory) = writer.into_serialized_writer().map_err(io)?;
    let schema = batch.schema();
    let nrows = batch.num_rows();
    let threads = crate::par::threads();
    let mut start = 0;
    let mut group = 0;
    while start < nrows {
        let len = ROW_GROUP.min(nrows - start);
        let part = batch.slice(start, len);
        let mut writers = factory
            .create_column_writers(group)
            .map_err(io)?
            .into_iter();
        let mut tasks = Vec::new();
        let mut leaf = 0;
        for (f, a) in schema.fields().iter().zip(part.columns()) {
            if own_dictionary(a.as_ref()) {
                let _unused = writers.next();
                tasks.push(Task::Dict(file.schema_descr().column(leaf), a.clone()));
                leaf += 1;
                continue;
            }
            for l in compute_leaves(f, a).map_err(io)? {
                let w = writers
                    .next()
                    .ok_or_else(|| Error::new(ErrorKind::Io, "Parquet schema has fewer leaves"))?;
                tasks.push(Task::Leaf(Box::new(w), l));
                leaf += 1;
            }
        }
        let chunks = run_all(tasks, threads)?;
        let mut rg = file.next_row_group().map_err(io)?;
        for c in chunks {
            append(&mut rg, c)?;
        }
        rg.close().map_err(io)?;
        start += len;
        group += 1;
    }
    file.close().map_err(io)?;
    Ok(())
}

fn append<W: std::io::Write + Send>(
    rg: &mut SerializedRowGroupWriter<'_, W>,
    c: Chunk,
) -> Result<()> {
    match c {
        Chunk::Arrow(c) => c.append_to_row_group(rg).map_err(io),
        Chunk::Own(bytes, close) => rg.append_column(&bytes, close).map_err(io),
    }
}

/// Run the tasks on up to `threads` threads; the chunks come back in
/// task order.
fn run_all(tasks: Vec<Task>, threads: usize) -> Result<Vec<Chunk>> {
    crate::par::map(tasks, threads, Task::run)
        .into_iter()
        .collect()
}

/// A dictionary column chunk (one dictionary page in the dictionary's
/// own order, one data page of RLE-encoded indices), snappy-compressed.
fn dict_chunk(descr: ColumnDescPtr, a: &dyn Array) -> Result<(bytes::Bytes, ColumnCloseResult)> {
    let d = a.as_any_dictionary();
    let values = d.values();
    let ncat = values.len();
    let mut dict = Vec::new();
    let mut put = |s: &[u8]| {
        dict.extend_from_slice(&(s.len() as u32).to_le_bytes());
        dict.extend_from_slice(s);
    };
    match values.data_type() {
        DataType::LargeUtf8 => values
            .as_string::<i64>()
            .iter()
            .for_each(|s| put(s.unwrap_or("").as_bytes())),
        _ => values
            .as_string::<i32>()
            .iter()
            .for_each(|s| put(s.unwrap_or("").as_bytes())),
    }
    let n = a.len();
    let keys = d.normalized_keys();
    let nulls = a.logical_nulls();
    let valid = |i: usize| nulls.as_ref().is_none_or(|nb| nb.is_valid(i));
    let mut data = Vec::new();
    if descr.max_def_level() > 0 {
        let levels = rle_hybrid((0..n).map(|i| valid(i) as u32), 1);
        data.extend_from_slice(&(levels.len() as u32).to_le_bytes());
        data.extend_from_slice(&levels);
    }
    let width = (usize::BITS - (ncat - 1).leading_zeros()).max(1);
    data.push(width as u8);
    let idx = (0..n)
        .filter(|&i| valid(i))
        .map(|i| keys[i].min(ncat - 1) as u32);
    data.extend_from_slice(&rle_hybrid(idx, width));

    let snappy = |b: &[u8]| -> Result<bytes::Bytes> {
        snap::raw::Encoder::new()
            .compress_vec(b)
            .map(bytes::Bytes::from)
            .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))
    };
    let dict_page = CompressedPage::new(
        Page::DictionaryPage {
            buf: snappy(&dict)?,
            num_values: ncat as u32,
            encoding: Encoding::PLAIN,
            is_sorted: false,
        },
        dict.len(),
    );
    let data_page = CompressedPage::new(
        Page::DataPage {
            buf: snappy(&data)?,
            num_values: n as u32,
            encoding: Encoding::RLE_DICTIONARY,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        },
        data.len(),
    );
    let mut sink = TrackedWrite::new(Vec::new());
    let (ds, ps) = {
        let mut pw = SerializedPageWriter::new(&mut sink);
        let ds = pw.write_page(dict_page).map_err(io)?;
        let ps = pw.write_page(data_page).map_err(io)?;
        pw.close().map_err(io)?;
        (ds, ps)
    };
    let buf = sink.into_inner().map_err(io)?;
    let metadata = ColumnChunkMetaData::builder(descr)
        .set_encodings(vec![
            Encoding::PLAIN,
            Encoding::RLE,
            Encoding::RLE_DICTIONARY,
        ])
        .set_compression(Compression::SNAPPY)
        .set_num_values(n as i64)
        .set_total_compressed_size((ds.compressed_size + ps.compressed_size) as i64)
        .set_total_uncompressed_size((ds.uncompressed_size + ps.uncompressed_size) as i64)
        .set_data_page_offset(ps.offset as i64)
        .set_dictionary_page_offset(Some(ds.offset as i64))
        .build()
        .map_err(io)?;
    let close = ColumnCloseResult {
        bytes_written: buf.len() as u64,
        rows_written: n as u64,
        metadata,
        bloom_filter: None,
        column_index: None,
        offset_index: None,
    };
    Ok((bytes::Bytes::from(buf), close))
}

/// Parquet's RLE / bit-packing hybrid of `values` (each < 2^`width`):
/// runs of 8 or more equal values as RLE runs, the rest bit-packed in
/// groups of 8.
fn rle_hybrid<I: Iterator<Item = u32>>(values: I, width: u32) -> Vec<u8> {
    let v: Vec<u32> = values.collect();
    let mut out = Vec::new();
    let mut lit: Vec<u32> = Vec::new();
    let vbytes = width.div_ceil(8) as usize;
    let varint = |out: &mut Vec<u8>, mut x: u64| loop {
        let b = (x & 0x7f) as u8;
        x >>= 7;
        if x == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    };
    let flush = |out: &mut Vec<u8>, lit: &mut Vec<u32>| {
        if lit.is_empty() {
            return;
        }
        while lit.len() % 8 != 0 {
            lit.push(0);
        }
        varint(out, ((lit.len() / 8) as u64) << 1 | 1);
        let mut acc: u64 = 0;
        let mut bits = 0u32;
        for &x in lit.iter() {
            acc |= (x as u64) << bits;
            bits += width;
            while bits >= 8 {
                out.push(acc as u8);
                acc >>= 8;
                bits -= 8;
            }
        }
        lit.clear();
    };
    let mut i = 0;
    while i < v.len() {
        let x = v[i];
        let mut r = 1;
        while i + r < v.len() && v[i + r] == x {
            r += 1;
        }
        if r >= 8 {
            flush(&mut out, &mut lit);
            varint(&mut out, (r as u64) << 1);
            out.extend_from_slice(&x.to_le_bytes()[..vbytes]);
            i += r;
        } else {
            let end = (i + 8).min(v.len());
            lit.extend_from_slice(&v[i..end]);
            i = end;
        }
    }
    flush(&mut out, &mut lit);
    out
}

#[cfg(test)]
mod tests {
    use super::rle_hybrid;

    /// Decode the hybrid again (as Parquet readers do).
    fn decode(b: &[u8], width: u32, n: usize) -> Vec<u32> {
        let mut out = Vec::new();
        let mut p = 0;
        let vbytes = width.div_ceil(8) as usize;
        while out.len() < n {
            let mut h: u64 = 0;
            let mut s = 0;
            loop {
                let c = b[p];
                p += 1;
                h |= ((c & 0x7f) as u64) << s;
                s += 7;
                if c & 0x80 == 0 {
                    break;
                }
            }
            if h & 1 == 1 {
                let count = (h >> 1) as usize * 8;
                let mut acc: u64 = 0;
                let mut bits = 0;
                for _ in 0..count {
                    while bits < width {
                        acc |= (b[p] as u64) << bits;
                        p += 1;
                        bits += 8;
                    }
                    out.push((acc & ((1u64 << width) - 1)) as u32);
                    acc >>= width;
                    bits -= width;
                }
            } else {
                let mut x = [0u8; 4];
                x[..vbytes].copy_from_slice(&b[p..p + vbytes]);
                p += vbytes;
                out.extend(std::iter::repeat_n(
                    u32::from_le_bytes(x),
                    (h >> 1) as usize,
                ));
            }
        }
        out.truncate(n);
        out
    }

    #[test]
    fn rle_hybrid_round_trips() {
        let cases: Vec<(Vec<u32>, u32)> = vec![
            (vec![], 1),
            (vec![1; 100], 1),
            (vec![0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0], 1),
            ((0..1000).map(|i| (i * 7919 % 300) as u32).collect(), 9),
            ((0..77).map(|i| (i / 10) as u32).collect(), 3),
            (
                (0..50)
                    .map(|i| if i < 20 { 70000 } else { i as u32 })
                    .collect(),
                17,
            ),
        ];
        for (v, w) in cases {
            let b = rle_hybrid(v.iter().copied(), w);
            assert_eq!(decode(&b, w, v.len()), v, "width {w}");
        }
    }
}
