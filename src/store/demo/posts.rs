//! Demo posts with their outcomes and follower snapshots. Each post is generated from its own
//! index and the seed alone, so the dataset is the same however it is cut into batches.
//! Performance follows latent effects per generator, topic, tone, slot and type, with
//! log-normal noise and rare viral hits (realistic skew), and the score is computed by the
//! learning core exactly as the objective_scores job would.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::learning::objective::{self, EngagementCounts, FollowerSnapshot, ObjectiveParams};
use crate::learning::rng::Rng;
use crate::learning::vocab;
use crate::store::types::{ContentRow, OutcomeRow, SnapshotRow};

use super::text;

/// Everything the posts depend on.
pub struct PostContext {
    pub now: DateTime<Utc>,
    pub seed: u64,
    pub total: usize,
    pub span_days: f64,
    pub tz: Tz,
    pub objective: ObjectiveParams,
    /// Usernames replies go to, most-replied first (Zipf-like skew).
    pub reply_targets: Vec<String>,
    /// Write all four follower snapshots (0, 2, 24, 48 h) or only 0 and 24 h (scale mode).
    pub full_snapshots: bool,
}

/// One generated post.
pub struct GeneratedPost {
    pub content: ContentRow,
    pub outcome: Option<OutcomeRow>,
    pub snapshots: Vec<SnapshotRow>,
}

/// A deterministic per-index random stream.
pub fn rng_for(seed: u64, stream: u64, index: u64) -> Rng {
    Rng::new(
        seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F)
            ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15),
    )
}

/// A stable latent effect in [-1, 1] for a name (the same across runs and batches).
fn effect(seed: u64, name: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    Rng::new(h).range_f64(-1.0, 1.0)
}

/// A time-ordered id (UUID v7) for an instant, with its random part from the stream. Ids that
/// grow with time keep index inserts at the end of the B-tree, as production ids do.
pub fn uuid_at(rng: &mut Rng, at: DateTime<Utc>) -> String {
    let mut random = [0u8; 10];
    random[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    random[8..].copy_from_slice(&rng.next_u64().to_le_bytes()[..2]);
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random)
        .into_uuid()
        .to_string()
}

/// A tweet id (19 digits, like X's snowflakes).
pub fn tweet_id(rng: &mut Rng) -> String {
    format!("1{:018}", rng.next_u64() % 1_000_000_000_000_000_000)
}

