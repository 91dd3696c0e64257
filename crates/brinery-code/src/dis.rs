//! `dis.dis()` of a pickled code object, as each CPython version prints it.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;
use std::sync::OnceLock;

use crate::code::{Code, CodeError};
use crate::lines;
use crate::tables;

/// An `opcode.has*` list of CPython (which opcodes take which argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Const,
    Name,
    Jrel,
    Jabs,
    Local,
    Compare,
    Free,
    Arg,
    Exc,
    Jump,
}

/// How many [`Kind`]s there are (the order of gen_tables.py's `KINDS`).
const KINDS: usize = 10;

/// One CPython version's opcode table, read from the data gen_tables.py
/// generated from that version's `opcode` module (`src/tables.rs`).
#[derive(Debug)]
pub struct OpTable {
    version: (u8, u8),
    opname: [Option<&'static str>; 256],
    have_argument: u8,
    extended_arg: u8,
    has: [[u64; 4]; KINDS],
    cache: [u8; 256],
    cmp_op: Vec<&'static str>,
    nb_ops: Vec<&'static str>,
    intrinsic1: Vec<&'static str>,
    intrinsic2: Vec<&'static str>,
}

impl OpTable {
    /// `(major, minor)`.
    pub fn version(&self) -> (u8, u8) {
        self.version
    }

    /// `opcode.opname[op]`, or `None` where the version defines no opcode.
    pub fn opname(&self, op: u8) -> Option<&'static str> {
        self.opname[op as usize]
    }

    /// `opcode.HAVE_ARGUMENT`.
    pub fn have_argument(&self) -> u8 {
        self.have_argument
    }

    /// Parses one line of [`tables::DATA`]; `None` if it is malformed
    /// (a test checks that every line parses).
    fn parse(line: &'static str) -> Option<OpTable> {
        let mut f = line.split(';');
        let mut next = || f.next();
        let list = |s: &'static str| -> Vec<&'static str> {
            s.split(',').filter(|x| !x.is_empty()).collect()
        };
        let pairs = |s: &'static str| -> Option<Vec<(u8, &'static str)>> {
            list(s)
                .into_iter()
                .map(|p| {
                    let (k, v) = p.split_once('=')?;
                    Some((k.parse().ok()?, v))
                })
                .collect()
        };
        let (major, minor) = next()?.split_once('.')?;
        let version = (major.parse().ok()?, minor.parse().ok()?);
        let have_argument = next()?.parse().ok()?;
        let extended_arg = next()?.parse().ok()?;
        let mut opname = [None; 256];
        for (op, name) in pairs(next()?)? {
            opname[op as usize] = Some(name);
        }
        let mut has = [[0u64; 4]; KINDS];
        for set in has.iter_mut() {
            for op in list(next()?) {
                let op: u8 = op.parse().ok()?;
                set[(op / 64) as usize] |= 1 << (op % 64);
            }
        }
        let mut cache = [0u8; 256];
        for (op, n) in pairs(next()?)? {
            cache[op as usize] = n.parse().ok()?;
        }
        Some(OpTable {
            version,
            opname,
            have_argument,
            extended_arg,
            has,
            cache,
            cmp_op: list(next()?),
            nb_ops: list(next()?),
            intrinsic1: list(next()?),
            intrinsic2: list(next()?),
        })
    }

    fn has(&self, kind: Kind, op: u8) -> bool {
        self.has[kind as usize][(op / 64) as usize] & (1 << (op % 64)) != 0
    }
    fn name(&self, op: u8) -> &'static str {
        self.opname[op as usize].unwrap_or("<?>")
    }
    fn takes_arg(&self, op: u8) -> bool {
        if self.version >= (3, 13) {
            self.has(Kind::Arg, op)
        } else {
            op >= self.have_argument
        }
    }
    fn op(&self, name: &str) -> Option<u8> {
        self.opname
            .iter()
            .position(|n| *n == Some(name))
            .map(|i| i as u8)
    }
    fn is_jump(&self, op: u8) -> bool {
        if self.version >= (3, 13) {
            self.has(Kind::Jump, op) || self.has(Kind::Exc, op)
        } else {
            self.has(Kind::Jrel, op) || self.has(Kind::Jabs, op)
        }
    }
}

/// A CPython version whose bytecode brinery can disassemble.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PyVersion {
    /// 2.7
    V2_7,
    /// 3.6
    V3_6,
    /// 3.7
    V3_7,
    /// 3.8
    V3_8,
    /// 3.9
    V3_9,
    /// 3.10
    V3_10,
    /// 3.11
    V3_11,
    /// 3.12
    V3_12,
    /// 3.13
    V3_13,
}

