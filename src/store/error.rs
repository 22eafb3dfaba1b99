//! Store errors, classified so that callers can react: an unreachable database is retried and
//! shown as "disconnected"; a refused write is shown as such; secrets never reach the text.

/// What went wrong talking to the database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The URL or file cannot be used at all (bad URL, missing directory, wrong password).
    #[error("cannot open the database {target}: {reason}")]
    Open { target: String, reason: String },
    /// The database went away or cannot be reached right now; worth retrying.
    #[error("the database is unreachable: {0}")]
    Unavailable(String),
    /// The database refused a change (a read-only role, or a read-only file).
    #[error("the database refused the change: {0}")]
    PermissionDenied(String),
    /// Applying the schema failed.
    #[error("migration failed: {0}")]
    Migrate(String),
    /// The schema is older than this build and migrations are off or not allowed.
    #[error(
        "the database schema is behind this version of xbot ({0} pending migration(s)); run `xbot migrate`"
    )]
    SchemaBehind(usize),
    /// The database's xbot schema was made by a newer xbot than this one.
    #[error(
        "the database's xbot schema is newer than this xbot (it has migration {found}, this build knows up to {known}); upgrade xbot before using this database"
    )]
    SchemaAhead { found: i64, known: i64 },
    /// xbot is not installed on this database and may not install it now.
    #[error("{0}")]
    NotInstalled(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Query(String),
    /// A state-guarded change found the row in another state (someone else got there first).
    #[error("{0}")]
    Conflict(String),
    /// A row or id that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A unique key was already taken (e.g. an operator action id seen before).
    #[error("duplicate: {0}")]
    Duplicate(String),
    /// A job run tried to publish or finish without holding its lease any more.
    #[error("lease lost: {0}")]
    LeaseLost(String),
}

impl StoreError {
    /// True when retrying later may help (connection lost, server restarting, pool exhausted).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }

    /// Classify a sqlx error, scrubbing the given secrets from its text.
    pub fn from_sqlx(err: sqlx::Error, secrets: &[&str]) -> StoreError {
        // The server's own message reads best ("permission denied for table outcomes"), without
        // sqlx's "error returned from database:" in front.
        let raw = match &err {
            sqlx::Error::Database(db) => db.message().to_string(),
            other => other.to_string(),
        };
        let text = crate::config::secret::scrub(&raw, secrets);
        match &err {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(text),
            sqlx::Error::Protocol(_) => StoreError::Unavailable(text),
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.to_string()).unwrap_or_default();
                match code.as_str() {
                    // insufficient_privilege, read_only_sql_transaction; SQLITE_READONLY (8)
                    "42501" | "25006" | "8" | "1032" | "264" | "520" | "776" | "1288" => {
                        StoreError::PermissionDenied(text)
                    }
                    // unique_violation; SQLITE_CONSTRAINT_UNIQUE (2067) and _PRIMARYKEY (1555)
                    "23505" | "2067" | "1555" => StoreError::Duplicate(text),
                    // admin/crash shutdown, cannot_connect_now, connection exceptions
                    c if c.starts_with("57P") || c.starts_with("08") => {
                        StoreError::Unavailable(text)
                    }
                    _ => StoreError::Query(text),
                }
            }
            _ => StoreError::Query(text),
        }
    }
}
