//! The store contract: every store operation, on SQLite always and on Postgres when
//! `XBOT_TEST_DATABASE_URL` is set. Each test gets a fresh database (or schema).

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::TestDb;
use xbot::learning::aggregate::{Sample, group_sums};
use xbot::learning::decay::{DecayContext, age_days};
use xbot::learning::dimension::Dimension;
use xbot::store::types::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn post(id: &str, generator: &str, posted: DateTime<Utc>) -> ContentRow {
    ContentRow {
        decision_id: id.into(),
        decision_type: "single".into(),
        status: "posted".into(),
        content: Some(format!("post {id}")),
        thread_parts: None,
        raw_topic: Some("sleep".into()),
        angle: Some("mechanism".into()),
        tone: Some("calm".into()),
        generator_name: Some(generator.into()),
        content_slot: Some("research".into()),
        hook_type: Some("question".into()),
        cta_type: None,
        target_username: None,
        target_tweet_id: None,
        tweet_id: Some(format!("t{id}")),
        created_at: posted - Duration::minutes(5),
        posted_at: Some(posted),
    }
}

fn outcome(id: &str, score: Option<f64>, impressions: Option<i64>) -> OutcomeRow {
    OutcomeRow {
        decision_id: id.into(),
        tweet_id: Some(format!("t{id}")),
        impressions,
        views: None,
        likes: impressions.map(|i| i / 20),
        retweets: Some(1),
        replies: Some(1),
        bookmarks: None,
        engagement_rate: None,
        followers_before: None,
        followers_after: None,
        followers_gained: None,
        followers_gained_weighted: None,
        attribution_confidence: None,
        primary_objective_score: score,
        score_version: score.map(|_| 2),
        hook_type: None,
        cta_type: None,
        structure_type: None,
        simulated: false,
        collected_at: None,
        scored_at: None,
    }
}

/// A small set of posts with known scores and ages.
fn fixture() -> Batch {
    let n = now();
    let mut b = Batch::default();
    let rows = [
        ("a1", "dataNerd", 0.5, 0.8),
        ("a2", "dataNerd", 3.0, 0.6),
        ("a3", "dataNerd", 9.0, 0.4),
        ("b1", "coach", 1.0, 0.2),
        ("b2", "coach", 20.0, 0.3),
        ("c1", "storyteller", 50.0, 0.9),
        ("c2", "storyteller", 100.0, 1.0), // beyond the generator max age of 90 days
    ];
    for (id, g, age, score) in rows {
        let posted = n - Duration::milliseconds((age * 86_400_000.0) as i64);
        b.content.push(post(id, g, posted));
        b.outcomes.push(outcome(id, Some(score), Some(1000)));
    }
    b
}

async fn migrations_are_applied_once(db: &TestDb) {
    assert!(db.store.pending_migrations().await.unwrap().is_empty());
    assert_eq!(db.store.migrate().await.unwrap(), 0);
    // Opening again applies nothing.
    let again = db.reopen().await;
    assert!(again.pending_migrations().await.unwrap().is_empty());
    again.close().await;
    assert!(db.store.is_empty().await.unwrap());
    db.store.ping().await.unwrap();
}
contract!(migrations_are_applied_once);

async fn batches_write_every_table_and_reset_empties_them(db: &TestDb) {
    let mut b = fixture();
    let n = now();
    b.snapshots.push(SnapshotRow {
        decision_id: "a1".into(),
        hours_after_post: 0,
        follower_count: Some(100),
        collected_at: n,
    });
    b.events.push(EventRow {
        event_type: "test".into(),
        severity: "info".into(),
        component: "tests".into(),
        message: "emoji 💪 and \u{1b}[31m escapes survive the round trip".into(),
        metadata: Some(serde_json::json!({"k": [1, 2]})),
        created_at: n,
    });
    db.store.write_batch(&b).await.unwrap();
    let counts = db.store.table_counts().await.unwrap();
    let count = |t: &str| counts.iter().find(|c| c.table == t).unwrap().rows;
    assert_eq!(count("content_metadata"), 7);
    assert_eq!(count("outcomes"), 7);
    assert_eq!(count("post_follower_tracking"), 1);
    assert_eq!(count("events"), 1);
    assert!(!db.store.is_empty().await.unwrap());
    db.store.reset().await.unwrap();
    assert!(
        db.store
            .table_counts()
            .await
            .unwrap()
            .iter()
            .all(|c| c.rows == 0)
    );
    assert!(db.store.is_empty().await.unwrap());
}
contract!(batches_write_every_table_and_reset_empties_them);

