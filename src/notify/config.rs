//! `[notify.<name>]` destinations. Each has a kind (`slack`, `pagerduty`, `webhook`) and its
//! secret: `url` for Slack and webhooks, `routing_key` for PagerDuty (whose `url` defaults to
//! the Events API v2 and may be set, e.g. for a proxy or a test server). The environment sets
//! or overrides them: `XBOT_NOTIFY_DESTINATIONS=oncall,team` names destinations, and
//! `XBOT_NOTIFY_<NAME>_KIND`, `_URL`, `_ROUTING_KEY` fill them in. URLs and keys are secrets:
//! never printed, logged or stored in the database (only the name and kind are).

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};

use crate::config::ConfigError;
use crate::config::layer::{Layer, Origin, display_key};

/// PagerDuty's Events API v2.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// The fields a destination accepts.
pub const FIELDS: [&str; 3] = ["kind", "url", "routing_key"];

/// What a destination speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Slack,
    PagerDuty,
    Webhook,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Slack => "slack",
            Kind::PagerDuty => "pagerduty",
            Kind::Webhook => "webhook",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "slack" => Some(Kind::Slack),
            "pagerduty" => Some(Kind::PagerDuty),
            "webhook" => Some(Kind::Webhook),
            _ => None,
        }
    }
}

/// One configured destination.
#[derive(Debug, Clone)]
pub struct Destination {
    pub name: String,
    pub kind: Kind,
    url: Option<SecretString>,
    routing_key: Option<SecretString>,
}

impl Destination {
    pub fn new(
        name: &str,
        kind: Kind,
        url: Option<&str>,
        routing_key: Option<&str>,
    ) -> Destination {
        Destination {
            name: name.to_string(),
            kind,
            url: url.map(|u| SecretString::from(u.to_string())),
            routing_key: routing_key.map(|k| SecretString::from(k.to_string())),
        }
    }

    /// Where to POST.
    pub fn endpoint(&self) -> &str {
        match &self.url {
            Some(u) => u.expose_secret(),
            None => PAGERDUTY_EVENTS_URL,
        }
    }

    /// The PagerDuty routing key (empty for other kinds).
    pub fn routing_key(&self) -> &str {
        self.routing_key.as_ref().map_or("", |k| k.expose_secret())
    }

    /// Everything to scrub from texts that may quote a request (errors, logs).
    pub fn secrets(&self) -> Vec<&str> {
        let mut out = Vec::new();
        if let Some(u) = &self.url {
            out.push(u.expose_secret());
            // The secret part of a webhook URL is its path and query.
            if let Some(rest) = u.expose_secret().split_once("://").map(|x| x.1)
                && let Some((_, path)) = rest.split_once('/')
                && path.len() >= 4
            {
                out.push(path);
            }
        }
        if let Some(k) = &self.routing_key {
            out.push(k.expose_secret());
        }
        out
    }

    /// What may be shown: the endpoint's scheme and host, the rest masked.
    pub fn endpoint_masked(&self) -> String {
        match &self.url {
            Some(u) => mask_endpoint(u.expose_secret()),
            None => PAGERDUTY_EVENTS_URL.to_string(),
        }
    }

    /// Remove this destination's secrets from `text`.
    pub fn scrub(&self, text: &str) -> String {
        crate::config::secret::scrub(text, &self.secrets())
    }
}

/// `https://hooks.slack.com/services/T0/B0/XYZ` → `https://hooks.slack.com/****`.
pub fn mask_endpoint(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            // Userinfo is a secret too.
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            format!("{scheme}://{host}/****")
        }
        None => "****".into(),
    }
}

/// Every configured destination, by name.
#[derive(Debug, Clone, Default)]
pub struct NotifyConfig {
    pub destinations: Vec<Destination>,
}

impl NotifyConfig {
    pub fn is_empty(&self) -> bool {
        self.destinations.is_empty()
    }

    pub fn get(&self, name: &str) -> Option<&Destination> {
        self.destinations.iter().find(|d| d.name == name)
    }

    pub fn names(&self) -> Vec<String> {
        self.destinations.iter().map(|d| d.name.clone()).collect()
    }

