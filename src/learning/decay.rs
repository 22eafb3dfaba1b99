//! Time decay: d = max(floor, e^(−λ·age_days)); rows older than max_age are left out entirely.
//!
//! Why per context: generators are a stable trait of the bot (slow decay, long memory), while topics
//! and hooks follow what is fashionable this month (fast decay, short memory). The floor keeps an old
//! but still-included row from vanishing to zero weight.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::objective::{InvalidParam, check_positive};

/// What is being learned; each context has its own decay parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecayContext {
    /// generator_name: 0.08 / 0.20 / 90 days.
    Generator,
    /// topic: 0.12 / 0.10 / 45 days.
    Topic,
    /// tone: 0.10 / 0.15 / 60 days.
    Tone,
    /// hook_type: 0.15 / 0.10 / 30 days.
    Hook,
    /// content_slot: 0.10 / 0.10 / 60 days.
    Slot,
    /// decision_type: the default parameters.
    DecisionType,
    /// Anything else: 0.10 / 0.10 / 60 days.
    Default,
}

impl DecayContext {
    /// Every context, for iteration.
    pub const ALL: [DecayContext; 7] = [
        DecayContext::Generator,
        DecayContext::Topic,
        DecayContext::Tone,
        DecayContext::Hook,
        DecayContext::Slot,
        DecayContext::DecisionType,
        DecayContext::Default,
    ];

    /// The spec's parameters for this context.
    pub fn params(self) -> DecayParams {
        let (lambda, floor, max_age_days) = match self {
            DecayContext::Generator => (0.08, 0.20, 90.0),
            DecayContext::Topic => (0.12, 0.10, 45.0),
            DecayContext::Tone => (0.10, 0.15, 60.0),
            DecayContext::Hook => (0.15, 0.10, 30.0),
            DecayContext::Slot | DecayContext::DecisionType | DecayContext::Default => {
                (0.10, 0.10, 60.0)
            }
        };
        DecayParams {
            lambda,
            floor,
            max_age_days,
        }
    }

    /// snake_case name ("decision_type").
    pub fn as_str(self) -> &'static str {
        match self {
            DecayContext::Generator => "generator",
            DecayContext::Topic => "topic",
            DecayContext::Tone => "tone",
            DecayContext::Hook => "hook",
            DecayContext::Slot => "slot",
            DecayContext::DecisionType => "decision_type",
            DecayContext::Default => "default",
        }
    }

    /// Inverse of [`DecayContext::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Decay parameters of one context.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DecayParams {
    /// Decay rate per day.
    pub lambda: f64,
    /// Lowest weight of an included row.
    pub floor: f64,
    /// Rows strictly older than this are excluded.
    pub max_age_days: f64,
}

impl DecayParams {
    /// The same parameters with another λ (the console's live what-if).
    pub fn with_lambda(self, lambda: f64) -> Self {
        DecayParams { lambda, ..self }
    }

    /// λ finite and ≥ 0, floor in [0, 1], max_age finite and > 0.
    pub fn validate(&self) -> Result<(), InvalidParam> {
        if !(self.lambda.is_finite() && self.lambda >= 0.0) {
            return Err(InvalidParam {
                name: "lambda",
                value: self.lambda,
                expected: "a finite number >= 0",
            });
        }
        if !(0.0..=1.0).contains(&self.floor) {
            return Err(InvalidParam {
                name: "floor",
                value: self.floor,
                expected: "between 0 and 1",
            });
        }
        check_positive("max_age_days", self.max_age_days)
    }
}

/// Age in fractional days of `then` at `now`; a timestamp in the future counts as age 0.
pub fn age_days(now: DateTime<Utc>, then: DateTime<Utc>) -> f64 {
    // Full precision: the database computes ages from exact timestamps too.
    let d = now.signed_duration_since(then);
    let secs = d.num_seconds() as f64 + f64::from(d.subsec_nanos()) / 1e9;
    (secs / 86_400.0).max(0.0)
}

