//! brinery-mp against real CPython 3.9–3.13 `multiprocessing.connection`:
//! Rust Listener + Python Client and Python Listener + Rust Client, over
//! TCP and Unix sockets.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use brinery_mp::{Connection, Digest, ErrorKind, Handshake, Options, Result};
use common::*;
use serde::Serialize;

/// One peer.py run: which Python, over which transport, with which Rust
/// options and Python authkey (by default [`opts`] and [`KEY`]).
struct Run<'a> {
    py: &'a Py,
    t: Transport,
    opts: Options,
    key: Option<&'a [u8]>,
}

fn run(py: &Py, t: Transport) -> Run<'_> {
    Run {
        py,
        t,
        opts: opts(),
        key: Some(KEY),
    }
}

impl<'a> Run<'a> {
    /// Rust with these options.
    fn opts(self, opts: Options) -> Self {
        Run { opts, ..self }
    }

    /// Python with this authkey (`None`: none).
    fn key(self, key: Option<&'a [u8]>) -> Self {
        Run { key, ..self }
    }

    /// Run `rust` against peer.py `scenario` with Python as the client
    /// (Rust listens); the peer's stdout.
    fn client(&self, scenario: &str, arg: &str, rust: impl Fn(Result<Connection>)) -> Vec<String> {
        let listener = self.opts.bind(&self.t.bind_address()).unwrap();
        let address = listener.address().to_string();
        let peer = spawn(self.py, "client", &address, self.key, scenario, arg);
        rust(listener.accept());
        peer.finish()
    }

    /// The same with Python as the listener (Rust connects).
    fn listener(
        &self,
        scenario: &str,
        arg: &str,
        rust: impl Fn(Result<Connection>),
    ) -> Vec<String> {
        let bind = self.t.bind_address();
        let mut peer = spawn(self.py, "listen", &bind, self.key, scenario, arg);
        let address = peer.address();
        rust(self.opts.connect(&address));
        peer.finish()
    }

    /// Both: Python as the client, then as the listener.
    fn both(
        &self,
        scenario: &str,
        arg: &str,
        rust: impl Fn(Result<Connection>),
    ) -> [Vec<String>; 2] {
        [
            self.client(scenario, arg, &rust),
            self.listener(scenario, arg, &rust),
        ]
    }
}

/// `scenario` with every Python, over both transports, in both roles
/// (4 runs per Python, tallied under `name`): `rust` is the Rust side,
/// `check` looks at each peer's stdout. `pythons(what)` finds the versions.
fn every_way(
    what: &str,
    name: &str,
    scenario: &str,
    arg: &str,
    rust: impl Fn(Result<Connection>) + Sync,
    check: impl Fn(&Py, Transport, &[String]) + Sync,
) {
    let pys = pythons(what);
    let tally = each_python(&pys, |py, tally| {
        for t in TRANSPORTS {
            for lines in run(py, t).both(scenario, arg, &rust) {
                check(py, t, &lines);
                tally.add(py);
            }
        }
    });
    tally.check(name, &pys, |_| 4);
}

fn echo_graphs(conn: Result<Connection>) {
    let mut conn = conn.unwrap();
    let n: usize = conn.recv_value().unwrap();
    for _ in 0..n {
        let g = conn.recv().unwrap();
        conn.send(&g).unwrap();
    }
}

#[test]
fn every_builtin_nested_shared_both_roles_tcp_unix() {
    let check = |py: &Py, t: Transport, lines: &[String]| {
        assert!(
            has(lines, "OK values 92/92 byte-identical"),
            "{py:?} {t:?} {lines:?}"
        );
        assert!(has(lines, "OK shared identity kept"));
        assert!(has(lines, "OK cycle kept"));
    };
    every_way(
        "every_builtin test",
        "every builtin type (92 values per run)",
        "echo_values",
        "",
        echo_graphs,
        check,
    );
}

#[test]
fn bytes_messages_of_many_sizes() {
    let rust = |conn: Result<Connection>| {
        let mut conn = conn.unwrap();
        loop {
            let b = conn.recv_bytes().unwrap();
            if b == b"END" {
                break;
            }
            conn.send_bytes(&b).unwrap();
        }
    };
    every_way(
        "bytes test",
        "bytes messages",
        "echo_bytes",
        "",
        rust,
        |_, _, lines| {
            assert!(has(lines, "OK bytes 11/11"), "{lines:?}");
        },
    );
}

