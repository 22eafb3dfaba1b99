//! The AI jobs on both backends, against a mock OpenAI-compatible server: a full plan run
//! (one queued post; with a risky generation, one pending review with a proposed rewrite), the
//! safety_review job with and without AI, and the expert review.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use common::TestDb;
use secrecy::SecretString;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};
use xbot::config::Config;
use xbot::jobs::runner::{RunReport, run_job};
use xbot::jobs::{JobEnv, JobProgress};
use xbot::store::ops::jobs::{RunStatus, Trigger};
use xbot::store::types::{AiUsageRow, Batch, ContentRow, OutcomeRow};

/// An answer to any chat request: `content` as the message, the requested model echoed back.
fn answer(content: &'static str) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static {
    move |req: &Request| {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "model": body["model"],
            "choices": [{"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 400, "completion_tokens": 80, "total_tokens": 480}
        }))
    }
}

const GENERATE: &str = "Write a single post";
const REVIEW: &str = "medical-safety reviewer";
const REWRITE: &str = "You rewrite posts";

async fn on(server: &MockServer, kind: &str, containing: Option<&str>, content: &'static str) {
    let mut m = Mock::given(method("POST")).and(body_string_contains(kind));
    if let Some(text) = containing {
        m = m.and(body_string_contains(text));
    }
    m.respond_with(answer(content)).mount(server).await;
}

fn ai_env(db: &TestDb, server: Option<&MockServer>) -> JobEnv {
    let mut cfg = Config::defaults_for_tests(db.target.clone());
    if let Some(server) = server {
        cfg.ai.base_url = Some(format!("{}/v1", server.uri()));
        cfg.ai.api_key = Some(SecretString::from("sk-test-jobs"));
    }
    // Single posts every day (the thread slots are covered by the unit tests).
    cfg.slots = std::array::from_fn(|_| ["practical_tip".to_string(), "news".to_string()]);
    JobEnv::new(db.store.clone(), Arc::new(cfg))
}

async fn run(
    env: &JobEnv,
    job: &str,
    trigger: Trigger,
) -> (RunStatus, Option<String>, serde_json::Value) {
    let (tx, _rx) = watch::channel(JobProgress::default());
    match run_job(env, job, trigger, CancellationToken::new(), tx)
        .await
        .unwrap()
    {
        RunReport::Finished {
            status,
            reason,
            summary,
            ..
        } => (
            status,
            reason,
            summary.map(|s| s.details).unwrap_or_default(),
        ),
        RunReport::Held { owner, .. } => panic!("held by {owner}"),
    }
}

async fn today_report(db: &TestDb) -> xbot::store::ops::budget::BudgetReport {
    let now = Utc::now();
    db.store
        .budget_report(now - Duration::hours(24), now + Duration::hours(1), now)
        .await
        .unwrap()
}

