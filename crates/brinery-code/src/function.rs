//! Functions pickled by value (dill, cloudpickle, `types.FunctionType`).

use brinery::{Construct, Node, NodeId, NodeRef};

use crate::code::{reduce_call, text_of, Code, CO_VARARGS, CO_VARKEYWORDS};

/// A function pickled by value: its code and what it was made with.
#[derive(Clone, Debug)]
pub struct Function<'g, 'a> {
    node: NodeRef<'g, 'a>,
    code: Code<'g, 'a>,
    name: String,
    qualname: Option<String>,
    module: Option<String>,
    doc: Option<NodeRef<'g, 'a>>,
    defaults: Vec<NodeRef<'g, 'a>>,
    kwdefaults: Vec<(String, NodeRef<'g, 'a>)>,
    closure: Vec<Option<NodeRef<'g, 'a>>>,
    globals: Option<NodeRef<'g, 'a>>,
    library: &'static str,
}

fn items<'g, 'a>(n: Option<NodeRef<'g, 'a>>) -> Vec<NodeRef<'g, 'a>> {
    n.filter(|n| !n.is_none())
        .map(|n| n.iter().collect())
        .unwrap_or_default()
}

/// The string entries of a dict node.
fn str_entries<'g, 'a>(n: Option<NodeRef<'g, 'a>>) -> Vec<(String, NodeRef<'g, 'a>)> {
    let Some(n) = n else { return Vec::new() };
    n.entries()
        .filter_map(|(k, v)| Some((text_of(k)?, v)))
        .collect()
}

/// A cell's content: dill `_create_cell(x)`, cloudpickle
/// `_make_empty_cell()` (filled later through the function's state),
/// `types.CellType(x)`.
fn cell_content<'g, 'a>(n: NodeRef<'g, 'a>) -> Option<NodeRef<'g, 'a>> {
    let ((_, f), args) = reduce_call(n)?;
    match f.as_str() {
        "_create_cell" | "_make_cell" | "CellType" => {
            args.first().copied().filter(|a| !is_empty_sentinel(*a))
        }
        _ => None,
    }
}

fn is_empty_sentinel(n: NodeRef<'_, '_>) -> bool {
    n.as_global()
        .is_some_and(|(m, name)| m.starts_with("dill") && name.contains("CELL_EMPTY"))
}

impl<'g, 'a> Function<'g, 'a> {
    /// The function `node` stands for, if it is one pickled by value:
    /// `dill._dill._create_function(code, globals, name, defaults,
    /// closure)` (+ its BUILD state), cloudpickle's `_make_function(code,
    /// globals, name, argdefs, closure)` (+ the `_function_setstate` call
    /// that fills it in), or `types.FunctionType(code, globals, ...)`.
    pub fn from_node(node: NodeRef<'g, 'a>) -> Option<Self> {
        let ((m, f), mut args) = reduce_call(node)?;
        let mut state = None;
        let library = match (m.as_str(), f.as_str()) {
            ("dill._dill" | "dill.dill", "_create_function") => "dill",
            (m, "_make_function") if m.starts_with("cloudpickle") => "cloudpickle",
            // cloudpickle 1.x (and on Python 2): `_fill_function(
            // _make_skel_func(code, cell_count, base_globals), state)`.
            (m, "_fill_function") if m.starts_with("cloudpickle") => {
                state = args.get(1).copied();
                let ((_, skel), skel_args) = reduce_call(*args.first()?)?;
                if skel != "_make_skel_func" {
                    return None;
                }
                args = skel_args;
                args.truncate(1); // the code; cell count and globals follow
                "cloudpickle"
            }
            ("types", "FunctionType") => "types",
            _ => return None,
        };
        let code = Code::from_node(*args.first()?)?;
        let name = args
            .get(2)
            .and_then(|n| text_of(*n))
            .unwrap_or_else(|| code.name.clone());
        let mut func = Function {
            node,
            name,
            qualname: code.qualname.clone(),
            module: None,
            doc: None,
            defaults: items(args.get(3).copied()),
            closure: {
                let sets = cell_assignments(node.graph());
                items(args.get(4).copied())
                    .into_iter()
                    .map(|c| {
                        c.id()
                            .and_then(|id| sets.iter().find(|(cell, _)| *cell == id))
                            .map(|(_, v)| *v)
                            .or_else(|| cell_content(c))
                    })
                    .collect()
            },
            // dill 0.3.4 and older: `_create_function(code, globals, name,
            // argdefs, closure, fdict, fkwdefaults)`.
            kwdefaults: str_entries(args.get(6).copied().filter(|d| !d.is_none())),
            globals: args.get(1).copied(),
            library,
            code,
        };
        if let Some(st) = state {
            func.apply_state(st);
        }
        if let Some(g) = func.globals {
            let name = g
                .entries()
                .find(|(k, _)| text_of(*k).as_deref() == Some("__name__"))
                .and_then(|(_, v)| text_of(v));
            if let Some(m) = name {
                func.module = Some(m);
            } else if let Some((_, name)) = g.as_global() {
                // dill: the globals of __main__ by reference.
                func.module = Some(name.to_string());
            }
        }
        // The state: dill's BUILD (state, slotstate); cloudpickle's
        // `_function_setstate(func, (state, slotstate))`, a separate call
        // whose result is discarded.
        let graph = node.graph();
        let mut states: Vec<NodeRef<'g, 'a>> = Vec::new();
        if let Some(Node::Object(o)) = node.node() {
            states.extend(o.builds.iter().map(|b| graph.view(*b)));
        }
        if let Some(me) = node.id() {
            states.extend(setstate_calls(graph, me));
        }
        for st in states {
            let (state, slots) = match st.node() {
                Some(Node::Tuple(t)) if t.len() == 2 => {
                    (Some(graph.view(t[0])), Some(graph.view(t[1])))
                }
                _ => (Some(st), None),
            };
            for part in [state, slots].into_iter().flatten() {
                func.apply_state(part);
            }
        }
        // Older dill keeps no `__doc__`: CPython takes it from the first
        // constant when that is a string (which, before 3.8, is only ever
        // the docstring).
        if func.doc.is_none() && func.code.nargs <= 15 {
            func.doc = func
                .code
                .consts
                .first()
                .copied()
                .filter(|c| matches!(c.node(), Some(Node::Str(_) | Node::Bytes(_))));
        }
        Some(func)
    }

