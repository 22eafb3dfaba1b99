//! Issue 13 item 8: when several processes decide one review at once, exactly one wins and
//! every loser is told who won and the final state, on both backends (the real binary, 8
//! processes per review).

mod common;

use std::process::{Child, Stdio};

use chrono::Utc;
use common::TestDb;
use xbot::store::demo::{DemoOptions, seed};

const PROCESSES: usize = 8;
const ROUNDS: usize = 4;

fn decide(home: &std::path::Path, url: &str, id: i64, i: usize) -> Child {
    let mut cmd = common::xbot_command(home);
    cmd.env("DATABASE_URL", url);
    let id = id.to_string();
    // Half approve the proposed rewrite, half reject: the final state depends on who won.
    if i.is_multiple_of(2) {
        cmd.args(["review", "approve", &id]);
    } else {
        cmd.args(["review", "reject", &id, "--reason", &format!("process {i}")]);
    }
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn xbot")
}

async fn losers_name_the_winner_and_the_final_state(db: &TestDb) {
    let mut opts = DemoOptions::new(Utc::now(), chrono_tz::Tz::UTC);
    opts.posts = 300;
    seed(db.store.as_ref(), &opts, &mut |_, _| {})
        .await
        .unwrap();
    let ids: Vec<i64> = db
        .store
        .reviews(&["pending"], 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.proposed_rewrite.is_some())
        .map(|r| r.id)
        .take(ROUNDS)
        .collect();
    assert_eq!(
        ids.len(),
        ROUNDS,
        "the demo has pending reviews with rewrites"
    );
    let home = tempfile::tempdir().unwrap();
    let mut losers_seen = 0;
    for id in ids {
        let (h, url) = (home.path().to_path_buf(), db.url.clone());
        let outputs = tokio::task::spawn_blocking(move || {
            let children: Vec<Child> = (0..PROCESSES).map(|i| decide(&h, &url, id, i)).collect();
            children
                .into_iter()
                .map(|c| c.wait_with_output().expect("wait"))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        let review = db.store.review(id).await.unwrap().unwrap();
        let winner = review.decided_by.clone().expect("decided");
        assert_ne!(review.status, "pending");
        let won: Vec<_> = outputs
            .iter()
            .filter(|o| o.status.code() == Some(0))
            .collect();
        assert_eq!(won.len(), 1, "exactly one process wins review {id}");
        for o in outputs.iter().filter(|o| o.status.code() != Some(0)) {
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(1), "{err}");
            let expected = format!("review {id}: already {} by {winner}", review.status);
            assert!(
                err.contains(&expected),
                "a loser must name the winner and the final state ({expected:?}):\n{err}"
            );
            losers_seen += 1;
        }
    }
    assert_eq!(losers_seen, ROUNDS * (PROCESSES - 1));
}
contract!(losers_name_the_winner_and_the_final_state);
