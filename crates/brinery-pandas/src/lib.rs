//! brinery-pandas: pandas DataFrames, Series and Indexes read from
//! pickles — typed columns, pandas' own `repr`, `to_csv()` byte for byte
//! and (feature `arrow`/`parquet`) Arrow and Parquet output — without
//! running Python.
//!
//! It sits on [brinery]'s object graph and [brinery_numpy]'s arrays: a
//! `df.to_pickle()` file decodes to a graph that records how pandas
//! rebuilds the frame (`BlockManager`, `_unpickle_block`, `_new_Index`,
//! `__pyx_unpickle_NDArrayBacked`, `pyarrow.lib._restore_array`...);
//! [`from_node`] reads that record into a [`DataFrame`], [`Series`] or
//! [`Index`] without calling anything. Layouts from pandas 0.25 to 3.x are
//! read, including ones pandas 3 itself no longer loads.
//!
//! ```
//! // pickle.dumps(pd.DataFrame({"a": [1, 2]}), protocol=2) made by pandas 3.1
//! # let data = include_bytes!("../tests/fixtures/3.1.1/interleaved.p2.pkl");
//! let g = brinery::loads(data)?;
//! let p = brinery_pandas::from_node(g.root())?.expect("a pandas object");
//! let brinery_pandas::Pandas::DataFrame(df) = &p else { panic!() };
//! assert_eq!((df.nrows(), df.ncols()), (3, 5));
//! assert_eq!(
//!     brinery_pandas::repr(&p),
//!    "   a    b  c  d    e\n0  1  0.5  7  x  1.0\n1  2  1.5  8  y  2.0\n2  3  2.5  9  z  3.0"
//! );
//! assert!(brinery_pandas::frame_to_csv(df).starts_with(",a,b,c,d,e\n0,1,0.5,7,x,1.0\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod csv;
mod decode;
mod error;
mod format;
mod model;
mod nested;
mod par;
mod repr;
mod tz;

#[cfg(feature = "arrow")]
mod arrow;
#[cfg(feature = "parquet")]
mod pq;

#[cfg(feature = "arrow")]
pub use crate::arrow::{into_ipc, into_record_batch, pandas_metadata, to_record_batch, write_ipc};
pub use crate::csv::{frame_to_csv, series_to_csv, write_csv, write_series_csv};
pub use crate::decode::from_node;
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::format::label_repr;
pub use crate::model::{
    Array, ArrowData, ArrowField, ArrowNested, ArrowType, Cell, Closed, DataFrame, Dtype, Floats,
    Index, Ints, Pandas, Series, StringStorage, Strings, UInts, Values,
};
#[cfg(feature = "parquet")]
pub use crate::pq::{into_parquet, write_parquet};
pub use crate::repr::{frame_repr, index_repr, repr, series_repr};
pub use crate::tz::Tz;

/// Every pandas object in a graph with its path (`""` for the root,
/// `['key']`, `[0]`), outermost first; objects inside a pandas object are
/// not listed again.
pub fn find_pandas(g: &brinery::Graph<'_>) -> Vec<(String, brinery::NodeId)> {
    use brinery::Node;
    let mut out = Vec::new();
    let Some(root) = g.root_id() else { return out };
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![(root, String::new())];
    while let Some((id, path)) = stack.pop() {
        if !seen.insert(id) || out.len() > 10_000 {
            continue;
        }
        let v = g.view(id);
        if let Some(c) = v.class_name() {
            if c.starts_with("pandas") && decode::is_pandas_class(&c) {
                out.push((path, id));
                continue;
            }
        }
        let mut kids: Vec<(brinery::NodeId, String)> = Vec::new();
        match g.node(id) {
            Node::Dict(d) => {
                for &(k, val) in d.entries() {
                    let key = match g.node(k) {
                        Node::Str(s) => format!("['{}']", s.to_string_lossy()),
                        Node::Int(i) => format!("[{i}]"),
                        _ => continue,
                    };
                    kids.push((val, format!("{path}{key}")));
                }
            }
            Node::List(items) | Node::Tuple(items) => {
                for (i, &it) in items.iter().enumerate() {
                    kids.push((it, format!("{path}[{i}]")));
                }
            }
            _ => {}
        }
        for k in kids.into_iter().rev() {
            stack.push(k);
        }
    }
    out
}
