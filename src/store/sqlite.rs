//! The embedded SQLite backend: one file, WAL journal, a busy timeout, foreign keys, and every
//! write transaction begun IMMEDIATE so that two writers queue instead of failing mid-way.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Sqlite, SqlitePool};

use super::StoreError;
use super::backend::{Backend, BackendKind, BackendTx, RowType, Sql, Val};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// xBOT's tables in xBOT's layout, for the standalone database.
pub const STANDALONE_LAYOUT: &str = include_str!("../../migrations/standalone/sqlite.sql");

/// A pool of connections to one SQLite file.
pub struct SqliteBackend {
    pub(crate) pool: SqlitePool,
}

impl SqliteBackend {
    /// Open (creating if needed) the database file. The parent directory must exist unless
    /// `create_dirs` is set (the default database in the XDG data dir).
    pub async fn open(path: &Path, create_dirs: bool) -> Result<SqliteBackend, StoreError> {
        let target = format!("sqlite://{}", path.display());
        let open_err = |reason: String| StoreError::Open {
            target: target.clone(),
            reason,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if create_dirs {
                std::fs::create_dir_all(parent)
                    .map_err(|e| open_err(format!("cannot create {}: {e}", parent.display())))?;
            } else if !parent.is_dir() {
                return Err(open_err(format!(
                    "directory {} does not exist",
                    parent.display()
                )));
            }
        }
        if path.is_dir() {
            return Err(open_err(
                "that path is a directory, not a database file".into(),
            ));
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .map_err(|e| open_err(e.to_string()))?;
        // A file that is not an SQLite database fails here, not on first use.
        sqlx::query("SELECT count(*) FROM sqlite_master")
            .execute(&pool)
            .await
            .map_err(|e| open_err(e.to_string()))?;
        Ok(SqliteBackend { pool })
    }

    fn err(e: sqlx::Error) -> StoreError {
        StoreError::from_sqlx(e, &[])
    }
}

#[async_trait]
impl Backend for SqliteBackend {
    type Tx = SqliteTx;
    const KIND: BackendKind = BackendKind::Sqlite;

    async fn fetch_all<T: RowType>(&self, sql: Sql, args: Vec<Val>) -> Result<Vec<T>, StoreError> {
        let q = crate::bind_vals!(sqlx::query_as::<Sqlite, T>(AssertSqlSafe(sql)), args);
        q.fetch_all(&self.pool).await.map_err(Self::err)
    }

    async fn fetch_batch(
        &self,
        statements: Vec<(Sql, Vec<Val>)>,
    ) -> Result<super::backend::Batch, StoreError> {
        // A local file: one after the other costs nothing worth batching.
        let mut sets = Vec::with_capacity(statements.len());
        for (sql, args) in statements {
            let q = crate::bind_vals!(sqlx::query::<Sqlite>(AssertSqlSafe(sql)), args);
            sets.push(q.fetch_all(&self.pool).await.map_err(Self::err)?);
        }
        Ok(super::backend::Batch::sqlite(sets))
    }

    async fn fetch_optional<T: RowType>(
        &self,
        sql: Sql,
        args: Vec<Val>,
    ) -> Result<Option<T>, StoreError> {
        let q = crate::bind_vals!(sqlx::query_as::<Sqlite, T>(AssertSqlSafe(sql)), args);
        q.fetch_optional(&self.pool).await.map_err(Self::err)
    }

    async fn execute(&self, sql: Sql, args: Vec<Val>) -> Result<u64, StoreError> {
        let q = crate::bind_vals!(sqlx::query::<Sqlite>(AssertSqlSafe(sql)), args);
        q.execute(&self.pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(Self::err)
    }

    async fn begin_write(&self) -> Result<SqliteTx, StoreError> {
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(Self::err)?;
        Ok(SqliteTx { tx })
    }

    async fn execute_script(&self, sql: Sql) -> Result<(), StoreError> {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(Self::err)
    }
    fn migrator() -> &'static sqlx::migrate::Migrator {
        &MIGRATOR
    }

    async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        let (exists,): (bool,) = sqlx::query_as("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')")
            .fetch_one(&self.pool)
            .await
            .map_err(Self::err)?;
        if !exists {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
                .fetch_all(&self.pool)
                .await
                .map_err(Self::err)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn run_migrations(&self) -> Result<(), StoreError> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| super::migrate_error(e, &MIGRATOR, None))
    }

