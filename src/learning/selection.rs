//! Choosing generator, angle and tone for the plan job: ε-greedy roulette plus a slot bias.
//!
//! Why ε: a pure roulette over learned weights stops trying arms it is wrong about; exploring
//! uniformly 20% of the time keeps evidence flowing for every generator. Why the slot bias: the slot
//! gives the day its editorial shape, so 30% of picks follow the slot's preferences regardless of
//! what the weights say. The RNG draw sequence is fixed (see [`select_generator`]) so a seed
//! reproduces a plan exactly.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::objective::InvalidParam;
use super::rng::Rng;
use super::vocab::{ANGLES, GENERATORS, SlotDef, TONES, is_angle, is_generator, is_tone};
use super::weights::Feature;

/// Selection tunables.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SelectionParams {
    /// Probability of a uniform exploratory pick.
    pub epsilon: f64,
    /// Probability the pick is replaced by one of the slot's preferred values.
    pub slot_bias: f64,
}

impl Default for SelectionParams {
    fn default() -> Self {
        SelectionParams {
            epsilon: 0.2,
            slot_bias: 0.3,
        }
    }
}

impl SelectionParams {
    /// Both probabilities must lie in [0, 1].
    pub fn validate(&self) -> Result<(), InvalidParam> {
        for (name, value) in [("epsilon", self.epsilon), ("slot_bias", self.slot_bias)] {
            if !(0.0..=1.0).contains(&value) {
                return Err(InvalidParam {
                    name,
                    value,
                    expected: "a probability between 0 and 1",
                });
            }
        }
        Ok(())
    }
}

/// How a value was chosen (recorded for analysis and shown in the console).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceSource {
    /// ε exploration: uniform over the whole vocabulary.
    Explore,
    /// Roulette over learned weights.
    Weighted,
    /// Replaced by one of the slot's preferred values.
    SlotPreference,
    /// No usable weights: uniform over the vocabulary.
    Uniform,
}

impl ChoiceSource {
    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChoiceSource::Explore => "explore",
            ChoiceSource::Weighted => "weighted",
            ChoiceSource::SlotPreference => "slot_preference",
            ChoiceSource::Uniform => "uniform",
        }
    }
}

/// A chosen value and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The value (always a member of its vocabulary).
    pub value: String,
    /// How it was chosen.
    pub how: ChoiceSource,
}

/// The shared algorithm. Draw sequence, always the same for a seed:
/// 1. `chance(ε)`; 2. a uniform pick (explore / no weights) or one roulette draw;
/// 3. `chance(slot_bias)`; 4. if it hit and the slot has known preferences, a uniform pick among them.
fn select_from(
    vocab: &'static [&'static str],
    is_known: fn(&str) -> bool,
    weights: Option<&BTreeMap<String, f64>>,
    preferred: &'static [&'static str],
    p: &SelectionParams,
    rng: &mut Rng,
) -> Choice {
    let uniform = |rng: &mut Rng| vocab.get(rng.below(vocab.len())).copied().unwrap_or("");
    let mut choice = if rng.chance(p.epsilon) {
        Choice {
            value: uniform(rng).to_owned(),
            how: ChoiceSource::Explore,
        }
    } else {
        // Only known names with finite positive weights take part; BTreeMap order keeps it stable.
        let candidates: Vec<(&str, f64)> = weights
            .into_iter()
            .flatten()
            .filter(|(name, w)| is_known(name) && w.is_finite() && **w > 0.0)
            .map(|(name, w)| (name.as_str(), *w))
            .collect();
        let ws: Vec<f64> = candidates.iter().map(|(_, w)| *w).collect();
        match rng.weighted_index(&ws).and_then(|i| candidates.get(i)) {
            Some((name, _)) => Choice {
                value: (*name).to_owned(),
                how: ChoiceSource::Weighted,
            },
            None => Choice {
                value: uniform(rng).to_owned(),
                how: ChoiceSource::Uniform,
            },
        }
    };
    if rng.chance(p.slot_bias) {
        let known: Vec<&str> = preferred.iter().copied().filter(|n| is_known(n)).collect();
        if let Some(pick) = rng.pick(&known) {
            choice = Choice {
                value: (*pick).to_owned(),
                how: ChoiceSource::SlotPreference,
            };
        }
    }
    choice
}

