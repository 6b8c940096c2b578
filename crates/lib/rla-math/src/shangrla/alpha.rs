//! The ALPHA supermartingale test (Stark 2023, "ALPHA: Audit that Learns from Previously
//! Hand-Audited Ballots") as SHANGRLA's `NonnegMean.alpha_mart` computes it, with the two estimators of
//! the alternative mean SHANGRLA's audits use, and the deterministic sample-size search.
//!
//! The test asks whether the mean of a population of `N` values in `[0, u]` exceeds `t`. With
//! `S_{j−1}` the sum of the first `j − 1` observations,
//!
//! * `m_j = (N·t − S_{j−1}) / (N − j + 1)` is the mean of the values not yet drawn if the null is true
//!   (`t` when sampling with replacement, `N = ∞`) — `NonnegMean.sjm`, NonnegMean.py L142-176;
//! * `T_j = Π_{i≤j} ( x_i·η_i/m_i + (u − x_i)(u − η_i)/(u − m_i) ) / u` — `alpha_mart` L129;
//! * the p-value is `min(1, 1/max_j T_j)` and the history `min(1, 1/T_j)` (L140), after SHANGRLA's
//!   special cases (L130-139): `T_j` is shown as 1 where `m_j > u` (the null is then impossible, and
//!   SHANGRLA zeroes the term and then resets every term within `2ε` of 0 to 1), where `m_j` is within
//!   `2ε` of 0 or within `2ε + 10⁻⁶·m_j` of `u`, and where `T_j` itself is within `2ε` of 0; it is
//!   shown as `∞` where `m_j < 0`, and the last term is `∞` when the whole sample sums to more than
//!   `N·t`. These replacements change what is reported at step `j` only; the running product goes on
//!   from its unmodified value, as in SHANGRLA.
//!
//! Estimators of the alternative mean `η_j` (ε = `f64::EPSILON`, NumPy's `finfo(float).eps`):
//!
//! * fixed alternative (`fixed_alternative_mean`, L289-322): `η_j = (N·η − S_{j−1})/(N − j + 1)`
//!   (`η` when `N = ∞`). `NonnegMean()` built without an estimator uses `η = t + (u − t)/2`
//!   (L64-70); the estimator called without an `eta` uses `u(1 − ε)` (L312).
//! * shrink–truncate (`shrink_trunc`, L324-388): `η_j = min(u(1−ε) − e_j, max(w_j, m_j(1+ε) + e_j))`
//!   with `e_j = c/√(d + j − 1)` and `w_j = ((d·η₀ + S_{j−1})/(d + j − 1) + f·u/sd_j)/(1 + f/sd_j)`;
//!   defaults `η₀ = u(1 − ε)`, `c = (η₀ − t)/2 − ε` (halved as SHANGRLA does if `u − c < t + c`),
//!   `d = 100`, `f = 0`, `minsd = 10⁻⁶`; `sd_j` is Welford's running population standard deviation
//!   of the first `j − 1` values, floored at `minsd`, and 1 for `j ≤ 2`.
//!
//! Precision: every operation is the one NumPy performs, in the same order (sequential cumulative
//! sums and products, the same association of each formula), so results are bit-identical to
//! SHANGRLA's for the same inputs; the reference vectors are met to 1e-15 relative or better.
//! The running product is kept in linear space, not as a sum of logarithms, because SHANGRLA's special
//! cases are thresholds on the linear value (`T_j` within `2ε` of 0) that the test must reproduce; it
//! can only overflow when the p-value is below 10⁻³⁰⁸ (reported as 0, as SHANGRLA does) and only
//! underflows to 0 when the evidence is overwhelmingly for the null (reported as p = 1).

use crate::risk_limit::RiskLimit;

use super::ShangrlaError;
use super::numeric::{isclose, np_maximum, np_minimum};

/// NumPy's machine epsilon, which SHANGRLA's estimators use to stay strictly inside `(t, u)`.
pub const EPS: f64 = f64::EPSILON;

/// How many cards the test's population holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Population {
    /// `N` cards, sampled without replacement.
    Finite(u64),
    /// Sampling with replacement (`N = np.inf`).
    Infinite,
}

/// The alternative mean an estimator starts from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Eta {
    /// A given value, normally in `(t, u]`.
    Value(f64),
    /// `u(1 − ε)`, SHANGRLA's value when no `eta` is set (taken with the test's `u`).
    NearUpperBound,
}

