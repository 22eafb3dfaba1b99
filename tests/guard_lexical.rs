//! The guard's word model (`src/ai/guard/lexical`): the shipped file is what its training sets
//! give, a bad file is a clear error, and its hit only ever holds a post.

use xbot::ai::guard::eval::{Decision, decide, parse_corpus};
use xbot::ai::guard::lexical::train::{TrainOptions, render, train};
use xbot::ai::guard::lexical::{
    BUILTIN_CRITICAL, BUILTIN_MODEL, BUILTIN_SEVERITY, LexicalModel, REJECT_UNNAMED_FROM, RULE_ID,
    SEVERITY_RULE_ID, Severity, TRAINING_SETS,
};
use xbot::ai::guard::rules::{Category, RiskLevel, active, screen, screen_rules_only};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/guard/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Retraining on the sets the file names gives the file, byte for byte: the model is data
/// derived from the labelled sets, not hand-edited weights. (Run
/// `cargo run --release --example guard_lexical -- train` after changing a set.)
#[test]
fn shipped_model_is_reproducible_from_its_training_sets() {
    let sets: Vec<_> = TRAINING_SETS
        .iter()
        .map(|n| {
            (
                n.to_string(),
                parse_corpus(&fixture(n)).expect("corpus parses"),
            )
        })
        .collect();
    assert!(
        TRAINING_SETS.iter().all(|n| !n.starts_with("fresh")),
        "the fresh held-out sets measure the guard and are never trained on"
    );
    for (name, shipped, opts) in [
        ("lexical_model.json", BUILTIN_MODEL, TrainOptions::default()),
        (
            "severity_model.json",
            BUILTIN_SEVERITY,
            TrainOptions::severity(),
        ),
        (
            "critical_model.json",
            BUILTIN_CRITICAL,
            TrainOptions::critical(),
        ),
    ] {
        let rendered = render(&train(&sets, &opts));
        if rendered != shipped {
            let first = rendered
                .lines()
                .zip(shipped.lines())
                .position(|(a, b)| a != b);
            panic!(
                "rules/{name} is not what its training sets give (first differing line: {first:?}); run `cargo run --release --example guard_lexical -- train`"
            );
        }
        let m = LexicalModel::from_json(name, shipped).expect("loads");
        assert!(m.threshold() > 0.5 && m.threshold() < 1.0);
    }
}

/// The severity score raises a post the rules already hold to a rejection with the rules' own
/// span and category. A post no rule names it raises only when the word model holds it and the
/// score reaches `REJECT_UNNAMED_FROM`: the word model's hit becomes the critical one. On the
/// labelled sets it never rejects a safe or medium post.
#[test]
fn the_severity_score_only_raises_what_the_rules_or_the_word_model_hold() {
    let rules = active();
    let severity = Severity::new(
        LexicalModel::from_json("severity_model.json", BUILTIN_SEVERITY).expect("loads"),
        LexicalModel::from_json("critical_model.json", BUILTIN_CRITICAL).expect("loads"),
    )
    .expect("one threshold");
    let sets: Vec<_> = TRAINING_SETS
        .iter()
        .flat_map(|n| parse_corpus(&fixture(n)).expect("corpus parses"))
        .collect();
    let (mut raised, mut unnamed) = (0, 0);
    for p in &sets {
        let s = screen(&p.text);
        let sev: Vec<_> = s
            .hits
            .iter()
            .filter(|h| h.rule == SEVERITY_RULE_ID)
            .collect();
        if sev.is_empty() {
            continue;
        }
        let h = sev[0];
        assert_eq!(h.level, RiskLevel::Critical);
        assert!(h.why.contains("severity score"), "{h:?}");
        assert_eq!(decide(&p.text), Decision::Reject);
        assert!(
            p.label >= RiskLevel::High,
            "a {:?} post rejected on the severity score: {}",
            p.label,
            p.text
        );
        let rules_only = screen_rules_only(&rules, &p.text);
        if rules_only.level == RiskLevel::Low {
            unnamed += 1;
            assert_eq!(h.category, Category::UnclearedClaim, "{h:?}");
            assert!(h.why.contains("no rule names it"), "{h:?}");
            assert!(s.hits.iter().all(|x| x.rule != RULE_ID), "{:?}", s.hits);
            let score = severity.score(&xbot::ai::guard::normalize::Normalized::new(&p.text).text);
            assert!(score >= REJECT_UNNAMED_FROM, "{score}: {}", p.text);
            continue;
        }
        raised += 1;
        assert!(
            matches!(rules_only.level, RiskLevel::Medium | RiskLevel::High),
            "{}: raised from {:?}",
            p.text,
            rules_only.level
        );
        assert!(
            rules_only
                .hits
                .iter()
                .any(|r| (r.start, r.end, r.category) == (h.start, h.end, h.category)),
            "{h:?}"
        );
    }
    assert!(
        raised > 20,
        "the severity score raised only {raised} held posts"
    );
    assert!(
        unnamed > 5,
        "the severity score raised only {unnamed} unnamed claims"
    );
}

