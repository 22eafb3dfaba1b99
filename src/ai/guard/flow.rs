//! The guard's level-based flow (spec section 6, steps 2 and 3) over the rule screen and, when a
//! model is configured, the model review and rewrites.
//!
//! - The level is the max of the rules' level and the model's; a model's self-reported "safe"
//!   does not lower it (only `risk_level` counts, and rules can only raise it).
//! - critical: auto-rejected. Within the acceptable level: passes, with the not-medical-advice
//!   note when it fits in 280 characters. Above it: up to two rewrites, each re-checked by the
//!   rules and the model; the first that reaches the acceptable level passes as auto_rewritten,
//!   otherwise the item waits for a person (pending) with the best rewrite proposed.
//! - The acceptable level is low; in non-strict mode a model-reviewed medium is acceptable too.
//!   Strict mode (the default) and rules-only screening never let medium pass without a person.
//! - Any model error fails closed: the item waits for a person.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::rules::{RiskLevel, RuleHit, Screen, screen, with_disclaimer};
use crate::ai::client::AiError;
use crate::store::ops::content::ContentUpdate;
use crate::store::types::{EventRow, SafetyReviewRow};

/// The longest post X accepts, in characters.
pub const MAX_CHARS: usize = 280;
/// Rewrites tried before a person has to decide.
pub const MAX_REWRITES: u32 = 2;
/// `decided_by` of the guard's own decisions.
pub const GUARD_NAME: &str = "xbot-guard";
/// `reviewer` when no model took part.
pub const RULES_ONLY: &str = "rules";

/// What a model review said, parsed tolerantly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelReview {
    /// The model's level.
    pub level: RiskLevel,
    /// What it found.
    pub issues: Vec<String>,
    /// What it suggests.
    pub suggestions: Vec<String>,
}

/// The model side of the guard (the core orchestrator in production, a fake in tests).
#[async_trait]
pub trait SafetyModel: Send + Sync {
    /// The model's name, recorded as the reviewer.
    fn name(&self) -> String;
    /// Review a text for medical risk.
    async fn review(&self, text: &str) -> Result<ModelReview, AiError>;
    /// Rewrite a text so that it no longer has the given issues.
    async fn rewrite(&self, text: &str, issues: &[String]) -> Result<String, AiError>;
}

/// The first JSON object in a model's answer (fences and chatter around it are ignored).
pub fn extract_json_object(text: &str) -> Option<Value> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    if end < start {
        return None;
    }
    serde_json::from_str(text.get(start..=end)?).ok()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    let item = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Object(o) => ["issue", "description", "text", "message", "suggestion"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str))
            .map(|s| s.trim().to_string())
            .or_else(|| Some(v.to_string())),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(item)
            .filter(|s| !s.is_empty())
            .collect(),
        Some(v @ Value::String(_)) => item(v).into_iter().filter(|s| !s.is_empty()).collect(),
        _ => Vec::new(),
    }
}

/// A level word, with the synonyms models like to use.
fn parse_level(s: &str) -> Option<RiskLevel> {
    RiskLevel::parse(s).or_else(|| match s.trim().to_ascii_lowercase().as_str() {
        "none" | "safe" | "minimal" | "very low" => Some(RiskLevel::Low),
        "moderate" | "med" => Some(RiskLevel::Medium),
        "severe" | "extreme" | "very high" => Some(RiskLevel::Critical),
        _ => None,
    })
}

/// Parses a model review `{risk_level, issues[], suggestions[]}`. Tolerant of fences, extra
/// fields and synonyms; `Err` when no level can be read (the guard then fails closed). Any
/// `safe: true` flag is ignored: only the level counts.
pub fn parse_model_review(answer: &str) -> Result<ModelReview, String> {
    let obj = extract_json_object(answer).ok_or("the review is not a JSON object")?;
    let level_value = ["risk_level", "riskLevel", "risk", "level"]
        .iter()
        .find_map(|k| obj.get(*k));
    let level = match level_value {
        Some(Value::String(s)) => {
            parse_level(s).ok_or_else(|| format!("unknown risk_level {s:?}"))?
        }
        Some(other) => return Err(format!("risk_level is not a word: {other}")),
        None => return Err("the review has no risk_level".into()),
    };
    Ok(ModelReview {
        level,
        issues: strings(obj.get("issues")),
        suggestions: strings(obj.get("suggestions")),
    })
}

