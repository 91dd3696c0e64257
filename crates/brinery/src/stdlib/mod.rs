//! Typed views of Python standard-library values, read from how CPython
//! pickles them — without importing or calling anything.
//!
//! A pickled `datetime`, `Decimal` or `OrderedDict` decodes to an opaque
//! [`Node::Object`] recording a call such as `datetime.datetime(b'\x07\xe8…')`.
//! [`Typed::from_node`] recognizes the standard-library classes below and
//! decodes their pickled state into plain Rust values:
//!
//! | Python | pickled as | view |
//! |--------|------------|------|
//! | `datetime.date` | `date(b'YYMD')` (Python 2: latin-1 `str`) | [`Date`] |
//! | `datetime.time` | `time(b'HMSuuu'[, tzinfo])`, fold in the hour's high bit | [`Time`] |
//! | `datetime.datetime` | `datetime(b'YYMDHMSuuu'[, tzinfo])`, fold in the month's high bit | [`DateTime`] |
//! | `datetime.timedelta` | `timedelta(days, seconds, microseconds)` | [`TimeDelta`] |
//! | `datetime.timezone` | `timezone(offset[, name])` | [`TzInfo::TimeZone`] |
//! | `zoneinfo.ZoneInfo` | `ZoneInfo._unpickle(key, from_cache)` | [`TzInfo::ZoneInfo`] |
//! | `pytz` zones | `pytz._p(zone[, utcoffset, dst, tzname])`, `pytz._UTC()` | [`TzInfo::Pytz`], [`TzInfo::PytzUtc`] |
//! | `decimal.Decimal` | `Decimal(str)` | [`Decimal`] |
//! | `fractions.Fraction` | `Fraction(str)` | [`Fraction`] |
//! | `uuid.UUID` | object with state `{'int': n}` | [`Uuid`] |
//! | `complex` | `complex(re, im)` | [`Complex`] |
//! | `collections.OrderedDict` | `OrderedDict()` + SETITEMS (Python 2: a list of pairs) | [`Typed::OrderedDict`] |
//! | `collections.defaultdict` | `defaultdict(factory)` + SETITEMS | [`DefaultDict`] |
//! | `collections.Counter` | `Counter(dict)` | [`Typed::Counter`] |
//! | `collections.deque` | `deque((), maxlen)` + APPENDS | [`Deque`] |
//! | `range`, `slice` | `range(start, stop, step)`, `slice(start, stop, step)` | [`Range`], [`Slice`] |
//! | `pathlib.*Path` | `PosixPath(*parts)` | [`PyPath`] |
//! | enum members | `Color(value)` | [`EnumMember`] (registered classes) |
//! | namedtuples, dataclasses | `Point(*values)`, object + state dict | [`Record`] (registered classes) |
//!
//! What a pickle does **not** say, brinery does not guess:
//!
//! * An **enum member** is pickled as `Color(1)`, a call of its class with
//!   the value; nothing marks the class as an enum and the member's name
//!   is absent. A **namedtuple** is pickled as `Point(1, 2)`, without field
//!   names; a **dataclass** as an ordinary object with a state dict. So
//!   these are recognized only for classes registered in a
//!   [`TypeRegistry`] ([`TypeRegistry::register_enum`] with the member
//!   names, [`TypeRegistry::register_namedtuple`] with the field names,
//!   [`TypeRegistry::register_dataclass`]). Unregistered, they print in
//!   the generic call form `__main__.Color(1)`, `__main__.Point(1, 2)`,
//!   `__main__.P(state={'x': 1})`.
//! * A `zoneinfo.ZoneInfo` is pickled by key, so its offsets are unknown
//!   ([`TzInfo::utcoffset`] is `None`); `datetime.timezone` and `pytz`
//!   transitions carry theirs.
//!
//! ```
//! use brinery::stdlib::{Typed, TzInfo};
//! // pickle.dumps(datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc), 2)
//! let data = b"\x80\x02cdatetime\ndatetime\nq\x00c_codecs\nencode\nq\x01X\x0b\x00\x00\x00\x07\xc3\xa8\x01\x02\x03\x04\x05\x00\x00\x06q\x02X\x06\x00\x00\x00latin1q\x03\x86q\x04Rq\x05cdatetime\ntimezone\nq\x06cdatetime\ntimedelta\nq\x07K\x00K\x00K\x00\x87q\x08Rq\t\x85q\nRq\x0b\x86q\x0cRq\r.";
//! let g = brinery::loads(data)?;
//! let Some(Ok(Typed::DateTime(dt))) = Typed::from_node(g.root()) else { panic!() };
//! assert_eq!((dt.year, dt.month, dt.day, dt.microsecond), (2024, 1, 2, 6));
//! assert!(matches!(dt.tzinfo, Some(TzInfo::TimeZone(ref tz)) if tz.is_utc()));
//! // repr() prints it as Python does:
//! assert_eq!(
//!     brinery::repr_root(&g)?,
//!     "datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)"
//! );
//! # Ok::<(), brinery::Error>(())
//! ```
//!
//! Your own classes: register a view, and use the registry as a
//! [`crate::ReprHook`] so `repr` prints them as Python would:
//!
//! ```
//! use std::sync::Arc;
//! use brinery::stdlib::{Typed, TypeRegistry};
//! use brinery::{repr, Construct, Graph, Node, Object, ReprOptions};
//!
//! let mut g = Graph::new();
//! let (cls, one) = (g.global("shop", "Color"), g.int(1));
//! let args = g.tuple(vec![one]);
//! let red = g.add(Node::Object(Box::new(Object::new(Construct::Reduce { callable: cls, args }))));
//!
//! let mut reg = TypeRegistry::stdlib();
//! reg.register_enum("shop", "Color", [("RED", 1.into()), ("GREEN", 2.into())]);
//! let Some(Ok(Typed::Enum(m))) = reg.view(g.view(red)) else { panic!() };
//! assert_eq!(m.name.as_deref(), Some("RED"));
//!
//! assert_eq!(repr(&g, red, &ReprOptions::default())?, "shop.Color(1)");
//! let opts = ReprOptions::default().hook(Arc::new(reg));
//! assert_eq!(repr(&g, red, &opts)?, "<Color.RED: 1>");
//! # Ok::<(), brinery::Error>(())
//! ```

