//! The `Pattern` type: a function from a query span to the haps inside it,
//! with the structural operations everything else is built from (time
//! transforms, applicative combination, the joins, concatenation, stacking).
//!
//! Semantics follow Strudel 1.2.6 (`@strudel/core`), including its `steps`
//! bookkeeping and its treatment of pure (constant) patterns.

use super::fraction::Fraction;
use super::hap::Hap;
use super::span::TimeSpan;
use std::fmt;
use std::sync::Arc;

type Query<T> = Arc<dyn Fn(TimeSpan) -> Vec<Hap<T>> + Send + Sync>;

/// A pattern: a query function from a span of cycles to the haps in it.
///
/// Cloning is cheap (the query is shared). `steps` is the number of steps per
/// cycle Strudel infers for stepwise functions and polymeters; `pure` holds the
/// value of a constant pattern, so that constant arguments never cut haps.
pub struct Pattern<T> {
    query: Query<T>,
    pub steps: Option<Fraction>,
    pub pure: Option<T>,
}

impl<T: Clone> Clone for Pattern<T> {
    fn clone(&self) -> Self {
        Pattern {
            query: self.query.clone(),
            steps: self.steps,
            pure: self.pure.clone(),
        }
    }
}

impl<T> fmt::Debug for Pattern<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pattern")
            .field("steps", &self.steps)
            .finish()
    }
}

/// What a pattern value needs to be: cheap enough to clone, shareable across
/// threads (patterns are queried ahead of the audio thread).
pub trait PatValue: Clone + Send + Sync + 'static {}
impl<T: Clone + Send + Sync + 'static> PatValue for T {}

impl<T: PatValue> Pattern<T> {
    pub fn new(query: impl Fn(TimeSpan) -> Vec<Hap<T>> + Send + Sync + 'static) -> Pattern<T> {
        Pattern {
            query: Arc::new(query),
            steps: None,
            pure: None,
        }
    }

    /// The haps whose parts lie in `span`.
    pub fn query(&self, span: TimeSpan) -> Vec<Hap<T>> {
        (self.query)(span)
    }

    pub fn query_arc(&self, begin: Fraction, end: Fraction) -> Vec<Hap<T>> {
        self.query(TimeSpan::new(begin, end))
    }

    pub fn with_steps(mut self, steps: Option<Fraction>) -> Pattern<T> {
        self.steps = steps;
        self
    }

    /// Queries cycle by cycle, so that the query function only ever sees spans
    /// within one cycle.
    pub fn split_queries(&self) -> Pattern<T> {
        let pat = self.clone();
        Pattern::new(move |span| {
            span.span_cycles()
                .into_iter()
                .flat_map(|s| pat.query(s))
                .collect()
        })
        .with_steps(self.steps)
    }

    pub fn with_query_span(
        &self,
        f: impl Fn(TimeSpan) -> TimeSpan + Send + Sync + 'static,
    ) -> Pattern<T> {
        let pat = self.clone();
        Pattern::new(move |span| pat.query(f(span)))
    }

    /// Like `with_query_span`, but `f` may drop the query altogether.
    pub fn with_query_span_maybe(
        &self,
        f: impl Fn(TimeSpan) -> Option<TimeSpan> + Send + Sync + 'static,
    ) -> Pattern<T> {
        let pat = self.clone();
        Pattern::new(move |span| f(span).map_or_else(Vec::new, |s| pat.query(s)))
    }

    pub fn with_query_time(
        &self,
        f: impl Fn(Fraction) -> Fraction + Send + Sync + 'static,
    ) -> Pattern<T> {
        self.with_query_span(move |span| span.with_time(&f))
    }

    pub fn with_hap_span(
        &self,
        f: impl Fn(TimeSpan) -> TimeSpan + Send + Sync + 'static,
    ) -> Pattern<T> {
        self.with_hap(move |hap| hap.with_span(&f))
    }

