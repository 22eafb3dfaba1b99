//! The console on TestBackend: snapshots of every tab at 80x24 and 200x60 with an injected
//! clock and the demo dataset, style assertions where colour carries meaning, hostile text, and
//! the pure `update` function (read-only, confirmations, stale results, pause).

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use common::TestDb;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use xbot::console::draw::draw;
use xbot::console::keymap::Action;
use xbot::console::msg::{Effect, LoadError, Msg, Query};
use xbot::console::state::{Mode, Setup, State};
use xbot::console::tabs::TabId;
use xbot::console::update::{load, on_action, tab_query, update};
use xbot::store::demo::{DemoOptions, seed};
use xbot::store::types::{Batch, ContentRow, OutcomeRow, SafetyReviewRow};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 30, 0).unwrap()
}

fn setup(read_only: bool) -> Setup {
    common::console_setup("sqlite:///demo/xbot.db", true, read_only)
}

fn state_with(theme: &str, read_only: bool) -> State {
    common::console_state(setup(read_only), theme, now())
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
    // As the console does at start-up, so the Jobs tab shows each job's schedule.
    db.store
        .sync_schedules(&xbot::jobs::catalog::effective(&BTreeMap::new()), now())
        .await
        .unwrap();
    db
}

/// Load a query the way the executor would, and hand the answer to `update`.
async fn feed(s: &mut State, db: &TestDb, query: Query) {
    common::feed_console(s, db, query, now()).await;
}

async fn open_tab(s: &mut State, db: &TestDb, tab: TabId) {
    common::open_console_tab(s, db, tab, now()).await;
}

fn render(s: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, s)).unwrap();
    t
}

