//! The record type shared by the `callgrind` and `serde_records` examples:
//! one element of the list both decode.

#[derive(serde::Deserialize)]
#[allow(dead_code)]
pub struct Record {
    pub id: i64,
    pub name: String,
    pub score: f64,
    pub tags: Vec<String>,
}
