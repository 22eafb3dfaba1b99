//! The two orchestrators and the routing between them.
//!
//! - [`CoreContent`] (the core model, default gpt-4o-mini): generation, safety reviews,
//!   rewrites.
//! - [`ExpertInsight`] (the expert model, default gpt-4o): the expert review, high-value threads
//!   (deep_dive, framework and research threads whose slot weight is at least
//!   [`EXPERT_SLOT_WEIGHT`]) and replies to accounts with priority at least
//!   [`EXPERT_REPLY_PRIORITY`].
//!
//! Routing ([`Ai::route`]) asks for the expert only where the rules above say so, and then the
//! budget decides: the expert cap, the tier (T2/T3 use the core model unless triggered by a
//! person), T4 nothing at all. A downgrade is logged with its reason. Every call goes through
//! the [`Ledger`], so nothing is sent that the budget does not allow.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;

use super::client::{AiError, ChatMessage, ChatRequest};
use super::guard::flow::{ModelReview, SafetyModel, extract_json_object, parse_model_review};
use super::ledger::{BudgetState, CallMeta, Charged, Ledger};
use super::prompts::{self, Brief};
use crate::budget::tiers::{ModelRoute, RouteDecision, route_model_detailed};
use crate::config::AiConfig;
use crate::store::ops::content::{BestWorst, NewInsight};

/// `ai_usage.orchestrator` of the core orchestrator.
pub const CORE: &str = "CoreContent";
/// `ai_usage.orchestrator` of the expert orchestrator.
pub const EXPERT: &str = crate::store::ops::budget::EXPERT;
/// Slots whose threads may go to the expert.
pub const EXPERT_SLOTS: [&str; 3] = ["deep_dive", "framework", "research"];
/// The slot weight (active map, `content_slot`) from which such a thread goes to the expert.
pub const EXPERT_SLOT_WEIGHT: f64 = 0.5;
/// The account priority from which a reply goes to the expert.
pub const EXPERT_REPLY_PRIORITY: f64 = 0.8;

/// Feature areas recorded in `ai_usage`.
pub mod area {
    /// Posts, threads and replies.
    pub const CONTENT: &str = "content_generation";
    /// Safety reviews and rewrites.
    pub const SAFETY: &str = "safety";
    /// The expert review.
    pub const EXPERT: &str = "expert_analysis";
}

/// A generated draft.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    /// The texts: one for a single or a reply, the parts of a thread.
    pub parts: Vec<String>,
    /// The hook type the model says it used, when it is a known one.
    pub hook_type: Option<String>,
    /// The model that answered.
    pub model: String,
    /// What the call cost.
    pub cost_usd: f64,
}

/// The shared machinery of both orchestrators: one model, one ledger.
#[derive(Debug, Clone)]
struct Engine {
    ledger: Arc<Ledger>,
    model: String,
    max_tokens: u32,
    name: &'static str,
    job_run_id: Option<i64>,
}

impl Engine {
    async fn ask(
        &self,
        feature_area: &str,
        purpose: &str,
        system: &str,
        user: String,
        max_tokens: u32,
    ) -> Result<Charged, AiError> {
        let meta = CallMeta {
            feature_area: feature_area.into(),
            purpose: purpose.into(),
            orchestrator: self.name.into(),
            job_run_id: self.job_run_id,
        };
        let req = ChatRequest {
            model: self.model.clone(),
            messages: vec![ChatMessage::system(system), ChatMessage::user(user)],
            max_tokens: max_tokens.min(self.max_tokens).max(16),
            temperature: None,
            json: true,
        };
        self.ledger.chat(&meta, req).await
    }

    async fn generate(&self, brief: &Brief, purpose: &str) -> Result<Draft, AiError> {
        let charged = self
            .ask(
                area::CONTENT,
                purpose,
                prompts::GENERATION_SYSTEM,
                prompts::generation(brief),
                self.max_tokens,
            )
            .await?;
        let (parts, hook_type) = parse_draft(&charged.response.content, &brief.decision_type)
            .map_err(AiError::BadAnswer)?;
        Ok(Draft {
            parts,
            hook_type,
            model: charged.model,
            cost_usd: charged.cost_usd,
        })
    }

