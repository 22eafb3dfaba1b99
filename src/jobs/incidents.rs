//! The kinds of incident xbot opens, and the rules for opening and resolving them. The store
//! guarantees one open incident per (kind, subject) and one event per transition; this module
//! decides when a condition holds.

use chrono::{DateTime, Utc};

use crate::budget::tiers::Tier;
use crate::store::ops::incidents::Transition;
use crate::store::ops::workers::WorkerRecord;
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

/// A pending safety review waited longer than the review SLA (resolved when none does).
pub const REVIEW_SLA: &str = crate::store::ops::incidents::REVIEW_SLA_KIND;
/// Subject of the review SLA incident: the queue as a whole.
pub const REVIEW_SLA_SUBJECT: &str = "safety_queue";
/// No `xbot serve` seen alive for too long while jobs are enabled (resolved when one beats,
/// or when every job is disabled).
pub const SCHEDULER_ABSENT: &str = "scheduler_absent";
/// Subject of the scheduler incident.
pub const SCHEDULER_SUBJECT: &str = "scheduler";

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

/// Open or resolve the review SLA incident: open while a pending review is older than
/// `sla_minutes`.
pub async fn observe_review_sla(
    store: &dyn Store,
    sla_minutes: u32,
    now: DateTime<Utc>,
) -> Result<Transition, StoreError> {
    let cutoff = now - chrono::TimeDelta::minutes(i64::from(sla_minutes));
    match store.pending_reviews_before(cutoff).await? {
        Some(over) => {
            let details = format!(
                "{} pending review(s) over the {sla_minutes} min review SLA; oldest #{} waiting {} min",
                over.count,
                over.oldest_id,
                (now - over.oldest_at).num_minutes()
            );
            store
                .raise_incident(REVIEW_SLA, REVIEW_SLA_SUBJECT, "warning", &details, now)
                .await
        }
        None => {
            let note = format!("no pending review is older than {sla_minutes} min");
            store
                .clear_incident(REVIEW_SLA, REVIEW_SLA_SUBJECT, &note, now)
                .await
        }
    }
}

/// Open or resolve the scheduler incident from the heartbeats: open when jobs are enabled and
/// no scheduler beat (or stopped) within `absent_minutes` (or none ever did, and the schedule
/// is older than that); resolved when one beats, or when no job is enabled (not applicable).
pub async fn observe_scheduler(
    store: &dyn Store,
    workers: &[WorkerRecord],
    absent_minutes: u32,
    now: DateTime<Utc>,
) -> Result<Transition, StoreError> {
    let window = chrono::TimeDelta::minutes(i64::from(absent_minutes));
    let states = store.job_states().await?;
    let enabled = states.iter().filter(|s| s.schedule.enabled).count();
    if enabled == 0 {
        return store
            .clear_incident(
                SCHEDULER_ABSENT,
                SCHEDULER_SUBJECT,
                "not applicable: every job is disabled",
                now,
            )
            .await;
    }
    let last = workers.iter().max_by_key(|w| w.seen_at);
    // A scheduler that stopped cleanly a moment ago (a restart, a deploy) gets the same grace.
    if let Some(w) = last
        && now - w.seen_at <= window
    {
        let note = format!(
            "scheduler {} seen {} s ago",
            w.owner,
            (now - w.seen_at).num_seconds().max(0)
        );
        return store
            .clear_incident(SCHEDULER_ABSENT, SCHEDULER_SUBJECT, &note, now)
            .await;
    }
    let details = match last {
        Some(w) => format!(
            "no `xbot serve` seen alive for {} min (last: {}{}); {enabled} job(s) enabled are not being scheduled",
            (now - w.seen_at).num_minutes(),
            w.owner,
            if w.stopped_at.is_some() {
                ", stopped"
            } else {
                ""
            }
        ),
        None => {
            // A schedule seeded moments ago has not missed anything yet.
            let since = states
                .iter()
                .map(|s| s.schedule.created_at)
                .min()
                .unwrap_or(now);
            if now - since <= window {
                return Ok(Transition::AlreadyResolved);
            }
            format!(
                "no `xbot serve` has ever run on this database; {enabled} job(s) enabled are not being scheduled"
            )
        }
    };
    store
        .raise_incident(SCHEDULER_ABSENT, SCHEDULER_SUBJECT, "error", &details, now)
        .await
}
