//! Incidents and system events. An incident opens and resolves on state changes only: at most
//! one is open per (kind, subject) (a partial unique index), and each transition writes exactly
//! one `events` row and one notification per registered destination (`notify_outbox`) in the
//! same transaction. Seeing the same condition again only bumps `last_seen_at` and `count`.
//!
//! Operators act on incidents here too (acknowledge, resolve by hand, note), with the same
//! rules as review decisions: a unique action id (a retry answers with the first outcome), a
//! state-guarded update (a lost race names who won and the state now), and one
//! `operator_audit` row per attempt. An acknowledged incident stays open (and visible) but
//! stops paging: its later notifications are only its resolution.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::args;
use crate::identity::Operator;
use crate::store::backend::{Backend, BackendTx, Val};
use crate::store::ops::notify::{Notice, enqueue};
use crate::store::ops::reviews::insert_audit;
use crate::store::types::EventRow;
use crate::store::{Read, Reads, SqlStore, StoreError};

/// The incident kind whose opening is announced as `review_sla_missed`.
pub const REVIEW_SLA_KIND: &str = "review_sla";

/// What an observation did to the incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Opened,
    StillOpen,
    Resolved,
    AlreadyResolved,
}

/// An incident as read back.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct IncidentRecord {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub state: String,
    pub severity: String,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub last_seen_at: DateTime<Utc>,
    pub count: i64,
    pub details: Option<String>,
    /// Set while open: an operator has it (no more paging).
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    /// An operator (`user@host`) or `xbot` (the condition cleared).
    pub resolved_by: Option<String>,
    /// Why it was resolved.
    pub resolution: Option<String>,
}

impl IncidentRecord {
    /// `open`, `acknowledged` or `resolved`.
    pub fn status(&self) -> &str {
        if self.state == "open" && self.acknowledged_at.is_some() {
            "acknowledged"
        } else {
            &self.state
        }
    }
}

const INCIDENT_COLUMNS: &str = "id, kind, subject, state, severity, opened_at, resolved_at, \
     last_seen_at, count, details, acknowledged_at, acknowledged_by, resolved_by, resolution";

/// A note on an incident (acknowledge, resolve or a plain note).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct IncidentNote {
    pub id: i64,
    pub incident_id: i64,
    pub at: DateTime<Utc>,
    pub author: String,
    pub action: String,
    pub note: String,
}

/// What an operator does to an incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum IncidentAction {
    Acknowledge {
        note: Option<String>,
    },
    /// Resolve by hand: the note (why) is required.
    Resolve {
        note: String,
    },
    Note {
        note: String,
    },
}

impl IncidentAction {
    /// The audit action name.
    pub fn name(&self) -> &'static str {
        match self {
            IncidentAction::Acknowledge { .. } => "incident_acknowledge",
            IncidentAction::Resolve { .. } => "incident_resolve",
            IncidentAction::Note { .. } => "incident_note",
        }
    }

    fn note(&self) -> Option<&str> {
        match self {
            IncidentAction::Acknowledge { note } => note.as_deref(),
            IncidentAction::Resolve { note } | IncidentAction::Note { note } => Some(note.as_str()),
        }
        .map(str::trim)
        .filter(|n| !n.is_empty())
    }
}

/// One operator action on an incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRequest {
    pub incident_id: i64,
    pub action: IncidentAction,
    /// Unique per attempt: a retry of the same action reuses it.
    pub action_id: String,
    pub operator: Operator,
}

/// How an operator action on an incident ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum IncidentOutcome {
    Applied {
        from_state: String,
        to_state: String,
    },
    /// Someone (or xbot) got there first: the state now, who made it and when.
    LostRace {
        state: String,
        by: Option<String>,
        at: Option<DateTime<Utc>>,
    },
    /// The same action id was seen before: its first outcome, not applied again.
    Repeated {
        first_outcome: String,
        to_state: Option<String>,
    },
    Refused {
        reason: String,
    },
}

