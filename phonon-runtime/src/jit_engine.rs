//! The native engine: a staged program compiled by `phonon-jit` behind the
//! [`Engine`] trait, so the renderer can run it where it runs the
//! interpreter. It only moves buffers: control, voice and gate buffers in,
//! output buffers out; the code and its memory are `phonon-jit`'s.

use crate::engine::Engine;
use phonon_ir::graph::{Channel, NodeId, Op, OutputId, PatternId, StagedProgram};
use phonon_ir::interpret::{BlockInputs, OutputBuffers};
use phonon_jit::{JitError, JitModule, JitProgram, KernelOptions};

/// Where an input buffer of the compiled program comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source {
    Control(PatternId),
    /// One channel of an event pattern's voices, as the interpreter reads it.
    Voices(PatternId, Channel),
    CycleGate,
    /// A constant output (`out: 0.1` after folding).
    Const(f32),
}

impl Source {
    /// Where a node reads from when no compiled code computes it.
    pub(crate) fn of(op: &Op) -> Option<Source> {
        match *op {
            Op::Control(p) => Some(Source::Control(p)),
            Op::Voices(p, channel) => Some(Source::Voices(p, channel)),
            Op::CycleGate => Some(Source::CycleGate),
            Op::Const(value) => Some(Source::Const(value)),
            _ => None,
        }
    }

    /// Fills `out` from this block's inputs, as the interpreter reads them.
    pub(crate) fn fill(self, out: &mut [f32], inputs: &BlockInputs) {
        match self {
            Source::Control(p) => copy_into(out, inputs.control(p)),
            Source::CycleGate => copy_into(out, inputs.cycle_gate()),
            Source::Const(value) => out.fill(value),
            Source::Voices(p, channel) => {
                let (left, right) = inputs.voices(p);
                let voices = match channel {
                    Channel::Left => left,
                    Channel::Right => right,
                };
                let length = voices.len().min(out.len());
                for (y, &x) in out.iter_mut().zip(&voices[..length]) {
                    *y = if x.is_finite() { x } else { 0.0 };
                }
                out[length..].fill(0.0);
            }
        }
    }
}

/// Where an output's channel comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum OutputSource {
    /// A buffer of the compiled program.
    Compiled(NodeId),
    /// A node no compiled code computes (`out: s "bd*4"` reads its voices
    /// directly): filled from the block's inputs.
    Direct(Source),
}

/// Where a compiled program's `external` input buffers are filled from,
/// and where each output's left and right channel come from.
pub(crate) fn wiring(
    staged: &StagedProgram,
    external: &[NodeId],
) -> (Vec<(NodeId, Source)>, Vec<(OutputSource, OutputSource)>) {
    let sources = external
        .iter()
        .filter_map(|&id| Some((id, Source::of(&staged.graph.node(id).op)?)))
        .collect();
    let channel = |node: NodeId| match Source::of(&staged.graph.node(node).op) {
        Some(source) => OutputSource::Direct(source),
        None => OutputSource::Compiled(node),
    };
    let outputs = staged
        .graph
        .outputs
        .iter()
        .map(|o| (channel(o.left), channel(o.right)))
        .collect();
    (sources, outputs)
}

/// A staged program as native code; see the module docs.
#[derive(Debug)]
pub struct JitEngine {
    program: JitProgram,
    sources: Vec<(NodeId, Source)>,
    /// Each output's left and right channel.
    outputs: Vec<(OutputSource, OutputSource)>,
    max_block: usize,
}

impl JitEngine {
    /// Compiles `staged` for `rate` Hz and blocks of up to `max_block`
    /// samples, packing isomorphic kernels into `f32x4` code. Fails when a
    /// node has no code generation yet (the caller keeps the interpreter).
    pub fn new(staged: &StagedProgram, rate: u32, max_block: usize) -> Result<JitEngine, JitError> {
        let max_block = max_block.max(1);
        let jit = JitModule::host()?;
        let options = KernelOptions { rate: rate as f32 };
        let program = JitProgram::compile(&jit, staged, options, true, max_block)?;
        let (sources, outputs) = wiring(staged, program.external_inputs());
        Ok(JitEngine {
            program,
            sources,
            outputs,
            max_block,
        })
    }

    /// Which kernels were packed into which functions.
    pub fn packing_summary(&self) -> &str {
        self.program.packing_summary()
    }
}

/// Copies `source` into `out`, silence past its end: one `memcpy`, no
/// per-sample bounds checks.
pub(crate) fn copy_into(out: &mut [f32], source: &[f32]) {
    let length = source.len().min(out.len());
    out[..length].copy_from_slice(&source[..length]);
    out[length..].fill(0.0);
}

impl Engine for JitEngine {
    fn process_block(&mut self, inputs: &BlockInputs, out: &mut OutputBuffers) {
        let frames = inputs.frames().min(self.max_block);
        for &(node, source) in &self.sources {
            if let Some(buffer) = self.program.buffer_mut(node) {
                source.fill(&mut buffer[..frames], inputs);
            }
        }
        // Buffer lengths are fixed at compile time, so this cannot fail;
        // were it to, the block would be silence rather than stale audio.
        let ran = self.program.process(frames).is_ok();
        out.set_frames(frames);
        for (index, &(left, right)) in self.outputs.iter().enumerate() {
            let (out_left, out_right) = out.output_mut(OutputId::new(index));
            for (target, channel) in [(out_left, left), (out_right, right)] {
                match channel {
                    OutputSource::Direct(source) => source.fill(target, inputs),
                    OutputSource::Compiled(node) => match self.program.buffer(node).filter(|_| ran)
                    {
                        Some(buffer) => copy_into(target, &buffer[..frames]),
                        None => target.fill(0.0),
                    },
                }
            }
        }
    }

