//! Print the summary of an estimator file: `cargo run --example show FILE`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: show FILE")?;
    let bytes = std::fs::read(path)?;
    let g = brinery_sklearn::load(&bytes)?;
    match brinery_sklearn::summary(g.root()) {
        Some(s) => print!("{s}"),
        None => println!("not a scikit-learn estimator"),
    }
    Ok(())
}
