//! `xbot info` and `xbot migrate`.

use serde::Serialize;

use super::output::{Align, Table, print_json};
use super::{CliError, open_store_with};
use crate::config::Config;
use crate::store::MigrationPolicy;
use crate::store::types::TableCount;

#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// Only list pending migrations.
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Info {
    version: &'static str,
    config_file: String,
    config_file_exists: bool,
    data_dir: String,
    log_file: String,
    backend: &'static str,
    database: String,
    database_status: String,
    /// Attached or standalone (or not installed yet).
    install: Option<String>,
    /// xBOT's relations as found: logical name → "real name (kind)".
    xbot_tables: Vec<(String, String)>,
    /// What xbot would read and this database lacks (read as NULL or empty).
    xbot_gaps: Vec<String>,
    pending_migrations: Vec<String>,
    tables: Vec<TableCount>,
    config: Vec<ConfigRow>,
}

#[derive(Serialize)]
struct ConfigRow {
    key: String,
    value: String,
    origin: String,
}

pub async fn run_info(args: InfoArgs, cfg: &Config) -> Result<(), CliError> {
    // Info must work when the database does not: report the failure instead of exiting. It
    // never creates the database file either.
    let missing_file = match &cfg.database {
        crate::config::DatabaseTarget::Sqlite { path, .. } => !path.exists(),
        crate::config::DatabaseTarget::Postgres { .. } => false,
    };
    let opened = if missing_file {
        Err("not created yet (it is created on first use)".to_string())
    } else {
        open_store_with(cfg, MigrationPolicy::Skip, false)
            .await
            .map_err(|e| format!("unavailable: {e}"))
    };
    let mut install = None;
    let mut found = Vec::new();
    let mut gaps = Vec::new();
    let (status, pending, tables) = match opened {
        Ok(store) => {
            let pending = store.pending_migrations().await.unwrap_or_default();
            let tables = if pending.is_empty() {
                store.table_counts().await.unwrap_or_default()
            } else {
                Vec::new()
            };
            // The decisions' count is among the table counts when they were read.
            install = match tables.iter().find(|t| t.table == "content_metadata") {
                Some(t) => Some(store.install_summary_of(t.rows)),
                None => store.install_summary().await.ok(),
            };
            let map = store.source_map();
            found = map.found();
            gaps = map.gaps();
            store.close().await;
            ("reachable".to_string(), pending, tables)
        }
        Err(status) => (status, Vec::new(), Vec::new()),
    };
    let info = Info {
        version: crate::identity::APP_VERSION,
        config_file: cfg.paths.config_file.display().to_string(),
        config_file_exists: cfg.paths.config_file.exists(),
        data_dir: cfg.paths.data_dir.display().to_string(),
        log_file: cfg.paths.log_file().display().to_string(),
        backend: cfg.database.backend_name(),
        database: cfg.database.display_masked(),
        database_status: status,
        install,
        xbot_tables: found,
        xbot_gaps: gaps,
        pending_migrations: pending,
        tables,
        config: cfg
            .effective()
            .into_iter()
            .map(|(key, value, origin)| ConfigRow { key, value, origin })
            .collect(),
    };
    if args.json {
        return print_json(&info);
    }
    crate::out!("xbot {}", info.version);
    crate::out!();
    crate::out!(
        "config file   {}{}",
        info.config_file,
        if info.config_file_exists {
            ""
        } else {
            " (not present; defaults apply)"
        }
    );
    crate::out!("data dir      {}", info.data_dir);
    crate::out!("log file      {}", info.log_file);
    crate::out!("backend       {}", info.backend);
    crate::out!(
        "database      {}{}",
        info.database,
        if cfg.database.is_default() {
            " (embedded demo database)"
        } else {
            ""
        }
    );
    crate::out!("status        {}", info.database_status);
    if let Some(install) = &info.install {
        crate::out!("install       {install}");
    }
    if cfg.database.backend_name() == "postgres" {
        crate::out!(
            "schemas       xbot's own: {}; xBOT's: {}",
            cfg.schemas.xbot,
            cfg.schemas.source
        );
    }
    for (key, rel) in &info.xbot_tables {
        crate::out!("xBOT {key:<18} {}", crate::text::inert(rel));
    }
    for gap in &info.xbot_gaps {
        crate::out!("missing       {}", crate::text::inert(gap));
    }
    if !info.pending_migrations.is_empty() {
        crate::out!("pending       {}", info.pending_migrations.join(", "));
    }
    crate::out!();
    let mut t = Table::new(&[
        ("setting", Align::Left),
        ("value", Align::Left),
        ("from", Align::Left),
    ]);
    for row in &info.config {
        t.row(vec![row.key.clone(), row.value.clone(), row.origin.clone()]);
    }
    crate::out!("{}", t.render());
    if !info.tables.is_empty() {
        crate::out!();
        let mut t = Table::new(&[("table", Align::Left), ("rows", Align::Right)]);
        for c in &info.tables {
            t.row(vec![c.table.clone(), c.rows.to_string()]);
        }
        crate::out!("{}", t.render());
    }
    Ok(())
}

#[derive(Serialize)]
struct MigrateReport {
    database: String,
    pending: Vec<String>,
    /// Every object the pending migrations create (all in xbot's schema), and for a database
    /// without any of xBOT's tables, xBOT's tables in xBOT's layout (standalone).
    objects: Vec<String>,
    applied: usize,
}

pub async fn run_migrate(args: MigrateArgs, cfg: &Config) -> Result<(), CliError> {
    if cfg.read_only && !args.dry_run {
        return Err(CliError::Usage(
            "read-only mode: migrations are changes; use --dry-run to list them".into(),
        ));
    }
    let store = open_store_with(cfg, MigrationPolicy::Skip, false).await?;
    let pending = store.pending_migrations().await?;
    let standalone = store.install_mode().is_none() && !store.source_map().has_xbot_layout();
    let objects =
        crate::store::planned_objects(store.backend(), &cfg.schemas, &pending, standalone);
    let applied = if args.dry_run {
        0
    } else {
        store.migrate().await?
    };
    store.close().await;
    let report = MigrateReport {
        database: cfg.database.display_masked(),
        pending,
        objects,
        applied,
    };
    if args.json {
        return print_json(&report);
    }
    match (report.pending.is_empty(), args.dry_run) {
        (true, _) => crate::out!("{}: schema is up to date", report.database),
        (false, true) => {
            crate::out!(
                "{}: pending: {}",
                report.database,
                report.pending.join(", ")
            );
            crate::out!("would create:");
            for o in &report.objects {
                crate::out!("  {o}");
            }
        }
        (false, false) => crate::out!(
            "{}: applied {} migration(s): {}",
            report.database,
            report.applied,
            report.pending.join(", ")
        ),
    }
    Ok(())
}
