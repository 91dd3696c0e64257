//! A Rust worker for Python's `multiprocessing.connection`: it answers a
//! Python driver's requests (sum a list, summarize numbers) without ever
//! running anything the requests contain.
//!
//! Rust listens, Python connects:
//!
//! ```text
//! cargo run -p brinery-mp --example worker -- listen 127.0.0.1:6000
//! python3 crates/brinery-mp/examples/worker_client.py connect 127.0.0.1:6000
//! ```
//!
//! Python listens, Rust connects:
//!
//! ```text
//! python3 crates/brinery-mp/examples/worker_client.py listen 127.0.0.1:6000 &
//! cargo run -p brinery-mp --example worker -- connect 127.0.0.1:6000
//! ```
//!
//! The authkey is env `BRINERY_MP_AUTHKEY` (default `secret`), the same
//! for both. A Unix socket path works in place of `host:port`.

use brinery_mp::{Connection, Error, Listener, Options};
use serde::Serialize;

#[derive(Serialize)]
struct Stats {
    count: usize,
    mean: f64,
    min: f64,
    max: f64,
}

#[derive(Serialize)]
struct SumReply {
    op: &'static str,
    result: i64,
}

#[derive(Serialize)]
struct ErrorReply {
    error: String,
}

/// Answer requests `{'op': ..., 'values': [...]}` until `{'op': 'stop'}`;
/// how many were answered (the stop included).
pub fn serve(conn: &mut Connection) -> Result<usize, Error> {
    let mut answered = 0;
    loop {
        // The request is decoded as data: a brinery graph, nothing run.
        let request = conn.recv()?;
        let root = request.root();
        let op = root.get("op").and_then(|v| v.as_str()).unwrap_or("");
        let values = root.get("values");
        let items = values.iter().flat_map(|v| v.iter());
        answered += 1;
        match op {
            "sum" => {
                let mut total: i64 = 0;
                let mut bad = None;
                for v in items {
                    match v.as_i64().and_then(|x| total.checked_add(x)) {
                        Some(t) => total = t,
                        None => bad = Some("values must be ints that sum within 64 bits"),
                    }
                }
                match bad {
                    None => conn.send_value(&SumReply {
                        op: "sum",
                        result: total,
                    })?,
                    Some(e) => conn.send_value(&ErrorReply { error: e.into() })?,
                }
            }
            "stats" => {
                let xs: Vec<f64> = items.filter_map(|v| v.as_f64()).collect();
                if xs.is_empty() {
                    conn.send_value(&ErrorReply {
                        error: "no numbers".into(),
                    })?;
                    continue;
                }
                let sum: f64 = xs.iter().sum();
                conn.send_value(&Stats {
                    count: xs.len(),
                    mean: sum / xs.len() as f64,
                    min: xs.iter().copied().fold(f64::INFINITY, f64::min),
                    max: xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                })?;
            }
            "stop" => {
                conn.send_value(&std::collections::BTreeMap::from([("stopped", true)]))?;
                return Ok(answered);
            }
            other => conn.send_value(&ErrorReply {
                error: format!("unknown op {other:?}").replace('"', "'"),
            })?,
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, address) = match args.as_slice() {
        [m, a] if m == "listen" || m == "connect" => (m.as_str(), a.as_str()),
        _ => {
            eprintln!("usage: worker (listen|connect) ADDRESS");
            std::process::exit(2);
        }
    };
    let key = std::env::var("BRINERY_MP_AUTHKEY").unwrap_or_else(|_| "secret".into());
    let opts = Options::new().authkey(key.as_bytes());
    if mode == "listen" {
        let listener: Listener = opts.bind(address)?;
        eprintln!("worker listening on {}", listener.address());
        for conn in listener.incoming() {
            match conn {
                Ok(mut conn) => match serve(&mut conn) {
                    Ok(n) => eprintln!("served {n} requests"),
                    Err(e) => eprintln!("connection ended: {e}"),
                },
                Err(e) => eprintln!("refused a connection: {e}"),
            }
        }
    } else {
        let mut conn = opts.connect(address)?;
        let n = serve(&mut conn)?;
        eprintln!("served {n} requests");
    }
    Ok(())
}