    async fn review_posts(&self, posts: &BestWorst) -> Result<ExpertReview, AiError> {
        let charged = self
            .ask(
                area::EXPERT,
                "expert_review",
                prompts::EXPERT_SYSTEM,
                prompts::expert_review(&posts.best, &posts.worst),
                self.max_tokens,
            )
            .await?;
        let insights = parse_expert_review(&charged.response.content, posts, &charged.model)
            .map_err(AiError::BadAnswer)?;
        Ok(ExpertReview {
            insights,
            cost_usd: charged.cost_usd,
            model: charged.model,
        })
    }
}

/// Reads a generation answer: `{"text": …}` or `{"parts": […]}` (a thread), plus an optional
/// known `hook_type`. A single post may also come back as plain text.
pub fn parse_draft(
    answer: &str,
    decision_type: &str,
) -> Result<(Vec<String>, Option<String>), String> {
    let obj = extract_json_object(answer);
    let hook_type = obj
        .as_ref()
        .and_then(|o| o.get("hook_type"))
        .and_then(Value::as_str)
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| crate::learning::vocab::is_hook_type(h));
    let parts: Vec<String> = match &obj {
        Some(o) => match (o.get("parts").or_else(|| o.get("thread")), o.get("text")) {
            (Some(Value::Array(items)), _) => items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.trim().to_string()),
                    Value::Object(p) => p
                        .get("text")
                        .and_then(Value::as_str)
                        .map(|s| s.trim().to_string()),
                    _ => None,
                })
                .filter(|s| !s.is_empty())
                .collect(),
            (_, Some(Value::String(t))) => vec![t.trim().to_string()],
            _ => Vec::new(),
        },
        None if decision_type != "thread" && !answer.trim().is_empty() => {
            vec![answer.trim().to_string()]
        }
        None => Vec::new(),
    };
    if parts.is_empty() {
        return Err("no text in the generated answer".into());
    }
    if decision_type == "thread" && parts.len() < 2 {
        return Err(format!(
            "a thread needs at least 2 parts, got {}",
            parts.len()
        ));
    }
    if decision_type != "thread" && parts.len() > 1 {
        return Ok((vec![parts.join(" ")], hook_type));
    }
    Ok((parts, hook_type))
}

/// The core orchestrator: generation, safety reviews, rewrites.
#[derive(Debug, Clone)]
pub struct CoreContent {
    engine: Engine,
}

impl CoreContent {
    /// The core orchestrator on `model`.
    pub fn new(ledger: Arc<Ledger>, model: &str, max_tokens: u32, job_run_id: Option<i64>) -> Self {
        CoreContent {
            engine: Engine {
                ledger,
                model: model.to_string(),
                max_tokens,
                name: CORE,
                job_run_id,
            },
        }
    }

    /// The model it uses.
    pub fn model(&self) -> &str {
        &self.engine.model
    }

    /// Generate a post, thread or reply.
    pub async fn generate(&self, brief: &Brief) -> Result<Draft, AiError> {
        self.engine.generate(brief, "plan").await
    }

    /// Ask for a shorter version of a text (the length gate).
    pub async fn shorten(&self, text: &str, max_chars: usize) -> Result<String, AiError> {
        let issues = [format!(
            "it is {} characters long; it must be at most {} characters",
            text.chars().count(),
            max_chars.saturating_sub(20)
        )];
        self.rewrite_for(text, &issues, area::CONTENT, "shorten")
            .await
    }

