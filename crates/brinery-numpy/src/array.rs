//! numpy arrays and scalars read from (and written to) a pickle graph.

use std::borrow::Cow;
use std::collections::HashSet;

use brinery::{Buf, Construct, Graph, Node, NodeId, NodeRef, Object, Result};

use crate::dtype::{invalid, node_shape, node_text, ByteOrder, Dtype, Kind};

/// Memory layout of an array's element bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    /// Row-major (C) order.
    C,
    /// Column-major (Fortran) order.
    F,
    /// Dense but with another axis order (protocol 5's order `'K'`).
    K,
}

/// The elements of an [`Array`].
#[derive(Clone, Debug)]
pub enum ArrayData<'g> {
    /// Element bytes in memory order (see [`Array::strides`]).
    Bytes(Buf<'g>),
    /// Python values of an object array, in memory order.
    Objects(Vec<NodeId>),
}

/// A numpy array (or, with an empty shape and [`Array::is_scalar`], a
/// numpy scalar) decoded from a pickle graph or a `.npy` file.
///
/// The element bytes borrow from the graph (zero-copy); they are dense
/// (`len() * itemsize` bytes) and laid out by [`Array::strides`] (C, F, or
/// an axis permutation for protocol 5's order `'K'`).
#[derive(Clone, Debug)]
pub struct Array<'g> {
    dtype: Dtype,
    shape: Vec<usize>,
    strides: Vec<usize>,
    data: ArrayData<'g>,
    class: Option<(String, String)>,
    scalar: bool,
}

/// numpy's `NPY_MAXDIMS`.
pub(crate) const MAX_NDIM: usize = 64;

fn check_ndim(shape: &[usize]) -> Result<()> {
    if shape.len() > MAX_NDIM {
        return Err(invalid(format!(
            "array has {} dimensions, numpy allows at most {MAX_NDIM}",
            shape.len()
        )));
    }
    Ok(())
}

fn product(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))
}

fn c_strides(shape: &[usize], itemsize: usize) -> Vec<usize> {
    let mut s = vec![0; shape.len()];
    let mut acc = itemsize;
    for i in (0..shape.len()).rev() {
        s[i] = acc;
        acc = acc.saturating_mul(shape[i].max(1));
    }
    s
}

fn f_strides(shape: &[usize], itemsize: usize) -> Vec<usize> {
    let mut s = vec![0; shape.len()];
    let mut acc = itemsize;
    for i in 0..shape.len() {
        s[i] = acc;
        acc = acc.saturating_mul(shape[i].max(1));
    }
    s
}

/// numpy's contiguity test (dimensions of length 1 do not count).
fn is_contiguous(shape: &[usize], strides: &[usize], itemsize: usize, fortran: bool) -> bool {
    if shape.contains(&0) {
        return true;
    }
    let mut expected = itemsize;
    let idx: Vec<usize> = if fortran {
        (0..shape.len()).collect()
    } else {
        (0..shape.len()).rev().collect()
    };
    for i in idx {
        if shape[i] == 1 {
            continue;
        }
        if strides[i] != expected {
            return false;
        }
        expected *= shape[i];
    }
    true
}

fn global_of<'g>(g: &'g Graph<'_>, id: NodeId) -> Option<(&'g str, &'g str)> {
    g.view(id).as_global()
}

/// An object made by REDUCE of a global: the object, the global's
/// `(module, name)` and the argument tuple.
fn reduce_of<'g, 'a>(
    v: NodeRef<'g, 'a>,
) -> Option<(&'g Object, (&'g str, &'g str), NodeRef<'g, 'a>)> {
    let g = v.graph();
    match v.node()? {
        Node::Object(o) => match o.construct {
            Construct::Reduce { callable, args } => {
                Some((o, global_of(g, callable)?, g.view(args)))
            }
            _ => None,
        },
        _ => None,
    }
}

fn is_multiarray(m: &str) -> bool {
    matches!(m, "numpy.core.multiarray" | "numpy._core.multiarray")
}

fn is_numeric(m: &str) -> bool {
    matches!(m, "numpy.core.numeric" | "numpy._core.numeric")
}

