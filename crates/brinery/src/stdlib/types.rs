//! The typed values and how each is read from the way CPython pickles it.

use std::borrow::Cow;
use std::fmt;

use num_bigint::{BigInt, Sign};
use num_traits::{Signed, ToPrimitive, Zero};

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Graph, Node, NodeId, NodeRef};

pub(crate) fn bad(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidValue, msg.into())
}

// ---------------------------------------------------------------------------
// datetime

/// `datetime.date`: pickled as `date(b'\xYY\xyy\xMM\xDD')` (year big-endian).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Date {
    /// 1..=9999.
    pub year: u16,
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
}

/// `datetime.timedelta`, normalized like CPython: `0 <= seconds < 86400`,
/// `0 <= microseconds < 1_000_000`, `|days| <= 999_999_999`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct TimeDelta {
    /// Days (may be negative).
    pub days: i32,
    /// Seconds, 0..86400.
    pub seconds: i32,
    /// Microseconds, 0..1_000_000.
    pub microseconds: i32,
}

impl TimeDelta {
    /// Normalize `days`, `seconds` and `microseconds` as the constructor
    /// does; an error beyond ±999999999 days (CPython's OverflowError).
    pub fn new(days: i64, seconds: i64, microseconds: i64) -> Result<TimeDelta> {
        let total =
            days as i128 * 86_400_000_000 + seconds as i128 * 1_000_000 + microseconds as i128;
        Self::from_microseconds(total)
    }

    /// The timedelta of this many microseconds.
    pub fn from_microseconds(total: i128) -> Result<TimeDelta> {
        let days = total.div_euclid(86_400_000_000);
        let rest = total.rem_euclid(86_400_000_000);
        if days.abs() > 999_999_999 {
            return Err(bad(format!(
                "days={days}; must have magnitude <= 999999999"
            )));
        }
        Ok(TimeDelta {
            days: days as i32,
            seconds: (rest / 1_000_000) as i32,
            microseconds: (rest % 1_000_000) as i32,
        })
    }

    /// The whole duration in microseconds.
    pub fn total_microseconds(&self) -> i128 {
        self.days as i128 * 86_400_000_000
            + self.seconds as i128 * 1_000_000
            + self.microseconds as i128
    }

    /// Python's `timedelta.total_seconds()`.
    pub fn total_seconds(&self) -> f64 {
        self.total_microseconds() as f64 / 1e6
    }

    /// True for `timedelta(0)`.
    pub fn is_zero(&self) -> bool {
        self.total_microseconds() == 0
    }
}

impl fmt::Display for TimeDelta {
    /// Python's `str(timedelta)`: `-1 day, 23:59:59.500000`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.days != 0 {
            let s = if self.days.unsigned_abs() != 1 {
                "s"
            } else {
                ""
            };
            write!(f, "{} day{}, ", self.days, s)?;
        }
        let (hh, rest) = (self.seconds / 3600, self.seconds % 3600);
        write!(f, "{}:{:02}:{:02}", hh, rest / 60, rest % 60)?;
        if self.microseconds != 0 {
            write!(f, ".{:06}", self.microseconds)?;
        }
        Ok(())
    }
}

/// `datetime.timezone(offset[, name])`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TimeZone {
    /// The UTC offset.
    pub offset: TimeDelta,
    /// The name given to the constructor, if any.
    pub name: Option<String>,
}

impl TimeZone {
    /// True for `datetime.timezone.utc` (what `timezone(timedelta(0))`
    /// unpickles to).
    pub fn is_utc(&self) -> bool {
        self.offset.is_zero() && self.name.is_none()
    }
}

/// A `pytz` time zone, pickled as `pytz._p(zone, utcoffset, dst, tzname)`
/// (a `DstTzInfo` at one of its transitions) or `pytz._p(zone)` (a
/// `StaticTzInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PytzZone {
    /// The zone name, e.g. `Europe/Paris`.
    pub zone: String,
    /// For a `DstTzInfo`: UTC offset in seconds, DST offset in seconds and
    /// the abbreviation (`CEST`).
    pub transition: Option<(i64, i64, String)>,
}

/// A `tzinfo` attached to a time or datetime, or a standalone zone.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TzInfo<'g, 'a> {
    /// `datetime.timezone` (including `timezone.utc`).
    TimeZone(TimeZone),
    /// `zoneinfo.ZoneInfo(key)`, pickled by key: its offsets need the
    /// time-zone database, which brinery does not consult.
    ZoneInfo {
        /// The IANA key, e.g. `Europe/Paris`.
        key: String,
    },
    /// A `pytz` zone.
    Pytz(PytzZone),
    /// `pytz.utc`.
    PytzUtc,
    /// Any other tzinfo object, left as a node.
    Other(NodeRef<'g, 'a>),
}

