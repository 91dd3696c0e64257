//! The typed pandas objects: DataFrame, Series, Index, columns.

use brinery::NodeId;
use brinery_numpy::TimeUnit;

use crate::tz::Tz;

/// A missing-aware scalar: a label, an object-column cell, a category.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// `None`.
    None,
    /// `float('nan')` (pandas' `NaN`).
    NaN,
    /// `pd.NA`.
    NA,
    /// `pd.NaT`.
    NaT,
    /// `True`/`False`.
    Bool(bool),
    /// An int.
    Int(i64),
    /// An unsigned int beyond `i64`.
    UInt(u64),
    /// A float (not NaN).
    Float(f64),
    /// A str.
    Str(String),
    /// A tuple (MultiIndex labels).
    Tuple(Vec<Cell>),
    /// A datetime: ticks since the epoch in `unit`, UTC when `tz` is set.
    Datetime(i64, TimeUnit, Option<Tz>),
    /// A timedelta: ticks in `unit`.
    Timedelta(i64, TimeUnit),
    /// A period: its ordinal in `freq` (`'D'`, `'M'`, `'Q-DEC'`...).
    Period(i64, String),
    /// A bytes value and its repr (`b'ab'`, what pandas prints).
    Bytes(Vec<u8>, String),
    /// Any other Python object: the node and its `str()` as pandas would
    /// print it (brinery's `repr` for objects without a known `str`).
    Object(NodeId, String),
    /// A complex number (real, imaginary).
    Complex(f64, f64),
    /// A value of a nested ArrowDtype column (list, struct, dictionary) as
    /// its `str()` in pandas (`[1 2]`, `{'a': 1, 'b': 'x'}`).
    Nested(String),
}

impl Cell {
    /// True for the missing markers (None, NaN, NA, NaT).
    pub fn is_missing(&self) -> bool {
        matches!(self, Cell::None | Cell::NaN | Cell::NA | Cell::NaT)
    }
}

/// Strings in Arrow's `large_string` layout: one buffer, `len + 1`
/// offsets, an optional validity vector (`false` = missing).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Strings {
    /// UTF-8 bytes of all values.
    pub data: String,
    /// Start offsets (`len + 1` of them).
    pub offsets: Vec<usize>,
    /// `Some` when any value is missing.
    pub valid: Option<Vec<bool>>,
}

impl Strings {
    /// An empty column.
    pub fn new() -> Strings {
        Strings {
            data: String::new(),
            offsets: vec![0],
            valid: None,
        }
    }
    /// Number of values.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
    /// True when there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Value `i` (`None` when missing).
    pub fn get(&self, i: usize) -> Option<&str> {
        if let Some(v) = &self.valid {
            if !v[i] {
                return None;
            }
        }
        self.data.get(self.offsets[i]..self.offsets[i + 1])
    }
    /// Append a value.
    pub fn push(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.data.push_str(s);
                if let Some(v) = &mut self.valid {
                    v.push(true);
                }
            }
            None => {
                let n = self.len();
                self.valid.get_or_insert_with(|| vec![true; n]).push(false);
            }
        }
        self.offsets.push(self.data.len());
    }
    /// Iterate over the values.
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// The storage of a column.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// Booleans.
    Bool(Vec<bool>),
    /// Signed integers, stored at their own width.
    Int(Ints),
    /// Unsigned integers, stored at their own width.
    UInt(UInts),
    /// Floats, stored at their own width.
    Float(Floats),
    /// Ticks of datetimes, timedeltas or period ordinals; `i64::MIN` is
    /// `NaT`.
    Ticks(Vec<i64>),
    /// Text.
    Str(Strings),
    /// Python objects of an `object` column.
    Object(Vec<Cell>),
    /// Categorical codes (-1 = missing) into `categories`.
    Categorical {
        /// Codes, -1 for missing (int8 to int64 as pandas stores them).
        codes: Ints,
        /// The categories.
        categories: Box<Array>,
    },
    /// Intervals from `left[i]` to `right[i]`.
    Interval {
        /// Left ends.
        left: Box<Array>,
        /// Right ends.
        right: Box<Array>,
    },
    /// Complex numbers as (real, imaginary); complex64 values are exact
    /// in f64.
    Complex(Vec<(f64, f64)>),
    /// A nested Arrow array (ArrowDtype list, struct, dictionary).
    Arrow(Box<ArrowNested>),
}

