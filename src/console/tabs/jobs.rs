//! 8 Jobs: JOB_CONFIG with each job's last run, lag against its SLA, the owner of a running
//! run and its progress; the selected job's history (enter). Run now, cancel, enable/disable.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::super::theme::Role;
use super::super::widgets::{block, hbar, row_window, spinner, table_rows};
use super::age;
use super::{SortState, Tab, Tabs, json, moved, sort_client_side};
use crate::console::dialog::{OnConfirm, ask};
use crate::console::keymap::{Action, Binding};
use crate::console::msg::{Effect, Loaded, Query};
use crate::console::state::State;
use crate::jobs::overview::{JobOverview, SlaState};
use crate::store::ops::jobs::RunRecord;
use crate::text::cell;

/// The Jobs tab.
#[derive(Debug, Clone, Default)]
pub struct JobsView {
    pub overview: Vec<JobOverview>,
    /// The latest runs of every job (the History pane shows the selected job's).
    pub recent: Vec<RunRecord>,
    pub selected: usize,
    /// A job's longer history, asked for with Enter.
    pub history: Option<(String, Vec<RunRecord>)>,
    /// The selected run of the History pane, while the pane has the keys (enter on a job);
    /// enter on a run opens its detail, esc gives the keys back to the jobs table.
    pub run_selected: Option<usize>,
    pub filter: String,
    pub sort: SortState,
    pub loaded: bool,
    /// Scheduler heartbeats, most recently seen first.
    pub workers: Vec<crate::store::ops::workers::WorkerRecord>,
}

const KEYS: &[Binding] = &[
    Binding::new(Action::RunJob, "run_job", &["x"], "run the job now", "run").writing(),
    Binding::new(
        Action::CancelJob,
        "cancel_job",
        &["C"],
        "cancel the running job",
        "cancel",
    )
    .writing(),
    Binding::new(
        Action::ToggleJob,
        "toggle_job",
        &["e"],
        "enable or disable the job",
        "on/off",
    )
    .writing(),
];

/// The Jobs tab.
pub struct Module;

fn selected_job_overview(s: &State) -> Option<&JobOverview> {
    let v = &s.tabs.jobs;
    visible(v).get(v.selected).and_then(|&i| v.overview.get(i))
}

fn selected_job(s: &State) -> Option<String> {
    selected_job_overview(s).map(|j| j.job.clone())
}

/// Confirmed: cancel a job, here or through the database.
#[derive(Debug)]
struct Cancel {
    job: String,
    here: bool,
}

impl OnConfirm for Cancel {
    fn confirmed(self: Box<Self>, s: &mut State) -> Vec<Effect> {
        if let Some(run) = s.jobs_here.get_mut(&self.job) {
            run.cancelling = true;
        }
        vec![Effect::CancelJob {
            job: self.job,
            here: self.here,
        }]
    }
}

/// Confirmed: enable or disable a job.
#[derive(Debug)]
struct Toggle {
    job: String,
    enabled: bool,
}

impl OnConfirm for Toggle {
    fn confirmed(self: Box<Self>, _s: &mut State) -> Vec<Effect> {
        vec![Effect::SetJobEnabled {
            job: self.job,
            enabled: self.enabled,
        }]
    }
}

/// Confirmed: run a job in this console.
#[derive(Debug)]
struct RunNow {
    job: String,
}

impl OnConfirm for RunNow {
    fn confirmed(self: Box<Self>, s: &mut State) -> Vec<Effect> {
        s.start_job(&self.job)
    }
}