/// How the guard decided one text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardStatus {
    /// Passed as it is (with the note when it fits).
    AutoPassed,
    /// A rewrite passed.
    AutoRewritten,
    /// Critical: rejected.
    AutoRejected,
    /// Waits for a person.
    Pending,
}

impl GuardStatus {
    /// The `safety_reviews.status` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            GuardStatus::AutoPassed => "auto_passed",
            GuardStatus::AutoRewritten => "auto_rewritten",
            GuardStatus::AutoRejected => "auto_rejected",
            GuardStatus::Pending => "pending",
        }
    }
}

/// Guard settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardOptions {
    /// Strict mode: medium never passes without a person.
    pub strict: bool,
    /// Add the not-medical-advice note to a passing text (a thread adds it to its last part).
    pub add_disclaimer: bool,
    /// The longest acceptable text.
    pub max_chars: usize,
    /// Rewrites to try.
    pub max_rewrites: u32,
}

impl Default for GuardOptions {
    fn default() -> Self {
        GuardOptions {
            strict: true,
            add_disclaimer: true,
            max_chars: MAX_CHARS,
            max_rewrites: MAX_REWRITES,
        }
    }
}

/// The guard's decision on one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuardResult {
    /// The decision.
    pub status: GuardStatus,
    /// The original's level (max of rules and model).
    pub level: RiskLevel,
    /// The text screened.
    pub original: String,
    /// The text to post when the guard let it through.
    pub final_text: Option<String>,
    /// A rewrite: the one that passed, or the best one for a person to consider.
    pub proposed_rewrite: Option<String>,
    /// The proposed rewrite's level.
    pub proposed_level: Option<RiskLevel>,
    /// What was found, as sentences (rule hits as "category: why", then the model's).
    pub issues: Vec<String>,
    /// The rule hits on the original.
    pub rule_hits: Vec<RuleHit>,
    /// Rewrites tried.
    pub rewrite_attempts: u32,
    /// True when a model reviewed the original.
    pub model_reviewed: bool,
    /// The model's name, or "rules".
    pub reviewer: String,
    /// Why, for people (fail-closed reasons, rejection reasons).
    pub note: Option<String>,
}

