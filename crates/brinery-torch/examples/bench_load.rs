//! Loading speed: `cargo run --release -p brinery-torch --example bench_load -- FILE`
//! (see benches/bench_torch.sh, which also times torch.load).
//!
//! Prints two figures for the same file, warm in the page cache:
//! (a) `read`: reading the file with `read(2)` into a reused 1 MiB buffer,
//!     touching every byte (xor of 64-bit words);
//! (b) `brinery-torch`: `Checkpoint::open` (memory-mapped) and the element
//!     bytes of every tensor, touching every byte the same way.

use std::io::Read;
use std::time::Instant;

use brinery_torch::Checkpoint;

fn touch(bytes: &[u8], acc: &mut u64) {
    let mut chunks = bytes.chunks_exact(8);
    let mut x = 0u64;
    for c in &mut chunks {
        x ^= u64::from_le_bytes(c.try_into().unwrap());
    }
    for &b in chunks.remainder() {
        x ^= u64::from(b);
    }
    *acc ^= x;
}

fn best_of<F: FnMut() -> u64>(n: usize, mut f: F) -> (f64, u64) {
    let mut best = f64::MAX;
    let mut out = 0;
    for _ in 0..n {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: bench_load FILE [REPEATS]")?;
    let repeats: usize = std::env::args()
        .nth(2)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(5);
    let size = std::fs::metadata(&path)?.len() as f64;
    let (ta, xa) = best_of(repeats, || {
        let mut f = std::fs::File::open(&path).unwrap();
        let mut buf = vec![0u8; 1 << 20];
        let mut acc = 0;
        loop {
            let n = f.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            touch(&buf[..n], &mut acc);
        }
        acc
    });
    let mut tensor_bytes = 0u64;
    let mut count = 0;
    let (tb, xb) = best_of(repeats, || {
        let ck = Checkpoint::open(&path).unwrap();
        let mut acc = 0;
        tensor_bytes = 0;
        count = ck.tensors().len();
        for i in 0..ck.tensors().len() {
            let b = ck.tensor_bytes_at(i).unwrap();
            tensor_bytes += b.len() as u64;
            touch(&b, &mut acc);
        }
        acc
    });
    std::hint::black_box((xa, xb));
    let gb = |s: f64, t: f64| s / t / 1e9;
    println!(
        "file: {path} ({:.3} GB, {count} tensors, {:.3} GB of tensor data)",
        size / 1e9,
        tensor_bytes as f64 / 1e9
    );
    println!(
        "(a) read(2) + touch:            {ta:.3} s  {:.2} GB/s",
        gb(size, ta)
    );
    println!(
        "(b) brinery-torch all tensors:  {tb:.3} s  {:.2} GB/s  ({:.0}% of (a))",
        gb(size, tb),
        100.0 * ta / tb
    );
    Ok(())
}
