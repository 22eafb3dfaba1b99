//! 0 Overview: the on-call landing screen. Open incidents by severity and age, the safety queue
//! with the age of its oldest item, jobs over SLA, failing or never run, the budget tier with
//! today's run-rate projection, and the active weight map's age. Each line jumps to its tab
//! with the item selected (enter).
//!
//! This tab is the proof of the tab contract: one module, one registry line. It loads through
//! the generic [`Query::Tab`], so no shared enum learned about it.

use chrono::{DateTime, Duration, Utc};
use futures::future::BoxFuture;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Tab, TabId, Tabs, age, moved};
use crate::budget::tiers::{T2_FROM, T3_FROM, T4_FROM, Tier, share, tier_for};
use crate::console::keymap::Action;
use crate::console::msg::{Effect, Loaded, Query, TabData};
use crate::console::state::{Setup, State};
use crate::console::theme::Role;
use crate::console::widgets::{block, row_window, tier_style};
use crate::jobs::overview::{self, JobOverview, SlaState};
use crate::learning::slots;
use crate::store::ops::incidents::IncidentRecord;
use crate::store::ops::reviews::ReviewRecord;
use crate::store::types::WeightMapSummary;
use crate::store::{Reads, Store, StoreError};
use crate::text::cell;

/// Items listed under a heading, at most.
const ITEMS: usize = 5;

/// What the Overview loads.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewData {
    /// Open incidents.
    pub incidents: Vec<IncidentRecord>,
    /// Pending safety reviews.
    pub pending: Vec<ReviewRecord>,
    pub jobs: Vec<JobOverview>,
    pub spend_today_usd: f64,
    /// The start and end of the local day (budgets are per day).
    pub day: (DateTime<Utc>, DateTime<Utc>),
    pub weights: Option<WeightMapSummary>,
    /// Scheduler heartbeats (when `xbot serve` was last seen alive).
    pub workers: Vec<crate::store::ops::workers::WorkerRecord>,
}

/// The Overview tab's state.
#[derive(Debug, Clone, Default)]
pub struct OverviewView {
    pub data: Option<OverviewData>,
    pub selected: usize,
    pub loaded: bool,
}

/// One line of the overview: its text, and where enter goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub spans: Vec<(String, Option<Role>)>,
    pub tab: TabId,
    /// The row to select there (an incident, review or job id).
    pub focus: Option<String>,
}

/// The Overview tab.
pub struct Module;

impl Tab for Module {
    fn key_yields(&self) -> bool {
        // 0 resets λ on the Leaderboards tab.
        true
    }

    fn query(&self, _s: &State) -> Query {
        Query::Tab(TabId::Overview)
    }

