//! The rules are data (rules/*.toml): every built-in rule's examples hold, and a bad rules
//! file is a clear error naming the file, the rule and the field.

use xbot::ai::guard::rules::{Category, RuleSet, screen_with};
use xbot::ai::guard::ruleset::{BUILTIN_FILES, parse_files};

#[test]
fn every_builtin_rule_keeps_its_examples() {
    let set = RuleSet::builtin().expect("the built-in rules load");
    let specs = set.specs();
    assert!(specs.rules.len() >= 50, "{}", specs.rules.len());
    for c in Category::ALL {
        assert!(
            // Dosage rules are code; the uncleared-claim hit is the word model's.
            specs.rules.iter().any(|r| r.category == c)
                || matches!(c, Category::Dosage | Category::UnclearedClaim),
            "no rule for {c}"
        );
    }
    assert!(specs.rules.iter().all(|r| !r.matches.is_empty()));
    let failures = set.example_failures(None);
    assert!(
        failures.is_empty(),
        "{} example failures:\n{}",
        failures.len(),
        failures
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn err_of(extra: &str) -> String {
    let mut files: Vec<(&str, &str)> = BUILTIN_FILES.to_vec();
    files.push(("local.toml", extra));
    match parse_files(&files) {
        Ok(specs) => match RuleSet::compile(specs) {
            Ok(set) => set
                .example_failures(Some("local.toml"))
                .first()
                .map(|e| e.to_string())
                .unwrap_or_default(),
            Err(e) => e.to_string(),
        },
        Err(e) => e.to_string(),
    }
}

const GOOD: &str = r#"
[[rule]]
id = "local.snake_oil"
category = "cure_claim"
level = "high"
why = "sells snake oil"
patterns = ['''\bsnake\s+oil\s+cures\b''']
match = ["Snake oil cures everything."]
no_match = ["Snake oil is a figure of speech."]
"#;

#[test]
fn a_good_local_file_adds_its_rules() {
    assert_eq!(err_of(GOOD), "");
    let mut files: Vec<(&str, &str)> = BUILTIN_FILES.to_vec();
    files.push(("local.toml", GOOD));
    let set = RuleSet::compile(parse_files(&files).unwrap()).unwrap();
    let s = screen_with(&set, "Buy now: snake oil cures it all");
    assert!(s.hits.iter().any(|h| h.rule == "local.snake_oil"), "{s:?}");
}

#[test]
fn bad_files_name_the_file_rule_and_field() {
    let cases = [
        (
            GOOD.replace("cure_claim", "cure_claims"),
            "field category",
            "unknown category",
        ),
        (
            GOOD.replace("\"high\"", "\"severe\""),
            "field level",
            "unknown level",
        ),
        (
            GOOD.replace(r"\bsnake\s+oil", r"(\bsnake"),
            "field patterns[0]",
            "bad regex",
        ),
        (
            GOOD.replace("why = \"sells snake oil\"\n", ""),
            "field why",
            "missing",
        ),
        (
            GOOD.replace("local.snake_oil", "cure.miracle"),
            "field id",
            "duplicate",
        ),
        (
            GOOD.replace("Snake oil cures everything.", "Snake oil is nice."),
            "field match[0]",
            "does not match",
        ),
        (
            GOOD.replace("Snake oil is a figure of speech.", "Snake oil cures colds."),
            "field no_match[0]",
            "matches",
        ),
        (
            GOOD.replace(
                "id = \"local.snake_oil\"",
                "id = \"local.snake_oil\"\ncolour = \"red\"",
            ),
            "field colour",
            "unknown field",
        ),
        (
            GOOD.replace("snake\\s+oil\\s+cures", "<NOPE>"),
            "field patterns[0]",
            "unknown vocabulary",
        ),
        (
            GOOD.replacen("match = [", "context = [\"sometimes\"]\nmatch = [", 1),
            "field context[0]",
            "unknown context",
        ),
    ];
    for (src, field, what) in cases {
        let e = err_of(&src);
        assert!(e.contains("rules file local.toml"), "{e}");
        assert!(
            e.contains("rule \"local.snake_oil\"") || e.contains("rule \"cure.miracle\""),
            "{e}"
        );
        assert!(e.contains(field), "want {field}: {e}");
        assert!(e.contains(what), "want {what}: {e}");
    }
    let e = err_of("this is = not toml [");
    assert!(e.contains("local.toml"), "{e}");
}

/// `XBOT_GUARD_RULES_DIR` (via `load_from`): the directory's files replace the embedded ones,
/// so a rule author sees an edit without rebuilding; a bad or missing file names its path.
#[test]
fn a_rules_directory_replaces_the_embedded_files() {
    use std::path::Path;
    use xbot::ai::guard::ruleset::load_from;
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, src) in BUILTIN_FILES {
        let base = Path::new(name).file_name().expect("file name");
        std::fs::write(dir.path().join(base), src).expect("write");
    }
    let specs = load_from(Some(dir.path()), None).expect("a copy of the built-in rules loads");
    let builtin = load_from(None, None).expect("built-in");
    let key = |s: &xbot::ai::guard::ruleset::RuleSpecs| {
        s.rules
            .iter()
            .map(|r| (r.id.clone(), r.patterns.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&specs), key(&builtin));
    assert!(
        specs.rules[0]
            .file
            .starts_with(&dir.path().display().to_string())
    );

    // An edited file is what gets loaded.
    let cure = dir.path().join("cure_claim.toml");
    let src = std::fs::read_to_string(&cure).expect("read");
    let broken = src.replacen("patterns = [", "patterns = ['''(unclosed''', ", 1);
    std::fs::write(&cure, broken).expect("write");
    let e = load_from(Some(dir.path()), None).expect_err("a bad pattern is an error");
    assert_eq!(e.file, cure.display().to_string());
    assert_eq!(e.rule.as_deref(), Some("cure.serious_disease"));
    assert_eq!(e.field, "patterns[0]");

    // A missing file names its path.
    std::fs::remove_file(&cure).expect("remove");
    let e = load_from(Some(dir.path()), None).expect_err("a missing file is an error");
    assert_eq!(e.file, cure.display().to_string());
    assert!(e.message.contains("XBOT_GUARD_RULES_DIR"), "{e}");
}

/// Vocabularies may name others a few levels deep (`VITAL_RX` → `CHRONIC_NAMES` →
/// `CHRONIC_STEMS`); one that names itself is an error naming it, not a hang or a panic.
#[test]
fn vocabularies_nest_and_a_cycle_is_an_error() {
    let nested = r#"
[vocab]
LOCAL_A = '''(?:<LOCAL_B>|alpha)'''
LOCAL_B = '''(?:<LOCAL_C>|beta)'''
LOCAL_C = '''(?:<CHRONIC_STEMS>|gamma)'''

[[rule]]
id = "local.nested"
category = "cure_claim"
level = "high"
why = "checks nesting"
patterns = ['''\bquit\s+[a-z]{3,}<LOCAL_A>\b''']
match = ["Quit apixaban now.", "quit ramipril"]
no_match = ["quit smoking"]
"#;
    assert_eq!(err_of(nested), "", "nested vocabularies expand");

    let cycle = r#"
[vocab]
LOCAL_LOOP = '''(?:<LOCAL_LOOP>|x)'''
"#;
    let e = err_of(cycle);
    assert!(
        e.contains("local.toml") && e.contains("vocab.LOCAL_LOOP"),
        "{e}"
    );
    assert!(e.contains("refers to itself"), "{e}");
}

/// The screen's helper patterns use the built-in vocabularies: the drug stems are one list.
#[test]
fn helper_patterns_share_the_builtin_vocabularies() {
    use xbot::ai::guard::ruleset::expand_builtin;
    let stems = expand_builtin("<DRUG_STEMS>").expect("known");
    for stem in ["statin", "xaban", "platin", "cillin", "pril"] {
        assert!(stems.contains(stem), "{stem} in {stems}");
    }
    assert!(!stems.contains('<'), "fully expanded: {stems}");
    assert!(expand_builtin("<NO_SUCH_LIST>").is_err());
    let screen = |t: &str| xbot::ai::guard::rules::screen(t).level;
    // A stem the rules know only through the shared list.
    assert_eq!(
        screen("Binned my rivaroxaban last week and started garlic instead."),
        xbot::ai::guard::rules::RiskLevel::Critical
    );
}

/// A rule whose patterns together pass the regex engine's compiled-size limit (many patterns
/// over the long medicine lists) is split over several regexes instead of failing to load,
/// and every pattern still matches.
#[test]
fn a_rule_too_big_for_one_regex_is_split() {
    let patterns: Vec<String> = (0..60)
        .map(|i| format!("'''\\b<VITAL_RX>\\s+marker{i}\\b'''"))
        .collect();
    let local = format!(
        r#"
[[rule]]
id = "local.big"
category = "prescriptive_advice"
level = "high"
why = "many patterns over the medicine list"
patterns = [{}]
match = ["my warfarin marker0", "my insulin marker59"]
no_match = ["my warfarin marker60"]
"#,
        patterns.join(", ")
    );
    let mut files: Vec<(&str, &str)> = BUILTIN_FILES.to_vec();
    files.push(("local.toml", &local));
    let set = RuleSet::compile(parse_files(&files).unwrap()).unwrap();
    for text in [
        "Dad takes his warfarin marker0 daily",
        "her insulin marker59 again",
    ] {
        let s = screen_with(&set, text);
        assert!(
            s.hits.iter().any(|h| h.rule == "local.big"),
            "{text}: {s:?}"
        );
    }
    let s = screen_with(&set, "her insulin marker60 again");
    assert!(!s.hits.iter().any(|h| h.rule == "local.big"), "{s:?}");
}