impl TzInfo<'_, '_> {
    /// The fixed UTC offset when the pickle says it: `timezone`, `pytz`
    /// transitions and `pytz.utc`; `None` for `ZoneInfo` and others (their
    /// offset depends on the date and the time-zone database).
    pub fn utcoffset(&self) -> Option<TimeDelta> {
        match self {
            TzInfo::TimeZone(t) => Some(t.offset),
            TzInfo::PytzUtc => Some(TimeDelta::default()),
            TzInfo::Pytz(PytzZone {
                transition: Some((off, _, _)),
                ..
            }) => TimeDelta::new(0, *off, 0).ok(),
            _ => None,
        }
    }
}

/// `datetime.time`: pickled as `time(b'HMS' + microsecond(3 bytes)[, tzinfo])`,
/// with `fold` in the high bit of the hour byte (protocol 4+).
#[derive(Clone, Debug)]
pub struct Time<'g, 'a> {
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// 0..=59.
    pub second: u8,
    /// 0..=999999.
    pub microsecond: u32,
    /// 0 or 1.
    pub fold: u8,
    /// The tzinfo, if any.
    pub tzinfo: Option<TzInfo<'g, 'a>>,
}

/// `datetime.datetime`: pickled as `datetime(b'YYMDHMS' + microsecond(3
/// bytes)[, tzinfo])`, with `fold` in the high bit of the month byte.
#[derive(Clone, Debug)]
pub struct DateTime<'g, 'a> {
    /// 1..=9999.
    pub year: u16,
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// 0..=59.
    pub second: u8,
    /// 0..=999999.
    pub microsecond: u32,
    /// 0 or 1.
    pub fold: u8,
    /// The tzinfo, if any.
    pub tzinfo: Option<TzInfo<'g, 'a>>,
}

impl DateTime<'_, '_> {
    /// The date part.
    pub fn date(&self) -> Date {
        Date {
            year: self.year,
            month: self.month,
            day: self.day,
        }
    }

    /// The UTC offset, when the tzinfo states it (see [`TzInfo::utcoffset`]).
    pub fn utcoffset(&self) -> Option<TimeDelta> {
        self.tzinfo.as_ref().and_then(|t| t.utcoffset())
    }
}

// ---------------------------------------------------------------------------
// numbers

/// The value of a `decimal.Decimal`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DecimalValue {
    /// `digits × 10^exponent` (digits without leading zeros, `"0"` for zero).
    Finite {
        /// The coefficient's decimal digits.
        digits: String,
        /// The exponent.
        exponent: i64,
    },
    /// `Infinity`.
    Infinity,
    /// Quiet NaN with its diagnostic payload digits (may be empty).
    NaN(String),
    /// Signaling NaN with its payload digits.
    SNaN(String),
}

/// `decimal.Decimal`, pickled as `Decimal(str(self))`. Displays as
/// Python's `str()` of it (`Decimal('1.10')` is its repr).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The sign (true for negative, including `-0` and `-NaN`).
    pub negative: bool,
    /// The value.
    pub value: DecimalValue,
}

