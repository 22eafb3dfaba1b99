//! The moderation queue and operator decisions. A decision is one transaction: a
//! state-guarded update (`WHERE status = 'pending' AND version = $seen`), the content's status
//! change, and an `operator_audit` row keyed by a unique action id. A lost race is answered
//! with who won and when; a retried action (same id) is answered with its first outcome and is
//! never applied twice. Every attempt leaves one audit row.
//!
//! The one decision policy (the same for the console, the CLI and bulk decisions): an approval
//! re-screens, inside the transaction, the exact text that would be published (the proposed
//! rewrite, the edited text, or the original) with the guard's rules. Critical risk is refused
//! unless the request carries a [`CriticalOverride`] (a typed value with a non-empty note); an
//! applied override is audited with the action `<action>_override` and the note. The original
//! of a critical item can never be approved as it is.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ai::guard::rules::{RiskLevel, Screen, screen};
use crate::args;
use crate::identity::{APP_VERSION, Operator};
use crate::store::backend::{Backend, BackendKind, BackendTx, Batch, Sql, Val};
use crate::store::ops::incidents::insert_event;
use crate::store::source::quote_ident;
use crate::store::types::EventRow;
use crate::store::{Read, Reads, SqlStore, StoreError};

/// A review as the queue shows it, with its decision's descriptors.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ReviewRecord {
    pub id: i64,
    pub decision_id: String,
    pub part_index: i64,
    pub original_text: String,
    pub proposed_rewrite: Option<String>,
    pub risk_level: String,
    /// JSON text: a list of issue strings.
    #[serde(serialize_with = "crate::text::json_text")]
    pub issues: Option<String>,
    /// JSON text: a list of rule hits (category, level, start, end, text, rule, why).
    #[serde(serialize_with = "crate::text::json_text")]
    pub rule_hits: Option<String>,
    pub status: String,
    pub version: i64,
    pub rewrite_attempts: i64,
    pub reviewer: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub final_text: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub decision_type: Option<String>,
    pub generator_name: Option<String>,
    pub content_slot: Option<String>,
    pub content_status: Option<String>,
}

const REVIEW_COLUMNS: &str = "r.id, r.decision_id, r.part_index, r.original_text, \
     r.proposed_rewrite, r.risk_level, CAST(r.issues AS TEXT) AS issues, \
     CAST(r.rule_hits AS TEXT) AS rule_hits, r.status, r.version, r.rewrite_attempts, r.reviewer, \
     r.decided_by, r.decided_at, r.note, r.final_text, r.created_at, r.updated_at, \
     c.decision_type, c.generator_name, c.content_slot, c.status AS content_status";

/// What an operator decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Verdict {
    /// Publish the proposed rewrite.
    ApproveRewrite,
    /// Publish the operator's own text.
    ApproveEdited {
        text: String,
    },
    /// Publish the original as it is (needs a note; never for critical risk).
    ApproveOriginal {
        note: String,
    },
    Reject {
        reason: String,
    },
    /// Ask for another rewrite: the item stays pending, and its current proposal stays (still
    /// approvable) until a new rewrite replaces it; a proposal is never dropped for nothing.
    RequestRewrite {
        note: Option<String>,
    },
}

impl Verdict {
    pub fn action(&self) -> &'static str {
        match self {
            Verdict::ApproveRewrite => "approve_rewrite",
            Verdict::ApproveEdited { .. } => "approve_edited",
            Verdict::ApproveOriginal { .. } => "approve_original",
            Verdict::Reject { .. } => "reject",
            Verdict::RequestRewrite { .. } => "request_rewrite",
        }
    }

    /// The review's status after the decision.
    pub fn status(&self) -> &'static str {
        match self {
            Verdict::ApproveRewrite => "approved_rewrite",
            Verdict::ApproveEdited { .. } => "approved_edited",
            Verdict::ApproveOriginal { .. } => "approved_original",
            Verdict::Reject { .. } => "rejected",
            Verdict::RequestRewrite { .. } => "pending",
        }
    }

    fn note(&self) -> Option<&str> {
        match self {
            Verdict::ApproveOriginal { note } => Some(note),
            Verdict::Reject { reason } => Some(reason),
            Verdict::RequestRewrite { note } => note.as_deref(),
            _ => None,
        }
    }
}

