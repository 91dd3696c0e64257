//! Pipelines, clustering, naive Bayes, neighbors and the preprocessing
//! transformers.

use brinery::NodeRef;

use crate::error::{At, Error, Result};
use crate::math::{argmax, dot, logsumexp, np_sum};
use crate::predict::{
    check_features, classes, compile, estimator, unsupported, Estimator, Head, Method, Output, X,
};
use crate::value::{labels, num_array, Labels, Mat, Obj};

fn version_at_least(o: &Obj<'_, '_>, major: u32, minor: u32) -> bool {
    let Some(v) = o.sklearn_version() else {
        return false;
    };
    let mut it = v.split('.');
    let a: u32 = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let b: u32 = it
        .next()
        .map(|s| {
            s.chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
        })
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (a, b) >= (major, minor)
}

fn values_to_x(out: Output) -> Result<X> {
    match out {
        Output::Values(a) => {
            let (rows, cols) = match a.shape() {
                [r, c] => (*r, *c),
                [r] => (*r, 1),
                s => return Err(Error::invalid(format!("step output of shape {s:?}"))),
            };
            Ok(X {
                rows,
                cols,
                v: a.iter().copied().collect(),
            })
        }
        Output::Labels(_) => Err(Error::invalid("a pipeline step returned labels")),
    }
}

struct Pipeline {
    head: Head,
    steps: Vec<(String, Box<dyn Estimator>)>,
}

impl Estimator for Pipeline {
    fn head(&self) -> &Head {
        &self.head
    }
    fn methods(&self) -> Vec<Method> {
        self.steps.last().map(|s| s.1.methods()).unwrap_or_default()
    }
    fn run(&self, m: Method, x: &X) -> Result<Output> {
        let Some(((last_name, last), rest)) = self.steps.split_last() else {
            return Err(Error::invalid("empty pipeline"));
        };
        let mut cur = x.clone();
        for (name, s) in rest {
            check_features(s.as_ref(), &cur).at(name)?;
            cur = values_to_x(s.run(Method::Transform, &cur).at(name)?).at(name)?;
        }
        check_features(last.as_ref(), &cur).at(last_name)?;
        last.run(m, &cur).at(last_name)
    }
}

/// One `(name, estimator, ...)` tuple of a list attribute (`steps`,
/// `transformers_`, `transformer_list`), with its path for errors.
struct Named<'g, 'a> {
    /// `attribute[i]`.
    at: String,
    /// The name (`?` if it is not a string).
    name: String,
    tuple: NodeRef<'g, 'a>,
}

impl<'g, 'a> Named<'g, 'a> {
    /// The tuples of `o.attr`.
    fn list(o: &Obj<'g, 'a>, attr: &str) -> Result<Vec<Named<'g, 'a>>> {
        Ok(o.req(attr)?
            .iter()
            .enumerate()
            .map(|(i, tuple)| Named {
                at: format!("{attr}[{i}]"),
                name: tuple
                    .get(&0)
                    .and_then(|n| n.as_str())
                    .unwrap_or("?")
                    .to_string(),
                tuple,
            })
            .collect())
    }

    /// Item `k` of the tuple; `missing` is the error message without it.
    fn item(&self, k: usize, missing: &str) -> Result<NodeRef<'g, 'a>> {
        self.tuple
            .get(&k)
            .ok_or_else(|| Error::invalid(missing).at(&self.at))
    }
}

pub(crate) fn pipeline(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let mut steps = Vec::new();
    for st in Named::list(&o, "steps")? {
        let est = st.item(1, "a step is not a (name, estimator) pair")?;
        if est.is_none() || est.as_str() == Some("passthrough") {
            continue;
        }
        steps.push((st.name, compile(est).at(&st.at)?));
    }
    if steps.is_empty() {
        return Err(Error::invalid("pipeline without estimators").at("steps"));
    }
    Ok(Box::new(Pipeline {
        head: Head::of(&o).or_width(steps.first().and_then(|s| s.1.n_features())),
        steps,
    }))
}

