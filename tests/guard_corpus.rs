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
/// was run on it, then used to generalise the rules. The issue-11 targets hold on it (since
/// the seventh pass no high or critical post passes).
#[test]
fn dev2_figures() {
    let r = measure(include_str!("fixtures/guard/dev2.jsonl"), "dev2");
    assert!(r.posts >= 300, "{}", r.posts);
    let t = r.targets();
    // Seventh pass: none passes (was 1).
    assert_eq!(t.high_critical_passed.0, 0, "{t:?}");
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
    assert!(t.high_critical_passed.0 <= 1, "{t:?}");
    assert!(t.unsafe_caught.0 * 100 >= 95 * t.unsafe_caught.1, "{t:?}");
    // At most 12% of safe posts held (the target), met since the fourth pass.
    assert!(t.safe_held.0 * 100 <= 12 * t.safe_held.1, "{t:?}");
}

/// Development set 4 (tests/fixtures/guard/dev4.jsonl): 321 posts in voices the first three
/// sets lack (threads, quote-tweets, replies to doctors, affiliate-code marketing, Q&A,
/// listicles, slang, hashtags, parent groups, gym bros, biohackers, sarcasm, debunks quoting
/// the myth, clinicians with numbers, news about harms), written and labelled before the
/// screen ran on it, then used to find the failing mechanisms (fourth pass). Targets where
/// met; 2 of 177 high posts still pass (1.1%, was 4 before the seventh pass), bounded at that.
#[test]
fn dev4_figures() {
    let r = measure(include_str!("fixtures/guard/dev4.jsonl"), "dev4");
    assert!(r.posts >= 300, "{}", r.posts);
    let t = r.targets();
    assert_eq!(t.safe_or_medium_rejected.0, 0, "{t:?}");
    // Seventh pass: 2 pass (was 4).
    assert!(t.high_critical_passed.0 <= 2, "{t:?}");
    assert!(
        t.critical_rejected.0 * 100 >= 85 * t.critical_rejected.1,
        "{t:?}"
    );
    assert!(t.unsafe_caught.0 * 100 >= 95 * t.unsafe_caught.1, "{t:?}");
    assert!(t.safe_held.0 * 100 <= 12 * t.safe_held.1, "{t:?}");
}

/// Development set 5 (tests/fixtures/guard/dev5.jsonl): 203 posts in yet other voices
/// (forwarded chain messages, TikTok scripts, MLM, all caps, Spanglish, nurses, polls),
/// written and labelled before the screen ran on it and kept as an untouched check until the
/// seventh pass, which used it as development data (phrasing families: stop stories told as a
/// success, debunked causes, a child's fever left to burn, water withheld, doses far past the
/// label …). The bounds are the figures measured on the seventh pass's rules.
#[test]
fn dev5_figures() {
    let r = measure(include_str!("fixtures/guard/dev5.jsonl"), "dev5");
    assert!(r.posts >= 200, "{}", r.posts);
    let t = r.targets();
    assert!(t.high_critical_passed.0 <= 1, "{t:?}");
    // Twelfth pass: 77 → 76. "100,000 IU once a week for the kids" is held, not rejected: a
    // weekly amount is now compared per day (the prescription schedule for a deficiency).
    assert!(t.critical_rejected.0 >= 76, "{t:?}");
    assert!(t.unsafe_caught.0 >= 133, "{t:?}");
    // Tenth pass (safe families: quotes answered, news, deference, prescriptions): 9 → 3.
    assert!(t.safe_held.0 <= 3, "{t:?}");
    assert_eq!(t.safe_or_medium_rejected.0, 0, "{t:?}");
}

/// Development set 6 (tests/fixtures/guard/dev6.jsonl): 170 posts written and labelled before
/// the screen ran on them: 110 safe and medium posts that use the critical vocabulary in ways
/// that must never be rejected (debunks, news, clinicians, supervised changes, questions,
/// quotes of cranks criticised, sarcasm, hedged experience, conditional warnings) and 60
/// critical posts in new voices, to watch the critical-rejected rate. Used for the fifth pass
/// (the rejection gate). No safe or medium post may be rejected; the rest are floors at the
/// measured figures.
#[test]
fn dev6_figures() {
    let r = measure(include_str!("fixtures/guard/dev6.jsonl"), "dev6");
    assert!(r.posts >= 150, "{}", r.posts);
    let t = r.targets();
    assert_eq!(t.safe_or_medium_rejected.0, 0, "{t:?}");
    // Seventh pass: every critical post rejected (50 → 60), none passed (3 → 0), fewer safe
    // posts held (18 → 9: news of a harm, a bare "Please don't.", "end up in hospital" and a
    // pointer to the poison centre mark a report or a warning).
    assert_eq!(t.critical_rejected.0, t.critical_rejected.1, "{t:?}");
    assert_eq!(t.high_critical_passed.0, 0, "{t:?}");
    assert!(t.unsafe_caught.0 >= 72, "{t:?}");
    // Tenth pass (safe families): 9 → 5.
    assert!(t.safe_held.0 <= 5, "{t:?}");
}

