-- learning_facts: vw_learning kept as a table, current through triggers, so that the learning
-- aggregations and the Outcomes tab read one narrow, indexed table instead of joining
-- content_metadata with outcomes for every row. The view stays the definition: every fact row
-- is exactly the view's row for that decision.

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
CREATE INDEX IF NOT EXISTS learning_facts_generator_idx ON learning_facts (generator_name, posted_epoch DESC);
-- Covering indexes for the aggregations, so they read the window from the index alone.
CREATE INDEX IF NOT EXISTS learning_facts_window_idx ON learning_facts
    (posted_epoch, generator_name, topic, tone, decision_type, content_slot, hook_type, score, score_version, impressions, views);
CREATE INDEX IF NOT EXISTS learning_facts_replies_idx ON learning_facts
    (target_username, posted_epoch, posted_at, followers_gained_weighted, score) WHERE decision_type = 'reply';

-- Refresh the fact of one decision from the view (deleted when the view has no row for it).
DROP TRIGGER IF EXISTS xbot_facts_cm_insert;
CREATE TRIGGER xbot_facts_cm_insert AFTER INSERT ON content_metadata BEGIN
    DELETE FROM learning_facts WHERE decision_id = NEW.decision_id;
    INSERT INTO learning_facts
        SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
               hook_type, cta_type, substr(content, 1, 200), target_username, posted_at,
               unixepoch(posted_at, 'subsec'), impressions, views, likes, retweets, replies,
               engagement_rate, followers_gained_weighted, primary_objective_score, score_version
        FROM vw_learning WHERE decision_id = NEW.decision_id;
END;
DROP TRIGGER IF EXISTS xbot_facts_cm_update;
CREATE TRIGGER xbot_facts_cm_update AFTER UPDATE ON content_metadata BEGIN
    DELETE FROM learning_facts WHERE decision_id IN (OLD.decision_id, NEW.decision_id);
    INSERT INTO learning_facts
        SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
               hook_type, cta_type, substr(content, 1, 200), target_username, posted_at,
               unixepoch(posted_at, 'subsec'), impressions, views, likes, retweets, replies,
               engagement_rate, followers_gained_weighted, primary_objective_score, score_version
        FROM vw_learning WHERE decision_id IN (OLD.decision_id, NEW.decision_id);
END;
DROP TRIGGER IF EXISTS xbot_facts_cm_delete;
CREATE TRIGGER xbot_facts_cm_delete AFTER DELETE ON content_metadata BEGIN
    DELETE FROM learning_facts WHERE decision_id = OLD.decision_id;
END;
DROP TRIGGER IF EXISTS xbot_facts_outcomes_insert;
CREATE TRIGGER xbot_facts_outcomes_insert AFTER INSERT ON outcomes BEGIN
    DELETE FROM learning_facts WHERE decision_id = NEW.decision_id;
    INSERT INTO learning_facts
        SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
               hook_type, cta_type, substr(content, 1, 200), target_username, posted_at,
               unixepoch(posted_at, 'subsec'), impressions, views, likes, retweets, replies,
               engagement_rate, followers_gained_weighted, primary_objective_score, score_version
        FROM vw_learning WHERE decision_id = NEW.decision_id;
END;
DROP TRIGGER IF EXISTS xbot_facts_outcomes_update;
CREATE TRIGGER xbot_facts_outcomes_update AFTER UPDATE ON outcomes BEGIN
    DELETE FROM learning_facts WHERE decision_id IN (OLD.decision_id, NEW.decision_id);
    INSERT INTO learning_facts
        SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
               hook_type, cta_type, substr(content, 1, 200), target_username, posted_at,
               unixepoch(posted_at, 'subsec'), impressions, views, likes, retweets, replies,
               engagement_rate, followers_gained_weighted, primary_objective_score, score_version
        FROM vw_learning WHERE decision_id IN (OLD.decision_id, NEW.decision_id);
END;
DROP TRIGGER IF EXISTS xbot_facts_outcomes_delete;
CREATE TRIGGER xbot_facts_outcomes_delete AFTER DELETE ON outcomes BEGIN
    DELETE FROM learning_facts WHERE decision_id = OLD.decision_id;
    INSERT INTO learning_facts
        SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
               hook_type, cta_type, substr(content, 1, 200), target_username, posted_at,
               unixepoch(posted_at, 'subsec'), impressions, views, likes, retweets, replies,
               engagement_rate, followers_gained_weighted, primary_objective_score, score_version
        FROM vw_learning WHERE decision_id = OLD.decision_id;
