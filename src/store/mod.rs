//! The store: every read and write xbot makes, behind the [`Store`] trait, with a Postgres and
//! an SQLite implementation picked by the URL scheme. The operations are written once
//! (in `ops/`) against the [`backend::Backend`] trait; `pg.rs` and `sqlite.rs` hold what
//! differs (connection setup, transactions, the lease clock, dialect SQL).

pub mod backend;
pub mod changes;
pub mod demo;
mod error;
pub mod ops;
pub mod pg;
mod pg_literal;
pub mod reads;
pub mod source;
pub mod sqlite;
pub mod types;

use std::sync::Arc;

pub use backend::BackendKind;
pub use changes::LiveStore;
pub use error::StoreError;
pub use ops::admin::AdminStore;
pub use ops::budget::BudgetStore;
pub use ops::content::ContentStore;
pub use ops::facts::FactsStore;
pub use ops::header::HeaderStore;
pub use ops::incidents::IncidentStore;
pub use ops::jobs::JobStore;
pub use ops::learning::LearningStore;
pub use ops::notify::NotifyStore;
pub use ops::replies::ReplyStore;
pub use ops::reviews::ReviewStore;
pub use ops::scores::ScoreStore;
pub use ops::weights::WeightStore;
pub use ops::workers::WorkerStore;
pub use reads::{Read, Reads, ReadsStore};

use backend::Backend;
use pg::PgBackend;
pub use source::{InstallMode, SourceMap};
use sqlite::SqliteBackend;

use crate::config::DatabaseTarget;

/// Everything the store can do. One supertrait per concept; see `ops/`.
pub trait Store:
    AdminStore
    + LearningStore
    + JobStore
    + IncidentStore
    + WeightStore
    + ScoreStore
    + ReplyStore
    + ReviewStore
    + BudgetStore
    + FactsStore
    + ContentStore
    + HeaderStore
    + LiveStore
    + NotifyStore
    + WorkerStore
    + ReadsStore
    + Send
    + Sync
    + 'static
{
}
impl<T> Store for T where
    T: AdminStore
        + LearningStore
        + JobStore
        + IncidentStore
        + WeightStore
        + ScoreStore
        + ReplyStore
        + ReviewStore
        + BudgetStore
        + FactsStore
        + ContentStore
        + HeaderStore
        + LiveStore
        + NotifyStore
        + WorkerStore
        + ReadsStore
        + Send
        + Sync
        + 'static
{
}

/// A store over one backend.
pub struct SqlStore<B: Backend> {
    pub(crate) db: B,
    target: String,
    /// What xBOT's tables look like here (rebuilt after a migration that creates them).
    src: std::sync::RwLock<Arc<SourceMap>>,
    /// Standalone or attached; `None` before xbot's schema is installed.
    mode: std::sync::RwLock<Option<InstallMode>>,
    /// The schemas this store was opened with.
    schemas: std::sync::RwLock<Schemas>,
    /// The facts' watermark as last read or written here, and when (saves reading it before
    /// each read; see `refresh_facts`).
    pub(crate) facts_synced: Arc<std::sync::Mutex<Option<FactsWatermark>>>,
    /// The role may not write the facts (found once, then not tried again).
    pub(crate) facts_read_only: std::sync::atomic::AtomicBool,
    /// The migrations applied, as read when the store opened (`None` once it migrated):
    /// saves reading the ledger again for `pending_migrations`.
    pub(crate) applied: std::sync::RwLock<Option<Vec<i64>>>,
}

/// The facts' watermark as last known here, and when it was learnt.
pub(crate) type FactsWatermark = (chrono::DateTime<chrono::Utc>, std::time::Instant);