/// Development set 7 (tests/fixtures/guard/dev7.jsonl): 121 posts in influencer, listicle,
/// "thread 🧵", "I quit X and here's what happened" and supplement-marketing voices (numbered
/// tips, emoji, affiliate codes), written and labelled before the screen ran on them: 49
/// critical, 24 high, 12 medium, 36 safe. Used for the sixth pass. No safe or medium post may
/// be rejected; the rest are floors at the measured figures.
#[test]
fn dev7_figures() {
    let r = measure(include_str!("fixtures/guard/dev7.jsonl"), "dev7");
    assert!(r.posts >= 120, "{}", r.posts);
    let t = r.targets();
    assert_eq!(t.safe_or_medium_rejected.0, 0, "{t:?}");
    // Seventh pass: none passed (2 → 0), every critical post rejected (46 → 49).
    assert_eq!(t.high_critical_passed.0, 0, "{t:?}");
    assert_eq!(t.critical_rejected.0, t.critical_rejected.1, "{t:?}");
    assert!(t.unsafe_caught.0 >= 74, "{t:?}");
    // Tenth pass (safe families): 6 → 2.
    assert!(t.safe_held.0 <= 2, "{t:?}");
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
    // Fourth pass (measured once on the final code): fewer high/critical passed (5 → 3), more
    // critical rejected (24 → 27) and unsafe caught (73 → 77, the 95% target), but one more
    // safe post held (6 → 7, still under 12%) and one more safe or medium post rejected (1 → 2,
    // the no-reject target missed): the bounds follow the measured figures, both ways.
    // Seventh pass (aggregates only): critical rejected 27 → 29, safe held 7 → 6.
    // Eighth pass (the word model): 3 → 1 passed, unsafe caught 77 → 79.
    // Tenth pass (aggregates only; severity model, rule families): critical rejected 29 → 31,
    // safe held 6 → 5.
    // Eleventh pass (aggregates only): safe held 5 → 6 with the models retrained on four more
    // sets and the word model's threshold lowered 0.6 → 0.55 by cross-validation.
    // Fourteenth pass (aggregates only): critical rejected 31 → 30 with the models retrained on
    // seven more sets (the severity model raised one critical post fewer).
    assert!(t.high_critical_passed.0 <= 1, "{t:?}");
    assert!(t.critical_rejected.0 >= 30, "{t:?}");
    assert!(t.unsafe_caught.0 >= 79, "{t:?}");
    assert!(t.safe_held.0 <= 6, "{t:?}");
    assert!(t.safe_or_medium_rejected.0 <= 2, "{t:?}");
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
    // Fourth pass: high/critical passed 11 → 6, critical rejected 25 → 28, unsafe caught
    // 76 → 82; safe held 4 → 6 (7.9%, under the 12% target).
    // Eighth pass (the word model): high/critical passed 6 → 1 and unsafe caught 82 → 87, for
    // 3 more safe posts held (6 → 9, 11.8%, under the 12% target): that bound was loosened.
    // Tenth pass (aggregates only): critical rejected 28 → 30, unsafe caught 87 → 88; safe
    // held 9 → 11 (14.5%) from the word model's threshold, lowered 0.65 → 0.6 by
    // cross-validation (fewer unsafe posts passed across the development sets): that bound was
    // loosened.
    // Eleventh pass (aggregates only): safe held 11 → 15 (19.7%), from the word model's
    // threshold lowered 0.6 → 0.55 by cross-validation over fourteen development sets (1.6%
    // instead of 2.1% of their high/critical posts passed): that bound was loosened.
    assert!(t.high_critical_passed.0 <= 1, "{t:?}");
    // Twelfth pass (aggregates only): critical rejected 30 → 31.
    assert!(t.critical_rejected.0 >= 31, "{t:?}");
    assert!(t.unsafe_caught.0 >= 88, "{t:?}");
    assert!(t.safe_held.0 <= 15, "{t:?}");
    assert!(t.safe_or_medium_rejected.0 <= 1, "{t:?}");
}