mod render;
mod types;

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use hashbrown::HashMap;
use num_traits::ToPrimitive;

use self::types::{bad, i64_of, int_of, state_bytes, str_of};
pub use self::types::{
    Complex, Date, DateTime, Decimal, DecimalValue, DefaultDict, Deque, EnumMember, Fraction,
    Mapping, PathKind, Pattern, PyPath, PytzZone, Range, Record, RecordKind, Seq, Slice, Time,
    TimeDelta, TimeZone, TzInfo, Uuid,
};

use crate::error::Result;
use crate::printer::{Allowance, Block, BlockBody, Layout, ReprHook, ReprPiece};
use crate::value::{Call, Construct, Node, NodeId, NodeRef};

/// A standard-library (or registered) value read from a pickle.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Typed<'g, 'a> {
    /// `datetime.date`.
    Date(Date),
    /// `datetime.time`.
    Time(Time<'g, 'a>),
    /// `datetime.datetime`.
    DateTime(DateTime<'g, 'a>),
    /// `datetime.timedelta`.
    TimeDelta(TimeDelta),
    /// A time zone on its own: `datetime.timezone`, `zoneinfo.ZoneInfo`,
    /// `pytz` zones.
    TzInfo(TzInfo<'g, 'a>),
    /// `decimal.Decimal`.
    Decimal(Decimal),
    /// `fractions.Fraction`.
    Fraction(Fraction),
    /// `uuid.UUID`.
    Uuid(Uuid),
    /// `complex`.
    Complex(Complex),
    /// `collections.OrderedDict`.
    OrderedDict(Mapping<'g, 'a>),
    /// `collections.defaultdict`.
    DefaultDict(DefaultDict<'g, 'a>),
    /// `collections.Counter` (items in pickle order).
    Counter(Mapping<'g, 'a>),
    /// `collections.deque`.
    Deque(Deque<'g, 'a>),
    /// `range`.
    Range(Range),
    /// `slice`.
    Slice(Slice<'g, 'a>),
    /// A `pathlib` path.
    Path(PyPath),
    /// A compiled regular expression (`re.compile`).
    Pattern(Pattern<'g, 'a>),
    /// A member of a registered enum class.
    Enum(EnumMember<'g, 'a>),
    /// An instance of a registered namedtuple or dataclass.
    Record(Record<'g, 'a>),
}

impl<'g, 'a> Typed<'g, 'a> {
    /// The typed view of `node` for the standard-library classes
    /// ([`TypeRegistry::stdlib`]): `None` when it is not one of them,
    /// `Some(Err)` when it is but its pickled state is malformed.
    pub fn from_node(node: NodeRef<'g, 'a>) -> Option<Result<Typed<'g, 'a>>> {
        stdlib_registry().view(node)
    }

    /// True for immutable values (everything but the mutable containers
    /// and records).
    pub fn is_immutable(&self) -> bool {
        !matches!(
            self,
            Typed::OrderedDict(_)
                | Typed::DefaultDict(_)
                | Typed::Counter(_)
                | Typed::Deque(_)
                | Typed::Record(_)
        )
    }

    /// Python's `repr()` of this value as text and nodes (the nodes are to
    /// be printed with [`repr`](fn@crate::repr)). `None` when brinery cannot print
    /// it exactly (an enum member whose name is unknown).
    pub fn repr_pieces(&self) -> Option<Vec<ReprPiece>> {
        render::pieces(self)
    }
}

/// A member value of a registered enum, matched against the pickled value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EnumValue {
    /// An int value.
    Int(i64),
    /// A str value.
    Str(String),
}

crate::value::from_impls!(EnumValue:
    i64 => |v| EnumValue::Int(v),
    i32 => |v| EnumValue::Int(v as i64),
    &str => |v| EnumValue::Str(v.into()),
    String => |v| EnumValue::Str(v),
);

/// A user view function: given an object of the registered class, its
/// typed value (`None` to decline, `Some(Err)` for a malformed state).
pub type ViewFn =
    dyn for<'g, 'a> Fn(NodeRef<'g, 'a>) -> Option<Result<Typed<'g, 'a>>> + Send + Sync;

#[derive(Copy, Clone, Debug)]
enum Builtin {
    Date,
    Time,
    DateTime,
    TimeDelta,
    TimeZone,
    ZoneInfo,
    PytzP,
    PytzUtc,
    Decimal,
    Fraction,
    Uuid,
    Complex,
    OrderedDict,
    DefaultDict,
    Counter,
    Deque,
    Range,
    Slice,
    Path(PathKind),
    Pattern,
}

