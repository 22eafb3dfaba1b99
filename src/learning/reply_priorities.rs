//! Reply-account priorities for a whole set of accounts: banding among accounts with enough
//! recent replies, the same scale for everyone else, time-based decay for accounts gone quiet,
//! and operator overrides. Pure; the reply_priority_learning job and the demo dataset both call
//! it.
//!
//! The rules, in order (each account gets exactly one):
//! - **banded** (top/high/mid/low/uniform): ≥ 3 replies in 30 days, at least one measured;
//!   performance Σ(d·c)/Σd over the measured ones, ranked into bands by [`assign_bands`].
//! - **low_n**: 1–2 replies in 30 days, at least one measured. Its performance is shrunk towards
//!   the global mean μ, (Σ(d·c) + k·μ)/(Σd + k) with k = 3 as the leaderboards shrink, and put on
//!   the banded accounts' scale by [`PriorityScale`] (linear between the banded accounts around
//!   it). One lucky reply moves it only a little way from where μ sits.
//! - **unmeasured**: replies in 30 days but none measured yet: not measured, never bottom; it
//!   sits where μ sits on the scale (zero evidence shrinks to μ).
//! - **stale**: no reply in 30 days, an earlier one known: the priority it had when it went
//!   stale (the base stored by the last run that saw it live), halving every 14 days after its
//!   last reply turned 30 days old ([`stale_priority`]). Without a stored base (first run, or
//!   never computed live), the base is its shrunk performance over all its measured replies on
//!   today's scale.
//! - **new**: never replied: where μ sits on the scale, as for unmeasured.
//!
//! μ is the decayed mean Σ(d·c)/Σd over every measured reply of the last 30 days (all accounts);
//! with none, μ's place on the scale is the neutral 0.5. Operator overrides apply last (pinned
//! 1.0, muted 0) and change nobody else's priority.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::leaderboard::SHRINK_K;
use super::replies::{
    self, Band, OperatorOverride, PriorityScale, ReplySample, ReplySums, STALE_AFTER_DAYS,
    apply_override, assign_bands, stale_priority,
};

/// What the job knows about one account: its reply statistics (aggregated in the database by
/// the job, or from samples by [`AccountReplies::from_samples`]) and its stored state.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountReplies {
    pub username: String,
    /// Replies in the last 30 days, measured or not.
    pub replies_30d: u32,
    /// Sums over the measured replies of the last 30 days.
    pub recent: ReplySums,
    /// Sums over every measured reply (the fallback base of a stale account).
    pub all: ReplySums,
    pub last_successful_reply_at: Option<DateTime<Utc>>,
    /// The stored base: the priority the account had (before any override) at the last run that
    /// saw it live, a stale account's priority decays from it.
    pub base: Option<f64>,
    pub operator_override: OperatorOverride,
}

impl AccountReplies {
    /// Statistics from individual replies (ages in days).
    pub fn from_samples(
        username: &str,
        samples: &[ReplySample],
        last_successful_reply_at: Option<DateTime<Utc>>,
        tau: f64,
    ) -> AccountReplies {
        let recent: Vec<&ReplySample> = samples
            .iter()
            .filter(|s| s.age_days <= STALE_AFTER_DAYS)
            .collect();
        AccountReplies {
            username: username.to_string(),
            replies_30d: recent.len() as u32,
            recent: ReplySums::from_samples(recent, tau),
            all: ReplySums::from_samples(samples, tau),
            last_successful_reply_at,
            base: None,
            operator_override: OperatorOverride::None,
        }
    }
}

/// The new priority of one account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorityUpdate {
    pub username: String,
    pub priority: f64,
    /// top, high, mid, low, uniform, low_n, unmeasured, stale, new, pinned, muted.
    pub band: String,
    /// Raw Σ(d·c)/Σd over the measured replies of the last 30 days (over all of them for a
    /// stale account); `None` when nothing is measured.
    pub performance: Option<f64>,
    pub replies_30d: u32,
    pub last_successful_reply_at: Option<DateTime<Utc>>,
    /// The base to store: the priority before any override, for an account computed live (one
    /// with a reply in the last 30 days); `None` keeps the stored one.
    pub base: Option<f64>,
}

/// The global decayed mean μ of the measured replies of the last 30 days.
pub fn global_reply_mean(accounts: &[AccountReplies]) -> Option<f64> {
    accounts
        .iter()
        .fold(ReplySums::default(), |acc, a| acc.merge(&a.recent))
        .performance()
}

