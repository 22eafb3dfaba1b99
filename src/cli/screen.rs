//! `xbot screen [FILE|-] [--json]`: the guard's offline rule screen from the shell, like a
//! linter. No database is opened.
//!
//! Posts are read one per line (blank lines are skipped); a line that is a JSON string
//! (`"Line one\nline two"`) is decoded, so a post may contain newlines. For each post it prints
//! the decision the guard takes without a model (`pass`, `hold` or `reject`, strict mode), the
//! level and the hits with their spans (byte offsets into the post, and character offsets).
//! `--json` prints one JSON object per post, in input order. Exit 0 when every post passes, 1 when
//! any is held or rejected, 2 on bad input.

use std::io::Read as _;
use std::path::PathBuf;

use serde::Serialize;

use super::CliError;
use crate::ai::guard::eval::{Decision, decide_screened};
use crate::ai::guard::rules::{RiskLevel, RuleHit, screen};
use crate::text::inert;

/// `xbot screen`.
#[derive(Debug, clap::Args)]
pub struct ScreenArgs {
    /// A file of posts, one per line (a JSON string line may hold newlines); `-` or nothing
    /// reads standard input.
    #[arg(value_name = "FILE|-")]
    pub input: Option<PathBuf>,
    /// One JSON object per post: line, decision, level, hits.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct HitOut<'a> {
    category: &'a str,
    level: RiskLevel,
    rule: &'a str,
    why: &'a str,
    text: &'a str,
    /// Byte offsets into the post.
    start: usize,
    end: usize,
    /// Character offsets into the post.
    char_start: usize,
    char_end: usize,
}

#[derive(Debug, Serialize)]
struct PostOut<'a> {
    line: usize,
    decision: Decision,
    level: RiskLevel,
    hits: Vec<HitOut<'a>>,
}

/// Posts with their line numbers; `Err` names the first bad line.
pub fn parse_posts(input: &str) -> Result<Vec<(usize, String)>, String> {
    let mut out = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let t = line.trim();
        if t.starts_with('"') {
            let s: String = serde_json::from_str(t)
                .map_err(|e| format!("line {}: not a valid JSON string: {e}", i + 1))?;
            out.push((i + 1, s));
        } else {
            out.push((i + 1, line.to_string()));
        }
    }
    Ok(out)
}

fn hit_out<'a>(post: &str, h: &'a RuleHit) -> HitOut<'a> {
    let chars = |b: usize| post.get(..b).map_or(0, |p| p.chars().count());
    HitOut {
        category: h.category.as_str(),
        level: h.level,
        rule: &h.rule,
        why: &h.why,
        text: &h.text,
        start: h.start,
        end: h.end,
        char_start: chars(h.start),
        char_end: chars(h.end),
    }
}

/// Run `xbot screen`.
pub fn run(args: ScreenArgs) -> Result<(), CliError> {
    crate::ai::guard::rules::check_rules_dir().map_err(|e| CliError::Usage(e.to_string()))?;
    let input = match args.input.as_deref() {
        None => read_stdin()?,
        Some(p) if p.as_os_str() == "-" => read_stdin()?,
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", p.display())))?,
    };
    let posts = parse_posts(&input).map_err(CliError::Usage)?;
    let mut flagged = 0usize;
    for (line, post) in &posts {
        let s = screen(post);
        let decision = decide_screened(post, &s);
        if decision != Decision::Pass {
            flagged += 1;
        }
        if args.json {
            let out = PostOut {
                line: *line,
                decision,
                level: s.level,
                hits: s.hits.iter().map(|h| hit_out(post, h)).collect(),
            };
            let json = serde_json::to_string(&out)
                .map_err(|e| CliError::Failed(format!("cannot write JSON: {e}")))?;
            crate::out!("{json}");
        } else {
            let preview: String = post.chars().take(70).collect();
            let more = if post.chars().count() > 70 { "…" } else { "" };
            crate::out!(
                "{:<6} {:<8} line {line}: {}{more}",
                decision.as_str(),
                s.level.as_str(),
                inert(&preview.replace('\n', " / "))
            );
            for h in &s.hits {
                let o = hit_out(post, h);
                crate::out!(
                    "         [{}] {} {}..{} \"{}\" ({}): {}",
                    h.level,
                    h.category.as_str(),
                    o.char_start,
                    o.char_end,
                    inert(&h.text),
                    inert(&h.rule),
                    inert(&h.why)
                );
            }
        }
    }
    if flagged > 0 {
        return Err(CliError::Findings(format!(
            "{flagged} of {} post(s) held or rejected",
            posts.len()
        )));
    }
    Ok(())
}

fn read_stdin() -> Result<String, CliError> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| CliError::Usage(format!("cannot read standard input: {e}")))?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_string_lines_are_decoded() {
        let posts = parse_posts("plain post\n\n\"two\\nlines\"\n").unwrap();
        assert_eq!(
            posts,
            vec![(1, "plain post".to_string()), (3, "two\nlines".to_string())]
        );
        assert!(parse_posts("\"unterminated\n").is_err());
    }
}
