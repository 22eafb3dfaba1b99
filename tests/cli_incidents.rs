//! `xbot incidents ack|resolve|note` and `xbot notify test` through the real binary: exit
//! codes, JSON, the audit, and secrets that never reach the output.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::Utc;
use common::TestDb;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn xbot(home: &Path, args: &[&str]) -> Output {
    let mut cmd = common::xbot_command(home);
    cmd.args(args);
    // The mock server runs on this runtime: wait for the process off it.
    tokio::task::spawn_blocking(move || cmd.output().expect("run xbot"))
        .await
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", text(&out.stdout), text(&out.stderr)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incident_verbs_act_audit_and_exit_as_documented() {
    let db = TestDb::sqlite().await;
    let home = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    db.store
        .raise_incident("sla_lag", "plan", "warning", "late", Utc::now())
        .await
        .unwrap();
    let id = db.store.incidents(false, 5).await.unwrap()[0]
        .id
        .to_string();
    let run = |args: Vec<&str>| {
        let mut all = vec!["--database-url", url.as_str()];
        all.extend(args);
        let all: Vec<String> = all.iter().map(|s| s.to_string()).collect();
        let home = home.path().to_path_buf();
        async move {
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            xbot(&home, &refs).await
        }
    };

    let out = run(vec!["incidents", "ack", &id, "--note", "on it", "--json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["outcome"]["outcome"], "applied");
    assert_eq!(v["outcome"]["to_state"], "acknowledged");
    assert_eq!(v["action"], "incident_acknowledge");

    // The list shows who has it.
    let out = run(vec!["incidents"]).await;
    assert!(text(&out.stdout).contains("ACK ("), "{}", text(&out.stdout));

    // Resolving without a note is bad usage (exit 2) and changes nothing.
    let out = run(vec!["incidents", "resolve", &id]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--note"));
    // Read-only refuses every action (exit 2).
    let out = run(vec!["--read-only", "incidents", "note", &id, "--note", "x"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    let out = run(vec!["incidents", "note", &id, "--note", "scraper broke"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(vec!["incidents", "resolve", &id, "--note", "scraper fixed"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("resolved by"),
        "{}",
        text(&out.stdout)
    );
    // Again: it lost, and says to whom (exit 1).
    let out = run(vec!["incidents", "resolve", &id, "--note", "again"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("already resolved by"),
        "{}",
        text(&out.stderr)
    );
    // No such incident: exit 1.
    let out = run(vec!["incidents", "ack", "987654"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no incident 987654"),
        "{}",
        text(&out.stderr)
    );

    let out = run(vec!["incidents", "--all", "--json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = json(&out);
    let i = &list[0];
    assert_eq!(i["status"], "resolved");
    assert_eq!(i["resolution"], "scraper fixed");
    let notes: Vec<&str> = i["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["note"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["on it", "scraper broke", "scraper fixed"]);
    let out = run(vec!["incidents", "show", &id, "--json"]).await;
    assert_eq!(json(&out)["id"].to_string(), id);

    // Every attempt is in the audit: applied, refused at the store never reached (usage),
    // lost race.
    let audit = db
        .store
        .audit(Some(&format!("incident:{id}")), 20)
        .await
        .unwrap();
    let outcomes: Vec<(&str, &str)> = audit
        .iter()
        .rev()
        .map(|a| (a.action.as_str(), a.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("incident_acknowledge", "applied"),
            ("incident_note", "applied"),
            ("incident_resolve", "applied"),
            ("incident_resolve", "lost_race"),
        ]
    );
    db.cleanup().await;
}

fn config(home: &Path, body: &str) -> PathBuf {
    let p = home.join("notify.toml");
    std::fs::write(&p, body).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_test_reports_each_destination_and_never_shows_a_secret() {
    let server = MockServer::start().await;
    Mock::given(path("/hooks/rejecting-secret-555"))
        .respond_with(ResponseTemplate::new(404).set_body_string("no such hook"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("x.db");
    let url = format!("sqlite://{}", db.display());
    let cfg = config(
        home.path(),
        &format!(
            "[notify.chat]\nkind = \"slack\"\nurl = \"{u}/services/T0/B0/supersecret-111\"\n\
             [notify.oncall]\nkind = \"pagerduty\"\nrouting_key = \"rk-secret-999\"\nurl = \"{u}/v2/enqueue\"\n\
             [notify.gone]\nkind = \"webhook\"\nurl = \"{u}/hooks/rejecting-secret-555\"\n",
            u = server.uri()
        ),
    );
    let cfg = cfg.to_string_lossy().into_owned();
    let secrets = ["supersecret-111", "rk-secret-999", "rejecting-secret-555"];
    let clean = |out: &Output| {
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        for s in secrets {
            assert!(!all.contains(s), "{s} shown in: {all}");
        }
    };

    let out = xbot(
        home.path(),
        &[
            "--config",
            &cfg,
            "--database-url",
            &url,
            "notify",
            "test",
            "--json",
        ],
    )
    .await;
    clean(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "one destination fails: {}",
        text(&out.stderr)
    );
    let results = json(&out);
    let by = |n: &str| {
        results
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["destination"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by("chat")["ok"], true);
    assert_eq!(by("oncall")["ok"], true);
    let gone = by("gone");
    assert_eq!(gone["ok"], false);
    assert!(
        gone["error"].as_str().unwrap().starts_with("HTTP 404"),
        "{gone}"
    );
    assert!(by("chat")["endpoint"].as_str().unwrap().ends_with("/****"));
    // The PagerDuty test triggers and resolves its own alert.
    let pd: Vec<serde_json::Value> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/v2/enqueue")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let actions: Vec<&str> = pd
        .iter()
        .map(|b| b["event_action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["trigger", "resolve"]);
    assert_eq!(pd[0]["payload"]["severity"], "info");
    assert_eq!(pd[0]["dedup_key"], pd[1]["dedup_key"]);

    let out = xbot(
        home.path(),
        &[
            "--config",
            &cfg,
            "--database-url",
            &url,
            "notify",
            "test",
            "--to",
            "chat",
        ],
    )
    .await;
    clean(&out);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = xbot(
        home.path(),
        &[
            "--config",
            &cfg,
            "--database-url",
            &url,
            "notify",
            "test",
            "--to",
            "nope",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));

    // Configuration output masks them too.
    let out = xbot(
        home.path(),
        &["--config", &cfg, "--database-url", &url, "info", "--json"],
    )
    .await;
    clean(&out);
    let info = json(&out);
    let rows = info["config"].as_array().unwrap();
    let key = rows
        .iter()
        .find(|r| r["key"] == "notify.oncall.routing_key")
        .unwrap();
    assert_eq!(key["value"], "****");
    let chat = rows.iter().find(|r| r["key"] == "notify.chat.url").unwrap();
    assert!(chat["value"].as_str().unwrap().ends_with("/****"));
    let out = xbot(
        home.path(),
        &["--config", &cfg, "--database-url", &url, "info"],
    )
    .await;
    clean(&out);

    // Registered by name and kind only; the database holds no secret.
    let out = xbot(
        home.path(),
        &[
            "--config",
            &cfg,
            "--database-url",
            &url,
            "notify",
            "list",
            "--json",
        ],
    )
    .await;
    clean(&out);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = json(&out);
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|r| r["registered"] == true)
    );
    let raw = std::fs::read(&db).unwrap();
    for s in secrets {
        assert!(
            !String::from_utf8_lossy(&raw).contains(s),
            "{s} in the database"
        );
    }
    // A secret in the environment is masked the same way.
    let mut cmd = common::xbot_command(home.path());
    cmd.args(["--database-url", &url, "info"])
        .env("XBOT_NOTIFY_DESTINATIONS", "pager")
        .env("XBOT_NOTIFY_PAGER_KIND", "pagerduty")
        .env("XBOT_NOTIFY_PAGER_ROUTING_KEY", "env-secret-4242");
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let all = text(&out.stdout);
    assert!(
        all.contains("notify.pager.routing_key") && !all.contains("env-secret-4242"),
        "{all}"
    );
}
