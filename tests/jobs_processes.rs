//! The jobs engine across real processes: several `xbot jobs run` at once, a run killed with
//! SIGKILL, and `xbot serve` stopped with SIGTERM. Both backends.

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::TestDb;
use xbot::store::demo::{DemoOptions, seed};
use xbot::store::ops::jobs::{Claim, RunStatus, Trigger};

fn xbot(home: &Path, db: &TestDb, args: &[&str], extra: &[(&str, &str)]) -> Command {
    let mut cmd = common::xbot_command(home);
    cmd.args(args)
        .env("DATABASE_URL", &db.url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

async fn demo(db: &TestDb, posts: usize) {
    let mut opts = DemoOptions::new(Utc::now(), chrono_tz::Tz::UTC);
    opts.posts = posts;
    seed(db.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .unwrap();
}

fn wait_all(children: Vec<Child>) -> Vec<Output> {
    children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect()
}

async fn several_processes_at_once_run_the_job_once(db: &TestDb) {
    demo(db, 800).await;
    let home = tempfile::tempdir().unwrap();
    // While this test holds the lease, every process is told who holds it.
    let Claim::Claimed { lease, .. } = db
        .store
        .claim(
            "offline_weight_map",
            Trigger::Manual,
            "test-holder@ci:7",
            300,
            Utc::now(),
        )
        .await
        .unwrap()
    else {
        panic!("the first claim must win");
    };
    let children: Vec<Child> = (0..4)
        .map(|_| {
            xbot(home.path(), db, &["jobs", "run", "offline_weight_map"], &[])
                .spawn()
                .unwrap()
        })
        .collect();
    for out in wait_all(children) {
        assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(
            err.contains("already running") && err.contains("test-holder@ci:7"),
            "{err}"
        );
    }
    db.store
        .finish_run(
            &lease,
            RunStatus::Cancelled,
            Some("test over"),
            None,
            Utc::now(),
        )
        .await
        .unwrap();

    // Now four at once: each either runs it or is told who does; never two at the same time.
    let children: Vec<Child> = (0..4)
        .map(|_| {
            xbot(
                home.path(),
                db,
                &["jobs", "run", "offline_weight_map", "--json"],
                &[],
            )
            .spawn()
            .unwrap()
        })
        .collect();
    let outputs = wait_all(children);
    let ok = outputs.iter().filter(|o| o.status.success()).count();
    let held = outputs
        .iter()
        .filter(|o| o.status.code() == Some(3))
        .count();
    assert_eq!(
        ok + held,
        4,
        "{:?}",
        outputs.iter().map(|o| text(&o.stderr)).collect::<Vec<_>>()
    );
    assert!(ok >= 1);
    let mut runs: Vec<_> = db
        .store
        .run_history(Some("offline_weight_map"), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.status == "succeeded" && r.trigger == "cli")
        .collect();
    assert_eq!(runs.len(), ok);
    runs.sort_by_key(|r| r.started_at);
    for pair in runs.windows(2) {
        assert!(
            pair[0].finished_at.unwrap() <= pair[1].started_at,
            "two runs overlapped: {pair:?}"
        );
    }
    let maps = db.store.weight_maps(100).await.unwrap();
    assert_eq!(maps.iter().filter(|m| m.is_active).count(), 1);
}
contract!(several_processes_at_once_run_the_job_once);

/// Make `objective_scores` have a lot to do, so a run lasts long enough to be killed.
async fn unscore_everything(db: &TestDb) {
    // xbot's scores live in xbot's own schema (xBOT's outcomes are never written).
    let sql = "UPDATE objective_scores SET score_version = 1";
    if db.is_postgres() {
        common::run_admin(
            &db.url,
            "UPDATE xbot.objective_scores SET score_version = 1",
        )
        .await;
    } else {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
    }
}

/// Holds a lock that makes the job's writes wait, until dropped or released.
enum Blocker {
    Pg(sqlx::PgConnection),
    Sqlite(sqlx::SqliteConnection),
}

impl Blocker {
    async fn take(db: &TestDb) -> Blocker {
        use sqlx::Connection;
        if db.is_postgres() {
            let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
            // The table the job writes its scores to.
            sqlx::raw_sql("BEGIN; LOCK TABLE xbot.objective_scores IN EXCLUSIVE MODE;")
                .execute(&mut c)
                .await
                .unwrap();
            Blocker::Pg(c)
        } else {
            let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::raw_sql("BEGIN IMMEDIATE;")
                .execute(&mut c)
                .await
                .unwrap();
            Blocker::Sqlite(c)
        }
    }

    async fn release(self) {
        match self {
            Blocker::Pg(mut c) => {
                sqlx::raw_sql("ROLLBACK").execute(&mut c).await.unwrap();
            }
            Blocker::Sqlite(mut c) => {
                sqlx::raw_sql("ROLLBACK").execute(&mut c).await.unwrap();
            }
        }
    }
}

/// Wait until `job` has a running row (or time out).
async fn wait_running(db: &TestDb, job: &str) -> i64 {
    let started = Instant::now();
    loop {
        let running = db
            .store
            .run_history(Some(job), 5)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.status == "running");
        if let Some(r) = running {
            return r.id;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{job} never started"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn a_run_killed_with_sigkill_is_abandoned_with_one_incident(db: &TestDb) {
    demo(db, 6_000).await;
    unscore_everything(db).await;
    let home = tempfile::tempdir().unwrap();
    // Postgres: block the job's writes before it starts. SQLite cannot lock out a writer
    // without also locking out its claim, so the lock is taken as soon as the run is seen.
    let mut blocker = if db.is_postgres() {
        Some(Blocker::take(db).await)
    } else {
        None
    };
    let mut child = xbot(
        home.path(),
        db,
        &["jobs", "run", "objective_scores"],
        &[("XBOT_JOB_LEASE_SECONDS", "2")],
    )
    .spawn()
    .unwrap();
    let run_id = wait_running(db, "objective_scores").await;
    if blocker.is_none() {
        blocker = Some(Blocker::take(db).await);
    }
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    blocker.unwrap().release().await;
    let run = db.store.run(run_id).await.unwrap().unwrap();
    assert_eq!(
        run.status, "running",
        "killed mid-run: the row still says running"
    );

    tokio::time::sleep(Duration::from_millis(2500)).await;
    let out = xbot(home.path(), db, &["jobs", "run", "objective_scores"], &[])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run = db.store.run(run_id).await.unwrap().unwrap();
    assert_eq!(run.status, "abandoned");
    let incidents = db.store.incidents(true, 100).await.unwrap();
    let lease: Vec<_> = incidents
        .iter()
        .filter(|i| i.kind == "lease_expired" && i.subject == "objective_scores")
        .collect();
    assert_eq!(lease.len(), 1, "{incidents:?}");
    assert_eq!(lease[0].subject, "objective_scores");
}
contract!(a_run_killed_with_sigkill_is_abandoned_with_one_incident);

async fn serve_stops_on_sigterm_and_leaves_no_running_run(db: &TestDb) {
    demo(db, 6_000).await;
    unscore_everything(db).await;
    let home = tempfile::tempdir().unwrap();
    // The demo scored everything minutes ago: make objective_scores due at once.
    std::fs::create_dir_all(home.path().join("config/xbot")).unwrap();
    std::fs::write(
        home.path().join("config/xbot/config.toml"),
        "[jobs.objective_scores]\ninterval_minutes = 1\n",
    )
    .unwrap();
    // The schedule lives in the database (issue 13): the config's change is applied
    // explicitly, as an operator would.
    let applied = xbot(home.path(), db, &["jobs", "apply-config"], &[])
        .output()
        .unwrap();
    assert!(applied.status.success(), "{}", text(&applied.stderr));
    let mut blocker = if db.is_postgres() {
        Some(Blocker::take(db).await)
    } else {
        None
    };
    let child = xbot(
        home.path(),
        db,
        &["serve"],
        &[("XBOT_JOB_LEASE_SECONDS", "5")],
    )
    .spawn()
    .unwrap();
    let pid = child.id() as libc::pid_t;
    let run_id = wait_running(db, "objective_scores").await;
    if blocker.is_none() {
        blocker = Some(Blocker::take(db).await);
    }
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    blocker.unwrap().release().await;
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("stopped"));
    let run = db.store.run(run_id).await.unwrap().unwrap();
    assert!(
        matches!(run.status.as_str(), "cancelled" | "succeeded"),
        "the run was closed, not left running: {run:?}"
    );
    let running: Vec<_> = db
        .store
        .run_history(None, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.status == "running")
        .collect();
    assert!(running.is_empty(), "leases released: {running:?}");
}
contract!(serve_stops_on_sigterm_and_leaves_no_running_run);
