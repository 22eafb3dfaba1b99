//! 7 Budget: the tier gauge with its thresholds, spend against the daily limit, spend by
//! feature area and by model, spend per hour, expert calls against the cap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use super::super::theme::Role;
use super::super::widgets::{block, count, hbar, tier_gauge, tier_style};
use super::{Tab, Tabs, json};
use crate::budget::tiers::{Tier, share, tier_for};
use crate::console::msg::{Loaded, Query};
use crate::console::state::State;
use crate::store::ops::budget::BudgetReport;
use crate::text::cell;

/// The Budget tab.
#[derive(Debug, Clone, Default)]
pub struct BudgetView {
    pub report: Option<BudgetReport>,
    pub loaded: bool,
}

/// The Budget tab.
pub struct Module;

impl Tab for Module {
    fn query(&self, _s: &State) -> Query {
        Query::Budget
    }

    fn apply(&self, s: &mut State, data: Loaded) -> bool {
        let Loaded::Budget { report } = data else {
            return false;
        };
        let t = &mut s.tabs;
        t.budget.loaded = true;
        super::replace(&mut t.budget.report, Some(report))
    }

    fn loaded(&self, tabs: &Tabs) -> bool {
        tabs.budget.loaded
    }

    fn raw_json(&self, s: &State) -> Option<serde_json::Value> {
        s.tabs.budget.report.as_ref().and_then(json)
    }

    fn draw(&self, f: &mut Frame, s: &State, area: Rect) {
        draw(f, s, area)
    }
}

pub fn draw(f: &mut Frame, s: &State, area: Rect) {
    let Some(r) = &s.tabs.budget.report else {
        f.render_widget(
            Paragraph::new(Span::styled(" loading…", s.theme.style(Role::Muted)))
                .block(block(s, " Budget ", true)),
            area,
        );
        return;
    };
    let limit = s.setup.daily_limit_usd;
    let tier = tier_for(r.spent_usd, limit);
    let p = share(r.spent_usd, limit);
    let [gauge, mid, spark] = Layout::vertical([
        Constraint::Length(6),
        Constraint::Min(5),
        Constraint::Length(6),
    ])
    .areas(area);

    let width = gauge.width.saturating_sub(4) as usize;
    let effect = match tier {
        Tier::T1 => "everything allowed",
        Tier::T2 => "expert requests go to the core model unless run by hand",
        Tier::T3 => "intelligence AI jobs skipped; max_tokens × 0.7",
        Tier::T4 => "no AI calls at all",
    };
    let scale_marks = {
        let pos = |t: f64| ((t / 1.2) * width as f64).round() as usize;
        let mut line = vec![' '; width + 6];
        for (t, label) in [(0.5, "50%"), (0.8, "80%"), (1.0, "100%")] {
            for (k, ch) in label.chars().enumerate() {
                if let Some(c) = line.get_mut(pos(t) + k) {
                    *c = ch;
                }
            }
        }
        line.into_iter().collect::<String>()
    };
    let lines = vec![
        Line::from(vec![
            Span::styled(format!(" {} ", tier.as_str()), tier_style(s, tier)),
            Span::raw(format!(
                "  ${:.2} of ${:.2} ({:.0}%) today · {} calls · ${:.2} in flight",
                r.spent_usd,
                limit,
                100.0 * p,
                count(r.calls),
                r.reserved_usd
            )),
        ]),
        tier_gauge(s, p, width),
        Line::from(Span::styled(scale_marks, s.theme.style(Role::Muted))),
        Line::from(Span::styled(
            format!(" {}: {effect}", tier.as_str()),
            s.theme.style(Role::Muted),
        )),
    ];
    f.render_widget(
        Paragraph::new(lines).block(block(
            s,
            format!(
                " Budget — day from {} ",
                r.day_start
                    .with_timezone(&s.setup.tz)
                    .format("%Y-%m-%d %H:%M %Z")
            ),
            true,
        )),
        gauge,
    );

    let [areas, models] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(mid);
    let spend_lines = |items: &[crate::store::ops::budget::SpendLine], w: u16| -> Vec<Line> {
        let max = items.iter().map(|i| i.cost_usd).fold(0.0_f64, f64::max);
        let bar_w = w.saturating_sub(36) as usize;
        items
            .iter()
            .map(|i| {
                Line::from(vec![
                    Span::raw(format!("{:<18} ", cell(&i.key, 18))),
                    Span::styled(
                        hbar(i.cost_usd, max, bar_w, s.setup.ascii),
                        s.theme.style(Role::Bar),
                    ),
                    Span::raw(format!(" ${:.2} {}×", i.cost_usd, i.calls)),
                ])
            })
            .collect()
    };
    f.render_widget(
        Paragraph::new(spend_lines(&r.by_feature_area, areas.width)).block(block(
            s,
            " by feature area ",
            false,
        )),
        areas,
    );
    let cap = s.setup.expert_daily_cap.max(1);
    let mut model_lines = spend_lines(&r.by_model, models.width);
    model_lines.push(Line::from(""));
    let expert_w = models.width.saturating_sub(28) as usize;
    let expert_style = if r.expert_calls as u32 >= cap {
        s.theme.style(Role::Warn)
    } else {
        s.theme.style(Role::BarAlt)
    };
    model_lines.push(Line::from(vec![
        Span::raw(format!("{:<18} ", "expert calls")),
        Span::styled(
            hbar(
                r.expert_calls as f64,
                f64::from(cap),
                expert_w,
                s.setup.ascii,
            ),
            expert_style,
        ),
        Span::raw(format!(" {}/{cap}", r.expert_calls)),
    ]));
    f.render_widget(
        Paragraph::new(model_lines).block(block(s, " by model ", false)),
        models,
    );

    // Spend per hour, in cents so the sparkline has integer heights.
    let cents: Vec<u64> = r
        .per_hour
        .iter()
        .map(|h| (h.cost_usd * 100.0).round().max(0.0) as u64)
        .collect();
    let peak = r
        .per_hour
        .iter()
        .map(|h| h.cost_usd)
        .fold(0.0_f64, f64::max);
    let [label, line] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(spark);
    f.render_widget(
        Paragraph::new(Span::styled(
            format!(
                " spend per hour since the day began (peak ${peak:.2}/h over {} h)",
                r.per_hour.len()
            ),
            s.theme.style(Role::Muted),
        )),
        label,
    );
    let spark_widget = Sparkline::default()
        .data(&cents)
        .style(s.theme.style(Role::Bar))
        .block(block(s, "", false));
    f.render_widget(spark_widget, line);
}
