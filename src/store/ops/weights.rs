//! Weight maps: the one-pass aggregation the offline_weight_map job runs in the database, the
//! naive row fetch it is checked and benchmarked against, and the versioned history with
//! atomic activation (at most one active map, enforced by a unique partial index).

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::args;
use crate::learning::aggregate::GroupSums;
use crate::learning::weights::{
    FEATURES, Feature, LearningRow, WeightMap, WeightParams, effective_cutoff_days,
    feature_decay_params, overall_cutoff_days,
};
use crate::store::backend::{Backend, BackendKind, BackendTx, Val};
use crate::store::ops::incidents::insert_event;
use crate::store::ops::jobs::{Lease, check_lease};
use crate::store::ops::learning::{
    WEIGHT_SUMMARY_COLUMNS, WEIGHT_SUMMARY_FROM, age_days_sql, days_before, epoch, greatest,
};
use crate::store::types::{EventRow, LearningViewRow, WeightMapSummary};
use crate::store::{SqlStore, StoreError};

/// The per-feature sums the database returns, plus the sample they came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightAggregate {
    pub groups: BTreeMap<Feature, Vec<GroupSums>>,
    /// Scored rows inside the window.
    pub sample_size: u64,
    pub date_range_start: Option<DateTime<Utc>>,
    pub date_range_end: Option<DateTime<Utc>>,
}

/// A stored weight map with its payload as text (parsed by the caller, so a malformed row is
/// shown as malformed instead of failing the whole read).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct WeightMapRecord {
    /// The row's id in xBOT's table, as text (bigint or UUID there).
    pub id: String,
    pub version: String,
    pub computed_at: DateTime<Utc>,
    pub date_range_start: Option<DateTime<Utc>>,
    pub date_range_end: Option<DateTime<Utc>>,
    pub sample_size: i64,
    pub is_active: bool,
    pub job_run_id: Option<i64>,
    #[serde(serialize_with = "crate::text::json_text")]
    pub weights: Option<String>,
    #[serde(serialize_with = "crate::text::json_text")]
    pub stats: Option<String>,
    #[serde(serialize_with = "crate::text::json_text")]
    pub params: Option<String>,
}

/// A map to store and activate.
#[derive(Debug, Clone)]
pub struct NewWeightMap<'a> {
    pub map: &'a WeightMap,
    pub params: &'a WeightParams,
    pub computed_at: DateTime<Utc>,
    pub date_range_start: Option<DateTime<Utc>>,
    pub date_range_end: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait WeightStore {
    /// Decayed sums per feature value over the window, aggregated in one statement.
    async fn weight_aggregate(
        &self,
        now: DateTime<Utc>,
        params: &WeightParams,
    ) -> Result<WeightAggregate, StoreError>;
    /// Every scored row of the window, for the reference computation.
    async fn learning_rows(
        &self,
        now: DateTime<Utc>,
        params: &WeightParams,
    ) -> Result<Vec<LearningRow>, StoreError>;
    /// Every `vw_learning` row of the window with all its columns: the naive way to compute a
    /// weight map (fetch every row into the program), kept for the benchmark.
    async fn learning_view_rows(
        &self,
        now: DateTime<Utc>,
        params: &WeightParams,
    ) -> Result<Vec<LearningViewRow>, StoreError>;
    /// Store a new version and make it the only active one, in one transaction that still holds
    /// the job's lease. A map with the active one's weights ([`WeightMap::same_weights`]) is
    /// not stored: the active version stays, and no identical version is added.
    async fn publish_weight_map(
        &self,
        lease: &Lease,
        new: &NewWeightMap<'_>,
        now: DateTime<Utc>,
    ) -> Result<Published, StoreError>;
    async fn weight_maps(&self, limit: i64) -> Result<Vec<WeightMapSummary>, StoreError>;
    async fn weight_map(&self, version: &str) -> Result<Option<WeightMapRecord>, StoreError>;
    /// Every version's weights, oldest first (for the line chart of one value over time).
    async fn weight_history(&self, limit: i64) -> Result<Vec<WeightMapRecord>, StoreError>;
    /// Make `version` (a version name, the newest of that name; or `#<id>`) the map xBOT's
    /// generator selection reads: every other row inactive, this one active, in one
    /// transaction, recorded in `weight_activations` and the audit trail. A rollback is this
    /// with an earlier version.
    async fn activate_weight_map(
        &self,
        version: &str,
        action_id: &str,
        operator: &crate::identity::Operator,
        now: DateTime<Utc>,
    ) -> Result<Activation, StoreError>;
}