/// What a node is, numpy-wise (cheap check, no validation).
pub(crate) fn numpy_kind(v: NodeRef<'_, '_>) -> Option<&'static str> {
    let (_, (m, n), _) = reduce_of(v)?;
    match n {
        "_reconstruct" if is_multiarray(m) => Some("array"),
        "_frombuffer" if is_numeric(m) => Some("array"),
        "scalar" if is_multiarray(m) => Some("scalar"),
        "dtype" if m == "numpy" || m.starts_with("numpy.") => Some("dtype"),
        _ => None,
    }
}

/// Element bytes from a bytes-like node: bytes/bytearray/buffer borrow
/// from the graph; a Python 2 `str` (decoded as latin-1) is re-encoded.
fn node_data<'g>(v: NodeRef<'g, '_>) -> Result<Option<Buf<'g>>> {
    if let Some(b) = v.as_bytes() {
        return Ok(Some(Buf::Borrowed(b)));
    }
    if let Some(Node::Str(s)) = v.node() {
        let mut out = Vec::with_capacity(s.as_wtf8().len());
        for cp in s.code_points() {
            let b = u8::try_from(cp).map_err(|_| {
                invalid(
                    "array data is a str with characters above U+00FF \
                     (a Python 2 pickle must be loaded with encoding='latin1' or 'bytes')",
                )
            })?;
            out.push(b);
        }
        return Ok(Some(Buf::Owned(out.into_boxed_slice())));
    }
    Ok(None)
}

impl<'g> Array<'g> {
    /// An array over `data` (element bytes in `order`: C or F) with
    /// checks that the sizes agree.
    pub fn new(dtype: Dtype, shape: Vec<usize>, order: Order, data: Buf<'g>) -> Result<Array<'g>> {
        check_ndim(&shape)?;
        if matches!(dtype.kind, Kind::Object | Kind::VString) {
            return Err(invalid("object arrays hold nodes: use Array::from_objects"));
        }
        let n = product(&shape)
            .and_then(|n| n.checked_mul(dtype.itemsize))
            .ok_or_else(|| invalid("array size overflows"))?;
        if data.len() != n {
            return Err(invalid(format!(
                "array data has {} bytes, shape {:?} of {} needs {}",
                data.len(),
                shape,
                dtype.str(),
                n
            )));
        }
        let strides = match order {
            Order::F => f_strides(&shape, dtype.itemsize),
            _ => c_strides(&shape, dtype.itemsize),
        };
        Ok(Array {
            dtype,
            shape,
            strides,
            data: ArrayData::Bytes(data),
            class: None,
            scalar: false,
        })
    }

    /// An object array of `shape` holding graph nodes in C order.
    pub fn from_objects(shape: Vec<usize>, items: Vec<NodeId>) -> Result<Array<'g>> {
        check_ndim(&shape)?;
        let n = product(&shape).ok_or_else(|| invalid("array size overflows"))?;
        if n != items.len() {
            return Err(invalid(format!(
                "{} objects for an array of shape {:?}",
                items.len(),
                shape
            )));
        }
        let dtype = Dtype::new(Kind::Object, 8, ByteOrder::NotApplicable);
        Ok(Array {
            strides: c_strides(&shape, 8),
            dtype,
            shape,
            data: ArrayData::Objects(items),
            class: None,
            scalar: false,
        })
    }

