//! 9 Incidents: open incidents first (acknowledged ones marked), then resolved ones; the
//! notifications not delivered yet; the timeline of system events; the operator audit trail,
//! with this session's actions on top. `a` acknowledges (optional note), `R` resolves by hand
//! (note required), `n` adds a note, all through the store's audited path; `enter` goes to the
//! incident's subject (the job, the review, the budget); `d` shows the details with notes and
//! notifications.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::super::theme::Role;
use super::super::widgets::{block, row_window, table_rows};
use super::age;
use super::{SortState, Tab, TabId, Tabs, json, moved, sort_client_side};
use crate::console::dialog::{OnSubmit, prompt};
use crate::console::keymap::{Action, Binding};
use crate::console::msg::{Effect, Loaded, Query, TabData};
use crate::console::state::{Mode, Setup, State};
use crate::store::ops::incidents::{
    EventRecord, IncidentAction, IncidentNote, IncidentRecord, IncidentRequest,
};
use crate::store::ops::notify::OutboxRecord;
use crate::store::ops::reviews::AuditRecord;
use crate::store::{Reads, Store, StoreError};
use crate::text::cell;

/// The Incidents tab.
#[derive(Debug, Clone, Default)]
pub struct IncidentsView {
    pub incidents: Vec<IncidentRecord>,
    pub events: Vec<EventRecord>,
    pub audit: Vec<AuditRecord>,
    /// Notes on the listed incidents.
    pub notes: Vec<IncidentNote>,
    /// Notifications of the listed incidents, and every one not delivered.
    pub outbox: Vec<OutboxRecord>,
    pub selected: usize,
    pub filter: String,
    pub sort: SortState,
    pub loaded: bool,
}

/// What the tab loads.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentsData {
    pub incidents: Vec<IncidentRecord>,
    pub events: Vec<EventRecord>,
    pub audit: Vec<AuditRecord>,
    pub notes: Vec<IncidentNote>,
    pub outbox: Vec<OutboxRecord>,
}

/// How many incidents the tab lists (open first, then the newest resolved).
const LISTED: i64 = 200;

const KEYS: &[Binding] = &[
    Binding::new(
        Action::AckIncident,
        "ack_incident",
        &["a"],
        "acknowledge the incident (you have it: paging stops; optional note)",
        "ack",
    )
    .writing(),
    Binding::new(
        Action::ResolveIncident,
        "resolve_incident",
        &["R"],
        "resolve the incident by hand (a note saying why is required)",
        "resolve",
    )
    .writing(),
    Binding::new(
        Action::NoteIncident,
        "note_incident",
        &["n"],
        "add a note to the incident",
        "note",
    )
    .writing(),
    Binding::new(
        Action::IncidentDetails,
        "incident_details",
        &["d"],
        "details: notes, notifications, events",
        "details",
    ),
];

/// The text typed for an action, then the action.
#[derive(Debug)]
struct NotePrompt {
    incident_id: i64,
    kind: PromptKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum PromptKind {
    Ack,
    Resolve,
    Note,
}

impl OnSubmit for NotePrompt {
    fn submitted(&self, s: &mut State, text: String) -> Option<Vec<Effect>> {
        let action = match self.kind {
            PromptKind::Ack => IncidentAction::Acknowledge {
                note: (!text.is_empty()).then_some(text),
            },
            PromptKind::Resolve if text.is_empty() => {
                s.error("resolving by hand needs a note saying why");
                return None;
            }
            PromptKind::Resolve => IncidentAction::Resolve { note: text },
            PromptKind::Note if text.is_empty() => {
                s.error("the note is empty");
                return None;
            }
            PromptKind::Note => IncidentAction::Note { note: text },
        };
        Some(vec![Effect::ActOnIncident(IncidentRequest {
            incident_id: self.incident_id,
            action,
            action_id: uuid::Uuid::now_v7().to_string(),
            operator: s.operator.clone().via(crate::identity::Via::Console),
        })])
    }
}

/// The selected incident.
fn selected(v: &IncidentsView) -> Option<&IncidentRecord> {
    visible(v).get(v.selected).and_then(|&i| v.incidents.get(i))
}

/// Where `enter` goes for an incident: the tab and the row to select there.
pub fn subject_of(i: &IncidentRecord) -> Option<(TabId, Option<String>)> {
    use crate::jobs::incidents as k;
    match i.kind.as_str() {
        k::SLA_LAG => Some((TabId::Jobs, Some(i.subject.clone()))),
        // The job with its failing run selected (enter again shows the run in full).
        k::FAILURE_STREAK | k::LEASE_EXPIRED => Some((
            TabId::Jobs,
            Some(format!("{}{}", i.subject, super::jobs::FAILING_RUN)),
        )),
        k::SCHEDULER_ABSENT => Some((TabId::Jobs, None)),
        k::BUDGET_TIER | k::AI_CIRCUIT => Some((TabId::Budget, None)),
        k::REVIEW_SLA => {
            // The oldest overdue review, as the details name it ("oldest #12 waiting").
            let id = i
                .details
                .as_deref()
                .and_then(|d| d.split("oldest #").nth(1))
                .map(|rest| {
                    rest.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                })
                .filter(|id| !id.is_empty());
            Some((TabId::Safety, id))
        }
        _ => None,
    }
}

/// The Incidents tab.
pub struct Module;

impl Tab for Module {
    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn query(&self, _s: &State) -> Query {
        Query::Tab(TabId::Incidents)
    }

