//! Hostile input: every truncation and many byte flips of the fixtures
//! (pickles, .npy/.npz, joblib files) give results or clean errors, never
//! a panic; sizes in headers never allocate beyond the input.

mod common;

use brinery_numpy::{array_repr_in, find_arrays, read_npy, read_npz, scalar_repr, Array, Dtype};

/// Decode everything numpy-ish in `data` as a pickle, .npy, .npz and
/// joblib file; results are discarded, only panics matter.
fn exercise(data: &[u8]) {
    if let Ok(g) = brinery::loads(data) {
        walk(&g);
    }
    if let Ok(npy) = read_npy(data) {
        if let Ok(a) = npy.array() {
            let _ = a.to_c_bytes();
            match npy.graph() {
                Some(g) => drop(array_repr_in(&a, g)),
                None => drop(brinery_numpy::array_repr(&a)),
            }
        }
    }
    if let Ok(z) = read_npz(data, 1 << 20) {
        let names: Vec<String> = z.names().map(str::to_string).collect();
        for n in names {
            let _ = z.get(&n);
        }
    }
    if let Ok(g) = brinery_numpy::joblib::load_with_limit(data, 1 << 20) {
        walk(&g);
    }
}

fn walk(g: &brinery::Graph<'_>) {
    for (_, id) in find_arrays(g) {
        if let Ok(Some(a)) = Array::from_node(g.view(id)) {
            let _ = a.to_c_bytes();
            let _ = a.objects();
            let _ = array_repr_in(&a, g);
        }
    }
    let opts = brinery::ReprOptions::default()
        .hook(brinery_numpy::repr_hook())
        .max_output(1 << 20);
    if let Some(r) = g.root_id() {
        let _ = brinery::repr(g, r, &opts);
        let v = g.view(r);
        if let Ok(Some(s)) = Array::scalar_from_node(v) {
            let _ = scalar_repr(&s);
        }
        let _ = Dtype::from_node(v);
    }
}

fn files() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut stack = vec![common::fixtures()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.extension().is_some_and(|x| x == "py" || x == "json") {
                out.push(std::fs::read(p).unwrap());
            }
        }
    }
    out
}

#[test]
fn truncations_and_byte_flips_never_panic() {
    let files = files();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut runs = 0;
    for (k, f) in files.iter().enumerate() {
        // Truncations: all of them for every 8th file, else 16 cuts.
        if k % 8 == 0 && f.len() < 4096 {
            for cut in 0..f.len() {
                exercise(&f[..cut]);
                runs += 1;
            }
        } else {
            for _ in 0..16 {
                let cut = (next() % (f.len() as u64 + 1)) as usize;
                exercise(&f[..cut]);
                runs += 1;
            }
        }
        // Byte flips (several at once), focused on the first 300 bytes
        // where headers, dtypes and shapes live.
        for _ in 0..24 {
            let mut m = f.clone();
            for _ in 0..1 + next() % 3 {
                let span = m.len().clamp(1, 300);
                let i = (next() % span as u64) as usize;
                if i < m.len() {
                    m[i] = (next() & 0xff) as u8;
                }
            }
            exercise(&m);
            runs += 1;
        }
    }
    println!("hostile inputs decoded without panic: {runs}");
}

#[test]
fn huge_shapes_and_sizes_are_refused_without_allocating() {
    // A .npy header claiming 2^60 elements of 8 bytes.
    let mut out = Vec::new();
    brinery_numpy::write_npy_raw(&mut out, "<f8", false, &[1 << 60], b"").unwrap();
    assert!(read_npy(&out).is_err());
    // Overflowing shape.
    let mut out = Vec::new();
    brinery_numpy::write_npy_raw(&mut out, "<f8", false, &[1 << 40, 1 << 40], b"").unwrap();
    assert!(read_npy(&out).is_err());
    // Zero-size items: many elements, no data; repr stays small.
    let mut out = Vec::new();
    brinery_numpy::write_npy_raw(&mut out, "|V0", false, &[1 << 50], b"").unwrap();
    let npy = read_npy(&out).unwrap();
    let a = npy.array().unwrap();
    assert_eq!(a.len(), 1 << 50);
    let r = brinery_numpy::array_repr(&a);
    assert!(r.len() < 200, "{r}");
    // 65 dimensions: numpy's limit is 64.
    let mut out = Vec::new();
    brinery_numpy::write_npy_raw(&mut out, "<i1", false, &[1; 65], &[0]).unwrap();
    assert!(read_npy(&out).is_err());
    // A deeply nested descr.
    let descr = format!("{}'<i4'{}", "[('a', ".repeat(500), ")]".repeat(500));
    let mut out = Vec::new();
    brinery_numpy::write_npy_raw(&mut out, &descr, false, &[1], &[0; 4]).unwrap();
    assert!(read_npy(&out).is_err());
}
