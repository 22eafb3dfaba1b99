//! Issue 13 in the console, on TestBackend and the pure `update`: actions that change what the
//! bot does ask first and say what will happen; a rewrite request without a model is refused;
//! the selection follows the item across refreshes and says when it changed; the header shows
//! the tier the system applies and keeps its badges at 80 columns; the selection never hides a
//! value in any theme; the Safety editor wraps, keeps an edit on `n` and asks before discarding.

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use common::TestDb;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use xbot::console::draw::draw;
use xbot::console::msg::{Effect, Msg, Query};
use xbot::console::state::{Conn, Mode, Setup, State};
use xbot::console::tabs::TabId;
use xbot::console::update::{load, tab_query, update};
use xbot::identity::Operator;
use xbot::learning::replies::OperatorOverride;
use xbot::store::demo::{DemoOptions, seed};
use xbot::store::ops::reviews::{DecisionRequest, Verdict};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 30, 0).unwrap()
}

fn setup() -> Setup {
    common::console_setup("sqlite:///demo/xbot.db", true, false)
}

fn state(theme: &str) -> State {
    common::console_state(setup(), theme, now())
}

async fn demo_db() -> TestDb {
    let db = TestDb::sqlite().await;
    seed(
        db.store.as_ref(),
        &DemoOptions::new(now(), chrono_tz::Tz::UTC),
        &mut |_, _| {},
    )
    .await
    .unwrap();
    db.store
        .sync_schedules(&xbot::jobs::catalog::effective(&BTreeMap::new()), now())
        .await
        .unwrap();
    db
}

async fn feed(s: &mut State, db: &TestDb, query: Query) {
    common::feed_console(s, db, query, now()).await;
}

async fn open_tab(s: &mut State, db: &TestDb, tab: TabId) {
    common::open_console_tab(s, db, tab, now()).await;
}

async fn refresh_tab(s: &mut State, db: &TestDb) {
    let q = tab_query(s, s.tab);
    feed(s, db, q).await;
}

fn render(s: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, s)).unwrap();
    t
}

fn line(t: &Terminal<TestBackend>, y: u16) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

fn screen(t: &Terminal<TestBackend>) -> String {
    (0..t.backend().buffer().area.height)
        .map(|y| line(t, y) + "\n")
        .collect()
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn confirm_lines(s: &State) -> Vec<String> {
    match &s.mode {
        Mode::Confirm(c) => {
            let mut l = vec![c.title.clone()];
            l.extend(c.lines.iter().cloned());
            l
        }
        other => panic!("no confirmation open: {other:?}"),
    }
}

fn alice() -> Operator {
    Operator {
        os_user: "alice".into(),
        host: "laptop".into(),
        ssh_client: None,
        pid: 9,
        via: xbot::identity::Via::Cli,
    }
}

/// `R` in Weights, `x` in Jobs, `R` in Replies and `:run` ask with `y` and say what will
/// happen; a disabled job is run only after a clear warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_that_change_the_bot_ask_first_and_say_what_happens() {
    let db = demo_db().await;
    let mut s = state("dark");

    open_tab(&mut s, &db, TabId::Weights).await;
    assert!(update(&mut s, key('R')).is_empty(), "R alone runs nothing");
    let text = confirm_lines(&s).join(" ");
    assert!(text.contains("offline_weight_map"), "{text}");
    assert!(
        text.contains("In force now") || text.contains("in force now"),
        "{text}"
    );
    assert!(update(&mut s, key('n')).is_empty());
    assert!(matches!(s.mode, Mode::Normal));
    update(&mut s, key('R'));
    let effects = update(&mut s, key('y'));
    assert!(
        matches!(effects.as_slice(), [Effect::RunJob { job }] if job == "offline_weight_map"),
        "{effects:?}"
    );
    s.jobs_here.clear();

    open_tab(&mut s, &db, TabId::Replies).await;
    assert!(update(&mut s, key('R')).is_empty());
    let text = confirm_lines(&s).join(" ");
    assert!(text.contains("reply_priority_learning"), "{text}");
    assert!(text.contains("pins and mutes are kept"), "{text}");
    update(&mut s, code(KeyCode::Esc));

    // A disabled job: x warns before anything runs.
    db.store
        .set_job_enabled("plan", false, "act-plan", &alice(), now())
        .await
        .unwrap();
    open_tab(&mut s, &db, TabId::Jobs).await;
    let pos = xbot::console::tabs::jobs::visible(&s.tabs.jobs)
        .iter()
        .position(|&i| s.tabs.jobs.overview[i].job == "plan")
        .unwrap();
    s.tabs.jobs.selected = pos;
    assert!(update(&mut s, key('x')).is_empty());
    let text = confirm_lines(&s).join(" ");
    assert!(text.contains("DISABLED"), "{text}");
    assert!(text.contains("stays disabled"), "{text}");
    let effects = update(&mut s, key('y'));
    assert!(
        matches!(effects.as_slice(), [Effect::RunJob { job }] if job == "plan"),
        "{effects:?}"
    );
    db.cleanup().await;
}