impl Decimal {
    /// Parse Python's decimal string syntax (`' -1_000.5e-3 '`, `'NaN12'`,
    /// `'-sNaN'`, `'Inf'`, ...).
    pub fn parse(text: &str) -> Result<Decimal> {
        let err = || bad(format!("invalid literal for Decimal: {text:?}"));
        let s = text.trim_matches(|c: char| c.is_whitespace());
        let (negative, s) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let prefix = |n: usize, p: &str| s.get(..n).is_some_and(|h| h.eq_ignore_ascii_case(p));
        let digits_only = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        let payload = |t: &str| -> Result<String> {
            if !digits_only(t) {
                return Err(err());
            }
            Ok(t.trim_start_matches('0').to_string())
        };
        let value = if s.eq_ignore_ascii_case("inf") || s.eq_ignore_ascii_case("infinity") {
            DecimalValue::Infinity
        } else if prefix(4, "snan") {
            DecimalValue::SNaN(payload(&s[4..])?)
        } else if prefix(3, "nan") {
            DecimalValue::NaN(payload(&s[3..])?)
        } else {
            let (mant, exp) = match s.find(['e', 'E']) {
                Some(i) => (&s[..i], Some(&s[i + 1..])),
                None => (s, None),
            };
            let clean = |t| clean_underscores(t).ok_or_else(err);
            let mant = clean(mant)?;
            let (ip, fp) = match mant.find('.') {
                Some(i) => (&mant[..i], &mant[i + 1..]),
                None => (&mant[..], ""),
            };
            if (ip.is_empty() && fp.is_empty()) || !digits_only(ip) || !digits_only(fp) {
                return Err(err());
            }
            let mut exponent: i64 = match exp {
                None => 0,
                Some(e) => {
                    let e = clean(e)?;
                    let (neg, d) = match e.as_bytes().first() {
                        Some(b'-') => (true, &e[1..]),
                        Some(b'+') => (false, &e[1..]),
                        _ => (false, &e[..]),
                    };
                    if d.is_empty() || !digits_only(d) {
                        return Err(err());
                    }
                    let v: i64 = d.trim_start_matches('0').parse().unwrap_or(
                        if d.trim_start_matches('0').is_empty() {
                            0
                        } else {
                            i64::MAX / 4
                        },
                    );
                    let v = v.min(i64::MAX / 4);
                    if neg {
                        -v
                    } else {
                        v
                    }
                }
            };
            exponent -= fp.len() as i64;
            let mut digits = String::with_capacity(ip.len() + fp.len());
            for b in ip.bytes().chain(fp.bytes()) {
                if b != b'0' || !digits.is_empty() {
                    digits.push(b as char);
                }
            }
            if digits.is_empty() {
                digits.push('0');
            }
            DecimalValue::Finite { digits, exponent }
        };
        Ok(Decimal { negative, value })
    }

    /// True for quiet or signaling NaN.
    pub fn is_nan(&self) -> bool {
        matches!(self.value, DecimalValue::NaN(_) | DecimalValue::SNaN(_))
    }
}

/// Remove underscores, which may only stand between digits.
fn clean_underscores(t: &str) -> Option<Cow<'_, str>> {
    if !t.contains('_') {
        return Some(Cow::Borrowed(t));
    }
    let b = t.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_'
            && (i == 0
                || i + 1 == b.len()
                || !b[i - 1].is_ascii_digit()
                || !b[i + 1].is_ascii_digit())
        {
            return None;
        }
    }
    Some(Cow::Owned(t.replace('_', "")))
}

impl fmt::Display for Decimal {
    /// Python's `str(Decimal)` (scientific notation rules of the spec).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        let (digits, exp) = match &self.value {
            DecimalValue::Infinity => return f.write_str("Infinity"),
            DecimalValue::NaN(p) => return write!(f, "NaN{p}"),
            DecimalValue::SNaN(p) => return write!(f, "sNaN{p}"),
            DecimalValue::Finite { digits, exponent } => (digits.as_str(), *exponent as i128),
        };
        let n = digits.len() as i128;
        let left = exp + n;
        let dot = if exp <= 0 && left > -6 { left } else { 1 };
        if dot <= 0 {
            f.write_str("0.")?;
            for _ in 0..(-dot) {
                f.write_str("0")?;
            }
            f.write_str(digits)?;
        } else if dot >= n {
            f.write_str(digits)?;
            for _ in 0..(dot - n) {
                f.write_str("0")?;
            }
        } else {
            let d = dot as usize;
            write!(f, "{}.{}", &digits[..d], &digits[d..])?;
        }
        if left != dot {
            write!(f, "E{:+}", left - dot)?;
        }
        Ok(())
    }
}

/// `fractions.Fraction`, pickled as `Fraction(str(self))`; normalized
/// (lowest terms, positive denominator).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fraction {
    /// The numerator (carries the sign).
    pub numerator: BigInt,
    /// The denominator (> 0).
    pub denominator: BigInt,
}

fn gcd(a: &BigInt, b: &BigInt) -> BigInt {
    let (mut a, mut b) = (a.abs(), b.abs());
    while !b.is_zero() {
        let r = &a % &b;
        a = b;
        b = r;
    }
    a
}

impl Fraction {
    /// `Fraction(n, d)` in lowest terms; an error for a zero denominator.
    pub fn new(n: BigInt, d: BigInt) -> Result<Fraction> {
        if d.is_zero() {
            return Err(bad("Fraction(n, 0)"));
        }
        let g = gcd(&n, &d);
        let (mut n, mut d) = if g.is_zero() {
            (n, d)
        } else {
            (n / &g, d / &g)
        };
        if d.sign() == Sign::Minus {
            n = -n;
            d = -d;
        }
        Ok(Fraction {
            numerator: n,
            denominator: d,
        })
    }

