//! Mini-notation syntax trees to patterns, with Strudel 1.2.6's semantics:
//! what each group and operator does (mini.mjs's `patternifyAST`), which
//! arguments count as constants, the `steps` bookkeeping, and the numbering
//! of the random seeds of `?` and `|` in the order krill's parser assigns them.
//!
//! Parsing is phonon-syntax's job; this module never sees text.

use super::core::{fastcat, lcm_steps, pure, silence, stack, timecat, Pattern};
use super::euclid::euclid_rot;
use super::fraction::Fraction;
use super::random::{choose_in_with, degrade_by_with, rand, repeat_cycles, segment_by};
use super::value::Value;
use phonon_syntax::mini::{
    parse_mini, AtomKind, Element, MiniAst, MiniKind, MiniNode, Op, OpKind, Sequence,
};
use phonon_syntax::Diagnostic;
use std::collections::HashMap;

/// Parses mini-notation (spans from 0) and builds its pattern.
pub fn parse_pattern(text: &str) -> Result<Pattern<Value>, Vec<Diagnostic>> {
    Ok(mini_to_pattern(&parse_mini(text, 0)?))
}

/// The pattern a mini-notation tree stands for.
///
/// Words are `Value::Str`, numbers `Value::Num`, `bd:3` is
/// `Value::List([Str("bd"), Num(3)])`. As in Strudel, only a bare atom used as
/// an operator argument (`*2`, `(3,8)`) is a pure pattern; a whole string,
/// even `"2"`, is a sequence and not pure.
pub fn mini_to_pattern(ast: &MiniAst) -> Pattern<Value> {
    let builder = Builder {
        seeds: Seeds::number(ast),
    };
    builder.node(&ast.root).pat
}

/// Strudel shifts the random stream of each `?` and `|` by this many cycles
/// times its seed, so that they do not all decide alike.
const RAND_OFFSET: f64 = 0.0003;

/// A built pattern with what its parent needs to know about it.
struct Built {
    pat: Pattern<Value>,
    /// The total weight of a sequence's steps (Strudel's `__weight`), which
    /// `<...>` and `{...}` align by.
    weight: Option<Fraction>,
    /// A `^` inside: this pattern's steps decide its parents' steps
    /// (Strudel's `__steps_source`).
    steps_source: bool,
}

impl Built {
    fn plain(pat: Pattern<Value>) -> Built {
        Built {
            pat,
            weight: None,
            steps_source: false,
        }
    }
}

// ---- seeds ----------------------------------------------------------------------

/// The seed of every `?` and `|`/`.` group, keyed by the node's address in the
/// tree, numbered in the order krill runs its actions: inner groups before
/// outer ones, an element's operator arguments before its own `?`s, and a
/// group's sequences before the group itself. (`.` takes a number too, though
/// it uses none.)
struct Seeds {
    by_node: HashMap<usize, u32>,
    next: u32,
}

fn address<T>(node: &T) -> usize {
    std::ptr::from_ref(node) as usize
}

impl Seeds {
    fn number(ast: &MiniAst) -> Seeds {
        let mut seeds = Seeds {
            by_node: HashMap::new(),
            next: 0,
        };
        seeds.visit_node(&ast.root);
        seeds
    }

    fn assign(&mut self, key: usize) {
        self.by_node.insert(key, self.next);
        self.next += 1;
    }

    fn get<T>(&self, node: &T) -> u32 {
        self.by_node.get(&address(node)).copied().unwrap_or(0)
    }

    fn visit_node(&mut self, node: &MiniNode) {
        match &node.kind {
            MiniKind::Atom(_) => {}
            MiniKind::Sequence(sequence) => {
                sequence.elements.iter().for_each(|e| self.visit_element(e))
            }
            MiniKind::Stack(layers) | MiniKind::Alternation(layers) => {
                layers.iter().for_each(|l| self.visit_node(l));
            }
            MiniKind::RandomChoice(options) | MiniKind::Feet(options) => {
                options.iter().for_each(|o| self.visit_node(o));
                self.assign(address(node));
            }
            MiniKind::Polymeter {
                layers,
                steps_per_cycle,
            } => {
                layers.iter().for_each(|l| self.visit_node(l));
                if let Some(steps) = steps_per_cycle {
                    self.visit_node(steps);
                }
            }
        }
    }

