//! Running tests/peer.py under every CPython found, with deadlines.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use brinery_mp::Options;

/// The CPythons of the matrix: 3.9–3.11 speak the MD5 handshake, 3.12+
/// negotiate SHA-256. Env `BRINERY_MP_PYTHONS` (comma-separated
/// interpreters) replaces the list.
const PYENV: &[&str] = &[
    "/root/.pyenv/versions/3.9.18/bin/python3",
    "/root/.pyenv/versions/3.10.13/bin/python3",
    "/root/.pyenv/versions/3.11.7/bin/python3",
    "/root/.pyenv/versions/3.12.1/bin/python3",
    "/root/.pyenv/versions/3.13.0/bin/python3",
];

pub const KEY: &[u8] = b"brinery secret \x00\xff key";
pub const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Clone, Debug)]
pub struct Py {
    pub path: String,
    /// (major, minor)
    pub version: (u32, u32),
}

impl Py {
    /// Python ≥ 3.12: the `{sha256}` handshake.
    pub fn modern(&self) -> bool {
        self.version >= (3, 12)
    }
    /// `modern` for Python ≥ 3.12, else `legacy`.
    pub fn modern_or<T>(&self, modern: T, legacy: T) -> T {
        if self.modern() {
            modern
        } else {
            legacy
        }
    }
    pub fn label(&self) -> String {
        format!("{}.{}", self.version.0, self.version.1)
    }
}

fn banner(msg: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{msg} (CI must not skip)");
    }
    let bar = "!".repeat(76);
    eprintln!("\n{bar}\n!!! SKIPPED: {msg}\n{bar}");
}

/// The interpreters to test against; a loud SKIP for each one missing
/// (a failure under CI).
pub fn pythons(what: &str) -> Vec<Py> {
    static FOUND: std::sync::OnceLock<(Vec<Py>, Vec<String>)> = std::sync::OnceLock::new();
    let (found, missing) = FOUND.get_or_init(discover);
    for path in missing {
        banner(&format!("{path} not found; {what} did not run against it"));
    }
    found.clone()
}

fn discover() -> (Vec<Py>, Vec<String>) {
    let list: Vec<String> = match std::env::var("BRINERY_MP_PYTHONS") {
        Ok(s) if !s.trim().is_empty() => s.split(',').map(|p| p.trim().to_string()).collect(),
        _ => PYENV.iter().map(|s| s.to_string()).collect(),
    };
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for path in list {
        let out = Command::new(&path)
            .args([
                "-c",
                "import sys, multiprocessing.connection; print(*sys.version_info[:2])",
            ])
            .output();
        match out {
            Ok(o) if o.status.success() => {
                let text = String::from_utf8_lossy(&o.stdout);
                let mut it = text
                    .split_whitespace()
                    .map(|x| x.parse::<u32>().unwrap_or(0));
                let version = (it.next().unwrap_or(0), it.next().unwrap_or(0));
                found.push(Py { path, version });
            }
            _ => missing.push(path),
        }
    }
    (found, missing)
}

pub fn peer_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peer.py")
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh Unix socket path in a private temp directory (short enough for
/// sun_path).
pub fn sock_path() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "bmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("s")
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Unix,
}

pub const TRANSPORTS: [Transport; 2] = [Transport::Tcp, Transport::Unix];

impl Transport {
    /// An address for a listener to bind.
    pub fn bind_address(self) -> String {
        match self {
            Transport::Tcp => "127.0.0.1:0".into(),
            Transport::Unix => sock_path().to_string_lossy().into_owned(),
        }
    }
}

/// A running peer.py.
pub struct Peer {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    stdout_thread: Option<JoinHandle<()>>,
    stderr_thread: Option<JoinHandle<String>>,
    what: String,
}

