//! Closed vocabularies: generators, content slots, hook types, decision types, angles, tones, topics.
//!
//! Why closed: the learning core aggregates by these names, so a typo in config ("datanerd") would
//! silently create a new, never-winning arm. Config is validated against these lists at start-up and
//! an unknown name is an error naming the known ones.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The 22 content generators, in the spec's order (the order is used for uniform picks and display).
pub const GENERATORS: [&str; 22] = [
    "contrarian",
    "culturalBridge",
    "dataNerd",
    "storyteller",
    "coach",
    "explorer",
    "thoughtLeader",
    "mythBuster",
    "newsReporter",
    "philosopher",
    "provocateur",
    "interestingContent",
    "dynamicContent",
    "popCultureAnalyst",
    "teacher",
    "investigator",
    "connector",
    "pragmatist",
    "historian",
    "translator",
    "patternFinder",
    "experimenter",
];

/// Hook types a post can open with (`none` = no deliberate hook).
pub const HOOK_TYPES: [&str; 8] = [
    "question",
    "statistic",
    "contrarian",
    "framework",
    "practical",
    "story",
    "reveal",
    "none",
];

/// Decision types of `content_metadata.decision_type`.
pub const DECISION_TYPES: [&str; 3] = ["single", "thread", "reply"];

/// Health-content angles (how a topic is approached). Not a weight-map feature.
pub const ANGLES: [&str; 12] = [
    "mechanism",
    "myth_vs_fact",
    "step_by_step",
    "personal_story",
    "research_summary",
    "comparison",
    "historical",
    "common_mistake",
    "practical_habit",
    "contrarian_take",
    "future_trend",
    "q_and_a",
];

/// Voice of a post. A weight-map feature (`tone`).
pub const TONES: [&str; 8] = [
    "calm",
    "authoritative",
    "curious",
    "witty",
    "empathetic",
    "direct",
    "skeptical",
    "enthusiastic",
];

/// Health topics the bot writes about (`content_metadata.raw_topic` / `vw_learning.topic`).
pub const TOPICS: [&str; 25] = [
    "sleep",
    "gut_health",
    "strength_training",
    "zone2_cardio",
    "protein",
    "creatine",
    "fasting",
    "blood_sugar",
    "vitamin_d",
    "magnesium",
    "stress",
    "sunlight",
    "hydration",
    "longevity",
    "heart_health",
    "mental_health",
    "alcohol",
    "caffeine",
    "posture",
    "mobility",
    "ultra_processed_food",
    "fiber",
    "omega3",
    "walking",
    "cold_exposure",
];

/// A content slot: a kind of post for the day, with the generators, angles and tones it prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct SlotDef {
    /// Slot name as stored in `content_metadata.content_slot`.
    pub name: &'static str,
    /// Preferred generators (spec section 4, in the spec's order).
    pub generators: &'static [&'static str],
    /// Preferred angles (subset of [`ANGLES`]).
    pub angles: &'static [&'static str],
    /// Preferred tones (subset of [`TONES`]).
    pub tones: &'static [&'static str],
}

/// The 12 content slots, in the spec's order.
pub const SLOTS: [SlotDef; 12] = [
    SlotDef {
        name: "myth_busting",
        generators: &["mythBuster", "contrarian", "dataNerd"],
        angles: &["myth_vs_fact", "common_mistake", "contrarian_take"],
        tones: &["skeptical", "direct", "witty"],
    },
    SlotDef {
        name: "framework",
        generators: &["coach", "teacher", "thoughtLeader"],
        angles: &["step_by_step", "mechanism", "practical_habit"],
        tones: &["authoritative", "calm"],
    },
    SlotDef {
        name: "research",
        generators: &["dataNerd", "investigator"],
        angles: &["research_summary", "mechanism"],
        tones: &["authoritative", "curious", "skeptical"],
    },
    SlotDef {
        name: "practical_tip",
        generators: &["coach", "pragmatist", "teacher"],
        angles: &["practical_habit", "step_by_step", "common_mistake"],
        tones: &["direct", "enthusiastic"],
    },
    SlotDef {
        name: "case_study",
        generators: &["storyteller", "culturalBridge", "experimenter"],
        angles: &["personal_story", "research_summary"],
        tones: &["empathetic", "curious"],
    },
    SlotDef {
        name: "trend_analysis",
        generators: &["newsReporter", "thoughtLeader", "patternFinder"],
        angles: &["future_trend", "research_summary", "comparison"],
        tones: &["curious", "authoritative"],
    },
    SlotDef {
        name: "comparison",
        generators: &["dataNerd", "pragmatist", "investigator"],
        angles: &["comparison", "myth_vs_fact"],
        tones: &["direct", "skeptical"],
    },
    SlotDef {
        name: "deep_dive",
        generators: &["investigator", "philosopher", "patternFinder"],
        angles: &["mechanism", "historical", "research_summary"],
        tones: &["calm", "curious", "authoritative"],
    },
    SlotDef {
        name: "question",
        generators: &["provocateur", "thoughtLeader", "connector"],
        angles: &["q_and_a", "contrarian_take"],
        tones: &["curious", "witty"],
    },
    SlotDef {
        name: "story",
        generators: &["storyteller", "culturalBridge", "historian"],
        angles: &["personal_story", "historical"],
        tones: &["empathetic", "calm"],
    },
    SlotDef {
        name: "news",
        generators: &["newsReporter", "dataNerd", "investigator"],
        angles: &["research_summary", "future_trend"],
        tones: &["direct", "authoritative"],
    },
    SlotDef {
        name: "educational",
        generators: &["teacher", "coach", "translator"],
        angles: &["mechanism", "q_and_a", "step_by_step"],
        tones: &["calm", "empathetic"],
    },
];