    fn visit_element(&mut self, element: &Element) {
        self.visit_node(&element.body);
        for op in &element.ops {
            match &op.kind {
                OpKind::Fast(arg) | OpKind::Slow(arg) | OpKind::Tail(arg) | OpKind::Range(arg) => {
                    self.visit_node(arg)
                }
                OpKind::Euclid {
                    pulses,
                    steps,
                    rotation,
                } => {
                    self.visit_element(pulses);
                    self.visit_element(steps);
                    if let Some(rotation) = rotation {
                        self.visit_element(rotation);
                    }
                }
                OpKind::Weight(_)
                | OpKind::Elongate(_)
                | OpKind::Replicate(_)
                | OpKind::Degrade(_) => {}
            }
        }
        for op in &element.ops {
            if matches!(op.kind, OpKind::Degrade(_)) {
                self.assign(address(op));
            }
        }
    }
}

// ---- building -----------------------------------------------------------------

/// An element's operators as Strudel applies them: `!` is folded into one
/// repetition count that moves to the end each time another `!` is seen.
enum Step<'a> {
    Op(&'a Op),
    Replicate(f64),
}

struct Options<'a> {
    weight: f64,
    steps: Vec<Step<'a>>,
}

impl<'a> Options<'a> {
    fn of(element: &'a Element) -> Options<'a> {
        let mut weight = 1.0;
        let mut reps = 1.0;
        let mut steps = Vec::new();
        for op in &element.ops {
            match op.kind {
                OpKind::Weight(amount) | OpKind::Elongate(amount) => {
                    weight = weight + amount.unwrap_or(2.0) - 1.0
                }
                OpKind::Replicate(amount) => {
                    reps = reps + amount.unwrap_or(2.0) - 1.0;
                    steps.retain(|s| !matches!(s, Step::Replicate(_)));
                    steps.push(Step::Replicate(reps));
                    weight = reps;
                }
                _ => steps.push(Step::Op(op)),
            }
        }
        Options { weight, steps }
    }

    /// The weight as a fraction. A weight of zero counts as one, as
    /// JavaScript's `weight || 1` has it.
    fn weight_fraction(&self) -> Fraction {
        if self.weight == 0.0 {
            return Fraction::ONE;
        }
        Fraction::from_f64(self.weight).unwrap_or(Fraction::ONE)
    }
}

struct Builder {
    seeds: Seeds,
}

impl Builder {
    fn node(&self, node: &MiniNode) -> Built {
        match &node.kind {
            MiniKind::Atom(atom) => Built::plain(match atom.kind {
                AtomKind::Rest => silence(),
                AtomKind::Number(n) => pure(Value::Num(n)),
                AtomKind::Word => pure(Value::Str(atom.text.clone())),
            }),
            MiniKind::Sequence(sequence) => self.sequence(sequence),
            MiniKind::Stack(layers) => {
                let layers: Vec<Built> = layers.iter().map(|l| self.node(l)).collect();
                let pat = stack(layers.iter().map(|l| l.pat.clone()).collect());
                with_source_steps(pat, &layers)
            }
            MiniKind::Alternation(layers) => {
                let layers: Vec<Built> = layers.iter().map(|l| self.node(l)).collect();
                let slowed = layers
                    .iter()
                    .map(|l| {
                        l.pat
                            .slow(l.weight.unwrap_or(Fraction::ONE))
                            .with_steps(l.pat.steps)
                    })
                    .collect();
                with_source_steps(stack(slowed), &layers)
            }
            MiniKind::Polymeter {
                layers,
                steps_per_cycle,
            } => self.polymeter(layers, steps_per_cycle.as_deref()),
            MiniKind::RandomChoice(options) => {
                let options: Vec<Built> = options.iter().map(|o| self.node(o)).collect();
                let chooser = segment_by(
                    &rand().early(rand_offset(self.seeds.get(node))),
                    Fraction::ONE,
                );
                let pat = choose_in_with(&chooser, options.iter().map(|o| o.pat.clone()).collect());
                with_source_steps(pat, &options)
            }
            MiniKind::Feet(feet) => {
                let feet: Vec<Built> = feet.iter().map(|f| self.node(f)).collect();
                let pat = fastcat(feet.iter().map(|f| f.pat.clone()).collect());
                let steps_source = feet.iter().any(|f| f.steps_source);
                Built {
                    pat,
                    weight: None,
                    steps_source,
                }
            }
        }
    }