impl Values {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::Bool(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::Ticks(v) => v.len(),
            Values::UInt(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Str(s) => s.len(),
            Values::Object(v) => v.len(),
            Values::Categorical { codes, .. } => codes.len(),
            Values::Interval { left, .. } => left.len(),
            Values::Complex(v) => v.len(),
            Values::Arrow(a) => a.len(),
        }
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Typed vectors of one element kind at any of its widths, read as the
/// widest (`get`, `iter`), so an `int8` column takes one byte a value.
macro_rules! widths {
    ($(#[$doc:meta])* $name:ident => $wide:ident / $widest:ident {
        $($var:ident($t:ty) = $bits:literal),+ $(,)?
    }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub enum $name {
            $(
                #[doc = concat!("`", stringify!($t), "` values.")]
                $var(Vec<$t>),
            )+
        }

        impl $name {
            /// Number of values.
            pub fn len(&self) -> usize {
                match self {
                    $($name::$var(v) => v.len(),)+
                }
            }
            /// True when empty.
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
            /// The width in bits.
            pub fn bits(&self) -> u8 {
                match self {
                    $($name::$var(_) => $bits,)+
                }
            }
            /// Value `i`, widened (panics when out of range, as indexing
            /// does).
            #[inline]
            pub fn get(&self, i: usize) -> $wide {
                match self {
                    $($name::$var(v) => v[i] as $wide,)+
                }
            }
            /// The values, widened.
            pub fn iter(&self) -> impl ExactSizeIterator<Item = $wide> + '_ {
                (0..self.len()).map(move |i| self.get(i))
            }
            /// The values widened into a new vector.
            pub fn to_wide(&self) -> Vec<$wide> {
                match self {
                    $($name::$var(v) => v.iter().map(|&x| x as $wide).collect(),)+
                }
            }
            /// The values widened (no copy when already widest).
            pub fn into_wide(self) -> Vec<$wide> {
                match self {
                    $name::$widest(v) => v,
                    other => other.to_wide(),
                }
            }
            /// An empty vector of the same width.
            pub(crate) fn empty_like(&self) -> $name {
                match self {
                    $($name::$var(_) => $name::$var(Vec::new()),)+
                }
            }
            /// Values `off..off + len` at the same width.
            pub(crate) fn slice(&self, off: usize, len: usize) -> $name {
                match self {
                    $($name::$var(v) => $name::$var(v[off..off + len].to_vec()),)+
                }
            }
            /// The values at `idx` (`None` gives `fill`), at the same width.
            pub(crate) fn take<I: Iterator<Item = Option<usize>>>(&self, idx: I, fill: $wide) -> $name {
                match self {
                    $($name::$var(v) => $name::$var(
                        idx.map(|i| i.map_or(fill as $t, |i| v[i])).collect(),
                    ),)+
                }
            }
            /// Split into `k` runs of `n` values (a 2-D block's rows).
            pub(crate) fn split(self, n: usize, k: usize) -> Vec<$name> {
                match self {
                    $($name::$var(v) => chunks(v, n, k)
                        .into_iter()
                        .map($name::$var)
                        .collect(),)+
                }
            }
            /// Append `other`, widening both when the widths differ.
            pub(crate) fn extend(&mut self, other: $name) {
                match (&mut *self, other) {
                    $(($name::$var(a), $name::$var(b)) => a.extend(b),)+
                    (_, b) => {
                        let mut a = std::mem::replace(self, $name::$widest(Vec::new())).into_wide();
                        a.extend(b.iter());
                        *self = $name::$widest(a);
                    }
                }
            }
        }

        impl From<Vec<$wide>> for $name {
            fn from(v: Vec<$wide>) -> $name {
                $name::$widest(v)
            }
        }
    };
}

widths! {
    /// Signed integers (`int8`..`int64`), read as `i64`.
    Ints => i64 / I64 { I8(i8) = 8, I16(i16) = 16, I32(i32) = 32, I64(i64) = 64 }
}
widths! {
    /// Unsigned integers (`uint8`..`uint64`), read as `u64`.
    UInts => u64 / U64 { U8(u8) = 8, U16(u16) = 16, U32(u32) = 32, U64(u64) = 64 }
}
widths! {
    /// Floats (`float32`, `float64`), read as `f64` (float32 values are
    /// exact in f64).
    Floats => f64 / F64 { F32(f32) = 32, F64(f64) = 64 }
}

/// `v` cut into runs of `n` values (the `k` rows of a 2-D block), cut
/// from the end so that the block's memory is given back as it goes.
pub(crate) fn chunks<T>(mut v: Vec<T>, n: usize, k: usize) -> Vec<Vec<T>> {
    if n == 0 {
        return (0..k).map(|_| Vec::new()).collect();
    }
    let mut parts = v.len().div_ceil(n);
    let mut out = Vec::with_capacity(parts);
    while parts > 1 {
        parts -= 1;
        out.push(v.split_off(parts * n));
        v.shrink_to_fit();
    }
    out.push(v);
    out.reverse();
    out
}

/// How a `string`/`str` column stores its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringStorage {
    /// Python objects (`StringArray`).
    Python,
    /// Arrow (`ArrowStringArray`).
    PyArrow,
}

