//! The Incidents tab's actions on the pure `update` with the demo data: acknowledge with a
//! note, resolve (a note required), note, `enter` to the subject, `d` details, read-only.

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use common::TestDb;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use xbot::console::draw::draw;
use xbot::console::msg::{Effect, Msg, Query};
use xbot::console::state::{Mode, State};
use xbot::console::tabs::TabId;
use xbot::console::update::{tab_query, update};
use xbot::store::demo::{DemoOptions, seed};
use xbot::store::ops::incidents::{IncidentAction, IncidentOutcome};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 30, 0).unwrap()
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

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn enter() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

fn typed(s: &mut State, text: &str) -> Vec<Effect> {
    for c in text.chars() {
        update(s, key(c));
    }
    update(s, enter())
}

fn screen(s: &State, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, s)).unwrap();
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

/// Run an `ActOnIncident` effect the way the executor does.
async fn act(db: &TestDb, effects: Vec<Effect>) -> IncidentOutcome {
    let Some(Effect::ActOnIncident(req)) = effects
        .into_iter()
        .find(|e| matches!(e, Effect::ActOnIncident(_)))
    else {
        panic!("no incident action")
    };
    db.store.act_on_incident(&req, now()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledge_note_resolve_and_jump_from_the_incidents_tab() {
    let db = demo_db().await;
    let mut s = common::console_state(
        common::console_setup("sqlite:///demo/xbot.db", true, false),
        "dark",
        now(),
    );
    open_tab(&mut s, &db, TabId::Incidents).await;
    let first = s.tabs.incidents.incidents[0].clone();
    assert_eq!(first.state, "open", "the demo's open incident sorts first");

    // a: a prompt for an optional note, then the store's audited action.
    update(&mut s, key('a'));
    assert!(matches!(s.mode, Mode::Prompt(_)));
    let effects = typed(&mut s, "looking");
    match &effects[..] {
        [Effect::ActOnIncident(r)] => {
            assert_eq!(r.incident_id, first.id);
            assert_eq!(
                r.action,
                IncidentAction::Acknowledge {
                    note: Some("looking".into())
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        act(&db, effects).await,
        IncidentOutcome::Applied { .. }
    ));
    open_tab(&mut s, &db, TabId::Incidents).await;
    let shown = screen(&s, 120, 30);
    assert!(shown.contains("ACK"), "{shown}");
    assert!(shown.contains("(1 acknowledged)"), "{shown}");
    // Acknowledging again is answered at once.
    update(&mut s, key('a'));
    assert!(matches!(s.mode, Mode::Normal));
    assert!(
        s.flash
            .as_ref()
            .unwrap()
            .text
            .contains("already acknowledged")
    );

    // n: a note.
    update(&mut s, key('n'));
    assert!(matches!(
        act(&db, typed(&mut s, "deploy at 09:10")).await,
        IncidentOutcome::Applied { .. }
    ));

    // R: an empty note keeps the prompt open; a note resolves.
    update(&mut s, key('R'));
    assert!(update(&mut s, enter()).is_empty());
    assert!(matches!(s.mode, Mode::Prompt(_)), "still asking why");
    assert!(s.flash.as_ref().unwrap().error);
    assert!(matches!(
        act(&db, typed(&mut s, "fixed upstream")).await,
        IncidentOutcome::Applied { .. }
    ));
    open_tab(&mut s, &db, TabId::Incidents).await;
    let id = first.id.to_string();
    assert!(xbot::console::tabs::module(TabId::Incidents).focus(&mut s, &id));

    // d: the details carry who, why, the notes and the notifications.
    update(&mut s, key('d'));
    let Mode::View { lines, .. } = &s.mode else {
        panic!("{:?}", s.mode)
    };
    let all = lines.join("\n");
    assert!(
        all.contains("resolved by ") && all.contains("fixed upstream"),
        "{all}"
    );
    assert!(
        all.contains("acknowledge: looking") && all.contains("note: deploy at 09:10"),
        "{all}"
    );
    assert!(all.contains("notifications:"), "{all}");
    s.mode = Mode::Normal;

    // enter: to the subject, a job in the Jobs tab with the job selected.
    assert_eq!(first.kind, "sla_lag");
    update(&mut s, enter());
    assert_eq!(s.tab, TabId::Jobs);
    let q = tab_query(&s, TabId::Jobs);
    feed(&mut s, &db, q).await;
    let v = &s.tabs.jobs;
    let sel = xbot::console::tabs::jobs::visible(v)[v.selected];
    assert_eq!(v.overview[sel].job, first.subject);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_incident_actions() {
    let db = demo_db().await;
    let mut s = common::console_state(
        common::console_setup("sqlite:///demo/xbot.db", true, true),
        "dark",
        now(),
    );
    open_tab(&mut s, &db, TabId::Incidents).await;
    for c in ['a', 'R', 'n'] {
        assert!(update(&mut s, key(c)).is_empty());
        assert!(matches!(s.mode, Mode::Normal));
        assert!(s.flash.as_ref().unwrap().text.contains("read-only"));
    }
    db.cleanup().await;
}

/// `enter` on a failure incident goes to the job with its failing run selected, and `enter`
/// again shows that run in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_on_a_failure_goes_to_the_failing_run() {
    let db = demo_db().await;
    let mut s = common::console_state(
        common::console_setup("sqlite:///demo/xbot.db", false, true),
        "dark",
        now(),
    );
    // A job that just failed (the demo's failures are older than the recent runs shown).
    use xbot::store::ops::jobs::{Claim, RunStatus, Trigger};
    let t = Utc::now();
    let Claim::Claimed { lease, .. } = db
        .store
        .claim("budget_tier", Trigger::Manual, "ops@box:1", 60, t)
        .await
        .unwrap()
    else {
        panic!("claimed")
    };
    db.store
        .finish_run(&lease, RunStatus::Failed, Some("boom"), None, t)
        .await
        .unwrap();
    db.store
        .raise_incident(
            "job_failure_streak",
            "budget_tier",
            "error",
            "3 failures",
            t,
        )
        .await
        .unwrap();
    let all = db.store.incidents(true, 100).await.unwrap();
    let streak = all
        .iter()
        .find(|i| i.kind == "job_failure_streak" && i.subject == "budget_tier")
        .unwrap();
    open_tab(&mut s, &db, TabId::Incidents).await;
    assert!(xbot::console::tabs::module(TabId::Incidents).focus(&mut s, &streak.id.to_string()));
    update(&mut s, enter());
    assert_eq!(s.tab, TabId::Jobs);
    let q = tab_query(&s, TabId::Jobs);
    feed(&mut s, &db, q).await;
    let v = &s.tabs.jobs;
    let sel = xbot::console::tabs::jobs::visible(v)[v.selected];
    assert_eq!(v.overview[sel].job, streak.subject);
    let i = v.run_selected.expect("a run of the job is selected");
    let runs = xbot::console::tabs::jobs::shown_runs(v).1;
    assert!(
        matches!(runs[i].status.as_str(), "failed" | "abandoned"),
        "{:?}",
        runs[i]
    );
    let run_id = runs[i].id;
    update(&mut s, enter());
    let Mode::View { title, .. } = &s.mode else {
        panic!("{:?}", s.mode)
    };
    assert!(title.contains(&format!("Run {run_id}")), "{title}");
    db.cleanup().await;
}