async fn plan_queues_a_clean_post_and_sends_a_risky_one_to_review(db: &TestDb) {
    let server = MockServer::start().await;
    on(
        &server,
        GENERATE,
        None,
        r#"{"text": "A ten-minute walk after meals may help some people keep blood sugar steadier.", "hook_type": "practical"}"#,
    )
    .await;
    on(
        &server,
        REVIEW,
        None,
        r#"{"risk_level": "low", "issues": [], "suggestions": []}"#,
    )
    .await;
    let env = ai_env(db, Some(&server));

    let (status, reason, details) = run(&env, "plan", Trigger::Manual).await;
    assert_eq!(status, RunStatus::Succeeded, "{reason:?}");
    assert_eq!(details["status"], "queued", "{details}");
    assert_eq!(details["orchestrator"], "CoreContent");
    assert_eq!(details["model"], "gpt-4o-mini");
    let gates: Vec<&str> = details["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["gate"].as_str().unwrap())
        .collect();
    assert_eq!(gates, ["length", "safety", "near_duplicate"]);
    let id = details["decision_id"].as_str().unwrap().to_string();
    let queued = db.store.decision(&id).await.unwrap().unwrap();
    assert_eq!(queued.status, "queued");
    assert_eq!(
        queued.content.as_deref(),
        Some(
            "A ten-minute walk after meals may help some people keep blood sugar steadier. Not medical advice."
        )
    );
    let reviews = db.store.reviews(&[], 50).await.unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].status, "auto_passed");
    assert_eq!(reviews[0].reviewer.as_deref(), Some("gpt-4o-mini"));
    // Two calls: the generation and the review, each settled.
    let report = today_report(db).await;
    assert_eq!(report.calls, 2, "{report:?}");
    assert_eq!(report.reserved_usd, 0.0);

    // A risky generation: rewritten twice, still not low, so it waits for a person.
    server.reset().await;
    on(
        &server,
        GENERATE,
        None,
        r#"{"text": "Take 5,000 IU of vitamin D daily for a better winter mood.", "hook_type": "practical"}"#,
    )
    .await;
    on(&server, REVIEW, Some("5,000 IU"), r#"{"risk_level": "high", "issues": ["a dose instruction"], "suggestions": ["drop the dose"]}"#).await;
    on(
        &server,
        REVIEW,
        Some("miracle"),
        r#"{"safe": true, "risk_level": "medium", "issues": ["hype"]}"#,
    )
    .await;
    on(
        &server,
        REWRITE,
        None,
        r#"{"text": "Vitamin D is a miracle for winter mood."}"#,
    )
    .await;
    let (status, reason, details) = run(&env, "plan", Trigger::Manual).await;
    assert_eq!(status, RunStatus::Succeeded, "{reason:?}");
    assert_eq!(details["status"], "pending_review", "{details}");
    let pending = db.store.reviews(&["pending"], 50).await.unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    let p = &pending[0];
    assert_eq!(p.risk_level, "high");
    assert_eq!(
        p.original_text,
        "Take 5,000 IU of vitamin D daily for a better winter mood."
    );
    assert_eq!(
        p.proposed_rewrite.as_deref(),
        Some("Vitamin D is a miracle for winter mood.")
    );
    assert_eq!(p.rewrite_attempts, 2);
    assert_eq!(p.content_status.as_deref(), Some("pending_review"));
    let hits: serde_json::Value = serde_json::from_str(p.rule_hits.as_deref().unwrap()).unwrap();
    assert_eq!(hits[0]["category"], "dosage", "{hits}");
    let issues: Vec<String> = serde_json::from_str(p.issues.as_deref().unwrap()).unwrap();
    assert!(
        issues.iter().any(|i| i.starts_with("dosage instruction:")),
        "{issues:?}"
    );
    assert!(
        issues
            .iter()
            .any(|i| i == "model review: a dose instruction"),
        "{issues:?}"
    );
    // Generation, review, then two rounds of rewrite + review.
    let report = today_report(db).await;
    assert_eq!(report.calls, 2 + 6, "{report:?}");
    let areas: Vec<(&str, i64)> = report
        .by_feature_area
        .iter()
        .map(|l| (l.key.as_str(), l.calls))
        .collect();
    assert!(
        areas.contains(&("safety", 6)) && areas.contains(&("content_generation", 2)),
        "{areas:?}"
    );
}
contract!(plan_queues_a_clean_post_and_sends_a_risky_one_to_review);

fn content(
    id: &str,
    status: &str,
    text: &str,
    parts: Option<&[&str]>,
    at: DateTime<Utc>,
) -> ContentRow {
    ContentRow {
        decision_id: id.into(),
        decision_type: if parts.is_some() { "thread" } else { "single" }.into(),
        status: status.into(),
        content: Some(text.into()),
        thread_parts: parts.map(|p| p.iter().map(|s| s.to_string()).collect()),
        raw_topic: Some("vitamin_d".into()),
        angle: None,
        tone: None,
        generator_name: Some("coach".into()),
        content_slot: Some("practical_tip".into()),
        hook_type: None,
        cta_type: None,
        target_username: None,
        target_tweet_id: None,
        tweet_id: None,
        created_at: at,
        posted_at: None,
    }
}

