//! Postgres-only: xbot attached to a database built from xBOT's own schema (the fixture in
//! `tests/fixtures/xbot/`, both layouts: `content_metadata` as a view over
//! `content_generation_metadata_comprehensive`, and as a plain table). xbot installs into its
//! own schema, reads xBOT's drifted types, runs every job, and leaves xBOT's structure, texts
//! and SQL working; `DROP SCHEMA xbot CASCADE` is a clean uninstall.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{drop_database, fresh_database, pg_url, run_admin};
use sqlx::Connection;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use xbot::config::{Config, DatabaseTarget};
use xbot::jobs::runner::{RunReport, run_job};
use xbot::jobs::{JobEnv, JobProgress};
use xbot::store::ops::jobs::Trigger;
use xbot::store::{self, InstallMode, MigrationPolicy};

const ROLES: &str = include_str!("fixtures/xbot/roles.sql");
const VIEW_LAYOUT: &str = include_str!("fixtures/xbot/schema_view.sql");
const TABLE_LAYOUT: &str = include_str!("fixtures/xbot/schema_table.sql");
const DATA: &str = include_str!("fixtures/xbot/data.sql");
const STATEMENTS: &str = include_str!("fixtures/xbot/xbot_statements.sql");

/// xBOT's structure in `public`: every relation's columns and types, view definitions,
/// triggers, indexes, constraints and row-level security.
async fn structure(url: &str) -> BTreeMap<String, String> {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT 'column ' || c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE n.nspname = 'public'
         UNION ALL
         SELECT 'relation ' || c.relname, c.relkind::text || ' rls=' || c.relrowsecurity::text
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
         UNION ALL
         SELECT 'view ' || viewname, definition FROM pg_views WHERE schemaname = 'public'
         UNION ALL
         SELECT 'trigger ' || c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND NOT t.tgisinternal
         UNION ALL
         SELECT 'index ' || indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
         UNION ALL
         SELECT 'constraint ' || conname, pg_get_constraintdef(k.oid) FROM pg_constraint k
         JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = 'public'
         UNION ALL
         SELECT 'policy ' || tablename || '.' || policyname, qual FROM pg_policies
         WHERE schemaname = 'public'
         UNION ALL
         SELECT 'function ' || p.proname, pg_get_function_identity_arguments(p.oid)
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    rows.into_iter().collect()
}

/// Every decision's text, by id (the texts xBOT wrote; xbot's jobs must not change them).
async fn texts(url: &str) -> BTreeMap<String, String> {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT decision_id::text, md5(coalesce(content, '') || coalesce(thread_parts::text, ''))
         FROM content_metadata",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    rows.into_iter().collect()
}

/// Row counts of xBOT's tables that xbot never writes.
async fn untouched_counts(url: &str) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    for t in [
        "content_metadata",
        "outcomes",
        "post_follower_tracking",
        "tweet_metrics",
        "learning_posts",
        "discovered_accounts",
        "reply_opportunities",
        "system_events",
    ] {
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {t}")))
            .fetch_one(&mut c)
            .await
            .unwrap();
        out.push((t.to_string(), n));
    }
    out
}

/// Run every xBOT statement for this layout, each in a transaction rolled back.
async fn xbot_statements_pass(url: &str, layout: &str) -> usize {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let mut ran = 0;
    for chunk in STATEMENTS.split("-- name:").skip(1) {
        let name = chunk.lines().next().unwrap_or_default().trim().to_string();
        let only = chunk
            .lines()
            .find_map(|l| l.strip_prefix("-- layout:"))
            .map(str::trim);
        if only.is_some_and(|l| l != layout) {
            continue;
        }
        let sql: String = chunk
            .lines()
            .skip(1)
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("BEGIN; {sql}")))
            .execute(&mut c)
            .await
            .unwrap_or_else(|e| {
                panic!("xBOT's statement {name} failed on the {layout} layout: {e}")
            });
        sqlx::raw_sql("ROLLBACK").execute(&mut c).await.unwrap();
        ran += 1;
    }
    ran
}

