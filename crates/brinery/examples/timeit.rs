//! Time decode and encode of one pickle file: timeit FILE
fn main() {
    let path = std::env::args().nth(1).expect("FILE");
    let data = std::fs::read(&path).unwrap();
    let t = std::time::Instant::now();
    let g = brinery::loads(&data).unwrap();
    let dec = t.elapsed();
    let t = std::time::Instant::now();
    let out = brinery::dumps(&g, 5).unwrap();
    let enc = t.elapsed();
    let t = std::time::Instant::now();
    drop(g);
    let drop_t = t.elapsed();
    println!(
        "decode {:.3}s encode {:.3}s drop {:.3}s identical={}",
        dec.as_secs_f64(),
        enc.as_secs_f64(),
        drop_t.as_secs_f64(),
        out == data
    );
}
