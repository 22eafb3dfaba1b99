//! expert_review: a post-hoc review of the best and worst posts of the last day, written to
//! `expert_insights`. Routed to the expert model when the tier and the expert cap allow it
//! (in T2/T3 only when triggered by a person), else to the core model with the reason logged.
//! Without an AI endpoint it ends at once as skipped; with no scored post in the window it
//! makes no call at all.

use chrono::Duration;
use serde_json::json;

use super::ai_support::{NOT_CONFIGURED, ai_for, is_manual};
use super::{JobCtx, JobError, JobOutcome, JobSummary};
use crate::ai::client::AiError;
use crate::ai::orchestrator::RouteRequest;

/// Best and worst posts reviewed (each).
pub const POSTS_EACH: i64 = 3;

/// Run the job.
pub async fn run(ctx: &JobCtx<'_>) -> Result<JobOutcome, JobError> {
    let Some(ai) = ai_for(ctx) else {
        return Ok(JobOutcome::Skipped(NOT_CONFIGURED.to_string()));
    };
    let store = ctx.store();
    let now = ctx.now();
    ctx.progress(0, 3, "reading the last day's posts");
    let posts = store
        .best_and_worst(now - Duration::days(1), now, POSTS_EACH)
        .await?;
    let read = (posts.best.len() + posts.worst.len()) as u64;
    if read == 0 {
        return Ok(JobOutcome::Done(JobSummary {
            rows_read: 0,
            rows_written: 0,
            message: "no scored posts in the last day: nothing to review (no AI call made)".into(),
            details: json!({"posts": 0}),
        }));
    }
    ctx.check_cancelled()?;
    ctx.progress(1, 3, "asking the expert");
    let routed = match ai
        .route(&RouteRequest {
            purpose: "expert_review".into(),
            decision_type: None,
            slot: None,
            slot_weight: None,
            reply_priority: None,
            manual: is_manual(ctx.trigger),
        })
        .await
    {
        Ok(r) => r,
        Err(AiError::TierBlocked(why)) => return Ok(JobOutcome::Skipped(why)),
        Err(e) => return Err(JobError::Failed(e.to_string())),
    };
    // After a downgrade the same prompt runs on the core model (recorded as CoreContent).
    let review = routed
        .orchestrator
        .review_posts(&posts)
        .await
        .map_err(|e| JobError::Failed(e.to_string()))?;
    ctx.check_cancelled()?;
    ctx.progress(2, 3, "storing insights");
    let written = store
        .insert_insights(&review.insights, Some(ctx.lease), now)
        .await?;
    ctx.progress(3, 3, "done");
    Ok(JobOutcome::Done(JobSummary {
        rows_read: read,
        rows_written: written,
        message: format!(
            "{written} insight(s) on {} best and {} worst post(s) by {} ({}){}",
            posts.best.len(),
            posts.worst.len(),
            review.model,
            routed.orchestrator.name(),
            routed
                .downgraded
                .as_deref()
                .map(|d| format!("; {d}"))
                .unwrap_or_default()
        ),
        details: json!({
            "best": posts.best.iter().map(|p| &p.decision_id).collect::<Vec<_>>(),
            "worst": posts.worst.iter().map(|p| &p.decision_id).collect::<Vec<_>>(),
            "orchestrator": routed.orchestrator.name(),
            "model": review.model,
            "downgraded": routed.downgraded,
            "tier": routed.budget.tier.as_str(),
            "cost_usd": review.cost_usd,
        }),
    }))
}
