//! `xbot leaderboard <dimension>`: time-decayed rankings, aggregated in the database.

use chrono::Utc;
use serde::Serialize;

use super::output::cell;
use super::output::{Align, Table, print_json};
use super::{CliError, open_store};
use crate::config::Config;
use crate::learning::dimension::Dimension;
use crate::learning::leaderboard::{LeaderboardEntry, SHRINK_K, leaderboard};
use crate::store::MigrationPolicy;

#[derive(Debug, clap::Args)]
pub struct LeaderboardArgs {
    /// generator, topic, tone, hook, slot or decision_type.
    #[arg(value_parser = parse_dimension)]
    pub dimension: Dimension,
    /// Decay rate λ per day for a what-if (default: the dimension's own).
    #[arg(long, value_name = "X", value_parser = parse_lambda)]
    pub lambda: Option<f64>,
    /// Show at most this many rows.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn parse_dimension(s: &str) -> Result<Dimension, String> {
    Dimension::parse(s).ok_or_else(|| {
        format!(
            "unknown leaderboard {s:?} (known: {})",
            Dimension::ALL.map(|d| d.name()).join(", ")
        )
    })
}

fn parse_lambda(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if v.is_finite() && (0.0..=5.0).contains(&v) {
        Ok(v)
    } else {
        Err("λ must be between 0 and 5".into())
    }
}

#[derive(Serialize)]
struct Board {
    dimension: Dimension,
    lambda: f64,
    floor: f64,
    max_age_days: f64,
    entries: Vec<LeaderboardEntry>,
}

pub async fn run(args: LeaderboardArgs, cfg: &Config) -> Result<(), CliError> {
    let mut decay = args.dimension.decay_context().params();
    if let Some(l) = args.lambda {
        decay = decay.with_lambda(l);
    }
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let groups = store.group_sums(args.dimension, Utc::now(), &decay).await;
    store.close().await;
    let mut entries = leaderboard(&groups?, SHRINK_K);
    entries.truncate(args.limit);
    let board = Board {
        dimension: args.dimension,
        lambda: decay.lambda,
        floor: decay.floor,
        max_age_days: decay.max_age_days,
        entries,
    };
    if args.json {
        return print_json(&board);
    }
    crate::out!(
        "{} leaderboard (λ {} per day, floor {}, last {} days; * = fewer than 5 posts)",
        board.dimension,
        board.lambda,
        board.floor,
        board.max_age_days
    );
    let mut t = Table::new(&[
        ("#", Align::Right),
        (board.dimension.name(), Align::Left),
        ("n", Align::Right),
        ("eff n", Align::Right),
        ("decayed", Align::Right),
        ("shrunk", Align::Right),
        ("raw", Align::Right),
        ("trend/wk", Align::Right),
        ("share", Align::Right),
    ]);
    for e in &board.entries {
        t.row(vec![
            e.rank.to_string(),
            format!("{}{}", cell(&e.value, 40), if e.low_n { " *" } else { "" }),
            e.n.to_string(),
            format!("{:.1}", e.effective_n),
            format!("{:.3}", e.decayed_mean),
            format!("{:.3}", e.shrunk_score),
            format!("{:.3}", e.raw_mean),
            e.weekly_trend.map_or("–".into(), |t| format!("{t:+.3}")),
            format!("{:.1}%", 100.0 * e.share),
        ]);
    }
    crate::out!("{}", t.render());
    Ok(())
}
