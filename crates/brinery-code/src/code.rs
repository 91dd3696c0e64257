//! Code objects from their pickled reductions.

use std::borrow::Cow;

use brinery::{Construct, Node, NodeRef};

/// Why a code object cannot be read or disassembled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeError {
    msg: String,
}

impl CodeError {
    pub(crate) fn new(msg: impl Into<String>) -> Self {
        CodeError { msg: msg.into() }
    }
}

impl std::fmt::Display for CodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for CodeError {}

/// A Python code object as pickled: the arguments of the `CodeType`
/// constructor of the version that wrote it.
#[derive(Clone, Debug)]
pub struct Code<'g, 'a> {
    pub(crate) node: NodeRef<'g, 'a>,
    /// How many constructor arguments the pickle gave: 14 (CPython 2.7),
    /// 15 (3.6, 3.7), 16 (3.8-3.10) or 18 (3.11+).
    pub nargs: usize,
    /// `co_argcount`.
    pub argcount: u32,
    /// `co_posonlyargcount` (0 before 3.8).
    pub posonlyargcount: u32,
    /// `co_kwonlyargcount` (0 in 2.7).
    pub kwonlyargcount: u32,
    /// `co_nlocals`.
    pub nlocals: u32,
    /// `co_stacksize`.
    pub stacksize: u32,
    /// `co_flags`.
    pub flags: u32,
    /// `co_code`: the bytecode.
    pub bytecode: Cow<'g, [u8]>,
    /// `co_consts`, as graph nodes (nested code objects among them).
    pub consts: Vec<NodeRef<'g, 'a>>,
    /// `co_names`.
    pub names: Vec<String>,
    /// `co_varnames`.
    pub varnames: Vec<String>,
    /// `co_filename`.
    pub filename: String,
    /// `co_name`.
    pub name: String,
    /// `co_qualname` (3.11+).
    pub qualname: Option<String>,
    /// `co_firstlineno`.
    pub firstlineno: i64,
    /// `co_lnotab` (2.7-3.9), `co_linetable` (3.10: the same pairs with
    /// other meanings; 3.11+: the location table).
    pub linetable: Cow<'g, [u8]>,
    /// `co_exceptiontable` (3.11+).
    pub exceptiontable: Option<&'g [u8]>,
    /// `co_freevars`.
    pub freevars: Vec<String>,
    /// `co_cellvars`.
    pub cellvars: Vec<String>,
}

/// Flags of `co_flags` used for signatures.
pub(crate) const CO_VARARGS: u32 = 0x04;
pub(crate) const CO_VARKEYWORDS: u32 = 0x08;

/// The callable of a REDUCE, resolving cloudpickle's
/// `_builtin_type('CodeType')` to `types.CodeType`.
pub(crate) fn callable_name(n: NodeRef<'_, '_>) -> Option<(String, String)> {
    if let Some((m, name)) = n.as_global() {
        return Some((m.to_string(), name.to_string()));
    }
    if let Some(Node::Object(o)) = n.node() {
        if let Construct::Reduce { callable, args } = &o.construct {
            let g = n.graph();
            let (m, f) = g.view(*callable).as_global()?;
            if m.starts_with("cloudpickle") && f == "_builtin_type" {
                let t = text_of(g.view(*args).get(&0)?)?;
                return Some(("types".into(), t));
            }
            if m.starts_with("dill") && f == "_load_type" {
                let t = text_of(g.view(*args).get(&0)?)?;
                // Python 2 dill names the `types` module's spellings.
                let t = match t.as_str() {
                    "ComplexType" => "complex".to_string(),
                    "CodeType" => "code".to_string(),
                    _ => t,
                };
                return Some(("builtins".into(), t));
            }
        }
    }
    None
}

/// `callable(*args)` of a REDUCE object: the callable's dotted name and the
/// argument nodes.
pub(crate) fn reduce_call<'g, 'a>(
    n: NodeRef<'g, 'a>,
) -> Option<((String, String), Vec<NodeRef<'g, 'a>>)> {
    let Some(Node::Object(o)) = n.node() else {
        return None;
    };
    let Construct::Reduce { callable, args } = &o.construct else {
        return None;
    };
    let g = n.graph();
    let name = callable_name(g.view(*callable))?;
    Some((name, g.view(*args).iter().collect()))
}

/// A name-like field: a `str`, or a Python 2 `str` read as `bytes`
/// (`encoding="bytes"`).
pub(crate) fn text_of(n: NodeRef<'_, '_>) -> Option<String> {
    n.as_str().map(str::to_string).or_else(|| {
        n.as_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    })
}

/// A bytes field: `bytes`, or a Python 2 `str` decoded as latin-1 (every
/// character below 256), given back as the original bytes.
fn bytes_of<'g>(n: NodeRef<'g, '_>) -> Option<Cow<'g, [u8]>> {
    if let Some(b) = n.as_bytes() {
        return Some(Cow::Borrowed(b));
    }
    n.as_str()?
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .map(Cow::Owned)
}

fn strs(n: Option<NodeRef<'_, '_>>, what: &str) -> Result<Vec<String>, CodeError> {
    let Some(n) = n else { return Ok(Vec::new()) };
    n.iter()
        .map(|s| {
            text_of(s).ok_or_else(|| CodeError::new(format!("code object: {what} holds a non-str")))
        })
        .collect()
}