/// Rule hits as issue sentences ("dosage instruction: …"), the queue's issue format.
pub fn rule_issues(s: &Screen) -> Vec<String> {
    s.hits
        .iter()
        .map(|h| format!("{}: {}", h.category.label(), h.why))
        .collect()
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

impl GuardResult {
    fn new(text: &str, rules: &Screen, reviewer: String) -> GuardResult {
        GuardResult {
            status: GuardStatus::Pending,
            level: rules.level,
            original: text.to_string(),
            final_text: None,
            proposed_rewrite: None,
            proposed_level: None,
            issues: rule_issues(rules),
            rule_hits: rules.hits.clone(),
            rewrite_attempts: 0,
            model_reviewed: false,
            reviewer,
            note: None,
        }
    }

    /// The review row for this result.
    pub fn to_review_row(
        &self,
        decision_id: &str,
        part_index: i64,
        now: DateTime<Utc>,
    ) -> SafetyReviewRow {
        let automatic = self.status != GuardStatus::Pending;
        SafetyReviewRow {
            decision_id: decision_id.to_string(),
            part_index,
            original_text: self.original.clone(),
            proposed_rewrite: self.proposed_rewrite.clone(),
            risk_level: self.level.as_str().to_string(),
            issues: json!(self.issues),
            rule_hits: serde_json::to_value(&self.rule_hits).unwrap_or_else(|_| json!([])),
            status: self.status.as_str().to_string(),
            rewrite_attempts: i64::from(self.rewrite_attempts),
            reviewer: Some(self.reviewer.clone()),
            decided_by: automatic.then(|| GUARD_NAME.to_string()),
            decided_at: automatic.then_some(now),
            note: self.note.clone(),
            final_text: self.final_text.clone(),
            created_at: now,
        }
    }

    fn pass(mut self, status: GuardStatus, text: &str, opts: &GuardOptions) -> GuardResult {
        self.status = status;
        self.final_text = Some(if opts.add_disclaimer {
            with_disclaimer(text, opts.max_chars).unwrap_or_else(|| text.to_string())
        } else {
            text.to_string()
        });
        self
    }

    fn pending(mut self, note: Option<String>) -> GuardResult {
        self.status = GuardStatus::Pending;
        if note.is_some() {
            self.note = note;
        }
        self
    }
}

/// The guard without a model (no AI configured, or the budget allows no call): low passes,
/// critical is rejected, anything else waits for a person without a rewrite. Synchronous, so the
/// demo dataset builds its queue exactly as the guard would.
pub fn rules_only(text: &str, opts: &GuardOptions) -> GuardResult {
    rules_only_screened(text, &screen(text), opts)
}

/// [`rules_only`] with the screen already run on `text`.
pub fn rules_only_screened(text: &str, rules: &Screen, opts: &GuardOptions) -> GuardResult {
    let mut out = GuardResult::new(text, rules, RULES_ONLY.to_string());
    if settled_by_rules(&mut out, rules, text) {
        return out;
    }
    if rules.level == RiskLevel::Low && chars(text) <= opts.max_chars {
        return out.pass(GuardStatus::AutoPassed, text, opts);
    }
    if chars(text) > opts.max_chars {
        out.issues
            .push(format!("longer than {} characters", opts.max_chars));
    }
    out.pending(Some(
        "rules only (no model review): a person must decide".into(),
    ))
}

/// The decisions the rules alone settle whatever a model would say: an empty text waits for a
/// person, a critical hit is rejected. True when `out` is settled.
fn settled_by_rules(out: &mut GuardResult, rules: &Screen, text: &str) -> bool {
    if text.trim().is_empty() {
        out.issues.push("the text is empty".into());
        out.status = GuardStatus::Pending;
        out.note = Some("empty text: a person must decide".into());
        return true;
    }
    if rules.level == RiskLevel::Critical {
        // No model call can make a critical rule hit acceptable: save the money.
        out.status = GuardStatus::AutoRejected;
        out.note = Some("auto-rejected: critical risk found by the rule screen".into());
        return true;
    }
    false
}

/// Run the guard on one text (see the module comment). `model` is `None` for rules-only
/// screening (no AI configured, or the budget allows no call).
pub async fn guard_text(
    text: &str,
    model: Option<&dyn SafetyModel>,
    opts: &GuardOptions,
) -> GuardResult {
    let Some(model) = model else {
        return rules_only(text, opts);
    };
    let rules = screen(text);
    let mut out = GuardResult::new(text, &rules, model.name());
    if settled_by_rules(&mut out, &rules, text) {
        return out;
    }
    let acceptable = if opts.strict {
        RiskLevel::Low
    } else {
        RiskLevel::Medium
    };

    match model.review(text).await {
        Ok(r) => {
            out.model_reviewed = true;
            out.level = out.level.max(r.level);
            out.issues
                .extend(r.issues.iter().map(|i| format!("model review: {i}")));
        }
        Err(e) => {
            out.issues.push(format!("model review failed: {e}"));
            return out.pending(Some(format!(
                "the model review failed, so a person must decide: {e}"
            )));
        }
    }
    if out.level == RiskLevel::Critical {
        out.status = GuardStatus::AutoRejected;
        out.note = Some("auto-rejected: the model review found critical risk".into());
        return out;
    }
    if out.level <= acceptable && chars(text) <= opts.max_chars {
        return out.pass(GuardStatus::AutoPassed, text, opts);
    }
    if chars(text) > opts.max_chars {
        out.issues
            .push(format!("longer than {} characters", opts.max_chars));
    }

    // Rewrites: each one re-checked by the rules and the model.
    let mut ask: Vec<String> = out.issues.clone();
    let mut best: Option<(String, RiskLevel)> = None;
    let mut note = None;
    for attempt in 1..=opts.max_rewrites {
        let rewrite = match model.rewrite(text, &ask).await {
            Ok(t) => t.trim().to_string(),
            Err(e) => {
                note = Some(format!(
                    "rewrite {attempt} failed, so a person must decide: {e}"
                ));
                break;
            }
        };
        out.rewrite_attempts = attempt;
        if rewrite.is_empty() {
            continue;
        }
        let rs = screen(&rewrite);
        let mut level = rs.level;
        let mut found = rule_issues(&rs);
        let fits = chars(&rewrite) <= opts.max_chars;
        if !fits {
            found.push(format!(
                "the rewrite is longer than {} characters",
                opts.max_chars
            ));
        }
        let mut reviewed = false;
        if level < RiskLevel::Critical {
            match model.review(&rewrite).await {
                Ok(r) => {
                    reviewed = true;
                    level = level.max(r.level);
                    found.extend(r.issues);
                }
                Err(e) => {
                    note = Some(format!(
                        "the review of rewrite {attempt} failed, so a person must decide: {e}"
                    ));
                }
            }
        }
        if reviewed && fits && level <= acceptable {
            out.proposed_rewrite = Some(rewrite.clone());
            out.proposed_level = Some(level);
            return out.pass(GuardStatus::AutoRewritten, &rewrite, opts);
        }
        if fits && level < RiskLevel::Critical && best.as_ref().is_none_or(|(_, b)| level < *b) {
            best = Some((rewrite, level));
        }
        if note.is_some() {
            break;
        }
        ask = out.issues.clone();
        ask.extend(
            found
                .into_iter()
                .map(|f| format!("the last rewrite still had: {f}")),
        );
    }
    if let Some((text, level)) = best {
        out.proposed_rewrite = Some(text);
        out.proposed_level = Some(level);
    }
    let note = note.or_else(|| {
        Some(format!(
            "{} risk after {} rewrite(s): a person must decide",
            out.level, out.rewrite_attempts
        ))
    });
    out.pending(note)
}

/// The guard's decision on a whole decision (a single text or a thread's parts).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionGuard {
    /// One result per part, in order.
    pub parts: Vec<GuardResult>,
}

