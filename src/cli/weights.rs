//! `xbot weights list|show|diff|activate`.

use chrono::Utc;
use serde::Serialize;

use super::output::cell;
use super::output::{Align, Table, ago, print_json};
use super::{CliError, open_store};
use crate::config::Config;
use crate::learning::weights::{
    FEATURES, WeightDelta, WeightMap, WeightParams, diff, effective_cutoff_days,
};
use crate::store::MigrationPolicy;
use crate::store::ops::weights::WeightMapRecord;
use crate::text::inert;

#[derive(Debug, clap::Subcommand)]
pub enum WeightsCommand {
    /// Stored versions, newest first.
    List {
        #[arg(long, default_value_t = 30)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// One version's weights and statistics.
    Show {
        version: String,
        #[arg(long)]
        json: bool,
    },
    /// What changed between two versions, largest change first.
    Diff {
        from: String,
        to: String,
        #[arg(long)]
        json: bool,
    },
    /// Make a version the map xBOT reads (roll back to an earlier one); audited.
    Activate {
        /// A version name (the newest map of that name) or `#<id>`.
        version: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cmd: WeightsCommand, cfg: &Config) -> Result<(), CliError> {
    if cfg.read_only && matches!(cmd, WeightsCommand::Activate { .. }) {
        return Err(CliError::Usage(
            "read-only mode: activating a weight map is a change".into(),
        ));
    }
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let result = match cmd {
        WeightsCommand::Activate { version, json } => {
            let op = crate::identity::Operator::current();
            let action_id = uuid::Uuid::now_v7().to_string();
            match store
                .activate_weight_map(&version, &action_id, &op, Utc::now())
                .await
            {
                Ok(a) if json => print_json(&a),
                Ok(a) => {
                    crate::out!(
                        "weight map {}: {}{}",
                        crate::text::inert(&a.version),
                        a.outcome,
                        a.previous
                            .as_deref()
                            .filter(|p| *p != a.version)
                            .map(|p| format!(" (was {})", crate::text::inert(p)))
                            .unwrap_or_default()
                    );
                    Ok(())
                }
                Err(crate::store::StoreError::NotFound(why)) => Err(CliError::Usage(why)),
                Err(e) => Err(e.into()),
            }
        }
        WeightsCommand::List { limit, json } => {
            let maps = store.weight_maps(limit.clamp(1, 10_000)).await?;
            if json {
                print_json(&maps)
            } else {
                let now = Utc::now();
                let mut t = Table::new(&[
                    ("version", Align::Left),
                    ("active", Align::Left),
                    ("by", Align::Left),
                    ("computed", Align::Left),
                    ("samples", Align::Right),
                    ("posts from", Align::Left),
                    ("to", Align::Left),
                    ("run", Align::Right),
                ]);
                for m in &maps {
                    let day = |d: Option<chrono::DateTime<Utc>>| {
                        d.map_or("–".to_string(), |d| d.format("%Y-%m-%d").to_string())
                    };
                    t.row(vec![
                        crate::text::inert(&m.version),
                        if m.is_active { "*" } else { "" }.into(),
                        m.made_by.clone(),
                        format!(
                            "{} ({})",
                            m.computed_at.format("%Y-%m-%d %H:%M"),
                            ago(now, m.computed_at)
                        ),
                        m.sample_size.to_string(),
                        day(m.date_range_start),
                        day(m.date_range_end),
                        m.job_run_id.map_or("–".into(), |r| r.to_string()),
                    ]);
                }
                crate::out!("{}", t.render());
                Ok(())
            }
        }
        WeightsCommand::Show { version, json } => {
            let record = find(store.weight_map(&version).await?, &version)?;
            let map = parse(&record)?;
            let params = parse_params(&record);
            if json {
                print_json(&Shown {
                    record: &record,
                    map: &map,
                    params: params.as_ref(),
                })
            } else {
                print_map(&record, &map);
                print_params(&record, params.as_ref());
                Ok(())
            }
        }
        WeightsCommand::Diff { from, to, json } => {
            let a = parse(&find(store.weight_map(&from).await?, &from)?)?;
            let b = parse(&find(store.weight_map(&to).await?, &to)?)?;
            let deltas = diff(&a, &b);
            if json {
                print_json(&deltas)
            } else {
                print_diff(&from, &to, &deltas);
                Ok(())
            }
        }
    };
    store.close().await;
    result
}

#[derive(Serialize)]
struct Shown<'a> {
    record: &'a WeightMapRecord,
    map: &'a WeightMap,
    /// The params the map was computed with (None when the stored params are unreadable).
    params: Option<&'a WeightParams>,
}

/// The stored params of a map. Params stored before the decay settings were recorded read back
/// with the spec's defaults (what those maps used); unreadable params are `None`.
pub fn parse_params(record: &WeightMapRecord) -> Option<WeightParams> {
    serde_json::from_str(record.params.as_deref()?).ok()
}

fn print_params(record: &WeightMapRecord, params: Option<&WeightParams>) {
    let Some(p) = params else {
        crate::out!(
            "\nparams: {}",
            record
                .params
                .as_deref()
                .map_or("(none stored)".to_string(), |s| format!(
                    "unreadable: {}",
                    cell(s, 80)
                ))
        );
        return;
    };
    crate::out!(
        "\nparams: window {} days, shrinkage k {}, scores in [0, 1], μ per feature",
        p.window_days,
        p.k
    );
    let mut t = Table::new(&[
        ("feature", Align::Left),
        ("context", Align::Left),
        ("λ", Align::Right),
        ("floor", Align::Right),
        ("max age", Align::Right),
        ("cut-off", Align::Right),
    ]);
    for f in FEATURES {
        let d = p.decay.get(f);
        t.row(vec![
            f.column().to_string(),
            d.context.as_str().to_string(),
            format!("{}", d.lambda),
            format!("{}", d.floor),
            format!("{} d", d.max_age_days),
            format!("{} d", effective_cutoff_days(f, p)),
        ]);
    }
    crate::out!("{}", t.render());
}

fn find(record: Option<WeightMapRecord>, version: &str) -> Result<WeightMapRecord, CliError> {
    record.ok_or_else(|| {
        CliError::Failed(format!(
            "no weight map version {version:?} (see `xbot weights list`)"
        ))
    })
}

/// Read a stored map. Malformed JSON is an error that says which version and why.
pub fn parse(record: &WeightMapRecord) -> Result<WeightMap, CliError> {
    WeightMap::from_stored(
        &record.version,
        record.weights.as_deref(),
        record.stats.as_deref(),
        record.sample_size,
    )
    .map_err(CliError::Failed)
}

fn print_map(record: &WeightMapRecord, map: &WeightMap) {
    crate::out!(
        "{}{}: {} samples, computed {}",
        // The version as stored (it may carry escape sequences): inert.
        inert(&record.version),
        if record.is_active { " (active)" } else { "" },
        record.sample_size,
        record.computed_at.format("%Y-%m-%d %H:%M UTC")
    );
    for (feature, weights) in &map.weights {
        crate::out!("\n{feature}");
        let mut rows: Vec<(&String, &f64)> = weights.iter().collect();
        rows.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
        let mut t = Table::new(&[
            ("value", Align::Left),
            ("weight", Align::Right),
            ("", Align::Left),
            ("n", Align::Right),
            ("eff n", Align::Right),
            ("mean", Align::Right),
            ("shrunk", Align::Right),
        ]);
        let max = rows.first().map_or(1.0, |r| *r.1).max(f64::MIN_POSITIVE);
        for (value, w) in rows {
            let s = map.stats.get(feature).and_then(|m| m.get(value));
            t.row(vec![
                cell(value, 32),
                format!("{w:.4}"),
                "█".repeat(((w / max) * 20.0).round().clamp(0.0, 20.0) as usize),
                s.map_or("–".into(), |s| s.n.to_string()),
                s.map_or("–".into(), |s| format!("{:.1}", s.effective_n)),
                s.map_or("–".into(), |s| format!("{:.3}", s.mean)),
                s.map_or("–".into(), |s| format!("{:.3}", s.shrunk)),
            ]);
        }
        crate::out!("{}", t.render());
    }
}

fn print_diff(from: &str, to: &str, deltas: &[WeightDelta]) {
    crate::out!(
        "{} → {}: {} value(s) differ",
        inert(from),
        inert(to),
        deltas.iter().filter(|d| d.delta != 0.0).count()
    );
    let mut t = Table::new(&[
        ("feature", Align::Left),
        ("value", Align::Left),
        (from, Align::Right),
        (to, Align::Right),
        ("change", Align::Right),
    ]);
    for d in deltas.iter().filter(|d| d.delta != 0.0) {
        let show = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.4}"));
        t.row(vec![
            d.feature.clone(),
            cell(&d.value, 32),
            show(d.before),
            show(d.after),
            format!("{:+.4}", d.delta),
        ]);
    }
    crate::out!("{}", t.render());
}
