//! The workloads and the Rust types each one is decoded into.

use std::hint::black_box;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::measure::{best, Outcome, Plan};

/// One row of `records.pkl`.
#[derive(Serialize, Deserialize)]
pub struct Record {
    pub id: i64,
    pub name: String,
    pub score: f64,
    pub tags: Vec<String>,
}

/// The known workload files, in table order (`NAME.pkl` in the data
/// directory; scripts/bench_data.py writes them).
pub const NAMES: &[&str] = &[
    "records",
    "ints",
    "strings",
    "blob",
    "nested",
    "small_dict",
    "small_tuple",
];

/// What a workload decodes into with serde.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `Vec<Record>`
    Records,
    /// `Vec<i64>` (also the 20-int tuple)
    Ints,
    /// `Vec<String>`
    Strings,
    /// `serde_bytes::ByteBuf`
    Blob,
    /// No fixed Rust type: `brinery::Value` / `serde_pickle::Value`.
    Dynamic,
}

impl Kind {
    pub fn of(name: &str) -> Kind {
        match name {
            "records" => Kind::Records,
            "ints" | "small_tuple" => Kind::Ints,
            "strings" => Kind::Strings,
            "blob" => Kind::Blob,
            _ => Kind::Dynamic,
        }
    }

    pub fn from_str(s: &str) -> Option<Kind> {
        Some(match s {
            "records" => Kind::Records,
            "ints" => Kind::Ints,
            "strings" => Kind::Strings,
            "blob" => Kind::Blob,
            "dynamic" => Kind::Dynamic,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Records => "records",
            Kind::Ints => "ints",
            Kind::Strings => "strings",
            Kind::Blob => "blob",
            Kind::Dynamic => "dynamic",
        }
    }

    /// The Rust type used by the typed (serde) columns.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Records => "Vec<Record>",
            Kind::Ints => "Vec<i64>",
            Kind::Strings => "Vec<String>",
            Kind::Blob => "ByteBuf",
            Kind::Dynamic => "Value",
        }
    }
}

/// Timings of the typed (serde) paths of one workload.
pub struct Typed {
    pub brinery_decode: Outcome,
    pub brinery_encode: Outcome,
    /// Whether `brinery::to_vec` (protocol 5) of the typed value gave the
    /// input file's bytes back.
    pub brinery_encode_identical: Option<bool>,
    pub sp_decode: Outcome,
}

/// Run the typed columns for `kind`.
pub fn typed(kind: Kind, data: &[u8], plan: &Plan) -> Typed {
    match kind {
        Kind::Records => typed_with::<Vec<Record>, Vec<Record>>(data, plan),
        Kind::Ints => typed_with::<Vec<i64>, Vec<i64>>(data, plan),
        Kind::Strings => typed_with::<Vec<String>, Vec<String>>(data, plan),
        Kind::Blob => typed_with::<serde_bytes::ByteBuf, serde_bytes::ByteBuf>(data, plan),
        Kind::Dynamic => typed_with::<brinery::Value, serde_pickle::Value>(data, plan),
    }
}

fn brinery_ser() -> brinery::serde::SerOptions {
    brinery::serde::SerOptions::new().protocol(5)
}

fn typed_with<B, S>(data: &[u8], plan: &Plan) -> Typed
where
    B: DeserializeOwned + Serialize,
    S: DeserializeOwned,
{
    let mut last: Option<B> = None;
    let brinery_decode = best(plan, || brinery::from_slice::<B>(data), &mut last);
    let (brinery_encode, brinery_encode_identical) = match &last {
        Some(v) => {
            let mut out = None;
            let t = best(plan, || brinery_ser().to_vec(v), &mut out);
            (t, out.map(|o| o == data))
        }
        None => (Err("decode failed".into()), None),
    };
    drop(last);
    let mut sp: Option<S> = None;
    let sp_decode = best(
        plan,
        || serde_pickle::from_slice::<S>(data, serde_pickle::DeOptions::new()),
        &mut sp,
    );
    Typed {
        brinery_decode,
        brinery_encode,
        brinery_encode_identical,
        sp_decode,
    }
}

/// Decode once into the typed value of `kind` and keep it alive while
/// `measure` runs (used by the peak-memory children).
pub fn decode_typed_once(kind: Kind, data: &[u8]) -> Result<(), String> {
    fn one<B: DeserializeOwned>(data: &[u8]) -> Result<(), String> {
        let v = brinery::from_slice::<B>(data).map_err(|e| e.to_string())?;
        crate::measure::record_peak();
        black_box(&v);
        Ok(())
    }
    match kind {
        Kind::Records => one::<Vec<Record>>(data),
        Kind::Ints => one::<Vec<i64>>(data),
        Kind::Strings => one::<Vec<String>>(data),
        Kind::Blob => one::<serde_bytes::ByteBuf>(data),
        Kind::Dynamic => one::<brinery::Value>(data),
    }
}
