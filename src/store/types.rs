//! Row types: what the store reads and writes. Plain data, decodable from both backends.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One decision (a post, thread or reply) as written to `content_metadata`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentRow {
    pub decision_id: String,
    pub decision_type: String,
    pub status: String,
    pub content: Option<String>,
    pub thread_parts: Option<Vec<String>>,
    pub raw_topic: Option<String>,
    pub angle: Option<String>,
    pub tone: Option<String>,
    pub generator_name: Option<String>,
    pub content_slot: Option<String>,
    pub hook_type: Option<String>,
    pub cta_type: Option<String>,
    pub target_username: Option<String>,
    pub target_tweet_id: Option<String>,
    pub tweet_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub posted_at: Option<DateTime<Utc>>,
}

/// Measured performance of one decision (`outcomes`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeRow {
    pub decision_id: String,
    pub tweet_id: Option<String>,
    pub impressions: Option<i64>,
    pub views: Option<i64>,
    pub likes: Option<i64>,
    pub retweets: Option<i64>,
    pub replies: Option<i64>,
    pub bookmarks: Option<i64>,
    pub engagement_rate: Option<f64>,
    pub followers_before: Option<i64>,
    pub followers_after: Option<i64>,
    pub followers_gained: Option<i64>,
    pub followers_gained_weighted: Option<f64>,
    pub attribution_confidence: Option<f64>,
    pub primary_objective_score: Option<f64>,
    pub score_version: Option<i64>,
    pub hook_type: Option<String>,
    pub cta_type: Option<String>,
    pub structure_type: Option<String>,
    pub simulated: bool,
    pub collected_at: Option<DateTime<Utc>>,
    pub scored_at: Option<DateTime<Utc>>,
}

/// A follower count taken some hours after a post (`post_follower_tracking`).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SnapshotRow {
    pub decision_id: String,
    pub hours_after_post: i64,
    pub follower_count: Option<i64>,
    pub collected_at: DateTime<Utc>,
}

/// An account xBOT may reply to (`discovered_accounts`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountRow {
    pub username: String,
    pub display_name: Option<String>,
    pub follower_count: Option<i64>,
    pub priority_score: f64,
    pub priority_band: Option<String>,
    pub reply_performance_score: Option<f64>,
    pub last_successful_reply_at: Option<DateTime<Utc>>,
    pub replies_30d: i64,
    pub operator_override: String,
    pub discovered_at: DateTime<Utc>,
}

/// A candidate tweet to reply to (`reply_opportunities`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpportunityRow {
    pub account_username: String,
    pub tweet_id: String,
    pub tweet_text: Option<String>,
    pub likes: Option<i64>,
    pub posted_at: Option<DateTime<Utc>>,
    pub relevance: Option<f64>,
    pub rank_score: Option<f64>,
    pub status: String,
    pub discovered_at: DateTime<Utc>,
}

/// An item of the moderation queue as written (`safety_reviews`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SafetyReviewRow {
    pub decision_id: String,
    pub part_index: i64,
    pub original_text: String,
    pub proposed_rewrite: Option<String>,
    pub risk_level: String,
    pub issues: serde_json::Value,
    pub rule_hits: serde_json::Value,
    pub status: String,
    pub rewrite_attempts: i64,
    pub reviewer: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub final_text: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A stored weight map version (`learning_model_weights`), as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightMapRow {
    pub version: String,
    pub weights: serde_json::Value,
    pub stats: serde_json::Value,
    pub params: serde_json::Value,
    pub computed_at: DateTime<Utc>,
    pub date_range_start: Option<DateTime<Utc>>,
    pub date_range_end: Option<DateTime<Utc>>,
    pub sample_size: i64,
    pub is_active: bool,
    pub job_run_id: Option<i64>,
}

/// A finished job run for the history (`job_runs`), as written by the demo dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRunRow {
    pub job: String,
    pub status: String,
    pub trigger: String,
    pub owner: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub stats: Option<serde_json::Value>,
}

/// An incident as written by the demo dataset (`incidents`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRow {
    pub kind: String,
    pub subject: String,
    pub state: String,
    pub severity: String,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub last_seen_at: DateTime<Utc>,
    pub count: i64,
    pub details: Option<String>,
}

/// A row of xbot's `events` (its own event log; xBOT's `system_events` is xBOT's).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    pub event_type: String,
    pub severity: String,
    pub component: String,
    pub message: String,
    pub metadata: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

