//! `update`: the one place the console's state changes. It takes a message (a key, a tick, a
//! result) and returns effects for the executor; it never waits on anything. Read-only mode and
//! confirmations are enforced here, so no key can bypass them.

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};

use super::command::{self, Command};
use super::keymap::{Action, Key};
use super::msg::{ActionResult, Effect, LoadError, LoadSlot, Loaded, Msg, Query};
use super::state::{
    Confirm, Conn, Editor, FLASH_SECS, LocalRun, Mode, Pending, Prompt, PromptFor, State,
};
use super::tabs::{self, OUTCOMES_PAGE, TabId, Version};
use crate::ai::guard::rules;
use crate::jobs::runner::RunReport;
use crate::learning::dimension::Dimension;
use crate::learning::replies::OperatorOverride;
use crate::store::ops::facts::{FactFilter, FactQuery, FactSort, cursor_of};
use crate::store::ops::jobs::RunStatus;
use crate::store::ops::reviews::{DecisionOutcome, DecisionRequest, MAX_POST_CHARS, Verdict};

/// How often the header's status (and the connection) is checked.
pub const STATUS_EVERY_SECS: i64 = 2;
/// How early a refresh may run on the clock's tick (ticks are about a second apart).
const TICK_SLACK: std::time::Duration = std::time::Duration::from_millis(250);
/// Longest wait between reconnection attempts.
pub const MAX_BACKOFF_SECS: i64 = 3;

/// Apply one message.
pub fn update(s: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(ev) => on_key(s, ev),
        Msg::Paste(text) => on_paste(s, &text),
        Msg::Mouse(ev) => on_mouse(s, ev),
        Msg::Resize(w, h) => {
            s.size = (w, h);
            s.dirty = true;
            Vec::new()
        }
        Msg::Tick(now) => on_tick(s, now),
        Msg::Loaded { req, result } => on_loaded(s, req, result),
        Msg::JobProgress { job, progress } => {
            if let Some(run) = s.jobs_here.get_mut(&job)
                && run.progress != progress
            {
                run.progress = progress;
                s.dirty = true;
            }
            Vec::new()
        }
        Msg::JobFinished { job, result } => on_job_finished(s, job, result),
        Msg::ActionDone { label, result } => on_action_done(s, label, result),
        Msg::Terminate(signal) => {
            s.quit = true;
            s.info(format!("{signal}: leaving"));
            vec![Effect::Quit]
        }
    }
}

/// Start a load in its slot: a newer request supersedes an older one, whose answer is then
/// dropped.
pub fn load(s: &mut State, query: Query) -> Effect {
    s.loads.next_req += 1;
    let req = s.loads.next_req;
    let slot = query.slot();
    if let Some(old) = s.loads.inflight.insert(slot, req) {
        s.loads.slot_of.remove(&old);
    }
    s.loads.slot_of.insert(req, slot);
    Effect::Load { req, query }
}

/// The query that loads the current tab.
pub fn tab_query(s: &State, tab: TabId) -> Query {
    match tab {
        TabId::Outcomes => Query::Outcomes(outcomes_query(
            s,
            s.tabs.outcomes.page_starts.last().cloned().flatten(),
        )),
        TabId::Leaderboards => Query::Leaderboard {
            dim: s.tabs.leaderboards.dim,
            lambda: s.tabs.leaderboards.lambda,
        },
        TabId::Weights => Query::Weights,
        TabId::Slots => Query::Slots,
        TabId::Safety => Query::Safety,
        TabId::Replies => Query::Replies,
        TabId::Budget => Query::Budget,
        TabId::Jobs => Query::Jobs,
        TabId::Incidents => Query::Incidents,
    }
}

fn outcomes_query(s: &State, after: Option<crate::store::ops::facts::FactCursor>) -> FactQuery {
    let o = &s.tabs.outcomes;
    FactQuery {
        filter: FactFilter::parse(&o.filter),
        sort: o.sort,
        descending: !o.reversed,
        after,
        limit: OUTCOMES_PAGE,
    }
}

/// Reload the visible tab (and the header) now.
pub fn refresh(s: &mut State) -> Vec<Effect> {
    s.loads.last_tab_refresh_at = Some(s.now);
    s.loads.last_status_at = Some(s.now);
    let q = tab_query(s, s.tab);
    vec![load(s, Query::Status), load(s, q)]
}

fn on_tick(s: &mut State, now: chrono::DateTime<chrono::Utc>) -> Vec<Effect> {
    let before = (s.now.format("%H:%M").to_string(), freshness_label(s));
    s.now = now;
    let mut effects = Vec::new();
    if let Some(f) = &s.flash
        && !f.error
        && (now - f.at).num_seconds() >= FLASH_SECS
    {
        s.flash = None;
        s.dirty = true;
    }
    if (s.now.format("%H:%M").to_string(), freshness_label(s)) != before {
        s.dirty = true;
    }
    match &s.conn {
        Conn::Disconnected { retry_at, .. } => {
            // Retry with backoff, whatever the pause says: the operator must see it come back.
            if now >= *retry_at && !s.loads.inflight.contains_key(&LoadSlot::Status) {
                s.loads.last_status_at = Some(now);
                effects.push(load(s, Query::Status));
            }
        }
        _ => {
            let status_due = s
                .loads
                .last_status_at
                .is_none_or(|t| (now - t).num_seconds() >= STATUS_EVERY_SECS);
            if status_due && !s.loads.inflight.contains_key(&LoadSlot::Status) {
                s.loads.last_status_at = Some(now);
                effects.push(load(s, Query::Status));
            }
            // Ticks come about a second apart, a little more or less: a refresh due within
            // the next quarter second is done on this tick, not a whole tick late.
            let refresh_due = s.loads.last_tab_refresh_at.is_none_or(|t| {
                (now - t).to_std().unwrap_or_default() + TICK_SLACK >= s.setup.refresh
            });
            let slot = LoadSlot::Tab(s.tab);
            // Single flight: a tab whose previous load has not answered is not asked again.
            if !s.paused && refresh_due && !s.loads.inflight.contains_key(&slot) {
                s.loads.last_tab_refresh_at = Some(now);
                let q = tab_query(s, s.tab);
                effects.push(load(s, q));
            }
        }
    }
    effects
}

