//! #21 point 5: joblib files in `brine dis` and `brine optimize`. The array
//! bytes after a NumpyArrayWrapper are shown as a block and kept; the
//! optimized file still loads in joblib with equal arrays.

mod common;
use common::*;

use std::path::PathBuf;

#[test]
fn joblib_dis_and_optimize() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../brinery-numpy/tests/fixtures/joblib");
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("joblib_cli");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut n = 0;
    let mut optimized = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        // Uncompressed joblib files only: dis reads the raw pickle stream.
        let data = std::fs::read(&p).unwrap();
        if data.first() != Some(&0x80) {
            continue;
        }
        let out = brine(&["dis", p.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("[array bytes: "),
            "{name}: no array block in\n{text}"
        );
        let o = tmp.join(&name);
        let out = brine(&["optimize", p.to_str().unwrap(), o.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        optimized.push((p.clone(), o));
        n += 1;
    }
    assert!(n >= 1, "no uncompressed joblib fixture");
    let Some(py) = brinery_testutil::python(&["joblib", "numpy"], "joblib.load of optimized files")
    else {
        return;
    };
    for (orig, opt) in &optimized {
        let code = "import sys, joblib, numpy as np\n\
                    a, b = joblib.load(sys.argv[1]), joblib.load(sys.argv[2])\n\
                    def eq(x, y):\n\
                    \x20   if isinstance(x, np.ndarray): return np.array_equal(x, y, equal_nan=x.dtype.kind == 'f')\n\
                    \x20   if isinstance(x, dict): return x.keys() == y.keys() and all(eq(x[k], y[k]) for k in x)\n\
                    \x20   if isinstance(x, (list, tuple)): return len(x) == len(y) and all(map(eq, x, y))\n\
                    \x20   return x == y\n\
                    print(eq(a, b))";
        let out = brinery_testutil::run(
            &py,
            &["-c", code, orig.to_str().unwrap(), opt.to_str().unwrap()],
            &[],
        );
        assert_eq!(out.trim(), "True", "{}", opt.display());
    }
    println!("cli joblib: {n} files disassembled with array blocks, optimized and loaded equal by joblib");
}