impl Eta {
    fn resolve(self, u: f64) -> f64 {
        match self {
            Eta::Value(v) => v,
            Eta::NearUpperBound => u * (1.0 - EPS),
        }
    }
}

/// Parameters of SHANGRLA's shrink–truncate estimator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShrinkTrunc {
    pub eta: Eta,
    /// `None`: `(η₀ − t)/2 − ε`.
    pub c: Option<f64>,
    pub d: f64,
    pub f: f64,
    pub minsd: f64,
}

impl Default for ShrinkTrunc {
    /// SHANGRLA's defaults, which its audits use with `test_kwargs = {'d': 100, 'f': 0}`.
    fn default() -> Self {
        ShrinkTrunc {
            eta: Eta::NearUpperBound,
            c: None,
            d: 100.0,
            f: 0.0,
            minsd: 1e-6,
        }
    }
}

/// How the test chooses the alternative mean `η_j` before each draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Estimator {
    FixedAlternative { eta: Eta },
    ShrinkTrunc(ShrinkTrunc),
}

impl Estimator {
    /// A fixed alternative mean `η`.
    pub fn fixed(eta: f64) -> Estimator {
        Estimator::FixedAlternative {
            eta: Eta::Value(eta),
        }
    }

    /// `NonnegMean()`'s default: a fixed alternative `η = t + (u − t)/2` (0.75 for ballot polling).
    pub fn default_fixed(t: f64, u: f64) -> Estimator {
        Estimator::fixed(t + (u - t) / 2.0)
    }

    /// Shrink–truncate with SHANGRLA's defaults (`d = 100`, `f = 0`, `η₀ = u(1 − ε)`).
    pub fn shrink_trunc() -> Estimator {
        Estimator::ShrinkTrunc(ShrinkTrunc::default())
    }
}

/// The ALPHA test of `H₀: mean ≤ t` for a population of values in `[0, u]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlphaTest {
    t: f64,
    u: f64,
    population: Population,
    estimator: Estimator,
}

/// The result of running the test on a sequence of observations, in draw order.
#[derive(Debug, Clone, PartialEq)]
pub struct AlphaOutcome {
    /// `min(1, 1/max_j T_j)`: the risk after all observations (sequentially valid).
    pub p_value: f64,
    /// `min(1, 1/T_j)` after each observation.
    pub p_history: Vec<f64>,
    /// The alternative mean `η_j` used for each observation.
    pub eta: Vec<f64>,
}

impl AlphaOutcome {
    /// The stop decision: the p-value is at or below the risk limit (`set_p_values`'s `proved`).
    pub fn meets_risk_limit(&self, risk_limit: RiskLimit) -> bool {
        self.p_value <= risk_limit.alpha()
    }
}

impl AlphaTest {
    /// A test of `mean ≤ t` for values in `[0, u]`.
    pub fn new(
        t: f64,
        u: f64,
        population: Population,
        estimator: Estimator,
    ) -> Result<AlphaTest, ShangrlaError> {
        let bad = |name: &'static str, value: f64, why: &'static str| {
            Err(ShangrlaError::BadParameter { name, value, why })
        };
        if !(u.is_finite() && u > 0.0) {
            return bad("u", u, "the upper bound must be a positive number");
        }
        if !(t.is_finite() && t > 0.0) {
            return bad("t", t, "the null mean must be a positive number");
        }
        match estimator {
            Estimator::FixedAlternative {
                eta: Eta::Value(eta),
            } if !eta.is_finite() => {
                return bad("eta", eta, "the alternative mean must be a finite number");
            }
            Estimator::ShrinkTrunc(st) => {
                if let Eta::Value(eta) = st.eta
                    && !eta.is_finite()
                {
                    return bad("eta", eta, "the alternative mean must be a finite number");
                }
                if !(st.d.is_finite() && st.d > 0.0) {
                    return bad("d", st.d, "shrink_trunc's weight d must be positive");
                }
                if !(st.f.is_finite() && st.f >= 0.0) {
                    return bad(
                        "f",
                        st.f,
                        "shrink_trunc's weight f must be zero or positive",
                    );
                }
                if !(st.minsd.is_finite() && st.minsd > 0.0) {
                    return bad("minsd", st.minsd, "shrink_trunc's minsd must be positive");
                }
                if let Some(c) = st.c
                    && !c.is_finite()
                {
                    return bad("c", c, "shrink_trunc's c must be a finite number");
                }
            }
            Estimator::FixedAlternative { .. } => {}
        }
        Ok(AlphaTest {
            t,
            u,
            population,
            estimator,
        })
    }

