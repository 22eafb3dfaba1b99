//! 4 Slots: today's two slots in the configured timezone, the week as a calendar, what each
//! of today's slots prefers, today's posts per slot, and how every slot performs.

use chrono::{Datelike, Duration};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::super::theme::Role;
use super::super::widgets::{block, hbar, labeled_wrap};
use super::{Tab, Tabs, json, moved};
use crate::console::keymap::Action;
use crate::console::msg::{Effect, Loaded, Query};
use crate::console::state::State;
use crate::learning::leaderboard::LeaderboardEntry;
use crate::learning::slots::local_date;
use crate::learning::vocab;
use crate::store::ops::facts::SlotCount;
use crate::text::cell;

/// The Slots tab.
#[derive(Debug, Clone, Default)]
pub struct SlotsView {
    pub counts: Vec<SlotCount>,
    pub board: Vec<LeaderboardEntry>,
    pub selected: usize,
    pub loaded: bool,
}

/// The Slots tab.
pub struct Module;

impl Tab for Module {
    fn query(&self, _s: &State) -> Query {
        Query::Slots
    }

    fn apply(&self, s: &mut State, data: Loaded) -> bool {
        let Loaded::Slots { counts, board } = data else {
            return false;
        };
        let v = &mut s.tabs.slots;
        let before = v.board.get(v.selected).map(|e| e.value.clone());
        v.loaded = true;
        let c = super::replace(&mut v.counts, counts) | super::replace(&mut v.board, board);
        let keys = v.board.iter().map(|e| e.value.clone());
        v.selected = super::follow(before.as_ref(), keys, v.selected);
        c
    }

    fn loaded(&self, tabs: &Tabs) -> bool {
        tabs.slots.loaded
    }

    fn update(&self, s: &mut State, action: Action) -> Vec<Effect> {
        if super::is_move(action) {
            let page = s.page_rows();
            let len = s.tabs.slots.board.len();
            s.tabs.slots.selected = moved(s.tabs.slots.selected, len, action, page);
        }
        Vec::new()
    }

    fn raw_json(&self, s: &State) -> Option<serde_json::Value> {
        let v = &s.tabs.slots;
        v.board.get(v.selected).and_then(json)
    }

    fn draw(&self, f: &mut Frame, s: &State, area: Rect) {
        draw(f, s, area)
    }
}

/// The two slots of a local date from the configured calendar (Monday first).
pub fn slots_on(s: &State, date: chrono::NaiveDate) -> [String; 2] {
    s.setup.slots[date.weekday().num_days_from_monday() as usize].clone()
}

