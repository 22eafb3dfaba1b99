//! Configuration: the config file, then `XBOT_*` environment variables, then flags, merged in
//! that order and validated into one typed [`Config`]. Every error names where the bad value
//! came from (file path, variable or flag), the key, and the value.

pub mod catalog;
pub mod layer;
pub mod paths;
pub mod secret;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;
use secrecy::SecretString;

use crate::budget::pricing::{ModelPrice, PriceTable};
use crate::learning::objective::ObjectiveParams;
use crate::learning::vocab;
use catalog::JobOverride;
pub use layer::{Layer, Origin};
pub use paths::Paths;
use secret::mask_url;

/// A configuration problem: where, which key, which value, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub origin: String,
    pub key: String,
    pub value: String,
    pub reason: String,
}

impl ConfigError {
    /// An error about a whole source (unreadable file, bad syntax) rather than one key.
    pub fn whole(origin: &Origin, reason: impl Into<String>) -> Self {
        ConfigError {
            origin: origin.to_string(),
            key: String::new(),
            value: String::new(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.key.is_empty(), self.value.is_empty()) {
            (true, _) => write!(f, "{}: {}", self.origin, self.reason),
            (false, true) => write!(f, "{}: {}: {}", self.origin, self.key, self.reason),
            (false, false) => write!(
                f,
                "{}: {} = {}: {}",
                self.origin, self.key, self.value, self.reason
            ),
        }
    }
}

/// Settings given as command-line flags (the last layer).
#[derive(Debug, Clone, Default)]
pub struct FlagOverrides {
    pub config: Option<PathBuf>,
    pub database_url: Option<String>,
    pub timezone: Option<String>,
    pub read_only: bool,
    pub theme: Option<String>,
    pub refresh_seconds: Option<f64>,
    pub ascii: bool,
}

/// Where xbot's own objects live and where xBOT's tables are, on Postgres (SQLite has one
/// namespace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schemas {
    /// xbot's own schema (`xbot` by default): every object xbot creates, nothing else.
    pub xbot: String,
    /// xBOT's schema (`public` by default): read as it is.
    pub source: String,
}

impl Default for Schemas {
    fn default() -> Self {
        Schemas {
            xbot: "xbot".into(),
            source: "public".into(),
        }
    }
}

/// Which database to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// An SQLite file. `is_default` marks the embedded database in the XDG data dir, the only
    /// one that is seeded with the demo dataset automatically.
    Sqlite { path: PathBuf, is_default: bool },
    /// A Postgres server (Supabase in production).
    Postgres { url: String },
}

impl DatabaseTarget {
    /// The target as it may be shown: passwords masked.
    pub fn display_masked(&self) -> String {
        match self {
            DatabaseTarget::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
            DatabaseTarget::Postgres { url } => mask_url(url),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseTarget::Sqlite { .. } => "sqlite",
            DatabaseTarget::Postgres { .. } => "postgres",
        }
    }

    pub fn is_default(&self) -> bool {
        matches!(
            self,
            DatabaseTarget::Sqlite {
                is_default: true,
                ..
            }
        )
    }
}

/// The AI endpoint (any OpenAI-compatible chat-completions API).
#[derive(Debug, Clone)]
pub struct AiConfig {
    pub base_url: Option<String>,
    pub api_key: Option<SecretString>,
    pub core_model: String,
    pub expert_model: String,
    /// Strict mode never lets a medium-risk text pass without a person.
    pub strict_safety: bool,
    pub max_tokens: u32,
    /// A local guard rules file added to the built-in rules (validated and installed at load).
    pub rules_file: Option<std::path::PathBuf>,
}

impl AiConfig {
    /// AI is configured when there is an endpoint to call.
    pub fn is_configured(&self) -> bool {
        self.base_url.is_some() && self.api_key.is_some()
    }
}

/// Budget rules.
#[derive(Debug, Clone)]
pub struct BudgetConfig {
    pub daily_limit_usd: f64,
    pub expert_daily_cap: u32,
    pub prices: PriceTable,
}

