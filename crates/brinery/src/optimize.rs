//! A pickle optimizer whose output is byte-identical to
//! `pickletools.optimize`: memo PUTs that no GET uses are dropped, the
//! remaining ones are renumbered densely, and protocol 4+ pickles are
//! re-framed with the rules of `pickle`'s `_Framer`.

use hashbrown::{HashMap, HashSet};

use crate::genops::{skip_block, ArgValue, DisError, DisErrorKind, Genops, MemoKey, RawBlockHook};
use crate::opcodes::{Opcode, HIGHEST_PROTOCOL};

/// `pickle._Framer._FRAME_SIZE_TARGET`.
const FRAME_SIZE_TARGET: usize = 64 * 1024;
/// `pickle._Framer._FRAME_SIZE_MIN`.
const FRAME_SIZE_MIN: usize = 4;

enum Op {
    Put(MemoKey),
    Get(MemoKey),
    Raw(usize, usize),
    /// Bytes after a BUILD that are not opcodes, written as they are,
    /// outside any frame.
    Block(usize, usize),
}

/// Optimize the pickle at the start of `data` (anything after its `STOP` is
/// ignored), exactly as `pickletools.optimize(data)` does.
pub fn optimize(data: &[u8]) -> Result<Vec<u8>, DisError> {
    optimize_raw(data, None)
}

/// [`optimize`] consulting `raw` after each instruction: the raw blocks it
/// declares (joblib's array bytes) are kept as they are, outside frames.
pub fn optimize_raw(
    data: &[u8],
    mut raw: Option<&mut RawBlockHook<'_>>,
) -> Result<Vec<u8>, DisError> {
    let mut oldids: HashSet<MemoKey> = HashSet::new();
    let mut newids: HashMap<MemoKey, Option<usize>> = HashMap::new();
    let mut ops: Vec<Op> = Vec::new();
    let mut proto: i64 = 0;
    let mut protoheader: &[u8] = &[];

    let mut reader = Genops::new(data);
    while let Some(instr) = reader.next() {
        let instr = instr?;
        let block = match instr.op.op {
            Opcode::Stop => None,
            _ => raw.as_mut().and_then(|h| h(&instr)),
        };
        if let Some(block) = block {
            let start = reader.position() as usize;
            skip_block(&mut reader, &block)?;
            ops.push(Op::Raw(instr.pos as usize, start));
            ops.push(Op::Block(start, reader.position() as usize));
            continue;
        }
        let pos = instr.pos as usize;
        let end = reader.position() as usize;
        match instr.op.op {
            Opcode::Put | Opcode::BinPut | Opcode::LongBinPut => {
                let key = instr.arg.memo_key().expect("PUT arguments are ints");
                oldids.insert(key.clone());
                ops.push(Op::Put(key));
            }
            Opcode::Memoize => {
                let key = MemoKey::from_usize(oldids.len());
                oldids.insert(key.clone());
                ops.push(Op::Put(key));
            }
            Opcode::Frame => {}
            Opcode::Get | Opcode::BinGet | Opcode::LongBinGet => {
                proto = proto.max(i64::from(instr.op.proto));
                let key = instr.arg.memo_key().expect("GET arguments are ints");
                newids.insert(key.clone(), None);
                ops.push(Op::Get(key));
            }
            Opcode::Proto => {
                if let ArgValue::Int(v) = instr.arg {
                    proto = proto.max(v);
                }
                if pos == 0 {
                    protoheader = &data[pos..end];
                } else {
                    ops.push(Op::Raw(pos, end));
                }
            }
            _ => ops.push(Op::Raw(pos, end)),
        }
    }
    drop(oldids);

    // pickle._Pickler(out, proto)
    if proto > i64::from(HIGHEST_PROTOCOL) {
        return Err(DisError::value(format!(
            "pickle protocol must be <= {HIGHEST_PROTOCOL}"
        )));
    }
    let bin = proto >= 1;
    let mut framer = Framer {
        out: protoheader.to_vec(),
        frame: if proto >= 4 { Some(Vec::new()) } else { None },
    };
    let mut idx: usize = 0;
    let mut scratch: Vec<u8> = Vec::with_capacity(16);
    for op in &ops {
        scratch.clear();
        let mut frameless = false;
        let chunk: &[u8] = match op {
            Op::Put(key) => {
                let Some(slot) = newids.get_mut(key) else {
                    continue;
                };
                put(&mut scratch, proto, bin, idx);
                *slot = Some(idx);
                idx += 1;
                &scratch
            }
            Op::Get(key) => {
                match newids[key] {
                    Some(i) => get(&mut scratch, bin, i),
                    None if bin => {
                        return Err(DisError::new(
                            DisErrorKind::TypeError,
                            "'<' not supported between instances of 'NoneType' and 'int'",
                        ))
                    }
                    // pickle writes GET + repr(None).
                    None => {
                        scratch.push(Opcode::Get.code());
                        scratch.extend_from_slice(b"None\n");
                    }
                }
                &scratch
            }
            &Op::Raw(a, b) => {
                frameless = b - a > FRAME_SIZE_TARGET;
                &data[a..b]
            }
            &Op::Block(a, b) => {
                frameless = true;
                &data[a..b]
            }
        };
        framer.commit_frame(frameless);
        if frameless {
            framer.out.extend_from_slice(chunk);
        } else {
            framer.write(chunk);
        }
    }
    framer.end_framing();
    Ok(framer.out)
}