#[derive(Clone)]
enum Handler {
    Builtin(Builtin),
    Fn(Arc<ViewFn>),
    Enum(Arc<Vec<(String, EnumValue)>>),
    NamedTuple(Option<Arc<[String]>>),
    Dataclass(Option<Arc<[String]>>),
}

/// Views keyed by the `(module, qualified name)` of a class (or, for
/// values pickled through a function such as `pytz._p`, of the function).
///
/// [`TypeRegistry::stdlib`] knows the standard-library types in the
/// [module docs](self); add your own classes with [`register`](Self::register),
/// [`register_enum`](Self::register_enum),
/// [`register_namedtuple`](Self::register_namedtuple) and
/// [`register_dataclass`](Self::register_dataclass). A registry is also a
/// [`ReprHook`]: pass it to [`crate::ReprOptions::hook`] or
/// [`crate::PrettyOptions::hook`] to print registered classes as Python's
/// `repr()` does.
#[derive(Clone, Default)]
pub struct TypeRegistry {
    map: HashMap<String, HashMap<String, Handler>>,
}

impl std::fmt::Debug for TypeRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<String> = self
            .map
            .iter()
            .flat_map(|(m, v)| v.keys().map(move |n| format!("{m}.{n}")))
            .collect();
        names.sort();
        f.debug_struct("TypeRegistry")
            .field("classes", &names)
            .finish()
    }
}

fn stdlib_registry() -> &'static TypeRegistry {
    static REG: OnceLock<TypeRegistry> = OnceLock::new();
    REG.get_or_init(TypeRegistry::build_stdlib)
}

impl TypeRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry holding the standard-library views of the
    /// [module docs](self).
    pub fn stdlib() -> Self {
        stdlib_registry().clone()
    }

    fn build_stdlib() -> Self {
        use Builtin as B;
        let mut r = TypeRegistry::new();
        let entries: &[(&str, &str, Builtin)] = &[
            ("datetime", "date", B::Date),
            ("datetime", "time", B::Time),
            ("datetime", "datetime", B::DateTime),
            ("datetime", "timedelta", B::TimeDelta),
            ("datetime", "timezone", B::TimeZone),
            ("zoneinfo", "ZoneInfo._unpickle", B::ZoneInfo),
            ("pytz", "_p", B::PytzP),
            ("pytz", "_UTC", B::PytzUtc),
            ("decimal", "Decimal", B::Decimal),
            ("_pydecimal", "Decimal", B::Decimal),
            ("fractions", "Fraction", B::Fraction),
            ("uuid", "UUID", B::Uuid),
            ("builtins", "complex", B::Complex),
            ("collections", "OrderedDict", B::OrderedDict),
            ("collections", "defaultdict", B::DefaultDict),
            ("collections", "Counter", B::Counter),
            ("collections", "deque", B::Deque),
            ("builtins", "range", B::Range),
            ("builtins", "slice", B::Slice),
            ("re", "_compile", B::Pattern),
        ];
        for &(m, n, b) in entries {
            r.insert(m, n, Handler::Builtin(b));
        }
        for k in [
            PathKind::PurePosixPath,
            PathKind::PosixPath,
            PathKind::PureWindowsPath,
            PathKind::WindowsPath,
        ] {
            // Python 3.13 pickles paths from their new home `pathlib._local`.
            for m in ["pathlib", "pathlib._local"] {
                r.insert(m, k.name(), Handler::Builtin(B::Path(k)));
            }
        }
        r
    }

    fn insert(&mut self, module: &str, name: &str, h: Handler) {
        self.map
            .entry(module.to_string())
            .or_default()
            .insert(name.to_string(), h);
    }

    /// Register a view function for objects of class `module.name` (its
    /// `__qualname__`), replacing any earlier entry.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use brinery::stdlib::{Decimal, Typed, TypeRegistry};
    /// use brinery::{Construct, Graph, Node, Object, PrettyOptions};
    ///
    /// // A class pickled as `money.Money('12.50')`: view it as a Decimal.
    /// let mut reg = TypeRegistry::new();
    /// reg.register("money", "Money", |n| {
    ///     let Some(Node::Object(o)) = n.node() else { return None };
    ///     let Construct::Reduce { args, .. } = o.construct else { return None };
    ///     let text = n.graph().view(args).get(&0)?.as_str()?;
    ///     Some(Decimal::parse(text).map(Typed::Decimal))
    /// });
    ///
    /// let mut g = Graph::new();
    /// let (cls, s) = (g.global("money", "Money"), g.str("12.50"));
    /// let args = g.tuple(vec![s]);
    /// let m = g.add(Node::Object(Box::new(Object::new(Construct::Reduce { callable: cls, args }))));
    /// let Some(Ok(Typed::Decimal(d))) = reg.view(g.view(m)) else { panic!() };
    /// assert_eq!(d.to_string(), "12.50");
    /// let opts = PrettyOptions::default().hook(Arc::new(reg));
    /// assert_eq!(brinery::pretty(&g, m, &opts)?, "Decimal('12.50')");
    /// # Ok::<(), brinery::Error>(())
    /// ```
    pub fn register<F>(&mut self, module: &str, name: &str, f: F) -> &mut Self
    where
        F: for<'g, 'a> Fn(NodeRef<'g, 'a>) -> Option<Result<Typed<'g, 'a>>> + Send + Sync + 'static,
    {
        self.insert(module, name, Handler::Fn(Arc::new(f)));
        self
    }

    /// Register an enum class with its members' `(name, value)`, so
    /// `Color(1)` in a pickle reads as [`Typed::Enum`] with the name `RED`
    /// and prints as `<Color.RED: 1>`.
    pub fn register_enum<I, S>(&mut self, module: &str, name: &str, members: I) -> &mut Self
    where
        I: IntoIterator<Item = (S, EnumValue)>,
        S: Into<String>,
    {
        let m: Vec<(String, EnumValue)> = members.into_iter().map(|(n, v)| (n.into(), v)).collect();
        self.insert(module, name, Handler::Enum(Arc::new(m)));
        self
    }

    /// Register a namedtuple class with its field names, so `Point(1, 2)`
    /// reads as a [`Record`] and prints as `Point(x=1, y=2)`.
    pub fn register_namedtuple<I, S>(&mut self, module: &str, name: &str, fields: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let f: Arc<[String]> = fields.into_iter().map(Into::into).collect();
        self.insert(module, name, Handler::NamedTuple(Some(f)));
        self
    }

    /// Register a dataclass, so its instances read as [`Record`]s and print
    /// as `Point(x=1, y=2)`. `fields` lists the fields shown by its repr,
    /// in order; `None` takes the pickled state dict's keys in order (a
    /// `slots=True` dataclass, pickled as a list of values, needs them).
    pub fn register_dataclass<I, S>(
        &mut self,
        module: &str,
        name: &str,
        fields: Option<I>,
    ) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let f = fields.map(|f| f.into_iter().map(Into::into).collect::<Arc<[String]>>());
        self.insert(module, name, Handler::Dataclass(f));
        self
    }

    /// Remove the entry for `module.name`; true if there was one.
    pub fn unregister(&mut self, module: &str, name: &str) -> bool {
        self.map
            .get_mut(module)
            .and_then(|m| m.remove(name))
            .is_some()
    }

    /// True if `module.name` has an entry.
    pub fn contains(&self, module: &str, name: &str) -> bool {
        self.map.get(module).is_some_and(|m| m.contains_key(name))
    }

    /// The typed view of `node`: `None` when its class is not registered
    /// (or the view declines), `Some(Err)` when it is but the pickled
    /// state is malformed.
    pub fn view<'g, 'a>(&self, node: NodeRef<'g, 'a>) -> Option<Result<Typed<'g, 'a>>> {
        let call = Call::of(node)?;
        let h = self.map.get(call.module)?.get(call.name)?;
        match h {
            Handler::Builtin(b) => Some(builtin_view(*b, &call, node)),
            Handler::Fn(f) => f(node),
            Handler::Enum(members) => Some(enum_view(&call, members)),
            Handler::NamedTuple(fields) => Some(namedtuple_view(&call, fields.as_deref())),
            Handler::Dataclass(fields) => Some(dataclass_view(&call, fields.as_deref())),
        }
    }
}

