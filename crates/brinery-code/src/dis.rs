//! `dis.dis()` of a pickled code object, as each CPython version prints it.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

use crate::code::{Code, CodeError};
use crate::lines;
use crate::tables;

/// One CPython version's opcode table (generated: `src/tables.rs`).
#[derive(Debug)]
pub struct OpTable {
    /// `(major, minor)`.
    pub version: (u8, u8),
    /// `opcode.opname`, `<N>` for unused numbers.
    pub opname: [&'static str; 256],
    /// `opcode.HAVE_ARGUMENT`.
    pub have_argument: u8,
    /// `opcode.EXTENDED_ARG`.
    pub extended_arg: u8,
    /// Bit sets of the `opcode.has*` lists.
    pub hasconst: [u64; 4],
    #[allow(missing_docs)]
    pub hasname: [u64; 4],
    #[allow(missing_docs)]
    pub hasjrel: [u64; 4],
    #[allow(missing_docs)]
    pub hasjabs: [u64; 4],
    #[allow(missing_docs)]
    pub haslocal: [u64; 4],
    #[allow(missing_docs)]
    pub hascompare: [u64; 4],
    #[allow(missing_docs)]
    pub hasfree: [u64; 4],
    #[allow(missing_docs)]
    pub hasarg: [u64; 4],
    #[allow(missing_docs)]
    pub hasexc: [u64; 4],
    #[allow(missing_docs)]
    pub hasjump: [u64; 4],
    /// Inline cache entries after each opcode (3.11+).
    pub cache: [u8; 256],
    /// `opcode.cmp_op`.
    pub cmp_op: &'static [&'static str],
    /// `BINARY_OP` argument names (3.11+).
    pub nb_ops: &'static [&'static str],
    /// `CALL_INTRINSIC_1` names (3.12+).
    pub intrinsic1: &'static [&'static str],
    /// `CALL_INTRINSIC_2` names (3.12+).
    pub intrinsic2: &'static [&'static str],
}

fn has(set: &[u64; 4], op: u8) -> bool {
    set[(op / 64) as usize] & (1 << (op % 64)) != 0
}

impl OpTable {
    fn takes_arg(&self, op: u8) -> bool {
        if self.version >= (3, 13) {
            has(&self.hasarg, op)
        } else {
            op >= self.have_argument
        }
    }
    fn op(&self, name: &str) -> Option<u8> {
        self.opname.iter().position(|n| *n == name).map(|i| i as u8)
    }
    fn is_jump(&self, op: u8) -> bool {
        if self.version >= (3, 13) {
            has(&self.hasjump, op) || has(&self.hasexc, op)
        } else {
            has(&self.hasjrel, op) || has(&self.hasjabs, op)
        }
    }
}

/// A CPython version whose bytecode brinery can disassemble.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PyVersion {
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
    pub const ALL: [PyVersion; 6] = [
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

    /// The opcode table.
    pub fn table(self) -> &'static OpTable {
        tables::ALL[self as usize]
    }
}

impl std::fmt::Display for PyVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (a, b) = self.table().version;
        write!(f, "{a}.{b}")
    }
}

struct Instr {
    offset: usize,
    op: u8,
    arg: Option<i64>,
}

