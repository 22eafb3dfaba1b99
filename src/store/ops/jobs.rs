//! The job ledger and its leases (`job_runs`), and the stored JOB_CONFIG (`job_schedules`).
//!
//! A run is claimed with `INSERT … ON CONFLICT DO NOTHING RETURNING` against the partial unique
//! index that allows one running row per job, so with any number of processes exactly one
//! wins. The owner heartbeats to extend its lease; a lease that expires is marked abandoned
//! by the next claimer. On Postgres the lease clock is the server's `now()`, so owners on
//! machines with skewed clocks still agree; on SQLite (one machine) it is this process's clock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::args;
use crate::identity::{Operator, Via};
use crate::jobs::catalog::EffectiveJob;
use crate::store::backend::{Backend, BackendKind, BackendTx, Batch, Sql, Val};
use crate::store::ops::reviews::insert_audit;
use crate::store::{Read, Reads, SqlStore, StoreError};

/// How a run was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Schedule,
    Manual,
    Cli,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::Cli => "cli",
        }
    }

    /// The front end of a run started by a person (`Manual` is the console's), `None` for the
    /// scheduler's.
    pub fn via(self) -> Option<Via> {
        match self {
            Trigger::Schedule => None,
            Trigger::Manual => Some(Via::Console),
            Trigger::Cli => Some(Via::Cli),
        }
    }
}

/// The audited action of running `job` by hand: the two recomputes have their own names.
pub fn run_action(job: &str) -> &'static str {
    match job {
        "offline_weight_map" => "recompute_weights",
        "reply_priority_learning" => "recompute_reply_priorities",
        _ => "run_now",
    }
}

/// What an audited operator action did, as its `operator_audit` row says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Audited {
    pub action_id: String,
    pub subject: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// `applied`, `unchanged`, `not_running`, or (for a repeated action id) the first outcome.
    pub outcome: String,
    /// The same action id was seen before: this is its first outcome, not applied again.
    pub repeated: bool,
}

/// A held lease: the right to run and publish one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub run_id: i64,
    pub job: String,
    pub owner: String,
    pub ttl_secs: i64,
}

/// A run whose owner stopped heartbeating, marked abandoned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AbandonedRun {
    pub id: i64,
    pub job: String,
    pub owner: String,
}

/// The result of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    Claimed {
        lease: Lease,
        /// Expired runs of this job that this claim marked abandoned.
        abandoned: Vec<AbandonedRun>,
    },
    /// Someone else is running it.
    Held {
        run_id: i64,
        owner: String,
        started_at: DateTime<Utc>,
    },
}

/// Progress as published on a run row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunProgress {
    pub done: u64,
    pub total: u64,
    pub phase: String,
}

/// Final states of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Succeeded,
    Failed,
    Skipped,
    Cancelled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
            RunStatus::Cancelled => "cancelled",
        }
    }
}

/// JOB_CONFIG as stored, with the operator's enable/disable and the last skip reason.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ScheduleRow {
    pub job: String,
    pub interval_minutes: i64,
    pub priority: String,
    pub max_lag_minutes: i64,
    pub max_runtime_seconds: i64,
    pub ai: String,
    pub enabled: bool,
    pub last_skip_reason: Option<String>,
    pub last_skip_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One run from the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RunRecord {
    pub id: i64,
    pub job: String,
    pub status: String,
    pub trigger: String,
    pub owner: String,
    pub started_at: DateTime<Utc>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub lease_until: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    /// The summary as JSON text (rows read/written, duration, job details).
    #[serde(serialize_with = "crate::text::json_text")]
    pub stats: Option<String>,
    pub progress_done: Option<i64>,
    pub progress_total: Option<i64>,
    pub progress_phase: Option<String>,
    pub cancel_requested: bool,
}

impl RunRecord {
    /// How long the run took ("3.3s"), or "…" while it runs.
    pub fn took_label(&self) -> String {
        self.finished_at.map_or_else(
            || "…".into(),
            |f| {
                format!(
                    "{:.1}s",
                    (f - self.started_at).num_milliseconds() as f64 / 1000.0
                )
            },
        )
    }