/// The boolean attributes that make an estimator inspection-only when
/// True: `(attribute, method refused, why)`.
const REFUSED_IF_TRUE: &[(&str, &str, &str)] = &[
    (
        "outputs_2d_",
        "predict",
        "multi-output targets are inspection-only",
    ),
    (
        "add_indicator",
        "transform",
        "add_indicator=True is inspection-only",
    ),
    (
        "_infrequent_enabled",
        "transform",
        "infrequent categories are inspection-only",
    ),
    (
        "sparse_output_",
        "transform",
        "sparse output is inspection-only",
    ),
];

/// An [`crate::ErrorKind::Unsupported`] error when the attribute `flag`
/// (one of [`REFUSED_IF_TRUE`]) is True.
fn refuse_if(o: &Obj<'_, '_>, flag: &str) -> Result<()> {
    match REFUSED_IF_TRUE.iter().find(|r| r.0 == flag) {
        Some(&(_, method, why)) if o.is_true(flag) => {
            Err(Error::unsupported(&o.class(), method, why))
        }
        _ => Ok(()),
    }
}

fn dims(m: &Mat, what: &str) -> Result<(usize, usize)> {
    m.dims2().at(what)
}

struct KMeans {
    head: Head,
    centers: Vec<f64>,
    k: usize,
    f: usize,
}

impl KMeans {
    /// `||c||²` of each center.
    fn center_norms(&self) -> Vec<f64> {
        let f = self.f;
        (0..self.k)
            .map(|j| {
                let c = &self.centers[j * f..(j + 1) * f];
                dot(c, c)
            })
            .collect()
    }

    /// `_labels_inertia`: `||c||² - 2 x·c`, first minimum.
    fn predict(&self, x: &X) -> Result<Output> {
        let f = self.f;
        let cn = self.center_norms();
        let mut out = Vec::with_capacity(x.rows);
        for i in 0..x.rows {
            let r = x.row(i);
            let mut best = 0usize;
            let mut bd = f64::INFINITY;
            for (j, cnj) in cn.iter().enumerate() {
                let d = cnj - 2.0 * dot(r, &self.centers[j * f..(j + 1) * f]);
                if d < bd {
                    bd = d;
                    best = j;
                }
            }
            out.push(best as i64);
        }
        Ok(Output::Labels(Labels::Int(out)))
    }

    /// `euclidean_distances`: `((-2 x·c) + ||x||²) + ||c||²`, clipped,
    /// square root.
    fn transform(&self, x: &X) -> Result<Output> {
        let (k, f) = (self.k, self.f);
        let cn = self.center_norms();
        let mut out = Vec::with_capacity(x.rows * k);
        for i in 0..x.rows {
            let r = x.row(i);
            let xx = dot(r, r);
            for (j, cnj) in cn.iter().enumerate() {
                let mut d = -2.0 * dot(r, &self.centers[j * f..(j + 1) * f]);
                d += xx;
                d += cnj;
                out.push(d.max(0.0).sqrt());
            }
        }
        Ok(Output::mat(x.rows, k, out))
    }
}

estimator!(KMeans {
    Predict => predict,
    Transform => transform,
});

pub(crate) fn kmeans(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let c = o.arr("cluster_centers_")?;
    let (k, f) = dims(&c, "cluster_centers_")?;
    Ok(Box::new(KMeans {
        head: Head::of(&o).or_width(Some(f)),
        centers: c.data,
        k,
        f,
    }))
}

struct GaussianNb {
    head: Head,
    classes: Labels,
    theta: Vec<f64>,
    var: Vec<f64>,
    prior: Vec<f64>,
    f: usize,
}

