//! The chat-completions client for any OpenAI-compatible endpoint.
//!
//! - The key lives in a [`SecretString`] and only leaves it for the `Authorization` header,
//!   which is marked sensitive (so even HTTP-level debug output masks it). Every error string
//!   is scrubbed of the key, in case a proxy echoes it back in a body.
//! - Connect timeout 5 s, request timeout 60 s (see [`ClientOptions`]).
//! - Retries with jittered exponential backoff on 429, 5xx, timeouts and connection errors,
//!   honouring `Retry-After` (seconds or an HTTP date); other 4xx are not retried.
//! - Every attempt goes through the [`CircuitBreaker`] first: while it is open nothing is sent.
//! - Responses are read tolerantly: unknown fields are ignored, missing ones are `None`, and a
//!   body that is not the expected JSON is a clear [`AiError::Malformed`], never a panic.
//!
//! This client does no budget accounting; [`super::ledger::Ledger`] wraps it for that.

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, Utc};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::breaker::CircuitBreaker;
pub use super::error::AiError;
use crate::config::AiConfig;
use crate::config::secret::{mask_url, scrub, url_password};
use crate::store::StoreHandle;

/// Timeouts and the retry policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClientOptions {
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (one attempt).
    pub request_timeout: Duration,
    /// Retries after the first attempt.
    pub max_retries: usize,
    /// First backoff delay (doubled each retry, jittered).
    pub min_backoff: Duration,
    /// Longest backoff delay.
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this ends the retries instead of waiting.
    pub max_retry_after: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(60),
            max_retries: 3,
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// system, user or assistant.
    pub role: String,
    /// The text.
    pub content: String,
}

impl ChatMessage {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        ChatMessage {
            role: "system".into(),
            content: content.into(),
        }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        ChatMessage {
            role: "user".into(),
            content: content.into(),
        }
    }
}

/// A chat-completions request.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// The model to ask.
    pub model: String,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
    /// The longest answer allowed (also what the budget reserves).
    pub max_tokens: u32,
    /// Sampling temperature, if not the endpoint's default.
    pub temperature: Option<f32>,
    /// Ask for a JSON object answer (`response_format: json_object`).
    pub json: bool,
}

impl ChatRequest {
    /// Characters of all messages (the budget's prompt estimate is chars / 4).
    pub fn prompt_chars(&self) -> usize {
        self.messages
            .iter()
            .map(|m| m.content.chars().count())
            .sum()
    }

    fn body(&self) -> Value {
        let mut body = serde_json::json!({
            "model": self.model,
            "messages": self.messages,
            "max_tokens": self.max_tokens,
        });
        if let Some(t) = self.temperature {
            body["temperature"] = serde_json::json!(t);
        }
        if self.json {
            body["response_format"] = serde_json::json!({"type": "json_object"});
        }
        body
    }
}

/// Token counts an answer reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
}

/// A chat-completions answer, as far as it could be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatResponse {
    /// The model the endpoint says answered (may differ from the one asked).
    pub model: Option<String>,
    /// The first choice's text (empty when there was none).
    pub content: String,
    /// Why generation stopped (`stop`, `length`, …).
    pub finish_reason: Option<String>,
    /// Token counts, when reported completely.
    pub usage: Option<Usage>,
    /// What was missing from the usage figures, when they were incomplete.
    pub usage_problem: Option<String>,
}

// Tolerant wire types: everything optional, unknown fields ignored.
#[derive(Deserialize, Default)]
#[serde(default)]
struct WireResponse {
    model: Option<String>,
    choices: Option<Vec<WireChoice>>,
    usage: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireChoice {
    message: Option<WireMessage>,
    text: Option<Value>,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireMessage {
    content: Option<Value>,
}

/// Text of a content value: a string, or a list of parts with `text` fields.
fn content_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| match p {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("text").and_then(Value::as_str).map(str::to_string),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

fn count(v: Option<&Value>) -> Option<u64> {
    let v = v?;
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| f as u64)
    })
}

