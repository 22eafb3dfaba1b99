//! The generic JSON webhook: the notice as an object.

use serde_json::{Value, json};

use super::Notice;

pub fn body(n: &Notice) -> Value {
    json!({
        "incident_id": n.incident_id,
        "transition": n.transition,
        "kind": n.kind,
        "subject": n.subject,
        "severity": n.severity,
        "at": n.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "text": n.text,
        "source": "xbot",
    })
}
