//! JOB_CONFIG: every job xbot runs, with its defaults, in one place. The config file may
//! override them per job (`[jobs.offline_weight_map] interval_minutes = 120`).

use std::collections::BTreeMap;

use super::{ConfigError, Layer, layer::display_key};
use crate::budget::tiers::{AiNeed, Priority};

/// One job's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobSpec {
    pub name: &'static str,
    pub interval_minutes: u32,
    pub priority: Priority,
    pub max_lag_minutes: u32,
    pub max_runtime_seconds: u32,
    pub ai: AiNeed,
    /// The job still does useful work without an AI endpoint (the rules-only safety screen).
    pub ai_optional: bool,
    pub does: &'static str,
}

/// The defaults table of the spec, section 5.
pub const JOB_CONFIG: [JobSpec; 8] = [
    JobSpec {
        name: "plan",
        interval_minutes: 60,
        priority: Priority::Critical,
        max_lag_minutes: 130,
        max_runtime_seconds: 600,
        ai: AiNeed::Core,
        ai_optional: false,
        does: "pick a slot, generator, angle and tone; generate; run the gates; queue or send to review",
    },
    JobSpec {
        name: "safety_review",
        interval_minutes: 10,
        priority: Priority::Critical,
        max_lag_minutes: 30,
        max_runtime_seconds: 600,
        ai: AiNeed::Core,
        ai_optional: true,
        does: "run the medical safety guard on content not yet checked",
    },
    JobSpec {
        name: "objective_scores",
        interval_minutes: 20,
        priority: Priority::Regular,
        max_lag_minutes: 60,
        max_runtime_seconds: 300,
        ai: AiNeed::None,
        ai_optional: false,
        does: "follower attribution and the v2 objective score for outcomes that lack one",
    },
    JobSpec {
        name: "offline_weight_map",
        interval_minutes: 360,
        priority: Priority::Intelligence,
        max_lag_minutes: 720,
        max_runtime_seconds: 600,
        ai: AiNeed::None,
        ai_optional: false,
        does: "compute, store and activate a weight map from the last 60 days",
    },
    JobSpec {
        name: "reply_priority_learning",
        interval_minutes: 90,
        priority: Priority::Intelligence,
        max_lag_minutes: 180,
        max_runtime_seconds: 300,
        ai: AiNeed::None,
        ai_optional: false,
        does: "recompute reply-account priorities",
    },
    JobSpec {
        name: "budget_tier",
        interval_minutes: 5,
        priority: Priority::Critical,
        max_lag_minutes: 15,
        max_runtime_seconds: 60,
        ai: AiNeed::None,
        ai_optional: false,
        does: "evaluate the AI budget tier; incidents on changes",
    },
    JobSpec {
        name: "expert_review",
        interval_minutes: 1440,
        priority: Priority::Intelligence,
        max_lag_minutes: 2880,
        max_runtime_seconds: 900,
        ai: AiNeed::Expert,
        ai_optional: false,
        does: "post-hoc expert review of the best and worst posts of the last day",
    },
    JobSpec {
        name: "job_watchdog",
        interval_minutes: 5,
        priority: Priority::Maintenance,
        max_lag_minutes: 15,
        max_runtime_seconds: 60,
        ai: AiNeed::None,
        ai_optional: false,
        does: "SLA lag, expired leases and failure streaks become incidents",
    },
];

/// Fields a config file may override per job.
pub const OVERRIDE_FIELDS: [&str; 5] = [
    "interval_minutes",
    "priority",
    "max_lag_minutes",
    "max_runtime_seconds",
    "enabled",
];

pub fn spec(name: &str) -> Option<&'static JobSpec> {
    JOB_CONFIG.iter().find(|j| j.name == name)
}

pub fn job_names() -> Vec<&'static str> {
    JOB_CONFIG.iter().map(|j| j.name).collect()
}

/// A per-job override from the config file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobOverride {
    pub interval_minutes: Option<u32>,
    pub priority: Option<Priority>,
    pub max_lag_minutes: Option<u32>,
    pub max_runtime_seconds: Option<u32>,
    pub enabled: Option<bool>,
}

impl JobOverride {
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = self.interval_minutes {
            parts.push(format!("interval_minutes={v}"));
        }
        if let Some(v) = self.priority {
            parts.push(format!("priority={}", v.as_str()));
        }
        if let Some(v) = self.max_lag_minutes {
            parts.push(format!("max_lag_minutes={v}"));
        }
        if let Some(v) = self.max_runtime_seconds {
            parts.push(format!("max_runtime_seconds={v}"));
        }
        if let Some(v) = self.enabled {
            parts.push(format!("enabled={v}"));
        }
        parts.join(" ")
    }
}

