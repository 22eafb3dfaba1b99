//! 1 Outcomes: the data-health summary and every posted decision with its measured
//! performance, newest first (or by score), paged from the database by keyset.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::super::theme::Role;
use super::super::widgets::{
    block, count, count6, num, num4, opt_count, pct, row_window, table_rows,
};
use super::age;
use super::{Tab, Tabs, json, moved};
use crate::console::keymap::Action;
use crate::console::msg::{Effect, Loaded, Query};
use crate::console::state::{Mode, State};
use crate::store::ops::facts::{
    DecisionDetail, FactCursor, FactFilter, FactQuery, FactRow, FactSort, cursor_of,
};
use crate::store::types::DataHealth;
use crate::text::cell;

/// Rows per Outcomes page (pages are fetched with keyset pagination).
pub const OUTCOMES_PAGE: i64 = 100;

/// The Outcomes tab.
#[derive(Debug, Clone, Default)]
pub struct OutcomesView {
    pub filter: String,
    pub sort: FactSort,
    /// Oldest (or worst) first instead of newest (best) first.
    pub reversed: bool,
    /// The cursor each visited page started after (the first page: none).
    pub page_starts: Vec<Option<FactCursor>>,
    pub rows: Vec<FactRow>,
    pub health: Option<DataHealth>,
    pub selected: usize,
    /// A full page came back: there may be more.
    pub has_more: bool,
    pub loaded: bool,
}

/// The Outcomes tab.
pub struct Module;

/// The page query after `after` (the first page: none).
fn page_query(s: &State, after: Option<FactCursor>) -> FactQuery {
    let o = &s.tabs.outcomes;
    FactQuery {
        filter: FactFilter::parse(&o.filter),
        sort: o.sort,
        descending: !o.reversed,
        after,
        limit: OUTCOMES_PAGE,
    }
}

/// Back to the first page, and load it.
fn first_page(s: &mut State) -> Vec<Effect> {
    let o = &mut s.tabs.outcomes;
    o.page_starts = vec![None];
    o.selected = 0;
    let q = Query::Outcomes(page_query(s, None));
    vec![s.load(q)]
}

impl Tab for Module {
    fn query(&self, s: &State) -> Query {
        Query::Outcomes(page_query(
            s,
            s.tabs.outcomes.page_starts.last().cloned().flatten(),
        ))
    }

    fn apply(&self, s: &mut State, data: Loaded) -> bool {
        match data {
            Loaded::Outcomes {
                health,
                rows,
                query,
            } => {
                let o = &mut s.tabs.outcomes;
                let before = o.rows.get(o.selected).map(|r| r.decision_id.clone());
                o.loaded = true;
                o.has_more = rows.len() as i64 >= query.limit;
                let c = super::replace(&mut o.health, Some(*health))
                    | super::replace(&mut o.rows, rows);
                let keys = o.rows.iter().map(|r| r.decision_id.clone());
                o.selected = super::follow(before.as_ref(), keys, o.selected);
                c
            }
            Loaded::Detail { decision } => {
                let lines = match decision {
                    Some(d) => detail_lines(&d, s.now),
                    None => vec!["This decision no longer exists.".to_string()],
                };
                s.mode = Mode::View {
                    title: "Decision".into(),
                    lines,
                    scroll: 0,
                };
                true
            }
            _ => false,
        }
    }

    fn loaded(&self, tabs: &Tabs) -> bool {
        tabs.outcomes.loaded
    }

    fn update(&self, s: &mut State, action: Action) -> Vec<Effect> {
        match action {
            a if super::is_move(a) => move_selection(s, a),
            Action::Open => match s.tabs.outcomes.rows.get(s.tabs.outcomes.selected) {
                Some(row) => {
                    let id = row.decision_id.clone();
                    vec![s.load(Query::Detail(id))]
                }
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    fn sortable(&self) -> bool {
        true
    }

    fn sort(&self, s: &mut State, reverse: bool) -> Option<Vec<Effect>> {
        let o = &mut s.tabs.outcomes;
        if reverse {
            o.reversed = !o.reversed;
        } else {
            o.sort = match o.sort {
                FactSort::Posted => FactSort::Score,
                FactSort::Score => FactSort::Posted,
            };
        }
        Some(first_page(s))
    }

    fn filter<'a>(&self, tabs: &'a Tabs) -> Option<&'a str> {
        Some(&tabs.outcomes.filter)
    }

    fn filter_mut<'a>(&self, tabs: &'a mut Tabs) -> Option<&'a mut String> {
        Some(&mut tabs.outcomes.filter)
    }

    fn filter_changed(&self, s: &mut State) -> Vec<Effect> {
        first_page(s)
    }

    fn raw_json(&self, s: &State) -> Option<serde_json::Value> {
        s.tabs
            .outcomes
            .rows
            .get(s.tabs.outcomes.selected)
            .and_then(json)
    }

    fn draw(&self, f: &mut Frame, s: &State, area: Rect) {
        draw(f, s, area)
    }
}