impl PyVersion {
    /// Every version, oldest first.
    pub const ALL: [PyVersion; 9] = [
        PyVersion::V2_7,
        PyVersion::V3_6,
        PyVersion::V3_7,
        PyVersion::V3_8,
        PyVersion::V3_9,
        PyVersion::V3_10,
        PyVersion::V3_11,
        PyVersion::V3_12,
        PyVersion::V3_13,
    ];

    /// `"3.11"` → `V3_11`.
    pub fn parse(s: &str) -> Option<PyVersion> {
        PyVersion::ALL.into_iter().find(|v| v.to_string() == s)
    }

    /// `(major, minor)` of each of [`PyVersion::ALL`], in its order (the
    /// order the variants are declared in).
    const TUPLES: [(u8, u8); 9] = [
        (2, 7),
        (3, 6),
        (3, 7),
        (3, 8),
        (3, 9),
        (3, 10),
        (3, 11),
        (3, 12),
        (3, 13),
    ];

    /// `(major, minor)`.
    pub fn tuple(self) -> (u8, u8) {
        PyVersion::TUPLES[self as usize]
    }

    /// The opcode table.
    pub fn table(self) -> &'static OpTable {
        static TABLES: OnceLock<Vec<OpTable>> = OnceLock::new();
        let all = TABLES.get_or_init(|| tables::DATA.lines().filter_map(OpTable::parse).collect());
        all.iter()
            .find(|t| t.version == self.tuple())
            .expect("src/tables.rs has every PyVersion (tested)")
    }
}

impl std::fmt::Display for PyVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (a, b) = self.tuple();
        write!(f, "{a}.{b}")
    }
}

struct Instr {
    offset: usize,
    op: u8,
    arg: Option<i64>,
    /// 2.7: the argument was extended by an EXTENDED_ARG, which makes it a
    /// `long` in `dis` (printed with an `L`).
    long: bool,
}

/// The instructions of `code` (caches skipped), or `None` if an opcode is
/// not defined in `t` or a cache entry is not zero (pickled code is never
/// specialised, so its caches are zero).
fn unpack(code: &[u8], t: &OpTable) -> Option<Vec<Instr>> {
    if t.version < (3, 0) {
        return unpack_27(code, t);
    }
    let mut out = Vec::new();
    let mut ext: i64 = 0;
    let mut i = 0;
    while i + 1 < code.len() {
        let op = code[i];
        // An undefined opcode, or a CACHE word where an instruction must
        // be (the code was written by a version with more cache entries).
        if matches!(t.opname(op), None | Some("CACHE")) {
            return None;
        }
        let arg = if t.takes_arg(op) {
            let a = code[i + 1] as i64 | ext;
            ext = if op == t.extended_arg { a << 8 } else { 0 };
            if ext >= 1 << 31 {
                ext -= 1 << 32;
            }
            Some(a)
        } else {
            ext = 0;
            None
        };
        out.push(Instr {
            offset: i,
            op,
            arg,
            long: false,
        });
        let caches = t.cache[op as usize] as usize;
        for c in 0..caches {
            let at = i + 2 + 2 * c;
            if at + 1 < code.len() && (code[at] != 0 || code[at + 1] != 0) {
                return None;
            }
        }
        i += 2 + 2 * caches;
    }
    if i != code.len() {
        return None;
    }
    Some(out)
}

/// CPython 2.7's variable-length bytecode: one opcode byte, then a 2-byte
/// little-endian argument from HAVE_ARGUMENT on; EXTENDED_ARG supplies the
/// high 16 bits of the next argument (`dis` keeps it until an opcode with
/// an argument uses it).
fn unpack_27(code: &[u8], t: &OpTable) -> Option<Vec<Instr>> {
    let mut out = Vec::new();
    let (mut ext, mut long) = (0i64, false);
    let mut i = 0;
    while i < code.len() {
        let op = code[i];
        t.opname(op)?;
        if op < t.have_argument {
            out.push(Instr {
                offset: i,
                op,
                arg: None,
                long: false,
            });
            i += 1;
            continue;
        }
        let raw = *code.get(i + 1)? as i64 | (*code.get(i + 2)? as i64) << 8;
        let arg = raw.checked_add(ext)?;
        out.push(Instr {
            offset: i,
            op,
            arg: Some(arg),
            long,
        });
        (ext, long) = if op == t.extended_arg {
            (arg.checked_mul(65536).filter(|e| *e < 1 << 48)?, true)
        } else {
            (0, false)
        };
        i += 3;
    }
    Some(out)
}

