-- xbot's own objects for the embedded SQLite database, beside xBOT's tables (created by
-- migrations/standalone/sqlite.sql in xBOT's layout). Timestamps are UTC RFC 3339 text
-- (sqlx's encoding), which sorts chronologically; JSON columns are text. No triggers:
-- learning_facts is brought up to date from xBOT's tables by the store (sync_facts).

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

CREATE TABLE IF NOT EXISTS ai_usage (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    at                TEXT NOT NULL,
    model             TEXT NOT NULL,
    -- `model` answered and was charged; `requested_model` is what the caller asked for.
    requested_model   TEXT,
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

CREATE TABLE IF NOT EXISTS events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_type TEXT NOT NULL,
    severity   TEXT NOT NULL DEFAULT 'info',
    component  TEXT NOT NULL,
    message    TEXT NOT NULL,
    metadata   TEXT,
    created_at TEXT NOT NULL
);

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

CREATE INDEX IF NOT EXISTS safety_reviews_status_idx ON safety_reviews (status, created_at);
CREATE INDEX IF NOT EXISTS operator_audit_at_idx ON operator_audit (at DESC);
CREATE INDEX IF NOT EXISTS operator_audit_subject_idx ON operator_audit (subject, at);
CREATE INDEX IF NOT EXISTS ai_usage_at_idx ON ai_usage (at);
CREATE UNIQUE INDEX IF NOT EXISTS job_runs_one_running ON job_runs (job) WHERE status = 'running';
CREATE INDEX IF NOT EXISTS job_runs_job_idx ON job_runs (job, started_at DESC);
CREATE INDEX IF NOT EXISTS events_created_idx ON events (created_at DESC);
CREATE UNIQUE INDEX IF NOT EXISTS incidents_one_open ON incidents (kind, subject) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS incidents_opened_idx ON incidents (opened_at DESC);
CREATE INDEX IF NOT EXISTS expert_insights_created_idx ON expert_insights (created_at DESC);

CREATE TABLE IF NOT EXISTS learning_facts (
    decision_id               TEXT PRIMARY KEY NOT NULL,
    decision_type             TEXT,
    topic                     TEXT,
    angle                     TEXT,
    tone                      TEXT,
    generator_name            TEXT,
    content_slot              TEXT,
    hook_type                 TEXT,
    cta_type                  TEXT,
    content_preview           TEXT,
    target_username           TEXT,
    posted_at                 TEXT NOT NULL,
    posted_epoch              REAL NOT NULL,
    impressions               INTEGER,
    views                     INTEGER,
    likes                     INTEGER,
    retweets                  INTEGER,
    replies                   INTEGER,
    engagement_rate           REAL,
    followers_gained_weighted REAL,
    score                     REAL,
    score_version             INTEGER
);
CREATE INDEX IF NOT EXISTS learning_facts_posted_idx ON learning_facts (posted_epoch DESC, decision_id DESC);
CREATE INDEX IF NOT EXISTS learning_facts_score_idx ON learning_facts (score DESC, decision_id DESC);
CREATE INDEX IF NOT EXISTS learning_facts_generator_idx ON learning_facts (generator_name, posted_epoch DESC, score);
CREATE INDEX IF NOT EXISTS learning_facts_topic_idx ON learning_facts (topic, posted_epoch, score);
CREATE INDEX IF NOT EXISTS learning_facts_tone_idx ON learning_facts (tone, posted_epoch, score);
CREATE INDEX IF NOT EXISTS learning_facts_decision_type_idx ON learning_facts (decision_type, posted_epoch, score);
CREATE INDEX IF NOT EXISTS learning_facts_slot_idx ON learning_facts (content_slot, posted_epoch, score);

-- Covering indexes for the aggregations, so they read the window from the index alone.
CREATE INDEX IF NOT EXISTS learning_facts_window_idx ON learning_facts
    (posted_epoch, generator_name, topic, tone, decision_type, content_slot, hook_type, score, score_version, impressions, views);
CREATE INDEX IF NOT EXISTS learning_facts_replies_idx ON learning_facts
    (target_username, posted_epoch, posted_at, followers_gained_weighted, score) WHERE decision_type = 'reply';

-- When learning_facts was last brought up to date from xBOT's tables (one row).
CREATE TABLE IF NOT EXISTS facts_sync (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    synced_at    TEXT NOT NULL,
    rows_total   INTEGER NOT NULL DEFAULT 0,
    rows_changed INTEGER NOT NULL DEFAULT 0
);

-- xbot's objective scores (score_version 2), one per decision. xBOT's own
-- outcomes.primary_objective_score is left as xBOT wrote it.
CREATE TABLE IF NOT EXISTS objective_scores (
    decision_id               TEXT PRIMARY KEY,
    engagement_rate           REAL,
    followers_gained          INTEGER,
    followers_gained_weighted REAL,
    attribution_confidence    REAL,
    score                     REAL,
    score_version             INTEGER NOT NULL,
    bad_input                 TEXT,
    scored_at                 TEXT
);

-- What xbot knows about the weight maps in xBOT's learning_model_weights: the maps xbot
-- computed (their stats and params, the run that made them). Keyed by the
-- learning_model_weights row's id as text (bigint or uuid in xBOT's schemas).
CREATE TABLE IF NOT EXISTS weight_maps (
    source_id  TEXT PRIMARY KEY,
    version    TEXT NOT NULL,
    stats      TEXT,
    params     TEXT,
    job_run_id INTEGER,
    created_at TEXT NOT NULL 
);
-- Who activated which map, when (xBOT's table has no such column).
CREATE TABLE IF NOT EXISTS weight_activations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id    TEXT NOT NULL,
    version      TEXT NOT NULL,
    activated_by TEXT NOT NULL,
    activated_at TEXT NOT NULL ,
    previous_id  TEXT
);
CREATE INDEX IF NOT EXISTS weight_activations_at_idx ON weight_activations (activated_at DESC);

-- xbot's per-account reply state beside xBOT's discovered_accounts (where xbot writes only
-- priority_score and reply_performance_score, which xBOT's reply targeting reads).
CREATE TABLE IF NOT EXISTS account_state (
    username            TEXT PRIMARY KEY,
    priority_band       TEXT,
    replies_30d         INTEGER NOT NULL DEFAULT 0,
    operator_override   TEXT NOT NULL DEFAULT 'none',
    override_by         TEXT,
    override_at         TEXT,
    priority_updated_at TEXT,
    -- The priority the account had (before any override) at the last run that saw it live;
    -- once stale its priority is priority_base × 0.5^(days stale / 14), continuous in time.
    priority_base       REAL
);

-- Posts xbot held back from xBOT's posting queue, with the status xBOT had given them, so
-- that a release puts back exactly that.
CREATE TABLE IF NOT EXISTS holds (
    decision_id     TEXT PRIMARY KEY,
    previous_status TEXT NOT NULL,
    held_status     TEXT NOT NULL,
    reason          TEXT,
    held_at         TEXT NOT NULL ,
    released_at     TEXT,
    released_to     TEXT
);

-- How xbot was installed here: 'standalone' when xbot created xBOT's layout itself (the demo,
-- an empty database), 'attached' when xBOT's tables were already there.
CREATE TABLE IF NOT EXISTS install (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    mode          TEXT NOT NULL,
    source_schema TEXT NOT NULL,
    created_at    TEXT NOT NULL 
);
