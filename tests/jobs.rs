//! The jobs engine on both backends: leases, the runner, incidents, the jobs, the scheduler.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::TestDb;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use xbot::config::Config;
use xbot::jobs::runner::{RunReport, run_job};
use xbot::jobs::scheduler::{Decision, Scheduler};
use xbot::jobs::{JobEnv, JobProgress, catalog};
use xbot::learning::weights::{WeightParams, weight_map_from_groups, weight_map_from_rows};
use xbot::store::demo::{DemoOptions, seed};
use xbot::store::ops::jobs::{Claim, RunStatus, Trigger};
use xbot::store::types::{AiUsageRow, Batch, JobRunRow};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn env_for(db: &TestDb, owner: &str) -> JobEnv {
    let mut env = JobEnv::new(
        db.store.clone(),
        Arc::new(Config::defaults_for_tests(db.target.clone())),
    );
    env.owner = owner.to_string();
    env
}

async fn demo(db: &TestDb, posts: usize) {
    let mut opts = DemoOptions::new(Utc::now(), chrono_tz::Tz::UTC);
    opts.posts = posts;
    seed(db.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .unwrap();
}

async fn run(env: &JobEnv, job: &str) -> RunReport {
    let (tx, _rx) = watch::channel(JobProgress::default());
    run_job(env, job, Trigger::Manual, CancellationToken::new(), tx)
        .await
        .unwrap()
}

fn status(report: &RunReport) -> RunStatus {
    match report {
        RunReport::Finished { status, .. } => *status,
        RunReport::Held { owner, .. } => panic!("held by {owner}"),
    }
}

async fn eight_concurrent_claims_one_wins(db: &TestDb) {
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 {
            db.store.clone()
        } else {
            db.reopen().await
        };
        tasks.push(tokio::spawn(async move {
            let owner = format!("task{i}@test:{i}");
            store
                .claim(
                    "offline_weight_map",
                    Trigger::Manual,
                    &owner,
                    60,
                    Utc::now(),
                )
                .await
                .map(|c| (owner, c))
        }));
    }
    let mut winners = Vec::new();
    let mut told = Vec::new();
    for t in tasks {
        let (owner, claim) = t.await.unwrap().unwrap();
        match claim {
            Claim::Claimed { .. } => winners.push(owner),
            Claim::Held { owner: holder, .. } => told.push(holder),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one claim wins: {winners:?}");
    assert_eq!(told.len(), 7);
    assert!(
        told.iter().all(|h| *h == winners[0]),
        "the others learn the owner: {told:?}"
    );
}
contract!(eight_concurrent_claims_one_wins);

async fn an_expired_lease_is_abandoned_once_with_one_incident(db: &TestDb) {
    // A dead owner: claimed with a one-second lease, never heartbeats.
    let t0 = Utc::now();
    let claim = db
        .store
        .claim("objective_scores", Trigger::Schedule, "dead@host:1", 1, t0)
        .await
        .unwrap();
    assert!(matches!(claim, Claim::Claimed { .. }));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let env = env_for(db, "alive@host:2");
    let report = run(&env, "objective_scores").await;
    assert_eq!(status(&report), RunStatus::Succeeded);
    let history = db
        .store
        .run_history(Some("objective_scores"), 10)
        .await
        .unwrap();
    assert_eq!(
        history.iter().filter(|r| r.status == "abandoned").count(),
        1
    );
    let incidents = db.store.incidents(true, 50).await.unwrap();
    let lease = incidents
        .iter()
        .filter(|i| i.kind == "lease_expired")
        .count();
    assert_eq!(lease, 1, "{incidents:?}");
    // The success resolved it.
    assert!(
        incidents
            .iter()
            .any(|i| i.kind == "lease_expired" && i.state == "resolved")
    );
    // Claiming again finds nothing more to abandon.
    let _ = run(&env, "objective_scores").await;
    let incidents = db.store.incidents(true, 50).await.unwrap();
    assert_eq!(
        incidents
            .iter()
            .filter(|i| i.kind == "lease_expired")
            .count(),
        1
    );
}
contract!(an_expired_lease_is_abandoned_once_with_one_incident);

async fn the_sql_weight_map_equals_the_pure_computation(db: &TestDb) {
    demo(db, 3_000).await;
    let params = WeightParams::default();
    let at = Utc::now();
    let agg = db.store.weight_aggregate(at, &params).await.unwrap();
    let sql = weight_map_from_groups(&agg.groups, agg.sample_size, &params);
    let rows = db.store.learning_rows(at, &params).await.unwrap();
    let pure = weight_map_from_rows(&rows, at, &params);
    assert_eq!(sql.sample_size, pure.sample_size);
    // The range comes back through epoch seconds as a double: equal to the microsecond.
    let close = |a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>| {
        (a.unwrap() - b.unwrap()).num_microseconds().unwrap().abs() <= 1
    };
    assert!(close(agg.date_range_start, pure.date_range_start));
    assert!(close(agg.date_range_end, pure.date_range_end));
    assert_eq!(sql.weights.len(), 5);
    for (feature, weights) in &pure.map.weights {
        let total: f64 = sql.weights[feature].values().sum();
        assert!((total - 1.0).abs() < 1e-9, "{feature} sums to {total}");
        for (value, w) in weights {
            let got = sql.weights[feature][value];
            assert!((got - w).abs() < 1e-9, "{feature}/{value}: {got} vs {w}");
            let (a, b) = (&sql.stats[feature][value], &pure.map.stats[feature][value]);
            assert_eq!(a.n, b.n);
            assert!((a.effective_n - b.effective_n).abs() < 1e-9);
        }
    }
    // Deterministic: the same rows and now give the same map.
    let again = db.store.weight_aggregate(at, &params).await.unwrap();
    assert_eq!(
        weight_map_from_groups(&again.groups, again.sample_size, &params),
        sql
    );
}
contract!(the_sql_weight_map_equals_the_pure_computation);

async fn the_weight_map_job_activates_a_new_version(db: &TestDb) {
    demo(db, 1_500).await;
    let env = env_for(db, "t@h:1");
    let before = db.store.active_weight_map().await.unwrap().unwrap();
    let report = run(&env, "offline_weight_map").await;
    assert_eq!(status(&report), RunStatus::Succeeded, "{report:?}");
    let after = db.store.active_weight_map().await.unwrap().unwrap();
    assert_ne!(before.version, after.version);
    let RunReport::Finished { run_id, .. } = report else {
        unreachable!()
    };
    assert_eq!(after.job_run_id, Some(run_id));
    let maps = db.store.weight_maps(100).await.unwrap();
    assert_eq!(maps.iter().filter(|m| m.is_active).count(), 1);
    let record = db.store.weight_map(&after.version).await.unwrap().unwrap();
    let weights =
        xbot::learning::weights::parse_weights_json(record.weights.as_deref().unwrap()).unwrap();
    for (feature, w) in &weights {
        let total: f64 = w.values().sum();
        assert!((total - 1.0).abs() < 1e-9, "{feature}: {total}");
    }
}
contract!(the_weight_map_job_activates_a_new_version);

async fn a_job_failing_half_way_publishes_nothing(db: &TestDb) {
    demo(db, 1_000).await;
    let before = db.store.active_weight_map().await.unwrap().unwrap();
    let versions_before = db.store.weight_maps(1000).await.unwrap().len();
    // A real failure between storing the new map and activating it.
    if db.is_postgres() {
        common::run_admin(
            &db.url,
            "CREATE FUNCTION refuse_activation() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN RAISE EXCEPTION 'activation refused by the test'; END $$;
             CREATE TRIGGER refuse_activation BEFORE UPDATE OF is_active ON learning_model_weights
             FOR EACH ROW WHEN (NEW.is_active) EXECUTE FUNCTION refuse_activation();",
        )
        .await;
    } else {
        sqlite_exec(
            &db.url,
            "CREATE TRIGGER refuse_activation BEFORE UPDATE OF is_active ON learning_model_weights
             WHEN NEW.is_active = 1 BEGIN SELECT RAISE(ABORT, 'activation refused by the test'); END;",
        )
        .await;
    }
    let env = env_for(db, "t@h:1");
    let report = run(&env, "offline_weight_map").await;
    assert_eq!(status(&report), RunStatus::Failed);
    let RunReport::Finished { reason, .. } = &report else {
        unreachable!()
    };
    assert!(
        reason
            .as_deref()
            .unwrap_or("")
            .contains("activation refused"),
        "{reason:?}"
    );
    assert_eq!(
        db.store.active_weight_map().await.unwrap().unwrap().version,
        before.version
    );
    assert_eq!(
        db.store.weight_maps(1000).await.unwrap().len(),
        versions_before,
        "no new version stored"
    );
    let last = &db
        .store
        .run_history(Some("offline_weight_map"), 1)
        .await
        .unwrap()[0];
    assert_eq!(last.status, "failed");
}
contract!(a_job_failing_half_way_publishes_nothing);

async fn sqlite_exec(url: &str, sql: &str) {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut c)
        .await
        .unwrap();
}

fn usage(cost: f64, at: DateTime<Utc>) -> AiUsageRow {
    AiUsageRow {
        at,
        model: "gpt-4o".into(),
        prompt_tokens: 1000,
        completion_tokens: 100,
        total_tokens: 1100,
        cost_usd: cost,
        feature_area: "tests".into(),
        purpose: None,
        orchestrator: None,
        job_run_id: None,
        state: "settled".into(),
    }
}

async fn tier_changes_give_two_transitions_and_no_duplicates(db: &TestDb) {
    let day1 = now();
    let mut env = env_for(db, "t@h:1");
    let mut at = day1;
    env.clock = Arc::new(move || at);
    let budget_events = |events: Vec<xbot::store::ops::incidents::EventRecord>| {
        events
            .into_iter()
            .filter(|e| e.component == "budget_tier")
            .map(|e| e.event_type)
            .collect::<Vec<_>>()
    };
    let add = |cost: f64| {
        let store = db.store.clone();
        async move {
            let mut b = Batch::default();
            b.ai_usage.push(usage(cost, day1 - Duration::hours(1)));
            store.write_batch(&b).await.unwrap();
        }
    };
    // T1 (10%), twice.
    add(0.5).await;
    for _ in 0..2 {
        assert_eq!(
            status(&run(&env, "budget_tier").await),
            RunStatus::Succeeded
        );
    }
    // T3 (85%), three times.
    add(3.75).await;
    for _ in 0..3 {
        run(&env, "budget_tier").await;
    }
    // T4 (110%), twice.
    add(1.25).await;
    for _ in 0..2 {
        run(&env, "budget_tier").await;
    }
    assert_eq!(
        budget_events(db.store.events(100).await.unwrap()),
        ["incident_opened"]
    );
    let open = db.store.incidents(false, 10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert!(
        open[0].details.as_deref().unwrap().contains("T4"),
        "{open:?}"
    );
    // The next budget day starts at T1.
    at = day1 + Duration::days(1);
    env.clock = Arc::new(move || at);
    for _ in 0..2 {
        run(&env, "budget_tier").await;
    }
    assert_eq!(
        budget_events(db.store.events(100).await.unwrap()),
        ["incident_resolved", "incident_opened"]
    );
    assert!(db.store.incidents(false, 10).await.unwrap().is_empty());
}
contract!(tier_changes_give_two_transitions_and_no_duplicates);

async fn a_backlog_of_missed_intervals_is_one_run(db: &TestDb) {
    let t = Utc::now();
    // objective_scores (every 20 min) last succeeded ten intervals ago.
    let mut b = Batch::default();
    b.job_runs.push(JobRunRow {
        job: "objective_scores".into(),
        status: "succeeded".into(),
        trigger: "schedule".into(),
        owner: "old@host:1".into(),
        started_at: t - Duration::minutes(200),
        finished_at: Some(t - Duration::minutes(200)),
        error: None,
        stats: None,
    });
    db.store.write_batch(&b).await.unwrap();
    let env = env_for(db, "sched@host:1");
    db.store
        .sync_schedules(&catalog::effective(&env.cfg.jobs), t)
        .await
        .unwrap();
    let mut scheduler = Scheduler::new(env.clone());
    let first = scheduler.tick().await.unwrap();
    let decision =
        |d: &[(String, Decision)], job: &str| d.iter().find(|(j, _)| j == job).unwrap().1.clone();
    assert_eq!(decision(&first, "objective_scores"), Decision::Start);
    // Jobs the AI layer would run are skipped with the reason on the schedule row.
    assert_eq!(
        decision(&first, "plan"),
        Decision::Skipped("AI endpoint not configured".into())
    );
    // Later ticks while it runs or after it succeeded do not start another.
    for _ in 0..3 {
        let again = scheduler.tick().await.unwrap();
        assert_ne!(decision(&again, "objective_scores"), Decision::Start);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    scheduler.shutdown(std::time::Duration::from_secs(10)).await;
    let runs = db
        .store
        .run_history(Some("objective_scores"), 50)
        .await
        .unwrap();
    assert_eq!(
        runs.iter().filter(|r| r.owner == "sched@host:1").count(),
        1,
        "{runs:?}"
    );
    let schedules = db.store.schedules().await.unwrap();
    let plan = schedules.iter().find(|s| s.job == "plan").unwrap();
    assert_eq!(
        plan.last_skip_reason.as_deref(),
        Some("AI endpoint not configured")
    );
    // The skip reason is recorded once, not per tick.
    assert!(
        !db.store
            .record_skip("plan", Some("AI endpoint not configured"), Utc::now())
            .await
            .unwrap()
    );
}
contract!(a_backlog_of_missed_intervals_is_one_run);

async fn the_learning_jobs_run_on_the_demo_dataset(db: &TestDb) {
    demo(db, 1_400).await;
    let mut env = env_for(db, "t@h:1");
    // One instant for every run, so repeated runs must agree exactly.
    let at = Utc::now();
    env.clock = Arc::new(move || at);
    let before = db
        .store
        .data_health(Utc::now(), Utc::now(), Utc::now())
        .await
        .unwrap();
    let report = run(&env, "objective_scores").await;
    assert_eq!(status(&report), RunStatus::Succeeded);
    let RunReport::Finished { summary, .. } = &report else {
        unreachable!()
    };
    assert!(summary.as_ref().unwrap().rows_written > 0);
    let after = db
        .store
        .data_health(Utc::now(), Utc::now(), Utc::now())
        .await
        .unwrap();
    assert!(after.with_v2_score_7d >= before.with_v2_score_7d);
    // A second run has nothing left to score.
    let RunReport::Finished { summary, .. } = run(&env, "objective_scores").await else {
        unreachable!()
    };
    assert_eq!(summary.unwrap().rows_written, 0);

    assert_eq!(
        status(&run(&env, "reply_priority_learning").await),
        RunStatus::Succeeded
    );
    let accounts = db.store.accounts(400).await.unwrap();
    assert!(
        accounts
            .iter()
            .all(|a| (0.0..=1.0).contains(&a.priority_score))
    );
    for a in &accounts {
        match a.operator_override.as_str() {
            "pinned" => assert_eq!(a.priority_score, 1.0),
            "muted" => assert_eq!(a.priority_score, 0.0),
            _ => {}
        }
    }
    // Running it again gives the same priorities (time-based staleness, not per-run decay).
    run(&env, "reply_priority_learning").await;
    let again = db.store.accounts(400).await.unwrap();
    for (a, b) in accounts.iter().zip(&again) {
        assert_eq!(a.username, b.username);
        assert!(
            (a.priority_score - b.priority_score).abs() < 1e-9,
            "{a:?}\n{b:?}"
        );
    }
    assert_eq!(
        status(&run(&env, "budget_tier").await),
        RunStatus::Succeeded
    );
    assert_eq!(
        status(&run(&env, "job_watchdog").await),
        RunStatus::Succeeded
    );
}
contract!(the_learning_jobs_run_on_the_demo_dataset);

async fn a_cancelled_run_publishes_nothing_and_releases_its_lease(db: &TestDb) {
    demo(db, 600).await;
    let env = env_for(db, "t@h:1");
    let cancel = CancellationToken::new();
    cancel.cancel();
    let (tx, _rx) = watch::channel(JobProgress::default());
    let before = db.store.active_weight_map().await.unwrap().unwrap();
    let report = run_job(&env, "offline_weight_map", Trigger::Manual, cancel, tx)
        .await
        .unwrap();
    assert_eq!(status(&report), RunStatus::Cancelled);
    assert_eq!(
        db.store.active_weight_map().await.unwrap().unwrap().version,
        before.version
    );
    // The lease is free again.
    assert_eq!(
        status(&run(&env, "offline_weight_map").await),
        RunStatus::Succeeded
    );
}
contract!(a_cancelled_run_publishes_nothing_and_releases_its_lease);

/// A recompute on unchanged data adds no version identical to the active one: it says so, and
/// the active map stays.
async fn an_unchanged_weight_map_adds_no_version(db: &TestDb) {
    demo(db, 800).await;
    let env = env_for(db, "t@h:1");
    assert_eq!(
        status(&run(&env, "offline_weight_map").await),
        RunStatus::Succeeded
    );
    let active = db.store.active_weight_map().await.unwrap().unwrap();
    let versions = db.store.weight_maps(1000).await.unwrap().len();
    let report = run(&env, "offline_weight_map").await;
    let RunReport::Finished {
        status, summary, ..
    } = &report
    else {
        panic!("{report:?}")
    };
    assert_eq!(*status, RunStatus::Succeeded, "{report:?}");
    let summary = summary.as_ref().unwrap();
    assert!(
        summary
            .message
            .starts_with(&format!("unchanged, {} stays active", active.version)),
        "{}",
        summary.message
    );
    assert_eq!(summary.details["unchanged"], true);
    assert_eq!(summary.rows_written, 0);
    assert_eq!(db.store.weight_maps(1000).await.unwrap().len(), versions);
    let still = db.store.active_weight_map().await.unwrap().unwrap();
    assert_eq!((still.id, still.version), (active.id, active.version));
}
contract!(an_unchanged_weight_map_adds_no_version);
