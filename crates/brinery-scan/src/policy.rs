//! What a global name is: safe, an instantiable class of a trusted
//! library, dangerous (and why), or unknown. Built-in tables plus a user's
//! allow/deny lists.

use std::fmt;
use std::path::Path;

/// How a global (`module.qualname`) is judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rating {
    /// A constructor or reconstruction function that only builds data: it
    /// may be imported and called.
    Safe,
    /// A class of a trusted library (scikit-learn estimators, PyTorch
    /// modules): it may be imported, referenced and instantiated without
    /// arguments (NEWOBJ, `copyreg._reconstructor`, `copyreg.__newobj__`,
    /// argument-less INST/OBJ) and have its state set by BUILD, but a
    /// REDUCE/INST/OBJ call with arguments is a finding.
    Class,
    /// Known to do something a load must never do; the text says why.
    Dangerous(String),
    /// Not on any list: a finding unless a policy file allows it.
    Unknown,
}

/// The allow/deny rules: the built-in tables plus patterns from a user's
/// policy file.
///
/// Patterns are dotted paths (`module.qualname`); `*` matches any run of
/// characters other than `.`, and a pattern ending in `.*` matches
/// everything below that prefix (`sklearn.*` matches
/// `sklearn.linear_model._base.LinearRegression`). A deny pattern also
/// matches everything below it (`deny = ["mylib.io"]` denies
/// `mylib.io.read`).
///
/// Order of judgement: the user's deny list; the built-in exact allow-list;
/// attribute chains through dunders or dangerous modules; the built-in
/// deny-list (every prefix of the path is checked, so `os.path.join` is
/// judged by `os`); numpy scalar types and torch storage classes (exact
/// names); the built-in trusted class
/// families; the user's allow list; otherwise unknown. A user's allow list
/// therefore never overrides a built-in deny rule.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    allow: Vec<String>,
    deny: Vec<String>,
}

/// A policy file that could not be read or parsed.
#[derive(Debug)]
pub struct PolicyError(String);

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyError {}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
}

impl Policy {
    /// The built-in rules only.
    pub fn new() -> Self {
        Policy::default()
    }

    /// Also allow `pattern` (see the type's docs for the syntax).
    pub fn allow(mut self, pattern: impl Into<String>) -> Self {
        self.allow.push(pattern.into());
        self
    }

    /// Also deny `pattern`.
    pub fn deny(mut self, pattern: impl Into<String>) -> Self {
        self.deny.push(pattern.into());
        self
    }

    /// Parse a TOML policy: `allow = ["mymod.*"]`, `deny = ["mymod.io"]`.
    pub fn from_toml(text: &str) -> Result<Self, PolicyError> {
        let f: PolicyFile =
            toml::from_str(text).map_err(|e| PolicyError(format!("invalid TOML policy: {e}")))?;
        Policy::from_file_struct(f)
    }

    /// Parse a JSON policy: `{"allow": ["mymod.*"], "deny": []}`.
    pub fn from_json(text: &str) -> Result<Self, PolicyError> {
        let f: PolicyFile = serde_json::from_str(text)
            .map_err(|e| PolicyError(format!("invalid JSON policy: {e}")))?;
        Policy::from_file_struct(f)
    }

    /// Read a policy file: JSON if it starts with `{`, TOML otherwise.
    pub fn from_path(path: &Path) -> Result<Self, PolicyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| PolicyError(format!("{}: {e}", path.display())))?;
        let r = if text.trim_start().starts_with('{') {
            Policy::from_json(&text)
        } else {
            Policy::from_toml(&text)
        };
        r.map_err(|e| PolicyError(format!("{}: {e}", path.display())))
    }

    fn from_file_struct(f: PolicyFile) -> Result<Self, PolicyError> {
        for p in f.allow.iter().chain(&f.deny) {
            if p.is_empty() || p.split('.').any(|c| c.is_empty()) {
                return Err(PolicyError(format!(
                    "bad pattern {p:?}: empty path component"
                )));
            }
        }
        Ok(Policy {
            allow: f.allow,
            deny: f.deny,
        })
    }

    /// The user's allow entries that can never take effect, each with the
    /// reason: the name (or, for a pattern, its literal part before the
    /// first `*`) is on the built-in deny-list or reaches a dunder or a
    /// dangerous module through an attribute chain, and a built-in deny
    /// rule always wins. `brine scan` prints these as warnings.
    ///
    /// ```
    /// let p = brinery_scan::Policy::from_toml("allow = [\"os.system\", \"mylib.*\"]").unwrap();
    /// let ignored = p.ignored_allows();
    /// assert_eq!(ignored.len(), 1);
    /// assert!(ignored[0].starts_with("allow entry \"os.system\""));
    /// ```
    pub fn ignored_allows(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.allow {
            let literal: Vec<&str> = p.split('.').take_while(|c| !c.contains('*')).collect();
            if literal.is_empty() {
                continue;
            }
            let lit = literal.join(".");
            if SAFE_EXACT.contains(&lit.as_str()) || allow_reason(&lit).is_some() {
                continue;
            }
            let why = if literal.len() > 1 {
                chain_danger(literal[0], &literal[1..].join("."))
            } else {
                None
            }
            .or_else(|| {
                DANGER
                    .iter()
                    .find(|(d, _)| matches_below(d, &lit))
                    .map(|(d, why)| format!("`{d}` is always refused: {why}"))
            });
            if let Some(why) = why {
                out.push(format!(
                    "allow entry {p:?} is ignored: {why} (a built-in deny rule cannot be \
                     allowed away)"
                ));
            }
        }
        out
    }

    /// Judge the global `module.name` (the name may be dotted, as protocol
    /// 4 resolves it through a chain of `getattr`).
    pub fn rate(&self, module: &str, name: &str) -> Rating {
        let full = format!("{module}.{name}");
        let full = full.as_str();
        if self.deny.iter().any(|p| matches_below(p, full)) {
            return Rating::Dangerous("denied by the policy file".into());
        }
        if SAFE_EXACT.contains(&full) || in_groups(SAFE_WITH_REASON, full) {
            return Rating::Safe;
        }
        if in_groups(CLASS_WITH_REASON, full) {
            return Rating::Class;
        }
        if let Some(why) = chain_danger(module, name) {
            return Rating::Dangerous(why);
        }
        for (p, why) in DANGER {
            if matches_below(p, full) {
                return Rating::Dangerous((*why).to_string());
            }
        }
        if SCALAR_TYPES.contains(&full) {
            return Rating::Safe;
        }
        if CLASS_FAMILIES.iter().any(|p| glob(p, full)) && !name.contains('.') {
            return Rating::Class;
        }
        if self.allow.iter().any(|p| glob(p, full)) {
            return Rating::Safe;
        }
        Rating::Unknown
    }
}

