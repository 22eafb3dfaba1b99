//! PagerDuty Events API v2: a trigger when an incident opens (or the review SLA is missed), an
//! acknowledge and a resolve later, all with the incident's stable dedup key, so PagerDuty
//! keeps one alert per xbot incident.

use serde_json::{Value, json};

use super::{Notice, headline};

/// The dedup key of an xbot incident.
pub fn dedup_key(n: &Notice) -> String {
    match n.incident_id {
        Some(id) => format!("xbot-incident-{id}"),
        // A test message: its trigger and resolve share the key.
        None => format!("xbot-{}-{}", n.kind, n.at.timestamp_millis()),
    }
}

/// PagerDuty's severities.
pub fn severity(s: &str) -> &'static str {
    match s {
        "critical" => "critical",
        "error" => "error",
        "warning" => "warning",
        _ => "info",
    }
}

/// `trigger`, `acknowledge` or `resolve`.
pub fn event_action(transition: &str) -> &'static str {
    match transition {
        "acknowledged" => "acknowledge",
        "resolved" => "resolve",
        _ => "trigger",
    }
}

pub fn body(n: &Notice, routing_key: &str, source: &str) -> Value {
    let action = event_action(&n.transition);
    let mut b = json!({
        "routing_key": routing_key,
        "event_action": action,
        "dedup_key": dedup_key(n),
    });
    if action == "trigger" {
        // The summary is at most 1024 characters.
        let summary: String = format!("{} — {}", headline(n), n.text)
            .chars()
            .take(1024)
            .collect();
        b["payload"] = json!({
            "summary": summary,
            "source": source,
            "severity": severity(&n.severity),
            "timestamp": n.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "component": n.kind,
            "group": n.subject,
            "class": n.transition,
            "custom_details": {"incident_id": n.incident_id, "text": n.text},
        });
    }
    b
}
