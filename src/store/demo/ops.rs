//! The operational side of the demo dataset: accounts and reply opportunities, the safety
//! queue (screened by the real rule screen), queued posts, weight-map history (computed by the
//! learning core), job history with the incidents it implies, today's AI usage, the audit
//! trail and expert insights.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde_json::json;

use crate::ai::guard::flow::{DecisionGuard, GuardOptions, RULES_ONLY};
use crate::ai::guard::rules::{self, RiskLevel};
use crate::budget::pricing::{PriceTable, cost_usd};
use crate::jobs::catalog::JOB_CONFIG;
use crate::learning::replies::{OperatorOverride, ReplySample, opportunity_rank};
use crate::learning::reply_priorities::{AccountReplies, compute_priorities};
use crate::learning::rng::Rng;
use crate::learning::slots;
use crate::learning::vocab;
use crate::learning::weights::{LearningRow, WeightParams, weight_map_from_rows};
use crate::store::types::*;

use super::posts::{rng_for, tweet_id, uuid_at};
use super::text;

pub const DEMO_OPERATORS: [(&str, &str, &str); 2] = [
    ("alice", "ops-laptop", "203.0.113.24"),
    ("bob", "oncall-2", "198.51.100.7"),
];
const WORKER: &str = "xbot-worker@prod-1:4121";

/// One demo account before priorities are computed.
pub struct AccountSeed {
    pub username: String,
    pub display_name: String,
    pub followers: i64,
    pub override_: OperatorOverride,
    pub discovered_at: DateTime<Utc>,
}

pub fn account_seeds(seed: u64, now: DateTime<Utc>, n: usize) -> Vec<AccountSeed> {
    (0..n)
        .map(|i| {
            let mut rng = rng_for(seed, 2, i as u64);
            AccountSeed {
                username: text::username(i),
                display_name: text::display_name(i),
                followers: (rng.lognormal(10.2, 1.3)).round().clamp(800.0, 3_000_000.0) as i64,
                override_: match i {
                    3 | 17 => OperatorOverride::Pinned,
                    41 | 88 => OperatorOverride::Muted,
                    _ => OperatorOverride::None,
                },
                discovered_at: now - Duration::days(95 + rng.below(200) as i64),
            }
        })
        .collect()
}

/// A reply we posted, as the account priorities need it.
pub struct ReplyFact {
    pub username: String,
    pub posted_at: DateTime<Utc>,
    pub fgw: Option<f64>,
    pub score: Option<f64>,
}

/// Accounts with priorities computed by the same pure function the job uses.
pub fn account_rows(
    seeds: &[AccountSeed],
    replies: &HashMap<&str, Vec<&ReplyFact>>,
    now: DateTime<Utc>,
    tau: f64,
) -> Vec<AccountRow> {
    let inputs: Vec<AccountReplies> = seeds
        .iter()
        .map(|s| {
            let mine: &[&ReplyFact] = replies.get(s.username.as_str()).map_or(&[], Vec::as_slice);
            let samples: Vec<ReplySample> = mine
                .iter()
                .map(|r| ReplySample {
                    age_days: crate::learning::decay::age_days(now, r.posted_at),
                    followers_gained_weighted: r.fgw,
                    score: r.score,
                })
                .collect();
            let last = mine.iter().map(|r| r.posted_at).max();
            AccountReplies {
                operator_override: s.override_,
                ..AccountReplies::from_samples(&s.username, &samples, last, tau)
            }
        })
        .collect();
    let updates = compute_priorities(&inputs, now);
    seeds
        .iter()
        .zip(updates)
        .map(|(s, u)| AccountRow {
            username: s.username.clone(),
            display_name: Some(s.display_name.clone()),
            follower_count: Some(s.followers),
            priority_score: u.priority,
            priority_band: Some(u.band),
            reply_performance_score: u.performance,
            last_successful_reply_at: u.last_successful_reply_at,
            replies_30d: i64::from(u.replies_30d),
            operator_override: s.override_.as_str().to_string(),
            discovered_at: s.discovered_at,
        })
        .collect()
}

