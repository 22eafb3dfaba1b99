//! 6 Replies: accounts by priority with their band, reply count and last reply; the selected
//! account's reply history (enter); pin, mute, recompute.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::super::theme::Role;
use super::super::widgets::{block, count, hbar, num, opt_count, row_window, table_rows};
use super::age;
use super::{SortState, Tab, Tabs, json, moved, sort_client_side};
use crate::console::dialog::{OnConfirm, ask};
use crate::console::keymap::{Action, Binding};
use crate::console::msg::{Effect, Loaded, Query};
use crate::console::state::State;
use crate::learning::replies::OperatorOverride;
use crate::store::ops::facts::FactRow;
use crate::store::ops::replies::AccountRecord;
use crate::text::cell;

/// The Replies tab.
#[derive(Debug, Clone, Default)]
pub struct RepliesView {
    pub accounts: Vec<AccountRecord>,
    pub selected: usize,
    pub history: Option<(String, Vec<FactRow>)>,
    pub filter: String,
    pub sort: SortState,
    pub loaded: bool,
}

const KEYS: &[Binding] = &[
    Binding::new(
        Action::Pin,
        "pin",
        &["P"],
        "pin the account (priority 1.0)",
        "pin",
    )
    .writing(),
    Binding::new(
        Action::Mute,
        "mute",
        &["M"],
        "mute the account (priority 0)",
        "mute",
    )
    .writing(),
    Binding::new(
        Action::ClearOverride,
        "clear_override",
        &["U"],
        "clear a pin or mute",
        "clear",
    )
    .writing(),
    Binding::new(
        Action::RecomputePriorities,
        "recompute_priorities",
        &["R"],
        "recompute priorities now",
        "recompute",
    )
    .writing(),
];

/// The Replies tab.
pub struct Module;

fn selected_account(s: &State) -> Option<&AccountRecord> {
    let v = &s.tabs.replies;
    visible(v).get(v.selected).and_then(|&i| v.accounts.get(i))
}

/// Confirmed: pin, mute or clear an account's override.
#[derive(Debug)]
struct SetOverride {
    username: String,
    to: OperatorOverride,
}

impl OnConfirm for SetOverride {
    fn confirmed(self: Box<Self>, _s: &mut State) -> Vec<Effect> {
        vec![Effect::SetOverride {
            username: self.username,
            to: self.to,
            action_id: String::new(),
        }]
    }
}

impl Tab for Module {
    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn query(&self, _s: &State) -> Query {
        Query::Replies
    }

    fn apply(&self, s: &mut State, data: Loaded) -> bool {
        match data {
            Loaded::Replies { accounts } => {
                let before = selected_account(s).cloned();
                let v = &mut s.tabs.replies;
                v.loaded = true;
                let c = super::replace(&mut v.accounts, accounts);
                let keys = visible(v)
                    .into_iter()
                    .map(|i| v.accounts[i].username.clone());
                v.selected = super::follow(before.as_ref().map(|b| &b.username), keys, v.selected);
                // Someone else pinned, muted or cleared the selected account meanwhile.
                if let Some(b) = before
                    && let Some(a) = selected_account(s).filter(|a| a.username == b.username)
                    && a.operator_override != b.operator_override
                    && a.override_by.as_deref() != Some(s.operator.name().as_str())
                {
                    let what = match a.operator_override.as_str() {
                        "pinned" => "pinned",
                        "muted" => "muted",
                        _ => "cleared of its override",
                    };
                    let by = a.override_by.as_deref().unwrap_or("someone");
                    let when = a
                        .override_at
                        .map(|t| format!(" {} ago", super::age(s.now, t)))
                        .unwrap_or_default();
                    s.info(format!("@{} was {what} by {by}{when}", a.username));
                }
                c
            }
            Loaded::AccountHistory { username, replies } => {
                super::replace(&mut s.tabs.replies.history, Some((username, replies)))
            }
            _ => false,
        }
    }

    fn loaded(&self, tabs: &Tabs) -> bool {
        tabs.replies.loaded
    }

    fn update(&self, s: &mut State, action: Action) -> Vec<Effect> {
        match action {
            a if super::is_move(a) => {
                let page = s.page_rows();
                let len = visible(&s.tabs.replies).len();
                s.tabs.replies.selected = moved(s.tabs.replies.selected, len, a, page);
                Vec::new()
            }
            Action::Open => match selected_account(s) {
                Some(a) => {
                    let name = a.username.clone();
                    vec![s.load(Query::AccountHistory(name))]
                }
                None => Vec::new(),
            },
            Action::RecomputePriorities => super::jobs::ask_run(
                s,
                "reply_priority_learning",
                Some(
                    "It recomputes every account's priority and band and re-ranks the open \
                     reply opportunities xBOT replies from; pins and mutes are kept."
                        .into(),
                ),
            ),
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
                    Box::new(SetOverride { username, to }),
                );
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn sortable(&self) -> bool {
        true
    }

    fn sort(&self, s: &mut State, reverse: bool) -> Option<Vec<Effect>> {
        sort_client_side(&mut s.tabs.replies.sort, SORTS.len(), reverse);
        Some(Vec::new())
    }

    fn filter<'a>(&self, tabs: &'a Tabs) -> Option<&'a str> {
        Some(&tabs.replies.filter)
    }

    fn filter_mut<'a>(&self, tabs: &'a mut Tabs) -> Option<&'a mut String> {
        Some(&mut tabs.replies.filter)
    }

    fn filter_changed(&self, s: &mut State) -> Vec<Effect> {
        s.tabs.replies.selected = 0;
        Vec::new()
    }

    fn raw_json(&self, s: &State) -> Option<serde_json::Value> {
        selected_account(s).and_then(json)
    }

    fn draw(&self, f: &mut Frame, s: &State, area: Rect) {
        draw(f, s, area)
    }
}