    fn reset(&mut self) {
        self.program.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{NoVoices, Renderer};
    use phonon_ir::graph::PatternKind;
    use phonon_ir::interpret::Interpreter;

    const PROGRAM: &str = "tempo: 0.5
~lfo: sine 0.25
o1: saw \"55 82.5\" # lpf (~lfo * 1500 + 800) 0.7 * 0.05
o2: saw \"65.4 98\" # lpf (~lfo * 1400 + 900) 0.7 * 0.05
o3: square \"73.4\" # hpf (~lfo * 300 + 1000) 0.5 # tanh * 0.05
o4: noise # bpf 2000 4 # gain 0.3
o5: tri 220 # bitcrush 6 2 # distortion 3 0.4
o6: pulse 110 0.3 # notch 900 2 * (~lfo * 0.5 + 0.5)
";

    fn staged() -> StagedProgram {
        let parsed = phonon_syntax::parse(PROGRAM);
        phonon_ir::compile(&parsed.program)
            .staged
            .expect("the test program compiles")
    }

    #[test]
    fn the_jit_engine_matches_the_interpreter() {
        let staged = staged();
        let (rate, block) = (44_100, 256);
        let mut jit = JitEngine::new(&staged, rate, block).expect("every node compiles");
        let mut interpreter = Interpreter::new(&staged, rate, block);
        let mut inputs = BlockInputs::new(&staged.graph, block);
        let mut jit_out = OutputBuffers::new(&staged.graph, block);
        let mut ref_out = OutputBuffers::new(&staged.graph, block);
        let mut worst = 0.0f32;
        for n in 0..60 {
            for (index, pattern) in staged.graph.patterns.iter().enumerate() {
                if pattern.kind != PatternKind::Events {
                    let value = 60.0 + 7.0 * ((n / 10 + index) % 5) as f32;
                    inputs.control_mut(PatternId::new(index)).fill(value);
                }
            }
            // Uneven blocks: control points fall anywhere in them.
            inputs.set_frames(if n % 3 == 0 { block } else { 101 });
            jit.process_block(&inputs, &mut jit_out);
            interpreter.process_block(&inputs, &mut ref_out);
            for o in 0..staged.graph.outputs.len() {
                let (a, _) = jit_out.output(OutputId::new(o));
                let (b, _) = ref_out.output(OutputId::new(o));
                for (x, y) in a.iter().zip(b) {
                    worst = worst.max((x - y).abs());
                }
            }
        }
        assert!(worst <= 1e-4, "largest difference {worst}");
        assert!(jit.packing_summary().contains("f32x4"));
    }

    /// Envelopes on the cycle gate (4 cycles a second, so a retrigger every
    /// 11025 samples, inside a block), with patterned parameters, into
    /// compressors with patterned thresholds.
    const DYNAMICS: &str = "tempo: 4
o1: saw \"110 165 220\" * adsr 0.01 \"0.05 0.1\" 0.5 0.02 # compressor -18 6 0.002 0.05 6 * 0.2
o2: square 82.5 # lpf 1200 0.7 * ad 0.005 \"0.05 0.12\" * 0.2
o3: tri \"220 330\" * ar \"0.001 0.03\" 0.02 # compressor \"-30 -10\" 3 0.01 0.1 0 * 0.2
";

    #[test]
    fn envelopes_and_compressors_render_as_the_interpreter_does() {
        let parsed = phonon_syntax::parse(DYNAMICS);
        let staged = phonon_ir::compile(&parsed.program)
            .staged
            .expect("the dynamics program compiles");
        assert!(staged
            .graph
            .nodes
            .iter()
            .any(|node| node.op == Op::CycleGate));
        let (rate, block) = (44_100, 512);
        let jit = JitEngine::new(&staged, rate, block).expect("every node compiles");
        let mut compiled = Renderer::new(staged.clone(), jit, NoVoices, rate, block);
        let mut reference = Renderer::interpreted(staged, rate, block);
        // Three seconds (12 cycles) in uneven chunks, twice: the second
        // time after a reset.
        let chunks = [512, 1, 37, 300, 2286];
        for pass in 0..2 {
            let (mut worst, mut loudest) = (0.0f32, 0.0f32);
            let mut done = 0;
            for &len in chunks.iter().cycle() {
                if done >= 3 * rate as usize {
                    break;
                }
                let (mut jit_l, mut jit_r) = (vec![0.0; len], vec![0.0; len]);
                let (mut ref_l, mut ref_r) = (vec![0.0; len], vec![0.0; len]);
                compiled.render_block(&mut jit_l, &mut jit_r);
                reference.render_block(&mut ref_l, &mut ref_r);
                for (a, b) in jit_l.iter().chain(&jit_r).zip(ref_l.iter().chain(&ref_r)) {
                    worst = worst.max((a - b).abs());
                    loudest = loudest.max(b.abs());
                }
                done += len;
            }
            assert!(worst <= 1e-4, "pass {pass}: largest difference {worst}");
            assert!(loudest > 0.05, "pass {pass}: the program is audible");
            compiled.reset();
            reference.reset();
        }
    }
}
