//! Typed access to a pickled estimator's state: attributes, numbers,
//! numeric arrays as `f64`, class labels and structured records.

use brinery::{Construct, Node, NodeRef};
use brinery_numpy::{Array, ByteOrder, Dtype, Element, Kind};

use crate::error::{Error, Result};

/// A pickled Python object seen as a scikit-learn estimator (or any
/// object with a state dict): its class and its attributes.
#[derive(Clone, Copy)]
pub struct Obj<'g, 'a> {
    node: NodeRef<'g, 'a>,
}

impl<'g, 'a> Obj<'g, 'a> {
    /// The object at `node`, if it is an object built by the pickle (not
    /// a plain container or scalar).
    pub fn new(node: NodeRef<'g, 'a>) -> Option<Obj<'g, 'a>> {
        match node.node()? {
            Node::Object(_) => Some(Obj { node }),
            _ => None,
        }
    }

    /// The node.
    pub fn node(&self) -> NodeRef<'g, 'a> {
        self.node
    }

    /// `module.Name` of the class (`?` if it cannot be told).
    pub fn class(&self) -> String {
        self.node.class_name().unwrap_or_else(|| "?".into())
    }

    /// The class name without the module.
    pub fn name(&self) -> String {
        let c = self.class();
        match c.rsplit_once('.') {
            Some((_, n)) => n.to_string(),
            None => c,
        }
    }

    /// The module of the class.
    pub fn module(&self) -> String {
        let c = self.class();
        match c.rsplit_once('.') {
            Some((m, _)) => m.to_string(),
            None => String::new(),
        }
    }

    /// The attribute (state dict entry) `name`.
    pub fn get(&self, name: &str) -> Option<NodeRef<'g, 'a>> {
        self.node.get(name)
    }

    /// Whether the attribute `name` is `True`.
    pub(crate) fn is_true(&self, name: &str) -> bool {
        self.get(name).and_then(|v| v.as_bool()) == Some(true)
    }

    /// The attribute `name`, or an error naming it.
    pub fn req(&self, name: &str) -> Result<NodeRef<'g, 'a>> {
        self.get(name).ok_or_else(|| {
            Error::invalid(format!(
                "{} has no attribute {name} (not fitted, or an unknown layout)",
                self.name()
            ))
        })
    }

    /// `(name, value)` of every state dict entry in order.
    pub fn attrs(&self) -> Vec<(String, NodeRef<'g, 'a>)> {
        let g = self.node.graph();
        let Some(Node::Object(o)) = self.node.node() else {
            return Vec::new();
        };
        let Some(state) = o.state() else {
            return Vec::new();
        };
        let st = g.view(state);
        let dict = match st.node() {
            Some(Node::Tuple(t)) if t.len() == 2 => g.view(t[0]),
            _ => st,
        };
        dict.entries()
            .map(|(k, v)| {
                let key = k.as_str().map(str::to_string).unwrap_or_else(|| {
                    brinery::repr(g, k.id().unwrap_or(state), &brinery::ReprOptions::default())
                        .unwrap_or_default()
                });
                (key, v)
            })
            .collect()
    }

    /// The arguments of the call that made the object (REDUCE/NEWOBJ).
    pub fn ctor_args(&self) -> Vec<NodeRef<'g, 'a>> {
        let g = self.node.graph();
        let Some(Node::Object(o)) = self.node.node() else {
            return Vec::new();
        };
        match &o.construct {
            Construct::Reduce { args, .. }
            | Construct::NewObj { args, .. }
            | Construct::NewObjEx { args, .. } => g.view(*args).iter().collect(),
            Construct::Inst { args, .. } | Construct::Obj { args, .. } => {
                args.iter().map(|&a| g.view(a)).collect()
            }
        }
    }

    /// `_sklearn_version` from the state, if recorded.
    pub fn sklearn_version(&self) -> Option<&'g str> {
        self.get("_sklearn_version")?.as_str()
    }

    /// A float attribute (Python float/int or numpy scalar).
    pub fn f64(&self, name: &str) -> Result<f64> {
        scalar_f64(self.req(name)?).map_err(|e| e.at(name))
    }

    /// An integer attribute.
    pub fn i64(&self, name: &str) -> Result<i64> {
        let v = self.req(name)?;
        scalar_i64(v).map_err(|e| e.at(name))
    }

    /// A bool attribute (Python bool, or numpy bool scalar).
    pub fn bool(&self, name: &str) -> Result<bool> {
        let v = self.req(name)?;
        if let Some(b) = v.as_bool() {
            return Ok(b);
        }
        Ok(scalar_f64(v).map_err(|e| e.at(name))? != 0.0)
    }

    /// A str attribute (`None` when it is `None`).
    pub fn opt_str(&self, name: &str) -> Result<Option<&'g str>> {
        let v = self.req(name)?;
        if v.is_none() {
            return Ok(None);
        }
        v.as_str()
            .map(Some)
            .ok_or_else(|| Error::invalid(format!("{name} is not a str")).at(name))
    }

    /// A str attribute.
    pub fn str(&self, name: &str) -> Result<&'g str> {
        self.opt_str(name)?
            .ok_or_else(|| Error::invalid(format!("{name} is None")).at(name))
    }

    /// A numeric array attribute as `f64` (C order) with its shape.
    pub fn arr(&self, name: &str) -> Result<Mat> {
        num_array(self.req(name)?).map_err(|e| e.at(name))
    }

    /// Like [`Obj::arr`], `None` when the attribute is missing or `None`.
    pub fn opt_arr(&self, name: &str) -> Result<Option<Mat>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.is_none() => Ok(None),
            Some(v) => num_array(v).map(Some).map_err(|e| e.at(name)),
        }
    }
}

