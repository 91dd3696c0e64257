//! Round trips per second and MB/s of `multiprocessing.connection`
//! messages, Rust and Python at either end, in the same run.
//!
//! ```text
//! cargo run --release -p brinery-mp --example bench [-- --unix] [-- --quick]
//! ```
//!
//! Each row sends a message of the given size and waits for its echo, N
//! times, after 3 warm-up trips; the best of 3 runs (interleaved) counts. MB/s counts the payload both ways
//! (2 × size × N / seconds). Python is `python3` (env `BRINERY_PYTHON`).
//! Rows: Python client ↔ Python echo server (the baseline), Rust client ↔
//! Python server, Python client ↔ Rust server, Rust ↔ Rust.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use brinery_mp::{Client, ErrorKind, Listener};

const KEY: &[u8] = b"secret";
/// Runs per row; the best is reported.
const REPS: usize = 3;

fn python() -> String {
    std::env::var("BRINERY_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn script() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bench_peer.py").to_string()
}

/// A Python echo server; its address.
fn python_server(address: &str) -> (std::process::Child, String) {
    let mut child = Command::new(python())
        .args([&script(), "echo", address])
        .env("BRINERY_MP_AUTHKEY", "secret")
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("ADDR ")
        .expect("ADDR line")
        .to_string();
    (child, addr)
}

/// A Rust echo server in a thread; its address.
fn rust_server(address: &str) -> String {
    let listener = Listener::bind(address, KEY).unwrap();
    let addr = listener.address().to_string();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            loop {
                match conn.recv_bytes() {
                    Ok(m) if m == b"STOP" => return,
                    Ok(m) => conn.send_bytes(&m).unwrap(),
                    Err(e) if e.kind() == ErrorKind::Closed => break,
                    Err(e) => panic!("{e}"),
                }
            }
        }
    });
    addr
}

fn rust_client(addr: &str, size: usize, n: usize) -> f64 {
    let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
    let mut conn = Client::connect(addr, KEY).unwrap();
    conn.set_max_message(1 << 30);
    for _ in 0..3 {
        conn.send_bytes(&data).unwrap();
        conn.recv_bytes().unwrap();
    }
    let t0 = Instant::now();
    let mut back = Vec::new();
    for _ in 0..n {
        conn.send_bytes(&data).unwrap();
        back = conn.recv_bytes().unwrap();
    }
    let took = t0.elapsed().as_secs_f64();
    assert_eq!(back, data);
    took
}

/// Round trips of a pickled `list(range(len))`: `send_value` (serde →
/// pickle) and `recv_value` (pickle → `Vec<i64>`).
fn rust_objects(addr: &str, len: usize, n: usize) -> f64 {
    let obj: Vec<i64> = (0..len as i64).collect();
    let mut conn = Client::connect(addr, KEY).unwrap();
    conn.set_max_message(1 << 30);
    for _ in 0..3 {
        conn.send_value(&obj).unwrap();
        conn.recv_value::<Vec<i64>>().unwrap();
    }
    let t0 = Instant::now();
    let mut back = Vec::new();
    for _ in 0..n {
        conn.send_value(&obj).unwrap();
        back = conn.recv_value::<Vec<i64>>().unwrap();
    }
    let took = t0.elapsed().as_secs_f64();
    assert_eq!(back, obj);
    took
}

fn python_client(addr: &str, size: usize, n: usize) -> f64 {
    python_run("client", addr, size, n)
}

fn python_objects(addr: &str, len: usize, n: usize) -> f64 {
    python_run("objects", addr, len, n)
}

