//! The chat client and the budget ledger against a real HTTP server on loopback (wiremock):
//! retries and Retry-After, the circuit breaker, malformed answers, timeouts, the T4 stop,
//! and reservations under concurrency. (The key's secrecy is in `ai_secrets.rs`, which needs a
//! process-wide log subscriber.)

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::TestDb;
use secrecy::SecretString;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xbot::ai::client::{AiError, ChatClient, ChatMessage, ChatRequest, ClientOptions};
use xbot::ai::ledger::{CallMeta, Ledger};
use xbot::config::Config;
use xbot::jobs::incidents::AI_CIRCUIT;
use xbot::learning::slots;
use xbot::store::types::{AiUsageRow, Batch};

const KEY: &str = "sk-test-SECRET-0123456789abcdef";

fn fast() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(5),
        max_retries: 3,
        min_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
    }
}

fn ledger(db: &TestDb, server: &MockServer, opts: ClientOptions, limit: f64) -> Ledger {
    let mut cfg = Config::defaults_for_tests(db.target.clone());
    cfg.budget.daily_limit_usd = limit;
    let client = ChatClient::new(
        &format!("{}/v1", server.uri()),
        SecretString::from(KEY),
        opts,
    )
    .unwrap()
    .with_store(db.store.clone());
    Ledger::new(
        Arc::new(client),
        db.store.clone(),
        &cfg.budget,
        chrono_tz::Tz::UTC,
    )
}

fn meta() -> CallMeta {
    CallMeta {
        feature_area: "tests".into(),
        purpose: "test".into(),
        orchestrator: "CoreContent".into(),
        job_run_id: None,
    }
}

fn request(model: &str, max_tokens: u32) -> ChatRequest {
    ChatRequest {
        model: model.into(),
        messages: vec![
            ChatMessage::system("You are terse."),
            ChatMessage::user("Say hi."),
        ],
        max_tokens,
        temperature: None,
        json: false,
    }
}

fn ok_body(model: &str, prompt: u64, completion: u64) -> serde_json::Value {
    serde_json::json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        "some_future_field": {"x": 1}
    })
}

async fn today_report(db: &TestDb) -> xbot::store::ops::budget::BudgetReport {
    let now = Utc::now();
    let (start, end) = slots::day_bounds_utc(
        slots::local_date(now, chrono_tz::Tz::UTC),
        chrono_tz::Tz::UTC,
    );
    db.store.budget_report(start, end, now).await.unwrap()
}

async fn a_429_with_retry_after_then_200_is_retried_and_costed_once(db: &TestDb) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(serde_json::json!({"error": {"message": "Rate limit reached"}})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body(
            "gpt-4o-mini-2024-07-18",
            1000,
            500,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let l = ledger(db, &server, fast(), 5.0);
    let started = Instant::now();
    let charged = l.chat(&meta(), request("gpt-4o-mini", 600)).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After honoured: {:?}",
        started.elapsed()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    // Priced by the model the API reports (a dated gpt-4o-mini), once.
    let expect = (1000.0 * 0.15 + 500.0 * 0.60) / 1e6;
    assert!((charged.cost_usd - expect).abs() < 1e-12, "{charged:?}");
    assert_eq!(charged.model, "gpt-4o-mini-2024-07-18");
    let report = today_report(db).await;
    assert_eq!(report.calls, 1, "{report:?}");
    assert!((report.spent_usd - expect).abs() < 1e-12);
    assert_eq!(report.reserved_usd, 0.0);
    // Spend by model is the answering (and charged) model's.
    assert_eq!(report.by_model[0].key, "gpt-4o-mini-2024-07-18");
    assert_eq!(report.by_model[0].tokens, 1500);
}
contract!(a_429_with_retry_after_then_200_is_retried_and_costed_once);

async fn server_errors_open_the_breaker_then_nothing_is_sent(db: &TestDb) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("upstream exploded"))
        .mount(&server)
        .await;
    let l = ledger(db, &server, fast(), 5.0);
    // First call: the first attempt and three retries fail.
    let e = l
        .chat(&meta(), request("gpt-4o-mini", 100))
        .await
        .unwrap_err();
    assert!(matches!(e, AiError::Http { status: 500, .. }), "{e}");
    assert!(e.to_string().contains("upstream exploded"), "{e}");
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
    // Second call: the fifth straight failure opens the breaker; the retry is not sent.
    let e = l
        .chat(&meta(), request("gpt-4o-mini", 100))
        .await
        .unwrap_err();
    assert!(matches!(e, AiError::CircuitOpen { failures: 5, .. }), "{e}");
    assert_eq!(server.received_requests().await.unwrap().len(), 5);
    // While open nothing is sent at all.
    for _ in 0..3 {
        let e = l
            .chat(&meta(), request("gpt-4o-mini", 100))
            .await
            .unwrap_err();
        assert!(matches!(e, AiError::CircuitOpen { .. }), "{e}");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 5);
    // One incident, and every reservation went back.
    let open = db.store.incidents(false, 10).await.unwrap();
    let circuit: Vec<_> = open.iter().filter(|i| i.kind == AI_CIRCUIT).collect();
    assert_eq!(circuit.len(), 1, "{open:?}");
    assert!(circuit[0].subject.starts_with("127.0.0.1:"), "{circuit:?}");
    assert!(!circuit[0].details.as_deref().unwrap_or("").contains(KEY));
    let report = today_report(db).await;
    assert_eq!((report.calls, report.spent_usd), (0, 0.0), "{report:?}");
}
contract!(server_errors_open_the_breaker_then_nothing_is_sent);

