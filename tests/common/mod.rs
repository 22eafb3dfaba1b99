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
    Postgres { admin_url: String, schema: String },
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

    /// A fresh schema on the test server, or `None` when no server is configured.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = pg_url()?;
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        run_admin(&admin_url, &format!("CREATE SCHEMA {schema}")).await;
        let sep = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{sep}options[search_path]={schema}");
        let target = DatabaseTarget::Postgres { url: url.clone() };
        let opened = store::open(&target, MigrationPolicy::Apply)
            .await
            .expect("open postgres");
        Some(TestDb {
            store: opened.store,
            target,
            url,
            kind: Kind::Postgres { admin_url, schema },
        })
    }

    /// Open another, independent store on the same database.
    pub async fn reopen(&self) -> StoreHandle {
        store::open(&self.target, MigrationPolicy::Apply)
            .await
            .expect("reopen")
            .store
    }

    /// The Postgres schema of this test and the server's admin URL (Postgres only).
    pub fn pg_schema(&self) -> Option<(&str, &str)> {
        match &self.kind {
            Kind::Postgres { admin_url, schema } => Some((schema, admin_url)),
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
        if let Kind::Postgres { admin_url, schema } = &self.kind {
            run_admin(
                admin_url,
                &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
            )
            .await;
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
