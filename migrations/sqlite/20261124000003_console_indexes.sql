-- The console's Outcomes tab sorts by score with unscored rows last (descending): SQLite
-- already orders NULLs that way on learning_facts_score_idx. Nothing to change here; the file
-- keeps the two backends' migration versions in step.
SELECT 1;
