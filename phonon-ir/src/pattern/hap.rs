//! Haps: a value with the span it occupies (`whole`) and the fragment of it
//! that a query saw (`part`).

use super::span::TimeSpan;

#[derive(Clone, Debug, PartialEq)]
pub struct Hap<T> {
    /// The whole event; `None` for a sample of a continuous signal.
    pub whole: Option<TimeSpan>,
    /// The part of the event inside the query.
    pub part: TimeSpan,
    pub value: T,
}

impl<T> Hap<T> {
    pub fn new(whole: Option<TimeSpan>, part: TimeSpan, value: T) -> Hap<T> {
        Hap { whole, part, value }
    }

    pub fn whole_or_part(&self) -> TimeSpan {
        self.whole.unwrap_or(self.part)
    }

    /// True if this fragment contains the start of its event.
    pub fn has_onset(&self) -> bool {
        self.whole.is_some_and(|w| w.begin == self.part.begin)
    }

    pub fn with_span(self, f: impl Fn(TimeSpan) -> TimeSpan) -> Hap<T> {
        Hap {
            whole: self.whole.map(&f),
            part: f(self.part),
            value: self.value,
        }
    }

    pub fn with_value<U>(self, f: impl FnOnce(T) -> U) -> Hap<U> {
        Hap {
            whole: self.whole,
            part: self.part,
            value: f(self.value),
        }
    }
}