    /// Elements side by side, each as long as its weight.
    fn sequence(&self, sequence: &Sequence) -> Built {
        let mut weighted = Vec::with_capacity(sequence.elements.len());
        let mut children = Vec::with_capacity(sequence.elements.len());
        for element in &sequence.elements {
            let options = Options::of(element);
            let child = self.apply(self.node(&element.body), &options.steps);
            weighted.push((options.weight_fraction(), child.pat.clone()));
            children.push(child);
        }
        let total = weighted.iter().fold(Fraction::ZERO, |sum, (w, _)| sum + *w);
        let mut pat = if weighted.len() == 1 {
            // A one-step sequence is its step, but no longer a pure value.
            let mut only = weighted.remove(0).1;
            only.pure = None;
            only
        } else {
            timecat(weighted)
        };
        let sources: Vec<Option<Fraction>> = children
            .iter()
            .filter(|c| c.steps_source)
            .map(|c| c.pat.steps)
            .collect();
        let source_steps = lcm_known(sources.iter().copied());
        pat.steps = Some(source_steps.map_or(total, |s| total * s));
        Built {
            pat,
            weight: Some(total),
            steps_source: sequence.marks_steps || !sources.is_empty(),
        }
    }

    /// `{a b c, d e}%n`: every layer fitted to `n` steps per cycle (by
    /// default the first layer's step count).
    fn polymeter(&self, layers: &[MiniNode], steps_per_cycle: Option<&MiniNode>) -> Built {
        let layers: Vec<Built> = layers.iter().map(|l| self.node(l)).collect();
        let steps_pat: Pattern<Option<Fraction>> = match steps_per_cycle {
            Some(node) => self
                .node(node)
                .pat
                .fmap(|v| v.as_f64().and_then(Fraction::from_f64)),
            None => pure(Some(
                layers
                    .first()
                    .and_then(|l| l.weight)
                    .unwrap_or(Fraction::ONE),
            )),
        };
        let aligned = layers
            .iter()
            .map(|layer| {
                let weight = layer.weight.unwrap_or(Fraction::ONE);
                let layer_pat = layer.pat.clone();
                steps_pat
                    .inner_bind(move |steps| match steps {
                        Some(s) if !weight.is_zero() => layer_pat.fast(*s / weight),
                        _ => silence(),
                    })
                    .with_steps(layer.pat.steps)
            })
            .collect();
        Built {
            pat: stack(aligned),
            weight: None,
            steps_source: layers.iter().any(|l| l.steps_source),
        }
    }

    /// Applies an element's operators in order.
    fn apply(&self, built: Built, steps: &[Step]) -> Built {
        let mut pat = built.pat;
        for step in steps {
            pat = match step {
                Step::Replicate(reps) => match Fraction::from_f64(*reps) {
                    Some(n) if !n.is_zero() => repeat_cycles(&pat, n).fast(n),
                    _ => silence(),
                },
                Step::Op(op) => self.operator(pat, op),
            };
        }
        Built { pat, ..built }
    }