/// The slot names, in [`SLOTS`] order (derived at compile time so the two cannot drift).
pub const SLOT_NAMES: [&str; 12] = {
    let mut out = [""; 12];
    let mut i = 0;
    while i < SLOTS.len() {
        out[i] = SLOTS[i].name;
        i += 1;
    }
    out
};

/// All slots as a `'static` slice (a reference to the const is promoted, so borrows are `'static`).
pub fn all_slots() -> &'static [SlotDef; 12] {
    &SLOTS
}

/// Looks a slot up by exact name.
pub fn slot(name: &str) -> Option<&'static SlotDef> {
    all_slots().iter().find(|s| s.name == name)
}

/// True for one of the 22 [`GENERATORS`] (exact, case-sensitive).
pub fn is_generator(name: &str) -> bool {
    GENERATORS.contains(&name)
}

/// True for one of the 12 slot names.
pub fn is_slot(name: &str) -> bool {
    SLOT_NAMES.contains(&name)
}

/// True for one of the [`HOOK_TYPES`].
pub fn is_hook_type(name: &str) -> bool {
    HOOK_TYPES.contains(&name)
}

/// True for one of the [`DECISION_TYPES`].
pub fn is_decision_type(name: &str) -> bool {
    DECISION_TYPES.contains(&name)
}

/// True for one of the [`TONES`].
pub fn is_tone(name: &str) -> bool {
    TONES.contains(&name)
}

/// True for one of the [`ANGLES`].
pub fn is_angle(name: &str) -> bool {
    ANGLES.contains(&name)
}

/// True for one of the [`TOPICS`].
pub fn is_topic(name: &str) -> bool {
    TOPICS.contains(&name)
}

/// Which closed vocabulary a name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VocabKind {
    /// [`GENERATORS`]
    Generator,
    /// [`SLOT_NAMES`]
    Slot,
    /// [`HOOK_TYPES`]
    HookType,
    /// [`DECISION_TYPES`]
    DecisionType,
    /// [`ANGLES`]
    Angle,
    /// [`TONES`]
    Tone,
    /// [`TOPICS`]
    Topic,
}

impl VocabKind {
    /// Every kind, for iteration.
    pub const ALL: [VocabKind; 7] = [
        VocabKind::Generator,
        VocabKind::Slot,
        VocabKind::HookType,
        VocabKind::DecisionType,
        VocabKind::Angle,
        VocabKind::Tone,
        VocabKind::Topic,
    ];

    /// The known names of this vocabulary.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            VocabKind::Generator => &GENERATORS,
            VocabKind::Slot => &SLOT_NAMES,
            VocabKind::HookType => &HOOK_TYPES,
            VocabKind::DecisionType => &DECISION_TYPES,
            VocabKind::Angle => &ANGLES,
            VocabKind::Tone => &TONES,
            VocabKind::Topic => &TOPICS,
        }
    }

    /// Human-readable singular label used in error messages ("hook type").
    pub fn label(self) -> &'static str {
        match self {
            VocabKind::Generator => "generator",
            VocabKind::Slot => "slot",
            VocabKind::HookType => "hook type",
            VocabKind::DecisionType => "decision type",
            VocabKind::Angle => "angle",
            VocabKind::Tone => "tone",
            VocabKind::Topic => "topic",
        }
    }

    /// True when `name` is in this vocabulary (exact, case-sensitive).
    pub fn contains(self, name: &str) -> bool {
        self.names().contains(&name)
    }
}

