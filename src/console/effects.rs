//! The executor: runs `update`'s effects on tokio tasks and sends the results back as
//! messages. Every database call happens here, never on the UI task.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::msg::{ActionResult, Effect, LoadError, Loaded, Msg, Query, RecordedTier, Status};
use super::state::Setup;
use super::tabs;
use crate::identity::Via;
use crate::jobs::runner::run_job;
use crate::jobs::{JobEnv, JobProgress, overview};
use crate::learning::leaderboard::{SHRINK_K, leaderboard};
use crate::learning::slots;
use crate::store::ops::jobs::Trigger;
use crate::store::ops::reviews::DecisionOutcome;
use crate::store::{Reads, Store, StoreError, StoreHandle};

/// Runs effects. Cheap to clone into tasks.
#[derive(Clone)]
pub struct Executor {
    pub store: StoreHandle,
    pub env: JobEnv,
    pub setup: Arc<Setup>,
    pub tx: mpsc::UnboundedSender<Msg>,
    /// Cancel tokens of the jobs running in this console.
    pub running: Arc<Mutex<HashMap<String, CancellationToken>>>,
}

/// The header's status load (and the connection check) must answer within this, or the
/// database counts as unreachable.
pub const STATUS_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(2500);
/// A tab's load that takes longer than this is reported as an error.
pub const LOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs loaded with the Jobs tab, for its History pane.
pub const RECENT_RUNS: i64 = 200;

