//! `write_npy_raw` writes the bytes `np.save` writes.

mod common;

use brinery_numpy::write_npy_raw;

const CASES: &[(&str, bool, &[usize])] = &[
    ("<i4", false, &[2]),
    ("<f8", false, &[]),
    ("<f8", false, &[0]),
    ("|b1", false, &[3, 4]),
    ("<c16", true, &[2, 3]),
    (">u2", false, &[5, 1, 2]),
    ("<M8[ns]", false, &[1]),
    ("<m8[D]", false, &[12345678901234567]),
    ("|S10", true, &[7, 123456]),
    (
        "<U3",
        false,
        &[
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        ],
    ),
    ("|V4", false, &[2]),
    ("[('a', '<i4'), ('b', '<f8', (2,))]", false, &[2]),
    ("[('\u{e9}', '<i4')]", false, &[1]),
    ("[('\u{263a}', '<i4')]", false, &[1]),
];

#[test]
fn headers_equal_np_save() {
    let Some(py) = common::python() else { return };
    let dir = common::tmp_dir("npy_raw");
    let mut n = 0;
    for (i, (descr, f, shape)) in CASES.iter().enumerate() {
        let path = dir.join(format!("{i}.npy"));
        let mut out = Vec::new();
        write_npy_raw(&mut out, descr, *f, shape, b"").unwrap();
        std::fs::write(&path, &out).unwrap();
        // numpy writes the header for an array of this dtype/shape/order;
        // compare the header bytes (data is empty for the big shapes).
        let code = r#"
import sys, io, ast, numpy as np
from numpy.lib import _format_impl as F
descr, fortran, shape, path = sys.argv[1], sys.argv[2] == '1', ast.literal_eval(sys.argv[3]), sys.argv[4]
d = {'descr': ast.literal_eval(descr) if descr.startswith('[') else descr, 'fortran_order': fortran, 'shape': shape}
b = io.BytesIO()
import warnings
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    F._write_array_header(b, d, None)
got = open(path, 'rb').read()
assert got == b.getvalue(), (got, b.getvalue())
print('ok')
"#;
        let shape_s = format!(
            "({})",
            shape.iter().map(|d| format!("{d},")).collect::<String>()
        );
        let out = common::run_py(
            &py,
            code,
            &[
                descr,
                if *f { "1" } else { "0" },
                &shape_s,
                path.to_str().unwrap(),
            ],
        );
        assert_eq!(out.trim(), "ok", "case {i}");
        n += 1;
    }
    // A full file numpy loads.
    let path = dir.join("full.npy");
    let mut out = Vec::new();
    let data: Vec<u8> = [1.5f64, -2.0, 3.25, 4.0, 5.0, 6.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    write_npy_raw(&mut out, "<f8", true, &[2, 3], &data).unwrap();
    std::fs::write(&path, &out).unwrap();
    let code = r#"
import sys, numpy as np
a = np.load(sys.argv[1])
b = np.asfortranarray(np.array([[1.5, 3.25, 5.0], [-2.0, 4.0, 6.0]]))
assert a.flags.f_contiguous and (a == b).all(), a
import io
buf = io.BytesIO(); np.save(buf, b)
assert buf.getvalue() == open(sys.argv[1], 'rb').read()
print('ok')
"#;
    assert_eq!(
        common::run_py(&py, code, &[path.to_str().unwrap()]).trim(),
        "ok"
    );
    println!("npy headers equal to numpy: {n}/{}", CASES.len());
}
