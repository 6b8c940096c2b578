//! Python `decimal` arithmetic in Arlo's context (28 significant digits, ROUND_HALF_EVEN), for the few
//! steps where Arlo turns a `Decimal` into an integer and an error in the 17th digit changes the answer.
//!
//! Why this exists: Arlo builds `Decimal`s from binary floats *exactly* (`Decimal(0.001)` is
//! 0.001000000000000000020816…), rounds every sum, product and quotient to 28 digits, and then takes
//! `ceil` or rounds half-up. Two examples where `f64` gives a different integer:
//! * BRAVO `bravo_sample_sizes` (bravo.py L269) returns `ceil(size / p_wr)` with
//!   `p_wr = Decimal(V_w/N) + Decimal(V_l/N)`; when `V_w + V_l = N` that sum is `1 − 5e-17` for about two
//!   contests in three, so Arlo returns `size + 1` where `f64` arithmetic returns `size`.
//! * Super-simple `get_sample_sizes` (supersimple.py L232) takes `ceil(Decimal(0.001) * n0)`, which is
//!   `n0/1000 + 1` (not `n0/1000`) whenever 1000 divides `n0`.
//!
//! Only non-negative finite values are needed, so that is all this type holds. Transcendental
//! functions (`ln`, `sqrt`) are not emulated: they feed continuous quantities, where `f64` agrees with
//! Arlo's 28-digit values to about 1e-15 relative (see the precision notes in `bravo` and `supersimple`).

use std::cmp::Ordering;

use num_bigint::BigUint;

/// Python's default context precision, which Arlo never changes.
const PRECISION: usize = 28;

/// A non-negative decimal `coefficient × 10^exponent`, as Python's `Decimal` holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyDecimal {
    coefficient: BigUint,
    exponent: i64,
}

impl PyDecimal {
    /// `Decimal(n)`: exact.
    pub(crate) fn from_u64(n: u64) -> PyDecimal {
        PyDecimal {
            coefficient: BigUint::from(n),
            exponent: 0,
        }
    }