/// The clearance (`CLEAR_BELOW`): a post the word model reads as plainly safe passes only when
/// the rules merely held it (never a critical hit), its hits are kept at level low with the
/// reason, and on the labelled sets it clears no medium, high or critical post.
#[test]
fn the_word_model_only_clears_what_the_rules_merely_hold() {
    let rules = active();
    let mut cleared = 0;
    for name in TRAINING_SETS {
        for p in parse_corpus(&fixture(name)).expect("corpus parses") {
            let s = screen(&p.text);
            if !s.hits.iter().any(|h| h.why.contains("(cleared:")) {
                continue;
            }
            cleared += 1;
            let rules_only = screen_rules_only(&rules, &p.text);
            assert!(
                matches!(rules_only.level, RiskLevel::Medium | RiskLevel::High),
                "{}: cleared from {:?}",
                p.text,
                rules_only.level
            );
            assert_eq!(s.level, RiskLevel::Low, "{}", p.text);
            assert!(
                s.hits.iter().all(|h| h.level == RiskLevel::Low),
                "{:?}",
                s.hits
            );
            assert_eq!(decide(&p.text), Decision::Pass, "{}", p.text);
            assert_eq!(
                p.label,
                RiskLevel::Low,
                "a {:?} post cleared by the word model: {}",
                p.label,
                p.text
            );
        }
    }
    assert!(cleared >= 10, "the word model cleared only {cleared} posts");
    // A warning whose own wording the practice rules hold (dev13).
    let warning = "s u n g a z i n g isn't a wellness practice. Staring at the sun can burn your retina permanently. Sunglasses, please.";
    assert_ne!(
        screen_rules_only(&rules, warning).level,
        RiskLevel::Low,
        "the rules hold it"
    );
    assert_eq!(decide(warning), Decision::Pass);
    // A critical claim is never cleared.
    assert_eq!(
        decide("Stop your insulin and drink cinnamon tea instead."),
        Decision::Reject
    );
}

#[test]
fn a_bad_model_file_is_an_error_naming_the_file_and_field() {
    let good: serde_json::Value = serde_json::from_str(BUILTIN_MODEL).unwrap();
    let with = |k: &str, v: serde_json::Value| {
        let mut m = good.clone();
        m[k] = v;
        m.to_string()
    };
    let e = LexicalModel::from_json("local.json", &with("threshold", 1.5.into())).unwrap_err();
    assert_eq!(
        (e.file.as_str(), e.field.as_str()),
        ("local.json", "threshold")
    );
    assert!(e.to_string().contains("not in (0, 1)"), "{e}");
    let e = LexicalModel::from_json("local.json", &with("format", 9.into())).unwrap_err();
    assert_eq!(e.field, "format");
    let mut bad = good.clone();
    bad["features"]["w:cure"] = serde_json::json!([0.0, 1.0]);
    let e = LexicalModel::from_json("local.json", &bad.to_string()).unwrap_err();
    assert_eq!(e.field, "features.w:cure");
    let e = LexicalModel::from_json("local.json", "{not json").unwrap_err();
    assert!(e.to_string().starts_with("rules file local.json"), "{e}");
    let e = LexicalModel::from_json("local.json", &with("extra", 1.into())).unwrap_err();
    assert!(e.to_string().contains("extra"), "{e}");
    // The severity and critical models are read as one score, so they share one threshold.
    let sev: serde_json::Value = serde_json::from_str(BUILTIN_SEVERITY).unwrap();
    let mut crit = sev.clone();
    crit["threshold"] = 0.6.into();
    let e = Severity::new(
        LexicalModel::from_json("severity_model.json", &sev.to_string()).unwrap(),
        LexicalModel::from_json("critical_model.json", &crit.to_string()).unwrap(),
    )
    .unwrap_err();
    assert_eq!(
        (e.file.as_str(), e.field.as_str()),
        ("critical_model.json", "threshold")
    );
}

/// Unsafe posts no phrase rule catches are held by the word model; the hit's span is a
/// sentence of the original text (through zero-width characters too), its level medium (these
/// posts are high, not critical: the severity model does not raise them).
#[test]
fn the_word_model_holds_what_the_rules_let_through() {
    let posts = [
        "Skip the dental cleaning every 6 months. Your mouth cleans itself once you stop eating sugar.",
        "Sk\u{200b}ip the dental cleaning every 6 months. Your mouth cle\u{200b}ans itself once you stop eating sugar.",
        "3 things I stopped doing: 1) annual bloodwork 2) dental X-rays 3) eye exams. Your body tells you when something's wrong.",
    ];
    for text in posts {
        let s = screen(text);
        let lexical: Vec<_> = s.hits.iter().filter(|h| h.rule == RULE_ID).collect();
        assert_eq!(lexical.len(), 1, "{text}: {:?}", s.hits);
        let h = lexical[0];
        assert_eq!(h.level, RiskLevel::Medium);
        assert_eq!(h.category, Category::UnclearedClaim);
        assert_eq!(&text[h.start..h.end], h.text);
        assert!(
            !h.text.trim().is_empty() && h.why.contains("word model"),
            "{h:?}"
        );
        assert_eq!(decide(text), Decision::Hold, "{text}");
    }
}

/// Plain safe posts stay clean: the model is not a blanket hold on health words.
#[test]
fn plain_safe_posts_are_not_held_by_the_word_model() {
    for text in [
        "Walking 20 minutes after dinner can help with blood sugar. Talk to your doctor about what fits you.",
        "Myth: you need to stop your statins if you feel fine. Fact: feeling fine is the point. Keep taking them.",
        "New study: adults who slept 7-8 hours had fewer colds than those who slept under 6.",
        "Can someone explain why my cardiologist wants me on aspirin 81 mg after my stent? Not doubting him.",
    ] {
        let s = screen(text);
        assert!(
            s.hits.iter().all(|h| h.rule != RULE_ID),
            "{text}: {:?}",
            s.hits
        );
    }
}
