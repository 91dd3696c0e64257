//! numpy data types: `numpy.dtype` as pickled, as `.npy` descr, as text.

use std::fmt::Write as _;

use brinery::{Construct, Error, ErrorKind, Node, NodeRef, Result};

use crate::lit::Lit;
use crate::npy::py_str_repr;

/// Nesting limit for structured/subarray dtypes (numpy's own limit on
/// nested dtypes is lower in practice); deeper input is an error, so the
/// recursive dtype code is bounded.
pub(crate) const MAX_DTYPE_DEPTH: usize = 32;

pub(crate) fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidValue, msg)
}

/// Byte order of a dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// `<`
    Little,
    /// `>`
    Big,
    /// `|`: one-byte types, strings, void, object.
    NotApplicable,
}

impl ByteOrder {
    /// The numpy character: `<`, `>` or `|`.
    pub fn char(self) -> char {
        match self {
            ByteOrder::Little => '<',
            ByteOrder::Big => '>',
            ByteOrder::NotApplicable => '|',
        }
    }

    /// The byte order of this machine.
    pub fn native() -> ByteOrder {
        if cfg!(target_endian = "big") {
            ByteOrder::Big
        } else {
            ByteOrder::Little
        }
    }
}

/// What kind of values a dtype holds (numpy's `dtype.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `b`: `bool`.
    Bool,
    /// `i`: signed integers.
    Int,
    /// `u`: unsigned integers.
    UInt,
    /// `f`: float16/32/64, longdouble (kept as raw bytes).
    Float,
    /// `c`: complex64/128/256.
    Complex,
    /// `M`: `datetime64`.
    Datetime,
    /// `m`: `timedelta64`.
    Timedelta,
    /// `S`: zero-padded bytes.
    Bytes,
    /// `U`: UCS-4 text.
    Str,
    /// `V`: raw bytes, structured records, subarrays.
    Void,
    /// `O`: Python objects.
    Object,
    /// `T`: numpy 2's variable-width `StringDType` (its elements are
    /// Python `str`s, pickled as a list like an object array's).
    VString,
}

impl Kind {
    /// numpy's `dtype.kind` character.
    pub fn char(self) -> char {
        match self {
            Kind::Bool => 'b',
            Kind::Int => 'i',
            Kind::UInt => 'u',
            Kind::Float => 'f',
            Kind::Complex => 'c',
            Kind::Datetime => 'M',
            Kind::Timedelta => 'm',
            Kind::Bytes => 'S',
            Kind::Str => 'U',
            Kind::Void => 'V',
            Kind::Object => 'O',
            Kind::VString => 'T',
        }
    }
}

/// A `datetime64`/`timedelta64` unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// No unit (`M8`).
    Generic,
    /// `Y`
    Year,
    /// `M`
    Month,
    /// `W`
    Week,
    /// `D`
    Day,
    /// `h`
    Hour,
    /// `m`
    Minute,
    /// `s`
    Second,
    /// `ms`
    Millisecond,
    /// `us`
    Microsecond,
    /// `ns`
    Nanosecond,
    /// `ps`
    Picosecond,
    /// `fs`
    Femtosecond,
    /// `as`
    Attosecond,
}

const UNITS: &[(TimeUnit, &str)] = &[
    (TimeUnit::Generic, "generic"),
    (TimeUnit::Year, "Y"),
    (TimeUnit::Month, "M"),
    (TimeUnit::Week, "W"),
    (TimeUnit::Day, "D"),
    (TimeUnit::Hour, "h"),
    (TimeUnit::Minute, "m"),
    (TimeUnit::Second, "s"),
    (TimeUnit::Millisecond, "ms"),
    (TimeUnit::Microsecond, "us"),
    (TimeUnit::Nanosecond, "ns"),
    (TimeUnit::Picosecond, "ps"),
    (TimeUnit::Femtosecond, "fs"),
    (TimeUnit::Attosecond, "as"),
];

impl TimeUnit {
    /// numpy's code: `ns`, `D`, ..., `generic`.
    pub fn code(self) -> &'static str {
        UNITS
            .iter()
            .find(|(u, _)| *u == self)
            .map(|(_, c)| *c)
            .unwrap_or("generic")
    }

    /// The unit for numpy's code (`μs` is accepted for `us`).
    pub fn from_code(code: &str) -> Option<TimeUnit> {
        if code == "μs" {
            return Some(TimeUnit::Microsecond);
        }
        UNITS.iter().find(|(_, c)| *c == code).map(|(u, _)| *u)
    }
}

/// A field of a structured dtype.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The field name.
    pub name: String,
    /// The optional title.
    pub title: Option<String>,
    /// The field's dtype.
    pub dtype: Dtype,
    /// Byte offset inside the record.
    pub offset: usize,
}