/// `w` without an AI endpoint is refused before anything is sent, and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewrite_request_without_a_model_is_refused_up_front() {
    let db = demo_db().await;
    let mut s = state("dark");
    assert!(!s.setup.ai_configured);
    open_tab(&mut s, &db, TabId::Safety).await;
    let effects = update(&mut s, key('w'));
    assert!(effects.is_empty());
    assert!(matches!(s.mode, Mode::Normal), "no prompt: {:?}", s.mode);
    let flash = s.flash.clone().unwrap();
    assert!(flash.error, "{flash:?}");
    assert!(flash.text.contains("no AI endpoint"), "{}", flash.text);
    assert!(flash.text.contains("proposal is kept"), "{}", flash.text);
    // With a model configured, it is asked with y, then the model is asked (the same path as
    // `xbot review rewrite`, which replaces the proposal only once a new one exists).
    s.setup.ai_configured = true;
    update(&mut s, key('w'));
    assert!(matches!(s.mode, Mode::Confirm(_)), "{:?}", s.mode);
    let id = selected_review_id(&s);
    let effects = update(&mut s, key('y'));
    assert_eq!(effects, vec![Effect::Rewrite { review_id: id }]);
    db.cleanup().await;
}

fn selected_review_id(s: &State) -> i64 {
    let v = &s.tabs.safety;
    let order = xbot::console::tabs::safety::visible(v);
    v.reviews[order[v.selected]].id
}

/// Another engineer decides reviews while this console looks: the selection stays on the same
/// review, and when that review is decided the console says by whom.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_safety_selection_follows_the_review_and_says_who_decided_it() {
    let db = demo_db().await;
    let mut s = state("dark");
    open_tab(&mut s, &db, TabId::Safety).await;
    update(&mut s, code(KeyCode::Down));
    update(&mut s, code(KeyCode::Down));
    let chosen = selected_review_id(&s);
    // alice decides the first pending review: it leaves the top of the queue.
    let first = {
        let v = &s.tabs.safety;
        v.reviews[xbot::console::tabs::safety::visible(v)[0]].clone()
    };
    let decide = |r: &xbot::store::ops::reviews::ReviewRecord| DecisionRequest {
        review_id: r.id,
        seen_version: r.version,
        verdict: Verdict::Reject {
            reason: "off topic".into(),
        },
        action_id: uuid::Uuid::new_v4().to_string(),
        operator: alice(),
        critical_override: None,
    };
    db.store.decide(&decide(&first), now()).await.unwrap();
    refresh_tab(&mut s, &db).await;
    assert_eq!(
        selected_review_id(&s),
        chosen,
        "the selection stays on #{chosen}"
    );

    // Then alice decides the selected one.
    let r = db.store.review(chosen).await.unwrap().unwrap();
    db.store.decide(&decide(&r), now()).await.unwrap();
    refresh_tab(&mut s, &db).await;
    assert_eq!(selected_review_id(&s), chosen);
    let flash = s.flash.clone().expect("a flash");
    assert_eq!(
        flash.text,
        format!("#{chosen} was rejected by alice@laptop 0s ago"),
        "{flash:?}"
    );
    // A key now acts on the review on screen, and says it is already decided.
    update(&mut s, key('a'));
    assert!(matches!(s.mode, Mode::Normal));
    assert!(
        s.flash
            .as_ref()
            .unwrap()
            .text
            .contains(&format!("#{chosen} is already rejected by alice@laptop")),
        "{:?}",
        s.flash
    );
    db.cleanup().await;
}