    pub fn null_mean(&self) -> f64 {
        self.t
    }

    pub fn upper_bound(&self) -> f64 {
        self.u
    }

    pub fn population(&self) -> Population {
        self.population
    }

    pub fn estimator(&self) -> Estimator {
        self.estimator
    }

    /// Runs the test on the observations `x` in the order they were drawn.
    pub fn run(&self, x: &[f64]) -> Result<AlphaOutcome, ShangrlaError> {
        if x.is_empty() {
            return Err(ShangrlaError::EmptySample);
        }
        let mut walk = Walk::new(self, x.len() as u64)?;
        let mut shown = Vec::with_capacity(x.len());
        let mut eta = Vec::with_capacity(x.len());
        for (i, &xi) in x.iter().enumerate() {
            let step = walk.step(i, xi)?;
            shown.push(step.shown);
            eta.push(step.eta);
        }
        // The last term is ∞ when the whole sample already exceeds the null total (L138-139).
        if walk.total_exceeds_null()
            && let Some(last) = shown.last_mut()
        {
            *last = f64::INFINITY;
        }
        let mut max = f64::NEG_INFINITY;
        for &s in &shown {
            max = if max.is_nan() || s.is_nan() {
                f64::NAN
            } else {
                max.max(s)
            };
        }
        Ok(AlphaOutcome {
            p_value: python_min_one(1.0 / max),
            p_history: shown.iter().map(|&s| np_minimum(1.0, 1.0 / s)).collect(),
            eta,
        })
    }

    /// The p-value alone (see [`AlphaTest::run`]).
    pub fn p_value(&self, x: &[f64]) -> Result<f64, ShangrlaError> {
        Ok(self.run(x)?.p_value)
    }

    /// The sample size at which the test would stop if the population looked like `x`
    /// (`NonnegMean.sample_size` with `reps=None`, NonnegMean.py L799-853).
    ///
    /// As SHANGRLA does, the population is built by repeating each value of `x` `⌈N/len(x)⌉` times in
    /// a row (`np.repeat`, which repeats elements, not the whole list) and cutting it at `N`; the size
    /// is the first draw whose p-value is at most `alpha`, or `N` if none is.
    pub fn sample_size(&self, x: &[f64], alpha: RiskLimit) -> Result<u64, ShangrlaError> {
        let Population::Finite(n) = self.population else {
            return Err(ShangrlaError::InfinitePopulationSampleSize);
        };
        if x.is_empty() {
            return Err(ShangrlaError::EmptySample);
        }
        let copies = (n as f64 / x.len() as f64).ceil();
        // ⌈N/len⌉ is at least 1 for N ≥ 1; the cast saturates for absurdly large N.
        let copies = (copies as u64).max(1);
        self.sample_size_of(|i| x.get((i / copies) as usize).copied(), alpha)
    }

    /// The first draw at which the p-value is at most `alpha` when the population's values in draw
    /// order are `value(0), value(1), …, value(N − 1)`; `N` if there is none. `value` returning `None`
    /// ends the population early (the size is then `N`, as SHANGRLA reports when nothing crosses).
    pub(crate) fn sample_size_of(
        &self,
        mut value: impl FnMut(u64) -> Option<f64>,
        alpha: RiskLimit,
    ) -> Result<u64, ShangrlaError> {
        let Population::Finite(n) = self.population else {
            return Err(ShangrlaError::InfinitePopulationSampleSize);
        };
        if n == 0 {
            return Err(ShangrlaError::EmptySample);
        }
        let mut walk = Walk::new(self, n)?;
        for drawn in 0..n {
            let Some(xi) = value(drawn) else {
                break;
            };
            let step = walk.step(drawn as usize, xi)?;
            // The last draw's "sample exceeds the null total" rule can only lower the p-value to 0
            // at draw N, where the answer is N either way.
            if np_minimum(1.0, 1.0 / step.shown) <= alpha.alpha() {
                return Ok(drawn + 1);
            }
        }
        Ok(n)
    }
}

