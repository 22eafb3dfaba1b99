//! What flows through the console: messages into `update` (keys, ticks, results), effects out
//! of it (loads and actions the executor runs on tokio tasks), and the data loads bring back.

use std::any::Any;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use serde::Serialize;

use super::tabs::TabId;
use crate::jobs::JobProgress;
use crate::jobs::overview::JobOverview;
use crate::jobs::runner::RunReport;
use crate::learning::decay::DecayParams;
use crate::learning::dimension::Dimension;
use crate::learning::leaderboard::LeaderboardEntry;
use crate::learning::replies::OperatorOverride;
use crate::store::ops::budget::BudgetReport;
use crate::store::ops::facts::{DecisionDetail, FactQuery, FactRow, SlotCount};
use crate::store::ops::incidents::IncidentRequest;
use crate::store::ops::jobs::RunRecord;
use crate::store::ops::replies::AccountRecord;
use crate::store::ops::reviews::{AuditRecord, DecisionOutcome, DecisionRequest, ReviewRecord};
use crate::store::ops::weights::WeightMapRecord;
use crate::store::types::DataHealth;

/// Input to `update`.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// The clock moved (about once a second).
    Tick(DateTime<Utc>),
    /// A load finished. `req` tells a current answer from a stale one.
    Loaded {
        req: u64,
        result: Result<Box<Loaded>, LoadError>,
    },
    /// Progress of a job this console started.
    JobProgress {
        job: String,
        progress: JobProgress,
    },
    /// A job this console started finished.
    JobFinished {
        job: String,
        result: Result<RunReport, String>,
    },
    /// An action finished.
    ActionDone {
        label: String,
        result: Result<ActionResult, String>,
    },
    /// Another process (or this one) committed a change to xbot's own tables: reload what is
    /// on screen.
    DataChanged,
    /// The change feed listens (again, after a loss: what is on screen is reloaded, changes
    /// may have been missed).
    FeedUp,
    /// The change feed's connection was lost or broke: the database may be gone, so the
    /// connection is checked at once (the header is read on changes only, so nothing else
    /// would notice an outage until the next tab refresh).
    FeedLost,
    /// What opening the store has to say (it opens with the first frame already drawn).
    OpenNote(crate::app::OpenNote),
    /// SIGTERM or SIGHUP: leave cleanly.
    Terminate(&'static str),
    /// SIGCONT: the process was stopped (`ctrl+z` then `fg`, or a stop from outside) and runs
    /// again; whatever the shell drew meanwhile is on the screen, so everything is redrawn.
    Resumed,
}

/// A failed load: unreachable database (show "disconnected", retry) or another error.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub unavailable: bool,
    pub message: String,
}

/// What a finished action reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ActionResult {
    Decision(DecisionOutcome),
    /// (applied, lost races, refused) of a bulk decision.
    Bulk {
        applied: usize,
        lost: usize,
        refused: usize,
    },
    Done(String),
    /// The action was not applied (someone got there first, or it was refused): why.
    NotApplied(String),
}

/// The header's facts, refreshed with every tab.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub spend_today_usd: f64,
    pub open_incidents: usize,
    pub running: Vec<RunRecord>,
    /// The tier the system applies, as its last `budget_tier` run recorded it (the worker's
    /// day and limit, not this viewer's `--timezone` and config).
    pub tier: Option<RecordedTier>,
    /// The open incidents (id, kind, subject) and the pending reviews' ids, to notice new
    /// ones while another tab is open.
    pub incident_ids: Vec<(i64, String, String)>,
    pub pending_ids: Vec<i64>,
}

/// A budget tier as a `budget_tier` run recorded it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedTier {
    pub tier: crate::budget::tiers::Tier,
    /// Share of the daily limit spent (0..).
    pub share: f64,
    pub at: DateTime<Utc>,
    pub run_id: i64,
}

impl RecordedTier {
    /// The tier of the newest succeeded run among `runs` (newest first) that recorded one.
    pub fn from_runs(runs: &[RunRecord]) -> Option<RecordedTier> {
        runs.iter()
            .filter(|r| r.status == "succeeded")
            .find_map(|r| {
                let stats: serde_json::Value = serde_json::from_str(r.stats.as_deref()?).ok()?;
                let d = &stats["details"];
                let name = d["tier"].as_str()?;
                let tier = crate::budget::tiers::Tier::ALL
                    .into_iter()
                    .find(|t| t.as_str() == name)?;
                Some(RecordedTier {
                    tier,
                    share: d["share"].as_f64().filter(|x| x.is_finite()).unwrap_or(0.0),
                    at: r.finished_at.unwrap_or(r.started_at),
                    run_id: r.id,
                })
            })
    }
}

/// The data a load brings back.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    Status(Status),
    Outcomes {
        health: Box<DataHealth>,
        rows: Vec<FactRow>,
        query: FactQuery,
    },
    Leaderboard {
        dim: Dimension,
        decay: DecayParams,
        entries: Vec<LeaderboardEntry>,
    },
    Weights {
        history: Vec<WeightMapRecord>,
    },
    Slots {
        counts: Vec<SlotCount>,
        board: Vec<LeaderboardEntry>,
    },
    Safety {
        reviews: Vec<ReviewRecord>,
        audit: Vec<AuditRecord>,
    },
    Replies {
        accounts: Vec<AccountRecord>,
    },
    AccountHistory {
        username: String,
        replies: Vec<FactRow>,
    },
    Budget {
        report: BudgetReport,
    },
    Jobs {
        overview: Vec<JobOverview>,
        recent: Vec<RunRecord>,
        /// Scheduler heartbeats (when `xbot serve` was last seen alive).
        workers: Vec<crate::store::ops::workers::WorkerRecord>,
    },
    JobHistory {
        job: String,
        runs: Vec<RunRecord>,
    },
    Detail {
        decision: Option<Box<DecisionDetail>>,
    },
    /// A tab's data loaded through [`Query::Tab`]: the tab's own type, which only the tab
    /// reads (so adding a tab adds no variant here).
    Tab(TabId, Box<dyn TabData>),
}

