//! The console's whole state. Only `update` changes it; drawing only reads it.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use super::dialog::{Confirm, Editor, Prompt};
use super::keymap::KeyMap;
use super::msg::{Effect, LoadSlot, Query, Status};
use super::tabs::{self, TabId, Tabs};
use super::theme::Theme;
use crate::jobs::JobProgress;

/// What the console was started with (fixed for the session).
#[derive(Debug, Clone)]
pub struct Setup {
    pub backend: &'static str,
    /// The database, password masked.
    pub target: String,
    pub tz: Tz,
    pub read_only: bool,
    pub demo: bool,
    pub refresh: Duration,
    pub daily_limit_usd: f64,
    pub expert_daily_cap: u32,
    pub ascii: bool,
    pub user_theme_dir: std::path::PathBuf,
    pub truecolor: bool,
    /// The configured weekly slot calendar, Monday first.
    pub slots: [[String; 2]; 7],
    pub ai_configured: bool,
    /// The config's per-job overrides (for the Jobs tab's effective schedule).
    pub job_overrides: std::collections::BTreeMap<String, crate::jobs::catalog::JobOverride>,
    /// `[console] bell`: ring the terminal bell on a new incident or pending review.
    pub bell: bool,
}

/// The database connection as the console sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Conn {
    Connecting,
    Connected,
    Disconnected {
        since: DateTime<Utc>,
        error: String,
        /// When the next attempt is due (backoff).
        retry_at: DateTime<Utc>,
        attempts: u32,
    },
}

/// A message at the bottom: info fades, errors stay until dismissed.
#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub at: DateTime<Utc>,
}

/// How long an info flash stays.
pub const FLASH_SECS: i64 = 5;
/// A flash younger than this is not replaced by news (see `State::notice`).
pub const NOTICE_DEFER_MS: i64 = 2_000;
/// Flashes kept for the messages view (`!`).
pub const MAX_MESSAGES: usize = 200;

/// A run this console started.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalRun {
    pub progress: JobProgress,
    pub started: DateTime<Utc>,
    pub cancelling: bool,
}

/// An entry of the operator's audit pane (this session's actions and their outcomes).
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub at: DateTime<Utc>,
    pub text: String,
    pub ok: bool,
}

/// What the screen is doing.
#[derive(Debug, Default)]
pub enum Mode {
    #[default]
    Normal,
    /// Typing a `/` filter.
    Filter {
        input: String,
    },
    /// Typing a `:` command.
    Command {
        input: String,
        cycle: Option<(Vec<String>, usize)>,
    },
    Help {
        scroll: u16,
    },
    /// A text view (details, raw JSON).
    View {
        title: String,
        lines: Vec<String>,
        scroll: u16,
    },
    Confirm(Confirm),
    Prompt(Prompt),
    Editor(Box<Editor>),
}

/// Ids already seen in the header's status, to notice new ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Known {
    pub incidents: std::collections::BTreeSet<i64>,
    pub pending: std::collections::BTreeSet<i64>,
}

/// Load bookkeeping: the newest request per slot, and when each tab last loaded.
#[derive(Debug, Clone, Default)]
pub struct Loads {
    pub next_req: u64,
    pub inflight: HashMap<LoadSlot, u64>,
    /// Which request id belongs to which slot (to route answers).
    pub slot_of: HashMap<u64, LoadSlot>,
    pub updated: HashMap<LoadSlot, DateTime<Utc>>,
    /// When each slot's current request was asked for (a load that hangs puts the
    /// connection in doubt).
    pub asked: HashMap<LoadSlot, DateTime<Utc>>,
    /// Slots whose load in flight may predate a change notified since: loaded again once it
    /// answers (the header is not polled, so a change must not fall between two reads).
    pub again: std::collections::HashSet<LoadSlot>,
    pub last_status_at: Option<DateTime<Utc>>,
    pub last_tab_refresh_at: Option<DateTime<Utc>>,
}

