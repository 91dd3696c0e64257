//! The analysis of one pickle stream on brinery's decoder: every event the
//! decoder reports (imports, calls, BUILDs, persistent ids) is judged by
//! the [`Policy`].

use std::collections::HashMap;

use brinery::{
    Call, Construct, Error, ErrorKind, Event, Graph, Node, NodeId, Opcode, Trace, Unpickler,
};

use crate::policy::{Policy, Rating};
use crate::report::{Finding, FindingKind, Severity};

/// Most distinct findings kept per file (the rest are counted in one).
const MAX_FINDINGS: usize = 10_000;
/// Most EXT codes registered with placeholders before giving up.
const MAX_EXT_CODES: usize = 64;
/// Most protocol 5 out-of-band buffers given to one decode (16 bytes each;
/// a pickle with more NEXT_BUFFERs is reported incomplete).
const MAX_OOB_BUFFERS: usize = 1 << 20;
/// The placeholder module for EXT codes.
const EXT_MODULE: &str = "<copyreg extension>";

/// Findings of a whole file, deduplicated.
#[derive(Default)]
pub(crate) struct Sink {
    pub findings: Vec<Finding>,
    index: HashMap<(Severity, FindingKind, String, String), usize>,
    dropped: u64,
    pub complete: bool,
    pub pickles: u64,
    /// A container format was recognised (so "not a pickle" does not
    /// apply even without pickles).
    pub recognised: bool,
    /// The pickles being scanned are members of a TorchScript archive
    /// (read by torch's TorchScript unpickler, see [`TORCHSCRIPT_GLOBALS`]).
    pub torchscript: bool,
}

/// The `torch.jit._pickle` builders torch's TorchScript unpickler accepts
/// (it resolves exactly these, and `__torch__.*` as classes compiled from
/// the archive's `code/`, never as Python imports).
const TORCHSCRIPT_GLOBALS: &[&str] = &[
    "torch.jit._pickle.build_tensor_from_id",
    "torch.jit._pickle.restore_type_tag",
    "torch.jit._pickle.build_intlist",
    "torch.jit._pickle.build_tensorlist",
    "torch.jit._pickle.build_doublelist",
    "torch.jit._pickle.build_boollist",
];

impl Sink {
    pub fn new() -> Self {
        Sink {
            complete: true,
            ..Default::default()
        }
    }

    pub fn push(&mut self, f: Finding) {
        let key = (f.severity, f.kind, f.name.clone(), f.member.clone());
        if let Some(&i) = self.index.get(&key) {
            self.findings[i].count += f.count;
            return;
        }
        if self.findings.len() >= MAX_FINDINGS {
            self.dropped += 1;
            return;
        }
        self.index.insert(key, self.findings.len());
        self.findings.push(f);
    }

    pub fn incomplete(
        &mut self,
        member: &str,
        what: String,
        offset: Option<u64>,
        opcode: Option<Opcode>,
    ) {
        self.complete = false;
        self.push(Finding {
            severity: Severity::Warning,
            kind: FindingKind::Incomplete,
            name: "incomplete".into(),
            args: None,
            offset,
            opcode: opcode.map(|o| o.name().to_string()),
            member: member.to_string(),
            explanation: what,
            count: 1,
        });
    }

    pub fn finish(mut self) -> (Vec<Finding>, bool, u64, bool) {
        if self.dropped > 0 {
            let n = self.dropped;
            self.findings.push(Finding {
                severity: Severity::Info,
                kind: FindingKind::Container,
                name: "more findings".into(),
                args: None,
                offset: None,
                opcode: None,
                member: String::new(),
                explanation: format!("{n} further distinct findings were not listed"),
                count: n,
            });
        }
        (self.findings, self.complete, self.pickles, self.recognised)
    }
}

/// The event handler for one decode.
struct Analyzer<'p> {
    policy: &'p Policy,
    member: String,
    base: u64,
    findings: Vec<Finding>,
    ratings: HashMap<NodeId, Rating>,
    /// `builtins.getattr` globals: (offset, opcode, called).
    getattrs: HashMap<NodeId, (u64, Opcode, bool)>,
    pids: u64,
    first_pid: Option<(u64, Opcode)>,
    events: u64,
    torchscript: bool,
}

