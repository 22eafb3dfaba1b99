//! The bad-data and hostile-text corpus: named bad inputs, and a loader that writes them into a
//! (demo-seeded) database, through the store where it accepts them and with plain SQL (bound
//! parameters) where it would refuse (malformed JSON, NaN in NOT NULL columns, running runs,
//! skip reasons).
//!
//! Every text entry starts with an inert marker `hxNN` (its index), so a test can tell that a
//! hostile row is on screen without matching the hostile part. The loader writes each text
//! entry into every text column the console, the jobs and the CLI show: posts (content, thread
//! parts, descriptors, reply targets, tweet ids), outcomes, reply accounts and opportunities,
//! safety reviews (original, rewrite, issues, rule hits, reviewer, note), incidents, system
//! events, the audit trail, AI usage, job runs (owner, error, stats), weight maps (version and
//! weighted values) and expert insights.
//!
//! Postgres cannot store NUL (U+0000) in text or JSON, nor malformed JSON in JSONB columns: on
//! Postgres NUL is dropped and the JSON cases are valid JSON of the wrong shape instead.
#![allow(dead_code)]

use std::str::FromStr;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use xbot::store::types::{
    AccountRow, AiUsageRow, AuditRow, Batch, ContentRow, EventRow, IncidentRow, InsightRow,
    JobRunRow, OpportunityRow, OutcomeRow, SafetyReviewRow, SnapshotRow, WeightMapRow,
};

use super::TestDb;

/// What kind of bad input an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    /// Terminal escape sequences: CSI, OSC (52 clipboard, 8 hyperlink, title), DCS, APC,
    /// cursor position query.
    Escape,
    /// C0 and C1 control characters, DEL, BEL, backspace and carriage-return tricks.
    Control,
    /// Bidirectional formatting characters (overrides, embeddings, isolates, marks).
    Bidi,
    /// Legitimate but demanding Unicode: CJK, emoji ZWJ sequences, combining marks, RTL
    /// scripts, zero-width characters.
    Unicode,
    /// Oversized values: a 10 KB post, a very long username.
    Size,
    /// NULL, NaN, infinite, negative and huge metrics.
    Metric,
    /// Malformed or wrongly shaped JSON in weight maps, job stats, thread parts, rule hits.
    Json,
    /// Names nothing knows: generators, slots, decision types, jobs, statuses, overrides.
    Unknown,
    /// Times far from now: posted in the far future, at the epoch, before being created.
    Time,
}

/// Bad numbers for one post, its reply account and an AI call.
#[derive(Debug, Clone)]
pub struct Metrics {
    pub impressions: Option<i64>,
    pub views: Option<i64>,
    pub likes: Option<i64>,
    pub retweets: Option<i64>,
    pub replies: Option<i64>,
    pub bookmarks: Option<i64>,
    pub engagement_rate: Option<f64>,
    pub followers_gained: Option<i64>,
    pub followers_gained_weighted: Option<f64>,
    pub attribution_confidence: Option<f64>,
    pub score: Option<f64>,
    pub score_version: Option<i64>,
    /// Follower snapshots (hours after the post, count) that objective_scores reads.
    pub snapshots: Vec<(i64, Option<i64>)>,
    /// `discovered_accounts.priority_score` (NOT NULL: NaN is written on Postgres only).
    pub priority_score: f64,
    pub follower_count: Option<i64>,
    pub replies_30d: i64,
    pub reply_performance_score: Option<f64>,
    /// `ai_usage.cost_usd` (NOT NULL) and `total_tokens`.
    pub cost_usd: f64,
    pub tokens: i64,
}

impl Metrics {
    fn plain() -> Metrics {
        Metrics {
            impressions: Some(1000),
            views: Some(900),
            likes: Some(10),
            retweets: Some(1),
            replies: Some(2),
            bookmarks: Some(0),
            engagement_rate: Some(0.02),
            followers_gained: Some(1),
            followers_gained_weighted: Some(1.0),
            attribution_confidence: Some(0.5),
            score: Some(0.5),
            score_version: Some(2),
            snapshots: vec![(0, Some(1000)), (24, Some(1001))],
            priority_score: 0.5,
            follower_count: Some(100),
            replies_30d: 1,
            reply_performance_score: Some(0.5),
            cost_usd: 0.001,
            tokens: 100,
        }
    }
}

/// Where a JSON payload goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonTarget {
    /// `learning_model_weights.weights` of a new (inactive) version.
    Weights,
    /// `learning_model_weights.weights` of the ACTIVE version (the demo's is deactivated).
    ActiveWeights,
    /// `learning_model_weights.stats` (the weights themselves are fine).
    WeightStats,
    /// `job_runs.stats` of a succeeded run.
    RunStats,
    /// `content_metadata.thread_parts` of a posted thread.
    ThreadParts,
    /// `safety_reviews.rule_hits` and `issues` of a pending review.
    RuleHits,
    /// `system_events.metadata`.
    EventMetadata,
}

/// A JSON case: the text written on SQLite (may be malformed) and on Postgres (valid JSON, as
/// JSONB requires, but of the wrong shape).
#[derive(Debug, Clone)]
pub struct JsonCase {
    pub target: JsonTarget,
    pub sqlite: String,
    pub postgres: String,
}

/// Which column gets an unknown name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameColumn {
    Generator,
    Slot,
    DecisionType,
    /// A job run (and a schedule row) of a job the catalog does not have.
    Job,
    /// A review's status and risk level.
    ReviewStatus,
    /// An account's operator override.
    Override,
    /// An incident's state and severity.
    IncidentState,
    /// The status of today's (unposted) decisions in every configured slot.
    ContentStatus,
    /// Empty strings in every text column (names, texts, versions, usernames, statuses).
    Empty,
}

/// The bad value of an entry.
#[derive(Debug, Clone)]
pub enum Bad {
    /// Hostile text, written (after the marker) into every text column.
    Text(String),
    Metrics(Box<Metrics>),
    Json(JsonCase),
    Name(NameColumn, String),
    /// A post's (created, posted) times.
    Times(DateTime<Utc>, DateTime<Utc>),
}

/// One named bad input.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: &'static str,
    pub category: Category,
    pub bad: Bad,
}

/// The marker of entry `i`: plain ASCII, inert, searchable on screen.
pub fn marker(i: usize) -> String {
    format!("hx{i:02}")
}

/// A distinctive plain word each text entry also carries at its end (for long values whose
/// start is cut): `hxNNend`.
pub fn end_marker(i: usize) -> String {
    format!("{}end", marker(i))
}

fn text(name: &'static str, category: Category, s: impl Into<String>) -> Entry {
    Entry {
        name,
        category,
        bad: Bad::Text(s.into()),
    }
}

