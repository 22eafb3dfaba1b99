//! `update`: the one place the console's state changes. It takes a message (a key, a tick, a
//! result) and returns effects for the executor; it never waits on anything. The root handles
//! what is global (ticks, loads and the connection, job and action results); keys go to
//! [`super::input`], actions to [`super::actions`], and a tab's data to its module.

use chrono::Duration;

use super::input::{on_key, on_mouse, on_paste};
use super::msg::{ActionResult, Effect, LoadError, LoadSlot, Loaded, Msg, Query};
use super::state::{Conn, FLASH_SECS, State};
use super::tabs;
use crate::jobs::runner::RunReport;
use crate::store::ops::jobs::RunStatus;
use crate::store::ops::reviews::DecisionOutcome;

pub use super::actions::{on_action, refresh, tab_query};

/// How early a refresh may run on the clock's tick (ticks are about a second apart).
const TICK_SLACK: std::time::Duration = std::time::Duration::from_millis(250);
/// Longest wait between reconnection attempts.
pub const MAX_BACKOFF_SECS: i64 = 3;
/// A load unanswered for this long puts the connection in doubt (a server that stopped
/// answering without closing it: a network partition), and the connection is checked.
pub const STALL_SECS: i64 = 3;

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
        Msg::DataChanged => on_data_changed(s),
        Msg::FeedUp => {
            let after_loss = s.feed == Some(false);
            s.feed = Some(true);
            if after_loss {
                on_data_changed(s)
            } else {
                Vec::new()
            }
        }
        Msg::FeedLost => {
            s.feed = Some(false);
            check_connection(s)
        }
        Msg::OpenNote(note) => {
            match note {
                // A warning stays until dismissed; progress fades.
                crate::app::OpenNote::Warning(w) => s.error(format!("warning: {w}")),
                crate::app::OpenNote::Progress(p) => s.info(p),
            }
            Vec::new()
        }
        Msg::Terminate(signal) => {
            s.quit = true;
            s.info(format!("{signal}: leaving"));
            vec![Effect::Quit]
        }
        Msg::Resumed => {
            s.dirty = true;
            vec![Effect::Redraw]
        }
    }
}

/// Start a load in its slot: a newer request supersedes an older one, whose answer is then
/// dropped.
pub fn load(s: &mut State, query: Query) -> Effect {
    s.load(query)
}

/// The clock. The header is not read on a timer while the change feed listens (it changes
/// only with xbot's own tables, which notify): only when the local day turns (today's spend),
/// on reconnection attempts, and when a load hangs. The visible tab is polled at the refresh
/// interval (xBOT's own tables do not notify).
fn on_tick(s: &mut State, now: chrono::DateTime<chrono::Utc>) -> Vec<Effect> {
    let before = (s.now.format("%H:%M").to_string(), s.freshness_label());
    let day_before = s.now.with_timezone(&s.setup.tz).date_naive();
    s.now = now;
    let mut effects = Vec::new();
    if let Some(f) = &s.flash
        && !f.error
        && (now - f.at).num_seconds() >= FLASH_SECS
    {
        s.flash = None;
        s.dirty = true;
    }
    if (s.now.format("%H:%M").to_string(), s.freshness_label()) != before {
        s.dirty = true;
    }
    let status_inflight = s.loads.inflight.contains_key(&LoadSlot::Status);
    if let Conn::Disconnected { retry_at, .. } = s.conn {
        // Retry with backoff, whatever the pause says: the operator must see it come back.
        if now >= retry_at && !status_inflight {
            s.loads.last_status_at = Some(now);
            effects.push(s.load(Query::CheckStatus));
        }
        return effects;
    }
    // Until the first answer (`Connecting`) the first status read is on its way, and it times
    // out as unreachable by itself.
    if s.conn == Conn::Connected && !status_inflight {
        if stalled(s) {
            effects.extend(check_connection(s));
        } else if now.with_timezone(&s.setup.tz).date_naive() != day_before {
            // Today's spend starts again.
            s.loads.last_status_at = Some(now);
            effects.push(s.load(Query::Status));
        }
    }
    // Ticks come about a second apart, a little more or less: a refresh due within the next
    // quarter second is done on this tick, not a whole tick late.
    let refresh_due = s
        .loads
        .last_tab_refresh_at
        .is_none_or(|t| (now - t).to_std().unwrap_or_default() + TICK_SLACK >= s.setup.refresh);
    let slot = LoadSlot::Tab(s.tab);
    // Single flight: a tab whose previous load has not answered is not asked again.
    if !s.paused && refresh_due && !s.loads.inflight.contains_key(&slot) {
        s.loads.last_tab_refresh_at = Some(now);
        let q = tab_query(s, s.tab);
        effects.push(s.load(q));
        // Without a listening feed nothing notifies the header's changes: it is polled with
        // the tab (once the first status has answered).
        if s.feed != Some(true) && s.conn == Conn::Connected && !status_inflight {
            s.loads.last_status_at = Some(now);
            effects.push(s.load(Query::Status));
        }
    }
    effects
}

