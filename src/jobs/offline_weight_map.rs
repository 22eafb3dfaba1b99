//! offline_weight_map: aggregate the last 60 days in the database (one row per feature value),
//! turn the sums into a weight map with the learning core, and store and activate it in one
//! transaction that still holds the lease.

use serde_json::json;

use super::{JobCtx, JobError, JobOutcome, JobSummary};
use crate::learning::weights::{WeightParams, weight_map_from_groups};
use crate::store::ops::weights::{NewWeightMap, Published};

pub async fn run(ctx: &JobCtx<'_>) -> Result<JobOutcome, JobError> {
    let store = ctx.store();
    let now = ctx.now();
    let params = WeightParams::default();
    ctx.progress(0, 2, "aggregating");
    // xBOT's newest metrics and xbot's newest scores first (no triggers on xBOT's tables).
    store.sync_facts().await?;
    let agg = store.weight_aggregate(now, &params).await?;
    ctx.check_cancelled()?;
    let map = weight_map_from_groups(&agg.groups, agg.sample_size, &params);
    ctx.progress(1, 2, "publishing");
    let stored = store
        .publish_weight_map(
            ctx.lease,
            &NewWeightMap {
                map: &map,
                params: &params,
                computed_at: now,
                date_range_start: agg.date_range_start,
                date_range_end: agg.date_range_end,
            },
            now,
        )
        .await?;
    ctx.progress(2, 2, "done");
    let unchanged = matches!(stored, Published::Unchanged(_));
    let stored = stored.summary();
    let values: usize = map.weights.values().map(|m| m.len()).sum();
    let top = map.weights.get("generator_name").and_then(|g| {
        g.iter()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(name, w)| (name.clone(), *w))
    });
    Ok(JobOutcome::Done(JobSummary {
        rows_read: agg.sample_size,
        rows_written: u64::from(!unchanged),
        message: format!(
            "{} ({} posts, {} feature values{})",
            if unchanged {
                // The same weights as the map in force: no identical version is added.
                format!("unchanged, {} stays active", stored.version)
            } else {
                format!("activated {}", stored.version)
            },
            agg.sample_size,
            values,
            top.as_ref()
                .map(|(g, w)| format!("; top generator {g} at {w:.3}"))
                .unwrap_or_default()
        ),
        details: json!({
            "version": stored.version,
            "unchanged": unchanged,
            "sample_size": agg.sample_size,
            "feature_values": values,
            "top_generator": top.map(|(g, _)| g),
        }),
    }))
}
