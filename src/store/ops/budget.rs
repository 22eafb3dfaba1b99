//! The AI budget ledger (`ai_usage`): a call's estimated cost is reserved before it is sent,
//! in a transaction that refuses it when the day's spend plus the estimate would pass the
//! limit (serialised, so two concurrent calls cannot both squeeze in); the real cost is settled
//! after, or the reservation released on failure. Also the reports of `xbot budget` and the
//! Budget tab.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::args;
use crate::store::backend::{Backend, BackendKind, BackendTx};
use crate::store::{SqlStore, StoreError};

/// A call about to be made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reservation {
    pub model: String,
    pub feature_area: String,
    pub purpose: Option<String>,
    pub orchestrator: Option<String>,
    pub job_run_id: Option<i64>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub estimated_cost_usd: f64,
    /// The budget day in UTC.
    pub day_start: DateTime<Utc>,
    pub day_end: DateTime<Utc>,
    pub daily_limit_usd: f64,
    /// The expert orchestrator's daily call cap, checked in the same transaction as the
    /// limit (set for expert calls only).
    pub expert_cap: Option<i64>,
}

/// The answer to a reservation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Reserved {
    /// Go ahead; settle or release this id.
    Granted { id: i64, spent_before: f64 },
    /// The call would pass the daily limit: do not send it.
    Refused {
        spent: f64,
        estimate: f64,
        limit: f64,
    },
    /// An expert call when today's expert calls already reached the cap: do not send it.
    ExpertCapped { calls: i64, cap: i64 },
}

/// A row's cost as the budget counts it. Rows whose cost is not a finite, non-negative number
/// (NaN, ±infinity, negative: corrupt data) are skipped: summed as they were, one NaN made the
/// day's spend NaN, which compared as under the limit and was read as no spend at all.
/// Expert calls between `$1` and `$2` (`$3` the expert orchestrator's name).
const EXPERT_CALLS_SQL: &str = "SELECT COUNT(*) FROM ai_usage
     WHERE at >= $1 AND at < $2 AND state <> 'released' AND orchestrator = $3";

pub(crate) const VALID_COST: &str = "CASE WHEN cost_usd BETWEEN 0 AND 1e308 THEN cost_usd END";

/// Spend grouped by one key.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SpendLine {
    pub key: String,
    pub calls: i64,
    pub cost_usd: f64,
    pub tokens: i64,
}

/// Spend in one hour.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HourSpend {
    pub hour_start: DateTime<Utc>,
    pub cost_usd: f64,
    pub calls: i64,
}

/// The day's budget picture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetReport {
    pub day_start: DateTime<Utc>,
    pub day_end: DateTime<Utc>,
    pub spent_usd: f64,
    /// Of which still reserved (calls in flight).
    pub reserved_usd: f64,
    pub calls: i64,
    pub expert_calls: i64,
    pub by_feature_area: Vec<SpendLine>,
    pub by_model: Vec<SpendLine>,
    /// One entry per hour of the day so far (zero hours included).
    pub per_hour: Vec<HourSpend>,
}

