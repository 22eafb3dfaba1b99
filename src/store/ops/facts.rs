//! What the console reads from `learning_facts` and the content tables: the Outcomes tab's
//! keyset-paged list (never all rows in memory; filters and sorts in the database, on indexes),
//! a decision's full detail, today's posts per slot, an account's reply history.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::args;
use crate::store::backend::{Backend, BackendTx, Sql, Val};
use crate::store::{Read, Reads, ReadsStore, SqlStore, StoreError};

/// One row of the Outcomes list.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct FactRow {
    pub decision_id: String,
    pub decision_type: Option<String>,
    pub topic: Option<String>,
    pub tone: Option<String>,
    pub generator_name: Option<String>,
    pub content_slot: Option<String>,
    pub hook_type: Option<String>,
    pub content_preview: Option<String>,
    pub target_username: Option<String>,
    pub posted_at: DateTime<Utc>,
    pub posted_epoch: f64,
    pub impressions: Option<i64>,
    pub likes: Option<i64>,
    pub engagement_rate: Option<f64>,
    pub followers_gained_weighted: Option<f64>,
    pub score: Option<f64>,
    pub score_version: Option<i64>,
}

const FACT_COLUMNS: &str = "decision_id, decision_type, topic, tone, generator_name, content_slot, \
     hook_type, content_preview, target_username, posted_at, posted_epoch, impressions, likes, \
     engagement_rate, followers_gained_weighted, score, score_version";

/// The sort orders of the Outcomes list (each served by an index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum FactSort {
    #[default]
    Posted,
    Score,
}

impl FactSort {
    pub fn label(self) -> &'static str {
        match self {
            FactSort::Posted => "posted",
            FactSort::Score => "score",
        }
    }
}

/// A narrowing of the Outcomes list: `field:value` terms match exactly (generator, topic,
/// slot, tone, type, hook), anything else searches the text, descriptors and ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FactFilter {
    pub exact: Vec<(String, String)>,
    pub text: Option<String>,
}

impl FactFilter {
    /// Parse what the operator typed after `/`.
    pub fn parse(input: &str) -> FactFilter {
        let mut f = FactFilter::default();
        let mut words = Vec::new();
        for term in input.split_whitespace() {
            let column = term.split_once(':').and_then(|(field, value)| {
                let col = match field.to_ascii_lowercase().as_str() {
                    "generator" | "gen" => "generator_name",
                    "topic" => "topic",
                    "slot" => "content_slot",
                    "tone" => "tone",
                    "type" => "decision_type",
                    "hook" => "hook_type",
                    _ => return None,
                };
                (!value.is_empty()).then(|| (col.to_string(), value.to_string()))
            });
            match column {
                Some(pair) => f.exact.push(pair),
                None => words.push(term),
            }
        }
        if !words.is_empty() {
            f.text = Some(words.join(" "));
        }
        f
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.text.is_none()
    }
}

/// Where a page starts: after (or before) a row, by the sort's key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactCursor {
    pub key: Option<f64>,
    pub decision_id: String,
}

/// A page request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactQuery {
    pub filter: FactFilter,
    pub sort: FactSort,
    /// Descending (newest, best first) unless reversed.
    pub descending: bool,
    /// Rows after this one in the sort order; `None` is the first page.
    pub after: Option<FactCursor>,
    pub limit: i64,
}

/// Everything about one decision, for the detail view.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DecisionDetail {
    pub decision_id: String,
    pub decision_type: String,
    pub status: String,
    pub content: Option<String>,
    #[serde(serialize_with = "crate::text::json_text")]
    pub thread_parts: Option<String>,
    pub raw_topic: Option<String>,
    pub angle: Option<String>,
    pub tone: Option<String>,
    pub generator_name: Option<String>,
    pub content_slot: Option<String>,
    pub hook_type: Option<String>,
    pub cta_type: Option<String>,
    pub target_username: Option<String>,
    pub tweet_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub posted_at: Option<DateTime<Utc>>,
    pub impressions: Option<i64>,
    pub views: Option<i64>,
    pub likes: Option<i64>,
    pub retweets: Option<i64>,
    pub replies: Option<i64>,
    pub bookmarks: Option<i64>,
    pub engagement_rate: Option<f64>,
    pub followers_gained: Option<i64>,
    pub followers_gained_weighted: Option<f64>,
    pub attribution_confidence: Option<f64>,
    pub primary_objective_score: Option<f64>,
    pub score_version: Option<i64>,
    pub simulated: Option<bool>,
}

