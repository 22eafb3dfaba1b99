//! The same demo dataset gives the same answers on SQLite and on Postgres.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::TestDb;
use xbot::learning::dimension::Dimension;
use xbot::learning::leaderboard::{SHRINK_K, leaderboard};
use xbot::store::demo::{DemoOptions, seed};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_agree_on_the_demo_dataset() {
    let Some(pg) = TestDb::postgres().await else {
        return;
    };
    let lite = TestDb::sqlite().await;
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 30, 0).unwrap();
    let opts = DemoOptions::new(now, chrono_tz::Tz::UTC);
    seed(lite.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .unwrap();
    seed(pg.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .unwrap();

    assert_eq!(
        lite.store.table_counts().await.unwrap(),
        pg.store.table_counts().await.unwrap()
    );
    let day = (now - Duration::hours(9), now + Duration::hours(15));
    let h_lite = lite.store.data_health(now, day.0, day.1).await.unwrap();
    let h_pg = pg.store.data_health(now, day.0, day.1).await.unwrap();
    assert_eq!(h_lite.posts_7d, h_pg.posts_7d);
    assert_eq!(h_lite.with_metrics_7d, h_pg.with_metrics_7d);
    assert_eq!(h_lite.with_v2_score_7d, h_pg.with_v2_score_7d);
    assert_eq!(h_lite.pending_reviews, h_pg.pending_reviews);
    assert!((h_lite.spend_today_usd - h_pg.spend_today_usd).abs() < 1e-9);

    for dim in Dimension::ALL {
        let decay = dim.decay_context().params();
        let a = leaderboard(
            &lite.store.group_sums(dim, now, &decay).await.unwrap(),
            SHRINK_K,
        );
        let b = leaderboard(
            &pg.store.group_sums(dim, now, &decay).await.unwrap(),
            SHRINK_K,
        );
        assert_eq!(a.len(), b.len(), "{dim}");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!((&x.value, x.rank, x.n), (&y.value, y.rank, y.n), "{dim}");
            assert!(
                (x.shrunk_score - y.shrunk_score).abs() < 1e-9,
                "{dim} {}",
                x.value
            );
            assert!(
                (x.effective_n - y.effective_n).abs() < 1e-9,
                "{dim} {}",
                x.value
            );
        }
    }
    lite.cleanup().await;
    pg.cleanup().await;
}
