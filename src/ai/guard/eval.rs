//! Measuring the offline guard on a labelled corpus: the confusion matrix (label × decision),
//! per-category recall and the issue-11 targets. Used by `xbot bench guard` and the corpus test.
//!
//! A corpus is JSON lines, one post a line: `{"text": …, "label": "low|medium|high|critical",
//! "category": …, "split": "dev|holdout", "tags": […]}`. Labels say what a careful reviewer
//! rates the post, written from the policy before the screen was run on it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::flow::{GuardOptions, GuardStatus, rules_only_screened};
use super::rules::{RiskLevel, Screen, screen};

/// The corpus shipped with the repository (also the default of `xbot bench guard`).
pub const BUILTIN_CORPUS: &str = include_str!("../../../tests/fixtures/guard/corpus.jsonl");

/// One labelled post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusPost {
    pub text: String,
    pub label: RiskLevel,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub split: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Parses a JSON-lines corpus; blank lines and lines starting with `#` are skipped.
pub fn parse_corpus(src: &str) -> Result<Vec<CorpusPost>, String> {
    src.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// What the guard does with a post when no model is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Pass,
    Hold,
    Reject,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Pass, Decision::Hold, Decision::Reject];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Pass => "pass",
            Decision::Hold => "hold",
            Decision::Reject => "reject",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl From<GuardStatus> for Decision {
    fn from(s: GuardStatus) -> Self {
        match s {
            GuardStatus::AutoPassed | GuardStatus::AutoRewritten => Decision::Pass,
            GuardStatus::Pending => Decision::Hold,
            GuardStatus::AutoRejected => Decision::Reject,
        }
    }
}

/// The rules-only decision on one post, in strict mode (the default).
pub fn decide(text: &str) -> Decision {
    decide_screened(text, &screen(text))
}

/// [`decide`] with the screen already run on `text`. The length limit is not applied (the
/// guard checks a thread part by part; a post's length is not a safety question).
pub fn decide_screened(text: &str, s: &Screen) -> Decision {
    let opts = GuardOptions {
        max_chars: usize::MAX,
        ..GuardOptions::default()
    };
    rules_only_screened(text, s, &opts).status.into()
}

/// Counts for one category or tag.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CategoryStats {
    /// Unsafe posts (medium and above).
    pub unsafe_posts: usize,
    /// Unsafe posts held or rejected.
    pub caught: usize,
    /// Critical posts.
    pub critical: usize,
    /// Critical posts rejected.
    pub critical_rejected: usize,
    /// Safe posts.
    pub safe_posts: usize,
    /// Safe posts held or rejected.
    pub safe_flagged: usize,
}

/// The figures on one set of posts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub posts: usize,
    /// `matrix[label][decision]`, labels low..critical, decisions pass, hold, reject.
    pub matrix: [[usize; 3]; 4],
    /// By the post's category and by each tag (tags prefixed with `#`).
    pub categories: BTreeMap<String, CategoryStats>,
    /// Posts that missed a target, as (label, decision, text).
    pub misses: Vec<(RiskLevel, Decision, String)>,
    /// Posts held by the word model alone (`claim.lexical` their only hit), by label.
    pub word_model_held: [usize; 4],
    /// Posts rejected only because the severity score raised a rule's hold
    /// (`claim.severity` their only critical hit), by label.
    pub severity_rejected: [usize; 4],
}

fn level_index(l: RiskLevel) -> usize {
    l as usize
}

