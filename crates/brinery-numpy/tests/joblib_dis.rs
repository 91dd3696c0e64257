//! Issue 21 point 5: joblib files in `dis` and `optimize`. The array bytes
//! after each `NumpyArrayWrapper`'s BUILD are shown as one block and
//! disassembly goes on; `optimize` keeps them, and the optimized file
//! loads to the same arrays.

use std::borrow::Cow;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/joblib");

fn decompressed(name: &str) -> Vec<u8> {
    let raw = std::fs::read(format!("{FIXTURES}/{name}")).unwrap();
    match brinery_numpy::joblib::decompress(&raw, 1 << 30).unwrap() {
        Cow::Borrowed(b) => b.to_vec(),
        Cow::Owned(v) => v,
    }
}

fn arrays(data: &[u8]) -> Vec<String> {
    let g = brinery_numpy::joblib::load(data).unwrap();
    brinery_numpy::find_arrays(&g)
        .into_iter()
        .map(|(path, id)| {
            let a = brinery_numpy::Array::from_node(g.view(id))
                .unwrap()
                .unwrap();
            format!("{path} {}", brinery_numpy::array_repr_in(&a, &g))
        })
        .collect()
}

#[test]
fn joblib_dis_shows_blocks_and_optimize_keeps_them() {
    let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".joblib"))
        .collect();
    names.sort();
    let (mut files, mut blocks) = (0, 0);
    for name in &names {
        let data = decompressed(name);
        let mut out = Vec::new();
        let mut hook = brinery_numpy::joblib_raw_blocks();
        brinery::pickletools::dis_genops_raw(
            &mut brinery::pickletools::Genops::new(&data[..]),
            &mut out,
            &Default::default(),
            &mut brinery::pickletools::DisMemo::new(),
            Some(&mut hook),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = String::from_utf8(out).unwrap();
        let n = text.matches(": [array bytes: ").count();
        assert!(n > 0, "{name}: no array block\n{text}");
        assert!(text.contains("highest protocol among opcodes = "), "{name}");
        blocks += n;
        // Without the hook, dis stops at the first array's bytes as
        // pickletools does; everything it printed before is unchanged.
        let mut plain = Vec::new();
        let _ = brinery::pickletools::dis_files(
            [(name.as_str(), &data[..])],
            &mut plain,
            &Default::default(),
        );
        let first = text.find(": [").unwrap();
        let head = &text[..text[..first].rfind('\n').unwrap()];
        assert!(String::from_utf8_lossy(&plain).starts_with(head), "{name}");
        // optimize keeps the blocks: the optimized pickle loads to the same arrays.
        let mut hook = brinery_numpy::joblib_raw_blocks();
        let opt = brinery::pickletools::optimize_raw(&data, Some(&mut hook)).unwrap();
        assert!(opt.len() <= data.len(), "{name}");
        assert_eq!(arrays(&opt), arrays(&data), "{name}");
        files += 1;
    }
    println!("joblib: {files} files, {blocks} array blocks shown, all optimized files load to equal arrays");
    assert_eq!(files, names.len());
    assert!(files >= 13);
}