    pub fn with_hap_time(
        &self,
        f: impl Fn(Fraction) -> Fraction + Send + Sync + 'static,
    ) -> Pattern<T> {
        self.with_hap_span(move |span| span.with_time(&f))
    }

    pub fn with_haps(
        &self,
        f: impl Fn(Vec<Hap<T>>) -> Vec<Hap<T>> + Send + Sync + 'static,
    ) -> Pattern<T> {
        let pat = self.clone();
        Pattern::new(move |span| f(pat.query(span))).with_steps(self.steps)
    }

    pub fn with_hap<U: PatValue>(
        &self,
        f: impl Fn(Hap<T>) -> Hap<U> + Send + Sync + 'static,
    ) -> Pattern<U> {
        let pat = self.clone();
        Pattern::new(move |span| pat.query(span).into_iter().map(&f).collect())
            .with_steps(self.steps)
    }

    /// Maps every value (Strudel's `fmap` / `withValue`). Keeps steps and purity.
    pub fn fmap<U: PatValue>(&self, f: impl Fn(T) -> U + Send + Sync + 'static) -> Pattern<U> {
        let pure = self.pure.clone().map(&f);
        let mut result = self.with_hap(move |hap| hap.with_value(&f));
        result.pure = pure;
        result
    }

    pub fn filter_haps(
        &self,
        keep: impl Fn(&Hap<T>) -> bool + Send + Sync + 'static,
    ) -> Pattern<T> {
        self.with_haps(move |haps| haps.into_iter().filter(|h| keep(h)).collect())
    }

    pub fn filter_values(&self, keep: impl Fn(&T) -> bool + Send + Sync + 'static) -> Pattern<T> {
        self.filter_haps(move |hap| keep(&hap.value))
    }

    /// Only the fragments that contain their event's onset.
    pub fn filter_onsets(&self) -> Pattern<T> {
        self.filter_haps(Hap::has_onset)
    }

    /// Drops continuous haps (those without a whole).
    pub fn discrete_only(&self) -> Pattern<T> {
        self.filter_haps(|hap| hap.whole.is_some())
    }

    // ---- applicative combination ------------------------------------------

    /// Combines haps whose parts intersect; the whole is chosen by `whole`.
    fn app_whole<U: PatValue, R: PatValue>(
        &self,
        other: &Pattern<U>,
        whole: impl Fn(Option<TimeSpan>, Option<TimeSpan>) -> Option<Option<TimeSpan>>
            + Send
            + Sync
            + 'static,
        f: impl Fn(&T, &U) -> R + Send + Sync + 'static,
    ) -> Pattern<R> {
        let (left, right) = (self.clone(), other.clone());
        Pattern::new(move |span| {
            let rights = right.query(span);
            let mut haps = Vec::new();
            for l in left.query(span) {
                for r in &rights {
                    let Some(part) = l.part.intersection(r.part) else {
                        continue;
                    };
                    let Some(w) = whole(l.whole, r.whole) else {
                        continue;
                    };
                    haps.push(Hap::new(w, part, f(&l.value, &r.value)));
                }
            }
            haps
        })
    }

    /// Structure from both sides: wholes are the intersections (Tidal's `<*>`).
    pub fn app_both<U: PatValue, R: PatValue>(
        &self,
        other: &Pattern<U>,
        f: impl Fn(&T, &U) -> R + Send + Sync + 'static,
    ) -> Pattern<R> {
        let steps = lcm_steps([self.steps, other.steps]);
        self.app_whole(
            other,
            |a, b| match (a, b) {
                (Some(a), Some(b)) => a.intersection(b).map(Some),
                _ => Some(None),
            },
            f,
        )
        .with_steps(steps)
    }

