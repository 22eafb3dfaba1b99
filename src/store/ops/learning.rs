//! Reads of learning outcomes: the data-health summary and the per-value sufficient statistics
//! that leaderboards are built from. Aggregation happens in the database (one row per value,
//! never one per post), so a million posts cost one scan.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::args;
use crate::learning::aggregate::GroupSums;
use crate::learning::decay::DecayParams;
use crate::learning::dimension::Dimension;
use crate::learning::objective::SCORE_VERSION;
use crate::store::backend::{Backend, BackendKind};
use crate::store::ops::budget::VALID_COST;
use crate::store::types::{DataHealth, WeightMapSummary};
use crate::store::{Read, Reads, SqlStore, StoreError};

#[async_trait]
pub trait LearningStore {
    /// The data-health summary. `day_start`/`day_end` bound the budget day (configured zone).
    async fn data_health(
        &self,
        now: DateTime<Utc>,
        day_start: DateTime<Utc>,
        day_end: DateTime<Utc>,
    ) -> Result<DataHealth, StoreError>;
    /// [`LearningStore::data_health`] as one read to send with others (call
    /// `FactsStore::refresh_facts_with` first).
    fn read_data_health(
        &self,
        r: &mut Reads,
        now: DateTime<Utc>,
        day_start: DateTime<Utc>,
        day_end: DateTime<Utc>,
    ) -> Read<DataHealth>;

    /// Decayed sufficient statistics per value of one dimension, over `vw_learning` rows with a
    /// valid score no older than the decay's max age.
    async fn group_sums(
        &self,
        dim: Dimension,
        now: DateTime<Utc>,
        decay: &DecayParams,
    ) -> Result<Vec<GroupSums>, StoreError>;
    /// [`LearningStore::group_sums`] as one read to send with others (call
    /// `FactsStore::refresh_facts_with` first).
    fn read_group_sums(
        &self,
        r: &mut Reads,
        dim: Dimension,
        now: DateTime<Utc>,
        decay: &DecayParams,
    ) -> Read<Vec<GroupSums>>;

    /// AI spend between two instants (reserved and settled calls; released ones are not spend).
    async fn spend_between(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<f64, StoreError>;
    /// [`LearningStore::spend_between`] as one read to send with others.
    fn read_spend_between(
        &self,
        r: &mut Reads,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Read<f64>;

    /// The active weight map, if any.
    async fn active_weight_map(&self) -> Result<Option<WeightMapSummary>, StoreError>;
    /// [`LearningStore::active_weight_map`] as one read to send with others.
    fn read_active_weight_map(&self, r: &mut Reads) -> Read<Option<WeightMapSummary>>;
}

#[derive(sqlx::FromRow)]
struct HealthRow {
    posts_7d: i64,
    with_metrics: i64,
    with_v2: i64,
}

#[derive(sqlx::FromRow)]
struct GroupSumsRow {
    value: String,
    n: i64,
    sum_d: f64,
    sum_ds: f64,
    sum_s: f64,
    n_recent: i64,
    sum_s_recent: f64,
    n_prior: i64,
    sum_s_prior: f64,
}

impl From<GroupSumsRow> for GroupSums {
    fn from(r: GroupSumsRow) -> GroupSums {
        GroupSums {
            value: r.value,
            n: r.n.max(0) as u64,
            sum_d: r.sum_d,
            sum_ds: r.sum_ds,
            sum_s: r.sum_s,
            n_recent: r.n_recent.max(0) as u64,
            sum_s_recent: r.sum_s_recent,
            n_prior: r.n_prior.max(0) as u64,
            sum_s_prior: r.sum_s_prior,
        }
    }
}

/// Age in days at `$1` (the current instant as epoch seconds) of a fact's `posted_epoch`, never
/// negative. Plain double arithmetic on both backends: cheap per row, and identical results.
pub(crate) fn age_days_sql(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Postgres => "GREATEST(($1 - posted_epoch) / 86400.0, 0.0)",
        BackendKind::Sqlite => "MAX(($1 - posted_epoch) / 86400.0, 0.0)",
    }
}

/// `max(a, b)` of two doubles.
pub(crate) fn greatest(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Postgres => "GREATEST",
        BackendKind::Sqlite => "MAX",
    }
}

/// Epoch seconds (with fractions) of an instant, as `learning_facts.posted_epoch` stores it.
pub(crate) fn epoch(t: DateTime<Utc>) -> f64 {
    t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) / 1e9
}