    async fn rewrite_for(
        &self,
        text: &str,
        issues: &[String],
        feature_area: &str,
        purpose: &str,
    ) -> Result<String, AiError> {
        let charged = self
            .engine
            .ask(
                feature_area,
                purpose,
                prompts::REWRITE_SYSTEM,
                prompts::rewrite(text, issues),
                400,
            )
            .await?;
        let answer = &charged.response.content;
        let text = match extract_json_object(answer) {
            Some(o) => o
                .get("text")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| AiError::BadAnswer("the rewrite has no \"text\"".into()))?,
            None => answer.trim().to_string(),
        };
        Ok(text.trim().to_string())
    }
}

#[async_trait]
impl SafetyModel for CoreContent {
    fn name(&self) -> String {
        self.engine.model.clone()
    }

    async fn review(&self, text: &str) -> Result<ModelReview, AiError> {
        let charged = self
            .engine
            .ask(
                area::SAFETY,
                "safety_review",
                prompts::REVIEW_SYSTEM,
                prompts::review(text),
                300,
            )
            .await?;
        parse_model_review(&charged.response.content).map_err(AiError::BadAnswer)
    }

    async fn rewrite(&self, text: &str, issues: &[String]) -> Result<String, AiError> {
        self.rewrite_for(text, issues, area::SAFETY, "rewrite")
            .await
    }
}

/// The expert orchestrator: the expert review, high-value threads, priority replies.
#[derive(Debug, Clone)]
pub struct ExpertInsight {
    engine: Engine,
}

/// The expert review's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpertReview {
    /// One insight per post (and a summary, when given).
    pub insights: Vec<NewInsight>,
    /// What the call cost.
    pub cost_usd: f64,
    /// The model that answered.
    pub model: String,
}

impl ExpertInsight {
    /// The expert orchestrator on `model`.
    pub fn new(ledger: Arc<Ledger>, model: &str, max_tokens: u32, job_run_id: Option<i64>) -> Self {
        ExpertInsight {
            engine: Engine {
                ledger,
                model: model.to_string(),
                max_tokens,
                name: EXPERT,
                job_run_id,
            },
        }
    }

    /// The model it uses.
    pub fn model(&self) -> &str {
        &self.engine.model
    }

    /// Generate a high-value thread or a priority reply.
    pub async fn generate(&self, brief: &Brief) -> Result<Draft, AiError> {
        self.engine.generate(brief, "plan").await
    }

    /// Review the best and worst posts of a window.
    pub async fn review_posts(&self, posts: &BestWorst) -> Result<ExpertReview, AiError> {
        self.engine.review_posts(posts).await
    }
}

/// Reads the expert's answer into insights. Unknown decision ids are dropped (a model must not
/// invent posts); the kind comes from which list the post is in.
pub fn parse_expert_review(
    answer: &str,
    posts: &BestWorst,
    model: &str,
) -> Result<Vec<NewInsight>, String> {
    let obj = extract_json_object(answer).ok_or("the expert review is not a JSON object")?;
    let items = obj
        .get("insights")
        .and_then(Value::as_array)
        .ok_or("the expert review has no \"insights\" list")?;
    let kind_of = |id: &str| {
        if posts.best.iter().any(|p| p.decision_id == id) {
            Some("best")
        } else if posts.worst.iter().any(|p| p.decision_id == id) {
            Some("worst")
        } else {
            None
        }
    };
    let mut out = Vec::new();
    for item in items {
        let Some(id) = item.get("decision_id").and_then(Value::as_str) else {
            continue;
        };
        let Some(kind) = kind_of(id.trim()) else {
            continue;
        };
        let Some(insight) = item
            .get("insight")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        let recs: Vec<String> = match item.get("recommendations") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            Some(Value::String(s)) => vec![s.trim().to_string()],
            _ => Vec::new(),
        };
        out.push(NewInsight {
            decision_id: Some(id.trim().to_string()),
            kind: kind.into(),
            model: Some(model.to_string()),
            insight: insight.to_string(),
            recommendations: Some(serde_json::json!(recs)),
        });
    }
    if let Some(summary) = obj
        .get("summary")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        out.push(NewInsight {
            decision_id: None,
            kind: "summary".into(),
            model: Some(model.to_string()),
            insight: summary.to_string(),
            recommendations: None,
        });
    }
    if out.is_empty() {
        return Err("the expert review has no usable insight".into());
    }
    Ok(out)
}

