-- Live updates, quieter: the triggers of 20261206000004 fired once per statement, so a
-- statement that changed nothing (an upsert that found its row, an update that matched no
-- row) or only bookkeeping (an incident seen again: its count and last-seen time) made every
-- console reload. Now a row that really changed notifies, and duplicates within one
-- transaction are delivered once (Postgres collapses equal notifications of a transaction).
DROP TRIGGER IF EXISTS safety_reviews_notify ON safety_reviews;
DROP TRIGGER IF EXISTS operator_audit_notify ON operator_audit;
DROP TRIGGER IF EXISTS job_schedules_notify ON job_schedules;
DROP TRIGGER IF EXISTS incidents_notify ON incidents;
DROP TRIGGER IF EXISTS weight_activations_notify ON weight_activations;
DROP TRIGGER IF EXISTS job_runs_notify ON job_runs;

CREATE TRIGGER safety_reviews_notify AFTER INSERT OR DELETE ON safety_reviews
    FOR EACH ROW EXECUTE FUNCTION notify_change();
CREATE TRIGGER safety_reviews_update_notify AFTER UPDATE ON safety_reviews
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION notify_change();
CREATE TRIGGER operator_audit_notify AFTER INSERT ON operator_audit
    FOR EACH ROW EXECUTE FUNCTION notify_change();
CREATE TRIGGER job_schedules_notify AFTER INSERT OR DELETE ON job_schedules
    FOR EACH ROW EXECUTE FUNCTION notify_change();
CREATE TRIGGER job_schedules_update_notify AFTER UPDATE ON job_schedules
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION notify_change();
CREATE TRIGGER incidents_notify AFTER INSERT OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION notify_change();
-- Opened, acknowledged, resolved or its severity changed: what the header and the tab bar
-- show. Seen again (count, last seen, details) is polled with the Incidents tab.
CREATE TRIGGER incidents_update_notify AFTER UPDATE ON incidents
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state
        OR OLD.acknowledged_at IS DISTINCT FROM NEW.acknowledged_at
        OR OLD.severity IS DISTINCT FROM NEW.severity
        OR OLD.opened_at IS DISTINCT FROM NEW.opened_at)
    EXECUTE FUNCTION notify_change();
CREATE TRIGGER weight_activations_notify AFTER INSERT ON weight_activations
    FOR EACH ROW EXECUTE FUNCTION notify_change();
-- A run started or deleted; its status changes keep their trigger (job_runs_status_notify).
CREATE TRIGGER job_runs_notify AFTER INSERT OR DELETE ON job_runs
    FOR EACH ROW EXECUTE FUNCTION notify_change();
