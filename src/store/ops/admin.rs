//! Schema, housekeeping and bulk loading.

use async_trait::async_trait;

use crate::store::backend::{Backend, BackendKind, BackendTx, Val};
use crate::store::types::{Batch, TableCount};
use crate::store::{SqlStore, StoreError};

/// Every table xbot owns, children before parents (the order a reset deletes in).
pub const TABLES: [&str; 17] = [
    "learning_facts",
    "post_follower_tracking",
    "outcomes",
    "safety_reviews",
    "expert_insights",
    "tweet_metrics",
    "learning_posts",
    "content_metadata",
    "reply_opportunities",
    "discovered_accounts",
    "learning_model_weights",
    "operator_audit",
    "ai_usage",
    "job_runs",
    "job_schedules",
    "system_events",
    "incidents",
];

#[async_trait]
pub trait AdminStore {
    fn backend(&self) -> BackendKind;
    /// The database as it may be shown (password masked).
    fn target(&self) -> &str;
    /// A cheap round trip, to tell "connected" from "disconnected".
    async fn ping(&self) -> Result<(), StoreError>;
    /// Embedded migrations not yet applied, as "version description".
    async fn pending_migrations(&self) -> Result<Vec<String>, StoreError>;
    /// Apply the pending migrations; returns how many were applied.
    async fn migrate(&self) -> Result<usize, StoreError>;
    async fn table_counts(&self) -> Result<Vec<TableCount>, StoreError>;
    /// True when no decision has been recorded yet (a new database).
    async fn is_empty(&self) -> Result<bool, StoreError>;
    /// Delete every row of every xbot table (for `xbot demo --reset`).
    async fn reset(&self) -> Result<(), StoreError>;
    /// Write a batch of rows in one transaction.
    async fn write_batch(&self, batch: &Batch) -> Result<(), StoreError>;
    /// Refresh the planner's statistics (after a bulk load).
    async fn analyze(&self) -> Result<(), StoreError>;
    async fn close(&self);
}

#[async_trait]
impl<B: Backend> AdminStore for SqlStore<B> {
    fn backend(&self) -> BackendKind {
        B::KIND
    }

    fn target(&self) -> &str {
        &self.target
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.db
            .fetch_optional::<(i64,)>("SELECT CAST(1 AS BIGINT)".into(), vec![])
            .await
            .map(|_| ())
    }

    async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        let applied = self.db.applied_migrations().await?;
        Ok(B::migrator()
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .map(|m| format!("{} {}", m.version, m.description))
            .collect())
    }

    async fn migrate(&self) -> Result<usize, StoreError> {
        let before = self.pending_migrations().await?.len();
        if before == 0 {
            return Ok(0);
        }
        self.db.run_migrations().await?;
        tracing::info!(applied = before, target = %self.target, "migrations applied");
        Ok(before)
    }

    async fn table_counts(&self) -> Result<Vec<TableCount>, StoreError> {
        let mut out = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            let (rows,): (i64,) = self
                .db
                .fetch_optional(format!("SELECT COUNT(*) FROM {table}").into(), vec![])
                .await?
                .unwrap_or((0,));
            out.push(TableCount {
                table: table.to_string(),
                rows,
            });
        }
        Ok(out)
    }

    async fn is_empty(&self) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = self
            .db
            .fetch_optional(
                "SELECT CAST(1 AS BIGINT) FROM content_metadata LIMIT 1".into(),
                vec![],
            )
            .await?;
        Ok(row.is_none())
    }

    async fn reset(&self) -> Result<(), StoreError> {
        let sql = match B::KIND {
            BackendKind::Postgres => format!("TRUNCATE {} RESTART IDENTITY", TABLES.join(", ")),
            BackendKind::Sqlite => {
                let mut s: String = TABLES.iter().map(|t| format!("DELETE FROM {t};")).collect();
                s.push_str("DELETE FROM sqlite_sequence;");
                s
            }
        };
        let mut tx = self.db.begin_write().await?;
        for stmt in sql.split(';').filter(|s| !s.trim().is_empty()) {
            tx.execute(stmt.to_string().into(), vec![]).await?;
        }
        tx.commit().await
    }

    async fn write_batch(&self, batch: &Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin_write().await?;
        for (table, columns, rows) in batch_tables(batch) {
            tx.insert_rows(table, columns, rows).await?;
        }
        tx.commit().await
    }

    async fn analyze(&self) -> Result<(), StoreError> {
        // One statement each: Postgres runs a multi-statement string in a transaction, where
        // VACUUM is not allowed.
        // On Postgres only xbot's own tables: a bare ANALYZE covers the whole database,
        // other applications' schemas included (and fails when one is dropped meanwhile).
        let statements: Vec<String> = match B::KIND {
            // VACUUM also marks the pages all-visible, so index-only scans can skip the heap.
            BackendKind::Postgres => vec![
                "VACUUM ANALYZE learning_facts".to_string(),
                format!("ANALYZE {}", TABLES.join(", ")),
            ],
            BackendKind::Sqlite => vec!["ANALYZE".to_string()],
        };
        for sql in statements {
            self.db.execute_script(sql.into()).await?;
        }
        Ok(())
    }

    async fn close(&self) {
        self.db.close().await;
    }
}

