//! The cost model: from measured kernel times, which thread runs which
//! kernel of a stage, and whether a stage is worth splitting at all. Pure
//! arithmetic on preallocated slices, so the scheduler can re-plan on the
//! audio thread; it knows nothing of threads.

/// What handing a stage to the workers and waiting for them costs, in
/// nanoseconds: a spinning hand-off measured 0.13 µs per round trip on a
/// 2-vCPU machine; the rest is margin for the cache misses of running a
/// kernel's state on another core.
pub const STAGE_HANDOFF_NS: u64 = 3_000;

/// The least time a whole block must gain from parallel stages before any
/// is split: a worker that fell asleep between blocks takes about 51 µs to
/// wake, which the first parallel stage of the block pays.
pub const MIN_BLOCK_GAIN_NS: u64 = 25_000;

/// Assigns the kernels of one stage to `loads.len()` threads by greedy
/// longest-processing-time bin packing: kernels in falling order of
/// `costs`, each to the least loaded thread (the lowest index on a tie,
/// so thread 0, the caller's, fills first). Writes each kernel's thread into
/// `owners` and returns `(serial, makespan)`: the stage's time on one thread
/// and on the most loaded one. `order` is scratch of `costs.len()`.
pub fn pack_stage(
    costs: &[u64],
    owners: &mut [usize],
    order: &mut [usize],
    loads: &mut [u64],
) -> (u64, u64) {
    for (k, slot) in order.iter_mut().enumerate() {
        *slot = k;
    }
    // Stable on equal costs: kernels keep their program order.
    order.sort_unstable_by(|&a, &b| costs[b].cmp(&costs[a]).then(a.cmp(&b)));
    loads.fill(0);
    for &k in order.iter() {
        let (thread, _) = loads
            .iter()
            .enumerate()
            .min_by_key(|&(t, &load)| (load, t))
            .unwrap_or((0, &0));
        owners[k] = thread;
        if let Some(load) = loads.get_mut(thread) {
            *load += costs[k];
        }
    }
    let serial = costs.iter().sum();
    let makespan = loads.iter().copied().max().unwrap_or(0);
    (serial, makespan)
}

/// Whether a stage whose one-thread time is `serial` and whose packed time is
/// `makespan` gains more than the hand-off costs.
pub fn worth_splitting(serial: u64, makespan: u64) -> bool {
    serial.saturating_sub(makespan) > STAGE_HANDOFF_NS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(costs: &[u64], threads: usize) -> (Vec<usize>, u64, u64) {
        let mut owners = vec![usize::MAX; costs.len()];
        let mut order = vec![0; costs.len()];
        let mut loads = vec![0; threads];
        let (serial, makespan) = pack_stage(costs, &mut owners, &mut order, &mut loads);
        (owners, serial, makespan)
    }

    #[test]
    fn the_longest_kernels_are_spread_first() {
        let (owners, serial, makespan) = pack(&[10, 70, 30, 40, 50], 2);
        assert_eq!(serial, 200);
        // 70 -> t0, 50 -> t1, 40 -> t1 (90), 30 -> t0 (100), 10 -> t1 (100).
        assert_eq!(owners, vec![1, 0, 0, 1, 1]);
        assert_eq!(makespan, 100);
    }

    #[test]
    fn one_thread_takes_everything() {
        let (owners, serial, makespan) = pack(&[5, 6, 7], 1);
        assert_eq!(owners, vec![0, 0, 0]);
        assert_eq!((serial, makespan), (18, 18));
    }

    #[test]
    fn a_kernel_that_dominates_leaves_nothing_to_gain() {
        let (_, serial, makespan) = pack(&[100_000, 1_000, 1_000], 2);
        assert_eq!(makespan, 100_000);
        assert!(
            !worth_splitting(serial, makespan),
            "a 2 µs gain is below the hand-off"
        );
        let (_, serial, makespan) = pack(&[50_000, 50_000], 2);
        assert!(worth_splitting(serial, makespan));
    }

    #[test]
    fn equal_costs_alternate_in_program_order() {
        let (owners, _, makespan) = pack(&[1, 1, 1, 1], 2);
        assert_eq!(owners, vec![0, 1, 0, 1]);
        assert_eq!(makespan, 2);
    }
}
