//! Building the graph nodes numpy's `__reduce_ex__` makes, so that
//! `brinery::dumps` writes pickles numpy loads (byte-identical to numpy's
//! own for the same protocol).

use std::collections::HashMap;

use brinery::{Buf, Construct, Graph, Node, NodeId, Object, PickleBuffer, Result};

use crate::array::{Array, ArrayData, Order};
use crate::dtype::{invalid, Dtype, Kind, TimeUnit, MAX_DTYPE_DEPTH};

/// Which numpy's module names to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumpyVersion {
    /// numpy 1.x: `numpy.core.multiarray`, `numpy.core.numeric`.
    V1,
    /// numpy 2.x: `numpy._core.multiarray`, `numpy._core.numeric` (numpy
    /// 1.26 loads these too).
    V2,
}

/// Which of numpy's pickled forms to write for an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArrayForm {
    /// `_reconstruct(ndarray, (0,), b'b')` + BUILD `(1, shape, dtype,
    /// is_fortran, data)`: any protocol.
    Reconstruct,
    /// `_frombuffer(PickleBuffer, dtype, shape, order[, axis_order])`:
    /// protocol 5 only (in-band, or out-of-band with
    /// `Pickler::buffer_callback`). Object arrays fall back to
    /// `Reconstruct`, as in numpy.
    FromBuffer,
}

/// Adds numpy arrays, scalars and dtypes to a [`Graph`] the way numpy
/// pickles them, sharing what numpy shares (globals, builtin dtypes).
///
/// ```
/// use brinery_numpy::{Array, ArrayForm, ArrayPickler, NumpyVersion};
/// let a = Array::from_vec(vec![2, 2], vec![1.5f64, 2.0, 3.0, 4.0])?;
/// let mut g = brinery::Graph::new();
/// let mut p = ArrayPickler::new(NumpyVersion::V2);
/// let root = p.array(&mut g, &a, ArrayForm::Reconstruct)?;
/// g.set_root(root);
/// let bytes = brinery::dumps(&g, 4)?;
/// let back = brinery::loads(&bytes)?;
/// let b = Array::from_node(back.root())?.unwrap();
/// assert_eq!(b.to_vec::<f64>()?, vec![1.5, 2.0, 3.0, 4.0]);
/// # Ok::<(), brinery::Error>(())
/// ```
#[derive(Debug)]
pub struct ArrayPickler {
    version: NumpyVersion,
    globals: HashMap<(String, String), NodeId>,
    builtin_dtypes: Vec<(Dtype, NodeId)>,
    /// CPython's one-character latin-1 (and empty) strings are singletons.
    chars: HashMap<String, NodeId>,
}

fn is_builtin(d: &Dtype) -> bool {
    d.is_simple()
        && d.is_native()
        && matches!(
            d.kind,
            Kind::Bool | Kind::Int | Kind::UInt | Kind::Float | Kind::Complex | Kind::Object
        )
}

fn flags(d: &Dtype, depth: usize) -> i64 {
    if depth > MAX_DTYPE_DEPTH {
        return 0;
    }
    if let Some(fields) = &d.fields {
        let mut f = 0x10;
        for fd in fields {
            f |= flags(&fd.dtype, depth + 1) & 0x1b;
        }
        if d.aligned_struct {
            f |= 0x80;
        }
        return f;
    }
    if let Some(sub) = &d.subarray {
        return flags(&sub.0, depth + 1) & 0x1b;
    }
    match d.kind {
        Kind::Object => 63,
        Kind::Str => 8,
        _ => 0,
    }
}

impl ArrayPickler {
    /// A pickler writing `version`'s module names.
    pub fn new(version: NumpyVersion) -> Self {
        ArrayPickler {
            version,
            globals: HashMap::new(),
            builtin_dtypes: Vec::new(),
            chars: HashMap::new(),
        }
    }

