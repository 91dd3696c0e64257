//! joblib's layout: after the BUILD of a `NumpyArrayWrapper`,
//! `joblib.load` reads the array from the file itself (raw bytes, or a
//! nested pickle for object arrays) before the pickle continues. The hook
//! of `brinery-numpy` reads exactly those bytes (full dtype model,
//! alignment padding) and decodes nested pickles in place, so their imports
//! and calls reach the observer. Other BUILDs (including joblib < 0.10's
//! `NDArrayWrapper`, whose arrays live in separate files) are left alone.
//! A pickle where the hook fired is decoded a second time without it (as
//! plain `pickle.load` reads the file) and the findings of both are kept.

use brinery::{BuildCtx, Result};

const WRAPPER: &str = "joblib.numpy_pickle.NumpyArrayWrapper";

/// An `on_build` hook: brinery-numpy's joblib hook for array wrappers (and
/// `fired` set when it was used), a no-op otherwise.
pub(crate) fn hook<'a, 'h>(
    fired: &'h std::cell::Cell<bool>,
) -> impl FnMut(&mut BuildCtx<'_, 'a, 'h>) -> Result<()> + 'h {
    let mut inner = brinery_numpy::joblib_build_hook();
    move |ctx: &mut BuildCtx<'_, 'a, 'h>| {
        if ctx.graph().view(ctx.target()).class_name().as_deref() == Some(WRAPPER) {
            fired.set(true);
            inner(ctx)
        } else {
            Ok(())
        }
    }
}
