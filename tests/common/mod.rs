//! Test databases: a fresh SQLite file per test, and a fresh Postgres schema per test when
//! `XBOT_TEST_DATABASE_URL` is set (with `XBOT_REQUIRE_PG=1`, a missing URL fails the test).
#![allow(dead_code)]

pub mod hostile;
pub mod pty;

use std::path::PathBuf;

use xbot::config::DatabaseTarget;
use xbot::store::{self, MigrationPolicy, StoreHandle};

pub struct TestDb {
    pub store: StoreHandle,
    pub target: DatabaseTarget,
    /// The URL (Postgres) or file path (SQLite) for opening more stores or processes.
    pub url: String,
    kind: Kind,
}

enum Kind {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    /// A database of its own on the test server (xbot's schema `xbot` beside `public`, as on
    /// a real Supabase database); `admin_url` is the server's test URL.
    Postgres {
        admin_url: String,
        database: String,
    },
}

/// The test server's URL with another database name.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let (scheme, rest) = base.split_once("://").expect("a URL");
    let host = rest.split_once('/').map(|(h, _)| h).unwrap_or(rest);
    match query {
        Some(q) => format!("{scheme}://{host}/{database}?{q}"),
        None => format!("{scheme}://{host}/{database}"),
    }
}

/// A new, empty database on the test server; returns its URL.
pub async fn fresh_database(admin_url: &str, prefix: &str) -> (String, String) {
    let database = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    run_admin(admin_url, &format!("CREATE DATABASE {database}")).await;
    (with_database(admin_url, &database), database)
}

/// Drop a database made by [`fresh_database`] (closing what still uses it).
pub async fn drop_database(admin_url: &str, database: &str) {
    run_admin(
        admin_url,
        &format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
    )
    .await;
}

/// The Postgres server for tests, if configured.
pub fn pg_url() -> Option<String> {
    match std::env::var("XBOT_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("XBOT_REQUIRE_PG").is_ok_and(|v| v == "1") {
                panic!("XBOT_REQUIRE_PG=1 but XBOT_TEST_DATABASE_URL is not set");
            }
            None
        }
    }
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path: PathBuf = dir.path().join("xbot.db");
        let target = DatabaseTarget::Sqlite {
            path: path.clone(),
            is_default: false,
        };
        let opened = store::open(&target, MigrationPolicy::Apply)
            .await
            .expect("open sqlite");
        TestDb {
            store: opened.store,
            url: format!("sqlite://{}", path.display()),
            target,
            kind: Kind::Sqlite(dir),
        }
    }

    /// A fresh database on the test server, or `None` when no server is configured.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = pg_url()?;
        let (url, database) = fresh_database(&admin_url, "t").await;
        let target = DatabaseTarget::Postgres { url: url.clone() };
        let opened = store::open(&target, MigrationPolicy::Apply)
            .await
            .expect("open postgres");
        Some(TestDb {
            store: opened.store,
            target,
            url,
            kind: Kind::Postgres {
                admin_url,
                database,
            },
        })
    }

    /// Open another, independent store on the same database.
    pub async fn reopen(&self) -> StoreHandle {
        store::open(&self.target, MigrationPolicy::Apply)
            .await
            .expect("reopen")
            .store
    }

    /// The Postgres schemas this test's store reads and writes (xbot's and xBOT's, as a
    /// list for GRANT) and a URL to run admin statements in this test's database.
    pub fn pg_schema(&self) -> Option<(&str, &str)> {
        match &self.kind {
            Kind::Postgres { .. } => Some(("xbot, public", self.url.as_str())),
            Kind::Sqlite(_) => None,
        }
    }

    /// This database's URL with other credentials (Postgres only).
    pub fn url_as(&self, user: &str, password: &str) -> String {
        let (scheme, rest) = self.url.split_once("://").expect("a URL");
        let (_, host) = rest.split_once('@').expect("credentials in the test URL");
        format!("{scheme}://{user}:{password}@{host}")
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.kind, Kind::Postgres { .. })
    }

    pub async fn cleanup(self) {
        self.store.close().await;
        if let Kind::Postgres {
            admin_url,
            database,
        } = &self.kind
        {
            drop_database(admin_url, database).await;
        }
    }
}