/// An operator's explicit, typed override of the critical-risk refusal. It can only be made
/// with a non-empty note, which goes to the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriticalOverride {
    note: String,
}

impl CriticalOverride {
    /// An override with the operator's reason; `Err` when the note is empty.
    pub fn new(note: impl Into<String>) -> Result<CriticalOverride, String> {
        let note = note.into();
        if note.trim().is_empty() {
            return Err("an override of the critical-risk refusal needs a note saying why".into());
        }
        Ok(CriticalOverride {
            note: note.trim().to_string(),
        })
    }

    /// Why the operator overrode the rules.
    pub fn note(&self) -> &str {
        &self.note
    }
}

/// One decision attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionRequest {
    pub review_id: i64,
    /// The version the operator saw; the decision lands only if it is still current.
    pub seen_version: i64,
    pub verdict: Verdict,
    /// Unique per attempt: a retry of the same action reuses it.
    pub action_id: String,
    pub operator: Operator,
    /// Approve even though the rules find critical risk in the text (never the original).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub critical_override: Option<CriticalOverride>,
}

/// The text an approval would publish, `None` for decisions that publish nothing.
pub fn text_to_publish<'a>(
    verdict: &'a Verdict,
    original: &'a str,
    proposed_rewrite: Option<&'a str>,
) -> Option<&'a str> {
    match verdict {
        Verdict::ApproveRewrite => proposed_rewrite,
        Verdict::ApproveEdited { text } => Some(text),
        Verdict::ApproveOriginal { .. } => Some(original),
        Verdict::Reject { .. } | Verdict::RequestRewrite { .. } => None,
    }
}

/// What the policy says about publishing `text` (see the module comment): `Err(reason)` when it
/// must be refused, `Ok(true)` when it is allowed only because of the override.
pub fn approval_policy(
    verdict: &Verdict,
    text: &str,
    critical_override: Option<&CriticalOverride>,
) -> Result<bool, String> {
    let s: Screen = screen(text);
    if s.level < RiskLevel::Critical {
        return Ok(false);
    }
    let found = s
        .hits
        .iter()
        .filter(|h| h.level == RiskLevel::Critical)
        .map(|h| format!("{} \"{}\"", h.category.label(), h.text))
        .collect::<Vec<_>>()
        .join("; ");
    if matches!(verdict, Verdict::ApproveOriginal { .. }) {
        return Err(format!(
            "the rules find critical risk in the original ({found}); it cannot be approved as it is: edit it or reject it"
        ));
    }
    match critical_override {
        Some(_) => Ok(true),
        None => Err(format!(
            "the rules find critical risk in the text that would be published ({found}); approving it needs an explicit override with a note"
        )),
    }
}

/// How a decision attempt ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DecisionOutcome {
    Applied {
        status: String,
        version: i64,
    },
    /// Someone else decided first (or the item changed since it was seen).
    LostRace {
        status: String,
        by: Option<String>,
        at: Option<DateTime<Utc>>,
    },
    /// The same action id was seen before: its first outcome, not applied again.
    Repeated {
        first_outcome: String,
        to_state: Option<String>,
    },
    /// The decision is not allowed for this item.
    Refused {
        reason: String,
    },
}

/// The longest text a post may have.
pub const MAX_POST_CHARS: usize = 280;

