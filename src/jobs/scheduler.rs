//! The scheduler: one loop that every 30 s (missed ticks skipped) starts the jobs that are due.
//! A job is due when its interval has passed since its last success, so a backlog of missed
//! intervals collapses into one run. Jobs are gated by the budget tier and their priority
//! class; a skip records its reason on the schedule row (only when it changes), never an
//! event per tick. Runs go through the lease, so with several workers each job runs once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::catalog::EffectiveJob;
use super::runner::{RunReport, run_job};
use super::{JobEnv, JobProgress};
use crate::budget::tiers::{AiNeed, Tier, gate_job, tier_for};
use crate::learning::slots;
use crate::store::StoreError;
use crate::store::ops::jobs::{JobState, Trigger};

/// The scheduler's tick.
pub const TICK: Duration = Duration::from_secs(30);
/// After a failure, wait at least this long (or the interval, if shorter) before retrying.
pub const RETRY_DELAY: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// What a tick decided for one job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", content = "reason", rename_all = "snake_case")]
pub enum Decision {
    Start,
    NotDue,
    Disabled,
    RunningElsewhere(String),
    RunningHere,
    Skipped(String),
}

/// Whether `job` is due at `now`, from its last success (never run: due) and, after a failure,
/// a retry delay.
pub fn is_due(job: &EffectiveJob, state: Option<&JobState>, now: DateTime<Utc>) -> bool {
    let interval = chrono::TimeDelta::minutes(i64::from(job.interval_minutes));
    let Some(state) = state else { return true };
    if let Some(last) = state.last_success_at
        && now - last < interval
    {
        return false;
    }
    if let Some(run) = &state.last_run
        && run.status == "failed"
        && let Some(finished) = run.finished_at
    {
        return now - finished >= RETRY_DELAY.min(interval);
    }
    true
}

/// The current budget tier.
pub async fn current_tier(env: &JobEnv) -> Result<(Tier, f64), StoreError> {
    let now = env.now();
    let tz = env.cfg.timezone;
    let (start, end) = slots::day_bounds_utc(slots::local_date(now, tz), tz);
    let spend = env.store.spend_between(start, end).await?;
    Ok((tier_for(spend, env.cfg.budget.daily_limit_usd), spend))
}

/// Why a job with an AI need cannot run in this process, if it cannot.
pub fn ai_unavailable(env: &JobEnv, job: &EffectiveJob) -> Option<String> {
    if job.spec.ai == AiNeed::None || job.spec.ai_optional {
        return None;
    }
    (!env.cfg.ai.is_configured()).then(|| "AI endpoint not configured".to_string())
}

/// The scheduler loop and the runs it started.
pub struct Scheduler {
    env: JobEnv,
    running: HashMap<String, (JoinHandle<()>, CancellationToken)>,
    /// Progress of the runs started here, for watchers (the console).
    pub progress: HashMap<String, watch::Receiver<JobProgress>>,
    reports: Arc<std::sync::Mutex<Vec<RunReport>>>,
}

impl Scheduler {
    pub fn new(env: JobEnv) -> Scheduler {
        Scheduler {
            env,
            running: HashMap::new(),
            progress: HashMap::new(),
            reports: Arc::new(std::sync::Mutex::new(Vec::new())),
        }
    }

    /// Reports of runs that finished since the last call.
    pub fn take_reports(&self) -> Vec<RunReport> {
        self.reports
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }

    /// Number of runs started here that are still going.
    pub fn running_here(&mut self) -> usize {
        self.running.retain(|_, (h, _)| !h.is_finished());
        self.running.len()
    }

    /// Decide and start due jobs once.
    pub async fn tick(&mut self) -> Result<Vec<(String, Decision)>, StoreError> {
        self.running.retain(|_, (h, _)| !h.is_finished());
        let now = self.env.now();
        let states = self.env.store.job_states().await?;
        let (tier, _) = current_tier(&self.env).await?;
        let mut decisions = Vec::new();
        // The stored schedule is the truth (intervals, priorities, enabled).
        for job in super::overview::applied_from_states(&self.env.cfg.jobs, &states) {
            let name = job.spec.name;
            let state = states.iter().find(|s| s.schedule.job == name);
            let decision = self.decide(&job, state, tier, now);
            match &decision {
                Decision::Skipped(reason) => {
                    self.env.store.record_skip(name, Some(reason), now).await?;
                }
                Decision::Start => {
                    self.env.store.record_skip(name, None, now).await?;
                    self.start(name, Trigger::Schedule);
                }
                _ => {}
            }
            decisions.push((name.to_string(), decision));
        }
        Ok(decisions)
    }

