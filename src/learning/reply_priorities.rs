//! Reply-account priorities for a whole set of accounts: banding among accounts with enough
//! recent replies, time-based decay for accounts gone quiet, and operator overrides. Pure; the
//! reply_priority_learning job and the demo dataset both call it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::replies::{
    self, Band, OperatorOverride, ReplySample, apply_override, assign_bands, reply_performance,
    stale_priority,
};

/// Accounts with fewer than [`MIN_REPLIES_30D`] recent replies cannot reach the top bands on
/// so little evidence.
pub const LOW_N_CAP: f64 = 0.7;

/// What the job knows about one account: its reply statistics (aggregated in the database by
/// the job, or from samples by [`AccountReplies::from_samples`]) and its stored state.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountReplies {
    pub username: String,
    /// Replies in the last 30 days.
    pub replies_30d: u32,
    /// Σ(d·c)/Σd over the last 30 days.
    pub performance_30d: Option<f64>,
    /// Σ(d·c)/Σd over every known reply (the base of a quiet account's decay when nothing is
    /// stored yet).
    pub performance_all: Option<f64>,
    pub last_successful_reply_at: Option<DateTime<Utc>>,
    /// The stored performance, the base of the decay of a quiet account.
    pub stored_performance: Option<f64>,
    pub current_priority: f64,
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
        let recent: Vec<ReplySample> = samples
            .iter()
            .filter(|s| s.age_days <= 30.0)
            .copied()
            .collect();
        AccountReplies {
            username: username.to_string(),
            replies_30d: recent.len() as u32,
            performance_30d: reply_performance(&recent, tau),
            performance_all: reply_performance(samples, tau),
            last_successful_reply_at,
            stored_performance: None,
            current_priority: 0.5,
            operator_override: OperatorOverride::None,
        }
    }
}

/// The new priority of one account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorityUpdate {
    pub username: String,
    pub priority: f64,
    /// top, high, mid, low, uniform, low_n, stale, new, pinned, muted.
    pub band: String,
    pub performance: Option<f64>,
    pub replies_30d: u32,
    pub last_successful_reply_at: Option<DateTime<Utc>>,
}

/// Compute every account's priority at `now`.
pub fn compute_priorities(accounts: &[AccountReplies], now: DateTime<Utc>) -> Vec<PriorityUpdate> {
    // Band only the accounts with enough recent replies, against each other.
    let eligible: Vec<(usize, f64)> = accounts
        .iter()
        .enumerate()
        .filter(|(_, a)| replies::is_eligible(a.replies_30d))
        .filter_map(|(i, a)| a.performance_30d.map(|p| (i, p)))
        .collect();
    let mut banded: Vec<Option<(f64, Band)>> = vec![None; accounts.len()];
    for (i, priority, band) in assign_bands(&eligible) {
        banded[i] = Some((priority, band));
    }

    accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let (priority, band, performance) = if let Some((p, band)) = banded[i] {
                (p, band.as_str().to_string(), a.performance_30d)
            } else if a.replies_30d > 0 {
                let perf = a.performance_30d;
                (
                    perf.unwrap_or(0.0).min(LOW_N_CAP),
                    "low_n".to_string(),
                    perf,
                )
            } else if let Some(last) = a.last_successful_reply_at {
                let base = a.stored_performance.or(a.performance_all).unwrap_or(0.0);
                (
                    stale_priority(base, last, now),
                    "stale".to_string(),
                    Some(base),
                )
            } else {
                (a.current_priority, "new".to_string(), a.stored_performance)
            };
            let priority = apply_override(priority, a.operator_override);
            let band = match a.operator_override {
                OperatorOverride::Pinned => "pinned".to_string(),
                OperatorOverride::Muted => "muted".to_string(),
                OperatorOverride::None => band,
            };
            PriorityUpdate {
                username: a.username.clone(),
                priority: if priority.is_finite() {
                    priority.clamp(0.0, 1.0)
                } else {
                    0.0
                },
                band,
                performance,
                replies_30d: a.replies_30d,
                last_successful_reply_at: a.last_successful_reply_at,
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
        assert!(by("few").priority <= LOW_N_CAP);
        assert_eq!(by("fresh").band, "new");
        assert_eq!(by("fresh").priority, 0.5);
        assert_eq!(by("muted").priority, 0.0);
        assert_eq!(by("muted").band, "muted");
        assert_eq!(by("best").replies_30d, 3);
    }

    #[test]
    fn quiet_accounts_decay_from_their_last_reply_and_repeat_runs_agree() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let last = now - chrono::Duration::days(44);
        let a = AccountReplies {
            last_successful_reply_at: Some(last),
            stored_performance: Some(0.8),
            ..account(
                "quiet",
                vec![(44.0, 5.0, 0.5), (50.0, 5.0, 0.5), (60.0, 5.0, 0.5)],
            )
        };
        let first = compute_priorities(std::slice::from_ref(&a), now);
        // A 14-day half-life from the last reply.
        assert!((first[0].priority - 0.8 * 0.5f64.powf(44.0 / 14.0)).abs() < 1e-12);
        assert_eq!(first[0].band, "stale");
        let again = compute_priorities(&[a], now);
        assert_eq!(first, again);
    }
}