/// Open reply opportunities, ranked by relevance × likes, boosted by account priority.
pub fn opportunities(
    seed: u64,
    now: DateTime<Utc>,
    accounts: &[AccountRow],
) -> Vec<OpportunityRow> {
    let mut rng = Rng::new(seed ^ 0x0dd5);
    (0..60)
        .map(|i| {
            let a = &accounts[rng.below(accounts.len().clamp(1, 150))];
            let topic = *rng.pick(&vocab::TOPICS).unwrap_or(&"sleep");
            let likes = rng.lognormal(4.0, 1.2).round() as i64;
            let relevance = rng.range_f64(0.3, 1.0);
            let base = relevance * (1.0 + likes as f64).ln();
            OpportunityRow {
                account_username: a.username.clone(),
                tweet_id: tweet_id(&mut rng),
                tweet_text: Some(text::opportunity(&mut rng, topic)),
                likes: Some(likes),
                posted_at: Some(now - Duration::minutes(10 + rng.below(600) as i64)),
                relevance: Some(relevance),
                rank_score: Some(opportunity_rank(base, a.priority_score)),
                status: if i % 9 == 0 { "replied" } else { "open" }.to_string(),
                discovered_at: now - Duration::minutes(5 + rng.below(600) as i64),
            }
        })
        .collect()
}

struct Flagged {
    text: &'static str,
    rewrite: Option<&'static str>,
}

/// Items waiting for a person (pending): risky phrasings with the guard's proposed rewrite.
const PENDING: [Flagged; 5] = [
    Flagged {
        // High, not critical: a dose and a promise, held for a person (the guard rejects "your
        // insomnia will be gone for good" outright).
        text: "Take 800 mg of magnesium before bed and you'll sleep through the night.",
        rewrite: Some(
            "Magnesium-rich foods like pumpkin seeds and leafy greens may support sleep for some people. Talk to your doctor before starting a supplement.",
        ),
    },
    Flagged {
        text: "This 30-day fasting protocol is guaranteed to melt 10 lbs of belly fat. 🔥",
        rewrite: Some(
            "Some people find time-restricted eating helps them eat a little less. Results vary, and slow, steady changes tend to last.",
        ),
    },
    Flagged {
        text: "Creatine is 100% safe for everyone, no side effects, ever.",
        rewrite: Some(
            "Creatine is one of the most studied supplements and is well tolerated by most healthy adults. Check with a professional if you have kidney concerns.",
        ),
    },
    Flagged {
        text: "Cold plunges will prevent every cold this winter. 🧊",
        rewrite: Some(
            "Research on cold exposure is still early; some people enjoy it, but evidence that it prevents colds is mixed.",
        ),
    },
    Flagged {
        text: "Walk 10,000 steps a day and you will never get sick.",
        rewrite: Some(
            "Regular walking is linked to better health in many studies, and it is one of the simplest habits to build.",
        ),
    },
];

/// A thread whose parts 2 and 4 were flagged.
const THREAD: [&str; 5] = [
    "🧵 Vitamin D in winter: what the research actually says (1/5)",
    "2/5 Take 5,000 IU of vitamin D daily if you live up north.",
    "3/5 Your skin makes less vitamin D when the sun is low, from roughly October to March at high latitudes.",
    "4/5 Ten minutes of morning light fixes your sleep in 3 days, guaranteed.",
    "5/5 Food sources help a little: oily fish, eggs and fortified foods.",
];
const THREAD_REWRITES: [(usize, &str); 2] = [
    (
        1,
        "2/5 If you live far from the equator, ask your doctor whether a vitamin D test or supplement makes sense for you.",
    ),
    (
        3,
        "4/5 Morning light may help anchor your body clock; many people find a short walk after waking helps their sleep over time.",
    ),
];

/// Past decisions: (text, status, rewrite or final text, operator index, note).
/// (text, final status, rewrite or edited text, operator index, note).
type Decided = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<usize>,
    Option<&'static str>,
);

