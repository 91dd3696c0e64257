//! brinery-mp against itself and against raw sockets: handshake variants,
//! hostile bytes, limits, addresses, close/poll. No Python needed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use brinery_mp::{
    frame_header, Address, Client, Connection, Digest, ErrorKind, Handshake, Listener, Options,
    Result,
};

const T: Duration = Duration::from_secs(10);

fn opts(key: &[u8]) -> Options {
    Options::new().authkey(key).timeout(T).accept_timeout(T)
}

/// Run `server` on an accepted connection in a thread and `client` on a
/// connected one; both results.
fn pair<A: Send + 'static, B>(
    address: &str,
    lo: Options,
    co: Options,
    server: impl FnOnce(Result<Connection>) -> A + Send + 'static,
    client: impl FnOnce(Result<Connection>) -> B,
) -> (A, B) {
    let listener = lo.bind(address).unwrap();
    let addr = listener.address().to_string();
    let h = thread::spawn(move || server(listener.accept()));
    let b = client(co.connect(&addr));
    (h.join().unwrap(), b)
}

fn tmp_sock(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("bmp-r-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("s").to_string_lossy().into_owned()
}

#[test]
fn handshake_variants_rust_to_rust() {
    let modern = Handshake::Negotiate(Digest::Sha256);
    let cases = [
        (modern, modern, Digest::Sha256, Digest::Sha256),
        (Handshake::LegacyMd5, modern, Digest::Md5, Digest::Md5),
        (modern, Handshake::LegacyMd5, Digest::Md5, Digest::Md5),
        (
            Handshake::LegacyMd5,
            Handshake::LegacyMd5,
            Digest::Md5,
            Digest::Md5,
        ),
        (
            Handshake::Negotiate(Digest::Sha3_384),
            Handshake::Negotiate(Digest::Sha384),
            Digest::Sha3_384,
            Digest::Sha384,
        ),
    ];
    for (i, (lh, ch, listener_saw, client_saw)) in cases.into_iter().enumerate() {
        let address = if i % 2 == 0 {
            "127.0.0.1:0".to_string()
        } else {
            tmp_sock(&format!("hs{i}"))
        };
        let (s, c) = pair(
            &address,
            opts(b"k").handshake(lh),
            opts(b"k").handshake(ch),
            |c| {
                let mut c = c.unwrap();
                let v: String = c.recv_value().unwrap();
                c.send_value(&v.len()).unwrap();
                c.auth().unwrap()
            },
            |c| {
                let mut c = c.unwrap();
                c.send_value("hello").unwrap();
                assert_eq!(c.recv_value::<usize>().unwrap(), 5);
                c.auth().unwrap()
            },
        );
        assert_eq!(s.peer_answer, listener_saw, "case {i}");
        assert_eq!(c.peer_answer, client_saw, "case {i}");
        assert_eq!(s.our_answer, c.peer_answer);
        assert_eq!(c.our_answer, s.peer_answer);
    }
}

#[test]
fn wrong_key_refused_by_both_and_listener_survives() {
    let listener = opts(b"right").bind("127.0.0.1:0").unwrap();
    let addr = listener.address().to_string();
    let h = thread::spawn(move || {
        let first = listener.accept().map(|_| ());
        let second = listener
            .accept()
            .map(|mut c| c.recv_value::<String>().unwrap());
        (first, second)
    });
    let e = Client::connect_with(&addr, &opts(b"wrong")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert!(e.to_string().contains("rejected"), "{e}");
    let mut c = Client::connect_with(&addr, &opts(b"right")).unwrap();
    c.send_value("after").unwrap();
    let (first, second) = h.join().unwrap();
    assert_eq!(first.unwrap_err().kind(), ErrorKind::Authentication);
    assert_eq!(second.unwrap(), "after");
    // A client with a key against a listener without one: the client waits
    // for a challenge that never comes and gets the first message instead.
    let (_, c) = pair(
        "127.0.0.1:0",
        Options::new().timeout(T).accept_timeout(T),
        opts(b"k"),
        |c| c.unwrap().send_bytes(b"not a challenge").unwrap(),
        |c| c.map(|_| ()),
    );
    assert_eq!(c.unwrap_err().kind(), ErrorKind::Authentication);
}

/// A deterministic generator for hostile inputs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Up to `max - 1` random bytes.
    fn bytes(&mut self, max: u64) -> Vec<u8> {
        let n = self.next() % max;
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn hostile_bytes_never_panic_or_hang() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let o = opts(b"key").timeout(Duration::from_secs(2));
    let listener = o.bind("127.0.0.1:0").unwrap();
    let addr = listener.address().to_string();
    let mut kinds = std::collections::BTreeMap::new();
    let mut inputs = Vec::new();
    for i in 0..300 {
        let mut data = match i % 4 {
            // random bytes
            0 => rng.bytes(64),
            // a plausible header, random length, short body
            1 => {
                let mut d = frame_header(rng.next() % 400);
                d.extend(rng.bytes(40));
                d
            }
            // a challenge-shaped message with garbage
            2 => {
                let mut body = b"#CHALLENGE#".to_vec();
                body.extend(rng.bytes(60));
                let mut d = frame_header(body.len() as u64);
                d.extend(body);
                d
            }
            // long-form headers
            _ => {
                let mut d = vec![0xff; 4];
                d.extend(rng.next().to_be_bytes());
                d.extend(rng.bytes(9));
                d
            }
        };
        if i % 7 == 0 {
            data.truncate(data.len() / 2);
        }
        inputs.push(data);
    }
    // The listener side sees garbage where it expects an answer.
    for data in &inputs {
        let mut raw = TcpStream::connect(&addr).unwrap();
        raw.set_read_timeout(Some(T)).unwrap();
        raw.write_all(data).unwrap();
        raw.shutdown(std::net::Shutdown::Write).unwrap();
        let e = listener.accept().map(|_| ()).unwrap_err();
        *kinds.entry(format!("{:?}", e.kind())).or_insert(0) += 1;
        let mut sink = Vec::new();
        let _ = raw.read_to_end(&mut sink);
    }
    // The client side sees garbage where it expects a challenge, and a
    // connection without authkey receives garbage as messages.
    let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let paddr = plain.local_addr().unwrap().to_string();
    for (i, data) in inputs.iter().enumerate() {
        let d = data.clone();
        let with_key = i % 2 == 0;
        let o2 = if with_key {
            o.clone()
        } else {
            Options::new().timeout(Duration::from_secs(2))
        };
        let h = thread::spawn({
            let paddr = paddr.clone();
            move || {
                o2.connect(&paddr).and_then(|mut c| loop {
                    c.recv()?;
                })
            }
        });
        let (mut s, _) = plain.accept().unwrap();
        s.write_all(&d).unwrap();
        drop(s);
        let r: Result<()> = h.join().expect("no panic");
        *kinds
            .entry(format!("{:?}", r.unwrap_err().kind()))
            .or_insert(0) += 1;
    }
    eprintln!(
        "hostile inputs: {} runs, error kinds {kinds:?}",
        inputs.len() * 2
    );
    assert_eq!(kinds.values().sum::<i32>(), 600);
    assert!(!kinds.contains_key("Timeout"), "{kinds:?}");
}

#[test]
fn header_beyond_maximum_allocates_nothing_and_handshake_caps_at_256() {
    let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let paddr = plain.local_addr().unwrap().to_string();
    for (hdr, max, kind) in [
        (frame_header(u64::MAX >> 1), 64 << 20, ErrorKind::TooLarge),
        (frame_header(1 << 40), u64::MAX, ErrorKind::Truncated),
        (frame_header(65), 64, ErrorKind::TooLarge),
        (frame_header(64), 64, ErrorKind::Truncated),
    ] {
        let h = thread::spawn({
            let paddr = paddr.clone();
            move || {
                let t0 = Instant::now();
                let mut c = Options::new()
                    .timeout(T)
                    .max_message(max)
                    .connect(&paddr)
                    .unwrap();
                (c.recv_bytes().unwrap_err(), t0.elapsed())
            }
        });
        let (mut s, _) = plain.accept().unwrap();
        s.write_all(&hdr).unwrap();
        s.write_all(b"abc").unwrap();
        drop(s);
        let (e, took) = h.join().unwrap();
        assert_eq!(e.kind(), kind, "{e}");
        assert!(took < T);
    }
    // A 300-byte answer to a challenge: refused like Python's
    // recv_bytes(256) ("bad message length").
    let listener = opts(b"k").bind("127.0.0.1:0").unwrap();
    let addr = listener.address().to_string();
    let h = thread::spawn(move || listener.accept().map(|_| ()));
    let mut raw = TcpStream::connect(&addr).unwrap();
    raw.set_read_timeout(Some(T)).unwrap();
    let mut hdr = [0u8; 4];
    raw.read_exact(&mut hdr).unwrap();
    let mut challenge = vec![0u8; i32::from_be_bytes(hdr) as usize];
    raw.read_exact(&mut challenge).unwrap();
    assert!(challenge.starts_with(b"#CHALLENGE#{sha256}"));
    assert_eq!(challenge.len(), 11 + 8 + 40);
    let mut answer = frame_header(300);
    answer.extend(vec![b'x'; 300]);
    raw.write_all(&answer).unwrap();
    assert_eq!(h.join().unwrap().unwrap_err().kind(), ErrorKind::TooLarge);
}

#[test]
fn accept_and_connect_time_out_or_fail_cleanly() {
    let l = Options::new()
        .accept_timeout(Duration::from_millis(150))
        .bind("127.0.0.1:0")
        .unwrap();
    let t0 = Instant::now();
    let e = l.accept().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(t0.elapsed() >= Duration::from_millis(150) && t0.elapsed() < T);
    let addr = l.address().to_string();
    drop(l);
    let e = Client::connect_with(&addr, &opts(b"k")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    let e = Client::connect("/nonexistent/dir/sock", b"k").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    let e = Client::connect("", b"k").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Address);
    let e = Client::connect("no-such-host.invalid:80", b"k").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Address, "{e}");
}

#[test]
fn addresses_parse_display_and_unix_cleanup() {
    for (text, want) in [
        (
            "localhost:6000",
            Address::Tcp {
                host: "localhost".into(),
                port: 6000,
            },
        ),
        (
            "[::1]:7",
            Address::Tcp {
                host: "::1".into(),
                port: 7,
            },
        ),
        ("/tmp/x.sock", Address::Unix("/tmp/x.sock".into())),
        ("rel.sock", Address::Unix("rel.sock".into())),
        ("./a:1", Address::Unix("./a:1".into())),
    ] {
        let a = Address::parse(text).unwrap();
        assert_eq!(a, want);
        assert_eq!(Address::parse(&a.to_string()).unwrap(), a);
    }
    assert_eq!(
        Address::parse("h:99999").unwrap_err().kind(),
        ErrorKind::Address
    );
    let l = Listener::bind("127.0.0.1:0", b"k").unwrap();
    let shown = l.address().to_string();
    assert!(
        shown.starts_with("127.0.0.1:") && !shown.ends_with(":0"),
        "{shown}"
    );
    let path = tmp_sock("cleanup");
    let l = Listener::bind(&path, b"k").unwrap();
    assert_eq!(l.address().to_string(), path);
    assert!(std::path::Path::new(&path).exists());
    // Binding again while it exists fails, as in Python.
    assert_eq!(
        Listener::bind(&path, b"k").unwrap_err().kind(),
        ErrorKind::Io
    );
    drop(l);
    assert!(!std::path::Path::new(&path).exists());
}

#[test]
fn close_poll_and_clean_eof() {
    let (_, _) = pair(
        &tmp_sock("close"),
        opts(b"k"),
        opts(b"k"),
        |c| {
            let mut c = c.unwrap();
            assert!(!c.poll(Duration::ZERO).unwrap());
            assert!(c.poll(T).unwrap());
            assert_eq!(c.recv_bytes().unwrap(), b"one");
            // The peer closed: poll says readable, recv says Closed.
            assert!(c.poll(T).unwrap());
            let e = c.recv_bytes().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Closed, "{e}");
            c.close().unwrap();
            c.close().unwrap();
            assert!(c.is_closed());
            assert_eq!(c.send_bytes(b"x").unwrap_err().kind(), ErrorKind::Closed);
        },
        |c| {
            let mut c = c.unwrap();
            thread::sleep(Duration::from_millis(300));
            c.send_bytes(b"one").unwrap();
            c.close().unwrap();
            assert_eq!(c.recv_bytes().unwrap_err().kind(), ErrorKind::Closed);
        },
    );
}

