//! The node table: every core signal node's name, spellings, input, output
//! channels and parameters (names, order, units, ranges, defaults), which the
//! compiler uses to resolve and check calls. It holds data only; the
//! behaviour lives in the sibling modules named in each summary.
//!
//! To add a node: add a [`NodeKind`], a `NodeSpec` constant, and put it in
//! [`all`]'s table. Nothing else indexes the table by position.

/// Which node a call resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Sine,
    Saw,
    Square,
    Tri,
    Pulse,
    Noise,
    Pink,
    Lpf,
    Hpf,
    Bpf,
    Notch,
    Rlpf,
    Rhpf,
    Adsr,
    Ad,
    Ar,
    Line,
    Lag,
    Mtof,
    Clip,
    Tanh,
    Delay,
    Reverb,
    Distortion,
    Bitcrush,
    Chorus,
    Compressor,
    Pan,
    Gain,
}

/// How many channels a node outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channels {
    Mono,
    /// Left and right; `pan` is the only one so far.
    Stereo,
}

/// One parameter of a node. Parameters are signals unless the node's docs say
/// otherwise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// The keyword name (`:q`).
    pub name: &'static str,
    /// Other accepted keyword spellings (`:resonance`, `:room_size`).
    pub aliases: &'static [&'static str],
    /// Unit, for docs and messages (`"Hz"`, `"s"`, `"dB"`; `""` if none).
    pub unit: &'static str,
    /// Value when the argument is omitted; `None` means it is required.
    pub default: Option<f32>,
    /// The node clamps the parameter to `min..=max` (some nodes clamp further
    /// by the sample rate; `doc` says so). Infinite where unbounded.
    pub min: f32,
    pub max: f32,
    pub doc: &'static str,
}

/// One node: what a call to `name` means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeSpec {
    pub kind: NodeKind,
    pub name: &'static str,
    /// Other names for the same node (`white_noise`, `dist`).
    pub aliases: &'static [&'static str],
    /// Processors take a signal input: the first positional argument outside
    /// a chain, or the left side of `#`. It is not listed in `params`.
    pub has_input: bool,
    /// Envelopes read a gate the compiler supplies (the voice gate, or the
    /// cycle gate outside a voice) in the `input` slot; see `env`.
    pub gated: bool,
    pub output: Channels,
    /// Positional order of the arguments after the input.
    pub params: &'static [ParamSpec],
    pub summary: &'static str,
}

impl ParamSpec {
    /// Whether `word` names this parameter.
    pub fn answers_to(&self, word: &str) -> bool {
        self.name == word || self.aliases.contains(&word)
    }

    /// The default, or 0 for a required parameter (used only when a caller
    /// omits a buffer it was obliged to pass).
    pub fn default_or_zero(&self) -> f32 {
        self.default.unwrap_or(0.0)
    }
}

impl NodeSpec {
    /// Whether `word` names this node.
    pub fn answers_to(&self, word: &str) -> bool {
        self.name == word || self.aliases.contains(&word)
    }

    /// Position of the parameter a keyword names.
    pub fn param_index(&self, word: &str) -> Option<usize> {
        self.params.iter().position(|p| p.answers_to(word))
    }

    /// How many leading parameters have no default.
    pub fn required_params(&self) -> usize {
        self.params
            .iter()
            .take_while(|p| p.default.is_none())
            .count()
    }
}

/// The node a name (or alias) resolves to.
pub fn lookup(name: &str) -> Option<&'static NodeSpec> {
    all().iter().find(|spec| spec.answers_to(name))
}

/// The spec of a kind.
pub fn of(kind: NodeKind) -> &'static NodeSpec {
    match kind {
        NodeKind::Sine => &SINE,
        NodeKind::Saw => &SAW,
        NodeKind::Square => &SQUARE,
        NodeKind::Tri => &TRI,
        NodeKind::Pulse => &PULSE,
        NodeKind::Noise => &NOISE,
        NodeKind::Pink => &PINK,
        NodeKind::Lpf => &LPF,
        NodeKind::Hpf => &HPF,
        NodeKind::Bpf => &BPF,
        NodeKind::Notch => &NOTCH,
        NodeKind::Rlpf => &RLPF,
        NodeKind::Rhpf => &RHPF,
        NodeKind::Adsr => &ADSR,
        NodeKind::Ad => &AD,
        NodeKind::Ar => &AR,
        NodeKind::Line => &LINE,
        NodeKind::Lag => &LAG,
        NodeKind::Mtof => &MTOF,
        NodeKind::Clip => &CLIP,
        NodeKind::Tanh => &TANH,
        NodeKind::Delay => &DELAY,
        NodeKind::Reverb => &REVERB,
        NodeKind::Distortion => &DISTORTION,
        NodeKind::Bitcrush => &BITCRUSH,
        NodeKind::Chorus => &CHORUS,
        NodeKind::Compressor => &COMPRESSOR,
        NodeKind::Pan => &PAN,
        NodeKind::Gain => &GAIN,
    }
}