/// Which side(s) of an interval are closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    /// `(a, b]`
    Right,
    /// `[a, b)`
    Left,
    /// `[a, b]`
    Both,
    /// `(a, b)`
    Neither,
}

impl Closed {
    /// pandas' name.
    pub fn name(self) -> &'static str {
        match self {
            Closed::Right => "right",
            Closed::Left => "left",
            Closed::Both => "both",
            Closed::Neither => "neither",
        }
    }
    pub(crate) fn parse(s: &str) -> Option<Closed> {
        Some(match s {
            "right" => Closed::Right,
            "left" => Closed::Left,
            "both" => Closed::Both,
            "neither" => Closed::Neither,
            _ => return None,
        })
    }
}

/// A pandas dtype.
#[derive(Clone, Debug, PartialEq)]
pub enum Dtype {
    /// numpy `bool`.
    Bool,
    /// numpy `int8`..`int64` (bits).
    Int(u8),
    /// numpy `uint8`..`uint64` (bits).
    UInt(u8),
    /// numpy `float32`/`float64` (bits).
    Float(u8),
    /// numpy `complex64`/`complex128` (bits).
    Complex(u8),
    /// `object`.
    Object,
    /// `datetime64[unit]` or `datetime64[unit, tz]`.
    Datetime(TimeUnit, Option<Tz>),
    /// `timedelta64[unit]`.
    Timedelta(TimeUnit),
    /// `period[freq]`: ordinals since the epoch in `freq`.
    Period(String),
    /// `category`.
    Category {
        /// Whether the categories are ordered.
        ordered: bool,
    },
    /// Nullable `Int64`, `UInt8`, ... (bits).
    MaskedInt(u8),
    /// Nullable `UInt8`..`UInt64` (bits).
    MaskedUInt(u8),
    /// Nullable `Float32`/`Float64` (bits).
    MaskedFloat(u8),
    /// Nullable `boolean`.
    Boolean,
    /// `string` (missing is `<NA>`) or, with `nan_missing`, pandas 3's
    /// `str` (missing is `NaN`).
    String {
        /// Where the values live.
        storage: StringStorage,
        /// pandas 3's `str`: missing values are NaN.
        nan_missing: bool,
    },
    /// `interval[subtype, closed]`.
    Interval(Box<Dtype>, Closed),
    /// `ArrowDtype`: e.g. `int64[pyarrow]`.
    Arrow(String),
    /// `Sparse[subtype, fill]`: the values are kept dense (densified from
    /// the sparse values and index), `fill` is the fill value's repr.
    Sparse(Box<Dtype>, String),
}

