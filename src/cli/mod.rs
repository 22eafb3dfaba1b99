//! The command line: clap definitions, the shared start-up (config, logging, opening the
//! store, first-run demo seeding) and dispatch to the verbs, one file per verb group.

pub mod bench;
pub mod budget;
pub mod demo;
pub mod incidents;
pub mod info;
pub mod jobs;
pub mod leaderboard;
pub mod notify;
pub mod output;
pub mod replies;
pub mod review;
pub mod screen;
pub mod status;
pub mod weights;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{Config, FlagOverrides};

/// xbot: the learning-and-operations layer of xBOT.
///
/// With no command, opens the console on the configured database (the embedded demo database
/// when none is configured).
#[derive(Debug, Parser)]
#[command(name = "xbot", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags every command accepts. They override the config file and the environment.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Config file (default: $XDG_CONFIG_HOME/xbot/config.toml; env XBOT_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: postgres://… or sqlite:///path (env DATABASE_URL / XBOT_DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// IANA timezone for the budget day and content slots (default UTC).
    #[arg(long, global = true, value_name = "ZONE")]
    pub timezone: Option<String>,
    /// Refuse every change (approvals, job runs, edits) before it reaches the database.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Console theme: dark, light, mono, or a file in the themes directory.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Console refresh interval in seconds.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub refresh: Option<f64>,
    /// ASCII borders and spinner for terminals without Unicode line drawing.
    #[arg(long, global = true)]
    pub ascii: bool,
    /// Tables: never shorten a cell, even on a terminal (off a terminal they never are).
    #[arg(long, global = true)]
    pub wide: bool,
}

impl GlobalArgs {
    pub fn overrides(&self) -> FlagOverrides {
        FlagOverrides {
            config: self.config.clone(),
            database_url: self.database_url.clone(),
            timezone: self.timezone.clone(),
            read_only: self.read_only,
            theme: self.theme.clone(),
            refresh_seconds: self.refresh,
            ascii: self.ascii,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Paths, backend, and the effective configuration (secrets masked).
    Info(info::InfoArgs),
    /// Apply pending database migrations.
    Migrate(info::MigrateArgs),
    /// Fill the database with the demo dataset.
    Demo(demo::DemoArgs),
    /// Data health: recent posts, metrics, scores, pending reviews, weights, budget tier.
    Status(status::StatusArgs),
    /// Time-decayed leaderboard of generators, topics, tones, hooks, slots or decision types.
    Leaderboard(leaderboard::LeaderboardArgs),
    /// Jobs: list, run now, history.
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
    /// Run the scheduler headless until SIGTERM or SIGINT.
    Serve,
    /// Weight-map versions: list, show, diff.
    #[command(subcommand)]
    Weights(weights::WeightsCommand),
    /// Incidents, open first; acknowledge, resolve or note one (audited).
    Incidents(incidents::IncidentsArgs),
    /// Notification destinations: send a test message, list, forget.
    #[command(subcommand)]
    Notify(notify::NotifyCommand),
    /// Benchmarks on a real database.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// The safety review queue: list, show, approve, reject.
    #[command(subcommand)]
    Review(review::ReviewCommand),
    /// Reply accounts: list, pin, mute, clear.
    #[command(subcommand)]
    Replies(replies::RepliesCommand),
    /// Today's AI spend: tier, by feature area and model, per hour, expert calls.
    Budget(budget::BudgetArgs),
    /// Screen posts with the guard's offline rules, like a linter (no database): pass, hold or
    /// reject, the level and the hits. Exit 0 all pass, 1 any held or rejected, 2 bad input.
    Screen(screen::ScreenArgs),
}

pub use crate::app::{CliError, open_store, open_store_with};

/// Run a headless verb.
pub async fn run(command: Command, cfg: Config) -> Result<(), CliError> {
    match command {
        Command::Info(args) => info::run_info(args, &cfg).await,
        Command::Migrate(args) => info::run_migrate(args, &cfg).await,
        Command::Demo(args) => demo::run(args, &cfg).await,
        Command::Status(args) => status::run(args, &cfg).await,
        Command::Leaderboard(args) => leaderboard::run(args, &cfg).await,
        Command::Jobs(cmd) => jobs::run(cmd, &cfg).await,
        Command::Serve => jobs::serve(&cfg).await,
        Command::Weights(cmd) => weights::run(cmd, &cfg).await,
        Command::Incidents(args) => incidents::run(args, &cfg).await,
        Command::Notify(cmd) => notify::run(cmd, &cfg).await,
        Command::Bench(cmd) => bench::run(cmd, &cfg).await,
        Command::Review(cmd) => review::run(cmd, &cfg).await,
        Command::Replies(cmd) => replies::run(cmd, &cfg).await,
        Command::Budget(args) => budget::run(args, &cfg).await,
        Command::Screen(args) => screen::run(args),
    }
}
