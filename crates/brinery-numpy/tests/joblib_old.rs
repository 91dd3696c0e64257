//! Old joblib layouts: `ZF` zlib files (joblib < 0.9.3) load; joblib <
//! 0.10's `NDArrayWrapper` (arrays in separate .npy files) is a clear
//! error.

use std::io::Write;

use brinery::{Construct, Graph, Node, Object};
use brinery_numpy::Array;

#[test]
fn zfile_prefix_files_load() {
    let a = Array::from_vec(vec![3], vec![7i64, 8, 9]).unwrap();
    let pickle = brinery_numpy::dumps_array(&a, 2).unwrap();
    let mut z =
        brinery_compress::Encoder::new(Some(brinery_compress::Format::Zlib), Vec::new()).unwrap();
    z.write_all(&pickle).unwrap();
    let body = z.finish().unwrap();
    // joblib's write_zfile: "ZF", hex(len) padded to 19, zlib data.
    let mut f = b"ZF".to_vec();
    f.extend_from_slice(format!("{:<19}", format!("{:#x}", pickle.len())).as_bytes());
    f.extend_from_slice(&body);
    let g = brinery_numpy::joblib::load(&f).unwrap();
    let b = Array::from_node(g.root()).unwrap().unwrap();
    assert_eq!(b.to_vec::<i64>().unwrap(), vec![7, 8, 9]);
}

#[test]
fn ndarraywrapper_files_are_a_clear_error() {
    let mut g = Graph::new();
    let cls = g.global("joblib.numpy_pickle_compat", "NDArrayWrapper");
    let args = g.tuple(vec![]);
    let mut o = Object::new(Construct::NewObj { cls, args });
    let (k, v) = (g.str("filename"), g.str("model.pkl_01.npy"));
    let state = g.dict(vec![(k, v)]).unwrap();
    o.builds.push(state);
    let root = g.add(Node::Object(Box::new(o)));
    g.set_root(root);
    let bytes = brinery::dumps(&g, 2).unwrap();
    let err = brinery_numpy::joblib::load(&bytes).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("separate .npy files") && msg.contains("model.pkl_01.npy"),
        "{msg}"
    );
}
