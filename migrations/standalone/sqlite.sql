-- xBOT's tables in xBOT's own layout (SQLite translation of postgres.sql beside this file:
-- text timestamps, text JSON), for a database that has none (the demo, an empty
-- Postgres): run by xbot once, in xBOT's schema, when it finds no xBOT tables there. The shapes
-- follow xBOT's repository (jatenner/xBOT: SAFE_MIGRATION_WITH_VIEWS.sql,
-- supabase/migrations/20250115_restore_content_slot_and_vw_learning.sql,
-- 20251018_tracking_tables.sql, 20251205_create_learning_model_weights.sql,
-- 20251018_ai_driven_reply_system.sql, 20251205_add_priority_score_to_discovered_accounts.sql,
-- 20251020000000_reply_opportunities_table.sql), trimmed to the columns xBOT's learning and
-- posting paths use, with xBOT's types (INT4 counters, NUMERIC scores, UUID ids where xBOT has
-- them). On an attached database none of this runs: xbot never creates anything in xBOT's schema.

CREATE TABLE IF NOT EXISTS content_generation_metadata_comprehensive (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id     TEXT UNIQUE NOT NULL,
    decision_type   TEXT DEFAULT 'single',
    content         TEXT NOT NULL DEFAULT '',
    thread_parts    TEXT,
    topic_cluster   TEXT,
    raw_topic       TEXT,
    generation_source TEXT,
    generator_name  TEXT,
    angle           TEXT,
    tone            TEXT,
    hook_type       TEXT,
    cta_type        TEXT,
    content_slot    TEXT,
    quality_score   NUMERIC,
    status          TEXT DEFAULT 'queued',
    scheduled_at    TEXT,
    posted_at       TEXT,
    tweet_id        TEXT,
    skip_reason     TEXT,
    error_message   TEXT,
    target_tweet_id TEXT,
    target_username TEXT,
    features        TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS idx_cgmc_status ON content_generation_metadata_comprehensive (status);
CREATE INDEX IF NOT EXISTS idx_cgmc_tweet_id ON content_generation_metadata_comprehensive (tweet_id);
CREATE INDEX IF NOT EXISTS idx_cgmc_status_posted_at ON content_generation_metadata_comprehensive (status, posted_at DESC) WHERE status = 'posted';
CREATE INDEX IF NOT EXISTS idx_cgmc_created_at ON content_generation_metadata_comprehensive (created_at);

CREATE VIEW IF NOT EXISTS content_metadata AS
SELECT id, decision_id, decision_type, content, thread_parts, topic_cluster, raw_topic,
       generation_source, generator_name, angle, tone, hook_type, cta_type, content_slot,
       quality_score, status, scheduled_at, posted_at, tweet_id, skip_reason, error_message,
       target_tweet_id, target_username, features, created_at, updated_at
FROM content_generation_metadata_comprehensive;

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
    profile_clicks            INTEGER,
    engagement_rate           NUMERIC,
    followers_before          INTEGER,
    followers_after           INTEGER,
    followers_gained          INTEGER,
    followers_gained_weighted NUMERIC,
    primary_objective_score   NUMERIC,
    hook_type                 TEXT,
    cta_type                  TEXT,
    structure_type            TEXT,
    data_source               TEXT,
    simulated                 INTEGER NOT NULL DEFAULT 0,
    collected_at              TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at                TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE IF NOT EXISTS post_follower_tracking (
    id               TEXT PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
    post_id          TEXT NOT NULL,
    tweet_id         TEXT NOT NULL DEFAULT '',
    check_time       TEXT NOT NULL,
    follower_count   INTEGER NOT NULL,
    profile_views    INTEGER DEFAULT 0,
    hours_after_post NUMERIC NOT NULL,
    collection_phase TEXT NOT NULL DEFAULT 'checkpoint',
    created_at       TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS idx_follower_tracking_post ON post_follower_tracking (post_id);

CREATE TABLE IF NOT EXISTS tweet_metrics (
    tweet_id          TEXT PRIMARY KEY,
    likes_count       INTEGER DEFAULT 0,
    retweets_count    INTEGER DEFAULT 0,
    replies_count     INTEGER DEFAULT 0,
    bookmarks_count   INTEGER DEFAULT 0,
    impressions_count INTEGER DEFAULT 0,
    created_at        TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE IF NOT EXISTS learning_posts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    tweet_id          TEXT UNIQUE NOT NULL,
    content           TEXT,
    likes_count       INTEGER DEFAULT 0,
    retweets_count    INTEGER DEFAULT 0,
    replies_count     INTEGER DEFAULT 0,
    bookmarks_count   INTEGER DEFAULT 0,
    impressions_count INTEGER DEFAULT 0,
    created_at        TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE IF NOT EXISTS learning_model_weights (
    id                            INTEGER PRIMARY KEY AUTOINCREMENT,
    weights                       TEXT NOT NULL,
    computed_at                   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    date_range_start              TEXT NOT NULL,
    date_range_end                TEXT NOT NULL,
    sample_size                   INTEGER NOT NULL DEFAULT 0,
    version                       TEXT NOT NULL DEFAULT '1.0',
    avg_primary_objective_score   NUMERIC,
    avg_followers_gained_weighted NUMERIC,
    total_posts_analyzed          INTEGER,
    is_active                     INTEGER DEFAULT 1,
    created_at                    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS idx_learning_model_weights_active ON learning_model_weights (is_active, computed_at DESC) WHERE is_active = 1;

CREATE TABLE IF NOT EXISTS discovered_accounts (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    username                 TEXT UNIQUE NOT NULL,
    follower_count           INTEGER DEFAULT 0,
    following_count          INTEGER DEFAULT 0,
    bio                      TEXT,
    discovery_method         TEXT,
    discovery_date           TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    quality_score            INTEGER DEFAULT 0,
    final_score              INTEGER DEFAULT 0,
    priority_score           NUMERIC DEFAULT 0.0,
    last_successful_reply_at TEXT DEFAULT NULL,
    reply_performance_score  NUMERIC DEFAULT 0.0,
    last_updated             TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_at               TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS idx_discovered_accounts_priority_score ON discovered_accounts (priority_score DESC);

CREATE TABLE IF NOT EXISTS reply_opportunities (
    id                 TEXT PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
    account_username   TEXT NOT NULL,
    tweet_id           TEXT UNIQUE NOT NULL,
    tweet_url          TEXT NOT NULL DEFAULT '',
    tweet_content      TEXT NOT NULL DEFAULT '',
    tweet_author       TEXT NOT NULL DEFAULT '',
    reply_count        INTEGER DEFAULT 0,
    like_count         INTEGER DEFAULT 0,
    posted_minutes_ago INTEGER DEFAULT 0,
    opportunity_score  NUMERIC DEFAULT 0,
    tweet_posted_at    TEXT,
    status             TEXT DEFAULT 'pending',
    discovered_at      TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    replied_at         TEXT,
    created_at         TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);


CREATE TABLE IF NOT EXISTS system_events (
    id          TEXT PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
    event_type  TEXT NOT NULL,
    severity    TEXT NOT NULL DEFAULT 'info',
    event_data  TEXT,
    message     TEXT,
    created_at  TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- xBOT's learning view, as xBOT defines it (read by xBOT's offlineWeightMapJob).
CREATE VIEW IF NOT EXISTS vw_learning AS
SELECT cm.decision_id, cm.tweet_id, cm.raw_topic AS topic, cm.angle, cm.tone, cm.generator_name,
       cm.decision_type, cm.content_slot, cm.content, cm.thread_parts, cm.target_tweet_id,
       cm.target_username, cm.created_at, cm.posted_at, cm.scheduled_at,
       o.impressions, o.views, o.likes, o.retweets, o.replies, o.bookmarks, o.profile_clicks,
       o.engagement_rate, o.followers_gained, o.followers_gained_weighted,
       o.primary_objective_score, o.hook_type, o.cta_type, o.structure_type, o.collected_at,
       o.data_source, o.simulated,
       tm.likes_count AS tm_likes_count, tm.retweets_count AS tm_retweets_count,
       tm.replies_count AS tm_replies_count, tm.impressions_count AS tm_impressions_count,
       lp.likes_count AS lp_likes_count, lp.impressions_count AS lp_impressions_count,
       cm.status,
       CASE WHEN cm.posted_at IS NOT NULL THEN (julianday('now') - julianday(cm.posted_at)) * 24.0 END AS age_hours,
       CASE WHEN cm.posted_at IS NOT NULL THEN (julianday('now') - julianday(cm.posted_at)) END AS age_days,
       CASE WHEN o.impressions > 0 AND o.engagement_rate > 0 THEN 1 ELSE 0 END AS has_metrics,
       CASE WHEN o.followers_gained_weighted IS NOT NULL AND o.primary_objective_score IS NOT NULL THEN 1 ELSE 0 END AS has_v2_metrics
FROM content_metadata cm
LEFT JOIN outcomes o ON cm.decision_id = o.decision_id
LEFT JOIN tweet_metrics tm ON cm.tweet_id = tm.tweet_id
LEFT JOIN learning_posts lp ON cm.tweet_id = lp.tweet_id
WHERE cm.status = 'posted' AND cm.tweet_id IS NOT NULL;
