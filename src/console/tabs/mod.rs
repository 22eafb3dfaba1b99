//! The tabs. Each tab is a module that owns its part of the program: its view state and data
//! as loaded, the query it asks for, its key bindings and footer hints (as data the key map
//! reads), its `update` for the actions it handles (pure, returning effects), its detail and
//! raw-JSON views, and its drawing. The [`Tab`] trait is that contract; [`registry!`] below is
//! the one place a tab is registered (one line each), and generates [`TabId`], the [`Tabs`]
//! state and the dispatch from an id to its module.

pub mod budget;
pub mod incidents;
pub mod jobs;
pub mod leaderboards;
pub mod outcomes;
pub mod overview;
pub mod replies;
pub mod safety;
pub mod slots;
pub mod weights;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::keymap::{Action, Binding};
use super::msg::{Effect, Loaded, Query, TabData};
use super::state::{Setup, State};
use crate::store::{Store, StoreError};

pub use budget::BudgetView;
pub use incidents::IncidentsView;
pub use jobs::JobsView;
pub use leaderboards::LeaderboardsView;
pub use outcomes::{OUTCOMES_PAGE, OutcomesView};
pub use overview::OverviewView;
pub use replies::RepliesView;
pub use safety::SafetyView;
pub use slots::SlotsView;
pub use weights::{Version, WeightsView};

/// What a tab module provides. Every method has the state it needs passed in; none waits on
/// anything. The root `update` calls these for the current tab (or for the tab that owns an
/// action, a load or a dialog).
pub trait Tab: Sync {
    /// This tab's own key bindings, with their footer hints (the key map reads them).
    fn keys(&self) -> &'static [Binding] {
        &[]
    }
    /// Whether the tab's go-to key gives way where another tab binds the same key itself.
    fn key_yields(&self) -> bool {
        false
    }
    /// The query that loads the tab.
    fn query(&self, s: &State) -> Query;
    /// Answer [`Query::Tab`] for this tab (tabs that load through their own typed query need
    /// not implement this).
    fn load<'a>(
        &self,
        _store: &'a dyn Store,
        _setup: &'a Setup,
        _now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Box<dyn TabData>, StoreError>> {
        Box::pin(async { Err(StoreError::Query("this tab has no generic load".into())) })
    }
    /// Put loaded data into the tab's state; true when something visible changed.
    fn apply(&self, s: &mut State, data: Loaded) -> bool;
    /// Whether the tab has loaded once.
    fn loaded(&self, tabs: &Tabs) -> bool;
    /// An action the root leaves to the tab (moves, open, left/right, the tab's own keys).
    fn update(&self, _s: &mut State, _action: Action) -> Vec<Effect> {
        Vec::new()
    }
    /// `s`/`S`; `None` when the tab has no sortable table.
    fn sort(&self, _s: &mut State, _reverse: bool) -> Option<Vec<Effect>> {
        None
    }
    /// Whether `s`/`S` sort something here (the footer offers them only then).
    fn sortable(&self) -> bool {
        false
    }
    /// Esc with nothing else to close.
    fn back(&self, _s: &mut State) {}
    /// The `/` filter, for tabs that have one.
    fn filter<'a>(&self, _tabs: &'a Tabs) -> Option<&'a str> {
        None
    }
    fn filter_mut<'a>(&self, _tabs: &'a mut Tabs) -> Option<&'a mut String> {
        None
    }
    /// The filter changed: reset the selection, reload if the filter runs in the database.
    fn filter_changed(&self, _s: &mut State) -> Vec<Effect> {
        Vec::new()
    }
    /// The selected row as JSON (`y`).
    fn raw_json(&self, _s: &State) -> Option<serde_json::Value> {
        None
    }
    /// Select the row with this id (a jump from the Overview); false if it is not there (yet).
    fn focus(&self, _s: &mut State, _id: &str) -> bool {
        false
    }
    fn draw(&self, f: &mut Frame, s: &State, area: Rect);
}

/// The registry: one line per tab (id, module, view state, title, key). Order is the tab bar's.
macro_rules! registry {
    ($($id:ident => $module:ident: $view:ident, $title:literal, $key:literal;)*) => {
        /// A tab, numbered as its key.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        pub enum TabId {
            $($id,)*
        }

        impl TabId {
            /// Every registered tab, in the tab bar's order.
            pub const REGISTERED: &'static [TabId] = &[$(TabId::$id,)*];

            pub fn title(self) -> &'static str {
                match self {
                    $(TabId::$id => $title,)*
                }
            }

            /// The tab's key (0–9).
            pub fn number(self) -> u8 {
                match self {
                    $(TabId::$id => $key,)*
                }
            }
        }

        /// Every tab's state.
        #[derive(Debug, Clone, Default)]
        pub struct Tabs {
            $(pub $module: $view,)*
        }

        /// The module of a tab.
        pub fn module(tab: TabId) -> &'static dyn Tab {
            match tab {
                $(TabId::$id => &$module::Module,)*
            }
        }
    };
}

