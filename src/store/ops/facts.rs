//! What the console reads from `learning_facts` and the content tables: the Outcomes tab's
//! keyset-paged list (never all rows in memory; filters and sorts in the database, on indexes),
//! a decision's full detail, today's posts per slot, an account's reply history.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::args;
use crate::store::backend::{Backend, Val};
use crate::store::{SqlStore, StoreError};

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
    /// Replies posted to an account, newest first.
    async fn account_replies(&self, username: &str, limit: i64)
    -> Result<Vec<FactRow>, StoreError>;
}

#[async_trait]
impl<B: Backend> FactsStore for SqlStore<B> {
    async fn facts_page(&self, q: &FactQuery) -> Result<Vec<FactRow>, StoreError> {
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
        self.db
            .fetch_all(
                format!("SELECT {FACT_COLUMNS} FROM learning_facts {where_sql} ORDER BY {order} LIMIT {limit}").into(),
                args,
            )
            .await
    }

    async fn decision_detail(
        &self,
        decision_id: &str,
    ) -> Result<Option<DecisionDetail>, StoreError> {
        self.db
            .fetch_optional(
                "SELECT c.decision_id, c.decision_type, c.status, c.content,
                        CAST(c.thread_parts AS TEXT) AS thread_parts, c.raw_topic, c.angle, c.tone,
                        c.generator_name, c.content_slot, c.hook_type, c.cta_type, c.target_username,
                        c.tweet_id, c.created_at, c.posted_at, o.impressions, o.views, o.likes,
                        o.retweets, o.replies, o.bookmarks, o.engagement_rate, o.followers_gained,
                        o.followers_gained_weighted, o.attribution_confidence,
                        o.primary_objective_score, o.score_version, o.simulated
                 FROM content_metadata c
                 LEFT JOIN outcomes o ON o.decision_id = c.decision_id
                 WHERE c.decision_id = $1"
                    .into(),
                args![decision_id],
            )
            .await
    }

    async fn slot_counts(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<SlotCount>, StoreError> {
        self.db
            .fetch_all(
                "SELECT content_slot, status, COUNT(*) AS posts FROM content_metadata
                 WHERE created_at >= $1 AND created_at < $2 AND content_slot IS NOT NULL
                 GROUP BY content_slot, status ORDER BY content_slot, status"
                    .into(),
                args![start, end],
            )
            .await
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
