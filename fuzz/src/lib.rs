//! The checks behind brinery's fuzz targets, shared by the libFuzzer
//! binaries in `fuzz_targets/` (and callable from anything else that wants
//! to replay an input). Each function panics when brinery breaks one of its
//! promises for that input; returning normally means the input is fine,
//! whether brinery accepted or rejected it.

use brinery::{Buf, ErrorKind, Graph, Limits, Unpickler};

/// Limits for fuzzing: small enough that one input cannot make the fuzzer
/// run out of memory or time, large enough for every seed.
pub fn fuzz_limits() -> Limits {
    Limits::default()
}

/// An unpickler that gets as far as possible: persistent ids kept, three
/// out-of-band buffers, a few extension codes, Python 2 `str` as bytes.
pub fn permissive<'a>() -> Unpickler<'a, 'static> {
    permissive_no_buffers().buffers(vec![
        Buf::from(b"buffer zero".to_vec()),
        Buf::from(Vec::new()),
        Buf::from(vec![0xffu8; 40]),
    ])
}

/// [`permissive`] without out-of-band buffers. (A buffer node is opaque to
/// the decoder, which then accepts it where CPython wants a class, say;
/// written in-band it reads back as a bytearray, which is not opaque: so
/// round trips are checked without them.)
pub fn permissive_no_buffers<'a>() -> Unpickler<'a, 'static> {
    Unpickler::new()
        .keep_persistent_ids()
        .extension(1, "copyreg", "_reconstructor")
        .extension(0xfe, "builtins", "set")
        .extension(0x1234, "collections", "OrderedDict")
        .extension(0x1234_5678, "copyreg", "__newobj__")
        .extension(0x7fff_ffff, "builtins", "bytearray")
        .encoding("bytes")
        .limits(fuzz_limits())
}

fn config<'a>(data: &[u8], buffers: bool) -> (Unpickler<'a, 'static>, &'static str) {
    // Pick the configuration from the data itself so that every input is
    // replayable on its own.
    let sum = data.iter().fold(0u32, |a, &b| a.wrapping_add(b as u32));
    match sum % 3 {
        0 => (Unpickler::new().limits(fuzz_limits()), "default"),
        1 if buffers => (permissive(), "permissive"),
        1 => (permissive_no_buffers(), "permissive"),
        _ => (
            Unpickler::new()
                .encoding("latin1")
                .errors("surrogateescape")
                .fix_imports(false)
                .limits(fuzz_limits()),
            "latin1",
        ),
    }
}

/// Decoding never panics; a slice and an `io::Read` over the same bytes
/// agree on acceptance and on the error category; every error carries an
/// offset within the input.
pub fn check_decode(data: &[u8]) {
    let (mut u, name) = config(data, true);
    let from_slice = u.load_slice(data).map(|g| g.into_owned());
    let (mut u, _) = config(data, true);
    let from_reader = u.load_reader(data);
    // A reader charges a payload against `Limits::max_bytes` before
    // reading it (it must allocate to read), a slice borrows it: so a huge
    // length claim is LimitExceeded from a reader and EOF (or success,
    // under the limit) from a slice. Both are clean outcomes.
    if matches!(&from_reader, Err(b) if b.kind() == ErrorKind::LimitExceeded) {
        return;
    }
    match (&from_slice, &from_reader) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.len(), b.len(), "{name}: slice and reader graphs differ");
        }
        (Err(a), Err(b)) => {
            assert_eq!(
                a.kind(),
                b.kind(),
                "{name}: slice says {a}, reader says {b}"
            );
            for e in [a, b] {
                let off = e.offset().expect("every decode error has an offset");
                assert!(
                    off <= data.len() as u64,
                    "{name}: offset {off} past the end: {e}"
                );
            }
        }
        (a, b) => panic!(
            "{name}: slice and reader disagree: {:?} / {:?}",
            a.as_ref().map(|_| "ok"),
            b.as_ref().map(|_| "ok")
        ),
    }
    if let Ok(g) = &from_slice {
        // Everything reachable can be visited without recursion trouble.
        let mut n = 0usize;
        for node in g.nodes() {
            node.for_each_child(|c| {
                assert!(c.index() < g.len(), "dangling child");
                n += 1;
            });
        }
        let _ = n;
    }
}

/// Protocol to re-encode at, chosen from the data.
fn protocol_of(data: &[u8]) -> u8 {
    let sum = data
        .iter()
        .fold(7u32, |a, &b| a.wrapping_mul(31).wrapping_add(b as u32));
    (sum % 6) as u8
}

/// Decode, encode, decode, encode: the second encoding equals the first.
pub fn check_roundtrip(data: &[u8]) {
    let (mut u, name) = config(data, false);
    let Ok(g1) = u.load_slice(data) else { return };
    let proto = protocol_of(data);
    // Names are passed through unchanged (fix_imports off on both sides):
    // CPython's Python 2/3 name tables are not inverses of each other, so
    // with them on, a round trip may rename a global once.
    let b1 = match brinery::Pickler::new(proto).fix_imports(false).dumps(&g1) {
        Ok(b) => b,
        Err(e) => {
            assert!(
                matches!(e.kind(), ErrorKind::Unpicklable | ErrorKind::InvalidValue),
                "{name}: pickling at protocol {proto} failed with {e:?}"
            );
            return;
        }
    };
    let g2: Graph<'_> = match permissive_no_buffers().fix_imports(false).load_slice(&b1) {
        Ok(g) => g,
        Err(e) => panic!(
            "{name}: brinery cannot read its own protocol {proto} output: {e}\n{}",
            brinery::repr::repr_bytes(&b1[..b1.len().min(400)])
        ),
    };
    let b2 = brinery::Pickler::new(proto)
        .fix_imports(false)
        .dumps(&g2)
        .unwrap_or_else(|e| panic!("{name}: re-pickling failed at protocol {proto}: {e}"));
    // With the name tables on, pickling and reading back must not panic;
    // it may fail: a renamed global can become one brinery interprets
    // (`__builtin__.bytes` read at protocol 2 is `bytes`).
    if let Ok(b) = brinery::Pickler::new(proto).dumps(&g1) {
        let _ = permissive_no_buffers().load_slice(&b);
    }
    if b1 != b2 {
        let at = b1.iter().zip(&b2).take_while(|(a, b)| a == b).count();
        let window =
            |b: &[u8]| brinery::repr::repr_bytes(&b[at.saturating_sub(40)..(at + 40).min(b.len())]);
        panic!(
            "{name}: protocol {proto} not stable: {} vs {} bytes, first difference at {at}:\n{}\n{}",
            b1.len(),
            b2.len(),
            window(&b1),
            window(&b2)
        );
    }
}

