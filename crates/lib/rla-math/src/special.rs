//! Special functions the risk measures share: binomial and normal distributions in the forms the peer
//! tools call them (SciPy's `binom.pmf`, `binom.cdf`, `binom.ppf`, `norm.ppf`).
//!
//! Written on top of statrs' `ln_gamma`, `beta_reg` and `erfc_inv` rather than statrs' distribution
//! types so that the edge cases (p = 0 or 1, k outside 0..=n) behave as SciPy's do, which the
//! reference values depend on. Precision: relative error below 1e-12 for the pmf in log space for
//! n ≤ 10^7; the binomial cdf inherits statrs' `beta_reg` accuracy (about 1e-14 relative) and the
//! normal cdf statrs' `erfc` (about 1e-11 relative).

use statrs::function::{beta::beta_reg, erf::erfc_inv, gamma::ln_gamma};

/// `ln C(n, k)`, exact through `ln_gamma`; `-inf` when `k > n`.
pub fn ln_choose(n: u64, k: u64) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    if k == 0 || k == n {
        return 0.0;
    }
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// `ln P[X = k]` for `X ~ Binomial(n, p)`.
pub fn binomial_ln_pmf(n: u64, k: u64, p: f64) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    if p <= 0.0 {
        return if k == 0 { 0.0 } else { f64::NEG_INFINITY };
    }
    if p >= 1.0 {
        return if k == n { 0.0 } else { f64::NEG_INFINITY };
    }
    ln_choose(n, k) + k as f64 * p.ln() + (n - k) as f64 * (-p).ln_1p()
}

/// `P[X = k]` for `X ~ Binomial(n, p)`.
pub fn binomial_pmf(n: u64, k: u64, p: f64) -> f64 {
    binomial_ln_pmf(n, k, p).exp()
}

/// `P[X = k]` for every `k` in `0..=n`.
pub fn binomial_pmfs(n: u64, p: f64) -> Vec<f64> {
    (0..=n).map(|k| binomial_pmf(n, k, p)).collect()
}

/// `P[X ≤ k]` for `X ~ Binomial(n, p)` (SciPy `binom.cdf`, Cephes `bdtr`): `I_{1-p}(n-k, k+1)`.
pub fn binomial_cdf(n: u64, k: i64, p: f64) -> f64 {
    if k < 0 {
        return 0.0;
    }
    let k = k as u64;
    if k >= n {
        return 1.0;
    }
    if p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return 0.0;
    }
    beta_reg((n - k) as f64, k as f64 + 1.0, 1.0 - p)
}

/// The smallest `k` in `0..=n` with `P[X ≤ k] ≥ q` (SciPy `binom.ppf` for `0 < q < 1`).
pub fn binomial_ppf(q: f64, n: u64, p: f64) -> u64 {
    if q <= 0.0 {
        return 0;
    }
    let (mut lo, mut hi) = (0u64, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if binomial_cdf(n, mid as i64, p) >= q {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// The standard normal quantile `Φ⁻¹(p)` (SciPy `norm.ppf`); ±inf at 0 and 1.
pub fn normal_ppf(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p)
}

/// The standard normal cdf `Φ(x)` (SciPy `norm.cdf`).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * a.abs().max(b.abs())
    }

    // Reference values from SciPy 1.11.4 (scipy.stats.binom / norm), the version the vectors used.
    #[test]
    fn binomial_matches_scipy() {
        assert!(close(binomial_pmf(10, 3, 0.4), 0.21499084799999976, 1e-12));
        assert!(close(binomial_cdf(10, 3, 0.4), 0.3822806015999999, 1e-12));
        assert!(close(
            binomial_pmf(1000, 500, 0.5),
            0.025225018178360824,
            1e-10
        ));
        assert_eq!(binomial_ppf(0.1, 100, 0.6), 54);
        assert_eq!(binomial_ppf(0.5, 100, 0.6), 60);
    }

    #[test]
    fn pmfs_sum_to_one() {
        let total: f64 = binomial_pmfs(2000, 0.37).iter().sum();
        assert!(close(total, 1.0, 1e-12));
    }

    #[test]
    fn normal_quantiles_match_scipy() {
        assert!(close(normal_ppf(0.9), 1.2815515655446004, 1e-12));
        assert!(close(normal_ppf(0.3), -0.5244005127080409, 1e-12));
        // statrs' erfc is accurate to about 1e-11 relative here, which is all normal_cdf promises.
        assert!(close(
            normal_cdf(1.2815515655446004),
            0.8999999999999999,
            1e-10
        ));
    }
}