    /// A C-order array of numbers (native byte order) from a vector.
    pub fn from_vec<T: Element>(shape: Vec<usize>, v: Vec<T>) -> Result<Array<'static>> {
        let mut bytes = Vec::with_capacity(v.len() * T::SIZE);
        for x in &v {
            x.write_ne(&mut bytes);
        }
        Array::new(
            T::dtype(),
            shape,
            Order::C,
            Buf::Owned(bytes.into_boxed_slice()),
        )
    }

    /// The array of a pickled numpy array: `_reconstruct` + BUILD (any
    /// protocol, numpy 1.x `numpy.core` or 2.x `numpy._core`, Python 2
    /// data as latin-1 `str` or bytes) or protocol 5's `_frombuffer`
    /// (orders C, F, K; in-band or out-of-band buffers). `Ok(None)` when
    /// the node is not a numpy array; an error when it is one but is
    /// malformed.
    ///
    /// ```
    /// // pickle.dumps(np.arange(3, dtype='<i2'), protocol=2) by numpy 2.x
    /// let data = b"\x80\x02cnumpy._core.multiarray\n_reconstruct\nq\x00cnumpy\nndarray\nq\x01K\x00\x85q\x02c_codecs\nencode\nq\x03X\x01\x00\x00\x00bq\x04X\x06\x00\x00\x00latin1q\x05\x86q\x06Rq\x07\x87q\x08Rq\t(K\x01K\x03\x85q\ncnumpy\ndtype\nq\x0bX\x02\x00\x00\x00i2q\x0c\x89\x88\x87q\rRq\x0e(K\x03X\x01\x00\x00\x00<q\x0fNNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tq\x10b\x89h\x03X\x06\x00\x00\x00\x00\x00\x01\x00\x02\x00q\x11h\x05\x86q\x12Rq\x13tq\x14b.";
    /// let g = brinery::loads(data)?;
    /// let a = brinery_numpy::Array::from_node(g.root())?.unwrap();
    /// assert_eq!(a.dtype().str(), "<i2");
    /// assert_eq!(a.shape(), &[3]);
    /// assert_eq!(a.to_vec::<i16>()?, vec![0, 1, 2]);
    /// # Ok::<(), brinery::Error>(())
    /// ```
    pub fn from_node(v: NodeRef<'g, '_>) -> Result<Option<Array<'g>>> {
        let Some((o, (m, n), args)) = reduce_of(v) else {
            return Ok(None);
        };
        let g = v.graph();
        if n == "_reconstruct" && is_multiarray(m) {
            let class = args
                .get(&0)
                .and_then(|c| c.as_global())
                .map(|(a, b)| (a.to_string(), b.to_string()));
            let state = o
                .state()
                .ok_or_else(|| invalid("numpy array has no BUILD state"))?;
            let mut a = from_state(g.view(state))?;
            a.class = class;
            return Ok(Some(a));
        }
        if n == "_frombuffer" && is_numeric(m) {
            return from_frombuffer(args).map(Some);
        }
        Ok(None)
    }

    /// The 0-d array of a numpy scalar (`numpy.core.multiarray.scalar(dtype,
    /// bytes)`), marked [`Array::is_scalar`]; `Ok(None)` when the node is
    /// not one.
    pub fn scalar_from_node(v: NodeRef<'g, '_>) -> Result<Option<Array<'g>>> {
        let Some((_, (m, "scalar"), args)) = reduce_of(v) else {
            return Ok(None);
        };
        if !is_multiarray(m) {
            return Ok(None);
        }
        let dtype = args
            .get(&0)
            .ok_or_else(|| invalid("numpy scalar without a dtype"))?;
        let dtype = Dtype::from_node(dtype)?
            .ok_or_else(|| invalid("numpy scalar dtype is not a numpy.dtype"))?;
        let payload = args
            .get(&1)
            .ok_or_else(|| invalid("numpy scalar without data"))?;
        let mut a = if matches!(dtype.kind, Kind::Object | Kind::VString) {
            let id = payload
                .id()
                .ok_or_else(|| invalid("numpy scalar without data"))?;
            Array::from_objects(vec![], vec![id])?
        } else {
            let data =
                node_data(payload)?.ok_or_else(|| invalid("numpy scalar data is not bytes"))?;
            Array::new(dtype, vec![], Order::C, data)?
        };
        a.scalar = true;
        Ok(Some(a))
    }

    /// The dtype.
    pub fn dtype(&self) -> &Dtype {
        &self.dtype
    }
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// Strides in bytes (as numpy reports them for this layout).
    pub fn strides(&self) -> &[usize] {
        &self.strides
    }
    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        product(&self.shape).unwrap_or(0)
    }
    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// True for a numpy scalar (0-d).
    pub fn is_scalar(&self) -> bool {
        self.scalar
    }
    /// `(module, name)` of the class given to `_reconstruct` (`numpy.ndarray`,
    /// `numpy.matrix`, ...), when known.
    pub fn class(&self) -> Option<(&str, &str)> {
        self.class.as_ref().map(|(a, b)| (a.as_str(), b.as_str()))
    }
    /// The element data.
    pub fn data(&self) -> &ArrayData<'g> {
        &self.data
    }
    /// The element bytes in memory order (None for object arrays).
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.data {
            ArrayData::Bytes(b) => Some(b.as_slice()),
            ArrayData::Objects(_) => None,
        }
    }
    /// The element bytes as a [`Buf`] (borrowed from the input when it was
    /// a slice).
    pub fn buf(&self) -> Option<&Buf<'g>> {
        match &self.data {
            ArrayData::Bytes(b) => Some(b),
            ArrayData::Objects(_) => None,
        }
    }

    /// C-contiguous (numpy's `flags.c_contiguous`).
    pub fn is_c_contiguous(&self) -> bool {
        is_contiguous(
            &self.shape,
            &self.strides,
            self.dtype.itemsize.max(1),
            false,
        ) || self.dtype.itemsize == 0
    }
    /// Fortran-contiguous (numpy's `flags.f_contiguous`).
    pub fn is_f_contiguous(&self) -> bool {
        is_contiguous(&self.shape, &self.strides, self.dtype.itemsize.max(1), true)
            || self.dtype.itemsize == 0
    }
    /// The memory layout: C when C-contiguous, else F when F-contiguous,
    /// else K.
    pub fn order(&self) -> Order {
        if self.is_c_contiguous() {
            Order::C
        } else if self.is_f_contiguous() {
            Order::F
        } else {
            Order::K
        }
    }

    /// Memory offsets (in elements) of the elements in C (row-major)
    /// logical order.
    fn c_order_offsets(&self) -> Vec<usize> {
        let n = self.len();
        let item = self.dtype.itemsize.max(1);
        let st: Vec<usize> = self.strides.iter().map(|s| s / item).collect();
        let mut out = Vec::with_capacity(n);
        let nd = self.shape.len();
        let mut idx = vec![0usize; nd];
        let mut off = 0usize;
        for _ in 0..n {
            out.push(off);
            // Increment the multi-index (last axis fastest).
            let mut ax = nd;
            while ax > 0 {
                ax -= 1;
                idx[ax] += 1;
                off += st[ax];
                if idx[ax] < self.shape[ax] {
                    break;
                }
                off -= st[ax] * idx[ax];
                idx[ax] = 0;
            }
        }
        out
    }

    fn c_contiguous_memory(&self) -> bool {
        self.dtype.itemsize == 0 || self.is_c_contiguous()
    }

    /// The element bytes in C order (a copy only when the layout is F or
    /// K); None for object arrays.
    pub fn to_c_bytes(&self) -> Option<Cow<'_, [u8]>> {
        let b = self.bytes()?;
        if self.c_contiguous_memory() {
            return Some(Cow::Borrowed(b));
        }
        let item = self.dtype.itemsize;
        let mut out = Vec::with_capacity(b.len());
        for off in self.c_order_offsets() {
            out.extend_from_slice(&b[off * item..off * item + item]);
        }
        Some(Cow::Owned(out))
    }

    /// The element bytes in Fortran order; None for object arrays.
    pub fn to_f_bytes(&self) -> Option<Cow<'_, [u8]>> {
        let b = self.bytes()?;
        if self.dtype.itemsize == 0 || self.is_f_contiguous() {
            return Some(Cow::Borrowed(b));
        }
        let t = self.transposed();
        t.to_c_bytes().map(|c| Cow::Owned(c.into_owned()))
    }

    /// The transposed view (axes reversed), sharing the data.
    pub fn transposed(&self) -> Array<'g> {
        let mut t = self.clone();
        t.shape.reverse();
        t.strides.reverse();
        t
    }

    /// The objects of an object array in C order.
    pub fn objects(&self) -> Option<Vec<NodeId>> {
        match &self.data {
            ArrayData::Objects(items) => {
                if self.is_c_contiguous() {
                    return Some(items.clone());
                }
                Some(
                    self.c_order_offsets()
                        .into_iter()
                        .map(|o| items[o])
                        .collect(),
                )
            }
            ArrayData::Bytes(_) => None,
        }
    }

    /// The elements as a slice of `T` without copying: only when the dtype
    /// is `T`'s, in native byte order, C-contiguous and the bytes are
    /// aligned for `T`.
    pub fn as_slice<T: Element + bytemuck::Pod>(&self) -> Option<&[T]> {
        if !T::matches(&self.dtype) || !self.dtype.is_native() || !self.c_contiguous_memory() {
            return None;
        }
        bytemuck::try_cast_slice(self.bytes()?).ok()
    }

    /// The elements converted to `T` in C order (a copy; byte order
    /// swapped as needed). An error when the dtype is not `T`'s.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        if !T::matches(&self.dtype) {
            return Err(invalid(format!(
                "array of dtype {} read as {}",
                self.dtype.str(),
                std::any::type_name::<T>()
            )));
        }
        let b = self
            .to_c_bytes()
            .ok_or_else(|| invalid("object array has no element bytes"))?;
        let big = self.dtype.byteorder == ByteOrder::Big;
        Ok(b.chunks_exact(T::SIZE).map(|c| T::read(c, big)).collect())
    }

    /// The array as an `ndarray::ArrayD` (C order copy).
    #[cfg(feature = "ndarray")]
    pub fn to_ndarray<T: Element>(&self) -> Result<ndarray::ArrayD<T>> {
        let v = self.to_vec::<T>()?;
        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&self.shape), v)
            .map_err(|e| invalid(format!("ndarray: {e}")))
    }

    /// A view borrowing this array's bytes.
    pub fn reborrow(&self) -> Array<'_> {
        Array {
            dtype: self.dtype.clone(),
            shape: self.shape.clone(),
            strides: self.strides.clone(),
            data: match &self.data {
                ArrayData::Bytes(b) => ArrayData::Bytes(Buf::Borrowed(b.as_slice())),
                ArrayData::Objects(o) => ArrayData::Objects(o.clone()),
            },
            class: self.class.clone(),
            scalar: self.scalar,
        }
    }

    /// Detach from the graph/input (copies borrowed bytes).
    pub fn into_owned(self) -> Array<'static> {
        Array {
            dtype: self.dtype,
            shape: self.shape,
            strides: self.strides,
            data: match self.data {
                ArrayData::Bytes(b) => ArrayData::Bytes(b.into_owned()),
                ArrayData::Objects(o) => ArrayData::Objects(o),
            },
            class: self.class,
            scalar: self.scalar,
        }
    }
}

