//! Issue 13 item 5: every operator action, from the console or the CLI, leaves exactly one
//! `operator_audit` row written by the store in the action's own transaction, with who
//! (user@host), from where (console|cli), what, the state before and after, and the outcome.
//! The store on both backends; the CLI through the real binary; the console through its
//! effect executor.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use chrono::Utc;
use common::TestDb;
use xbot::identity::{Operator, Via};
use xbot::learning::replies::OperatorOverride;
use xbot::store::demo::{DemoOptions, seed};
use xbot::store::ops::jobs::{Claim, Trigger};
use xbot::store::ops::reviews::{AuditRecord, DecisionOutcome, DecisionRequest, Verdict};
use xbot::store::{Store, StoreHandle};

fn alice(via: Via) -> Operator {
    Operator {
        os_user: "alice".into(),
        host: "ops".into(),
        ssh_client: Some("203.0.113.7".into()),
        pid: 11,
        via,
    }
}

async fn demo(store: &dyn Store) {
    let mut opts = DemoOptions::new(Utc::now(), chrono_tz::Tz::UTC);
    opts.posts = 300;
    seed(store, &opts, &mut |_, _| {}).await.unwrap();
}

/// Runs `act` and returns the audit rows it added (oldest first).
async fn added<F, Fut, T>(store: &StoreHandle, act: F) -> (T, Vec<AuditRecord>)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let before: Vec<i64> = store
        .audit(None, 100_000)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    let out = act().await;
    let mut rows: Vec<AuditRecord> = store
        .audit(None, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| !before.contains(&a.id))
        .collect();
    rows.sort_by_key(|a| a.id);
    (out, rows)
}

/// Exactly one row, with these fields.
#[allow(clippy::too_many_arguments)]
#[track_caller]
fn one(
    rows: &[AuditRecord],
    subject: &str,
    action: &str,
    from: &str,
    to: &str,
    outcome: &str,
    operator: &str,
    via: Via,
) -> AuditRecord {
    assert_eq!(rows.len(), 1, "expected one audit row: {rows:#?}");
    let a = &rows[0];
    assert_eq!(a.subject, subject, "{a:#?}");
    assert_eq!(a.action, action, "{a:#?}");
    assert_eq!(a.from_state.as_deref(), Some(from), "{a:#?}");
    assert_eq!(a.to_state.as_deref(), Some(to), "{a:#?}");
    assert_eq!(a.outcome, outcome, "{a:#?}");
    assert_eq!(a.operator, operator, "{a:#?}");
    assert_eq!(a.via.as_deref(), Some(via.as_str()), "{a:#?}");
    a.clone()
}