const DECIDED: [Decided; 8] = [
    (
        "Vaccines cause more harm than the diseases they prevent.",
        "auto_rejected",
        None,
        None,
        None,
    ),
    (
        "Stop taking your statins and eat more butter instead.",
        "auto_rejected",
        None,
        None,
        None,
    ),
    (
        "Drink 4 liters of water a day, guaranteed to flush out toxins.",
        "approved_rewrite",
        Some("Thirst is a good guide for most healthy adults; keep water where you can see it."),
        Some(0),
        None,
    ),
    (
        "Zone 2 cardio will add 10 years to your life.",
        "approved_edited",
        Some(
            "Zone 2 cardio builds your aerobic base, and fitness is one of the strongest predictors of longevity in research.",
        ),
        Some(1),
        Some("softened the promise, kept the hook"),
    ),
    (
        "Creatine works for everyone who lifts.",
        "approved_original",
        None,
        Some(0),
        Some("gym slang, not a medical claim; context is strength training"),
    ),
    (
        "Sugar is poison. Cut it completely and you'll never be tired again.",
        "rejected",
        None,
        Some(1),
        Some("too absolute for our voice; not worth a rewrite"),
    ),
    (
        "Cold showers guarantee better focus all day.",
        "auto_rewritten",
        Some("Some people find a cool shower helps them feel alert in the morning."),
        None,
        None,
    ),
    (
        "Studies suggest walking after meals may lower blood sugar spikes.",
        "auto_passed",
        None,
        None,
        None,
    ),
];

/// The safety queue, its content rows, the audit of human decisions and rejection events.
pub struct SafetyDemo {
    pub content: Vec<ContentRow>,
    pub reviews: Vec<SafetyReviewRow>,
    pub audit: Vec<AuditRow>,
    pub events: Vec<EventRow>,
}

fn screen_json(text: &str) -> (RiskLevel, serde_json::Value, serde_json::Value) {
    let s = rules::screen(text);
    let issues: Vec<String> = s
        .hits
        .iter()
        .map(|h| format!("{}: {}", h.category.label(), h.why))
        .collect();
    (
        s.level,
        json!(issues),
        serde_json::to_value(&s.hits).unwrap_or_else(|_| json!([])),
    )
}

fn content_row(
    rng: &mut Rng,
    text: &str,
    status: &str,
    created_at: DateTime<Utc>,
    parts: Option<Vec<String>>,
) -> ContentRow {
    let topic = *rng.pick(&vocab::TOPICS).unwrap_or(&"sleep");
    let slot = *rng.pick(&vocab::SLOT_NAMES).unwrap_or(&"practical_tip");
    let posted = status == "posted";
    ContentRow {
        decision_id: uuid_at(rng, created_at),
        decision_type: if parts.is_some() { "thread" } else { "single" }.to_string(),
        status: status.to_string(),
        content: Some(text.to_string()),
        thread_parts: parts,
        raw_topic: Some(topic.to_string()),
        angle: Some((*rng.pick(&vocab::ANGLES).unwrap_or(&"mechanism")).to_string()),
        tone: Some((*rng.pick(&vocab::TONES).unwrap_or(&"calm")).to_string()),
        generator_name: Some((*rng.pick(&vocab::GENERATORS).unwrap_or(&"coach")).to_string()),
        content_slot: Some(slot.to_string()),
        hook_type: Some((*rng.pick(&vocab::HOOK_TYPES).unwrap_or(&"none")).to_string()),
        cta_type: Some("none".to_string()),
        target_username: None,
        target_tweet_id: None,
        tweet_id: posted.then(|| tweet_id(rng)),
        created_at,
        posted_at: posted.then(|| created_at + Duration::minutes(50)),
    }
}

fn review(
    decision_id: &str,
    part: i64,
    text: &str,
    rewrite: Option<&str>,
    status: &str,
    created_at: DateTime<Utc>,
) -> SafetyReviewRow {
    let (level, issues, hits) = screen_json(text);
    SafetyReviewRow {
        decision_id: decision_id.to_string(),
        part_index: part,
        original_text: text.to_string(),
        proposed_rewrite: rewrite.map(str::to_string),
        risk_level: level.as_str().to_string(),
        issues,
        rule_hits: hits,
        status: status.to_string(),
        rewrite_attempts: if rewrite.is_some() { 2 } else { 0 },
        reviewer: Some("gpt-4o-mini".to_string()),
        decided_by: None,
        decided_at: None,
        note: None,
        final_text: None,
        created_at,
    }
}

