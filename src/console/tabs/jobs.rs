//! 8 Jobs: JOB_CONFIG with each job's last run, lag against its SLA, the owner of a running
//! run and its progress; the selected job's history (enter). Run now, cancel, enable/disable.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::super::state::State;
use super::super::theme::Role;
use super::super::widgets::{block, hbar, row_window, spinner, table_rows};
use super::{JobsView, age};
use crate::jobs::overview::SlaState;
use crate::store::ops::jobs::RunRecord;
use crate::text::cell;

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
        " Jobs — {} over SLA — sorted by {}{} · x run · c cancel · e on/off · enter history ",
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
                        minutes(j.lag_minutes),
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
        Constraint::Length(4),
        Constraint::Min(6),
    ]);
    header.extend(["last run", "lag / max", "sla", "running / skipped"]);
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(s.theme.style(Role::TableHeader)))
        .block(block(s, title, true));
    f.render_widget(table, table_area);

    // The selected job's runs: its longer history when Enter asked for it, else its latest
    // runs from the tab's own load.
    let selected = order.get(v.selected).and_then(|&i| v.overview.get(i));
    let (title, runs): (String, Vec<&RunRecord>) = match (&v.history, selected) {
        (Some((job, runs)), Some(j)) if *job == j.job => {
            (format!(" History of {job} "), runs.iter().collect())
        }
        (_, Some(j)) => (
            format!(" Recent runs of {} · enter for more ", j.job),
            v.recent.iter().filter(|r| r.job == j.job).collect(),
        ),
        (_, None) => (" History ".to_string(), Vec::new()),
    };
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
    let lines: Vec<Line> = runs
        .iter()
        .take(history_area.height.saturating_sub(2) as usize)
        .map(|r| {
            let took = r.took_label();
            let message = r.summary();
            let style = match r.status.as_str() {
                "succeeded" => s.theme.style(Role::Ok),
                "failed" | "abandoned" => s.theme.style(Role::Error),
                _ => s.theme.style(Role::Muted),
            };
            Line::from(vec![
                Span::raw(format!("{:>6} {:>4} ", r.id, age(s.now, r.started_at))),
                // A run's status and trigger are database strings: inert, cut to their column.
                Span::styled(format!("{:<10}", cell(&r.status, 10)), style),
                Span::raw(format!("{:<9}{:>7} ", cell(&r.trigger, 9), took)),
                Span::raw(cell(
                    &message,
                    history_area.width.saturating_sub(42) as usize,
                )),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(block(s, title, false)),
        history_area,
    );
}