/// What publishing a computed weight map did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", content = "map", rename_all = "snake_case")]
pub enum Published {
    /// A new version, now the active one.
    Activated(WeightMapSummary),
    /// The computed map equals the active one: nothing was stored, this version stays active.
    Unchanged(WeightMapSummary),
}

impl Published {
    /// The version in force after publishing.
    pub fn summary(&self) -> &WeightMapSummary {
        match self {
            Published::Activated(m) | Published::Unchanged(m) => m,
        }
    }
}

/// What activating a weight map did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activation {
    /// `activated`, `already active` or `already done` (the same action id seen before).
    pub outcome: String,
    pub version: String,
    pub id: String,
    /// The map that was in force before.
    pub previous: Option<String>,
}

/// The weight-map aggregation over `learning_facts`, one statement that returns one row per
/// feature value (plus one for the whole sample). `$1` now and `$2` the window start as epoch
/// seconds; then λ, floor and cutoff (days) for each feature in [`FEATURES`] order.
fn aggregate_sql(kind: BackendKind) -> String {
    match kind {
        BackendKind::Postgres => aggregate_sql_hashed(kind),
        BackendKind::Sqlite => aggregate_sql_indexed(kind),
    }
}

/// `$n` of feature `i`'s k-th decay parameter (0 λ, 1 floor, 2 cutoff).
fn decay_param(feature: usize, k: usize) -> String {
    format!("${}", 3 + feature * 3 + k)
}

/// Postgres: the window is read once into a materialised CTE, then grouped per feature with
/// hash aggregates (no sort), each branch computing only its own feature's decay. Materialising
/// the bare window instead of all five decays per row keeps it narrow: 141 against 160–237 ms
/// on 73,800 rows. `OFFSET 0` keeps the planner from inlining `d` into both sums, which would
/// compute `exp()` twice a row (123–134 against 137–144 ms). GROUPING SETS would read the
/// window once too, but computes every aggregate for every set: measured 30% slower.
fn aggregate_sql_hashed(kind: BackendKind) -> String {
    let age = age_days_sql(kind);
    let greatest = greatest(kind);
    let mut parts = Vec::new();
    for (i, feature) in FEATURES.iter().enumerate() {
        let col = feature.column();
        let (l, f, c) = (decay_param(i, 0), decay_param(i, 1), decay_param(i, 2));
        parts.push(format!(
            "SELECT '{col}' AS feature, {col} AS value, COUNT(*) AS n,
                    SUM(d) AS sum_d, SUM(d * s) AS sum_ds,
                    0.0 AS min_epoch, 0.0 AS max_epoch
             FROM (SELECT {col}, s, {greatest}({f}, exp(-{l} * age)) AS d
                   FROM r WHERE {col} IS NOT NULL AND age <= {c} OFFSET 0) x
             GROUP BY {col}"
        ));
    }
    parts.push(format!(
        "SELECT '{ALL}', '{ALL}', COUNT(*), 0.0, 0.0, MIN(posted_epoch), MAX(posted_epoch) FROM r"
    ));
    format!(
        "WITH r AS MATERIALIZED (
             SELECT generator_name, topic, tone, decision_type, content_slot, score AS s,
                    posted_epoch, {age} AS age
             FROM learning_facts
             WHERE posted_epoch >= $2 AND +score BETWEEN 0 AND 1)
         {}",
        parts.join(" UNION ALL ")
    )
}