pub fn spawn(
    py: &Py,
    role: &str,
    address: &str,
    key: Option<&[u8]>,
    scenario: &str,
    arg: &str,
) -> Peer {
    let mut cmd = Command::new(&py.path);
    cmd.arg(peer_script()).args([
        role,
        address,
        &key.map(hex).unwrap_or_else(|| "-".into()),
        scenario,
    ]);
    if !arg.is_empty() {
        cmd.arg(arg);
    }
    let mut child = cmd
        .env("PYTHONHASHSEED", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", py.path));
    let (tx, rx) = channel();
    let stdout = child.stdout.take().unwrap();
    let stdout_thread = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr = child.stderr.take().unwrap();
    let stderr_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    Peer {
        child,
        lines: rx,
        seen: Vec::new(),
        stdout_thread: Some(stdout_thread),
        stderr_thread: Some(stderr_thread),
        what: format!("python {} {role} {scenario} {arg}", py.label()),
    }
}

impl Peer {
    /// The address a listening peer printed.
    pub fn address(&mut self) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if let Some(a) = l.strip_prefix("ADDR ") {
                        return a.to_string();
                    }
                }
                Err(_) => {
                    let out = self.kill();
                    panic!("{}: no ADDR line\n{out}", self.what);
                }
            }
        }
    }

    fn kill(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.collect()
    }

    fn collect(&mut self) -> String {
        if let Some(t) = self.stdout_thread.take() {
            let _ = t.join();
        }
        while let Ok(l) = self.lines.try_recv() {
            self.seen.push(l);
        }
        let err = self
            .stderr_thread
            .take()
            .map(|t| t.join().unwrap_or_default())
            .unwrap_or_default();
        format!("stdout:\n{}\nstderr:\n{err}", self.seen.join("\n"))
    }

    /// Wait for the peer to exit (killing it after the deadline); it must
    /// succeed and print no FAIL line. Its stdout lines.
    pub fn finish(mut self) -> Vec<String> {
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(s)) => break Some(s),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                _ => break None,
            }
        };
        let Some(status) = status else {
            let out = self.kill();
            panic!("{}: did not finish in {TIMEOUT:?}\n{out}", self.what);
        };
        let out = self.collect();
        assert!(status.success(), "{} failed ({status})\n{out}", self.what);
        assert!(
            !self.seen.iter().any(|l| l.starts_with("FAIL")),
            "{} reported a failure\n{out}",
            self.what
        );
        self.seen.clone()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Options of the Rust side: the test key, a timeout on everything.
pub fn opts() -> Options {
    Options::new()
        .authkey(KEY)
        .timeout(TIMEOUT)
        .accept_timeout(TIMEOUT)
}

/// Run `f` for every Python at once (one thread each: the tests mostly
/// wait on sockets and sleeps); the merged tally. A panic in one thread is
/// re-raised.
pub fn each_python(pys: &[Py], f: impl Fn(&Py, &mut Tally) + Sync) -> Tally {
    let parts: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = pys
            .iter()
            .map(|py| {
                let f = &f;
                s.spawn(move || {
                    let mut t = Tally::default();
                    f(py, &mut t);
                    t
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut all = Tally::default();
    for t in parts {
        for (k, v) in t.0 {
            *all.0.entry(k).or_insert(0) += v;
        }
    }
    all
}

/// Whether `lines` has a line equal to `want`.
pub fn has(lines: &[String], want: &str) -> bool {
    lines.iter().any(|l| l == want)
}

/// Runs counted per Python version, checked against what each test
/// promises and printed (`name: 3.9=4 3.10=4 ... (20 runs)`).
#[derive(Default)]
pub struct Tally(std::collections::BTreeMap<(u32, u32), usize>);

impl Tally {
    pub fn add(&mut self, py: &Py) {
        *self.0.entry(py.version).or_insert(0) += 1;
    }

    pub fn check(&self, name: &str, pys: &[Py], expected: impl Fn(&Py) -> usize) {
        let mut line = format!("{name}:");
        let mut total = 0;
        for py in pys {
            let got = self.0.get(&py.version).copied().unwrap_or(0);
            assert_eq!(got, expected(py), "{name}: runs with Python {}", py.label());
            line.push_str(&format!(" {}={got}", py.label()));
            total += got;
        }
        eprintln!("{line} ({total} runs, all passed)");
    }
}