async fn without_ai_the_rules_still_screen_and_ai_jobs_skip(db: &TestDb) {
    let t = Utc::now() - Duration::minutes(30);
    let mut b = Batch::default();
    b.content.push(content(
        "clean",
        "queued",
        "Walking may help lower blood pressure.",
        None,
        t,
    ));
    b.content.push(content(
        "critical",
        "planned",
        "Vitamin D cures depression.",
        None,
        t,
    ));
    b.content.push(content(
        "high",
        "queued",
        "Take 5,000 IU of vitamin D daily.",
        None,
        t,
    ));
    let parts = [
        "Sleep is associated with better mood.",
        "Take 2 tablets with breakfast.",
        "Exercise is linked to a lower risk of heart disease.",
    ];
    b.content
        .push(content("thread", "planned", parts[0], Some(&parts), t));
    b.content.push(content(
        "posted",
        "posted",
        "Vitamin D cures depression.",
        None,
        t,
    ));
    db.store.write_batch(&b).await.unwrap();
    let env = ai_env(db, None);

    for job in ["plan", "expert_review"] {
        let (status, reason, _) = run(&env, job, Trigger::Manual).await;
        assert_eq!(status, RunStatus::Skipped, "{job}");
        assert_eq!(reason.as_deref(), Some("AI endpoint not configured"));
    }
    let (status, reason, details) = run(&env, "safety_review", Trigger::Manual).await;
    assert_eq!(status, RunStatus::Succeeded, "{reason:?}");
    assert_eq!(details["model_review"], false);
    assert_eq!(details["mode"], "rules only (AI endpoint not configured)");
    let status_of = |id: &'static str| {
        let store = db.store.clone();
        async move { store.decision(id).await.unwrap().unwrap() }
    };
    let clean = status_of("clean").await;
    // Issue 10: automated screening never changes a post's text (no disclaimer appended);
    // what must wait or is rejected is held back from xBOT's queue with xBOT's `blocked`.
    assert_eq!(clean.status, "queued");
    assert_eq!(
        clean.content.as_deref(),
        Some("Walking may help lower blood pressure.")
    );
    assert_eq!(status_of("critical").await.status, "blocked");
    assert_eq!(status_of("high").await.status, "blocked");
    assert_eq!(status_of("thread").await.status, "blocked");
    assert_eq!(
        status_of("posted").await.status,
        "posted",
        "posted content is not screened"
    );

    let reviews = db.store.reviews(&[], 50).await.unwrap();
    let mut got: Vec<(String, i64, String)> = reviews
        .iter()
        .map(|r| (r.decision_id.clone(), r.part_index, r.status.clone()))
        .collect();
    got.sort();
    let want = [
        ("clean", 0, "auto_passed"),
        ("critical", 0, "auto_rejected"),
        ("high", 0, "pending"),
        ("thread", 0, "auto_passed"),
        ("thread", 1, "pending"),
        ("thread", 2, "auto_passed"),
    ];
    assert_eq!(
        got,
        want.map(|(d, p, s)| (d.to_string(), p, s.to_string()))
            .to_vec()
    );
    for r in &reviews {
        assert_eq!(r.reviewer.as_deref(), Some("rules"));
        assert!(r.proposed_rewrite.is_none(), "no rewrite without a model");
    }
    let high = reviews.iter().find(|r| r.decision_id == "high").unwrap();
    assert_eq!(high.risk_level, "high");
    assert!(high.rule_hits.as_deref().unwrap().contains("\"dosage\""));
    // The thread's note goes on its last part only.
    let last = reviews
        .iter()
        .find(|r| r.decision_id == "thread" && r.part_index == 2)
        .unwrap();
    assert!(
        last.final_text
            .as_deref()
            .unwrap()
            .ends_with("Not medical advice.")
    );
    let events = db.store.events(50).await.unwrap();
    let rejected: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "safety_rejected")
        .collect();
    assert_eq!(rejected.len(), 1, "{events:?}");
    assert!(
        rejected[0]
            .metadata
            .as_deref()
            .unwrap()
            .contains("critical")
    );
    // Nothing pretended to call a model.
    assert_eq!(today_report(db).await.calls, 0);
    // Screened once: the next run finds nothing.
    let (_, _, details) = run(&env, "safety_review", Trigger::Manual).await;
    assert_eq!(details["decisions"], serde_json::json!({}));
}
contract!(without_ai_the_rules_still_screen_and_ai_jobs_skip);