fn unit_code(u: TimeUnit) -> &'static str {
    u.code()
}

impl Dtype {
    /// What pandas prints as the dtype (`int64`, `datetime64[ns, UTC]`,
    /// `category`, `Int64`, `str`, ...).
    pub fn name(&self) -> String {
        match self {
            Dtype::Bool => "bool".into(),
            Dtype::Int(b) => format!("int{b}"),
            Dtype::UInt(b) => format!("uint{b}"),
            Dtype::Float(b) => format!("float{b}"),
            Dtype::Complex(b) => format!("complex{b}"),
            Dtype::Object => "object".into(),
            Dtype::Datetime(u, None) => format!("datetime64[{}]", unit_code(*u)),
            Dtype::Datetime(u, Some(tz)) => format!("datetime64[{}, {}]", unit_code(*u), tz.name()),
            Dtype::Timedelta(u) => format!("timedelta64[{}]", unit_code(*u)),
            Dtype::Period(f) => format!("period[{f}]"),
            Dtype::Category { .. } => "category".into(),
            Dtype::MaskedInt(b) => format!("Int{b}"),
            Dtype::MaskedUInt(b) => format!("UInt{b}"),
            Dtype::MaskedFloat(b) => format!("Float{b}"),
            Dtype::Boolean => "boolean".into(),
            Dtype::String {
                nan_missing: true, ..
            } => "str".into(),
            Dtype::String { .. } => "string".into(),
            Dtype::Interval(sub, c) => format!("interval[{}, {}]", sub.name(), c.name()),
            Dtype::Arrow(n) => format!("{n}[pyarrow]"),
            Dtype::Sparse(sub, fill) => format!("Sparse[{}, {fill}]", sub.name()),
        }
    }

    /// The dtype the values are stored as (the subtype of a Sparse dtype).
    pub fn dense(&self) -> &Dtype {
        match self {
            Dtype::Sparse(sub, _) => sub,
            d => d,
        }
    }

    /// True for the nullable (masked) dtypes whose missing value is `<NA>`.
    pub fn is_masked(&self) -> bool {
        matches!(
            self,
            Dtype::MaskedInt(_) | Dtype::MaskedUInt(_) | Dtype::MaskedFloat(_) | Dtype::Boolean
        ) || matches!(
            self,
            Dtype::String {
                nan_missing: false,
                ..
            } | Dtype::Arrow(_)
        )
    }
}

/// One typed column (pandas' array): a dtype, the values and, for the
/// nullable dtypes, a mask (`true` = missing).
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// The pandas dtype.
    pub dtype: Dtype,
    /// The values.
    pub values: Values,
    /// `true` where a nullable value is missing.
    pub mask: Option<Vec<bool>>,
}

impl Array {
    /// An array without a mask.
    pub fn new(dtype: Dtype, values: Values) -> Array {
        Array {
            dtype,
            values,
            mask: None,
        }
    }
    /// Number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// True when value `i` is missing.
    pub fn is_missing(&self, i: usize) -> bool {
        if let Some(m) = &self.mask {
            if m[i] {
                return true;
            }
        }
        match &self.values {
            Values::Float(v) => v.get(i).is_nan(),
            Values::Ticks(v) => v[i] == i64::MIN,
            Values::Str(s) => s.get(i).is_none(),
            Values::Object(v) => v[i].is_missing(),
            Values::Categorical { codes, .. } => codes.get(i) < 0,
            Values::Interval { left, .. } => left.is_missing(i),
            Values::Complex(v) => v[i].0.is_nan() || v[i].1.is_nan(),
            Values::Arrow(a) => !a.is_valid(i),
            _ => false,
        }
    }

