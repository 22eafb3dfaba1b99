//! Reply-account priorities: per-account reply performance, rank bands, staleness, overrides.
//!
//! Why bands rather than raw performance: performances drift with the whole account pool, while the
//! reply job needs a stable 0..1 scale ("top 10% of accounts"). Why a pure stale decay from
//! last_successful_reply_at: decaying the stored value on each run would compound with how often the
//! job runs; computing from the timestamp gives the same answer however often it runs.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::decay::age_days;
use super::objective::{ObjectiveParams, sanitize_metric};
use super::vocab::ParseEnumError;

/// Accounts need at least this many replies in the last 30 days to be ranked on performance.
pub const MIN_REPLIES_30D: u32 = 3;
/// Half-life in days of an account's priority once it has had no reply in 30 days.
pub const STALE_HALF_LIFE_DAYS: f64 = 14.0;
/// Decay rate of one reply's weight per day of age.
pub const REPLY_DECAY_LAMBDA: f64 = 0.15;
/// Lowest weight of one reply.
pub const REPLY_DECAY_FLOOR: f64 = 0.1;
/// How strongly account priority lifts a reply opportunity: rank × (1 + 0.3·priority).
pub const OPPORTUNITY_BOOST: f64 = 0.3;

/// True when an account has enough recent replies to be ranked on performance.
pub fn is_eligible(replies_30d: u32) -> bool {
    replies_30d >= MIN_REPLIES_30D
}

/// One reply we posted to an account, as the priority job sees it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReplySample {
    /// Age of the reply in days.
    pub age_days: f64,
    /// outcomes.followers_gained_weighted of the reply.
    pub followers_gained_weighted: Option<f64>,
    /// outcomes.primary_objective_score of the reply.
    pub score: Option<f64>,
}

/// c = 0.6·(1 − e^(−fgw/τ)) + 0.4·score, in [0, 1].
///
/// Missing, NaN or negative inputs count as 0; score is clamped to [0, 1]; an invalid τ (≤ 0 or not
/// finite) falls back to the default 10. The priority job only ever calls this for measured
/// replies (see [`measured_contribution`]); an unmeasured reply is left out, never 0.
pub fn reply_contribution(fgw: Option<f64>, score: Option<f64>, tau: f64) -> f64 {
    let tau = valid_tau(tau);
    let fgw = sanitize_metric(fgw).unwrap_or(0.0);
    let score = sanitize_metric(score).unwrap_or(0.0).min(1.0);
    (0.6 * (1.0 - (-fgw / tau).exp()) + 0.4 * score).clamp(0.0, 1.0)
}

fn valid_tau(tau: f64) -> f64 {
    if tau.is_finite() && tau > 0.0 {
        tau
    } else {
        ObjectiveParams::default().tau
    }
}

/// A reply is measured when it has both a weighted follower gain (finite, ≥ 0) and an objective
/// score in [0, 1]. Anything else (NULL, NaN, ±∞, negative, a score above 1) is not measured yet.
pub fn is_measured(fgw: Option<f64>, score: Option<f64>) -> bool {
    sanitize_metric(fgw).is_some() && sanitize_metric(score).is_some_and(|s| s <= 1.0)
}

/// c of a measured reply, `None` for an unmeasured one (which never counts as 0).
pub fn measured_contribution(fgw: Option<f64>, score: Option<f64>, tau: f64) -> Option<f64> {
    is_measured(fgw, score).then(|| reply_contribution(fgw, score, tau))
}

/// Weight of one reply: max(0.1, e^(−0.15·age_days)); negative age counts as 0.
pub fn reply_weight(age_days: f64) -> f64 {
    (-REPLY_DECAY_LAMBDA * age_days.max(0.0))
        .exp()
        .max(REPLY_DECAY_FLOOR)
}

/// Decayed sums over an account's measured replies: n, Σd and Σ(d·c).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplySums {
    /// Measured replies.
    pub n: u32,
    /// Σd over them.
    pub sum_d: f64,
    /// Σ(d·c) over them.
    pub sum_dc: f64,
}

