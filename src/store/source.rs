//! The source map: what xBOT's tables look like on this database, and how xbot reads them.
//!
//! xBOT's schema has drifted across deployments (`content_metadata` is a view over
//! `content_generation_metadata_comprehensive` in production and a table in older
//! deployments; counters are INT4 or INT8, scores NUMERIC or REAL, ids bigint or UUID, some
//! timestamps without time zone, columns renamed). xbot never changes those tables to suit
//! itself. Instead, at connect, one catalog query tells which relations and columns exist, and
//! this module turns that into SQL: each logical relation xbot reads (`{decisions}`,
//! `{outcomes}`, …) becomes a sub-select over the real relation that renames and casts every
//! column to the one canonical type xbot decodes (text, bigint, double, timestamptz, boolean,
//! JSON). A column the database does not have reads as NULL; a value that cannot be read as
//! its type (NaN, text in a number column, an overflowing number) reads as NULL, never an error.
//!
//! Nothing here is persistent: no view or function is created over xBOT's tables, so xBOT can
//! drop and recreate its own objects without meeting a dependency of ours.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use super::backend::BackendKind;

/// The canonical type xbot decodes a column as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Text,
    Int,
    Float,
    Ts,
    Bool,
    Json,
}

impl Ty {
    fn pg_null(self) -> &'static str {
        match self {
            Ty::Text => "NULL::text",
            Ty::Int => "NULL::bigint",
            Ty::Float => "NULL::double precision",
            Ty::Ts => "NULL::timestamptz",
            Ty::Bool => "NULL::boolean",
            Ty::Json => "NULL::jsonb",
        }
    }
}

/// One canonical column of a logical relation: its name, type and the names it has had in
/// xBOT's schemas (the first is the current one; every present one is tried, in order).
pub struct ColSpec {
    pub name: &'static str,
    pub ty: Ty,
    pub candidates: &'static [&'static str],
}

/// A logical relation xbot reads: the real relations it may live in, in order of preference.
pub struct RelSpec {
    pub key: &'static str,
    pub sources: &'static [&'static str],
    pub cols: &'static [ColSpec],
    /// xbot cannot work without it (the others are optional joins).
    pub required: bool,
}