/// A numeric array converted to `f64`: the elements in C order and the
/// shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Mat {
    /// Elements in C order.
    pub data: Vec<f64>,
    /// The shape (empty for a scalar).
    pub shape: Vec<usize>,
}

impl Mat {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// `(rows, cols)` of a 2-d array, or an error naming the shape.
    pub fn dims2(&self) -> Result<(usize, usize)> {
        match self.shape[..] {
            [r, c] => Ok((r, c)),
            _ => Err(Error::invalid(format!(
                "expected a 2-d array, got shape {:?}",
                self.shape
            ))),
        }
    }
}

/// The elements of `a`, read as `T`, converted with `f`.
fn elements_f64<T: Element>(a: &Array<'_>, f: impl Fn(T) -> f64) -> Result<Vec<f64>> {
    Ok(a.to_vec::<T>()
        .map_err(Error::load)?
        .into_iter()
        .map(f)
        .collect())
}

fn numeric_to_f64(a: &Array<'_>) -> Result<Vec<f64>> {
    let d = a.dtype();
    Ok(match (d.kind, d.itemsize) {
        (Kind::Float, 8) => elements_f64::<f64>(a, |v| v)?,
        (Kind::Float, 4) => elements_f64::<f32>(a, f64::from)?,
        (Kind::Int, 8) => elements_f64::<i64>(a, |v| v as f64)?,
        (Kind::Int, 4) => elements_f64::<i32>(a, f64::from)?,
        (Kind::Int, 2) => elements_f64::<i16>(a, f64::from)?,
        (Kind::Int, 1) => elements_f64::<i8>(a, f64::from)?,
        (Kind::UInt, 8) => elements_f64::<u64>(a, |v| v as f64)?,
        (Kind::UInt, 4) => elements_f64::<u32>(a, f64::from)?,
        (Kind::UInt, 2) => elements_f64::<u16>(a, f64::from)?,
        (Kind::UInt, 1) => elements_f64::<u8>(a, f64::from)?,
        (Kind::Bool, 1) => elements_f64::<bool>(a, |b| b as u8 as f64)?,
        (Kind::Object, _) => {
            let g_items = a
                .objects()
                .ok_or_else(|| Error::invalid("object array without objects"))?;
            return Err(Error::invalid(format!(
                "object array ({} items) where numbers were expected",
                g_items.len()
            )));
        }
        _ => {
            return Err(Error::invalid(format!(
                "array of dtype {} where numbers were expected",
                d.str()
            )))
        }
    })
}

/// A numeric array, numpy scalar or Python number as `f64`s.
pub fn num_array(v: NodeRef<'_, '_>) -> Result<Mat> {
    if let Some(a) = Array::from_node(v).map_err(Error::load)? {
        if a.dtype().kind == Kind::Object {
            // object arrays of Python numbers
            let g = v.graph();
            let ids = a.objects().unwrap_or_default();
            let data = ids
                .iter()
                .map(|&id| scalar_f64(g.view(id)))
                .collect::<Result<Vec<_>>>()?;
            return Ok(Mat {
                data,
                shape: a.shape().to_vec(),
            });
        }
        let data = numeric_to_f64(&a)?;
        return Ok(Mat {
            data,
            shape: a.shape().to_vec(),
        });
    }
    Ok(Mat {
        data: vec![scalar_f64(v)?],
        shape: Vec::new(),
    })
}