/// The class inside a legacy (pre-zip) torch.save persistent id for a
/// module, `('module', cls, source_file, source)`: torch's persistent_load
/// returns `cls` itself.
fn legacy_module_class(g: &Graph<'_>, pid: NodeId) -> Option<NodeId> {
    let Node::Tuple(t) = g.node(pid) else {
        return None;
    };
    match (t.first().map(|&i| g.node(i)), t.get(1)) {
        (Some(Node::Str(s)), Some(&cls))
            if s.as_str() == Some("module") && matches!(g.node(cls), Node::Global(_)) =>
        {
            Some(cls)
        }
        _ => None,
    }
}

fn full_name(g: &Graph<'_>, id: NodeId) -> Option<String> {
    match g.node(id) {
        Node::Global(gl) => Some(format!("{}.{}", gl.module, gl.name)),
        _ => None,
    }
}

/// A short description of a node used as a callable or BUILD target.
fn describe(g: &Graph<'_>, id: NodeId) -> String {
    match g.node(id) {
        Node::Global(gl) => format!("{}.{}", gl.module, gl.name),
        Node::Object(o) => {
            let inner = match &o.construct {
                Construct::Reduce { callable, .. } => full_name(g, *callable),
                Construct::NewObj { cls, .. }
                | Construct::NewObjEx { cls, .. }
                | Construct::Obj { cls, .. } => full_name(g, *cls),
                Construct::Inst { cls, .. } => Some(format!("{}.{}", cls.module, cls.name)),
            };
            format!(
                "<result of {}(...)>",
                inner.unwrap_or_else(|| "a computed value".into())
            )
        }
        Node::PersistentId(_) => "<persistent id>".into(),
        other => format!("<{}>", other.type_name()),
    }
}

