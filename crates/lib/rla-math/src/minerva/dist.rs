//! Distributions of the number of winner ballots after a round: binomial round draws, their direct
//! convolution across rounds, truncation at a round's kmin, and the tail sums every stopping rule
//! compares.
//!
//! The peers hold these as dense arrays of length `n + 1` (r2b2 `audit.py` L252 and L331, athena
//! `athena.py` L150-156). Almost all of such an array is exactly zero in double precision: a binomial
//! probability more than about 38 standard deviations from the mean is below 1e-308. A [`Dist`] keeps
//! the array's logical length (the peers' control flow depends on it) but stores only the window where
//! values are at least `f64::MIN_POSITIVE`, so convolving a 10^5-ballot round costs 10^4 × 10^4 products
//! instead of 10^10, with the same sums to double precision.

use crate::special::binomial_ln_pmf_saddle;

/// How many recurrence steps may separate a stored binomial probability from one computed directly;
/// the recurrence adds at most a few ulps per step, so values stay within ~1e-13 relative.
const REANCHOR_STEPS: u64 = 64;

/// Below this fraction of its largest value, the lower side of a convolution input is skipped.
///
/// Every quantity the stopping rules read is an upper tail `P(X ≥ k)`. A skipped value `a_i` (left of
/// the peak, `a_i < ε · a_max`) only enters outputs `m` through `a_i · b_{m−i}`, and for `m` in an upper
/// tail `b_{m−i} ≤ b_{m−i_max}` (both in `b`'s decreasing tail, binomial laws being log-concave), so it
/// is below `ε` times a term that is kept: relative error ≤ ε per skipped term, ~1e-36 overall. Lower
/// tails and totals change by at most ε absolutely. It shrinks the lower side of each window from
/// ~38 to ~14 standard deviations, so convolving two rounds costs about a third of the products.
const LOWER_CUT: f64 = 1e-40;

/// The values from the first one at or above `LOWER_CUT` of the maximum, and how many were skipped.
fn lower_cut(values: &[f64]) -> (usize, &[f64]) {
    let max = values.iter().copied().fold(0.0, f64::max);
    let skip = values
        .iter()
        .position(|&v| v >= max * LOWER_CUT)
        .unwrap_or(0);
    (skip, &values[skip..])
}

/// A probability vector indexed by winner-ballot count, zero outside `start..start + values.len()`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Dist {
    /// The length of the peer's dense array (indices `0..len`).
    len: usize,
    start: usize,
    values: Vec<f64>,
}

impl Dist {
    /// The peers' starting distribution `[1.0]`: no ballots drawn yet.
    #[cfg(test)]
    pub(crate) fn unit() -> Dist {
        Dist {
            len: 1,
            start: 0,
            values: vec![1.0],
        }
    }

    /// `Binomial(n, p)` over `0..=n`, as SciPy's `binom.pmf(range(0, n + 1), n, p)`.
    pub(crate) fn binomial(n: u64, p: f64) -> Dist {
        let len = n as usize + 1;
        if p <= 0.0 {
            return Dist {
                len,
                start: 0,
                values: vec![1.0],
            };
        }
        if p >= 1.0 {
            return Dist {
                len,
                start: n as usize,
                values: vec![1.0],
            };
        }
        let q = 1.0 - p;
        let exact = |k: u64| binomial_ln_pmf_saddle(k, n, p, q).exp();
        let mode = (((n + 1) as f64 * p).floor() as u64).min(n);
        let odds = p / q;

        // Upward from the mode: P(k + 1) = P(k) · (n − k)/(k + 1) · p/q, re-anchored periodically.
        let mut upper = Vec::new();
        let mut k = mode;
        let mut v = exact(k);
        loop {
            upper.push(v);
            if k == n {
                break;
            }
            k += 1;
            v = if (k - mode).is_multiple_of(REANCHOR_STEPS) {
                exact(k)
            } else {
                v * ((n - k + 1) as f64 / k as f64) * odds
            };
            if v < f64::MIN_POSITIVE {
                break;
            }
        }
        // Downward from the mode: P(k − 1) = P(k) · k/(n − k + 1) · q/p.
        let mut lower = Vec::new();
        let mut k = mode;
        let mut v = upper.first().copied().unwrap_or(0.0);
        while k > 0 {
            k -= 1;
            v = if (mode - k).is_multiple_of(REANCHOR_STEPS) {
                exact(k)
            } else {
                v * ((k + 1) as f64 / (n - k) as f64) / odds
            };
            if v < f64::MIN_POSITIVE {
                k += 1;
                break;
            }
            lower.push(v);
        }
        lower.reverse();
        let start = k as usize;
        lower.extend(upper);
        Dist {
            len,
            start,
            values: lower,
        }
    }