/// Every node, in the order of LANGUAGE.md.
pub fn all() -> &'static [NodeSpec] {
    &ALL
}

static ALL: [NodeSpec; 29] = [
    SINE, SAW, SQUARE, TRI, PULSE, NOISE, PINK, LPF, HPF, BPF, NOTCH, RLPF, RHPF, ADSR, AD, AR,
    LINE, LAG, MTOF, CLIP, TANH, DELAY, REVERB, DISTORTION, BITCRUSH, CHORUS, COMPRESSOR, PAN,
    GAIN,
];

const FREQ: ParamSpec = ParamSpec {
    name: "freq",
    aliases: &["frequency"],
    unit: "Hz",
    default: None,
    min: 0.0,
    max: f32::INFINITY,
    doc: "oscillator frequency; also clamped to rate/2",
};

const CUTOFF: ParamSpec = ParamSpec {
    name: "cutoff",
    aliases: &["freq", "frequency"],
    unit: "Hz",
    default: None,
    min: 20.0,
    max: 20_000.0,
    doc: "cutoff (or centre) frequency; also clamped to 0.45 * rate",
};

const Q: ParamSpec = ParamSpec {
    name: "q",
    aliases: &["resonance", "res"],
    unit: "",
    default: Some(0.707),
    min: 0.5,
    max: 20.0,
    doc: "Q factor; 0.707 is Butterworth",
};

/// `rlpf`/`rhpf` take the resonance as the Q factor itself (as the earlier
/// Phonon's RBJ-biquad versions did), with a livelier default.
const RESONANCE: ParamSpec = ParamSpec {
    name: "resonance",
    aliases: &["res", "q"],
    unit: "",
    default: Some(1.0),
    min: 0.5,
    max: 20.0,
    doc: "resonance, used as the Q factor",
};

const fn seconds(
    name: &'static str,
    aliases: &'static [&'static str],
    default: Option<f32>,
    max: f32,
    doc: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        aliases,
        unit: "s",
        default,
        min: 0.0,
        max,
        doc,
    }
}

const fn unit_interval(
    name: &'static str,
    aliases: &'static [&'static str],
    default: f32,
    doc: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        aliases,
        unit: "",
        default: Some(default),
        min: 0.0,
        max: 1.0,
        doc,
    }
}

const MIX: ParamSpec = unit_interval("mix", &["wet"], 0.5, "dry (0) to wet (1)");

const fn oscillator(kind: NodeKind, name: &'static str, summary: &'static str) -> NodeSpec {
    NodeSpec {
        kind,
        name,
        aliases: &[],
        has_input: false,
        gated: false,
        output: Channels::Mono,
        params: &[FREQ],
        summary,
    }
}

const fn processor(
    kind: NodeKind,
    name: &'static str,
    aliases: &'static [&'static str],
    params: &'static [ParamSpec],
    summary: &'static str,
) -> NodeSpec {
    NodeSpec {
        kind,
        name,
        aliases,
        has_input: true,
        gated: false,
        output: Channels::Mono,
        params,
        summary,
    }
}

const fn envelope(
    kind: NodeKind,
    name: &'static str,
    params: &'static [ParamSpec],
    summary: &'static str,
) -> NodeSpec {
    NodeSpec {
        kind,
        name,
        aliases: &[],
        has_input: false,
        gated: true,
        output: Channels::Mono,
        params,
        summary,
    }
}

pub const SINE: NodeSpec = oscillator(NodeKind::Sine, "sine", "sine oscillator, -1..1 (osc::Sine)");
pub const SAW: NodeSpec = oscillator(
    NodeKind::Saw,
    "saw",
    "band-limited rising sawtooth, -1..1 (osc::Saw, 4-point B-spline BLEP)",
);
pub const SQUARE: NodeSpec = oscillator(
    NodeKind::Square,
    "square",
    "band-limited square, -1..1 (osc::Square, 4-point B-spline BLEP)",
);
pub const TRI: NodeSpec = oscillator(
    NodeKind::Tri,
    "tri",
    "band-limited triangle, -1..1 (osc::Tri, 4-point B-spline BLAMP)",
);

