//! Before/after figures of the reply priorities on the demo dataset (issue 16, items 1–4).
//! Not a check: `cargo test --test learning_figures -- --ignored --nocapture` prints them, and
//! leaves the database at $FIG_DB (default /tmp/xbot_figures.db) for the spec reference script.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use xbot::config::{Config, DatabaseTarget};
use xbot::jobs::runner::run_job;
use xbot::jobs::{JobEnv, JobProgress};
use xbot::store::demo::{DemoOptions, seed};
use xbot::store::ops::jobs::Trigger;
use xbot::store::{self, MigrationPolicy, StoreHandle};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap()
}

async fn run_at(store: &StoreHandle, target: &DatabaseTarget, at: DateTime<Utc>) {
    let mut env = JobEnv::new(
        store.clone(),
        Arc::new(Config::defaults_for_tests(target.clone())),
    );
    env.owner = "figures@h:1".into();
    env.clock = Arc::new(move || at);
    let (tx, _rx) = watch::channel(JobProgress::default());
    run_job(
        &env,
        "reply_priority_learning",
        Trigger::Manual,
        CancellationToken::new(),
        tx,
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "prints figures; run by hand"]
async fn demo_figures() {
    let path = std::env::var("FIG_DB").unwrap_or_else(|_| "/tmp/xbot_figures.db".into());
    let _ = std::fs::remove_file(&path);
    let target = DatabaseTarget::Sqlite {
        path: path.clone().into(),
        is_default: false,
    };
    let store = store::open(&target, MigrationPolicy::Apply)
        .await
        .unwrap()
        .store;
    let opts = DemoOptions::new(now(), chrono_tz::Tz::UTC);
    seed(store.as_ref(), &opts, &mut |_, _| {}).await.unwrap();
    run_at(&store, &target, now()).await;
    let first = store.accounts(1000).await.unwrap();
    // Item 2: the same data one second later.
    run_at(&store, &target, now() + Duration::seconds(1)).await;
    let later = store.accounts(1000).await.unwrap();
    let moved = first
        .iter()
        .filter(|a| {
            let b = later.iter().find(|b| b.username == a.username).unwrap();
            a.priority_score != b.priority_score
        })
        .count();
    println!("item2: accounts whose priority changed between runs 1 s apart: {moved}");
    // Back to `now` for the reference script.
    run_at(&store, &target, now()).await;
    let accounts = store.accounts(1000).await.unwrap();

    // Item 3: the top banded account (no override) going stale.
    let top = accounts
        .iter()
        .filter(|a| a.operator_override == "none" && a.priority_band.as_deref() == Some("top"))
        .max_by(|a, b| a.priority_score.total_cmp(&b.priority_score))
        .cloned()
        .unwrap();
    let last = top.last_successful_reply_at.unwrap();
    println!(
        "item3: top account @{} priority {:.4} performance {:?} last reply {}",
        top.username, top.priority_score, top.reply_performance_score, last
    );
    for (label, at) in [
        ("30 d - 1 h", last + Duration::days(30) - Duration::hours(1)),
        ("30 d + 1 h", last + Duration::days(30) + Duration::hours(1)),
        ("31 d", last + Duration::days(31)),
        ("44 d", last + Duration::days(44)),
    ] {
        run_at(&store, &target, at).await;
        let a = store
            .accounts(1000)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.username == top.username)
            .unwrap();
        println!(
            "item3:   last reply + {label}: priority {:.4} ({})",
            a.priority_score,
            a.priority_band.as_deref().unwrap_or("-")
        );
    }
    // Leave the database as it was at `now` for the reference script.
    run_at(&store, &target, now()).await;
    store.close().await;
}
