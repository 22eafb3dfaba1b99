//! `xbot demo`: fill a database with the demo dataset (or a large one for benchmarks).

use super::output::{Progress, print_json};
use super::{CliError, open_store_with};
use crate::config::Config;
use crate::store::MigrationPolicy;
use crate::store::demo::{self, DemoOptions};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Delete every row first (required when the database already holds data).
    #[arg(long)]
    pub reset: bool,
    /// Number of posts to write instead of the default ~1,400 (e.g. 1000000 for benchmarks).
    #[arg(long, value_name = "POSTS", value_parser = clap::value_parser!(u64).range(1..=20_000_000))]
    pub scale: Option<u64>,
    /// Random seed (the same seed and time give the same dataset).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: DemoArgs, cfg: &Config) -> Result<(), CliError> {
    if cfg.read_only {
        return Err(CliError::Usage(
            "read-only mode: `xbot demo` writes to the database".into(),
        ));
    }
    let store = open_store_with(cfg, MigrationPolicy::Apply, false).await?;
    if !store.is_empty().await? {
        if !args.reset {
            store.close().await;
            return Err(CliError::Failed(format!(
                "{} already holds data; pass --reset to replace it with the demo dataset",
                cfg.database.display_masked()
            )));
        }
        store.reset().await?;
    }
    let mut opts = DemoOptions::new(chrono::Utc::now(), cfg.timezone);
    opts.objective = cfg.objective;
    opts.daily_limit_usd = cfg.budget.daily_limit_usd;
    opts.prices = cfg.budget.prices.clone();
    if let Some(n) = args.scale {
        opts.posts = n as usize;
    }
    if let Some(seed) = args.seed {
        opts.seed = seed;
    }
    let progress = Progress::new("demo");
    let result = demo::seed(store.as_ref(), &opts, &mut |done, total| {
        progress.update(done as u64, total as u64, "posts")
    })
    .await;
    progress.finish();
    store.close().await;
    let report = result?;
    if args.json {
        return print_json(&report);
    }
    crate::out!(
        "{}: wrote the demo dataset: {} posts, {} rows in {:.1} s",
        cfg.database.display_masked(),
        report.posts,
        report.rows,
        report.elapsed.as_secs_f64()
    );
    Ok(())
}
