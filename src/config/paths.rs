//! Where xbot keeps its files: XDG base directories, resolved once at start-up.

use std::path::PathBuf;

use etcetera::BaseStrategy;

use super::ConfigError;

/// The directories and files xbot reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `$XDG_CONFIG_HOME/xbot/config.toml` unless `--config` or `XBOT_CONFIG` names another file.
    pub config_file: PathBuf,
    /// True when the config file was named explicitly (then it must exist).
    pub config_file_explicit: bool,
    /// `$XDG_DATA_HOME/xbot`: the embedded database lives here.
    pub data_dir: PathBuf,
    /// `$XDG_STATE_HOME/xbot`: the log file lives here.
    pub state_dir: PathBuf,
    /// The user's theme directory, `$XDG_CONFIG_HOME/xbot/themes`.
    pub theme_dir: PathBuf,
}

impl Paths {
    /// Resolve the XDG directories. `explicit_config` comes from `--config` or `XBOT_CONFIG`.
    pub fn resolve(explicit_config: Option<PathBuf>) -> Result<Self, ConfigError> {
        let base = etcetera::choose_base_strategy().map_err(|e| ConfigError {
            origin: "environment".into(),
            key: "HOME".into(),
            value: String::new(),
            reason: format!("cannot find the home directory: {e}"),
        })?;
        let config_dir = base.config_dir().join("xbot");
        let state_root = base.state_dir().unwrap_or_else(|| base.data_dir());
        Ok(Paths {
            config_file_explicit: explicit_config.is_some(),
            config_file: explicit_config.unwrap_or_else(|| config_dir.join("config.toml")),
            data_dir: base.data_dir().join("xbot"),
            state_dir: state_root.join("xbot"),
            theme_dir: config_dir.join("themes"),
        })
    }

    /// The default embedded database file.
    pub fn default_database(&self) -> PathBuf {
        self.data_dir.join("xbot.db")
    }

    /// The log file (the TUI owns stdout, so logs never go there).
    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("xbot.log")
    }
}
