//! 2 Leaderboards: time-decayed rankings of generators, topics, tones, hooks, slots and
//! decision types, with a bar chart of the shrunk scores. λ can be changed live for a
//! what-if (never saved).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::super::theme::Role;
use super::super::widgets::{block, hbar, num, row_window, table_rows};
use super::{SortState, Tab, Tabs, json, moved, sort_client_side};
use crate::console::keymap::{Action, Binding};
use crate::console::msg::{Effect, Loaded, Query};
use crate::console::state::State;
use crate::learning::decay::DecayParams;
use crate::learning::dimension::Dimension;
use crate::learning::leaderboard::LeaderboardEntry;
use crate::text::cell;

/// The Leaderboards tab.
#[derive(Debug, Clone)]
pub struct LeaderboardsView {
    pub dim: Dimension,
    /// λ for the what-if (never saved); `None` is the dimension's default.
    pub lambda: Option<f64>,
    pub entries: Vec<LeaderboardEntry>,
    pub decay: Option<DecayParams>,
    pub selected: usize,
    pub filter: String,
    pub sort: SortState,
    pub loaded: bool,
}

impl Default for LeaderboardsView {
    fn default() -> Self {
        LeaderboardsView {
            dim: Dimension::Generator,
            lambda: None,
            entries: Vec::new(),
            decay: None,
            selected: 0,
            filter: String::new(),
            sort: SortState::default(),
            loaded: false,
        }
    }
}

const KEYS: &[Binding] = &[
    Binding::new(
        Action::LambdaUp,
        "lambda_up",
        &["+", "="],
        "λ up (what-if)",
        "λ+",
    ),
    Binding::new(
        Action::LambdaDown,
        "lambda_down",
        &["-"],
        "λ down (what-if)",
        "λ-",
    ),
    Binding::new(
        Action::LambdaReset,
        "lambda_reset",
        &["0"],
        "λ back to default",
        "λ reset",
    ),
];

/// The Leaderboards tab.
pub struct Module;

impl Tab for Module {
    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn query(&self, s: &State) -> Query {
        Query::Leaderboard {
            dim: s.tabs.leaderboards.dim,
            lambda: s.tabs.leaderboards.lambda,
        }
    }

    fn apply(&self, s: &mut State, data: Loaded) -> bool {
        let Loaded::Leaderboard {
            dim,
            decay,
            entries,
        } = data
        else {
            return false;
        };
        let l = &mut s.tabs.leaderboards;
        if dim != l.dim {
            return false; // an answer for a dimension no longer shown
        }
        let before = visible(l)
            .get(l.selected)
            .map(|&i| l.entries[i].value.clone());
        l.loaded = true;
        let c = super::replace(&mut l.decay, Some(decay)) | super::replace(&mut l.entries, entries);
        let keys = visible(l).into_iter().map(|i| l.entries[i].value.clone());
        l.selected = super::follow(before.as_ref(), keys, l.selected);
        c
    }

    fn loaded(&self, tabs: &Tabs) -> bool {
        tabs.leaderboards.loaded
    }

    fn update(&self, s: &mut State, action: Action) -> Vec<Effect> {
        match action {
            a if super::is_move(a) => {
                let page = s.page_rows();
                let len = visible(&s.tabs.leaderboards).len();
                s.tabs.leaderboards.selected = moved(s.tabs.leaderboards.selected, len, a, page);
                Vec::new()
            }
            Action::Left | Action::Right => {
                let right = action == Action::Right;
                let step = |i: usize, n: usize| if right { (i + 1) % n } else { (i + n - 1) % n };
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
                let q = self.query(s);
                vec![s.load(q)]
            }
            Action::LambdaUp | Action::LambdaDown | Action::LambdaReset => {
                let l = &mut s.tabs.leaderboards;
                let default = l.dim.decay_context().params().lambda;
                let current = l.lambda.unwrap_or(default);
                l.lambda =
                    match action {
                        Action::LambdaUp => Some(((current + 0.02) * 100.0).round() / 100.0)
                            .map(|v: f64| v.min(2.0)),
                        Action::LambdaDown => Some(((current - 0.02) * 100.0).round() / 100.0)
                            .map(|v: f64| v.max(0.0)),
                        _ => None,
                    };
                if l.lambda == Some(default) {
                    l.lambda = None;
                }
                let q = self.query(s);
                vec![s.load(q)]
            }
            _ => Vec::new(),
        }
    }