impl<'g, 'a> Code<'g, 'a> {
    /// The CPython version that wrote this code object: the newest version
    /// whose constructor form, line table and opcode table fit it (3.8 and
    /// 3.9 differ only in opcodes that most code does not use; where both
    /// fit, their `dis` output is the same). 3.6 and 3.7 compile most
    /// functions to the same code object, yet only 3.7's `dis` shows
    /// nested code objects: where both fit, this says 3.7 (give the
    /// version to [`Code::dis`] to print as 3.6 does).
    pub fn detect_version(&self) -> Option<PyVersion> {
        let candidates: &[PyVersion] = match self.nargs {
            14 => &[PyVersion::V2_7],
            15 => &[PyVersion::V3_7, PyVersion::V3_6],
            18 => &[PyVersion::V3_13, PyVersion::V3_12, PyVersion::V3_11],
            _ => {
                // 3.10's line table covers the whole bytecode; co_lnotab's
                // address increments stop at the last line start.
                let covered: usize = self.linetable.chunks_exact(2).map(|p| p[0] as usize).sum();
                if covered == self.bytecode.len() && !self.bytecode.is_empty() {
                    &[PyVersion::V3_10, PyVersion::V3_9, PyVersion::V3_8]
                } else {
                    &[PyVersion::V3_9, PyVersion::V3_8, PyVersion::V3_10]
                }
            }
        };
        let fits = |v: PyVersion| -> bool {
            let t = v.table();
            let Some(ins) = unpack(&self.bytecode, t) else {
                return false;
            };
            if v >= PyVersion::V3_11 {
                // Every 3.11+ function body starts with RESUME (after the
                // cell set-up opcodes).
                let resume = t.op("RESUME");
                let ok = ins.iter().map(|i| i.op).find(|&op| {
                    !matches!(
                        t.name(op),
                        "MAKE_CELL" | "COPY_FREE_VARS" | "RETURN_GENERATOR" | "POP_TOP" | "NOP"
                    )
                });
                if ok != resume {
                    return false;
                }
            }
            // Nested code objects must fit the same version.
            self.consts.iter().all(|c| match Code::from_node(*c) {
                Some(inner) => unpack(&inner.bytecode, t).is_some(),
                None => true,
            })
        };
        candidates.iter().copied().find(|&v| fits(v))
    }

    /// `dis.dis(code)` as the given CPython version prints it (nested code
    /// objects included from 3.7 on, as `dis` does), or as the detected
    /// version prints it.
    pub fn dis(&self, version: Option<PyVersion>) -> Result<String, CodeError> {
        let v = match version {
            Some(v) => v,
            None => self.detect_version().ok_or_else(|| {
                CodeError::new(format!(
                    "cannot tell which CPython wrote code object {:?}: its bytecode fits none of 2.7, 3.6-3.13",
                    self.name
                ))
            })?,
        };
        if v == PyVersion::V2_7 {
            let mut out = String::new();
            disassemble_27(self, &mut out)?;
            return Ok(out);
        }
        if v == PyVersion::V3_6 {
            let mut out = String::new();
            disassemble_one(self, v, &mut out)?;
            return Ok(out);
        }
        let mut out = String::new();
        // Code objects nest as constants: an explicit stack, depth-first,
        // as dis._disassemble_recursive walks them.
        let mut stack: Vec<(Code<'g, 'a>, bool)> = vec![(self.clone(), false)];
        let mut seen = 0usize;
        while let Some((code, header)) = stack.pop() {
            seen += 1;
            if seen > 10_000 {
                return Err(CodeError::new("more than 10000 nested code objects"));
            }
            if header {
                out.push('\n');
                let _ = writeln!(out, "Disassembly of {}:", code.repr());
            }
            disassemble_one(&code, v, &mut out)?;
            let nested: Vec<Code<'g, 'a>> = code
                .consts
                .iter()
                .filter_map(|c| Code::from_node(*c))
                .collect();
            for inner in nested.into_iter().rev() {
                stack.push((inner, true));
            }
        }
        Ok(out)
    }
}

/// `repr()` of a tuple constant whose items print with `item`.
fn tuple_repr(
    node: brinery::NodeRef<'_, '_>,
    items: &[brinery::NodeId],
    item: fn(brinery::NodeRef<'_, '_>) -> String,
) -> String {
    let parts: Vec<String> = items.iter().map(|i| item(node.graph().view(*i))).collect();
    match parts.as_slice() {
        [one] => format!("({one},)"),
        _ => format!("({})", parts.join(", ")),
    }
}

