//! The descriptors a post is learned by: each is a column of `vw_learning` with its own decay
//! context. Leaderboards exist for all six; weight maps use five (not hook).

use std::fmt;

use super::decay::DecayContext;
use super::weights::Feature;

/// A descriptor of posts that outcomes are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Generator,
    Topic,
    Tone,
    Hook,
    Slot,
    DecisionType,
}

impl Dimension {
    pub const ALL: [Dimension; 6] = [
        Dimension::Generator,
        Dimension::Topic,
        Dimension::Tone,
        Dimension::Hook,
        Dimension::Slot,
        Dimension::DecisionType,
    ];

    /// The `vw_learning` column. A closed set: safe to place in SQL text.
    pub fn column(self) -> &'static str {
        match self {
            Dimension::Generator => "generator_name",
            Dimension::Topic => "topic",
            Dimension::Tone => "tone",
            Dimension::Hook => "hook_type",
            Dimension::Slot => "content_slot",
            Dimension::DecisionType => "decision_type",
        }
    }

    /// The name used on the command line and in the console.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Generator => "generator",
            Dimension::Topic => "topic",
            Dimension::Tone => "tone",
            Dimension::Hook => "hook",
            Dimension::Slot => "slot",
            Dimension::DecisionType => "decision_type",
        }
    }

    pub fn parse(name: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.name() == name)
    }

    pub fn decay_context(self) -> DecayContext {
        match self {
            Dimension::Generator => DecayContext::Generator,
            Dimension::Topic => DecayContext::Topic,
            Dimension::Tone => DecayContext::Tone,
            Dimension::Hook => DecayContext::Hook,
            Dimension::Slot => DecayContext::Slot,
            Dimension::DecisionType => DecayContext::DecisionType,
        }
    }

    /// The weight-map feature for this dimension, if it is one.
    pub fn feature(self) -> Option<Feature> {
        match self {
            Dimension::Generator => Some(Feature::Generator),
            Dimension::Topic => Some(Feature::Topic),
            Dimension::Tone => Some(Feature::Tone),
            Dimension::Hook => None,
            Dimension::Slot => Some(Feature::Slot),
            Dimension::DecisionType => Some(Feature::DecisionType),
        }
    }

    pub fn from_feature(f: Feature) -> Dimension {
        match f {
            Feature::Generator => Dimension::Generator,
            Feature::Topic => Dimension::Topic,
            Feature::Tone => Dimension::Tone,
            Feature::DecisionType => Dimension::DecisionType,
            Feature::Slot => Dimension::Slot,
        }
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_features_map_back() {
        for d in Dimension::ALL {
            assert_eq!(Dimension::parse(d.name()), Some(d));
            if let Some(f) = d.feature() {
                assert_eq!(Dimension::from_feature(f), d);
                assert_eq!(f.column(), d.column());
            }
        }
        assert_eq!(Dimension::parse("nope"), None);
    }
}