    /// Value `i` as a [`Cell`] (categories resolved, missing values as
    /// pandas' marker for the dtype).
    pub fn cell(&self, i: usize) -> Cell {
        let na = || match self.dtype.dense() {
            d if d.is_masked() => Cell::NA,
            Dtype::Datetime(..) | Dtype::Timedelta(_) | Dtype::Period(_) => Cell::NaT,
            _ => Cell::NaN,
        };
        if self.mask.as_ref().is_some_and(|m| m[i]) {
            return na();
        }
        match &self.values {
            Values::Bool(v) => Cell::Bool(v[i]),
            Values::Int(v) => Cell::Int(v.get(i)),
            Values::UInt(v) => match i64::try_from(v.get(i)) {
                Ok(x) => Cell::Int(x),
                Err(_) => Cell::UInt(v.get(i)),
            },
            Values::Float(v) if v.get(i).is_nan() => na(),
            Values::Float(v) => Cell::Float(v.get(i)),
            Values::Ticks(v) if v[i] == i64::MIN => Cell::NaT,
            Values::Ticks(v) => match self.dtype.dense() {
                Dtype::Datetime(u, tz) => Cell::Datetime(v[i], *u, tz.clone()),
                Dtype::Timedelta(u) => Cell::Timedelta(v[i], *u),
                Dtype::Period(f) => Cell::Period(v[i], f.clone()),
                _ => Cell::Int(v[i]),
            },
            Values::Str(s) => match s.get(i) {
                Some(x) => Cell::Str(x.to_string()),
                None => na(),
            },
            Values::Object(v) => v[i].clone(),
            Values::Categorical { codes, categories } => {
                let c = codes.get(i);
                if c < 0 {
                    Cell::NaN
                } else {
                    categories.cell(c as usize)
                }
            }
            Values::Interval { left, right } => {
                if left.is_missing(i) {
                    Cell::NaN
                } else {
                    Cell::Tuple(vec![left.cell(i), right.cell(i)])
                }
            }
            Values::Complex(v) => {
                let (re, im) = v[i];
                if re.is_nan() || im.is_nan() {
                    Cell::NaN
                } else {
                    Cell::Complex(re, im)
                }
            }
            Values::Arrow(a) => match crate::nested::texts(a, &[i]).pop().flatten() {
                Some(t) => Cell::Nested(t),
                None => Cell::NA,
            },
        }
    }
}

/// A row or column axis.
#[derive(Clone, Debug, PartialEq)]
pub enum Index {
    /// `RangeIndex(start, stop, step)`.
    Range {
        /// First value.
        start: i64,
        /// End (exclusive).
        stop: i64,
        /// Step (not 0).
        step: i64,
        /// The name.
        name: Option<Cell>,
    },
    /// An index over an array (`Index`, `DatetimeIndex`,
    /// `CategoricalIndex`, `PeriodIndex`, `IntervalIndex`, 1.x's
    /// `Int64Index`...; the kind follows from the dtype).
    Array {
        /// The labels.
        values: Array,
        /// The name.
        name: Option<Cell>,
        /// A `DatetimeIndex`/`PeriodIndex` frequency (`'D'`, `'h'`...).
        freq: Option<String>,
    },
    /// `MultiIndex`.
    Multi {
        /// One index per level.
        levels: Vec<Array>,
        /// Codes per level (-1 = missing).
        codes: Vec<Vec<i64>>,
        /// Names per level.
        names: Vec<Option<Cell>>,
    },
}

