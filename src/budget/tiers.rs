//! Budget tiers and what each allows: job gating, model routing, max_tokens scaling.
//!
//! Why tiers instead of a hard stop at the limit: spending degrades gracefully — first the expert
//! model goes (T2), then optional intelligence work and long answers (T3), and only at the limit does
//! AI stop entirely (T4), keeping the posting pipeline alive as long as possible.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::learning::vocab::ParseEnumError;

/// Expert-model calls allowed per (budget) day.
pub const EXPERT_DAILY_CAP: u32 = 20;
/// Share of the limit where T2 starts.
pub const T2_FROM: f64 = 0.5;
/// Share of the limit where T3 starts.
pub const T3_FROM: f64 = 0.8;
/// Share of the limit where T4 starts.
pub const T4_FROM: f64 = 1.0;
/// max_tokens multiplier in T3.
pub const T3_MAX_TOKENS_FACTOR: f64 = 0.7;

/// Budget tier by share of the daily limit used; ordered T1 < T2 < T3 < T4 (more restricted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tier {
    /// p < 50%: everything allowed.
    T1,
    /// 50% ≤ p < 80%: expert requests use the core model unless manually triggered.
    T2,
    /// 80% ≤ p < 100%: also intelligence AI jobs skipped, max_tokens × 0.7.
    T3,
    /// p ≥ 100%: no AI calls.
    T4,
}

impl Tier {
    /// Every tier, least restricted first.
    pub const ALL: [Tier; 4] = [Tier::T1, Tier::T2, Tier::T3, Tier::T4];

    /// "T1".."T4".
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::T1 => "T1",
            Tier::T2 => "T2",
            Tier::T3 => "T3",
            Tier::T4 => "T4",
        }
    }

    /// What this tier allows.
    pub fn policy(self) -> TierPolicy {
        TierPolicy {
            tier: self,
            ai_allowed: self < Tier::T4,
            expert_needs_manual: self >= Tier::T2,
            skip_intelligence_ai: self >= Tier::T3,
            max_tokens_factor: match self {
                Tier::T1 | Tier::T2 => 1.0,
                Tier::T3 => T3_MAX_TOKENS_FACTOR,
                Tier::T4 => 0.0,
            },
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tier {
    type Err = ParseEnumError;
    /// "T1".."T4", case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tier::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseEnumError {
                what: "budget tier",
                value: s.to_owned(),
                expected: "T1, T2, T3, T4",
            })
    }
}

/// The rules of one tier.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TierPolicy {
    /// The tier.
    pub tier: Tier,
    /// Any AI call at all (false in T4).
    pub ai_allowed: bool,
    /// Expert requests are downgraded to core unless manually triggered (T2, T3).
    pub expert_needs_manual: bool,
    /// AI jobs of priority intelligence are skipped (T3; T4 skips every AI job anyway).
    pub skip_intelligence_ai: bool,
    /// Multiplier on max_tokens (0.7 in T3, 0 in T4).
    pub max_tokens_factor: f64,
}

/// Spend as a share of the limit. Negative or NaN spend counts as 0; an invalid limit (≤ 0 or not
/// finite) gives 1.0 (treated as exhausted). Not capped above 1, so overspend shows.
pub fn share(spent_usd: f64, limit_usd: f64) -> f64 {
    if !(limit_usd.is_finite() && limit_usd > 0.0) {
        return 1.0;
    }
    let spent = if spent_usd.is_nan() || spent_usd < 0.0 {
        0.0
    } else {
        spent_usd
    };
    spent / limit_usd
}

/// The tier for a spend against a limit: T1 p < 0.5, T2 0.5 ≤ p < 0.8, T3 0.8 ≤ p < 1, T4 p ≥ 1.
/// An invalid limit is T4 (fail closed); negative or NaN spend counts as 0.
pub fn tier_for(spent_usd: f64, limit_usd: f64) -> Tier {
    if !(limit_usd.is_finite() && limit_usd > 0.0) {
        return Tier::T4;
    }
    let p = share(spent_usd, limit_usd);
    if p < T2_FROM {
        Tier::T1
    } else if p < T3_FROM {
        Tier::T2
    } else if p < T4_FROM {
        Tier::T3
    } else {
        Tier::T4
    }
}