const fn c(name: &'static str, ty: Ty, candidates: &'static [&'static str]) -> ColSpec {
    ColSpec {
        name,
        ty,
        candidates,
    }
}

/// Every relation of xBOT's that xbot reads, with the columns it needs.
pub static RELATIONS: &[RelSpec] = &[
    RelSpec {
        key: "decisions",
        // Production keeps the data in the base table and exposes a view whose column list
        // has changed many times; the base table has every column, so read it when it exists.
        sources: &[
            "content_generation_metadata_comprehensive",
            "content_metadata",
        ],
        required: true,
        cols: &[
            c("decision_id", Ty::Text, &["decision_id"]),
            c("decision_type", Ty::Text, &["decision_type"]),
            c("status", Ty::Text, &["status"]),
            c("content", Ty::Text, &["content"]),
            c("thread_parts", Ty::Json, &["thread_parts"]),
            c(
                "raw_topic",
                Ty::Text,
                &["raw_topic", "topic_cluster", "topic"],
            ),
            c("angle", Ty::Text, &["angle"]),
            c("tone", Ty::Text, &["tone"]),
            c("generator_name", Ty::Text, &["generator_name"]),
            c("content_slot", Ty::Text, &["content_slot"]),
            c("hook_type", Ty::Text, &["hook_type"]),
            c("cta_type", Ty::Text, &["cta_type"]),
            c("target_username", Ty::Text, &["target_username"]),
            c("target_tweet_id", Ty::Text, &["target_tweet_id"]),
            c("tweet_id", Ty::Text, &["tweet_id"]),
            c("created_at", Ty::Ts, &["created_at"]),
            c("posted_at", Ty::Ts, &["posted_at"]),
            c("scheduled_at", Ty::Ts, &["scheduled_at"]),
            c("updated_at", Ty::Ts, &["updated_at"]),
        ],
    },
    RelSpec {
        key: "outcomes",
        sources: &["outcomes"],
        required: false,
        cols: &[
            c("decision_id", Ty::Text, &["decision_id"]),
            c("tweet_id", Ty::Text, &["tweet_id"]),
            c("impressions", Ty::Int, &["impressions"]),
            c("views", Ty::Int, &["views"]),
            c("likes", Ty::Int, &["likes"]),
            c("retweets", Ty::Int, &["retweets"]),
            c("replies", Ty::Int, &["replies"]),
            c("bookmarks", Ty::Int, &["bookmarks"]),
            c(
                "engagement_rate",
                Ty::Float,
                &["engagement_rate", "er_calculated"],
            ),
            c("followers_gained", Ty::Int, &["followers_gained"]),
            c(
                "followers_gained_weighted",
                Ty::Float,
                &["followers_gained_weighted"],
            ),
            c(
                "primary_objective_score",
                Ty::Float,
                &["primary_objective_score"],
            ),
            c("hook_type", Ty::Text, &["hook_type"]),
            c("cta_type", Ty::Text, &["cta_type"]),
            c("structure_type", Ty::Text, &["structure_type"]),
            c("simulated", Ty::Bool, &["simulated"]),
            c(
                "collected_at",
                Ty::Ts,
                &["collected_at", "updated_at", "created_at"],
            ),
            c(
                "updated_at",
                Ty::Ts,
                &["updated_at", "collected_at", "created_at"],
            ),
        ],
    },
    RelSpec {
        key: "follower_tracking",
        sources: &["post_follower_tracking"],
        required: false,
        cols: &[
            c("decision_id", Ty::Text, &["decision_id", "post_id"]),
            c("tweet_id", Ty::Text, &["tweet_id"]),
            c("hours_after_post", Ty::Int, &["hours_after_post"]),
            c("follower_count", Ty::Int, &["follower_count"]),
            c(
                "collected_at",
                Ty::Ts,
                &["collected_at", "check_time", "created_at"],
            ),
        ],
    },
    RelSpec {
        key: "tweet_metrics",
        sources: &["tweet_metrics"],
        required: false,
        cols: &[
            c("tweet_id", Ty::Text, &["tweet_id"]),
            c(
                "impressions",
                Ty::Int,
                &["impressions", "impressions_count"],
            ),
            c("likes", Ty::Int, &["likes", "likes_count"]),
            c("retweets", Ty::Int, &["retweets", "retweets_count"]),
            c("replies", Ty::Int, &["replies", "replies_count"]),
            c("bookmarks", Ty::Int, &["bookmarks", "bookmarks_count"]),
            c(
                "collected_at",
                Ty::Ts,
                &["collected_at", "updated_at", "created_at"],
            ),
            c(
                "updated_at",
                Ty::Ts,
                &["updated_at", "collected_at", "created_at"],
            ),
        ],
    },
    RelSpec {
        key: "learning_posts",
        sources: &["learning_posts"],
        required: false,
        cols: &[
            c("tweet_id", Ty::Text, &["tweet_id"]),
            c(
                "impressions",
                Ty::Int,
                &["impressions", "impressions_count"],
            ),
            c("likes", Ty::Int, &["likes", "likes_count"]),
            c("engagement_rate", Ty::Float, &["engagement_rate"]),
            c("updated_at", Ty::Ts, &["updated_at", "created_at"]),
        ],
    },
    RelSpec {
        key: "weights",
        sources: &["learning_model_weights"],
        required: false,
        cols: &[
            c("id", Ty::Text, &["id"]),
            c("version", Ty::Text, &["version"]),
            c("weights", Ty::Json, &["weights"]),
            c("computed_at", Ty::Ts, &["computed_at", "created_at"]),
            c("date_range_start", Ty::Ts, &["date_range_start"]),
            c("date_range_end", Ty::Ts, &["date_range_end"]),
            c("sample_size", Ty::Int, &["sample_size"]),
            c("is_active", Ty::Bool, &["is_active"]),
        ],
    },
    RelSpec {
        key: "accounts",
        sources: &["discovered_accounts"],
        required: false,
        cols: &[
            c("id", Ty::Int, &["id"]),
            c("username", Ty::Text, &["username"]),
            c("display_name", Ty::Text, &["display_name"]),
            c("follower_count", Ty::Int, &["follower_count"]),
            c("priority_score", Ty::Float, &["priority_score"]),
            c(
                "reply_performance_score",
                Ty::Float,
                &["reply_performance_score"],
            ),
            c(
                "last_successful_reply_at",
                Ty::Ts,
                &["last_successful_reply_at"],
            ),
            c(
                "discovered_at",
                Ty::Ts,
                &["discovered_at", "discovery_date", "created_at"],
            ),
        ],
    },
    RelSpec {
        key: "opportunities",
        sources: &["reply_opportunities"],
        required: false,
        cols: &[
            c("id", Ty::Text, &["id"]),
            c(
                "account_username",
                Ty::Text,
                &["account_username", "target_username"],
            ),
            c("tweet_id", Ty::Text, &["tweet_id", "target_tweet_id"]),
            c(
                "tweet_text",
                Ty::Text,
                &["tweet_text", "tweet_content", "target_tweet_content"],
            ),
            c("likes", Ty::Int, &["likes", "like_count"]),
            c(
                "posted_at",
                Ty::Ts,
                &["posted_at", "tweet_posted_at", "created_at"],
            ),
            c("relevance", Ty::Float, &["relevance", "opportunity_score"]),
            c("status", Ty::Text, &["status"]),
            c("discovered_at", Ty::Ts, &["discovered_at", "created_at"]),
        ],
    },
];

/// xbot's jobs that do what one of xBOT's own jobs already does, with the reason shown on an
/// attached database (where they start disabled).
pub const XBOT_DUPLICATES: &[(&str, &str)] = &[
    (
        "plan",
        "duplicates xBOT's planJob (which already plans and queues posts): disabled on an attached database; enable it to let xbot plan too",
    ),
    (
        "offline_weight_map",
        "duplicates xBOT's offlineWeightMapJob (a new active weight map every 6 h): disabled on an attached database; enable it to let xbot's maps be the ones xBOT reads",
    ),
    (
        "reply_priority_learning",
        "duplicates xBOT's replyLearningJob (which writes discovered_accounts.priority_score): disabled on an attached database; enable it to let xbot set priorities",
    ),
];

/// Why `job` starts disabled on an attached database, if it does.
pub fn duplicates_xbot_job(job: &str) -> Option<&'static str> {
    XBOT_DUPLICATES
        .iter()
        .find(|(j, _)| *j == job)
        .map(|(_, why)| *why)
}

