//! The tolerant zip reader on archives written by Python's zipfile and
//! re-packed torch checkpoints (see fixtures/gen.py `zip_variants`).

use std::path::PathBuf;

use brinery_torch::zip::{Archive, DEFLATED, STORED};

fn read(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn contents(a: &Archive<'_>) -> Vec<(String, Vec<u8>)> {
    a.entries()
        .iter()
        .map(|e| (e.name.clone(), a.data(e).unwrap().into_owned()))
        .collect()
}

#[test]
fn variants_hold_the_same_records() {
    let base = read("lone.pt");
    let want = contents(&Archive::new(&base).unwrap());
    assert!(want.iter().any(|(n, _)| n == "lone/data.pkl"));
    for name in [
        "zip_zip64.pt",
        "zip_badcrc_names.pt",
        "zip_streamed.pt",
        "zip_prefixed.bin",
    ] {
        let data = read(name);
        let a = Archive::new(&data).unwrap();
        assert!(!a.recovered(), "{name}");
        assert_eq!(contents(&a), want, "{name}");
    }
}

#[test]
fn anomalies_are_noted() {
    let data = read("zip_badcrc_names.pt");
    let a = Archive::new(&data).unwrap();
    assert!(
        a.notes().iter().any(|n| n.contains("DATA")),
        "{:?}",
        a.notes()
    );
    assert!(a.entries().iter().all(|e| e.crc32 == 0));
    // Bytes put before an archive (offsets now off by their length).
    let mut data = b"#!/bin/sh\nexit 0\n".to_vec();
    let lone = read("lone.pt");
    data.extend_from_slice(&lone);
    let a = Archive::new(&data).unwrap();
    assert!(
        a.notes().iter().any(|n| n.contains("shifted")),
        "{:?}",
        a.notes()
    );
    assert_eq!(contents(&a), contents(&Archive::new(&lone).unwrap()));
}

#[test]
fn local_headers_scanned_without_central_directory() {
    for name in ["zip_streamed.pt", "lone.pt", "zip_zip64.pt"] {
        let data = read(name);
        let full = contents(&Archive::new(&data).unwrap());
        let cd = data.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        let a = Archive::new(&data[..cd]).unwrap();
        assert!(a.recovered(), "{name}");
        assert_eq!(contents(&a), full, "{name}");
    }
}

#[test]
fn deflated_entries_inflate_within_limits() {
    let data = read("deflated.pt");
    let a = Archive::new(&data).unwrap();
    let e = a
        .entries()
        .iter()
        .find(|e| e.name.ends_with("data.pkl"))
        .unwrap();
    assert_eq!(e.method, DEFLATED);
    let out = a.data(e).unwrap();
    assert_eq!(out.len() as u64, e.uncompressed_size);
    assert!(a.data_limited(e, 10).is_err());
    // A lying size: claimed far beyond what the compressed bytes can give.
    let mut lying = e.clone();
    lying.uncompressed_size = 1 << 40;
    assert!(a.data(&lying).is_err());
    // Truncated compressed data: an error, not short output.
    let mut short = e.clone();
    short.compressed_size /= 2;
    assert!(a.data(&short).is_err());
    let lone = read("lone.pt");
    let stored = Archive::new(&lone).unwrap();
    assert!(stored.entries().iter().all(|e| e.method == STORED));
}

#[test]
fn garbage_is_not_an_archive() {
    assert!(Archive::new(b"").is_err());
    assert!(Archive::new(b"PK\x05\x06").is_err());
    assert!(Archive::new(&[0u8; 100]).is_err());
}

/// Found by the `scan` fuzz target: a local header whose zip64 extra field
/// claims a compressed size near 2^64 overflowed `data start + size` while
/// local headers were scanned. It must be an error or a recovered listing,
/// never a panic (the test profile has overflow checks on).
#[test]
fn zip64_size_near_u64_max_does_not_overflow() {
    for name in [
        "fuzz_zip64_size_overflow.bin",
        // The same with the data-descriptor flag: 12 more bytes were added
        // to the saturated end.
        "fuzz_zip64_descriptor_overflow.bin",
    ] {
        zip_does_not_panic(&read(name));
    }
}

fn zip_does_not_panic(data: &[u8]) {
    if let Ok(archive) = brinery_torch::zip::Archive::new(data) {
        for e in archive.entries() {
            let _ = archive.data(e);
        }
    }
    for cut in 0..data.len() {
        let _ = brinery_torch::zip::Archive::new(&data[..cut]);
    }
}
