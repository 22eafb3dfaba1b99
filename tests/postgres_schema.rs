//! Postgres-only: xbot installs into a schema of its own and nothing else, migrating twice is
//! a no-op, a newer xbot schema is refused, connections name themselves, bad URLs fail
//! cleanly. Skipped without `XBOT_TEST_DATABASE_URL` (fails with `XBOT_REQUIRE_PG=1`).

mod common;

use common::{drop_database, fresh_database, pg_url, run_admin};
use sqlx::Connection;
use xbot::config::DatabaseTarget;
use xbot::store::{self, InstallMode, MigrationPolicy, StoreError};

/// Every object in a schema, as (kind, name), sorted.
async fn objects(url: &str, schema: &str) -> Vec<(String, String)> {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query_as(
        "SELECT c.relkind::text, c.relname::text FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
         UNION ALL
         SELECT 'function', p.proname::text FROM pg_proc p
         JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
         UNION ALL
         SELECT 'trigger', t.tgname::text FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND NOT t.tgisinternal
         ORDER BY 1, 2",
    )
    .bind(schema)
    .fetch_all(&mut c)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_empty_database_gets_xbots_schema_and_xbots_layout_and_migrating_again_is_a_no_op() {
    let Some(admin) = pg_url() else { return };
    let (url, database) = fresh_database(&admin, "m").await;
    let target = DatabaseTarget::Postgres { url: url.clone() };
    let opened = store::open(&target, MigrationPolicy::Apply).await.unwrap();
    assert!(opened.migrated > 0);
    assert_eq!(opened.store.install_mode(), Some(InstallMode::Standalone));
    let xbot_objects = objects(&url, "xbot").await;
    assert!(xbot_objects.iter().any(|(_, n)| n == "_sqlx_migrations"));
    assert!(xbot_objects.iter().any(|(_, n)| n == "learning_facts"));
    // Standalone: xBOT's layout in public, the table-plus-view shape of production.
    let public = objects(&url, "public").await;
    assert!(
        public.contains(&("v".into(), "content_metadata".into())),
        "{public:?}"
    );
    assert!(public.contains(&(
        "r".into(),
        "content_generation_metadata_comprehensive".into()
    )));
    assert!(!public.iter().any(|(k, _)| k == "trigger"), "{public:?}");
    opened.store.close().await;
    let again = store::open(&target, MigrationPolicy::Apply).await.unwrap();
    assert_eq!(again.migrated, 0);
    assert_eq!(objects(&url, "xbot").await, xbot_objects);
    assert_eq!(objects(&url, "public").await, public);
    again.store.close().await;
    drop_database(&admin, &database).await;
}

#[tokio::test]
async fn a_database_with_a_newer_xbot_schema_is_refused() {
    let Some(admin) = pg_url() else { return };
    let (url, database) = fresh_database(&admin, "m").await;
    let target = DatabaseTarget::Postgres { url: url.clone() };
    let opened = store::open(&target, MigrationPolicy::Apply).await.unwrap();
    opened.store.close().await;
    run_admin(
        &url,
        "INSERT INTO xbot._sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99991231000000, 'from the future', true, '\\x00', 0)",
    )
    .await;
    let err = match store::open(&target, MigrationPolicy::Apply).await {
        Err(e) => e,
        Ok(_) => panic!("a newer schema must be refused"),
    };
    assert!(matches!(err, StoreError::SchemaAhead { .. }), "{err:?}");
    assert!(err.to_string().contains("newer"), "{err}");
    drop_database(&admin, &database).await;
}

#[tokio::test]
async fn require_does_not_migrate_and_says_so() {
    let Some(admin) = pg_url() else { return };
    let (url, database) = fresh_database(&admin, "m").await;
    let target = DatabaseTarget::Postgres { url: url.clone() };
    let err = match store::open(&target, MigrationPolicy::Require).await {
        Err(e) => e,
        Ok(_) => panic!("nothing is installed yet"),
    };
    assert!(matches!(err, StoreError::SchemaBehind(_)), "{err:?}");
    assert!(objects(&url, "xbot").await.is_empty());
    assert!(objects(&url, "public").await.is_empty());
    drop_database(&admin, &database).await;
}

#[tokio::test]
async fn connections_carry_the_application_name() {
    let Some(admin) = pg_url() else { return };
    let (url, database) = fresh_database(&admin, "m").await;
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
    drop_database(&admin, &database).await;
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

#[tokio::test]
async fn a_failed_migration_names_the_file_the_statement_and_the_servers_detail() {
    let Some(admin) = pg_url() else { return };
    let (url, database) = fresh_database(&admin, "m").await;
    // Something in xbot's schema that is not what xbot's migration expects.
    run_admin(
        &url,
        "CREATE SCHEMA xbot; CREATE VIEW xbot.safety_reviews AS SELECT 1 AS decision_id",
    )
    .await;
    let target = DatabaseTarget::Postgres { url: url.clone() };
    let err = match store::open(&target, MigrationPolicy::Apply).await {
        Err(e) => e,
        Ok(_) => panic!("the migration must fail"),
    };
    let text = err.to_string();
    assert!(matches!(err, StoreError::Migrate(_)), "{err:?}");
    assert!(text.contains("20261206000001_xbot_schema.sql"), "{text}");
    assert!(text.contains(" at line "), "{text}");
    assert!(text.contains("safety_reviews"), "{text}");
    assert!(text.contains("DETAIL:"), "{text}");
    // Nothing of xBOT's was created either.
    assert!(objects(&url, "public").await.is_empty());
    drop_database(&admin, &database).await;
}