    /// Structure from the left: each left hap is combined with the right haps
    /// that overlap its whole, keeping the left whole.
    pub fn app_left<U: PatValue, R: PatValue>(
        &self,
        other: &Pattern<U>,
        f: impl Fn(&T, &U) -> R + Send + Sync + 'static,
    ) -> Pattern<R> {
        let (left, right) = (self.clone(), other.clone());
        Pattern::new(move |span| {
            let mut haps = Vec::new();
            for l in left.query(span) {
                for r in right.query(l.whole_or_part()) {
                    if let Some(part) = l.part.intersection(r.part) {
                        haps.push(Hap::new(l.whole, part, f(&l.value, &r.value)));
                    }
                }
            }
            haps
        })
        .with_steps(self.steps)
    }

    /// Structure from the right (mirror of `app_left`).
    pub fn app_right<U: PatValue, R: PatValue>(
        &self,
        other: &Pattern<U>,
        f: impl Fn(&T, &U) -> R + Send + Sync + 'static,
    ) -> Pattern<R> {
        let (left, right) = (self.clone(), other.clone());
        Pattern::new(move |span| {
            let mut haps = Vec::new();
            for r in right.query(span) {
                for l in left.query(r.whole_or_part()) {
                    if let Some(part) = l.part.intersection(r.part) {
                        haps.push(Hap::new(r.whole, part, f(&l.value, &r.value)));
                    }
                }
            }
            haps
        })
        .with_steps(other.steps)
    }

    // ---- monadic joins ------------------------------------------------------

    fn bind_whole<U: PatValue>(
        &self,
        whole: impl Fn(Option<TimeSpan>, Option<TimeSpan>) -> Option<TimeSpan> + Send + Sync + 'static,
        f: impl Fn(&T) -> Pattern<U> + Send + Sync + 'static,
    ) -> Pattern<U> {
        let outer = self.clone();
        Pattern::new(move |span| {
            let mut haps = Vec::new();
            for a in outer.query(span) {
                for b in f(&a.value).query(a.part) {
                    haps.push(Hap::new(whole(a.whole, b.whole), b.part, b.value));
                }
            }
            haps
        })
    }

    /// Wholes are the intersection of outer and inner wholes.
    pub fn bind<U: PatValue>(
        &self,
        f: impl Fn(&T) -> Pattern<U> + Send + Sync + 'static,
    ) -> Pattern<U> {
        self.bind_whole(
            |a, b| match (a, b) {
                (Some(a), Some(b)) => a.intersection(b),
                _ => None,
            },
            f,
        )
    }

    /// Structure from the inner patterns (how patterned arguments apply).
    pub fn inner_bind<U: PatValue>(
        &self,
        f: impl Fn(&T) -> Pattern<U> + Send + Sync + 'static,
    ) -> Pattern<U> {
        self.bind_whole(|_, b| b, f)
    }

    /// Structure from the outer pattern.
    pub fn outer_bind<U: PatValue>(
        &self,
        f: impl Fn(&T) -> Pattern<U> + Send + Sync + 'static,
    ) -> Pattern<U> {
        self.bind_whole(|a, _| a, f).with_steps(self.steps)
    }

    /// Fits a whole cycle of each inner pattern into its outer event.
    pub fn squeeze_bind<U: PatValue>(
        &self,
        f: impl Fn(&T) -> Pattern<U> + Send + Sync + 'static,
    ) -> Pattern<U> {
        let outer = self.discrete_only();
        Pattern::new(move |span| {
            let mut haps = Vec::new();
            for o in outer.query(span) {
                let inner = f(&o.value).focus_span(o.whole_or_part());
                for i in inner.query(o.part) {
                    let whole = match (i.whole, o.whole) {
                        (Some(iw), Some(ow)) => match iw.intersection(ow) {
                            Some(w) => Some(w),
                            None => continue,
                        },
                        _ => None,
                    };
                    let Some(part) = i.part.intersection(o.part) else {
                        continue;
                    };
                    haps.push(Hap::new(whole, part, i.value));
                }
            }
            haps
        })
    }

