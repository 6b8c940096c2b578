//! Brent's root finder (R. P. Brent, "Algorithms for Minimization without Derivatives", 1973, ch. 4),
//! in the variant SciPy's `optimize.brentq` uses: bisection safeguarding secant and inverse quadratic
//! interpolation steps, stopping when the bracket is below `xtol + rtol·|x|`. Arlo's SUITE polling
//! p-value finds its nuisance parameter with `brentq` at SciPy's default tolerances, which are the
//! defaults here too.

/// SciPy's default absolute tolerance for `brentq`.
pub(crate) const XTOL: f64 = 2e-12;
/// SciPy's default relative tolerance for `brentq`: `4·ε`.
pub(crate) const RTOL: f64 = 4.0 * f64::EPSILON;
/// SciPy's default iteration limit.
pub(crate) const MAX_ITER: usize = 100;

/// Why no root was returned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BrentError {
    /// `f(a)` and `f(b)` have the same sign.
    NotBracketed,
    /// The iteration limit was reached (only with non-finite function values in practice).
    NoConvergence,
}

/// A root of `f` in `[a, b]`, where `f(a)` and `f(b)` differ in sign.
pub(crate) fn brentq(mut f: impl FnMut(f64) -> f64, a: f64, b: f64) -> Result<f64, BrentError> {
    let (mut x_prev, mut x_cur) = (a, b);
    let (mut f_prev, mut f_cur) = (f(x_prev), f(x_cur));
    if f_prev * f_cur > 0.0 {
        return Err(BrentError::NotBracketed);
    }
    if f_prev == 0.0 {
        return Ok(x_prev);
    }
    if f_cur == 0.0 {
        return Ok(x_cur);
    }
    // x_blk is the other end of the bracket; s_prev and s_cur the last two step lengths.
    let (mut x_blk, mut f_blk) = (0.0, 0.0);
    let (mut s_prev, mut s_cur) = (0.0, 0.0);
    for _ in 0..MAX_ITER {
        if f_prev != 0.0 && f_cur != 0.0 && (f_prev < 0.0) != (f_cur < 0.0) {
            x_blk = x_prev;
            f_blk = f_prev;
            s_cur = x_cur - x_prev;
            s_prev = s_cur;
        }
        if f_blk.abs() < f_cur.abs() {
            // Keep the best estimate in x_cur.
            x_prev = x_cur;
            x_cur = x_blk;
            x_blk = x_prev;
            f_prev = f_cur;
            f_cur = f_blk;
            f_blk = f_prev;
        }
        let tol = (XTOL + RTOL * x_cur.abs()) / 2.0;
        let s_bis = (x_blk - x_cur) / 2.0;
        if f_cur == 0.0 || s_bis.abs() < tol {
            return Ok(x_cur);
        }
        if s_prev.abs() > tol && f_cur.abs() < f_prev.abs() {
            let s_try = if x_prev == x_blk {
                // Secant step.
                -f_cur * (x_cur - x_prev) / (f_cur - f_prev)
            } else {
                // Inverse quadratic interpolation through the three points.
                let d_prev = (f_prev - f_cur) / (x_prev - x_cur);
                let d_blk = (f_blk - f_cur) / (x_blk - x_cur);
                -f_cur * (f_blk * d_blk - f_prev * d_prev) / (d_blk * d_prev * (f_blk - f_prev))
            };
            if 2.0 * s_try.abs() < s_prev.abs().min(3.0 * s_bis.abs() - tol) {
                s_prev = s_cur;
                s_cur = s_try;
            } else {
                s_prev = s_bis;
                s_cur = s_bis;
            }
        } else {
            s_prev = s_bis;
            s_cur = s_bis;
        }
        x_prev = x_cur;
        f_prev = f_cur;
        if s_cur.abs() > tol {
            x_cur += s_cur;
        } else {
            x_cur += if s_bis > 0.0 { tol } else { -tol };
        }
        f_cur = f(x_cur);
    }
    Err(BrentError::NoConvergence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_roots_to_scipy_tolerance() {
        let r = brentq(|x| x * x - 2.0, 0.0, 2.0).unwrap();
        assert!((r - std::f64::consts::SQRT_2).abs() < 4e-12);
        let r = brentq(|x| x.cos() - x, 0.0, 1.0).unwrap();
        assert!((r - 0.7390851332151607).abs() < 4e-12);
        assert_eq!(brentq(|x| x - 1.0, 1.0, 3.0), Ok(1.0));
        assert_eq!(
            brentq(|x| x * x + 1.0, -1.0, 1.0),
            Err(BrentError::NotBracketed)
        );
    }
}