fn python_run(mode: &str, addr: &str, size: usize, n: usize) -> f64 {
    let out = Command::new(python())
        .args([&script(), mode, addr, &size.to_string(), &n.to_string()])
        .env("BRINERY_MP_AUTHKEY", "secret")
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn stop(addr: &str) {
    let mut c = Client::connect(addr, KEY).unwrap();
    c.send_bytes(b"STOP").unwrap();
}

/// One size: the four client/server pairs, best of REPS interleaved runs.
fn table(
    label: &str,
    size: usize,
    n: usize,
    py_addr: &str,
    rs_addr: &str,
    rust: impl Fn(&str, usize, usize) -> f64,
    python: impl Fn(&str, usize, usize) -> f64,
) {
    // Best of REPS runs each, interleaved, so a noisy neighbour hurts
    // every row alike.
    let mut rows: [(&str, f64); 4] = [
        ("Python -> Python", f64::INFINITY),
        ("Rust -> Python", f64::INFINITY),
        ("Python -> Rust", f64::INFINITY),
        ("Rust -> Rust", f64::INFINITY),
    ];
    for _ in 0..REPS {
        for (i, row) in rows.iter_mut().enumerate() {
            let secs = match i {
                0 => python(py_addr, size, n),
                1 => rust(py_addr, size, n),
                2 => python(rs_addr, size, n),
                _ => rust(rs_addr, size, n),
            };
            row.1 = row.1.min(secs);
        }
    }
    let base = rows[0].1;
    for (name, secs) in rows {
        println!(
            "{:<10} {:<24} {:>7} {:>10.3} {:>12.0} {:>9.1}   x{:.2} vs Python->Python",
            label,
            name,
            n,
            secs,
            n as f64 / secs,
            2.0 * (size * n) as f64 / secs / 1e6,
            base / secs
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let unix = args.iter().any(|a| a == "--unix");
    let quick = args.iter().any(|a| a == "--quick");
    let dir = std::env::temp_dir().join(format!("bmp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bind = |name: &str| {
        if unix {
            dir.join(name).to_string_lossy().into_owned()
        } else {
            "127.0.0.1:0".to_string()
        }
    };
    let (mut py_child, py_addr) = python_server(&bind("py"));
    let rs_addr = rust_server(&bind("rs"));
    let ver = Command::new(python())
        .args(["-c", "import sys; print(sys.version.split()[0])"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!(
        "brinery-mp bench over {} (Python {ver}), echo round trips after 3 warm-ups, best of {REPS}",
        if unix {
            "Unix sockets"
        } else {
            "TCP 127.0.0.1"
        }
    );
    println!(
        "{:<10} {:<24} {:>7} {:>10} {:>12} {:>9}",
        "size", "client -> server", "trips", "seconds", "trips/s", "MB/s"
    );
    let sizes: [(usize, usize, &str); 2] = if quick {
        [(1024, 2000, "1 KB"), (10 << 20, 5, "10 MB")]
    } else {
        [(1024, 10000, "1 KB"), (10 << 20, 20, "10 MB")]
    };
    for (size, n, label) in sizes {
        table(
            label,
            size,
            n,
            &py_addr,
            &rs_addr,
            rust_client,
            python_client,
        );
    }
    // Pickled objects: list(range(400)) is a 1 KB pickle, 2,000,000 ints
    // make 10 MB; MB/s counts the pickle bytes both ways.
    println!(
        "pickled list(range(len)) with send()/recv() (Rust: send_value/recv_value::<Vec<i64>>):"
    );
    let objects: [(usize, usize, &str); 2] = if quick {
        [(400, 2000, "list 1 KB"), (2_000_000, 3, "list 10 MB")]
    } else {
        [(400, 10000, "list 1 KB"), (2_000_000, 10, "list 10 MB")]
    };
    for (len, n, label) in objects {
        let bytes = brinery::to_vec(&(0..len as i64).collect::<Vec<i64>>())
            .unwrap()
            .len();
        table(
            label,
            bytes,
            n,
            &py_addr,
            &rs_addr,
            |a, _, n| rust_objects(a, len, n),
            |a, _, n| python_objects(a, len, n),
        );
    }
    stop(&py_addr);
    stop(&rs_addr);
    let _ = py_child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
