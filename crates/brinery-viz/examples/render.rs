//! `cargo run -p brinery-viz --example render -- IN.pkl OUT.{svg,dot,html}`
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: render IN.pkl OUT.{svg,dot,html}".into());
    };
    let data = std::fs::read(input)?;
    let g = brinery::Unpickler::new()
        .keep_persistent_ids()
        .load_slice(&data)?;
    let p = brinery_viz::Picture::build(&g, g.root_id().ok_or("empty")?, &Default::default());
    let text = if output.ends_with(".dot") {
        p.to_dot()
    } else if output.ends_with(".html") {
        p.to_html(input)?
    } else {
        p.to_svg()?
    };
    std::fs::write(output, text)?;
    Ok(())
}
