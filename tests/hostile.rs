//! Bad data and hostile text (SPEC §7 "every string from the database is made inert", §8 "bad
//! data never panics the console"): the corpus of `common/hostile.rs` loaded into a demo
//! database on both backends, then
//! - every tab, its rows scrolled through, and each row's detail and raw-JSON views rendered
//!   in-process at 80x24 and 200x60: no panic, and no cell ever holds a control character,
//!   ESC, DEL, a C1 control or a bidi formatting character, while the hostile rows are on
//!   screen (their inert markers are seen);
//! - the learning jobs over the corpus: no panic, every run finishes;
//! - the CLI verbs that print this data, text and `--json`: no panic, no raw controls in text,
//!   valid JSON;
//! - the real binary in a pseudo-terminal (SQLite): no OSC, DCS, cursor query, BEL, C1 or bidi
//!   byte reaches the terminal, and the terminal is given back.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use common::TestDb;
use common::hostile::{self, Loaded};
use common::pty::{Modes, Pty, TABS};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use xbot::config::Config;
use xbot::console::draw::draw;
use xbot::console::effects;
use xbot::console::keymap::Action;
use xbot::console::msg::{Effect, Msg, Query};
use xbot::console::state::{Mode, State};
use xbot::console::tabs::{self, TabId};
use xbot::console::update::{load, on_action, tab_query, update};
use xbot::jobs::runner::{RunReport, run_job};
use xbot::jobs::{JobEnv, JobProgress};
use xbot::learning::dimension::Dimension;
use xbot::store::demo::{DemoOptions, seed};
use xbot::store::ops::jobs::{RunStatus, Trigger};

/// A fixed clock for the in-process tests (the corpus sits in the last hour of the budget day).
fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 30, 0).unwrap()
}

/// Demo posts: enough for every tab to have company for the corpus, few enough to be quick.
const DEMO_POSTS: usize = 400;

