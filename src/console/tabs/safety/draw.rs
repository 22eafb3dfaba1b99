//! Drawing the Safety tab: the queue, the selected item's original and proposed rewrite side by
//! side with the rule screen's flagged spans marked, and the item's detail view.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use super::super::age;
use super::{NATURAL_DESC, SORTS, visible};
use crate::console::keymap::Action;
use crate::console::state::State;
use crate::console::theme::Role;
use crate::console::widgets::{block, hint, row_window, table_rows};
use crate::store::ops::reviews::ReviewRecord;
use crate::text::cell;

/// A rule hit as stored in `safety_reviews.rule_hits`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub level: String,
}

/// The stored hits of a review; malformed JSON gives none (the text is still shown).
pub fn hits(r: &ReviewRecord) -> Vec<Hit> {
    r.rule_hits
        .as_deref()
        .and_then(|j| serde_json::from_str::<Vec<Hit>>(j).ok())
        .unwrap_or_default()
}

/// The text with the flagged byte spans styled. Spans are clamped to char boundaries and each
/// piece is made inert separately, so hostile text cannot shift or escape the marking.
pub fn marked_text<'a>(s: &State, text: &str, hits: &[Hit]) -> Text<'a> {
    let mut ranges: Vec<(usize, usize)> = hits
        .iter()
        .map(|h| crate::text::clamp_span(text, h.start, h.end))
        .filter(|(a, b)| a < b)
        .collect();
    ranges.sort();
    let mut spans = Vec::new();
    let mut pos = 0;
    for (a, b) in ranges {
        let a = a.max(pos);
        if a >= b {
            continue;
        }
        if a > pos {
            spans.push(Span::raw(crate::text::inert(&text[pos..a])));
        }
        spans.push(Span::styled(
            crate::text::inert(&text[a..b]),
            s.theme.style(Role::Flagged),
        ));
        pos = b;
    }
    if pos < text.len() {
        spans.push(Span::raw(crate::text::inert(&text[pos..])));
    }
    Text::from(Line::from(spans))
}

fn risk_style(s: &State, level: &str) -> ratatui::style::Style {
    s.theme.style(match level {
        "critical" => Role::Critical,
        "high" => Role::Error,
        "medium" => Role::Warn,
        _ => Role::Ok,
    })
}

pub fn draw(f: &mut Frame, s: &State, area: Rect) {
    let v = &s.tabs.safety;
    let [actions, list, panes] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Percentage(45),
        Constraint::Min(6),
    ])
    .areas(area);

    let mut spans = Vec::new();
    for (a, what) in [
        (Action::ApproveRewrite, "approve"),
        (Action::ApproveEdited, "edit"),
        (Action::ApproveOriginal, "original"),
        (Action::Reject, "reject"),
        (Action::RequestRewrite, "rewrite"),
        (Action::ToggleSelect, "select"),
        (Action::BulkApprove, "bulk ok"),
        (Action::BulkReject, "bulk reject"),
    ] {
        spans.extend(hint(s, s.keymap.key_label(a), what));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), actions);

    let pending = v.reviews.iter().filter(|r| r.status == "pending").count();
    let marked = if v.marked.is_empty() {
        String::new()
    } else {
        format!(", {} selected", v.marked.len())
    };
    let title = format!(
        " Queue — {pending} pending{marked} — sorted by {}{} ",
        SORTS[v.sort.col],
        v.sort.marker(NATURAL_DESC[v.sort.col], s.setup.ascii)
    );
    let order = visible(v);
    let text_w = (list.width as usize).saturating_sub(46).max(10);
    let shown = row_window(order.len(), v.selected, table_rows(list));
    let rows: Vec<Row> = order[shown.clone()]
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let pos = shown.start + k;
            let r = &v.reviews[i];
            let mark = if v.marked.contains(&r.id) {
                if s.setup.ascii { "x" } else { "✓" }
            } else {
                " "
            };
            // Every part of a thread says which part it is, the first one included.
            let part = if r.part_index > 0 || r.decision_type.as_deref() == Some("thread") {
                format!(" p{}", r.part_index + 1)
            } else {
                String::new()
            };
            let row = Row::new(vec![
                Cell::from(Span::styled(mark, s.theme.style(Role::Marked))),
                Cell::from(format!("#{}{part}", r.id)),
                // Risk levels are database strings too (an unknown one is shown, inert).
                Cell::from(Span::styled(
                    cell(&r.risk_level, 8),
                    risk_style(s, &r.risk_level),
                )),
                Cell::from(cell(&r.status, 16)),
                Cell::from(age(s.now, r.created_at)),
                Cell::from(cell(&r.original_text, text_w)),
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
            Constraint::Length(1),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(16),
            Constraint::Length(4),
            Constraint::Min(10),
        ],
    )
    .header(
        Row::new(vec!["", "item", "risk", "status", "age", "text"])
            .style(s.theme.style(Role::TableHeader)),
    )
    .block(block(s, title, true));
    f.render_widget(table, list);
    if v.loaded && order.is_empty() {
        let inner = Rect::new(list.x + 2, list.y + 2, list.width.saturating_sub(4), 1);
        let msg = if v.reviews.is_empty() {
            "the queue is empty"
        } else {
            "nothing matches the filter"
        };
        f.render_widget(
            Paragraph::new(Span::styled(msg, s.theme.style(Role::Muted))),
            inner,
        );
    }

    let Some(r) = order.get(v.selected).and_then(|&i| v.reviews.get(i)) else {
        return;
    };
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(panes);
    let h = hits(r);
    let cats: Vec<String> = h
        .iter()
        .map(|x| format!("{} ({})", x.category.replace('_', " "), x.level))
        .collect();
    let orig_title = format!(
        " Original #{} — {} risk{} ",
        r.id,
        r.risk_level,
        if cats.is_empty() {
            String::new()
        } else {
            format!(": {}", cats.join(", "))
        }
    );
    f.render_widget(
        Paragraph::new(marked_text(s, &r.original_text, &h))
            .wrap(Wrap { trim: false })
            .block(block(
                s,
                cell(&orig_title, left.width.saturating_sub(2) as usize),
                false,
            )),
        left,
    );
    let (rewrite_title, rewrite_text) = match (&r.final_text, &r.proposed_rewrite) {
        (Some(t), _) if r.status != "pending" => (
            format!(
                " Published text — {} by {} ",
                r.status,
                r.decided_by.as_deref().unwrap_or("the guard")
            ),
            t.clone(),
        ),
        (_, Some(t)) => (
            format!(
                " Proposed rewrite ({} attempt{}) ",
                r.rewrite_attempts,
                if r.rewrite_attempts == 1 { "" } else { "s" }
            ),
            t.clone(),
        ),
        _ => (" No rewrite proposed ".to_string(), String::new()),
    };
    let body = if rewrite_text.is_empty() {
        Text::from(Span::styled(
            if s.setup.ai_configured {
                "the next safety_review run proposes one; or edit (e)"
            } else {
                "no AI endpoint is configured: edit (e), approve the original (o) or reject (x)"
            },
            s.theme.style(Role::Muted),
        ))
    } else {
        Text::from(crate::text::inert(&rewrite_text))
    };
    f.render_widget(
        Paragraph::new(body).wrap(Wrap { trim: false }).block(block(
            s,
            cell(&rewrite_title, right.width.saturating_sub(2) as usize),
            false,
        )),
        right,
    );
}

