//! The rule table as data: `rules/*.toml` in the repository (embedded in the binary), plus an
//! optional local file named by the `ai.rules_file` setting, loaded and validated at start-up.
//!
//! A file holds `[vocab]` entries (regex fragments substituted into patterns as `<NAME>`),
//! `[[rule]]` tables and, for dosage, `[[nutrient]]` megadose thresholds. A rule:
//!
//! ```toml
//! [[rule]]
//! id = "cure.serious_disease"            # unique
//! category = "cure_claim"                # cure_claim, dosage, prescriptive_advice,
//!                                        # promised_outcome, against_consensus, dangerous_practice
//! level = "critical"                     # low, medium, high, critical
//! why = "claims to cure a serious disease"
//! patterns = ['''\bcures?\s+<SERIOUS>\b''']   # case-insensitive regexes, matched on normalised text
//! hedges = { soft = "lower", care = "ignore" }  # what "may/studies suggest" (soft) and
//!                                        # "talk to your doctor" (care) do: ignore, lower, drop
//! context = ["debunkable", "conditional"] # also: imperative, inner_negation, warning,
//!                                        # fallback, corroborate
//! negatable = true                       # default: a negator just before the match drops it
//! filter = "serious_cure"                # optional named check in code
//! match = ["Turmeric cures cancer."]     # must produce a hit of this rule
//! no_match = ["There is no cure for cancer."]  # must not
//! ```
//!
//! Any error names the file, the rule and the field. The built-in rules' examples are checked by
//! the test suite; a local file's examples are checked when it is loaded.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::Path;

use regex::Regex;
use toml::{Table, Value};

use super::rules::{Category, Hedge, RiskLevel};

/// The built-in rule files, embedded in the binary.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "rules/vocab.toml",
        include_str!("../../../rules/vocab.toml"),
    ),
    (
        "rules/cure_claim.toml",
        include_str!("../../../rules/cure_claim.toml"),
    ),
    (
        "rules/dosage.toml",
        include_str!("../../../rules/dosage.toml"),
    ),
    (
        "rules/prescriptive_advice.toml",
        include_str!("../../../rules/prescriptive_advice.toml"),
    ),
    (
        "rules/promised_outcome.toml",
        include_str!("../../../rules/promised_outcome.toml"),
    ),
    (
        "rules/against_consensus.toml",
        include_str!("../../../rules/against_consensus.toml"),
    ),
    (
        "rules/dangerous_practice.toml",
        include_str!("../../../rules/dangerous_practice.toml"),
    ),
];

/// A bad rules file: which file, which rule, which field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSetError {
    pub file: String,
    pub rule: Option<String>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for RuleSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rules file {}", self.file)?;
        if let Some(r) = &self.rule {
            write!(f, ", rule {r:?}")?;
        }
        if !self.field.is_empty() {
            write!(f, ", field {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RuleSetError {}

/// Context checks a rule opts into (see the module comment of `rules`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContextFlags {
    pub negatable: bool,
    pub debunkable: bool,
    pub conditional: bool,
    pub imperative: bool,
    pub inner_negation: bool,
    /// Dropped when its sentence warns against the practice ("never", "dangerous", "can harm").
    pub warning: bool,
    /// A catch-all: dropped when another rule already flags the same sentence.
    pub fallback: bool,
    /// Not rejection-grade on its own: critical only when the post names a grave subject
    /// (`GRAVE` in the vocabularies: a serious disease, a vaccine, a child); otherwise high,
    /// held for a person ("Ice baths are better than antidepressants for mood").
    pub corroborate: bool,
}

/// One validated rule, before compilation.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    pub file: String,
    pub id: String,
    pub category: Category,
    pub level: RiskLevel,
    pub why: String,
    /// Patterns with the vocabularies substituted.
    pub patterns: Vec<String>,
    pub soft: Hedge,
    pub care: Hedge,
    pub flags: ContextFlags,
    pub filter: Option<String>,
    pub matches: Vec<String>,
    pub no_matches: Vec<String>,
}

/// A megadose threshold for one nutrient or drug.
#[derive(Debug, Clone, PartialEq)]
pub struct NutrientSpec {
    pub name: String,
    pub pattern: String,
    pub megadose_mg: f64,
}

/// Every rule and threshold, validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleSpecs {
    pub rules: Vec<RuleSpec>,
    pub nutrients: Vec<NutrientSpec>,
    /// The `GRAVE` vocabulary, expanded: the subjects that make a `corroborate` rule's claim
    /// rejection-grade.
    pub grave: Option<String>,
}

const RULE_KEYS: &[&str] = &[
    "id",
    "category",
    "level",
    "why",
    "patterns",
    "hedges",
    "context",
    "negatable",
    "filter",
    "match",
    "no_match",
];
const CONTEXT_FLAGS: &[&str] = &[
    "debunkable",
    "conditional",
    "imperative",
    "inner_negation",
    "warning",
    "fallback",
    "corroborate",
];