/// The plan job's choices.
#[derive(Debug, Clone)]
pub struct PlanConfig {
    /// Generators the plan job may use (all 22 by default).
    pub generators: Vec<String>,
    pub epsilon: f64,
    pub slot_bias: f64,
}

/// The weekly slot calendar: two slot names per weekday, Monday first.
pub type SlotSchedule = [[String; 2]; 7];

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub paths: Paths,
    pub database: DatabaseTarget,
    pub timezone: Tz,
    pub read_only: bool,
    pub theme: String,
    pub refresh: Duration,
    pub ascii: bool,
    /// Apply pending migrations when connecting (on by default; they only touch xbot's schema).
    pub auto_migrate: bool,
    /// Where xbot's own objects live and where xBOT's tables are (Postgres).
    pub schemas: Schemas,
    pub log_level: String,
    /// How long a job lease lasts without a heartbeat (heartbeats come every sixth of it).
    pub job_lease_seconds: u32,
    /// A pending safety review older than this opens a `review_sla` incident.
    pub review_sla_minutes: u32,
    /// No scheduler seen for this long while jobs are enabled opens a `scheduler_absent`
    /// incident.
    pub scheduler_absent_minutes: u32,
    /// Where incident notifications go (`[notify.<name>]`; secrets masked everywhere).
    pub notify: crate::notify::config::NotifyConfig,
    pub objective: ObjectiveParams,
    pub budget: BudgetConfig,
    pub ai: AiConfig,
    pub plan: PlanConfig,
    pub slots: SlotSchedule,
    pub jobs: BTreeMap<String, JobOverride>,
    /// Console key rebindings: action name → (keys, where they were set).
    pub keys: BTreeMap<String, (Vec<String>, String)>,
    /// Use RGB colours from themes even when the terminal does not announce true colour.
    pub truecolor: bool,
    /// `[console] bell`: ring the terminal bell when a new incident opens or a new review
    /// waits while another tab is open.
    pub console_bell: bool,
    /// Where each explicitly set value came from, for `xbot info`.
    pub origins: BTreeMap<String, String>,
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Scalar keys and the environment variables that set them.
const ENV_KEYS: &[(&str, &[&str])] = &[
    ("XBOT_DATABASE_URL", &["database_url"]),
    ("XBOT_TIMEZONE", &["timezone"]),
    ("XBOT_READ_ONLY", &["read_only"]),
    ("XBOT_THEME", &["theme"]),
    ("XBOT_REFRESH_SECONDS", &["refresh_seconds"]),
    ("XBOT_ASCII", &["ascii"]),
    ("XBOT_AUTO_MIGRATE", &["auto_migrate"]),
    ("XBOT_SCHEMA", &["schema"]),
    ("XBOT_SOURCE_SCHEMA", &["source_schema"]),
    ("XBOT_LOG", &["log_level"]),
    ("XBOT_JOB_LEASE_SECONDS", &["job_lease_seconds"]),
    (
        "XBOT_INCIDENTS_REVIEW_SLA_MINUTES",
        &["incidents", "review_sla_minutes"],
    ),
    (
        "XBOT_INCIDENTS_SCHEDULER_ABSENT_MINUTES",
        &["incidents", "scheduler_absent_minutes"],
    ),
    ("XBOT_OBJECTIVE_ER_REF", &["objective", "er_ref"]),
    ("XBOT_OBJECTIVE_TAU", &["objective", "tau"]),
    (
        "XBOT_BUDGET_DAILY_LIMIT_USD",
        &["budget", "daily_limit_usd"],
    ),
    (
        "XBOT_BUDGET_EXPERT_DAILY_CAP",
        &["budget", "expert_daily_cap"],
    ),
    ("XBOT_AI_BASE_URL", &["ai", "base_url"]),
    ("XBOT_AI_API_KEY", &["ai", "api_key"]),
    ("XBOT_AI_CORE_MODEL", &["ai", "core_model"]),
    ("XBOT_AI_EXPERT_MODEL", &["ai", "expert_model"]),
    ("XBOT_AI_STRICT_SAFETY", &["ai", "strict_safety"]),
    ("XBOT_AI_MAX_TOKENS", &["ai", "max_tokens"]),
    ("XBOT_AI_RULES_FILE", &["ai", "rules_file"]),
    ("XBOT_PLAN_GENERATORS", &["plan", "generators"]),
];

