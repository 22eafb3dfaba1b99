//! Logs go to a file under the XDG state dir, never to stdout: the console owns the terminal.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::config::Config;

/// Start logging to `$XDG_STATE_HOME/xbot/xbot.log`. Returns the guard that flushes on drop,
/// or `None` when the log file cannot be opened (xbot then runs without a log).
pub fn init(cfg: &Config) -> Option<WorkerGuard> {
    let dir = &cfg.paths.state_dir;
    if std::fs::create_dir_all(dir).is_err() {
        return None;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(cfg.paths.log_file())
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_new(format!("xbot={0},warn", cfg.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let ok = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .with_target(true)
        .try_init()
        .is_ok();
    ok.then_some(guard)
}
