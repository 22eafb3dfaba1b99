//! Postgres-only: migrations are additive and idempotent, connections name themselves, bad
//! URLs fail cleanly. Skipped without `XBOT_TEST_DATABASE_URL` (fails with `XBOT_REQUIRE_PG=1`).

mod common;

use common::{pg_url, run_admin};
use sqlx::Connection;
use xbot::config::DatabaseTarget;
use xbot::store::{self, MigrationPolicy, StoreError};

const SCHEMA_SQL: &str = include_str!("../migrations/postgres/20261124000001_schema.sql");
const FACTS_SQL: &str = include_str!("../migrations/postgres/20261124000002_learning_facts.sql");

fn schema_url(admin: &str, schema: &str) -> String {
    let sep = if admin.contains('?') { '&' } else { '?' };
    format!("{admin}{sep}options[search_path]={schema}")
}

async fn fresh_schema(admin: &str) -> String {
    let schema = format!("m_{}", uuid::Uuid::new_v4().simple());
    run_admin(admin, &format!("CREATE SCHEMA {schema}")).await;
    schema
}

#[tokio::test]
async fn the_schema_script_can_run_twice() {
    let Some(admin) = pg_url() else { return };
    let schema = fresh_schema(&admin).await;
    let url = schema_url(&admin, &schema);
    for _ in 0..2 {
        run_admin(&url, SCHEMA_SQL).await;
        run_admin(&url, FACTS_SQL).await;
    }
    run_admin(&admin, &format!("DROP SCHEMA {schema} CASCADE")).await;
}

#[tokio::test]
async fn migrations_extend_an_existing_xbot_database_without_losing_rows() {
    let Some(admin) = pg_url() else { return };
    let schema = fresh_schema(&admin).await;
    let url = schema_url(&admin, &schema);
    // An older xBOT database: fewer columns, existing rows.
    run_admin(
        &url,
        "CREATE TABLE content_metadata (decision_id TEXT PRIMARY KEY, content TEXT,
             status TEXT NOT NULL DEFAULT 'posted', created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
             posted_at TIMESTAMPTZ);
         INSERT INTO content_metadata (decision_id, content, posted_at)
             VALUES ('old-1', 'an old post', now() - interval '1 day');
         CREATE TABLE outcomes (id BIGSERIAL PRIMARY KEY, decision_id TEXT, likes BIGINT);
         INSERT INTO outcomes (decision_id, likes) VALUES ('old-1', 42);",
    )
    .await;
    let target = DatabaseTarget::Postgres { url: url.clone() };
    let opened = store::open(&target, MigrationPolicy::Apply).await.unwrap();
    assert_eq!(opened.migrated, xbot::store::pg::MIGRATOR.iter().count());
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let (likes, simulated): (Option<i64>, bool) = sqlx::query_as(
        "SELECT v.likes, o.simulated FROM vw_learning v JOIN outcomes o USING (decision_id)
         WHERE v.decision_id = 'old-1'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!((likes, simulated), (Some(42), false));
    // The old row has its learning fact too.
    let (facts,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM learning_facts WHERE decision_id = 'old-1'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(facts, 1);
    // The new columns and indexes exist.
    let (n,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = 'outcomes'
           AND column_name IN ('followers_gained_weighted', 'primary_objective_score', 'score_version')",
    )
    .bind(&schema)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(n, 3);
    // Opening again applies nothing.
    let again = store::open(&target, MigrationPolicy::Require)
        .await
        .unwrap();
    assert_eq!(again.migrated, 0);
    again.store.close().await;
    opened.store.close().await;
    run_admin(&admin, &format!("DROP SCHEMA {schema} CASCADE")).await;
}

#[tokio::test]
async fn connections_carry_the_application_name() {
    let Some(admin) = pg_url() else { return };
    let schema = fresh_schema(&admin).await;
    let url = schema_url(&admin, &schema);
    let opened = store::open(
        &DatabaseTarget::Postgres { url: url.clone() },
        MigrationPolicy::Apply,
    )
    .await
    .unwrap();
    opened.store.ping().await.unwrap();
    let expected = format!(
        "xbot:{}@{}",
        xbot::identity::os_user(),
        xbot::identity::host()
    );
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    let (n,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1")
            .bind(&expected)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(n >= 1, "no connection named {expected}");
    opened.store.close().await;
    run_admin(&admin, &format!("DROP SCHEMA {schema} CASCADE")).await;
}

#[tokio::test]
async fn an_unreachable_server_is_a_clean_open_error_without_the_password() {
    let target = DatabaseTarget::Postgres {
        url: "postgres://xbot:hunter2secret@127.0.0.1:1/xbot".into(),
    };
    let started = std::time::Instant::now();
    let err = match store::open(&target, MigrationPolicy::Apply).await {
        Err(e) => e,
        Ok(_) => panic!("port 1 should refuse connections"),
    };
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("postgres://xbot:****@127.0.0.1:1/xbot"),
        "{text}"
    );
    assert!(!text.contains("hunter2secret"), "{text}");
    assert!(!text.contains('\n'), "{text}");
}

#[test]
fn port_6543_is_recognised_as_the_transaction_pooler() {
    assert!(xbot::store::pg::is_transaction_pooler_port(6543));
    assert!(!xbot::store::pg::is_transaction_pooler_port(5432));
    assert!(xbot::store::pg::POOLER_WARNING.contains("5432"));
}