/// Seed the demo dataset at `now`, sync the job schedules (as the console does at start-up)
/// and load the corpus.
async fn corpus_db(db: &TestDb, now: DateTime<Utc>) -> Loaded {
    let mut opts = DemoOptions::new(now, chrono_tz::Tz::UTC);
    opts.posts = DEMO_POSTS;
    seed(db.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .expect("demo seed");
    db.store
        .sync_schedules(&xbot::jobs::catalog::effective(&BTreeMap::new()), now)
        .await
        .expect("sync schedules");
    let loaded = hostile::load(db, now).await;
    assert!(loaded.entries >= 30, "the corpus has {}", loaded.entries);
    loaded
}

#[test]
fn the_corpus_is_named_and_covers_every_category() {
    use hostile::Category::*;
    let corpus = hostile::corpus();
    assert!(corpus.len() >= 30, "{} entries", corpus.len());
    let names: BTreeSet<&str> = corpus.iter().map(|e| e.name).collect();
    assert_eq!(names.len(), corpus.len(), "entry names are unique");
    let mut per: BTreeMap<hostile::Category, usize> = BTreeMap::new();
    for e in &corpus {
        *per.entry(e.category).or_default() += 1;
    }
    for c in [
        Escape, Control, Bidi, Unicode, Size, Metric, Json, Unknown, Time,
    ] {
        assert!(
            per.get(&c).is_some_and(|n| *n > 0),
            "no {c:?} entry: {per:?}"
        );
    }
    eprintln!("{} entries: {per:?}", corpus.len());
}

fn state(now: DateTime<Utc>) -> State {
    common::console_state(
        common::console_setup("sqlite:///hostile/xbot.db", false, false),
        "dark",
        now,
    )
}

/// Run the loads among `effects` the way the executor would and hand the answers to
/// `update`; other effects (actions on the database) are not run.
async fn run_loads(s: &mut State, db: &TestDb, now: DateTime<Utc>, effects: Vec<Effect>) {
    for effect in effects {
        if let Effect::Load { req, query } = effect {
            let data = effects::load(db.store.as_ref(), &s.setup, &query, now)
                .await
                .unwrap_or_else(|e| panic!("load {query:?} failed: {e}"));
            update(
                s,
                Msg::Loaded {
                    req,
                    result: Ok(Box::new(data)),
                },
            );
        }
    }
}

async fn act(s: &mut State, db: &TestDb, now: DateTime<Utc>, action: Action) {
    let effects = on_action(s, action);
    run_loads(s, db, now, effects).await;
}

async fn open_tab(s: &mut State, db: &TestDb, now: DateTime<Utc>, tab: TabId) {
    s.tab = tab;
    let status = load(s, Query::Status);
    run_loads(s, db, now, vec![status]).await;
    let q = tab_query(s, tab);
    let effect = load(s, q);
    run_loads(s, db, now, vec![effect]).await;
}

/// Close a detail, raw-JSON or editor view.
fn close_view(s: &mut State) {
    if !matches!(s.mode, Mode::Normal) {
        update(s, Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    }
    assert!(matches!(s.mode, Mode::Normal), "{:?}", s.mode);
}

/// Render at `w`x`h`: every cell must be free of forbidden characters. Returns the markers of
/// corpus entries on screen.
fn check(s: &State, w: u16, h: u16, what: &str) -> BTreeSet<String> {
    // The text of views and dialogs is made inert when they open (ratatui drops some
    // characters itself when wrapping; the state must not rely on that).
    let texts: Vec<&str> = match &s.mode {
        Mode::View { title, lines, .. } => std::iter::once(title.as_str())
            .chain(lines.iter().map(String::as_str))
            .collect(),
        Mode::Confirm(c) => std::iter::once(c.title.as_str())
            .chain(c.lines.iter().map(String::as_str))
            .collect(),
        Mode::Prompt(p) => vec![p.title.as_str(), p.input.as_str()],
        _ => Vec::new(),
    };
    for t in texts {
        if let Some(c) = t.chars().find(|&c| hostile::forbidden(c)) {
            panic!("{what}: U+{:04X} in a dialog's text: {t:?}", c as u32);
        }
    }
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, s)).unwrap();
    let buf = t.backend().buffer();
    let mut screen = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let sym = buf[(x, y)].symbol();
            if let Some(c) = sym.chars().find(|&c| hostile::forbidden(c)) {
                panic!(
                    "{what}: U+{:04X} reached cell ({x}, {y}) in {sym:?}; the screen:\n{}",
                    c as u32,
                    screen_text(&t)
                );
            }
            screen.push_str(sym);
        }
        screen.push('\n');
    }
    // ratatui itself drops control characters, so a raw string would pass the check above
    // with its ESC silently gone: what is left of an escape sequence ("[31m") then stands
    // alone. Made inert, it is shown after the ESC mark ("␛[31m"). (Views and dialogs wrap,
    // which can part a mark from its tail; their text is checked in the state above.)
    let lines = if matches!(s.mode, Mode::Normal) {
        screen.lines().collect()
    } else {
        Vec::new()
    };
    for (y, line) in lines.into_iter().enumerate() {
        if let Some((at, tail)) = hostile::bare_escape_tail(line) {
            panic!(
                "{what}: {tail:?} without its ␛ mark at line {y}, byte {at} (drawn without \
                 being made inert):\n{line}"
            );
        }
    }
    hostile::markers_in(&screen)
}

fn screen_text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Rows of the tab's main list, in the order the selection moves through them.
fn rows(s: &State, tab: TabId) -> usize {
    let t = &s.tabs;
    match tab {
        TabId::Outcomes => t.outcomes.rows.len(),
        TabId::Leaderboards => tabs::leaderboards::visible(&t.leaderboards).len(),
        TabId::Weights => t.weights.versions.len(),
        TabId::Slots => t.slots.board.len(),
        TabId::Safety => tabs::safety::visible(&t.safety).len(),
        TabId::Replies => tabs::replies::visible(&t.replies).len(),
        TabId::Budget => 1,
        TabId::Jobs => tabs::jobs::visible(&t.jobs).len(),
        TabId::Incidents => tabs::incidents::visible(&t.incidents).len(),
        TabId::Overview => 0,
    }
}

