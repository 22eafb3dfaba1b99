//! plan: choose today's slot and the generator, angle, tone and topic; generate with the routed
//! orchestrator; run the gate chain; store the decision as queued, pending_review, rejected or
//! skipped, with its safety reviews, in one transaction that still holds the lease.
//!
//! The gate chain, in order: length (each text at most 280 characters, one "shorten" request
//! when it is longer), the safety guard (rules, model review, rewrites), the near-duplicate
//! check against the last 14 days. Every gate runs again on the guard's final text, so a
//! rewrite is held to the same length and duplicate rules as the original.
//!
//! Without an AI endpoint the job ends at once as skipped: nothing pretends to generate.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration};
use serde_json::json;

use super::ai_support::{NOT_CONFIGURED, ai_for, is_manual};
use super::{JobCtx, JobError, JobOutcome, JobSummary};
use crate::ai::client::AiError;
use crate::ai::dedupe::is_near_duplicate;
use crate::ai::guard::flow::{DecisionGuard, GuardOptions, MAX_CHARS, SafetyModel};
use crate::ai::orchestrator::{CoreContent, RouteRequest};
use crate::ai::prompts::Brief;
use crate::learning::rng::Rng;
use crate::learning::selection::{ChoiceSource, SelectionParams, select_content};
use crate::learning::slots::{local_date, pick_slot};
use crate::learning::vocab::{self, SlotDef};
use crate::store::ops::content::RecentText;
use crate::store::types::{ContentRow, EventRow};

/// Slots whose posts are threads (the long-form slots).
pub const THREAD_SLOTS: [&str; 3] = ["deep_dive", "framework", "research"];
/// How far back the near-duplicate check and the slot recency look.
pub const LOOKBACK_DAYS: i64 = 14;

type Weights = BTreeMap<String, BTreeMap<String, f64>>;

/// A gate's verdict, for the summary.
#[derive(Debug, Clone, serde::Serialize)]
struct Gate {
    gate: &'static str,
    passed: bool,
    detail: String,
}

fn too_long(parts: &[String]) -> Vec<usize> {
    parts
        .iter()
        .enumerate()
        .filter(|(_, p)| p.chars().count() > MAX_CHARS)
        .map(|(i, _)| i)
        .collect()
}

/// ε-greedy pick of a topic over the active map's topic weights (uniform without them).
fn pick_topic(weights: Option<&BTreeMap<String, f64>>, epsilon: f64, rng: &mut Rng) -> String {
    let uniform = |rng: &mut Rng| (*rng.pick(&vocab::TOPICS).unwrap_or(&"sleep")).to_string();
    if rng.chance(epsilon) {
        return uniform(rng);
    }
    let candidates: Vec<(&String, f64)> = weights
        .into_iter()
        .flatten()
        .filter(|(t, w)| vocab::is_topic(t) && w.is_finite() && **w > 0.0)
        .map(|(t, w)| (t, *w))
        .collect();
    let ws: Vec<f64> = candidates.iter().map(|(_, w)| *w).collect();
    match rng.weighted_index(&ws).and_then(|i| candidates.get(i)) {
        Some((t, _)) => (*t).clone(),
        None => uniform(rng),
    }
}

/// Today's two slots from the configured calendar (Monday first).
fn todays_slots(ctx: &JobCtx<'_>) -> [&'static SlotDef; 2] {
    let date = local_date(ctx.now(), ctx.cfg().timezone);
    let names = &ctx.cfg().slots[date.weekday().num_days_from_monday() as usize];
    let slot = |i: usize| vocab::slot(&names[i]).unwrap_or_else(|| &vocab::all_slots()[0]);
    [slot(0), slot(1)]
}

fn ai_failed(e: AiError) -> JobError {
    JobError::Failed(e.to_string())
}

