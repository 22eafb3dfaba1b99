//! The API key never appears in errors, Debug output or logs, even when the endpoint echoes it.
//! Its own test binary: the log capture is a process-wide subscriber, which is only reliable
//! when no other test shares the process.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TestDb;
use secrecy::SecretString;
use wiremock::matchers::body_string_contains;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};
use xbot::ai::client::{ChatClient, ChatMessage, ChatRequest, ClientOptions};
use xbot::ai::ledger::{CallMeta, Ledger};
use xbot::config::Config;

const KEY: &str = "sk-test-SECRET-0123456789abcdef";

/// A `MakeWriter` into a shared buffer, to read back what was logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn the_api_key_never_appears_in_logs_or_errors() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");

    let db = TestDb::sqlite().await;
    let server = MockServer::start().await;
    // A hostile or careless endpoint that echoes the key back, in a 401 and in 500s.
    let echo = |status: u16| {
        move |req: &Request| {
            let auth = req
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            ResponseTemplate::new(status).set_body_json(serde_json::json!({
                "error": {"message": format!("Incorrect API key provided: {auth}")}
            }))
        }
    };
    Mock::given(body_string_contains("unauthorised"))
        .respond_with(echo(401))
        .mount(&server)
        .await;
    Mock::given(body_string_contains("flaky"))
        .respond_with(echo(503))
        .mount(&server)
        .await;
    let opts = ClientOptions {
        max_retries: 2,
        min_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        ..ClientOptions::default()
    };
    let cfg = Config::defaults_for_tests(db.target.clone());
    let client = ChatClient::new(
        &format!("{}/v1", server.uri()),
        SecretString::from(KEY),
        opts,
    )
    .unwrap()
    .with_store(db.store.clone());
    let l = Ledger::new(
        Arc::new(client),
        db.store.clone(),
        &cfg.budget,
        chrono_tz::Tz::UTC,
    );
    let meta = CallMeta {
        feature_area: "tests".into(),
        purpose: "test".into(),
        orchestrator: "CoreContent".into(),
        job_run_id: None,
    };
    let mut errors = Vec::new();
    for what in ["unauthorised", "flaky"] {
        let r = ChatRequest {
            model: "gpt-4o-mini".into(),
            messages: vec![ChatMessage::user(what)],
            max_tokens: 50,
            temperature: None,
            json: false,
        };
        let e = l.chat(&meta, r).await.unwrap_err();
        errors.push(format!("{e} / {e:?}"));
    }
    // The key was really sent…
    let sent = server.received_requests().await.unwrap();
    assert!(sent.iter().all(
        |r| r.headers.get("authorization").unwrap().to_str().unwrap() == format!("Bearer {KEY}")
    ));
    assert_eq!(sent.len(), 1 + 3, "a 401 is not retried; a 503 is");
    // …and never shows up anywhere else.
    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("AI request failed; retrying"), "{log}");
    for text in errors.iter().chain([&log, &format!("{l:?}")]) {
        assert!(!text.contains(KEY), "the key leaked: {text}");
        assert!(!text.contains(&KEY[..12]), "part of the key leaked: {text}");
    }
    assert!(
        errors[0].contains("HTTP 401") && errors[0].contains("****"),
        "{}",
        errors[0]
    );
    db.cleanup().await;
}