/// The corpus sorts to the top of every list; past this many rows there is only demo data.
const MAX_ROWS: usize = 70;

/// Walk the selection down the tab's rows, opening each row's detail view (Enter) and raw JSON
/// (`y`) on the way, then jump to the bottom and back. Returns the markers seen.
async fn walk(s: &mut State, db: &TestDb, now: DateTime<Utc>, w: u16, h: u16) -> BTreeSet<String> {
    let tab = s.tab;
    let mut seen = BTreeSet::new();
    let n = rows(s, tab).min(MAX_ROWS);
    for i in 0..n {
        if i > 0 {
            act(s, db, now, Action::Down).await;
        }
        let at = |what: &str| format!("{tab:?} {w}x{h} row {i} {what}");
        seen.extend(check(s, w, h, &at("list")));
        match tab {
            // Enter goes to an incident's subject (another tab); `d` opens its details.
            TabId::Incidents => {
                act(s, db, now, Action::IncidentDetails).await;
                seen.extend(check(s, w, h, &at("detail")));
                close_view(s);
            }
            // Enter opens a detail view (Outcomes: after a load) or loads a history pane.
            TabId::Outcomes | TabId::Safety | TabId::Replies | TabId::Jobs => {
                act(s, db, now, Action::Open).await;
                seen.extend(check(s, w, h, &at("detail")));
                close_view(s);
            }
            TabId::Weights => {
                // The diff against the version before, and every feature.
                act(s, db, now, Action::ToggleDiff).await;
                seen.extend(check(s, w, h, &at("diff")));
                act(s, db, now, Action::ToggleDiff).await;
                for f in 0..xbot::learning::weights::FEATURES.len() {
                    act(s, db, now, Action::Right).await;
                    act(s, db, now, Action::Open).await;
                    seen.extend(check(s, w, h, &at(&format!("feature {f}"))));
                }
            }
            _ => {}
        }
        act(s, db, now, Action::RawJson).await;
        seen.extend(check(s, w, h, &at("raw json")));
        close_view(s);
        // The confirmations and editors that quote the selected row.
        let asks: &[Action] = match tab {
            TabId::Safety => &[Action::ApproveRewrite, Action::ApproveEdited],
            TabId::Replies => &[Action::Pin, Action::Mute],
            TabId::Jobs => &[Action::CancelJob, Action::ToggleJob],
            _ => &[],
        };
        for &a in asks {
            act(s, db, now, a).await;
            seen.extend(check(s, w, h, &at(&format!("{a:?}"))));
            close_view(s);
        }
    }
    act(s, db, now, Action::Bottom).await;
    seen.extend(check(s, w, h, &format!("{tab:?} {w}x{h} bottom")));
    act(s, db, now, Action::RawJson).await;
    seen.extend(check(s, w, h, &format!("{tab:?} {w}x{h} bottom raw json")));
    close_view(s);
    act(s, db, now, Action::PageUp).await;
    seen.extend(check(s, w, h, &format!("{tab:?} {w}x{h} page up")));
    act(s, db, now, Action::Top).await;
    seen
}

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 60)];

/// Every tab, scrolled through with its detail and raw-JSON views, at both sizes.
async fn every_tab_renders_the_corpus_inert(db: &TestDb) {
    let now = fixed_now();
    let loaded = corpus_db(db, now).await;
    let mut all_seen = BTreeSet::new();
    for (w, h) in SIZES {
        let mut s = state(now);
        s.size = (w, h);
        for tab in TabId::ALL {
            open_tab(&mut s, db, now, tab).await;
            let mut seen = BTreeSet::new();
            if tab == TabId::Leaderboards {
                // Every dimension: the corpus's names are in each of them.
                for _ in Dimension::ALL {
                    seen.extend(walk(&mut s, db, now, w, h).await);
                    act(&mut s, db, now, Action::Right).await;
                }
            } else {
                seen.extend(walk(&mut s, db, now, w, h).await);
            }
            assert!(
                !seen.is_empty(),
                "{tab:?} {w}x{h}: no corpus row was ever on screen"
            );
            all_seen.extend(seen);
        }
        // The session's messages, which quote what the database said.
        act(&mut s, db, now, Action::Messages).await;
        check(&s, w, h, "messages");
        close_view(&mut s);
    }
    let missing: Vec<&String> = loaded
        .text_markers
        .iter()
        .filter(|m| !all_seen.contains(*m))
        .collect();
    assert!(
        missing.is_empty(),
        "text entries never seen on any screen: {missing:?}"
    );
}
contract!(every_tab_renders_the_corpus_inert);