#[async_trait]
pub trait ReviewStore {
    /// Reviews with the given statuses (all when empty), newest first.
    async fn reviews(&self, statuses: &[&str], limit: i64)
    -> Result<Vec<ReviewRecord>, StoreError>;
    /// [`ReviewStore::reviews`] as one read to send with others.
    fn read_reviews(&self, r: &mut Reads, statuses: &[&str], limit: i64)
    -> Read<Vec<ReviewRecord>>;
    async fn review(&self, id: i64) -> Result<Option<ReviewRecord>, StoreError>;
    /// [`ReviewStore::review`] as one read to send with others.
    fn read_review(&self, r: &mut Reads, id: i64) -> Read<Option<ReviewRecord>>;
    /// Apply an operator's decision (see the module comment).
    async fn decide(
        &self,
        req: &DecisionRequest,
        now: DateTime<Utc>,
    ) -> Result<DecisionOutcome, StoreError>;
    /// Put a new proposed rewrite (asked for by an operator, `xbot review rewrite`) on a
    /// pending review, replacing the old proposal only now that the new one exists: guarded by
    /// the version the operator saw, refused (the old proposal kept) when the text is empty,
    /// too long or has critical risk by the rules, and audited (`rewrite`) in the same
    /// transaction.
    async fn propose_rewrite(
        &self,
        review_id: i64,
        seen_version: i64,
        text: &str,
        action_id: &str,
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<DecisionOutcome, StoreError>;
    /// Audit rows about one subject (or all), newest first.
    async fn audit(
        &self,
        subject: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError>;
    /// [`ReviewStore::audit`] as one read to send with others.
    fn read_audit(
        &self,
        r: &mut Reads,
        subject: Option<&str>,
        limit: i64,
    ) -> Read<Vec<AuditRecord>>;
}

/// An operator action as read back.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub action_id: String,
    pub subject: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub outcome: String,
    pub operator: String,
    pub os_user: String,
    pub ssh_client: Option<String>,
    pub host: String,
    pub app_version: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
    /// The front end it came from (`console` or `cli`).
    pub via: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Current {
    status: String,
    version: i64,
    risk_level: String,
    original_text: String,
    proposed_rewrite: Option<String>,
    decision_id: String,
    decided_by: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    part_index: i64,
}

/// The review as a decision reads it (`$1` the id; `lock` is ` FOR UPDATE` on Postgres).
fn current_sql(lock: &str) -> String {
    format!(
        "SELECT status, version, risk_level, original_text, proposed_rewrite,
                decision_id, decided_by, decided_at, part_index
         FROM safety_reviews WHERE id = $1{lock}"
    )
}

/// What a decision reads about its post in the same round trip as the review it locks: the
/// post's row in xBOT's table (its status and thread parts, locked on Postgres, since parts of
/// one thread may be decided at the same moment), how many of its other parts still wait for
/// a person, and its open hold. `$1` is the review's id.
struct PostReads {
    statements: Vec<(Sql, Vec<Val>)>,
}

#[derive(Default)]
struct Post {
    /// The post's status and thread parts in xBOT's table, when the row is there.
    row: Option<(Option<String>, Option<String>)>,
    other_pending: i64,
    hold: Option<(String, String)>,
}

impl PostReads {
    fn new(kind: BackendKind, src: &crate::store::SourceMap, review_id: i64) -> PostReads {
        let lock = if kind == BackendKind::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let of_review = "(SELECT decision_id FROM safety_reviews WHERE id = $1)";
        let row = match src.table("decisions") {
            Some(table) => {
                let status = quote_ident(src.col("decisions", "status").unwrap_or("status"));
                let parts = src
                    .col("decisions", "thread_parts")
                    .map(|c| format!("CAST({} AS TEXT)", quote_ident(c)))
                    .unwrap_or_else(|| "NULL".into());
                let id_eq = src.text_eq("decisions", "decision_id", of_review);
                format!("SELECT CAST({status} AS TEXT), {parts} FROM {table} WHERE {id_eq}{lock}")
            }
            None => "SELECT CAST(NULL AS TEXT), CAST(NULL AS TEXT) WHERE 1 = 0".into(),
        };
        PostReads {
            statements: vec![
                (row.into(), args![review_id]),
                (
                    format!(
                        "SELECT COUNT(*) FROM safety_reviews
                         WHERE decision_id = {of_review} AND status = 'pending' AND id <> $1"
                    )
                    .into(),
                    args![review_id],
                ),
                (
                    format!(
                        "SELECT previous_status, held_status FROM holds
                         WHERE decision_id = {of_review} AND released_at IS NULL"
                    )
                    .into(),
                    args![review_id],
                ),
            ],
        }
    }

    fn take(b: &mut Batch) -> Result<Post, StoreError> {
        let row = b
            .take::<(Option<String>, Option<String>)>()?
            .into_iter()
            .next();
        let other_pending = b.take::<(i64,)>()?.first().map_or(0, |(n,)| *n);
        let hold = b.take::<(String, String)>()?.into_iter().next();
        Ok(Post {
            row,
            other_pending,
            hold,
        })
    }
}

/// The approved text becomes the text that is posted: `content` for a single post, its part of
/// `thread_parts` (and `content`, which holds the first part) for a thread. Without this an
/// approved rewrite would leave the risky original in the queue.
async fn publish_approved_text<T: BackendTx>(
    tx: &mut T,
    src: &crate::store::SourceMap,
    post: &Post,
    decision_id: &str,
    text: String,
    part_index: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // xBOT's table, in its own columns: the operator's approved text is what xBOT posts.
    let (Some(table), Some((_, parts))) = (src.table("decisions"), &post.row) else {
        return Ok(());
    };
    let id_eq = src.text_eq("decisions", "decision_id", "$1");
    let parts_col = src.col("decisions", "thread_parts").map(quote_ident);
    let content_col = quote_ident(src.col("decisions", "content").unwrap_or("content"));
    let parts: Option<Vec<String>> = parts.as_deref().and_then(|p| serde_json::from_str(p).ok());
    let (content, parts) = match parts {
        Some(mut parts) if (part_index as usize) < parts.len() => {
            parts[part_index as usize] = text;
            (parts[0].clone(), Some(serde_json::json!(parts)))
        }
        _ => (text, None),
    };
    let mut sets = vec![format!("{content_col} = $2")];
    let mut vals = args![decision_id, content];
    if let (Some(c), Some(parts)) = (parts_col, parts) {
        sets.push(format!("{c} = $3"));
        vals.push(Val::Json(Some(parts)));
    }
    if let Some(c) = src.col("decisions", "updated_at") {
        sets.push(format!("{} = ${}", quote_ident(c), vals.len() + 1));
        vals.push(Val::from(now));
    }
    tx.execute_later(
        format!("UPDATE {table} SET {} WHERE {id_eq}", sets.join(", ")).into(),
        vals,
    )
    .await
}

/// A rejected post stays out of xBOT's posting queue: held with xBOT's own parking status
/// (see `hold_status`), the hold recorded with the reason, so that an operator can see it and
/// undo it.
async fn hold_rejected<T: BackendTx>(
    tx: &mut T,
    src: &crate::store::SourceMap,
    post: &Post,
    decision_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (Some(table), Some((Some(previous), _))) = (src.table("decisions"), &post.row) else {
        return Ok(());
    };
    if previous == "posted" || previous == "posting" {
        return Ok(());
    }
    let held = crate::store::ops::content::hold_status(src);
    let status = quote_ident(src.col("decisions", "status").unwrap_or("status"));
    let id_eq = src.text_eq("decisions", "decision_id", "$1");
    tx.execute_later(
        format!("UPDATE {table} SET {status} = $2 WHERE {id_eq}").into(),
        args![decision_id, held],
    )
    .await?;
    // Keep the status xBOT had given it before any hold, so an undo restores exactly that.
    tx.execute_later(
        "INSERT INTO holds (decision_id, previous_status, held_status, reason, held_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (decision_id) DO UPDATE SET held_status = excluded.held_status,
             reason = excluded.reason, released_at = NULL, released_to = NULL"
            .into(),
        args![
            decision_id,
            previous,
            held,
            format!("rejected: {reason}"),
            now
        ],
    )
    .await
}

/// Approved: when no part of the post still waits for a person, give it back to xBOT's
/// posting queue with the status it had before the hold (`queued` for xbot's own plans).
async fn release_hold<T: BackendTx>(
    tx: &mut T,
    src: &crate::store::SourceMap,
    post: &Post,
    decision_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(table) = src.table("decisions") else {
        return Ok(());
    };
    if post.other_pending > 0 {
        return Ok(());
    }
    let (to, held) = match &post.hold {
        Some((previous, held)) => (previous.clone(), held.clone()),
        None => ("queued".to_string(), "pending_review".to_string()),
    };
    let status = quote_ident(src.col("decisions", "status").unwrap_or("status"));
    let id_eq = src.text_eq("decisions", "decision_id", "$1");
    tx.execute_later(
        format!(
            "UPDATE {table} SET {status} = $2 WHERE {id_eq} AND {status} IN ($3, 'pending_review')"
        )
        .into(),
        args![decision_id, &to, &held],
    )
    .await?;
    if post.hold.is_some() {
        tx.execute_later(
            "UPDATE holds SET released_at = $2, released_to = $3 WHERE decision_id = $1".into(),
            args![decision_id, now, &to],
        )
        .await?;
    }
    Ok(())
}

/// The outcome and resulting state an action id was first given, if it already ran: a retried
/// action is answered with it instead of running twice.
pub(crate) const FIRST_OUTCOME: &str =
    "SELECT outcome, to_state FROM operator_audit WHERE action_id = $1";

/// `FIRST_OUTCOME` inside the action's own transaction.
pub(crate) async fn first_outcome_in<T: BackendTx>(
    tx: &mut T,
    action_id: &str,
) -> Result<Option<(String, Option<String>)>, StoreError> {
    tx.fetch_optional(FIRST_OUTCOME.into(), args![action_id])
        .await
}

/// `FIRST_OUTCOME` after a duplicate action id lost the insert race (its original committed).
pub(crate) async fn first_outcome<B: Backend>(
    db: &B,
    action_id: &str,
    what: &str,
) -> Result<(String, Option<String>), StoreError> {
    db.fetch_optional(FIRST_OUTCOME.into(), args![action_id])
        .await?
        .ok_or_else(|| StoreError::Conflict(format!("a concurrent {what} could not be read back")))
}

/// Write one audit row for an attempt.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_audit<T: BackendTx>(
    tx: &mut T,
    action_id: &str,
    subject: &str,
    action: &str,
    from: Option<&str>,
    to: Option<&str>,
    outcome: &str,
    op: &Operator,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // Sent with the transaction's next statement or its COMMIT (no wait of its own).
    tx.execute_later(
        "INSERT INTO operator_audit (action_id, subject, action, from_state, to_state, outcome,
             operator, os_user, ssh_client, host, app_version, at, note, via)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            .into(),
        args![
            action_id,
            subject,
            action,
            from,
            to,
            outcome,
            op.name(),
            &op.os_user,
            &op.ssh_client,
            &op.host,
            APP_VERSION,
            now,
            note,
            op.via.as_str()
        ],
    )
    .await
}

