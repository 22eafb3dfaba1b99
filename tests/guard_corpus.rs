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
    let t = all.targets();
    assert_eq!(t.high_critical_passed.0, 0, "{t:?}");
    assert_eq!(t.safe_or_medium_rejected.0, 0, "{t:?}");
    assert!(all.targets().met(0.0), "{t:?}");
    assert!(held.targets().met(0.02), "{:?}", held.targets());
}