/// Whether a load has gone unanswered for [`STALL_SECS`] with no connection check since it
/// was asked for (one check per hanging load; a slow query that answers costs one ping).
fn stalled(s: &State) -> bool {
    s.loads.inflight.keys().any(|slot| {
        s.loads.asked.get(slot).is_some_and(|asked| {
            (s.now - *asked).num_seconds() >= STALL_SECS
                && s.loads.last_status_at.is_none_or(|t| t <= *asked)
        })
    })
}

/// The connection is in doubt (the change feed was lost, a load hangs): check it now, the
/// header with it, superseding a status read in flight. While disconnected the retries
/// already check it.
pub fn check_connection(s: &mut State) -> Vec<Effect> {
    if matches!(s.conn, Conn::Disconnected { .. }) {
        return Vec::new();
    }
    s.loads.last_status_at = Some(s.now);
    vec![s.load(Query::CheckStatus)]
}

/// A change notification: the visible tab and the header now, whatever the refresh interval
/// (not while paused). Single flight still holds: a slot whose load is in flight is loaded
/// again once that answers, since the load may have read before the change.
fn on_data_changed(s: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    if s.loads.inflight.contains_key(&LoadSlot::Status) {
        s.loads.again.insert(LoadSlot::Status);
    } else {
        s.loads.last_status_at = Some(s.now);
        effects.push(s.load(Query::Status));
    }
    let slot = LoadSlot::Tab(s.tab);
    if !s.paused {
        if s.loads.inflight.contains_key(&slot) {
            s.loads.again.insert(slot);
        } else {
            s.loads.last_tab_refresh_at = Some(s.now);
            let q = tab_query(s, s.tab);
            effects.push(s.load(q));
        }
    }
    effects
}

/// A load answered while a change was notified: the same slot again, if still wanted.
fn load_again(s: &mut State, slot: LoadSlot) -> Vec<Effect> {
    match slot {
        LoadSlot::Status => {
            s.loads.last_status_at = Some(s.now);
            vec![s.load(Query::Status)]
        }
        LoadSlot::Tab(tab) if tab == s.tab && !s.paused => {
            s.loads.last_tab_refresh_at = Some(s.now);
            let q = tab_query(s, tab);
            vec![s.load(q)]
        }
        _ => Vec::new(),
    }
}