/// The freshness text of the header: "updated <10 s ago" while fresh (so an idle refresh
/// changes nothing on screen), the exact age once stale.
pub fn freshness_label(s: &State) -> String {
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

fn on_loaded(s: &mut State, req: u64, result: Result<Box<Loaded>, LoadError>) -> Vec<Effect> {
    let Some(slot) = s.loads.slot_of.remove(&req) else {
        return Vec::new(); // superseded: a newer load owns the slot
    };
    if s.loads.inflight.get(&slot) == Some(&req) {
        s.loads.inflight.remove(&slot);
    } else {
        return Vec::new();
    }
    match result {
        Err(e) if e.unavailable => {
            let attempts = match &s.conn {
                Conn::Disconnected { attempts, .. } => attempts + 1,
                _ => 1,
            };
            let since = match &s.conn {
                Conn::Disconnected { since, .. } => *since,
                _ => s.now,
            };
            let backoff = (1i64 << attempts.min(4)).min(MAX_BACKOFF_SECS);
            s.conn = Conn::Disconnected {
                since,
                error: e.message,
                retry_at: s.now + Duration::seconds(backoff),
                attempts,
            };
            s.dirty = true;
            Vec::new()
        }
        Err(e) => {
            s.error(format!("load failed: {}", e.message));
            Vec::new()
        }
        Ok(data) => {
            let mut effects = Vec::new();
            if let Conn::Disconnected { since, .. } = &s.conn {
                let down = (s.now - *since).num_seconds();
                s.info(format!("reconnected after {down} s"));
                // Catch up on the visible tab at once.
                let q = tab_query(s, s.tab);
                effects.push(load(s, q));
            }
            if s.conn != Conn::Connected {
                s.conn = Conn::Connected;
                s.dirty = true;
            }
            s.loads.updated.insert(slot, s.now);
            apply(s, *data);
            effects
        }
    }
}

/// Put loaded data into the state; mark dirty only if something differs, so an idle refresh
/// draws nothing.
fn apply(s: &mut State, data: Loaded) {
    let t = &mut s.tabs;
    let changed = match data {
        Loaded::Status(st) => replace(&mut s.status, Some(st)),
        Loaded::Outcomes {
            health,
            rows,
            query,
        } => {
            let o = &mut t.outcomes;
            o.loaded = true;
            o.has_more = rows.len() as i64 >= query.limit;
            let c = replace(&mut o.health, Some(health)) | replace(&mut o.rows, rows);
            o.selected = o.selected.min(o.rows.len().saturating_sub(1));
            c
        }
        Loaded::Leaderboard {
            dim,
            decay,
            entries,
        } => {
            let l = &mut t.leaderboards;
            if dim != l.dim {
                return; // an answer for a dimension no longer shown
            }
            l.loaded = true;
            let c = replace(&mut l.decay, Some(decay)) | replace(&mut l.entries, entries);
            l.selected = l.selected.min(l.entries.len().saturating_sub(1));
            c
        }
        Loaded::Weights { history } => {
            let w = &mut t.weights;
            let was_newest = w.versions.is_empty() || w.selected + 1 >= w.versions.len();
            let same = w.versions.len() == history.len()
                && w.versions.iter().zip(&history).all(|(a, b)| a.record == *b);
            w.loaded = true;
            if same {
                false
            } else {
                w.versions = history
                    .into_iter()
                    .map(|record| Version {
                        map: crate::cli::weights::parse(&record).map_err(|e| e.to_string()),
                        record,
                    })
                    .collect();
                if was_newest || w.selected >= w.versions.len() {
                    w.selected = w.versions.len().saturating_sub(1);
                }
                if let Some(v) = &w.just_computed
                    && let Some(i) = w.versions.iter().position(|x| &x.record.version == v)
                {
                    w.selected = i;
                }
                true
            }
        }
        Loaded::Slots { counts, board } => {
            t.slots.loaded = true;
            replace(&mut t.slots.counts, counts) | replace(&mut t.slots.board, board)
        }
        Loaded::Safety { reviews, audit } => {
            let v = &mut t.safety;
            v.loaded = true;
            // Marks of items no longer pending are dropped.
            let pending: std::collections::BTreeSet<i64> = reviews
                .iter()
                .filter(|r| r.status == "pending")
                .map(|r| r.id)
                .collect();
            v.marked.retain(|id| pending.contains(id));
            let c = replace(&mut v.reviews, reviews) | replace(&mut v.audit, audit);
            v.selected = v.selected.min(v.reviews.len().saturating_sub(1));
            c
        }
        Loaded::Replies { accounts } => {
            t.replies.loaded = true;
            let c = replace(&mut t.replies.accounts, accounts);
            t.replies.selected = t
                .replies
                .selected
                .min(t.replies.accounts.len().saturating_sub(1));
            c
        }
        Loaded::AccountHistory { username, replies } => {
            replace(&mut t.replies.history, Some((username, replies)))
        }
        Loaded::Budget { report } => {
            t.budget.loaded = true;
            replace(&mut t.budget.report, Some(report))
        }
        Loaded::Jobs { overview, recent } => {
            t.jobs.loaded = true;
            let c = replace(&mut t.jobs.overview, overview) | replace(&mut t.jobs.recent, recent);
            t.jobs.selected = t.jobs.selected.min(t.jobs.overview.len().saturating_sub(1));
            c
        }
        Loaded::JobHistory { job, runs } => replace(&mut t.jobs.history, Some((job, runs))),
        Loaded::Incidents {
            incidents,
            events,
            audit,
        } => {
            let v = &mut t.incidents;
            v.loaded = true;
            let c = replace(&mut v.incidents, incidents)
                | replace(&mut v.events, events)
                | replace(&mut v.audit, audit);
            v.selected = v.selected.min(v.incidents.len().saturating_sub(1));
            c
        }
        Loaded::Detail { decision } => {
            let lines = match decision {
                Some(d) => super::tabs::outcomes::detail_lines(&d, s.now),
                None => vec!["This decision no longer exists.".to_string()],
            };
            s.mode = Mode::View {
                title: "Decision".into(),
                lines,
                scroll: 0,
            };
            true
        }
    };
    if changed {
        s.dirty = true;
    }
}

fn replace<T: PartialEq>(slot: &mut T, new: T) -> bool {
    if *slot == new {
        false
    } else {
        *slot = new;
        true
    }
}

fn on_job_finished(s: &mut State, job: String, result: Result<RunReport, String>) -> Vec<Effect> {
    s.jobs_here.remove(&job);
    s.dirty = true;
    match result {
        Ok(RunReport::Finished {
            status,
            summary,
            reason,
            run_id,
            ..
        }) => {
            let ok = matches!(status, RunStatus::Succeeded | RunStatus::Skipped);
            let what = match (&summary, &reason) {
                (Some(sm), _) => sm.message.clone(),
                (None, Some(r)) => r.clone(),
                _ => String::new(),
            };
            s.record(
                format!("{job} {} (run {run_id}): {what}", status.as_str()),
                ok,
            );
            if job == "offline_weight_map"
                && ok
                && let Some(sm) = &summary
                && let Some(v) = sm.details.get("version").and_then(|v| v.as_str())
            {
                s.tabs.weights.just_computed = Some(v.to_string());
                s.tabs.weights.show_diff = true;
            }
        }
        Ok(RunReport::Held {
            owner, started_at, ..
        }) => {
            let since = tabs::age(s.now, started_at);
            s.record(
                format!("{job} is already running: held by {owner} for {since}"),
                false,
            );
        }
        Err(e) => s.record(format!("{job} could not run: {e}"), false),
    }
    refresh(s)
}

fn on_action_done(
    s: &mut State,
    label: String,
    result: Result<ActionResult, String>,
) -> Vec<Effect> {
    match result {
        Ok(ActionResult::Decision(outcome)) => match outcome {
            DecisionOutcome::Applied { status, .. } => s.record(format!("{label}: {status}"), true),
            DecisionOutcome::LostRace { status, by, at } => {
                let who = by.unwrap_or_else(|| "someone".into());
                let when = at
                    .map(|t| format!(" {} ago", tabs::age(s.now, t)))
                    .unwrap_or_default();
                s.record(format!("{label}: already {status} by {who}{when}"), false);
            }
            DecisionOutcome::Repeated {
                first_outcome,
                to_state,
            } => s.record(
                format!(
                    "{label}: already done ({first_outcome}{})",
                    to_state.map(|t| format!(" → {t}")).unwrap_or_default()
                ),
                true,
            ),
            DecisionOutcome::Refused { reason } => {
                s.record(format!("{label}: refused: {reason}"), false)
            }
        },
        Ok(ActionResult::Bulk {
            applied,
            lost,
            refused,
        }) => {
            let ok = lost == 0 && refused == 0;
            s.record(
                format!("{label}: {applied} applied, {lost} already decided by others, {refused} refused"),
                ok,
            );
        }
        Ok(ActionResult::Done(text)) => s.record(format!("{label}: {text}"), true),
        Err(e) => s.record(format!("{label} failed: {e}"), false),
    }
    refresh(s)
}

fn on_paste(s: &mut State, text: &str) -> Vec<Effect> {
    match &mut s.mode {
        Mode::Editor(ed) => {
            ed.area.insert_str(crate::text::inert_multiline(text));
            rescreen(ed);
        }
        Mode::Filter { input } | Mode::Command { input, .. } => {
            input.push_str(&crate::text::inert(text))
        }
        Mode::Prompt(p) => p.input.push_str(&crate::text::inert(text)),
        Mode::Confirm(Confirm {
            typed: Some((_, typed)),
            ..
        }) => typed.push_str(&crate::text::inert(text)),
        _ => return Vec::new(),
    }
    s.dirty = true;
    Vec::new()
}

fn on_mouse(s: &mut State, ev: crossterm::event::MouseEvent) -> Vec<Effect> {
    if !matches!(s.mode, Mode::Normal) {
        return Vec::new();
    }
    match ev.kind {
        MouseEventKind::ScrollDown => on_action(s, Action::Down),
        MouseEventKind::ScrollUp => on_action(s, Action::Up),
        MouseEventKind::Down(_) if ev.row == 1 => {
            // The tab bar, laid out as it is drawn.
            let hit = super::draw::tab_layout(s, s.size.0)
                .into_iter()
                .find(|(_, x, w)| ev.column >= *x && ev.column < x + w);
            match hit {
                Some((tab, ..)) => on_action(s, Action::GoTab(tab.number())),
                None => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

fn on_key(s: &mut State, ev: KeyEvent) -> Vec<Effect> {
    if ev.kind == KeyEventKind::Release {
        return Vec::new();
    }
    // Ctrl-C always leaves the current mode, then the console.
    let ctrl_c = ev.modifiers.contains(KeyModifiers::CONTROL) && ev.code == KeyCode::Char('c');
    let mode = std::mem::take(&mut s.mode);
    let (mode, effects) = match mode {
        Mode::Normal => {
            if ctrl_c {
                (Mode::Normal, on_action(s, Action::Quit))
            } else {
                match Key::from_event(&ev).and_then(|k| s.keymap.action(s.tab, k)) {
                    Some(action) => (Mode::Normal, on_action(s, action)),
                    None => (Mode::Normal, Vec::new()),
                }
            }
        }
        Mode::Help { scroll } => match ev.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') => (Mode::Normal, Vec::new()),
            KeyCode::Down | KeyCode::Char('j') => (
                Mode::Help {
                    scroll: scroll.saturating_add(1),
                },
                Vec::new(),
            ),
            KeyCode::Up | KeyCode::Char('k') => (
                Mode::Help {
                    scroll: scroll.saturating_sub(1),
                },
                Vec::new(),
            ),
            _ if ctrl_c => (Mode::Normal, Vec::new()),
            _ => (Mode::Help { scroll }, Vec::new()),
        },
        Mode::View {
            title,
            lines,
            scroll,
        } => match ev.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => (Mode::Normal, Vec::new()),
            KeyCode::Down | KeyCode::Char('j') => {
                let max = view_rows(s, &lines);
                (
                    Mode::View {
                        title,
                        lines,
                        scroll: (scroll + 1).min(max),
                    },
                    Vec::new(),
                )
            }
            KeyCode::Up | KeyCode::Char('k') => (
                Mode::View {
                    title,
                    lines,
                    scroll: scroll.saturating_sub(1),
                },
                Vec::new(),
            ),
            KeyCode::PageDown => {
                let max = view_rows(s, &lines);
                let step = s.page_rows() as u16;
                (
                    Mode::View {
                        title,
                        lines,
                        scroll: (scroll + step).min(max),
                    },
                    Vec::new(),
                )
            }
            KeyCode::PageUp => {
                let step = s.page_rows() as u16;
                (
                    Mode::View {
                        title,
                        lines,
                        scroll: scroll.saturating_sub(step),
                    },
                    Vec::new(),
                )
            }
            KeyCode::End | KeyCode::Char('G') => {
                let scroll = view_rows(s, &lines);
                (
                    Mode::View {
                        title,
                        lines,
                        scroll,
                    },
                    Vec::new(),
                )
            }
            KeyCode::Home | KeyCode::Char('g') => (
                Mode::View {
                    title,
                    lines,
                    scroll: 0,
                },
                Vec::new(),
            ),
            _ if ctrl_c => (Mode::Normal, Vec::new()),
            _ => (
                Mode::View {
                    title,
                    lines,
                    scroll,
                },
                Vec::new(),
            ),
        },
        Mode::Filter { mut input } => match ev.code {
            KeyCode::Esc => (Mode::Normal, Vec::new()),
            _ if ctrl_c => (Mode::Normal, Vec::new()),
            KeyCode::Enter => {
                let effects = set_filter(s, input);
                (Mode::Normal, effects)
            }
            KeyCode::Backspace => {
                input.pop();
                (Mode::Filter { input }, Vec::new())
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                input.push(c);
                (Mode::Filter { input }, Vec::new())
            }
            _ => (Mode::Filter { input }, Vec::new()),
        },
        Mode::Command { mut input, cycle } => match ev.code {
            KeyCode::Esc => (Mode::Normal, Vec::new()),
            _ if ctrl_c => (Mode::Normal, Vec::new()),
            KeyCode::Enter => (Mode::Normal, run_command(s, &input)),
            KeyCode::Tab => {
                let (options, i) = match cycle {
                    Some((options, i)) => {
                        let i = (i + 1) % options.len().max(1);
                        (options, i)
                    }
                    None => (command::completions(&input, &theme_names(s)), 0),
                };
                match options.get(i) {
                    Some(choice) => {
                        input = choice.clone();
                        (
                            Mode::Command {
                                input,
                                cycle: Some((options, i)),
                            },
                            Vec::new(),
                        )
                    }
                    None => (Mode::Command { input, cycle: None }, Vec::new()),
                }
            }
            KeyCode::Backspace => {
                input.pop();
                (Mode::Command { input, cycle: None }, Vec::new())
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                input.push(c);
                (Mode::Command { input, cycle: None }, Vec::new())
            }
            _ => (Mode::Command { input, cycle }, Vec::new()),
        },
        Mode::Confirm(mut c) => match (&mut c.typed, ev.code) {
            (_, KeyCode::Esc) => {
                s.info("cancelled");
                (Mode::Normal, Vec::new())
            }
            _ if ctrl_c => (Mode::Normal, Vec::new()),
            (None, KeyCode::Char('y') | KeyCode::Char('Y')) => {
                (Mode::Normal, confirmed(s, c.pending))
            }
            (None, KeyCode::Char('n') | KeyCode::Char('N')) => {
                s.info("cancelled");
                (Mode::Normal, Vec::new())
            }
            (Some((word, typed)), KeyCode::Enter) => {
                if typed.trim() == word {
                    (Mode::Normal, confirmed(s, c.pending))
                } else {
                    s.error(format!("type {word:?} to confirm, or Esc to cancel"));
                    (Mode::Confirm(c), Vec::new())
                }
            }
            (Some((_, typed)), KeyCode::Backspace) => {
                typed.pop();
                (Mode::Confirm(c), Vec::new())
            }
            (Some((_, typed)), KeyCode::Char(ch)) => {
                typed.push(ch);
                (Mode::Confirm(c), Vec::new())
            }
            _ => (Mode::Confirm(c), Vec::new()),
        },
        Mode::Prompt(mut p) => match ev.code {
            KeyCode::Esc => {
                s.info("cancelled");
                (Mode::Normal, Vec::new())
            }
            _ if ctrl_c => (Mode::Normal, Vec::new()),
            KeyCode::Enter => prompt_submitted(s, p),
            KeyCode::Backspace => {
                p.input.pop();
                (Mode::Prompt(p), Vec::new())
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                p.input.push(c);
                (Mode::Prompt(p), Vec::new())
            }
            _ => (Mode::Prompt(p), Vec::new()),
        },
        Mode::Editor(mut ed) => {
            let submit =
                ev.modifiers.contains(KeyModifiers::CONTROL) && ev.code == KeyCode::Char('s');
            if ev.code == KeyCode::Esc || ctrl_c {
                s.info("edit discarded");
                (Mode::Normal, Vec::new())
            } else if submit {
                editor_submitted(s, ed)
            } else {
                ed.area.input(ev);
                rescreen(&mut ed);
                (Mode::Editor(ed), Vec::new())
            }
        }
    };
    // A confirm or prompt opened by the action above replaced Normal; keep the newest.
    if matches!(s.mode, Mode::Normal) {
        s.mode = mode;
    }
    s.dirty = true;
    effects
}

fn theme_names(s: &State) -> Vec<String> {
    let mut names: Vec<String> = super::theme::BUILT_IN
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    if !names.contains(&s.theme.name) {
        names.push(s.theme.name.clone());
    }
    names
}

fn set_filter(s: &mut State, input: String) -> Vec<Effect> {
    let tab = s.tab;
    let Some(filter) = s.tabs.filter_mut(tab) else {
        return Vec::new();
    };
    *filter = input.trim().to_string();
    match tab {
        TabId::Outcomes => {
            let o = &mut s.tabs.outcomes;
            o.page_starts = vec![None];
            o.selected = 0;
            let q = Query::Outcomes(outcomes_query(s, None));
            vec![load(s, q)]
        }
        TabId::Safety => {
            s.tabs.safety.selected = 0;
            Vec::new()
        }
        TabId::Replies => {
            s.tabs.replies.selected = 0;
            Vec::new()
        }
        TabId::Jobs => {
            s.tabs.jobs.selected = 0;
            Vec::new()
        }
        TabId::Incidents => {
            s.tabs.incidents.selected = 0;
            Vec::new()
        }
        TabId::Leaderboards => {
            s.tabs.leaderboards.selected = 0;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn run_command(s: &mut State, line: &str) -> Vec<Effect> {
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
            s.tabs.leaderboards.lambda = l;
            s.tab = TabId::Leaderboards;
            refresh(s)
        }
        Ok(Command::Filter(f)) => set_filter(s, f),
        Ok(Command::Run(job)) => {
            if refuse_if_read_only(s, "run") {
                return Vec::new();
            }
            start_job(s, &job)
        }
        Ok(Command::Cancel(job)) => {
            if refuse_if_read_only(s, "cancel") {
                return Vec::new();
            }
            ask_cancel(s, &job)
        }
        Ok(Command::Enable(job)) | Ok(Command::Disable(job))
            if refuse_if_read_only(s, "enable/disable") =>
        {
            let _ = job;
            Vec::new()
        }
        Ok(Command::Enable(job)) => ask(
            s,
            "Enable job",
            vec![format!("Enable {job}? The scheduler will run it again.")],
            Pending::ToggleJob { job, enabled: true },
        ),
        Ok(Command::Disable(job)) => ask(
            s,
            "Disable job",
            vec![format!(
                "Disable {job}? The scheduler stops running it until enabled."
            )],
            Pending::ToggleJob {
                job,
                enabled: false,
            },
        ),
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

fn refuse_if_read_only(s: &mut State, what: &str) -> bool {
    if s.setup.read_only {
        s.error(format!(
            "read-only mode: {what} is refused (started with --read-only)"
        ));
        true
    } else {
        false
    }
}

fn ask(s: &mut State, title: &str, lines: Vec<String>, pending: Pending) -> Vec<Effect> {
    s.mode = Mode::Confirm(Confirm {
        title: title.into(),
        // Callers quote database strings (a username, a job's owner): inert here, once for
        // every confirmation.
        lines: lines.iter().map(|l| crate::text::inert(l)).collect(),
        pending,
        typed: None,
    });
    Vec::new()
}

/// Move a selection within `len` rows.
fn moved(sel: usize, len: usize, action: Action, page: usize) -> usize {
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

/// Handle a key's action in normal mode.
pub fn on_action(s: &mut State, action: Action) -> Vec<Effect> {
    if action.writes() && refuse_if_read_only(s, action.describe()) {
        return Vec::new();
    }
    s.dirty = true;
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
                    Pending::Quit,
                )
            }
        }
        Action::Help => {
            s.mode = Mode::Help { scroll: 0 };
            Vec::new()
        }
        Action::NextTab => switch_tab(s, s.tab.next()),
        Action::PrevTab => switch_tab(s, s.tab.prev()),
        Action::GoTab(n) => match TabId::from_number(n) {
            Some(tab) => switch_tab(s, tab),
            None => Vec::new(),
        },
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom => move_selection(s, action),
        Action::Left | Action::Right => left_right(s, action == Action::Right),
        Action::Open => open(s),
        Action::Back => {
            if s.flash.as_ref().is_some_and(|f| f.error) {
                s.flash = None;
            } else if s.tab == TabId::Safety && !s.tabs.safety.marked.is_empty() {
                s.tabs.safety.marked.clear();
                s.info("selection cleared");
            } else if s.tab == TabId::Weights && s.tabs.weights.show_diff {
                s.tabs.weights.show_diff = false;
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
        Action::SortNext | Action::SortReverse => sort(s, action == Action::SortReverse),
        Action::RawJson => raw_json(s),
        Action::NextTheme => {
            let next = super::theme::Theme::next_built_in(&s.theme.name);
            set_theme(s, next);
            Vec::new()
        }
        Action::Suspend => vec![Effect::Suspend],
        Action::Redraw => vec![Effect::Redraw],
        Action::Messages => {
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
            Vec::new()
        }
        Action::LambdaUp | Action::LambdaDown | Action::LambdaReset => {
            let l = &mut s.tabs.leaderboards;
            let default = l.dim.decay_context().params().lambda;
            let current = l.lambda.unwrap_or(default);
            l.lambda = match action {
                Action::LambdaUp => {
                    Some(((current + 0.02) * 100.0).round() / 100.0).map(|v: f64| v.min(2.0))
                }
                Action::LambdaDown => {
                    Some(((current - 0.02) * 100.0).round() / 100.0).map(|v: f64| v.max(0.0))
                }
                _ => None,
            };
            if l.lambda == Some(default) {
                l.lambda = None;
            }
            let q = tab_query(s, TabId::Leaderboards);
            vec![load(s, q)]
        }
        Action::Recompute => start_job(s, "offline_weight_map"),
        Action::RecomputePriorities => start_job(s, "reply_priority_learning"),
        Action::ToggleDiff => {
            s.tabs.weights.show_diff = !s.tabs.weights.show_diff;
            Vec::new()
        }
        Action::ApproveRewrite
        | Action::ApproveEdited
        | Action::ApproveOriginal
        | Action::Reject
        | Action::RequestRewrite => review_action(s, action),
        Action::ToggleSelect => {
            let Some(r) = selected_review(s) else {
                return Vec::new();
            };
            let (id, pending) = (r.id, r.status == "pending");
            let v = &mut s.tabs.safety;
            if !pending {
                s.error("only pending items can be selected");
            } else if !v.marked.remove(&id) {
                v.marked.insert(id);
            }
            move_selection(s, Action::Down)
        }
        Action::BulkApprove | Action::BulkReject => bulk(s, action == Action::BulkApprove),
        Action::Pin | Action::Mute | Action::ClearOverride => {
            let Some(a) = selected_account(s) else {
                return Vec::new();
            };
            let username = a.username.clone();
            let to = match action {
                Action::Pin => OperatorOverride::Pinned,
                Action::Mute => OperatorOverride::Muted,
                _ => OperatorOverride::None,
            };
            let text = match to {
                OperatorOverride::Pinned => {
                    format!("Pin @{username}? Its priority becomes 1.0 until unpinned.")
                }
                OperatorOverride::Muted => {
                    format!("Mute @{username}? Its priority becomes 0 until unmuted.")
                }
                OperatorOverride::None => {
                    format!("Clear the override of @{username}? The next priority run sets it.")
                }
            };
            ask(
                s,
                "Reply account",
                vec![text],
                Pending::SetOverride { username, to },
            )
        }
        Action::RunJob => match selected_job(s) {
            Some(job) => start_job(s, &job),
            None => Vec::new(),
        },
        Action::CancelJob => match selected_job(s) {
            Some(job) => ask_cancel(s, &job),
            None => Vec::new(),
        },
        Action::ToggleJob => {
            let Some(j) = selected_job_overview(s) else {
                return Vec::new();
            };
            let (job, enabled) = (j.job.clone(), !j.enabled);
            let verb = if enabled { "Enable" } else { "Disable" };
            ask(
                s,
                &format!("{verb} job"),
                vec![format!(
                    "{verb} {job}? {}",
                    if enabled {
                        "The scheduler will run it again."
                    } else {
                        "The scheduler stops running it until enabled."
                    }
                )],
                Pending::ToggleJob { job, enabled },
            )
        }
    }
}

fn switch_tab(s: &mut State, tab: TabId) -> Vec<Effect> {
    if s.tab == tab {
        return Vec::new();
    }
    s.tab = tab;
    let fresh = s
        .loads
        .updated
        .get(&LoadSlot::Tab(tab))
        .is_some_and(|t| (s.now - *t).to_std().unwrap_or_default() < s.setup.refresh);
    if fresh || s.loads.inflight.contains_key(&LoadSlot::Tab(tab)) {
        return Vec::new();
    }
    s.loads.last_tab_refresh_at = Some(s.now);
    let q = tab_query(s, tab);
    vec![load(s, q)]
}

/// The last scroll position of a detail view: its lines as wrapped on this screen, with the
/// last page filling the view.
fn view_rows(s: &State, lines: &[String]) -> u16 {
    use super::widgets::{view_height, view_width, wrap_view};
    let rows = wrap_view(lines, view_width(s.size.0)).len();
    rows.saturating_sub(view_height(s.size.1))
        .min(u16::MAX as usize) as u16
}

fn move_selection(s: &mut State, action: Action) -> Vec<Effect> {
    let page = s.page_rows();
    match s.tab {
        TabId::Outcomes => {
            let o = &mut s.tabs.outcomes;
            let len = o.rows.len();
            // Past the last row of a full page: the next page, by keyset.
            if matches!(action, Action::Down | Action::PageDown)
                && o.selected + 1 >= len
                && o.has_more
                && let Some(last) = o.rows.last()
            {
                let cursor = cursor_of(last, o.sort);
                o.page_starts.push(Some(cursor.clone()));
                o.selected = 0;
                let q = Query::Outcomes(outcomes_query(s, Some(cursor)));
                return vec![load(s, q)];
            }
            if matches!(action, Action::Up | Action::PageUp)
                && o.selected == 0
                && o.page_starts.len() > 1
            {
                o.page_starts.pop();
                o.selected = (OUTCOMES_PAGE as usize).saturating_sub(1);
                let after = o.page_starts.last().cloned().flatten();
                let q = Query::Outcomes(outcomes_query(s, after));
                return vec![load(s, q)];
            }
            if action == Action::Top && o.page_starts.len() > 1 {
                o.page_starts = vec![None];
                o.selected = 0;
                let q = Query::Outcomes(outcomes_query(s, None));
                return vec![load(s, q)];
            }
            o.selected = moved(o.selected, len, action, page);
        }
        TabId::Leaderboards => {
            let len = tabs::leaderboards::visible(&s.tabs.leaderboards).len();
            s.tabs.leaderboards.selected = moved(s.tabs.leaderboards.selected, len, action, page);
        }
        TabId::Weights => {
            let w = &mut s.tabs.weights;
            let len = w.versions.len();
            // Up is an older version: the list is drawn newest first.
            let flipped = match action {
                Action::Up => Action::Down,
                Action::Down => Action::Up,
                Action::Top => Action::Bottom,
                Action::Bottom => Action::Top,
                Action::PageUp => Action::PageDown,
                Action::PageDown => Action::PageUp,
                other => other,
            };
            w.selected = moved(w.selected, len, flipped, page);
            w.just_computed = None;
        }
        TabId::Slots => {
            let len = s.tabs.slots.board.len();
            s.tabs.slots.selected = moved(s.tabs.slots.selected, len, action, page);
        }
        TabId::Safety => {
            let len = tabs::safety::visible(&s.tabs.safety).len();
            s.tabs.safety.selected = moved(s.tabs.safety.selected, len, action, page);
        }
        TabId::Replies => {
            let len = tabs::replies::visible(&s.tabs.replies).len();
            s.tabs.replies.selected = moved(s.tabs.replies.selected, len, action, page);
        }
        TabId::Jobs => {
            let len = tabs::jobs::visible(&s.tabs.jobs).len();
            s.tabs.jobs.selected = moved(s.tabs.jobs.selected, len, action, page);
        }
        TabId::Incidents => {
            let len = tabs::incidents::visible(&s.tabs.incidents).len();
            s.tabs.incidents.selected = moved(s.tabs.incidents.selected, len, action, page);
        }
        TabId::Budget => {}
    }
    Vec::new()
}

fn left_right(s: &mut State, right: bool) -> Vec<Effect> {
    let step = |i: usize, n: usize| if right { (i + 1) % n } else { (i + n - 1) % n };
    match s.tab {
        TabId::Leaderboards => {
            let dims = Dimension::ALL;
            let i = dims
                .iter()
                .position(|d| *d == s.tabs.leaderboards.dim)
                .unwrap_or(0);
            let l = &mut s.tabs.leaderboards;
            l.dim = dims[step(i, dims.len())];
            l.lambda = None;
            l.entries.clear();
            l.selected = 0;
            l.loaded = false;
            let q = tab_query(s, TabId::Leaderboards);
            vec![load(s, q)]
        }
        TabId::Weights => {
            let w = &mut s.tabs.weights;
            w.feature = step(w.feature, crate::learning::weights::FEATURES.len());
            w.value = 0;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn open(s: &mut State) -> Vec<Effect> {
    match s.tab {
        TabId::Outcomes => match s.tabs.outcomes.rows.get(s.tabs.outcomes.selected) {
            Some(row) => {
                let id = row.decision_id.clone();
                vec![load(s, Query::Detail(id))]
            }
            None => Vec::new(),
        },
        TabId::Safety => {
            if let Some(r) = selected_review(s) {
                let lines = tabs::safety::detail_lines(r, s.now);
                s.mode = Mode::View {
                    title: format!("Review #{}", r.id),
                    lines,
                    scroll: 0,
                };
            }
            Vec::new()
        }
        TabId::Replies => match selected_account(s) {
            Some(a) => {
                let name = a.username.clone();
                vec![load(s, Query::AccountHistory(name))]
            }
            None => Vec::new(),
        },
        TabId::Jobs => match selected_job(s) {
            Some(job) => vec![load(s, Query::JobHistory(job))],
            None => Vec::new(),
        },
        TabId::Incidents => {
            let v = &s.tabs.incidents;
            if let Some(i) = tabs::incidents::visible(v)
                .get(v.selected)
                .and_then(|&i| v.incidents.get(i))
            {
                let lines = tabs::incidents::detail_lines(i, &v.events, s.now);
                s.mode = Mode::View {
                    title: format!("Incident #{}", i.id),
                    lines,
                    scroll: 0,
                };
            }
            Vec::new()
        }
        TabId::Weights => {
            s.tabs.weights.value = (s.tabs.weights.value + 1) % 10_000;
            Vec::new()
        }
        TabId::Leaderboards | TabId::Slots | TabId::Budget => Vec::new(),
    }
}

fn sort(s: &mut State, reverse: bool) -> Vec<Effect> {
    match s.tab {
        TabId::Outcomes => {
            let o = &mut s.tabs.outcomes;
            if reverse {
                o.reversed = !o.reversed;
            } else {
                o.sort = match o.sort {
                    FactSort::Posted => FactSort::Score,
                    FactSort::Score => FactSort::Posted,
                };
            }
            o.page_starts = vec![None];
            o.selected = 0;
            let q = Query::Outcomes(outcomes_query(s, None));
            vec![load(s, q)]
        }
        tab => {
            let (state, columns) = match tab {
                TabId::Leaderboards => (
                    &mut s.tabs.leaderboards.sort,
                    tabs::leaderboards::SORTS.len(),
                ),
                TabId::Safety => (&mut s.tabs.safety.sort, tabs::safety::SORTS.len()),
                TabId::Replies => (&mut s.tabs.replies.sort, tabs::replies::SORTS.len()),
                TabId::Jobs => (&mut s.tabs.jobs.sort, tabs::jobs::SORTS.len()),
                TabId::Incidents => (&mut s.tabs.incidents.sort, tabs::incidents::SORTS.len()),
                _ => {
                    s.info(format!("{} has no sortable table", tab.title()));
                    return Vec::new();
                }
            };
            if reverse {
                state.desc = !state.desc;
            } else {
                state.next(columns);
            }
            Vec::new()
        }
    }
}

fn raw_json(s: &mut State) -> Vec<Effect> {
    let value = match s.tab {
        TabId::Outcomes => s
            .tabs
            .outcomes
            .rows
            .get(s.tabs.outcomes.selected)
            .and_then(|r| serde_json::to_value(r).ok()),
        TabId::Leaderboards => {
            let l = &s.tabs.leaderboards;
            tabs::leaderboards::visible(l)
                .get(l.selected)
                .and_then(|&i| serde_json::to_value(&l.entries[i]).ok())
        }
        TabId::Weights => s
            .tabs
            .weights
            .versions
            .get(s.tabs.weights.selected)
            .and_then(|v| serde_json::to_value(&v.record).ok()),
        TabId::Safety => selected_review(s).and_then(|r| serde_json::to_value(r).ok()),
        TabId::Replies => selected_account(s).and_then(|a| serde_json::to_value(a).ok()),
        TabId::Jobs => selected_job_overview(s).and_then(|j| serde_json::to_value(j).ok()),
        TabId::Incidents => {
            let v = &s.tabs.incidents;
            tabs::incidents::visible(v)
                .get(v.selected)
                .and_then(|&i| serde_json::to_value(&v.incidents[i]).ok())
        }
        TabId::Budget => s
            .tabs
            .budget
            .report
            .as_ref()
            .and_then(|r| serde_json::to_value(r).ok()),
        TabId::Slots => {
            let v = &s.tabs.slots;
            v.board
                .get(v.selected)
                .and_then(|e| serde_json::to_value(e).ok())
        }
    };
    match value {
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

fn selected_review(s: &State) -> Option<&crate::store::ops::reviews::ReviewRecord> {
    let v = &s.tabs.safety;
    tabs::safety::visible(v)
        .get(v.selected)
        .and_then(|&i| v.reviews.get(i))
}

fn selected_account(s: &State) -> Option<&crate::store::ops::replies::AccountRecord> {
    let v = &s.tabs.replies;
    tabs::replies::visible(v)
        .get(v.selected)
        .and_then(|&i| v.accounts.get(i))
}

fn selected_job_overview(s: &State) -> Option<&crate::jobs::overview::JobOverview> {
    let v = &s.tabs.jobs;
    tabs::jobs::visible(v)
        .get(v.selected)
        .and_then(|&i| v.overview.get(i))
}

fn selected_job(s: &State) -> Option<String> {
    selected_job_overview(s).map(|j| j.job.clone())
}

fn start_job(s: &mut State, job: &str) -> Vec<Effect> {
    if s.jobs_here.contains_key(job) {
        s.info(format!("{job} is already running here"));
        return Vec::new();
    }
    s.jobs_here.insert(
        job.to_string(),
        LocalRun {
            progress: Default::default(),
            started: s.now,
            cancelling: false,
        },
    );
    s.info(format!("{job} started"));
    vec![Effect::RunJob {
        job: job.to_string(),
    }]
}

fn ask_cancel(s: &mut State, job: &str) -> Vec<Effect> {
    if s.jobs_here.contains_key(job) {
        return ask(
            s,
            "Cancel job",
            vec![format!(
                "Cancel {job}, running in this console? Nothing is half-published."
            )],
            Pending::CancelJob {
                job: job.to_string(),
                here: true,
            },
        );
    }
    let owner = s
        .status
        .as_ref()
        .and_then(|st| st.running.iter().find(|r| r.job == job))
        .map(|r| r.owner.clone());
    match owner {
        Some(owner) => ask(
            s,
            "Cancel job",
            vec![
                format!("{job} is running in {owner}."),
                "Ask it to cancel at its next heartbeat?".into(),
            ],
            Pending::CancelJob {
                job: job.to_string(),
                here: false,
            },
        ),
        None => {
            s.info(format!("{job} is not running"));
            Vec::new()
        }
    }
}

fn review_action(s: &mut State, action: Action) -> Vec<Effect> {
    let Some(r) = selected_review(s) else {
        s.info("no item selected");
        return Vec::new();
    };
    if r.status != "pending" {
        let by = r.decided_by.clone().unwrap_or_else(|| "the guard".into());
        let when = r
            .decided_at
            .map(|t| format!(" {} ago", tabs::age(s.now, t)))
            .unwrap_or_default();
        s.error(format!("#{} is already {} by {by}{when}", r.id, r.status));
        return Vec::new();
    }
    let (id, version) = (r.id, r.version);
    match action {
        Action::ApproveRewrite => match &r.proposed_rewrite {
            Some(text) => {
                let lines = vec![
                    format!("Approve the rewrite of #{id}?"),
                    String::new(),
                    crate::text::inert(text),
                ];
                let req = decision(s, id, version, Verdict::ApproveRewrite);
                ask(s, "Approve rewrite", lines, Pending::Decide(req))
            }
            None => {
                s.error("there is no proposed rewrite; edit (e) or request one (w)");
                Vec::new()
            }
        },
        Action::ApproveEdited => {
            let start = r
                .proposed_rewrite
                .clone()
                .unwrap_or_else(|| r.original_text.clone());
            let mut area =
                tui_textarea::TextArea::from(crate::text::inert_multiline(&start).lines());
            area.move_cursor(tui_textarea::CursorMove::Bottom);
            area.move_cursor(tui_textarea::CursorMove::End);
            let mut ed = Editor {
                review_id: id,
                version,
                area,
                warnings: Vec::new(),
            };
            rescreen(&mut ed);
            s.mode = Mode::Editor(Box::new(ed));
            Vec::new()
        }
        Action::ApproveOriginal => {
            if r.risk_level == "critical" {
                s.error("a critical item cannot be approved as it is; edit (e) or reject (x)");
                return Vec::new();
            }
            s.mode = Mode::Prompt(Prompt {
                title: format!("Why approve the original of #{id}? (a note for the audit)"),
                input: String::new(),
                purpose: PromptFor::OriginalNote {
                    review_id: id,
                    version,
                },
            });
            Vec::new()
        }
        Action::Reject => {
            s.mode = Mode::Prompt(Prompt {
                title: format!("Reason for rejecting #{id}"),
                input: String::new(),
                purpose: PromptFor::RejectReason {
                    review_id: id,
                    version,
                },
            });
            Vec::new()
        }
        Action::RequestRewrite => {
            s.mode = Mode::Prompt(Prompt {
                title: format!("What should the new rewrite of #{id} fix? (optional)"),
                input: String::new(),
                purpose: PromptFor::RewriteNote {
                    review_id: id,
                    version,
                },
            });
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn decision(s: &State, review_id: i64, version: i64, verdict: Verdict) -> DecisionRequest {
    DecisionRequest {
        review_id,
        seen_version: version,
        verdict,
        // The executor assigns the action id, once per attempt.
        action_id: String::new(),
        operator: s.operator.clone(),
        critical_override: None,
    }
}

fn prompt_submitted(s: &mut State, p: Prompt) -> (Mode, Vec<Effect>) {
    let text = p.input.trim().to_string();
    match p.purpose {
        PromptFor::RejectReason { review_id, version } => {
            if text.is_empty() {
                s.error("a rejection needs a reason");
                return (Mode::Prompt(p), Vec::new());
            }
            let req = decision(
                s,
                review_id,
                version,
                Verdict::Reject {
                    reason: text.clone(),
                },
            );
            ask(
                s,
                "Reject",
                vec![format!("Reject #{review_id}: {text}?")],
                Pending::Decide(req),
            );
            (Mode::Normal, Vec::new())
        }
        PromptFor::BulkRejectReason { items } => {
            if text.is_empty() {
                s.error("a rejection needs a reason");
                return (
                    Mode::Prompt(Prompt {
                        purpose: PromptFor::BulkRejectReason { items },
                        ..p
                    }),
                    Vec::new(),
                );
            }
            let reqs: Vec<DecisionRequest> = items
                .iter()
                .map(|(id, v)| {
                    decision(
                        s,
                        *id,
                        *v,
                        Verdict::Reject {
                            reason: text.clone(),
                        },
                    )
                })
                .collect();
            let n = reqs.len();
            ask(
                s,
                "Bulk reject",
                vec![format!("Reject {n} items: {text}?")],
                Pending::Bulk(reqs),
            );
            (Mode::Normal, Vec::new())
        }
        PromptFor::OriginalNote { review_id, version } => {
            if text.is_empty() {
                s.error("approving the original needs a note");
                return (Mode::Prompt(p), Vec::new());
            }
            let req = decision(
                s,
                review_id,
                version,
                Verdict::ApproveOriginal { note: text.clone() },
            );
            s.mode = Mode::Confirm(Confirm {
                title: "Approve original".into(),
                lines: vec![
                    format!(
                        "#{review_id} will be published as written, despite the guard's flags."
                    ),
                    format!("Note: {text}"),
                    "Type approve and press Enter to confirm.".into(),
                ],
                pending: Pending::Decide(req),
                typed: Some(("approve".into(), String::new())),
            });
            (Mode::Normal, Vec::new())
        }
        PromptFor::RewriteNote { review_id, version } => {
            let req = decision(
                s,
                review_id,
                version,
                Verdict::RequestRewrite {
                    note: (!text.is_empty()).then_some(text),
                },
            );
            let note = if s.setup.ai_configured {
                "a new rewrite is produced by the next safety_review run"
            } else {
                "no AI endpoint is configured: the item waits for an edit or a decision"
            };
            s.info(format!(
                "asking for another rewrite of #{review_id}; {note}"
            ));
            (Mode::Normal, vec![Effect::Decide(req)])
        }
    }
}

/// Re-run the rule screen on the editor's text.
fn rescreen(ed: &mut Editor) {
    let text = ed.area.lines().join("\n");
    let screen = rules::screen(&text);
    ed.warnings = screen
        .hits
        .iter()
        .map(|h| {
            format!(
                "{} ({}): \"{}\"",
                h.category.label(),
                h.level.as_str(),
                crate::text::inert(&h.text)
            )
        })
        .collect();
}

fn editor_submitted(s: &mut State, ed: Box<Editor>) -> (Mode, Vec<Effect>) {
    let text = ed.area.lines().join("\n").trim().to_string();
    let chars = text.chars().count();
    if text.is_empty() {
        s.error("the text is empty");
        return (Mode::Editor(ed), Vec::new());
    }
    if chars > MAX_POST_CHARS {
        s.error(format!("{chars} characters; a post holds {MAX_POST_CHARS}"));
        return (Mode::Editor(ed), Vec::new());
    }
    let screen = rules::screen(&text);
    let mut lines = vec![
        format!(
            "Approve this text for #{}? ({chars}/{MAX_POST_CHARS})",
            ed.review_id
        ),
        String::new(),
    ];
    lines.extend(text.lines().map(crate::text::inert));
    if !ed.warnings.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "The rules still flag it ({} risk):",
            screen.level.as_str()
        ));
        lines.extend(ed.warnings.iter().map(|w| format!("  ! {w}")));
    }
    let req = decision(s, ed.review_id, ed.version, Verdict::ApproveEdited { text });
    ask(s, "Approve edited", lines, Pending::Decide(req));
    (Mode::Normal, Vec::new())
}

fn bulk(s: &mut State, approve: bool) -> Vec<Effect> {
    let v = &s.tabs.safety;
    let items: Vec<(i64, i64, bool)> = v
        .reviews
        .iter()
        .filter(|r| v.marked.contains(&r.id) && r.status == "pending")
        .map(|r| (r.id, r.version, r.proposed_rewrite.is_some()))
        .collect();
    if items.is_empty() {
        s.info("select items with space first");
        return Vec::new();
    }
    if approve {
        let without: Vec<i64> = items
            .iter()
            .filter(|(_, _, r)| !r)
            .map(|(id, ..)| *id)
            .collect();
        if !without.is_empty() {
            s.error(format!(
                "{} selected item(s) have no rewrite to approve: {without:?}",
                without.len()
            ));
            return Vec::new();
        }
        let reqs: Vec<DecisionRequest> = items
            .iter()
            .map(|(id, ver, _)| decision(s, *id, *ver, Verdict::ApproveRewrite))
            .collect();
        let n = reqs.len();
        ask(
            s,
            "Bulk approve",
            vec![format!("Approve the rewrites of {n} items?")],
            Pending::Bulk(reqs),
        )
    } else {
        s.mode = Mode::Prompt(Prompt {
            title: format!("Reason for rejecting {} items", items.len()),
            input: String::new(),
            purpose: PromptFor::BulkRejectReason {
                items: items.iter().map(|(id, v, _)| (*id, *v)).collect(),
            },
        });
        Vec::new()
    }
}

fn confirmed(s: &mut State, pending: Pending) -> Vec<Effect> {
    match pending {
        Pending::Decide(req) => vec![Effect::Decide(req)],
        Pending::Bulk(reqs) => {
            s.tabs.safety.marked.clear();
            vec![Effect::BulkDecide(reqs)]
        }
        Pending::CancelJob { job, here } => {
            if let Some(run) = s.jobs_here.get_mut(&job) {
                run.cancelling = true;
            }
            vec![Effect::CancelJob { job, here }]
        }
        Pending::ToggleJob { job, enabled } => vec![Effect::SetJobEnabled { job, enabled }],
        Pending::SetOverride { username, to } => vec![Effect::SetOverride {
            username,
            to,
            action_id: String::new(),
        }],
        Pending::Quit => {
            s.quit = true;
            vec![Effect::Quit]
        }
    }
}
