//! Keys as Python sees them, and the text of a `dbm.dumb` index line.

use crate::error::{Error, ErrorKind, Result};

/// A shelf's `keyencoding`: how `str` keys become the bytes in the
/// database (`shelve.Shelf(..., keyencoding=...)`, default UTF-8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum KeyEncoding {
    /// `'utf-8'` (shelve's default).
    #[default]
    Utf8,
    /// `'latin-1'` (`iso-8859-1`).
    Latin1,
    /// `'ascii'`.
    Ascii,
}

impl KeyEncoding {
    /// Python's codec names and aliases (`utf-8`, `utf8`, `latin-1`,
    /// `latin1`, `iso-8859-1`, `ascii`, ...), case-insensitive.
    pub fn from_name(name: &str) -> Option<KeyEncoding> {
        let n = name.to_ascii_lowercase().replace(['-', ' '], "_");
        Some(match n.as_str() {
            "utf_8" | "utf8" | "u8" | "utf" => KeyEncoding::Utf8,
            "latin_1" | "latin1" | "latin" | "l1" | "iso_8859_1" | "iso8859_1" | "8859"
            | "cp819" => KeyEncoding::Latin1,
            "ascii" | "us_ascii" | "646" => KeyEncoding::Ascii,
            _ => return None,
        })
    }

    /// The codec's name (`utf-8`, `latin-1`, `ascii`).
    pub fn name(self) -> &'static str {
        match self {
            KeyEncoding::Utf8 => "utf-8",
            KeyEncoding::Latin1 => "latin-1",
            KeyEncoding::Ascii => "ascii",
        }
    }

    /// `s.encode(codec)`, `None` where Python raises UnicodeEncodeError.
    pub fn encode(self, s: &str) -> Option<Vec<u8>> {
        match self {
            KeyEncoding::Utf8 => Some(s.as_bytes().to_vec()),
            KeyEncoding::Latin1 => s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect(),
            KeyEncoding::Ascii => s.is_ascii().then(|| s.as_bytes().to_vec()),
        }
    }

    /// `b.decode(codec)`, `None` where Python raises UnicodeDecodeError.
    pub fn decode(self, b: &[u8]) -> Option<String> {
        match self {
            KeyEncoding::Utf8 => std::str::from_utf8(b).ok().map(str::to_string),
            KeyEncoding::Latin1 => Some(b.iter().map(|&c| char::from(c)).collect()),
            KeyEncoding::Ascii => b
                .is_ascii()
                .then(|| String::from_utf8_lossy(b).into_owned()),
        }
    }
}

/// A key of a shelf: the bytes stored in the database and, when Python
/// hands it out as `str`, its text (shelve keys are `str` decoded with the
/// shelf's `keyencoding`; sqlitedict keys are `str` when stored as TEXT).
/// A key Python could not decode is shown as `bytes`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    bytes: Vec<u8>,
    text: Option<String>,
}

impl Key {
    /// A `str` key stored as UTF-8.
    pub fn text(s: &str) -> Key {
        Key {
            bytes: s.as_bytes().to_vec(),
            text: Some(s.to_string()),
        }
    }

    /// A key from stored bytes; `text` says whether Python decodes it
    /// (as UTF-8) to a `str`.
    pub fn from_stored(bytes: Vec<u8>, text: bool) -> Key {
        let text = if text {
            std::str::from_utf8(&bytes).ok().map(str::to_string)
        } else {
            None
        };
        Key { bytes, text }
    }

    /// A key from stored bytes decoded with `enc`.
    pub fn decoded(bytes: Vec<u8>, enc: KeyEncoding) -> Key {
        let text = enc.decode(&bytes);
        Key { bytes, text }
    }

    /// A `str` key encoded with `enc`; `None` if it cannot be encoded.
    pub fn encoded(s: &str, enc: KeyEncoding) -> Option<Key> {
        Some(Key {
            bytes: enc.encode(s)?,
            text: Some(s.to_string()),
        })
    }

