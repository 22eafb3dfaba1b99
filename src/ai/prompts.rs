//! Prompt texts, in one place so they can be read and reviewed together. Every prompt asks for
//! a JSON object, because the answers are parsed (tolerantly) by code.

use crate::store::ops::content::PostPerformance;

/// What a piece of content should be.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Brief {
    /// single, thread or reply.
    pub decision_type: String,
    /// The content slot.
    pub slot: String,
    /// The generator persona.
    pub generator: String,
    /// The angle.
    pub angle: String,
    /// The tone.
    pub tone: String,
    /// The topic.
    pub topic: String,
    /// For replies: the account and tweet replied to.
    pub reply_to: Option<(String, String)>,
}

/// The system prompt for content generation.
pub const GENERATION_SYSTEM: &str = "You write posts for X (Twitter) for a health-education \
account. Be accurate and evidence-aware: hedge claims the evidence does not settle, never \
promise cures or outcomes, never give doses or tell anyone to start, stop or change a treatment, \
and never contradict medical consensus. Plain language, no hashtags, at most one emoji. \
Answer with a JSON object only.";

/// The user prompt for one piece of content.
pub fn generation(brief: &Brief) -> String {
    let format = match brief.decision_type.as_str() {
        "thread" => "a thread of 3 to 5 parts, each at most 260 characters. \
                     Answer {\"parts\": [\"…\", \"…\"], \"hook_type\": \"…\"}"
            .to_string(),
        "reply" => {
            let (account, tweet) = brief.reply_to.clone().unwrap_or_default();
            format!(
                "a reply of at most 240 characters to @{account}, who wrote: \"{tweet}\". \
                 Answer {{\"text\": \"…\", \"hook_type\": \"…\"}}"
            )
        }
        _ => "a single post of at most 260 characters. \
              Answer {\"text\": \"…\", \"hook_type\": \"…\"}"
            .to_string(),
    };
    format!(
        "Write {format}\n\
         Topic: {}\nContent slot: {}\nVoice (generator persona): {}\nAngle: {}\nTone: {}\n\
         hook_type is one of question, statistic, contrarian, framework, practical, story, reveal, none.",
        brief.topic.replace('_', " "),
        brief.slot.replace('_', " "),
        brief.generator,
        brief.angle.replace('_', " "),
        brief.tone,
    )
}

/// The system prompt for the model's safety review.
pub const REVIEW_SYSTEM: &str = "You are a medical-safety reviewer for a health account on X. \
Judge the post below for: absolute or cure claims, dosage instructions, prescriptive medical \
advice (starting, stopping or replacing treatment, skipping care), promised outcomes, and \
contradiction of medical consensus. Levels: low (fine to post), medium (worth softening), \
high (must be rewritten or reviewed), critical (must never be posted). Answer with a JSON object \
only: {\"risk_level\": \"low|medium|high|critical\", \"issues\": [\"…\"], \"suggestions\": [\"…\"]}.";

/// The user prompt for a safety review.
pub fn review(text: &str) -> String {
    format!("Post to review:\n<<<\n{text}\n>>>")
}

/// The system prompt for a safety rewrite.
pub const REWRITE_SYSTEM: &str = "You rewrite posts for a health account on X so that they are \
safe: hedge, remove doses, cures, guarantees and instructions to change treatment, point to a \
professional where it helps. Keep the point and the voice, at most 260 characters. Answer with a \
JSON object only: {\"text\": \"…\"}.";

/// The user prompt for a rewrite.
pub fn rewrite(text: &str, issues: &[String]) -> String {
    let list = if issues.is_empty() {
        "- (make it safer and clearer)".to_string()
    } else {
        issues
            .iter()
            .map(|i| format!("- {i}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!("Post:\n<<<\n{text}\n>>>\nProblems to fix:\n{list}")
}

/// The system prompt for the expert review.
pub const EXPERT_SYSTEM: &str = "You are a senior editor reviewing yesterday's best and worst \
posts of a health-education account on X. For each post say in two or three sentences why it \
worked or did not, and give concrete recommendations. Answer with a JSON object only: \
{\"insights\": [{\"decision_id\": \"…\", \"kind\": \"best|worst\", \"insight\": \"…\", \
\"recommendations\": [\"…\"]}], \"summary\": \"…\"}.";

fn describe(kind: &str, p: &PostPerformance) -> String {
    let num = |v: Option<f64>, digits: usize| {
        v.map_or_else(|| "n/a".to_string(), |x| format!("{x:.digits$}"))
    };
    format!(
        "- decision_id: {}\n  kind: {kind}\n  score: {}\n  type: {}, slot: {}, generator: {}, \
         topic: {}, tone: {}, angle: {}, hook: {}\n  impressions: {}, likes: {}, engagement rate: {}, \
         followers gained (weighted): {}\n  text: {}",
        p.decision_id,
        num(p.score, 3),
        p.decision_type.as_deref().unwrap_or("?"),
        p.content_slot.as_deref().unwrap_or("?"),
        p.generator_name.as_deref().unwrap_or("?"),
        p.topic.as_deref().unwrap_or("?"),
        p.tone.as_deref().unwrap_or("?"),
        p.angle.as_deref().unwrap_or("?"),
        p.hook_type.as_deref().unwrap_or("?"),
        p.impressions.map_or("n/a".into(), |v| v.to_string()),
        p.likes.map_or("n/a".into(), |v| v.to_string()),
        num(p.engagement_rate, 4),
        num(p.followers_gained_weighted, 1),
        p.content.as_deref().unwrap_or("(text not stored)"),
    )
}

/// The user prompt for the expert review of a day's best and worst posts.
pub fn expert_review(best: &[PostPerformance], worst: &[PostPerformance]) -> String {
    let mut out = String::from("Posts of the last day:\n");
    for p in best {
        out.push_str(&describe("best", p));
        out.push('\n');
    }
    for p in worst {
        out.push_str(&describe("worst", p));
        out.push('\n');
    }
    out
}