/// Weight of a row of the given age; `None` when the row is left out (older than max_age, or NaN age).
///
/// Negative ages count as 0. Robust to bad parameters (no panic, never NaN, never increasing with
/// age): a NaN or negative λ is treated as 0 (no decay) — call [`DecayParams::validate`] to report it.
pub fn decay_weight(age_days: f64, p: &DecayParams) -> Option<f64> {
    if age_days.is_nan() || age_days > p.max_age_days {
        return None;
    }
    let age = age_days.max(0.0);
    let lambda = if p.lambda.is_finite() && p.lambda > 0.0 {
        p.lambda
    } else {
        0.0
    };
    let floor = if p.floor.is_nan() { 0.0 } else { p.floor };
    Some((-lambda * age).exp().max(floor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn weights_at_0_10_100_days() {
        use DecayContext::*;
        // (context, weight at 10 days); 100 days is beyond every max_age.
        let table = [
            (Generator, (-0.8f64).exp()),
            (Topic, (-1.2f64).exp()),
            (Tone, (-1.0f64).exp()),
            (Hook, (-1.5f64).exp()),
            (Slot, (-1.0f64).exp()),
            (DecisionType, (-1.0f64).exp()),
            (Default, (-1.0f64).exp()),
        ];
        for (ctx, at10) in table {
            let p = ctx.params();
            assert_eq!(decay_weight(0.0, &p), Some(1.0), "{ctx:?}");
            assert!(close(decay_weight(10.0, &p).unwrap(), at10), "{ctx:?}");
            assert_eq!(decay_weight(100.0, &p), None, "{ctx:?}");
        }
    }

    #[test]
    fn floor_and_max_age_edges() {
        let g = DecayContext::Generator.params();
        assert_eq!(decay_weight(30.0, &g), Some(0.20)); // e^-2.4 = 0.0907 < floor
        assert_eq!(decay_weight(90.0, &g), Some(0.20)); // exactly max_age: included
        assert_eq!(decay_weight(90.0001, &g), None);
        let h = DecayContext::Hook.params();
        assert_eq!(decay_weight(30.0, &h), Some(0.10));
        assert_eq!(decay_weight(31.0, &h), None);
        let t = DecayContext::Tone.params();
        assert_eq!(decay_weight(59.0, &t), Some(0.15));
        assert_eq!(decay_weight(-3.0, &t), Some(1.0));
        assert_eq!(decay_weight(f64::NAN, &t), None);
        assert_eq!(decay_weight(f64::INFINITY, &t), None);
    }

    #[test]
    fn params_table_and_names() {
        let p = DecayContext::Topic.params();
        assert_eq!((p.lambda, p.floor, p.max_age_days), (0.12, 0.10, 45.0));
        assert_eq!(
            DecayContext::DecisionType.params(),
            DecayContext::Default.params()
        );
        assert_eq!(DecayContext::Slot.params(), DecayContext::Default.params());
        for c in DecayContext::ALL {
            assert_eq!(DecayContext::parse(c.as_str()), Some(c));
            assert!(c.params().validate().is_ok());
        }
        assert_eq!(DecayContext::parse("nope"), None);
    }

    #[test]
    fn what_if_lambda() {
        let p = DecayContext::Tone.params().with_lambda(0.0);
        assert_eq!(decay_weight(50.0, &p), Some(1.0));
        assert_eq!(p.max_age_days, 60.0);
        let p = DecayContext::Tone.params().with_lambda(0.5);
        assert_eq!(decay_weight(10.0, &p), Some(0.15));
        // Bad λ: no decay rather than growth or NaN.
        let bad = DecayContext::Tone.params().with_lambda(-1.0);
        assert!(bad.validate().is_err());
        assert_eq!(decay_weight(10.0, &bad), Some(1.0));
        let nan = DecayContext::Tone.params().with_lambda(f64::NAN);
        assert_eq!(decay_weight(10.0, &nan), Some(1.0));
    }

    #[test]
    fn age_in_days() {
        let now = Utc.with_ymd_and_hms(2025, 6, 10, 12, 0, 0).unwrap();
        let then = Utc.with_ymd_and_hms(2025, 6, 8, 0, 0, 0).unwrap();
        assert_eq!(age_days(now, then), 2.5);
        assert_eq!(age_days(then, now), 0.0);
        assert_eq!(age_days(now, now), 0.0);
        assert!(age_days(DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC) > 0.0);
    }

    proptest! {
        #[test]
        fn decay_never_increases_with_age(a in -10.0..200.0f64, b in -10.0..200.0f64, lambda in prop::option::of(-1.0..2.0f64)) {
            let (young, old) = if a <= b { (a, b) } else { (b, a) };
            for ctx in DecayContext::ALL {
                let mut p = ctx.params();
                if let Some(l) = lambda {
                    p = p.with_lambda(l);
                }
                match (decay_weight(young, &p), decay_weight(old, &p)) {
                    (Some(dy), Some(dz)) => {
                        prop_assert!(dy >= dz, "{ctx:?} {young}->{dy} {old}->{dz}");
                        prop_assert!(dz >= p.floor && dy <= 1.0);
                    }
                    (Some(_), None) | (None, None) => {}
                    (None, Some(_)) => prop_assert!(false, "younger row excluded, older kept"),
                }
            }
        }
    }
}
