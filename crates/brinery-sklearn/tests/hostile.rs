//! Inconsistent or hostile state is an error, never a panic or a loop.

mod common;

use common::fixtures;

use brinery_numpy::Array;
use brinery_sklearn::{load, ErrorKind, Method, Model};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures("sk1.9").join(name)).unwrap()
}

/// The fixture `name`, compiled.
fn model(name: &str) -> Model {
    let data = fixture(name);
    let g = load(&data).unwrap();
    Model::from_node(g.root()).unwrap()
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("bytes present")
}

/// The tree's `nodes` record bytes inside the pickle, and the pickle.
fn tree_nodes() -> (Vec<u8>, usize, usize) {
    let data = fixture("tree_clf.pkl");
    let g = load(&data).unwrap();
    let nodes = g.root().get("tree_").unwrap().get("nodes").unwrap();
    let a = Array::from_node(nodes).unwrap().unwrap();
    let bytes = a.bytes().unwrap().to_vec();
    let size = a.dtype().itemsize;
    drop(a);
    drop(g);
    let at = find(&data, &bytes);
    (data, at, size)
}

fn x(cols: usize) -> ndarray::Array2<f64> {
    ndarray::Array2::from_shape_fn((3, cols), |(i, j)| (i * cols + j) as f64 * 0.37 - 1.0)
}

#[test]
fn child_out_of_range_is_an_error() {
    let (mut data, at, _) = tree_nodes();
    data[at..at + 8].copy_from_slice(&1000i64.to_le_bytes());
    let g = load(&data).unwrap();
    let e = Model::from_node(g.root()).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidState);
    assert!(e.to_string().contains("out of range"), "{e}");
    assert!(e.path().starts_with("tree_"), "{}", e.path());
}

#[test]
fn cycle_is_an_error() {
    let (mut data, at, size) = tree_nodes();
    // every internal node's left child points back at the root
    let g0 = load(&data).unwrap();
    let n = g0
        .root()
        .get("tree_")
        .unwrap()
        .get("node_count")
        .unwrap()
        .as_i64()
        .unwrap() as usize;
    drop(g0);
    for i in 0..n {
        let s = at + i * size;
        let left = i64::from_le_bytes(data[s..s + 8].try_into().unwrap());
        if left >= 0 {
            data[s..s + 8].copy_from_slice(&0i64.to_le_bytes());
            data[s + 8..s + 16].copy_from_slice(&0i64.to_le_bytes());
        }
    }
    let g = load(&data).unwrap();
    let e = Model::from_node(g.root()).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidState);
    assert!(e.to_string().contains("cycle"), "{e}");
    assert!(brinery_sklearn::export_trees(g.root()).is_err());
}

#[test]
fn feature_index_out_of_range_is_an_error() {
    let (mut data, at, _) = tree_nodes();
    data[at + 16..at + 24].copy_from_slice(&7i64.to_le_bytes());
    let g = load(&data).unwrap();
    let e = Model::from_node(g.root()).unwrap_err();
    assert!(e.to_string().contains("feature 7 out of range"), "{e}");
}

#[test]
fn wrong_number_of_features_is_bad_input() {
    for f in [
        "logreg_bin.pkl",
        "rf_clf.pkl",
        "pipe_rf.pkl",
        "kmeans.pkl",
        "hgb_multi.pkl",
    ] {
        let m = model(f);
        let e = m.run(Method::Predict, x(3).view()).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::BadInput, "{f}");
        assert!(e.to_string().contains("X has 3 features"), "{f}: {e}");
    }
}

#[test]
fn unsupported_names_class_and_method() {
    let m = model("svc.pkl");
    let e = m.run(Method::DecisionFunction, x(4).view()).unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::Unsupported {
            class: "sklearn.svm._classes.SVC".into(),
            method: "decision_function".into()
        }
    );
    // a method the estimator does not have
    let m = model("linsvc.pkl");
    let e = m.run(Method::PredictProba, x(4).view()).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Unsupported { method, .. } if method == "predict_proba"),
        "{e}"
    );
    let e = m.run(Method::Transform, x(4).view()).unwrap_err();
    assert!(e.to_string().contains("LinearSVC.transform"), "{e}");
}

#[test]
fn unknown_category_is_bad_input_unless_ignored() {
    // the fixture ignores unknown categories: they encode as all zeros
    let m = model("onehot.pkl");
    let out = m
        .run(Method::Transform, ndarray::array![[9.0, 9.0, 90.0]].view())
        .unwrap();
    assert!(out.to_matrix().unwrap().iter().all(|&v| v == 0.0));
}

/// Load `data` and, if that works, show it, export its trees, compile it
/// and run every method: results or errors, never a panic.
fn use_everything(data: &[u8]) {
    let Ok(g) = load(data) else { return };
    let _ = brinery_sklearn::summary(g.root());
    let _ = brinery_sklearn::sklearn_repr(g.root());
    let _ = brinery_sklearn::export_trees(g.root());
    if let Ok(m) = Model::from_node(g.root()) {
        for meth in Method::ALL {
            let _ = m.run(meth, x(4).view());
        }
    }
}

/// Every truncation of every fixture: load, compile and run never panic.
#[test]
fn truncations_never_panic() {
    let mut n = 0;
    for f in [
        "tree_clf.pkl",
        "hgb_bin.pkl",
        "pipe_logreg.pkl",
        "gb_multi.pkl",
        "knn_clf.pkl",
    ] {
        let data = fixture(f);
        let step = (data.len() / 150).max(1);
        for cut in (0..data.len()).step_by(step) {
            n += 1;
            use_everything(&data[..cut]);
        }
    }
    println!("{n} truncated inputs handled without a panic");
    assert!(n > 700);
}

/// Byte flips inside the state: errors or results, never a panic or a hang.
#[test]
fn corrupted_bytes_never_panic() {
    let mut n = 0;
    for f in ["tree_clf.pkl", "hgb_multi.pkl", "gb_bin.pkl"] {
        let data = fixture(f);
        let step = (data.len() / 300).max(1);
        for pos in (0..data.len()).step_by(step) {
            for v in [0u8, 0xff, 0x7f] {
                let mut d = data.clone();
                d[pos] = v;
                n += 1;
                use_everything(&d);
            }
        }
    }
    println!("{n} corrupted inputs handled without a panic");
    assert!(n > 2000);
}