impl Analyzer<'_> {
    fn finding(
        &mut self,
        severity: Severity,
        kind: FindingKind,
        name: String,
        t: &Trace,
        explanation: String,
    ) {
        self.finding_args(severity, kind, name, None, t, explanation)
    }

    fn finding_args(
        &mut self,
        severity: Severity,
        kind: FindingKind,
        name: String,
        args: Option<String>,
        t: &Trace,
        explanation: String,
    ) {
        self.findings.push(Finding {
            severity,
            kind,
            name,
            args,
            offset: Some(self.base + t.offset),
            opcode: Some(t.opcode.name().to_string()),
            member: self.member.clone(),
            explanation,
            count: 1,
        });
    }

    fn rating(&mut self, g: &Graph<'_>, id: NodeId) -> Option<Rating> {
        if let Some(r) = self.ratings.get(&id) {
            return Some(r.clone());
        }
        let r = match g.node(id) {
            Node::Global(gl) => {
                let full = format!("{}.{}", gl.module, gl.name);
                let r = if self.torchscript && TORCHSCRIPT_GLOBALS.contains(&full.as_str()) {
                    Rating::Safe
                } else {
                    self.policy.rate(&gl.module, &gl.name)
                };
                if self.torchscript && !matches!(r, Rating::Dangerous(_) | Rating::Safe) {
                    if gl.module == "__torch__" || gl.module.starts_with("__torch__.") {
                        // A TorchScript class from code/: compiled by
                        // torch.jit.load, not imported.
                        Rating::Class
                    } else {
                        r
                    }
                } else {
                    r
                }
            }
            Node::PersistentId(pid) => match legacy_module_class(g, *pid) {
                Some(cls) => return self.rating(g, cls),
                None => return None,
            },
            _ => return None,
        };
        self.ratings.insert(id, r.clone());
        Some(r)
    }

    fn on_event(&mut self, g: &Graph<'_>, t: &Trace) {
        self.events += 1;
        match t.event {
            Event::Import { node } => self.on_import(g, t, node),
            Event::Call {
                callable,
                args,
                result,
                ..
            } => self.on_call(g, t, callable, args, result),
            Event::Build { target, state } => self.on_build(g, t, target, state),
            Event::PersistentId { .. } => {
                self.pids += 1;
                if self.first_pid.is_none() {
                    self.first_pid = Some((t.offset, t.opcode));
                }
            }
            _ => {}
        }
    }

    fn on_import(&mut self, g: &Graph<'_>, t: &Trace, node: NodeId) {
        let Node::Global(gl) = g.node(node) else {
            return;
        };
        if gl.module == EXT_MODULE {
            self.ratings.insert(node, Rating::Unknown);
            let code = gl.name.clone();
            self.finding(
                Severity::Unknown,
                FindingKind::Extension,
                format!("extension code {code}"),
                t,
                "EXT loads whatever copyreg's extension registry maps this code to; the \
                 registry is filled at run time (copyreg.add_extension), so the object \
                 cannot be known from the file (a stock interpreter has no codes \
                 registered and fails here)"
                    .into(),
            );
            return;
        }
        if (gl.module == "builtins" || gl.module == "__builtin__") && gl.name == "getattr" {
            // Judged at its calls: getattr(module.Class, 'name') is how
            // CPython spells nested names below protocol 4.
            self.getattrs.insert(node, (t.offset, t.opcode, false));
            self.ratings.insert(node, Rating::Safe);
            return;
        }
        let name = format!("{}.{}", gl.module, gl.name);
        match self.rating(g, node) {
            Some(Rating::Dangerous(why)) => {
                self.finding(Severity::Unsafe, FindingKind::Import, name, t, why)
            }
            Some(Rating::Unknown) => self.finding(
                Severity::Unknown,
                FindingKind::Import,
                name,
                t,
                "not on the allow-list: the load imports its module (running the module's \
                 code) and the pickle may call it; allow it in a policy file if you trust it"
                    .into(),
            ),
            _ => {}
        }
    }

    fn on_call(
        &mut self,
        g: &Graph<'_>,
        t: &Trace,
        callable: NodeId,
        args: Option<NodeId>,
        result: NodeId,
    ) {
        if let Some(entry) = self.getattrs.get_mut(&callable) {
            entry.2 = true;
            self.on_getattr(g, t, args, result);
            return;
        }
        let shown = || Some(crate::args::render_args(g, args));
        let Some(rating) = self.rating(g, callable) else {
            self.finding_args(
                Severity::Unsafe,
                FindingKind::Call,
                describe(g, callable),
                shown(),
                t,
                "calls a value computed by the pickle itself (the result of another call, \
                 an attribute lookup or a persistent id): it can be any function"
                    .into(),
            );
            return;
        };
        let name = full_name(g, callable)
            .or_else(|| match g.node(callable) {
                Node::PersistentId(pid) => {
                    legacy_module_class(g, *pid).and_then(|c| full_name(g, c))
                }
                _ => None,
            })
            .unwrap_or_default();
        match rating {
            Rating::Dangerous(why) => {
                self.finding_args(Severity::Unsafe, FindingKind::Call, name, shown(), t, why);
            }
            Rating::Class => {
                let nargs = args.map_or(0, |a| match g.node(a) {
                    Node::Tuple(v) => v.len(),
                    _ => 1,
                });
                let instantiation = matches!(t.opcode, Opcode::NewObj | Opcode::NewObjEx)
                    || (matches!(t.opcode, Opcode::Inst | Opcode::Obj) && nargs == 0);
                if !instantiation {
                    self.finding_args(
                        Severity::Unknown,
                        FindingKind::Call,
                        name,
                        shown(),
                        t,
                        "a trusted library's class or function called with arguments: only \
                         instantiation without arguments (NEWOBJ, copyreg._reconstructor) \
                         followed by BUILD is on the allow-list"
                            .into(),
                    );
                }
            }
            // copyreg's reconstructors are the only names of copyreg the
            // policy calls safe.
            Rating::Safe if name.starts_with("copyreg.") => {
                self.check_reconstructor(g, t, &name, args, result);
            }
            Rating::Safe if crate::shapes::shape_ok(&name, g, args) == Some(false) => {
                self.finding_args(
                    Severity::Unknown,
                    FindingKind::Call,
                    name,
                    shown(),
                    t,
                    "an allow-listed reconstructor called with arguments of another shape \
                         than its library writes: it is trusted only the way the library uses it"
                        .into(),
                );
            }
            _ => {}
        }
    }

    /// `copyreg._reconstructor(cls, base, state)` / `__newobj__(cls, *args)`
    /// (unwrapped by [`brinery::Call`]): the class must be a global (judged
    /// at its import), and the base of `_reconstructor`, whose
    /// `__new__`/`__init__` run, must be safe.
    fn check_reconstructor(
        &mut self,
        g: &Graph<'_>,
        t: &Trace,
        name: &str,
        args: Option<NodeId>,
        result: NodeId,
    ) {
        let items: &[NodeId] = match args.map(|a| g.node(a)) {
            Some(Node::Tuple(v)) => v,
            _ => &[],
        };
        // REDUCE of a wrapper with a global class: brinery unwraps it. (A
        // wrapper reached by NEWOBJ/OBJ is judged on its first argument.)
        let via = Call::of(g.view(result)).and_then(|c| c.via);
        let cls_global = via.is_some()
            || items
                .first()
                .is_some_and(|&c| matches!(g.node(c), Node::Global(_)));
        if !cls_global {
            if let Some(&cls) = items.first() {
                self.finding(
                    Severity::Unsafe,
                    FindingKind::Call,
                    format!("{name}({})", describe(g, cls)),
                    t,
                    "reconstructs an instance of a class computed by the pickle: it can be any \
                     callable"
                        .into(),
                );
            }
            return;
        }
        if via.unwrap_or(name.trim_start_matches("copyreg.")) != "_reconstructor" {
            return;
        }
        if let Some(&base) = items.get(1) {
            if !matches!(self.rating(g, base), Some(Rating::Safe)) {
                self.finding(
                    Severity::Unknown,
                    FindingKind::Call,
                    format!("{name}(base={})", describe(g, base)),
                    t,
                    "copyreg._reconstructor calls the base class's __new__ and __init__ \
                     with the state: the base is not a safe builtin type"
                        .into(),
                );
            }
        }
    }

    fn on_getattr(&mut self, g: &Graph<'_>, t: &Trace, args: Option<NodeId>, result: NodeId) {
        match g.node(result) {
            Node::Global(gl) => {
                let name = format!("{}.{}", gl.module, gl.name);
                match self.rating(g, result) {
                    Some(Rating::Dangerous(why)) => self.finding(
                        Severity::Unsafe,
                        FindingKind::Import,
                        name,
                        t,
                        format!("resolved by builtins.getattr: {why}"),
                    ),
                    Some(Rating::Unknown) => self.finding(
                        Severity::Unknown,
                        FindingKind::Import,
                        name,
                        t,
                        "resolved by builtins.getattr; not on the allow-list".into(),
                    ),
                    _ => {}
                }
            }
            _ => self.finding_args(
                Severity::Unsafe,
                FindingKind::Call,
                "builtins.getattr".into(),
                Some(crate::args::render_args(g, args)),
                t,
                "getattr on a value computed by the pickle: reaches any attribute (e.g. \
                 getattr(__import__('os'), 'system'))"
                    .into(),
            ),
        }
    }

    fn on_build(&mut self, g: &Graph<'_>, t: &Trace, target: NodeId, state: NodeId) {
        match g.node(target) {
            Node::Global(gl) => {
                let name = format!("{}.{}", gl.module, gl.name);
                self.finding(
                    Severity::Unsafe,
                    FindingKind::Build,
                    name,
                    t,
                    "BUILD on a global (a class, function or module): sets its attributes \
                     (setattr through the slot state), e.g. replacing a method or a module \
                     function"
                        .into(),
                );
            }
            Node::PersistentId(_) => self.finding(
                Severity::Unknown,
                FindingKind::Build,
                "<persistent id>".into(),
                t,
                "BUILD on an object supplied by the loader's persistent_load".into(),
            ),
            Node::Object(o) => {
                // A BUILD on the result of a function (not a class) sets
                // attributes of whatever that function returned.
                self.check_sklearn(g, t, target, state);
                let callee = match &o.construct {
                    Construct::Reduce { callable, .. } => Some(*callable),
                    _ => None,
                };
                if let Some(c) = callee {
                    if !matches!(g.node(c), Node::Global(_)) {
                        self.finding(
                            Severity::Unsafe,
                            FindingKind::Build,
                            describe(g, target),
                            t,
                            "BUILD on the result of a computed call: sets attributes of an \
                             arbitrary object"
                                .into(),
                        );
                    }
                }
            }
            _ => {}
        }
    }

    /// A scikit-learn class-family instance given its state: judged
    /// against the estimator classes of the version its `_sklearn_version`
    /// names (see [`crate::sklearn`]).
    fn check_sklearn(&mut self, g: &Graph<'_>, t: &Trace, target: NodeId, state: NodeId) {
        let Some(call) = Call::of(g.view(target)) else {
            return;
        };
        if !(call.module == "sklearn" || call.module.starts_with("sklearn."))
            || self.policy.rate(call.module, call.name) != Rating::Class
        {
            return;
        }
        let class = call.qualname();
        // The dict of a (state, slotstate) pair, or the state itself.
        let dict = match g.node(state) {
            Node::Tuple(v) if v.len() == 2 => v[0],
            _ => state,
        };
        let version = g
            .view(dict)
            .get("_sklearn_version")
            .and_then(|v| v.as_str().map(str::to_owned));
        use crate::sklearn::Judgement as J;
        match crate::sklearn::judge(&class, version.as_deref()) {
            J::NotEstimator => {}
            J::Checked(v) => self.finding(
                Severity::Info,
                FindingKind::Build,
                format!("scikit-learn {v} estimators"),
                t,
                format!(
                    "estimators whose state says scikit-learn {v} (_sklearn_version), each of \
                     a class that version defines"
                ),
            ),
            J::OtherVersion(v) => self.finding(
                Severity::Info,
                FindingKind::Build,
                format!("scikit-learn {v} estimators"),
                t,
                format!(
                    "estimators whose state says scikit-learn {v}, a version the class tables \
                     do not cover ({}): judged by the class family only",
                    crate::sklearn::versions()
                ),
            ),
            J::NoVersion => self.finding(
                Severity::Info,
                FindingKind::Build,
                "scikit-learn estimators without _sklearn_version".into(),
                t,
                "scikit-learn estimators always pickle their state with _sklearn_version \
                 (BaseEstimator.__getstate__); this state was not written that way (judged by \
                 the class family)"
                    .into(),
            ),
            J::NotInVersion(v) => self.finding(
                Severity::Unknown,
                FindingKind::Build,
                class.clone(),
                t,
                format!(
                    "the state says scikit-learn {v} (_sklearn_version), which has no \
                     estimator class {class}: not what scikit-learn writes; allow it in a \
                     policy file if you trust it"
                ),
            ),
        }
    }

    fn finish(&mut self) {
        let mut never_called: Vec<(u64, Opcode)> = self
            .getattrs
            .values()
            .filter(|e| !e.2)
            .map(|e| (e.0, e.1))
            .collect();
        never_called.sort();
        for (off, op) in never_called {
            self.finding_at(
                Severity::Unsafe,
                FindingKind::Import,
                "builtins.getattr",
                (off, op),
                "attribute resolver imported and not used to resolve a nested name: reaches \
                 any attribute of any object"
                    .into(),
                1,
            );
        }
        if let Some(first) = self.first_pid {
            let n = self.pids;
            self.finding_at(
                Severity::Info,
                FindingKind::PersistentId,
                "persistent ids",
                first,
                format!(
                    "{n} persistent id(s): resolved by the loader's persistent_load (PyTorch \
                     storages), not by the pickle"
                ),
                n,
            );
        }
    }

    /// A finding at `(offset, opcode)` of this pickle (not at the event
    /// being handled).
    fn finding_at(
        &mut self,
        severity: Severity,
        kind: FindingKind,
        name: &str,
        (off, op): (u64, Opcode),
        explanation: String,
        count: u64,
    ) {
        self.findings.push(Finding {
            severity,
            kind,
            name: name.into(),
            args: None,
            offset: Some(self.base + off),
            opcode: Some(op.name().to_string()),
            member: self.member.clone(),
            explanation,
            count,
        });
    }
}