/// `(version, shape, dtype, is_fortran, rawdata)` or the 4-item form.
fn from_state<'g>(state: NodeRef<'g, '_>) -> Result<Array<'g>> {
    let g = state.graph();
    let items = match state.node() {
        Some(Node::Tuple(t)) => t.as_slice(),
        _ => return Err(invalid("numpy array state is not a tuple")),
    };
    let items = match items.len() {
        5 => &items[1..],
        4 => items,
        n => return Err(invalid(format!("numpy array state has {n} items"))),
    };
    let shape = node_shape(g.view(items[0]))?;
    let dtype = Dtype::from_node(g.view(items[1]))?
        .ok_or_else(|| invalid("numpy array state dtype is not a numpy.dtype"))?;
    let fortran = g
        .view(items[2])
        .as_bool()
        .or_else(|| g.view(items[2]).as_i64().map(|i| i != 0));
    let fortran = fortran.ok_or_else(|| invalid("numpy array is_fortran flag is not a bool"))?;
    let raw = g.view(items[3]);
    let order = if fortran { Order::F } else { Order::C };
    if let Some(Node::List(objs)) = raw.node() {
        // Object arrays (and records holding objects): the list is in C
        // order whatever the flag (numpy's `_getlist_pkl`).
        let mut a = Array::from_objects(shape, objs.clone())?;
        if !dtype.has_object() {
            return Err(invalid(
                "numpy array data is a list but its dtype holds no objects",
            ));
        }
        a.dtype = dtype;
        if fortran {
            // Keep the F layout numpy has: memory in F order.
            let cs = c_strides(&a.shape, 1);
            let fs = f_strides(&a.shape, 1);
            let mut mem = objs.clone();
            for (i, &id) in objs.iter().enumerate() {
                let mut rem = i;
                let mut off = 0;
                for ax in 0..a.shape.len() {
                    off += (rem / cs[ax]) * fs[ax];
                    rem %= cs[ax];
                }
                mem[off] = id;
            }
            a.data = ArrayData::Objects(mem);
            a.strides = f_strides(&a.shape, a.dtype.itemsize);
        } else {
            a.strides = c_strides(&a.shape, a.dtype.itemsize);
        }
        return Ok(a);
    }
    if matches!(dtype.kind, Kind::Object | Kind::VString) {
        return Err(invalid("object array data is not a list"));
    }
    let data = node_data(raw)?.ok_or_else(|| invalid("numpy array data is not bytes"))?;
    Array::new(dtype, shape, order, data)
}