/// Scalar keys accepted in the config file.
const FILE_KEYS: &[&[&str]] = &[
    &["database_url"],
    &["timezone"],
    &["read_only"],
    &["theme"],
    &["refresh_seconds"],
    &["ascii"],
    &["auto_migrate"],
    &["schema"],
    &["source_schema"],
    &["truecolor"],
    &["console", "bell"],
    &["log_level"],
    &["job_lease_seconds"],
    &["incidents", "review_sla_minutes"],
    &["incidents", "scheduler_absent_minutes"],
    &["objective", "er_ref"],
    &["objective", "tau"],
    &["budget", "daily_limit_usd"],
    &["budget", "expert_daily_cap"],
    &["ai", "base_url"],
    &["ai", "api_key"],
    &["ai", "core_model"],
    &["ai", "expert_model"],
    &["ai", "strict_safety"],
    &["ai", "max_tokens"],
    &["ai", "rules_file"],
    &["plan", "generators"],
    &["plan", "epsilon"],
    &["plan", "slot_bias"],
];

/// Load the configuration. `env` reads an environment variable (injectable for tests).
pub fn load(
    flags: &FlagOverrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let explicit_config = flags.config.clone().or_else(|| {
        env("XBOT_CONFIG")
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
    });
    let paths = Paths::resolve(explicit_config)?;

    let file_layer = read_file_layer(&paths)?;
    check_file_keys(&file_layer)?;
    let mut env_layer = env_layer(env);
    crate::notify::config::env_entries(&file_layer, env, &mut env_layer);
    let flag_layer = flag_layer(flags);
    let merged = file_layer.merge(env_layer).merge(flag_layer);
    build(paths, &merged, env)
}

fn read_file_layer(paths: &Paths) -> Result<Layer, ConfigError> {
    let origin = Origin::File(paths.config_file.display().to_string());
    match std::fs::read_to_string(&paths.config_file) {
        Ok(text) => Layer::from_toml(&text, &paths.config_file),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !paths.config_file_explicit => {
            Ok(Layer::default())
        }
        Err(e) => Err(ConfigError::whole(
            &origin,
            format!("cannot read the config file: {e}"),
        )),
    }
}

/// Reject keys xbot does not know, so a typo never silently does nothing.
fn check_file_keys(layer: &Layer) -> Result<(), ConfigError> {
    for (key, entry) in &layer.entries {
        let k: Vec<&str> = key.iter().map(String::as_str).collect();
        let known = FILE_KEYS.contains(&k.as_slice())
            || match k.as_slice() {
                ["jobs", job, field] => {
                    if catalog::spec(job).is_none() {
                        return Err(ConfigError {
                            origin: entry.origin.to_string(),
                            key: format!("jobs.{job}"),
                            value: String::new(),
                            reason: format!(
                                "unknown job (known: {})",
                                catalog::job_names().join(", ")
                            ),
                        });
                    }
                    catalog::OVERRIDE_FIELDS.contains(field)
                }
                ["budget", "prices", _, "input_per_m" | "output_per_m"] => true,
                // Destinations are checked when they are read (names, kinds, fields).
                ["notify", _, _] => true,
                ["slots", day] => WEEKDAYS.contains(day),
                // Action names are checked when the key map is built.
                ["keys", _] => true,
                _ => false,
            };
        if !known {
            let mut err = entry.invalid(key, "unknown setting");
            err.value.clear();
            return Err(err);
        }
    }
    Ok(())
}

