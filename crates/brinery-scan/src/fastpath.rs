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

use std::sync::OnceLock;

use brinery::pickletools::{opcode_info, ArgLayout};
use brinery::Opcode;

#[derive(Clone, Copy)]
enum Step {
    Invalid,
    Event,
    Stop,
    Proto,
    Plain(ArgLayout),
}

/// One step per byte value, built once from brinery's opcode table.
fn table() -> &'static [Step; 256] {
    static TABLE: OnceLock<[Step; 256]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [Step::Invalid; 256];
        for (b, slot) in t.iter_mut().enumerate() {
            let Some(info) = opcode_info(b as u8) else {
                continue;
            };
            *slot = match info.op {
                Opcode::Stop => Step::Stop,
                Opcode::Proto => Step::Proto,
                Opcode::Global
                | Opcode::StackGlobal
                | Opcode::Inst
                | Opcode::Obj
                | Opcode::Reduce
                | Opcode::Build
                | Opcode::NewObj
                | Opcode::NewObjEx
                | Opcode::Ext1
                | Opcode::Ext2
                | Opcode::Ext4
                | Opcode::PersId
                | Opcode::BinPersId => Step::Event,
                _ => Step::Plain(info.arg.layout()),
            };
        }
        t
    })
}

/// The offset just past STOP when `data` starts with an inert pickle.
pub(crate) fn inert_prefix(data: &[u8]) -> Option<usize> {
    let table = table();
    let mut pos = 0usize;
    loop {
        let step = table[*data.get(pos)? as usize];
        pos += 1;
        let layout = match step {
            Step::Stop => return Some(pos),
            Step::Invalid | Step::Event => return None,
            Step::Proto => {
                if *data.get(pos)? > 5 {
                    return None;
                }
                ArgLayout::Fixed(1)
            }
            Step::Plain(l) => l,
        };
        pos = match layout {
            ArgLayout::None => pos,
            ArgLayout::Fixed(n) => pos + n as usize,
            ArgLayout::Counted { width, signed } => {
                let w = width as usize;
                let bytes = data.get(pos..pos + w)?;
                let mut buf = [0u8; 8];
                buf[..w].copy_from_slice(bytes);
                if signed && bytes[w - 1] & 0x80 != 0 {
                    return None;
                }
                let n = usize::try_from(u64::from_le_bytes(buf)).ok()?;
                (pos + w).checked_add(n)?
            }
            ArgLayout::Line => line_end(data, pos)?,
            ArgLayout::TwoLines => line_end(data, line_end(data, pos)?)?,
        };
        if pos > data.len() {
            return None;
        }
    }
}

fn line_end(data: &[u8], pos: usize) -> Option<usize> {
    let rest = data.get(pos..)?;
    rest.iter().position(|&b| b == b'\n').map(|i| pos + i + 1)
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