    // ---- time ---------------------------------------------------------------

    /// Speeds the pattern up by a constant factor (`fast 2`). Zero and
    /// negative factors are silence: Strudel 1.2.6 queries a negative factor
    /// backwards and finds nothing (Tidal would reverse; Strudel is the
    /// reference).
    pub fn fast(&self, factor: Fraction) -> Pattern<T> {
        if factor <= Fraction::ZERO {
            return silence();
        }
        self.with_query_time(move |t| t * factor)
            .with_hap_time(move |t| t / factor)
            .with_steps(self.steps)
    }

    pub fn slow(&self, factor: Fraction) -> Pattern<T> {
        if factor.is_zero() {
            return silence();
        }
        self.fast(Fraction::ONE / factor)
    }

    /// Shifts the pattern earlier in time by a constant offset (`early 0.25`).
    pub fn early(&self, offset: Fraction) -> Pattern<T> {
        self.with_query_time(move |t| t + offset)
            .with_hap_time(move |t| t - offset)
            .with_steps(self.steps)
    }

    pub fn late(&self, offset: Fraction) -> Pattern<T> {
        self.early(-offset)
    }

    /// Plays one cycle of the pattern within `[begin, end)` of every cycle,
    /// silent elsewhere.
    pub fn compress(&self, begin: Fraction, end: Fraction) -> Pattern<T> {
        if begin > end
            || begin > Fraction::ONE
            || end > Fraction::ONE
            || begin < Fraction::ZERO
            || end < Fraction::ZERO
        {
            return silence();
        }
        if begin == end {
            return silence();
        }
        self.fast_gap(Fraction::ONE / (end - begin)).late(begin)
    }

    /// Speeds up by `factor` but plays only once per cycle, leaving a gap.
    pub fn fast_gap(&self, factor: Fraction) -> Pattern<T> {
        if factor <= Fraction::ZERO {
            return silence();
        }
        let query_fn = move |span: TimeSpan| {
            let cycle = span.begin.sam();
            let bpos = ((span.begin - cycle) * factor).min(Fraction::ONE);
            let epos = ((span.end - cycle) * factor).min(Fraction::ONE);
            if bpos >= Fraction::ONE {
                return None;
            }
            Some(TimeSpan::new(cycle + bpos, cycle + epos))
        };
        let hap_fn = move |hap: Hap<T>| {
            let (begin, end) = (hap.part.begin, hap.part.end);
            let cycle = begin.sam();
            let begin_pos = ((begin - cycle) / factor).min(Fraction::ONE);
            let end_pos = ((end - cycle) / factor).min(Fraction::ONE);
            let part = TimeSpan::new(cycle + begin_pos, cycle + end_pos);
            let whole = hap.whole.map(|w| {
                TimeSpan::new(
                    part.begin - (begin - w.begin) / factor,
                    part.end + (w.end - end) / factor,
                )
            });
            Hap::new(whole, part, hap.value)
        };
        self.with_query_span_maybe(query_fn)
            .with_hap(hap_fn)
            .split_queries()
    }

    /// Zooms so that `[begin, end)` fills each cycle, without gaps; the span
    /// may be longer than a cycle.
    pub fn focus(&self, begin: Fraction, end: Fraction) -> Pattern<T> {
        self.early(begin.sam())
            .fast(Fraction::ONE / (end - begin))
            .late(begin)
    }

    pub fn focus_span(&self, span: TimeSpan) -> Pattern<T> {
        self.focus(span.begin, span.end)
    }

    /// Reverses each cycle.
    pub fn rev(&self) -> Pattern<T> {
        let pat = self.clone();
        Pattern::new(move |span| {
            let cycle = span.begin.sam();
            let next_cycle = span.begin.next_sam();
            let reflect = move |s: TimeSpan| {
                let reflected = s.with_time(|t| cycle + (next_cycle - t));
                TimeSpan::new(reflected.end, reflected.begin)
            };
            pat.query(reflect(span))
                .into_iter()
                .map(|hap| Hap::new(hap.whole.map(reflect), reflect(hap.part), hap.value))
                .collect()
        })
        .split_queries()
        .with_steps(self.steps)
    }
}

