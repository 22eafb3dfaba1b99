//! Reply accounts: their reply statistics (aggregated in SQL, one row per account), new
//! priorities written in one transaction, and operator pins and mutes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::args;
use crate::identity::Operator;
use crate::learning::replies::{
    OperatorOverride, REPLY_DECAY_FLOOR, REPLY_DECAY_LAMBDA, ReplySums, STALE_AFTER_DAYS,
};
use crate::learning::reply_priorities::{AccountReplies, PriorityUpdate};
use crate::store::backend::Val;
use crate::store::backend::{Backend, BackendKind, BackendTx};
use crate::store::ops::jobs::{Audited, Lease, check_lease, earlier_with, for_update, write_audit};
use crate::store::ops::learning::{age_days_sql, epoch, greatest};
use crate::store::source::quote_ident;
use crate::store::{SqlStore, StoreError};

/// An open reply opportunity, for re-ranking.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct OpenOpportunity {
    /// xBOT's opportunity id as text (UUID there).
    pub id: String,
    pub account_username: String,
    pub relevance: Option<f64>,
    pub likes: Option<i64>,
}

/// A reply account as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AccountRecord {
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub follower_count: Option<i64>,
    pub priority_score: f64,
    pub priority_band: Option<String>,
    pub reply_performance_score: Option<f64>,
    pub last_successful_reply_at: Option<DateTime<Utc>>,
    pub replies_30d: i64,
    pub operator_override: String,
    pub override_by: Option<String>,
    pub override_at: Option<DateTime<Utc>>,
    pub priority_updated_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait ReplyStore {
    /// Per-account reply statistics at `now` (replies are posted decisions of type reply).
    async fn account_reply_stats(
        &self,
        now: DateTime<Utc>,
        tau: f64,
    ) -> Result<Vec<AccountReplies>, StoreError>;
    async fn open_opportunities(&self) -> Result<Vec<OpenOpportunity>, StoreError>;
    /// Write the new priorities in one transaction holding the lease.
    async fn publish_priorities(
        &self,
        lease: &Lease,
        updates: &[PriorityUpdate],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    async fn accounts(&self, limit: i64) -> Result<Vec<AccountRecord>, StoreError>;
    /// Pin, mute or clear an account, in one transaction with its audit row (action `pin`,
    /// `mute` or `clear_override`, subject `account:<username>`, the override before and after;
    /// outcome `unchanged` when it already was). The priority follows at once (pinned 1.0,
    /// muted 0); clearing leaves it to the next priority run. A repeated action id answers
    /// with its first outcome.
    async fn set_override(
        &self,
        username: &str,
        to: OperatorOverride,
        action_id: &str,
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<Audited, StoreError>;
}

#[derive(sqlx::FromRow)]
struct StatsRow {
    username: String,
    priority_base: Option<f64>,
    operator_override: String,
    stored_last_reply: Option<DateTime<Utc>>,
    n_30d: i64,
    m_30d: i64,
    sum_dc_30d: Option<f64>,
    sum_d_30d: Option<f64>,
    m_all: i64,
    sum_dc_all: Option<f64>,
    sum_d_all: Option<f64>,
    last_reply_at: Option<DateTime<Utc>>,
}

fn stats_sql(kind: BackendKind) -> String {
    let age = age_days_sql(kind);
    let greatest = greatest(kind);
    // $1 now, $2 τ. A reply is measured when it has a weighted follower gain (finite, ≥ 0) and a
    // score in [0, 1]; only measured replies enter the sums (an unmeasured one is left out, never
    // 0), but every reply counts towards replies_30d. (A text such as 'NaN' in a numeric SQLite
    // column compares above every number, so it fails the upper bounds and is unmeasured.)
    format!(
        "WITH r AS (
            SELECT target_username AS username, posted_at, {age} AS age,
                   CASE WHEN followers_gained_weighted >= 0
                         AND followers_gained_weighted <= 1e300
                         AND score BETWEEN 0 AND 1
                        THEN 1 ELSE 0 END AS measured,
                   followers_gained_weighted AS fgw, score AS s
            FROM learning_facts
            WHERE decision_type = 'reply' AND target_username IS NOT NULL
        ), w AS (
            SELECT username, posted_at, age, measured,
                   {greatest}({floor}, exp(-{lambda} * age)) AS d,
                   CASE WHEN measured = 1
                        THEN 0.6 * (1.0 - exp(-fgw / $2)) + 0.4 * s END AS c
            FROM r
        )
        SELECT a.username, st.priority_base,
               COALESCE(st.operator_override, 'none') AS operator_override,
               a.last_successful_reply_at AS stored_last_reply,
               COUNT(CASE WHEN w.age <= {window} THEN 1 END) AS n_30d,
               COUNT(CASE WHEN w.age <= {window} AND w.measured = 1 THEN 1 END) AS m_30d,
               SUM(CASE WHEN w.age <= {window} AND w.measured = 1 THEN w.d * w.c END)
                   AS sum_dc_30d,
               SUM(CASE WHEN w.age <= {window} AND w.measured = 1 THEN w.d END) AS sum_d_30d,
               COUNT(CASE WHEN w.measured = 1 THEN 1 END) AS m_all,
               SUM(CASE WHEN w.measured = 1 THEN w.d * w.c END) AS sum_dc_all,
               SUM(CASE WHEN w.measured = 1 THEN w.d END) AS sum_d_all,
               MAX(w.posted_at) AS last_reply_at
        FROM {{accounts}} a
        LEFT JOIN account_state st ON st.username = a.username
        LEFT JOIN w ON w.username = a.username
        WHERE a.username IS NOT NULL
        GROUP BY a.username, st.priority_base, st.operator_override, a.last_successful_reply_at
        ORDER BY a.username",
        floor = REPLY_DECAY_FLOOR,
        lambda = REPLY_DECAY_LAMBDA,
        window = STALE_AFTER_DAYS,
    )
}

fn sums(n: i64, sum_dc: Option<f64>, sum_d: Option<f64>) -> ReplySums {
    match (sum_dc, sum_d) {
        (Some(dc), Some(d)) if n > 0 && dc.is_finite() && d.is_finite() && d > 0.0 => ReplySums {
            n: u32::try_from(n).unwrap_or(u32::MAX),
            sum_d: d,
            sum_dc: dc,
        },
        _ => ReplySums::default(),
    }
}

#[async_trait]
impl<B: Backend> ReplyStore for SqlStore<B> {
    async fn account_reply_stats(
        &self,
        now: DateTime<Utc>,
        tau: f64,
    ) -> Result<Vec<AccountReplies>, StoreError> {
        let rows: Vec<StatsRow> = self
            .db
            .fetch_all(self.sql(&stats_sql(B::KIND)), args![epoch(now), tau])
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| AccountReplies {
                replies_30d: u32::try_from(r.n_30d.max(0)).unwrap_or(u32::MAX),
                recent: sums(r.m_30d, r.sum_dc_30d, r.sum_d_30d),
                all: sums(r.m_all, r.sum_dc_all, r.sum_d_all),
                last_successful_reply_at: r.last_reply_at.or(r.stored_last_reply),
                base: r
                    .priority_base
                    .filter(|p| p.is_finite())
                    .map(|p| p.clamp(0.0, 1.0)),
                // An unknown override value in the table counts as none.
                operator_override: OperatorOverride::parse(&r.operator_override)
                    .unwrap_or(OperatorOverride::None),
                username: r.username,
            })
            .collect())
    }

    async fn open_opportunities(&self) -> Result<Vec<OpenOpportunity>, StoreError> {
        self.db
            .fetch_all(
                // xBOT's open opportunities ('pending' in xBOT's schema, 'open' in older ones).
                self.sql(
                    "SELECT id, account_username, relevance, likes FROM {opportunities} o
                 WHERE status IN ('open', 'pending') AND id IS NOT NULL
                   AND account_username IS NOT NULL ORDER BY id",
                ),
                vec![],
            )
            .await
    }

    async fn publish_priorities(
        &self,
        lease: &Lease,
        updates: &[PriorityUpdate],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.db.begin_write().await?;
        check_lease(&mut tx, B::KIND, lease, now).await?;
        // xBOT's reply targeting reads priority_score (and reply_performance_score) from its
        // discovered_accounts: those two are written there, in xBOT's columns. The rest of
        // xbot's per-account state lives in xbot's account_state.
        let src = self.src();
        let table = src.table("accounts").map(str::to_string);
        let user_eq = src.text_eq("accounts", "username", "$1");
        let mut written = 0;
        for u in updates {
            if let Some(table) = &table {
                let mut sets = Vec::new();
                let mut vals = args![&u.username];
                let mut put = |canonical: &str, v: Val| {
                    if let Some(c) = src.col("accounts", canonical) {
                        sets.push(format!("{} = ${}", quote_ident(c), vals.len() + 1));
                        vals.push(v);
                    }
                };
                put("priority_score", Val::from(u.priority));
                put("reply_performance_score", Val::from(u.performance));
                put(
                    "last_successful_reply_at",
                    Val::from(u.last_successful_reply_at),
                );
                if !sets.is_empty() {
                    written += tx
                        .execute(
                            format!("UPDATE {table} SET {} WHERE {user_eq}", sets.join(", "))
                                .into(),
                            vals,
                        )
                        .await?;
                }
            }
            tx.execute(
                "INSERT INTO account_state (username, priority_band, replies_30d,
                     priority_updated_at, priority_base)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (username) DO UPDATE SET priority_band = excluded.priority_band,
                     replies_30d = excluded.replies_30d,
                     priority_updated_at = excluded.priority_updated_at,
                     priority_base = COALESCE(excluded.priority_base, account_state.priority_base)"
                    .into(),
                args![&u.username, &u.band, u.replies_30d, now, u.base],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(written)
    }

    async fn set_override(
        &self,
        username: &str,
        to: OperatorOverride,
        action_id: &str,
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<Audited, StoreError> {
        let action = match to {
            OperatorOverride::Pinned => "pin",
            OperatorOverride::Muted => "mute",
            OperatorOverride::None => "clear_override",
        };
        let subject = format!("account:{username}");
        let mut tx = self.db.begin_write().await?;
        // The earlier outcome, the account, and its override as it is now (locked on
        // Postgres so that two operators' changes are audited in the order they land), in
        // one round trip.
        let src = self.src();
        let (first, mut b) = earlier_with(
            &mut tx,
            action_id,
            &subject,
            action,
            vec![
                (
                    self.sql(
                        "SELECT CAST(1 AS BIGINT) FROM {accounts} a WHERE a.username = $1 LIMIT 1",
                    ),
                    args![username],
                ),
                (
                    format!(
                        "SELECT operator_override FROM account_state WHERE username = $1{}",
                        for_update(B::KIND)
                    )
                    .into(),
                    args![username],
                ),
            ],
        )
        .await?;
        if let Some(first) = first {
            return Ok(first);
        }
        let found: Option<(i64,)> = b.take()?.into_iter().next();
        if found.is_none() {
            return Err(StoreError::NotFound(format!("no account @{username}")));
        }
        let from: Option<(String,)> = b.take()?.into_iter().next();
        let from = from.map_or_else(|| "none".to_string(), |(f,)| f);
        let mut row = Audited {
            action_id: action_id.to_string(),
            subject,
            action: action.to_string(),
            from_state: Some(from.clone()),
            to_state: Some(to.as_str().to_string()),
            outcome: "applied".into(),
            repeated: false,
        };
        if from == to.as_str() {
            row.outcome = "unchanged".into();
            write_audit(&mut tx, &row, operator, None, now).await?;
            tx.commit().await?;
            return Ok(row);
        }
        tx.execute_later(
            "INSERT INTO account_state (username, operator_override, override_by, override_at,
                 priority_band)
             VALUES ($1, $2, $3, $4, CASE WHEN $2 = 'none' THEN NULL ELSE $2 END)
             ON CONFLICT (username) DO UPDATE SET operator_override = excluded.operator_override,
                 override_by = excluded.override_by, override_at = excluded.override_at,
                 priority_band = CASE WHEN excluded.operator_override = 'none'
                                      THEN account_state.priority_band
                                      ELSE excluded.operator_override END"
                .into(),
            args![username, to.as_str(), operator.name(), now],
        )
        .await?;
        // A pin or mute is a priority xBOT's reply targeting must see at once.
        if let (Some(table), Some(col), OperatorOverride::Pinned | OperatorOverride::Muted) = (
            src.table("accounts"),
            src.col("accounts", "priority_score"),
            to,
        ) {
            let p = if to == OperatorOverride::Pinned {
                1.0
            } else {
                0.0
            };
            tx.execute_later(
                format!(
                    "UPDATE {table} SET {} = $2 WHERE {}",
                    quote_ident(col),
                    src.text_eq("accounts", "username", "$1")
                )
                .into(),
                args![username, p],
            )
            .await?;
        }
        write_audit(&mut tx, &row, operator, None, now).await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn accounts(&self, limit: i64) -> Result<Vec<AccountRecord>, StoreError> {
        self.db
            .fetch_all(
                self.sql(
                    "SELECT COALESCE(a.id, 0) AS id, a.username, a.display_name, a.follower_count,
                        COALESCE(a.priority_score, 0.5) AS priority_score, st.priority_band,
                        a.reply_performance_score, a.last_successful_reply_at,
                        COALESCE(st.replies_30d, 0) AS replies_30d,
                        COALESCE(st.operator_override, 'none') AS operator_override,
                        st.override_by, st.override_at, st.priority_updated_at
                 FROM {accounts} a
                 LEFT JOIN account_state st ON st.username = a.username
                 WHERE a.username IS NOT NULL
                 ORDER BY COALESCE(a.priority_score, 0.5) DESC, a.username LIMIT $1",
                ),
                args![limit],
            )
            .await
    }
}