/// A writer that keeps at most a few MiB (the disassembly of a small
/// input can be quadratic in its MARK depth, as with pickletools).
struct Capped(usize);

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0 > 4 << 20 {
            return Err(std::io::Error::other("output cap"));
        }
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The disassembler never panics, and on input `loads` accepts it fails
/// only with one of pickletools' own complaints (a `ValueError` or a
/// `UnicodeDecodeError`), never because its reader ran out of input.
pub fn check_dis(data: &[u8]) {
    let mut out = Capped(0);
    let opts = brinery::DisOptions {
        annotate: (data.len() % 3) * 15,
        ..Default::default()
    };
    let res = brinery::dis(data, &mut out, &opts);
    let _ = brinery::pickletools::genops(data).count();
    let Err(e) = res else { return };
    if e.kind() == brinery::DisErrorKind::Io {
        return; // our output cap
    }
    if brinery::loads(data).is_ok() {
        assert!(
            matches!(
                e.kind(),
                brinery::DisErrorKind::ValueError | brinery::DisErrorKind::UnicodeDecodeError
            ),
            "loads accepts but dis fails with {e}"
        );
        assert!(
            !e.message().contains("exhausted"),
            "loads accepts but dis runs out of input: {e}"
        );
    }
}

/// The JSON views, the repr/pretty printers and the serde `Value`:
/// no panic on any input; the lossless JSON of a decoded pickle reads back
/// (`from_json(to_json(g))`) to a graph that pickles to the same bytes;
/// any text `from_json` accepts survives the same round trip.
pub fn check_json(data: &[u8]) {
    let proto = protocol_of(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(g) = brinery::from_json(text) {
            json_round_trip(&g, proto, "from_json input");
        }
    }
    let Ok(g) = permissive().load_slice(data) else {
        let _ = brinery::from_slice::<brinery::Value>(data);
        return;
    };
    json_round_trip(&g, proto, "decoded pickle");
    if let Some(root) = g.root_id() {
        let _ = brinery::to_json_plain(&g, root);
    }
    let _ = brinery::repr_root(&g);
    let _ = brinery::pretty_root(&g);
    let _ = brinery::from_slice::<brinery::Value>(data);
}

fn json_round_trip(g: &Graph<'_>, proto: u8, what: &str) {
    let text = match brinery::to_json(g) {
        Ok(t) => t,
        Err(_) => return,
    };
    let g2 = brinery::from_json(&text)
        .unwrap_or_else(|e| panic!("{what}: brinery cannot read its own JSON: {e}\n{text:.400}"));
    let b1 = brinery::Pickler::new(proto).fix_imports(false).dumps(g);
    let b2 = brinery::Pickler::new(proto).fix_imports(false).dumps(&g2);
    match (b1, b2) {
        (Ok(a), Ok(b)) => {
            if a != b {
                let at = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
                panic!(
                    "{what}: JSON round trip changes the protocol {proto} pickle at byte {at}:\n{}\n{}",
                    brinery::repr::repr_bytes(&a[at.saturating_sub(30)..(at + 30).min(a.len())]),
                    brinery::repr::repr_bytes(&b[at.saturating_sub(30)..(at + 30).min(b.len())])
                );
            }
        }
        (Err(_), Err(_)) => {}
        (a, b) => panic!(
            "{what}: JSON round trip changes whether protocol {proto} pickling works: {:?} / {:?}",
            a.map(|_| ()),
            b.map(|_| ())
        ),
    }
}

/// The scanner never panics on any bytes (pickles, archives, compressed
/// data), and it cannot be talked out of a finding by its own fast paths:
/// when it says `Safe`, a plain decode of the same bytes (as `pickle.loads`
/// reads them, events up to any error) imports nothing the default policy
/// rates dangerous.
pub fn check_scan(data: &[u8]) {
    let report = brinery_scan::Scanner::new()
        .max_decompressed(1 << 24)
        .scan_bytes(data);
    if report.verdict != brinery_scan::Verdict::Safe {
        return;
    }
    let policy = brinery_scan::Policy::new();
    let mut dangerous: Option<String> = None;
    let _ = Unpickler::new()
        .encoding("latin1")
        .keep_persistent_ids()
        .limits(fuzz_limits())
        .observe(|g, t| {
            if let brinery::Event::Import { node } = t.event {
                if let Some((m, n)) = g.view(node).as_global() {
                    if matches!(policy.rate(m, n), brinery_scan::Rating::Dangerous(_)) {
                        dangerous.get_or_insert_with(|| format!("{m}.{n} at byte {}", t.offset));
                    }
                }
            }
        })
        .load_slice(data);
    if let Some(d) = dangerous {
        panic!("scanner says safe, but pickle.loads imports {d}");
    }
}
