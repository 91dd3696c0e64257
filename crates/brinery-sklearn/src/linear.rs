//! Linear models: `X @ coef_.T + intercept_` and what classifiers make of
//! it (LinearClassifierMixin, LogisticRegression, SGDClassifier).

use crate::error::{At, Error, Result};
use crate::math::{argmax, dot, expit, np_sum, softmax};
use crate::predict::{
    classes, estimator, n_features_in, unsupported, Estimator, Head, Method, Output, X,
};
use crate::value::{Labels, Obj};

struct Linear {
    /// `k × f`, row-major.
    coef: Vec<f64>,
    k: usize,
    f: usize,
    /// `coef_` was 1-d (the result is 1-d).
    flat: bool,
    intercept: Vec<f64>,
}

impl Linear {
    /// The estimator's head (`n_features_in_`, else the columns of
    /// `coef_`) and its linear part.
    fn new(o: &Obj<'_, '_>) -> Result<(Head, Linear)> {
        let c = o.arr("coef_")?;
        let (k, f, flat) = match c.shape[..] {
            [f] => (1, f, true),
            [k, f] => (k, f, false),
            _ => return Err(Error::invalid(format!("coef_ has shape {:?}", c.shape)).at("coef_")),
        };
        let i = o.arr("intercept_")?;
        let intercept = if i.len() == 1 {
            vec![i.data[0]; k]
        } else if i.len() == k {
            i.data
        } else {
            return Err(Error::invalid(format!(
                "intercept_ has {} values for {k} rows of coef_",
                i.len()
            ))
            .at("intercept_"));
        };
        let n_features = n_features_in(o);
        if let Some(n) = n_features {
            if n != f {
                return Err(Error::invalid(format!(
                    "coef_ has {f} columns but n_features_in_ is {n}"
                ))
                .at("coef_"));
            }
        }
        let head = Head::of(o).or_width(Some(f));
        let lin = Linear {
            coef: c.data,
            k,
            f,
            flat,
            intercept,
        };
        Ok((head, lin))
    }

    /// `safe_sparse_dot(X, coef_.T) + intercept_`, row-major `n × k`.
    fn decision(&self, x: &X) -> Vec<f64> {
        let mut out = Vec::with_capacity(x.rows * self.k);
        for i in 0..x.rows {
            let r = x.row(i);
            for j in 0..self.k {
                out.push(dot(r, &self.coef[j * self.f..(j + 1) * self.f]) + self.intercept[j]);
            }
        }
        out
    }

    fn decision_output(&self, x: &X) -> Output {
        let d = self.decision(x);
        if self.flat || self.k == 1 {
            Output::vec1(d)
        } else {
            Output::mat(x.rows, self.k, d)
        }
    }
}

struct Regressor {
    head: Head,
    lin: Linear,
}

impl Regressor {
    fn predict(&self, x: &X) -> Result<Output> {
        let l = &self.lin;
        let d = l.decision(x);
        // SGDRegressor ravels; a 2-d coef_ (several targets) stays 2-d.
        if l.flat || (l.k == 1 && self.head.class.ends_with("SGDRegressor")) {
            Ok(Output::vec1(d))
        } else {
            Ok(Output::mat(x.rows, l.k, d))
        }
    }
}

estimator!(Regressor { Predict => predict });

pub(crate) fn regressor(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let (head, lin) = Linear::new(&o)?;
    Ok(Box::new(Regressor { head, lin }))
}

#[derive(Clone, Copy, PartialEq)]
enum Proba {
    None,
    /// `_predict_proba_lr`: expit, normalized over classes.
    Ovr,
    /// softmax of the decision (binary: of `[-d, d]`).
    Softmax,
}

struct Classifier {
    head: Head,
    lin: Linear,
    classes: Labels,
    proba: Proba,
}

impl Classifier {
    fn binary(&self) -> bool {
        self.lin.k == 1
    }

    fn proba(&self, x: &X) -> Result<Output> {
        let d = self.lin.decision(x);
        let n = x.rows;
        match self.proba {
            Proba::None => Err(Error::unsupported(
                &self.head.class,
                "predict_proba",
                "this loss has no probabilities",
            )),
            Proba::Ovr if self.binary() => {
                let mut out = Vec::with_capacity(n * 2);
                for v in d {
                    let p = expit(v);
                    out.push(1.0 - p);
                    out.push(p);
                }
                Ok(Output::mat(n, 2, out))
            }
            Proba::Ovr => {
                let k = self.lin.k;
                let mut p: Vec<f64> = d.into_iter().map(expit).collect();
                for row in p.chunks_mut(k) {
                    let s = np_sum(row);
                    for v in row.iter_mut() {
                        *v /= s;
                    }
                }
                Ok(Output::mat(n, k, p))
            }
            Proba::Softmax => {
                let (k, mut p) = if self.binary() {
                    (2, d.iter().flat_map(|&v| [-v, v]).collect::<Vec<_>>())
                } else {
                    (self.lin.k, d)
                };
                for row in p.chunks_mut(k) {
                    softmax(row);
                }
                Ok(Output::mat(n, k, p))
            }
        }
    }
}

impl Estimator for Classifier {
    fn head(&self) -> &Head {
        &self.head
    }
    fn methods(&self) -> Vec<Method> {
        let mut m = vec![Method::Predict, Method::DecisionFunction];
        if self.proba != Proba::None {
            m.push(Method::PredictProba);
        }
        m
    }
    fn run(&self, m: Method, x: &X) -> Result<Output> {
        match m {
            Method::DecisionFunction => Ok(self.lin.decision_output(x)),
            Method::Predict => {
                let d = self.lin.decision(x);
                let idx: Vec<usize> = if self.binary() {
                    d.iter().map(|&v| usize::from(v > 0.0)).collect()
                } else {
                    d.chunks(self.lin.k).map(argmax).collect()
                };
                Ok(Output::Labels(self.classes.take(&idx)?))
            }
            Method::PredictProba => self.proba(x),
            Method::Transform => Err(unsupported(&self.head.class, m)),
        }
    }
}

pub(crate) fn classifier(o: Obj<'_, '_>) -> Result<Box<dyn Estimator>> {
    let (head, lin) = Linear::new(&o)?;
    let classes = classes(&o)?;
    let n = classes.len();
    if (n == 2 && lin.k != 1) || (n > 2 && lin.k != n) || n < 2 {
        return Err(Error::invalid(format!(
            "{n} classes but coef_ has {} rows",
            lin.k
        )));
    }
    let name = o.name();
    let proba = match name.as_str() {
        "LogisticRegression" => {
            let multi = match o.get("multi_class") {
                Some(v) if !v.is_none() => v.as_str().map(str::to_string),
                _ => None,
            };
            match multi.as_deref() {
                // scikit-learn < 1.8 kept `multi_class`.
                Some(mc) => {
                    let solver = o.opt_str("solver").ok().flatten().unwrap_or("");
                    let ovr = mc == "ovr"
                        || mc == "warn"
                        || (mc == "auto" && (n <= 2 || solver == "liblinear"));
                    if ovr {
                        Proba::Ovr
                    } else {
                        Proba::Softmax
                    }
                }
                None if n <= 2 => Proba::Ovr,
                None => Proba::Softmax,
            }
        }
        "SGDClassifier" => match o.str("loss").at("loss")? {
            "log_loss" | "log" => Proba::Ovr,
            _ => Proba::None,
        },
        _ => Proba::None,
    };
    Ok(Box::new(Classifier {
        head,
        lin,
        classes,
        proba,
    }))
}
