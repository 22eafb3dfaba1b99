-- The weight map groups each feature along its own covering index (feature, posted_epoch,
-- score), so that SQLite, which has no hash aggregate, reads each feature's window already
-- grouped instead of sorting the window five times (see aggregate_sql_indexed in
-- src/store/ops/weights.rs). The generator index gains the score column to serve as its one.
DROP INDEX IF EXISTS learning_facts_generator_idx;
CREATE INDEX IF NOT EXISTS learning_facts_generator_idx ON learning_facts (generator_name, posted_epoch DESC, score);
CREATE INDEX IF NOT EXISTS learning_facts_topic_idx ON learning_facts (topic, posted_epoch, score);
CREATE INDEX IF NOT EXISTS learning_facts_tone_idx ON learning_facts (tone, posted_epoch, score);
CREATE INDEX IF NOT EXISTS learning_facts_decision_type_idx ON learning_facts (decision_type, posted_epoch, score);
CREATE INDEX IF NOT EXISTS learning_facts_slot_idx ON learning_facts (content_slot, posted_epoch, score);
