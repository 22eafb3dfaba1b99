//! `xbot replies list|pin|mute|clear`: reply accounts and the operator's overrides, the same
//! audited store action as the Replies tab's `p` and `m`.

use chrono::Utc;
use serde::Serialize;

use super::output::{Align, Table, ago, cell, print_json};
use super::{CliError, open_store};
use crate::config::Config;
use crate::identity::{Operator, Via};
use crate::learning::replies::OperatorOverride;
use crate::store::ops::jobs::Audited;
use crate::store::{MigrationPolicy, StoreError};
use crate::text::inert;

/// The `xbot replies` verbs.
#[derive(Debug, clap::Subcommand)]
pub enum RepliesCommand {
    /// Reply accounts, highest priority first: priority, band, override and who set it.
    List {
        /// Most rows to show.
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// Pin an account: priority 1.0 until cleared (audited).
    Pin {
        username: String,
        #[arg(long)]
        json: bool,
    },
    /// Mute an account: priority 0 until cleared (audited).
    Mute {
        username: String,
        #[arg(long)]
        json: bool,
    },
    /// Clear an account's pin or mute; the next priority run sets its priority (audited).
    Clear {
        username: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cmd: RepliesCommand, cfg: &Config) -> Result<(), CliError> {
    match cmd {
        RepliesCommand::List { limit, json } => list(cfg, limit, json).await,
        RepliesCommand::Pin { username, json } => {
            set(cfg, &username, OperatorOverride::Pinned, json).await
        }
        RepliesCommand::Mute { username, json } => {
            set(cfg, &username, OperatorOverride::Muted, json).await
        }
        RepliesCommand::Clear { username, json } => {
            set(cfg, &username, OperatorOverride::None, json).await
        }
    }
}

async fn list(cfg: &Config, limit: i64, json: bool) -> Result<(), CliError> {
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let rows = store.accounts(limit.clamp(1, 100_000)).await;
    store.close().await;
    let rows = rows?;
    if json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        crate::out!("no reply accounts");
        return Ok(());
    }
    let now = Utc::now();
    let mut t = Table::new(&[
        ("account", Align::Left),
        ("priority", Align::Right),
        ("band", Align::Left),
        ("override", Align::Left),
        ("by", Align::Left),
        ("replies 30d", Align::Right),
        ("last reply", Align::Left),
    ]);
    for a in &rows {
        let by = match (&a.override_by, a.override_at) {
            (Some(by), Some(at)) => format!("{} {}", cell(by, 32), ago(now, at)),
            (Some(by), None) => cell(by, 32),
            _ => "–".into(),
        };
        t.row(vec![
            format!("@{}", cell(&a.username, 32)),
            format!("{:.2}", a.priority_score),
            cell(a.priority_band.as_deref().unwrap_or("–"), 16),
            cell(&a.operator_override, 16),
            by,
            a.replies_30d.to_string(),
            a.last_successful_reply_at
                .map_or("never".to_string(), |t| ago(now, t)),
        ]);
    }
    crate::out!("{}", t.render());
    Ok(())
}

/// What `--json` prints for pin, mute and clear.
#[derive(Serialize)]
struct Report<'a> {
    username: &'a str,
    operator: String,
    #[serde(flatten)]
    audited: &'a Audited,
    message: &'a str,
}

async fn set(
    cfg: &Config,
    username: &str,
    to: OperatorOverride,
    json: bool,
) -> Result<(), CliError> {
    let username = username.trim().trim_start_matches('@');
    if username.is_empty() {
        return Err(CliError::Usage("the username is empty".into()));
    }
    if cfg.read_only {
        return Err(CliError::Usage(format!(
            "read-only mode: changing @{username}'s override would change the database"
        )));
    }
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let operator = Operator::current().via(Via::Cli);
    let action_id = uuid::Uuid::now_v7().to_string();
    let result = store
        .set_override(username, to, &action_id, &operator, Utc::now())
        .await;
    store.close().await;
    let a = match result {
        Ok(a) => a,
        // An account that does not exist is a bad argument, like an unknown job.
        Err(StoreError::NotFound(why)) => return Err(CliError::Usage(why)),
        Err(e) => return Err(e.into()),
    };
    let from = a.from_state.as_deref().unwrap_or("none");
    let message = match (a.outcome.as_str(), to) {
        ("unchanged", OperatorOverride::None) => {
            format!(
                "@{}: no pin or mute to clear; nothing changed",
                inert(username)
            )
        }
        ("unchanged", _) => format!(
            "@{}: already {}; nothing changed",
            inert(username),
            to.as_str()
        ),
        (_, OperatorOverride::Pinned) => format!(
            "@{}: pinned (priority 1.0; was {from}) by {} (audited)",
            inert(username),
            operator.name()
        ),
        (_, OperatorOverride::Muted) => format!(
            "@{}: muted (priority 0; was {from}) by {} (audited)",
            inert(username),
            operator.name()
        ),
        (_, OperatorOverride::None) => format!(
            "@{}: override cleared (was {from}); the next priority run sets its priority (audited)",
            inert(username)
        ),
    };
    if json {
        print_json(&Report {
            username,
            operator: operator.name(),
            audited: &a,
            message: &message,
        })
    } else {
        crate::out!("{message}");
        Ok(())
    }
}
