//! Content as the AI layer sees it: what still needs the safety guard, planned posts with their
//! guard results, the texts of recent posts for the near-duplicate check, when each slot was
//! last used, the best and worst posts of a window, expert insights, and the active weight
//! map's weights. Every write that publishes a job's result is one transaction that still holds
//! the job's lease, so a run that lost its lease publishes nothing.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::args;
use crate::learning::weights::parse_weights_json;
use crate::store::backend::{Backend, BackendTx, Val};
use crate::store::ops::incidents::insert_event;
use crate::store::ops::jobs::{Lease, check_lease};
use crate::store::ops::learning::epoch;
use crate::store::source::quote_ident;
use crate::store::types::{ContentRow, EventRow, SafetyReviewRow};
use crate::store::{SqlStore, StoreError};

/// Content statuses the guard screens: made but not yet checked (and never posted).
pub const SCREENABLE_STATUSES: [&str; 2] = ["planned", "queued"];

/// A decision whose text has not been through the guard yet.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ContentToScreen {
    /// The decision.
    pub decision_id: String,
    /// single, thread or reply.
    pub decision_type: String,
    /// planned or queued.
    pub status: String,
    /// The text (a thread's first part).
    pub content: Option<String>,
    /// JSON text: a thread's parts.
    #[serde(serialize_with = "crate::text::json_text")]
    pub thread_parts: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl ContentToScreen {
    /// The texts to screen one by one: a thread's parts (when they parse), else the content.
    pub fn texts(&self) -> Vec<String> {
        if let Some(parts) = self
            .thread_parts
            .as_deref()
            .and_then(|p| serde_json::from_str::<Vec<String>>(p).ok())
            .filter(|p| !p.is_empty())
        {
            return parts;
        }
        vec![self.content.clone().unwrap_or_default()]
    }
}

/// The content row's new state after the guard decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentUpdate {
    /// queued, pending_review or rejected.
    pub status: String,
    /// The text to post, when the guard changed it (a rewrite or the disclaimer).
    pub content: Option<String>,
    /// A thread's parts to post, when the guard changed any.
    pub thread_parts: Option<Vec<String>>,
}

/// A recent post's text, for the near-duplicate check.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RecentText {
    /// The decision.
    pub decision_id: String,
    /// The text (a thread's first part).
    pub content: Option<String>,
    /// JSON text: a thread's parts.
    #[serde(serialize_with = "crate::text::json_text")]
    pub thread_parts: Option<String>,
}

impl RecentText {
    /// The whole text: a thread's parts joined by blank lines, else the content.
    pub fn full_text(&self) -> String {
        self.thread_parts
            .as_deref()
            .and_then(|p| serde_json::from_str::<Vec<String>>(p).ok())
            .filter(|p| !p.is_empty())
            .map(|p| p.join("\n\n"))
            .or_else(|| self.content.clone())
            .unwrap_or_default()
    }
}

/// A posted decision with its performance, for the expert review.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PostPerformance {
    /// The decision.
    pub decision_id: String,
    /// single, thread or reply.
    pub decision_type: Option<String>,
    /// Descriptors.
    pub generator_name: Option<String>,
    /// The content slot.
    pub content_slot: Option<String>,
    /// The topic.
    pub topic: Option<String>,
    /// The tone.
    pub tone: Option<String>,
    /// The angle.
    pub angle: Option<String>,
    /// The hook type.
    pub hook_type: Option<String>,
    /// The full text (a thread's first part).
    pub content: Option<String>,
    /// When it was posted.
    pub posted_at: DateTime<Utc>,
    /// The v2 objective score.
    pub score: Option<f64>,
    /// Impressions.
    pub impressions: Option<i64>,
    /// Likes.
    pub likes: Option<i64>,
    /// Engagement rate.
    pub engagement_rate: Option<f64>,
    /// Followers gained × attribution confidence.
    pub followers_gained_weighted: Option<f64>,
}

