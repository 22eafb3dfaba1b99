//! The Postgres backend (Supabase in production). Connections say who they are through
//! `application_name`; the lease clock is the server's `now()`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, PgPool, Postgres};

use super::StoreError;
use super::backend::{Backend, BackendKind, BackendTx, RowType, Sql, Val};
use crate::config::secret::{mask_url, url_password};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// How long a health ping waits for the server (a round trip on an open connection, or
/// opening one to a distant server over TLS, takes well under this).
pub const PING_TIMEOUT: Duration = Duration::from_millis(2000);

/// A pool of Postgres connections.
pub struct PgBackend {
    pub(crate) pool: PgPool,
    secrets: Arc<Vec<String>>,
    /// xbot's own schema, quoted for SQL.
    schema: String,
}

/// xBOT's tables in xBOT's layout, for a database that has none (standalone).
pub const STANDALONE_LAYOUT: &str = include_str!("../../migrations/standalone/postgres.sql");

/// The warning for Supabase's transaction pooler.
pub const POOLER_WARNING: &str = "port 6543 is Supabase's transaction pooler: it breaks the \
advisory locks and prepared statements xbot relies on; use the direct connection or the session \
pooler on port 5432";

/// Supabase's transaction pooler listens on 6543 (the session pooler and direct connections on
/// 5432).
pub fn is_transaction_pooler_port(port: u16) -> bool {
    port == 6543
}

impl PgBackend {
    /// Connect. Returns the backend and any warnings to show the user.
    pub async fn connect(
        url: &str,
        app_name: &str,
        schemas: &super::Schemas,
    ) -> Result<(PgBackend, Vec<String>), StoreError> {
        let masked = mask_url(url);
        let secrets: Vec<String> = url_password(url).into_iter().collect();
        let scrub = |s: String| {
            let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
            crate::config::secret::scrub(&s, &refs)
        };
        let mut opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::Open {
            target: masked.clone(),
            reason: scrub(e.to_string()),
        })?;
        // JIT compilation costs more than it saves on xbot's short aggregations (hundreds of
        // milliseconds of compile time for a query that runs in tens).
        // xbot's schema first, so that everything xbot creates lands there and its own tables
        // come first; xBOT's schema second.
        // UTC, so that xBOT's timestamps without time zone read as the UTC they hold.
        let search_path = format!(
            "{},{}",
            super::source::quote_ident(&schemas.xbot),
            super::source::quote_ident(&schemas.source)
        );
        opts = opts.application_name(app_name).options([
            ("jit", "off"),
            ("search_path", search_path.as_str()),
            ("TimeZone", "UTC"),
        ]);
        let mut warnings = Vec::new();
        if is_transaction_pooler_port(opts.get_port()) {
            tracing::warn!("{POOLER_WARNING}");
            warnings.push(POOLER_WARNING.to_string());
            // Named prepared statements do not survive a transaction pooler.
            opts = opts.statement_cache_capacity(0);
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .min_connections(0)
            // Short, so that a database that went away is noticed within seconds.
            .acquire_timeout(Duration::from_secs(5))
            .idle_timeout(Duration::from_secs(300))
            .connect_with(opts)
            .await
            .map_err(|e| StoreError::Open {
                target: masked.clone(),
                reason: scrub(first_line(&e.to_string())),
            })?;
        Ok((
            PgBackend {
                pool,
                secrets: Arc::new(secrets),
                schema: super::source::quote_ident(&schemas.xbot),
            },
            warnings,
        ))
    }

    /// A migration failed somewhere in its script (Postgres reports no position for errors
    /// raised while executing): replay its statements one by one in a transaction that is
    /// rolled back, and return the line and first line of the one that fails.
    async fn locate_failure(&self, version: i64) -> Option<(usize, String)> {
        let m = MIGRATOR.iter().find(|m| m.version == version)?;
        let mut tx = self.pool.begin().await.ok()?;
        let mut found = None;
        for (line, stmt) in super::split_statements(m.sql.as_ref()) {
            if sqlx::raw_sql(AssertSqlSafe(stmt.clone()))
                .execute(&mut *tx)
                .await
                .is_err()
            {
                found = Some((line, stmt.lines().next().unwrap_or_default().to_string()));
                break;
            }
        }
        let _ = tx.rollback().await;
        found
    }

