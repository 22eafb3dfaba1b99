//! The kinds of incident xbot opens, and the rules for opening and resolving them. The store
//! guarantees one open incident per (kind, subject) and one event per transition; this module
//! decides when a condition holds.

use chrono::{DateTime, Utc};

use crate::budget::tiers::Tier;
use crate::store::ops::incidents::Transition;
use crate::store::{Store, StoreError};

/// The AI budget reached T3 or T4 (resolved below T3).
pub const BUDGET_TIER: &str = "budget_tier";
/// Subject of the budget incident.
pub const BUDGET_SUBJECT: &str = "ai_budget";
/// A job failed three or more times in a row (resolved by a success).
pub const FAILURE_STREAK: &str = "job_failure_streak";
/// A job's lag since its last success passed its max lag (resolved when caught up).
pub const SLA_LAG: &str = "sla_lag";
/// A run's owner stopped heartbeating and its lease expired (resolved by the job's next
/// success).
pub const LEASE_EXPIRED: &str = "lease_expired";
/// The AI circuit breaker opened after repeated API failures (resolved when it closes).
pub const AI_CIRCUIT: &str = "ai_circuit_open";

/// `xbot serve` could not reach the database (recorded when it comes back, see `db_watch`).
pub const DB_UNREACHABLE: &str = "database_unreachable";

/// Failures in a row that open a failure-streak incident.
pub const FAILURE_STREAK_THRESHOLD: u32 = 3;

/// Open or resolve the budget incident for `tier`.
pub async fn observe_tier(
    store: &dyn Store,
    tier: Tier,
    spend: f64,
    limit: f64,
    now: DateTime<Utc>,
) -> Result<Transition, StoreError> {
    let share = if limit > 0.0 {
        100.0 * spend / limit
    } else {
        100.0
    };
    if tier >= Tier::T3 {
        let severity = if tier == Tier::T4 {
            "critical"
        } else {
            "warning"
        };
        let details = format!("tier {tier}: ${spend:.2} of ${limit:.2} ({share:.0}%) spent today");
        store
            .raise_incident(BUDGET_TIER, BUDGET_SUBJECT, severity, &details, now)
            .await
    } else {
        let note = format!("back to tier {tier} ({share:.0}%)");
        store
            .clear_incident(BUDGET_TIER, BUDGET_SUBJECT, &note, now)
            .await
    }
}

/// After a run of `job` finished: a success resolves its failure streak and expired-lease
/// incidents; a streak of failures opens one.
pub async fn observe_run(
    store: &dyn Store,
    job: &str,
    succeeded: bool,
    failure_streak: u32,
    last_error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if succeeded {
        store
            .clear_incident(FAILURE_STREAK, job, "the job succeeded again", now)
            .await?;
        store
            .clear_incident(LEASE_EXPIRED, job, "the job succeeded again", now)
            .await?;
    } else if failure_streak >= FAILURE_STREAK_THRESHOLD {
        let details = format!(
            "{failure_streak} failures in a row; last: {}",
            last_error.unwrap_or("unknown error")
        );
        store
            .raise_incident(FAILURE_STREAK, job, "error", &details, now)
            .await?;
    }
    Ok(())
}
