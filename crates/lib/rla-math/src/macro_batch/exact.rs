//! Exact non-negative fractions for MACRO's error bounds, and their one-time rounding to `f64`.
//!
//! Arlo computes every MACRO quantity in 28-digit `decimal.Decimal`. Keeping `u_p`, `U`, `u_p/U`
//! and the taints as exact fractions of integers instead, and rounding each to the nearest `f64`
//! only once, gives values that agree with Arlo's to about 1e-27 relative (and PPEB weights that
//! are the same doubles as Arlo's `float(u_p / U)` except in the rare case where the exact value is
//! within 1e-27 of a rounding midpoint). Numerators and denominators are products of vote counts,
//! so they use [`BigUint`].

use std::cmp::Ordering;

use num_bigint::BigUint;

/// A non-negative fraction `num / den` with `den > 0` (not necessarily in lowest terms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fraction {
    num: BigUint,
    den: BigUint,
}

impl Fraction {
    pub fn zero() -> Fraction {
        Fraction {
            num: BigUint::ZERO,
            den: BigUint::from(1u8),
        }
    }

    /// `num / den`; `None` when `den` is zero.
    pub fn new(num: impl Into<BigUint>, den: impl Into<BigUint>) -> Option<Fraction> {
        let den = den.into();
        (den != BigUint::ZERO).then(|| Fraction {
            num: num.into(),
            den,
        })
    }

    pub fn is_zero(&self) -> bool {
        self.num == BigUint::ZERO
    }

    pub fn numerator(&self) -> &BigUint {
        &self.num
    }

    pub fn denominator(&self) -> &BigUint {
        &self.den
    }

    pub fn add(&self, other: &Fraction) -> Fraction {
        if self.den == other.den {
            return Fraction {
                num: &self.num + &other.num,
                den: self.den.clone(),
            };
        }
        Fraction {
            num: &self.num * &other.den + &other.num * &self.den,
            den: &self.den * &other.den,
        }
    }

    /// `self / other`; `None` when `other` is zero.
    pub fn div(&self, other: &Fraction) -> Option<Fraction> {
        Fraction::new(&self.num * &other.den, &self.den * &other.num)
    }

    /// `1 - self`, or `None` when `self > 1`.
    pub fn one_minus(&self) -> Option<Fraction> {
        (self.num <= self.den).then(|| Fraction {
            num: &self.den - &self.num,
            den: self.den.clone(),
        })
    }

    /// The nearest `f64` (ties to even), for values in the normal range.
    pub fn to_f64(&self) -> f64 {
        ratio_to_f64(&self.num, &self.den)
    }

    /// `ln(self)` for `self > 0`, computed from the nearest double of the fraction, or for
    /// fractions close to 1 from `ln_1p` of the nearest double of `self - 1`, so that the
    /// logarithm keeps full relative precision in both regimes.
    pub fn ln(&self) -> f64 {
        let value = self.to_f64();
        if (0.5..=2.0).contains(&value) {
            let (diff, negative) = if self.num >= self.den {
                (&self.num - &self.den, false)
            } else {
                (&self.den - &self.num, true)
            };
            let x = ratio_to_f64(&diff, &self.den);
            if negative { (-x).ln_1p() } else { x.ln_1p() }
        } else {
            value.ln()
        }
    }
}