impl Executor {
    /// Start an effect. Returns at once; the answer comes back as a message. `Quit`,
    /// `Suspend` and `Redraw` belong to the terminal loop and are ignored here.
    pub fn spawn(&self, effect: Effect) {
        let ex = self.clone();
        match effect {
            Effect::Load { req, query } => {
                tokio::spawn(async move {
                    // Bounded, so that single-flight never waits forever on a silent network:
                    // the header's status answers quickly or the database counts as away.
                    let (limit, timed_out) = match query {
                        Query::Status | Query::CheckStatus => (
                            STATUS_TIMEOUT,
                            StoreError::Unavailable(format!(
                                "no answer within {} ms",
                                STATUS_TIMEOUT.as_millis()
                            )),
                        ),
                        _ => (
                            LOAD_TIMEOUT,
                            StoreError::Query(format!(
                                "the query took longer than {} s",
                                LOAD_TIMEOUT.as_secs()
                            )),
                        ),
                    };
                    let started = std::time::Instant::now();
                    let loaded = load(ex.store.as_ref(), &ex.setup, &query, Utc::now());
                    let result = match tokio::time::timeout(limit, loaded).await {
                        Ok(r) => r,
                        Err(_) => Err(timed_out),
                    };
                    // The log says which screens are slow on this database (a million rows,
                    // a far-away server) without a profiler.
                    let ms = started.elapsed().as_millis() as u64;
                    if ms >= 1000 {
                        tracing::warn!(?query, ms, ok = result.is_ok(), "slow console load");
                    } else {
                        tracing::debug!(?query, ms, ok = result.is_ok(), "console load");
                    }
                    let result = result.map(Box::new).map_err(|e| LoadError {
                        unavailable: e.is_unavailable(),
                        message: e.to_string(),
                    });
                    let _ = ex.tx.send(Msg::Loaded { req, result });
                });
            }
            Effect::RunJob { job } => {
                let cancel = CancellationToken::new();
                if let Ok(mut r) = ex.running.lock() {
                    r.insert(job.clone(), cancel.clone());
                }
                tokio::spawn(async move {
                    let (ptx, mut prx) = watch::channel(JobProgress::default());
                    let forward = {
                        let tx = ex.tx.clone();
                        let job = job.clone();
                        tokio::spawn(async move {
                            while prx.changed().await.is_ok() {
                                let progress = prx.borrow().clone();
                                let _ = tx.send(Msg::JobProgress {
                                    job: job.clone(),
                                    progress,
                                });
                            }
                        })
                    };
                    let result = run_job(&ex.env, &job, Trigger::Manual, cancel, ptx)
                        .await
                        .map_err(|e| e.to_string());
                    forward.abort();
                    if let Ok(mut r) = ex.running.lock() {
                        r.remove(&job);
                    }
                    let _ = ex.tx.send(Msg::JobFinished { job, result });
                });
            }
            Effect::CancelJob { job, here } => {
                if here
                    && let Some(token) = ex.running.lock().ok().and_then(|r| r.get(&job).cloned())
                {
                    token.cancel();
                }
                // Through the store either way: the request and its audit row land together.
                tokio::spawn(async move {
                    let label = format!("cancel {job}");
                    let action_id = uuid::Uuid::now_v7().to_string();
                    let operator = crate::identity::Operator::current().via(Via::Console);
                    let result = match ex
                        .store
                        .request_cancel(&job, &action_id, &operator, Utc::now())
                        .await
                    {
                        Ok(a) if a.outcome == "not_running" => {
                            Ok(ActionResult::Done("it was not running any more".into()))
                        }
                        Ok(_) if here => Ok(ActionResult::Done("cancelling".into())),
                        Ok(_) => Ok(ActionResult::Done(
                            "asked its owner to cancel (seen on its next heartbeat)".into(),
                        )),
                        Err(e) => Err(e.to_string()),
                    };
                    let _ = ex.tx.send(Msg::ActionDone { label, result });
                });
            }
            Effect::SetJobEnabled { job, enabled } => {
                tokio::spawn(async move {
                    let label = format!("{} {job}", if enabled { "enable" } else { "disable" });
                    let action_id = uuid::Uuid::now_v7().to_string();
                    let operator = crate::identity::Operator::current().via(Via::Console);
                    let result = ex
                        .store
                        .set_job_enabled(&job, enabled, &action_id, &operator, Utc::now())
                        .await
                        .map(|a| {
                            ActionResult::Done(match a.to_state {
                                Some(state) if a.outcome == "unchanged" => {
                                    format!("already {state}")
                                }
                                Some(state) => state,
                                None => a.outcome,
                            })
                        })
                        .map_err(|e| e.to_string());
                    let _ = ex.tx.send(Msg::ActionDone { label, result });
                });
            }
            Effect::Decide(mut req) => {
                tokio::spawn(async move {
                    req.action_id = uuid::Uuid::new_v4().to_string();
                    let label = format!(
                        "{} #{}{}",
                        req.verdict.action().replace('_', " "),
                        req.review_id,
                        if req.critical_override.is_some() {
                            " (critical override)"
                        } else {
                            ""
                        }
                    );
                    let result = ex
                        .store
                        .decide(&req, Utc::now())
                        .await
                        .map(ActionResult::Decision)
                        .map_err(|e| e.to_string());
                    let _ = ex.tx.send(Msg::ActionDone { label, result });
                });
            }
            Effect::BulkDecide(reqs) => {
                tokio::spawn(async move {
                    let n = reqs.len();
                    let action = reqs
                        .first()
                        .map_or("decide", |r| r.verdict.action())
                        .replace('_', " ");
                    let label = format!("bulk {action} of {n}");
                    let (mut applied, mut lost, mut refused) = (0, 0, 0);
                    let mut failure = None;
                    for mut req in reqs {
                        req.action_id = uuid::Uuid::new_v4().to_string();
                        match ex.store.decide(&req, Utc::now()).await {
                            Ok(
                                DecisionOutcome::Applied { .. } | DecisionOutcome::Repeated { .. },
                            ) => applied += 1,
                            Ok(DecisionOutcome::LostRace { .. }) => lost += 1,
                            Ok(DecisionOutcome::Refused { .. }) => refused += 1,
                            Err(e) => {
                                failure = Some(e.to_string());
                                break;
                            }
                        }
                    }
                    let result = match failure {
                        Some(e) => Err(format!("{e} (after {applied} applied)")),
                        None => Ok(ActionResult::Bulk {
                            applied,
                            lost,
                            refused,
                        }),
                    };
                    let _ = ex.tx.send(Msg::ActionDone { label, result });
                });
            }
            Effect::Rewrite { review_id } => {
                tokio::spawn(async move {
                    let label = format!("another rewrite of #{review_id}");
                    let operator = crate::identity::Operator::current().via(Via::Console);
                    let result = crate::ai::rewrite::another_rewrite(
                        &ex.store,
                        &ex.env.cfg,
                        review_id,
                        &operator,
                    )
                    .await
                    .map(|r| ActionResult::Decision(r.outcome))
                    .map_err(|e| e.to_string());
                    let _ = ex.tx.send(Msg::ActionDone { label, result });
                });
            }
            Effect::SetOverride {
                username,
                to,
                action_id,
            } => {
                tokio::spawn(async move {
                    // The tab's id when it made one (a retry reuses it), else a fresh one.
                    let action_id = if action_id.is_empty() {
                        uuid::Uuid::now_v7().to_string()
                    } else {
                        action_id
                    };
                    let label = format!(
                        "{} @{username}",
                        match to {
                            crate::learning::replies::OperatorOverride::Pinned => "pin",
                            crate::learning::replies::OperatorOverride::Muted => "mute",
                            crate::learning::replies::OperatorOverride::None => "clear override of",
                        }
                    );
                    let operator = crate::identity::Operator::current().via(Via::Console);
                    let result = ex
                        .store
                        .set_override(&username, to, &action_id, &operator, Utc::now())
                        .await
                        .map(|a| ActionResult::Done(a.outcome))
                        .map_err(|e| e.to_string());
                    let _ = ex.tx.send(Msg::ActionDone { label, result });
                });
            }
            Effect::ActivateWeights { id, version } => {
                tokio::spawn(async move {
                    let action_id = uuid::Uuid::now_v7().to_string();
                    let label = format!("activate weight map {}", crate::text::inert(&version));
                    let operator = crate::identity::Operator::current().via(Via::Console);
                    let result = ex
                        .store
                        .activate_weight_map(&format!("#{id}"), &action_id, &operator, Utc::now())
                        .await
                        .map(|a| ActionResult::Done(a.outcome))
                        .map_err(|e| e.to_string());
                    let _ = ex.tx.send(Msg::ActionDone { label, result });
                });
            }
            Effect::ActOnIncident(req) => {
                tokio::spawn(async move {
                    let label = format!("incident #{}", req.incident_id);
                    let now = Utc::now();
                    let result = match ex.store.act_on_incident(&req, now).await {
                        Ok(outcome) => {
                            let (text, applied) = outcome.describe(
                                req.incident_id,
                                &req.action,
                                &req.operator.name(),
                                now,
                            );
                            Ok(if applied {
                                ActionResult::Done(text)
                            } else {
                                ActionResult::NotApplied(text)
                            })
                        }
                        Err(e) => Err(e.to_string()),
                    };
                    let _ = ex.tx.send(Msg::ActionDone { label, result });
                });
            }
            Effect::Quit
            | Effect::Suspend
            | Effect::Redraw
            | Effect::Clipboard(_)
            | Effect::Bell => {}
        }
    }