/// A numpy data type.
#[derive(Clone, Debug, PartialEq)]
pub struct Dtype {
    /// The kind.
    pub kind: Kind,
    /// The byte order.
    pub byteorder: ByteOrder,
    /// Bytes per element.
    pub itemsize: usize,
    /// Alignment in bytes.
    pub alignment: usize,
    /// Unit and multiplier of datetime64/timedelta64 (`[25s]`).
    pub time_unit: Option<(TimeUnit, u32)>,
    /// Fields of a structured dtype, in `names` order.
    pub fields: Option<Vec<Field>>,
    /// `(base, shape)` of a subarray dtype such as `('<i4', (2, 3))`.
    pub subarray: Option<Box<(Dtype, Vec<usize>)>>,
    /// Whether a structured dtype was made with `align=True`.
    pub aligned_struct: bool,
    /// The options of a `StringDType` ([`Kind::VString`]).
    pub string: Option<StringOptions>,
}

/// The options of numpy 2's `StringDType(na_object=..., coerce=...)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringOptions {
    /// `coerce` (default true).
    pub coerce: bool,
    /// The Python repr of `na_object`, when one was given.
    pub na_object: Option<String>,
}

impl StringOptions {
    /// numpy's repr: `StringDType()`, `StringDType(na_object=None, coerce=False)`.
    pub fn repr(&self) -> String {
        let mut parts = Vec::new();
        if let Some(na) = &self.na_object {
            parts.push(format!("na_object={na}"));
        }
        if !self.coerce {
            parts.push("coerce=False".to_string());
        }
        format!("StringDType({})", parts.join(", "))
    }
}

fn natural_alignment(kind: Kind, itemsize: usize) -> usize {
    match kind {
        Kind::Bool | Kind::Bytes | Kind::Void => 1,
        Kind::Str => 4,
        Kind::Object | Kind::VString => 8,
        Kind::Complex => (itemsize / 2).clamp(1, 16),
        _ => itemsize.clamp(1, 16),
    }
}

impl Dtype {
    /// A simple dtype of `kind` with `itemsize` bytes in `byteorder`
    /// (ignored, i.e. `|`, for one-byte numbers, bytes, void and object).
    pub fn new(kind: Kind, itemsize: usize, byteorder: ByteOrder) -> Dtype {
        let byteorder = match kind {
            Kind::Bool | Kind::Bytes | Kind::Void | Kind::Object | Kind::VString => {
                ByteOrder::NotApplicable
            }
            Kind::Int | Kind::UInt if itemsize == 1 => ByteOrder::NotApplicable,
            _ => byteorder,
        };
        let time_unit = match kind {
            Kind::Datetime | Kind::Timedelta => Some((TimeUnit::Generic, 1)),
            _ => None,
        };
        Dtype {
            kind,
            byteorder,
            itemsize,
            alignment: natural_alignment(kind, itemsize),
            time_unit,
            fields: None,
            subarray: None,
            aligned_struct: false,
            string: None,
        }
    }

    /// A datetime64 (`Kind::Datetime`) or timedelta64 dtype with a unit.
    pub fn datetime(kind: Kind, unit: TimeUnit, count: u32, byteorder: ByteOrder) -> Dtype {
        let mut d = Dtype::new(kind, 8, byteorder);
        d.time_unit = Some((unit, count));
        d
    }

    /// A structured dtype from its fields and total itemsize.
    pub fn structured(fields: Vec<Field>, itemsize: usize) -> Dtype {
        let alignment = 1;
        Dtype {
            kind: Kind::Void,
            byteorder: ByteOrder::NotApplicable,
            itemsize,
            alignment,
            time_unit: None,
            fields: Some(fields),
            subarray: None,
            aligned_struct: false,
            string: None,
        }
    }

    /// A subarray dtype: `shape` elements of `base`.
    pub fn subarray(base: Dtype, shape: Vec<usize>) -> Result<Dtype> {
        let n = shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .and_then(|n| n.checked_mul(base.itemsize))
            .ok_or_else(|| invalid("subarray dtype too large"))?;
        Ok(Dtype {
            kind: Kind::Void,
            byteorder: ByteOrder::NotApplicable,
            itemsize: n,
            alignment: base.alignment,
            time_unit: None,
            fields: None,
            subarray: Some(Box::new((base, shape))),
            aligned_struct: false,
            string: None,
        })
    }

    /// True when the bytes are in this machine's order (or order does not
    /// apply).
    pub fn is_native(&self) -> bool {
        self.byteorder == ByteOrder::NotApplicable || self.byteorder == ByteOrder::native()
    }

    /// True when elements (or any field) are Python objects.
    pub fn has_object(&self) -> bool {
        let mut stack = vec![self];
        while let Some(d) = stack.pop() {
            if matches!(d.kind, Kind::Object | Kind::VString) {
                return true;
            }
            if let Some(f) = &d.fields {
                stack.extend(f.iter().map(|f| &f.dtype));
            }
            if let Some(s) = &d.subarray {
                stack.push(&s.0);
            }
        }
        false
    }

    /// True for a plain (not structured, not subarray) dtype.
    pub fn is_simple(&self) -> bool {
        self.fields.is_none() && self.subarray.is_none()
    }