/// Every relation name the catalog query asks about.
pub fn source_relation_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = RELATIONS
        .iter()
        .flat_map(|r| r.sources.iter().copied())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// One relation as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogRel {
    /// `table`, `view`, `materialized view`, `foreign table`, `partitioned table`.
    pub kind: String,
    /// Column name → type name as the catalog spells it (lowercase).
    pub columns: BTreeMap<String, String>,
    /// CHECK constraints' definitions (lowercase).
    pub checks: Vec<String>,
}

/// The catalog's answer: relation name → description.
pub type Catalog = BTreeMap<String, CatalogRel>;

/// Whether xbot made xBOT's layout itself or found it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InstallMode {
    /// xbot created xBOT's tables itself (the demo database, an empty Postgres).
    Standalone,
    /// xBOT's tables were already there: xbot reads them as they are.
    Attached,
}

impl InstallMode {
    pub fn as_str(self) -> &'static str {
        match self {
            InstallMode::Standalone => "standalone",
            InstallMode::Attached => "attached",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "standalone" => Some(InstallMode::Standalone),
            "attached" => Some(InstallMode::Attached),
            _ => None,
        }
    }
}

/// A logical relation resolved against this database.
#[derive(Debug, Clone)]
pub struct ResolvedRel {
    /// The real relation, schema-qualified and quoted (`"public"."outcomes"`).
    pub qualified: String,
    /// Its name.
    pub name: String,
    /// `table`, `view`, …
    pub kind: String,
    /// The sub-select that reads it in canonical form, parenthesised.
    pub select: String,
    /// Canonical column → real column name (only those present).
    pub real: HashMap<&'static str, String>,
    /// Real column name → catalog type (every column of the relation).
    pub types: BTreeMap<String, String>,
    /// Canonical columns this database does not have.
    pub missing: Vec<&'static str>,
    /// Its CHECK constraints (lowercase definitions).
    pub checks: Vec<String>,
}

