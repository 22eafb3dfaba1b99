//! Learning numbers that stay right on real data (issue 16): exact expected values for reply
//! performance with unmeasured replies, ties under rounding noise, stale accounts, accounts with
//! few or no replies, bad metric rows, the weight map's recorded params, and the AI ledger's
//! two models; property tests where one fits; and the jobs checked against the pure rules on
//! the demo dataset, on both backends.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::TestDb;
use proptest::prelude::*;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use xbot::config::Config;
use xbot::jobs::runner::{RunReport, run_job};
use xbot::jobs::{JobEnv, JobProgress};
use xbot::learning::replies::{
    Band, OperatorOverride, PriorityScale, ReplySample, ReplySums, TIE_TOLERANCE, assign_bands,
    reply_performance, stale_priority,
};
use xbot::learning::reply_priorities::{AccountReplies, compute_priorities, global_reply_mean};
use xbot::learning::weights::{
    FEATURES, Feature, WeightParams, effective_cutoff_days, weight_map_from_rows,
};
use xbot::store::demo::{DemoOptions, seed};
use xbot::store::ops::budget::{Reservation, Reserved};
use xbot::store::ops::jobs::Trigger;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

fn sample(age_days: f64, fgw: Option<f64>, score: Option<f64>) -> ReplySample {
    ReplySample {
        age_days,
        followers_gained_weighted: fgw,
        score,
    }
}

/// An account given by its sums directly (n measured, Σd, Σ(d·c)).
fn acct(name: &str, replies_30d: u32, n: u32, sum_d: f64, sum_dc: f64) -> AccountReplies {
    let sums = ReplySums { n, sum_d, sum_dc };
    AccountReplies {
        username: name.into(),
        replies_30d,
        recent: sums,
        all: sums,
        last_successful_reply_at: (replies_30d > 0).then(|| now() - Duration::days(1)),
        base: None,
        operator_override: OperatorOverride::None,
    }
}

// ---------------------------------------------------------------------------------------------
// Item 1: unmeasured replies are left out, never 0.

#[test]
fn unmeasured_replies_do_not_count_as_zero() {
    // The newest reply (weight 1.0) has no follower gain yet and no score.
    let samples = [
        sample(0.0, None, None),
        sample(1.0, Some(10.0), Some(0.5)),
        sample(2.0, Some(0.0), Some(0.2)),
        sample(0.5, Some(4.0), None),
    ];
    let d1 = (-0.15f64).exp();
    let c1 = 0.6 * (1.0 - (-1.0f64).exp()) + 0.4 * 0.5;
    let d2 = (-0.3f64).exp();
    let c2 = 0.4 * 0.2;
    let expect = (d1 * c1 + d2 * c2) / (d1 + d2);
    let got = reply_performance(&samples, 10.0).unwrap();
    assert!(close(got, expect), "{got} vs {expect}");
    // 0.3483…, where counting the unmeasured ones as 0 gave 0.2101….
    assert!((got - 0.348_323_853_943).abs() < 1e-9, "{got}");

    let unmeasured = [sample(0.0, None, Some(0.9)), sample(1.0, Some(3.0), None)];
    assert_eq!(reply_performance(&unmeasured, 10.0), None);
}

#[test]
fn an_account_with_only_unmeasured_replies_is_not_measured_yet() {
    let t = now();
    let mut accounts: Vec<AccountReplies> = (0..10)
        .map(|i| acct(&format!("a{i}"), 3, 3, 1.0, 0.05 + 0.1 * f64::from(i)))
        .collect();
    let waiting = AccountReplies::from_samples(
        "waiting",
        &[
            sample(0.1, None, None),
            sample(0.2, None, None),
            sample(0.3, None, None),
        ],
        Some(t - Duration::hours(2)),
        10.0,
    );
    accounts.push(waiting);
    let out = compute_priorities(&accounts, t);
    let w = out.iter().find(|u| u.username == "waiting").unwrap();
    assert_eq!(w.band, "unmeasured");
    assert_eq!(w.performance, None);
    assert_eq!(w.replies_30d, 3);
    // μ = Σ(d·c)/Σd = 5.0/10 = 0.5, between a4 (0.45 → 0.4) and a5 (0.55 → 0.5): 0.45.
    assert!(close(w.priority, 0.45), "{}", w.priority);
    // The banded accounts are exactly as without it.
    let without = compute_priorities(&accounts[..10], t);
    for u in &without {
        let with = out.iter().find(|x| x.username == u.username).unwrap();
        assert_eq!(with.priority, u.priority);
    }
}

