//! Python `str`: Unicode text that may hold lone surrogates.

use std::borrow::Cow;
use std::fmt;

/// A byte buffer that is either borrowed from the input or owned.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Buf<'a> {
    /// Borrowed from the decoded input (zero-copy).
    Borrowed(&'a [u8]),
    /// Owned.
    Owned(Box<[u8]>),
}

impl<'a> Buf<'a> {
    /// The bytes.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Buf::Borrowed(b) => b,
            Buf::Owned(b) => b,
        }
    }

    /// An owned copy with no borrow.
    pub fn into_owned(self) -> Buf<'static> {
        match self {
            Buf::Borrowed(b) => Buf::Owned(b.into()),
            Buf::Owned(b) => Buf::Owned(b),
        }
    }

    /// True when this buffer borrows from the input.
    pub fn is_borrowed(&self) -> bool {
        matches!(self, Buf::Borrowed(_))
    }
}

impl std::ops::Deref for Buf<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl fmt::Debug for Buf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.as_slice().escape_ascii())
    }
}

impl From<Vec<u8>> for Buf<'static> {
    fn from(v: Vec<u8>) -> Self {
        Buf::Owned(v.into_boxed_slice())
    }
}

impl<'a> From<&'a [u8]> for Buf<'a> {
    fn from(v: &'a [u8]) -> Self {
        Buf::Borrowed(v)
    }
}

/// A Python `str`.
///
/// Stored as "generalized UTF-8": ordinary UTF-8, except that lone
/// surrogate code points (U+D800–U+DFFF), which Python strings may hold,
/// are encoded as 3-byte sequences, exactly like Python's
/// `s.encode("utf-8", "surrogatepass")`. This is also the pickle wire
/// format, so strings round-trip byte for byte. Most strings are valid
/// UTF-8 and [`PyStr::as_str`] returns them without copying.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyStr<'a> {
    repr: Repr<'a>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr<'a> {
    Str(&'a str),
    String(Box<str>),
    /// Contains at least one surrogate.
    Wtf(&'a [u8]),
    WtfOwned(Box<[u8]>),
}

impl<'a> PyStr<'a> {
    /// From owned generalized-UTF-8 bytes. Returns `None` if they are not
    /// valid generalized UTF-8.
    pub fn from_wtf8_vec(bytes: Vec<u8>) -> Option<PyStr<'static>> {
        Self::try_from_wtf8_vec(bytes).ok()
    }

    /// [`PyStr::from_wtf8_vec`], giving the bytes back when they are not
    /// valid (one validation pass for ordinary UTF-8).
    pub(crate) fn try_from_wtf8_vec(bytes: Vec<u8>) -> Result<PyStr<'static>, Vec<u8>> {
        match String::from_utf8(bytes) {
            Ok(s) => Ok(PyStr {
                repr: Repr::String(s.into_boxed_str()),
            }),
            Err(e) => {
                let bytes = e.into_bytes();
                match validate(&bytes) {
                    Some(_) => Ok(PyStr {
                        repr: Repr::WtfOwned(bytes.into_boxed_slice()),
                    }),
                    None => Err(bytes),
                }
            }
        }
    }

    /// From borrowed generalized-UTF-8 bytes (validated; one pass for
    /// ordinary UTF-8).
    pub fn from_wtf8(bytes: &'a [u8]) -> Option<PyStr<'a>> {
        match std::str::from_utf8(bytes) {
            Ok(s) => Some(PyStr { repr: Repr::Str(s) }),
            Err(_) => validate_slow(bytes).ok().map(|_| PyStr {
                repr: Repr::Wtf(bytes),
            }),
        }
    }

    /// From Unicode code points (any value up to 0x10FFFF, surrogates included).
    pub fn from_code_points(cps: impl IntoIterator<Item = u32>) -> Option<PyStr<'static>> {
        let mut out = Vec::new();
        for cp in cps {
            if !crate::text::push_code_point(&mut out, cp) {
                return None;
            }
        }
        PyStr::from_wtf8_vec(out)
    }

    /// Python's `repr()` of the text (CPython's quote choice and escapes).
    pub fn repr(&self) -> String {
        let mut out = String::with_capacity(self.as_wtf8().len() + 2);
        crate::text::push_str_repr(&mut out, self.code_points());
        out
    }

    /// The text, if it holds no lone surrogate.
    #[inline]
    pub fn as_str(&self) -> Option<&str> {
        match &self.repr {
            Repr::Str(s) => Some(s),
            Repr::String(s) => Some(s),
            _ => None,
        }
    }

    /// The generalized UTF-8 bytes (the pickle wire form).
    #[inline]
    pub fn as_wtf8(&self) -> &[u8] {
        match &self.repr {
            Repr::Str(s) => s.as_bytes(),
            Repr::String(s) => s.as_bytes(),
            Repr::Wtf(b) => b,
            Repr::WtfOwned(b) => b,
        }
    }

    /// The text with each lone surrogate replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        match self.as_str() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(
                self.code_points()
                    .map(|c| char::from_u32(c).unwrap_or('\u{FFFD}'))
                    .collect(),
            ),
        }
    }

    /// True if the string holds a lone surrogate (so is not valid UTF-8).
    pub fn has_surrogates(&self) -> bool {
        self.as_str().is_none()
    }

    /// The code points, surrogates included.
    pub fn code_points(&self) -> CodePoints<'_> {
        CodePoints {
            bytes: self.as_wtf8(),
        }
    }

    /// Number of code points (Python's `len`).
    pub fn char_len(&self) -> usize {
        self.as_wtf8()
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count()
    }

    /// Borrowed or owned: an owned copy with no borrow.
    pub fn into_owned(self) -> PyStr<'static> {
        PyStr {
            repr: match self.repr {
                Repr::Str(s) => Repr::String(s.into()),
                Repr::String(s) => Repr::String(s),
                Repr::Wtf(b) => Repr::WtfOwned(b.into()),
                Repr::WtfOwned(b) => Repr::WtfOwned(b),
            },
        }
    }

    /// True when this string borrows from the input.
    pub fn is_borrowed(&self) -> bool {
        matches!(self.repr, Repr::Str(_) | Repr::Wtf(_))
    }
}