/// The detail view of a review.
pub fn detail_lines(r: &ReviewRecord, now: DateTime<Utc>) -> Vec<String> {
    let mut out = vec![
        format!(
            "review #{}  decision {}  part {}",
            r.id,
            crate::text::inert(&r.decision_id),
            r.part_index + 1
        ),
        // Status, risk and the hits' category and level come from the database: inert.
        format!(
            "status {}  risk {}  version {}  rewrites {}",
            crate::text::inert(&r.status),
            crate::text::inert(&r.risk_level),
            r.version,
            r.rewrite_attempts
        ),
        format!(
            "generator {}  slot {}  content {}",
            r.generator_name
                .as_deref()
                .map(crate::text::inert)
                .unwrap_or_else(|| "–".into()),
            r.content_slot
                .as_deref()
                .map(crate::text::inert)
                .unwrap_or_else(|| "–".into()),
            r.content_status
                .as_deref()
                .map(crate::text::inert)
                .unwrap_or_else(|| "–".into())
        ),
        format!("created {} ago", age(now, r.created_at)),
    ];
    if let Some(by) = &r.decided_by {
        out.push(format!(
            "decided by {} {}",
            crate::text::inert(by),
            r.decided_at
                .map(|t| format!("{} ago", age(now, t)))
                .unwrap_or_default()
        ));
    }
    if let Some(n) = &r.note {
        out.push(format!("note: {}", crate::text::inert(n)));
    }
    out.push(String::new());
    out.push("original:".into());
    out.extend(
        crate::text::inert_multiline(&r.original_text)
            .lines()
            .map(|l| format!("  {l}")),
    );
    if let Some(t) = &r.proposed_rewrite {
        out.push("proposed rewrite:".into());
        out.extend(
            crate::text::inert_multiline(t)
                .lines()
                .map(|l| format!("  {l}")),
        );
    }
    if let Some(t) = &r.final_text {
        out.push("published text:".into());
        out.extend(
            crate::text::inert_multiline(t)
                .lines()
                .map(|l| format!("  {l}")),
        );
    }
    let issues: Vec<String> = r
        .issues
        .as_deref()
        .and_then(|j| serde_json::from_str::<Vec<String>>(j).ok())
        .unwrap_or_default();
    if !issues.is_empty() {
        out.push(String::new());
        out.push("issues:".into());
        out.extend(
            issues
                .iter()
                .map(|i| format!("  - {}", crate::text::inert(i))),
        );
    }
    let hits: Vec<Hit> = r
        .rule_hits
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    if !hits.is_empty() {
        out.push(String::new());
        out.push("rule hits:".into());
        for h in hits {
            let (a, b) = crate::text::clamp_span(&r.original_text, h.start, h.end);
            out.push(format!(
                "  {} ({}): \"{}\"",
                crate::text::inert(&h.category.replace('_', " ")),
                crate::text::inert(&h.level),
                crate::text::inert(&r.original_text[a..b])
            ));
        }
    }
    out
}