/// A Python number or numpy scalar as `f64`.
pub fn scalar_f64(v: NodeRef<'_, '_>) -> Result<f64> {
    match v.node() {
        Some(Node::Float(f)) => return Ok(*f),
        Some(Node::Int(i)) => return Ok(*i as f64),
        Some(Node::Bool(b)) => return Ok(*b as u8 as f64),
        _ => {}
    }
    if let Some(a) = Array::scalar_from_node(v).map_err(Error::load)? {
        let d = numeric_to_f64(&a)?;
        if d.len() == 1 {
            return Ok(d[0]);
        }
    }
    if let Some(a) = Array::from_node(v).map_err(Error::load)? {
        if a.len() == 1 && a.dtype().kind != Kind::Object {
            return Ok(numeric_to_f64(&a)?[0]);
        }
    }
    Err(Error::invalid(format!(
        "expected a number, found {}",
        v.node().map(|n| n.type_name()).unwrap_or("nothing")
    )))
}

/// A Python int or integral numpy scalar.
pub fn scalar_i64(v: NodeRef<'_, '_>) -> Result<i64> {
    if let Some(i) = v.as_i64() {
        return Ok(i);
    }
    let f = scalar_f64(v)?;
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Ok(f as i64)
    } else {
        Err(Error::invalid(format!("expected an integer, found {f}")))
    }
}

/// Class labels (`classes_`) or predictions of labels.
#[derive(Clone, Debug, PartialEq)]
pub enum Labels {
    /// Integer labels.
    Int(Vec<i64>),
    /// Float labels.
    Float(Vec<f64>),
    /// Text labels.
    Str(Vec<String>),
    /// Boolean labels.
    Bool(Vec<bool>),
}