/// `_frombuffer(buf, dtype, shape, order[, axis_order])`.
fn from_frombuffer<'g>(args: NodeRef<'g, '_>) -> Result<Array<'g>> {
    let buf = args
        .get(&0)
        .ok_or_else(|| invalid("_frombuffer without a buffer"))?;
    let data = node_data(buf)?.ok_or_else(|| {
        invalid(
            "_frombuffer buffer is not bytes (out-of-band buffers must be given to the Unpickler)",
        )
    })?;
    let dtype = Dtype::from_node(
        args.get(&1)
            .ok_or_else(|| invalid("_frombuffer without a dtype"))?,
    )?
    .ok_or_else(|| invalid("_frombuffer dtype is not a numpy.dtype"))?;
    let shape = node_shape(
        args.get(&2)
            .ok_or_else(|| invalid("_frombuffer without a shape"))?,
    )?;
    let order = args
        .get(&3)
        .and_then(node_text)
        .ok_or_else(|| invalid("_frombuffer order is not a str"))?;
    let axis = args.get(&4).filter(|a| !a.is_none());
    match (order.as_str(), axis) {
        ("C", _) | ("A", _) | ("K", None) => Array::new(dtype, shape, Order::C, data),
        ("F", _) => Array::new(dtype, shape, Order::F, data),
        ("K", Some(axis)) => {
            let axis = node_shape(axis)?;
            let mut seen = HashSet::new();
            if axis.len() != shape.len()
                || axis.iter().any(|&a| a >= shape.len() || !seen.insert(a))
            {
                return Err(invalid(
                    "_frombuffer axis_order is not a permutation of the axes",
                ));
            }
            let mut a = Array::new(dtype, shape, Order::C, data)?;
            let cs = a.strides.clone();
            let sh = a.shape.clone();
            a.shape = axis.iter().map(|&i| sh[i]).collect();
            a.strides = axis.iter().map(|&i| cs[i]).collect();
            Ok(a)
        }
        (o, _) => Err(invalid(format!("_frombuffer order {o:?} is not C, F or K"))),
    }
}