/// The Outcomes tab pages by keyset over NULL, NaN, infinite, negative and out-of-range
/// scores and far-off times: in both sort orders and both directions every posted decision is
/// listed exactly once, and the pages end.
async fn outcomes_page_through_bad_scores_and_times(db: &TestDb) {
    let now = fixed_now();
    let loaded = corpus_db(db, now).await;
    for sort_by_score in [false, true] {
        for reversed in [false, true] {
            let what = format!("score {sort_by_score} reversed {reversed}");
            let mut s = state(now);
            s.size = (80, 24);
            open_tab(&mut s, db, now, TabId::Outcomes).await;
            if sort_by_score {
                act(&mut s, db, now, Action::SortNext).await;
            }
            if reversed {
                act(&mut s, db, now, Action::SortReverse).await;
            }
            let mut seen: Vec<String> = Vec::new();
            for page in 0.. {
                assert!(page < 50, "{what}: the pages never end");
                check(&s, 80, 24, &format!("Outcomes {what} page {page}"));
                seen.extend(s.tabs.outcomes.rows.iter().map(|r| r.decision_id.clone()));
                if !s.tabs.outcomes.has_more {
                    break;
                }
                act(&mut s, db, now, Action::Bottom).await;
                act(&mut s, db, now, Action::Down).await;
            }
            let unique: BTreeSet<&String> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "{what}: a decision listed twice");
            let total = s.tabs.outcomes.health.as_ref().map(|h| h.total_posts);
            assert_eq!(
                Some(seen.len() as i64),
                total,
                "{what}: not every post listed"
            );
            for d in &loaded.decisions {
                assert!(unique.contains(d), "{what}: {d:?} never listed");
            }
        }
    }
}
contract!(outcomes_page_through_bad_scores_and_times);

