-- Live updates: a change xbot makes to its own operational tables notifies the channel
-- `xbot_changes` (payload: the table's name) when its transaction commits, so that every
-- console LISTENing reloads within a second whatever its refresh interval. Only xbot's own
-- tables in its own schema; xBOT's tables are still polled.
CREATE OR REPLACE FUNCTION notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('xbot_changes', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER safety_reviews_notify AFTER INSERT OR UPDATE OR DELETE ON safety_reviews
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER operator_audit_notify AFTER INSERT ON operator_audit
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER job_schedules_notify AFTER INSERT OR UPDATE OR DELETE ON job_schedules
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER incidents_notify AFTER INSERT OR UPDATE OR DELETE ON incidents
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER weight_activations_notify AFTER INSERT ON weight_activations
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
-- A run started, deleted, or changing status (not its heartbeats, every few seconds).
CREATE TRIGGER job_runs_notify AFTER INSERT OR DELETE ON job_runs
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER job_runs_status_notify AFTER UPDATE OF status ON job_runs
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION notify_change();