fn env_layer(env: &dyn Fn(&str) -> Option<String>) -> Layer {
    let mut layer = Layer::default();
    // DATABASE_URL is the common convention; XBOT_DATABASE_URL wins over it.
    if let Some(url) = env("DATABASE_URL").filter(|s| !s.is_empty()) {
        layer.set_text(&["database_url"], url, Origin::Env("DATABASE_URL".into()));
    }
    if let Some(key) = env("OPENAI_API_KEY").filter(|s| !s.is_empty()) {
        layer.set_text(
            &["ai", "api_key"],
            key,
            Origin::Env("OPENAI_API_KEY".into()),
        );
    }
    for (var, key) in ENV_KEYS {
        if let Some(value) = env(var).filter(|s| !s.is_empty()) {
            layer.set_text(key, value, Origin::Env((*var).into()));
        }
    }
    layer
}

fn flag_layer(flags: &FlagOverrides) -> Layer {
    let mut layer = Layer::default();
    let flag = |name: &str| Origin::Flag(name.into());
    if let Some(url) = &flags.database_url {
        layer.set_text(&["database_url"], url.clone(), flag("--database-url"));
    }
    if let Some(tz) = &flags.timezone {
        layer.set_text(&["timezone"], tz.clone(), flag("--timezone"));
    }
    if flags.read_only {
        layer.set_text(&["read_only"], "true", flag("--read-only"));
    }
    if let Some(theme) = &flags.theme {
        layer.set_text(&["theme"], theme.clone(), flag("--theme"));
    }
    if let Some(secs) = flags.refresh_seconds {
        layer.set_text(&["refresh_seconds"], secs.to_string(), flag("--refresh"));
    }
    if flags.ascii {
        layer.set_text(&["ascii"], "true", flag("--ascii"));
    }
    layer
}

/// Typed access to the merged layer.
struct Reader<'a> {
    layer: &'a Layer,
    origins: BTreeMap<String, String>,
}

impl<'a> Reader<'a> {
    fn entry(&mut self, key: &[&str]) -> Option<(Vec<String>, &'a layer::Entry)> {
        let path: Vec<String> = key.iter().map(|s| s.to_string()).collect();
        let entry = self.layer.entries.get(&path)?;
        self.origins
            .insert(layer::display_key(&path), entry.origin.to_string());
        Some((path, entry))
    }

    fn string(&mut self, key: &[&str]) -> Result<Option<String>, ConfigError> {
        self.entry(key).map(|(p, e)| e.as_string(&p)).transpose()
    }

    fn bool(&mut self, key: &[&str], default: bool) -> Result<bool, ConfigError> {
        Ok(self
            .entry(key)
            .map(|(p, e)| e.as_bool(&p))
            .transpose()?
            .unwrap_or(default))
    }

    /// A number checked by `valid`, which returns the reason when it is out of range.
    fn f64(
        &mut self,
        key: &[&str],
        default: f64,
        valid: impl Fn(f64) -> Option<&'static str>,
    ) -> Result<f64, ConfigError> {
        match self.entry(key) {
            None => Ok(default),
            Some((p, e)) => {
                let v = e.as_f64(&p)?;
                match valid(v) {
                    None => Ok(v),
                    Some(reason) => Err(e.invalid(&p, reason)),
                }
            }
        }
    }

    fn u32_in(&mut self, key: &[&str], default: u32, lo: i64, hi: i64) -> Result<u32, ConfigError> {
        match self.entry(key) {
            None => Ok(default),
            Some((p, e)) => {
                let v = e.as_i64(&p)?;
                if (lo..=hi).contains(&v) {
                    Ok(v as u32)
                } else {
                    Err(e.invalid(&p, format!("must be between {lo} and {hi}")))
                }
            }
        }
    }
}

fn positive(v: f64) -> Option<&'static str> {
    (v <= 0.0).then_some("must be greater than 0")
}

fn probability(v: f64) -> Option<&'static str> {
    (!(0.0..=1.0).contains(&v)).then_some("must be between 0 and 1")
}

