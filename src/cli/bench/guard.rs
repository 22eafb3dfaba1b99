//! `xbot bench guard`: the offline guard on a labelled corpus (the shipped one by default): the
//! confusion matrix (label × decision), the issue-11 targets, per-category recall and the time
//! per post.

use std::time::Instant;

use serde::Serialize;

use crate::ai::guard::eval::{BUILTIN_CORPUS, CorpusPost, Report, parse_corpus};
use crate::ai::guard::rules::screen;
use crate::cli::CliError;
use crate::cli::output::print_json;

#[derive(Debug, clap::Args)]
pub struct GuardArgs {
    /// A JSON-lines corpus ({"text", "label", "category", "split", "tags"}); default: the
    /// corpus shipped in tests/fixtures/guard/corpus.jsonl.
    #[arg(long, value_name = "FILE")]
    pub corpus: Option<std::path::PathBuf>,
    /// Timed passes over the corpus (the median time per post is reported).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub runs: u32,
    /// Also list the posts that missed their target.
    #[arg(long)]
    pub misses: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct GuardBench {
    splits: Vec<(String, Report)>,
    posts: usize,
    median_us_per_post: f64,
    max_us_per_post: f64,
}

pub fn run(args: GuardArgs) -> Result<(), CliError> {
    crate::ai::guard::rules::check_rules_dir().map_err(|e| CliError::Usage(e.to_string()))?;
    let src = match &args.corpus {
        None => BUILTIN_CORPUS.to_string(),
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", p.display())))?,
    };
    let posts = parse_corpus(&src).map_err(|e| CliError::Usage(format!("corpus: {e}")))?;
    if posts.is_empty() {
        return Err(CliError::Usage("the corpus is empty".into()));
    }
    let in_split = |name: &'static str| {
        move |p: &&CorpusPost| match name {
            "all" => true,
            "held-out" => p.split == "holdout",
            _ => p.split != "holdout",
        }
    };
    let mut splits = Vec::new();
    for name in ["dev", "held-out", "all"] {
        let chosen: Vec<&CorpusPost> = posts.iter().filter(in_split(name)).collect();
        if !chosen.is_empty() {
            splits.push((name.to_string(), Report::measure(chosen)));
        }
    }
    // Timing: every post screened `runs` times; per-post time is the median of its runs.
    let _ = screen("warm-up: load and compile the rules");
    let mut per_post = Vec::with_capacity(posts.len());
    for p in &posts {
        let mut times = Vec::with_capacity(args.runs as usize);
        for _ in 0..args.runs {
            let t = Instant::now();
            std::hint::black_box(screen(std::hint::black_box(&p.text)));
            times.push(t.elapsed().as_secs_f64() * 1e6);
        }
        times.sort_by(f64::total_cmp);
        per_post.push(times[times.len() / 2]);
    }
    per_post.sort_by(f64::total_cmp);
    let bench = GuardBench {
        posts: posts.len(),
        median_us_per_post: per_post[per_post.len() / 2],
        max_us_per_post: per_post.last().copied().unwrap_or(0.0),
        splits,
    };
    if args.json {
        return print_json(&bench);
    }
    for (name, r) in &bench.splits {
        crate::out!("{}", r.render(name));
        if args.misses && name != "all" {
            for (l, d, t) in &r.misses {
                crate::out!("  miss: {} -> {}: {:?}", l, d.as_str(), t);
            }
        }
    }
    crate::out!(
        "time per post: median {:.0} µs, max {:.0} µs ({} posts, {} run(s) each)",
        bench.median_us_per_post,
        bench.max_us_per_post,
        bench.posts,
        args.runs
    );
    Ok(())
}
