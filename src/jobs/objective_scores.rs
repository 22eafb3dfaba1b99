//! objective_scores: follower attribution and the v2 objective score for every outcome that
//! lacks one, carries an older score version, or was measured again since it was scored.
//! Batches of 500, each written in one transaction that still holds the lease.

use serde_json::json;

use super::{JobCtx, JobError, JobOutcome, JobSummary};
use crate::learning::objective::{
    EngagementCounts, FollowerSnapshot, SCORE_VERSION, score_outcome,
};
use crate::store::ops::scores::{OutcomeToScore, ScoreUpdate};

const BATCH: i64 = 500;

/// Score one outcome with the learning core. A bad row (a column holding something that is not
/// a count) is not measured: every derived value is NULL.
pub fn score(
    o: &OutcomeToScore,
    params: &crate::learning::objective::ObjectiveParams,
) -> ScoreUpdate {
    if !o.bad_columns.is_empty() {
        return ScoreUpdate {
            id: o.id.clone(),
            engagement_rate: None,
            followers_gained: None,
            followers_gained_weighted: None,
            attribution_confidence: None,
            score: None,
        };
    }
    let counts = EngagementCounts {
        likes: o.likes,
        retweets: o.retweets,
        replies: o.replies,
        views: o.views,
        impressions: o.impressions,
    };
    let snapshots: Vec<FollowerSnapshot> = o
        .snapshots
        .iter()
        .map(|(hours, count)| FollowerSnapshot {
            hours_after_post: i32::try_from(*hours).unwrap_or(i32::MAX),
            follower_count: *count,
        })
        .collect();
    let scored = score_outcome(&counts, &snapshots, params);
    ScoreUpdate {
        id: o.id.clone(),
        engagement_rate: scored.engagement_rate,
        followers_gained: scored.attribution.map(|a| a.gained),
        followers_gained_weighted: scored.followers_gained_weighted,
        attribution_confidence: scored.attribution.map(|a| a.confidence),
        score: scored.score,
    }
}

pub async fn run(ctx: &JobCtx<'_>) -> Result<JobOutcome, JobError> {
    let store = ctx.store();
    let version = i64::from(SCORE_VERSION);
    let params = ctx.cfg().objective;
    let total = store.count_outcomes_to_score(version).await?.max(0) as u64;
    ctx.progress(0, total, "scoring");
    let (mut read, mut written, mut unmeasured) = (0u64, 0u64, 0u64);
    // Bad rows: how many, and the first few (decision id and the offending columns).
    let mut bad = 0u64;
    let mut bad_examples: Vec<serde_json::Value> = Vec::new();
    let mut after = String::new();
    loop {
        ctx.check_cancelled()?;
        let batch = store.outcomes_to_score(version, &after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.id.clone();
        read += batch.len() as u64;
        for o in batch.iter().filter(|o| !o.bad_columns.is_empty()) {
            bad += 1;
            if bad_examples.len() < 10 {
                bad_examples.push(json!({"decision_id": o.decision_id, "columns": o.bad_columns}));
            }
        }
        let updates: Vec<ScoreUpdate> = batch.iter().map(|o| score(o, &params)).collect();
        unmeasured += updates.iter().filter(|u| u.score.is_none()).count() as u64;
        written += store
            .write_scores(ctx.lease, version, &updates, ctx.now())
            .await?;
        ctx.progress(read, total.max(read), "scoring");
    }
    // The learning facts carry the scores (and xBOT's latest metrics): bring them up to date.
    let synced = store.sync_facts().await?;
    Ok(JobOutcome::Done(JobSummary {
        rows_read: read,
        rows_written: written,
        message: format!(
            "scored {written} outcome(s); {unmeasured} still unmeasured (missing metrics or snapshots{})",
            if bad > 0 {
                format!("; {bad} with bad values")
            } else {
                String::new()
            }
        ),
        details: json!({
            "scored": written,
            "unmeasured": unmeasured,
            "bad_rows": bad,
            "bad_examples": bad_examples,
            "score_version": SCORE_VERSION,
            "facts": {"rows": synced.rows, "changed": synced.changed, "removed": synced.removed},
        }),
    }))
}
