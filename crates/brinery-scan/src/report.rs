//! Scan results: findings, the verdict, JSON and SARIF.

use serde::Serialize;
use serde_json::{json, Value};

/// The overall judgement of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Everything a load would import or call is on the allow-list.
    Safe,
    /// Not a pickle nor a container brinery-scan knows: the first opcode
    /// already fails, so `pickle.load` would run nothing. Spelt
    /// `not-pickle` in text and JSON alike.
    #[serde(rename = "not-pickle")]
    NotPickle,
    /// Something not on any list (or a warning) was found; nothing known
    /// to be dangerous.
    Unknown,
    /// The data could not be analysed to the end (a decoding error, a
    /// size limit, an unreadable member). Findings up to that point are
    /// reported; never read this as "clean".
    Incomplete,
    /// A dangerous import, call or BUILD was found (whether or not the
    /// analysis was complete).
    Unsafe,
}

impl Verdict {
    /// `safe`, `not-pickle`, `unknown`, `incomplete` or `unsafe`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Safe => "safe",
            Verdict::NotPickle => "not-pickle",
            Verdict::Unknown => "unknown",
            Verdict::Incomplete => "incomplete",
            Verdict::Unsafe => "unsafe",
        }
    }

    /// The `brine scan` exit status for this verdict: 0 safe or not a
    /// pickle, 1 unsafe or unknown, 2 incomplete.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Safe | Verdict::NotPickle => 0,
            Verdict::Unknown | Verdict::Unsafe => 1,
            Verdict::Incomplete => 2,
        }
    }
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information (persistent ids, skipped members): no effect on the
    /// verdict.
    Info,
    /// Suspicious structure (a pickle hidden after STOP): verdict unknown.
    Warning,
    /// A name that is on no list: verdict unknown.
    Unknown,
    /// Known dangerous: verdict unsafe.
    Unsafe,
}

/// What kind of event a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// GLOBAL / STACK_GLOBAL / INST / EXT (or a nested name resolved by
    /// `getattr`): a module is imported and a name looked up.
    Import,
    /// REDUCE / NEWOBJ / NEWOBJ_EX / INST / OBJ: a call.
    Call,
    /// BUILD on something that is not a plain instance.
    Build,
    /// EXT1/2/4: an object from copyreg's run-time extension registry.
    Extension,
    /// Persistent ids (resolved by the loader's `persistent_load`).
    PersistentId,
    /// Bytes after STOP that look like another pickle.
    Tail,
    /// The data could not be analysed to the end.
    Incomplete,
    /// Something about the container (archive member, compression).
    Container,
}

/// One thing a load would do (or could not be checked).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// What kind of event.
    pub kind: FindingKind,
    /// The global's dotted path (`os.system`), or a short description.
    pub name: String,
    /// For calls: the arguments as the call would be written
    /// (`('echo pwned')`), literals shown, computed values as `<...>`,
    /// cut to at most 120 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
    /// Byte offset of the opcode in the (decompressed) member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The opcode's pickletools name (`STACK_GLOBAL`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opcode: Option<String>,
    /// Where inside the file: archive members and layers joined by `!`
    /// (`archive/data.pkl`, `x.tar!model.pt!archive/data.pkl`,
    /// `pickle#2` for the second pickle of a stream). Empty for the file
    /// itself.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub member: String,
    /// Why it matters.
    pub explanation: String,
    /// How many times the same finding occurred (the first offset is
    /// kept).
    pub count: u64,
}

/// The result of scanning one file (or byte string).
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The file scanned (as given), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The overall verdict.
    pub verdict: Verdict,
    /// False if some part could not be analysed to the end.
    pub complete: bool,
    /// What was found, in order of discovery.
    pub findings: Vec<Finding>,
    /// Pickles decoded (all members and streams).
    pub pickles: u64,
    /// Bytes of input (before decompression).
    pub bytes: u64,
}

impl Report {
    pub(crate) fn from_parts(
        findings: Vec<Finding>,
        complete: bool,
        pickles: u64,
        recognised: bool,
        bytes: u64,
    ) -> Self {
        let max = findings.iter().map(|f| f.severity).max();
        let verdict = if max == Some(Severity::Unsafe) {
            Verdict::Unsafe
        } else if !complete {
            Verdict::Incomplete
        } else if max >= Some(Severity::Warning) {
            Verdict::Unknown
        } else if pickles == 0 && !recognised {
            Verdict::NotPickle
        } else {
            Verdict::Safe
        };
        Report {
            path: None,
            verdict,
            complete,
            findings,
            pickles,
            bytes,
        }
    }