async fn large_batches_are_split_under_the_parameter_limits(db: &TestDb) {
    let n = now();
    let mut b = Batch::default();
    for i in 0..2_345 {
        let id = format!("p{i}");
        b.content
            .push(post(&id, "teacher", n - Duration::minutes(i)));
        b.outcomes.push(outcome(&id, Some(0.5), Some(100)));
    }
    db.store.write_batch(&b).await.unwrap();
    let counts = db.store.table_counts().await.unwrap();
    assert_eq!(
        counts.iter().find(|c| c.table == "outcomes").unwrap().rows,
        2_345
    );
}
contract!(large_batches_are_split_under_the_parameter_limits);

async fn sql_group_sums_equal_the_pure_computation(db: &TestDb) {
    let b = fixture();
    db.store.write_batch(&b).await.unwrap();
    for ctx_dim in [Dimension::Generator, Dimension::Slot, Dimension::Hook] {
        let decay = ctx_dim.decay_context().params();
        let sql = db.store.group_sums(ctx_dim, now(), &decay).await.unwrap();
        let samples: Vec<Sample> = b
            .content
            .iter()
            .zip(&b.outcomes)
            .map(|(c, o)| Sample {
                value: match ctx_dim {
                    Dimension::Generator => c.generator_name.as_deref().unwrap(),
                    Dimension::Slot => c.content_slot.as_deref().unwrap(),
                    _ => c.hook_type.as_deref().unwrap(),
                },
                age_days: age_days(now(), c.posted_at.unwrap()),
                score: o.primary_objective_score.unwrap(),
            })
            .collect();
        let pure = group_sums(samples, &decay);
        assert_eq!(sql.len(), pure.len(), "{ctx_dim}: {sql:?} vs {pure:?}");
        for (s, p) in sql.iter().zip(&pure) {
            assert_eq!(s.value, p.value);
            assert_eq!(s.n, p.n, "{}", s.value);
            assert!(
                (s.sum_d - p.sum_d).abs() < 1e-9,
                "{} {} {}",
                s.value,
                s.sum_d,
                p.sum_d
            );
            assert!((s.sum_ds - p.sum_ds).abs() < 1e-9);
            assert!((s.sum_s - p.sum_s).abs() < 1e-9);
            assert_eq!(
                (s.n_recent, s.n_prior),
                (p.n_recent, p.n_prior),
                "{}",
                s.value
            );
            assert!((s.sum_s_recent - p.sum_s_recent).abs() < 1e-9);
            assert!((s.sum_s_prior - p.sum_s_prior).abs() < 1e-9);
        }
    }
    // The 100-day-old storyteller post is past the generator's 90-day max age.
    let generators = db
        .store
        .group_sums(
            Dimension::Generator,
            now(),
            &DecayContext::Generator.params(),
        )
        .await
        .unwrap();
    assert_eq!(
        generators
            .iter()
            .find(|g| g.value == "storyteller")
            .unwrap()
            .n,
        1
    );
}
contract!(sql_group_sums_equal_the_pure_computation);

async fn bad_metrics_are_unmeasured_not_crashes(db: &TestDb) {
    let n = now();
    let mut b = Batch::default();
    let cases: [(&str, Option<f64>, Option<i64>); 5] = [
        ("ok", Some(0.5), Some(100)),
        ("null", None, None),
        ("neg", Some(-0.3), Some(-5)),
        ("big", Some(7.0), Some(100)),
        ("nan", Some(f64::NAN), Some(100)),
    ];
    for (id, score, imp) in cases {
        b.content.push(post(id, "coach", n - Duration::hours(3)));
        b.outcomes.push(outcome(id, score, imp));
    }
    db.store.write_batch(&b).await.unwrap();
    let sums = db
        .store
        .group_sums(Dimension::Generator, n, &DecayContext::Generator.params())
        .await
        .unwrap();
    assert_eq!(sums.len(), 1);
    assert_eq!(sums[0].n, 1, "only the valid score counts: {sums:?}");
    assert!((sums[0].sum_s - 0.5).abs() < 1e-12);
    let (start, end) = (n - Duration::hours(12), n + Duration::hours(12));
    let h = db.store.data_health(n, start, end).await.unwrap();
    assert_eq!(h.posts_7d, 5);
}
contract!(bad_metrics_are_unmeasured_not_crashes);

