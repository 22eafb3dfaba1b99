//! A database that goes away (issue 6): with the console open on Postgres and `xbot serve`
//! running a job, the server is stopped for 30 s and started again.
//!
//! - The console keeps running, shows DISCONNECTED within 3 s, retries, and is connected again
//!   within 5 s of the server's return; an approval attempted while down fails with a clear
//!   message and changes nothing.
//! - `xbot serve`: the job in flight fails cleanly (its run closed as failed once the server is
//!   back, lease released, no weight map half-published), and one `database_unreachable`
//!   incident is opened and resolved, one event each.
//!
//! It stops a server, so it runs against a dedicated cluster that nothing else uses:
//! `XBOT_OUTAGE_DATABASE_URL` (a database on it) and `XBOT_OUTAGE_CTL` (the command that controls
//! it, e.g. `pg_ctlcluster 15 outage`; `stop -m fast` and `start` are appended). `.ci/run` creates
//! that cluster and sets both; without them the test is skipped, unless `XBOT_REQUIRE_OUTAGE=1`.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::pty::Pty;
use xbot::config::DatabaseTarget;
use xbot::jobs::incidents::DB_UNREACHABLE;
use xbot::store::demo::{DemoOptions, seed};
use xbot::store::{self, MigrationPolicy};

fn outage_setup() -> Option<(String, String)> {
    match (
        std::env::var("XBOT_OUTAGE_DATABASE_URL"),
        std::env::var("XBOT_OUTAGE_CTL"),
    ) {
        (Ok(url), Ok(ctl)) if !url.is_empty() && !ctl.is_empty() => Some((url, ctl)),
        _ => {
            if std::env::var("XBOT_REQUIRE_OUTAGE").is_ok_and(|v| v == "1") {
                panic!(
                    "XBOT_REQUIRE_OUTAGE=1 but XBOT_OUTAGE_DATABASE_URL/XBOT_OUTAGE_CTL are unset"
                );
            }
            eprintln!("outage test skipped: XBOT_OUTAGE_DATABASE_URL/XBOT_OUTAGE_CTL not set");
            None
        }
    }
}

fn ctl(ctl: &str, verb: &[&str]) {
    let mut parts = ctl.split_whitespace();
    let program = parts.next().expect("a command");
    let status = Command::new(program)
        .args(parts)
        .args(verb)
        .status()
        .expect("run the server control command");
    assert!(status.success(), "{ctl} {verb:?}: {status:?}");
}

fn xbot(home: &std::path::Path, url: &str) -> Command {
    let mut cmd = common::xbot_command(home);
    cmd.env("DATABASE_URL", url);
    cmd
}