impl<'g, 'a> Code<'g, 'a> {
    /// The code object `node` stands for: `dill._dill._create_code(...)`,
    /// cloudpickle's `_builtin_type('CodeType')(...)` or
    /// `types.CodeType(...)`, in the constructor form of the version that
    /// wrote it: 14 arguments (CPython 2.7), 15 (3.6, 3.7), 16 (3.8-3.10)
    /// or 18 (3.11+; dill puts `co_lnotab` first from 3.10 on). `None` if
    /// it is not one. Python 2 `str` fields may arrive as `bytes`
    /// (`encoding="bytes"`) or latin-1 text.
    pub fn from_node(node: NodeRef<'g, 'a>) -> Option<Self> {
        Self::parse(node).ok().flatten()
    }

    /// Like [`Code::from_node`], with the reason when `node` is a code
    /// reduction whose arguments don't fit.
    pub fn parse(node: NodeRef<'g, 'a>) -> Result<Option<Self>, CodeError> {
        let Some(((m, f), mut args)) = reduce_call(node) else {
            return Ok(None);
        };
        let is_code = matches!(
            (m.as_str(), f.as_str()),
            ("dill._dill" | "dill.dill", "_create_code")
                | ("types", "CodeType")
                | ("builtins", "code")
        );
        if !is_code {
            return Ok(None);
        }
        if args.first().is_some_and(|a| a.as_bytes().is_some()) && args.len() >= 17 {
            args.remove(0); // dill's co_lnotab marker
        }
        let nargs = args.len();
        // The 18-argument layout of 3.11+, with `None` where an older
        // form has no such argument.
        let mut slots: Vec<Option<NodeRef<'g, 'a>>> = args.into_iter().map(Some).collect();
        let missing: &[usize] = match nargs {
            14 => &[1, 2, 12, 15], // no posonly/kwonly args, qualname, exception table
            15 => &[1, 12, 15],    // no posonly args, qualname, exception table
            16 => &[12, 15],       // no qualname, exception table
            18 => &[],
            n => {
                return Err(CodeError::new(format!(
                    "code object: {n} constructor arguments (CPython 2.7 takes 14, 3.6-3.7 15, \
                     3.8-3.10 16, 3.11+ 18)"
                )))
            }
        };
        for &i in missing {
            slots.insert(i, None);
        }
        let int = |i: usize, what: &str| -> Result<u32, CodeError> {
            match slots[i] {
                None => Ok(0),
                Some(a) => a
                    .as_i64()
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| {
                        CodeError::new(format!("code object: {what} is not a small int"))
                    }),
            }
        };
        let bytes = |i: usize, what: &str| -> Result<Cow<'g, [u8]>, CodeError> {
            slots[i]
                .and_then(bytes_of)
                .ok_or_else(|| CodeError::new(format!("code object: {what} is not bytes")))
        };
        let text = |i: usize, what: &str| -> Result<String, CodeError> {
            slots[i]
                .and_then(text_of)
                .ok_or_else(|| CodeError::new(format!("code object: {what} is not a str")))
        };
        Ok(Some(Code {
            node,
            nargs,
            argcount: int(0, "co_argcount")?,
            posonlyargcount: int(1, "co_posonlyargcount")?,
            kwonlyargcount: int(2, "co_kwonlyargcount")?,
            nlocals: int(3, "co_nlocals")?,
            stacksize: int(4, "co_stacksize")?,
            flags: int(5, "co_flags")?,
            bytecode: bytes(6, "co_code")?,
            consts: slots[7].map(|c| c.iter().collect()).unwrap_or_default(),
            names: strs(slots[8], "co_names")?,
            varnames: strs(slots[9], "co_varnames")?,
            filename: text(10, "co_filename")?,
            name: text(11, "co_name")?,
            qualname: match slots[12] {
                Some(_) => Some(text(12, "co_qualname")?),
                None => None,
            },
            firstlineno: slots[13]
                .and_then(|a| a.as_i64())
                .ok_or_else(|| CodeError::new("code object: co_firstlineno is not an int"))?,
            linetable: bytes(14, "co_linetable")?,
            exceptiontable: slots[15].and_then(|a| a.as_bytes()),
            freevars: strs(slots[16], "co_freevars")?,
            cellvars: strs(slots[17], "co_cellvars")?,
        }))
    }

    /// The graph node of the code object.
    pub fn node(&self) -> NodeRef<'g, 'a> {
        self.node
    }

    /// `co_qualname` where the version has it, else `co_name`.
    pub fn qualname(&self) -> &str {
        self.qualname.as_deref().unwrap_or(&self.name)
    }

    /// `repr()` of the code object, with the address masked:
    /// `<code object add at 0x?, file "funcs.py", line 46>`.
    pub fn repr(&self) -> String {
        format!(
            "<code object {} at 0x?, file \"{}\", line {}>",
            self.name, self.filename, self.firstlineno
        )
    }

    /// The names of the globals the code reads or writes (LOAD_GLOBAL,
    /// STORE_GLOBAL, DELETE_GLOBAL), in first-use order, nested code
    /// included.
    pub fn globals_referenced(&self, version: Option<crate::PyVersion>) -> Vec<String> {
        crate::dis::globals_referenced(self, version)
    }
}
