//! Notifications that page: when an incident opens, is acknowledged or resolves, and when the
//! review SLA is missed, each configured destination is told. The store writes one outbox row
//! per destination in the transition's own transaction (`store::ops::notify`); this module
//! formats and delivers them:
//!
//! - `config`: `[notify.<name>]` destinations and their secrets (masked everywhere);
//! - `slack`, `pagerduty`, `webhook`: one body format per destination kind;
//! - `delivery`: claim due rows with a lease, POST, retry with exponential backoff honouring
//!   `Retry-After`, give up after a number of attempts; failures stay visible on the row;
//! - `standby`: the console's share (deliver and watch for a missing scheduler only while no
//!   `xbot serve` is seen).

pub mod config;
pub mod delivery;
pub mod pagerduty;
pub mod slack;
pub mod standby;
pub mod webhook;

pub use crate::store::ops::notify::Notice;

/// The notice's first line, for chat and summaries: "[xbot] OPENED warning · sla_lag plan".
pub fn headline(n: &Notice) -> String {
    let what = match n.transition.as_str() {
        "opened" => "OPENED",
        "acknowledged" => "ACKNOWLEDGED",
        "resolved" => "RESOLVED",
        "review_sla_missed" => "REVIEW SLA MISSED",
        "test" => "TEST",
        other => other,
    };
    let id = n.incident_id.map(|i| format!(" #{i}")).unwrap_or_default();
    format!(
        "[xbot] {what}{id} {} · {} {}",
        n.severity, n.kind, n.subject
    )
}

/// A test notice for `xbot notify test`.
pub fn test_notice(now: chrono::DateTime<chrono::Utc>) -> Notice {
    let op = crate::identity::Operator::current();
    Notice {
        incident_id: None,
        transition: "test".into(),
        kind: "test".into(),
        subject: "notify".into(),
        severity: "info".into(),
        at: now,
        text: format!(
            "test message from xbot {} ({}); no action needed",
            crate::identity::APP_VERSION,
            op.name()
        ),
    }
}

/// Register this process's destinations (name and kind) so that transitions made by any
/// process are queued for them. Nothing to do without destinations or in read-only mode.
pub async fn register(
    store: &dyn crate::store::Store,
    cfg: &crate::config::Config,
    by: &str,
) -> Result<(), crate::store::StoreError> {
    if cfg.read_only || cfg.notify.is_empty() {
        return Ok(());
    }
    let kinds: Vec<(String, String)> = cfg
        .notify
        .destinations
        .iter()
        .map(|d| (d.name.clone(), d.kind.as_str().to_string()))
        .collect();
    store
        .register_destinations(&kinds, by, chrono::Utc::now())
        .await
}