#[async_trait]
pub trait BudgetStore {
    /// Reserve the estimated cost of a call, or refuse it (see the module comment).
    async fn reserve(&self, r: &Reservation, now: DateTime<Utc>) -> Result<Reserved, StoreError>;
    /// Record the real usage of a granted call (the model stays the one reserved).
    async fn settle(
        &self,
        id: i64,
        prompt_tokens: i64,
        completion_tokens: i64,
        cost_usd: f64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Record the real usage of a granted call priced as `model`, the model that answered:
    /// `model` becomes the charged model and `requested_model` keeps the one asked for, so
    /// spend by model is the spend of the model that cost it and the row can be re-priced from
    /// its own columns.
    async fn settle_as(
        &self,
        id: i64,
        model: &str,
        prompt_tokens: i64,
        completion_tokens: i64,
        cost_usd: f64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Give a granted reservation back (the call failed or was never sent).
    async fn release(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Calls by the expert orchestrator in the window (reserved or settled).
    async fn expert_calls(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    async fn budget_report(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<BudgetReport, StoreError>;
}

/// The expert orchestrator's name in `ai_usage.orchestrator`.
pub const EXPERT: &str = "ExpertInsight";

#[async_trait]
impl<B: Backend> BudgetStore for SqlStore<B> {
    async fn reserve(&self, r: &Reservation, now: DateTime<Utc>) -> Result<Reserved, StoreError> {
        let mut tx = self.db.begin_write().await?;
        if B::KIND == BackendKind::Postgres {
            // Serialise reservations: without it two transactions could each see room for
            // their call and both go ahead. (SQLite's IMMEDIATE transaction already does.)
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtext('xbot.ai_budget'))".into(),
                vec![],
            )
            .await?;
        }
        let (spent,): (f64,) = tx
            .fetch_optional(
                format!(
                    "SELECT CAST(COALESCE(SUM({VALID_COST}), 0.0) AS DOUBLE PRECISION)
                     FROM ai_usage WHERE at >= $1 AND at < $2 AND state <> 'released'"
                )
                .into(),
                args![r.day_start, r.day_end],
            )
            .await?
            .unwrap_or((0.0,));
        let estimate = r.estimated_cost_usd.max(0.0);
        if spent + estimate > r.daily_limit_usd {
            return Ok(Reserved::Refused {
                spent,
                estimate,
                limit: r.daily_limit_usd,
            });
        }
        if let Some(cap) = r.expert_cap
            && r.orchestrator.as_deref() == Some(EXPERT)
        {
            let (calls,): (i64,) = tx
                .fetch_optional(
                    "SELECT COUNT(*) FROM ai_usage
                     WHERE at >= $1 AND at < $2 AND state <> 'released' AND orchestrator = $3"
                        .into(),
                    args![r.day_start, r.day_end, EXPERT],
                )
                .await?
                .unwrap_or((0,));
            if calls >= cap {
                return Ok(Reserved::ExpertCapped { calls, cap });
            }
        }
        let (id,): (i64,) = tx
            .fetch_optional(
                "INSERT INTO ai_usage (at, model, requested_model, prompt_tokens,
                     completion_tokens, total_tokens, cost_usd, feature_area, purpose,
                     orchestrator, job_run_id, state)
                 VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'reserved')
                 RETURNING id"
                    .into(),
                args![
                    now,
                    &r.model,
                    r.prompt_tokens,
                    r.completion_tokens,
                    r.prompt_tokens + r.completion_tokens,
                    estimate,
                    &r.feature_area,
                    &r.purpose,
                    &r.orchestrator,
                    r.job_run_id
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Query("the reservation was not stored".into()))?;
        tx.commit().await?;
        Ok(Reserved::Granted {
            id,
            spent_before: spent,
        })
    }

    async fn settle(
        &self,
        id: i64,
        prompt_tokens: i64,
        completion_tokens: i64,
        cost_usd: f64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let n = self
            .db
            .execute(
                "UPDATE ai_usage SET state = 'settled', prompt_tokens = $2, completion_tokens = $3,
                     total_tokens = $4, cost_usd = $5, settled_at = $6
                 WHERE id = $1 AND state = 'reserved'"
                    .into(),
                args![
                    id,
                    prompt_tokens,
                    completion_tokens,
                    prompt_tokens + completion_tokens,
                    cost_usd.max(0.0),
                    now
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "AI usage {id} is not a pending reservation"
            )));
        }
        Ok(())
    }