/// Replies, Jobs, Leaderboards and Outcomes keep the selected item when a refresh reorders
/// the rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_selection_follows_the_item_in_the_other_tabs() {
    let db = demo_db().await;
    let mut s = state("dark");

    open_tab(&mut s, &db, TabId::Replies).await;
    for _ in 0..5 {
        update(&mut s, code(KeyCode::Down));
    }
    let name_at = |s: &State| {
        let v = &s.tabs.replies;
        v.accounts[xbot::console::tabs::replies::visible(v)[v.selected]]
            .username
            .clone()
    };
    let chosen = name_at(&s);
    // alice pins the lowest account: it jumps to the top, every row below moves down one.
    let last = {
        let v = &s.tabs.replies;
        let order = xbot::console::tabs::replies::visible(v);
        v.accounts[*order.last().unwrap()].username.clone()
    };
    db.store
        .set_override(&last, OperatorOverride::Pinned, "act-1", &alice(), now())
        .await
        .unwrap();
    refresh_tab(&mut s, &db).await;
    assert_eq!(name_at(&s), chosen);
    // alice mutes the selected account: said, with who.
    db.store
        .set_override(&chosen, OperatorOverride::Muted, "act-2", &alice(), now())
        .await
        .unwrap();
    refresh_tab(&mut s, &db).await;
    assert_eq!(name_at(&s), chosen, "followed to the bottom");
    let flash = s.flash.clone().unwrap();
    assert!(
        flash
            .text
            .starts_with(&format!("@{chosen} was muted by alice@laptop")),
        "{flash:?}"
    );

    // Jobs sorted by lag: a job disabled elsewhere stays selected, and that is said.
    open_tab(&mut s, &db, TabId::Jobs).await;
    update(&mut s, key('s')); // sort by lag
    update(&mut s, code(KeyCode::Down));
    update(&mut s, code(KeyCode::Down));
    let job_at = |s: &State| {
        let v = &s.tabs.jobs;
        v.overview[xbot::console::tabs::jobs::visible(v)[v.selected]]
            .job
            .clone()
    };
    let chosen = job_at(&s);
    db.store
        .set_job_enabled(&chosen, false, "act-off", &alice(), now())
        .await
        .unwrap();
    refresh_tab(&mut s, &db).await;
    assert_eq!(job_at(&s), chosen);
    assert_eq!(
        s.flash.as_ref().unwrap().text,
        format!("{chosen} was disabled since you looked")
    );
    db.cleanup().await;
}

/// The header shows the tier the last budget_tier run recorded, whatever this viewer's
/// timezone and limit would compute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_tier_is_the_one_the_system_applies() {
    let db = demo_db().await;
    // This viewer's limit is a fifth of the worker's: computed locally it would say T4.
    let mut s = state("dark");
    s.setup.daily_limit_usd = 1.0;
    open_tab(&mut s, &db, TabId::Outcomes).await;
    let recorded = s
        .status
        .as_ref()
        .and_then(|st| st.tier.clone())
        .expect("the demo's budget_tier runs recorded a tier");
    let header = line(&render(&s, 120, 30), 0);
    let want = format!(
        " {} {:.0}% ",
        recorded.tier.as_str(),
        100.0 * recorded.share
    );
    assert!(header.contains(&want), "{want:?} in {header:?}");
    assert!(!header.contains("T4"), "{header}");
    // The Overview's budget line says the same.
    s.bar = TabId::REGISTERED.to_vec();
    open_tab(&mut s, &db, TabId::Overview).await;
    let text = screen(&render(&s, 120, 30));
    let budget = text.lines().find(|l| l.contains("budget")).unwrap();
    assert!(budget.contains(want.trim()), "{budget}");
    assert!(!budget.contains("T4"), "{budget}");
    db.cleanup().await;
}

