//! The `xbot` binary: parse the command line, load the configuration, install the error and
//! log hooks, and run the console (no verb) or a headless verb.

use std::process::ExitCode;

use clap::Parser;

use xbot::cli::{self, Cli, CliError};

fn main() -> ExitCode {
    let parsed = match Cli::try_parse() {
        Ok(parsed) => parsed,
        Err(e) => {
            // --help and --version are not errors; everything else is a usage error (exit 2).
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let env = |name: &str| std::env::var(name).ok();
    let cfg = match xbot::config::load(&parsed.global.overrides(), &env) {
        Ok(cfg) => cfg,
        Err(e) => return fail(&CliError::Config(e)),
    };
    // Installed before any terminal set-up, so panics are reported after the terminal is
    // restored (the console adds its own restore hook on top).
    let _ = color_eyre::install();
    let _log = xbot::logging::init(&cfg);
    tracing::info!(
        version = xbot::identity::APP_VERSION,
        backend = cfg.database.backend_name(),
        "xbot starting"
    );

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return fail(&CliError::Failed(format!(
                "cannot start the async runtime: {e}"
            )));
        }
    };
    cli::output::set_wide(parsed.global.wide);
    let result = runtime.block_on(async move {
        match parsed.command {
            Some(command) => cli::run(command, cfg).await,
            None => {
                // Operator actions from here on are audited as the console's.
                xbot::identity::set_front_end(xbot::identity::Via::Console);
                xbot::console::run(cfg).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &CliError) -> ExitCode {
    tracing::error!(error = %e, "xbot failed");
    // Errors can quote database strings (a malformed weight map's keys): inert, like output.
    let kind = if matches!(e, CliError::Findings(_)) {
        ""
    } else {
        "error: "
    };
    xbot::say!("xbot: {kind}{}", xbot::text::inert(&e.to_string()));
    ExitCode::from(e.exit_code())
}
