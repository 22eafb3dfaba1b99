//! `xbot jobs list|run|enable|disable|cancel|apply-config|history` and `xbot serve`.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::output::cell;
use super::output::{Align, Progress, Table, ago, print_json};
use super::{CliError, open_store};
use crate::config::Config;
use crate::identity::{Operator, Via};
use crate::jobs::catalog;
use crate::jobs::overview::{self, SlaState};
use crate::jobs::runner::{RunReport, run_job};
use crate::jobs::scheduler::Scheduler;
use crate::jobs::{JobEnv, JobProgress};
use crate::store::MigrationPolicy;
use crate::store::ops::jobs::{Audited, RunStatus, Trigger};

#[derive(Debug, clap::Subcommand)]
pub enum JobsCommand {
    /// Every job: schedule, last run, lag against its SLA, who is running it.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Run a job now, through the same lease as the scheduler.
    Run {
        /// The job (see `xbot jobs list`).
        #[arg(value_parser = parse_job)]
        job: String,
        #[arg(long)]
        json: bool,
    },
    /// Enable a job in the shared schedule (audited).
    Enable {
        #[arg(value_parser = parse_job)]
        job: String,
        #[arg(long)]
        json: bool,
    },
    /// Disable a job in the shared schedule (audited); a run in flight finishes.
    Disable {
        #[arg(value_parser = parse_job)]
        job: String,
        #[arg(long)]
        json: bool,
    },
    /// Ask the running run of a job to cancel, whichever process owns it (audited; seen at
    /// its next heartbeat). Exit 1 when it is not running.
    Cancel {
        #[arg(value_parser = parse_job)]
        job: String,
        #[arg(long)]
        json: bool,
    },
    /// Write this config's `[jobs.*]` settings into the shared schedule (the database's
    /// `job_schedules`, which every process follows): prints each change and audits it.
    ApplyConfig {
        /// Print what would change, change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Recent runs, newest first.
    History {
        /// Only this job.
        #[arg(value_parser = parse_job)]
        job: Option<String>,
        #[arg(long, default_value_t = 30)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

pub fn parse_job(s: &str) -> Result<String, String> {
    if catalog::spec(s).is_some() {
        Ok(s.to_string())
    } else {
        Err(format!(
            "unknown job {s:?} (known: {})",
            catalog::job_names().join(", ")
        ))
    }
}

async fn env(cfg: &Config) -> Result<JobEnv, CliError> {
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    Ok(JobEnv::new(store, Arc::new(cfg.clone())))
}

pub async fn run(cmd: JobsCommand, cfg: &Config) -> Result<(), CliError> {
    match cmd {
        JobsCommand::List { json } => list(cfg, json).await,
        JobsCommand::Run { job, json } => run_now(cfg, &job, json).await,
        JobsCommand::Enable { job, json } => set_enabled(cfg, &job, true, json).await,
        JobsCommand::Disable { job, json } => set_enabled(cfg, &job, false, json).await,
        JobsCommand::Cancel { job, json } => cancel(cfg, &job, json).await,
        JobsCommand::ApplyConfig { dry_run, json } => apply_config(cfg, dry_run, json).await,
        JobsCommand::History { job, limit, json } => {
            history(cfg, job.as_deref(), limit, json).await
        }
    }
}

async fn list(cfg: &Config, json: bool) -> Result<(), CliError> {
    let env = env(cfg).await?;
    let rows = overview::load(&env).await;
    env.store.close().await;
    let rows = rows?;
    if json {
        return print_json(&rows);
    }
    let now = Utc::now();
    let mut t = Table::new(&[
        ("job", Align::Left),
        ("on", Align::Left),
        ("every", Align::Right),
        ("priority", Align::Left),
        ("ai", Align::Left),
        ("last run", Align::Left),
        ("lag", Align::Right),
        ("max", Align::Right),
        ("sla", Align::Left),
        ("running / skipped", Align::Left),
    ]);
    for r in &rows {
        let last = r.last_run.as_ref().map_or("never".to_string(), |run| {
            format!(
                "{} {}",
                run.status,
                ago(now, run.finished_at.unwrap_or(run.started_at))
            )
        });
        let running = match (&r.running, &r.skip_reason) {
            (Some(run), _) => format!(
                "running by {} since {}",
                cell(&run.owner, 40),
                ago(now, run.started_at)
            ),
            (None, Some(why)) => format!("skipped: {}", cell(why, 60)),
            _ => String::new(),
        };
        t.row(vec![
            r.job.clone(),
            if r.enabled { "yes" } else { "no" }.into(),
            minutes(i64::from(r.interval_minutes)),
            r.priority.clone(),
            r.ai.clone(),
            last,
            if r.sla == SlaState::NeverRan {
                "–".to_string()
            } else {
                minutes(r.lag_minutes)
            },
            minutes(i64::from(r.max_lag_minutes)),
            r.sla.as_str().into(),
            running,
        ]);
    }
    crate::out!("{}", t.render());
    let late = rows.iter().filter(|r| r.sla == SlaState::Late).count();
    if late > 0 {
        crate::out!("\n{late} job(s) over their SLA");
    }
    let never = rows.iter().filter(|r| r.sla == SlaState::NeverRan).count();
    if never > 0 {
        crate::out!("{never} enabled job(s) never ran (is a scheduler, `xbot serve`, running?)");
    }
    Ok(())
}

/// `xbot jobs apply-config`: the one verb that writes the config's job settings over the
/// stored schedule. Each changed job is one transaction with its audit row.
async fn apply_config(cfg: &Config, dry_run: bool, json: bool) -> Result<(), CliError> {
    if cfg.read_only && !dry_run {
        return Err(CliError::Usage(
            "read-only mode: applying the config would change the shared job schedule \
             (`--dry-run` shows what it would change)"
                .into(),
        ));
    }
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let result = apply_config_on(&store, cfg, dry_run).await;
    store.close().await;
    let changes = result?;
    if json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            dry_run: bool,
            changes: &'a [crate::store::ops::jobs::ScheduleChange],
        }
        return print_json(&Out {
            dry_run,
            changes: &changes,
        });
    }
    let verb = if dry_run { "would change" } else { "changed" };
    if changes.is_empty() {
        crate::out!("the stored job schedule already matches this config: nothing to change");
        return Ok(());
    }
    for c in &changes {
        crate::out!(
            "{}: {verb}\n  from {}\n  to   {}",
            c.job,
            c.from.as_deref().unwrap_or("(no stored row)"),
            c.to
        );
    }
    if dry_run {
        crate::out!(
            "\n{} job(s) would change; run without --dry-run to apply",
            changes.len()
        );
    } else {
        crate::out!(
            "\n{} job(s) changed (audited as apply_config)",
            changes.len()
        );
    }
    Ok(())
}

async fn apply_config_on(
    store: &crate::store::StoreHandle,
    cfg: &Config,
    dry_run: bool,
) -> Result<Vec<crate::store::ops::jobs::ScheduleChange>, CliError> {
    let jobs = catalog::effective(&cfg.jobs);
    let mut changes = Vec::new();
    if dry_run {
        let stored = store.schedules().await?;
        for j in &jobs {
            let row = stored.iter().find(|r| r.job == j.spec.name);
            if let Some(c) = crate::store::ops::jobs::schedule_change(row, j) {
                changes.push(c);
            }
        }
        return Ok(changes);
    }
    let operator = Operator::current().via(Via::Cli);
    for j in &jobs {
        let action_id = uuid::Uuid::now_v7().to_string();
        if let Some(c) = store
            .apply_schedule(j, &action_id, &operator, Utc::now())
            .await?
        {
            changes.push(c);
        }
    }
    Ok(changes)
}

/// What `--json` prints for enable, disable and cancel: the audited action as its
/// `operator_audit` row says, with the operator and a one-line message.
#[derive(serde::Serialize)]
struct ActionReport<'a> {
    job: &'a str,
    operator: String,
    #[serde(flatten)]
    audited: &'a Audited,
    message: &'a str,
}

