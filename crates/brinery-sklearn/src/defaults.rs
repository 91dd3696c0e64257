//! The default parameters of every estimator, per scikit-learn version,
//! generated from scikit-learn itself by `scripts/gen_defaults.py`
//! (`src/defaults/sklearn-<version>.tsv`).

use std::collections::HashMap;
use std::sync::OnceLock;

/// A parameter's default: its `repr()`, a global (`module.qualname`), or
/// none (a required parameter).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Default {
    Repr(String),
    Global(String),
    Required,
}

pub(crate) struct Table {
    pub version: (u32, u32, u32),
    classes: HashMap<String, Vec<(String, Default)>>,
    by_name: HashMap<String, String>,
}

const SOURCES: [(&str, &str); 3] = [
    ("1.0.2", include_str!("defaults/sklearn-1.0.2.tsv")),
    ("1.3.2", include_str!("defaults/sklearn-1.3.2.tsv")),
    ("1.9.1", include_str!("defaults/sklearn-1.9.1.tsv")),
];

pub(crate) fn parse_version(v: &str) -> (u32, u32, u32) {
    let mut it = v.split('.').map(|p| {
        p.chars()
            .take_while(|c| c.is_ascii_digit())
            .collect::<String>()
            .parse::<u32>()
            .unwrap_or(0)
    });
    (
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
    )
}

fn parse(version: &str, text: &str) -> Table {
    let mut classes: HashMap<String, Vec<(String, Default)>> = HashMap::new();
    let mut by_name = HashMap::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(c) = line.strip_prefix('=') {
            let short = c.rsplit('.').next().unwrap_or(c).to_string();
            by_name.entry(short).or_insert_with(|| c.to_string());
            classes.insert(c.to_string(), Vec::new());
            cur = Some(c.to_string());
            continue;
        }
        let Some(c) = &cur else { continue };
        let (name, def) = match line.split_once('\t') {
            None => (line, Default::Required),
            Some((n, d)) => match d.strip_prefix("@global ") {
                Some(g) => (n, Default::Global(g.to_string())),
                None => (n, Default::Repr(d.to_string())),
            },
        };
        if let Some(v) = classes.get_mut(c) {
            v.push((name.to_string(), def));
        }
    }
    Table {
        version: parse_version(version),
        classes,
        by_name,
    }
}

fn tables() -> &'static [Table] {
    static T: OnceLock<Vec<Table>> = OnceLock::new();
    T.get_or_init(|| SOURCES.iter().map(|(v, t)| parse(v, t)).collect())
}

/// The table for a pickle's `_sklearn_version`: the newest table not
/// newer than it, else the oldest.
pub(crate) fn table_for(version: Option<&str>) -> &'static Table {
    let ts = tables();
    let v = version.map(parse_version).unwrap_or((u32::MAX, 0, 0));
    ts.iter().rev().find(|t| t.version <= v).unwrap_or(&ts[0])
}

impl Table {
    /// The `__init__` parameters of `module.Class` (by full name, else by
    /// the class name alone).
    pub(crate) fn params(&self, class: &str) -> Option<&[(String, Default)]> {
        if let Some(p) = self.classes.get(class) {
            return Some(p);
        }
        let short = class.rsplit('.').next().unwrap_or(class);
        let full = self.by_name.get(short)?;
        self.classes.get(full).map(Vec::as_slice)
    }
}