    /// SciPy's `binom.pmf(range(0, draws + 1), draws, p)` where `draws` may be negative (r2b2's
    /// Minerva2 does this when a pair's ballots lag the contest's round size): an empty array then.
    pub(crate) fn binomial_or_empty(draws: i64, p: f64) -> Dist {
        match u64::try_from(draws) {
            Ok(n) => Dist::binomial(n, p),
            Err(_) => Dist {
                len: 0,
                start: 0,
                values: Vec::new(),
            },
        }
    }

    /// The peer array's length.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// `numpy.pad(dist, (k, 0))`: `k` zeros in front, so index `i` becomes `i + k`.
    pub(crate) fn shifted(mut self, k: usize) -> Dist {
        self.len += k;
        self.start += k;
        self
    }

    /// Every value multiplied by `factor`.
    pub(crate) fn scaled(mut self, factor: f64) -> Dist {
        for v in &mut self.values {
            *v *= factor;
        }
        self
    }

    /// Direct convolution (`scipy.signal.convolve(a, b, method='direct')`): the distribution of the
    /// sum of two independent counts. Values that underflow below `f64::MIN_POSITIVE` at the window's
    /// ends are dropped, and so is the far lower side of each input (see `LOWER_CUT`).
    pub(crate) fn convolve(&self, other: &Dist) -> Dist {
        let len = (self.len + other.len).saturating_sub(1);
        if self.values.is_empty() || other.values.is_empty() {
            return Dist {
                len,
                start: 0,
                values: Vec::new(),
            };
        }
        let (a_skip, a) = lower_cut(&self.values);
        let (b_skip, b) = lower_cut(&other.values);
        let start = self.start + a_skip + other.start + b_skip;
        let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        let mut out = vec![0.0; a.len() + b.len() - 1];
        for (i, &ai) in a.iter().enumerate() {
            if ai == 0.0 {
                continue;
            }
            if let Some(window) = out.get_mut(i..i + b.len()) {
                for (o, &bj) in window.iter_mut().zip(b.iter()) {
                    *o += ai * bj;
                }
            }
        }
        let mut dist = Dist {
            len,
            start,
            values: out,
        };
        dist.trim();
        dist
    }

    /// Python's `dist = dist[:end]`: keeps indices below `end` (all of them when `end` is `None`).
    pub(crate) fn truncate(&mut self, end: Option<usize>) {
        if let Some(end) = end {
            self.len = self.len.min(end);
            self.clip_window(end);
        }
    }

    /// [`Dist::truncate`] by value.
    #[cfg(test)]
    pub(crate) fn truncated(mut self, end: Option<usize>) -> Dist {
        self.truncate(end);
        self
    }

    /// athena's `table[k:] = 0`: zeroes indices from `k` on but keeps the array's length.
    pub(crate) fn zeroed_from(mut self, k: usize) -> Dist {
        self.clip_window(k);
        self
    }

    fn clip_window(&mut self, end: usize) {
        let keep = end.saturating_sub(self.start).min(self.values.len());
        self.values.truncate(keep);
        self.trim();
    }

    /// Drops negligible values at both ends of the window.
    fn trim(&mut self) {
        let last = self.values.iter().rposition(|&v| v >= f64::MIN_POSITIVE);
        match last {
            None => {
                self.values.clear();
                self.start = 0;
            }
            Some(last) => {
                self.values.truncate(last + 1);
                let first = self
                    .values
                    .iter()
                    .position(|&v| v >= f64::MIN_POSITIVE)
                    .unwrap_or(0);
                if first > 0 {
                    self.values.drain(..first);
                    self.start += first;
                }
            }
        }
    }

    /// The value at index `i` (zero outside the window and the array).
    pub(crate) fn at(&self, i: usize) -> f64 {
        i.checked_sub(self.start)
            .and_then(|j| self.values.get(j))
            .copied()
            .unwrap_or(0.0)
    }

