//! Finding tensors (and scalars) in a decoded checkpoint pickle, with
//! dotted names, without recursion and without calling anything.

use std::collections::HashSet;

use brinery::{Construct, Graph, Limits, Node, NodeId, NodeRef, Result};

use crate::checkpoint::{invalid, Placement, Scalar, TensorInfo};
use crate::dtype::DType;

/// The longest dotted name kept; deeper values are skipped with a note.
const MAX_NAME: usize = 4096;
/// The longest str/bytes value kept as a scalar.
const MAX_SCALAR: usize = 4096;

/// A storage as a pickle refers to it.
#[derive(Clone, Debug)]
pub(crate) struct StorageId {
    pub(crate) key: String,
    /// The storage's element type (from its class, `uint8` for
    /// `UntypedStorage`).
    pub(crate) storage_dtype: DType,
    /// Declared elements of `storage_dtype` (`None`: not declared).
    pub(crate) numel: u64,
    pub(crate) declared: bool,
    /// A legacy view: (offset, size) in elements of the root storage.
    pub(crate) view: Option<(u64, u64)>,
    /// For `torch.storage._load_from_bytes(b)`: the bytes node.
    pub(crate) bytes_node: Option<NodeId>,
}

impl StorageId {
    /// Declared size in bytes.
    pub(crate) fn nbytes(&self) -> Option<u64> {
        if !self.declared {
            return None;
        }
        match self.view {
            // The root storage's size is declared by its own ids.
            Some(_) => None,
            None => self.numel.checked_mul(self.storage_dtype.size() as u64),
        }
    }

    /// The byte range of a view within its root storage.
    pub(crate) fn view_bytes(&self) -> (u64, Option<u64>) {
        let es = self.storage_dtype.size() as u64;
        match self.view {
            Some((off, size)) => (off.saturating_mul(es), Some(size.saturating_mul(es))),
            None => (0, None),
        }
    }
}

/// One tensor found: name, metadata (dtype may come from the storage
/// later when `dtype_known` is false) and its storage.
pub(crate) struct FoundTensor {
    pub(crate) name: String,
    pub(crate) info: TensorInfo,
    pub(crate) dtype_known: bool,
    pub(crate) sid: StorageId,
}

#[derive(Default)]
pub(crate) struct Found {
    pub(crate) tensors: Vec<FoundTensor>,
    /// Tensors the tar format resolves directly.
    pub(crate) resolved: Vec<(String, TensorInfo, Placement)>,
    pub(crate) scalars: Vec<(String, Scalar)>,
    pub(crate) notes: Vec<String>,
}

/// A dict key or storage key as a string: str, int, bool, float, bytes.
pub(crate) fn key_string(v: &NodeRef<'_, '_>) -> Option<String> {
    match v.node()? {
        Node::Str(s) => Some(s.to_string_lossy().into_owned()),
        Node::Int(i) => Some(i.to_string()),
        Node::BigInt(b) => Some(b.to_string()),
        Node::Bool(b) => Some(if *b { "True" } else { "False" }.into()),
        Node::Float(f) => Some(brinery::repr::repr_float(*f)),
        Node::Bytes(b) => Some(String::from_utf8_lossy(b.as_slice()).into_owned()),
        Node::None => Some("None".into()),
        _ => None,
    }
}

fn join(path: &str, seg: &str) -> String {
    if path.is_empty() {
        seg.to_string()
    } else {
        format!("{path}.{seg}")
    }
}

fn global_of<'g>(g: &'g Graph<'_>, id: NodeId) -> Option<(&'g str, &'g str)> {
    g.view(id).as_global()
}

fn reduce_of(g: &Graph<'_>, id: NodeId) -> Option<(NodeId, NodeId)> {
    match g.node(id) {
        Node::Object(o) => match &o.construct {
            Construct::Reduce { callable, args } => Some((*callable, *args)),
            _ => None,
        },
        _ => None,
    }
}

fn items<'g>(g: &'g Graph<'_>, id: NodeId) -> &'g [NodeId] {
    match g.node(id) {
        Node::Tuple(v) | Node::List(v) => v,
        _ => &[],
    }
}

/// The entries of a dict or an `OrderedDict` (or other dict subclass).
fn mapping(g: &Graph<'_>, id: NodeId) -> Option<Vec<(NodeId, NodeId)>> {
    match g.node(id) {
        Node::Dict(d) => Some(d.entries().to_vec()),
        Node::Object(o) => {
            let mut out = Vec::new();
            // OrderedDict([[k, v], ...]) at low protocols.
            if let Construct::Reduce { callable, args } = &o.construct {
                let is_od = global_of(g, *callable).is_some_and(|(_, n)| n == "OrderedDict");
                if let Some(&first) = items(g, *args).first().filter(|_| is_od) {
                    for &pair in items(g, first) {
                        if let [k, v] = items(g, pair) {
                            out.push((*k, *v));
                        }
                    }
                }
            }
            out.extend_from_slice(&o.dict_items);
            Some(out)
        }
        _ => None,
    }
}