/// How pickles are decoded.
pub(crate) struct Decode<'r> {
    /// brinery's events-only mode (full decode when it gives up).
    pub events_only: bool,
    /// Collect at every chance (tests).
    pub stress: bool,
    /// The opcode walk of the data being decoded, if made already.
    pub walk: Option<std::sync::Arc<brinery::pickletools::OpcodeWalk>>,
    /// Called with the address of the next byte to decode (see
    /// [`crate::container::Walk::release`]).
    pub release: Option<&'r dyn Fn(usize)>,
}

/// The outcome of decoding one pickle.
pub(crate) struct One {
    pub findings: Vec<Finding>,
    pub events: u64,
    /// Bytes used (to STOP), or the error.
    pub result: Result<usize, Error>,
    /// Whether joblib's array layout was met (a BUILD of a
    /// `NumpyArrayWrapper` whose array bytes were then read).
    pub joblib: bool,
}

/// Decode one pickle at the start of `data` (retrying with placeholder
/// extension codes when EXT meets an unregistered code).
pub(crate) fn decode_one(
    data: &[u8],
    policy: &Policy,
    member: &str,
    base: u64,
    torchscript: bool,
    how: &Decode<'_>,
) -> One {
    let one = decode_one_as(data, policy, member, base, true, torchscript, how);
    if !one.joblib {
        return one;
    }
    // joblib.load reads array bytes after each NumpyArrayWrapper BUILD;
    // plain pickle.load (of the same file, under any name) parses those
    // bytes as opcodes instead. A payload hidden there runs under
    // pickle.load: judge the file both ways and keep every finding (the
    // outcome, complete or not, is joblib's).
    let plain = decode_one_as(data, policy, member, base, false, torchscript, how);
    let mut findings = one.findings;
    for mut f in plain.findings {
        if !findings
            .iter()
            .any(|g| g.name == f.name && g.offset == f.offset)
        {
            f.explanation = format!(
                "{} (when read by pickle.load, not joblib.load)",
                f.explanation
            );
            findings.push(f);
        }
    }
    One {
        findings,
        events: one.events + plain.events,
        result: one.result,
        joblib: true,
    }
}

