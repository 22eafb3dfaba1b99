//! `:` command mode: parsing and completion. Commands name tabs, jobs, actions and themes.

use super::tabs::TabId;
use crate::jobs::catalog;

/// A parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Quit,
    Help,
    Tab(TabId),
    Run(String),
    Cancel(String),
    Enable(String),
    Disable(String),
    Theme(String),
    Lambda(Option<f64>),
    Refresh,
    Pause,
    Resume,
    Filter(String),
}

const VERBS: [&str; 12] = [
    "quit", "help", "run", "cancel", "enable", "disable", "theme", "lambda", "refresh", "pause",
    "resume", "filter",
];

/// Parse a command line; the error says what is wrong.
pub fn parse(line: &str, themes: &[String]) -> Result<Command, String> {
    let line = line.trim();
    let (verb, arg) = line
        .split_once(char::is_whitespace)
        .map_or((line, ""), |(v, a)| (v, a.trim()));
    let job = |arg: &str| -> Result<String, String> {
        if catalog::spec(arg).is_some() {
            Ok(arg.to_string())
        } else {
            Err(format!(
                "unknown job {arg:?} (known: {})",
                catalog::job_names().join(", ")
            ))
        }
    };
    match verb {
        "" => Err("type a command; tab completes".into()),
        "q" | "quit" => Ok(Command::Quit),
        "help" | "?" => Ok(Command::Help),
        "run" => job(arg).map(Command::Run),
        "cancel" => job(arg).map(Command::Cancel),
        "enable" => job(arg).map(Command::Enable),
        "disable" => job(arg).map(Command::Disable),
        "theme" if themes.iter().any(|t| t == arg) => Ok(Command::Theme(arg.to_string())),
        "theme" => Err(format!(
            "unknown theme {arg:?} (known: {})",
            themes.join(", ")
        )),
        "lambda" if arg.is_empty() || arg == "default" => Ok(Command::Lambda(None)),
        "lambda" => match arg.parse::<f64>() {
            Ok(v) if v.is_finite() && (0.0..=5.0).contains(&v) => Ok(Command::Lambda(Some(v))),
            _ => Err(format!("λ must be a number between 0 and 5, not {arg:?}")),
        },
        "refresh" => Ok(Command::Refresh),
        "pause" => Ok(Command::Pause),
        "resume" => Ok(Command::Resume),
        "filter" => Ok(Command::Filter(arg.to_string())),
        other => match TabId::from_name(other) {
            Some(tab) => Ok(Command::Tab(tab)),
            None => Err(format!("unknown command {other:?}; tab completes")),
        },
    }
}

/// Every completion of `line`, sorted.
pub fn completions(line: &str, themes: &[String]) -> Vec<String> {
    let (verb, arg) = match line.split_once(' ') {
        Some((v, a)) => (v, Some(a)),
        None => (line, None),
    };
    let mut out: Vec<String> = match arg {
        None => VERBS
            .iter()
            .map(|v| v.to_string())
            .chain(TabId::ALL.iter().map(|t| t.title().to_ascii_lowercase()))
            .filter(|c| c.starts_with(verb))
            .collect(),
        Some(arg) => {
            let options: Vec<String> = match verb {
                "run" | "cancel" | "enable" | "disable" => {
                    catalog::job_names().iter().map(|s| s.to_string()).collect()
                }
                "theme" => themes.to_vec(),
                "lambda" => vec!["default".into(), "0.05".into(), "0.1".into(), "0.2".into()],
                _ => Vec::new(),
            };
            options
                .into_iter()
                .filter(|o| o.starts_with(arg))
                .map(|o| format!("{verb} {o}"))
                .collect()
        }
    };
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn themes() -> Vec<String> {
        vec!["dark".into(), "light".into(), "mono".into()]
    }

    #[test]
    fn commands_parse() {
        assert_eq!(
            parse("run offline_weight_map", &themes()),
            Ok(Command::Run("offline_weight_map".into()))
        );
        assert_eq!(parse("safety", &themes()), Ok(Command::Tab(TabId::Safety)));
        assert_eq!(
            parse("theme mono", &themes()),
            Ok(Command::Theme("mono".into()))
        );
        assert_eq!(
            parse("lambda 0.3", &themes()),
            Ok(Command::Lambda(Some(0.3)))
        );
        assert!(
            parse("run nope", &themes())
                .unwrap_err()
                .contains("unknown job")
        );
        assert!(parse("lambda -1", &themes()).is_err());
        assert!(parse("frobnicate", &themes()).is_err());
    }

    #[test]
    fn completion_covers_verbs_tabs_jobs_and_themes() {
        assert_eq!(completions("ru", &themes()), vec!["run".to_string()]);
        assert!(completions("s", &themes()).contains(&"safety".to_string()));
        assert_eq!(
            completions("run off", &themes()),
            vec!["run offline_weight_map".to_string()]
        );
        assert_eq!(
            completions("theme l", &themes()),
            vec!["theme light".to_string()]
        );
    }
}
