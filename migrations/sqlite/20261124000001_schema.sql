-- xbot schema for the embedded SQLite database.
-- Timestamps are UTC, stored as RFC 3339 text (sqlx's encoding), which sorts chronologically.
-- JSON columns are text.

CREATE TABLE IF NOT EXISTS content_metadata (
    decision_id     TEXT PRIMARY KEY NOT NULL,
    decision_type   TEXT NOT NULL DEFAULT 'single',
    status          TEXT NOT NULL DEFAULT 'planned',
    content         TEXT,
    thread_parts    TEXT,
    raw_topic       TEXT,
    angle           TEXT,
    tone            TEXT,
    generator_name  TEXT,
    content_slot    TEXT,
    hook_type       TEXT,
    cta_type        TEXT,
    target_username TEXT,
    target_tweet_id TEXT,
    tweet_id        TEXT,
    job_run_id      INTEGER,
    created_at      TEXT NOT NULL,
    posted_at       TEXT,
    updated_at      TEXT
);
CREATE INDEX IF NOT EXISTS content_metadata_posted_idx ON content_metadata (posted_at DESC, decision_id DESC) WHERE status = 'posted';
CREATE INDEX IF NOT EXISTS content_metadata_status_idx ON content_metadata (status, created_at);
CREATE INDEX IF NOT EXISTS content_metadata_tweet_idx ON content_metadata (tweet_id);
CREATE INDEX IF NOT EXISTS content_metadata_target_idx ON content_metadata (target_username, posted_at) WHERE decision_type = 'reply';
CREATE INDEX IF NOT EXISTS content_metadata_created_idx ON content_metadata (created_at);

CREATE TABLE IF NOT EXISTS post_follower_tracking (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id      TEXT NOT NULL,
    hours_after_post INTEGER NOT NULL,
    follower_count   INTEGER,
    collected_at     TEXT NOT NULL,
    UNIQUE (decision_id, hours_after_post)
);

CREATE TABLE IF NOT EXISTS outcomes (
    id                        INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id               TEXT NOT NULL UNIQUE,
    tweet_id                  TEXT,
    impressions               INTEGER,
    views                     INTEGER,
    likes                     INTEGER,
    retweets                  INTEGER,
    replies                   INTEGER,
    bookmarks                 INTEGER,
    engagement_rate           REAL,
    followers_before          INTEGER,
    followers_after           INTEGER,
    followers_gained          INTEGER,
    followers_gained_weighted REAL,
    attribution_confidence    REAL,
    primary_objective_score   REAL,
    score_version             INTEGER,
    hook_type                 TEXT,
    cta_type                  TEXT,
    structure_type            TEXT,
    simulated                 INTEGER NOT NULL DEFAULT 0,
    collected_at              TEXT,
    scored_at                 TEXT
);
CREATE INDEX IF NOT EXISTS outcomes_score_version_idx ON outcomes (score_version);

CREATE TABLE IF NOT EXISTS tweet_metrics (
    tweet_id     TEXT PRIMARY KEY NOT NULL,
    impressions  INTEGER,
    likes        INTEGER,
    retweets     INTEGER,
    replies      INTEGER,
    bookmarks    INTEGER,
    collected_at TEXT
);

CREATE TABLE IF NOT EXISTS learning_posts (
    tweet_id         TEXT PRIMARY KEY NOT NULL,
    content          TEXT,
    impressions      INTEGER,
    likes            INTEGER,
    engagement_rate  REAL,
    followers_gained INTEGER,
    created_at       TEXT
);

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
  AND COALESCE(o.simulated, 0) = 0;

CREATE TABLE IF NOT EXISTS learning_model_weights (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    version          TEXT NOT NULL UNIQUE,
    weights          TEXT NOT NULL,
    stats            TEXT,
    params           TEXT,
    computed_at      TEXT NOT NULL,
    date_range_start TEXT,
    date_range_end   TEXT,
    sample_size      INTEGER NOT NULL DEFAULT 0,
    is_active        INTEGER NOT NULL DEFAULT 0,
    job_run_id       INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS learning_model_weights_one_active ON learning_model_weights (is_active) WHERE is_active = 1;

CREATE TABLE IF NOT EXISTS discovered_accounts (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    username                 TEXT NOT NULL UNIQUE,
    display_name             TEXT,
    follower_count           INTEGER,
    priority_score           REAL NOT NULL DEFAULT 0.5,
    priority_band            TEXT,
    reply_performance_score  REAL,
    last_successful_reply_at TEXT,
    replies_30d              INTEGER NOT NULL DEFAULT 0,
    operator_override        TEXT NOT NULL DEFAULT 'none',
    override_by              TEXT,
    override_at              TEXT,
    priority_updated_at      TEXT,
    discovered_at            TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS discovered_accounts_priority_idx ON discovered_accounts (priority_score DESC);

CREATE TABLE IF NOT EXISTS reply_opportunities (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    account_username TEXT NOT NULL,
    tweet_id         TEXT NOT NULL UNIQUE,
    tweet_text       TEXT,
    likes            INTEGER,
    posted_at        TEXT,
    relevance        REAL,
    rank_score       REAL,
    status           TEXT NOT NULL DEFAULT 'open',
    discovered_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reply_opportunities_status_idx ON reply_opportunities (status, rank_score DESC);

CREATE TABLE IF NOT EXISTS safety_reviews (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id      TEXT NOT NULL,
    part_index       INTEGER NOT NULL DEFAULT 0,
    original_text    TEXT NOT NULL,
    proposed_rewrite TEXT,
    risk_level       TEXT NOT NULL DEFAULT 'low',
    issues           TEXT,
    rule_hits        TEXT,
    status           TEXT NOT NULL DEFAULT 'pending',
    version          INTEGER NOT NULL DEFAULT 1,
    rewrite_attempts INTEGER NOT NULL DEFAULT 0,
    reviewer         TEXT,
    decided_by       TEXT,
    decided_at       TEXT,
    note             TEXT,
    final_text       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (decision_id, part_index)
);
CREATE INDEX IF NOT EXISTS safety_reviews_status_idx ON safety_reviews (status, created_at);

CREATE TABLE IF NOT EXISTS operator_audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id   TEXT NOT NULL UNIQUE,
    subject     TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    outcome     TEXT NOT NULL DEFAULT 'applied',
    operator    TEXT NOT NULL,
    os_user     TEXT NOT NULL,
    ssh_client  TEXT,
    host        TEXT NOT NULL,
    app_version TEXT NOT NULL,
    at          TEXT NOT NULL,
    note        TEXT
);
CREATE INDEX IF NOT EXISTS operator_audit_at_idx ON operator_audit (at DESC);
CREATE INDEX IF NOT EXISTS operator_audit_subject_idx ON operator_audit (subject, at);

CREATE TABLE IF NOT EXISTS ai_usage (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    at                TEXT NOT NULL,
    model             TEXT NOT NULL,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens      INTEGER NOT NULL DEFAULT 0,
    cost_usd          REAL NOT NULL DEFAULT 0,
    feature_area      TEXT NOT NULL,
    purpose           TEXT,
    orchestrator      TEXT,
    job_run_id        INTEGER,
    state             TEXT NOT NULL DEFAULT 'settled',
    settled_at        TEXT
);
CREATE INDEX IF NOT EXISTS ai_usage_at_idx ON ai_usage (at);

CREATE TABLE IF NOT EXISTS job_schedules (
    job                 TEXT PRIMARY KEY NOT NULL,
    interval_minutes    INTEGER NOT NULL,
    priority            TEXT NOT NULL,
    max_lag_minutes     INTEGER NOT NULL,
    max_runtime_seconds INTEGER NOT NULL,
    ai                  TEXT NOT NULL DEFAULT 'none',
    enabled             INTEGER NOT NULL DEFAULT 1,
    last_skip_reason    TEXT,
    last_skip_at        TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS job_runs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    job              TEXT NOT NULL,
    status           TEXT NOT NULL,
    trigger          TEXT NOT NULL,
    owner            TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    heartbeat_at     TEXT,
    lease_until      TEXT,
    finished_at      TEXT,
    error            TEXT,
    stats            TEXT,
    progress_done    INTEGER,
    progress_total   INTEGER,
    progress_phase   TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0
);
-- The lease: at most one running row per job.
CREATE UNIQUE INDEX IF NOT EXISTS job_runs_one_running ON job_runs (job) WHERE status = 'running';
CREATE INDEX IF NOT EXISTS job_runs_job_idx ON job_runs (job, started_at DESC);

CREATE TABLE IF NOT EXISTS system_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_type TEXT NOT NULL,
    severity   TEXT NOT NULL DEFAULT 'info',
    component  TEXT NOT NULL,
    message    TEXT NOT NULL,
    metadata   TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS system_events_created_idx ON system_events (created_at DESC);

CREATE TABLE IF NOT EXISTS incidents (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'open',
    severity     TEXT NOT NULL DEFAULT 'warning',
    opened_at    TEXT NOT NULL,
    resolved_at  TEXT,
    last_seen_at TEXT NOT NULL,
    count        INTEGER NOT NULL DEFAULT 1,
    details      TEXT
);
-- At most one open incident per (kind, subject).
CREATE UNIQUE INDEX IF NOT EXISTS incidents_one_open ON incidents (kind, subject) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS incidents_opened_idx ON incidents (opened_at DESC);

CREATE TABLE IF NOT EXISTS expert_insights (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at      TEXT NOT NULL,
    decision_id     TEXT,
    kind            TEXT NOT NULL,
    model           TEXT,
    insight         TEXT NOT NULL,
    recommendations TEXT,
    job_run_id      INTEGER
);
CREATE INDEX IF NOT EXISTS expert_insights_created_idx ON expert_insights (created_at DESC);
