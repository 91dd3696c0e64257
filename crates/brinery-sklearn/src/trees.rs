//! Decision trees (`sklearn.tree._tree.Tree`), forests, gradient boosting
//! and histogram gradient boosting.

use brinery::NodeRef;
use brinery_numpy::{Array, Kind};

use crate::error::{At, Error, Result};
use crate::math::{argmax, expit, logsumexp, np_sum, softmax};
use crate::predict::{
    classes, estimator, n_features_in, unsupported, Estimator, Head, Method, Output, X,
};
use crate::value::{num_array, scalar_i64, Labels, Obj, Records};

/// One node of a compiled tree.
#[derive(Clone, Copy, Debug)]
pub struct TreeNode {
    /// Left child (-1 for a leaf).
    pub left: i64,
    /// Right child (-1 for a leaf).
    pub right: i64,
    /// Split feature.
    pub feature: usize,
    /// Split threshold.
    pub threshold: f64,
    /// Where a missing value goes (scikit-learn >= 1.3).
    pub missing_left: bool,
}

/// A `sklearn.tree._tree.Tree` in plain Rust: nodes and the `value` rows
/// (`n_outputs × max_n_classes` numbers per node).
#[derive(Clone, Debug)]
pub struct Tree {
    /// The nodes.
    pub nodes: Vec<TreeNode>,
    /// `value`, row-major (`node_count × n_outputs × width`).
    pub values: Vec<f64>,
    /// Numbers per node and output (`max_n_classes`, 1 for regression).
    pub width: usize,
    /// `n_outputs`.
    pub n_outputs: usize,
    /// `n_features` the tree was built for.
    pub n_features: usize,
    /// Whether the node dtype records `missing_go_to_left`.
    pub has_missing: bool,
    fast: Vec<Fast>,
}

/// The traversal form of a node (24 bytes; `left == LEAF` for a leaf).
#[derive(Clone, Copy, Debug)]
struct Fast {
    threshold: f64,
    left: u32,
    right: u32,
    feature: u32,
    missing_left: bool,
}

const LEAF: u32 = u32::MAX;

impl Fast {
    /// The child of this split node that feature value `v` goes to, as
    /// scikit-learn decides on float32 data (`v` is rounded to f32 first).
    /// A NaN is an error unless the tree has missing-value support.
    #[inline]
    fn child(&self, v: f64, has_missing: bool) -> Result<u32> {
        let v = v as f32 as f64;
        let go_left = if v <= self.threshold {
            true
        } else if v.is_nan() {
            if !has_missing {
                return Err(Error::input(
                    "Input X contains NaN (this tree has no missing-value support)",
                ));
            }
            self.missing_left
        } else {
            false
        };
        Ok(if go_left { self.left } else { self.right })
    }
}

/// Rows traversed in lockstep by the block traversals.
const LANES: usize = 1;

/// Check that the nodes reachable from the root form a tree: every child
/// in range (checked by the caller) and reached once, so a traversal
/// ends within `children.len()` steps. `children(i)` is `None` for a leaf.
fn check_acyclic(n: usize, children: impl Fn(usize) -> Option<(usize, usize)>) -> Result<()> {
    let mut seen = vec![false; n];
    let mut stack = vec![0usize];
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            return Err(Error::invalid(format!(
                "node {i} is reached twice: the nodes contain a cycle or a shared subtree"
            ))
            .at("nodes"));
        }
        if let Some((l, r)) = children(i) {
            stack.push(r);
            stack.push(l);
        }
    }
    Ok(())
}

