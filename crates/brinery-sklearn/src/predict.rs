//! Running fitted estimators: [`Model`] compiles a pickled estimator into
//! plain Rust data once; its methods compute what scikit-learn computes.

use std::fmt;

use brinery::NodeRef;
use ndarray::{Array2, ArrayD, IxDyn};

use crate::error::{At, Error, Result};
use crate::value::{labels, Labels, Obj};

/// The estimator methods brinery-sklearn can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `predict`.
    Predict,
    /// `predict_proba`.
    PredictProba,
    /// `decision_function`.
    DecisionFunction,
    /// `transform`.
    Transform,
}

impl Method {
    /// The Python method name.
    pub fn name(self) -> &'static str {
        match self {
            Method::Predict => "predict",
            Method::PredictProba => "predict_proba",
            Method::DecisionFunction => "decision_function",
            Method::Transform => "transform",
        }
    }

    /// Parse a Python method name.
    pub fn parse(s: &str) -> Option<Method> {
        Some(match s {
            "predict" => Method::Predict,
            "predict_proba" => Method::PredictProba,
            "decision_function" => Method::DecisionFunction,
            "transform" => Method::Transform,
            _ => return None,
        })
    }

    /// All methods.
    pub const ALL: [Method; 4] = [
        Method::Predict,
        Method::PredictProba,
        Method::DecisionFunction,
        Method::Transform,
    ];
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a method returns: numbers (1-d or 2-d, as scikit-learn shapes
/// them) or class labels.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Numbers.
    Values(ArrayD<f64>),
    /// Class labels (`classes_.take(...)`).
    Labels(Labels),
}

impl Output {
    pub(crate) fn vec1(v: Vec<f64>) -> Output {
        let n = v.len();
        Output::Values(ArrayD::from_shape_vec(IxDyn(&[n]), v).expect("1-d shape"))
    }

    pub(crate) fn mat(rows: usize, cols: usize, v: Vec<f64>) -> Output {
        Output::Values(ArrayD::from_shape_vec(IxDyn(&[rows, cols]), v).expect("2-d shape"))
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        match self {
            Output::Values(a) => a.shape().first().copied().unwrap_or(0),
            Output::Labels(l) => l.len(),
        }
    }

    /// Numbers as a 2-d matrix (a 1-d result is one column).
    pub fn to_matrix(&self) -> Option<Array2<f64>> {
        match self {
            Output::Values(a) => {
                let (r, c) = match a.shape() {
                    [r] => (*r, 1),
                    [r, c] => (*r, *c),
                    _ => return None,
                };
                Array2::from_shape_vec((r, c), a.iter().copied().collect()).ok()
            }
            Output::Labels(_) => None,
        }
    }
}

/// Row-major input data handed between steps.
#[derive(Clone, Debug)]
pub(crate) struct X {
    pub rows: usize,
    pub cols: usize,
    pub v: Vec<f64>,
}

impl X {
    pub fn row(&self, i: usize) -> &[f64] {
        &self.v[i * self.cols..(i + 1) * self.cols]
    }
}

/// What every compiled estimator records: its class and the number of
/// features it expects.
#[derive(Clone, Debug)]
pub(crate) struct Head {
    /// `module.Name`.
    pub class: String,
    /// `n_features_in_`, or what the fitted arrays imply when it is not
    /// recorded.
    pub n_features: Option<usize>,
}

impl Head {
    /// The class and `n_features_in_` of `o`.
    pub fn of(o: &Obj<'_, '_>) -> Head {
        Head {
            class: o.class(),
            n_features: n_features_in(o),
        }
    }

    /// Without `n_features_in_`, expect `width` features.
    pub fn or_width(mut self, width: Option<usize>) -> Head {
        self.n_features = self.n_features.or(width);
        self
    }
}