    /// `xbot info` rows: (key, masked value).
    pub fn effective(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for d in &self.destinations {
            out.push((
                format!("notify.{}.kind", d.name),
                d.kind.as_str().to_string(),
            ));
            out.push((format!("notify.{}.url", d.name), d.endpoint_masked()));
            if d.routing_key.is_some() {
                out.push((format!("notify.{}.routing_key", d.name), "****".into()));
            }
        }
        out
    }
}

/// A destination name: lower-case letters, digits, `_` and `-` (it also names environment
/// variables and is stored in the database).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn env_prefix(name: &str) -> String {
    format!(
        "XBOT_NOTIFY_{}",
        name.to_ascii_uppercase().replace('-', "_")
    )
}

/// Add the environment's destinations to `layer` (the environment layer): names from
/// `XBOT_NOTIFY_DESTINATIONS` and from the file, fields from `XBOT_NOTIFY_<NAME>_<FIELD>`.
pub fn env_entries(file: &Layer, env: &dyn Fn(&str) -> Option<String>, layer: &mut Layer) {
    let mut names: Vec<String> = env("XBOT_NOTIFY_DESTINATIONS")
        .unwrap_or_default()
        .split(',')
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    for key in file.entries.keys() {
        if let [section, name, _] = key.as_slice()
            && section == "notify"
            && !names.contains(name)
        {
            names.push(name.clone());
        }
    }
    for name in names {
        let prefix = env_prefix(&name);
        // A name only in the environment still needs an entry, so that it is checked.
        let mut any = false;
        for field in FIELDS {
            let var = format!("{prefix}_{}", field.to_ascii_uppercase());
            if let Some(v) = env(&var).filter(|v| !v.is_empty()) {
                layer.set_text(&["notify", &name, field], v, Origin::Env(var));
                any = true;
            }
        }
        if !any
            && !file
                .entries
                .keys()
                .any(|k| k.len() == 3 && k[0] == "notify" && k[1] == name)
        {
            layer.set_text(
                &["notify", &name, "kind"],
                "",
                Origin::Env("XBOT_NOTIFY_DESTINATIONS".into()),
            );
        }
    }
}