/// At 80 columns the safety badges are whole and the target keeps its host and database.
#[test]
fn at_80_columns_badges_are_whole_and_the_target_keeps_host_and_database() {
    let mut setup = common::console_setup(
        "postgres://xbot_reader:****@db-primary.eu-west-2.example.internal:6543/xbot_production?sslmode=require",
        false,
        true,
    );
    setup.backend = "postgres";
    let mut s = common::console_state(setup, "dark", now());
    s.paused = true;
    s.conn = Conn::Disconnected {
        since: now() - chrono::Duration::seconds(12),
        error: "connection refused".into(),
        retry_at: now() + chrono::Duration::seconds(2),
        attempts: 3,
    };
    let header = line(&render(&s, 80, 24), 0);
    assert_eq!(header.chars().count(), 80);
    for badge in [" READ-ONLY ", " PAUSED ", "DISCONNECTED 12s"] {
        assert!(header.contains(badge), "{badge:?} in {header:?}");
    }
    assert!(header.contains("xbot_production"), "{header:?}");
    assert!(header.contains("db-primary"), "{header:?}");
    // Connected, with the status facts: the badges still whole.
    s.conn = Conn::Connected;
    s.status = Some(xbot::console::msg::Status {
        spend_today_usd: 2.0,
        open_incidents: 12,
        running: Vec::new(),
        tier: None,
        incident_ids: Vec::new(),
        pending_ids: Vec::new(),
    });
    let header = line(&render(&s, 80, 24), 0);
    for badge in [" READ-ONLY ", " PAUSED ", "connected"] {
        assert!(header.contains(badge), "{badge:?} in {header:?}");
    }
    assert!(header.contains("xbot_production"), "{header:?}");
    assert!(header.contains("db-primary"), "{header:?}");
    // A SQLite file keeps its name.
    let mut s = common::console_state(
        common::console_setup(
            "sqlite:///home/oncall/.local/share/xbot/incidents-2026/replica-of-production.db",
            true,
            true,
        ),
        "dark",
        now(),
    );
    s.paused = true;
    let header = line(&render(&s, 80, 24), 0);
    for part in [
        " DEMO ",
        " READ-ONLY ",
        " PAUSED ",
        "replica-of-production.db",
    ] {
        assert!(header.contains(part), "{part:?} in {header:?}");
    }
}

