//! Outcomes that need a (new) objective score, and writing the scores back.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::args;
use crate::store::backend::{Backend, BackendTx};
use crate::store::ops::jobs::{Lease, check_lease};
use crate::store::{SqlStore, StoreError};

/// An outcome to score, with its follower snapshots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeToScore {
    /// The page key: the decision id (xBOT's outcome ids are bigint or UUID).
    pub id: String,
    pub decision_id: String,
    pub likes: Option<i64>,
    pub retweets: Option<i64>,
    pub replies: Option<i64>,
    pub views: Option<i64>,
    pub impressions: Option<i64>,
    /// (hours after post, follower count)
    pub snapshots: Vec<(i64, Option<i64>)>,
}

/// A computed score to write.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreUpdate {
    /// The decision scored.
    pub id: String,
    pub engagement_rate: Option<f64>,
    pub followers_gained: Option<i64>,
    pub followers_gained_weighted: Option<f64>,
    pub attribution_confidence: Option<f64>,
    pub score: Option<f64>,
}

#[async_trait]
pub trait ScoreStore {
    /// How many outcomes need scoring: no score yet, an older score version, or metrics or
    /// snapshots collected since the last scoring.
    async fn count_outcomes_to_score(&self, version: i64) -> Result<i64, StoreError>;
    /// The next batch of them after `after_id`, in id order.
    async fn outcomes_to_score(
        &self,
        version: i64,
        after_id: &str,
        limit: i64,
    ) -> Result<Vec<OutcomeToScore>, StoreError>;
    /// Write a batch of scores in one transaction that still holds the lease.
    async fn write_scores(
        &self,
        lease: &Lease,
        version: i64,
        updates: &[ScoreUpdate],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}

/// xBOT's outcomes (through the source map) whose xbot score is missing, older than this
/// score version, or older than the metrics or follower snapshots it was computed from.
const NEEDS_SCORE: &str = "(s.score_version IS NULL OR s.score_version < $1
     OR (o.collected_at IS NOT NULL AND o.collected_at > s.scored_at)
     OR EXISTS (SELECT 1 FROM {follower_tracking} p
                WHERE p.decision_id = o.decision_id AND p.collected_at > s.scored_at))";

/// Outcomes joined with xbot's scores (one outcome per decision: xBOT upserts on decision_id).
const OUTCOMES_WITH_SCORES: &str = "{outcomes} o
     LEFT JOIN objective_scores s ON s.decision_id = o.decision_id";

#[derive(sqlx::FromRow)]
struct OutcomeRowDb {
    id: String,
    decision_id: String,
    likes: Option<i64>,
    retweets: Option<i64>,
    replies: Option<i64>,
    views: Option<i64>,
    impressions: Option<i64>,
}

#[async_trait]
impl<B: Backend> ScoreStore for SqlStore<B> {
    async fn count_outcomes_to_score(&self, version: i64) -> Result<i64, StoreError> {
        let (n,): (i64,) = self
            .db
            .fetch_optional(
                self.sql(&format!(
                    "SELECT COUNT(DISTINCT o.decision_id) FROM {OUTCOMES_WITH_SCORES}
                     WHERE o.decision_id IS NOT NULL AND {NEEDS_SCORE}"
                )),
                args![version],
            )
            .await?
            .unwrap_or((0,));
        Ok(n)
    }

    async fn outcomes_to_score(
        &self,
        version: i64,
        after_id: &str,
        limit: i64,
    ) -> Result<Vec<OutcomeToScore>, StoreError> {
        let rows: Vec<OutcomeRowDb> = self
            .db
            .fetch_all(
                self.sql(&format!(
                    "SELECT o.decision_id AS id, o.decision_id, MAX(o.likes) AS likes,
                            MAX(o.retweets) AS retweets, MAX(o.replies) AS replies,
                            MAX(o.views) AS views, MAX(o.impressions) AS impressions
                     FROM {OUTCOMES_WITH_SCORES}
                     WHERE o.decision_id > $2 AND {NEEDS_SCORE}
                     GROUP BY o.decision_id
                     ORDER BY o.decision_id LIMIT $3"
                )),
                args![version, after_id, limit],
            )
            .await?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return Ok(Vec::new());
        };
        // The snapshots of exactly these outcomes, by their id range.
        let snaps: Vec<(String, Option<i64>, Option<i64>)> = self
            .db
            .fetch_all(
                self.sql(
                    "SELECT p.decision_id, p.hours_after_post, p.follower_count
                 FROM {follower_tracking} p
                 WHERE p.decision_id BETWEEN $1 AND $2 AND p.hours_after_post IS NOT NULL",
                ),
                args![&first.id, &last.id],
            )
            .await?;
        let mut by_decision: std::collections::HashMap<String, Vec<(i64, Option<i64>)>> =
            std::collections::HashMap::new();
        for (decision_id, hours, count) in snaps {
            let Some(hours) = hours else { continue };
            by_decision
                .entry(decision_id)
                .or_default()
                .push((hours, count));
        }
        Ok(rows
            .into_iter()
            .map(|r| OutcomeToScore {
                snapshots: by_decision.remove(&r.decision_id).unwrap_or_default(),
                id: r.id,
                decision_id: r.decision_id,
                likes: r.likes,
                retweets: r.retweets,
                replies: r.replies,
                views: r.views,
                impressions: r.impressions,
            })
            .collect())
    }

    async fn write_scores(
        &self,
        lease: &Lease,
        version: i64,
        updates: &[ScoreUpdate],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.db.begin_write().await?;
        check_lease(&mut tx, B::KIND, lease, now).await?;
        let mut written = 0;
        for u in updates {
            written += tx
                .execute(
                    "INSERT INTO objective_scores (decision_id, engagement_rate, followers_gained,
                         followers_gained_weighted, attribution_confidence, score, score_version,
                         scored_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (decision_id) DO UPDATE SET
                         engagement_rate = excluded.engagement_rate,
                         followers_gained = excluded.followers_gained,
                         followers_gained_weighted = excluded.followers_gained_weighted,
                         attribution_confidence = excluded.attribution_confidence,
                         score = excluded.score, score_version = excluded.score_version,
                         scored_at = excluded.scored_at"
                        .into(),
                    args![
                        &u.id,
                        u.engagement_rate,
                        u.followers_gained,
                        u.followers_gained_weighted,
                        u.attribution_confidence,
                        u.score,
                        version,
                        now
                    ],
                )
                .await?;
        }
        tx.commit().await?;
        Ok(written)
    }
}