#[test]
fn graphs_and_values_round_trip_between_rust_peers() {
    let (s, _) = pair(
        "127.0.0.1:0",
        opts(b"k"),
        opts(b"k"),
        |c| {
            let mut c = c.unwrap();
            let g = c.recv().unwrap();
            let text = brinery::repr_root(&g).unwrap();
            // echo back; a clone of the connection sends
            let mut tx = c.try_clone().unwrap();
            tx.send(&g).unwrap();
            let big = c.recv_bytes().unwrap();
            let e = c.recv_bytes_max(9).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::TooLarge);
            // The connection stopped receiving (as in Python), sending works.
            assert_eq!(c.recv_bytes().unwrap_err().kind(), ErrorKind::Broken);
            c.send_value(&[1, 2, 3]).unwrap();
            (text, big.len())
        },
        |c| {
            let mut c = c.unwrap();
            let data = b"\x80\x04\x95\x12\x00\x00\x00\x00\x00\x00\x00]\x94(K\x01\x8c\x01a\x94C\x02\x00\x01\x94h\x02e.";
            let g = brinery::loads(data).unwrap();
            c.send(&g).unwrap();
            let back = c.recv().unwrap();
            assert_eq!(brinery::dumps(&back, 4).unwrap(), &data[..]);
            c.send_bytes(&vec![7u8; 5 << 20]).unwrap();
            c.send_bytes(b"0123456789").unwrap();
            let total = c
                .recv_with(|g| g.root().iter().filter_map(|v| v.as_i64()).sum::<i64>())
                .unwrap();
            assert_eq!(total, 6);
        },
    );
    assert_eq!(
        s,
        (
            "[1, 'a', b'\\x00\\x01', b'\\x00\\x01']".to_string(),
            5 << 20
        )
    );
}