type TableRows = (&'static str, &'static [&'static str], Vec<Vec<Val>>);

fn json_text(v: &serde_json::Value) -> Val {
    Val::Json(Some(v.clone()))
}

/// The batch as (table, columns, rows). Outcomes go before their decisions: the
/// learning_facts triggers then build each fact once, when its decision arrives.
fn batch_tables(b: &Batch) -> Vec<TableRows> {
    use crate::args;
    vec![
        (
            "outcomes",
            &[
                "decision_id",
                "tweet_id",
                "impressions",
                "views",
                "likes",
                "retweets",
                "replies",
                "bookmarks",
                "engagement_rate",
                "followers_before",
                "followers_after",
                "followers_gained",
                "followers_gained_weighted",
                "attribution_confidence",
                "primary_objective_score",
                "score_version",
                "hook_type",
                "cta_type",
                "structure_type",
                "simulated",
                "collected_at",
                "scored_at",
            ],
            b.outcomes
                .iter()
                .map(|r| {
                    args![
                        &r.decision_id,
                        &r.tweet_id,
                        r.impressions,
                        r.views,
                        r.likes,
                        r.retweets,
                        r.replies,
                        r.bookmarks,
                        r.engagement_rate,
                        r.followers_before,
                        r.followers_after,
                        r.followers_gained,
                        r.followers_gained_weighted,
                        r.attribution_confidence,
                        r.primary_objective_score,
                        r.score_version,
                        &r.hook_type,
                        &r.cta_type,
                        &r.structure_type,
                        r.simulated,
                        r.collected_at,
                        r.scored_at
                    ]
                })
                .collect(),
        ),
        (
            "content_metadata",
            &[
                "decision_id",
                "decision_type",
                "status",
                "content",
                "thread_parts",
                "raw_topic",
                "angle",
                "tone",
                "generator_name",
                "content_slot",
                "hook_type",
                "cta_type",
                "target_username",
                "target_tweet_id",
                "tweet_id",
                "created_at",
                "posted_at",
            ],
            b.content
                .iter()
                .map(|r| {
                    let parts = Val::Json(
                        r.thread_parts
                            .as_ref()
                            .map(|p| serde_json::Value::from(p.clone())),
                    );
                    let mut v = args![&r.decision_id, &r.decision_type, &r.status, &r.content];
                    v.push(parts);
                    v.extend(args![
                        &r.raw_topic,
                        &r.angle,
                        &r.tone,
                        &r.generator_name,
                        &r.content_slot,
                        &r.hook_type,
                        &r.cta_type,
                        &r.target_username,
                        &r.target_tweet_id,
                        &r.tweet_id,
                        r.created_at,
                        r.posted_at
                    ]);
                    v
                })
                .collect(),
        ),
        (
            "post_follower_tracking",
            &[
                "decision_id",
                "hours_after_post",
                "follower_count",
                "collected_at",
            ],
            b.snapshots
                .iter()
                .map(|r| {
                    args![
                        &r.decision_id,
                        r.hours_after_post,
                        r.follower_count,
                        r.collected_at
                    ]
                })
                .collect(),
        ),
        (
            "discovered_accounts",
            &[
                "username",
                "display_name",
                "follower_count",
                "priority_score",
                "priority_band",
                "reply_performance_score",
                "last_successful_reply_at",
                "replies_30d",
                "operator_override",
                "discovered_at",
            ],
            b.accounts
                .iter()
                .map(|r| {
                    args![
                        &r.username,
                        &r.display_name,
                        r.follower_count,
                        r.priority_score,
                        &r.priority_band,
                        r.reply_performance_score,
                        r.last_successful_reply_at,
                        r.replies_30d,
                        &r.operator_override,
                        r.discovered_at
                    ]
                })
                .collect(),
        ),
        (
            "reply_opportunities",
            &[
                "account_username",
                "tweet_id",
                "tweet_text",
                "likes",
                "posted_at",
                "relevance",
                "rank_score",
                "status",
                "discovered_at",
            ],
            b.opportunities
                .iter()
                .map(|r| {
                    args![
                        &r.account_username,
                        &r.tweet_id,
                        &r.tweet_text,
                        r.likes,
                        r.posted_at,
                        r.relevance,
                        r.rank_score,
                        &r.status,
                        r.discovered_at
                    ]
                })
                .collect(),
        ),
        (
            "safety_reviews",
            &[
                "decision_id",
                "part_index",
                "original_text",
                "proposed_rewrite",
                "risk_level",
                "issues",
                "rule_hits",
                "status",
                "rewrite_attempts",
                "reviewer",
                "decided_by",
                "decided_at",
                "note",
                "final_text",
                "created_at",
                "updated_at",
            ],
            b.reviews
                .iter()
                .map(|r| {
                    let mut v = args![
                        &r.decision_id,
                        r.part_index,
                        &r.original_text,
                        &r.proposed_rewrite,
                        &r.risk_level
                    ];
                    v.push(json_text(&r.issues));
                    v.push(json_text(&r.rule_hits));
                    v.extend(args![
                        &r.status,
                        r.rewrite_attempts,
                        &r.reviewer,
                        &r.decided_by,
                        r.decided_at,
                        &r.note,
                        &r.final_text,
                        r.created_at,
                        r.created_at
                    ]);
                    v
                })
                .collect(),
        ),
        (
            "learning_model_weights",
            &[
                "version",
                "weights",
                "stats",
                "params",
                "computed_at",
                "date_range_start",
                "date_range_end",
                "sample_size",
                "is_active",
                "job_run_id",
            ],
            b.weight_maps
                .iter()
                .map(|r| {
                    let mut v = args![&r.version];
                    v.push(json_text(&r.weights));
                    v.push(json_text(&r.stats));
                    v.push(json_text(&r.params));
                    v.extend(args![
                        r.computed_at,
                        r.date_range_start,
                        r.date_range_end,
                        r.sample_size,
                        r.is_active,
                        r.job_run_id
                    ]);
                    v
                })
                .collect(),
        ),
        (
            "job_runs",
            &[
                "job",
                "status",
                "trigger",
                "owner",
                "started_at",
                "heartbeat_at",
                "finished_at",
                "error",
                "stats",
            ],
            b.job_runs
                .iter()
                .map(|r| {
                    let mut v = args![
                        &r.job,
                        &r.status,
                        &r.trigger,
                        &r.owner,
                        r.started_at,
                        r.finished_at,
                        r.finished_at,
                        &r.error
                    ];
                    v.push(Val::Json(r.stats.clone()));
                    v
                })
                .collect(),
        ),
        (
            "incidents",
            &[
                "kind",
                "subject",
                "state",
                "severity",
                "opened_at",
                "resolved_at",
                "last_seen_at",
                "count",
                "details",
            ],
            b.incidents
                .iter()
                .map(|r| {
                    args![
                        &r.kind,
                        &r.subject,
                        &r.state,
                        &r.severity,
                        r.opened_at,
                        r.resolved_at,
                        r.last_seen_at,
                        r.count,
                        &r.details
                    ]
                })
                .collect(),
        ),
        (
            "system_events",
            &[
                "event_type",
                "severity",
                "component",
                "message",
                "metadata",
                "created_at",
            ],
            b.events
                .iter()
                .map(|r| {
                    let mut v = args![&r.event_type, &r.severity, &r.component, &r.message];
                    v.push(Val::Json(r.metadata.clone()));
                    v.push(Val::from(r.created_at));
                    v
                })
                .collect(),
        ),
        (
            "ai_usage",
            &[
                "at",
                "model",
                "prompt_tokens",
                "completion_tokens",
                "total_tokens",
                "cost_usd",
                "feature_area",
                "purpose",
                "orchestrator",
                "job_run_id",
                "state",
                "settled_at",
            ],
            b.ai_usage
                .iter()
                .map(|r| {
                    args![
                        r.at,
                        &r.model,
                        r.prompt_tokens,
                        r.completion_tokens,
                        r.total_tokens,
                        r.cost_usd,
                        &r.feature_area,
                        &r.purpose,
                        &r.orchestrator,
                        r.job_run_id,
                        &r.state,
                        r.at
                    ]
                })
                .collect(),
        ),
        (
            "operator_audit",
            &[
                "action_id",
                "subject",
                "action",
                "from_state",
                "to_state",
                "outcome",
                "operator",
                "os_user",
                "ssh_client",
                "host",
                "app_version",
                "at",
                "note",
            ],
            b.audit
                .iter()
                .map(|r| {
                    args![
                        &r.action_id,
                        &r.subject,
                        &r.action,
                        &r.from_state,
                        &r.to_state,
                        &r.outcome,
                        &r.operator,
                        &r.os_user,
                        &r.ssh_client,
                        &r.host,
                        &r.app_version,
                        r.at,
                        &r.note
                    ]
                })
                .collect(),
        ),
        (
            "expert_insights",
            &[
                "created_at",
                "decision_id",
                "kind",
                "model",
                "insight",
                "recommendations",
            ],
            b.insights
                .iter()
                .map(|r| {
                    let mut v = args![r.created_at, &r.decision_id, &r.kind, &r.model, &r.insight];
                    v.push(Val::Json(r.recommendations.clone()));
                    v
                })
                .collect(),
        ),
    ]
}