impl fmt::Display for VocabKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A name outside its closed vocabulary. Display: `unknown generator "fooBar" (known: contrarian, …)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} \"{name}\" (known: {known})", known = .kind.names().join(", "))]
pub struct UnknownName {
    /// The vocabulary that was searched.
    pub kind: VocabKind,
    /// The offending name, verbatim.
    pub name: String,
}

/// Checks `name` against the vocabulary `kind`.
pub fn validate_name(kind: VocabKind, name: &str) -> Result<(), UnknownName> {
    if kind.contains(name) {
        Ok(())
    } else {
        Err(UnknownName {
            kind,
            name: name.to_owned(),
        })
    }
}

/// A string that does not name a variant of a small fixed enum (tier, priority, override, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} \"{value}\" (expected one of: {expected})")]
pub struct ParseEnumError {
    /// What was being parsed ("budget tier").
    pub what: &'static str,
    /// The input, verbatim.
    pub value: String,
    /// The accepted spellings, comma separated.
    pub expected: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn assert_unique(names: &[&str]) {
        let set: HashSet<_> = names.iter().collect();
        assert_eq!(set.len(), names.len(), "duplicates in {names:?}");
    }

    #[test]
    fn vocabularies_are_unique_and_sized() {
        for kind in VocabKind::ALL {
            assert_unique(kind.names());
        }
        assert_eq!(GENERATORS.len(), 22);
        assert_eq!(SLOTS.len(), 12);
        assert_eq!(HOOK_TYPES.len(), 8);
        assert_eq!(GENERATORS[0], "contrarian");
        assert_eq!(GENERATORS[21], "experimenter");
    }

    #[test]
    fn slot_preferences_are_in_their_vocabularies() {
        for s in &SLOTS {
            assert!(!s.generators.is_empty() && !s.angles.is_empty() && !s.tones.is_empty());
            assert!((2..=3).contains(&s.angles.len()), "{}", s.name);
            assert!((2..=3).contains(&s.tones.len()), "{}", s.name);
            for g in s.generators {
                assert!(is_generator(g), "{} prefers unknown generator {g}", s.name);
            }
            for a in s.angles {
                assert!(is_angle(a), "{} prefers unknown angle {a}", s.name);
            }
            for t in s.tones {
                assert!(is_tone(t), "{} prefers unknown tone {t}", s.name);
            }
        }
    }

    #[test]
    fn slot_table_matches_spec() {
        let expect: [(&str, &[&str]); 12] = [
            ("myth_busting", &["mythBuster", "contrarian", "dataNerd"]),
            ("framework", &["coach", "teacher", "thoughtLeader"]),
            ("research", &["dataNerd", "investigator"]),
            ("practical_tip", &["coach", "pragmatist", "teacher"]),
            (
                "case_study",
                &["storyteller", "culturalBridge", "experimenter"],
            ),
            (
                "trend_analysis",
                &["newsReporter", "thoughtLeader", "patternFinder"],
            ),
            ("comparison", &["dataNerd", "pragmatist", "investigator"]),
            (
                "deep_dive",
                &["investigator", "philosopher", "patternFinder"],
            ),
            ("question", &["provocateur", "thoughtLeader", "connector"]),
            ("story", &["storyteller", "culturalBridge", "historian"]),
            ("news", &["newsReporter", "dataNerd", "investigator"]),
            ("educational", &["teacher", "coach", "translator"]),
        ];
        for (def, (name, gens)) in SLOTS.iter().zip(expect) {
            assert_eq!(def.name, name);
            assert_eq!(def.generators, gens);
        }
        assert_eq!(SLOT_NAMES[11], "educational");
    }

    #[test]
    fn lookups() {
        assert_eq!(slot("deep_dive").map(|s| s.name), Some("deep_dive"));
        assert!(slot("Deep_Dive").is_none());
        assert!(is_generator("dataNerd") && !is_generator("datanerd"));
        assert!(is_slot("news") && !is_slot("nope"));
        assert!(is_hook_type("none") && !is_hook_type(""));
        assert!(is_decision_type("thread") && !is_decision_type("quote"));
        assert!(is_tone("witty") && !is_tone("angry"));
        assert!(is_angle("q_and_a") && !is_angle("qa"));
        assert!(is_topic("omega3") && !is_topic("omega-3"));
    }

    #[test]
    fn unknown_name_message() {
        let err = validate_name(VocabKind::Generator, "fooBar").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("unknown generator \"fooBar\" (known: contrarian, culturalBridge, "),
            "{msg}"
        );
        assert!(msg.ends_with("patternFinder, experimenter)"), "{msg}");
        assert!(validate_name(VocabKind::Slot, "news").is_ok());
        let msg = validate_name(VocabKind::HookType, "x")
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("unknown hook type \"x\""), "{msg}");
    }
}