    fn load<'a>(
        &self,
        store: &'a dyn Store,
        setup: &'a Setup,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Box<dyn TabData>, StoreError>> {
        Box::pin(async move {
            let day = slots::day_bounds_utc(slots::local_date(now, setup.tz), setup.tz);
            // Every read in one batch: one round trip on Postgres.
            let mut r = Reads::new();
            let states = store.read_job_states(&mut r);
            let incidents = store.read_incidents(&mut r, false, 500);
            let pending = store.read_reviews(&mut r, &["pending"], 1000);
            let spend = store.read_spend_between(&mut r, day.0, day.1);
            let weights = store.read_active_weight_map(&mut r);
            let workers = store.read_workers(&mut r);
            let mut b = store.fetch_reads(r).await?;
            let states = states.take(&mut b)?;
            let data = OverviewData {
                incidents: incidents.take(&mut b)?,
                pending: pending.take(&mut b)?,
                jobs: overview::build_with(&setup.job_overrides, setup.ai_configured, &states, now),
                spend_today_usd: spend.take(&mut b)?,
                day,
                weights: weights.take(&mut b)?,
                workers: workers.take(&mut b)?,
            };
            Ok(Box::new(data) as Box<dyn TabData>)
        })
    }

    fn apply(&self, s: &mut State, data: Loaded) -> bool {
        let Loaded::Tab(_, data) = data else {
            return false;
        };
        let Ok(data) = data.into_any().downcast::<OverviewData>() else {
            return false;
        };
        let before = (s.tabs.overview.data.is_some())
            .then(|| items(s))
            .and_then(|all| all.into_iter().nth(s.tabs.overview.selected))
            .map(|i| (i.tab, i.focus));
        let v = &mut s.tabs.overview;
        v.loaded = true;
        let changed = super::replace(&mut v.data, Some(*data));
        // The selected line follows its subject (a line can move as others come and go).
        let keys = items(s).into_iter().map(|i| (i.tab, i.focus));
        s.tabs.overview.selected = super::follow(before.as_ref(), keys, s.tabs.overview.selected);
        changed
    }

    fn loaded(&self, tabs: &Tabs) -> bool {
        tabs.overview.loaded
    }

    fn update(&self, s: &mut State, action: Action) -> Vec<Effect> {
        match action {
            a if super::is_move(a) => {
                let page = s.page_rows();
                let len = items(s).len();
                s.tabs.overview.selected = moved(s.tabs.overview.selected, len, a, page);
                Vec::new()
            }
            Action::Open => match items(s).into_iter().nth(s.tabs.overview.selected) {
                Some(item) => s.jump(item.tab, item.focus),
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    fn raw_json(&self, s: &State) -> Option<serde_json::Value> {
        let d = s.tabs.overview.data.as_ref()?;
        Some(serde_json::json!({
            "open_incidents": d.incidents.len(),
            "pending_reviews": d.pending.len(),
            "oldest_pending_at": d.pending.iter().map(|r| r.created_at).min(),
            "jobs_over_sla": d.jobs.iter().filter(|j| j.sla == SlaState::Late).map(|j| &j.job).collect::<Vec<_>>(),
            "jobs_failing": d.jobs.iter().filter(|j| failing(j)).map(|j| &j.job).collect::<Vec<_>>(),
            "jobs_never_run": d.jobs.iter().filter(|j| never_run(j)).map(|j| &j.job).collect::<Vec<_>>(),
            "spend_today_usd": d.spend_today_usd,
            "active_weight_map": d.weights.as_ref().map(|w| (&w.version, w.computed_at)),
            "scheduler_seen_at": d.workers.iter().map(|w| w.seen_at).max(),
        }))
    }

    fn draw(&self, f: &mut Frame, s: &State, area: Rect) {
        draw(f, s, area)
    }
}

fn failing(j: &JobOverview) -> bool {
    j.last_run
        .as_ref()
        .is_some_and(|r| matches!(r.status.as_str(), "failed" | "abandoned"))
}

fn never_run(j: &JobOverview) -> bool {
    j.last_run.is_none() && j.running.is_none() && j.sla != SlaState::Disabled
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 3,
        "error" => 2,
        "warning" => 1,
        _ => 0,
    }
}

fn severity_role(sev: &str) -> Role {
    match sev {
        "critical" => Role::Critical,
        "error" => Role::Error,
        "warning" => Role::Warn,
        _ => Role::Info,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// When today's spend reaches the next tier, at the day's average rate so far: "T3 at 17:40
/// at this rate", or why there is no such time.
pub fn projection(
    setup: &Setup,
    spent: f64,
    day: (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> String {
    let limit = setup.daily_limit_usd;
    let next = [
        (T2_FROM, Tier::T2),
        (T3_FROM, Tier::T3),
        (T4_FROM, Tier::T4),
    ]
    .into_iter()
    .find(|(from, _)| share(spent, limit) < *from);
    let Some((from, tier)) = next else {
        return "no AI calls until the day ends".into();
    };
    // A few minutes into the day the rate says nothing yet.
    let elapsed = (now - day.0).num_seconds();
    if spent <= 0.0 || elapsed < 600 {
        return "no spend to project yet".into();
    }
    let rate = spent / elapsed as f64; // dollars a second
    let secs = ((from * limit - spent) / rate).ceil();
    if !secs.is_finite() || secs > (day.1 - now).num_seconds() as f64 {
        return format!(
            "stays {} today at this rate",
            tier_for(spent, limit).as_str()
        );
    }
    let at = now + Duration::seconds(secs as i64);
    format!(
        "{} at {} at this rate",
        tier.as_str(),
        at.with_timezone(&setup.tz).format("%H:%M")
    )
}

/// The lines of the overview, in order, each with where enter goes.
pub fn items(s: &State) -> Vec<Item> {
    let Some(d) = &s.tabs.overview.data else {
        return Vec::new();
    };
    let now = s.now;
    let head = |t: &str| (format!("{t:<10}"), Some(Role::TableHeader));
    let plain = |t: String| (t, None);
    let mut out = Vec::new();

    // Incidents, worst and oldest first.
    let mut open: Vec<&IncidentRecord> = d.incidents.iter().collect();
    open.sort_by_key(|i| (std::cmp::Reverse(severity_rank(&i.severity)), i.opened_at));
    let by_sev: Vec<String> = ["critical", "error", "warning"]
        .iter()
        .map(|sev| (sev, open.iter().filter(|i| i.severity == *sev).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(sev, n)| format!("{n} {sev}"))
        .collect();
    let oldest = open.iter().map(|i| i.opened_at).min();
    out.push(Item {
        spans: vec![
            head("incidents"),
            (
                plural(open.len(), "open incident", "open incidents"),
                Some(if open.is_empty() {
                    Role::Ok
                } else {
                    Role::Warn
                }),
            ),
            plain(match (by_sev.is_empty(), oldest) {
                (false, Some(o)) => format!(" · {} · oldest {}", by_sev.join(", "), age(now, o)),
                _ => String::new(),
            }),
        ],
        tab: TabId::Incidents,
        focus: open.first().map(|i| i.id.to_string()),
    });
    for i in open.iter().take(ITEMS) {
        out.push(Item {
            spans: vec![
                plain("  ".into()),
                (
                    format!("{:<9}", cell(&i.severity, 8)),
                    Some(severity_role(&i.severity)),
                ),
                plain(format!(
                    "{} {} · open {}{}",
                    cell(&i.kind, 24),
                    cell(&i.subject, 32),
                    age(now, i.opened_at),
                    // Acknowledged: someone has it (no more paging).
                    i.acknowledged_by
                        .as_deref()
                        .map(|by| format!(" · ack {}", cell(by, 24)))
                        .unwrap_or_default()
                )),
            ],
            tab: TabId::Incidents,
            focus: Some(i.id.to_string()),
        });
    }

    // The safety queue, oldest first.
    let oldest = d.pending.iter().min_by_key(|r| (r.created_at, r.id));
    out.push(Item {
        spans: vec![
            head("safety"),
            (
                plural(d.pending.len(), "pending review", "pending reviews"),
                Some(if d.pending.is_empty() {
                    Role::Ok
                } else {
                    Role::Warn
                }),
            ),
            plain(match oldest {
                Some(r) => format!(" · oldest #{} waiting {}", r.id, age(now, r.created_at)),
                None => String::new(),
            }),
        ],
        tab: TabId::Safety,
        focus: oldest.map(|r| r.id.to_string()),
    });

    // Jobs that need a look.
    let late: Vec<&JobOverview> = d.jobs.iter().filter(|j| j.sla == SlaState::Late).collect();
    let failed: Vec<&JobOverview> = d.jobs.iter().filter(|j| failing(j)).collect();
    let never: Vec<&JobOverview> = d.jobs.iter().filter(|j| never_run(j)).collect();
    let first = late.iter().chain(&failed).chain(&never).next();
    let all_well = late.is_empty() && failed.is_empty() && never.is_empty();
    out.push(Item {
        spans: vec![
            head("jobs"),
            (
                format!(
                    "{} over SLA · {} failing · {} never run",
                    late.len(),
                    failed.len(),
                    never.len()
                ),
                Some(if all_well { Role::Ok } else { Role::Warn }),
            ),
        ],
        tab: TabId::Jobs,
        focus: first.map(|j| j.job.clone()),
    });
    let mut listed = Vec::new();
    for (j, why) in late
        .iter()
        .map(|j| (j, "over SLA"))
        .chain(failed.iter().map(|j| (j, "failing")))
        .chain(never.iter().map(|j| (j, "never run")))
    {
        if listed.contains(&j.job) || listed.len() >= ITEMS {
            continue;
        }
        listed.push(j.job.clone());
        let last = j.last_run.as_ref().map_or("no run yet".to_string(), |r| {
            format!(
                "last {} {} ago",
                cell(&r.status, 10),
                age(now, r.finished_at.unwrap_or(r.started_at))
            )
        });
        out.push(Item {
            spans: vec![
                plain("  ".into()),
                (format!("{:<24}", j.job), Some(Role::Error)),
                plain(format!("{why} · {last}")),
            ],
            tab: TabId::Jobs,
            focus: Some(j.job.clone()),
        });
    }

    // When a scheduler was last seen alive: with none, nothing runs the jobs.
    let live = crate::notify::standby::live_scheduler(&d.workers, now).is_some();
    out.push(Item {
        spans: vec![
            head("scheduler"),
            (
                super::jobs::scheduler_seen(&d.workers, now),
                Some(if live { Role::Ok } else { Role::Error }),
            ),
            plain(
                d.workers
                    .iter()
                    .max_by_key(|w| w.seen_at)
                    .map(|w| format!(" · {}", cell(&w.owner, 40)))
                    .unwrap_or_else(|| " · start one with `xbot serve`".into()),
            ),
        ],
        tab: TabId::Jobs,
        focus: None,
    });

    // The budget tier the system applies (as budget_tier recorded it, like the header), and
    // where today's rate takes it.
    let limit = s.setup.daily_limit_usd;
    let (tier, pct) = applied_tier(s, d);
    out.push(Item {
        spans: vec![
            head("budget"),
            (format!("{} {pct:.0}%", tier.as_str()), Some(Role::Title)),
            plain(format!(
                " · ${:.2} of ${:.2} today · {}",
                d.spend_today_usd,
                limit,
                projection(&s.setup, d.spend_today_usd, d.day, now)
            )),
        ],
        tab: TabId::Budget,
        focus: None,
    });

    // The active weight map.
    out.push(Item {
        spans: vec![
            head("weights"),
            match &d.weights {
                Some(w) => plain(format!(
                    "{} active, computed {} ago from {} samples",
                    cell(&w.version, 20),
                    age(now, w.computed_at),
                    w.sample_size
                )),
                None => ("no active weight map".into(), Some(Role::Warn)),
            },
        ],
        tab: TabId::Weights,
        focus: None,
    });
    out
}

/// The tier the system applies: the last budget_tier run's record when there is one, else
/// this console's own computation.
fn applied_tier(s: &State, d: &OverviewData) -> (crate::budget::tiers::Tier, f64) {
    match s.status.as_ref().and_then(|st| st.tier.as_ref()) {
        Some(t) => (t.tier, 100.0 * t.share),
        None => (
            tier_for(d.spend_today_usd, s.setup.daily_limit_usd),
            100.0 * share(d.spend_today_usd, s.setup.daily_limit_usd),
        ),
    }
}

pub fn draw(f: &mut Frame, s: &State, area: Rect) {
    let v = &s.tabs.overview;
    let all = items(s);
    let inner_rows = area.height.saturating_sub(2) as usize;
    let shown = row_window(all.len(), v.selected, inner_rows.max(1));
    let tier = v.data.as_ref().map(|d| applied_tier(s, d).0);
    let width = area.width.saturating_sub(2) as usize;
    let lines: Vec<Line> = if v.data.is_none() {
        vec![Line::from(Span::styled(
            " loading…",
            s.theme.style(Role::Muted),
        ))]
    } else {
        all[shown.clone()]
            .iter()
            .enumerate()
            .map(|(k, item)| {
                let selected = shown.start + k == v.selected;
                let mut spans = vec![Span::raw(" ")];
                for (text, role) in &item.spans {
                    let style = match (role, tier) {
                        // The tier keeps its own colours, as in the header.
                        (Some(Role::Title), Some(t)) if item.tab == TabId::Budget => {
                            tier_style(s, t)
                        }
                        (Some(r), _) => s.theme.style(*r),
                        (None, _) => s.theme.style(Role::Base),
                    };
                    spans.push(Span::styled(text.clone(), style));
                }
                let used: usize = spans.iter().map(|sp| crate::text::width(&sp.content)).sum();
                spans.push(Span::raw(" ".repeat(width.saturating_sub(used))));
                let line = Line::from(spans);
                if selected {
                    line.style(s.theme.style(Role::Selection))
                } else {
                    line
                }
            })
            .collect()
    };
    f.render_widget(
        Paragraph::new(lines).block(block(s, " Overview — enter jumps to the item ", true)),
        area,
    );
}
