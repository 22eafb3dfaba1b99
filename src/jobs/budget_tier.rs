//! budget_tier: evaluate today's AI spend against the daily limit, record the tier on the run,
//! and open or resolve the budget incident when the tier crosses T3.

use serde_json::json;

use super::incidents::observe_tier;
use super::scheduler::current_tier;
use super::{JobCtx, JobError, JobOutcome, JobSummary};
use crate::budget::tiers::share;

pub async fn run(ctx: &JobCtx<'_>) -> Result<JobOutcome, JobError> {
    ctx.progress(0, 1, "reading today's spend");
    let (tier, spend) = current_tier(ctx.env).await?;
    let limit = ctx.cfg().budget.daily_limit_usd;
    let transition = observe_tier(ctx.store().as_ref(), tier, spend, limit, ctx.now()).await?;
    ctx.progress(1, 1, "done");
    Ok(JobOutcome::Done(JobSummary {
        rows_read: 1,
        rows_written: 0,
        message: format!(
            "tier {tier}: ${spend:.2} of ${limit:.2} ({:.0}%)",
            100.0 * share(spend, limit)
        ),
        details: json!({
            "tier": tier.as_str(),
            "spend_usd": spend,
            "limit_usd": limit,
            "share": share(spend, limit),
            "incident": transition,
        }),
    }))
}
