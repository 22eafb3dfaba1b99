//! The real binary: `xbot review` decisions with their exit codes, warnings and read-only
//! refusal, and `xbot budget`.

mod common;

use std::path::Path;
use std::process::Output;

fn xbot(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let db = format!("sqlite://{}", home.join("review.db").display());
    let mut cmd = common::xbot_command(home);
    cmd.arg("--database-url").arg(&db).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run xbot")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn pending_ids(home: &Path) -> Vec<i64> {
    let out = xbot(home, &["review", "list", "--json"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "pending")
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn review_decisions_from_the_shell() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let seeded = xbot(h, &["demo"], &[]);
    assert!(seeded.status.success(), "{}", text(&seeded.stderr));
    let ids = pending_ids(h);
    assert!(ids.len() >= 5, "{ids:?}");

    // Approve the proposed rewrite (the default), then again: the second one lost.
    let out = xbot(h, &["review", "approve", &ids[0].to_string()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("approved_rewrite by"),
        "{}",
        text(&out.stdout)
    );
    let again = xbot(
        h,
        &["review", "approve", &ids[0].to_string(), "--json"],
        &[],
    );
    assert_eq!(again.status.code(), Some(1));
    let err = text(&again.stderr);
    assert!(err.contains("already approved_rewrite by "), "{err}");
    assert!(err.contains(" s ago") || err.contains(" min ago"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(v["outcome"]["outcome"], "lost_race");

    // Bad flags: exit 2, nothing sent.
    let id1 = ids[1].to_string();
    for args in [
        vec!["review", "reject", &id1],
        vec!["review", "reject", &id1, "--reason", "  "],
        vec!["review", "approve", &id1, "--original"],
        vec![
            "review",
            "approve",
            &id1,
            "--rewrite",
            "--original",
            "--note",
            "x",
        ],
        vec![
            "review",
            "approve",
            &id1,
            "--text-file",
            "/nonexistent/edit.txt",
        ],
    ] {
        let out = xbot(h, &args, &[]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    // Read-only refuses before the database is touched.
    let out = xbot(
        h,
        &["--read-only", "review", "reject", &id1, "--reason", "no"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("read-only"),
        "{}",
        text(&out.stderr)
    );
    assert!(pending_ids(h).contains(&ids[1]));

    // An edited text: the rules re-run and warn; critical is refused unless --force.
    let edit = h.join("edit.txt");
    std::fs::write(&edit, "Vitamin D cures depression.\n").unwrap();
    let edit_arg = edit.display().to_string();
    let out = xbot(
        h,
        &["review", "approve", &id1, "--text-file", &edit_arg],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("warning: the rules find critical risk in the edited text"),
        "{err}"
    );
    assert!(
        err.contains("[critical] absolute or cure claim \"cures depression\""),
        "{err}"
    );
    assert!(err.contains("refused"), "{err}");
    assert!(pending_ids(h).contains(&ids[1]), "nothing was sent");
    let out = xbot(
        h,
        &[
            "review",
            "approve",
            &id1,
            "--text-file",
            &edit_arg,
            "--force",
            "--note",
            "quoted in a debunking thread",
            "--json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"]["status"], "approved_edited");
    assert_eq!(v["warnings"][0]["level"], "critical");

    // A milder edit warns and goes through.
    std::fs::write(&edit, "Take 2 tablets with breakfast.").unwrap();
    let out = xbot(
        h,
        &[
            "review",
            "approve",
            &ids[2].to_string(),
            "--text-file",
            &edit_arg,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("[high] dosage instruction"),
        "{}",
        text(&out.stderr)
    );

    // Original with a note; reject with a reason.
    let out = xbot(
        h,
        &[
            "review",
            "approve",
            &ids[3].to_string(),
            "--original",
            "--note",
            "checked with the medical advisor",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = xbot(
        h,
        &[
            "review",
            "reject",
            &ids[4].to_string(),
            "--reason",
            "off-brand",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // The audit trail shows every attempt, the lost one included.
    let out = xbot(h, &["review", "show", &ids[0].to_string(), "--json"], &[]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let outcomes: Vec<&str> = v["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["lost_race", "applied"]);
    let shown = xbot(h, &["review", "show", &ids[1].to_string()], &[]);
    let s = text(&shown.stdout);
    assert!(s.contains("approved_edited") && s.contains("audit:"), "{s}");
}

#[test]
fn budget_shows_the_day_and_keeps_the_key_secret() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    assert!(xbot(h, &["demo"], &[]).status.success());
    let key = ("OPENAI_API_KEY", "sk-cli-secret-value-987");
    let out = xbot(h, &["budget", "--json"], &[key]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let raw = text(&out.stdout);
    assert!(!raw.contains(key.1));
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["tier"], "T2");
    assert_eq!(v["limit_usd"], 5.0);
    assert_eq!(v["expert_cap"], 20);
    assert!(v["by_feature_area"].as_array().unwrap().len() >= 3);
    assert!(!v["per_hour"].as_array().unwrap().is_empty());
    assert!(v["reserved_usd"].is_number());
    let out = xbot(h, &["budget", "--ascii"], &[key]);
    let s = text(&out.stdout);
    assert!(s.contains("tier T2") && s.contains("expert calls"), "{s}");
    assert!(s.contains("per hour"), "{s}");
    assert!(!s.contains(key.1) && !text(&out.stderr).contains(key.1));
}
