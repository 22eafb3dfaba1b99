//! 6 Replies: accounts by priority with their band, reply count and last reply; the selected
//! account's reply history (enter); pin, mute, recompute.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::super::state::State;
use super::super::theme::Role;
use super::super::widgets::{block, count, hbar, num, opt_count, row_window, table_rows};
use super::{RepliesView, age};
use crate::text::cell;

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