/// SQLite has no hash aggregate: every GROUP BY over the window is a sort, and five sorts of
/// the window were most of the time (250 ms on 73,800 rows). Instead each feature is grouped
/// along its own covering index `(feature, posted_epoch, score)`: the feature's values are
/// listed by a loose index scan (one seek per distinct value), and `IN` over that list walks
/// the index value by value, so rows arrive already grouped and nothing is sorted or
/// materialised (123–141 ms). The IN-list is what keeps the plan without `sqlite_stat1`;
/// the planner's own skip-scan needs ANALYZE, and without it reads the whole index.
fn aggregate_sql_indexed(kind: BackendKind) -> String {
    let age = age_days_sql(kind);
    let greatest = greatest(kind);
    let mut values = Vec::new();
    let mut parts = Vec::new();
    for (i, feature) in FEATURES.iter().enumerate() {
        let col = feature.column();
        let (l, f, c) = (decay_param(i, 0), decay_param(i, 1), decay_param(i, 2));
        values.push(format!(
            "v{i}(x) AS (SELECT MIN({col}) FROM learning_facts
                 UNION ALL
                 SELECT (SELECT MIN({col}) FROM learning_facts WHERE {col} > v{i}.x)
                 FROM v{i} WHERE x IS NOT NULL)"
        ));
        let d = format!("{greatest}({f}, exp(-{l} * {age}))");
        parts.push(format!(
            "SELECT '{col}' AS feature, {col} AS value, COUNT(*) AS n,
                    SUM({d}) AS sum_d, SUM({d} * score) AS sum_ds,
                    0.0 AS min_epoch, 0.0 AS max_epoch
             FROM learning_facts
             WHERE {col} IN (SELECT x FROM v{i}) AND posted_epoch >= $2
               AND +score BETWEEN 0 AND 1 AND {age} <= {c}
             GROUP BY {col}"
        ));
    }
    parts.push(format!(
        "SELECT '{ALL}', '{ALL}', COUNT(*), 0.0, 0.0, MIN(posted_epoch), MAX(posted_epoch)
         FROM learning_facts WHERE posted_epoch >= $2 AND +score BETWEEN 0 AND 1"
    ));
    format!(
        "WITH RECURSIVE {} {}",
        values.join(", "),
        parts.join(" UNION ALL ")
    )
}

/// The pseudo-feature that counts the whole sample.
const ALL: &str = "__all__";

#[derive(sqlx::FromRow)]
struct AggregateRow {
    feature: String,
    value: String,
    n: i64,
    sum_d: f64,
    sum_ds: f64,
    min_epoch: f64,
    max_epoch: f64,
}

#[derive(sqlx::FromRow)]
struct LearningRowDb {
    posted_at: DateTime<Utc>,
    generator_name: Option<String>,
    topic: Option<String>,
    tone: Option<String>,
    decision_type: Option<String>,
    content_slot: Option<String>,
    score: Option<f64>,
}

const RECORD_COLUMNS: &str = "id, version, computed_at, date_range_start, date_range_end, \
     sample_size, COALESCE(is_active, false) AS is_active, job_run_id, weights, stats, params";

fn instant_at_epoch(epoch: f64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros((epoch * 1e6).round() as i64)
}