    async fn settle_as(
        &self,
        id: i64,
        model: &str,
        prompt_tokens: i64,
        completion_tokens: i64,
        cost_usd: f64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let n = self
            .db
            .execute(
                "UPDATE ai_usage SET state = 'settled', model = $2,
                     requested_model = COALESCE(requested_model, model), prompt_tokens = $3,
                     completion_tokens = $4, total_tokens = $5, cost_usd = $6, settled_at = $7
                 WHERE id = $1 AND state = 'reserved'"
                    .into(),
                args![
                    id,
                    model,
                    prompt_tokens,
                    completion_tokens,
                    prompt_tokens.saturating_add(completion_tokens),
                    cost_usd.max(0.0),
                    now
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "AI usage {id} is not a pending reservation"
            )));
        }
        Ok(())
    }

    async fn release(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.db
            .execute(
                "UPDATE ai_usage SET state = 'released', settled_at = $2
                 WHERE id = $1 AND state = 'reserved'"
                    .into(),
                args![id, now],
            )
            .await
            .map(|_| ())
    }

    async fn expert_calls(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) = self
            .db
            .fetch_optional(EXPERT_CALLS_SQL.into(), args![start, end, EXPERT])
            .await?
            .unwrap_or((0,));
        Ok(n)
    }

    async fn budget_report(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<BudgetReport, StoreError> {
        // Six reads sent together (one round trip on Postgres).
        let totals_sql = format!(
            "SELECT CAST(COALESCE(SUM({VALID_COST}), 0.0) AS DOUBLE PRECISION),
                    CAST(COALESCE(SUM(CASE WHEN state = 'reserved' THEN {VALID_COST} END),
                         0.0) AS DOUBLE PRECISION),
                    COUNT(*)
             FROM ai_usage WHERE at >= $1 AND at < $2 AND state <> 'released'"
        );
        // Tokens are summed as floating point: an integer SUM of bad rows (a huge count)
        // overflows (SQLite "integer overflow", Postgres "bigint out of range") and failed the
        // whole report. The total saturates into i64 instead.
        let group = |col: &'static str| {
            format!(
                "SELECT COALESCE({col}, '(none)') AS key, COUNT(*) AS calls,
                        CAST(COALESCE(SUM({VALID_COST}), 0.0) AS DOUBLE PRECISION) AS cost_usd,
                        CAST(COALESCE(SUM(CAST(total_tokens AS DOUBLE PRECISION)), 0.0)
                             AS DOUBLE PRECISION) AS tokens
                 FROM ai_usage WHERE at >= $1 AND at < $2 AND state <> 'released'
                 GROUP BY COALESCE({col}, '(none)') ORDER BY cost_usd DESC"
            )
        };
        let lines = |rows: Vec<(String, i64, f64, f64)>| -> Vec<SpendLine> {
            rows.into_iter()
                .map(|(key, calls, cost_usd, tokens)| SpendLine {
                    key,
                    calls,
                    cost_usd,
                    // `as` saturates (and NaN becomes 0).
                    tokens: tokens as i64,
                })
                .collect()
        };
        let mut b = self
            .db
            .fetch_batch(vec![
                (totals_sql.into(), args![start, end]),
                (group("feature_area").into(), args![start, end]),
                (group("model").into(), args![start, end]),
                // Calls with their instants; bucketed by hour here (the day holds at most a
                // few thousand calls, and hour arithmetic differs between the dialects).
                (
                    "SELECT at, cost_usd FROM ai_usage
                     WHERE at >= $1 AND at < $2 AND state <> 'released'"
                        .into(),
                    args![start, end],
                ),
                (EXPERT_CALLS_SQL.into(), args![start, end, EXPERT]),
            ])
            .await?;
        let totals: (f64, f64, i64) = b.take()?.into_iter().next().unwrap_or((0.0, 0.0, 0));
        let by_feature_area = lines(b.take()?);
        let by_model = lines(b.take()?);
        let calls: Vec<(DateTime<Utc>, f64)> = b.take()?;
        let expert_calls: i64 = b.take::<(i64,)>()?.first().map_or(0, |(n,)| *n);
        let hours = ((end.min(now).max(start) - start).num_minutes() as f64 / 60.0)
            .ceil()
            .max(1.0) as usize;
        let mut per_hour: Vec<HourSpend> = (0..hours)
            .map(|h| HourSpend {
                hour_start: start + chrono::Duration::hours(h as i64),
                cost_usd: 0.0,
                calls: 0,
            })
            .collect();
        for (at, cost) in calls {
            let h = ((at - start).num_minutes() / 60).clamp(0, hours as i64 - 1) as usize;
            // As VALID_COST: a corrupt cost is skipped, not summed into the hour.
            if cost.is_finite() && cost >= 0.0 {
                per_hour[h].cost_usd += cost;
            }
            per_hour[h].calls += 1;
        }
        Ok(BudgetReport {
            day_start: start,
            day_end: end,
            spent_usd: totals.0,
            reserved_usd: totals.1,
            calls: totals.2,
            expert_calls,
            by_feature_area,
            by_model,
            per_hour,
        })
    }
}