impl ReprHook for TypeRegistry {
    fn repr(&self, node: NodeRef<'_, '_>) -> Option<Vec<ReprPiece>> {
        match self.view(node)? {
            Ok(t) => render::pieces(&t),
            Err(_) => None,
        }
    }
}

use self::render::{counter_order, factory_repr};

/// An instance of a builtin exception class as `BaseException.__repr__`
/// prints it: `ValueError('ugh')`, `KeyError()`, `OSError(2, 'x')` (its
/// args; a BUILD state does not show).
fn exception_pieces(node: NodeRef<'_, '_>) -> Option<Vec<ReprPiece>> {
    let call = Call::of(node)?;
    if call.module != "builtins" || call.via.is_some() || call.kwargs.is_some() {
        return None;
    }
    let name = crate::builtins::exception_name(call.name)?;
    if name == "OSError" && call.args.len() >= 2 {
        // OSError(errno, ...) becomes the subclass for that errno.
        return None;
    }
    let mut out = vec![ReprPiece::text(format!("{name}("))];
    for (i, &a) in call.args.iter().enumerate() {
        if i > 0 {
            out.push(ReprPiece::text(", "));
        }
        out.push(ReprPiece::Node(a));
    }
    out.push(ReprPiece::text(")"));
    Some(out)
}

/// The standard-library renderings as an ordinary [`ReprHook`]: what
/// [`crate::ReprOptions`] and [`crate::PrettyOptions`] use after the user's
/// hooks unless `.stdlib(false)`. It prints the types of the
/// [module docs](self) as CPython 3.11 does, marks them immutable where
/// they are (`is_value`), gives CPython's recursion markers for
/// self-containing OrderedDicts, deques and defaultdicts, and pprint's
/// layouts (`_pprint_ordered_dict`, `_pprint_default_dict`,
/// `_pprint_counter`, `_pprint_deque`; other values on one line).
#[derive(Clone, Copy, Debug, Default)]
pub struct StdlibHook;

impl ReprHook for StdlibHook {
    fn repr(&self, node: NodeRef<'_, '_>) -> Option<Vec<ReprPiece>> {
        exception_pieces(node).or_else(|| stdlib_registry().repr(node))
    }

    fn is_value(&self, node: NodeRef<'_, '_>) -> bool {
        matches!(Typed::from_node(node), Some(Ok(t)) if t.is_immutable())
    }

