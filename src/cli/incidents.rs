//! `xbot incidents [list|show|ack|resolve|note]`: the incident list (open first) with each
//! incident's notifications, and the operator actions, with the store's checks and audit (the
//! same as the console's).

use chrono::Utc;
use serde::Serialize;

use super::output::{Align, Table, ago, cell, print_json};
use super::{CliError, open_store};
use crate::config::Config;
use crate::identity::Operator;
use crate::store::ops::incidents::{
    IncidentAction, IncidentNote, IncidentOutcome, IncidentRecord, IncidentRequest,
};
use crate::store::ops::notify::OutboxRecord;
use crate::store::{MigrationPolicy, Reads};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct IncidentsArgs {
    #[command(subcommand)]
    pub command: Option<IncidentsCommand>,
    #[command(flatten)]
    pub list: ListArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Include resolved incidents.
    #[arg(long)]
    pub all: bool,
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum IncidentsCommand {
    /// Incidents, open first (the default).
    List(ListArgs),
    /// One incident with its notes and notifications.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge: you have it; it stays open and visible but stops paging.
    Ack {
        id: i64,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Resolve by hand (a note saying why is required).
    Resolve {
        id: i64,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add a note.
    Note {
        id: i64,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// An incident with what happened to it, as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct IncidentView<'a> {
    #[serde(flatten)]
    pub incident: &'a IncidentRecord,
    /// `open`, `acknowledged` or `resolved`.
    pub status: &'a str,
    pub notes: Vec<&'a IncidentNote>,
    pub notifications: Vec<&'a OutboxRecord>,
}

pub async fn run(args: IncidentsArgs, cfg: &Config) -> Result<(), CliError> {
    match args.command {
        None => list(cfg, args.list).await,
        Some(IncidentsCommand::List(l)) => list(cfg, l).await,
        Some(IncidentsCommand::Show { id, json }) => show(cfg, id, json).await,
        Some(IncidentsCommand::Ack { id, note, json }) => {
            act(cfg, id, IncidentAction::Acknowledge { note }, json).await
        }
        Some(IncidentsCommand::Resolve { id, note, json }) => {
            let note = note.filter(|n| !n.trim().is_empty()).ok_or_else(|| {
                CliError::Usage("resolving an incident by hand needs --note saying why".into())
            })?;
            act(cfg, id, IncidentAction::Resolve { note }, json).await
        }
        Some(IncidentsCommand::Note { id, note, json }) => {
            let note = note
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| CliError::Usage("say what with --note TEXT".into()))?;
            act(cfg, id, IncidentAction::Note { note }, json).await
        }
    }
}

fn views<'a>(
    rows: &'a [IncidentRecord],
    notes: &'a [IncidentNote],
    outbox: &'a [OutboxRecord],
) -> Vec<IncidentView<'a>> {
    rows.iter()
        .map(|i| IncidentView {
            incident: i,
            status: i.status(),
            notes: notes.iter().filter(|n| n.incident_id == i.id).collect(),
            notifications: outbox
                .iter()
                .filter(|o| o.incident_id == Some(i.id))
                .collect(),
        })
        .collect()
}

async fn list(cfg: &Config, args: ListArgs) -> Result<(), CliError> {
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let result = async {
        // One batch: the notes and notifications are those of the incidents listed, selected
        // by the same query on the server.
        let limit = args.limit.clamp(1, 10_000);
        let mut r = Reads::new();
        let rows = store.read_incidents(&mut r, args.all, limit);
        let notes = store.read_listed_incident_notes(&mut r, args.all, limit);
        let outbox = store.read_listed_notifications(&mut r, args.all, limit);
        let undelivered = store.read_undelivered(&mut r, 50);
        let mut b = store.fetch_reads(r).await?;
        Ok::<_, CliError>((
            rows.take(&mut b)?,
            notes.take(&mut b)?,
            outbox.take(&mut b)?,
            undelivered.take(&mut b)?,
        ))
    }
    .await;
    store.close().await;
    let (rows, notes, outbox, undelivered) = result?;
    if args.json {
        return print_json(&views(&rows, &notes, &outbox));
    }
    if rows.is_empty() {
        crate::out!("no {}incidents", if args.all { "" } else { "open " });
    } else {
        let now = Utc::now();
        let mut t = Table::new(&[
            ("id", Align::Right),
            ("state", Align::Left),
            ("severity", Align::Left),
            ("kind", Align::Left),
            ("subject", Align::Left),
            ("opened", Align::Left),
            ("resolved", Align::Left),
            ("seen", Align::Right),
            ("details", Align::Left),
        ]);
        for i in &rows {
            let state = match i.status() {
                "acknowledged" => format!(
                    "ACK ({})",
                    cell(i.acknowledged_by.as_deref().unwrap_or("?"), 24)
                ),
                s => s.to_uppercase(),
            };
            t.row(vec![
                i.id.to_string(),
                state,
                i.severity.clone(),
                i.kind.clone(),
                cell(&i.subject, 32),
                ago(now, i.opened_at),
                i.resolved_at.map_or("–".into(), |r| ago(now, r)),
                i.count.to_string(),
                cell(i.details.as_deref().unwrap_or(""), 70),
            ]);
        }
        crate::out!("{}", t.render());
    }
    print_undelivered(&undelivered);
    Ok(())
}

/// Notifications not delivered (retrying or given up), after the list.
fn print_undelivered(rows: &[OutboxRecord]) {
    if rows.is_empty() {
        return;
    }
    let now = Utc::now();
    crate::out!("\nnotifications not delivered:");
    let mut t = Table::new(&[
        ("incident", Align::Right),
        ("transition", Align::Left),
        ("destination", Align::Left),
        ("state", Align::Left),
    ]);
    for o in rows {
        t.row(vec![
            o.incident_id.map_or("–".into(), |i| i.to_string()),
            o.transition.clone(),
            o.destination.clone(),
            cell(&crate::store::ops::notify::delivery_state(o, now), 100),
        ]);
    }
    crate::out!("{}", t.render());
}

async fn show(cfg: &Config, id: i64, json: bool) -> Result<(), CliError> {
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let result = async {
        let i = store
            .incident(id)
            .await?
            .ok_or_else(|| CliError::Failed(format!("no incident {id}")))?;
        let notes = store.incident_notes(&[id]).await?;
        let outbox = store.notifications_for(&[id]).await?;
        Ok::<_, CliError>((i, notes, outbox))
    }
    .await;
    store.close().await;
    let (i, notes, outbox) = result?;
    let rows = [i];
    let view = views(&rows, &notes, &outbox);
    if json {
        return print_json(&view[0]);
    }
    let now = Utc::now();
    for line in crate::console::tabs::incidents::detail_lines(&rows[0], &[], &notes, &outbox, now) {
        crate::out!("{line}");
    }
    Ok(())
}

#[derive(Serialize)]
struct ActionReport<'a> {
    incident_id: i64,
    action_id: &'a str,
    action: &'a str,
    operator: String,
    outcome: &'a IncidentOutcome,
    message: &'a str,
}

async fn act(cfg: &Config, id: i64, action: IncidentAction, json: bool) -> Result<(), CliError> {
    if cfg.read_only {
        return Err(CliError::Usage(format!(
            "read-only mode: {} on incident {id} is a change",
            action.name()
        )));
    }
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let req = IncidentRequest {
        incident_id: id,
        action,
        action_id: uuid::Uuid::now_v7().to_string(),
        operator: Operator::current().via(crate::identity::Via::Cli),
    };
    let now = Utc::now();
    let outcome = store.act_on_incident(&req, now).await;
    store.close().await;
    let outcome = match outcome {
        Ok(o) => o,
        Err(crate::store::StoreError::NotFound(why)) => return Err(CliError::Failed(why)),
        Err(e) => return Err(e.into()),
    };
    let (message, applied) = outcome.describe(id, &req.action, &req.operator.name(), now);
    if json {
        print_json(&ActionReport {
            incident_id: id,
            action_id: &req.action_id,
            action: req.action.name(),
            operator: req.operator.name(),
            outcome: &outcome,
            message: &message,
        })?;
    }
    if applied {
        if !json {
            crate::out!("{message}");
        }
        Ok(())
    } else {
        Err(CliError::Failed(message))
    }
}
