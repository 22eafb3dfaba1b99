//! `xbot budget`: today's AI spend (the day in the configured timezone) against the limit, the
//! tier, spend by feature area and by model, spend per hour, expert calls against the cap, and
//! what is reserved by calls in flight.

use chrono::Utc;
use serde::Serialize;

use super::output::cell;
use super::output::{Align, Table, print_json};
use super::{CliError, open_store};
use crate::budget::tiers::{T2_FROM, T3_FROM, Tier, share, tier_for};
use crate::config::Config;
use crate::learning::slots;
use crate::store::MigrationPolicy;
use crate::store::ops::budget::BudgetReport;

/// `xbot budget` flags.
#[derive(Debug, clap::Args)]
pub struct BudgetArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
pub struct BudgetView {
    /// The budget day (local date).
    pub day: String,
    /// The configured timezone.
    pub timezone: String,
    /// The daily limit.
    pub limit_usd: f64,
    /// Share of the limit spent (may pass 1).
    pub share: f64,
    /// The tier.
    pub tier: Tier,
    /// The expert cap.
    pub expert_cap: u32,
    /// The ledger's report.
    #[serde(flatten)]
    pub report: BudgetReport,
}

/// A one-line sparkline of the values (`--ascii` uses plain characters).
pub fn sparkline(values: &[f64], ascii: bool) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    const PLAIN: [char; 8] = ['_', '.', ':', '-', '=', '+', '*', '#'];
    let marks = if ascii { PLAIN } else { BLOCKS };
    let max = values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    values
        .iter()
        .map(|v| {
            if !(v.is_finite() && *v > 0.0) || max <= 0.0 {
                ' '
            } else {
                let i = ((v / max) * (marks.len() - 1) as f64).round() as usize;
                marks[i.min(marks.len() - 1)]
            }
        })
        .collect()
}

/// A gauge of the share spent with the T2 and T3 thresholds marked.
pub fn gauge(share: f64, width: usize, ascii: bool) -> String {
    let (full, empty) = if ascii { ('#', '-') } else { ('█', '░') };
    let filled = ((share.clamp(0.0, 1.0)) * width as f64).round() as usize;
    let mark = |f: f64| (f * width as f64).round() as usize;
    (0..width)
        .map(|i| {
            if i < filled {
                full
            } else if i == mark(T2_FROM) || i == mark(T3_FROM) {
                '|'
            } else {
                empty
            }
        })
        .collect()
}

/// Run `xbot budget`.
pub async fn run(args: BudgetArgs, cfg: &Config) -> Result<(), CliError> {
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let now = Utc::now();
    let day = slots::local_date(now, cfg.timezone);
    let (start, end) = slots::day_bounds_utc(day, cfg.timezone);
    let report = store.budget_report(start, end, now).await;
    store.close().await;
    let report = report?;
    let limit = cfg.budget.daily_limit_usd;
    let view = BudgetView {
        day: day.to_string(),
        timezone: cfg.timezone.name().to_string(),
        limit_usd: limit,
        share: share(report.spent_usd, limit),
        tier: tier_for(report.spent_usd, limit),
        expert_cap: cfg.budget.expert_daily_cap,
        report,
    };
    if args.json {
        return print_json(&view);
    }
    let r = &view.report;
    crate::out!("AI budget for {} ({})", view.day, view.timezone);
    crate::out!(
        "tier {}  ${:.2} of ${:.2} ({:.0}%)  [{}]  (T2 at 50%, T3 at 80%, T4 at 100%)",
        view.tier,
        r.spent_usd,
        limit,
        100.0 * view.share,
        gauge(view.share, 30, cfg.ascii)
    );
    crate::out!(
        "calls {}   expert calls {} of {}   reserved in flight ${:.4}",
        r.calls,
        r.expert_calls,
        view.expert_cap,
        r.reserved_usd
    );
    if !cfg.ai.is_configured() {
        crate::out!(
            "AI endpoint not configured: no AI calls are made (rules-only safety screening)"
        );
    }
    let lines = |title: &str, lines: &[crate::store::ops::budget::SpendLine]| {
        if lines.is_empty() {
            return;
        }
        let mut t = Table::new(&[
            (title, Align::Left),
            ("calls", Align::Right),
            ("tokens", Align::Right),
            ("cost", Align::Right),
            ("share", Align::Right),
        ]);
        for l in lines {
            t.row(vec![
                cell(&l.key, 32),
                l.calls.to_string(),
                l.tokens.to_string(),
                format!("${:.4}", l.cost_usd),
                if r.spent_usd > 0.0 {
                    format!("{:.0}%", 100.0 * l.cost_usd / r.spent_usd)
                } else {
                    "–".into()
                },
            ]);
        }
        crate::out!("\n{}", t.render());
    };
    lines("feature area", &r.by_feature_area);
    lines("model", &r.by_model);
    if !r.per_hour.is_empty() {
        let costs: Vec<f64> = r.per_hour.iter().map(|h| h.cost_usd).collect();
        let peak = r
            .per_hour
            .iter()
            .max_by(|a, b| a.cost_usd.total_cmp(&b.cost_usd))
            .filter(|h| h.cost_usd > 0.0);
        crate::out!(
            "\nper hour (local, from {}): {}",
            r.day_start.with_timezone(&cfg.timezone).format("%H:%M"),
            sparkline(&costs, cfg.ascii)
        );
        if let Some(p) = peak {
            crate::out!(
                "  peak ${:.4} in {} calls at {}",
                p.cost_usd,
                p.calls,
                p.hour_start.with_timezone(&cfg.timezone).format("%H:00")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_and_gauges() {
        assert_eq!(sparkline(&[0.0, 1.0, 0.5, f64::NAN], false), " █▅ ");
        assert_eq!(sparkline(&[0.0, 2.0], true), " #");
        assert_eq!(sparkline(&[], false), "");
        assert_eq!(gauge(0.0, 10, true), "-----|--|-");
        assert_eq!(gauge(0.6, 10, true), "######--|-");
        assert_eq!(gauge(2.0, 4, false), "████");
    }
}