/// The effective schedule of one job: defaults with the config's overrides applied.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveJob {
    pub spec: &'static JobSpec,
    pub interval_minutes: u32,
    pub priority: Priority,
    pub max_lag_minutes: u32,
    pub max_runtime_seconds: u32,
    /// `Some` only when the config file sets it; otherwise the stored value (an operator's
    /// enable/disable) stands.
    pub enabled: Option<bool>,
}

pub fn effective(overrides: &BTreeMap<String, JobOverride>) -> Vec<EffectiveJob> {
    JOB_CONFIG
        .iter()
        .map(|spec| {
            let o = overrides.get(spec.name).cloned().unwrap_or_default();
            EffectiveJob {
                spec,
                interval_minutes: o.interval_minutes.unwrap_or(spec.interval_minutes),
                priority: o.priority.unwrap_or(spec.priority),
                max_lag_minutes: o.max_lag_minutes.unwrap_or(spec.max_lag_minutes),
                max_runtime_seconds: o.max_runtime_seconds.unwrap_or(spec.max_runtime_seconds),
                enabled: o.enabled,
            }
        })
        .collect()
}

/// Read `jobs.<job>.<field>` entries. Unknown jobs were already rejected by the key check.
pub fn read_overrides(layer: &Layer) -> Result<BTreeMap<String, JobOverride>, ConfigError> {
    let mut out: BTreeMap<String, JobOverride> = BTreeMap::new();
    for (key, entry) in &layer.entries {
        let [section, job, field] = key.as_slice() else {
            continue;
        };
        if section != "jobs" {
            continue;
        }
        let o = out.entry(job.clone()).or_default();
        let minutes = |lo: i64, hi: i64| -> Result<u32, ConfigError> {
            let v = entry.as_i64(key)?;
            if (lo..=hi).contains(&v) {
                Ok(v as u32)
            } else {
                Err(entry.invalid(key, format!("must be between {lo} and {hi}")))
            }
        };
        match field.as_str() {
            "interval_minutes" => o.interval_minutes = Some(minutes(1, 7 * 24 * 60)?),
            "max_lag_minutes" => o.max_lag_minutes = Some(minutes(1, 30 * 24 * 60)?),
            "max_runtime_seconds" => o.max_runtime_seconds = Some(minutes(1, 24 * 3600)?),
            "enabled" => o.enabled = Some(entry.as_bool(key)?),
            "priority" => {
                let name = entry.as_string(key)?;
                o.priority = Some(Priority::parse(&name).map_err(|_| {
                    entry.invalid(
                        key,
                        "unknown priority (known: critical, regular, intelligence, maintenance)",
                    )
                })?);
            }
            _ => {
                return Err(ConfigError {
                    origin: entry.origin.to_string(),
                    key: display_key(key),
                    value: String::new(),
                    reason: "unknown setting".into(),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_table_matches_the_spec() {
        let w = spec("offline_weight_map").unwrap();
        assert_eq!((w.interval_minutes, w.max_lag_minutes), (360, 720));
        assert_eq!(w.priority, Priority::Intelligence);
        let p = spec("plan").unwrap();
        assert_eq!(
            (p.interval_minutes, p.max_lag_minutes, p.ai),
            (60, 130, AiNeed::Core)
        );
        assert_eq!(spec("expert_review").unwrap().ai, AiNeed::Expert);
        assert_eq!(job_names().len(), 8);
        assert!(spec("nope").is_none());
    }

    #[test]
    fn overrides_apply_per_job() {
        let mut o = BTreeMap::new();
        o.insert(
            "offline_weight_map".to_string(),
            JobOverride {
                interval_minutes: Some(120),
                enabled: Some(false),
                ..Default::default()
            },
        );
        let eff = effective(&o);
        let w = eff
            .iter()
            .find(|j| j.spec.name == "offline_weight_map")
            .unwrap();
        assert_eq!(w.interval_minutes, 120);
        assert_eq!(w.enabled, Some(false));
        let p = eff.iter().find(|j| j.spec.name == "plan").unwrap();
        assert_eq!(p.interval_minutes, 60);
        assert_eq!(p.enabled, None);
    }
}
