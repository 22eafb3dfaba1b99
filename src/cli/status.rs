//! `xbot status`: the data-health summary.

use chrono::Utc;
use serde::Serialize;

use super::output::{ago, pct, print_json};
use super::{CliError, open_store};
use crate::budget::tiers::{Tier, share, tier_for};
use crate::config::Config;
use crate::learning::slots;
use crate::store::types::DataHealth;
use crate::store::{MigrationPolicy, Reads};

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Status {
    database: String,
    backend: &'static str,
    demo: bool,
    /// Attached to xBOT's database, or standalone.
    install: String,
    health: DataHealth,
    budget_limit_usd: f64,
    budget_share: f64,
    tier: Tier,
    budget_day: String,
    timezone: String,
    /// The most recently seen scheduler (`xbot serve`), if any ever ran here.
    scheduler: Option<crate::store::ops::workers::WorkerRecord>,
    /// Whether it beat within the last 90 s.
    scheduler_alive: bool,
}

pub async fn run(args: StatusArgs, cfg: &Config) -> Result<(), CliError> {
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let now = Utc::now();
    let day = slots::local_date(now, cfg.timezone);
    let (start, end) = slots::day_bounds_utc(day, cfg.timezone);
    // Every read in one batch (one round trip on Postgres, the facts sync in it when due).
    let read = async {
        let mut r = Reads::new();
        store.refresh_facts_with(&mut r).await?;
        let health = store.read_data_health(&mut r, now, start, end);
        let posts = store.read_count_decisions(&mut r);
        let workers = store.read_workers(&mut r);
        let mut b = store.fetch_reads(r).await?;
        Ok::<_, crate::store::StoreError>((
            health.take(&mut b)?,
            store.install_summary_of(posts.take(&mut b)?),
            workers.take(&mut b)?,
        ))
    }
    .await;
    store.close().await;
    let (health, install, workers) = read?;
    let scheduler_alive = crate::notify::standby::live_scheduler(&workers, now).is_some();
    let scheduler = workers.into_iter().max_by_key(|w| w.seen_at);
    let limit = cfg.budget.daily_limit_usd;
    let status = Status {
        database: cfg.database.display_masked(),
        backend: cfg.database.backend_name(),
        demo: cfg.database.is_default(),
        install,
        tier: tier_for(health.spend_today_usd, limit),
        budget_share: share(health.spend_today_usd, limit),
        budget_limit_usd: limit,
        budget_day: day.to_string(),
        timezone: cfg.timezone.name().to_string(),
        health,
        scheduler,
        scheduler_alive,
    };
    if args.json {
        return print_json(&status);
    }
    let h = &status.health;
    crate::out!(
        "xbot status: {}{}",
        status.database,
        if status.demo { " (DEMO)" } else { "" }
    );
    crate::out!("install                 {}", status.install);
    crate::out!("posts, last 7 days      {:>7}", h.posts_7d);
    crate::out!(
        "  with metrics          {:>7}  {}",
        h.with_metrics_7d,
        pct(h.with_metrics_7d, h.posts_7d)
    );
    crate::out!(
        "  with v2 score         {:>7}  {}",
        h.with_v2_score_7d,
        pct(h.with_v2_score_7d, h.posts_7d)
    );
    crate::out!("posts, all time         {:>7}", h.total_posts);
    crate::out!("pending safety reviews  {:>7}", h.pending_reviews);
    match &h.active_weight_map {
        Some(w) => crate::out!(
            "active weight map       {:>7}  computed {} ({}), {} samples",
            // A version is a database string: inert like every other.
            crate::text::inert(&w.version),
            w.computed_at.format("%Y-%m-%d %H:%M UTC"),
            ago(now, w.computed_at),
            w.sample_size
        ),
        None => {
            crate::out!("active weight map          none  (run `xbot jobs run offline_weight_map`)")
        }
    }
    crate::out!(
        "budget tier             {:>7}  ${:.2} of ${:.2} ({:.0}%) on {} ({})",
        status.tier.as_str(),
        h.spend_today_usd,
        status.budget_limit_usd,
        100.0 * status.budget_share,
        status.budget_day,
        status.timezone
    );
    match &status.scheduler {
        None => crate::out!("scheduler               never seen  (start one: `xbot serve`)"),
        Some(w) => crate::out!(
            "scheduler               {}  {} seen {}",
            if status.scheduler_alive {
                "alive"
            } else if w.stopped_at.is_some() {
                "STOPPED"
            } else {
                "NOT SEEN"
            },
            crate::text::inert(&w.owner),
            ago(now, w.seen_at)
        ),
    }
    Ok(())
}