enum Kind {
    /// The node is a tensor: its metadata.
    Tensor(TensorInfo, bool, StorageId),
    /// A storage on its own.
    Storage(StorageId),
    /// A known tensor kind brinery does not read (quantized, sparse...).
    Unsupported(String),
    /// Not a tensor.
    No,
}

fn int_arg(g: &Graph<'_>, id: Option<NodeId>, what: &str) -> Result<u64> {
    let v = id.and_then(|i| g.view(i).as_i64());
    match v {
        Some(v) if v >= 0 => Ok(v as u64),
        Some(v) => Err(invalid(format!("negative {what} {v}"))),
        None => Err(invalid(format!("{what} is not an int"))),
    }
}

/// A tuple of ints, or `torch.Size((...))`.
fn int_tuple(g: &Graph<'_>, id: Option<NodeId>, what: &str) -> Result<Vec<u64>> {
    let id = id.ok_or_else(|| invalid(format!("missing {what}")))?;
    let id = match (g.node(id), reduce_of(g, id)) {
        (Node::Object(_), Some((_, args))) => items(g, args)
            .first()
            .copied()
            .ok_or_else(|| invalid(format!("{what} is not a tuple")))?,
        _ => id,
    };
    match g.node(id) {
        Node::Tuple(v) | Node::List(v) => v.iter().map(|&i| int_arg(g, Some(i), what)).collect(),
        _ => Err(invalid(format!("{what} is not a tuple"))),
    }
}

/// A persistent id `('storage', storage_type, key, location, numel[, view])`.
fn storage_pid(g: &Graph<'_>, pid: NodeId) -> Result<StorageId> {
    let t = items(g, pid);
    let tag = t.first().and_then(|&i| key_string(&g.view(i)));
    if tag.as_deref() != Some("storage") || t.len() < 5 {
        return Err(invalid(format!(
            "unsupported persistent id (expected ('storage', type, key, location, numel)): {}",
            brinery::repr(g, pid, &Default::default()).unwrap_or_default()
        )));
    }
    let type_name = global_of(g, t[1])
        .map(|(_, n)| n.to_string())
        .or_else(|| key_string(&g.view(t[1])))
        .unwrap_or_default();
    let storage_dtype = DType::from_storage_name(&type_name)
        .ok_or_else(|| invalid(format!("unknown storage type '{type_name}'")))?;
    let key = key_string(&g.view(t[2])).ok_or_else(|| invalid("storage key is not a str"))?;
    let numel = int_arg(g, Some(t[4]), "storage size")?;
    let mut view = None;
    if let Some(&vm) = t.get(5) {
        if let [vk, off, size] = items(g, vm) {
            let _ = vk;
            view = Some((
                int_arg(g, Some(*off), "view offset")?,
                int_arg(g, Some(*size), "view size")?,
            ));
        }
    }
    Ok(StorageId {
        key,
        storage_dtype,
        numel,
        declared: true,
        view,
        bytes_node: None,
    })
}

/// A storage argument: a persistent id or `_load_from_bytes(b)`.
fn storage_arg(g: &Graph<'_>, id: NodeId) -> Result<StorageId> {
    match g.node(id) {
        Node::PersistentId(pid) => storage_pid(g, *pid),
        Node::Object(_) => {
            if let Some((c, args)) = reduce_of(g, id) {
                if global_of(g, c).is_some_and(|(_, n)| n == "_load_from_bytes") {
                    if let Some(&b) = items(g, args).first() {
                        return Ok(StorageId {
                            key: format!("payload@{}", b.index()),
                            storage_dtype: DType::U8,
                            numel: 0,
                            declared: false,
                            view: None,
                            bytes_node: Some(b),
                        });
                    }
                }
            }
            Err(invalid("tensor storage is an object brinery does not know"))
        }
        other => Err(invalid(format!(
            "tensor storage is a {}, not a storage reference",
            other.type_name()
        ))),
    }
}