/// What xbot knows about xBOT's tables on this database.
#[derive(Debug, Clone)]
pub struct SourceMap {
    pub backend: BackendKind,
    /// xBOT's schema (Postgres), `main` on SQLite.
    pub schema: String,
    rels: HashMap<&'static str, ResolvedRel>,
    /// An empty relation of the right shape for a relation the database lacks.
    empty: HashMap<&'static str, String>,
}

/// Quote an identifier for SQL (both backends accept double quotes).
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl SourceMap {
    /// Build the map from the catalog's answer.
    pub fn build(backend: BackendKind, schema: &str, catalog: &Catalog) -> SourceMap {
        let mut rels = HashMap::new();
        let mut empty = HashMap::new();
        for spec in RELATIONS {
            empty.insert(spec.key, empty_select(backend, spec));
            let Some((name, rel)) = pick_source(spec, catalog) else {
                continue;
            };
            let qualified = match backend {
                BackendKind::Postgres => format!("{}.{}", quote_ident(schema), quote_ident(name)),
                BackendKind::Sqlite => quote_ident(name),
            };
            let mut real = HashMap::new();
            let mut missing = Vec::new();
            let mut select = String::from("(SELECT ");
            for (i, col) in spec.cols.iter().enumerate() {
                if i > 0 {
                    select.push_str(", ");
                }
                let present: Vec<&str> = col
                    .candidates
                    .iter()
                    .copied()
                    .filter(|c| rel.columns.contains_key(*c))
                    .collect();
                let expr = if present.is_empty() {
                    missing.push(col.name);
                    null_of(backend, col.ty).to_string()
                } else {
                    real.insert(col.name, present[0].to_string());
                    let parts: Vec<String> = present
                        .iter()
                        .map(|p| cast_expr(backend, col.ty, p, &rel.columns[*p]))
                        .collect();
                    if parts.len() == 1 {
                        parts.into_iter().next().unwrap_or_default()
                    } else {
                        format!("COALESCE({})", parts.join(", "))
                    }
                };
                let _ = write!(select, "{expr} AS {}", col.name);
                if col.ty == Ty::Int {
                    // Beside each count: the value read leniently as a double (NaN, fractions
                    // and negatives kept, for the caller to judge) and whether the stored value
                    // is not a number at all, so a bad row can be reported, not just skipped.
                    let (num, bad) = match present.first() {
                        Some(p) => lenient_number(backend, p, &rel.columns[*p]),
                        None => (null_of(backend, Ty::Float).to_string(), "0".to_string()),
                    };
                    let _ = write!(select, ", {num} AS {0}__num, {bad} AS {0}__bad", col.name);
                }
            }
            let _ = write!(select, " FROM {qualified})");
            rels.insert(
                spec.key,
                ResolvedRel {
                    qualified,
                    name: name.to_string(),
                    kind: rel.kind.clone(),
                    select,
                    real,
                    types: rel.columns.clone(),
                    missing,
                    checks: rel.checks.clone(),
                },
            );
        }
        SourceMap {
            backend,
            schema: schema.to_string(),
            rels,
            empty,
        }
    }

    /// Whether the database has xBOT's decisions at all (else it is empty of xBOT).
    pub fn has_xbot_layout(&self) -> bool {
        self.rels.contains_key("decisions")
    }

    /// The resolved relation, if the database has it.
    pub fn rel(&self, key: &str) -> Option<&ResolvedRel> {
        self.rels.get(key)
    }

    /// The real (quoted, qualified) table to write `key` to. `None` when the database lacks it.
    pub fn table(&self, key: &str) -> Option<&str> {
        self.rels.get(key).map(|r| r.qualified.as_str())
    }

    /// The real name of a canonical column, if the database has it.
    pub fn col(&self, key: &str, canonical: &str) -> Option<&str> {
        self.rels
            .get(key)
            .and_then(|r| r.real.get(canonical))
            .map(String::as_str)
    }

    /// The catalog type of a canonical column, if the database has it.
    pub fn col_type(&self, key: &str, canonical: &str) -> Option<&str> {
        let r = self.rels.get(key)?;
        let real = r.real.get(canonical)?;
        r.types.get(real).map(String::as_str)
    }

    /// A predicate `column = param` on a canonical text column, comparing as text when the
    /// real column is not text (a UUID id), so that a text column keeps its index.
    pub fn text_eq(&self, key: &str, canonical: &str, param: &str) -> String {
        let real = self.col(key, canonical).unwrap_or(canonical);
        let q = quote_ident(real);
        let is_text = self
            .col_type(key, canonical)
            .is_some_and(|t| self.backend == BackendKind::Sqlite || pg_family(t) == "text");
        if is_text {
            format!("{q} = {param}")
        } else {
            format!("CAST({q} AS TEXT) = {param}")
        }
    }

    /// Replace every `{key}` in `sql` by the canonical sub-select of that relation (or an empty
    /// relation of the same shape when the database lacks it).
    pub fn expand(&self, sql: &str) -> String {
        if !sql.contains('{') {
            return sql.to_string();
        }
        let mut out = String::with_capacity(sql.len() + 512);
        let mut rest = sql;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            match after.find('}') {
                Some(end)
                    if after[..end]
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_')
                        && self.empty.contains_key(&after[..end]) =>
                {
                    let key = &after[..end];
                    match self.rels.get(key) {
                        Some(r) => out.push_str(&r.select),
                        None => out.push_str(&self.empty[key]),
                    }
                    rest = &after[end + 1..];
                }
                _ => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// What xbot would like to read and this database does not have, for `xbot info`.
    pub fn gaps(&self) -> Vec<String> {
        let mut out = Vec::new();
        for spec in RELATIONS {
            match self.rels.get(spec.key) {
                None => out.push(format!(
                    "{}: no relation named {} (read as empty)",
                    spec.key,
                    spec.sources.join(" or ")
                )),
                Some(r) if !r.missing.is_empty() => out.push(format!(
                    "{} ({}): no column {} (read as NULL)",
                    spec.key,
                    r.name,
                    r.missing.join(", ")
                )),
                Some(_) => {}
            }
        }
        out
    }

    /// The relations found, for `xbot info`: key → "name (kind)".
    pub fn found(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = RELATIONS
            .iter()
            .filter_map(|s| {
                self.rels
                    .get(s.key)
                    .map(|r| (s.key.to_string(), format!("{} ({})", r.name, r.kind)))
            })
            .collect();
        out.sort();
        out
    }
}

fn pick_source<'a>(spec: &RelSpec, catalog: &'a Catalog) -> Option<(&'static str, &'a CatalogRel)> {
    // A base table is preferred over a view of the same data; among equals, the order given.
    let found: Vec<(&'static str, &CatalogRel)> = spec
        .sources
        .iter()
        .filter_map(|s| catalog.get(*s).map(|r| (*s, r)))
        .collect();
    found
        .iter()
        .find(|(_, r)| r.kind == "table" || r.kind == "partitioned table")
        .or_else(|| found.first())
        .copied()
}

fn null_of(backend: BackendKind, ty: Ty) -> &'static str {
    match backend {
        BackendKind::Postgres => ty.pg_null(),
        BackendKind::Sqlite => "NULL",
    }
}

fn empty_select(backend: BackendKind, spec: &RelSpec) -> String {
    let cols: Vec<String> = spec
        .cols
        .iter()
        .map(|c| format!("{} AS {}", null_of(backend, c.ty), c.name))
        .collect();
    format!("(SELECT {} WHERE 1 = 0)", cols.join(", "))
}

/// The type family of a Postgres catalog type name.
fn pg_family(ty: &str) -> &'static str {
    let t = ty.trim();
    if t.ends_with("[]") {
        return "array";
    }
    match t.split('(').next().unwrap_or(t).trim() {
        "smallint" | "integer" | "bigint" => "int",
        "numeric" | "decimal" => "numeric",
        "real" | "double precision" => "float",
        "text" | "character varying" | "character" | "name" | "citext" => "text",
        "uuid" => "uuid",
        "timestamp with time zone" => "tstz",
        "timestamp without time zone" => "ts",
        "date" => "date",
        "boolean" => "bool",
        "jsonb" => "jsonb",
        "json" => "json",
        _ => "other",
    }
}

