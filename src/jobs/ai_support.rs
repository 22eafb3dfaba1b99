//! What the AI jobs share: building the chat client once per process, and the AI layer for
//! one run (the ledger on the run's clock, tagged with the run id).

use std::sync::Arc;

use super::JobCtx;
use crate::ai::client::ChatClient;
use crate::ai::ledger::Ledger;
use crate::ai::orchestrator::Ai;
use crate::config::Config;
use crate::store::StoreHandle;
use crate::store::ops::jobs::Trigger;

/// The skip reason of AI work when no endpoint is configured.
pub const NOT_CONFIGURED: &str = "AI endpoint not configured";

/// The configured chat client, its breaker reporting incidents to `store`; `None` when AI is
/// not configured (or the client cannot be built, which is logged).
pub fn client_for(cfg: &Config, store: &StoreHandle) -> Option<Arc<ChatClient>> {
    match ChatClient::from_config(&cfg.ai) {
        Ok(Some(c)) => Some(Arc::new(c.with_store(store.clone()))),
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = %e, "the AI client could not be built; AI work is skipped");
            None
        }
    }
}

/// The AI layer for this run, or `None` when no endpoint is configured.
pub fn ai_for(ctx: &JobCtx<'_>) -> Option<Ai> {
    let client = ctx.env.ai.clone()?;
    if !ctx.cfg().ai.is_configured() {
        return None;
    }
    let ledger = Ledger::new(
        client,
        ctx.store().clone(),
        &ctx.cfg().budget,
        ctx.cfg().timezone,
    )
    .with_clock(ctx.env.clock.clone());
    Some(Ai::new(
        Arc::new(ledger),
        &ctx.cfg().ai,
        ctx.cfg().budget.expert_daily_cap,
        Some(ctx.lease.run_id),
    ))
}

/// Started by a person (console or CLI) rather than the schedule: the tier's "unless triggered
/// manually" exception for expert requests applies.
pub fn is_manual(trigger: Trigger) -> bool {
    trigger != Trigger::Schedule
}
