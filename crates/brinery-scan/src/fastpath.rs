//! The inert-pickle fast path: a pickle whose opcodes (framed exactly as
//! CPython's `_pickle` frames them) reach STOP without a single opcode that
//! imports, calls, BUILDs, loads an extension or a persistent id cannot
//! make a load run anything, whatever its data. Walking the opcodes takes
//! no memory and is much faster than building the object graph, so pure
//! data (the common case for large pickles) is judged without decoding.
//!
//! Anything unusual (an unknown opcode, a negative or oversized length, a
//! missing newline, a protocol above 5, no STOP) returns `None` and the
//! caller decodes for real, so a framing disagreement can only cost time,
//! never hide an event.

use brinery::pickletools::OpcodeWalk;

/// The offset just past STOP when `data` starts with an inert pickle.
#[cfg(test)]
pub(crate) fn inert_prefix(data: &[u8]) -> Option<usize> {
    OpcodeWalk::new(data).inert()
}

/// The walk over the pickle at the start of `data` (brinery's
/// [`OpcodeWalk`]: inert or not, and the memo keys read back, which an
/// events-only decode of it needs).
pub(crate) fn walk(data: &[u8]) -> OpcodeWalk {
    OpcodeWalk::new(data)
}

#[cfg(test)]
mod tests {
    use super::inert_prefix;

    #[test]
    fn inert_and_not() {
        assert_eq!(inert_prefix(b"\x80\x05K\x01."), Some(5));
        assert_eq!(
            inert_prefix(b"\x80\x02]q\x00(K\x01X\x01\x00\x00\x00ae.tail"),
            Some(16)
        );
        assert_eq!(inert_prefix(b"(I1\nI0x10\nl."), Some(12));
        assert_eq!(inert_prefix(b"cos\nsystem\n."), None);
        assert_eq!(inert_prefix(b"\x80\x06K\x01."), None);
        assert_eq!(inert_prefix(b"\x80\x02K\x01"), None);
        assert_eq!(inert_prefix(b"T\xff\xff\xff\xff."), None);
        assert_eq!(inert_prefix(b"\x8e\xff\xff\xff\xff\xff\xff\xff\xff."), None);
        assert_eq!(inert_prefix(b"I12"), None);
    }
}