fn decode_one_as(
    data: &[u8],
    policy: &Policy,
    member: &str,
    base: u64,
    joblib: bool,
    torchscript: bool,
    how: &Decode<'_>,
) -> One {
    let fired = std::cell::Cell::new(false);
    let mut events_only = how.events_only;
    let mut codes: Vec<i32> = Vec::new();
    // Protocol 5 out-of-band buffers are not in the file: NEXT_BUFFER gets
    // an empty, opaque buffer (a buffer is data; a load cannot run it).
    // Each NEXT_BUFFER is one opcode byte, so `data.len()` bounds the count
    // (and MAX_OOB_BUFFERS the memory).
    let mut buffers = 0usize;
    loop {
        let mut an = Analyzer {
            policy,
            member: member.to_string(),
            base,
            findings: Vec::new(),
            ratings: HashMap::new(),
            getattrs: HashMap::new(),
            pids: 0,
            first_pid: None,
            events: 0,
            torchscript,
        };
        let mut u = Unpickler::new()
            .encoding("latin1")
            .keep_persistent_ids()
            .observe(|g, t| an.on_event(g, t));
        if joblib {
            u = u.on_build(crate::joblib::hook(&fired));
        }
        for &c in &codes {
            u = u.extension(c, EXT_MODULE, &c.to_string());
        }
        if buffers > 0 {
            u = u.buffers(vec![brinery::Buf::Borrowed(&[]); buffers]);
        }
        if events_only {
            u = u.events_only();
            if how.stress {
                u = u.events_only_stress();
            }
            if let Some(w) = &how.walk {
                u = u.walked(w.clone());
            }
            if let Some(release) = how.release {
                let at = data.as_ptr() as usize;
                u = u.on_progress(move |off| release(at + off as usize));
            }
        }
        let result = u.load_slice_prefix(data).map(|(_, used)| used);
        let gave_up = u.events_only_gave_up();
        drop(u);
        if gave_up {
            // Needs the whole graph: decode again, in full.
            events_only = false;
            fired.set(false);
            continue;
        }
        if let Err(e) = &result {
            if e.kind() == ErrorKind::MissingHook
                && e.message().contains("out-of-band")
                && buffers < data.len().min(MAX_OOB_BUFFERS)
            {
                buffers = (buffers * 4).max(16).min(data.len()).min(MAX_OOB_BUFFERS);
                continue;
            }
            if e.kind() == ErrorKind::MissingHook && codes.len() < MAX_EXT_CODES {
                if let Some(code) = e
                    .message()
                    .strip_prefix("unregistered extension code ")
                    .and_then(|s| s.trim().parse::<i32>().ok())
                {
                    if !codes.contains(&code) {
                        codes.push(code);
                        continue;
                    }
                }
            }
        }
        an.finish();
        if buffers > 0 {
            an.findings.push(Finding {
                severity: Severity::Info,
                kind: FindingKind::Container,
                name: "out-of-band buffers".into(),
                args: None,
                offset: Some(base),
                opcode: None,
                member: member.to_string(),
                explanation: "protocol 5 NEXT_BUFFER: the buffers are supplied by the loader, \
                              not stored in the file; they are data and were treated as opaque \
                              values"
                    .into(),
                count: 1,
            });
        }
        return One {
            findings: an.findings,
            events: an.events,
            result,
            joblib: fired.get(),
        };
    }
}