    fn recursion_marker(&self, node: NodeRef<'_, '_>) -> Option<String> {
        match Typed::from_node(node)? {
            Ok(Typed::OrderedDict(_)) => Some("...".into()),
            Ok(Typed::Deque(_)) => Some("[...]".into()),
            Ok(Typed::DefaultDict(d)) => Some(format!(
                "defaultdict({}, {{...}})",
                factory_repr(d.default_factory)?
            )),
            _ => None,
        }
    }

    fn layout<'g>(&self, node: NodeRef<'g, '_>) -> Option<Layout<'g>> {
        let block = match Typed::from_node(node)?.ok()? {
            Typed::OrderedDict(m) if !m.is_empty() => match m.entries {
                Cow::Borrowed(entries) => {
                    Block::new("OrderedDict(", BlockBody::PairList(entries), 12, ")")
                }
                Cow::Owned(_) => return Some(Layout::Flat),
            },
            Typed::DefaultDict(d) if !d.items.is_empty() => match factory_repr(d.default_factory) {
                Some(rdf) => Block::new(
                    format!("defaultdict({rdf},"),
                    BlockBody::Dict(d.items.entries),
                    12,
                    "})",
                )
                .break_then("{"),
                None => return Some(Layout::Flat),
            },
            Typed::Counter(m) if !m.is_empty() => {
                let sorted = counter_order(node.graph(), m.entry_ids());
                Block::new("Counter({", BlockBody::Dict(Cow::Owned(sorted)), 8, "})")
            }
            Typed::Deque(d) if !d.items.is_empty() => {
                let items = BlockBody::Items(d.items.items);
                match d.maxlen {
                    None => Block::new("deque([", items, 6, "])"),
                    Some(m) => Block::new("deque([", items, 6, "],")
                        .allowance(Allowance::Fixed(2))
                        .trailer(format!("maxlen={m})")),
                }
            }
            _ => return Some(Layout::Flat),
        };
        Some(Layout::Block(block))
    }
}

// ---------------------------------------------------------------------------
// Reading the call

/// Checks on the call behind an object (the shared [`Call`] helper, with
/// copyreg's wrappers taken off).
impl<'g, 'a> Call<'g, 'a> {
    fn nargs(&self, range: std::ops::RangeInclusive<usize>, what: &str) -> Result<()> {
        if range.contains(&self.args.len()) {
            Ok(())
        } else {
            Err(bad(format!(
                "{what}: unexpected {} pickled arguments",
                self.args.len()
            )))
        }
    }

    /// The last BUILD state.
    fn state(&self) -> Option<NodeRef<'g, 'a>> {
        self.object.state().map(|s| self.node().graph().view(s))
    }
}