// ---------------------------------------------------------------------------------------------
// Item 2: ties within 1e-12, everywhere ranks or bands are formed.

#[test]
fn equal_performances_with_rounding_noise_are_all_equal() {
    // The same reply history decayed at two instants: equal, up to the last bit.
    let noisy = [
        0.3,
        0.3 + 5.551115123125783e-17,
        0.3 - 5.551115123125783e-17,
        0.3,
    ];
    let perfs: Vec<(usize, f64)> = noisy.iter().copied().enumerate().collect();
    let out = assign_bands(&perfs);
    assert!(out.iter().all(|(_, p, b)| *p == 0.5 && *b == Band::Uniform));

    // Two tie groups with noise inside each: equal priorities within a group.
    let perfs = [
        (0, 0.7),
        (1, 0.7 + 1e-13),
        (2, 0.2),
        (3, 0.2 - 2e-13),
        (4, 0.7 - 3e-13),
    ];
    let out: HashMap<usize, (f64, Band)> = assign_bands(&perfs)
        .into_iter()
        .map(|(k, p, b)| (k, (p, b)))
        .collect();
    assert_eq!(out[&0], (1.0, Band::Top));
    assert_eq!(out[&1], (1.0, Band::Top));
    assert_eq!(out[&4], (1.0, Band::Top));
    // Five accounts, two tie groups: the second group ranks 4th (rank 3 of 0..5), Low, and its
    // two tied members share the band's top step: 0 + 0.4·(2 − 1 − 0)/2 = 0.2.
    assert_eq!(out[&2], (0.2, Band::Low));
    assert_eq!(out[&3], (0.2, Band::Low));
}

#[test]
fn leaderboard_ties_within_the_tolerance_are_ordered_by_value() {
    use xbot::learning::aggregate::GroupSums;
    let g = |v: &str, sum_ds: f64| GroupSums {
        value: v.into(),
        n: 10,
        sum_d: 10.0,
        sum_ds,
        sum_s: sum_ds,
        n_recent: 0,
        sum_s_recent: 0.0,
        n_prior: 0,
        sum_s_prior: 0.0,
    };
    // "b" is ahead by rounding noise only: "a" still ranks first.
    let lb = xbot::learning::leaderboard(&[g("b", 5.0 + 1e-14), g("a", 5.0), g("c", 1.0)], 3.0);
    let order: Vec<&str> = lb.iter().map(|e| e.value.as_str()).collect();
    assert_eq!(order, ["a", "b", "c"]);
}

fn banding(perfs: &[f64]) -> HashMap<usize, (f64, Band)> {
    let input: Vec<(usize, f64)> = perfs.iter().copied().enumerate().collect();
    assign_bands(&input)
        .into_iter()
        .map(|(k, p, b)| (k, (p, b)))
        .collect()
}

