//! Parquet output read back by arrow-rs (no Python): categorical columns
//! with text categories keep the categories' order, unused ones included,
//! in every row group (the dictionary page is what pyarrow reads back as
//! the categories; the pandas read-back itself is
//! `brine-cli --test pandas parquet_and_arrow_read_back_equal_in_pandas`).
#![cfg(feature = "parquet")]

use arrow_array::cast::AsArray;
use arrow_array::Array;
use brinery_pandas::{Pandas, Values};

fn frame(fixture: &str) -> brinery_pandas::DataFrame {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let data = std::fs::read(path).unwrap();
    let g = brinery::loads(&data).unwrap();
    match brinery_pandas::from_node(g.root()).unwrap() {
        Some(Pandas::DataFrame(df)) => df,
        _ => panic!("{fixture}: not a DataFrame"),
    }
}

/// (categories, codes with -1 for missing) of each text dictionary column
/// of the Parquet file, per row group.
fn dictionaries(file: Vec<u8>, column: &str) -> Vec<(Vec<String>, Vec<i64>)> {
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        bytes::Bytes::from(file),
    )
    .unwrap()
    // One batch per 128Ki-row row group.
    .with_batch_size(128 * 1024)
    .build()
    .unwrap();
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let col = batch.column_by_name(column).unwrap();
        let d = col.as_any_dictionary();
        let values = d.values();
        let cats: Vec<String> = (0..values.len())
            .map(|i| values.as_string::<i64>().value(i).to_string())
            .collect();
        let keys = d.normalized_keys();
        let codes = (0..col.len())
            .map(|i| if col.is_null(i) { -1 } else { keys[i] as i64 })
            .collect();
        out.push((cats, codes));
    }
    out
}

#[test]
fn ordered_categories_keep_their_order() {
    // grade: categories ['c', 'b', 'a'] (ordered), values b, a, c, NaN, a.
    let df = frame("3.1.1/ordered_cat.p4.pkl");
    let mut file = Vec::new();
    brinery_pandas::write_parquet(&df, &mut file).unwrap();
    let got = dictionaries(file, "grade");
    assert_eq!(
        got,
        vec![(
            vec!["c".to_string(), "b".to_string(), "a".to_string()],
            vec![1, 2, 0, -1, 2]
        )]
    );
}

#[test]
fn unused_categories_and_row_groups() {
    // A 300,000-row categorical (3 row groups of 128Ki rows) whose data
    // uses only 'z' then 'y': every row group's dictionary is the full
    // category list in order.
    let mut df = frame("3.1.1/ordered_cat.p4.pkl");
    let n = 300_000;
    let cats = ["x", "z", "unused", "y"];
    let codes: Vec<i32> = (0..n)
        .map(|i| match i % 7 {
            0 => -1,
            1..=3 => 1,
            _ => 3,
        })
        .collect();
    let mut strings = brinery_pandas::Strings::new();
    for c in cats {
        strings.push(Some(c));
    }
    let categories = brinery_pandas::Array::new(
        brinery_pandas::Dtype::String {
            storage: brinery_pandas::StringStorage::Python,
            nan_missing: true,
        },
        Values::Str(strings),
    );
    let col = brinery_pandas::Array::new(
        brinery_pandas::Dtype::Category { ordered: false },
        Values::Categorical {
            codes: brinery_pandas::Ints::I32(codes.clone()),
            categories: Box::new(categories),
        },
    );
    df.data = vec![col];
    df.columns = brinery_pandas::Index::Range {
        start: 0,
        stop: 1,
        step: 1,
        name: None,
    };
    df.index = brinery_pandas::Index::Range {
        start: 0,
        stop: n as i64,
        step: 1,
        name: None,
    };
    let mut file = Vec::new();
    brinery_pandas::write_parquet(&df, &mut file).unwrap();
    let got = dictionaries(file, "0");
    let want_cats: Vec<String> = cats.iter().map(|s| s.to_string()).collect();
    assert_eq!(got.len(), 3, "row groups");
    let mut all = Vec::new();
    for (c, k) in got {
        assert_eq!(c, want_cats);
        all.extend(k);
    }
    assert_eq!(all, codes.iter().map(|&c| c as i64).collect::<Vec<_>>());
}
