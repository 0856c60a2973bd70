//! Euclidean rhythms as Strudel 1.2.6 makes them: Bjorklund's algorithm (in
//! the recursive form of Rohan Drape's Haskell Music Theory library, which
//! Strudel ports), its rotation convention, and `euclid`/`euclidRot`/
//! `euclidLegato` on patterns with constant arguments.
//!
//! Patterned arguments are the caller's: Strudel registers all three as
//! patternified functions (inner join over the argument patterns).

use super::core::{fastcat, pure, silence, timecat, PatValue, Pattern};
use super::fraction::Fraction;
use super::hap::Hap;

/// The onsets of `k` pulses spread over `n` steps. A negative `k` gives the
/// complement of `|k|` pulses (Strudel inverts). `None` when `|k| > n` or
/// `n < 0`, where Strudel fails.
pub fn bjorklund(k: i64, n: i64) -> Option<Vec<bool>> {
    let pulses = k.checked_abs()?;
    if n < 0 || pulses > n {
        return None;
    }
    let rests = n - pulses;
    let ones: Vec<Vec<bool>> = (0..pulses).map(|_| vec![true]).collect();
    let zeros: Vec<Vec<bool>> = (0..rests).map(|_| vec![false]).collect();
    let (front, back) = distribute((pulses, rests), (ones, zeros));
    let pattern = front.into_iter().chain(back).flatten();
    Some(if k < 0 {
        pattern.map(|on| !on).collect()
    } else {
        pattern.collect()
    })
}

type Groups = Vec<Vec<bool>>;

/// Repeatedly pairs the front groups with the back groups until at most one
/// group of either kind is left over.
fn distribute(counts: (i64, i64), groups: (Groups, Groups)) -> (Groups, Groups) {
    let (mut ons, mut offs) = counts;
    let (mut xs, mut ys) = groups;
    while ons.min(offs) > 1 {
        if ons > offs {
            // Pair the first `offs` front groups with every back group; the
            // remaining front groups become the new back.
            let rest = xs.split_off((offs as usize).min(xs.len()));
            xs = zip_concat(xs, ys);
            ys = rest;
            (ons, offs) = (offs, ons - offs);
        } else {
            let rest = ys.split_off((ons as usize).min(ys.len()));
            xs = zip_concat(xs, ys);
            ys = rest;
            offs -= ons;
        }
    }
    (xs, ys)
}

fn zip_concat(xs: Groups, ys: Groups) -> Groups {
    let mut ys = ys.into_iter();
    xs.into_iter()
        .map(|mut x| {
            if let Some(y) = ys.next() {
                x.extend(y);
            }
            x
        })
        .collect()
}

/// The rhythm rotated `rotation` steps to the right, the way Strudel does it
/// with JavaScript's `slice`: a rotation beyond the length does nothing.
pub fn rotate_right(rhythm: &[bool], rotation: i64) -> Vec<bool> {
    let len = rhythm.len() as i64;
    // `rotate(arr, -r)` is `arr.slice(-r).concat(arr.slice(0, -r))`.
    let js_index = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) } as usize;
    let split = js_index(rotation.saturating_neg());
    let mut result = rhythm[split..].to_vec();
    result.extend_from_slice(&rhythm[..split]);
    result
}

/// `pat` played on the onsets of the rhythm, one step each (Strudel's `struct`
/// with a list of 1s and 0s): structure from the rhythm, values from `pat`.
fn struct_bools<T: PatValue>(pat: &Pattern<T>, rhythm: &[bool]) -> Pattern<T> {
    let steps: Vec<Pattern<bool>> = rhythm.iter().map(|&on| pure(on)).collect();
    let structure = fastcat(steps);
    let steps_count = structure.steps;
    let combined = pat.app_right(&structure, |value, &on| on.then(|| value.clone()));
    Pattern::new(move |span| {
        combined
            .query(span)
            .into_iter()
            .filter_map(|hap| Some(Hap::new(hap.whole, hap.part, hap.value?)))
            .collect()
    })
    .with_steps(steps_count)
}