/// Every built-in theme, a selected row in each tab with bars and coloured values: no glyph is
/// drawn in its background's colour.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_selection_never_hides_a_value_in_any_theme() {
    let db = demo_db().await;
    for (theme, _) in xbot::console::theme::BUILT_IN {
        let mut s = state(theme);
        s.size = (160, 40);
        for tab in [
            TabId::Replies,
            TabId::Jobs,
            TabId::Leaderboards,
            TabId::Outcomes,
            TabId::Safety,
            TabId::Slots,
        ] {
            open_tab(&mut s, &db, tab).await;
            update(&mut s, code(KeyCode::Down));
            let t = render(&s, 160, 40);
            let buf = t.backend().buffer();
            let sel = s.theme.style(xbot::console::theme::Role::Selection);
            let mut rows = 0;
            for y in 2..buf.area.height - 2 {
                let in_selection = (0..buf.area.width).any(|x| {
                    let c = &buf[(x, y)];
                    sel.bg.is_some_and(|bg| c.bg == bg)
                        || (sel.bg.is_none()
                            && c.modifier.contains(ratatui::style::Modifier::REVERSED))
                });
                if !in_selection {
                    continue;
                }
                rows += 1;
                for x in 0..buf.area.width {
                    let c = &buf[(x, y)];
                    if c.symbol().trim().is_empty() {
                        continue;
                    }
                    assert!(
                        !xbot::console::theme::hides(c.fg, c.bg),
                        "{theme} {tab:?}: {:?} drawn {:?} on {:?} at ({x},{y}) in {:?}",
                        c.symbol(),
                        c.fg,
                        c.bg,
                        line(&t, y)
                    );
                }
            }
            assert!(rows >= 1, "{theme} {tab:?}: a selected row on screen");
        }
    }
    // The check itself: cyan on cyan hides, black on cyan does not.
    use ratatui::style::Color;
    assert!(xbot::console::theme::hides(Color::Cyan, Color::Cyan));
    assert!(xbot::console::theme::hides(Color::LightCyan, Color::Cyan));
    assert!(!xbot::console::theme::hides(Color::Black, Color::Cyan));
    db.cleanup().await;
}

/// The Safety editor wraps a long post (its start on screen), `n` at the confirmation goes back
/// to the edit, and esc asks before throwing it away.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_safety_editor_wraps_keeps_the_edit_on_n_and_asks_before_discarding() {
    let db = demo_db().await;
    let mut s = state("dark");
    open_tab(&mut s, &db, TabId::Safety).await;
    update(&mut s, key('e'));
    assert!(matches!(s.mode, Mode::Editor(_)), "{:?}", s.mode);
    let long = "Startword magnesium glycinate may help some adults fall asleep a little faster, \
                though studies are small and mixed; talk to a clinician before starting any \
                supplement, especially with kidney disease or other medicines, ENDWORD";
    // Clear the proposal's line (emacs keys of the editor), then type the long text.
    update(&mut s, ctrl('a'));
    update(&mut s, ctrl('k'));
    for c in long.chars() {
        update(&mut s, key(c));
    }
    let t = render(&s, 80, 24);
    let text = screen(&t);
    assert!(text.contains("Startword"), "{text}");
    assert!(text.contains("ENDWORD"), "{text}");

    // ctrl+s asks; n goes back to the editor with the edit.
    update(&mut s, ctrl('s'));
    assert!(matches!(s.mode, Mode::Confirm(_)), "{:?}", s.mode);
    update(&mut s, key('n'));
    let Mode::Editor(ed) = &s.mode else {
        panic!("n returns to the editor: {:?}", s.mode)
    };
    assert_eq!(ed.text(), long);
    // esc asks before discarding; n keeps editing; esc then y discards.
    update(&mut s, code(KeyCode::Esc));
    let text = confirm_lines(&s).join(" ");
    assert!(text.contains("Discard"), "{text}");
    update(&mut s, key('n'));
    assert!(matches!(&s.mode, Mode::Editor(ed) if ed.text() == long));
    update(&mut s, code(KeyCode::Esc));
    update(&mut s, key('y'));
    assert!(matches!(s.mode, Mode::Normal));
    assert_eq!(s.flash.as_ref().unwrap().text, "edit discarded");
    // An editor left unchanged closes without a question.
    update(&mut s, key('e'));
    update(&mut s, code(KeyCode::Esc));
    assert!(matches!(s.mode, Mode::Normal), "{:?}", s.mode);
    db.cleanup().await;
}

