//! The narrow waist between the store's operations and a concrete database. Each backend
//! (Postgres in `pg.rs`, SQLite in `sqlite.rs`) runs SQL text with bound [`Val`]ues and decodes
//! rows; the operations themselves are written once, against this trait. Only runtime queries
//! with bound parameters: no string-spliced values, ever.

use std::borrow::Cow;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::FromRow;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use super::StoreError;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Sqlite => "sqlite",
            BackendKind::Postgres => "postgres",
        }
    }
}

/// SQL text. Placeholders are `$1`, `$2`, … on both backends.
pub type Sql = Cow<'static, str>;

/// A bound parameter. The variant fixes the SQL type, so a NULL still has the column's type
/// (Postgres refuses a text NULL in a bigint column).
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    I64(Option<i64>),
    F64(Option<f64>),
    Text(Option<String>),
    Ts(Option<DateTime<Utc>>),
    Bool(Option<bool>),
    Json(Option<serde_json::Value>),
}

macro_rules! val_from {
    ($t:ty, $variant:ident, $conv:expr) => {
        impl From<$t> for Val {
            fn from(v: $t) -> Val {
                #[allow(clippy::redundant_closure_call)]
                Val::$variant(Some(($conv)(v)))
            }
        }
        impl From<Option<$t>> for Val {
            fn from(v: Option<$t>) -> Val {
                #[allow(clippy::redundant_closure_call)]
                Val::$variant(v.map($conv))
            }
        }
    };
}
val_from!(i64, I64, |v| v);
val_from!(i32, I64, i64::from);
val_from!(u32, I64, i64::from);
val_from!(f64, F64, |v| v);
val_from!(String, Text, |v| v);
val_from!(&str, Text, |v: &str| v.to_string());
val_from!(&String, Text, |v: &String| v.clone());
val_from!(DateTime<Utc>, Ts, |v| v);
val_from!(bool, Bool, |v| v);
val_from!(serde_json::Value, Json, |v| v);

impl From<u64> for Val {
    fn from(v: u64) -> Val {
        Val::I64(Some(i64::try_from(v).unwrap_or(i64::MAX)))
    }
}

impl From<usize> for Val {
    fn from(v: usize) -> Val {
        Val::I64(Some(i64::try_from(v).unwrap_or(i64::MAX)))
    }
}

impl From<&Option<String>> for Val {
    fn from(v: &Option<String>) -> Val {
        Val::Text(v.clone())
    }
}

/// Build a parameter list: `args![id, name, now]`.
#[macro_export]
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::store::backend::Val::from($v)),*] };
}

/// A row type both backends can decode.
pub trait RowType:
    Send + Unpin + for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow> + 'static
{
}
impl<T> RowType for T where
    T: Send + Unpin + for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow> + 'static
{
}

/// The rows of each statement of a [`Backend::fetch_batch`], decoded one statement at a time
/// (in order with [`Batch::take`], or from a given statement on after [`Batch::seek`]).
pub struct Batch {
    sets: Sets,
    next: usize,
    /// Statements the store sent ahead of the caller's (a facts sync): skipped by `seek`.
    pub(crate) base: usize,
}

enum Sets {
    Pg(Vec<Vec<PgRow>>),
    Sqlite(Vec<Vec<SqliteRow>>),
}

impl Batch {
    pub(crate) fn pg(sets: Vec<Vec<PgRow>>) -> Batch {
        Batch {
            sets: Sets::Pg(sets),
            next: 0,
            base: 0,
        }
    }

    pub(crate) fn sqlite(sets: Vec<Vec<SqliteRow>>) -> Batch {
        Batch {
            sets: Sets::Sqlite(sets),
            next: 0,
            base: 0,
        }
    }

    /// The next [`Batch::take`] reads the caller's statement `i` (0-based).
    pub fn seek(&mut self, i: usize) {
        self.next = self.base + i;
    }

    /// The next statement's rows as `T` (in the order the statements were given); a
    /// statement taken twice, or past the end, has no rows.
    pub fn take<T: RowType>(&mut self) -> Result<Vec<T>, StoreError> {
        let i = self.next;
        self.next += 1;
        let decoded = match &mut self.sets {
            Sets::Pg(sets) => {
                let rows = sets.get_mut(i).map(std::mem::take).unwrap_or_default();
                rows.iter().map(T::from_row).collect::<Result<Vec<T>, _>>()
            }
            Sets::Sqlite(sets) => {
                let rows = sets.get_mut(i).map(std::mem::take).unwrap_or_default();
                rows.iter().map(T::from_row).collect::<Result<Vec<T>, _>>()
            }
        };
        decoded.map_err(|e| StoreError::from_sqlx(e, &[]))
    }
}

/// What a store reads when it opens (see [`Backend::open_snapshot`]).
#[derive(Debug, Default)]
pub struct OpenSnapshot {
    pub applied: Vec<i64>,
    pub install_mode: Option<String>,
    /// (schema, relation, kind, column) rows of the catalog query.
    pub catalog: Vec<(String, String, String, String)>,
    pub facts_synced_at: Option<DateTime<Utc>>,
}