    fn unit_suffix(&self) -> String {
        match self.time_unit {
            Some((TimeUnit::Generic, _)) | None => String::new(),
            Some((u, 1)) => format!("[{}]", u.code()),
            Some((u, n)) => format!("[{}{}]", n, u.code()),
        }
    }

    /// numpy's `dtype.str`: `<i4`, `|b1`, `<M8[ns]`, `|S10`, `<U3`,
    /// `|V16`, `|O`.
    pub fn str(&self) -> String {
        let o = self.byteorder.char();
        match self.kind {
            Kind::Object => "|O".into(),
            Kind::Datetime | Kind::Timedelta => {
                format!("{o}{}8{}", self.kind.char(), self.unit_suffix())
            }
            Kind::Str => format!("{o}U{}", self.itemsize / 4),
            _ => format!("{o}{}{}", self.kind.char(), self.itemsize),
        }
    }

    /// numpy's `dtype.name`: `int32`, `float64`, `bool`, `datetime64[ns]`,
    /// `bytes80`, `str96`, `void40`, `object`.
    pub fn name(&self) -> String {
        let bits = self.itemsize * 8;
        match self.kind {
            Kind::Bool => "bool".into(),
            Kind::Int => format!("int{bits}"),
            Kind::UInt => format!("uint{bits}"),
            Kind::Float => format!("float{bits}"),
            Kind::Complex => format!("complex{bits}"),
            Kind::Datetime => format!("datetime64{}", self.unit_suffix()),
            Kind::Timedelta => format!("timedelta64{}", self.unit_suffix()),
            Kind::Bytes => format!("bytes{bits}"),
            Kind::Str => format!("str{bits}"),
            Kind::Void => format!("void{bits}"),
            Kind::Object => "object".into(),
            Kind::VString => format!("StringDType{bits}"),
        }
    }

    /// `StringDType(...)` with its options.
    fn string_repr(&self) -> String {
        match &self.string {
            Some(o) => o.repr(),
            None => "StringDType()".into(),
        }
    }

