//! Time spans (arcs) in cycles, and the cycle arithmetic queries rely on.

use super::fraction::Fraction;
use std::fmt;

/// A span of time `[begin, end)` in cycles.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeSpan {
    pub begin: Fraction,
    pub end: Fraction,
}

impl TimeSpan {
    pub fn new(begin: Fraction, end: Fraction) -> TimeSpan {
        TimeSpan { begin, end }
    }

    pub fn duration(self) -> Fraction {
        self.end - self.begin
    }

    /// This span cut at cycle boundaries. A zero-width span is returned whole.
    pub fn span_cycles(self) -> Vec<TimeSpan> {
        let mut spans = Vec::new();
        if self.begin == self.end {
            spans.push(self);
            return spans;
        }
        let end_sam = self.end.sam();
        let mut begin = self.begin;
        while self.end > begin {
            if begin.sam() == end_sam {
                spans.push(TimeSpan::new(begin, self.end));
                break;
            }
            let next = begin.next_sam();
            spans.push(TimeSpan::new(begin, next));
            begin = next;
        }
        spans
    }

    /// The same span moved so that it starts within cycle zero.
    pub fn cycle_arc(self) -> TimeSpan {
        let begin = self.begin.cycle_pos();
        TimeSpan::new(begin, begin + self.duration())
    }

    pub fn with_time(self, f: impl Fn(Fraction) -> Fraction) -> TimeSpan {
        TimeSpan::new(f(self.begin), f(self.end))
    }

    pub fn with_end(self, f: impl Fn(Fraction) -> Fraction) -> TimeSpan {
        TimeSpan::new(self.begin, f(self.end))
    }

    /// Applies `f` to both ends relative to the cycle the span begins in.
    pub fn with_cycle(self, f: impl Fn(Fraction) -> Fraction) -> TimeSpan {
        let sam = self.begin.sam();
        TimeSpan::new(sam + f(self.begin - sam), sam + f(self.end - sam))
    }

    /// The overlap of two spans. Touching spans do not intersect, except that
    /// a zero-width span at the start of the other does (Strudel's rule).
    pub fn intersection(self, other: TimeSpan) -> Option<TimeSpan> {
        let begin = self.begin.max(other.begin);
        let end = self.end.min(other.end);
        if begin > end {
            return None;
        }
        if begin == end {
            if begin == self.end && self.begin < self.end {
                return None;
            }
            if begin == other.end && other.begin < other.end {
                return None;
            }
        }
        Some(TimeSpan::new(begin, end))
    }

    pub fn midpoint(self) -> Fraction {
        self.begin + self.duration() / Fraction::from_int(2)
    }
}

impl fmt::Debug for TimeSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.begin, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(b: (i128, i128), e: (i128, i128)) -> TimeSpan {
        TimeSpan::new(Fraction::new(b.0, b.1), Fraction::new(e.0, e.1))
    }

    #[test]
    fn span_cycles_splits_at_boundaries() {
        let pieces = span((1, 3), (7, 4)).span_cycles();
        assert_eq!(pieces, vec![span((1, 3), (1, 1)), span((1, 1), (7, 4))]);
        assert_eq!(span((2, 1), (2, 1)).span_cycles().len(), 1);
    }

    #[test]
    fn touching_spans_do_not_intersect() {
        assert_eq!(
            span((0, 1), (1, 2)).intersection(span((1, 2), (1, 1))),
            None
        );
        assert_eq!(
            span((0, 1), (1, 1)).intersection(span((0, 1), (0, 1))),
            Some(span((0, 1), (0, 1)))
        );
    }
}
