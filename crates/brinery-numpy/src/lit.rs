//! A small parser for the Python literals of a `.npy` header
//! (`ast.literal_eval` of a dict of str/int/bool/tuple/list), with an
//! explicit stack (no recursion on nesting).

use brinery::Result;

use crate::dtype::invalid;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Lit {
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    Tuple(Vec<Lit>),
    List(Vec<Lit>),
    Dict(Vec<(Lit, Lit)>),
}

enum Frame {
    List(Vec<Lit>),
    /// Entries so far and a pending key.
    Dict(Vec<(Lit, Lit)>, Option<Lit>),
    /// A parenthesised expression that may turn out to be a tuple.
    Paren(Vec<Lit>, bool),
}

struct P<'s> {
    s: &'s [u8],
    i: usize,
    base: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }
    fn err(&self, what: &str) -> brinery::Error {
        invalid(format!(
            "{what} in .npy header at byte {}",
            self.base + self.i
        ))
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn string(&mut self) -> Result<String> {
        let q = self.s[self.i];
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.peek().ok_or_else(|| self.err("unterminated string"))?;
            self.i += 1;
            if c == q {
                break;
            }
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let e = self.peek().ok_or_else(|| self.err("unterminated string"))?;
            self.i += 1;
            let ch = match e {
                b'\\' => '\\',
                b'\'' => '\'',
                b'"' => '"',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'0' => '\0',
                b'x' | b'u' | b'U' => {
                    let n = match e {
                        b'x' => 2,
                        b'u' => 4,
                        _ => 8,
                    };
                    let hex = self
                        .s
                        .get(self.i..self.i + n)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                        .ok_or_else(|| self.err("bad escape"))?;
                    self.i += n;
                    hex
                }
                _ => return Err(self.err("unsupported escape")),
            };
            let mut buf = [0; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
        String::from_utf8(out).map_err(|_| self.err("invalid text"))
    }

    fn atom(&mut self) -> Result<Lit> {
        let c = self.peek().ok_or_else(|| self.err("unexpected end"))?;
        if c == b'\'' || c == b'"' {
            return Ok(Lit::Str(self.string()?));
        }
        if c.is_ascii_digit() || c == b'-' || c == b'+' {
            let start = self.i;
            self.i += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
            // Python 2 longs: `3L`.
            let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
            if self.peek() == Some(b'L') {
                self.i += 1;
            }
            return text
                .parse()
                .map(Lit::Int)
                .map_err(|_| self.err("bad integer"));
        }
        for (word, lit) in [
            ("True", Lit::Bool(true)),
            ("False", Lit::Bool(false)),
            ("None", Lit::None),
        ] {
            if self.s[self.i..].starts_with(word.as_bytes()) {
                self.i += word.len();
                return Ok(lit);
            }
        }
        Err(self.err("unsupported literal"))
    }
}

/// Parse one literal; `base` is the byte offset of `s` in the file (for
/// messages).
pub(crate) fn parse(s: &[u8], base: usize) -> Result<Lit> {
    let mut p = P { s, i: 0, base };
    let mut stack: Vec<Frame> = Vec::new();
    const MAX_DEPTH: usize = 256;
    loop {
        p.ws();
        // Opening brackets push frames; closing ones pop.
        let c = p.peek().ok_or_else(|| p.err("unexpected end"))?;
        let mut value = match c {
            b'(' | b'[' | b'{' => {
                if stack.len() >= MAX_DEPTH {
                    return Err(p.err("literal nested too deeply"));
                }
                p.i += 1;
                stack.push(match c {
                    b'(' => Frame::Paren(Vec::new(), false),
                    b'[' => Frame::List(Vec::new()),
                    _ => Frame::Dict(Vec::new(), None),
                });
                p.ws();
                // Empty container?
                match (p.peek(), stack.last()) {
                    (Some(b')'), Some(Frame::Paren(..)))
                    | (Some(b']'), Some(Frame::List(_)))
                    | (Some(b'}'), Some(Frame::Dict(..))) => {
                        p.i += 1;
                        match stack.pop() {
                            Some(Frame::Paren(..)) => Lit::Tuple(Vec::new()),
                            Some(Frame::List(_)) => Lit::List(Vec::new()),
                            _ => Lit::Dict(Vec::new()),
                        }
                    }
                    _ => continue,
                }
            }
            _ => p.atom()?,
        };
        // Attach the value and handle separators/closers.
        loop {
            p.ws();
            let Some(top) = stack.last_mut() else {
                return Ok(value);
            };
            let sep = p.peek().ok_or_else(|| p.err("unexpected end"))?;
            match top {
                Frame::Dict(entries, key) => match (key.take(), sep) {
                    (None, b':') => {
                        *key = Some(value);
                        p.i += 1;
                        break;
                    }
                    (Some(k), b',') => {
                        entries.push((k, value));
                        p.i += 1;
                        p.ws();
                        if p.peek() == Some(b'}') {
                            p.i += 1;
                            let Some(Frame::Dict(e, _)) = stack.pop() else {
                                unreachable!()
                            };
                            value = Lit::Dict(e);
                            continue;
                        }
                        break;
                    }
                    (Some(k), b'}') => {
                        entries.push((k, value));
                        p.i += 1;
                        let Some(Frame::Dict(e, _)) = stack.pop() else {
                            unreachable!()
                        };
                        value = Lit::Dict(e);
                        continue;
                    }
                    _ => return Err(p.err("bad dict syntax")),
                },
                Frame::List(_) | Frame::Paren(..) => {
                    let close = match top {
                        Frame::List(items) => {
                            items.push(value);
                            b']'
                        }
                        Frame::Paren(items, comma) => {
                            items.push(value);
                            if sep == b',' {
                                *comma = true;
                            }
                            b')'
                        }
                        Frame::Dict(..) => unreachable!(),
                    };
                    if sep == b',' {
                        p.i += 1;
                        p.ws();
                        if p.peek() == Some(close) {
                            p.i += 1;
                        } else {
                            break;
                        }
                    } else if sep == close {
                        p.i += 1;
                    } else {
                        return Err(p.err("bad sequence syntax"));
                    }
                    value = match stack.pop() {
                        Some(Frame::List(v)) => Lit::List(v),
                        Some(Frame::Paren(v, true)) => Lit::Tuple(v),
                        Some(Frame::Paren(mut v, false)) if v.len() == 1 => {
                            v.pop().unwrap_or(Lit::None)
                        }
                        _ => return Err(p.err("bad sequence syntax")),
                    };
                    continue;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_dicts() {
        let l = parse(b"{'descr': [('a', '<i4'), (('t', 'b'), '|S3', (2,))], 'fortran_order': False, 'shape': (2, 3), }", 0).unwrap();
        let Lit::Dict(e) = l else { panic!() };
        assert_eq!(e.len(), 3);
        assert_eq!(e[2].1, Lit::Tuple(vec![Lit::Int(2), Lit::Int(3)]));
        assert_eq!(parse(b"(3,)", 0).unwrap(), Lit::Tuple(vec![Lit::Int(3)]));
        assert_eq!(parse(b"(3)", 0).unwrap(), Lit::Int(3));
        assert_eq!(parse(b"()", 0).unwrap(), Lit::Tuple(vec![]));
        assert!(parse(b"((((", 0).is_err());
        assert!(parse(&vec![b'['; 100000], 0).is_err());
    }
}
