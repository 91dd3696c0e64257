//! `brine show` for estimators: the sklearn repr, then the fitted state as
//! a tree (arrays as dtype + shape + first values, nested estimators,
//! `Tree` internals).

use brinery::{Node, NodeRef};
use brinery_numpy::{Array, Kind};

use crate::defaults::table_for;
use crate::repr::{is_estimator, sklearn_repr};
use crate::value::{scalar_i64, Obj};

const MAX_DEPTH: usize = 32;
const MAX_ITEMS: usize = 4;
const MAX_VALUES: usize = 6;

/// The summary `brine show` prints for an estimator: its scikit-learn
/// repr, a blank line, then the class, the `_sklearn_version` and the
/// fitted attributes as a tree (nested estimators expanded; of long
/// lists of estimators the first few). `None` when `node` is not an
/// estimator.
pub fn summary(node: NodeRef<'_, '_>) -> Option<String> {
    if !is_estimator(node) {
        return None;
    }
    let mut out = sklearn_repr(node).ok()?;
    out.push_str("\n\n");
    let mut w = Writer { out };
    w.estimator_head(node);
    w.children(node, "", 0);
    Some(w.out)
}

struct Writer {
    out: String,
}

fn short_floats(v: &[f64]) -> String {
    v.iter()
        .take(MAX_VALUES)
        .map(|&x| brinery::repr::repr_float(x))
        .collect::<Vec<_>>()
        .join(", ")
}

fn array_line(a: &Array<'_>, g: &brinery::Graph<'_>) -> String {
    let shape = match a.shape() {
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let d = a.dtype();
    if let Some(fields) = &d.fields {
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        return format!("ndarray {shape} records [{}]", names.join(", "));
    }
    let head = match d.kind {
        Kind::Float | Kind::Int | Kind::UInt | Kind::Bool => crate::value::array_f64(a)
            .ok()
            .map(|v| {
                let body = if matches!(d.kind, Kind::Float) {
                    short_floats(&v)
                } else {
                    v.iter()
                        .take(MAX_VALUES)
                        .map(|x| format!("{}", *x as i64))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let more = if v.len() > MAX_VALUES { ", ..." } else { "" };
                format!(" [{body}{more}]")
            })
            .unwrap_or_default(),
        Kind::Object => {
            let ids = a.objects().unwrap_or_default();
            let body: Vec<String> = ids
                .iter()
                .take(MAX_VALUES)
                .map(|&i| short_value(g.view(i)))
                .collect();
            let more = if ids.len() > MAX_VALUES { ", ..." } else { "" };
            format!(" [{}{more}]", body.join(", "))
        }
        _ => String::new(),
    };
    format!("ndarray {} {shape}{head}", d.name())
}

fn short_value(v: NodeRef<'_, '_>) -> String {
    if let Ok(Some(a)) = Array::scalar_from_node(v) {
        return brinery_numpy::scalar_repr(&a);
    }
    if let Ok(Some(d)) = brinery_numpy::Dtype::from_node(v) {
        return d.repr();
    }
    if let Some(o) = Obj::new(v) {
        if Array::from_node(v).ok().flatten().is_none() {
            return o.name();
        }
    }
    let Some(id) = v.id() else {
        return "?".into();
    };
    let opts = brinery::ReprOptions::default()
        .hook(brinery_numpy::repr_hook())
        .max_output(4096);
    let r = match brinery::repr(v.graph(), id, &opts) {
        Ok(r) => r,
        Err(_) => {
            let kind = v.node().map(|n| n.type_name()).unwrap_or("?");
            return match v.len() {
                Some(n) => format!("{kind} of {n} (long)"),
                None => format!("{kind} (long)"),
            };
        }
    };
    let one: String = r.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 72 {
        let cut: String = one.chars().take(69).collect();
        format!("{cut}...")
    } else {
        one
    }
}

/// Items of a list, tuple or object array that holds objects.
fn object_items<'g, 'a>(v: NodeRef<'g, 'a>) -> Option<Vec<(String, NodeRef<'g, 'a>)>> {
    let g = v.graph();
    let items: Vec<NodeRef<'g, 'a>> = match v.node()? {
        Node::List(_) | Node::Tuple(_) => v.iter().collect(),
        Node::Object(_) => {
            let a = Array::from_node(v).ok().flatten()?;
            if a.dtype().kind != Kind::Object {
                return None;
            }
            let shape = a.shape().to_vec();
            let ids = a.objects()?;
            if shape.len() == 2 {
                let c = shape[1].max(1);
                return Some(
                    ids.iter()
                        .enumerate()
                        .map(|(i, &id)| (format!("[{}, {}]", i / c, i % c), g.view(id)))
                        .collect(),
                );
            }
            ids.iter().map(|&id| g.view(id)).collect()
        }
        _ => return None,
    };
    let interesting = items.iter().any(|i| {
        Obj::new(*i).is_some()
            || matches!(i.node(), Some(Node::List(_) | Node::Tuple(_)))
                && i.iter().any(|x| Obj::new(x).is_some())
    });
    if !interesting {
        return None;
    }
    Some(
        items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("[{i}]"), v))
            .collect(),
    )
}