#[async_trait]
impl<B: Backend> WeightStore for SqlStore<B> {
    async fn weight_aggregate(
        &self,
        now: DateTime<Utc>,
        params: &WeightParams,
    ) -> Result<WeightAggregate, StoreError> {
        self.refresh_facts(crate::store::ops::facts::FACTS_MAX_AGE)
            .await?;
        let overall = overall_cutoff_days(params);
        let mut args = args![epoch(now), epoch(days_before(now, overall))];
        for feature in FEATURES {
            let decay = feature_decay_params(feature, params);
            args.push(Val::from(decay.lambda));
            args.push(Val::from(decay.floor));
            args.push(Val::from(effective_cutoff_days(feature, params)));
        }
        let sql = aggregate_sql(B::KIND);
        let rows: Vec<AggregateRow> = match B::KIND {
            BackendKind::Postgres => {
                // The materialised window (~110 B a row) outgrows the default 4 MB work_mem at
                // ~35,000 rows and goes to temporary files: 32 MB keeps ~300,000 rows in
                // memory (141 -> 132 ms on 73,800). SET LOCAL ends with the transaction, so the
                // pooled connection is left as it was; a read-only role may set it too.
                let mut tx = self.db.begin_write().await?;
                tx.execute("SET LOCAL work_mem = '32MB'".into(), vec![])
                    .await?;
                let rows = tx.fetch_all(sql.into(), args).await?;
                tx.commit().await?;
                rows
            }
            BackendKind::Sqlite => self.db.fetch_all(sql.into(), args).await?,
        };
        let mut out = WeightAggregate {
            groups: BTreeMap::new(),
            sample_size: 0,
            date_range_start: None,
            date_range_end: None,
        };
        for r in rows {
            if r.feature == ALL {
                out.sample_size = r.n.max(0) as u64;
                if r.n > 0 {
                    out.date_range_start = instant_at_epoch(r.min_epoch);
                    out.date_range_end = instant_at_epoch(r.max_epoch);
                }
                continue;
            }
            let Some(feature) = Feature::from_column(&r.feature) else {
                continue;
            };
            out.groups.entry(feature).or_default().push(GroupSums {
                value: r.value,
                n: r.n.max(0) as u64,
                sum_d: r.sum_d,
                sum_ds: r.sum_ds,
                ..GroupSums::new("")
            });
        }
        for groups in out.groups.values_mut() {
            groups.sort_by(|a, b| a.value.cmp(&b.value));
        }
        Ok(out)
    }