/// Wait until `ok` holds, polling; the elapsed time when it did.
fn within(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    loop {
        if ok() {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_database_goes_away_for_30_seconds_and_comes_back() {
    let Some((url, control)) = outage_setup() else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let target = DatabaseTarget::Postgres { url: url.clone() };
    let store = rt
        .block_on(store::open(&target, MigrationPolicy::Apply))
        .unwrap()
        .store;
    rt.block_on(store.reset()).unwrap();
    let mut opts = DemoOptions::new(Utc::now(), chrono_tz::Tz::UTC);
    opts.posts = 600;
    rt.block_on(seed(store.as_ref(), &opts, &mut |_, _| {}))
        .unwrap();
    let maps_before = rt.block_on(store.weight_maps(100)).unwrap();
    let pending = rt.block_on(store.reviews(&["pending"], 100)).unwrap();

    // serve: the weight map is due (its last success is older than the hour configured here),
    // and a lock held elsewhere keeps it waiting to publish, so it is in flight at the stop.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("config/xbot")).unwrap();
    std::fs::write(
        home.path().join("config/xbot/config.toml"),
        "[jobs.offline_weight_map]\ninterval_minutes = 60\n",
    )
    .unwrap();
    // The schedule lives in the database: the config's change is applied explicitly.
    let applied = xbot(home.path(), &url)
        .args(["jobs", "apply-config"])
        .output()
        .unwrap();
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    // Operator actions from here on are the test's (the applied config is set-up).
    let test_start = Utc::now();
    let blocker = std::thread::spawn({
        let url = url.clone();
        move || {
            // psql is not assumed; a second runtime holds the lock on its own connection.
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async move {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
                sqlx::query("BEGIN").execute(&mut c).await.unwrap();
                sqlx::query("LOCK TABLE learning_model_weights IN ACCESS EXCLUSIVE MODE")
                    .execute(&mut c)
                    .await
                    .unwrap();
                // Held until the server stops and kills this session.
                let _ = sqlx::query("SELECT pg_sleep(300)").execute(&mut c).await;
            });
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    let mut serve = KillOnDrop(
        xbot(home.path(), &url)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    within(
        "serve starts the weight map",
        Duration::from_secs(30),
        || {
            rt.block_on(store.running_runs())
                .unwrap()
                .iter()
                .any(|r| r.job == "offline_weight_map" && r.trigger == "schedule")
        },
    );

    // The console, on the Safety tab.
    let mut pty = Pty::spawn(xbot(home.path(), &url), 160, 40);
    pty.wait_text("● connected", Duration::from_secs(30));
    pty.send("5");
    pty.wait_text("Queue", Duration::from_secs(10));

    // Stop the server. Timed from the moment the stop is asked for: the command returns once
    // the server is down, and the console may notice before that.
    let stopped = Instant::now();
    ctl(&control, &["stop", "-m", "fast"]);
    // Whatever happens next, the server is started again.
    let restart = StartOnDrop(control.clone());
    // Within 3 s of the stop (issue 13 item 15): the server closes the change feed's
    // connection as it stops, and the console checks at once with a ping that fails at once on
    // a refused or closed connection (no status is read on a timer any more).
    let limit = Duration::from_secs(3).saturating_sub(stopped.elapsed());
    within("the console shows DISCONNECTED", limit, || {
        pty.screen().contains("DISCONNECTED")
    });
    eprintln!(
        "DISCONNECTED shown {:?} after the stop began",
        stopped.elapsed()
    );
    // The health ping behind it answers at once while the server is down, on a pooled
    // connection the server closed and then with none left (the pool alone would retry a
    // refused connection until its acquire timeout, 5 s).
    for attempt in 1..=3 {
        let t = Instant::now();
        let r = rt.block_on(store.ping());
        assert!(
            r.as_ref().is_err_and(|e| e.is_unavailable()),
            "ping {attempt}: {r:?}"
        );
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "ping {attempt} took {:?}",
            t.elapsed()
        );
        eprintln!("ping {attempt} failed in {:?}: {:?}", t.elapsed(), r);
    }

    // An approval while down fails with a clear message.
    pty.send("a");
    pty.wait_text("Approve the rewrite", Duration::from_secs(5));
    pty.send("y");
    let screen = pty.wait_text("failed", Duration::from_secs(15));
    assert!(screen.contains("unreachable"), "{screen}");
    assert!(
        !pty.screen().contains("panicked"),
        "the console keeps running"
    );

    // Back after 30 s.
    let rest = Duration::from_secs(30).saturating_sub(stopped.elapsed());
    std::thread::sleep(rest);
    ctl(&control, &["start"]);
    std::mem::forget(restart);
    let back = within("the console reconnects", Duration::from_secs(5), || {
        pty.screen().contains("● connected")
    });
    eprintln!("connected again {back:?} after the server was up");
    pty.wait_text("reconnected after", Duration::from_secs(5));

    // Nothing was half-applied by the failed approval.
    let store = rt
        .block_on(store::open(&target, MigrationPolicy::Require))
        .unwrap()
        .store;
    for before in &pending {
        let after = rt.block_on(store.review(before.id)).unwrap().unwrap();
        assert_eq!(
            (after.status.as_str(), after.version),
            ("pending", before.version)
        );
    }
    let audit: Vec<_> = rt
        .block_on(store.audit(None, 1000))
        .unwrap()
        .into_iter()
        .filter(|a| a.at >= test_start)
        .collect();
    assert!(audit.is_empty(), "{audit:#?}");

    // serve: the run in flight was closed as failed, its lease released; no map published.
    within("serve closes its run", Duration::from_secs(60), || {
        rt.block_on(store.run_history(Some("offline_weight_map"), 5))
            .unwrap()
            .iter()
            .any(|r| r.trigger == "schedule" && r.status == "failed")
    });
    let runs = rt
        .block_on(store.run_history(Some("offline_weight_map"), 5))
        .unwrap();
    let failed = runs.iter().find(|r| r.trigger == "schedule").unwrap();
    assert_eq!(failed.status, "failed", "{failed:#?}");
    assert!(
        failed
            .error
            .as_deref()
            .is_some_and(|e| e.contains("unreachable")),
        "{failed:#?}"
    );
    assert!(rt.block_on(store.running_runs()).unwrap().is_empty());
    let maps_after = rt.block_on(store.weight_maps(100)).unwrap();
    assert_eq!(maps_after.len(), maps_before.len());

    // One incident for the outage, opened and resolved, one event each.
    within("serve records the outage", Duration::from_secs(20), || {
        rt.block_on(store.incidents(true, 100))
            .unwrap()
            .iter()
            .any(|i| i.kind == DB_UNREACHABLE && i.state == "resolved")
    });
    let incidents: Vec<_> = rt
        .block_on(store.incidents(true, 100))
        .unwrap()
        .into_iter()
        .filter(|i| i.kind == DB_UNREACHABLE)
        .collect();
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    let secs = (incidents[0].resolved_at.unwrap() - incidents[0].opened_at).num_seconds();
    assert!(
        (25..=45).contains(&secs),
        "outage of {secs} s: {incidents:#?}"
    );
    let events: Vec<_> = rt
        .block_on(store.events(500))
        .unwrap()
        .into_iter()
        .filter(|e| e.message.starts_with(DB_UNREACHABLE))
        .collect();
    assert_eq!(events.len(), 2, "{events:#?}");

    // Both stop cleanly.
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(serve.0.id() as i32, libc::SIGTERM);
    }
    let out = serve.0.wait_with_output_timeout();
    assert!(out.success(), "serve: {out:?}");
    pty.send("q");
    assert!(pty.wait_exit(Duration::from_secs(15)).success());
    assert!(!pty.modes().alternate_screen);
    drop(blocker);
    rt.block_on(store.close());
}

/// Starts the stopped server again if the test fails while it is down.
struct StartOnDrop(String);

impl Drop for StartOnDrop {
    fn drop(&mut self) {
        ctl(&self.0, &["start"]);
    }
}

/// A child that does not outlive a failed test.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

trait WaitTimeout {
    fn wait_with_output_timeout(&mut self) -> std::process::ExitStatus;
}

impl WaitTimeout for std::process::Child {
    fn wait_with_output_timeout(&mut self) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(s) = self.try_wait().unwrap() {
                return s;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "did not stop");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