/// The repr of a constant as `dis` prints it.
fn const_repr(node: brinery::NodeRef<'_, '_>) -> String {
    if let Some(c) = Code::from_node(node) {
        return c.repr();
    }
    if let Some(((m, f), args)) = crate::code::reduce_call(node) {
        // dill spells some constants as calls of its own.
        if m.starts_with("dill") && f == "_eval_repr" {
            if let Some(s) = args.first().and_then(|a| a.as_str()) {
                if matches!(s, "Ellipsis" | "NotImplemented") {
                    return s.to_string();
                }
            }
        }
        // Python 2's dill and cloudpickle name it `ComplexType`.
        if (m == "builtins" && f == "complex") || f == "ComplexType" {
            let part = |i: usize| args.get(i).and_then(|a| a.as_f64());
            if let (Some(re), Some(im)) = (part(0), part(1)) {
                return complex_repr(re, im);
            }
        }
    }
    if let Some((m, n)) = node.as_global() {
        if matches!(m, "builtins" | "__builtin__") && matches!(n, "Ellipsis" | "NotImplemented") {
            return n.to_string();
        }
    }
    match node.node() {
        Some(brinery::Node::Tuple(items)) => tuple_repr(node, items, const_repr),
        _ => match node.id() {
            Some(id) => brinery::repr(node.graph(), id, &brinery::ReprOptions::default())
                .unwrap_or_else(|e| format!("<{e}>")),
            None => "?".into(),
        },
    }
}