/// Reads the usage object: prompt and completion tokens, the missing one derived from
/// `total_tokens` when possible.
fn read_usage(v: Option<&Value>) -> Result<Usage, String> {
    let Some(u) = v.filter(|u| u.is_object()) else {
        return Err("no usage object".into());
    };
    let prompt = count(u.get("prompt_tokens").or_else(|| u.get("input_tokens")));
    let completion = count(
        u.get("completion_tokens")
            .or_else(|| u.get("output_tokens")),
    );
    let total = count(u.get("total_tokens"));
    match (prompt, completion, total) {
        (Some(p), Some(c), _) => Ok(Usage {
            prompt_tokens: p,
            completion_tokens: c,
        }),
        (Some(p), None, Some(t)) if t >= p => Ok(Usage {
            prompt_tokens: p,
            completion_tokens: t - p,
        }),
        (None, Some(c), Some(t)) if t >= c => Ok(Usage {
            prompt_tokens: t - c,
            completion_tokens: c,
        }),
        (None, _, _) => Err("usage.prompt_tokens is missing".into()),
        (_, None, _) => Err("usage.completion_tokens is missing".into()),
    }
}

/// Parse a chat-completions body. `Err` only when it is not a JSON object at all.
pub fn parse_response(body: &str) -> Result<ChatResponse, String> {
    let value: Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
    if !value.is_object() {
        return Err("expected a JSON object".into());
    }
    let wire: WireResponse =
        serde_json::from_value(value).map_err(|e| format!("unexpected field types: {e}"))?;
    let first = wire.choices.unwrap_or_default().into_iter().next();
    let (content, finish_reason) = match first {
        Some(c) => (
            c.message
                .and_then(|m| m.content)
                .or(c.text)
                .map(|v| content_text(&v))
                .unwrap_or_default(),
            c.finish_reason,
        ),
        None => (String::new(), None),
    };
    let (usage, usage_problem) = match read_usage(wire.usage.as_ref()) {
        Ok(u) => (Some(u), None),
        Err(why) => (None, Some(why)),
    };
    Ok(ChatResponse {
        model: wire.model.filter(|m| !m.trim().is_empty()),
        content,
        finish_reason,
        usage,
        usage_problem,
    })
}

/// The error message of an error body: `error.message` when it is JSON, else its start.
fn error_message(body: &str) -> String {
    let from_json = serde_json::from_str::<Value>(body).ok().and_then(|v| {
        v.get("error")
            .and_then(|e| e.get("message").or(Some(e)))
            .and_then(|m| m.as_str().map(str::to_string))
            .or_else(|| v.get("message").and_then(Value::as_str).map(str::to_string))
    });
    let text = from_json.unwrap_or_else(|| body.trim().to_string());
    let text = crate::text::inert(&text);
    if text.is_empty() {
        "(no message)".into()
    } else {
        crate::text::truncate(&text, 300)
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = DateTime::parse_from_rfc2822(raw).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// The chat client (see the module comment). Cheap to share behind an `Arc`.
pub struct ChatClient {
    http: reqwest::Client,
    url: String,
    api_key: SecretString,
    /// A password in the base URL's user info, scrubbed like the key.
    url_password: Option<SecretString>,
    breaker: CircuitBreaker,
    opts: ClientOptions,
}

impl std::fmt::Debug for ChatClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatClient")
            .field("url", &mask_url(&self.url))
            .field("api_key", &"****")
            .field("breaker", &self.breaker)
            .field("opts", &self.opts)
            .finish()
    }
}

/// The host (and port) of a base URL: the breaker's incident subject.
pub fn endpoint_host(base_url: &str) -> String {
    match reqwest::Url::parse(base_url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => "ai-endpoint".into(),
        },
        Err(_) => "ai-endpoint".into(),
    }
}

