//! The console's whole state. Only `update` changes it; drawing only reads it.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tui_textarea::TextArea;

use super::keymap::KeyMap;
use super::msg::{LoadSlot, Status};
use super::tabs::{TabId, Tabs};
use super::theme::Theme;
use crate::jobs::JobProgress;
use crate::learning::replies::OperatorOverride;
use crate::store::ops::reviews::DecisionRequest;

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

/// An action waiting for `y`.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Decide(DecisionRequest),
    Bulk(Vec<DecisionRequest>),
    CancelJob {
        job: String,
        here: bool,
    },
    ToggleJob {
        job: String,
        enabled: bool,
    },
    SetOverride {
        username: String,
        to: OperatorOverride,
    },
    Quit,
}

/// A yes/no question. With `typed`, the operator must type the word instead of pressing y.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub pending: Pending,
    pub typed: Option<(String, String)>,
}

/// What a one-line prompt is for.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptFor {
    RejectReason { review_id: i64, version: i64 },
    BulkRejectReason { items: Vec<(i64, i64)> },
    OriginalNote { review_id: i64, version: i64 },
    RewriteNote { review_id: i64, version: i64 },
}

/// A one-line text prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub title: String,
    pub input: String,
    pub purpose: PromptFor,
}

/// The editor for "approve edited".
pub struct Editor {
    pub review_id: i64,
    pub version: i64,
    pub area: TextArea<'static>,
    /// What the rule screen says about the current text (re-run on every change).
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for Editor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Editor")
            .field("review_id", &self.review_id)
            .field("text", &self.area.lines().join("\n"))
            .finish()
    }
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

/// Load bookkeeping: the newest request per slot, and when each tab last loaded.
#[derive(Debug, Clone, Default)]
pub struct Loads {
    pub next_req: u64,
    pub inflight: HashMap<LoadSlot, u64>,
    /// Which request id belongs to which slot (to route answers).
    pub slot_of: HashMap<u64, LoadSlot>,
    pub updated: HashMap<LoadSlot, DateTime<Utc>>,
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
    pub status: Option<Status>,
    pub paused: bool,
    pub flash: Option<Flash>,
    pub tabs: Tabs,
    pub loads: Loads,
    pub jobs_here: BTreeMap<String, LocalRun>,
    pub activity: Vec<Activity>,
    /// Every flash of this session, newest last (`!` shows them in full).
    pub messages: Vec<Flash>,
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
            tab: TabId::Outcomes,
            mode: Mode::Normal,
            now,
            size: (80, 24),
            conn: Conn::Connecting,
            status: None,
            paused: false,
            flash: None,
            tabs: Tabs::default(),
            loads: Loads::default(),
            jobs_here: BTreeMap::new(),
            activity: Vec::new(),
            messages: Vec::new(),
            quit: false,
            dirty: true,
        }
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.flash_message(text.into(), false);
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

    /// Rows a table gets on this screen (for page moves).
    pub fn page_rows(&self) -> usize {
        usize::from(self.size.1.saturating_sub(12)).max(3)
    }
}