/// The answer to a lost race: the state the review is in now, and who made the last change
/// (the latest applied action in the audit trail, else the decider on the row).
async fn lost_race<T: BackendTx>(
    tx: &mut T,
    subject: &str,
    cur: &Current,
) -> Result<DecisionOutcome, StoreError> {
    let last: Option<(String, DateTime<Utc>)> = tx
        .fetch_optional(
            "SELECT operator, at FROM operator_audit
             WHERE subject = $1 AND outcome = 'applied'
             ORDER BY at DESC, id DESC LIMIT 1"
                .into(),
            args![subject],
        )
        .await?;
    let (by, at) = match last {
        Some((by, at)) => (Some(by), Some(at)),
        None => (cur.decided_by.clone(), cur.decided_at),
    };
    Ok(DecisionOutcome::LostRace {
        status: cur.status.clone(),
        by,
        at,
    })
}

fn validate(verdict: &Verdict, cur: &Current) -> Option<String> {
    match verdict {
        Verdict::ApproveRewrite
            if cur
                .proposed_rewrite
                .as_deref()
                .is_none_or(|t| t.trim().is_empty()) =>
        {
            Some("there is no proposed rewrite to approve".into())
        }
        Verdict::ApproveOriginal { .. } if cur.risk_level == "critical" => {
            Some("a critical item cannot be approved as it is; edit it or reject it".into())
        }
        Verdict::ApproveOriginal { note } if note.trim().is_empty() => {
            Some("approving the original needs a note saying why".into())
        }
        Verdict::ApproveEdited { text } if text.trim().is_empty() => {
            Some("the edited text is empty".into())
        }
        Verdict::ApproveEdited { text } if text.chars().count() > MAX_POST_CHARS => Some(format!(
            "the edited text has {} characters; the limit is {MAX_POST_CHARS}",
            text.chars().count()
        )),
        Verdict::Reject { reason } if reason.trim().is_empty() => {
            Some("a rejection needs a reason".into())
        }
        _ => None,
    }
}