registry! {
    Overview => overview: OverviewView, "Overview", 0;
    Outcomes => outcomes: OutcomesView, "Outcomes", 1;
    Leaderboards => leaderboards: LeaderboardsView, "Leaderboards", 2;
    Weights => weights: WeightsView, "Weights", 3;
    Slots => slots: SlotsView, "Slots", 4;
    Safety => safety: SafetyView, "Safety", 5;
    Replies => replies: RepliesView, "Replies", 6;
    Budget => budget: BudgetView, "Budget", 7;
    Jobs => jobs: JobsView, "Jobs", 8;
    Incidents => incidents: IncidentsView, "Incidents", 9;
}

impl TabId {
    /// The numbered tabs 1–9, the ring that tab and shift+tab cycle through. The Overview
    /// (key 0) is the home screen outside the ring.
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

    /// The numbered tab of a key 1–9.
    pub fn from_number(n: u8) -> Option<TabId> {
        TabId::ALL.get(usize::from(n).checked_sub(1)?).copied()
    }

    /// The registered tab of a key 0–9.
    pub fn from_key(n: u8) -> Option<TabId> {
        TabId::REGISTERED.iter().find(|t| t.number() == n).copied()
    }

    /// The tab named in `:` command mode (case-insensitive, prefixes allowed; the numbered
    /// tabs first, so `:o` is still Outcomes).
    pub fn from_name(name: &str) -> Option<TabId> {
        let name = name.to_ascii_lowercase();
        if name.is_empty() {
            return None;
        }
        TabId::ALL
            .iter()
            .chain(TabId::REGISTERED)
            .copied()
            .find(|t| t.title().to_ascii_lowercase().starts_with(&name))
    }

    pub fn next(self) -> TabId {
        TabId::from_number(self.number() % 9 + 1).unwrap_or(TabId::Outcomes)
    }

    pub fn prev(self) -> TabId {
        let n = self.number().max(1);
        TabId::from_number((n + 7) % 9 + 1).unwrap_or(TabId::Outcomes)
    }

    /// Whether `/` filtering means something here.
    pub fn filterable(self) -> bool {
        module(self).filter(&Tabs::default()).is_some()
    }
}

impl Tabs {
    /// The `/` filter of a tab.
    pub fn filter(&self, tab: TabId) -> &str {
        module(tab).filter(self).unwrap_or("")
    }

    pub fn filter_mut(&mut self, tab: TabId) -> Option<&mut String> {
        module(tab).filter_mut(self)
    }

    pub fn loaded(&self, tab: TabId) -> bool {
        module(tab).loaded(self)
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

/// `s` (next column) or `S` (reverse) on a client-side sort.
pub fn sort_client_side(sort: &mut SortState, columns: usize, reverse: bool) {
    if reverse {
        sort.desc = !sort.desc;
    } else {
        sort.next(columns);
    }
}

/// Move a selection within `len` rows.
pub fn moved(sel: usize, len: usize, action: Action, page: usize) -> usize {
    let last = len.saturating_sub(1);
    match action {
        Action::Up => sel.saturating_sub(1),
        Action::Down => (sel + 1).min(last),
        Action::PageUp => sel.saturating_sub(page),
        Action::PageDown => (sel + page).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => sel,
    }
}

/// Is this one of the selection moves (up, down, page, top, bottom)?
pub fn is_move(action: Action) -> bool {
    matches!(
        action,
        Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
    )
}

/// The selection after a reload follows the item, not the row: the new position of the row
/// whose key was selected before (`keys` in the order drawn), else the old position, clamped.
pub fn follow<K: PartialEq>(
    before: Option<&K>,
    keys: impl IntoIterator<Item = K>,
    old: usize,
) -> usize {
    let keys: Vec<K> = keys.into_iter().collect();
    before
        .and_then(|b| keys.iter().position(|k| k == b))
        .unwrap_or_else(|| old.min(keys.len().saturating_sub(1)))
}

/// Put `new` in `slot`; true when it differs (so an idle refresh draws nothing).
pub fn replace<T: PartialEq>(slot: &mut T, new: T) -> bool {
    if *slot == new {
        false
    } else {
        *slot = new;
        true
    }
}

/// Pretty JSON of a value, if it serialises.
pub fn json<T: serde::Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
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