impl ReplySums {
    /// Sums over the measured replies among `samples` (NaN ages are skipped).
    pub fn from_samples<'a>(samples: impl IntoIterator<Item = &'a ReplySample>, tau: f64) -> Self {
        let mut out = ReplySums::default();
        for s in samples.into_iter().filter(|s| !s.age_days.is_nan()) {
            if let Some(c) = measured_contribution(s.followers_gained_weighted, s.score, tau) {
                let d = reply_weight(s.age_days);
                out.n += 1;
                out.sum_d += d;
                out.sum_dc += d * c;
            }
        }
        out
    }

    /// Σ(d·c)/Σd, `None` when nothing is measured (or the sums are not usable).
    pub fn performance(&self) -> Option<f64> {
        (self.n > 0 && self.sum_d > 0.0 && self.sum_d.is_finite() && self.sum_dc.is_finite())
            .then(|| (self.sum_dc / self.sum_d).clamp(0.0, 1.0))
    }

    /// The shrunk performance (Σ(d·c) + k·μ)/(Σd + k), as the leaderboards shrink: with no
    /// evidence it is μ, and it moves away from μ as measured replies accumulate.
    pub fn shrunk(&self, k: f64, mu: f64) -> f64 {
        let (sum_d, sum_dc) = if self.performance().is_some() {
            (self.sum_d, self.sum_dc)
        } else {
            (0.0, 0.0)
        };
        crate::learning::leaderboard::shrunk_score(sum_dc, sum_d, k, mu).clamp(0.0, 1.0)
    }

    /// The sum of two sets of sums.
    pub fn merge(&self, other: &ReplySums) -> ReplySums {
        ReplySums {
            n: self.n.saturating_add(other.n),
            sum_d: self.sum_d + other.sum_d,
            sum_dc: self.sum_dc + other.sum_dc,
        }
    }
}

/// Performance = Σ(d·c)/Σd over the account's measured replies; `None` when no reply is measured
/// (empty, every age NaN, or every reply missing its follower gain or score).
pub fn reply_performance(samples: &[ReplySample], tau: f64) -> Option<f64> {
    ReplySums::from_samples(samples, tau).performance()
}

/// Performances, priorities and scale points closer than this are equal (rounding noise: equal
/// inputs summed in another order, or decayed at another `now`, differ in the last bits).
pub const TIE_TOLERANCE: f64 = 1e-12;

/// Groups of equal values in a descending sequence: a new group starts where the gap to the
/// previous value is more than [`TIE_TOLERANCE`]. Returns each element's group index (0 = top).
/// Depends only on the sorted values, so it is the same for any permutation of the input.
pub fn tie_groups(sorted_desc: &[f64]) -> Vec<usize> {
    let mut out = Vec::with_capacity(sorted_desc.len());
    let mut g = 0;
    for (i, x) in sorted_desc.iter().enumerate() {
        if i > 0 {
            let prev = sorted_desc[i - 1];
            let same = prev == *x || (prev - x).abs() <= TIE_TOLERANCE;
            if !same {
                g += 1;
            }
        }
        out.push(g);
    }
    out
}

/// Priority band of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Top 10%: [0.9, 1.0].
    Top,
    /// Next 20%: [0.7, 0.9).
    High,
    /// Next 30%: [0.4, 0.7).
    Mid,
    /// Bottom 40%: [0, 0.4).
    Low,
    /// All performances equal: 0.5.
    Uniform,
}

impl Band {
    /// Priority range (lo, hi) of the band; Top is closed, the others half-open [lo, hi).
    pub fn range(self) -> (f64, f64) {
        match self {
            Band::Top => (0.9, 1.0),
            Band::High => (0.7, 0.9),
            Band::Mid => (0.4, 0.7),
            Band::Low => (0.0, 0.4),
            Band::Uniform => (0.5, 0.5),
        }
    }

    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Top => "top",
            Band::High => "high",
            Band::Mid => "mid",
            Band::Low => "low",
            Band::Uniform => "uniform",
        }
    }
}

