//! reply_priority_learning: per-account reply statistics (aggregated in SQL), priorities by
//! band with time-based decay for quiet accounts and operator pins and mutes respected, and the
//! open reply opportunities re-ranked, all written in one transaction that holds the lease.

use std::collections::HashMap;

use serde_json::json;

use super::{JobCtx, JobError, JobOutcome, JobSummary};
use crate::learning::replies::opportunity_rank;
use crate::learning::reply_priorities::compute_priorities;

pub async fn run(ctx: &JobCtx<'_>) -> Result<JobOutcome, JobError> {
    let store = ctx.store();
    let now = ctx.now();
    ctx.progress(0, 3, "reading reply history");
    // xBOT's newest metrics and xbot's newest scores first (no triggers on xBOT's tables).
    store.sync_facts().await?;
    let accounts = store
        .account_reply_stats(now, ctx.cfg().objective.tau)
        .await?;
    ctx.check_cancelled()?;
    ctx.progress(1, 3, "ranking accounts");
    let updates = compute_priorities(&accounts, now);
    let priority: HashMap<&str, f64> = updates
        .iter()
        .map(|u| (u.username.as_str(), u.priority))
        .collect();
    let opportunities = store.open_opportunities().await?;
    let mut ranks: Vec<(String, f64)> = opportunities
        .iter()
        .map(|o| {
            let likes = o.likes.unwrap_or(0).max(0) as f64;
            let relevance = o
                .relevance
                .filter(|r| r.is_finite())
                .unwrap_or(0.0)
                .clamp(0.0, 1.0);
            let base = relevance * (1.0 + likes).ln();
            let p = priority
                .get(o.account_username.as_str())
                .copied()
                .unwrap_or(0.5);
            (o.id.clone(), opportunity_rank(base, p))
        })
        .collect();
    ctx.check_cancelled()?;
    ctx.progress(2, 3, "publishing");
    let written = store.publish_priorities(ctx.lease, &updates, now).await?;
    ctx.progress(3, 3, "done");
    // The ranks are not written into xBOT's reply_opportunities: the best ten are reported.
    ranks.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let top: Vec<serde_json::Value> = ranks
        .iter()
        .take(10)
        .map(|(id, rank)| json!({"id": id, "rank": rank}))
        .collect();
    let mut bands: HashMap<&str, u32> = HashMap::new();
    for u in &updates {
        *bands.entry(u.band.as_str()).or_default() += 1;
    }
    Ok(JobOutcome::Done(JobSummary {
        rows_read: accounts.len() as u64,
        rows_written: written,
        message: format!(
            "{} accounts re-prioritised ({} banded), {} opportunities ranked (reported; xBOT ranks its own)",
            updates.len(),
            updates
                .iter()
                .filter(|u| matches!(u.band.as_str(), "top" | "high" | "mid" | "low" | "uniform"))
                .count(),
            ranks.len()
        ),
        details: json!({"bands": bands, "opportunities": ranks.len(), "top_opportunities": top}),
    }))
}
