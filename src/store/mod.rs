//! The store: every read and write xbot makes, behind the [`Store`] trait, with a Postgres and
//! an SQLite implementation picked by the URL scheme. The operations are written once
//! (in `ops/`) against the [`backend::Backend`] trait; `pg.rs` and `sqlite.rs` hold what
//! differs (connection setup, transactions, the lease clock, dialect SQL).

pub mod backend;
pub mod demo;
mod error;
pub mod ops;
pub mod pg;
pub mod sqlite;
pub mod types;

use std::sync::Arc;

pub use backend::BackendKind;
pub use error::StoreError;
pub use ops::admin::AdminStore;
pub use ops::budget::BudgetStore;
pub use ops::content::ContentStore;
pub use ops::facts::FactsStore;
pub use ops::incidents::IncidentStore;
pub use ops::jobs::JobStore;
pub use ops::learning::LearningStore;
pub use ops::replies::ReplyStore;
pub use ops::reviews::ReviewStore;
pub use ops::scores::ScoreStore;
pub use ops::weights::WeightStore;

use backend::Backend;
use pg::PgBackend;
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
        + Send
        + Sync
        + 'static
{
}

/// A store over one backend.
pub struct SqlStore<B: Backend> {
    pub(crate) db: B,
    target: String,
}

impl<B: Backend> SqlStore<B> {
    pub fn new(db: B, target: String) -> Self {
        SqlStore { db, target }
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
    /// Apply them (the default; they are additive).
    Apply,
    /// Refuse to work on an older schema.
    Require,
    /// Leave them alone (for `xbot migrate`, which reports and applies them itself).
    Skip,
}

/// How long closing a store waits for busy connections before leaving them to the OS.
pub const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Open the database and deal with pending migrations as `policy` says. A database file
/// created here is removed again if it cannot be set up, so no half-made file is left behind.
pub async fn open(target: &DatabaseTarget, policy: MigrationPolicy) -> Result<Opened, StoreError> {
    match target {
        DatabaseTarget::Sqlite { path, is_default } => {
            let existed = path.exists();
            let db = SqliteBackend::open(path, *is_default).await?;
            let store = SqlStore::new(db, target.display_masked());
            match prepare(&store, policy).await {
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
            let (db, warnings) = PgBackend::connect(url, &app_name).await?;
            let store = SqlStore::new(db, target.display_masked());
            let migrated = prepare(&store, policy).await?;
            Ok(Opened {
                store: Arc::new(store),
                warnings,
                created: false,
                migrated,
            })
        }
    }
}

async fn prepare<B: Backend>(
    store: &SqlStore<B>,
    policy: MigrationPolicy,
) -> Result<usize, StoreError> {
    if policy == MigrationPolicy::Skip {
        // Still prove the connection works.
        store.ping().await?;
        return Ok(0);
    }
    let pending = store.pending_migrations().await?;
    if pending.is_empty() {
        return Ok(0);
    }
    if policy == MigrationPolicy::Require {
        return Err(StoreError::SchemaBehind(pending.len()));
    }
    store.migrate().await
}

fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(p));
    }
}
