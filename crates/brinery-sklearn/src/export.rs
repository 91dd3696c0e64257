//! A tree or a forest as JSON for use elsewhere.

use brinery::NodeRef;
use serde_json::{json, Map, Value};

use crate::error::{At, Error, ErrorKind, Result};
use crate::trees::{items, Tree};
use crate::value::{labels, Labels, Obj};

fn labels_json(l: &Labels) -> Value {
    match l {
        Labels::Int(v) => json!(v),
        Labels::Float(v) => json!(v),
        Labels::Str(v) => json!(v),
        Labels::Bool(v) => json!(v),
    }
}

fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or_else(|| Value::String(crate::output::float_text(x)))
}

fn tree_json(t: &Tree) -> Value {
    let per = t.n_outputs * t.width;
    let nodes: Vec<Value> = t
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let value: Vec<Value> = t.values[i * per..(i + 1) * per]
                .iter()
                .map(|&v| num(v))
                .collect();
            if n.left < 0 {
                json!({"id": i, "leaf": true, "value": value})
            } else {
                let mut m = Map::new();
                m.insert("id".into(), json!(i));
                m.insert("feature".into(), json!(n.feature));
                m.insert("threshold".into(), num(n.threshold));
                m.insert("left".into(), json!(n.left));
                m.insert("right".into(), json!(n.right));
                if t.has_missing {
                    m.insert("missing_go_to_left".into(), json!(n.missing_left));
                }
                m.insert("value".into(), Value::Array(value));
                Value::Object(m)
            }
        })
        .collect();
    json!({
        "n_features": t.n_features,
        "n_outputs": t.n_outputs,
        "value_width": t.width,
        "nodes": nodes,
    })
}

fn tree_of(o: &Obj<'_, '_>) -> Result<Value> {
    Ok(tree_json(&Tree::from_node(o.req("tree_")?).at("tree_")?))
}

/// A single tree (DecisionTree*, ExtraTree*) or a forest (RandomForest*,
/// ExtraTrees*, GradientBoosting*) as JSON: for every tree its nodes with
/// `feature`, `threshold` (go left when `x <= threshold`, on `x` rounded
/// to float32 as scikit-learn does), `left`, `right`,
/// `missing_go_to_left` and `value`; leaves have `"leaf": true`. Other
/// estimators are an [`ErrorKind::Unsupported`] error.
pub fn export_trees(node: NodeRef<'_, '_>) -> Result<Value> {
    let o = Obj::new(node)
        .ok_or_else(|| Error::new(ErrorKind::NotAnEstimator, "not a scikit-learn estimator"))?;
    let name = o.name();
    let mut root = Map::new();
    root.insert("class".into(), json!(o.class()));
    if let Some(v) = o.sklearn_version() {
        root.insert("sklearn_version".into(), json!(v));
    }
    if let Some(c) = o.get("classes_") {
        if let Ok(l) = labels(c) {
            root.insert("classes".into(), labels_json(&l));
        }
    }
    root.insert(
        "comparison".into(),
        json!("x <= threshold goes left (x as float32)"),
    );
    let trees: Vec<Value> = match name.as_str() {
        "DecisionTreeClassifier" | "DecisionTreeRegressor" | "ExtraTreeClassifier"
        | "ExtraTreeRegressor" => vec![tree_of(&o)?],
        "RandomForestClassifier" | "RandomForestRegressor" | "ExtraTreesClassifier"
        | "ExtraTreesRegressor" => {
            root.insert("aggregation".into(), json!("mean over trees (classifiers: of normalized leaf values)"));
            let mut v = Vec::new();
            for (i, e) in items(o.req("estimators_")?).at("estimators_")?.into_iter().enumerate() {
                let eo = Obj::new(e)
                    .ok_or_else(|| Error::invalid("estimator is not an object"))
                    .map_err(|e| e.at(&format!("estimators_[{i}]")))?;
                v.push(tree_of(&eo).map_err(|e| e.at(&format!("estimators_[{i}]")))?);
            }
            v
        }
        "GradientBoostingClassifier" | "GradientBoostingRegressor" => {
            root.insert("learning_rate".into(), num(o.f64("learning_rate")?));
            root.insert(
                "aggregation".into(),
                json!("raw[k] = init[k] + learning_rate * sum of stage trees for output k (stage-major order)"),
            );
            let est = o.req("estimators_")?;
            let arr = brinery_numpy::Array::from_node(est)
                .map_err(Error::load)?
                .ok_or_else(|| Error::invalid("estimators_ is not an array").at("estimators_"))?;
            if let [_, k] = arr.shape() {
                root.insert("trees_per_stage".into(), json!(k));
            }
            let g = est.graph();
            let mut v = Vec::new();
            for (i, id) in arr.objects().unwrap_or_default().into_iter().enumerate() {
                let eo = Obj::new(g.view(id))
                    .ok_or_else(|| Error::invalid("stage is not an object"))
                    .map_err(|e| e.at(&format!("estimators_[{i}]")))?;
                v.push(tree_of(&eo).map_err(|e| e.at(&format!("estimators_.flat[{i}]")))?);
            }
            v
        }
        _ => {
            return Err(Error::unsupported(
                &o.class(),
                "export",
                "only trees and forests (DecisionTree*, ExtraTree*, RandomForest*, ExtraTrees*, GradientBoosting*) can be exported",
            ))
        }
    };
    root.insert("n_trees".into(), json!(trees.len()));
    root.insert("trees".into(), Value::Array(trees));
    Ok(Value::Object(root))
}