fn refuse_read_only(what: &str) -> CliError {
    CliError::Usage(format!("read-only mode: {what} would change the database"))
}

/// Print an audited action's result: one line, or `--json`.
fn report(
    job: &str,
    operator: &Operator,
    a: &Audited,
    message: &str,
    json: bool,
) -> Result<(), CliError> {
    if json {
        print_json(&ActionReport {
            job,
            operator: operator.name(),
            audited: a,
            message,
        })
    } else {
        crate::out!("{message}");
        Ok(())
    }
}

/// `xbot jobs enable|disable <job>`.
async fn set_enabled(cfg: &Config, job: &str, enabled: bool, json: bool) -> Result<(), CliError> {
    let verb = if enabled { "enabling" } else { "disabling" };
    if cfg.read_only {
        return Err(refuse_read_only(&format!("{verb} {job}")));
    }
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let operator = Operator::current().via(Via::Cli);
    let action_id = uuid::Uuid::now_v7().to_string();
    let result = store
        .set_job_enabled(job, enabled, &action_id, &operator, Utc::now())
        .await;
    store.close().await;
    let a = result?;
    let state = a.to_state.clone().unwrap_or_default();
    let message = if a.outcome == "unchanged" {
        format!("{job}: already {state}; nothing changed (audited)")
    } else {
        format!("{job}: {state} by {} (audited)", operator.name())
    };
    report(job, &operator, &a, &message, json)
}