async fn malformed_json_and_missing_usage_are_clear_errors(db: &TestDb) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("malformed"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("{\"choices\": [ {\"message\": oops")
                .insert_header("content-type", "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string_contains("no usage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "model": "gpt-4o-mini",
            "choices": [{"message": {"content": "hi"}}]
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string_contains("half usage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "choices": [{"message": {"content": "hi"}}],
            "usage": {"prompt_tokens": 12}
        })))
        .mount(&server)
        .await;
    let mut opts = fast();
    opts.max_retries = 0;
    let l = ledger(db, &server, opts, 5.0);
    let ask = |what: &str| {
        let mut r = request("gpt-4o-mini", 100);
        r.messages.push(ChatMessage::user(what));
        r
    };
    let e = l.chat(&meta(), ask("malformed")).await.unwrap_err();
    assert!(matches!(e, AiError::Malformed(_)), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("the AI API answered with malformed JSON"),
        "{e}"
    );
    // Nothing useful came back: the reservation was released.
    assert_eq!(today_report(db).await.calls, 0);

    let e = l.chat(&meta(), ask("no usage")).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "the AI API response has no usage figures (no usage object); the call was charged at its reserved estimate"
    );
    let e = l.chat(&meta(), ask("half usage")).await.unwrap_err();
    assert!(
        e.to_string().contains("usage.completion_tokens is missing"),
        "{e}"
    );
    // Both calls happened, so both are charged (at their estimates), none is left reserved.
    let report = today_report(db).await;
    assert_eq!(report.calls, 2, "{report:?}");
    assert!(report.spent_usd > 0.0);
    assert_eq!(report.reserved_usd, 0.0);
}
contract!(malformed_json_and_missing_usage_are_clear_errors);

#[tokio::test]
async fn a_timeout_is_retried() {
    let db = TestDb::sqlite().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(ok_body("gpt-4o-mini", 10, 2))
                .set_delay(Duration::from_secs(3)),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body("gpt-4o-mini", 10, 2)))
        .mount(&server)
        .await;
    let mut opts = fast();
    opts.request_timeout = Duration::from_millis(400);
    let l = ledger(&db, &server, opts, 5.0);
    let charged = l.chat(&meta(), request("gpt-4o-mini", 50)).await.unwrap();
    assert_eq!(charged.response.content, "hi");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(today_report(&db).await.calls, 1);
    // A timeout on every attempt ends as a clear timeout error.
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    opts.max_retries = 1;
    let l = ledger(&db, &server, opts, 5.0);
    let e = l
        .chat(&meta(), request("gpt-4o-mini", 50))
        .await
        .unwrap_err();
    assert!(matches!(e, AiError::Timeout(_)), "{e:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    db.cleanup().await;
}

async fn spend(db: &TestDb, cost: f64) {
    let mut b = Batch::default();
    b.ai_usage.push(AiUsageRow {
        at: Utc::now(),
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
    });
    db.store.write_batch(&b).await.unwrap();
}

async fn at_tier_t4_no_request_reaches_the_server(db: &TestDb) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_body("gpt-4o-mini", 10, 2)))
        .mount(&server)
        .await;
    let l = ledger(db, &server, fast(), 1.0);
    // T3 (85%): the call goes, with max_tokens × 0.7.
    spend(db, 0.85).await;
    let charged = l.chat(&meta(), request("gpt-4o-mini", 600)).await.unwrap();
    assert_eq!(charged.max_tokens, 420);
    let sent = server.received_requests().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(body["max_tokens"], 420);
    // T4 (105%): refused before sending.
    spend(db, 0.20).await;
    let e = l
        .chat(&meta(), request("gpt-4o-mini", 600))
        .await
        .unwrap_err();
    assert!(matches!(e, AiError::TierBlocked(_)), "{e:?}");
    assert!(e.to_string().starts_with("budget tier T4"), "{e}");
    assert!(e.nothing_sent());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
contract!(at_tier_t4_no_request_reaches_the_server);

async fn two_concurrent_calls_over_the_limit_send_one_request(db: &TestDb) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(ok_body("gpt-4o", 20, 5))
                .set_delay(Duration::from_millis(500)),
        )
        .mount(&server)
        .await;
    // gpt-4o, 600 max tokens: an estimate of about $0.006 each against a $0.01 limit.
    let l = Arc::new(ledger(db, &server, fast(), 0.01));
    let (a, b) = (l.clone(), l.clone());
    let ta = tokio::spawn(async move { a.chat(&meta(), request("gpt-4o", 600)).await });
    let tb = tokio::spawn(async move { b.chat(&meta(), request("gpt-4o", 600)).await });
    let results = [ta.await.unwrap(), tb.await.unwrap()];
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(AiError::BudgetRefused { .. })))
        .count();
    assert_eq!((ok, refused), (1, 1), "{results:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    // The refusal says why, in money.
    let e = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert!(
        e.to_string().contains("would pass the $0.01 daily limit"),
        "{e}"
    );
}
contract!(two_concurrent_calls_over_the_limit_send_one_request);