fn classify(g: &Graph<'_>, id: NodeId) -> Result<Kind> {
    let mut id = id;
    let mut requires_grad_override = None;
    // Parameters and subclasses wrap a tensor; unwrap a few levels.
    for _ in 0..8 {
        let node = g.node(id);
        if let Node::PersistentId(pid) = node {
            return match g.node(*pid) {
                Node::Tuple(_) => storage_pid(g, *pid).map(Kind::Storage),
                _ => Ok(Kind::No),
            };
        }
        let Some((callable, args)) = reduce_of(g, id) else {
            return Ok(Kind::No);
        };
        let Some((module, name)) = global_of(g, callable) else {
            return Ok(Kind::No);
        };
        let a = items(g, args);
        let arg = |i: usize| a.get(i).copied();
        match (module, name) {
            ("torch._utils", "_rebuild_parameter")
            | ("torch._utils", "_rebuild_parameter_with_state") => {
                requires_grad_override = arg(1).and_then(|i| g.view(i).as_bool());
                id = arg(0).ok_or_else(|| invalid("parameter without data"))?;
            }
            ("torch._tensor", "_rebuild_from_type_v2")
            | ("torch.tensor", "_rebuild_from_type_v2") => {
                // (func, new_type, args, state): func(*args).
                let (Some(func), Some(fargs)) = (arg(0), arg(2)) else {
                    return Err(invalid("_rebuild_from_type_v2 without func/args"));
                };
                let Some((m, n)) = global_of(g, func) else {
                    return Ok(Kind::No);
                };
                return tensor_call(g, m, n, items(g, fargs), requires_grad_override);
            }
            (m, n) => return tensor_call(g, m, n, a, requires_grad_override),
        }
    }
    Err(invalid("tensor wrapped too deeply"))
}

fn tensor_call(
    g: &Graph<'_>,
    module: &str,
    name: &str,
    a: &[NodeId],
    requires_grad_override: Option<bool>,
) -> Result<Kind> {
    let arg = |i: usize| a.get(i).copied();
    if module == "torch.storage" && name == "_load_from_bytes" {
        return Ok(Kind::No);
    }
    if module != "torch._utils" {
        return Ok(Kind::No);
    }
    let version = match name {
        "_rebuild_tensor" => 1,
        "_rebuild_tensor_v2" => 2,
        "_rebuild_tensor_v3" => 3,
        n if n.starts_with("_rebuild_") => {
            return Ok(Kind::Unsupported(format!("torch._utils.{n}")));
        }
        _ => return Ok(Kind::No),
    };
    let storage = arg(0).ok_or_else(|| invalid(format!("{name} without a storage")))?;
    let sid = storage_arg(g, storage)?;
    let storage_offset = int_arg(g, arg(1), "storage offset")?;
    let shape = int_tuple(g, arg(2), "size")?;
    let strides = int_tuple(g, arg(3), "stride")?;
    if shape.len() != strides.len() {
        return Err(invalid(format!(
            "{} sizes but {} strides",
            shape.len(),
            strides.len()
        )));
    }
    let requires_grad = requires_grad_override
        .or_else(|| arg(4).and_then(|i| g.view(i).as_bool()))
        .unwrap_or(false);
    let (dtype, known) = if version == 3 {
        let d = arg(6)
            .and_then(|i| global_of(g, i))
            .map(|(_, n)| n.to_string())
            .ok_or_else(|| invalid("_rebuild_tensor_v3 without a dtype"))?;
        (
            DType::from_name(&d).ok_or_else(|| invalid(format!("unknown dtype torch.{d}")))?,
            true,
        )
    } else {
        (sid.storage_dtype, sid.bytes_node.is_none())
    };
    Ok(Kind::Tensor(
        TensorInfo {
            dtype,
            shape,
            strides,
            storage_offset,
            storage: sid.key.clone(),
            requires_grad,
        },
        known,
        sid,
    ))
}

fn scalar_of(g: &Graph<'_>, id: NodeId) -> Option<Scalar> {
    Some(match g.node(id) {
        Node::None => Scalar::None,
        Node::Bool(b) => Scalar::Bool(*b),
        Node::Int(i) => Scalar::Int(*i),
        Node::BigInt(b) => Scalar::BigInt(b.to_string()),
        Node::Float(f) => Scalar::Float(*f),
        Node::Str(s) if s.as_wtf8().len() <= MAX_SCALAR => {
            Scalar::Str(s.to_string_lossy().into_owned())
        }
        Node::Bytes(b) if b.as_slice().len() <= MAX_SCALAR => Scalar::Bytes(b.as_slice().to_vec()),
        _ => return None,
    })
}

/// Walk the pickle from its root.
pub(crate) fn walk(g: &Graph<'_>, root_name: &str, limits: &Limits) -> Result<Found> {
    walk_with(g, root_name, limits, &|_| None)
}