#[async_trait]
impl<B: Backend> ReviewStore for SqlStore<B> {
    async fn reviews(
        &self,
        statuses: &[&str],
        limit: i64,
    ) -> Result<Vec<ReviewRecord>, StoreError> {
        self.read_alone(|r| self.read_reviews(r, statuses, limit))
            .await
    }

    fn read_reviews(
        &self,
        r: &mut Reads,
        statuses: &[&str],
        limit: i64,
    ) -> Read<Vec<ReviewRecord>> {
        // Statuses are a short closed list: bound as one comma-joined string and matched with
        // a portable membership test.
        let wanted = format!(",{},", statuses.join(","));
        let member = match B::KIND {
            crate::store::BackendKind::Postgres => "strpos($1, ',' || r.status || ',') > 0",
            crate::store::BackendKind::Sqlite => "instr($1, ',' || r.status || ',') > 0",
        };
        r.rows(
            self.sql(&format!(
                "SELECT {REVIEW_COLUMNS}
                     FROM safety_reviews r
                     LEFT JOIN {{decisions}} c ON c.decision_id = r.decision_id
                     WHERE $1 = ',,' OR {member}
                     ORDER BY CASE WHEN r.status = 'pending' THEN 0 ELSE 1 END,
                              r.created_at DESC, r.id DESC
                     LIMIT $2"
            )),
            args![wanted, limit],
        )
    }

