//! The AI circuit breaker: after [`FAILURE_THRESHOLD`] straight failed API attempts it opens,
//! and for [`COOL_DOWN`] no request is sent at all; then one trial request is let through
//! (half-open): success closes it, failure opens it for another cool-down.
//!
//! Why: when the endpoint is down, retrying every call only burns the job's runtime and the
//! provider's rate limit. The state is shared (`Arc<Mutex>`) by every clone of the client in
//! this process. Opening raises an `ai_circuit_open` incident, closing resolves it; the subject
//! is the endpoint's host, never anything that could carry the key.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::error::AiError;
use crate::jobs::incidents::AI_CIRCUIT;
use crate::store::StoreHandle;

/// Straight failures that open the breaker.
pub const FAILURE_THRESHOLD: u32 = 5;
/// How long an open breaker refuses every request.
pub const COOL_DOWN: Duration = Duration::minutes(5);

/// A snapshot of the breaker, for status displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BreakerState {
    /// Failures since the last success.
    pub failures: u32,
    /// While open: when the next trial request may go.
    pub open_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
struct Inner {
    failures: u32,
    open_until: Option<DateTime<Utc>>,
    /// Half-open: the one trial request is under way.
    trial_in_flight: bool,
}

/// The shared breaker (cheap to clone; clones share the state).
#[derive(Clone)]
pub struct CircuitBreaker {
    inner: Arc<Mutex<Inner>>,
    threshold: u32,
    cool_down: Duration,
    subject: String,
    store: Option<StoreHandle>,
}

impl std::fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("subject", &self.subject)
            .field("state", &self.state())
            .finish()
    }
}

impl CircuitBreaker {
    /// A closed breaker for the endpoint `subject` (its host), with the spec's threshold and
    /// cool-down.
    pub fn new(subject: &str) -> CircuitBreaker {
        CircuitBreaker::with_limits(subject, FAILURE_THRESHOLD, COOL_DOWN)
    }

    /// A closed breaker with its own threshold and cool-down (tests).
    pub fn with_limits(subject: &str, threshold: u32, cool_down: Duration) -> CircuitBreaker {
        CircuitBreaker {
            inner: Arc::new(Mutex::new(Inner::default())),
            threshold: threshold.max(1),
            cool_down,
            subject: subject.to_string(),
            store: None,
        }
    }

    /// Report openings and closings as incidents in this store.
    pub fn with_store(mut self, store: StoreHandle) -> CircuitBreaker {
        self.store = Some(store);
        self
    }

    /// The incident subject (the endpoint's host).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the counters inconsistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        let g = self.lock();
        BreakerState {
            failures: g.failures,
            open_until: g.open_until,
        }
    }

    /// May a request go now? `Err` while open; after the cool-down one trial goes through.
    pub fn admit(&self, now: DateTime<Utc>) -> Result<(), AiError> {
        let mut g = self.lock();
        match g.open_until {
            None => Ok(()),
            Some(until) if now < until || g.trial_in_flight => Err(AiError::CircuitOpen {
                until,
                failures: g.failures,
            }),
            Some(_) => {
                g.trial_in_flight = true;
                Ok(())
            }
        }
    }

    /// A request succeeded: close the breaker (resolving its incident if it was open).
    pub async fn on_success(&self, now: DateTime<Utc>) {
        let was_open = {
            let mut g = self.lock();
            let was_open = g.open_until.is_some();
            *g = Inner::default();
            was_open
        };
        if was_open {
            tracing::info!(endpoint = %self.subject, "AI circuit breaker closed");
            if let Some(store) = &self.store
                && let Err(e) = store
                    .clear_incident(AI_CIRCUIT, &self.subject, "a trial request succeeded", now)
                    .await
            {
                tracing::warn!(error = %e, "could not resolve the AI circuit incident");
            }
        }
    }

    /// A request failed in a way that says the endpoint is unwell (5xx, 429, timeout, no
    /// connection, garbage). Opens the breaker at the threshold, or again after a failed trial.
    pub async fn on_failure(&self, why: &str, now: DateTime<Utc>) {
        let opened = {
            let mut g = self.lock();
            g.failures = g.failures.saturating_add(1);
            let trial_failed = g.open_until.is_some();
            if trial_failed || g.failures >= self.threshold {
                g.open_until = Some(now + self.cool_down);
                g.trial_in_flight = false;
                Some((g.failures, now + self.cool_down))
            } else {
                None
            }
        };
        if let Some((failures, until)) = opened {
            tracing::warn!(
                endpoint = %self.subject,
                failures,
                until = %until,
                last_error = %why,
                "AI circuit breaker open"
            );
            if let Some(store) = &self.store {
                let details = format!(
                    "{failures} straight AI API failures; no requests until {}; last: {why}",
                    until.format("%H:%M:%S UTC")
                );
                if let Err(e) = store
                    .raise_incident(AI_CIRCUIT, &self.subject, "error", &details, now)
                    .await
                {
                    tracing::warn!(error = %e, "could not record the AI circuit incident");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opens_after_five_straight_failures_and_half_opens_after_the_cool_down() {
        let b = CircuitBreaker::new("api.example.com");
        let t0 = Utc::now();
        for i in 0..4 {
            assert!(b.admit(t0).is_ok());
            b.on_failure("HTTP 500", t0).await;
            assert_eq!(b.state().failures, i + 1);
            assert_eq!(b.state().open_until, None);
        }
        // A success in between resets the count.
        b.on_success(t0).await;
        assert_eq!(b.state().failures, 0);
        for _ in 0..5 {
            b.on_failure("HTTP 500", t0).await;
        }
        let until = b.state().open_until.expect("open");
        assert_eq!(until, t0 + COOL_DOWN);
        assert!(matches!(
            b.admit(t0 + Duration::minutes(4)),
            Err(AiError::CircuitOpen { .. })
        ));
        // After the cool-down: exactly one trial.
        let later = t0 + Duration::minutes(5);
        assert!(b.admit(later).is_ok());
        assert!(b.admit(later).is_err(), "only one trial at a time");
        // The trial fails: open again for a full cool-down.
        b.on_failure("timeout", later).await;
        assert_eq!(b.state().open_until, Some(later + COOL_DOWN));
        let later2 = later + COOL_DOWN;
        assert!(b.admit(later2).is_ok());
        b.on_success(later2).await;
        assert_eq!(
            b.state(),
            BreakerState {
                failures: 0,
                open_until: None
            }
        );
        assert!(b.admit(later2).is_ok());
    }

    #[test]
    fn clones_share_state() {
        let a = CircuitBreaker::with_limits("h", 1, Duration::minutes(1));
        let b = a.clone();
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(a.on_failure("x", Utc::now()));
        assert!(b.admit(Utc::now()).is_err());
    }
}
