//! Time decode and encode of one pickle file, best of N runs:
//! `cargo run --release --example timeit FILE [N] [decode]`
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: timeit FILE [N]");
    let runs: usize = args.next().map_or(3, |n| n.parse().expect("N"));
    // `timeit FILE N decode`: decode only (for profilers).
    let decode_only = args.next().as_deref() == Some("decode");
    let data = std::fs::read(&path).expect("read FILE");
    let (mut dec, mut enc, mut drop_t) = (Duration::MAX, Duration::MAX, Duration::MAX);
    let mut identical = true;
    for _ in 0..runs {
        let t = Instant::now();
        let g = brinery::loads(&data).expect("decode");
        dec = dec.min(t.elapsed());
        if decode_only {
            continue;
        }
        let t = Instant::now();
        let out = brinery::dumps(&g, 5).expect("encode");
        enc = enc.min(t.elapsed());
        identical &= out == data;
        let t = Instant::now();
        drop(g);
        drop_t = drop_t.min(t.elapsed());
    }
    if decode_only {
        println!("decode {:.3}s (best of {runs})", dec.as_secs_f64());
        return;
    }
    println!(
        "decode {:.3}s encode {:.3}s drop {:.3}s identical={identical} (best of {runs})",
        dec.as_secs_f64(),
        enc.as_secs_f64(),
        drop_t.as_secs_f64(),
    );
}