/// The expression that reads column `col` (catalog type `ty`) as canonical type `want`.
fn cast_expr(backend: BackendKind, want: Ty, col: &str, ty: &str) -> String {
    let q = quote_ident(col);
    match backend {
        BackendKind::Postgres => pg_cast(want, &q, pg_family(ty)),
        BackendKind::Sqlite => sqlite_cast(want, &q),
    }
}

/// (the value as a double, 1 when the stored value is not a number) of a count column.
fn lenient_number(backend: BackendKind, col: &str, ty: &str) -> (String, String) {
    let q = quote_ident(col);
    match backend {
        BackendKind::Postgres => match pg_family(ty) {
            "int" | "numeric" | "float" => (format!("CAST({q} AS DOUBLE PRECISION)"), "0".into()),
            "text" => (
                format!(
                    "(CASE WHEN {q} ~ '^\\s*-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*$' \
                     THEN trim({q})::double precision END)"
                ),
                format!(
                    "(CASE WHEN {q} IS NOT NULL AND NOT {q} ~ '^\\s*-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*$' \
                     THEN 1 ELSE 0 END)"
                ),
            ),
            _ => (
                "NULL::double precision".into(),
                format!("(CASE WHEN {q} IS NULL THEN 0 ELSE 1 END)"),
            ),
        },
        BackendKind::Sqlite => (
            format!("(CASE WHEN typeof({q}) IN ('integer', 'real') THEN CAST({q} AS REAL) END)"),
            format!("(CASE WHEN typeof({q}) IN ('text', 'blob') THEN 1 ELSE 0 END)"),
        ),
    }
}