#[derive(Serialize)]
struct Dog {
    name: String,
    age: u32,
    tags: Vec<String>,
    weight: f64,
    chip: Option<String>,
}

fn send_rust_values(conn: Result<Connection>) {
    let mut conn = conn.unwrap();
    conn.send_value(&Dog {
        name: "Luna".into(),
        age: 5,
        tags: vec!["dog".into(), "good".into()],
        weight: 12.5,
        chip: None,
    })
    .unwrap();
    conn.send_value(&vec![1i128, -2, 3_000_000_000, 1i128 << 70])
        .unwrap();
    conn.send_value(&("tuple", true, serde_bytes::Bytes::new(b"\x00\x01")))
        .unwrap();
    conn.send_value(&BTreeMap::from([(1, "one"), (2, "two")]))
        .unwrap();
    conn.send_value("caf\u{e9} \u{20ac}").unwrap();
    conn.send_value(&vec![vec![1, 2], vec![1, 2]]).unwrap();
    // A graph with one list shared twice.
    let mut g = brinery::Graph::new();
    let (s, one) = (g.str("s"), g.int(1));
    let inner = g.list(vec![s, one]);
    let root = g.list(vec![inner, inner]);
    g.set_root(root);
    conn.send(&g).unwrap();
    let ok: i64 = conn.recv_value().unwrap();
    assert_eq!(ok, 7);
}

#[test]
fn rust_values_reach_python() {
    let check = |_: &Py, _, lines: &[String]| {
        assert!(has(lines, "OK rust values 7/7"), "{lines:?}");
        assert!(has(lines, "OK rust graph shares"), "{lines:?}");
    };
    every_way(
        "rust values test",
        "rust values",
        "rust_values",
        "",
        send_rust_values,
        check,
    );
}

const BIG: usize = 100 << 20;

#[test]
fn hundred_megabyte_message() {
    // One role and transport per version, alternating, to bound the time;
    // the current python3 (3.11 here) runs all four.
    let rust = |conn: Result<Connection>| {
        let mut conn = conn.unwrap();
        conn.set_max_message(128 << 20);
        let g = conn.recv().unwrap();
        let data = g.root().as_bytes().expect("bytes");
        assert_eq!(data.len(), BIG);
        assert!(data[..256].iter().enumerate().all(|(i, &b)| b == i as u8));
        conn.send(&g).unwrap();
    };
    let want = format!("OK big {BIG} echoed identical");
    let pys = pythons("100 MB test");
    let mut tally = Tally::default();
    for (i, py) in pys.clone().into_iter().enumerate() {
        let combos: Vec<(Transport, bool)> = if py.version == (3, 11) {
            vec![
                (Transport::Tcp, true),
                (Transport::Tcp, false),
                (Transport::Unix, true),
                (Transport::Unix, false),
            ]
        } else {
            vec![(TRANSPORTS[i % 2], i % 4 < 2)]
        };
        for (t, rust_listens) in combos {
            let arg = BIG.to_string();
            let lines = if rust_listens {
                run(&py, t).client("big", &arg, rust)
            } else {
                run(&py, t).listener("big", &arg, rust)
            };
            assert!(has(&lines, &want), "{lines:?}");
            tally.add(&py);
        }
    }
    tally.check("100 MB message", &pys, |py| {
        if py.version == (3, 11) {
            4
        } else {
            1
        }
    });
}

#[test]
fn oversized_message_refused_without_allocating() {
    // 70 MB from Python against the default 64 MiB maximum.
    let rust = |conn: Result<Connection>| {
        let mut conn = conn.unwrap();
        let e = conn.recv_bytes().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooLarge, "{e}");
        assert!(e.to_string().contains("73400320"), "{e}");
        // Like Python, the connection cannot receive after that.
        assert_eq!(conn.recv_bytes().unwrap_err().kind(), ErrorKind::Broken);
        conn.close().unwrap();
    };
    let pys = pythons("oversized test");
    let tally = each_python(&pys, |py, tally| {
        let t = py.modern_or(Transport::Unix, Transport::Tcp);
        for lines in run(py, t).both("too_large", "73400320", rust) {
            assert!(
                lines.iter().any(|l| l.starts_with("OK peer closed")),
                "{lines:?}"
            );
            tally.add(py);
        }
    });
    tally.check("oversized refused", &pys, |_| 2);
}