impl GaussianNb {
    fn jll(&self, x: &X) -> Vec<f64> {
        let (k, f) = (self.classes.len(), self.f);
        let mut out = vec![0.0; x.rows * k];
        for c in 0..k {
            let th = &self.theta[c * f..(c + 1) * f];
            let va = &self.var[c * f..(c + 1) * f];
            let jointi = self.prior[c].ln();
            let logs: Vec<f64> = va
                .iter()
                .map(|v| (2.0 * std::f64::consts::PI * v).ln())
                .collect();
            let n0 = -0.5 * np_sum(&logs);
            let mut tmp = vec![0.0; f];
            for i in 0..x.rows {
                let r = x.row(i);
                for j in 0..f {
                    let d = r[j] - th[j];
                    tmp[j] = (d * d) / va[j];
                }
                let n_ij = n0 - 0.5 * np_sum(&tmp);
                out[i * k + c] = jointi + n_ij;
            }
        }
        out
    }
}

impl GaussianNb {
    fn predict(&self, x: &X) -> Result<Output> {
        let idx: Vec<usize> = self.jll(x).chunks(self.classes.len()).map(argmax).collect();
        Ok(Output::Labels(self.classes.take(&idx)?))
    }

    fn predict_proba(&self, x: &X) -> Result<Output> {
        let k = self.classes.len();
        let mut p = self.jll(x);
        for row in p.chunks_mut(k) {
            let l = logsumexp(row);
            for v in row.iter_mut() {
                *v = (*v - l).exp();
            }
        }
        Ok(Output::mat(x.rows, k, p))
    }
}

estimator!(GaussianNb {
    Predict => predict,
    PredictProba => predict_proba,
});

pub(crate) fn gaussian_nb(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let classes = classes(&o)?;
    let theta = o.arr("theta_")?;
    let var = match o.opt_arr("var_")? {
        Some(v) => v,
        None => o.arr("sigma_")?,
    };
    let prior = o.arr("class_prior_")?.data;
    let (k, f) = dims(&theta, "theta_")?;
    if k != classes.len() || var.shape != theta.shape || prior.len() != k {
        return Err(Error::invalid(format!(
            "theta_ {:?}, var_ {:?}, class_prior_ {} for {} classes",
            theta.shape,
            var.shape,
            prior.len(),
            classes.len()
        )));
    }
    Ok(Box::new(GaussianNb {
        head: Head::of(&o).or_width(Some(f)),
        classes,
        theta: theta.data,
        var: var.data,
        prior,
        f,
    }))
}

#[derive(Clone, Copy)]
enum Metric {
    Euclidean,
    Manhattan,
}

struct KNeighbors {
    head: Head,
    fit_x: Vec<f64>,
    n: usize,
    f: usize,
    k: usize,
    metric: Metric,
    /// Classifier: encoded labels (`_y`) and classes; regressor: targets.
    y: Vec<f64>,
    classes: Option<Labels>,
}

impl KNeighbors {
    /// The k nearest training rows, by distance then index.
    fn neighbors(&self, r: &[f64], buf: &mut Vec<(f64, usize)>) {
        buf.clear();
        for t in 0..self.n {
            let q = &self.fit_x[t * self.f..(t + 1) * self.f];
            let d = match self.metric {
                Metric::Euclidean => {
                    let mut s = 0.0;
                    for (a, b) in r.iter().zip(q) {
                        let d = a - b;
                        s += d * d;
                    }
                    s
                }
                Metric::Manhattan => r.iter().zip(q).map(|(a, b)| (a - b).abs()).sum(),
            };
            buf.push((d, t));
        }
        let k = self.k;
        let cmp = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        if k < buf.len() {
            buf.select_nth_unstable_by(k - 1, cmp);
            buf.truncate(k);
        }
        buf.sort_by(cmp);
    }
}

