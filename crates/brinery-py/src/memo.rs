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
use pyo3::pyclass::boolean_struct::{False, True};
use pyo3::types::{PyDict, PyTuple};
use pyo3::PyClass;

use crate::errors;

/// A memo table (the pickler's `PMemo`, the unpickler's `Memo`) as its
/// proxy shows it.
pub trait MemoTable: Default {
    /// The entries as the proxy's `copy()` gives them, as (key, value).
    fn view<'py>(&self, py: Python<'py>) -> PyResult<Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>>;
    /// Add one entry of a dict of that form (a `memo = {...}`
    /// assignment; errors as `_pickle`'s).
    fn put_entry(&mut self, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()>;
}

/// A pyclass that holds a memo in its `memo` field (`Pickler`,
/// `Unpickler`; implemented by `memo_proxy!`).
pub trait MemoOwner: PyClass<Frozen = False> {
    type Memo: MemoTable;
    /// Its proxy class.
    type Proxy: MemoProxy<Owner = Self>;
    /// The proxy class named in `_pickle`'s TypeError ("a
    /// PicklerMemoProxy").
    const PROXY: &'static str;
    fn memo(&self) -> &Self::Memo;
    fn memo_mut(&mut self) -> &mut Self::Memo;
}

/// A memo proxy class (made by `memo_proxy!`).
pub trait MemoProxy: PyClass<Frozen = True> + Sync {
    type Owner: MemoOwner;
    fn new(owner: Py<Self::Owner>) -> Self;
    fn owner(&self) -> &Py<Self::Owner>;
}

/// The `memo` getter: a live proxy of `owner`.
pub fn proxy<O: MemoOwner>(owner: &Bound<'_, O>) -> O::Proxy {
    O::Proxy::new(owner.clone().unbind())
}

/// The `memo` setter: a copy of a proxy's memo (of any owner of the same
/// class, `owner` itself included) or of a dict; else `_pickle`'s
/// TypeError.
pub fn assign<O: MemoOwner>(owner: &Bound<'_, O>, value: &Bound<'_, PyAny>) -> PyResult<()> {
    let d = if let Ok(p) = value.cast::<O::Proxy>() {
        owner_copy(p.get().owner().bind(value.py()))?
    } else if let Ok(d) = value.cast::<PyDict>() {
        d.clone()
    } else {
        return Err(errors::type_error(format!(
            "'memo' attribute must be {} object or dict, not {}",
            O::PROXY,
            value.get_type().name()?
        )));
    };
    let mut memo = O::Memo::default();
    for (k, v) in d.iter() {
        memo.put_entry(&k, &v)?;
    }
    *owner.try_borrow_mut()?.memo_mut() = memo;
    Ok(())
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
    let py = owner.py();
    let d = PyDict::new(py);
    for (k, v) in owner.try_borrow()?.memo().view(py)? {
        d.set_item(k, v)?;
    }
    Ok(d)
}

fn owner_clear<O: MemoOwner>(owner: &Bound<'_, O>) -> PyResult<()> {
    *owner.try_borrow_mut()?.memo_mut() = O::Memo::default();
    Ok(())
}

/// A memo proxy class for one owner class, and the owner's `MemoOwner`
/// impl (the two differ only in names and memo type).
macro_rules! memo_proxy {
    ($(#[$doc:meta])* $name:ident, $owner:ty, $memo:ty, $what:literal) => {
        impl MemoOwner for $owner {
            type Memo = $memo;
            type Proxy = $name;
            const PROXY: &'static str = $what;
            fn memo(&self) -> &$memo {
                &self.memo
            }
            fn memo_mut(&mut self) -> &mut $memo {
                &mut self.memo
            }
        }

        $(#[$doc])*
        #[pyclass(module = "brinery", frozen)]
        pub struct $name {
            owner: Py<$owner>,
        }

        impl MemoProxy for $name {
            type Owner = $owner;
            fn new(owner: Py<$owner>) -> Self {
                $name { owner }
            }
            fn owner(&self) -> &Py<$owner> {
                &self.owner
            }
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

            /// `(dict, (copy,))`, as `_pickle`'s.
            fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
                let copy = self.copy(py)?;
                PyTuple::new(py, [py.get_type::<PyDict>().into_any(), PyTuple::new(py, [copy])?.into_any()])
            }
        }
    };
}

memo_proxy!(
    /// `Pickler.memo`: a live view of a pickler's memo (`_pickle`'s
    /// `PicklerMemoProxy`; `copy()` gives `{id(obj): (index, obj)}`).
    PicklerMemoProxy,
    crate::pickler::Pickler,
    crate::pickler::PMemo,
    "a PicklerMemoProxy"
);

memo_proxy!(
    /// `Unpickler.memo`: a live view of an unpickler's memo (`_pickle`'s
    /// `UnpicklerMemoProxy`; `copy()` gives `{index: obj}`).
    UnpicklerMemoProxy,
    crate::unpickler::Unpickler,
    crate::decode::Memo,
    "an UnpicklerMemoProxy"
);
