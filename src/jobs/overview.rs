//! The state of every job for people: configuration, last run, lag against the SLA, who is
//! running it. Used by `xbot jobs list` and the console's Jobs tab.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::JobEnv;
use super::catalog;
use crate::budget::tiers::AiNeed;
use crate::store::StoreError;
use crate::store::ops::jobs::{JobState, RunRecord, ScheduleRow};

/// Where a job stands against its SLA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// Caught up.
    Ok,
    /// Lag since the last success is over the max lag.
    Late,
    /// Disabled by an operator or the config.
    Disabled,
    /// Cannot run here (no AI endpoint configured).
    Unavailable,
    /// Enabled, within its first max lag, and never run: not known to be ok (a dead
    /// scheduler would look like this).
    NeverRan,
}

impl SlaState {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaState::Ok => "ok",
            SlaState::Late => "LATE",
            SlaState::Disabled => "off",
            SlaState::Unavailable => "n/a",
            SlaState::NeverRan => "never",
        }
    }
}

/// One job, as an on-call engineer wants to see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobOverview {
    pub job: String,
    pub enabled: bool,
    pub interval_minutes: u32,
    pub priority: String,
    pub ai: String,
    pub max_lag_minutes: u32,
    pub max_runtime_seconds: u32,
    pub last_run: Option<RunRecord>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// Minutes since the last success (or since the job was first scheduled).
    pub lag_minutes: i64,
    pub sla: SlaState,
    pub running: Option<RunRecord>,
    pub skip_reason: Option<String>,
    pub failure_streak: u32,
    pub does: String,
}

/// Build the overview from the stored state.
pub fn build(env: &JobEnv, states: &[JobState], now: DateTime<Utc>) -> Vec<JobOverview> {
    build_with(&env.cfg.jobs, env.cfg.ai.is_configured(), states, now)
}

/// The schedule the system applies: each job's stored row (the database is the schedule's
/// truth), or, for a job whose row is not seeded yet, the config's effective values. `enabled`
/// is always `Some` for a stored row.
pub fn applied(
    overrides: &std::collections::BTreeMap<String, catalog::JobOverride>,
    schedules: &[&ScheduleRow],
) -> Vec<catalog::EffectiveJob> {
    catalog::effective(overrides)
        .into_iter()
        .map(|mut job| {
            if let Some(row) = schedules.iter().find(|r| r.job == job.spec.name) {
                let minutes = |v: i64| u32::try_from(v.max(1)).unwrap_or(u32::MAX);
                job.interval_minutes = minutes(row.interval_minutes);
                job.max_lag_minutes = minutes(row.max_lag_minutes);
                job.max_runtime_seconds = minutes(row.max_runtime_seconds);
                if let Ok(p) = crate::budget::tiers::Priority::parse(&row.priority) {
                    job.priority = p;
                }
                job.enabled = Some(row.enabled);
            }
            job
        })
        .collect()
}

/// [`applied`] from the job states.
pub fn applied_from_states(
    overrides: &std::collections::BTreeMap<String, catalog::JobOverride>,
    states: &[JobState],
) -> Vec<catalog::EffectiveJob> {
    let rows: Vec<&ScheduleRow> = states.iter().map(|s| &s.schedule).collect();
    applied(overrides, &rows)
}

/// [`build`] from the config's job overrides (used only for jobs not stored yet) and whether
/// an AI endpoint is configured.
pub fn build_with(
    overrides: &std::collections::BTreeMap<String, catalog::JobOverride>,
    ai_configured: bool,
    states: &[JobState],
    now: DateTime<Utc>,
) -> Vec<JobOverview> {
    applied_from_states(overrides, states)
        .iter()
        .map(|job| {
            let state = states.iter().find(|s| s.schedule.job == job.spec.name);
            let enabled = state.map_or(job.enabled.unwrap_or(true), |s| s.schedule.enabled);
            let since = state
                .and_then(|s| s.last_success_at)
                .or(state.map(|s| s.schedule.created_at))
                .unwrap_or(now);
            let lag_minutes = (now - since).num_minutes().max(0);
            let sla = if !enabled {
                SlaState::Disabled
            } else if !ai_configured && job.spec.ai != AiNeed::None && !job.spec.ai_optional {
                SlaState::Unavailable
            } else if lag_minutes > i64::from(job.max_lag_minutes) {
                SlaState::Late
            } else if state.is_none_or(|s| s.last_run.is_none() && s.running.is_none()) {
                SlaState::NeverRan
            } else {
                SlaState::Ok
            };
            JobOverview {
                job: job.spec.name.to_string(),
                enabled,
                interval_minutes: job.interval_minutes,
                priority: job.priority.as_str().to_string(),
                ai: job.spec.ai.as_str().to_string(),
                max_lag_minutes: job.max_lag_minutes,
                max_runtime_seconds: job.max_runtime_seconds,
                last_run: state.and_then(|s| s.last_run.clone()),
                last_success_at: state.and_then(|s| s.last_success_at),
                lag_minutes,
                sla,
                running: state.and_then(|s| s.running.clone()),
                skip_reason: state.and_then(|s| s.schedule.last_skip_reason.clone()),
                failure_streak: state.map_or(0, |s| s.failure_streak),
                does: job.spec.does.to_string(),
            }
        })
        .collect()
}

/// Read the overview. A read never writes: the schedule shown is the database's (jobs not
/// seeded yet show the config's values until a writer seeds them).
pub async fn load(env: &JobEnv) -> Result<Vec<JobOverview>, StoreError> {
    let now = env.now();
    let states = env.store.job_states().await?;
    Ok(build(env, &states, now))
}
