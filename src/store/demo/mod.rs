//! The demo dataset: a deterministic, realistic picture of a running xBOT (about 90 days of
//! posts, replies to ~300 accounts, the safety queue, weight-map history, job history,
//! incidents and today's AI spend), with times relative to now. Written in batches so that
//! `--scale 1000000` streams instead of holding a million posts in memory.

pub mod ops;
pub mod posts;
pub mod text;

use std::collections::HashMap;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::budget::pricing::PriceTable;
use crate::learning::objective::ObjectiveParams;
use crate::learning::weights::LearningRow;
use crate::store::types::Batch;
use crate::store::{Store, StoreError};

/// Posts in the default dataset (about 15 a day over 90 days, two thirds of them replies).
pub const DEFAULT_POSTS: usize = 1_400;
/// The fixed seed: the same `now` gives the same dataset.
pub const DEFAULT_SEED: u64 = 20_251_205;
/// Days of history.
pub const SPAN_DAYS: f64 = 90.0;
/// The densest history the generator writes: about one post a minute.
pub const MAX_POSTS_PER_DAY: f64 = 1_370.0;
/// Accounts discovered for replies.
pub const ACCOUNTS: usize = 300;
/// Posts per written batch.
const CHUNK: usize = 5_000;
/// Rows kept in memory for the weight-map history and insights.
const SAMPLE_LIMIT: usize = 20_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub now: DateTime<Utc>,
    pub seed: u64,
    pub posts: usize,
    pub tz: Tz,
    pub objective: ObjectiveParams,
    pub daily_limit_usd: f64,
    pub prices: PriceTable,
}

impl DemoOptions {
    pub fn new(now: DateTime<Utc>, tz: Tz) -> Self {
        DemoOptions {
            // Millisecond timestamps, as the bot and X produce them (and as SQLite's date
            // functions resolve them).
            now: chrono::SubsecRound::trunc_subsecs(now, 3),
            seed: DEFAULT_SEED,
            posts: DEFAULT_POSTS,
            tz,
            objective: ObjectiveParams::default(),
            daily_limit_usd: 5.0,
            prices: PriceTable::default(),
        }
    }

    /// Scale mode (benchmarks) keeps two follower snapshots per post instead of four.
    fn full_snapshots(&self) -> bool {
        self.posts <= 100_000
    }

    /// Days of history: 90, or longer when posting faster than [`MAX_POSTS_PER_DAY`] would be
    /// needed. A million posts then span two years, as a real history that size would, and the
    /// learning jobs' windows (60 days) hold a realistic share of them.
    pub fn span_days(&self) -> f64 {
        SPAN_DAYS.max(self.posts as f64 / MAX_POSTS_PER_DAY)
    }
}

/// What seeding wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoReport {
    pub posts: usize,
    pub rows: usize,
    #[serde(serialize_with = "serialize_secs")]
    pub elapsed: StdDuration,
}

fn serialize_secs<S: serde::Serializer>(d: &StdDuration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Write the dataset. `progress(done, total)` is called after each batch of posts.
pub async fn seed(
    store: &dyn Store,
    opts: &DemoOptions,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<DemoReport, StoreError> {
    let started = Instant::now();
    let now = opts.now;
    // The job schedule with the catalogue's defaults (rows that exist are left as they are).
    store
        .sync_schedules(
            &crate::config::catalog::effective(&std::collections::BTreeMap::new()),
            now,
        )
        .await?;
    let seeds = ops::account_seeds(opts.seed, now, ACCOUNTS);
    let ctx = posts::PostContext {
        now,
        seed: opts.seed,
        total: opts.posts,
        span_days: opts.span_days(),
        tz: opts.tz,
        objective: opts.objective,
        reply_targets: seeds.iter().take(150).map(|s| s.username.clone()).collect(),
        full_snapshots: opts.full_snapshots(),
    };
    let keep_every = opts.posts.div_ceil(SAMPLE_LIMIT).max(1);
    let mut sample: Vec<(LearningRow, String)> = Vec::new();
    let mut replies: Vec<ops::ReplyFact> = Vec::new();
    let mut rows = 0;

    let mut start = 0;
    while start < opts.posts {
        let end = (start + CHUNK).min(opts.posts);
        let mut batch = Batch::default();
        for i in start..end {
            let p = posts::generate(&ctx, i);
            let score = p
                .outcome
                .as_ref()
                .filter(|o| !o.simulated)
                .and_then(|o| o.primary_objective_score);
            if p.content.decision_type == "reply"
                && let Some(user) = &p.content.target_username
                && let Some(posted_at) = p.content.posted_at
            {
                replies.push(ops::ReplyFact {
                    username: user.clone(),
                    posted_at,
                    fgw: p.outcome.as_ref().and_then(|o| o.followers_gained_weighted),
                    score,
                });
            }
            if i % keep_every == 0
                && let Some(posted_at) = p.content.posted_at
            {
                let c = &p.content;
                sample.push((
                    LearningRow {
                        posted_at,
                        generator_name: c.generator_name.clone(),
                        topic: c.raw_topic.clone(),
                        tone: c.tone.clone(),
                        decision_type: Some(c.decision_type.clone()),
                        content_slot: c.content_slot.clone(),
                        score,
                    },
                    c.decision_id.clone(),
                ));
            }
            batch.content.push(p.content);
            batch.outcomes.extend(p.outcome);
            batch.snapshots.extend(p.snapshots);
        }
        rows += batch.len();
        store.write_batch(&batch).await?;
        progress(end, opts.posts);
        start = end;
    }

    let ops_batch = operations(opts, &seeds, &replies, &sample);
    rows += ops_batch.len();
    store.write_batch(&ops_batch).await?;
    // Fresh statistics, or the planners guess (and pick the wrong index) on a large load.
    store.analyze().await?;
    Ok(DemoReport {
        posts: opts.posts,
        rows,
        elapsed: started.elapsed(),
    })
}

/// Everything but the posts.
fn operations(
    opts: &DemoOptions,
    seeds: &[ops::AccountSeed],
    replies: &[ops::ReplyFact],
    sample: &[(LearningRow, String)],
) -> Batch {
    let now = opts.now;
    let mut by_user: HashMap<&str, Vec<&ops::ReplyFact>> = HashMap::new();
    for r in replies {
        by_user.entry(r.username.as_str()).or_default().push(r);
    }
    let accounts = ops::account_rows(seeds, &by_user, now, opts.objective.tau);
    let opportunities = ops::opportunities(opts.seed, now, &accounts);
    let safety = ops::safety(opts.seed, now);
    let learning_rows: Vec<LearningRow> = sample.iter().map(|(r, _)| r.clone()).collect();
    let (weight_maps, weight_events) = ops::weight_maps(&learning_rows, now);
    let (mut job_runs, incidents, incident_events) = ops::job_history(opts.seed, now);
    let ai_usage = ops::ai_usage(opts.seed, now, opts.tz, opts.daily_limit_usd, &opts.prices);
    ops::record_tiers(&mut job_runs, &ai_usage, opts.tz, opts.daily_limit_usd);
    let mut content = safety.content;
    content.extend(ops::queued(opts.seed, now, opts.tz));
    let mut events = safety.events;
    events.extend(weight_events);
    events.extend(incident_events);
    Batch {
        content,
        accounts,
        opportunities,
        reviews: safety.reviews,
        weight_maps,
        job_runs,
        incidents,
        events,
        ai_usage,
        audit: safety.audit,
        insights: ops::insights(now, sample),
        ..Batch::default()
    }
}