impl Estimator for KNeighbors {
    fn head(&self) -> &Head {
        &self.head
    }
    fn methods(&self) -> Vec<Method> {
        if self.classes.is_some() {
            vec![Method::Predict, Method::PredictProba]
        } else {
            vec![Method::Predict]
        }
    }
    fn run(&self, m: Method, x: &X) -> Result<Output> {
        let mut buf = Vec::with_capacity(self.n);
        match (&self.classes, m) {
            (None, Method::Predict) => {
                let mut out = Vec::with_capacity(x.rows);
                for i in 0..x.rows {
                    self.neighbors(x.row(i), &mut buf);
                    let ys: Vec<f64> = buf.iter().map(|&(_, t)| self.y[t]).collect();
                    out.push(np_sum(&ys) / self.k as f64);
                }
                Ok(Output::vec1(out))
            }
            (Some(cl), Method::Predict | Method::PredictProba) => {
                let nc = cl.len();
                let mut p = vec![0.0; x.rows * nc];
                for i in 0..x.rows {
                    self.neighbors(x.row(i), &mut buf);
                    let row = &mut p[i * nc..(i + 1) * nc];
                    for &(_, t) in buf.iter() {
                        let c = self.y[t] as usize;
                        if c >= nc {
                            return Err(Error::invalid(format!("_y value {c} out of range")));
                        }
                        row[c] += 1.0;
                    }
                    if m == Method::PredictProba {
                        let mut s = np_sum(row);
                        if s == 0.0 {
                            s = 1.0;
                        }
                        for v in row.iter_mut() {
                            *v /= s;
                        }
                    }
                }
                if m == Method::PredictProba {
                    Ok(Output::mat(x.rows, nc, p))
                } else {
                    let idx: Vec<usize> = p.chunks(nc).map(argmax).collect();
                    Ok(Output::Labels(cl.take(&idx)?))
                }
            }
            _ => Err(unsupported(&self.head.class, m)),
        }
    }
}

pub(crate) fn kneighbors(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let class = o.class();
    let weights = o.opt_str("weights")?.unwrap_or("uniform");
    if weights != "uniform" {
        return Err(Error::unsupported(
            &class,
            "predict",
            format!("weights={weights:?} is inspection-only"),
        ));
    }
    let metric = match o.opt_str("effective_metric_")? {
        Some("euclidean") => Metric::Euclidean,
        Some("manhattan") | Some("cityblock") | Some("l1") => Metric::Manhattan,
        Some("minkowski") => match o.f64("p").ok() {
            Some(2.0) => Metric::Euclidean,
            Some(1.0) => Metric::Manhattan,
            _ => {
                return Err(Error::unsupported(
                    &class,
                    "predict",
                    "this metric is inspection-only",
                ))
            }
        },
        other => {
            return Err(Error::unsupported(
                &class,
                "predict",
                format!("metric {other:?} is inspection-only"),
            ))
        }
    };
    refuse_if(&o, "outputs_2d_")?;
    let fx = o.arr("_fit_X")?;
    let (n, f) = dims(&fx, "_fit_X")?;
    let y = num_array(o.req("_y")?).at("_y")?.data;
    if y.len() != n {
        return Err(Error::invalid(format!("_y has {} values for {n} samples", y.len())).at("_y"));
    }
    let k = crate::value::scalar_i64(o.req("n_neighbors")?).at("n_neighbors")?;
    if k < 1 || k as usize > n {
        return Err(Error::input(format!(
            "Expected n_neighbors <= n_samples_fit, but n_neighbors = {k}, n_samples_fit = {n}"
        )));
    }
    let classes = if o.name().ends_with("Classifier") {
        Some(labels(o.req("classes_")?).at("classes_")?)
    } else {
        None
    };
    Ok(Box::new(KNeighbors {
        head: Head::of(&o).or_width(Some(f)),
        fit_x: fx.data,
        n,
        f,
        k: k as usize,
        metric,
        y,
        classes,
    }))
}

/// StandardScaler / MinMaxScaler / RobustScaler: `(x - sub) / div` or
/// `x * mul + add`, per feature, in scikit-learn's order.
struct Scaler {
    head: Head,
    ops: Vec<(Op, Vec<f64>)>,
    clip: Option<(f64, f64)>,
}

