//! The database watch of `xbot serve`: a ping every few seconds, so that an outage is noticed
//! even between scheduler ticks. An incident cannot be written while the database is away, so
//! the outage is recorded when it ends: one `database_unreachable` incident opened at the first
//! failed ping and resolved at the first good one (one event each), never one per failed ping.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::JobEnv;
use super::incidents::DB_UNREACHABLE;
use crate::store::{Store, StoreError};

/// How often the watch pings.
pub const PING_EVERY: Duration = Duration::from_secs(5);
/// A ping that takes longer than this counts as a failure (a silent network, a hung server).
pub const PING_TIMEOUT: Duration = Duration::from_secs(3);

/// An outage that has ended, ready to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Outage {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// The first error seen.
    pub error: String,
    pub failed_pings: u32,
}

/// Up or down, from the pings so far.
#[derive(Debug, Default)]
pub struct Watch {
    down: Option<(DateTime<Utc>, String, u32)>,
}

impl Watch {
    /// Take one ping's result: `sent` is when the ping started (an outage began no later), `now`
    /// when it answered. Returns the outage that just ended, if this ping ended one. Errors
    /// that are not about reachability (a permission problem) are not outages.
    pub fn on_ping(
        &mut self,
        result: Result<(), StoreError>,
        sent: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<Outage> {
        match result {
            Err(e) if e.is_unavailable() => {
                match &mut self.down {
                    Some((_, _, n)) => *n += 1,
                    None => {
                        tracing::warn!(error = %e, "the database is unreachable");
                        self.down = Some((sent, e.to_string(), 1));
                    }
                }
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "database ping failed");
                None
            }
            Ok(()) => self.down.take().map(|(since, error, failed_pings)| Outage {
                since,
                until: now,
                error,
                failed_pings,
            }),
        }
    }

    pub fn is_down(&self) -> bool {
        self.down.is_some()
    }

    /// Put an outage back (its recording failed: the database went away again).
    fn restore(&mut self, o: Outage) {
        self.down = Some((o.since, o.error, o.failed_pings));
    }
}

/// Record an ended outage as one incident, opened at its start and resolved at its end.
pub async fn record(store: &dyn Store, subject: &str, o: &Outage) -> Result<(), StoreError> {
    let secs = (o.until - o.since).num_seconds().max(0);
    let details = format!(
        "unreachable for {secs} s ({} failed pings): {}",
        o.failed_pings, o.error
    );
    store
        .raise_incident(DB_UNREACHABLE, subject, "critical", &details, o.since)
        .await?;
    store
        .clear_incident(
            DB_UNREACHABLE,
            subject,
            &format!("reachable again after {secs} s"),
            o.until,
        )
        .await?;
    Ok(())
}

/// Ping until `stop`; record each outage when it ends. The subject is the worker (`user@host:pid`),
/// so that each worker reports what it saw.
pub async fn run(env: JobEnv, stop: CancellationToken) {
    let mut watch = Watch::default();
    let mut interval = tokio::time::interval(PING_EVERY);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = interval.tick() => {}
        }
        let sent = env.now();
        let result = match tokio::time::timeout(PING_TIMEOUT, env.store.ping()).await {
            Ok(r) => r,
            Err(_) => Err(StoreError::Unavailable(format!(
                "no answer to a ping within {} s",
                PING_TIMEOUT.as_secs()
            ))),
        };
        if let Some(outage) = watch.on_ping(result, sent, env.now()) {
            tracing::info!(?outage, "the database is reachable again");
            if let Err(e) = record(env.store.as_ref(), &env.owner, &outage).await {
                tracing::warn!(error = %e, "could not record the outage yet");
                watch.restore(outage);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn one_outage_per_down_period_whatever_the_number_of_failed_pings() {
        let mut w = Watch::default();
        assert_eq!(w.on_ping(Ok(()), t(0), t(0)), None);
        for i in 1..=6 {
            let e = StoreError::Unavailable(format!("refused {i}"));
            assert_eq!(w.on_ping(Err(e), t(5 * i), t(5 * i + 3)), None);
        }
        assert!(w.is_down());
        let o = w.on_ping(Ok(()), t(35), t(36)).expect("the outage ended");
        assert_eq!(o.since, t(5), "from when the first failed ping was sent");
        assert_eq!(o.until, t(36));
        assert_eq!(o.failed_pings, 6);
        assert_eq!(o.error, "the database is unreachable: refused 1");
        assert_eq!(w.on_ping(Ok(()), t(40), t(40)), None, "recorded once");
    }

    #[test]
    fn errors_that_are_not_about_reachability_are_not_outages() {
        let mut w = Watch::default();
        let e = StoreError::PermissionDenied("no".into());
        assert_eq!(w.on_ping(Err(e), t(0), t(0)), None);
        assert!(!w.is_down());
    }
}