/// `c` copies the selected id, then its text, then its raw JSON, each through the clipboard
/// effect, with a flash saying what was copied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_copies_the_id_then_the_text_then_the_raw_json() {
    let db = demo_db().await;
    let mut s = state("dark");
    open_tab(&mut s, &db, TabId::Safety).await;
    let r = {
        let v = &s.tabs.safety;
        v.reviews[xbot::console::tabs::safety::visible(v)[v.selected]].clone()
    };
    let effects = update(&mut s, key('c'));
    assert_eq!(effects, vec![Effect::Clipboard(r.id.to_string())]);
    assert_eq!(
        s.flash.as_ref().unwrap().text,
        format!("copied id: {} — c again copies its text", r.id)
    );
    let effects = update(&mut s, key('c'));
    let text = r.proposed_rewrite.clone().unwrap();
    assert_eq!(effects, vec![Effect::Clipboard(text.clone())]);
    assert!(
        s.flash
            .as_ref()
            .unwrap()
            .text
            .starts_with(&format!("copied text: {} chars", text.chars().count())),
        "{:?}",
        s.flash
    );
    let effects = update(&mut s, key('c'));
    let [Effect::Clipboard(json)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(v["id"], r.id);
    // Jobs: `c` copies there too (cancel is `C`).
    open_tab(&mut s, &db, TabId::Jobs).await;
    let effects = update(&mut s, key('c'));
    assert_eq!(effects, vec![Effect::Clipboard("plan".into())]);
    db.cleanup().await;
}

/// Jobs: enter gives the keys to the job's runs, enter on a run shows it in full: who started
/// it, its whole error, its progress and its stats as a key/value tree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_on_a_run_shows_its_error_stats_progress_and_who_started_it() {
    let db = demo_db().await;
    let long_error = format!(
        "the model endpoint answered 503 {} END-OF-ERROR",
        "and kept answering it ".repeat(20)
    );
    let mut b = xbot::store::types::Batch::default();
    b.job_runs.push(xbot::store::types::JobRunRow {
        job: "plan".into(),
        status: "failed".into(),
        trigger: "manual".into(),
        owner: "alice@laptop:4242".into(),
        started_at: now() - chrono::Duration::seconds(30),
        finished_at: Some(now() - chrono::Duration::seconds(20)),
        error: Some(long_error.clone()),
        stats: Some(serde_json::json!({
            "rows_read": 12,
            "details": {"gates": {"length": "ok", "safety": "failed"}, "slots": ["research"]},
        })),
    });
    db.store.write_batch(&b).await.unwrap();
    let mut s = state("dark");
    open_tab(&mut s, &db, TabId::Jobs).await;
    assert_eq!(
        s.tabs.jobs.overview[xbot::console::tabs::jobs::visible(&s.tabs.jobs)[0]].job,
        "plan"
    );
    let effects = update(&mut s, code(KeyCode::Enter));
    assert!(
        matches!(effects.as_slice(), [Effect::Load { query: Query::JobHistory(j), .. }] if j == "plan"),
        "{effects:?}"
    );
    feed(&mut s, &db, Query::JobHistory("plan".into())).await;
    assert_eq!(s.tabs.jobs.run_selected, Some(0));
    update(&mut s, code(KeyCode::Enter));
    let Mode::View { title, lines, .. } = &s.mode else {
        panic!("{:?}", s.mode)
    };
    assert!(title.contains("of plan"), "{title}");
    let all = lines.join("\n");
    for want in [
        "started by   alice@laptop:4242 (manual trigger)",
        "status       failed",
        "END-OF-ERROR",
        "rows_read: 12",
        "  details:",
        "      length: ok",
        "      - research",
        "last phase",
    ] {
        assert!(all.contains(want), "{want:?} in\n{all}");
    }
    assert!(all.contains(&long_error), "the whole error:\n{all}");
    // esc closes the view, esc again gives the keys back to the jobs table.
    update(&mut s, code(KeyCode::Esc));
    update(&mut s, code(KeyCode::Esc));
    assert_eq!(s.tabs.jobs.run_selected, None);
    db.cleanup().await;
}

fn status_with(incidents: &[i64], pending: &[i64]) -> xbot::console::msg::Status {
    xbot::console::msg::Status {
        spend_today_usd: 0.0,
        open_incidents: incidents.len(),
        running: Vec::new(),
        tier: None,
        incident_ids: incidents
            .iter()
            .map(|id| (*id, "sla_lag".to_string(), "plan".to_string()))
            .collect(),
        pending_ids: pending.to_vec(),
    }
}