/// A Rust number type that numpy elements convert to.
pub trait Element: Copy + 'static {
    /// Size in bytes.
    const SIZE: usize;
    /// The numpy dtype of this type (native byte order).
    fn dtype() -> Dtype;
    /// Whether arrays of `dtype` can be read as this type.
    fn matches(dtype: &Dtype) -> bool {
        let d = Self::dtype();
        dtype.is_simple() && dtype.kind == d.kind && dtype.itemsize == d.itemsize
    }
    /// Read one element from `SIZE` bytes (big-endian when `big`).
    fn read(b: &[u8], big: bool) -> Self;
    /// Append the native-order bytes.
    fn write_ne(&self, out: &mut Vec<u8>);
}

macro_rules! element {
    ($t:ty, $kind:expr) => {
        impl Element for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn dtype() -> Dtype {
                Dtype::new($kind, Self::SIZE, ByteOrder::native())
            }
            fn read(b: &[u8], big: bool) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(b);
                if big {
                    <$t>::from_be_bytes(a)
                } else {
                    <$t>::from_le_bytes(a)
                }
            }
            fn write_ne(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_ne_bytes());
            }
        }
    };
}

element!(i8, Kind::Int);
element!(i16, Kind::Int);
element!(i32, Kind::Int);
element!(i64, Kind::Int);
element!(u8, Kind::UInt);
element!(u16, Kind::UInt);
element!(u32, Kind::UInt);
element!(u64, Kind::UInt);
element!(f32, Kind::Float);
element!(f64, Kind::Float);