/// The status the guard's own flow gives a text whose rules found `level` (spec section 6).
fn automatic_status(level: RiskLevel) -> Option<&'static str> {
    match level {
        RiskLevel::Low => Some("auto_passed"),
        RiskLevel::Critical => Some("auto_rejected"),
        _ => None,
    }
}

pub fn safety(seed: u64, now: DateTime<Utc>) -> SafetyDemo {
    let mut rng = Rng::new(seed ^ 0x5afe);
    let mut out = SafetyDemo {
        content: Vec::new(),
        reviews: Vec::new(),
        audit: Vec::new(),
        events: Vec::new(),
    };
    for (i, f) in PENDING.iter().enumerate() {
        let created = now - Duration::minutes(35 + 170 * i as i64);
        let level = rules::screen(f.text).level;
        // Follow the real flow: only medium and high risk waits for a person.
        let status = automatic_status(level).unwrap_or("pending");
        let content_status = match status {
            "pending" => "pending_review",
            "auto_rejected" => "rejected",
            _ => "queued",
        };
        let mut c = content_row(
            &mut rng,
            f.text,
            content_status,
            created - Duration::minutes(3),
            None,
        );
        if status == "pending" {
            out.reviews.push(review(
                &c.decision_id,
                0,
                f.text,
                f.rewrite,
                status,
                created,
            ));
        } else {
            // Decided by the guard itself: exactly the rows and event it writes.
            let g = DecisionGuard::rules_only(&[f.text.to_string()], &GuardOptions::default());
            out.reviews.extend(g.review_rows(&c.decision_id, created));
            out.events
                .extend(g.rejection_event(&c.decision_id, created));
            if let Some(text) = g.content_update(false).content {
                c.content = Some(text);
            }
        }
        out.content.push(c);
    }
    let created = now - Duration::hours(2);
    let parts: Vec<String> = THREAD.iter().map(|s| s.to_string()).collect();
    let c = content_row(
        &mut rng,
        THREAD[0],
        "pending_review",
        created,
        Some(parts.clone()),
    );
    // The guard screens every part and records each; the flagged ones got rewrites.
    let screened = DecisionGuard::rules_only(&parts, &GuardOptions::default());
    for (part, result) in screened.parts.iter().enumerate() {
        match THREAD_REWRITES.iter().find(|(p, _)| *p == part) {
            Some((_, rewrite)) => out.reviews.push(review(
                &c.decision_id,
                part as i64,
                THREAD[part],
                Some(rewrite),
                "pending",
                created,
            )),
            None => {
                // Same reviewer as the flagged parts: the demo's guard had a model.
                let mut row = result.to_review_row(&c.decision_id, part as i64, created);
                row.reviewer = Some("gpt-4o-mini".into());
                out.reviews.push(row);
            }
        }
    }
    out.content.push(c);

    for (i, (text, status, rewrite, operator, note)) in DECIDED.iter().enumerate() {
        let created = now - Duration::hours(20 + 17 * i as i64);
        let decided = created + Duration::minutes(12 + 9 * i as i64);
        let content_status = match *status {
            "rejected" | "auto_rejected" => "rejected",
            _ => "posted",
        };
        let c = content_row(&mut rng, text, content_status, created, None);
        let mut r = review(&c.decision_id, 0, text, None, status, created);
        let by = operator.map(|o| DEMO_OPERATORS[o]);
        r.decided_by = Some(by.map_or("xbot-guard".to_string(), |(u, h, _)| format!("{u}@{h}")));
        r.decided_at = Some(decided);
        r.note = note.map(str::to_string);
        r.final_text = match *status {
            "approved_original" => Some(text.to_string()),
            "auto_passed" => rules::with_disclaimer(text, 280),
            "rejected" | "auto_rejected" => None,
            _ => rewrite.map(str::to_string),
        };
        if matches!(*status, "approved_rewrite" | "auto_rewritten") {
            r.proposed_rewrite = rewrite.map(str::to_string);
        }
        if let Some((user, host, ssh)) = by {
            out.audit.push(AuditRow {
                action_id: uuid_at(&mut rng, decided),
                subject: format!("safety_review:{}", c.decision_id),
                action: status
                    .replace("approved_", "approve_")
                    .replace("rejected", "reject"),
                from_state: Some("pending".into()),
                to_state: Some(status.to_string()),
                outcome: "applied".into(),
                operator: format!("{user}@{host}"),
                os_user: user.into(),
                ssh_client: Some(ssh.into()),
                host: host.into(),
                app_version: crate::identity::APP_VERSION.into(),
                at: decided,
                note: note.map(str::to_string),
            });
        }
        // Rejection events in the shapes the guard and the decision path write.
        let by_rules = (*status == "auto_rejected")
            .then(|| DecisionGuard::rules_only(&[text.to_string()], &GuardOptions::default()))
            .filter(DecisionGuard::rejected);
        if let Some(g) = by_rules {
            r.reviewer = Some(RULES_ONLY.to_string());
            r.note = g.parts[0].note.clone();
            out.events
                .extend(g.rejection_event(&c.decision_id, decided));
        } else if status.contains("rejected") {
            out.events.push(EventRow {
                event_type: "safety_rejected".into(),
                severity: "warning".into(),
                component: "safety_guard".into(),
                message: match by {
                    Some((user, host, _)) => format!(
                        "rejected by {user}@{host}: {}",
                        note.unwrap_or("no reason given")
                    ),
                    None => format!("auto-rejected ({} risk)", r.risk_level),
                },
                metadata: Some(json!({"decision_id": c.decision_id})),
                created_at: decided,
            });
        }
        out.reviews.push(r);
        out.content.push(c);
    }
    out
}