fn text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tab_at_80x24_and_200x60() {
    let db = demo_db().await;
    let mut s = state_with("dark", false);
    for tab in TabId::ALL {
        open_tab(&mut s, &db, tab).await;
        for (w, h) in [(80, 24), (200, 60)] {
            s.size = (w, h);
            let t = render(&s, w, h);
            insta::assert_snapshot!(
                format!("tab{}_{}_{w}x{h}", tab.number(), tab.title().to_lowercase()),
                text(&t)
            );
        }
    }
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_at_80x24_and_200x60_and_its_jumps() {
    let db = demo_db().await;
    let mut s = state_with("dark", false);
    // The whole tab bar, as the console shows it.
    s.bar = TabId::REGISTERED.to_vec();
    update(&mut s, key('0'));
    assert_eq!(s.tab, TabId::Overview);
    open_tab(&mut s, &db, TabId::Overview).await;
    for (w, h) in [(80, 24), (200, 60)] {
        s.size = (w, h);
        insta::assert_snapshot!(format!("tab0_overview_{w}x{h}"), text(&render(&s, w, h)));
    }
    // The safety line jumps to the Safety tab with the oldest pending review selected.
    let items = xbot::console::tabs::overview::items(&s);
    let at = items.iter().position(|i| i.tab == TabId::Safety).unwrap();
    let want = items[at].focus.clone().unwrap();
    for _ in 0..at {
        on_action(&mut s, Action::Down);
    }
    on_action(&mut s, Action::Open);
    assert_eq!(s.tab, TabId::Safety);
    let q = tab_query(&s, TabId::Safety);
    feed(&mut s, &db, q).await;
    let v = &s.tabs.safety;
    let row = xbot::console::tabs::safety::visible(v)[v.selected];
    assert_eq!(v.reviews[row].id.to_string(), want);
    // On the Leaderboards tab 0 still resets λ.
    s.tab = TabId::Leaderboards;
    update(&mut s, key('0'));
    assert_eq!(s.tab, TabId::Leaderboards);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_screens_help_and_dialogs() {
    let db = demo_db().await;
    let mut s = state_with("dark", false);
    open_tab(&mut s, &db, TabId::Safety).await;
    insta::assert_snapshot!("too_small_60x20", text(&render(&s, 60, 20)));
    update(&mut s, key('?'));
    insta::assert_snapshot!("help_80x24", text(&render(&s, 80, 24)));
    update(&mut s, code(KeyCode::Esc));
    // Reject asks for a reason, then confirms with y.
    update(&mut s, key('x'));
    for c in "unsafe dosage".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Enter));
    insta::assert_snapshot!("reject_confirm_80x24", text(&render(&s, 80, 24)));
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_selection_stays_visible_in_mono() {
    let db = demo_db().await;
    let mut s = state_with("mono", false);
    open_tab(&mut s, &db, TabId::Outcomes).await;
    let t = render(&s, 80, 24);
    let buf = t.backend().buffer();
    // The first data row of the Outcomes table (below the summary and the header).
    let row_y = (0..buf.area.height)
        .find(|&y| {
            (0..buf.area.width).any(|x| buf[(x, y)].modifier.contains(Modifier::REVERSED) && y > 5)
        })
        .expect("a reversed (selected) row");
    for x in 1..40 {
        let cell = &buf[(x, row_y)];
        assert!(
            cell.modifier.contains(Modifier::REVERSED),
            "cell {x} of the selected row is not reversed"
        );
        assert_eq!(cell.fg, Color::Reset, "mono has no colours");
        assert_eq!(cell.bg, Color::Reset);
    }
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_selection_scrolls_into_view_past_the_last_visible_row() {
    let db = demo_db().await;
    let mut s = state_with("mono", false);
    s.size = (200, 60);
    for tab in [TabId::Outcomes, TabId::Replies] {
        open_tab(&mut s, &db, tab).await;
        // Further down than the screen has rows, still within the loaded page.
        for _ in 0..70 {
            update(&mut s, code(KeyCode::Down));
        }
        let t = render(&s, 200, 60);
        let buf = t.backend().buffer();
        // Below the header and the tab bar, above the footer.
        let selected = (4..buf.area.height - 2)
            .filter(|&y| (1..40).all(|x| buf[(x, y)].modifier.contains(Modifier::REVERSED)))
            .count();
        assert_eq!(selected, 1, "the selected row of {tab:?} is on screen");
    }
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tier_gauge_takes_the_tiers_colour() {
    let db = demo_db().await;
    let mut s = state_with("dark", false);
    open_tab(&mut s, &db, TabId::Budget).await;
    let gauge_colour = |s: &State| {
        let t = render(s, 80, 24);
        let buf = t.backend().buffer();
        // The gauge is the first line of the budget block made of full blocks.
        (0..buf.area.height)
            .find_map(|y| {
                let c = &buf[(2, y)];
                (c.symbol() == "█").then_some(c.fg)
            })
            .expect("a gauge line")
    };
    // The demo day is at 58%: T2.
    assert_eq!(gauge_colour(&s), Color::Yellow);
    let report = s.tabs.budget.report.as_mut().unwrap();
    report.spent_usd = 4.4; // 88%: T3
    assert_eq!(gauge_colour(&s), Color::LightRed);
    let report = s.tabs.budget.report.as_mut().unwrap();
    report.spent_usd = 1.0; // 20%: T1
    assert_eq!(gauge_colour(&s), Color::Green);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_renders_inert_in_every_tab() {
    let db = demo_db().await;
    let hostile = "\u{1b}[2J\u{1b}]0;owned\u{7}\u{1b}[31mred\u{9b}1m\r\nnext\u{0}\u{202e}evil\u{200b}zw 日本語 مرحبا 👨‍👩‍👧";
    let mut b = Batch::default();
    let t = now() - chrono::Duration::hours(1);
    b.content.push(ContentRow {
        decision_id: format!("evil-{}", "\u{1b}[K"),
        decision_type: "single".into(),
        status: "posted".into(),
        content: Some(hostile.repeat(40)),
        thread_parts: None,
        raw_topic: Some(format!("topic{hostile}")),
        angle: None,
        tone: Some(hostile.into()),
        generator_name: Some(format!("gen{hostile}")),
        content_slot: Some(hostile.into()),
        hook_type: Some(hostile.into()),
        cta_type: None,
        target_username: Some(format!("{hostile}{}", "x".repeat(300))),
        target_tweet_id: None,
        tweet_id: None,
        created_at: t,
        posted_at: Some(t),
    });
    b.outcomes.push(OutcomeRow {
        decision_id: format!("evil-{}", "\u{1b}[K"),
        tweet_id: None,
        impressions: Some(-5),
        views: None,
        likes: None,
        retweets: None,
        replies: None,
        bookmarks: None,
        engagement_rate: Some(f64::NAN),
        followers_before: None,
        followers_after: None,
        followers_gained: None,
        followers_gained_weighted: Some(-1.0),
        attribution_confidence: None,
        primary_objective_score: Some(0.99),
        score_version: Some(2),
        hook_type: None,
        cta_type: None,
        structure_type: None,
        simulated: false,
        collected_at: None,
        scored_at: None,
    });
    b.reviews.push(SafetyReviewRow {
        decision_id: format!("evil-{}", "\u{1b}[K"),
        part_index: 0,
        original_text: hostile.into(),
        proposed_rewrite: Some(hostile.into()),
        risk_level: "high".into(),
        issues: serde_json::json!([hostile]),
        rule_hits: serde_json::json!([{"start": 2, "end": 9999, "category": hostile, "level": "high"}]),
        status: "pending".into(),
        rewrite_attempts: 1,
        reviewer: None,
        decided_by: None,
        decided_at: None,
        note: None,
        final_text: None,
        created_at: now(),
    });
    db.store.write_batch(&b).await.unwrap();
    let mut s = state_with("dark", false);
    for tab in TabId::ALL {
        open_tab(&mut s, &db, tab).await;
        for (w, h) in [(80, 24), (200, 60)] {
            s.size = (w, h);
            let t = render(&s, w, h);
            let buf = t.backend().buffer();
            for cell in buf.content() {
                assert!(
                    !cell
                        .symbol()
                        .chars()
                        .any(|c| c.is_control() || c == '\u{202e}'),
                    "{tab:?} {w}x{h}: a control character reached the screen: {:?}",
                    cell.symbol()
                );
            }
        }
    }
    // The detail views too.
    s.tab = TabId::Safety;
    update(&mut s, code(KeyCode::Enter));
    let t = render(&s, 200, 60);
    assert!(
        t.backend()
            .buffer()
            .content()
            .iter()
            .all(|c| !c.symbol().chars().any(char::is_control))
    );
    db.cleanup().await;
}

#[test]
fn read_only_refuses_with_a_flash_not_silence() {
    let mut s = state_with("dark", true);
    s.tab = TabId::Jobs;
    let effects = on_action(&mut s, Action::RunJob);
    assert!(effects.is_empty());
    let flash = s.flash.as_ref().expect("a flash");
    assert!(flash.error && flash.text.contains("read-only"), "{flash:?}");
    s.tab = TabId::Safety;
    assert!(on_action(&mut s, Action::ApproveRewrite).is_empty());
    assert!(s.flash.as_ref().unwrap().text.contains("read-only"));
    // Reading still works.
    assert!(matches!(
        on_action(&mut s, Action::Refresh).as_slice(),
        [Effect::Load { .. }, Effect::Load { .. }]
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvals_need_y_and_never_enter() {
    let db = demo_db().await;
    let mut s = state_with("dark", false);
    open_tab(&mut s, &db, TabId::Safety).await;
    assert!(update(&mut s, key('a')).is_empty());
    assert!(matches!(s.mode, Mode::Confirm(_)));
    // Enter does not confirm a destructive action.
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert!(matches!(s.mode, Mode::Confirm(_)));
    let effects = update(&mut s, key('y'));
    assert!(
        matches!(effects.as_slice(), [Effect::Decide(_)]),
        "{effects:?}"
    );
    assert!(matches!(s.mode, Mode::Normal));
    // n cancels.
    update(&mut s, key('a'));
    assert!(update(&mut s, key('n')).is_empty());
    assert!(matches!(s.mode, Mode::Normal));
    // Approving the original needs a note and the typed word.
    update(&mut s, key('o'));
    assert!(matches!(s.mode, Mode::Prompt(_)));
    update(&mut s, code(KeyCode::Enter));
    assert!(s.flash.as_ref().unwrap().error, "an empty note is refused");
    for c in "quoted study".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Enter));
    assert!(matches!(&s.mode, Mode::Confirm(c) if c.typed.is_some()));
    assert!(
        update(&mut s, key('y')).is_empty(),
        "y is typed, not a confirmation"
    );
    for c in "pprove".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Backspace));
    update(&mut s, code(KeyCode::Backspace));
    for c in "ve".chars() {
        update(&mut s, key(c));
    }
    // "y" + "pprove" with the last two retyped is not "approve".
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    let Mode::Confirm(c) = &mut s.mode else {
        panic!()
    };
    c.typed.as_mut().unwrap().1 = "approve".into();
    let effects = update(&mut s, code(KeyCode::Enter));
    assert!(
        matches!(effects.as_slice(), [Effect::Decide(d)] if d.verdict.action() == "approve_original")
    );
    db.cleanup().await;
}

#[test]
fn stale_results_are_dropped_and_loads_are_single_flight() {
    let mut s = state_with("dark", false);
    s.tab = TabId::Budget;
    let Effect::Load { req: old, .. } = load(&mut s, Query::Budget) else {
        unreachable!()
    };
    let Effect::Load { req: new, .. } = load(&mut s, Query::Budget) else {
        unreachable!()
    };
    // The superseded answer is dropped: the tab stays unloaded.
    let report = xbot::store::ops::budget::BudgetReport {
        day_start: now(),
        day_end: now(),
        spent_usd: 1.0,
        reserved_usd: 0.0,
        calls: 1,
        expert_calls: 0,
        by_feature_area: vec![],
        by_model: vec![],
        per_hour: vec![],
    };
    update(
        &mut s,
        Msg::Loaded {
            req: old,
            result: Ok(Box::new(xbot::console::msg::Loaded::Budget {
                report: report.clone(),
            })),
        },
    );
    assert!(s.tabs.budget.report.is_none());
    update(
        &mut s,
        Msg::Loaded {
            req: new,
            result: Ok(Box::new(xbot::console::msg::Loaded::Budget { report })),
        },
    );
    assert!(s.tabs.budget.report.is_some());
    // While a tab load is in flight, a tick does not start another.
    s.loads.last_tab_refresh_at = None;
    let _ = load(&mut s, Query::Budget);
    let effects = update(&mut s, Msg::Tick(now() + chrono::Duration::seconds(30)));
    assert!(
        !effects.iter().any(|e| matches!(
            e,
            Effect::Load {
                query: Query::Budget,
                ..
            }
        )),
        "{effects:?}"
    );
}

#[test]
fn pause_stops_refreshing_and_an_idle_refresh_redraws_nothing() {
    let mut s = state_with("dark", false);
    s.tab = TabId::Budget;
    update(&mut s, key('p'));
    assert!(s.paused);
    s.loads.last_tab_refresh_at = Some(now());
    let effects = update(&mut s, Msg::Tick(now() + chrono::Duration::seconds(60)));
    assert!(
        !effects.iter().any(|e| matches!(
            e,
            Effect::Load {
                query: Query::Budget,
                ..
            }
        )),
        "paused: {effects:?}"
    );
    update(&mut s, key('p'));
    assert!(!s.paused);

    // The same data twice: the second answer marks nothing dirty.
    let report = xbot::store::ops::budget::BudgetReport {
        day_start: now(),
        day_end: now(),
        spent_usd: 1.0,
        reserved_usd: 0.0,
        calls: 1,
        expert_calls: 0,
        by_feature_area: vec![],
        by_model: vec![],
        per_hour: vec![],
    };
    for round in 0..2 {
        let Effect::Load { req, .. } = load(&mut s, Query::Budget) else {
            unreachable!()
        };
        s.dirty = false;
        update(
            &mut s,
            Msg::Loaded {
                req,
                result: Ok(Box::new(xbot::console::msg::Loaded::Budget {
                    report: report.clone(),
                })),
            },
        );
        assert_eq!(s.dirty, round == 0, "round {round}");
    }
}

#[test]
fn a_lost_database_shows_disconnected_and_retries_with_backoff() {
    let mut s = state_with("dark", false);
    let Effect::Load { req, .. } = load(&mut s, Query::Status) else {
        unreachable!()
    };
    update(
        &mut s,
        Msg::Loaded {
            req,
            result: Err(LoadError {
                unavailable: true,
                message: "connection refused".into(),
            }),
        },
    );
    let xbot::console::state::Conn::Disconnected { retry_at, .. } = s.conn.clone() else {
        panic!("{:?}", s.conn)
    };
    let text = {
        let t = render(&s, 80, 24);
        let mut out = String::new();
        for c in t.backend().buffer().content() {
            out.push_str(c.symbol());
        }
        out
    };
    assert!(text.contains("DISCONNECTED"), "the header says so");
    // Before the retry time nothing is asked; at it, the connection is checked again.
    let early = update(&mut s, Msg::Tick(now()));
    assert!(early.is_empty(), "{early:?}");
    let due = update(&mut s, Msg::Tick(retry_at));
    assert!(
        matches!(
            due.as_slice(),
            [Effect::Load {
                query: Query::CheckStatus,
                ..
            }]
        ),
        "{due:?}"
    );
}

#[test]
fn quitting_while_a_job_runs_asks_first() {
    let mut s = state_with("dark", false);
    s.tab = TabId::Jobs;
    assert!(matches!(
        on_action(&mut s, Action::Quit).as_slice(),
        [Effect::Quit]
    ));
    let mut s = state_with("dark", false);
    s.jobs_here.insert(
        "offline_weight_map".into(),
        xbot::console::state::LocalRun {
            progress: Default::default(),
            started: now(),
            cancelling: false,
        },
    );
    assert!(on_action(&mut s, Action::Quit).is_empty());
    assert!(matches!(s.mode, Mode::Confirm(_)));
    assert!(matches!(
        update(&mut s, key('y')).as_slice(),
        [Effect::Quit]
    ));
}

#[test]
fn command_mode_completes_and_runs() {
    let mut s = state_with("dark", false);
    update(&mut s, key(':'));
    for c in "run off".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Tab));
    let Mode::Command { input, .. } = &s.mode else {
        panic!()
    };
    assert_eq!(input, "run offline_weight_map");
    // Running a job changes what the bot does: asked first, then y runs it.
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert!(matches!(s.mode, Mode::Confirm(_)));
    let effects = update(&mut s, key('y'));
    assert!(matches!(effects.as_slice(), [Effect::RunJob { job }] if job == "offline_weight_map"));
    update(&mut s, key(':'));
    for c in "theme mono".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Enter));
    assert_eq!(s.theme.name, "mono");
}

