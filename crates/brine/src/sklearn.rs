//! scikit-learn models in the CLI: `brine predict`, the estimator summary
//! of `brine show` and `brine export MODEL tree.json`. The logic lives in
//! brinery-sklearn.

use std::io::Write;
use std::path::Path;

use brinery_sklearn::{DataFormat, Method, Model};

use crate::cli::{PredictArgs, PredictMethod};
use crate::error::{CliError, EXIT_USAGE};
use crate::files::{self, Output, Progress};

pub const PREDICT_AFTER_HELP: &str = "\
MODEL is a pickle or joblib file (any joblib compression) of a fitted
scikit-learn estimator; nothing in it is run. INPUT is a .npy file (2-d,
numeric) or a .csv file (a header row, then numbers; empty fields and `nan`
are missing values) with one row per sample. OUT is .npy or .csv; `-o -`
writes CSV to standard output. Results match scikit-learn's own methods
(docs/SKLEARN.md lists the supported estimators); an estimator or method
brinery cannot run is an error naming both, never a guess.

EXAMPLES:
    brine predict model.joblib X.npy -o y.npy
    brine predict model.pkl X.csv -o - --method predict_proba
    brine predict pipe.joblib X.csv -o Xt.csv --method transform";

/// Library errors (a broken file, an unsupported estimator or method,
/// inconsistent state, bad input data) exit with status 1.
fn lib_err(what: &str, e: brinery_sklearn::Error) -> CliError {
    CliError::data(format!("{what}: {e}"))
}

fn data_format(p: &Path, what: &str) -> Result<DataFormat, CliError> {
    DataFormat::from_path(&p.to_string_lossy()).ok_or_else(|| {
        CliError::new(
            EXIT_USAGE,
            format!(
                "cannot tell the format of {what} '{}': name it .npy or .csv (Parquet is not supported in this build)",
                p.display()
            ),
        )
    })
}

/// `brine predict MODEL INPUT -o OUT [--method M]`.
pub fn predict(a: PredictArgs, progress: Progress) -> Result<(), CliError> {
    let method = match a.method {
        PredictMethod::Predict => Method::Predict,
        PredictMethod::PredictProba => Method::PredictProba,
        PredictMethod::DecisionFunction => Method::DecisionFunction,
        PredictMethod::Transform => Method::Transform,
    };
    let in_fmt = data_format(&a.input, "INPUT")?;
    let out_fmt = if files::is_std(&a.output) {
        DataFormat::Csv
    } else {
        data_format(&a.output, "OUT")?
    };
    let (mname, mdata) = files::open_input(&a.model, progress)?.read_all()?;
    let g = brinery_sklearn::load(&mdata).map_err(|e| lib_err(&mname, e))?;
    let model = Model::from_node(g.root()).map_err(|e| lib_err(&mname, e))?;
    let (iname, idata) = files::open_input(&a.input, progress)?.read_all()?;
    let x = brinery_sklearn::read_matrix(&idata, in_fmt).map_err(|e| lib_err(&iname, e))?;
    let out = model
        .run_rows(method, x.rows, x.cols, x.values)
        .map_err(|e| lib_err(&mname, e))?;
    let bytes = match out_fmt {
        DataFormat::Npy => brinery_sklearn::output_npy(&out),
        DataFormat::Csv => brinery_sklearn::output_csv(&out, method).into_bytes(),
    };
    let mut o = Output::create(&a.output, out_fmt == DataFormat::Npy, None, None)?;
    let name = o.name().to_string();
    o.write_all(&bytes).map_err(|e| CliError::io(&name, &e))?;
    o.commit()
}

/// The `brine show` view of a scikit-learn estimator (its repr, then the
/// fitted attributes as a tree); `None` for anything else.
pub fn show(graph: &brinery::Graph<'_>) -> Option<String> {
    brinery_sklearn::summary(graph.root())
}

/// `brine export MODEL tree.json`: a tree or forest as JSON.
pub fn export_json(input: &Path, output: &Path, progress: Progress) -> Result<(), CliError> {
    let (name, data) = files::open_input(input, progress)?.read_all()?;
    let g = brinery_sklearn::load(&data).map_err(|e| lib_err(&name, e))?;
    let v = brinery_sklearn::export_trees(g.root()).map_err(|e| lib_err(&name, e))?;
    let mut text = serde_json::to_string(&v).map_err(|e| CliError::data(e.to_string()))?;
    text.push('\n');
    let mut o = Output::create(output, false, None, None)?;
    let oname = o.name().to_string();
    o.write_all(text.as_bytes())
        .map_err(|e| CliError::io(&oname, &e))?;
    o.commit()
}

/// Whether `brine export` should write tree JSON (OUT ends in `.json`).
pub fn is_json(output: &Path) -> bool {
    output
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}
