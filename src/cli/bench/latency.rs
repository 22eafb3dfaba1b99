//! `xbot bench latency`: what a far-away database costs. A delay proxy on loopback
//! ([`crate::delay_proxy`]) sits in front of the configured Postgres and adds half the round
//! trip each way; every CLI verb (the real binary) and every console screen load (in-process,
//! the way the console loads it) is timed without the proxy and through it, and its round trips
//! are counted there. Then live updates: the time from a review rejected through the CLI to
//! a console-state holding a change feed (and no polling: a refresh interval of 60 s) having
//! reloaded the Safety tab with the decision in it.

use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Serialize;

use super::super::CliError;
use super::super::output::{Align, Table, print_json};
use crate::config::{Config, DatabaseTarget};
use crate::console::msg::Query;
use crate::console::tabs::TabId;
use crate::console::{effects, setup_from};
use crate::delay_proxy::{DelayProxy, ProxyStats, upstream_of};
use crate::store::{self, MigrationPolicy, StoreHandle};

#[derive(Debug, clap::Args)]
pub struct LatencyArgs {
    /// The simulated round-trip time in milliseconds (half of it each way).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=2000))]
    pub rtt: u64,
    /// Run the CLI verbs with this xbot binary instead of this one (to compare builds).
    #[arg(long, value_name = "PATH")]
    pub binary: Option<std::path::PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub name: String,
    /// Without the proxy.
    pub local_ms: f64,
    /// Through the proxy.
    pub remote_ms: f64,
    pub round_trips: u64,
    pub connections: u64,
    /// Statements sent (simple queries plus extended-protocol executes).
    pub statements: u64,
    /// Client messages by protocol type.
    pub messages: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Serialize)]