    /// The report as a JSON value.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The findings that decide the verdict (everything but info).
    pub fn issues(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity > Severity::Info)
    }
}

/// A SARIF 2.1.0 log of several reports (one run of `brine scan`).
pub fn sarif(reports: &[Report], tool_version: &str) -> Value {
    let mut rules: Vec<Value> = Vec::new();
    let mut rule_ids: Vec<String> = Vec::new();
    let mut results = Vec::new();
    for r in reports {
        let uri = r.path.clone().unwrap_or_else(|| "<input>".into());
        for f in &r.findings {
            if f.severity == Severity::Info {
                continue;
            }
            let rule_id = format!("{}/{}", kind_str(f.kind), sev_str(f.severity));
            let index = match rule_ids.iter().position(|x| *x == rule_id) {
                Some(i) => i,
                None => {
                    rule_ids.push(rule_id.clone());
                    rules.push(json!({
                        "id": rule_id,
                        "shortDescription": {"text": rule_text(f.kind, f.severity)},
                        "defaultConfiguration": {"level": level(f.severity)},
                    }));
                    rule_ids.len() - 1
                }
            };
            let args = f.args.as_deref().unwrap_or("");
            let mut msg = format!("{}{}: {}", f.name, args, f.explanation);
            if !f.member.is_empty() {
                msg.push_str(&format!(" (in {})", f.member));
            }
            if let Some(op) = &f.opcode {
                msg.push_str(&format!(" [{op}]"));
            }
            let mut region = json!({});
            if let Some(off) = f.offset {
                region = json!({"byteOffset": off, "byteLength": 1});
            }
            let mut physical = json!({"artifactLocation": {"uri": uri}});
            if f.member.is_empty() && f.offset.is_some() {
                physical["region"] = region;
            }
            results.push(json!({
                "ruleId": rule_id,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": {"text": msg},
                "locations": [{"physicalLocation": physical}],
                "properties": {
                    "args": f.args,
                    "member": f.member,
                    "offset": f.offset,
                    "opcode": f.opcode,
                    "count": f.count,
                    "verdict": r.verdict.as_str(),
                },
            }));
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "brine scan",
                "version": tool_version,
                "informationUri": "https://github.com/brinery/brinery",
                "rules": rules,
            }},
            "results": results,
            "properties": {
                "verdicts": reports.iter().map(|r| json!({
                    "path": r.path, "verdict": r.verdict.as_str(), "complete": r.complete,
                })).collect::<Vec<_>>(),
            },
        }],
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Unsafe => "error",
        Severity::Unknown | Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn kind_str(k: FindingKind) -> &'static str {
    match k {
        FindingKind::Import => "import",
        FindingKind::Call => "call",
        FindingKind::Build => "build",
        FindingKind::Extension => "extension",
        FindingKind::PersistentId => "persistent-id",
        FindingKind::Tail => "tail",
        FindingKind::Incomplete => "incomplete",
        FindingKind::Container => "container",
    }
}

fn sev_str(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Unknown => "unknown",
        Severity::Unsafe => "unsafe",
    }
}

fn rule_text(k: FindingKind, s: Severity) -> String {
    let what = match k {
        FindingKind::Import => "a global the pickle imports",
        FindingKind::Call => "a call the pickle makes",
        FindingKind::Build => "a BUILD on something that is not a plain instance",
        FindingKind::Extension => "an object from copyreg's extension registry",
        FindingKind::PersistentId => "persistent ids",
        FindingKind::Tail => "data after STOP that looks like a pickle",
        FindingKind::Incomplete => "data that could not be analysed to the end",
        FindingKind::Container => "a container member",
    };
    format!("{} ({})", what, sev_str(s))
}

impl Severity {
    /// `info`, `warning`, `unknown` or `unsafe`.
    pub fn as_str(self) -> &'static str {
        sev_str(self)
    }
}

impl FindingKind {
    /// The kebab-case name (`import`, `persistent-id`, ...).
    pub fn as_str(self) -> &'static str {
        kind_str(self)
    }
}