/// Posts of one slot on one day, by status.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SlotCount {
    pub content_slot: String,
    pub status: String,
    pub posts: i64,
}

#[async_trait]
pub trait FactsStore {
    async fn facts_page(&self, q: &FactQuery) -> Result<Vec<FactRow>, StoreError>;
    /// [`FactsStore::facts_page`] as one read to send with others; call
    /// [`FactsStore::refresh_facts_with`] first for a first page.
    fn read_facts_page(&self, r: &mut Reads, q: &FactQuery) -> Read<Vec<FactRow>>;
    /// Before reads of the facts: bring them up to date with xBOT's tables, in the same batch
    /// as `r` when that saves a round trip.
    async fn refresh_facts_with(&self, r: &mut Reads) -> Result<(), StoreError>;
    async fn decision_detail(
        &self,
        decision_id: &str,
    ) -> Result<Option<DecisionDetail>, StoreError>;
    /// Decisions created in the window, per slot and status.
    async fn slot_counts(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<SlotCount>, StoreError>;
    /// [`FactsStore::slot_counts`] as one read to send with others.
    fn read_slot_counts(
        &self,
        r: &mut Reads,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Read<Vec<SlotCount>>;
    /// Bring xbot's derived facts up to date with xBOT's tables (see `sync_facts_full`).
    async fn sync_facts(&self) -> Result<FactsSync, StoreError>;
    /// Replies posted to an account, newest first.
    async fn account_replies(&self, username: &str, limit: i64)
    -> Result<Vec<FactRow>, StoreError>;
}

#[async_trait]
impl<B: Backend> FactsStore for SqlStore<B> {
    async fn facts_page(&self, q: &FactQuery) -> Result<Vec<FactRow>, StoreError> {
        let mut r = Reads::new();
        if q.after.is_none() {
            // The first page shows what xBOT wrote since the last look (no triggers).
            self.refresh_facts_with(&mut r).await?;
        }
        let read = self.read_facts_page(&mut r, q);
        let mut b = self.fetch_reads(r).await?;
        read.take(&mut b)
    }

    async fn refresh_facts_with(&self, r: &mut Reads) -> Result<(), StoreError> {
        self.refresh_facts_in(r, FACTS_MAX_AGE).await
    }

    fn read_facts_page(&self, r: &mut Reads, q: &FactQuery) -> Read<Vec<FactRow>> {
        let mut conds: Vec<String> = Vec::new();
        let mut args: Vec<Val> = Vec::new();
        let bind = |v: Val, args: &mut Vec<Val>| {
            args.push(v);
            format!("${}", args.len())
        };
        for (col, value) in &q.filter.exact {
            // Column names come from FactFilter::parse's closed list.
            let p = bind(Val::from(value.as_str()), &mut args);
            conds.push(format!("{col} = {p}"));
        }
        if let Some(text) = &q.filter.text {
            let p = bind(Val::from(format!("%{}%", text.to_lowercase())), &mut args);
            conds.push(format!(
                "(LOWER(COALESCE(content_preview, '')) LIKE {p}
                  OR LOWER(COALESCE(generator_name, '')) LIKE {p}
                  OR LOWER(COALESCE(topic, '')) LIKE {p}
                  OR LOWER(COALESCE(content_slot, '')) LIKE {p}
                  OR LOWER(COALESCE(target_username, '')) LIKE {p}
                  OR decision_id LIKE {p})"
            ));
        }
        let (key, nulls) = match q.sort {
            FactSort::Posted => ("posted_epoch", false),
            FactSort::Score => ("score", true),
        };
        let (cmp, dir) = if q.descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        // Unscored rows sort after every score when descending and before when ascending:
        // exactly one order and its reverse, so one index serves both directions.
        if let Some(c) = &q.after {
            let id = bind(Val::from(c.decision_id.as_str()), &mut args);
            let after_null = if nulls && q.descending {
                format!(" OR {key} IS NULL")
            } else {
                String::new()
            };
            match c.key {
                Some(k) => {
                    let kp = bind(Val::from(k), &mut args);
                    conds.push(format!(
                        "({key} {cmp} {kp} OR ({key} = {kp} AND decision_id {cmp} {id}){after_null})"
                    ));
                }
                None if q.descending => {
                    conds.push(format!("({key} IS NULL AND decision_id {cmp} {id})"))
                }
                None => conds.push(format!(
                    "(({key} IS NULL AND decision_id {cmp} {id}) OR {key} IS NOT NULL)"
                )),
            }
        }
        let limit = bind(Val::from(q.limit.clamp(1, 1000)), &mut args);
        let where_sql = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        let order = if nulls {
            let placement = if q.descending {
                "NULLS LAST"
            } else {
                "NULLS FIRST"
            };
            format!("{key} {dir} {placement}, decision_id {dir}")
        } else {
            format!("{key} {dir}, decision_id {dir}")
        };
        r.rows(
            format!("SELECT {FACT_COLUMNS} FROM learning_facts {where_sql} ORDER BY {order} LIMIT {limit}").into(),
            args,
        )
    }

    async fn decision_detail(
        &self,
        decision_id: &str,
    ) -> Result<Option<DecisionDetail>, StoreError> {
        // xbot's own score and attribution first; xBOT's where xbot has none.
        self.db
            .fetch_optional(
                self.sql(
                    "SELECT c.decision_id, COALESCE(c.decision_type, 'single') AS decision_type,
                        COALESCE(c.status, 'unknown') AS status, c.content,
                        CAST(c.thread_parts AS TEXT) AS thread_parts, c.raw_topic, c.angle, c.tone,
                        c.generator_name, c.content_slot, c.hook_type, c.cta_type, c.target_username,
                        c.tweet_id, COALESCE(c.created_at, c.posted_at) AS created_at, c.posted_at,
                        o.impressions, o.views, o.likes,
                        o.retweets, o.replies, o.bookmarks,
                        COALESCE(s.engagement_rate, o.engagement_rate) AS engagement_rate,
                        COALESCE(s.followers_gained, o.followers_gained) AS followers_gained,
                        COALESCE(s.followers_gained_weighted, o.followers_gained_weighted)
                            AS followers_gained_weighted,
                        s.attribution_confidence,
                        COALESCE(s.score, o.primary_objective_score) AS primary_objective_score,
                        s.score_version, COALESCE(o.simulated, false) AS simulated
                 FROM {decisions} c
                 LEFT JOIN {outcomes} o ON o.decision_id = c.decision_id
                 LEFT JOIN objective_scores s ON s.decision_id = c.decision_id
                 WHERE c.decision_id = $1
                 LIMIT 1",
                ),
                args![decision_id],
            )
            .await
    }

    async fn slot_counts(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<SlotCount>, StoreError> {
        self.read_alone(|r| self.read_slot_counts(r, start, end))
            .await
    }

    fn read_slot_counts(
        &self,
        r: &mut Reads,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Read<Vec<SlotCount>> {
        r.rows(
            self.sql(
                "SELECT content_slot, COALESCE(status, 'unknown') AS status, COUNT(*) AS posts
                 FROM {decisions} d
                 WHERE created_at >= $1 AND created_at < $2 AND content_slot IS NOT NULL
                 GROUP BY content_slot, COALESCE(status, 'unknown') ORDER BY 1, 2",
            ),
            args![start, end],
        )
    }

    async fn sync_facts(&self) -> Result<FactsSync, StoreError> {
        self.sync_facts_full().await
    }

    async fn account_replies(
        &self,
        username: &str,
        limit: i64,
    ) -> Result<Vec<FactRow>, StoreError> {
        self.db
            .fetch_all(
                format!(
                    "SELECT {FACT_COLUMNS} FROM learning_facts
                     WHERE decision_type = 'reply' AND target_username = $1
                     ORDER BY posted_epoch DESC LIMIT $2"
                )
                .into(),
                args![username, limit],
            )
            .await
    }
}

/// What bringing `learning_facts` up to date did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FactsSync {
    /// Posted decisions in xBOT's tables.
    pub rows: i64,
    /// Facts inserted or changed.
    pub changed: i64,
    /// Facts removed (their decision is gone or no longer posted).
    pub removed: i64,
}

/// The facts of every posted decision, read from xBOT's tables through the source map and
/// xbot's own scores. What xBOT's `vw_learning` defined, without depending on that view
/// (xBOT drops and recreates it): metrics from outcomes first, then tweet_metrics, then
/// learning_posts; simulated outcomes left out.
fn facts_select(kind: crate::store::BackendKind, filter: &str) -> String {
    let epoch = match kind {
        crate::store::BackendKind::Postgres => "date_part('epoch', d.posted_at)",
        // Runs only inside xbot (bundled SQLite, 3.42 or later), never in a trigger that
        // another sqlite3 would have to run.
        crate::store::BackendKind::Sqlite => "unixepoch(d.posted_at, 'subsec')",
    };
    let (distinct, group) = match kind {
        crate::store::BackendKind::Postgres => (
            "DISTINCT ON (d.decision_id) ",
            "ORDER BY d.decision_id, o.collected_at DESC NULLS LAST",
        ),
        crate::store::BackendKind::Sqlite => ("", "GROUP BY d.decision_id"),
    };
    format!(
        "SELECT {distinct}d.decision_id, COALESCE(d.decision_type, 'single') AS decision_type,
                d.raw_topic AS topic, d.angle, d.tone, d.generator_name, d.content_slot,
                COALESCE(o.hook_type, d.hook_type) AS hook_type,
                COALESCE(o.cta_type, d.cta_type) AS cta_type,
                substr(d.content, 1, 200) AS content_preview, d.target_username, d.posted_at,
                {epoch} AS posted_epoch,
                COALESCE(o.impressions, tm.impressions, lp.impressions) AS impressions,
                o.views,
                COALESCE(o.likes, tm.likes, lp.likes) AS likes,
                COALESCE(o.retweets, tm.retweets) AS retweets,
                COALESCE(o.replies, tm.replies) AS replies,
                COALESCE(s.engagement_rate, o.engagement_rate, lp.engagement_rate) AS engagement_rate,
                COALESCE(s.followers_gained_weighted, o.followers_gained_weighted)
                    AS followers_gained_weighted,
                s.score, s.score_version
         FROM {{decisions}} d
         LEFT JOIN {{outcomes}} o ON o.decision_id = d.decision_id
         LEFT JOIN {{tweet_metrics}} tm ON tm.tweet_id = d.tweet_id
         LEFT JOIN {{learning_posts}} lp ON lp.tweet_id = d.tweet_id
         LEFT JOIN objective_scores s ON s.decision_id = d.decision_id
         WHERE d.status = 'posted' AND d.posted_at IS NOT NULL AND d.decision_id IS NOT NULL
           AND COALESCE(o.simulated, false) = false
           {filter}
         {group}"
    )
}

/// The rows an incremental sync looks at: anything whose source row says it changed since
/// `$2` (xBOT stamps `updated_at` / `collected_at` on its writes; xbot stamps `scored_at`).
const CHANGED_SINCE: &str = "AND (d.updated_at >= $2 OR d.posted_at >= $2 OR o.updated_at >= $2
                OR tm.updated_at >= $2 OR lp.updated_at >= $2 OR s.scored_at >= $2)";

/// Every posted decision with all its columns (what the old `vw_learning` gave): the naive
/// fetch-every-row baseline of `xbot bench weights`.
pub(crate) fn learning_view_select() -> &'static str {
    "SELECT d.decision_id, COALESCE(d.decision_type, 'single') AS decision_type,
            d.raw_topic AS topic, d.angle, d.tone, d.generator_name, d.content_slot,
            COALESCE(o.hook_type, d.hook_type) AS hook_type,
            COALESCE(o.cta_type, d.cta_type) AS cta_type, o.structure_type, d.content,
            d.target_username, d.tweet_id, COALESCE(d.created_at, d.posted_at) AS created_at,
            d.posted_at,
            COALESCE(o.impressions, tm.impressions, lp.impressions) AS impressions, o.views,
            COALESCE(o.likes, tm.likes, lp.likes) AS likes,
            COALESCE(o.retweets, tm.retweets) AS retweets,
            COALESCE(o.replies, tm.replies) AS replies,
            COALESCE(o.bookmarks, tm.bookmarks) AS bookmarks,
            COALESCE(s.engagement_rate, o.engagement_rate, lp.engagement_rate) AS engagement_rate,
            COALESCE(s.followers_gained, o.followers_gained) AS followers_gained,
            COALESCE(s.followers_gained_weighted, o.followers_gained_weighted)
                AS followers_gained_weighted,
            s.score AS primary_objective_score, s.score_version, o.collected_at
     FROM {decisions} d
     LEFT JOIN {outcomes} o ON o.decision_id = d.decision_id
     LEFT JOIN {tweet_metrics} tm ON tm.tweet_id = d.tweet_id
     LEFT JOIN {learning_posts} lp ON lp.tweet_id = d.tweet_id
     LEFT JOIN objective_scores s ON s.decision_id = d.decision_id
     WHERE d.status = 'posted' AND d.posted_at IS NOT NULL AND d.decision_id IS NOT NULL
       AND COALESCE(o.simulated, false) = false"
}

