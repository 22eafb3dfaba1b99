//! `xbot screen`: the guard from the shell, without a database.

mod common;

use std::io::Write as _;
use std::process::Stdio;

fn screen(args: &[&str], input: &str) -> (Option<i32>, String, String) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = common::xbot_command(home.path());
    cmd.arg("screen")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    // No database was created.
    assert!(!home.path().join("data/xbot/xbot.db").exists());
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_post_passes_exit_0() {
    let (code, out, err) = screen(
        &[],
        "Aim for 7 to 9 hours of sleep a night.\nWalking after meals may help blood sugar.\n",
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("pass")).count(),
        2,
        "{out}"
    );
}

#[test]
fn json_lines_in_input_order_exit_1() {
    let input = "Vaccines are safe and well studied.\n\
                 \"Thread 1/2: magnesium basics.\\n2/2 V@ccines c a u s e autism.\"\n\
                 Take 400 mg of magnesium before bed.\n";
    let (code, out, err) = screen(&["--json"], input);
    assert_eq!(code, Some(1), "{out}{err}");
    // Findings, like a linter's: a summary, not an error.
    assert!(
        err.contains("2 of 3 post(s) held or rejected") && !err.contains("error"),
        "{err}"
    );
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["decision"], "pass");
    assert_eq!(rows[0]["level"], "low");
    assert_eq!(rows[0]["hits"].as_array().unwrap().len(), 0);
    // The JSON string line was decoded (a newline inside the post) and the disguise seen
    // through; the span points at the original spelling.
    assert_eq!(rows[1]["decision"], "reject");
    assert_eq!(rows[1]["level"], "critical");
    let hit = &rows[1]["hits"][0];
    assert_eq!(hit["text"], "V@ccines c a u s e autism");
    assert_eq!(hit["category"], "against_consensus");
    let post = "Thread 1/2: magnesium basics.\n2/2 V@ccines c a u s e autism.";
    let (s, e) = (
        hit["start"].as_u64().unwrap() as usize,
        hit["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&post[s..e], "V@ccines c a u s e autism");
    assert_eq!(rows[2]["decision"], "hold");
    assert_eq!(rows[2]["level"], "high");
    assert_eq!(rows[2]["line"], 3);
}

#[test]
fn bad_input_exit_2() {
    let (code, _, err) = screen(&[], "fine post\n\"unterminated json string\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("line 2"), "{err}");
    let (code, _, err) = screen(&["/nonexistent/posts.txt"], "");
    assert_eq!(code, Some(2), "{err}");
}

fn screen_with_rules(rules: &str, input: &str) -> (Option<i32>, String, String) {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("local-rules.toml");
    std::fs::write(&file, rules).unwrap();
    std::fs::create_dir_all(home.path().join("config/xbot")).unwrap();
    std::fs::write(
        home.path().join("config/xbot/config.toml"),
        format!("[ai]\nrules_file = {:?}\n", file.display().to_string()),
    )
    .unwrap();
    let mut cmd = common::xbot_command(home.path());
    cmd.args(["screen", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const LOCAL: &str = r#"
[[rule]]
id = "local.snake_oil"
category = "cure_claim"
level = "critical"
why = "sells snake oil"
patterns = ['''\bsnake\s+oil\b''']
match = ["Buy snake oil today."]
no_match = ["Oil your bike chain."]
"#;

#[test]
fn a_local_rules_file_from_the_config() {
    let (code, out, err) = screen_with_rules(LOCAL, "Our snake oil is back in stock.\n");
    assert_eq!(code, Some(1), "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["decision"], "reject");
    assert_eq!(v["hits"][0]["rule"], "local.snake_oil");
    // A bad file stops start-up with the file, the rule and the field.
    let (code, _, err) = screen_with_rules(&LOCAL.replace("critical", "fatal"), "x\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("local-rules.toml"), "{err}");
    assert!(err.contains("local.snake_oil"), "{err}");
    assert!(err.contains("field level"), "{err}");
}

/// A rules directory (`XBOT_GUARD_RULES_DIR`, for rule authors) with a bad rules file, word
/// model, severity model or critical model is exit 2 naming the file, never a screen run silently
/// on something else.
#[test]
fn a_bad_rules_directory_is_exit_2_naming_the_file() {
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for (bad_file, content, says) in [
        ("lexical_model.json", "{}", "missing field `format`"),
        ("severity_model.json", "{}", "missing field `format`"),
        ("critical_model.json", "{}", "missing field `format`"),
        ("dosage.toml", "bad = [", "TOML parse error"),
    ] {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("rules");
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&rules).unwrap() {
            let p = entry.unwrap().path();
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
        std::fs::write(dir.join(bad_file), content).unwrap();
        let out = common::xbot_command(home.path())
            .arg("screen")
            .env("XBOT_GUARD_RULES_DIR", &dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(bad_file) && err.contains(says), "{err}");
    }
}
