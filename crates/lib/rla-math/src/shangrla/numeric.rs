//! NumPy's float arithmetic where SHANGRLA's results depend on it: pairwise summation (`np.sum`,
//! `np.mean`) and `np.isclose`.
//!
//! SHANGRLA rounds an initial sample size up from `np.sum` of per-card sampling probabilities, so a
//! different summation order could move the total across an integer. NumPy 1.26 reduces a contiguous
//! float64 array as `0.0 + pairwise(a)`, where `pairwise` adds blocks of at most 128 values with eight
//! running partial sums and splits longer arrays in two (`numpy/core/src/umath/loops_utils.h.src`,
//! `pairwise_sum`); this module does the same additions in the same order, so sums are bit-identical.

/// `np.sum(a)` for a 1-D float64 array, bit for bit.
pub(crate) fn numpy_sum(a: &[f64]) -> f64 {
    0.0 + pairwise(a)
}

/// `np.mean(a)`: NumPy's sum divided by the length (NaN for an empty slice, as NumPy returns).
pub(crate) fn numpy_mean(a: &[f64]) -> f64 {
    numpy_sum(a) / a.len() as f64
}

fn pairwise(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= BLOCK {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let whole = n - n % 8;
        let mut i = 8;
        while i < whole {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[whole..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise(&a[..n2]) + pairwise(&a[n2..])
    }
}

/// `np.isclose(a, b, rtol, atol)`: `|a − b| ≤ atol + rtol·|b|`; infinities are close only to the
/// same infinity and NaN is close to nothing.
pub(crate) fn isclose(a: f64, b: f64, rtol: f64, atol: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return false;
    }
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= atol + rtol * b.abs()
}

/// NumPy's `np.minimum`/`np.maximum` propagate NaN, unlike `f64::min`/`f64::max`.
pub(crate) fn np_minimum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

pub(crate) fn np_maximum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values printed by NumPy 1.26.4 (/work/pyref): np.sum of these arrays.
    #[test]
    fn pairwise_sum_matches_numpy() {
        assert_eq!(numpy_sum(&[0.0225; 2000]), 45.0);
        let thirds: Vec<f64> = (0..1000).map(|i| (i as f64) / 3.0).collect();
        assert_eq!(numpy_sum(&thirds), 166500.0);
        let tenths = vec![0.1; 1000];
        assert_eq!(numpy_sum(&tenths), 100.00000000000001);
        assert_eq!(numpy_sum(&[]), 0.0);
        assert!(numpy_mean(&[]).is_nan());
    }

    #[test]
    fn isclose_matches_numpy_rules() {
        assert!(isclose(0.0, 1e-16, 1e-5, 2.0 * f64::EPSILON));
        assert!(!isclose(0.0, 1e-15, 1e-5, 2.0 * f64::EPSILON));
        assert!(isclose(1.0, 1.0 + 5e-7, 1e-6, 0.0));
        assert!(!isclose(0.0, f64::INFINITY, 1e-5, 0.0));
        assert!(!isclose(0.0, f64::NAN, 1e-5, 1.0));
    }
}