pub struct LiveUpdate {
    /// From the CLI verb's start to the reloaded tab showing the decision.
    pub ms: f64,
    /// The CLI verb alone (start to exit).
    pub cli_ms: f64,
    /// From the CLI verb's exit to the notification.
    pub notified_after_exit_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct LatencyReport {
    pub rtt_ms: u64,
    pub database: String,
    pub verbs: Vec<Step>,
    pub screens: Vec<Step>,
    pub live: LiveUpdate,
}

/// The CLI verbs measured, with `{review}`, `{version}` and `{incident}` filled in from the
/// database.
const VERBS: &[&str] = &[
    "status",
    "budget",
    "jobs list",
    "jobs history",
    "leaderboard generator",
    "weights list",
    "weights show {version}",
    "review list",
    "review show {review}",
    "incidents",
    "incidents show {incident}",
    "review reject {review} --reason bench-latency",
    "jobs disable plan",
    "jobs enable plan",
    "replies pin dr_david",
    "replies clear dr_david",
    "incidents note {incident} --note bench-latency",
    "incidents ack {incident} --note bench-latency",
    "weights activate {other}",
    "weights activate {active}",
    "replies list",
    "notify list",
    "info",
];

/// Whether a verb changes the database (run once, through the proxy).
pub fn is_write(line: &str) -> bool {
    [
        "review reject",
        "jobs disable",
        "jobs enable",
        "replies pin",
        "replies clear",
        "weights activate",
        "incidents note",
        "incidents ack",
    ]
    .iter()
    .any(|w| line.starts_with(w))
}

pub async fn run(args: LatencyArgs, cfg: &Config) -> Result<(), CliError> {
    let DatabaseTarget::Postgres { url } = &cfg.database else {
        return Err(CliError::Usage(
            "`xbot bench latency` measures a Postgres database over a simulated network; \
             configure one with --database-url postgres://…"
                .into(),
        ));
    };
    let upstream = upstream_of(url).ok_or_else(|| {
        CliError::Usage(format!(
            "cannot resolve the host of {}",
            cfg.database.display_masked()
        ))
    })?;
    let one_way = Duration::from_micros(args.rtt * 500);
    let proxy = DelayProxy::start(upstream, one_way)
        .await
        .map_err(|e| CliError::Failed(format!("cannot start the delay proxy: {e}")))?;
    let remote_url = proxy
        .url_through(url)
        .ok_or_else(|| CliError::Usage("not a postgres:// URL".into()))?;

    let exe = match args.binary {
        Some(p) => p,
        None => std::env::current_exe().map_err(|e| CliError::Failed(e.to_string()))?,
    };
    let (review, live_review, (version, other, active), incident) = pick_targets(cfg).await?;
    let mut verbs = Vec::new();
    for verb in VERBS {
        // The incident verbs need an incident (the demo dataset has some).
        let incident = match (verb.contains("{incident}"), incident) {
            (true, None) => continue,
            (_, i) => i.unwrap_or_default().to_string(),
        };
        let line = verb
            .replace("{review}", &review.to_string())
            .replace("{version}", &version)
            .replace("{other}", &other)
            .replace("{active}", &active)
            .replace("{incident}", &incident);
        let argv: Vec<&str> = line.split(' ').collect();
        // A write runs once, through the proxy (it could only be decided once).
        let local_ms = if is_write(&line) {
            f64::NAN
        } else {
            let mut times = Vec::new();
            for _ in 0..3 {
                times.push(run_verb(&exe, url, &argv).await?);
            }
            times.sort_by(f64::total_cmp);
            times[1]
        };
        let before = proxy.stats();
        let remote_ms = run_verb(&exe, &remote_url, &argv).await?;
        verbs.push(step(
            line,
            local_ms,
            remote_ms,
            &proxy.stats().since(&before),
        ));
    }

    let screens = screens(cfg, url, &remote_url, &proxy).await?;
    let live = live_update(cfg, &exe, &remote_url, live_review).await?;
    let report = LatencyReport {
        rtt_ms: args.rtt,
        database: cfg.database.display_masked(),
        verbs,
        screens,
        live,
    };
    if args.json {
        return print_json(&report);
    }
    print_report(&report);
    Ok(())
}

fn step(name: String, local_ms: f64, remote_ms: f64, st: &ProxyStats) -> Step {
    Step {
        name,
        local_ms,
        remote_ms,
        round_trips: st.round_trips,
        connections: st.connections,
        statements: st.statements(),
        messages: st.client_messages.clone(),
    }
}

/// Two pending reviews (one to show and reject, one for the live update), weight-map versions
/// (one to show, the active one, and another to activate before the active one is put back),
/// and the newest incident if any.
async fn pick_targets(
    cfg: &Config,
) -> Result<(i64, i64, (String, String, String), Option<i64>), CliError> {
    let opened = store::open(&cfg.database, MigrationPolicy::Require)
        .await
        .map_err(CliError::Open)?;
    let s = opened.store;
    let reviews = s.reviews(&["pending"], 2).await;
    let weights = s.weight_history(500).await;
    let incident = s.incidents(true, 1).await;
    s.close().await;
    let incident = incident?.first().map(|i| i.id);
    let reviews = reviews?;
    let (Some(review), Some(live)) = (reviews.first(), reviews.get(1)) else {
        return Err(CliError::Failed(
            "two pending reviews are needed: fill the database with `xbot demo --reset` first"
                .into(),
        ));
    };
    let (review, live) = (review.id, live.id);
    let weights = weights?;
    let active = weights.iter().find(|w| w.is_active);
    let (Some(shown), Some(active)) = (weights.last(), active) else {
        return Err(CliError::Failed(
            "no active weight map stored: run `xbot demo` first".into(),
        ));
    };
    let Some(other) = weights.iter().find(|w| w.version != active.version) else {
        return Err(CliError::Failed(
            "only one weight map stored: run `xbot demo` first".into(),
        ));
    };
    let versions = (
        shown.version.clone(),
        other.version.clone(),
        active.version.clone(),
    );
    Ok((review, live, versions, incident))
}

/// Run the real binary with `argv` on `url`; milliseconds from spawn to exit.
async fn run_verb(exe: &std::path::Path, url: &str, argv: &[&str]) -> Result<f64, CliError> {
    let t = Instant::now();
    let out = tokio::process::Command::new(exe)
        .args(argv)
        .arg("--json")
        .env("XBOT_DATABASE_URL", url)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .await
        .map_err(|e| CliError::Failed(format!("cannot run xbot {}: {e}", argv.join(" "))))?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    if !out.status.success() {
        return Err(CliError::Failed(format!(
            "xbot {} failed: {}",
            argv.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(ms)
}

/// The screens the console loads: the header's status and each tab.
fn screen_queries(cfg: &Config, target: &str) -> Vec<(String, Query)> {
    let s = super::console::console_state(cfg, target).ok();
    let mut out = vec![("header status".to_string(), Query::Status)];
    if let Some(mut s) = s {
        for tab in std::iter::once(TabId::Overview).chain(TabId::ALL) {
            s.tab = tab;
            out.push((
                format!("{} tab", tab.title()),
                crate::console::update::tab_query(&s, tab),
            ));
        }
    }
    out
}

async fn open_on(url: &str) -> Result<StoreHandle, CliError> {
    let target = DatabaseTarget::Postgres {
        url: url.to_string(),
    };
    Ok(store::open(&target, MigrationPolicy::Require)
        .await
        .map_err(CliError::Open)?
        .store)
}

async fn screens(
    cfg: &Config,
    url: &str,
    remote_url: &str,
    proxy: &DelayProxy,
) -> Result<Vec<Step>, CliError> {
    let setup = setup_from(cfg, cfg.database.display_masked());
    let queries = screen_queries(cfg, &cfg.database.display_masked());
    let local = open_on(url).await?;
    let before = proxy.stats();
    let t = Instant::now();
    let remote = open_on(remote_url).await?;
    let open_ms = t.elapsed().as_secs_f64() * 1000.0;
    let mut out = vec![step(
        "console: connect and open".into(),
        f64::NAN,
        open_ms,
        &proxy.stats().since(&before),
    )];
    for (name, q) in queries {
        // Each screen once to warm the connection's statement cache, as a running console
        // has; the figure is a reload.
        effects::load(local.as_ref(), &setup, &q, Utc::now()).await?;
        let t = Instant::now();
        effects::load(local.as_ref(), &setup, &q, Utc::now()).await?;
        let local_ms = t.elapsed().as_secs_f64() * 1000.0;
        effects::load(remote.as_ref(), &setup, &q, Utc::now()).await?;
        let before = proxy.stats();
        let t = Instant::now();
        effects::load(remote.as_ref(), &setup, &q, Utc::now()).await?;
        let remote_ms = t.elapsed().as_secs_f64() * 1000.0;
        out.push(step(
            format!("console: {name}"),
            local_ms,
            remote_ms,
            &proxy.stats().since(&before),
        ));
    }
    local.close().await;
    remote.close().await;
    Ok(out)
}

fn fmt_ms(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v >= 1000.0 {
        format!("{:.2} s", v / 1000.0)
    } else {
        format!("{v:.0} ms")
    }
}

fn print_report(r: &LatencyReport) {
    let remote = format!("at {} ms RTT", r.rtt_ms);
    let mut t = Table::new(&[
        ("verb or screen", Align::Left),
        ("local", Align::Right),
        (remote.as_str(), Align::Right),
        ("round trips", Align::Right),
        ("connections", Align::Right),
        ("statements", Align::Right),
    ]);
    for s in r.verbs.iter().chain(&r.screens) {
        let name = if s.name.starts_with("console:") {
            s.name.clone()
        } else {
            format!("xbot {}", s.name)
        };
        t.row(vec![
            name,
            fmt_ms(s.local_ms),
            fmt_ms(s.remote_ms),
            s.round_trips.to_string(),
            s.connections.to_string(),
            s.statements.to_string(),
        ]);
    }
    crate::out!(
        "{} through a delay proxy adding {} ms each way (round trips counted there)\n{}",
        r.database,
        r.rtt_ms as f64 / 2.0,
        t.render()
    );
    crate::out!(
        "live update: a review rejected through the CLI showed on a console refreshing every 60 s \
         {} after the verb started (the verb took {}; notified {} after it exited)",
        fmt_ms(r.live.ms),
        fmt_ms(r.live.cli_ms),
        fmt_ms(r.live.notified_after_exit_ms)
    );
}

/// Reject `review` through the CLI (on `url`, through the proxy) while a console-state that
/// never polls listens for changes; when notified it reloads the Safety tab, which must show
/// the decision.
async fn live_update(
    cfg: &Config,
    exe: &std::path::Path,
    url: &str,
    review: i64,
) -> Result<LiveUpdate, CliError> {
    let store = open_on(url).await?;
    let mut setup = setup_from(cfg, cfg.database.display_masked());
    setup.refresh = Duration::from_secs(60);
    let mut feed = store.change_feed().await?;
    let t = Instant::now();
    let reject = format!("review reject {review} --reason bench-latency-live");
    let argv: Vec<&str> = reject.split(' ').collect();
    let cli_ms = run_verb(exe, url, &argv).await?;
    let exited = Instant::now();
    let result = async {
        tokio::time::timeout(Duration::from_secs(65), feed.next())
            .await
            .map_err(|_| CliError::Failed("no change notification within 65 s".into()))??;
        let notified = exited.elapsed();
        let loaded = effects::load(store.as_ref(), &setup, &Query::Safety, Utc::now()).await?;
        let shown = match &loaded {
            crate::console::msg::Loaded::Safety { reviews, .. } => reviews
                .iter()
                .any(|r| r.id == review && r.status == "rejected"),
            _ => false,
        };
        if !shown {
            return Err(CliError::Failed(format!(
                "review #{review} is not shown rejected after the notification"
            )));
        }
        Ok(LiveUpdate {
            ms: t.elapsed().as_secs_f64() * 1000.0,
            cli_ms,
            notified_after_exit_ms: notified.as_secs_f64() * 1000.0,
        })
    }
    .await;
    feed.close().await;
    store.close().await;
    result
}
