//! scikit-learn's estimator repr (`BaseEstimator.__repr__` with
//! `print_changed_only=True`): `sklearn.utils._pprint`'s compact pretty
//! printer at width 80, the parameters that differ from the defaults, and
//! the 700-character ellipsis.

use brinery::{Node, NodeRef};

use crate::defaults::{table_for, Default};
use crate::error::{Error, ErrorKind, Result};
use crate::value::Obj;

const WIDTH: isize = 80;
const MAX_ELEMENTS: usize = 30;
const N_CHAR_MAX: usize = 700;
const MAX_DEPTH: usize = 64;

/// A parameter value as the pretty printer sees it.
#[derive(Clone, Debug)]
enum Pv {
    Atom(String),
    List(Vec<Pv>),
    Tuple(Vec<Pv>),
    Dict(Vec<(Pv, Pv)>),
    Est(String, Vec<(String, Pv)>),
}

/// Whether `node` is a scikit-learn estimator: an object of a `sklearn.*`
/// class with a state dict, or any object whose state records
/// `_sklearn_version`.
pub fn is_estimator(node: NodeRef<'_, '_>) -> bool {
    let Some(o) = Obj::new(node) else {
        return false;
    };
    if o.sklearn_version().is_some() {
        return true;
    }
    let class = o.class();
    class.starts_with("sklearn.")
        && table_for(None).params(&class).is_some()
        && !o.attrs().is_empty()
}

fn atom_repr(v: NodeRef<'_, '_>) -> String {
    let Some(id) = v.id() else {
        return "None".into();
    };
    if let Some((m, n)) = v.as_global() {
        return format!("<class '{m}.{n}'>");
    }
    let opts = brinery::ReprOptions::default()
        .hook(brinery_numpy::repr_hook())
        .max_output(1 << 20);
    brinery::repr(v.graph(), id, &opts).unwrap_or_else(|_| "...".into())
}

fn build(v: NodeRef<'_, '_>, depth: usize) -> Pv {
    if depth > MAX_DEPTH {
        return Pv::Atom("...".into());
    }
    if is_estimator(v) {
        if let Some(o) = Obj::new(v) {
            return Pv::Est(o.name(), changed_params(&o, depth + 1));
        }
    }
    match v.node() {
        Some(Node::List(_)) => Pv::List(v.iter().map(|i| build(i, depth + 1)).collect()),
        Some(Node::Tuple(_)) => Pv::Tuple(v.iter().map(|i| build(i, depth + 1)).collect()),
        Some(Node::Dict(_)) => {
            let mut items: Vec<(Pv, Pv)> = v
                .entries()
                .map(|(k, val)| (build(k, depth + 1), build(val, depth + 1)))
                .collect();
            let all_str = v.entries().all(|(k, _)| k.as_str().is_some());
            if all_str {
                let keys: Vec<String> = v
                    .entries()
                    .map(|(k, _)| k.as_str().unwrap_or("").to_string())
                    .collect();
                let mut idx: Vec<usize> = (0..items.len()).collect();
                idx.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
                let old = std::mem::take(&mut items);
                let mut old: Vec<Option<(Pv, Pv)>> = old.into_iter().map(Some).collect();
                items = idx.into_iter().filter_map(|i| old[i].take()).collect();
            }
            Pv::Dict(items)
        }
        _ => Pv::Atom(atom_repr(v)),
    }
}