fn build(
    paths: Paths,
    layer: &Layer,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let mut r = Reader {
        layer,
        origins: BTreeMap::new(),
    };

    let database = match r.entry(&["database_url"]) {
        None => DatabaseTarget::Sqlite {
            path: paths.default_database(),
            is_default: true,
        },
        Some((p, e)) => {
            let url = e.as_string(&p)?;
            parse_database_url(&url).map_err(|reason| {
                let mut err = e.invalid(&p, reason);
                err.value = format!("{:?}", mask_url(&url));
                err
            })?
        }
    };

    let timezone = match r.entry(&["timezone"]) {
        None => Tz::UTC,
        Some((p, e)) => {
            let name = e.as_string(&p)?;
            name.parse::<Tz>()
                .map_err(|_| e.invalid(&p, "not an IANA timezone name (e.g. UTC, Europe/Berlin)"))?
        }
    };

    let read_only = r.bool(&["read_only"], false)?;
    let theme = match r.entry(&["theme"]) {
        None if env("NO_COLOR").is_some_and(|v| !v.is_empty()) => "mono".to_string(),
        None => "dark".to_string(),
        Some((p, e)) => {
            let name = e.as_string(&p)?;
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !valid {
                return Err(e.invalid(&p, "a theme name is letters, digits, '-' or '_'"));
            }
            name
        }
    };
    let refresh_secs = r.f64(&["refresh_seconds"], 5.0, |v| {
        (!(0.5..=3600.0).contains(&v)).then_some("must be between 0.5 and 3600 seconds")
    })?;
    let ascii = r.bool(&["ascii"], false)?;
    let auto_migrate = r.bool(&["auto_migrate"], true)?;
    let mut schema_name = |key: &'static str, default: &str| -> Result<String, ConfigError> {
        match r.entry(&[key]) {
            None => Ok(default.to_string()),
            Some((p, e)) => {
                let name = e.as_string(&p)?;
                let valid = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                    && name.len() <= 63
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if !valid {
                    return Err(e.invalid(
                        &p,
                        "a Postgres schema name: lowercase letters, digits and '_', not starting with a digit",
                    ));
                }
                Ok(name)
            }
        }
    };
    let schemas = Schemas {
        xbot: schema_name("schema", "xbot")?,
        source: schema_name("source_schema", "public")?,
    };
    if schemas.xbot == schemas.source {
        let why = "xbot's schema must not be xBOT's schema (source_schema)";
        if let Some((p, e)) = r.entry(&["schema"]).or_else(|| r.entry(&["source_schema"])) {
            return Err(e.invalid(&p, why));
        }
    }
    let log_level = match r.entry(&["log_level"]) {
        None => "info".to_string(),
        Some((p, e)) => {
            let level = e.as_string(&p)?.to_ascii_lowercase();
            if !["error", "warn", "info", "debug", "trace"].contains(&level.as_str()) {
                return Err(e.invalid(&p, "must be one of error, warn, info, debug, trace"));
            }
            level
        }
    };

    let job_lease_seconds = r.u32_in(&["job_lease_seconds"], 90, 2, 3600)?;
    let review_sla_minutes = r.u32_in(&["incidents", "review_sla_minutes"], 60, 1, 10_080)?;
    let scheduler_absent_minutes =
        r.u32_in(&["incidents", "scheduler_absent_minutes"], 10, 1, 10_080)?;
    let notify = crate::notify::config::read(layer, &mut r.origins)?;
    let objective = ObjectiveParams {
        er_ref: r.f64(
            &["objective", "er_ref"],
            ObjectiveParams::default().er_ref,
            positive,
        )?,
        tau: r.f64(
            &["objective", "tau"],
            ObjectiveParams::default().tau,
            positive,
        )?,
    };

    let mut prices = PriceTable::default();
    for (key, entry) in &layer.entries {
        if let [a, b, model, field] = key.as_slice()
            && a == "budget"
            && b == "prices"
        {
            let v = entry.as_f64(key)?;
            if v < 0.0 {
                return Err(entry.invalid(key, "a price cannot be negative"));
            }
            let (mut price, m) = prices.price_for(model);
            if !matches!(m, crate::budget::pricing::PriceMatch::Exact) {
                // A new model: its other price defaults to this one until set.
                price = ModelPrice {
                    input_per_m: v,
                    output_per_m: v,
                };
            }
            if field == "input_per_m" {
                price.input_per_m = v;
            } else {
                price.output_per_m = v;
            }
            prices = prices
                .with_override(model, price)
                .map_err(|e| entry.invalid(key, e.to_string()))?;
        }
    }
    let budget = BudgetConfig {
        daily_limit_usd: r.f64(&["budget", "daily_limit_usd"], 5.0, positive)?,
        expert_daily_cap: r.u32_in(
            &["budget", "expert_daily_cap"],
            crate::budget::tiers::EXPERT_DAILY_CAP,
            0,
            10_000,
        )?,
        prices,
    };

    let base_url = match r.entry(&["ai", "base_url"]) {
        None => None,
        Some((p, e)) => {
            let url = e.as_string(&p)?;
            let trimmed = url.trim_end_matches('/').to_string();
            if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) {
                return Err(e.invalid(&p, "must start with http:// or https://"));
            }
            Some(trimmed)
        }
    };
    let api_key = r.string(&["ai", "api_key"])?.map(SecretString::from);
    // The local guard rules: validated now (a bad file names the file, rule and field) and
    // installed for every screen of this process.
    let rules_file = match r.entry(&["ai", "rules_file"]) {
        None => None,
        Some((p, e)) => {
            let path = std::path::PathBuf::from(e.as_string(&p)?);
            let set = crate::ai::guard::rules::RuleSet::with_local(&path)
                .map_err(|err| e.invalid(&p, err.to_string()))?;
            crate::ai::guard::rules::install(set);
            Some(path)
        }
    };
    let ai = AiConfig {
        // An API key alone means the public OpenAI endpoint.
        base_url: base_url.or_else(|| api_key.as_ref().map(|_| "https://api.openai.com/v1".into())),
        api_key,
        core_model: r
            .string(&["ai", "core_model"])?
            .unwrap_or_else(|| "gpt-4o-mini".into()),
        expert_model: r
            .string(&["ai", "expert_model"])?
            .unwrap_or_else(|| "gpt-4o".into()),
        strict_safety: r.bool(&["ai", "strict_safety"], true)?,
        max_tokens: r.u32_in(&["ai", "max_tokens"], 600, 16, 32_000)?,
        rules_file,
    };

    let generators = match r.entry(&["plan", "generators"]) {
        None => vocab::GENERATORS.iter().map(|g| g.to_string()).collect(),
        Some((p, e)) => {
            let list = e.as_string_list(&p)?;
            for name in &list {
                if let Err(unknown) = vocab::validate_name(vocab::VocabKind::Generator, name) {
                    return Err(e.invalid(&p, unknown.to_string()));
                }
            }
            if list.is_empty() {
                return Err(e.invalid(&p, "name at least one generator"));
            }
            list
        }
    };
    let plan = PlanConfig {
        generators,
        epsilon: r.f64(&["plan", "epsilon"], 0.2, probability)?,
        slot_bias: r.f64(&["plan", "slot_bias"], 0.3, probability)?,
    };

    let mut slots = default_slot_schedule();
    for (i, day) in WEEKDAYS.iter().enumerate() {
        if let Some((p, e)) = r.entry(&["slots", day]) {
            let list = e.as_string_list(&p)?;
            if list.len() != 2 {
                return Err(e.invalid(&p, "name exactly two slots for the day"));
            }
            for name in &list {
                if let Err(unknown) = vocab::validate_name(vocab::VocabKind::Slot, name) {
                    return Err(e.invalid(&p, unknown.to_string()));
                }
            }
            slots[i] = [list[0].clone(), list[1].clone()];
        }
    }

    let jobs = catalog::read_overrides(layer)?;
    let mut keys = BTreeMap::new();
    for (key, entry) in &layer.entries {
        if let [section, action] = key.as_slice()
            && section == "keys"
        {
            keys.insert(
                action.clone(),
                (entry.as_string_or_list(key)?, entry.origin.to_string()),
            );
        }
    }
    let truecolor = r.bool(&["truecolor"], false)?;
    let console_bell = r.bool(&["console", "bell"], false)?;

    Ok(Config {
        paths,
        database,
        timezone,
        read_only,
        theme,
        refresh: Duration::from_secs_f64(refresh_secs),
        ascii,
        auto_migrate,
        schemas,
        log_level,
        job_lease_seconds,
        review_sla_minutes,
        scheduler_absent_minutes,
        notify,
        objective,
        budget,
        ai,
        plan,
        slots,
        jobs,
        keys,
        truecolor,
        console_bell,
        origins: r.origins,
    })
}

