//! Issue 13 item 13: a Postgres role that may only SELECT reads everything: every read verb
//! of the real binary, and every console tab's load, answer with the data (a job's runs as
//! they are, never "never run"), and no read path writes.

mod common;

use std::process::Output;

use chrono::Utc;
use common::TestDb;
use xbot::store::MigrationPolicy;
use xbot::store::demo::{DemoOptions, seed};
use xbot::store::ops::jobs::{Claim, RunStatus, Trigger};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_select_only_role_reads_every_verb_and_every_tab() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("skipped: XBOT_TEST_DATABASE_URL is not set");
        return;
    };
    let mut opts = DemoOptions::new(Utc::now(), chrono_tz::Tz::UTC);
    opts.posts = 400;
    seed(db.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .unwrap();
    // A finished run, so that the job list has something to show.
    let Claim::Claimed { lease, .. } = db
        .store
        .claim(
            "objective_scores",
            Trigger::Schedule,
            "serve@ops:1",
            60,
            Utc::now(),
        )
        .await
        .unwrap()
    else {
        panic!("not claimed")
    };
    db.store
        .finish_run(&lease, RunStatus::Succeeded, None, None, Utc::now())
        .await
        .unwrap();

    let name = format!("xbot_sel_{}", uuid::Uuid::new_v4().simple());
    let (schema, admin) = db.pg_schema().unwrap();
    common::run_admin(
        admin,
        &format!(
            "CREATE ROLE {name} LOGIN PASSWORD 'sel-password';
             GRANT USAGE ON SCHEMA {schema} TO {name};
             GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {name};"
        ),
    )
    .await;
    let url = db.url_as(&name, "sel-password");
    let audit_before = db.store.audit(None, 10_000).await.unwrap().len();
    let version = db.store.weight_maps(1).await.unwrap()[0].version.clone();
    let review = db.store.reviews(&[], 1).await.unwrap()[0].id.to_string();

    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| -> Output {
        let mut cmd = common::xbot_command(home.path());
        cmd.env("DATABASE_URL", &url).args(args);
        cmd.output().expect("run xbot")
    };
    let verbs: Vec<Vec<&str>> = vec![
        vec!["status", "--json"],
        vec!["info", "--json"],
        vec!["leaderboard", "generator", "--json"],
        vec!["jobs", "list", "--json"],
        vec!["jobs", "history", "--json"],
        vec!["weights", "list", "--json"],
        vec!["weights", "show", &version, "--json"],
        vec!["incidents", "--all", "--json"],
        vec!["review", "list", "--status", "all", "--json"],
        vec!["review", "show", &review, "--json"],
        vec!["budget", "--json"],
        vec!["replies", "list", "--json"],
    ];
    for args in &verbs {
        let out = run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "xbot {}: {}",
            args.join(" "),
            text(&out.stderr)
        );
        let _: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("xbot {}: {e}", args.join(" ")));
    }
    // The job list shows the run as it is.
    let jobs: serde_json::Value =
        serde_json::from_slice(&run(&["jobs", "list", "--json"]).stdout).unwrap();
    let row = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["job"] == "objective_scores")
        .unwrap()
        .clone();
    assert_eq!(row["last_run"]["status"], "succeeded", "{row}");

    // Every console tab's load, on a store opened as that role.
    let ro = xbot::store::open(
        &xbot::config::DatabaseTarget::Postgres { url: url.clone() },
        MigrationPolicy::Require,
    )
    .await
    .expect("a select-only role opens the database")
    .store;
    let setup = common::console_setup(&url, false, false);
    let s = common::console_state(setup.clone(), "dark", Utc::now());
    for tab in xbot::console::tabs::TabId::REGISTERED {
        let q = xbot::console::actions::tab_query(&s, *tab);
        let loaded = xbot::console::effects::load(ro.as_ref(), &setup, &q, Utc::now()).await;
        assert!(loaded.is_ok(), "{tab:?}: {:?}", loaded.err());
    }
    let status = xbot::console::effects::load(
        ro.as_ref(),
        &setup,
        &xbot::console::msg::Query::Status,
        Utc::now(),
    )
    .await;
    assert!(status.is_ok(), "{:?}", status.err());
    match xbot::console::effects::load(
        ro.as_ref(),
        &setup,
        &xbot::console::msg::Query::Jobs,
        Utc::now(),
    )
    .await
    .unwrap()
    {
        xbot::console::msg::Loaded::Jobs { overview, .. } => {
            let j = overview
                .iter()
                .find(|j| j.job == "objective_scores")
                .unwrap();
            assert!(j.last_run.is_some(), "{j:?}");
        }
        other => panic!("{other:?}"),
    }
    ro.close().await;

    // A schema one migration behind (an xbot upgraded before the owner migrated): a role that
    // may only read is told who can apply it, not a bare "permission denied".
    common::run_admin(
        admin,
        "ALTER TABLE xbot.operator_audit DROP COLUMN via;
         DELETE FROM xbot._sqlx_migrations WHERE version = 20261206000003",
    )
    .await;
    let out = run(&["jobs", "list"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("may not apply xbot's 1 pending migration(s)"),
        "{err}"
    );
    assert!(err.contains("owner runs `xbot migrate`"), "{err}");
    eprintln!("{err}");
    db.store.migrate().await.unwrap();
    assert_eq!(run(&["jobs", "list"]).status.code(), Some(0));

    // Reading wrote nothing.
    assert_eq!(
        db.store.audit(None, 10_000).await.unwrap().len(),
        audit_before
    );
    let admin_url = common::pg_url().unwrap();
    db.cleanup().await;
    common::run_admin(&admin_url, &format!("DROP ROLE {name}")).await;
}