/// An AI call (`ai_usage`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AiUsageRow {
    pub at: DateTime<Utc>,
    pub model: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub total_tokens: i64,
    pub cost_usd: f64,
    pub feature_area: String,
    pub purpose: Option<String>,
    pub orchestrator: Option<String>,
    pub job_run_id: Option<i64>,
    pub state: String,
}

/// An operator action (`operator_audit`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRow {
    pub action_id: String,
    pub subject: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub outcome: String,
    pub operator: String,
    pub os_user: String,
    pub ssh_client: Option<String>,
    pub host: String,
    pub app_version: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// A post-hoc expert review (`expert_insights`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InsightRow {
    pub created_at: DateTime<Utc>,
    pub decision_id: Option<String>,
    pub kind: String,
    pub model: Option<String>,
    pub insight: String,
    pub recommendations: Option<serde_json::Value>,
}

/// Rows to write together, in one transaction (the demo dataset is written in such batches).
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub content: Vec<ContentRow>,
    pub outcomes: Vec<OutcomeRow>,
    pub snapshots: Vec<SnapshotRow>,
    pub accounts: Vec<AccountRow>,
    pub opportunities: Vec<OpportunityRow>,
    pub reviews: Vec<SafetyReviewRow>,
    pub weight_maps: Vec<WeightMapRow>,
    pub job_runs: Vec<JobRunRow>,
    pub incidents: Vec<IncidentRow>,
    pub events: Vec<EventRow>,
    pub ai_usage: Vec<AiUsageRow>,
    pub audit: Vec<AuditRow>,
    pub insights: Vec<InsightRow>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total number of rows.
    pub fn len(&self) -> usize {
        self.content.len()
            + self.outcomes.len()
            + self.snapshots.len()
            + self.accounts.len()
            + self.opportunities.len()
            + self.reviews.len()
            + self.weight_maps.len()
            + self.job_runs.len()
            + self.incidents.len()
            + self.events.len()
            + self.ai_usage.len()
            + self.audit.len()
            + self.insights.len()
    }
}

/// The data-health summary of `xbot status` and the Outcomes tab.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataHealth {
    /// Posted decisions in the last 7 days (simulated outcomes excluded).
    pub posts_7d: i64,
    /// … of which have measured metrics.
    pub with_metrics_7d: i64,
    /// … of which carry a score of the current score version.
    pub with_v2_score_7d: i64,
    pub pending_reviews: i64,
    pub active_weight_map: Option<WeightMapSummary>,
    /// Spend of the current budget day (reservations included).
    pub spend_today_usd: f64,
    pub total_posts: i64,
}

/// One stored weight-map version, without its payload.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct WeightMapSummary {
    /// The row's id in xBOT's `learning_model_weights`, as text (bigint or UUID there).
    pub id: String,
    pub version: String,
    pub computed_at: DateTime<Utc>,
    pub date_range_start: Option<DateTime<Utc>>,
    pub date_range_end: Option<DateTime<Utc>>,
    pub sample_size: i64,
    pub is_active: bool,
    pub job_run_id: Option<i64>,
    /// Whose map it is: `xbot` (computed by xbot's job) or `xBOT` (xBOT's own job).
    pub made_by: String,
    /// Who last activated it through xbot, and when (xBOT's own activations are not recorded).
    pub activated_by: Option<String>,
    pub activated_at: Option<DateTime<Utc>>,
}

/// Row counts per table, for `xbot info` and demo checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableCount {
    pub table: String,
    pub rows: i64,
}

/// One row of `vw_learning`, every column: what a naive reader fetches, and what the Outcomes
/// tab shows.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct LearningViewRow {
    pub decision_id: String,
    pub decision_type: String,
    pub topic: Option<String>,
    pub angle: Option<String>,
    pub tone: Option<String>,
    pub generator_name: Option<String>,
    pub content_slot: Option<String>,
    pub hook_type: Option<String>,
    pub cta_type: Option<String>,
    pub structure_type: Option<String>,
    pub content: Option<String>,
    pub target_username: Option<String>,
    pub tweet_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub posted_at: Option<DateTime<Utc>>,
    pub impressions: Option<i64>,
    pub views: Option<i64>,
    pub likes: Option<i64>,
    pub retweets: Option<i64>,
    pub replies: Option<i64>,
    pub bookmarks: Option<i64>,
    pub engagement_rate: Option<f64>,
    pub followers_gained: Option<i64>,
    pub followers_gained_weighted: Option<f64>,
    pub primary_objective_score: Option<f64>,
    pub score_version: Option<i64>,
    pub collected_at: Option<DateTime<Utc>>,
}
