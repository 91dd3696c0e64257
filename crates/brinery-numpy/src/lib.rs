//! brinery-numpy: numpy arrays, `.npy`/`.npz` and joblib files for
//! [brinery], decoded without running Python.
//!
//! - [`Array::from_node`] reads a pickled ndarray: `_reconstruct` + BUILD
//!   (every protocol, numpy 1.x `numpy.core` and 2.x `numpy._core`,
//!   Python 2 data as latin-1 `str` or bytes) and protocol 5's
//!   `_frombuffer` (orders C, F and K, in-band and out-of-band buffers).
//!   Element bytes borrow from the graph; [`Array::as_slice`] is zero-copy
//!   when native and aligned, [`Array::to_vec`] copies and swaps.
//!   [`Array::scalar_from_node`] and [`Dtype::from_node`] read numpy scalars
//!   and dtypes; [`find_arrays`] lists every array in a graph.
//! - [`ArrayPickler`] builds the nodes numpy's `__reduce_ex__` makes, so
//!   `brinery::dumps` writes pickles numpy loads (byte-identical to numpy's
//!   own for the same protocol); [`dumps_array`] does it in one call.
//! - [`read_npy`]/[`write_npy`]/[`write_npy_raw`] and
//!   [`read_npz`]/[`write_npz`] for numpy's file formats (`np.save`
//!   byte-identical); object arrays go through pickle.
//! - [`joblib`]: `joblib.dump` files with every compression, and
//!   [`joblib_build_hook`] for your own [`brinery::Unpickler`].
//! - [`array_repr`], [`scalar_repr`], [`Dtype::repr`] and [`repr_hook`]
//!   print as numpy 2.x does.
//!
//! ```
//! use brinery_numpy::Array;
//! // An array built in Rust, pickled the way numpy 2.x pickles it...
//! let a = Array::from_vec(vec![2, 3], vec![1i32, 2, 3, 4, 5, 6])?;
//! let bytes = brinery_numpy::dumps_array(&a, 5)?;
//! // ...and read back from the pickle, zero-copy.
//! let g = brinery::loads(&bytes)?;
//! let b = Array::from_node(g.root())?.expect("a numpy array");
//! assert_eq!(b.shape(), &[2, 3]);
//! assert_eq!(b.as_slice::<i32>().map(|s| s.len()).unwrap_or(6), 6);
//! assert_eq!(b.to_vec::<i32>()?, vec![1, 2, 3, 4, 5, 6]);
//! assert_eq!(brinery_numpy::array_repr(&b), "array([[1, 2, 3],\n       [4, 5, 6]], dtype=int32)");
//! # Ok::<(), brinery::Error>(())
//! ```
#![forbid(unsafe_code)]

mod array;
mod dtype;
pub mod joblib;
mod lit;
mod npy;
mod npz;
mod pickle;
mod repr;

pub use crate::array::{find_arrays, Array, ArrayData, Element, Order};
pub use crate::dtype::{ByteOrder, Dtype, Field, Kind, StringOptions, TimeUnit};
pub use crate::joblib::{joblib_build_hook, joblib_raw_blocks};
pub use crate::npy::{
    read_npy, read_npy_header, write_npy, write_npy_pickled, write_npy_raw, Npy, NpyHeader,
    MAX_NPY_HEADER,
};
pub use crate::npz::{read_npz, write_npz, Npz, DEFAULT_NPZ_LIMIT};
pub use crate::pickle::{dumps_array, ArrayForm, ArrayPickler, NumpyVersion};
pub use crate::repr::{
    array_repr, array_repr_in, array_str, civil_from_days, object_array_repr, object_array_str,
    repr_hook, scalar_repr,
};
