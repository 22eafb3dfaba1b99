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
    pub id: i64,
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
    pub id: i64,
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
        after_id: i64,
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

const NEEDS_SCORE: &str = "(o.score_version IS NULL OR o.score_version < $1 OR o.scored_at IS NULL
     OR (o.collected_at IS NOT NULL AND o.collected_at > o.scored_at)
     OR EXISTS (SELECT 1 FROM post_follower_tracking p
                WHERE p.decision_id = o.decision_id AND p.collected_at > o.scored_at))";

#[derive(sqlx::FromRow)]
struct OutcomeRowDb {
    id: i64,
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
                format!("SELECT COUNT(*) FROM outcomes o WHERE {NEEDS_SCORE}").into(),
                args![version],
            )
            .await?
            .unwrap_or((0,));
        Ok(n)
    }

    async fn outcomes_to_score(
        &self,
        version: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<OutcomeToScore>, StoreError> {
        let rows: Vec<OutcomeRowDb> = self
            .db
            .fetch_all(
                format!(
                    "SELECT o.id, o.decision_id, o.likes, o.retweets, o.replies, o.views, o.impressions
                     FROM outcomes o
                     WHERE o.id > $2 AND {NEEDS_SCORE}
                     ORDER BY o.id LIMIT $3"
                )
                .into(),
                args![version, after_id, limit],
            )
            .await?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return Ok(Vec::new());
        };
        // The snapshots of exactly these outcomes, by their id range.
        let snaps: Vec<(String, i64, Option<i64>)> = self
            .db
            .fetch_all(
                "SELECT p.decision_id, p.hours_after_post, p.follower_count
                 FROM post_follower_tracking p
                 JOIN outcomes o ON o.decision_id = p.decision_id
                 WHERE o.id BETWEEN $1 AND $2"
                    .into(),
                args![first.id, last.id],
            )
            .await?;
        let mut by_decision: std::collections::HashMap<String, Vec<(i64, Option<i64>)>> =
            std::collections::HashMap::new();
        for (decision_id, hours, count) in snaps {
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
                    "UPDATE outcomes SET engagement_rate = $2, followers_gained = $3,
                         followers_gained_weighted = $4, attribution_confidence = $5,
                         primary_objective_score = $6, score_version = $7, scored_at = $8
                     WHERE id = $1"
                        .into(),
                    args![
                        u.id,
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