fn metrics(name: &'static str, f: impl FnOnce(&mut Metrics)) -> Entry {
    let mut m = Metrics::plain();
    f(&mut m);
    Entry {
        name,
        category: Category::Metric,
        bad: Bad::Metrics(Box::new(m)),
    }
}

fn json_case(name: &'static str, target: JsonTarget, sqlite: &str, postgres: &str) -> Entry {
    Entry {
        name,
        category: Category::Json,
        bad: Bad::Json(JsonCase {
            target,
            sqlite: sqlite.to_string(),
            postgres: postgres.to_string(),
        }),
    }
}

fn unknown(name: &'static str, column: NameColumn, value: &str) -> Entry {
    Entry {
        name,
        category: Category::Unknown,
        bad: Bad::Name(column, value.to_string()),
    }
}

/// The corpus.
pub fn corpus() -> Vec<Entry> {
    use Category::*;
    let c1_all: String = ('\u{80}'..='\u{9f}').collect();
    let ten_kb = {
        let unit = "A 10 KB post: déjà vu 日本語 👍🏽 \u{1b}[5m ";
        let mut s = String::new();
        while s.len() < 10 * 1024 {
            s.push_str(unit);
        }
        s
    };
    vec![
        // Escape sequences of several kinds.
        text(
            "csi_clear_screen",
            Escape,
            "\u{1b}[2J\u{1b}[H\u{1b}[3J cleared",
        ),
        text(
            "csi_sgr_colours",
            Escape,
            "\u{1b}[31mred\u{1b}[0m \u{1b}[1;5;7mblink\u{1b}[m",
        ),
        text(
            "csi_cursor_moves",
            Escape,
            "\u{1b}[10;10H\u{1b}[2K\u{1b}[A\u{1b}[999C moved",
        ),
        text(
            "csi_cursor_position_query",
            Escape,
            "ask \u{1b}[6n\u{1b}[c\u{1b}[>0c for a reply",
        ),
        text(
            "osc52_clipboard_write",
            Escape,
            "copy \u{1b}]52;c;cm0gLXJmIH4K\u{7} done",
        ),
        text(
            "osc8_hyperlink",
            Escape,
            "\u{1b}]8;;http://x.example/\u{1b}\\click me\u{1b}]8;;\u{1b}\\",
        ),
        text(
            "osc0_window_title",
            Escape,
            "\u{1b}]0;pwned title\u{7}\u{1b}]2;again\u{1b}\\",
        ),
        text(
            "dcs_sixel_and_decrqss",
            Escape,
            "\u{1b}Pq#0;2;0;0;0#0~~@@vv\u{1b}\\\u{1b}P$qm\u{1b}\\",
        ),
        text(
            "apc_pm_sos_strings",
            Escape,
            "\u{1b}_Gf=100;AAAA\u{1b}\\\u{1b}^pm\u{1b}\\\u{1b}Xsos\u{1b}\\",
        ),
        text(
            "unterminated_escapes",
            Escape,
            "tail \u{1b}]52;c;AAAA \u{1b}P never ends \u{1b}[",
        ),
        // Control characters.
        text(
            "bel_and_del",
            Control,
            "ding\u{7}\u{7}\u{7} del\u{7f}\u{7f}",
        ),
        text(
            "backspace_overwrite",
            Control,
            "safe\u{8}\u{8}\u{8}\u{8}EVIL",
        ),
        text(
            "carriage_return_overwrite",
            Control,
            "looks fine\rEVIL\r\nnext line\ttab\u{b}\u{c}",
        ),
        text(
            "c0_controls_and_nul",
            Control,
            "nul\u{0} soh\u{1} stx\u{2} so\u{e} si\u{f} esc-less\u{1a}\u{1c}\u{1f}",
        ),
        text(
            "c1_csi_and_osc",
            Control,
            "c1 csi \u{9b}31m c1 osc \u{9d}0;title\u{9c} dcs \u{90}x\u{9c}",
        ),
        text("c1_controls_all", Control, format!("all c1 {c1_all} done")),
        // Bidi controls.
        text(
            "bidi_rlo_override",
            Bidi,
            "file\u{202e}gnp.exe and \u{202d}ltr override",
        ),
        text(
            "bidi_embeddings",
            Bidi,
            "\u{202a}lre\u{202c} \u{202b}rle\u{202c} pdf",
        ),
        text(
            "bidi_isolates",
            Bidi,
            "\u{2066}lri\u{2069} \u{2067}rli\u{2069} \u{2068}fsi\u{2069}",
        ),
        text(
            "bidi_marks",
            Bidi,
            "lrm\u{200e} rlm\u{200f} alm\u{61c} marks",
        ),
        // Demanding Unicode.
        text(
            "zero_width_characters",
            Unicode,
            "zero\u{200b}width\u{200c}non\u{200d}joiner\u{feff}bom\u{2060}wj",
        ),
        text(
            "cjk_wide_text",
            Unicode,
            "日本語のテキスト 中文内容 한국어 텍스트 ｆｕｌｌｗｉｄｔｈ",
        ),
        text("emoji_zwj_sequences", Unicode, "👨‍👩‍👧‍👦 🏳️‍🌈 🧑🏽‍💻 👍🏽 🇯🇵 1️⃣"),
        text(
            "combining_marks_zalgo",
            Unicode,
            "Z̴̡̢͔̳̈́̈́a̸̧̛͎l̷̰̈g̶̣̈́o̴̬͝ e\u{301}\u{302}\u{303}\u{304}",
        ),
        text("rtl_scripts", Unicode, "مرحبا بالعالم שלום עולם mixed"),
        text(
            "line_and_paragraph_separators",
            Unicode,
            "line\u{2028}sep para\u{2029}sep nel\u{85}",
        ),
        // Size.
        text("post_10kb", Size, ten_kb),
        text(
            "very_long_username",
            Size,
            format!(
                "{}_{}",
                "very_long_username".repeat(30),
                "ユーザー名".repeat(20)
            ),
        ),
        // Metrics.
        metrics("metrics_all_null", |m| {
            m.impressions = None;
            m.views = None;
            m.likes = None;
            m.retweets = None;
            m.replies = None;
            m.bookmarks = None;
            m.engagement_rate = None;
            m.followers_gained = None;
            m.followers_gained_weighted = None;
            m.attribution_confidence = None;
            m.score = None;
            m.score_version = None;
            m.snapshots = vec![(0, None), (24, None)];
            m.follower_count = None;
            m.reply_performance_score = None;
        }),
        metrics("metrics_nan", |m| {
            m.engagement_rate = Some(f64::NAN);
            m.followers_gained_weighted = Some(f64::NAN);
            m.attribution_confidence = Some(f64::NAN);
            m.score = Some(f64::NAN);
            m.priority_score = f64::NAN;
            m.reply_performance_score = Some(f64::NAN);
            m.cost_usd = f64::NAN;
        }),
        metrics("metrics_negative", |m| {
            m.impressions = Some(-5);
            m.views = Some(-1);
            m.likes = Some(-3);
            m.retweets = Some(-2);
            m.replies = Some(-1);
            m.bookmarks = Some(-9);
            m.engagement_rate = Some(-0.5);
            m.followers_gained = Some(-100);
            m.followers_gained_weighted = Some(-3.5);
            m.score = Some(-0.25);
            m.snapshots = vec![(0, Some(i64::MIN)), (2, Some(-10)), (24, Some(-1))];
            m.priority_score = -1.0;
            m.follower_count = Some(-1);
            m.replies_30d = -7;
            m.reply_performance_score = Some(-2.0);
            m.cost_usd = -4.0;
            m.tokens = -100;
        }),
        metrics("metrics_huge", |m| {
            m.impressions = Some(i64::MAX);
            m.views = Some(i64::MAX);
            m.likes = Some(i64::MAX);
            m.retweets = Some(i64::MAX);
            m.replies = Some(i64::MAX);
            m.bookmarks = Some(i64::MAX);
            m.engagement_rate = Some(1e308);
            m.followers_gained = Some(i64::MAX);
            m.followers_gained_weighted = Some(1e308);
            m.score = Some(1e300);
            m.snapshots = vec![(0, Some(0)), (24, Some(i64::MAX))];
            m.priority_score = 1e308;
            m.follower_count = Some(i64::MAX);
            m.replies_30d = i64::MAX;
            m.reply_performance_score = Some(1e308);
            m.cost_usd = 1e12;
            m.tokens = i64::MAX;
        }),
        metrics("metrics_infinite", |m| {
            m.engagement_rate = Some(f64::INFINITY);
            m.followers_gained_weighted = Some(f64::NEG_INFINITY);
            m.score = Some(f64::INFINITY);
            m.priority_score = f64::INFINITY;
            m.reply_performance_score = Some(f64::NEG_INFINITY);
            m.cost_usd = f64::INFINITY;
        }),
        metrics("score_out_of_range_and_unknown_version", |m| {
            m.score = Some(7.5);
            m.score_version = Some(-1);
            m.attribution_confidence = Some(42.0);
            m.snapshots = vec![(-24, Some(5)), (100_000, Some(6))];
        }),
        // JSON.
        json_case(
            "weights_truncated_json",
            JsonTarget::Weights,
            r#"{"generator_name": {"coach": 0.5, "#,
            r#""weights as a bare string""#,
        ),
        json_case(
            "weights_wrong_shape",
            JsonTarget::Weights,
            r#"[["generator_name", 1], null]"#,
            r#"{"generator_name": [0.1, 0.2], "topic": "x"}"#,
        ),
        json_case(
            "weights_bad_numbers",
            JsonTarget::Weights,
            r#"{"generator_name": {"a": NaN, "b": Infinity, "c": -1e999}}"#,
            r#"{"generator_name": {"a": 1e400, "b": "0.5", "c": null}}"#,
        ),
        json_case(
            "weights_hostile_keys_bad_values",
            JsonTarget::Weights,
            r#"{"generator_name": {"\u001b]52;c;AAAA\u0007\u202eb": "0.5", "\u009b2J": []}}"#,
            r#"{"generator_name": {"\u001b]52;c;AAAA\u0007\u202eb": "0.5", "\u009b2J": []}}"#,
        ),
        json_case(
            "weights_active_map_malformed",
            JsonTarget::ActiveWeights,
            "\u{1b}]52;c;AAAA\u{7}{not json",
            r#"{"generator_name": {"coach": {"weight": "heavy"}}}"#,
        ),
        json_case(
            "weight_stats_malformed",
            JsonTarget::WeightStats,
            r#"{"generator_name": {"coach": {"n": -1, "mean": "#,
            r#"{"generator_name": {"coach": {"n": -1, "mean": "x", "weight": 1e400}}}"#,
        ),
        json_case(
            "job_stats_malformed",
            JsonTarget::RunStats,
            "{\"message\": \"\u{1b}[31munterminated",
            r#"{"message": 42, "details": [1, {"message": "\u001b]52;c;AAAA\u0007"}]}"#,
        ),
        json_case(
            "thread_parts_malformed",
            JsonTarget::ThreadParts,
            r#"["part one", "part two""#,
            r#"{"0": "not a list", "1": null}"#,
        ),
        json_case(
            "rule_hits_malformed",
            JsonTarget::RuleHits,
            r#"[{"start": 5, "end": "#,
            r#"[{"start": -5, "end": 1e30, "category": 7, "level": ["x"]}, "junk"]"#,
        ),
        json_case(
            "event_metadata_malformed",
            JsonTarget::EventMetadata,
            "{{{\u{9b}2J",
            r#"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"#,
        ),
        // Times.
        Entry {
            name: "posted_in_the_far_future",
            category: Time,
            bad: Bad::Times(
                Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
                Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            ),
        },
        Entry {
            name: "posted_at_the_epoch_before_created",
            category: Time,
            bad: Bad::Times(
                Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(),
            ),
        },
        // Unknown names.
        unknown(
            "unknown_generator",
            NameColumn::Generator,
            "generator_that_does_not_exist",
        ),
        unknown("unknown_slot", NameColumn::Slot, "slot_25:99_nowhere"),
        unknown("unknown_decision_type", NameColumn::DecisionType, "quantum"),
        unknown("unknown_job", NameColumn::Job, "no_such_job"),
        unknown("unknown_review_status", NameColumn::ReviewStatus, "limbo"),
        unknown("unknown_operator_override", NameColumn::Override, "hacked"),
        unknown(
            "unknown_incident_state",
            NameColumn::IncidentState,
            "smouldering",
        ),
        unknown(
            "hostile_content_status",
            NameColumn::ContentStatus,
            "\u{1b}[31mqueued\u{202e}\u{9b}2J",
        ),
        unknown("empty_strings_everywhere", NameColumn::Empty, ""),
    ]
}