/// Compute every account's priority at `now` (see the module comment for the rules).
pub fn compute_priorities(accounts: &[AccountReplies], now: DateTime<Utc>) -> Vec<PriorityUpdate> {
    // Band only the accounts with enough recent replies, against each other.
    let eligible: Vec<(usize, f64)> = accounts
        .iter()
        .enumerate()
        .filter(|(_, a)| replies::is_eligible(a.replies_30d))
        .filter_map(|(i, a)| a.recent.performance().map(|p| (i, p)))
        .collect();
    let mut banded: Vec<Option<(f64, Band)>> = vec![None; accounts.len()];
    let mut scale_perf = Vec::with_capacity(eligible.len());
    let mut scale_prio = Vec::with_capacity(eligible.len());
    for (i, priority, band) in assign_bands(&eligible) {
        banded[i] = Some((priority, band));
    }
    for (i, p) in &eligible {
        if let Some((q, _)) = banded[*i] {
            scale_perf.push(*p);
            scale_prio.push(q);
        }
    }
    let scale = PriorityScale::new(&scale_perf, &scale_prio);
    let mu = global_reply_mean(accounts);
    let neutral = mu.map_or(0.5, |m| scale.priority(m));
    let shrunk = |sums: &ReplySums| match mu {
        Some(m) => scale.priority(sums.shrunk(SHRINK_K, m)),
        // Nothing measured anywhere: no scale position to shrink towards.
        None => 0.5,
    };

    accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let recent = a.recent.performance();
            let (priority, band, performance, live) = if let Some((p, band)) = banded[i] {
                (p, band.as_str(), recent, true)
            } else if a.replies_30d > 0 && recent.is_some() {
                (shrunk(&a.recent), "low_n", recent, true)
            } else if a.replies_30d > 0 {
                (neutral, "unmeasured", None, true)
            } else if let Some(last) = a.last_successful_reply_at {
                let base = match a.base {
                    Some(b) if b.is_finite() => b,
                    _ => shrunk(&a.all),
                };
                (
                    stale_priority(base, last, now),
                    "stale",
                    a.all.performance(),
                    false,
                )
            } else {
                (neutral, "new", None, false)
            };
            let clean = |p: f64| {
                if p.is_finite() {
                    p.clamp(0.0, 1.0)
                } else {
                    0.0
                }
            };
            let base = live.then(|| clean(priority));
            let priority = apply_override(priority, a.operator_override);
            let band = match a.operator_override {
                OperatorOverride::Pinned => "pinned",
                OperatorOverride::Muted => "muted",
                OperatorOverride::None => band,
            };
            PriorityUpdate {
                username: a.username.clone(),
                priority: clean(priority),
                band: band.to_string(),
                performance,
                replies_30d: a.replies_30d,
                last_successful_reply_at: a.last_successful_reply_at,
                base,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn account(name: &str, samples: Vec<(f64, f64, f64)>) -> AccountReplies {
        let samples: Vec<ReplySample> = samples
            .into_iter()
            .map(|(age, fgw, score)| ReplySample {
                age_days: age,
                followers_gained_weighted: Some(fgw),
                score: Some(score),
            })
            .collect();
        AccountReplies::from_samples(name, &samples, None, 10.0)
    }

    #[test]
    fn bands_overrides_low_n_and_new_accounts() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let mut accounts = vec![
            account(
                "best",
                vec![(1.0, 20.0, 0.8), (2.0, 15.0, 0.7), (3.0, 10.0, 0.6)],
            ),
            account(
                "worst",
                vec![(1.0, 0.0, 0.1), (2.0, 0.0, 0.1), (3.0, 0.0, 0.1)],
            ),
            account("few", vec![(1.0, 30.0, 0.9)]),
            account("fresh", vec![]),
        ];
        accounts.push(AccountReplies {
            operator_override: OperatorOverride::Muted,
            ..account(
                "muted",
                vec![(1.0, 20.0, 0.8), (2.0, 20.0, 0.8), (3.0, 20.0, 0.8)],
            )
        });
        let out = compute_priorities(&accounts, now);
        let by = |n: &str| out.iter().find(|u| u.username == n).unwrap().clone();
        assert!(by("best").priority > by("worst").priority);
        assert_eq!(by("few").band, "low_n");
        // One lucky reply does not reach the top: shrunk towards μ, then placed on the scale.
        assert!(by("few").priority < 1.0 && by("few").priority > by("worst").priority);
        assert_eq!(by("fresh").band, "new");
        assert!(by("fresh").priority > 0.0 && by("fresh").priority < 1.0);
        assert_eq!(by("muted").priority, 0.0);
        assert_eq!(by("muted").band, "muted");
        assert_eq!(by("best").replies_30d, 3);
        assert_eq!(
            by("muted").base,
            Some(1.0),
            "the base is the priority before the mute"
        );
    }

    #[test]
    fn quiet_accounts_decay_from_their_base_and_repeat_runs_agree() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let last = now - chrono::Duration::days(44);
        let a = AccountReplies {
            last_successful_reply_at: Some(last),
            base: Some(0.8),
            ..account(
                "quiet",
                vec![(44.0, 5.0, 0.5), (50.0, 5.0, 0.5), (60.0, 5.0, 0.5)],
            )
        };
        let first = compute_priorities(std::slice::from_ref(&a), now);
        // Stale since its last reply turned 30 days old (14 days ago): one half-life.
        assert!((first[0].priority - 0.4).abs() < 1e-12);
        assert_eq!(first[0].band, "stale");
        assert_eq!(first[0].base, None, "a stale run keeps the stored base");
        let again = compute_priorities(&[a], now);
        assert_eq!(first, again);
    }
}