/// The best and the worst posts of a window (disjoint: a post is in one list only).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BestWorst {
    /// Highest score first.
    pub best: Vec<PostPerformance>,
    /// Lowest score first.
    pub worst: Vec<PostPerformance>,
}

/// An expert insight to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewInsight {
    /// The post it is about, if one.
    pub decision_id: Option<String>,
    /// best, worst or summary.
    pub kind: String,
    /// The model that wrote it (as the API reported it).
    pub model: Option<String>,
    /// The insight itself.
    pub insight: String,
    /// A list of recommendation strings.
    pub recommendations: Option<serde_json::Value>,
}

/// Content reads and writes for the AI layer (see the module comment).
#[async_trait]
pub trait ContentStore {
    /// Decisions in a [`SCREENABLE_STATUSES`] status without any safety review, oldest first.
    async fn content_to_screen(&self, limit: i64) -> Result<Vec<ContentToScreen>, StoreError>;

    /// One decision's type, status and texts, whatever its status.
    async fn decision(&self, decision_id: &str) -> Result<Option<ContentToScreen>, StoreError>;

    /// Record the guard's decision on existing content: its review rows (one per part), the
    /// content's new status (and text, when the guard changed it) and events, in one
    /// transaction. `Ok(false)` (nothing written) when the content was screened or changed
    /// meanwhile.
    async fn record_guard(
        &self,
        decision_id: &str,
        reviews: &[SafetyReviewRow],
        update: &ContentUpdate,
        events: &[EventRow],
        lease: Option<&Lease>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Insert a planned decision with its review rows and events, in one transaction.
    async fn insert_planned(
        &self,
        content: &ContentRow,
        reviews: &[SafetyReviewRow],
        events: &[EventRow],
        lease: Option<&Lease>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Texts of decisions made or posted since `since` that are not rejected, failed or
    /// skipped (the near-duplicate check's corpus).
    async fn recent_texts(&self, since: DateTime<Utc>) -> Result<Vec<RecentText>, StoreError>;

    /// When each slot was last used by a decision made since `since`.
    async fn slot_last_used(
        &self,
        since: DateTime<Utc>,
    ) -> Result<HashMap<String, DateTime<Utc>>, StoreError>;

    /// The `n` best and `n` worst scored posts posted in `[start, end)`.
    async fn best_and_worst(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        n: i64,
    ) -> Result<BestWorst, StoreError>;

    /// Store expert insights in one transaction that still holds the lease.
    async fn insert_insights(
        &self,
        insights: &[NewInsight],
        lease: Option<&Lease>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// The active weight map's weights (feature column → value → weight). `None` when no map
    /// is active or its payload cannot be parsed (logged).
    async fn active_weights(
        &self,
    ) -> Result<Option<BTreeMap<String, BTreeMap<String, f64>>>, StoreError>;
}

/// The status that holds a post back from xBOT's posting queue: xBOT's posting path picks
/// only `queued` rows, and xBOT parks rows itself with `blocked`; where a CHECK constraint on
/// the status allows no `blocked` (older layouts: queued/posted/skipped/failed), `skipped`.
pub(crate) fn hold_status(src: &crate::store::SourceMap) -> &'static str {
    let checks = src
        .rel("decisions")
        .map(|r| r.checks.as_slice())
        .unwrap_or(&[]);
    let constrained = checks.iter().any(|c| c.contains("status"));
    if constrained && !checks.iter().any(|c| c.contains("'blocked'")) {
        "skipped"
    } else {
        "blocked"
    }
}

/// Insert one review row inside a transaction.
async fn insert_review<T: BackendTx>(
    tx: &mut T,
    r: &SafetyReviewRow,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut v = args![
        &r.decision_id,
        r.part_index,
        &r.original_text,
        &r.proposed_rewrite,
        &r.risk_level
    ];
    v.push(Val::Json(Some(r.issues.clone())));
    v.push(Val::Json(Some(r.rule_hits.clone())));
    v.extend(args![
        &r.status,
        r.rewrite_attempts,
        &r.reviewer,
        &r.decided_by,
        r.decided_at,
        &r.note,
        &r.final_text,
        r.created_at,
        now
    ]);
    tx.execute(
        "INSERT INTO safety_reviews (decision_id, part_index, original_text, proposed_rewrite,
             risk_level, issues, rule_hits, status, rewrite_attempts, reviewer, decided_by,
             decided_at, note, final_text, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
            .into(),
        v,
    )
    .await
    .map(|_| ())
}

fn parts_json(parts: &Option<Vec<String>>) -> Val {
    Val::Json(parts.as_ref().map(|p| serde_json::Value::from(p.clone())))
}

const POST_COLUMNS: &str = "f.decision_id, f.decision_type, f.generator_name, f.content_slot, \
     f.topic, f.tone, f.angle, f.hook_type, c.content, f.posted_at, f.score, f.impressions, \
     f.likes, f.engagement_rate, f.followers_gained_weighted";

#[async_trait]
impl<B: Backend> ContentStore for SqlStore<B> {
    async fn content_to_screen(&self, limit: i64) -> Result<Vec<ContentToScreen>, StoreError> {
        self.db
            .fetch_all(
                self.sql(
                    "SELECT c.decision_id, COALESCE(c.decision_type, 'single') AS decision_type,
                        c.status, COALESCE(c.content, '') AS content,
                        CAST(c.thread_parts AS TEXT) AS thread_parts,
                        COALESCE(c.created_at, c.scheduled_at) AS created_at
                 FROM {decisions} c
                 WHERE c.status IN ('planned', 'queued')
                   AND COALESCE(c.created_at, c.scheduled_at) IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM safety_reviews r
                                   WHERE r.decision_id = c.decision_id)
                 ORDER BY 6, c.decision_id
                 LIMIT $1",
                ),
                args![limit],
            )
            .await
    }

    async fn decision(&self, decision_id: &str) -> Result<Option<ContentToScreen>, StoreError> {
        self.db
            .fetch_optional(
                self.sql(
                    "SELECT decision_id, COALESCE(decision_type, 'single') AS decision_type,
                        COALESCE(status, 'unknown') AS status, COALESCE(content, '') AS content,
                        CAST(thread_parts AS TEXT) AS thread_parts,
                        COALESCE(created_at, scheduled_at, posted_at) AS created_at
                 FROM {decisions} d WHERE decision_id = $1
                   AND COALESCE(created_at, scheduled_at, posted_at) IS NOT NULL
                 LIMIT 1",
                ),
                args![decision_id],
            )
            .await
    }

    async fn record_guard(
        &self,
        decision_id: &str,
        reviews: &[SafetyReviewRow],
        update: &ContentUpdate,
        events: &[EventRow],
        lease: Option<&Lease>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // Automated screening never changes the text of a post (xBOT's or anyone's): a text
        // changes only by an operator's decision. A rewrite the guard would have applied waits
        // for a person as a proposal; the short disclaimer is not appended. Content that
        // passes keeps its status; content that must wait or is rejected is held back from
        // xBOT's posting queue by a reversible status change, recorded in `holds`.
        let wants_rewrite = reviews.iter().any(|r| r.status == "auto_rewritten");
        let hold = update.status != "queued" || wants_rewrite;
        let reviews: Vec<SafetyReviewRow> = reviews
            .iter()
            .cloned()
            .map(|mut r| {
                if r.status == "auto_rewritten" {
                    r.status = "pending".into();
                    if r.proposed_rewrite.is_none() {
                        r.proposed_rewrite = r.final_text.clone();
                    }
                    r.final_text = None;
                }
                r
            })
            .collect();
        let src = self.src();
        let table = src
            .table("decisions")
            .ok_or_else(|| StoreError::NotInstalled("xBOT's decisions table is missing".into()))?
            .to_string();
        let status_col = quote_ident(src.col("decisions", "status").unwrap_or("status"));
        let id_eq = src.text_eq("decisions", "decision_id", "$1");
        let mut tx = self.db.begin_write().await?;
        if let Some(lease) = lease {
            check_lease(&mut tx, B::KIND, lease, now).await?;
        }
        // State-guarded: only content that is still unscreened changes.
        let current: Option<(String,)> = tx
            .fetch_optional(
                format!(
                    "SELECT CAST({status_col} AS TEXT) FROM {table}
                     WHERE {id_eq} AND {status_col} IN ('planned', 'queued')
                       AND NOT EXISTS (SELECT 1 FROM safety_reviews WHERE decision_id = $1)"
                )
                .into(),
                args![decision_id],
            )
            .await?;
        let Some((previous,)) = current else {
            // Dropping the transaction rolls it back.
            return Ok(false);
        };
        if hold {
            let held = hold_status(&src);
            let changed = tx
                .execute(
                    format!(
                        "UPDATE {table} SET {status_col} = $2
                         WHERE {id_eq} AND {status_col} = $3"
                    )
                    .into(),
                    args![decision_id, held, &previous],
                )
                .await?;
            if changed == 0 {
                return Ok(false);
            }
            let reason = if update.status == "rejected" {
                "rejected by the safety guard"
            } else {
                "waiting for a safety review"
            };
            tx.execute(
                "INSERT INTO holds (decision_id, previous_status, held_status, reason, held_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (decision_id) DO UPDATE SET previous_status = excluded.previous_status,
                     held_status = excluded.held_status, reason = excluded.reason,
                     held_at = excluded.held_at, released_at = NULL, released_to = NULL"
                    .into(),
                args![decision_id, &previous, held, reason, now],
            )
            .await?;
        }
        for r in &reviews {
            insert_review(&mut tx, r, now).await?;
        }
        for e in events {
            insert_event(&mut tx, e).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn insert_planned(
        &self,
        c: &ContentRow,
        reviews: &[SafetyReviewRow],
        events: &[EventRow],
        lease: Option<&Lease>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin_write().await?;
        if let Some(lease) = lease {
            check_lease(&mut tx, B::KIND, lease, now).await?;
        }
        // Into xBOT's table, in xBOT's columns (the plan job writes what xBOT's planJob would).
        let src = self.src();
        let table = src
            .table("decisions")
            .ok_or_else(|| StoreError::NotInstalled("xBOT's decisions table is missing".into()))?
            .to_string();
        let content = c.content.clone().unwrap_or_else(|| {
            c.thread_parts
                .as_ref()
                .map(|p| p.join("\n\n"))
                .unwrap_or_default()
        });
        let mut names: Vec<String> = Vec::new();
        let mut vals: Vec<Val> = Vec::new();
        let mut put = |canonical: &str, v: Val| {
            if let Some(col) = src.col("decisions", canonical) {
                names.push(quote_ident(col));
                vals.push(v);
            }
        };
        put("decision_id", Val::from(&c.decision_id));
        put("decision_type", Val::from(&c.decision_type));
        put("status", Val::from(&c.status));
        put("content", Val::from(content));
        put("thread_parts", parts_json(&c.thread_parts));
        put("raw_topic", Val::from(&c.raw_topic));
        put("angle", Val::from(&c.angle));
        put("tone", Val::from(&c.tone));
        put("generator_name", Val::from(&c.generator_name));
        put("content_slot", Val::from(&c.content_slot));
        put("hook_type", Val::from(&c.hook_type));
        put("cta_type", Val::from(&c.cta_type));
        put("target_username", Val::from(&c.target_username));
        put("target_tweet_id", Val::from(&c.target_tweet_id));
        put("created_at", Val::from(c.created_at));
        put("scheduled_at", Val::from(c.created_at));
        put("updated_at", Val::from(now));
        let placeholders: Vec<String> = (1..=vals.len()).map(|i| format!("${i}")).collect();
        tx.execute(
            format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                placeholders.join(", ")
            )
            .into(),
            vals,
        )
        .await?;
        for r in reviews {
            insert_review(&mut tx, r, now).await?;
        }
        for e in events {
            insert_event(&mut tx, e).await?;
        }
        tx.commit().await
    }

    async fn recent_texts(&self, since: DateTime<Utc>) -> Result<Vec<RecentText>, StoreError> {
        self.db
            .fetch_all(
                self.sql(
                    "SELECT decision_id, content, CAST(thread_parts AS TEXT) AS thread_parts
                 FROM {decisions} d
                 WHERE (created_at >= $1 OR posted_at >= $1)
                   AND COALESCE(status, '') NOT IN ('rejected', 'failed', 'skipped', 'blocked')
                 ORDER BY created_at DESC",
                ),
                args![since],
            )
            .await
    }

    async fn slot_last_used(
        &self,
        since: DateTime<Utc>,
    ) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
        let rows: Vec<(String, DateTime<Utc>)> = self
            .db
            .fetch_all(
                self.sql(
                    "SELECT content_slot, MAX(created_at) FROM {decisions} d
                 WHERE created_at >= $1 AND content_slot IS NOT NULL
                 GROUP BY content_slot",
                ),
                args![since],
            )
            .await?;
        Ok(rows.into_iter().collect())
    }

    async fn best_and_worst(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        n: i64,
    ) -> Result<BestWorst, StoreError> {
        let query = |order: &str| {
            format!(
                "SELECT {POST_COLUMNS}
                 FROM learning_facts f
                 LEFT JOIN {{decisions}} c ON c.decision_id = f.decision_id
                 WHERE f.posted_epoch >= $1 AND f.posted_epoch < $2
                   AND f.score IS NOT NULL AND f.score BETWEEN 0 AND 1
                 ORDER BY f.score {order}, f.decision_id {order}
                 LIMIT $3"
            )
        };
        let n = n.max(0);
        let best: Vec<PostPerformance> = self
            .db
            .fetch_all(self.sql(&query("DESC")), args![epoch(start), epoch(end), n])
            .await?;
        let mut worst: Vec<PostPerformance> = self
            .db
            .fetch_all(self.sql(&query("ASC")), args![epoch(start), epoch(end), n])
            .await?;
        // With fewer than 2n posts the lists overlap: a post is only "best" then.
        worst.retain(|w| !best.iter().any(|b| b.decision_id == w.decision_id));
        Ok(BestWorst { best, worst })
    }

    async fn insert_insights(
        &self,
        insights: &[NewInsight],
        lease: Option<&Lease>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.db.begin_write().await?;
        if let Some(lease) = lease {
            check_lease(&mut tx, B::KIND, lease, now).await?;
        }
        let mut written = 0;
        for i in insights {
            let mut v = args![now, &i.decision_id, &i.kind, &i.model, &i.insight];
            v.push(Val::Json(i.recommendations.clone()));
            v.push(Val::from(lease.map(|l| l.run_id)));
            written += tx
                .execute(
                    "INSERT INTO expert_insights (created_at, decision_id, kind, model, insight,
                         recommendations, job_run_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)"
                        .into(),
                    v,
                )
                .await?;
        }
        tx.commit().await?;
        Ok(written)
    }

    async fn active_weights(
        &self,
    ) -> Result<Option<BTreeMap<String, BTreeMap<String, f64>>>, StoreError> {
        let row: Option<(String, Option<String>)> = self
            .db
            .fetch_optional(
                // What xBOT's generatorMatcher reads: the newest active row.
                self.sql(
                    "SELECT COALESCE(version, '?'), CAST(weights AS TEXT) FROM {weights} w
                 WHERE is_active ORDER BY computed_at DESC, id DESC LIMIT 1",
                ),
                vec![],
            )
            .await?;
        let Some((version, Some(json))) = row else {
            return Ok(None);
        };
        match parse_weights_json(&json) {
            Ok(map) => Ok(Some(map)),
            Err(why) => {
                // A malformed map must not stop planning: plan as if there were none.
                tracing::warn!(version = %version, error = %why, "active weight map is unusable");
                Ok(None)
            }
        }
    }
}