    fn sortable(&self) -> bool {
        true
    }

    fn sort(&self, s: &mut State, reverse: bool) -> Option<Vec<Effect>> {
        sort_client_side(&mut s.tabs.leaderboards.sort, SORTS.len(), reverse);
        Some(Vec::new())
    }

    fn filter<'a>(&self, tabs: &'a Tabs) -> Option<&'a str> {
        Some(&tabs.leaderboards.filter)
    }

    fn filter_mut<'a>(&self, tabs: &'a mut Tabs) -> Option<&'a mut String> {
        Some(&mut tabs.leaderboards.filter)
    }

    fn filter_changed(&self, s: &mut State) -> Vec<Effect> {
        s.tabs.leaderboards.selected = 0;
        Vec::new()
    }

    fn raw_json(&self, s: &State) -> Option<serde_json::Value> {
        let l = &s.tabs.leaderboards;
        visible(l)
            .get(l.selected)
            .and_then(|&i| json(&l.entries[i]))
    }

    fn draw(&self, f: &mut Frame, s: &State, area: Rect) {
        draw(f, s, area)
    }
}

/// `:lambda`: set λ for the what-if (the caller shows the tab and refreshes).
pub fn set_lambda(s: &mut State, lambda: Option<f64>) {
    s.tabs.leaderboards.lambda = lambda;
}

/// Sortable columns, in `s` order.
pub const SORTS: [&str; 6] = ["rank", "n", "decayed", "raw", "trend", "share"];
/// Whether each sortable column naturally runs highest (newest, worst) first.
const NATURAL_DESC: [bool; 6] = [false, true, true, true, true, true];

/// Filtered and sorted indices into the entries.
pub fn visible(v: &LeaderboardsView) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..v.entries.len())
        .filter(|&i| super::matches(&v.filter, &[Some(v.entries[i].value.as_str())]))
        .collect();
    let key = |i: &usize| {
        let e = &v.entries[*i];
        match v.sort.col {
            1 => e.n as f64,
            2 => e.decayed_mean,
            3 => e.raw_mean,
            4 => e.weekly_trend.unwrap_or(f64::NEG_INFINITY),
            5 => e.share,
            _ => -(e.rank as f64),
        }
    };
    idx.sort_by(|a, b| key(b).total_cmp(&key(a)));
    if v.sort.desc {
        idx.reverse();
    }
    idx
}