/// `xbot jobs cancel <job>`: through the database, so it reaches a run in any process.
async fn cancel(cfg: &Config, job: &str, json: bool) -> Result<(), CliError> {
    if cfg.read_only {
        return Err(refuse_read_only(&format!("cancelling {job}")));
    }
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let operator = Operator::current().via(Via::Cli);
    let action_id = uuid::Uuid::now_v7().to_string();
    let result = store
        .request_cancel(job, &action_id, &operator, Utc::now())
        .await;
    store.close().await;
    let a = result?;
    let to = a.to_state.clone().unwrap_or_default();
    let (message, ok) = match a.outcome.as_str() {
        "not_running" => (format!("{job} is not running; nothing to cancel"), false),
        "unchanged" => (
            format!("{job}: {to}: cancellation was already asked for"),
            true,
        ),
        _ => (
            format!("{job}: {to}: asked to cancel at its next heartbeat (audited)"),
            true,
        ),
    };
    if ok {
        report(job, &operator, &a, &message, json)
    } else {
        if json {
            report(job, &operator, &a, &message, json)?;
        }
        Err(CliError::Failed(message))
    }
}

fn minutes(m: i64) -> String {
    match m {
        m if m >= 2 * 1440 && m % 1440 == 0 => format!("{}d", m / 1440),
        m if m >= 120 && m % 60 == 0 => format!("{}h", m / 60),
        m if m >= 1440 => format!("{}h", m / 60),
        m => format!("{m}m"),
    }
}