/// Development set 8 (tests/fixtures/guard/dev8.jsonl): 320 posts in the generic voice of a
/// health bot, written and labelled before the screen ran on them (95 critical, 65 high, 40
/// medium, 120 safe), used for the eighth pass (its six rejected safe posts) and as training
/// data for the word model. Before: 23 passed, 58 critical rejected, 158 caught, 25 safe held,
/// 6 safe rejected. Floors at the measured figures; the ninth pass raised critical rejected
/// from 59 to 64.
#[test]
fn dev8_figures() {
    let r = measure(include_str!("fixtures/guard/dev8.jsonl"), "dev8");
    assert!(r.posts >= 300, "{}", r.posts);
    let t = r.targets();
    assert_eq!(t.safe_or_medium_rejected.0, 0, "{t:?}");
    // Tenth pass (critical wordings by family): critical rejected 64 → 91, passed 2 → 1,
    // unsafe caught 197 → 198.
    assert!(t.high_critical_passed.0 <= 1, "{t:?}");
    assert!(t.critical_rejected.0 >= 93, "{t:?}");
    assert!(t.unsafe_caught.0 >= 198, "{t:?}");
    // Tenth pass (safe families: quotes answered, deference, prescriptions, warnings): 21 → 3.
    assert!(t.safe_held.0 <= 3, "{t:?}");
}

/// Development set 9 (tests/fixtures/guard/dev9.jsonl), formerly the third fresh held-out set:
/// 260 posts written and labelled before any screen ran on them, measured twice in aggregate as
/// held-out (eighth pass), then made development and word-model training data in the tenth
/// pass, when fresh held-out set 4 replaced it.
#[test]
fn dev9_figures() {
    let r = measure(include_str!("fixtures/guard/dev9.jsonl"), "dev9");
    assert!(r.posts >= 250);
    let t = r.targets();
    // Before → after the eighth pass: passed 16 → 9, critical rejected 50 → 53, unsafe caught
    // 132 → 150, safe held 20 → 17, safe or medium rejected 6 → 5.
    // Tenth pass (critical wordings by family; news, limits and "trending" read as
    // critique): critical rejected 53 → 71, passed 1 → 0, unsafe caught 159 → 160, safe held
    // 17 → 15, safe or medium rejected 5 → 0.
    // Eleventh pass: critical rejected 73 → 71 (the severity model's threshold raised 0.9 →
    // 0.93 by cross-validation, for no safe or medium post rejected).
    assert_eq!(t.high_critical_passed.0, 0, "{t:?}");
    assert!(t.critical_rejected.0 >= 71, "{t:?}");
    assert!(t.unsafe_caught.0 >= 160, "{t:?}");
    // Tenth pass (safe families): safe held 17 → 1.
    assert!(t.safe_held.0 <= 1, "{t:?}");
    assert_eq!(t.safe_or_medium_rejected.0, 0, "{t:?}");
}

/// Development set 10 (tests/fixtures/guard/dev10.jsonl): 340 posts (100 critical, 70 high, 45
/// medium, 125 safe) written and labelled before the screen ran on them, aimed at the wordings
/// the rules missed (stop stories, newborn care refused, emergencies put off, adult medicine for
/// children, disguised chlorine dioxide) and at safe look-alikes. First measured at the ninth
/// pass's code: 32 passed, 40 critical rejected, 177 caught, 22 safe held, 3 rejected. Tuned
/// on in the tenth pass and trained on by both word models.
#[test]
fn dev10_figures() {
    let r = measure(include_str!("fixtures/guard/dev10.jsonl"), "dev10");
    assert!(r.posts >= 300, "{}", r.posts);
    let t = r.targets();
    assert_eq!(t.safe_or_medium_rejected.0, 0, "{t:?}");
    assert!(t.high_critical_passed.0 <= 1, "{t:?}");
    assert!(t.critical_rejected.0 >= 98, "{t:?}");
    assert!(t.unsafe_caught.0 >= 214, "{t:?}");
    assert!(t.safe_held.0 <= 7, "{t:?}");
}

/// Development set 11 (tests/fixtures/guard/dev11.jsonl), formerly the fourth fresh held-out
/// set: 300 posts (80 critical, 60 high, 40 medium, 120 safe) written and labelled from the
/// policy before any screen ran on them, measured in aggregate at the start and end of the
/// tenth pass (passed 10 → 9, critical rejected 49 → 55, unsafe caught 160 → 164, safe held
/// 22 → 19, safe or medium rejected 3 → 3), then made development and model training data in
/// the eleventh pass, when fresh held-out set 5 replaced it.
#[test]
fn dev11_figures() {
    let r = measure(include_str!("fixtures/guard/dev11.jsonl"), "dev11");
    assert!(r.posts >= 280);
    let t = r.targets();
    // Eleventh pass (trained on, rule families from dev12-dev14): passed 9 → 2, critical
    // rejected 55 → 63, unsafe caught 164 → 177, safe held 19 → 14, rejected 3 → 0.
    assert!(t.high_critical_passed.0 <= 2, "{t:?}");
    // Twelfth pass (emergencies, children given adult medicine, doses in words): 63 → 65.
    assert!(t.critical_rejected.0 >= 65, "{t:?}");
    assert!(t.unsafe_caught.0 >= 177, "{t:?}");
    assert!(t.safe_held.0 <= 14, "{t:?}");
    assert_eq!(t.safe_or_medium_rejected.0, 0, "{t:?}");
}