fn move_selection(s: &mut State, action: Action) -> Vec<Effect> {
    let page = s.page_rows();
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
        let q = Query::Outcomes(page_query(s, Some(cursor)));
        return vec![s.load(q)];
    }
    if matches!(action, Action::Up | Action::PageUp) && o.selected == 0 && o.page_starts.len() > 1 {
        o.page_starts.pop();
        o.selected = (OUTCOMES_PAGE as usize).saturating_sub(1);
        let after = o.page_starts.last().cloned().flatten();
        let q = Query::Outcomes(page_query(s, after));
        return vec![s.load(q)];
    }
    if action == Action::Top && o.page_starts.len() > 1 {
        return first_page(s);
    }
    o.selected = moved(o.selected, len, action, page);
    Vec::new()
}

pub fn draw(f: &mut Frame, s: &State, area: Rect) {
    let o = &s.tabs.outcomes;
    let narrow = area.width < 120;
    let [summary, table] = Layout::vertical([
        Constraint::Length(if narrow { 4 } else { 3 }),
        Constraint::Min(5),
    ])
    .areas(area);
    let health = match &o.health {
        Some(h) => {
            let w = h
                .active_weight_map
                .as_ref()
                .map_or("none".to_string(), |m| {
                    format!("{} ({} ago)", m.version, age(s.now, m.computed_at))
                });
            let title = s.theme.style(Role::Title);
            let first = vec![
                Span::raw(" last 7 days: "),
                Span::styled(count(h.posts_7d), title),
                Span::raw(" posts · "),
                Span::styled(
                    format!(
                        "{} ({})",
                        count(h.with_metrics_7d),
                        pct(h.with_metrics_7d, h.posts_7d)
                    ),
                    title,
                ),
                Span::raw(" with metrics · "),
                Span::styled(
                    format!(
                        "{} ({})",
                        count(h.with_v2_score_7d),
                        pct(h.with_v2_score_7d, h.posts_7d)
                    ),
                    title,
                ),
                Span::raw(" with a v2 score"),
            ];
            let second = vec![
                Span::raw(format!(" {} posts in all · ", count(h.total_posts))),
                Span::raw(format!("{} pending review · ", h.pending_reviews)),
                Span::raw(format!("weights {w}")),
            ];
            if narrow {
                vec![Line::from(first), Line::from(second)]
            } else {
                let mut one = first;
                one.push(Span::raw(" ·"));
                one.extend(second);
                vec![Line::from(one)]
            }
        }
        None => vec![Line::from(Span::styled(
            " loading…",
            s.theme.style(Role::Muted),
        ))],
    };
    f.render_widget(
        Paragraph::new(health).block(block(s, " Data health ", false)),
        summary,
    );

    let page = o.page_starts.len().max(1);
    let dir = if o.reversed {
        "ascending"
    } else {
        "descending"
    };
    let title = format!(
        " Outcomes — page {page}{} — sorted by {} {dir} ",
        if o.has_more { "" } else { " (last)" },
        o.sort.label(),
    );
    let mark = |col: FactSort| {
        if o.sort == col {
            match (s.setup.ascii, o.reversed) {
                (true, true) => " ^",
                (true, false) => " v",
                (false, true) => " ▲",
                (false, false) => " ▼",
            }
        } else {
            ""
        }
    };
    let wide = area.width >= 120;
    let mut header = vec![
        format!("posted{}", mark(FactSort::Posted)),
        "type".into(),
        "generator".into(),
        "topic".into(),
        "slot".into(),
        "impr".into(),
        "ER%".into(),
        "fgw".into(),
        format!("score{}", mark(FactSort::Score)),
    ];
    // Descriptor columns grow on wide screens.
    let (gw, tw, sw) = if wide { (18, 20, 14) } else { (14, 13, 12) };
    let mut widths = vec![
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(gw),
        Constraint::Length(tw),
        Constraint::Length(sw),
        Constraint::Length(6),
        Constraint::Length(4),
        Constraint::Length(4),
        Constraint::Length(7),
    ];
    // The text gets what the fixed columns leave (with their gaps and the borders), once that
    // is enough to read a few words.
    let fixed = (gw + tw + sw) as usize + 6 + 6 + 6 + 4 + 4 + 7 + 9 + 2;
    let text_width = (area.width as usize).saturating_sub(fixed);
    let show_text = text_width >= 12;
    if show_text {
        header.push("content".into());
        widths.push(Constraint::Min(12));
    }
    let shown = row_window(o.rows.len(), o.selected, table_rows(table));
    let rows: Vec<Row> = o.rows[shown.clone()]
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let i = shown.start + k;
            let mut cells = vec![
                Cell::from(age(s.now, r.posted_at)),
                Cell::from(cell(r.decision_type.as_deref().unwrap_or("?"), 6)),
                Cell::from(cell(
                    r.generator_name.as_deref().unwrap_or("–"),
                    gw as usize,
                )),
                Cell::from(cell(r.topic.as_deref().unwrap_or("–"), tw as usize)),
                Cell::from(cell(r.content_slot.as_deref().unwrap_or("–"), sw as usize)),
                Cell::from(count6(r.impressions)),
                Cell::from(num(r.engagement_rate.map(|e| e * 100.0), 1)),
                Cell::from(num4(r.followers_gained_weighted)),
                Cell::from(match r.score {
                    Some(v) if r.score_version == Some(2) => format!("{v:.3}"),
                    Some(v) => format!("{v:.3}*"),
                    None => "–".into(),
                }),
            ];
            if show_text {
                cells.push(Cell::from(cell(
                    r.content_preview.as_deref().unwrap_or(""),
                    text_width,
                )));
            }
            let row = Row::new(cells);
            if i == o.selected {
                row.style(s.theme.style(Role::Selection))
            } else {
                row
            }
        })
        .collect();
    let empty = o.loaded && o.rows.is_empty();
    let table_widget = Table::new(rows, widths)
        .header(Row::new(header).style(s.theme.style(Role::TableHeader)))
        .block(block(s, title, true));
    f.render_widget(table_widget, table);
    if empty {
        let msg = if o.filter.is_empty() {
            "no posted decisions yet"
        } else {
            "nothing matches the filter"
        };
        let inner = Rect::new(table.x + 2, table.y + 2, table.width.saturating_sub(4), 1);
        f.render_widget(
            Paragraph::new(Span::styled(msg, s.theme.style(Role::Muted))),
            inner,
        );
    }
}