    fn err(&self, e: sqlx::Error) -> StoreError {
        let refs: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        StoreError::from_sqlx(e, &refs)
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

#[async_trait]
impl Backend for PgBackend {
    type Tx = PgTx;
    const KIND: BackendKind = BackendKind::Postgres;

    async fn fetch_all<T: RowType>(&self, sql: Sql, args: Vec<Val>) -> Result<Vec<T>, StoreError> {
        let q = crate::bind_vals!(sqlx::query_as::<Postgres, T>(AssertSqlSafe(sql)), args);
        q.fetch_all(&self.pool).await.map_err(|e| self.err(e))
    }

    async fn fetch_optional<T: RowType>(
        &self,
        sql: Sql,
        args: Vec<Val>,
    ) -> Result<Option<T>, StoreError> {
        let q = crate::bind_vals!(sqlx::query_as::<Postgres, T>(AssertSqlSafe(sql)), args);
        q.fetch_optional(&self.pool).await.map_err(|e| self.err(e))
    }

    async fn execute(&self, sql: Sql, args: Vec<Val>) -> Result<u64, StoreError> {
        let q = crate::bind_vals!(sqlx::query::<Postgres>(AssertSqlSafe(sql)), args);
        q.execute(&self.pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| self.err(e))
    }

    async fn begin_write(&self) -> Result<PgTx, StoreError> {
        let mut tx = self.pool.begin().await.map_err(|e| self.err(e))?;
        // The server process behind this transaction, so that a transaction abandoned in the
        // middle of a statement can have that statement cancelled (see `CancelOnDrop`).
        let (pid,): (i32,) = sqlx::query_as("SELECT pg_backend_pid()")
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
        Ok(PgTx {
            tx,
            secrets: self.secrets.clone(),
            in_statement: CancelOnDrop {
                pool: self.pool.clone(),
                pid,
                busy: false,
            },
        })
    }

    async fn execute_script(&self, sql: Sql) -> Result<(), StoreError> {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
    fn migrator() -> &'static sqlx::migrate::Migrator {
        &MIGRATOR
    }

    async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        // One round trip: the ledger's versions, or nothing when xbot's schema or its ledger
        // does not exist yet (a function-free way to ask without an error).
        let ledger = format!("{}._sqlx_migrations", self.schema);
        let (exists,): (bool,) = sqlx::query_as("SELECT to_regclass($1) IS NOT NULL")
            .bind(&ledger)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        if !exists {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64,)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT version FROM {ledger} WHERE success ORDER BY version"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn run_migrations(&self) -> Result<(), StoreError> {
        // The schema must exist before the migrator looks for its ledger, or the ledger
        // would be created in the next schema on the search path (xBOT's).
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            self.schema
        )))
        .execute(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        match MIGRATOR.run(&self.pool).await {
            Ok(()) => Ok(()),
            Err(e) => {
                let located = match &e {
                    sqlx::migrate::MigrateError::ExecuteMigration(_, version) => {
                        self.locate_failure(*version).await
                    }
                    _ => None,
                };
                Err(super::migrate_error(e, &MIGRATOR, located))
            }
        }
    }

    async fn install(
        &self,
        mode: super::InstallMode,
        source_schema: &str,
    ) -> Result<(), StoreError> {
        let src = super::source::quote_ident(source_schema);
        let layout = match mode {
            super::InstallMode::Standalone => {
                format!("SET LOCAL search_path = {src};\n{STANDALONE_LAYOUT}\n")
            }
            super::InstallMode::Attached => String::new(),
        };
        let script = format!(
            "{layout}INSERT INTO {schema}.install (id, mode, source_schema) \
             VALUES (1, '{mode}', '{source}') ON CONFLICT (id) DO NOTHING",
            schema = self.schema,
            mode = mode.as_str(),
            source = source_schema.replace('\'', "''"),
        );
        // In one transaction: a failure leaves neither xBOT's layout nor the install row.
        let mut tx = self.pool.begin().await.map_err(|e| self.err(e))?;
        sqlx::raw_sql(AssertSqlSafe(script))
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
        tx.commit().await.map_err(|e| self.err(e))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        // Not through `pool.acquire`: when the server is gone, the pool retries a refused
        // connection (and "the database system is shutting down") until its acquire timeout,
        // so an outage would show only seconds later. An idle connection is used as it is (a
        // closed one fails at once); without one, a connection is opened directly, which a
        // stopped server refuses at once. A server that does not answer at all is bounded by
        // PING_TIMEOUT.
        let round_trip = async {
            match self.pool.try_acquire() {
                Some(mut conn) => sqlx::query("SELECT 1")
                    .execute(&mut *conn)
                    .await
                    .map(|_| ()),
                None => {
                    use sqlx::{ConnectOptions, Connection};
                    let mut conn = self.pool.connect_options().connect().await?;
                    sqlx::query("SELECT 1").execute(&mut conn).await?;
                    conn.close().await
                }
            }
        };
        match tokio::time::timeout(PING_TIMEOUT, round_trip).await {
            Ok(r) => r.map_err(|e| self.err(e)),
            Err(_) => Err(StoreError::Unavailable(format!(
                "no answer within {} ms",
                PING_TIMEOUT.as_millis()
            ))),
        }
    }

    async fn close(&self) {
        // A connection still waiting on the server (a cancelled job's statement blocked on a
        // lock) would hold `close` until the server answers; leave it to the OS instead.
        if tokio::time::timeout(super::CLOSE_GRACE, self.pool.close())
            .await
            .is_err()
        {
            tracing::warn!(
                "Postgres connections still busy after {:?}; leaving them",
                super::CLOSE_GRACE
            );
        }
    }
}