/// The console state.
#[derive(Debug)]
pub struct State {
    pub setup: Setup,
    /// Who acts from this console (audited with every decision).
    pub operator: crate::identity::Operator,
    pub keymap: KeyMap,
    pub theme: Theme,
    pub tab: TabId,
    pub mode: Mode,
    pub now: DateTime<Utc>,
    pub size: (u16, u16),
    pub conn: Conn,
    /// The change feed: `None` until it first listens, then whether it listens now. While it
    /// does not, changes are not notified and the header is read with every tab refresh.
    pub feed: Option<bool>,
    pub status: Option<Status>,
    pub paused: bool,
    pub flash: Option<Flash>,
    pub tabs: Tabs,
    /// The tabs in the tab bar, in order (every registered tab).
    pub bar: Vec<TabId>,
    /// A row to select once its tab has loaded: (tab, row id), set by a jump from the Overview.
    pub focus: Option<(TabId, String)>,
    pub loads: Loads,
    pub jobs_here: BTreeMap<String, LocalRun>,
    pub activity: Vec<Activity>,
    /// Every flash of this session, newest last (`!` shows them in full).
    pub messages: Vec<Flash>,
    /// The open incidents and pending reviews the operator has been told of (`None` until the
    /// first status: what is there at start-up is not news).
    pub known: Option<Known>,
    /// Tabs with news the operator has not looked at (marked in the tab bar until shown).
    pub news: std::collections::BTreeSet<TabId>,
    /// The last copy (`c`): tab, the row's first choice, which choice, when; a second `c` on
    /// the same row soon after copies the next choice.
    pub copied: Option<(TabId, String, usize, DateTime<Utc>)>,
    pub quit: bool,
    /// Something visible changed: draw.
    pub dirty: bool,
}

impl State {
    pub fn new(
        setup: Setup,
        operator: crate::identity::Operator,
        keymap: KeyMap,
        theme: Theme,
        now: DateTime<Utc>,
    ) -> State {
        State {
            setup,
            operator,
            keymap,
            theme,
            // The landing screen: what is wrong first.
            tab: TabId::Overview,
            mode: Mode::Normal,
            now,
            size: (80, 24),
            conn: Conn::Connecting,
            feed: None,
            status: None,
            paused: false,
            flash: None,
            tabs: Tabs::default(),
            bar: TabId::REGISTERED.to_vec(),
            focus: None,
            loads: Loads::default(),
            jobs_here: BTreeMap::new(),
            activity: Vec::new(),
            messages: Vec::new(),
            copied: None,
            known: None,
            news: Default::default(),
            quit: false,
            dirty: true,
        }
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.flash_message(text.into(), false);
    }

    /// News that nobody asked for (a new incident elsewhere): flashed unless a flash from the
    /// last couple of seconds is still being read (the outcome of the operator's own key), in
    /// which case it only goes to the messages view (`!`); the tab mark stays either way.
    pub fn notice(&mut self, text: impl Into<String>) {
        let fresh = self
            .flash
            .as_ref()
            .is_some_and(|f| (self.now - f.at).num_milliseconds() < NOTICE_DEFER_MS);
        if !fresh {
            return self.info(text);
        }
        self.messages.push(Flash {
            text: text.into(),
            error: false,
            at: self.now,
        });
        if self.messages.len() > MAX_MESSAGES {
            self.messages.remove(0);
        }
        self.dirty = true;
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.flash_message(text.into(), true);
    }

    fn flash_message(&mut self, text: String, error: bool) {
        let flash = Flash {
            text,
            error,
            at: self.now,
        };
        self.messages.push(flash.clone());
        if self.messages.len() > MAX_MESSAGES {
            self.messages.remove(0);
        }
        self.flash = Some(flash);
        self.dirty = true;
    }

    /// Record an action's outcome in the audit pane (and flash it).
    pub fn record(&mut self, text: impl Into<String>, ok: bool) {
        let text = text.into();
        self.activity.push(Activity {
            at: self.now,
            text: text.clone(),
            ok,
        });
        if self.activity.len() > 200 {
            self.activity.remove(0);
        }
        if ok {
            self.info(text);
        } else {
            self.error(text);
        }
    }