impl<T: PatValue> Pattern<Pattern<T>> {
    pub fn inner_join(&self) -> Pattern<T> {
        self.inner_bind(Pattern::clone)
    }

    pub fn outer_join(&self) -> Pattern<T> {
        self.outer_bind(Pattern::clone)
    }

    pub fn squeeze_join(&self) -> Pattern<T> {
        self.squeeze_bind(Pattern::clone)
    }

    pub fn join(&self) -> Pattern<T> {
        self.bind(Pattern::clone)
    }
}

// ---- constructors -------------------------------------------------------------

/// No events (Strudel's `silence`: one step of nothing).
pub fn silence<T: PatValue>() -> Pattern<T> {
    Pattern::new(|_| Vec::new()).with_steps(Some(Fraction::ONE))
}

/// Like silence, but taking no steps (Strudel's `nothing`).
pub fn nothing<T: PatValue>() -> Pattern<T> {
    Pattern::new(|_| Vec::new()).with_steps(Some(Fraction::ZERO))
}

/// One event per cycle with this value.
pub fn pure<T: PatValue>(value: T) -> Pattern<T> {
    let v = value.clone();
    let mut pat = Pattern::new(move |span: TimeSpan| {
        span.span_cycles()
            .into_iter()
            .map(|s| {
                Hap::new(
                    Some(TimeSpan::new(s.begin.sam(), s.begin.sam() + Fraction::ONE)),
                    s,
                    v.clone(),
                )
            })
            .collect()
    })
    .with_steps(Some(Fraction::ONE));
    pat.pure = Some(value);
    pat
}

/// A continuous value: one whole-less hap covering any query.
pub fn steady<T: PatValue>(value: T) -> Pattern<T> {
    Pattern::new(move |span| vec![Hap::new(None, span, value.clone())])
}

/// A continuous signal: one whole-less hap valued at the query's begin.
pub fn signal<T: PatValue>(f: impl Fn(Fraction) -> T + Send + Sync + 'static) -> Pattern<T> {
    Pattern::new(move |span: TimeSpan| vec![Hap::new(None, span, f(span.begin))])
}

/// All patterns at once.
pub fn stack<T: PatValue>(pats: Vec<Pattern<T>>) -> Pattern<T> {
    let steps = lcm_steps(pats.iter().map(|p| p.steps));
    Pattern::new(move |span| pats.iter().flat_map(|p| p.query(span)).collect()).with_steps(steps)
}

/// One pattern per cycle, in turn, without skipping cycles of any of them.
pub fn slowcat<T: PatValue>(pats: Vec<Pattern<T>>) -> Pattern<T> {
    if pats.len() == 1 {
        return pats.into_iter().next().expect("one pattern");
    }
    if pats.is_empty() {
        return silence();
    }
    let steps = lcm_steps(pats.iter().map(|p| p.steps));
    let count = Fraction::from_int(pats.len() as i64);
    Pattern::new(move |span: TimeSpan| {
        let cycle = span.begin.floor_int();
        let index = cycle.rem_euclid(pats.len() as i64) as usize;
        let offset = span.begin.floor() - (span.begin / count).floor();
        pats[index]
            .with_hap_time(move |t| t + offset)
            .query(span.with_time(|t| t - offset))
    })
    .split_queries()
    .with_steps(steps)
}

/// One pattern per cycle, in turn, skipping cycles (Strudel's `slowcatPrime`).
pub fn slowcat_prime<T: PatValue>(pats: Vec<Pattern<T>>) -> Pattern<T> {
    if pats.is_empty() {
        return silence();
    }
    Pattern::new(move |span: TimeSpan| {
        let index = span.begin.floor_int().rem_euclid(pats.len() as i64) as usize;
        pats[index].query(span)
    })
    .split_queries()
}