    async fn install(
        &self,
        mode: super::InstallMode,
        _source_schema: &str,
    ) -> Result<(), StoreError> {
        let layout = match mode {
            super::InstallMode::Standalone => STANDALONE_LAYOUT,
            super::InstallMode::Attached => "",
        };
        let now = chrono::Utc::now().to_rfc3339();
        let script = format!(
            "{layout}\nINSERT OR IGNORE INTO install (id, mode, source_schema, created_at) \
             VALUES (1, '{}', 'main', '{now}')",
            mode.as_str()
        );
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(Self::err)?;
        sqlx::raw_sql(AssertSqlSafe(script))
            .execute(&mut *tx)
            .await
            .map_err(Self::err)?;
        tx.commit().await.map_err(Self::err)
    }

    async fn change_feed(&self) -> Result<super::changes::ChangeFeed, StoreError> {
        super::changes::ChangeFeed::sqlite(&self.pool).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(Self::err)
    }

    async fn close(&self) {
        // A connection still waiting on the server (a cancelled job's statement blocked on a
        // lock) would hold `close` until the server answers; leave it to the OS instead.
        if tokio::time::timeout(super::CLOSE_GRACE, self.pool.close())
            .await
            .is_err()
        {
            tracing::warn!(
                "SQLite connections still busy after {:?}; leaving them",
                super::CLOSE_GRACE
            );
        }
    }
}

/// An SQLite write transaction (begun IMMEDIATE).
pub struct SqliteTx {
    tx: sqlx::Transaction<'static, Sqlite>,
}

#[async_trait]
impl BackendTx for SqliteTx {
    async fn fetch_all<T: RowType>(
        &mut self,
        sql: Sql,
        args: Vec<Val>,
    ) -> Result<Vec<T>, StoreError> {
        let q = crate::bind_vals!(sqlx::query_as::<Sqlite, T>(AssertSqlSafe(sql)), args);
        q.fetch_all(&mut *self.tx).await.map_err(SqliteBackend::err)
    }

    async fn fetch_optional<T: RowType>(
        &mut self,
        sql: Sql,
        args: Vec<Val>,
    ) -> Result<Option<T>, StoreError> {
        let q = crate::bind_vals!(sqlx::query_as::<Sqlite, T>(AssertSqlSafe(sql)), args);
        q.fetch_optional(&mut *self.tx)
            .await
            .map_err(SqliteBackend::err)
    }

    async fn execute(&mut self, sql: Sql, args: Vec<Val>) -> Result<u64, StoreError> {
        let q = crate::bind_vals!(sqlx::query::<Sqlite>(AssertSqlSafe(sql)), args);
        q.execute(&mut *self.tx)
            .await
            .map(|r| r.rows_affected())
            .map_err(SqliteBackend::err)
    }

    async fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: Vec<Vec<Val>>,
    ) -> Result<(), StoreError> {
        // Multi-row VALUES of a fixed size, so the prepared statement is reused. Anonymous `?`
        // placeholders: with thousands of numbered ones SQLite's parameter-name lookups are
        // linear per parameter and a batch turns quadratic.
        let per_stmt = (30_000 / columns.len().max(1)).clamp(1, 500);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_stmt).collect();
            let tuple = format!("({})", vec!["?"; columns.len()].join(", "));
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES {}",
                columns.join(", "),
                vec![tuple; chunk.len()].join(", ")
            );
            let args: Vec<Val> = chunk.into_iter().flatten().collect();
            self.execute(sql.into(), args).await?;
        }
        Ok(())
    }

    async fn fetch_batch(
        &mut self,
        statements: Vec<(Sql, Vec<Val>)>,
    ) -> Result<super::backend::Batch, StoreError> {
        let mut sets = Vec::with_capacity(statements.len());
        for (sql, args) in statements {
            let q = crate::bind_vals!(sqlx::query::<Sqlite>(AssertSqlSafe(sql)), args);
            sets.push(
                q.fetch_all(&mut *self.tx)
                    .await
                    .map_err(SqliteBackend::err)?,
            );
        }
        Ok(super::backend::Batch::sqlite(sets))
    }

    async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(SqliteBackend::err)
    }
}