    /// `Decimal(x)` for a float: the float's exact binary value, with no rounding (as Python does).
    /// `None` for negative, infinite or NaN input.
    pub(crate) fn from_f64(x: f64) -> Option<PyDecimal> {
        if !x.is_finite() || x < 0.0 {
            return None;
        }
        if x == 0.0 {
            return Some(PyDecimal::from_u64(0));
        }
        let bits = x.to_bits();
        let raw_exponent = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1u64 << 52) - 1);
        // x = mantissa × 2^power exactly.
        let (mantissa, power) = if raw_exponent == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1u64 << 52), raw_exponent - 1075)
        };
        let mantissa = BigUint::from(mantissa);
        Some(if power >= 0 {
            PyDecimal {
                coefficient: mantissa << (power as u64),
                exponent: 0,
            }
        } else {
            // m × 2^-k = m × 5^k × 10^-k.
            let k = power.unsigned_abs();
            PyDecimal {
                coefficient: mantissa * BigUint::from(5u32).pow(k as u32),
                exponent: power,
            }
        })
    }

    /// `self + other`, rounded to 28 digits.
    pub(crate) fn add(&self, other: &PyDecimal) -> PyDecimal {
        let exponent = self.exponent.min(other.exponent);
        let a = shift_up(&self.coefficient, self.exponent - exponent);
        let b = shift_up(&other.coefficient, other.exponent - exponent);
        round_to_context(a + b, exponent, false)
    }

    /// `self + other` with no rounding (Java's `BigDecimal.add` without a context).
    pub(crate) fn add_exact(&self, other: &PyDecimal) -> PyDecimal {
        let exponent = self.exponent.min(other.exponent);
        let a = shift_up(&self.coefficient, self.exponent - exponent);
        let b = shift_up(&other.coefficient, other.exponent - exponent);
        PyDecimal {
            coefficient: a + b,
            exponent,
        }
    }

    /// `self * other` with no rounding (Java's `BigDecimal.multiply` without a context).
    pub(crate) fn mul_exact(&self, other: &PyDecimal) -> PyDecimal {
        PyDecimal {
            coefficient: &self.coefficient * &other.coefficient,
            exponent: self.exponent + other.exponent,
        }
    }

    /// `self * other`, rounded to 28 digits.
    pub(crate) fn mul(&self, other: &PyDecimal) -> PyDecimal {
        round_to_context(
            &self.coefficient * &other.coefficient,
            self.exponent + other.exponent,
            false,
        )
    }

    /// `self / other`, correctly rounded to 28 digits; `None` when `other` is zero (Python raises).
    pub(crate) fn div(&self, other: &PyDecimal) -> Option<PyDecimal> {
        self.div_to(other, PRECISION)
    }

    /// `self / other` correctly rounded (half to even) to `precision` significant digits, as Java's
    /// `BigDecimal.divide(…, MathContext)` also does (ColoradoRLA uses 34, `DECIMAL128`).
    pub(crate) fn div_to(&self, other: &PyDecimal, precision: usize) -> Option<PyDecimal> {
        if other.coefficient == BigUint::ZERO {
            return None;
        }
        if self.coefficient == BigUint::ZERO {
            return Some(PyDecimal::from_u64(0));
        }
        // Scale the dividend so the integer quotient has more than 28 digits; the remainder then
        // only decides ties and the direction of rounding.
        let extra =
            (precision + 2 + digits(&other.coefficient)).saturating_sub(digits(&self.coefficient));
        let scaled = shift_up(&self.coefficient, extra as i64);
        let quotient = &scaled / &other.coefficient;
        let inexact = &scaled % &other.coefficient != BigUint::ZERO;
        Some(round_to_digits(
            quotient,
            self.exponent - other.exponent - extra as i64,
            inexact,
            precision,
        ))
    }

    /// `math.ceil(self)`, saturating at `u64::MAX`.
    pub(crate) fn ceil(&self) -> u64 {
        let (whole, has_fraction) = self.split_integer();
        let whole = if has_fraction.is_gt() {
            whole + 1u32
        } else {
            whole
        };
        u64::try_from(&whole).unwrap_or(u64::MAX)
    }

    /// `self.quantize(Decimal(1), ROUND_HALF_UP)`, saturating at `u64::MAX`.
    pub(crate) fn round_half_up(&self) -> u64 {
        let (whole, fraction_vs_half) = self.split_half();
        let whole = if fraction_vs_half.is_ge() {
            whole + 1u32
        } else {
            whole
        };
        u64::try_from(&whole).unwrap_or(u64::MAX)
    }

    /// `float(self)`: the nearest double (Rust's parser rounds correctly, as CPython's does).
    pub(crate) fn to_f64(&self) -> f64 {
        format!("{}e{}", self.coefficient, self.exponent)
            .parse()
            .unwrap_or(f64::NAN)
    }

    /// The integer part, and whether a non-zero fraction was dropped (`Greater`) or not (`Equal`).
    fn split_integer(&self) -> (BigUint, Ordering) {
        if self.exponent >= 0 {
            return (shift_up(&self.coefficient, self.exponent), Ordering::Equal);
        }
        let scale = pow10(self.exponent.unsigned_abs());
        let whole = &self.coefficient / &scale;
        let rest = &self.coefficient % &scale;
        let ord = if rest == BigUint::ZERO {
            Ordering::Equal
        } else {
            Ordering::Greater
        };
        (whole, ord)
    }

    /// The integer part, and how the dropped fraction compares with one half.
    fn split_half(&self) -> (BigUint, Ordering) {
        if self.exponent >= 0 {
            return (shift_up(&self.coefficient, self.exponent), Ordering::Less);
        }
        let scale = pow10(self.exponent.unsigned_abs());
        let whole = &self.coefficient / &scale;
        let rest: BigUint = &self.coefficient % &scale;
        ((whole), (rest * 2u32).cmp(&scale))
    }
}

fn pow10(k: u64) -> BigUint {
    BigUint::from(10u32).pow(u32::try_from(k).unwrap_or(u32::MAX))
}

fn shift_up(coefficient: &BigUint, by: i64) -> BigUint {
    if by <= 0 {
        coefficient.clone()
    } else {
        coefficient * pow10(by.unsigned_abs())
    }
}

/// Number of decimal digits of `n` (1 for zero).
fn digits(n: &BigUint) -> usize {
    if *n == BigUint::ZERO {
        return 1;
    }
    // bits × log10(2) is within one of the digit count; settle it with one comparison.
    let estimate = ((n.bits() as f64) * std::f64::consts::LOG10_2).floor() as u64;
    if *n >= pow10(estimate) {
        estimate as usize + 1
    } else {
        estimate as usize
    }
}

/// Rounds `coefficient × 10^exponent` to 28 significant digits, half to even.
fn round_to_context(coefficient: BigUint, exponent: i64, sticky: bool) -> PyDecimal {
    round_to_digits(coefficient, exponent, sticky, PRECISION)
}