async fn safety_review_with_a_model_rewrites_and_fails_closed(db: &TestDb) {
    let server = MockServer::start().await;
    on(
        &server,
        REVIEW,
        Some("5,000 IU"),
        r#"{"risk_level": "high", "issues": ["dose"]}"#,
    )
    .await;
    on(
        &server,
        REVIEW,
        Some("Walking may help"),
        "I think it is fine.",
    )
    .await;
    on(
        &server,
        REVIEW,
        None,
        r#"{"risk_level": "low", "issues": []}"#,
    )
    .await;
    on(
        &server,
        REWRITE,
        None,
        r#"{"text": "Vitamin D may support mood in winter; ask your doctor about testing your levels."}"#,
    )
    .await;
    let t = Utc::now() - Duration::minutes(30);
    let mut b = Batch::default();
    b.content.push(content(
        "dose",
        "queued",
        "Take 5,000 IU of vitamin D daily.",
        None,
        t,
    ));
    b.content.push(content(
        "walk",
        "queued",
        "Walking may help lower blood pressure.",
        None,
        t,
    ));
    db.store.write_batch(&b).await.unwrap();
    let env = ai_env(db, Some(&server));
    let (status, reason, details) = run(&env, "safety_review", Trigger::Schedule).await;
    assert_eq!(status, RunStatus::Succeeded, "{reason:?}");
    assert_eq!(details["mode"], "rules + model review (gpt-4o-mini)");
    let dose = db.store.decision("dose").await.unwrap().unwrap();
    // Issue 10: the model's rewrite is a proposal for a person, never applied by a job.
    assert_eq!(dose.status, "blocked");
    let walk = db.store.decision("walk").await.unwrap().unwrap();
    assert_eq!(walk.status, "blocked", "an unreadable review fails closed");
    let reviews = db.store.reviews(&[], 10).await.unwrap();
    let by = |id: &str| reviews.iter().find(|r| r.decision_id == id).unwrap();
    assert_eq!(by("dose").status, "pending");
    assert_eq!(
        by("dose").proposed_rewrite.as_deref(),
        Some("Vitamin D may support mood in winter; ask your doctor about testing your levels.")
    );
    assert_eq!(by("dose").risk_level, "high");
    assert_eq!(by("dose").rewrite_attempts, 1);
    assert_eq!(by("walk").status, "pending");
    assert!(
        by("walk")
            .note
            .as_deref()
            .unwrap()
            .contains("the model review failed")
    );
}
contract!(safety_review_with_a_model_rewrites_and_fails_closed);

fn posted(id: &str, score: f64, at: DateTime<Utc>) -> (ContentRow, OutcomeRow) {
    let mut c = content(
        id,
        "posted",
        &format!("Post {id} about sleep and light."),
        None,
        at,
    );
    c.posted_at = Some(at);
    c.tweet_id = Some(format!("t-{id}"));
    let o = OutcomeRow {
        decision_id: id.into(),
        tweet_id: c.tweet_id.clone(),
        impressions: Some(1000),
        views: Some(900),
        likes: Some(20),
        retweets: Some(2),
        replies: Some(1),
        bookmarks: Some(3),
        engagement_rate: Some(0.025),
        followers_before: Some(1000),
        followers_after: Some(1004),
        followers_gained: Some(4),
        followers_gained_weighted: Some(3.4),
        attribution_confidence: Some(0.85),
        primary_objective_score: Some(score),
        score_version: Some(2),
        hook_type: None,
        cta_type: None,
        structure_type: None,
        simulated: false,
        collected_at: Some(at + Duration::hours(2)),
        scored_at: Some(at + Duration::hours(2)),
    };
    (c, o)
}

