//! Operator decisions and the AI budget ledger, on both backends.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::TestDb;
use xbot::identity::Operator;
use xbot::store::ops::budget::{Reservation, Reserved};
use xbot::store::ops::reviews::{DecisionOutcome, DecisionRequest, Verdict};
use xbot::store::types::{Batch, ContentRow, SafetyReviewRow};

fn op(user: &str) -> Operator {
    Operator {
        os_user: user.into(),
        host: "ops".into(),
        ssh_client: Some("203.0.113.5".into()),
        pid: 1,
        via: xbot::identity::Via::Cli,
    }
}

fn content(id: &str, now: DateTime<Utc>) -> ContentRow {
    ContentRow {
        decision_id: id.into(),
        decision_type: "single".into(),
        status: "pending_review".into(),
        content: Some("Take 800 mg of magnesium before bed.".into()),
        thread_parts: None,
        raw_topic: Some("magnesium".into()),
        angle: None,
        tone: None,
        generator_name: Some("coach".into()),
        content_slot: Some("practical_tip".into()),
        hook_type: None,
        cta_type: None,
        target_username: None,
        target_tweet_id: None,
        tweet_id: None,
        created_at: now,
        posted_at: None,
    }
}

fn review(id: &str, part: i64, risk: &str, now: DateTime<Utc>) -> SafetyReviewRow {
    SafetyReviewRow {
        decision_id: id.into(),
        part_index: part,
        original_text: "Take 800 mg of magnesium before bed.".into(),
        proposed_rewrite: Some("Magnesium-rich foods may support sleep for some people.".into()),
        risk_level: risk.into(),
        issues: serde_json::json!(["dosage"]),
        rule_hits: serde_json::json!([]),
        status: "pending".into(),
        rewrite_attempts: 1,
        reviewer: None,
        decided_by: None,
        decided_at: None,
        note: None,
        final_text: None,
        created_at: now,
    }
}

async fn seed_reviews(db: &TestDb, items: &[(&str, i64, &str)]) -> Vec<i64> {
    let now = Utc::now();
    let mut b = Batch::default();
    let mut seen = std::collections::HashSet::new();
    for (id, part, risk) in items {
        if seen.insert(*id) {
            b.content.push(content(id, now));
        }
        b.reviews.push(review(id, *part, risk, now));
    }
    db.store.write_batch(&b).await.unwrap();
    let mut ids: Vec<i64> = db
        .store
        .reviews(&["pending"], 100)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    ids.sort();
    ids
}

fn request(review_id: i64, version: i64, verdict: Verdict, who: &str) -> DecisionRequest {
    DecisionRequest {
        review_id,
        seen_version: version,
        verdict,
        action_id: uuid::Uuid::new_v4().to_string(),
        operator: op(who),
        critical_override: None,
    }
}

async fn eight_concurrent_decisions_one_lands(db: &TestDb) {
    let ids = seed_reviews(db, &[("d1", 0, "high")]).await;
    let id = ids[0];
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 {
            db.store.clone()
        } else {
            db.reopen().await
        };
        let verdict = if i % 2 == 0 {
            Verdict::ApproveRewrite
        } else {
            Verdict::Reject {
                reason: format!("too risky ({i})"),
            }
        };
        let req = request(id, 1, verdict, &format!("op{i}"));
        tasks.push(tokio::spawn(
            async move { store.decide(&req, Utc::now()).await },
        ));
    }
    let mut applied = Vec::new();
    let mut lost = Vec::new();
    for t in tasks {
        match t.await.unwrap().unwrap() {
            DecisionOutcome::Applied { status, .. } => applied.push(status),
            DecisionOutcome::LostRace { by, .. } => lost.push(by),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(applied.len(), 1, "exactly one decision lands");
    assert_eq!(lost.len(), 7);
    let winner = db.store.review(id).await.unwrap().unwrap();
    // The others are told who won.
    assert!(
        lost.iter()
            .all(|by| by.as_deref() == winner.decided_by.as_deref()),
        "{lost:?}"
    );
    let audit = db
        .store
        .audit(Some(&format!("safety_review:{id}")), 100)
        .await
        .unwrap();
    assert_eq!(audit.len(), 8, "one audit row per attempt");
    assert_eq!(audit.iter().filter(|a| a.outcome == "applied").count(), 1);
    assert_eq!(audit.iter().filter(|a| a.outcome == "lost_race").count(), 7);
    assert!(
        audit
            .iter()
            .all(|a| a.ssh_client.as_deref() == Some("203.0.113.5"))
    );
}
contract!(eight_concurrent_decisions_one_lands);

async fn a_retried_action_is_never_applied_twice(db: &TestDb) {
    let ids = seed_reviews(db, &[("d2", 0, "medium")]).await;
    let req = request(
        ids[0],
        1,
        Verdict::Reject {
            reason: "off brand".into(),
        },
        "alice",
    );
    let first = db.store.decide(&req, Utc::now()).await.unwrap();
    assert!(matches!(first, DecisionOutcome::Applied { .. }));
    let again = db.store.decide(&req, Utc::now()).await.unwrap();
    assert_eq!(
        again,
        DecisionOutcome::Repeated {
            first_outcome: "applied".into(),
            to_state: Some("rejected".into())
        }
    );
    let r = db.store.review(ids[0]).await.unwrap().unwrap();
    assert_eq!((r.status.as_str(), r.version), ("rejected", 2));
    // Issue 10: a rejected post is held with xBOT's own parking status, which its posting
    // queue skips (xBOT has no `rejected` status).
    assert_eq!(r.content_status.as_deref(), Some("blocked"));
    assert_eq!(db.store.audit(None, 10).await.unwrap().len(), 1);
    let events = db.store.events(10).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.event_type == "safety_rejected")
            .count(),
        1
    );
}
contract!(a_retried_action_is_never_applied_twice);

