//! The statement and expression tree of a Phonon program, with byte spans.
//!
//! The tree is what the text says, nothing more: names are not resolved,
//! strings are kept as written (mini-notation is parsed by [`crate::mini`]),
//! and numbers keep their source text so later stages can read them exactly.

use crate::span::Span;

/// A whole `.ph` file: the statements that parsed, in source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    pub statements: Vec<Statement>,
    /// Buses whose defining statement failed to parse (`~bass saw 55`). The
    /// fault is already reported; later stages treat the names as defined,
    /// so reading `~bass` elsewhere adds no second, misleading error.
    pub broken_buses: Vec<Ident>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub kind: StatementKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StatementKind {
    /// `tempo: 0.5`, `cps: 0.5` (cycles per second) or `bpm: 120`.
    Tempo { unit: TempoUnit, value: Expr },
    /// `~name: expr` or `~name $ expr`.
    Bus { name: Ident, value: Expr },
    /// `out: expr`, `o3: expr`, `out2 $ expr`, `d1: expr`.
    Output { target: OutputTarget, value: Expr },
    /// `hush`: silence everything.
    Hush,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TempoUnit {
    /// `tempo:` or `cps:`, in cycles per second.
    CyclesPerSecond,
    /// `bpm:`, one beat per cycle.
    BeatsPerMinute,
}

/// Which output a statement defines, and how it was spelled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputTarget {
    /// `None` for the main output `out`; `Some(n)` for `on`, `outn` and `dn`,
    /// which all name output number `n`.
    pub number: Option<u32>,
    /// The keyword as written (`out`, `o3`, `d1`), with its span.
    pub name: Ident,
}

/// A name as written, with its span (for a bus, the span includes the `~`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `440`, `-1`, `0.25`, `1e3`.
    Number(Number),
    /// `"bd sn"`: a string, read as mini-notation wherever a pattern is expected.
    Str(StrLit),
    /// `~name`: a reference to a bus (the name without the `~`).
    Bus(Ident),
    /// `name arg arg ...`: a function, node, transform or parameter name with
    /// its arguments (possibly none: `noise`, `rev`).
    Call { func: Ident, args: Vec<Arg> },
    /// `[a, b, c]`.
    List(Vec<Expr>),
    /// `-x`.
    Neg(Box<Expr>),
    /// `a + b`, `a * b`, ...
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `input # step` (a chain) or `input $ step` (a pattern transform).
    Step {
        kind: StepKind,
        input: Box<Expr>,
        step: Box<Expr>,
    },
}

/// A number literal, kept as written so that later stages can read `0.1` as
/// exactly 1/10.
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    pub text: String,
    pub value: f64,
}

/// A string literal: its contents (without quotes) and where they start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrLit {
    pub value: String,
    /// The span of the contents, inside the quotes: mini-notation spans are
    /// shifted by `content.start` to land in the file.
    pub content: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Positional(Expr),
    /// `:q 0.8`; `name` is without the colon.
    Keyword {
        name: Ident,
        value: Expr,
    },
}

impl Arg {
    pub fn value(&self) -> &Expr {
        match self {
            Arg::Positional(e) | Arg::Keyword { value: e, .. } => e,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// `#`: the step takes the input as its signal input, or sets an event parameter.
    Chain,
    /// `$`: the step transforms the patterns of the input.
    Transform,
}

impl StepKind {
    pub fn symbol(self) -> &'static str {
        match self {
            StepKind::Chain => "#",
            StepKind::Transform => "$",
        }
    }
}
