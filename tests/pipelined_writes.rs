//! Writes that travel with the transaction's next statement or its COMMIT
//! (`BackendTx::execute_later`, Postgres): they keep their order, the reads after them see
//! them, a failure among them fails the transaction as a whole, and a transaction dropped
//! before its COMMIT leaves nothing. Postgres only (SQLite runs them at once).

mod common;

use common::TestDb;
use xbot::config::Schemas;
use xbot::store::backend::{Backend, BackendTx};
use xbot::store::pg::PgBackend;

async fn count(db: &PgBackend) -> i64 {
    let (n,): (i64,) = db
        .fetch_optional("SELECT COUNT(*) FROM pipelined".into(), vec![])
        .await
        .expect("count")
        .expect("a row");
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_writes_keep_their_order_and_their_transaction() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    let (db, _) = PgBackend::connect(&t.url, "xbot-test", &Schemas::default())
        .await
        .expect("connect");
    db.execute_script("CREATE TABLE pipelined (x BIGINT PRIMARY KEY)".into())
        .await
        .expect("table");

    // Read after them in the same transaction: seen, in order; only the read's own rows.
    let mut tx = db.begin_write().await.expect("begin");
    tx.execute_later("INSERT INTO pipelined VALUES (1)".into(), vec![])
        .await
        .expect("later");
    tx.execute_later("UPDATE pipelined SET x = 2 WHERE x = 1".into(), vec![])
        .await
        .expect("later");
    let rows: Vec<(i64,)> = tx
        .fetch_all("SELECT x FROM pipelined ORDER BY x".into(), vec![])
        .await
        .expect("read after");
    assert_eq!(rows, vec![(2,)]);
    // A count is the statement's own, not the waiting writes' with it.
    tx.execute_later("INSERT INTO pipelined VALUES (3), (4)".into(), vec![])
        .await
        .expect("later");
    let n = tx
        .execute("UPDATE pipelined SET x = x WHERE x = 2".into(), vec![])
        .await
        .expect("execute");
    assert_eq!(n, 1);
    let mut b = tx
        .fetch_batch(vec![
            ("SELECT COUNT(*) FROM pipelined".into(), vec![]),
            ("SELECT MAX(x) FROM pipelined".into(), vec![]),
        ])
        .await
        .expect("batch");
    assert_eq!(b.take::<(i64,)>().expect("first"), vec![(3,)]);
    assert_eq!(b.take::<(i64,)>().expect("second"), vec![(4,)]);
    // Waiting writes go with the COMMIT.
    tx.execute_later("INSERT INTO pipelined VALUES (5)".into(), vec![])
        .await
        .expect("later");
    tx.commit().await.expect("commit");
    assert_eq!(count(&db).await, 4);

    // Dropped before its COMMIT: nothing of it stays, whether it was sent or still waiting.
    let mut tx = db.begin_write().await.expect("begin");
    tx.execute("INSERT INTO pipelined VALUES (6)".into(), vec![])
        .await
        .expect("sent");
    tx.execute_later("INSERT INTO pipelined VALUES (7)".into(), vec![])
        .await
        .expect("waiting");
    drop(tx);
    assert_eq!(count(&db).await, 4);

    // A failing write among the waiting ones fails the COMMIT, and nothing of the
    // transaction stays.
    let mut tx = db.begin_write().await.expect("begin");
    tx.execute_later("INSERT INTO pipelined VALUES (8)".into(), vec![])
        .await
        .expect("later");
    tx.execute_later("INSERT INTO pipelined VALUES (2)".into(), vec![])
        .await
        .expect("later (a duplicate key, found at the COMMIT)");
    let err = tx
        .commit()
        .await
        .expect_err("the duplicate fails the commit");
    assert!(
        err.to_string().contains("duplicate") || err.to_string().contains("unique"),
        "{err}"
    );
    assert_eq!(count(&db).await, 4);
    // The connection is usable afterwards.
    let mut tx = db.begin_write().await.expect("begin after a failure");
    tx.execute_later("INSERT INTO pipelined VALUES (9)".into(), vec![])
        .await
        .expect("later");
    tx.commit().await.expect("commit");
    assert_eq!(count(&db).await, 5);
    db.close().await;
    t.cleanup().await;
}