/// The lines of a decision's detail view. Every database string is made inert.
pub fn detail_lines(d: &DecisionDetail, now: DateTime<Utc>) -> Vec<String> {
    let opt = |v: &Option<String>| {
        v.as_deref()
            .map(crate::text::inert)
            .unwrap_or_else(|| "–".into())
    };
    let mut out = vec![
        format!("decision   {}", crate::text::inert(&d.decision_id)),
        format!(
            "type       {}    status {}",
            crate::text::inert(&d.decision_type),
            crate::text::inert(&d.status)
        ),
        format!(
            "generator  {}    slot {}    topic {}",
            opt(&d.generator_name),
            opt(&d.content_slot),
            opt(&d.raw_topic)
        ),
        format!(
            "angle      {}    tone {}    hook {}    cta {}",
            opt(&d.angle),
            opt(&d.tone),
            opt(&d.hook_type),
            opt(&d.cta_type)
        ),
        format!(
            "created    {} ({} ago)    posted {}",
            d.created_at.format("%Y-%m-%d %H:%M UTC"),
            age(now, d.created_at),
            d.posted_at.map_or("–".to_string(), |p| p
                .format("%Y-%m-%d %H:%M UTC")
                .to_string())
        ),
    ];
    if let Some(t) = &d.target_username {
        out.push(format!("reply to   @{}", crate::text::inert(t)));
    }
    out.push(format!("tweet      {}", opt(&d.tweet_id)));
    out.push(String::new());
    out.push(format!(
        "impressions {}  views {}  likes {}  retweets {}  replies {}  bookmarks {}",
        opt_count(d.impressions),
        opt_count(d.views),
        opt_count(d.likes),
        opt_count(d.retweets),
        opt_count(d.replies),
        opt_count(d.bookmarks)
    ));
    out.push(format!(
        "engagement rate {}%   followers gained {} (weighted {}, confidence {})",
        num(d.engagement_rate.map(|e| e * 100.0), 2),
        opt_count(d.followers_gained),
        num(d.followers_gained_weighted, 2),
        num(d.attribution_confidence, 2)
    ));
    out.push(format!(
        "score {} (version {}){}",
        num(d.primary_objective_score, 4),
        d.score_version.map_or("–".to_string(), |v| v.to_string()),
        if d.simulated == Some(true) {
            "   SIMULATED (left out of learning)"
        } else {
            ""
        }
    ));
    out.push(String::new());
    let parts: Option<Vec<String>> = d
        .thread_parts
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    match parts {
        Some(parts) if parts.len() > 1 => {
            out.push(format!("thread of {} parts:", parts.len()));
            for (i, p) in parts.iter().enumerate() {
                out.push(format!("[{}] {}", i + 1, crate::text::inert(p)));
            }
        }
        _ => {
            out.push("content:".into());
            out.extend(
                crate::text::inert_multiline(d.content.as_deref().unwrap_or(""))
                    .lines()
                    .map(str::to_string),
            );
        }
    }
    out
}