/// Keep at most `n` characters.
fn short(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// The catalog's jobs, whose histories the Jobs tab shows.
const CATALOG_JOBS: [&str; 8] = [
    "plan",
    "safety_review",
    "objective_scores",
    "offline_weight_map",
    "reply_priority_learning",
    "budget_tier",
    "expert_review",
    "job_watchdog",
];

/// A bound parameter for the plain-SQL writes.
#[derive(Debug, Clone)]
enum P {
    T(Option<String>),
    I(Option<i64>),
    F(Option<f64>),
    B(bool),
    Ts(Option<DateTime<Utc>>),
}

/// A direct connection for what the store would refuse.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

impl Raw {
    async fn open(db: &TestDb) -> Raw {
        if db.is_postgres() {
            // As xbot's own connections see the database: its schema first, then xBOT's.
            let opts = sqlx::postgres::PgConnectOptions::from_str(&db.url)
                .expect("the test URL")
                .options([("search_path", "xbot,public")]);
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_with(opts)
                .await
                .expect("raw postgres connection");
            Raw::Pg(pool)
        } else {
            let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&db.url)
                .expect("sqlite url")
                .busy_timeout(std::time::Duration::from_secs(10));
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts)
                .await
                .expect("raw sqlite connection");
            Raw::Sqlite(pool)
        }
    }

    fn pg(&self) -> bool {
        matches!(self, Raw::Pg(_))
    }

    /// `$n`, cast to JSONB on Postgres.
    fn json(&self, n: usize) -> String {
        if self.pg() {
            format!("CAST(${n} AS JSONB)")
        } else {
            format!("${n}")
        }
    }

    async fn exec(&self, sql: String, params: Vec<P>) {
        macro_rules! bind_all {
            ($q:expr) => {{
                let mut q = $q;
                for p in params.clone() {
                    q = match p {
                        P::T(v) => q.bind(v),
                        P::I(v) => q.bind(v),
                        P::F(v) => q.bind(v),
                        P::B(v) => q.bind(v),
                        P::Ts(v) => q.bind(v),
                    };
                }
                q
            }};
        }
        let result = match self {
            Raw::Sqlite(pool) => bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())))
                .execute(pool)
                .await
                .map(|_| ()),
            Raw::Pg(pool) => bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())))
                .execute(pool)
                .await
                .map(|_| ()),
        };
        result.unwrap_or_else(|e| panic!("hostile corpus: {sql}: {e}"));
    }

    async fn close(self) {
        match self {
            Raw::Sqlite(p) => p.close().await,
            Raw::Pg(p) => p.close().await,
        }
    }
}