impl ChatClient {
    /// A client for `base_url` (e.g. `https://api.openai.com/v1`).
    pub fn new(
        base_url: &str,
        api_key: SecretString,
        opts: ClientOptions,
    ) -> Result<ChatClient, AiError> {
        let base = base_url.trim().trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(AiError::Connect(
                "the AI base URL must start with http:// or https://".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.request_timeout)
            .user_agent(concat!("xbot/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AiError::Connect(format!("cannot build the HTTP client: {e}")))?;
        Ok(ChatClient {
            http,
            url: format!("{base}/chat/completions"),
            url_password: url_password(base).map(SecretString::from),
            api_key,
            breaker: CircuitBreaker::new(&endpoint_host(base)),
            opts,
        })
    }

    /// The configured client, or `None` when AI is not configured.
    pub fn from_config(cfg: &AiConfig) -> Result<Option<ChatClient>, AiError> {
        match (&cfg.base_url, &cfg.api_key) {
            (Some(url), Some(key)) => {
                ChatClient::new(url, key.clone(), ClientOptions::default()).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Record breaker openings and closings as incidents in `store`.
    pub fn with_store(mut self, store: StoreHandle) -> ChatClient {
        self.breaker = self.breaker.with_store(store);
        self
    }

    /// Use this breaker (shared with other clients, or with test limits).
    pub fn with_breaker(mut self, breaker: CircuitBreaker) -> ChatClient {
        self.breaker = breaker;
        self
    }

    /// The circuit breaker.
    pub fn breaker(&self) -> &CircuitBreaker {
        &self.breaker
    }

    /// The endpoint's chat-completions URL, any password in it masked.
    pub fn url(&self) -> String {
        mask_url(&self.url)
    }

    fn scrub(&self, text: &str) -> String {
        let mut secrets = vec![self.api_key.expose_secret()];
        if let Some(p) = &self.url_password {
            secrets.push(p.expose_secret());
        }
        scrub(text, &secrets)
    }

    fn auth_header(&self) -> Result<HeaderValue, AiError> {
        let mut v = HeaderValue::from_str(&format!("Bearer {}", self.api_key.expose_secret()))
            .map_err(|_| {
                AiError::Connect(
                    "the API key contains characters not allowed in an HTTP header".into(),
                )
            })?;
        v.set_sensitive(true);
        Ok(v)
    }

    /// Send one request, with retries and the breaker (see the module comment).
    pub async fn chat(&self, req: &ChatRequest) -> Result<ChatResponse, AiError> {
        let body = req.body();
        let auth = self.auth_header()?;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.opts.min_backoff)
            .with_max_delay(self.opts.max_backoff)
            .with_max_times(self.opts.max_retries)
            .with_jitter();
        let max_retry_after = self.opts.max_retry_after;
        let attempt = || async {
            self.breaker.admit(Utc::now())?;
            let result = self.send_once(&body, auth.clone()).await;
            match &result {
                Ok(_) => self.breaker.on_success(Utc::now()).await,
                Err(e) if e.counts_for_breaker() => {
                    self.breaker.on_failure(&e.to_string(), Utc::now()).await
                }
                Err(_) => {}
            }
            result
        };
        attempt
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(AiError::is_retryable)
            .adjust(move |e, next| {
                // Retry-After is a floor on the wait; one longer than we are willing to wait
                // ends the retries instead.
                let next = next?;
                match e {
                    AiError::Http {
                        retry_after: Some(ra),
                        ..
                    } if *ra > max_retry_after => None,
                    AiError::Http {
                        retry_after: Some(ra),
                        ..
                    } => Some(next.max(*ra)),
                    _ => Some(next),
                }
            })
            .notify(|e, wait| {
                tracing::warn!(error = %e, wait_ms = wait.as_millis() as u64, "AI request failed; retrying");
            })
            .await
    }

    async fn send_once(&self, body: &Value, auth: HeaderValue) -> Result<ChatResponse, AiError> {
        let resp = self
            .http
            .post(&self.url)
            .header(AUTHORIZATION, auth)
            .json(body)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = resp.status();
        let retry_after = parse_retry_after(resp.headers(), Utc::now());
        let text = resp.text().await.map_err(|e| self.transport_error(&e))?;
        if !status.is_success() {
            return Err(AiError::Http {
                status: status.as_u16(),
                // Scrubbed before shortening, so a cut can never leave part of the key.
                message: error_message(&self.scrub(&text)),
                retry_after,
            });
        }
        parse_response(&text).map_err(|why| AiError::Malformed(self.scrub(&why)))
    }

    fn transport_error(&self, e: &reqwest::Error) -> AiError {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        let text = self.scrub(&text);
        if e.is_timeout() {
            AiError::Timeout(text)
        } else if e.is_decode() {
            AiError::Malformed(text)
        } else {
            AiError::Connect(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_parsing() {
        let r = parse_response(
            r#"{"id":"x","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"hi","extra":1},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15},"system_fingerprint":"abc"}"#,
        )
        .unwrap();
        assert_eq!(r.model.as_deref(), Some("gpt-4o-mini-2024-07-18"));
        assert_eq!(r.content, "hi");
        assert_eq!(
            r.usage,
            Some(Usage {
                prompt_tokens: 10,
                completion_tokens: 5
            })
        );
        // Missing pieces are None, not errors.
        let r = parse_response(r#"{"choices":[]}"#).unwrap();
        assert_eq!(r.content, "");
        assert_eq!(r.usage, None);
        assert_eq!(r.usage_problem.as_deref(), Some("no usage object"));
        let r = parse_response(r#"{"choices":[{"message":{"content":null}}],"usage":{"prompt_tokens":3,"total_tokens":9}}"#).unwrap();
        assert_eq!(r.usage.unwrap().completion_tokens, 6);
        let r = parse_response(r#"{"usage":{"prompt_tokens":3}}"#).unwrap();
        assert_eq!(
            r.usage_problem.as_deref(),
            Some("usage.completion_tokens is missing")
        );
        let r = parse_response(
            r#"{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}}]}"#,
        )
        .unwrap();
        assert_eq!(r.content, "ab");
        assert!(parse_response("not json").is_err());
        assert!(parse_response("[1,2]").is_err());
        assert!(parse_response(r#"{"choices":"oops"}"#).is_err());
    }

    #[test]
    fn retry_after_forms() {
        let now = Utc::now();
        let mut h = HeaderMap::new();
        assert_eq!(parse_retry_after(&h, now), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(parse_retry_after(&h, now), Some(Duration::from_secs(2)));
        let at = (now + chrono::Duration::seconds(10)).to_rfc2822();
        h.insert(RETRY_AFTER, HeaderValue::from_str(&at).unwrap());
        let d = parse_retry_after(&h, now).unwrap();
        assert!(
            d <= Duration::from_secs(10) && d >= Duration::from_secs(9),
            "{d:?}"
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&h, now), None);
    }

    #[test]
    fn error_bodies_become_short_messages() {
        assert_eq!(
            error_message(r#"{"error":{"message":"Rate limit reached","type":"x"}}"#),
            "Rate limit reached"
        );
        assert_eq!(
            error_message("  upstream \x1b[31mdown "),
            "upstream ␛[31mdown"
        );
        assert_eq!(error_message(""), "(no message)");
    }

    #[test]
    fn debug_output_hides_the_key() {
        let c = ChatClient::new(
            "http://127.0.0.1:9/v1",
            SecretString::from("sk-debug-secret-1234"),
            ClientOptions::default(),
        )
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("sk-debug-secret-1234"), "{shown}");
        assert_eq!(c.url(), "http://127.0.0.1:9/v1/chat/completions");
        assert_eq!(c.breaker().subject(), "127.0.0.1:9");
    }
}