/// Priority class of a job (JOB_CONFIG).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Posting pipeline and budget.
    Critical,
    /// Scoring.
    Regular,
    /// Learning and insights: first to go when money is short.
    Intelligence,
    /// Housekeeping.
    Maintenance,
}

impl Priority {
    /// Every priority.
    pub const ALL: [Priority; 4] = [
        Priority::Critical,
        Priority::Regular,
        Priority::Intelligence,
        Priority::Maintenance,
    ];

    /// Stored spelling ("intelligence").
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Critical => "critical",
            Priority::Regular => "regular",
            Priority::Intelligence => "intelligence",
            Priority::Maintenance => "maintenance",
        }
    }

    /// Parses the stored spelling (case-insensitive).
    pub fn parse(s: &str) -> Result<Self, ParseEnumError> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseEnumError {
                what: "job priority",
                value: s.to_owned(),
                expected: "critical, regular, intelligence, maintenance",
            })
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which model class a job needs (job_schedules.ai).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AiNeed {
    /// No AI call.
    None,
    /// The core model.
    Core,
    /// The expert model.
    Expert,
}

impl AiNeed {
    /// Stored spelling ("none", "core", "expert").
    pub fn as_str(self) -> &'static str {
        match self {
            AiNeed::None => "none",
            AiNeed::Core => "core",
            AiNeed::Expert => "expert",
        }
    }

    /// Parses the stored spelling (case-insensitive).
    pub fn parse(s: &str) -> Result<Self, ParseEnumError> {
        [AiNeed::None, AiNeed::Core, AiNeed::Expert]
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseEnumError {
                what: "AI need",
                value: s.to_owned(),
                expected: "none, core, expert",
            })
    }
}

/// Decides whether a job may run in a tier. Jobs without AI always run. `Err` carries the skip
/// reason recorded on the schedule row.
pub fn gate_job(tier: Tier, priority: Priority, ai: AiNeed) -> Result<(), String> {
    if ai == AiNeed::None {
        return Ok(());
    }
    let policy = tier.policy();
    if !policy.ai_allowed {
        return Err(format!(
            "budget tier {tier}: daily AI budget used up, AI jobs are skipped"
        ));
    }
    if policy.skip_intelligence_ai && priority == Priority::Intelligence {
        return Err(format!(
            "budget tier {tier}: intelligence AI jobs are skipped"
        ));
    }
    Ok(())
}

/// The model class a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelRoute {
    /// Core model (default gpt-4o-mini).
    Core,
    /// Expert model (default gpt-4o).
    Expert,
}

/// A routing decision with the reason when an expert request was downgraded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteDecision {
    /// Where the call goes.
    pub route: ModelRoute,
    /// Why an expert request went to core, if it did.
    pub downgraded: Option<String>,
}

/// Routes a call, explaining any downgrade. `Err` in T4 (no AI call at all).
///
/// Expert requests go to core when the day's expert cap is reached (always, manual or not) and in
/// T2 and T3 unless manually triggered (T3 is at least as strict as T2).
pub fn route_model_detailed(
    tier: Tier,
    wants_expert: bool,
    manual: bool,
    expert_calls_today: u32,
) -> Result<RouteDecision, String> {
    let policy = tier.policy();
    if !policy.ai_allowed {
        return Err(format!(
            "budget tier {tier}: daily AI budget used up, no AI calls"
        ));
    }
    let core = |why: String| RouteDecision {
        route: ModelRoute::Core,
        downgraded: Some(why),
    };
    if !wants_expert {
        return Ok(RouteDecision {
            route: ModelRoute::Core,
            downgraded: None,
        });
    }
    if expert_calls_today >= EXPERT_DAILY_CAP {
        return Ok(core(format!(
            "expert cap reached ({expert_calls_today}/{EXPERT_DAILY_CAP} today): using the core model"
        )));
    }
    if policy.expert_needs_manual && !manual {
        return Ok(core(format!(
            "budget tier {tier}: expert requests use the core model unless triggered manually"
        )));
    }
    Ok(RouteDecision {
        route: ModelRoute::Expert,
        downgraded: None,
    })
}

