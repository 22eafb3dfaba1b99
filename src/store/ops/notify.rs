//! The notification outbox. A transition (an incident opened, acknowledged, resolved; the
//! review SLA missed) writes one row per registered destination in its own transaction
//! ([`enqueue`]); deliverers (`xbot serve`, a console when no worker runs) claim due rows with
//! a lease, so that however many run, each row is sent by one of them at a time. Rows of one
//! incident go to a destination in order (a PagerDuty resolve never overtakes its trigger).
//! Destinations are registered by name and kind only: their URLs and keys never reach the
//! database.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::args;
use crate::store::backend::{Backend, BackendKind, BackendTx, Val};
use crate::store::ops::incidents::{id_list, listed_ids};
use crate::store::{Read, Reads, SqlStore, StoreError};

/// What a notification says, whatever the destination's format.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Notice {
    pub incident_id: Option<i64>,
    /// `opened`, `acknowledged`, `resolved`, `review_sla_missed` or `test`.
    pub transition: String,
    pub kind: String,
    pub subject: String,
    pub severity: String,
    pub at: DateTime<Utc>,
    pub text: String,
}

/// Queue `notice` for every registered destination, inside the transition's transaction.
pub(crate) async fn enqueue<T: BackendTx>(tx: &mut T, notice: &Notice) -> Result<(), StoreError> {
    let payload = serde_json::to_value(notice)
        .map_err(|e| StoreError::Query(format!("cannot encode a notification: {e}")))?;
    let mut vals = args![notice.incident_id, &notice.transition];
    vals.push(Val::Json(Some(payload)));
    vals.push(Val::from(notice.at));
    // Sent with the transaction's next statement or its COMMIT.
    tx.execute_later(
        "INSERT INTO notify_outbox (destination, incident_id, transition, payload, created_at,
             state, attempts, next_attempt_at)
         SELECT name, $1, $2, $3, $4, 'pending', 0, $4 FROM notify_destinations"
            .into(),
        vals,
    )
    .await
}

/// A registered destination.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DestinationRecord {
    pub name: String,
    pub kind: String,
    pub registered_at: DateTime<Utc>,
    pub registered_by: String,
}

/// A claimed row, to deliver.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub destination: String,
    pub payload: String,
    /// Attempts including this one.
    pub attempts: i64,
}

/// An outbox row as read back.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct OutboxRecord {
    pub id: i64,
    pub destination: String,
    pub incident_id: Option<i64>,
    pub transition: String,
    /// `pending`, `sent`, `failed` (gave up) or `dropped` (destination forgotten).
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub claimed_by: Option<String>,
}

const OUTBOX_COLUMNS: &str = "id, destination, incident_id, transition, state, attempts, \
     next_attempt_at, last_attempt_at, last_error, sent_at, created_at, claimed_by";