/// Python's `repr(float)` without the `.0` a complex part leaves off.
fn float_part(x: f64) -> String {
    let mut g = brinery::Graph::new();
    let id = g.add(brinery::Node::Float(x));
    let s = brinery::repr(&g, id, &brinery::ReprOptions::default()).unwrap_or_default();
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// `repr(complex(re, im))`.
fn complex_repr(re: f64, im: f64) -> String {
    if re == 0.0 && re.is_sign_positive() {
        format!("{}j", float_part(im))
    } else {
        let sign = if im.is_sign_negative() || im.is_nan() && im.is_sign_negative() {
            "-"
        } else {
            "+"
        };
        format!("({}{sign}{}j)", float_part(re), float_part(im.abs()))
    }
}

/// The names a cell or free variable argument indexes before 3.11:
/// `co_cellvars + co_freevars`.
fn cell_names(code: &Code<'_, '_>) -> Vec<String> {
    code.cellvars
        .iter()
        .chain(&code.freevars)
        .cloned()
        .collect()
}

/// `co._varname_from_oparg` of 3.11+: varnames, then cell variables that
/// are not arguments/locals, then free variables.
fn localsplus(code: &Code<'_, '_>) -> Vec<String> {
    let mut v = code.varnames.clone();
    for c in &code.cellvars {
        if !code.varnames.contains(c) {
            v.push(c.clone());
        }
    }
    v.extend(code.freevars.iter().cloned());
    v
}

struct ExcEntry {
    start: usize,
    end: usize,
    target: usize,
    depth: u64,
    lasti: bool,
}

fn exception_entries(table: &[u8]) -> Vec<ExcEntry> {
    let varint = |it: &mut std::slice::Iter<'_, u8>| lines::varint(it, true);
    let mut it = table.iter();
    let mut out = Vec::new();
    while let Some(start) = varint(&mut it) {
        let (Some(len), Some(target), Some(dl)) =
            (varint(&mut it), varint(&mut it), varint(&mut it))
        else {
            break;
        };
        let start = (start * 2) as usize;
        out.push(ExcEntry {
            start,
            end: start + (len * 2) as usize,
            target: (target * 2) as usize,
            depth: dl >> 1,
            lasti: dl & 1 != 0,
        });
    }
    out
}

fn is_backward(t: &OpTable, op: u8) -> bool {
    t.name(op).contains("JUMP_BACKWARD")
}

/// The jump target of `ins`, if it jumps.
fn jump_target(t: &OpTable, v: PyVersion, ins: &Instr) -> Option<usize> {
    let arg = ins.arg?;
    let caches = if v >= PyVersion::V3_12 {
        t.cache[ins.op as usize] as i64
    } else {
        0
    };
    let rel = if v >= PyVersion::V3_13 {
        t.has(Kind::Jump, ins.op) && !t.has(Kind::Jabs, ins.op) || t.has(Kind::Jrel, ins.op)
    } else {
        t.has(Kind::Jrel, ins.op)
    };
    let scale = if v >= PyVersion::V3_10 { 2 } else { 1 };
    if rel {
        let signed = if is_backward(t, ins.op) { -arg } else { arg };
        let target = ins.offset as i64 + 2 + signed * scale + 2 * caches;
        usize::try_from(target).ok()
    } else if t.has(Kind::Jabs, ins.op) {
        usize::try_from(arg * scale).ok()
    } else {
        None
    }
}

fn name_at(list: &[String], i: i64, what: &str, code: &Code<'_, '_>) -> Result<String, CodeError> {
    usize::try_from(i)
        .ok()
        .and_then(|i| list.get(i))
        .cloned()
        .ok_or_else(|| {
            CodeError::new(format!(
                "code object {:?}: {what} index {i} out of range",
                code.name
            ))
        })
}

fn disassemble_one(code: &Code<'_, '_>, v: PyVersion, out: &mut String) -> Result<(), CodeError> {
    let t = v.table();
    let ins = unpack(&code.bytecode, t).ok_or_else(|| {
        CodeError::new(format!(
            "code object {:?} is not valid CPython {v} bytecode",
            code.name
        ))
    })?;
    // Line starts: offset -> line (None: an instruction with no line, 3.13).
    let starts: Vec<(usize, Option<i64>)> = match v {
        PyVersion::V2_7 | PyVersion::V3_6 | PyVersion::V3_7 | PyVersion::V3_8 | PyVersion::V3_9 => {
            let stop = (v >= PyVersion::V3_8).then_some(code.bytecode.len());
            lines::starts_lnotab(
                &code.linetable,
                code.firstlineno,
                stop,
                v >= PyVersion::V3_6,
            )
            .into_iter()
            .map(|(o, l)| (o, Some(l)))
            .collect()
        }
        PyVersion::V3_10 => {
            lines::starts_from_ranges(&lines::ranges_310(&code.linetable, code.firstlineno))
                .into_iter()
                .map(|(o, l)| (o, Some(l)))
                .collect()
        }
        PyVersion::V3_11 | PyVersion::V3_12 => {
            lines::starts_from_ranges(&lines::ranges_311(&code.linetable, code.firstlineno))
                .into_iter()
                .map(|(o, l)| (o, Some(l)))
                .collect()
        }
        PyVersion::V3_13 => {
            let mut out = Vec::new();
            let mut last: Option<Option<i64>> = None;
            for (start, _, line) in lines::ranges_311(&code.linetable, code.firstlineno) {
                if last != Some(line) {
                    last = Some(line);
                    out.push((start, line));
                }
            }
            out
        }
    };
    let linestarts: HashMap<usize, Option<i64>> = starts.iter().copied().collect();
    let exc = if v >= PyVersion::V3_11 {
        exception_entries(code.exceptiontable.unwrap_or(&[]))
    } else {
        Vec::new()
    };
    let mut labels: BTreeSet<usize> = ins.iter().filter_map(|i| jump_target(t, v, i)).collect();
    if v < PyVersion::V3_13 {
        for e in &exc {
            labels.insert(e.target);
        }
    } else {
        for e in &exc {
            labels.insert(e.start);
            labels.insert(e.end);
            labels.insert(e.target);
        }
    }
    let label_no: HashMap<usize, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, o)| (*o, i + 1))
        .collect();
    let cells = cell_names(code);
    let plus = localsplus(code);

    // Column widths.
    let max_line = starts.iter().filter_map(|(_, l)| *l).max();
    let lineno_width = if v >= PyVersion::V3_13 {
        match max_line {
            None => 0,
            Some(m) => {
                let w = 3.max(m.to_string().len());
                if w < 4 && starts.iter().any(|(_, l)| l.is_none()) {
                    4
                } else {
                    w
                }
            }
        }
    } else if starts.is_empty() {
        0
    } else {
        let m = max_line.unwrap_or(0);
        if m >= 1000 {
            m.to_string().len()
        } else {
            3
        }
    };
    let maxoffset = code.bytecode.len().saturating_sub(2);
    let offset_width = if maxoffset >= 10000 {
        maxoffset.to_string().len()
    } else {
        4
    };
    let label_width = 4 + label_no.len().to_string().len();

    for i in &ins {
        let name = t.name(i.op);
        let (argrepr, _) = arg_repr(code, v, t, i, &label_no, &cells, &plus)?;
        let starts_here = linestarts.get(&i.offset);
        let mut fields: Vec<String> = Vec::new();
        if v >= PyVersion::V3_13 {
            if lineno_width > 0 && starts_here.is_some() && i.offset > 0 {
                out.push('\n');
            }
            if lineno_width > 0 {
                match starts_here {
                    Some(Some(l)) => fields.push(format!("{l:>lineno_width$}")),
                    Some(None) => fields.push(format!("{:>lineno_width$}", "  --")),
                    None => fields.push(" ".repeat(lineno_width)),
                }
            }
            match label_no.get(&i.offset) {
                Some(n) => fields.push(format!("{:>label_width$}", format!("L{n}:"))),
                None => fields.push(" ".repeat(label_width)),
            }
            fields.push("   ".into());
            fields.push(format!("{name:<20}"));
            if let Some(a) = i.arg {
                let excess = name.len().saturating_sub(20);
                let w = 5usize.saturating_sub(excess);
                fields.push(format!("{a:>w$}"));
                if !argrepr.is_empty() {
                    fields.push(format!("({argrepr})"));
                }
            }
        } else {
            if lineno_width > 0 && starts_here.is_some() && i.offset > 0 {
                out.push('\n');
            }
            if lineno_width > 0 {
                match starts_here {
                    Some(Some(l)) => fields.push(format!("{l:>lineno_width$}")),
                    _ => fields.push(" ".repeat(lineno_width)),
                }
            }
            fields.push("   ".into());
            fields.push(if labels.contains(&i.offset) {
                ">>".into()
            } else {
                "  ".into()
            });
            fields.push(format!("{:>offset_width$}", i.offset));
            fields.push(format!("{name:<20}"));
            if let Some(a) = i.arg {
                fields.push(format!("{a:>5}"));
                if !argrepr.is_empty() {
                    fields.push(format!("({argrepr})"));
                }
            }
        }
        let line = fields.join(" ");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !exc.is_empty() {
        out.push_str("ExceptionTable:\n");
        for e in &exc {
            let lasti = if e.lasti { " lasti" } else { "" };
            if v >= PyVersion::V3_13 {
                let _ = writeln!(
                    out,
                    "  L{} to L{} -> L{} [{}]{lasti}",
                    label_no[&e.start], label_no[&e.end], label_no[&e.target], e.depth
                );
            } else {
                let _ = writeln!(
                    out,
                    "  {} to {} -> {} [{}]{lasti}",
                    e.start,
                    e.end as i64 - 2,
                    e.target,
                    e.depth
                );
            }
        }
    }
    Ok(())
}