/// Routes a call to the core or expert model; `Err` (the reason) when no AI call is allowed.
pub fn route_model(
    tier: Tier,
    wants_expert: bool,
    manual: bool,
    expert_calls_today: u32,
) -> Result<ModelRoute, String> {
    route_model_detailed(tier, wants_expert, manual, expert_calls_today).map(|d| d.route)
}

/// max_tokens allowed in a tier: unchanged in T1/T2, × 0.7 rounded down (at least 1) in T3, 0 in T4.
pub fn scaled_max_tokens(tier: Tier, max_tokens: u32) -> u32 {
    match tier {
        Tier::T1 | Tier::T2 => max_tokens,
        // Integer arithmetic: 0.7 exactly, no float rounding surprises.
        Tier::T3 if max_tokens == 0 => 0,
        Tier::T3 => ((u64::from(max_tokens) * 7 / 10) as u32).max(1),
        Tier::T4 => 0,
    }
}

/// True when a call costing `estimate_usd` fits under the limit given what is already committed
/// (settled spend plus open reservations). A call that would pass the limit is refused before it is
/// sent. Invalid numbers fail closed.
pub fn fits_budget(committed_usd: f64, estimate_usd: f64, limit_usd: f64) -> bool {
    let ok = |x: f64| x.is_finite() && x >= 0.0;
    ok(committed_usd)
        && ok(estimate_usd)
        && limit_usd.is_finite()
        && limit_usd > 0.0
        && committed_usd + estimate_usd <= limit_usd
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn thresholds_exactly() {
        assert_eq!(tier_for(0.0, 5.0), Tier::T1);
        assert_eq!(tier_for(2.4999, 5.0), Tier::T1);
        assert_eq!(tier_for(2.5, 5.0), Tier::T2); // p = 0.5
        assert_eq!(tier_for(3.9999, 5.0), Tier::T2);
        assert_eq!(tier_for(4.0, 5.0), Tier::T3); // p = 0.8
        assert_eq!(tier_for(4.9999, 5.0), Tier::T3);
        assert_eq!(tier_for(5.0, 5.0), Tier::T4); // p = 1.0
        assert_eq!(tier_for(50.0, 5.0), Tier::T4);
        assert_eq!(tier_for(0.5, 1.0), Tier::T2);
        assert_eq!(tier_for(0.8, 1.0), Tier::T3);
        assert_eq!(tier_for(1.0, 1.0), Tier::T4);
    }

    #[test]
    fn bad_inputs() {
        assert_eq!(tier_for(0.0, 0.0), Tier::T4);
        assert_eq!(tier_for(0.0, -5.0), Tier::T4);
        assert_eq!(tier_for(0.0, f64::NAN), Tier::T4);
        assert_eq!(tier_for(0.0, f64::INFINITY), Tier::T4);
        assert_eq!(tier_for(f64::NAN, 5.0), Tier::T1);
        assert_eq!(tier_for(-3.0, 5.0), Tier::T1);
        assert_eq!(tier_for(f64::INFINITY, 5.0), Tier::T4);
        assert_eq!(share(1.0, 4.0), 0.25);
        assert_eq!(share(8.0, 4.0), 2.0);
        assert_eq!(share(1.0, 0.0), 1.0);
        assert_eq!(share(f64::NAN, 4.0), 0.0);
    }

    #[test]
    fn names_round_trip() {
        for t in Tier::ALL {
            assert_eq!(t.to_string().parse::<Tier>(), Ok(t));
        }
        assert_eq!("t3".parse::<Tier>(), Ok(Tier::T3));
        assert_eq!(
            "T5".parse::<Tier>().unwrap_err().to_string(),
            "unknown budget tier \"T5\" (expected one of: T1, T2, T3, T4)"
        );
        assert!(Tier::T1 < Tier::T4);
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.as_str()), Ok(p));
        }
        assert!(Priority::parse("urgent").is_err());
        for a in [AiNeed::None, AiNeed::Core, AiNeed::Expert] {
            assert_eq!(AiNeed::parse(a.as_str()), Ok(a));
        }
        assert!(AiNeed::parse("gpt").is_err());
    }

    #[test]
    fn policies() {
        let p = Tier::T1.policy();
        assert!(p.ai_allowed && !p.expert_needs_manual && !p.skip_intelligence_ai);
        assert_eq!(p.max_tokens_factor, 1.0);
        assert!(Tier::T2.policy().expert_needs_manual);
        assert!(!Tier::T2.policy().skip_intelligence_ai);
        assert_eq!(Tier::T3.policy().max_tokens_factor, 0.7);
        assert!(Tier::T3.policy().skip_intelligence_ai);
        assert!(!Tier::T4.policy().ai_allowed);
    }

    #[test]
    fn job_gating() {
        use Priority::*;
        for t in Tier::ALL {
            for p in Priority::ALL {
                assert_eq!(
                    gate_job(t, p, AiNeed::None),
                    Ok(()),
                    "non-AI jobs always run"
                );
            }
        }
        assert_eq!(gate_job(Tier::T1, Intelligence, AiNeed::Expert), Ok(()));
        assert_eq!(gate_job(Tier::T2, Intelligence, AiNeed::Expert), Ok(()));
        assert_eq!(
            gate_job(Tier::T3, Intelligence, AiNeed::Expert),
            Err("budget tier T3: intelligence AI jobs are skipped".to_string())
        );
        assert_eq!(gate_job(Tier::T3, Critical, AiNeed::Core), Ok(()));
        let e = gate_job(Tier::T4, Critical, AiNeed::Core).unwrap_err();
        assert!(e.starts_with("budget tier T4:"), "{e}");
    }

    #[test]
    fn routing() {
        use ModelRoute::*;
        assert_eq!(route_model(Tier::T1, false, false, 0), Ok(Core));
        assert_eq!(route_model(Tier::T1, true, false, 0), Ok(Expert));
        assert_eq!(route_model(Tier::T1, true, false, 19), Ok(Expert));
        assert_eq!(route_model(Tier::T1, true, true, 20), Ok(Core), "cap");
        assert_eq!(route_model(Tier::T2, true, false, 0), Ok(Core));
        assert_eq!(route_model(Tier::T2, true, true, 0), Ok(Expert));
        assert_eq!(route_model(Tier::T3, true, false, 0), Ok(Core));
        assert_eq!(route_model(Tier::T3, true, true, 0), Ok(Expert));
        assert!(route_model(Tier::T4, false, true, 0).is_err());
        let d = route_model_detailed(Tier::T1, true, false, 25).unwrap();
        assert_eq!(
            d.downgraded.as_deref(),
            Some("expert cap reached (25/20 today): using the core model")
        );
        let d = route_model_detailed(Tier::T2, true, false, 0).unwrap();
        assert!(d.downgraded.unwrap().contains("unless triggered manually"));
        assert_eq!(
            route_model_detailed(Tier::T1, true, false, 0)
                .unwrap()
                .downgraded,
            None
        );
    }

    #[test]
    fn max_tokens_scaling_and_budget_fit() {
        assert_eq!(scaled_max_tokens(Tier::T1, 1000), 1000);
        assert_eq!(scaled_max_tokens(Tier::T2, 1000), 1000);
        assert_eq!(scaled_max_tokens(Tier::T3, 1000), 700);
        assert_eq!(scaled_max_tokens(Tier::T3, 999), 699);
        assert_eq!(scaled_max_tokens(Tier::T3, 1), 1);
        assert_eq!(scaled_max_tokens(Tier::T3, 0), 0);
        assert_eq!(scaled_max_tokens(Tier::T3, u32::MAX), 3_006_477_106);
        assert_eq!(scaled_max_tokens(Tier::T4, 1000), 0);

        assert!(fits_budget(4.0, 1.0, 5.0));
        assert!(!fits_budget(4.0, 1.01, 5.0));
        assert!(!fits_budget(f64::NAN, 0.0, 5.0));
        assert!(!fits_budget(0.0, 0.0, 0.0));
    }

    proptest! {
        #[test]
        fn tier_monotonic_in_spend(a in any::<f64>(), b in any::<f64>(), limit in prop_oneof![Just(5.0), any::<f64>()]) {
            let key = |x: f64| if x.is_nan() || x < 0.0 { 0.0 } else { x };
            let (lo, hi) = if key(a) <= key(b) { (a, b) } else { (b, a) };
            prop_assert!(tier_for(lo, limit) <= tier_for(hi, limit), "{lo} {hi} {limit}");
        }
    }
}
