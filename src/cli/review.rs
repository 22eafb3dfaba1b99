//! `xbot review list|show|approve|reject|rewrite`: the safety queue from a shell.
//!
//! Decisions go through the store's one-transaction decision (state-guarded on the version the
//! operator saw, audited under a fresh action id, told who won a lost race). Before an approval
//! is sent, the rules re-run on the text that would be posted and their warnings are printed.
//! The store refuses critical risk (the same policy as the console's); `--force --note WHY` is
//! the explicit override, audited as one. Exit codes: 0 applied, 1 lost race or refused, 2 bad
//! flags (and every decision in `--read-only` mode).

use std::path::PathBuf;

use chrono::Utc;
use serde::Serialize;

use super::output::cell;
use super::output::{Align, Table, ago, print_json};
use super::{CliError, open_store};
use crate::ai::guard::rules::{RiskLevel, RuleHit, screen};
use crate::config::Config;
use crate::identity::Operator;
use crate::store::ops::reviews::{
    CriticalOverride, DecisionOutcome, DecisionRequest, ReviewRecord, Verdict,
};
use crate::store::{MigrationPolicy, Reads};
use crate::text::{clamp_span, inert, inert_multiline};

/// Statuses `review list` accepts besides `all`.
const STATUSES: [&str; 8] = [
    "pending",
    "approved_original",
    "approved_rewrite",
    "approved_edited",
    "rejected",
    "auto_passed",
    "auto_rewritten",
    "auto_rejected",
];

fn parse_status(s: &str) -> Result<String, String> {
    if s == "all" || STATUSES.contains(&s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "unknown status {s:?} (all, {})",
            STATUSES.join(", ")
        ))
    }
}

