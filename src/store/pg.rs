//! The Postgres backend (Supabase in production). Connections say who they are through
//! `application_name`; the lease clock is the server's `now()`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, Connection, FromRow, PgPool, Postgres};

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
    /// Connections kept between statements (see [`Held`]).
    held: Arc<std::sync::Mutex<Vec<Held>>>,
}

/// A connection kept out of the pool between statements. sqlx's pool costs a round trip on
/// every release (and another on every acquire when testing is on): over a real network
/// that doubled the cost of each statement. A held connection is reused as it is; one idle
/// for longer than [`PING_AFTER`] is checked first (a batch of reads instead runs on it at
/// once and, if it died while idle, once more on another), and one whose statement failed
/// other than with a database error, or was abandoned half-way, goes back to the pool (which
/// tests it) instead.
struct Held {
    conn: PoolConnection<Postgres>,
    /// The server process, once known (for cancelling an abandoned transaction's statement).
    pid: Option<i32>,
    since: std::time::Instant,
}

impl Drop for PgBackend {
    fn drop(&mut self) {
        // Outside a runtime (a store dropped after its runtime), a pooled connection cannot be
        // given back (that spawns a task): detached, it just closes its socket.
        if tokio::runtime::Handle::try_current().is_err()
            && let Ok(mut v) = self.held.lock()
        {
            for h in v.drain(..) {
                drop(h.conn.detach());
            }
        }
    }
}

/// Held connections kept at most (concurrent loads beyond it use the pool as it is).
const HELD_MAX: usize = 4;
/// A held connection idle longer than this is pinged before use.
const PING_AFTER: Duration = Duration::from_secs(10);
/// The pool's size.
const POOL_MAX: usize = 8;

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
            // Statements travel with their values inlined (see `pg_literal`): a backslash in
            // a text value must stay a backslash.
            ("standard_conforming_strings", "on"),
        ]);
        let mut warnings = Vec::new();
        if is_transaction_pooler_port(opts.get_port()) {
            tracing::warn!("{POOLER_WARNING}");
            warnings.push(POOLER_WARNING.to_string());
            // Named prepared statements do not survive a transaction pooler.
            opts = opts.statement_cache_capacity(0);
        }
        let pool = PgPoolOptions::new()
            .max_connections(POOL_MAX as u32)
            .min_connections(0)
            // Short, so that a database that went away is noticed within seconds.
            .acquire_timeout(Duration::from_secs(5))
            .idle_timeout(Duration::from_secs(300))
            // Not on every acquire (a round trip each); held connections are checked after
            // being idle instead (see `Held`).
            .test_before_acquire(false)
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
                held: Arc::new(std::sync::Mutex::new(Vec::new())),
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

    /// A held connection, or one from the pool.
    async fn take(&self) -> Result<Held, StoreError> {
        let held = self.held.lock().ok().and_then(|mut v| v.pop());
        if let Some(mut h) = held
            && (h.since.elapsed() < PING_AFTER || h.conn.ping().await.is_ok())
        {
            return Ok(h);
        }
        let conn = self.pool.acquire().await.map_err(|e| self.err(e))?;
        Ok(Held {
            conn,
            pid: None,
            since: std::time::Instant::now(),
        })
    }

    /// Run one statement (values inlined: one round trip) on a held connection.
    async fn run_rows(&self, sql: Sql, args: Vec<Val>) -> Result<Vec<PgRow>, StoreError> {
        let mut h = self.take().await?;
        let r = run_on(&mut h.conn, &sql, args).await;
        settle(&self.held, h, &r);
        r.map_err(|e| self.err(e))
    }
}

/// Give a held connection back after a statement: kept when it answered (a database error
/// is an answer), else left to the pool.
fn settle<T>(held: &std::sync::Mutex<Vec<Held>>, mut h: Held, r: &Result<T, sqlx::Error>) {
    match r {
        Ok(_) => keep(held, h, true),
        // Not back into the pool, which would hand it out again.
        Err(e) if connection_gone(e) => h.conn.close_on_drop(),
        Err(_) => keep(held, h, true),
    }
}