fn builtin_view<'g, 'a>(
    b: Builtin,
    c: &Call<'g, 'a>,
    node: NodeRef<'g, 'a>,
) -> Result<Typed<'g, 'a>> {
    let g = node.graph();
    Ok(match b {
        Builtin::Date => Typed::Date(date_of(c)?),
        Builtin::Time => Typed::Time(time_of(c)?),
        Builtin::DateTime => Typed::DateTime(datetime_of(c)?),
        Builtin::TimeDelta => Typed::TimeDelta(timedelta_of(c)?),
        Builtin::TimeZone | Builtin::ZoneInfo | Builtin::PytzP | Builtin::PytzUtc => {
            Typed::TzInfo(tz_of(b, c)?)
        }
        Builtin::Decimal => {
            c.nargs(0..=1, "Decimal")?;
            let d = match c.arg(0) {
                None => Decimal::parse("0")?,
                Some(a) => match (a.as_pystr(), int_of(a)) {
                    (Some(s), _) => Decimal::parse(&s.to_string_lossy())?,
                    (None, Some(i)) => Decimal::parse(&i.to_string())?,
                    _ => return Err(bad("Decimal: argument is not a str")),
                },
            };
            Typed::Decimal(d)
        }
        Builtin::Fraction => {
            c.nargs(1..=2, "Fraction")?;
            let a = c.arg(0).expect("checked");
            let f = match (str_of(a), c.arg(1)) {
                (Some(s), None) => Fraction::parse(&s)?,
                (None, d) => {
                    let n = int_of(a).ok_or_else(|| bad("Fraction: bad numerator"))?;
                    let d = match d {
                        Some(d) => int_of(d).ok_or_else(|| bad("Fraction: bad denominator"))?,
                        None => 1.into(),
                    };
                    Fraction::new(n, d)?
                }
                _ => return Err(bad("Fraction: bad arguments")),
            };
            Typed::Fraction(f)
        }
        Builtin::Uuid => {
            let st = c.state().ok_or_else(|| bad("UUID without state"))?;
            // A dict, or (None | dict, slots dict).
            let mut val = st.get("int");
            if val.is_none() {
                if let Some(items) = st.as_items() {
                    for &i in items {
                        if let Some(v) = g.view(i).get("int") {
                            val = Some(v);
                        }
                    }
                }
            }
            let int = val
                .and_then(int_of)
                .and_then(|i| i.to_u128())
                .ok_or_else(|| bad("UUID: state has no 128-bit 'int'"))?;
            Typed::Uuid(Uuid(int))
        }
        Builtin::Complex => {
            c.nargs(0..=2, "complex")?;
            let num = |v: Option<NodeRef<'_, '_>>| -> Result<f64> {
                match v {
                    None => Ok(0.0),
                    Some(v) => match v.node() {
                        Some(Node::Float(f)) => Ok(*f),
                        Some(Node::Int(_) | Node::Bool(_) | Node::BigInt(_)) => v
                            .as_bigint()
                            .and_then(|b| b.to_f64())
                            .filter(|f| f.is_finite())
                            .ok_or_else(|| bad("complex: int too large")),
                        _ => Err(bad("complex: argument is not a number")),
                    },
                }
            };
            Typed::Complex(Complex {
                re: num(c.arg(0))?,
                im: num(c.arg(1))?,
            })
        }
        Builtin::OrderedDict => {
            c.nargs(0..=1, "OrderedDict")?;
            let mut entries: Vec<(NodeId, NodeId)> = Vec::new();
            if let Some(a) = c.arg(0) {
                // Python 2: OrderedDict([[k, v], ...]).
                for p in a.iter() {
                    match p.as_items() {
                        Some(&[k, v]) => entries.push((k, v)),
                        _ => return Err(bad("OrderedDict: item is not a pair")),
                    }
                }
            }
            Typed::OrderedDict(mapping(c, entries))
        }
        Builtin::DefaultDict => {
            c.nargs(0..=1, "defaultdict")?;
            let factory = c.arg(0).unwrap_or_else(|| none_view(node));
            Typed::DefaultDict(DefaultDict {
                default_factory: factory,
                items: mapping(c, Vec::new()),
            })
        }
        Builtin::Counter => {
            c.nargs(0..=1, "Counter")?;
            let mut entries = Vec::new();
            if let Some(a) = c.arg(0) {
                entries.extend_from_slice(
                    a.as_entries()
                        .ok_or_else(|| bad("Counter: argument is not a dict"))?,
                );
            }
            Typed::Counter(mapping(c, entries))
        }
        Builtin::Deque => {
            c.nargs(0..=2, "deque")?;
            let mut items: Vec<NodeId> = Vec::new();
            if let Some(a) = c.arg(0) {
                items.extend_from_slice(
                    a.as_items()
                        .ok_or_else(|| bad("deque: items are not a sequence"))?,
                );
            }
            let maxlen = match c.arg(1) {
                Some(m) if !m.is_none() => Some(i64_of(m, "deque maxlen")?),
                _ => None,
            };
            let items = if items.is_empty() {
                Cow::Borrowed(&c.object.list_items[..])
            } else {
                items.extend_from_slice(&c.object.list_items);
                Cow::Owned(items)
            };
            Typed::Deque(Deque {
                items: Seq { graph: g, items },
                maxlen,
            })
        }
        Builtin::Range => {
            c.nargs(1..=3, "range")?;
            let int = |i: usize| {
                c.arg(i)
                    .and_then(int_of)
                    .ok_or_else(|| bad("range: argument is not an int"))
            };
            let (start, stop, step) = match c.args.len() {
                1 => (0.into(), int(0)?, 1.into()),
                2 => (int(0)?, int(1)?, 1.into()),
                _ => (int(0)?, int(1)?, int(2)?),
            };
            if num_traits::Zero::is_zero(&step) {
                return Err(bad("range() arg 3 must not be zero"));
            }
            Typed::Range(Range { start, stop, step })
        }
        Builtin::Slice => {
            c.nargs(1..=3, "slice")?;
            let none = none_view(node);
            let a = |i: usize| c.arg(i).unwrap_or(none);
            let (start, stop, step) = match c.args.len() {
                1 => (none, a(0), none),
                _ => (a(0), a(1), a(2)),
            };
            Typed::Slice(Slice { start, stop, step })
        }
        Builtin::Path(kind) => {
            let mut parts = Vec::with_capacity(c.args.len());
            for i in 0..c.args.len() {
                let p = c
                    .arg(i)
                    .and_then(str_of)
                    .ok_or_else(|| bad("path part is not a str"))?;
                parts.push(p);
            }
            Typed::Path(PyPath { kind, parts })
        }
        Builtin::Pattern => {
            c.nargs(2..=2, "re._compile")?;
            let (p, f) = (c.arg(0), c.arg(1).and_then(|f| f.as_i64()));
            match (p, f) {
                (Some(p), Some(f)) => Typed::Pattern(Pattern::new(p, f)?),
                _ => return Err(bad("re._compile: unexpected arguments")),
            }
        }
    })
}

/// A view answering `None` (an empty view).
fn none_view<'g, 'a>(node: NodeRef<'g, 'a>) -> NodeRef<'g, 'a> {
    NodeRef::new(node.graph(), None)
}

fn mapping<'g, 'a>(c: &Call<'g, 'a>, mut first: Vec<(NodeId, NodeId)>) -> Mapping<'g, 'a> {
    let graph = c.node().graph();
    let entries = if first.is_empty() {
        Cow::Borrowed(&c.object.dict_items[..])
    } else {
        first.extend_from_slice(&c.object.dict_items);
        Cow::Owned(first)
    };
    Mapping { graph, entries }
}

fn date_bytes<'g>(c: &Call<'g, '_>, n: usize, what: &str) -> Result<Option<Cow<'g, [u8]>>> {
    match c.arg(0).and_then(state_bytes) {
        Some(b) if b.len() == n => Ok(Some(b)),
        Some(_) => Err(bad(format!("{what}: bad state length"))),
        None => Ok(None),
    }
}

fn check_range(v: i64, lo: i64, hi: i64, what: &str) -> Result<()> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(bad(format!("{what} {v} is out of range")))
    }
}

