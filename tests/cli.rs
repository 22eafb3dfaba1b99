//! The real binary: first run, status, leaderboards, info, demo, and bad input.

mod common;

use std::path::Path;
use std::process::Output;

fn xbot(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = common::xbot_command(home);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run xbot")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn first_run_creates_and_fills_the_demo_database_once() {
    let home = tempfile::tempdir().unwrap();
    let out = xbot(home.path(), &["status"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(home.path().join("data/xbot/xbot.db").exists());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("(DEMO)"), "{stdout}");
    assert!(stdout.contains("pending safety reviews"), "{stdout}");
    assert!(text(&out.stderr).contains("first run"));

    let json = xbot(home.path(), &["status", "--json"], &[]);
    assert!(json.status.success());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(v["health"]["posts_7d"].as_i64().unwrap() > 50);
    assert_eq!(v["tier"], "T2");
    assert!(
        !text(&json.stderr).contains("first run"),
        "seeded only once"
    );

    let lb = xbot(
        home.path(),
        &["leaderboard", "generator", "--json", "--lambda", "0.2"],
        &[],
    );
    assert!(lb.status.success(), "{}", text(&lb.stderr));
    let v: serde_json::Value = serde_json::from_slice(&lb.stdout).unwrap();
    assert_eq!(v["lambda"], 0.2);
    assert!(v["entries"].as_array().unwrap().len() >= 10);

    let info = xbot(
        home.path(),
        &["info"],
        &[("OPENAI_API_KEY", "sk-secret-value-123")],
    );
    assert!(info.status.success());
    let info_out = text(&info.stdout);
    assert!(info_out.contains("ai.api_key"), "{info_out}");
    assert!(!info_out.contains("sk-secret-value-123"), "{info_out}");
}

#[test]
fn demo_refuses_to_overwrite_without_reset() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("named.db");
    let url = format!("sqlite://{}", db.display());
    // A named database is created and migrated but never seeded by itself.
    let out = xbot(
        home.path(),
        &["--database-url", &url, "status", "--json"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["health"]["total_posts"], 0);
    assert_eq!(v["demo"], false);

    let out = xbot(
        home.path(),
        &["--database-url", &url, "demo", "--scale", "300"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let again = xbot(home.path(), &["--database-url", &url, "demo"], &[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("--reset"));
    let reset = xbot(
        home.path(),
        &["--database-url", &url, "demo", "--reset", "--json"],
        &[],
    );
    assert!(reset.status.success(), "{}", text(&reset.stderr));
    let v: serde_json::Value = serde_json::from_slice(&reset.stdout).unwrap();
    assert_eq!(v["posts"], 1400);
}

#[test]
fn bad_config_is_one_line_exit_2_naming_file_key_and_value() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("config/xbot")).unwrap();
    let file = home.path().join("config/xbot/config.toml");
    std::fs::write(&file, "[budget]\ndaily_limit_usd = \"lots\"\n").unwrap();
    let out = xbot(home.path(), &["status"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(err.contains("budget.daily_limit_usd = \"lots\""), "{err}");
    assert!(
        !home.path().join("data/xbot/xbot.db").exists(),
        "nothing created"
    );

    std::fs::write(
        &file,
        "[plan]\ngenerators = [\"dataNerd\", \"hypeMachine\"]\n",
    )
    .unwrap();
    let out = xbot(home.path(), &["status"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown generator \"hypeMachine\""));
}

#[test]
fn bad_flags_and_urls_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let out = xbot(home.path(), &["status", "--bogus"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = xbot(home.path(), &["leaderboard", "colour"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown leaderboard"));
    let out = xbot(home.path(), &["leaderboard", "tone", "--lambda", "-1"], &[]);
    assert_eq!(out.status.code(), Some(2));

    let out = xbot(
        home.path(),
        &["status"],
        &[("DATABASE_URL", "postgres://u:pa55word@127.0.0.1:1/x")],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("u:****@127.0.0.1:1"), "{err}");
    assert!(!err.contains("pa55word"), "{err}");

    let out = xbot(
        home.path(),
        &["--database-url", "mysql://x/y", "status"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("flag --database-url"));

    let missing_dir = home.path().join("nope/sub/x.db");
    let url = format!("sqlite://{}", missing_dir.display());
    let out = xbot(home.path(), &["--database-url", &url, "status"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("does not exist"));
    assert!(!missing_dir.exists());

    let not_a_db = home.path().join("text.db");
    std::fs::write(&not_a_db, "this is not sqlite").unwrap();
    let url = format!("sqlite://{}", not_a_db.display());
    let out = xbot(home.path(), &["--database-url", &url, "status"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&not_a_db).unwrap(),
        "this is not sqlite",
        "left untouched"
    );
}

#[test]
fn postgres_gives_the_same_commands_the_same_shape() {
    let Ok(admin) = std::env::var("XBOT_TEST_DATABASE_URL") else {
        if std::env::var("XBOT_REQUIRE_PG").is_ok_and(|v| v == "1") {
            panic!("XBOT_REQUIRE_PG=1 but XBOT_TEST_DATABASE_URL is not set");
        }
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (url, database) = rt.block_on(common::fresh_database(&admin, "c"));
    let env = [("DATABASE_URL", url.as_str())];
    let out = xbot(home.path(), &["demo", "--json"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = xbot(home.path(), &["status", "--json"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["backend"], "postgres");
    assert!(v["health"]["pending_reviews"].as_i64().unwrap() > 0);
    assert!(v["database"].as_str().unwrap().starts_with("postgres://"));
    let out = xbot(home.path(), &["leaderboard", "slot"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("slot leaderboard"));
    rt.block_on(common::drop_database(&admin, &database));
}