/// Read `[notify.*]` from the merged layer; `origins` learns where each key came from.
pub fn read(
    layer: &Layer,
    origins: &mut BTreeMap<String, String>,
) -> Result<NotifyConfig, ConfigError> {
    let mut by_name: BTreeMap<String, BTreeMap<String, (String, String)>> = BTreeMap::new();
    for (key, entry) in &layer.entries {
        if let [section, name, field] = key.as_slice()
            && section == "notify"
        {
            let secret = field != "kind";
            let value = entry.as_string(key).map_err(|mut e| {
                if secret {
                    e.value.clear();
                }
                e
            })?;
            if !valid_name(name) {
                let mut err = entry.invalid(
                    key,
                    "a destination name is lower-case letters, digits, _ and -",
                );
                err.value.clear();
                return Err(err);
            }
            if !FIELDS.contains(&field.as_str()) {
                let mut err = entry.invalid(key, "unknown setting (kind, url, routing_key)");
                err.value.clear();
                return Err(err);
            }
            origins.insert(display_key(key), entry.origin.to_string());
            by_name
                .entry(name.clone())
                .or_default()
                .insert(field.clone(), (value, entry.origin.to_string()));
        }
    }
    let mut destinations = Vec::new();
    for (name, fields) in by_name {
        let problem = |field: &str, reason: &str| ConfigError {
            origin: fields
                .get(field)
                .or_else(|| fields.values().next())
                .map(|(_, o)| o.clone())
                .unwrap_or_default(),
            key: format!("notify.{name}.{field}"),
            value: if field == "kind" {
                fields
                    .get("kind")
                    .map(|(v, _)| format!("{v:?}"))
                    .unwrap_or_default()
            } else {
                String::new()
            },
            reason: reason.to_string(),
        };
        let kind_text = fields.get("kind").map(|(v, _)| v.as_str()).unwrap_or("");
        let Some(kind) = Kind::parse(kind_text) else {
            return Err(problem(
                "kind",
                "set kind = \"slack\", \"pagerduty\" or \"webhook\"",
            ));
        };
        let url = fields.get("url").map(|(v, _)| v.trim().to_string());
        let key = fields.get("routing_key").map(|(v, _)| v.trim().to_string());
        if let Some(u) = &url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return Err(problem("url", "must start with https:// or http://"));
        }
        match kind {
            Kind::Slack | Kind::Webhook if url.is_none() => {
                return Err(problem("url", "this destination needs url = \"https://…\""));
            }
            Kind::PagerDuty if key.as_deref().is_none_or(str::is_empty) => {
                return Err(problem(
                    "routing_key",
                    "a pagerduty destination needs routing_key",
                ));
            }
            Kind::Slack | Kind::Webhook if key.is_some() => {
                return Err(problem(
                    "routing_key",
                    "only a pagerduty destination takes a routing_key",
                ));
            }
            _ => {}
        }
        destinations.push(Destination::new(
            &name,
            kind,
            url.as_deref(),
            key.as_deref(),
        ));
    }
    Ok(NotifyConfig { destinations })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(toml: &str, env: &[(&str, &str)]) -> Result<NotifyConfig, ConfigError> {
        let file = Layer::from_toml(toml, std::path::Path::new("/tmp/c.toml")).unwrap();
        let mut env_layer = Layer::default();
        let lookup = |k: &str| {
            env.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        env_entries(&file, &lookup, &mut env_layer);
        let merged = file.merge(env_layer);
        read(&merged, &mut BTreeMap::new())
    }

    #[test]
    fn destinations_from_the_file_and_the_environment() {
        let cfg = load(
            "[notify.oncall]\nkind = \"pagerduty\"\nrouting_key = \"file-key-123\"\n",
            &[
                ("XBOT_NOTIFY_ONCALL_ROUTING_KEY", "env-key-456"),
                ("XBOT_NOTIFY_DESTINATIONS", "team-chat"),
                ("XBOT_NOTIFY_TEAM_CHAT_KIND", "slack"),
                (
                    "XBOT_NOTIFY_TEAM_CHAT_URL",
                    "https://hooks.slack.com/services/T/B/secretpath",
                ),
            ],
        )
        .unwrap();
        let pd = cfg.get("oncall").unwrap();
        assert_eq!(pd.kind, Kind::PagerDuty);
        assert_eq!(pd.routing_key(), "env-key-456");
        assert_eq!(pd.endpoint(), PAGERDUTY_EVENTS_URL);
        let slack = cfg.get("team-chat").unwrap();
        assert_eq!(slack.kind, Kind::Slack);
        assert_eq!(slack.endpoint_masked(), "https://hooks.slack.com/****");
        let shown = format!("{:?} {:?}", cfg.effective(), cfg);
        assert!(
            !shown.contains("secretpath") && !shown.contains("env-key-456"),
            "{shown}"
        );
        assert!(
            slack
                .scrub("POST https://hooks.slack.com/services/T/B/secretpath failed")
                .contains("****")
        );
        assert!(
            !slack
                .scrub("services/T/B/secretpath")
                .contains("secretpath")
        );
    }

    #[test]
    fn bad_destinations_are_refused_without_showing_secrets() {
        let e = load("[notify.x]\nkind = \"slack\"\n", &[]).unwrap_err();
        assert!(e.reason.contains("needs url"), "{e}");
        let e = load("[notify.x]\nkind = \"pager\"\nurl = \"https://a/b\"\n", &[]).unwrap_err();
        assert!(e.reason.contains("slack"), "{e}");
        let e = load(
            "[notify.x]\nkind = \"webhook\"\nurl = \"ftp://secret-host/x\"\n",
            &[],
        )
        .unwrap_err();
        assert!(!e.to_string().contains("secret-host"), "{e}");
        let e = load("[notify.x]\nkind = \"pagerduty\"\n", &[]).unwrap_err();
        assert!(e.reason.contains("routing_key"), "{e}");
        let e = load(
            "[notify.Bad]\nkind = \"slack\"\nurl = \"https://a/b\"\n",
            &[],
        )
        .unwrap_err();
        assert!(e.reason.contains("lower-case"), "{e}");
        let e = load("", &[("XBOT_NOTIFY_DESTINATIONS", "ghost")]).unwrap_err();
        assert!(e.key.contains("ghost"), "{e}");
    }
}
