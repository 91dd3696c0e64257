//! Python's `repr()` of the typed values, as text and node pieces.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_traits::One;

use super::types::{Complex, TimeDelta, TimeZone, TzInfo};
use super::{RecordKind, Typed};
use crate::printer::ReprPiece;
use crate::text::float_repr;
use crate::value::{Node, NodeId, NodeRef, PyStr};

struct Out(Vec<ReprPiece>);

impl Out {
    fn text(&mut self, s: &str) {
        match self.0.last_mut() {
            Some(ReprPiece::Text(t)) => t.push_str(s),
            _ => self.0.push(ReprPiece::Text(s.to_string())),
        }
    }
    fn owned(&mut self, s: String) {
        match self.0.last_mut() {
            Some(ReprPiece::Text(t)) => t.push_str(&s),
            _ => self.0.push(ReprPiece::Text(s)),
        }
    }
    fn node(&mut self, v: NodeRef<'_, '_>) {
        match v.id() {
            Some(id) => self.0.push(ReprPiece::Node(id)),
            None => self.text("None"),
        }
    }
    fn id(&mut self, id: NodeId) {
        self.0.push(ReprPiece::Node(id))
    }
    /// `k: v, k: v` (a dict's items).
    fn entries(&mut self, entries: impl IntoIterator<Item = (NodeId, NodeId)>) {
        for (i, (k, v)) in entries.into_iter().enumerate() {
            if i > 0 {
                self.text(", ");
            }
            self.id(k);
            self.text(": ");
            self.id(v);
        }
    }
}

fn quote(s: &str) -> String {
    PyStr::from(s).repr()
}

/// `repr(timedelta)` (Python 3.7+).
pub(crate) fn timedelta_repr(td: &TimeDelta) -> String {
    let mut parts = Vec::new();
    if td.days != 0 {
        parts.push(format!("days={}", td.days));
    }
    if td.seconds != 0 {
        parts.push(format!("seconds={}", td.seconds));
    }
    if td.microseconds != 0 {
        parts.push(format!("microseconds={}", td.microseconds));
    }
    if parts.is_empty() {
        "datetime.timedelta(0)".into()
    } else {
        format!("datetime.timedelta({})", parts.join(", "))
    }
}

fn timezone_repr(tz: &TimeZone) -> String {
    if tz.is_utc() {
        return "datetime.timezone.utc".into();
    }
    match &tz.name {
        None => format!("datetime.timezone({})", timedelta_repr(&tz.offset)),
        Some(n) => format!(
            "datetime.timezone({}, {})",
            timedelta_repr(&tz.offset),
            quote(n)
        ),
    }
}

fn tz_pieces(out: &mut Out, tz: &TzInfo<'_, '_>) {
    match tz {
        TzInfo::TimeZone(t) => out.owned(timezone_repr(t)),
        TzInfo::ZoneInfo { key } => out.owned(format!("zoneinfo.ZoneInfo(key={})", quote(key))),
        TzInfo::PytzUtc => out.text("<UTC>"),
        TzInfo::Pytz(p) => match &p.transition {
            None => out.owned(format!("<StaticTzInfo {}>", quote(&p.zone))),
            Some((off, dst, name)) => {
                let td = TimeDelta::new(0, *off, 0).unwrap_or_default();
                let sign = if *off > 0 { "+" } else { "" };
                let kind = if *dst != 0 { "DST" } else { "STD" };
                out.owned(format!(
                    "<DstTzInfo {} {}{}{} {}>",
                    quote(&p.zone),
                    name,
                    sign,
                    td,
                    kind
                ))
            }
        },
        TzInfo::Other(v) => out.node(*v),
    }
}

/// `repr(float)` in the `'r'` format without the added `.0`, as complex
/// parts are printed.
fn part(f: f64) -> String {
    let s = float_repr(f);
    match s.strip_suffix(".0") {
        Some(t) if !s.contains('e') => t.to_string(),
        _ => s,
    }
}

fn complex_repr(c: &Complex) -> String {
    if c.re == 0.0 && c.re.is_sign_positive() {
        return format!("{}j", part(c.im));
    }
    let im = part(c.im);
    let sign = if im.starts_with('-') { "" } else { "+" };
    format!("({}{}{}j)", part(c.re), sign, im)
}