/// `repr()` of a Python 2 `str` (`unicode: false`, read as bytes) or
/// `unicode` (`unicode: true`), without the `u` prefix: CPython 2.7's
/// quoting and escapes.
fn py2_quote(chars: &[u32], unicode: bool) -> String {
    let q = if chars.contains(&('\'' as u32)) && !chars.contains(&('"' as u32)) {
        '"'
    } else {
        '\''
    };
    let mut s = String::with_capacity(chars.len() + 2);
    s.push(q);
    for &c in chars {
        match char::from_u32(c) {
            Some(ch) if ch == q || ch == '\\' => {
                s.push('\\');
                s.push(ch);
            }
            _ if unicode && c >= 0x10000 => {
                let _ = write!(s, "\\U{c:08x}");
            }
            _ if unicode && c >= 0x100 => {
                let _ = write!(s, "\\u{c:04x}");
            }
            Some('\t') => s.push_str("\\t"),
            Some('\n') => s.push_str("\\n"),
            Some('\r') => s.push_str("\\r"),
            _ if !(0x20..0x7f).contains(&c) => {
                let _ = write!(s, "\\x{c:02x}");
            }
            Some(ch) => s.push(ch),
            None => {}
        }
    }
    s.push(q);
    s
}

/// The repr of a constant as CPython 2.7's `dis` prints it: a Python 2
/// `str` (`bytes` here, when the pickle was read with `encoding="bytes"`)
/// as `'...'`, `unicode` as `u'...'`, a `long` with an `L` (beyond 64 bits
/// always; within 64 bits when the graph was decoded with
/// `Unpickler::keep_long_flags`, which keeps LONG1 apart from BININT).
fn const_repr_27(node: brinery::NodeRef<'_, '_>) -> String {
    if Code::from_node(node).is_some() {
        return const_repr(node);
    }
    match node.node() {
        Some(brinery::Node::Bytes(b)) => {
            py2_quote(&b.iter().map(|&c| c as u32).collect::<Vec<_>>(), false)
        }
        Some(brinery::Node::Str(_)) if node.as_str().is_some() => {
            let chars: Vec<u32> = node.as_str().unwrap_or("").chars().map(u32::from).collect();
            format!("u{}", py2_quote(&chars, true))
        }
        Some(brinery::Node::BigInt(_)) => format!("{}L", const_repr(node)),
        Some(brinery::Node::Int(_))
            if node.id().is_some_and(|id| node.graph().written_as_long(id)) =>
        {
            format!("{}L", const_repr(node))
        }
        Some(brinery::Node::Tuple(items)) => tuple_repr(node, items, const_repr_27),
        _ => const_repr(node),
    }
}