/// How stale the facts may be when a screen or verb reads them.
pub(crate) const FACTS_MAX_AGE: chrono::Duration = chrono::Duration::milliseconds(500);

/// Facts whose decision changed since `$2` and is no longer posted (or is gone).
const UNPOSTED_SINCE: &str = "f.decision_id IN (SELECT d.decision_id FROM {decisions} d
        WHERE d.updated_at >= $2 AND (d.status IS NULL OR d.status <> 'posted' OR d.posted_at IS NULL))";

const FACT_ALL: &str = "decision_id, decision_type, topic, angle, tone, generator_name, \
     content_slot, hook_type, cta_type, content_preview, target_username, posted_at, \
     posted_epoch, impressions, views, likes, retweets, replies, engagement_rate, \
     followers_gained_weighted, score, score_version";

impl<B: Backend> SqlStore<B> {
    /// Bring `learning_facts` up to date with xBOT's tables and xbot's scores: insert new
    /// facts, rewrite only the facts whose values changed, remove the facts of decisions no
    /// longer posted. No triggers on xBOT's tables: this runs when xbot reads (the learning
    /// jobs, the Outcomes and Leaderboards screens) and after xbot's own writes.
    pub(crate) async fn sync_facts_full(&self) -> Result<FactsSync, StoreError> {
        self.sync_facts_since(None).await
    }