impl Tree {
    /// Read a pickled `sklearn.tree._tree.Tree` (REDUCE of
    /// `Tree(n_features, n_classes, n_outputs)` + a state with `nodes`,
    /// `values`, `node_count`), checking that every child index is in
    /// range and every split feature exists.
    pub fn from_node(v: NodeRef<'_, '_>) -> Result<Tree> {
        let o = Obj::new(v).ok_or_else(|| Error::invalid("tree_ is not a Tree object"))?;
        let args = o.ctor_args();
        let n_features = args
            .first()
            .map(|a| scalar_i64(*a))
            .transpose()?
            .ok_or_else(|| Error::invalid("Tree without n_features"))?;
        let n_outputs = args
            .get(2)
            .map(|a| scalar_i64(*a))
            .transpose()?
            .ok_or_else(|| Error::invalid("Tree without n_outputs"))?;
        let recs = Records::new(o.req("nodes")?).at("nodes")?;
        let node_count = o.i64("node_count")?;
        if node_count < 0 || node_count as usize != recs.len {
            return Err(Error::invalid(format!(
                "node_count is {node_count} but nodes has {} records",
                recs.len
            )));
        }
        let vals = num_array(o.req("values")?).at("values")?;
        let (vn, vo, width) = match vals.shape[..] {
            [a, b, c] => (a, b, c),
            _ => {
                return Err(
                    Error::invalid(format!("values has shape {:?}", vals.shape)).at("values")
                )
            }
        };
        if vn != recs.len || vo as i64 != n_outputs || n_outputs < 1 {
            return Err(Error::invalid(format!(
                "values has shape {:?} for {} nodes and {n_outputs} outputs",
                vals.shape, recs.len
            ))
            .at("values"));
        }
        let fl = recs.field("left_child")?;
        let fr = recs.field("right_child")?;
        let ff = recs.field("feature")?;
        let ft = recs.field("threshold")?;
        let fm = recs.opt_field("missing_go_to_left");
        let n = recs.len as i64;
        let mut nodes = Vec::with_capacity(recs.len);
        for i in 0..recs.len {
            let left = recs.i64(i, fl);
            let right = recs.i64(i, fr);
            let leaf = left == -1;
            if leaf != (right == -1) {
                return Err(
                    Error::invalid(format!("node {i} has one child ({left}, {right})")).at("nodes"),
                );
            }
            let feature = recs.i64(i, ff);
            if !leaf {
                if left < 0 || left >= n || right < 0 || right >= n {
                    return Err(Error::invalid(format!(
                        "node {i}: child index ({left}, {right}) out of range for {n} nodes"
                    ))
                    .at("nodes"));
                }
                if feature < 0 || feature >= n_features {
                    return Err(Error::invalid(format!(
                        "node {i}: feature {feature} out of range for {n_features} features"
                    ))
                    .at("nodes"));
                }
            }
            nodes.push(TreeNode {
                left,
                right,
                feature: feature.max(0) as usize,
                threshold: recs.f64(i, ft),
                missing_left: fm.map(|f| recs.f64(i, f) != 0.0).unwrap_or(false),
            });
        }
        if nodes.is_empty() {
            return Err(Error::invalid("tree without nodes").at("nodes"));
        }
        if nodes.len() >= LEAF as usize {
            return Err(Error::invalid("too many nodes").at("nodes"));
        }
        check_acyclic(nodes.len(), |i| {
            let n = &nodes[i];
            (n.left >= 0).then_some((n.left as usize, n.right as usize))
        })?;
        let fast = nodes
            .iter()
            .map(|n| Fast {
                threshold: n.threshold,
                left: if n.left < 0 { LEAF } else { n.left as u32 },
                right: if n.left < 0 { LEAF } else { n.right as u32 },
                feature: n.feature as u32,
                missing_left: n.missing_left,
            })
            .collect();
        Ok(Tree {
            nodes,
            values: vals.data,
            width,
            n_outputs: n_outputs as usize,
            n_features: n_features as usize,
            has_missing: fm.is_some(),
            fast,
        })
    }

    /// The leaf `x` falls in (scikit-learn's `apply` on float32 data: the
    /// features are rounded to f32 first). `x` must have `n_features`
    /// values. The structure was checked when the tree was read (children
    /// in range, no cycle), so this ends within `node_count` steps.
    pub fn apply(&self, x: &[f64]) -> Result<usize> {
        if x.len() < self.n_features {
            return Err(Error::input(format!(
                "a row of {} values for a tree of {} features",
                x.len(),
                self.n_features
            )));
        }
        let mut i = 0usize;
        loop {
            let n = &self.fast[i];
            if n.left == LEAF {
                return Ok(i);
            }
            i = n.child(x[n.feature as usize], self.has_missing)? as usize;
        }
    }

    /// [`Tree::apply`] for rows `first..first + leaves.len()` of `x`
    /// ([`LANES`] rows in lockstep); the leaves go to `leaves`.
    pub(crate) fn apply_block(&self, x: &X, first: usize, leaves: &mut [u32]) -> Result<()> {
        if x.cols < self.n_features {
            return Err(Error::input(format!(
                "rows of {} values for a tree of {} features",
                x.cols, self.n_features
            )));
        }
        let fast = &self.fast[..];
        for (g, chunk) in leaves.chunks_mut(LANES).enumerate() {
            let base = first + g * LANES;
            let mut idx = [0u32; LANES];
            let mut active = chunk.len();
            let mut done = [false; LANES];
            for d in done.iter_mut().skip(chunk.len()) {
                *d = true;
            }
            while active > 0 {
                for j in 0..LANES {
                    if done[j] {
                        continue;
                    }
                    let n = &fast[idx[j] as usize];
                    if n.left == LEAF {
                        done[j] = true;
                        active -= 1;
                        continue;
                    }
                    let v = x.v[(base + j) * x.cols + n.feature as usize];
                    idx[j] = n.child(v, self.has_missing)?;
                }
            }
            chunk.copy_from_slice(&idx[..chunk.len()]);
        }
        Ok(())
    }

