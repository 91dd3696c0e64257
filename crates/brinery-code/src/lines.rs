//! Line tables: `co_lnotab` (2.7, 3.6-3.9), the 3.10 `co_linetable` and the
//! 3.11+ location table, decoded to what `code.co_lines()` yields and to
//! the `(offset, line)` starts `dis.findlinestarts` yields.

/// `(start, end, line)` byte ranges of the bytecode; `line` is `None`
/// where the instructions have no line.
pub(crate) type Ranges = Vec<(usize, usize, Option<i64>)>;

/// `dis.findlinestarts` from `co_lnotab` (2.7, 3.6-3.9): 2.7's line
/// increments are unsigned, 3.6+'s signed; 3.8+ stops at the first address
/// past the bytecode (`stop_at`).
pub(crate) fn starts_lnotab(
    lnotab: &[u8],
    firstlineno: i64,
    stop_at: Option<usize>,
    signed: bool,
) -> Vec<(usize, i64)> {
    let mut out = Vec::new();
    let mut last: Option<i64> = None;
    let mut line = firstlineno;
    let mut addr = 0usize;
    for pair in lnotab.chunks_exact(2) {
        let (byte_incr, line_incr) = (pair[0] as usize, pair[1]);
        if byte_incr != 0 {
            if Some(line) != last {
                out.push((addr, line));
                last = Some(line);
            }
            addr += byte_incr;
            if stop_at.is_some_and(|n| addr >= n) {
                return out;
            }
        }
        line += if signed {
            line_incr as i8 as i64
        } else {
            line_incr as i64
        };
    }
    if Some(line) != last {
        out.push((addr, line));
    }
    out
}

/// `co_lines()` of a 3.10 code object.
pub(crate) fn ranges_310(table: &[u8], firstlineno: i64) -> Ranges {
    let mut out = Ranges::new();
    let mut computed = firstlineno;
    let mut end = 0usize;
    let mut line: Option<i64>;
    let mut pairs = table.chunks_exact(2).peekable();
    while pairs.peek().is_some() {
        // advance, skipping empty ranges (their line deltas still count)
        loop {
            let Some(p) = pairs.next() else { return out };
            let start = end;
            end += p[0] as usize;
            let ld = p[1] as i8;
            if ld == -128 {
                line = None;
            } else {
                computed += ld as i64;
                line = Some(computed);
            }
            if start != end {
                out.push((start, end, line));
                break;
            }
        }
    }
    out
}

/// A varint of 6-bit chunks (bit 6: more follow) of the 3.11+ tables: the
/// exception table puts the high chunks first (`msb_first`), the location
/// table the low ones. `None` when truncated or longer than 64 bits.
pub(crate) fn varint(it: &mut std::slice::Iter<'_, u8>, msb_first: bool) -> Option<u64> {
    let mut b = *it.next()? as u64;
    let mut val = b & 63;
    let mut shift = 0;
    while b & 64 != 0 {
        b = *it.next()? as u64;
        shift += 6;
        if shift > 60 {
            return None;
        }
        val = if msb_first {
            (val << 6) | (b & 63)
        } else {
            val | (b & 63) << shift
        };
    }
    Some(val)
}

fn svarint(it: &mut std::slice::Iter<'_, u8>) -> Option<i64> {
    let v = varint(it, false)?;
    Some(if v & 1 != 0 {
        -((v >> 1) as i64)
    } else {
        (v >> 1) as i64
    })
}

/// `co_lines()` of a 3.11+ code object (the location table; columns are
/// read and dropped).
pub(crate) fn ranges_311(table: &[u8], firstlineno: i64) -> Ranges {
    let mut out = Ranges::new();
    let mut it = table.iter();
    let mut line = firstlineno;
    let mut addr = 0usize;
    while let Some(&first) = it.next() {
        if first & 0x80 == 0 {
            break; // not an entry start: a corrupt table ends here
        }
        let code = (first >> 3) & 15;
        let len = ((first & 7) as usize + 1) * 2;
        let this: Option<i64> = match code {
            15 => None,
            14 => {
                let Some(d) = svarint(&mut it) else { break };
                line += d;
                for _ in 0..3 {
                    if varint(&mut it, false).is_none() {
                        break;
                    }
                }
                Some(line)
            }
            13 => {
                let Some(d) = svarint(&mut it) else { break };
                line += d;
                Some(line)
            }
            10..=12 => {
                line += (code - 10) as i64;
                it.next();
                it.next();
                Some(line)
            }
            _ => {
                it.next();
                Some(line)
            }
        };
        // co_lines merges consecutive entries with the same line.
        match out.last_mut() {
            Some((_, end, l)) if *l == this && *end == addr => *end = addr + len,
            _ => out.push((addr, addr + len, this)),
        }
        addr += len;
    }
    out
}

/// `dis.findlinestarts` from `co_lines()` ranges (3.10-3.12): the start
/// of each range whose line differs from the last line seen.
pub(crate) fn starts_from_ranges(ranges: &Ranges) -> Vec<(usize, i64)> {
    let mut out = Vec::new();
    let mut last: Option<i64> = None;
    for &(start, _, line) in ranges {
        if let Some(l) = line {
            if Some(l) != last {
                last = Some(l);
                out.push((start, l));
            }
        }
    }
    out
}