    /// Parse `str(Fraction)`: `'n'` or `'n/d'` (whitespace around allowed).
    pub fn parse(text: &str) -> Result<Fraction> {
        let err = || bad(format!("Invalid literal for Fraction: {text:?}"));
        let s = text.trim();
        let int = |t: &str| -> Result<BigInt> {
            let t = t.trim();
            let body = t.strip_prefix(['+', '-']).unwrap_or(t);
            if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
                return Err(err());
            }
            // CPython's int() limit (sys.get_int_max_str_digits()).
            if body.len() > 4300 + body.bytes().filter(|&b| b == b'_').count() {
                return Err(bad(
                    "Exceeds the limit (4300 digits) for integer string conversion",
                ));
            }
            t.replace('_', "").parse().map_err(|_| err())
        };
        match s.split_once('/') {
            Some((n, d)) => Fraction::new(int(n)?, int(d)?),
            None => Fraction::new(int(s)?, BigInt::from(1)),
        }
    }
}

/// `uuid.UUID`, pickled as an object whose state is `{'int': ...}`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Uuid(pub u128);

impl fmt::Display for Uuid {
    /// The hyphenated form `12345678-1234-5678-1234-567812345678`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = format!("{:032x}", self.0);
        write!(
            f,
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    }
}

/// `complex`, pickled as `complex(real, imag)`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Complex {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

/// `range(start, stop, step)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Range {
    /// Start.
    pub start: BigInt,
    /// Stop.
    pub stop: BigInt,
    /// Step (never 0).
    pub step: BigInt,
}

impl Range {
    /// Python's `len(range)`.
    pub fn len(&self) -> BigInt {
        let (lo, hi, step) = if self.step.is_positive() {
            (&self.start, &self.stop, self.step.clone())
        } else {
            (&self.stop, &self.start, -self.step.clone())
        };
        if lo >= hi {
            return BigInt::zero();
        }
        (hi - lo - 1) / step + 1
    }

    /// True when the range is empty.
    pub fn is_empty(&self) -> bool {
        self.len().is_zero()
    }
}

// ---------------------------------------------------------------------------
// containers and others

/// Key/value pairs of a mapping (OrderedDict, defaultdict, Counter), in
/// pickle order.
#[derive(Clone)]
pub struct Mapping<'g, 'a> {
    pub(crate) graph: &'g Graph<'a>,
    pub(crate) entries: Cow<'g, [(NodeId, NodeId)]>,
}

impl<'g, 'a> Mapping<'g, 'a> {
    /// The entries as node ids.
    pub fn entry_ids(&self) -> &[(NodeId, NodeId)] {
        &self.entries
    }

    /// The entries as views.
    pub fn entries(&self) -> impl Iterator<Item = (NodeRef<'g, 'a>, NodeRef<'g, 'a>)> + '_ {
        let g = self.graph;
        self.entries
            .iter()
            .map(move |&(k, v)| (g.view(k), g.view(v)))
    }

    /// The value for a `str` key.
    pub fn get(&self, key: &str) -> Option<NodeRef<'g, 'a>> {
        let g = self.graph;
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| g.view(*k).as_str() == Some(key))
            .map(|&(_, v)| g.view(v))
    }
}

/// `len`, `is_empty` and `Debug` of a view over a slice of node ids:
/// `$field` is the slice, `$iter` the method giving the views and
/// `$debug` the `Formatter` builder that prints them.
macro_rules! slice_view {
    ($ty:ident, $field:ident, $what:literal, $iter:ident, $debug:ident) => {
        impl $ty<'_, '_> {
            #[doc = concat!("Number of ", $what, ".")]
            pub fn len(&self) -> usize {
                self.$field.len()
            }

            #[doc = concat!("True when there are no ", $what, ".")]
            pub fn is_empty(&self) -> bool {
                self.$field.is_empty()
            }
        }

        impl fmt::Debug for $ty<'_, '_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.$debug().entries(self.$iter()).finish()
            }
        }
    };
}

slice_view!(Mapping, entries, "entries", entries, debug_map);
slice_view!(Seq, items, "items", iter, debug_list);

/// Items of a sequence (deque), in order.
#[derive(Clone)]
pub struct Seq<'g, 'a> {
    pub(crate) graph: &'g Graph<'a>,
    pub(crate) items: Cow<'g, [NodeId]>,
}