#[derive(Clone, Copy)]
enum Op {
    Sub,
    Div,
    Mul,
    Add,
}

impl Scaler {
    fn transform(&self, x: &X) -> Result<Output> {
        let mut v = x.v.clone();
        for (op, p) in &self.ops {
            if p.len() != x.cols {
                return Err(Error::input(format!(
                    "X has {} features, the scaler {}",
                    x.cols,
                    p.len()
                )));
            }
            for row in v.chunks_mut(x.cols) {
                for (a, &b) in row.iter_mut().zip(p) {
                    match op {
                        Op::Sub => *a -= b,
                        Op::Div => *a /= b,
                        Op::Mul => *a *= b,
                        Op::Add => *a += b,
                    }
                }
            }
        }
        if let Some((lo, hi)) = self.clip {
            for a in v.iter_mut() {
                *a = a.max(lo).min(hi);
            }
        }
        Ok(Output::mat(x.rows, x.cols, v))
    }
}

estimator!(Scaler { Transform => transform });

pub(crate) fn scaler(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let mut ops = Vec::new();
    let mut clip = None;
    let vec_of = |name: &str| -> Result<Option<Vec<f64>>> { Ok(o.opt_arr(name)?.map(|m| m.data)) };
    if o.name() == "MinMaxScaler" {
        ops.push((Op::Mul, o.arr("scale_")?.data));
        ops.push((Op::Add, o.arr("min_")?.data));
        if o.is_true("clip") {
            let r = num_array(o.req("feature_range")?).at("feature_range")?;
            if r.len() != 2 {
                return Err(Error::invalid("feature_range is not a pair").at("feature_range"));
            }
            clip = Some((r.data[0], r.data[1]));
        }
    } else {
        // StandardScaler, RobustScaler: `(flag, attribute, op)`, each
        // applied when the flag is set and the attribute is not None.
        let steps = if o.name() == "StandardScaler" {
            [
                ("with_mean", "mean_", Op::Sub),
                ("with_std", "scale_", Op::Div),
            ]
        } else {
            [
                ("with_centering", "center_", Op::Sub),
                ("with_scaling", "scale_", Op::Div),
            ]
        };
        for (flag, attr, op) in steps {
            if o.bool(flag)? {
                if let Some(v) = vec_of(attr)? {
                    ops.push((op, v));
                }
            }
        }
    }
    Ok(Box::new(Scaler {
        head: Head::of(&o).or_width(ops.first().map(|o| o.1.len())),
        ops,
        clip,
    }))
}

struct Imputer {
    head: Head,
    stats: Vec<f64>,
    missing: f64,
    keep_empty: bool,
}

impl Imputer {
    fn transform(&self, x: &X) -> Result<Output> {
        let keep: Vec<usize> = (0..self.stats.len())
            .filter(|&j| self.keep_empty || !self.stats[j].is_nan())
            .collect();
        let is_missing = |v: f64| {
            if self.missing.is_nan() {
                v.is_nan()
            } else {
                v == self.missing
            }
        };
        let mut out = Vec::with_capacity(x.rows * keep.len());
        for i in 0..x.rows {
            let r = x.row(i);
            for &j in &keep {
                let v = r[j];
                out.push(if is_missing(v) {
                    if self.stats[j].is_nan() && self.keep_empty {
                        0.0
                    } else {
                        self.stats[j]
                    }
                } else {
                    v
                });
            }
        }
        Ok(Output::mat(x.rows, keep.len(), out))
    }
}

estimator!(Imputer { Transform => transform });

pub(crate) fn simple_imputer(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let class = o.class();
    refuse_if(&o, "add_indicator")?;
    let missing = match o.get("missing_values") {
        Some(v) => crate::value::scalar_f64(v)
            .map_err(|_| Error::unsupported(&class, "transform", "non-numeric missing_values"))?,
        None => f64::NAN,
    };
    let stats = o.arr("statistics_")?.data;
    Ok(Box::new(Imputer {
        head: Head::of(&o).or_width(Some(stats.len())),
        stats,
        missing,
        keep_empty: o.is_true("keep_empty_features"),
    }))
}

