//! The pattern engine: exact rational time, haps with `whole` and `part`, and
//! patterns as query functions, matching Strudel 1.2.6 hap for hap.

pub mod core;
pub mod euclid;
pub mod fraction;
pub mod hap;
pub mod mini;
pub mod note;
pub mod random;
pub mod signals;
pub mod span;
pub mod transform;
pub mod value;

pub use self::core::{
    fastcat, nothing, pure, signal, silence, slowcat, stack, steady, timecat, PatValue, Pattern,
};
pub use fraction::Fraction;
pub use hap::Hap;
pub use span::TimeSpan;
pub use value::Value;