#[test]
fn message_split_over_many_reads() {
    let rust = |conn: Result<Connection>| {
        let mut conn = conn.unwrap();
        let g = conn.recv().unwrap();
        assert_eq!(g.root().len(), Some(3000));
        conn.send(&g).unwrap();
        assert_eq!(conn.recv_bytes().unwrap(), b"long form header");
        conn.send_value(&16u32).unwrap();
    };
    every_way(
        "split test",
        "split reads",
        "split",
        "",
        rust,
        |_, _, lines| {
            assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with("OK split") && l.ends_with("identical")),
                "{lines:?}"
            );
            assert!(has(lines, "OK long form sent 16"), "{lines:?}");
        },
    );
}

#[test]
fn wrong_authkey_refused_on_both_sides() {
    let rust = |conn: Result<Connection>| {
        let e = conn.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
    };
    let pys = pythons("wrong authkey test");
    let tally = each_python(&pys, |py, tally| {
        for t in TRANSPORTS {
            for lines in run(py, t).key(Some(b"not the key")).both("basic", "", rust) {
                assert!(
                    lines.iter().any(|l| l.starts_with("OK AUTH_REFUSED")),
                    "{py:?} {t:?} {lines:?}"
                );
                tally.add(py);
            }
            // Legacy-only Rust with a wrong key: refused too.
            let legacy = opts().handshake(Handshake::LegacyMd5);
            for lines in run(py, t)
                .opts(legacy)
                .key(Some(b"other"))
                .both("basic", "", rust)
            {
                assert!(lines.iter().any(|l| l.starts_with("OK AUTH_REFUSED")));
                tally.add(py);
            }
        }
    });
    tally.check("wrong authkey (refused by both sides)", &pys, |_| 8);
}

fn basic(expect: Option<(Digest, Digest)>) -> impl Fn(Result<Connection>) {
    move |conn: Result<Connection>| {
        let mut conn = conn.unwrap();
        if let Some((peer, ours)) = expect {
            let a = conn.auth().expect("authenticated");
            assert_eq!((a.peer_answer, a.our_answer), (peer, ours));
        }
        let g = conn.recv().unwrap();
        assert_eq!(brinery::repr_root(&g).unwrap(), "{'hello': [1, 2, 3]}");
        conn.send(&g).unwrap();
    }
}

const BASIC_OK: &str = "OK {'hello': [1, 2, 3]}";

#[test]
fn digest_negotiation_and_md5_fallback() {
    let pys = pythons("handshake test");
    let tally = each_python(&pys, |py, tally| {
        // Default Rust (negotiating, sha256): 3.12+ answer {sha256} both
        // ways; 3.9-3.11 answer raw MD5 and send a legacy challenge.
        let d = py.modern_or(Digest::Sha256, Digest::Md5);
        for t in TRANSPORTS {
            for lines in run(py, t).both("basic", "", basic(Some((d, d)))) {
                assert!(has(&lines, BASIC_OK), "{lines:?}");
                tally.add(py);
            }
        }
        // Legacy-only Rust (like Python 3.11) against every version: the
        // modern ones fall back.
        let legacy = opts().handshake(Handshake::LegacyMd5);
        let expect = Some((Digest::Md5, Digest::Md5));
        for lines in run(py, Transport::Tcp)
            .opts(legacy)
            .both("basic", "", basic(expect))
        {
            assert!(has(&lines, BASIC_OK), "{lines:?}");
            tally.add(py);
        }
        // Rust challenging with each digest: modern Python answers in it,
        // legacy Python with raw MD5 over the prefixed challenge.
        for dig in Digest::ALL {
            let o = opts().handshake(Handshake::Negotiate(dig));
            let peer = py.modern_or(dig, Digest::Md5);
            let ours = py.modern_or(Digest::Sha256, Digest::Md5);
            let lines =
                run(py, Transport::Unix)
                    .opts(o)
                    .client("basic", "", basic(Some((peer, ours))));
            assert!(has(&lines, BASIC_OK), "{lines:?}");
            tally.add(py);
            // Python 3.12+ challenging with each digest (deliver_challenge's
            // digest_name); Rust answers in it.
            if py.modern() {
                let lines = run(py, Transport::Tcp).listener(
                    &format!("digest:{}", dig.name()),
                    "",
                    basic(Some((Digest::Sha256, dig))),
                );
                assert!(has(&lines, BASIC_OK), "{lines:?}");
                tally.add(py);
            }
        }
    });
    tally.check("handshake", &pys, |py| py.modern_or(16, 11));
}

