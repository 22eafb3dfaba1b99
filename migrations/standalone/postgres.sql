-- xBOT's tables in xBOT's own layout, for a database that has none (the demo, an empty
-- Postgres): run by xbot once, in xBOT's schema, when it finds no xBOT tables there. The shapes
-- follow xBOT's repository (jatenner/xBOT: SAFE_MIGRATION_WITH_VIEWS.sql,
-- supabase/migrations/20250115_restore_content_slot_and_vw_learning.sql,
-- 20251018_tracking_tables.sql, 20251205_create_learning_model_weights.sql,
-- 20251018_ai_driven_reply_system.sql, 20251205_add_priority_score_to_discovered_accounts.sql,
-- 20251020000000_reply_opportunities_table.sql), trimmed to the columns xBOT's learning and
-- posting paths use, with xBOT's types (INT4 counters, NUMERIC scores, UUID ids where xBOT has
-- them). On an attached database none of this runs: xbot never creates anything in xBOT's schema.

CREATE TABLE IF NOT EXISTS content_generation_metadata_comprehensive (
    id              BIGSERIAL PRIMARY KEY,
    decision_id     TEXT UNIQUE NOT NULL,
    decision_type   TEXT DEFAULT 'single',
    content         TEXT NOT NULL DEFAULT '',
    thread_parts    JSONB,
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
    scheduled_at    TIMESTAMPTZ,
    posted_at       TIMESTAMPTZ,
    tweet_id        TEXT,
    skip_reason     TEXT,
    error_message   TEXT,
    target_tweet_id TEXT,
    target_username TEXT,
    features        JSONB,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_cgmc_status ON content_generation_metadata_comprehensive (status);
CREATE INDEX IF NOT EXISTS idx_cgmc_tweet_id ON content_generation_metadata_comprehensive (tweet_id);
CREATE INDEX IF NOT EXISTS idx_cgmc_status_posted_at ON content_generation_metadata_comprehensive (status, posted_at DESC) WHERE status = 'posted';
CREATE INDEX IF NOT EXISTS idx_cgmc_created_at ON content_generation_metadata_comprehensive (created_at);

CREATE OR REPLACE VIEW content_metadata AS
SELECT id, decision_id, decision_type, content, thread_parts, topic_cluster, raw_topic,
       generation_source, generator_name, angle, tone, hook_type, cta_type, content_slot,
       quality_score, status, scheduled_at, posted_at, tweet_id, skip_reason, error_message,
       target_tweet_id, target_username, features, created_at, updated_at
FROM content_generation_metadata_comprehensive;

CREATE TABLE IF NOT EXISTS outcomes (
    id                        BIGSERIAL PRIMARY KEY,
    decision_id               TEXT NOT NULL UNIQUE,
    tweet_id                  TEXT,
    impressions               BIGINT,
    views                     BIGINT,
    likes                     BIGINT,
    retweets                  BIGINT,
    replies                   BIGINT,
    bookmarks                 BIGINT,
    profile_clicks            BIGINT,
    engagement_rate           NUMERIC,
    followers_before          BIGINT,
    followers_after           BIGINT,
    followers_gained          BIGINT,
    followers_gained_weighted NUMERIC,
    primary_objective_score   NUMERIC,
    hook_type                 TEXT,
    cta_type                  TEXT,
    structure_type            TEXT,
    data_source               TEXT,
    simulated                 BOOLEAN NOT NULL DEFAULT false,
    collected_at              TIMESTAMPTZ DEFAULT NOW(),
    updated_at                TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS post_follower_tracking (
    id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    post_id          TEXT NOT NULL,
    tweet_id         TEXT NOT NULL DEFAULT '',
    check_time       TIMESTAMPTZ NOT NULL,
    follower_count   BIGINT NOT NULL,
    profile_views    BIGINT DEFAULT 0,
    hours_after_post NUMERIC NOT NULL,
    collection_phase TEXT NOT NULL DEFAULT 'checkpoint',
    created_at       TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_follower_tracking_post ON post_follower_tracking (post_id);

CREATE TABLE IF NOT EXISTS tweet_metrics (
    tweet_id          TEXT PRIMARY KEY,
    likes_count       BIGINT DEFAULT 0,
    retweets_count    BIGINT DEFAULT 0,
    replies_count     BIGINT DEFAULT 0,
    bookmarks_count   BIGINT DEFAULT 0,
    impressions_count BIGINT DEFAULT 0,
    created_at        TIMESTAMPTZ DEFAULT NOW(),
    updated_at        TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS learning_posts (
    id                BIGSERIAL PRIMARY KEY,
    tweet_id          TEXT UNIQUE NOT NULL,
    content           TEXT,
    likes_count       BIGINT DEFAULT 0,
    retweets_count    BIGINT DEFAULT 0,
    replies_count     BIGINT DEFAULT 0,
    bookmarks_count   BIGINT DEFAULT 0,
    impressions_count BIGINT DEFAULT 0,
    created_at        TIMESTAMPTZ DEFAULT NOW(),
    updated_at        TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS learning_model_weights (
    id                            BIGSERIAL PRIMARY KEY,
    weights                       JSONB NOT NULL,
    computed_at                   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    date_range_start              TIMESTAMPTZ NOT NULL,
    date_range_end                TIMESTAMPTZ NOT NULL,
    sample_size                   BIGINT NOT NULL DEFAULT 0,
    version                       TEXT NOT NULL DEFAULT '1.0',
    avg_primary_objective_score   NUMERIC,
    avg_followers_gained_weighted NUMERIC,
    total_posts_analyzed          BIGINT,
    is_active                     BOOLEAN DEFAULT true,
    created_at                    TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_learning_model_weights_active ON learning_model_weights (is_active, computed_at DESC) WHERE is_active = true;

CREATE TABLE IF NOT EXISTS discovered_accounts (
    id                       BIGSERIAL PRIMARY KEY,
    username                 TEXT UNIQUE NOT NULL,
    follower_count           BIGINT DEFAULT 0,
    following_count          BIGINT DEFAULT 0,
    bio                      TEXT,
    discovery_method         TEXT,
    discovery_date           TIMESTAMP DEFAULT NOW(),
    quality_score            BIGINT DEFAULT 0,
    final_score              BIGINT DEFAULT 0,
    priority_score           NUMERIC DEFAULT 0.0,
    last_successful_reply_at TIMESTAMPTZ DEFAULT NULL,
    reply_performance_score  NUMERIC DEFAULT 0.0,
    last_updated             TIMESTAMP DEFAULT NOW(),
    created_at               TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_discovered_accounts_priority_score ON discovered_accounts (priority_score DESC);

CREATE TABLE IF NOT EXISTS reply_opportunities (
    id                 UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    account_username   TEXT NOT NULL,
    tweet_id           TEXT UNIQUE NOT NULL,
    tweet_url          TEXT NOT NULL DEFAULT '',
    tweet_content      TEXT NOT NULL DEFAULT '',
    tweet_author       TEXT NOT NULL DEFAULT '',
    reply_count        BIGINT DEFAULT 0,
    like_count         BIGINT DEFAULT 0,
    posted_minutes_ago BIGINT DEFAULT 0,
    opportunity_score  NUMERIC DEFAULT 0,
    tweet_posted_at    TIMESTAMPTZ,
    status             TEXT DEFAULT 'pending',
    discovered_at      TIMESTAMPTZ DEFAULT NOW(),
    replied_at         TIMESTAMPTZ,
    created_at         TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS system_events (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    event_type  TEXT NOT NULL,
    severity    TEXT NOT NULL DEFAULT 'info',
    event_data  JSONB,
    message     TEXT,
    created_at  TIMESTAMPTZ DEFAULT NOW()
);

-- xBOT's learning view, as xBOT defines it (read by xBOT's offlineWeightMapJob).
CREATE OR REPLACE VIEW vw_learning AS
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
       CASE WHEN cm.posted_at IS NOT NULL THEN EXTRACT(EPOCH FROM (NOW() - cm.posted_at)) / 3600.0 END AS age_hours,
       CASE WHEN cm.posted_at IS NOT NULL THEN EXTRACT(EPOCH FROM (NOW() - cm.posted_at)) / 86400.0 END AS age_days,
       CASE WHEN o.impressions > 0 AND o.engagement_rate > 0 THEN true ELSE false END AS has_metrics,
       CASE WHEN o.followers_gained_weighted IS NOT NULL AND o.primary_objective_score IS NOT NULL THEN true ELSE false END AS has_v2_metrics
FROM content_metadata cm
LEFT JOIN outcomes o ON cm.decision_id = o.decision_id
LEFT JOIN tweet_metrics tm ON cm.tweet_id = tm.tweet_id
LEFT JOIN learning_posts lp ON cm.tweet_id = lp.tweet_id
WHERE cm.status = 'posted' AND cm.tweet_id IS NOT NULL;