fn group_sums_sql(kind: BackendKind, dim: Dimension) -> String {
    let col = dim.column();
    let age = age_days_sql(kind);
    let greatest = greatest(kind);
    // $1 now (epoch), $2 cutoff (epoch), $3 floor, $4 λ, $5 max age in days.
    format!(
        "WITH r AS (
            SELECT {col} AS value, score AS s, {age} AS age
            FROM learning_facts
            WHERE {col} IS NOT NULL
              AND posted_epoch >= $2
              AND +score BETWEEN 0 AND 1
        ), d AS (
            SELECT value, s, age, {greatest}($3, exp(-$4 * age)) AS d FROM r WHERE age <= $5
        )
        SELECT value,
               COUNT(*) AS n,
               SUM(d) AS sum_d,
               SUM(d * s) AS sum_ds,
               SUM(s) AS sum_s,
               COUNT(CASE WHEN age < 7 THEN 1 END) AS n_recent,
               COALESCE(SUM(CASE WHEN age < 7 THEN s END), 0.0) AS sum_s_recent,
               COUNT(CASE WHEN age >= 7 AND age < 14 THEN 1 END) AS n_prior,
               COALESCE(SUM(CASE WHEN age >= 7 AND age < 14 THEN s END), 0.0) AS sum_s_prior
        FROM d
        GROUP BY value
        ORDER BY value"
    )
}

/// The instant `days` before `now` (fractional days allowed).
pub(crate) fn days_before(now: DateTime<Utc>, days: f64) -> DateTime<Utc> {
    now - Duration::milliseconds((days * 86_400_000.0).round() as i64)
}

/// The weight maps of xBOT's `learning_model_weights` with xbot's notes on them, as
/// `WeightMapSummary` rows. "Active" means what xBOT's generatorMatcher reads: among the rows
/// with `is_active`, the newest by `computed_at` (xBOT's data may hold more than one).
pub(crate) const WEIGHT_SUMMARY_FROM: &str = "
    SELECT w.id, COALESCE(w.version, '?') AS version,
           COALESCE(w.computed_at, w.date_range_end, w.date_range_start) AS computed_at,
           w.date_range_start, w.date_range_end, COALESCE(w.sample_size, 0) AS sample_size,
           (w.id = (SELECT a.id FROM {weights} a WHERE a.is_active
                    ORDER BY a.computed_at DESC, a.id DESC LIMIT 1)) AS is_active,
           m.job_run_id,
           CASE WHEN m.source_id IS NULL THEN 'xBOT' ELSE 'xbot' END AS made_by,
           (SELECT a.activated_by FROM weight_activations a WHERE a.source_id = w.id
            ORDER BY a.activated_at DESC LIMIT 1) AS activated_by,
           (SELECT a.activated_at FROM weight_activations a WHERE a.source_id = w.id
            ORDER BY a.activated_at DESC LIMIT 1) AS activated_at,
           CAST(w.weights AS TEXT) AS weights,
           CAST(m.stats AS TEXT) AS stats, CAST(m.params AS TEXT) AS params
    FROM {weights} w
    LEFT JOIN weight_maps m ON m.source_id = w.id
    WHERE COALESCE(w.computed_at, w.date_range_end, w.date_range_start) IS NOT NULL";

/// The summary columns of [`WEIGHT_SUMMARY_FROM`].
pub(crate) const WEIGHT_SUMMARY_COLUMNS: &str = "id, version, computed_at, date_range_start, \
     date_range_end, sample_size, COALESCE(is_active, false) AS is_active, job_run_id, made_by, \
     activated_by, activated_at";

#[async_trait]
impl<B: Backend> LearningStore for SqlStore<B> {
    async fn data_health(
        &self,
        now: DateTime<Utc>,
        day_start: DateTime<Utc>,
        day_end: DateTime<Utc>,
    ) -> Result<DataHealth, StoreError> {
        // The counts come from the facts: brought up to date with xBOT's tables first.
        self.read_facts_alone(|r| self.read_data_health(r, now, day_start, day_end))
            .await
    }

