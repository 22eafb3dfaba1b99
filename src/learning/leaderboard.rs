//! Leaderboards: decayed means, shrinkage toward the global mean, ranking.
//!
//! Why shrinkage: a generator with one lucky post has a decayed mean of 1.0; ranking by raw means
//! would crown it. Adding k pseudo-observations at the global mean μ lets a value earn its rank with
//! effective sample size. Why Σd and not n as the divisor: with decay, old rows count for less, so
//! dividing by n would drag every mean toward 0 as data ages.

use serde::{Deserialize, Serialize};

use super::aggregate::GroupSums;

/// Pseudo-observations at μ added by shrinkage.
pub const SHRINK_K: f64 = 3.0;
/// Values with fewer samples than this are shown but marked low-n.
pub const LOW_N: u64 = 5;

/// One ranked row of a leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderboardEntry {
    /// 1-based rank by shrunk score.
    pub rank: usize,
    /// Group value.
    pub value: String,
    /// Samples.
    pub n: u64,
    /// Σd.
    pub effective_n: f64,
    /// Σ(d·s)/Σd (0 when Σd is 0).
    pub decayed_mean: f64,
    /// (Σ(d·s) + k·μ)/(Σd + k).
    pub shrunk_score: f64,
    /// Σs/n (0 when n is 0).
    pub raw_mean: f64,
    /// mean(last 7 days) − mean(the 7 days before), when both weeks have rows.
    pub weekly_trend: Option<f64>,
    /// n / Σn over the leaderboard.
    pub share: f64,
    /// n < [`LOW_N`].
    pub low_n: bool,
}

/// `num / den`, or `fallback` when the division is not a finite number (den 0, NaN inputs).
fn ratio_or(num: f64, den: f64, fallback: f64) -> f64 {
    if den != 0.0 {
        let r = num / den;
        if r.is_finite() {
            return r;
        }
    }
    fallback
}

/// Global decayed mean μ = ΣΣ(d·s) / ΣΣd over all groups; 0 when empty or not finite.
pub fn global_mean(groups: &[GroupSums]) -> f64 {
    let sum_ds: f64 = groups.iter().map(|g| g.sum_ds).sum();
    let sum_d: f64 = groups.iter().map(|g| g.sum_d).sum();
    ratio_or(sum_ds, sum_d, 0.0)
}

/// Shrunk score (Σ(d·s) + k·μ)/(Σd + k). Falls back to μ when the denominator is 0 or a result is
/// not finite; a NaN, infinite or negative `k` counts as 0.
pub fn shrunk_score(sum_ds: f64, sum_d: f64, k: f64, mu: f64) -> f64 {
    let k = if k.is_finite() && k > 0.0 { k } else { 0.0 };
    ratio_or(sum_ds + k * mu, sum_d + k, mu)
}

