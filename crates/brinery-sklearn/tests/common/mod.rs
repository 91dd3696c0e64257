//! The scikit-learn fixtures, shared by this crate's tests and brine's
//! (`crates/brine/tests/sklearn.rs` includes this file).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The fixture folders, one per scikit-learn version.
pub const VERSIONS: [&str; 3] = ["sk1.0", "sk1.3", "sk1.9"];

/// Relative tolerance: |got - want| <= TOL * |want| (and |got| <= 1e-15
/// where scikit-learn's value is exactly 0).
pub const TOL: f64 = 1e-12;

/// The fixture folder of scikit-learn version `v` (`sk1.9`).
pub fn fixtures(v: &str) -> PathBuf {
    // From this crate or from brine's tests (both are in `crates/`).
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../brinery-sklearn/tests/fixtures")
        .join(v)
}

/// `expected.json` of version `v`: what scikit-learn recorded.
pub fn expected(v: &str) -> Value {
    let s = std::fs::read_to_string(fixtures(v).join("expected.json")).unwrap();
    serde_json::from_str(&s).unwrap()
}
