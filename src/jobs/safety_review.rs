//! safety_review: run the medical safety guard on content not yet checked (planned or queued
//! decisions without any safety review), thread parts one by one.
//!
//! The rule screen always runs. The model review and rewrites run when an AI endpoint is
//! configured and the budget allows calls; otherwise the screen is rules-only, and says so in
//! the run's summary: low passes with the note, critical is rejected, everything else waits for
//! a person. Each decision's result (review rows, content status, rejection event) is written in
//! one transaction that still holds the lease.

use std::collections::{BTreeMap, HashSet};

use serde_json::json;

use super::ai_support::{NOT_CONFIGURED, ai_for};
use super::{JobCtx, JobError, JobOutcome, JobSummary};
use crate::ai::guard::flow::{DecisionGuard, GuardOptions, SafetyModel};
use crate::budget::tiers::Tier;

/// Decisions read per batch.
const BATCH: i64 = 50;
/// Decisions screened per run at most (the rest wait for the next run, 10 minutes later).
const MAX_PER_RUN: usize = 500;

/// Run the job.
pub async fn run(ctx: &JobCtx<'_>) -> Result<JobOutcome, JobError> {
    let store = ctx.store();
    let ai = ai_for(ctx);
    // The mode: model review when AI is there and the budget allows it, else rules only.
    let (core, mode) = match &ai {
        None => (None, format!("rules only ({NOT_CONFIGURED})")),
        Some(ai) => match ai.ledger().budget_state().await {
            Ok(b) if b.tier == Tier::T4 => (
                None,
                format!(
                    "rules only (budget tier T4: ${:.2} of ${:.2} spent)",
                    b.spent_usd, b.limit_usd
                ),
            ),
            Ok(_) => {
                let core = ai.core();
                let mode = format!("rules + model review ({})", core.model());
                (Some(core), mode)
            }
            Err(e) => return Err(JobError::Failed(e.to_string())),
        },
    };
    let opts = GuardOptions {
        strict: ctx.cfg().ai.strict_safety,
        ..GuardOptions::default()
    };
    let model: Option<&dyn SafetyModel> = core.as_ref().map(|c| c as &dyn SafetyModel);

    let mut seen: HashSet<String> = HashSet::new();
    let mut by_status: BTreeMap<&'static str, u64> = BTreeMap::new();
    let (mut read, mut written, mut raced) = (0u64, 0u64, 0u64);
    ctx.progress(0, 0, "reading content to screen");
    'batches: loop {
        let batch = store.content_to_screen(BATCH).await?;
        let fresh: Vec<_> = batch
            .into_iter()
            .filter(|c| !seen.contains(&c.decision_id))
            .collect();
        if fresh.is_empty() {
            break;
        }
        for item in fresh {
            ctx.check_cancelled()?;
            if seen.len() >= MAX_PER_RUN {
                break 'batches;
            }
            seen.insert(item.decision_id.clone());
            read += 1;
            ctx.progress(read, read, "screening");
            let texts = item.texts();
            let guard = DecisionGuard::run(&texts, model, &opts).await;
            let now = ctx.now();
            let reviews = guard.review_rows(&item.decision_id, now);
            let update = guard.content_update(item.decision_type == "thread");
            let events: Vec<_> = guard
                .rejection_event(&item.decision_id, now)
                .into_iter()
                .collect();
            let landed = store
                .record_guard(
                    &item.decision_id,
                    &reviews,
                    &update,
                    &events,
                    Some(ctx.lease),
                    now,
                )
                .await?;
            if landed {
                written += reviews.len() as u64;
                *by_status.entry(guard.content_status()).or_default() += 1;
            } else {
                raced += 1;
            }
        }
    }
    ctx.progress(read, read, "done");
    let summary = if read == 0 {
        format!("nothing to screen; {mode}")
    } else {
        let parts: Vec<String> = by_status.iter().map(|(s, n)| format!("{n} {s}")).collect();
        format!("screened {read} decision(s): {}; {mode}", parts.join(", "))
    };
    Ok(JobOutcome::Done(JobSummary {
        rows_read: read,
        rows_written: written,
        message: summary,
        details: json!({
            "mode": mode,
            "model_review": core.is_some(),
            "decisions": by_status,
            "review_rows": written,
            "changed_meanwhile": raced,
        }),
    }))
}
