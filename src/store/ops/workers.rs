//! Scheduler heartbeats: each `xbot serve` records itself on start and on every tick, so that
//! anyone can tell when a scheduler was last seen alive (and whether one with an AI endpoint
//! runs), and a missing scheduler can be made an incident.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::args;
use crate::identity::APP_VERSION;
use crate::store::backend::Backend;
use crate::store::{Read, Reads, SqlStore, StoreError};

/// A scheduler as last seen.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct WorkerRecord {
    pub owner: String,
    pub host: String,
    pub pid: i64,
    pub app_version: String,
    pub ai_configured: bool,
    pub started_at: DateTime<Utc>,
    pub seen_at: DateTime<Utc>,
    /// Set when it stopped cleanly.
    pub stopped_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait WorkerStore {
    /// The scheduler `owner` is alive now.
    async fn worker_seen(
        &self,
        owner: &str,
        host: &str,
        pid: u32,
        ai_configured: bool,
        started_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The scheduler `owner` stopped cleanly.
    async fn worker_stopped(&self, owner: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Every scheduler ever seen, most recently seen first.
    async fn workers(&self) -> Result<Vec<WorkerRecord>, StoreError>;
    /// [`WorkerStore::workers`] as one read to send with others.
    fn read_workers(&self, r: &mut Reads) -> Read<Vec<WorkerRecord>>;
}

#[async_trait]
impl<B: Backend> WorkerStore for SqlStore<B> {
    async fn worker_seen(
        &self,
        owner: &str,
        host: &str,
        pid: u32,
        ai_configured: bool,
        started_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.db
            .execute(
                "INSERT INTO worker_heartbeats (owner, host, pid, app_version, ai_configured,
                     started_at, seen_at, stopped_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)
                 ON CONFLICT (owner) DO UPDATE SET seen_at = excluded.seen_at,
                     ai_configured = excluded.ai_configured, app_version = excluded.app_version,
                     started_at = excluded.started_at, stopped_at = NULL"
                    .into(),
                args![
                    owner,
                    host,
                    pid,
                    APP_VERSION,
                    ai_configured,
                    started_at,
                    now
                ],
            )
            .await
            .map(|_| ())
    }

    async fn worker_stopped(&self, owner: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.db
            .execute(
                "UPDATE worker_heartbeats SET stopped_at = $2, seen_at = $2 WHERE owner = $1"
                    .into(),
                args![owner, now],
            )
            .await
            .map(|_| ())
    }

    async fn workers(&self) -> Result<Vec<WorkerRecord>, StoreError> {
        self.read_alone(|r| self.read_workers(r)).await
    }

    fn read_workers(&self, r: &mut Reads) -> Read<Vec<WorkerRecord>> {
        r.rows(
            "SELECT owner, host, pid, app_version, ai_configured, started_at, seen_at,
                    stopped_at
             FROM worker_heartbeats ORDER BY seen_at DESC, owner"
                .into(),
            vec![],
        )
    }
}