/// Walk, resolving persistent ids that are plain keys (the tar format)
/// with `lookup`.
pub(crate) fn walk_with(
    g: &Graph<'_>,
    root_name: &str,
    limits: &Limits,
    lookup: &dyn Fn(&str) -> Option<(TensorInfo, Placement)>,
) -> Result<Found> {
    let mut found = Found::default();
    let Some(root) = g.root_id() else {
        return Ok(found);
    };
    let mut seen: HashSet<NodeId> = HashSet::new();
    // (node, path, skip None values)
    let mut stack: Vec<(NodeId, String, bool)> = vec![(root, root_name.to_string(), false)];
    let mut name_bytes: u64 = 0;
    let mut skipped_long = false;
    while let Some((id, path, skip_none)) = stack.pop() {
        if path.len() > MAX_NAME {
            if !skipped_long {
                found.notes.push(format!(
                    "values nested deeper than {MAX_NAME} bytes of dotted name were skipped"
                ));
                skipped_long = true;
            }
            continue;
        }
        name_bytes += path.len() as u64;
        if name_bytes > limits.max_bytes {
            return Err(brinery::Error::new(
                brinery::ErrorKind::LimitExceeded,
                "dotted names exceed Limits::max_bytes",
            ));
        }
        // Tensors and storages first (they are leaves).
        let tensor = match classify(g, id)? {
            Kind::Tensor(info, known, sid) => Some((info, known, sid)),
            Kind::Storage(sid) => {
                let info = TensorInfo {
                    dtype: sid.storage_dtype,
                    shape: vec![sid.numel],
                    strides: vec![1],
                    storage_offset: 0,
                    storage: sid.key.clone(),
                    requires_grad: false,
                };
                Some((info, true, sid))
            }
            Kind::Unsupported(what) => {
                found.notes.push(format!(
                    "'{path}': {what} tensors are not supported; skipped"
                ));
                continue;
            }
            Kind::No => None,
        };
        if let Some((info, dtype_known, sid)) = tensor {
            found.tensors.push(FoundTensor {
                name: path,
                info,
                dtype_known,
                sid,
            });
            continue;
        }
        let node = g.node(id);
        if let Node::PersistentId(pid) = node {
            if let Some(key) = key_string(&g.view(*pid)) {
                match lookup(&key) {
                    Some((info, place)) => found.resolved.push((path, info, place)),
                    None => {
                        return Err(invalid(format!(
                            "'{path}': persistent id '{key}' names no tensor"
                        )))
                    }
                }
            }
            continue;
        }
        if let Some(s) = scalar_of(g, id) {
            if !(path.is_empty() || skip_none && s == Scalar::None) {
                found.scalars.push((path, s));
            }
            continue;
        }
        if !seen.insert(id) {
            continue;
        }
        let mut children: Vec<(NodeId, String, bool)> = Vec::new();
        match node {
            Node::List(v) | Node::Tuple(v) => {
                for (i, &c) in v.iter().enumerate() {
                    children.push((c, join(&path, &i.to_string()), false));
                }
            }
            Node::Dict(d) => {
                for &(k, v) in d.entries() {
                    let seg = key_string(&g.view(k)).unwrap_or_else(|| format!("?{}", k.index()));
                    children.push((v, join(&path, &seg), false));
                }
            }
            Node::Object(o) => {
                if let Some(entries) = mapping(g, id) {
                    for (k, v) in entries {
                        let seg =
                            key_string(&g.view(k)).unwrap_or_else(|| format!("?{}", k.index()));
                        children.push((v, join(&path, &seg), false));
                    }
                }
                for (i, &c) in o.list_items.iter().enumerate() {
                    children.push((c, join(&path, &i.to_string()), false));
                }
                if let Some(state) = o.state() {
                    // (dict_state, slot_state) or a dict.
                    let parts: Vec<NodeId> = match g.node(state) {
                        Node::Tuple(v) if v.len() == 2 => v.clone(),
                        _ => vec![state],
                    };
                    for part in parts {
                        let Some(entries) = mapping(g, part) else {
                            continue;
                        };
                        let is_module = entries.iter().any(|(k, _)| {
                            matches!(
                                key_string(&g.view(*k)).as_deref(),
                                Some("_parameters" | "_modules")
                            )
                        });
                        if is_module {
                            for want in ["_parameters", "_buffers", "_modules"] {
                                for (k, v) in &entries {
                                    if key_string(&g.view(*k)).as_deref() == Some(want) {
                                        for (mk, mv) in mapping(g, *v).unwrap_or_default() {
                                            let seg = key_string(&g.view(mk))
                                                .unwrap_or_else(|| format!("?{}", mk.index()));
                                            children.push((mv, join(&path, &seg), true));
                                        }
                                    }
                                }
                            }
                        } else {
                            for (k, v) in entries {
                                let seg = key_string(&g.view(k))
                                    .unwrap_or_else(|| format!("?{}", k.index()));
                                children.push((v, join(&path, &seg), false));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        stack.extend(children.into_iter().rev());
    }
    Ok(found)
}
