//! Signals while a job runs in the console (issue 6): SIGTERM, SIGHUP, and the SSH link dropping
//! (the pty master closing). The job is held mid-publish by a lock another session takes on
//! `learning_model_weights`, so it is really in flight when the signal lands. Afterwards: the run is closed
//! as cancelled (lease released), no weight map was half-published, and the terminal was given
//! back. Postgres only: the lock needs a second writer, which SQLite does not allow.

mod common;

use std::process::Command;
use std::time::Duration;

use chrono::Utc;
use common::TestDb;
use common::pty::Pty;
use sqlx::Connection;
use xbot::store::demo::{DemoOptions, seed};

const ENTER: &str = "\r";

#[derive(Clone, Copy, Debug)]
enum Stop {
    Sigterm,
    Sighup,
    /// The terminal goes away (SSH link dropped): the kernel hangs up the session.
    LineDropped,
}

fn console(home: &std::path::Path, url: &str) -> Command {
    let mut cmd = common::xbot_command(home);
    cmd.env("DATABASE_URL", url);
    cmd
}

async fn stop_during_a_job(stop: Stop) {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let mut opts = DemoOptions::new(Utc::now(), chrono_tz::Tz::UTC);
    opts.posts = 600;
    seed(db.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .unwrap();
    let maps_before = db.store.weight_maps(100).await.unwrap();

    // Another session holds learning_model_weights: the job computes, then waits to publish.
    let mut blocker = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut blocker).await.unwrap();
    // xBOT's table, in xBOT's schema of the test's own database.
    let schema = "public";
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "LOCK TABLE {schema}.learning_model_weights IN ACCESS EXCLUSIVE MODE"
    )))
    .execute(&mut blocker)
    .await
    .unwrap();

    let home = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    let (modes, exited) = tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(console(home.path(), &url), 100, 30);
        // The Jobs tab reads no weight map, so it refreshes while the lock is held.
        pty.wait_text("connected", Duration::from_secs(30));
        pty.send("8");
        pty.wait_text("over SLA", Duration::from_secs(15));
        pty.send(":");
        pty.send("run offline_weight_map");
        pty.send(ENTER);
        // Running a job is confirmed with y.
        pty.wait_text("Run offline_weight_map now", Duration::from_secs(15));
        pty.send("y");
        // The job's row says it runs here (the header may give its count's room to the
        // database name at 100 columns).
        pty.wait_text(" here ", Duration::from_secs(15));
        match stop {
            Stop::Sigterm => pty.signal(libc::SIGTERM),
            Stop::Sighup => pty.signal(libc::SIGHUP),
            Stop::LineDropped => pty.close_master(),
        }
        let status = pty.wait_exit(Duration::from_secs(20));
        (pty.modes(), status)
    })
    .await
    .unwrap();
    assert!(exited.code().is_some(), "exited, not killed: {exited:?}");
    if !matches!(stop, Stop::LineDropped) {
        assert!(!modes.alternate_screen, "{stop:?}: {modes:?}");
        assert!(!modes.cursor_hidden, "{stop:?}: {modes:?}");
        assert!(!modes.mouse_reporting, "{stop:?}: {modes:?}");
        assert!(!modes.bracketed_paste, "{stop:?}: {modes:?}");
    }

    // The run was closed before the console left, while the lock was still held.
    let runs = db
        .store
        .run_history(Some("offline_weight_map"), 5)
        .await
        .unwrap();
    let run = runs
        .iter()
        .find(|r| r.trigger == "manual")
        .expect("the run");
    assert_eq!(run.status, "cancelled", "{stop:?}: {run:#?}");
    assert!(db.store.running_runs().await.unwrap().is_empty());

    // Let the blocked statement go: its transaction was abandoned, so nothing appears.
    sqlx::query("COMMIT").execute(&mut blocker).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let maps_after = db.store.weight_maps(100).await.unwrap();
    assert_eq!(
        maps_after.iter().map(|m| &m.version).collect::<Vec<_>>(),
        maps_before.iter().map(|m| &m.version).collect::<Vec<_>>(),
        "{stop:?}: nothing half-published"
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_console_job() {
    stop_during_a_job(Stop::Sigterm).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_during_a_console_job() {
    stop_during_a_job(Stop::Sighup).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ssh_link_dropped_during_a_console_job() {
    stop_during_a_job(Stop::LineDropped).await;
}
