//! Issue 13, operator actions through the real binary: reads never write the shared schedule,
//! read-only never creates a database, closed pipes, JSON objects, untruncated tables.

mod common;

use std::path::Path;
use std::process::Output;

fn xbot(home: &Path, args: &[&str]) -> Output {
    let mut cmd = common::xbot_command(home);
    cmd.args(args);
    cmd.output().expect("run xbot")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

fn write_config(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.to_string_lossy().into_owned()
}

fn job<'a>(list: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|j| j["job"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

#[test]
fn reading_the_job_list_never_writes_the_shared_schedule() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("shared.db");
    let url = format!("sqlite://{}", db.display());
    let out = xbot(home.path(), &["--database-url", &url, "migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The first writer seeds the schedule (defaults: plan enabled, weight map every 6 h).
    let plain = write_config(home.path(), "plain.toml", "");
    let out = xbot(
        home.path(),
        &[
            "--config",
            &plain,
            "--database-url",
            &url,
            "jobs",
            "run",
            "budget_tier",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Another engineer's config disagrees; listing with it changes nothing.
    let other = write_config(
        home.path(),
        "other.toml",
        "[jobs.plan]\nenabled = false\n[jobs.offline_weight_map]\ninterval_minutes = 120\n",
    );
    let list = |cfg: &str| {
        json(&xbot(
            home.path(),
            &[
                "--config",
                cfg,
                "--database-url",
                &url,
                "jobs",
                "list",
                "--json",
            ],
        ))
    };
    let seen = list(&other);
    let seen = seen.get("jobs").unwrap_or(&seen);
    assert_eq!(job(seen, "plan")["enabled"], true, "{seen}");
    assert_eq!(job(seen, "offline_weight_map")["interval_minutes"], 360);
    let seen = list(&plain);
    let seen = seen.get("jobs").unwrap_or(&seen);
    assert_eq!(job(seen, "plan")["enabled"], true, "{seen}");

    // The explicit verb says what it would change, then changes it and audits it.
    let dry = json(&xbot(
        home.path(),
        &[
            "--config",
            &other,
            "--database-url",
            &url,
            "jobs",
            "apply-config",
            "--dry-run",
            "--json",
        ],
    ));
    let dry = dry.get("data").unwrap_or(&dry);
    let changed: Vec<&str> = dry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["job"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["plan", "offline_weight_map"], "{dry}");
    let seen = list(&plain);
    let seen = seen.get("jobs").unwrap_or(&seen);
    assert_eq!(
        job(seen, "plan")["enabled"],
        true,
        "dry run changed nothing"
    );
    let out = xbot(
        home.path(),
        &[
            "--config",
            &other,
            "--database-url",
            &url,
            "jobs",
            "apply-config",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("plan: changed"), "{said}");
    assert!(said.contains("enabled=false"), "{said}");
    let seen = list(&plain);
    let seen = seen.get("jobs").unwrap_or(&seen);
    assert_eq!(job(seen, "plan")["enabled"], false, "{seen}");
    assert_eq!(job(seen, "offline_weight_map")["interval_minutes"], 120);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let audit = rt.block_on(async {
        let target = xbot::config::DatabaseTarget::Sqlite {
            path: db.clone(),
            is_default: false,
        };
        let store = xbot::store::open(&target, xbot::store::MigrationPolicy::Require)
            .await
            .unwrap()
            .store;
        let a = store.audit(None, 100).await.unwrap();
        store.close().await;
        a
    });
    let applied: Vec<_> = audit
        .iter()
        .filter(|a| a.action == "apply_config")
        .collect();
    assert_eq!(applied.len(), 2, "{audit:?}");
    assert!(
        applied.iter().any(|a| a.subject == "job:plan"
            && a.to_state
                .as_deref()
                .is_some_and(|t| t.contains("enabled=false"))
            && a.from_state
                .as_deref()
                .is_some_and(|t| t.contains("enabled=true"))),
        "{audit:?}"
    );

    // Applying again changes nothing and audits nothing more.
    let out = xbot(
        home.path(),
        &[
            "--config",
            &other,
            "--database-url",
            &url,
            "jobs",
            "apply-config",
        ],
    );
    assert!(
        text(&out.stdout).contains("nothing to change"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn read_only_never_creates_a_database_that_does_not_exist() {
    let home = tempfile::tempdir().unwrap();
    let typo = home.path().join("prod-typo.db");
    let url = format!("sqlite://{}", typo.display());
    for args in [
        vec!["--read-only", "--database-url", &url, "status"],
        vec![
            "--read-only",
            "--database-url",
            &url,
            "jobs",
            "list",
            "--json",
        ],
    ] {
        let out = xbot(home.path(), &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let err = text(&out.stderr);
        assert!(err.contains("does not exist"), "{err}");
        assert!(err.contains(" migrate`") && err.contains(" demo`"), "{err}");
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }
    // Without read-only a named file is still created and migrated as before.
    let out = xbot(home.path(), &["--database-url", &url, "migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = xbot(
        home.path(),
        &["--read-only", "--database-url", &url, "status"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The embedded default database is created on first use, when not read-only.
    let out = xbot(home.path(), &["status"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(home.path().join("data/xbot/xbot.db").exists());
}

/// Run xbot with stdout a pipe whose reading end is already closed: every write is EPIPE.
fn with_closed_stdout(home: &Path, args: &[&str]) -> Output {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: a fresh pipe; both ends are owned below.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    let mut cmd = common::xbot_command(home);
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::from(write))
        .stderr(std::process::Stdio::piped());
    cmd.output().expect("run xbot")
}

#[test]
fn a_closed_pipe_ends_every_verb_quietly() {
    let home = tempfile::tempdir().unwrap();
    let versions = json(&xbot(home.path(), &["weights", "list", "--json"]));
    let versions = versions.get("versions").unwrap_or(&versions);
    let v = versions[0]["version"].to_string();
    let v = v.trim_matches('"').to_string();
    let verbs: Vec<Vec<&str>> = vec![
        vec!["leaderboard", "generator"],
        vec!["weights", "show", &v],
        vec!["weights", "list"],
        vec!["weights", "diff", &v, &v],
        vec!["status"],
        vec!["info"],
        vec!["jobs", "list"],
        vec!["jobs", "history"],
        vec!["incidents", "--all"],
        vec!["review", "list"],
        vec!["budget"],
        vec!["migrate", "--dry-run"],
    ];
    for verb in verbs {
        for json_flag in [false, true] {
            let mut args = verb.clone();
            if json_flag {
                args.push("--json");
            }
            let out = with_closed_stdout(home.path(), &args);
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
            assert!(!err.contains("panicked"), "{args:?}: {err}");
            assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        }
    }
}

#[test]
fn tables_are_not_cut_when_stdout_is_not_a_terminal() {
    let home = tempfile::tempdir().unwrap();
    let rows = json(&xbot(
        home.path(),
        &["review", "list", "--status", "all", "--json"],
    ));
    let rows = rows.get("reviews").unwrap_or(&rows);
    let longest = rows
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["original_text"].as_str())
        .max_by_key(|t| t.chars().count())
        .expect("demo reviews")
        .to_string();
    assert!(longest.chars().count() > 70, "{longest}");
    let whole = xbot::text::inert(&longest);
    for args in [
        vec!["review", "list", "--status", "all"],
        vec!["--wide", "review", "list", "--status", "all"],
    ] {
        let out = xbot(home.path(), &args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let table = text(&out.stdout);
        assert!(table.contains(&whole), "{args:?}: {whole}\n{table}");
    }
}

/// Every string in the document that itself holds a JSON object or array.
fn json_in_strings(v: &serde_json::Value, path: &str, found: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => {
            let t = s.trim_start();
            if (t.starts_with('{') || t.starts_with('['))
                && serde_json::from_str::<serde_json::Value>(s).is_ok()
            {
                found.push(format!("{path}: {s}"));
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                json_in_strings(x, &format!("{path}[{i}]"), found);
            }
        }
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                json_in_strings(x, &format!("{path}.{k}"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn json_output_holds_objects_never_json_in_strings() {
    let home = tempfile::tempdir().unwrap();
    let out = xbot(home.path(), &["jobs", "run", "objective_scores"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let versions = json(&xbot(home.path(), &["weights", "list", "--json"]));
    let list = versions.get("versions").unwrap_or(&versions);
    let v = list[0]["version"].as_str().unwrap().to_string();
    let show = json(&xbot(home.path(), &["weights", "show", &v, "--json"]));
    assert!(
        show.to_string().contains("\"content_slot\":{"),
        "weights are objects: {show}"
    );
    for args in [
        vec!["weights", "list", "--json"],
        vec!["weights", "show", &v, "--json"],
        vec!["weights", "diff", &v, &v, "--json"],
        vec!["jobs", "history", "--json"],
        vec!["jobs", "list", "--json"],
        vec!["review", "list", "--status", "all", "--json"],
        vec!["incidents", "--all", "--json"],
        vec!["status", "--json"],
        vec!["budget", "--json"],
        vec!["info", "--json"],
    ] {
        let doc = json(&xbot(home.path(), &args));
        let mut found = Vec::new();
        json_in_strings(&doc, "", &mut found);
        assert!(found.is_empty(), "{args:?}: JSON in strings: {found:#?}");
    }
}

fn load_config(dir: &Path, body: &str) -> Result<xbot::config::Config, xbot::config::ConfigError> {
    let path = dir.join("config.toml");
    std::fs::write(&path, body).unwrap();
    let flags = xbot::config::FlagOverrides {
        config: Some(path),
        ..Default::default()
    };
    xbot::config::load(&flags, &|_| None)
}

#[test]
fn the_readmes_key_rebinding_example_is_accepted_and_errors_name_what_the_user_has() {
    use xbot::console::keymap::KeyMap;
    let dir = tempfile::tempdir().unwrap();
    // The README's example, as written.
    let cfg = load_config(
        dir.path(),
        "[keys]\napprove = \"a\"\nreject = [\"x\", \"ctrl+r\"]\n",
    )
    .expect("a single key and a list of keys are both accepted");
    let km = KeyMap::build(&cfg.keys).expect("no conflict");
    let names = km.action_names();
    assert!(
        names.iter().any(|(n, k)| *n == "approve" && k == "a"),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|(n, k)| *n == "reject" && k.contains("ctrl+r")),
        "{names:?}"
    );

    // A conflict names the user's file and the binding they wrote, never "default".
    let file = dir.path().join("config.toml").display().to_string();
    let cfg = load_config(dir.path(), "[keys]\nrefresh = \"a\"\n").unwrap();
    let err = KeyMap::build(&cfg.keys).unwrap_err().to_string();
    assert!(err.contains(&file), "{err}");
    assert!(err.contains("keys.refresh"), "{err}");
    assert!(!err.starts_with("default"), "{err}");

    // Theme errors name the user's theme file and the roles, not a path in xbot's sources.
    let themes = dir.path().join("themes");
    std::fs::create_dir_all(&themes).unwrap();
    std::fs::write(themes.join("mine.toml"), "[styles]\nnot_a_role = \"red\"\n").unwrap();
    let err = match xbot::console::theme::Theme::load("mine", &themes, false) {
        Ok(_) => panic!("an unknown role is an error"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains(&themes.join("mine.toml").display().to_string()),
        "{err}"
    );
    assert!(!err.contains("themes/dark.toml"), "{err}");
    assert!(err.contains("selection"), "names the known roles: {err}");
}

#[test]
fn help_shows_the_action_names_that_config_errors_use() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::{Terminal, backend::TestBackend};
    let mut s = common::console_state(
        common::console_setup("sqlite:///x.db", false, false),
        "dark",
        chrono::Utc::now(),
    );
    xbot::console::update::update(
        &mut s,
        xbot::console::msg::Msg::Key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::NONE)),
    );
    let mut t = Terminal::new(TestBackend::new(120, 300)).unwrap();
    t.draw(|f| xbot::console::draw::draw(f, &s)).unwrap();
    let buf = t.backend().buffer();
    let mut screen = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            screen.push_str(buf[(x, y)].symbol());
        }
        screen.push('\n');
    }
    for name in ["approve", "reject", "refresh", "next_tab", "quit"] {
        assert!(
            screen.lines().any(|l| l.contains(&format!("  {name} "))),
            "{name} missing from help:\n{screen}"
        );
    }
}

#[test]
fn resuming_after_a_stop_redraws_the_whole_screen() {
    let home = tempfile::tempdir().unwrap();
    let out = xbot(home.path(), &["status"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let wait = std::time::Duration::from_secs(20);
    let pty = common::pty::Pty::spawn(common::xbot_command(home.path()), 100, 30);
    pty.wait_text("enter jumps to the item", wait);
    // Stopped from outside (as job control does), the shell draws over the screen meanwhile.
    pty.signal(libc::SIGSTOP);
    std::thread::sleep(std::time::Duration::from_millis(300));
    pty.feed(b"\x1b[2J\x1b[H[1]+  Stopped   xbot\r\n$ fg\r\n");
    assert!(!pty.screen().contains("enter jumps to the item"));
    pty.signal(libc::SIGCONT);
    let screen = pty.wait_text("enter jumps to the item", std::time::Duration::from_secs(3));
    assert!(screen.contains("0 Overview"), "{screen}");
    let mut pty = pty;
    pty.send("q");
    assert!(pty.wait_exit(wait).success());
}
