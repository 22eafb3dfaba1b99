//! Trains the guard's word model and measures it (see `src/ai/guard/lexical`).
//!
//! ```sh
//! cargo run --release --example guard_lexical -- train      # writes rules/lexical_model.json,
//!                                                           # rules/severity_model.json and
//!                                                           # rules/critical_model.json
//! cargo run --release --example guard_lexical -- cv         # leave-one-set-out figures
//! cargo run --release --example guard_lexical -- severity   # the same for the severity score
//! cargo run --release --example guard_lexical -- clear --all  # the same for the clearance
//! cargo run --release --example guard_lexical -- top        # the strongest features
//! cargo run --release --example guard_lexical -- dump       # every labelled post with its
//!                                                           # rules-only decision, as JSON lines
//! ```
//! The training sets are `TRAINING_SETS` below: every labelled set in `tests/fixtures/guard/`
//! except the fresh held-out sets, which measure the guard and are never trained on.

use std::process::ExitCode;

use xbot::ai::guard::eval::parse_corpus;
use xbot::ai::guard::lexical::train::{
    TrainOptions, cross_validate, render, strongest, train, train_without,
};
use xbot::ai::guard::lexical::{
    CRITICAL_FILE, MODEL_FILE, REJECT_UNNAMED_FROM, SEVERITY_FILE, Severity, TRAINING_SETS,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = TrainOptions::default();
    if let Some(i) = args.iter().position(|a| a == "--c")
        && let Some(v) = args.get(i + 1).and_then(|v| v.parse().ok())
    {
        opts.c = v;
    }
    if let Some(i) = args.iter().position(|a| a == "--threshold")
        && let Some(v) = args.get(i + 1).and_then(|v| v.parse().ok())
    {
        opts.threshold = v;
    }
    let mut sets = Vec::new();
    for name in TRAINING_SETS {
        let path = format!("tests/fixtures/guard/{name}");
        let posts = match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|s| parse_corpus(&s))
        {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::from(2);
            }
        };
        sets.push((name.to_string(), posts));
    }
    match args.first().map(String::as_str) {
        Some("train") => {
            let severity = TrainOptions {
                c: opts.c,
                ..TrainOptions::severity()
            };
            let critical = TrainOptions {
                c: opts.c,
                ..TrainOptions::critical()
            };
            for (name, o) in [
                (MODEL_FILE, opts),
                (SEVERITY_FILE, severity),
                (CRITICAL_FILE, critical),
            ] {
                let file = train(&sets, &o);
                let out = format!("rules/{name}");
                if let Err(e) = std::fs::write(&out, render(&file)) {
                    eprintln!("{out}: {e}");
                    return ExitCode::FAILURE;
                }
                println!("{out}: {} features", file.features.len());
            }
        }
        Some("cv") => {
            let ths = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8];
            let folds = cross_validate(&sets, &ths, &opts);
            println!("leave-one-set-out, C = {}", opts.c);
            for (ti, t) in ths.iter().enumerate() {
                let mut tot = [0usize; 7];
                let mut line = String::new();
                for (name, figs) in &folds {
                    let f = &figs[ti];
                    for (acc, v) in tot.iter_mut().zip([
                        f.rules_passed,
                        f.passed,
                        f.high_or_critical,
                        f.safe_rules_held,
                        f.safe_held,
                        f.safe,
                        f.medium_passed,
                    ]) {
                        *acc += v;
                    }
                    line.push_str(&format!(
                        " {}: {}→{} +{}",
                        name.trim_end_matches(".jsonl"),
                        f.rules_passed,
                        f.passed,
                        f.safe_held - f.safe_rules_held
                    ));
                }
                println!(
                    "t={t:.2}: high/critical passed {}→{} of {}, safe held {}→{} of {}, medium passed {} |{line}",
                    tot[0], tot[1], tot[2], tot[3], tot[4], tot[5], tot[6]
                );
            }
        }
        Some("dump") => dump(),
        Some("severity") => severity(&sets, &opts, args.iter().any(|a| a == "--alone")),
        Some("clear") => clear(&sets, &opts, args.iter().any(|a| a == "--all")),
        Some("top") => {
            let file = train(&sets, &opts);
            let (top, bottom) = strongest(&file, 40);
            println!("unsafe: {top:?}\n\nsafe: {bottom:?}");
        }
        _ => {
            eprintln!(
                "usage: guard_lexical train|cv|severity|clear|top|dump [--c C] [--threshold T] [--alone] [--all]"
            );
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

/// The severity score by leave-one-set-out: for each set, the severity and critical models
/// trained on the others turn a rules hold (high only, or medium and high) or a word-model hold
/// into a rejection at each threshold; counts what that would reject, by label. `alone` scores
/// with the severity model alone (as before the critical model), for comparison.
fn severity(
    sets: &[(String, Vec<xbot::ai::guard::eval::CorpusPost>)],
    opts: &TrainOptions,
    alone: bool,
) {
    use xbot::ai::guard::eval::{Decision, decide_screened};
    use xbot::ai::guard::normalize::Normalized;
    use xbot::ai::guard::rules::{RiskLevel, active, screen_rules_only, severity_applies};
    let rules = active();
    let high = TrainOptions {
        c: opts.c,
        ..TrainOptions::severity()
    };
    let critical = TrainOptions {
        c: opts.c,
        ..TrainOptions::critical()
    };
    let ths = [0.8, 0.83, 0.85, 0.87, 0.88, 0.9, 0.92, 0.93];
    let shown = ths
        .iter()
        .position(|&t| t == REJECT_UNNAMED_FROM)
        .unwrap_or(0);
    // per threshold, per eligible-set (rules hold high, rules hold medium or high, only the
    // word model holds): [crit gained, high rejected gained, safe rej, medium rej]
    let mut tot = vec![[[0usize; 4]; 3]; ths.len()];
    let mut crit_total = 0;
    let mut crit_rej = 0;
    for (k, (name, test)) in sets.iter().enumerate() {
        let (Ok(h), Ok(c), Ok(words)) = (
            train_without(sets, k, &high),
            train_without(sets, k, &critical),
            train_without(sets, k, opts),
        ) else {
            eprintln!("{name}: the fold's model did not load");
            return;
        };
        let pair = Severity::new(h.clone(), c).ok();
        let score_of = |text: &str| -> f64 {
            match (&pair, alone) {
                (Some(p), false) => p.score(text),
                _ => h.score(text),
            }
        };
        let mut fold = vec![[[0usize; 4]; 3]; ths.len()];
        for p in test {
            let sc = screen_rules_only(&rules, &p.text);
            let d = decide_screened(&p.text, &sc);
            if p.label == RiskLevel::Critical {
                crit_total += 1;
                if d == Decision::Reject {
                    crit_rej += 1;
                }
            }
            let norm = Normalized::new(&p.text);
            let word_hold = d == Decision::Pass
                && sc.level == RiskLevel::Low
                && words.score(&norm.text) >= words.threshold();
            if (d != Decision::Hold && !word_hold)
                || (d == Decision::Hold && !severity_applies(&sc.hits))
            {
                continue;
            }
            let score = score_of(&norm.text);
            for (ti, &t) in ths.iter().enumerate() {
                if score < t {
                    continue;
                }
                for (ei, ok) in [
                    sc.level == RiskLevel::High && !word_hold,
                    sc.level >= RiskLevel::Medium && !word_hold,
                    word_hold,
                ]
                .iter()
                .enumerate()
                {
                    if !ok {
                        continue;
                    }
                    let slot = slot(p.label);
                    fold[ti][ei][slot] += 1;
                    tot[ti][ei][slot] += 1;
                }
            }
        }
        println!(
            "{name}: t={:.2} high-only {:?} medium+ {:?} word-model-only {:?}",
            ths[shown], fold[shown][0], fold[shown][1], fold[shown][2]
        );
    }
    println!("critical rejected by rules {crit_rej}/{crit_total}");
    for (ti, t) in ths.iter().enumerate() {
        println!(
            "t={t:.2} high-only [crit+, high+, safe rej, med rej] {:?}   medium+ {:?}   word-model-only {:?}",
            tot[ti][0], tot[ti][1], tot[ti][2]
        );
    }
}

/// The word model as a clearance by leave-one-set-out: among posts the rules hold that also
/// criticise or warn (`structure::critiqued`), how many of each label score under each
/// threshold (would pass if the model cleared them).
fn clear(
    sets: &[(String, Vec<xbot::ai::guard::eval::CorpusPost>)],
    opts: &TrainOptions,
    all: bool,
) {
    use xbot::ai::guard::eval::{Decision, decide_screened};
    use xbot::ai::guard::normalize::Normalized;
    use xbot::ai::guard::rules::{active, screen_rules_only};
    let rules = active();
    let ths = [0.05, 0.1, 0.15, 0.2, 0.3];
    let mut tot = vec![[0usize; 4]; ths.len()];
    let mut held = [0usize; 4];
    for (k, (name, test)) in sets.iter().enumerate() {
        let Ok(model) = train_without(sets, k, opts) else {
            eprintln!("{name}: the fold's model did not load");
            return;
        };
        for p in test {
            let sc = screen_rules_only(&rules, &p.text);
            if decide_screened(&p.text, &sc) != Decision::Hold {
                continue;
            }
            let norm = Normalized::new(&p.text).text;
            if !all && !xbot::ai::guard::structure::critiqued(&norm) {
                continue;
            }
            let slot = slot(p.label);
            held[slot] += 1;
            let score = model.score(&norm);
            for (ti, &t) in ths.iter().enumerate() {
                if score < t {
                    tot[ti][slot] += 1;
                }
            }
        }
    }
    println!(
        "held (critiqued only: {}) [critical, high, low, medium]: {held:?}",
        !all
    );
    for (ti, t) in ths.iter().enumerate() {
        println!("cleared below {t:.2}: {:?}", tot[ti]);
    }
}

/// One JSON line per post of every labelled set (training and held-out): the set, label,
/// normalised text, the rules-only decision and hits, for offline analysis of the models.
fn dump() {
    use xbot::ai::guard::eval::{decide_screened, parse_corpus};
    use xbot::ai::guard::normalize::Normalized;
    use xbot::ai::guard::rules::{active, screen_rules_only};
    let rules = active();
    let Ok(dir) = std::fs::read_dir("tests/fixtures/guard") else {
        eprintln!("tests/fixtures/guard: cannot read");
        return;
    };
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jsonl"))
        .collect();
    names.sort();
    for name in names {
        let src =
            std::fs::read_to_string(format!("tests/fixtures/guard/{name}")).unwrap_or_default();
        for p in parse_corpus(&src).unwrap_or_default() {
            let s = screen_rules_only(&rules, &p.text);
            let d = decide_screened(&p.text, &s);
            let norm = Normalized::new(&p.text).text;
            let line = serde_json::json!({
                "set": name.trim_end_matches(".jsonl"),
                "label": p.label,
                "category": p.category,
                "text": p.text,
                "norm": norm,
                "decision": format!("{d:?}"),
                "level": s.level,
                "critiqued": xbot::ai::guard::structure::critiqued(&norm),
                "hits": s.hits.iter().map(|h| serde_json::json!({
                    "rule": h.rule, "level": h.level, "category": h.category, "why": h.why
                })).collect::<Vec<_>>(),
            });
            println!("{line}");
        }
    }
}

/// The column of a label in the figures printed: critical, high, safe, medium.
fn slot(label: xbot::ai::guard::rules::RiskLevel) -> usize {
    use xbot::ai::guard::rules::RiskLevel;
    match label {
        RiskLevel::Critical => 0,
        RiskLevel::High => 1,
        RiskLevel::Low => 2,
        RiskLevel::Medium => 3,
    }
}