/// Picks a generator: with probability ε uniform over all 22, else roulette over `weights` (the
/// active map's `generator_name` weights; unknown names and non-positive weights ignored; uniform
/// when none is usable); then with probability `slot_bias` one of the slot's preferred generators.
pub fn select_generator(
    weights: Option<&BTreeMap<String, f64>>,
    slot: &SlotDef,
    p: &SelectionParams,
    rng: &mut Rng,
) -> Choice {
    select_from(&GENERATORS, is_generator, weights, slot.generators, p, rng)
}

/// Picks a tone like [`select_generator`], over [`TONES`] and the map's `tone` weights.
pub fn select_tone(
    weights: Option<&BTreeMap<String, f64>>,
    slot: &SlotDef,
    p: &SelectionParams,
    rng: &mut Rng,
) -> Choice {
    select_from(&TONES, is_tone, weights, slot.tones, p, rng)
}

/// Picks an angle like [`select_generator`], over [`ANGLES`]. The weight map has no angle feature,
/// so callers pass `None` today and the base pick is uniform; weights are accepted for the day it has.
pub fn select_angle(
    weights: Option<&BTreeMap<String, f64>>,
    slot: &SlotDef,
    p: &SelectionParams,
    rng: &mut Rng,
) -> Choice {
    select_from(&ANGLES, is_angle, weights, slot.angles, p, rng)
}

/// Generator, angle and tone of one planned post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentChoice {
    /// Chosen generator.
    pub generator: Choice,
    /// Chosen angle.
    pub angle: Choice,
    /// Chosen tone.
    pub tone: Choice,
}

