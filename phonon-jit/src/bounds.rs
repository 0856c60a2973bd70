//! Magnitude bounds: which values of a kernel stay below a known magnitude
//! whatever its inputs, so that a node downstream may leave out a check that
//! could never fire (a filter fed by an oscillator cannot overflow).

use crate::lanes::{LaneForm, Operand, Role};
use phonon_ir::dsp::NodeKind;
use phonon_ir::graph::Op;

/// The most an oscillator or noise source outputs, with room to spare: the
/// naive waveforms stay within 1, and the band-limiting residuals of the
/// at most four jumps that a 4-sample window can hold (the frequency is
/// clamped to half the rate) add at most 1 each. Only finiteness rests on
/// it, so it need not be tight.
const SOURCE_BOUND: f32 = 8.0;

/// The bound of `kind`'s output that holds whatever its inputs, if any.
fn source_bound(kind: NodeKind) -> Option<f32> {
    use NodeKind as K;
    match kind {
        K::Sine | K::Saw | K::Square | K::Pulse | K::Tri | K::Noise => Some(SOURCE_BOUND),
        K::Tanh => Some(1.0),
        _ => None,
    }
}

/// Per position of a packed group's kernels (all of one form), a bound on
/// the magnitude of its value in every lane, where the kernel's own nodes
/// guarantee one: constants, bounded sources, and sums, differences and
/// products of bounded values. Inputs from outside the kernel are unbounded.
pub(crate) fn magnitude_bounds(lanes: &[LaneForm]) -> Vec<Option<f32>> {
    let form = &lanes[0];
    let mut bounds: Vec<Option<f32>> = Vec::with_capacity(form.roles.len());
    for (position, role) in form.roles.iter().enumerate() {
        let bound = match role {
            Role::Const(_) => {
                lanes
                    .iter()
                    .try_fold(0.0f32, |most, lane| match lane.roles[position] {
                        Role::Const(value) if value.is_finite() => Some(most.max(value.abs())),
                        _ => None,
                    })
            }
            Role::Input(_) => None,
            Role::Compute { op, operands } => {
                let operand = |index: usize| match operands.get(index) {
                    Some(&Operand::Node(p)) => bounds.get(p).copied().flatten(),
                    _ => None,
                };
                match op {
                    Op::Add | Op::Sub => operand(0).zip(operand(1)).map(|(a, b)| a + b),
                    Op::Mul => operand(0).zip(operand(1)).map(|(a, b)| a * b),
                    Op::Neg => operand(0),
                    Op::Dsp(kind) => source_bound(*kind),
                    _ => None,
                }
            }
        };
        bounds.push(bound.filter(|bound| bound.is_finite()));
    }
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lanes::test_forms::{compute, form};

    #[test]
    fn an_oscillator_times_constants_is_bounded_in_every_lane() {
        let saw = |gain: f32| {
            form(vec![
                Role::Const(110.0),
                compute(Op::Dsp(NodeKind::Saw), &[0]),
                Role::Const(gain),
                compute(Op::Mul, &[1, 2]),
                Role::Const(0.5),
                compute(Op::Add, &[3, 4]),
            ])
        };
        let bounds = magnitude_bounds(&[saw(0.25), saw(-3.0)]);
        assert_eq!(bounds[1], Some(SOURCE_BOUND));
        assert_eq!(bounds[2], Some(3.0), "the largest constant of any lane");
        assert_eq!(bounds[5], Some(SOURCE_BOUND * 3.0 + 0.5));
    }

    #[test]
    fn inputs_filters_and_non_finite_constants_are_unbounded() {
        let bounds = magnitude_bounds(&[form(vec![
            Role::Input(0),
            Role::Const(800.0),
            compute(Op::Dsp(NodeKind::Lpf), &[0, 1, 1]),
            Role::Const(f32::INFINITY),
            compute(Op::Mul, &[2, 3]),
            compute(Op::Add, &[0, 1]),
        ])]);
        assert_eq!(bounds[0], None, "an input can hold anything");
        assert_eq!(bounds[2], None, "a filter's gain is not bounded here");
        assert_eq!(bounds[3], None);
        assert_eq!(bounds[4], None);
        assert_eq!(bounds[5], None);
    }

    #[test]
    fn a_product_too_large_for_f32_is_unbounded() {
        let bounds = magnitude_bounds(&[form(vec![Role::Const(1e30), compute(Op::Mul, &[0, 0])])]);
        assert_eq!(bounds[0], Some(1e30));
        assert_eq!(bounds[1], None);
    }
}