/// Sort key: NaN ranks last, −0 equals 0 (so equality and ordering agree).
fn perf_key(x: f64) -> f64 {
    if x.is_nan() {
        f64::NEG_INFINITY
    } else {
        x + 0.0
    }
}

/// Ranks accounts by performance and maps them to priorities in bands.
///
/// Returned best first (ties keep input order). Rules:
/// - performances within [`TIE_TOLERANCE`] of each other are equal (chained: sorted, a new
///   group starts at a gap above the tolerance), so rounding noise never splits a tie;
/// - all performances equal (including a single account): 0.5 each, [`Band::Uniform`];
/// - ties share the best rank of their group (1, 2, 2, 4), so equal performance ⇒ equal priority;
/// - band cut points by rank r (0-based) over n accounts, rounding half up: Top r < c1 =
///   max(1, round(n/10)); High r < c2 = max(c1, round(3n/10)); Mid r < c3 = max(c2, round(6n/10));
///   Low otherwise. So 2 accounts are Top + Low, 3 are Top + Mid + Low, 10 split 1/2/3/4 and 11 split
///   1/2/4/4;
/// - inside a band of m members, position j = rank − the band's first rank: Top gets
///   1.0 − 0.1·j/(m−1) (1.0 when m = 1), so its best is 1.0 and worst 0.9; a half-open band [lo, hi)
///   is cut into m equal steps, the best member on the top step: lo + (hi − lo)·(m − 1 − j)/m, the
///   worst exactly lo. Ten distinct accounts get 1.0, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0.
///
/// NaN performances rank last. Priorities are in [0, 1] and non-increasing down the ranking.
pub fn assign_bands<K: Clone>(perfs: &[(K, f64)]) -> Vec<(K, f64, Band)> {
    let n = perfs.len();
    if n == 0 {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| perf_key(perfs[*b].1).total_cmp(&perf_key(perfs[*a].1)));
    let keys: Vec<f64> = order.iter().map(|i| perf_key(perfs[*i].1)).collect();
    let groups = tie_groups(&keys);
    if groups.last() == Some(&0) {
        // All equal (within the tolerance): no ranking to speak of.
        return perfs
            .iter()
            .map(|(k, _)| (k.clone(), 0.5, Band::Uniform))
            .collect();
    }

    // Competition ranks over the sorted order: a tie group shares its first member's rank.
    let mut ranks = vec![0usize; n];
    for i in 1..n {
        ranks[i] = if groups[i] == groups[i - 1] {
            ranks[i - 1]
        } else {
            i
        };
    }
    let round_share = |tenths: usize| (tenths * n + 5) / 10;
    let c1 = round_share(1).max(1);
    let c2 = round_share(3).max(c1);
    let c3 = round_share(6).max(c2);
    let band_of = |r: usize| {
        if r < c1 {
            Band::Top
        } else if r < c2 {
            Band::High
        } else if r < c3 {
            Band::Mid
        } else {
            Band::Low
        }
    };
    let bands: Vec<Band> = ranks.iter().map(|r| band_of(*r)).collect();

    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        // Members of one band are contiguous in the sorted order.
        let band = bands[i];
        let start = i;
        while i < n && bands[i] == band {
            i += 1;
        }
        let m = i - start;
        for pos in start..i {
            let j = (ranks[pos] - ranks[start]) as f64;
            let m = m as f64;
            let (lo, hi) = band.range();
            let priority = match band {
                Band::Top if m > 1.0 => 1.0 - 0.1 * j / (m - 1.0),
                Band::Top => 1.0,
                _ => lo + (hi - lo) * (m - 1.0 - j) / m,
            };
            out.push((perfs[order[pos]].0.clone(), priority.clamp(0.0, 1.0), band));
        }
    }
    out
}

/// Days after its last reply at which an account with no newer reply goes stale.
pub const STALE_AFTER_DAYS: f64 = 30.0;

