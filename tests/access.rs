//! Access (issue 6): a Postgres role with read-only rights can use the console for reading and
//! every action says the database refused it; `--read-only` refuses actions before they reach
//! the database; secrets (the AI key, the database password) never appear on screen, in logs,
//! in `--json` output or in error messages.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use chrono::Utc;
use common::TestDb;
use common::pty::Pty;
use xbot::store::demo::{DemoOptions, seed};

const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const WAIT: Duration = Duration::from_secs(20);

fn xbot(home: &Path, url: &str, extra: &[(&str, &str)]) -> Command {
    let mut cmd = common::xbot_command(home);
    cmd.env("DATABASE_URL", url);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd
}

async fn demo(db: &TestDb) {
    let mut opts = DemoOptions::new(Utc::now(), chrono_tz::Tz::UTC);
    opts.posts = 500;
    seed(db.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .unwrap();
}

/// A login role with only the given grants on this test's schema; dropped by
/// `cleanup_with_role`. The test role needs CREATEROLE (`.ci/run` grants it).
async fn role(db: &TestDb, name: &str, password: &str, grants: &str) {
    let (schema, admin) = db.pg_schema().unwrap();
    common::run_admin(
        admin,
        &format!(
            "CREATE ROLE {name} LOGIN PASSWORD '{password}';
             GRANT USAGE ON SCHEMA {schema} TO {name};
             GRANT {grants} ON ALL TABLES IN SCHEMA {schema} TO {name};
             GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {name};"
        ),
    )
    .await;
}

/// Drop the test's schema (and with it the role's grants), then the role.
async fn cleanup_with_role(db: TestDb, name: &str) {
    let admin = common::pg_url().unwrap();
    db.cleanup().await;
    common::run_admin(&admin, &format!("DROP ROLE {name}")).await;
}

/// Do one action, wait for its error flash, check it says `expect`, and dismiss it.
fn refused(pty: &mut Pty, what: &str, keys: &[&str], expect: &str) {
    for k in keys {
        pty.send(k);
    }
    let screen = pty.wait_for(what, WAIT, |s| s.contains("(esc dismisses"));
    assert!(
        screen.contains(expect),
        "{what}: expected {expect:?} in the flash:\n{screen}"
    );
    pty.send(ESC);
    pty.wait_for("the flash to go", WAIT, |s| !s.contains("(esc dismisses"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_role_reads_and_every_action_is_refused_by_the_database() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    demo(&db).await;
    let name = format!("xbot_ro_{}", uuid::Uuid::new_v4().simple());
    role(&db, &name, "ro-password", "SELECT").await;
    let url = db.url_as(&name, "ro-password");
    let runs_before = db.store.run_history(None, 1000).await.unwrap().len();
    let pending_before = db.store.reviews(&["pending"], 100).await.unwrap().len();

    let home = tempfile::tempdir().unwrap();
    let cmd = xbot(home.path(), &url, &[]);
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(cmd, 120, 36);
        pty.wait_text("● connected", WAIT);
        // Reading works on every tab.
        for (key, title) in [
            ("1", "Data health"),
            ("2", "sorted by rank"),
            ("3", "versions (* active)"),
            ("4", "Calendar"),
            ("5", "pending"),
            ("6", "Accounts"),
            ("7", "Budget — day from"),
            ("8", "over SLA"),
            ("9", "Incidents —"),
        ] {
            pty.send(key);
            let screen = pty.wait_text(title, WAIT);
            assert!(!screen.contains("(esc dismisses"), "tab {key}:\n{screen}");
        }
        // Every action: the database's refusal, in words.
        let db_refused = "the database refused the change";
        pty.send("5");
        pty.wait_text("Queue", WAIT);
        refused(&mut pty, "approve", &["a", "y"], db_refused);
        refused(
            &mut pty,
            "reject",
            &["x", "not allowed", ENTER, "y"],
            db_refused,
        );
        // Without an AI endpoint another rewrite is refused before the database.
        refused(&mut pty, "request a rewrite", &["w"], "no AI endpoint");
        pty.send("6");
        pty.wait_text("Accounts", WAIT);
        refused(&mut pty, "pin", &["P", "y"], db_refused);
        pty.send("3");
        pty.wait_text("versions (* active)", WAIT);
        refused(&mut pty, "recompute weights", &["R", "y"], db_refused);
        pty.send("8");
        pty.wait_text("over SLA", WAIT);
        refused(&mut pty, "run a job", &["x", "y"], db_refused);
        refused(&mut pty, "disable a job", &["e", "y"], db_refused);
        pty.send("q");
        assert!(pty.wait_exit(WAIT).success());
    })
    .await
    .unwrap();

    // Nothing changed.
    assert_eq!(
        db.store.run_history(None, 1000).await.unwrap().len(),
        runs_before
    );
    assert_eq!(
        db.store.reviews(&["pending"], 100).await.unwrap().len(),
        pending_before
    );
    let since = Utc::now() - chrono::Duration::minutes(5);
    let audit = db.store.audit(None, 1000).await.unwrap();
    assert!(audit.iter().all(|a| a.at < since), "{audit:#?}");
    cleanup_with_role(db, &name).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_read_only_flag_refuses_actions_before_the_database() {
    let db = TestDb::sqlite().await;
    demo(&db).await;
    let url = db.url.clone();
    let audit_before = db.store.audit(None, 1000).await.unwrap().len();
    let runs_before = db.store.run_history(None, 1000).await.unwrap().len();
    let home = tempfile::tempdir().unwrap();
    let mut cmd = xbot(home.path(), &url, &[]);
    cmd.arg("--read-only");
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(cmd, 120, 36);
        pty.wait_text("READ-ONLY", WAIT);
        let flag = "read-only mode";
        pty.send("5");
        pty.wait_text("Queue", WAIT);
        refused(&mut pty, "approve", &["a"], flag);
        refused(&mut pty, "reject", &["x"], flag);
        refused(&mut pty, "edit", &["e"], flag);
        pty.send("6");
        pty.wait_text("Accounts", WAIT);
        refused(&mut pty, "pin", &["P"], flag);
        pty.send("3");
        pty.wait_text("versions (* active)", WAIT);
        refused(&mut pty, "recompute weights", &["R"], flag);
        pty.send("8");
        pty.wait_text("over SLA", WAIT);
        refused(&mut pty, "run a job", &["x"], flag);
        refused(&mut pty, "run by command", &[":", "run plan", ENTER], flag);
        pty.send("q");
        assert!(pty.wait_exit(WAIT).success());
    })
    .await
    .unwrap();
    assert_eq!(
        db.store.audit(None, 1000).await.unwrap().len(),
        audit_before
    );
    assert_eq!(
        db.store.run_history(None, 1000).await.unwrap().len(),
        runs_before
    );
    db.cleanup().await;
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.output().expect("run xbot")
}

