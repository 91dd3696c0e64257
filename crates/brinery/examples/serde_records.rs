//! Decode speed: a list of records pickled by CPython, as a graph and as
//! typed structs. Usage: serde_records FILE [REPEAT]
//!
//! Make the file with:
//! python3 -c "import pickle; open('r.pkl','wb').write(pickle.dumps([{'id': i, 'name': 'name%d' % i, 'score': i*0.5, 'tags': ['a','b']} for i in range(1000000)], protocol=5))"
use std::time::Instant;

#[path = "shared/record.rs"]
mod record;
use record::Record;

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct RecordRef<'a> {
    id: i64,
    name: &'a str,
    score: f64,
    tags: Vec<&'a str>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = std::fs::read(&args[1]).expect("read input");
    let repeat: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5).max(1);
    // Best of `repeat` runs; the result is dropped outside the timed part.
    fn best<T>(repeat: usize, f: impl Fn() -> T) -> (f64, T) {
        let mut best = f64::MAX;
        let mut out = None;
        for _ in 0..repeat {
            drop(out.take());
            let t = Instant::now();
            let v = f();
            best = best.min(t.elapsed().as_secs_f64());
            out = Some(v);
        }
        (best, out.expect("repeat > 0"))
    }
    // One line per way of decoding: the label, the best time, what came out.
    let line =
        |label: &str, t: f64, what: String| println!("{label:<24}{:8.1} ms  ({what})", t * 1e3);
    let (t, g) = best(repeat, || brinery::loads(&data).unwrap());
    line("graph decode (loads)", t, format!("{} nodes", g.len()));
    drop(g);
    let (t, v) = best(repeat, || {
        brinery::from_slice::<Vec<Record>>(&data).unwrap()
    });
    line("typed Vec<Record>", t, format!("{} records", v.len()));
    drop(v);
    let (t, v) = best(repeat, || {
        brinery::from_slice::<Vec<RecordRef>>(&data).unwrap()
    });
    line(
        "typed Vec<RecordRef>",
        t,
        format!("{} records, borrowed", v.len()),
    );
    drop(v);
    let (t, v) = best(repeat, || {
        brinery::from_slice::<brinery::Value>(&data).unwrap()
    });
    line("brinery::Value", t, format!("{:?} items", v.len()));
}
