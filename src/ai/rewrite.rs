//! Another rewrite of a pending safety review, asked for by an operator (`xbot review
//! rewrite`). The model is asked first; the store replaces the proposal only once a new one
//! exists (state-guarded, re-screened, audited), so a failed or refused attempt never loses
//! the proposal the item has. Without an AI endpoint it is refused before anything is sent.

use std::sync::Arc;

use chrono::Utc;
use serde::Serialize;

use super::client::ChatClient;
use super::guard::flow::SafetyModel;
use super::guard::rules::screen;
use super::ledger::Ledger;
use super::orchestrator::Ai;
use crate::config::Config;
use crate::identity::Operator;
use crate::store::ops::reviews::DecisionOutcome;
use crate::store::{StoreError, StoreHandle};

/// What asking for another rewrite did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RewriteReport {
    pub review_id: i64,
    pub action_id: String,
    /// The proposal before (kept unless the outcome is `applied`).
    pub previous: Option<String>,
    /// The model's new rewrite.
    pub proposed: String,
    pub outcome: DecisionOutcome,
}

/// Why no new rewrite was asked for or stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RewriteError {
    #[error(
        "no AI endpoint is configured ([ai] base_url and api_key, or XBOT_AI_BASE_URL and XBOT_AI_API_KEY): nothing was asked, and the proposed rewrite is kept"
    )]
    NotConfigured,
    #[error("{0}")]
    NotPending(String),
    #[error("the model could not rewrite it: {0}; the proposed rewrite is kept")]
    Model(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Ask the model for another rewrite of review `review_id` and store it as the new proposal.
pub async fn another_rewrite(
    store: &StoreHandle,
    cfg: &Config,
    review_id: i64,
    operator: &Operator,
) -> Result<RewriteReport, RewriteError> {
    if !cfg.ai.is_configured() {
        return Err(RewriteError::NotConfigured);
    }
    let review = store
        .review(review_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no safety review {review_id}")))?;
    if review.status != "pending" {
        return Err(RewriteError::NotPending(format!(
            "review {review_id} is {} (by {}): only a pending review gets another rewrite",
            review.status,
            review.decided_by.as_deref().unwrap_or("the guard")
        )));
    }
    let client = match ChatClient::from_config(&cfg.ai) {
        Ok(Some(c)) => c.with_store(store.clone()),
        Ok(None) => return Err(RewriteError::NotConfigured),
        Err(e) => return Err(RewriteError::Model(e.to_string())),
    };
    let ledger = Ledger::new(Arc::new(client), store.clone(), &cfg.budget, cfg.timezone);
    let ai = Ai::new(Arc::new(ledger), &cfg.ai, cfg.budget.expert_daily_cap, None);
    // What the rewrite must fix: the review's issues, else what the rules find now.
    let mut issues: Vec<String> = review
        .issues
        .as_deref()
        .and_then(|i| serde_json::from_str(i).ok())
        .unwrap_or_default();
    if issues.is_empty() {
        issues = crate::ai::guard::flow::rule_issues(&screen(&review.original_text));
    }
    let proposed = ai
        .core()
        .rewrite(&review.original_text, &issues)
        .await
        .map_err(|e| RewriteError::Model(e.to_string()))?
        .trim()
        .to_string();
    let action_id = uuid::Uuid::now_v7().to_string();
    let outcome = store
        .propose_rewrite(
            review_id,
            review.version,
            &proposed,
            &action_id,
            operator,
            Utc::now(),
        )
        .await?;
    Ok(RewriteReport {
        review_id,
        action_id,
        previous: review.proposed_rewrite,
        proposed,
        outcome,
    })
}