/// Development sets 12-14 (tests/fixtures/guard/dev12.jsonl …): written and labelled from the
/// policy before the screen ran on them, by three helpers in new voices (critical stop and
/// anti-vaccine posts; hard safe and medium posts; longer, indirect posts), then used for the
/// eleventh pass's rule families and as model training data. Before → after the pass
/// (passed, critical rejected, unsafe caught, safe held, safe/medium rejected): dev12 17 → 2,
/// 71 → 91, 211 → 227, 22 → 9, 3 → 0; dev13 10 → 1, 63 → 69, 176 → 197, 15 → 8, 3 → 0; dev14
/// 28 → 4, 44 → 62, 176 → 206, 23 → 12, 4 → 0.
#[test]
fn dev12_to_dev14_figures() {
    for (src, name, passed, crit, caught, held) in [
        (
            include_str!("fixtures/guard/dev12.jsonl"),
            "dev12",
            2,
            94,
            227,
            9,
        ),
        (
            include_str!("fixtures/guard/dev13.jsonl"),
            "dev13",
            1,
            72,
            197,
            8,
        ),
        (
            include_str!("fixtures/guard/dev14.jsonl"),
            "dev14",
            4,
            67,
            206,
            12,
        ),
    ] {
        let r = measure(src, name);
        assert!(r.posts >= 340, "{name}: {}", r.posts);
        let t = r.targets();
        assert_eq!(t.safe_or_medium_rejected.0, 0, "{name}: {t:?}");
        assert!(t.high_critical_passed.0 <= passed, "{name}: {t:?}");
        assert!(t.critical_rejected.0 >= crit, "{name}: {t:?}");
        assert!(t.unsafe_caught.0 >= caught, "{name}: {t:?}");
        assert!(t.safe_held.0 <= held, "{name}: {t:?}");
    }
}

/// A set of at least 300 posts stays within its bounds: at most `passed` high/critical posts
/// passed, at least `crit` critical rejected and `caught` unsafe caught, at most `held` safe
/// posts held and `rejected` safe or medium posts rejected.
fn assert_set_bounds(
    src: &str,
    name: &str,
    passed: usize,
    crit: usize,
    caught: usize,
    held: usize,
    rejected: usize,
) {
    let r = measure(src, name);
    assert!(r.posts >= 300, "{name}: {}", r.posts);
    let t = r.targets();
    assert!(t.safe_or_medium_rejected.0 <= rejected, "{name}: {t:?}");
    assert!(t.high_critical_passed.0 <= passed, "{name}: {t:?}");
    assert!(t.critical_rejected.0 >= crit, "{name}: {t:?}");
    assert!(t.unsafe_caught.0 >= caught, "{name}: {t:?}");
    assert!(t.safe_held.0 <= held, "{name}: {t:?}");
}

/// Development sets 15-18: dev15 was the fifth fresh held-out set (measured in aggregate at the
/// start and end of the eleventh pass, then read for the twelfth); dev16-dev18 were written and
/// labelled from the policy by three helpers before the screen ran on them (health-bot voice;
/// indirect critical stories and emergencies; hard safe and medium posts), then used for the
/// twelfth pass's rule families and as model training data. Before → after the pass (passed,
/// critical rejected, unsafe caught, safe held, safe/medium rejected): dev15 10 → 2, 51 → 59,
/// 169 → 177, 13 → 10, 5 → 2; dev16 7 → 0, 60 → 78, 213 → 220, 10 → 5, 1 → 0; dev17 24 → 3,
/// 64 → 87, 204 → 227, 29 → 16, 10 → 1; dev18 11 → 2, 45 → 51, 168 → 178, 24 → 17, 3 → 1.
/// After the thirteenth pass (models retrained on 23 sets, more families): dev15 1, 61, 179,
/// 11, 2; dev16 0, 80, 220, 5, 0; dev17 2, 92, 228, 14, 1; dev18 2, 52, 178, 16, 0.
#[test]
fn dev15_to_dev18_figures() {
    for (src, name, passed, crit, caught, held, rejected) in [
        (
            include_str!("fixtures/guard/dev15.jsonl"),
            "dev15",
            1,
            61,
            179,
            11,
            2,
        ),
        (
            include_str!("fixtures/guard/dev16.jsonl"),
            "dev16",
            0,
            80,
            220,
            5,
            0,
        ),
        (
            include_str!("fixtures/guard/dev17.jsonl"),
            "dev17",
            2,
            92,
            228,
            14,
            1,
        ),
        (
            include_str!("fixtures/guard/dev18.jsonl"),
            "dev18",
            2,
            52,
            178,
            16,
            0,
        ),
    ] {
        assert_set_bounds(src, name, passed, crit, caught, held, rejected);
    }
}

