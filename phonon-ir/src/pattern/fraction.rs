//! Exact rational time: every cycle position in the pattern engine is a
//! `Fraction`, so that `0.1` is exactly 1/10 and far arcs never drift.

use num_integer::Integer;
use num_rational::Ratio;
use num_traits::Zero;
use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};

/// An exact rational number of cycles (or any exact quantity: factors, offsets).
///
/// Backed by `i128` numerator and denominator, always reduced, so a query at
/// cycle 10^6 costs the same as one at cycle 0 and stays exact.
///
/// Arithmetic and comparison take a fast path when both operands' parts fit
/// in `i64` (almost always): the `i128` products cannot overflow, and the
/// reduction runs on `u64` when the result fits, avoiding the slow 128-bit
/// division. A reduced fraction is unique, so both paths give the same value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Fraction(Ratio<i128>);

impl Fraction {
    pub const ZERO: Fraction = Fraction(Ratio::new_raw(0, 1));
    pub const ONE: Fraction = Fraction(Ratio::new_raw(1, 1));

    /// `numer / denom`, reduced. Panics on a zero denominator, which callers rule out.
    pub fn new(numer: i128, denom: i128) -> Fraction {
        Fraction(Ratio::new(numer, denom))
    }

    pub fn from_int(n: i64) -> Fraction {
        Fraction(Ratio::from_integer(n as i128))
    }

    pub fn numer(self) -> i128 {
        *self.0.numer()
    }

    pub fn denom(self) -> i128 {
        *self.0.denom()
    }

    /// The exact value of a decimal or ratio literal: `"0.1"` is 1/10,
    /// `"-3/8"`, `"1e3"`, `"2.5e-1"`. `None` if the text is not such a number.
    pub fn parse(text: &str) -> Option<Fraction> {
        let text = text.trim();
        if let Some((n, d)) = text.split_once('/') {
            let n = Fraction::parse(n)?;
            let d = Fraction::parse(d)?;
            return (!d.is_zero()).then(|| n / d);
        }
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exponent) = match body.split_once(['e', 'E']) {
            Some((m, e)) => (m, e.parse::<i32>().ok()?),
            None => (body, 0),
        };
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let digits = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 30 {
            return None;
        }
        let mantissa: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        };
        let scale = exponent - frac_part.len() as i32;
        if scale.unsigned_abs() > 30 {
            return None;
        }
        let power = 10i128.checked_pow(scale.unsigned_abs())?;
        let value = if scale >= 0 {
            Fraction(Ratio::from_integer(mantissa.checked_mul(power)?))
        } else {
            Fraction(Ratio::new(mantissa, power))
        };
        Some(if negative { -value } else { value })
    }

    /// The fraction Strudel reads a float as: fraction.js's best rational
    /// approximation with denominators up to 10^7, found by walking the Farey
    /// sequence. `0.1` is 1/10 and `1/3` computed in floating point is 1/3.
    pub fn from_f64(value: f64) -> Option<Fraction> {
        if !value.is_finite() {
            return None;
        }
        let negative = value < 0.0;
        let mut x = value.abs();
        let result = if x % 1.0 == 0.0 {
            Fraction::new(x as i128, 1)
        } else {
            const LIMIT: f64 = 10_000_000.0;
            let mut scale = 1.0;
            if x >= 1.0 {
                scale = 10f64.powf((1.0 + x.log10()).floor());
                x /= scale;
            }
            let (mut a, mut b, mut c, mut d) = (0.0f64, 1.0f64, 1.0f64, 1.0f64);
            let (mut n, mut den) = (0.0f64, 1.0f64);
            while b <= LIMIT && d <= LIMIT {
                let mediant = (a + c) / (b + d);
                if x == mediant {
                    (n, den) = if b + d <= LIMIT {
                        (a + c, b + d)
                    } else if d > b {
                        (c, d)
                    } else {
                        (a, b)
                    };
                    break;
                }
                if x > mediant {
                    a += c;
                    b += d;
                } else {
                    c += a;
                    d += b;
                }
                (n, den) = if b > LIMIT { (c, d) } else { (a, b) };
            }
            Fraction::new(n as i128 * scale as i128, den as i128)
        };
        Some(if negative { -result } else { result })
    }

    pub fn to_f64(self) -> f64 {
        self.numer() as f64 / self.denom() as f64
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// The start of the cycle this time falls in (`sam` in Tidal).
    pub fn sam(self) -> Fraction {
        Fraction(self.0.floor())
    }

    /// The start of the next cycle.
    pub fn next_sam(self) -> Fraction {
        self.sam() + Fraction::ONE
    }

    /// Position within the cycle, `0 <= x < 1`.
    pub fn cycle_pos(self) -> Fraction {
        self - self.sam()
    }

    pub fn floor(self) -> Fraction {
        self.sam()
    }

    pub fn ceil(self) -> Fraction {
        Fraction(self.0.ceil())
    }

    /// `floor` as an integer (saturating far outside any musical range).
    pub fn floor_int(self) -> i64 {
        self.0
            .floor()
            .to_integer()
            .clamp(i64::MIN as i128, i64::MAX as i128) as i64
    }

    pub fn min(self, other: Fraction) -> Fraction {
        if other < self {
            other
        } else {
            self
        }
    }

    pub fn max(self, other: Fraction) -> Fraction {
        if other > self {
            other
        } else {
            self
        }
    }

    pub fn abs(self) -> Fraction {
        if self.0 < Ratio::zero() {
            -self
        } else {
            self
        }
    }

    /// Least common multiple of two fractions (lcm of numerators over gcd of denominators).
    pub fn lcm(self, other: Fraction) -> Fraction {
        if self.is_zero() || other.is_zero() {
            return Fraction::ZERO;
        }
        let numer = self.numer().abs().lcm(&other.numer().abs());
        let denom = self.denom().gcd(&other.denom());
        Fraction::new(numer, denom)
    }
}

