//! Trains the guard's word model and measures it (see `src/ai/guard/lexical`).
//!
//! ```sh
//! cargo run --release --example guard_lexical -- train      # writes rules/lexical_model.json
//! cargo run --release --example guard_lexical -- cv         # leave-one-set-out figures
//! cargo run --release --example guard_lexical -- top        # the strongest features
//! ```
//! The training sets are `TRAINING_SETS` below: every labelled set in `tests/fixtures/guard/`
//! except the fresh held-out sets, which measure the guard and are never trained on.

use std::process::ExitCode;

use xbot::ai::guard::eval::parse_corpus;
use xbot::ai::guard::lexical::train::{TrainOptions, cross_validate, render, strongest, train};
use xbot::ai::guard::lexical::{MODEL_FILE, TRAINING_SETS};

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
            let file = train(&sets, &opts);
            let out = format!("rules/{MODEL_FILE}");
            if let Err(e) = std::fs::write(&out, render(&file)) {
                eprintln!("{out}: {e}");
                return ExitCode::FAILURE;
            }
            println!("{out}: {} features", file.features.len());
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
        Some("top") => {
            let file = train(&sets, &opts);
            let (top, bottom) = strongest(&file, 40);
            println!("unsafe: {top:?}\n\nsafe: {bottom:?}");
        }
        _ => {
            eprintln!("usage: guard_lexical train|cv|top [--c C] [--threshold T]");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
