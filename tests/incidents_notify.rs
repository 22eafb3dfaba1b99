//! Issue 14 (incident lifecycle, review SLA, notifications) and issue 13 items 11–12 (never ran,
//! the scheduler's heartbeat, incidents that no longer apply), on both backends, with a real
//! HTTP server on loopback (wiremock) for the destinations.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::TestDb;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xbot::config::Config;
use xbot::identity::Operator;
use xbot::jobs::incidents::{
    REVIEW_SLA, SCHEDULER_ABSENT, SLA_LAG, observe_review_sla, observe_scheduler,
};
use xbot::jobs::overview::{SlaState, build_with};
use xbot::jobs::runner::run_job;
use xbot::jobs::{JobEnv, JobProgress, catalog};
use xbot::notify::config::{Destination, Kind, NotifyConfig};
use xbot::notify::delivery::{Policy, client, deliver_due};
use xbot::store::StoreHandle;
use xbot::store::ops::incidents::{IncidentAction, IncidentOutcome, IncidentRequest, Transition};
use xbot::store::ops::jobs::Trigger;

fn op(name: &str) -> Operator {
    Operator {
        os_user: name.into(),
        host: "oncall-box".into(),
        ssh_client: Some("10.0.0.7".into()),
        pid: 4242,
        via: xbot::identity::Via::Cli,
    }
}

fn req(id: i64, who: &str, action: IncidentAction) -> IncidentRequest {
    IncidentRequest {
        incident_id: id,
        action,
        action_id: uuid::Uuid::now_v7().to_string(),
        operator: op(who),
    }
}

fn fast_policy() -> Policy {
    Policy {
        base: Duration::from_millis(200),
        max_backoff: Duration::from_secs(5),
        max_attempts: 5,
        timeout: Duration::from_millis(800),
        batch: 50,
    }
}

async fn register(store: &StoreHandle, cfg: &NotifyConfig) {
    let kinds: Vec<(String, String)> = cfg
        .destinations
        .iter()
        .map(|d| (d.name.clone(), d.kind.as_str().to_string()))
        .collect();
    store
        .register_destinations(&kinds, "test", Utc::now())
        .await
        .unwrap();
}

async fn open_incident(store: &StoreHandle, subject: &str) -> i64 {
    let t = store
        .raise_incident(SLA_LAG, subject, "warning", "late", Utc::now())
        .await
        .unwrap();
    assert_eq!(t, Transition::Opened);
    store
        .incidents(false, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.subject == subject)
        .unwrap()
        .id
}

// ---------------------------------------------------------------------------------------------
// The lifecycle, in the store.