async fn data_health_counts_the_last_week(db: &TestDb) {
    let n = now();
    let mut b = fixture();
    // Unmeasured, unscored, simulated and not-yet-posted rows.
    b.content.push(post("u1", "coach", n - Duration::days(2)));
    b.outcomes.push(outcome("u1", None, None));
    b.content.push(post("s1", "coach", n - Duration::days(2)));
    let mut sim = outcome("s1", Some(0.9), Some(10));
    sim.simulated = true;
    b.outcomes.push(sim);
    let mut queued = post("q1", "coach", n);
    queued.status = "queued".into();
    queued.posted_at = None;
    b.content.push(queued);
    b.reviews.push(SafetyReviewRow {
        decision_id: "q1".into(),
        part_index: 0,
        original_text: "x".into(),
        proposed_rewrite: None,
        risk_level: "medium".into(),
        issues: serde_json::json!([]),
        rule_hits: serde_json::json!([]),
        status: "pending".into(),
        rewrite_attempts: 0,
        reviewer: None,
        decided_by: None,
        decided_at: None,
        note: None,
        final_text: None,
        created_at: n,
    });
    let usage = |cost: f64, state: &str, at: DateTime<Utc>| AiUsageRow {
        at,
        model: "gpt-4o-mini".into(),
        prompt_tokens: 1,
        completion_tokens: 1,
        total_tokens: 2,
        cost_usd: cost,
        feature_area: "tests".into(),
        purpose: None,
        orchestrator: None,
        job_run_id: None,
        state: state.into(),
    };
    b.ai_usage
        .push(usage(1.25, "settled", n - Duration::hours(1)));
    b.ai_usage
        .push(usage(0.25, "reserved", n - Duration::hours(1)));
    b.ai_usage
        .push(usage(9.0, "released", n - Duration::hours(1)));
    b.ai_usage
        .push(usage(4.0, "settled", n - Duration::days(2)));
    b.weight_maps.push(WeightMapRow {
        version: "v1".into(),
        weights: serde_json::json!({}),
        stats: serde_json::json!({}),
        params: serde_json::json!({}),
        computed_at: n - Duration::hours(3),
        date_range_start: None,
        date_range_end: None,
        sample_size: 7,
        is_active: true,
        job_run_id: None,
    });
    db.store.write_batch(&b).await.unwrap();
    let h = db
        .store
        .data_health(n, n - Duration::hours(12), n + Duration::hours(12))
        .await
        .unwrap();
    // a1, a2, b1 and u1 are within 7 days; s1 is simulated, q1 is not posted.
    assert_eq!(h.posts_7d, 4);
    assert_eq!(h.with_metrics_7d, 3);
    assert_eq!(h.with_v2_score_7d, 3);
    assert_eq!(h.pending_reviews, 1);
    assert_eq!(
        h.active_weight_map.as_ref().map(|w| w.version.as_str()),
        Some("v1")
    );
    assert!(
        (h.spend_today_usd - 1.5).abs() < 1e-12,
        "{}",
        h.spend_today_usd
    );
    // Seven fixture posts and u1; s1 is simulated and never counted.
    assert_eq!(h.total_posts, 8);
}
contract!(data_health_counts_the_last_week);