/// Runs SQL on one database, outside or inside a write transaction.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    type Tx: BackendTx;
    const KIND: BackendKind;

    async fn fetch_all<T: RowType>(&self, sql: Sql, args: Vec<Val>) -> Result<Vec<T>, StoreError>;
    async fn fetch_optional<T: RowType>(
        &self,
        sql: Sql,
        args: Vec<Val>,
    ) -> Result<Option<T>, StoreError>;
    async fn execute(&self, sql: Sql, args: Vec<Val>) -> Result<u64, StoreError>;
    /// Several reads at once: on Postgres sent in one message and answered in one round trip
    /// (a screen that needs five queries costs one wait); on SQLite one after the other.
    async fn fetch_batch(&self, statements: Vec<(Sql, Vec<Val>)>) -> Result<Batch, StoreError>;
    /// Begin a write transaction (`BEGIN IMMEDIATE` on SQLite, so it never fails half-way on
    /// a lock upgrade).
    async fn begin_write(&self) -> Result<Self::Tx, StoreError>;
    /// Run a script of several statements without parameters (resets).
    async fn execute_script(&self, sql: Sql) -> Result<(), StoreError>;
    /// The embedded migrations for this backend.
    fn migrator() -> &'static sqlx::migrate::Migrator;
    /// Versions of the migrations already applied (empty on a new database).
    async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError>;
    /// What opening a store reads: the applied migrations, how xbot is installed, the catalog
    /// of xBOT's tables (`catalog` with its arguments) and when the facts were last synced
    /// (`None` when not read here). Backends may do it in one round trip.
    async fn open_snapshot(
        &self,
        catalog: Sql,
        args: Vec<Val>,
    ) -> Result<OpenSnapshot, StoreError> {
        let applied = self.applied_migrations().await?;
        let catalog = self.fetch_all(catalog, args).await?;
        let install_mode = if applied.is_empty() {
            None
        } else {
            match self
                .fetch_optional::<(String,)>("SELECT mode FROM install WHERE id = 1".into(), vec![])
                .await
            {
                Ok(r) => r.map(|(m,)| m),
                // No install table yet: not installed.
                Err(StoreError::Query(_)) => None,
                Err(e) => return Err(e),
            }
        };
        Ok(OpenSnapshot {
            applied,
            install_mode,
            catalog,
            facts_synced_at: None,
        })
    }
    /// Apply every pending migration (creating xbot's schema first on Postgres).
    async fn run_migrations(&self) -> Result<(), StoreError>;
    /// Record how xbot is installed; for a standalone install, first create xBOT's tables in
    /// xBOT's layout (`migrations/standalone/`) in `source_schema`, in the same transaction.
    async fn install(
        &self,
        mode: super::InstallMode,
        source_schema: &str,
    ) -> Result<(), StoreError>;
    /// A feed of the changes committed to xbot's own tables (see `store::changes`).
    async fn change_feed(&self) -> Result<super::changes::ChangeFeed, StoreError>;
    /// A cheap round trip that fails fast when the server is gone (see `pg.rs`).
    async fn ping(&self) -> Result<(), StoreError>;
    /// Close the pool.
    async fn close(&self);
}

/// A write transaction. Dropping it without `commit` rolls back.
#[async_trait]
pub trait BackendTx: Send {
    async fn fetch_all<T: RowType>(
        &mut self,
        sql: Sql,
        args: Vec<Val>,
    ) -> Result<Vec<T>, StoreError>;
    async fn fetch_optional<T: RowType>(
        &mut self,
        sql: Sql,
        args: Vec<Val>,
    ) -> Result<Option<T>, StoreError>;
    async fn execute(&mut self, sql: Sql, args: Vec<Val>) -> Result<u64, StoreError>;
    /// A write whose answer nobody waits for (no rows, the count unused): on Postgres it is
    /// sent with the transaction's next statement or its COMMIT, so a run of writes ending a
    /// transaction costs one round trip; an error shows there. Elsewhere it runs now.
    async fn execute_later(&mut self, sql: Sql, args: Vec<Val>) -> Result<(), StoreError> {
        self.execute(sql, args).await.map(|_| ())
    }
    /// Several reads at once, inside the transaction (one round trip on Postgres).
    async fn fetch_batch(&mut self, statements: Vec<(Sql, Vec<Val>)>) -> Result<Batch, StoreError>;
    /// Insert many rows into `table` as fast as the backend allows. Every row has one value
    /// per column, and a column's values share a variant.
    async fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: Vec<Vec<Val>>,
    ) -> Result<(), StoreError>;
    async fn commit(self) -> Result<(), StoreError>;
}

/// Bind a list of values onto a sqlx query of any database whose types cover ours.
#[macro_export]
#[doc(hidden)]
macro_rules! bind_vals {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                $crate::store::backend::Val::I64(v) => q.bind(v),
                $crate::store::backend::Val::F64(v) => q.bind(v),
                $crate::store::backend::Val::Text(v) => q.bind(v),
                $crate::store::backend::Val::Ts(v) => q.bind(v),
                $crate::store::backend::Val::Bool(v) => q.bind(v),
                $crate::store::backend::Val::Json(v) => q.bind(v.map(sqlx::types::Json)),
            };
        }
        q
    }};
}