/// Every secret and the forms it could leak in.
fn assert_clean(secrets: &[&str], what: &str, text: &str) {
    for s in secrets {
        assert!(!text.contains(s), "{what} shows the secret {s:?}:\n{text}");
        let encoded = s.replace('@', "%40").replace('#', "%23");
        assert!(
            !text.contains(&encoded),
            "{what} shows the URL-encoded secret"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_reach_the_screen_logs_json_or_errors() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    demo(&db).await;
    let name = format!("xbot_sec_{}", uuid::Uuid::new_v4().simple());
    let password = "pw-Sekr1t-0dd5c0de";
    let key = "sk-test-KEY-9f8e7d6c5b4a";
    role(&db, &name, password, "ALL").await;
    let url = db.url_as(&name, password);
    // An AI endpoint that refuses connections: AI work fails, and the failures are reported.
    let ai = [
        ("OPENAI_API_KEY", key),
        ("XBOT_AI_BASE_URL", "http://127.0.0.1:9/v1"),
    ];
    let secrets = [password, key];
    let home = tempfile::tempdir().unwrap();
    let h = home.path();

    let mut outputs = Vec::new();
    let verbs: &[&[&str]] = &[
        &["info"],
        &["info", "--json"],
        &["status", "--json"],
        &["jobs", "list", "--json"],
        &["jobs", "run", "offline_weight_map", "--json"],
        &["jobs", "run", "plan", "--json"],
        &["jobs", "run", "safety_review", "--json"],
        &["jobs", "history", "--json"],
        &["budget", "--json"],
        &["review", "list", "--json"],
        &["incidents", "--json"],
        &["weights", "list", "--json"],
        &["migrate"],
    ];
    for args in verbs {
        let out = run(xbot(h, &url, &ai).args(*args));
        outputs.push((args.join(" "), out));
    }
    // Errors: a wrong password for the same role, an unreachable server, a bad URL.
    let wrong = db.url_as(&name, &format!("{password}x"));
    let unreachable = format!("postgres://{name}:{password}@127.0.0.1:9/xbot");
    let bad = format!("postgres://{name}:{password}@/no host here");
    for (what, u) in [
        ("wrong password", &wrong),
        ("unreachable", &unreachable),
        ("bad url", &bad),
    ] {
        let out = run(xbot(h, u, &ai).args(["status", "--json"]));
        // A server with `trust` authentication accepts any password; the others must fail.
        if what != "wrong password" {
            assert!(!out.status.success(), "{what} must fail");
        }
        outputs.push((what.to_string(), out));
    }
    for (what, out) in &outputs {
        assert_clean(
            &secrets,
            &format!("`{what}` stdout"),
            &String::from_utf8_lossy(&out.stdout),
        );
        assert_clean(
            &secrets,
            &format!("`{what}` stderr"),
            &String::from_utf8_lossy(&out.stderr),
        );
    }
    // The AI failures were reported, so the key had a chance to leak and did not.
    let plan = &outputs
        .iter()
        .find(|(w, _)| w == "jobs run plan --json")
        .unwrap()
        .1;
    let plan_text = format!(
        "{}{}",
        String::from_utf8_lossy(&plan.stdout),
        String::from_utf8_lossy(&plan.stderr)
    );
    assert!(
        plan_text.contains("127.0.0.1:9") || plan_text.contains("connect"),
        "the AI failure is reported: {plan_text}"
    );

    // The console, through every tab, its help, the info on a job, and an AI job run.
    let cmd = xbot(h, &url, &ai);
    let raw = tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(cmd, 200, 60);
        pty.wait_text("● connected", WAIT);
        let mut screens = Vec::new();
        for key in ["1", "2", "3", "4", "5", "6", "7", "8", "9"] {
            pty.send(key);
            std::thread::sleep(Duration::from_millis(400));
            pty.send(ENTER);
            std::thread::sleep(Duration::from_millis(300));
            screens.push(pty.screen());
            pty.send(ESC);
        }
        pty.send("?");
        screens.push(pty.wait_text("help", WAIT));
        pty.send(ESC);
        pty.send(":");
        pty.send("run plan");
        pty.send(ENTER);
        screens.push(pty.wait_text("Run plan now", WAIT));
        pty.send("y");
        std::thread::sleep(Duration::from_secs(3));
        screens.push(pty.screen());
        pty.send("q");
        pty.send("y");
        let _ = pty.wait_exit(WAIT);
        (screens, pty.raw_text())
    })
    .await
    .unwrap();
    for (i, screen) in raw.0.iter().enumerate() {
        assert_clean(&secrets, &format!("console screen {i}"), screen);
    }
    assert_clean(&secrets, "console output bytes", &raw.1);

    // The logs of every run above.
    let logs = std::fs::read_dir(h.join("state/xbot")).unwrap();
    let mut log_bytes = 0;
    for entry in logs {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        log_bytes += text.len();
        assert_clean(&secrets, "the log", &text);
    }
    assert!(
        log_bytes > 1000,
        "the logs were written ({log_bytes} bytes)"
    );
    cleanup_with_role(db, &name).await;
}