impl Default for PyStr<'_> {
    fn default() -> Self {
        PyStr {
            repr: Repr::Str(""),
        }
    }
}

impl fmt::Debug for PyStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(s) => fmt::Debug::fmt(s, f),
            None => write!(f, "{:?}", self.to_string_lossy()),
        }
    }
}

impl fmt::Display for PyStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl From<String> for PyStr<'static> {
    fn from(s: String) -> Self {
        PyStr {
            repr: Repr::String(s.into_boxed_str()),
        }
    }
}

impl<'a> From<&'a str> for PyStr<'a> {
    fn from(s: &'a str) -> Self {
        PyStr { repr: Repr::Str(s) }
    }
}

impl PartialEq<str> for PyStr<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_wtf8() == other.as_bytes()
    }
}

impl PartialEq<&str> for PyStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_wtf8() == other.as_bytes()
    }
}

/// Iterator over the code points of a [`PyStr`].
#[derive(Clone, Debug)]
pub struct CodePoints<'s> {
    bytes: &'s [u8],
}

impl Iterator for CodePoints<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        let (cp, n) = crate::text::next_code_point(self.bytes)?;
        self.bytes = &self.bytes[n..];
        Some(cp)
    }
}

/// Validate generalized UTF-8 (UTF-8 plus encoded surrogates), the way
/// Python's `utf-8` codec with `surrogatepass` accepts it. Returns
/// `Some(true)` for plain UTF-8, `Some(false)` for text with surrogates,
/// `None` for invalid input.
pub(crate) fn validate(bytes: &[u8]) -> Option<bool> {
    if std::str::from_utf8(bytes).is_ok() {
        return Some(true);
    }
    validate_slow(bytes).ok().map(|_| false)
}

/// Position of the first invalid byte for the surrogatepass decoder, with
/// the length of the invalid run (for error messages).
pub(crate) fn first_invalid(bytes: &[u8]) -> Option<(usize, usize)> {
    validate_slow(bytes).err()
}

fn validate_slow(bytes: &[u8]) -> Result<(), (usize, usize)> {
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        let b0 = bytes[i];
        if b0 < 0x80 {
            i += 1;
            continue;
        }
        let cont = |j: usize| j < n && (bytes[j] & 0xC0) == 0x80;
        match b0 {
            0xC2..=0xDF => {
                if !cont(i + 1) {
                    return Err((i, 1));
                }
                i += 2;
            }
            0xE0..=0xEF => {
                // Surrogates (ED A0..BF) are allowed here: surrogatepass.
                let lo = if b0 == 0xE0 { 0xA0 } else { 0x80 };
                if i + 1 >= n || !(lo..=0xBF).contains(&bytes[i + 1]) {
                    return Err((i, 1));
                }
                if !cont(i + 2) {
                    return Err((i, 2));
                }
                i += 3;
            }
            0xF0..=0xF4 => {
                let (lo, hi) = match b0 {
                    0xF0 => (0x90, 0xBF),
                    0xF4 => (0x80, 0x8F),
                    _ => (0x80, 0xBF),
                };
                if i + 1 >= n || !(lo..=hi).contains(&bytes[i + 1]) {
                    return Err((i, 1));
                }
                if !cont(i + 2) {
                    return Err((i, 2));
                }
                if !cont(i + 3) {
                    return Err((i, 3));
                }
                i += 4;
            }
            _ => return Err((i, 1)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogates_round_trip() {
        let s = PyStr::from_code_points([0x61, 0xD800, 0x1F600, 0xDFFF]).unwrap();
        assert!(s.has_surrogates());
        assert_eq!(
            s.code_points().collect::<Vec<_>>(),
            vec![0x61, 0xD800, 0x1F600, 0xDFFF]
        );
        assert_eq!(s.char_len(), 4);
        assert_eq!(validate(s.as_wtf8()), Some(false));
        assert_eq!(validate(b"\xed\xa0\x80"), Some(false));
        assert_eq!(validate(b"\xc0\x80"), None);
        assert_eq!(validate(b"\xf4\x90\x80\x80"), None);
        assert_eq!(validate("héllo".as_bytes()), Some(true));
    }
}