impl<'g, 'a> Seq<'g, 'a> {
    /// The items as node ids.
    pub fn ids(&self) -> &[NodeId] {
        &self.items
    }
    /// The items as views.
    pub fn iter(&self) -> impl Iterator<Item = NodeRef<'g, 'a>> + '_ {
        let g = self.graph;
        self.items.iter().map(move |&i| g.view(i))
    }
}

/// `collections.defaultdict`.
#[derive(Clone, Debug)]
pub struct DefaultDict<'g, 'a> {
    /// `default_factory` (a `None` view when it is None).
    pub default_factory: NodeRef<'g, 'a>,
    /// The items.
    pub items: Mapping<'g, 'a>,
}

/// `collections.deque`.
#[derive(Clone, Debug)]
pub struct Deque<'g, 'a> {
    /// The items.
    pub items: Seq<'g, 'a>,
    /// `maxlen`, if bounded.
    pub maxlen: Option<i64>,
}

/// `slice(start, stop, step)` (any objects).
#[derive(Clone, Debug)]
pub struct Slice<'g, 'a> {
    /// Start.
    pub start: NodeRef<'g, 'a>,
    /// Stop.
    pub stop: NodeRef<'g, 'a>,
    /// Step.
    pub step: NodeRef<'g, 'a>,
}

/// An enum member: pickled as `Class(value)`. The member name is not in
/// the pickle; it is known only when the class was registered with
/// [`crate::stdlib::TypeRegistry::register_enum`] and lists this value.
#[derive(Clone, Debug)]
pub struct EnumMember<'g, 'a> {
    /// The class's module.
    pub module: &'g str,
    /// The class's qualified name.
    pub class: &'g str,
    /// The member's value.
    pub value: NodeRef<'g, 'a>,
    /// The member's name, when known.
    pub name: Option<String>,
}

/// Which kind of named record.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordKind {
    /// A `collections.namedtuple` / `typing.NamedTuple` instance (pickled
    /// as `Class(*values)`).
    NamedTuple,
    /// A dataclass instance (pickled as an object with a state dict, or a
    /// list of field values with `slots=True`).
    Dataclass,
}

/// A named record: a class and its field values.
#[derive(Clone, Debug)]
pub struct Record<'g, 'a> {
    /// The kind.
    pub kind: RecordKind,
    /// The class's module.
    pub module: &'g str,
    /// The class's qualified name.
    pub class: &'g str,
    /// `(field name, value)` in order; a name is `None` when unknown (a
    /// namedtuple registered without field names).
    pub fields: Vec<(Option<String>, NodeRef<'g, 'a>)>,
}

impl<'g, 'a> Record<'g, 'a> {
    /// The value of the field `name`.
    pub fn get(&self, name: &str) -> Option<NodeRef<'g, 'a>> {
        self.fields
            .iter()
            .find(|(n, _)| n.as_deref() == Some(name))
            .map(|(_, v)| *v)
    }
}

/// Which pathlib class.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathKind {
    /// `pathlib.PurePosixPath`.
    PurePosixPath,
    /// `pathlib.PosixPath`.
    PosixPath,
    /// `pathlib.PureWindowsPath`.
    PureWindowsPath,
    /// `pathlib.WindowsPath`.
    WindowsPath,
}

impl PathKind {
    /// The class name.
    pub fn name(self) -> &'static str {
        match self {
            PathKind::PurePosixPath => "PurePosixPath",
            PathKind::PosixPath => "PosixPath",
            PathKind::PureWindowsPath => "PureWindowsPath",
            PathKind::WindowsPath => "WindowsPath",
        }
    }

    /// True for the Windows flavour.
    pub fn is_windows(self) -> bool {
        matches!(self, PathKind::PureWindowsPath | PathKind::WindowsPath)
    }
}

/// A `pathlib` path, pickled as `Class(*parts)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PyPath {
    /// The class.
    pub kind: PathKind,
    /// The parts as pickled (`('/', 'tmp', 'x')`; the first may be a
    /// drive and/or root such as `C:\`).
    pub parts: Vec<String>,
}

