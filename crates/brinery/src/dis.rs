//! A symbolic pickle disassembler whose output is byte-identical to
//! `pickletools.dis` (and `python -m pickletools`).
//!
//! Besides printing, the disassembler emulates the unpickler's stack, memo
//! and mark stack just as `pickletools` does, and stops with the same
//! complaints: everything printed up to the failing opcode is written to the
//! output, then a [`DisError`] is returned whose `Display` is the last line of
//! Python's traceback.

use std::fmt::Write as _;
use std::io::{BufWriter, Read, Write};

use hashbrown::HashMap;

use crate::genops::{
    skip_block, ArgValue, DisError, DisErrorKind, Genops, MemoKey, PyText, RawBlockHook,
};
use crate::opcodes::{Opcode, OpcodeInfo, StackKind};

/// Options of the disassembler, named after `python -m pickletools`' flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisOptions {
    /// `-a`: the column hint for annotations; 0 means no annotations. The
    /// command line uses 30 ([`DisOptions::CLI_ANNOTATE`]).
    pub annotate: usize,
    /// `-l N`: blanks by which to indent each MARK level (default 4).
    pub indentlevel: usize,
    /// `-m`: share one memo across the inputs of [`dis_files`].
    pub memo: bool,
    /// `-p`: the line printed before each input when [`dis_files`] gets more
    /// than one (default `"==> {name} <=="`, a Python format string).
    pub preamble: String,
}

impl DisOptions {
    /// The annotation column `python -m pickletools -a` uses.
    pub const CLI_ANNOTATE: usize = 30;
    /// The default preamble of `python -m pickletools`.
    pub const DEFAULT_PREAMBLE: &'static str = "==> {name} <==";
}

impl Default for DisOptions {
    fn default() -> DisOptions {
        DisOptions {
            annotate: 0,
            indentlevel: 4,
            memo: false,
            preamble: DisOptions::DEFAULT_PREAMBLE.to_string(),
        }
    }
}

/// The memo the disassembler emulates: which keys have been stored into, and
/// the kind of object stored. Pass the same one to several
/// [`dis_with_memo`] calls to disassemble pickles written by one pickler.
///
/// Keys are dense in real pickles (MEMOIZE and the picklers' PUTs count up
/// from 0), so they are kept in a vector of one byte per key, growing as
/// keys arrive (a key far above the others goes to a map instead: a
/// hostile key never sizes an allocation).
#[derive(Clone, Debug, Default)]
pub struct DisMemo {
    dense: Vec<Option<StackKind>>,
    sparse: HashMap<MemoKey, StackKind>,
    len: usize,
}

/// How far above the dense part a key may be and still extend it.
const DENSE_GAP: usize = 4096;

impl DisMemo {
    fn dense_index(&self, key: &MemoKey) -> Option<usize> {
        match key {
            MemoKey::Small(k) => usize::try_from(*k)
                .ok()
                .filter(|&k| k < self.dense.len() + DENSE_GAP),
            MemoKey::Big(_) => None,
        }
    }

    fn get(&self, key: &MemoKey) -> Option<StackKind> {
        match self.dense_index(key) {
            Some(i) => self
                .dense
                .get(i)
                .copied()
                .flatten()
                // A key stored far away before the dense part reached it.
                .or_else(|| self.sparse.get(key).copied()),
            None => self.sparse.get(key).copied(),
        }
    }

    fn contains(&self, key: &MemoKey) -> bool {
        self.get(key).is_some()
    }

    /// Store `kind` under a key not yet stored.
    fn insert(&mut self, key: MemoKey, kind: StackKind) {
        match self.dense_index(&key) {
            Some(i) => {
                if i >= self.dense.len() {
                    self.dense.resize(i + 1, None);
                }
                self.dense[i] = Some(kind);
            }
            None => {
                self.sparse.insert(key, kind);
            }
        }
        self.len += 1;
    }
}

impl DisMemo {
    /// An empty memo.
    pub fn new() -> DisMemo {
        DisMemo::default()
    }

    /// The number of keys stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no key is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forget every key.
    pub fn clear(&mut self) {
        self.dense.clear();
        self.sparse.clear();
        self.len = 0;
    }
}

/// Disassemble one pickle (up to its `STOP`) from `input` into `out`, like
/// `pickletools.dis(input, out, None, opts.indentlevel, opts.annotate)`.
pub fn dis<R: Read, W: Write + ?Sized>(
    input: R,
    out: &mut W,
    opts: &DisOptions,
) -> Result<(), DisError> {
    dis_with_memo(input, out, opts, &mut DisMemo::new())
}