/// Posts waiting to go out today.
pub fn queued(seed: u64, now: DateTime<Utc>, tz: Tz) -> Vec<ContentRow> {
    let mut rng = Rng::new(seed ^ 0x9_0e0e);
    let (_, today) = slots::todays_slots(now, tz);
    (0..4)
        .map(|i| {
            let slot = today[i % 2];
            let topic = *rng.pick(&vocab::TOPICS).unwrap_or(&"sleep");
            let hook = *rng.pick(&vocab::HOOK_TYPES).unwrap_or(&"none");
            let text = text::single(&mut rng, hook, topic);
            let mut c = content_row(
                &mut rng,
                &text,
                if i == 3 { "planned" } else { "queued" },
                now - Duration::minutes(20 + 30 * i as i64),
                None,
            );
            c.content_slot = Some(slot.name.to_string());
            c.generator_name = Some((*rng.pick(slot.generators).unwrap_or(&"coach")).to_string());
            c.raw_topic = Some(topic.to_string());
            c.hook_type = Some(hook.to_string());
            c
        })
        .collect()
}

/// Weight-map history: the map as the job would have computed it 28, 21, 14, 7 and 1 day(s)
/// ago, the newest active.
pub fn weight_maps(rows: &[LearningRow], now: DateTime<Utc>) -> (Vec<WeightMapRow>, Vec<EventRow>) {
    let params = WeightParams::default();
    let mut maps = Vec::new();
    let mut events = Vec::new();
    let ages = [28, 21, 14, 7, 1];
    for (i, days) in ages.iter().enumerate() {
        let at = now - Duration::days(*days) + Duration::minutes(7);
        let visible: Vec<LearningRow> =
            rows.iter().filter(|r| r.posted_at <= at).cloned().collect();
        let result = weight_map_from_rows(&visible, at, &params);
        let version = format!("v{}", i + 1);
        maps.push(WeightMapRow {
            version: version.clone(),
            weights: serde_json::to_value(&result.map.weights).unwrap_or_else(|_| json!({})),
            stats: serde_json::to_value(&result.map.stats).unwrap_or_else(|_| json!({})),
            params: serde_json::to_value(result.params).unwrap_or_else(|_| json!({})),
            computed_at: at,
            date_range_start: result.date_range_start,
            date_range_end: result.date_range_end,
            sample_size: result.sample_size as i64,
            is_active: i == ages.len() - 1,
            job_run_id: None,
        });
        events.push(EventRow {
            event_type: "weights_activated".into(),
            severity: "info".into(),
            component: "offline_weight_map".into(),
            message: format!(
                "weight map {version} activated ({} samples)",
                result.sample_size
            ),
            metadata: Some(json!({"version": version})),
            created_at: at,
        });
    }
    (maps, events)
}