/// One compiled estimator.
pub(crate) trait Estimator: Send + Sync {
    /// Class and expected features.
    fn head(&self) -> &Head;
    /// `module.Name`.
    fn class(&self) -> &str {
        &self.head().class
    }
    /// `n_features_in_`, when known.
    fn n_features(&self) -> Option<usize> {
        self.head().n_features
    }
    /// Run `method`; a method the estimator lacks is an
    /// [`crate::ErrorKind::Unsupported`] error.
    fn run(&self, method: Method, x: &X) -> Result<Output>;
    /// The methods this estimator implements.
    fn methods(&self) -> Vec<Method>;
}

/// `impl Estimator` for a type with a `head: Head` field and a fixed set
/// of methods, each an inherent method `fn(&self, &X) -> Result<Output>`:
/// `estimator!(Type { Predict => predict, Transform => transform });`.
/// The methods not named are unsupported.
macro_rules! estimator {
    ($ty:ty { $($method:ident => $f:ident),* $(,)? }) => {
        impl $crate::predict::Estimator for $ty {
            fn head(&self) -> &$crate::predict::Head {
                &self.head
            }
            fn methods(&self) -> Vec<$crate::predict::Method> {
                vec![$($crate::predict::Method::$method),*]
            }
            fn run(
                &self,
                m: $crate::predict::Method,
                x: &$crate::predict::X,
            ) -> $crate::error::Result<$crate::predict::Output> {
                match m {
                    $($crate::predict::Method::$method => self.$f(x),)*
                    #[allow(unreachable_patterns)]
                    _ => Err($crate::predict::unsupported(&self.head.class, m)),
                }
            }
        }
    };
}
pub(crate) use estimator;

pub(crate) fn unsupported(class: &str, m: Method) -> Error {
    Error::unsupported(class, m.name(), "")
}

/// Check the number of features like scikit-learn's `_check_n_features`.
pub(crate) fn check_features(e: &dyn Estimator, x: &X) -> Result<()> {
    if let Some(n) = e.n_features() {
        if n != x.cols {
            let name = e.class().rsplit('.').next().unwrap_or("").to_string();
            return Err(Error::input(format!(
                "X has {} features, but {name} is expecting {n} features as input.",
                x.cols
            )));
        }
    }
    Ok(())
}

/// A fitted estimator compiled for prediction.
///
/// ```no_run
/// let bytes = std::fs::read("model.joblib")?;
/// let g = brinery_sklearn::load(&bytes)?;
/// let model = brinery_sklearn::Model::from_node(g.root())?;
/// let x = ndarray::Array2::<f64>::zeros((3, 4));
/// let y = model.run(brinery_sklearn::Method::Predict, x.view())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Model {
    inner: Box<dyn Estimator>,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Model({})", self.inner.class())
    }
}

impl Model {
    /// Compile the estimator at `node`. Unknown classes are an
    /// [`crate::ErrorKind::Unsupported`] error naming the class.
    pub fn from_node(node: NodeRef<'_, '_>) -> Result<Model> {
        Ok(Model {
            inner: compile(node)?,
        })
    }

    /// `module.Name` of the estimator.
    pub fn class(&self) -> &str {
        self.inner.class()
    }

    /// `n_features_in_`, when recorded.
    pub fn n_features(&self) -> Option<usize> {
        self.inner.n_features()
    }

    /// The methods this estimator supports.
    pub fn methods(&self) -> Vec<Method> {
        self.inner.methods()
    }

    /// Run `method` on the rows of `x`.
    pub fn run(&self, method: Method, x: ndarray::ArrayView2<'_, f64>) -> Result<Output> {
        let (rows, cols) = x.dim();
        let v = match x.as_slice() {
            Some(s) => s.to_vec(),
            None => x.iter().copied().collect(),
        };
        self.run_rows(method, rows, cols, v)
    }

    /// Run `method` on row-major data (`rows * cols` values).
    pub fn run_rows(
        &self,
        method: Method,
        rows: usize,
        cols: usize,
        v: Vec<f64>,
    ) -> Result<Output> {
        if v.len() != rows.saturating_mul(cols) {
            return Err(Error::input(format!(
                "{} values for {rows} rows of {cols} columns",
                v.len()
            )));
        }
        let x = X { rows, cols, v };
        check_features(self.inner.as_ref(), &x)?;
        self.inner.run(method, &x)
    }
}

