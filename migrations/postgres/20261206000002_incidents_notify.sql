-- The incident lifecycle (acknowledge, resolve by hand with a reason, notes), the notification
-- outbox with its destinations, and the scheduler heartbeat. xbot's own objects only.

-- An acknowledged incident stays open (the one-open-per-(kind, subject) index still holds) and
-- stops paging; `resolved_by` is an operator or `xbot` (the condition cleared), `resolution` why.
ALTER TABLE incidents ADD COLUMN IF NOT EXISTS acknowledged_at TIMESTAMPTZ;
ALTER TABLE incidents ADD COLUMN IF NOT EXISTS acknowledged_by TEXT;
ALTER TABLE incidents ADD COLUMN IF NOT EXISTS resolved_by TEXT;
ALTER TABLE incidents ADD COLUMN IF NOT EXISTS resolution TEXT;

CREATE TABLE IF NOT EXISTS incident_notes (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    at TIMESTAMPTZ NOT NULL,
    author TEXT NOT NULL,
    -- acknowledge | resolve | note
    action TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incident_notes_incident_idx ON incident_notes (incident_id, at);

-- Destinations by name and kind (never their URLs or keys, which stay in each process's
-- config): a transition made by any process is queued for every destination registered here.
CREATE TABLE IF NOT EXISTS notify_destinations (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL,
    registered_by TEXT NOT NULL
);

-- One row per (transition, destination), written in the transition's transaction. A
-- deliverer claims due rows with a lease (claimed_by, lease_until).
CREATE TABLE IF NOT EXISTS notify_outbox (
    id BIGSERIAL PRIMARY KEY,
    destination TEXT NOT NULL,
    incident_id BIGINT,
    transition TEXT NOT NULL,
    payload JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    -- pending | sent | failed (gave up) | dropped (destination forgotten)
    state TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_by TEXT,
    lease_until TIMESTAMPTZ,
    last_error TEXT,
    last_attempt_at TIMESTAMPTZ,
    sent_at TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS notify_outbox_due_idx ON notify_outbox (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS notify_outbox_incident_idx ON notify_outbox (incident_id, destination, id);

-- Each `xbot serve` writes its row on start and on every scheduler tick.
CREATE TABLE IF NOT EXISTS worker_heartbeats (
    owner TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid BIGINT NOT NULL,
    app_version TEXT NOT NULL,
    ai_configured BOOLEAN NOT NULL DEFAULT false,
    started_at TIMESTAMPTZ NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL,
    stopped_at TIMESTAMPTZ
);