/// Ask before running a job now (`x`, `:run`, and the recompute keys of Weights and Replies):
/// say what it will change (`effect`, else the catalog's description), and warn when the
/// schedule has it disabled or another process runs it.
pub fn ask_run(s: &mut State, job: &str, effect: Option<String>) -> Vec<Effect> {
    if s.jobs_here.contains_key(job) {
        s.info(format!("{job} is already running here"));
        return Vec::new();
    }
    let Some(spec) = crate::config::catalog::spec(job) else {
        s.error(format!("no job named {job}"));
        return Vec::new();
    };
    let known = s.tabs.jobs.overview.iter().find(|j| j.job == job);
    let disabled = known.is_some_and(|j| !j.enabled);
    let elsewhere = s
        .status
        .as_ref()
        .and_then(|st| st.running.iter().find(|r| r.job == job))
        .map(|r| r.owner.clone());
    let mut lines = vec![
        format!("Run {job} now, in this console?"),
        effect.unwrap_or_else(|| format!("It will {}.", spec.does)),
    ];
    if disabled {
        lines.push(String::new());
        lines.push(format!(
            "WARNING: {job} is DISABLED in the schedule (the scheduler does not run it)."
        ));
        lines.push("y runs it anyway, once; it stays disabled.".into());
    }
    if let Some(owner) = elsewhere {
        lines.push(String::new());
        lines.push(format!(
            "{job} is running in {owner} now: this run is refused until it ends."
        ));
    }
    let title = if disabled {
        format!("Run {job} — DISABLED")
    } else {
        format!("Run {job}")
    };
    ask(
        s,
        &title,
        lines,
        Box::new(RunNow {
            job: job.to_string(),
        }),
    );
    Vec::new()
}

/// Ask before cancelling a job (`c`, `:cancel`): here, or its owner elsewhere.
pub fn ask_cancel(s: &mut State, job: &str) -> Vec<Effect> {
    if s.jobs_here.contains_key(job) {
        ask(
            s,
            "Cancel job",
            vec![format!(
                "Cancel {job}, running in this console? Nothing is half-published."
            )],
            Box::new(Cancel {
                job: job.to_string(),
                here: true,
            }),
        );
        return Vec::new();
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
            Box::new(Cancel {
                job: job.to_string(),
                here: false,
            }),
        ),
        None => s.info(format!("{job} is not running")),
    }
    Vec::new()
}

/// Ask before enabling or disabling a job (`e`, `:enable`, `:disable`).
pub fn ask_toggle(s: &mut State, job: String, enabled: bool) -> Vec<Effect> {
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
        Box::new(Toggle { job, enabled }),
    );
    Vec::new()
}

impl Tab for Module {
    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn query(&self, _s: &State) -> Query {
        Query::Jobs
    }

    fn apply(&self, s: &mut State, data: Loaded) -> bool {
        match data {
            Loaded::Jobs {
                overview,
                recent,
                workers,
            } => {
                let before = selected_job_overview(s).map(|j| (j.job.clone(), j.enabled));
                let t = &mut s.tabs;
                t.jobs.loaded = true;
                let c = super::replace(&mut t.jobs.overview, overview)
                    | super::replace(&mut t.jobs.recent, recent)
                    | super::replace(&mut t.jobs.workers, workers);
                let v = &t.jobs;
                let keys = visible(v).into_iter().map(|i| v.overview[i].job.clone());
                t.jobs.selected = super::follow(before.as_ref().map(|b| &b.0), keys, v.selected);
                // Someone else switched the selected job while it was on screen.
                if let Some((job, was)) = before
                    && let Some(now) = selected_job_overview(s).filter(|j| j.job == job)
                    && now.enabled != was
                {
                    let what = if now.enabled { "enabled" } else { "disabled" };
                    s.info(format!("{job} was {what} since you looked"));
                }
                c
            }
            Loaded::JobHistory { job, runs } => {
                super::replace(&mut s.tabs.jobs.history, Some((job, runs)))
            }
            _ => false,
        }
    }

    fn loaded(&self, tabs: &Tabs) -> bool {
        tabs.jobs.loaded
    }