impl<B: Backend> SqlStore<B> {
    pub fn new(db: B, target: String) -> Self {
        SqlStore {
            db,
            target,
            src: std::sync::RwLock::new(Arc::new(SourceMap::build(
                B::KIND,
                "public",
                &source::Catalog::new(),
            ))),
            mode: std::sync::RwLock::new(None),
            schemas: std::sync::RwLock::new(Schemas::default()),
            facts_synced: Arc::new(std::sync::Mutex::new(None)),
            facts_read_only: std::sync::atomic::AtomicBool::new(false),
            applied: std::sync::RwLock::new(None),
        }
    }

    pub(crate) fn schemas(&self) -> Schemas {
        self.schemas.read().map(|g| g.clone()).unwrap_or_default()
    }

    /// After migrations: record how xbot is installed (attached to xBOT's tables, or
    /// standalone, creating them in xBOT's layout when the database has none), once.
    pub(crate) async fn finish_install(&self) -> Result<(), StoreError> {
        let schemas = self.schemas();
        let map = self.discover(&schemas.source).await?;
        if self.read_install_mode().await?.is_some() {
            return Ok(());
        }
        let mode = if map.has_xbot_layout() {
            InstallMode::Attached
        } else {
            InstallMode::Standalone
        };
        self.db.install(mode, &schemas.source).await?;
        if mode == InstallMode::Standalone {
            self.discover(&schemas.source).await?;
        }
        self.read_install_mode().await?;
        // The job schedule, seeded once with the catalogue's defaults (on an attached database
        // the jobs xBOT already runs start disabled, with the reason), so that the first
        // `jobs list` shows what the scheduler will do.
        use crate::store::ops::jobs::JobStore;
        self.sync_schedules(
            &crate::config::catalog::effective(&std::collections::BTreeMap::new()),
            chrono::Utc::now(),
        )
        .await?;
        tracing::info!(mode = mode.as_str(), "xbot installed");
        Ok(())
    }

    /// The current source map.
    pub(crate) fn src(&self) -> Arc<SourceMap> {
        self.src
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// `sql` with every `{relation}` of xBOT's expanded to its canonical sub-select.
    pub(crate) fn sql(&self, sql: &str) -> backend::Sql {
        self.src().expand(sql).into()
    }

    /// How xbot is installed here, once known.
    pub(crate) fn mode(&self) -> Option<InstallMode> {
        self.mode.read().map(|g| *g).unwrap_or(None)
    }

    /// Read the catalog of xBOT's schema and rebuild the source map.
    pub(crate) async fn discover(&self, source_schema: &str) -> Result<Arc<SourceMap>, StoreError> {
        let (sql, args) = Self::catalog_query(source_schema);
        let rows: Vec<(String, String, String, String)> = self.db.fetch_all(sql, args).await?;
        Ok(self.apply_catalog(source_schema, rows))
    }

    fn catalog_query(source_schema: &str) -> (backend::Sql, Vec<backend::Val>) {
        let sql = source::catalog_sql(B::KIND);
        let args = match B::KIND {
            BackendKind::Postgres => crate::args![source_schema],
            BackendKind::Sqlite => vec![],
        };
        (sql.into(), args)
    }

    /// Rebuild the source map from the catalog's rows.
    fn apply_catalog(
        &self,
        source_schema: &str,
        rows: Vec<(String, String, String, String)>,
    ) -> Arc<SourceMap> {
        let schema = match B::KIND {
            BackendKind::Postgres => source_schema,
            BackendKind::Sqlite => "main",
        };
        let map = Arc::new(SourceMap::build(
            B::KIND,
            schema,
            &source::fold_catalog(rows),
        ));
        if let Ok(mut g) = self.src.write() {
            *g = map.clone();
        }
        map
    }

    /// Read the install row (absent before the first migration).
    async fn read_install_mode(&self) -> Result<Option<InstallMode>, StoreError> {
        let row: Option<(String,)> = match self
            .db
            .fetch_optional("SELECT mode FROM install WHERE id = 1".into(), vec![])
            .await
        {
            Ok(r) => r,
            // No install table yet: not installed.
            Err(StoreError::Query(_)) => None,
            Err(e) => return Err(e),
        };
        let mode = row.and_then(|(m,)| InstallMode::parse(&m));
        if let Ok(mut g) = self.mode.write() {
            *g = mode;
        }
        Ok(mode)
    }
}

/// The Postgres store.
pub type PgStore = SqlStore<PgBackend>;
/// The SQLite store.
pub type SqliteStore = SqlStore<SqliteBackend>;

/// A shared handle to the store.
pub type StoreHandle = Arc<dyn Store>;

/// What opening a database did.
pub struct Opened {
    pub store: StoreHandle,
    /// Warnings for the user (e.g. the Supabase transaction pooler).
    pub warnings: Vec<String>,
    /// The SQLite file did not exist before.
    pub created: bool,
    /// Migrations applied while opening.
    pub migrated: usize,
}

/// What to do about pending migrations when opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationPolicy {
    /// Apply them (the default; they only touch xbot's own schema).
    Apply,
    /// Refuse to work on an older schema.
    Require,
    /// Leave them alone (for `xbot migrate`, which reports and applies them itself).
    Skip,
}