/// The weekday pattern of the spec, Monday first.
pub fn default_slot_schedule() -> SlotSchedule {
    use chrono::Weekday::*;
    [Mon, Tue, Wed, Thu, Fri, Sat, Sun].map(|day| {
        let [a, b] = crate::learning::slots::slots_for_weekday(day);
        [a.name.to_string(), b.name.to_string()]
    })
}

/// Parse a database URL. `sqlite://path`, `sqlite:path` and `postgres(ql)://…` are accepted.
pub fn parse_database_url(url: &str) -> Result<DatabaseTarget, String> {
    let url = url.trim();
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() || path == ":memory:" {
            return Err("an SQLite URL needs a file path (sqlite:///path/to/xbot.db)".into());
        }
        return Ok(DatabaseTarget::Sqlite {
            path: PathBuf::from(path),
            is_default: false,
        });
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let after = url.split_once("://").map(|x| x.1).unwrap_or_default();
        let host = after.rsplit_once('@').map_or(after, |(_, h)| h);
        let host = host.split(['/', '?']).next().unwrap_or_default();
        if host.is_empty() && !url.contains("host=") {
            return Err(
                "a Postgres URL needs a host (postgres://user:password@host:5432/db)".into(),
            );
        }
        if let Some((_, port)) = host.rsplit_once(':')
            && port.parse::<u16>().is_err()
        {
            return Err(format!("port {port:?} is not a number"));
        }
        return Ok(DatabaseTarget::Postgres {
            url: url.to_string(),
        });
    }
    Err("unsupported database URL: use postgres://… or sqlite:///path/to/file.db".into())
}