struct Pca {
    head: Head,
    mean: Vec<f64>,
    comp: Vec<f64>,
    nc: usize,
    f: usize,
    whiten: Option<Vec<f64>>,
    /// scikit-learn >= 1.5: project, then subtract `mean_ @ components_.T`.
    center_after: bool,
}

impl Pca {
    fn transform(&self, x: &X) -> Result<Output> {
        let (nc, f) = (self.nc, self.f);
        let mut out = Vec::with_capacity(x.rows * nc);
        let mc: Vec<f64> = (0..nc)
            .map(|c| dot(&self.mean, &self.comp[c * f..(c + 1) * f]))
            .collect();
        let mut centered = vec![0.0; f];
        for i in 0..x.rows {
            let r = x.row(i);
            for c in 0..nc {
                let w = &self.comp[c * f..(c + 1) * f];
                let v = if self.center_after {
                    dot(r, w) - mc[c]
                } else {
                    for j in 0..f {
                        centered[j] = r[j] - self.mean[j];
                    }
                    dot(&centered, w)
                };
                out.push(match &self.whiten {
                    Some(s) => v / s[c],
                    None => v,
                });
            }
        }
        Ok(Output::mat(x.rows, nc, out))
    }
}

estimator!(Pca { Transform => transform });

pub(crate) fn pca(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let comp = o.arr("components_")?;
    let (nc, f) = dims(&comp, "components_")?;
    let mean = match o.opt_arr("mean_")? {
        Some(m) => m.data,
        None => vec![0.0; f],
    };
    if mean.len() != f {
        return Err(
            Error::invalid(format!("mean_ has {} values for {f} features", mean.len())).at("mean_"),
        );
    }
    let center_after = version_at_least(&o, 1, 5);
    let whiten = if o.bool("whiten")? {
        let ev = o.arr("explained_variance_")?.data;
        if ev.len() != nc {
            return Err(Error::invalid("explained_variance_ length").at("explained_variance_"));
        }
        Some(
            ev.iter()
                .map(|v| {
                    let s = v.sqrt();
                    if center_after && s < f64::EPSILON {
                        f64::EPSILON
                    } else {
                        s
                    }
                })
                .collect(),
        )
    } else {
        None
    };
    Ok(Box::new(Pca {
        head: Head::of(&o).or_width(Some(f)),
        mean,
        comp: comp.data,
        nc,
        f,
        whiten,
        center_after,
    }))
}

struct OneHot {
    head: Head,
    cats: Vec<Vec<f64>>,
    drop: Vec<Option<usize>>,
    ignore_unknown: bool,
}

impl OneHot {
    fn transform(&self, x: &X) -> Result<Output> {
        let widths: Vec<usize> = self
            .cats
            .iter()
            .zip(&self.drop)
            .map(|(c, d)| c.len() - usize::from(d.is_some()))
            .collect();
        let total: usize = widths.iter().sum();
        let mut out = vec![0.0; x.rows * total];
        for i in 0..x.rows {
            let r = x.row(i);
            let mut base = 0;
            for (j, cats) in self.cats.iter().enumerate() {
                let v = r[j];
                let pos = cats
                    .iter()
                    .position(|&c| c == v || (c.is_nan() && v.is_nan()));
                match pos {
                    Some(p) => {
                        let col = match self.drop[j] {
                            Some(d) if d == p => None,
                            Some(d) if p > d => Some(p - 1),
                            _ => Some(p),
                        };
                        if let Some(c) = col {
                            out[i * total + base + c] = 1.0;
                        }
                    }
                    None if self.ignore_unknown => {}
                    None => {
                        return Err(Error::input(format!(
                            "Found unknown categories [{}] in column {j} during transform",
                            crate::output::float_text(v)
                        )))
                    }
                }
                base += widths[j];
            }
        }
        Ok(Output::mat(x.rows, total, out))
    }
}