/// The error says the connection is no longer usable: a transport error, or the server's
/// own word that it closed the session (SQLSTATE class 57, operator intervention, such as an
/// idle-session timeout, a terminated backend or a shutdown; class 08, connection exception).
fn connection_gone(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("57") || c.starts_with("08")),
        _ => true,
    }
}

/// Keep `h` for the next statement when it is in step with the server.
fn keep(held: &std::sync::Mutex<Vec<Held>>, mut h: Held, healthy: bool) {
    if healthy
        && let Ok(mut v) = held.lock()
        && v.len() < HELD_MAX
    {
        h.since = std::time::Instant::now();
        v.push(h);
    }
}

/// One statement on `conn`: inlined into the simple protocol (one round trip) when its values
/// allow, else bound through the extended protocol.
async fn run_on(
    conn: &mut sqlx::PgConnection,
    sql: &str,
    args: Vec<Val>,
) -> Result<Vec<PgRow>, sqlx::Error> {
    use futures::TryStreamExt;
    match super::pg_literal::inline(sql, &args) {
        Ok(Some(text)) => sqlx::raw_sql(AssertSqlSafe(text)).fetch_all(conn).await,
        Ok(None) => {
            let q = crate::bind_vals!(
                sqlx::query::<Postgres>(AssertSqlSafe(sql.to_string())),
                args
            );
            q.fetch(conn).try_collect().await
        }
        Err(e) => Err(sqlx::Error::Protocol(e.to_string())),
    }
}

/// `execute` on `conn`: the affected rows.
async fn execute_on(
    conn: &mut sqlx::PgConnection,
    sql: &str,
    args: Vec<Val>,
) -> Result<u64, sqlx::Error> {
    use futures::TryStreamExt;
    match super::pg_literal::inline(sql, &args) {
        // The last statement's count (BEGIN or waiting writes may go in front).
        Ok(Some(text)) => {
            let mut results = sqlx::raw_sql(AssertSqlSafe(text)).fetch_many(conn);
            let mut last = 0;
            while let Some(item) = results.try_next().await? {
                if let sqlx::Either::Left(r) = item {
                    last = r.rows_affected();
                }
            }
            Ok(last)
        }
        Ok(None) => {
            let q = crate::bind_vals!(
                sqlx::query::<Postgres>(AssertSqlSafe(sql.to_string())),
                args
            );
            q.execute(conn).await.map(|r| r.rows_affected())
        }
        Err(e) => Err(sqlx::Error::Protocol(e.to_string())),
    }
}

/// The answers of a multi-statement Query message, one list of rows per statement (each
/// statement's rows end with its completion).
fn per_statement(
    items: Vec<sqlx::Either<sqlx::postgres::PgQueryResult, PgRow>>,
) -> Vec<Vec<PgRow>> {
    let mut sets = Vec::new();
    let mut current = Vec::new();
    for item in items {
        match item {
            sqlx::Either::Left(_) => sets.push(std::mem::take(&mut current)),
            sqlx::Either::Right(row) => current.push(row),
        }
    }
    sets
}

