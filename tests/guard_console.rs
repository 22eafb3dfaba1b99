//! The console goes through the store's one decision policy (issue 11): in the Safety tab, `e`
//! on a pending item, the text replaced by a critical claim, `ctrl+s`: no plain `y`; the dialog
//! says the store will refuse it and asks for a typed `override` and a note. Without the
//! override the store refuses and the flash names the reason; with it the decision is applied
//! and audited as an override. State-level: the pure `update` function, the effect run against
//! the store as the executor runs it; then the real binary in a pseudo-terminal.

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
const NOTE: &str = "quoted to debunk in the next post";

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
    // ctrl+s: no plain y; the dialog says the store will refuse it and asks for a typed
    // override.
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    let Mode::Confirm(c) = &s.mode else {
        panic!("a confirmation opens: {:?}", s.mode)
    };
    assert_eq!(c.typed.as_ref().map(|(w, _)| w.as_str()), Some("override"));
    let said = c.lines.join(" ");
    assert!(said.contains("The store will refuse this"), "{said}");
    assert!(said.contains("critical risk"), "{said}");
    // y is not a confirmation here: it is typed into the field, nothing is sent.
    assert!(update(&mut s, key('y')).is_empty());
    assert!(matches!(s.mode, Mode::Confirm(_)), "still asking");
    // Enter with the wrong word: still asking, and told what to type.
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert!(matches!(s.mode, Mode::Confirm(_)));
    assert!(s.flash.as_ref().unwrap().text.contains("override"));
    update(&mut s, code(KeyCode::Backspace));
    for c in "override".chars() {
        update(&mut s, key(c));
    }
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    // The note is required.
    assert!(
        matches!(s.mode, Mode::Prompt(_)),
        "the note prompt: {:?}",
        s.mode
    );
    assert!(update(&mut s, code(KeyCode::Enter)).is_empty());
    assert!(
        matches!(s.mode, Mode::Prompt(_)),
        "an empty note is not enough"
    );
    assert!(s.flash.as_ref().unwrap().error);
    for c in NOTE.chars() {
        update(&mut s, key(c));
    }
    let effects = update(&mut s, code(KeyCode::Enter));
    assert!(matches!(s.mode, Mode::Normal));
    let [Effect::Decide(req)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let o = req
        .critical_override
        .as_ref()
        .expect("the override is sent");
    assert_eq!(o.note(), NOTE);

    // The same decision without the override: the store refuses it, nothing is queued, and the
    // console's flash names the reason.
    let mut plain = req.clone();
    plain.critical_override = None;
    plain.action_id = uuid::Uuid::new_v4().to_string();
    let outcome = db.store.decide(&plain, Utc::now()).await.unwrap();
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
    update(
        &mut s,
        Msg::ActionDone {
            label: "approve edited".into(),
            result: Ok(ActionResult::Decision(outcome)),
        },
    );
    let flash = s.flash.as_ref().expect("a flash line");
    assert!(flash.error, "the refusal is shown as an error");
    assert!(
        flash.text.contains("refused: the rules find critical risk"),
        "{}",
        flash.text
    );

    // With the override: applied, and audited as an override with the note.
    let mut req = req.clone();
    req.action_id = uuid::Uuid::new_v4().to_string();
    let outcome = db.store.decide(&req, Utc::now()).await.unwrap();
    assert!(
        matches!(outcome, DecisionOutcome::Applied { .. }),
        "{outcome:?}"
    );
    let r = db.store.review(req.review_id).await.unwrap().unwrap();
    assert_eq!(r.status, "approved_edited");
    assert_eq!(r.final_text.as_deref(), Some(DANGEROUS));
    let subject = format!("safety_review:{}", req.review_id);
    let audit = db.store.audit(Some(&subject), 10).await.unwrap();
    let row = audit
        .iter()
        .find(|a| a.action_id == req.action_id)
        .expect("an audit row for the override");
    assert_eq!(row.action, "approve_edited_override");
    assert_eq!(row.outcome, "applied");
    assert_eq!(row.note.as_deref(), Some(NOTE));
    assert!(
        audit
            .iter()
            .any(|a| a.action_id == plain.action_id && a.outcome == "refused"),
        "the refusal is audited too: {audit:?}"
    );
    update(
        &mut s,
        Msg::ActionDone {
            label: "approve edited #1 (critical override)".into(),
            result: Ok(ActionResult::Decision(outcome)),
        },
    );
    assert!(!s.flash.as_ref().unwrap().error);
    db.cleanup().await;
}