    fn update(&self, s: &mut State, action: Action) -> Vec<Effect> {
        match action {
            a if super::is_move(a) && s.tabs.jobs.run_selected.is_none() => {
                let page = s.page_rows();
                let len = visible(&s.tabs.jobs).len();
                s.tabs.jobs.selected = moved(s.tabs.jobs.selected, len, a, page);
                Vec::new()
            }
            a if super::is_move(a) => {
                let page = s.page_rows();
                let len = shown_runs(&s.tabs.jobs).1.len();
                let v = &mut s.tabs.jobs;
                v.run_selected = v.run_selected.map(|i| moved(i, len, a, page));
                Vec::new()
            }
            Action::Open => match (s.tabs.jobs.run_selected, selected_job(s)) {
                (Some(i), _) => {
                    match shown_runs(&s.tabs.jobs).1.get(i) {
                        Some(run) => {
                            let lines = run_detail(run, s);
                            s.mode = crate::console::state::Mode::View {
                                title: format!("Run {} of {}", run.id, cell(&run.job, 40)),
                                lines,
                                scroll: 0,
                            };
                        }
                        None => s.info("no run selected"),
                    }
                    Vec::new()
                }
                (None, Some(job)) => {
                    s.tabs.jobs.run_selected = Some(0);
                    vec![s.load(Query::JobHistory(job))]
                }
                (None, None) => Vec::new(),
            },
            Action::RunJob => match selected_job(s) {
                Some(job) => ask_run(s, &job, None),
                None => Vec::new(),
            },
            Action::CancelJob => match selected_job(s) {
                Some(job) => ask_cancel(s, &job),
                None => Vec::new(),
            },
            Action::ToggleJob => match selected_job_overview(s) {
                Some(j) => {
                    let (job, enabled) = (j.job.clone(), !j.enabled);
                    ask_toggle(s, job, enabled)
                }
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    fn back(&self, s: &mut State) {
        s.tabs.jobs.run_selected = None;
    }

    fn sortable(&self) -> bool {
        true
    }

    fn sort(&self, s: &mut State, reverse: bool) -> Option<Vec<Effect>> {
        sort_client_side(&mut s.tabs.jobs.sort, SORTS.len(), reverse);
        Some(Vec::new())
    }

    fn filter<'a>(&self, tabs: &'a Tabs) -> Option<&'a str> {
        Some(&tabs.jobs.filter)
    }

    fn filter_mut<'a>(&self, tabs: &'a mut Tabs) -> Option<&'a mut String> {
        Some(&mut tabs.jobs.filter)
    }

    fn filter_changed(&self, s: &mut State) -> Vec<Effect> {
        s.tabs.jobs.selected = 0;
        Vec::new()
    }

    fn raw_json(&self, s: &State) -> Option<serde_json::Value> {
        let v = &s.tabs.jobs;
        match v.run_selected {
            Some(i) => shown_runs(v).1.get(i).and_then(|r| json(*r)),
            None => selected_job_overview(s).and_then(json),
        }
    }

    fn focus(&self, s: &mut State, id: &str) -> bool {
        // `job` selects the job; `job!failing` (a jump from a failure incident) also gives the
        // keys to its runs with the newest failed or abandoned run selected.
        let (job, failing) = match id.strip_suffix(FAILING_RUN) {
            Some(job) => (job, true),
            None => (id, false),
        };
        let v = &mut s.tabs.jobs;
        let Some(pos) = visible(v).iter().position(|&i| v.overview[i].job == job) else {
            return false;
        };
        v.selected = pos;
        v.run_selected = None;
        if failing {
            let runs = shown_runs(v).1;
            v.run_selected = runs
                .iter()
                .position(|r| matches!(r.status.as_str(), "failed" | "abandoned"));
            if v.run_selected.is_none() {
                s.info(format!(
                    "no failed run of {} among its recent runs: enter shows its history",
                    cell(job, 40)
                ));
            }
        }
        true
    }

    fn draw(&self, f: &mut Frame, s: &State, area: Rect) {
        draw(f, s, area)
    }
}

/// The suffix of a focus id that asks for the job's newest failing run (see `focus`).
pub const FAILING_RUN: &str = "!failing";

/// Sortable columns.
pub const SORTS: [&str; 3] = ["catalog", "lag", "job"];
/// Whether each sortable column naturally runs highest (newest, worst) first.
const NATURAL_DESC: [bool; 3] = [false, true, false];