    fn byteorder_str(&self) -> &'static str {
        match self.byteorder {
            ByteOrder::Little => "<",
            ByteOrder::Big => ">",
            ByteOrder::NotApplicable => "",
        }
    }

    /// numpy's `_scalar_str`.
    fn scalar_str(&self, short: bool) -> String {
        let bo = self.byteorder_str();
        match self.kind {
            Kind::Bool => if short { "'?'" } else { "'bool'" }.into(),
            Kind::Object => "'O'".into(),
            Kind::VString => self.string_repr(),
            Kind::Bytes if self.itemsize == 0 => "'S'".into(),
            Kind::Bytes => format!("'S{}'", self.itemsize),
            Kind::Str if self.itemsize == 0 => format!("'{bo}U'"),
            Kind::Str => format!("'{bo}U{}'", self.itemsize / 4),
            Kind::Void if self.itemsize == 0 => "'V'".into(),
            Kind::Void => format!("'V{}'", self.itemsize),
            Kind::Datetime | Kind::Timedelta => {
                format!("'{bo}{}8{}'", self.kind.char(), self.unit_suffix())
            }
            _ => {
                if short || !self.is_native() {
                    format!("'{bo}{}{}'", self.kind.char(), self.itemsize)
                } else {
                    format!("'{}'", self.name())
                }
            }
        }
    }

    fn is_packed(&self) -> bool {
        let Some(fields) = &self.fields else {
            return true;
        };
        let align = self.aligned_struct;
        let mut max_alignment = 1;
        let mut required = 0usize;
        for f in fields {
            if align {
                let a = f.dtype.alignment.max(1);
                required = required.div_ceil(a) * a;
                max_alignment = max_alignment.max(a);
            }
            if f.offset != required {
                return false;
            }
            required += f.dtype.itemsize;
        }
        if align {
            required = required.div_ceil(max_alignment) * max_alignment;
        }
        required == self.itemsize
    }

    /// numpy's `_construction_repr` (bounded depth; deeper parts print
    /// as `...`).
    fn construction_repr(&self, include_align: bool, short: bool, depth: usize) -> String {
        if depth > MAX_DTYPE_DEPTH {
            return "...".into();
        }
        if let Some(fields) = &self.fields {
            if !(include_align && self.aligned_struct) && self.is_packed() {
                let items: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        let mut item = String::from("(");
                        match &f.title {
                            Some(t) => {
                                let _ = write!(
                                    item,
                                    "({}, {}), ",
                                    py_str_repr(t),
                                    py_str_repr(&f.name)
                                );
                            }
                            None => {
                                let _ = write!(item, "{}, ", py_str_repr(&f.name));
                            }
                        }
                        if let Some(sub) = &f.dtype.subarray {
                            let _ = write!(
                                item,
                                "{}, {}",
                                sub.0.construction_repr(false, true, depth + 1),
                                crate::npy::shape_repr(&sub.1)
                            );
                        } else {
                            item.push_str(&f.dtype.construction_repr(false, true, depth + 1));
                        }
                        item.push(')');
                        item
                    })
                    .collect();
                return format!("[{}]", items.join(", "));
            }
            let names: Vec<String> = fields.iter().map(|f| py_str_repr(&f.name)).collect();
            let formats: Vec<String> = fields
                .iter()
                .map(|f| f.dtype.construction_repr(false, true, depth + 1))
                .collect();
            let offsets: Vec<String> = fields.iter().map(|f| f.offset.to_string()).collect();
            let mut ret = format!(
                "{{'names': [{}], 'formats': [{}], 'offsets': [{}]",
                names.join(", "),
                formats.join(", "),
                offsets.join(", ")
            );
            if fields.iter().any(|f| f.title.is_some()) {
                let titles: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        f.title
                            .as_deref()
                            .map(py_str_repr)
                            .unwrap_or_else(|| "None".into())
                    })
                    .collect();
                let _ = write!(ret, ", 'titles': [{}]", titles.join(", "));
            }
            let _ = write!(ret, ", 'itemsize': {}", self.itemsize);
            if include_align && self.aligned_struct {
                ret.push_str(", 'aligned': True}");
            } else {
                ret.push('}');
            }
            return ret;
        }
        if let Some(sub) = &self.subarray {
            return format!(
                "({}, {})",
                sub.0.construction_repr(false, true, depth + 1),
                crate::npy::shape_repr(&sub.1)
            );
        }
        self.scalar_str(short)
    }

    /// Python's `repr(dtype)`: `dtype('int32')`, `dtype('>f8')`,
    /// `dtype([('a', '<i4'), ('b', '<f8')])`.
    pub fn repr(&self) -> String {
        if self.kind == Kind::VString {
            return self.string_repr();
        }
        let mut s = format!("dtype({}", self.construction_repr(false, false, 0));
        if self.aligned_struct && self.fields.is_some() {
            s.push_str(", align=True");
        }
        s.push(')');
        s
    }

    /// The `dtype=` part numpy's array repr prints (`int32`, `'<U3'`,
    /// `[('a', '<i4')]`): numpy's `dtype_short_repr`.
    pub(crate) fn short_repr(&self) -> String {
        if self.kind == Kind::VString {
            return self.string_repr();
        }
        if self.fields.is_some() {
            return self.construction_repr(true, false, 0);
        }
        if self.subarray.is_some() {
            return self.construction_repr(false, false, 0);
        }
        let typename = self.scalar_str(false);
        // numpy prints the bare name when it is a valid identifier.
        let inner = typename.trim_matches('\'');
        if inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && inner.chars().next().is_some_and(|c| !c.is_ascii_digit())
        {
            inner.to_string()
        } else {
            typename
        }
    }

    /// The Python literal of numpy's `dtype.descr` as `np.save` writes it
    /// in a `.npy` header (`'<f8'` or a list of field tuples).
    pub fn descr_literal(&self) -> String {
        self.descr_lit(0)
    }

    fn descr_lit(&self, depth: usize) -> String {
        if depth > MAX_DTYPE_DEPTH {
            return "...".into();
        }
        let Some(fields) = &self.fields else {
            if self.subarray.is_some() && depth == 0 {
                // numpy's `dtype.descr` of a bare subarray dtype.
                return format!("[('', '|V{}')]", self.itemsize);
            }
            return py_str_repr(&self.str());
        };
        let mut items = Vec::new();
        let mut offset = 0usize;
        for f in fields {
            if f.offset > offset {
                items.push(format!("('', '|V{}')", f.offset - offset));
                offset = f.offset;
            }
            let name = match &f.title {
                Some(t) => format!("({}, {})", py_str_repr(t), py_str_repr(&f.name)),
                None => py_str_repr(&f.name),
            };
            match &f.dtype.subarray {
                Some(sub) => items.push(format!(
                    "({name}, {}, {})",
                    sub.0.descr_lit(depth + 1),
                    crate::npy::shape_repr(&sub.1)
                )),
                None => items.push(format!("({name}, {})", f.dtype.descr_lit(depth + 1))),
            }
            offset = offset.max(f.offset) + f.dtype.itemsize;
        }
        if self.itemsize > offset {
            items.push(format!("('', '|V{}')", self.itemsize - offset));
        }
        format!("[{}]", items.join(", "))
    }

    /// Parse a type string such as `<f8`, `|b1`, `>M8[ns]`, `|S10`, `<U3`,
    /// `|V4`, `|O`, `f4`, `int32`, `bool`.
    pub fn parse(s: &str) -> Result<Dtype> {
        parse_typestr(s).ok_or_else(|| invalid(format!("unsupported dtype string {s:?}")))
    }

    /// The dtype of a `.npy` header's `descr` (a string, or a list of
    /// `(name, descr[, shape])` tuples), as numpy's `descr_to_dtype`.
    pub(crate) fn from_descr(lit: &Lit, depth: usize) -> Result<Dtype> {
        if depth > MAX_DTYPE_DEPTH {
            return Err(invalid("dtype nested too deeply"));
        }
        match lit {
            Lit::Str(s) => Dtype::parse(s),
            Lit::Tuple(t) if t.len() == 2 => {
                let base = Dtype::from_descr(&t[0], depth + 1)?;
                let shape = lit_shape(&t[1])?;
                Dtype::subarray(base, shape)
            }
            Lit::List(items) => {
                let mut fields = Vec::new();
                let mut offset = 0usize;
                for item in items {
                    let Lit::Tuple(t) = item else {
                        return Err(invalid("a structured descr item is not a tuple"));
                    };
                    let (name, dt) = match t.as_slice() {
                        [name, d] => (name, Dtype::from_descr(d, depth + 1)?),
                        [name, d, shape] => {
                            let base = Dtype::from_descr(d, depth + 1)?;
                            (name, Dtype::subarray(base, lit_shape(shape)?)?)
                        }
                        _ => return Err(invalid("a structured descr item has a bad length")),
                    };
                    let size = dt.itemsize;
                    let is_pad = matches!(name, Lit::Str(s) if s.is_empty())
                        && dt.kind == Kind::Void
                        && dt.fields.is_none();
                    if !is_pad {
                        let (title, name) = match name {
                            Lit::Str(s) => (None, s.clone()),
                            Lit::Tuple(tn) if tn.len() == 2 => match (&tn[0], &tn[1]) {
                                (Lit::Str(t), Lit::Str(n)) => (Some(t.clone()), n.clone()),
                                _ => return Err(invalid("bad field title")),
                            },
                            _ => return Err(invalid("bad field name")),
                        };
                        fields.push(Field {
                            name,
                            title,
                            dtype: dt,
                            offset,
                        });
                    }
                    offset = offset
                        .checked_add(size)
                        .ok_or_else(|| invalid("structured dtype too large"))?;
                }
                Ok(Dtype::structured(fields, offset))
            }
            _ => Err(invalid("unsupported descr in .npy header")),
        }
    }

    /// The dtype of a pickled `numpy.dtype` (a REDUCE of `numpy.dtype`
    /// with its BUILD state); `Ok(None)` when the node is not one.
    pub fn from_node(v: NodeRef<'_, '_>) -> Result<Option<Dtype>> {
        from_node(v, 0)
    }
}