/// Builds a ranked leaderboard from group sums (any order). Ranked by shrunk score descending, ties
/// (scores within [`TIE_TOLERANCE`](crate::learning::replies::TIE_TOLERANCE)) by value ascending;
/// a non-finite shrunk score ranks last. Deterministic.
pub fn leaderboard(groups: &[GroupSums], k: f64) -> Vec<LeaderboardEntry> {
    let mu = global_mean(groups);
    let total_n: u64 = groups.iter().map(|g| g.n).fold(0, u64::saturating_add);
    let mut entries: Vec<LeaderboardEntry> = groups
        .iter()
        .map(|g| {
            let weekly_trend = (g.n_recent > 0 && g.n_prior > 0)
                .then(|| g.sum_s_recent / g.n_recent as f64 - g.sum_s_prior / g.n_prior as f64);
            LeaderboardEntry {
                rank: 0,
                value: g.value.clone(),
                n: g.n,
                effective_n: g.sum_d,
                decayed_mean: ratio_or(g.sum_ds, g.sum_d, 0.0),
                shrunk_score: shrunk_score(g.sum_ds, g.sum_d, k, mu),
                raw_mean: ratio_or(g.sum_s, g.n as f64, 0.0),
                weekly_trend,
                share: ratio_or(g.n as f64, total_n as f64, 0.0),
                low_n: g.n < LOW_N,
            }
        })
        .collect();
    let key = |e: &LeaderboardEntry| {
        if e.shrunk_score.is_finite() {
            e.shrunk_score
        } else {
            f64::NEG_INFINITY
        }
    };
    entries.sort_by(|a, b| {
        key(b)
            .total_cmp(&key(a))
            .then_with(|| a.value.cmp(&b.value))
    });
    // Scores within the tie tolerance are equal (rounding noise must not reorder them): each
    // tie group is ordered by value, so the ranking is the same under noise of 1e-12.
    let keys: Vec<f64> = entries.iter().map(key).collect();
    let groups = crate::learning::replies::tie_groups(&keys);
    let mut grouped: Vec<(usize, LeaderboardEntry)> = groups.into_iter().zip(entries).collect();
    grouped.sort_by(|(ga, a), (gb, b)| ga.cmp(gb).then_with(|| a.value.cmp(&b.value)));
    let mut entries: Vec<LeaderboardEntry> = grouped.into_iter().map(|(_, e)| e).collect();
    for (i, e) in entries.iter_mut().enumerate() {
        e.rank = i + 1;
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::aggregate::{Sample, group_sums};
    use crate::learning::decay::DecayContext;

    #[allow(clippy::too_many_arguments)]
    fn g(
        value: &str,
        n: u64,
        sum_d: f64,
        sum_ds: f64,
        sum_s: f64,
        recent: (u64, f64),
        prior: (u64, f64),
    ) -> GroupSums {
        GroupSums {
            value: value.into(),
            n,
            sum_d,
            sum_ds,
            sum_s,
            n_recent: recent.0,
            sum_s_recent: recent.1,
            n_prior: prior.0,
            sum_s_prior: prior.1,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn hand_computed_leaderboard_of_three() {
        let groups = [
            g("A", 4, 2.0, 1.2, 2.0, (2, 1.2), (1, 0.4)),
            g("B", 2, 1.5, 1.2, 1.5, (2, 1.5), (0, 0.0)),
            g("C", 6, 4.5, 0.9, 1.8, (0, 0.0), (3, 0.6)),
        ];
        // μ = 3.3 / 8 = 0.4125
        assert!(close(global_mean(&groups), 0.4125));
        let lb = leaderboard(&groups, SHRINK_K);
        let order: Vec<_> = lb.iter().map(|e| (e.rank, e.value.as_str())).collect();
        assert_eq!(order, [(1, "B"), (2, "A"), (3, "C")]);

        let b = &lb[0];
        assert!(close(b.shrunk_score, 2.4375 / 4.5));
        assert!(close(b.decayed_mean, 0.8));
        assert!(close(b.raw_mean, 0.75));
        assert_eq!(b.weekly_trend, None);
        assert!(close(b.share, 2.0 / 12.0));
        assert!(b.low_n);
        assert_eq!(b.effective_n, 1.5);

        let a = &lb[1];
        assert!(close(a.shrunk_score, 0.4875));
        assert!(close(a.decayed_mean, 0.6));
        assert!(close(a.raw_mean, 0.5));
        assert!(close(a.weekly_trend.unwrap(), 0.2));
        assert!(close(a.share, 1.0 / 3.0));
        assert!(a.low_n);

        let c = &lb[2];
        assert!(close(c.shrunk_score, 0.285));
        assert!(close(c.decayed_mean, 0.2));
        assert!(close(c.raw_mean, 0.3));
        assert_eq!(c.weekly_trend, None);
        assert!(close(c.share, 0.5));
        assert!(!c.low_n);
    }

    #[test]
    fn decayed_mean_divides_by_sum_of_weights_not_n() {
        // Two rows of score 0.5, both heavily decayed (floor 0.1): the mean stays 0.5.
        let p = DecayContext::Default.params();
        let groups = group_sums(
            [
                Sample {
                    value: "x",
                    age_days: 50.0,
                    score: 0.5,
                },
                Sample {
                    value: "x",
                    age_days: 55.0,
                    score: 0.5,
                },
            ],
            &p,
        );
        let lb = leaderboard(&groups, SHRINK_K);
        assert!(close(lb[0].decayed_mean, 0.5));
        assert!(close(lb[0].effective_n, 0.2));
        // Divided by n it would have been 0.05.
        assert!(close(groups[0].sum_ds / groups[0].n as f64, 0.05));
    }

    #[test]
    fn shrinkage_pulls_toward_global_mean() {
        let groups = [
            g("lucky", 1, 1.0, 0.9, 0.9, (1, 0.9), (0, 0.0)),
            g("steady", 20, 20.0, 12.0, 12.0, (0, 0.0), (0, 0.0)),
            g("weak", 20, 20.0, 2.0, 2.0, (0, 0.0), (0, 0.0)),
        ];
        let mu = global_mean(&groups);
        assert!(close(mu, 14.9 / 41.0));
        let lb = leaderboard(&groups, SHRINK_K);
        let order: Vec<_> = lb.iter().map(|e| e.value.as_str()).collect();
        // One lucky post (0.9) no longer beats twenty solid ones (0.6).
        assert_eq!(order, ["steady", "lucky", "weak"]);
        let lucky = &lb[1];
        assert!(close(lucky.shrunk_score, (0.9 + 3.0 * mu) / 4.0));
        assert!(lucky.shrunk_score < lucky.decayed_mean && lucky.shrunk_score > mu);
        let weak = &lb[2];
        assert!(weak.shrunk_score > weak.decayed_mean && weak.shrunk_score < mu);
        // k = 0: no shrinkage, the lucky one wins.
        assert_eq!(leaderboard(&groups, 0.0)[0].value, "lucky");
        // Very large k: every value collapses onto μ.
        let lb = leaderboard(&groups, 1e12);
        assert!(lb.iter().all(|e| (e.shrunk_score - mu).abs() < 1e-9));
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        assert!(leaderboard(&[], SHRINK_K).is_empty());
        assert_eq!(global_mean(&[]), 0.0);
        let groups = [
            g("zero", 0, 0.0, 0.0, 0.0, (0, 0.0), (0, 0.0)),
            g("nan", 3, f64::NAN, f64::NAN, 1.0, (1, 0.1), (1, 0.2)),
            g("ok", 3, 1.0, 0.5, 1.5, (0, 0.0), (0, 0.0)),
        ];
        let lb = leaderboard(&groups, f64::NAN);
        assert_eq!(lb.len(), 3);
        assert!(lb.iter().all(|e| e.shrunk_score.is_finite()));
        assert_eq!(lb.iter().map(|e| e.rank).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn ties_break_by_value() {
        let groups = [
            g("b", 5, 1.0, 0.5, 2.5, (0, 0.0), (0, 0.0)),
            g("a", 5, 1.0, 0.5, 2.5, (0, 0.0), (0, 0.0)),
        ];
        let lb = leaderboard(&groups, SHRINK_K);
        assert_eq!(lb[0].value, "a");
        assert_eq!(lb[1].value, "b");
    }
}