    fn decide(
        &self,
        job: &EffectiveJob,
        state: Option<&JobState>,
        tier: Tier,
        now: DateTime<Utc>,
    ) -> Decision {
        let name = job.spec.name;
        if state.is_some_and(|s| !s.schedule.enabled) {
            return Decision::Disabled;
        }
        if self.running.contains_key(name) {
            return Decision::RunningHere;
        }
        if let Some(run) = state.and_then(|s| s.running.as_ref()) {
            return Decision::RunningElsewhere(run.owner.clone());
        }
        if !is_due(job, state, now) {
            return Decision::NotDue;
        }
        if let Some(why) = ai_unavailable(&self.env, job) {
            return Decision::Skipped(why);
        }
        // A job that works without AI (the rules-only safety screen) is never gated by the
        // budget: it then runs without model calls, which the ledger refuses anyway.
        let need = if job.spec.ai_optional {
            AiNeed::None
        } else {
            job.spec.ai
        };
        match gate_job(tier, job.priority, need) {
            Ok(()) => Decision::Start,
            Err(why) => Decision::Skipped(why),
        }
    }

    /// Start a run of `job` in the background (schedule or manual trigger).
    pub fn start(&mut self, job: &str, trigger: Trigger) {
        let env = self.env.clone();
        let cancel = CancellationToken::new();
        let (tx, rx) = watch::channel(JobProgress::default());
        let reports = self.reports.clone();
        let name = job.to_string();
        let token = cancel.clone();
        let handle = tokio::spawn(async move {
            match run_job(&env, &name, trigger, token, tx).await {
                Ok(report) => {
                    if let Ok(mut r) = reports.lock() {
                        r.push(report);
                    }
                }
                Err(e) => tracing::error!(job = %name, error = %e, "run failed to start or finish"),
            }
        });
        self.progress.insert(job.to_string(), rx);
        self.running.insert(job.to_string(), (handle, cancel));
    }

    /// Cancel every run started here and wait (up to `grace`) for them to close their runs.
    pub async fn shutdown(&mut self, grace: Duration) {
        for (_, (_, cancel)) in self.running.iter() {
            cancel.cancel();
        }
        let handles: Vec<JoinHandle<()>> = self.running.drain().map(|(_, (h, _))| h).collect();
        let _ = tokio::time::timeout(grace, futures::future::join_all(handles)).await;
    }

    /// Record that this scheduler is alive (the heartbeat row others read).
    pub async fn beat(&self, started: DateTime<Utc>) -> Result<(), StoreError> {
        let op = crate::identity::Operator::current();
        self.env
            .store
            .worker_seen(
                &self.env.owner,
                &op.host,
                op.pid,
                self.env.cfg.ai.is_configured(),
                started,
                self.env.now(),
            )
            .await
    }

    /// Tick every [`TICK`] (missed ticks skipped) until `stop` is cancelled; then shut down.
    /// Each tick also records the heartbeat; notifications are delivered alongside.
    pub async fn run(mut self, stop: CancellationToken) {
        let started = self.env.now();
        let notify = self.env.cfg.notify.clone();
        if let Err(e) =
            crate::notify::register(&*self.env.store, &self.env.cfg, &self.env.owner).await
        {
            tracing::warn!(error = %e, "cannot register notification destinations");
        }
        let delivery = tokio::spawn(crate::notify::delivery::run(
            self.env.store.clone(),
            notify,
            self.env.owner.clone(),
            stop.child_token(),
        ));
        match self.beat(started).await {
            Ok(()) => {
                let note = format!("scheduler {} started", self.env.owner);
                let _ = self
                    .env
                    .store
                    .clear_incident(
                        super::incidents::SCHEDULER_ABSENT,
                        super::incidents::SCHEDULER_SUBJECT,
                        &note,
                        started,
                    )
                    .await;
            }
            Err(e) => tracing::warn!(error = %e, "scheduler heartbeat failed"),
        }
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = interval.tick() => {
                    if let Err(e) = self.beat(started).await {
                        tracing::warn!(error = %e, "scheduler heartbeat failed");
                    }
                    match self.tick().await {
                        Ok(decisions) => {
                            let started: Vec<&str> = decisions
                                .iter()
                                .filter(|(_, d)| *d == Decision::Start)
                                .map(|(j, _)| j.as_str())
                                .collect();
                            if !started.is_empty() {
                                tracing::info!(jobs = ?started, "scheduler started jobs");
                            }
                        }
                        // The database may be away: try again next tick.
                        Err(e) => tracing::warn!(error = %e, "scheduler tick failed"),
                    }
                    for report in self.take_reports() {
                        tracing::debug!(?report, "run report");
                    }
                }
            }
        }
        self.shutdown(Duration::from_secs(20)).await;
        let _ = delivery.await;
        let _ = self
            .env
            .store
            .worker_stopped(&self.env.owner, self.env.now())
            .await;
    }
}
