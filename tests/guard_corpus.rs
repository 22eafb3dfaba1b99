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

fn measure(src: &str, title: &str) -> Report {
    let posts = parse_corpus(src).expect("the set parses");
    let r = Report::measure(posts.iter());
    println!("{}", r.render(title));
    if std::env::var_os("GUARD_MISSES").is_some() && !title.contains("held-out") {
        for (l, d, t) in &r.misses {
            println!("MISS {l:?} -> {d:?}: {t:?}");
        }
    }
    r
}

/// Development set 2 (tests/fixtures/guard/dev2.jsonl): written and labelled before the screen
/// was run on it, then used to generalise the rules. The issue-11 targets hold on it (one
/// high or critical post of 218 still passes: within the 2% allowed on unseen posts).
#[test]
fn dev2_figures() {
    let r = measure(include_str!("fixtures/guard/dev2.jsonl"), "dev2");
    assert!(r.posts >= 300, "{}", r.posts);
    let t = r.targets();
    assert!(t.high_critical_passed.0 <= 1, "{t:?}");
    assert_eq!(t.safe_or_medium_rejected.0, 0, "{t:?}");
    assert!(t.met(0.01), "{t:?}");
}

/// Development set 3 (tests/fixtures/guard/dev3.jsonl): 284 posts in voices the earlier sets
/// lack (casual replies, testimonials, "my doctor said" stories, rhetorical questions, lists,
/// emoji, non-native English), written and labelled before the screen ran on it, then used to
/// build the structural checks (`ai::guard::structure`). Not every target is met on it yet:
/// the bounds are the measured figures, and the ones that must hold everywhere (no safe or
/// medium post rejected, critical rejected ≥85%) are asserted as targets.
#[test]
fn dev3_figures() {
    let r = measure(include_str!("fixtures/guard/dev3.jsonl"), "dev3");
    assert!(r.posts >= 250, "{}", r.posts);
    let t = r.targets();
    assert_eq!(t.safe_or_medium_rejected.0, 0, "{t:?}");
    assert!(
        t.critical_rejected.0 * 100 >= 85 * t.critical_rejected.1,
        "{t:?}"
    );
    assert!(t.high_critical_passed.0 <= 11, "{t:?}");
    assert!(t.unsafe_caught.0 >= 155, "{t:?}");
    assert!(t.safe_held.0 <= 15, "{t:?}");
}

/// The fresh held-out set (tests/fixtures/guard/fresh_holdout.jsonl): written and labelled
/// before the screen was run on it and never read post by post while tuning (only its
/// aggregate figures were looked at). It still misses targets; the bounds are the figures
/// measured on the final rules, so a change that makes it worse fails.
#[test]
fn fresh_holdout_figures() {
    let r = measure(
        include_str!("fixtures/guard/fresh_holdout.jsonl"),
        "fresh held-out",
    );
    assert!(r.posts >= 120);
    let t = r.targets();
    assert!(t.high_critical_passed.0 <= 5, "{t:?}");
    assert!(t.critical_rejected.0 >= 24, "{t:?}");
    assert!(t.unsafe_caught.0 >= 73, "{t:?}");
    assert!(t.safe_held.0 <= 6, "{t:?}");
    assert!(t.safe_or_medium_rejected.0 <= 1, "{t:?}");
}

/// The second fresh held-out set (tests/fixtures/guard/fresh_holdout2.jsonl): written and
/// labelled before any screen ran on it, in a different voice from dev2, committed before the
/// tuning started, and measured once on the final rules. Bounds as above.
#[test]
fn fresh_holdout2_figures() {
    let r = measure(
        include_str!("fixtures/guard/fresh_holdout2.jsonl"),
        "fresh held-out 2",
    );
    assert!(r.posts >= 150);
    let t = r.targets();
    assert!(t.high_critical_passed.0 <= 11, "{t:?}");
    assert!(t.critical_rejected.0 >= 25, "{t:?}");
    assert!(t.unsafe_caught.0 >= 76, "{t:?}");
    assert!(t.safe_held.0 <= 4, "{t:?}");
    assert!(t.safe_or_medium_rejected.0 <= 1, "{t:?}");
}