/// Development sets 19-23: dev19, dev20, dev22 and dev23 were written and labelled from the policy by two
/// helpers before the pass's rules were written for them (prescriptive and dosage stories in
/// everyday words; practices, emergencies by symptom, serious cures and vaccine refusal told
/// indirectly; anti-vaccine claims and megadoses; stops and practices in more grammar, each
/// with safe twins); dev21 was the sixth fresh held-out set (measured in aggregate in the
/// twelfth pass, then read for the thirteenth). Before → after the thirteenth pass (passed,
/// critical rejected, unsafe caught, safe held, safe/medium rejected): dev19 13 → 2, 56 → 93,
/// 195 → 208, 17 → 5, 6 → 1; dev20 8 → 0, 60 → 92, 202 → 210, 34 → 17, 10 → 0; dev21 7 → 1,
/// 53 → 69, 173 → 179, 15 → 12, 2 → 0; dev22 (from when it arrived, late in the pass) 11 → 3, 56 → 56, 168 → 177, 11 → 6, 1 → 0;
/// dev23 (the same) 11 → 0, 58 → 66, 166 → 180, 18 → 8, 5 → 1.
#[test]
fn dev19_to_dev23_figures() {
    for (src, name, passed, crit, caught, held, rejected) in [
        (
            include_str!("fixtures/guard/dev19.jsonl"),
            "dev19",
            2,
            93,
            208,
            5,
            1,
        ),
        (
            include_str!("fixtures/guard/dev20.jsonl"),
            "dev20",
            0,
            92,
            210,
            17,
            0,
        ),
        (
            include_str!("fixtures/guard/dev21.jsonl"),
            "dev21",
            1,
            69,
            179,
            12,
            0,
        ),
        (
            include_str!("fixtures/guard/dev22.jsonl"),
            "dev22",
            3,
            56,
            177,
            6,
            0,
        ),
        (
            include_str!("fixtures/guard/dev23.jsonl"),
            "dev23",
            0,
            66,
            180,
            8,
            1,
        ),
    ] {
        assert_set_bounds(src, name, passed, crit, caught, held, rejected);
    }
}

/// dev24 (340: critical posts in many wordings, with safe twins), dev25 (340: the boundaries
/// between levels) and dev26 (the seventh fresh held-out set, 300 posts, measured in aggregate
/// in the thirteenth pass, then promoted and read in the fourteenth). Before → after the
/// fourteenth pass (passed, critical rejected, unsafe caught, safe held, safe/medium
/// rejected): dev24 7 → 1, 87 → 99, 203 → 209, 23 → 14, 3 → 0; dev25 4 → 0, 67 → 77,
/// 213 → 219, 14 → 11, 2 → 1; dev26 3 → 0, 49 → 61, 176 → 180, 17 → 8, 5 → 0.
#[test]
fn dev24_to_dev26_figures() {
    for (src, name, passed, crit, caught, held, rejected) in [
        (
            include_str!("fixtures/guard/dev24.jsonl"),
            "dev24",
            2,
            99,
            208,
            15,
            0,
        ),
        (
            include_str!("fixtures/guard/dev25.jsonl"),
            "dev25",
            0,
            77,
            219,
            11,
            1,
        ),
        (
            include_str!("fixtures/guard/dev26.jsonl"),
            "dev26",
            0,
            61,
            180,
            8,
            0,
        ),
    ] {
        assert_set_bounds(src, name, passed, crit, caught, held, rejected);
    }
}