/// A proposed rewrite the rules rate critical: `a` opens the typed override, not a y/n; a bulk
/// approval including it is stopped before anything is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_critical_rewrite_needs_the_typed_override() {
    let db = common::TestDb::sqlite().await;
    seed(
        db.store.as_ref(),
        &DemoOptions::new(now(), chrono_tz::Tz::UTC),
        &mut |_, _| {},
    )
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
    let i = xbot::console::tabs::safety::visible(&s.tabs.safety)[0];
    assert_eq!(s.tabs.safety.reviews[i].status, "pending");
    s.tabs.safety.reviews[i].proposed_rewrite = Some(DANGEROUS.into());
    update(&mut s, key('a'));
    let Mode::Confirm(c) = &s.mode else {
        panic!("{:?}", s.mode)
    };
    assert_eq!(c.typed.as_ref().map(|(w, _)| w.as_str()), Some("override"));
    assert!(update(&mut s, key('y')).is_empty(), "no plain y");
    update(&mut s, code(KeyCode::Esc));
    assert!(matches!(s.mode, Mode::Normal));
    // Bulk: select it, A: refused by the console with the ids, nothing sent.
    update(&mut s, key(' '));
    let effects = update(&mut s, key('A'));
    assert!(effects.is_empty());
    assert!(matches!(s.mode, Mode::Normal), "{:?}", s.mode);
    let flash = s.flash.as_ref().unwrap();
    assert!(
        flash.error && flash.text.contains("critical"),
        "{}",
        flash.text
    );
    db.cleanup().await;
}

/// The same case in a pseudo-terminal with the real binary: Safety tab, `e`, the text replaced
/// by a critical claim, `ctrl+s`: the dialog says the store will refuse it; `y` does nothing;
/// `override`, Enter, a note, Enter: approved, and the audit trail records the override.
#[test]
fn console_edit_to_critical_in_a_pty() {
    use common::pty::Pty;
    use std::time::Duration;
    let long = Duration::from_secs(60);
    let short = Duration::from_secs(15);
    let home = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(common::xbot_command(home.path()), 100, 30);
    pty.wait_text("enter jumps to the item", long);
    pty.send("5");
    pty.wait_text("Queue", short);
    // The frame comes before the store opens (the first run fills it): the queue is there
    // once the tab has loaded.
    pty.wait_text("updated <", long);
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
    let screen = pty.wait_text("will refuse", short);
    assert!(screen.contains("type override"), "{screen}");
    // A plain y is typed into the field, nothing is decided.
    pty.send("y");
    pty.wait_text("type override: y", short);
    std::thread::sleep(Duration::from_millis(300));
    let pending = rt.block_on(store.reviews(&["pending"], 100)).unwrap().len();
    assert_eq!(pending, pending_before, "y approves nothing");
    pty.send("\x7f");
    pty.send("override\r");
    pty.wait_text("Why override", short);
    pty.send(NOTE);
    pty.send("\r");
    let screen = pty.wait_text("critical override", short);
    assert!(!screen.contains("refused"), "{screen}");
    let deadline = std::time::Instant::now() + short;
    let row = loop {
        let audit = rt.block_on(store.audit(None, 20)).unwrap();
        if let Some(a) = audit
            .into_iter()
            .find(|a| a.action == "approve_edited_override")
        {
            break a;
        }
        assert!(std::time::Instant::now() < deadline, "no override audited");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(row.outcome, "applied");
    assert_eq!(row.note.as_deref(), Some(NOTE));
    let pending_after = rt.block_on(store.reviews(&["pending"], 100)).unwrap().len();
    assert_eq!(pending_after, pending_before - 1, "one item approved");
    pty.send("q");
}