    /// The value row of a leaf (first output).
    pub fn value(&self, leaf: usize) -> &[f64] {
        let s = leaf * self.n_outputs * self.width;
        &self.values[s..s + self.width]
    }
}

fn tree_of(o: &Obj<'_, '_>) -> Result<Tree> {
    let t = Tree::from_node(o.req("tree_")?).at("tree_")?;
    if t.n_outputs != 1 {
        return Err(Error::unsupported(
            &o.class(),
            "predict",
            "multi-output trees are inspection-only",
        ));
    }
    Ok(t)
}

struct TreeClassifier {
    head: Head,
    tree: Tree,
    n_classes: usize,
    classes: Labels,
    /// Per node: `value[:n_classes] / normalizer` as predict_proba divides
    /// it (the same operations, done once per leaf instead of per row).
    probs: Vec<f64>,
}

impl TreeClassifier {
    /// `DecisionTreeClassifier.predict_proba` for one row, added to `out`
    /// (the forest accumulates in place).
    fn proba_into(&self, x: &[f64], out: &mut [f64]) -> Result<()> {
        let leaf = self.tree.apply(x)?;
        let k = self.n_classes;
        for (o, &p) in out.iter_mut().zip(&self.probs[leaf * k..(leaf + 1) * k]) {
            *o += p;
        }
        Ok(())
    }
}

impl TreeClassifier {
    fn predict(&self, x: &X) -> Result<Output> {
        let k = self.n_classes;
        let mut idx = Vec::with_capacity(x.rows);
        for i in 0..x.rows {
            let leaf = self.tree.apply(x.row(i))?;
            idx.push(argmax(&self.tree.value(leaf)[..k]));
        }
        Ok(Output::Labels(self.classes.take(&idx)?))
    }

    fn predict_proba(&self, x: &X) -> Result<Output> {
        let k = self.n_classes;
        let mut out = vec![0.0; x.rows * k];
        for i in 0..x.rows {
            self.proba_into(x.row(i), &mut out[i * k..(i + 1) * k])?;
        }
        Ok(Output::mat(x.rows, k, out))
    }
}

estimator!(TreeClassifier {
    Predict => predict,
    PredictProba => predict_proba,
});

fn tree_classifier_of(o: &Obj<'_, '_>) -> Result<TreeClassifier> {
    let tree = tree_of(o)?;
    let classes = classes(o)?;
    let n_classes = scalar_i64(o.req("n_classes_")?).at("n_classes_")? as usize;
    if n_classes != classes.len() || n_classes > tree.width || n_classes == 0 {
        return Err(Error::invalid(format!(
            "n_classes_ {n_classes}, {} classes_, tree values {} wide",
            classes.len(),
            tree.width
        )));
    }
    let mut probs = Vec::with_capacity(tree.nodes.len() * n_classes);
    for i in 0..tree.nodes.len() {
        let v = &tree.value(i)[..n_classes];
        let mut norm = np_sum(v);
        if norm == 0.0 {
            norm = 1.0;
        }
        probs.extend(v.iter().map(|p| p / norm));
    }
    Ok(TreeClassifier {
        head: Head::of(o),
        tree,
        n_classes,
        classes,
        probs,
    })
}

pub(crate) fn tree_classifier(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    Ok(Box::new(tree_classifier_of(&o)?))
}

struct TreeRegressor {
    head: Head,
    tree: Tree,
}

impl TreeRegressor {
    fn predict_one(&self, x: &[f64]) -> Result<f64> {
        Ok(self.tree.value(self.tree.apply(x)?)[0])
    }
}