/// The name of a well-known non-pickle format `data` starts with (by its
/// magic bytes), for the "not a pickle" verdict.
pub(crate) fn other_format(data: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "PNG image data"),
        (b"\xff\xd8\xff", "JPEG image data"),
        (b"GIF87a", "GIF image data"),
        (b"GIF89a", "GIF image data"),
        (b"%PDF-", "a PDF document"),
        (b"\x7fELF", "an ELF executable"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-zip archive"),
        (b"Rar!\x1a\x07", "a RAR archive"),
        (b"SQLite format 3\0", "an SQLite database"),
        (b"\0asm", "WebAssembly"),
        (b"OggS", "Ogg data"),
        (b"fLaC", "FLAC audio"),
        (b"\xef\xbb\xbf", "UTF-8 text with a byte-order mark"),
    ];
    MAGIC
        .iter()
        .find(|(m, _)| data.starts_with(m))
        .map(|(_, what)| *what)
}

/// Whether `data` starts like a pickle of protocol 2 or later.
pub(crate) fn starts_with_proto(data: &[u8]) -> bool {
    data.len() >= 2 && data[0] == 0x80 && data[1] <= 5
}

/// How a stream of pickles is treated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A file the user named: a decoding error is "incomplete" unless the
    /// very first opcode fails without any event (then it is no pickle).
    File,
    /// An archive member: silently skipped when it does not decode and
    /// does not look like a pickle (raw tensor data, source files).
    Member,
    /// An archive member its loader unpickles (a PyTorch archive's
    /// `data.pkl`): any decoding error is reported.
    Pickle,
}