pub fn draw(f: &mut Frame, s: &State, area: Rect) {
    let v = &s.tabs.leaderboards;
    let [dims, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(5)]).areas(area);
    let mut spans = vec![Span::styled(" ← → ", s.theme.style(Role::Key))];
    for d in Dimension::ALL {
        let style = if d == v.dim {
            s.theme.style(Role::TabActive)
        } else {
            s.theme.style(Role::Tab)
        };
        spans.push(Span::styled(format!(" {} ", d.name()), style));
        spans.push(Span::raw(" "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), dims);

    let default = v.dim.decay_context().params();
    let lambda = v.lambda.unwrap_or(default.lambda);
    let what_if = if v.lambda.is_some() {
        format!(" (what-if; default {}, not saved)", default.lambda)
    } else {
        String::new()
    };
    let title = format!(
        " {} — λ {lambda:.2}{what_if}, floor {}, last {} days — sorted by {}{} ",
        v.dim.name(),
        default.floor,
        default.max_age_days,
        SORTS[v.sort.col],
        v.sort.marker(NATURAL_DESC[v.sort.col], s.setup.ascii)
    );
    let wide = area.width >= 110;
    let [table_area, chart_area] = if wide {
        Layout::horizontal([Constraint::Min(70), Constraint::Length(40)]).areas(body)
    } else {
        Layout::vertical([Constraint::Min(5), Constraint::Length(0)]).areas(body)
    };
    let order = visible(v);
    let shown = row_window(order.len(), v.selected, table_rows(table_area));
    let rows: Vec<Row> = order[shown.clone()]
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let pos = shown.start + k;
            let e = &v.entries[i];
            let trend = match e.weekly_trend {
                Some(t) if t > 0.0 => {
                    Span::styled(format!("{t:+.3}"), s.theme.style(Role::Positive))
                }
                Some(t) if t < 0.0 => {
                    Span::styled(format!("{t:+.3}"), s.theme.style(Role::Negative))
                }
                Some(t) => Span::raw(format!("{t:+.3}")),
                None => Span::styled("–", s.theme.style(Role::Muted)),
            };
            let row = Row::new(vec![
                Cell::from(e.rank.to_string()),
                Cell::from(format!(
                    "{}{}",
                    cell(&e.value, 20),
                    if e.low_n { " *" } else { "" }
                )),
                Cell::from(e.n.to_string()),
                Cell::from(num(Some(e.effective_n), 1)),
                Cell::from(num(Some(e.decayed_mean), 3)),
                Cell::from(Span::styled(
                    num(Some(e.shrunk_score), 3),
                    s.theme.style(Role::Title),
                )),
                Cell::from(num(Some(e.raw_mean), 3)),
                Cell::from(trend),
                Cell::from(format!("{:.1}%", 100.0 * e.share)),
            ]);
            if pos == v.selected {
                row.style(s.theme.style(Role::Selection))
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(vec![
        "#", "value", "n", "eff n", "decayed", "shrunk", "raw", "trend/wk", "share",
    ])
    .style(s.theme.style(Role::TableHeader));
    let table = Table::new(
        rows,
        [
            Constraint::Length(3),
            Constraint::Length(22),
            Constraint::Length(6),
            Constraint::Length(7),
            Constraint::Length(8),
            Constraint::Length(7),
            Constraint::Length(6),
            Constraint::Length(8),
            Constraint::Length(6),
        ],
    )
    .header(header)
    .block(block(s, title, true));
    f.render_widget(table, table_area);
    if v.loaded && v.entries.is_empty() {
        let inner = Rect::new(
            table_area.x + 2,
            table_area.y + 2,
            table_area.width.saturating_sub(4),
            1,
        );
        f.render_widget(
            Paragraph::new(Span::styled(
                "no scored posts in the window",
                s.theme.style(Role::Muted),
            )),
            inner,
        );
    }
    if wide {
        // The bar chart: shrunk score by rank (what the weight map normalises).
        let max = v
            .entries
            .iter()
            .map(|e| e.shrunk_score)
            .fold(0.0_f64, f64::max);
        let bar_w = chart_area.width.saturating_sub(22) as usize;
        let lines: Vec<Line> = order
            .iter()
            .take(chart_area.height.saturating_sub(2) as usize)
            .map(|&i| {
                let e = &v.entries[i];
                Line::from(vec![
                    Span::raw(format!("{:<12} ", cell(&e.value, 12))),
                    Span::styled(
                        hbar(e.shrunk_score, max, bar_w, s.setup.ascii),
                        s.theme
                            .style(if e.low_n { Role::BarAlt } else { Role::Bar }),
                    ),
                    Span::raw(format!(" {:.2}", e.shrunk_score)),
                ])
            })
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(block(s, " shrunk score (* = under 5 posts) ", false)),
            chart_area,
        );
    }
}