fn lit_shape(l: &Lit) -> Result<Vec<usize>> {
    match l {
        Lit::Int(i) => Ok(vec![
            usize::try_from(*i).map_err(|_| invalid("negative dimension"))?
        ]),
        Lit::Tuple(t) | Lit::List(t) => t
            .iter()
            .map(|x| match x {
                Lit::Int(i) => usize::try_from(*i).map_err(|_| invalid("negative dimension")),
                _ => Err(invalid("a dimension is not an int")),
            })
            .collect(),
        _ => Err(invalid("bad shape")),
    }
}

/// (kind, itemsize) for a kind character and a size in the typestr's unit.
fn kind_of(code: char) -> Option<Kind> {
    Some(match code {
        'b' => Kind::Bool,
        'i' => Kind::Int,
        'u' => Kind::UInt,
        'f' => Kind::Float,
        'c' => Kind::Complex,
        'M' => Kind::Datetime,
        'm' => Kind::Timedelta,
        'S' | 'a' => Kind::Bytes,
        'U' => Kind::Str,
        'V' => Kind::Void,
        'O' => Kind::Object,
        _ => return None,
    })
}

fn parse_unit(s: &str) -> Option<(TimeUnit, u32)> {
    if s.is_empty() {
        return Some((TimeUnit::Generic, 1));
    }
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    let digits = inner.chars().take_while(|c| c.is_ascii_digit()).count();
    let (num, code) = inner.split_at(digits);
    let n = if num.is_empty() { 1 } else { num.parse().ok()? };
    Some((TimeUnit::from_code(code)?, n))
}