impl DecisionGuard {
    /// Guard each part one by one; the note is added to the last part only.
    pub async fn run(
        texts: &[String],
        model: Option<&dyn SafetyModel>,
        opts: &GuardOptions,
    ) -> DecisionGuard {
        let mut parts = Vec::with_capacity(texts.len());
        let last = texts.len().saturating_sub(1);
        for (i, t) in texts.iter().enumerate() {
            let o = GuardOptions {
                add_disclaimer: opts.add_disclaimer && i == last,
                ..*opts
            };
            parts.push(guard_text(t, model, &o).await);
        }
        let mut d = DecisionGuard { parts };
        d.reject_siblings();
        d
    }

    /// [`DecisionGuard::run`] without a model, synchronously (see [`rules_only`]).
    pub fn rules_only(texts: &[String], opts: &GuardOptions) -> DecisionGuard {
        let last = texts.len().saturating_sub(1);
        let parts = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let o = GuardOptions {
                    add_disclaimer: opts.add_disclaimer && i == last,
                    ..*opts
                };
                rules_only(t, &o)
            })
            .collect();
        let mut d = DecisionGuard { parts };
        d.reject_siblings();
        d
    }

    /// A thread with a rejected part is rejected whole: its pending parts are closed too, so no
    /// one is asked to review part of a thread that will never be posted.
    fn reject_siblings(&mut self) {
        let Some(bad) = self
            .parts
            .iter()
            .position(|p| p.status == GuardStatus::AutoRejected)
        else {
            return;
        };
        for p in &mut self.parts {
            if p.status == GuardStatus::Pending {
                p.status = GuardStatus::AutoRejected;
                p.note = Some(format!(
                    "auto-rejected with its thread: part {} is critical",
                    bad + 1
                ));
            }
        }
    }

    /// The highest level of any part.
    pub fn level(&self) -> RiskLevel {
        self.parts
            .iter()
            .map(|p| p.level)
            .max()
            .unwrap_or(RiskLevel::Low)
    }

    /// True when any part was rejected.
    pub fn rejected(&self) -> bool {
        self.parts
            .iter()
            .any(|p| p.status == GuardStatus::AutoRejected)
    }

    /// True when any part waits for a person.
    pub fn pending(&self) -> bool {
        self.parts.iter().any(|p| p.status == GuardStatus::Pending)
    }

    /// The texts to post: each part's final text, or its original while it waits.
    pub fn texts(&self) -> Vec<String> {
        self.parts
            .iter()
            .map(|p| p.final_text.clone().unwrap_or_else(|| p.original.clone()))
            .collect()
    }

    /// The content's new status: rejected, pending_review or queued.
    pub fn content_status(&self) -> &'static str {
        if self.rejected() {
            "rejected"
        } else if self.pending() {
            "pending_review"
        } else {
            "queued"
        }
    }

    /// The content update: the status, and the texts to post when everything passed.
    pub fn content_update(&self, is_thread: bool) -> ContentUpdate {
        let status = self.content_status().to_string();
        if status != "queued" {
            return ContentUpdate {
                status,
                content: None,
                thread_parts: None,
            };
        }
        let texts = self.texts();
        ContentUpdate {
            status,
            content: texts.first().cloned(),
            thread_parts: is_thread.then_some(texts),
        }
    }

    /// The review rows, one per part.
    pub fn review_rows(&self, decision_id: &str, now: DateTime<Utc>) -> Vec<SafetyReviewRow> {
        self.parts
            .iter()
            .enumerate()
            .map(|(i, p)| p.to_review_row(decision_id, i as i64, now))
            .collect()
    }

    /// The `safety_rejected` event of a rejected decision.
    pub fn rejection_event(&self, decision_id: &str, now: DateTime<Utc>) -> Option<EventRow> {
        if !self.rejected() {
            return None;
        }
        let categories: Vec<&str> = {
            let mut c: Vec<&str> = self
                .parts
                .iter()
                .flat_map(|p| p.rule_hits.iter().map(|h| h.category.as_str()))
                .collect();
            c.sort_unstable();
            c.dedup();
            c
        };
        let why = if categories.is_empty() {
            "the model review".to_string()
        } else {
            categories.join(", ")
        };
        Some(EventRow {
            event_type: "safety_rejected".into(),
            severity: "warning".into(),
            component: "safety_guard".into(),
            message: format!("auto-rejected ({} risk): {why}", self.level()),
            metadata: Some(json!({
                "decision_id": decision_id,
                "level": self.level().as_str(),
                "categories": categories,
                "parts": self.parts.iter().map(|p| p.status.as_str()).collect::<Vec<_>>(),
            })),
            created_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A scripted model: reviews by keyword, rewrites from a list.
    struct Fake {
        reviews: Vec<(&'static str, Result<RiskLevel, ()>)>,
        rewrites: Mutex<Vec<Result<&'static str, ()>>>,
        calls: Mutex<Vec<String>>,
    }

    impl Fake {
        fn new(
            reviews: Vec<(&'static str, Result<RiskLevel, ()>)>,
            rewrites: Vec<Result<&'static str, ()>>,
        ) -> Fake {
            Fake {
                reviews,
                rewrites: Mutex::new(rewrites),
                calls: Mutex::new(Vec::new()),
            }
        }
    }

    #[async_trait]
    impl SafetyModel for Fake {
        fn name(&self) -> String {
            "fake-model".into()
        }
        async fn review(&self, text: &str) -> Result<ModelReview, AiError> {
            self.calls.lock().unwrap().push(format!("review:{text}"));
            let level = self
                .reviews
                .iter()
                .find(|(k, _)| text.contains(k))
                .map(|(_, l)| *l)
                .unwrap_or(Ok(RiskLevel::Low));
            match level {
                Ok(level) => Ok(ModelReview {
                    level,
                    issues: vec![format!("{level} risk")],
                    suggestions: vec![],
                }),
                Err(()) => Err(AiError::Malformed("garbage".into())),
            }
        }
        async fn rewrite(&self, text: &str, _issues: &[String]) -> Result<String, AiError> {
            self.calls.lock().unwrap().push(format!("rewrite:{text}"));
            let mut r = self.rewrites.lock().unwrap();
            if r.is_empty() {
                return Err(AiError::EmptyResponse);
            }
            match r.remove(0) {
                Ok(t) => Ok(t.to_string()),
                Err(()) => Err(AiError::Timeout("slow".into())),
            }
        }
    }

    fn strict() -> GuardOptions {
        GuardOptions::default()
    }

    #[tokio::test]
    async fn rules_only() {
        let r = guard_text("Walking may help lower blood pressure.", None, &strict()).await;
        assert_eq!(r.status, GuardStatus::AutoPassed);
        assert_eq!(
            r.final_text.as_deref(),
            Some("Walking may help lower blood pressure. Not medical advice.")
        );
        assert_eq!(r.reviewer, "rules");
        let r = guard_text("Vitamin D cures depression.", None, &strict()).await;
        assert_eq!(r.status, GuardStatus::AutoRejected);
        let r = guard_text("Take 5,000 IU of vitamin D daily.", None, &strict()).await;
        assert_eq!((r.status, r.level), (GuardStatus::Pending, RiskLevel::High));
        assert!(r.proposed_rewrite.is_none());
        assert!(!r.rule_hits.is_empty());
        // Medium never passes without a person when only the rules looked, strict or not.
        let lax = GuardOptions {
            strict: false,
            ..strict()
        };
        let r = guard_text("Ashwagandha is a miracle herb.", None, &lax).await;
        assert_eq!(
            (r.status, r.level),
            (GuardStatus::Pending, RiskLevel::Medium)
        );
        // A low text too long for the note passes without it.
        let long = "Walking helps. ".repeat(18);
        let r = guard_text(long.trim(), None, &strict()).await;
        assert_eq!(r.status, GuardStatus::AutoPassed);
        assert_eq!(r.final_text.as_deref(), Some(long.trim()));
        let r = guard_text("   ", None, &strict()).await;
        assert_eq!(r.status, GuardStatus::Pending);
    }

    #[tokio::test]
    async fn the_level_is_the_max_and_safe_at_high_is_unsafe() {
        let fake = Fake::new(
            vec![("Walking", Ok(RiskLevel::High))],
            vec![Err(()), Err(())],
        );
        let r = guard_text(
            "Walking may help lower blood pressure.",
            Some(&fake),
            &strict(),
        )
        .await;
        assert_eq!(r.level, RiskLevel::High);
        assert_eq!(r.status, GuardStatus::Pending);
        assert!(r.note.unwrap().contains("rewrite 1 failed"));
        // The model cannot lower what the rules found.
        let fake = Fake::new(
            vec![],
            vec![Ok("Vitamin D may support mood; ask your doctor.")],
        );
        let r = guard_text("Take 5,000 IU of vitamin D daily.", Some(&fake), &strict()).await;
        assert_eq!(r.level, RiskLevel::High);
        assert_eq!(r.status, GuardStatus::AutoRewritten);
        assert_eq!(r.rewrite_attempts, 1);
        assert_eq!(
            r.final_text.as_deref(),
            Some("Vitamin D may support mood; ask your doctor. Not medical advice.")
        );
        // The parse ignores a "safe" flag.
        let review =
            parse_model_review(r#"{"safe": true, "risk_level": "high", "issues": ["x"]}"#).unwrap();
        assert_eq!(review.level, RiskLevel::High);
    }

    #[tokio::test]
    async fn rewrites_are_rechecked_and_the_best_is_proposed() {
        // Both rewrites stay risky by the rules: pending with the better one.
        let fake = Fake::new(
            vec![],
            vec![
                Ok("Take 10,000 IU of vitamin D every day."),
                Ok("Ashwagandha is a miracle herb."),
            ],
        );
        let r = guard_text("Take 5,000 IU of vitamin D daily.", Some(&fake), &strict()).await;
        assert_eq!(r.status, GuardStatus::Pending);
        assert_eq!(r.rewrite_attempts, 2);
        assert_eq!(
            r.proposed_rewrite.as_deref(),
            Some("Ashwagandha is a miracle herb.")
        );
        assert_eq!(r.proposed_level, Some(RiskLevel::Medium));
        // The critical rewrite was never sent for a model review; the medium one was.
        let calls = fake.calls.lock().unwrap().clone();
        assert!(!calls.contains(&"review:Take 10,000 IU of vitamin D every day.".to_string()));
        assert!(calls.contains(&"review:Ashwagandha is a miracle herb.".to_string()));
        // Non-strict: a model-reviewed medium rewrite passes.
        let fake = Fake::new(vec![], vec![Ok("Ashwagandha is a miracle herb.")]);
        let lax = GuardOptions {
            strict: false,
            ..strict()
        };
        let r = guard_text("Take 5,000 IU of vitamin D daily.", Some(&fake), &lax).await;
        assert_eq!(r.status, GuardStatus::AutoRewritten);
    }

    #[tokio::test]
    async fn model_errors_fail_closed() {
        let fake = Fake::new(vec![("Walking", Err(()))], vec![]);
        let r = guard_text(
            "Walking may help lower blood pressure.",
            Some(&fake),
            &strict(),
        )
        .await;
        assert_eq!(r.status, GuardStatus::Pending);
        assert!(r.issues.iter().any(|i| i.contains("model review failed")));
        assert!(r.final_text.is_none());
        // A model-critical verdict rejects.
        let fake = Fake::new(vec![("Walking", Ok(RiskLevel::Critical))], vec![]);
        let r = guard_text(
            "Walking may help lower blood pressure.",
            Some(&fake),
            &strict(),
        )
        .await;
        assert_eq!(r.status, GuardStatus::AutoRejected);
    }

    #[tokio::test]
    async fn threads_are_checked_part_by_part() {
        let parts: Vec<String> = [
            "Sleep is associated with better mood.",
            "Take 5,000 IU of vitamin D daily.",
            "Walking may help lower blood pressure.",
        ]
        .map(String::from)
        .to_vec();
        let d = DecisionGuard::run(&parts, None, &strict()).await;
        let statuses: Vec<_> = d.parts.iter().map(|p| p.status).collect();
        assert_eq!(
            statuses,
            [
                GuardStatus::AutoPassed,
                GuardStatus::Pending,
                GuardStatus::AutoPassed
            ]
        );
        // Only the last part carries the note.
        assert_eq!(d.parts[0].final_text.as_deref(), Some(parts[0].as_str()));
        assert!(
            d.parts[2]
                .final_text
                .as_deref()
                .unwrap()
                .ends_with("Not medical advice.")
        );
        assert_eq!(d.content_status(), "pending_review");
        let rows = d.review_rows("d1", Utc::now());
        assert_eq!(
            rows.iter().map(|r| r.part_index).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert_eq!(rows[1].decided_by, None);
        assert_eq!(rows[0].decided_by.as_deref(), Some(GUARD_NAME));
        // One critical part rejects the thread, its pending siblings with it.
        let mut bad = parts.clone();
        bad[0] = "Vitamin D cures depression.".into();
        let d = DecisionGuard::run(&bad, None, &strict()).await;
        assert_eq!(d.content_status(), "rejected");
        assert!(d.parts.iter().all(|p| p.status != GuardStatus::Pending));
        let e = d.rejection_event("d2", Utc::now()).unwrap();
        assert_eq!(e.event_type, "safety_rejected");
        assert!(e.message.contains("cure_claim"), "{}", e.message);
    }

    #[test]
    fn tolerant_review_parsing() {
        let r = parse_model_review(
            "Here you go:\n```json\n{\"risk_level\": \"Moderate\", \"issues\": [{\"description\": \"dose\"}, \"claim\"], \"suggestions\": \"soften it\", \"extra\": 1}\n```",
        )
        .unwrap();
        assert_eq!(r.level, RiskLevel::Medium);
        assert_eq!(r.issues, ["dose", "claim"]);
        assert_eq!(r.suggestions, ["soften it"]);
        assert!(parse_model_review("looks fine to me").is_err());
        assert!(parse_model_review(r#"{"issues": []}"#).is_err());
        assert!(parse_model_review(r#"{"risk_level": "purple"}"#).is_err());
        assert!(parse_model_review(r#"{"risk_level": 3}"#).is_err());
        assert_eq!(
            parse_model_review(r#"{"risk": "none"}"#).unwrap().level,
            RiskLevel::Low
        );
    }
}
