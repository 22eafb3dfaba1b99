//! The budget-aware call wrapper: every AI call goes through [`Ledger::chat`].
//!
//! 1. The tier is read from today's spend (the day in the configured timezone). T4 sends
//!    nothing; T3 scales max_tokens by 0.7.
//! 2. The estimate (prompt chars / 4 + max_tokens, priced by the requested model) is reserved
//!    in `ai_usage`; a call that would pass the daily limit is refused before it is sent (the
//!    store serialises reservations, so two concurrent calls cannot both squeeze in).
//! 3. The call is sent (with the client's retries: one reservation however many attempts).
//! 4. The reservation is settled with the real usage, priced by the model the API reports
//!    (falling back to the requested one), or released when nothing useful came back. The row
//!    keeps both: `model` is the model that answered and was charged, `requested_model` the one
//!    asked for, so spend by model is the answering model's and cost = price(model) × tokens
//!    holds for every settled row. An answer without usage figures is settled at the estimated
//!    tokens, priced as the answering model (the call did cost money), and reported as an
//!    error.
//!
//! Unknown model names are priced at the dearest known price and warned about once each.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::client::{AiError, ChatClient, ChatRequest, ChatResponse, Usage};
use crate::budget::pricing::{PriceMatch, PriceTable, cost_usd, reservation_tokens};
use crate::budget::tiers::{Tier, scaled_max_tokens, tier_for};
use crate::config::BudgetConfig;
use crate::learning::slots;
use crate::store::StoreHandle;
use crate::store::ops::budget::{EXPERT, Reservation, Reserved};

/// Where "now" comes from.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What a call is for, as recorded in `ai_usage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallMeta {
    /// content_generation, safety, expert_analysis, replies.
    pub feature_area: String,
    /// plan, safety_review, rewrite, expert_review, …
    pub purpose: String,
    /// CoreContent or ExpertInsight.
    pub orchestrator: String,
    /// The job run that made the call.
    pub job_run_id: Option<i64>,
}

/// Today's budget as the ledger sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetState {
    /// The tier by share of the limit spent.
    pub tier: Tier,
    /// Spent (settled and reserved) today.
    pub spent_usd: f64,
    /// The daily limit.
    pub limit_usd: f64,
    /// Expert-orchestrator calls today.
    pub expert_calls: u32,
    /// The budget day in UTC.
    pub day_start: DateTime<Utc>,
    /// End of the budget day (exclusive).
    pub day_end: DateTime<Utc>,
}

/// A call that was answered and charged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Charged {
    /// The answer.
    pub response: ChatResponse,
    /// The model that was charged (reported by the API, else the one asked).
    pub model: String,
    /// The settled cost.
    pub cost_usd: f64,
    /// The `ai_usage` row.
    pub usage_id: i64,
    /// The tier the call was made in.
    pub tier: Tier,
    /// max_tokens as sent (after tier scaling).
    pub max_tokens: u32,
}

static WARNED_MODELS: LazyLock<Mutex<HashSet<String>>> =
    LazyLock::new(|| Mutex::new(HashSet::new()));

/// Price a model, warning once per process about each unknown name.
pub fn price_model(prices: &PriceTable, model: &str) -> crate::budget::pricing::ModelPrice {
    let (price, how) = prices.price_for(model);
    if how == PriceMatch::Unknown {
        let first = WARNED_MODELS
            .lock()
            .map(|mut seen| seen.insert(model.to_string()))
            .unwrap_or(false);
        if first {
            tracing::warn!(
                model,
                input_per_m = price.input_per_m,
                output_per_m = price.output_per_m,
                "unknown AI model: priced at the dearest known price (add it under [budget.prices])"
            );
        }
    }
    price
}

/// Gives a reservation back if the call is abandoned half-way (the job was cancelled and its
/// future dropped), so an interrupted call does not count as spend for the rest of the day.
struct ReleaseOnDrop {
    store: StoreHandle,
    id: i64,
    armed: bool,
}

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        if self.armed
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            let store = self.store.clone();
            let id = self.id;
            rt.spawn(async move {
                if let Err(e) = store.release(id, Utc::now()).await {
                    tracing::warn!(usage_id = id, error = %e, "could not release an abandoned AI reservation");
                }
            });
        }
    }
}

/// The budget-aware wrapper around the chat client (see the module comment).
#[derive(Clone)]
pub struct Ledger {
    client: Arc<ChatClient>,
    store: StoreHandle,
    prices: PriceTable,
    daily_limit_usd: f64,
    /// Expert calls a day, enforced again when each call is reserved.
    expert_cap: u32,
    tz: Tz,
    clock: Clock,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("client", &self.client)
            .field("daily_limit_usd", &self.daily_limit_usd)
            .field("tz", &self.tz)
            .finish()
    }
}

impl Ledger {
    /// A ledger over `client`, recording in `store` under the budget rules of `budget`.
    pub fn new(client: Arc<ChatClient>, store: StoreHandle, budget: &BudgetConfig, tz: Tz) -> Self {
        Ledger {
            client,
            store,
            prices: budget.prices.clone(),
            daily_limit_usd: budget.daily_limit_usd,
            expert_cap: budget.expert_daily_cap,
            tz,
            clock: Arc::new(Utc::now),
        }
    }

    /// Use another clock (tests, and jobs with an injected clock).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The client underneath.
    pub fn client(&self) -> &Arc<ChatClient> {
        &self.client
    }

    fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Today's spend, tier and expert calls.
    pub async fn budget_state(&self) -> Result<BudgetState, AiError> {
        let now = self.now();
        let (start, end) = slots::day_bounds_utc(slots::local_date(now, self.tz), self.tz);
        let store_err = |e: crate::store::StoreError| AiError::Ledger(e.to_string());
        let spent = self
            .store
            .spend_between(start, end)
            .await
            .map_err(store_err)?;
        let expert = self
            .store
            .expert_calls(start, end)
            .await
            .map_err(store_err)?;
        Ok(BudgetState {
            tier: tier_for(spent, self.daily_limit_usd),
            spent_usd: spent,
            limit_usd: self.daily_limit_usd,
            expert_calls: u32::try_from(expert.max(0)).unwrap_or(u32::MAX),
            day_start: start,
            day_end: end,
        })
    }

    /// Make one budgeted call (see the module comment).
    pub async fn chat(&self, meta: &CallMeta, mut req: ChatRequest) -> Result<Charged, AiError> {
        let state = self.budget_state().await?;
        if state.tier == Tier::T4 {
            return Err(AiError::TierBlocked(format!(
                "budget tier T4 (${:.2} of ${:.2} spent today): no AI calls",
                state.spent_usd, state.limit_usd
            )));
        }
        req.max_tokens = scaled_max_tokens(state.tier, req.max_tokens);
        if req.max_tokens == 0 {
            return Err(AiError::TierBlocked(format!(
                "budget tier {}: no tokens allowed",
                state.tier
            )));
        }
        let price = price_model(&self.prices, &req.model);
        let (prompt_est, completion_est) = reservation_tokens(req.prompt_chars(), req.max_tokens);
        let estimate = cost_usd(&price, prompt_est, completion_est);
        let reservation = Reservation {
            model: req.model.clone(),
            feature_area: meta.feature_area.clone(),
            purpose: Some(meta.purpose.clone()),
            orchestrator: Some(meta.orchestrator.clone()),
            job_run_id: meta.job_run_id,
            prompt_tokens: i64::try_from(prompt_est).unwrap_or(i64::MAX),
            completion_tokens: i64::try_from(completion_est).unwrap_or(i64::MAX),
            estimated_cost_usd: estimate,
            day_start: state.day_start,
            day_end: state.day_end,
            daily_limit_usd: self.daily_limit_usd,
            expert_cap: (meta.orchestrator == EXPERT).then_some(i64::from(self.expert_cap)),
        };
        let id = match self
            .store
            .reserve(&reservation, self.now())
            .await
            .map_err(|e| AiError::Ledger(e.to_string()))?
        {
            Reserved::Granted { id, .. } => id,
            Reserved::Refused {
                spent,
                estimate,
                limit,
            } => {
                tracing::warn!(
                    purpose = %meta.purpose,
                    spent, estimate, limit,
                    "AI call refused: it would pass the daily limit"
                );
                return Err(AiError::BudgetRefused {
                    spent,
                    estimate,
                    limit,
                });
            }
            Reserved::ExpertCapped { calls, cap } => {
                tracing::warn!(purpose = %meta.purpose, calls, cap, "expert call refused: cap reached");
                return Err(AiError::ExpertCapped { calls, cap });
            }
        };
        let mut guard = ReleaseOnDrop {
            store: self.store.clone(),
            id,
            armed: true,
        };
        let result = self.client.chat(&req).await;
        guard.armed = false;
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                if let Err(se) = self.store.release(id, self.now()).await {
                    tracing::warn!(usage_id = id, error = %se, "could not release an AI reservation");
                }
                return Err(e);
            }
        };
        let model = response.model.clone().unwrap_or_else(|| req.model.clone());
        let (usage, cost, missing) = match response.usage {
            Some(u) => {
                let p = price_model(&self.prices, &model);
                (u, cost_usd(&p, u.prompt_tokens, u.completion_tokens), None)
            }
            // The call happened and cost something we cannot know: charge the estimated tokens
            // at the answering model's price.
            None => (
                Usage {
                    prompt_tokens: prompt_est,
                    completion_tokens: completion_est,
                },
                cost_usd(
                    &price_model(&self.prices, &model),
                    prompt_est,
                    completion_est,
                ),
                Some(
                    response
                        .usage_problem
                        .clone()
                        .unwrap_or_else(|| "no usage".into()),
                ),
            ),
        };
        self.store
            .settle_as(
                id,
                &model,
                i64::try_from(usage.prompt_tokens).unwrap_or(i64::MAX),
                i64::try_from(usage.completion_tokens).unwrap_or(i64::MAX),
                cost,
                self.now(),
            )
            .await
            .map_err(|e| AiError::Ledger(e.to_string()))?;
        tracing::info!(
            purpose = %meta.purpose,
            orchestrator = %meta.orchestrator,
            model = %model,
            prompt_tokens = usage.prompt_tokens,
            completion_tokens = usage.completion_tokens,
            cost_usd = cost,
            "AI call settled"
        );
        if let Some(why) = missing {
            return Err(AiError::MissingUsage(why));
        }
        if response.content.trim().is_empty() {
            return Err(AiError::EmptyResponse);
        }
        Ok(Charged {
            response,
            model,
            cost_usd: cost,
            usage_id: id,
            tier: state.tier,
            max_tokens: req.max_tokens,
        })
    }
}