impl From<i64> for Fraction {
    fn from(n: i64) -> Fraction {
        Fraction::from_int(n)
    }
}

impl Fraction {
    /// Numerator and denominator as `i128`s known to fit in `i64`.
    fn small_parts(self) -> Option<(i128, i128)> {
        let fits = |x: i128| i64::try_from(x).is_ok();
        (fits(self.numer()) && fits(self.denom())).then(|| (self.numer(), self.denom()))
    }

    /// `numer / denom` reduced, for `denom > 0`, on `u64` when both fit.
    fn reduced(numer: i128, denom: i128) -> Fraction {
        match (u64::try_from(numer.unsigned_abs()), u64::try_from(denom)) {
            (Ok(magnitude), Ok(denom)) => {
                let divisor = binary_gcd(magnitude, denom).max(1);
                let magnitude = i128::from(magnitude / divisor);
                let numer = if numer < 0 { -magnitude } else { magnitude };
                Fraction(Ratio::new_raw(numer, i128::from(denom / divisor)))
            }
            _ => Fraction(Ratio::new(numer, denom)),
        }
    }
}

/// Stein's binary gcd: shifts and subtractions only.
fn binary_gcd(mut a: u64, mut b: u64) -> u64 {
    if a == 0 || b == 0 {
        return a | b;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

impl Ord for Fraction {
    fn cmp(&self, other: &Fraction) -> Ordering {
        match (self.small_parts(), other.small_parts()) {
            // Denominators are positive, so cross-multiplying keeps the order.
            (Some((a, b)), Some((c, d))) => (a * d).cmp(&(c * b)),
            _ => self.0.cmp(&other.0),
        }
    }
}

impl PartialOrd for Fraction {
    fn partial_cmp(&self, other: &Fraction) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Add for Fraction {
    type Output = Fraction;
    fn add(self, rhs: Fraction) -> Fraction {
        match (self.small_parts(), rhs.small_parts()) {
            (Some((a, b)), Some((c, d))) => Fraction::reduced(a * d + c * b, b * d),
            _ => Fraction(self.0 + rhs.0),
        }
    }
}

impl Sub for Fraction {
    type Output = Fraction;
    fn sub(self, rhs: Fraction) -> Fraction {
        match (self.small_parts(), rhs.small_parts()) {
            (Some((a, b)), Some((c, d))) => Fraction::reduced(a * d - c * b, b * d),
            _ => Fraction(self.0 - rhs.0),
        }
    }
}

impl Mul for Fraction {
    type Output = Fraction;
    fn mul(self, rhs: Fraction) -> Fraction {
        match (self.small_parts(), rhs.small_parts()) {
            (Some((a, b)), Some((c, d))) => Fraction::reduced(a * c, b * d),
            _ => Fraction(self.0 * rhs.0),
        }
    }
}

impl Div for Fraction {
    type Output = Fraction;
    fn div(self, rhs: Fraction) -> Fraction {
        match (self.small_parts(), rhs.small_parts()) {
            (Some((a, b)), Some((c, d))) if c != 0 => {
                let (numer, denom) = (a * d, b * c);
                if denom < 0 {
                    Fraction::reduced(-numer, -denom)
                } else {
                    Fraction::reduced(numer, denom)
                }
            }
            // A zero divisor panics there, as documented on `new`.
            _ => Fraction(self.0 / rhs.0),
        }
    }
}

impl AddAssign for Fraction {
    fn add_assign(&mut self, rhs: Fraction) {
        *self = *self + rhs;
    }
}

impl SubAssign for Fraction {
    fn sub_assign(&mut self, rhs: Fraction) {
        *self = *self - rhs;
    }
}

impl Neg for Fraction {
    type Output = Fraction;
    fn neg(self) -> Fraction {
        Fraction(-self.0)
    }
}

/// `n` or `n/d`, reduced, sign on the numerator (the conformance format).
impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.denom() == 1 {
            write!(f, "{}", self.numer())
        } else {
            write!(f, "{}/{}", self.numer(), self.denom())
        }
    }
}

impl fmt::Debug for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        assert_eq!(Fraction::parse("0.1"), Some(Fraction::new(1, 10)));
        assert_eq!(Fraction::parse("-3/8"), Some(Fraction::new(-3, 8)));
        assert_eq!(Fraction::parse("1e3"), Some(Fraction::from_int(1000)));
        assert_eq!(Fraction::parse("2.5e-1"), Some(Fraction::new(1, 4)));
        assert_eq!(Fraction::from_f64(0.1), Some(Fraction::new(1, 10)));
        assert_eq!(Fraction::from_f64(1.0 / 3.0), Some(Fraction::new(1, 3)));
        assert_eq!(Fraction::from_f64(-1.1), Some(Fraction::new(-11, 10)));
        assert_eq!(Fraction::from_f64(0.125), Some(Fraction::new(1, 8)));
        assert_eq!(Fraction::parse("x"), None);
        assert_eq!(Fraction::parse("1/0"), None);
    }

    #[test]
    fn fast_paths_agree_with_plain_rationals() {
        let big = i128::from(i64::MAX) * 3;
        let values = [
            Fraction::ZERO,
            Fraction::ONE,
            Fraction::new(-7, 3),
            Fraction::new(44_100, 7),
            Fraction::new(1, 1 << 40),
            Fraction::new(i128::from(i64::MAX), 2),
            Fraction::new(i128::from(i64::MIN) + 1, 3),
            Fraction::new(big, 7),
            Fraction::new(-5, big),
        ];
        for &x in &values {
            for &y in &values {
                assert_eq!(x.cmp(&y), x.0.cmp(&y.0), "{x} <=> {y}");
                // Plain rationals overflow on the large ones.
                if x.small_parts().is_some() && y.small_parts().is_some() {
                    assert_eq!(x + y, Fraction(x.0 + y.0), "{x} + {y}");
                    assert_eq!(x - y, Fraction(x.0 - y.0), "{x} - {y}");
                    assert_eq!(x * y, Fraction(x.0 * y.0), "{x} * {y}");
                    if !y.is_zero() {
                        assert_eq!(x / y, Fraction(x.0 / y.0), "{x} / {y}");
                    }
                }
            }
        }
        assert_eq!(binary_gcd(0, 12), 12);
        assert_eq!(binary_gcd(48, 180), 12);
        assert_eq!(binary_gcd(u64::MAX, u64::MAX - 1), 1);
    }

    #[test]
    fn cycle_arithmetic() {
        let t = Fraction::new(-1, 3);
        assert_eq!(t.sam(), Fraction::from_int(-1));
        assert_eq!(t.cycle_pos(), Fraction::new(2, 3));
        assert_eq!(Fraction::new(7, 4).to_string(), "7/4");
        assert_eq!(
            Fraction::new(3, 2).lcm(Fraction::new(5, 4)),
            Fraction::new(15, 2)
        );
    }
}