/// Python's `min(1, v)`: `v` if `v < 1`, else 1 — so NaN gives 1.
fn python_min_one(v: f64) -> f64 {
    if v < 1.0 { v } else { 1.0 }
}

/// One draw's contribution.
struct Step {
    eta: f64,
    /// `T_j` after the step-local special cases.
    shown: f64,
}

/// The running state of the test: sums, Welford's moments and the product.
struct Walk {
    t: f64,
    u: f64,
    population: Population,
    estimator: Resolved,
    /// Number of observations the caller will supply (to reject samples larger than `N`).
    sum: f64,
    product: f64,
    welford_mean: f64,
    welford_m2: f64,
}

enum Resolved {
    Fixed {
        eta: f64,
    },
    ShrinkTrunc {
        eta: f64,
        c: f64,
        d: f64,
        f: f64,
        minsd: f64,
    },
}

impl Walk {
    fn new(test: &AlphaTest, length: u64) -> Result<Walk, ShangrlaError> {
        if let Population::Finite(n) = test.population
            && length > n
        {
            return Err(ShangrlaError::SampleLargerThanPopulation {
                sample: length,
                population: n,
            });
        }
        let (t, u) = (test.t, test.u);
        let estimator = match test.estimator {
            Estimator::FixedAlternative { eta } => Resolved::Fixed {
                eta: eta.resolve(u),
            },
            Estimator::ShrinkTrunc(st) => {
                let eta = st.eta.resolve(u);
                let mut c = st.c.unwrap_or((eta - t) / 2.0 - EPS);
                if u - c < t + c {
                    // SHANGRLA's reset when the truncation bounds would cross (NonnegMean.py L370-373).
                    c = (u - c) / 2.0;
                }
                Resolved::ShrinkTrunc {
                    eta,
                    c,
                    d: st.d,
                    f: st.f,
                    minsd: st.minsd,
                }
            }
        };
        Ok(Walk {
            t,
            u,
            population: test.population,
            estimator,
            sum: 0.0,
            product: 1.0,
            welford_mean: 0.0,
            welford_m2: 0.0,
        })
    }

    /// `(N·mean − S_{j−1})/(N − j + 1)` for draw `j = index + 1`, or `mean` when `N = ∞`.
    fn remaining_mean(&self, mean: f64, index: usize) -> f64 {
        match self.population {
            Population::Finite(n) => {
                let left = n - index as u64; // N − j + 1 ≥ 1, checked in `Walk::new`
                (n as f64 * mean - self.sum) / left as f64
            }
            Population::Infinite => mean,
        }
    }

    fn step(&mut self, index: usize, x: f64) -> Result<Step, ShangrlaError> {
        let u = self.u;
        if !(x.is_finite() && x >= 0.0 && x <= u * (1.0 + 4.0 * EPS)) {
            return Err(ShangrlaError::ValueOutOfRange {
                index,
                value: x,
                upper_bound: u,
            });
        }
        let j = index as f64 + 1.0;
        let m = self.remaining_mean(self.t, index);
        let eta = match self.estimator {
            Resolved::Fixed { eta } => self.remaining_mean(eta, index),
            Resolved::ShrinkTrunc {
                eta,
                c,
                d,
                f,
                minsd,
            } => {
                let dj = (d + j) - 1.0;
                let tol = c / dj.sqrt();
                // Welford's population sd of the first j − 1 values; 1 for the first two draws.
                let sd = if index < 2 {
                    1.0
                } else {
                    np_maximum((self.welford_m2 / index as f64).sqrt(), minsd)
                };
                let weighted = ((d * eta + self.sum) / dj + u * f / sd) / (1.0 + f / sd);
                np_minimum(
                    u * (1.0 - EPS) - tol,
                    np_maximum(weighted, m * (1.0 + EPS) + tol),
                )
            }
        };
        let term = (x * eta / m + (u - x) * (u - eta) / (u - m)) / u;
        self.product *= term;

        let atol = 2.0 * EPS;
        let mut shown = self.product;
        if m > u {
            shown = 0.0;
        }
        if isclose(0.0, m, 1e-5, atol) {
            shown = 1.0;
        }
        if isclose(u, m, 1e-6, atol) {
            shown = 1.0;
        }
        if isclose(0.0, shown, 1e-5, atol) {
            shown = 1.0;
        }
        if m < 0.0 {
            shown = f64::INFINITY;
        }

        // Welford's update as SHANGRLA's `welford_mean_var` (NonnegMean.py L9-20).
        if index == 0 {
            self.welford_mean = x;
            self.welford_m2 = 0.0;
        } else {
            let previous = self.welford_mean;
            self.welford_mean = previous + (x - previous) / (index as f64 + 1.0);
            self.welford_m2 += (x - previous) * (x - self.welford_mean);
        }
        self.sum += x;
        Ok(Step { eta, shown })
    }

