//! Decode each pickle of a case file and re-encode it at the same protocol;
//! report mismatches. Usage: roundtrip CASES [OUT]
use std::io::Read;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut data = Vec::new();
    std::fs::File::open(&args[1])
        .unwrap()
        .read_to_end(&mut data)
        .unwrap();
    assert_eq!(&data[..8], b"BRCASES1");
    let mut pos = 8;
    let mut out = b"BRCASES1".to_vec();
    let (mut ok, mut bad, mut err) = (0, 0, 0);
    let rd = |pos: &mut usize, n: usize, data: &[u8]| {
        let s = data[*pos..*pos + n].to_vec();
        *pos += n;
        s
    };
    while pos < data.len() {
        let idx = u32::from_le_bytes(rd(&mut pos, 4, &data).try_into().unwrap());
        let proto = data[pos];
        pos += 1;
        let n = u64::from_le_bytes(rd(&mut pos, 8, &data).try_into().unwrap()) as usize;
        let pk = rd(&mut pos, n, &data);
        let n = u64::from_le_bytes(rd(&mut pos, 8, &data).try_into().unwrap()) as usize;
        let _repr = rd(&mut pos, n, &data);
        let _flags = data[pos];
        pos += 1;
        let res = brinery::from_slice_graph(&pk);
        match res {
            Ok(g) => match brinery::Pickler::new(proto).dumps(&g) {
                Ok(re) => {
                    if re == pk {
                        ok += 1
                    } else {
                        bad += 1;
                        if bad <= 5 {
                            eprintln!(
                                "MISMATCH idx {idx} proto {proto}\n  want {:?}\n  got  {:?}",
                                pk.escape_ascii().to_string(),
                                re.escape_ascii().to_string()
                            );
                        }
                    }
                    out.extend_from_slice(&idx.to_le_bytes());
                    out.push(proto);
                    out.extend_from_slice(&(re.len() as u64).to_le_bytes());
                    out.extend_from_slice(&re);
                    out.extend_from_slice(&0u64.to_le_bytes());
                    out.push(0);
                }
                Err(e) => {
                    err += 1;
                    if err <= 5 {
                        eprintln!("ENCODE ERR idx {idx} proto {proto}: {e}");
                    }
                }
            },
            Err(e) => {
                err += 1;
                if err <= 5 {
                    eprintln!(
                        "DECODE ERR idx {idx} proto {proto}: {e}\n  {:?}",
                        pk.escape_ascii().to_string()
                    );
                }
            }
        }
    }
    if let Some(o) = args.get(2) {
        std::fs::write(o, out).unwrap();
    }
    println!("roundtrip: {ok} identical, {bad} differ, {err} errors");
}
