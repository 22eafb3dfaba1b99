//! The one decision policy in the store (issue 11): every approval re-screens the exact text
//! that would be published; critical risk is refused unless a typed override with a note is
//! given, and an applied override is audited as one. On SQLite and Postgres.

mod common;

use chrono::Utc;
use common::TestDb;
use xbot::identity::Operator;
use xbot::store::ops::reviews::{CriticalOverride, DecisionOutcome, DecisionRequest, Verdict};
use xbot::store::types::{Batch, ContentRow, SafetyReviewRow};

const DANGEROUS: &str = "Stop taking your statins and eat more butter instead.";

fn op() -> Operator {
    Operator {
        os_user: "alice".into(),
        host: "ops".into(),
        ssh_client: None,
        pid: 1,
        via: xbot::identity::Via::Cli,
    }
}

async fn seed(db: &TestDb, id: &str, original: &str, rewrite: Option<&str>) -> i64 {
    let now = Utc::now();
    let mut b = Batch::default();
    b.content.push(ContentRow {
        decision_id: id.into(),
        decision_type: "single".into(),
        status: "pending_review".into(),
        content: Some(original.into()),
        thread_parts: None,
        raw_topic: Some("statins".into()),
        angle: None,
        tone: None,
        generator_name: Some("coach".into()),
        content_slot: Some("practical_tip".into()),
        hook_type: None,
        cta_type: None,
        target_username: None,
        target_tweet_id: None,
        tweet_id: None,
        created_at: now,
        posted_at: None,
    });
    b.reviews.push(SafetyReviewRow {
        decision_id: id.into(),
        part_index: 0,
        original_text: original.into(),
        proposed_rewrite: rewrite.map(str::to_string),
        risk_level: "high".into(),
        issues: serde_json::json!([]),
        rule_hits: serde_json::json!([]),
        status: "pending".into(),
        rewrite_attempts: 1,
        reviewer: None,
        decided_by: None,
        decided_at: None,
        note: None,
        final_text: None,
        created_at: now,
    });
    db.store.write_batch(&b).await.unwrap();
    db.store
        .reviews(&["pending"], 100)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.decision_id == id)
        .unwrap()
        .id
}

fn req(id: i64, verdict: Verdict, critical_override: Option<CriticalOverride>) -> DecisionRequest {
    DecisionRequest {
        review_id: id,
        seen_version: 1,
        verdict,
        action_id: uuid::Uuid::new_v4().to_string(),
        operator: op(),
        critical_override,
    }
}

async fn edits_to_critical_need_a_typed_override(db: &TestDb) {
    let id = seed(db, "g1", "Statins lower LDL cholesterol.", None).await;
    let edited = Verdict::ApproveEdited {
        text: DANGEROUS.into(),
    };
    // No override: refused, nothing changes, the refusal is audited.
    let out = db
        .store
        .decide(&req(id, edited.clone(), None), Utc::now())
        .await
        .unwrap();
    let DecisionOutcome::Refused { reason } = out else {
        panic!("{out:?}")
    };
    assert!(reason.contains("critical"), "{reason}");
    assert!(reason.contains("override"), "{reason}");
    let r = db.store.review(id).await.unwrap().unwrap();
    assert_eq!(r.status, "pending");
    assert_eq!(r.content_status.as_deref(), Some("pending_review"));
    let audit = db
        .store
        .audit(Some(&format!("safety_review:{id}")), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].outcome, "refused");
    assert_eq!(audit[0].action, "approve_edited");

    // An override cannot be made without a note.
    assert!(CriticalOverride::new("   ").is_err());

    // With the override: applied, audited as an override with the note, and queued.
    let o = CriticalOverride::new("quoted to debunk it in the reply thread").unwrap();
    let out = db
        .store
        .decide(&req(id, edited, Some(o)), Utc::now())
        .await
        .unwrap();
    assert!(
        matches!(out, DecisionOutcome::Applied { ref status, .. } if status == "approved_edited"),
        "{out:?}"
    );
    let audit = db
        .store
        .audit(Some(&format!("safety_review:{id}")), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "approve_edited_override");
    assert_eq!(audit[0].outcome, "applied");
    assert_eq!(
        audit[0].note.as_deref(),
        Some("quoted to debunk it in the reply thread")
    );
    let r = db.store.review(id).await.unwrap().unwrap();
    assert_eq!(r.final_text.as_deref(), Some(DANGEROUS));
    assert_eq!(r.content_status.as_deref(), Some("queued"));
}
contract!(edits_to_critical_need_a_typed_override);

async fn a_critical_rewrite_is_refused_too(db: &TestDb) {
    let id = seed(
        db,
        "g2",
        "Statins lower LDL cholesterol.",
        Some("Vaccines cause autism, so skip them."),
    )
    .await;
    let out = db
        .store
        .decide(&req(id, Verdict::ApproveRewrite, None), Utc::now())
        .await
        .unwrap();
    assert!(matches!(out, DecisionOutcome::Refused { .. }), "{out:?}");
    // A clean edit needs no override and is audited as a plain approval.
    let out = db
        .store
        .decide(
            &req(
                id,
                Verdict::ApproveEdited {
                    text: "Vaccines are safe and well studied.".into(),
                },
                None,
            ),
            Utc::now(),
        )
        .await
        .unwrap();
    assert!(matches!(out, DecisionOutcome::Applied { .. }), "{out:?}");
    let audit = db
        .store
        .audit(Some(&format!("safety_review:{id}")), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "approve_edited");
}
contract!(a_critical_rewrite_is_refused_too);

async fn a_critical_original_is_never_approved(db: &TestDb) {
    // The stored level says high, but the text itself is critical: the re-screen decides.
    let id = seed(db, "g3", DANGEROUS, None).await;
    let o = CriticalOverride::new("I know").unwrap();
    let out = db
        .store
        .decide(
            &req(
                id,
                Verdict::ApproveOriginal {
                    note: "looks fine".into(),
                },
                Some(o),
            ),
            Utc::now(),
        )
        .await
        .unwrap();
    let DecisionOutcome::Refused { reason } = out else {
        panic!("{out:?}")
    };
    assert!(reason.contains("cannot be approved as it is"), "{reason}");
    assert_eq!(
        db.store.review(id).await.unwrap().unwrap().status,
        "pending"
    );
}
contract!(a_critical_original_is_never_approved);