pub const PULSE: NodeSpec = NodeSpec {
    kind: NodeKind::Pulse,
    name: "pulse",
    aliases: &[],
    has_input: false,
    gated: false,
    output: Channels::Mono,
    params: &[
        FREQ,
        unit_interval(
            "width",
            &["pw", "duty"],
            0.5,
            "fraction of the period spent high",
        ),
    ],
    summary: "band-limited pulse, -1..1 (osc::Pulse, 4-point B-spline BLEP)",
};

pub const NOISE: NodeSpec = NodeSpec {
    kind: NodeKind::Noise,
    name: "noise",
    aliases: &["white_noise"],
    has_input: false,
    gated: false,
    output: Channels::Mono,
    params: &[],
    summary: "white noise, uniform in -1..1, seeded per node (osc::Noise)",
};

pub const PINK: NodeSpec = NodeSpec {
    kind: NodeKind::Pink,
    name: "pink",
    aliases: &["pink_noise"],
    has_input: false,
    gated: false,
    output: Channels::Mono,
    params: &[],
    summary: "pink noise (-3 dB/octave), seeded per node (osc::Pink, Kellet's filter)",
};

const FILTER_PARAMS: &[ParamSpec] = &[CUTOFF, Q];
const RESONANT_PARAMS: &[ParamSpec] = &[CUTOFF, RESONANCE];

pub const LPF: NodeSpec = processor(
    NodeKind::Lpf,
    "lpf",
    &[],
    FILTER_PARAMS,
    "12 dB/oct low-pass, state-variable (svf::Svf)",
);
pub const HPF: NodeSpec = processor(
    NodeKind::Hpf,
    "hpf",
    &[],
    FILTER_PARAMS,
    "12 dB/oct high-pass, state-variable (svf::Svf)",
);
pub const BPF: NodeSpec = processor(
    NodeKind::Bpf,
    "bpf",
    &[],
    FILTER_PARAMS,
    "band-pass with 0 dB peak at the cutoff, state-variable (svf::Svf)",
);
pub const NOTCH: NodeSpec = processor(
    NodeKind::Notch,
    "notch",
    &[],
    FILTER_PARAMS,
    "band-reject, state-variable (svf::Svf)",
);
pub const RLPF: NodeSpec = processor(
    NodeKind::Rlpf,
    "rlpf",
    &[],
    RESONANT_PARAMS,
    "resonant low-pass: lpf with the resonance as Q (svf::Svf)",
);
pub const RHPF: NodeSpec = processor(
    NodeKind::Rhpf,
    "rhpf",
    &[],
    RESONANT_PARAMS,
    "resonant high-pass: hpf with the resonance as Q (svf::Svf)",
);

const ATTACK: ParamSpec = seconds(
    "attack",
    &["att"],
    Some(0.01),
    f32::INFINITY,
    "time to rise from 0 to 1",
);
const RELEASE: ParamSpec = seconds(
    "release",
    &["rel"],
    Some(0.3),
    f32::INFINITY,
    "time to fall to 0 once the gate closes",
);

pub const ADSR: NodeSpec = envelope(
    NodeKind::Adsr,
    "adsr",
    &[
        ATTACK,
        seconds(
            "decay",
            &["dec"],
            Some(0.1),
            f32::INFINITY,
            "time to fall from 1 to the sustain level",
        ),
        unit_interval(
            "sustain",
            &["sus"],
            0.7,
            "level held while the gate is open",
        ),
        RELEASE,
    ],
    "linear attack-decay-sustain-release envelope, 0..1 (env::Adsr)",
);

pub const AD: NodeSpec = envelope(
    NodeKind::Ad,
    "ad",
    &[
        ATTACK,
        seconds(
            "decay",
            &["dec"],
            Some(0.3),
            f32::INFINITY,
            "time to fall from 1 to 0",
        ),
    ],
    "one-shot linear attack-decay envelope, 0..1 (env::Ad)",
);

pub const AR: NodeSpec = envelope(
    NodeKind::Ar,
    "ar",
    &[ATTACK, RELEASE],
    "linear attack-release envelope holding 1 while the gate is open (env::Ar)",
);