fn in_groups(groups: &[(&str, &[&str])], path: &str) -> bool {
    groups.iter().any(|(_, names)| names.contains(&path))
}

/// The reason a path is on the built-in allow-list, if it is there with
/// one (see `SAFE_WITH_REASON`).
pub fn allow_reason(path: &str) -> Option<&'static str> {
    SAFE_WITH_REASON
        .iter()
        .chain(CLASS_WITH_REASON)
        .find(|(_, names)| names.contains(&path))
        .map(|(why, _)| *why)
}

/// `pattern` matches `path` or a prefix of it (at a `.` boundary).
fn matches_below(pattern: &str, path: &str) -> bool {
    if glob(pattern, path) {
        return true;
    }
    // Every prefix of the path at a dot.
    path.match_indices('.')
        .any(|(i, _)| glob(pattern, &path[..i]))
}

/// `*` matches a run of non-`.` characters; a trailing `.*` matches the
/// rest of the path (at least one component).
fn glob(pattern: &str, path: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix(".*") {
        return path.match_indices('.').any(|(i, _)| {
            i + 1 < path.len() && glob_segment(prefix.as_bytes(), &path.as_bytes()[..i])
        });
    }
    glob_segment(pattern.as_bytes(), path.as_bytes())
}

/// Iterative glob where `*` does not cross a `.`.
fn glob_segment(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            if s[ss] == b'.' {
                return false;
            }
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Exact paths, grouped, each group with the one-line reason why loading
/// it cannot run attacker-chosen code (the older [`SAFE_EXACT`] list is
/// grouped by its comments). Entries with an argument shape are also
/// checked at their calls (see `crate::shapes`).
pub(crate) const SAFE_WITH_REASON: &[(&str, &[&str])] = &[
    (
        "builtin exception classes: calling one builds an exception object from its arguments (nothing is raised or run); Python 2's `exceptions.*` arrive here through _compat_pickle",
        &[
            "builtins.ArithmeticError",
            "builtins.AssertionError",
            "builtins.AttributeError",
            "builtins.BaseException",
            "builtins.BaseExceptionGroup",
            "builtins.BlockingIOError",
            "builtins.BrokenPipeError",
            "builtins.BufferError",
            "builtins.BytesWarning",
            "builtins.ChildProcessError",
            "builtins.ConnectionAbortedError",
            "builtins.ConnectionError",
            "builtins.ConnectionRefusedError",
            "builtins.ConnectionResetError",
            "builtins.DeprecationWarning",
            "builtins.EOFError",
            "builtins.EncodingWarning",
            "builtins.EnvironmentError",
            "builtins.Exception",
            "builtins.ExceptionGroup",
            "builtins.FileExistsError",
            "builtins.FileNotFoundError",
            "builtins.FloatingPointError",
            "builtins.FutureWarning",
            "builtins.GeneratorExit",
            "builtins.IOError",
            "builtins.ImportError",
            "builtins.ImportWarning",
            "builtins.IndentationError",
            "builtins.IndexError",
            "builtins.InterruptedError",
            "builtins.IsADirectoryError",
            "builtins.KeyError",
            "builtins.KeyboardInterrupt",
            "builtins.LookupError",
            "builtins.MemoryError",
            "builtins.ModuleNotFoundError",
            "builtins.NameError",
            "builtins.NotADirectoryError",
            "builtins.NotImplementedError",
            "builtins.OSError",
            "builtins.OverflowError",
            "builtins.PendingDeprecationWarning",
            "builtins.PermissionError",
            "builtins.ProcessLookupError",
            "builtins.PythonFinalizationError",
            "builtins.RecursionError",
            "builtins.ReferenceError",
            "builtins.ResourceWarning",
            "builtins.RuntimeError",
            "builtins.RuntimeWarning",
            "builtins.StopAsyncIteration",
            "builtins.StopIteration",
            "builtins.SyntaxError",
            "builtins.SyntaxWarning",
            "builtins.SystemError",
            "builtins.SystemExit",
            "builtins.TabError",
            "builtins.TimeoutError",
            "builtins.TypeError",
            "builtins.UnboundLocalError",
            "builtins.UnicodeDecodeError",
            "builtins.UnicodeEncodeError",
            "builtins.UnicodeError",
            "builtins.UnicodeTranslateError",
            "builtins.UnicodeWarning",
            "builtins.UserWarning",
            "builtins.ValueError",
            "builtins.Warning",
            "builtins.ZeroDivisionError",
        ],
    ),
    (
        "re._compile(pattern, flags) compiles a regular expression (CPython's own reduction of re.Pattern)",
        &[
            "re._compile",
        ],
    ),
    (
        "stdlib enum classes called with a member value return that member (enum.Enum.__new__ looks the value up)",
        &[
            "re.RegexFlag",
            "http.HTTPStatus",
            "uuid.SafeUUID",
        ],
    ),
    (
        "http.cookies value types: dict subclasses rebuilt from strings (CPython's own test data pickles them); no network access",
        &[
            "http.cookies.SimpleCookie",
            "http.cookies.Morsel",
            "http.cookies.BaseCookie",
        ],
    ),
    (
        "ipaddress value types: constructed from an int or string",
        &[
            "ipaddress.IPv4Address",
            "ipaddress.IPv6Address",
            "ipaddress.IPv4Network",
            "ipaddress.IPv6Network",
            "ipaddress.IPv4Interface",
            "ipaddress.IPv6Interface",
        ],
    ),
    (
        "Python 3.13 moved the pathlib classes to pathlib._local: construction only, the same as the pathlib.* entries",
        &[
            "pathlib._local.PurePath",
            "pathlib._local.PurePosixPath",
            "pathlib._local.PureWindowsPath",
            "pathlib._local.Path",
            "pathlib._local.PosixPath",
            "pathlib._local.WindowsPath",
        ],
    ),
    (
        "datetime.tzinfo: the abstract base of time zones, the `base` that copyreg._reconstructor gets for tz classes at protocols 0-1 (its __new__ takes no state)",
        &[
            "datetime.tzinfo",
        ],
    ),
    (
        "zoneinfo's reduction `getattr(ZoneInfo, '_unpickle')(key, from_cache)`: looks the key up in the system tz database (argument shape checked)",
        &[
            "zoneinfo.ZoneInfo._unpickle",
            "zoneinfo._zoneinfo.ZoneInfo._unpickle",
        ],
    ),
    (
        "pytz's unpickle factories: _p(zone, utcoffset, dst, tzname) looks a zone up in pytz's bundled database, _UTC() returns pytz.utc",
        &[
            "pytz._p",
            "pytz._UTC",
        ],
    ),
    (
        "dateutil tz value types: fixed offsets, UTC, local, and tzfile rebuilt from the TZif bytes in the pickle by _unpickle(cls, key, filename, data) (no file opened; shape checked)",
        &[
            "dateutil.tz.tz.tzoffset",
            "dateutil.tz.tz.tzutc",
            "dateutil.tz.tz.tzlocal",
            "dateutil.tz.tz.tzfile",
            "dateutil.tz.tz.tzrange",
            "dateutil.tz.tz.tzstr",
            "dateutil.tz._tzfile._unpickle",
            "dateutil.tz._tzfile.tzfile",
            "dateutil.relativedelta.relativedelta",
        ],
    ),
    (
        "numpy 2 StringDType: the dtype is rebuilt from its keyword state (coerce, na_object); shape checked",
        &[
            "numpy._core._internal._convert_to_stringdtype_kwargs",
            "numpy.dtypes.StringDType",
        ],
    ),
    (
        "pyarrow's array reconstructors, as pandas' Arrow-backed arrays pickle them: type_for_alias(str), py_buffer(bytes), _restore_array((type, length, null_count, offset, buffers, children, dictionary)), chunked_array(list[, type]); argument shapes checked",
        &[
            "pyarrow.lib.type_for_alias",
            "pyarrow.lib.py_buffer",
            "pyarrow.lib._restore_array",
            "pyarrow.lib.chunked_array",
        ],
    ),
    (
        "pandas 0.20-3.x reconstruction not covered above: index constructors, dtypes, sparse indexes, Arrow-backed arrays, Cython unpickle helpers (cls.__new__ + state, class argument checked)",
        &[
            "pandas.core.indexes.interval._new_IntervalIndex",
            "pandas.core.indexes.period.PeriodIndex",
            "pandas.core.indexes.timedeltas._new_TimedeltaIndex",
            "pandas.core.dtypes.dtypes.ArrowDtype",
            "pandas.core.arrays.sparse.dtype.SparseDtype",
            "pandas.core.arrays.string_arrow.ArrowStringArray",
            "pandas.core.arrays.string_arrow.ArrowStringArrayNumpySemantics",
            "pandas.core.arrays.arrow.array.ArrowExtensionArray",
            "pandas.core.arrays.arrow.ArrowExtensionArray",
            "pandas.core.arrays.sparse.array.SparseArray",
            "pandas.core.arrays.numpy_.PandasArray",
            "pandas.core.arrays.numpy_.NumpyExtensionArray",
            "pandas._libs.sparse.IntIndex",
            "pandas._libs.sparse.BlockIndex",
            "pandas._libs.interval.__pyx_unpickle_IntervalMixin",
            "pandas._libs.tslibs.nattype._nat_unpickle",
            "pandas._libs.tslibs.period._Period",
            "pandas.core.indexes.numeric.UInt64Index",
            "pandas.core.indexes.numeric.NumericIndex",
            "pandas._libs.tslibs.timestamps._unpickle_timestamp",
            "pandas.core.arrays.string_.StringDtype",
            "pandas.core.dtypes.dtypes.NumpyEADtype",
            "pandas.core.dtypes.dtypes.PandasDtype",
        ],
    ),
    (
        "pandas date offsets: value objects rebuilt from their parameters (n, normalize, weekday, ...)",
        &[
            "pandas._libs.tslibs.offsets.BDay",
            "pandas._libs.tslibs.offsets.BMonthBegin",
            "pandas._libs.tslibs.offsets.BMonthEnd",
            "pandas._libs.tslibs.offsets.BQuarterBegin",
            "pandas._libs.tslibs.offsets.BQuarterEnd",
            "pandas._libs.tslibs.offsets.BYearBegin",
            "pandas._libs.tslibs.offsets.BYearEnd",
            "pandas._libs.tslibs.offsets.BusinessDay",
            "pandas._libs.tslibs.offsets.BusinessHour",
            "pandas._libs.tslibs.offsets.BusinessMonthBegin",
            "pandas._libs.tslibs.offsets.BusinessMonthEnd",
            "pandas._libs.tslibs.offsets.CBMonthBegin",
            "pandas._libs.tslibs.offsets.CBMonthEnd",
            "pandas._libs.tslibs.offsets.CDay",
            "pandas._libs.tslibs.offsets.CustomBusinessDay",
            "pandas._libs.tslibs.offsets.CustomBusinessHour",
            "pandas._libs.tslibs.offsets.CustomBusinessMonthBegin",
            "pandas._libs.tslibs.offsets.CustomBusinessMonthEnd",
            "pandas._libs.tslibs.offsets.DateOffset",
            "pandas._libs.tslibs.offsets.Day",
            "pandas._libs.tslibs.offsets.Easter",
            "pandas._libs.tslibs.offsets.FY5253",
            "pandas._libs.tslibs.offsets.FY5253Quarter",
            "pandas._libs.tslibs.offsets.Hour",
            "pandas._libs.tslibs.offsets.LastWeekOfMonth",
            "pandas._libs.tslibs.offsets.Micro",
            "pandas._libs.tslibs.offsets.Milli",
            "pandas._libs.tslibs.offsets.Minute",
            "pandas._libs.tslibs.offsets.MonthBegin",
            "pandas._libs.tslibs.offsets.MonthEnd",
            "pandas._libs.tslibs.offsets.Nano",
            "pandas._libs.tslibs.offsets.QuarterBegin",
            "pandas._libs.tslibs.offsets.QuarterEnd",
            "pandas._libs.tslibs.offsets.Second",
            "pandas._libs.tslibs.offsets.SemiMonthBegin",
            "pandas._libs.tslibs.offsets.SemiMonthEnd",
            "pandas._libs.tslibs.offsets.Week",
            "pandas._libs.tslibs.offsets.WeekOfMonth",
            "pandas._libs.tslibs.offsets.YearBegin",
            "pandas._libs.tslibs.offsets.YearEnd",
        ],
    ),
    (
        "scikit-learn's compiled loss objects, called without arguments (sklearn >= 1.6 pickles them under the extension module's own name `_loss`)",
        &[
            "sklearn._loss._loss.CyHalfSquaredError",
            "sklearn._loss._loss.CyAbsoluteError",
            "sklearn._loss._loss.CyPinballLoss",
            "sklearn._loss._loss.CyHuberLoss",
            "sklearn._loss._loss.CyHalfPoissonLoss",
            "sklearn._loss._loss.CyHalfGammaLoss",
            "sklearn._loss._loss.CyHalfTweedieLoss",
            "sklearn._loss._loss.CyHalfTweedieLossIdentity",
            "sklearn._loss._loss.CyHalfBinomialLoss",
            "sklearn._loss._loss.CyExponentialLoss",
            "sklearn._loss._loss.CyHalfMultinomialLoss",
            "_loss.CyHalfSquaredError",
            "_loss.CyAbsoluteError",
            "_loss.CyPinballLoss",
            "_loss.CyHuberLoss",
            "_loss.CyHalfPoissonLoss",
            "_loss.CyHalfGammaLoss",
            "_loss.CyHalfTweedieLoss",
            "_loss.CyHalfTweedieLossIdentity",
            "_loss.CyHalfBinomialLoss",
            "_loss.CyExponentialLoss",
            "_loss.CyHalfMultinomialLoss",
        ],
    ),
    (
        "Cython's pickle helpers of scikit-learn and pandas types: `mod.__pyx_unpickle_X(mod.X, checksum, state)` makes `X.__new__(X)` and sets the state (shape checked: the class must be the helper's own)",
        &[
            "sklearn._loss._loss.__pyx_unpickle_CyHalfSquaredError",
            "sklearn._loss._loss.__pyx_unpickle_CyAbsoluteError",
            "sklearn._loss._loss.__pyx_unpickle_CyPinballLoss",
            "sklearn._loss._loss.__pyx_unpickle_CyHuberLoss",
            "sklearn._loss._loss.__pyx_unpickle_CyHalfPoissonLoss",
            "sklearn._loss._loss.__pyx_unpickle_CyHalfGammaLoss",
            "sklearn._loss._loss.__pyx_unpickle_CyHalfTweedieLoss",
            "sklearn._loss._loss.__pyx_unpickle_CyHalfTweedieLossIdentity",
            "sklearn._loss._loss.__pyx_unpickle_CyHalfBinomialLoss",
            "sklearn._loss._loss.__pyx_unpickle_CyExponentialLoss",
            "sklearn._loss._loss.__pyx_unpickle_CyHalfMultinomialLoss",
        ],
    ),
    (
        "torch types whose reduction is a constructor call with plain data (dtype objects are referenced by name)",
        &[
            "torch.float16",
            "torch.float32",
            "torch.float64",
            "torch.bfloat16",
            "torch.float8_e4m3fn",
            "torch.float8_e5m2",
            "torch.float8_e4m3fnuz",
            "torch.float8_e5m2fnuz",
            "torch.int8",
            "torch.int16",
            "torch.int32",
            "torch.int64",
            "torch.uint8",
            "torch.uint16",
            "torch.uint32",
            "torch.uint64",
            "torch.complex32",
            "torch.complex64",
            "torch.complex128",
            "torch.qint8",
            "torch.quint8",
            "torch.qint32",
            "torch.quint4x2",
            "torch.float",
            "torch.int",
            "torch.long",
            "torch.short",
            "torch.cfloat",
            "torch.cdouble",
            "torch._utils._rebuild_tensor_v2",
            "torch.optim.sgd.SGD",
            "torch.sparse_csc",
            "torch.sparse_bsr",
            "torch.sparse_bsc",
            "torch.preserve_format",
        ],
    ),
];

/// Classes that may be instantiated without arguments and given their
/// state by BUILD (a [`Rating::Class`]), exact paths with reasons.
pub(crate) const CLASS_WITH_REASON: &[(&str, &[&str])] = &[(
    "scipy.sparse matrices and arrays: copyreg.__newobj__(cls) + BUILD of a dict of numpy arrays (scipy 1.x module paths)",
    &[
            "scipy.sparse._csr.csr_matrix",
            "scipy.sparse._csr.csr_array",
            "scipy.sparse._csc.csc_matrix",
            "scipy.sparse._csc.csc_array",
            "scipy.sparse._coo.coo_matrix",
            "scipy.sparse._coo.coo_array",
            "scipy.sparse._bsr.bsr_matrix",
            "scipy.sparse._bsr.bsr_array",
            "scipy.sparse._dia.dia_matrix",
            "scipy.sparse._dia.dia_array",
            "scipy.sparse._dok.dok_matrix",
            "scipy.sparse._dok.dok_array",
            "scipy.sparse._lil.lil_matrix",
            "scipy.sparse._lil.lil_array",
            "scipy.sparse.csr.csr_matrix",
            "scipy.sparse.csc.csc_matrix",
            "scipy.sparse.coo.coo_matrix",
            "scipy.sparse.bsr.bsr_matrix",
            "scipy.sparse.dia.dia_matrix",
            "scipy.sparse.dok.dok_matrix",
            "scipy.sparse.lil.lil_matrix",
    ],
)];

/// Modules whose name appearing as an attribute in a dotted path means the
/// path reaches that module through another one (`pathlib.os.system`,
/// `torch.serialization.pickle.loads`).
const CHAIN_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "sys",
    "subprocess",
    "_posixsubprocess",
    "builtins",
    "__builtin__",
    "__builtins__",
    "importlib",
    "shutil",
    "socket",
    "pickle",
    "_pickle",
    "cPickle",
    "marshal",
    "ctypes",
    "runpy",
    "pty",
    "webbrowser",
];

