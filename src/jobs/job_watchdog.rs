//! job_watchdog: expired leases are marked abandoned, jobs lagging past their SLA and jobs
//! failing three times in a row open incidents, pending reviews over the review SLA open one,
//! and a missing scheduler opens one. An incident whose condition cleared is resolved, and so
//! is one that no longer applies (a disabled job, a job no live scheduler can run), each with
//! its reason.

use serde_json::json;

use super::incidents::{
    FAILURE_STREAK, FAILURE_STREAK_THRESHOLD, LEASE_EXPIRED, SLA_LAG, observe_review_sla,
    observe_scheduler,
};
use super::scheduler::ai_unavailable;
use super::{JobCtx, JobError, JobOutcome, JobSummary};
use crate::notify::standby::live_scheduler;

pub async fn run(ctx: &JobCtx<'_>) -> Result<JobOutcome, JobError> {
    let store = ctx.store();
    let now = ctx.now();
    ctx.progress(0, 3, "leases");
    let abandoned = store.abandon_expired(now).await?;
    for run in &abandoned {
        let details = format!(
            "run {} by {} stopped heartbeating and was marked abandoned",
            run.id, run.owner
        );
        store
            .raise_incident(LEASE_EXPIRED, &run.job, "warning", &details, now)
            .await?;
    }
    ctx.progress(1, 3, "SLAs");
    let states = store.job_states().await?;
    let workers = store.workers().await?;
    let effective = crate::jobs::overview::applied_from_states(&ctx.cfg().jobs, &states);
    let not_applicable =
        resolve_not_applicable(&**store, ctx.cfg(), &states, &workers, now).await?;
    let (mut late, mut streaks) = (Vec::new(), Vec::new());
    for job in &effective {
        let name = job.spec.name;
        let Some(state) = states.iter().find(|s| s.schedule.job == name) else {
            continue;
        };
        // Disabled jobs have no SLA, and a job no live scheduler can run is judged by
        // `resolve_not_applicable` (or by the scheduler that can run it).
        if !state.schedule.enabled || ai_unavailable(ctx.env, job).is_some() {
            continue;
        }
        let since = state.last_success_at.unwrap_or(state.schedule.created_at);
        let lag = now - since;
        let max_lag = chrono::TimeDelta::minutes(i64::from(job.max_lag_minutes));
        if lag > max_lag {
            let details = match state.last_success_at {
                Some(_) => format!(
                    "last success {} min ago, over the {} min SLA",
                    lag.num_minutes(),
                    job.max_lag_minutes
                ),
                None => format!(
                    "never succeeded in the {} min since it was scheduled, over the {} min SLA",
                    lag.num_minutes(),
                    job.max_lag_minutes
                ),
            };
            store
                .raise_incident(SLA_LAG, name, "warning", &details, now)
                .await?;
            late.push(name);
        } else {
            store
                .clear_incident(SLA_LAG, name, "caught up", now)
                .await?;
        }
        if state.failure_streak >= FAILURE_STREAK_THRESHOLD {
            let details = format!("{} failures in a row", state.failure_streak);
            store
                .raise_incident(FAILURE_STREAK, name, "error", &details, now)
                .await?;
            streaks.push(name);
        } else if state
            .last_run
            .as_ref()
            .is_some_and(|r| r.status == "succeeded")
        {
            store
                .clear_incident(FAILURE_STREAK, name, "the job succeeded again", now)
                .await?;
        }
    }
    ctx.progress(2, 3, "review SLA and scheduler");
    let review_sla = observe_review_sla(&**store, ctx.cfg().review_sla_minutes, now).await?;
    observe_scheduler(&**store, &workers, ctx.cfg().scheduler_absent_minutes, now).await?;
    ctx.progress(3, 3, "done");
    Ok(JobOutcome::Done(JobSummary {
        rows_read: states.len() as u64,
        rows_written: abandoned.len() as u64,
        message: format!(
            "{} lease(s) expired, {} job(s) over SLA, {} failing, {} not applicable resolved",
            abandoned.len(),
            late.len(),
            streaks.len(),
            not_applicable.len()
        ),
        details: json!({
            "abandoned": abandoned, "over_sla": late, "failing": streaks,
            "not_applicable_resolved": not_applicable, "review_sla": review_sla,
        }),
    }))
}

/// Resolve the incidents that no longer apply, each with its reason: those of a disabled job
/// (it has no SLA and its failures page nobody), and the `sla_lag` of a job that needs AI when
/// neither this process nor any live scheduler has an AI endpoint (its SLA shows `n/a`). The
/// watchdog runs it, and so does a console while no scheduler runs. Returns the jobs resolved.
pub async fn resolve_not_applicable(
    store: &dyn crate::store::Store,
    cfg: &crate::config::Config,
    states: &[crate::store::ops::jobs::JobState],
    workers: &[crate::store::ops::workers::WorkerRecord],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<&'static str>, crate::store::StoreError> {
    use crate::store::ops::incidents::Transition;
    // Whether any live scheduler can run jobs that need AI.
    let ai_somewhere = workers
        .iter()
        .any(|w| w.ai_configured && live_scheduler(std::slice::from_ref(w), now).is_some());
    let effective = crate::jobs::overview::applied_from_states(&cfg.jobs, states);
    let mut resolved = Vec::new();
    for job in &effective {
        let name = job.spec.name;
        let Some(state) = states.iter().find(|s| s.schedule.job == name) else {
            continue;
        };
        if !state.schedule.enabled {
            let why = "not applicable: the job is disabled";
            for kind in [SLA_LAG, FAILURE_STREAK, LEASE_EXPIRED] {
                if store.clear_incident(kind, name, why, now).await? == Transition::Resolved {
                    resolved.push(name);
                }
            }
            continue;
        }
        let needs_ai = job.spec.ai != crate::budget::tiers::AiNeed::None && !job.spec.ai_optional;
        if needs_ai && !cfg.ai.is_configured() && !ai_somewhere {
            let note = "not applicable: no running scheduler can run the job (AI endpoint not \
                        configured); its SLA is n/a";
            if store.clear_incident(SLA_LAG, name, note, now).await? == Transition::Resolved {
                resolved.push(name);
            }
        }
    }
    Ok(resolved)
}
