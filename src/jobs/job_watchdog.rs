//! job_watchdog: expired leases are marked abandoned, jobs lagging past their SLA and jobs
//! failing three times in a row open incidents; recovered ones resolve them.

use serde_json::json;

use super::incidents::{FAILURE_STREAK, FAILURE_STREAK_THRESHOLD, LEASE_EXPIRED, SLA_LAG};
use super::scheduler::ai_unavailable;
use super::{JobCtx, JobError, JobOutcome, JobSummary};

pub async fn run(ctx: &JobCtx<'_>) -> Result<JobOutcome, JobError> {
    let store = ctx.store();
    let now = ctx.now();
    ctx.progress(0, 2, "leases");
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
    ctx.progress(1, 2, "SLAs");
    let states = store.job_states().await?;
    let effective = crate::jobs::overview::applied_from_states(&ctx.cfg().jobs, &states);
    let (mut late, mut streaks) = (Vec::new(), Vec::new());
    for job in &effective {
        let name = job.spec.name;
        let Some(state) = states.iter().find(|s| s.schedule.job == name) else {
            continue;
        };
        // A job that cannot run in this process (no AI endpoint here) is judged by a worker
        // that can: neither raise nor clear, or two watchdogs would make it flap.
        if state.schedule.enabled && ai_unavailable(ctx.env, job).is_some() {
            continue;
        }
        let since = state.last_success_at.unwrap_or(state.schedule.created_at);
        let lag = now - since;
        let max_lag = chrono::TimeDelta::minutes(i64::from(job.max_lag_minutes));
        // Disabled jobs have no SLA.
        if state.schedule.enabled && lag > max_lag {
            let details = format!(
                "last success {} min ago, over the {} min SLA",
                lag.num_minutes(),
                job.max_lag_minutes
            );
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
        }
    }
    ctx.progress(2, 2, "done");
    Ok(JobOutcome::Done(JobSummary {
        rows_read: states.len() as u64,
        rows_written: abandoned.len() as u64,
        message: format!(
            "{} lease(s) expired, {} job(s) over SLA, {} failing",
            abandoned.len(),
            late.len(),
            streaks.len()
        ),
        details: json!({"abandoned": abandoned, "over_sla": late, "failing": streaks}),
    }))
}