impl Index {
    /// Number of labels.
    pub fn len(&self) -> usize {
        match self {
            Index::Range {
                start, stop, step, ..
            } => range_len(*start, *stop, *step),
            Index::Array { values, .. } => values.len(),
            Index::Multi { codes, .. } => codes.first().map_or(0, |c| c.len()),
        }
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Number of levels (1 except for a MultiIndex).
    pub fn nlevels(&self) -> usize {
        match self {
            Index::Multi { levels, .. } => levels.len(),
            _ => 1,
        }
    }
    /// The names (one per level).
    pub fn names(&self) -> Vec<Option<Cell>> {
        match self {
            Index::Range { name, .. } | Index::Array { name, .. } => vec![name.clone()],
            Index::Multi { names, .. } => names.clone(),
        }
    }
    /// Label `i` of level `level`.
    pub fn label(&self, level: usize, i: usize) -> Cell {
        match self {
            Index::Range { start, step, .. } => Cell::Int(start + step * i as i64),
            Index::Array { values, .. } => values.cell(i),
            Index::Multi { levels, codes, .. } => {
                let c = codes[level][i];
                if c < 0 {
                    Cell::NaN
                } else {
                    levels[level].cell(c as usize)
                }
            }
        }
    }
    /// Label `i` (a tuple for a MultiIndex).
    pub fn key(&self, i: usize) -> Cell {
        match self {
            Index::Multi { levels, .. } => {
                Cell::Tuple((0..levels.len()).map(|l| self.label(l, i)).collect())
            }
            _ => self.label(0, i),
        }
    }
    /// The dtype of level `level` (`int64` for a RangeIndex).
    pub fn dtype(&self, level: usize) -> Dtype {
        match self {
            Index::Range { .. } => Dtype::Int(64),
            Index::Array { values, .. } => values.dtype.clone(),
            Index::Multi { levels, .. } => levels[level].dtype.clone(),
        }
    }
    /// The labels of level `level` as an array (materialized for a
    /// RangeIndex and MultiIndex levels).
    pub fn level_array(&self, level: usize) -> Array {
        match self {
            Index::Range { start, step, .. } => Array::new(
                Dtype::Int(64),
                Values::Int(Ints::I64(
                    (0..self.len() as i64).map(|i| start + step * i).collect(),
                )),
            ),
            Index::Array { values, .. } => values.clone(),
            Index::Multi { levels, codes, .. } => {
                let lv = &levels[level];
                Array {
                    dtype: Dtype::Category { ordered: false },
                    values: Values::Categorical {
                        codes: Ints::I64(codes[level].clone()),
                        categories: Box::new(lv.clone()),
                    },
                    mask: None,
                }
            }
        }
    }
}

pub(crate) fn range_len(start: i64, stop: i64, step: i64) -> usize {
    if step > 0 && stop > start {
        ((stop as i128 - start as i128 + step as i128 - 1) / step as i128) as usize
    } else if step < 0 && stop < start {
        ((start as i128 - stop as i128 - step as i128 - 1) / (-(step as i128))) as usize
    } else {
        0
    }
}

/// A `pandas.DataFrame`.
#[derive(Clone, Debug, PartialEq)]
pub struct DataFrame {
    /// Column labels.
    pub columns: Index,
    /// Row labels.
    pub index: Index,
    /// The columns, in column order.
    pub data: Vec<Array>,
    /// `df.attrs` (a dict node), if not empty.
    pub attrs: Option<NodeId>,
    /// `df.attrs` as JSON text (what `json.dumps(df.attrs)` gives, for
    /// Arrow/Parquet metadata); `None` when empty or when a value has no
    /// JSON form (then `attrs` is `Some`).
    pub attrs_json: Option<String>,
}

impl DataFrame {
    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.index.len()
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.data.len()
    }
    /// The column at position `i`.
    pub fn column(&self, i: usize) -> Option<&Array> {
        self.data.get(i)
    }
}

/// A `pandas.Series`.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The name.
    pub name: Option<Cell>,
    /// Row labels.
    pub index: Index,
    /// The values.
    pub values: Array,
    /// `s.attrs` (a dict node), if not empty.
    pub attrs: Option<NodeId>,
    /// pandas 3 cannot name the dtype: an ArrowDtype pickled by pandas
    /// 2.x keeps `storage` where pandas 3 reads `_storage`, so pandas 3's
    /// repr has no `dtype:` footer (brinery's repr follows it).
    pub dtype_unnamed: bool,
}

