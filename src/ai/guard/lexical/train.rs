//! Training the word model, and measuring it by leave-one-set-out cross-validation.
//!
//! Deterministic: the same posts give the same file, bit for bit, so the shipped model can be
//! checked against the sets it names (`tests/guard_lexical.rs`).
//!
//! The fit is L2-regularised logistic regression with balanced class weights, minimised by
//! Nesterov-accelerated gradient descent on the whole set (a few thousand posts: well under a
//! second in a release build).

use std::collections::HashMap;

use super::{FORMAT, LexicalModel, ModelFile, features};
use crate::ai::guard::eval::{CorpusPost, Decision, decide_screened};
use crate::ai::guard::normalize::Normalized;
use crate::ai::guard::rules::{RiskLevel, active as active_rules, screen_rules_only};
use crate::ai::guard::ruleset::RuleSetError;

/// Training settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainOptions {
    /// Inverse regularisation strength.
    pub c: f64,
    /// A feature must occur in at least this many posts.
    pub min_df: usize,
    /// Gradient steps.
    pub iterations: usize,
    /// The threshold written into the file.
    pub threshold: f64,
    /// The lowest label the model counts as positive.
    pub positive: RiskLevel,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            c: 3.0,
            min_df: 2,
            iterations: 1500,
            threshold: 0.55,
            positive: RiskLevel::Medium,
        }
    }
}

impl TrainOptions {
    /// The severity model's settings: high and critical posts against safe and medium ones,
    /// acting only at a high score (the threshold is the [`super::Severity`] mean's, chosen by
    /// `guard_lexical -- severity`).
    pub fn severity() -> Self {
        TrainOptions {
            threshold: 0.85,
            positive: RiskLevel::High,
            ..TrainOptions::default()
        }
    }

    /// The critical model's settings: critical posts against all others, read with the
    /// severity model as one score (so the same threshold).
    pub fn critical() -> Self {
        TrainOptions {
            positive: RiskLevel::Critical,
            ..TrainOptions::severity()
        }
    }
}

/// The model trained on every set but the `k`-th, for leave-one-set-out figures.
pub fn train_without(
    sets: &[(String, Vec<CorpusPost>)],
    k: usize,
    opts: &TrainOptions,
) -> Result<LexicalModel, RuleSetError> {
    let others: Vec<(String, Vec<CorpusPost>)> = sets
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != k)
        .map(|(_, s)| s.clone())
        .collect();
    let file = train(&others, opts);
    LexicalModel::from_json(
        "cross-validation",
        &serde_json::to_string(&file).unwrap_or_default(),
    )
}