    fn load<'a>(
        &self,
        store: &'a dyn Store,
        _setup: &'a Setup,
        _now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Box<dyn TabData>, StoreError>> {
        Box::pin(async move {
            // Every read in one batch: one round trip on Postgres. The notes and notifications
            // are those of the incidents listed, selected by the same query on the server.
            let mut r = Reads::new();
            let incidents = store.read_incidents(&mut r, true, LISTED);
            let notes = store.read_listed_incident_notes(&mut r, true, LISTED);
            let outbox = store.read_listed_notifications(&mut r, true, LISTED);
            let undelivered = store.read_undelivered(&mut r, 50);
            let events = store.read_events(&mut r, 200);
            let audit = store.read_audit(&mut r, None, 100);
            let mut b = store.fetch_reads(r).await?;
            let mut outbox = outbox.take(&mut b)?;
            for o in undelivered.take(&mut b)? {
                if !outbox.iter().any(|x| x.id == o.id) {
                    outbox.push(o);
                }
            }
            let data = IncidentsData {
                notes: notes.take(&mut b)?,
                incidents: incidents.take(&mut b)?,
                events: events.take(&mut b)?,
                audit: audit.take(&mut b)?,
                outbox,
            };
            Ok(Box::new(data) as Box<dyn TabData>)
        })
    }