pub fn visible(v: &JobsView) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..v.overview.len())
        .filter(|&i| {
            let j = &v.overview[i];
            super::matches(
                &v.filter,
                &[
                    Some(j.job.as_str()),
                    Some(j.priority.as_str()),
                    Some(j.sla.as_str()),
                ],
            )
        })
        .collect();
    match v.sort.col {
        1 => idx.sort_by(|&a, &b| {
            let ratio = |i: usize| {
                v.overview[i].lag_minutes as f64 / f64::from(v.overview[i].max_lag_minutes.max(1))
            };
            ratio(b).total_cmp(&ratio(a))
        }),
        2 => idx.sort_by(|&a, &b| v.overview[a].job.cmp(&v.overview[b].job)),
        _ => {}
    }
    if v.sort.desc {
        idx.reverse();
    }
    idx
}

fn minutes(m: i64) -> String {
    match m {
        m if m >= 2880 => format!("{}d", m / 1440),
        m if m >= 120 => format!("{}h", m / 60),
        m => format!("{m}m"),
    }
}

/// "scheduler seen 12s ago", "scheduler stopped 3h ago", "NO SCHEDULER SEEN".
pub fn scheduler_seen(
    workers: &[crate::store::ops::workers::WorkerRecord],
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    match workers.iter().max_by_key(|w| w.seen_at) {
        None => "NO SCHEDULER SEEN".into(),
        Some(w) if w.stopped_at.is_some() => {
            format!("scheduler STOPPED {} ago", super::age(now, w.seen_at))
        }
        Some(w) => format!("scheduler seen {} ago", super::age(now, w.seen_at)),
    }
}

