//! `xbot bench`: measurements on a real database, side by side in one run.

mod console;
mod guard;
pub mod latency;

use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Serialize;

use super::CliError;
use super::output::{Align, Table, print_json};
use crate::config::{Config, parse_database_url};
use crate::learning::weights::{
    LearningRow, WeightMap, WeightParams, weight_map_from_groups, weight_map_from_rows,
};
use crate::store::{self, MigrationPolicy, StoreHandle};

#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Weight-map recompute: aggregation in SQL against fetching every row and aggregating in
    /// the program, on the configured database and on `--also`.
    Weights {
        /// Another database to measure in the same run (e.g. the Postgres twin of an SQLite file).
        #[arg(long, value_name = "URL")]
        also: Vec<String>,
        /// Timed runs per method (the median is reported).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
        runs: u32,
        #[arg(long)]
        json: bool,
    },
    /// The console: frame render time per tab at 200x60, start-up to the first frame, resident
    /// memory on a large database (`--big`), and bytes written per refresh.
    Console(console::ConsoleArgs),
    /// The medical safety guard's offline screen on a labelled corpus: confusion matrix,
    /// per-category recall, the targets and the time per post. No database.
    Guard(guard::GuardArgs),
    /// Round trips and time of every CLI verb and console screen through a delay proxy that
    /// simulates a far-away Postgres (`--rtt` ms), beside the same without it. Rejects one
    /// pending review (run it on the demo dataset).
    Latency(latency::LatencyArgs),
}

#[derive(Debug, Serialize)]
struct WeightBench {
    backend: String,
    database: String,
    posts_in_window: u64,
    sql_ms: f64,
    naive_ms: f64,
    speedup: f64,
    naive_rows_fetched: usize,
    max_weight_difference: f64,
}

pub async fn run(cmd: BenchCommand, cfg: &Config) -> Result<(), CliError> {
    match cmd {
        BenchCommand::Console(args) => console::run(args, cfg).await,
        BenchCommand::Guard(args) => guard::run(args),
        BenchCommand::Latency(args) => latency::run(args, cfg).await,
        BenchCommand::Weights { also, runs, json } => {
            let mut targets = vec![cfg.database.clone()];
            for url in &also {
                targets.push(
                    parse_database_url(url)
                        .map_err(|e| CliError::Usage(format!("--also {url:?}: {e}")))?,
                );
            }
            let mut results = Vec::new();
            for target in &targets {
                let opened = store::open(target, MigrationPolicy::Require)
                    .await
                    .map_err(CliError::Open)?;
                let r = bench_weights(&opened.store, runs).await;
                opened.store.close().await;
                let mut r = r?;
                r.database = target.display_masked();
                results.push(r);
            }
            if json {
                return print_json(&results);
            }
            let mut t = Table::new(&[
                ("backend", Align::Left),
                ("posts in window", Align::Right),
                ("SQL (ms)", Align::Right),
                ("naive (ms)", Align::Right),
                ("speed-up", Align::Right),
                ("max |Δw|", Align::Right),
            ]);
            for r in &results {
                t.row(vec![
                    r.backend.clone(),
                    r.posts_in_window.to_string(),
                    format!("{:.0}", r.sql_ms),
                    format!("{:.0}", r.naive_ms),
                    format!("{:.1}×", r.speedup),
                    format!("{:.1e}", r.max_weight_difference),
                ]);
            }
            crate::out!(
                "weight-map recompute, median of {runs} run(s)\n{}",
                t.render()
            );
            Ok(())
        }
    }
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v.get(v.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

async fn bench_weights(store: &StoreHandle, runs: u32) -> Result<WeightBench, CliError> {
    let now = Utc::now();
    let params = WeightParams::default();
    let (mut sql_times, mut naive_times) = (Vec::new(), Vec::new());
    let mut sql_map = WeightMap::default();
    let mut naive_map = WeightMap::default();
    let mut sample = 0;
    let mut fetched = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let agg = store.weight_aggregate(now, &params).await?;
        sql_map = weight_map_from_groups(&agg.groups, agg.sample_size, &params);
        sql_times.push(t.elapsed());
        sample = agg.sample_size;

        // The naive way: every row of the window, every column, aggregated in the program.
        let t = Instant::now();
        let rows = store.learning_view_rows(now, &params).await?;
        fetched = rows.len();
        let rows: Vec<LearningRow> = rows
            .into_iter()
            .filter_map(|r| {
                Some(LearningRow {
                    posted_at: r.posted_at?,
                    generator_name: r.generator_name,
                    topic: r.topic,
                    tone: r.tone,
                    decision_type: Some(r.decision_type),
                    content_slot: r.content_slot,
                    score: r
                        .primary_objective_score
                        .filter(|s| (0.0..=1.0).contains(s)),
                })
            })
            .collect();
        naive_map = weight_map_from_rows(&rows, now, &params).map;
        naive_times.push(t.elapsed());
    }
    let mut max_diff: f64 = 0.0;
    for (feature, weights) in &sql_map.weights {
        for (value, w) in weights {
            let other = naive_map
                .weights
                .get(feature)
                .and_then(|m| m.get(value))
                .copied()
                .unwrap_or(f64::NAN);
            max_diff = max_diff.max((w - other).abs());
        }
    }
    let (sql_ms, naive_ms) = (median(sql_times), median(naive_times));
    Ok(WeightBench {
        backend: store.backend().as_str().to_string(),
        database: String::new(),
        posts_in_window: sample,
        sql_ms,
        naive_ms,
        speedup: if sql_ms > 0.0 { naive_ms / sql_ms } else { 0.0 },
        naive_rows_fetched: fetched,
        max_weight_difference: max_diff,
    })
}