/// What the loader wrote, for assertions.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// Markers of the text entries (every tab shows some of them).
    pub text_markers: Vec<String>,
    /// Decision ids of every post the corpus wrote.
    pub decisions: Vec<String>,
    /// Weight-map versions the corpus wrote.
    pub versions: Vec<String>,
    pub entries: usize,
}

/// Remove what the backend cannot store at all (Postgres: NUL).
fn storable(s: &str, pg: bool) -> String {
    if pg {
        s.replace('\0', "")
    } else {
        s.to_string()
    }
}

/// Write the corpus into `db` (normally already seeded with the demo dataset, and with the
/// job schedules synced) with times relative to `now`.
pub async fn load(db: &TestDb, now: DateTime<Utc>) -> Loaded {
    let raw = Raw::open(db).await;
    let pg = raw.pg();
    let mut out = Loaded::default();
    let mut b = Batch::default();
    let entries = corpus();
    out.entries = entries.len();
    // Raw writes run after the batch (some update its rows).
    let mut later: Vec<(String, Vec<P>)> = Vec::new();

    for (i, e) in entries.iter().enumerate() {
        let id = marker(i);
        // Posted in the last hour, newest first in corpus order, so they top the Outcomes tab.
        let at = now - Duration::seconds(30 + 60 * i as i64);
        match &e.bad {
            Bad::Text(payload) => {
                let payload = storable(payload, pg);
                out.text_markers.push(id.clone());
                let v = format!("{id} {payload} {}", end_marker(i));
                let name = |n: usize| Some(format!("{id}{}", short(&payload, n)));
                let decision_id = format!("{id}-{}", short(&payload, 40));
                out.decisions.push(decision_id.clone());
                let kind = ["single", "thread", "reply"][i % 3];
                // The long-username entry is a username everywhere; others are capped (the
                // columns are indexed, and Postgres limits an index entry to ~2.7 KB).
                let username = if e.name == "very_long_username" {
                    format!("{id}{payload}")
                } else {
                    format!("{id}{}", short(&payload, 60))
                };
                b.content.push(ContentRow {
                    decision_id: decision_id.clone(),
                    decision_type: kind.into(),
                    status: "posted".into(),
                    content: Some(v.clone()),
                    thread_parts: (kind == "thread").then(|| {
                        vec![
                            v.clone(),
                            format!("{id} part two {payload}"),
                            payload.clone(),
                        ]
                    }),
                    raw_topic: name(80),
                    angle: name(80),
                    tone: name(40),
                    generator_name: name(40),
                    content_slot: name(40),
                    hook_type: name(40),
                    cta_type: name(40),
                    target_username: (kind == "reply").then(|| username.clone()),
                    target_tweet_id: (kind == "reply").then(|| format!("{id}-target")),
                    tweet_id: Some(format!("{id}-tw{}", short(&payload, 20))),
                    created_at: at,
                    posted_at: Some(at),
                });
                b.outcomes.push(OutcomeRow {
                    decision_id: decision_id.clone(),
                    tweet_id: None,
                    impressions: Some(1000 + i as i64),
                    views: Some(900),
                    likes: Some(12),
                    retweets: Some(1),
                    replies: Some(2),
                    bookmarks: Some(1),
                    engagement_rate: Some(0.03),
                    followers_before: Some(1000),
                    followers_after: Some(1002),
                    followers_gained: Some(2),
                    followers_gained_weighted: Some(1.5),
                    attribution_confidence: Some(0.8),
                    primary_objective_score: Some(0.3 + 0.01 * i as f64),
                    score_version: Some(2),
                    hook_type: name(40),
                    cta_type: name(40),
                    structure_type: name(40),
                    simulated: false,
                    collected_at: Some(at),
                    scored_at: Some(at),
                });
                b.accounts.push(AccountRow {
                    username: username.clone(),
                    display_name: Some(v.clone()),
                    follower_count: Some(5000 + i as i64),
                    // Above the demo's accounts, so they are on the first screen.
                    priority_score: 0.99 - 0.001 * i as f64,
                    priority_band: name(10),
                    reply_performance_score: Some(0.5),
                    last_successful_reply_at: Some(at),
                    replies_30d: 3,
                    operator_override: "none".into(),
                    discovered_at: at,
                });
                b.opportunities.push(OpportunityRow {
                    account_username: username.clone(),
                    tweet_id: format!("{id}-opp"),
                    tweet_text: Some(v.clone()),
                    likes: Some(5),
                    posted_at: Some(at),
                    relevance: Some(0.7),
                    rank_score: Some(0.9),
                    status: "open".into(),
                    discovered_at: at,
                });
                let decided = i % 4 == 3;
                b.reviews.push(SafetyReviewRow {
                    decision_id: decision_id.clone(),
                    part_index: 0,
                    original_text: v.clone(),
                    proposed_rewrite: Some(format!("{id} rewrite: {payload}")),
                    risk_level: if i % 5 == 2 {
                        format!("{id}{}", short(&payload, 20))
                    } else {
                        "high".into()
                    },
                    issues: json!([v.clone(), payload.clone()]),
                    rule_hits: json!([
                        {"start": 0, "end": 12, "category": name(30), "level": name(20),
                         "text": short(&v, 40), "rule": name(30), "why": v.clone()},
                        {"start": 3, "end": v.len() + 100, "category": "overlap", "level": "high"}
                    ]),
                    status: if decided { "rejected" } else { "pending" }.into(),
                    rewrite_attempts: 1,
                    reviewer: name(40),
                    decided_by: decided.then(|| format!("{id}{}", short(&payload, 40))),
                    decided_at: decided.then_some(at),
                    note: decided.then(|| v.clone()),
                    final_text: decided.then(|| v.clone()),
                    created_at: at,
                });
                b.incidents.push(IncidentRow {
                    kind: if i % 2 == 0 {
                        format!("{id}{}", short(&payload, 30))
                    } else {
                        "job_failed".into()
                    },
                    subject: format!("{id}{}", short(&payload, 120)),
                    state: if i % 3 == 0 { "resolved" } else { "open" }.into(),
                    severity: if i % 5 == 1 {
                        format!("{id}{}", short(&payload, 20))
                    } else {
                        "error".into()
                    },
                    opened_at: at,
                    resolved_at: (i % 3 == 0).then_some(at + Duration::seconds(10)),
                    last_seen_at: at,
                    count: 1 + i as i64,
                    details: Some(v.clone()),
                });
                b.events.push(EventRow {
                    event_type: format!("{id}{}", short(&payload, 30)),
                    severity: "warning".into(),
                    component: format!("{id}{}", short(&payload, 30)),
                    message: v.clone(),
                    metadata: Some(json!({"text": v.clone()})),
                    created_at: at,
                });
                b.audit.push(AuditRow {
                    action_id: format!("{id}-audit-{}", uuid::Uuid::new_v4()),
                    subject: format!("{id}{}", short(&payload, 100)),
                    action: format!("{id}{}", short(&payload, 30)),
                    from_state: name(20),
                    to_state: name(20),
                    outcome: format!("{id}{}", short(&payload, 20)),
                    operator: format!("{id}{}", short(&payload, 60)),
                    os_user: format!("{id}{}", short(&payload, 30)),
                    ssh_client: name(30),
                    host: format!("{id}{}", short(&payload, 30)),
                    app_version: format!("{id}{}", short(&payload, 10)),
                    at,
                    note: Some(v.clone()),
                });
                b.ai_usage.push(AiUsageRow {
                    at,
                    model: format!("{id}{}", short(&payload, 40)),
                    prompt_tokens: 10,
                    completion_tokens: 10,
                    total_tokens: 20,
                    cost_usd: 0.001,
                    feature_area: format!("{id}{}", short(&payload, 30)),
                    purpose: Some(v.clone()),
                    orchestrator: name(30),
                    job_run_id: None,
                    state: "settled".into(),
                });
                b.job_runs.push(JobRunRow {
                    job: CATALOG_JOBS[i % CATALOG_JOBS.len()].into(),
                    status: if i % 4 == 0 {
                        format!("{id}{}", short(&payload, 20))
                    } else {
                        "failed".into()
                    },
                    trigger: if i % 4 == 1 {
                        format!("{id}{}", short(&payload, 20))
                    } else {
                        "manual".into()
                    },
                    owner: format!("{id}{}", short(&payload, 60)),
                    started_at: at,
                    finished_at: Some(at + Duration::seconds(3)),
                    error: (i % 2 == 0).then(|| v.clone()),
                    stats: Some(json!({"message": v.clone(), "details": {"why": v.clone()}})),
                });
                if i % 3 == 0 {
                    let value = format!("{id}{}", short(&payload, 40));
                    let version = format!("{id}{}", short(&payload, 30));
                    out.versions.push(version.clone());
                    b.weight_maps.push(WeightMapRow {
                        version,
                        weights: json!({
                            "generator_name": {value.clone(): 0.7, "plain": 0.3},
                            "topic": {value.clone(): 1.0},
                        }),
                        stats: json!({"generator_name": {value.clone(): {
                            "n": 3, "effective_n": 2.5, "mean": 0.4, "shrunk": 0.35,
                            "weight": 0.7}}}),
                        params: json!({"note": v.clone()}),
                        computed_at: at,
                        date_range_start: Some(at - Duration::days(30)),
                        date_range_end: Some(at),
                        sample_size: 3,
                        is_active: false,
                        job_run_id: None,
                    });
                }
                b.insights.push(InsightRow {
                    created_at: at,
                    decision_id: Some(decision_id.clone()),
                    kind: format!("{id}{}", short(&payload, 20)),
                    model: name(30),
                    insight: v.clone(),
                    recommendations: Some(json!([v.clone()])),
                });
            }
            Bad::Metrics(m) => {
                let decision_id = format!("{id}-{}", e.name);
                out.decisions.push(decision_id.clone());
                let kind = if i % 2 == 0 { "reply" } else { "single" };
                let username = format!("{id}_{}", e.name);
                b.content.push(ContentRow {
                    decision_id: decision_id.clone(),
                    decision_type: kind.into(),
                    status: "posted".into(),
                    content: Some(format!("{id} {}", e.name)),
                    thread_parts: None,
                    raw_topic: Some(format!("{id} topic")),
                    angle: None,
                    tone: Some("calm".into()),
                    generator_name: Some("dataNerd".into()),
                    content_slot: None,
                    hook_type: None,
                    cta_type: None,
                    target_username: (kind == "reply").then(|| username.clone()),
                    target_tweet_id: None,
                    tweet_id: Some(format!("{id}-tweet")),
                    created_at: at,
                    posted_at: Some(at),
                });
                b.outcomes.push(OutcomeRow {
                    decision_id: decision_id.clone(),
                    tweet_id: Some(format!("{id}-tweet")),
                    impressions: m.impressions,
                    views: m.views,
                    likes: m.likes,
                    retweets: m.retweets,
                    replies: m.replies,
                    bookmarks: m.bookmarks,
                    engagement_rate: m.engagement_rate,
                    followers_before: m.snapshots.first().and_then(|s| s.1),
                    followers_after: m.snapshots.last().and_then(|s| s.1),
                    followers_gained: m.followers_gained,
                    followers_gained_weighted: m.followers_gained_weighted,
                    attribution_confidence: m.attribution_confidence,
                    primary_objective_score: m.score,
                    score_version: m.score_version,
                    hook_type: None,
                    cta_type: None,
                    structure_type: None,
                    simulated: false,
                    collected_at: Some(at),
                    scored_at: None,
                });
                for (h, count) in &m.snapshots {
                    b.snapshots.push(SnapshotRow {
                        decision_id: decision_id.clone(),
                        hours_after_post: *h,
                        follower_count: *count,
                        collected_at: at,
                    });
                }
                // NOT NULL columns: SQLite turns a bound NaN into NULL, so NaN goes in with
                // plain SQL on Postgres only (and a NULL-free stand-in on SQLite).
                let nan_priority = m.priority_score.is_nan();
                let nan_cost = m.cost_usd.is_nan();
                if !nan_priority {
                    b.accounts.push(AccountRow {
                        username: username.clone(),
                        display_name: Some(format!("{id} {}", e.name)),
                        follower_count: m.follower_count,
                        priority_score: m.priority_score,
                        priority_band: None,
                        reply_performance_score: m.reply_performance_score,
                        last_successful_reply_at: Some(at),
                        replies_30d: m.replies_30d,
                        operator_override: "none".into(),
                        discovered_at: at,
                    });
                } else {
                    later.push((
                        // xBOT's discovered_accounts (the standalone layout is xBOT's).
                        "INSERT INTO discovered_accounts (username, bio, follower_count,
                             priority_score, reply_performance_score, following_count,
                             discovery_date)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)"
                            .into(),
                        vec![
                            P::T(Some(username.clone())),
                            P::T(Some(format!("{id} {}", e.name))),
                            P::I(m.follower_count),
                            P::F(Some(if pg { f64::NAN } else { -0.0 })),
                            P::F(m.reply_performance_score),
                            P::I(Some(m.replies_30d)),
                            P::Ts(Some(at)),
                        ],
                    ));
                }
                let cost = if nan_cost && !pg { -0.0 } else { m.cost_usd };
                // Twice, so that sums over a model or an hour add bad values together.
                for _ in 0..2 {
                    b.ai_usage.push(AiUsageRow {
                        at,
                        model: format!("{id}-model"),
                        prompt_tokens: m.tokens,
                        completion_tokens: m.tokens,
                        total_tokens: m.tokens,
                        cost_usd: cost,
                        feature_area: format!("{id}-area"),
                        purpose: None,
                        orchestrator: None,
                        job_run_id: None,
                        state: "settled".into(),
                    });
                }
            }
            Bad::Json(case) => {
                let payload = if pg {
                    case.postgres.clone()
                } else {
                    case.sqlite.clone()
                };
                let version = format!("{id}-{}", e.name);
                match case.target {
                    JsonTarget::Weights | JsonTarget::ActiveWeights | JsonTarget::WeightStats => {
                        let active = case.target == JsonTarget::ActiveWeights;
                        if active {
                            later.push((
                                "UPDATE learning_model_weights SET is_active = $1".into(),
                                vec![P::B(false)],
                            ));
                        }
                        let (weights, stats) = if case.target == JsonTarget::WeightStats {
                            (r#"{"generator_name": {"coach": 1.0}}"#.to_string(), payload)
                        } else {
                            (payload, "{}".to_string())
                        };
                        out.versions.push(version.clone());
                        // The map in xBOT's table, its stats in xbot's own weight_maps.
                        later.push((
                            format!(
                                "INSERT INTO learning_model_weights (version, weights,
                                     computed_at, date_range_start, date_range_end, sample_size,
                                     is_active)
                                 VALUES ($1, {}, $3, $3, $3, $4, $5)",
                                raw.json(2)
                            ),
                            vec![
                                P::T(Some(version.clone())),
                                P::T(Some(weights)),
                                P::Ts(Some(at)),
                                P::I(Some(-5)),
                                P::B(active),
                            ],
                        ));
                        later.push((
                            format!(
                                "INSERT INTO weight_maps (source_id, version, stats, created_at)
                                 SELECT CAST(id AS TEXT), version, {}, $3
                                 FROM learning_model_weights WHERE version = $1",
                                raw.json(2)
                            ),
                            vec![P::T(Some(version)), P::T(Some(stats)), P::Ts(Some(at))],
                        ));
                    }
                    JsonTarget::RunStats => {
                        for job in ["offline_weight_map", "objective_scores"] {
                            later.push((
                                format!(
                                    "INSERT INTO job_runs (job, status, trigger, owner, started_at,
                                         finished_at, stats)
                                     VALUES ($1, 'succeeded', 'schedule', $2, $3, $4, {})",
                                    raw.json(5)
                                ),
                                vec![
                                    P::T(Some(job.into())),
                                    P::T(Some(format!("{id} owner"))),
                                    P::Ts(Some(at)),
                                    P::Ts(Some(at + Duration::seconds(1))),
                                    P::T(Some(payload.clone())),
                                ],
                            ));
                        }
                    }
                    JsonTarget::ThreadParts => {
                        let decision_id = format!("{id}-{}", e.name);
                        out.decisions.push(decision_id.clone());
                        later.push((
                            format!(
                                "INSERT INTO content_generation_metadata_comprehensive (decision_id,
                                     decision_type, status, content, thread_parts, generator_name,
                                     created_at, posted_at)
                                 VALUES ($1, 'thread', 'posted', $2, {}, 'dataNerd', $4, $5)",
                                raw.json(3)
                            ),
                            vec![
                                P::T(Some(decision_id.clone())),
                                P::T(Some(format!("{id} thread with malformed parts"))),
                                P::T(Some(payload.clone())),
                                P::Ts(Some(at)),
                                P::Ts(Some(at)),
                            ],
                        ));
                        later.push((
                            format!(
                                "INSERT INTO safety_reviews (decision_id, part_index, original_text,
                                     risk_level, issues, rule_hits, status, created_at, updated_at)
                                 VALUES ($1, 3, $2, 'low', NULL, {}, 'pending', $4, $4)",
                                raw.json(3)
                            ),
                            vec![
                                P::T(Some(decision_id)),
                                P::T(Some(format!("{id} part 4 of a malformed thread"))),
                                P::T(Some(payload.clone())),
                                P::Ts(Some(at)),
                            ],
                        ));
                    }
                    JsonTarget::RuleHits => {
                        later.push((
                            format!(
                                "INSERT INTO safety_reviews (decision_id, part_index, original_text,
                                     risk_level, issues, rule_hits, status, created_at, updated_at)
                                 VALUES ($1, -1, $2, 'critical', {}, {}, 'pending', $5, $5)",
                                raw.json(3),
                                raw.json(4)
                            ),
                            vec![
                                P::T(Some(format!("{id}-{}", e.name))),
                                P::T(Some(format!("{id} review with malformed rule hits"))),
                                P::T(Some(payload.clone())),
                                P::T(Some(payload.clone())),
                                P::Ts(Some(at)),
                            ],
                        ));
                    }
                    JsonTarget::EventMetadata => {
                        later.push((
                            format!(
                                "INSERT INTO events (event_type, severity, component,
                                     message, metadata, created_at)
                                 VALUES ($1, 'error', 'corpus', $2, {}, $4)",
                                raw.json(3)
                            ),
                            vec![
                                P::T(Some(format!("{id}-{}", e.name))),
                                P::T(Some(format!("{id} event with malformed metadata"))),
                                P::T(Some(payload.clone())),
                                P::Ts(Some(at)),
                            ],
                        ));
                    }
                }
            }
            Bad::Times(created, posted) => {
                let decision_id = format!("{id}-{}", e.name);
                out.decisions.push(decision_id.clone());
                b.content.push(ContentRow {
                    decision_id: decision_id.clone(),
                    decision_type: "single".into(),
                    status: "posted".into(),
                    content: Some(format!("{id} {}", e.name)),
                    thread_parts: None,
                    raw_topic: Some(format!("{id} topic")),
                    angle: None,
                    tone: Some("calm".into()),
                    generator_name: Some("dataNerd".into()),
                    content_slot: Some("morning".into()),
                    hook_type: None,
                    cta_type: None,
                    target_username: None,
                    target_tweet_id: None,
                    tweet_id: None,
                    created_at: *created,
                    posted_at: Some(*posted),
                });
                b.outcomes.push(OutcomeRow {
                    decision_id,
                    tweet_id: None,
                    impressions: Some(100),
                    views: None,
                    likes: Some(1),
                    retweets: None,
                    replies: None,
                    bookmarks: None,
                    engagement_rate: Some(0.01),
                    followers_before: None,
                    followers_after: None,
                    followers_gained: Some(0),
                    followers_gained_weighted: Some(0.0),
                    attribution_confidence: None,
                    primary_objective_score: Some(0.6),
                    score_version: Some(2),
                    hook_type: None,
                    cta_type: None,
                    structure_type: None,
                    simulated: false,
                    collected_at: Some(*posted),
                    scored_at: Some(*posted),
                });
                // An incident and an AI call at the same far-off times.
                b.incidents.push(IncidentRow {
                    kind: format!("{id}_time"),
                    subject: format!("{id} {}", e.name),
                    state: "open".into(),
                    severity: "warning".into(),
                    opened_at: *posted,
                    resolved_at: Some(*created),
                    last_seen_at: *posted,
                    count: 1,
                    details: None,
                });
            }
            Bad::Name(column, value) => {
                let decision_id = format!("{id}-{}", e.name);
                let mut content = ContentRow {
                    decision_id: decision_id.clone(),
                    decision_type: "single".into(),
                    status: "posted".into(),
                    content: Some(format!("{id} {}", e.name)),
                    thread_parts: None,
                    raw_topic: Some(format!("{id} topic")),
                    angle: None,
                    tone: Some("calm".into()),
                    generator_name: Some("dataNerd".into()),
                    content_slot: Some("morning".into()),
                    hook_type: None,
                    cta_type: None,
                    target_username: None,
                    target_tweet_id: None,
                    tweet_id: None,
                    created_at: at,
                    posted_at: Some(at),
                };
                let mut outcome = OutcomeRow {
                    decision_id: decision_id.clone(),
                    tweet_id: None,
                    impressions: Some(500),
                    views: None,
                    likes: Some(5),
                    retweets: None,
                    replies: None,
                    bookmarks: None,
                    engagement_rate: Some(0.01),
                    followers_before: None,
                    followers_after: None,
                    followers_gained: Some(0),
                    followers_gained_weighted: Some(0.0),
                    attribution_confidence: None,
                    primary_objective_score: Some(0.45),
                    score_version: Some(2),
                    hook_type: None,
                    cta_type: None,
                    structure_type: None,
                    simulated: false,
                    collected_at: Some(at),
                    scored_at: Some(at),
                };
                match column {
                    NameColumn::Generator => content.generator_name = Some(value.clone()),
                    NameColumn::Slot => content.content_slot = Some(value.clone()),
                    NameColumn::DecisionType => {
                        content.decision_type = value.clone();
                        content.target_username = Some(format!("{id}_target"));
                    }
                    NameColumn::Job => {
                        b.job_runs.push(JobRunRow {
                            job: value.clone(),
                            status: "failed".into(),
                            trigger: "schedule".into(),
                            owner: format!("{id} owner"),
                            started_at: at,
                            finished_at: Some(at),
                            error: Some(format!("{id} a job nobody knows")),
                            stats: None,
                        });
                        later.push((
                            "INSERT INTO job_schedules (job, interval_minutes, priority,
                                 max_lag_minutes, max_runtime_seconds, ai, enabled,
                                 last_skip_reason, last_skip_at, created_at, updated_at)
                             VALUES ($1, -5, $2, 0, -1, $3, $4, $5, $6, $6, $6)"
                                .into(),
                            vec![
                                P::T(Some(value.clone())),
                                P::T(Some(format!("{id}\u{1b}[31murgent"))),
                                P::T(Some(format!("{id}\u{202e}ia"))),
                                P::B(true),
                                P::T(Some(format!("{id}\u{1b}]52;c;AAAA\u{7}skip"))),
                                P::Ts(Some(at)),
                            ],
                        ));
                    }
                    NameColumn::ReviewStatus => {
                        b.reviews.push(SafetyReviewRow {
                            decision_id: decision_id.clone(),
                            part_index: 0,
                            original_text: format!("{id} review in an unknown state"),
                            proposed_rewrite: None,
                            risk_level: format!("{value}-risk"),
                            issues: json!(null),
                            rule_hits: json!(null),
                            status: value.clone(),
                            rewrite_attempts: -3,
                            reviewer: None,
                            decided_by: None,
                            decided_at: None,
                            note: None,
                            final_text: None,
                            created_at: at,
                        });
                    }
                    NameColumn::Override => {
                        content.decision_type = "reply".into();
                        content.target_username = Some(format!("{id}_{value}"));
                        b.accounts.push(AccountRow {
                            username: format!("{id}_{value}"),
                            display_name: None,
                            follower_count: None,
                            priority_score: 0.5,
                            priority_band: Some(value.clone()),
                            reply_performance_score: None,
                            last_successful_reply_at: None,
                            replies_30d: 0,
                            operator_override: value.clone(),
                            discovered_at: at,
                        });
                    }
                    NameColumn::ContentStatus => {
                        let mut names: Vec<String> = xbot::config::default_slot_schedule()
                            .into_iter()
                            .flatten()
                            .collect();
                        names.sort();
                        names.dedup();
                        for slot in names {
                            b.content.push(ContentRow {
                                decision_id: format!("{id}-{slot}"),
                                status: value.clone(),
                                content_slot: Some(slot),
                                posted_at: None,
                                ..content.clone()
                            });
                        }
                    }
                    NameColumn::Empty => {
                        content.decision_type = String::new();
                        content.content = Some(String::new());
                        content.thread_parts = Some(Vec::new());
                        content.raw_topic = Some(String::new());
                        content.angle = Some(String::new());
                        content.tone = Some(String::new());
                        content.generator_name = Some(String::new());
                        content.content_slot = Some(String::new());
                        content.hook_type = Some(String::new());
                        content.cta_type = Some(String::new());
                        content.target_username = Some(String::new());
                        content.tweet_id = Some(String::new());
                        b.accounts.push(AccountRow {
                            username: String::new(),
                            display_name: Some(String::new()),
                            follower_count: Some(0),
                            priority_score: 0.98,
                            priority_band: Some(String::new()),
                            reply_performance_score: None,
                            last_successful_reply_at: None,
                            replies_30d: 0,
                            operator_override: String::new(),
                            discovered_at: at,
                        });
                        b.reviews.push(SafetyReviewRow {
                            decision_id: decision_id.clone(),
                            part_index: 0,
                            original_text: String::new(),
                            proposed_rewrite: Some(String::new()),
                            risk_level: String::new(),
                            issues: json!([""]),
                            rule_hits: json!([{"start": 0, "end": 0, "category": "", "level": ""}]),
                            status: "pending".into(),
                            rewrite_attempts: 0,
                            reviewer: Some(String::new()),
                            decided_by: None,
                            decided_at: None,
                            note: Some(String::new()),
                            final_text: Some(String::new()),
                            created_at: at,
                        });
                        b.incidents.push(IncidentRow {
                            kind: String::new(),
                            subject: String::new(),
                            state: "open".into(),
                            severity: String::new(),
                            opened_at: at,
                            resolved_at: None,
                            last_seen_at: at,
                            count: 0,
                            details: Some(String::new()),
                        });
                        b.events.push(EventRow {
                            event_type: String::new(),
                            severity: String::new(),
                            component: String::new(),
                            message: String::new(),
                            metadata: Some(json!({})),
                            created_at: at,
                        });
                        b.weight_maps.push(WeightMapRow {
                            version: String::new(),
                            weights: json!({"generator_name": {"": 1.0}, "": {"": 1.0}}),
                            stats: json!({}),
                            params: json!({}),
                            computed_at: at,
                            date_range_start: None,
                            date_range_end: None,
                            sample_size: 0,
                            is_active: false,
                            job_run_id: None,
                        });
                        b.job_runs.push(JobRunRow {
                            job: String::new(),
                            status: String::new(),
                            trigger: String::new(),
                            owner: String::new(),
                            started_at: at,
                            finished_at: None,
                            error: Some(String::new()),
                            stats: Some(json!({"message": ""})),
                        });
                        b.ai_usage.push(AiUsageRow {
                            at,
                            model: String::new(),
                            prompt_tokens: 0,
                            completion_tokens: 0,
                            total_tokens: 0,
                            cost_usd: 0.0,
                            feature_area: String::new(),
                            purpose: Some(String::new()),
                            orchestrator: Some(String::new()),
                            job_run_id: None,
                            state: String::new(),
                        });
                    }
                    NameColumn::IncidentState => {
                        b.incidents.push(IncidentRow {
                            kind: format!("{id}_kind"),
                            subject: format!("{id} subject"),
                            state: value.clone(),
                            severity: value.clone(),
                            opened_at: at,
                            resolved_at: None,
                            last_seen_at: at,
                            count: -1,
                            details: None,
                        });
                    }
                }
                outcome.decision_id = decision_id.clone();
                out.decisions.push(decision_id);
                b.content.push(content);
                b.outcomes.push(outcome);
            }
        }
    }
    db.store
        .write_batch(&b)
        .await
        .expect("the store writes the corpus batch");

    // A running run of a job the tests never run, with a hostile owner and phase (shown in the
    // header, the Jobs tab and `jobs list`), and hostile skip reasons on catalog jobs.
    let hostile = "\u{1b}]52;c;AAAA\u{7}\u{1b}[2J\u{202e}\u{9b}6n";
    later.push((
        "INSERT INTO job_runs (job, status, trigger, owner, started_at, heartbeat_at,
             lease_until, progress_done, progress_total, progress_phase)
         VALUES ('expert_review', 'running', $1, $2, $3, $4, $5, -3, 0, $6)"
            .into(),
        vec![
            P::T(Some(format!("hxrun{hostile}"))),
            P::T(Some(format!("hxrun{hostile}owner"))),
            P::Ts(Some(now - Duration::minutes(5))),
            P::Ts(Some(now)),
            P::Ts(Some(now + Duration::days(3650))),
            P::T(Some(format!("hxrun{hostile}phase"))),
        ],
    ));
    later.push((
        "UPDATE job_schedules SET last_skip_reason = $1, last_skip_at = $2
         WHERE job IN ('plan', 'safety_review')"
            .into(),
        vec![
            P::T(Some(format!("hxskip{hostile}reason"))),
            P::Ts(Some(now)),
        ],
    ));
    for (sql, params) in later {
        raw.exec(sql, params).await;
    }
    raw.close().await;
    // The raw rows were written as xBOT writes its tables; xbot's facts follow on its next
    // sync (a job, or a screen reading them), done here at once.
    db.store
        .sync_facts()
        .await
        .expect("facts follow the raw rows");
    out
}