/// [`dis`] with a caller-supplied memo (`pickletools.dis(..., memo=memo)`).
pub fn dis_with_memo<R: Read, W: Write + ?Sized>(
    input: R,
    out: &mut W,
    opts: &DisOptions,
    memo: &mut DisMemo,
) -> Result<(), DisError> {
    dis_genops(&mut Genops::new(input), out, opts, memo)
}

/// Disassemble the next pickle of an instruction stream. Positions continue
/// from where `ops` stands, as they do when `pickletools.dis` is handed the
/// same open file several times; loop with [`Genops::at_eof`] to go through
/// every pickle of a stream (the command line itself only disassembles the
/// first pickle of each file).
pub fn dis_genops<R: Read, W: Write + ?Sized>(
    ops: &mut Genops<R>,
    out: &mut W,
    opts: &DisOptions,
    memo: &mut DisMemo,
) -> Result<(), DisError> {
    dis_genops_raw(ops, out, opts, memo, None)
}

/// [`dis_genops`] consulting `raw` after each instruction: a `RawBlock`
/// it declares is shown as one line (`  912: [array bytes: 4000 B]`, and
/// `[padding: N B]` before it when padded) and disassembly goes on after it.
pub fn dis_genops_raw<R: Read, W: Write + ?Sized>(
    ops: &mut Genops<R>,
    out: &mut W,
    opts: &DisOptions,
    memo: &mut DisMemo,
    raw: Option<&mut RawBlockHook<'_>>,
) -> Result<(), DisError> {
    ops.next_pickle();
    // pickletools prints to a buffered stream; so do we, flushing whatever
    // was printed before an error too.
    let mut buffered = BufWriter::with_capacity(64 * 1024, out);
    let result = dis_buffered(ops, &mut buffered, opts, memo, raw);
    let flushed = buffered.flush();
    result?;
    flushed?;
    Ok(())
}

fn dis_buffered<R: Read, W: Write>(
    ops: &mut Genops<R>,
    out: &mut W,
    opts: &DisOptions,
    memo: &mut DisMemo,
    mut raw: Option<&mut RawBlockHook<'_>>,
) -> Result<(), DisError> {
    let mut d = Disassembler {
        stack: Vec::new(),
        markstack: Vec::new(),
        maxproto: -1,
        annocol: opts.annotate,
        opts,
        line: String::new(),
        heads: vec![None; 256],
    };
    while let Some(instr) = ops.next() {
        let instr = instr?;
        d.step(instr.op, instr.pos, &instr.arg, memo, out)?;
        let block = raw.as_mut().and_then(|h| h(&instr));
        if instr.op.op == Opcode::Stop {
            break;
        }
        if let Some(block) = block.as_ref().filter(|b| b.pickle) {
            // A nested pickle: disassembled in place, with its own stack.
            let at = Genops::position(ops);
            writeln!(out, "{at:5}: [{}: nested pickle]", block.label)?;
            dis_buffered(ops, out, opts, &mut DisMemo::new(), None)?;
            ops.next_pickle();
            writeln!(out, "{:5}: [end of {}]", Genops::position(ops), block.label)?;
        } else if let Some(block) = block {
            let (pad_at, at) = skip_block(ops, &block)?;
            if block.padded {
                writeln!(out, "{pad_at:5}: [padding: {} B]", at - pad_at)?;
            }
            writeln!(out, "{at:5}: [{}: {} B]", block.label, block.len)?;
        }
    }
    writeln!(out, "highest protocol among opcodes = {}", d.maxproto)?;
    if !d.stack.is_empty() {
        let names: Vec<&str> = d.stack.iter().map(|k| k.name()).collect();
        return Err(DisError::value(format!(
            "stack not empty after STOP: [{}]",
            names.join(", ")
        )));
    }
    Ok(())
}

/// Disassemble several inputs the way `python -m pickletools FILE...` does:
/// with more than one input, each is preceded by the preamble line (with
/// `{name}` replaced by the input's name); with `opts.memo` one memo is
/// shared by all. Each input is disassembled up to its first `STOP`. Stops
/// at the first error, as the command line does.
pub fn dis_files<I, N, R, W>(inputs: I, out: &mut W, opts: &DisOptions) -> Result<(), DisError>
where
    I: IntoIterator<Item = (N, R)>,
    I::IntoIter: ExactSizeIterator,
    N: AsRef<str>,
    R: Read,
    W: Write + ?Sized,
{
    let inputs = inputs.into_iter();
    let several = inputs.len() > 1;
    let mut shared = DisMemo::new();
    for (name, input) in inputs {
        if several {
            let preamble = format_preamble(&opts.preamble, name.as_ref())?;
            out.write_all(preamble.as_bytes())?;
            out.write_all(b"\n")?;
        }
        let mut own = DisMemo::new();
        let memo = if opts.memo { &mut shared } else { &mut own };
        dis_genops_raw(&mut Genops::new(input), out, opts, memo, None)?;
    }
    Ok(())
}