fn pg_cast(want: Ty, q: &str, fam: &str) -> String {
    match (want, fam) {
        (Ty::Text, _) => format!("{q}::text"),
        (Ty::Int, "int") => format!("{q}::bigint"),
        (Ty::Int, "numeric") => format!(
            "(CASE WHEN {q} IS NULL OR {q}::text IN ('NaN', 'Infinity', '-Infinity') \
             OR abs({q}) >= 9.2e18 THEN NULL ELSE round({q})::bigint END)"
        ),
        (Ty::Int, "float") => {
            format!("(CASE WHEN {q} = {q} AND abs({q}) < 9.2e18 THEN round({q})::bigint END)")
        }
        (Ty::Int, "text") => {
            format!("(CASE WHEN {q} ~ '^\\s*-?[0-9]{{1,18}}\\s*$' THEN trim({q})::bigint END)")
        }
        (Ty::Float, "int" | "float") => format!("{q}::double precision"),
        (Ty::Float, "numeric") => format!(
            "(CASE WHEN {q}::text IN ('Infinity', '-Infinity') THEN NULL \
             ELSE {q}::double precision END)"
        ),
        (Ty::Float, "text") => format!(
            "(CASE WHEN {q} ~ '^\\s*-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*$' \
             THEN trim({q})::double precision END)"
        ),
        (Ty::Ts, "tstz") => q.to_string(),
        (Ty::Ts, "ts") => format!("({q} AT TIME ZONE 'UTC')"),
        (Ty::Ts, "date") => format!("({q}::timestamp AT TIME ZONE 'UTC')"),
        (Ty::Bool, "bool") => q.to_string(),
        (Ty::Bool, "int") => format!("({q} <> 0)"),
        (Ty::Json, "jsonb") => q.to_string(),
        (Ty::Json, "json" | "array") => format!("to_jsonb({q})"),
        (ty, _) => ty.pg_null().to_string(),
    }
}

fn sqlite_cast(want: Ty, q: &str) -> String {
    match want {
        Ty::Text => format!("(CASE WHEN {q} IS NULL THEN NULL ELSE CAST({q} AS TEXT) END)"),
        Ty::Int => format!(
            "(CASE typeof({q}) WHEN 'integer' THEN {q} \
             WHEN 'real' THEN (CASE WHEN {q} = {q} AND abs({q}) < 9.2e18 THEN CAST(round({q}) AS INTEGER) END) END)"
        ),
        Ty::Float => {
            format!("(CASE WHEN typeof({q}) IN ('integer', 'real') THEN CAST({q} AS REAL) END)")
        }
        // Timestamps are RFC 3339 text; anything else would fail to decode, so it reads NULL.
        Ty::Ts => format!(
            "(CASE WHEN typeof({q}) = 'text' AND {q} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' THEN {q} END)"
        ),
        Ty::Bool => format!("(CASE WHEN typeof({q}) = 'integer' THEN {q} END)"),
        Ty::Json => format!("(CASE WHEN typeof({q}) = 'text' THEN {q} END)"),
    }
}