fn parse_typestr(s: &str) -> Option<Dtype> {
    let (order, rest) = match s.chars().next()? {
        '<' => (ByteOrder::Little, &s[1..]),
        '>' | '!' => (ByteOrder::Big, &s[1..]),
        '=' | '|' => (ByteOrder::native(), &s[1..]),
        _ => (ByteOrder::native(), s),
    };
    // Names numpy accepts, for convenience.
    let named = match rest {
        "bool" | "?" => Some((Kind::Bool, 1)),
        "int8" => Some((Kind::Int, 1)),
        "int16" | "h" => Some((Kind::Int, 2)),
        "int32" | "i" => Some((Kind::Int, 4)),
        "int64" | "l" | "q" => Some((Kind::Int, 8)),
        "uint8" | "B" => Some((Kind::UInt, 1)),
        "uint16" | "H" => Some((Kind::UInt, 2)),
        "uint32" | "I" => Some((Kind::UInt, 4)),
        "uint64" | "L" | "Q" => Some((Kind::UInt, 8)),
        "float16" | "e" => Some((Kind::Float, 2)),
        "float32" | "f" => Some((Kind::Float, 4)),
        "float64" | "d" => Some((Kind::Float, 8)),
        "longdouble" | "float128" | "g" => Some((Kind::Float, 16)),
        "complex64" | "F" => Some((Kind::Complex, 8)),
        "complex128" | "D" => Some((Kind::Complex, 16)),
        "clongdouble" | "complex256" | "G" => Some((Kind::Complex, 32)),
        "object" | "O" => Some((Kind::Object, 8)),
        "b" => Some((Kind::Int, 1)),
        _ => None,
    };
    if let Some((k, n)) = named {
        return Some(Dtype::new(k, n, order));
    }
    let mut chars = rest.chars();
    let code = chars.next()?;
    let kind = kind_of(code)?;
    let after = chars.as_str();
    let digits = after.chars().take_while(|c| c.is_ascii_digit()).count();
    let (num, tail) = after.split_at(digits);
    let size: Option<usize> = if num.is_empty() {
        None
    } else {
        Some(num.parse().ok()?)
    };
    match kind {
        Kind::Datetime | Kind::Timedelta => {
            if size.is_some_and(|n| n != 8) {
                return None;
            }
            let (u, n) = parse_unit(tail)?;
            return Some(Dtype::datetime(kind, u, n, order));
        }
        _ if !tail.is_empty() => return None,
        _ => {}
    }
    let itemsize = match (kind, size) {
        (Kind::Object, _) => 8,
        (Kind::Bool, None | Some(1)) => 1,
        (Kind::Bool, _) => return None,
        (Kind::Str, n) => n.unwrap_or(0).checked_mul(4)?,
        (Kind::Bytes | Kind::Void, n) => n.unwrap_or(0),
        (Kind::Int | Kind::UInt, Some(n @ (1 | 2 | 4 | 8))) => n,
        (Kind::Float, Some(n @ (2 | 4 | 8 | 10 | 12 | 16))) => n,
        (Kind::Complex, Some(n @ (8 | 16 | 20 | 24 | 32))) => n,
        _ => return None,
    };
    Some(Dtype::new(kind, itemsize, order))
}

/// Text of a str node, or of a bytes node read as latin-1 (Python 2
/// pickles loaded with `encoding='bytes'`).
pub(crate) fn node_text(v: NodeRef<'_, '_>) -> Option<String> {
    match v.node()? {
        Node::Str(s) => Some(s.to_string_lossy().into_owned()),
        Node::Bytes(b) => Some(b.iter().map(|&c| c as char).collect()),
        _ => None,
    }
}

pub(crate) fn node_usize(v: NodeRef<'_, '_>) -> Option<usize> {
    usize::try_from(v.as_i64()?).ok()
}

/// A shape: a tuple/list of non-negative ints, or one int.
pub(crate) fn node_shape(v: NodeRef<'_, '_>) -> Result<Vec<usize>> {
    if let Some(n) = v.as_i64() {
        return Ok(vec![
            usize::try_from(n).map_err(|_| invalid("negative dimension"))?
        ]);
    }
    let items = v
        .as_items()
        .ok_or_else(|| invalid("shape is not a tuple"))?;
    items
        .iter()
        .map(|&i| {
            let d = v.graph().view(i);
            match d.as_i64() {
                Some(n) => usize::try_from(n).map_err(|_| invalid("negative dimension in shape")),
                None => Err(invalid("a dimension is not an int")),
            }
        })
        .collect()
}

/// Whether `(module, name)` is numpy's `dtype` class.
/// numpy 2's `StringDType`, pickled as
/// `numpy._core._internal._convert_to_stringdtype_kwargs(coerce[, na_object])`.
fn string_dtype(args: NodeRef<'_, '_>) -> Result<Dtype> {
    let coerce = args
        .get(&0)
        .and_then(|c| c.as_bool().or_else(|| c.as_i64().map(|i| i != 0)))
        .ok_or_else(|| invalid("StringDType coerce flag is not a bool"))?;
    let na_object = match args.get(&1) {
        Some(na) => Some(brinery::repr(
            na.graph(),
            na.id().ok_or_else(|| invalid("StringDType na_object"))?,
            &brinery::ReprOptions::default().max_output(1 << 16),
        )?),
        None => None,
    };
    let mut d = Dtype::new(Kind::VString, 16, ByteOrder::NotApplicable);
    d.string = Some(StringOptions { coerce, na_object });
    Ok(d)
}

fn is_dtype_global(m: &str, n: &str) -> bool {
    n == "dtype" && (m == "numpy" || m.starts_with("numpy."))
}