/// `template.format(name=name)` for the preamble option. Supports `{name}`,
/// `{name!s}`, `{name!r}`, `{{` and `}}`; other replacement fields fail the
/// way Python fails for them where that is simple to tell (unknown names,
/// positional fields, lone braces), and with a `ValueError` otherwise.
pub fn format_preamble(template: &str, name: &str) -> Result<String, DisError> {
    let mut out = String::with_capacity(template.len() + name.len());
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let brace = rest.as_bytes()[i];
        let after = &rest[i + 1..];
        if brace == b'}' {
            if let Some(stripped) = after.strip_prefix('}') {
                out.push('}');
                rest = stripped;
                continue;
            }
            return Err(DisError::value("Single '}' encountered in format string"));
        }
        if let Some(stripped) = after.strip_prefix('{') {
            out.push('{');
            rest = stripped;
            continue;
        }
        let close = match after.find('}') {
            Some(c) => c,
            None => {
                return Err(DisError::value(if after.is_empty() {
                    "Single '{' encountered in format string"
                } else {
                    "expected '}' before end of string"
                }))
            }
        };
        let field = &after[..close];
        let (field_name, conversion) = match field.split_once('!') {
            Some((f, c)) => (f, Some(c)),
            None => (field, None),
        };
        match field_name {
            "name" => {}
            "" => {
                return Err(DisError::new(
                    DisErrorKind::IndexError,
                    "Replacement index 0 out of range for positional args tuple",
                ))
            }
            f if f.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(DisError::new(
                    DisErrorKind::IndexError,
                    format!("Replacement index {f} out of range for positional args tuple"),
                ))
            }
            f if !f.contains(['.', '[', ':']) => {
                return Err(DisError::new(
                    DisErrorKind::KeyError,
                    PyText::from(f.to_string()).repr(),
                ))
            }
            _ => {
                return Err(DisError::value(format!(
                    "unsupported replacement field {{{field}}} in preamble"
                )))
            }
        }
        match conversion {
            None | Some("s") => out.push_str(name),
            Some("r") => out.push_str(&PyText::from(name.to_string()).repr()),
            Some(_) => {
                return Err(DisError::value(format!(
                    "unsupported replacement field {{{field}}} in preamble"
                )))
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `repr(opcode.code)[1:-1]`.
fn code_repr(code: u8) -> String {
    let r = PyText::from_code_points([u32::from(code)])
        .unwrap_or_default()
        .repr();
    r[1..r.len() - 1].to_string()
}

/// The first line of pickletools' doc for an opcode.
fn annotation(op: &OpcodeInfo) -> &'static str {
    let table = crate::dis_docs::ANNOTATIONS;
    match table.binary_search_by_key(&op.code, |&(code, _)| code) {
        Ok(i) => table[i].1,
        Err(_) => op.doc,
    }
}

struct Disassembler<'o> {
    /// The emulated unpickler stack.
    stack: Vec<StackKind>,
    /// Positions of the MARK opcodes still open.
    markstack: Vec<u64>,
    maxproto: i32,
    annocol: usize,
    opts: &'o DisOptions,
    line: String,
    /// Per opcode byte: `"%-4s " % repr(code)[1:-1]` and the annotation.
    heads: Vec<Option<(String, &'static str)>>,
}

impl Disassembler<'_> {
    fn step<W: Write + ?Sized>(
        &mut self,
        op: &'static OpcodeInfo,
        pos: u64,
        arg: &ArgValue,
        memo: &mut DisMemo,
        out: &mut W,
    ) -> Result<(), DisError> {
        // The position goes out first: an error while the rest of the line
        // is built leaves it printed on its own, as in pickletools.
        let line = &mut self.line;
        line.clear();
        let _ = write!(line, "{pos:5}: ");
        out.write_all(line.as_bytes())?;
        line.clear();
        let (head, doc) = self.heads[usize::from(op.code)].get_or_insert_with(|| {
            let mut head = code_repr(op.code);
            for _ in head.chars().count()..4 {
                head.push(' ');
            }
            head.push(' ');
            (head, annotation(op))
        });
        let doc: &'static str = doc;
        line.push_str(head);
        for _ in 0..self.opts.indentlevel * self.markstack.len() {
            line.push(' ');
        }
        line.push_str(op.name);

        self.maxproto = self.maxproto.max(i32::from(op.proto));
        let before = op.stack_before;
        let mut after: &[StackKind] = op.stack_after;
        let mut numtopop = before.len();

        // See whether a MARK should be popped.
        let mut markmsg: Option<String> = None;
        let mut errormsg: Option<String> = None;
        if before.contains(&StackKind::Mark)
            || (op.op == Opcode::Pop && self.stack.last() == Some(&StackKind::Mark))
        {
            if let Some(markpos) = self.markstack.pop() {
                markmsg = Some(format!("(MARK at {markpos})"));
                // Pop everything at and after the topmost markobject.
                loop {
                    match self.stack.pop() {
                        Some(StackKind::Mark) => break,
                        Some(_) => {}
                        None => {
                            return Err(DisError::new(
                                DisErrorKind::IndexError,
                                "list index out of range",
                            ))
                        }
                    }
                }
                numtopop = before
                    .iter()
                    .position(|k| *k == StackKind::Mark)
                    .unwrap_or(0);
            } else {
                errormsg = Some("no MARK exists on stack".to_string());
                markmsg = errormsg.clone();
            }
        }

        // Check for correct memo usage.
        let memo_value: StackKind;
        match op.op {
            Opcode::Put | Opcode::BinPut | Opcode::LongBinPut | Opcode::Memoize => {
                let key = if op.op == Opcode::Memoize {
                    markmsg = Some(format!("(as {})", memo.len()));
                    MemoKey::from_usize(memo.len())
                } else {
                    arg.memo_key().expect("PUT arguments are ints")
                };
                if memo.contains(&key) {
                    errormsg = Some(format!("memo key {} already defined", arg.try_repr()?));
                } else {
                    match self.stack.last() {
                        None => {
                            errormsg = Some("stack is empty -- can't store into memo".to_string())
                        }
                        Some(StackKind::Mark) => {
                            errormsg = Some("can't store markobject in the memo".to_string())
                        }
                        Some(&top) => memo.insert(key, top),
                    }
                }
            }
            Opcode::Get | Opcode::BinGet | Opcode::LongBinGet => {
                let key = arg.memo_key().expect("GET arguments are ints");
                match memo.get(&key) {
                    Some(kind) => {
                        memo_value = kind;
                        after = std::slice::from_ref(&memo_value);
                    }
                    None => {
                        errormsg = Some(format!(
                            "memo key {} has never been stored into",
                            arg.try_repr()?
                        ))
                    }
                }
            }
            _ => {}
        }

        if !arg.is_none() || markmsg.is_some() {
            // make a mild effort to align arguments
            for _ in op.name.len()..10 {
                line.push(' ');
            }
            if !arg.is_none() {
                line.push(' ');
                line.push_str(&arg.try_repr()?);
            }
            if let Some(m) = &markmsg {
                line.push(' ');
                line.push_str(m);
            }
        }
        if self.opts.annotate != 0 {
            let len = line.chars().count();
            for _ in len..self.annocol {
                line.push(' ');
            }
            // make a mild effort to align annotations
            self.annocol = len.max(self.annocol);
            if self.annocol > 50 {
                self.annocol = self.opts.annotate;
            }
            line.push(' ');
            line.push_str(doc);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;

        if let Some(msg) = errormsg {
            // Complaints wait until the offending opcode is printed.
            return Err(DisError::value(msg));
        }

        // Emulate the stack effects.
        if self.stack.len() < numtopop {
            return Err(DisError::value(format!(
                "tries to pop {numtopop} items from stack with only {} items",
                self.stack.len()
            )));
        }
        self.stack.truncate(self.stack.len() - numtopop);
        if after.contains(&StackKind::Mark) {
            self.markstack.push(pos);
        }
        self.stack.extend_from_slice(after);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preamble() {
        assert_eq!(format_preamble("==> {name} <==", "a").unwrap(), "==> a <==");
        assert_eq!(format_preamble("{{x}} {name!r}", "a").unwrap(), "{x} 'a'");
        assert_eq!(
            format_preamble("{foo}", "a").unwrap_err().to_string(),
            "KeyError: 'foo'"
        );
        assert_eq!(
            format_preamble("}", "a").unwrap_err().to_string(),
            "ValueError: Single '}' encountered in format string"
        );
    }

    #[test]
    fn several_pickles_in_one_stream() {
        let data = b"K\x01.K\x02.";
        let mut ops = Genops::new(&data[..]);
        let mut out = Vec::new();
        let mut memo = DisMemo::new();
        while !ops.at_eof().unwrap() {
            dis_genops(&mut ops, &mut out, &DisOptions::default(), &mut memo).unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "    0: K    BININT1    1\n    2: .    STOP\nhighest protocol among opcodes = 1\n\
             \x20   3: K    BININT1    2\n    5: .    STOP\nhighest protocol among opcodes = 1\n"
        );
    }

    #[test]
    fn simple() {
        let mut out = Vec::new();
        dis(&b"\x80\x04K\x01."[..], &mut out, &DisOptions::default()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "    0: \\x80 PROTO      4\n    2: K    BININT1    1\n    4: .    STOP\n\
             highest protocol among opcodes = 2\n"
        );
    }
}