/// Two days of job history (plus the older runs that matter), and the incidents it implies:
/// objective_scores failed three times in a row (incident opened, resolved by the next
/// success), a reply_priority_learning lease expired, a budget day at T3, and expert_review
/// last succeeded 50 hours ago, over its 48-hour SLA (open).
pub fn job_history(
    seed: u64,
    now: DateTime<Utc>,
) -> (Vec<JobRunRow>, Vec<IncidentRow>, Vec<EventRow>) {
    let mut rng = Rng::new(seed ^ 0x70b5);
    let mut runs = Vec::new();
    for spec in JOB_CONFIG.iter() {
        let interval = Duration::minutes(i64::from(spec.interval_minutes));
        let mut at = now
            - Duration::minutes(
                2 + rng.below(i64::from(spec.interval_minutes).max(3) as usize) as i64,
            );
        let horizon = now - Duration::hours(48);
        let mut count = 0;
        while at > horizon && count < 40 {
            if spec.name == "expert_review" {
                break; // handled below: its lag is the point
            }
            let duration_ms = match spec.name {
                "offline_weight_map" => 800 + rng.below(900) as i64,
                "plan" | "safety_review" => 3_000 + rng.below(9_000) as i64,
                _ => 40 + rng.below(400) as i64,
            };
            let rows_read = 10 + rng.below(2_000) as i64;
            let failed = spec.name == "objective_scores"
                && (now - at) > Duration::hours(29)
                && (now - at) < Duration::hours(30) + interval * 2;
            let abandoned = spec.name == "reply_priority_learning" && count == 13;
            runs.push(JobRunRow {
                job: spec.name.into(),
                status: if abandoned { "abandoned" } else if failed { "failed" } else { "succeeded" }.into(),
                trigger: if count % 17 == 5 { "manual" } else { "schedule" }.into(),
                owner: WORKER.into(),
                started_at: at,
                finished_at: Some(at + Duration::milliseconds(duration_ms)),
                error: if failed {
                    Some("the database is unreachable: connection reset by peer".into())
                } else if abandoned {
                    Some("lease expired: owner stopped heartbeating".into())
                } else {
                    None
                },
                stats: (!failed && !abandoned).then(|| json!({"rows_read": rows_read, "rows_written": rows_read / 3, "duration_ms": duration_ms})),
            });
            at -= interval;
            count += 1;
        }
    }
    for hours in [74, 50] {
        let at = now - Duration::hours(hours);
        runs.push(JobRunRow {
            job: "expert_review".into(),
            status: "succeeded".into(),
            trigger: "schedule".into(),
            owner: WORKER.into(),
            started_at: at,
            finished_at: Some(at + Duration::seconds(41)),
            error: None,
            stats: Some(json!({"rows_read": 24, "rows_written": 2, "duration_ms": 41_000})),
        });
    }

    // Oldest first, so ids follow time as they do in a real ledger.
    runs.sort_by_key(|r| r.started_at);
    let mut incidents = Vec::new();
    let mut events = Vec::new();
    let mut incident = |kind: &str,
                        subject: &str,
                        severity: &str,
                        opened: DateTime<Utc>,
                        resolved: Option<DateTime<Utc>>,
                        count: i64,
                        details: &str| {
        incidents.push(IncidentRow {
            kind: kind.into(),
            subject: subject.into(),
            state: if resolved.is_some() {
                "resolved"
            } else {
                "open"
            }
            .into(),
            severity: severity.into(),
            opened_at: opened,
            resolved_at: resolved,
            last_seen_at: resolved.unwrap_or(now - Duration::minutes(3)),
            count,
            details: Some(details.into()),
        });
        events.push(EventRow {
            event_type: "incident_opened".into(),
            severity: severity.into(),
            component: "incidents".into(),
            message: format!("{kind} {subject}: {details}"),
            metadata: Some(json!({"kind": kind, "subject": subject})),
            created_at: opened,
        });
        if let Some(at) = resolved {
            events.push(EventRow {
                event_type: "incident_resolved".into(),
                severity: "info".into(),
                component: "incidents".into(),
                message: format!("{kind} {subject} resolved"),
                metadata: Some(json!({"kind": kind, "subject": subject})),
                created_at: at,
            });
        }
    };
    incident(
        "budget_tier",
        "ai_budget",
        "warning",
        now - Duration::hours(99),
        Some(now - Duration::hours(90)),
        1,
        "tier T3: 86% of the daily limit spent",
    );
    incident(
        "job_failure_streak",
        "objective_scores",
        "error",
        now - Duration::hours(29),
        Some(now - Duration::hours(28)),
        3,
        "3 failures in a row: the database is unreachable",
    );
    incident(
        "lease_expired",
        "reply_priority_learning",
        "warning",
        now - Duration::hours(19),
        Some(now - Duration::hours(19)),
        1,
        "run abandoned by xbot-worker@prod-1:4121",
    );
    incident(
        "sla_lag",
        "expert_review",
        "warning",
        now - Duration::hours(2),
        None,
        24,
        "last success 50 h ago, over the 48 h SLA",
    );
    (runs, incidents, events)
}