fn check_date(y: i64, m: i64, d: i64) -> Result<Date> {
    check_range(y, 1, 9999, "year")?;
    check_range(m, 1, 12, "month")?;
    check_range(d, 1, 31, "day")?;
    Ok(Date {
        year: y as u16,
        month: m as u8,
        day: d as u8,
    })
}

fn ints(c: &Call<'_, '_>, from: usize, to: usize, what: &str) -> Result<Vec<i64>> {
    (from..to.min(c.args.len()))
        .map(|i| i64_of(c.arg(i).expect("in range"), what))
        .collect()
}

fn date_of(c: &Call<'_, '_>) -> Result<Date> {
    c.nargs(1..=3, "date")?;
    if let Some(b) = date_bytes(c, 4, "date")? {
        return check_date((b[0] as i64) << 8 | b[1] as i64, b[2] as i64, b[3] as i64);
    }
    let v = ints(c, 0, 3, "date")?;
    if v.len() != 3 {
        return Err(bad("date: missing arguments"));
    }
    check_date(v[0], v[1], v[2])
}

fn tz_arg<'g, 'a>(c: &Call<'g, 'a>, i: usize) -> Result<Option<TzInfo<'g, 'a>>> {
    match c.arg(i) {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => Ok(Some(tzinfo_of(v)?)),
    }
}

/// Read a tzinfo node (one level: its offset is a timedelta node).
fn tzinfo_of<'g, 'a>(v: NodeRef<'g, 'a>) -> Result<TzInfo<'g, 'a>> {
    if let Some(c) = Call::of(v) {
        if let Some(Handler::Builtin(
            b @ (Builtin::TimeZone | Builtin::ZoneInfo | Builtin::PytzP | Builtin::PytzUtc),
        )) = stdlib_registry()
            .map
            .get(c.module)
            .and_then(|m| m.get(c.name))
        {
            return tz_of(*b, &c);
        }
    }
    Ok(TzInfo::Other(v))
}

fn tz_of<'g, 'a>(b: Builtin, c: &Call<'g, 'a>) -> Result<TzInfo<'g, 'a>> {
    Ok(match b {
        Builtin::TimeZone => {
            c.nargs(1..=2, "timezone")?;
            let off = c.arg(0).expect("checked");
            let offset = match Call::of(off) {
                Some(oc) if (oc.module, oc.name) == ("datetime", "timedelta") => timedelta_of(&oc)?,
                _ => return Err(bad("timezone: offset is not a timedelta")),
            };
            if offset.total_microseconds().abs() >= 86_400_000_000 {
                return Err(bad("timezone: offset must be strictly between -timedelta(hours=24) and timedelta(hours=24)"));
            }
            let name = match c.arg(1) {
                None => None,
                Some(n) => Some(str_of(n).ok_or_else(|| bad("timezone: name is not a str"))?),
            };
            TzInfo::TimeZone(TimeZone { offset, name })
        }
        Builtin::ZoneInfo => {
            c.nargs(1..=2, "ZoneInfo")?;
            let key = c
                .arg(0)
                .and_then(str_of)
                .ok_or_else(|| bad("ZoneInfo: key is not a str"))?;
            TzInfo::ZoneInfo { key }
        }
        Builtin::PytzUtc => TzInfo::PytzUtc,
        _ => {
            c.nargs(1..=4, "pytz._p")?;
            let zone = c
                .arg(0)
                .and_then(str_of)
                .ok_or_else(|| bad("pytz._p: zone is not a str"))?;
            let transition = if c.args.len() == 4 {
                let off = i64_of(c.arg(1).expect("4"), "pytz utcoffset")?;
                let dst = i64_of(c.arg(2).expect("4"), "pytz dst")?;
                let name = c
                    .arg(3)
                    .and_then(str_of)
                    .ok_or_else(|| bad("pytz._p: tzname is not a str"))?;
                Some((off, dst, name))
            } else {
                None
            };
            TzInfo::Pytz(PytzZone { zone, transition })
        }
    })
}

/// The time of a 6-byte time state (hour with fold in its high bit,
/// minute, second, 3-byte microsecond); `tzinfo` is left `None`.
fn time_fields<'g, 'a>(b: &[u8]) -> Result<Time<'g, 'a>> {
    let (fold, hour) = (b[0] >> 7, b[0] & 0x7F);
    let us = (b[3] as u32) << 16 | (b[4] as u32) << 8 | b[5] as u32;
    check_range(hour as i64, 0, 23, "hour")?;
    check_range(b[1] as i64, 0, 59, "minute")?;
    check_range(b[2] as i64, 0, 59, "second")?;
    check_range(us as i64, 0, 999_999, "microsecond")?;
    Ok(Time {
        hour,
        minute: b[1],
        second: b[2],
        microsecond: us,
        fold,
        tzinfo: None,
    })
}

fn time_of<'g, 'a>(c: &Call<'g, 'a>) -> Result<Time<'g, 'a>> {
    c.nargs(1..=2, "time")?;
    let b = date_bytes(c, 6, "time")?.ok_or_else(|| bad("time: state is not bytes"))?;
    let t = time_fields(&b)?;
    Ok(Time {
        tzinfo: tz_arg(c, 1)?,
        ..t
    })
}