impl TreeRegressor {
    fn predict(&self, x: &X) -> Result<Output> {
        let v = (0..x.rows)
            .map(|i| self.predict_one(x.row(i)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Output::vec1(v))
    }
}

estimator!(TreeRegressor { Predict => predict });

fn tree_regressor_of(o: &Obj<'_, '_>) -> Result<TreeRegressor> {
    let tree = tree_of(o)?;
    if tree.width != 1 {
        return Err(Error::invalid(
            "regression tree with more than one value per node",
        ));
    }
    Ok(TreeRegressor {
        head: Head::of(o),
        tree,
    })
}

pub(crate) fn tree_regressor(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    Ok(Box::new(tree_regressor_of(&o)?))
}

/// The items of a list, tuple or object ndarray.
pub(crate) fn items<'g, 'a>(v: NodeRef<'g, 'a>) -> Result<Vec<NodeRef<'g, 'a>>> {
    if let Some(a) = Array::from_node(v).map_err(Error::load)? {
        if a.dtype().kind != Kind::Object {
            return Err(Error::invalid("expected a list of estimators"));
        }
        let g = v.graph();
        return Ok(a
            .objects()
            .unwrap_or_default()
            .into_iter()
            .map(|id| g.view(id))
            .collect());
    }
    match v.as_items() {
        Some(_) => Ok(v.iter().collect()),
        None => Err(Error::invalid("expected a list of estimators")),
    }
}

/// Rows per block: tree-major traversal over a block keeps one tree's
/// nodes in cache (scikit-learn goes tree by tree over all rows); per row
/// the sums still run over the trees in order.
const BLOCK: usize = 1 << 16;

/// Split the rows over the machine's cores and hand `f` blocks of up to
/// [`BLOCK`] rows (results are per row: the split changes no number):
/// `f(first_row, rows, out)` with `out` holding `rows * width` values.
fn par_blocks(
    rows: usize,
    width: usize,
    f: impl Fn(usize, usize, &mut [f64]) -> Result<()> + Sync,
) -> Result<Vec<f64>> {
    let mut out = vec![0.0; rows * width];
    if width == 0 || rows == 0 {
        return Ok(out);
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let run = |first: usize, part: &mut [f64]| -> Result<()> {
        for (b, chunk) in part.chunks_mut(BLOCK * width).enumerate() {
            f(first + b * BLOCK, chunk.len() / width, chunk)?;
        }
        Ok(())
    };
    if rows < 4096 || threads < 2 {
        run(0, &mut out)?;
        return Ok(out);
    }
    let per = rows.div_ceil(threads);
    let run = &run;
    std::thread::scope(|s| {
        let hs: Vec<_> = out
            .chunks_mut(per * width)
            .enumerate()
            .map(|(t, part)| s.spawn(move || run(t * per, part)))
            .collect();
        for h in hs {
            h.join()
                .map_err(|_| Error::invalid("worker thread panicked"))??;
        }
        Ok::<(), Error>(())
    })?;
    Ok(out)
}

/// A tree of a forest: its structure and the numbers each leaf adds to
/// the forest's mean.
trait ForestTree: Sync {
    fn tree(&self) -> &Tree;
    /// The numbers of `leaf` (class probabilities, or the value).
    fn leaf_row(&self, leaf: usize) -> &[f64];
}

impl ForestTree for TreeClassifier {
    fn tree(&self) -> &Tree {
        &self.tree
    }
    fn leaf_row(&self, leaf: usize) -> &[f64] {
        let k = self.n_classes;
        &self.probs[leaf * k..(leaf + 1) * k]
    }
}

impl ForestTree for TreeRegressor {
    fn tree(&self) -> &Tree {
        &self.tree
    }
    fn leaf_row(&self, leaf: usize) -> &[f64] {
        &self.tree.value(leaf)[..1]
    }
}

/// For each row of `x`, the mean over `trees` of the leaf rows it lands
/// in (`width` numbers per row, summed tree by tree, then divided): a
/// forest's `predict_proba`, or a regression forest's `predict`.
fn forest_mean<T: ForestTree>(trees: &[T], x: &X, width: usize) -> Result<Vec<f64>> {
    let n = trees.len() as f64;
    par_blocks(x.rows, width, |first, rows, out| {
        let mut leaves = vec![0u32; rows];
        for t in trees {
            t.tree().apply_block(x, first, &mut leaves)?;
            for (row, &leaf) in out.chunks_mut(width).zip(&leaves) {
                for (o, &p) in row.iter_mut().zip(t.leaf_row(leaf as usize)) {
                    *o += p;
                }
            }
        }
        for v in out.iter_mut() {
            *v /= n;
        }
        Ok(())
    })
}

/// The trees of `estimators_`, each read by `read` and then passed to
/// `check` with its index; at least one.
fn forest_trees<T>(
    o: &Obj<'_, '_>,
    read: impl Fn(&Obj<'_, '_>) -> Result<T>,
    check: impl Fn(usize, &T) -> Result<()>,
) -> Result<Vec<T>> {
    let mut trees = Vec::new();
    for (i, e) in items(o.req("estimators_")?)
        .at("estimators_")?
        .into_iter()
        .enumerate()
    {
        let eo = Obj::new(e).ok_or_else(|| Error::invalid("estimator is not an object"));
        let t = eo
            .and_then(|eo| read(&eo))
            .map_err(|e| e.at(&format!("estimators_[{i}]")))?;
        check(i, &t)?;
        trees.push(t);
    }
    if trees.is_empty() {
        return Err(Error::invalid("forest without trees").at("estimators_"));
    }
    Ok(trees)
}

struct ForestClassifier {
    head: Head,
    trees: Vec<TreeClassifier>,
    classes: Labels,
}

impl ForestClassifier {
    fn predict(&self, x: &X) -> Result<Output> {
        let p = self.predict_proba_rows(x)?;
        let idx: Vec<usize> = p.chunks(self.classes.len()).map(argmax).collect();
        Ok(Output::Labels(self.classes.take(&idx)?))
    }

    fn predict_proba(&self, x: &X) -> Result<Output> {
        let p = self.predict_proba_rows(x)?;
        Ok(Output::mat(x.rows, self.classes.len(), p))
    }

    fn predict_proba_rows(&self, x: &X) -> Result<Vec<f64>> {
        forest_mean(&self.trees, x, self.classes.len())
    }
}

estimator!(ForestClassifier {
    Predict => predict,
    PredictProba => predict_proba,
});

pub(crate) fn forest_classifier(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let classes = classes(&o)?;
    let trees = forest_trees(&o, tree_classifier_of, |i, t| {
        if t.n_classes != classes.len() {
            return Err(Error::invalid(format!(
                "tree {i} has {} classes, the forest {}",
                t.n_classes,
                classes.len()
            )));
        }
        Ok(())
    })?;
    Ok(Box::new(ForestClassifier {
        head: Head::of(&o),
        trees,
        classes,
    }))
}

struct ForestRegressor {
    head: Head,
    trees: Vec<TreeRegressor>,
}

impl ForestRegressor {
    fn predict(&self, x: &X) -> Result<Output> {
        Ok(Output::vec1(forest_mean(&self.trees, x, 1)?))
    }
}

estimator!(ForestRegressor { Predict => predict });

pub(crate) fn forest_regressor(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let trees = forest_trees(&o, tree_regressor_of, |_, _| Ok(()))?;
    Ok(Box::new(ForestRegressor {
        head: Head::of(&o),
        trees,
    }))
}

/// How raw (link-space) predictions become probabilities and labels.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Link {
    /// Regression, identity.
    Identity,
    /// Regression with a log link (Poisson, Gamma): `exp(raw)`.
    Log,
    /// Binary, `expit(raw)` (scikit-learn >= 1.4 decides by `raw >= 0`
    /// in GradientBoosting).
    Logit { new_predict: bool },
    /// Binary exponential loss: `expit(2 raw)`.
    HalfLogit { new_predict: bool },
    /// Multiclass softmax (>= 1.4 and HistGradientBoosting).
    Softmax,
    /// Multiclass `exp(raw - logsumexp(raw))` (GradientBoosting < 1.4).
    OldMultinomial,
}

struct Boosting {
    head: Head,
    classes: Option<Labels>,
    /// K raw outputs per row.
    k: usize,
    link: Link,
    body: Body,
}

enum Body {
    /// GradientBoosting: initial raw values, stages of K trees, the rate.
    Gb {
        init: Vec<f64>,
        stages: Vec<Vec<Tree>>,
        rate: f64,
    },
    /// HistGradientBoosting: baseline and iterations of K predictors.
    Hgb {
        baseline: Vec<f64>,
        iters: Vec<Vec<HgbTree>>,
    },
}

impl Boosting {
    fn raw(&self, x: &X) -> Result<Vec<f64>> {
        let k = self.k;
        match &self.body {
            Body::Gb { init, stages, rate } => par_blocks(x.rows, k, |first, rows, out| {
                for row in out.chunks_mut(k) {
                    row.copy_from_slice(init);
                }
                let mut leaves = vec![0u32; rows];
                for st in stages {
                    for (j, t) in st.iter().enumerate() {
                        t.apply_block(x, first, &mut leaves)?;
                        for (i, &leaf) in leaves.iter().enumerate() {
                            out[i * k + j] += rate * t.value(leaf as usize)[0];
                        }
                    }
                }
                Ok(())
            }),
            Body::Hgb { baseline, iters } => par_blocks(x.rows, k, |first, rows, out| {
                for row in out.chunks_mut(k) {
                    for (o, b) in row.iter_mut().zip(baseline) {
                        *o = 0.0 + b;
                    }
                }
                let mut vals = vec![0.0f64; rows];
                for it in iters {
                    for (j, t) in it.iter().enumerate() {
                        t.predict_block(x, first, &mut vals)?;
                        for (i, v) in vals.iter().enumerate() {
                            out[i * k + j] += v;
                        }
                    }
                }
                Ok(())
            }),
        }
    }

