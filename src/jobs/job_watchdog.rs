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
    // Whether any live scheduler can run jobs that need AI.
    let ai_somewhere = workers
        .iter()
        .any(|w| w.ai_configured && live_scheduler(std::slice::from_ref(w), now).is_some());
    let effective = crate::jobs::overview::applied_from_states(&ctx.cfg().jobs, &states);
    let (mut late, mut streaks, mut not_applicable) = (Vec::new(), Vec::new(), Vec::new());
    for job in &effective {
        let name = job.spec.name;
        let Some(state) = states.iter().find(|s| s.schedule.job == name) else {
            continue;
        };
        if !state.schedule.enabled {
            // Disabled jobs have no SLA, and their failures page nobody.
            let why = "not applicable: the job is disabled";
            for kind in [SLA_LAG, FAILURE_STREAK, LEASE_EXPIRED] {
                if store.clear_incident(kind, name, why, now).await?
                    == crate::store::ops::incidents::Transition::Resolved
                {
                    not_applicable.push(name);
                }
            }
            continue;
        }
        if let Some(why) = ai_unavailable(ctx.env, job) {
            if ai_somewhere {
                // A live scheduler with an AI endpoint judges this job: neither raise nor
                // clear here, or two watchdogs would make it flap.
                continue;
            }
            let note = format!(
                "not applicable: no running scheduler can run the job ({why}); its SLA is n/a"
            );
            if store.clear_incident(SLA_LAG, name, &note, now).await?
                == crate::store::ops::incidents::Transition::Resolved
            {
                not_applicable.push(name);
            }
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