/// `_Pickler.put(idx)`.
fn put(out: &mut Vec<u8>, proto: i64, bin: bool, idx: usize) {
    if proto >= 4 {
        out.push(Opcode::Memoize.code());
    } else {
        memo_op(
            out,
            bin,
            idx,
            [Opcode::BinPut, Opcode::LongBinPut, Opcode::Put],
        );
    }
}

/// `_Pickler.get(i)`.
fn get(out: &mut Vec<u8>, bin: bool, i: usize) {
    memo_op(
        out,
        bin,
        i,
        [Opcode::BinGet, Opcode::LongBinGet, Opcode::Get],
    );
}

/// A memo PUT or GET of `idx`: the one-byte, four-byte or text form.
fn memo_op(out: &mut Vec<u8>, bin: bool, idx: usize, [short, long, text]: [Opcode; 3]) {
    if !bin {
        out.push(text.code());
        out.extend_from_slice(idx.to_string().as_bytes());
        out.push(b'\n');
    } else if idx < 256 {
        out.push(short.code());
        out.push(idx as u8);
    } else {
        out.push(long.code());
        out.extend_from_slice(&(idx as u32).to_le_bytes());
    }
}

/// `pickle._Framer`, writing into a byte vector.
struct Framer {
    out: Vec<u8>,
    /// The frame being filled (`None` below protocol 4).
    frame: Option<Vec<u8>>,
}

impl Framer {
    fn commit_frame(&mut self, force: bool) {
        if let Some(frame) = &mut self.frame {
            if frame.len() >= FRAME_SIZE_TARGET || force {
                if frame.len() >= FRAME_SIZE_MIN {
                    self.out.push(Opcode::Frame.code());
                    self.out
                        .extend_from_slice(&(frame.len() as u64).to_le_bytes());
                }
                self.out.extend_from_slice(frame);
                frame.clear();
            }
        }
    }

    fn write(&mut self, data: &[u8]) {
        match &mut self.frame {
            Some(frame) => frame.extend_from_slice(data),
            None => self.out.extend_from_slice(data),
        }
    }

    fn end_framing(&mut self) {
        if self.frame.as_ref().is_some_and(|f| !f.is_empty()) {
            self.commit_frame(true);
            self.frame = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_unused_puts() {
        // [1, 2] at protocol 2 with a memoized list that nobody GETs.
        let p = b"\x80\x02]q\x00(K\x01K\x02e.";
        assert_eq!(optimize(p).unwrap(), b"\x80\x02](K\x01K\x02e.");
    }
}