    /// Bring the facts up to date when they are older than `max_age`: incrementally (only
    /// what xBOT's timestamps say changed since the last sync, less a margin for clock skew
    /// and late commits) when this database has those timestamps, else in full.
    pub(crate) async fn refresh_facts(
        &self,
        max_age: chrono::Duration,
    ) -> Result<Option<FactsSync>, StoreError> {
        if self
            .facts_read_only
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            return Ok(None);
        }
        match self.refresh_facts_now(max_age).await {
            // A role that may only read (or a read-only file) reads the facts as the last
            // writer left them: the learning jobs and `xbot serve` keep them current. Not
            // tried again by this process.
            Err(StoreError::PermissionDenied(why)) => {
                tracing::debug!(%why, "facts not refreshed: read-only");
                self.facts_read_only
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                Ok(None)
            }
            other => other,
        }
    }

    /// [`SqlStore::refresh_facts`] for reads about to be sent: on Postgres, when the watermark
    /// this process knows says a sync is due, the sync's statement goes ahead of the reads in
    /// their batch instead of costing a round trip of its own (see `ReadsStore::fetch_reads`).
    /// Without a known watermark, or on SQLite (a local file), it syncs now.
    pub(crate) async fn refresh_facts_in(
        &self,
        reads: &mut Reads,
        max_age: chrono::Duration,
    ) -> Result<(), StoreError> {
        if self
            .facts_read_only
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            return Ok(());
        }
        let known = self.facts_synced.lock().ok().and_then(|g| *g);
        let Some((last, _)) = known.filter(|_| B::KIND == crate::store::BackendKind::Postgres)
        else {
            return self.refresh_facts(max_age).await.map(|_| ());
        };
        // Another process can only have moved the watermark forward: a sync from an earlier
        // one reads more, never less.
        let now = Utc::now();
        let scope = match self.sync_scope(last, now, max_age) {
            None => return Ok(()),
            Some(since) => since,
        };
        let statement = match scope {
            Some(since) => self.pg_sync_statement(&Scope::Since(since), now),
            None => self.pg_sync_statement(&Scope::All, now),
        };
        reads.facts_sync = Some((statement, now));
        Ok(())
    }

    /// Whether facts last synced at `last` need a sync at `now`: `None` not yet, else
    /// `Some(Some(since))` for the changes since a watermark, `Some(None)` for a full compare.
    fn sync_scope(
        &self,
        last: DateTime<Utc>,
        now: DateTime<Utc>,
        max_age: chrono::Duration,
    ) -> Option<Option<DateTime<Utc>>> {
        if now - last < max_age {
            return None;
        }
        let src = self.src();
        let watermarked = src.col("decisions", "updated_at").is_some()
            && (src.rel("outcomes").is_none() || src.col("outcomes", "updated_at").is_some());
        if !watermarked {
            // No change stamps: a full compare, at most once a minute.
            if now - last < chrono::Duration::seconds(60) {
                return None;
            }
            return Some(None);
        }
        Some(Some(last - chrono::Duration::seconds(30)))
    }

    async fn refresh_facts_now(
        &self,
        max_age: chrono::Duration,
    ) -> Result<Option<FactsSync>, StoreError> {
        // The watermark as this process last read or wrote it, when recent: another process
        // can only have moved it forward, so a skip decided on it is right, and a sync decided
        // on it only starts from an earlier watermark (one round trip saved per read).
        let cached = self
            .facts_synced
            .lock()
            .ok()
            .and_then(|g| *g)
            .filter(|(_, at)| at.elapsed() < std::time::Duration::from_secs(10))
            .map(|(t, _)| (t,));
        let last: Option<(DateTime<Utc>,)> = match cached {
            Some(c) => Some(c),
            None => {
                let last = self
                    .db
                    .fetch_optional(
                        "SELECT synced_at FROM facts_sync WHERE id = 1".into(),
                        vec![],
                    )
                    .await?;
                if let (Some((t,)), Ok(mut g)) = (last, self.facts_synced.lock()) {
                    *g = Some((t, std::time::Instant::now()));
                }
                last
            }
        };
        let now = Utc::now();
        let Some((last,)) = last else {
            return self.sync_facts_since(None).await.map(Some);
        };
        match self.sync_scope(last, now, max_age) {
            None => Ok(None),
            Some(since) => self.sync_facts_since(since).await.map(Some),
        }
    }

    /// Bring the facts of exactly these decisions up to date (after xbot's own writes).
    pub(crate) async fn sync_facts_for(&self, ids: &[String]) -> Result<FactsSync, StoreError> {
        if ids.is_empty() {
            return Ok(FactsSync::default());
        }
        let mut total = FactsSync::default();
        for chunk in ids.chunks(500) {
            let r = self.sync_facts_scope(Scope::Ids(chunk)).await?;
            total.rows = r.rows;
            total.changed += r.changed;
            total.removed += r.removed;
        }
        Ok(total)
    }

    async fn sync_facts_since(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<FactsSync, StoreError> {
        // Not later than the watermark the sync writes (it reads the clock after this).
        let before = Utc::now();
        let r = match since {
            Some(t) => self.sync_facts_scope(Scope::Since(t)).await,
            None => self.sync_facts_scope(Scope::All).await,
        };
        if r.is_ok()
            && let Ok(mut g) = self.facts_synced.lock()
        {
            *g = Some((before, std::time::Instant::now()));
        }
        r
    }

    /// What every sync statement is made of, for `scope`.
    fn sync_sql(&self, scope: &Scope<'_>) -> SyncSql {
        let mut scope_args: Vec<Val> = Vec::new();
        let (filter, del_pg, del_sqlite) = match &scope {
            Scope::All => (
                String::new(),
                "NOT EXISTS (SELECT 1 FROM src WHERE src.decision_id = f.decision_id)".to_string(),
                None,
            ),
            Scope::Since(t) => {
                scope_args.push(Val::from(*t));
                (
                    CHANGED_SINCE.to_string(),
                    UNPOSTED_SINCE.to_string(),
                    Some(UNPOSTED_SINCE.to_string()),
                )
            }
            Scope::Ids(ids) => {
                let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
                scope_args.extend(ids.iter().map(Val::from));
                let list = marks.join(", ");
                (
                    format!("AND d.decision_id IN ({list})"),
                    format!(
                        "f.decision_id IN ({list})
                         AND NOT EXISTS (SELECT 1 FROM src WHERE src.decision_id = f.decision_id)"
                    ),
                    Some(format!(
                        "f.decision_id IN ({list}) AND f.decision_id NOT IN (SELECT decision_id FROM src)"
                    )),
                )
            }
        };
        let select = facts_select(B::KIND, &filter);
        let cols: Vec<&str> = FACT_ALL.split(", ").map(str::trim).collect();
        let set: Vec<String> = cols[1..]
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let old: Vec<String> = cols[1..].iter().map(|c| format!("f.{c}")).collect();
        let new: Vec<String> = cols[1..].iter().map(|c| format!("excluded.{c}")).collect();
        SyncSql {
            scope_args,
            select,
            set,
            old,
            new,
            del_pg,
            del_sqlite,
        }
    }

    /// The Postgres sync as one statement (parameters: `$1` now, then the scope's); it
    /// answers one row (total, changed, removed).
    fn pg_sync_statement(&self, scope: &Scope<'_>, now: DateTime<Utc>) -> (Sql, Vec<Val>) {
        let SyncSql {
            scope_args,
            select,
            set,
            old,
            new,
            del_pg,
            ..
        } = self.sync_sql(scope);
        // Only a full or watermark sync moves the watermark.
        let mark = if matches!(scope, Scope::Ids(_)) {
            "SELECT 1"
        } else {
            "INSERT INTO facts_sync (id, synced_at, rows_total, rows_changed)
                SELECT 1, $1, total, changed + removed FROM counts
                ON CONFLICT (id) DO UPDATE SET synced_at = excluded.synced_at,
                    rows_total = excluded.rows_total,
                    rows_changed = excluded.rows_changed"
        };
        let sql = format!(
            "WITH src AS MATERIALIZED ({select}),
             up AS (
                INSERT INTO learning_facts AS f ({FACT_ALL}) SELECT {FACT_ALL} FROM src
                ON CONFLICT (decision_id) DO UPDATE SET {set}
                WHERE ({old}) IS DISTINCT FROM ({new})
                RETURNING 1),
             del AS (
                DELETE FROM learning_facts f
                WHERE {del_pg}
                RETURNING 1),
             counts AS (
                SELECT (SELECT COUNT(*) FROM src) AS total,
                       (SELECT COUNT(*) FROM up) AS changed,
                       (SELECT COUNT(*) FROM del) AS removed),
             mark AS ({mark})
             SELECT total, changed, removed FROM counts",
            set = set.join(", "),
            old = old.join(", "),
            new = new.join(", "),
        );
        let mut args = args![now];
        args.extend(scope_args);
        (self.sql(&sql), args)
    }

    /// One sync: every posted decision (removals included), the changes since a watermark, or
    /// a list of decisions. Parameters: `$1` now, then the scope's (`$2` the watermark, or
    /// the ids).
    async fn sync_facts_scope(&self, scope: Scope<'_>) -> Result<FactsSync, StoreError> {
        let now = Utc::now();
        match B::KIND {
            crate::store::BackendKind::Postgres => {
                let (sql, args) = self.pg_sync_statement(&scope, now);
                // One statement: atomic by itself, no transaction around it (one round trip).
                let (rows, changed, removed): (i64, i64, i64) = self
                    .db
                    .fetch_optional(sql, args)
                    .await?
                    .unwrap_or((0, 0, 0));
                Ok(FactsSync {
                    rows,
                    changed,
                    removed,
                })
            }
            crate::store::BackendKind::Sqlite => {
                let SyncSql {
                    scope_args,
                    select,
                    set,
                    old,
                    new,
                    del_sqlite,
                    ..
                } = self.sync_sql(&scope);
                // SQLite numbers `$n` parameters by first appearance: renumber the scope's
                // `$2…` to `$1…` and bind only them.
                let renumber = |sql: String| -> String {
                    let mut out = sql;
                    // Highest first, so that `$2` never rewrites the start of `$20`.
                    for i in (2..=scope_args.len() + 1).rev() {
                        out = out.replace(&format!("${i}"), &format!("$#{}", i - 1));
                    }
                    out.replace("$#", "$")
                };
                let upsert = renumber(format!(
                    "INSERT INTO learning_facts AS f ({FACT_ALL}) SELECT {FACT_ALL} FROM ({select}) WHERE true
                     ON CONFLICT (decision_id) DO UPDATE SET {set}
                     WHERE ({old}) IS NOT ({new})",
                    set = set.join(", "),
                    old = old.join(", "),
                    new = new.join(", "),
                ));
                let delete = renumber(match del_sqlite {
                    Some(cond) => format!(
                        "WITH src AS ({select}) DELETE FROM learning_facts AS f WHERE {cond}"
                    ),
                    None => format!(
                        "DELETE FROM learning_facts WHERE decision_id NOT IN
                            (SELECT decision_id FROM ({select}))"
                    ),
                });
                let mut tx = self.db.begin_write().await?;
                let changed = tx.execute(self.sql(&upsert), scope_args.clone()).await?;
                let removed = tx.execute(self.sql(&delete), scope_args).await?;
                let (rows,): (i64,) = tx
                    .fetch_optional("SELECT COUNT(*) FROM learning_facts".into(), vec![])
                    .await?
                    .unwrap_or((0,));
                let changed = i64::try_from(changed).unwrap_or(i64::MAX);
                let removed = i64::try_from(removed).unwrap_or(i64::MAX);
                if !matches!(scope, Scope::Ids(_)) {
                    tx.execute(
                        "INSERT INTO facts_sync (id, synced_at, rows_total, rows_changed)
                         VALUES (1, $1, $2, $3)
                         ON CONFLICT (id) DO UPDATE SET synced_at = excluded.synced_at,
                            rows_total = excluded.rows_total, rows_changed = excluded.rows_changed"
                            .into(),
                        args![now, rows, changed + removed],
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(FactsSync {
                    rows,
                    changed,
                    removed,
                })
            }
        }
    }
}

/// The parts of a sync statement (see `sync_sql`).
struct SyncSql {
    scope_args: Vec<Val>,
    select: String,
    set: Vec<String>,
    old: Vec<String>,
    new: Vec<String>,
    del_pg: String,
    del_sqlite: Option<String>,
}

/// Which facts a sync looks at.
enum Scope<'a> {
    All,
    Since(DateTime<Utc>),
    Ids(&'a [String]),
}

/// The epoch key of a row for a sort.
pub fn cursor_of(row: &FactRow, sort: FactSort) -> FactCursor {
    FactCursor {
        key: match sort {
            FactSort::Posted => Some(row.posted_epoch),
            FactSort::Score => row.score,
        },
        decision_id: row.decision_id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_split_exact_terms_from_text() {
        let f = FactFilter::parse("gen:coach slot:research sleep tips");
        assert_eq!(
            f.exact,
            vec![
                ("generator_name".to_string(), "coach".to_string()),
                ("content_slot".to_string(), "research".to_string())
            ]
        );
        assert_eq!(f.text.as_deref(), Some("sleep tips"));
        assert!(FactFilter::parse("  ").is_empty());
        // Unknown fields are text.
        assert_eq!(
            FactFilter::parse("colour:red").text.as_deref(),
            Some("colour:red")
        );
    }
}