pub const LINE: NodeSpec = NodeSpec {
    kind: NodeKind::Line,
    name: "line",
    aliases: &[],
    has_input: false,
    gated: false,
    output: Channels::Mono,
    params: &[
        ParamSpec {
            name: "from",
            aliases: &["start"],
            unit: "",
            default: None,
            min: f32::NEG_INFINITY,
            max: f32::INFINITY,
            doc: "value at the start",
        },
        ParamSpec {
            name: "to",
            aliases: &["end"],
            unit: "",
            default: None,
            min: f32::NEG_INFINITY,
            max: f32::INFINITY,
            doc: "value reached after `secs`, then held",
        },
        seconds(
            "secs",
            &["time", "duration"],
            Some(1.0),
            f32::INFINITY,
            "ramp duration",
        ),
    ],
    summary: "one linear ramp from the start, then held (env::Line)",
};

pub const LAG: NodeSpec = processor(
    NodeKind::Lag,
    "lag",
    &[],
    &[seconds(
        "secs",
        &["time"],
        Some(0.1),
        f32::INFINITY,
        "time to come within 60 dB of a new value",
    )],
    "one-pole smoothing, SuperCollider's Lag (env::Lag)",
);

pub const MTOF: NodeSpec = processor(
    NodeKind::Mtof,
    "mtof",
    &[],
    &[],
    "MIDI note number to Hz: 440 * 2^((m - 69) / 12) (env::Mtof)",
);

pub const CLIP: NodeSpec = processor(
    NodeKind::Clip,
    "clip",
    &[],
    &[
        ParamSpec {
            name: "lo",
            aliases: &["min", "low"],
            unit: "",
            default: Some(-1.0),
            min: f32::NEG_INFINITY,
            max: f32::INFINITY,
            doc: "lower bound",
        },
        ParamSpec {
            name: "hi",
            aliases: &["max", "high"],
            unit: "",
            default: Some(1.0),
            min: f32::NEG_INFINITY,
            max: f32::INFINITY,
            doc: "upper bound",
        },
    ],
    "hard clip to lo..hi (shape::Clip)",
);

pub const TANH: NodeSpec = processor(
    NodeKind::Tanh,
    "tanh",
    &[],
    &[],
    "hyperbolic tangent soft clip (shape::Tanh)",
);

pub const DELAY: NodeSpec = processor(
    NodeKind::Delay,
    "delay",
    &[],
    &[
        seconds(
            "time",
            &["secs"],
            None,
            4.0,
            "delay time; at least one sample",
        ),
        ParamSpec {
            name: "feedback",
            aliases: &["fb"],
            unit: "",
            default: Some(0.5),
            min: 0.0,
            max: 0.99,
            doc: "share of the delayed signal fed back",
        },
        MIX,
    ],
    "feedback delay, up to 4 s, linearly interpolated (delay::Delay)",
);

pub const REVERB: NodeSpec = processor(
    NodeKind::Reverb,
    "reverb",
    &[],
    &[
        unit_interval(
            "room",
            &["room_size", "size"],
            0.5,
            "room size: comb feedback 0.7..0.98",
        ),
        unit_interval(
            "damp",
            &["damping"],
            0.5,
            "high-frequency damping in the combs",
        ),
        unit_interval("mix", &["wet"], 0.3, "dry (0) to wet (1)"),
    ],
    "Freeverb: 8 damped combs and 4 allpasses, mono (reverb::Reverb)",
);

pub const DISTORTION: NodeSpec = processor(
    NodeKind::Distortion,
    "distortion",
    &["dist", "distort"],
    &[
        ParamSpec {
            name: "drive",
            aliases: &["amount"],
            unit: "",
            default: Some(4.0),
            min: 1.0,
            max: 100.0,
            doc: "input gain before the tanh curve",
        },
        unit_interval("mix", &["wet"], 1.0, "dry (0) to wet (1)"),
    ],
    "tanh waveshaper with drive (shape::Distortion)",
);

pub const BITCRUSH: NodeSpec = processor(
    NodeKind::Bitcrush,
    "bitcrush",
    &[],
    &[
        ParamSpec {
            name: "bits",
            aliases: &[],
            unit: "bits",
            default: Some(8.0),
            min: 1.0,
            max: 24.0,
            doc: "resolution of -1..1 (fractional values allowed)",
        },
        ParamSpec {
            name: "factor",
            aliases: &["downsample"],
            unit: "samples",
            default: Some(1.0),
            min: 1.0,
            max: f32::INFINITY,
            doc: "hold each taken sample this many samples (fractional values average out)",
        },
    ],
    "bit-depth and sample-rate reduction (shape::Bitcrush)",
);