pub fn draw(f: &mut Frame, s: &State, area: Rect) {
    let v = &s.tabs.slots;
    let today = local_date(s.now, s.setup.tz);
    // Narrow screens show each slot name on two lines ("myth" / "busting").
    let narrow = area.width < 120;
    let cal_height = if narrow { 8 } else { 6 };
    let [top, bottom] =
        Layout::vertical([Constraint::Length(cal_height), Constraint::Min(6)]).areas(area);

    // The week as a calendar: today and the next six days.
    let days: Vec<chrono::NaiveDate> = (0..7).map(|i| today + Duration::days(i)).collect();
    let header = Row::new(
        days.iter()
            .map(|d| {
                let label = if *d == today {
                    format!("today {}", d.format("%a"))
                } else {
                    d.format("%a %d").to_string()
                };
                Cell::from(label)
            })
            .collect::<Vec<_>>(),
    )
    .style(s.theme.style(Role::TableHeader));
    let rows: Vec<Row> = (0..2)
        .map(|k| {
            Row::new(
                days.iter()
                    .map(|d| {
                        let name = slots_on(s, *d)[k].clone();
                        let style = if *d == today {
                            s.theme.style(Role::Title)
                        } else {
                            s.theme.style(Role::Base)
                        };
                        let text = if narrow {
                            let w = (area.width.saturating_sub(2) / 7).saturating_sub(1) as usize;
                            let parts: Vec<Line> = cell(&name, 30)
                                .splitn(2, '_')
                                .map(|p| Line::from(Span::styled(cell(p, w), style)))
                                .collect();
                            ratatui::text::Text::from(parts)
                        } else {
                            ratatui::text::Text::from(Span::styled(cell(&name, 16), style))
                        };
                        Cell::from(text)
                    })
                    .collect::<Vec<_>>(),
            )
            .height(if narrow { 2 } else { 1 })
        })
        .collect();
    let width = ((top.width.saturating_sub(2)) / 7).max(8);
    f.render_widget(
        Table::new(rows, vec![Constraint::Length(width); 7])
            .header(header)
            .block(block(
                s,
                format!(
                    " Calendar — {} ({}) ",
                    today.format("%A %Y-%m-%d"),
                    s.setup.tz.name()
                ),
                false,
            )),
        top,
    );

    let [prefs, perf] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    // Today's slots: preferences and today's posts.
    let mut lines = Vec::new();
    let width = prefs.width.saturating_sub(2) as usize;
    let field = |label: &str, value: &str| -> Vec<Line<'static>> {
        labeled_wrap(label, &crate::text::inert(value), width)
            .into_iter()
            .map(Line::from)
            .collect()
    };
    for name in slots_on(s, today) {
        lines.push(Line::from(Span::styled(
            name.clone(),
            s.theme.style(Role::Title),
        )));
        match vocab::slot(&name) {
            Some(def) => {
                lines.extend(field("  generators ", &def.generators.join(", ")));
                lines.extend(field("  angles     ", &def.angles.join(", ")));
                lines.extend(field("  tones      ", &def.tones.join(", ")));
            }
            None => lines.push(Line::from(Span::styled(
                "  not a known slot",
                s.theme.style(Role::Warn),
            ))),
        }
        let counts: Vec<String> = v
            .counts
            .iter()
            .filter(|c| c.content_slot == name)
            // A decision's status is a database string: inert like the rest.
            .map(|c| format!("{} {}", c.posts, crate::text::inert(&c.status)))
            .collect();
        let today_posts = if counts.is_empty() {
            "none yet".to_string()
        } else {
            counts.join(", ")
        };
        for (i, l) in labeled_wrap("  today      ", &today_posts, width)
            .into_iter()
            .enumerate()
        {
            // The label plain, the counts highlighted.
            let (head, rest) = l.split_at(13.min(l.len()));
            let head = if i == 0 {
                head.to_string()
            } else {
                " ".repeat(13)
            };
            lines.push(Line::from(vec![
                Span::raw(head),
                Span::styled(rest.to_string(), s.theme.style(Role::Info)),
            ]));
        }
        lines.push(Line::from(""));
    }
    f.render_widget(
        Paragraph::new(lines).block(block(s, " Today's slots ", true)),
        prefs,
    );

    // Every slot's performance: shrunk score with today's slots marked.
    let todays = slots_on(s, today);
    let max = v
        .board
        .iter()
        .map(|e| e.shrunk_score)
        .fold(0.0_f64, f64::max);
    let bar_w = perf.width.saturating_sub(32) as usize;
    let lines: Vec<Line> = v
        .board
        .iter()
        .enumerate()
        .take(perf.height.saturating_sub(2) as usize)
        .map(|(i, e)| {
            let mark = if todays.contains(&e.value) {
                "▸"
            } else {
                " "
            };
            let mark = if s.setup.ascii && mark != " " {
                ">"
            } else {
                mark
            };
            let style = if i == v.selected {
                s.theme.style(Role::Selection)
            } else {
                s.theme.style(Role::Base)
            };
            Line::from(vec![
                Span::styled(format!("{mark}{:<15} ", cell(&e.value, 15)), style),
                Span::styled(
                    hbar(e.shrunk_score, max, bar_w, s.setup.ascii),
                    s.theme.style(Role::Bar),
                ),
                Span::raw(format!(" {:.3} n={}", e.shrunk_score, e.n)),
            ])
        })
        .collect();
    let empty = v.loaded && v.board.is_empty();
    let body = if empty {
        vec![Line::from(Span::styled(
            " no scored slot posts yet",
            s.theme.style(Role::Muted),
        ))]
    } else {
        lines
    };
    f.render_widget(
        Paragraph::new(body).block(block(s, " Slot performance (shrunk score) ", false)),
        perf,
    );
}