/// All three picks from an active map's weights (column → value → weight), in the fixed order
/// generator, angle, tone.
pub fn select_content(
    map_weights: Option<&BTreeMap<String, BTreeMap<String, f64>>>,
    slot: &SlotDef,
    p: &SelectionParams,
    rng: &mut Rng,
) -> ContentChoice {
    let feature = |f: Feature| map_weights.and_then(|m| m.get(f.column()));
    let generator = select_generator(feature(Feature::Generator), slot, p, rng);
    let angle = select_angle(None, slot, p, rng);
    let tone = select_tone(feature(Feature::Tone), slot, p, rng);
    ContentChoice {
        generator,
        angle,
        tone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::rng::Rng;
    use crate::learning::vocab::{SLOTS, slot};
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn no_bias() -> SelectionParams {
        SelectionParams {
            epsilon: 0.0,
            slot_bias: 0.0,
        }
    }

    #[test]
    fn deterministic_for_a_seed() {
        let s = slot("research").unwrap();
        let w = BTreeMap::from([("coach".to_string(), 0.7), ("teacher".to_string(), 0.3)]);
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..50)
                .map(|_| select_generator(Some(&w), s, &SelectionParams::default(), &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }

    #[test]
    fn roulette_follows_weights_and_ignores_unknown_or_bad_entries() {
        let s = slot("news").unwrap();
        let w = BTreeMap::from([
            ("coach".to_string(), 3.0),
            ("teacher".to_string(), 1.0),
            ("notAGenerator".to_string(), 100.0),
            ("dataNerd".to_string(), f64::NAN),
            ("historian".to_string(), -5.0),
            ("explorer".to_string(), f64::INFINITY),
        ]);
        let mut rng = Rng::new(4);
        let mut counts: HashMap<String, u32> = HashMap::new();
        for _ in 0..20_000 {
            let c = select_generator(Some(&w), s, &no_bias(), &mut rng);
            assert_eq!(c.how, ChoiceSource::Weighted);
            *counts.entry(c.value).or_default() += 1;
        }
        assert_eq!(counts.len(), 2, "{counts:?}");
        let coach = f64::from(counts["coach"]) / 20_000.0;
        assert!((coach - 0.75).abs() < 0.02, "{coach}");
    }

    #[test]
    fn uniform_without_usable_weights() {
        let s = slot("story").unwrap();
        let mut rng = Rng::new(5);
        let empty = BTreeMap::new();
        for w in [None, Some(&empty)] {
            let c = select_generator(w, s, &no_bias(), &mut rng);
            assert_eq!(c.how, ChoiceSource::Uniform);
            assert!(is_generator(&c.value));
        }
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..2_000 {
            seen.insert(select_generator(None, s, &no_bias(), &mut rng).value);
        }
        assert_eq!(seen.len(), 22);
    }

    #[test]
    fn epsilon_and_slot_bias_rates() {
        let s = slot("deep_dive").unwrap();
        let w = BTreeMap::from([("coach".to_string(), 1.0)]);
        let mut rng = Rng::new(6);
        let n = 20_000;
        let mut by_source: HashMap<ChoiceSource, u32> = HashMap::new();
        for _ in 0..n {
            let c = select_generator(Some(&w), s, &SelectionParams::default(), &mut rng);
            if c.how == ChoiceSource::SlotPreference {
                assert!(s.generators.contains(&c.value.as_str()));
            }
            *by_source.entry(c.how).or_default() += 1;
        }
        let rate = |src| f64::from(by_source.get(&src).copied().unwrap_or(0)) / f64::from(n);
        assert!((rate(ChoiceSource::SlotPreference) - 0.3).abs() < 0.015);
        assert!((rate(ChoiceSource::Explore) - 0.2 * 0.7).abs() < 0.015);
        assert!((rate(ChoiceSource::Weighted) - 0.8 * 0.7).abs() < 0.015);

        let always = SelectionParams {
            epsilon: 0.0,
            slot_bias: 1.0,
        };
        let c = select_tone(None, s, &always, &mut rng);
        assert_eq!(c.how, ChoiceSource::SlotPreference);
        assert!(s.tones.contains(&c.value.as_str()));
        let c = select_angle(None, s, &always, &mut rng);
        assert!(s.angles.contains(&c.value.as_str()));
    }

    #[test]
    fn tone_uses_map_weights_angle_is_uniform() {
        let s = slot("question").unwrap();
        let map = BTreeMap::from([
            (
                "tone".to_string(),
                BTreeMap::from([("skeptical".to_string(), 1.0)]),
            ),
            (
                "generator_name".to_string(),
                BTreeMap::from([("historian".to_string(), 1.0)]),
            ),
        ]);
        let mut rng = Rng::new(8);
        let c = select_content(Some(&map), s, &no_bias(), &mut rng);
        assert_eq!(c.generator.value, "historian");
        assert_eq!(c.tone.value, "skeptical");
        assert_eq!(c.tone.how, ChoiceSource::Weighted);
        assert_eq!(c.angle.how, ChoiceSource::Uniform);
        assert!(is_angle(&c.angle.value));
    }

    #[test]
    fn params_validation() {
        assert!(SelectionParams::default().validate().is_ok());
        let bad = SelectionParams {
            epsilon: 1.5,
            slot_bias: 0.3,
        };
        assert_eq!(
            bad.validate().unwrap_err().to_string(),
            "epsilon must be a probability between 0 and 1 (got 1.5)"
        );
    }

    proptest! {
        #[test]
        fn selection_always_returns_known_values(
            seed in any::<u64>(),
            slot_idx in 0usize..12,
            entries in prop::collection::vec(
                (
                    prop_oneof![
                        prop::sample::select(GENERATORS.to_vec()).prop_map(str::to_owned),
                        prop::sample::select(TONES.to_vec()).prop_map(str::to_owned),
                        ".{0,12}",
                    ],
                    any::<f64>(),
                ),
                0..30,
            ),
            epsilon in any::<f64>(),
            slot_bias in any::<f64>(),
        ) {
            let w: BTreeMap<String, f64> = entries.into_iter().collect();
            let slot = &SLOTS[slot_idx];
            let mut rng = Rng::new(seed);
            for p in [SelectionParams { epsilon, slot_bias }, SelectionParams::default()] {
                let g = select_generator(Some(&w), slot, &p, &mut rng);
                prop_assert!(is_generator(&g.value), "{g:?}");
                let t = select_tone(Some(&w), slot, &p, &mut rng);
                prop_assert!(is_tone(&t.value), "{t:?}");
                let a = select_angle(Some(&w), slot, &p, &mut rng);
                prop_assert!(is_angle(&a.value), "{a:?}");
            }
        }
    }
}