proptest! {
    /// Bands and priorities are the same under any permutation and under noise of up to
    /// 1e-12 between equal performances (values otherwise at least 1e-9 apart).
    #[test]
    fn bands_stable_under_permutation_and_noise(
        (base, order) in prop::collection::vec(0usize..40, 1..30)
            .prop_flat_map(|v| {
                let n = v.len();
                (Just(v), Just((0..n).collect::<Vec<usize>>()).prop_shuffle())
            }),
        noise in prop::collection::vec(-5e-13..5e-13f64, 30),
    ) {
        // Performances on a 1e-9 grid (many exact ties), then jittered.
        let clean: Vec<f64> = base.iter().map(|b| 0.2 + *b as f64 * 1e-9 * 1e6).collect();
        let noisy: Vec<f64> = clean.iter().zip(&noise).map(|(p, e)| p + e).collect();
        let a = banding(&clean);
        let b = banding(&noisy);
        prop_assert_eq!(&a, &b);
        let permuted: Vec<f64> = order.iter().map(|i| noisy[*i]).collect();
        let c = banding(&permuted);
        for (pos, i) in order.iter().enumerate() {
            prop_assert_eq!(c[&pos], a[i]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Item 3: staleness continuous in time, from the priority the account had.

fn stale_account(base: Option<f64>, last: DateTime<Utc>) -> AccountReplies {
    AccountReplies {
        username: "quiet".into(),
        replies_30d: 0,
        recent: ReplySums::default(),
        all: ReplySums {
            n: 3,
            sum_d: 0.3,
            sum_dc: 0.039,
        },
        last_successful_reply_at: Some(last),
        base,
        operator_override: OperatorOverride::None,
    }
}

#[test]
fn a_top_account_going_stale_keeps_its_priority_and_then_halves() {
    let last = now() - Duration::days(30) - Duration::seconds(1);
    let at = |t: DateTime<Utc>| compute_priorities(&[stale_account(Some(1.0), last)], t)[0].clone();
    // Just stale: the priority it had (1.0), not 0.13 × 0.5^(30/14) ≈ 0.03.
    let just = at(now());
    assert_eq!(just.band, "stale");
    assert!((just.priority - 0.5f64.powf(1.0 / 86_400.0 / 14.0)).abs() < 1e-12);
    assert!(just.priority > 0.99999);
    assert!(close(at(last + Duration::days(44)).priority, 0.5));
    assert!(close(at(last + Duration::days(58)).priority, 0.25));
    assert_eq!(at(now()).base, None, "a stale run keeps the stored base");
}

#[test]
fn a_live_account_stores_its_base_and_the_stale_one_decays_from_it() {
    // Run 1, live: the account's base is its priority. Run 2, 40 days later: stale.
    let t1 = now();
    let last = t1 - Duration::days(2);
    let mut accounts: Vec<AccountReplies> = (0..10)
        .map(|i| acct(&format!("a{i}"), 3, 3, 1.0, 0.05 + 0.1 * f64::from(i)))
        .collect();
    accounts[9].last_successful_reply_at = Some(last);
    let first = compute_priorities(&accounts, t1);
    let top = first.iter().find(|u| u.username == "a9").unwrap();
    assert_eq!(
        (top.priority, top.band.as_str(), top.base),
        (1.0, "top", Some(1.0))
    );
    let t2 = t1 + Duration::days(40);
    let mut later = accounts.clone();
    later[9] = AccountReplies {
        username: "a9".into(),
        ..stale_account(top.base, last)
    };
    let out = compute_priorities(&later, t2);
    let p = out.iter().find(|u| u.username == "a9").unwrap();
    // Stale since last + 30 d = t1 + 28 d: 12 days of decay.
    assert!(
        close(p.priority, 0.5f64.powf(12.0 / 14.0)),
        "{}",
        p.priority
    );
}

proptest! {
    /// The stale priority is continuous in time: exactly the base when the account goes stale,
    /// Lipschitz after (never faster than the half-life allows), and the same however often the
    /// job runs (a pure function of the stored base and the last reply).
    #[test]
    fn stale_priorities_are_continuous_in_time(
        base in 0.0..=1.0f64,
        secs in prop::collection::vec(0i64..200 * 86_400, 1..8),
        step in 1i64..86_400,
    ) {
        let last = now() - Duration::days(60);
        let t_stale = last + Duration::days(30);
        prop_assert_eq!(stale_priority(base, last, t_stale), base);
        let rate = base * std::f64::consts::LN_2 / 14.0;
        for s in &secs {
            let t = t_stale + Duration::seconds(*s);
            let p1 = compute_priorities(&[stale_account(Some(base), last)], t)[0].priority;
            let p2 = compute_priorities(&[stale_account(Some(base), last)], t + Duration::seconds(step))[0].priority;
            prop_assert!(p2 <= p1 + 1e-15);
            prop_assert!(p1 - p2 <= rate * step as f64 / 86_400.0 + 1e-12);
            // Running again (any number of times) at the same instant gives the same value.
            let again = compute_priorities(&[stale_account(Some(base), last)], t)[0].priority;
            prop_assert_eq!(p1, again);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Item 4: accounts with one or two replies, and never-replied accounts, on the banded scale.

#[test]
fn few_replies_are_shrunk_towards_the_mean_and_placed_on_the_banded_scale() {
    let t = now();
    // Ten banded accounts: performances 0.05, 0.15, …, 0.95 (Σd = 1 each) → 0.0, 0.1, …, 1.0.
    let mut accounts: Vec<AccountReplies> = (0..10)
        .map(|i| acct(&format!("a{i}"), 3, 3, 1.0, 0.05 + 0.1 * f64::from(i)))
        .collect();
    // One lucky reply: performance 1.0 with weight 1.
    accounts.push(acct("lucky", 1, 1, 1.0, 1.0));
    accounts.push(acct("never", 0, 0, 0.0, 0.0));
    accounts[11].last_successful_reply_at = None;
    let mu = global_reply_mean(&accounts).unwrap();
    assert!(close(mu, 6.0 / 11.0));
    let out = compute_priorities(&accounts, t);
    let by = |n: &str| out.iter().find(|u| u.username == n).unwrap().clone();
    // Shrunk: (1.0 + 3μ)/(1 + 3) = 0.65909…, between a6 (0.65 → 0.6) and a7 (0.75 → 0.7).
    let shrunk = (1.0 + 3.0 * mu) / 4.0;
    let expect = 0.6 + 0.1 * (shrunk - 0.65) / 0.1;
    let lucky = by("lucky");
    assert_eq!(lucky.band, "low_n");
    assert_eq!(lucky.performance, Some(1.0));
    assert!(
        close(lucky.priority, expect),
        "{} vs {expect}",
        lucky.priority
    );
    assert!((lucky.priority - 0.609_090_909_09).abs() < 1e-9);
    // Never replied: where μ sits, between a4 (0.45 → 0.4) and a5 (0.55 → 0.5).
    let never = by("never");
    assert_eq!(never.band, "new");
    assert!(
        close(never.priority, 0.4 + 0.1 * (mu - 0.45) / 0.1),
        "{}",
        never.priority
    );
    // The banded accounts are not moved by the others.
    assert_eq!(by("a9").priority, 1.0);
    assert_eq!(by("a0").priority, 0.0);
}

#[test]
fn the_scale_is_monotone_and_flat_outside_the_banded_range() {
    let scale = PriorityScale::new(&[0.9, 0.5, 0.5 + 1e-13, 0.1], &[1.0, 0.5, 0.5, 0.0]);
    assert_eq!(scale.priority(0.95), 1.0);
    assert_eq!(scale.priority(0.05), 0.0);
    assert_eq!(scale.priority(0.5), 0.5);
    assert!(close(scale.priority(0.7), 0.75));
    assert!(close(scale.priority(0.3), 0.25));
    assert_eq!(PriorityScale::new(&[], &[]).priority(0.3), 0.5);
    let mut last = 0.0;
    for i in 0..=100 {
        let p = scale.priority(f64::from(i) / 100.0);
        assert!(p >= last);
        last = p;
    }
    // Points within the tolerance are one point.
    let tied = PriorityScale::new(&[0.5, 0.5 + TIE_TOLERANCE / 2.0], &[0.7, 0.7]);
    assert_eq!(tied.priority(0.5 + TIE_TOLERANCE / 4.0), 0.7);
}

// ---------------------------------------------------------------------------------------------
// The reply_priority_learning job against the pure rules on the demo data, both backends.

fn env_for(db: &TestDb, at: DateTime<Utc>) -> JobEnv {
    let mut env = JobEnv::new(
        db.store.clone(),
        Arc::new(Config::defaults_for_tests(db.target.clone())),
    );
    env.owner = "numbers@h:1".into();
    env.clock = Arc::new(move || at);
    env
}

async fn run(db: &TestDb, job: &str, at: DateTime<Utc>) -> RunReport {
    let (tx, _rx) = watch::channel(JobProgress::default());
    run_job(
        &env_for(db, at),
        job,
        Trigger::Manual,
        CancellationToken::new(),
        tx,
    )
    .await
    .unwrap()
}

fn details(report: &RunReport) -> serde_json::Value {
    match report {
        RunReport::Finished { summary, .. } => summary
            .as_ref()
            .unwrap_or_else(|| panic!("no summary: {report:?}"))
            .details
            .clone(),
        RunReport::Held { owner, .. } => panic!("held by {owner}"),
    }
}

async fn demo(db: &TestDb, posts: usize) {
    let mut opts = DemoOptions::new(now(), chrono_tz::Tz::UTC);
    opts.posts = posts;
    seed(db.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .unwrap();
}

/// Every account's priority as the pure rules give it from its replies as stored.
async fn pure_priorities(db: &TestDb, at: DateTime<Utc>) -> HashMap<String, (f64, String)> {
    let accounts = db.store.accounts(10_000).await.unwrap();
    let mut inputs = Vec::new();
    for a in &accounts {
        let replies = db
            .store
            .account_replies(&a.username, 100_000)
            .await
            .unwrap();
        let samples: Vec<ReplySample> = replies
            .iter()
            .map(|r| {
                sample(
                    xbot::learning::age_days(at, r.posted_at),
                    r.followers_gained_weighted,
                    r.score,
                )
            })
            .collect();
        let last = replies
            .iter()
            .map(|r| r.posted_at)
            .max()
            .or(a.last_successful_reply_at);
        inputs.push(AccountReplies {
            operator_override: OperatorOverride::parse(&a.operator_override).unwrap(),
            ..AccountReplies::from_samples(&a.username, &samples, last, 10.0)
        });
    }
    compute_priorities(&inputs, at)
        .into_iter()
        .map(|u| (u.username, (u.priority, u.band)))
        .collect()
}

async fn the_priority_job_follows_the_pure_rules_on_the_demo_data(db: &TestDb) {
    demo(db, 2_000).await;
    let t = now() + Duration::minutes(5);
    run(db, "reply_priority_learning", t).await;
    let expect = pure_priorities(db, t).await;
    let stored = db.store.accounts(10_000).await.unwrap();
    assert_eq!(stored.len(), expect.len());
    let mut unmeasured = 0;
    for a in &stored {
        let (p, band) = &expect[&a.username];
        assert!(
            (a.priority_score - p).abs() < 1e-10,
            "{}: {} vs {p}",
            a.username,
            a.priority_score
        );
        assert_eq!(
            a.priority_band.as_deref(),
            Some(band.as_str()),
            "{}",
            a.username
        );
        unmeasured += usize::from(band == "unmeasured");
    }
    // Repeated runs at one instant agree exactly; one second later nothing jumps.
    run(db, "reply_priority_learning", t).await;
    let again = db.store.accounts(10_000).await.unwrap();
    run(db, "reply_priority_learning", t + Duration::seconds(1)).await;
    let later = db.store.accounts(10_000).await.unwrap();
    for ((a, b), c) in stored.iter().zip(&again).zip(&later) {
        assert_eq!(a.priority_score, b.priority_score, "{}", a.username);
        assert!(
            (a.priority_score - c.priority_score).abs() < 1e-6,
            "{}: {} → {}",
            a.username,
            a.priority_score,
            c.priority_score
        );
        assert_eq!(a.priority_band, c.priority_band, "{}", a.username);
    }
    let _ = unmeasured;
}
contract!(the_priority_job_follows_the_pure_rules_on_the_demo_data);

async fn a_stale_account_decays_from_the_priority_it_had(db: &TestDb) {
    demo(db, 2_000).await;
    let t = now() + Duration::minutes(5);
    run(db, "reply_priority_learning", t).await;
    let accounts = db.store.accounts(10_000).await.unwrap();
    // The live account whose last reply is oldest goes stale first.
    let a = accounts
        .iter()
        .filter(|a| a.operator_override == "none" && a.replies_30d > 0)
        .min_by_key(|a| a.last_successful_reply_at)
        .unwrap()
        .clone();
    let last = a.last_successful_reply_at.unwrap();
    let t_stale = last + Duration::days(30);
    // The last run while it is live, then stale runs: once, or many times on the way.
    run(
        db,
        "reply_priority_learning",
        t_stale - Duration::seconds(1),
    )
    .await;
    let find = |v: &[xbot::store::ops::replies::AccountRecord]| {
        v.iter().find(|x| x.username == a.username).unwrap().clone()
    };
    let live = find(&db.store.accounts(10_000).await.unwrap());
    assert_ne!(live.priority_band.as_deref(), Some("stale"));
    for h in [1, 24 * 3, 24 * 7] {
        run(db, "reply_priority_learning", t_stale + Duration::hours(h)).await;
    }
    let end = t_stale + Duration::days(14);
    run(db, "reply_priority_learning", end).await;
    let many = find(&db.store.accounts(10_000).await.unwrap());
    assert_eq!(many.priority_band.as_deref(), Some("stale"));
    assert!(
        (many.priority_score - live.priority_score * 0.5).abs() < 1e-12,
        "{} vs half of {}",
        many.priority_score,
        live.priority_score
    );
    run(db, "reply_priority_learning", end).await;
    let again = find(&db.store.accounts(10_000).await.unwrap());
    assert_eq!(again.priority_score, many.priority_score);
    // Just after going stale: continuous with the last live value.
    run(
        db,
        "reply_priority_learning",
        t_stale + Duration::seconds(1),
    )
    .await;
    let just = find(&db.store.accounts(10_000).await.unwrap());
    assert!((just.priority_score - live.priority_score).abs() < 1e-6);
}
contract!(a_stale_account_decays_from_the_priority_it_had);

// ---------------------------------------------------------------------------------------------
// Item 5: one bad value never stops the objective-scores job, on either backend.

/// Run one statement on the test database (outside the store).
async fn exec(db: &TestDb, sql: &str) {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if db.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    }
}

type Derived = (Option<f64>, Option<f64>, Option<f64>);
type OutcomeRow = (String, Option<f64>, Option<f64>, Option<f64>);

/// Every outcome's derived values (engagement rate, weighted followers, score), by decision.
async fn scored(db: &TestDb) -> HashMap<String, Derived> {
    use sqlx::Connection;
    // xbot's own scores (in xbot's schema), one per scored outcome.
    let sql = if db.is_postgres() {
        "SELECT decision_id, engagement_rate, followers_gained_weighted, score
         FROM xbot.objective_scores"
    } else {
        "SELECT decision_id, engagement_rate, followers_gained_weighted, score
         FROM objective_scores"
    };
    let rows: Vec<OutcomeRow> = if db.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap()
    };
    rows.into_iter()
        .map(|(id, er, fgw, s)| (id, (er, fgw, s)))
        .collect()
}

/// Make every outcome need a score again.
async fn forget_scores(db: &TestDb) {
    if db.is_postgres() {
        exec(db, "DELETE FROM xbot.objective_scores").await;
    } else {
        exec(db, "DELETE FROM objective_scores").await;
    }
}

async fn one_bad_row_never_stops_or_changes_the_others(db: &TestDb) {
    demo(db, 300).await;
    let t = now() + Duration::minutes(5);
    forget_scores(db).await;
    let report = run(db, "objective_scores", t).await;
    let bad_before = details(&report)["bad_rows"].as_u64().unwrap();
    let clean = scored(db).await;
    assert!(clean.len() > 100);
    let victims: Vec<String> = {
        let mut v: Vec<String> = clean.keys().cloned().collect();
        v.sort();
        v.into_iter().step_by(37).take(3).collect()
    };
    // A text 'NaN' in an integer column (SQLite; Postgres columns are typed, so a negative
    // count there), a negative view count, a fraction (SQLite) or a negative count.
    let (first, third) = if db.is_postgres() {
        ("likes = -5", "retweets = -2")
    } else {
        ("likes = 'NaN'", "replies = 2.5")
    };
    for (set, id) in [
        (first, &victims[0]),
        ("views = -1", &victims[1]),
        (third, &victims[2]),
    ] {
        exec(
            db,
            &format!("UPDATE outcomes SET {set} WHERE decision_id = '{id}'"),
        )
        .await;
    }
    forget_scores(db).await;
    let report = run(db, "objective_scores", t + Duration::minutes(1)).await;
    let RunReport::Finished { status, .. } = &report else {
        unreachable!()
    };
    assert_eq!(*status, xbot::store::ops::jobs::RunStatus::Succeeded);
    let d = details(&report);
    assert_eq!(d["bad_rows"].as_u64().unwrap(), bad_before + 3, "{d}");
    let after = scored(db).await;
    for (id, values) in &clean {
        if victims.contains(id) {
            assert_eq!(after[id], (None, None, None), "a bad row is unmeasured");
        } else {
            assert_eq!(&after[id], values, "{id} changed");
        }
    }
}
contract!(one_bad_row_never_stops_or_changes_the_others);

// ---------------------------------------------------------------------------------------------
// Item 6: the weight map records every parameter that made it.

async fn a_weight_map_can_be_recomputed_from_its_stored_params(db: &TestDb) {
    demo(db, 1_500).await;
    let t = now() + Duration::minutes(5);
    run(db, "offline_weight_map", t).await;
    let active = db.store.active_weight_map().await.unwrap().unwrap();
    let record = db.store.weight_map(&active.version).await.unwrap().unwrap();
    let json: serde_json::Value = serde_json::from_str(record.params.as_deref().unwrap()).unwrap();
    assert_eq!(json["window_days"], 60.0);
    assert_eq!(json["k"], 3.0);
    let expect = [
        ("generator_name", "generator", 0.08, 0.20, 90.0, 60.0),
        ("topic", "topic", 0.12, 0.10, 45.0, 45.0),
        ("tone", "tone", 0.10, 0.15, 60.0, 60.0),
        ("decision_type", "decision_type", 0.10, 0.10, 60.0, 60.0),
        ("content_slot", "slot", 0.10, 0.10, 60.0, 60.0),
    ];
    for (feature, context, lambda, floor, max_age, cutoff) in expect {
        let d = &json["decay"][feature];
        assert_eq!(d["context"], context, "{feature}");
        assert_eq!(d["lambda"], lambda, "{feature}");
        assert_eq!(d["floor"], floor, "{feature}");
        assert_eq!(d["max_age_days"], max_age, "{feature}");
        assert_eq!(d["cutoff_days"], cutoff, "{feature}");
    }
    // Recompute from (rows, now, params) alone.
    let params: WeightParams = serde_json::from_value(json).unwrap();
    assert_eq!(params, WeightParams::default());
    let rows = db.store.learning_rows(t, &params).await.unwrap();
    let again = weight_map_from_rows(&rows, t, &params);
    let weights =
        xbot::learning::weights::parse_weights_json(record.weights.as_deref().unwrap()).unwrap();
    for (feature, values) in &again.map.weights {
        for (value, w) in values {
            assert!(
                (weights[feature][value] - w).abs() < 1e-10,
                "{feature}/{value}"
            );
        }
    }
    // The recorded decay is what is used: another λ gives another map.
    let mut other = params;
    other.decay.generator_name.lambda = 0.3;
    let changed = weight_map_from_rows(&rows, t, &other);
    assert_ne!(
        changed.map.weights["generator_name"],
        again.map.weights["generator_name"]
    );
    assert_eq!(changed.map.weights["topic"], again.map.weights["topic"]);
    assert_eq!(effective_cutoff_days(Feature::Topic, &other), 45.0);
    assert_eq!(FEATURES.len(), 5);
}
contract!(a_weight_map_can_be_recomputed_from_its_stored_params);

#[test]
fn params_stored_before_the_decay_was_recorded_read_as_the_defaults() {
    let old: WeightParams = serde_json::from_str(r#"{"window_days": 60.0, "k": 3.0}"#).unwrap();
    assert_eq!(old, WeightParams::default());
}

// ---------------------------------------------------------------------------------------------
// Item 7: the ledger stores the model asked for and the model that answered (and was priced).

async fn the_ledger_keeps_both_models(db: &TestDb) {
    let t = Utc::now();
    let (start, end) = (t - Duration::hours(1), t + Duration::hours(1));
    let reserved = db
        .store
        .reserve(
            &Reservation {
                model: "gpt-4o".into(),
                feature_area: "tests".into(),
                purpose: Some("test".into()),
                orchestrator: Some("CoreContent".into()),
                job_run_id: None,
                prompt_tokens: 100,
                completion_tokens: 100,
                estimated_cost_usd: 0.01,
                day_start: start,
                day_end: end,
                daily_limit_usd: 5.0,
                expert_cap: None,
            },
            t,
        )
        .await
        .unwrap();
    let Reserved::Granted { id, .. } = reserved else {
        panic!("{reserved:?}")
    };
    let cost = (1000.0 * 0.15 + 500.0 * 0.60) / 1e6;
    db.store
        .settle_as(id, "gpt-4o-mini-2024-07-18", 1000, 500, cost, t)
        .await
        .unwrap();
    let report = db.store.budget_report(start, end, t).await.unwrap();
    assert_eq!(report.by_model.len(), 1);
    assert_eq!(report.by_model[0].key, "gpt-4o-mini-2024-07-18");
    assert!(close(report.by_model[0].cost_usd, cost));
    // Re-priced from its own row: price(model) × tokens = cost.
    let prices = xbot::budget::pricing::PriceTable::default();
    let (price, _) = prices.price_for(&report.by_model[0].key);
    assert!(close(
        xbot::budget::pricing::cost_usd(&price, 1000, 500),
        cost
    ));
    let requested: Vec<(String, String)> = {
        use sqlx::Connection;
        let sql = "SELECT model, requested_model FROM ai_usage";
        if db.is_postgres() {
            let sql = "SELECT model, requested_model FROM xbot.ai_usage";
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap()
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap()
        }
    };
    assert_eq!(
        requested,
        [("gpt-4o-mini-2024-07-18".to_string(), "gpt-4o".to_string())]
    );
}
contract!(the_ledger_keeps_both_models);
