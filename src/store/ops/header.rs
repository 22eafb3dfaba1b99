//! The console header's figures (today's spend, open incidents, pending reviews, running jobs,
//! the applied budget tier), read together:
//! the header refreshes every few seconds, so on Postgres it is one round trip.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::args;
use crate::store::backend::Backend;
use crate::store::ops::budget::VALID_COST;
use crate::store::ops::jobs::{RUN_COLUMNS, RunRecord};
use crate::store::{Read, Reads, SqlStore, StoreError};

/// What the header shows.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderFigures {
    /// AI spend between the bounds, in USD (corrupt costs skipped).
    pub spend_usd: f64,
    pub open_incidents: i64,
    pub running: Vec<RunRecord>,
    /// The open incidents (id, kind, subject), newest first, and the pending reviews' ids:
    /// the console notices new ones while another tab is open.
    pub incident_ids: Vec<(i64, String, String)>,
    pub pending_ids: Vec<i64>,
    /// The newest `budget_tier` runs (newest first): the tier the system applies.
    pub tier_runs: Vec<RunRecord>,
}

#[async_trait]
pub trait HeaderStore {
    /// The header's figures for the day `[start, end)`, as one read to send with others.
    fn read_header_figures(
        &self,
        r: &mut Reads,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Read<HeaderFigures>;

    /// The header's figures for the day `[start, end)`.
    async fn header_figures(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<HeaderFigures, StoreError>;
}

#[async_trait]
impl<B: Backend> HeaderStore for SqlStore<B> {
    async fn header_figures(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<HeaderFigures, StoreError> {
        self.read_alone(|r| self.read_header_figures(r, start, end))
            .await
    }

    fn read_header_figures(
        &self,
        r: &mut Reads,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Read<HeaderFigures> {
        let spend = format!(
            "SELECT CAST(COALESCE(SUM({VALID_COST}), 0.0) AS DOUBLE PRECISION)
             FROM ai_usage WHERE at >= $1 AND at < $2 AND state <> 'released'"
        );
        let open = "SELECT id, kind, subject FROM incidents WHERE state = 'open'
                    ORDER BY opened_at DESC, id DESC LIMIT 500";
        let pending =
            "SELECT id FROM safety_reviews WHERE status = 'pending' ORDER BY id LIMIT 500";
        let tiers = format!(
            "SELECT {RUN_COLUMNS} FROM job_runs WHERE job = 'budget_tier'
             ORDER BY started_at DESC, id DESC LIMIT 20"
        );
        let running = format!(
            "SELECT {RUN_COLUMNS} FROM job_runs WHERE status = 'running' ORDER BY started_at"
        );
        r.add(
            vec![
                (spend.into(), args![start, end]),
                (open.into(), vec![]),
                (running.into(), vec![]),
                (pending.into(), vec![]),
                (tiers.into(), vec![]),
            ],
            |b| {
                let spend: Vec<(f64,)> = b.take()?;
                let open: Vec<(i64, String, String)> = b.take()?;
                let running: Vec<RunRecord> = b.take()?;
                let pending: Vec<(i64,)> = b.take()?;
                let tier_runs: Vec<RunRecord> = b.take()?;
                let spend = spend.first().map_or(0.0, |(s,)| *s);
                Ok(HeaderFigures {
                    spend_usd: if spend.is_finite() {
                        spend.max(0.0)
                    } else {
                        0.0
                    },
                    open_incidents: open.len() as i64,
                    running,
                    incident_ids: open,
                    pending_ids: pending.into_iter().map(|(id,)| id).collect(),
                    tier_runs,
                })
            },
        )
    }
}