    fn proba(&self, raw: Vec<f64>, rows: usize) -> Result<Vec<f64>> {
        match self.link {
            Link::Logit { .. } | Link::HalfLogit { .. } => {
                let half = matches!(self.link, Link::HalfLogit { .. });
                let mut out = Vec::with_capacity(rows * 2);
                for v in raw {
                    let p = expit(if half { 2.0 * v } else { v });
                    out.push(1.0 - p);
                    out.push(p);
                }
                Ok(out)
            }
            Link::Softmax => {
                let mut p = raw;
                for row in p.chunks_mut(self.k) {
                    softmax(row);
                }
                Ok(p)
            }
            Link::OldMultinomial => {
                let mut p = raw;
                for row in p.chunks_mut(self.k) {
                    let l = logsumexp(row);
                    for v in row.iter_mut() {
                        let e = (*v - l).exp();
                        *v = if e.is_nan() {
                            0.0
                        } else if e.is_infinite() {
                            f64::MAX
                        } else {
                            e
                        };
                    }
                }
                Ok(p)
            }
            Link::Identity | Link::Log => Err(unsupported(&self.head.class, Method::PredictProba)),
        }
    }
}

impl Estimator for Boosting {
    fn head(&self) -> &Head {
        &self.head
    }
    fn methods(&self) -> Vec<Method> {
        if self.classes.is_some() {
            vec![
                Method::Predict,
                Method::PredictProba,
                Method::DecisionFunction,
            ]
        } else {
            vec![Method::Predict]
        }
    }
    fn run(&self, m: Method, x: &X) -> Result<Output> {
        let Some(classes) = &self.classes else {
            if m != Method::Predict {
                return Err(unsupported(&self.head.class, m));
            }
            let mut v = self.raw(x)?;
            if self.link == Link::Log {
                for r in v.iter_mut() {
                    *r = r.exp();
                }
            }
            return Ok(Output::vec1(v));
        };
        let k = self.k;
        match m {
            Method::DecisionFunction => {
                let raw = self.raw(x)?;
                Ok(if k == 1 {
                    Output::vec1(raw)
                } else {
                    Output::mat(x.rows, k, raw)
                })
            }
            Method::PredictProba => {
                let raw = self.raw(x)?;
                let w = if k == 1 { 2 } else { k };
                Ok(Output::mat(x.rows, w, self.proba(raw, x.rows)?))
            }
            Method::Predict => {
                let raw = self.raw(x)?;
                let idx: Vec<usize> = match self.link {
                    Link::Logit { new_predict: true } | Link::HalfLogit { new_predict: true } => {
                        raw.iter().map(|&v| usize::from(v >= 0.0)).collect()
                    }
                    Link::Softmax if matches!(self.body, Body::Gb { .. }) => {
                        raw.chunks(k).map(argmax).collect()
                    }
                    _ => {
                        let p = self.proba(raw, x.rows)?;
                        let w = if k == 1 { 2 } else { k };
                        p.chunks(w).map(argmax).collect()
                    }
                };
                Ok(Output::Labels(classes.take(&idx)?))
            }
            Method::Transform => Err(unsupported(&self.head.class, m)),
        }
    }
}

/// `eps` of float32 / float64.
const EPS32: f64 = f32::EPSILON as f64;
const EPS64: f64 = f64::EPSILON;

pub(crate) fn gradient_boosting(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let class = o.class();
    let is_clf = o.name().ends_with("Classifier");
    // `_loss` from 1.1 on, `loss_` before
    let loss_node = match o.get("_loss") {
        Some(l) => l,
        None => o.req("loss_")?,
    };
    let loss =
        Obj::new(loss_node).ok_or_else(|| Error::invalid("_loss is not an object").at("_loss"))?;
    let loss_name = loss.name();
    let old = loss.module().ends_with("_gb_losses");
    // stages: object ndarray (n_stages, K) of DecisionTreeRegressor
    let est = o.req("estimators_")?;
    let arr = Array::from_node(est)
        .map_err(Error::load)?
        .ok_or_else(|| Error::invalid("estimators_ is not an array").at("estimators_"))?;
    let (ns, k) = match arr.shape() {
        [a, b] => (*a, *b),
        s => return Err(Error::invalid(format!("estimators_ has shape {s:?}")).at("estimators_")),
    };
    let g = est.graph();
    let ids = arr
        .objects()
        .ok_or_else(|| Error::invalid("estimators_ is not an object array"))?;
    let mut stages = Vec::with_capacity(ns);
    for s in 0..ns {
        let mut st = Vec::with_capacity(k);
        for j in 0..k {
            let path = format!("estimators_[{s}, {j}]");
            let t = Obj::new(g.view(ids[s * k + j]))
                .ok_or_else(|| Error::invalid("stage is not a tree"))
                .and_then(|t| tree_of(&t))
                .map_err(|e| e.at(&path))?;
            if t.width != 1 {
                return Err(Error::invalid("boosting tree with more than one value").at(&path));
            }
            st.push(t);
        }
        stages.push(st);
    }
    let rate = o.f64("learning_rate")?;
    let classes = if is_clf { Some(classes(&o)?) } else { None };
    // the initial raw prediction (the same for every row)
    let init_v = o.req("init_")?;
    let init: Vec<f64> = if init_v.as_str() == Some("zero") {
        vec![0.0; k]
    } else {
        let io = Obj::new(init_v).ok_or_else(|| Error::invalid("init_ is not an estimator"))?;
        match io.name().as_str() {
            "DummyRegressor" => {
                let c = io.arr("constant_").at("init_")?;
                if c.len() != 1 || k != 1 {
                    return Err(Error::invalid("init_ constant_ shape").at("init_"));
                }
                vec![c.data[0]]
            }
            "DummyClassifier" => {
                let prior = io.arr("class_prior_").at("init_")?.data;
                let eps = if old { EPS32 } else { EPS64 };
                let clip = |p: f64| p.clamp(eps, 1.0 - eps);
                if k == 1 {
                    let p = clip(
                        *prior
                            .get(1)
                            .ok_or_else(|| Error::invalid("class_prior_").at("init_"))?,
                    );
                    let l = (p / (1.0 - p)).ln();
                    if loss_name.contains("Exponential") {
                        vec![0.5 * l]
                    } else {
                        vec![l]
                    }
                } else {
                    if prior.len() != k {
                        return Err(Error::invalid("class_prior_ length").at("init_"));
                    }
                    let p: Vec<f64> = prior.iter().map(|&p| clip(p)).collect();
                    if old {
                        p.iter().map(|v| v.ln()).collect()
                    } else {
                        // MultinomialLogit.link: log(p / gmean(p))
                        let logs: Vec<f64> = p.iter().map(|v| v.ln()).collect();
                        let gm = (np_sum(&logs) / k as f64).exp();
                        p.iter().map(|v| (v / gm).ln()).collect()
                    }
                }
            }
            _ => {
                return Err(Error::unsupported(
                    &class,
                    "predict",
                    format!("init estimator {} is not supported", io.class()),
                ))
            }
        }
    };
    let link = if !is_clf {
        Link::Identity
    } else if k == 1 {
        if loss_name.contains("Exponential") {
            Link::HalfLogit { new_predict: !old }
        } else {
            Link::Logit { new_predict: !old }
        }
    } else if old {
        Link::OldMultinomial
    } else {
        Link::Softmax
    };
    Ok(Box::new(Boosting {
        head: Head::of(&o),
        classes,
        k,
        link,
        body: Body::Gb { init, stages, rate },
    }))
}

/// One `TreePredictor` of HistGradientBoosting.
#[derive(Clone, Debug)]
pub struct HgbTree {
    nodes: Vec<HgbNode>,
    n_features: usize,
}

#[derive(Clone, Copy, Debug)]
struct HgbNode {
    threshold: f64,
    value: f64,
    feature: u32,
    left: u32,
    right: u32,
    missing_left: bool,
    leaf: bool,
}

impl HgbTree {
    fn from_node(v: NodeRef<'_, '_>, n_features: usize) -> Result<HgbTree> {
        let o = Obj::new(v).ok_or_else(|| Error::invalid("predictor is not an object"))?;
        let r = Records::new(o.req("nodes")?).at("nodes")?;
        let (fv, ff, ft, fm, fl, fr, fleaf) = (
            r.field("value")?,
            r.field("feature_idx")?,
            r.field("num_threshold")?,
            r.field("missing_go_to_left")?,
            r.field("left")?,
            r.field("right")?,
            r.field("is_leaf")?,
        );
        let fcat = r.opt_field("is_categorical");
        let n = r.len;
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let leaf = r.f64(i, fleaf) != 0.0;
            let left = r.i64(i, fl);
            let right = r.i64(i, fr);
            let feature = r.i64(i, ff);
            if !leaf {
                if fcat.is_some_and(|f| r.f64(i, f) != 0.0) {
                    return Err(Error::unsupported(
                        "sklearn.ensemble.HistGradientBoosting",
                        "predict",
                        "categorical splits are inspection-only",
                    ));
                }
                if left < 0 || right < 0 || left as usize >= n || right as usize >= n {
                    return Err(Error::invalid(format!(
                        "node {i}: child index ({left}, {right}) out of range for {n} nodes"
                    ))
                    .at("nodes"));
                }
                if feature < 0 || feature as usize >= n_features {
                    return Err(Error::invalid(format!(
                        "node {i}: feature {feature} out of range for {n_features} features"
                    ))
                    .at("nodes"));
                }
            }
            nodes.push(HgbNode {
                value: r.f64(i, fv),
                feature: feature.max(0) as u32,
                threshold: r.f64(i, ft),
                missing_left: r.f64(i, fm) != 0.0,
                left: left.max(0) as u32,
                right: right.max(0) as u32,
                leaf,
            });
        }
        if nodes.is_empty() {
            return Err(Error::invalid("predictor without nodes").at("nodes"));
        }
        if nodes.len() > u32::MAX as usize {
            return Err(Error::invalid("too many nodes").at("nodes"));
        }
        check_acyclic(nodes.len(), |i| {
            let n = &nodes[i];
            (!n.leaf).then_some((n.left as usize, n.right as usize))
        })?;
        Ok(HgbTree { nodes, n_features })
    }