impl Element for bool {
    const SIZE: usize = 1;
    fn dtype() -> Dtype {
        Dtype::new(Kind::Bool, 1, ByteOrder::NotApplicable)
    }
    fn read(b: &[u8], _: bool) -> Self {
        b[0] != 0
    }
    fn write_ne(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
}

/// Every numpy array in a graph with a path to it (`""` for the root,
/// `[0]`, `['key']`, `.attr` for object state), in depth-first order;
/// each shared array once. Arrays inside object arrays are found too.
pub fn find_arrays(g: &Graph<'_>) -> Vec<(String, NodeId)> {
    let mut out = Vec::new();
    let Some(root) = g.root_id() else { return out };
    let mut seen: HashSet<NodeId> = HashSet::new();
    let mut stack: Vec<(NodeId, String)> = vec![(root, String::new())];
    while let Some((id, path)) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let v = g.view(id);
        let mut kids: Vec<(NodeId, String)> = Vec::new();
        match v.node() {
            Some(Node::Object(o)) => {
                if numpy_kind(v) == Some("array") {
                    out.push((path.clone(), id));
                    // Object arrays may hold arrays.
                    if let Ok(Some(a)) = Array::from_node(v) {
                        if let Some(objs) = a.objects() {
                            for (i, o) in objs.into_iter().enumerate() {
                                kids.push((o, format!("{path}.flat[{i}]")));
                            }
                        }
                    }
                } else {
                    object_children(g, o, &path, &mut kids);
                }
            }
            Some(Node::List(items)) | Some(Node::Tuple(items)) => {
                for (i, &c) in items.iter().enumerate() {
                    kids.push((c, format!("{path}[{i}]")));
                }
            }
            Some(Node::Set(s)) | Some(Node::FrozenSet(s)) => {
                for (i, &c) in s.items().iter().enumerate() {
                    kids.push((c, format!("{path}{{{i}}}")));
                }
            }
            Some(Node::Dict(d)) => {
                for &(k, val) in d.entries() {
                    kids.push((val, format!("{path}[{}]", key_text(g, k))));
                }
            }
            _ => {}
        }
        stack.extend(kids.into_iter().rev());
    }
    out
}

fn key_text(g: &Graph<'_>, k: NodeId) -> String {
    let v = g.view(k);
    if let Some(s) = v.as_str() {
        return crate::npy::py_str_repr(s);
    }
    if let Some(i) = v.as_i64() {
        return i.to_string();
    }
    brinery::repr(g, k, &brinery::ReprOptions::default().max_output(200))
        .unwrap_or_else(|_| "?".into())
}

fn object_children(g: &Graph<'_>, o: &Object, path: &str, kids: &mut Vec<(NodeId, String)>) {
    let args: Vec<NodeId> = match &o.construct {
        Construct::Reduce { args, .. } | Construct::NewObj { args, .. } => g
            .view(*args)
            .as_items()
            .map(|a| a.to_vec())
            .unwrap_or_default(),
        Construct::NewObjEx { args, kwargs, .. } => {
            let mut v: Vec<NodeId> = g
                .view(*args)
                .as_items()
                .map(|a| a.to_vec())
                .unwrap_or_default();
            v.push(*kwargs);
            v
        }
        Construct::Inst { args, .. } | Construct::Obj { args, .. } => args.clone(),
    };
    for (i, a) in args.into_iter().enumerate() {
        kids.push((a, format!("{path}.__args__[{i}]")));
    }
    for &s in &o.builds {
        let st = g.view(s);
        let dicts: Vec<NodeId> = match st.node() {
            Some(Node::Dict(_)) => vec![s],
            Some(Node::Tuple(t)) if t.len() == 2 => t.clone(),
            _ => {
                kids.push((s, format!("{path}.__state__")));
                vec![]
            }
        };
        for d in dicts {
            let dv = g.view(d);
            match dv.node() {
                Some(Node::Dict(dd)) => {
                    for &(k, val) in dd.entries() {
                        let name = g
                            .view(k)
                            .as_str()
                            .map(|s| format!(".{s}"))
                            .unwrap_or_else(|| format!(".__state__[{}]", key_text(g, k)));
                        kids.push((val, format!("{path}{name}")));
                    }
                }
                Some(Node::None) => {}
                _ => kids.push((d, format!("{path}.__state__"))),
            }
        }
    }
    for (i, &c) in o.list_items.iter().enumerate() {
        kids.push((c, format!("{path}[{i}]")));
    }
    for &(k, val) in &o.dict_items {
        kids.push((val, format!("{path}[{}]", key_text(g, k))));
    }
}