END;
-- tweet_metrics and learning_posts feed the view's fallbacks, joined by tweet_id.
DROP TRIGGER IF EXISTS xbot_facts_tweet_metrics_change;
CREATE TRIGGER xbot_facts_tweet_metrics_change AFTER INSERT ON tweet_metrics BEGIN
    DELETE FROM learning_facts
        WHERE decision_id IN (SELECT decision_id FROM content_metadata WHERE tweet_id = NEW.tweet_id);
    INSERT INTO learning_facts
        SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
               hook_type, cta_type, substr(content, 1, 200), target_username, posted_at,
               unixepoch(posted_at, 'subsec'), impressions, views, likes, retweets, replies,
               engagement_rate, followers_gained_weighted, primary_objective_score, score_version
        FROM vw_learning WHERE tweet_id = NEW.tweet_id;
END;
DROP TRIGGER IF EXISTS xbot_facts_tweet_metrics_update;
CREATE TRIGGER xbot_facts_tweet_metrics_update AFTER UPDATE ON tweet_metrics BEGIN
    DELETE FROM learning_facts
        WHERE decision_id IN (SELECT decision_id FROM content_metadata WHERE tweet_id IN (OLD.tweet_id, NEW.tweet_id));
    INSERT INTO learning_facts
        SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
               hook_type, cta_type, substr(content, 1, 200), target_username, posted_at,
               unixepoch(posted_at, 'subsec'), impressions, views, likes, retweets, replies,
               engagement_rate, followers_gained_weighted, primary_objective_score, score_version
        FROM vw_learning WHERE tweet_id IN (OLD.tweet_id, NEW.tweet_id);
END;
DROP TRIGGER IF EXISTS xbot_facts_learning_posts_change;
CREATE TRIGGER xbot_facts_learning_posts_change AFTER INSERT ON learning_posts BEGIN
    DELETE FROM learning_facts
        WHERE decision_id IN (SELECT decision_id FROM content_metadata WHERE tweet_id = NEW.tweet_id);
    INSERT INTO learning_facts
        SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
               hook_type, cta_type, substr(content, 1, 200), target_username, posted_at,
               unixepoch(posted_at, 'subsec'), impressions, views, likes, retweets, replies,
               engagement_rate, followers_gained_weighted, primary_objective_score, score_version
        FROM vw_learning WHERE tweet_id = NEW.tweet_id;
END;
DROP TRIGGER IF EXISTS xbot_facts_learning_posts_update;
CREATE TRIGGER xbot_facts_learning_posts_update AFTER UPDATE ON learning_posts BEGIN
    DELETE FROM learning_facts
        WHERE decision_id IN (SELECT decision_id FROM content_metadata WHERE tweet_id IN (OLD.tweet_id, NEW.tweet_id));
    INSERT INTO learning_facts
        SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
               hook_type, cta_type, substr(content, 1, 200), target_username, posted_at,
               unixepoch(posted_at, 'subsec'), impressions, views, likes, retweets, replies,
               engagement_rate, followers_gained_weighted, primary_objective_score, score_version
        FROM vw_learning WHERE tweet_id IN (OLD.tweet_id, NEW.tweet_id);
END;

DROP TRIGGER IF EXISTS xbot_facts_tweet_metrics_delete;
CREATE TRIGGER xbot_facts_tweet_metrics_delete AFTER DELETE ON tweet_metrics BEGIN
    DELETE FROM learning_facts
        WHERE decision_id IN (SELECT decision_id FROM content_metadata WHERE tweet_id = OLD.tweet_id);
    INSERT INTO learning_facts
        SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
               hook_type, cta_type, substr(content, 1, 200), target_username, posted_at,
               unixepoch(posted_at, 'subsec'), impressions, views, likes, retweets, replies,
               engagement_rate, followers_gained_weighted, primary_objective_score, score_version
        FROM vw_learning WHERE tweet_id = OLD.tweet_id;
END;
DROP TRIGGER IF EXISTS xbot_facts_learning_posts_delete;
CREATE TRIGGER xbot_facts_learning_posts_delete AFTER DELETE ON learning_posts BEGIN
    DELETE FROM learning_facts
        WHERE decision_id IN (SELECT decision_id FROM content_metadata WHERE tweet_id = OLD.tweet_id);
    INSERT INTO learning_facts
        SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
               hook_type, cta_type, substr(content, 1, 200), target_username, posted_at,
               unixepoch(posted_at, 'subsec'), impressions, views, likes, retweets, replies,
               engagement_rate, followers_gained_weighted, primary_objective_score, score_version
        FROM vw_learning WHERE tweet_id = OLD.tweet_id;
END;

-- Build the facts of what is already there.
DELETE FROM learning_facts;
INSERT INTO learning_facts
    SELECT decision_id, decision_type, topic, angle, tone, generator_name, content_slot,
           hook_type, cta_type, substr(content, 1, 200), target_username, posted_at,
           unixepoch(posted_at, 'subsec'), impressions, views, likes, retweets, replies,
           engagement_rate, followers_gained_weighted, primary_objective_score, score_version
    FROM vw_learning;