/// xBOT's learning_model_weights has no unique index on `is_active` (real databases hold two
/// active rows): the map in force is the one xBOT's generatorMatcher reads, the newest active.
async fn only_one_weight_map_can_be_active(db: &TestDb) {
    let n = now();
    let map = |v: &str| WeightMapRow {
        version: v.into(),
        weights: serde_json::json!({"generator_name": {"coach": 1.0}}),
        stats: serde_json::json!({}),
        params: serde_json::json!({}),
        computed_at: n,
        date_range_start: None,
        date_range_end: None,
        sample_size: 1,
        is_active: true,
        job_run_id: None,
    };
    let mut b = Batch::default();
    b.weight_maps.push(map("v1"));
    db.store.write_batch(&b).await.unwrap();
    let mut b = Batch::default();
    let mut older = map("v0");
    older.computed_at = n - chrono::Duration::hours(1);
    b.weight_maps.push(older);
    db.store.write_batch(&b).await.unwrap();
    // Two rows say active; one map is in force, and the list says so once.
    assert_eq!(
        db.store.active_weight_map().await.unwrap().unwrap().version,
        "v1"
    );
    let maps = db.store.weight_maps(10).await.unwrap();
    assert_eq!(maps.iter().filter(|m| m.is_active).count(), 1, "{maps:?}");
}
contract!(only_one_weight_map_can_be_active);