fn decode<T: RowType>(rows: Vec<PgRow>) -> Result<Vec<T>, sqlx::Error> {
    rows.iter().map(T::from_row).collect()
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

#[async_trait]
impl Backend for PgBackend {
    type Tx = PgTx;
    const KIND: BackendKind = BackendKind::Postgres;

    async fn fetch_all<T: RowType>(&self, sql: Sql, args: Vec<Val>) -> Result<Vec<T>, StoreError> {
        let rows = self.run_rows(sql, args).await?;
        decode(rows).map_err(|e| self.err(e))
    }

    async fn fetch_optional<T: RowType>(
        &self,
        sql: Sql,
        args: Vec<Val>,
    ) -> Result<Option<T>, StoreError> {
        let rows = self.run_rows(sql, args).await?;
        rows.first()
            .map(T::from_row)
            .transpose()
            .map_err(|e| self.err(e))
    }

    async fn execute(&self, sql: Sql, args: Vec<Val>) -> Result<u64, StoreError> {
        let mut h = self.take().await?;
        let r = execute_on(&mut h.conn, &sql, args).await;
        settle(&self.held, h, &r);
        r.map_err(|e| self.err(e))
    }

    async fn fetch_batch(
        &self,
        statements: Vec<(Sql, Vec<Val>)>,
    ) -> Result<super::backend::Batch, StoreError> {
        use futures::TryStreamExt;
        let n = statements.len();
        if n == 0 {
            return Ok(super::backend::Batch::pg(Vec::new()));
        }
        let mut texts = Vec::with_capacity(n);
        for (sql, args) in &statements {
            texts.push(super::pg_literal::inline(sql, args)?);
        }
        let mut sets: Vec<Vec<PgRow>> = Vec::with_capacity(n);
        if texts.iter().all(Option::is_some) {
            // One Query message: the server answers each statement's rows, then its
            // completion.
            let batch = texts.into_iter().flatten().collect::<Vec<_>>().join(";\n");
            // A held connection as it is, even one idle for a while (no ping first: that would
            // be a round trip of its own). Reads (and a facts sync) may run twice, so when the
            // server closed it while idle (an idle timeout, a restart) they run again on
            // another.
            let popped = self.held.lock().ok().and_then(|mut v| v.pop());
            let (mut h, idle) = match popped {
                Some(h) => {
                    let idle = h.since.elapsed() >= PING_AFTER;
                    (h, idle)
                }
                None => (self.take().await?, false),
            };
            let mut r: Result<Vec<_>, sqlx::Error> = sqlx::raw_sql(AssertSqlSafe(batch.clone()))
                .fetch_many(&mut *h.conn)
                .try_collect()
                .await;
            // The server closes every idle session at once (a timeout, a restart): each of
            // the held and pooled connections fails at once, without a round trip, until a
            // live or new one answers.
            let mut retries = if idle { HELD_MAX + POOL_MAX } else { 0 };
            while retries > 0 && matches!(&r, Err(e) if connection_gone(e)) {
                tracing::debug!("an idle connection was gone; retrying on another");
                retries -= 1;
                settle(&self.held, h, &r);
                h = self.take().await?;
                r = sqlx::raw_sql(AssertSqlSafe(batch.clone()))
                    .fetch_many(&mut *h.conn)
                    .try_collect()
                    .await;
            }
            settle(&self.held, h, &r);
            sets = per_statement(r.map_err(|e| self.err(e))?);
        } else {
            for (sql, args) in statements {
                sets.push(self.run_rows(sql, args).await?);
            }
        }
        Ok(super::backend::Batch::pg(sets))
    }

    async fn begin_write(&self) -> Result<PgTx, StoreError> {
        let mut h = self.take().await?;
        // The server process behind this transaction, so that a transaction abandoned in the
        // middle of a statement can have that statement cancelled (see `CancelOnDrop`). On a
        // held connection it is known, and BEGIN travels with the first statement instead.
        let pid = match h.pid {
            Some(pid) => pid,
            None => {
                let r = sqlx::raw_sql("SELECT pg_backend_pid()")
                    .fetch_one(&mut *h.conn)
                    .await
                    .and_then(|row| sqlx::Row::try_get::<i32, _>(&row, 0));
                match r {
                    Ok(pid) => {
                        h.pid = Some(pid);
                        pid
                    }
                    Err(e) => return Err(self.err(e)),
                }
            }
        };
        Ok(PgTx {
            conn: Some(h),
            begun: false,
            held: self.held.clone(),
            secrets: self.secrets.clone(),
            in_statement: CancelOnDrop {
                pool: self.pool.clone(),
                pid,
                busy: false,
            },
            later: Vec::new(),
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

    async fn open_snapshot(
        &self,
        catalog: Sql,
        args: Vec<Val>,
    ) -> Result<super::backend::OpenSnapshot, StoreError> {
        // One round trip: the server process, the migration ledger, the install row and the
        // facts' watermark (each read only when its table exists, through query_to_xml, so
        // that a new database answers NULL instead of an error), then the catalog.
        let own = |table: &str, column: &str, query: &str| -> Result<String, StoreError> {
            let rel =
                super::pg_literal::inline("$1", &[Val::from(format!("{}.{table}", self.schema))])?
                    .unwrap_or_default();
            let q = super::pg_literal::inline("$1", &[Val::from(query.to_string())])?
                .unwrap_or_default();
            Ok(format!(
                "CASE WHEN to_regclass({rel}) IS NULL THEN NULL ELSE array_to_string(\
                 xpath('/table/row/{column}/text()', query_to_xml({q}, false, false, ''))::text[], ',') END"
            ))
        };
        let ledger = own(
            "_sqlx_migrations",
            "version",
            &format!(
                "SELECT version FROM {}._sqlx_migrations WHERE success ORDER BY version",
                self.schema
            ),
        )?;
        let install = own(
            "install",
            "mode",
            &format!("SELECT mode FROM {}.install WHERE id = 1", self.schema),
        )?;
        let facts = own(
            "facts_sync",
            "synced_at",
            &format!(
                "SELECT synced_at FROM {}.facts_sync WHERE id = 1",
                self.schema
            ),
        )?;
        let catalog = super::pg_literal::inline(&catalog, &args)?
            .ok_or_else(|| StoreError::Query("the catalog query takes plain values".into()))?;
        let batch = format!("SELECT pg_backend_pid(), {ledger}, {install}, {facts};\n{catalog}");
        let mut h = self.take().await?;
        let r = run_on(&mut h.conn, &batch, vec![]).await;
        let rows = match r {
            Ok(rows) => rows,
            Err(e) => {
                keep(&self.held, h, matches!(e, sqlx::Error::Database(_)));
                return Err(self.err(e));
            }
        };
        let mut rows = rows.into_iter();
        let head = rows
            .next()
            .ok_or_else(|| StoreError::Query("opening: no answer".into()))?;
        type Head = (i32, Option<String>, Option<String>, Option<String>);
        let (pid, ledger, install, facts): Head =
            FromRow::from_row(&head).map_err(|e| self.err(e))?;
        h.pid = Some(pid);
        let catalog = rows
            .map(|r| FromRow::from_row(&r))
            .collect::<Result<Vec<(String, String, String, String)>, _>>()
            .map_err(|e| self.err(e))?;
        keep(&self.held, h, true);
        let applied = ledger
            .unwrap_or_default()
            .split(',')
            .filter_map(|v| v.trim().parse().ok())
            .collect();
        Ok(super::backend::OpenSnapshot {
            applied,
            install_mode: install.filter(|m| !m.is_empty()),
            catalog,
            facts_synced_at: facts
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t.trim()).ok())
                .map(|t| t.with_timezone(&chrono::Utc)),
        })
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

    async fn change_feed(&self) -> Result<super::changes::ChangeFeed, StoreError> {
        super::changes::ChangeFeed::postgres(&self.pool).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        // Not through `pool.acquire`: when the server is gone, the pool retries a refused
        // connection (and "the database system is shutting down") until its acquire timeout,
        // so an outage would show only seconds later. An idle connection is used as it is (a
        // closed one fails at once); without one, a connection is opened directly, which a
        // stopped server refuses at once. A server that does not answer at all is bounded by
        // PING_TIMEOUT.
        // A held connection first (one Sync round trip; a closed one fails at once).
        let held = self.held.lock().ok().and_then(|mut v| v.pop());
        if let Some(mut h) = held {
            match tokio::time::timeout(PING_TIMEOUT, h.conn.ping()).await {
                Ok(Ok(())) => {
                    keep(&self.held, h, true);
                    return Ok(());
                }
                Ok(Err(e)) => return Err(self.err(e)),
                Err(_) => {
                    return Err(StoreError::Unavailable(format!(
                        "no answer within {} ms",
                        PING_TIMEOUT.as_millis()
                    )));
                }
            }
        }
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
        // Held connections are checked out of the pool: close them, or closing the pool
        // would wait for them.
        let held: Vec<Held> = self
            .held
            .lock()
            .map(|mut v| v.drain(..).collect())
            .unwrap_or_default();
        for h in held {
            let _ = h.conn.detach().close().await;
        }
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

/// A Postgres transaction on a held connection. BEGIN is sent with the first statement (one
/// round trip for both). Dropped without `commit` after BEGIN, the connection is closed, which
/// rolls the transaction back on the server.
pub struct PgTx {
    conn: Option<Held>,
    /// BEGIN has been sent.
    begun: bool,
    held: Arc<std::sync::Mutex<Vec<Held>>>,
    secrets: Arc<Vec<String>>,
    in_statement: CancelOnDrop,
    /// Writes waiting to travel with the next statement or the COMMIT (`execute_later`),
    /// their values inlined.
    later: Vec<String>,
}

impl Drop for PgTx {
    fn drop(&mut self) {
        if let Some(mut h) = self.conn.take() {
            if self.begun {
                h.conn.close_on_drop();
            } else if let Ok(mut v) = self.held.lock()
                && v.len() < HELD_MAX
            {
                v.push(h);
            }
        }
    }
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

    fn conn(&mut self) -> Result<&mut sqlx::PgConnection, StoreError> {
        self.conn
            .as_mut()
            .map(|h| &mut *h.conn)
            .ok_or_else(|| StoreError::Query("the transaction is over".into()))
    }

    /// `sql` with BEGIN in front when it is the transaction's first statement.
    fn with_begin(&mut self, sql: &str) -> String {
        if self.begun {
            sql.to_string()
        } else {
            self.begun = true;
            format!("BEGIN; {sql}")
        }
    }

    /// The statement to send: with BEGIN and the waiting writes in front when its values
    /// inline (one round trip for all), else after them in a message of their own.
    async fn prepare(&mut self, sql: &str, args: &[Val]) -> Result<String, StoreError> {
        if super::pg_literal::inline(sql, args)?.is_some() {
            let sql = self.with_later(sql);
            Ok(self.with_begin(&sql))
        } else {
            self.ensure_begun().await?;
            self.flush_later().await?;
            Ok(sql.to_string())
        }
    }

    /// `sql` after the waiting writes (which it takes).
    fn with_later(&mut self, sql: &str) -> String {
        if self.later.is_empty() {
            return sql.to_string();
        }
        let mut text = std::mem::take(&mut self.later).join(";\n");
        text.push_str(";\n");
        text.push_str(sql);
        text
    }

    /// Send the waiting writes on their own.
    async fn flush_later(&mut self) -> Result<(), StoreError> {
        if self.later.is_empty() {
            return Ok(());
        }
        let text = std::mem::take(&mut self.later).join(";\n");
        let text = self.with_begin(&text);
        self.send(text).await
    }

    /// One message of statements whose answers are not read (BEGIN already in front when
    /// needed).
    async fn send(&mut self, text: String) -> Result<(), StoreError> {
        self.in_statement.busy = true;
        let r = sqlx::raw_sql(AssertSqlSafe(text))
            .execute(self.conn()?)
            .await;
        self.in_statement.busy = false;
        r.map(|_| ()).map_err(|e| self.err(e))
    }

    async fn rows(&mut self, sql: Sql, args: Vec<Val>) -> Result<Vec<PgRow>, StoreError> {
        let sql = self.prepare(&sql, &args).await?;
        self.in_statement.busy = true;
        let r = run_on(self.conn()?, &sql, args).await;
        self.in_statement.busy = false;
        r.map_err(|e| self.err(e))
    }

    /// Send BEGIN on its own (before a statement that must be bound).
    async fn ensure_begun(&mut self) -> Result<(), StoreError> {
        if !self.begun {
            self.begun = true;
            let r = sqlx::raw_sql("BEGIN").execute(self.conn()?).await;
            r.map_err(|e| self.err(e))?;
        }
        Ok(())
    }
}

#[async_trait]
impl BackendTx for PgTx {
    async fn fetch_all<T: RowType>(
        &mut self,
        sql: Sql,
        args: Vec<Val>,
    ) -> Result<Vec<T>, StoreError> {
        let rows = self.rows(sql, args).await?;
        decode(rows).map_err(|e| self.err(e))
    }

    async fn fetch_optional<T: RowType>(
        &mut self,
        sql: Sql,
        args: Vec<Val>,
    ) -> Result<Option<T>, StoreError> {
        let rows = self.rows(sql, args).await?;
        rows.first()
            .map(T::from_row)
            .transpose()
            .map_err(|e| self.err(e))
    }

    async fn execute(&mut self, sql: Sql, args: Vec<Val>) -> Result<u64, StoreError> {
        let sql = self.prepare(&sql, &args).await?;
        self.in_statement.busy = true;
        let r = execute_on(self.conn()?, &sql, args).await;
        self.in_statement.busy = false;
        r.map_err(|e| self.err(e))
    }

    async fn execute_later(&mut self, sql: Sql, args: Vec<Val>) -> Result<(), StoreError> {
        match super::pg_literal::inline(&sql, &args)? {
            Some(text) => {
                self.later.push(text);
                Ok(())
            }
            None => self.execute(sql, args).await.map(|_| ()),
        }
    }

    async fn fetch_batch(
        &mut self,
        statements: Vec<(Sql, Vec<Val>)>,
    ) -> Result<super::backend::Batch, StoreError> {
        use futures::TryStreamExt;
        let mut texts = Vec::with_capacity(statements.len());
        for (sql, args) in &statements {
            texts.push(super::pg_literal::inline(sql, args)?);
        }
        if statements.is_empty() || texts.iter().any(Option::is_none) {
            // Not inlinable: one at a time.
            let mut sets = Vec::with_capacity(statements.len());
            for (sql, args) in statements {
                sets.push(self.rows(sql, args).await?);
            }
            return Ok(super::backend::Batch::pg(sets));
        }
        // Results counted per statement: the BEGIN and the waiting writes in front answer
        // no rows and are skipped.
        let skip = usize::from(!self.begun) + self.later.len();
        let text = texts.into_iter().flatten().collect::<Vec<_>>().join(";\n");
        let text = self.with_later(&text);
        let text = self.with_begin(&text);
        self.in_statement.busy = true;
        let r: Result<Vec<_>, sqlx::Error> = sqlx::raw_sql(AssertSqlSafe(text))
            .fetch_many(self.conn()?)
            .try_collect()
            .await;
        self.in_statement.busy = false;
        let mut sets = per_statement(r.map_err(|e| self.err(e))?);
        Ok(super::backend::Batch::pg(
            sets.split_off(skip.min(sets.len())),
        ))
    }

    async fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: Vec<Vec<Val>>,
    ) -> Result<(), StoreError> {
        // One statement per 10,000 rows: each column is bound as one typed array and
        // UNNEST turns the arrays back into rows. Waiting writes go first, in order.
        self.ensure_begun().await?;
        self.flush_later().await?;
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
            let r = q.execute(self.conn()?).await;
            self.in_statement.busy = false;
            r.map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    async fn commit(mut self) -> Result<(), StoreError> {
        if !self.later.is_empty() {
            // The waiting writes and the COMMIT in one message (BEGIN in front if none was
            // sent): one round trip.
            let text = self.with_later("COMMIT");
            let text = self.with_begin(&text);
            self.send(text).await?;
            self.begun = false;
        } else if self.begun {
            let r = sqlx::raw_sql("COMMIT").execute(self.conn()?).await;
            r.map_err(|e| self.err(e))?;
            self.begun = false;
        }
        // Drop gives the connection back (the transaction is over).
        Ok(())
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