struct Errs<'a> {
    file: &'a str,
    rule: Option<String>,
}

impl Errs<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> RuleSetError {
        RuleSetError {
            file: self.file.to_string(),
            rule: self.rule.clone(),
            field: field.to_string(),
            message: message.into(),
        }
    }
}

fn string_list(e: &Errs<'_>, v: Option<&Value>, field: &str) -> Result<Vec<String>, RuleSetError> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| e.err(&format!("{field}[{i}]"), "must be a string"))
            })
            .collect(),
        Some(_) => Err(e.err(field, "must be a list of strings")),
    }
}

fn hedge(e: &Errs<'_>, v: Option<&Value>, field: &str) -> Result<Hedge, RuleSetError> {
    match v.map(|v| v.as_str()) {
        None => Ok(Hedge::Ignore),
        Some(Some("ignore")) => Ok(Hedge::Ignore),
        Some(Some("lower")) => Ok(Hedge::Lower),
        Some(Some("drop")) => Ok(Hedge::Drop),
        Some(other) => Err(e.err(
            field,
            format!("unknown hedge effect {other:?} (ignore, lower, drop)"),
        )),
    }
}

/// Substitutes `<NAME>` vocabularies; an unknown name is an error.
fn expand(pattern: &str, vocab: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('>') {
            let name = &after[..name_len];
            let v = vocab
                .get(name)
                .ok_or_else(|| format!("unknown vocabulary <{name}>"))?;
            out.push_str(v);
            rest = &after[name_len + 1..];
        } else {
            // A regex "<" (e.g. a lookbehind-like literal): keep it.
            out.push('<');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Expands the vocabularies that refer to others (`VITAL_RX` uses `<CHRONIC_NAMES>`, which
/// uses `<CHRONIC_STEMS>`), a few levels deep; a name that refers to itself is an error.
/// `origin` names the file that defined each vocabulary, for the error.
fn expand_vocab(
    vocab: &mut BTreeMap<String, String>,
    origin: &BTreeMap<String, String>,
) -> Result<(), RuleSetError> {
    let file = |k: &str| origin.get(k).cloned().unwrap_or_else(|| "vocab".into());
    const DEPTH: usize = 4;
    for round in 0..=DEPTH {
        let snapshot = vocab.clone();
        let mut changed = false;
        for (k, v) in vocab.iter_mut() {
            let expanded = expand(v, &snapshot).map_err(|m| RuleSetError {
                file: file(k),
                rule: None,
                field: format!("vocab.{k}"),
                message: m,
            })?;
            if expanded != *v {
                if round == DEPTH {
                    return Err(RuleSetError {
                        file: file(k),
                        rule: None,
                        field: format!("vocab.{k}"),
                        message: format!(
                            "refers to itself, or to vocabularies nested more than {DEPTH} deep"
                        ),
                    });
                }
                *v = expanded;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    Ok(())
}

/// The built-in vocabularies (`rules/vocab.toml` as embedded), expanded. The screen's own
/// helper patterns in `rules.rs` and `structure.rs` use them through [`expand_builtin`], so a
/// list such as the drug-name stems is written once. They do not follow
/// `XBOT_GUARD_RULES_DIR`: the helpers are code, built with the binary.
static BUILTIN_VOCAB: std::sync::LazyLock<BTreeMap<String, String>> =
    std::sync::LazyLock::new(|| {
        let src = BUILTIN_FILES
            .iter()
            .find(|(name, _)| *name == "rules/vocab.toml")
            .map_or("", |(_, src)| *src);
        let mut vocab = BTreeMap::new();
        let table: Table = toml::from_str(src).expect("embedded rules/vocab.toml is valid TOML");
        if let Some(Value::Table(v)) = table.get("vocab") {
            for (k, p) in v {
                if let Some(p) = p.as_str() {
                    vocab.insert(k.clone(), p.to_string());
                }
            }
        }
        expand_vocab(&mut vocab, &BTreeMap::new()).expect("embedded rules/vocab.toml expands");
        vocab
    });

/// `pattern` with every `<NAME>` replaced by the built-in vocabulary of that name, or why not
/// (an unknown name).
pub fn expand_builtin(pattern: &str) -> Result<String, String> {
    expand(pattern, &BUILTIN_VOCAB)
}

/// Parses and validates rule files (name, content), in order. Later files may use earlier
/// files' vocabularies. Patterns are compiled to check them.
pub fn parse_files(files: &[(&str, &str)]) -> Result<RuleSpecs, RuleSetError> {
    let mut vocab: BTreeMap<String, String> = BTreeMap::new();
    let mut origin: BTreeMap<String, String> = BTreeMap::new();
    let mut tables: Vec<(&str, Table)> = Vec::new();
    for (name, src) in files {
        let e = Errs {
            file: name,
            rule: None,
        };
        let t: Table = toml::from_str(src).map_err(|err| e.err("", err.to_string()))?;
        for key in t.keys() {
            if !matches!(key.as_str(), "vocab" | "rule" | "nutrient") {
                return Err(e.err(key, "unknown key (vocab, rule, nutrient)"));
            }
        }
        if let Some(v) = t.get("vocab") {
            let v = v
                .as_table()
                .ok_or_else(|| e.err("vocab", "must be a table"))?;
            for (k, p) in v {
                let p = p
                    .as_str()
                    .ok_or_else(|| e.err(&format!("vocab.{k}"), "must be a string"))?;
                if !k.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                    return Err(e.err(&format!("vocab.{k}"), "names are UPPER_CASE"));
                }
                vocab.insert(k.clone(), p.to_string());
                origin.insert(k.clone(), name.to_string());
            }
        }
        tables.push((name, t));
    }
    expand_vocab(&mut vocab, &origin)?;

    let mut specs = RuleSpecs {
        grave: vocab.get("GRAVE").cloned(),
        ..RuleSpecs::default()
    };
    let mut seen = HashSet::new();
    for (name, t) in &tables {
        let e = Errs {
            file: name,
            rule: None,
        };
        if let Some(list) = t.get("nutrient") {
            let list = list
                .as_array()
                .ok_or_else(|| e.err("nutrient", "must be an array of tables"))?;
            for (i, n) in list.iter().enumerate() {
                let f = |k: &str| format!("nutrient[{i}].{k}");
                let n = n
                    .as_table()
                    .ok_or_else(|| e.err(&format!("nutrient[{i}]"), "must be a table"))?;
                let nname = n
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| e.err(&f("name"), "missing or not a string"))?;
                let pattern = n
                    .get("pattern")
                    .and_then(Value::as_str)
                    .ok_or_else(|| e.err(&f("pattern"), "missing or not a string"))?;
                let pattern = expand(pattern, &vocab).map_err(|m| e.err(&f("pattern"), m))?;
                super::rules::compile_checked(&pattern).map_err(|m| e.err(&f("pattern"), m))?;
                let mg = n
                    .get("megadose_mg")
                    .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .ok_or_else(|| e.err(&f("megadose_mg"), "missing or not a positive number"))?;
                specs.nutrients.push(NutrientSpec {
                    name: nname.to_string(),
                    pattern,
                    megadose_mg: mg,
                });
            }
        }
        let Some(rules) = t.get("rule") else {
            continue;
        };
        let rules = rules
            .as_array()
            .ok_or_else(|| e.err("rule", "must be an array of tables ([[rule]])"))?;
        for (i, r) in rules.iter().enumerate() {
            let r = r
                .as_table()
                .ok_or_else(|| e.err(&format!("rule[{i}]"), "must be a table"))?;
            let id = r
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| e.err(&format!("rule[{i}].id"), "missing or not a string"))?;
            let e = Errs {
                file: name,
                rule: Some(id.to_string()),
            };
            if id.trim().is_empty() || id.contains(char::is_whitespace) {
                return Err(e.err("id", "must be a non-empty word like cure.serious_disease"));
            }
            if !seen.insert(id.to_string()) {
                return Err(e.err("id", "duplicate rule id"));
            }
            for key in r.keys() {
                if !RULE_KEYS.contains(&key.as_str()) {
                    return Err(e.err(key, format!("unknown field ({})", RULE_KEYS.join(", "))));
                }
            }
            let req_str = |k: &str| {
                r.get(k)
                    .and_then(Value::as_str)
                    .ok_or_else(|| e.err(k, "missing or not a string"))
            };
            let category = Category::parse(req_str("category")?).ok_or_else(|| {
                e.err(
                    "category",
                    format!(
                        "unknown category {:?} ({})",
                        req_str("category").unwrap_or(""),
                        Category::ALL.map(Category::as_str).join(", ")
                    ),
                )
            })?;
            let level = RiskLevel::parse(req_str("level")?).ok_or_else(|| {
                e.err(
                    "level",
                    format!(
                        "unknown level {:?} (low, medium, high, critical)",
                        req_str("level").unwrap_or("")
                    ),
                )
            })?;
            let why = req_str("why")?.to_string();
            let raw_patterns = string_list(&e, r.get("patterns"), "patterns")?;
            if raw_patterns.is_empty() {
                return Err(e.err("patterns", "missing: give at least one pattern"));
            }
            let mut patterns = Vec::new();
            for (j, p) in raw_patterns.iter().enumerate() {
                let field = format!("patterns[{j}]");
                let p = expand(p, &vocab).map_err(|m| e.err(&field, m))?;
                super::rules::compile_checked(&p).map_err(|m| e.err(&field, m))?;
                patterns.push(p);
            }
            let (soft, care) = match r.get("hedges") {
                None => (Hedge::Ignore, Hedge::Ignore),
                Some(Value::Table(h)) => {
                    for k in h.keys() {
                        if k != "soft" && k != "care" {
                            return Err(e.err(&format!("hedges.{k}"), "unknown hedge (soft, care)"));
                        }
                    }
                    (
                        hedge(&e, h.get("soft"), "hedges.soft")?,
                        hedge(&e, h.get("care"), "hedges.care")?,
                    )
                }
                Some(_) => return Err(e.err("hedges", "must be a table { soft = …, care = … }")),
            };
            let mut flags = ContextFlags {
                negatable: match r.get("negatable") {
                    None => true,
                    Some(Value::Boolean(b)) => *b,
                    Some(_) => return Err(e.err("negatable", "must be true or false")),
                },
                ..ContextFlags::default()
            };
            for (j, c) in string_list(&e, r.get("context"), "context")?
                .iter()
                .enumerate()
            {
                match c.as_str() {
                    "debunkable" => flags.debunkable = true,
                    "conditional" => flags.conditional = true,
                    "imperative" => flags.imperative = true,
                    "inner_negation" => flags.inner_negation = true,
                    "warning" => flags.warning = true,
                    "fallback" => flags.fallback = true,
                    "corroborate" => flags.corroborate = true,
                    other => {
                        return Err(e.err(
                            &format!("context[{j}]"),
                            format!("unknown context {other:?} ({})", CONTEXT_FLAGS.join(", ")),
                        ));
                    }
                }
            }
            let filter = match r.get("filter") {
                None => None,
                Some(Value::String(f)) if super::rules::filter_exists(f) => Some(f.clone()),
                Some(Value::String(f)) => {
                    return Err(e.err(
                        "filter",
                        format!(
                            "unknown filter {f:?} ({})",
                            super::rules::FILTER_NAMES.join(", ")
                        ),
                    ));
                }
                Some(_) => return Err(e.err("filter", "must be a string")),
            };
            let matches = string_list(&e, r.get("match"), "match")?;
            if matches.is_empty() {
                return Err(e.err(
                    "match",
                    "missing: give at least one example that must match",
                ));
            }
            let no_matches = string_list(&e, r.get("no_match"), "no_match")?;
            specs.rules.push(RuleSpec {
                file: name.to_string(),
                id: id.to_string(),
                category,
                level,
                why,
                patterns,
                soft,
                care,
                flags,
                filter,
                matches,
                no_matches,
            });
        }
    }
    Ok(specs)
}

/// The built-in rules with a local file (read from disk) appended. Rule authors can try edits
/// without rebuilding: `XBOT_GUARD_RULES_DIR` names a directory whose files replace the
/// embedded ones of the same name (see [`load_from`]).
pub fn load_with_local(path: Option<&Path>) -> Result<RuleSpecs, RuleSetError> {
    let dir = std::env::var_os("XBOT_GUARD_RULES_DIR");
    load_from(dir.as_deref().map(Path::new), path)
}

/// The rules read from `dir` (every built-in file name, e.g. `DIR/vocab.toml`) instead of the
/// embedded ones when given, with a local file appended.
pub fn load_from(dir: Option<&Path>, path: Option<&Path>) -> Result<RuleSpecs, RuleSetError> {
    let local = match path {
        None => None,
        Some(p) => Some((
            p.display().to_string(),
            std::fs::read_to_string(p).map_err(|err| RuleSetError {
                file: p.display().to_string(),
                rule: None,
                field: String::new(),
                message: format!("cannot read: {err}"),
            })?,
        )),
    };
    let overrides: Vec<(String, String)> = match dir {
        None => Vec::new(),
        Some(dir) => {
            let mut out = Vec::new();
            for (name, _) in BUILTIN_FILES {
                let base = Path::new(name).file_name().unwrap_or_default();
                let p = dir.join(base);
                let src = std::fs::read_to_string(&p).map_err(|err| RuleSetError {
                    file: p.display().to_string(),
                    rule: None,
                    field: String::new(),
                    message: format!("cannot read (XBOT_GUARD_RULES_DIR): {err}"),
                })?;
                out.push((p.display().to_string(), src));
            }
            out
        }
    };
    let mut files: Vec<(&str, &str)> = if overrides.is_empty() {
        BUILTIN_FILES.to_vec()
    } else {
        overrides
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect()
    };
    if let Some((name, src)) = &local {
        files.push((name, src));
    }
    parse_files(&files)
}

/// Compiles a pattern for validation (used by tests of other crates' files too).
pub fn check_pattern(p: &str) -> Result<Regex, String> {
    super::rules::compile_checked(p)
}