/// The `xbot review` verbs.
#[derive(Debug, clap::Subcommand)]
pub enum ReviewCommand {
    /// The queue, pending first, newest first.
    List {
        /// Only this status (or `all`).
        #[arg(long, default_value = "pending", value_parser = parse_status)]
        status: String,
        /// Most rows to show.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One review: the texts with the flagged spans marked, issues, hits and the audit trail.
    Show {
        /// The review id.
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Approve the proposed rewrite (default), the original (--original --note), or your own
    /// text (--text-file).
    Approve(ApproveArgs),
    /// Ask the AI for another rewrite of a pending review: the new one replaces the proposal
    /// only once it exists (refused, the proposal kept, without an AI endpoint).
    Rewrite {
        /// The review id.
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Reject with a reason.
    Reject {
        /// The review id.
        id: i64,
        /// Why (recorded in the audit trail).
        #[arg(long)]
        reason: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `xbot review approve`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").args(["rewrite", "original", "text_file"])))]
pub struct ApproveArgs {
    /// The review id.
    pub id: i64,
    /// Approve the proposed rewrite (the default).
    #[arg(long)]
    pub rewrite: bool,
    /// Approve the original text as it is (needs --note; never for critical risk).
    #[arg(long, requires = "note")]
    pub original: bool,
    /// Why: the original is fine (with --original), or the override is justified (with --force).
    #[arg(long)]
    pub note: Option<String>,
    /// Approve this file's text instead (the rules re-run on it first).
    #[arg(long, value_name = "F")]
    pub text_file: Option<PathBuf>,
    /// Override the critical-risk refusal (an edited text or a rewrite; never the original).
    /// Needs --note; recorded in the audit trail as an override.
    #[arg(
        long,
        visible_alias = "override",
        requires = "note",
        conflicts_with = "original"
    )]
    pub force: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Run a `xbot review` verb.
pub async fn run(cmd: ReviewCommand, cfg: &Config) -> Result<(), CliError> {
    match cmd {
        ReviewCommand::List {
            status,
            limit,
            json,
        } => list(cfg, &status, limit, json).await,
        ReviewCommand::Show { id, json } => show(cfg, id, json).await,
        ReviewCommand::Approve(args) => approve(cfg, args).await,
        ReviewCommand::Rewrite { id, json } => rewrite(cfg, id, json).await,
        ReviewCommand::Reject { id, reason, json } => {
            if reason.trim().is_empty() {
                return Err(CliError::Usage("--reason must say why".into()));
            }
            decide(cfg, id, Verdict::Reject { reason }, None, Vec::new(), json).await
        }
    }
}

async fn list(cfg: &Config, status: &str, limit: i64, json: bool) -> Result<(), CliError> {
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let statuses: Vec<&str> = if status == "all" {
        vec![]
    } else {
        vec![status]
    };
    let rows = store.reviews(&statuses, limit.clamp(1, 10_000)).await;
    store.close().await;
    let rows = rows?;
    if json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        crate::out!("no {} reviews", if status == "all" { "" } else { status });
        return Ok(());
    }
    let now = Utc::now();
    let mut t = Table::new(&[
        ("id", Align::Right),
        ("age", Align::Left),
        ("status", Align::Left),
        ("risk", Align::Left),
        ("part", Align::Right),
        ("slot", Align::Left),
        ("rewrite", Align::Left),
        ("text", Align::Left),
    ]);
    for r in &rows {
        t.row(vec![
            r.id.to_string(),
            ago(now, r.created_at),
            r.status.clone(),
            r.risk_level.clone(),
            r.part_index.to_string(),
            cell(r.content_slot.as_deref().unwrap_or("–"), 16),
            if r.proposed_rewrite.is_some() {
                "yes"
            } else {
                "–"
            }
            .into(),
            cell(&r.original_text, 60),
        ]);
    }
    crate::out!("{}", t.render());
    Ok(())
}

fn hits_of(r: &ReviewRecord) -> Vec<RuleHit> {
    r.rule_hits
        .as_deref()
        .and_then(|h| serde_json::from_str(h).ok())
        .unwrap_or_default()
}

fn issues_of(r: &ReviewRecord) -> Vec<String> {
    r.issues
        .as_deref()
        .and_then(|h| serde_json::from_str(h).ok())
        .unwrap_or_default()
}

/// The text with each hit's span wrapped in `[[…]]` (spans clamped, overlaps skipped).
pub fn mark_spans(text: &str, hits: &[RuleHit]) -> String {
    let mut spans: Vec<(usize, usize)> = hits
        .iter()
        .map(|h| clamp_span(text, h.start, h.end))
        .filter(|(a, b)| a < b)
        .collect();
    spans.sort_unstable();
    let mut out = String::new();
    let mut at = 0;
    for (a, b) in spans {
        if a < at {
            continue;
        }
        out.push_str(&text[at..a]);
        out.push_str("[[");
        out.push_str(&text[a..b]);
        out.push_str("]]");
        at = b;
    }
    out.push_str(&text[at..]);
    inert_multiline(&out)
}

async fn show(cfg: &Config, id: i64, json: bool) -> Result<(), CliError> {
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    // One batch: the review and its audit trail.
    let read = async {
        let mut r = Reads::new();
        let review = store.read_review(&mut r, id);
        let audit = store.read_audit(&mut r, Some(&format!("safety_review:{id}")), 100);
        let mut b = store.fetch_reads(r).await?;
        Ok::<_, crate::store::StoreError>((review.take(&mut b)?, audit.take(&mut b)?))
    }
    .await;
    store.close().await;
    let (review, audit) = read?;
    let review = review.ok_or_else(|| CliError::Failed(format!("no safety review {id}")))?;
    if json {
        #[derive(Serialize)]
        struct Shown<'a> {
            review: &'a ReviewRecord,
            audit: &'a [crate::store::ops::reviews::AuditRecord],
        }
        return print_json(&Shown {
            review: &review,
            audit: &audit,
        });
    }
    let now = Utc::now();
    let r = &review;
    // Every string from the database is inert, the status fields included (they are free
    // text in the table and can hold anything).
    crate::out!(
        "review {}  {}  risk {}  version {}  part {}  created {}",
        r.id,
        inert(&r.status),
        inert(&r.risk_level),
        r.version,
        r.part_index,
        ago(now, r.created_at)
    );
    crate::out!(
        "decision {}  {} {}  by {}  content {}",
        inert(&r.decision_id),
        inert(r.decision_type.as_deref().unwrap_or("?")),
        inert(r.content_slot.as_deref().unwrap_or("–")),
        inert(r.generator_name.as_deref().unwrap_or("?")),
        inert(r.content_status.as_deref().unwrap_or("missing"))
    );
    let hits = hits_of(r);
    crate::out!(
        "\noriginal ([[…]] = flagged):\n  {}",
        mark_spans(&r.original_text, &hits).replace('\n', "\n  ")
    );
    match &r.proposed_rewrite {
        Some(t) => crate::out!(
            "\nproposed rewrite:\n  {}",
            inert_multiline(t).replace('\n', "\n  ")
        ),
        None => crate::out!("\nproposed rewrite: none"),
    }
    if let Some(t) = &r.final_text {
        crate::out!(
            "\nfinal text:\n  {}",
            inert_multiline(t).replace('\n', "\n  ")
        );
    }
    let issues = issues_of(r);
    if !issues.is_empty() {
        crate::out!("\nissues:");
        for i in &issues {
            crate::out!("  - {}", inert(i));
        }
    }
    if !hits.is_empty() {
        crate::out!("\nrule hits:");
        for h in &hits {
            crate::out!(
                "  [{}] {} \"{}\" ({}): {}",
                h.level,
                h.category.label(),
                inert(&h.text),
                inert(&h.rule),
                inert(&h.why)
            );
        }
    }
    if let Some(by) = &r.decided_by {
        crate::out!(
            "\ndecided by {} {}{}",
            inert(by),
            r.decided_at.map_or(String::new(), |t| ago(now, t)),
            r.note
                .as_deref()
                .map(|n| format!(": {}", inert(n)))
                .unwrap_or_default()
        );
    }
    if !audit.is_empty() {
        crate::out!("\naudit:");
        for a in &audit {
            crate::out!(
                "  {}  {} {} → {} ({}) by {}{}",
                a.at.format("%Y-%m-%d %H:%M:%S UTC"),
                inert(&a.action),
                inert(a.from_state.as_deref().unwrap_or("?")),
                inert(a.to_state.as_deref().unwrap_or("?")),
                inert(&a.outcome),
                inert(&a.operator),
                a.note
                    .as_deref()
                    .map(|n| format!(": {}", inert(n)))
                    .unwrap_or_default()
            );
        }
    }
    if r.status == "pending" {
        crate::out!(
            "\napprove: xbot review approve {id} [--original --note …|--text-file F]   reject: xbot review reject {id} --reason …"
        );
    }
    Ok(())
}

/// A rule finding as printed and as put in `--json`.
#[derive(Debug, Clone, Serialize)]
struct Warning {
    level: RiskLevel,
    category: String,
    text: String,
    why: String,
}

/// Screen the text that would be posted and print what the rules find.
fn screen_and_warn(what: &str, text: &str, json: bool) -> (RiskLevel, Vec<Warning>) {
    let s = screen(text);
    let warnings: Vec<Warning> = s
        .hits
        .iter()
        .map(|h| Warning {
            level: h.level,
            category: h.category.label().to_string(),
            text: h.text.clone(),
            why: h.why.clone(),
        })
        .collect();
    if !json && !warnings.is_empty() {
        eprintln!("warning: the rules find {} risk in {what}:", s.level);
        for w in &warnings {
            eprintln!(
                "  [{}] {} \"{}\": {}",
                w.level,
                w.category,
                inert(&w.text),
                inert(&w.why)
            );
        }
    }
    (s.level, warnings)
}

async fn approve(cfg: &Config, args: ApproveArgs) -> Result<(), CliError> {
    if cfg.read_only {
        return Err(read_only_refusal(args.id));
    }
    if let Some(note) = &args.note
        && note.trim().is_empty()
    {
        return Err(CliError::Usage(if args.force {
            "--note must say why the override is justified".into()
        } else {
            "--note must say why the original is fine".into()
        }));
    }
    if args.note.is_some() && !args.original && !args.force {
        return Err(CliError::Usage(
            "--note goes with --original or --force".into(),
        ));
    }
    let critical_override = if args.force {
        Some(
            CriticalOverride::new(args.note.clone().unwrap_or_default())
                .map_err(CliError::Usage)?,
        )
    } else {
        None
    };
    let (verdict, warnings) = if let Some(path) = &args.text_file {
        let raw = std::fs::read_to_string(path).map_err(|e| {
            CliError::Usage(format!("cannot read --text-file {}: {e}", path.display()))
        })?;
        let text = raw.trim_end_matches(['\n', '\r']).to_string();
        if text.trim().is_empty() {
            return Err(CliError::Usage(format!("{} is empty", path.display())));
        }
        let (level, warnings) = screen_and_warn("the edited text", &text, args.json);
        if level == RiskLevel::Critical && !args.force && !args.json {
            eprintln!(
                "hint: the store refuses critical risk; fix the text, or pass --force --note WHY to override"
            );
        }
        (Verdict::ApproveEdited { text }, warnings)
    } else if args.original {
        let note = args.note.clone().unwrap_or_default();
        (Verdict::ApproveOriginal { note }, Vec::new())
    } else {
        (Verdict::ApproveRewrite, Vec::new())
    };
    decide(
        cfg,
        args.id,
        verdict,
        critical_override,
        warnings,
        args.json,
    )
    .await
}

/// `xbot review rewrite <id>`.
async fn rewrite(cfg: &Config, id: i64, json: bool) -> Result<(), CliError> {
    if cfg.read_only {
        return Err(CliError::Usage(format!(
            "read-only mode: asking for another rewrite of review {id} would change the database"
        )));
    }
    // Refused up front, before the database is even opened: nothing is lost.
    if !cfg.ai.is_configured() {
        return Err(CliError::Failed(format!(
            "review {id}: refused: {}",
            crate::ai::rewrite::RewriteError::NotConfigured
        )));
    }
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let operator = Operator::current().via(crate::identity::Via::Cli);
    let result = crate::ai::rewrite::another_rewrite(&store, cfg, id, &operator).await;
    store.close().await;
    let report = match result {
        Ok(r) => r,
        Err(crate::ai::rewrite::RewriteError::Store(crate::store::StoreError::NotFound(why))) => {
            return Err(CliError::Usage(why));
        }
        Err(e) => return Err(CliError::Failed(format!("review {id}: {e}"))),
    };
    let now = Utc::now();
    let (message, applied) = match &report.outcome {
        DecisionOutcome::Applied { version, .. } => (
            format!(
                "review {id}: new proposed rewrite (version {version}):\n  {}",
                inert_multiline(&report.proposed).replace('\n', "\n  ")
            ),
            true,
        ),
        DecisionOutcome::Refused { reason } => (format!("review {id}: refused: {reason}"), false),
        DecisionOutcome::LostRace { status, by, at } => (
            format!(
                "review {id} was changed by {}{} while the model wrote (now {}); the new rewrite was not stored",
                by.as_deref()
                    .map_or_else(|| "another process".to_string(), inert),
                at.map(|t| format!(" {}", ago(now, t))).unwrap_or_default(),
                inert(status)
            ),
            false,
        ),
        DecisionOutcome::Repeated { first_outcome, .. } => (
            format!("review {id}: this action was already recorded ({first_outcome})"),
            false,
        ),
    };
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            report: &'a crate::ai::rewrite::RewriteReport,
            operator: String,
            message: &'a str,
        }
        print_json(&Out {
            report: &report,
            operator: operator.name(),
            message: &message,
        })?;
    }
    if applied {
        if !json {
            crate::out!("{message}");
        }
        Ok(())
    } else {
        Err(CliError::Failed(message))
    }
}