pub fn draw(f: &mut Frame, s: &State, area: Rect) {
    let v = &s.tabs.jobs;
    let [table_area, history_area] =
        Layout::vertical([Constraint::Length(12), Constraint::Min(4)]).areas(area);
    let order = visible(v);
    let late = v
        .overview
        .iter()
        .filter(|j| j.sla == SlaState::Late)
        .count();
    let title = format!(
        " Jobs — {} — {} over SLA — sorted by {}{} · x run · C cancel · e on/off · enter runs ",
        scheduler_seen(&v.workers, s.now),
        late,
        SORTS[v.sort.col],
        v.sort.marker(NATURAL_DESC[v.sort.col], s.setup.ascii)
    );
    let wide = area.width >= 120;
    let shown = row_window(order.len(), v.selected, table_rows(table_area));
    let rows: Vec<Row> = order[shown.clone()]
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let pos = shown.start + k;
            let j = &v.overview[i];
            let last = j.last_run.as_ref().map_or(
                Span::styled("never", s.theme.style(Role::Muted)),
                |r| {
                    let style = match r.status.as_str() {
                        "succeeded" => s.theme.style(Role::Ok),
                        "failed" | "abandoned" => s.theme.style(Role::Error),
                        "running" => s.theme.style(Role::Info),
                        _ => s.theme.style(Role::Muted),
                    };
                    Span::styled(
                        format!(
                            "{} {}",
                            cell(&r.status, 10),
                            age(s.now, r.finished_at.unwrap_or(r.started_at))
                        ),
                        style,
                    )
                },
            );
            let ratio = j.lag_minutes as f64 / f64::from(j.max_lag_minutes.max(1));
            let lag_style = match j.sla {
                SlaState::Late => s.theme.style(Role::Error),
                _ if ratio > 0.8 => s.theme.style(Role::Warn),
                _ => s.theme.style(Role::Bar),
            };
            let running = if let Some(local) = s.jobs_here.get(&j.job) {
                let p = &local.progress;
                let frac = if p.total > 0 {
                    format!(" {}/{}", p.done, p.total)
                } else {
                    String::new()
                };
                format!("{} here{frac} {}", spinner(s), cell(&p.phase, 16))
            } else if let Some(r) = &j.running {
                let frac = match (r.progress_done, r.progress_total) {
                    (Some(d), Some(t)) if t > 0 => format!(" {d}/{t}"),
                    _ => String::new(),
                };
                format!("{} {}{frac}", spinner(s), cell(&r.owner, 24))
            } else if let Some(skip) = &j.skip_reason {
                format!("skip: {}", cell(skip, 40))
            } else {
                String::new()
            };
            let sla = Span::styled(
                j.sla.as_str(),
                match j.sla {
                    SlaState::Late => s.theme.style(Role::Error),
                    SlaState::Ok => s.theme.style(Role::Ok),
                    SlaState::NeverRan => s.theme.style(Role::Warn),
                    _ => s.theme.style(Role::Muted),
                },
            );
            let mut cells = vec![
                Cell::from(j.job.clone()),
                Cell::from(if j.enabled { "on" } else { "OFF" }),
                Cell::from(minutes(i64::from(j.interval_minutes))),
            ];
            if wide {
                cells.push(Cell::from(cell(&j.priority, 12)));
            }
            cells.extend([
                Cell::from(last),
                Cell::from(Line::from(vec![
                    Span::styled(hbar(ratio.min(1.0), 1.0, 6, s.setup.ascii), lag_style),
                    Span::raw(format!(
                        "{:>w$}",
                        "",
                        w = 6usize.saturating_sub(crate::text::width(&hbar(
                            ratio.min(1.0),
                            1.0,
                            6,
                            s.setup.ascii
                        )))
                    )),
                    Span::raw(format!(
                        " {}/{}",
                        // No success to measure a lag from.
                        if j.sla == SlaState::NeverRan {
                            "–".to_string()
                        } else {
                            minutes(j.lag_minutes)
                        },
                        minutes(i64::from(j.max_lag_minutes))
                    )),
                ])),
                Cell::from(sla),
                Cell::from(running),
            ]);
            let row = Row::new(cells);
            if pos == v.selected {
                row.style(s.theme.style(Role::Selection))
            } else {
                row
            }
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(23),
        Constraint::Length(3),
        Constraint::Length(5),
    ];
    let mut header = vec!["job", "on", "every"];
    if wide {
        widths.push(Constraint::Length(12));
        header.push("priority");
    }
    widths.extend([
        Constraint::Length(15),
        Constraint::Length(15),
        Constraint::Length(5),
        Constraint::Min(6),
    ]);
    header.extend(["last run", "lag / max", "sla", "running / skipped"]);
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(s.theme.style(Role::TableHeader)))
        .block(block(s, title, true));
    f.render_widget(table, table_area);

    let selected = order.get(v.selected).and_then(|&i| v.overview.get(i));
    let (title, runs) = shown_runs(v);
    if runs.is_empty() {
        let text = selected.map_or(String::new(), |j| {
            format!(" {}: {}. No runs yet.", j.job, j.does)
        });
        f.render_widget(
            Paragraph::new(Span::styled(text, s.theme.style(Role::Muted)))
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(block(s, title, false)),
            history_area,
        );
        return;
    }
    let shown = row_window(
        runs.len(),
        v.run_selected.unwrap_or(0),
        history_area.height.saturating_sub(2) as usize,
    );
    let lines: Vec<Line> = runs[shown.clone()]
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let picked = v.run_selected == Some(shown.start + k);
            let took = r.took_label();
            let message = r.summary();
            let style = match r.status.as_str() {
                "succeeded" => s.theme.style(Role::Ok),
                "failed" | "abandoned" => s.theme.style(Role::Error),
                _ => s.theme.style(Role::Muted),
            };
            let line = Line::from(vec![
                Span::raw(format!("{:>6} {:>4} ", r.id, age(s.now, r.started_at))),
                // A run's status and trigger are database strings: inert, cut to their column.
                Span::styled(format!("{:<10}", cell(&r.status, 10)), style),
                Span::raw(format!("{:<9}{:>7} ", cell(&r.trigger, 9), took)),
                Span::raw(cell(
                    &message,
                    history_area.width.saturating_sub(42) as usize,
                )),
            ]);
            if picked {
                line.style(s.theme.style(Role::Selection))
            } else {
                line
            }
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(block(s, title, v.run_selected.is_some())),
        history_area,
    );
}