impl Writer {
    fn estimator_head(&mut self, node: NodeRef<'_, '_>) {
        let o = Obj::new(node).expect("an estimator is an object");
        self.out.push_str(&o.class());
        if let Some(v) = o.sklearn_version() {
            self.out.push_str(&format!(" (scikit-learn {v})"));
        }
        self.out.push('\n');
    }

    fn line(&mut self, prefix: &str, last: bool, text: &str) {
        self.out.push_str(prefix);
        self.out.push_str(if last { "└── " } else { "├── " });
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// The attributes of an estimator (or another object) under it.
    fn children(&mut self, node: NodeRef<'_, '_>, prefix: &str, depth: usize) {
        let Some(o) = Obj::new(node) else { return };
        let table = table_for(o.sklearn_version());
        let params: Vec<&str> = table
            .params(&o.class())
            .map(|p| p.iter().map(|(n, _)| n.as_str()).collect())
            .unwrap_or_default();
        let est = is_estimator(node);
        let attrs: Vec<(String, NodeRef<'_, '_>)> = o
            .attrs()
            .into_iter()
            .filter(|(k, _)| k != "_sklearn_version")
            // parameters are in the repr; keep nested estimators given as
            // parameters (Pipeline steps, GridSearchCV.estimator)
            .filter(|(k, v)| !est || !params.contains(&k.as_str()) || holds_estimator(*v))
            .collect();
        if o.class() == "sklearn.tree._tree.Tree" {
            self.tree_head(&o, prefix, attrs.is_empty());
        }
        let n = attrs.len();
        for (i, (k, v)) in attrs.into_iter().enumerate() {
            self.attr(&k, v, prefix, i + 1 == n, depth + 1);
        }
    }

    fn tree_head(&mut self, o: &Obj<'_, '_>, prefix: &str, last: bool) {
        let args = o.ctor_args();
        let nf = args.first().and_then(|a| scalar_i64(*a).ok());
        let nc = args
            .get(1)
            .and_then(|a| crate::value::num_array(*a).ok())
            .map(|m| {
                m.data
                    .iter()
                    .map(|v| (*v as i64).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            });
        let no = args.get(2).and_then(|a| scalar_i64(*a).ok());
        self.line(
            prefix,
            last,
            &format!(
                "Tree(n_features={}, n_classes=[{}], n_outputs={})",
                nf.map(|v| v.to_string()).unwrap_or("?".into()),
                nc.unwrap_or_default(),
                no.map(|v| v.to_string()).unwrap_or("?".into())
            ),
        );
    }

    fn attr(&mut self, key: &str, v: NodeRef<'_, '_>, prefix: &str, last: bool, depth: usize) {
        let sub = format!("{prefix}{}", if last { "    " } else { "│   " });
        if depth > MAX_DEPTH {
            self.line(prefix, last, &format!("{key}: ..."));
            return;
        }
        if Array::scalar_from_node(v).ok().flatten().is_some()
            || brinery_numpy::Dtype::from_node(v).ok().flatten().is_some()
        {
            self.line(prefix, last, &format!("{key}: {}", short_value(v)));
            return;
        }
        if let Ok(Some(a)) = Array::from_node(v) {
            if a.dtype().fields.is_some() {
                self.line(
                    prefix,
                    last,
                    &format!("{key}: {}", array_line(&a, v.graph())),
                );
                self.records(v, &sub);
                return;
            }
            if a.dtype().kind == Kind::Object {
                if let Some(items) = object_items(v) {
                    self.line(
                        prefix,
                        last,
                        &format!(
                            "{key}: {}",
                            array_line(&a, v.graph()).split(" [").next().unwrap_or("")
                        ),
                    );
                    self.list(items, &sub, depth);
                    return;
                }
            }
            self.line(
                prefix,
                last,
                &format!("{key}: {}", array_line(&a, v.graph())),
            );
            return;
        }
        if let Some(o) = Obj::new(v) {
            let mut head = format!("{key}: {}", o.class());
            if let Some(ver) = o.sklearn_version() {
                head.push_str(&format!(" (scikit-learn {ver})"));
            }
            if is_estimator(v) {
                if let Ok(r) = sklearn_repr(v) {
                    let one: String = r.split_whitespace().collect::<Vec<_>>().join(" ");
                    if one.chars().count() <= 100 {
                        head = format!("{key}: {one}");
                    }
                }
            }
            self.line(prefix, last, &head);
            self.children(v, &sub, depth);
            return;
        }
        if let Some(items) = object_items(v) {
            let kind = v.node().map(|n| n.type_name()).unwrap_or("list");
            self.line(prefix, last, &format!("{key}: {kind} of {}", items.len()));
            self.list(items, &sub, depth);
            return;
        }
        self.line(prefix, last, &format!("{key}: {}", short_value(v)));
    }

    /// The first records of a structured array (a tree's nodes).
    fn records(&mut self, v: NodeRef<'_, '_>, prefix: &str) {
        let Ok(r) = crate::value::Records::new(v) else {
            return;
        };
        let names: Vec<String> = r.names().iter().map(|s| s.to_string()).collect();
        let shown = r.len.min(3);
        for i in 0..shown {
            let fields: Vec<String> = names
                .iter()
                .filter_map(|n| {
                    let f = r.opt_field(n)?;
                    let x = r.f64(i, f);
                    Some(if x.fract() == 0.0 && x.abs() < 1e15 {
                        format!("{n}={}", x as i64)
                    } else {
                        format!("{n}={}", brinery::repr::repr_float(x))
                    })
                })
                .collect();
            let last = i + 1 == shown && shown == r.len;
            self.line(prefix, last, &format!("[{i}] {}", fields.join(" ")));
        }
        if shown < r.len {
            self.line(prefix, true, &format!("... {} more", r.len - shown));
        }
    }

    fn list(&mut self, items: Vec<(String, NodeRef<'_, '_>)>, prefix: &str, depth: usize) {
        let n = items.len();
        let shown = n.min(MAX_ITEMS);
        for (i, (k, v)) in items.into_iter().take(shown).enumerate() {
            let last = i + 1 == shown && shown == n;
            if matches!(v.node(), Some(Node::Tuple(_)))
                && v.len() == Some(2)
                && v.get(&0).and_then(|s| s.as_str()).is_some()
            {
                // a (name, estimator) step
                let name = v.get(&0).and_then(|s| s.as_str()).unwrap_or("");
                let est = v.get(&1).unwrap_or(v);
                self.attr(&format!("{k} '{name}'"), est, prefix, last, depth + 1);
            } else {
                self.attr(&k, v, prefix, last, depth + 1);
            }
        }
        if shown < n {
            self.line(prefix, true, &format!("... {} more", n - shown));
        }
    }
}

fn holds_estimator(v: NodeRef<'_, '_>) -> bool {
    if is_estimator(v) {
        return true;
    }
    matches!(v.node(), Some(Node::List(_) | Node::Tuple(_)))
        && v.iter().any(|i| {
            is_estimator(i)
                || matches!(i.node(), Some(Node::Tuple(_))) && i.iter().any(is_estimator)
        })
}