    /// A str node, shared when CPython shares it (one latin-1 character
    /// or empty).
    fn str(&mut self, g: &mut Graph<'_>, s: &str) -> NodeId {
        let mut it = s.chars();
        let single = match (it.next(), it.next()) {
            (None, _) => true,
            (Some(c), None) => (c as u32) < 256,
            _ => false,
        };
        if !single {
            return g.str(s);
        }
        *self.chars.entry(s.to_string()).or_insert_with(|| g.str(s))
    }

    fn global(&mut self, g: &mut Graph<'_>, m: &str, n: &str) -> NodeId {
        *self
            .globals
            .entry((m.to_string(), n.to_string()))
            .or_insert_with(|| g.global(m, n))
    }

    fn multiarray(&self) -> &'static str {
        match self.version {
            NumpyVersion::V1 => "numpy.core.multiarray",
            NumpyVersion::V2 => "numpy._core.multiarray",
        }
    }

    /// The node of a `numpy.dtype` (REDUCE of `numpy.dtype(typestr, False,
    /// True)` + BUILD state), as numpy's `dtype.__reduce__` makes it.
    pub fn dtype(&mut self, g: &mut Graph<'_>, d: &Dtype) -> Result<NodeId> {
        self.dtype_at(g, d, 0)
    }

    fn dtype_at(&mut self, g: &mut Graph<'_>, d: &Dtype, depth: usize) -> Result<NodeId> {
        if depth > MAX_DTYPE_DEPTH {
            return Err(invalid("dtype nested too deeply"));
        }
        // numpy's builtin dtypes are singletons (shared between arrays);
        // field and subarray dtypes are fresh objects.
        let shared = depth == 0 && is_builtin(d);
        if shared {
            if let Some((_, id)) = self.builtin_dtypes.iter().find(|(x, _)| x == d) {
                return Ok(*id);
            }
        }
        let cls = self.global(g, "numpy", "dtype");
        let size = if d.kind == Kind::Str {
            d.itemsize / 4
        } else {
            d.itemsize
        };
        let typestr = g.str(format!("{}{}", d.kind.char(), size));
        let f = g.add(Node::Bool(false));
        let t = g.add(Node::Bool(true));
        let args = g.tuple(vec![typestr, f, t]);
        let mut obj = Object::new(Construct::Reduce {
            callable: cls,
            args,
        });
        let datetime = matches!(d.kind, Kind::Datetime | Kind::Timedelta);
        let version = g.int(if datetime { 4 } else { 3 });
        let endian = self.str(g, &d.byteorder.char().to_string());
        let subarray = match &d.subarray {
            Some(sub) => {
                let base = self.dtype_at(g, &sub.0, depth + 1)?;
                let dims: Vec<NodeId> = sub.1.iter().map(|&x| g.int(x as i64)).collect();
                let shape = g.tuple(dims);
                g.tuple(vec![base, shape])
            }
            None => g.add(Node::None),
        };
        let (names, fields) = match &d.fields {
            Some(fields) => {
                // The name strings are shared by `names` and the keys of
                // `fields` (and a title by its key and its entry).
                let name_ids: Vec<NodeId> = fields.iter().map(|f| self.str(g, &f.name)).collect();
                let names = g.tuple(name_ids.clone());
                let mut pairs = Vec::new();
                for (f, &k) in fields.iter().zip(&name_ids) {
                    let fd = self.dtype_at(g, &f.dtype, depth + 1)?;
                    let off = g.int(f.offset as i64);
                    match &f.title {
                        Some(t) => {
                            let tn = self.str(g, t);
                            let v = g.tuple(vec![fd, off, tn]);
                            pairs.push((k, v));
                            pairs.push((tn, v));
                        }
                        None => {
                            let v = g.tuple(vec![fd, off]);
                            pairs.push((k, v));
                        }
                    }
                }
                (names, g.dict(pairs)?)
            }
            None => (g.add(Node::None), g.add(Node::None)),
        };
        let flexible = matches!(d.kind, Kind::Bytes | Kind::Str | Kind::Void);
        let elsize = g.int(if flexible { d.itemsize as i64 } else { -1 });
        let align = g.int(if flexible { d.alignment as i64 } else { -1 });
        // numpy 1.x stored the flags as a C `char` (signed).
        let fl = match self.version {
            NumpyVersion::V1 => flags(d, depth) as u8 as i8 as i64,
            NumpyVersion::V2 => flags(d, depth),
        };
        let fl = g.int(fl);
        let mut state = vec![version, endian, subarray, names, fields, elsize, align, fl];
        if datetime {
            let (unit, num) = d.time_unit.unwrap_or((TimeUnit::Generic, 1));
            // numpy 1.x writes an empty metadata dict, numpy 2.x None.
            let meta = match self.version {
                NumpyVersion::V1 => g.dict(vec![])?,
                NumpyVersion::V2 => g.add(Node::None),
            };
            let code = g.bytes(unit.code().as_bytes().to_vec());
            let num = g.int(num as i64);
            let den = g.int(1);
            let ev = g.int(1);
            let u = g.tuple(vec![code, num, den, ev]);
            state.push(g.tuple(vec![meta, u]));
        }
        let state = g.tuple(state);
        obj.builds.push(state);
        let id = g.add(Node::Object(Box::new(obj)));
        if shared {
            self.builtin_dtypes.push((d.clone(), id));
        }
        Ok(id)
    }

    fn shape_tuple(g: &mut Graph<'_>, shape: &[usize]) -> NodeId {
        let dims: Vec<NodeId> = shape.iter().map(|&x| g.int(x as i64)).collect();
        g.tuple(dims)
    }

    /// The node of an array in `form` (object arrays: their node ids must
    /// belong to `g`).
    pub fn array<'x>(
        &mut self,
        g: &mut Graph<'x>,
        a: &Array<'x>,
        form: ArrayForm,
    ) -> Result<NodeId> {
        let dtype = a.dtype();
        // numpy pickles subclasses, object, datetime and zero-size-item
        // arrays with `_reconstruct` at every protocol.
        let subclass = a
            .class()
            .is_some_and(|(m, n)| (m, n) != ("numpy", "ndarray"));
        let buffer_ok = !subclass
            && !dtype.has_object()
            && dtype.itemsize > 0
            && !matches!(dtype.kind, Kind::Datetime | Kind::Timedelta);
        if form == ArrayForm::FromBuffer && buffer_ok {
            return self.frombuffer(g, a);
        }
        let ma = self.multiarray();
        let recon = self.global(g, ma, "_reconstruct");
        // The class given to `_reconstruct` (an ndarray subclass such as
        // `numpy.matrix` keeps its class).
        let (cm, cn) = a.class().unwrap_or(("numpy", "ndarray"));
        let nd = self.global(g, cm, cn);
        let zero = g.int(0);
        let zt = g.tuple(vec![zero]);
        let b = g.bytes(b"b".to_vec());
        let args = g.tuple(vec![nd, zt, b]);
        let mut obj = Object::new(Construct::Reduce {
            callable: recon,
            args,
        });
        let version = g.int(1);
        let shape = Self::shape_tuple(g, a.shape());
        let dt = self.dtype(g, dtype)?;
        // numpy's PyArray_ISFORTRAN: F-contiguous and not C-contiguous.
        let fortran = !a.is_c_contiguous() && a.is_f_contiguous();
        let ff = g.add(Node::Bool(fortran));
        let data = match a.data() {
            ArrayData::Objects(_) => {
                let items = a.objects().unwrap_or_default();
                g.list(items)
            }
            ArrayData::Bytes(_) => {
                let bytes = if fortran {
                    a.to_f_bytes()
                } else {
                    a.to_c_bytes()
                };
                let bytes = bytes.ok_or_else(|| invalid("array has no bytes"))?;
                let buf = match (a.buf(), &bytes) {
                    (Some(Buf::Borrowed(b)), std::borrow::Cow::Borrowed(_)) => Buf::Borrowed(b),
                    _ => Buf::Owned(bytes.into_owned().into_boxed_slice()),
                };
                g.add(Node::Bytes(buf))
            }
        };
        let state = g.tuple(vec![version, shape, dt, ff, data]);
        obj.builds.push(state);
        Ok(g.add(Node::Object(Box::new(obj))))
    }

    fn frombuffer<'x>(&mut self, g: &mut Graph<'x>, a: &Array<'x>) -> Result<NodeId> {
        let numeric = match self.version {
            NumpyVersion::V1 => "numpy.core.numeric",
            NumpyVersion::V2 => "numpy._core.numeric",
        };
        let fb = self.global(g, numeric, "_frombuffer");
        let raw = a
            .buf()
            .ok_or_else(|| invalid("array has no bytes"))?
            .clone();
        let buf = g.add(Node::Buffer(Box::new(PickleBuffer {
            data: raw,
            readonly: false,
            index: None,
        })));
        let dt = self.dtype(g, a.dtype())?;
        let mut args = vec![buf, dt];
        match a.order() {
            Order::C => {
                args.push(Self::shape_tuple(g, a.shape()));
                args.push(self.str(g, "C"));
            }
            Order::F => {
                args.push(Self::shape_tuple(g, a.shape()));
                args.push(self.str(g, "F"));
            }
            Order::K => {
                // Memory axes by decreasing stride; axis_order maps each
                // result axis to its memory axis.
                let mut perm: Vec<usize> = (0..a.ndim()).collect();
                perm.sort_by(|&x, &y| a.strides()[y].cmp(&a.strides()[x]));
                let mem_shape: Vec<usize> = perm.iter().map(|&i| a.shape()[i]).collect();
                let mut axis = vec![0usize; perm.len()];
                for (j, &i) in perm.iter().enumerate() {
                    axis[i] = j;
                }
                args.push(Self::shape_tuple(g, &mem_shape));
                args.push(self.str(g, "K"));
                args.push(Self::shape_tuple(g, &axis));
            }
        }
        let args = g.tuple(args);
        Ok(g.add(Node::Object(Box::new(Object::new(Construct::Reduce {
            callable: fb,
            args,
        })))))
    }

    /// The node of a numpy scalar: `scalar(dtype, bytes)` (object scalars:
    /// `scalar(dtype('O'), obj)`); `a` must be 0-d.
    pub fn scalar<'x>(&mut self, g: &mut Graph<'x>, a: &Array<'x>) -> Result<NodeId> {
        if a.ndim() != 0 {
            return Err(invalid("a numpy scalar has an empty shape"));
        }
        let ma = self.multiarray();
        let sc = self.global(g, ma, "scalar");
        let dt = self.dtype(g, a.dtype())?;
        let payload = match a.data() {
            ArrayData::Objects(o) => *o.first().ok_or_else(|| invalid("empty object scalar"))?,
            ArrayData::Bytes(b) => g.add(Node::Bytes(b.clone())),
        };
        let args = g.tuple(vec![dt, payload]);
        Ok(g.add(Node::Object(Box::new(Object::new(Construct::Reduce {
            callable: sc,
            args,
        })))))
    }
}

/// `pickle.dumps(array, protocol)` as numpy 2.x writes it: the
/// `_frombuffer` form (in-band) at protocol 5, `_reconstruct` below.
pub fn dumps_array(a: &Array<'_>, protocol: u8) -> Result<Vec<u8>> {
    if a.dtype().has_object() {
        return Err(invalid(
            "object arrays hold graph nodes: use ArrayPickler with their graph",
        ));
    }
    let mut g = Graph::new();
    let local = a.reborrow();
    let mut p = ArrayPickler::new(NumpyVersion::V2);
    let form = if protocol >= 5 {
        ArrayForm::FromBuffer
    } else {
        ArrayForm::Reconstruct
    };
    let root = p.array(&mut g, &local, form)?;
    g.set_root(root);
    brinery::dumps(&g, protocol)
}