impl PyPath {
    /// The path with the flavour's separator (Python's `str(path)`).
    pub fn to_native(&self) -> String {
        let sep = if self.kind.is_windows() { '\\' } else { '/' };
        let mut out = String::new();
        for (i, p) in self.parts.iter().enumerate() {
            // A drive without a root (`C:`) is followed directly by the
            // next part, as is an anchor ending in a separator.
            let glued = out.ends_with(['/', '\\'])
                || (i == 1 && self.kind.is_windows() && out.ends_with(':'));
            if i > 0 && !glued {
                out.push(sep);
            }
            // Python 3.13 pickles the raw arguments (`C:/Users/x`), where
            // a Windows path also takes `/` as its separator.
            if self.kind.is_windows() {
                out.push_str(&p.replace('/', "\\"));
            } else {
                out.push_str(p);
            }
        }
        if out.is_empty() {
            out.push('.');
        }
        out
    }

    /// Python's `path.as_posix()` (what the repr shows).
    pub fn as_posix(&self) -> String {
        let s = self.to_native();
        if self.kind.is_windows() {
            s.replace('\\', "/")
        } else {
            s
        }
    }
}

// ---------------------------------------------------------------------------
// reading helpers

/// Bytes of a `bytes` node, or of a Python 2 `str` read as text (code
/// points < 256, as `encoding='latin1'` gives).
pub(crate) fn state_bytes<'g>(v: NodeRef<'g, '_>) -> Option<Cow<'g, [u8]>> {
    match v.node()? {
        Node::Bytes(b) => Some(Cow::Borrowed(b.as_slice())),
        Node::Str(s) => s
            .code_points()
            .map(|c| u8::try_from(c).ok())
            .collect::<Option<Vec<u8>>>()
            .map(Cow::Owned),
        _ => None,
    }
}

pub(crate) fn int_of(v: NodeRef<'_, '_>) -> Option<BigInt> {
    match v.node()? {
        Node::Int(_) | Node::BigInt(_) | Node::Bool(_) => v.as_bigint(),
        _ => None,
    }
}

pub(crate) fn i64_of(v: NodeRef<'_, '_>, what: &str) -> Result<i64> {
    int_of(v)
        .and_then(|b| b.to_i64())
        .ok_or_else(|| bad(format!("{what} must be an int")))
}

pub(crate) fn str_of(v: NodeRef<'_, '_>) -> Option<String> {
    v.as_pystr().map(|s| s.to_string_lossy().into_owned())
}

/// A compiled regular expression: `re.compile(pattern, flags)`, pickled as
/// `re._compile(pattern, flags)`.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Pattern<'g, 'a> {
    /// The pattern: a `str` or a `bytes` node.
    pub pattern: NodeRef<'g, 'a>,
    /// The flags as the compiled pattern has them (`re.UNICODE` added to a
    /// `str` pattern without `re.ASCII`, as `re` does).
    pub flags: i64,
}

/// `re`'s flag bits and names (CPython 3.11's `_sre` `pattern_repr` order).
pub(crate) const RE_FLAGS: [(&str, i64); 9] = [
    ("re.TEMPLATE", 1),
    ("re.IGNORECASE", 2),
    ("re.LOCALE", 4),
    ("re.MULTILINE", 8),
    ("re.DOTALL", 16),
    ("re.UNICODE", 32),
    ("re.VERBOSE", 64),
    ("re.DEBUG", 128),
    ("re.ASCII", 256),
];

impl<'g, 'a> Pattern<'g, 'a> {
    /// `re._compile(pattern, flags)` as `sre_parse.fix_flags` checks it.
    pub(crate) fn new(pattern: NodeRef<'g, 'a>, flags: i64) -> Result<Pattern<'g, 'a>> {
        const LOCALE: i64 = 4;
        const UNICODE: i64 = 32;
        const ASCII: i64 = 256;
        let mut flags = flags;
        match pattern.node() {
            _ if flags < 0 => return Err(bad("re._compile: negative flags")),
            Some(Node::Str(_)) => {
                if flags & LOCALE != 0 {
                    return Err(bad("cannot use LOCALE flag with a str pattern"));
                }
                if flags & ASCII == 0 {
                    flags |= UNICODE;
                } else if flags & UNICODE != 0 {
                    return Err(bad("ASCII and UNICODE flags are incompatible"));
                }
            }
            Some(Node::Bytes(_)) => {
                if flags & UNICODE != 0 {
                    return Err(bad("cannot use UNICODE flag with a bytes pattern"));
                }
                if flags & LOCALE != 0 && flags & ASCII != 0 {
                    return Err(bad("ASCII and LOCALE flags are incompatible"));
                }
            }
            _ => return Err(bad("re._compile: pattern is not str or bytes")),
        }
        Ok(Pattern { pattern, flags })
    }
}
