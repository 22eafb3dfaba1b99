//! The root's actions: what a key does in normal mode when it is global (tabs, modes, the
//! command line, refresh, pause, themes, messages, quit), and the routing of everything else
//! to the tab that owns it. Read-only mode is enforced here, so no key can bypass it.

use super::command::{self, Command};
use super::dialog::{OnConfirm, ask};
use super::keymap::Action;
use super::msg::{Effect, Query};
use super::state::{Mode, State};
use super::tabs::{self, TabId};

/// The query that loads a tab.
pub fn tab_query(s: &State, tab: TabId) -> Query {
    tabs::module(tab).query(s)
}

/// Reload the visible tab (and the header) now.
pub fn refresh(s: &mut State) -> Vec<Effect> {
    s.loads.last_tab_refresh_at = Some(s.now);
    s.loads.last_status_at = Some(s.now);
    let q = tab_query(s, s.tab);
    vec![s.load(Query::Status), s.load(q)]
}

/// Confirmed: leave although a job runs here (it is cancelled).
#[derive(Debug)]
struct QuitNow;

impl OnConfirm for QuitNow {
    fn confirmed(self: Box<Self>, s: &mut State) -> Vec<Effect> {
        s.quit = true;
        vec![Effect::Quit]
    }
}

/// Handle a key's action in normal mode.
pub fn on_action(s: &mut State, action: Action) -> Vec<Effect> {
    if action.writes() && s.refuse_if_read_only(action.describe()) {
        return Vec::new();
    }
    s.dirty = true;
    // A tab's own action goes to its tab.
    if let Some(owner) = action.owner() {
        return tabs::module(owner).update(s, action);
    }
    match action {
        Action::Quit => {
            if s.jobs_here.is_empty() {
                s.quit = true;
                vec![Effect::Quit]
            } else {
                let jobs: Vec<String> = s.jobs_here.keys().cloned().collect();
                ask(
                    s,
                    "Quit",
                    vec![
                        format!("{} is running in this console.", jobs.join(", ")),
                        "Quitting cancels it (nothing half-published). Quit?".into(),
                    ],
                    Box::new(QuitNow),
                );
                Vec::new()
            }
        }
        Action::Help => {
            s.mode = Mode::Help { scroll: 0 };
            Vec::new()
        }
        Action::NextTab => s.show_tab(s.tab.next()),
        Action::PrevTab => s.show_tab(s.tab.prev()),
        Action::GoTab(n) => match TabId::from_key(n) {
            Some(tab) => s.show_tab(tab),
            None => Vec::new(),
        },
        Action::Back => {
            if s.flash.as_ref().is_some_and(|f| f.error) {
                s.flash = None;
            } else {
                tabs::module(s.tab).back(s);
            }
            Vec::new()
        }
        Action::Filter => {
            if s.tab.filterable() {
                s.mode = Mode::Filter {
                    input: s.tabs.filter(s.tab).to_string(),
                };
            } else {
                s.info(format!("{} has nothing to filter", s.tab.title()));
            }
            Vec::new()
        }
        Action::Command => {
            s.mode = Mode::Command {
                input: String::new(),
                cycle: None,
            };
            Vec::new()
        }
        Action::Refresh => {
            s.info("refreshing");
            refresh(s)
        }
        Action::Pause => {
            s.paused = !s.paused;
            if s.paused {
                s.info("paused: refreshing stopped (p resumes)");
                Vec::new()
            } else {
                s.info("resumed");
                refresh(s)
            }
        }
        Action::SortNext | Action::SortReverse => {
            match tabs::module(s.tab).sort(s, action == Action::SortReverse) {
                Some(effects) => effects,
                None => {
                    s.info(format!("{} has no sortable table", s.tab.title()));
                    Vec::new()
                }
            }
        }
        Action::RawJson => {
            match tabs::module(s.tab).raw_json(s) {
                Some(v) => {
                    let text = serde_json::to_string_pretty(&v).unwrap_or_default();
                    s.mode = Mode::View {
                        title: "Raw JSON".into(),
                        lines: text.lines().map(crate::text::inert).collect(),
                        scroll: 0,
                    };
                }
                None => s.info("nothing selected"),
            }
            Vec::new()
        }
        Action::NextTheme => {
            let next = super::theme::Theme::next_built_in(&s.theme.name);
            set_theme(s, next);
            Vec::new()
        }
        Action::Suspend => vec![Effect::Suspend],
        Action::Redraw => vec![Effect::Redraw],
        Action::Messages => {
            messages(s);
            Vec::new()
        }
        Action::Copy => super::clipboard::copy(s),
        // Moves, open, left/right: the current tab's.
        other => tabs::module(s.tab).update(s, other),
    }
}