async fn load(admin: &str, layout: &str) -> (String, String) {
    let (url, database) = fresh_database(admin, "x").await;
    // The Supabase roles are cluster-wide; .ci/run creates them as a superuser.
    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
    let have: (i64,) = sqlx::query_as(
        "SELECT count(*) FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role')",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    if have.0 < 3 {
        run_admin(admin, ROLES).await;
    }
    let schema = if layout == "view" {
        VIEW_LAYOUT
    } else {
        TABLE_LAYOUT
    };
    run_admin(&url, schema).await;
    run_admin(&url, DATA).await;
    (url, database)
}

async fn run(env: &JobEnv, job: &str) -> RunReport {
    let (tx, _rx) = watch::channel(JobProgress::default());
    run_job(env, job, Trigger::Manual, CancellationToken::new(), tx)
        .await
        .unwrap_or_else(|e| panic!("{job}: {e}"))
}

async fn attach_and_leave_xbot_as_it_was(layout: &str) {
    let Some(admin) = pg_url() else { return };
    let (url, database) = load(&admin, layout).await;
    let before = structure(&url).await;
    let texts_before = texts(&url).await;
    let counts_before = untouched_counts(&url).await;
    assert!(xbot_statements_pass(&url, layout).await >= 25);

    let target = DatabaseTarget::Postgres { url: url.clone() };
    let opened = store::open(&target, MigrationPolicy::Apply).await.unwrap();
    let st = opened.store.clone();
    assert_eq!(st.install_mode(), Some(InstallMode::Attached));
    assert_eq!(structure(&url).await, before, "xbot changed xBOT's schema");

    // Every job, by hand, on xBOT's real data.
    let env = JobEnv::new(
        st.clone(),
        Arc::new(Config::defaults_for_tests(target.clone())),
    );
    for job in xbot::jobs::catalog::job_names() {
        let report = run(&env, job).await;
        if let RunReport::Finished { status, reason, .. } = &report {
            assert!(
                !matches!(status, xbot::store::ops::jobs::RunStatus::Failed),
                "{job} failed on the {layout} layout: {reason:?}"
            );
        }
    }
    // The learning reads reflect the fixture's posts.
    let facts = st.sync_facts().await.unwrap();
    assert!(facts.rows >= 200, "{facts:?}");
    let maps = st.weight_maps(100).await.unwrap();
    assert!(maps.len() >= 6, "xBOT's maps are listed: {maps:?}");
    assert_eq!(
        maps.iter().filter(|m| m.is_active).count(),
        1,
        "exactly one map is the one xBOT reads"
    );
    assert!(!st.accounts(100).await.unwrap().is_empty());
    st.close().await;

    assert_eq!(structure(&url).await, before, "xbot changed xBOT's schema");
    assert_eq!(texts(&url).await, texts_before, "a post's text changed");
    assert_eq!(untouched_counts(&url).await, counts_before);
    assert!(xbot_statements_pass(&url, layout).await >= 25);

    // Uninstall: xbot's schema goes, xBOT's database is as it was and its SQL still works.
    run_admin(&url, "DROP SCHEMA xbot CASCADE").await;
    assert_eq!(structure(&url).await, before);
    assert!(xbot_statements_pass(&url, layout).await >= 25);
    drop_database(&admin, &database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_to_the_production_layout_content_metadata_as_a_view() {
    attach_and_leave_xbot_as_it_was("view").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_to_the_older_layout_content_metadata_as_a_table() {
    attach_and_leave_xbot_as_it_was("table").await;
}

fn xbot_cli(
    home: &std::path::Path,
    url: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut cmd = common::xbot_command(home);
    cmd.env("DATABASE_URL", url).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run xbot")
}

fn stdout_json(out: &std::process::Output, what: &str) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The command line on xBOT's production layout: `migrate --dry-run` lists only objects in
/// xbot's schema, `auto_migrate = false` refuses to migrate (exit 2), then every read verb
/// answers in JSON from xBOT's data and says it is attached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_verb_works_on_an_attached_database() {
    let Some(admin) = pg_url() else { return };
    let (url, database) = load(&admin, "view").await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();

    let plan = stdout_json(
        &xbot_cli(home, &url, &["migrate", "--dry-run", "--json"], &[]),
        "migrate --dry-run",
    );
    let objects = plan["objects"].as_array().unwrap();
    assert!(objects.len() > 20, "{plan}");
    for o in objects {
        assert!(
            o.as_str().unwrap().starts_with("xbot"),
            "outside xbot's schema: {o}"
        );
    }

    let refused = xbot_cli(home, &url, &["status"], &[("XBOT_AUTO_MIGRATE", "false")]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("pending migration") && err.contains("auto_migrate"),
        "{err}"
    );

    let migrated = stdout_json(
        &xbot_cli(home, &url, &["migrate", "--json"], &[]),
        "migrate",
    );
    assert!(migrated["applied"].as_u64().unwrap() >= 1);

    let status = stdout_json(&xbot_cli(home, &url, &["status", "--json"], &[]), "status");
    let install = status["install"].as_str().unwrap();
    assert!(
        install.starts_with("attached to an existing xBOT database ("),
        "{install}"
    );
    assert!(
        status["health"]["total_posts"].as_i64().unwrap() >= 200,
        "{status}"
    );
    for args in [
        &["info", "--json"][..],
        &["jobs", "list", "--json"],
        &["leaderboard", "generator", "--json"],
        &["weights", "list", "--json"],
        &["review", "list", "--json"],
        &["budget", "--json"],
        &["incidents", "--json"],
    ] {
        stdout_json(&xbot_cli(home, &url, args, &[]), &args.join(" "));
    }
    // The duplicate jobs start disabled, with the reason.
    let jobs = stdout_json(
        &xbot_cli(home, &url, &["jobs", "list", "--json"], &[]),
        "jobs",
    );
    let text = jobs.to_string();
    assert!(
        text.contains("duplicates xBOT's offlineWeightMapJob"),
        "{text}"
    );
    // Running one by hand works and reads xBOT's data.
    let run = xbot_cli(
        home,
        &url,
        &["jobs", "run", "objective_scores", "--json"],
        &[],
    );
    stdout_json(&run, "jobs run objective_scores");
    let board = stdout_json(
        &xbot_cli(home, &url, &["leaderboard", "generator", "--json"], &[]),
        "leaderboard",
    );
    // Roll back to an earlier map: the one xBOT's generatorMatcher reads changes, atomically,
    // audited, and says who activated it.
    let maps = stdout_json(
        &xbot_cli(home, &url, &["weights", "list", "--json"], &[]),
        "list",
    );
    let maps = maps.as_array().unwrap();
    let active = maps.iter().find(|m| m["is_active"] == true).unwrap();
    let older = maps.iter().rev().find(|m| m["is_active"] == false).unwrap();
    let target = format!("#{}", older["id"].as_str().unwrap());
    let done = stdout_json(
        &xbot_cli(home, &url, &["weights", "activate", &target, "--json"], &[]),
        "weights activate",
    );
    assert_eq!(done["outcome"], "activated", "{done}");
    let read_by_xbot: (String,) = {
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query_as(
            "SELECT id::text FROM learning_model_weights WHERE is_active = true
             ORDER BY computed_at DESC LIMIT 1",
        )
        .fetch_one(&mut c)
        .await
        .unwrap()
    };
    assert_eq!(read_by_xbot.0, older["id"].as_str().unwrap());
    let maps = stdout_json(
        &xbot_cli(home, &url, &["weights", "list", "--json"], &[]),
        "list",
    );
    let now_active: Vec<&serde_json::Value> = maps
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["is_active"] == true)
        .collect();
    assert_eq!(now_active.len(), 1);
    assert!(now_active[0]["activated_by"].as_str().is_some(), "{maps}");
    let back = format!("#{}", active["id"].as_str().unwrap());
    let again = stdout_json(
        &xbot_cli(home, &url, &["weights", "activate", &back, "--json"], &[]),
        "weights activate back",
    );
    assert_eq!(again["outcome"], "activated");
    let missing = xbot_cli(home, &url, &["weights", "activate", "no-such-version"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    // The fixture's posts, scored by xbot, rank xBOT's generators.
    let entries = board["entries"].as_array().unwrap();
    assert!(entries.len() >= 10, "{board}");
    drop_database(&admin, &database).await;
}

/// Every console tab loads from xBOT's production layout (after the jobs ran) and draws at
/// 80x24 and 200x60: the loads are the console's own (`effects::load`), the screens its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_console_tab_loads_and_draws_on_an_attached_database() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use xbot::console::draw::draw;
    use xbot::console::effects;
    use xbot::console::msg::{Effect, Msg, Query};
    use xbot::console::tabs::TabId;
    use xbot::console::update::{load as load_effect, tab_query, update};

    let Some(admin) = pg_url() else { return };
    let (url, database) = load(&admin, "view").await;
    let target = DatabaseTarget::Postgres { url: url.clone() };
    let st = store::open(&target, MigrationPolicy::Apply)
        .await
        .unwrap()
        .store;
    let env = JobEnv::new(
        st.clone(),
        Arc::new(Config::defaults_for_tests(target.clone())),
    );
    run(&env, "objective_scores").await;
    let now = chrono::Utc::now();
    // The job catalogue as the console's start-up stores it.
    st.sync_schedules(&xbot::jobs::catalog::effective(&BTreeMap::new()), now)
        .await
        .unwrap();
    let mut s = common::console_state(common::console_setup(&url, false, false), "dark", now);
    async fn feed(
        s: &mut xbot::console::state::State,
        st: &xbot::store::StoreHandle,
        now: chrono::DateTime<chrono::Utc>,
        effect: Effect,
    ) {
        if let Effect::Load { req, query } = effect {
            let data = effects::load(st.as_ref(), &s.setup, &query, now)
                .await
                .unwrap_or_else(|e| panic!("load {query:?} on xBOT's data: {e}"));
            update(
                s,
                Msg::Loaded {
                    req,
                    result: Ok(Box::new(data)),
                },
            );
        }
    }
    let mut screens = BTreeMap::new();
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        s.size = (w, h);
        for tab in TabId::ALL {
            s.tab = tab;
            let status = load_effect(&mut s, Query::Status);
            feed(&mut s, &st, now, status).await;
            let q = tab_query(&s, tab);
            let effect = load_effect(&mut s, q);
            feed(&mut s, &st, now, effect).await;
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|f| draw(f, &s)).unwrap();
            let buf = t.backend().buffer();
            let mut text = String::new();
            for y in 0..buf.area.height {
                for x in 0..buf.area.width {
                    text.push_str(buf[(x, y)].symbol());
                }
                text.push('\n');
            }
            assert!(!text.contains("load failed"), "{tab:?} {w}x{h}:\n{text}");
            screens.insert((tab.title().to_string(), w), text);
        }
    }
    let wide = |tab: &str| screens[&(tab.to_string(), 200)].clone();
    // xBOT's posts, generators, maps and accounts are on screen.
    assert!(
        wide("Outcomes").contains("Most advice on"),
        "{}",
        wide("Outcomes")
    );
    assert!(
        wide("Leaderboards").contains("reply_adapter") || wide("Leaderboards").contains("dataNerd")
    );
    assert!(wide("Weights").contains("1.0"), "{}", wide("Weights"));
    assert!(wide("Jobs").contains("duplicates xBOT"), "{}", wide("Jobs"));
    st.close().await;
    drop_database(&admin, &database).await;
}
