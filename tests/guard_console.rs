//! The console goes through the store's one decision policy (issue 11): in the Safety tab, `e`
//! on a pending item, the text replaced by a critical claim, `ctrl+s` and `y` send the decision,
//! and the store refuses it; nothing is queued. State-level: the pure `update` function, the
//! effect run against the store as the executor runs it.

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use xbot::console::msg::{ActionResult, Effect, Msg, Query};
use xbot::console::state::{Mode, State};
use xbot::console::tabs::TabId;
use xbot::console::update::{load, tab_query, update};
use xbot::store::demo::{DemoOptions, seed};
use xbot::store::ops::reviews::DecisionOutcome;

const DANGEROUS: &str = "Stop taking your statins and eat more butter instead.";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 30, 0).unwrap()
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

async fn feed(s: &mut State, db: &common::TestDb, query: Query) {
    let Effect::Load { req, .. } = load(s, query.clone()) else {
        unreachable!()
    };
    let data = xbot::console::effects::load(db.store.as_ref(), &s.setup, &query, now())
        .await
        .unwrap();
    update(
        s,
        Msg::Loaded {
            req,
            result: Ok(Box::new(data)),
        },
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_edit_to_critical_is_refused_by_the_store() {
    let db = common::TestDb::sqlite().await;
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
    let mut s = common::console_state(
        common::console_setup("sqlite:///demo/xbot.db", true, false),
        "dark",
        now(),
    );
    s.tab = TabId::Safety;
    feed(&mut s, &db, Query::Status).await;
    let q = tab_query(&s, TabId::Safety);
    feed(&mut s, &db, q).await;

    // e: the editor opens on the selected pending item.
    update(&mut s, key('e'));
    assert!(matches!(s.mode, Mode::Editor(_)), "the editor opens");
    // Clear the text and type the dangerous one.
    for _ in 0..400 {
        update(&mut s, code(KeyCode::Backspace));
    }
    for _ in 0..20 {
        update(&mut s, code(KeyCode::Delete));
    }
    for c in DANGEROUS.chars() {
        update(&mut s, key(c));
    }
    // ctrl+s, then y.
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    assert!(matches!(s.mode, Mode::Confirm(_)), "a confirmation opens");
    let effects = update(&mut s, key('y'));
    let [Effect::Decide(req)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(
        req.critical_override.is_none(),
        "the console sends no override"
    );
    let mut req = req.clone();
    req.action_id = uuid::Uuid::new_v4().to_string();
    let outcome = db.store.decide(&req, Utc::now()).await.unwrap();
    let DecisionOutcome::Refused { reason } = &outcome else {
        panic!("the store must refuse critical risk: {outcome:?}")
    };
    assert!(reason.contains("critical"), "{reason}");
    let r = db.store.review(req.review_id).await.unwrap().unwrap();
    assert_eq!(r.status, "pending", "nothing was approved");
    assert_ne!(
        r.content_status.as_deref(),
        Some("queued"),
        "nothing is queued"
    );

    // The console reports the refusal.
    update(
        &mut s,
        Msg::ActionDone {
            label: "approve edited".into(),
            result: Ok(ActionResult::Decision(outcome)),
        },
    );
    let flash = s.flash.as_ref().expect("a flash line");
    assert!(flash.error, "the refusal is shown as an error");
    db.cleanup().await;
}

/// The same case in a pseudo-terminal with the real binary: Safety tab, `e`, the text replaced
/// by a critical claim, `ctrl+s`, `y`: the store refuses, the flash says so, nothing is queued.
#[test]
fn console_edit_to_critical_in_a_pty() {
    use common::pty::Pty;
    use std::time::Duration;
    let long = Duration::from_secs(60);
    let short = Duration::from_secs(15);
    let home = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(common::xbot_command(home.path()), 100, 30);
    pty.wait_text("Data health", long);
    pty.send("5");
    pty.wait_text("Queue", short);
    let db = home.path().join("data/xbot/xbot.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let target = xbot::config::DatabaseTarget::Sqlite {
        path: db,
        is_default: false,
    };
    let store = rt
        .block_on(xbot::store::open(
            &target,
            xbot::store::MigrationPolicy::Require,
        ))
        .unwrap()
        .store;
    let pending_before = rt.block_on(store.reviews(&["pending"], 100)).unwrap().len();
    pty.send("e");
    pty.wait_text("ctrl+s approve", short);
    for _ in 0..300 {
        pty.send("\x7f");
    }
    for _ in 0..20 {
        pty.send("\x1b[3~");
    }
    pty.send(DANGEROUS);
    pty.send("\x13"); // ctrl+s
    pty.wait_text("still flag", short);
    pty.send("y");
    let screen = pty.wait_text("refused", short);
    assert!(screen.contains("refused: the rules find"), "{screen}");
    let pending_after = rt.block_on(store.reviews(&["pending"], 100)).unwrap().len();
    assert_eq!(pending_after, pending_before, "nothing was approved");
    pty.send("q");
}
