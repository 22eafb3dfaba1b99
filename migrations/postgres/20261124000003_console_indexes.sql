-- The console's Outcomes tab sorts by score with unscored rows last when descending; Postgres
-- puts NULLs first by default for DESC, so the index must say NULLS LAST to serve that order.
DROP INDEX IF EXISTS learning_facts_score_idx;
CREATE INDEX IF NOT EXISTS learning_facts_score_idx
    ON learning_facts (score DESC NULLS LAST, decision_id DESC);