pub use crate::config::Schemas;

/// How long closing a store waits for busy connections before leaving them to the OS.
pub const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Open the database with the default schemas (`xbot` beside xBOT's `public`).
pub async fn open(target: &DatabaseTarget, policy: MigrationPolicy) -> Result<Opened, StoreError> {
    open_with(target, policy, &Schemas::default()).await
}

/// Open the database and deal with pending migrations as `policy` says. A database file
/// created here is removed again if it cannot be set up, so no half-made file is left behind.
pub async fn open_with(
    target: &DatabaseTarget,
    policy: MigrationPolicy,
    schemas: &Schemas,
) -> Result<Opened, StoreError> {
    match target {
        DatabaseTarget::Sqlite { path, is_default } => {
            let existed = path.exists();
            let db = SqliteBackend::open(path, *is_default).await?;
            let store = SqlStore::new(db, target.display_masked());
            match prepare(&store, policy, schemas).await {
                Ok(migrated) => Ok(Opened {
                    store: Arc::new(store),
                    warnings: Vec::new(),
                    created: !existed,
                    migrated,
                }),
                Err(e) => {
                    store.db.close().await;
                    if !existed {
                        remove_sqlite_files(path);
                    }
                    Err(e)
                }
            }
        }
        DatabaseTarget::Postgres { url } => {
            let op = crate::identity::Operator::current();
            let app_name = format!("xbot:{}@{}", op.os_user, op.host);
            let (db, warnings) = PgBackend::connect(url, &app_name, schemas).await?;
            let store = SqlStore::new(db, target.display_masked());
            let migrated = match prepare(&store, policy, schemas).await {
                Ok(n) => n,
                Err(e) => {
                    store.db.close().await;
                    return Err(e);
                }
            };
            Ok(Opened {
                store: Arc::new(store),
                warnings,
                created: false,
                migrated,
            })
        }
    }
}

/// Check xbot's schema against this build, migrate as the policy says, read how xbot is
/// installed and map xBOT's tables.
async fn prepare<B: Backend>(
    store: &SqlStore<B>,
    policy: MigrationPolicy,
    schemas: &Schemas,
) -> Result<usize, StoreError> {
    if let Ok(mut g) = store.schemas.write() {
        *g = schemas.clone();
    }
    // One round trip on Postgres: the ledger, the install row, the catalog, the watermark.
    let (catalog, args) = SqlStore::<B>::catalog_query(&schemas.source);
    let snap = store.db.open_snapshot(catalog, args).await?;
    let applied = snap.applied;
    let known: Vec<i64> = B::migrator().iter().map(|m| m.version).collect();
    let max_known = known.iter().copied().max().unwrap_or(0);
    if let Some(found) = applied.iter().copied().filter(|v| *v > max_known).max() {
        return Err(StoreError::SchemaAhead {
            found,
            known: max_known,
        });
    }
    let pending = known.iter().filter(|v| !applied.contains(v)).count();
    let mut migrated = 0;
    if pending > 0 {
        match policy {
            MigrationPolicy::Require => return Err(StoreError::SchemaBehind(pending)),
            MigrationPolicy::Skip => {}
            MigrationPolicy::Apply => {
                store.db.run_migrations().await.map_err(|e| match e {
                    // A role that may only read cannot upgrade the schema: say who can.
                    StoreError::PermissionDenied(why) => StoreError::PermissionDenied(format!(
                        "{why}: this role may not apply xbot's {pending} pending migration(s); \
                         the database's owner runs `xbot migrate` once, then every role that may \
                         read reads everything"
                    )),
                    StoreError::Migrate(why) if why.contains("permission denied") => {
                        StoreError::PermissionDenied(format!(
                            "{why}: this role may not apply xbot's {pending} pending \
                             migration(s); the database's owner runs `xbot migrate` once"
                        ))
                    }
                    other => other,
                })?;
                tracing::info!(applied = pending, target = %store.target, "migrations applied");
                migrated = pending;
            }
        }
    }
    if migrated > 0 {
        store.finish_install().await?;
    } else {
        if let Ok(mut g) = store.applied.write() {
            *g = Some(applied.clone());
        }
        store.apply_catalog(&schemas.source, snap.catalog);
        if !applied.is_empty() {
            let mode = snap.install_mode.as_deref().and_then(InstallMode::parse);
            if let Ok(mut g) = store.mode.write() {
                *g = mode;
            }
        }
        if let (Some(t), Ok(mut g)) = (snap.facts_synced_at, store.facts_synced.lock()) {
            *g = Some((t, std::time::Instant::now()));
        }
    }
    Ok(migrated)
}

fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(p));
    }
}