#[test]
fn no_authkey_on_either_side() {
    let pys = pythons("no authkey test");
    let tally = each_python(&pys, |py, tally| {
        let lines = run(py, Transport::Tcp)
            .opts(Options::new().timeout(TIMEOUT).accept_timeout(TIMEOUT))
            .key(None)
            .both("basic", "", |c| {
                let c = c.unwrap();
                assert!(c.auth().is_none());
                basic(None)(Ok(c))
            });
        for l in lines {
            assert!(has(&l, BASIC_OK), "{l:?}");
            tally.add(py);
        }
    });
    tally.check("no authkey", &pys, |_| 2);
}

/// Python writes these bytes after the handshake and closes; what Rust's
/// recv_bytes reports (kind, offset).
const FAULTS: &[(&str, &str, ErrorKind, Option<u64>)] = &[
    ("closed between messages", "", ErrorKind::Closed, None),
    ("truncated header", "0000", ErrorKind::Truncated, Some(2)),
    (
        "truncated 8-byte header",
        "ffffffff000000",
        ErrorKind::Truncated,
        Some(7),
    ),
    (
        "closed mid-message",
        "000003e8", /* 1000 */
        ErrorKind::Truncated,
        Some(4),
    ),
    (
        "closed mid-message 2",
        "0000000a3031323334",
        ErrorKind::Truncated,
        Some(9),
    ),
    ("2 GiB header", "7fffffff", ErrorKind::TooLarge, None),
    (
        "2^63 long header",
        "ffffffff8000000000000000",
        ErrorKind::TooLarge,
        None,
    ),
    (
        "negative header",
        "fffffffb",
        ErrorKind::InvalidHeader,
        None,
    ),
];

#[test]
fn truncated_oversized_headers_and_peer_closing() {
    let pys = pythons("faults test");
    let tally = each_python(&pys, |py, tally| {
        for (i, &(what, hexbytes, kind, offset)) in FAULTS.iter().enumerate() {
            let t = TRANSPORTS[i % 2];
            let rust = |conn: Result<Connection>| {
                let mut conn = conn.unwrap();
                let e = conn.recv_bytes().unwrap_err();
                assert_eq!(e.kind(), kind, "{what}: {e}");
                assert_eq!(e.offset(), offset, "{what}: {e}");
                // Nothing more comes, whatever it was.
                assert!(conn.recv_bytes().is_err());
            };
            let lines = if hexbytes.is_empty() {
                // A clean close: Python sends one whole empty message, then closes.
                run(py, t).client("raw", "00000000", |conn| {
                    let mut conn = conn.unwrap();
                    assert_eq!(conn.recv_bytes().unwrap(), b"");
                    let e = conn.recv_bytes().unwrap_err();
                    assert_eq!(e.kind(), ErrorKind::Closed, "{e}");
                    assert_eq!(e.offset(), None);
                })
            } else if i % 2 == 0 {
                run(py, t).client("raw", hexbytes, rust)
            } else {
                run(py, t).listener("raw", hexbytes, rust)
            };
            assert!(has(&lines, "OK raw sent"), "{lines:?}");
            tally.add(py);
        }
    });
    tally.check("faults", &pys, |_| 8);
}

#[test]
fn garbage_pickle_is_a_decode_error_with_offset() {
    let py = match pythons("decode error test").pop() {
        Some(p) => p,
        None => return,
    };
    // A frame holding "\x80\x04K\x01\xff": an unknown opcode at byte 4.
    let lines = run(&py, Transport::Tcp).client("raw", "000000058004" /* cut */, |c| {
        let mut c = c.unwrap();
        assert_eq!(c.recv().unwrap_err().kind(), ErrorKind::Truncated);
    });
    assert!(has(&lines, "OK raw sent"));
    let lines = run(&py, Transport::Tcp).client("raw", "00000005800a4b01ff", |c| {
        let mut c = c.unwrap();
        let e = c.recv().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        assert!(e.pickle_error().is_some());
    });
    assert!(has(&lines, "OK raw sent"));
    let lines = run(&py, Transport::Unix).client("raw", "0000000680044b01ff2e", |c| {
        let mut c = c.unwrap();
        let e = c.recv().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        assert_eq!(e.offset(), Some(4), "{e}");
    });
    assert!(has(&lines, "OK raw sent"));
}

