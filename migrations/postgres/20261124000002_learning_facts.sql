-- learning_facts: vw_learning kept as a table, current through statement-level triggers, so
-- that the learning aggregations and the Outcomes tab read one narrow, indexed table instead of
-- joining content_metadata with outcomes for every row. The view stays the definition: every
-- fact row is exactly the view's row for that decision. Idempotent: functions are replaced,
-- triggers recreated, and the facts rebuilt from the view.

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
CREATE INDEX IF NOT EXISTS learning_facts_score_idx ON learning_facts (score DESC, decision_id DESC);
CREATE INDEX IF NOT EXISTS learning_facts_generator_idx ON learning_facts (generator_name, posted_epoch DESC);
-- Covering indexes for the aggregations, so they read the window from the index alone.
CREATE INDEX IF NOT EXISTS learning_facts_window_idx ON learning_facts
    (posted_epoch, generator_name, topic, tone, decision_type, content_slot, hook_type, score, score_version, impressions, views);
CREATE INDEX IF NOT EXISTS learning_facts_replies_idx ON learning_facts
    (target_username, posted_epoch, posted_at, followers_gained_weighted, score) WHERE decision_type = 'reply';

-- Re-derive the facts of the given decisions from the view.
CREATE OR REPLACE FUNCTION xbot_refresh_learning_facts(ids TEXT[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM learning_facts WHERE decision_id = ANY (ids);
    INSERT INTO learning_facts
        SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
               hook_type, cta_type, left(content, 200), target_username, posted_at,
               date_part('epoch', posted_at), impressions, views, likes, retweets, replies,
               engagement_rate, followers_gained_weighted, primary_objective_score, score_version
        FROM vw_learning WHERE decision_id = ANY (ids);
END $$;

-- Tables keyed by decision_id (content_metadata, outcomes).
CREATE OR REPLACE FUNCTION xbot_facts_by_decision_new() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM xbot_refresh_learning_facts(ARRAY(SELECT DISTINCT decision_id FROM new_rows));
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION xbot_facts_by_decision_both() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM xbot_refresh_learning_facts(ARRAY(
        SELECT decision_id FROM new_rows UNION SELECT decision_id FROM old_rows));
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION xbot_facts_by_decision_old() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM xbot_refresh_learning_facts(ARRAY(SELECT DISTINCT decision_id FROM old_rows));
    RETURN NULL;
END $$;

-- Tables keyed by tweet_id (tweet_metrics, learning_posts), which feed the view's fallbacks.
CREATE OR REPLACE FUNCTION xbot_facts_by_tweet_new() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM xbot_refresh_learning_facts(ARRAY(
        SELECT cm.decision_id FROM content_metadata cm JOIN new_rows n ON n.tweet_id = cm.tweet_id));
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION xbot_facts_by_tweet_both() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM xbot_refresh_learning_facts(ARRAY(
        SELECT cm.decision_id FROM content_metadata cm
        WHERE cm.tweet_id IN (SELECT tweet_id FROM new_rows UNION SELECT tweet_id FROM old_rows)));
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION xbot_facts_by_tweet_old() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM xbot_refresh_learning_facts(ARRAY(
        SELECT cm.decision_id FROM content_metadata cm JOIN old_rows o ON o.tweet_id = cm.tweet_id));
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS xbot_facts_insert ON content_metadata;
CREATE TRIGGER xbot_facts_insert AFTER INSERT ON content_metadata
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION xbot_facts_by_decision_new();
DROP TRIGGER IF EXISTS xbot_facts_update ON content_metadata;
CREATE TRIGGER xbot_facts_update AFTER UPDATE ON content_metadata
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION xbot_facts_by_decision_both();
DROP TRIGGER IF EXISTS xbot_facts_delete ON content_metadata;
CREATE TRIGGER xbot_facts_delete AFTER DELETE ON content_metadata
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION xbot_facts_by_decision_old();

DROP TRIGGER IF EXISTS xbot_facts_insert ON outcomes;
CREATE TRIGGER xbot_facts_insert AFTER INSERT ON outcomes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION xbot_facts_by_decision_new();
DROP TRIGGER IF EXISTS xbot_facts_update ON outcomes;
CREATE TRIGGER xbot_facts_update AFTER UPDATE ON outcomes
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION xbot_facts_by_decision_both();
DROP TRIGGER IF EXISTS xbot_facts_delete ON outcomes;
CREATE TRIGGER xbot_facts_delete AFTER DELETE ON outcomes
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION xbot_facts_by_decision_old();

DROP TRIGGER IF EXISTS xbot_facts_insert ON tweet_metrics;
CREATE TRIGGER xbot_facts_insert AFTER INSERT ON tweet_metrics
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION xbot_facts_by_tweet_new();
DROP TRIGGER IF EXISTS xbot_facts_update ON tweet_metrics;
CREATE TRIGGER xbot_facts_update AFTER UPDATE ON tweet_metrics
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION xbot_facts_by_tweet_both();
DROP TRIGGER IF EXISTS xbot_facts_delete ON tweet_metrics;
CREATE TRIGGER xbot_facts_delete AFTER DELETE ON tweet_metrics
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION xbot_facts_by_tweet_old();

DROP TRIGGER IF EXISTS xbot_facts_insert ON learning_posts;
CREATE TRIGGER xbot_facts_insert AFTER INSERT ON learning_posts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION xbot_facts_by_tweet_new();
DROP TRIGGER IF EXISTS xbot_facts_update ON learning_posts;
CREATE TRIGGER xbot_facts_update AFTER UPDATE ON learning_posts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION xbot_facts_by_tweet_both();
DROP TRIGGER IF EXISTS xbot_facts_delete ON learning_posts;
CREATE TRIGGER xbot_facts_delete AFTER DELETE ON learning_posts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION xbot_facts_by_tweet_old();

-- Build the facts of what is already there.
TRUNCATE learning_facts;
INSERT INTO learning_facts
    SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
           hook_type, cta_type, left(content, 200), target_username, posted_at,
           date_part('epoch', posted_at), impressions, views, likes, retweets, replies,
           engagement_rate, followers_gained_weighted, primary_objective_score, score_version
    FROM vw_learning;