async fn lifecycle_is_audited_and_race_safe(db: &TestDb) {
    let store = &db.store;
    let cfg = NotifyConfig {
        destinations: vec![Destination::new(
            "hook",
            Kind::Webhook,
            Some("http://127.0.0.1:9/x"),
            None,
        )],
    };
    register(store, &cfg).await;
    let id = open_incident(store, "plan").await;
    // The opening queued one notification in its transaction.
    let rows = store.notifications_for(&[id]).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].transition.as_str(), rows[0].destination.as_str()),
        ("opened", "hook")
    );

    // Acknowledge: stays open, marked, audited with before and after.
    let ack = req(id, "alice", IncidentAction::Acknowledge { note: None });
    let out = store.act_on_incident(&ack, Utc::now()).await.unwrap();
    assert_eq!(
        out,
        IncidentOutcome::Applied {
            from_state: "open".into(),
            to_state: "acknowledged".into()
        }
    );
    let i = store.incident(id).await.unwrap().unwrap();
    assert_eq!((i.state.as_str(), i.status()), ("open", "acknowledged"));
    assert_eq!(i.acknowledged_by.as_deref(), Some("alice@oncall-box"));
    assert!(
        store
            .incidents(false, 10)
            .await
            .unwrap()
            .iter()
            .any(|x| x.id == id)
    );
    let audit = store
        .audit(Some(&format!("incident:{id}")), 10)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    let a = &audit[0];
    assert_eq!(
        (
            a.action.as_str(),
            a.from_state.as_deref(),
            a.to_state.as_deref(),
            a.outcome.as_str()
        ),
        (
            "incident_acknowledge",
            Some("open"),
            Some("acknowledged"),
            "applied"
        )
    );
    assert_eq!(
        (a.operator.as_str(), a.ssh_client.as_deref()),
        ("alice@oncall-box", Some("10.0.0.7"))
    );

    // A second acknowledgement loses and names the winner.
    let out = store
        .act_on_incident(
            &req(id, "bob", IncidentAction::Acknowledge { note: None }),
            Utc::now(),
        )
        .await
        .unwrap();
    match out {
        IncidentOutcome::LostRace { state, by, at } => {
            assert_eq!(state, "acknowledged");
            assert_eq!(by.as_deref(), Some("alice@oncall-box"));
            assert!(at.is_some());
        }
        other => panic!("{other:?}"),
    }

    // Refusals are audited too.
    for action in [
        IncidentAction::Resolve { note: "  ".into() },
        IncidentAction::Note { note: "".into() },
    ] {
        let out = store
            .act_on_incident(&req(id, "bob", action), Utc::now())
            .await
            .unwrap();
        assert!(matches!(out, IncidentOutcome::Refused { .. }), "{out:?}");
    }
    let refused = store
        .audit(Some(&format!("incident:{id}")), 20)
        .await
        .unwrap();
    assert_eq!(refused.iter().filter(|a| a.outcome == "refused").count(), 2);
    assert_eq!(
        refused.iter().filter(|a| a.outcome == "lost_race").count(),
        1
    );

    // A note, then a resolution by hand.
    let note = req(
        id,
        "bob",
        IncidentAction::Note {
            note: "xBOT deploy broke the scraper".into(),
        },
    );
    assert!(matches!(
        store.act_on_incident(&note, Utc::now()).await.unwrap(),
        IncidentOutcome::Applied { .. }
    ));
    let resolve = req(
        id,
        "bob",
        IncidentAction::Resolve {
            note: "scraper fixed".into(),
        },
    );
    let out = store.act_on_incident(&resolve, Utc::now()).await.unwrap();
    assert_eq!(
        out,
        IncidentOutcome::Applied {
            from_state: "acknowledged".into(),
            to_state: "resolved".into()
        }
    );
    let i = store.incident(id).await.unwrap().unwrap();
    assert_eq!(i.state, "resolved");
    assert_eq!(i.resolved_by.as_deref(), Some("bob@oncall-box"));
    assert_eq!(i.resolution.as_deref(), Some("scraper fixed"));
    let notes = store.incident_notes(&[id]).await.unwrap();
    let said: Vec<(&str, &str)> = notes
        .iter()
        .map(|n| (n.action.as_str(), n.note.as_str()))
        .collect();
    assert_eq!(
        said,
        [
            ("note", "xBOT deploy broke the scraper"),
            ("resolve", "scraper fixed")
        ]
    );

    // The same action id again: its first outcome, not applied twice.
    let again = store.act_on_incident(&resolve, Utc::now()).await.unwrap();
    assert_eq!(
        again,
        IncidentOutcome::Repeated {
            first_outcome: "applied".into(),
            to_state: Some("resolved".into())
        }
    );
    // Acknowledging a resolved incident loses, naming who resolved it.
    match store
        .act_on_incident(
            &req(id, "carol", IncidentAction::Acknowledge { note: None }),
            Utc::now(),
        )
        .await
        .unwrap()
    {
        IncidentOutcome::LostRace { state, by, .. } => {
            assert_eq!(
                (state.as_str(), by.as_deref()),
                ("resolved", Some("bob@oncall-box"))
            )
        }
        other => panic!("{other:?}"),
    }
    // Notifications: opened, acknowledged, resolved; a note pages nobody.
    let t: Vec<String> = store
        .notifications_for(&[id])
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.transition)
        .collect();
    assert_eq!(t, ["opened", "acknowledged", "resolved"]);

    // An automatic resolution records xbot and the reason.
    let id2 = open_incident(store, "plan").await;
    assert_ne!(id2, id);
    store
        .clear_incident(SLA_LAG, "plan", "caught up", Utc::now())
        .await
        .unwrap();
    let i = store.incident(id2).await.unwrap().unwrap();
    assert_eq!(
        (i.resolved_by.as_deref(), i.resolution.as_deref()),
        (Some("xbot"), Some("caught up"))
    );
    // Unknown incidents are an error, not a silent success.
    let err = store
        .act_on_incident(
            &req(999_999, "bob", IncidentAction::Note { note: "x".into() }),
            Utc::now(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no incident 999999"), "{err}");
}
contract!(lifecycle_is_audited_and_race_safe);

/// Eight processes resolve one incident at once: one wins, every loser names the winner and
/// the final state.
async fn concurrent_resolvers_name_the_winner(db: &TestDb) {
    let id = open_incident(&db.store, "objective_scores").await;
    let mut tasks = Vec::new();
    for k in 0..8 {
        let store = db.reopen().await;
        tasks.push(tokio::spawn(async move {
            let r = req(
                id,
                &format!("op{k}"),
                IncidentAction::Resolve {
                    note: format!("fixed by {k}"),
                },
            );
            let out = store.act_on_incident(&r, Utc::now()).await.unwrap();
            store.close().await;
            (r.operator.name(), out)
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let winners: Vec<&String> = results
        .iter()
        .filter(|(_, o)| matches!(o, IncidentOutcome::Applied { .. }))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for (_, o) in &results {
        if let IncidentOutcome::LostRace { state, by, .. } = o {
            assert_eq!(state, "resolved");
            assert_eq!(by.as_ref(), Some(winners[0]), "{results:?}");
        } else {
            assert!(matches!(o, IncidentOutcome::Applied { .. }), "{o:?}");
        }
    }
    let audit = db
        .store
        .audit(Some(&format!("incident:{id}")), 20)
        .await
        .unwrap();
    assert_eq!(audit.len(), 8);
}
contract!(concurrent_resolvers_name_the_winner);

// ---------------------------------------------------------------------------------------------
// Delivery, against a real HTTP server on loopback.

async fn bodies(server: &MockServer, at: &str) -> Vec<serde_json::Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == at)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

async fn each_format_gets_its_body(db: &TestDb) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    let cfg = NotifyConfig {
        destinations: vec![
            Destination::new(
                "chat",
                Kind::Slack,
                Some(&format!("{}/slack/T0/B0/secret1", server.uri())),
                None,
            ),
            Destination::new(
                "oncall",
                Kind::PagerDuty,
                Some(&format!("{}/v2/enqueue", server.uri())),
                Some("routing-key-0123"),
            ),
            Destination::new(
                "bus",
                Kind::Webhook,
                Some(&format!("{}/hook", server.uri())),
                None,
            ),
        ],
    };
    register(&db.store, &cfg).await;
    let t = db
        .store
        .raise_incident(
            "job_failure_streak",
            "plan",
            "error",
            "3 failures in a row",
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(t, Transition::Opened);
    let id = db.store.incidents(false, 5).await.unwrap()[0].id;
    let policy = fast_policy();
    let round = deliver_due(&*db.store, &cfg, "w1", &policy, &client(&policy))
        .await
        .unwrap();
    assert_eq!(round.sent, 3, "{round:?}");

    let slack = bodies(&server, "/slack/T0/B0/secret1").await;
    assert_eq!(slack.len(), 1);
    let text = slack[0]["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "[xbot] OPENED #{id} error · job_failure_streak plan"
        )),
        "{text}"
    );
    assert_eq!(slack[0].as_object().unwrap().len(), 1);

    let hook = bodies(&server, "/hook").await;
    let h = &hook[0];
    assert_eq!(h["incident_id"], id);
    assert_eq!(h["transition"], "opened");
    assert_eq!(
        (
            h["kind"].as_str(),
            h["subject"].as_str(),
            h["severity"].as_str()
        ),
        (Some("job_failure_streak"), Some("plan"), Some("error"))
    );
    assert!(h["at"].as_str().unwrap().ends_with('Z'));
    assert!(h["text"].as_str().unwrap().contains("3 failures in a row"));

    // PagerDuty: trigger, acknowledge, resolve with one dedup key.
    for action in [
        IncidentAction::Acknowledge {
            note: Some("on it".into()),
        },
        IncidentAction::Resolve {
            note: "fixed".into(),
        },
    ] {
        db.store
            .act_on_incident(&req(id, "alice", action), Utc::now())
            .await
            .unwrap();
    }
    let round = deliver_due(&*db.store, &cfg, "w1", &policy, &client(&policy))
        .await
        .unwrap();
    assert_eq!(round.sent, 3, "acknowledged to all three: {round:?}");
    let round = deliver_due(&*db.store, &cfg, "w1", &policy, &client(&policy))
        .await
        .unwrap();
    assert_eq!(round.sent, 3, "then resolved, in order: {round:?}");
    let pd = bodies(&server, "/v2/enqueue").await;
    let actions: Vec<&str> = pd
        .iter()
        .map(|b| b["event_action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["trigger", "acknowledge", "resolve"]);
    for b in &pd {
        assert_eq!(b["dedup_key"], format!("xbot-incident-{id}"));
        assert_eq!(b["routing_key"], "routing-key-0123");
    }
    let p = &pd[0]["payload"];
    assert_eq!(p["severity"], "error");
    assert_eq!(p["component"], "job_failure_streak");
    assert!(p["source"].as_str().unwrap().starts_with("xbot on "));
    assert!(
        p["summary"]
            .as_str()
            .unwrap()
            .contains("3 failures in a row")
    );
    let transitions: Vec<String> = bodies(&server, "/hook")
        .await
        .iter()
        .map(|b| b["transition"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(transitions, ["opened", "acknowledged", "resolved"]);
    // Everything is recorded as sent.
    let rows = db.store.notifications_for(&[id]).await.unwrap();
    assert!(
        rows.iter().all(|r| r.state == "sent" && r.attempts == 1),
        "{rows:?}"
    );
}
contract!(each_format_gets_its_body);

async fn retry_on_503_honours_retry_after(db: &TestDb) {
    let server = MockServer::start().await;
    Mock::given(path("/hook"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("Retry-After", "2")
                .set_body_string("busy"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let cfg = NotifyConfig {
        destinations: vec![Destination::new(
            "bus",
            Kind::Webhook,
            Some(&format!("{}/hook", server.uri())),
            None,
        )],
    };
    register(&db.store, &cfg).await;
    let id = open_incident(&db.store, "plan").await;
    let policy = fast_policy();
    let http = client(&policy);
    let before = Utc::now();
    let round = deliver_due(&*db.store, &cfg, "w1", &policy, &http)
        .await
        .unwrap();
    assert_eq!((round.sent, round.retrying), (0, 1));
    let row = db.store.notifications_for(&[id]).await.unwrap().remove(0);
    assert_eq!((row.state.as_str(), row.attempts), ("pending", 1));
    assert!(
        row.last_error.as_deref().unwrap().starts_with("HTTP 503"),
        "{row:?}"
    );
    // Retry-After (2 s), not the 200 ms backoff.
    let wait = (row.next_attempt_at - before).num_milliseconds();
    assert!((1_900..3_500).contains(&wait), "next try in {wait} ms");
    // Not due yet: nothing is sent.
    let round = deliver_due(&*db.store, &cfg, "w1", &policy, &http)
        .await
        .unwrap();
    assert_eq!(round.sent + round.retrying, 0);
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let round = deliver_due(&*db.store, &cfg, "w1", &policy, &http)
        .await
        .unwrap();
    assert_eq!(round.sent, 1);
    let row = db.store.notifications_for(&[id]).await.unwrap().remove(0);
    assert_eq!((row.state.as_str(), row.attempts), ("sent", 2));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
contract!(retry_on_503_honours_retry_after);

async fn a_dead_destination_blocks_nothing(db: &TestDb) {
    let live = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&live)
        .await;
    let dead = MockServer::start().await;
    // Answers far later than the timeout.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&dead)
        .await;
    let cfg = NotifyConfig {
        destinations: vec![
            Destination::new(
                "dead",
                Kind::Webhook,
                Some(&format!("{}/token-abcdef", dead.uri())),
                None,
            ),
            Destination::new(
                "live",
                Kind::Slack,
                Some(&format!("{}/ok", live.uri())),
                None,
            ),
        ],
    };
    register(&db.store, &cfg).await;
    // A transition never waits for a destination: it only writes rows.
    let started = Instant::now();
    for k in 0..5 {
        open_incident(&db.store, &format!("job{k}")).await;
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    let policy = fast_policy();
    let started = Instant::now();
    let round = deliver_due(&*db.store, &cfg, "w1", &policy, &client(&policy))
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!((round.sent, round.retrying), (5, 5), "{round:?}");
    // Sends run side by side: the round takes about one timeout, not five.
    assert!(took < Duration::from_millis(2_500), "{took:?}");
    assert_eq!(live.received_requests().await.unwrap().len(), 5);
    let failing = db.store.undelivered(50).await.unwrap();
    assert_eq!(failing.len(), 5);
    for r in &failing {
        assert_eq!(r.destination, "dead");
        let e = r.last_error.as_deref().unwrap();
        assert!(e.contains("timed out"), "{e}");
        assert!(!e.contains("token-abcdef"), "the URL is a secret: {e}");
    }
}
contract!(a_dead_destination_blocks_nothing);

/// Several deliverers (separate stores, as separate processes would be) race over the same
/// outbox: every notification is POSTed exactly once.
async fn concurrent_deliverers_send_each_once(db: &TestDb) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(20)))
        .mount(&server)
        .await;
    let cfg = NotifyConfig {
        destinations: vec![Destination::new(
            "bus",
            Kind::Webhook,
            Some(&format!("{}/hook", server.uri())),
            None,
        )],
    };
    register(&db.store, &cfg).await;
    const N: usize = 40;
    for k in 0..N {
        open_incident(&db.store, &format!("job{k}")).await;
    }
    let mut tasks = Vec::new();
    for w in 0..6 {
        let store = db.reopen().await;
        let cfg = cfg.clone();
        tasks.push(tokio::spawn(async move {
            let policy = Policy {
                batch: 3,
                ..fast_policy()
            };
            let http = client(&policy);
            let mut sent = 0;
            for _ in 0..200 {
                let r = deliver_due(&*store, &cfg, &format!("w{w}"), &policy, &http)
                    .await
                    .unwrap();
                sent += r.sent;
                if store.undelivered(1).await.unwrap().is_empty() {
                    break;
                }
            }
            store.close().await;
            sent
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await.unwrap();
    }
    assert_eq!(sent, N);
    let got = bodies(&server, "/hook").await;
    assert_eq!(got.len(), N, "each notification exactly once");
    let mut ids: Vec<i64> = got
        .iter()
        .map(|b| b["incident_id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N);
}
contract!(concurrent_deliverers_send_each_once);

// ---------------------------------------------------------------------------------------------
// Detection: the review SLA, the scheduler, incidents that no longer apply, never ran.

async fn review_sla_opens_and_clears(db: &TestDb) {
    let now = Utc::now();
    let mut opts = xbot::store::demo::DemoOptions::new(now, chrono_tz::Tz::UTC);
    opts.posts = 60;
    xbot::store::demo::seed(db.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .unwrap();
    let cfg = NotifyConfig {
        destinations: vec![Destination::new(
            "bus",
            Kind::Webhook,
            Some("http://127.0.0.1:9/x"),
            None,
        )],
    };
    register(&db.store, &cfg).await;
    let pending = db.store.reviews(&["pending"], 100).await.unwrap();
    assert!(!pending.is_empty(), "the demo has pending reviews");
    let oldest = pending.iter().min_by_key(|r| (r.created_at, r.id)).unwrap();
    // An hour after the oldest would be over a 60 min SLA.
    let later = oldest.created_at + chrono::TimeDelta::minutes(61);
    assert_eq!(
        observe_review_sla(&*db.store, 60, later).await.unwrap(),
        Transition::Opened
    );
    let i = db
        .store
        .incidents(false, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.kind == REVIEW_SLA)
        .unwrap();
    assert!(
        i.details
            .as_deref()
            .unwrap()
            .contains(&format!("oldest #{}", oldest.id)),
        "{i:?}"
    );
    let rows = db.store.notifications_for(&[i.id]).await.unwrap();
    assert_eq!(rows[0].transition, "review_sla_missed");
    // Seen again: still one incident.
    assert_eq!(
        observe_review_sla(&*db.store, 60, later).await.unwrap(),
        Transition::StillOpen
    );
    // Under a longer SLA nothing is overdue: resolved with the reason.
    assert_eq!(
        observe_review_sla(&*db.store, 100_000, later)
            .await
            .unwrap(),
        Transition::Resolved
    );
    let i = db.store.incident(i.id).await.unwrap().unwrap();
    assert!(
        i.resolution
            .unwrap()
            .contains("no pending review is older than")
    );
}
contract!(review_sla_opens_and_clears);

async fn a_missing_scheduler_is_an_incident(db: &TestDb) {
    let now = Utc::now();
    db.store
        .sync_schedules(&catalog::effective(&Default::default()), now)
        .await
        .unwrap();
    // A schedule seeded moments ago has missed nothing yet.
    assert_eq!(
        observe_scheduler(&*db.store, &[], 10, now).await.unwrap(),
        Transition::AlreadyResolved
    );
    let later = now + chrono::TimeDelta::minutes(30);
    assert_eq!(
        observe_scheduler(&*db.store, &[], 10, later).await.unwrap(),
        Transition::Opened
    );
    let i = db
        .store
        .incidents(false, 5)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.kind == SCHEDULER_ABSENT)
        .unwrap();
    assert!(i.details.unwrap().contains("no `xbot serve` has ever run"));
    // A scheduler beats: the incident resolves, naming it.
    db.store
        .worker_seen("ops@box:1", "box", 1, false, later, later)
        .await
        .unwrap();
    let workers = db.store.workers().await.unwrap();
    assert_eq!(workers.len(), 1);
    assert_eq!(
        observe_scheduler(&*db.store, &workers, 10, later)
            .await
            .unwrap(),
        Transition::Resolved
    );
    // It stops; 20 minutes on, absent again, saying which one was last seen.
    db.store.worker_stopped("ops@box:1", later).await.unwrap();
    let workers = db.store.workers().await.unwrap();
    let t = observe_scheduler(
        &*db.store,
        &workers,
        10,
        later + chrono::TimeDelta::minutes(20),
    )
    .await
    .unwrap();
    assert_eq!(t, Transition::Opened);
    let i = db
        .store
        .incidents(false, 5)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.kind == SCHEDULER_ABSENT)
        .unwrap();
    assert!(i.details.unwrap().contains("ops@box:1, stopped"));
    // Every job disabled: not applicable.
    for j in catalog::job_names() {
        db.store
            .set_job_enabled(
                j,
                false,
                &uuid::Uuid::now_v7().to_string(),
                &op("admin"),
                later,
            )
            .await
            .unwrap();
    }
    let t = observe_scheduler(
        &*db.store,
        &workers,
        10,
        later + chrono::TimeDelta::minutes(40),
    )
    .await
    .unwrap();
    assert_eq!(t, Transition::Resolved);
}
contract!(a_missing_scheduler_is_an_incident);

async fn incidents_that_no_longer_apply_are_resolved(db: &TestDb) {
    let now = Utc::now();
    db.store
        .sync_schedules(&catalog::effective(&Default::default()), now)
        .await
        .unwrap();
    // An SLA incident on a job that is then disabled, and one on an AI job where no scheduler
    // has an AI endpoint (its SLA shows n/a).
    db.store
        .raise_incident(SLA_LAG, "objective_scores", "warning", "late", now)
        .await
        .unwrap();
    db.store
        .raise_incident(SLA_LAG, "plan", "warning", "late", now)
        .await
        .unwrap();
    db.store
        .set_job_enabled(
            "objective_scores",
            false,
            &uuid::Uuid::now_v7().to_string(),
            &op("admin"),
            now,
        )
        .await
        .unwrap();
    let env = JobEnv::new(
        db.store.clone(),
        Arc::new(Config::defaults_for_tests(db.target.clone())),
    );
    let (tx, _rx) = watch::channel(JobProgress::default());
    run_job(
        &env,
        "job_watchdog",
        Trigger::Manual,
        CancellationToken::new(),
        tx,
    )
    .await
    .unwrap();
    let all = db.store.incidents(true, 50).await.unwrap();
    let of = |job: &str| {
        all.iter()
            .find(|i| i.kind == SLA_LAG && i.subject == job)
            .unwrap()
    };
    let off = of("objective_scores");
    assert_eq!(off.state, "resolved");
    assert_eq!(
        off.resolution.as_deref(),
        Some("not applicable: the job is disabled")
    );
    let plan = of("plan");
    assert_eq!(plan.state, "resolved", "{plan:?}");
    assert!(
        plan.resolution.as_deref().unwrap().contains("SLA is n/a"),
        "{plan:?}"
    );
}
contract!(incidents_that_no_longer_apply_are_resolved);

async fn never_ran_is_not_ok(db: &TestDb) {
    let now = Utc::now();
    db.store
        .sync_schedules(&catalog::effective(&Default::default()), now)
        .await
        .unwrap();
    let states = db.store.job_states().await.unwrap();
    let jobs = build_with(
        &Default::default(),
        true,
        &states,
        now + chrono::TimeDelta::minutes(1),
    );
    assert!(
        jobs.iter().all(|j| j.sla == SlaState::NeverRan),
        "{:?}",
        jobs.iter().map(|j| (&j.job, j.sla)).collect::<Vec<_>>()
    );
    assert_eq!(SlaState::NeverRan.as_str(), "never");
    // Once it runs, it is judged by its lag.
    let env = JobEnv::new(
        db.store.clone(),
        Arc::new(Config::defaults_for_tests(db.target.clone())),
    );
    let (tx, _rx) = watch::channel(JobProgress::default());
    run_job(
        &env,
        "budget_tier",
        Trigger::Manual,
        CancellationToken::new(),
        tx,
    )
    .await
    .unwrap();
    let states = db.store.job_states().await.unwrap();
    let jobs = build_with(&Default::default(), true, &states, Utc::now());
    let bt = jobs.iter().find(|j| j.job == "budget_tier").unwrap();
    assert_eq!(bt.sla, SlaState::Ok);
    // Never ran past its max lag: late, not "never".
    let far = now + chrono::TimeDelta::days(3);
    let jobs = build_with(&Default::default(), true, &states, far);
    assert!(
        jobs.iter()
            .filter(|j| j.job != "budget_tier")
            .all(|j| j.sla == SlaState::Late)
    );
}
contract!(never_ran_is_not_ok);

/// A console stands by while a scheduler beats, and delivers while none does.
async fn the_console_delivers_only_while_no_scheduler_runs(db: &TestDb) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let mut cfg = Config::defaults_for_tests(db.target.clone());
    cfg.notify = NotifyConfig {
        destinations: vec![Destination::new(
            "bus",
            Kind::Webhook,
            Some(&format!("{}/hook", server.uri())),
            None,
        )],
    };
    let cfg = Arc::new(cfg);
    register(&db.store, &cfg.notify).await;
    open_incident(&db.store, "plan").await;
    // A scheduler is alive: the console leaves delivery to it.
    db.store
        .worker_seen("ops@box:1", "box", 1, false, Utc::now(), Utc::now())
        .await
        .unwrap();
    let stop = CancellationToken::new();
    let task = tokio::spawn(xbot::notify::standby::run(
        db.store.clone(),
        cfg.clone(),
        "console".into(),
        stop.clone(),
    ));
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    stop.cancel();
    task.await.unwrap();
    assert!(server.received_requests().await.unwrap().is_empty());
    // It stopped: the console delivers on its next round.
    db.store
        .worker_stopped("ops@box:1", Utc::now())
        .await
        .unwrap();
    let stop = CancellationToken::new();
    let task = tokio::spawn(xbot::notify::standby::run(
        db.store.clone(),
        cfg.clone(),
        "console".into(),
        stop.clone(),
    ));
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.received_requests().await.unwrap().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.cancel();
    task.await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
contract!(the_console_delivers_only_while_no_scheduler_runs);

/// `xbot serve`'s scheduler records its heartbeat on start and as stopped when it leaves, and
/// clears a scheduler_absent incident.
async fn the_scheduler_beats_and_clears_its_absence(db: &TestDb) {
    let now = Utc::now();
    db.store
        .sync_schedules(&catalog::effective(&Default::default()), now)
        .await
        .unwrap();
    db.store
        .raise_incident(SCHEDULER_ABSENT, "scheduler", "error", "no serve", now)
        .await
        .unwrap();
    // Every job off, so the scheduler starts nothing.
    for j in catalog::job_names() {
        db.store
            .set_job_enabled(
                j,
                false,
                &uuid::Uuid::now_v7().to_string(),
                &op("admin"),
                now,
            )
            .await
            .unwrap();
    }
    let mut env = JobEnv::new(
        db.store.clone(),
        Arc::new(Config::defaults_for_tests(db.target.clone())),
    );
    env.owner = "ops@box:77".into();
    let stop = CancellationToken::new();
    let task = tokio::spawn(xbot::jobs::scheduler::Scheduler::new(env).run(stop.clone()));
    let deadline = Instant::now() + Duration::from_secs(10);
    while db.store.workers().await.unwrap().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let w = db.store.workers().await.unwrap();
    assert_eq!((w[0].owner.as_str(), w[0].stopped_at), ("ops@box:77", None));
    let deadline = Instant::now() + Duration::from_secs(10);
    while db
        .store
        .incidents(false, 10)
        .await
        .unwrap()
        .iter()
        .any(|i| i.kind == SCHEDULER_ABSENT)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let all = db.store.incidents(true, 10).await.unwrap();
    let i = all.iter().find(|i| i.kind == SCHEDULER_ABSENT).unwrap();
    assert_eq!(i.state, "resolved");
    assert_eq!(
        i.resolution.as_deref(),
        Some("scheduler ops@box:77 started")
    );
    stop.cancel();
    task.await.unwrap();
    let w = db.store.workers().await.unwrap();
    assert!(w[0].stopped_at.is_some());
}
contract!(the_scheduler_beats_and_clears_its_absence);

/// An answer retrying cannot fix (404) gives up at once, says so, and blocks nothing after it.
async fn a_permanent_refusal_gives_up_and_shows(db: &TestDb) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_string("no such hook"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let cfg = NotifyConfig {
        destinations: vec![Destination::new(
            "bus",
            Kind::Webhook,
            Some(&format!("{}/hook", server.uri())),
            None,
        )],
    };
    register(&db.store, &cfg).await;
    let id = open_incident(&db.store, "plan").await;
    db.store
        .act_on_incident(
            &req(id, "alice", IncidentAction::Acknowledge { note: None }),
            Utc::now(),
        )
        .await
        .unwrap();
    let policy = fast_policy();
    let http = client(&policy);
    let round = deliver_due(&*db.store, &cfg, "w1", &policy, &http)
        .await
        .unwrap();
    assert_eq!((round.sent, round.gave_up), (0, 1));
    // The acknowledgement, held back behind the opening, goes next.
    let round = deliver_due(&*db.store, &cfg, "w1", &policy, &http)
        .await
        .unwrap();
    assert_eq!(round.sent, 1);
    let rows = db.store.notifications_for(&[id]).await.unwrap();
    assert_eq!((rows[0].state.as_str(), rows[0].attempts), ("failed", 1));
    let shown = xbot::store::ops::notify::delivery_state(&rows[0], Utc::now());
    assert!(
        shown.starts_with("FAILED after 1 attempt(s): HTTP 404"),
        "{shown}"
    );
    assert_eq!(rows[1].state, "sent");
    assert_eq!(db.store.undelivered(10).await.unwrap().len(), 1);
}
contract!(a_permanent_refusal_gives_up_and_shows);

/// With no scheduler running, the console resolves what no longer applies: the demo's
/// `sla_lag` on an AI job whose SLA shows `n/a` here does not stay open for ever.
async fn the_console_resolves_what_no_longer_applies(db: &TestDb) {
    let now = Utc::now();
    db.store
        .sync_schedules(&catalog::effective(&Default::default()), now)
        .await
        .unwrap();
    db.store
        .raise_incident(SLA_LAG, "expert_review", "warning", "late", now)
        .await
        .unwrap();
    let cfg = Arc::new(Config::defaults_for_tests(db.target.clone()));
    assert!(!cfg.ai.is_configured());
    let stop = CancellationToken::new();
    let task = tokio::spawn(xbot::notify::standby::run(
        db.store.clone(),
        cfg,
        "console".into(),
        stop.clone(),
    ));
    let resolved = |all: &[xbot::store::ops::incidents::IncidentRecord]| {
        all.iter()
            .find(|i| i.kind == SLA_LAG && i.subject == "expert_review")
            .is_some_and(|i| i.state == "resolved")
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let all = db.store.incidents(true, 50).await.unwrap();
        if resolved(&all) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.cancel();
    task.await.unwrap();
    let all = db.store.incidents(true, 50).await.unwrap();
    let i = all
        .iter()
        .find(|i| i.kind == SLA_LAG && i.subject == "expert_review")
        .unwrap();
    assert_eq!(i.state, "resolved", "{i:?}");
    assert!(
        i.resolution.as_deref().unwrap().contains("SLA is n/a"),
        "{i:?}"
    );
}
contract!(the_console_resolves_what_no_longer_applies);
