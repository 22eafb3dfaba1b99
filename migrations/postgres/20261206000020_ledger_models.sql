-- ai_usage: the model a call asked for beside the model that answered. `model` is the model the
-- call was priced and charged as (the one the API reported, else the one asked for), so spend
-- by model is attributed to the model that cost it and every settled row can be re-priced from
-- its own columns; `requested_model` is what the caller asked for. Rows written before this
-- migration recorded the requested model in `model`.
ALTER TABLE ai_usage ADD COLUMN IF NOT EXISTS requested_model TEXT;
UPDATE ai_usage SET requested_model = model WHERE requested_model IS NULL;

-- discovered_accounts: the priority an account had (before any operator override) at the last
-- reply_priority_learning run that saw it live (a reply in the last 30 days). Once it goes
-- stale (its last reply 30 days old) its priority is priority_base × 0.5^(days stale / 14):
-- continuous in time and the same however often the job runs. NULL: never computed live.
ALTER TABLE discovered_accounts ADD COLUMN IF NOT EXISTS priority_base DOUBLE PRECISION;