/// What a call is, for routing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteRequest {
    /// What the call is for: "expert_review", "generate".
    pub purpose: String,
    /// single, thread or reply (generation).
    pub decision_type: Option<String>,
    /// The content slot (generation).
    pub slot: Option<String>,
    /// The slot's weight in the active map; `None` when there is no map.
    pub slot_weight: Option<f64>,
    /// The replied-to account's priority (replies).
    pub reply_priority: Option<f64>,
    /// Triggered by a person (console or CLI), not the schedule.
    pub manual: bool,
}

/// Whether the spec's rules ask for the expert, and why.
pub fn wants_expert(req: &RouteRequest) -> Option<String> {
    if req.purpose == "expert_review" {
        return Some("the expert review".into());
    }
    match req.decision_type.as_deref() {
        Some("thread") => {
            let slot = req.slot.as_deref()?;
            let weight = req.slot_weight?;
            (EXPERT_SLOTS.contains(&slot) && weight >= EXPERT_SLOT_WEIGHT).then(|| {
                format!("a {slot} thread with slot weight {weight:.2} ≥ {EXPERT_SLOT_WEIGHT}")
            })
        }
        Some("reply") => {
            let p = req.reply_priority?;
            (p >= EXPERT_REPLY_PRIORITY).then(|| {
                format!("a reply to an account with priority {p:.2} ≥ {EXPERT_REPLY_PRIORITY}")
            })
        }
        _ => None,
    }
}

/// Route under the budget: the configured expert cap first (it may differ from the default),
/// then the tier rules of [`route_model_detailed`]. `Err` in T4.
pub fn route_under_budget(
    state: &BudgetState,
    wants_expert: bool,
    manual: bool,
    expert_cap: u32,
) -> Result<RouteDecision, String> {
    let capped = wants_expert && state.expert_calls >= expert_cap;
    // The cap was checked here against the configured value; the tier rules see zero calls
    // so the built-in default cap does not apply a second time.
    let mut d = route_model_detailed(state.tier, wants_expert && !capped, manual, 0)?;
    if capped {
        d.route = ModelRoute::Core;
        d.downgraded = Some(format!(
            "expert cap reached ({}/{expert_cap} today): using the core model",
            state.expert_calls
        ));
    }
    Ok(d)
}

/// The orchestrator a call was routed to.
#[derive(Debug, Clone)]
pub enum Orchestrator {
    /// The core model.
    Core(CoreContent),
    /// The expert model.
    Expert(ExpertInsight),
}

impl Orchestrator {
    /// CoreContent or ExpertInsight.
    pub fn name(&self) -> &'static str {
        match self {
            Orchestrator::Core(_) => CORE,
            Orchestrator::Expert(_) => EXPERT,
        }
    }

    /// The model it uses.
    pub fn model(&self) -> &str {
        match self {
            Orchestrator::Core(c) => c.model(),
            Orchestrator::Expert(e) => e.model(),
        }
    }

    /// Generate with whichever model was chosen.
    pub async fn generate(&self, brief: &Brief) -> Result<Draft, AiError> {
        match self {
            Orchestrator::Core(c) => c.generate(brief).await,
            Orchestrator::Expert(e) => e.generate(brief).await,
        }
    }

    /// The expert review with whichever model was chosen (the core model after a downgrade).
    pub async fn review_posts(&self, posts: &BestWorst) -> Result<ExpertReview, AiError> {
        match self {
            Orchestrator::Core(c) => c.engine.review_posts(posts).await,
            Orchestrator::Expert(e) => e.review_posts(posts).await,
        }
    }
}