fn datetime_of<'g, 'a>(c: &Call<'g, 'a>) -> Result<DateTime<'g, 'a>> {
    c.nargs(1..=2, "datetime")?;
    let b = date_bytes(c, 10, "datetime")?.ok_or_else(|| bad("datetime: state is not bytes"))?;
    let (fold, month) = (b[2] >> 7, b[2] & 0x7F);
    let d = check_date((b[0] as i64) << 8 | b[1] as i64, month as i64, b[3] as i64)?;
    let t = time_fields(&[b[4] & 0x7F, b[5], b[6], b[7], b[8], b[9]])?;
    if b[4] & 0x80 != 0 {
        return Err(bad("datetime: bad hour byte"));
    }
    Ok(DateTime {
        year: d.year,
        month: d.month,
        day: d.day,
        hour: t.hour,
        minute: t.minute,
        second: t.second,
        microsecond: t.microsecond,
        fold,
        tzinfo: tz_arg(c, 1)?,
    })
}

fn timedelta_of(c: &Call<'_, '_>) -> Result<TimeDelta> {
    c.nargs(0..=3, "timedelta")?;
    let v = ints(c, 0, 3, "timedelta")?;
    let g = |i: usize| v.get(i).copied().unwrap_or(0);
    // Each part is bounded by i64; the sum is computed in i128.
    let total = g(0) as i128 * 86_400_000_000 + g(1) as i128 * 1_000_000 + g(2) as i128;
    TimeDelta::from_microseconds(total)
}

fn enum_view<'g, 'a>(c: &Call<'g, 'a>, members: &[(String, EnumValue)]) -> Result<Typed<'g, 'a>> {
    c.nargs(1..=1, "enum member")?;
    let value = c.arg(0).expect("checked");
    let name = members
        .iter()
        .find(|(_, m)| match (m, value.node()) {
            (EnumValue::Int(i), Some(Node::Int(j))) => i == j,
            (EnumValue::Str(s), Some(Node::Str(t))) => t.as_str() == Some(s.as_str()),
            _ => false,
        })
        .map(|(n, _)| n.clone());
    Ok(Typed::Enum(EnumMember {
        module: c.module,
        class: c.name,
        value,
        name,
    }))
}

fn namedtuple_view<'g, 'a>(c: &Call<'g, 'a>, fields: Option<&[String]>) -> Result<Typed<'g, 'a>> {
    let g = c.node().graph();
    let mut values: &[NodeId] = c.args;
    // copyreg._reconstructor(cls, tuple, values) below protocol 2.
    if let Construct::Reduce { args, .. } = &c.object.construct {
        if let Some(Node::Tuple(t)) = g.get(*args) {
            if t.len() == 3 && c.args.is_empty() {
                values = g.view(t[2]).as_items().unwrap_or(&[]);
            }
        }
    }
    if let Some(f) = fields {
        if f.len() != values.len() {
            return Err(bad(format!(
                "{}: expected {} fields, pickled {}",
                c.name,
                f.len(),
                values.len()
            )));
        }
    }
    Ok(Typed::Record(Record {
        kind: RecordKind::NamedTuple,
        module: c.module,
        class: c.name,
        fields: values
            .iter()
            .enumerate()
            .map(|(i, &v)| (fields.map(|f| f[i].clone()), g.view(v)))
            .collect(),
    }))
}

fn dataclass_view<'g, 'a>(c: &Call<'g, 'a>, fields: Option<&[String]>) -> Result<Typed<'g, 'a>> {
    let g = c.node().graph();
    let mut pairs: Vec<(String, NodeRef<'g, 'a>)> = Vec::new();
    let st = c
        .state()
        .ok_or_else(|| bad(format!("{}: no pickled state", c.name)))?;
    let add_dict = |pairs: &mut Vec<(String, NodeRef<'g, 'a>)>, d: NodeRef<'g, 'a>| -> Result<()> {
        for (k, v) in d.entries() {
            let k = str_of(k).ok_or_else(|| bad("state key is not a str"))?;
            pairs.retain(|(n, _)| *n != k);
            pairs.push((k, v));
        }
        Ok(())
    };
    match st.node() {
        Some(Node::Dict(_)) => add_dict(&mut pairs, st)?,
        Some(Node::Tuple(t)) if t.len() == 2 && !matches!(g.get(t[1]), Some(Node::List(_))) => {
            for &p in t {
                let p = g.view(p);
                if !p.is_none() {
                    add_dict(&mut pairs, p)?;
                }
            }
        }
        Some(Node::List(v) | Node::Tuple(v)) => {
            let f = fields.ok_or_else(|| bad(format!("{}: values without field names", c.name)))?;
            if f.len() != v.len() {
                return Err(bad(format!("{}: field count mismatch", c.name)));
            }
            pairs = f
                .iter()
                .cloned()
                .zip(v.iter().map(|&i| g.view(i)))
                .collect();
        }
        _ => return Err(bad(format!("{}: unsupported state", c.name))),
    }
    let out: Vec<(Option<String>, NodeRef<'g, 'a>)> = match fields {
        Some(f) => f
            .iter()
            .map(|n| {
                pairs
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(k, v)| (Some(k.clone()), *v))
                    .ok_or_else(|| bad(format!("{}: field {n} not in state", c.name)))
            })
            .collect::<Result<_>>()?,
        None => pairs.into_iter().map(|(k, v)| (Some(k), v)).collect(),
    };
    Ok(Typed::Record(Record {
        kind: RecordKind::Dataclass,
        module: c.module,
        class: c.name,
        fields: out,
    }))
}