/// Scan the pickles of `data` one after another (as repeated
/// `pickle.load` calls would read them, and as legacy PyTorch files and
/// other multi-pickle streams are laid out). Stops at the first tail that
/// does not decode: CPython's `pickle.loads` ignores bytes after STOP.
pub(crate) fn scan_stream(
    data: &[u8],
    policy: &Policy,
    member: &str,
    mode: Mode,
    how: &Decode<'_>,
    sink: &mut Sink,
) {
    let mut pos = 0usize;
    let mut index = 0u64;
    while pos < data.len() {
        let rest = &data[pos..];
        let label = if index == 0 {
            member.to_string()
        } else if member.is_empty() {
            format!("pickle#{}", index + 1)
        } else {
            format!("{member}!pickle#{}", index + 1)
        };
        let walk = crate::fastpath::walk(rest);
        if let Some(used) = walk.inert() {
            // Pure data up to STOP: nothing a load could run.
            sink.pickles += 1;
            pos += used;
            index += 1;
            continue;
        }
        let how = Decode {
            walk: Some(std::sync::Arc::new(walk)),
            ..*how
        };
        let one = decode_one(rest, policy, &label, pos as u64, sink.torchscript, &how);
        match one.result {
            Ok(used) => {
                sink.pickles += 1;
                for f in one.findings {
                    sink.push(f);
                }
                pos += used.max(1);
                index += 1;
            }
            Err(e) => {
                let err_off = e.offset().unwrap_or(0);
                let looks = starts_with_proto(rest) || one.events > 0;
                if index == 0 {
                    // A file of a known other format (an image in a models
                    // folder) whose bytes happen to start with opcodes: when
                    // the decode fails before anything above info was
                    // found, `pickle.load` stops there too, running nothing.
                    let other = (mode != Mode::Pickle && pos == 0)
                        .then(|| other_format(rest))
                        .flatten()
                        .filter(|_| one.findings.iter().all(|f| f.severity == Severity::Info));
                    if let Some(what) = other {
                        sink.push(Finding {
                            severity: Severity::Info,
                            kind: FindingKind::Container,
                            name: "not a pickle".into(),
                            args: None,
                            offset: None,
                            opcode: None,
                            member: member.to_string(),
                            explanation: format!(
                                "looks like {what}; as a pickle it fails at byte {err_off} ({}) \
                                 before anything is imported or called",
                                e.message()
                            ),
                            count: 1,
                        });
                        return;
                    }
                    let skip = match mode {
                        Mode::File => err_off == 0 && one.events == 0,
                        Mode::Member => !looks && !member.ends_with(".pkl"),
                        Mode::Pickle => false,
                    };
                    if skip {
                        return;
                    }
                    sink.pickles += 1;
                    for f in one.findings {
                        sink.push(f);
                    }
                    sink.incomplete(
                        &label,
                        format!("decoding stopped: {}", e.message()),
                        Some(pos as u64 + err_off),
                        e.opcode(),
                    );
                    return;
                }
                // A tail after the first pickle. A stream reader (legacy
                // torch.load, repeated pickle.load) would execute what it
                // decodes before the error: keep those findings.
                if looks {
                    for f in one.findings {
                        sink.push(f);
                    }
                    sink.push(Finding {
                        severity: Severity::Warning,
                        kind: FindingKind::Tail,
                        name: "pickle-like tail".into(),
                        args: None,
                        offset: Some(pos as u64),
                        opcode: None,
                        member: label,
                        explanation: format!(
                            "{} bytes after STOP look like another pickle but do not decode \
                             ({} at byte {}); pickle.loads ignores them, a stream reader \
                             would run them",
                            rest.len(),
                            e.message(),
                            pos as u64 + err_off
                        ),
                        count: 1,
                    });
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fastpath::inert_prefix;

    /// Whenever the fast path calls a prefix inert, the real decoder
    /// reports no event on it and, if it succeeds, stops at the same byte.
    #[test]
    fn fast_path_agrees_with_the_decoder() {
        // The hand-picked older part of the corpus (one file per kind).
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/benign/earlier");
        let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect();
        inputs.push(b"(I0x10\nI1\nF1e5\nS'a'\nV\\u1234\nL12L\nl(dp0\nS'k'\np1\ng1\ns.".to_vec());
        let policy = Policy::new();
        let mut rng = brinery_testutil::XorShift(0x2545_f491_4f6c_dd1d);
        let mut checked = 0;
        for base in &inputs {
            for round in 0..200 {
                let mut data = base.clone();
                if round > 0 && !data.is_empty() {
                    rng.mutate(&mut data);
                }
                if let Some(end) = inert_prefix(&data) {
                    checked += 1;
                    let how = Decode {
                        events_only: round % 2 == 0,
                        stress: true,
                        walk: None,
                        release: None,
                    };
                    let one = decode_one(&data, &policy, "", 0, false, &how);
                    assert_eq!(one.events, 0, "{data:?}");
                    if let Ok(used) = one.result {
                        assert_eq!(used, end, "{data:?}");
                    }
                }
            }
        }
        assert!(checked > 200, "only {checked} inert inputs");
    }
}