async fn run_now(cfg: &Config, job: &str, json: bool) -> Result<(), CliError> {
    if cfg.read_only {
        return Err(CliError::Usage(format!(
            "read-only mode: running {job} would change the database"
        )));
    }
    let env = env(cfg).await?;
    env.store
        .sync_schedules(&catalog::effective(&env.cfg.jobs), env.now())
        .await?;
    let cancel = CancellationToken::new();
    let (tx, mut rx) = watch::channel(JobProgress::default());
    let task = {
        let env = env.clone();
        let cancel = cancel.clone();
        let job = job.to_string();
        tokio::spawn(async move { run_job(&env, &job, Trigger::Cli, cancel, tx).await })
    };
    let bar = Progress::new(job);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut task = task;
    let result = loop {
        tokio::select! {
            r = &mut task => break r,
            changed = rx.changed() => {
                if changed.is_ok() {
                    let p = rx.borrow().clone();
                    bar.update(p.done, p.total, &p.phase);
                }
            }
            _ = &mut ctrl_c, if !cancel.is_cancelled() => {
                crate::say!("\ncancelling {job}…");
                cancel.cancel();
            }
        }
    };
    bar.finish();
    env.store.close().await;
    let report = result
        .map_err(|e| CliError::Failed(format!("the run task failed: {e}")))?
        .map_err(CliError::from)?;
    if json {
        print_json(&report)?;
    }
    match report {
        RunReport::Held {
            job,
            run_id,
            owner,
            started_at,
        } => Err(CliError::LeaseHeld(format!(
            "{job} is already running: run {run_id} by {owner}, started {}",
            ago(Utc::now(), started_at)
        ))),
        RunReport::Finished {
            run_id,
            job,
            status,
            summary,
            reason,
            duration_ms,
        } => {
            let took = if duration_ms < 1000 {
                format!("{duration_ms} ms")
            } else {
                format!("{:.1} s", Duration::from_millis(duration_ms).as_secs_f64())
            };
            match status {
                RunStatus::Succeeded => {
                    if !json {
                        let s = summary.unwrap_or_default();
                        crate::out!(
                            "{job}: succeeded in {took} (run {run_id}): {}\n  rows read {}, rows written {}",
                            s.message,
                            s.rows_read,
                            s.rows_written
                        );
                    }
                    Ok(())
                }
                RunStatus::Skipped => {
                    if !json {
                        crate::out!(
                            "{job}: skipped (run {run_id}): {}",
                            reason.unwrap_or_default()
                        );
                    }
                    Ok(())
                }
                RunStatus::Cancelled | RunStatus::Failed => Err(CliError::Failed(format!(
                    "{job}: {} after {took} (run {run_id}): {}",
                    status.as_str(),
                    reason.unwrap_or_default()
                ))),
            }
        }
    }
}

async fn history(cfg: &Config, job: Option<&str>, limit: i64, json: bool) -> Result<(), CliError> {
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let runs = store.run_history(job, limit.clamp(1, 10_000)).await;
    store.close().await;
    let runs = runs?;
    if json {
        return print_json(&runs);
    }
    let now = Utc::now();
    let mut t = Table::new(&[
        ("run", Align::Right),
        ("job", Align::Left),
        ("status", Align::Left),
        ("trigger", Align::Left),
        ("started", Align::Left),
        ("took", Align::Right),
        ("owner", Align::Left),
        ("result", Align::Left),
    ]);
    for r in &runs {
        let took = r.took_label();
        let message = r.summary();
        t.row(vec![
            r.id.to_string(),
            r.job.clone(),
            r.status.clone(),
            r.trigger.clone(),
            ago(now, r.started_at),
            took,
            cell(&r.owner, 32),
            cell(&message, 70),
        ]);
    }
    crate::out!("{}", t.render());
    Ok(())
}

/// `xbot serve`: the scheduler, headless, until SIGTERM or SIGINT. Running jobs are cancelled
/// and their runs closed (leases released); nothing is half-published.
pub async fn serve(cfg: &Config) -> Result<(), CliError> {
    if cfg.read_only {
        return Err(CliError::Usage(
            "read-only mode: `xbot serve` runs jobs, which write".into(),
        ));
    }
    let env = env(cfg).await?;
    env.store
        .sync_schedules(&catalog::effective(&env.cfg.jobs), env.now())
        .await?;
    crate::say!(
        "xbot serve: scheduling jobs on {} as {} (SIGTERM or Ctrl-C stops; logs in {})",
        cfg.database.display_masked(),
        env.owner,
        cfg.paths.log_file().display()
    );
    tracing::info!(owner = %env.owner, "serve started");
    let stop = CancellationToken::new();
    let scheduler = Scheduler::new(env.clone());
    let loop_task = tokio::spawn(scheduler.run(stop.clone()));
    let watch_task = tokio::spawn(crate::jobs::db_watch::run(env.clone(), stop.clone()));
    wait_for_stop_signal().await;
    crate::say!("xbot serve: stopping; cancelling running jobs…");
    tracing::info!("serve stopping");
    stop.cancel();
    let _ = loop_task.await;
    let _ = watch_task.await;
    env.store.close().await;
    crate::say!("xbot serve: stopped");
    Ok(())
}

async fn wait_for_stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