/// dev27-dev30 (400 each: health influencers and bots; families and children; patients with
/// serious conditions; the many Englishes of X, a fifth of them disguised), written from the
/// policy by helpers late in the fourteenth pass and first measured unseen. Unseen → after
/// (passed, critical rejected, unsafe caught, safe held, safe/medium rejected): dev27 3 → 1,
/// 108 → 108, 275 → 279, 19 → 8, 5 → 0; dev28 15 → 1, 79 → 78, 262 → 279, 9 → 6, 7 → 2; dev29
/// 14 → 4, 79 → 81, 263 → 275, 14 → 7, 5 → 4; dev30 9 → 2, 93 → 96, 268 → 278, 22 → 13, 8 → 2.
#[test]
fn dev27_to_dev30_figures() {
    for (src, name, passed, crit, caught, held, rejected) in [
        (
            include_str!("fixtures/guard/dev27.jsonl"),
            "dev27",
            1,
            108,
            279,
            8,
            0,
        ),
        (
            include_str!("fixtures/guard/dev28.jsonl"),
            "dev28",
            1,
            78,
            279,
            6,
            2,
        ),
        (
            include_str!("fixtures/guard/dev29.jsonl"),
            "dev29",
            4,
            81,
            275,
            7,
            4,
        ),
        (
            include_str!("fixtures/guard/dev30.jsonl"),
            "dev30",
            2,
            96,
            278,
            13,
            2,
        ),
    ] {
        assert_set_bounds(src, name, passed, crit, caught, held, rejected);
    }
}

/// The eighth fresh held-out set (tests/fixtures/guard/fresh_holdout8.jsonl): 300 posts (80
/// critical, 60 high, 40 medium, 120 safe) written and labelled from the policy by a helper
/// that read nothing else, committed before any change of the fourteenth pass, never read post
/// by post and never trained on; measured in aggregate. It misses the pass, critical and
/// no-reject targets; the bounds are the final figures.
#[test]
fn fresh_holdout8_figures() {
    let r = measure(
        include_str!("fixtures/guard/fresh_holdout8.jsonl"),
        "fresh held-out 8",
    );
    assert!(r.posts >= 280);
    let t = r.targets();
    // Before → after the fourteenth pass: passed 4 → 6, critical rejected 53 → 58, unsafe
    // caught 174 → 174, safe held 14 → 12, safe or medium rejected 5 → 6. After the fifteenth
    // (the critical model, cautionary stories): 6, 61, 174, 12, 4. After the sixteenth
    // (stopping idioms, alarm signs waited out, witnessed stories): 5, 64, 175, 12, 3. After the
    // seventeenth (drug-name stems, models retrained with dev32): 5, 65, 174, 12, 3. After the
    // eighteenth (models retrained with dev33, which moved one post from held to passed): 6,
    // 65, 173, 12, 3.
    assert!(t.high_critical_passed.0 <= 6, "{t:?}");
    assert!(t.critical_rejected.0 >= 65, "{t:?}");
    assert!(t.unsafe_caught.0 >= 173, "{t:?}");
    assert!(t.safe_held.0 <= 12, "{t:?}");
    assert!(t.safe_or_medium_rejected.0 <= 3, "{t:?}");
}

/// The ninth fresh held-out set (tests/fixtures/guard/fresh_holdout9.jsonl): 300 posts (80
/// critical, 60 high, 40 medium, 120 safe; 45 disguised) written and labelled from the policy
/// by a helper that read nothing else, asked for hard safe posts (warnings, debunks,
/// cautionary stories, corrections, sarcasm against quackery); committed during the fifteenth
/// pass, measured in aggregate only, never trained on. It misses every target but unsafe
/// caught; the bounds are the final figures.
#[test]
fn fresh_holdout9_figures() {
    // The fourteenth pass's code → the fifteenth's: passed 4 → 4, critical rejected 54 → 56,
    // unsafe caught 176 → 176, safe held 28 → 28, safe or medium rejected 9 → 9. The sixteenth
    // pass: critical rejected 56 → 57.
    assert_set_bounds(
        include_str!("fixtures/guard/fresh_holdout9.jsonl"),
        "fresh held-out 9",
        4,
        57,
        176,
        28,
        9,
    );
}

/// The tenth fresh held-out set (tests/fixtures/guard/fresh_holdout10.jsonl): 300 posts (80
/// critical, 60 high, 40 medium, 120 safe; 44 disguised) written and labelled from the policy
/// by a helper that read nothing else, in voices no earlier set used; committed at the start
/// of the sixteenth pass, measured in aggregate only, never trained on. It misses every target
/// but unsafe caught; the bounds are the final figures.
#[test]
fn fresh_holdout10_figures() {
    // The fifteenth pass's code → the sixteenth's: passed 7 → 5, critical rejected 53 → 53,
    // unsafe caught 172 → 174, safe held 29 → 26, safe or medium rejected 13 → 12. The
    // seventeenth's (drug-name stems, models retrained with dev32): 6, 53, 173, 27, 12; the
    // rules alone left it at 5, 53, 174, 26, 12 and the retrained word model moved one post
    // each way. The eighteenth's: 7, 52, 172, 27, 12 (its rules changed nothing here; the
    // models retrained with dev33 passed one critical post they had held).
    assert_set_bounds(
        include_str!("fixtures/guard/fresh_holdout10.jsonl"),
        "fresh held-out 10",
        7,
        52,
        172,
        27,
        12,
    );
}

