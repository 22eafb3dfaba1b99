//! Incidents and system events. An incident opens and resolves on state changes only: at most
//! one is open per (kind, subject) (a partial unique index), and each transition writes exactly
//! one `events` row in the same transaction. Seeing the same condition again only bumps
//! `last_seen_at` and `count`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::args;
use crate::store::backend::{Backend, BackendTx, Val};
use crate::store::types::EventRow;
use crate::store::{SqlStore, StoreError};

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
    async fn events(&self, limit: i64) -> Result<Vec<EventRecord>, StoreError>;
    async fn record_event(&self, event: &EventRow) -> Result<(), StoreError>;
}

pub(crate) async fn insert_event<T: BackendTx>(tx: &mut T, e: &EventRow) -> Result<(), StoreError> {
    let mut args = args![&e.event_type, &e.severity, &e.component, &e.message];
    args.push(Val::Json(e.metadata.clone()));
    args.push(Val::from(e.created_at));
    tx.execute(
        "INSERT INTO events (event_type, severity, component, message, metadata, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)"
            .into(),
        args,
    )
    .await
    .map(|_| ())
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
                "UPDATE incidents SET state = 'resolved', resolved_at = $3, last_seen_at = $3
                 WHERE kind = $1 AND subject = $2 AND state = 'open'
                 RETURNING id, severity"
                    .into(),
                args![kind, subject, now],
            )
            .await?;
        let transition = match resolved {
            Some((id, _severity)) => {
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
        self.db
            .fetch_all(
                "SELECT id, kind, subject, state, severity, opened_at, resolved_at, last_seen_at,
                        count, details
                 FROM incidents
                 WHERE state = 'open' OR $1
                 ORDER BY CASE WHEN state = 'open' THEN 0 ELSE 1 END, opened_at DESC, id DESC
                 LIMIT $2"
                    .into(),
                args![include_resolved, limit],
            )
            .await
    }

    async fn events(&self, limit: i64) -> Result<Vec<EventRecord>, StoreError> {
        self.db
            .fetch_all(
                "SELECT id, event_type, severity, component, message,
                        CAST(metadata AS TEXT) AS metadata, created_at
                 FROM events ORDER BY created_at DESC, id DESC LIMIT $1"
                    .into(),
                args![limit],
            )
            .await
    }

    async fn record_event(&self, event: &EventRow) -> Result<(), StoreError> {
        let mut tx = self.db.begin_write().await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await
    }
}