/// All patterns squeezed into one cycle, one step each.
pub fn fastcat<T: PatValue>(pats: Vec<Pattern<T>>) -> Pattern<T> {
    let count = pats.len();
    if count == 1 {
        return pats.into_iter().next().expect("one pattern");
    }
    slowcat(pats)
        .fast(Fraction::from_int(count as i64))
        .with_steps(Some(Fraction::from_int(count as i64)))
}

/// Patterns squeezed into one cycle in proportion to their weights
/// (Strudel's `stepcat` / `timecat`).
pub fn timecat<T: PatValue>(weighted: Vec<(Fraction, Pattern<T>)>) -> Pattern<T> {
    if weighted.is_empty() {
        return nothing();
    }
    if weighted.len() == 1 {
        let (weight, pat) = weighted.into_iter().next().expect("one pattern");
        return pat.with_steps(Some(weight));
    }
    let total = weighted.iter().fold(Fraction::ZERO, |acc, (w, _)| acc + *w);
    let mut begin = Fraction::ZERO;
    let mut parts = Vec::new();
    for (weight, pat) in weighted {
        if weight.is_zero() {
            continue;
        }
        let end = begin + weight;
        parts.push(pat.compress(begin / total, end / total));
        begin = end;
    }
    stack(parts).with_steps(Some(total))
}

/// The least common multiple of the known step counts, if all are known.
pub fn lcm_steps(steps: impl IntoIterator<Item = Option<Fraction>>) -> Option<Fraction> {
    let mut result: Option<Fraction> = None;
    for s in steps {
        let s = s?;
        result = Some(match result {
            None => s,
            Some(r) => r.lcm(s),
        });
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(n: i128, d: i128) -> Fraction {
        Fraction::new(n, d)
    }

    fn onsets<T: PatValue>(pat: &Pattern<T>, b: i64, e: i64) -> Vec<(Fraction, Fraction, T)> {
        pat.query_arc(Fraction::from_int(b), Fraction::from_int(e))
            .into_iter()
            .filter(|h| h.has_onset())
            .map(|h| {
                let w = h.whole.expect("discrete");
                (w.begin, w.end, h.value)
            })
            .collect()
    }

    #[test]
    fn fastcat_divides_the_cycle() {
        let pat = fastcat(vec![pure("a"), pure("b")]);
        assert_eq!(
            onsets(&pat, 0, 1),
            vec![(f(0, 1), f(1, 2), "a"), (f(1, 2), f(1, 1), "b")]
        );
    }

    #[test]
    fn slowcat_alternates_without_skipping() {
        let pat = slowcat(vec![fastcat(vec![pure(1), pure(2)]), pure(3)]);
        let values: Vec<i32> = onsets(&pat, 0, 4).into_iter().map(|h| h.2).collect();
        assert_eq!(values, vec![1, 2, 3, 1, 2, 3]);
    }

    #[test]
    fn far_queries_stay_exact() {
        let pat = fastcat(vec![pure("a"), pure("b"), pure("c")]).fast(f(3, 2));
        let haps = pat.query_arc(Fraction::from_int(1_000_000), Fraction::from_int(1_000_001));
        assert!(!haps.is_empty());
        assert!(haps
            .iter()
            .all(|h| h.part.begin >= Fraction::from_int(1_000_000)));
    }

    #[test]
    fn rev_reflects_each_cycle() {
        let pat = fastcat(vec![pure("a"), pure("b"), pure("c")]).rev();
        let mut haps = onsets(&pat, 0, 1);
        haps.sort_by_key(|h| h.0);
        let values: Vec<&str> = haps.into_iter().map(|h| h.2).collect();
        assert_eq!(values, vec!["c", "b", "a"]);
    }
}