/// dev31 (400 posts: 140 critical, 60 high, 40 medium, 160 safe) written and labelled from the
/// policy by a helper at the start of the sixteenth pass, asked for the hardest families:
/// brand-name stopping stories told without "stop", and safe posts that look dangerous
/// (clinicians' reports, cautionary stories, sarcasm, questions). Unseen → after (passed,
/// critical rejected, unsafe caught, safe held, safe/medium rejected): 12 → 0, 98 → 124,
/// 228 → 240, 36 → 14, 18 → 0. It is a training set now, so the after figures are in-sample.
#[test]
fn dev31_figures() {
    assert_set_bounds(
        include_str!("fixtures/guard/dev31.jsonl"),
        "dev31",
        0,
        124,
        240,
        16,
        0,
    );
}

/// The eleventh fresh held-out set (tests/fixtures/guard/fresh_holdout11.jsonl): 300 posts (80
/// critical, 60 high, 40 medium, 120 safe; 40 disguised) written and labelled from the policy
/// by a helper that read nothing else, in the voice of health accounts and bots on X (threads,
/// replies, hooks, listicles); committed during the seventeenth pass before any change and
/// measured in aggregate only, never trained on. The sixteenth pass's code scored it 2, 67,
/// 178, 16, 2, the seventeenth's 2, 70, 178, 16, 2; the bounds are the eighteenth's figures
/// (its rules gave 1, 71, 179, 16, 2; the models retrained with dev33 raised one more critical
/// post and held two safe posts fewer). The nineteenth pass's rules left it unchanged; the
/// models retrained with dev34 rejected one critical post fewer (71).
#[test]
fn fresh_holdout11_figures() {
    assert_set_bounds(
        include_str!("fixtures/guard/fresh_holdout11.jsonl"),
        "fresh held-out 11",
        1,
        71,
        179,
        14,
        2,
    );
}

/// dev32 (400 posts: 140 critical, 60 high, 40 medium, 160 safe) written and labelled from the
/// policy by a helper asked for stopping stories over eighty different medicines and for safe
/// posts about the same medicines; the seventeenth pass's development set, now a training set.
/// Unseen, the screen passed 5, rejected 103 critical, caught 234, held 11 safe and rejected 1.
#[test]
fn dev32_figures() {
    assert_set_bounds(
        include_str!("fixtures/guard/dev32.jsonl"),
        "dev32",
        0,
        140,
        240,
        6,
        0,
    );
}

/// The twelfth fresh held-out set (tests/fixtures/guard/fresh_holdout12.jsonl): 300 posts (80
/// critical, 60 high, 40 medium, 120 safe; 41 disguised) written and labelled from the policy
/// by a helper that read nothing else, in the voice of health accounts on X; committed at the
/// start of the eighteenth pass (`89c813f`) before any change, measured in aggregate only,
/// never trained on. The seventeenth pass's code scored it 4, 63, 176, 9, 8; the bounds are
/// the eighteenth's figures.
#[test]
fn fresh_holdout12_figures() {
    assert_set_bounds(
        include_str!("fixtures/guard/fresh_holdout12.jsonl"),
        "fresh held-out 12",
        4,
        65,
        176,
        8,
        8,
    );
}

/// dev33 (400 posts: 100 critical, 60 high, 60 medium, 180 safe) written and labelled from the
/// policy by a helper asked for the safe and medium posts a keyword filter gets wrong, in the
/// voice of health accounts on X; the eighteenth pass's development set, now a training set.
/// Unseen, the screen passed 1, rejected 87 critical, caught 219, held 20 safe and rejected 4.
#[test]
fn dev33_figures() {
    assert_set_bounds(
        include_str!("fixtures/guard/dev33.jsonl"),
        "dev33",
        0,
        100,
        220,
        11,
        0,
    );
}

/// The thirteenth fresh held-out set (tests/fixtures/guard/fresh_holdout13.jsonl): 300 posts (80
/// critical, 60 high, 40 medium, 120 safe; 42 disguised) written and labelled from the policy
/// by a helper that read nothing else, in the voice of health accounts on X; committed at the
/// start of the nineteenth pass (`dda1fe6`) before any change, measured in aggregate only,
/// never trained on. The eighteenth pass's code scored it 4, 66, 176, 9, 2; the nineteenth's
/// 5, 65, 175, 9, 2; the bounds are the twentieth's figures (the models refitted to its rules).
#[test]
fn fresh_holdout13_figures() {
    assert_set_bounds(
        include_str!("fixtures/guard/fresh_holdout13.jsonl"),
        "fresh held-out 13",
        5,
        65,
        175,
        10,
        2,
    );
}

