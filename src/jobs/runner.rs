//! Running one job: claim the lease, heartbeat while the job works, enforce max_runtime and
//! cancellation, close the run with its summary, and open or resolve incidents.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::catalog;
use super::incidents::{self, LEASE_EXPIRED};
use super::{JobCtx, JobEnv, JobError, JobOutcome, JobProgress, JobSummary, execute};
use crate::store::ops::jobs::{Claim, Lease, RunProgress, RunStatus, Trigger};
use crate::store::{Store, StoreError};

/// How a request to run a job ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RunReport {
    /// We held the lease and the run ended (in any state).
    Finished {
        run_id: i64,
        job: String,
        status: RunStatus,
        summary: Option<JobSummary>,
        /// Why it failed, was cancelled, or was skipped.
        reason: Option<String>,
        duration_ms: u64,
    },
    /// Another process (or task) holds the lease.
    Held {
        job: String,
        run_id: i64,
        owner: String,
        started_at: DateTime<Utc>,
    },
}

impl RunReport {
    pub fn succeeded(&self) -> bool {
        matches!(
            self,
            RunReport::Finished {
                status: RunStatus::Succeeded | RunStatus::Skipped,
                ..
            }
        )
    }
}

/// Run `job` now through the lease. Progress goes to `progress`; `cancel` stops it.
pub async fn run_job(
    env: &JobEnv,
    job: &str,
    trigger: Trigger,
    cancel: CancellationToken,
    progress: watch::Sender<JobProgress>,
) -> Result<RunReport, StoreError> {
    // The stored schedule is the truth (its max runtime); the config fills a job not seeded.
    let stored = env.store.schedules().await?;
    let effective = super::overview::applied(&env.cfg.jobs, &stored.iter().collect::<Vec<_>>());
    let Some(spec) = effective.iter().find(|j| j.spec.name == job) else {
        return Err(StoreError::NotFound(format!(
            "no job named {job:?} (known: {})",
            catalog::job_names().join(", ")
        )));
    };
    let store = env.store.as_ref();
    let ttl_secs = env.lease_ttl.as_secs().max(1) as i64;
    let lease = match store
        .claim(job, trigger, &env.owner, ttl_secs, env.now())
        .await?
    {
        Claim::Held {
            run_id,
            owner,
            started_at,
        } => {
            return Ok(RunReport::Held {
                job: job.to_string(),
                run_id,
                owner,
                started_at,
            });
        }
        Claim::Claimed { lease, abandoned } => {
            for dead in abandoned {
                let details = format!(
                    "run {} by {} stopped heartbeating and was marked abandoned",
                    dead.id, dead.owner
                );
                store
                    .raise_incident(LEASE_EXPIRED, &dead.job, "warning", &details, env.now())
                    .await?;
            }
            lease
        }
    };
    tracing::info!(
        job,
        run_id = lease.run_id,
        trigger = trigger.as_str(),
        "job started"
    );

    let started = Instant::now();
    let lost = Arc::new(AtomicBool::new(false));
    let stop_heartbeat = CancellationToken::new();
    let heartbeat = tokio::spawn(heartbeat_loop(
        env.clone(),
        lease.clone(),
        progress.subscribe(),
        cancel.clone(),
        stop_heartbeat.clone(),
        lost.clone(),
    ));

    let ctx = JobCtx::new(env, &lease, trigger, cancel.clone(), progress.clone());
    let max_runtime = Duration::from_secs(u64::from(spec.max_runtime_seconds));
    let result = tokio::select! {
        r = tokio::time::timeout(max_runtime, execute(job, &ctx)) => match r {
            Ok(r) => r,
            Err(_) => {
                cancel.cancel();
                Err(JobError::Failed(format!(
                    "exceeded its max runtime of {} s",
                    spec.max_runtime_seconds
                )))
            }
        },
        // Dropping the job's future rolls back any transaction it had open: nothing
        // half-published.
        _ = cancel.cancelled() => Err(JobError::Cancelled),
    };
    stop_heartbeat.cancel();
    let _ = heartbeat.await;
    let duration_ms = started.elapsed().as_millis() as u64;

    if lost.load(Ordering::SeqCst) {
        tracing::warn!(job, run_id = lease.run_id, "lease lost while running");
        return Ok(RunReport::Finished {
            run_id: lease.run_id,
            job: job.to_string(),
            status: RunStatus::Failed,
            summary: None,
            reason: Some("lost its lease (another process took over)".into()),
            duration_ms,
        });
    }

    let (status, summary, reason) = match result {
        Ok(JobOutcome::Done(summary)) => (RunStatus::Succeeded, Some(summary), None),
        Ok(JobOutcome::Skipped(why)) => (RunStatus::Skipped, None, Some(why)),
        Err(JobError::Cancelled) => (RunStatus::Cancelled, None, Some("cancelled".to_string())),
        Err(e) => (RunStatus::Failed, None, Some(e.to_string())),
    };
    let stats = serde_json::json!({
        "rows_read": summary.as_ref().map_or(0, |s| s.rows_read),
        "rows_written": summary.as_ref().map_or(0, |s| s.rows_written),
        "duration_ms": duration_ms,
        "message": summary.as_ref().map(|s| s.message.clone()).or_else(|| reason.clone()),
        "details": summary.as_ref().map_or(serde_json::Value::Null, |s| s.details.clone()),
    });
    let error = match status {
        RunStatus::Succeeded => None,
        _ => reason.as_deref(),
    };
    finish_with_retry(env, &lease, status, error, stats).await?;
    tracing::info!(
        job,
        run_id = lease.run_id,
        status = status.as_str(),
        duration_ms,
        "job finished"
    );

    if matches!(status, RunStatus::Succeeded | RunStatus::Failed) {
        let streak = failure_streak(store, job).await?;
        incidents::observe_run(
            store,
            job,
            status == RunStatus::Succeeded,
            streak,
            reason.as_deref(),
            env.now(),
        )
        .await?;
    }
    Ok(RunReport::Finished {
        run_id: lease.run_id,
        job: job.to_string(),
        status,
        summary,
        reason,
        duration_ms,
    })
}