fn chain_danger(module: &str, name: &str) -> Option<String> {
    let mut parts = module.split('.').chain(name.split('.'));
    parts.next();
    for c in parts {
        if c.len() > 4 && c.starts_with("__") && c.ends_with("__") {
            return Some(format!(
                "the dotted name goes through the attribute `{c}`: dunder attributes reach \
                 interpreter internals (globals, builtins, subclasses, code objects)"
            ));
        }
        if CHAIN_MODULES.contains(&c) {
            return Some(format!(
                "the dotted name reaches `{c}` through an attribute of another module \
                 (protocol 4 resolves dotted names with getattr)"
            ));
        }
    }
    None
}

/// Exactly these paths are safe constructors.
const SAFE_EXACT: &[&str] = &[
    // Builtin types and constants.
    "builtins.object",
    "builtins.list",
    "builtins.dict",
    "builtins.tuple",
    "builtins.set",
    "builtins.frozenset",
    "builtins.bytes",
    "builtins.bytearray",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.complex",
    "builtins.bool",
    "builtins.slice",
    "builtins.range",
    "builtins.Ellipsis",
    "builtins.NotImplemented",
    "builtins.NoneType",
    // The protocol 0-2 reconstruction helpers (class argument checked).
    "copyreg._reconstructor",
    "copyreg.__newobj__",
    "copyreg.__newobj_ex__",
    "_codecs.encode",
    // Standard-library value types.
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.deque",
    "collections.Counter",
    "collections.ChainMap",
    "datetime.date",
    "datetime.time",
    "datetime.datetime",
    "datetime.timedelta",
    "datetime.timezone",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
    "uuid.SafeUUID",
    "array.array",
    "array._array_reconstructor",
    "types.SimpleNamespace",
    "pathlib.PurePath",
    "pathlib.PurePosixPath",
    "pathlib.PureWindowsPath",
    "pathlib.PosixPath",
    "pathlib.WindowsPath",
    "pathlib.Path",
    "zoneinfo.ZoneInfo",
    "zoneinfo._zoneinfo.ZoneInfo",
    // numpy reconstruction.
    "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy._core.numeric._frombuffer",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.ma.core._mareconstruct",
    "numpy.ma.core.MaskedArray",
    "numpy.ma.MaskedArray",
    "numpy.random.bit_generator.__pyx_unpickle_SeedSequence",
    "numpy.random._pickle.__randomstate_ctor",
    "numpy.random._pickle.__generator_ctor",
    "numpy.random._pickle.__bit_generator_ctor",
    "numpy.random._pickle._randomstate_ctor",
    "numpy.random.mtrand.RandomState",
    "numpy.random._mt19937.MT19937",
    "numpy.random._pcg64.PCG64",
    "numpy.random._pcg64.PCG64DXSM",
    "numpy.random._philox.Philox",
    "numpy.random._sfc64.SFC64",
    "numpy.random._generator.Generator",
    "numpy.random.bit_generator.SeedSequence",
    // joblib's array wrappers (the bytes after them are read as data).
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "joblib.numpy_pickle_compat.NDArrayWrapper",
    "joblib.numpy_pickle_compat.ZNDArrayWrapper",
    // pandas reconstruction.
    // pandas 3 pickles public paths.
    "pandas.DataFrame",
    "pandas.Series",
    "pandas.Index",
    "pandas.RangeIndex",
    "pandas.MultiIndex",
    "pandas.CategoricalIndex",
    "pandas.DatetimeIndex",
    "pandas.TimedeltaIndex",
    "pandas.PeriodIndex",
    "pandas.IntervalIndex",
    "pandas.Categorical",
    "pandas.CategoricalDtype",
    "pandas.DatetimeTZDtype",
    "pandas.PeriodDtype",
    "pandas.IntervalDtype",
    "pandas.SparseDtype",
    "pandas.StringDtype",
    "pandas.ArrowDtype",
    "pandas.Int8Dtype",
    "pandas.Int16Dtype",
    "pandas.Int32Dtype",
    "pandas.Int64Dtype",
    "pandas.UInt8Dtype",
    "pandas.UInt16Dtype",
    "pandas.UInt32Dtype",
    "pandas.UInt64Dtype",
    "pandas.Float32Dtype",
    "pandas.Float64Dtype",
    "pandas.BooleanDtype",
    "pandas.Timestamp",
    "pandas.Timedelta",
    "pandas.Period",
    "pandas.Interval",
    "pandas.NA",
    "pandas.NaT",
    "pandas.DateOffset",
    "pandas.arrays.StringArray",
    "pandas.arrays.DatetimeArray",
    "pandas.arrays.TimedeltaArray",
    "pandas.arrays.PeriodArray",
    "pandas.arrays.IntegerArray",
    "pandas.arrays.FloatingArray",
    "pandas.arrays.BooleanArray",
    "pandas.arrays.IntervalArray",
    "pandas.arrays.SparseArray",
    "pandas.arrays.NumpyExtensionArray",
    "pandas.arrays.ArrowStringArray",
    "pandas.arrays.ArrowExtensionArray",
    "pandas._libs.arrays.__pyx_unpickle_NDArrayBacked",
    "pandas.core.frame.DataFrame",
    "pandas.core.series.Series",
    "pandas.core.internals.managers.BlockManager",
    "pandas.core.internals.managers.SingleBlockManager",
    "pandas.core.internals.blocks.new_block",
    "pandas.core.internals.blocks.Block",
    "pandas._libs.internals._unpickle_block",
    "pandas.core.indexes.base._new_Index",
    "pandas.core.indexes.base.Index",
    "pandas.core.indexes.range.RangeIndex",
    "pandas.core.indexes.multi.MultiIndex",
    "pandas.core.indexes.datetimes._new_DatetimeIndex",
    "pandas.core.indexes.datetimes.DatetimeIndex",
    "pandas.core.indexes.period._new_PeriodIndex",
    "pandas.core.indexes.category.CategoricalIndex",
    "pandas.core.indexes.timedeltas.TimedeltaIndex",
    "pandas.core.indexes.interval.IntervalIndex",
    "pandas.core.indexes.numeric.Int64Index",
    "pandas.core.indexes.numeric.Float64Index",
    "pandas.core.arrays.categorical.Categorical",
    "pandas.core.arrays.datetimes.DatetimeArray",
    "pandas.core.arrays.timedeltas.TimedeltaArray",
    "pandas.core.arrays.period.PeriodArray",
    "pandas.core.arrays.integer.IntegerArray",
    "pandas.core.arrays.floating.FloatingArray",
    "pandas.core.arrays.boolean.BooleanArray",
    "pandas.core.arrays.string_.StringArray",
    "pandas.core.arrays.string_.StringDtype",
    "pandas.core.arrays.interval.IntervalArray",
    "pandas.core.arrays.sparse.array.SparseArray",
    "pandas.core.dtypes.dtypes.CategoricalDtype",
    "pandas.core.dtypes.dtypes.DatetimeTZDtype",
    "pandas.core.dtypes.dtypes.PeriodDtype",
    "pandas.core.dtypes.dtypes.IntervalDtype",
    "pandas.core.dtypes.dtypes.SparseDtype",
    "pandas.core.arrays.integer.Int8Dtype",
    "pandas.core.arrays.integer.Int16Dtype",
    "pandas.core.arrays.integer.Int32Dtype",
    "pandas.core.arrays.integer.Int64Dtype",
    "pandas.core.arrays.integer.UInt8Dtype",
    "pandas.core.arrays.integer.UInt16Dtype",
    "pandas.core.arrays.integer.UInt32Dtype",
    "pandas.core.arrays.integer.UInt64Dtype",
    "pandas.core.arrays.floating.Float32Dtype",
    "pandas.core.arrays.floating.Float64Dtype",
    "pandas.core.arrays.boolean.BooleanDtype",
    "pandas._libs.tslibs.timestamps._unpickle_timestamp",
    "pandas._libs.tslibs.timestamps.Timestamp",
    "pandas._libs.tslibs.timedeltas._timedelta_unpickle",
    "pandas._libs.tslibs.timedeltas.Timedelta",
    "pandas._libs.tslibs.nattype.__nat_unpickle",
    "pandas._libs.tslibs.offsets.Day",
    "pandas._libs.tslibs.offsets.Hour",
    "pandas._libs.tslibs.offsets.Minute",
    "pandas._libs.tslibs.offsets.Second",
    "pandas._libs.tslibs.offsets.MonthEnd",
    "pandas._libs.tslibs.offsets.MonthBegin",
    "pandas._libs.tslibs.offsets.YearEnd",
    "pandas._libs.tslibs.offsets.Week",
    "pandas._libs.tslibs.offsets.BusinessDay",
    "pandas._libs.tslibs.period.Period",
    "pandas._libs.interval.Interval",
    "pandas._libs.arrays.NDArrayBacked",
    "pandas._libs.missing.NAType",
    "pandas._libs.missing.NA",
    "pandas.core.arrays.arrow.array.ArrowExtensionArray",
    // PyTorch reconstruction (torch.save, protocol 2 + persistent ids).
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_nested_tensor",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor",
    "torch._tensor._rebuild_from_type_v2",
    "torch.nn.parameter.Parameter",
    "torch.Size",
    "torch.device",
    "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage",
    "torch.storage._TypedStorage",
    "torch.serialization._get_layout",
    "torch.strided",
    "torch.sparse_coo",
    "torch.sparse_csr",
    "torch.per_tensor_affine",
    "torch.per_channel_affine",
    "torch.contiguous_format",
    "torch.channels_last",
    // scikit-learn extension types reduced with arguments.
    "sklearn.tree._tree.Tree",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    // Cython helpers `newObj(cls)` = `cls.__new__(cls)` (the class is
    // judged at its own import).
    "sklearn.neighbors._kd_tree.newObj",
    "sklearn.neighbors._ball_tree.newObj",
    "sklearn.neighbors._binary_tree.newObj",
    "sklearn.metrics._dist_metrics.newObj",
];