/// Priority of an account with no reply in 30 days: base × 0.5^(days stale / 14), where the
/// account went stale when its last reply turned 30 days old (`last_successful_reply_at` + 30
/// days) and `base` is the priority it had then. Continuous in time (exactly `base` at the moment
/// it goes stale, halving every 14 days after) and pure, so re-running the job gives the same
/// value however often it runs. A NaN or negative base counts as 0 (above 1 as 1); before the
/// stale instant the base applies unchanged.
pub fn stale_priority(
    base_priority: f64,
    last_successful_reply_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> f64 {
    let base = sanitize_metric(Some(base_priority)).unwrap_or(0.0).min(1.0);
    let stale_days = (age_days(now, last_successful_reply_at) - STALE_AFTER_DAYS).max(0.0);
    base * 0.5_f64.powf(stale_days / STALE_HALF_LIFE_DAYS)
}

/// The banded accounts' performance → priority curve, used to put an account that is not
/// banded (too few replies, nothing measured, never replied, gone stale without a stored base)
/// on the same scale: a performance between two banded accounts gets the priority linearly
/// between theirs; above the best it gets the best's priority, below the worst the worst's.
/// Accounts within [`TIE_TOLERANCE`] form one point (their shared priority over their
/// performance range). Monotone and continuous in the performance. With no banded accounts
/// every performance maps to the neutral 0.5 (as in the all-equal case).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriorityScale {
    /// (lowest performance, highest performance, priority) of each tie group, best first.
    points: Vec<(f64, f64, f64)>,
}

impl PriorityScale {
    /// The scale from [`assign_bands`]' input and output.
    pub fn new(perfs: &[f64], banded: &[f64]) -> PriorityScale {
        let mut pairs: Vec<(f64, f64)> = perfs
            .iter()
            .zip(banded)
            .filter(|(p, q)| p.is_finite() && q.is_finite())
            .map(|(p, q)| (*p + 0.0, *q))
            .collect();
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)));
        let keys: Vec<f64> = pairs.iter().map(|p| p.0).collect();
        let groups = tie_groups(&keys);
        let mut points: Vec<(f64, f64, f64)> = Vec::new();
        for (i, (p, q)) in pairs.iter().enumerate() {
            if i > 0 && groups[i] == groups[i - 1] {
                if let Some(last) = points.last_mut() {
                    last.0 = *p;
                }
            } else {
                points.push((*p, *p, *q));
            }
        }
        PriorityScale { points }
    }

    /// Priority of a performance on this scale (NaN counts as the lowest performance).
    pub fn priority(&self, performance: f64) -> f64 {
        let x = if performance.is_nan() {
            f64::NEG_INFINITY
        } else {
            performance
        };
        let (Some(best), Some(worst)) = (self.points.first(), self.points.last()) else {
            return 0.5;
        };
        if x >= best.0 {
            return best.2;
        }
        if x <= worst.1 {
            return worst.2;
        }
        for w in self.points.windows(2) {
            let (hi, lo) = (w[0], w[1]);
            if x >= hi.0 {
                return hi.2;
            }
            if x > lo.1 {
                // Strictly between two groups: linear between their priorities.
                let t = (x - lo.1) / (hi.0 - lo.1);
                return (lo.2 + (hi.2 - lo.2) * t).clamp(0.0, 1.0);
            }
        }
        worst.2
    }
}

/// An operator's manual override of an account's priority (audited by the caller).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorOverride {
    /// Computed priority applies.
    #[default]
    None,
    /// Always priority 1.0.
    Pinned,
    /// Always priority 0.
    Muted,
}

impl OperatorOverride {
    /// Stored spelling: "none", "pinned", "muted".
    pub fn as_str(self) -> &'static str {
        match self {
            OperatorOverride::None => "none",
            OperatorOverride::Pinned => "pinned",
            OperatorOverride::Muted => "muted",
        }
    }

    /// Parses the stored spelling (case-insensitive, surrounding spaces ignored).
    pub fn parse(s: &str) -> Result<Self, ParseEnumError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(OperatorOverride::None),
            "pinned" => Ok(OperatorOverride::Pinned),
            "muted" => Ok(OperatorOverride::Muted),
            _ => Err(ParseEnumError {
                what: "operator override",
                value: s.to_owned(),
                expected: "none, pinned, muted",
            }),
        }
    }
}