fn from_node(v: NodeRef<'_, '_>, depth: usize) -> Result<Option<Dtype>> {
    let Some(Node::Object(o)) = v.node() else {
        return Ok(None);
    };
    let g = v.graph();
    let (callable, args) = match &o.construct {
        Construct::Reduce { callable, args } => (*callable, *args),
        _ => return Ok(None),
    };
    let Some((m, n)) = g.view(callable).as_global() else {
        return Ok(None);
    };
    if n == "_convert_to_stringdtype_kwargs" && m.starts_with("numpy") {
        return string_dtype(g.view(args)).map(Some);
    }
    if !is_dtype_global(m, n) {
        return Ok(None);
    }
    if depth > MAX_DTYPE_DEPTH {
        return Err(invalid("dtype nested too deeply"));
    }
    let typestr = g
        .view(args)
        .get(&0)
        .and_then(node_text)
        .ok_or_else(|| invalid("numpy.dtype argument is not a type string"))?;
    let mut dt = parse_pickled_typestr(&typestr)?;
    let Some(state) = o.state() else {
        return Ok(Some(dt));
    };
    let st = State::of(g.view(state))?;
    apply_scalars(&mut dt, &st)?;
    if let Some(sub) = st.subarray.filter(|s| !s.is_none()) {
        dt = subarray_of(&dt, sub, depth)?;
    }
    if let Some(fields) = st.fields.filter(|f| !f.is_none()) {
        dt.fields = Some(fields_of(&dt, fields, st.names, depth)?);
    }
    Ok(Some(dt))
}

/// The slots of a pickled dtype's `__setstate__` tuple,
/// `(version, endian, subarray, names, fields, elsize, alignment, flags[,
/// metadata])`, whichever of its historical lengths it has.
struct State<'g, 'a> {
    version: i64,
    endian: NodeRef<'g, 'a>,
    subarray: Option<NodeRef<'g, 'a>>,
    names: Option<NodeRef<'g, 'a>>,
    fields: Option<NodeRef<'g, 'a>>,
    elsize: NodeRef<'g, 'a>,
    alignment: NodeRef<'g, 'a>,
    flags: Option<NodeRef<'g, 'a>>,
    metadata: Option<NodeRef<'g, 'a>>,
}

/// Per state length: the positions of (subarray, names, fields, flags,
/// metadata) and of endian (elsize and alignment follow fields).
const STATE_LAYOUTS: [(usize, usize, [Option<usize>; 5]); 5] = [
    (9, 1, [Some(2), Some(3), Some(4), Some(7), Some(8)]),
    (8, 1, [Some(2), Some(3), Some(4), Some(7), None]),
    (7, 1, [Some(2), Some(3), Some(4), None, None]),
    (6, 1, [Some(2), None, Some(3), None, None]),
    (5, 0, [Some(1), None, Some(2), None, None]),
];

impl<'g, 'a> State<'g, 'a> {
    fn of(state: NodeRef<'g, 'a>) -> Result<State<'g, 'a>> {
        let g = state.graph();
        let items = state
            .as_items()
            .filter(|_| matches!(state.node(), Some(Node::Tuple(_))))
            .ok_or_else(|| invalid("numpy.dtype state is not a tuple"))?;
        let &(_, endian, [sub, names, fields, flags, meta]) = STATE_LAYOUTS
            .iter()
            .find(|l| l.0 == items.len())
            .ok_or_else(|| invalid(format!("numpy.dtype state has {} items", items.len())))?;
        let at = |i: usize| g.view(items[i]);
        let fields_at = fields.unwrap_or(endian + 1);
        Ok(State {
            version: if items.len() == 5 {
                0
            } else {
                at(0).as_i64().unwrap_or(0)
            },
            endian: at(endian),
            subarray: sub.map(at),
            names: names.map(at),
            fields: fields.map(at),
            elsize: at(fields_at + 1),
            alignment: at(fields_at + 2),
            flags: flags.map(at),
            metadata: meta.map(at),
        })
    }
}

/// Byte order, sizes, flags and datetime unit from the state.
fn apply_scalars(dt: &mut Dtype, st: &State<'_, '_>) -> Result<()> {
    let endian = node_text(st.endian).ok_or_else(|| invalid("dtype byte order is not a str"))?;
    let order = match endian.as_str() {
        "<" => ByteOrder::Little,
        ">" => ByteOrder::Big,
        "|" => ByteOrder::NotApplicable,
        "=" => ByteOrder::native(),
        other => return Err(invalid(format!("bad dtype byte order {other:?}"))),
    };
    if (dt.byteorder != ByteOrder::NotApplicable || matches!(dt.kind, Kind::Str))
        && order != ByteOrder::NotApplicable
    {
        dt.byteorder = order;
    }
    let flexible = matches!(dt.kind, Kind::Bytes | Kind::Str | Kind::Void);
    if let Some(e) = st.elsize.as_i64().filter(|&e| e >= 0 && flexible) {
        dt.itemsize = e as usize;
    }
    if let Some(a) = st.alignment.as_i64().filter(|&a| a > 0 && flexible) {
        dt.alignment = a as usize;
    }
    if let Some(f) = st.flags.and_then(|f| f.as_i64()) {
        dt.aligned_struct = f & 0x80 != 0;
    }
    // datetime metadata: (meta, (unit, num, den, events)) in version 4.
    if matches!(dt.kind, Kind::Datetime | Kind::Timedelta) && st.version >= 4 {
        if let Some(unit) = st.metadata.and_then(|md| md.get(&1)) {
            let code = unit.get(&0).and_then(node_text);
            let num = unit.get(&1).and_then(|n| n.as_i64());
            if let (Some(code), Some(num)) = (code, num) {
                let u = TimeUnit::from_code(&code)
                    .ok_or_else(|| invalid(format!("unknown datetime unit {code:?}")))?;
                let num = u32::try_from(num).map_err(|_| invalid("bad datetime multiplier"))?;
                dt.time_unit = Some((u, num));
            }
        }
    }
    Ok(())
}