/// Whether a character must never reach the terminal: C0 controls (all of them, newline and
/// tab included: a cell never holds one), DEL, C1 controls (ESC is a C0 control) and the bidi
/// formatting characters (embeddings, overrides, isolates and the implicit marks).
pub fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}'
        )
}

/// Markers (`hxNN`) that occur in `screen`.
pub fn markers_in(screen: &str) -> std::collections::BTreeSet<String> {
    let bytes = screen.as_bytes();
    let mut found = std::collections::BTreeSet::new();
    for i in 0..bytes.len().saturating_sub(3) {
        if bytes[i] == b'h'
            && bytes[i + 1] == b'x'
            && bytes[i + 2].is_ascii_digit()
            && bytes[i + 3].is_ascii_digit()
        {
            found.insert(String::from_utf8_lossy(&bytes[i..i + 4]).into_owned());
        }
    }
    found
}

/// The tails of the corpus's escape sequences once a terminal (or ratatui) drops their ESC.
const ESCAPE_TAILS: [&str; 9] = [
    "[2J", "[31m", "[6n", "[10;10H", "]52;c;", "]8;;http", "]0;pwned", "Pq#0", "_Gf=100",
];

/// An escape-sequence tail in `line` that is preceded neither by the ESC mark nor by a JSON
/// escape of ESC (raw-JSON views), with its byte offset: text drawn without being made inert.
pub fn bare_escape_tail(line: &str) -> Option<(usize, &'static str)> {
    for tail in ESCAPE_TAILS {
        for (at, _) in line.match_indices(tail) {
            let before = &line[..at];
            if !(before.ends_with(xbot::text::ESC_MARK) || before.ends_with("\\u001b")) {
                return Some((at, tail));
            }
        }
    }
    None
}
