//! Rough timings: decode a 128 MiB float64 array pickle (protocols 4 and
//! 5), an .npy file, and a joblib file, zero-copy; run with
//! `cargo run --release -p brinery-numpy --example timeit`.

use std::time::Instant;

use brinery_numpy::{dumps_array, read_npy, write_npy, Array};

fn main() -> Result<(), brinery::Error> {
    let n = 16 << 20;
    let a = Array::from_vec(vec![n], (0..n).map(|i| i as f64).collect())?;
    for proto in [4u8, 5] {
        let bytes = dumps_array(&a, proto)?;
        let t = Instant::now();
        let g = brinery::loads(&bytes)?;
        let b = Array::from_node(g.root())?.expect("array");
        let dt = t.elapsed();
        assert_eq!(b.len(), n);
        println!(
            "protocol {proto}: {} MiB pickle -> Array in {:.3} ms (zero-copy: {})",
            bytes.len() >> 20,
            dt.as_secs_f64() * 1e3,
            b.buf().is_some_and(|x| x.is_borrowed())
        );
        let t = Instant::now();
        let v = b.to_vec::<f64>()?;
        println!("  to_vec::<f64>: {:.3} ms", t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(v[n - 1], (n - 1) as f64);
    }
    let mut npy = Vec::new();
    let t = Instant::now();
    write_npy(&mut npy, &a)?;
    println!(
        "write_npy 128 MiB: {:.3} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let r = read_npy(&npy)?;
    let b = r.array()?;
    println!(
        "read_npy: {:.3} ms ({} elements)",
        t.elapsed().as_secs_f64() * 1e3,
        b.len()
    );
    Ok(())
}