impl FromStr for OperatorOverride {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Applies an override: pinned 1.0, muted 0.0, otherwise the priority (NaN → 0, clamped to [0, 1]).
pub fn apply_override(priority: f64, ov: OperatorOverride) -> f64 {
    match ov {
        OperatorOverride::Pinned => 1.0,
        OperatorOverride::Muted => 0.0,
        OperatorOverride::None => sanitize_metric(Some(priority)).unwrap_or(0.0).min(1.0),
    }
}

/// Rank of a reply opportunity: base × (1 + 0.3·priority). Priority is clamped to [0, 1]; NaN
/// inputs count as 0.
pub fn opportunity_rank(base_score: f64, account_priority: f64) -> f64 {
    let base = if base_score.is_nan() { 0.0 } else { base_score };
    let priority = sanitize_metric(Some(account_priority))
        .unwrap_or(0.0)
        .min(1.0);
    base * (1.0 + OPPORTUNITY_BOOST * priority)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn contribution_and_performance() {
        assert_eq!(reply_contribution(None, None, 10.0), 0.0);
        assert!(close(
            reply_contribution(Some(10.0), Some(0.5), 10.0),
            0.6 * (1.0 - (-1.0f64).exp()) + 0.2
        ));
        assert_eq!(reply_contribution(Some(f64::NAN), Some(-1.0), 10.0), 0.0);
        assert_eq!(reply_contribution(None, Some(7.0), 10.0), 0.4);
        // Invalid τ falls back to 10.
        assert_eq!(
            reply_contribution(Some(5.0), None, 0.0),
            reply_contribution(Some(5.0), None, 10.0)
        );

        assert_eq!(reply_performance(&[], 10.0), None);
        let nan_only = [ReplySample {
            age_days: f64::NAN,
            followers_gained_weighted: Some(1.0),
            score: Some(1.0),
        }];
        assert_eq!(reply_performance(&nan_only, 10.0), None);

        let samples = [
            ReplySample {
                age_days: 0.0,
                followers_gained_weighted: Some(0.0),
                score: Some(1.0),
            },
            ReplySample {
                age_days: 30.0, // weight at the 0.1 floor
                followers_gained_weighted: Some(0.0),
                score: Some(0.0),
            },
            ReplySample {
                age_days: 2.0,
                followers_gained_weighted: Some(10.0),
                score: Some(0.0),
            },
            // Unmeasured: left out, never 0.
            ReplySample {
                age_days: 0.0,
                followers_gained_weighted: None,
                score: Some(1.0),
            },
            ReplySample {
                age_days: 1.0,
                followers_gained_weighted: Some(3.0),
                score: None,
            },
        ];
        let d2 = (-0.3f64).exp();
        let c2 = 0.6 * (1.0 - (-1.0f64).exp());
        let expect = (1.0 * 0.4 + 0.1 * 0.0 + d2 * c2) / (1.0 + 0.1 + d2);
        assert!(close(reply_performance(&samples, 10.0).unwrap(), expect));
        assert_eq!(reply_performance(&samples[3..], 10.0), None);
        assert!(!is_measured(Some(f64::NAN), Some(0.5)));
        assert!(!is_measured(Some(1.0), Some(1.5)));
        assert!(is_measured(Some(0.0), Some(0.0)));
        assert_eq!(reply_weight(30.0), 0.1);
        assert_eq!(reply_weight(-5.0), 1.0);
        assert!(is_eligible(3) && !is_eligible(2));
    }

    fn priorities(perfs: &[f64]) -> Vec<(usize, f64, Band)> {
        let input: Vec<(usize, f64)> = perfs.iter().copied().enumerate().collect();
        assign_bands(&input)
    }

    #[test]
    fn ten_accounts_get_the_documented_priorities() {
        // Input order scrambled on purpose.
        let perfs = [0.30, 0.95, 0.10, 0.55, 0.80, 0.20, 0.60, 0.05, 0.70, 0.40];
        let out = priorities(&perfs);
        let got: Vec<(f64, f64, Band)> = out
            .iter()
            .map(|(k, p, b)| (perfs[*k], (p * 1e9).round() / 1e9, *b))
            .collect();
        use Band::*;
        assert_eq!(
            got,
            [
                (0.95, 1.0, Top),
                (0.80, 0.8, High),
                (0.70, 0.7, High),
                (0.60, 0.6, Mid),
                (0.55, 0.5, Mid),
                (0.40, 0.4, Mid),
                (0.30, 0.3, Low),
                (0.20, 0.2, Low),
                (0.10, 0.1, Low),
                (0.05, 0.0, Low),
            ]
        );
        for (_, p, b) in &out {
            let (lo, hi) = b.range();
            let inside = if *b == Top {
                *p >= lo && *p <= hi
            } else {
                *p >= lo && *p < hi
            };
            assert!(inside, "{p} outside {b:?}");
        }
    }

    #[test]
    fn small_and_odd_pools() {
        let one = priorities(&[0.3]);
        assert_eq!(one, [(0, 0.5, Band::Uniform)]);
        let equal = priorities(&[0.2, 0.2, 0.2]);
        assert!(
            equal
                .iter()
                .all(|(_, p, b)| *p == 0.5 && *b == Band::Uniform)
        );
        assert_eq!(
            equal.iter().map(|x| x.0).collect::<Vec<_>>(),
            [0, 1, 2],
            "input order kept"
        );
        assert!(priorities(&[]).is_empty());

        let two = priorities(&[0.1, 0.9]);
        assert_eq!(two, [(1, 1.0, Band::Top), (0, 0.0, Band::Low)]);

        let three = priorities(&[0.5, 0.9, 0.1]);
        assert_eq!(
            three,
            [
                (1, 1.0, Band::Top),
                (0, 0.4, Band::Mid),
                (2, 0.0, Band::Low)
            ]
        );

        let eleven: Vec<f64> = (0..11).map(|i| f64::from(i) / 10.0).collect();
        let out = priorities(&eleven);
        let bands: Vec<Band> = out.iter().map(|x| x.2).collect();
        use Band::*;
        assert_eq!(
            bands,
            [Top, High, High, Mid, Mid, Mid, Mid, Low, Low, Low, Low]
        );
        let ps: Vec<f64> = out.iter().map(|x| x.1).collect();
        let expect = [1.0, 0.8, 0.7, 0.625, 0.55, 0.475, 0.4, 0.3, 0.2, 0.1, 0.0];
        for (p, e) in ps.iter().zip(expect) {
            assert!(close(*p, e), "{ps:?}");
        }
    }

    #[test]
    fn ties_share_priority_and_nan_ranks_last() {
        let out = priorities(&[0.5, 0.9, 0.5, f64::NAN, 0.1]);
        let by_key: std::collections::HashMap<usize, f64> =
            out.iter().map(|(k, p, _)| (*k, *p)).collect();
        assert_eq!(by_key[&0], by_key[&2]);
        assert_eq!(by_key[&1], 1.0);
        assert_eq!(by_key[&3], 0.0);
        assert!(by_key[&4] >= by_key[&3]);
        let zeros = priorities(&[0.0, -0.0]);
        assert!(zeros.iter().all(|x| x.2 == Band::Uniform));
    }

    #[test]
    fn stale_priority_is_pure_and_halves_every_14_days() {
        let last = Utc.with_ymd_and_hms(2025, 5, 1, 0, 0, 0).unwrap();
        // Stale from the moment the last reply is 30 days old: the base, then halving.
        let now = last + Duration::days(44);
        assert!(close(stale_priority(0.8, last, now), 0.4));
        assert!(close(
            stale_priority(0.8, last, last + Duration::days(58)),
            0.2
        ));
        assert_eq!(stale_priority(0.8, last, last + Duration::days(30)), 0.8);
        assert_eq!(stale_priority(0.8, last, last), 0.8);
        assert_eq!(
            stale_priority(0.8, now, last),
            0.8,
            "future counts as 0 days"
        );
        assert_eq!(stale_priority(f64::NAN, last, now), 0.0);
        // Running the job again (same inputs) gives the same answer: no compounding.
        let first = stale_priority(0.8, last, now);
        let again = stale_priority(0.8, last, now);
        assert_eq!(first, again);
    }

    #[test]
    fn overrides_and_opportunity_rank() {
        assert_eq!(apply_override(0.3, OperatorOverride::Pinned), 1.0);
        assert_eq!(apply_override(0.3, OperatorOverride::Muted), 0.0);
        assert_eq!(apply_override(0.3, OperatorOverride::None), 0.3);
        assert_eq!(apply_override(f64::NAN, OperatorOverride::None), 0.0);
        assert_eq!(apply_override(3.0, OperatorOverride::None), 1.0);
        for o in [
            OperatorOverride::None,
            OperatorOverride::Pinned,
            OperatorOverride::Muted,
        ] {
            assert_eq!(OperatorOverride::parse(o.as_str()), Ok(o));
        }
        assert_eq!(" Pinned ".parse(), Ok(OperatorOverride::Pinned));
        assert_eq!(
            OperatorOverride::parse("boost").unwrap_err().to_string(),
            "unknown operator override \"boost\" (expected one of: none, pinned, muted)"
        );
        assert!(close(opportunity_rank(10.0, 1.0), 13.0));
        assert_eq!(opportunity_rank(10.0, 0.0), 10.0);
        assert!(close(opportunity_rank(2.0, 0.5), 2.3));
        assert_eq!(opportunity_rank(f64::NAN, 0.5), 0.0);
        assert_eq!(opportunity_rank(2.0, f64::NAN), 2.0);
    }

    proptest! {
        #[test]
        fn band_priorities_bounded_and_monotone(
            perfs in prop::collection::vec(
                prop_oneof![
                    8 => 0.0..=1.0f64,
                    2 => prop::sample::select(vec![0.0, 0.25, 0.5, 1.0]),
                    1 => any::<f64>(),
                ],
                0..40,
            )
        ) {
            let out = priorities(&perfs);
            prop_assert_eq!(out.len(), perfs.len());
            let prio: std::collections::HashMap<usize, f64> =
                out.iter().map(|(k, p, _)| (*k, *p)).collect();
            for (_, p, b) in &out {
                prop_assert!((0.0..=1.0).contains(p));
                let (lo, hi) = b.range();
                prop_assert!(*p >= lo && *p <= hi);
            }
            for a in 0..perfs.len() {
                for b in 0..perfs.len() {
                    let (ka, kb) = (perf_key(perfs[a]), perf_key(perfs[b]));
                    // Apart by more than any chain of ties can bridge: strictly ordered.
                    let apart = TIE_TOLERANCE * perfs.len() as f64;
                    if ka > kb + apart {
                        prop_assert!(prio[&a] > prio[&b], "{} -> {} vs {} -> {}", perfs[a], prio[&a], perfs[b], prio[&b]);
                    } else if ka >= kb {
                        prop_assert!(prio[&a] >= prio[&b]);
                    }
                    if ka == kb || (ka - kb).abs() <= TIE_TOLERANCE {
                        prop_assert_eq!(prio[&a], prio[&b]);
                    }
                }
            }
        }

        #[test]
        fn contribution_and_performance_in_unit_interval(
            fgw in prop::option::of(any::<f64>()),
            score in prop::option::of(any::<f64>()),
            tau in any::<f64>(),
            ages in prop::collection::vec(any::<f64>(), 0..10),
        ) {
            let c = reply_contribution(fgw, score, tau);
            prop_assert!((0.0..=1.0).contains(&c));
            let samples: Vec<ReplySample> = ages
                .into_iter()
                .map(|age_days| ReplySample { age_days, followers_gained_weighted: fgw, score })
                .collect();
            if let Some(p) = reply_performance(&samples, tau) {
                prop_assert!((0.0..=1.0).contains(&p));
            }
        }
    }
}