    /// Cancel every job started here (on quit or a terminating signal).
    pub fn cancel_all(&self) -> usize {
        match self.running.lock() {
            Ok(r) => {
                for token in r.values() {
                    token.cancel();
                }
                r.len()
            }
            Err(_) => 0,
        }
    }

    pub fn running_count(&self) -> usize {
        self.running.lock().map_or(0, |r| r.len())
    }
}

/// Answer one query from the store, as of `now`.
pub async fn load(
    store: &dyn Store,
    setup: &Setup,
    query: &Query,
    now: chrono::DateTime<Utc>,
) -> Result<Loaded, StoreError> {
    let (day_start, day_end) = slots::day_bounds_utc(slots::local_date(now, setup.tz), setup.tz);
    Ok(match query {
        Query::Status | Query::CheckStatus => {
            // The connection check only when it is in doubt: it fails at once when the server
            // is gone, but costs a round trip of its own.
            if *query == Query::CheckStatus {
                store.ping().await?;
            }
            // One round trip on Postgres for all the header's figures.
            let h = store.header_figures(day_start, day_end).await?;
            Loaded::Status(Status {
                spend_today_usd: h.spend_usd,
                open_incidents: usize::try_from(h.open_incidents).unwrap_or(0),
                running: h.running,
                tier: RecordedTier::from_runs(&h.tier_runs),
                incident_ids: h.incident_ids,
                pending_ids: h.pending_ids,
            })
        }
        // Each screen's reads go together: one round trip on Postgres (plus, when due, the
        // facts sync in the same batch).
        Query::Outcomes(q) => {
            let mut r = Reads::new();
            store.refresh_facts_with(&mut r).await?;
            let health = store.read_data_health(&mut r, now, day_start, day_end);
            let rows = store.read_facts_page(&mut r, q);
            let mut b = store.fetch_reads(r).await?;
            Loaded::Outcomes {
                health: Box::new(health.take(&mut b)?),
                rows: rows.take(&mut b)?,
                query: q.clone(),
            }
        }
        Query::Leaderboard { dim, lambda } => {
            let mut decay = dim.decay_context().params();
            if let Some(l) = lambda {
                decay = decay.with_lambda(*l);
            }
            let groups = store.group_sums(*dim, now, &decay).await?;
            Loaded::Leaderboard {
                dim: *dim,
                decay,
                entries: leaderboard(&groups, SHRINK_K),
            }
        }
        Query::Weights => Loaded::Weights {
            history: store.weight_history(60).await?,
        },
        Query::Slots => {
            let decay = crate::learning::decay::DecayContext::Slot.params();
            let mut r = Reads::new();
            store.refresh_facts_with(&mut r).await?;
            let groups = store.read_group_sums(
                &mut r,
                crate::learning::dimension::Dimension::Slot,
                now,
                &decay,
            );
            let counts = store.read_slot_counts(&mut r, day_start, day_end);
            let mut b = store.fetch_reads(r).await?;
            Loaded::Slots {
                counts: counts.take(&mut b)?,
                board: leaderboard(&groups.take(&mut b)?, SHRINK_K),
            }
        }
        Query::Safety => {
            let mut r = Reads::new();
            let reviews = store.read_reviews(&mut r, &[], 300);
            let audit = store.read_audit(&mut r, None, 40);
            let mut b = store.fetch_reads(r).await?;
            Loaded::Safety {
                reviews: reviews.take(&mut b)?,
                audit: audit.take(&mut b)?,
            }
        }
        Query::Replies => Loaded::Replies {
            accounts: store.accounts(2000).await?,
        },
        Query::AccountHistory(username) => Loaded::AccountHistory {
            username: username.clone(),
            replies: store.account_replies(username, 50).await?,
        },
        Query::Budget => Loaded::Budget {
            report: store.budget_report(day_start, day_end, now).await?,
        },
        Query::Jobs => {
            let mut r = Reads::new();
            let states = store.read_job_states(&mut r);
            let recent = store.read_run_history(&mut r, None, RECENT_RUNS);
            let workers = store.read_workers(&mut r);
            let mut b = store.fetch_reads(r).await?;
            Loaded::Jobs {
                overview: overview::build_with(
                    &setup.job_overrides,
                    setup.ai_configured,
                    &states.take(&mut b)?,
                    now,
                ),
                recent: recent.take(&mut b)?,
                workers: workers.take(&mut b)?,
            }
        }
        Query::JobHistory(job) => Loaded::JobHistory {
            job: job.clone(),
            runs: store.run_history(Some(job), 40).await?,
        },
        Query::Detail(id) => Loaded::Detail {
            decision: store.decision_detail(id).await?.map(Box::new),
        },
        Query::Tab(tab) => Loaded::Tab(*tab, tabs::module(*tab).load(store, setup, now).await?),
    })
}