fn on_loaded(s: &mut State, req: u64, result: Result<Box<Loaded>, LoadError>) -> Vec<Effect> {
    let Some(slot) = s.loads.slot_of.remove(&req) else {
        return Vec::new(); // superseded: a newer load owns the slot
    };
    if s.loads.inflight.get(&slot) == Some(&req) {
        s.loads.inflight.remove(&slot);
        s.loads.asked.remove(&slot);
    } else {
        return Vec::new();
    }
    let again = s.loads.again.remove(&slot) && result.is_ok();
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
            if let Conn::Disconnected { since, .. } = s.conn {
                let down = (s.now - since).num_seconds();
                s.info(format!("reconnected after {down} s"));
                // Catch up at once (changes were missed meanwhile): the header and the visible
                // tab, unless this was it or it is already being read since the outage began.
                let pending = |s: &State, other: LoadSlot| {
                    other == slot || s.loads.asked.get(&other).is_some_and(|a| *a >= since)
                };
                if !pending(s, LoadSlot::Status) {
                    s.loads.last_status_at = Some(s.now);
                    effects.push(s.load(Query::Status));
                }
                if !pending(s, LoadSlot::Tab(s.tab)) {
                    s.loads.last_tab_refresh_at = Some(s.now);
                    let q = tab_query(s, s.tab);
                    effects.push(s.load(q));
                }
            }
            if s.conn != Conn::Connected {
                s.conn = Conn::Connected;
                s.dirty = true;
            }
            s.loads.updated.insert(slot, s.now);
            effects.extend(apply(s, *data));
            if again
                && !effects
                    .iter()
                    .any(|e| matches!(e, Effect::Load { query, .. } if query.slot() == slot))
            {
                effects.extend(load_again(s, slot));
            }
            effects
        }
    }
}

/// Put loaded data into the state (the header's status here, a tab's data in its module); mark
/// dirty only if something differs, so an idle refresh draws nothing.
fn apply(s: &mut State, data: Loaded) -> Vec<Effect> {
    let mut effects = Vec::new();
    let changed = match data.tab() {
        None => match data {
            Loaded::Status(st) => {
                effects = notice_news(s, &st);
                tabs::replace(&mut s.status, Some(st))
            }
            _ => false,
        },
        Some(tab) => {
            let mut changed = tabs::module(tab).apply(s, data);
            // A jump from the Overview selects its row once the tab has loaded.
            if let Some((t, id)) = s.focus.take() {
                if t == tab {
                    changed |= tabs::module(tab).focus(s, &id);
                } else {
                    s.focus = Some((t, id));
                }
            }
            changed
        }
    };
    if changed {
        s.dirty = true;
    }
    effects
}

/// A new incident or a new pending review while another tab is open: flashed once, its tab
/// marked in the tab bar until shown, and the bell rung if the config asks for it. What is
/// there when the console starts is not news.
fn notice_news(s: &mut State, st: &super::msg::Status) -> Vec<Effect> {
    use super::state::Known;
    let now = Known {
        incidents: st.incident_ids.iter().map(|(id, ..)| *id).collect(),
        pending: st.pending_ids.iter().copied().collect(),
    };
    let Some(before) = s.known.replace(now.clone()) else {
        return Vec::new();
    };
    let mut texts = Vec::new();
    let new_incidents: Vec<&(i64, String, String)> = st
        .incident_ids
        .iter()
        .filter(|(id, ..)| !before.incidents.contains(id))
        .collect();
    if !new_incidents.is_empty() && s.tab != tabs::TabId::Incidents {
        s.news.insert(tabs::TabId::Incidents);
        texts.push(match new_incidents.as_slice() {
            [(id, kind, subject)] => format!(
                "new incident #{id}: {} {}",
                crate::text::cell(kind, 30),
                crate::text::cell(subject, 40)
            ),
            many => format!("{} new incidents", many.len()),
        });
    }
    let new_pending = now.pending.difference(&before.pending).count();
    if new_pending > 0 && s.tab != tabs::TabId::Safety {
        s.news.insert(tabs::TabId::Safety);
        texts.push(if new_pending == 1 {
            "a new review is pending in Safety".to_string()
        } else {
            format!("{new_pending} new reviews are pending in Safety")
        });
    }
    if texts.is_empty() {
        return Vec::new();
    }
    s.notice(texts.join("; "));
    if s.setup.bell {
        vec![Effect::Bell]
    } else {
        Vec::new()
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
                tabs::weights::computed(s, v);
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
        Ok(ActionResult::NotApplied(text)) => s.record(format!("{label}: {text}"), false),
        Err(e) => s.record(format!("{label} failed: {e}"), false),
    }
    refresh(s)
}
