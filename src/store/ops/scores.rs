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
    /// Columns of this outcome (or of its snapshots) holding something that is not a count:
    /// text such as 'NaN', NaN, ±∞, a fraction, a negative number. Such a row is not measured
    /// (every derived value NULL) and reported in the run's stats; it never stops the others.
    pub bad_columns: Vec<String>,
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
const NEEDS_SCORE: &str = "(s.score_version IS NULL OR s.score_version < $1 OR s.scored_at IS NULL
     OR (o.collected_at IS NOT NULL AND o.collected_at > s.scored_at)
     OR EXISTS (SELECT 1 FROM {follower_tracking} p
                WHERE p.decision_id = o.decision_id AND p.collected_at > s.scored_at))";

/// Outcomes joined with xbot's scores (one outcome per decision: xBOT upserts on decision_id).
const OUTCOMES_WITH_SCORES: &str = "{outcomes} o
     LEFT JOIN objective_scores s ON s.decision_id = o.decision_id";

/// The count columns read from `outcomes`.
const COUNT_COLUMNS: [&str; 5] = ["likes", "retweets", "replies", "views", "impressions"];

#[derive(sqlx::FromRow)]
struct OutcomeRowDb {
    id: String,
    decision_id: String,
    likes: Option<f64>,
    retweets: Option<f64>,
    replies: Option<f64>,
    views: Option<f64>,
    impressions: Option<f64>,
    /// Bit i set: COUNT_COLUMNS[i] holds a value that is not a number at all (SQLite text or
    /// blob), so it could not even be read as one.
    unreadable: i64,
}

#[derive(sqlx::FromRow)]
struct SnapshotRowDb {
    decision_id: String,
    hours_after_post: Option<f64>,
    follower_count: Option<f64>,
    unreadable: i64,
}

/// The bit mask of count columns whose stored value is not a number at all (bit i for
/// `COUNT_COLUMNS[i]`), from the source map's `__bad` flags.
fn unreadable_mask() -> String {
    let mask = COUNT_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} * MAX(o.{c}__bad)", 1 << i))
        .collect::<Vec<_>>()
        .join(" + ");
    format!("CAST({mask} AS BIGINT)")
}

/// A count as read: `Ok(None)` when NULL, `Ok(Some(n))` for a whole number ≥ 0, `Err(())` for
/// anything else (NaN, ±∞, a fraction, a negative number).
fn count_value(v: Option<f64>) -> Result<Option<i64>, ()> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x < 9.2e18 => {
            Ok(Some(x as i64))
        }
        Some(_) => Err(()),
    }
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
        // The counts as the source map reads them leniently (see `store::source`).
        let cols: Vec<String> = COUNT_COLUMNS
            .iter()
            .map(|c| format!("MAX(o.{c}__num) AS {c}"))
            .collect();
        let rows: Vec<OutcomeRowDb> = self
            .db
            .fetch_all(
                self.sql(&format!(
                    "SELECT o.decision_id AS id, o.decision_id, {}, {} AS unreadable
                     FROM {OUTCOMES_WITH_SCORES}
                     WHERE o.decision_id > $2 AND {NEEDS_SCORE}
                     GROUP BY o.decision_id
                     ORDER BY o.decision_id LIMIT $3",
                    cols.join(", "),
                    unreadable_mask()
                )),
                args![version, after_id, limit],
            )
            .await?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return Ok(Vec::new());
        };
        // The snapshots of exactly these outcomes, by their id range.
        let snaps: Vec<SnapshotRowDb> = self
            .db
            .fetch_all(
                self.sql(
                    "SELECT p.decision_id, p.hours_after_post__num AS hours_after_post,
                            p.follower_count__num AS follower_count,
                            CAST(p.hours_after_post__bad + 2 * p.follower_count__bad AS BIGINT)
                                AS unreadable
                     FROM {follower_tracking} p
                     WHERE p.decision_id BETWEEN $1 AND $2",
                ),
                args![&first.id, &last.id],
            )
            .await?;
        type Snaps = (Vec<(i64, Option<i64>)>, Vec<String>);
        let mut by_decision: std::collections::HashMap<String, Snaps> =
            std::collections::HashMap::new();
        for snap in snaps {
            let entry = by_decision.entry(snap.decision_id).or_default();
            let hours = count_value(snap.hours_after_post);
            let count = count_value(snap.follower_count);
            let bad_hours = snap.unreadable & 1 != 0 || hours.is_err();
            // A negative follower count is a failed scrape, which attribution already treats as
            // a missing snapshot; anything else that is not a count makes the row bad.
            let bad_count = snap.unreadable & 2 != 0
                || snap
                    .follower_count
                    .is_some_and(|x| !x.is_finite() || x.fract() != 0.0);
            if bad_hours {
                entry
                    .1
                    .push("post_follower_tracking.hours_after_post".into());
            }
            if bad_count {
                entry.1.push("post_follower_tracking.follower_count".into());
            }
            if let (Ok(Some(h)), false) = (hours, bad_count) {
                let count = match count {
                    Ok(c) => c,
                    Err(()) => snap.follower_count.map(|x| x as i64),
                };
                entry.0.push((h, count));
            }
        }
        Ok(rows
            .into_iter()
            .map(|r| {
                let (snapshots, mut bad_columns) =
                    by_decision.remove(&r.decision_id).unwrap_or_default();
                let mut read = |i: usize, v: Option<f64>| -> Option<i64> {
                    let value = if r.unreadable & (1 << i) != 0 {
                        Err(())
                    } else {
                        count_value(v)
                    };
                    value.unwrap_or_else(|()| {
                        bad_columns.push(format!("outcomes.{}", COUNT_COLUMNS[i]));
                        None
                    })
                };
                let likes = read(0, r.likes);
                let retweets = read(1, r.retweets);
                let replies = read(2, r.replies);
                let views = read(3, r.views);
                let impressions = read(4, r.impressions);
                bad_columns.sort();
                bad_columns.dedup();
                OutcomeToScore {
                    snapshots,
                    id: r.id,
                    decision_id: r.decision_id,
                    bad_columns,
                    likes,
                    retweets,
                    replies,
                    views,
                    impressions,
                }
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
        // The facts carry the scores: these decisions' facts follow at once.
        let ids: Vec<String> = updates.iter().map(|u| u.id.clone()).collect();
        self.sync_facts_for(&ids).await?;
        Ok(written)
    }
}