/// A routing decision with the chosen orchestrator.
#[derive(Debug, Clone)]
pub struct Routed {
    /// Where the call goes.
    pub orchestrator: Orchestrator,
    /// Why the expert was wanted, if it was.
    pub expert_wanted: Option<String>,
    /// Why an expert request went to the core model, if it did.
    pub downgraded: Option<String>,
    /// The budget when routed.
    pub budget: BudgetState,
}

/// The AI layer for one job run: the ledger, both orchestrators and the routing.
#[derive(Debug, Clone)]
pub struct Ai {
    ledger: Arc<Ledger>,
    cfg: AiConfig,
    expert_cap: u32,
    job_run_id: Option<i64>,
}

impl Ai {
    /// The AI layer over `ledger` with the models of `cfg`.
    pub fn new(
        ledger: Arc<Ledger>,
        cfg: &AiConfig,
        expert_cap: u32,
        job_run_id: Option<i64>,
    ) -> Self {
        Ai {
            ledger,
            cfg: cfg.clone(),
            expert_cap,
            job_run_id,
        }
    }

    /// The ledger.
    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    /// Strict safety mode.
    pub fn strict(&self) -> bool {
        self.cfg.strict_safety
    }

    /// The core orchestrator.
    pub fn core(&self) -> CoreContent {
        CoreContent::new(
            self.ledger.clone(),
            &self.cfg.core_model,
            self.cfg.max_tokens,
            self.job_run_id,
        )
    }

    /// The expert orchestrator.
    pub fn expert(&self) -> ExpertInsight {
        ExpertInsight::new(
            self.ledger.clone(),
            &self.cfg.expert_model,
            self.cfg.max_tokens,
            self.job_run_id,
        )
    }

