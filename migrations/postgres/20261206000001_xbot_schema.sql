-- xbot's own objects, all in xbot's schema: the connection's search_path puts that schema
-- first, so every unqualified CREATE here lands there (the migrations ledger too). Nothing
-- here touches xBOT's tables: xbot reads them through the source map it builds at connect
-- (src/store/source.rs) and writes only where xBOT reads the result (see the README).
-- DROP SCHEMA xbot CASCADE removes every object below and nothing else.

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

CREATE TABLE IF NOT EXISTS ai_usage (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    model TEXT NOT NULL,
    -- `model` answered and was charged; `requested_model` is what the caller asked for.
    requested_model   TEXT,
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

CREATE TABLE IF NOT EXISTS events (
    id BIGSERIAL PRIMARY KEY,
    event_type TEXT NOT NULL,
    severity TEXT NOT NULL DEFAULT 'info',
    component TEXT NOT NULL DEFAULT 'xbot',
    message TEXT NOT NULL DEFAULT '',
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

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

CREATE UNIQUE INDEX IF NOT EXISTS safety_reviews_decision_part ON safety_reviews (decision_id, part_index);
CREATE INDEX IF NOT EXISTS safety_reviews_status_idx ON safety_reviews (status, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS operator_audit_action_id_key ON operator_audit (action_id);
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
    decision_id               TEXT PRIMARY KEY,
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
    posted_at                 TIMESTAMPTZ NOT NULL,
    posted_epoch              DOUBLE PRECISION NOT NULL,
    impressions               BIGINT,
    views                     BIGINT,
    likes                     BIGINT,
    retweets                  BIGINT,
    replies                   BIGINT,
    engagement_rate           DOUBLE PRECISION,
    followers_gained_weighted DOUBLE PRECISION,
    score                     DOUBLE PRECISION,
    score_version             BIGINT
);
CREATE INDEX IF NOT EXISTS learning_facts_posted_idx ON learning_facts (posted_epoch DESC, decision_id DESC);
CREATE INDEX IF NOT EXISTS learning_facts_score_idx ON learning_facts (score DESC NULLS LAST, decision_id DESC);
CREATE INDEX IF NOT EXISTS learning_facts_generator_idx ON learning_facts (generator_name, posted_epoch DESC);
-- Covering indexes for the aggregations, so they read the window from the index alone.
CREATE INDEX IF NOT EXISTS learning_facts_window_idx ON learning_facts
    (posted_epoch, generator_name, topic, tone, decision_type, content_slot, hook_type, score, score_version, impressions, views);
CREATE INDEX IF NOT EXISTS learning_facts_replies_idx ON learning_facts
    (target_username, posted_epoch, posted_at, followers_gained_weighted, score) WHERE decision_type = 'reply';

-- When learning_facts was last brought up to date from xBOT's tables (one row).
CREATE TABLE IF NOT EXISTS facts_sync (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    synced_at    TIMESTAMPTZ NOT NULL,
    rows_total   BIGINT NOT NULL DEFAULT 0,
    rows_changed BIGINT NOT NULL DEFAULT 0
);

-- xbot's objective scores (score_version 2), one per decision. xBOT's own
-- outcomes.primary_objective_score is left as xBOT wrote it.
CREATE TABLE IF NOT EXISTS objective_scores (
    decision_id               TEXT PRIMARY KEY,
    engagement_rate           DOUBLE PRECISION,
    followers_gained          BIGINT,
    followers_gained_weighted DOUBLE PRECISION,
    attribution_confidence    DOUBLE PRECISION,
    score                     DOUBLE PRECISION,
    score_version             BIGINT NOT NULL,
    bad_input                 TEXT,
    scored_at                 TIMESTAMPTZ
);

-- What xbot knows about the weight maps in xBOT's learning_model_weights: the maps xbot
-- computed (their stats and params, the run that made them). Keyed by the
-- learning_model_weights row's id as text (bigint or uuid in xBOT's schemas).
CREATE TABLE IF NOT EXISTS weight_maps (
    source_id  TEXT PRIMARY KEY,
    version    TEXT NOT NULL,
    stats      JSONB,
    params     JSONB,
    job_run_id BIGINT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Who activated which map, when (xBOT's table has no such column).
CREATE TABLE IF NOT EXISTS weight_activations (
    id           BIGSERIAL PRIMARY KEY,
    source_id    TEXT NOT NULL,
    version      TEXT NOT NULL,
    activated_by TEXT NOT NULL,
    activated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    previous_id  TEXT
);
CREATE INDEX IF NOT EXISTS weight_activations_at_idx ON weight_activations (activated_at DESC);

-- xbot's per-account reply state beside xBOT's discovered_accounts (where xbot writes only
-- priority_score and reply_performance_score, which xBOT's reply targeting reads).
CREATE TABLE IF NOT EXISTS account_state (
    username            TEXT PRIMARY KEY,
    priority_band       TEXT,
    replies_30d         BIGINT NOT NULL DEFAULT 0,
    operator_override   TEXT NOT NULL DEFAULT 'none',
    override_by         TEXT,
    override_at         TIMESTAMPTZ,
    priority_updated_at TIMESTAMPTZ,
    -- The priority the account had (before any override) at the last run that saw it live;
    -- once stale its priority is priority_base × 0.5^(days stale / 14), continuous in time.
    priority_base       DOUBLE PRECISION
);

-- Posts xbot held back from xBOT's posting queue, with the status xBOT had given them, so
-- that a release puts back exactly that.
CREATE TABLE IF NOT EXISTS holds (
    decision_id     TEXT PRIMARY KEY,
    previous_status TEXT NOT NULL,
    held_status     TEXT NOT NULL,
    reason          TEXT,
    held_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    released_at     TIMESTAMPTZ,
    released_to     TEXT
);

-- How xbot was installed here: 'standalone' when xbot created xBOT's layout itself (the demo,
-- an empty database), 'attached' when xBOT's tables were already there.
CREATE TABLE IF NOT EXISTS install (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    mode          TEXT NOT NULL,
    source_schema TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
