//! `repr_hook` makes `brinery::repr` print numpy values as Python does.

mod common;

use brinery::repr::{repr, ReprOptions};
use serde_json::Value;

#[test]
fn repr_hook_prints_scalars_dtypes_and_arrays_like_python() {
    let text = std::fs::read_to_string(common::fixtures().join("expected.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let opts = ReprOptions::default().hook(brinery_numpy::repr_hook());
    let (mut ok, mut n) = (0, 0);
    let mut bad = Vec::new();
    for e in v["entries"].as_array().unwrap() {
        let file = e["file"].as_str().unwrap();
        let want = match e["kind"].as_str().unwrap() {
            // A list of numpy scalars and dtypes: Python's repr(list).
            "scalars" if e["writer"] == "np2" => {
                let items: Vec<&str> = e["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["repr"].as_str().unwrap())
                    .collect();
                format!("[{}]", items.join(", "))
            }
            "pickle"
                if e["writer"] == "np2"
                    && e["protocol"] == 4
                    && e["arrays"][0].get("loaded_dtype").is_none() =>
            {
                e["arrays"][0]["repr"].as_str().unwrap().to_string()
            }
            _ => continue,
        };
        n += 1;
        let data = std::fs::read(common::fixtures().join(file)).unwrap();
        let g = brinery::loads(&data).unwrap();
        let got = repr(&g, g.root_id().unwrap(), &opts).unwrap();
        if got == want {
            ok += 1;
        } else {
            bad.push(format!("{file}:\n  got  {got}\n  want {want}"));
        }
    }
    println!("repr hook equal to Python's repr: {ok}/{n}");
    assert_eq!(ok, n, "{}", bad.join("\n"));
}