/// `<class 'list'>`-style repr of a default factory, when it is certain.
pub(crate) fn factory_repr(v: NodeRef<'_, '_>) -> Option<String> {
    if v.is_none() {
        return Some("None".into());
    }
    let (m, n) = v.as_global()?;
    const TYPES: &[&str] = &[
        "bool",
        "bytearray",
        "bytes",
        "complex",
        "dict",
        "float",
        "frozenset",
        "int",
        "list",
        "object",
        "set",
        "str",
        "tuple",
        "type",
        "range",
        "slice",
        "memoryview",
    ];
    const FUNCS: &[&str] = &[
        "abs", "all", "any", "ascii", "bin", "callable", "chr", "dir", "divmod", "format",
        "getattr", "hash", "hex", "id", "input", "iter", "len", "max", "min", "next", "oct", "ord",
        "pow", "print", "repr", "round", "sorted", "sum", "vars",
    ];
    if m == "builtins" {
        if TYPES.contains(&n) {
            return Some(format!("<class '{n}'>"));
        }
        if FUNCS.contains(&n) {
            return Some(format!("<built-in function {n}>"));
        }
        return None;
    }
    let last = n.rsplit('.').next().unwrap_or(n);
    let known_class = matches!(
        (m, n),
        (
            "collections",
            "OrderedDict" | "defaultdict" | "Counter" | "deque"
        ) | ("datetime", "date" | "datetime" | "time" | "timedelta")
    );
    if known_class || last.starts_with(|c: char| c.is_ascii_uppercase()) {
        return Some(format!("<class '{m}.{n}'>"));
    }
    None
}

/// A number for Counter ordering.
enum Num {
    Int(BigInt),
    Float(f64),
}

fn num_cmp(a: &Num, b: &Num) -> Ordering {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x.cmp(y),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Num::Int(x), Num::Float(y)) => int_float_cmp(x, *y),
        (Num::Float(x), Num::Int(y)) => int_float_cmp(y, *x).reverse(),
    }
}