    /// The bytes stored in the database.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// True when Python hands the key out as `str`.
    pub fn is_text(&self) -> bool {
        self.text.is_some()
    }

    /// The key as `str`, if it is text.
    pub fn as_str(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// Python's `repr()` of the key: `'name'` for text keys, `b'...'` for
    /// bytes (and for keys Python's shelve could not decode at all).
    pub fn repr(&self) -> String {
        match self.as_str() {
            Some(s) => match brinery::PyStr::from_wtf8(s.as_bytes()) {
                Some(p) => brinery::repr::str_repr(&p),
                None => brinery::repr::repr_bytes(&self.bytes),
            },
            None => brinery::repr::repr_bytes(&self.bytes),
        }
    }

    /// The key for messages and listings: the text itself for text keys,
    /// the bytes' repr otherwise.
    pub fn display(&self) -> String {
        match self.as_str() {
            Some(s) => s.to_string(),
            None => brinery::repr::repr_bytes(&self.bytes),
        }
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Key {
        Key::text(s)
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

// ---------------------------------------------------------------------------
// dbm.dumb index lines: "%r, %r\n" % (key.decode('Latin-1'), (pos, siz))

/// Python's `str.isprintable()` for the Latin-1 range.
fn latin1_printable(c: u8) -> bool {
    !(c < 0x20 || (0x7f..=0xa0).contains(&c) || c == 0xad)
}

/// `repr(key.decode('Latin-1'))`, as Latin-1 bytes (the file's encoding).
pub(crate) fn latin1_repr(key: &[u8]) -> Vec<u8> {
    let has_single = key.contains(&b'\'');
    let has_double = key.contains(&b'"');
    let quote = if has_single && !has_double {
        b'"'
    } else {
        b'\''
    };
    let mut out = Vec::with_capacity(key.len() + 2);
    out.push(quote);
    for &c in key {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            c if c == quote => {
                out.push(b'\\');
                out.push(c)
            }
            c if latin1_printable(c) => out.push(c),
            c => out.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
        }
    }
    out.push(quote);
    out
}

/// One `.dir` line as `dbm.dumb` writes it (with the newline).
pub(crate) fn dir_line(key: &[u8], pos: u64, size: u64) -> Vec<u8> {
    let mut line = latin1_repr(key);
    line.extend_from_slice(format!(", ({pos}, {size})\n").as_bytes());
    line
}

/// Parse one `.dir` line (already `rstrip`ped) the way
/// `ast.literal_eval` reads `'key', (pos, size)` (also with outer
/// parentheses). The line is Latin-1 text: each byte is one character.
pub(crate) fn parse_dir_line(line: &[u8]) -> Result<(Vec<u8>, u64, u64)> {
    let mut p = Parser { s: line, i: 0 };
    p.ws();
    let outer = p.eat(b'(');
    p.ws();
    let key = p.string()?;
    p.ws();
    p.expect(b',')?;
    p.ws();
    p.expect(b'(')?;
    p.ws();
    let pos = p.int()?;
    p.ws();
    p.expect(b',')?;
    p.ws();
    let size = p.int()?;
    p.ws();
    p.eat(b',');
    p.ws();
    p.expect(b')')?;
    p.ws();
    if outer {
        p.eat(b',');
        p.ws();
        p.expect(b')')?;
        p.ws();
    }
    if p.i != p.s.len() {
        return Err(p.err("unexpected text after the entry"));
    }
    Ok((key, pos, size))
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> Error {
        Error::new(
            ErrorKind::Corrupt,
            format!("{what} (column {})", self.i + 1),
        )
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\x0c') {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<()> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.err(&format!("expected '{}'", c as char)))
        }
    }

    fn int(&mut self) -> Result<u64> {
        let start = self.i;
        let mut v: u64 = 0;
        let mut last_digit = false;
        while let Some(&c) = self.s.get(self.i) {
            if c.is_ascii_digit() {
                v = v
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(c - b'0')))
                    .ok_or_else(|| self.err("number too large"))?;
                last_digit = true;
            } else if c == b'_' && last_digit {
                last_digit = false;
            } else {
                break;
            }
            self.i += 1;
        }
        if self.i == start || !last_digit {
            return Err(self.err("expected a non-negative integer"));
        }
        // Python 3 rejects leading zeros in decimal literals ("007").
        if self.s[start] == b'0'
            && self.i - start > 1
            && self.s[start..self.i]
                .iter()
                .any(|&c| c != b'0' && c != b'_')
        {
            return Err(self.err("leading zeros in an integer"));
        }
        Ok(v)
    }

