-- xbot schema for Postgres (Supabase). Additive and idempotent: every statement can run
-- again, and on a database that already holds some of these tables (xBOT's own), missing
-- columns are added and nothing is dropped but the vw_learning view, which is rebuilt.

CREATE TABLE IF NOT EXISTS content_metadata (
    decision_id TEXT PRIMARY KEY,
    decision_type TEXT NOT NULL DEFAULT 'single',
    status TEXT NOT NULL DEFAULT 'planned',
    content TEXT,
    thread_parts JSONB,
    raw_topic TEXT,
    angle TEXT,
    tone TEXT,
    generator_name TEXT,
    content_slot TEXT,
    hook_type TEXT,
    cta_type TEXT,
    target_username TEXT,
    target_tweet_id TEXT,
    tweet_id TEXT,
    job_run_id BIGINT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    posted_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ
);
ALTER TABLE content_metadata
    ADD COLUMN IF NOT EXISTS decision_type TEXT NOT NULL DEFAULT 'single',
    ADD COLUMN IF NOT EXISTS status TEXT NOT NULL DEFAULT 'planned',
    ADD COLUMN IF NOT EXISTS content TEXT,
    ADD COLUMN IF NOT EXISTS thread_parts JSONB,
    ADD COLUMN IF NOT EXISTS raw_topic TEXT,
    ADD COLUMN IF NOT EXISTS angle TEXT,
    ADD COLUMN IF NOT EXISTS tone TEXT,
    ADD COLUMN IF NOT EXISTS generator_name TEXT,
    ADD COLUMN IF NOT EXISTS content_slot TEXT,
    ADD COLUMN IF NOT EXISTS hook_type TEXT,
    ADD COLUMN IF NOT EXISTS cta_type TEXT,
    ADD COLUMN IF NOT EXISTS target_username TEXT,
    ADD COLUMN IF NOT EXISTS target_tweet_id TEXT,
    ADD COLUMN IF NOT EXISTS tweet_id TEXT,
    ADD COLUMN IF NOT EXISTS job_run_id BIGINT,
    ADD COLUMN IF NOT EXISTS created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS posted_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ;

CREATE TABLE IF NOT EXISTS post_follower_tracking (
    id BIGSERIAL PRIMARY KEY,
    decision_id TEXT NOT NULL,
    hours_after_post BIGINT NOT NULL,
    follower_count BIGINT,
    collected_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE post_follower_tracking
    ADD COLUMN IF NOT EXISTS decision_id TEXT,
    ADD COLUMN IF NOT EXISTS hours_after_post BIGINT,
    ADD COLUMN IF NOT EXISTS follower_count BIGINT,
    ADD COLUMN IF NOT EXISTS collected_at TIMESTAMPTZ NOT NULL DEFAULT now();

CREATE TABLE IF NOT EXISTS outcomes (
    id BIGSERIAL PRIMARY KEY,
    decision_id TEXT NOT NULL,
    tweet_id TEXT,
    impressions BIGINT,
    views BIGINT,
    likes BIGINT,
    retweets BIGINT,
    replies BIGINT,
    bookmarks BIGINT,
    engagement_rate DOUBLE PRECISION,
    followers_before BIGINT,
    followers_after BIGINT,
    followers_gained BIGINT,
    followers_gained_weighted DOUBLE PRECISION,
    attribution_confidence DOUBLE PRECISION,
    primary_objective_score DOUBLE PRECISION,
    score_version BIGINT,
    hook_type TEXT,
    cta_type TEXT,
    structure_type TEXT,
    simulated BOOLEAN NOT NULL DEFAULT false,
    collected_at TIMESTAMPTZ,
    scored_at TIMESTAMPTZ
);
ALTER TABLE outcomes
    ADD COLUMN IF NOT EXISTS decision_id TEXT,
    ADD COLUMN IF NOT EXISTS tweet_id TEXT,
    ADD COLUMN IF NOT EXISTS impressions BIGINT,
    ADD COLUMN IF NOT EXISTS views BIGINT,
    ADD COLUMN IF NOT EXISTS likes BIGINT,
    ADD COLUMN IF NOT EXISTS retweets BIGINT,
    ADD COLUMN IF NOT EXISTS replies BIGINT,
    ADD COLUMN IF NOT EXISTS bookmarks BIGINT,
    ADD COLUMN IF NOT EXISTS engagement_rate DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS followers_before BIGINT,
    ADD COLUMN IF NOT EXISTS followers_after BIGINT,
    ADD COLUMN IF NOT EXISTS followers_gained BIGINT,
    ADD COLUMN IF NOT EXISTS followers_gained_weighted DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS attribution_confidence DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS primary_objective_score DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS score_version BIGINT,
    ADD COLUMN IF NOT EXISTS hook_type TEXT,
    ADD COLUMN IF NOT EXISTS cta_type TEXT,
    ADD COLUMN IF NOT EXISTS structure_type TEXT,
    ADD COLUMN IF NOT EXISTS simulated BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS collected_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS scored_at TIMESTAMPTZ;

CREATE TABLE IF NOT EXISTS tweet_metrics (
    tweet_id TEXT PRIMARY KEY,
    impressions BIGINT,
    likes BIGINT,
    retweets BIGINT,
    replies BIGINT,
    bookmarks BIGINT,
    collected_at TIMESTAMPTZ
);
ALTER TABLE tweet_metrics
    ADD COLUMN IF NOT EXISTS impressions BIGINT,
    ADD COLUMN IF NOT EXISTS likes BIGINT,
    ADD COLUMN IF NOT EXISTS retweets BIGINT,
    ADD COLUMN IF NOT EXISTS replies BIGINT,
    ADD COLUMN IF NOT EXISTS bookmarks BIGINT,
    ADD COLUMN IF NOT EXISTS collected_at TIMESTAMPTZ;

CREATE TABLE IF NOT EXISTS learning_posts (
    tweet_id TEXT PRIMARY KEY,
    content TEXT,
    impressions BIGINT,
    likes BIGINT,
    engagement_rate DOUBLE PRECISION,
    followers_gained BIGINT,
    created_at TIMESTAMPTZ
);
ALTER TABLE learning_posts
    ADD COLUMN IF NOT EXISTS content TEXT,
    ADD COLUMN IF NOT EXISTS impressions BIGINT,
    ADD COLUMN IF NOT EXISTS likes BIGINT,
    ADD COLUMN IF NOT EXISTS engagement_rate DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS followers_gained BIGINT,
    ADD COLUMN IF NOT EXISTS created_at TIMESTAMPTZ;

CREATE TABLE IF NOT EXISTS learning_model_weights (
    id BIGSERIAL PRIMARY KEY,
    version TEXT NOT NULL,
    weights JSONB NOT NULL DEFAULT '{}'::jsonb,
    stats JSONB,
    params JSONB,
    computed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    date_range_start TIMESTAMPTZ,
    date_range_end TIMESTAMPTZ,
    sample_size BIGINT NOT NULL DEFAULT 0,
    is_active BOOLEAN NOT NULL DEFAULT false,
    job_run_id BIGINT
);
ALTER TABLE learning_model_weights
    ADD COLUMN IF NOT EXISTS version TEXT,
    ADD COLUMN IF NOT EXISTS weights JSONB NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN IF NOT EXISTS stats JSONB,
    ADD COLUMN IF NOT EXISTS params JSONB,
    ADD COLUMN IF NOT EXISTS computed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS date_range_start TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS date_range_end TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS sample_size BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS is_active BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS job_run_id BIGINT;

CREATE TABLE IF NOT EXISTS discovered_accounts (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT,
    follower_count BIGINT,
    priority_score DOUBLE PRECISION NOT NULL DEFAULT 0.5,
    priority_band TEXT,
    reply_performance_score DOUBLE PRECISION,
    last_successful_reply_at TIMESTAMPTZ,
    replies_30d BIGINT NOT NULL DEFAULT 0,
    operator_override TEXT NOT NULL DEFAULT 'none',
    override_by TEXT,
    override_at TIMESTAMPTZ,
    priority_updated_at TIMESTAMPTZ,
    discovered_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE discovered_accounts
    ADD COLUMN IF NOT EXISTS username TEXT,
    ADD COLUMN IF NOT EXISTS display_name TEXT,
    ADD COLUMN IF NOT EXISTS follower_count BIGINT,
    ADD COLUMN IF NOT EXISTS priority_score DOUBLE PRECISION NOT NULL DEFAULT 0.5,
    ADD COLUMN IF NOT EXISTS priority_band TEXT,
    ADD COLUMN IF NOT EXISTS reply_performance_score DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS last_successful_reply_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS replies_30d BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS operator_override TEXT NOT NULL DEFAULT 'none',
    ADD COLUMN IF NOT EXISTS override_by TEXT,
    ADD COLUMN IF NOT EXISTS override_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS priority_updated_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS discovered_at TIMESTAMPTZ NOT NULL DEFAULT now();

CREATE TABLE IF NOT EXISTS reply_opportunities (
    id BIGSERIAL PRIMARY KEY,
    account_username TEXT NOT NULL,
    tweet_id TEXT NOT NULL,
    tweet_text TEXT,
    likes BIGINT,
    posted_at TIMESTAMPTZ,
    relevance DOUBLE PRECISION,
    rank_score DOUBLE PRECISION,
    status TEXT NOT NULL DEFAULT 'open',
    discovered_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE reply_opportunities
    ADD COLUMN IF NOT EXISTS account_username TEXT,
    ADD COLUMN IF NOT EXISTS tweet_id TEXT,
    ADD COLUMN IF NOT EXISTS tweet_text TEXT,
    ADD COLUMN IF NOT EXISTS likes BIGINT,
    ADD COLUMN IF NOT EXISTS posted_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS relevance DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS rank_score DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS status TEXT NOT NULL DEFAULT 'open',
    ADD COLUMN IF NOT EXISTS discovered_at TIMESTAMPTZ NOT NULL DEFAULT now();

CREATE TABLE IF NOT EXISTS safety_reviews (
    id BIGSERIAL PRIMARY KEY,
    decision_id TEXT NOT NULL,
    part_index BIGINT NOT NULL DEFAULT 0,
    original_text TEXT NOT NULL,
    proposed_rewrite TEXT,
    risk_level TEXT NOT NULL DEFAULT 'low',
    issues JSONB,
    rule_hits JSONB,
    status TEXT NOT NULL DEFAULT 'pending',
    version BIGINT NOT NULL DEFAULT 1,
    rewrite_attempts BIGINT NOT NULL DEFAULT 0,
    reviewer TEXT,
    decided_by TEXT,
    decided_at TIMESTAMPTZ,
    note TEXT,
    final_text TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE safety_reviews
    ADD COLUMN IF NOT EXISTS decision_id TEXT,
    ADD COLUMN IF NOT EXISTS part_index BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS original_text TEXT,
    ADD COLUMN IF NOT EXISTS proposed_rewrite TEXT,
    ADD COLUMN IF NOT EXISTS risk_level TEXT NOT NULL DEFAULT 'low',
    ADD COLUMN IF NOT EXISTS issues JSONB,
    ADD COLUMN IF NOT EXISTS rule_hits JSONB,
    ADD COLUMN IF NOT EXISTS status TEXT NOT NULL DEFAULT 'pending',
    ADD COLUMN IF NOT EXISTS version BIGINT NOT NULL DEFAULT 1,
    ADD COLUMN IF NOT EXISTS rewrite_attempts BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS reviewer TEXT,
    ADD COLUMN IF NOT EXISTS decided_by TEXT,
    ADD COLUMN IF NOT EXISTS decided_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS note TEXT,
    ADD COLUMN IF NOT EXISTS final_text TEXT,
    ADD COLUMN IF NOT EXISTS created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ NOT NULL DEFAULT now();

CREATE TABLE IF NOT EXISTS operator_audit (
    id BIGSERIAL PRIMARY KEY,
    action_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    outcome TEXT NOT NULL DEFAULT 'applied',
    operator TEXT NOT NULL,
    os_user TEXT NOT NULL,
    ssh_client TEXT,
    host TEXT NOT NULL,
    app_version TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    note TEXT
);
ALTER TABLE operator_audit
    ADD COLUMN IF NOT EXISTS action_id TEXT,
    ADD COLUMN IF NOT EXISTS subject TEXT,
    ADD COLUMN IF NOT EXISTS action TEXT,
    ADD COLUMN IF NOT EXISTS from_state TEXT,
    ADD COLUMN IF NOT EXISTS to_state TEXT,
    ADD COLUMN IF NOT EXISTS outcome TEXT NOT NULL DEFAULT 'applied',
    ADD COLUMN IF NOT EXISTS operator TEXT,
    ADD COLUMN IF NOT EXISTS os_user TEXT,
    ADD COLUMN IF NOT EXISTS ssh_client TEXT,
    ADD COLUMN IF NOT EXISTS host TEXT,
    ADD COLUMN IF NOT EXISTS app_version TEXT,
    ADD COLUMN IF NOT EXISTS at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS note TEXT;

CREATE TABLE IF NOT EXISTS ai_usage (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    model TEXT NOT NULL,
    prompt_tokens BIGINT NOT NULL DEFAULT 0,
    completion_tokens BIGINT NOT NULL DEFAULT 0,
    total_tokens BIGINT NOT NULL DEFAULT 0,
    cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
    feature_area TEXT NOT NULL DEFAULT 'unknown',
    purpose TEXT,
    orchestrator TEXT,
    job_run_id BIGINT,
    state TEXT NOT NULL DEFAULT 'settled',
    settled_at TIMESTAMPTZ
);
ALTER TABLE ai_usage
    ADD COLUMN IF NOT EXISTS at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS model TEXT,
    ADD COLUMN IF NOT EXISTS prompt_tokens BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS completion_tokens BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS total_tokens BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS feature_area TEXT NOT NULL DEFAULT 'unknown',
    ADD COLUMN IF NOT EXISTS purpose TEXT,
    ADD COLUMN IF NOT EXISTS orchestrator TEXT,
    ADD COLUMN IF NOT EXISTS job_run_id BIGINT,
    ADD COLUMN IF NOT EXISTS state TEXT NOT NULL DEFAULT 'settled',
    ADD COLUMN IF NOT EXISTS settled_at TIMESTAMPTZ;

CREATE TABLE IF NOT EXISTS job_schedules (
    job TEXT PRIMARY KEY,
    interval_minutes BIGINT NOT NULL,
    priority TEXT NOT NULL,
    max_lag_minutes BIGINT NOT NULL,
    max_runtime_seconds BIGINT NOT NULL,
    ai TEXT NOT NULL DEFAULT 'none',
    enabled BOOLEAN NOT NULL DEFAULT true,
    last_skip_reason TEXT,
    last_skip_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE job_schedules
    ADD COLUMN IF NOT EXISTS interval_minutes BIGINT,
    ADD COLUMN IF NOT EXISTS priority TEXT,
    ADD COLUMN IF NOT EXISTS max_lag_minutes BIGINT,
    ADD COLUMN IF NOT EXISTS max_runtime_seconds BIGINT,
    ADD COLUMN IF NOT EXISTS ai TEXT NOT NULL DEFAULT 'none',
    ADD COLUMN IF NOT EXISTS enabled BOOLEAN NOT NULL DEFAULT true,
    ADD COLUMN IF NOT EXISTS last_skip_reason TEXT,
    ADD COLUMN IF NOT EXISTS last_skip_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ NOT NULL DEFAULT now();

CREATE TABLE IF NOT EXISTS job_runs (
    id BIGSERIAL PRIMARY KEY,
    job TEXT NOT NULL,
    status TEXT NOT NULL,
    trigger TEXT NOT NULL,
    owner TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at TIMESTAMPTZ,
    lease_until TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    error TEXT,
    stats JSONB,
    progress_done BIGINT,
    progress_total BIGINT,
    progress_phase TEXT,
    cancel_requested BOOLEAN NOT NULL DEFAULT false
);
ALTER TABLE job_runs
    ADD COLUMN IF NOT EXISTS job TEXT,
    ADD COLUMN IF NOT EXISTS status TEXT,
    ADD COLUMN IF NOT EXISTS trigger TEXT,
    ADD COLUMN IF NOT EXISTS owner TEXT,
    ADD COLUMN IF NOT EXISTS started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS heartbeat_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS lease_until TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS finished_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS error TEXT,
    ADD COLUMN IF NOT EXISTS stats JSONB,
    ADD COLUMN IF NOT EXISTS progress_done BIGINT,
    ADD COLUMN IF NOT EXISTS progress_total BIGINT,
    ADD COLUMN IF NOT EXISTS progress_phase TEXT,
    ADD COLUMN IF NOT EXISTS cancel_requested BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE IF NOT EXISTS system_events (
    id BIGSERIAL PRIMARY KEY,
    event_type TEXT NOT NULL,
    severity TEXT NOT NULL DEFAULT 'info',
    component TEXT NOT NULL DEFAULT 'xbot',
    message TEXT NOT NULL DEFAULT '',
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE system_events
    ADD COLUMN IF NOT EXISTS event_type TEXT,
    ADD COLUMN IF NOT EXISTS severity TEXT NOT NULL DEFAULT 'info',
    ADD COLUMN IF NOT EXISTS component TEXT NOT NULL DEFAULT 'xbot',
    ADD COLUMN IF NOT EXISTS message TEXT NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS metadata JSONB,
    ADD COLUMN IF NOT EXISTS created_at TIMESTAMPTZ NOT NULL DEFAULT now();

CREATE TABLE IF NOT EXISTS incidents (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',
    severity TEXT NOT NULL DEFAULT 'warning',
    opened_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at TIMESTAMPTZ,
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    count BIGINT NOT NULL DEFAULT 1,
    details TEXT
);
ALTER TABLE incidents
    ADD COLUMN IF NOT EXISTS kind TEXT,
    ADD COLUMN IF NOT EXISTS subject TEXT,
    ADD COLUMN IF NOT EXISTS state TEXT NOT NULL DEFAULT 'open',
    ADD COLUMN IF NOT EXISTS severity TEXT NOT NULL DEFAULT 'warning',
    ADD COLUMN IF NOT EXISTS opened_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS resolved_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS count BIGINT NOT NULL DEFAULT 1,
    ADD COLUMN IF NOT EXISTS details TEXT;

CREATE TABLE IF NOT EXISTS expert_insights (
    id BIGSERIAL PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    decision_id TEXT,
    kind TEXT NOT NULL,
    model TEXT,
    insight TEXT NOT NULL,
    recommendations JSONB,
    job_run_id BIGINT
);
ALTER TABLE expert_insights
    ADD COLUMN IF NOT EXISTS created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS decision_id TEXT,
    ADD COLUMN IF NOT EXISTS kind TEXT,
    ADD COLUMN IF NOT EXISTS model TEXT,
    ADD COLUMN IF NOT EXISTS insight TEXT,
    ADD COLUMN IF NOT EXISTS recommendations JSONB,
    ADD COLUMN IF NOT EXISTS job_run_id BIGINT;

CREATE INDEX IF NOT EXISTS content_metadata_posted_idx ON content_metadata (posted_at DESC, decision_id DESC) WHERE status = 'posted';
CREATE INDEX IF NOT EXISTS content_metadata_status_idx ON content_metadata (status, created_at);
CREATE INDEX IF NOT EXISTS content_metadata_tweet_idx ON content_metadata (tweet_id);
CREATE INDEX IF NOT EXISTS content_metadata_target_idx ON content_metadata (target_username, posted_at) WHERE decision_type = 'reply';
CREATE INDEX IF NOT EXISTS content_metadata_created_idx ON content_metadata (created_at);
CREATE UNIQUE INDEX IF NOT EXISTS post_follower_tracking_decision_hours ON post_follower_tracking (decision_id, hours_after_post);
CREATE UNIQUE INDEX IF NOT EXISTS outcomes_decision_id_key ON outcomes (decision_id);
CREATE INDEX IF NOT EXISTS outcomes_score_version_idx ON outcomes (score_version);
CREATE UNIQUE INDEX IF NOT EXISTS learning_model_weights_version_key ON learning_model_weights (version);
CREATE UNIQUE INDEX IF NOT EXISTS learning_model_weights_one_active ON learning_model_weights (is_active) WHERE is_active;
CREATE UNIQUE INDEX IF NOT EXISTS discovered_accounts_username_key ON discovered_accounts (username);
CREATE INDEX IF NOT EXISTS discovered_accounts_priority_idx ON discovered_accounts (priority_score DESC);
CREATE UNIQUE INDEX IF NOT EXISTS reply_opportunities_tweet_key ON reply_opportunities (tweet_id);
CREATE INDEX IF NOT EXISTS reply_opportunities_status_idx ON reply_opportunities (status, rank_score DESC);
CREATE UNIQUE INDEX IF NOT EXISTS safety_reviews_decision_part ON safety_reviews (decision_id, part_index);
CREATE INDEX IF NOT EXISTS safety_reviews_status_idx ON safety_reviews (status, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS operator_audit_action_id_key ON operator_audit (action_id);
CREATE INDEX IF NOT EXISTS operator_audit_at_idx ON operator_audit (at DESC);
CREATE INDEX IF NOT EXISTS operator_audit_subject_idx ON operator_audit (subject, at);
CREATE INDEX IF NOT EXISTS ai_usage_at_idx ON ai_usage (at);
-- The lease: at most one running row per job.
CREATE UNIQUE INDEX IF NOT EXISTS job_runs_one_running ON job_runs (job) WHERE status = 'running';
CREATE INDEX IF NOT EXISTS job_runs_job_idx ON job_runs (job, started_at DESC);
CREATE INDEX IF NOT EXISTS system_events_created_idx ON system_events (created_at DESC);
-- At most one open incident per (kind, subject).
CREATE UNIQUE INDEX IF NOT EXISTS incidents_one_open ON incidents (kind, subject) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS incidents_opened_idx ON incidents (opened_at DESC);
CREATE INDEX IF NOT EXISTS expert_insights_created_idx ON expert_insights (created_at DESC);

-- One row per posted decision with its descriptors, timing and performance.
-- Simulated outcomes never reach the learning jobs.
DROP VIEW IF EXISTS vw_learning;
CREATE VIEW vw_learning AS
SELECT
    cm.decision_id,
    cm.decision_type,
    cm.raw_topic                                     AS topic,
    cm.angle,
    cm.tone,
    cm.generator_name,
    cm.content_slot,
    COALESCE(o.hook_type, cm.hook_type)              AS hook_type,
    COALESCE(o.cta_type, cm.cta_type)                AS cta_type,
    o.structure_type,
    cm.content,
    cm.target_username,
    cm.tweet_id,
    cm.created_at,
    cm.posted_at,
    COALESCE(o.impressions, tm.impressions, lp.impressions) AS impressions,
    o.views,
    COALESCE(o.likes, tm.likes, lp.likes)            AS likes,
    COALESCE(o.retweets, tm.retweets)                AS retweets,
    COALESCE(o.replies, tm.replies)                  AS replies,
    COALESCE(o.bookmarks, tm.bookmarks)              AS bookmarks,
    COALESCE(o.engagement_rate, lp.engagement_rate)  AS engagement_rate,
    o.followers_gained,
    o.followers_gained_weighted,
    o.primary_objective_score,
    o.score_version,
    o.collected_at
FROM content_metadata cm
LEFT JOIN outcomes o        ON o.decision_id = cm.decision_id
LEFT JOIN tweet_metrics tm  ON tm.tweet_id = cm.tweet_id
LEFT JOIN learning_posts lp ON lp.tweet_id = cm.tweet_id
WHERE cm.status = 'posted'
  AND cm.posted_at IS NOT NULL
  AND COALESCE(o.simulated, false) = false;