async fn decisions_follow_the_rules(db: &TestDb) {
    let ids = seed_reviews(
        db,
        &[
            ("crit", 0, "critical"),
            ("t", 0, "high"),
            ("t", 1, "medium"),
        ],
    )
    .await;
    let (crit, part0, part1) = (ids[0], ids[1], ids[2]);
    // Critical items cannot be approved as they are.
    let out = db
        .store
        .decide(
            &request(
                crit,
                1,
                Verdict::ApproveOriginal {
                    note: "fine".into(),
                },
                "a",
            ),
            Utc::now(),
        )
        .await
        .unwrap();
    assert!(matches!(out, DecisionOutcome::Refused { .. }), "{out:?}");
    // Approving an original needs a note; an edit must fit a post.
    let out = db
        .store
        .decide(
            &request(part0, 1, Verdict::ApproveOriginal { note: " ".into() }, "a"),
            Utc::now(),
        )
        .await
        .unwrap();
    assert!(matches!(out, DecisionOutcome::Refused { .. }));
    let long = "x".repeat(281);
    let out = db
        .store
        .decide(
            &request(part0, 1, Verdict::ApproveEdited { text: long }, "a"),
            Utc::now(),
        )
        .await
        .unwrap();
    assert!(matches!(out, DecisionOutcome::Refused { .. }));
    // A stale version loses.
    let out = db
        .store
        .decide(&request(part0, 7, Verdict::ApproveRewrite, "a"), Utc::now())
        .await
        .unwrap();
    assert!(matches!(out, DecisionOutcome::LostRace { .. }));
    // Asking for another rewrite keeps it pending, and keeps its proposal until a new one
    // exists.
    let out = db
        .store
        .decide(
            &request(
                part0,
                1,
                Verdict::RequestRewrite {
                    note: Some("too vague".into()),
                },
                "a",
            ),
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(
        out,
        DecisionOutcome::Applied {
            status: "pending".into(),
            version: 2
        }
    );
    let r = db.store.review(part0).await.unwrap().unwrap();
    assert_eq!(
        r.proposed_rewrite.as_deref(),
        Some("Magnesium-rich foods may support sleep for some people.")
    );
    // A thread is queued once every part is decided.
    let edited = "Magnesium-rich foods may help some people sleep.".to_string();
    db.store
        .decide(
            &request(
                part0,
                2,
                Verdict::ApproveEdited {
                    text: edited.clone(),
                },
                "a",
            ),
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(
        db.store
            .review(part0)
            .await
            .unwrap()
            .unwrap()
            .content_status
            .as_deref(),
        Some("pending_review")
    );
    assert_eq!(
        db.store
            .review(part0)
            .await
            .unwrap()
            .unwrap()
            .final_text
            .as_deref(),
        Some(edited.as_str())
    );
    db.store
        .decide(
            &request(
                part1,
                1,
                Verdict::ApproveOriginal {
                    note: "hedged enough".into(),
                },
                "b",
            ),
            Utc::now(),
        )
        .await
        .unwrap();
    let r = db.store.review(part1).await.unwrap().unwrap();
    assert_eq!(r.content_status.as_deref(), Some("queued"));
    assert_eq!(r.final_text.as_deref(), Some(r.original_text.as_str()));
    assert_eq!(r.decided_by.as_deref(), Some("b@ops"));
}
contract!(decisions_follow_the_rules);

fn reservation(cost: f64, day: (DateTime<Utc>, DateTime<Utc>)) -> Reservation {
    Reservation {
        model: "gpt-4o".into(),
        feature_area: "tests".into(),
        purpose: Some("test".into()),
        orchestrator: Some("CoreContent".into()),
        job_run_id: None,
        prompt_tokens: 1000,
        completion_tokens: 500,
        estimated_cost_usd: cost,
        day_start: day.0,
        day_end: day.1,
        daily_limit_usd: 5.0,
        expert_cap: None,
    }
}

async fn two_concurrent_calls_that_would_pass_the_limit_only_one_goes(db: &TestDb) {
    let now = Utc::now();
    let day = (now - Duration::hours(1), now + Duration::hours(23));
    let mut granted = 0;
    for _ in 0..5 {
        // Each round: two calls of $3 against a $5 limit, at the same moment.
        let (a, b) = (db.store.clone(), db.reopen().await);
        let r = reservation(3.0, day);
        let r2 = r.clone();
        let ta = tokio::spawn(async move { a.reserve(&r, Utc::now()).await });
        let tb = tokio::spawn(async move { b.reserve(&r2, Utc::now()).await });
        let results = [ta.await.unwrap().unwrap(), tb.await.unwrap().unwrap()];
        let ok: Vec<i64> = results
            .iter()
            .filter_map(|r| match r {
                Reserved::Granted { id, .. } => Some(*id),
                Reserved::Refused { .. } | Reserved::ExpertCapped { .. } => None,
            })
            .collect();
        assert_eq!(ok.len(), 1, "{results:?}");
        granted += 1;
        // The call failed: its reservation goes back.
        db.store.release(ok[0], Utc::now()).await.unwrap();
    }
    assert_eq!(granted, 5);
    // Settling records the real cost; a settled call cannot be released again.
    let Reserved::Granted { id, .. } = db.store.reserve(&reservation(0.5, day), now).await.unwrap()
    else {
        panic!("room left");
    };
    db.store.settle(id, 1200, 300, 0.42, now).await.unwrap();
    assert!(db.store.settle(id, 1, 1, 1.0, now).await.is_err());
    let report = db.store.budget_report(day.0, day.1, now).await.unwrap();
    assert!((report.spent_usd - 0.42).abs() < 1e-9, "{report:?}");
    assert_eq!(report.calls, 1);
    assert_eq!(report.by_model[0].key, "gpt-4o");
    assert!(report.per_hour.iter().map(|h| h.calls).sum::<i64>() == 1);
    // A call that would pass the limit alone is refused before it is sent.
    let refused = db.store.reserve(&reservation(4.9, day), now).await.unwrap();
    assert!(matches!(refused, Reserved::Refused { .. }), "{refused:?}");
}
contract!(two_concurrent_calls_that_would_pass_the_limit_only_one_goes);

/// What an operator approves is what gets posted: the content of a single post, the right part
/// of a thread (and the thread's `content`, its first part, when that part changes).
async fn the_approved_text_is_what_gets_posted(db: &TestDb) {
    let now = Utc::now();
    let mut b = Batch::default();
    b.content.push(content("single-1", now));
    let mut thread = content("thread-1", now);
    thread.decision_type = "thread".into();
    thread.content = Some("Part one, take 800 mg.".into());
    thread.thread_parts = Some(vec![
        "Part one, take 800 mg.".into(),
        "Part two is fine.".into(),
        "Part three, guaranteed cure.".into(),
    ]);
    b.content.push(thread);
    b.reviews.push(review("single-1", 0, "high", now));
    b.reviews.push(review("thread-1", 0, "high", now));
    b.reviews.push(review("thread-1", 2, "high", now));
    db.store.write_batch(&b).await.unwrap();
    let pending = db.store.reviews(&["pending"], 10).await.unwrap();
    let find = |d: &str, part: i64| {
        pending
            .iter()
            .find(|r| r.decision_id == d && r.part_index == part)
            .unwrap()
            .clone()
    };

    // A single post: the rewrite replaces the risky text.
    let single = find("single-1", 0);
    let out = db
        .store
        .decide(
            &request(single.id, single.version, Verdict::ApproveRewrite, "ana"),
            now,
        )
        .await
        .unwrap();
    assert!(matches!(out, DecisionOutcome::Applied { .. }), "{out:?}");
    let c = db.store.decision("single-1").await.unwrap().unwrap();
    assert_eq!(c.status, "queued");
    assert_eq!(c.content, single.proposed_rewrite);

    // A thread: part 3 edited by hand, then part 1's rewrite approved; part 2 untouched.
    let p3 = find("thread-1", 2);
    let edited = "Part three: some people find it helps; ask your doctor.".to_string();
    db.store
        .decide(
            &request(
                p3.id,
                p3.version,
                Verdict::ApproveEdited {
                    text: edited.clone(),
                },
                "ana",
            ),
            now,
        )
        .await
        .unwrap();
    let c = db.store.decision("thread-1").await.unwrap().unwrap();
    assert_eq!(c.status, "pending_review", "part 1 is still pending");
    let p1 = find("thread-1", 0);
    db.store
        .decide(
            &request(p1.id, p1.version, Verdict::ApproveRewrite, "bo"),
            now,
        )
        .await
        .unwrap();
    let c = db.store.decision("thread-1").await.unwrap().unwrap();
    assert_eq!(c.status, "queued");
    let parts: Vec<String> = serde_json::from_str(c.thread_parts.as_deref().unwrap()).unwrap();
    assert_eq!(
        parts,
        vec![
            p1.proposed_rewrite.clone().unwrap(),
            "Part two is fine.".to_string(),
            edited
        ]
    );
    assert_eq!(c.content, p1.proposed_rewrite);
}
contract!(the_approved_text_is_what_gets_posted);

/// The expert cap holds under concurrency: at 19 of 20, two expert calls at once, one goes.
async fn the_expert_cap_holds_under_concurrent_calls(db: &TestDb) {
    let now = Utc::now();
    let day = (now - Duration::hours(1), now + Duration::hours(23));
    let expert = |cost: f64| Reservation {
        orchestrator: Some(xbot::store::ops::budget::EXPERT.into()),
        expert_cap: Some(20),
        ..reservation(cost, day)
    };
    for _ in 0..19 {
        let r = db.store.reserve(&expert(0.01), now).await.unwrap();
        assert!(matches!(r, Reserved::Granted { .. }), "{r:?}");
    }
    let (ra, rb) = (expert(0.01), expert(0.01));
    let (a, b) = tokio::join!(db.store.reserve(&ra, now), db.store.reserve(&rb, now));
    let results = [a.unwrap(), b.unwrap()];
    let granted = results
        .iter()
        .filter(|r| matches!(r, Reserved::Granted { .. }))
        .count();
    assert_eq!(granted, 1, "{results:?}");
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Reserved::ExpertCapped { calls: 20, cap: 20 })),
        "{results:?}"
    );
    // Core calls are not capped.
    let core = db
        .store
        .reserve(&reservation(0.01, day), now)
        .await
        .unwrap();
    assert!(matches!(core, Reserved::Granted { .. }), "{core:?}");
}
contract!(the_expert_cap_holds_under_concurrent_calls);

/// Asking for another rewrite never loses the proposal: it stays, and can still be approved.
async fn a_rewrite_request_keeps_the_proposal_approvable(db: &TestDb) {
    let ids = seed_reviews(db, &[("keep", 0, "high")]).await;
    let id = ids[0];
    let out = db
        .store
        .decide(
            &request(id, 1, Verdict::RequestRewrite { note: None }, "a"),
            Utc::now(),
        )
        .await
        .unwrap();
    assert!(matches!(out, DecisionOutcome::Applied { .. }), "{out:?}");
    let r = db.store.review(id).await.unwrap().unwrap();
    assert_eq!(r.status, "pending");
    let proposal = r.proposed_rewrite.clone().expect("the proposal is kept");
    let out = db
        .store
        .decide(
            &request(id, r.version, Verdict::ApproveRewrite, "b"),
            Utc::now(),
        )
        .await
        .unwrap();
    assert!(matches!(out, DecisionOutcome::Applied { .. }), "{out:?}");
    let r = db.store.review(id).await.unwrap().unwrap();
    assert_eq!(r.final_text.as_deref(), Some(proposal.as_str()));
}
contract!(a_rewrite_request_keeps_the_proposal_approvable);