/// The catalog query of each backend: (relation, kind, column, type) for every relation named
/// in [`source_relation_names`], in xBOT's schema (`$1` on Postgres).
pub fn catalog_sql(backend: BackendKind) -> String {
    let names: Vec<String> = source_relation_names()
        .iter()
        .map(|n| format!("'{n}'"))
        .collect();
    let list = names.join(", ");
    match backend {
        BackendKind::Postgres => format!(
            "SELECT c.relname::text, \
                    CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' \
                         WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' \
                         ELSE 'foreign table' END, \
                    a.attname::text, format_type(a.atttypid, a.atttypmod) \
             FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') \
               AND c.relname IN ({list}) \
             UNION ALL \
             SELECT c.relname::text, 'check', k.conname::text, pg_get_constraintdef(k.oid) \
             FROM pg_constraint k \
             JOIN pg_class c ON c.oid = k.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND k.contype = 'c' AND c.relname IN ({list})"
        ),
        BackendKind::Sqlite => format!(
            "SELECT m.name, m.type, p.name, lower(p.type) \
             FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type IN ('table', 'view') AND m.name IN ({list}) \
             UNION ALL \
             SELECT m.name, 'check', 'create', lower(m.sql) FROM sqlite_master m \
             WHERE m.type = 'table' AND m.name IN ({list}) AND lower(m.sql) LIKE '%check%'"
        ),
    }
}

/// Fold the catalog query's rows into a [`Catalog`].
pub fn fold_catalog(rows: Vec<(String, String, String, String)>) -> Catalog {
    let mut cat = Catalog::new();
    for (rel, kind, col, ty) in rows {
        let e = cat.entry(rel).or_default();
        if kind == "check" {
            e.checks.push(ty.to_ascii_lowercase());
        } else {
            e.kind = kind;
            e.columns.insert(col, ty.to_ascii_lowercase());
        }
    }
    cat
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (relation, kind, [(column, type)]).
    type Entry<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

    fn cat(entries: &[Entry]) -> Catalog {
        let mut rows = Vec::new();
        for (rel, kind, cols) in entries {
            for (c, t) in *cols {
                rows.push((
                    rel.to_string(),
                    kind.to_string(),
                    c.to_string(),
                    t.to_string(),
                ));
            }
        }
        fold_catalog(rows)
    }

    #[test]
    fn the_base_table_is_read_rather_than_the_view() {
        let c = cat(&[
            (
                "content_metadata",
                "view",
                &[("decision_id", "text"), ("status", "text")],
            ),
            (
                "content_generation_metadata_comprehensive",
                "table",
                &[
                    ("decision_id", "uuid"),
                    ("status", "text"),
                    ("topic_cluster", "text"),
                    ("posted_at", "timestamp without time zone"),
                ],
            ),
        ]);
        let m = SourceMap::build(BackendKind::Postgres, "public", &c);
        let d = m.rel("decisions").expect("decisions");
        assert_eq!(d.name, "content_generation_metadata_comprehensive");
        assert!(d.select.contains("\"decision_id\"::text AS decision_id"));
        assert!(d.select.contains("\"topic_cluster\"::text AS raw_topic"));
        assert!(
            d.select
                .contains("(\"posted_at\" AT TIME ZONE 'UTC') AS posted_at")
        );
        assert!(d.select.contains("NULL::text AS tone"));
        assert!(d.missing.contains(&"tone"));
    }

    #[test]
    fn numbers_in_numeric_columns_read_safely() {
        let c = cat(&[(
            "outcomes",
            "table",
            &[
                ("likes", "integer"),
                ("views", "numeric"),
                ("engagement_rate", "numeric(10,6)"),
            ],
        )]);
        let m = SourceMap::build(BackendKind::Postgres, "public", &c);
        let o = m.rel("outcomes").expect("outcomes");
        assert!(o.select.contains("\"likes\"::bigint AS likes"));
        assert!(o.select.contains("'NaN'"));
    }

    #[test]
    fn a_missing_relation_expands_to_an_empty_one() {
        let m = SourceMap::build(BackendKind::Postgres, "public", &Catalog::new());
        assert!(!m.has_xbot_layout());
        let sql = m.expand("SELECT count(*) FROM {outcomes} o WHERE x = '{not_a_key}'");
        assert!(sql.contains("WHERE 1 = 0"));
        assert!(sql.contains("'{not_a_key}'"));
    }
}