/// Close the run. While the database is unreachable (the usual reason a run fails mid-way),
/// keep trying with backoff for as long as the lease would last: a database that comes back
/// in time gets the run closed with its real outcome and the lease released; one that does
/// not leaves the lease to expire, and the next claimer marks the run abandoned.
async fn finish_with_retry(
    env: &JobEnv,
    lease: &Lease,
    status: RunStatus,
    error: Option<&str>,
    stats: serde_json::Value,
) -> Result<(), StoreError> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(500);
    loop {
        match env
            .store
            .finish_run(lease, status, error, Some(stats.clone()), env.now())
            .await
        {
            Err(e) if e.is_unavailable() && started.elapsed() + delay < env.lease_ttl => {
                tracing::warn!(job = %lease.job, run_id = lease.run_id, error = %e,
                    "cannot close the run yet; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            other => return other,
        }
    }
}

/// Failures (and abandoned runs) since the job's last success.
pub async fn failure_streak(store: &dyn Store, job: &str) -> Result<u32, StoreError> {
    let history = store.run_history(Some(job), 20).await?;
    Ok(history
        .iter()
        .filter(|r| matches!(r.status.as_str(), "succeeded" | "failed" | "abandoned"))
        .take_while(|r| r.status != "succeeded")
        .count() as u32)
}

async fn heartbeat_loop(
    env: JobEnv,
    lease: Lease,
    progress: watch::Receiver<JobProgress>,
    cancel: CancellationToken,
    stop: CancellationToken,
    lost: Arc<AtomicBool>,
) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(env.heartbeat) => {}
        }
        let p = progress.borrow().clone();
        let beat = RunProgress {
            done: p.done,
            total: p.total,
            phase: p.phase,
        };
        match env.store.heartbeat(&lease, &beat, env.now()).await {
            Ok(true) => {
                tracing::info!(job = %lease.job, run_id = lease.run_id, "cancellation requested");
                cancel.cancel();
            }
            Ok(false) => {}
            Err(StoreError::LeaseLost(why)) => {
                tracing::warn!(job = %lease.job, "{why}");
                lost.store(true, Ordering::SeqCst);
                cancel.cancel();
                return;
            }
            // A database hiccup: keep trying; if it lasts past the TTL the lease expires and
            // the next claimer takes over.
            Err(e) => tracing::warn!(job = %lease.job, error = %e, "heartbeat failed"),
        }
    }
}