impl Config {
    /// Defaults only, for tests and benches: the default paths and no file or environment.
    pub fn defaults_for_tests(database: DatabaseTarget) -> Config {
        let mut layer = Layer::default();
        if let DatabaseTarget::Postgres { url } = &database {
            layer.set_text(&["database_url"], url.clone(), Origin::Default);
        }
        let paths = Paths {
            config_file: PathBuf::from("/nonexistent/xbot/config.toml"),
            config_file_explicit: false,
            data_dir: std::env::temp_dir().join("xbot-test-data"),
            state_dir: std::env::temp_dir().join("xbot-test-state"),
            theme_dir: PathBuf::from("/nonexistent/xbot/themes"),
        };
        let mut cfg = build(paths, &layer, &|_| None).expect("defaults are valid");
        cfg.database = database;
        cfg
    }

    /// The effective configuration as (key, value, origin) rows, secrets masked.
    pub fn effective(&self) -> Vec<(String, String, String)> {
        let origin = |key: &str| {
            self.origins
                .get(key)
                .cloned()
                .unwrap_or_else(|| "default".to_string())
        };
        let mut rows = vec![
            (
                "database_url".into(),
                self.database.display_masked(),
                origin("database_url"),
            ),
            (
                "timezone".into(),
                self.timezone.name().to_string(),
                origin("timezone"),
            ),
            (
                "read_only".into(),
                self.read_only.to_string(),
                origin("read_only"),
            ),
            ("theme".into(), self.theme.clone(), origin("theme")),
            (
                "refresh_seconds".into(),
                self.refresh.as_secs_f64().to_string(),
                origin("refresh_seconds"),
            ),
            ("ascii".into(), self.ascii.to_string(), origin("ascii")),
            (
                "console.bell".into(),
                self.console_bell.to_string(),
                origin("console.bell"),
            ),
            (
                "auto_migrate".into(),
                self.auto_migrate.to_string(),
                origin("auto_migrate"),
            ),
            ("schema".into(), self.schemas.xbot.clone(), origin("schema")),
            (
                "source_schema".into(),
                self.schemas.source.clone(),
                origin("source_schema"),
            ),
            (
                "log_level".into(),
                self.log_level.clone(),
                origin("log_level"),
            ),
            (
                "objective.er_ref".into(),
                self.objective.er_ref.to_string(),
                origin("objective.er_ref"),
            ),
            (
                "objective.tau".into(),
                self.objective.tau.to_string(),
                origin("objective.tau"),
            ),
            (
                "budget.daily_limit_usd".into(),
                format!("{:.2}", self.budget.daily_limit_usd),
                origin("budget.daily_limit_usd"),
            ),
            (
                "budget.expert_daily_cap".into(),
                self.budget.expert_daily_cap.to_string(),
                origin("budget.expert_daily_cap"),
            ),
            (
                "ai.base_url".into(),
                self.ai
                    .base_url
                    .clone()
                    .unwrap_or_else(|| "(not configured)".into()),
                origin("ai.base_url"),
            ),
            (
                "ai.api_key".into(),
                if self.ai.api_key.is_some() {
                    "**** (set)".into()
                } else {
                    "(not set)".into()
                },
                origin("ai.api_key"),
            ),
            (
                "ai.core_model".into(),
                self.ai.core_model.clone(),
                origin("ai.core_model"),
            ),
            (
                "ai.expert_model".into(),
                self.ai.expert_model.clone(),
                origin("ai.expert_model"),
            ),
            (
                "ai.strict_safety".into(),
                self.ai.strict_safety.to_string(),
                origin("ai.strict_safety"),
            ),
            (
                "ai.max_tokens".into(),
                self.ai.max_tokens.to_string(),
                origin("ai.max_tokens"),
            ),
            (
                "ai.rules_file".into(),
                self.ai.rules_file.as_ref().map_or_else(
                    || "(built-in rules only)".into(),
                    |p| p.display().to_string(),
                ),
                origin("ai.rules_file"),
            ),
            (
                "plan.generators".into(),
                format!("{} of 22", self.plan.generators.len()),
                origin("plan.generators"),
            ),
            (
                "plan.epsilon".into(),
                self.plan.epsilon.to_string(),
                origin("plan.epsilon"),
            ),
            (
                "plan.slot_bias".into(),
                self.plan.slot_bias.to_string(),
                origin("plan.slot_bias"),
            ),
        ];
        for (i, day) in WEEKDAYS.iter().enumerate() {
            let key = format!("slots.{day}");
            rows.push((key.clone(), self.slots[i].join(", "), origin(&key)));
        }
        for (job, o) in &self.jobs {
            rows.push((format!("jobs.{job}"), o.describe(), "config file".into()));
        }
        for key in [
            "incidents.review_sla_minutes",
            "incidents.scheduler_absent_minutes",
        ] {
            let v = if key.ends_with("review_sla_minutes") {
                self.review_sla_minutes
            } else {
                self.scheduler_absent_minutes
            };
            rows.push((key.into(), v.to_string(), origin(key)));
        }
        // URLs and keys masked.
        for (key, value) in self.notify.effective() {
            let o = origin(&key);
            rows.push((key, value, o));
        }
        rows
    }
}

#[cfg(test)]
mod tests;
