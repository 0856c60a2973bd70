//! Where each node's state lies in its function's state memory, and copying
//! one node's state into another's across two compiled programs (the hot
//! swap carries an unchanged node's phase, filter memory or delay line over
//! to the program that replaces its own). No allocation.

use crate::delay_lines::line_slots;
use phonon_ir::dsp::NodeKind;

/// One node's state in its function's state memory: slots `first..first +
/// count`, slot `s` of lane `lane` at index `s * width + lane` (see the ABI
/// in [`crate::call`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeStateSlots {
    pub first: usize,
    pub count: usize,
    pub width: usize,
    pub lane: usize,
    /// For `delay`, `reverb` and `chorus`: their circular lines, whose write
    /// counters are shared by every lane of a packed function.
    pub lines: Option<NodeKind>,
    /// The sample rate the state was laid out for.
    pub rate: f32,
}

impl NodeStateSlots {
    /// Index of slot `slot` of this node's lane.
    fn index(&self, slot: usize) -> usize {
        (self.first + slot) * self.width + self.lane
    }

    /// The write counter in lane 0 of slot `slot`, if it is a valid position
    /// in a line of `len` elements.
    fn counter(&self, state: &[f32], slot: usize, len: usize) -> Option<usize> {
        let bits = state.get((self.first + slot) * self.width)?.to_bits();
        usize::try_from(bits)
            .ok()
            .filter(|&position| position < len)
    }

    /// Whether `other` keeps state of the same layout.
    pub fn same_layout(&self, other: &NodeStateSlots) -> bool {
        self.count == other.count && self.lines == other.lines && self.rate == other.rate
    }

    /// Copies `source`'s node state (in `from`, its function's state) into
    /// this node's (in `to`). A line is copied turned so that its newest
    /// element sits just behind this function's own write counter, which
    /// other lanes share and which therefore stays. Returns `false`,
    /// changing nothing, when the layouts differ or a slot lies outside a
    /// state.
    pub fn copy_from(&self, to: &mut [f32], source: &NodeStateSlots, from: &[f32]) -> bool {
        let last = self.count.saturating_sub(1);
        let fits = self.index(last) < to.len() && source.index(last) < from.len();
        if !self.same_layout(source) || self.count == 0 || !fits {
            return false;
        }
        let lines = || {
            self.lines
                .into_iter()
                .flat_map(|kind| line_slots(kind, self.rate))
        };
        let first_line = lines().map(|line| line.first).min().unwrap_or(self.count);
        for slot in 0..first_line.min(self.count) {
            if !lines().any(|line| line.counter == slot) {
                to[self.index(slot)] = from[source.index(slot)];
            }
        }
        for line in lines() {
            let (Some(old), Some(new)) = (
                source.counter(from, line.counter, line.len),
                self.counter(to, line.counter, line.len),
            ) else {
                continue;
            };
            // Element `e` goes to `(e + shift) % len`: two runs, the
            // line's oldest part to the end of the new one, then the rest.
            let shift = (new + line.len - old) % line.len;
            let wrap = line.len - shift;
            self.copy_run(to, line.first + shift, source, from, line.first, wrap);
            self.copy_run(to, line.first, source, from, line.first + wrap, shift);
        }
        true
    }

    /// Copies `count` slots from `source`'s slot `there` on into this
    /// node's slot `here` on, each in its own lane.
    fn copy_run(
        &self,
        to: &mut [f32],
        here: usize,
        source: &NodeStateSlots,
        from: &[f32],
        there: usize,
        count: usize,
    ) {
        if count == 0 {
            return;
        }
        let targets = to[self.index(here)..].iter_mut().step_by(self.width);
        let sources = from[source.index(there)..].iter().step_by(source.width);
        for (target, &value) in targets.zip(sources).take(count) {
            *target = value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(count: usize, width: usize, lane: usize, lines: Option<NodeKind>) -> NodeStateSlots {
        NodeStateSlots {
            first: 1,
            count,
            width,
            lane,
            lines,
            rate: 48_000.0,
        }
    }

    #[test]
    fn plain_slots_move_between_lanes() {
        let source = slots(3, 1, 0, None);
        let target = slots(3, 4, 2, None);
        let from = [9.0, 1.0, 2.0, 3.0];
        let mut to = vec![0.0; 16];
        assert!(target.copy_from(&mut to, &source, &from));
        assert_eq!([to[6], to[10], to[14]], [1.0, 2.0, 3.0]);
        assert_eq!(to.iter().filter(|&&x| x != 0.0).count(), 3);
    }

    #[test]
    fn a_delay_line_turns_to_the_target_counter_which_stays() {
        let len = line_slots(NodeKind::Delay, 48_000.0).next().unwrap().len;
        let count = 1 + len;
        let source = slots(count, 1, 0, Some(NodeKind::Delay));
        let target = slots(count, 4, 1, Some(NodeKind::Delay));
        let mut from = vec![0.0; 1 + count];
        from[1] = f32::from_bits(5);
        // The newest element, just behind the write counter.
        from[1 + 1 + 4] = 0.5;
        let mut to = vec![0.0; 4 * (1 + count)];
        to[4] = f32::from_bits(100);
        assert!(target.copy_from(&mut to, &source, &from));
        assert_eq!(to[4].to_bits(), 100, "the shared counter stays");
        assert_eq!(to[(1 + 1 + 99) * 4 + 1], 0.5);
        assert_eq!(to.iter().filter(|&&x| x == 0.5).count(), 1);
    }

    #[test]
    fn different_layouts_are_refused() {
        let mut to = vec![0.0; 8];
        assert!(!slots(2, 1, 0, None).copy_from(&mut to, &slots(3, 1, 0, None), &[1.0; 8]));
        assert!(to.iter().all(|&x| x == 0.0));
    }
}
