//! The console's share of the on-call duty. While no `xbot serve` has been seen alive
//! recently, a (writable) console delivers the outbox itself, watches for the missing
//! scheduler (`scheduler_absent`) and keeps the review SLA watched, so that an incident is
//! still raised and announced when no worker runs.
//! Once a scheduler beats again it does both, and the console stands by.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::delivery::{self, Policy};
use crate::config::Config;
use crate::store::StoreHandle;
use crate::store::ops::workers::WorkerRecord;

/// A scheduler whose last heartbeat is younger than this counts as running (it beats every
/// scheduler tick, 30 s).
pub const ALIVE_WITHIN: chrono::TimeDelta = chrono::TimeDelta::seconds(90);

/// The most recently seen scheduler that has not stopped, if it beat within [`ALIVE_WITHIN`].
pub fn live_scheduler(
    workers: &[WorkerRecord],
    now: chrono::DateTime<Utc>,
) -> Option<&WorkerRecord> {
    workers
        .iter()
        .filter(|w| w.stopped_at.is_none() && now - w.seen_at <= ALIVE_WITHIN)
        .max_by_key(|w| w.seen_at)
}

/// Every 30 s until `stop`: when no scheduler is alive, deliver and observe its absence.
pub async fn run(store: StoreHandle, cfg: Arc<Config>, owner: String, stop: CancellationToken) {
    if cfg.read_only {
        return;
    }
    let policy = Policy::default();
    let client = delivery::client(&policy);
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tick.tick() => {
                let now = Utc::now();
                let workers = match store.workers().await {
                    Ok(w) => w,
                    Err(_) => continue,
                };
                if live_scheduler(&workers, now).is_some() {
                    continue;
                }
                if let Err(e) = crate::jobs::incidents::observe_scheduler(
                    &*store, &workers, cfg.scheduler_absent_minutes, now,
                ).await {
                    tracing::debug!(error = %e, "scheduler watch failed");
                }
                // The watchdog is not running either: resolve what no longer applies, and keep
                // the review SLA watched.
                if let Ok(states) = store.job_states().await
                    && let Err(e) = crate::jobs::job_watchdog::resolve_not_applicable(
                        &*store, &cfg, &states, &workers, now,
                    ).await
                {
                    tracing::debug!(error = %e, "not-applicable watch failed");
                }
                if let Err(e) = crate::jobs::incidents::observe_review_sla(
                    &*store, cfg.review_sla_minutes, now,
                ).await {
                    tracing::debug!(error = %e, "review SLA watch failed");
                }
                if !cfg.notify.is_empty()
                    && let Err(e) = delivery::deliver_due(&*store, &cfg.notify, &owner, &policy, &client).await
                {
                    tracing::debug!(error = %e, "console delivery round failed");
                }
            }
        }
    }
}
