//! numpy 2 `StringDType` arrays (issue 15): read from pickles numpy wrote
//! and shown exactly as numpy's `repr` shows them. Fixtures and expected
//! reprs from `fixtures/stringdtype/gen.py` (numpy 2.4.6).

use brinery_numpy::{array_repr_in, Array, Kind};

#[test]
fn stringdtype_arrays_read_and_repr_as_numpy() {
    let text = include_str!("fixtures/stringdtype/cases.txt");
    let lines: Vec<&str> = text.lines().collect();
    let mut same = 0;
    for pair in lines.chunks(2) {
        let data: Vec<u8> = (0..pair[0].len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&pair[0][i..i + 2], 16).unwrap())
            .collect();
        // The expected text is Python's repr of numpy's repr: undo the quoting.
        let want = unquote(pair[1]);
        let g = brinery::loads(&data).unwrap();
        let a = Array::from_node(g.root()).unwrap().expect("an array");
        assert_eq!(a.dtype().kind, Kind::VString);
        assert_eq!(array_repr_in(&a, &g), want);
        same += 1;
    }
    println!(
        "StringDType: {same} of {} pickles shown as numpy shows them",
        lines.len() / 2
    );
    assert_eq!(same, 14);
}

fn unquote(s: &str) -> String {
    let q = s.chars().next().unwrap();
    let body = &s[1..s.len() - 1];
    let mut out = String::new();
    let mut cs = body.chars();
    while let Some(c) = cs.next() {
        if c == '\\' {
            match cs.next() {
                Some('n') => out.push('\n'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    let _ = q;
    out
}