/// What a pickle's object is.
#[derive(Clone, Debug, PartialEq)]
pub enum Pandas {
    /// A DataFrame.
    DataFrame(DataFrame),
    /// A Series.
    Series(Series),
    /// An Index on its own.
    Index(Index),
}

/// A pyarrow `DataType` of a nested ArrowDtype column or of its children.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrowType {
    /// `bool`.
    Bool,
    /// `int8`..`int64` (bits).
    Int(u8),
    /// `uint8`..`uint64` (bits).
    UInt(u8),
    /// `float` (32) / `double` (64).
    Float(u8),
    /// `string` (32-bit offsets).
    Utf8,
    /// `large_string` (64-bit offsets).
    LargeUtf8,
    /// `list<item: T>`.
    List(Box<ArrowField>),
    /// `large_list<item: T>`.
    LargeList(Box<ArrowField>),
    /// `struct<a: T, ...>`.
    Struct(Vec<ArrowField>),
    /// `dictionary<values=T, indices=I, ordered=0>`.
    Dictionary {
        /// The index type (`Int`/`UInt`).
        index: Box<ArrowType>,
        /// The value type.
        value: Box<ArrowType>,
        /// Whether the dictionary is ordered.
        ordered: bool,
    },
}

impl ArrowType {
    /// What pyarrow prints as the type (`list<item: int64>`,
    /// `struct<a: int64, b: string>`, `dictionary<values=string,
    /// indices=int32, ordered=0>`).
    pub fn name(&self) -> String {
        match self {
            ArrowType::Bool => "bool".into(),
            ArrowType::Int(b) => format!("int{b}"),
            ArrowType::UInt(b) => format!("uint{b}"),
            ArrowType::Float(32) => "float".into(),
            ArrowType::Float(_) => "double".into(),
            ArrowType::Utf8 => "string".into(),
            ArrowType::LargeUtf8 => "large_string".into(),
            ArrowType::List(f) => format!("list<{}>", f.text()),
            ArrowType::LargeList(f) => format!("large_list<{}>", f.text()),
            ArrowType::Struct(fs) => format!(
                "struct<{}>",
                fs.iter().map(|f| f.text()).collect::<Vec<_>>().join(", ")
            ),
            ArrowType::Dictionary {
                index,
                value,
                ordered,
            } => format!(
                "dictionary<values={}, indices={}, ordered={}>",
                value.name(),
                index.name(),
                u8::from(*ordered)
            ),
        }
    }
}

/// A named child type (pyarrow's `Field`).
#[derive(Clone, Debug, PartialEq)]
pub struct ArrowField {
    /// The field name (`item` for lists).
    pub name: String,
    /// Its type.
    pub ty: ArrowType,
    /// Whether it may hold nulls.
    pub nullable: bool,
}

impl ArrowField {
    fn text(&self) -> String {
        let nn = if self.nullable { "" } else { " not null" };
        format!("{}: {}{nn}", self.name, self.ty.name())
    }
}

/// The data of a nested Arrow array: a type, a validity (`false` =
/// null) and the values; offset 0 (slices are applied when read).
#[derive(Clone, Debug, PartialEq)]
pub struct ArrowNested {
    /// The type.
    pub ty: ArrowType,
    /// `Some` when any value is null.
    pub valid: Option<Vec<bool>>,
    /// The values.
    pub data: ArrowData,
}

/// The values of an [`ArrowNested`].
#[derive(Clone, Debug, PartialEq)]
pub enum ArrowData {
    /// Bools, ints, floats or strings (`Values::Bool/Int/UInt/Float/Str`;
    /// nulls are in the validity).
    Flat(Values),
    /// List `i` is `child[offsets[i]..offsets[i + 1]]` (`len + 1`
    /// non-decreasing offsets within the child).
    List {
        /// Offsets into the child.
        offsets: Vec<usize>,
        /// The child values.
        child: Box<ArrowNested>,
    },
    /// One child per field, each as long as the struct.
    Struct {
        /// Number of values.
        len: usize,
        /// The fields' values.
        children: Vec<ArrowNested>,
    },
    /// Value `i` is `values[keys[i]]` (keys of null slots are 0).
    Dictionary {
        /// Keys into the dictionary.
        keys: Vec<i64>,
        /// The dictionary.
        values: Box<ArrowNested>,
    },
}