    /// Route a call (see the module comment). `Err(TierBlocked)` in T4.
    pub async fn route(&self, req: &RouteRequest) -> Result<Routed, AiError> {
        let budget = self.ledger.budget_state().await?;
        let expert_wanted = wants_expert(req);
        let d = route_under_budget(
            &budget,
            expert_wanted.is_some(),
            req.manual,
            self.expert_cap,
        )
        .map_err(AiError::TierBlocked)?;
        if let Some(why) = &d.downgraded {
            tracing::info!(purpose = %req.purpose, wanted = ?expert_wanted, reason = %why, "expert request routed to the core model");
        }
        let orchestrator = match d.route {
            ModelRoute::Expert => Orchestrator::Expert(self.expert()),
            ModelRoute::Core => Orchestrator::Core(self.core()),
        };
        Ok(Routed {
            orchestrator,
            expert_wanted,
            downgraded: d.downgraded,
            budget,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::tiers::Tier;
    use chrono::Utc;

    fn state(tier: Tier, expert_calls: u32) -> BudgetState {
        BudgetState {
            tier,
            spent_usd: 0.0,
            limit_usd: 5.0,
            expert_calls,
            day_start: Utc::now(),
            day_end: Utc::now(),
        }
    }

    fn req(
        decision_type: &str,
        slot: &str,
        weight: Option<f64>,
        priority: Option<f64>,
    ) -> RouteRequest {
        RouteRequest {
            purpose: "generate".into(),
            decision_type: Some(decision_type.into()),
            slot: Some(slot.into()),
            slot_weight: weight,
            reply_priority: priority,
            manual: false,
        }
    }

    #[test]
    fn who_wants_the_expert() {
        assert!(wants_expert(&req("thread", "deep_dive", Some(0.5), None)).is_some());
        assert!(wants_expert(&req("thread", "research", Some(0.9), None)).is_some());
        assert!(wants_expert(&req("thread", "deep_dive", Some(0.49), None)).is_none());
        assert!(
            wants_expert(&req("thread", "deep_dive", None, None)).is_none(),
            "no map, no expert"
        );
        assert!(wants_expert(&req("thread", "story", Some(0.9), None)).is_none());
        assert!(wants_expert(&req("single", "deep_dive", Some(0.9), None)).is_none());
        assert!(wants_expert(&req("reply", "news", None, Some(0.8))).is_some());
        assert!(wants_expert(&req("reply", "news", None, Some(0.79))).is_none());
        let mut r = req("single", "news", None, None);
        r.purpose = "expert_review".into();
        assert!(wants_expert(&r).is_some());
    }

    #[test]
    fn routing_obeys_tier_and_cap() {
        let d = route_under_budget(&state(Tier::T1, 0), true, false, 20).unwrap();
        assert_eq!((d.route, d.downgraded), (ModelRoute::Expert, None));
        let d = route_under_budget(&state(Tier::T1, 20), true, true, 20).unwrap();
        assert_eq!(d.route, ModelRoute::Core);
        assert!(d.downgraded.unwrap().contains("20/20"));
        // A configured cap above the default still allows calls past 20.
        let d = route_under_budget(&state(Tier::T1, 25), true, false, 30).unwrap();
        assert_eq!(d.route, ModelRoute::Expert);
        let d = route_under_budget(&state(Tier::T2, 0), true, false, 20).unwrap();
        assert_eq!(d.route, ModelRoute::Core);
        assert!(d.downgraded.is_some());
        let d = route_under_budget(&state(Tier::T2, 0), true, true, 20).unwrap();
        assert_eq!(d.route, ModelRoute::Expert);
        assert!(route_under_budget(&state(Tier::T4, 0), false, true, 20).is_err());
        let d = route_under_budget(&state(Tier::T3, 0), false, false, 20).unwrap();
        assert_eq!((d.route, d.downgraded), (ModelRoute::Core, None));
    }

    #[test]
    fn drafts_parse_tolerantly() {
        let (p, h) = parse_draft(
            r#"{"text": " Hi there ", "hook_type": "Question"}"#,
            "single",
        )
        .unwrap();
        assert_eq!(p, ["Hi there"]);
        assert_eq!(h.as_deref(), Some("question"));
        let (p, h) = parse_draft(
            "```json\n{\"parts\": [\"a\", {\"text\": \"b\"}], \"hook_type\": \"bogus\"}\n```",
            "thread",
        )
        .unwrap();
        assert_eq!(p, ["a", "b"]);
        assert_eq!(h, None);
        assert_eq!(
            parse_draft("Plain words.", "single").unwrap().0,
            ["Plain words."]
        );
        assert!(parse_draft("Plain words.", "thread").is_err());
        assert!(parse_draft(r#"{"parts": ["only one"]}"#, "thread").is_err());
        assert!(parse_draft(r#"{"nothing": 1}"#, "single").is_err());
    }

    #[test]
    fn expert_answers_keep_only_known_posts() {
        use crate::store::ops::content::PostPerformance;
        let post = |id: &str| PostPerformance {
            decision_id: id.into(),
            decision_type: None,
            generator_name: None,
            content_slot: None,
            topic: None,
            tone: None,
            angle: None,
            hook_type: None,
            content: None,
            posted_at: Utc::now(),
            score: Some(0.5),
            impressions: None,
            likes: None,
            engagement_rate: None,
            followers_gained_weighted: None,
        };
        let posts = BestWorst {
            best: vec![post("a")],
            worst: vec![post("b")],
        };
        let out = parse_expert_review(
            r#"{"insights": [{"decision_id": "a", "kind": "worst", "insight": "Great hook.", "recommendations": ["more"]},
                             {"decision_id": "zzz", "insight": "invented"},
                             {"decision_id": "b", "insight": "Weak."}], "summary": "Mixed day."}"#,
            &posts,
            "gpt-4o",
        )
        .unwrap();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].kind, "best", "the kind comes from the list");
        assert_eq!(out[1].kind, "worst");
        assert_eq!(out[2].kind, "summary");
        assert!(parse_expert_review("{}", &posts, "m").is_err());
        assert!(
            parse_expert_review(
                r#"{"insights": [{"decision_id": "zzz", "insight": "x"}]}"#,
                &posts,
                "m"
            )
            .is_err()
        );
    }
}
