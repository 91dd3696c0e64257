//! numpy's and scipy's arithmetic in the order they do it.

/// numpy's `pairwise_sum` for a contiguous run of f64 (what `np.sum`
/// along a contiguous axis computes), starting from the identity `0.0`.
pub(crate) fn np_sum(a: &[f64]) -> f64 {
    0.0 + pairwise(a)
}

fn pairwise(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let end = n - n % 8;
        let mut i = 8;
        while i < end {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[end..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise(&a[..n2]) + pairwise(&a[n2..])
    }
}

/// scipy.special.expit.
pub(crate) fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Index of the first maximum (`np.argmax`; NaN counts as the maximum).
pub(crate) fn argmax(a: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in a.iter().enumerate() {
        if a[best].is_nan() {
            return best;
        }
        if v > a[best] || v.is_nan() {
            best = i;
        }
    }
    best
}

/// sklearn.utils.extmath.softmax / scipy.special.softmax on one row, in
/// place: subtract the max, exp, divide by the (numpy) sum.
pub(crate) fn softmax(row: &mut [f64]) {
    let mut max = f64::NEG_INFINITY;
    for &v in row.iter() {
        if v > max || v.is_nan() {
            max = v;
        }
    }
    for v in row.iter_mut() {
        *v = (*v - max).exp();
    }
    let s = np_sum(row);
    for v in row.iter_mut() {
        *v /= s;
    }
}

/// scipy.special.logsumexp of one row (scipy < 1.15's algorithm).
pub(crate) fn logsumexp(row: &[f64]) -> f64 {
    let mut max = f64::NEG_INFINITY;
    for &v in row {
        if v > max || v.is_nan() {
            max = v;
        }
    }
    if !max.is_finite() {
        max = 0.0;
    }
    let tmp: Vec<f64> = row.iter().map(|v| (v - max).exp()).collect();
    np_sum(&tmp).ln() + max
}

/// Sequential dot product.
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        s += x * y;
    }
    s
}