/// numpy's scalar types and dtype classes and torch's storage classes,
/// exact names (they replace the former `numpy.int*`, `numpy.dtypes.*DType`
/// and `torch.*Storage` patterns): referenced as classes (`dtype=np.float64` in an estimator,
/// `torch.FloatStorage` in a legacy checkpoint) and called only with data.
const SCALAR_TYPES: &[&str] = &[
    "numpy.bool",
    "numpy.bool_",
    "numpy.byte",
    "numpy.bytes_",
    "numpy.cdouble",
    "numpy.cfloat",
    "numpy.clongdouble",
    "numpy.clongfloat",
    "numpy.complex128",
    "numpy.complex256",
    "numpy.complex64",
    "numpy.complex_",
    "numpy.csingle",
    "numpy.datetime64",
    "numpy.double",
    "numpy.float128",
    "numpy.float16",
    "numpy.float32",
    "numpy.float64",
    "numpy.float96",
    "numpy.complex192",
    "numpy.float_",
    "numpy.half",
    "numpy.int16",
    "numpy.int32",
    "numpy.int64",
    "numpy.int8",
    "numpy.int_",
    "numpy.intc",
    "numpy.intp",
    "numpy.long",
    "numpy.longcomplex",
    "numpy.longdouble",
    "numpy.longfloat",
    "numpy.longlong",
    "numpy.object_",
    "numpy.short",
    "numpy.single",
    "numpy.singlecomplex",
    "numpy.str_",
    "numpy.string_",
    "numpy.timedelta64",
    "numpy.ubyte",
    "numpy.uint",
    "numpy.uint16",
    "numpy.uint32",
    "numpy.uint64",
    "numpy.uint8",
    "numpy.uintc",
    "numpy.uintp",
    "numpy.ulong",
    "numpy.ulonglong",
    "numpy.unicode_",
    "numpy.ushort",
    "numpy.void",
    "numpy.dtypes.BoolDType",
    "numpy.dtypes.ByteDType",
    "numpy.dtypes.BytesDType",
    "numpy.dtypes.CLongDoubleDType",
    "numpy.dtypes.Complex128DType",
    "numpy.dtypes.Complex64DType",
    "numpy.dtypes.DateTime64DType",
    "numpy.dtypes.Float16DType",
    "numpy.dtypes.Float32DType",
    "numpy.dtypes.Float64DType",
    "numpy.dtypes.Int16DType",
    "numpy.dtypes.Int32DType",
    "numpy.dtypes.Int64DType",
    "numpy.dtypes.Int8DType",
    "numpy.dtypes.IntDType",
    "numpy.dtypes.LongDType",
    "numpy.dtypes.LongDoubleDType",
    "numpy.dtypes.LongLongDType",
    "numpy.dtypes.ObjectDType",
    "numpy.dtypes.ShortDType",
    "numpy.dtypes.StrDType",
    "numpy.dtypes.TimeDelta64DType",
    "numpy.dtypes.UByteDType",
    "numpy.dtypes.UInt16DType",
    "numpy.dtypes.UInt32DType",
    "numpy.dtypes.UInt64DType",
    "numpy.dtypes.UInt8DType",
    "numpy.dtypes.UIntDType",
    "numpy.dtypes.ULongDType",
    "numpy.dtypes.ULongLongDType",
    "numpy.dtypes.UShortDType",
    "numpy.dtypes.VoidDType",
    "torch.BFloat16Storage",
    "torch.BoolStorage",
    "torch.ByteStorage",
    "torch.CharStorage",
    "torch.ComplexDoubleStorage",
    "torch.ComplexFloatStorage",
    "torch.DoubleStorage",
    "torch.FloatStorage",
    "torch.HalfStorage",
    "torch.IntStorage",
    "torch.LongStorage",
    "torch.QInt32Storage",
    "torch.QInt8Storage",
    "torch.QUInt2x4Storage",
    "torch.QUInt4x2Storage",
    "torch.QUInt8Storage",
    "torch.ShortStorage",
    "torch.TypedStorage",
    "torch.UntypedStorage",
    "torch.bfloat16",
    "torch.half",
    "torch.double",
    "torch.bool",
];