fn int_float_cmp(i: &BigInt, f: f64) -> Ordering {
    if f.is_nan() {
        return Ordering::Equal;
    }
    if f.is_infinite() {
        return if f > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    // Compare exactly: i vs floor(f), then the fraction.
    let fl = f.floor();
    let fi = num_traits::FromPrimitive::from_f64(fl).unwrap_or_default();
    match i.cmp(&fi) {
        Ordering::Equal if f > fl => Ordering::Less,
        o => o,
    }
}

/// The order of `Counter.most_common()`: stable sort by count, descending;
/// insertion order when the counts cannot be compared (as CPython falls
/// back on a TypeError).
pub(crate) fn counter_order(
    g: &crate::value::Graph<'_>,
    entries: &[(NodeId, NodeId)],
) -> Vec<(NodeId, NodeId)> {
    let mut out: Vec<(NodeId, NodeId)> = entries.to_vec();
    let nums: Option<Vec<Num>> = entries
        .iter()
        .map(|&(_, v)| match g.get(v)? {
            Node::Int(i) => Some(Num::Int((*i).into())),
            Node::Bool(b) => Some(Num::Int((*b as i64).into())),
            Node::BigInt(b) => Some(Num::Int((**b).clone())),
            Node::Float(f) => Some(Num::Float(*f)),
            _ => None,
        })
        .collect();
    if let Some(nums) = nums {
        let mut idx: Vec<usize> = (0..out.len()).collect();
        idx.sort_by(|&a, &b| num_cmp(&nums[b], &nums[a]));
        out = idx.into_iter().map(|i| entries[i]).collect();
        return out;
    }
    let strs: Option<Vec<Vec<u32>>> = entries
        .iter()
        .map(|&(_, v)| match g.get(v)? {
            Node::Str(s) => Some(s.code_points().collect()),
            _ => None,
        })
        .collect();
    if let Some(strs) = strs {
        let mut idx: Vec<usize> = (0..out.len()).collect();
        idx.sort_by(|&a, &b| strs[b].cmp(&strs[a]));
        out = idx.into_iter().map(|i| entries[i]).collect();
    }
    out
}

fn short(qualname: &str) -> &str {
    qualname.rsplit('.').next().unwrap_or(qualname)
}

/// The pieces of `repr()` of a typed value; `None` when it cannot be
/// printed exactly.
pub(crate) fn pieces(t: &Typed<'_, '_>) -> Option<Vec<ReprPiece>> {
    let mut o = Out(Vec::with_capacity(4));
    match t {
        Typed::Date(d) => o.owned(format!("datetime.date({}, {}, {})", d.year, d.month, d.day)),
        Typed::TimeDelta(td) => o.owned(timedelta_repr(td)),
        Typed::TzInfo(tz) => tz_pieces(&mut o, tz),
        Typed::Time(t) => {
            let mut s = format!("datetime.time({}, {}", t.hour, t.minute);
            if t.microsecond != 0 {
                s += &format!(", {}, {}", t.second, t.microsecond);
            } else if t.second != 0 {
                s += &format!(", {}", t.second);
            }
            o.text(&s);
            if let Some(tz) = &t.tzinfo {
                o.text(", tzinfo=");
                tz_pieces(&mut o, tz);
            }
            if t.fold != 0 {
                o.text(", fold=1");
            }
            o.text(")");
        }
        Typed::DateTime(t) => {
            let mut s = format!(
                "datetime.datetime({}, {}, {}, {}, {}",
                t.year, t.month, t.day, t.hour, t.minute
            );
            if t.microsecond != 0 {
                s += &format!(", {}, {}", t.second, t.microsecond);
            } else if t.second != 0 {
                s += &format!(", {}", t.second);
            }
            if t.fold != 0 {
                s += ", fold=1";
            }
            o.text(&s);
            if let Some(tz) = &t.tzinfo {
                o.text(", tzinfo=");
                tz_pieces(&mut o, tz);
            }
            o.text(")");
        }
        Typed::Decimal(d) => o.owned(format!("Decimal('{d}')")),
        Typed::Fraction(f) if f.numerator.bits() > 14_000 || f.denominator.bits() > 14_000 => {
            return None
        }
        Typed::Fraction(f) => o.owned(format!("Fraction({}, {})", f.numerator, f.denominator)),
        Typed::Uuid(u) => o.owned(format!("UUID('{u}')")),
        Typed::Complex(c) => o.owned(complex_repr(c)),
        Typed::OrderedDict(m) => {
            if m.is_empty() {
                o.text("OrderedDict()");
            } else {
                o.text("OrderedDict([");
                for (i, &(k, v)) in m.entry_ids().iter().enumerate() {
                    o.text(if i == 0 { "(" } else { ", (" });
                    o.id(k);
                    o.text(", ");
                    o.id(v);
                    o.text(")");
                }
                o.text("])");
            }
        }
        Typed::DefaultDict(d) => {
            o.text("defaultdict(");
            match factory_repr(d.default_factory) {
                Some(s) => o.text(&s),
                None => return None,
            }
            o.text(", {");
            o.entries(d.items.entry_ids().iter().copied());
            o.text("})");
        }
        Typed::Counter(m) => {
            if m.is_empty() {
                o.text("Counter()");
            } else {
                o.text("Counter({");
                o.entries(counter_order(m.graph, m.entry_ids()));
                o.text("})");
            }
        }
        Typed::Deque(d) => {
            o.text("deque([");
            for (i, &id) in d.items.ids().iter().enumerate() {
                if i > 0 {
                    o.text(", ");
                }
                o.id(id);
            }
            o.text("]");
            if let Some(m) = d.maxlen {
                o.owned(format!(", maxlen={m}"));
            }
            o.text(")");
        }
        Typed::Range(r) => {
            // CPython refuses to print an int of more than 4300 digits;
            // leave those to the generic form, which applies the limit.
            if [&r.start, &r.stop, &r.step]
                .iter()
                .any(|i| i.bits() > 14_000)
            {
                return None;
            }
            if r.step.is_one() {
                o.owned(format!("range({}, {})", r.start, r.stop));
            } else {
                o.owned(format!("range({}, {}, {})", r.start, r.stop, r.step));
            }
        }
        Typed::Slice(s) => {
            o.text("slice(");
            o.node(s.start);
            o.text(", ");
            o.node(s.stop);
            o.text(", ");
            o.node(s.step);
            o.text(")");
        }
        Typed::Path(p) => o.owned(format!("{}({})", p.kind.name(), quote(&p.as_posix()))),
        Typed::Pattern(p) => o.owned(pattern_repr(p)?),
        Typed::Enum(e) => {
            let name = e.name.as_ref()?;
            o.owned(format!("<{}.{}: ", short(e.class), name));
            o.node(e.value);
            o.text(">");
        }
        Typed::Record(r) => {
            let cls = match r.kind {
                RecordKind::NamedTuple => short(r.class),
                _ => r.class,
            };
            o.text(cls);
            o.text("(");
            for (i, (n, v)) in r.fields.iter().enumerate() {
                if i > 0 {
                    o.text(", ");
                }
                o.text(n.as_deref()?);
                o.text("=");
                o.node(*v);
            }
            o.text(")");
        }
    }
    Some(o.0)
}

/// `_sre`'s `pattern_repr`: `re.compile(%.200R[, flags])`, `re.UNICODE`
/// left out for a `str` pattern that has it implicitly.
fn pattern_repr(p: &super::Pattern<'_, '_>) -> Option<String> {
    let (text, is_str) = match p.pattern.node()? {
        Node::Str(s) => (s.repr(), true),
        Node::Bytes(b) => (crate::genops::repr_bytes(b), false),
        _ => return None,
    };
    let mut flags = p.flags;
    if is_str && flags & (4 | 32 | 256) == 32 {
        flags &= !32;
    }
    let mut names: Vec<String> = Vec::new();
    for (name, bit) in super::types::RE_FLAGS {
        if flags & bit != 0 {
            names.push(name.to_string());
            flags &= !bit;
        }
    }
    if flags != 0 {
        names.push(format!("0x{flags:x}"));
    }
    let mut out = String::from("re.compile(");
    out.extend(text.chars().take(200));
    if !names.is_empty() {
        out.push_str(", ");
        out.push_str(&names.join("|"));
    }
    out.push(')');
    Some(out)
}