/// The History pane's title and runs: the selected job's longer history when enter asked for
/// it, else its latest runs from the tab's own load (newest first).
pub fn shown_runs(v: &JobsView) -> (String, Vec<&RunRecord>) {
    let order = visible(v);
    let selected = order.get(v.selected).and_then(|&i| v.overview.get(i));
    let keys = if v.run_selected.is_some() {
        " · enter details · esc back"
    } else {
        " · enter for runs"
    };
    match (&v.history, selected) {
        (Some((job, runs)), Some(j)) if *job == j.job => {
            (format!(" History of {job}{keys} "), runs.iter().collect())
        }
        (_, Some(j)) => (
            format!(" Recent runs of {}{keys} ", j.job),
            v.recent.iter().filter(|r| r.job == j.job).collect(),
        ),
        (_, None) => (" History ".to_string(), Vec::new()),
    }
}

/// A run in full: who started it and how, when, its progress, its whole error and its stats as
/// a key/value tree (database strings made inert).
pub fn run_detail(r: &RunRecord, s: &State) -> Vec<String> {
    let tz = s.setup.tz;
    let at = |t: chrono::DateTime<chrono::Utc>| {
        format!(
            "{} ({} ago)",
            t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S %Z"),
            age(s.now, t)
        )
    };
    let inert = crate::text::inert;
    let mut out = vec![
        format!("job          {}", inert(&r.job)),
        format!("status       {}", inert(&r.status)),
        format!(
            "started by   {} ({} trigger)",
            inert(&r.owner),
            inert(&r.trigger)
        ),
        format!("started      {}", at(r.started_at)),
    ];
    match r.finished_at {
        Some(f) => out.push(format!("finished     {} — took {}", at(f), r.took_label())),
        None => {
            out.push("finished     not yet".into());
            if let Some(h) = r.heartbeat_at {
                out.push(format!("heartbeat    {}", at(h)));
            }
            if let Some(l) = r.lease_until {
                out.push(format!("lease until  {}", at(l)));
            }
        }
    }
    if r.cancel_requested {
        out.push("cancel       requested".into());
    }
    // Progress: the phases this console saw for its own run, else the last one stored.
    let progress = match (r.progress_done, r.progress_total) {
        (Some(d), Some(t)) if t > 0 => format!("{d}/{t}"),
        (Some(d), _) => format!("{d}"),
        _ => "–".into(),
    };
    out.push(format!(
        "progress     {progress}, last phase: {}",
        r.progress_phase.as_deref().map_or("–".into(), inert)
    ));
    out.push(String::new());
    match &r.error {
        Some(e) => {
            out.push("error".into());
            out.extend(
                crate::text::inert_multiline(e)
                    .lines()
                    .map(|l| format!("  {l}")),
            );
        }
        None => out.push("error        none".into()),
    }
    out.push(String::new());
    match r
        .stats
        .as_deref()
        .map(serde_json::from_str::<serde_json::Value>)
    {
        Some(Ok(v)) => {
            out.push("stats".into());
            tree(&v, 1, &mut out);
        }
        Some(Err(e)) => out.push(format!("stats        not JSON ({e})")),
        None => out.push("stats        none".into()),
    }
    out
}

/// A JSON value as an indented key/value tree: objects and arrays one entry a line.
fn tree(v: &serde_json::Value, depth: usize, out: &mut Vec<String>) {
    use serde_json::Value;
    let pad = "  ".repeat(depth);
    let scalar = |v: &Value| match v {
        Value::String(t) => crate::text::inert(t),
        Value::Null => "–".into(),
        other => other.to_string(),
    };
    match v {
        Value::Object(map) if map.is_empty() => out.push(format!("{pad}(empty)")),
        Value::Object(map) => {
            for (k, val) in map {
                match val {
                    Value::Object(m) if !m.is_empty() => {
                        out.push(format!("{pad}{}:", crate::text::inert(k)));
                        tree(val, depth + 1, out);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push(format!("{pad}{}:", crate::text::inert(k)));
                        tree(val, depth + 1, out);
                    }
                    _ => out.push(format!("{pad}{}: {}", crate::text::inert(k), scalar(val))),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) | Value::Array(_) => {
                        out.push(format!("{pad}-"));
                        tree(item, depth + 1, out);
                    }
                    _ => out.push(format!("{pad}- {}", scalar(item))),
                }
            }
        }
        other => out.push(format!("{pad}{}", scalar(other))),
    }
}
