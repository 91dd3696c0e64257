//! brinery-sklearn: inspect pickled scikit-learn estimators and run the
//! common ones from Rust, without Python.
//!
//! - [`load`] reads a pickle or a joblib file (every joblib compressor)
//!   into a [`brinery::Graph`]; nothing is ever executed.
//! - [`summary`] prints an estimator like scikit-learn's `repr` (only the
//!   parameters that differ from the defaults of the pickle's scikit-learn
//!   version) followed by its fitted attributes as a tree; [`sklearn_repr`]
//!   is the repr alone. Unknown estimators are shown generically.
//! - [`Model`] compiles a fitted estimator once and runs `predict`,
//!   `predict_proba`, `decision_function` or `transform` the way
//!   scikit-learn computes them (see `docs/SKLEARN.md` for the supported
//!   set). Anything else is an [`ErrorKind::Unsupported`] error naming the
//!   class and the method, never a wrong answer.
//! - [`Tree`] reads `sklearn.tree._tree.Tree` internals; [`export_trees`]
//!   writes a tree or a forest as JSON.
//!
//! ```
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sk1.9/logreg_bin.joblib.lzma");
//! let bytes = std::fs::read(path).unwrap();
//! let g = brinery_sklearn::load(&bytes)?;
//! let model = brinery_sklearn::Model::from_node(g.root())?;
//! assert_eq!(model.class(), "sklearn.linear_model._logistic.LogisticRegression");
//! let x = ndarray::array![[0.0, 1.0, -1.0, 5.0], [1.0, 2.0, 0.0, 3.0]];
//! let p = model.run(brinery_sklearn::Method::PredictProba, x.view())?;
//! assert_eq!(p.rows(), 2);
//! assert_eq!(brinery_sklearn::sklearn_repr(g.root())?, "LogisticRegression()");
//! # Ok::<(), brinery_sklearn::Error>(())
//! ```
#![forbid(unsafe_code)]

mod defaults;
mod error;
mod export;
mod linear;
mod math;
mod misc;
mod output;
mod predict;
mod repr;
mod summary;
mod trees;
mod value;

pub use crate::error::{Error, ErrorKind, Result};
pub use crate::export::export_trees;
pub use crate::output::{float_text, output_csv, output_npy, read_matrix, DataFormat, Matrix};
pub use crate::predict::{Method, Model, Output};
pub use crate::repr::is_estimator;
pub use crate::repr::sklearn_repr;
pub use crate::summary::summary;
pub use crate::trees::{Tree, TreeNode};
pub use crate::value::{labels, num_array, Labels, Mat, Obj, Records};

/// Read a pickle or joblib file (compressed with any of joblib's
/// compressors, or not) into a graph. Nothing is executed.
pub fn load(data: &[u8]) -> Result<brinery::Graph<'_>> {
    brinery_numpy::joblib::load(data).map_err(Error::load)
}
