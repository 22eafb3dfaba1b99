//! The nine tabs: their ids, their view state (selection, filter, sort) and their data. Each
//! tab's drawing lives in its own file; drawing only reads state.

pub mod budget;
pub mod incidents;
pub mod jobs;
pub mod leaderboards;
pub mod outcomes;
pub mod replies;
pub mod safety;
pub mod slots;
pub mod weights;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::jobs::overview::JobOverview;
use crate::learning::decay::DecayParams;
use crate::learning::dimension::Dimension;
use crate::learning::leaderboard::LeaderboardEntry;
use crate::learning::weights::WeightMap;
use crate::store::ops::budget::BudgetReport;
use crate::store::ops::facts::{FactCursor, FactRow, FactSort, SlotCount};
use crate::store::ops::incidents::{EventRecord, IncidentRecord};
use crate::store::ops::jobs::RunRecord;
use crate::store::ops::replies::AccountRecord;
use crate::store::ops::reviews::{AuditRecord, ReviewRecord};
use crate::store::ops::weights::WeightMapRecord;
use crate::store::types::DataHealth;

/// A tab, numbered as its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum TabId {
    Outcomes,
    Leaderboards,
    Weights,
    Slots,
    Safety,
    Replies,
    Budget,
    Jobs,
    Incidents,
}

impl TabId {
    pub const ALL: [TabId; 9] = [
        TabId::Outcomes,
        TabId::Leaderboards,
        TabId::Weights,
        TabId::Slots,
        TabId::Safety,
        TabId::Replies,
        TabId::Budget,
        TabId::Jobs,
        TabId::Incidents,
    ];

    pub fn title(self) -> &'static str {
        match self {
            TabId::Outcomes => "Outcomes",
            TabId::Leaderboards => "Leaderboards",
            TabId::Weights => "Weights",
            TabId::Slots => "Slots",
            TabId::Safety => "Safety",
            TabId::Replies => "Replies",
            TabId::Budget => "Budget",
            TabId::Jobs => "Jobs",
            TabId::Incidents => "Incidents",
        }
    }

    pub fn number(self) -> u8 {
        TabId::ALL
            .iter()
            .position(|t| *t == self)
            .map_or(1, |i| i as u8 + 1)
    }

    pub fn from_number(n: u8) -> Option<TabId> {
        TabId::ALL.get(usize::from(n).checked_sub(1)?).copied()
    }

    /// The tab named in `:` command mode (case-insensitive, prefixes allowed).
    pub fn from_name(name: &str) -> Option<TabId> {
        let name = name.to_ascii_lowercase();
        if name.is_empty() {
            return None;
        }
        TabId::ALL
            .into_iter()
            .find(|t| t.title().to_ascii_lowercase().starts_with(&name))
    }

    pub fn next(self) -> TabId {
        TabId::from_number(self.number() % 9 + 1).unwrap_or(TabId::Outcomes)
    }

    pub fn prev(self) -> TabId {
        TabId::from_number((self.number() + 7) % 9 + 1).unwrap_or(TabId::Outcomes)
    }

    /// Whether `/` filtering means something here.
    pub fn filterable(self) -> bool {
        !matches!(self, TabId::Budget | TabId::Slots)
    }
}

/// A client-side sort: which column (an index into the tab's sortable columns) and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SortState {
    pub col: usize,
    pub desc: bool,
}

impl SortState {
    pub fn next(&mut self, columns: usize) {
        self.col = (self.col + 1) % columns.max(1);
    }

    /// The arrow of the sorted column: its natural direction (`natural_desc`: highest first),
    /// flipped when reversed.
    pub fn marker(&self, natural_desc: bool, ascii: bool) -> &'static str {
        match (natural_desc != self.desc, ascii) {
            (true, false) => " ▼",
            (false, false) => " ▲",
            (true, true) => " v",
            (false, true) => " ^",
        }
    }
}

/// Rows per Outcomes page (pages are fetched with keyset pagination).
pub const OUTCOMES_PAGE: i64 = 100;

/// The Outcomes tab.
#[derive(Debug, Clone, Default)]
pub struct OutcomesView {
    pub filter: String,
    pub sort: FactSort,
    /// Oldest (or worst) first instead of newest (best) first.
    pub reversed: bool,
    /// The cursor each visited page started after (the first page: none).
    pub page_starts: Vec<Option<FactCursor>>,
    pub rows: Vec<FactRow>,
    pub health: Option<DataHealth>,
    pub selected: usize,
    /// A full page came back: there may be more.
    pub has_more: bool,
    pub loaded: bool,
}

/// The Leaderboards tab.
#[derive(Debug, Clone)]
pub struct LeaderboardsView {
    pub dim: Dimension,
    /// λ for the what-if (never saved); `None` is the dimension's default.
    pub lambda: Option<f64>,
    pub entries: Vec<LeaderboardEntry>,
    pub decay: Option<DecayParams>,
    pub selected: usize,
    pub filter: String,
    pub sort: SortState,
    pub loaded: bool,
}

impl Default for LeaderboardsView {
    fn default() -> Self {
        LeaderboardsView {
            dim: Dimension::Generator,
            lambda: None,
            entries: Vec::new(),
            decay: None,
            selected: 0,
            filter: String::new(),
            sort: SortState::default(),
            loaded: false,
        }
    }
}

/// One stored weight-map version, parsed (a malformed payload is kept as its error).
#[derive(Debug, Clone)]
pub struct Version {
    pub record: WeightMapRecord,
    pub map: Result<WeightMap, String>,
}

