//! `xbot notify test|list|forget`: try the configured destinations, see which are registered
//! on the database and what is waiting to be delivered, unregister one.

use chrono::Utc;
use serde::Serialize;

use super::output::{Align, Table, cell, print_json};
use super::{CliError, open_store};
use crate::config::Config;
use crate::notify::delivery::{self, Policy};
use crate::store::MigrationPolicy;

#[derive(Debug, clap::Subcommand)]
pub enum NotifyCommand {
    /// Send a test message to each configured destination (or the one named) and report.
    Test {
        /// Only this destination.
        #[arg(long, value_name = "NAME")]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Destinations configured here and registered on the database, and what waits.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Unregister a destination: no more notifications are queued for it; its undelivered
    /// ones are dropped.
    Forget {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Serialize)]
struct TestResult {
    destination: String,
    kind: &'static str,
    /// Scheme and host only.
    endpoint: String,
    ok: bool,
    error: Option<String>,
}

pub async fn run(cmd: NotifyCommand, cfg: &Config) -> Result<(), CliError> {
    match cmd {
        NotifyCommand::Test { to, json } => test(cfg, to, json).await,
        NotifyCommand::List { json } => list(cfg, json).await,
        NotifyCommand::Forget { name, json } => forget(cfg, &name, json).await,
    }
}

async fn test(cfg: &Config, to: Option<String>, json: bool) -> Result<(), CliError> {
    if cfg.notify.is_empty() {
        return Err(CliError::Usage(
            "no destinations configured: add [notify.<name>] with kind and url or routing_key"
                .into(),
        ));
    }
    let targets: Vec<_> = match &to {
        Some(name) => vec![cfg.notify.get(name).ok_or_else(|| {
            CliError::Usage(format!(
                "no destination {} (configured: {})",
                crate::text::inert(name),
                cfg.notify.names().join(", ")
            ))
        })?],
        None => cfg.notify.destinations.iter().collect(),
    };
    let policy = Policy::default();
    let client = delivery::client(&policy);
    let notice = crate::notify::test_notice(Utc::now());
    let sends = targets.iter().map(|d| {
        let (client, notice) = (&client, &notice);
        async move {
            let r = delivery::send(client, d, notice).await;
            TestResult {
                destination: d.name.clone(),
                kind: d.kind.as_str(),
                endpoint: d.endpoint_masked(),
                ok: r.is_ok(),
                error: r.err().map(|e| e.text().to_string()),
            }
        }
    });
    let results = futures::future::join_all(sends).await;
    let failed = results.iter().filter(|r| !r.ok).count();
    if json {
        print_json(&results)?;
    } else {
        for r in &results {
            crate::out!(
                "{:<16} {:<9} {:<40} {}",
                r.destination,
                r.kind,
                r.endpoint,
                match &r.error {
                    None => "ok".to_string(),
                    Some(e) => format!("FAILED: {}", cell(e, 120)),
                }
            );
        }
    }
    if failed > 0 {
        Err(CliError::Failed(format!(
            "{failed} of {} destination(s) failed",
            results.len()
        )))
    } else {
        Ok(())
    }
}

#[derive(Debug, Serialize)]
struct ListRow {
    name: String,
    kind: String,
    configured_here: bool,
    registered: bool,
    endpoint: Option<String>,
    pending: usize,
    failed: usize,
}

async fn list(cfg: &Config, json: bool) -> Result<(), CliError> {
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let by = crate::identity::Operator::current().lease_owner();
    let result = async {
        crate::notify::register(&*store, cfg, &by).await?;
        let registered = store.destinations().await?;
        let undelivered = store.undelivered(10_000).await?;
        Ok::<_, CliError>((registered, undelivered))
    }
    .await;
    store.close().await;
    let (registered, undelivered) = result?;
    let mut names: Vec<String> = cfg.notify.names();
    for r in &registered {
        if !names.contains(&r.name) {
            names.push(r.name.clone());
        }
    }
    names.sort();
    let rows: Vec<ListRow> = names
        .iter()
        .map(|n| {
            let here = cfg.notify.get(n);
            let reg = registered.iter().find(|r| &r.name == n);
            let count = |state: &str| {
                undelivered
                    .iter()
                    .filter(|o| &o.destination == n && o.state == state)
                    .count()
            };
            ListRow {
                name: n.clone(),
                kind: here
                    .map(|d| d.kind.as_str().to_string())
                    .or_else(|| reg.map(|r| r.kind.clone()))
                    .unwrap_or_default(),
                configured_here: here.is_some(),
                registered: reg.is_some(),
                endpoint: here.map(|d| d.endpoint_masked()),
                pending: count("pending"),
                failed: count("failed"),
            }
        })
        .collect();
    if json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        crate::out!("no destinations configured or registered");
        return Ok(());
    }
    let mut t = Table::new(&[
        ("name", Align::Left),
        ("kind", Align::Left),
        ("here", Align::Left),
        ("registered", Align::Left),
        ("endpoint", Align::Left),
        ("pending", Align::Right),
        ("failed", Align::Right),
    ]);
    for r in &rows {
        t.row(vec![
            r.name.clone(),
            r.kind.clone(),
            if r.configured_here { "yes" } else { "no" }.into(),
            if r.registered { "yes" } else { "no" }.into(),
            r.endpoint.clone().unwrap_or_else(|| "–".into()),
            r.pending.to_string(),
            r.failed.to_string(),
        ]);
    }
    crate::out!("{}", t.render());
    Ok(())
}

async fn forget(cfg: &Config, name: &str, json: bool) -> Result<(), CliError> {
    if cfg.read_only {
        return Err(CliError::Usage(
            "read-only mode: forgetting a destination is a change".into(),
        ));
    }
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let known = store.forget_destination(name, Utc::now()).await;
    store.close().await;
    let known = known?;
    if json {
        print_json(&serde_json::json!({"destination": name, "forgotten": known}))?;
    }
    if !known {
        return Err(CliError::Failed(format!(
            "no registered destination {}",
            crate::text::inert(name)
        )));
    }
    if !json {
        crate::out!(
            "{}: forgotten (a process that still configures it registers it again)",
            crate::text::inert(name)
        );
    }
    Ok(())
}