async fn every_action_is_audited_once(db: &TestDb) {
    let store = &db.store;
    demo(store.as_ref()).await;
    let now = Utc::now;
    let cli = alice(Via::Cli);
    let console = alice(Via::Console);

    // Enable / disable, with the state before and after; a no-op says so; a retried action
    // id answers with its first outcome and adds nothing.
    let (r, rows) = added(store, || {
        store.set_job_enabled("plan", false, "d-1", &cli, now())
    })
    .await;
    assert_eq!(r.unwrap().outcome, "applied");
    one(
        &rows,
        "job:plan",
        "disable",
        "enabled",
        "disabled",
        "applied",
        "alice@ops",
        Via::Cli,
    );
    let (r, rows) = added(store, || {
        store.set_job_enabled("plan", false, "d-1", &cli, now())
    })
    .await;
    assert!(r.unwrap().repeated);
    assert!(rows.is_empty(), "{rows:#?}");
    let (_, rows) = added(store, || {
        store.set_job_enabled("plan", false, "d-2", &console, now())
    })
    .await;
    one(
        &rows,
        "job:plan",
        "disable",
        "disabled",
        "disabled",
        "unchanged",
        "alice@ops",
        Via::Console,
    );
    let (_, rows) = added(store, || {
        store.set_job_enabled("plan", true, "e-1", &console, now())
    })
    .await;
    one(
        &rows,
        "job:plan",
        "enable",
        "disabled",
        "enabled",
        "applied",
        "alice@ops",
        Via::Console,
    );
    let enabled = store.schedules().await.unwrap();
    assert!(enabled.iter().find(|s| s.job == "plan").unwrap().enabled);
    // An unknown job changes nothing and audits nothing.
    let (r, rows) = added(store, || {
        store.set_job_enabled("nope", true, "e-2", &cli, now())
    })
    .await;
    assert!(r.is_err());
    assert!(rows.is_empty());

    // Cancel another owner's run: the request lands on its row and is audited with the owner.
    let claim = store
        .claim(
            "objective_scores",
            Trigger::Schedule,
            "bob@other:9",
            60,
            now(),
        )
        .await
        .unwrap();
    let Claim::Claimed { lease, .. } = claim else {
        panic!("not claimed: {claim:?}")
    };
    let (r, rows) = added(store, || {
        store.request_cancel("objective_scores", "c-1", &cli, now())
    })
    .await;
    assert_eq!(r.unwrap().outcome, "applied");
    let run = format!("run {} by bob@other:9", lease.run_id);
    one(
        &rows,
        "job:objective_scores",
        "cancel",
        &format!("running {run}"),
        &format!("cancelling {run}"),
        "applied",
        "alice@ops",
        Via::Cli,
    );
    let asked = store
        .heartbeat(&lease, &Default::default(), now())
        .await
        .unwrap();
    assert!(
        asked,
        "the owner sees the cancellation on its next heartbeat"
    );
    store
        .finish_run(
            &lease,
            xbot::store::ops::jobs::RunStatus::Cancelled,
            Some("cancelled"),
            None,
            now(),
        )
        .await
        .unwrap();
    let (_, rows) = added(store, || {
        store.request_cancel("objective_scores", "c-2", &console, now())
    })
    .await;
    one(
        &rows,
        "job:objective_scores",
        "cancel",
        "not running",
        "not running",
        "not_running",
        "alice@ops",
        Via::Console,
    );

    // Run now and both recomputes: audited in the claim's transaction as this process's
    // operator, from the front end the trigger names; a held job names its holder.
    let me = Operator::current().name();
    for (job, trigger, action, via) in [
        ("objective_scores", Trigger::Cli, "run_now", Via::Cli),
        (
            "offline_weight_map",
            Trigger::Manual,
            "recompute_weights",
            Via::Console,
        ),
        (
            "reply_priority_learning",
            Trigger::Cli,
            "recompute_reply_priorities",
            Via::Cli,
        ),
    ] {
        let (claim, rows) = added(store, || {
            store.claim(job, trigger, "carol@ops:5", 60, now())
        })
        .await;
        let Claim::Claimed { lease, .. } = claim.unwrap() else {
            panic!("{job} not claimed")
        };
        one(
            &rows,
            &format!("job:{job}"),
            action,
            "enabled",
            &format!("running run {}", lease.run_id),
            "applied",
            &me,
            via,
        );
        let (held, rows) = added(store, || {
            store.claim(job, Trigger::Manual, "dave@ops:6", 60, now())
        })
        .await;
        assert!(matches!(held.unwrap(), Claim::Held { .. }));
        one(
            &rows,
            &format!("job:{job}"),
            action,
            "enabled",
            &format!("held: run {} by carol@ops:5", lease.run_id),
            "held",
            &me,
            Via::Console,
        );
        store
            .finish_run(
                &lease,
                xbot::store::ops::jobs::RunStatus::Succeeded,
                None,
                None,
                now(),
            )
            .await
            .unwrap();
    }
    // The scheduler's claims are not operator actions.
    let (claim, rows) = added(store, || {
        store.claim("budget_tier", Trigger::Schedule, "serve@ops:1", 60, now())
    })
    .await;
    assert!(matches!(claim.unwrap(), Claim::Claimed { .. }));
    assert!(rows.is_empty(), "{rows:#?}");

    // Applying the config to the schedule.
    let mut jobs = xbot::jobs::catalog::effective(&BTreeMap::new());
    let j = jobs.iter_mut().find(|j| j.spec.name == "plan").unwrap();
    j.interval_minutes = 45;
    let j = j.clone();
    let (r, rows) = added(store, || store.apply_schedule(&j, "s-1", &cli, now())).await;
    let change = r.unwrap().expect("a change");
    one(
        &rows,
        "job:plan",
        "apply_config",
        change.from.as_deref().unwrap(),
        &change.to,
        "applied",
        "alice@ops",
        Via::Cli,
    );

    // Pin, mute, clear.
    let account = store.accounts(1).await.unwrap().remove(0).username;
    let subject = format!("account:{account}");
    let (r, rows) = added(store, || {
        store.set_override(&account, OperatorOverride::Pinned, "p-1", &console, now())
    })
    .await;
    assert_eq!(r.unwrap().outcome, "applied");
    one(
        &rows,
        &subject,
        "pin",
        "none",
        "pinned",
        "applied",
        "alice@ops",
        Via::Console,
    );
    let (_, rows) = added(store, || {
        store.set_override(&account, OperatorOverride::Muted, "m-1", &cli, now())
    })
    .await;
    one(
        &rows,
        &subject,
        "mute",
        "pinned",
        "muted",
        "applied",
        "alice@ops",
        Via::Cli,
    );
    let (_, rows) = added(store, || {
        store.set_override(&account, OperatorOverride::Muted, "m-2", &cli, now())
    })
    .await;
    one(
        &rows,
        &subject,
        "mute",
        "muted",
        "muted",
        "unchanged",
        "alice@ops",
        Via::Cli,
    );
    let (_, rows) = added(store, || {
        store.set_override(&account, OperatorOverride::None, "x-1", &cli, now())
    })
    .await;
    one(
        &rows,
        &subject,
        "clear_override",
        "muted",
        "none",
        "applied",
        "alice@ops",
        Via::Cli,
    );

    // A review decision and an operator's new rewrite.
    let pending = store.reviews(&["pending"], 100).await.unwrap();
    let review = pending
        .iter()
        .find(|r| r.proposed_rewrite.is_some())
        .expect("a pending review with a rewrite")
        .clone();
    let (r, rows) = added(store, || {
        store.propose_rewrite(
            review.id,
            review.version,
            "Magnesium may help some people sleep; ask your doctor first.",
            "r-1",
            &cli,
            now(),
        )
    })
    .await;
    assert!(matches!(r.unwrap(), DecisionOutcome::Applied { .. }));
    let subject = format!("safety_review:{}", review.id);
    one(
        &rows,
        &subject,
        "rewrite",
        "pending",
        "pending",
        "applied",
        "alice@ops",
        Via::Cli,
    );
    let after = store.review(review.id).await.unwrap().unwrap();
    assert_eq!(
        after.proposed_rewrite.as_deref(),
        Some("Magnesium may help some people sleep; ask your doctor first.")
    );
    // A new rewrite the rules refuse never replaces the proposal.
    let (r, rows) = added(store, || {
        store.propose_rewrite(review.id, after.version, "   ", "r-2", &cli, now())
    })
    .await;
    assert!(matches!(r.unwrap(), DecisionOutcome::Refused { .. }));
    one(
        &rows,
        &subject,
        "rewrite",
        "pending",
        "pending",
        "refused",
        "alice@ops",
        Via::Cli,
    );
    assert_eq!(
        store
            .review(review.id)
            .await
            .unwrap()
            .unwrap()
            .proposed_rewrite,
        after.proposed_rewrite
    );
    let req = DecisionRequest {
        review_id: review.id,
        seen_version: after.version,
        verdict: Verdict::Reject {
            reason: "not our voice".into(),
        },
        action_id: "j-1".into(),
        operator: console.clone(),
        critical_override: None,
    };
    let (r, rows) = added(store, || store.decide(&req, now())).await;
    assert!(matches!(r.unwrap(), DecisionOutcome::Applied { .. }));
    one(
        &rows,
        &subject,
        "reject",
        "pending",
        "rejected",
        "applied",
        "alice@ops",
        Via::Console,
    );
}
contract!(every_action_is_audited_once);