fn give_status(s: &mut State, st: xbot::console::msg::Status) -> Vec<Effect> {
    let Effect::Load { req, .. } = load(s, Query::Status) else {
        unreachable!()
    };
    update(
        s,
        Msg::Loaded {
            req,
            result: Ok(Box::new(xbot::console::msg::Loaded::Status(st))),
        },
    )
}

/// A new incident or pending review while another tab is open: one flash, the tab marked until
/// shown, and the bell when the config asks for it.
#[test]
fn news_elsewhere_flashes_once_marks_the_tab_and_rings_if_asked() {
    let mut s = state("dark");
    s.setup.bell = true;
    s.tab = TabId::Outcomes;
    // What is there at start-up is not news.
    assert!(give_status(&mut s, status_with(&[1], &[5])).is_empty());
    assert!(s.news.is_empty());
    assert!(s.flash.is_none());
    // A new incident.
    let effects = give_status(&mut s, status_with(&[1, 2], &[5]));
    assert!(effects.contains(&Effect::Bell), "{effects:?}");
    assert_eq!(
        s.flash.as_ref().unwrap().text,
        "new incident #2: sla_lag plan"
    );
    let bar = line(&render(&s, 120, 30), 1);
    assert!(bar.contains("9 Incidents (2)•"), "{bar}");
    // Once: the same state again says nothing.
    s.flash = None;
    let effects = give_status(&mut s, status_with(&[1, 2], &[5]));
    assert!(!effects.contains(&Effect::Bell));
    assert!(s.flash.is_none());
    // Two new pending reviews; no bell without the config.
    s.setup.bell = false;
    let effects = give_status(&mut s, status_with(&[1, 2], &[5, 6, 7]));
    assert!(!effects.contains(&Effect::Bell));
    assert_eq!(
        s.flash.as_ref().unwrap().text,
        "2 new reviews are pending in Safety"
    );
    assert!(s.news.contains(&TabId::Safety));
    // Showing a tab clears its mark.
    update(&mut s, key('9'));
    assert!(!s.news.contains(&TabId::Incidents));
    let bar = line(&render(&s, 120, 30), 1);
    assert!(!bar.contains("Incidents (2)•"), "{bar}");
    assert!(bar.contains("9 Incidents (2)"), "{bar}");
    assert!(bar.contains("5 Safety (3)•"), "{bar}");
    // News on the tab being looked at is not flashed.
    s.flash = None;
    give_status(&mut s, status_with(&[1, 2, 3], &[5, 6, 7]));
    assert!(s.flash.is_none());
}

/// The Overview's selected line follows its subject when a new incident adds a line above it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_selection_follows_its_line() {
    let db = demo_db().await;
    let mut s = state("dark");
    s.bar = TabId::REGISTERED.to_vec();
    open_tab(&mut s, &db, TabId::Overview).await;
    let at_budget = |s: &State| {
        xbot::console::tabs::overview::items(s)
            .iter()
            .position(|i| i.tab == TabId::Budget)
            .unwrap()
    };
    s.tabs.overview.selected = at_budget(&s);
    let before = s.tabs.overview.selected;
    let mut b = xbot::store::types::Batch::default();
    b.incidents.push(xbot::store::types::IncidentRow {
        kind: "job_failure_streak".into(),
        subject: "plan".into(),
        state: "open".into(),
        severity: "error".into(),
        opened_at: now() - chrono::Duration::minutes(3),
        resolved_at: None,
        last_seen_at: now(),
        count: 3,
        details: Some("3 failures in a row".into()),
    });
    db.store.write_batch(&b).await.unwrap();
    refresh_tab(&mut s, &db).await;
    assert!(at_budget(&s) > before, "a line was added above");
    assert_eq!(s.tabs.overview.selected, at_budget(&s));
    db.cleanup().await;
}