impl IncidentOutcome {
    /// One line for the operator, and whether the action was applied.
    pub fn describe(
        &self,
        id: i64,
        action: &IncidentAction,
        operator: &str,
        now: DateTime<Utc>,
    ) -> (String, bool) {
        let inert = crate::text::inert;
        match self {
            IncidentOutcome::Applied { to_state, .. } => (
                match action {
                    IncidentAction::Note { .. } => {
                        format!("incident {id}: note added by {operator}")
                    }
                    _ => format!("incident {id}: {to_state} by {operator}"),
                },
                true,
            ),
            IncidentOutcome::LostRace { state, by, at } => (
                format!(
                    "incident {id}: already {state}{}{}; nothing applied",
                    by.as_deref()
                        .map(|b| format!(" by {}", inert(b)))
                        .unwrap_or_default(),
                    at.map(|t| format!(" {}", ago(now, t))).unwrap_or_default()
                ),
                false,
            ),
            IncidentOutcome::Refused { reason } => {
                (format!("incident {id}: refused: {reason}"), false)
            }
            IncidentOutcome::Repeated { first_outcome, .. } => (
                format!(
                    "incident {id}: this action was already recorded ({first_outcome}); not applied again"
                ),
                false,
            ),
        }
    }
}

/// "8 s ago", "3 min ago", "2 h ago", "4 d ago".
fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    match (now - then).num_seconds().max(0) {
        s @ 0..=59 => format!("{s} s ago"),
        s @ 60..=3599 => format!("{} min ago", s / 60),
        s @ 3600..=172_799 => format!("{} h ago", s / 3600),
        s => format!("{} d ago", s / 86_400),
    }
}

#[derive(sqlx::FromRow)]
struct CurrentIncident {
    state: String,
    kind: String,
    subject: String,
    severity: String,
    acknowledged_at: Option<DateTime<Utc>>,
    acknowledged_by: Option<String>,
    resolved_at: Option<DateTime<Utc>>,
    resolved_by: Option<String>,
}

impl CurrentIncident {
    fn status(&self) -> &'static str {
        match (self.state.as_str(), self.acknowledged_at) {
            ("open", None) => "open",
            ("open", Some(_)) => "acknowledged",
            _ => "resolved",
        }
    }

    /// Who made the current state, and when.
    fn made_by(&self) -> (Option<String>, Option<DateTime<Utc>>) {
        match self.status() {
            "resolved" => (self.resolved_by.clone(), self.resolved_at),
            "acknowledged" => (self.acknowledged_by.clone(), self.acknowledged_at),
            _ => (None, None),
        }
    }
}