    fn read_data_health(
        &self,
        r: &mut Reads,
        now: DateTime<Utc>,
        day_start: DateTime<Utc>,
        day_end: DateTime<Utc>,
    ) -> Read<DataHealth> {
        let week_ago = now - Duration::days(7);
        r.add(
            vec![
                (
                    "SELECT COUNT(*) AS posts_7d,
                            COUNT(CASE WHEN impressions IS NOT NULL OR views IS NOT NULL THEN 1 END)
                                AS with_metrics,
                            COUNT(CASE WHEN score_version = $2 AND score IS NOT NULL THEN 1 END)
                                AS with_v2
                     FROM learning_facts
                     WHERE posted_epoch >= $1"
                        .into(),
                    args![epoch(week_ago), SCORE_VERSION],
                ),
                (
                    "SELECT COUNT(*) FROM safety_reviews WHERE status = 'pending'".into(),
                    vec![],
                ),
                ("SELECT COUNT(*) FROM learning_facts".into(), vec![]),
                (self.active_weight_map_sql(), vec![]),
                (spend_sql().into(), args![day_start, day_end]),
            ],
            |b| {
                let h: HealthRow = b.take()?.into_iter().next().unwrap_or(HealthRow {
                    posts_7d: 0,
                    with_metrics: 0,
                    with_v2: 0,
                });
                let pending = b.take::<(i64,)>()?.first().map_or(0, |(n,)| *n);
                let total = b.take::<(i64,)>()?.first().map_or(0, |(n,)| *n);
                let active_weight_map: Option<WeightMapSummary> = b.take()?.into_iter().next();
                let spend = b.take::<(f64,)>()?.first().map_or(0.0, |(s,)| *s);
                Ok(DataHealth {
                    posts_7d: h.posts_7d,
                    with_metrics_7d: h.with_metrics,
                    with_v2_score_7d: h.with_v2,
                    pending_reviews: pending,
                    active_weight_map,
                    spend_today_usd: clean_spend(spend),
                    total_posts: total,
                })
            },
        )
    }

    async fn group_sums(
        &self,
        dim: Dimension,
        now: DateTime<Utc>,
        decay: &DecayParams,
    ) -> Result<Vec<GroupSums>, StoreError> {
        self.read_facts_alone(|r| self.read_group_sums(r, dim, now, decay))
            .await
    }

    fn read_group_sums(
        &self,
        r: &mut Reads,
        dim: Dimension,
        now: DateTime<Utc>,
        decay: &DecayParams,
    ) -> Read<Vec<GroupSums>> {
        let cutoff = days_before(now, decay.max_age_days);
        r.rows::<GroupSumsRow>(
            group_sums_sql(B::KIND, dim).into(),
            args![
                epoch(now),
                epoch(cutoff),
                decay.floor,
                decay.lambda,
                decay.max_age_days
            ],
        )
        .map(|rows| rows.into_iter().map(GroupSums::from).collect())
    }

    async fn spend_between(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<f64, StoreError> {
        self.read_alone(|r| self.read_spend_between(r, start, end))
            .await
    }

    fn read_spend_between(
        &self,
        r: &mut Reads,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Read<f64> {
        r.optional::<(f64,)>(spend_sql().into(), args![start, end])
            .map(|s| clean_spend(s.map_or(0.0, |(s,)| s)))
    }

    async fn active_weight_map(&self) -> Result<Option<WeightMapSummary>, StoreError> {
        self.read_alone(|r| self.read_active_weight_map(r)).await
    }

    fn read_active_weight_map(&self, r: &mut Reads) -> Read<Option<WeightMapSummary>> {
        r.optional(self.active_weight_map_sql(), vec![])
    }
}

impl<B: Backend> SqlStore<B> {
    fn active_weight_map_sql(&self) -> crate::store::backend::Sql {
        self.sql(&format!(
            "SELECT {WEIGHT_SUMMARY_COLUMNS} FROM ({WEIGHT_SUMMARY_FROM}) x WHERE is_active"
        ))
    }
}

/// AI spend between `$1` and `$2`. Corrupt costs are skipped row by row (see VALID_COST), not
/// the whole sum.
fn spend_sql() -> String {
    format!(
        "SELECT CAST(COALESCE(SUM({VALID_COST}), 0.0) AS DOUBLE PRECISION)
         FROM ai_usage WHERE at >= $1 AND at < $2 AND state <> 'released'"
    )
}

/// A spend as shown: never negative, never NaN.
fn clean_spend(spend: f64) -> f64 {
    if spend.is_finite() {
        spend.max(0.0)
    } else {
        0.0
    }
}
