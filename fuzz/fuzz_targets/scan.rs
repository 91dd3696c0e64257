//! Fuzz target `scan`: see `brinery_fuzz::check_scan` and fuzz/README.md.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| brinery_fuzz::check_scan(data));