fn xbot(home: &Path, url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = common::xbot_command(home);
    cmd.env("DATABASE_URL", url).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run xbot")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
fn ok_json(out: &Output) -> serde_json::Value {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

/// The CLI verbs, through the real binary: each one leaves exactly one row, as `cli`, as this
/// user at this host, and prints the same facts with `--json`.
async fn the_cli_audits_every_action(db: &TestDb) {
    let store = &db.store;
    demo(store.as_ref()).await;
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let url = db.url.clone();
    let me = Operator::current().name();
    let run = |args: &'static [&'static str]| {
        let url = url.clone();
        let h = h.to_path_buf();
        move || {
            let url = url.clone();
            let h = h.clone();
            async move {
                tokio::task::spawn_blocking(move || xbot(&h, &url, args, &[]))
                    .await
                    .unwrap()
            }
        }
    };

    let (out, rows) = added(store, run(&["jobs", "disable", "plan", "--json"])).await;
    let v = ok_json(&out);
    assert_eq!(v["outcome"], "applied", "{v}");
    assert_eq!(v["from_state"], "enabled", "{v}");
    assert_eq!(v["to_state"], "disabled", "{v}");
    assert_eq!(v["operator"], me.as_str(), "{v}");
    one(
        &rows,
        "job:plan",
        "disable",
        "enabled",
        "disabled",
        "applied",
        &me,
        Via::Cli,
    );
    let (out, rows) = added(store, run(&["jobs", "enable", "plan"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("plan: enabled by"),
        "{}",
        text(&out.stdout)
    );
    one(
        &rows,
        "job:plan",
        "enable",
        "disabled",
        "enabled",
        "applied",
        &me,
        Via::Cli,
    );

    // Cancel: nothing running is exit 1; another owner's run is asked to cancel.
    let (out, rows) = added(store, run(&["jobs", "cancel", "plan"])).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("plan is not running"),
        "{}",
        text(&out.stderr)
    );
    one(
        &rows,
        "job:plan",
        "cancel",
        "not running",
        "not running",
        "not_running",
        &me,
        Via::Cli,
    );
    let Claim::Claimed { lease, .. } = store
        .claim(
            "objective_scores",
            Trigger::Schedule,
            "bob@other:9",
            60,
            Utc::now(),
        )
        .await
        .unwrap()
    else {
        panic!("not claimed")
    };
    let (out, rows) = added(
        store,
        run(&["jobs", "cancel", "objective_scores", "--json"]),
    )
    .await;
    let v = ok_json(&out);
    assert_eq!(v["outcome"], "applied", "{v}");
    let held = format!("run {} by bob@other:9", lease.run_id);
    one(
        &rows,
        "job:objective_scores",
        "cancel",
        &format!("running {held}"),
        &format!("cancelling {held}"),
        "applied",
        &me,
        Via::Cli,
    );
    assert!(
        store
            .heartbeat(&lease, &Default::default(), Utc::now())
            .await
            .unwrap()
    );
    store
        .finish_run(
            &lease,
            xbot::store::ops::jobs::RunStatus::Cancelled,
            None,
            None,
            Utc::now(),
        )
        .await
        .unwrap();

    // Run now: audited in the claim.
    let (out, rows) = added(store, run(&["jobs", "run", "budget_tier"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].action, "run_now");
    assert_eq!(rows[0].via.as_deref(), Some("cli"));
    assert_eq!(rows[0].operator, me);

    // Replies: pin, mute, clear, list; an unknown account is a bad argument (exit 2).
    let account = store.accounts(1).await.unwrap().remove(0).username;
    let subject = format!("account:{account}");
    let h2 = h.to_path_buf();
    let url2 = url.clone();
    let replies = |verb: &'static str| {
        let (h, url, account) = (h2.clone(), url2.clone(), account.clone());
        move || async move {
            tokio::task::spawn_blocking(move || {
                xbot(&h, &url, &["replies", verb, &account, "--json"], &[])
            })
            .await
            .unwrap()
        }
    };
    let (out, rows) = added(store, replies("pin")).await;
    assert_eq!(ok_json(&out)["to_state"], "pinned");
    one(
        &rows,
        &subject,
        "pin",
        "none",
        "pinned",
        "applied",
        &me,
        Via::Cli,
    );
    let (out, rows) = added(store, replies("mute")).await;
    assert_eq!(ok_json(&out)["from_state"], "pinned");
    one(
        &rows,
        &subject,
        "mute",
        "pinned",
        "muted",
        "applied",
        &me,
        Via::Cli,
    );
    let list = ok_json(&xbot(
        h,
        &url,
        &["replies", "list", "--limit", "100000", "--json"],
        &[],
    ));
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == account.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["operator_override"], "muted", "{row}");
    assert_eq!(row["override_by"], me.as_str(), "{row}");
    let (out, rows) = added(store, replies("clear")).await;
    ok_json(&out);
    one(
        &rows,
        &subject,
        "clear_override",
        "muted",
        "none",
        "applied",
        &me,
        Via::Cli,
    );
    let (out, rows) = added(store, run(&["replies", "pin", "no_such_account_xyz"])).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no account @no_such_account_xyz"));
    assert!(rows.is_empty());

    // Another rewrite: refused without an AI endpoint (the proposal kept, nothing audited);
    // with one (a real HTTP server on loopback), the new proposal replaces the old, audited.
    let review = store
        .reviews(&["pending"], 100)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.proposed_rewrite.is_some())
        .expect("a pending review with a proposal");
    let id = review.id.to_string();
    let (out, rows) = added(store, || {
        let (h, url, id) = (h.to_path_buf(), url.clone(), id.clone());
        async move {
            tokio::task::spawn_blocking(move || xbot(&h, &url, &["review", "rewrite", &id], &[]))
                .await
                .unwrap()
        }
    })
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no AI endpoint is configured"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("the proposed rewrite is kept"));
    assert!(rows.is_empty(), "{rows:#?}");
    assert_eq!(
        store
            .review(review.id)
            .await
            .unwrap()
            .unwrap()
            .proposed_rewrite,
        review.proposed_rewrite
    );

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
    let base = format!("{}/v1", server.uri());
    let (out, rows) = added(store, || {
        let (h, url, id, base) = (h.to_path_buf(), url.clone(), id.clone(), base.clone());
        async move {
            tokio::task::spawn_blocking(move || {
                xbot(
                    &h,
                    &url,
                    &["review", "rewrite", &id, "--json"],
                    &[
                        ("XBOT_AI_BASE_URL", &base),
                        ("XBOT_AI_API_KEY", "sk-test-rewrite"),
                    ],
                )
            })
            .await
            .unwrap()
        }
    })
    .await;
    let v = ok_json(&out);
    assert_eq!(v["proposed"], new_text, "{v}");
    assert_eq!(v["outcome"]["outcome"], "applied", "{v}");
    let subject = format!("safety_review:{}", review.id);
    one(
        &rows,
        &subject,
        "rewrite",
        "pending",
        "pending",
        "applied",
        &me,
        Via::Cli,
    );
    let after = store.review(review.id).await.unwrap().unwrap();
    assert_eq!(after.proposed_rewrite.as_deref(), Some(new_text));
    assert_eq!(after.status, "pending");
}
contract!(the_cli_audits_every_action);