    /// Python's `dist[i]` with a possibly negative index (`-1` is the last element); `None` where
    /// Python raises `IndexError`.
    pub(crate) fn py_index(&self, i: i64) -> Option<f64> {
        let len = self.len as i64;
        let j = if i < 0 { i + len } else { i };
        if (0..len).contains(&j) {
            Some(self.at(j as usize))
        } else {
            None
        }
    }

    /// Suffix sums for O(1) tail queries.
    pub(crate) fn tails(&self) -> Tails {
        let mut suffix = vec![0.0; self.values.len() + 1];
        for i in (0..self.values.len()).rev() {
            suffix[i] = suffix[i + 1] + self.values[i];
        }
        Tails {
            len: self.len,
            start: self.start,
            suffix,
        }
    }

    /// `sum(dist[k:])`.
    pub(crate) fn tail(&self, k: usize) -> f64 {
        let from = k.saturating_sub(self.start).min(self.values.len());
        self.values[from..].iter().rev().sum()
    }

    /// First and one-past-last index that can hold a non-zero value.
    pub(crate) fn window(&self) -> (usize, usize) {
        (self.start, self.start + self.values.len())
    }
}

/// Precomputed tail sums of a [`Dist`].
#[derive(Debug, Clone)]
pub(crate) struct Tails {
    len: usize,
    start: usize,
    /// `suffix[j]` = sum of window values from window position `j` on (one extra 0 at the end).
    suffix: Vec<f64>,
}

impl Tails {
    /// `sum(dist[k:])` for `k ≥ 0`.
    pub(crate) fn tail(&self, k: usize) -> f64 {
        let j = k.saturating_sub(self.start).min(self.suffix.len() - 1);
        self.suffix[j]
    }

    /// `sum(dist[k:])` with Python's slice rules for negative `k` (counted from the end).
    pub(crate) fn py_tail(&self, k: i64) -> f64 {
        if k >= 0 {
            self.tail(k as usize)
        } else {
            let from = (self.len as i64 + k).max(0);
            self.tail(from as usize)
        }
    }

    /// `sum(dist[a:b]) + sum(dist[b:])` as the peers write a tail split at a cached boundary `b`:
    /// equal to the tail from `a` when `a ≤ b` (after Python's negative-index rule), else the tail
    /// from `b` alone (the slice `a:b` is empty).
    pub(crate) fn split_tail(&self, a: i64, b: usize) -> f64 {
        let a = if a < 0 {
            (self.len as i64 + a).max(0) as usize
        } else {
            a as usize
        };
        if a <= b { self.tail(a) } else { self.tail(b) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::special::binomial_pmf_saddle;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * a.abs().max(b.abs())
    }

    #[test]
    fn binomial_window_holds_all_representable_mass() {
        for (n, p) in [
            (0u64, 0.3),
            (1, 0.5),
            (7, 0.9),
            (1000, 0.5),
            (100_000, 0.51),
        ] {
            let d = Dist::binomial(n, p);
            assert_eq!(d.len(), n as usize + 1);
            assert!(close(d.tail(0), 1.0, 1e-13), "n={n} p={p}");
            for k in [0, n / 3, n / 2, n] {
                let want = binomial_pmf_saddle(k, n, p);
                let want = if want < f64::MIN_POSITIVE { 0.0 } else { want };
                assert!(close(d.at(k as usize), want, 1e-12) || d.at(k as usize) == want);
            }
        }
    }

    #[test]
    fn convolution_of_binomials_is_binomial() {
        let a = Dist::binomial(300, 0.6);
        let b = Dist::binomial(200, 0.6);
        let c = a.convolve(&b);
        let direct = Dist::binomial(500, 0.6);
        assert_eq!(c.len(), 501);
        for k in [250usize, 300, 350] {
            assert!(close(c.at(k), direct.at(k), 1e-12));
        }
    }

    #[test]
    fn truncation_and_python_slices() {
        let d = Dist::binomial(10, 0.5).truncated(Some(6));
        assert_eq!(d.len(), 6);
        assert_eq!(d.at(6), 0.0);
        let t = d.tails();
        assert!(close(t.tail(0), t.py_tail(-6), 1e-15));
        assert!(close(t.py_tail(-1), d.at(5), 1e-15));
        assert_eq!(d.py_index(-1), Some(d.at(5)));
        assert_eq!(d.py_index(6), None);
        assert!(close(t.split_tail(2, 4), d.tail(2), 1e-15));
        assert_eq!(Dist::unit().convolve(&Dist::binomial(3, 0.5)).len(), 4);
    }
}