    /// The freshness text of the header: "updated <10 s ago" while fresh (so an idle refresh
    /// changes nothing on screen), the exact age once stale.
    pub fn freshness_label(&self) -> String {
        let s = self;
        let slot = LoadSlot::Tab(s.tab);
        let Some(at) = s.loads.updated.get(&slot) else {
            return "loading…".into();
        };
        let age = (s.now - *at).num_seconds().max(0);
        // Refreshes land on one-second ticks and take a moment: between two of them a tab's data
        // ages up to the interval plus a tick plus the load. Fresh within twice the interval, and
        // never less than the interval plus two seconds, so that the label does not flicker with
        // a short interval.
        let refresh = s.setup.refresh.as_secs_f64();
        let fresh_within = (2.0 * refresh).max(refresh + 2.0).ceil() as i64;
        if age < fresh_within && !s.paused {
            format!("updated <{fresh_within} s ago")
        } else if age < 120 {
            format!("updated {age} s ago")
        } else {
            format!("updated {} min ago", age / 60)
        }
    }

    /// Start a load in its slot: a newer request supersedes an older one, whose answer is then
    /// dropped.
    pub fn load(&mut self, query: Query) -> Effect {
        self.loads.next_req += 1;
        let req = self.loads.next_req;
        let slot = query.slot();
        if let Some(old) = self.loads.inflight.insert(slot, req) {
            self.loads.slot_of.remove(&old);
        }
        self.loads.slot_of.insert(req, slot);
        self.loads.asked.insert(slot, self.now);
        self.loads.again.remove(&slot);
        Effect::Load { req, query }
    }

    /// Forget a load that was asked for but never sent (it was wanted while the store was
    /// still opening, for a tab no longer shown): its slot is free to load again.
    pub fn forget(&mut self, req: u64) {
        if let Some(slot) = self.loads.slot_of.remove(&req)
            && self.loads.inflight.get(&slot) == Some(&req)
        {
            self.loads.inflight.remove(&slot);
            self.loads.asked.remove(&slot);
            self.loads.again.remove(&slot);
        }
    }

    /// Whether `req` is still its slot's current request.
    pub fn is_current(&self, req: u64) -> bool {
        self.loads
            .slot_of
            .get(&req)
            .is_some_and(|slot| self.loads.inflight.get(slot) == Some(&req))
    }

    /// Run a job in this console (unless it already runs here).
    pub fn start_job(&mut self, job: &str) -> Vec<Effect> {
        if self.jobs_here.contains_key(job) {
            self.info(format!("{job} is already running here"));
            return Vec::new();
        }
        self.jobs_here.insert(
            job.to_string(),
            LocalRun {
                progress: Default::default(),
                started: self.now,
                cancelling: false,
            },
        );
        self.info(format!("{job} started"));
        vec![Effect::RunJob {
            job: job.to_string(),
        }]
    }

    /// Show a tab; load it unless its data is fresh or already on the way.
    pub fn show_tab(&mut self, tab: TabId) -> Vec<Effect> {
        if self.tab == tab {
            return Vec::new();
        }
        self.tab = tab;
        self.news.remove(&tab);
        let fresh = self
            .loads
            .updated
            .get(&LoadSlot::Tab(tab))
            .is_some_and(|t| (self.now - *t).to_std().unwrap_or_default() < self.setup.refresh);
        if fresh || self.loads.inflight.contains_key(&LoadSlot::Tab(tab)) {
            return Vec::new();
        }
        self.loads.last_tab_refresh_at = Some(self.now);
        let q = tabs::module(tab).query(self);
        vec![self.load(q)]
    }

    /// Show a tab with one of its rows selected (now if loaded, else once it has loaded).
    pub fn jump(&mut self, tab: TabId, row: Option<String>) -> Vec<Effect> {
        let effects = self.show_tab(tab);
        self.focus = None;
        if let Some(id) = row
            && !(self.tabs.loaded(tab) && tabs::module(tab).focus(self, &id))
        {
            self.focus = Some((tab, id));
        }
        effects
    }

    /// In read-only mode: say that `what` is refused, and return true.
    pub fn refuse_if_read_only(&mut self, what: &str) -> bool {
        if self.setup.read_only {
            self.error(format!(
                "read-only mode: {what} is refused (started with --read-only)"
            ));
            true
        } else {
            false
        }
    }

    /// Keep a tab out of the tab bar (it is still reachable by its key and by name).
    pub fn hide_tab(&mut self, tab: TabId) {
        self.bar.retain(|t| *t != tab);
    }

    /// Rows a table gets on this screen (for page moves).
    pub fn page_rows(&self) -> usize {
        usize::from(self.size.1.saturating_sub(12)).max(3)
    }
}