/// `euclidRot k n rot` with constants: `pat` on `k` of `n` steps, rotated
/// right by `rot` steps (`bd(3,8,2)` has onsets at 0, 1/4 and 5/8).
pub fn euclid_rot<T: PatValue>(pat: &Pattern<T>, k: i64, n: i64, rot: i64) -> Pattern<T> {
    match bjorklund(k, n) {
        Some(rhythm) if !rhythm.is_empty() => struct_bools(pat, &rotate_right(&rhythm, rot)),
        _ => silence(),
    }
}

/// `euclid k n` with constants.
pub fn euclid<T: PatValue>(pat: &Pattern<T>, k: i64, n: i64) -> Pattern<T> {
    euclid_rot(pat, k, n, 0)
}

/// `euclidLegato k n` (and `euclidLegatoRot` with `rot`): like `euclid`, but
/// each onset lasts until the next one.
pub fn euclid_legato<T: PatValue>(pat: &Pattern<T>, k: i64, n: i64, rot: i64) -> Pattern<T> {
    if k < 1 || n == 0 {
        return silence();
    }
    let Some(rhythm) = bjorklund(k, n) else {
        return silence();
    };
    // The length of each onset up to the next one; steps before the first
    // onset are dropped, as in Strudel.
    let mut lengths: Vec<i64> = Vec::new();
    for on in rhythm {
        match (on, lengths.last_mut()) {
            (true, _) => lengths.push(1),
            (false, Some(last)) => *last += 1,
            (false, None) => {}
        }
    }
    let structure = timecat(
        lengths
            .into_iter()
            .map(|l| (Fraction::from_int(l), pure(true)))
            .collect(),
    );
    pat.app_right(&structure, |value, _| value.clone())
        .late(Fraction::new(i128::from(rot), i128::from(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(rhythm: &[bool]) -> String {
        rhythm
            .iter()
            .map(|&on| if on { 'x' } else { '.' })
            .collect()
    }

    #[test]
    fn classic_rhythms() {
        let show = |k, n| bjorklund(k, n).map(|r| text(&r));
        assert_eq!(show(3, 8).as_deref(), Some("x..x..x."));
        assert_eq!(show(5, 8).as_deref(), Some("x.xx.xx."));
        assert_eq!(show(2, 5).as_deref(), Some("x.x.."));
        assert_eq!(show(7, 16).as_deref(), Some("x..x.x.x..x.x.x."));
        assert_eq!(show(0, 4).as_deref(), Some("...."));
        assert_eq!(show(-3, 8).as_deref(), Some(".xx.xx.x"));
        assert_eq!(show(9, 8), None);
    }

    #[test]
    fn rotation_goes_right_and_ignores_overlong_turns() {
        let r = bjorklund(3, 8).expect("valid");
        assert_eq!(text(&rotate_right(&r, 2)), "x.x..x..");
        assert_eq!(text(&rotate_right(&r, -1)), "..x..x.x");
        assert_eq!(text(&rotate_right(&r, 10)), "x..x..x.");
    }

    #[test]
    fn euclid_rot_onsets() {
        let pat = euclid_rot(&pure("bd"), 3, 8, 2);
        let onsets: Vec<Fraction> = pat
            .query_arc(Fraction::ZERO, Fraction::ONE)
            .into_iter()
            .map(|h| h.part.begin)
            .collect();
        assert_eq!(
            onsets,
            vec![Fraction::ZERO, Fraction::new(1, 4), Fraction::new(5, 8)]
        );
    }

    #[test]
    fn legato_fills_the_gaps() {
        let pat = euclid_legato(&pure("bd"), 3, 8, 0);
        let wholes: Vec<(Fraction, Fraction)> = pat
            .query_arc(Fraction::ZERO, Fraction::ONE)
            .into_iter()
            .filter_map(|h| h.whole.map(|w| (w.begin, w.end)))
            .collect();
        assert_eq!(
            wholes,
            vec![
                (Fraction::ZERO, Fraction::new(3, 8)),
                (Fraction::new(3, 8), Fraction::new(3, 4)),
                (Fraction::new(3, 4), Fraction::ONE)
            ]
        );
    }
}