/// A Postgres transaction.
pub struct PgTx {
    tx: sqlx::Transaction<'static, Postgres>,
    secrets: Arc<Vec<String>>,
    in_statement: CancelOnDrop,
}

/// Cancels the server's statement when a transaction is dropped in the middle of one (a job
/// cancelled while its statement waits on a lock). Without it the abandoned statement runs on
/// in the server, holding its row locks (the job's lease row among them) until it finishes,
/// and the rollback that sqlx queues waits behind it.
struct CancelOnDrop {
    pool: PgPool,
    pid: i32,
    busy: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.busy {
            return;
        }
        let (pool, pid) = (self.pool.clone(), self.pid);
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let r = sqlx::query("SELECT pg_cancel_backend($1)")
                    .bind(pid)
                    .execute(&pool)
                    .await;
                if let Err(e) = r {
                    tracing::warn!(pid, error = %e, "could not cancel an abandoned statement");
                } else {
                    tracing::info!(pid, "cancelled the statement of an abandoned transaction");
                }
            });
        }
    }
}

impl PgTx {
    fn err(&self, e: sqlx::Error) -> StoreError {
        let refs: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        StoreError::from_sqlx(e, &refs)
    }
}

#[async_trait]
impl BackendTx for PgTx {
    async fn fetch_all<T: RowType>(
        &mut self,
        sql: Sql,
        args: Vec<Val>,
    ) -> Result<Vec<T>, StoreError> {
        let q = crate::bind_vals!(sqlx::query_as::<Postgres, T>(AssertSqlSafe(sql)), args);
        self.in_statement.busy = true;
        let r = q.fetch_all(&mut *self.tx).await;
        self.in_statement.busy = false;
        r.map_err(|e| self.err(e))
    }

    async fn fetch_optional<T: RowType>(
        &mut self,
        sql: Sql,
        args: Vec<Val>,
    ) -> Result<Option<T>, StoreError> {
        let q = crate::bind_vals!(sqlx::query_as::<Postgres, T>(AssertSqlSafe(sql)), args);
        self.in_statement.busy = true;
        let r = q.fetch_optional(&mut *self.tx).await;
        self.in_statement.busy = false;
        r.map_err(|e| self.err(e))
    }