/// Run the job.
pub async fn run(ctx: &JobCtx<'_>) -> Result<JobOutcome, JobError> {
    let Some(ai) = ai_for(ctx) else {
        return Ok(JobOutcome::Skipped(NOT_CONFIGURED.to_string()));
    };
    let store = ctx.store();
    let cfg = ctx.cfg();
    let now = ctx.now();

    // 1. Choices.
    ctx.progress(0, 5, "choosing slot, generator, angle and tone");
    let weights: Option<Weights> = store.active_weights().await?;
    let feature = |name: &str| weights.as_ref().and_then(|w| w.get(name));
    let last_used = store
        .slot_last_used(now - Duration::days(LOOKBACK_DAYS))
        .await?;
    let slot = pick_slot(todays_slots(ctx), &last_used, feature("content_slot"));
    let seed = (ctx.lease.run_id as u64) ^ (now.timestamp_micros() as u64).rotate_left(17);
    let mut rng = Rng::new(seed);
    let params = SelectionParams {
        epsilon: cfg.plan.epsilon,
        slot_bias: cfg.plan.slot_bias,
    };
    let mut choice = select_content(weights.as_ref(), slot, &params, &mut rng);
    if !cfg.plan.generators.contains(&choice.generator.value) {
        // The configured generator list wins over the map and the slot's preferences.
        if let Some(g) = rng.pick(&cfg.plan.generators) {
            choice.generator.value = g.clone();
            choice.generator.how = ChoiceSource::Uniform;
        }
    }
    let topic = pick_topic(feature("topic"), cfg.plan.epsilon, &mut rng);
    let decision_type = if THREAD_SLOTS.contains(&slot.name) {
        "thread"
    } else {
        "single"
    };
    let brief = Brief {
        decision_type: decision_type.into(),
        slot: slot.name.into(),
        generator: choice.generator.value.clone(),
        angle: choice.angle.value.clone(),
        tone: choice.tone.value.clone(),
        topic: topic.clone(),
        reply_to: None,
    };
    ctx.check_cancelled()?;

    // 2. Routing and generation.
    ctx.progress(1, 5, "generating");
    let slot_weight = feature("content_slot")
        .and_then(|w| w.get(slot.name))
        .copied();
    let routed = match ai
        .route(&RouteRequest {
            purpose: "generate".into(),
            decision_type: Some(decision_type.into()),
            slot: Some(slot.name.into()),
            slot_weight,
            reply_priority: None,
            manual: is_manual(ctx.trigger),
        })
        .await
    {
        Ok(r) => r,
        Err(AiError::TierBlocked(why)) => return Ok(JobOutcome::Skipped(why)),
        Err(e) => return Err(ai_failed(e)),
    };
    let draft = routed
        .orchestrator
        .generate(&brief)
        .await
        .map_err(ai_failed)?;
    let mut parts = draft.parts.clone();
    let core: CoreContent = ai.core();
    let mut gates: Vec<Gate> = Vec::new();
    ctx.check_cancelled()?;

    // 3. Length gate (one shorten request per part that is too long).
    ctx.progress(2, 5, "gate: length");
    for i in too_long(&parts) {
        match core.shorten(&parts[i], MAX_CHARS).await {
            Ok(short) if !short.is_empty() => parts[i] = short,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "shorten request failed"),
        }
    }
    let long = too_long(&parts);
    gates.push(Gate {
        gate: "length",
        passed: long.is_empty(),
        detail: if long.is_empty() {
            format!("{} part(s) within {MAX_CHARS} characters", parts.len())
        } else {
            format!("part(s) {long:?} longer than {MAX_CHARS} characters")
        },
    });

    // 4. Safety guard, part by part (core model; rules always).
    ctx.progress(3, 5, "gate: safety guard");
    let opts = GuardOptions {
        strict: ai.strict(),
        ..GuardOptions::default()
    };
    let guard = DecisionGuard::run(&parts, Some(&core as &dyn SafetyModel), &opts).await;
    gates.push(Gate {
        gate: "safety",
        passed: !guard.rejected() && !guard.pending(),
        detail: format!(
            "{} risk; {}",
            guard.level(),
            guard
                .parts
                .iter()
                .map(|p| p.status.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    });
    ctx.check_cancelled()?;

    // 5. The gates again on the final text, then the near-duplicate check.
    ctx.progress(4, 5, "gate: near-duplicates");
    let final_parts = guard.texts();
    let long_after = too_long(&final_parts);
    if !long_after.is_empty() {
        gates.push(Gate {
            gate: "length (final text)",
            passed: false,
            detail: format!("part(s) {long_after:?} longer than {MAX_CHARS} characters"),
        });
    }
    let recent: Vec<RecentText> = store
        .recent_texts(now - Duration::days(LOOKBACK_DAYS))
        .await?;
    let corpus: Vec<String> = recent.iter().map(RecentText::full_text).collect();
    let candidate = final_parts.join("\n\n");
    let original = draft.parts.join("\n\n");
    let dup = is_near_duplicate(&candidate, corpus.iter().map(String::as_str))
        .or_else(|| is_near_duplicate(&original, corpus.iter().map(String::as_str)));
    gates.push(Gate {
        gate: "near_duplicate",
        passed: dup.is_none(),
        detail: match &dup {
            Some(d) => format!(
                "{:.0}% similar to {} (last {LOOKBACK_DAYS} days)",
                100.0 * d.similarity,
                recent.get(d.index).map_or("?", |r| r.decision_id.as_str())
            ),
            None => format!("checked against {} recent post(s)", recent.len()),
        },
    });

    // 6. The decision.
    let status = if guard.rejected() {
        "rejected"
    } else if dup.is_some() || !long.is_empty() || !long_after.is_empty() {
        "skipped"
    } else if guard.pending() {
        "pending_review"
    } else {
        "queued"
    };
    let decision_id = uuid::Uuid::now_v7().to_string();
    let is_thread = decision_type == "thread";
    // A queued post carries the text to post; anything else keeps what was generated (the
    // reviews hold the rewrites).
    let texts = if status == "queued" {
        final_parts.clone()
    } else {
        parts.clone()
    };
    let content = ContentRow {
        decision_id: decision_id.clone(),
        decision_type: decision_type.into(),
        status: status.into(),
        content: texts.first().cloned(),
        thread_parts: is_thread.then(|| texts.clone()),
        raw_topic: Some(topic.clone()),
        angle: Some(choice.angle.value.clone()),
        tone: Some(choice.tone.value.clone()),
        generator_name: Some(choice.generator.value.clone()),
        content_slot: Some(slot.name.into()),
        hook_type: draft.hook_type.clone(),
        cta_type: None,
        target_username: None,
        target_tweet_id: None,
        tweet_id: None,
        created_at: now,
        posted_at: None,
    };
    let reviews = guard.review_rows(&decision_id, now);
    let mut events: Vec<EventRow> = guard
        .rejection_event(&decision_id, now)
        .into_iter()
        .collect();
    if status == "skipped" {
        let failed: Vec<String> = gates
            .iter()
            .filter(|g| !g.passed && g.gate != "safety")
            .map(|g| format!("{}: {}", g.gate, g.detail))
            .collect();
        events.push(EventRow {
            event_type: "plan_skipped".into(),
            severity: "info".into(),
            component: "plan".into(),
            message: format!("planned post skipped: {}", failed.join("; ")),
            metadata: Some(json!({"decision_id": decision_id, "gates": gates})),
            created_at: now,
        });
    }
    store
        .insert_planned(&content, &reviews, &events, Some(ctx.lease), now)
        .await?;
    let spent_today = ai.ledger().budget_state().await.ok().map(|b| b.spent_usd);
    ctx.progress(5, 5, "done");
    let how = |c: ChoiceSource| c.as_str();
    Ok(JobOutcome::Done(JobSummary {
        rows_read: recent.len() as u64,
        rows_written: 1 + reviews.len() as u64,
        message: format!(
            "{status}: {decision_type} for {} by {} on {} ({} model {}{})",
            slot.name,
            choice.generator.value,
            topic.replace('_', " "),
            routed.orchestrator.name(),
            draft.model,
            routed
                .downgraded
                .as_deref()
                .map(|d| format!("; {d}"))
                .unwrap_or_default()
        ),
        details: json!({
            "decision_id": decision_id,
            "status": status,
            "decision_type": decision_type,
            "slot": slot.name,
            "generator": {"value": choice.generator.value, "how": how(choice.generator.how)},
            "angle": {"value": choice.angle.value, "how": how(choice.angle.how)},
            "tone": {"value": choice.tone.value, "how": how(choice.tone.how)},
            "topic": topic,
            "orchestrator": routed.orchestrator.name(),
            "model": draft.model,
            "expert_wanted": routed.expert_wanted,
            "downgraded": routed.downgraded,
            "tier": routed.budget.tier.as_str(),
            "generation_cost_usd": draft.cost_usd,
            "spent_today_usd": spent_today,
            "gates": gates,
            "reviews": guard.parts.iter().map(|p| p.status.as_str()).collect::<Vec<_>>(),
        }),
    }))
}