/// Run one statement on the test server outside any store.
pub async fn run_admin(url: &str, sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("connect to the test server");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Define a contract test that runs once on SQLite and once on Postgres.
#[macro_export]
macro_rules! contract {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::common::TestDb::sqlite().await;
                super::$name(&db).await;
                db.cleanup().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = $crate::common::TestDb::postgres().await else {
                    eprintln!("skipped: XBOT_TEST_DATABASE_URL is not set");
                    return;
                };
                super::$name(&db).await;
                db.cleanup().await;
            }
        }
    };
}

/// The real `xbot` binary with a clean environment: only PATH, a UTF-8 locale, an xterm TERM,
/// and HOME and the XDG directories under `home`, so no test sees the developer's config or
/// database.
pub fn xbot_command(home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_xbot"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("TERM", "xterm-256color")
        .env("LANG", "C.UTF-8")
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"));
    cmd
}

/// The console's setup as the tests run it: UTC, a $5 budget, the default slots, no AI.
pub fn console_setup(target: &str, demo: bool, read_only: bool) -> xbot::console::state::Setup {
    xbot::console::state::Setup {
        backend: "sqlite",
        target: target.into(),
        tz: chrono_tz::Tz::UTC,
        read_only,
        demo,
        refresh: std::time::Duration::from_secs(5),
        daily_limit_usd: 5.0,
        expert_daily_cap: 20,
        ascii: false,
        user_theme_dir: "/nonexistent".into(),
        truecolor: false,
        slots: xbot::config::default_slot_schedule(),
        ai_configured: false,
        job_overrides: std::collections::BTreeMap::new(),
        bell: false,
    }
}

/// A console state for `setup`, with a built-in theme and the default keys, operated by
/// oncall@ops.
pub fn console_state(
    setup: xbot::console::state::Setup,
    theme: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> xbot::console::state::State {
    let theme =
        xbot::console::theme::Theme::load(theme, std::path::Path::new("/nonexistent"), false)
            .expect("a built-in theme");
    let op = xbot::identity::Operator {
        os_user: "oncall".into(),
        host: "ops".into(),
        ssh_client: None,
        pid: 7,
        via: xbot::identity::Via::Console,
    };
    let mut s = xbot::console::state::State::new(
        setup,
        op,
        xbot::console::keymap::KeyMap::defaults(),
        theme,
        now,
    );
    // The snapshots of the nine numbered tabs were taken with them alone in the tab bar; the
    // Overview (key 0) has its own snapshots, with the full bar.
    s.hide_tab(xbot::console::tabs::TabId::Overview);
    s
}

/// Load `query` for the console state `s` from `db` at `now` and feed the answer to `update`,
/// as the console's effect executor would.
pub async fn feed_console(
    s: &mut xbot::console::state::State,
    db: &TestDb,
    query: xbot::console::msg::Query,
    now: chrono::DateTime<chrono::Utc>,
) {
    use xbot::console::msg::{Effect, Msg};
    let Effect::Load { req, .. } = xbot::console::update::load(s, query.clone()) else {
        unreachable!("a load asks for a Load effect")
    };
    let data = xbot::console::effects::load(db.store.as_ref(), &s.setup, &query, now)
        .await
        .unwrap();
    xbot::console::update::update(
        s,
        Msg::Loaded {
            req,
            result: Ok(Box::new(data)),
        },
    );
}

/// Show `tab` with the header's status and the tab's data loaded at `now`.
pub async fn open_console_tab(
    s: &mut xbot::console::state::State,
    db: &TestDb,
    tab: xbot::console::tabs::TabId,
    now: chrono::DateTime<chrono::Utc>,
) {
    s.tab = tab;
    feed_console(s, db, xbot::console::msg::Query::Status, now).await;
    let q = xbot::console::update::tab_query(s, tab);
    feed_console(s, db, q, now).await;
}