/// Trains a model on `sets` (name, posts).
pub fn train(sets: &[(String, Vec<CorpusPost>)], opts: &TrainOptions) -> ModelFile {
    let posts: Vec<&CorpusPost> = sets.iter().flat_map(|(_, p)| p.iter()).collect();
    let docs: Vec<Vec<String>> = posts
        .iter()
        .map(|p| features(&Normalized::new(&p.text).text))
        .collect();
    let n = docs.len();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for d in &docs {
        for f in d {
            *df.entry(f.as_str()).or_default() += 1;
        }
    }
    let mut vocab: Vec<&str> = df
        .iter()
        .filter(|&(_, &c)| c >= opts.min_df)
        .map(|(f, _)| *f)
        .collect();
    vocab.sort_unstable();
    let index: HashMap<&str, usize> = vocab.iter().enumerate().map(|(i, f)| (*f, i)).collect();
    // Smoothed idf, as scikit-learn computes it.
    let idf: Vec<f64> = vocab
        .iter()
        .map(|f| ((1.0 + n as f64) / (1.0 + df[f] as f64)).ln() + 1.0)
        .collect();
    let rows: Vec<Vec<(usize, f64)>> = docs
        .iter()
        .map(|d| {
            let mut row: Vec<(usize, f64)> = d
                .iter()
                .filter_map(|f| index.get(f.as_str()).map(|&i| (i, idf[i])))
                .collect();
            let norm = row.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|(_, v)| *v /= norm);
            }
            row
        })
        .collect();
    let y: Vec<f64> = posts
        .iter()
        .map(|p| if p.label >= opts.positive { 1.0 } else { 0.0 })
        .collect();
    let positives = y.iter().filter(|&&v| v > 0.5).count().max(1) as f64;
    let negatives = (n as f64 - positives).max(1.0);
    let cw: Vec<f64> = y
        .iter()
        .map(|&v| {
            if v > 0.5 {
                n as f64 / (2.0 * positives)
            } else {
                n as f64 / (2.0 * negatives)
            }
        })
        .collect();
    let (w, b) = fit(&rows, &y, &cw, vocab.len(), opts);
    let features = vocab
        .iter()
        .enumerate()
        .map(|(i, f)| (f.to_string(), [round(idf[i]), round(w[i])]))
        .collect();
    ModelFile {
        format: FORMAT,
        about: if opts.positive == RiskLevel::Critical {
            "The guard's critical model: logistic regression over words and word pairs of the \
             normalised text (numbers read as 0), TF-IDF, critical posts against all others, \
             trained by `cargo run --release --example guard_lexical -- train`. Its score and \
             the severity model's are averaged; a post the rules hold is rejected when the mean \
             reaches the threshold."
        } else if opts.positive >= RiskLevel::High {
            "The guard's severity model: logistic regression over words and word pairs of the \
             normalised text (numbers read as 0), TF-IDF, high and critical posts against safe \
             and medium ones, trained by `cargo run --release --example guard_lexical -- \
             train`. Its score and the critical model's are averaged; a post the rules hold is \
             rejected when the mean reaches the threshold."
        } else {
            "The guard's word model: logistic regression over words and word pairs of the \
             normalised text (numbers read as 0), TF-IDF, trained by `cargo run --release \
             --example guard_lexical -- train`. A post the rules let through is held when its \
             score reaches the threshold."
        }
        .into(),
        trained_on: sets.iter().map(|(n, p)| (n.clone(), p.len())).collect(),
        c: opts.c,
        threshold: opts.threshold,
        bias: round(b),
        features,
    }
}

/// The file's text: the settings first, then one feature a line (a retrained model diffs by
/// feature). Valid JSON; [`super::LexicalModel::from_json`] reads it.
pub fn render(file: &ModelFile) -> String {
    let j = |v: &dyn erased::Json| v.json();
    let mut out = String::from("{\n");
    out.push_str(&format!("  \"format\": {},\n", file.format));
    out.push_str(&format!("  \"about\": {},\n", j(&file.about)));
    out.push_str(&format!("  \"trained_on\": {},\n", j(&file.trained_on)));
    out.push_str(&format!("  \"c\": {},\n", j(&file.c)));
    out.push_str(&format!("  \"threshold\": {},\n", j(&file.threshold)));
    out.push_str(&format!("  \"bias\": {},\n", j(&file.bias)));
    out.push_str("  \"features\": {\n");
    let n = file.features.len();
    for (i, (name, pair)) in file.features.iter().enumerate() {
        let comma = if i + 1 < n { "," } else { "" };
        out.push_str(&format!("    {}: {}{comma}\n", j(name), j(pair)));
    }
    out.push_str("  }\n}\n");
    out
}

