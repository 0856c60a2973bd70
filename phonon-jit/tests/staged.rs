//! A program's functions run stage by stage on several threads at once give
//! the samples that running them in order on one thread gives, bit for bit.

use phonon_ir::graph::StagedProgram;
use phonon_jit::{JitModule, JitProgram, KernelOptions, StagedFunctions};

const BLOCK: usize = 256;

fn staged(source: &str) -> StagedProgram {
    let parsed = phonon_syntax::parse(source);
    phonon_ir::compile(&parsed.program).staged.unwrap()
}

fn compile(staged: &StagedProgram, pack: bool) -> JitProgram {
    let jit = JitModule::host().unwrap();
    JitProgram::compile(&jit, staged, KernelOptions { rate: 44_100.0 }, pack, BLOCK).unwrap()
}

/// Sixteen outputs on two LFOs: packed saws, unpackable chains, a feedback
/// bus.
fn wide() -> String {
    let mut source = String::from("~lfo: sine 0.5\n~lfo2: sine 0.3\n");
    for n in 1..=8 {
        source.push_str(&format!(
            "o{n}: saw {} # lpf (~lfo * 900 + {}) 0.6 * 0.05\n",
            55 * n,
            300 + 40 * n
        ));
    }
    for n in 9..=15 {
        let chain = [
            "# hpf 200 0.5",
            "# bpf 900 2 # tanh",
            "# notch 700 1 # lpf 3000 0.5",
        ][n % 3];
        source.push_str(&format!(
            "o{n}: square {} {chain} * (~lfo2 * 0.5 + 0.5) * 0.04\n",
            30 * n
        ));
    }
    source.push_str("~echo: (~lfo * 0.1 + ~echo * 0.5) # hpf 300 0.5\no16: ~echo * 0.2\n");
    source
}

/// Renders every output's left channel, running each stage's functions on
/// `threads` scoped threads dealt in turn.
fn render_staged(
    program: &StagedFunctions,
    staged: &StagedProgram,
    threads: usize,
    blocks: usize,
) -> Vec<f32> {
    let mut rendered = Vec::new();
    let mut clock = 0u64;
    for block in 0..blocks {
        let frames = if block % 5 == 2 { 100 } else { BLOCK };
        {
            let mut host = program.host().unwrap();
            for &node in program.external_inputs() {
                let value = 60.0 + (node.0 % 7) as f32 * 11.0 + block as f32;
                host.buffer_mut(node).unwrap().fill(value);
            }
        }
        for (stage, range) in program.stages().iter().enumerate() {
            std::thread::scope(|scope| {
                for thread in 0..threads {
                    let range = range.clone();
                    scope.spawn(move || {
                        let ticket = program.enter(stage).unwrap();
                        for function in range.filter(|f| f % threads == thread) {
                            ticket.run(function, clock, frames).unwrap();
                        }
                    });
                }
            });
        }
        let host = program.host().unwrap();
        for output in &staged.graph.outputs {
            rendered.extend_from_slice(&host.buffer(output.left).unwrap()[..frames]);
        }
        clock += frames as u64;
    }
    rendered
}

fn render_in_order(program: &mut JitProgram, staged: &StagedProgram, blocks: usize) -> Vec<f32> {
    let mut rendered = Vec::new();
    for block in 0..blocks {
        let frames = if block % 5 == 2 { 100 } else { BLOCK };
        for node in program.external_inputs().to_vec() {
            let value = 60.0 + (node.0 % 7) as f32 * 11.0 + block as f32;
            program.buffer_mut(node).unwrap().fill(value);
        }
        program.process(frames).unwrap();
        for output in &staged.graph.outputs {
            rendered.extend_from_slice(&program.buffer(output.left).unwrap()[..frames]);
        }
    }
    rendered
}

#[test]
fn stages_on_several_threads_match_one_thread_bit_for_bit() {
    let staged = staged(&wide());
    for pack in [false, true] {
        let expected = render_in_order(&mut compile(&staged, pack), &staged, 12);
        assert!(expected.iter().any(|&x| x != 0.0));
        for threads in 1..=4 {
            let program = compile(&staged, pack).into_staged().unwrap();
            assert!(
                render_staged(&program, &staged, threads, 12) == expected,
                "{threads} threads, packed: {pack}"
            );
        }
    }
}

#[test]
fn reset_returns_to_the_compiled_state() {
    let staged = staged(&wide());
    let program = compile(&staged, true).into_staged().unwrap();
    let first = render_staged(&program, &staged, 2, 4);
    program.host().unwrap().reset();
    assert!(render_staged(&program, &staged, 2, 4) == first);
    assert!(program.compile_time().as_nanos() > 0);
}