/// The `n_features_in_` of an estimator, if recorded.
pub(crate) fn n_features_in(o: &Obj<'_, '_>) -> Option<usize> {
    o.get("n_features_in_")
        .and_then(|v| crate::value::scalar_i64(v).ok())
        .and_then(|n| usize::try_from(n).ok())
}

/// The `classes_` of a classifier.
pub(crate) fn classes(o: &Obj<'_, '_>) -> Result<Labels> {
    labels(o.req("classes_")?).at("classes_")
}

/// Compile the estimator at `node` (dispatch on the class name).
pub(crate) fn compile(node: NodeRef<'_, '_>) -> Result<Box<dyn Estimator>> {
    let o = Obj::new(node).ok_or_else(|| {
        Error::new(
            crate::error::ErrorKind::NotAnEstimator,
            format!(
                "expected a scikit-learn estimator, found {}",
                node.node().map(|n| n.type_name()).unwrap_or("nothing")
            ),
        )
    })?;
    let name = o.name();
    if !o.class().starts_with("sklearn.") {
        return Ok(Box::new(InspectOnly::of(&o)));
    }
    match name.as_str() {
        "LinearRegression" | "Ridge" | "Lasso" | "ElasticNet" | "SGDRegressor" | "LinearSVR" => {
            crate::linear::regressor(o)
        }
        "LogisticRegression" | "SGDClassifier" | "LinearSVC" => crate::linear::classifier(o),
        "DecisionTreeClassifier" | "ExtraTreeClassifier" => crate::trees::tree_classifier(o),
        "DecisionTreeRegressor" | "ExtraTreeRegressor" => crate::trees::tree_regressor(o),
        "RandomForestClassifier" | "ExtraTreesClassifier" => crate::trees::forest_classifier(o),
        "RandomForestRegressor" | "ExtraTreesRegressor" => crate::trees::forest_regressor(o),
        "GradientBoostingClassifier" | "GradientBoostingRegressor" => {
            crate::trees::gradient_boosting(o)
        }
        "HistGradientBoostingClassifier" | "HistGradientBoostingRegressor" => {
            crate::trees::hist_gradient_boosting(o)
        }
        "Pipeline" => crate::misc::pipeline(o),
        "ColumnTransformer" => crate::misc::column_transformer(o),
        "FeatureUnion" => crate::misc::feature_union(o),
        "GridSearchCV" | "RandomizedSearchCV" | "HalvingGridSearchCV" | "HalvingRandomSearchCV" => {
            let best = o.req("best_estimator_")?;
            compile(best).at("best_estimator_")
        }
        "KMeans" | "MiniBatchKMeans" => crate::misc::kmeans(o),
        "GaussianNB" => crate::misc::gaussian_nb(o),
        "KNeighborsClassifier" | "KNeighborsRegressor" => crate::misc::kneighbors(o),
        "StandardScaler" | "MinMaxScaler" | "RobustScaler" => crate::misc::scaler(o),
        "SimpleImputer" => crate::misc::simple_imputer(o),
        "PCA" => crate::misc::pca(o),
        "OneHotEncoder" => crate::misc::one_hot(o),
        _ => Ok(Box::new(InspectOnly::of(&o))),
    }
}

/// An estimator brinery-sklearn can show but not run: every method is an
/// [`crate::ErrorKind::Unsupported`] error naming the class and method.
struct InspectOnly {
    head: Head,
}

impl InspectOnly {
    fn of(o: &Obj<'_, '_>) -> InspectOnly {
        InspectOnly {
            head: Head {
                class: o.class(),
                n_features: None,
            },
        }
    }
}

impl Estimator for InspectOnly {
    fn head(&self) -> &Head {
        &self.head
    }
    fn run(&self, method: Method, _: &X) -> Result<Output> {
        Err(Error::unsupported(
            &self.head.class,
            method.name(),
            "this estimator is inspection-only (no Rust implementation of its methods)",
        ))
    }
    fn methods(&self) -> Vec<Method> {
        Vec::new()
    }
}
