//! scikit-learn's `_sklearn_version`: every estimator (a subclass of
//! `sklearn.base.BaseEstimator`) pickles its state with the version that
//! wrote it. An estimator is judged against the estimator classes of that
//! version (`sklearn_estimators.txt`, written by
//! `gen_sklearn_estimators.py` from the real releases): a class that
//! version does not define, or a state that claims a version and belongs
//! to no estimator class, is not what scikit-learn writes.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The estimator classes per version (major.minor).
struct Table {
    versions: Vec<&'static str>,
    /// Class → bit set of `versions` indices.
    classes: HashMap<&'static str, u64>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Table {
            versions: Vec::new(),
            classes: HashMap::new(),
        };
        for line in include_str!("sklearn_estimators.txt").lines() {
            let mut words = line.split(' ');
            match words.next() {
                Some("versions") => t.versions = words.collect(),
                Some(w) if !w.starts_with('#') && !w.is_empty() => {
                    let bits = words
                        .filter_map(|v| t.versions.iter().position(|&x| x == v))
                        .fold(0u64, |b, i| b | 1 << i);
                    t.classes.insert(w, bits);
                }
                _ => {}
            }
        }
        t
    })
}

/// What the tables say about an instance of `class` whose state has
/// `_sklearn_version = version` (or none).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Judgement {
    /// Not an estimator and no version claimed: nothing to say.
    NotEstimator,
    /// An estimator class of the version its state names.
    Checked(String),
    /// An estimator class whose state has no `_sklearn_version`.
    NoVersion,
    /// A version the tables do not cover (judged by the class family).
    OtherVersion(String),
    /// The state names a version that has no such estimator class.
    NotInVersion(String),
}

/// The `major.minor` of a version string (`"1.6.1"` → `"1.6"`).
fn minor(version: &str) -> String {
    version.split('.').take(2).collect::<Vec<_>>().join(".")
}

pub(crate) fn judge(class: &str, version: Option<&str>) -> Judgement {
    let t = table();
    let bits = t.classes.get(class).copied();
    let Some(version) = version else {
        return match bits {
            Some(_) => Judgement::NoVersion,
            None => Judgement::NotEstimator,
        };
    };
    match t.versions.iter().position(|&v| v == minor(version)) {
        None => Judgement::OtherVersion(version.to_string()),
        Some(i) if bits.is_some_and(|b| b & 1 << i != 0) => Judgement::Checked(version.to_string()),
        Some(_) => Judgement::NotInVersion(version.to_string()),
    }
}

/// The versions the tables cover, for messages.
pub(crate) fn versions() -> String {
    table().versions.join(", ")
}

#[cfg(test)]
mod tests {
    use super::{judge, Judgement};

    #[test]
    fn judged_by_version() {
        let lr = "sklearn.linear_model._base.LinearRegression";
        let te = "sklearn.preprocessing._target_encoder.TargetEncoder";
        assert_eq!(judge(lr, Some("1.6.1")), Judgement::Checked("1.6.1".into()));
        assert_eq!(judge(te, Some("1.9.1")), Judgement::Checked("1.9.1".into()));
        // TargetEncoder came with scikit-learn 1.3.
        assert_eq!(
            judge(te, Some("1.2.2")),
            Judgement::NotInVersion("1.2.2".into())
        );
        assert_eq!(judge(lr, None), Judgement::NoVersion);
        assert_eq!(
            judge(lr, Some("1.4.0")),
            Judgement::OtherVersion("1.4.0".into())
        );
        assert_eq!(
            judge("sklearn.tree._tree.Tree", None),
            Judgement::NotEstimator
        );
        assert_eq!(
            judge("sklearn.linear_model._base.Nothing", Some("1.6.1")),
            Judgement::NotInVersion("1.6.1".into())
        );
    }
}