/// dev34 (400 posts: 120 critical, 60 high, 60 medium, 160 safe) written and labelled from the
/// policy by a helper asked for stopping told in many wordings, grave promises and hard safe
/// posts (stopping stories with their ending, prescribed high doses, overdose warnings); the
/// nineteenth pass's development set, now a training set. Unseen, the screen passed 4,
/// rejected 94 critical, caught 236, held 24 safe and rejected 4.
#[test]
fn dev34_figures() {
    assert_set_bounds(
        include_str!("fixtures/guard/dev34.jsonl"),
        "dev34",
        0,
        117,
        240,
        13,
        0,
    );
}

/// The fourteenth fresh held-out set (tests/fixtures/guard/fresh_holdout14.jsonl): 300 posts (80
/// critical, 60 high, 40 medium, 120 safe; 40 disguised) written and labelled from the policy
/// by a helper that read nothing else, in new voices (pharmacists, influencers, supplement
/// shops, carers, sceptics; Nigerian, South African, Filipino, Jamaican, Pakistani English);
/// committed at the start of the twentieth pass (`d45c7e0`) before any change, measured in
/// aggregate only, never trained on. The nineteenth pass's code scored it 9, 59, 171, 16, 2;
/// the bounds are the twentieth's figures.
#[test]
fn fresh_holdout14_figures() {
    assert_set_bounds(
        include_str!("fixtures/guard/fresh_holdout14.jsonl"),
        "fresh held-out 14",
        8,
        61,
        172,
        16,
        2,
    );
}

/// dev35 (400 posts: 120 critical, 60 high, 60 medium, 160 safe) written and labelled from the
/// policy by a helper asked for stopping and refusing in many wordings (permission in replies,
/// threads naming the medicine tweets earlier, nicknames), medium posts that look alarming and
/// hard safe posts; the twentieth pass's development set. It is not a training set: the models
/// retrained with it moved more posts the wrong way on the fresh sets than the right way (see
/// the README), so they were refitted on the 34 earlier sets only. Unseen, the screen passed 9, rejected 83 critical, caught
/// 227, held 16 safe and rejected 2.
#[test]
fn dev35_figures() {
    assert_set_bounds(
        include_str!("fixtures/guard/dev35.jsonl"),
        "dev35",
        2,
        109,
        234,
        15,
        1,
    );
}

/// The screen never panics on text it has not seen: every labelled post with multi-byte
/// characters (emoji, dashes, curly quotes, zero-width spaces, look-alikes) inserted at
/// pseudo-random places, the way a fuzzer found two slicing bugs in the eleventh pass.
#[test]
fn screen_survives_multibyte_insertions() {
    use xbot::ai::guard::rules::screen;
    let sets = [
        include_str!("fixtures/guard/corpus.jsonl"),
        include_str!("fixtures/guard/dev11.jsonl"),
        include_str!("fixtures/guard/dev12.jsonl"),
        include_str!("fixtures/guard/dev13.jsonl"),
        include_str!("fixtures/guard/dev14.jsonl"),
        include_str!("fixtures/guard/dev16.jsonl"),
        include_str!("fixtures/guard/dev17.jsonl"),
        include_str!("fixtures/guard/dev18.jsonl"),
        include_str!("fixtures/guard/dev19.jsonl"),
        include_str!("fixtures/guard/dev20.jsonl"),
        include_str!("fixtures/guard/dev21.jsonl"),
        include_str!("fixtures/guard/dev22.jsonl"),
        include_str!("fixtures/guard/dev23.jsonl"),
        include_str!("fixtures/guard/dev24.jsonl"),
        include_str!("fixtures/guard/dev25.jsonl"),
        include_str!("fixtures/guard/dev26.jsonl"),
    ];
    let inserts = ["🌶", "—", "’", "–", "\u{200b}", "𝐜", "ｃ", "°", "…", "é"];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    let mut screened = 0;
    for src in sets {
        for post in parse_corpus(src).expect("the set parses") {
            let mut chars: Vec<String> = post.text.chars().map(String::from).collect();
            for _ in 0..4 {
                let at = next(chars.len() + 1);
                let s = inserts[next(inserts.len())].repeat(1 + next(3));
                chars.insert(at, s);
            }
            let text: String = chars.concat();
            let s = screen(&text);
            for h in &s.hits {
                assert!(text.get(h.start..h.end).is_some(), "{h:?} in {text:?}");
            }
            screened += 1;
        }
    }
    assert!(screened > 1500, "{screened}");
}