#[test]
fn timeouts() {
    let pys = pythons("timeout test");
    let tally = each_python(&pys, |py, tally| {
        let t = py.modern_or(Transport::Tcp, Transport::Unix);
        // Nothing arrives for a while: Timeout, the connection stays in
        // step, poll sees the message when it comes.
        let stall = |conn: Result<Connection>| {
            let mut conn = conn.unwrap();
            conn.set_timeout(Some(Duration::from_millis(150))).unwrap();
            let e = conn.recv().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
            assert!(!conn.poll(Duration::ZERO).unwrap());
            assert!(conn.poll(Duration::from_secs(10)).unwrap());
            conn.set_timeout(Some(TIMEOUT)).unwrap();
            let g = conn.recv().unwrap();
            assert_eq!(g.root().as_str(), Some("late"));
            conn.send_value("ack").unwrap();
        };
        for lines in run(py, t).both("stall", "1.5", stall) {
            assert!(has(&lines, "OK ack"), "{lines:?}");
            tally.add(py);
        }
        // A message stops in the middle: Timeout, then the connection
        // cannot receive any more.
        let stall_mid = |conn: Result<Connection>| {
            let mut conn = conn.unwrap();
            conn.set_timeout(Some(Duration::from_millis(200))).unwrap();
            let e = conn.recv_bytes().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
            assert_eq!(e.offset(), Some(14), "{e}");
            assert_eq!(conn.recv_bytes().unwrap_err().kind(), ErrorKind::Broken);
        };
        let lines = run(py, t).client("stall_mid", "1.5", stall_mid);
        assert!(has(&lines, "OK stalled"));
        tally.add(py);
        // A client that never answers the challenge: accept times out.
        let short = opts().timeout(Duration::from_millis(300));
        let lines = run(py, t).opts(short).client("silent", "2.0", |conn| {
            assert_eq!(conn.unwrap_err().kind(), ErrorKind::Timeout);
        });
        assert!(has(&lines, "OK silent"));
        tally.add(py);
    });
    tally.check("timeouts", &pys, |_| 4);
}

#[test]
fn example_worker_with_python_driver() {
    #[path = "../examples/worker.rs"]
    #[allow(dead_code)]
    mod worker;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let rust = |conn: Result<Connection>| {
        let served = worker::serve(&mut conn.unwrap()).unwrap();
        assert_eq!(served, 4);
    };
    let check = |_: &Py, _, lines: &[String]| {
        assert!(has(lines, "OK sum 5050"), "{lines:?}");
        let stats = "OK stats {'count': 4, 'mean': 2.5, 'min': 1.0, 'max': 4.0}";
        assert!(has(lines, stats), "{lines:?}");
        assert!(has(lines, "OK error unknown op 'fly'"), "{lines:?}");
    };
    every_way(
        "example test",
        "example worker",
        "worker_driver",
        dir,
        rust,
        check,
    );
}

#[test]
#[ignore = "moves 2 GiB + 5 bytes each way (8-byte length header); run with --ignored, needs ~5 GB RAM"]
fn over_two_gib_with_python_long_header() {
    let Some(py) = pythons("2 GiB test").pop() else {
        return;
    };
    let n: usize = (1 << 31) + 5;
    let lines = run(&py, Transport::Tcp).client("huge", &n.to_string(), |c| {
        let mut c = c.unwrap();
        c.set_timeout(Some(Duration::from_secs(300))).unwrap();
        c.set_max_message(u64::MAX);
        let b = c.recv_bytes().unwrap();
        assert_eq!((b.len(), b[0], b[n - 1]), (n, 1, 9));
        c.send_bytes(&b).unwrap();
    });
    assert!(
        has(&lines, &format!("OK huge header -1 size {n} last 09")),
        "{lines:?}"
    );
}

#[test]
fn received_pickles_are_data_never_run() {
    let pys = pythons("never-run test");
    let tally = each_python(&pys, |py, tally| {
        let dir = sock_path();
        let marker = dir.with_file_name("pwned");
        let lines = run(py, Transport::Tcp).client("evil", marker.to_str().unwrap(), |c| {
            let mut c = c.unwrap();
            let g = c.recv().unwrap();
            // The call is recorded, not made.
            let text = brinery::repr_root(&g).unwrap();
            assert!(text.contains("system"), "{text}");
            assert!(matches!(g.root().node(), Some(brinery::Node::Object(_))));
            c.send_value("not run").unwrap();
        });
        assert!(has(&lines, "OK not run"), "{lines:?}");
        assert!(!marker.exists(), "the command ran");
        tally.add(py);
    });
    tally.check("never run", &pys, |_| 1);
}