/// `dis.disassemble(co)` of CPython 2.7: its print statements write every
/// field followed by a blank (no trailing strip), the line number column
/// always, and no nested code objects.
fn disassemble_27(code: &Code<'_, '_>, out: &mut String) -> Result<(), CodeError> {
    let t = PyVersion::V2_7.table();
    let ins = unpack_27(&code.bytecode, t).ok_or_else(|| {
        CodeError::new(format!(
            "code object {:?} is not valid CPython 2.7 bytecode",
            code.name
        ))
    })?;
    // dis.findlabels reads the 16-bit arguments without EXTENDED_ARG.
    let mut labels = BTreeSet::new();
    for i in &ins {
        let Some(raw) = i.arg.map(|a| (a & 0xffff) as usize) else {
            continue;
        };
        if t.has(Kind::Jrel, i.op) {
            labels.insert(i.offset + 3 + raw);
        } else if t.has(Kind::Jabs, i.op) {
            labels.insert(raw);
        }
    }
    let starts: HashMap<usize, i64> =
        lines::starts_lnotab(&code.linetable, code.firstlineno, None, false)
            .into_iter()
            .collect();
    let free = cell_names(code);
    for i in &ins {
        let mut fields: Vec<String> = Vec::with_capacity(7);
        match starts.get(&i.offset) {
            Some(l) => {
                if i.offset > 0 {
                    out.push('\n');
                }
                fields.push(format!("{l:>3}"));
            }
            None => fields.push("   ".into()),
        }
        fields.push("   ".into());
        fields.push(
            if labels.contains(&i.offset) {
                ">>"
            } else {
                "  "
            }
            .into(),
        );
        fields.push(format!("{:>4}", i.offset));
        fields.push(format!("{:<20}", t.name(i.op)));
        if let Some(a) = i.arg {
            let l = if i.long { "L" } else { "" };
            fields.push(format!("{:>5}", format!("{a}{l}")));
            let detail = if t.has(Kind::Const, i.op) {
                let c = usize::try_from(a).ok().and_then(|k| code.consts.get(k));
                match c {
                    Some(c) => Some(const_repr_27(*c)),
                    None => {
                        return Err(CodeError::new(format!(
                            "code object {:?}: constant index {a} out of range",
                            code.name
                        )))
                    }
                }
            } else if t.has(Kind::Name, i.op) {
                Some(name_at(&code.names, a, "name", code)?)
            } else if t.has(Kind::Jrel, i.op) {
                Some(format!("to {}{l}", i.offset as i64 + 3 + a))
            } else if t.has(Kind::Local, i.op) {
                Some(name_at(&code.varnames, a, "local", code)?)
            } else if t.has(Kind::Compare, i.op) {
                let c = usize::try_from(a).ok().and_then(|k| t.cmp_op.get(k));
                Some(
                    c.ok_or_else(|| CodeError::new(format!("compare op {a} out of range")))?
                        .to_string(),
                )
            } else if t.has(Kind::Free, i.op) {
                Some(name_at(&free, a, "cell", code)?)
            } else {
                None
            };
            if let Some(d) = detail {
                fields.push(format!("({d})"));
            }
        }
        out.push_str(&fields.join(" "));
        out.push('\n');
    }
    Ok(())
}

const MAKE_FUNCTION_FLAGS: [&str; 4] = ["defaults", "kwdefaults", "annotations", "closure"];

