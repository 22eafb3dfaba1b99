//! Jobs: JOB_CONFIG, the runner (claim, heartbeat, run, finish), the scheduler, incidents, and
//! one module per job. The CLI, `xbot serve` and the console all run jobs through
//! [`runner::run_job`], the same claim path, in-process.

pub mod ai_support;
pub mod budget_tier;
/// The job catalogue is configuration data; it lives in `config` and is re-exported here.
pub use crate::config::catalog;
pub mod db_watch;
pub mod expert_review;
pub mod incidents;
pub mod job_watchdog;
pub mod objective_scores;
pub mod offline_weight_map;
pub mod overview;
pub mod plan;
pub mod reply_priority_learning;
pub mod runner;
pub mod safety_review;
pub mod scheduler;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::identity::Operator;
use crate::store::ops::jobs::{Lease, Trigger};
use crate::store::{StoreError, StoreHandle};

/// Where "now" comes from (injectable, so tests can move time).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Everything a job run needs from its surroundings.
#[derive(Clone)]
pub struct JobEnv {
    pub store: StoreHandle,
    pub cfg: Arc<Config>,
    /// `user@host:pid`, the lease owner.
    pub owner: String,
    /// How long a lease lasts without a heartbeat.
    pub lease_ttl: Duration,
    /// How often a running job heartbeats (well inside the TTL).
    pub heartbeat: Duration,
    pub clock: Clock,
    /// The AI chat client (with its circuit breaker, shared by every run in this process);
    /// `None` when no AI endpoint is configured.
    pub ai: Option<Arc<crate::ai::client::ChatClient>>,
}

impl JobEnv {
    pub fn new(store: StoreHandle, cfg: Arc<Config>) -> JobEnv {
        let ttl = Duration::from_secs(u64::from(cfg.job_lease_seconds.max(2)));
        JobEnv {
            store: store.clone(),
            owner: Operator::current().lease_owner(),
            lease_ttl: ttl,
            // Six beats per lease: a few slow or failed heartbeats do not lose it.
            heartbeat: (ttl / 6).clamp(Duration::from_millis(300), Duration::from_secs(15)),
            clock: Arc::new(Utc::now),
            ai: ai_support::client_for(&cfg, &store),
            cfg,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}

/// Progress of a running job, published on a `watch` channel (and on the run row by the
/// heartbeat, for other processes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JobProgress {
    pub done: u64,
    pub total: u64,
    pub phase: String,
}

/// What a finished job reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JobSummary {
    pub rows_read: u64,
    pub rows_written: u64,
    /// One line for people.
    pub message: String,
    /// Job-specific figures.
    pub details: serde_json::Value,
}

/// How a job ended, when it did not fail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum JobOutcome {
    Done(JobSummary),
    /// Nothing was done, for a reason people should see (e.g. no AI endpoint configured).
    Skipped(String),
}

/// Why a job failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Failed(String),
}

/// The handle a running job works through.
pub struct JobCtx<'a> {
    pub env: &'a JobEnv,
    pub lease: &'a Lease,
    pub trigger: Trigger,
    pub cancel: CancellationToken,
    progress: watch::Sender<JobProgress>,
}

impl<'a> JobCtx<'a> {
    pub fn new(
        env: &'a JobEnv,
        lease: &'a Lease,
        trigger: Trigger,
        cancel: CancellationToken,
        progress: watch::Sender<JobProgress>,
    ) -> Self {
        JobCtx {
            env,
            lease,
            trigger,
            cancel,
            progress,
        }
    }

    pub fn store(&self) -> &StoreHandle {
        &self.env.store
    }

    pub fn cfg(&self) -> &Config {
        &self.env.cfg
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.env.now()
    }

    /// Publish progress (watchers see it at once; other processes on the next heartbeat).
    pub fn progress(&self, done: u64, total: u64, phase: &str) {
        self.progress.send_replace(JobProgress {
            done,
            total,
            phase: phase.to_string(),
        });
    }

    /// Stop here if the run was cancelled (between units of work, never inside one).
    pub fn check_cancelled(&self) -> Result<(), JobError> {
        if self.cancel.is_cancelled() {
            Err(JobError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// Run the body of job `name`. The runner has already claimed the lease.
pub async fn execute(name: &str, ctx: &JobCtx<'_>) -> Result<JobOutcome, JobError> {
    match name {
        "objective_scores" => objective_scores::run(ctx).await,
        "offline_weight_map" => offline_weight_map::run(ctx).await,
        "reply_priority_learning" => reply_priority_learning::run(ctx).await,
        "budget_tier" => budget_tier::run(ctx).await,
        "job_watchdog" => job_watchdog::run(ctx).await,
        "plan" => plan::run(ctx).await,
        "safety_review" => safety_review::run(ctx).await,
        "expert_review" => expert_review::run(ctx).await,
        other => Err(JobError::Failed(format!("unknown job {other:?}"))),
    }
}