/// The console's actions through its effect executor (what a confirmed key runs): each leaves
/// exactly one row, as `console`.
async fn the_console_audits_every_action(db: &TestDb) {
    use std::sync::{Arc, Mutex};
    use xbot::console::effects::Executor;
    use xbot::console::msg::{Effect, Msg};

    let store = &db.store;
    demo(store.as_ref()).await;
    let cfg = Arc::new(xbot::config::Config::defaults_for_tests(db.target.clone()));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let ex = Executor {
        store: store.clone(),
        env: xbot::jobs::JobEnv::new(store.clone(), cfg),
        setup: Arc::new(common::console_setup(&db.url, true, false)),
        tx,
        running: Arc::new(Mutex::new(Default::default())),
    };
    let me = Operator::current().name();
    // Spawn an effect and wait for its answer.
    let act = |effect: Effect| {
        let (ex, rx) = (ex.clone(), rx.clone());
        move || async move {
            ex.spawn(effect);
            let mut rx = rx.lock().await;
            loop {
                let msg = tokio::time::timeout(std::time::Duration::from_secs(60), rx.recv())
                    .await
                    .expect("an answer within 60 s")
                    .expect("the channel is open");
                match msg {
                    Msg::ActionDone { label, result } => return format!("{label}: {result:?}"),
                    Msg::JobFinished { job, result } => return format!("{job}: {result:?}"),
                    _ => {}
                }
            }
        }
    };

    let (said, rows) = added(
        store,
        act(Effect::SetJobEnabled {
            job: "plan".into(),
            enabled: false,
        }),
    )
    .await;
    assert!(said.contains("disabled"), "{said}");
    one(
        &rows,
        "job:plan",
        "disable",
        "enabled",
        "disabled",
        "applied",
        &me,
        Via::Console,
    );

    // Cancel another owner's run, through the database.
    let Claim::Claimed { lease, .. } = store
        .claim(
            "objective_scores",
            Trigger::Schedule,
            "bob@other:9",
            60,
            Utc::now(),
        )
        .await
        .unwrap()
    else {
        panic!("not claimed")
    };
    let (said, rows) = added(
        store,
        act(Effect::CancelJob {
            job: "objective_scores".into(),
            here: false,
        }),
    )
    .await;
    assert!(said.contains("asked its owner to cancel"), "{said}");
    let held = format!("run {} by bob@other:9", lease.run_id);
    one(
        &rows,
        "job:objective_scores",
        "cancel",
        &format!("running {held}"),
        &format!("cancelling {held}"),
        "applied",
        &me,
        Via::Console,
    );
    store
        .finish_run(
            &lease,
            xbot::store::ops::jobs::RunStatus::Cancelled,
            None,
            None,
            Utc::now(),
        )
        .await
        .unwrap();

    // Both recomputes (`R` in Weights and in Replies) and run now (`x`).
    for (job, action) in [
        ("offline_weight_map", "recompute_weights"),
        ("reply_priority_learning", "recompute_reply_priorities"),
        ("budget_tier", "run_now"),
    ] {
        let (said, rows) = added(store, act(Effect::RunJob { job: job.into() })).await;
        assert!(said.contains("Finished"), "{said}");
        // The run's own work may audit nothing else: exactly the one row.
        assert_eq!(rows.len(), 1, "{job}: {rows:#?}");
        assert_eq!(rows[0].subject, format!("job:{job}"));
        assert_eq!(rows[0].action, action);
        assert_eq!(rows[0].outcome, "applied");
        assert_eq!(rows[0].from_state.as_deref(), Some("enabled"));
        assert!(
            rows[0]
                .to_state
                .as_deref()
                .unwrap()
                .starts_with("running run ")
        );
        assert_eq!(rows[0].operator, me);
        assert_eq!(rows[0].via.as_deref(), Some("console"));
    }

    let account = store.accounts(1).await.unwrap().remove(0).username;
    let (said, rows) = added(
        store,
        act(Effect::SetOverride {
            username: account.clone(),
            to: OperatorOverride::Pinned,
            action_id: String::new(),
        }),
    )
    .await;
    assert!(said.contains("applied"), "{said}");
    one(
        &rows,
        &format!("account:{account}"),
        "pin",
        "none",
        "pinned",
        "applied",
        &me,
        Via::Console,
    );
}
contract!(the_console_audits_every_action);