    /// True when the observations so far sum to more than `N·t` (never for `N = ∞`).
    fn total_exceeds_null(&self) -> bool {
        match self.population {
            Population::Finite(n) => self.sum > n as f64 * self.t,
            Population::Infinite => false,
        }
    }
}

/// The Kaplan–Markov p-value (`NonnegMean.kaplan_markov`, NonnegMean.py L640-690): with padding `g`,
/// `P_j = Π_{i≤j} (t + g)/(x_i + g)`; the p-value is `min(1, min_j P_j)` when the data are in random
/// order (optional stopping allowed), else `min(1, P_n)`; the history is `min(1, P_j)`.
/// Precision: sequential products as SHANGRLA's `np.cumprod`, bit-identical.
pub fn kaplan_markov(
    x: &[f64],
    t: f64,
    g: f64,
    random_order: bool,
) -> Result<(f64, Vec<f64>), ShangrlaError> {
    if x.is_empty() {
        return Err(ShangrlaError::EmptySample);
    }
    if let Some((index, &value)) = x
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
    {
        return Err(ShangrlaError::ValueOutOfRange {
            index,
            value,
            upper_bound: f64::INFINITY,
        });
    }
    if !(t.is_finite() && t > 0.0 && g.is_finite() && g >= 0.0) {
        return Err(ShangrlaError::BadParameter {
            name: "t, g",
            value: if t.is_finite() && t > 0.0 { g } else { t },
            why: "Kaplan–Markov needs a positive null mean t and a padding g ≥ 0",
        });
    }
    let mut product = 1.0;
    let mut history = Vec::with_capacity(x.len());
    for &xi in x {
        product *= (t + g) / (xi + g);
        history.push(product);
    }
    let chosen = if random_order {
        history.iter().copied().fold(f64::INFINITY, np_minimum)
    } else {
        history.last().copied().unwrap_or(1.0)
    };
    let p = np_minimum(1.0, chosen);
    Ok((p, history.iter().map(|&h| np_minimum(h, 1.0)).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn polling(n: Population, estimator: Estimator) -> AlphaTest {
        AlphaTest::new(0.5, 1.0, n, estimator).unwrap()
    }

    #[test]
    fn rejects_samples_larger_than_the_population() {
        let test = polling(Population::Finite(3), Estimator::fixed(0.6));
        assert!(matches!(
            test.run(&[1.0; 4]),
            Err(ShangrlaError::SampleLargerThanPopulation { .. })
        ));
        assert!(matches!(test.run(&[]), Err(ShangrlaError::EmptySample)));
        assert!(matches!(
            test.run(&[0.5, 1.5]),
            Err(ShangrlaError::ValueOutOfRange { index: 1, .. })
        ));
    }

    #[test]
    fn infinite_population_has_no_tiled_sample_size() {
        let test = polling(Population::Infinite, Estimator::fixed(0.6));
        let alpha = RiskLimit::new(0.05).unwrap();
        assert!(matches!(
            test.sample_size(&[1.0], alpha),
            Err(ShangrlaError::InfinitePopulationSampleSize)
        ));
    }

    // With every observation 1 and a fixed η = 0.75, t = 1/2, u = 1 and N = ∞, each factor is
    // 0.75/0.5 = 1.5, so T_j = 1.5^j exactly.
    #[test]
    fn constant_ones_grow_geometrically() {
        let test = polling(Population::Infinite, Estimator::fixed(0.75));
        let out = test.run(&[1.0; 5]).unwrap();
        for (j, p) in out.p_history.iter().enumerate() {
            assert_eq!(*p, 1.0 / 1.5f64.powi(j as i32 + 1));
        }
        assert_eq!(out.p_value, 1.0 / 1.5f64.powi(5));
    }
}