/// Sortable columns.
pub const SORTS: [&str; 4] = ["priority", "replies", "last reply", "followers"];
/// Whether each sortable column naturally runs highest (newest, worst) first.
const NATURAL_DESC: [bool; 4] = [true, true, true, true];

pub fn visible(v: &RepliesView) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..v.accounts.len())
        .filter(|&i| {
            let a = &v.accounts[i];
            super::matches(
                &v.filter,
                &[
                    Some(a.username.as_str()),
                    a.display_name.as_deref(),
                    a.priority_band.as_deref(),
                    Some(a.operator_override.as_str()),
                ],
            )
        })
        .collect();
    match v.sort.col {
        1 => idx.sort_by_key(|&i| std::cmp::Reverse(v.accounts[i].replies_30d)),
        2 => idx.sort_by_key(|&i| std::cmp::Reverse(v.accounts[i].last_successful_reply_at)),
        3 => idx.sort_by_key(|&i| std::cmp::Reverse(v.accounts[i].follower_count)),
        _ => idx.sort_by(|&a, &b| {
            v.accounts[b]
                .priority_score
                .total_cmp(&v.accounts[a].priority_score)
                .then(v.accounts[a].username.cmp(&v.accounts[b].username))
        }),
    }
    if v.sort.desc {
        idx.reverse();
    }
    idx
}

pub fn draw(f: &mut Frame, s: &State, area: Rect) {
    let v = &s.tabs.replies;
    let show_history = v.history.is_some();
    let [table_area, side] = if show_history {
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(area)
    } else {
        Layout::horizontal([Constraint::Percentage(100), Constraint::Length(0)]).areas(area)
    };
    let order = visible(v);
    let pinned = v
        .accounts
        .iter()
        .filter(|a| a.operator_override == "pinned")
        .count();
    let muted = v
        .accounts
        .iter()
        .filter(|a| a.operator_override == "muted")
        .count();
    let title = format!(
        " Accounts — {} ({pinned} pinned, {muted} muted) — sorted by {}{} · enter history ",
        v.accounts.len(),
        SORTS[v.sort.col],
        v.sort.marker(NATURAL_DESC[v.sort.col], s.setup.ascii)
    );
    let bar_w = 6;
    let shown = row_window(order.len(), v.selected, table_rows(table_area));
    let rows: Vec<Row> = order[shown.clone()]
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let pos = shown.start + k;
            let a = &v.accounts[i];
            let ov = match a.operator_override.as_str() {
                "pinned" => Span::styled("pinned", s.theme.style(Role::Positive)),
                "muted" => Span::styled("muted", s.theme.style(Role::Negative)),
                _ => Span::raw(""),
            };
            let row = Row::new(vec![
                Cell::from(format!("@{}", cell(&a.username, 17))),
                Cell::from(Line::from(vec![
                    Span::styled(
                        hbar(a.priority_score, 1.0, bar_w, s.setup.ascii),
                        s.theme.style(Role::Bar),
                    ),
                    Span::raw(format!(
                        "{:>w$}",
                        "",
                        w = bar_w.saturating_sub(crate::text::width(&hbar(
                            a.priority_score,
                            1.0,
                            bar_w,
                            s.setup.ascii
                        )))
                    )),
                    Span::raw(format!(" {:.2}", a.priority_score)),
                ])),
                Cell::from(cell(a.priority_band.as_deref().unwrap_or("–"), 7)),
                Cell::from(num(a.reply_performance_score, 3)),
                Cell::from(a.replies_30d.to_string()),
                Cell::from(
                    a.last_successful_reply_at
                        .map_or("never".to_string(), |t| age(s.now, t)),
                ),
                Cell::from(opt_count(a.follower_count)),
                Cell::from(ov),
            ]);
            if pos == v.selected {
                row.style(s.theme.style(Role::Selection))
            } else {
                row
            }
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(18),
            Constraint::Length(11),
            Constraint::Length(7),
            Constraint::Length(5),
            Constraint::Length(3),
            Constraint::Length(5),
            Constraint::Length(9),
            Constraint::Length(6),
        ],
    )
    .header(
        Row::new(vec![
            "account",
            "priority",
            "band",
            "perf",
            "30d",
            "last",
            "followers",
            "manual",
        ])
        .style(s.theme.style(Role::TableHeader)),
    )
    .block(block(s, title, true));
    f.render_widget(table, table_area);

    if let Some((username, replies)) = &v.history {
        let mut lines: Vec<Line> = vec![Line::from(Span::styled(
            format!("{} replies (newest first)", count(replies.len() as i64)),
            s.theme.style(Role::Muted),
        ))];
        for r in replies.iter().take(side.height.saturating_sub(3) as usize) {
            lines.push(Line::from(vec![
                Span::raw(format!("{:>4} ", age(s.now, r.posted_at))),
                Span::styled(format!("{} ", num(r.score, 2)), s.theme.style(Role::Title)),
                Span::raw(format!("fgw {} ", num(r.followers_gained_weighted, 1))),
                Span::raw(cell(
                    r.content_preview.as_deref().unwrap_or(""),
                    side.width.saturating_sub(24) as usize,
                )),
            ]));
        }
        f.render_widget(
            Paragraph::new(lines).block(block(s, format!(" @{} ", cell(username, 30)), false)),
            side,
        );
    }
}