/// Rounds `coefficient × 10^exponent` to `precision` significant digits, half to even. `sticky` says
/// that the true value is a little larger than the one given (a division left a remainder).
fn round_to_digits(
    coefficient: BigUint,
    exponent: i64,
    sticky: bool,
    precision: usize,
) -> PyDecimal {
    let n = digits(&coefficient);
    if n <= precision {
        // A sticky remainder only arises from division, which always hands over more than 28 digits.
        return PyDecimal {
            coefficient,
            exponent,
        };
    }
    let drop = (n - precision) as u64;
    let scale = pow10(drop);
    let mut kept = &coefficient / &scale;
    let rest: BigUint = &coefficient % &scale;
    let twice = rest * 2u32;
    let round_up = match twice.cmp(&scale) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => sticky || kept.bit(0),
    };
    if round_up {
        kept += 1u32;
    }
    PyDecimal {
        coefficient: kept,
        exponent: exponent + drop as i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(x: f64) -> PyDecimal {
        PyDecimal::from_f64(x).unwrap()
    }

    /// `coefficient e exponent` with trailing zeros moved into the exponent, as Python prints it.
    fn text(d: &PyDecimal) -> String {
        let digits = d.coefficient.to_string();
        let trimmed = digits.trim_end_matches('0');
        if trimmed.is_empty() {
            return "0e0".to_string();
        }
        let shift = (digits.len() - trimmed.len()) as i64;
        format!("{}e{}", trimmed, d.exponent + shift)
    }

    // Reference values from CPython 3.11 `decimal` (default context).
    #[test]
    fn float_conversion_is_exact() {
        let d = dec(0.001);
        assert_eq!(
            text(&d),
            "1000000000000000020816681711721685132943093776702880859375e-60"
        );
        assert_eq!(text(&dec(0.5)), "5e-1");
        assert_eq!(dec(3.0).ceil(), 3);
        assert_eq!(dec(0.001).to_f64(), 0.001);
    }

    #[test]
    fn sum_of_shares_rounds_to_28_digits() {
        // Decimal(737484/756294) + Decimal(18810/756294) == Decimal('0.9999999999999999514277426726')
        let s = dec(737484.0 / 756294.0).add(&dec(18810.0 / 756294.0));
        assert_eq!(text(&s), "9999999999999999514277426726e-28");
        // ... and 469/1000 + 531/1000 is exactly 1.
        let one = dec(0.469).add(&dec(0.531));
        assert_eq!(one.ceil(), 1);
        assert_eq!(one.to_f64(), 1.0);
        // so 1000 / that sum is 1000.00000000000004857…, whose ceiling is 1001.
        assert_eq!(PyDecimal::from_u64(1000).div(&s).unwrap().ceil(), 1001);
    }

    #[test]
    fn products_keep_the_float_excess() {
        // (Decimal(0.001) * 1000) == Decimal('1.000000000000000020816681712')
        let p = dec(0.001).mul(&PyDecimal::from_u64(1000));
        assert_eq!(text(&p), "1000000000000000020816681712e-27");
        assert_eq!(p.ceil(), 2);
        assert_eq!(p.round_half_up(), 1);
        // Decimal(0.0001) * 5000 rounds half up to 1.
        assert_eq!(
            dec(0.0001).mul(&PyDecimal::from_u64(5000)).round_half_up(),
            1
        );
    }

    #[test]
    fn division_rounds_half_even_with_sticky_remainder() {
        // Decimal(1)/Decimal(6) == Decimal('0.1666666666666666666666666667')
        let d = PyDecimal::from_u64(1).div(&PyDecimal::from_u64(6)).unwrap();
        assert_eq!(text(&d), "1666666666666666666666666667e-28");
        // Decimal(2)/Decimal(3) == Decimal('0.6666666666666666666666666667')
        let d = PyDecimal::from_u64(2).div(&PyDecimal::from_u64(3)).unwrap();
        assert_eq!(text(&d), "6666666666666666666666666667e-28");
        // (Decimal(1)/Decimal(6)) * 600000 == Decimal('100000.0000000000000000000000'): the product's
        // rounding swallows the quotient's excess, so the ceiling is 100000.
        let p = PyDecimal::from_u64(1)
            .div(&PyDecimal::from_u64(6))
            .unwrap()
            .mul(&PyDecimal::from_u64(600000));
        assert_eq!(p.ceil(), 100000);
        // Decimal(1000) / (Decimal(737484/756294) + Decimal(18810/756294))
        //   == Decimal('1000.000000000000048572257327')
        let s = dec(737484.0 / 756294.0).add(&dec(18810.0 / 756294.0));
        let q = PyDecimal::from_u64(1000).div(&s).unwrap();
        assert_eq!(text(&q), "1000000000000000048572257327e-24");
        assert!(
            PyDecimal::from_u64(1)
                .div(&PyDecimal::from_u64(0))
                .is_none()
        );
    }
}