/// What each succeeded `budget_tier` run recorded: the tier of the spend of its day up to its
/// start, from the generated AI calls, as the job records it.
pub fn record_tiers(runs: &mut [JobRunRow], usage: &[AiUsageRow], tz: Tz, daily_limit: f64) {
    for run in runs
        .iter_mut()
        .filter(|r| r.job == "budget_tier" && r.status == "succeeded")
    {
        let (start, _) = slots::day_bounds_utc(slots::local_date(run.started_at, tz), tz);
        let spend: f64 = usage
            .iter()
            .filter(|u| u.at >= start && u.at < run.started_at)
            .map(|u| u.cost_usd)
            .sum();
        let tier = crate::budget::tiers::tier_for(spend, daily_limit);
        let share = crate::budget::tiers::share(spend, daily_limit);
        let stats = run.stats.get_or_insert_with(|| json!({}));
        stats["message"] = json!(format!(
            "tier {tier}: ${spend:.2} of ${daily_limit:.2} ({:.0}%)",
            100.0 * share
        ));
        stats["details"] = json!({
            "tier": tier.as_str(),
            "spend_usd": spend,
            "limit_usd": daily_limit,
            "share": share,
        });
    }
}

/// AI calls of the last week and of today so far. Today ends near 58% of the daily limit
/// (tier T2); four days ago reached T3.
pub fn ai_usage(
    seed: u64,
    now: DateTime<Utc>,
    tz: Tz,
    daily_limit: f64,
    prices: &PriceTable,
) -> Vec<AiUsageRow> {
    let mut rng = Rng::new(seed ^ 0xa1);
    let today = slots::local_date(now, tz);
    let mut rows = Vec::new();
    for days_ago in (0..8).rev() {
        let date = today - chrono::Days::new(days_ago);
        let (start, end) = slots::day_bounds_utc(date, tz);
        let end = end.min(now);
        if end <= start {
            continue;
        }
        let target = daily_limit
            * match days_ago {
                0 => 0.58,
                4 => 0.86,
                _ => rng.range_f64(0.45, 0.72),
            };
        let span_ms = (end - start).num_milliseconds().max(1);
        let mut spent = 0.0;
        let mut expert_calls = 0;
        while spent < target {
            let expert = expert_calls < 9 && rng.chance(0.01);
            let (model, area, purpose, orchestrator, prompt, completion) = if expert {
                expert_calls += 1;
                let model = if rng.chance(0.5) {
                    "gpt-4o"
                } else {
                    "gpt-4o-2024-08-06"
                };
                (
                    model,
                    "expert_analysis",
                    "expert_review",
                    "ExpertInsight",
                    5_000 + rng.below(3_000) as i64,
                    900 + rng.below(600) as i64,
                )
            } else {
                let (area, purpose) = *rng
                    .pick(&[
                        ("content_generation", "plan"),
                        ("content_generation", "plan"),
                        ("safety", "safety_review"),
                        ("safety", "rewrite"),
                        ("replies", "reply_generation"),
                    ])
                    .unwrap_or(&("content_generation", "plan"));
                let model = if rng.chance(0.2) {
                    "gpt-4o-mini-2024-07-18"
                } else {
                    "gpt-4o-mini"
                };
                (
                    model,
                    area,
                    purpose,
                    "CoreContent",
                    6_000 + rng.below(6_000) as i64,
                    300 + rng.below(500) as i64,
                )
            };
            let (price, _) = prices.price_for(model);
            let cost = cost_usd(&price, prompt as u64, completion as u64);
            spent += cost;
            rows.push(AiUsageRow {
                at: start + Duration::milliseconds(rng.below(span_ms as usize) as i64),
                model: model.into(),
                prompt_tokens: prompt,
                completion_tokens: completion,
                total_tokens: prompt + completion,
                cost_usd: cost,
                feature_area: area.into(),
                purpose: Some(purpose.into()),
                orchestrator: Some(orchestrator.into()),
                job_run_id: None,
                state: "settled".into(),
            });
        }
    }
    rows
}