async fn expert_review_writes_insights_and_respects_the_tier(db: &TestDb) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("senior editor"))
        .respond_with(answer(
            r#"{"insights": [
                {"decision_id": "p1", "insight": "A concrete first line.", "recommendations": ["keep the hook"]},
                {"decision_id": "p4", "insight": "Generic and vague.", "recommendations": ["lead with a number"]},
                {"decision_id": "made-up", "insight": "Invented."}
            ], "summary": "Concrete beats generic."}"#,
        ))
        .mount(&server)
        .await;
    let now = Utc::now();
    let mut b = Batch::default();
    for (id, score, hours) in [
        ("p1", 0.9, 3),
        ("p2", 0.6, 5),
        ("p3", 0.3, 7),
        ("p4", 0.1, 9),
        ("old", 0.95, 40),
    ] {
        let (c, o) = posted(id, score, now - Duration::hours(hours));
        b.content.push(c);
        b.outcomes.push(o);
    }
    db.store.write_batch(&b).await.unwrap();
    let env = ai_env(db, Some(&server));
    let (status, reason, details) = run(&env, "expert_review", Trigger::Manual).await;
    assert_eq!(status, RunStatus::Succeeded, "{reason:?}");
    assert_eq!(details["best"], serde_json::json!(["p1", "p2", "p3"]));
    assert_eq!(details["worst"], serde_json::json!(["p4"]));
    assert_eq!(details["orchestrator"], "ExpertInsight");
    assert_eq!(details["model"], "gpt-4o");
    let report = today_report(db).await;
    assert_eq!(report.expert_calls, 1);
    assert_eq!(report.by_feature_area[0].key, "expert_analysis");
    // p1, p4 and the summary; the invented post is dropped.
    let insights = || async {
        db.store
            .table_counts()
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.table == "expert_insights")
            .unwrap()
            .rows
    };
    assert_eq!(insights().await, 3);

    // At T2 a scheduled run uses the core model and says why.
    let mut b = Batch::default();
    b.ai_usage.push(AiUsageRow {
        at: now,
        model: "gpt-4o".into(),
        prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
        cost_usd: 3.0,
        feature_area: "tests".into(),
        purpose: None,
        orchestrator: None,
        job_run_id: None,
        state: "settled".into(),
    });
    db.store.write_batch(&b).await.unwrap();
    let (status, _, details) = run(&env, "expert_review", Trigger::Schedule).await;
    assert_eq!(status, RunStatus::Succeeded);
    assert_eq!(details["orchestrator"], "CoreContent");
    assert_eq!(details["model"], "gpt-4o-mini");
    assert!(
        details["downgraded"]
            .as_str()
            .unwrap()
            .contains("budget tier T2"),
        "{details}"
    );
    assert_eq!(today_report(db).await.expert_calls, 1);
    assert_eq!(insights().await, 6);
}
contract!(expert_review_writes_insights_and_respects_the_tier);

async fn plan_sends_a_high_value_thread_to_the_expert(db: &TestDb) {
    let server = MockServer::start().await;
    on(
        &server,
        "Write a thread",
        None,
        r#"{"parts": ["Why sleep timing matters (1/3)", "Your body clock likes a regular wake time. (2/3)", "Morning light may help anchor it. (3/3)"], "hook_type": "framework"}"#,
    )
    .await;
    on(
        &server,
        REVIEW,
        None,
        r#"{"risk_level": "low", "issues": []}"#,
    )
    .await;
    // An active map where deep_dive carries weight 0.6: its threads go to the expert.
    let mut b = Batch::default();
    b.weight_maps.push(xbot::store::types::WeightMapRow {
        version: "v-test".into(),
        weights: serde_json::json!({"content_slot": {"deep_dive": 0.6, "research": 0.4}}),
        stats: serde_json::json!({}),
        params: serde_json::json!({}),
        computed_at: Utc::now(),
        date_range_start: None,
        date_range_end: None,
        sample_size: 100,
        is_active: true,
        job_run_id: None,
    });
    db.store.write_batch(&b).await.unwrap();
    let mut env = ai_env(db, Some(&server));
    let mut cfg = (*env.cfg).clone();
    cfg.slots = std::array::from_fn(|_| ["research".to_string(), "deep_dive".to_string()]);
    env.cfg = Arc::new(cfg);

    let (status, reason, details) = run(&env, "plan", Trigger::Manual).await;
    assert_eq!(status, RunStatus::Succeeded, "{reason:?}");
    assert_eq!(
        details["slot"], "deep_dive",
        "the heavier slot wins the tie"
    );
    assert_eq!(details["decision_type"], "thread");
    assert_eq!(details["orchestrator"], "ExpertInsight", "{details}");
    assert_eq!(details["model"], "gpt-4o");
    assert_eq!(details["status"], "queued");
    let id = details["decision_id"].as_str().unwrap();
    let d = db.store.decision(id).await.unwrap().unwrap();
    let parts: Vec<String> = serde_json::from_str(d.thread_parts.as_deref().unwrap()).unwrap();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], "Why sleep timing matters (1/3)");
    assert!(parts[2].ends_with("Not medical advice."), "{parts:?}");
    let reviews = db.store.reviews(&[], 10).await.unwrap();
    assert_eq!(reviews.len(), 3, "one review per part");
    assert!(reviews.iter().all(|r| r.status == "auto_passed"));
    let report = today_report(db).await;
    assert_eq!(
        report.expert_calls, 1,
        "the generation; reviews stay on the core model"
    );
    assert_eq!(report.calls, 4);
}
contract!(plan_sends_a_high_value_thread_to_the_expert);