/// A migration failure as the user needs it: xbot's file, the statement that failed, and the
/// server's message with its DETAIL and HINT.
pub(crate) fn migrate_error(
    e: sqlx::migrate::MigrateError,
    migrator: &sqlx::migrate::Migrator,
    located: Option<(usize, String)>,
) -> StoreError {
    use sqlx::migrate::MigrateError;
    let MigrateError::ExecuteMigration(inner, version) = &e else {
        return StoreError::Migrate(e.to_string());
    };
    let Some(m) = migrator.iter().find(|m| m.version == *version) else {
        return StoreError::Migrate(e.to_string());
    };
    let file = format!("{}_{}.sql", m.version, m.description.replace(' ', "_"));
    let mut msg = format!("migration {file} failed");
    if let sqlx::Error::Database(db) = inner {
        let position = db
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .and_then(|pg| match pg.position() {
                Some(sqlx::postgres::PgErrorPosition::Original(p)) => Some(p),
                _ => None,
            });
        if let Some(stmt) = position
            .and_then(|p| statement_at(m.sql.as_ref(), p))
            .or(located)
        {
            msg.push_str(&format!(" at line {}: {}", stmt.0, stmt.1));
        }
        msg.push_str(&format!(": {}", db.message()));
        if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            if let Some(d) = pg.detail() {
                msg.push_str(&format!("\nDETAIL: {d}"));
            }
            if let Some(h) = pg.hint() {
                msg.push_str(&format!("\nHINT: {h}"));
            }
        }
    } else {
        msg.push_str(&format!(": {inner}"));
    }
    StoreError::Migrate(msg)
}

/// The statement of `sql` around character position `pos` (1-based, as Postgres reports
/// it): its first line number and its first line of text.
fn statement_at(sql: &str, pos: usize) -> Option<(usize, String)> {
    let byte = sql
        .char_indices()
        .nth(pos.saturating_sub(1))
        .map(|(b, _)| b)?;
    let start = sql[..byte].rfind(';').map(|i| i + 1).unwrap_or(0);
    let text = sql[start..].trim_start();
    let offset = sql.len() - sql[start..].len() + (sql[start..].len() - text.len());
    let line = sql[..offset].matches('\n').count() + 1;
    Some((line, text.lines().next().unwrap_or_default().to_string()))
}