    /// The leaf values for rows `first..first + out.len()` of `x`
    /// ([`LANES`] rows in lockstep).
    fn predict_block(&self, x: &X, first: usize, out: &mut [f64]) -> Result<()> {
        if x.cols < self.n_features {
            return Err(Error::input("rows shorter than the predictor's features"));
        }
        let nodes = &self.nodes[..];
        for (g, chunk) in out.chunks_mut(LANES).enumerate() {
            let base = first + g * LANES;
            let mut idx = [0u32; LANES];
            let mut done = [false; LANES];
            for d in done.iter_mut().skip(chunk.len()) {
                *d = true;
            }
            let mut active = chunk.len();
            while active > 0 {
                for j in 0..LANES {
                    if done[j] {
                        continue;
                    }
                    let n = &nodes[idx[j] as usize];
                    if n.leaf {
                        done[j] = true;
                        active -= 1;
                        continue;
                    }
                    let v = x.v[(base + j) * x.cols + n.feature as usize];
                    let left = if v <= n.threshold {
                        true
                    } else if v.is_nan() {
                        n.missing_left
                    } else {
                        false
                    };
                    idx[j] = if left { n.left } else { n.right };
                }
            }
            for (o, &i) in chunk.iter_mut().zip(&idx) {
                *o = nodes[i as usize].value;
            }
        }
        Ok(())
    }
}