/// Compact JSON of any serialisable value.
mod erased {
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

/// Six significant decimals: enough for the scores, and a stable file.
fn round(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Minimises the mean weighted log-loss plus `||w||² / (2 C n)` (the bias not regularised).
fn fit(
    rows: &[Vec<(usize, f64)>],
    y: &[f64],
    cw: &[f64],
    dim: usize,
    opts: &TrainOptions,
) -> (Vec<f64>, f64) {
    let n = rows.len().max(1) as f64;
    let lambda = 1.0 / (opts.c * n);
    // Rows have unit norm, so the loss's gradient is Lipschitz with 0.25 · mean(cw) + lambda.
    let mean_cw = cw.iter().sum::<f64>() / n;
    let step = 1.0 / (0.25 * mean_cw * 2.0 + lambda);
    let kappa = (0.25 * mean_cw * 2.0 + lambda) / lambda;
    let momentum = (kappa.sqrt() - 1.0) / (kappa.sqrt() + 1.0);
    let (mut w, mut b) = (vec![0.0; dim], 0.0);
    let (mut w_prev, mut b_prev) = (w.clone(), b);
    let mut grad = vec![0.0; dim];
    for _ in 0..opts.iterations {
        // Look-ahead point.
        let wl: Vec<f64> = w
            .iter()
            .zip(&w_prev)
            .map(|(a, p)| a + momentum * (a - p))
            .collect();
        let bl = b + momentum * (b - b_prev);
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut gb = 0.0;
        for ((row, &yi), &ci) in rows.iter().zip(y).zip(cw) {
            let z = bl + row.iter().map(|&(j, v)| wl[j] * v).sum::<f64>();
            let p = 1.0 / (1.0 + (-z).exp());
            let r = ci * (p - yi) / n;
            gb += r;
            for &(j, v) in row {
                grad[j] += r * v;
            }
        }
        w_prev = std::mem::replace(
            &mut w,
            wl.iter()
                .zip(&grad)
                .map(|(a, g)| a - step * (g + lambda * a))
                .collect(),
        );
        b_prev = std::mem::replace(&mut b, bl - step * gb);
    }
    (w, b)
}

/// One set's figures in cross-validation, at one threshold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FoldFigures {
    /// High or critical posts the rules pass.
    pub rules_passed: usize,
    /// High or critical posts still passed with the model.
    pub passed: usize,
    /// High or critical posts.
    pub high_or_critical: usize,
    /// Medium posts passed by the rules, and with the model.
    pub medium_rules_passed: usize,
    pub medium_passed: usize,
    /// Safe posts held by the rules, and with the model.
    pub safe_rules_held: usize,
    pub safe_held: usize,
    /// Safe posts.
    pub safe: usize,
}

/// Leave-one-set-out: for each set, a model trained on the others screens it, on top of the
/// rules. Returns, per set, the figures at each threshold.
pub fn cross_validate(
    sets: &[(String, Vec<CorpusPost>)],
    thresholds: &[f64],
    opts: &TrainOptions,
) -> Vec<(String, Vec<FoldFigures>)> {
    let rules = active_rules();
    sets.iter()
        .enumerate()
        .map(|(k, (name, test))| {
            let model = train_without(sets, k, opts);
            let scored: Vec<(RiskLevel, Decision, f64)> = test
                .iter()
                .map(|p| {
                    let s = screen_rules_only(&rules, &p.text);
                    let d = decide_screened(&p.text, &s);
                    let score = model
                        .as_ref()
                        .map_or(0.0, |m| m.score(&Normalized::new(&p.text).text));
                    (p.label, d, score)
                })
                .collect();
            let figures = thresholds
                .iter()
                .map(|&t| {
                    let mut f = FoldFigures::default();
                    for &(label, d, score) in &scored {
                        let held_by_model = d == Decision::Pass && score >= t;
                        match label {
                            RiskLevel::High | RiskLevel::Critical => {
                                f.high_or_critical += 1;
                                if d == Decision::Pass {
                                    f.rules_passed += 1;
                                    if !held_by_model {
                                        f.passed += 1;
                                    }
                                }
                            }
                            RiskLevel::Medium => {
                                if d == Decision::Pass {
                                    f.medium_rules_passed += 1;
                                    if !held_by_model {
                                        f.medium_passed += 1;
                                    }
                                }
                            }
                            RiskLevel::Low => {
                                f.safe += 1;
                                if d != Decision::Pass {
                                    f.safe_rules_held += 1;
                                    f.safe_held += 1;
                                } else if held_by_model {
                                    f.safe_held += 1;
                                }
                            }
                        }
                    }
                    f
                })
                .collect();
            (name.clone(), figures)
        })
        .collect()
}

/// Features with their weights.
pub type Weighted = Vec<(String, f64)>;

/// The `k` features pulling hardest towards unsafe, then towards safe, for a person checking
/// what the model learnt.
pub fn strongest(file: &ModelFile, k: usize) -> (Weighted, Weighted) {
    let mut all: Vec<(String, f64)> = file
        .features
        .iter()
        .map(|(f, [_, w])| (f.clone(), *w))
        .collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top = all.iter().take(k).cloned().collect();
    let bottom = all.iter().rev().take(k).cloned().collect();
    (top, bottom)
}