/// Generate post `i` of `ctx.total`.
pub fn generate(ctx: &PostContext, i: usize) -> GeneratedPost {
    let mut rng = rng_for(ctx.seed, 1, i as u64);
    let total = ctx.total.max(1) as f64;
    // Spread evenly over the span, oldest first, with jitter; never in the future.
    let spacing_days = ctx.span_days / total;
    let age_days =
        ctx.span_days * (total - i as f64) / total + rng.range_f64(-0.45, 0.45) * spacing_days;
    let age_days = age_days.max(0.01);
    let posted_at = ctx.now - Duration::milliseconds((age_days * 86_400_000.0) as i64);
    let created_at = posted_at - Duration::minutes(5 + rng.below(40) as i64);

    let kind_draw = rng.next_f64();
    let decision_type = if kind_draw < 0.25 {
        "single"
    } else if kind_draw < 0.36 {
        "thread"
    } else {
        "reply"
    };
    let topic = *rng.pick(&vocab::TOPICS).unwrap_or(&"sleep");
    let hook = *rng.pick(&vocab::HOOK_TYPES).unwrap_or(&"none");

    let (slot, generator, tone, angle) = if decision_type == "reply" {
        const REPLY_GENERATORS: [&str; 6] = [
            "connector",
            "pragmatist",
            "teacher",
            "dataNerd",
            "coach",
            "interestingContent",
        ];
        let g = *rng.pick(&REPLY_GENERATORS).unwrap_or(&"connector");
        let tone = *rng
            .pick(&["empathetic", "curious", "direct", "witty"])
            .unwrap_or(&"curious");
        (None, g, tone, "q_and_a")
    } else {
        let local = posted_at.with_timezone(&ctx.tz).date_naive();
        let day_slots =
            crate::learning::slots::slots_for_weekday(chrono::Datelike::weekday(&local));
        let slot = day_slots[rng.below(2)];
        let g = if rng.chance(0.5) {
            *rng.pick(slot.generators).unwrap_or(&"coach")
        } else {
            *rng.pick(&vocab::GENERATORS).unwrap_or(&"coach")
        };
        let tone = if rng.chance(0.4) {
            *rng.pick(slot.tones).unwrap_or(&"calm")
        } else {
            *rng.pick(&vocab::TONES).unwrap_or(&"calm")
        };
        let angle = if rng.chance(0.4) {
            *rng.pick(slot.angles).unwrap_or(&"mechanism")
        } else {
            *rng.pick(&vocab::ANGLES).unwrap_or(&"mechanism")
        };
        (Some(slot.name), g, tone, angle)
    };

    let target = (decision_type == "reply" && !ctx.reply_targets.is_empty()).then(|| {
        // Zipf-like: a few accounts get most replies.
        let n = ctx.reply_targets.len();
        let idx = ((n as f64).powf(rng.next_f64()) - 1.0).floor() as usize;
        ctx.reply_targets[idx.min(n - 1)].clone()
    });

    let (content, thread_parts) = match decision_type {
        "thread" => {
            let parts = text::thread(&mut rng, hook, topic);
            (parts[0].clone(), Some(parts))
        }
        "reply" => (
            text::reply(&mut rng, target.as_deref().unwrap_or("someone"), topic),
            None,
        ),
        _ => (text::single(&mut rng, hook, topic), None),
    };
    let decision_id = uuid_at(&mut rng, created_at);
    let tweet = tweet_id(&mut rng);
    let cta = *rng
        .pick(&["follow", "reply", "bookmark", "none"])
        .unwrap_or(&"none");

    let content_row = ContentRow {
        decision_id: decision_id.clone(),
        decision_type: decision_type.to_string(),
        status: "posted".to_string(),
        content: Some(content),
        thread_parts,
        raw_topic: Some(topic.to_string()),
        angle: Some(angle.to_string()),
        tone: Some(tone.to_string()),
        generator_name: Some(generator.to_string()),
        content_slot: slot.map(str::to_string),
        hook_type: Some(hook.to_string()),
        cta_type: Some(cta.to_string()),
        target_username: target,
        target_tweet_id: (decision_type == "reply").then(|| tweet_id(&mut rng)),
        tweet_id: Some(tweet.clone()),
        created_at,
        posted_at: Some(posted_at),
    };

    // Latent quality: the learning jobs should find these effects again.
    let q = 0.30
        + 0.12 * effect(ctx.seed, generator)
        + 0.06 * effect(ctx.seed ^ 1, topic)
        + 0.04 * effect(ctx.seed ^ 2, tone)
        + slot.map_or(0.0, |s| 0.05 * effect(ctx.seed ^ 3, s))
        + match decision_type {
            "thread" => 0.06,
            "reply" => -0.05,
            _ => 0.0,
        }
        + rng.normal(0.0, 0.05);
    let q = q.clamp(0.02, 0.95);

    let hours_old = age_days * 24.0;
    let mut snapshots = Vec::new();
    let base_followers = 11_000 + ((ctx.span_days - age_days).max(0.0) * 55.0) as i64;

    if hours_old < 2.0 {
        // Too fresh: nothing collected yet.
        snapshots.push(snapshot(&decision_id, 0, Some(base_followers), posted_at));
        return GeneratedPost {
            content: content_row,
            outcome: None,
            snapshots,
        };
    }

    let base_impressions = if decision_type == "reply" {
        380.0
    } else {
        1_600.0
    };
    let mut impressions =
        (base_impressions * (1.6 * (q - 0.3)).exp() * rng.lognormal(0.0, 0.8)).round();
    if rng.chance(0.015) {
        impressions *= 8.0 + rng.range_f64(0.0, 12.0); // a viral hit
    }
    let impressions = impressions.max(12.0) as i64;
    let er = (0.010 + 0.055 * q + rng.normal(0.0, 0.008)).clamp(0.001, 0.25);
    let engagements = (impressions as f64 * er).round() as i64;
    let likes = (engagements as f64 * 0.76).round() as i64;
    let retweets = (engagements as f64 * 0.09).round() as i64;
    let replies = (engagements - likes - retweets).max(0);
    let bookmarks = (engagements as f64 * rng.range_f64(0.03, 0.12)).round() as i64;
    let expected_gain = impressions as f64 * (0.0002 + 0.0035 * q);
    let gained = if rng.chance(0.25) {
        0
    } else {
        (expected_gain * rng.lognormal(0.0, 0.6)).floor() as i64
    };

    // Follower snapshots as age permits; a few posts were never tracked.
    let tracked = !rng.chance(0.03);
    if tracked {
        snapshots.push(snapshot(&decision_id, 0, Some(base_followers), posted_at));
        if ctx.full_snapshots {
            let early = (gained as f64 * 0.45).round() as i64;
            snapshots.push(snapshot(
                &decision_id,
                2,
                Some(base_followers + early),
                posted_at + Duration::hours(2),
            ));
        }
        if hours_old >= 24.0 {
            snapshots.push(snapshot(
                &decision_id,
                24,
                Some(base_followers + gained),
                posted_at + Duration::hours(24),
            ));
        }
        if ctx.full_snapshots && hours_old >= 48.0 {
            let late = gained + (gained as f64 * 0.1).round() as i64;
            snapshots.push(snapshot(
                &decision_id,
                48,
                Some(base_followers + late),
                posted_at + Duration::hours(48),
            ));
        }
    }

    // Some outcomes were never measured (scraper gaps): metrics stay NULL, never 0.
    let measured = !rng.chance(0.04);
    let views = (measured && rng.chance(0.9)).then_some(impressions);
    let m = |v: i64| measured.then_some(v);
    let counts = EngagementCounts {
        likes: m(likes),
        retweets: m(retweets),
        replies: m(replies),
        views,
        impressions: m(impressions),
    };
    let snaps: Vec<FollowerSnapshot> = snapshots
        .iter()
        .map(|s| FollowerSnapshot {
            hours_after_post: s.hours_after_post as i32,
            follower_count: s.follower_count,
        })
        .collect();
    let scored = objective::score_outcome(&counts, &snaps, &ctx.objective);
    let collected_at = ctx
        .now
        .min(posted_at + Duration::hours(hours_old.min(48.0) as i64));

    // Score versions: old posts partly carry the v1 score; the newest are partly unscored.
    // Both give the objective_scores job real work.
    let (score, version) = if age_days > 60.0 && rng.chance(0.3) {
        let er = scored.engagement_rate.unwrap_or(0.0);
        let fg = scored.followers_gained_weighted.unwrap_or(0.0);
        (Some(0.4 * er + 0.6 / (1.0 + (-fg).exp())), Some(1))
    } else if age_days < 1.0 && rng.chance(0.5) {
        (None, None)
    } else {
        (scored.score, Some(i64::from(objective::SCORE_VERSION)))
    };
    let outcome = OutcomeRow {
        decision_id: decision_id.clone(),
        tweet_id: Some(tweet),
        impressions: m(impressions),
        views,
        likes: m(likes),
        retweets: m(retweets),
        replies: m(replies),
        bookmarks: m(bookmarks),
        engagement_rate: scored.engagement_rate,
        followers_before: tracked.then_some(base_followers),
        followers_after: (tracked && hours_old >= 24.0).then_some(base_followers + gained),
        followers_gained: scored.attribution.map(|a| a.gained),
        followers_gained_weighted: scored.followers_gained_weighted,
        attribution_confidence: scored.attribution.map(|a| a.confidence),
        primary_objective_score: score,
        score_version: version,
        hook_type: Some(hook.to_string()),
        cta_type: Some(cta.to_string()),
        structure_type: Some(
            if decision_type == "thread" {
                "thread"
            } else {
                "single"
            }
            .to_string(),
        ),
        simulated: rng.chance(0.02),
        collected_at: Some(collected_at),
        scored_at: score.map(|_| collected_at),
    };
    GeneratedPost {
        content: content_row,
        outcome: Some(outcome),
        snapshots,
    }
}

fn snapshot(decision_id: &str, hours: i64, count: Option<i64>, at: DateTime<Utc>) -> SnapshotRow {
    SnapshotRow {
        decision_id: decision_id.to_string(),
        hours_after_post: hours,
        follower_count: count,
        collected_at: at,
    }
}