pub(crate) fn hist_gradient_boosting(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let class = o.class();
    let is_clf = o.name().ends_with("Classifier");
    if let Some(p) = o.get("_preprocessor") {
        if !p.is_none() {
            return Err(Error::unsupported(
                &class,
                "predict",
                "a categorical _preprocessor is inspection-only",
            ));
        }
    }
    let loss = Obj::new(o.req("_loss")?)
        .ok_or_else(|| Error::invalid("_loss is not an object").at("_loss"))?;
    let loss_name = loss.name();
    let n_features = n_features_in(&o)
        .or_else(|| o.i64("_n_features").ok().map(|n| n.max(0) as usize))
        .ok_or_else(|| Error::invalid("no n_features_in_"))?;
    let baseline = o.arr("_baseline_prediction")?.data;
    let k = baseline.len();
    let mut iters = Vec::new();
    for (i, it) in items(o.req("_predictors")?)
        .at("_predictors")?
        .into_iter()
        .enumerate()
    {
        let preds = items(it).map_err(|e| e.at(&format!("_predictors[{i}]")))?;
        if preds.len() != k {
            return Err(Error::invalid(format!(
                "iteration {i} has {} predictors for {k} baseline values",
                preds.len()
            ))
            .at("_predictors"));
        }
        let mut ts = Vec::with_capacity(k);
        for (j, p) in preds.into_iter().enumerate() {
            ts.push(
                HgbTree::from_node(p, n_features)
                    .map_err(|e| e.at(&format!("_predictors[{i}][{j}]")))?,
            );
        }
        iters.push(ts);
    }
    let link = match loss_name.as_str() {
        "HalfSquaredError"
        | "AbsoluteError"
        | "PinballLoss"
        | "HuberLoss"
        | "LeastSquares"
        | "LeastAbsoluteDeviation" => Link::Identity,
        "HalfPoissonLoss" | "HalfGammaLoss" | "Poisson" => Link::Log,
        "HalfBinomialLoss" | "BinaryCrossEntropy" => Link::Logit { new_predict: false },
        "HalfMultinomialLoss" | "CategoricalCrossEntropy" => Link::Softmax,
        _ => {
            return Err(Error::unsupported(
                &class,
                "predict",
                format!("loss {} is not supported", loss.class()),
            ))
        }
    };
    let classes = if is_clf { Some(classes(&o)?) } else { None };
    Ok(Box::new(Boosting {
        head: Head::of(&o).or_width(Some(n_features)),
        classes,
        k,
        link,
        body: Body::Hgb { baseline, iters },
    }))
}