    fn operator(&self, pat: Pattern<Value>, op: &Op) -> Pattern<Value> {
        match &op.kind {
            OpKind::Fast(factor) => self.stretch(pat, factor, false),
            OpKind::Slow(factor) => self.stretch(pat, factor, true),
            OpKind::Degrade(amount) => {
                let with = rand().early(rand_offset(self.seeds.get(op)));
                degrade_by_with(&pat, &with, amount.unwrap_or(0.5))
            }
            OpKind::Euclid {
                pulses,
                steps,
                rotation,
            } => self.euclid(pat, pulses, steps, rotation.as_deref()),
            OpKind::Tail(value) => {
                let tail = self.node(value).pat;
                pat.app_left(&tail, append_to_list)
            }
            OpKind::Range(end) => {
                let ends = self.node(end).pat;
                pat.squeeze_bind(move |start| {
                    let start = start.clone();
                    ends.bind(move |end| fastcat(count_from_to(&start, end)))
                })
            }
            OpKind::Weight(_) | OpKind::Elongate(_) | OpKind::Replicate(_) => pat,
        }
    }

    /// `*factor` and `/factor`: a constant factor (a bare number) applies
    /// directly; a patterned one is sampled per its own events (inner join).
    fn stretch(&self, pat: Pattern<Value>, factor: &MiniNode, slow: bool) -> Pattern<Value> {
        let factor = self.node(factor).pat;
        let steps = pat.steps;
        let by = move |value: &Value| match value.as_f64().and_then(Fraction::from_f64) {
            Some(f) if f.is_zero() => silence(),
            Some(f) if slow => pat.fast(Fraction::ONE / f),
            Some(f) => pat.fast(f),
            None => silence(),
        };
        match &factor.pure {
            Some(value) => by(value).with_steps(steps),
            // Strudel's `fast` keeps the steps of its pattern; `slow` does not.
            None => factor
                .inner_bind(by)
                .with_steps(if slow { None } else { steps }),
        }
    }