impl Labels {
    /// Number of labels.
    pub fn len(&self) -> usize {
        match self {
            Labels::Int(v) => v.len(),
            Labels::Float(v) => v.len(),
            Labels::Str(v) => v.len(),
            Labels::Bool(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `classes_.take(indices)`.
    pub fn take(&self, idx: &[usize]) -> Result<Labels> {
        let n = self.len();
        if let Some(&bad) = idx.iter().find(|&&i| i >= n) {
            return Err(Error::invalid(format!(
                "class index {bad} out of range for {n} classes"
            )));
        }
        Ok(match self {
            Labels::Int(v) => Labels::Int(idx.iter().map(|&i| v[i]).collect()),
            Labels::Float(v) => Labels::Float(idx.iter().map(|&i| v[i]).collect()),
            Labels::Str(v) => Labels::Str(idx.iter().map(|&i| v[i].clone()).collect()),
            Labels::Bool(v) => Labels::Bool(idx.iter().map(|&i| v[i]).collect()),
        })
    }

    /// Label `i` as text (for CSV output).
    pub fn text(&self, i: usize) -> String {
        match self {
            Labels::Int(v) => v[i].to_string(),
            Labels::Float(v) => crate::output::float_text(v[i]),
            Labels::Str(v) => v[i].clone(),
            Labels::Bool(v) => if v[i] { "True" } else { "False" }.to_string(),
        }
    }
}

fn utf32_text(b: &[u8], big: bool) -> String {
    b.chunks_exact(4)
        .map(|c| {
            let a = [c[0], c[1], c[2], c[3]];
            if big {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            }
        })
        .take_while(|&u| u != 0)
        .map(|u| char::from_u32(u).unwrap_or('\u{fffd}'))
        .collect()
}

/// Read a label array (`classes_`): ints, floats, bools, `<U` text or an
/// object array of str/int.
pub fn labels(v: NodeRef<'_, '_>) -> Result<Labels> {
    let g = v.graph();
    let a = Array::from_node(v)
        .map_err(Error::load)?
        .ok_or_else(|| Error::invalid("classes_ is not a numpy array"))?;
    let d: &Dtype = a.dtype();
    match d.kind {
        Kind::Int | Kind::UInt => Ok(Labels::Int(
            numeric_to_f64(&a)?.into_iter().map(|f| f as i64).collect(),
        )),
        Kind::Float => Ok(Labels::Float(numeric_to_f64(&a)?)),
        Kind::Bool => Ok(Labels::Bool(
            numeric_to_f64(&a)?.into_iter().map(|f| f != 0.0).collect(),
        )),
        Kind::Str => {
            let b = a
                .to_c_bytes()
                .ok_or_else(|| Error::invalid("text array without bytes"))?;
            let big = d.byteorder == ByteOrder::Big;
            if d.itemsize == 0 {
                return Ok(Labels::Str(vec![String::new(); a.len()]));
            }
            Ok(Labels::Str(
                b.chunks_exact(d.itemsize)
                    .map(|c| utf32_text(c, big))
                    .collect(),
            ))
        }
        Kind::Object => {
            let ids = a.objects().unwrap_or_default();
            let items: Vec<NodeRef<'_, '_>> = ids.iter().map(|&i| g.view(i)).collect();
            if items.iter().all(|i| i.as_str().is_some()) {
                Ok(Labels::Str(
                    items
                        .iter()
                        .map(|i| i.as_str().unwrap_or("").to_string())
                        .collect(),
                ))
            } else if items.iter().all(|i| i.as_i64().is_some()) {
                Ok(Labels::Int(
                    items.iter().map(|i| i.as_i64().unwrap_or(0)).collect(),
                ))
            } else {
                Err(Error::invalid(
                    "object label array with values other than str or int",
                ))
            }
        }
        _ => Err(Error::invalid(format!(
            "label array of dtype {} is not supported",
            d.str()
        ))),
    }
}

/// A structured array (such as a tree's `nodes`): field access by name.
pub struct Records {
    bytes: Vec<u8>,
    itemsize: usize,
    /// Number of records.
    pub len: usize,
    fields: Vec<(String, usize, Kind, usize, bool)>,
}

/// One field of [`Records`], resolved once.
#[derive(Clone, Copy)]
pub struct FieldRef {
    offset: usize,
    kind: Kind,
    size: usize,
    big: bool,
}

impl Records {
    /// Read a structured numpy array.
    pub fn new(v: NodeRef<'_, '_>) -> Result<Records> {
        let a = Array::from_node(v)
            .map_err(Error::load)?
            .ok_or_else(|| Error::invalid("expected a structured numpy array"))?;
        let d = a.dtype();
        let fields = d
            .fields
            .as_ref()
            .ok_or_else(|| Error::invalid("expected a structured dtype"))?;
        let mut fs = Vec::new();
        for f in fields {
            if f.dtype.subarray.is_some() || f.dtype.fields.is_some() {
                continue;
            }
            if f.offset + f.dtype.itemsize > d.itemsize {
                return Err(Error::invalid(format!(
                    "field {} lies outside the record",
                    f.name
                )));
            }
            fs.push((
                f.name.clone(),
                f.offset,
                f.dtype.kind,
                f.dtype.itemsize,
                f.dtype.byteorder == ByteOrder::Big,
            ));
        }
        let bytes = a
            .to_c_bytes()
            .ok_or_else(|| Error::invalid("structured array without bytes"))?
            .into_owned();
        Ok(Records {
            bytes,
            itemsize: d.itemsize,
            len: a.len(),
            fields: fs,
        })
    }

    /// The field `name`, or an error.
    pub fn field(&self, name: &str) -> Result<FieldRef> {
        self.opt_field(name)
            .ok_or_else(|| Error::invalid(format!("structured array has no field {name}")))
    }

    /// The field `name` if present.
    pub fn opt_field(&self, name: &str) -> Option<FieldRef> {
        self.fields.iter().find(|f| f.0 == name).map(|f| FieldRef {
            offset: f.1,
            kind: f.2,
            size: f.3,
            big: f.4,
        })
    }

    /// Field names in order.
    pub fn names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.0.as_str()).collect()
    }

    fn raw(&self, i: usize, f: FieldRef) -> &[u8] {
        let s = i * self.itemsize + f.offset;
        &self.bytes[s..s + f.size]
    }

    /// Record `i`'s field as f64 (numbers of any width).
    pub fn f64(&self, i: usize, f: FieldRef) -> f64 {
        let b = self.raw(i, f);
        let mut a = [0u8; 8];
        let n = b.len().min(8);
        if f.big {
            a[8 - n..].copy_from_slice(&b[..n]);
        } else {
            a[..n].copy_from_slice(&b[..n]);
        }
        let rd64 = |a: [u8; 8]| {
            if f.big {
                u64::from_be_bytes(a)
            } else {
                u64::from_le_bytes(a)
            }
        };
        match (f.kind, f.size) {
            (Kind::Float, 8) => f64::from_bits(rd64(a)),
            (Kind::Float, 4) => {
                let x = [b[0], b[1], b[2], b[3]];
                f64::from(f32::from_bits(if f.big {
                    u32::from_be_bytes(x)
                } else {
                    u32::from_le_bytes(x)
                }))
            }
            (Kind::Int, _) => {
                let u = if f.big {
                    rd64(a) >> (64 - 8 * n)
                } else {
                    rd64(a)
                };
                let shift = 64 - 8 * n as u32;
                (((u << shift) as i64) >> shift) as f64
            }
            (Kind::UInt | Kind::Bool, _) => {
                let u = if f.big {
                    rd64(a) >> (64 - 8 * n)
                } else {
                    rd64(a)
                };
                u as f64
            }
            _ => f64::NAN,
        }
    }

    /// Record `i`'s field as i64.
    pub fn i64(&self, i: usize, f: FieldRef) -> i64 {
        let v = self.f64(i, f);
        if v.is_finite() {
            v as i64
        } else {
            -1
        }
    }
}

/// The elements of a numeric numpy array as `f64` (C order).
pub fn array_f64(a: &Array<'_>) -> Result<Vec<f64>> {
    numeric_to_f64(a)
}