    /// One line on what the run did: its error, else its stats' message (raw database text;
    /// callers make it inert).
    pub fn summary(&self) -> String {
        if let Some(e) = &self.error {
            return e.clone();
        }
        self.stats
            .as_deref()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .and_then(|s| s["message"].as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// Every stored schedule, by job.
const SCHEDULES_SQL: &str =
    "SELECT job, interval_minutes, priority, max_lag_minutes, max_runtime_seconds, ai,
            enabled, last_skip_reason, last_skip_at, created_at, updated_at
     FROM job_schedules ORDER BY job";

pub(crate) const RUN_COLUMNS: &str = "id, job, status, trigger, owner, started_at, heartbeat_at, lease_until, \
     finished_at, error, CAST(stats AS TEXT) AS stats, progress_done, progress_total, \
     progress_phase, cancel_requested";

/// What applying the config changes on one job's stored schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleChange {
    pub job: String,
    /// The stored settings before (`None`: no row yet).
    pub from: Option<String>,
    /// The settings after.
    pub to: String,
}

/// A schedule's settings in one line, as audited: `interval_minutes=60 priority=critical …`.
fn describe_schedule(
    interval: i64,
    priority: &str,
    max_lag: i64,
    max_runtime: i64,
    enabled: bool,
) -> String {
    format!(
        "interval_minutes={interval} priority={priority} max_lag_minutes={max_lag} \
         max_runtime_seconds={max_runtime} enabled={enabled}"
    )
}

/// What writing `job` over the stored row would change, or `None` when nothing would. An
/// `enabled` the config does not set keeps the stored value.
pub fn schedule_change(
    current: Option<&ScheduleRow>,
    job: &EffectiveJob,
) -> Option<ScheduleChange> {
    let from = current.map(|c| {
        describe_schedule(
            c.interval_minutes,
            &c.priority,
            c.max_lag_minutes,
            c.max_runtime_seconds,
            c.enabled,
        )
    });
    let enabled = job.enabled.unwrap_or(current.is_none_or(|c| c.enabled));
    let to = describe_schedule(
        i64::from(job.interval_minutes),
        job.priority.as_str(),
        i64::from(job.max_lag_minutes),
        i64::from(job.max_runtime_seconds),
        enabled,
    );
    (from.as_deref() != Some(to.as_str())).then(|| ScheduleChange {
        job: job.spec.name.to_string(),
        from,
        to,
    })
}

/// Per-job facts for the jobs list, the watchdog and the scheduler.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobState {
    pub schedule: ScheduleRow,
    pub last_run: Option<RunRecord>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub running: Option<RunRecord>,
    /// Failures since the last success (or ever), most recent first.
    pub failure_streak: u32,
}

#[async_trait]
pub trait JobStore {
    /// Seed `job_schedules` from the effective JOB_CONFIG: only rows that do not exist yet are
    /// written (a first install, a job added by an upgrade); an existing row is never changed
    /// here. The database's rows are the schedule's truth; they change only by explicit,
    /// audited actions ([`JobStore::apply_schedule`], enable/disable).
    async fn sync_schedules(
        &self,
        jobs: &[EffectiveJob],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn schedules(&self) -> Result<Vec<ScheduleRow>, StoreError>;
    /// Make one job's stored schedule match `job` (an explicit `xbot jobs apply-config`), in
    /// one transaction with an `operator_audit` row (action `apply_config`, subject
    /// `job:<name>`, the settings before and after). Returns the change, or `None` when the
    /// row already matches (nothing written, nothing audited).
    async fn apply_schedule(
        &self,
        job: &EffectiveJob,
        action_id: &str,
        operator: &crate::identity::Operator,
        now: DateTime<Utc>,
    ) -> Result<Option<ScheduleChange>, StoreError>;
    /// Enable or disable a job, in one transaction with its audit row (action `enable` or
    /// `disable`, subject `job:<name>`; outcome `unchanged` when it already was). A repeated
    /// action id answers with its first outcome.
    async fn set_job_enabled(
        &self,
        job: &str,
        enabled: bool,
        action_id: &str,
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<Audited, StoreError>;
    /// Record why the scheduler skipped a job (`None` clears it). Only writes on change;
    /// returns whether it changed.
    async fn record_skip(
        &self,
        job: &str,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Claim a run of `job` (marking its expired runs abandoned first). A run started by a
    /// person (`Manual`, `Cli`) is audited in the claim's transaction as this process's
    /// operator (`run_now`, `recompute_weights`, `recompute_reply_priorities`; outcome
    /// `applied`, or `held` naming the holder).
    async fn claim(
        &self,
        job: &str,
        trigger: Trigger,
        owner: &str,
        ttl_secs: i64,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError>;
    /// Extend the lease and publish progress. Returns whether cancellation was requested;
    /// `StoreError::LeaseLost` when the run is no longer ours.
    async fn heartbeat(
        &self,
        lease: &Lease,
        progress: &RunProgress,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Close a run. `StoreError::LeaseLost` when it was already closed by someone else.
    async fn finish_run(
        &self,
        lease: &Lease,
        status: RunStatus,
        error: Option<&str>,
        stats: Option<serde_json::Value>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Ask the owner of a running run, here or in any other process, to cancel it (seen on its
    /// next heartbeat), in one transaction with its audit row (action `cancel`; outcome
    /// `applied`, `unchanged` when already asked, `not_running`).
    async fn request_cancel(
        &self,
        job: &str,
        action_id: &str,
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<Audited, StoreError>;
    /// Mark every expired running run abandoned.
    async fn abandon_expired(&self, now: DateTime<Utc>) -> Result<Vec<AbandonedRun>, StoreError>;
    async fn job_states(&self) -> Result<Vec<JobState>, StoreError>;
    /// [`JobStore::job_states`] as one read to send with others.
    fn read_job_states(&self, r: &mut Reads) -> Read<Vec<JobState>>;
    /// Every running run (for the console header).
    async fn running_runs(&self) -> Result<Vec<RunRecord>, StoreError>;
    async fn run_history(
        &self,
        job: Option<&str>,
        limit: i64,
    ) -> Result<Vec<RunRecord>, StoreError>;
    /// [`JobStore::run_history`] as one read to send with others.
    fn read_run_history(
        &self,
        r: &mut Reads,
        job: Option<&str>,
        limit: i64,
    ) -> Read<Vec<RunRecord>>;
    async fn run(&self, id: i64) -> Result<Option<RunRecord>, StoreError>;
}

/// SQL for "the clock" at parameter `$idx`: the server's `now()` on Postgres, a bound value on
/// SQLite. Returns the SQL text and whether a value must be bound.
pub(crate) fn clock(kind: BackendKind, idx: usize) -> (String, bool) {
    match kind {
        BackendKind::Postgres => ("now()".to_string(), false),
        BackendKind::Sqlite => (format!("${idx}"), true),
    }
}

/// SQL for "the clock plus `ttl` seconds", with the TTL at `$idx` (and, on SQLite, the
/// precomputed instant bound there instead).
fn clock_plus(kind: BackendKind, idx: usize) -> String {
    match kind {
        BackendKind::Postgres => format!("now() + make_interval(secs => ${idx})"),
        BackendKind::Sqlite => format!("${idx}"),
    }
}

/// Bind the TTL argument for [`clock_plus`].
fn ttl_arg(kind: BackendKind, now: DateTime<Utc>, ttl_secs: i64) -> Val {
    match kind {
        BackendKind::Postgres => Val::F64(Some(ttl_secs as f64)),
        BackendKind::Sqlite => Val::Ts(Some(now + chrono::Duration::seconds(ttl_secs))),
    }
}

/// Inside a publishing transaction: fail unless the run still holds its lease. On Postgres
/// the run row is locked until commit, so an abandon cannot slip in between.
pub(crate) async fn check_lease<T: BackendTx>(
    tx: &mut T,
    kind: BackendKind,
    lease: &Lease,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (clock, bind_now) = clock(kind, 3);
    let lock = if kind == BackendKind::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let mut args = args![lease.run_id, &lease.owner];
    if bind_now {
        args.push(Val::from(now));
    }
    let row: Option<(i64,)> = tx
        .fetch_optional(
            format!(
                "SELECT id FROM job_runs WHERE id = $1 AND owner = $2 AND status = 'running' \
                 AND lease_until > {clock}{lock}"
            )
            .into(),
            args,
        )
        .await?;
    match row {
        Some(_) => Ok(()),
        None => Err(StoreError::LeaseLost(format!(
            "run {} of {} no longer holds its lease",
            lease.run_id, lease.job
        ))),
    }
}

/// ` FOR UPDATE` on Postgres (the row read is the one changed, and a concurrent change's
/// commit is waited for); SQLite's write transaction already excludes other writers.
pub(crate) fn for_update(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Postgres => " FOR UPDATE",
        BackendKind::Sqlite => "",
    }
}

/// Write the audit row of `row`.
pub(crate) async fn write_audit<T: BackendTx>(
    tx: &mut T,
    row: &Audited,
    operator: &Operator,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    insert_audit(
        tx,
        &row.action_id,
        &row.subject,
        &row.action,
        row.from_state.as_deref(),
        row.to_state.as_deref(),
        &row.outcome,
        operator,
        note,
        now,
    )
    .await
}

/// The audit row already written under `action_id`: a retried action is answered with its
/// first outcome and never applied twice. The id of another action is refused.
pub(crate) async fn earlier<T: BackendTx>(
    tx: &mut T,
    action_id: &str,
    subject: &str,
    action: &str,
) -> Result<Option<Audited>, StoreError> {
    Ok(earlier_with(tx, action_id, subject, action, Vec::new())
        .await?
        .0)
}

/// [`earlier`] and the action's own first reads in one round trip: the earlier row, and the
/// reads' rows in a batch (in the order given).
pub(crate) async fn earlier_with<T: BackendTx>(
    tx: &mut T,
    action_id: &str,
    subject: &str,
    action: &str,
    reads: Vec<(Sql, Vec<Val>)>,
) -> Result<(Option<Audited>, Batch), StoreError> {
    type Row = (String, String, Option<String>, Option<String>, String);
    let mut statements = vec![(
        "SELECT subject, action, from_state, to_state, outcome FROM operator_audit
         WHERE action_id = $1"
            .into(),
        args![action_id],
    )];
    statements.extend(reads);
    let mut b = tx.fetch_batch(statements).await?;
    let row: Option<Row> = b.take()?.into_iter().next();
    let first = match row {
        None => None,
        Some((s, a, from_state, to_state, outcome)) if s == subject && a == action => {
            Some(Audited {
                action_id: action_id.to_string(),
                subject: s,
                action: a,
                from_state,
                to_state,
                outcome,
                repeated: true,
            })
        }
        Some((s, a, ..)) => {
            return Err(StoreError::Duplicate(format!(
                "action id {action_id} was already used for {a} of {s}"
            )));
        }
    };
    b.base = 1;
    b.seek(0);
    Ok((first, b))
}

/// Audit a run started by a person, in the claim's transaction: who, from where, whether the
/// job was enabled (a disabled job run by hand says so), and the run it started or the holder
/// it found instead.
async fn audit_run<T: BackendTx>(
    tx: &mut T,
    job: &str,
    trigger: Trigger,
    run_id: i64,
    holder: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(via) = trigger.via() else {
        return Ok(());
    };
    let operator = Operator::current().via(via);
    let enabled: Option<(bool,)> = tx
        .fetch_optional(
            "SELECT enabled FROM job_schedules WHERE job = $1".into(),
            args![job],
        )
        .await?;
    let from = match enabled {
        Some((true,)) => "enabled",
        Some((false,)) => "disabled",
        None => "not scheduled",
    };
    let (to, outcome) = match holder {
        None => (format!("running run {run_id}"), "applied"),
        Some(owner) => (format!("held: run {run_id} by {owner}"), "held"),
    };
    let note = (from == "disabled").then_some("the job is disabled: run by hand");
    insert_audit(
        tx,
        &uuid::Uuid::now_v7().to_string(),
        &format!("job:{job}"),
        run_action(job),
        Some(from),
        Some(&to),
        outcome,
        &operator,
        note,
        now,
    )
    .await
}

#[async_trait]
impl<B: Backend> JobStore for SqlStore<B> {
    async fn sync_schedules(
        &self,
        jobs: &[EffectiveJob],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let attached = self.mode() == Some(crate::store::InstallMode::Attached);
        let mut tx = self.db.begin_write().await?;
        for j in jobs {
            // On a database xBOT runs, a job that duplicates one of xBOT's starts disabled,
            // with the reason on its schedule row: running both is the operator's choice.
            // An existing row is left as it is: the database is the schedule's truth.
            let duplicate =
                crate::store::source::duplicates_xbot_job(j.spec.name).filter(|_| attached);
            // Every job's row with the COMMIT: one round trip for all.
            tx.execute_later(
                "INSERT INTO job_schedules (job, interval_minutes, priority, max_lag_minutes,
                     max_runtime_seconds, ai, enabled, created_at, updated_at, last_skip_reason,
                     last_skip_at)
                 VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, $9), $8, $8, $10,
                         CASE WHEN $10 IS NULL THEN NULL ELSE $8 END)
                 ON CONFLICT (job) DO NOTHING"
                    .into(),
                args![
                    j.spec.name,
                    j.interval_minutes,
                    j.priority.as_str(),
                    j.max_lag_minutes,
                    j.max_runtime_seconds,
                    j.spec.ai.as_str(),
                    j.enabled,
                    now,
                    duplicate.is_none(),
                    duplicate
                ],
            )
            .await?;
        }
        tx.commit().await
    }

    async fn schedules(&self) -> Result<Vec<ScheduleRow>, StoreError> {
        self.db.fetch_all(SCHEDULES_SQL.into(), vec![]).await
    }

    async fn apply_schedule(
        &self,
        job: &EffectiveJob,
        action_id: &str,
        operator: &crate::identity::Operator,
        now: DateTime<Utc>,
    ) -> Result<Option<ScheduleChange>, StoreError> {
        let mut tx = self.db.begin_write().await?;
        let current: Option<ScheduleRow> = tx
            .fetch_optional(
                "SELECT job, interval_minutes, priority, max_lag_minutes, max_runtime_seconds, ai,
                        enabled, last_skip_reason, last_skip_at, created_at, updated_at
                 FROM job_schedules WHERE job = $1"
                    .into(),
                args![job.spec.name],
            )
            .await?;
        let Some(change) = schedule_change(current.as_ref(), job) else {
            return Ok(None);
        };
        let enabled = job
            .enabled
            .unwrap_or(current.as_ref().is_none_or(|c| c.enabled));
        tx.execute(
            "INSERT INTO job_schedules (job, interval_minutes, priority, max_lag_minutes,
                 max_runtime_seconds, ai, enabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
             ON CONFLICT (job) DO UPDATE SET
                 interval_minutes = excluded.interval_minutes,
                 priority = excluded.priority,
                 max_lag_minutes = excluded.max_lag_minutes,
                 max_runtime_seconds = excluded.max_runtime_seconds,
                 ai = excluded.ai,
                 enabled = excluded.enabled,
                 updated_at = excluded.updated_at"
                .into(),
            args![
                job.spec.name,
                job.interval_minutes,
                job.priority.as_str(),
                job.max_lag_minutes,
                job.max_runtime_seconds,
                job.spec.ai.as_str(),
                enabled,
                now
            ],
        )
        .await?;
        insert_audit(
            &mut tx,
            action_id,
            &format!("job:{}", job.spec.name),
            "apply_config",
            change.from.as_deref(),
            Some(&change.to),
            "applied",
            operator,
            Some("xbot jobs apply-config"),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(change))
    }

    async fn set_job_enabled(
        &self,
        job: &str,
        enabled: bool,
        action_id: &str,
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<Audited, StoreError> {
        let subject = format!("job:{job}");
        let action = if enabled { "enable" } else { "disable" };
        let mut tx = self.db.begin_write().await?;
        // The earlier outcome and the schedule (locked on Postgres) in one round trip.
        let (first, mut b) = earlier_with(
            &mut tx,
            action_id,
            &subject,
            action,
            vec![(
                format!(
                    "SELECT enabled FROM job_schedules WHERE job = $1{}",
                    for_update(B::KIND)
                )
                .into(),
                args![job],
            )],
        )
        .await?;
        if let Some(first) = first {
            return Ok(first);
        }
        let current: Option<(bool,)> = b.take()?.into_iter().next();
        let Some((was,)) = current else {
            return Err(StoreError::NotFound(format!("no job named {job:?}")));
        };
        let state = |on: bool| if on { "enabled" } else { "disabled" }.to_string();
        let outcome = if was == enabled {
            "unchanged"
        } else {
            tx.execute_later(
                "UPDATE job_schedules SET enabled = $2, updated_at = $3 WHERE job = $1".into(),
                args![job, enabled, now],
            )
            .await?;
            "applied"
        };
        let row = Audited {
            action_id: action_id.to_string(),
            subject,
            action: action.to_string(),
            from_state: Some(state(was)),
            to_state: Some(state(enabled)),
            outcome: outcome.to_string(),
            repeated: false,
        };
        write_audit(&mut tx, &row, operator, None, now).await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn record_skip(
        &self,
        job: &str,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = self
            .db
            .execute(
                "UPDATE job_schedules SET last_skip_reason = $2, last_skip_at = $3
                 WHERE job = $1
                   AND ((last_skip_reason IS NULL AND $2 IS NOT NULL)
                     OR (last_skip_reason IS NOT NULL AND $2 IS NULL)
                     OR last_skip_reason <> $2)"
                    .into(),
                args![job, reason, now],
            )
            .await?;
        Ok(n > 0)
    }

    async fn claim(
        &self,
        job: &str,
        trigger: Trigger,
        owner: &str,
        ttl_secs: i64,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let kind = B::KIND;
        let called = std::time::Instant::now();
        // A holder that finishes between our insert and our read of it leaves nothing to
        // report; then the claim is simply tried again.
        for _ in 0..5 {
            // In one write transaction. On SQLite the clock is read once the write lock is
            // held (the caller's `now` moved on by the wait), so a run never starts before
            // the run it waited for finished.
            let mut tx = self.db.begin_write().await?;
            let now = match kind {
                BackendKind::Sqlite => {
                    now + chrono::Duration::from_std(called.elapsed()).unwrap_or_default()
                }
                BackendKind::Postgres => now,
            };
            // Expired runs of this job first: their owner is gone.
            let (clk, bind) = clock(kind, 2);
            let mut args = args![job];
            if bind {
                args.push(Val::from(now));
            }
            let abandoned: Vec<AbandonedRun> = tx
                .fetch_all(
                    format!(
                        "UPDATE job_runs SET status = 'abandoned', finished_at = {clk},
                             error = 'lease expired: the owner stopped heartbeating'
                         WHERE job = $1 AND status = 'running' AND lease_until < {clk}
                         RETURNING id, job, owner"
                    )
                    .into(),
                    args,
                )
                .await?;

            let (clk, bind) = clock(kind, 5);
            let until = clock_plus(kind, 4);
            let mut args = args![job, trigger.as_str(), owner];
            args.push(ttl_arg(kind, now, ttl_secs));
            if bind {
                args.push(Val::from(now));
            }
            let claimed: Option<(i64,)> = tx
                .fetch_optional(
                    format!(
                        "INSERT INTO job_runs (job, status, trigger, owner, started_at,
                             heartbeat_at, lease_until, progress_done, progress_total,
                             progress_phase)
                         VALUES ($1, 'running', $2, $3, {clk}, {clk}, {until}, 0, 0, 'starting')
                         ON CONFLICT DO NOTHING
                         RETURNING id"
                    )
                    .into(),
                    args,
                )
                .await?;
            if let Some((run_id,)) = claimed {
                if kind == BackendKind::Postgres {
                    // now() is when this transaction began, which can be before the run we
                    // waited on (or raced) finished; restamp with the clock read after the
                    // insert went through, so runs of one job never appear to overlap.
                    tx.execute(
                        "UPDATE job_runs SET started_at = clock_timestamp(),
                             heartbeat_at = clock_timestamp(),
                             lease_until = clock_timestamp() + make_interval(secs => $2)
                         WHERE id = $1"
                            .into(),
                        args![run_id, ttl_secs as f64],
                    )
                    .await?;
                }
                if trigger.via().is_some() {
                    audit_run(&mut tx, job, trigger, run_id, None, now).await?;
                }
                tx.commit().await?;
                return Ok(Claim::Claimed {
                    lease: Lease {
                        run_id,
                        job: job.to_string(),
                        owner: owner.to_string(),
                        ttl_secs,
                    },
                    abandoned,
                });
            }
            let holder: Option<(i64, String, DateTime<Utc>)> = tx
                .fetch_optional(
                    "SELECT id, owner, started_at FROM job_runs \
                     WHERE job = $1 AND status = 'running'"
                        .into(),
                    args![job],
                )
                .await?;
            // Abandoned runs stay marked even when someone else holds the job.
            if let (Some(_), Some((run_id, owner, _))) = (trigger.via(), &holder) {
                audit_run(&mut tx, job, trigger, *run_id, Some(owner), now).await?;
            }
            tx.commit().await?;
            if let Some((run_id, owner, started_at)) = holder {
                return Ok(Claim::Held {
                    run_id,
                    owner,
                    started_at,
                });
            }
        }
        Err(StoreError::Conflict(format!(
            "{job} was claimed and released by other processes five times in a row; try again"
        )))
    }

    async fn heartbeat(
        &self,
        lease: &Lease,
        progress: &RunProgress,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let kind = B::KIND;
        let (clk, bind) = clock(kind, 7);
        let until = clock_plus(kind, 6);
        let mut args = args![
            lease.run_id,
            &lease.owner,
            progress.done as i64,
            progress.total as i64,
            &progress.phase
        ];
        args.push(ttl_arg(kind, now, lease.ttl_secs));
        if bind {
            args.push(Val::from(now));
        }
        let row: Option<(bool,)> = self
            .db
            .fetch_optional(
                format!(
                    "UPDATE job_runs SET heartbeat_at = {clk}, lease_until = {until},
                         progress_done = $3, progress_total = $4, progress_phase = $5
                     WHERE id = $1 AND owner = $2 AND status = 'running'
                     RETURNING cancel_requested"
                )
                .into(),
                args,
            )
            .await?;
        match row {
            Some((cancel,)) => Ok(cancel),
            None => Err(StoreError::LeaseLost(format!(
                "run {} of {} was taken over or closed",
                lease.run_id, lease.job
            ))),
        }
    }

    async fn finish_run(
        &self,
        lease: &Lease,
        status: RunStatus,
        error: Option<&str>,
        stats: Option<serde_json::Value>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (clk, bind) = clock(B::KIND, 6);
        let mut args = args![lease.run_id, &lease.owner, status.as_str(), error];
        args.push(Val::Json(stats));
        if bind {
            args.push(Val::from(now));
        }
        let n = self
            .db
            .execute(
                format!(
                    "UPDATE job_runs SET status = $3, error = $4, stats = $5, finished_at = {clk},
                         heartbeat_at = {clk}, lease_until = NULL
                     WHERE id = $1 AND owner = $2 AND status = 'running'"
                )
                .into(),
                args,
            )
            .await?;
        if n == 0 {
            return Err(StoreError::LeaseLost(format!(
                "run {} of {} was already closed by another process",
                lease.run_id, lease.job
            )));
        }
        Ok(())
    }

    async fn request_cancel(
        &self,
        job: &str,
        action_id: &str,
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<Audited, StoreError> {
        let subject = format!("job:{job}");
        let mut tx = self.db.begin_write().await?;
        if let Some(first) = earlier(&mut tx, action_id, &subject, "cancel").await? {
            return Ok(first);
        }
        let running: Option<(i64, String, bool)> = tx
            .fetch_optional(
                format!(
                    "SELECT id, owner, cancel_requested FROM job_runs
                     WHERE job = $1 AND status = 'running'{}",
                    for_update(B::KIND)
                )
                .into(),
                args![job],
            )
            .await?;
        let (from, to, outcome) = match running {
            None => (
                "not running".to_string(),
                "not running".to_string(),
                "not_running",
            ),
            Some((id, owner, asked)) => {
                let to = format!("cancelling run {id} by {owner}");
                if asked {
                    (to.clone(), to, "unchanged")
                } else {
                    tx.execute(
                        "UPDATE job_runs SET cancel_requested = TRUE WHERE id = $1".into(),
                        args![id],
                    )
                    .await?;
                    (format!("running run {id} by {owner}"), to, "applied")
                }
            }
        };
        let row = Audited {
            action_id: action_id.to_string(),
            subject,
            action: "cancel".to_string(),
            from_state: Some(from),
            to_state: Some(to),
            outcome: outcome.to_string(),
            repeated: false,
        };
        write_audit(&mut tx, &row, operator, None, now).await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn abandon_expired(&self, now: DateTime<Utc>) -> Result<Vec<AbandonedRun>, StoreError> {
        let (clk, bind) = clock(B::KIND, 1);
        let args = if bind { args![now] } else { vec![] };
        self.db
            .fetch_all(
                format!(
                    "UPDATE job_runs SET status = 'abandoned', finished_at = {clk},
                         error = 'lease expired: the owner stopped heartbeating'
                     WHERE status = 'running' AND lease_until < {clk}
                     RETURNING id, job, owner"
                )
                .into(),
                args,
            )
            .await
    }

    async fn job_states(&self) -> Result<Vec<JobState>, StoreError> {
        self.read_alone(|r| self.read_job_states(r)).await
    }

    fn read_job_states(&self, r: &mut Reads) -> Read<Vec<JobState>> {
        // Five reads sent together (one round trip on Postgres): the schedules, the latest run
        // of every job, the running ones, the last success of each job, and each job's 20
        // most recent finished runs for its failure streak.
        r.add(
            vec![
                (SCHEDULES_SQL.into(), vec![]),
                (
                    format!(
                        "SELECT {RUN_COLUMNS} FROM job_runs r
                         WHERE r.id = (SELECT x.id FROM job_runs x WHERE x.job = r.job
                                       ORDER BY x.started_at DESC, x.id DESC LIMIT 1)"
                    )
                    .into(),
                    vec![],
                ),
                (
                    format!("SELECT {RUN_COLUMNS} FROM job_runs WHERE status = 'running'").into(),
                    vec![],
                ),
                (
                    "SELECT job, MAX(finished_at) FROM job_runs WHERE status = 'succeeded' \
                     GROUP BY job"
                        .into(),
                    vec![],
                ),
                (
                    "SELECT job, status FROM (
                        SELECT job, status, ROW_NUMBER() OVER (
                            PARTITION BY job ORDER BY started_at DESC, id DESC) AS rn
                        FROM job_runs WHERE status IN ('succeeded', 'failed', 'abandoned')) t
                     WHERE rn <= 20 ORDER BY job, rn"
                        .into(),
                    vec![],
                ),
            ],
            |b| {
                let schedules: Vec<ScheduleRow> = b.take()?;
                let latest: Vec<RunRecord> = b.take()?;
                let running: Vec<RunRecord> = b.take()?;
                let successes: Vec<(String, DateTime<Utc>)> = b.take()?;
                let recent: Vec<(String, String)> = b.take()?;
                let mut out = Vec::with_capacity(schedules.len());
                for schedule in schedules {
                    // Failures since the last success: the most recent finished runs, newest first.
                    let failure_streak = recent
                        .iter()
                        .filter(|(j, _)| *j == schedule.job)
                        .take_while(|(_, s)| s != "succeeded")
                        .filter(|(_, s)| s == "failed" || s == "abandoned")
                        .count() as u32;
                    out.push(JobState {
                        last_run: latest.iter().find(|r| r.job == schedule.job).cloned(),
                        last_success_at: successes
                            .iter()
                            .find(|(j, _)| *j == schedule.job)
                            .map(|(_, at)| *at),
                        running: running.iter().find(|r| r.job == schedule.job).cloned(),
                        failure_streak,
                        schedule,
                    });
                }
                Ok(out)
            },
        )
    }

    async fn running_runs(&self) -> Result<Vec<RunRecord>, StoreError> {
        self.db
            .fetch_all(
                format!("SELECT {RUN_COLUMNS} FROM job_runs WHERE status = 'running' ORDER BY started_at").into(),
                vec![],
            )
            .await
    }

    async fn run_history(
        &self,
        job: Option<&str>,
        limit: i64,
    ) -> Result<Vec<RunRecord>, StoreError> {
        self.read_alone(|r| self.read_run_history(r, job, limit))
            .await
    }

    fn read_run_history(
        &self,
        r: &mut Reads,
        job: Option<&str>,
        limit: i64,
    ) -> Read<Vec<RunRecord>> {
        r.rows(
            format!(
                "SELECT {RUN_COLUMNS} FROM job_runs
                 WHERE ($1 IS NULL OR job = $1)
                 ORDER BY started_at DESC, id DESC LIMIT $2"
            )
            .into(),
            args![job.map(str::to_string), limit],
        )
    }

    async fn run(&self, id: i64) -> Result<Option<RunRecord>, StoreError> {
        self.db
            .fetch_optional(
                format!("SELECT {RUN_COLUMNS} FROM job_runs WHERE id = $1").into(),
                args![id],
            )
            .await
    }
}