/// Expert reviews of the best and worst posts of each of the last three days.
pub fn insights(now: DateTime<Utc>, rows: &[(LearningRow, String)]) -> Vec<InsightRow> {
    let mut out = Vec::new();
    for day in 0..3 {
        let end = now - Duration::days(day);
        let start = end - Duration::days(1);
        let mut day_rows: Vec<&(LearningRow, String)> = rows
            .iter()
            .filter(|(r, _)| r.posted_at > start && r.posted_at <= end && r.score.is_some())
            .collect();
        day_rows.sort_by(|a, b| {
            b.0.score
                .unwrap_or(0.0)
                .total_cmp(&a.0.score.unwrap_or(0.0))
        });
        let (Some(best), Some(worst)) = (day_rows.first(), day_rows.last()) else {
            continue;
        };
        let describe = |r: &LearningRow| {
            format!(
                "a {} {} on {} by {}",
                r.content_slot.as_deref().unwrap_or("reply"),
                r.decision_type.as_deref().unwrap_or("post"),
                r.topic.as_deref().unwrap_or("?").replace('_', " "),
                r.generator_name.as_deref().unwrap_or("?")
            )
        };
        out.push(InsightRow {
            created_at: end - Duration::minutes(30),
            decision_id: Some(best.1.clone()),
            kind: "best".into(),
            model: Some("gpt-4o".into()),
            insight: format!(
                "Best of the day: {} scored {:.2}. A concrete first line and one practical takeaway; the follow-up reply kept the thread alive.",
                describe(&best.0),
                best.0.score.unwrap_or(0.0)
            ),
            recommendations: Some(json!(["keep the concrete hook", "reuse the practical takeaway format"])),
        });
        out.push(InsightRow {
            created_at: end - Duration::minutes(29),
            decision_id: Some(worst.1.clone()),
            kind: "worst".into(),
            model: Some("gpt-4o".into()),
            insight: format!(
                "Weakest of the day: {} scored {:.2}. The hook was generic and the post had no clear takeaway.",
                describe(&worst.0),
                worst.0.score.unwrap_or(0.0)
            ),
            recommendations: Some(json!(["lead with a number or a question", "end with one action"])),
        });
    }
    out
}