    /// `(pulses,steps,rotation)`. Like Strudel, the arguments' own operators
    /// are ignored; constants apply directly, patterns by inner join.
    fn euclid(
        &self,
        pat: Pattern<Value>,
        pulses: &Element,
        steps: &Element,
        rotation: Option<&Element>,
    ) -> Pattern<Value> {
        let args: Vec<Pattern<Value>> = [pulses, steps]
            .into_iter()
            .chain(rotation)
            .map(|e| self.node(&e.body).pat)
            .collect();
        let apply = move |values: &[Value]| {
            let whole = |v: &Value| {
                v.as_f64()
                    .filter(|x| x.fract() == 0.0 && x.abs() < 1e9)
                    .map(|x| x as i64)
            };
            let turn = values.get(2).map_or(Some(0), |v| {
                v.as_f64()
                    .filter(|x| x.is_finite())
                    .map(|x| x.trunc() as i64)
            });
            match (whole(&values[0]), whole(&values[1]), turn) {
                (Some(k), Some(n), Some(rot)) => euclid_rot(&pat, k, n, rot),
                _ => silence(),
            }
        };
        if let Some(values) = args
            .iter()
            .map(|a| a.pure.clone())
            .collect::<Option<Vec<Value>>>()
        {
            return apply(&values);
        }
        let mut combined: Pattern<Vec<Value>> = args[0].fmap(|v| vec![v]);
        for arg in &args[1..] {
            combined = combined.app_left(arg, |list, v| {
                let mut list = list.clone();
                list.push(v.clone());
                list
            });
        }
        combined.inner_bind(move |values| apply(values))
    }
}

fn rand_offset(seed: u32) -> Fraction {
    Fraction::from_f64(RAND_OFFSET * f64::from(seed)).unwrap_or(Fraction::ZERO)
}

/// Steps of a group: the least common multiple of its `^`-marked children's
/// steps if it has any, else what the combinator computed.
fn with_source_steps(mut pat: Pattern<Value>, children: &[Built]) -> Built {
    let sources: Vec<&Built> = children.iter().filter(|c| c.steps_source).collect();
    if !sources.is_empty() {
        pat.steps = lcm_known(sources.iter().map(|c| c.pat.steps));
    }
    Built {
        pat,
        weight: None,
        steps_source: !sources.is_empty(),
    }
}

/// The least common multiple of the known step counts (unknown ones are
/// skipped, as Strudel's `lcm` does).
fn lcm_known(steps: impl Iterator<Item = Option<Fraction>>) -> Option<Fraction> {
    lcm_steps(steps.flatten().map(Some))
}

/// `bd:3`: the value becomes a list, or a list grows by one.
fn append_to_list(head: &Value, tail: &Value) -> Value {
    match head {
        Value::List(items) => {
            let mut items = items.clone();
            items.push(tail.clone());
            Value::List(items)
        }
        other => Value::List(vec![other.clone(), tail.clone()]),
    }
}

/// `a .. b`: the numbers from `a` to `b` in steps of one, either way.
fn count_from_to(start: &Value, end: &Value) -> Vec<Pattern<Value>> {
    /// A range is a list of patterns: refuse absurd lengths rather than
    /// exhaust memory.
    const LONGEST_RANGE: f64 = 65_536.0;
    let (Some(start), Some(end)) = (start.as_f64(), end.as_f64()) else {
        return Vec::new();
    };
    let length = (end - start).abs() + 1.0;
    if !length.is_finite() || length > LONGEST_RANGE {
        return Vec::new();
    }
    (0..length as usize)
        .map(|i| {
            let offset = i as f64;
            pure(Value::Num(if start < end {
                start + offset
            } else {
                start - offset
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn onsets(text: &str, cycles: i64) -> Vec<(String, String)> {
        let pat = parse_pattern(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
        pat.query_arc(Fraction::ZERO, Fraction::from_int(cycles))
            .into_iter()
            .filter(|h| h.has_onset())
            .map(|h| (h.part.begin.to_string(), h.value.to_json()))
            .collect()
    }

    #[test]
    fn a_whole_string_is_not_pure_but_an_argument_is() {
        assert!(parse_pattern("2").expect("parses").pure.is_none());
        let ast = parse_mini("bd*2", 0).expect("parses");
        let MiniKind::Sequence(sequence) = &ast.root.kind else {
            panic!("a sequence")
        };
        let OpKind::Fast(factor) = &sequence.elements[0].ops[0].kind else {
            panic!("a fast")
        };
        let builder = Builder {
            seeds: Seeds::number(&ast),
        };
        assert_eq!(builder.node(factor).pat.pure, Some(Value::Num(2.0)));
    }

    #[test]
    fn seeds_follow_krills_order() {
        // The `?` inside the `*` argument is numbered before the outer `?`,
        // and a choice after its options.
        let ast = parse_mini("a?*[b?] [c? | d]", 0).expect("parses");
        let seeds = Seeds::number(&ast);
        let mut numbers: Vec<u32> = seeds.by_node.values().copied().collect();
        numbers.sort_unstable();
        assert_eq!(numbers, vec![0, 1, 2, 3]);
        let MiniKind::Sequence(top) = &ast.root.kind else {
            panic!("a sequence")
        };
        assert_eq!(seeds.get(&top.elements[0].ops[0]), 1);
        assert_eq!(seeds.get(&top.elements[1].body), 3);
    }

    #[test]
    fn sample_indices_and_ranges() {
        assert_eq!(onsets("bd:3", 1), vec![("0".into(), r#"["bd",3]"#.into())]);
        let values: Vec<String> = onsets("3 .. 0", 1).into_iter().map(|o| o.1).collect();
        assert_eq!(values, vec!["3", "2", "1", "0"]);
    }

    #[test]
    fn replicate_and_weights() {
        let begins: Vec<String> = onsets("bd!2 sn@2", 1).into_iter().map(|o| o.0).collect();
        assert_eq!(begins, vec!["0", "1/4", "1/2"]);
    }
}