/// What applying migrations would create, as qualified names (`xbot.safety_reviews (table)`),
/// read from the embedded migration files: `pending` are "version description" strings as
/// [`AdminStore::pending_migrations`] gives them. With `standalone`, also xBOT's tables that a
/// database without any of them gets (`public.outcomes (table)`).
pub fn planned_objects(
    kind: BackendKind,
    schemas: &Schemas,
    pending: &[String],
    standalone: bool,
) -> Vec<String> {
    let migrator = match kind {
        BackendKind::Postgres => &pg::MIGRATOR,
        BackendKind::Sqlite => &sqlite::MIGRATOR,
    };
    let versions: Vec<i64> = pending
        .iter()
        .filter_map(|p| p.split_whitespace().next()?.parse().ok())
        .collect();
    let (own, theirs) = match kind {
        BackendKind::Postgres => (schemas.xbot.as_str(), schemas.source.as_str()),
        BackendKind::Sqlite => ("main", "main"),
    };
    let mut out = Vec::new();
    if !versions.is_empty() && kind == BackendKind::Postgres {
        out.push(format!("{own} (schema)"));
    }
    if !versions.is_empty() {
        out.push(format!("{own}._sqlx_migrations (table)"));
    }
    for m in migrator.iter().filter(|m| versions.contains(&m.version)) {
        out.extend(created_objects(m.sql.as_ref(), own));
    }
    if standalone {
        let layout = match kind {
            BackendKind::Postgres => pg::STANDALONE_LAYOUT,
            BackendKind::Sqlite => sqlite::STANDALONE_LAYOUT,
        };
        out.extend(created_objects(layout, theirs));
    }
    out
}

/// `CREATE TABLE|VIEW|INDEX … name` statements of a script, as "schema.name (kind)".
fn created_objects(sql: &str, schema: &str) -> Vec<String> {
    let re = regex::Regex::new(
        r"(?im)^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(UNIQUE\s+INDEX|INDEX|TABLE|VIEW|FUNCTION|TRIGGER|SEQUENCE)\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)",
    )
    .expect("a valid pattern");
    re.captures_iter(sql)
        .map(|c| {
            let kind = c[1]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_lowercase();
            format!("{schema}.{} ({kind})", &c[2])
        })
        .collect()
}

/// The statements of a migration script with the line each starts on (split on `;` outside
/// quotes, dollar quotes and comments).
pub(crate) fn split_statements(sql: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let (mut in_quote, mut in_comment, mut in_dollar) = (false, false, false);
    let bytes = sql.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_comment {
            if c == b'\n' {
                in_comment = false;
            }
        } else if in_quote {
            if c == b'\'' {
                in_quote = false;
            }
        } else if in_dollar {
            if c == b'$' && bytes.get(i + 1) == Some(&b'$') {
                in_dollar = false;
                i += 1;
            }
        } else if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
            in_comment = true;
        } else if c == b'\'' {
            in_quote = true;
        } else if c == b'$' && bytes.get(i + 1) == Some(&b'$') {
            in_dollar = true;
            i += 1;
        } else if c == b';' {
            push_statement(sql, start, i, &mut out);
            start = i + 1;
        }
        i += 1;
    }
    push_statement(sql, start, sql.len(), &mut out);
    out
}

fn push_statement(sql: &str, start: usize, end: usize, out: &mut Vec<(usize, String)>) {
    let piece = &sql[start..end];
    // Skip leading blank and comment lines: the statement starts at its first real line.
    let mut offset = 0;
    for line in piece.split_inclusive('\n') {
        let t = line.trim();
        if t.is_empty() || t.starts_with("--") {
            offset += line.len();
        } else {
            break;
        }
    }
    let text = piece[offset..].trim();
    if text.is_empty() {
        return;
    }
    let line = sql[..start + offset].matches('\n').count() + 1;
    out.push((line, text.to_string()));
}