// ---------------------------------------------------------------------------------------------------
// Chi-square distribution with 4 degrees of freedom (added for SUITE's Fisher combination,
// `suite.rs`). With 4 d.o.f. the distribution is Gamma(2, 2), whose tail has the closed form
// `Q(2, y) = e^{−y}(1 + y)` at `y = x/2`, so no series or continued fraction is needed.
// Precision: a few ulp (one `exp`, one `exp_m1`, two products) for the tail and the cdf; the quantile
// is solved by safeguarded Newton steps to within 4 ulp of the root.
// ---------------------------------------------------------------------------------------------------

/// `P[X > x]` for `X ~ χ²₄`: `e^{−x/2}(1 + x/2)`; 1 for `x ≤ 0`.
pub fn chi_square_4_sf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let y = x / 2.0;
    (-y).exp() * (1.0 + y)
}

/// `P[X ≤ x]` for `X ~ χ²₄`, accurate also for small `x`: `1 − e^{−y} − y·e^{−y}` written as
/// `−expm1(−y) − y·e^{−y}`; 0 for `x ≤ 0`.
pub fn chi_square_4_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 0.0;
    }
    let y = x / 2.0;
    if y < 1.0 {
        -(-y).exp_m1() - y * (-y).exp()
    } else {
        1.0 - chi_square_4_sf(x)
    }
}

/// The `q`-quantile of `χ²₄` (SciPy `chi2.ppf(q, 4)`): 0 at `q = 0`, `∞` at `q = 1`, NaN outside.
pub fn chi_square_4_ppf(q: f64) -> f64 {
    if q.is_nan() || !(0.0..=1.0).contains(&q) {
        return f64::NAN;
    }
    if q == 0.0 {
        return 0.0;
    }
    if q == 1.0 {
        return f64::INFINITY;
    }
    // Solve in y = x/2 on whichever side is accurate: the lower tail P(2, y) = q for q < 1/2, the
    // upper tail Q(2, y) = 1 − q (exact in floating point for q ≥ 1/2) otherwise. Both are monotone
    // with derivative ±y·e^{−y}; Newton steps are kept inside a shrinking bracket.
    let lower = q < 0.5;
    let target = if lower { q } else { 1.0 - q };
    let g = |y: f64| {
        if lower {
            chi_square_4_cdf(2.0 * y) - target
        } else {
            target - chi_square_4_sf(2.0 * y)
        }
    };
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while g(hi) < 0.0 {
        lo = hi;
        hi *= 2.0;
        if hi > 1e300 {
            return f64::INFINITY;
        }
    }
    let mut y = 0.5 * (lo + hi);
    for _ in 0..200 {
        let gy = g(y);
        if gy == 0.0 {
            break;
        }
        if gy < 0.0 {
            lo = y;
        } else {
            hi = y;
        }
        let slope = y * (-y).exp();
        let mut next = y - gy / slope;
        if !(next > lo && next < hi && next.is_finite()) {
            next = 0.5 * (lo + hi);
        }
        if (next - y).abs() <= 4.0 * f64::EPSILON * y.abs() || hi - lo <= 4.0 * f64::EPSILON * hi {
            y = next;
            break;
        }
        y = next;
    }
    2.0 * y
}

#[cfg(test)]
mod chi_square_4_tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * a.abs().max(b.abs())
    }

    // SciPy 1.11.4 (/work/pyref): chi2.sf(x, 4), chi2.cdf(x, 4) and chi2.ppf(q, 4).
    #[test]
    fn chi_square_4_matches_scipy() {
        assert!(close(
            chi_square_4_sf(9.487729036781154),
            0.05000000000000006,
            1e-14
        ));
        assert!(close(chi_square_4_sf(50.0), 3.610865404890647e-10, 1e-13));
        assert!(close(chi_square_4_cdf(0.01), 1.2458411354275082e-05, 1e-13));
        assert!(close(chi_square_4_ppf(0.95), 9.487729036781154, 1e-14));
        assert!(close(chi_square_4_ppf(0.5), 3.3566939800333224, 1e-14));
        assert!(close(chi_square_4_ppf(1e-6), 0.0028297613229586872, 1e-12));
        assert!(close(
            chi_square_4_ppf(1.0 - 1e-12),
            62.19979205810759,
            1e-12
        ));
        assert_eq!(chi_square_4_ppf(1.0), f64::INFINITY);
        assert_eq!(chi_square_4_sf(0.0), 1.0);
    }
}