fn read_only_refusal(id: i64) -> CliError {
    CliError::Usage(format!(
        "read-only mode: deciding review {id} would change the database"
    ))
}

/// What `--json` prints for a decision.
#[derive(Serialize)]
struct DecisionReport<'a> {
    review_id: i64,
    action_id: &'a str,
    action: &'static str,
    operator: String,
    outcome: &'a DecisionOutcome,
    warnings: &'a [Warning],
    message: &'a str,
}

async fn decide(
    cfg: &Config,
    id: i64,
    verdict: Verdict,
    critical_override: Option<CriticalOverride>,
    mut warnings: Vec<Warning>,
    json: bool,
) -> Result<(), CliError> {
    if cfg.read_only {
        return Err(read_only_refusal(id));
    }
    let store = open_store(cfg, MigrationPolicy::Apply).await?;
    let result = async {
        let review = store
            .review(id)
            .await?
            .ok_or_else(|| CliError::Failed(format!("no safety review {id}")))?;
        // The rules re-run on whatever would be posted (edits were screened already).
        match &verdict {
            Verdict::ApproveRewrite => {
                if let Some(t) = &review.proposed_rewrite {
                    warnings = screen_and_warn("the proposed rewrite", t, json).1;
                }
            }
            Verdict::ApproveOriginal { .. } => {
                warnings = screen_and_warn("the original", &review.original_text, json).1;
            }
            _ => {}
        }
        let operator = Operator::current().via(crate::identity::Via::Cli);
        let req = DecisionRequest {
            review_id: id,
            seen_version: review.version,
            verdict: verdict.clone(),
            action_id: uuid::Uuid::now_v7().to_string(),
            operator: operator.clone(),
            critical_override: critical_override.clone(),
        };
        let now = Utc::now();
        let outcome = store.decide(&req, now).await?;
        Ok::<_, CliError>((req, outcome, now))
    }
    .await;
    store.close().await;
    let (req, outcome, now) = result?;
    let (message, applied) = match &outcome {
        DecisionOutcome::Applied { status, version } => (
            format!(
                "review {id}: {status} by {} (version {version})",
                req.operator.name()
            ),
            true,
        ),
        DecisionOutcome::LostRace { status, by, at } => {
            let who = by
                .as_deref()
                .map_or_else(|| "a change that left no audit row".to_string(), inert);
            let when = at.map(|t| format!(" {}", ago(now, t))).unwrap_or_default();
            let text = if status == "pending" {
                format!(
                    "review {id} was changed by {who}{when} since it was read (now {}); nothing applied, look again",
                    inert(status)
                )
            } else {
                format!(
                    "review {id}: already {} by {who}{when}; nothing applied",
                    inert(status)
                )
            };
            (text, false)
        }
        DecisionOutcome::Refused { reason } => (format!("review {id}: refused: {reason}"), false),
        DecisionOutcome::Repeated { first_outcome, .. } => (
            format!(
                "review {id}: this action was already recorded ({first_outcome}); not applied again"
            ),
            false,
        ),
    };
    if json {
        print_json(&DecisionReport {
            review_id: id,
            action_id: &req.action_id,
            action: req.verdict.action(),
            operator: req.operator.name(),
            outcome: &outcome,
            warnings: &warnings,
            message: &message,
        })?;
    }
    if applied {
        if !json {
            crate::out!("{message}");
        }
        Ok(())
    } else {
        Err(CliError::Failed(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_marked_safely() {
        let text = "Take 800 mg of magnesium before bed.";
        let s = screen(text);
        let marked = mark_spans(text, &s.hits);
        assert!(marked.contains("[["), "{marked}");
        assert_eq!(marked.replace("[[", "").replace("]]", ""), text);
        // Nonsense spans never panic.
        let bogus = RuleHit {
            start: 3,
            end: 999,
            ..s.hits[0].clone()
        };
        assert_eq!(mark_spans("é💪x", &[bogus]), "é[[💪x]]");
    }
}