/// A system event as read back.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct EventRecord {
    pub id: i64,
    pub event_type: String,
    pub severity: String,
    pub component: String,
    pub message: String,
    #[serde(serialize_with = "crate::text::json_text")]
    pub metadata: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait IncidentStore {
    /// Report that the condition holds now. Opens the incident (and writes one event) if none
    /// is open; otherwise updates it silently.
    async fn raise_incident(
        &self,
        kind: &str,
        subject: &str,
        severity: &str,
        details: &str,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError>;
    /// Report that the condition no longer holds. Resolves (and writes one event) if open.
    async fn clear_incident(
        &self,
        kind: &str,
        subject: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError>;
    /// Open incidents first (newest first), then resolved ones when asked.
    async fn incidents(
        &self,
        include_resolved: bool,
        limit: i64,
    ) -> Result<Vec<IncidentRecord>, StoreError>;
    /// [`IncidentStore::incidents`] as one read to send with others.
    fn read_incidents(
        &self,
        r: &mut Reads,
        include_resolved: bool,
        limit: i64,
    ) -> Read<Vec<IncidentRecord>>;
    async fn events(&self, limit: i64) -> Result<Vec<EventRecord>, StoreError>;
    /// [`IncidentStore::events`] as one read to send with others.
    fn read_events(&self, r: &mut Reads, limit: i64) -> Read<Vec<EventRecord>>;
    async fn record_event(&self, event: &EventRow) -> Result<(), StoreError>;
    async fn incident(&self, id: i64) -> Result<Option<IncidentRecord>, StoreError>;
    /// Notes on the given incidents, oldest first.
    async fn incident_notes(&self, ids: &[i64]) -> Result<Vec<IncidentNote>, StoreError>;
    /// The notes on the incidents [`IncidentStore::incidents`] lists with the same arguments,
    /// oldest first, as one read to send with that list.
    fn read_listed_incident_notes(
        &self,
        r: &mut Reads,
        include_resolved: bool,
        limit: i64,
    ) -> Read<Vec<IncidentNote>>;
    /// Pending safety reviews created before `cutoff`: how many, and the oldest.
    async fn pending_reviews_before(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<Option<OverdueReviews>, StoreError>;
    /// Acknowledge, resolve by hand or note an incident (see the module comment).
    async fn act_on_incident(
        &self,
        req: &IncidentRequest,
        now: DateTime<Utc>,
    ) -> Result<IncidentOutcome, StoreError>;
}

/// Pending reviews over the review SLA.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueReviews {
    pub count: i64,
    pub oldest_id: i64,
    pub oldest_at: DateTime<Utc>,
}

/// A comma-joined id list for a portable membership test (`instr`/`strpos`).
/// Which incidents a listing shows (`$1`: resolved ones too) and in what order; `listed_ids`
/// is the same list's ids, for the reads that go with it.
const LISTED_WHERE: &str = "state = 'open' OR $1";
const LISTED_ORDER: &str = "CASE WHEN state = 'open' THEN 0 ELSE 1 END, opened_at DESC, id DESC";

/// The ids of the incidents a listing shows (`$1` resolved too, `$2` the limit).
pub(crate) fn listed_ids() -> String {
    format!("SELECT id FROM incidents WHERE {LISTED_WHERE} ORDER BY {LISTED_ORDER} LIMIT $2")
}

pub(crate) fn id_list(ids: &[i64]) -> String {
    let joined: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!(",{},", joined.join(","))
}

pub(crate) async fn insert_event<T: BackendTx>(tx: &mut T, e: &EventRow) -> Result<(), StoreError> {
    let mut args = args![&e.event_type, &e.severity, &e.component, &e.message];
    args.push(Val::Json(e.metadata.clone()));
    args.push(Val::from(e.created_at));
    // Sent with the transaction's next statement or its COMMIT (no wait of its own).
    tx.execute_later(
        "INSERT INTO events (event_type, severity, component, message, metadata, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)"
            .into(),
        args,
    )
    .await
}

#[async_trait]
impl<B: Backend> IncidentStore for SqlStore<B> {
    async fn raise_incident(
        &self,
        kind: &str,
        subject: &str,
        severity: &str,
        details: &str,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        let mut tx = self.db.begin_write().await?;
        let opened: Option<(i64,)> = tx
            .fetch_optional(
                "INSERT INTO incidents (kind, subject, state, severity, opened_at, last_seen_at, count, details)
                 VALUES ($1, $2, 'open', $3, $4, $4, 1, $5)
                 ON CONFLICT DO NOTHING
                 RETURNING id"
                    .into(),
                args![kind, subject, severity, now, details],
            )
            .await?;
        let transition = if let Some((id,)) = opened {
            let transition = if kind == REVIEW_SLA_KIND {
                "review_sla_missed"
            } else {
                "opened"
            };
            enqueue(
                &mut tx,
                &Notice {
                    incident_id: Some(id),
                    transition: transition.into(),
                    kind: kind.into(),
                    subject: subject.into(),
                    severity: severity.into(),
                    at: now,
                    text: format!("incident #{id} {kind} on {subject} ({severity}): {details}"),
                },
            )
            .await?;
            insert_event(
                &mut tx,
                &EventRow {
                    event_type: "incident_opened".into(),
                    severity: severity.into(),
                    component: kind.into(),
                    message: format!("{kind} {subject}: {details}"),
                    metadata: Some(
                        serde_json::json!({"incident_id": id, "kind": kind, "subject": subject}),
                    ),
                    created_at: now,
                },
            )
            .await?;
            Transition::Opened
        } else {
            tx.execute(
                "UPDATE incidents SET last_seen_at = $3, count = count + 1, details = $4
                 WHERE kind = $1 AND subject = $2 AND state = 'open'"
                    .into(),
                args![kind, subject, now, details],
            )
            .await?;
            Transition::StillOpen
        };
        tx.commit().await?;
        Ok(transition)
    }

    async fn clear_incident(
        &self,
        kind: &str,
        subject: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        let mut tx = self.db.begin_write().await?;
        let resolved: Option<(i64, String)> = tx
            .fetch_optional(
                "UPDATE incidents SET state = 'resolved', resolved_at = $3, last_seen_at = $3,
                     resolved_by = 'xbot', resolution = $4
                 WHERE kind = $1 AND subject = $2 AND state = 'open'
                 RETURNING id, severity"
                    .into(),
                args![kind, subject, now, note],
            )
            .await?;
        let transition = match resolved {
            Some((id, severity)) => {
                enqueue(
                    &mut tx,
                    &Notice {
                        incident_id: Some(id),
                        transition: "resolved".into(),
                        kind: kind.into(),
                        subject: subject.into(),
                        severity,
                        at: now,
                        text: format!(
                            "incident #{id} {kind} on {subject} resolved by xbot: {note}"
                        ),
                    },
                )
                .await?;
                insert_event(
                    &mut tx,
                    &EventRow {
                        event_type: "incident_resolved".into(),
                        severity: "info".into(),
                        component: kind.into(),
                        message: format!("{kind} {subject} resolved: {note}"),
                        metadata: Some(serde_json::json!({"incident_id": id, "kind": kind, "subject": subject})),
                        created_at: now,
                    },
                )
                .await?;
                Transition::Resolved
            }
            None => Transition::AlreadyResolved,
        };
        tx.commit().await?;
        Ok(transition)
    }

    async fn incidents(
        &self,
        include_resolved: bool,
        limit: i64,
    ) -> Result<Vec<IncidentRecord>, StoreError> {
        self.read_alone(|r| self.read_incidents(r, include_resolved, limit))
            .await
    }

    fn read_incidents(
        &self,
        r: &mut Reads,
        include_resolved: bool,
        limit: i64,
    ) -> Read<Vec<IncidentRecord>> {
        r.rows(
            format!(
                "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE {LISTED_WHERE}
                 ORDER BY {LISTED_ORDER} LIMIT $2"
            )
            .into(),
            args![include_resolved, limit],
        )
    }

    async fn events(&self, limit: i64) -> Result<Vec<EventRecord>, StoreError> {
        self.read_alone(|r| self.read_events(r, limit)).await
    }

    fn read_events(&self, r: &mut Reads, limit: i64) -> Read<Vec<EventRecord>> {
        r.rows(
            "SELECT id, event_type, severity, component, message,
                    CAST(metadata AS TEXT) AS metadata, created_at
             FROM events ORDER BY created_at DESC, id DESC LIMIT $1"
                .into(),
            args![limit],
        )
    }

    async fn record_event(&self, event: &EventRow) -> Result<(), StoreError> {
        let mut tx = self.db.begin_write().await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await
    }

    async fn pending_reviews_before(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<Option<OverdueReviews>, StoreError> {
        let oldest: Option<(i64, DateTime<Utc>)> = self
            .db
            .fetch_optional(
                "SELECT id, created_at FROM safety_reviews
                 WHERE status = 'pending' AND created_at < $1
                 ORDER BY created_at, id LIMIT 1"
                    .into(),
                args![cutoff],
            )
            .await?;
        let Some((oldest_id, oldest_at)) = oldest else {
            return Ok(None);
        };
        let (count,): (i64,) = self
            .db
            .fetch_optional(
                "SELECT COUNT(*) FROM safety_reviews WHERE status = 'pending' AND created_at < $1"
                    .into(),
                args![cutoff],
            )
            .await?
            .unwrap_or((0,));
        Ok(Some(OverdueReviews {
            count,
            oldest_id,
            oldest_at,
        }))
    }

    async fn incident(&self, id: i64) -> Result<Option<IncidentRecord>, StoreError> {
        self.db
            .fetch_optional(
                format!("SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = $1").into(),
                args![id],
            )
            .await
    }

    async fn incident_notes(&self, ids: &[i64]) -> Result<Vec<IncidentNote>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let member = match B::KIND {
            crate::store::BackendKind::Postgres => "strpos($1, ',' || incident_id || ',') > 0",
            crate::store::BackendKind::Sqlite => "instr($1, ',' || incident_id || ',') > 0",
        };
        self.db
            .fetch_all(
                format!(
                    "SELECT id, incident_id, at, author, action, note FROM incident_notes
                     WHERE {member} ORDER BY at, id"
                )
                .into(),
                args![id_list(ids)],
            )
            .await
    }

    fn read_listed_incident_notes(
        &self,
        r: &mut Reads,
        include_resolved: bool,
        limit: i64,
    ) -> Read<Vec<IncidentNote>> {
        r.rows(
            format!(
                "SELECT id, incident_id, at, author, action, note FROM incident_notes
                 WHERE incident_id IN ({}) ORDER BY at, id",
                listed_ids()
            )
            .into(),
            args![include_resolved, limit],
        )
    }

    async fn act_on_incident(
        &self,
        req: &IncidentRequest,
        now: DateTime<Utc>,
    ) -> Result<IncidentOutcome, StoreError> {
        match self.act_once(req, now).await {
            // The same action id landed concurrently (a retry racing its original).
            Err(StoreError::Duplicate(_)) => {
                let (first_outcome, to_state) =
                    crate::store::ops::reviews::first_outcome(&self.db, &req.action_id, "action")
                        .await?;
                Ok(IncidentOutcome::Repeated {
                    first_outcome,
                    to_state,
                })
            }
            other => other,
        }
    }
}

impl<B: Backend> SqlStore<B> {
    async fn act_once(
        &self,
        req: &IncidentRequest,
        now: DateTime<Utc>,
    ) -> Result<IncidentOutcome, StoreError> {
        let subject = format!("incident:{}", req.incident_id);
        let action = req.action.name();
        let note = req.action.note();
        let mut tx = self.db.begin_write().await?;
        // Locked on Postgres: a concurrent action's commit is waited for and its result read,
        // so the state checked below is the one the change applies to (SQLite's write
        // transaction already holds the lock).
        let read = format!(
            "SELECT state, kind, subject, severity, acknowledged_at, acknowledged_by,
                    resolved_at, resolved_by
             FROM incidents WHERE id = $1{}",
            crate::store::ops::jobs::for_update(B::KIND)
        );
        // The action id's first outcome (a retried action is answered with it) and the
        // incident, in one round trip.
        let mut b = tx
            .fetch_batch(vec![
                (
                    crate::store::ops::reviews::FIRST_OUTCOME.into(),
                    args![&req.action_id],
                ),
                (read.into(), args![req.incident_id]),
            ])
            .await?;
        let earlier: Option<(String, Option<String>)> = b.take()?.into_iter().next();
        if let Some((first_outcome, to_state)) = earlier {
            return Ok(IncidentOutcome::Repeated {
                first_outcome,
                to_state,
            });
        }
        let cur: CurrentIncident = b
            .take()?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::NotFound(format!("no incident {}", req.incident_id)))?;
        let from = cur.status();
        let refusal = match &req.action {
            IncidentAction::Resolve { .. } if note.is_none() => {
                Some("resolving an incident by hand needs a note saying why".to_string())
            }
            IncidentAction::Note { .. } if note.is_none() => Some("the note is empty".to_string()),
            _ => None,
        };
        if let Some(reason) = refusal {
            insert_audit(
                &mut tx,
                &req.action_id,
                &subject,
                action,
                Some(from),
                Some(from),
                "refused",
                &req.operator,
                Some(&reason),
                now,
            )
            .await?;
            tx.commit().await?;
            return Ok(IncidentOutcome::Refused { reason });
        }
        let who = req.operator.name();
        // The change applies only from the state it is for (someone may have got there
        // first); the row is locked, so the state read is the one the update meets.
        let to = match &req.action {
            IncidentAction::Acknowledge { .. } if from == "open" => {
                tx.execute_later(
                    "UPDATE incidents SET acknowledged_at = $2, acknowledged_by = $3
                     WHERE id = $1 AND state = 'open' AND acknowledged_at IS NULL"
                        .into(),
                    args![req.incident_id, now, &who],
                )
                .await?;
                Some("acknowledged")
            }
            IncidentAction::Resolve { .. } if from != "resolved" => {
                tx.execute_later(
                    "UPDATE incidents SET state = 'resolved', resolved_at = $2, last_seen_at = $2,
                         resolved_by = $3, resolution = $4
                     WHERE id = $1 AND state = 'open'"
                        .into(),
                    args![req.incident_id, now, &who, note],
                )
                .await?;
                Some("resolved")
            }
            IncidentAction::Note { .. } => Some(from),
            _ => None,
        };
        let Some(to) = to else {
            let state = from.to_string();
            let (by, at) = cur.made_by();
            insert_audit(
                &mut tx,
                &req.action_id,
                &subject,
                action,
                Some(&state),
                Some(&state),
                "lost_race",
                &req.operator,
                note,
                now,
            )
            .await?;
            tx.commit().await?;
            return Ok(IncidentOutcome::LostRace { state, by, at });
        };
        if let Some(text) = note {
            let verb = match &req.action {
                IncidentAction::Acknowledge { .. } => "acknowledge",
                IncidentAction::Resolve { .. } => "resolve",
                IncidentAction::Note { .. } => "note",
            };
            tx.execute_later(
                "INSERT INTO incident_notes (incident_id, at, author, action, note)
                 VALUES ($1, $2, $3, $4, $5)"
                    .into(),
                args![req.incident_id, now, &who, verb, text],
            )
            .await?;
        }
        let (kind, isubject) = (&cur.kind, &cur.subject);
        let said = note.map(|n| format!(": {n}")).unwrap_or_default();
        let (event_type, message) = match &req.action {
            IncidentAction::Acknowledge { .. } => (
                "incident_acknowledged",
                format!("{kind} {isubject} acknowledged by {who}{said}"),
            ),
            IncidentAction::Resolve { .. } => (
                "incident_resolved",
                format!("{kind} {isubject} resolved by {who}{said}"),
            ),
            IncidentAction::Note { .. } => (
                "incident_note",
                format!("{kind} {isubject} note by {who}{said}"),
            ),
        };
        insert_event(
            &mut tx,
            &EventRow {
                event_type: event_type.into(),
                severity: "info".into(),
                component: kind.clone(),
                message: message.clone(),
                metadata: Some(serde_json::json!({
                    "incident_id": req.incident_id, "kind": kind, "subject": isubject,
                    "operator": who,
                })),
                created_at: now,
            },
        )
        .await?;
        // Acknowledging and resolving are announced; a note is not.
        let transition = match &req.action {
            IncidentAction::Acknowledge { .. } => Some("acknowledged"),
            IncidentAction::Resolve { .. } => Some("resolved"),
            IncidentAction::Note { .. } => None,
        };
        if let Some(transition) = transition {
            enqueue(
                &mut tx,
                &Notice {
                    incident_id: Some(req.incident_id),
                    transition: transition.into(),
                    kind: kind.clone(),
                    subject: isubject.clone(),
                    severity: cur.severity.clone(),
                    at: now,
                    text: format!("incident #{} {message}", req.incident_id),
                },
            )
            .await?;
        }
        insert_audit(
            &mut tx,
            &req.action_id,
            &subject,
            action,
            Some(from),
            Some(to),
            "applied",
            &req.operator,
            note,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(IncidentOutcome::Applied {
            from_state: from.to_string(),
            to_state: to.to_string(),
        })
    }
}