    fn apply_state(&mut self, st: NodeRef<'g, 'a>) {
        for (k, v) in str_entries(Some(st)) {
            // `__x__` from dill/cloudpickle's function state, `x` from
            // cloudpickle 1.x's `_fill_function` state.
            let key = k
                .strip_prefix("__")
                .and_then(|k| k.strip_suffix("__"))
                .unwrap_or(&k);
            match key {
                "qualname" => self.qualname = text_of(v),
                "name" => {
                    if let Some(s) = text_of(v) {
                        self.name = s;
                    }
                }
                "module" => self.module = text_of(v),
                "doc" => self.doc = Some(v).filter(|d| !d.is_none()),
                "defaults" => self.defaults = items(Some(v)),
                "kwdefaults" => self.kwdefaults = str_entries(Some(v)),
                "closure" | "closure_values" => {
                    let vals = items(Some(v));
                    if !vals.is_empty() {
                        self.closure = vals
                            .into_iter()
                            .map(|x| cell_content(x).or(Some(x)))
                            .collect();
                    }
                }
                "globals" if self.globals.is_none() => self.globals = Some(v),
                _ => {}
            }
        }
    }

    /// The graph node of the function.
    pub fn node(&self) -> NodeRef<'g, 'a> {
        self.node
    }
    /// Its code object.
    pub fn code(&self) -> &Code<'g, 'a> {
        &self.code
    }
    /// `__name__`.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// `__qualname__` (from the state or `co_qualname`), else the name.
    pub fn qualname(&self) -> &str {
        self.qualname.as_deref().unwrap_or(&self.name)
    }
    /// `__module__` (or the globals' `__name__`), if known.
    pub fn module(&self) -> Option<&str> {
        self.module.as_deref()
    }
    /// `"dill"`, `"cloudpickle"` or `"types"`: who pickled it.
    pub fn library(&self) -> &'static str {
        self.library
    }
    /// The docstring, if the state has one (a Python 2 `str` docstring
    /// read as `bytes` too).
    pub fn doc(&self) -> Option<String> {
        self.doc.and_then(text_of)
    }
    /// The closure's cell contents in `co_freevars` order (`None`: an empty
    /// cell).
    pub fn closure(&self) -> Vec<(String, Option<NodeRef<'g, 'a>>)> {
        self.code
            .freevars
            .iter()
            .cloned()
            .zip(self.closure.iter().copied())
            .collect()
    }
    /// Names of the globals the code refers to.
    pub fn globals_referenced(&self) -> Vec<String> {
        self.code.globals_referenced(None)
    }

    /// The signature as `inspect.signature` prints it (without
    /// annotations): `(x, y=2, /, *args, z=3, **kw)`.
    pub fn signature(&self) -> String {
        let c = &self.code;
        let repr = |n: NodeRef<'_, '_>| -> String {
            n.id()
                .and_then(|id| brinery::repr(n.graph(), id, &brinery::ReprOptions::default()).ok())
                .unwrap_or_else(|| "?".into())
        };
        let npos = c.argcount as usize;
        let nkw = c.kwonlyargcount as usize;
        let names = &c.varnames;
        let mut parts: Vec<String> = Vec::new();
        let first_default = npos.saturating_sub(self.defaults.len());
        for (i, n) in names.iter().take(npos).enumerate() {
            let mut s = n.clone();
            if i >= first_default {
                if let Some(d) = self.defaults.get(i - first_default) {
                    s = format!("{s}={}", repr(*d));
                }
            }
            parts.push(s);
            if c.posonlyargcount as usize == i + 1 {
                parts.push("/".into());
            }
        }
        let mut k = npos;
        let star = if c.flags & CO_VARARGS != 0 {
            let s = names
                .get(npos + nkw)
                .cloned()
                .unwrap_or_else(|| "args".into());
            Some(format!("*{s}"))
        } else {
            None
        };
        if let Some(s) = star {
            parts.push(s);
        } else if nkw > 0 {
            parts.push("*".into());
        }
        for n in names.iter().skip(npos).take(nkw) {
            let d = self
                .kwdefaults
                .iter()
                .find(|(k2, _)| k2 == n)
                .map(|(_, v)| repr(*v));
            parts.push(match d {
                Some(d) => format!("{n}={d}"),
                None => n.clone(),
            });
            k += 1;
        }
        if c.flags & CO_VARKEYWORDS != 0 {
            let at = k + usize::from(c.flags & CO_VARARGS != 0);
            let s = names.get(at).cloned().unwrap_or_else(|| "kwargs".into());
            parts.push(format!("**{s}"));
        }
        format!("({})", parts.join(", "))
    }

    /// A short description: `def defaults(x, y=2, *args, z=3, **kw)  # dill, module __main__`.
    pub fn summary(&self) -> String {
        let mut s = format!("def {}{}", self.qualname(), self.signature());
        let mut notes = vec![self.library.to_string()];
        if let Some(m) = &self.module {
            notes.push(format!("module {m}"));
        }
        notes.push(format!("{}:{}", self.code.filename, self.code.firstlineno));
        s.push_str("  # ");
        s.push_str(&notes.join(", "));
        s
    }
}

