//! Live updates: changes committed to xbot's own tables (a review decided, a job started or
//! finished, an incident opened, a weight map activated, a schedule changed), as they commit,
//! by whichever process made them. On Postgres the writes notify the channel `xbot_changes` from
//! triggers in xbot's schema (migration 20261206000004), in the writing transaction, so a
//! notification arrives only once the change is visible; a console LISTENs on one connection of
//! its own and costs the database nothing while nothing changes. On SQLite, a local file, a
//! dedicated connection reads `PRAGMA data_version` once a second (it moves when another
//! connection commits). xBOT's own tables are not covered: they are polled at the refresh
//! interval.

use std::time::Duration;

use sqlx::Connection;

use super::StoreError;

/// The Postgres channel xbot's triggers notify.
pub const CHANNEL: &str = "xbot_changes";

/// How often SQLite's change counter is read.
const SQLITE_CHECK: Duration = Duration::from_secs(1);

/// One event of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Something changed in this table (on SQLite: the database, `None`).
    Changed(Option<String>),
    /// The feed's connection was lost (the server closed it, or went away): the database may
    /// be unreachable, and changes are missed until a new feed listens.
    Lost,
}

/// A subscription to changes; see the module comment.
pub struct ChangeFeed {
    inner: Inner,
}

enum Inner {
    Pg(Box<sqlx::postgres::PgListener>),
    Sqlite {
        conn: sqlx::SqliteConnection,
        last: i64,
    },
}

impl ChangeFeed {
    pub(crate) async fn postgres(pool: &sqlx::PgPool) -> Result<ChangeFeed, StoreError> {
        let mut l = sqlx::postgres::PgListener::connect_with(pool)
            .await
            .map_err(|e| StoreError::from_sqlx(e, &[]))?;
        // A lost connection is reported at once (`Change::Lost`), not after sqlx has tried to
        // reconnect: against a stopped server that would wait out the pool's acquire timeout,
        // and the loss is the console's first sign of an outage.
        l.eager_reconnect(false);
        l.listen(CHANNEL)
            .await
            .map_err(|e| StoreError::from_sqlx(e, &[]))?;
        Ok(ChangeFeed {
            inner: Inner::Pg(Box::new(l)),
        })
    }

    pub(crate) async fn sqlite(pool: &sqlx::SqlitePool) -> Result<ChangeFeed, StoreError> {
        // Out of the pool: closing the store does not wait for it.
        let mut conn = pool
            .acquire()
            .await
            .map_err(|e| StoreError::from_sqlx(e, &[]))?
            .detach();
        let last = data_version(&mut conn).await?;
        Ok(ChangeFeed {
            inner: Inner::Sqlite { conn, last },
        })
    }

    /// The next change. After `Lost`, or an error (the feed is broken), close the feed and open
    /// a new one. Cancel-safe: a wait dropped (under a timeout) loses no change.
    pub async fn next(&mut self) -> Result<Change, StoreError> {
        match &mut self.inner {
            Inner::Pg(l) => match l.try_recv().await {
                Ok(Some(n)) => Ok(Change::Changed(Some(n.payload().to_string()))),
                // sqlx's "connection lost" (it would reconnect on the next call, silently).
                Ok(None) => Ok(Change::Lost),
                Err(e) => Err(StoreError::from_sqlx(e, &[])),
            },
            Inner::Sqlite { conn, last } => loop {
                tokio::time::sleep(SQLITE_CHECK).await;
                let v = data_version(conn).await?;
                if v != *last {
                    *last = v;
                    return Ok(Change::Changed(None));
                }
            },
        }
    }

    /// Close the feed's connection.
    pub async fn close(self) {
        match self.inner {
            Inner::Pg(l) => drop(l),
            Inner::Sqlite { conn, .. } => {
                let _ = conn.close().await;
            }
        }
    }
}

async fn data_version(conn: &mut sqlx::SqliteConnection) -> Result<i64, StoreError> {
    let (v,): (i64,) = sqlx::query_as("PRAGMA data_version")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| StoreError::from_sqlx(e, &[]))?;
    Ok(v)
}

/// Subscribing to changes.
#[async_trait::async_trait]
pub trait LiveStore {
    /// A feed of the changes committed to xbot's own tables from now on.
    async fn change_feed(&self) -> Result<ChangeFeed, StoreError>;
}

#[async_trait::async_trait]
impl<B: super::backend::Backend> LiveStore for super::SqlStore<B> {
    async fn change_feed(&self) -> Result<ChangeFeed, StoreError> {
        self.db.change_feed().await
    }
}