impl Loaded {
    /// The tab the data is for (`None`: the header's status).
    pub fn tab(&self) -> Option<TabId> {
        Some(match self {
            Loaded::Status(_) => return None,
            Loaded::Outcomes { .. } | Loaded::Detail { .. } => TabId::Outcomes,
            Loaded::Leaderboard { .. } => TabId::Leaderboards,
            Loaded::Weights { .. } => TabId::Weights,
            Loaded::Slots { .. } => TabId::Slots,
            Loaded::Safety { .. } => TabId::Safety,
            Loaded::Replies { .. } | Loaded::AccountHistory { .. } => TabId::Replies,
            Loaded::Budget { .. } => TabId::Budget,
            Loaded::Jobs { .. } | Loaded::JobHistory { .. } => TabId::Jobs,
            Loaded::Tab(tab, _) => *tab,
        })
    }
}

/// A tab's own loaded data (any cloneable, comparable type), carried by [`Loaded::Tab`].
pub trait TabData: Any + std::fmt::Debug + Send + Sync {
    fn clone_box(&self) -> Box<dyn TabData>;
    fn same(&self, other: &dyn TabData) -> bool;
    fn as_any(&self) -> &dyn Any;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<T: Any + std::fmt::Debug + Clone + PartialEq + Send + Sync> TabData for T {
    fn clone_box(&self) -> Box<dyn TabData> {
        Box::new(self.clone())
    }
    fn same(&self, other: &dyn TabData) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

impl Clone for Box<dyn TabData> {
    fn clone(&self) -> Self {
        (**self).clone_box()
    }
}

impl PartialEq for Box<dyn TabData> {
    fn eq(&self, other: &Self) -> bool {
        (**self).same(&**other)
    }
}

/// What to load.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Query {
    /// The header's figures: one round trip, read on open, on every change and when the day
    /// changes.
    Status,
    /// The connection check (a ping that fails at once on a closed or refused connection),
    /// then the header's figures: when the connection is in doubt and for retries while
    /// disconnected.
    CheckStatus,
    Outcomes(FactQuery),
    Leaderboard {
        dim: Dimension,
        lambda: Option<f64>,
    },
    Weights,
    Slots,
    Safety,
    Replies,
    AccountHistory(String),
    Budget,
    Jobs,
    JobHistory(String),
    Detail(String),
    /// A tab's load through its own module ([`super::tabs::Tab::load`]).
    Tab(TabId),
}

impl Query {
    /// Loads of the same slot supersede each other (single flight, stale answers dropped).
    pub fn slot(&self) -> LoadSlot {
        match self {
            Query::Status | Query::CheckStatus => LoadSlot::Status,
            Query::Outcomes(_) => LoadSlot::Tab(TabId::Outcomes),
            Query::Leaderboard { .. } => LoadSlot::Tab(TabId::Leaderboards),
            Query::Weights => LoadSlot::Tab(TabId::Weights),
            Query::Slots => LoadSlot::Tab(TabId::Slots),
            Query::Safety => LoadSlot::Tab(TabId::Safety),
            Query::Replies => LoadSlot::Tab(TabId::Replies),
            Query::Budget => LoadSlot::Tab(TabId::Budget),
            Query::Jobs => LoadSlot::Tab(TabId::Jobs),
            Query::Tab(tab) => LoadSlot::Tab(*tab),
            Query::AccountHistory(_) | Query::JobHistory(_) | Query::Detail(_) => LoadSlot::Side,
        }
    }
}

/// A stream of loads where only the newest answer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LoadSlot {
    Status,
    Tab(TabId),
    Side,
}

/// An action for the executor.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Load {
        req: u64,
        query: Query,
    },
    RunJob {
        job: String,
    },
    /// Cancel a job: here if this console runs it, else by asking its owner through the
    /// database.
    CancelJob {
        job: String,
        here: bool,
    },
    SetJobEnabled {
        job: String,
        enabled: bool,
    },
    Decide(DecisionRequest),
    BulkDecide(Vec<DecisionRequest>),
    SetOverride {
        username: String,
        to: OperatorOverride,
        action_id: String,
    },
    /// Make a weight map (by `#id`) the one xBOT reads.
    ActivateWeights {
        id: String,
        version: String,
    },
    /// Acknowledge, resolve or note an incident (the store audits it).
    ActOnIncident(IncidentRequest),
    /// Leave: cancel jobs started here, restore the terminal.
    Quit,
    /// Ctrl-Z: give the terminal back and stop until resumed.
    Suspend,
    /// Clear the screen and draw everything again.
    Redraw,
    /// Ask the model for another rewrite of a pending review; the store replaces the proposal
    /// only once the new one exists (as `xbot review rewrite`).
    Rewrite {
        review_id: i64,
    },
    /// Put this text on the operator's clipboard (OSC 52).
    Clipboard(String),
    /// Ring the terminal bell (BEL), when the config asks for it.
    Bell,
}
