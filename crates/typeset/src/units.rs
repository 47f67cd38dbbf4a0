//! Lengths in PostScript points.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};

/// A length in PostScript points (1/72 in), the unit of every position and width the
/// typesetter returns.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Pt(pub f64);

impl Pt {
    /// Zero length.
    pub const ZERO: Pt = Pt(0.0);

    /// A length given in inches.
    pub fn inches(v: f64) -> Pt {
        Pt(v * 72.0)
    }

    /// A length given in millimetres.
    pub fn mm(v: f64) -> Pt {
        Pt(v * 72.0 / 25.4)
    }

    /// The larger of two lengths.
    pub fn max(self, other: Pt) -> Pt {
        Pt(self.0.max(other.0))
    }

    /// The smaller of two lengths.
    pub fn min(self, other: Pt) -> Pt {
        Pt(self.0.min(other.0))
    }

    /// True when the value is a finite number.
    pub fn is_finite(self) -> bool {
        self.0.is_finite()
    }
}

impl fmt::Display for Pt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}pt", self.0)
    }
}

impl Add for Pt {
    type Output = Pt;
    fn add(self, rhs: Pt) -> Pt {
        Pt(self.0 + rhs.0)
    }
}

impl AddAssign for Pt {
    fn add_assign(&mut self, rhs: Pt) {
        self.0 += rhs.0;
    }
}

impl Sub for Pt {
    type Output = Pt;
    fn sub(self, rhs: Pt) -> Pt {
        Pt(self.0 - rhs.0)
    }
}

impl SubAssign for Pt {
    fn sub_assign(&mut self, rhs: Pt) {
        self.0 -= rhs.0;
    }
}

impl Neg for Pt {
    type Output = Pt;
    fn neg(self) -> Pt {
        Pt(-self.0)
    }
}

impl Mul<f64> for Pt {
    type Output = Pt;
    fn mul(self, rhs: f64) -> Pt {
        Pt(self.0 * rhs)
    }
}

impl Div<f64> for Pt {
    type Output = Pt;
    fn div(self, rhs: f64) -> Pt {
        Pt(self.0 / rhs)
    }
}

impl Sum for Pt {
    fn sum<I: Iterator<Item = Pt>>(iter: I) -> Pt {
        Pt(iter.map(|p| p.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_and_units() {
        assert_eq!(Pt::inches(1.0), Pt(72.0));
        assert!((Pt::mm(25.4).0 - 72.0).abs() < 1e-9);
        assert_eq!(Pt(1.0) + Pt(2.0) - Pt(0.5), Pt(2.5));
        assert_eq!(Pt(2.0) * 3.0, Pt(6.0));
        assert_eq!([Pt(1.0), Pt(2.0)].into_iter().sum::<Pt>(), Pt(3.0));
        assert_eq!(Pt(1.0).max(Pt(2.0)), Pt(2.0));
        assert_eq!(format!("{}", Pt(1.0)), "1.00pt");
    }
}