estimator!(OneHot { Transform => transform });

pub(crate) fn one_hot(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let class = o.class();
    refuse_if(&o, "_infrequent_enabled")?;
    let mut cats = Vec::new();
    for (j, c) in o.req("categories_")?.iter().enumerate() {
        cats.push(
            num_array(c)
                .map_err(|_| {
                    Error::unsupported(
                        &class,
                        "transform",
                        "non-numeric categories are inspection-only",
                    )
                })
                .map_err(|e| e.at(&format!("categories_[{j}]")))?
                .data,
        );
    }
    let drop = match o.get("drop_idx_") {
        None => vec![None; cats.len()],
        Some(d) if d.is_none() => vec![None; cats.len()],
        Some(d) => {
            let arr = brinery_numpy::Array::from_node(d).map_err(Error::load)?;
            match arr {
                Some(a) if a.dtype().kind == brinery_numpy::Kind::Object => {
                    let g = d.graph();
                    a.objects()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|id| {
                            let v = g.view(id);
                            if v.is_none() {
                                None
                            } else {
                                crate::value::scalar_i64(v).ok().map(|i| i as usize)
                            }
                        })
                        .collect()
                }
                _ => num_array(d)
                    .at("drop_idx_")?
                    .data
                    .into_iter()
                    .map(|v| Some(v as usize))
                    .collect(),
            }
        }
    };
    if drop.len() != cats.len() {
        return Err(Error::invalid("drop_idx_ length").at("drop_idx_"));
    }
    for (j, (c, d)) in cats.iter().zip(&drop).enumerate() {
        if d.is_some_and(|d| d >= c.len()) {
            return Err(Error::invalid(format!("drop_idx_[{j}] out of range")).at("drop_idx_"));
        }
    }
    let hu = o.opt_str("handle_unknown")?.unwrap_or("error");
    Ok(Box::new(OneHot {
        head: Head::of(&o).or_width(Some(cats.len())),
        cats,
        drop,
        ignore_unknown: hu != "error",
    }))
}

/// One block of a ColumnTransformer / FeatureUnion: which input columns
/// (all for FeatureUnion) and what to do with them.
struct Part {
    name: String,
    cols: Option<Vec<usize>>,
    /// `None`: pass the columns through unchanged.
    est: Option<Box<dyn Estimator>>,
    weight: Option<f64>,
}

/// ColumnTransformer / FeatureUnion `transform`: each part's output side
/// by side (`np.hstack`), in order.
struct Concat {
    head: Head,
    parts: Vec<Part>,
}

impl Concat {
    fn transform(&self, x: &X) -> Result<Output> {
        let mut blocks: Vec<X> = Vec::new();
        for p in &self.parts {
            let sub = match &p.cols {
                None => x.clone(),
                Some(cols) => {
                    if let Some(&bad) = cols.iter().find(|&&c| c >= x.cols) {
                        return Err(Error::input(format!(
                            "column {bad} out of range for {} columns",
                            x.cols
                        ))
                        .at(&p.name));
                    }
                    let mut v = Vec::with_capacity(x.rows * cols.len());
                    for i in 0..x.rows {
                        let r = x.row(i);
                        v.extend(cols.iter().map(|&c| r[c]));
                    }
                    X {
                        rows: x.rows,
                        cols: cols.len(),
                        v,
                    }
                }
            };
            let mut out = match &p.est {
                None => sub,
                Some(e) => {
                    check_features(e.as_ref(), &sub).at(&p.name)?;
                    values_to_x(e.run(Method::Transform, &sub).at(&p.name)?).at(&p.name)?
                }
            };
            if let Some(w) = p.weight {
                for v in out.v.iter_mut() {
                    *v *= w;
                }
            }
            blocks.push(out);
        }
        let cols: usize = blocks.iter().map(|b| b.cols).sum();
        let mut v = Vec::with_capacity(x.rows * cols);
        for i in 0..x.rows {
            for b in &blocks {
                v.extend_from_slice(b.row(i));
            }
        }
        Ok(Output::mat(x.rows, cols, v))
    }
}