/// `_changed_params`: the parameters whose repr differs from the
/// default's (all of them when the class is not in the tables), sorted
/// by name.
fn changed_params(o: &Obj<'_, '_>, depth: usize) -> Vec<(String, Pv)> {
    let table = table_for(o.sklearn_version());
    let mut out = Vec::new();
    match table.params(&o.class()) {
        Some(params) => {
            for (name, def) in params {
                let Some(v) = o.get(name) else { continue };
                let pv = build(v, depth);
                let changed = match def {
                    Default::Required => true,
                    Default::Global(g) => match v.as_global() {
                        Some((m, n)) => format!("{m}.{n}") != *g,
                        None => true,
                    },
                    Default::Repr(r) => {
                        let s = safe_repr(&pv);
                        s != *r && !(s == "nan" && r == "nan")
                    }
                };
                if changed {
                    out.push((name.clone(), pv));
                }
            }
        }
        None => {
            for (name, v) in o.attrs() {
                if name.starts_with('_') || name.ends_with('_') {
                    continue;
                }
                out.push((name, build(v, depth)));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// `_safe_repr`: the one-line form.
fn safe_repr(p: &Pv) -> String {
    match p {
        Pv::Atom(s) => s.clone(),
        Pv::List(v) => format!("[{}]", join(v.iter().map(safe_repr))),
        Pv::Tuple(v) if v.len() == 1 => format!("({},)", safe_repr(&v[0])),
        Pv::Tuple(v) => format!("({})", join(v.iter().map(safe_repr))),
        Pv::Dict(v) => format!(
            "{{{}}}",
            join(
                v.iter()
                    .map(|(k, x)| format!("{}: {}", safe_repr(k), safe_repr(x)))
            )
        ),
        Pv::Est(name, ps) => format!(
            "{name}({})",
            join(ps.iter().map(|(k, x)| format!("{k}={}", safe_repr(x))))
        ),
    }
}

fn clen(s: &str) -> isize {
    s.chars().count() as isize
}

struct Printer {
    out: String,
}

impl Printer {
    fn format(&mut self, p: &Pv, indent: isize, allowance: isize) {
        let rep = safe_repr(p);
        let max_width = WIDTH - indent - allowance;
        if clen(&rep) > max_width {
            match p {
                Pv::Est(name, params) => {
                    self.out.push_str(name);
                    self.out.push('(');
                    let items: Vec<(String, &Pv)> =
                        params.iter().map(|(k, v)| (k.clone(), v)).collect();
                    self.items_kv(&items, indent + clen(name), allowance + 1, "=");
                    self.out.push(')');
                    return;
                }
                Pv::List(v) => {
                    self.out.push('[');
                    self.items(v, indent, allowance + 1);
                    self.out.push(']');
                    return;
                }
                Pv::Tuple(v) => {
                    self.out.push('(');
                    let end = if v.len() == 1 { ",)" } else { ")" };
                    self.items(v, indent, allowance + clen(end));
                    self.out.push_str(end);
                    return;
                }
                Pv::Dict(v) if !v.is_empty() => {
                    self.out.push('{');
                    let items: Vec<(String, &Pv)> =
                        v.iter().map(|(k, x)| (safe_repr(k), x)).collect();
                    self.items_kv(&items, indent, allowance + 1, ": ");
                    self.out.push('}');
                    return;
                }
                _ => {}
            }
        }
        self.out.push_str(&rep);
    }

    /// `_format_params_or_dict_items` (compact): `key: value` (`middle`
    /// `": "`) or `name=value` (`"="`).
    fn items_kv(&mut self, items: &[(String, &Pv)], indent: isize, allowance: isize, middle: &str) {
        let indent = indent + 1;
        let delimnl = format!(",\n{}", " ".repeat(indent.max(0) as usize));
        let mut delim = String::new();
        let mut max_width = WIDTH - indent + 1;
        let mut width = max_width;
        for (n, (k, v)) in items.iter().enumerate() {
            if n == MAX_ELEMENTS {
                self.out.push_str(", ...");
                break;
            }
            let last = n + 1 == items.len();
            if last {
                max_width -= allowance;
                width -= allowance;
            }
            let rep = format!("{k}{middle}{}", safe_repr(v));
            let w = clen(&rep) + 2;
            if width < w {
                width = max_width;
                if !delim.is_empty() {
                    delim = delimnl.clone();
                }
            }
            if width >= w {
                width -= w;
                self.out.push_str(&delim);
                delim = ", ".into();
                self.out.push_str(&rep);
                continue;
            }
            self.out.push_str(&delim);
            delim = delimnl.clone();
            // _pprint_key_val_tuple
            self.out.push_str(k);
            self.out.push_str(middle);
            let a = if last { allowance } else { 1 };
            self.format(v, indent + clen(k) + clen(middle), a);
        }
    }

    /// `_format_items` (compact): the key-value layout with no keys.
    fn items(&mut self, items: &[Pv], indent: isize, allowance: isize) {
        let items: Vec<(String, &Pv)> = items.iter().map(|e| (String::new(), e)).collect();
        self.items_kv(&items, indent, allowance, "");
    }
}

/// End (in chars) of the `n`th non-blank char of `s`, like
/// `re.match(r"^(\s*\S){n}", s).end()`.
fn nth_nonblank_end(s: &[char], n: usize) -> Option<usize> {
    let mut seen = 0;
    for (i, c) in s.iter().enumerate() {
        if !c.is_whitespace() {
            seen += 1;
            if seen == n {
                return Some(i + 1);
            }
        }
    }
    None
}

fn ellipsize(r: String) -> String {
    let chars: Vec<char> = r.chars().collect();
    let nonblank = chars.iter().filter(|c| !c.is_whitespace()).count();
    if nonblank <= N_CHAR_MAX {
        return r;
    }
    let lim = N_CHAR_MAX / 2;
    let rev: Vec<char> = chars.iter().rev().copied().collect();
    let (Some(left), Some(mut right)) =
        (nth_nonblank_end(&chars, lim), nth_nonblank_end(&rev, lim))
    else {
        return r;
    };
    let len = chars.len();
    if left < len - right && chars[left..len - right].contains(&'\n') {
        match rev[right..].iter().position(|&c| c == '\n') {
            Some(p) => right += p + 1,
            None => return r,
        }
    }
    if left + 3 < len.saturating_sub(right) {
        let mut s: String = chars[..left].iter().collect();
        s.push_str("...");
        s.extend(&chars[len - right..]);
        s
    } else {
        r
    }
}

/// The estimator's `repr()` as scikit-learn prints it (only the
/// parameters that differ from the defaults of its `_sklearn_version`,
/// wrapped at 80 columns, long ones cut to about 700 characters).
pub fn sklearn_repr(node: NodeRef<'_, '_>) -> Result<String> {
    if !is_estimator(node) {
        return Err(Error::new(
            ErrorKind::NotAnEstimator,
            "not a scikit-learn estimator",
        ));
    }
    let pv = build(node, 0);
    let mut p = Printer { out: String::new() };
    p.format(&pv, 0, 0);
    Ok(ellipsize(p.out))
}