#[async_trait]
pub trait NotifyStore {
    /// Register (or re-register) destinations by name and kind.
    async fn register_destinations(
        &self,
        destinations: &[(String, String)],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn destinations(&self) -> Result<Vec<DestinationRecord>, StoreError>;
    /// Unregister a destination; its undelivered rows are dropped. False when unknown.
    async fn forget_destination(&self, name: &str, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Claim up to `limit` due rows for the destinations named (those configured here) until
    /// `lease_until`. Exclusive across processes.
    async fn claim_notifications(
        &self,
        owner: &str,
        destinations: &[String],
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Claimed>, StoreError>;
    /// Delivered. False when the claim was lost (the lease ran out and another took it).
    async fn notification_sent(
        &self,
        id: i64,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Not delivered: retry at `retry_at`, or give up (`None`).
    async fn notification_failed(
        &self,
        id: i64,
        owner: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError>;
    /// The rows about the given incidents, oldest first.
    async fn notifications_for(
        &self,
        incident_ids: &[i64],
    ) -> Result<Vec<OutboxRecord>, StoreError>;
    /// The rows about the incidents `IncidentStore::incidents` lists with the same
    /// arguments, oldest first, as one read to send with that list.
    fn read_listed_notifications(
        &self,
        r: &mut Reads,
        include_resolved: bool,
        limit: i64,
    ) -> Read<Vec<OutboxRecord>>;
    /// Rows not delivered yet or given up on, newest first.
    async fn undelivered(&self, limit: i64) -> Result<Vec<OutboxRecord>, StoreError>;
    /// [`NotifyStore::undelivered`] as one read to send with others.
    fn read_undelivered(&self, r: &mut Reads, limit: i64) -> Read<Vec<OutboxRecord>>;
}

fn member(kind: BackendKind, column: &str, param: &str) -> String {
    match kind {
        BackendKind::Postgres => format!("strpos({param}, ',' || {column} || ',') > 0"),
        BackendKind::Sqlite => format!("instr({param}, ',' || {column} || ',') > 0"),
    }
}

#[async_trait]
impl<B: Backend> NotifyStore for SqlStore<B> {
    async fn register_destinations(
        &self,
        destinations: &[(String, String)],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if destinations.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin_write().await?;
        for (name, kind) in destinations {
            tx.execute(
                "INSERT INTO notify_destinations (name, kind, registered_at, registered_by)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (name) DO UPDATE SET kind = excluded.kind
                 WHERE notify_destinations.kind <> excluded.kind"
                    .into(),
                args![name, kind, now, by],
            )
            .await?;
        }
        tx.commit().await
    }

    async fn destinations(&self) -> Result<Vec<DestinationRecord>, StoreError> {
        self.db
            .fetch_all(
                "SELECT name, kind, registered_at, registered_by FROM notify_destinations
                 ORDER BY name"
                    .into(),
                vec![],
            )
            .await
    }

    async fn forget_destination(&self, name: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut tx = self.db.begin_write().await?;
        let n = tx
            .execute(
                "DELETE FROM notify_destinations WHERE name = $1".into(),
                args![name],
            )
            .await?;
        tx.execute(
            "UPDATE notify_outbox SET state = 'dropped', last_error = 'destination forgotten',
                 last_attempt_at = $2, claimed_by = NULL, lease_until = NULL
             WHERE destination = $1 AND state = 'pending'"
                .into(),
            args![name, now],
        )
        .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn claim_notifications(
        &self,
        owner: &str,
        destinations: &[String],
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Claimed>, StoreError> {
        if destinations.is_empty() {
            return Ok(Vec::new());
        }
        let names = format!(",{},", destinations.join(","));
        // Postgres: rows another deliverer is claiming are skipped, not waited for. SQLite
        // runs one write transaction at a time, so the update is exclusive as it is.
        let lock = match B::KIND {
            BackendKind::Postgres => " FOR UPDATE SKIP LOCKED",
            BackendKind::Sqlite => "",
        };
        let wanted = member(B::KIND, "o.destination", "$4");
        let mut tx = self.db.begin_write().await?;
        let rows: Vec<Claimed> = tx
            .fetch_all(
                format!(
                    "UPDATE notify_outbox SET claimed_by = $1, lease_until = $2,
                         attempts = attempts + 1, last_attempt_at = $3
                     WHERE id IN (
                         SELECT o.id FROM notify_outbox o
                         WHERE o.state = 'pending' AND o.next_attempt_at <= $3
                           AND (o.lease_until IS NULL OR o.lease_until < $3)
                           AND {wanted}
                           AND NOT EXISTS (
                               SELECT 1 FROM notify_outbox e
                               WHERE e.destination = o.destination
                                 AND e.incident_id = o.incident_id
                                 AND e.state = 'pending' AND e.id < o.id)
                         ORDER BY o.id LIMIT $5{lock})
                     RETURNING id, destination, CAST(payload AS TEXT) AS payload, attempts"
                )
                .into(),
                args![owner, lease_until, now, names, limit],
            )
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    async fn notification_sent(
        &self,
        id: i64,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = self
            .db
            .execute(
                "UPDATE notify_outbox SET state = 'sent', sent_at = $3, last_error = NULL,
                     claimed_by = NULL, lease_until = NULL
                 WHERE id = $1 AND claimed_by = $2 AND state = 'pending'"
                    .into(),
                args![id, owner, now],
            )
            .await?;
        Ok(n > 0)
    }

    async fn notification_failed(
        &self,
        id: i64,
        owner: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        let give_up = retry_at.is_none();
        let n = self
            .db
            .execute(
                "UPDATE notify_outbox SET
                     state = CASE WHEN $3 THEN 'failed' ELSE 'pending' END,
                     next_attempt_at = COALESCE($4, next_attempt_at),
                     last_error = $5, claimed_by = NULL, lease_until = NULL
                 WHERE id = $1 AND claimed_by = $2 AND state = 'pending'"
                    .into(),
                args![id, owner, give_up, retry_at, error],
            )
            .await?;
        Ok(n > 0)
    }

    async fn notifications_for(
        &self,
        incident_ids: &[i64],
    ) -> Result<Vec<OutboxRecord>, StoreError> {
        if incident_ids.is_empty() {
            return Ok(Vec::new());
        }
        let m = member(B::KIND, "incident_id", "$1");
        self.db
            .fetch_all(
                format!(
                    "SELECT {OUTBOX_COLUMNS} FROM notify_outbox
                     WHERE incident_id IS NOT NULL AND {m} ORDER BY id"
                )
                .into(),
                args![id_list(incident_ids)],
            )
            .await
    }

    fn read_listed_notifications(
        &self,
        r: &mut Reads,
        include_resolved: bool,
        limit: i64,
    ) -> Read<Vec<OutboxRecord>> {
        r.rows(
            format!(
                "SELECT {OUTBOX_COLUMNS} FROM notify_outbox
                 WHERE incident_id IN ({}) ORDER BY id",
                listed_ids()
            )
            .into(),
            args![include_resolved, limit],
        )
    }

    async fn undelivered(&self, limit: i64) -> Result<Vec<OutboxRecord>, StoreError> {
        self.read_alone(|r| self.read_undelivered(r, limit)).await
    }

    fn read_undelivered(&self, r: &mut Reads, limit: i64) -> Read<Vec<OutboxRecord>> {
        r.rows(
            format!(
                "SELECT {OUTBOX_COLUMNS} FROM notify_outbox
                 WHERE state IN ('pending', 'failed')
                 ORDER BY id DESC LIMIT $1"
            )
            .into(),
            args![limit],
        )
    }
}

/// "sent", "queued", "retrying (3 attempt(s), next in 2m): HTTP 503: …", "FAILED after 12
/// attempt(s): …".
pub fn delivery_state(o: &OutboxRecord, now: DateTime<Utc>) -> String {
    let err = o
        .last_error
        .as_deref()
        .map(|e| format!(": {e}"))
        .unwrap_or_default();
    match o.state.as_str() {
        "sent" => "sent".into(),
        "pending" if o.attempts == 0 => "queued".into(),
        "pending" => {
            let next = if o.next_attempt_at > now {
                let secs = (o.next_attempt_at - now).num_seconds();
                if secs < 120 {
                    format!("next in {secs} s")
                } else {
                    format!("next in {} min", secs / 60)
                }
            } else {
                "due now".into()
            };
            format!("retrying ({} attempt(s), {next}){err}", o.attempts)
        }
        "failed" => format!("FAILED after {} attempt(s){err}", o.attempts),
        other => format!("{other}{err}"),
    }
}
