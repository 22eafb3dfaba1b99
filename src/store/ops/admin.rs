//! Schema, housekeeping and bulk loading.

use async_trait::async_trait;

use crate::store::backend::{Backend, BackendKind, BackendTx, Val};
use crate::store::types::{Batch, TableCount};
use crate::store::{Read, Reads, SqlStore, StoreError};

/// Every table xbot owns (in its own schema), in the order a reset deletes in.
pub const TABLES: [&str; 21] = [
    "learning_facts",
    "facts_sync",
    "objective_scores",
    "safety_reviews",
    "holds",
    "expert_insights",
    "weight_maps",
    "weight_activations",
    "account_state",
    "operator_audit",
    "ai_usage",
    "job_runs",
    "job_schedules",
    "events",
    "incident_notes",
    "incidents",
    "notify_outbox",
    "notify_destinations",
    "worker_heartbeats",
    "install",
    "_sqlx_migrations",
];

/// xBOT's relations as xbot reads them (see `store::source`), children before parents.
pub const SOURCE_KEYS: [&str; 8] = [
    "follower_tracking",
    "outcomes",
    "tweet_metrics",
    "learning_posts",
    "decisions",
    "opportunities",
    "accounts",
    "weights",
];

#[async_trait]
pub trait AdminStore {
    fn backend(&self) -> BackendKind;
    /// The database as it may be shown (password masked).
    fn target(&self) -> &str;
    /// Standalone (xbot made xBOT's layout) or attached; `None` when xbot is not installed.
    fn install_mode(&self) -> Option<crate::store::InstallMode>;
    /// What xBOT's tables look like on this database, as xbot reads them.
    fn source_map(&self) -> std::sync::Arc<crate::store::SourceMap>;
    /// "attached to an existing xBOT database (N posts)", "standalone (N posts)", or
    /// "not installed": one statement.
    async fn install_summary(&self) -> Result<String, StoreError> {
        let posts = if self.source_map().has_xbot_layout() {
            self.count_decisions().await?
        } else {
            0
        };
        Ok(self.install_summary_of(posts))
    }
    /// [`AdminStore::install_summary`] with the count of decisions read already (see
    /// [`AdminStore::read_count_decisions`]).
    fn install_summary_of(&self, posts: i64) -> String {
        match self.install_mode() {
            Some(crate::store::InstallMode::Attached) => {
                format!("attached to an existing xBOT database ({posts} posts)")
            }
            Some(crate::store::InstallMode::Standalone) => {
                format!("standalone: xbot created xBOT's tables itself ({posts} posts)")
            }
            None if self.source_map().has_xbot_layout() => format!(
                "not installed yet: an existing xBOT database ({posts} posts); `xbot migrate` attaches"
            ),
            None => {
                "not installed yet: no xBOT tables; `xbot migrate` sets up a standalone database"
                    .to_string()
            }
        }
    }
    /// How many decisions xBOT's tables hold.
    async fn count_decisions(&self) -> Result<i64, StoreError>;
    /// [`AdminStore::count_decisions`] as one read to send with others (0 without xBOT's
    /// tables).
    fn read_count_decisions(&self, r: &mut Reads) -> Read<i64>;
    /// A cheap round trip, to tell "connected" from "disconnected".
    async fn ping(&self) -> Result<(), StoreError>;
    /// Embedded migrations not yet applied, as "version description".
    async fn pending_migrations(&self) -> Result<Vec<String>, StoreError>;
    /// Apply the pending migrations; returns how many were applied.
    async fn migrate(&self) -> Result<usize, StoreError>;
    async fn table_counts(&self) -> Result<Vec<TableCount>, StoreError>;
    /// True when no decision has been recorded yet (a new database).
    async fn is_empty(&self) -> Result<bool, StoreError>;
    /// Delete every row of xbot's tables, and of xBOT's tables when xbot created them
    /// (standalone), for `xbot demo --reset`.
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

