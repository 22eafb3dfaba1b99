//! Why an AI call did not produce an answer: the error every part of the AI layer returns.
//! It lives apart from the client so that the circuit breaker, which the client uses, can
//! return it without pointing back at the client.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Why an AI call did not produce an answer. Display texts never contain the API key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AiError {
    /// No endpoint or key configured: nothing was sent.
    #[error("AI endpoint not configured")]
    NotConfigured,
    /// The endpoint answered with an error status (after any retries).
    #[error("the AI API answered HTTP {status}: {message}")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The error message from the body (scrubbed, shortened).
        message: String,
        /// The `Retry-After` the endpoint asked for, if any.
        retry_after: Option<Duration>,
    },
    /// The request timed out (after any retries).
    #[error("the AI API did not answer in time: {0}")]
    Timeout(String),
    /// The endpoint could not be reached (after any retries).
    #[error("cannot reach the AI API: {0}")]
    Connect(String),
    /// The body is not the JSON a chat completion should be.
    #[error("the AI API answered with malformed JSON: {0}")]
    Malformed(String),
    /// The answer has no usage figures; the call was charged at its reserved estimate.
    #[error(
        "the AI API response has no usage figures ({0}); the call was charged at its reserved estimate"
    )]
    MissingUsage(String),
    /// The answer has no message content.
    #[error("the AI API response has no message content")]
    EmptyResponse,
    /// The circuit breaker is open: nothing was sent.
    #[error(
        "AI circuit breaker open after {failures} straight failures: no requests until {}",
        until.format("%H:%M:%S UTC")
    )]
    CircuitOpen {
        /// When a trial request may go.
        until: DateTime<Utc>,
        /// Failures counted so far.
        failures: u32,
    },
    /// The call would pass the daily limit: refused before it was sent.
    #[error(
        "AI call refused before sending: ${spent:.4} spent + ${estimate:.4} estimated would pass the ${limit:.2} daily limit"
    )]
    BudgetRefused {
        /// Spent (and reserved) today.
        spent: f64,
        /// This call's reserved estimate.
        estimate: f64,
        /// The daily limit.
        limit: f64,
    },
    /// Today's expert calls reached the cap: nothing was sent.
    #[error("expert call refused before sending: {calls} of {cap} expert calls used today")]
    ExpertCapped {
        /// Expert calls today (reserved or settled).
        calls: i64,
        /// The daily cap.
        cap: i64,
    },
    /// The budget tier allows no AI call (T4): nothing was sent.
    #[error("{0}")]
    TierBlocked(String),
    /// The budget ledger could not be read or written.
    #[error("AI budget ledger: {0}")]
    Ledger(String),
    /// The model answered, but not in a usable shape.
    #[error("the model's answer could not be used: {0}")]
    BadAnswer(String),
}

impl AiError {
    /// Worth another attempt: rate limits, server errors, timeouts, lost connections.
    pub fn is_retryable(&self) -> bool {
        match self {
            AiError::Http { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            AiError::Timeout(_) | AiError::Connect(_) => true,
            _ => false,
        }
    }

    /// Says the endpoint is unwell (counts towards opening the breaker). A 4xx other than
    /// 408/429 is our request's fault and says nothing about the endpoint.
    pub fn counts_for_breaker(&self) -> bool {
        self.is_retryable() || matches!(self, AiError::Malformed(_))
    }

    /// True when the error happened before anything was sent.
    pub fn nothing_sent(&self) -> bool {
        matches!(
            self,
            AiError::NotConfigured
                | AiError::CircuitOpen { .. }
                | AiError::BudgetRefused { .. }
                | AiError::ExpertCapped { .. }
                | AiError::TierBlocked(_)
        )
    }
}