/// Trusted libraries whose classes may be instantiated without arguments
/// and BUILD with their state (see [`Rating::Class`]); private names
/// dotted qualnames (attributes of a class) are excluded.
const CLASS_FAMILIES: &[&str] = &["sklearn.*", "torch.nn.modules.*"];

/// Deny rules: a pattern matches a path and everything below it.
const DANGER: &[(&str, &str)] = &[
    // Code execution through the interpreter.
    ("builtins.eval", "evaluates a Python expression from the data"),
    ("builtins.exec", "executes Python code from the data"),
    ("builtins.compile", "compiles Python code from the data"),
    ("builtins.execfile", "executes a Python file"),
    ("builtins.__import__", "imports any module named in the data"),
    ("builtins.__build_class__", "creates classes from code objects"),
    ("builtins.getattr", "attribute resolver: reaches any attribute of any object (getattr(os, 'system'))"),
    ("builtins.setattr", "sets attributes of modules, classes or objects (monkey-patching)"),
    ("builtins.delattr", "deletes attributes of modules, classes or objects"),
    ("builtins.globals", "exposes the interpreter's global namespace"),
    ("builtins.locals", "exposes the interpreter's local namespace"),
    ("builtins.vars", "exposes namespaces of modules and objects"),
    ("builtins.open", "opens files for reading or writing"),
    ("builtins.input", "reads from the terminal"),
    ("builtins.breakpoint", "starts a debugger"),
    ("builtins.help", "starts the interactive help (runs a pager)"),
    ("builtins.exit", "exits the interpreter"),
    ("builtins.quit", "exits the interpreter"),
    ("__builtin__.eval", "evaluates a Python expression from the data"),
    ("__builtin__.exec", "executes Python code from the data"),
    ("__builtin__.execfile", "executes a Python file"),
    ("__builtin__.compile", "compiles Python code from the data"),
    ("__builtin__.__import__", "imports any module named in the data"),
    ("__builtin__.getattr", "attribute resolver: reaches any attribute of any object"),
    ("__builtin__.setattr", "sets attributes of modules, classes or objects"),
    ("__builtin__.open", "opens files"),
    ("__builtin__.file", "opens files"),
    ("__builtin__.input", "reads and evaluates terminal input"),
    ("__builtins__", "the builtins namespace (eval, exec, __import__)"),
    ("types", "builds code objects, functions or modules (types.CodeType/FunctionType)"),
    ("code", "interactive interpreter: executes Python source"),
    ("codeop", "compiles Python source"),
    ("runpy", "runs Python modules or files"),
    ("importlib", "importer: loads any module or file named in the data"),
    ("imp", "importer: loads any module or file named in the data"),
    ("zipimport", "importer: loads code from archives"),
    ("pkgutil", "resolver: pkgutil.resolve_name reaches any object by name"),
    ("pkg_resources", "resolver/loader of entry points and resources"),
    ("operator.attrgetter", "attribute resolver: calling it reads any attribute chain"),
    ("operator.methodcaller", "calls any method by name"),
    ("operator.itemgetter", "item resolver used in gadget chains"),
    ("operator.call", "calls any callable"),
    ("_operator.attrgetter", "attribute resolver: calling it reads any attribute chain"),
    ("_operator.methodcaller", "calls any method by name"),
    ("_operator.itemgetter", "item resolver used in gadget chains"),
    ("_operator.call", "calls any callable"),
    ("functools.reduce", "calls any callable repeatedly"),
    ("_functools.reduce", "calls any callable repeatedly"),
    ("inspect", "reaches frames, globals and source of live objects"),
    ("gc", "reaches every live object (gc.get_objects)"),
    ("weakref.finalize", "registers a callback run at garbage collection"),
    ("atexit", "registers callbacks run at interpreter exit"),
    ("marshal", "nested deserialisation of code objects (marshal.loads)"),
    ("ctypes", "foreign function interface: calls C functions, writes memory"),
    ("_ctypes", "foreign function interface: calls C functions, writes memory"),
    ("cffi", "foreign function interface"),
    ("sys", "interpreter internals (sys.modules, sys.settrace, audit hooks)"),
    ("site", "site configuration: executes .pth files"),
    ("sysconfig", "interpreter configuration"),
    // Processes and the shell.
    ("os", "operating system interface: runs commands (os.system), spawns processes, writes and removes files"),
    ("posix", "the OS module under another name: runs commands, writes files"),
    ("nt", "the Windows OS module: runs commands, writes files"),
    ("_posixsubprocess", "spawns processes (fork_exec)"),
    ("subprocess", "runs shell commands and programs"),
    ("commands", "runs shell commands (Python 2)"),
    ("popen2", "runs shell commands (Python 2)"),
    ("pty", "spawns processes on a pseudo-terminal"),
    ("pipes", "runs shell pipelines"),
    ("platform.popen", "runs shell commands"),
    ("asyncio", "event loop: spawns subprocesses, opens connections"),
    ("multiprocessing", "spawns processes and loads pickles between them"),
    ("concurrent", "runs callables in threads or processes"),
    ("threading", "runs callables in new threads"),
    ("_thread", "runs callables in new threads"),
    ("signal", "installs signal handlers"),
    ("_signal", "installs signal handlers"),
    ("resource", "changes process limits"),
    ("fcntl", "file-descriptor control"),
    ("mmap", "maps files into memory"),
    ("_winapi", "Windows API: processes and files"),
    ("msvcrt", "Windows C runtime"),
    ("winreg", "Windows registry"),
    ("mailcap", "runs commands from mailcap files"),
    ("pydoc", "runs pagers and servers (pydoc.pipepager runs a shell command)"),
    ("doctest", "executes code in docstrings"),
    ("unittest", "runs test code"),
    ("bdb", "debugger: executes code"),
    ("pdb", "debugger: executes code"),
    ("cProfile", "profiler: cProfile.run executes a code string"),
    ("profile", "profiler: profile.run executes a code string"),
    ("timeit", "executes code strings"),
    ("trace", "executes code under tracing"),
    ("idlelib", "IDE internals: execute code"),
    ("tkinter", "GUI toolkit: runs Tcl code"),
    ("_tkinter", "GUI toolkit: runs Tcl code"),
    ("turtle", "GUI toolkit"),
    ("distutils", "build tool: runs commands and compilers"),
    ("setuptools", "build tool: runs commands"),
    ("pip", "package installer: downloads and runs code"),
    ("ensurepip", "installs packages"),
    ("venv", "creates environments, runs commands"),
    ("lib2to3", "source rewriting tool"),
    ("antigravity", "opens a web browser on import"),
    ("this", "prints on import"),
    // Files.
    ("io", "file I/O (io.open, FileIO)"),
    ("_io", "file I/O (io.open, FileIO)"),
    ("codecs.open", "opens files"),
    ("shutil", "copies, moves and deletes files and trees"),
    ("tempfile", "creates files and directories"),
    ("pathlib", "file-system access (Path.write_text, unlink, rmdir ...)"),
    ("glob", "lists the file system"),
    ("fileinput", "reads files"),
    ("linecache", "reads files"),
    ("filecmp", "reads files"),
    ("zipfile", "reads and extracts archives (writes files)"),
    ("tarfile", "reads and extracts archives (writes files)"),
    ("gzip.open", "opens files"),
    ("gzip.GzipFile", "opens files"),
    ("bz2.open", "opens files"),
    ("bz2.BZ2File", "opens files"),
    ("lzma.open", "opens files"),
    ("lzma.LZMAFile", "opens files"),
    ("dbm", "opens database files"),
    ("sqlite3", "opens database files, runs SQL"),
    ("_sqlite3", "opens database files, runs SQL"),
    ("logging.config", "logging configuration: listens on sockets, evaluates configuration"),
    ("logging.FileHandler", "opens files"),
    ("netrc", "reads credential files"),
    ("mailbox", "reads and writes mail files"),
    ("getpass", "reads passwords from the terminal"),
    ("numpy.fromfile", "reads files"),
    ("numpy.tofile", "writes files"),
    ("numpy.save", "writes files"),
    ("numpy.savez", "writes files"),
    ("numpy.savez_compressed", "writes files"),
    ("numpy.savetxt", "writes files"),
    ("numpy.loadtxt", "reads files"),
    ("numpy.genfromtxt", "reads files"),
    ("numpy.memmap", "maps files into memory"),
    ("numpy.lib", "numpy's file and format helpers (npyio, format)"),
    ("numpy.ctypeslib", "loads shared libraries"),
    ("numpy.distutils", "build tool: runs commands"),
    ("numpy.f2py", "build tool: runs compilers"),
    ("numpy.testing", "test helpers: execute code strings and subprocesses"),
    ("pandas.read_*", "reads files or URLs (pandas.read_pickle deserialises nested pickles)"),
    ("pandas.io", "pandas' file readers and writers"),
    ("pandas.eval", "evaluates expressions"),
    ("pandas.core.computation", "evaluates expressions"),
    ("pandas.util", "test helpers"),
    ("pandas.testing", "test helpers"),
    ("pandas._testing", "test helpers"),
    // Network.
    ("socket", "opens network connections"),
    ("_socket", "opens network connections"),
    ("ssl", "opens network connections"),
    ("socketserver", "runs network servers"),
    ("select", "network polling"),
    ("http", "HTTP clients and servers"),
    ("httplib", "HTTP client (Python 2)"),
    ("urllib", "fetches URLs"),
    ("urllib2", "fetches URLs (Python 2)"),
    ("urllib3", "fetches URLs"),
    ("requests", "fetches URLs"),
    ("httpx", "fetches URLs"),
    ("aiohttp", "fetches URLs"),
    ("ftplib", "FTP client"),
    ("smtplib", "sends mail"),
    ("smtpd", "mail server"),
    ("poplib", "mail client"),
    ("imaplib", "mail client"),
    ("nntplib", "news client"),
    ("telnetlib", "telnet client"),
    ("xmlrpc", "remote procedure calls"),
    ("webbrowser", "opens a web browser (runs a program)"),
    // Nested deserialisation.
    ("pickle", "nested deserialisation: pickle.loads runs another pickle the scanner did not see"),
    ("_pickle", "nested deserialisation: runs another pickle"),
    ("cPickle", "nested deserialisation: runs another pickle"),
    ("copyreg", "copyreg: add_extension rewires EXT codes, dispatch tables change pickling"),
    ("copy_reg", "copyreg: add_extension rewires EXT codes"),
    ("shelve", "opens pickle databases (nested deserialisation)"),
    ("dill", "nested deserialisation that rebuilds code objects"),
    ("cloudpickle", "nested deserialisation that rebuilds code objects"),
    ("jsonpickle", "nested deserialisation"),
    ("yaml", "YAML loader that can construct Python objects"),
    ("joblib", "joblib.load deserialises nested pickles"),
    ("numpy.load", "nested deserialisation (numpy.load with allow_pickle)"),
    ("numpy.loads", "nested deserialisation (numpy.loads = pickle.loads)"),
    ("numpy.core.multiarray.loads", "nested deserialisation"),
    ("numpy.ma.core.loads", "nested deserialisation"),
    ("torch.load", "nested deserialisation (torch.load)"),
    ("torch.serialization", "torch.load and file access"),
    ("torch.storage._load_from_bytes", "nested deserialisation (calls torch.load)"),
    ("torch.hub", "downloads and runs code"),
    ("torch.jit", "compiles and runs TorchScript"),
    ("torch.package", "loads packaged code"),
    ("torch.ops", "calls any registered operator"),
    ("torch.classes", "calls any registered class"),
    ("torch.utils.cpp_extension", "compiles and loads C++ code"),
    ("torch._dynamo", "compiles and runs code"),
    ("torch.compile", "compiles and runs code"),
    ("torch.from_file", "reads files"),
    ("torch.save", "writes files"),
    ("keras", "loads models with custom code"),
    ("tensorflow", "file and network access (tf.io, tf.keras loaders)"),
    ("sklearn.utils._testing", "test helpers that run subprocesses"),
    ("sklearn.externals", "vendored loaders"),
    ("sklearn.datasets", "downloads and reads files"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in allow tables hold exact dotted names only, each group
    /// with a reason, and no name twice.
    #[test]
    fn allow_tables_are_exact_names_with_reasons() {
        let mut seen = std::collections::HashSet::new();
        let grouped = SAFE_WITH_REASON.iter().chain(CLASS_WITH_REASON);
        for (why, names) in grouped {
            assert!(why.len() > 20, "{why:?}");
            for n in names.iter() {
                assert!(!n.contains('*') && n.contains('.'), "{n}");
                assert!(seen.insert(*n), "{n} listed twice");
            }
        }
        for n in SAFE_EXACT.iter().chain(SCALAR_TYPES) {
            assert!(!n.contains('*') && n.contains('.'), "{n}");
        }
        assert!(seen.len() > 250, "{}", seen.len());
    }

    #[test]
    fn globbing() {
        assert!(glob(
            "sklearn.*",
            "sklearn.linear_model._base.LinearRegression"
        ));
        assert!(!glob("sklearn.*", "sklearn"));
        assert!(!glob("sklearn.*", "sklearnx.a"));
        assert!(glob("torch.*Storage", "torch.FloatStorage"));
        assert!(!glob("torch.*Storage", "torch.a.FloatStorage"));
        assert!(glob("numpy.int*", "numpy.int64"));
        assert!(matches_below("os", "os.path.join"));
        assert!(!matches_below("os", "osx.a"));
        assert!(matches_below("pandas.read_*", "pandas.read_pickle"));
    }

    #[test]
    fn ratings() {
        let p = Policy::new();
        assert_eq!(p.rate("builtins", "list"), Rating::Safe);
        for (module, name) in [
            ("os", "system"),
            ("posix", "system"),
            ("pathlib", "os.system"),
            ("torch", "serialization.pickle.loads"),
            ("builtins", "object.__subclasses__"),
            ("collections", "OrderedDict.__init__.__globals__"),
        ] {
            assert!(
                matches!(p.rate(module, name), Rating::Dangerous(_)),
                "{module}.{name}"
            );
        }
        assert_eq!(
            p.rate("collections", "OrderedDict.fromkeys"),
            Rating::Unknown
        );
        assert_eq!(p.rate("pathlib", "PosixPath"), Rating::Safe);
        assert!(matches!(
            p.rate("pathlib", "Path.write_text"),
            Rating::Dangerous(_)
        ));
        assert_eq!(
            p.rate("sklearn.linear_model._base", "LinearRegression"),
            Rating::Class
        );
        assert!(matches!(
            p.rate("sklearn.utils._testing", "assert_run_python_script"),
            Rating::Dangerous(_)
        ));
        assert_eq!(p.rate("__main__", "Foo"), Rating::Unknown);
        let p = Policy::from_toml("allow = [\"__main__.*\"]\ndeny = [\"mylib.io\"]").unwrap();
        assert_eq!(p.rate("__main__", "Foo"), Rating::Safe);
        assert!(matches!(p.rate("mylib", "io.read"), Rating::Dangerous(_)));
        let p = Policy::from_json("{\"allow\": [\"os.*\"]}").unwrap();
        assert!(matches!(p.rate("os", "system"), Rating::Dangerous(_)));
        assert!(Policy::from_json("{\"allow\": [\"a..b\"]}").is_err());
        assert!(Policy::from_toml("bogus = 1").is_err());
    }
}