/// Bad AI-usage rows (NaN, infinite, negative costs) are skipped by the day's spend, which
/// the budget tier, the ledger and the header read: they must not hide the real spend (a NaN
/// summed to NaN, which counted as no spend at all).
async fn bad_cost_rows_do_not_hide_the_days_spend(db: &TestDb) {
    let now = fixed_now();
    let mut opts = DemoOptions::new(now, chrono_tz::Tz::UTC);
    opts.posts = DEMO_POSTS;
    seed(db.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .unwrap();
    let tz = chrono_tz::Tz::UTC;
    let (start, end) =
        xbot::learning::slots::day_bounds_utc(xbot::learning::slots::local_date(now, tz), tz);
    let before = db.store.spend_between(start, end).await.unwrap();
    assert!(before > 0.0, "the demo day has spend");
    hostile::load(db, now).await;
    let after = db.store.spend_between(start, end).await.unwrap();
    assert!(
        after.is_finite() && after >= before,
        "spend {before} before the corpus, {after} after"
    );
    let report = db.store.budget_report(start, end, now).await.unwrap();
    assert!(
        report.spent_usd.is_finite() && report.spent_usd >= before,
        "{}",
        report.spent_usd
    );
    for line in report.by_model.iter().chain(&report.by_feature_area) {
        assert!(
            line.cost_usd.is_finite() && line.cost_usd >= 0.0,
            "{line:?}"
        );
    }
}
contract!(bad_cost_rows_do_not_hide_the_days_spend);

fn env_for(db: &TestDb, now: DateTime<Utc>) -> JobEnv {
    let mut env = JobEnv::new(
        db.store.clone(),
        Arc::new(Config::defaults_for_tests(db.target.clone())),
    );
    env.owner = "hostile@test:1".into();
    env.clock = Arc::new(move || now);
    env
}

/// The jobs that read the corpus's tables (expert_review needs an AI endpoint, and its
/// lease is held by the corpus's running run).
const JOBS: [&str; 7] = [
    "objective_scores",
    "offline_weight_map",
    "reply_priority_learning",
    "budget_tier",
    "job_watchdog",
    "plan",
    "safety_review",
];

/// The learning jobs over the corpus: each run finishes (bad rows skipped), nothing panics,
/// and the tabs that show the jobs' results still render inert.
async fn learning_jobs_survive_the_corpus(db: &TestDb) {
    let now = fixed_now();
    corpus_db(db, now).await;
    let env = env_for(db, now);
    for job in JOBS {
        let (tx, _rx) = watch::channel(JobProgress::default());
        let report = run_job(&env, job, Trigger::Manual, CancellationToken::new(), tx)
            .await
            .unwrap_or_else(|e| panic!("{job}: could not run: {e}"));
        match report {
            RunReport::Finished { status, reason, .. } => assert!(
                matches!(status, RunStatus::Succeeded | RunStatus::Skipped),
                "{job} {status:?}: {reason:?}"
            ),
            RunReport::Held { owner, .. } => panic!("{job} held by {owner}"),
        }
    }
    // What the jobs wrote (weight maps of hostile values, priorities, scores) renders inert.
    let mut s = state(now);
    for (w, h) in SIZES {
        s.size = (w, h);
        for tab in [
            TabId::Outcomes,
            TabId::Weights,
            TabId::Replies,
            TabId::Budget,
            TabId::Jobs,
            TabId::Incidents,
        ] {
            open_tab(&mut s, db, now, tab).await;
            walk(&mut s, db, now, w, h).await;
        }
    }
}
contract!(learning_jobs_survive_the_corpus);

// ---------------------------------------------------------------------------------------------
// The CLI.

fn xbot(home: &Path, url: &str, args: &[&str]) -> Output {
    common::xbot_command(home)
        .args(args)
        .env("DATABASE_URL", url)
        .output()
        .expect("run xbot")
}

/// The first forbidden character in terminal text (newlines separate lines and are allowed).
fn first_forbidden(text: &str) -> Option<(usize, char)> {
    text.char_indices()
        .find(|&(_, c)| c != '\n' && hostile::forbidden(c))
}

/// The verbs that print the corpus: each as text and as JSON.
const VERBS: &[&[&str]] = &[
    &["status"],
    &["leaderboard", "generator"],
    &["leaderboard", "topic"],
    &["leaderboard", "tone"],
    &["leaderboard", "hook"],
    &["leaderboard", "slot"],
    &["leaderboard", "decision_type"],
    &["review", "list"],
    &["review", "list", "--status", "all"],
    &["jobs", "history"],
    &["jobs", "list"],
    &["incidents"],
    &["incidents", "--all"],
    &["review", "list", "--status", "rejected"],
    &["weights", "list"],
    &["budget"],
];

async fn cli_verbs_print_the_corpus_inert(db: &TestDb) {
    // The binary reads the real clock.
    let now = Utc::now();
    let loaded = corpus_db(db, now).await;
    let home = tempfile::tempdir().unwrap();
    for verb in VERBS {
        for json in [false, true] {
            let mut args: Vec<&str> = verb.to_vec();
            if json {
                args.push("--json");
            }
            let out = xbot(home.path(), &db.url, &args);
            let stdout = String::from_utf8(out.stdout.clone())
                .unwrap_or_else(|e| panic!("{args:?}: stdout is not UTF-8: {e}"));
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(
                out.status.success(),
                "{args:?} failed ({:?}): {stderr}",
                out.status
            );
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            if let Some((at, c)) = first_forbidden(&stderr) {
                panic!("{args:?}: U+{:04X} on stderr at {at}: {stderr:?}", c as u32);
            }
            if json {
                serde_json::from_str::<serde_json::Value>(&stdout)
                    .unwrap_or_else(|e| panic!("{args:?}: invalid JSON ({e}):\n{stdout}"));
            } else if let Some((at, c)) = first_forbidden(&stdout) {
                let from = stdout[..at]
                    .char_indices()
                    .rev()
                    .nth(60)
                    .map_or(0, |(i, _)| i);
                panic!(
                    "{args:?}: U+{:04X} in the text output at byte {at}: …{:?}",
                    c as u32,
                    &stdout[from..(at + 20).min(stdout.len())]
                );
            }
        }
    }
    // Every corpus weight map shown by version: the malformed ones are a clear error (exit
    // 1) that quotes their keys inert; the others print.
    for version in loaded.versions.iter().filter(|v| !v.contains('\0')) {
        for json in [false, true] {
            let mut args = vec!["weights", "show", version.as_str()];
            if json {
                args.push("--json");
            }
            let out = xbot(home.path(), &db.url, &args);
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            match out.status.code() {
                Some(0) if json => {
                    serde_json::from_str::<serde_json::Value>(&stdout)
                        .unwrap_or_else(|e| panic!("{args:?}: invalid JSON ({e}):\n{stdout}"));
                }
                Some(0) => assert_eq!(first_forbidden(&stdout), None, "{args:?}: {stdout:?}"),
                Some(1) => assert!(stderr.contains("malformed"), "{args:?}: {stderr}"),
                other => panic!("{args:?}: exit {other:?}: {stderr}"),
            }
            assert_eq!(first_forbidden(&stderr), None, "{args:?}: {stderr:?}");
        }
    }
    // Every corpus review in full, with a hostile audit trail.
    let reviews: Vec<_> = db
        .store
        .reviews(&[], 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.decision_id.starts_with("hx"))
        .collect();
    assert!(reviews.len() >= 30, "{} corpus reviews", reviews.len());
    let hostile_text = "\u{1b}]52;c;AAAA\u{7}\u{1b}[2J\u{202e}\u{9b}31m";
    let mut audit = xbot::store::types::Batch::default();
    for r in &reviews {
        audit.audit.push(xbot::store::types::AuditRow {
            action_id: uuid::Uuid::new_v4().to_string(),
            subject: format!("safety_review:{}", r.id),
            action: format!("approve{hostile_text}"),
            from_state: Some(format!("pending{hostile_text}")),
            to_state: Some(format!("approved{hostile_text}")),
            outcome: format!("applied{hostile_text}"),
            operator: format!("op{hostile_text}"),
            os_user: format!("user{hostile_text}"),
            ssh_client: None,
            host: format!("host{hostile_text}"),
            app_version: "0".into(),
            at: now,
            note: Some(format!("note{hostile_text}")),
        });
    }
    db.store.write_batch(&audit).await.unwrap();
    for r in &reviews {
        let id = r.id.to_string();
        for json in [false, true] {
            let mut args = vec!["review", "show", id.as_str()];
            if json {
                args.push("--json");
            }
            let out = xbot(home.path(), &db.url, &args);
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(out.status.success(), "{args:?}: {stderr}");
            assert_eq!(first_forbidden(&stderr), None, "{args:?}: {stderr:?}");
            if json {
                serde_json::from_str::<serde_json::Value>(&stdout)
                    .unwrap_or_else(|e| panic!("{args:?}: invalid JSON ({e}):\n{stdout}"));
            } else if let Some((at, c)) = first_forbidden(&stdout) {
                panic!(
                    "{args:?}: U+{:04X} at byte {at} of the text output:\n{stdout:?}",
                    c as u32
                );
            }
        }
    }
    // The hostile rows were printed (markers), so the check above was not vacuous.
    let out = xbot(home.path(), &db.url, &["review", "list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !hostile::markers_in(&text).is_empty(),
        "no corpus review listed:\n{text}"
    );
    let out = xbot(home.path(), &db.url, &["incidents", "--all"]);
    assert!(!hostile::markers_in(&String::from_utf8_lossy(&out.stdout)).is_empty());
}
contract!(cli_verbs_print_the_corpus_inert);

// ---------------------------------------------------------------------------------------------
// The real binary in a pseudo-terminal.

const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const SHORT: Duration = Duration::from_secs(20);

fn console(home: &Path, url: &str) -> Command {
    let mut cmd = common::xbot_command(home);
    cmd.args(["--database-url", url]);
    cmd
}

/// Go through every tab, opening a few rows' details and raw JSON on the way.
fn tour(pty: &mut Pty) {
    for (key, title) in TABS {
        pty.send(key);
        pty.wait_text(title, SHORT);
        // A few rows down (the corpus is at the top), a detail view, the raw JSON.
        pty.keys(&["j", "j"]);
        if matches!(key, "1" | "5" | "9") {
            pty.send(ENTER);
            std::thread::sleep(Duration::from_millis(300));
            pty.send(ESC);
        }
        pty.send("y");
        std::thread::sleep(Duration::from_millis(200));
        pty.send(ESC);
        pty.send("g");
    }
}

/// What must never be in the bytes written to the terminal, with a name for the failure.
fn raw_violations(raw: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let find = |needle: &[u8]| raw.windows(needle.len()).position(|w| w == needle);
    for (name, needle) in [
        ("OSC (ESC ])", &b"\x1b]"[..]),
        ("DCS (ESC P)", b"\x1bP"),
        ("APC (ESC _)", b"\x1b_"),
        ("PM (ESC ^)", b"\x1b^"),
        ("SOS (ESC X)", b"\x1bX"),
        ("cursor position query (ESC [6n)", b"\x1b[6n"),
        ("BEL", b"\x07"),
    ] {
        if let Some(at) = find(needle) {
            found.push(format!("{name} at byte {at}"));
        }
    }
    // Valid UTF-8 throughout: an 8-bit C1 byte (0x9B is CSI to some terminals) cannot hide
    // in an invalid sequence.
    if let Err(e) = std::str::from_utf8(raw) {
        found.push(format!("invalid UTF-8: {e}"));
    }
    let text = String::from_utf8_lossy(raw);
    for (at, c) in text.char_indices() {
        let c1 = ('\u{80}'..='\u{9f}').contains(&c);
        let bidi = hostile::forbidden(c) && !c.is_control();
        if c1 || bidi {
            found.push(format!("U+{:04X} at byte {at}", c as u32));
            break;
        }
    }
    found
}

#[test]
fn the_real_console_writes_nothing_raw_to_the_terminal() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(async {
        let db = TestDb::sqlite().await;
        corpus_db(&db, Utc::now()).await;
        db.store.close().await;
        db
    });
    let home = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(console(home.path(), &db.url), 80, 24);
    pty.wait_text("enter jumps to the item", SHORT);
    pty.send("1");
    pty.wait_text("Data health", SHORT);
    pty.wait_text("connected", SHORT);
    // The corpus is on screen (the newest posts top the Outcomes tab).
    pty.wait_for("a corpus row", SHORT, |s| {
        !hostile::markers_in(s).is_empty()
    });
    tour(&mut pty);
    pty.resize(200, 60);
    pty.wait_text("2 Leaderboards  3 Weights", SHORT);
    tour(&mut pty);
    pty.send("q");
    let status = pty.wait_exit(SHORT);
    assert!(status.success(), "{status:?}\n{}", pty.screen());
    assert_eq!(
        pty.modes(),
        Modes {
            alternate_screen: false,
            cursor_hidden: false,
            mouse_reporting: false,
            bracketed_paste: false,
        },
        "the terminal is given back"
    );
    let raw = pty.raw.lock().unwrap().clone();
    let violations = raw_violations(&raw);
    assert!(
        violations.is_empty(),
        "raw bytes reached the terminal: {violations:?}"
    );
    rt.block_on(db.cleanup());
}