impl PartialOrd for Fraction {
    fn partial_cmp(&self, other: &Fraction) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Fraction {
    fn cmp(&self, other: &Fraction) -> Ordering {
        (&self.num * &other.den).cmp(&(&other.num * &self.den))
    }
}

/// `num / den` rounded to the nearest double, ties to even. `den` must be non-zero; results below
/// the normal range (never produced by vote counts) may be rounded twice.
pub fn ratio_to_f64(num: &BigUint, den: &BigUint) -> f64 {
    if *num == BigUint::ZERO || *den == BigUint::ZERO {
        return if *num == BigUint::ZERO {
            0.0
        } else {
            f64::INFINITY
        };
    }
    // Scale so that the integer quotient has 55 or 56 bits: 53 for the significand plus at least
    // two more to round with, and the remainder as the sticky bit.
    let shift = 55 - (num.bits() as i64 - den.bits() as i64);
    let (scaled_num, scaled_den) = if shift >= 0 {
        (num << shift as u64, den.clone())
    } else {
        (num.clone(), den << shift.unsigned_abs())
    };
    let quotient = &scaled_num / &scaled_den;
    let sticky = &scaled_num % &scaled_den != BigUint::ZERO;
    let Ok(q) = u64::try_from(&quotient) else {
        return f64::NAN; // unreachable: the quotient has at most 56 bits
    };
    let drop = (64 - q.leading_zeros()).saturating_sub(53);
    let mut significand = q >> drop;
    let rest = q & ((1u64 << drop) - 1);
    let half = 1u64 << drop.saturating_sub(1);
    if drop > 0 && (rest > half || (rest == half && (sticky || significand & 1 == 1))) {
        significand += 1;
    }
    scale_by_power_of_two(significand as f64, i64::from(drop) - shift)
}

/// `x · 2^exp`, exact while the result stays in the normal range.
fn scale_by_power_of_two(mut x: f64, mut exp: i64) -> f64 {
    // Apply in steps that keep each factor a normal double.
    while exp > 1000 {
        x *= 2f64.powi(1000);
        exp -= 1000;
    }
    while exp < -1000 {
        x *= 2f64.powi(-1000);
        exp += 1000;
    }
    x * 2f64.powi(exp as i32)
}

/// The exact value of a finite non-negative double as a fraction `m / 2^k`.
pub fn fraction_of_f64(x: f64) -> Option<Fraction> {
    if !x.is_finite() || x < 0.0 {
        return None;
    }
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    let mantissa = bits & ((1u64 << 52) - 1);
    let (significand, exp) = if exponent == 0 {
        (mantissa, -1074)
    } else {
        (mantissa | (1u64 << 52), exponent - 1075)
    };
    let one = BigUint::from(1u8);
    if exp >= 0 {
        Fraction::new(BigUint::from(significand) << exp as u64, one)
    } else {
        Fraction::new(BigUint::from(significand), one << exp.unsigned_abs())
    }
}

/// The decimal a double was most likely written as (its shortest round-trip representation, e.g.
/// 0.05 → 5/100), so that a risk limit typed as "5%" is compared as exactly 5/100, as Arlo's
/// `Decimal(risk_limit) / 100` does.
pub fn decimal_fraction_of_f64(x: f64) -> Option<Fraction> {
    if !x.is_finite() || x < 0.0 {
        return None;
    }
    // Rust's `Display` for f64 is the shortest round-trip decimal, never in exponent form.
    let text = x.to_string();
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let digits: String = whole.chars().chain(frac.chars()).collect();
    let num = digits.parse::<BigUint>().ok()?;
    Fraction::new(num, BigUint::from(10u8).pow(frac.len() as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frac(n: u64, d: u64) -> Fraction {
        Fraction::new(n, d).unwrap()
    }

    #[test]
    fn rounds_ratios_like_ieee_division() {
        for (n, d) in [
            (1u64, 3u64),
            (2, 3),
            (10, 7),
            (1, 10),
            (123456789, 1000),
            (7, 7),
        ] {
            assert_eq!(frac(n, d).to_f64(), n as f64 / d as f64, "{n}/{d}");
        }
        // Beyond 2^53 the integers themselves round; the exact quotient must still be nearest.
        let big = Fraction::new(BigUint::from(u64::MAX) * 3u8, 3u8).unwrap();
        assert_eq!(big.to_f64(), u64::MAX as f64);
        // A tie between two doubles goes to the even one: (2^53 + 1) / 1.
        assert_eq!(frac((1 << 53) + 1, 1).to_f64(), (1u64 << 53) as f64);
        assert_eq!(frac((1 << 53) + 3, 1).to_f64(), ((1u64 << 53) + 4) as f64);
    }

    #[test]
    fn orders_and_adds_exactly() {
        assert!(frac(1, 3) < frac(34, 100));
        assert_eq!(
            frac(1, 3).add(&frac(2, 3)).cmp(&frac(1, 1)),
            Ordering::Equal
        );
        assert_eq!(
            frac(1, 4).one_minus().unwrap().cmp(&frac(3, 4)),
            Ordering::Equal
        );
        assert!(frac(5, 4).one_minus().is_none());
    }

    #[test]
    fn reads_doubles_exactly_and_as_typed() {
        let tenth = fraction_of_f64(0.1).unwrap();
        assert!(tenth > frac(1, 10)); // 0.1 as a double is slightly above 1/10
        assert_eq!(tenth.to_f64(), 0.1);
        assert_eq!(
            decimal_fraction_of_f64(0.05).unwrap().cmp(&frac(5, 100)),
            Ordering::Equal
        );
        assert_eq!(
            decimal_fraction_of_f64(0.0000001)
                .unwrap()
                .cmp(&frac(1, 10_000_000)),
            Ordering::Equal
        );
    }

    #[test]
    fn logarithms_keep_precision_near_one() {
        let near_one = Fraction::new(BigUint::from(10u64.pow(15)) - 1u8, 10u64.pow(15)).unwrap();
        assert!((near_one.ln() - (-1e-15f64).ln_1p()).abs() < 1e-30);
        assert!((frac(1, 10).ln() - 0.1f64.ln()).abs() < 1e-15);
    }
}