#[test]
#[ignore = "sends a 2 GiB + 5 byte message (8-byte length header); run with --ignored, needs ~5 GB RAM"]
fn over_two_gib_uses_the_long_header() {
    let n = (1usize << 31) + 5;
    let (got, _) = pair(
        "127.0.0.1:0",
        Options::new()
            .timeout(Duration::from_secs(120))
            .max_message(u64::MAX),
        Options::new().timeout(Duration::from_secs(120)),
        move |c| {
            let b = c.unwrap().recv_bytes().unwrap();
            (b.len(), b[n - 1])
        },
        move |c| {
            let mut data = vec![1u8; n];
            data[n - 1] = 9;
            c.unwrap().send_bytes(&data).unwrap();
        },
    );
    assert_eq!(got, (n, 9));
}

#[cfg(target_os = "linux")]
#[test]
fn linux_abstract_socket_names() {
    // A path starting with NUL names an abstract socket, as in Python.
    let name = format!("\0brinery-mp-test-{}", std::process::id());
    let (s, _) = pair(
        &name,
        opts(b"k"),
        opts(b"k"),
        |c| c.unwrap().recv_value::<String>().unwrap(),
        |c| c.unwrap().send_value("abstract").unwrap(),
    );
    assert_eq!(s, "abstract");
}