/// `setattr(cell, 'cell_contents', value)` calls in the graph (dill fills
/// closure cells after creating them, through `getattr(dill._dill,
/// '_setattr', setattr)`): `(cell, value)` pairs.
fn cell_assignments<'g, 'a>(graph: &'g brinery::Graph<'a>) -> Vec<(NodeId, NodeRef<'g, 'a>)> {
    let mut out = Vec::new();
    for node in graph.nodes() {
        let Node::Object(o) = node else { continue };
        let Construct::Reduce { callable, args } = &o.construct else {
            continue;
        };
        let a = graph.view(*args);
        if a.len() != Some(3) || a.get(&1).and_then(text_of).as_deref() != Some("cell_contents") {
            continue;
        }
        let c = graph.view(*callable);
        let is_setattr = match c.as_global() {
            Some((_, n)) => n.ends_with("setattr"),
            None => reduce_call(c).is_some_and(|((_, f), fa)| {
                f == "getattr" && fa.get(1).and_then(|x| text_of(*x)).as_deref() == Some("_setattr")
            }),
        };
        if let (true, Some(cell), Some(v)) = (is_setattr, a.get(&0).and_then(|x| x.id()), a.get(&2))
        {
            out.push((cell, v));
        }
    }
    out
}

/// The state arguments of every `_function_setstate(func, state)` call on
/// `func` in the graph.
fn setstate_calls<'g, 'a>(graph: &'g brinery::Graph<'a>, func: NodeId) -> Vec<NodeRef<'g, 'a>> {
    let mut out = Vec::new();
    for node in graph.nodes() {
        let Node::Object(o) = node else { continue };
        let Construct::Reduce { callable, args } = &o.construct else {
            continue;
        };
        let Some((m, f)) = graph.view(*callable).as_global() else {
            continue;
        };
        if !(m.starts_with("cloudpickle") && f == "_function_setstate") {
            continue;
        }
        let a = graph.view(*args);
        if a.get(&0).and_then(|x| x.id()) == Some(func) {
            if let Some(st) = a.get(&1) {
                out.push(st);
            }
        }
    }
    out
}
