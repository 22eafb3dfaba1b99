//! Slack incoming webhooks: `{"text": …}`.

use serde_json::{Value, json};

use super::{Notice, headline};

pub fn body(n: &Notice) -> Value {
    json!({ "text": format!("{}\n{}", headline(n), n.text) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_text_has_the_headline_and_the_text() {
        let n = Notice {
            incident_id: Some(7),
            transition: "opened".into(),
            kind: "sla_lag".into(),
            subject: "plan".into(),
            severity: "warning".into(),
            at: chrono::Utc::now(),
            text: "late".into(),
        };
        let b = body(&n);
        assert_eq!(b["text"], "[xbot] OPENED #7 warning · sla_lag plan\nlate");
        assert_eq!(b.as_object().unwrap().len(), 1);
    }
}
