//! What `Pickler.memo` and `Unpickler.memo` share: the live memo proxy
//! classes (`PicklerMemoProxy`, `UnpicklerMemoProxy`) and the lending of a
//! memo to its owner while Python code runs in the middle of a dump or
//! load.
//!
//! A dump or load moves the memo out of its `Pickler`/`Unpickler` (the hot
//! loop owns it, with no borrow flag to check per object). Before calling
//! a hook that may read the memo through the proxy (`persistent_id`,
//! `reducer_override`, `__reduce_ex__`, `persistent_load`, a subclass's
//! `find_class`...), the memo is swapped back into its owner and swapped
//! out again afterwards, so the hook sees the live memo as with `_pickle`,
//! and a `clear()` or assignment it makes is what the dump or load goes
//! on with.

use pyo3::prelude::*;
use pyo3::pyclass::boolean_struct::False;
use pyo3::types::{PyDict, PyTuple};
use pyo3::PyClass;

use crate::errors;

/// A pyclass that holds a memo (`Pickler`, `Unpickler`).
pub trait MemoOwner: PyClass<Frozen = False> {
    type Memo: Default;
    /// The memo field.
    fn memo_mut(&mut self) -> &mut Self::Memo;
    /// A copy of the memo as `_pickle`'s proxy `copy()` gives it.
    fn memo_copy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>>;
}

/// Run `f` with `memo` (moved out of `owner` for a dump or load) back in
/// `owner`, where a memo proxy sees it; afterwards `memo` is whatever the
/// owner then holds. Without an owner (`dumps`/`loads`), or when the owner
/// is borrowed, just `f()`.
#[inline]
pub fn lend<O: MemoOwner, R>(
    owner: Option<&Bound<'_, O>>,
    memo: &mut O::Memo,
    f: impl FnOnce() -> R,
) -> R {
    let Some(owner) = owner else {
        return f();
    };
    let swap = |memo: &mut O::Memo| match owner.try_borrow_mut() {
        Ok(mut o) => {
            std::mem::swap(o.memo_mut(), memo);
            true
        }
        Err(_) => false,
    };
    if !swap(memo) {
        return f();
    }
    let r = f();
    swap(memo);
    r
}

/// The memo of `owner`, read through a proxy (a borrow error is a
/// RuntimeError, not a panic).
fn owner_copy<'py, O: MemoOwner>(owner: &Bound<'py, O>) -> PyResult<Bound<'py, PyDict>> {
    owner.try_borrow()?.memo_copy(owner.py())
}

fn owner_clear<O: MemoOwner>(owner: &Bound<'_, O>) -> PyResult<()> {
    *owner.try_borrow_mut()?.memo_mut() = O::Memo::default();
    Ok(())
}

/// A memo proxy class for one owner class (the two differ only in name,
/// owner and `copy()`'s form, which the owner gives).
macro_rules! memo_proxy {
    ($(#[$doc:meta])* $name:ident, $owner:ty) => {
        $(#[$doc])*
        #[pyclass(module = "brinery", frozen)]
        pub struct $name {
            pub owner: Py<$owner>,
        }

        #[pymethods]
        impl $name {
            /// A copy of the memo.
            pub fn copy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
                owner_copy(self.owner.bind(py))
            }

            /// Empty the owner's memo.
            fn clear(&self, py: Python<'_>) -> PyResult<()> {
                owner_clear(self.owner.bind(py))
            }

            fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
                errors::memo_reduce(&self.copy(py)?)
            }
        }
    };
}

memo_proxy!(
    /// `Pickler.memo`: a live view of a pickler's memo (`_pickle`'s
    /// `PicklerMemoProxy`; `copy()` gives `{id(obj): (index, obj)}`).
    PicklerMemoProxy,
    crate::pickler::Pickler
);

memo_proxy!(
    /// `Unpickler.memo`: a live view of an unpickler's memo (`_pickle`'s
    /// `UnpicklerMemoProxy`; `copy()` gives `{index: obj}`).
    UnpicklerMemoProxy,
    crate::unpickler::Unpickler
);