/// `!`: this session's messages in full, newest first.
fn messages(s: &mut State) {
    let mut lines: Vec<String> = s
        .messages
        .iter()
        .rev()
        .map(|m| {
            format!(
                "{} {} {}",
                m.at.with_timezone(&s.setup.tz).format("%H:%M:%S"),
                if m.error { "error" } else { "info " },
                crate::text::inert(&m.text)
            )
        })
        .collect();
    if lines.is_empty() {
        lines.push("No messages yet in this session.".into());
    }
    s.mode = Mode::View {
        title: "Messages, newest first".into(),
        lines,
        scroll: 0,
    };
    s.dirty = true;
}

/// The built-in themes and the current one (for `:theme` and its completion).
pub fn theme_names(s: &State) -> Vec<String> {
    let mut names: Vec<String> = super::theme::BUILT_IN
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    if !names.contains(&s.theme.name) {
        names.push(s.theme.name.clone());
    }
    names
}

/// Set the current tab's `/` filter.
pub fn set_filter(s: &mut State, input: String) -> Vec<Effect> {
    let tab = s.tab;
    let Some(filter) = s.tabs.filter_mut(tab) else {
        return Vec::new();
    };
    *filter = input.trim().to_string();
    tabs::module(tab).filter_changed(s)
}

/// Run a `:` command line.
pub fn run_command(s: &mut State, line: &str) -> Vec<Effect> {
    match command::parse(line, &theme_names(s)) {
        Err(e) => {
            s.error(e);
            Vec::new()
        }
        Ok(Command::Quit) => on_action(s, Action::Quit),
        Ok(Command::Help) => on_action(s, Action::Help),
        Ok(Command::Tab(tab)) => on_action(s, Action::GoTab(tab.number())),
        Ok(Command::Refresh) => on_action(s, Action::Refresh),
        Ok(Command::Pause) => {
            s.paused = true;
            s.info("paused: refreshing stopped (p resumes)");
            Vec::new()
        }
        Ok(Command::Resume) => {
            s.paused = false;
            s.info("resumed");
            refresh(s)
        }
        Ok(Command::Theme(name)) => {
            set_theme(s, &name);
            Vec::new()
        }
        Ok(Command::Lambda(l)) => {
            tabs::leaderboards::set_lambda(s, l);
            s.tab = TabId::Leaderboards;
            refresh(s)
        }
        Ok(Command::Filter(f)) => set_filter(s, f),
        Ok(Command::Run(job)) => {
            if s.refuse_if_read_only("run") {
                return Vec::new();
            }
            tabs::jobs::ask_run(s, &job, None)
        }
        Ok(Command::Cancel(job)) => {
            if s.refuse_if_read_only("cancel") {
                return Vec::new();
            }
            tabs::jobs::ask_cancel(s, &job)
        }
        Ok(Command::Enable(job)) | Ok(Command::Disable(job))
            if s.refuse_if_read_only("enable/disable") =>
        {
            let _ = job;
            Vec::new()
        }
        Ok(Command::Enable(job)) => tabs::jobs::ask_toggle(s, job, true),
        Ok(Command::Disable(job)) => tabs::jobs::ask_toggle(s, job, false),
    }
}

fn set_theme(s: &mut State, name: &str) {
    match super::theme::Theme::load(name, &s.setup.user_theme_dir, s.setup.truecolor) {
        Ok(t) => {
            s.theme = t;
            s.info(format!("theme {name}"));
        }
        Err(e) => s.error(e.to_string()),
    }
}