/// `w`'s effect asks the model (a real HTTP server on loopback) and stores the new rewrite as
/// the proposal; a model that fails keeps the old one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rewrite_effect_replaces_the_proposal_only_with_a_new_one() {
    use std::sync::{Arc, Mutex};
    let db = demo_db().await;
    let server = wiremock::MockServer::start().await;
    let new_text = "Some people find magnesium helps them sleep; check with your doctor first.";
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(move |req: &wiremock::Request| {
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
            wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "model": body["model"],
                "choices": [{"message": {"role": "assistant", "content": new_text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340}
            }))
        })
        .mount(&server)
        .await;
    let run = |base: String| {
        let store = db.store.clone();
        let target = db.target.clone();
        async move {
            let mut cfg = xbot::config::Config::defaults_for_tests(target);
            cfg.ai.base_url = Some(base);
            cfg.ai.api_key = Some(secrecy::SecretString::from("sk-test".to_string()));
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let ex = xbot::console::effects::Executor {
                store: store.clone(),
                env: xbot::jobs::JobEnv::new(store.clone(), Arc::new(cfg)),
                setup: Arc::new(setup()),
                tx,
                running: Arc::new(Mutex::new(Default::default())),
            };
            let pending = store.reviews(&["pending"], 10).await.unwrap().remove(0);
            ex.spawn(Effect::Rewrite {
                review_id: pending.id,
            });
            let msg = tokio::time::timeout(std::time::Duration::from_secs(60), rx.recv())
                .await
                .unwrap()
                .unwrap();
            (pending, msg)
        }
    };
    // A model endpoint that is down: an error, and the proposal is kept.
    let (before, msg) = run("http://127.0.0.1:9/v1".into()).await;
    let Msg::ActionDone { result, .. } = msg else {
        panic!("{msg:?}")
    };
    assert!(
        result.as_ref().is_err_and(|e| e.contains("is kept")),
        "{result:?}"
    );
    let kept = db.store.review(before.id).await.unwrap().unwrap();
    assert_eq!(kept.proposed_rewrite, before.proposed_rewrite);
    // The loopback model answers: the new rewrite is the proposal, still pending.
    let (before, msg) = run(format!("{}/v1", server.uri())).await;
    let Msg::ActionDone { label, result } = msg else {
        panic!("{msg:?}")
    };
    assert_eq!(label, format!("another rewrite of #{}", before.id));
    assert!(
        matches!(
            result,
            Ok(xbot::console::msg::ActionResult::Decision(
                xbot::store::ops::reviews::DecisionOutcome::Applied { .. }
            ))
        ),
        "{result:?}"
    );
    let after = db.store.review(before.id).await.unwrap().unwrap();
    assert_eq!(after.proposed_rewrite.as_deref(), Some(new_text));
    assert_eq!(after.status, "pending");
    db.cleanup().await;
}

/// News does not take the flash line from the outcome of the operator's own key while it is
/// being read: it goes to the messages view and the tab mark, and flashes once that is old.
#[test]
fn news_does_not_hide_the_operators_own_flash() {
    let mut s = state("dark");
    s.tab = TabId::Outcomes;
    give_status(&mut s, status_with(&[1], &[5]));
    s.info("copied id: 5");
    give_status(&mut s, status_with(&[1, 2], &[5]));
    assert_eq!(s.flash.as_ref().unwrap().text, "copied id: 5");
    assert!(s.news.contains(&TabId::Incidents));
    assert_eq!(
        s.messages.last().unwrap().text,
        "new incident #2: sla_lag plan"
    );
    // Later news flashes as usual.
    s.now += chrono::TimeDelta::seconds(3);
    give_status(&mut s, status_with(&[1, 2, 3], &[5]));
    assert_eq!(
        s.flash.as_ref().unwrap().text,
        "new incident #3: sla_lag plan"
    );
}
