//! Start-up wiring shared by the verbs (`cli`) and the console: how a command fails (and its
//! exit code), and opening the configured store. Both `cli` and `console` use it, so neither
//! needs the other.

use crate::config::{Config, ConfigError};
use crate::store::{MigrationPolicy, StoreError, StoreHandle};

/// A line to stderr that, unlike `eprintln!`, does not panic when stderr is gone (a closed SSH
/// session, a closed pipe): the message is lost, the program carries on.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// A line to stdout for the headless verbs, like `println!`, except that a reader that went
/// away (`xbot leaderboard generator | head -1`: EPIPE) ends the program quietly with exit 0
/// instead of a panic; any other write error is one line on stderr and exit 1.
#[macro_export]
macro_rules! out {
    () => {
        $crate::app::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::app::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Write to stdout for [`out!`]; see there for what happens when stdout is gone.
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        stdout_failed(&e);
    }
}

/// Stdout cannot be written: a closed pipe is the reader's choice (exit 0, nothing said);
/// anything else (a full disk) is a failure (exit 1).
pub fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    crate::say!("xbot: error: cannot write the output: {e}");
    std::process::exit(1);
}

/// How a command failed, and the exit code that says so.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad flags or arguments (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Bad configuration (exit 2).
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The database cannot be opened (exit 2).
    #[error("{0}")]
    Open(StoreError),
    /// The command ran and failed (exit 1).
    #[error("{0}")]
    Failed(String),
    /// Another process holds the job's lease (exit 3).
    #[error("{0}")]
    LeaseHeld(String),
    /// The command ran and found what it reports, like a linter's findings (exit 1; said
    /// without "error:").
    #[error("{0}")]
    Findings(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Config(_) | CliError::Open(_) => 2,
            CliError::Failed(_) | CliError::Findings(_) => 1,
            CliError::LeaseHeld(_) => 3,
        }
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        CliError::Failed(e.to_string())
    }
}

/// Open the configured store. The default embedded database is created, migrated and filled
/// with the demo dataset on first use; a database the user names is never seeded here.
pub async fn open_store(cfg: &Config, policy: MigrationPolicy) -> Result<StoreHandle, CliError> {
    open_store_with(cfg, policy, true).await
}

/// [`open_store`], with first-run seeding optional (`xbot demo` seeds by itself).
pub async fn open_store_with(
    cfg: &Config,
    policy: MigrationPolicy,
    seed_default: bool,
) -> Result<StoreHandle, CliError> {
    open_store_telling(cfg, policy, seed_default, &|note| match note {
        OpenNote::Warning(w) => crate::say!("xbot: warning: {w}"),
        OpenNote::Progress(p) => crate::say!("xbot: {p}"),
    })
    .await
}

/// What opening the store has to tell the user.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenNote {
    /// Something to act on (Supabase's transaction pooler).
    Warning(String),
    /// Why opening takes a while (the first run fills the embedded database).
    Progress(String),
}

/// [`open_store_with`], with what opening has to say handed to `tell` rather than written to
/// stderr: the console opens its store with the terminal already taken, and shows it on
/// screen.
pub async fn open_store_telling(
    cfg: &Config,
    policy: MigrationPolicy,
    seed_default: bool,
    tell: &(dyn Fn(OpenNote) + Send + Sync),
) -> Result<StoreHandle, CliError> {
    // Read-only never creates or migrates anything: a SQLite file that does not exist is an
    // error (a mistyped path must not become a new, healthy-looking empty database).
    if cfg.read_only
        && let crate::config::DatabaseTarget::Sqlite { path, is_default } = &cfg.database
        && !path.exists()
    {
        return Err(CliError::Usage(if *is_default {
            format!(
                "read-only mode: the embedded database {} does not exist yet and read-only \
                 never creates one: run `xbot` or `xbot demo` once without --read-only",
                path.display()
            )
        } else {
            format!(
                "read-only mode: the database file {} does not exist (read-only never creates \
                 one): check the path, or create it with `xbot --database-url sqlite://{} \
                 migrate` (empty) or `xbot --database-url sqlite://{} demo` (demo data)",
                path.display(),
                path.display(),
                path.display()
            )
        }));
    }
    // `auto_migrate = false` or read-only: never migrate on the way; say what is pending and
    // stop.
    let policy = if policy == MigrationPolicy::Apply && (!cfg.auto_migrate || cfg.read_only) {
        MigrationPolicy::Require
    } else {
        policy
    };
    let opened = match crate::store::open_with(&cfg.database, policy, &cfg.schemas).await {
        Ok(o) => o,
        Err(crate::store::StoreError::SchemaBehind(n)) if cfg.read_only => {
            return Err(CliError::Usage(format!(
                "read-only mode: xbot's schema on {} has {n} pending migration(s) and read-only \
                 never migrates: `xbot migrate` applies them",
                cfg.database.display_masked()
            )));
        }
        Err(crate::store::StoreError::SchemaBehind(n)) if !cfg.auto_migrate => {
            return Err(CliError::Usage(format!(
                "xbot's schema on {} has {n} pending migration(s) and auto_migrate is off: \
                 `xbot migrate --dry-run` lists what they create, `xbot migrate` applies them",
                cfg.database.display_masked()
            )));
        }
        Err(e) => return Err(CliError::Open(e)),
    };
    for w in &opened.warnings {
        tell(OpenNote::Warning(w.clone()));
    }
    if seed_default
        && cfg.database.is_default()
        && opened.store.is_empty().await.map_err(CliError::Open)?
    {
        tell(OpenNote::Progress(format!(
            "first run: filling the embedded database {} with the demo dataset…",
            cfg.database.display_masked()
        )));
        let mut opts = crate::store::demo::DemoOptions::new(chrono::Utc::now(), cfg.timezone);
        opts.objective = cfg.objective;
        opts.daily_limit_usd = cfg.budget.daily_limit_usd;
        opts.prices = cfg.budget.prices.clone();
        if let Err(e) = crate::store::demo::seed(opened.store.as_ref(), &opts, &mut |_, _| {}).await
        {
            // Leave no half-filled default database behind: the next start seeds again.
            let _ = opened.store.reset().await;
            return Err(CliError::Failed(format!(
                "could not fill the demo database: {e}"
            )));
        }
    }
    Ok(opened.store)
}