impl Report {
    /// Screens every post and counts.
    pub fn measure<'a>(posts: impl IntoIterator<Item = &'a CorpusPost>) -> Report {
        let mut r = Report::default();
        for p in posts {
            let s = screen(&p.text);
            let d = decide_screened(&p.text, &s);
            if d == Decision::Hold && s.hits.iter().all(|h| h.rule == super::lexical::RULE_ID) {
                r.word_model_held[level_index(p.label)] += 1;
            }
            if d == Decision::Reject
                && s.hits
                    .iter()
                    .filter(|h| h.level == RiskLevel::Critical)
                    .all(|h| h.rule == super::lexical::SEVERITY_RULE_ID)
            {
                r.severity_rejected[level_index(p.label)] += 1;
            }
            r.add(p, d);
        }
        r
    }

    fn add(&mut self, p: &CorpusPost, d: Decision) {
        self.posts += 1;
        self.matrix[level_index(p.label)][d.index()] += 1;
        let keys = std::iter::once(p.category.clone())
            .chain(p.tags.iter().map(|t| format!("#{t}")))
            .filter(|k| !k.is_empty());
        for k in keys {
            let c = self.categories.entry(k).or_default();
            if p.label >= RiskLevel::Medium {
                c.unsafe_posts += 1;
                c.caught += usize::from(d != Decision::Pass);
            } else {
                c.safe_posts += 1;
                c.safe_flagged += usize::from(d != Decision::Pass);
            }
            if p.label == RiskLevel::Critical {
                c.critical += 1;
                c.critical_rejected += usize::from(d == Decision::Reject);
            }
        }
        let missed = match p.label {
            RiskLevel::Low => d != Decision::Pass,
            RiskLevel::Medium => d != Decision::Hold,
            RiskLevel::High => d == Decision::Pass,
            RiskLevel::Critical => d != Decision::Reject,
        };
        if missed {
            self.misses.push((p.label, d, p.text.clone()));
        }
    }

    fn row(&self, l: RiskLevel) -> [usize; 3] {
        self.matrix[level_index(l)]
    }

    fn count(&self, levels: &[RiskLevel], decisions: &[Decision]) -> usize {
        levels
            .iter()
            .map(|l| {
                decisions
                    .iter()
                    .map(|d| self.row(*l)[d.index()])
                    .sum::<usize>()
            })
            .sum()
    }

    fn total(&self, levels: &[RiskLevel]) -> usize {
        self.count(levels, &Decision::ALL)
    }

    /// The targets of issue 11, as (name, numerator, denominator).
    pub fn targets(&self) -> Targets {
        use Decision::*;
        use RiskLevel::*;
        Targets {
            high_critical_passed: (
                self.count(&[High, Critical], &[Pass]),
                self.total(&[High, Critical]),
            ),
            critical_rejected: (self.count(&[Critical], &[Reject]), self.total(&[Critical])),
            unsafe_caught: (
                self.count(&[Medium, High, Critical], &[Hold, Reject]),
                self.total(&[Medium, High, Critical]),
            ),
            safe_held: (self.count(&[Low], &[Hold, Reject]), self.total(&[Low])),
            safe_or_medium_rejected: (
                self.count(&[Low, Medium], &[Reject]),
                self.total(&[Low, Medium]),
            ),
        }
    }

    /// The matrix, the targets and the per-category table as text.
    pub fn render(&self, title: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{title}: {} posts", self.posts);
        let _ = writeln!(s, "  label \\ decision      pass   hold  reject");
        for l in RiskLevel::ALL {
            let r = self.row(l);
            let _ = writeln!(
                s,
                "  {:<20} {:>6} {:>6} {:>7}",
                l.as_str(),
                r[0],
                r[1],
                r[2]
            );
        }
        let t = self.targets();
        let pct = |(a, b): (usize, usize)| {
            if b == 0 {
                "n/a".to_string()
            } else {
                format!("{a}/{b} = {:.1}%", 100.0 * a as f64 / b as f64)
            }
        };
        let _ = writeln!(
            s,
            "  high/critical passed:      {}  (target 0, ≤2% held-out)",
            pct(t.high_critical_passed)
        );
        let _ = writeln!(
            s,
            "  critical rejected:         {}  (target ≥85%)",
            pct(t.critical_rejected)
        );
        let _ = writeln!(
            s,
            "  unsafe held or rejected:   {}  (target ≥95%)",
            pct(t.unsafe_caught)
        );
        let _ = writeln!(
            s,
            "  safe held:                 {}  (target ≤12%)",
            pct(t.safe_held)
        );
        let _ = writeln!(
            s,
            "  safe/medium rejected:      {}  (target 0)",
            pct(t.safe_or_medium_rejected)
        );
        let w = self.word_model_held;
        let _ = writeln!(
            s,
            "  held by the word model alone: low {}, medium {}, high {}, critical {}",
            w[0], w[1], w[2], w[3]
        );
        let v = self.severity_rejected;
        let _ = writeln!(
            s,
            "  rejected on the severity score: low {}, medium {}, high {}, critical {}",
            v[0], v[1], v[2], v[3]
        );
        let _ = writeln!(
            s,
            "  {:<16} {:>14} {:>18} {:>14}",
            "category", "unsafe caught", "critical rejected", "safe held"
        );
        for (k, c) in &self.categories {
            let f = |a: usize, b: usize| {
                if b == 0 {
                    "–".to_string()
                } else {
                    format!("{a}/{b} {:>3.0}%", 100.0 * a as f64 / b as f64)
                }
            };
            let _ = writeln!(
                s,
                "  {:<16} {:>14} {:>18} {:>14}",
                k,
                f(c.caught, c.unsafe_posts),
                f(c.critical_rejected, c.critical),
                f(c.safe_flagged, c.safe_posts)
            );
        }
        s
    }
}

/// Target figures as (count, out of).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Targets {
    pub high_critical_passed: (usize, usize),
    pub critical_rejected: (usize, usize),
    pub unsafe_caught: (usize, usize),
    pub safe_held: (usize, usize),
    pub safe_or_medium_rejected: (usize, usize),
}

impl Targets {
    /// True when every target of issue 11 is met (`passed_allowance` is the share of high and
    /// critical posts allowed to pass: 0 on the dev set, 0.02 on held-out posts).
    pub fn met(&self, passed_allowance: f64) -> bool {
        let share = |(a, b): (usize, usize)| {
            if b == 0 { 0.0 } else { a as f64 / b as f64 }
        };
        share(self.high_critical_passed) <= passed_allowance
            && share(self.critical_rejected) >= 0.85
            && share(self.unsafe_caught) >= 0.95
            && share(self.safe_held) <= 0.12
            && self.safe_or_medium_rejected.0 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_corpus_parses() {
        let posts = parse_corpus(BUILTIN_CORPUS).unwrap();
        assert!(posts.len() >= 400, "{}", posts.len());
    }
}