    fn apply(&self, s: &mut State, data: Loaded) -> bool {
        let Loaded::Tab(_, data) = data else {
            return false;
        };
        let Ok(d) = data.into_any().downcast::<IncidentsData>() else {
            return false;
        };
        let d = *d;
        let v = &mut s.tabs.incidents;
        // Keep the selection on the same incident across refreshes.
        let was = selected(v).map(|i| i.id);
        v.loaded = true;
        let c = super::replace(&mut v.incidents, d.incidents)
            | super::replace(&mut v.events, d.events)
            | super::replace(&mut v.audit, d.audit)
            | super::replace(&mut v.notes, d.notes)
            | super::replace(&mut v.outbox, d.outbox);
        if let Some(id) = was
            && let Some(pos) = visible(v).iter().position(|&i| v.incidents[i].id == id)
        {
            v.selected = pos;
        }
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
                let Some(i) = selected(&s.tabs.incidents) else {
                    return Vec::new();
                };
                return match subject_of(i) {
                    Some((tab, row)) => s.jump(tab, row),
                    None => {
                        let what = format!(
                            "{} has no subject to show; d shows its details",
                            cell(&i.kind, 30)
                        );
                        s.info(what);
                        Vec::new()
                    }
                };
            }
            Action::IncidentDetails => {
                let v = &s.tabs.incidents;
                if let Some(i) = selected(v) {
                    let lines = detail_lines(i, &v.events, &v.notes, &v.outbox, s.now);
                    s.mode = Mode::View {
                        title: format!("Incident #{}", i.id),
                        lines,
                        scroll: 0,
                    };
                }
            }
            Action::AckIncident | Action::ResolveIncident | Action::NoteIncident => {
                let Some(i) = selected(&s.tabs.incidents) else {
                    return Vec::new();
                };
                let (id, status) = (i.id, i.status().to_string());
                let kind = match action {
                    Action::AckIncident => PromptKind::Ack,
                    Action::ResolveIncident => PromptKind::Resolve,
                    _ => PromptKind::Note,
                };
                // Say at once what the store would answer; it still decides.
                match (kind, status.as_str()) {
                    (PromptKind::Ack, "acknowledged") => {
                        let by = i.acknowledged_by.clone().unwrap_or_default();
                        s.error(format!(
                            "#{id} is already acknowledged by {}",
                            cell(&by, 40)
                        ));
                        return Vec::new();
                    }
                    (PromptKind::Ack | PromptKind::Resolve, "resolved") => {
                        s.error(format!("#{id} is already resolved"));
                        return Vec::new();
                    }
                    _ => {}
                }
                let title = match kind {
                    PromptKind::Ack => {
                        format!("Acknowledge #{id} — note (optional, enter to skip)")
                    }
                    PromptKind::Resolve => format!("Resolve #{id} by hand — why? (required)"),
                    PromptKind::Note => format!("Note on #{id}"),
                };
                prompt(
                    s,
                    title,
                    Box::new(NotePrompt {
                        incident_id: id,
                        kind,
                    }),
                );
            }
            _ => {}
        }
        Vec::new()
    }

    fn sortable(&self) -> bool {
        true
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
        let i = selected(v)?;
        let mut value = json(i)?;
        value["status"] = serde_json::json!(i.status());
        value["notes"] = json(
            &v.notes
                .iter()
                .filter(|n| n.incident_id == i.id)
                .collect::<Vec<_>>(),
        )?;
        value["notifications"] = json(
            &v.outbox
                .iter()
                .filter(|o| o.incident_id == Some(i.id))
                .collect::<Vec<_>>(),
        )?;
        Some(value)
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
    let acked = v
        .incidents
        .iter()
        .filter(|i| i.status() == "acknowledged")
        .count();
    let title = format!(
        " Incidents — {open} open{} — sorted by {}{} · enter go to subject · d details ",
        if acked > 0 {
            format!(" ({acked} acknowledged)")
        } else {
            String::new()
        },
        SORTS[v.sort.col],
        v.sort.marker(NATURAL_DESC[v.sort.col], s.setup.ascii)
    );
    // Notifications not delivered get a pane of their own above the timeline.
    let failing: Vec<&OutboxRecord> = v
        .outbox
        .iter()
        .filter(|o| o.state == "failed" || (o.state == "pending" && o.attempts > 0))
        .collect();
    let (bottom, notify_area) = if failing.is_empty() {
        (bottom, None)
    } else {
        let h = (failing.len() as u16 + 2).min(6).min(bottom.height / 2);
        let [n, rest] = Layout::vertical([Constraint::Length(h), Constraint::Min(0)]).areas(bottom);
        (rest, Some(n))
    };
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
            let state = match x.status() {
                "open" => Span::styled("OPEN", s.theme.style(Role::Error)),
                "acknowledged" => Span::styled("ACK", s.theme.style(Role::Warn)),
                _ => Span::styled("resolved", s.theme.style(Role::Muted)),
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

    if let Some(area) = notify_area {
        let width = area.width.saturating_sub(2) as usize;
        let lines: Vec<Line> = failing
            .iter()
            .take(area.height.saturating_sub(2) as usize)
            .map(|o| {
                let role = if o.state == "failed" {
                    Role::Error
                } else {
                    Role::Warn
                };
                let what = format!(
                    "{} {} → {}: ",
                    o.incident_id.map_or("–".into(), |i| format!("#{i}")),
                    o.transition,
                    o.destination
                );
                let left = width.saturating_sub(crate::text::width(&what));
                Line::from(vec![
                    Span::raw(cell(&what, width)),
                    Span::styled(
                        cell(&crate::store::ops::notify::delivery_state(o, s.now), left),
                        s.theme.style(role),
                    ),
                ])
            })
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(block(s, " Notifications not delivered ", false)),
            area,
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

/// The detail view of an incident: its state, who acknowledged or resolved it and why, its
/// notes, its notifications with their delivery, and the events about its subject.
pub fn detail_lines(
    i: &IncidentRecord,
    events: &[EventRecord],
    notes: &[IncidentNote],
    outbox: &[OutboxRecord],
    now: DateTime<Utc>,
) -> Vec<String> {
    let inert = crate::text::inert;
    let mut out = vec![
        // State and severity are database strings (an unknown one is shown as it is, inert).
        format!(
            "incident #{}  {}  {}",
            i.id,
            inert(i.status()),
            inert(&i.severity)
        ),
        format!("kind {}  subject {}", inert(&i.kind), inert(&i.subject)),
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
    ];
    if let Some(at) = i.acknowledged_at {
        out.push(format!(
            "acknowledged by {} {} ago",
            inert(i.acknowledged_by.as_deref().unwrap_or("?")),
            age(now, at)
        ));
    }
    if i.state == "resolved" {
        out.push(format!(
            "resolved by {}: {}",
            inert(i.resolved_by.as_deref().unwrap_or("xbot")),
            inert(i.resolution.as_deref().unwrap_or("(no reason recorded)"))
        ));
    }
    out.push(String::new());
    out.push(inert(i.details.as_deref().unwrap_or("")));
    let notes: Vec<&IncidentNote> = notes.iter().filter(|n| n.incident_id == i.id).collect();
    if !notes.is_empty() {
        out.push(String::new());
        out.push("notes:".into());
        for n in notes {
            out.push(format!(
                "  {} ago  {}  {}: {}",
                age(now, n.at),
                inert(&n.author),
                inert(&n.action),
                inert(&n.note)
            ));
        }
    }
    let sent: Vec<&OutboxRecord> = outbox
        .iter()
        .filter(|o| o.incident_id == Some(i.id))
        .collect();
    out.push(String::new());
    if sent.is_empty() {
        out.push("notifications: none (no destination registered)".into());
    } else {
        out.push("notifications:".into());
        for o in sent {
            out.push(format!(
                "  {} → {}: {}",
                inert(&o.transition),
                inert(&o.destination),
                inert(&crate::store::ops::notify::delivery_state(o, now))
            ));
        }
    }
    if !events.is_empty() {
        out.push(String::new());
        out.push("events:".into());
    }
    for e in events
        .iter()
        .filter(|e| e.message.contains(&i.subject))
        .take(30)
    {
        out.push(format!(
            "  {} ago  {}  {}",
            age(now, e.created_at),
            inert(&e.event_type),
            inert(&e.message)
        ));
    }
    out
}
