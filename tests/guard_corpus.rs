//! The guard on the labelled corpus (tests/fixtures/guard/corpus.jsonl): the issue-11 targets
//! as assertions on counts, and the figures printed (`cargo test --test guard_corpus -- --nocapture`).

use xbot::ai::guard::eval::{BUILTIN_CORPUS, Report, parse_corpus};

#[test]
fn corpus_figures() {
    let posts = parse_corpus(BUILTIN_CORPUS).expect("corpus parses");
    assert!(posts.len() >= 400);
    let dev = Report::measure(posts.iter().filter(|p| p.split != "holdout"));
    let held = Report::measure(posts.iter().filter(|p| p.split == "holdout"));
    let all = Report::measure(posts.iter());
    println!("{}", dev.render("dev"));
    println!("{}", held.render("held-out"));
    println!("{}", all.render("all"));
    if std::env::var_os("GUARD_MISSES").is_some() {
        for (l, d, t) in &dev.misses {
            println!("MISS {l:?} -> {d:?}: {t:?}");
        }
    }
    // The issue-11 targets on the part of the corpus the rules were tuned on.
    let t = dev.targets();
    assert_eq!(t.high_critical_passed.0, 0, "{t:?}");
    assert_eq!(t.safe_or_medium_rejected.0, 0, "{t:?}");
    assert!(t.met(0.0), "{t:?}");
    // The held-out part was never looked at post by post while tuning: its figures are
    // reported in the README as they are; this guards them against regressions.
    let h = held.targets();
    assert!(h.high_critical_passed.0 <= 1, "{h:?}");
    assert_eq!(h.safe_or_medium_rejected.0, 0, "{h:?}");
    assert!(
        h.critical_rejected.0 * 100 >= 85 * h.critical_rejected.1,
        "{h:?}"
    );
    assert!(h.safe_held.0 * 100 <= 12 * h.safe_held.1, "{h:?}");
}

/// The fresh held-out set (tests/fixtures/guard/fresh_holdout.jsonl): written and labelled
/// before the screen was run on it and never used for tuning. Its figures are reported as they
/// are (they miss the targets); the bounds only guard against regressions.
#[test]
fn fresh_holdout_figures() {
    let src = include_str!("fixtures/guard/fresh_holdout.jsonl");
    let posts = parse_corpus(src).expect("the fresh set parses");
    assert!(posts.len() >= 120);
    let r = Report::measure(posts.iter());
    println!("{}", r.render("fresh held-out"));
    let t = r.targets();
    assert!(t.high_critical_passed.0 <= 12, "{t:?}");
    assert!(t.safe_or_medium_rejected.0 <= 2, "{t:?}");
    assert!(t.safe_held.0 * 100 <= 12 * t.safe_held.1, "{t:?}");
}