    /// A Python string literal (optional `u` prefix), as code points that
    /// must fit in Latin-1 (the key is `str.encode('Latin-1')`ed).
    fn string(&mut self) -> Result<Vec<u8>> {
        if matches!(self.s.get(self.i), Some(b'u' | b'U')) {
            self.i += 1;
        }
        let quote = match self.s.get(self.i) {
            Some(&q @ (b'\'' | b'"')) => q,
            _ => return Err(self.err("expected a quoted key")),
        };
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return Err(self.err("unterminated string"));
            };
            self.i += 1;
            if c == quote {
                return Ok(out);
            }
            if c == b'\n' || c == b'\r' {
                return Err(self.err("unterminated string"));
            }
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let Some(&e) = self.s.get(self.i) else {
                return Err(self.err("unterminated string"));
            };
            self.i += 1;
            let cp: u32 = match e {
                b'\\' => 0x5c,
                b'\'' => 0x27,
                b'"' => 0x22,
                b'a' => 7,
                b'b' => 8,
                b'f' => 0x0c,
                b'n' => 0x0a,
                b'r' => 0x0d,
                b't' => 9,
                b'v' => 0x0b,
                b'x' => self.hex(2)?,
                b'u' => self.hex(4)?,
                b'U' => self.hex(8)?,
                b'0'..=b'7' => {
                    let mut v = u32::from(e - b'0');
                    for _ in 0..2 {
                        match self.s.get(self.i) {
                            Some(&d @ b'0'..=b'7') => {
                                v = v * 8 + u32::from(d - b'0');
                                self.i += 1;
                            }
                            _ => break,
                        }
                    }
                    v
                }
                other => {
                    // Unknown escapes keep the backslash.
                    out.push(b'\\');
                    out.push(other);
                    continue;
                }
            };
            let b = u8::try_from(cp).map_err(|_| {
                self.err(&format!(
                    "key character U+{cp:04X} cannot be encoded to Latin-1"
                ))
            })?;
            out.push(b);
        }
    }

    fn hex(&mut self, n: usize) -> Result<u32> {
        let digits = self
            .s
            .get(self.i..self.i + n)
            .ok_or_else(|| self.err("truncated escape"))?;
        let text = std::str::from_utf8(digits).map_err(|_| self.err("bad escape"))?;
        let v = u32::from_str_radix(text, 16).map_err(|_| self.err("bad escape"))?;
        self.i += n;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_lines_round_trip() {
        let keys: [&[u8]; 6] = [
            b"plain",
            b"it's",
            b"both ' and \"",
            b"tab\tnew\nline\\",
            "ключ".as_bytes(),
            b"\x00\x7f\x80\xa0\xad\xff",
        ];
        for k in keys {
            let line = dir_line(k, 512, 7);
            let text = &line[..line.len() - 1];
            assert_eq!(parse_dir_line(text).unwrap(), (k.to_vec(), 512, 7));
        }
        assert_eq!(dir_line(b"it's", 0, 1), b"\"it's\", (0, 1)\n");
        assert_eq!(
            dir_line(b"both ' and \"", 0, 1),
            b"'both \\' and \"', (0, 1)\n"
        );
        assert_eq!(
            parse_dir_line(b"('k', (1, 2))").unwrap(),
            (b"k".to_vec(), 1, 2)
        );
        assert!(parse_dir_line(b"'k', (1, ").is_err());
        assert!(parse_dir_line(b"'\\u0100', (1, 2)").is_err());
        assert!(parse_dir_line(b"'k', (-1, 2)").is_err());
    }
}