/// The Weights tab.
#[derive(Debug, Clone, Default)]
pub struct WeightsView {
    /// Oldest first.
    pub versions: Vec<Version>,
    /// Index into `versions` (the newest by default).
    pub selected: usize,
    /// Index into the weight features.
    pub feature: usize,
    /// Which value of the feature the line chart follows.
    pub value: usize,
    pub show_diff: bool,
    pub filter: String,
    pub loaded: bool,
    /// After a recompute: the version it produced, shown with its diff.
    pub just_computed: Option<String>,
}

/// The Slots tab.
#[derive(Debug, Clone, Default)]
pub struct SlotsView {
    pub counts: Vec<SlotCount>,
    pub board: Vec<LeaderboardEntry>,
    pub selected: usize,
    pub loaded: bool,
}

/// The Safety tab.
#[derive(Debug, Clone, Default)]
pub struct SafetyView {
    pub reviews: Vec<ReviewRecord>,
    pub audit: Vec<AuditRecord>,
    pub selected: usize,
    /// Review ids selected for a bulk action.
    pub marked: BTreeSet<i64>,
    pub filter: String,
    pub sort: SortState,
    pub loaded: bool,
}

/// The Replies tab.
#[derive(Debug, Clone, Default)]
pub struct RepliesView {
    pub accounts: Vec<AccountRecord>,
    pub selected: usize,
    pub history: Option<(String, Vec<FactRow>)>,
    pub filter: String,
    pub sort: SortState,
    pub loaded: bool,
}

/// The Budget tab.
#[derive(Debug, Clone, Default)]
pub struct BudgetView {
    pub report: Option<BudgetReport>,
    pub loaded: bool,
}

/// The Jobs tab.
#[derive(Debug, Clone, Default)]
pub struct JobsView {
    pub overview: Vec<JobOverview>,
    /// The latest runs of every job (the History pane shows the selected job's).
    pub recent: Vec<RunRecord>,
    pub selected: usize,
    /// A job's longer history, asked for with Enter.
    pub history: Option<(String, Vec<RunRecord>)>,
    pub filter: String,
    pub sort: SortState,
    pub loaded: bool,
}

/// The Incidents tab.
#[derive(Debug, Clone, Default)]
pub struct IncidentsView {
    pub incidents: Vec<IncidentRecord>,
    pub events: Vec<EventRecord>,
    pub audit: Vec<AuditRecord>,
    pub selected: usize,
    pub filter: String,
    pub sort: SortState,
    pub loaded: bool,
}

/// Every tab's state.
#[derive(Debug, Clone, Default)]
pub struct Tabs {
    pub outcomes: OutcomesView,
    pub leaderboards: LeaderboardsView,
    pub weights: WeightsView,
    pub slots: SlotsView,
    pub safety: SafetyView,
    pub replies: RepliesView,
    pub budget: BudgetView,
    pub jobs: JobsView,
    pub incidents: IncidentsView,
}

impl Tabs {
    /// The `/` filter of a tab.
    pub fn filter(&self, tab: TabId) -> &str {
        match tab {
            TabId::Outcomes => &self.outcomes.filter,
            TabId::Leaderboards => &self.leaderboards.filter,
            TabId::Weights => &self.weights.filter,
            TabId::Safety => &self.safety.filter,
            TabId::Replies => &self.replies.filter,
            TabId::Jobs => &self.jobs.filter,
            TabId::Incidents => &self.incidents.filter,
            TabId::Slots | TabId::Budget => "",
        }
    }

    pub fn filter_mut(&mut self, tab: TabId) -> Option<&mut String> {
        match tab {
            TabId::Outcomes => Some(&mut self.outcomes.filter),
            TabId::Leaderboards => Some(&mut self.leaderboards.filter),
            TabId::Weights => Some(&mut self.weights.filter),
            TabId::Safety => Some(&mut self.safety.filter),
            TabId::Replies => Some(&mut self.replies.filter),
            TabId::Jobs => Some(&mut self.jobs.filter),
            TabId::Incidents => Some(&mut self.incidents.filter),
            TabId::Slots | TabId::Budget => None,
        }
    }

    pub fn loaded(&self, tab: TabId) -> bool {
        match tab {
            TabId::Outcomes => self.outcomes.loaded,
            TabId::Leaderboards => self.leaderboards.loaded,
            TabId::Weights => self.weights.loaded,
            TabId::Slots => self.slots.loaded,
            TabId::Safety => self.safety.loaded,
            TabId::Replies => self.replies.loaded,
            TabId::Budget => self.budget.loaded,
            TabId::Jobs => self.jobs.loaded,
            TabId::Incidents => self.incidents.loaded,
        }
    }
}

/// Does `needle` (lowercase) occur in any of the fields? Client-side filters are for the tabs
/// whose rows are few; the Outcomes tab filters in the database.
pub fn matches(needle: &str, fields: &[Option<&str>]) -> bool {
    if needle.is_empty() {
        return true;
    }
    let needle = needle.to_lowercase();
    fields
        .iter()
        .flatten()
        .any(|f| f.to_lowercase().contains(&needle))
}

/// "3 min ago"-style age for tables.
pub fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds();
    match secs {
        s if s < 0 => "soon".into(),
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        3600..=172_799 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_number_and_cycle() {
        assert_eq!(TabId::from_number(5), Some(TabId::Safety));
        assert_eq!(TabId::from_number(0), None);
        assert_eq!(TabId::Incidents.next(), TabId::Outcomes);
        assert_eq!(TabId::Outcomes.prev(), TabId::Incidents);
        assert_eq!(TabId::from_name("saf"), Some(TabId::Safety));
        assert_eq!(TabId::from_name(""), None);
    }

    #[test]
    fn filters_match_case_insensitively() {
        assert!(matches("coach", &[Some("Coach"), None]));
        assert!(!matches("zzz", &[Some("coach")]));
        assert!(matches("", &[]));
    }
}