    fn install_mode(&self) -> Option<crate::store::InstallMode> {
        self.mode()
    }

    fn source_map(&self) -> std::sync::Arc<crate::store::SourceMap> {
        self.src()
    }

    async fn count_decisions(&self) -> Result<i64, StoreError> {
        self.read_alone(|r| self.read_count_decisions(r)).await
    }

    fn read_count_decisions(&self, r: &mut Reads) -> Read<i64> {
        if !self.source_map().has_xbot_layout() {
            return r.add(Vec::new(), |_| Ok(0));
        }
        r.optional::<(i64,)>(self.sql("SELECT COUNT(*) FROM {decisions} d"), vec![])
            .map(|n| n.map_or(0, |(n,)| n))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await
    }

    async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        let known = self.applied.read().ok().and_then(|g| g.clone());
        let applied = match known {
            Some(a) => a,
            None => self.db.applied_migrations().await?,
        };
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
        if let Ok(mut g) = self.applied.write() {
            *g = None;
        }
        self.db.run_migrations().await?;
        tracing::info!(applied = before, target = %self.target, "migrations applied");
        self.finish_install().await?;
        Ok(before)
    }

    async fn table_counts(&self) -> Result<Vec<TableCount>, StoreError> {
        // One statement: every count as a column of one row.
        let src = self.src();
        let mut names: Vec<String> = Vec::new();
        let mut exprs: Vec<String> = Vec::new();
        for key in SOURCE_KEYS {
            if let Some(r) = src.rel(key) {
                // xBOT's own name for the decisions: its view (or table) content_metadata.
                names.push(if key == "decisions" {
                    "content_metadata".to_string()
                } else {
                    r.name.clone()
                });
                exprs.push(format!("(SELECT COUNT(*) FROM {})", r.qualified));
            }
        }
        for table in TABLES
            .iter()
            .filter(|t| !t.starts_with('_') && **t != "install")
        {
            names.push(table.to_string());
            exprs.push(format!("(SELECT COUNT(*) FROM {table})"));
        }
        // One statement: the counts as one JSON array (the two backends name the function
        // differently).
        let array = match B::KIND {
            BackendKind::Postgres => format!("SELECT json_build_array({})::text", exprs.join(", ")),
            BackendKind::Sqlite => format!("SELECT json_array({})", exprs.join(", ")),
        };
        let (v,): (String,) = self
            .db
            .fetch_optional(array.into(), vec![])
            .await?
            .unwrap_or(("[]".into(),));
        let counts: Vec<i64> = serde_json::from_str(&v).unwrap_or_default();
        Ok(names
            .into_iter()
            .zip(counts)
            .map(|(table, rows)| TableCount { table, rows })
            .collect())
    }

    async fn is_empty(&self) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = self
            .db
            .fetch_optional(
                self.sql("SELECT CAST(1 AS BIGINT) FROM {decisions} d LIMIT 1"),
                vec![],
            )
            .await?;
        Ok(row.is_none())
    }

    async fn reset(&self) -> Result<(), StoreError> {
        // xbot's own rows always; xBOT's tables only where xbot created them itself
        // (standalone): on an attached database xBOT's data is never deleted.
        let src = self.src();
        let own: Vec<&str> = TABLES
            .iter()
            .copied()
            .filter(|t| !t.starts_with('_') && *t != "install")
            .collect();
        let mut tables: Vec<String> = own.iter().map(|t| t.to_string()).collect();
        if self.mode() == Some(crate::store::InstallMode::Standalone) {
            for key in SOURCE_KEYS {
                if let Some(r) = src.rel(key).filter(|r| r.kind == "table") {
                    tables.push(r.qualified.clone());
                }
            }
        }
        let stmts: Vec<String> = match B::KIND {
            BackendKind::Postgres => {
                vec![format!("TRUNCATE {} RESTART IDENTITY", tables.join(", "))]
            }
            BackendKind::Sqlite => {
                let mut s: Vec<String> =
                    tables.iter().map(|t| format!("DELETE FROM {t}")).collect();
                s.push("DELETE FROM sqlite_sequence".into());
                s
            }
        };
        let mut tx = self.db.begin_write().await?;
        for stmt in stmts {
            tx.execute(stmt.into(), vec![]).await?;
        }
        tx.commit().await
    }

    async fn write_batch(&self, batch: &Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let src = self.src();
        let mut tx = self.db.begin_write().await?;
        for (target, columns, rows) in batch_tables(batch) {
            if rows.is_empty() {
                continue;
            }
            match target {
                Target::Own(table) => tx.insert_rows(table, columns, rows).await?,
                Target::Source(key) => {
                    // Write only the columns this database has, under their real names.
                    let Some(table) = src.table(key) else {
                        continue;
                    };
                    let keep: Vec<(usize, String)> = columns
                        .iter()
                        .enumerate()
                        .filter_map(|(i, c)| src.col(key, c).map(|r| (i, quote(r))))
                        .collect();
                    let names: Vec<&str> = keep.iter().map(|(_, n)| n.as_str()).collect();
                    let rows: Vec<Vec<Val>> = rows
                        .into_iter()
                        .map(|row| {
                            let mut row: Vec<Option<Val>> = row.into_iter().map(Some).collect();
                            keep.iter()
                                .map(|(i, _)| row[*i].take().unwrap_or(Val::Text(None)))
                                .collect()
                        })
                        .collect();
                    tx.insert_rows(table, &names, rows).await?;
                }
            }
        }
        // xbot's side of the weight maps it wrote into xBOT's table.
        for w in &batch.weight_maps {
            if let Some(table) = src.table("weights") {
                let id_col = quote(src.col("weights", "id").unwrap_or("id"));
                let version_col = quote(src.col("weights", "version").unwrap_or("version"));
                let row: Option<(String,)> = tx
                    .fetch_optional(
                        format!(
                            "SELECT CAST({id_col} AS TEXT) FROM {table} WHERE {version_col} = $1 \
                             ORDER BY {id_col} DESC LIMIT 1"
                        )
                        .into(),
                        crate::args![&w.version],
                    )
                    .await?;
                if let Some((id,)) = row {
                    tx.execute(
                        "INSERT INTO weight_maps (source_id, version, stats, params, job_run_id, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6)"
                            .into(),
                        vec![
                            Val::from(id),
                            Val::from(&w.version),
                            json_text(&w.stats),
                            json_text(&w.params),
                            Val::from(w.job_run_id),
                            Val::from(w.computed_at),
                        ],
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        // The facts of exactly the decisions written (a demo of a million posts is written in
        // batches: one full compare per batch would be quadratic).
        let mut ids: Vec<String> = batch
            .content
            .iter()
            .map(|c| c.decision_id.clone())
            .chain(batch.outcomes.iter().map(|o| o.decision_id.clone()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        self.sync_facts_for(&ids).await?;
        Ok(())
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
                format!(
                    "ANALYZE {}",
                    TABLES
                        .iter()
                        .filter(|t| !t.starts_with('_'))
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
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

/// Where a batch's rows go: one of xbot's own tables, or one of xBOT's relations (by its key
/// in the source map, with canonical column names).
enum Target {
    Own(&'static str),
    Source(&'static str),
}

type TableRows = (Target, &'static [&'static str], Vec<Vec<Val>>);

fn quote(name: &str) -> String {
    crate::store::source::quote_ident(name)
}

fn json_text(v: &serde_json::Value) -> Val {
    Val::Json(Some(v.clone()))
}

/// The batch as (target, columns, rows). xBOT's relations get canonical column names, which
/// `write_batch` maps onto this database's real ones.
fn batch_tables(b: &Batch) -> Vec<TableRows> {
    use crate::args;
    vec![
        (
            Target::Source("decisions"),
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
                    // xBOT's content column is NOT NULL: a thread carries its parts joined.
                    let content = r.content.clone().unwrap_or_else(|| {
                        r.thread_parts
                            .as_ref()
                            .map(|p| p.join("\n\n"))
                            .unwrap_or_default()
                    });
                    let mut v = args![&r.decision_id, &r.decision_type, &r.status, content];
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
            Target::Source("outcomes"),
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
                "followers_gained",
                "followers_gained_weighted",
                "primary_objective_score",
                "hook_type",
                "cta_type",
                "structure_type",
                "simulated",
                "collected_at",
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
                        r.followers_gained,
                        r.followers_gained_weighted,
                        r.primary_objective_score,
                        &r.hook_type,
                        &r.cta_type,
                        &r.structure_type,
                        r.simulated,
                        r.collected_at
                    ]
                })
                .collect(),
        ),
        (
            // Scores xbot computed (the demo writes them as the objective-scores job would).
            Target::Own("objective_scores"),
            &[
                "decision_id",
                "engagement_rate",
                "followers_gained",
                "followers_gained_weighted",
                "attribution_confidence",
                "score",
                "score_version",
                "scored_at",
            ],
            b.outcomes
                .iter()
                .filter_map(|r| {
                    let version = r.score_version?;
                    // No scoring time: the objective-scores job scores it again.
                    let at = r.scored_at;
                    Some(args![
                        &r.decision_id,
                        r.engagement_rate,
                        r.followers_gained,
                        r.followers_gained_weighted,
                        r.attribution_confidence,
                        r.primary_objective_score,
                        version,
                        at
                    ])
                })
                .collect(),
        ),
        (
            Target::Source("follower_tracking"),
            &[
                "decision_id",
                "hours_after_post",
                "follower_count",
                "collected_at",
            ],
            // xBOT's follower_count is NOT NULL: a snapshot without a count is no snapshot.
            b.snapshots
                .iter()
                .filter(|r| r.follower_count.is_some())
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
            Target::Source("accounts"),
            &[
                "username",
                "display_name",
                "follower_count",
                "priority_score",
                "reply_performance_score",
                "last_successful_reply_at",
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
                        r.reply_performance_score,
                        r.last_successful_reply_at,
                        r.discovered_at
                    ]
                })
                .collect(),
        ),
        (
            Target::Own("account_state"),
            &[
                "username",
                "priority_band",
                "replies_30d",
                "operator_override",
            ],
            b.accounts
                .iter()
                .map(|r| {
                    args![
                        &r.username,
                        &r.priority_band,
                        r.replies_30d,
                        &r.operator_override
                    ]
                })
                .collect(),
        ),
        (
            Target::Source("opportunities"),
            &[
                "account_username",
                "tweet_id",
                "tweet_text",
                "likes",
                "posted_at",
                "relevance",
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
                        &r.status,
                        r.discovered_at
                    ]
                })
                .collect(),
        ),
        (
            Target::Own("safety_reviews"),
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
            Target::Source("weights"),
            &[
                "version",
                "weights",
                "computed_at",
                "date_range_start",
                "date_range_end",
                "sample_size",
                "is_active",
            ],
            b.weight_maps
                .iter()
                .map(|r| {
                    let mut v = args![&r.version];
                    v.push(json_text(&r.weights));
                    v.extend(args![
                        r.computed_at,
                        r.date_range_start.unwrap_or(r.computed_at),
                        r.date_range_end.unwrap_or(r.computed_at),
                        r.sample_size,
                        r.is_active
                    ]);
                    v
                })
                .collect(),
        ),
        (
            Target::Own("job_runs"),
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
            Target::Own("incidents"),
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
            Target::Own("events"),
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
            Target::Own("ai_usage"),
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
            Target::Own("operator_audit"),
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
            Target::Own("expert_insights"),
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