fn arg_repr(
    code: &Code<'_, '_>,
    v: PyVersion,
    t: &OpTable,
    i: &Instr,
    label_no: &HashMap<usize, usize>,
    cells: &[String],
    plus: &[String],
) -> Result<(String, ()), CodeError> {
    let Some(arg) = i.arg else {
        return Ok((String::new(), ()));
    };
    let op = i.op;
    let name = t.name(op);
    let modern = v >= PyVersion::V3_11;
    let s = if t.has(Kind::Const, op) {
        if v == PyVersion::V3_11 && name != "LOAD_CONST" {
            String::new()
        } else {
            let idx = usize::try_from(arg).ok();
            match idx.and_then(|k| code.consts.get(k)) {
                Some(c) => const_repr(*c),
                None => {
                    return Err(CodeError::new(format!(
                        "code object {:?}: constant index {arg} out of range",
                        code.name
                    )))
                }
            }
        }
    } else if t.has(Kind::Name, op) {
        // LOAD_GLOBAL (3.11+), LOAD_ATTR and LOAD_SUPER_ATTR (3.12+) keep
        // flags in the low bits; bit 0 pushes NULL (or self) as well.
        let flagged = match name {
            "LOAD_GLOBAL" if modern => Some((1, "NULL")),
            "LOAD_ATTR" if v >= PyVersion::V3_12 => Some((1, "NULL|self")),
            "LOAD_SUPER_ATTR" if v >= PyVersion::V3_12 => Some((2, "NULL|self")),
            _ => None,
        };
        if let Some((shift, extra)) = flagged {
            let n = name_at(&code.names, arg >> shift, "name", code)?;
            match (arg & 1 != 0, v >= PyVersion::V3_13) {
                (false, _) => n,
                (true, true) => format!("{n} + {extra}"),
                (true, false) => format!("{extra} + {n}"),
            }
        } else {
            name_at(&code.names, arg, "name", code)?
        }
    } else if t.is_jump(op)
        && (v >= PyVersion::V3_10 || t.has(Kind::Jrel, op))
        && (v >= PyVersion::V3_13 || t.has(Kind::Jrel, op) || t.has(Kind::Jabs, op))
    {
        let target = jump_target(t, v, i).unwrap_or(0);
        if v >= PyVersion::V3_13 {
            format!("to L{}", label_no.get(&target).copied().unwrap_or(0))
        } else {
            format!("to {target}")
        }
    } else if v >= PyVersion::V3_13
        && matches!(
            name,
            "LOAD_FAST_LOAD_FAST" | "STORE_FAST_LOAD_FAST" | "STORE_FAST_STORE_FAST"
        )
    {
        let a = name_at(plus, arg >> 4, "local", code)?;
        let b = name_at(plus, arg & 15, "local", code)?;
        format!("{a}, {b}")
    } else if t.has(Kind::Jabs, op) {
        String::new() // 3.8/3.9 print no target for absolute jumps
    } else if t.has(Kind::Local, op) || (modern && t.has(Kind::Free, op)) {
        if modern {
            name_at(plus, arg, "local", code)?
        } else {
            name_at(&code.varnames, arg, "local", code)?
        }
    } else if t.has(Kind::Compare, op) {
        let idx = match v {
            PyVersion::V3_13 => arg >> 5,
            PyVersion::V3_12 => arg >> 4,
            _ => arg,
        };
        let c = usize::try_from(idx)
            .ok()
            .and_then(|k| t.cmp_op.get(k))
            .copied()
            .ok_or_else(|| CodeError::new(format!("compare op {arg} out of range")))?
            .to_string();
        if v >= PyVersion::V3_13 && arg & 16 != 0 {
            format!("bool({c})")
        } else {
            c
        }
    } else if t.has(Kind::Free, op) {
        name_at(cells, arg, "cell", code)?
    } else if name == "FORMAT_VALUE" {
        let mut s = ["", "str", "repr", "ascii"][(arg & 3) as usize].to_string();
        if arg & 4 != 0 {
            if !s.is_empty() {
                s.push_str(", ");
            }
            s.push_str("with format");
        }
        s
    } else if name == "CONVERT_VALUE" {
        ["", "str", "repr", "ascii"]
            .get(arg as usize)
            .copied()
            .unwrap_or("")
            .to_string()
    } else if (name == "MAKE_FUNCTION" && v >= PyVersion::V3_8) || name == "SET_FUNCTION_ATTRIBUTE"
    {
        MAKE_FUNCTION_FLAGS
            .iter()
            .enumerate()
            .filter(|(k, _)| arg & (1 << k) != 0)
            .map(|(_, s)| *s)
            .collect::<Vec<_>>()
            .join(", ")
    } else if name == "BINARY_OP" {
        t.nb_ops
            .get(arg as usize)
            .copied()
            .unwrap_or("")
            .to_string()
    } else if name == "CALL_INTRINSIC_1" {
        t.intrinsic1
            .get(arg as usize)
            .copied()
            .unwrap_or("")
            .to_string()
    } else if name == "CALL_INTRINSIC_2" {
        t.intrinsic2
            .get(arg as usize)
            .copied()
            .unwrap_or("")
            .to_string()
    } else {
        String::new()
    };
    Ok((s, ()))
}

/// Names used by LOAD_GLOBAL / STORE_GLOBAL / DELETE_GLOBAL, nested code
/// included, in first-use order.
pub(crate) fn globals_referenced(code: &Code<'_, '_>, version: Option<PyVersion>) -> Vec<String> {
    let Some(v) = version.or_else(|| code.detect_version()) else {
        return Vec::new();
    };
    let t = v.table();
    let mut out: Vec<String> = Vec::new();
    let mut stack = vec![code.clone()];
    let mut n = 0;
    while let Some(c) = stack.pop() {
        n += 1;
        if n > 10_000 {
            break;
        }
        if let Some(ins) = unpack(&c.bytecode, t) {
            for i in ins {
                let name = t.name(i.op);
                if !matches!(name, "LOAD_GLOBAL" | "STORE_GLOBAL" | "DELETE_GLOBAL") {
                    continue;
                }
                let Some(arg) = i.arg else { continue };
                let idx = if v >= PyVersion::V3_11 && name == "LOAD_GLOBAL" {
                    arg >> 1
                } else {
                    arg
                };
                if let Some(s) = usize::try_from(idx).ok().and_then(|k| c.names.get(k)) {
                    if !out.contains(s) {
                        out.push(s.clone());
                    }
                }
            }
        }
        for k in c.consts.iter().rev() {
            if let Some(inner) = Code::from_node(*k) {
                stack.push(inner);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::PyVersion;

    /// `tuple` indexes its table by the variant: ALL is in declaration
    /// order.
    #[test]
    fn versions_in_declaration_order() {
        for (i, v) in PyVersion::ALL.into_iter().enumerate() {
            assert_eq!(v as usize, i);
            assert_eq!(PyVersion::parse(&v.to_string()), Some(v));
        }
        assert_eq!(PyVersion::V2_7.tuple(), (2, 7));
        assert_eq!(PyVersion::V3_13.to_string(), "3.13");
    }
}