    async fn review(&self, id: i64) -> Result<Option<ReviewRecord>, StoreError> {
        self.read_alone(|r| self.read_review(r, id)).await
    }

    fn read_review(&self, r: &mut Reads, id: i64) -> Read<Option<ReviewRecord>> {
        r.optional(
            self.sql(&format!(
                "SELECT {REVIEW_COLUMNS}
                 FROM safety_reviews r
                 LEFT JOIN {{decisions}} c ON c.decision_id = r.decision_id
                 WHERE r.id = $1"
            )),
            args![id],
        )
    }

    async fn decide(
        &self,
        req: &DecisionRequest,
        now: DateTime<Utc>,
    ) -> Result<DecisionOutcome, StoreError> {
        match self.decide_once(req, now).await {
            // The same action id landed concurrently (a retry racing its original): answer
            // with the first outcome.
            Err(StoreError::Duplicate(_)) => {
                let (first_outcome, to_state) =
                    first_outcome(&self.db, &req.action_id, "decision").await?;
                Ok(DecisionOutcome::Repeated {
                    first_outcome,
                    to_state,
                })
            }
            other => other,
        }
    }

    async fn propose_rewrite(
        &self,
        review_id: i64,
        seen_version: i64,
        text: &str,
        action_id: &str,
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<DecisionOutcome, StoreError> {
        let subject = format!("safety_review:{review_id}");
        let action = "rewrite";
        let mut tx = self.db.begin_write().await?;
        let earlier = first_outcome_in(&mut tx, action_id).await?;
        if let Some((first_outcome, to_state)) = earlier {
            return Ok(DecisionOutcome::Repeated {
                first_outcome,
                to_state,
            });
        }
        let lock = crate::store::ops::jobs::for_update(B::KIND);
        let cur: Current = tx
            .fetch_optional(current_sql(lock).into(), args![review_id])
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no safety review {review_id}")))?;
        let (outcome, note) = if cur.status != "pending" || cur.version != seen_version {
            (lost_race(&mut tx, &subject, &cur).await?, None)
        } else {
            let screened = screen(text);
            let chars = text.chars().count();
            let refusal = if text.trim().is_empty() {
                Some("the new rewrite is empty".to_string())
            } else if chars > MAX_POST_CHARS {
                Some(format!(
                    "the new rewrite has {chars} characters; the limit is {MAX_POST_CHARS}"
                ))
            } else if screened.level == RiskLevel::Critical {
                Some("the rules find critical risk in the new rewrite".to_string())
            } else {
                None
            };
            match refusal {
                Some(reason) => (
                    DecisionOutcome::Refused {
                        reason: format!("{reason}; the proposed rewrite is kept"),
                    },
                    Some(reason),
                ),
                None => {
                    tx.execute(
                        "UPDATE safety_reviews SET proposed_rewrite = $2,
                             rewrite_attempts = rewrite_attempts + 1,
                             version = version + 1, updated_at = $3
                         WHERE id = $1"
                            .into(),
                        args![review_id, text, now],
                    )
                    .await?;
                    (
                        DecisionOutcome::Applied {
                            status: cur.status.clone(),
                            version: cur.version + 1,
                        },
                        Some(format!(
                            "new proposed rewrite ({} risk by the rules)",
                            screened.level
                        )),
                    )
                }
            }
        };
        let outcome_name = match &outcome {
            DecisionOutcome::Applied { .. } => "applied",
            DecisionOutcome::LostRace { .. } => "lost_race",
            DecisionOutcome::Refused { .. } => "refused",
            DecisionOutcome::Repeated { .. } => "repeated",
        };
        insert_audit(
            &mut tx,
            action_id,
            &subject,
            action,
            Some(&cur.status),
            Some(&cur.status),
            outcome_name,
            operator,
            note.as_deref(),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn audit(
        &self,
        subject: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        self.read_alone(|r| self.read_audit(r, subject, limit))
            .await
    }

    fn read_audit(
        &self,
        r: &mut Reads,
        subject: Option<&str>,
        limit: i64,
    ) -> Read<Vec<AuditRecord>> {
        r.rows(
            "SELECT id, action_id, subject, action, from_state, to_state, outcome, operator,
                    os_user, ssh_client, host, app_version, at, note, via
             FROM operator_audit
             WHERE $1 IS NULL OR subject = $1
             ORDER BY at DESC, id DESC LIMIT $2"
                .into(),
            args![subject.map(str::to_string), limit],
        )
    }
}

impl<B: Backend> SqlStore<B> {
    async fn decide_once(
        &self,
        req: &DecisionRequest,
        now: DateTime<Utc>,
    ) -> Result<DecisionOutcome, StoreError> {
        let subject = format!("safety_review:{}", req.review_id);
        let action = req.verdict.action();
        let src = self.src();
        let mut tx = self.db.begin_write().await?;
        // Everything the decision reads, in one round trip: the action id's first outcome (a
        // retried action is answered with it), the review, locked on Postgres (a concurrent
        // decision's commit is waited for and its result read, not the row as it was when
        // this transaction began, so a loser always sees the winner and the final state;
        // SQLite's write transaction already holds the lock), and its post.
        let lock = if B::KIND == BackendKind::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let mut statements = vec![
            (FIRST_OUTCOME.into(), args![&req.action_id]),
            (current_sql(lock).into(), args![req.review_id]),
        ];
        statements.extend(PostReads::new(B::KIND, &src, req.review_id).statements);
        let mut b = tx.fetch_batch(statements).await?;
        let earlier: Option<(String, Option<String>)> = b.take()?.into_iter().next();
        if let Some((first_outcome, to_state)) = earlier {
            return Ok(DecisionOutcome::Repeated {
                first_outcome,
                to_state,
            });
        }
        let cur: Current =
            b.take()?.into_iter().next().ok_or_else(|| {
                StoreError::NotFound(format!("no safety review {}", req.review_id))
            })?;
        let post = PostReads::take(&mut b)?;
        // Decided or changed since the operator saw it: a lost race, answered with who made
        // the last change and the state it left.
        if cur.status != "pending" || cur.version != req.seen_version {
            let outcome = lost_race(&mut tx, &subject, &cur).await?;
            insert_audit(
                &mut tx,
                &req.action_id,
                &subject,
                action,
                Some(&cur.status),
                Some(&cur.status),
                "lost_race",
                &req.operator,
                req.verdict.note(),
                now,
            )
            .await?;
            tx.commit().await?;
            return Ok(outcome);
        }

        // The one policy: re-screen the exact text that would be published.
        let mut overriding = false;
        let refusal = validate(&req.verdict, &cur).or_else(|| {
            let text = text_to_publish(
                &req.verdict,
                &cur.original_text,
                cur.proposed_rewrite.as_deref(),
            )?;
            match approval_policy(&req.verdict, text, req.critical_override.as_ref()) {
                Ok(o) => {
                    overriding = o;
                    None
                }
                Err(reason) => Some(reason),
            }
        });
        let override_action;
        let action = if overriding {
            override_action = format!("{action}_override");
            override_action.as_str()
        } else {
            action
        };
        let note = match (&req.critical_override, req.verdict.note()) {
            (Some(o), None) if overriding => Some(o.note()),
            (Some(o), Some(n)) if overriding && n != o.note() => None,
            (_, n) => n,
        };
        let combined_note = match (&req.critical_override, req.verdict.note()) {
            (Some(o), Some(n)) if overriding && n != o.note() => {
                Some(format!("{n} (override: {})", o.note()))
            }
            _ => None,
        };
        let note = combined_note.as_deref().or(note);
        let new_status = req.verdict.status();
        let final_text = match &req.verdict {
            Verdict::ApproveRewrite => cur.proposed_rewrite.clone(),
            Verdict::ApproveEdited { text } => Some(text.clone()),
            Verdict::ApproveOriginal { .. } => None,
            _ => None,
        };
        // What will be posted when approved (the row's `final_text` after the update).
        let published = match &req.verdict {
            Verdict::ApproveOriginal { .. } => Some(cur.original_text.clone()),
            _ => final_text.clone(),
        };
        if refusal.is_none() {
            // Asking for another rewrite decides nothing; the proposal is kept. The row is
            // locked and was checked above: the update applies.
            let decided = !matches!(req.verdict, Verdict::RequestRewrite { .. });
            tx.execute_later(
                "UPDATE safety_reviews SET
                     status = $3,
                     version = version + 1,
                     decided_by = CASE WHEN $4 THEN $5 ELSE decided_by END,
                     decided_at = CASE WHEN $4 THEN $6 ELSE decided_at END,
                     note = COALESCE($7, note),
                     final_text = CASE WHEN $8 = 'approved_original' THEN original_text
                                       ELSE COALESCE($9, final_text) END,
                     updated_at = $6
                 WHERE id = $1 AND status = 'pending' AND version = $2"
                    .into(),
                args![
                    req.review_id,
                    req.seen_version,
                    new_status,
                    decided,
                    req.operator.name(),
                    now,
                    note,
                    new_status,
                    final_text
                ],
            )
            .await?;
        }

        let outcome = if let Some(reason) = refusal {
            insert_audit(
                &mut tx,
                &req.action_id,
                &subject,
                action,
                Some(&cur.status),
                Some(&cur.status),
                "refused",
                &req.operator,
                Some(&reason),
                now,
            )
            .await?;
            DecisionOutcome::Refused { reason }
        } else {
            // The content follows: rejected at once; queued when no part is still pending.
            match &req.verdict {
                Verdict::Reject { reason } => {
                    hold_rejected(&mut tx, &src, &post, &cur.decision_id, reason, now).await?;
                    insert_event(
                        &mut tx,
                        &EventRow {
                            event_type: "safety_rejected".into(),
                            severity: "warning".into(),
                            component: "safety_guard".into(),
                            message: format!("rejected by {}: {reason}", req.operator.name()),
                            metadata: Some(serde_json::json!({
                                "review_id": req.review_id,
                                "decision_id": cur.decision_id,
                            })),
                            created_at: now,
                        },
                    )
                    .await?;
                }
                Verdict::RequestRewrite { .. } => {}
                _ => {
                    if let Some(text) = published {
                        publish_approved_text(
                            &mut tx,
                            &src,
                            &post,
                            &cur.decision_id,
                            text,
                            cur.part_index,
                            now,
                        )
                        .await?;
                    }
                    release_hold(&mut tx, &src, &post, &cur.decision_id, now).await?;
                }
            }
            insert_audit(
                &mut tx,
                &req.action_id,
                &subject,
                action,
                Some(&cur.status),
                Some(new_status),
                "applied",
                &req.operator,
                note,
                now,
            )
            .await?;
            DecisionOutcome::Applied {
                status: new_status.to_string(),
                version: cur.version + 1,
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }
}