async fn the_demo_dataset_is_deterministic_and_complete(db: &TestDb) {
    use xbot::store::demo::{DemoOptions, seed};
    let mut opts = DemoOptions::new(now(), chrono_tz::Tz::UTC);
    opts.posts = 600;
    let report = seed(db.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(report.posts, 600);
    let counts = db.store.table_counts().await.unwrap();
    let count = |t: &str| counts.iter().find(|c| c.table == t).unwrap().rows;
    for table in [
        "content_metadata",
        "outcomes",
        "post_follower_tracking",
        "discovered_accounts",
        "reply_opportunities",
        "safety_reviews",
        "learning_model_weights",
        "job_runs",
        "incidents",
        "events",
        "ai_usage",
        "operator_audit",
        "expert_insights",
    ] {
        assert!(count(table) > 0, "{table} is empty");
    }
    assert_eq!(count("discovered_accounts"), 300);
    let first = counts.clone();
    let h1 = db
        .store
        .data_health(
            now(),
            now() - Duration::hours(12),
            now() + Duration::hours(12),
        )
        .await
        .unwrap();
    assert!(h1.pending_reviews > 0);
    assert!(
        h1.with_metrics_7d < h1.posts_7d,
        "some outcomes are unmeasured"
    );
    assert!(
        h1.with_v2_score_7d < h1.with_metrics_7d,
        "some are still unscored"
    );
    // Same seed and time, same dataset.
    db.store.reset().await.unwrap();
    seed(db.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(db.store.table_counts().await.unwrap(), first);
    let h2 = db
        .store
        .data_health(
            now(),
            now() - Duration::hours(12),
            now() + Duration::hours(12),
        )
        .await
        .unwrap();
    assert_eq!(h1, h2);
}
contract!(the_demo_dataset_is_deterministic_and_complete);

/// `learning_facts` must always equal the view it materialises: the reference computation over
/// the view and the aggregation over the facts see the same rows and the same scores.
async fn assert_facts_match_the_view(db: &TestDb) {
    use xbot::learning::weights::{WeightParams, weight_map_from_groups, weight_map_from_rows};
    let params = WeightParams::default();
    let rows = db.store.learning_rows(now(), &params).await.unwrap();
    let agg = db.store.weight_aggregate(now(), &params).await.unwrap();
    let pure = weight_map_from_rows(&rows, now(), &params);
    assert_eq!(
        agg.sample_size, pure.sample_size,
        "facts and view disagree on the rows"
    );
    let sql = weight_map_from_groups(&agg.groups, agg.sample_size, &params);
    assert_eq!(
        sql.weights.keys().collect::<Vec<_>>(),
        pure.map.weights.keys().collect::<Vec<_>>()
    );
    for (feature, weights) in &pure.map.weights {
        for (value, w) in weights {
            let got = sql.weights[feature][value];
            assert!((got - w).abs() < 1e-9, "{feature}/{value}: {got} vs {w}");
        }
    }
}

async fn learning_facts_follow_every_write(db: &TestDb) {
    let b = fixture();
    db.store.write_batch(&b).await.unwrap();
    assert_facts_match_the_view(db).await;
    // A second outcome batch and a simulated one.
    let n = now();
    let mut b = Batch::default();
    b.content
        .push(post("late", "coach", n - Duration::hours(1)));
    let mut sim = outcome("late", Some(0.9), Some(5));
    sim.simulated = true;
    b.outcomes.push(sim);
    let mut queued = post("q", "coach", n);
    queued.status = "queued".into();
    b.content.push(queued);
    db.store.write_batch(&b).await.unwrap();
    assert_facts_match_the_view(db).await;
    // Updates through the jobs' own writes: a new score.
    let lease = match db
        .store
        .claim(
            "objective_scores",
            xbot::store::ops::jobs::Trigger::Cli,
            "t@h:1",
            60,
            n,
        )
        .await
        .unwrap()
    {
        xbot::store::ops::jobs::Claim::Claimed { lease, .. } => lease,
        other => panic!("{other:?}"),
    };
    let todo = db.store.outcomes_to_score(2, "", 100).await.unwrap();
    assert!(!todo.is_empty());
    let updates: Vec<_> = todo
        .iter()
        .map(|o| xbot::store::ops::scores::ScoreUpdate {
            id: o.id.clone(),
            engagement_rate: Some(0.01),
            followers_gained: Some(1),
            followers_gained_weighted: Some(0.85),
            attribution_confidence: Some(0.85),
            score: Some(0.123),
        })
        .collect();
    db.store.write_scores(&lease, 2, &updates, n).await.unwrap();
    assert_facts_match_the_view(db).await;
    let agg = db
        .store
        .weight_aggregate(n, &xbot::learning::weights::WeightParams::default())
        .await
        .unwrap();
    let gens = &agg.groups[&xbot::learning::weights::Feature::Generator];
    let total: u64 = gens.iter().map(|g| g.n).sum();
    assert!(total > 0);
    for g in gens {
        assert!((g.sum_ds / g.sum_d - 0.123).abs() < 1e-9, "{g:?}");
    }
}
contract!(learning_facts_follow_every_write);

/// Rollback: an earlier map becomes the one in force, atomically and audited; activating the
/// map already in force changes nothing; a retried action id is applied once.
async fn an_earlier_weight_map_can_be_activated_again(db: &TestDb) {
    let n = now();
    let map = |v: &str, hours: i64, active: bool| WeightMapRow {
        version: v.into(),
        weights: serde_json::json!({"generator_name": {"coach": 1.0}}),
        stats: serde_json::json!({}),
        params: serde_json::json!({}),
        computed_at: n - Duration::hours(hours),
        date_range_start: None,
        date_range_end: None,
        sample_size: 1,
        is_active: active,
        job_run_id: None,
    };
    let mut b = Batch::default();
    b.weight_maps.push(map("v1", 48, false));
    b.weight_maps.push(map("v2", 24, true));
    db.store.write_batch(&b).await.unwrap();
    let op = xbot::identity::Operator {
        os_user: "alice".into(),
        host: "ops".into(),
        ssh_client: None,
        pid: 1,
        via: xbot::identity::Via::Cli,
    };
    let a = db
        .store
        .activate_weight_map("v1", "act-1", &op, n)
        .await
        .unwrap();
    assert_eq!(a.outcome, "activated");
    assert_eq!(a.previous.as_deref(), Some("v2"));
    let active = db.store.active_weight_map().await.unwrap().unwrap();
    assert_eq!(active.version, "v1");
    assert_eq!(active.activated_by.as_deref(), Some(op.name().as_str()));
    let maps = db.store.weight_maps(10).await.unwrap();
    assert_eq!(maps.iter().filter(|m| m.is_active).count(), 1);
    // The same action again: applied once.
    let again = db
        .store
        .activate_weight_map("v1", "act-1", &op, n)
        .await
        .unwrap();
    assert!(again.outcome.starts_with("already done"), "{again:?}");
    let same = db
        .store
        .activate_weight_map("v1", "act-2", &op, n)
        .await
        .unwrap();
    assert_eq!(same.outcome, "already active");
    let audit = db.store.audit(None, 10).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|r| r.action == "activate_weights")
            .count(),
        2
    );
    assert!(
        db.store
            .activate_weight_map("v9", "act-3", &op, n)
            .await
            .is_err()
    );
}
contract!(an_earlier_weight_map_can_be_activated_again);