/// The instructions of `code` (caches skipped), or `None` if an opcode is
/// not defined in `t` or a cache entry is not zero (pickled code is never
/// specialised, so its caches are zero).
fn unpack(code: &[u8], t: &OpTable) -> Option<Vec<Instr>> {
    let mut out = Vec::new();
    let mut ext: i64 = 0;
    let mut i = 0;
    while i + 1 < code.len() {
        let op = code[i];
        // An undefined opcode, or a CACHE word where an instruction must
        // be (the code was written by a version with more cache entries).
        if t.opname[op as usize].starts_with('<') || t.opname[op as usize] == "CACHE" {
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
        out.push(Instr { offset: i, op, arg });
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

impl<'g, 'a> Code<'g, 'a> {
    /// The CPython version that wrote this code object: the newest version
    /// whose constructor form, line table and opcode table fit it (3.8 and
    /// 3.9 differ only in opcodes that most code does not use; where both
    /// fit, their `dis` output is the same).
    pub fn detect_version(&self) -> Option<PyVersion> {
        let candidates: &[PyVersion] = if self.qualname.is_some() {
            &[PyVersion::V3_13, PyVersion::V3_12, PyVersion::V3_11]
        } else {
            // 3.10's line table covers the whole bytecode; co_lnotab's
            // address increments stop at the last line start.
            let covered: usize = self.linetable.chunks_exact(2).map(|p| p[0] as usize).sum();
            if covered == self.bytecode.len() && !self.bytecode.is_empty() {
                &[PyVersion::V3_10, PyVersion::V3_9, PyVersion::V3_8]
            } else {
                &[PyVersion::V3_9, PyVersion::V3_8, PyVersion::V3_10]
            }
        };
        let fits = |v: PyVersion| -> bool {
            let t = v.table();
            let Some(ins) = unpack(self.bytecode, t) else {
                return false;
            };
            if v >= PyVersion::V3_11 {
                // Every 3.11+ function body starts with RESUME (after the
                // cell set-up opcodes).
                let resume = t.op("RESUME");
                let ok = ins.iter().map(|i| i.op).find(|&op| {
                    !matches!(
                        t.opname[op as usize],
                        "MAKE_CELL" | "COPY_FREE_VARS" | "RETURN_GENERATOR" | "POP_TOP" | "NOP"
                    )
                });
                if ok != resume {
                    return false;
                }
            }
            // Nested code objects must fit the same version.
            self.consts.iter().all(|c| match Code::from_node(*c) {
                Some(inner) => unpack(inner.bytecode, t).is_some(),
                None => true,
            })
        };
        candidates.iter().copied().find(|&v| fits(v))
    }

    /// `dis.dis(code)` as the given CPython version prints it (nested code
    /// objects included), or as the detected version prints it.
    pub fn dis(&self, version: Option<PyVersion>) -> Result<String, CodeError> {
        let v = match version {
            Some(v) => v,
            None => self.detect_version().ok_or_else(|| {
                CodeError::new(format!(
                    "cannot tell which CPython wrote code object {:?}: its bytecode fits none of 3.8-3.13",
                    self.name
                ))
            })?,
        };
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
        if m == "builtins" && f == "complex" {
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
        Some(brinery::Node::Tuple(items)) => {
            let parts: Vec<String> = items
                .iter()
                .map(|i| const_repr(node.graph().view(*i)))
                .collect();
            if parts.len() == 1 {
                format!("({},)", parts[0])
            } else {
                format!("({})", parts.join(", "))
            }
        }
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
    fn varint(it: &mut std::slice::Iter<'_, u8>) -> Option<u64> {
        let mut b = *it.next()? as u64;
        let mut val = b & 63;
        let mut n = 0;
        while b & 64 != 0 {
            b = *it.next()? as u64;
            val = (val << 6) | (b & 63);
            n += 1;
            if n > 10 {
                return None;
            }
        }
        Some(val)
    }
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
    t.opname[op as usize].contains("JUMP_BACKWARD")
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
        has(&t.hasjump, ins.op) && !has(&t.hasjabs, ins.op) || has(&t.hasjrel, ins.op)
    } else {
        has(&t.hasjrel, ins.op)
    };
    let scale = if v >= PyVersion::V3_10 { 2 } else { 1 };
    if rel {
        let signed = if is_backward(t, ins.op) { -arg } else { arg };
        let target = ins.offset as i64 + 2 + signed * scale + 2 * caches;
        usize::try_from(target).ok()
    } else if has(&t.hasjabs, ins.op) {
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
    let ins = unpack(code.bytecode, t).ok_or_else(|| {
        CodeError::new(format!(
            "code object {:?} is not valid CPython {v} bytecode",
            code.name
        ))
    })?;
    // Line starts: offset -> line (None: an instruction with no line, 3.13).
    let starts: Vec<(usize, Option<i64>)> = match v {
        PyVersion::V3_8 | PyVersion::V3_9 => {
            lines::starts_lnotab(code.linetable, code.firstlineno, code.bytecode.len())
                .into_iter()
                .map(|(o, l)| (o, Some(l)))
                .collect()
        }
        PyVersion::V3_10 => {
            lines::starts_from_ranges(&lines::ranges_310(code.linetable, code.firstlineno))
                .into_iter()
                .map(|(o, l)| (o, Some(l)))
                .collect()
        }
        PyVersion::V3_11 | PyVersion::V3_12 => {
            lines::starts_from_ranges(&lines::ranges_311(code.linetable, code.firstlineno))
                .into_iter()
                .map(|(o, l)| (o, Some(l)))
                .collect()
        }
        PyVersion::V3_13 => {
            let mut out = Vec::new();
            let mut last: Option<Option<i64>> = None;
            for (start, _, line) in lines::ranges_311(code.linetable, code.firstlineno) {
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
    let cells: Vec<String> = code
        .cellvars
        .iter()
        .chain(&code.freevars)
        .cloned()
        .collect();
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
        let name = t.opname[i.op as usize];
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
    let name = t.opname[op as usize];
    let modern = v >= PyVersion::V3_11;
    let s = if has(&t.hasconst, op) {
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
    } else if has(&t.hasname, op) {
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
        && (v >= PyVersion::V3_10 || has(&t.hasjrel, op))
        && (v >= PyVersion::V3_13 || has(&t.hasjrel, op) || has(&t.hasjabs, op))
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
    } else if has(&t.hasjabs, op) {
        String::new() // 3.8/3.9 print no target for absolute jumps
    } else if has(&t.haslocal, op) || (modern && has(&t.hasfree, op)) {
        if modern {
            name_at(plus, arg, "local", code)?
        } else {
            name_at(&code.varnames, arg, "local", code)?
        }
    } else if has(&t.hascompare, op) {
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
    } else if has(&t.hasfree, op) {
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
    } else if name == "MAKE_FUNCTION" || name == "SET_FUNCTION_ATTRIBUTE" {
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
        if let Some(ins) = unpack(c.bytecode, t) {
            for i in ins {
                let name = t.opname[i.op as usize];
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
