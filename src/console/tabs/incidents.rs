//! 9 Incidents: open incidents first, then resolved ones; the timeline of system events; the
//! operator audit trail, with this session's actions on top.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::super::theme::Role;
use super::super::widgets::{block, row_window, table_rows};
use super::age;
use super::{SortState, Tab, Tabs, json, moved, sort_client_side};
use crate::console::keymap::Action;
use crate::console::msg::{Effect, Loaded, Query};
use crate::console::state::{Mode, State};
use crate::store::ops::incidents::{EventRecord, IncidentRecord};
use crate::store::ops::reviews::AuditRecord;
use crate::text::cell;

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

/// The Incidents tab.
pub struct Module;

impl Tab for Module {
    fn query(&self, _s: &State) -> Query {
        Query::Incidents
    }

    fn apply(&self, s: &mut State, data: Loaded) -> bool {
        let Loaded::Incidents {
            incidents,
            events,
            audit,
        } = data
        else {
            return false;
        };
        let v = &mut s.tabs.incidents;
        v.loaded = true;
        let c = super::replace(&mut v.incidents, incidents)
            | super::replace(&mut v.events, events)
            | super::replace(&mut v.audit, audit);
        v.selected = v.selected.min(v.incidents.len().saturating_sub(1));
        c
    }

    fn loaded(&self, tabs: &Tabs) -> bool {
        tabs.incidents.loaded
    }

    fn update(&self, s: &mut State, action: Action) -> Vec<Effect> {
        match action {
            a if super::is_move(a) => {
                let page = s.page_rows();
                let len = visible(&s.tabs.incidents).len();
                s.tabs.incidents.selected = moved(s.tabs.incidents.selected, len, a, page);
            }
            Action::Open => {
                let v = &s.tabs.incidents;
                if let Some(i) = visible(v).get(v.selected).and_then(|&i| v.incidents.get(i)) {
                    let lines = detail_lines(i, &v.events, s.now);
                    s.mode = Mode::View {
                        title: format!("Incident #{}", i.id),
                        lines,
                        scroll: 0,
                    };
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn sort(&self, s: &mut State, reverse: bool) -> Option<Vec<Effect>> {
        sort_client_side(&mut s.tabs.incidents.sort, SORTS.len(), reverse);
        Some(Vec::new())
    }

    fn filter<'a>(&self, tabs: &'a Tabs) -> Option<&'a str> {
        Some(&tabs.incidents.filter)
    }

    fn filter_mut<'a>(&self, tabs: &'a mut Tabs) -> Option<&'a mut String> {
        Some(&mut tabs.incidents.filter)
    }

    fn filter_changed(&self, s: &mut State) -> Vec<Effect> {
        s.tabs.incidents.selected = 0;
        Vec::new()
    }

    fn raw_json(&self, s: &State) -> Option<serde_json::Value> {
        let v = &s.tabs.incidents;
        visible(v)
            .get(v.selected)
            .and_then(|&i| json(&v.incidents[i]))
    }

    fn focus(&self, s: &mut State, id: &str) -> bool {
        let v = &mut s.tabs.incidents;
        match visible(v)
            .iter()
            .position(|&i| v.incidents[i].id.to_string() == id)
        {
            Some(pos) => {
                v.selected = pos;
                true
            }
            None => false,
        }
    }

    fn draw(&self, f: &mut Frame, s: &State, area: Rect) {
        draw(f, s, area)
    }
}

/// Sortable columns.
pub const SORTS: [&str; 3] = ["state", "opened", "severity"];
/// Whether each sortable column naturally runs highest (newest, worst) first.
const NATURAL_DESC: [bool; 3] = [false, true, true];

fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 3,
        "error" => 2,
        "warning" => 1,
        _ => 0,
    }
}

pub fn visible(v: &IncidentsView) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..v.incidents.len())
        .filter(|&i| {
            let x = &v.incidents[i];
            super::matches(
                &v.filter,
                &[
                    Some(x.kind.as_str()),
                    Some(x.subject.as_str()),
                    x.details.as_deref(),
                    Some(x.state.as_str()),
                ],
            )
        })
        .collect();
    match v.sort.col {
        1 => idx.sort_by_key(|&i| std::cmp::Reverse(v.incidents[i].opened_at)),
        2 => idx.sort_by_key(|&i| std::cmp::Reverse(severity_rank(&v.incidents[i].severity))),
        _ => {}
    }
    if v.sort.desc {
        idx.reverse();
    }
    idx
}

fn severity_style(s: &State, sev: &str) -> ratatui::style::Style {
    s.theme.style(match sev {
        "critical" => Role::Critical,
        "error" => Role::Error,
        "warning" => Role::Warn,
        _ => Role::Info,
    })
}