/// A subarray dtype `(base, shape)` replacing `dt`, whose size it must keep.
fn subarray_of(dt: &Dtype, sub: NodeRef<'_, '_>, depth: usize) -> Result<Dtype> {
    let base = sub
        .get(&0)
        .ok_or_else(|| invalid("bad subarray in dtype state"))?;
    let base =
        from_node(base, depth + 1)?.ok_or_else(|| invalid("subarray base is not a numpy.dtype"))?;
    let shape = node_shape(sub.get(&1).ok_or_else(|| invalid("bad subarray shape"))?)?;
    let mut out = Dtype::subarray(base, shape)?;
    if dt.itemsize != out.itemsize {
        return Err(invalid("subarray dtype size does not match its shape"));
    }
    out.alignment = dt.alignment.max(1);
    Ok(out)
}

/// The fields of a structured dtype, in `names` order.
fn fields_of(
    dt: &Dtype,
    fields: NodeRef<'_, '_>,
    names: Option<NodeRef<'_, '_>>,
    depth: usize,
) -> Result<Vec<Field>> {
    let g = fields.graph();
    let entries = fields
        .as_entries()
        .ok_or_else(|| invalid("dtype fields is not a dict"))?;
    let name_ids: Vec<NodeRef<'_, '_>> = match names.filter(|n| !n.is_none()) {
        Some(n) => n.iter().collect(),
        // Old states: names under key -1, else every non-title key.
        None => match entries
            .iter()
            .find(|(k, _)| g.view(*k).as_i64() == Some(-1))
        {
            Some((_, v)) => g.view(*v).iter().collect(),
            None => entries.iter().map(|(k, _)| g.view(*k)).collect(),
        },
    };
    let mut out = Vec::with_capacity(name_ids.len().min(entries.len()));
    for nk in name_ids {
        let name = node_text(nk).ok_or_else(|| invalid("a field name is not a str"))?;
        let val = entries
            .iter()
            .find(|(k, _)| node_text(g.view(*k)).as_deref() == Some(name.as_str()))
            .map(|(_, v)| g.view(*v))
            .ok_or_else(|| invalid(format!("field {name:?} missing from dtype fields")))?;
        let fd = val.get(&0).ok_or_else(|| invalid("bad field entry"))?;
        let fd = from_node(fd, depth + 1)?
            .ok_or_else(|| invalid(format!("field {name:?} dtype is not a numpy.dtype")))?;
        let offset = val
            .get(&1)
            .and_then(node_usize)
            .ok_or_else(|| invalid("bad field offset"))?;
        let title = val.get(&2).filter(|t| !t.is_none()).and_then(node_text);
        if offset
            .checked_add(fd.itemsize)
            .map_or(true, |e| e > dt.itemsize)
        {
            return Err(invalid(format!("field {name:?} lies outside its record")));
        }
        out.push(Field {
            name,
            title,
            dtype: fd,
            offset,
        });
    }
    Ok(out)
}

/// The first argument of a pickled `numpy.dtype(...)`: `f8`, `U3` (in
/// chars or, for old pickles, bytes; the state's elsize decides), `V6`,
/// `O8`, `M8`, `b1`.
fn parse_pickled_typestr(s: &str) -> Result<Dtype> {
    let mut chars = s.chars();
    let code = chars
        .next()
        .ok_or_else(|| invalid("empty dtype type string"))?;
    let rest = chars.as_str();
    match code {
        'O' => Ok(Dtype::new(Kind::Object, 8, ByteOrder::NotApplicable)),
        'M' | 'm' => Dtype::parse(&format!("<{}8{}", code, rest.trim_start_matches('8'))),
        'U' => {
            let n: usize = rest.parse().unwrap_or(0);
            let mut d = Dtype::new(Kind::Str, n.saturating_mul(4), ByteOrder::Little);
            d.alignment = 4;
            Ok(d)
        }
        'S' | 'a' | 'V' => {
            let n: usize = rest.parse().unwrap_or(0);
            Ok(Dtype::new(
                kind_of(code).unwrap_or(Kind::Void),
                n,
                ByteOrder::NotApplicable,
            ))
        }
        _ => Dtype::parse(&format!("<{s}")),
    }
}