    async fn learning_rows(
        &self,
        now: DateTime<Utc>,
        params: &WeightParams,
    ) -> Result<Vec<LearningRow>, StoreError> {
        let cutoff = days_before(now, overall_cutoff_days(params));
        let rows: Vec<LearningRowDb> = self
            .db
            .fetch_all(
                self.sql(&format!(
                    "SELECT posted_at, generator_name, topic, tone, decision_type, content_slot,
                        primary_objective_score AS score
                 FROM ({}) v
                 WHERE posted_at >= $1 AND primary_objective_score BETWEEN 0 AND 1",
                    crate::store::ops::facts::learning_view_select()
                )),
                args![cutoff],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| LearningRow {
                posted_at: r.posted_at,
                generator_name: r.generator_name,
                topic: r.topic,
                tone: r.tone,
                decision_type: r.decision_type,
                content_slot: r.content_slot,
                score: r.score,
            })
            .collect())
    }

    async fn learning_view_rows(
        &self,
        now: DateTime<Utc>,
        params: &WeightParams,
    ) -> Result<Vec<LearningViewRow>, StoreError> {
        let cutoff = days_before(now, overall_cutoff_days(params));
        self.db
            .fetch_all(
                self.sql(&format!(
                    "SELECT * FROM ({}) v WHERE posted_at >= $1",
                    crate::store::ops::facts::learning_view_select()
                )),
                args![cutoff],
            )
            .await
    }

    async fn publish_weight_map(
        &self,
        lease: &Lease,
        new: &NewWeightMap<'_>,
        now: DateTime<Utc>,
    ) -> Result<Published, StoreError> {
        let to_json = |v: serde_json::Result<serde_json::Value>| {
            v.map_err(|e| StoreError::Query(format!("cannot encode the weight map: {e}")))
        };
        let weights = to_json(serde_json::to_value(&new.map.weights))?;
        let stats = to_json(serde_json::to_value(&new.map.stats))?;
        let params = new.params.stored_json();

        let src = self.src();
        let Some(table) = src.table("weights") else {
            return Err(StoreError::NotInstalled(
                "this database has no learning_model_weights table (xBOT's), so a weight map \
                 cannot be published where xBOT reads it"
                    .into(),
            ));
        };
        let col = |c: &str| src.col("weights", c).map(crate::store::source::quote_ident);
        let id_col = col("id").unwrap_or_else(|| "id".into());
        let active_col = col("is_active").unwrap_or_else(|| "is_active".into());

        let mut tx = self.db.begin_write().await?;
        check_lease(&mut tx, B::KIND, lease, now).await?;
        // Decided in the publishing transaction, so two runs cannot both add the same map.
        let active: Option<WeightMapRecord> = tx
            .fetch_optional(
                self.sql(&format!(
                    "SELECT {RECORD_COLUMNS} FROM ({WEIGHT_SUMMARY_FROM}) x WHERE is_active"
                )),
                vec![],
            )
            .await?;
        if let Some(a) = active
            && WeightMap::from_stored(
                &a.version,
                a.weights.as_deref(),
                a.stats.as_deref(),
                a.sample_size,
            )
            .is_ok_and(|m| m.same_weights(new.map))
        {
            let summary: WeightMapSummary = tx
                .fetch_optional(
                    self.sql(&format!(
                        "SELECT {WEIGHT_SUMMARY_COLUMNS} FROM ({WEIGHT_SUMMARY_FROM}) x WHERE id = $1"
                    )),
                    args![&a.id],
                )
                .await?
                .ok_or_else(|| StoreError::Query("the active weight map vanished".into()))?;
            tx.commit().await?;
            return Ok(Published::Unchanged(summary));
        }
        let (next,): (i64,) = tx
            .fetch_optional("SELECT COUNT(*) + 1 FROM weight_maps".into(), vec![])
            .await?
            .unwrap_or((1,));
        let version = format!("v{next}");
        // xBOT's columns, as xBOT's offlineWeightMapJob writes them.
        let mut names: Vec<String> = Vec::new();
        let mut vals: Vec<Val> = Vec::new();
        let mut put = |canonical: &str, v: Val| {
            if let Some(c) = col(canonical) {
                names.push(c);
                vals.push(v);
            }
        };
        put("version", Val::from(&version));
        put("weights", Val::Json(Some(weights)));
        put("computed_at", Val::from(new.computed_at));
        put(
            "date_range_start",
            Val::from(new.date_range_start.unwrap_or(new.computed_at)),
        );
        put(
            "date_range_end",
            Val::from(new.date_range_end.unwrap_or(new.computed_at)),
        );
        put("sample_size", Val::from(new.map.sample_size as i64));
        put("is_active", Val::from(false));
        let placeholders: Vec<String> = (1..=vals.len()).map(|i| format!("${i}")).collect();
        // Activation as xBOT does it: every other map inactive, the new one active, in one
        // transaction (xBOT's generatorMatcher reads the newest active row).
        let (previous,): (Option<String>,) = tx
            .fetch_optional(
                format!(
                    "SELECT CAST({id_col} AS TEXT) FROM {table} WHERE {active_col}
                     ORDER BY {} DESC LIMIT 1",
                    col("computed_at").unwrap_or_else(|| id_col.clone())
                )
                .into(),
                vec![],
            )
            .await?
            .unwrap_or((None,));
        let (id,): (String,) = tx
            .fetch_optional(
                format!(
                    "INSERT INTO {table} ({}) VALUES ({}) RETURNING CAST({id_col} AS TEXT)",
                    names.join(", "),
                    placeholders.join(", ")
                )
                .into(),
                vals,
            )
            .await?
            .ok_or_else(|| StoreError::Query("the new weight map was not stored".into()))?;
        // Stored inactive, then the only active one: one transaction, as xBOT's reader sees it.
        tx.execute_later(
            format!("UPDATE {table} SET {active_col} = FALSE WHERE {active_col}").into(),
            vec![],
        )
        .await?;
        tx.execute_later(
            format!(
                "UPDATE {table} SET {active_col} = TRUE WHERE {}",
                src.text_eq("weights", "id", "$1")
            )
            .into(),
            args![&id],
        )
        .await?;
        let mut meta = args![&id, &version];
        meta.extend([Val::Json(Some(stats)), Val::Json(Some(params))]);
        meta.extend(args![lease.run_id, now]);
        tx.execute_later(
            "INSERT INTO weight_maps (source_id, version, stats, params, job_run_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)"
                .into(),
            meta,
        )
        .await?;
        tx.execute_later(
            "INSERT INTO weight_activations (source_id, version, activated_by, activated_at, previous_id)
             VALUES ($1, $2, $3, $4, $5)"
                .into(),
            args![&id, &version, format!("job offline_weight_map (run {})", lease.run_id), now, previous],
        )
        .await?;
        insert_event(
            &mut tx,
            &EventRow {
                event_type: "weights_activated".into(),
                severity: "info".into(),
                component: "offline_weight_map".into(),
                message: format!(
                    "weight map {version} activated ({} samples)",
                    new.map.sample_size
                ),
                metadata: Some(serde_json::json!({"version": version, "run_id": lease.run_id})),
                created_at: now,
            },
        )
        .await?;
        let summary: WeightMapSummary = tx
            .fetch_optional(
                self.sql(&format!(
                    "SELECT {WEIGHT_SUMMARY_COLUMNS} FROM ({WEIGHT_SUMMARY_FROM}) x WHERE id = $1"
                )),
                args![&id],
            )
            .await?
            .ok_or_else(|| StoreError::Query("the new weight map vanished".into()))?;
        tx.commit().await?;
        Ok(Published::Activated(summary))
    }

    async fn weight_maps(&self, limit: i64) -> Result<Vec<WeightMapSummary>, StoreError> {
        self.db
            .fetch_all(
                self.sql(&format!(
                    "SELECT {WEIGHT_SUMMARY_COLUMNS} FROM ({WEIGHT_SUMMARY_FROM}) x
                     ORDER BY computed_at DESC, id DESC LIMIT $1"
                )),
                args![limit],
            )
            .await
    }

    async fn weight_map(&self, version: &str) -> Result<Option<WeightMapRecord>, StoreError> {
        self.db
            .fetch_optional(
                // xBOT's versions need not be unique: the newest of that name.
                self.sql(&format!(
                    "SELECT {RECORD_COLUMNS} FROM ({WEIGHT_SUMMARY_FROM}) x WHERE version = $1
                     ORDER BY computed_at DESC LIMIT 1"
                )),
                args![version],
            )
            .await
    }

    async fn weight_history(&self, limit: i64) -> Result<Vec<WeightMapRecord>, StoreError> {
        let mut rows: Vec<WeightMapRecord> = self
            .db
            .fetch_all(
                self.sql(&format!(
                    "SELECT {RECORD_COLUMNS} FROM ({WEIGHT_SUMMARY_FROM}) x
                     ORDER BY computed_at DESC, id DESC LIMIT $1"
                )),
                args![limit],
            )
            .await?;
        rows.reverse();
        Ok(rows)
    }

    async fn activate_weight_map(
        &self,
        version: &str,
        action_id: &str,
        operator: &crate::identity::Operator,
        now: DateTime<Utc>,
    ) -> Result<Activation, StoreError> {
        let src = self.src();
        let Some(table) = src.table("weights") else {
            return Err(StoreError::NotFound(
                "this database has no learning_model_weights table".into(),
            ));
        };
        let col = |c: &str| crate::store::source::quote_ident(src.col("weights", c).unwrap_or(c));
        let active_col = col("is_active");
        let mut tx = self.db.begin_write().await?;
        // Everything the activation reads, in one round trip: the action id's earlier
        // outcome, the target (by id, `#12`, or the newest map of that version name), the map
        // in force now (what xBOT's generatorMatcher reads) and how many rows say active.
        let target_sql = match version.strip_prefix('#') {
            Some(id) => (
                self.sql("SELECT id, COALESCE(version, '?') FROM {weights} w WHERE id = $1"),
                args![id],
            ),
            None => (
                self.sql(
                    "SELECT id, version FROM {weights} w WHERE version = $1
                     ORDER BY computed_at DESC, id DESC LIMIT 1",
                ),
                args![version],
            ),
        };
        let mut b = tx
            .fetch_batch(vec![
                (
                    "SELECT outcome FROM operator_audit WHERE action_id = $1".into(),
                    args![action_id],
                ),
                target_sql,
                (
                    self.sql(
                        "SELECT id, COALESCE(version, '?') FROM {weights} w WHERE is_active
                         ORDER BY computed_at DESC, id DESC LIMIT 1",
                    ),
                    vec![],
                ),
                (
                    self.sql("SELECT COUNT(*) FROM {weights} w WHERE is_active"),
                    vec![],
                ),
            ])
            .await?;
        let earlier: Option<(String,)> = b.take()?.into_iter().next();
        if let Some((outcome,)) = earlier {
            return Ok(Activation {
                outcome: format!("already done ({outcome})"),
                version: version.to_string(),
                id: String::new(),
                previous: None,
            });
        }
        let target: Option<(String, String)> = b.take()?.into_iter().next();
        let current: Option<(String, String)> = b.take()?.into_iter().next();
        let active_rows: (i64,) = b.take()?.into_iter().next().unwrap_or((0,));
        let Some((id, version)) = target else {
            return Err(StoreError::NotFound(format!(
                "no weight map {}",
                crate::text::inert(version)
            )));
        };
        let subject = format!("weights:{version}");
        if current.as_ref().is_some_and(|(c, _)| *c == id) && active_rows.0 == 1 {
            crate::store::ops::reviews::insert_audit(
                &mut tx,
                action_id,
                &subject,
                "activate_weights",
                Some(&version),
                Some(&version),
                "already active",
                operator,
                None,
                now,
            )
            .await?;
            tx.commit().await?;
            return Ok(Activation {
                outcome: "already active".into(),
                version,
                id,
                previous: current.map(|c| c.1),
            });
        }
        tx.execute_later(
            format!("UPDATE {table} SET {active_col} = FALSE WHERE {active_col}").into(),
            vec![],
        )
        .await?;
        tx.execute_later(
            format!(
                "UPDATE {table} SET {active_col} = TRUE WHERE {}",
                src.text_eq("weights", "id", "$1")
            )
            .into(),
            args![&id],
        )
        .await?;
        let previous = current.map(|c| c.1);
        tx.execute_later(
            "INSERT INTO weight_activations (source_id, version, activated_by, activated_at, previous_id)
             VALUES ($1, $2, $3, $4, $5)"
                .into(),
            args![&id, &version, operator.name(), now, previous.clone()],
        )
        .await?;
        crate::store::ops::reviews::insert_audit(
            &mut tx,
            action_id,
            &subject,
            "activate_weights",
            previous.as_deref(),
            Some(&version),
            "applied",
            operator,
            None,
            now,
        )
        .await?;
        insert_event(
            &mut tx,
            &EventRow {
                event_type: "weights_activated".into(),
                severity: "info".into(),
                component: "operator".into(),
                message: format!("weight map {version} activated by {}", operator.name()),
                metadata: Some(serde_json::json!({"version": version, "previous": previous})),
                created_at: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Activation {
            outcome: "activated".into(),
            version,
            id,
            previous,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ops::admin::AdminStore;
    use crate::store::sqlite::SqliteBackend;

    #[derive(sqlx::FromRow)]
    struct PlanRow {
        detail: String,
    }

    /// The SQLite aggregation must stay sort-free on a database without `sqlite_stat1` (a new
    /// or never-analysed one): each feature read along its covering index, nothing sorted.
    #[tokio::test]
    async fn the_sqlite_aggregation_groups_along_indexes_without_sorting() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteBackend::open(&dir.path().join("plan.db"), false)
            .await
            .unwrap();
        let store = SqlStore::new(db, "plan".into());
        store.migrate().await.unwrap();
        let mut args = args![0.0_f64, 0.0_f64];
        for _ in FEATURES {
            args.extend([Val::from(0.1), Val::from(0.1), Val::from(60.0)]);
        }
        let plan: Vec<PlanRow> = store
            .db
            .fetch_all(
                format!("EXPLAIN QUERY PLAN {}", aggregate_sql(BackendKind::Sqlite)).into(),
                args,
            )
            .await
            .unwrap();
        let plan: Vec<String> = plan.into_iter().map(|r| r.detail).collect();
        assert!(!plan.is_empty());
        assert!(!plan.iter().any(|d| d.contains("TEMP B-TREE")), "{plan:#?}");
        for feature in FEATURES {
            let col = feature.column();
            assert!(
                plan.iter().any(|d| d.contains("COVERING INDEX")
                    && d.contains(&format!("({col}=? AND posted_epoch>?)"))),
                "{col} is not read along its index: {plan:#?}"
            );
        }
    }
}