pub fn draw(f: &mut Frame, s: &State, area: Rect) {
    let v = &s.tabs.incidents;
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let order = visible(v);
    let open = v.incidents.iter().filter(|i| i.state == "open").count();
    let title = format!(
        " Incidents — {open} open — sorted by {}{} · enter details ",
        SORTS[v.sort.col],
        v.sort.marker(NATURAL_DESC[v.sort.col], s.setup.ascii)
    );
    let wide = area.width >= 120;
    // What is left for details: the fixed columns, the gaps between columns, the borders.
    let fixed = if wide { 63 + 15 + 7 } else { 63 + 5 };
    let details_width = (top.width as usize).saturating_sub(fixed + 2).max(10);
    let shown = row_window(order.len(), v.selected, table_rows(top));
    let rows: Vec<Row> = order[shown.clone()]
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let pos = shown.start + k;
            let x = &v.incidents[i];
            let state = if x.state == "open" {
                Span::styled("OPEN", s.theme.style(Role::Error))
            } else {
                Span::styled("resolved", s.theme.style(Role::Muted))
            };
            let duration = match x.resolved_at {
                Some(r) => format!("{} long", age(r, x.opened_at)),
                None => format!("for {}", age(s.now, x.opened_at)),
            };
            let mut cells = vec![
                Cell::from(state),
                Cell::from(Span::styled(
                    cell(&x.severity, 8),
                    severity_style(s, &x.severity),
                )),
                Cell::from(cell(&x.kind, 18)),
                Cell::from(cell(&x.subject, 23)),
                Cell::from(age(s.now, x.opened_at)),
            ];
            if wide {
                cells.push(Cell::from(duration));
                cells.push(Cell::from(x.count.to_string()));
            }
            cells.push(Cell::from(cell(
                x.details.as_deref().unwrap_or(""),
                details_width,
            )));
            let row = Row::new(cells);
            if pos == v.selected {
                row.style(s.theme.style(Role::Selection))
            } else {
                row
            }
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(18),
        Constraint::Length(23),
        Constraint::Length(6),
    ];
    let mut header = vec!["state", "severity", "kind", "subject", "opened"];
    if wide {
        widths.extend([Constraint::Length(10), Constraint::Length(5)]);
        header.extend(["duration", "seen"]);
    }
    widths.push(Constraint::Min(10));
    header.push("details");
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(s.theme.style(Role::TableHeader)))
        .block(block(s, title, true));
    f.render_widget(table, top);
    if v.loaded && v.incidents.is_empty() {
        let inner = Rect::new(top.x + 2, top.y + 2, top.width.saturating_sub(4), 1);
        f.render_widget(
            Paragraph::new(Span::styled(
                "no incidents, ever",
                s.theme.style(Role::Muted),
            )),
            inner,
        );
    }

    let [events, audit] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(bottom);
    let lines: Vec<Line> = v
        .events
        .iter()
        .take(events.height.saturating_sub(2) as usize)
        .map(|e| {
            Line::from(vec![
                Span::raw(format!("{:>4} ", age(s.now, e.created_at))),
                Span::styled(
                    format!("{:<18} ", cell(&e.event_type, 18)),
                    severity_style(s, &e.severity),
                ),
                Span::raw(cell(&e.message, events.width.saturating_sub(27) as usize)),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(block(s, " Timeline (system events) ", false)),
        events,
    );

    // The audit pane: this session's actions first, then the database's trail.
    let mut lines: Vec<Line> = s
        .activity
        .iter()
        .rev()
        .take(4)
        .map(|a| {
            let style = if a.ok {
                s.theme.style(Role::Ok)
            } else {
                s.theme.style(Role::Error)
            };
            Line::from(vec![
                Span::raw(format!("{:>4} ", age(s.now, a.at))),
                Span::styled("you ", s.theme.style(Role::Key)),
                Span::styled(
                    cell(&a.text, audit.width.saturating_sub(12) as usize),
                    style,
                ),
            ])
        })
        .collect();
    let inner = audit.width.saturating_sub(2) as usize;
    for a in v.audit.iter().take(audit.height.saturating_sub(2) as usize) {
        // Every part is cut to what is left of the line, so a long one ends in "…".
        let when = format!("{:>4} ", age(s.now, a.at));
        let who = format!("{} ", cell(&a.operator, 16));
        let mut left = inner.saturating_sub(when.len() + crate::text::width(&who));
        let action = cell(&a.action, left);
        left = left.saturating_sub(crate::text::width(&action) + 1);
        let rest = cell(&format!("{} {}", a.subject, a.outcome), left);
        lines.push(Line::from(vec![
            Span::raw(when),
            Span::raw(who),
            Span::styled(format!("{action} "), s.theme.style(Role::Title)),
            Span::raw(rest),
        ]));
    }
    lines.truncate(audit.height.saturating_sub(2) as usize);
    f.render_widget(
        Paragraph::new(lines).block(block(s, " Audit ", false)),
        audit,
    );
}

/// The detail view of an incident, with the events about its subject.
pub fn detail_lines(i: &IncidentRecord, events: &[EventRecord], now: DateTime<Utc>) -> Vec<String> {
    let mut out = vec![
        // State and severity are database strings (an unknown one is shown as it is, inert).
        format!(
            "incident #{}  {}  {}",
            i.id,
            crate::text::inert(&i.state),
            crate::text::inert(&i.severity)
        ),
        format!(
            "kind {}  subject {}",
            crate::text::inert(&i.kind),
            crate::text::inert(&i.subject)
        ),
        format!(
            "opened {} ago{}",
            age(now, i.opened_at),
            i.resolved_at
                .map(|r| format!(", resolved {} ago", age(now, r)))
                .unwrap_or_default()
        ),
        format!(
            "last seen {} ago, seen {} times",
            age(now, i.last_seen_at),
            i.count
        ),
        String::new(),
        crate::text::inert(i.details.as_deref().unwrap_or("")),
        String::new(),
        "events:".into(),
    ];
    for e in events
        .iter()
        .filter(|e| e.message.contains(&i.subject))
        .take(30)
    {
        out.push(format!(
            "  {} ago  {}  {}",
            age(now, e.created_at),
            crate::text::inert(&e.event_type),
            crate::text::inert(&e.message)
        ));
    }
    out
}