#[test]
fn a_long_detail_view_scrolls_to_its_last_wrapped_line() {
    let mut s = state_with("dark", false);
    s.size = (80, 24);
    // One 10 KB line: the view wraps it, and End must reach its last row.
    let long = "word ".repeat(2_000);
    s.mode = Mode::View {
        title: "long".into(),
        lines: vec!["text:".into(), format!("  {long}END")],
        scroll: 0,
    };
    update(&mut s, code(KeyCode::End));
    let Mode::View { scroll, .. } = &s.mode else {
        panic!("the view closed")
    };
    assert!(*scroll > 100, "scrolled only to {scroll}");
    let screen = text(&render(&s, 80, 24));
    assert!(screen.contains("END"), "{screen}");
    // Continuations keep the two-space indent of their line.
    assert!(screen.contains("│  word"), "{screen}");
}

/// Weights: `A` on an earlier version asks, says what is in force, and only `y` activates it;
/// the version in force cannot be activated again.
#[tokio::test]
async fn activating_an_earlier_weight_map_asks_first() {
    let db = demo_db().await;
    let mut s = state_with("dark", false);
    open_tab(&mut s, &db, TabId::Weights).await;
    // The newest (active) version is selected: activating it again is refused.
    assert!(update(&mut s, key('A')).is_empty());
    assert!(matches!(s.mode, Mode::Normal));
    assert!(s.flash.as_ref().unwrap().error);
    update(&mut s, code(KeyCode::Esc));
    // One version older.
    update(&mut s, code(KeyCode::Down));
    assert!(update(&mut s, key('A')).is_empty());
    let Mode::Confirm(c) = &s.mode else {
        panic!("{:?}", s.mode)
    };
    assert!(
        c.lines.iter().any(|l| l.contains("In force now")),
        "{:?}",
        c.lines
    );
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    let effects = update(&mut s, key('y'));
    assert!(
        matches!(effects.as_slice(), [Effect::ActivateWeights { .. }]),
        "{effects:?}"
    );
}