impl ArrowNested {
    /// Number of values.
    pub fn len(&self) -> usize {
        match &self.data {
            ArrowData::Flat(v) => v.len(),
            ArrowData::List { offsets, .. } => offsets.len().saturating_sub(1),
            ArrowData::Struct { len, .. } => *len,
            ArrowData::Dictionary { keys, .. } => keys.len(),
        }
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// An empty array of a nested type (a chunked array without chunks).
    pub fn empty(ty: &ArrowType) -> ArrowNested {
        let data = match ty {
            ArrowType::Bool => ArrowData::Flat(Values::Bool(Vec::new())),
            ArrowType::Int(_) => ArrowData::Flat(Values::Int(Ints::I64(Vec::new()))),
            ArrowType::UInt(_) => ArrowData::Flat(Values::UInt(UInts::U64(Vec::new()))),
            ArrowType::Float(_) => ArrowData::Flat(Values::Float(Floats::F64(Vec::new()))),
            ArrowType::Utf8 | ArrowType::LargeUtf8 => ArrowData::Flat(Values::Str(Strings::new())),
            ArrowType::List(f) | ArrowType::LargeList(f) => ArrowData::List {
                offsets: vec![0],
                child: Box::new(ArrowNested::empty(&f.ty)),
            },
            ArrowType::Struct(fs) => ArrowData::Struct {
                len: 0,
                children: fs.iter().map(|f| ArrowNested::empty(&f.ty)).collect(),
            },
            ArrowType::Dictionary { value, .. } => ArrowData::Dictionary {
                keys: Vec::new(),
                values: Box::new(ArrowNested::empty(value)),
            },
        };
        ArrowNested {
            ty: ty.clone(),
            valid: None,
            data,
        }
    }
    /// True unless value `i` is null.
    pub fn is_valid(&self, i: usize) -> bool {
        self.valid.as_ref().is_none_or(|v| v[i])
    }
    /// Value `i` as the Python object pyarrow's `to_pylist()` gives for it:
    /// a list, a dict of the struct's fields, a dictionary's value, a
    /// scalar, or None (for a null, and for `i` out of range). Its depth
    /// is bounded by the decoder's limit on nested types.
    pub fn to_py(&self, i: usize) -> brinery::Value {
        use brinery::Value as V;
        if i >= self.len() || !self.is_valid(i) {
            return V::None;
        }
        match &self.data {
            ArrowData::Flat(v) => match v {
                Values::Bool(b) => V::Bool(b[i]),
                Values::Int(x) => x.get(i).into(),
                Values::UInt(x) => x.get(i).into(),
                Values::Float(x) => V::Float(x.get(i)),
                Values::Str(s) => s.get(i).map_or(V::None, V::from),
                _ => V::None,
            },
            ArrowData::List { offsets, child } => match (offsets.get(i), offsets.get(i + 1)) {
                (Some(&s), Some(&e)) => V::List((s..e).map(|j| child.to_py(j)).collect()),
                _ => V::None,
            },
            ArrowData::Struct { children, .. } => {
                let fields: &[ArrowField] = match &self.ty {
                    ArrowType::Struct(f) => f,
                    _ => &[],
                };
                V::Dict(
                    children
                        .iter()
                        .enumerate()
                        .map(|(k, c)| {
                            let name = fields
                                .get(k)
                                .map_or_else(|| k.to_string(), |f| f.name.clone());
                            (V::from(name), c.to_py(i))
                        })
                        .collect(),
                )
            }
            ArrowData::Dictionary { keys, values } => match usize::try_from(keys[i]) {
                Ok(k) => values.to_py(k),
                Err(_) => V::None,
            },
        }
    }
}
