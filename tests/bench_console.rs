//! `xbot bench console` end to end: the real binary on a temporary demo database (the first
//! run fills it), with small settings. Only the shape of the figures is checked here; the
//! timing targets live in the bench output, never in tests.

mod common;

use std::path::Path;
use std::process::Output;

fn xbot(home: &Path, args: &[&str]) -> Output {
    common::xbot_command(home)
        .args(args)
        .output()
        .expect("run xbot")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn bench_console_reports_every_figure() {
    let home = tempfile::tempdir().unwrap();
    let out = xbot(
        home.path(),
        &[
            "bench",
            "console",
            "--json",
            "--frames",
            "20",
            "--runs",
            "1",
            "--refresh",
            "1",
        ],
    );
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)));
    assert_eq!(v["backend"], "sqlite");
    assert_eq!(v["size"], "200x60");

    let tabs = v["render"]["tabs"].as_array().expect("render.tabs");
    let names: Vec<&str> = tabs.iter().map(|t| t["tab"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Outcomes",
            "Leaderboards",
            "Weights",
            "Slots",
            "Safety",
            "Replies",
            "Budget",
            "Jobs",
            "Incidents"
        ]
    );
    for t in tabs {
        for key in ["median_ms", "p95_ms", "max_ms"] {
            let ms = t[key].as_f64().unwrap_or_else(|| panic!("{key} of {t}"));
            assert!(ms > 0.0, "{key} of {} is {ms}", t["tab"]);
        }
        assert!(t["p95_ms"].as_f64() >= t["median_ms"].as_f64());
    }

    let s = &v["startup"];
    assert_eq!(s["runs"], 1);
    let first_frame = s["first_frame_ms"].as_f64().expect("first_frame_ms");
    let first_data = s["first_data_ms"].as_f64().expect("first_data_ms");
    assert!(first_frame > 0.0);
    assert!(first_data >= first_frame, "{s}");

    assert_eq!(v["memory"]["measured"], false);
    assert!(
        v["memory"]["note"].as_str().unwrap().contains("--big"),
        "{}",
        v["memory"]
    );

    let r = &v["refresh"];
    assert_eq!(r["idle_bytes"], 0, "an idle refresh writes nothing: {r}");
    assert!(r["change_bytes"].as_u64().unwrap() > 0, "{r}");
    assert_eq!(r["change_shown"], true, "{r}");

    // The changed value was put back.
    let id = r["changed_decision_id"].as_str().unwrap().to_string();
    let before = r["impressions_before"].as_i64().unwrap();
    let target = xbot::config::DatabaseTarget::Sqlite {
        path: home.path().join("data/xbot/xbot.db"),
        is_default: false,
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let now = rt.block_on(async {
        let opened = xbot::store::open(&target, xbot::store::MigrationPolicy::Require)
            .await
            .unwrap();
        let d = opened.store.decision_detail(&id).await.unwrap().unwrap();
        opened.store.close().await;
        d.impressions
    });
    assert_eq!(now, Some(before));
}