    async fn execute(&mut self, sql: Sql, args: Vec<Val>) -> Result<u64, StoreError> {
        let q = crate::bind_vals!(sqlx::query::<Postgres>(AssertSqlSafe(sql)), args);
        self.in_statement.busy = true;
        let r = q.execute(&mut *self.tx).await;
        self.in_statement.busy = false;
        r.map(|r| r.rows_affected()).map_err(|e| self.err(e))
    }

    async fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: Vec<Vec<Val>>,
    ) -> Result<(), StoreError> {
        // One statement per 10,000 rows: each column is bound as one typed array and
        // UNNEST turns the arrays back into rows.
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Val>> = rows.by_ref().take(10_000).collect();
            let arrays = transpose(columns, chunk)?;
            let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "INSERT INTO {table} ({}) SELECT * FROM UNNEST({})",
                columns.join(", "),
                placeholders.join(", ")
            );
            let mut q = sqlx::query::<Postgres>(AssertSqlSafe(sql));
            for array in arrays {
                q = match array {
                    ColumnArray::I64(v) => q.bind(v),
                    ColumnArray::F64(v) => q.bind(v),
                    ColumnArray::Text(v) => q.bind(v),
                    ColumnArray::Ts(v) => q.bind(v),
                    ColumnArray::Bool(v) => q.bind(v),
                    ColumnArray::Json(v) => q.bind(v),
                };
            }
            self.in_statement.busy = true;
            let r = q.execute(&mut *self.tx).await;
            self.in_statement.busy = false;
            r.map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    async fn commit(self) -> Result<(), StoreError> {
        let secrets = self.secrets.clone();
        self.tx.commit().await.map_err(|e| {
            let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
            StoreError::from_sqlx(e, &refs)
        })
    }
}

/// One column of a batch as a typed array, for UNNEST.
enum ColumnArray {
    I64(Vec<Option<i64>>),
    F64(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    Ts(Vec<Option<chrono::DateTime<chrono::Utc>>>),
    Bool(Vec<Option<bool>>),
    Json(Vec<Option<sqlx::types::Json<serde_json::Value>>>),
}

/// Turn rows into column arrays. The first row fixes each column's type.
fn transpose(columns: &[&str], rows: Vec<Vec<Val>>) -> Result<Vec<ColumnArray>, StoreError> {
    let n = rows.len();
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let mut arrays: Vec<ColumnArray> = first
        .iter()
        .map(|v| match v {
            Val::I64(_) => ColumnArray::I64(Vec::with_capacity(n)),
            Val::F64(_) => ColumnArray::F64(Vec::with_capacity(n)),
            Val::Text(_) => ColumnArray::Text(Vec::with_capacity(n)),
            Val::Ts(_) => ColumnArray::Ts(Vec::with_capacity(n)),
            Val::Bool(_) => ColumnArray::Bool(Vec::with_capacity(n)),
            Val::Json(_) => ColumnArray::Json(Vec::with_capacity(n)),
        })
        .collect();
    if arrays.len() != columns.len() {
        return Err(StoreError::Query(format!(
            "{} values for {} columns",
            arrays.len(),
            columns.len()
        )));
    }
    for row in rows {
        for (i, v) in row.into_iter().enumerate() {
            match (arrays.get_mut(i), v) {
                (Some(ColumnArray::I64(a)), Val::I64(x)) => a.push(x),
                (Some(ColumnArray::F64(a)), Val::F64(x)) => a.push(x),
                (Some(ColumnArray::Text(a)), Val::Text(x)) => a.push(x),
                (Some(ColumnArray::Ts(a)), Val::Ts(x)) => a.push(x),
                (Some(ColumnArray::Bool(a)), Val::Bool(x)) => a.push(x),
                (Some(ColumnArray::Json(a)), Val::Json(x)) => a.push(x.map(sqlx::types::Json)),
                _ => {
                    return Err(StoreError::Query(format!(
                        "column {} has values of different types",
                        columns.get(i).unwrap_or(&"?")
                    )));
                }
            }
        }
    }
    Ok(arrays)
}