pub const CHORUS: NodeSpec = processor(
    NodeKind::Chorus,
    "chorus",
    &[],
    &[
        ParamSpec {
            name: "rate",
            aliases: &["speed"],
            unit: "Hz",
            default: Some(1.0),
            min: 0.0,
            max: 20.0,
            doc: "modulation rate",
        },
        unit_interval(
            "depth",
            &[],
            0.5,
            "modulation depth: 0..5 ms of delay swing",
        ),
        unit_interval("mix", &["wet"], 0.3, "dry (0) to wet (1)"),
    ],
    "three-voice modulated-delay chorus (chorus::Chorus)",
);

pub const COMPRESSOR: NodeSpec = processor(
    NodeKind::Compressor,
    "compressor",
    &["comp"],
    &[
        ParamSpec {
            name: "threshold",
            aliases: &["thresh"],
            unit: "dB",
            default: Some(-20.0),
            min: -120.0,
            max: 24.0,
            doc: "level above which gain is reduced",
        },
        ParamSpec {
            name: "ratio",
            aliases: &[],
            unit: "",
            default: Some(4.0),
            min: 1.0,
            max: 100.0,
            doc: "input dB above threshold per output dB above threshold",
        },
        seconds(
            "attack",
            &["att"],
            Some(0.01),
            10.0,
            "time constant of gain reduction",
        ),
        seconds(
            "release",
            &["rel"],
            Some(0.1),
            10.0,
            "time constant of recovery",
        ),
        ParamSpec {
            name: "makeup",
            aliases: &["makeup_gain"],
            unit: "dB",
            default: Some(0.0),
            min: -60.0,
            max: 60.0,
            doc: "gain applied after compression",
        },
    ],
    "feed-forward peak compressor, hard knee (compressor::Compressor)",
);

pub const PAN: NodeSpec = NodeSpec {
    kind: NodeKind::Pan,
    name: "pan",
    aliases: &[],
    has_input: true,
    gated: false,
    output: Channels::Stereo,
    params: &[ParamSpec {
        name: "pos",
        aliases: &["position"],
        unit: "",
        default: Some(0.0),
        min: -1.0,
        max: 1.0,
        doc: "-1 left, 0 centre, 1 right",
    }],
    summary: "equal-power pan, unity at the centre (master::Pan)",
};

pub const GAIN: NodeSpec = processor(
    NodeKind::Gain,
    "gain",
    &[],
    &[ParamSpec {
        name: "level",
        aliases: &["amount"],
        unit: "",
        default: Some(1.0),
        min: f32::NEG_INFINITY,
        max: f32::INFINITY,
        doc: "linear gain",
    }],
    "multiply by a level (master::Gain)",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_in_the_table_once() {
        let mut kinds: Vec<NodeKind> = all().iter().map(|s| s.kind).collect();
        kinds.dedup();
        assert_eq!(kinds.len(), all().len());
        for spec in all() {
            assert_eq!(of(spec.kind).name, spec.name);
        }
    }

    #[test]
    fn names_and_aliases_are_unique() {
        let mut names: Vec<&str> = all()
            .iter()
            .flat_map(|s| std::iter::once(s.name).chain(s.aliases.iter().copied()))
            .collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }

    #[test]
    fn aliases_resolve() {
        assert_eq!(lookup("white_noise").map(|s| s.kind), Some(NodeKind::Noise));
        assert_eq!(lookup("pink_noise").map(|s| s.kind), Some(NodeKind::Pink));
        assert_eq!(lookup("dist").map(|s| s.kind), Some(NodeKind::Distortion));
        assert_eq!(
            lookup("distort").map(|s| s.kind),
            Some(NodeKind::Distortion)
        );
        assert_eq!(lookup("lfp"), None);
        assert_eq!(REVERB.param_index("room_size"), Some(0));
        assert_eq!(REVERB.param_index("damping"), Some(1));
        assert_eq!(LPF.param_index("resonance"), Some(1));
        assert_eq!(PAN.output, Channels::Stereo);
    }

    #[test]
    fn parameters_are_sane() {
        for spec in all() {
            let mut seen_default = false;
            for p in spec.params {
                assert!(p.min <= p.max, "{}.{}", spec.name, p.name);
                if let Some(d) = p.default {
                    assert!(
                        (p.min..=p.max).contains(&d),
                        "{}.{} default out of range",
                        spec.name,
                        p.name
                    );
                    seen_default = true;
                } else {
                    assert!(
                        !seen_default,
                        "{}.{}: required after optional",
                        spec.name, p.name
                    );
                }
                assert!(!p.doc.is_empty());
            }
        }
        assert_eq!(LPF.required_params(), 1);
        assert_eq!(LINE.required_params(), 2);
    }
}
