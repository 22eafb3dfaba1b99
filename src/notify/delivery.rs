//! Delivering the outbox. A deliverer claims due rows for the destinations it has configured
//! (a lease, so that several `xbot serve` and consoles never send one row twice at once),
//! POSTs each with a timeout, and records the outcome on the row: sent; or retried later with
//! exponential backoff (at the time `Retry-After` asks for on 429 and 503); or given up
//! after [`Policy::max_attempts`] or on an answer that retrying cannot fix (400, 401, 403,
//! 404). Sends run concurrently, bounded by the timeout, so a destination that is down delays
//! nothing else, and jobs never wait for delivery at all (they only write the row).
//!
//! A crash between a successful POST and recording it would send that row again once its
//! lease runs out: delivery is exactly once between live deliverers, at least once across a
//! crash.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::config::{Destination, Kind, NotifyConfig};
use super::{Notice, pagerduty, slack, webhook};
use crate::store::{Store, StoreError};

/// Retry and timeout settings.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The first retry waits this long; each further one twice as long.
    pub base: Duration,
    pub max_backoff: Duration,
    pub max_attempts: i64,
    /// For one POST.
    pub timeout: Duration,
    /// Rows claimed per round.
    pub batch: i64,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            base: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3600),
            max_attempts: 12,
            timeout: Duration::from_secs(10),
            batch: 20,
        }
    }
}

impl Policy {
    /// The wait before attempt `attempts + 1`.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
        self.base
            .saturating_mul(2u32.saturating_pow(exp))
            .min(self.max_backoff)
    }
}

/// Why a POST did not land.
#[derive(Debug, Clone, PartialEq)]
pub enum SendError {
    /// Worth retrying (network, timeout, 408, 429, 5xx), at `after` if the server said so.
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// Retrying cannot help (a bad key or URL).
    Permanent(String),
}

impl SendError {
    pub fn text(&self) -> &str {
        match self {
            SendError::Retry { error, .. } | SendError::Permanent(error) => error,
        }
    }
}

/// The HTTP client for deliveries.
pub fn client(policy: &Policy) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(policy.timeout)
        .connect_timeout(policy.timeout)
        .user_agent(concat!("xbot/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or_default())
}

async fn post(
    client: &reqwest::Client,
    dest: &Destination,
    body: &serde_json::Value,
) -> Result<(), SendError> {
    let answer = client.post(dest.endpoint()).json(body).send().await;
    let resp = match answer {
        Ok(r) => r,
        // Without the URL: it is a secret.
        Err(e) => {
            let kind = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "cannot connect"
            } else {
                "request failed"
            };
            return Err(SendError::Retry {
                error: dest.scrub(&format!("{kind}: {}", e.without_url())),
                after: None,
            });
        }
    };
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| retry_after(v, Utc::now()));
    let text = resp.text().await.unwrap_or_default();
    let snippet: String = crate::text::inert(text.trim()).chars().take(200).collect();
    let error = dest.scrub(&format!("HTTP {}: {snippet}", status.as_u16()));
    let code = status.as_u16();
    if code == 408 || code == 429 || status.is_server_error() {
        Err(SendError::Retry { error, after })
    } else {
        Err(SendError::Permanent(error))
    }
}

/// Send one notice to one destination, in its format.
pub async fn send(
    client: &reqwest::Client,
    dest: &Destination,
    notice: &Notice,
) -> Result<(), SendError> {
    match dest.kind {
        Kind::Slack => post(client, dest, &slack::body(notice)).await,
        Kind::Webhook => post(client, dest, &webhook::body(notice)).await,
        Kind::PagerDuty => {
            let source = format!("xbot on {}", crate::identity::Operator::current().host);
            post(
                client,
                dest,
                &pagerduty::body(notice, dest.routing_key(), &source),
            )
            .await?;
            // A test must not leave an alert open on the on-call's phone.
            if notice.transition == "test" {
                let mut resolve = notice.clone();
                resolve.transition = "resolved".into();
                post(
                    client,
                    dest,
                    &pagerduty::body(&resolve, dest.routing_key(), &source),
                )
                .await?;
            }
            Ok(())
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Round {
    pub sent: usize,
    pub retrying: usize,
    pub gave_up: usize,
    /// Claims lost to another deliverer after the lease ran out (nothing recorded).
    pub lost: usize,
}

/// Claim and deliver the due rows once.
pub async fn deliver_due(
    store: &dyn Store,
    cfg: &NotifyConfig,
    owner: &str,
    policy: &Policy,
    client: &reqwest::Client,
) -> Result<Round, StoreError> {
    let now = Utc::now();
    // Long enough for every send of the batch (they run concurrently, each bounded).
    let lease = chrono::TimeDelta::from_std(policy.timeout * 3 + Duration::from_secs(5))
        .unwrap_or(chrono::TimeDelta::seconds(60));
    let claimed = store
        .claim_notifications(owner, &cfg.names(), now + lease, now, policy.batch)
        .await?;
    let sends = claimed.iter().map(|row| async move {
        let Some(dest) = cfg.get(&row.destination) else {
            return (
                row,
                Err(SendError::Retry {
                    error: "not configured in this process".into(),
                    after: None,
                }),
            );
        };
        let result = match serde_json::from_str::<Notice>(&row.payload) {
            Ok(notice) => send(client, dest, &notice).await,
            Err(e) => Err(SendError::Permanent(format!(
                "unreadable notification: {e}"
            ))),
        };
        (row, result)
    });
    let results = futures::future::join_all(sends).await;
    let mut round = Round::default();
    for (row, result) in results {
        let now = Utc::now();
        let recorded = match result {
            Ok(()) => {
                round.sent += 1;
                store.notification_sent(row.id, owner, now).await?
            }
            Err(e) => {
                let give_up =
                    matches!(e, SendError::Permanent(_)) || row.attempts >= policy.max_attempts;
                let wait = match &e {
                    SendError::Retry { after: Some(a), .. } => (*a).min(policy.max_backoff),
                    _ => policy.backoff(row.attempts),
                };
                let retry_at = (!give_up).then(|| {
                    now + chrono::TimeDelta::from_std(wait).unwrap_or(chrono::TimeDelta::hours(1))
                });
                if give_up {
                    round.gave_up += 1;
                } else {
                    round.retrying += 1;
                }
                tracing::warn!(
                    destination = %row.destination,
                    attempt = row.attempts,
                    give_up,
                    error = %e.text(),
                    "notification not delivered"
                );
                store
                    .notification_failed(row.id, owner, e.text(), retry_at)
                    .await?
            }
        };
        if !recorded {
            round.lost += 1;
        }
    }
    Ok(round)
}

/// Deliver every few seconds until `stop` (in `xbot serve`).
pub async fn run(
    store: crate::store::StoreHandle,
    cfg: NotifyConfig,
    owner: String,
    stop: tokio_util::sync::CancellationToken,
) {
    if cfg.is_empty() {
        return;
    }
    let policy = Policy::default();
    let client = client(&policy);
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tick.tick() => {
                if let Err(e) = deliver_due(&*store, &cfg, &owner, &policy, &client).await {
                    tracing::warn!(error = %e, "notification delivery round failed");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = Policy::default();
        assert_eq!(p.backoff(1), Duration::from_secs(30));
        assert_eq!(p.backoff(2), Duration::from_secs(60));
        assert_eq!(p.backoff(4), Duration::from_secs(240));
        assert_eq!(p.backoff(30), Duration::from_secs(3600));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2026-12-06T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after("Sun, 06 Dec 2026 08:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(retry_after("soon", now), None);
    }
}