estimator!(Concat { Transform => transform });

impl Part {
    /// The part named by `named`, with the estimator `t` of `class`.
    fn new(
        class: &str,
        named: Named<'_, '_>,
        t: NodeRef<'_, '_>,
        cols: Option<Vec<usize>>,
        weight: Option<f64>,
    ) -> Result<Part> {
        Ok(Part {
            est: part_estimator(class, t, &named.at)?,
            name: named.name,
            cols,
            weight,
        })
    }
}

/// A part's estimator: `None` for `'passthrough'` and for a
/// FunctionTransformer without a function (both pass columns through).
fn part_estimator(class: &str, t: NodeRef<'_, '_>, at: &str) -> Result<Option<Box<dyn Estimator>>> {
    if t.as_str() == Some("passthrough") {
        return Ok(None);
    }
    if let Some(o) = Obj::new(t) {
        if o.name() == "FunctionTransformer" {
            let identity = o.get("func").map_or(true, |f| f.is_none());
            if identity {
                return Ok(None);
            }
            return Err(Error::unsupported(
                class,
                "transform",
                "a FunctionTransformer with a function is inspection-only",
            )
            .at(at));
        }
    }
    compile(t).at(at).map(Some)
}

pub(crate) fn column_transformer(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let class = o.class();
    refuse_if(&o, "sparse_output_")?;
    if o.get("transformer_weights").is_some_and(|w| !w.is_none()) {
        return Err(Error::unsupported(
            &class,
            "transform",
            "transformer_weights are inspection-only",
        ));
    }
    let mut parts = Vec::new();
    for t in Named::list(&o, "transformers_")? {
        let at = &t.at;
        let est = t.item(1, "not a (name, transformer, columns) triple")?;
        let cols_node = t.item(2, "not a (name, transformer, columns) triple")?;
        if est.as_str() == Some("drop") {
            continue;
        }
        let cols: Vec<usize> = if let Some(i) = cols_node.as_i64() {
            vec![i as usize]
        } else if cols_node.as_items().is_some() {
            let mut v = Vec::new();
            for c in cols_node.iter() {
                match c.as_i64() {
                    Some(i) if i >= 0 => v.push(i as usize),
                    _ => {
                        return Err(Error::unsupported(
                            &class,
                            "transform",
                            "columns selected by name or mask are inspection-only",
                        )
                        .at(at))
                    }
                }
            }
            v
        } else {
            match num_array(cols_node) {
                Ok(m) if m.shape.len() == 1 => m.data.iter().map(|&c| c as usize).collect(),
                _ => {
                    return Err(Error::unsupported(
                        &class,
                        "transform",
                        "this column selection is inspection-only",
                    )
                    .at(at))
                }
            }
        };
        if cols.is_empty() {
            continue;
        }
        parts.push(Part::new(&class, t, est, Some(cols), None)?);
    }
    Ok(Box::new(Concat {
        head: Head::of(&o),
        parts,
    }))
}

pub(crate) fn feature_union(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let class = o.class();
    let weights = o.get("transformer_weights").filter(|w| !w.is_none());
    let mut parts = Vec::new();
    for t in Named::list(&o, "transformer_list")? {
        let est = t.item(1, "not a (name, transformer) pair")?;
        if est.is_none() || est.as_str() == Some("drop") {
            continue;
        }
        let weight = match weights.and_then(|w| w.get(t.name.as_str())) {
            Some(w) => Some(crate::value::scalar_f64(w).at("transformer_weights")?),
            None => None,
        };
        parts.push(Part::new(&class, t, est, None, weight)?);
    }
    Ok(Box::new(Concat {
        head: Head::of(&o),
        parts,
    }))
}
