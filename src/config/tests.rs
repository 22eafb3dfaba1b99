use std::collections::HashMap;
use std::io::Write;

use super::*;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

fn config_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

fn load_with(
    file: &tempfile::NamedTempFile,
    env: &[(&str, &str)],
    flags: FlagOverrides,
) -> Result<Config, ConfigError> {
    let flags = FlagOverrides {
        config: Some(file.path().to_path_buf()),
        ..flags
    };
    load(&flags, &env_of(env))
}

#[test]
fn defaults_apply_without_a_file() {
    let flags = FlagOverrides {
        config: None,
        ..Default::default()
    };
    let cfg = load(&flags, &env_of(&[("XBOT_CONFIG", "")])).unwrap();
    assert!(cfg.database.is_default());
    assert_eq!(cfg.timezone, Tz::UTC);
    assert_eq!(cfg.budget.daily_limit_usd, 5.0);
    assert_eq!(cfg.objective.er_ref, 0.05);
    assert_eq!(cfg.plan.generators.len(), 22);
    assert_eq!(
        cfg.slots[0],
        ["framework".to_string(), "research".to_string()]
    );
    assert!(!cfg.ai.is_configured());
}

#[test]
fn file_then_env_then_flags() {
    let f = config_file(
        "timezone = \"Europe/Berlin\"\ntheme = \"light\"\n[budget]\ndaily_limit_usd = 8\n",
    );
    let cfg = load_with(&f, &[], FlagOverrides::default()).unwrap();
    assert_eq!(cfg.timezone.name(), "Europe/Berlin");
    assert_eq!(cfg.budget.daily_limit_usd, 8.0);
    assert_eq!(cfg.theme, "light");

    let cfg = load_with(
        &f,
        &[
            ("XBOT_TIMEZONE", "America/New_York"),
            ("XBOT_BUDGET_DAILY_LIMIT_USD", "2.5"),
        ],
        FlagOverrides::default(),
    )
    .unwrap();
    assert_eq!(cfg.timezone.name(), "America/New_York");
    assert_eq!(cfg.budget.daily_limit_usd, 2.5);
    assert_eq!(
        cfg.origins["timezone"],
        "environment variable XBOT_TIMEZONE"
    );

    let cfg = load_with(
        &f,
        &[("XBOT_TIMEZONE", "America/New_York")],
        FlagOverrides {
            timezone: Some("Asia/Tokyo".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(cfg.timezone.name(), "Asia/Tokyo");
    assert_eq!(cfg.origins["timezone"], "flag --timezone");
}

#[test]
fn bad_values_name_the_file_the_key_and_the_value() {
    let f = config_file("[budget]\ndaily_limit_usd = -1\n");
    let err = load_with(&f, &[], FlagOverrides::default()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&f.path().display().to_string()), "{text}");
    assert!(text.contains("budget.daily_limit_usd = -1"), "{text}");
    assert!(text.contains("greater than 0"), "{text}");

    let f = config_file("timezone = \"Mars/Olympus\"\n");
    let text = load_with(&f, &[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(text.contains("timezone = \"Mars/Olympus\""), "{text}");
    assert!(text.contains("IANA"), "{text}");
}

#[test]
fn env_errors_name_the_variable() {
    let f = config_file("");
    let text = load_with(
        &f,
        &[("XBOT_REFRESH_SECONDS", "fast")],
        FlagOverrides::default(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        text,
        "environment variable XBOT_REFRESH_SECONDS: refresh_seconds = \"fast\": expected a number"
    );
}

#[test]
fn unknown_keys_jobs_generators_and_slots_are_errors() {
    let f = config_file("[budget]\ndaily_limt_usd = 3\n");
    let text = load_with(&f, &[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(
        text.ends_with("budget.daily_limt_usd: unknown setting"),
        "{text}"
    );

    let f = config_file("[jobs.weight_mapper]\ninterval_minutes = 5\n");
    let text = load_with(&f, &[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(text.contains("jobs.weight_mapper: unknown job"), "{text}");

    let f = config_file("[jobs.plan]\npriority = \"urgent\"\n");
    let text = load_with(&f, &[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("jobs.plan.priority = \"urgent\": unknown priority"),
        "{text}"
    );

    let f = config_file("[plan]\ngenerators = [\"dataNerd\", \"fooBar\"]\n");
    let text = load_with(&f, &[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(text.contains("unknown generator \"fooBar\""), "{text}");

    let f = config_file("[slots]\nmon = [\"framework\", \"brunch\"]\n");
    let text = load_with(&f, &[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(text.contains("slots.mon"), "{text}");
    assert!(text.contains("brunch"), "{text}");
}

#[test]
fn job_overrides_and_slot_schedule_are_read() {
    let f = config_file(
        "[jobs.offline_weight_map]\ninterval_minutes = 120\nenabled = false\n[slots]\nmon = [\"news\", \"story\"]\n",
    );
    let cfg = load_with(&f, &[], FlagOverrides::default()).unwrap();
    let o = &cfg.jobs["offline_weight_map"];
    assert_eq!(o.interval_minutes, Some(120));
    assert_eq!(o.enabled, Some(false));
    assert_eq!(cfg.slots[0], ["news".to_string(), "story".to_string()]);
}

#[test]
fn syntax_errors_are_one_line() {
    let f = config_file("timezone = \n");
    let text = load_with(&f, &[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(text.contains("not valid TOML: line 1"), "{text}");
    assert!(!text.contains('\n'));
}

#[test]
fn a_named_config_file_must_exist() {
    let flags = FlagOverrides {
        config: Some("/nonexistent/xbot.toml".into()),
        ..Default::default()
    };
    let text = load(&flags, &env_of(&[])).unwrap_err().to_string();
    assert!(
        text.starts_with("/nonexistent/xbot.toml: cannot read the config file"),
        "{text}"
    );
}

#[test]
fn database_urls_are_parsed_and_masked() {
    assert!(matches!(
        parse_database_url("postgres://u:p@db.example.com:5432/xbot"),
        Ok(DatabaseTarget::Postgres { .. })
    ));
    assert!(matches!(
        parse_database_url("sqlite:///tmp/x.db"),
        Ok(DatabaseTarget::Sqlite {
            is_default: false,
            ..
        })
    ));
    assert!(parse_database_url("mysql://x").is_err());
    assert!(parse_database_url("postgres://u:p@host:notaport/db").is_err());
    assert!(parse_database_url("sqlite::memory:").is_err());

    let f = config_file("");
    let err = load_with(
        &f,
        &[("DATABASE_URL", "redis://u:hunter22@h/0")],
        FlagOverrides::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("unsupported database URL"), "{err}");
    assert!(!err.contains("hunter22"), "{err}");
}

#[test]
fn xbot_database_url_beats_database_url_and_secrets_stay_masked() {
    let f = config_file("");
    let cfg = load_with(
        &f,
        &[
            ("DATABASE_URL", "postgres://a:one@h1/db"),
            ("XBOT_DATABASE_URL", "postgres://b:two@h2/db"),
            ("OPENAI_API_KEY", "sk-test-secret"),
        ],
        FlagOverrides::default(),
    )
    .unwrap();
    assert_eq!(cfg.database.display_masked(), "postgres://b:****@h2/db");
    assert!(cfg.ai.is_configured());
    let shown = format!("{:?} {:?}", cfg.effective(), cfg.ai);
    assert!(!shown.contains("sk-test-secret"), "{shown}");
    assert!(!shown.contains("two@"), "{shown}");
}

#[test]
fn no_color_selects_the_mono_theme_unless_one_is_named() {
    let f = config_file("");
    let cfg = load_with(&f, &[("NO_COLOR", "1")], FlagOverrides::default()).unwrap();
    assert_eq!(cfg.theme, "mono");
    let cfg = load_with(
        &f,
        &[("NO_COLOR", "1")],
        FlagOverrides {
            theme: Some("light".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(cfg.theme, "light");
}

#[test]
fn the_console_bell_is_off_unless_asked_for() {
    let f = config_file("");
    assert!(
        !load_with(&f, &[], FlagOverrides::default())
            .unwrap()
            .console_bell
    );
    let f = config_file("[console]\nbell = true\n");
    assert!(
        load_with(&f, &[], FlagOverrides::default())
            .unwrap()
            .console_bell
    );
    let f = config_file("[console]\nbell = \"loud\"\n");
    let e = load_with(&f, &[], FlagOverrides::default()).unwrap_err();
    assert!(e.to_string().contains("bell"), "{e}");
}
