//! The guard's offline rule screen (spec section 6, step 1).
//!
//! Pure, deterministic and offline: [`screen`] finds risky medical wording in five categories and
//! reports every hit with its category, byte span and [`RiskLevel`]. It runs on every piece of
//! content whether or not a model is configured, so it must never panic and never block.
//!
//! How it works, in short:
//! - The text is cut into sentences and clauses (`;`, `:`, dashes, `but`, `, and` …). Context checks
//!   are local to the claim: a hedge in another sentence never neutralises "cures cancer".
//! - Each rule is a case-insensitive regex plus context flags: negation just before the claim
//!   ("there is no cure for"), conditional framing ("if you stop taking statins"), a debunking
//!   marker in the sentence ("Myth: …"), soft hedges in the clause ("may", "studies suggest") and
//!   a referral to a professional in the sentence ("talk to your doctor").
//! - Dosage is detected in code: an amount with a unit, a directive verb in imperative position
//!   near it (or a bare "800 mg of magnesium before bed" fragment), megadose thresholds.
//! - Overlapping hits of one category are merged (highest level wins, spans are joined).
//!
//! The patterns are English; other languages pass through unflagged (the model review covers them).

use std::fmt;
use std::ops::Range;
use std::sync::{Arc, LazyLock, RwLock};

use super::normalize::Normalized;
use super::ruleset::{self, ContextFlags, RuleSetError, RuleSpecs};

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// How risky a text is. Ordered: `Low < Medium < High < Critical`, so `max` gives the verdict.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    /// Nothing found: passes, with a disclaimer when it fits.
    #[default]
    Low,
    /// Worth a rewrite; strict mode never lets it pass unreviewed.
    Medium,
    /// Must be rewritten (up to two attempts) or reviewed by a person.
    High,
    /// Auto-rejected and logged; an operator cannot approve the original.
    Critical,
}

impl RiskLevel {
    /// Every level, lowest first.
    pub const ALL: [RiskLevel; 4] = [
        RiskLevel::Low,
        RiskLevel::Medium,
        RiskLevel::High,
        RiskLevel::Critical,
    ];

    /// The stored and serialised name: `low`, `medium`, `high`, `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }

    /// Parses a level name, case-insensitively and ignoring surrounding whitespace.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Some(RiskLevel::Low),
            "medium" => Some(RiskLevel::Medium),
            "high" => Some(RiskLevel::High),
            "critical" => Some(RiskLevel::Critical),
            _ => None,
        }
    }

    /// One step down (`Low` stays `Low`).
    pub fn lower(self) -> Self {
        match self {
            RiskLevel::Critical => RiskLevel::High,
            RiskLevel::High => RiskLevel::Medium,
            RiskLevel::Medium | RiskLevel::Low => RiskLevel::Low,
        }
    }

    /// One step up (`Critical` stays `Critical`).
    pub fn raise(self) -> Self {
        match self {
            RiskLevel::Low => RiskLevel::Medium,
            RiskLevel::Medium => RiskLevel::High,
            RiskLevel::High | RiskLevel::Critical => RiskLevel::Critical,
        }
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of risky wording a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Absolute or cure claims: "cures X", "reverses diabetes", "100% safe", "miracle".
    CureClaim,
    /// Dosage instructions: an amount with a unit to take, or changing a prescribed dose.
    Dosage,
    /// Telling readers to stop or replace treatment, or to skip care for serious symptoms.
    PrescriptiveAdvice,
    /// Guarantees and certain results: "guaranteed", "lose 10 lbs in a week".
    PromisedOutcome,
    /// Contradicting broad medical consensus: "vaccines cause autism".
    AgainstConsensus,
    /// Dangerous practices: drinking peroxide or chlorine dioxide, dry or very long fasts,
    /// stopping insulin, sungazing, honey for infants, black salve, adult doses for children.
    DangerousPractice,
    /// A health claim no rule names or clears, held because the post reads like the unsafe
    /// posts of the labelled sets (the word model's hit, `claim.lexical`).
    UnclearedClaim,
}

impl Category {
    /// Every category, in declaration order.
    pub const ALL: [Category; 7] = [
        Category::CureClaim,
        Category::Dosage,
        Category::PrescriptiveAdvice,
        Category::PromisedOutcome,
        Category::AgainstConsensus,
        Category::DangerousPractice,
        Category::UnclearedClaim,
    ];

    /// The stored and serialised name, e.g. `cure_claim`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::CureClaim => "cure_claim",
            Category::Dosage => "dosage",
            Category::PrescriptiveAdvice => "prescriptive_advice",
            Category::PromisedOutcome => "promised_outcome",
            Category::AgainstConsensus => "against_consensus",
            Category::DangerousPractice => "dangerous_practice",
            Category::UnclearedClaim => "uncleared_claim",
        }
    }

    /// Human text for the console and the review queue, e.g. "absolute or cure claim".
    pub fn label(self) -> &'static str {
        match self {
            Category::CureClaim => "absolute or cure claim",
            Category::Dosage => "dosage instruction",
            Category::PrescriptiveAdvice => "prescriptive medical advice",
            Category::PromisedOutcome => "promised outcome",
            Category::AgainstConsensus => "contradicts medical consensus",
            Category::DangerousPractice => "dangerous practice",
            Category::UnclearedClaim => "health claim no rule clears",
        }
    }

    /// Parses a stored name (`cure_claim`, …), case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One flagged span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleHit {
    /// What kind of risk.
    pub category: Category,
    /// How risky this span is on its own.
    pub level: RiskLevel,
    /// Byte offset of the span in the screened text (on a char boundary).
    pub start: usize,
    /// Byte offset one past the span (on a char boundary).
    pub end: usize,
    /// Exactly `&text[start..end]`.
    pub text: String,
    /// Stable rule id, e.g. `cure.serious_disease`, for logs and tests.
    pub rule: String,
    /// Why the span was flagged, in words an operator can act on.
    pub why: String,
}

/// The result of [`screen`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screen {
    /// Hits sorted by start (then end, then category).
    pub hits: Vec<RuleHit>,
    /// The highest hit level; `Low` when there are no hits.
    pub level: RiskLevel,
}

impl Screen {
    /// True when nothing was flagged.
    pub fn is_clean(&self) -> bool {
        self.hits.is_empty()
    }

    /// The distinct categories hit, in [`Category`] order.
    pub fn categories(&self) -> Vec<Category> {
        let mut cats: Vec<Category> = self.hits.iter().map(|h| h.category).collect();
        cats.sort();
        cats.dedup();
        cats
    }

    /// True when at least one hit has this category.
    pub fn has(&self, category: Category) -> bool {
        self.hits.iter().any(|h| h.category == category)
    }
}

/// The short not-medical-advice note added to content that passes at level low.
pub const DISCLAIMER: &str = "Not medical advice.";

/// Appends `" Not medical advice."` to `text` when the result fits in `limit_chars` characters
/// (chars, not bytes: X counts characters). Returns the text unchanged when it already ends with
/// a not-medical-advice note, and `None` when the note does not fit.
pub fn with_disclaimer(text: &str, limit_chars: usize) -> Option<String> {
    if ends_with_disclaimer(text) {
        return Some(text.to_string());
    }
    let base = text.trim_end();
    let out = if base.is_empty() {
        DISCLAIMER.to_string()
    } else {
        format!("{base} {DISCLAIMER}")
    };
    (out.chars().count() <= limit_chars).then_some(out)
}

/// True when the text already ends with a not-medical-advice note in any common spelling
/// ("Not medical advice.", "(not medical advice)", "#NotMedicalAdvice").
fn ends_with_disclaimer(text: &str) -> bool {
    let tail: String = text
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '.' | '!' | ')' | ']' | '*'))
        .chars()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_lowercase();
    tail.ends_with("not medical advice") || tail.ends_with("notmedicaladvice")
}

/// Screens `text` with every rule of the active rule set (built-in plus the local file, see
/// [`install`]). The text is normalised first (look-alikes, zero-width characters, spacing,
/// leetspeak, text-speak: see [`super::normalize`]); spans point at the original `text`. Pure
/// and deterministic for a given rule set; never panics; linear-ish in the input.
pub fn screen(text: &str) -> Screen {
    let set = active();
    screen_with(&set, text)
}

/// [`screen`] with a given rule set (and the active word model, see [`super::lexical`]).
pub fn screen_with(set: &RuleSet, text: &str) -> Screen {
    let (norm, mut s) = screen_rules_normalized(set, text);
    if let Some(why) = set.unavailable_reason() {
        hold_unscreened(text, why, &mut s);
        return s;
    }
    if s.level == RiskLevel::Low
        && let Some(model) = super::lexical::active()
    {
        add_lexical_hit(&model, text, &norm, &mut s);
        if s.level == RiskLevel::Medium
            && let Some(severity) = super::lexical::active_severity()
        {
            raise_unnamed_claim(&severity, &norm, &mut s);
        }
    } else if matches!(s.level, RiskLevel::Medium | RiskLevel::High) {
        let cleared = super::lexical::active().is_some_and(|m| clear_hold(&m, &norm, &mut s));
        if !cleared && let Some(model) = super::lexical::active_severity() {
            add_severity_hit(&model, &norm, &mut s);
        }
    }
    s
}

/// Without rules a post cannot be cleared: it is held for a person (level high, whole text),
/// and no word model may clear it. Structural critical findings still reject it.
fn hold_unscreened(text: &str, why: &str, s: &mut Screen) {
    s.hits.push(RuleHit {
        category: Category::UnclearedClaim,
        level: RiskLevel::High,
        start: 0,
        end: text.len(),
        text: text.to_string(),
        rule: "guard.rules_unavailable".to_string(),
        why: format!("{why}; held for a person until the rules load"),
    });
    s.level = s.level.max(RiskLevel::High);
}

/// A post the rules only hold (medium or high) that the word model scores under
/// [`super::lexical::CLEAR_BELOW`] reads like the safe posts of the labelled sets: its hits
/// are kept for the record at level low, and it passes. It never touches a critical post.
fn clear_hold(model: &super::lexical::LexicalModel, norm: &Normalized, s: &mut Screen) -> bool {
    let score = model.score(&norm.text);
    if score >= super::lexical::CLEAR_BELOW {
        return false;
    }
    for h in &mut s.hits {
        h.level = RiskLevel::Low;
        h.why = format!(
            "{} (cleared: the post reads like the safe posts of the labelled sets, word model {score:.2} < {:.2})",
            h.why,
            super::lexical::CLEAR_BELOW
        );
    }
    s.level = RiskLevel::Low;
    true
}

/// A post the rules hold (medium or high) whose severity score reaches its threshold reads
/// like the high-risk posts of the labelled sets: a critical hit (`claim.severity`) on the
/// rules' strongest hit, in its category, so the post is rejected. It only ever raises a post
/// the rules already flag; a post the rules find nothing in is never rejected by a model.
fn add_severity_hit(model: &super::lexical::Severity, norm: &Normalized, s: &mut Screen) {
    // A story that ends by warning the reader off ("… then crashed. Never do this.") or an
    // ironic post was held on purpose: no model turns that hold back into a rejection.
    if !severity_applies(&s.hits)
        || warned_at_the_end(&norm.text)
        || IRONY.is_match(&norm.text)
        || treatment_credited(&norm.text)
    {
        return;
    }
    let score = model.score(&norm.text);
    if score < model.threshold() {
        return;
    }
    let Some(strongest) = s.hits.iter().max_by_key(|h| h.level).cloned() else {
        return;
    };
    s.hits.push(RuleHit {
        level: RiskLevel::Critical,
        rule: super::lexical::SEVERITY_RULE_ID.to_string(),
        why: format!(
            "{} ({}), and the post reads like the high-risk posts of the labelled sets (severity score {score:.2} ≥ {:.2})",
            strongest.why,
            strongest.rule,
            model.threshold()
        ),
        ..strongest
    });
    s.hits.sort_by_key(|h| (h.start, h.end));
    s.level = RiskLevel::Critical;
}

/// The post's last sentence warns the reader off what it told ("Never do this.", "Don't be
/// me.", "Learn from my mistake.").
fn warned_at_the_end(text: &str) -> bool {
    let trimmed = text.trim_end_matches(|c: char| !c.is_alphanumeric());
    let last = trimmed
        .rfind(['.', '!', '?', '\n'])
        .map_or(trimmed, |i| &trimmed[i + 1..]);
    WARNED_ENDING.is_match(last)
}

static WARNED_ENDING: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^\W*(?:(?:so|and|but|seriously|honestly|please)\W+)?(?:never\s+(?:do|try)\s+(?:this|that|it)|don['’]?t\s+(?:be\s+me|do\s+(?:this|that|it|what\s+i\s+did)|try\s+(?:this|that|it)|make\s+my\s+mistake)|learn\s+from\s+my\s+mistakes?|(?:nobody|no\s+one)\s+(?:copy|try)\s+this|don['’]?t\s+copy\s+(?:me|this|her|him|them)|scroll\s+past|(?:always\s+)?(?:read|check)\s+(?:the\s+)?labels?|(?:it\s+was\s+)?(?:a\s+)?(?:big|huge|worst)\s+(?:mistake|decision)|(?:please\s+)?(?:don['’]?t|do\s+not)\s*$)",
    )
});

/// "My grandma's chemo is working. Her tumour shrank by half": the post credits a medical
/// treatment and names no other remedy, so its cure words are the treatment's, not a crank's.
fn treatment_credited(text: &str) -> bool {
    TREATMENT_WORKING.is_match(text) && !super::structure::names_alt_remedy(text)
}

static TREATMENT_WORKING: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:chemo\w*|radiotherapy|radiation|surgery|immunotherapy|insulin|antibiotics|antiretrovirals|arvs?|treatment|meds|medications?|tablets|inhalers?)\s+(?:is|are|was|were|has\s+been|have\s+been|['’]s)\s+(?:really\s+|finally\s+|actually\s+|definitely\s+)?(?:working|helping|doing\s+(?:its|their)\s+job)\b",
    )
});

/// A post no rule names, held by the word model (`claim.lexical`), whose severity score is
/// [`super::lexical::REJECT_UNNAMED_FROM`] or above reads like the high-risk posts of the
/// labelled sets as strongly as they do among themselves: its hit becomes critical
/// (`claim.severity`) and the post is rejected. The bar is above the one for a post the rules
/// already hold: with no rule behind it, only the models' more certain readings reject.
fn raise_unnamed_claim(model: &super::lexical::Severity, norm: &Normalized, s: &mut Screen) {
    // The models read every number as `0`: an amount the dose rules read and let be ("Tylenol
    // 1000 mg every 6 hours, max 3 g a day") is theirs to judge, not the model's.
    if AMOUNT.is_match(&norm.text) {
        return;
    }
    let score = model.score(&norm.text);
    if score < super::lexical::REJECT_UNNAMED_FROM {
        return;
    }
    for h in &mut s.hits {
        if h.rule == super::lexical::RULE_ID {
            h.level = RiskLevel::Critical;
            h.rule = super::lexical::SEVERITY_RULE_ID.to_string();
            h.why = format!(
                "no rule names it, but the post reads like the high-risk posts of the labelled sets (severity score {score:.2} ≥ {:.2})",
                super::lexical::REJECT_UNNAMED_FROM
            );
        }
    }
    s.level = RiskLevel::Critical;
}

/// The severity model reads words with every number as `0`, so it cannot judge an amount: a
/// post the rules hold only for its doses ("Take 800 mg of magnesium before bed") stays held
/// for a person, and the dose rules alone decide whether an amount is a megadose.
pub fn severity_applies(hits: &[RuleHit]) -> bool {
    !hits.iter().all(|h| h.rule.starts_with("dose."))
}

/// Strict mode holds a health claim the rules cannot clear: when the rules find nothing but the
/// word model scores the post as reading like the unsafe posts it was trained on, a medium hit
/// (`claim.lexical`) on the sentence that scores highest. It can hold a post, never reject it.
fn add_lexical_hit(
    model: &super::lexical::LexicalModel,
    text: &str,
    norm: &Normalized,
    s: &mut Screen,
) {
    let Some((score, start, end)) = model.check(&norm.text) else {
        return;
    };
    let (start, end) = norm.original_span(start, end);
    s.hits.push(RuleHit {
        category: Category::UnclearedClaim,
        level: RiskLevel::Medium,
        start,
        end,
        text: text.get(start..end).unwrap_or("").to_string(),
        rule: super::lexical::RULE_ID.to_string(),
        why: format!(
            "reads like the unsafe posts of the labelled sets (word model {score:.2} ≥ {:.2}) and no rule clears it (strict mode: a person or a model must check it)",
            model.threshold()
        ),
    });
    s.hits.sort_by_key(|h| (h.start, h.end));
    s.level = RiskLevel::Medium;
}

/// The rules alone, without the word model (cross-validation measures the model on top of it).
pub fn screen_rules_only(set: &RuleSet, text: &str) -> Screen {
    screen_rules_normalized(set, text).1
}

/// [`screen_rules_only`] with the normalised text it matched against.
fn screen_rules_normalized(set: &RuleSet, text: &str) -> (Normalized, Screen) {
    let (norm, mut hits) = raw_hits(set, text);
    // Structural critical combinations the phrase rules miss (see `structure`).
    for f in super::structure::findings(&norm.text) {
        hits.push(RuleHit {
            category: match f.rule {
                "structure.serious_cure" => Category::CureClaim,
                "structure.stop_medicine"
                | "structure.child_without_care"
                | "structure.delay_care" => Category::PrescriptiveAdvice,
                "structure.refuse_vaccine"
                | "structure.harm_claim"
                | "structure.stance_hashtag" => Category::AgainstConsensus,
                "structure.medicine_misuse" => Category::Dosage,
                _ => Category::DangerousPractice,
            },
            // A risk waved away without a child is held, not rejected.
            level: if f.rule == "structure.risk_dismissed" {
                RiskLevel::High
            } else {
                RiskLevel::Critical
            },
            start: f.start,
            end: f.end,
            text: norm.text.get(f.start..f.end).unwrap_or("").to_string(),
            rule: f.rule.to_string(),
            why: f.why.to_string(),
        });
    }
    hits.sort_by_key(|h| (h.start, h.end));
    // A post that warns about, criticises, reports or researches a claim is held for a
    // person, never rejected on the rules alone: when in doubt, hold.
    let critique = super::structure::critiqued(&norm.text);
    let hits = merge(&norm.text, hits);
    let hits: Vec<RuleHit> = hits
        .into_iter()
        .map(|mut h| {
            let (s, e) = norm.original_span(h.start, h.end);
            h.start = s;
            h.end = e;
            h.text = text.get(s..e).unwrap_or("").to_string();
            h
        })
        .collect();
    // A critical claim written inside quotation marks is reported speech (a quote being
    // debunked, a claim seen elsewhere): held for a person, never rejected on the rules alone.
    let quoted = quoted_ranges(text);
    // A reject needs the critical claim in the author's own voice, unqualified: a post that
    // refers the reader to a professional, or a claim hedged the way a medium post is
    // ("may help", "not for everyone"), is held.
    let referral = referred(text);
    let hits: Vec<RuleHit> = hits
        .into_iter()
        .map(|mut h| {
            if h.level == RiskLevel::Critical
                && (critique
                    || referral
                    || hedged_sentence(text, h.start, h.end)
                    || quoted_mostly(text, &quoted, h.start, h.end)
                    || described(text, h.start)
                    || reported_to_others(text, h.start)
                    || asked(text, h.start, h.end)
                    || answered_here(text, h.start, h.end)
                    || harm_follows(text, h.end)
                    || IRONY.is_match(text)
                    || CLINICIAN_WITNESS.is_match(text)
                    || told_by_someone_close(text, h.start))
            {
                h.level = RiskLevel::High;
            }
            h
        })
        .collect();
    // In such a post a catch-all (medium) hit is the warning's own wording, not a claim, and
    // a claim it quotes or reports from the people it criticises ("accounts telling you to
    // ditch your thyroid meds") is theirs, not the post's. Sarcasm that ends in "please get
    // treated" says the opposite of its words.
    let lower = text.to_lowercase();
    let sarcastic = SARCASM.is_match(&lower) && PRO_CARE_RESOLUTION.is_match(&lower);
    let hits: Vec<RuleHit> = if critique {
        hits.into_iter()
            .filter(|h| h.level > RiskLevel::Medium)
            .filter(|h| {
                let quoted_hit = quoted.iter().any(|q| q.start <= h.start && h.end <= q.end);
                let before = text.get(..h.start).unwrap_or("");
                let sentence_start = before.rfind(['.', '!', '?', '\n']).map_or(0, |i| i + 1);
                let reported = REPORTED_THEIRS.is_match(&before[sentence_start..])
                    || NEWS_REPORTED.is_match(&before[sentence_start..]);
                !(quoted_hit || reported || sarcastic)
            })
            .collect()
    } else {
        hits
    };
    // Whole families of safe wording the claim's own clause cannot see: a claim quoted and
    // answered, a claim answered right where it is named, an order that defers to the care team,
    // a harm reported as news, and a stop order reported as given to someone else in a post that
    // sends readers to their doctor.
    let quote_answered = quote_answered(text, &quoted);
    // A story that goes on to the harm the claim did and sends the reader to care or warns
    // them off ("… She had a seizure while driving. Don't.") is a cautionary tale: passed.
    let cautioned = referral || warned_at_the_end(text);
    let hits: Vec<RuleHit> = hits
        .into_iter()
        .filter(|h| {
            !((quote_answered && quoted_mostly(text, &quoted, h.start, h.end))
                || answered_here(text, h.start, h.end)
                || (h.category != Category::Dosage && deferred(text, h.start, h.end))
                || news_here(text, h.start)
                || asked_plainly(text, h.start, h.end)
                || (referral && reported_to_others(text, h.start))
                || (cautioned && harm_follows(text, h.end)))
        })
        .collect();
    let level = hits.iter().map(|h| h.level).max().unwrap_or(RiskLevel::Low);
    (norm, Screen { hits, level })
}

/// The post answers what it quotes: outside the quotation marks it rebuts, questions or
/// attributes the claim ("— no.", "Which trial?", "is terrible advice", "the … crowd", "posts
/// are back", "Influencer: …"), and does not endorse it ("exactly", "she's right").
fn quote_answered(text: &str, quoted: &[Range<usize>]) -> bool {
    if quoted.is_empty() {
        return false;
    }
    let mut outside = String::with_capacity(text.len());
    let mut at = 0;
    for q in quoted {
        if q.start >= at {
            outside.push_str(text.get(at..q.start).unwrap_or(""));
            outside.push(' ');
            at = q.end;
        }
    }
    outside.push_str(text.get(at..).unwrap_or(""));
    QUOTE_ANSWER.is_match(&outside) && !QUOTE_ENDORSED.is_match(&outside)
}

static QUOTE_ANSWER: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"(?:^|[\s—–-])no[,.!—–-]|\b(?:nope|wrong|false|fake|myths?|lies?|terrible|awful|horrible|bad\s+advice|dangerous|scams?|nonsense|garbage|not\s+true|(?:is|does|do|did|can|wo|are)n['’]?t|(?:does|do|is|are|can)\s+not|never|which\s+(?:trial|study|studies|paper)|sources?\??|evidence|data|stud(?:y|ies)|trials?|killed|crowd|posts?|tweets?|videos?|reels?|stories|claims?|claiming|trend\w*|keep(?:ing)?\s+(?:my|your|her|his|their)|then\s+why|why\s+do|you\s+wrote|influencers?|laxatives?|save\s+your|falsely|misreading|asked\s+about|showed\s+them|survival\s+data|doctors?|oncologists?|dermatologists?|nurses?|wear\s+the)\b",
    )
});

static QUOTE_ENDORSED: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:exactly|so\s+true|preach|(?:she|he|they)['’]?(?:s|re|\s+is|\s+are)\s+right|100\s*%\s+(?:right|true|correct))\b",
    )
});

/// The claim's sentence defers to the care team: "only if your anaesthetist tells you to",
/// "unless your doctor says so", "as prescribed", "per your surgeon's instructions".
fn deferred(text: &str, start: usize, end: usize) -> bool {
    let (s, e) = sentence_bounds(text, start, end);
    text.get(s..e).is_some_and(|t| DEFER.is_match(t))
}

static DEFER: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:only\s+(?:if|when|as|after)|unless|until)\s+(?:your|the|a)\s+(?:own\s+)?(?:<PROS>|surgeon|surgical\s+team|ana?esthetist|ana?esthesiologist|midwife|midwives|p(?:a)?ediatrician|gp|doc|team|hospital|clinic)s?\s+(?:says?|said|tells?|told|advises?|advised|recommends?|recommended|asks?|asked|instructs?|instructed|approves?|okays?|agrees?|clears?|wants?)\b|\bas\s+(?:prescribed|instructed)\b|\bas\s+directed\s+by\b|\b(?:per|following|follow)\s+(?:your|the)\s+(?:<PROS>|surgeon|ana?esthetist|ana?esthesiologist|midwife|p(?:a)?ediatrician|gp|doc|care\s+team|hospital)(?:['’]s)?(?:\s+(?:instructions|orders|advice|plan))?\b",
    )
});

/// A story that goes on to its harm ("… She drank some and was poisoned.", "… She had a
/// stroke."): the post tells what the claim cost, a cautionary tale, held for a person and
/// never rejected on the rules alone. A harm told before the claim ("Chemo poisoned me.
/// Turmeric cured …") is the crank's reason, not the story's end; and a recovery told after
/// the harm ("… now she's on cinnamon and fine") is the crank's ending.
fn harm_follows(text: &str, end: usize) -> bool {
    let after = text.get(end..).unwrap_or("");
    HARM_OUTCOME
        .find(after)
        .is_some_and(|m| !RECOVERED.is_match(&after[m.end()..]))
}

static HARM_OUTCOME: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:(?:was|were|got|been|being)\s+poisoned|(?:ended|end|wound)\s+up\s+(?:in|on|with)\s+(?:the\s+|a\s+)?(?:er|ed|a&e|icu|nicu|picu|hospital|resus|dialysis|ventilator|dka|ketoacidosis|sepsis|kidney\s+failure|liver\s+failure|burns?|scars?)|landed\s+(?:in|on)\s+(?:the\s+)?(?:er|a&e|icu|hospital)|(?:was|were)\s+in\s+(?:the\s+)?(?:er|a&e|icu|resus|hospital)\s+(?:within|by|that\s+(?:night|evening)|the\s+(?:next|same))|(?:had|has)\s+(?:already\s+)?spread|caused\s+(?:[\w'’]+\s+){0,3}(?:to\s+)?(?:bleed\w*|burns?|ulcers?|seizures?|poisonings?|organ\s+failure)|(?:kept|keeps)\s+(?:growing|spreading)|burn(?:ed|t|s)?\s+a\s+(?:hole|crater)|left\s+(?:[\w'’]+\s+){0,2}with\s+(?:a\s+)?(?:hole|holes|scars?|burns?|crater|kidney|liver|brain|permanent)|(?:she|he|they|i|we|my\s+[\w'’]+|the\s+(?:baby|kid|child)|(?:her|his|their)\s+(?:son|daughter|baby|kid))\s+(?:had|suffered|went\s+into|developed)\s+(?:a\s+|an\s+)?(?:stroke|seizures?|fits?|heart\s+attack|(?:blood\s+)?clot|dvt|pulmonary\s+embolism|dka|ketoacidosis|relapse|psychosis|anaphylaxis|kidney\s+failure|liver\s+failure|sepsis)|(?:nearly|almost)\s+(?:died|lost\s+(?:him|her|them|my|his|their))|(?:^|[.!?]\s*|\b(?:i|she|he|they|we|and|then)\s+)collapsed|(?:acute\s+)?kidney\s+injury|(?:permanent\s+)?blind\s+spots?|(?:took|ate|destroyed|drew\s+out|eaten)\s+(?:away\s+)?(?:half|part|most|a\s+(?:chunk|piece|hole))\s+(?:of\s+)?(?:her|his|my|your|their|the)\s+(?:nose|face|cheek|skin|ear|lip|breast|arm|leg|neck|chest|forehead)|(?:were|was)\s+(?:awful|horrendous|horrible|hell|unbearable|terrifying)|(?:got|caught|came\s+down\s+with|ended\s+up\s+with)\s+(?:measles|whooping\s+cough|pertussis|tetanus|polio|meningitis|diphtheria)|(?:\w+\s+)?(?:days?|nights?|weeks?)\s+in\s+(?:the\s+)?(?:hospital|icu|picu|nicu|intensive\s+care)|thinking\s+(?:it|she|he|they)\s+(?:would|['’]d|will)\s+(?:be\s+(?:fine|ok|okay)|pass|go\s+away|settle)|i['’]?ll\s+always\s+wonder|(?:i|we)\s+(?:will\s+)?(?:always\s+)?regret|(?:is|was)\s+(?:now\s+)?(?:permanent|irreversible)|(?:he|she|they|my\s+[\p{L}]+|her\s+[\p{L}]+|his\s+[\p{L}]+)\s+(?:died|passed\s+away)|the\s+worst\s+(?:[\p{L}]+\s+){0,3}of\s+(?:my|her|his|their|our)\s+li(?:fe|ves)|(?:liver|kidney|blood)\s+(?:tests?|results?|numbers|enzymes|function)\s+(?:were|was|came\s+back)\s+(?:really\s+|very\s+)?(?:scary|bad|awful|terrible|off|abnormal|through\s+the\s+roof|deranged))\b",
    )
});

static RECOVERED: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:now\s+(?:she|he|they|i|we)(?:['’]s|['’]m|['’]re|\s+is|\s+am|\s+are)\s+(?:[\w'’]+\s+){0,4}(?:fine|great|cured|healthy|thriving|free|good|better|off\s+(?:it|them|all))|cured|healed|never\s+looked\s+back|and\s+(?:it|she|he|they)\s+did|worth\s+it|push(?:ed)?\s+through)\b",
    )
});

/// A harm reported as news in the claim's sentence: "three people treated for argyria after
/// …", "Health Canada recalls …", "court orders a company to pay … for claiming …".
fn news_here(text: &str, at: usize) -> bool {
    let before = text.get(..at).unwrap_or("");
    // A decimal point ("$2.1M") does not end the sentence.
    let start = before
        .char_indices()
        .rfind(|&(i, c)| {
            matches!(c, '!' | '?' | '\n')
                || (c == '.' && !before[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        })
        .map_or(0, |(i, _)| i + 1);
    let clause = &before[start..];
    NEWS_REPORTED.is_match(clause) || NEWS_EVENT.is_match(clause)
}

static NEWS_EVENT: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:treated\s+for|hospitali[sz]ed\s+(?:for|with))\b[^.!?\n]{0,80}?\bafter\b[^.!?\n;]{0,80}$|\brecall(?:s|ed|ing)\b[^.!?\n]{0,80}$|\b(?:court|judge|regulators?|fda|ftc)\s+(?:orders?|ordered|fines?|fined)\b(?:[^.!?\n]|\.\d){0,80}$",
    )
});

/// Someone else's claim ("whoever says …", "people who claim …"), a practice ruled out ("is a
/// hard no", "off-limits"), its effect denied ("doesn't treat anything") or an amount called
/// abnormal ("isn't a normal dose", "is way too much"): the post answers the claim it names.
fn answered_here(text: &str, start: usize, end: usize) -> bool {
    let (s, e) = sentence_bounds(text, start, end);
    let before = text.get(s..start).unwrap_or("");
    let after = text.get(end..e).unwrap_or("");
    let next_end = text
        .get(e..)
        .and_then(|t| t.find(['.', '!', '?', '\n']).map(|i| e + i + 1))
        .unwrap_or(text.len());
    OTHERS_CLAIM.is_match(before)
        || RULED_OUT.is_match(after)
        || (text
            .get(start..end)
            .is_some_and(|t| t.contains(|c: char| c.is_ascii_digit()))
            && AMOUNT_WARNED.is_match(after))
        || EFFECT_DENIED.is_match(text.get(end..next_end).unwrap_or(""))
        || NEXT_DENIED.is_match(text.get(e..).unwrap_or(""))
}

/// The sentence after the claim calls it false ("Dem say agbo fit cure HIV? Lie.", "… Not
/// true.") or questions an amount ("My friend takes 50,000 IU a day. Isn't that a monthly
/// prescription dose?").
static NEXT_DENIED: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^\s*(?:(?:that|this)['’]?s\s+not\s+(?:right|true|correct|safe)|(?:that|this)(?:['’]s|\s+is)\s+(?:way\s+|well\s+|far\s+|already\s+)?(?:past|over|above|beyond|more\s+than|double|twice|triple)\s+(?:the\s+|your\s+)?[^.!?\n]{0,30}?\b(?:max(?:imum)?|limit|upper\s+limit|safe\s+dose)\b|(?:that|this)(?:['’]s|\s+is)\s+(?:an?\s+)?(?:overdose|megadose|toxic\s+dose|way\s+too\s+much|too\s+much)\b|is\s+(?:that|this)\s+(?:true|right|real|safe|legit)\s*\?|(?:na\s+)?(?:lie|lies|false|untrue|not\s+true|myth|nonsense|rubbish|wrong)\s*[.!]|is\s*n['’]?t\s+that\s+(?:\w+\s+){0,4}?(?:too\s+(?:much|high|many)|dangerous|a\s+lot|(?:\w+\s+)?(?:prescription|weekly|monthly)\s+dose))",
    )
});

static OTHERS_CLAIM: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:whoever|anyone\s+who|anybody\s+who|everyone\s+who|people\s+who|those\s+who|folks\s+who|accounts\s+that|posts\s+that)\s+(?:still\s+|keeps?\s+)?(?:says?|said|saying|claims?|claimed|claiming|thinks?|believes?|swears?|insists?|tells?\s+(?:you|people)|told\s+(?:you|people))\b[^.!?\n;]{0,40}$",
    )
});
static RULED_OUT: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^[^.!?\n]{0,30}?\b(?:is|are|=)\s+(?:(?:a\s+)?(?:hard|big|firm|strict|total|absolute|definite|flat)\s+no|a\s+no|(?:a\s+)?no-?go|(?:strictly\s+|totally\s+|completely\s+|absolutely\s+)?off[- ]limits|never\s+(?:ok|okay|safe|fine))(?:[\s.,!;:)]|$)|^[\s:,—–-]*(?:hard|big|firm|absolute)\s+no\b",
    )
});
static AMOUNT_WARNED: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^[^.!?\n]{0,40}?\b(?:is\s*n['’]?t|is\s+not|are\s*n['’]?t|are\s+not|was\s*n['’]?t|was\s+not)\s+(?:a\s+|an\s+)?(?:normal|safe|standard|typical|usual|regular|everyday|sane|reasonable|maintenance|starting)\s+(?:daily\s+)?(?:dose|amount|dosage|intake)\b|^[^.!?\n]{0,40}?\b(?:is|are|was|=)\s+(?:way\s+|far\s+|wildly\s+)?(?:too\s+(?:much|high|many)|excessive|a\s+megadose|an\s+overdose)\b",
    )
});
static EFFECT_DENIED: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:does\s*n['’]?t|does\s+not|do\s*n['’]?t|do\s+not|won['’]?t|will\s+not|can['’]?t|cannot)\s+(?:actually\s+|really\s+)?(?:treat|cure|heal|fix|detox|cleanse|prevent)\s+(?:anything|a\s+thing|any\s+\w+)\b",
    )
});

/// Most of the span lies inside one quotation (a structure's span may run past the closing
/// mark into the answer), and the quote is not endorsed right after it ("— exactly").
fn quoted_mostly(text: &str, quoted: &[Range<usize>], start: usize, end: usize) -> bool {
    quoted.iter().any(|q| {
        let inside = end.min(q.end).saturating_sub(start.max(q.start));
        inside * 2 >= end.saturating_sub(start).max(1)
            && !ENDORSED.is_match(text.get(q.end..).unwrap_or(""))
    })
}

static ENDORSED: LazyLock<Regex> = LazyLock::new(|| {
    helper(r"^[\s\p{P}]*(?:exactly|facts|so\s+true|100\s*%|preach|agreed|this\s*[!💯👏])")
});

/// A referral to a professional or a pro-care line anywhere in the post ("talk to your doctor
/// first", "with your prescriber", "call poison control", "keep taking your insulin", "get
/// vaccinated"), unless it is waved away ("no need to call your doctor", "don't see a doctor").
static REFERRAL: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:talk|talking|speak|speaking|check|checking|consult|consulting|ask|asking|work|working|plan\s+it)\s+(?:to\s+|with\s+)?(?:your|a|an|the)\s+(?:<PROS>|gp|doc|midwife|pediatrician|paediatrician|diabetes\s+team|oncology\s+team)s?\b|\bunder\s+(?:medical\s+supervision|(?:a|your|my)\s+(?:<PROS>)['’]?s?\s+(?:care|supervision))|\bwith\s+your\s+(?:<PROS>|gp|doc)\b|\bcall\s+(?:poison\s+control|911|999|112|emergency\s+services|your\s+(?:<PROS>|gp|doc))\b|\bpoison\s+(?:control|cent(?:re|er)s?)\b|\bkeep\s+taking\b|\bkeep\s+(?:your|their|his|her)\s+(?:meds|medications?|medicines?|insulin|pills|inhalers?|prescriptions?|treatment)\b|\bstay\s+on\s+(?:your|them|it|their)\b|\btake\s+your\s+(?:meds|medications?|medicines?|insulin|pills)\b|\bget\s+(?:vaccinated|treated|checked|real\s+treatment|(?:the|your)\s+(?:shot|vaccine|jab|booster)s?)\b|\bplease\s+(?:vaccinate|see\s+a)\b|\bdon['’]?t\s+do\s+(?:this|it)\b|\bgo\s+to\s+(?:the\s+)?(?:er|a&e|hospital|emergency\s+room)\b|\bsee\s+(?:a|your)\s+(?:<PROS>|gp|doc|dermatologist|pediatrician|paediatrician)\b|\bseek\s+(?:medical|emergency|urgent)\s+(?:care|help|attention)\b|\b(?:listen\s+to|trust)\s+(?:your|the)\s+(?:<PROS>|doc|oncology\s+team|diabetes\s+team|medical\s+team)s?\b",
    )
});
static REFERRAL_WAVED: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"(?:no\s+need\s+to|don['’]?t|do\s+not|never|without|skip|instead\s+of|won['’]?t|no\s+point|why|forget|stop|before)\s+(?:[\p{L}'’]+\s+){0,2}$",
    )
});

fn referred(text: &str) -> bool {
    REFERRAL.find_iter(text).any(|m| {
        let before = &text[..m.start()];
        let clause_start = before
            .rfind(['.', '!', '?', '\n', ',', ';'])
            .map_or(0, |i| i + 1);
        !REFERRAL_WAVED.is_match(&before[clause_start..])
    })
}

/// The hedges of a medium post ("may help", "not for everyone", "evidence is mixed", "YMMV"):
/// the author does not state the claim as fact.
static MEDIUM_HEDGE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:may|might)\s+(?:help|ease|support|reduce|improve|be\s+worth)\b|\bnot\s+for\s+everyone\b|\beveryone['’]?s\s+different\b|\bevidence\s+is\s+(?:mixed|weak|limited|thin)\b|\bnot\s+saying\s+it\b|\bymmv\b|\byour\s+mileage\s+may\b",
    )
});

/// The claim's sentence is a yes/no question ("Is it safe to stop antibiotics once I feel
/// better?", "Has anyone quit their statin?"): asked, not claimed. A rhetorical "why …" or "who
/// needs …" does not count.
static ASKED_QUESTION: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^[^\p{L}]*(?:(?:so|ok|okay|but|and|honest|genuine|serious|quick|question|q)[:,]?\s+)*(?:is|are|does|do|can|could|should|has|have|did|will|would|anyone|what\s+if|how\s+(?:do|does|can|safe|much|long))\b[^?]*\?",
    )
});

/// The byte range of the sentence (or sentences) holding `start..end`.
fn sentence_bounds(text: &str, start: usize, end: usize) -> (usize, usize) {
    let before = text.get(..start).unwrap_or("");
    let s = before.rfind(['.', '!', '?', '\n']).map_or(0, |i| i + 1);
    let after = text.get(end..).unwrap_or("");
    let e = after
        .find(['.', '!', '?', '\n'])
        .map_or(text.len(), |i| end + i + 1);
    (s, e)
}

fn hedged_sentence(text: &str, start: usize, end: usize) -> bool {
    let (s, e) = sentence_bounds(text, start, end);
    text.get(s..e).is_some_and(|t| MEDIUM_HEDGE.is_match(t))
}

fn asked(text: &str, start: usize, end: usize) -> bool {
    let (s, e) = sentence_bounds(text, start, end);
    text.get(s..e)
        .is_some_and(|q| q.trim_end().ends_with('?') && ASKED_QUESTION.is_match(q))
        && !ANSWERED_YES.is_match(text.get(e..).unwrap_or(""))
}

/// A question asked for an answer, not a claim dressed as one ("Did you know …?", "Isn't it
/// funny how …?", "Ever wonder why …?"): such a hit is dropped, where a rhetorical one is only
/// held.
fn asked_plainly(text: &str, start: usize, end: usize) -> bool {
    let (s, e) = sentence_bounds(text, start, end);
    asked(text, start, end) && !text.get(s..e).is_some_and(|q| RHETORICAL.is_match(q))
}

static RHETORICAL: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^\W*(?:(?:so|but|and|ok|okay)[:,]?\s+)?(?:did\s+(?:you|u|ya|y['’]?all)\s+know|(?:have|has)\s+(?:you|anyone)\s+(?:ever\s+)?(?:heard|wondered|asked|noticed)|is\s*n['’]?t\s+it|is\s+it\s+(?:any\s+wonder|just\s+me|a\s+coincidence)|can\s+you\s+believe|ever\s+wonder|do\s+you\s+(?:really\s+)?(?:think|believe)\s+(?:it['’]?s|they|big|pharma|that['’]?s\s+a))",
    )
});

/// "Q: can diabetes be reversed? A: yes.": the question is the claim's set-up.
static ANSWERED_YES: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^\s*(?:(?:a|answer|ans)\s*[:\-]\s*)?(?:yes|yep|yup|absolutely|of\s+course|100\s*%|definitely)\b",
    )
});

/// "A naturopath who advised a patient to stop …", "told 2M followers …": a claim reported as
/// what someone told a third party, not an order of the author's (the reader, "you", is not a
/// third party: "I'm telling you to stop" is the author's own).
static REPORTED_TO_OTHERS: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:advised|advising|advises|told|telling|tells|urged|urging|urges|encouraged|encouraging|convinced|pressured|pressuring|instructed|recommended|recommending)\s+(?:(?:a|an|the|his|her|their|its|[\d.,]+[km]?|many|some)\s+)?(?:[\p{L}'’]+\s+){0,2}?(?:patients?|followers|clients|customers|buyers|parents|mothers|women|men|people|viewers|readers|listeners|members|her|him|them|families|diabetics|users|fans|audience)\b[^.!?\n]{0,40}$",
    )
});

fn reported_to_others(text: &str, at: usize) -> bool {
    let before = text.get(..at).unwrap_or("");
    let start = before.rfind(['.', '!', '?', '\n']).map_or(0, |i| i + 1);
    let clause = &before[start..];
    REPORTED_TO_OTHERS.is_match(clause)
        || OFFERED_BY_OTHERS.is_match(clause)
        || TOLD_PASSIVE
            .captures(clause)
            .and_then(|c| c.get(1))
            .is_some_and(|w| !matches!(w.as_str().to_lowercase().as_str(), "i" | "we" | "you"))
}

/// "My grandma was told to stop her blood thinners by a 'wellness coach'": an order given to a
/// third person, reported in the passive (the author, "I"/"we", or the reader, "you", being
/// told is not a third party).
static TOLD_PASSIVE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"(?:^|[^\p{L}'’])([\p{L}'’]+)\s+(?:was|were|got|gets|has\s+been|had\s+been|have\s+been|is\s+being|are\s+being)\s+(?:told|advised|urged|encouraged|pressured|instructed|convinced|persuaded)\s+(?:by\s+[^.!?\n,]{1,30}\s+)?(?:to\s+)?(?:[\p{L}'’]+\s+){0,2}$",
    )
});

/// "If someone sells you a cure for autism, run": the claim is what somebody else sells or
/// promises, the object of their pitch, not the author's claim.
static OFFERED_BY_OTHERS: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:someone|somebody|anyone|anybody|people|influencers?|sellers?|companies|brands?|gurus?|quacks?|scammers?|grifters?|clinics?)\s+(?:(?:who|that|tries\s+to|try\s+to|tried\s+to)\s+)?(?:sells?|selling|sold|offers?|offering|offered|promises?|promising|promised|pitches|pitching|peddles?|peddling|pushes|pushing|markets?|marketing)\s+(?:you\s+)?(?:[\p{L}'’]+\s+){0,2}$",
    )
});

/// "Some parents refuse …", "Why do many people stop …": what a group does, described, not
/// an order to the reader (held for a person, never rejected on the rules alone).
static DESCRIBED_GROUP: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"(?:^|[.!?\n])\s*(?:why\s+(?:do|does|would)\s+)?(?:some|many|most|a\s+lot\s+of|lots\s+of|these|those|few)\s+(?:[\p{L}]+\s+)?(?:parents|people|moms|mums|dads|patients|folks|families|influencers|users|adults)\b[^.!?\n]*$",
    )
});

fn described(text: &str, at: usize) -> bool {
    text.get(..at)
        .is_some_and(|before| DESCRIBED_GROUP.is_match(&before.to_lowercase()))
}

/// A claim reported from the people a post criticises: "influencers telling you to …",
/// "accounts saying …", "a youtuber said …".
static REPORTED_THEIRS: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:influencers?|accounts?|posts?|someone|somebody|youtubers?|people|ppl|tiktok(?:ers)?|videos?|ads?|gurus?|sellers?|they|wellness\s+[\p{L}'’]+|a\s+[\p{L}]+er)\s+(?:[\p{L}'’]+\s+)?(?:telling|tells|told|who\s+tell|who\s+told|saying|says|said|claiming|who\s+say|who\s+claim|wants?|asking\s+(?:if|whether|about))\s+(?:(?:you|followers|people|them|us|parents|moms|patients|her|him)\s+)?(?:to\s+|that\s+)?(?:[\p{L}'’]+\s+){0,3}$",
    )
});

/// A harm reported as news: "hospitalized after replacing his heart medication …", "fined a
/// company for claiming …", "sued a clinic that told patients to …". The claim is the event
/// reported, in the same clause (a comma ends the report: "died after the jab, refuse it").
static NEWS_REPORTED: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:hospitali[sz]ed|died|dies|passed\s+away|lost\s+(?:my|our|his|her|their)\s+(?:[\p{L}'’]+\s+){1,2}to\s+[\p{L}'’\s]{1,30}|fined|sued|charged|arrested|convicted|sentenced|rules?\s+against|ruled\s+against|banned|struck\s+off|lost\s+(?:his|her|their)\s+licen[cs]e)\b[^.!?\n,;]{0,80}?\b(?:after|for|who|that)\b[^.!?\n,;]{0,80}$",
    )
});

/// Irony marked the way posts on X mark it ("Sure, Karen, essential oils cure measles. And I'm
/// the Queen of England.", "Yes, let's treat sepsis with positive vibes. What a time to be
/// alive."): the claim says the opposite of what the author means, or at least is not the
/// author's to reject on; held for a person. Markers cranks use about medicine as often ("Sure,
/// keep poisoning yourself with Eliquis", "Totally normal", "🙃", a bare "Great,") are left out.
static IRONY: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"(?:^|[.!?\n]\s*)(?:oh\s+(?:sure|great|yes)|sure,\s+(?:karen|jan|buddy|mate|pal|bro|chad|babe)|(?:yes|yeah|ok|okay|right),?\s+(?:karen|jan|chad|sweetie|hun)\b|ah\s+yes|yes,?\s+let['’]?s|yeah,?\s+let['’]?s|love\s+how|(?:gotta\s+|got\s+to\s+)?love\s+(?:the|all\s+the|these|those)\s+(?:people|folks|guys|influencers|accounts|gurus|ones)\s+who|nothing\s+says\s+[\p{L}\s'’‘\x22“”]{1,30}\s+like)\b|\b(?:genius|flawless\s+(?:science|logic|reasoning)|totally\s+(?:unbiased|legit|scientific)|what\s+a\s+time\s+to\s+be\s+alive|and\s+i['’]?m\s+the\s+(?:queen|king|pope|tooth\s+fairy)|incredible\s+what\s+you\s+can\s+learn|truly\s+(?:groundbreaking|inspiring|visionary)|peak\s+(?:internet|wellness|twitter)|see\s+you\s+in\s+(?:the\s+)?(?:a&e|er|icu|crisis\s+unit|resus|hospital)\b[^.!?\n]{0,30}?\bchamp)\b|(?:^|\s)/s\b|\bwow,?\s+[^.!?\n]{3,60}\bnow\?",
    )
});

/// A clinician telling what they see at work ("Patients sometimes tell me they stopped …", "we
/// still see babies who were given honey", "A lady on my ward put black salve on a mole"): the
/// claim is the patients', reported, held for a person. A bare "Nurse here:" is not enough:
/// cranks open with it ("Nurse here: quit your statin").
static CLINICIAN_WITNESS: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:we|i)\s+(?:still\s+|often\s+|regularly\s+|sometimes\s+|keep\s+|constantly\s+|always\s+)?(?:see|get|treat|admit|saw|admitted|treated|seeing|getting)\s+(?:\w+\s+){0,2}?(?:babies|kids|children|patients|people|adults|teens|someone|cases|folks|families)\s+(?:who|that|after|with|from)\b|\b(?:on|in)\s+(?:my|our)\s+(?:ward|unit|shift|pharmacy|ambulance|icu|a&e|er|ed)\b|\b(?:patients?|parents|families|people|customers)\s+(?:sometimes\s+|often\s+|still\s+|regularly\s+|always\s+|occasionally\s+)?(?:tell|ask|asking)\s+(?:me|us|for|to|if|about|whether)\b|\b(?:someone|somebody|a\s+(?:patient|lady|woman|man|guy|kid|child|mum|mom|dad|teen|toddler))\s+(?:[\p{L}'’]+\s+){0,3}?(?:comes?|came|turns?|turned|rolls?|rolled)\s+(?:in|up)\s+(?:after|with|having)\b",
    )
});

/// "My friend says HIV meds are optional …", "my aunt swears …": a claim someone close to the
/// author makes, reported in the claim's sentence, held for a person (the author's own "my
/// aunt cured her cancer with juice" names no speech verb and stays the author's).
fn told_by_someone_close(text: &str, at: usize) -> bool {
    let before = text.get(..at).unwrap_or("");
    let start = before.rfind(['.', '!', '?', '\n']).map_or(0, |i| i + 1);
    SOMEONE_CLOSE_SAYS.is_match(&before[start..])
}

static SOMEONE_CLOSE_SAYS: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:my|a|her|his|our|their)\s+(?:[\p{L}-]+\s+)?(?:friend|mate|neighbou?r|cousin|colleague|co-?worker|boss|in-laws?|bestie|landlord|influencer|guru|youtuber|tiktoker|quack|grifter)s?\s+(?:still\s+|keeps?\s+|always\s+)?(?:says|said|swears|swore|claims|claimed|insists|insisted|reckons|reckoned|thinks|believes|is\s+convinced|keeps\s+saying|told\s+me|tells\s+me|sent\s+me)\b[^.!?\n]{0,60}$",
    )
});

/// Sarcasm markers, and the pro-care line that shows which way the sarcasm points.
static SARCASM: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"what\s+could\s+(?:possibly\s+)?go\s+wrong|🙄|(?:^|\s)/s\b|said\s+no\s+(?:[\p{L}]+\s+){0,2}ever|\bsure,\s",
    )
});
static PRO_CARE_RESOLUTION: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"please\s+get\s+(?:treated|help|checked|vaccinated)|\bget\s+(?:it|treated|checked|vaccinated)\b|treatment\s+works|see\s+(?:a|your)\s+doctor|take\s+your\s+meds|people\s+die|keep\s+taking|stay\s+on\s+(?:your|their)|get\s+real\s+treatment",
    )
});

/// The byte ranges of `text` between matching quotation marks (straight or curly, double or
/// single, guillemets). An apostrophe inside a word ("don't", "Lugol's") is not a quote mark;
/// an unclosed mark quotes nothing.
fn quoted_ranges(text: &str) -> Vec<Range<usize>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let (mut double, mut single, mut curly, mut curly_single, mut guillemet) =
        (None, None, None, None, None);
    for (k, &(i, c)) in chars.iter().enumerate() {
        let prev = k.checked_sub(1).map(|p| chars[p].1);
        let next = chars.get(k + 1).map(|x| x.1);
        let letter = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let end = i + c.len_utf8();
        let mut close = |open: &mut Option<usize>| {
            if let Some(s) = open.take() {
                out.push(s..end);
            }
        };
        match c {
            '"' => {
                if double.is_some() {
                    close(&mut double);
                } else {
                    double = Some(i);
                }
            }
            '“' => curly = Some(i),
            '”' => close(&mut curly),
            '«' => guillemet = Some(i),
            '»' => close(&mut guillemet),
            '‘' => curly_single = Some(i),
            '’' | '\'' if letter(prev) && letter(next) => {} // an apostrophe
            '’' => close(&mut curly_single),
            '\'' => {
                if single.is_some() && !letter(next) {
                    close(&mut single);
                } else if single.is_none() && !letter(prev) && letter(next) {
                    single = Some(i);
                }
            }
            _ => {}
        }
    }
    out
}

/// Every hit before overlapping hits are merged, with spans in the normalised text.
fn raw_hits(set: &RuleSet, original: &str) -> (Normalized, Vec<RuleHit>) {
    let norm = Normalized::new(original);
    if norm.text.trim().is_empty() {
        return (norm, Vec::new());
    }
    let text = norm.text.as_str();
    let seg = Segments::new(text);

    // Raw regex matches first: debunk markers inside any claim span must not count as debunking
    // another claim in the same sentence ("Germ theory is a myth and vaccines cause autism").
    let mut raw: Vec<(usize, usize, usize)> = Vec::new();
    for (idx, rule) in set.rules.iter().enumerate() {
        let first = raw.len();
        for re in &rule.res {
            for m in re.find_iter(text) {
                // A rule split over several regexes reports a span once, as one regex would.
                let overlaps = raw[first..]
                    .iter()
                    .any(|&(_, s, e)| s < m.end() && m.start() < e);
                if m.end() > m.start() && !overlaps {
                    raw.push((idx, m.start(), m.end()));
                }
            }
        }
    }
    let claim_spans: Vec<Range<usize>> = raw.iter().map(|&(_, s, e)| s..e).collect();

    let mut hits = Vec::new();
    // A comparison with treatment is rejection-grade only about a grave subject.
    let grave = set.grave.as_ref().is_none_or(|g| g.is_match(text));
    for &(idx, start, end) in &raw {
        if let Some(rule) = set.rules.get(idx)
            && let Some(mut hit) = apply_rule(rule, text, &seg, start, end, &claim_spans)
        {
            if rule.rule.flags.corroborate && !grave && hit.level == RiskLevel::Critical {
                hit.level = RiskLevel::High;
            }
            hits.push(hit);
        }
    }
    dosage_hits(set, text, &seg, &mut hits);
    // Catch-all rules only speak when nothing more specific flags the same sentence.
    let is_fallback = |id: &str| {
        id == AMOUNT_RULE
            || set
                .rules
                .iter()
                .any(|r| r.rule.flags.fallback && r.rule.id == id)
    };
    let specific: Vec<Range<usize>> = hits
        .iter()
        .filter(|h| !is_fallback(&h.rule))
        .map(|h| seg.sentence_at(h.start))
        .collect();
    hits.retain(|h| !is_fallback(&h.rule) || !specific.contains(&seg.sentence_at(h.start)));
    (norm, hits)
}

/// The ids of the rules that fire on `text` (before merging), for checking rule examples.
pub fn rules_hit(set: &RuleSet, text: &str) -> Vec<String> {
    let mut ids: Vec<String> = raw_hits(set, text).1.into_iter().map(|h| h.rule).collect();
    ids.sort();
    ids.dedup();
    ids
}

// ---------------------------------------------------------------------------------------------
// The rule set: rules/*.toml compiled, and the active set
// ---------------------------------------------------------------------------------------------

/// A compiled rule set.
pub struct RuleSet {
    rules: Vec<CompiledRule>,
    nutrients: Vec<(Regex, f64)>,
    /// Grave subjects (`GRAVE` in the vocabularies) for `corroborate` rules.
    grave: Option<Regex>,
    specs: RuleSpecs,
    /// Why the built-in rules could not be loaded, when this is the stand-in set that takes
    /// their place (see [`RuleSet::unavailable`]).
    unavailable: Option<String>,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules.len())
            .field("nutrients", &self.nutrients.len())
            .finish()
    }
}

impl RuleSet {
    /// Compiles validated specs (patterns were checked when the specs were parsed).
    pub fn compile(specs: RuleSpecs) -> Result<RuleSet, RuleSetError> {
        let mut rules = Vec::with_capacity(specs.rules.len());
        for spec in &specs.rules {
            let res = compile_patterns(&spec.patterns).map_err(|m| RuleSetError {
                file: spec.file.clone(),
                rule: Some(spec.id.clone()),
                field: "patterns".into(),
                message: m,
            })?;
            rules.push(CompiledRule {
                rule: Rule {
                    id: spec.id.clone(),
                    category: spec.category,
                    level: spec.level,
                    why: spec.why.clone(),
                    soft: spec.soft,
                    care: spec.care,
                    flags: spec.flags,
                    filter: spec.filter.as_deref().and_then(filter_by_name),
                },
                res,
            });
        }
        let mut nutrients = Vec::new();
        for n in &specs.nutrients {
            let re = compile_checked(&n.pattern).map_err(|m| RuleSetError {
                file: "dosage".into(),
                rule: None,
                field: format!("nutrient {}", n.name),
                message: m,
            })?;
            nutrients.push((re, n.megadose_mg));
        }
        let grave = match &specs.grave {
            None => None,
            Some(p) => {
                Some(
                    compile_checked(&format!(r"\b(?:{p})\b")).map_err(|m| RuleSetError {
                        file: "vocab".into(),
                        rule: None,
                        field: "vocab.GRAVE".into(),
                        message: m,
                    })?,
                )
            }
        };
        Ok(RuleSet {
            rules,
            nutrients,
            grave,
            specs,
            unavailable: None,
        })
    }

    /// The stand-in for built-in rules that failed to load: no rules, and every screen with it
    /// holds the post for a person (`guard.rules_unavailable`), so that a broken rule set
    /// fails closed instead of letting posts pass on the word models alone.
    pub fn unavailable(why: impl Into<String>) -> RuleSet {
        RuleSet {
            rules: Vec::new(),
            nutrients: Vec::new(),
            grave: None,
            specs: RuleSpecs::default(),
            unavailable: Some(why.into()),
        }
    }

    /// Why the rules are unavailable, when this set is the stand-in of [`RuleSet::unavailable`].
    pub fn unavailable_reason(&self) -> Option<&str> {
        self.unavailable.as_deref()
    }

    /// The built-in rules (rules/*.toml, embedded).
    pub fn builtin() -> Result<RuleSet, RuleSetError> {
        RuleSet::compile(ruleset::load_with_local(None)?)
    }

    /// The built-in rules plus a local rules file, whose examples are checked.
    pub fn with_local(path: &std::path::Path) -> Result<RuleSet, RuleSetError> {
        let set = RuleSet::compile(ruleset::load_with_local(Some(path))?)?;
        let local = path.display().to_string();
        if let Some(e) = set.example_failures(Some(&local)).into_iter().next() {
            return Err(e);
        }
        Ok(set)
    }

    /// The rule specs (ids, categories, levels, examples).
    pub fn specs(&self) -> &RuleSpecs {
        &self.specs
    }

    /// Rules whose examples fail: a `match` example that does not produce a hit of the rule, or
    /// a `no_match` example that does. Only rules from `file` when given.
    pub fn example_failures(&self, file: Option<&str>) -> Vec<RuleSetError> {
        let mut out = Vec::new();
        for spec in &self.specs.rules {
            if file.is_some_and(|f| f != spec.file) {
                continue;
            }
            let err = |field: String, message: String| RuleSetError {
                file: spec.file.clone(),
                rule: Some(spec.id.clone()),
                field,
                message,
            };
            for (i, ex) in spec.matches.iter().enumerate() {
                let ids = rules_hit(self, ex);
                if !ids.contains(&spec.id) {
                    out.push(err(
                        format!("match[{i}]"),
                        format!("{ex:?} does not match (rules hit: {ids:?})"),
                    ));
                }
            }
            for (i, ex) in spec.no_matches.iter().enumerate() {
                if rules_hit(self, ex).contains(&spec.id) {
                    out.push(err(format!("no_match[{i}]"), format!("{ex:?} matches")));
                }
            }
        }
        out
    }
}

static ACTIVE: LazyLock<RwLock<Arc<RuleSet>>> = LazyLock::new(|| {
    let set = RuleSet::builtin().unwrap_or_else(|e| {
        // The built-in rules are checked by the test suite; never panic in production, but
        // never pass a post unscreened either: the stand-in holds every post.
        tracing::error!("built-in guard rules are invalid, every post will be held: {e}");
        RuleSet::unavailable(format!("the built-in guard rules did not load: {e}"))
    });
    RwLock::new(Arc::new(set))
});

/// The rule set every screen uses.
pub fn active() -> Arc<RuleSet> {
    match ACTIVE.read() {
        Ok(g) => Arc::clone(&g),
        Err(p) => Arc::clone(&p.into_inner()),
    }
}

/// Makes `set` the rule set of every later [`screen`] in this process (start-up, with the
/// local rules file from the configuration).
pub fn install(set: RuleSet) {
    let set = Arc::new(set);
    match ACTIVE.write() {
        Ok(mut g) => *g = set,
        Err(p) => *p.into_inner() = set,
    }
}

/// With `XBOT_GUARD_RULES_DIR` set (rule authors trying edits), the directory's rules and word
/// model must load: the screen would otherwise run on the embedded fallbacks without saying so.
/// `xbot screen` and `xbot bench guard` check this first and exit 2 naming the file and field.
pub fn check_rules_dir() -> Result<(), RuleSetError> {
    if std::env::var_os("XBOT_GUARD_RULES_DIR").is_some() {
        RuleSet::builtin()?;
        super::lexical::load()?;
        super::lexical::load_severity()?;
    }
    // The embedded rules are tested, but a screen that would hold every post says so here.
    if let Some(why) = active().unavailable_reason() {
        return Err(RuleSetError {
            file: "rules/*.toml (built in)".into(),
            rule: None,
            field: String::new(),
            message: why.to_string(),
        });
    }
    Ok(())
}

/// Loads the built-in rules plus the local file `path` (when given) and installs them.
pub fn install_local(path: Option<&std::path::Path>) -> Result<(), RuleSetError> {
    if let Some(p) = path {
        install(RuleSet::with_local(p)?);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Segmentation: sentences and clauses, both partitions of the text (every byte belongs to one)
// ---------------------------------------------------------------------------------------------

struct Segments {
    sentences: Vec<Range<usize>>,
    clauses: Vec<Range<usize>>,
}

impl Segments {
    fn new(text: &str) -> Self {
        let sentences = split_sentences(text);
        let mut clauses = Vec::new();
        for s in &sentences {
            let body = text.get(s.clone()).unwrap_or("");
            let mut cut = s.start;
            for d in CLAUSE_DELIM.find_iter(body) {
                let at = s.start + d.start();
                if at > cut {
                    clauses.push(cut..at);
                    cut = at;
                }
            }
            if s.end > cut {
                clauses.push(cut..s.end);
            }
        }
        Segments { sentences, clauses }
    }

    fn sentence_at(&self, pos: usize) -> Range<usize> {
        containing(&self.sentences, pos)
    }

    fn clause_at(&self, pos: usize) -> Range<usize> {
        containing(&self.clauses, pos)
    }
}

fn containing(ranges: &[Range<usize>], pos: usize) -> Range<usize> {
    let i = ranges.partition_point(|r| r.start <= pos);
    match i.checked_sub(1).and_then(|i| ranges.get(i)) {
        Some(r) => r.clone(),
        None => pos..pos,
    }
}

/// Sentence ends: `.!?…` (and CJK `。！？`) followed by whitespace or the end, and line breaks.
/// A dot after a common abbreviation or an initial does not end a sentence. Decimals ("2.5 mg")
/// never split because the dot is not followed by whitespace.
fn split_sentences(text: &str) -> Vec<Range<usize>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |j: usize| chars.get(j).map_or(text.len(), |&(b, _)| b);
    let is_terminal = |c: char| matches!(c, '.' | '!' | '?' | '…' | '。' | '！' | '？');
    let is_closer = |c: char| matches!(c, '"' | '\'' | '”' | '’' | ')' | ']' | '»');

    let mut out = Vec::new();
    let mut start = 0usize;
    let mut i = 0usize;
    while let Some(&(pos, c)) = chars.get(i) {
        if c == '\n' {
            let mut j = i;
            while chars.get(j).is_some_and(|&(_, c)| c.is_whitespace()) {
                j += 1;
            }
            let end = byte_at(j);
            if end > start {
                out.push(start..end);
            }
            start = end;
            i = j;
            continue;
        }
        if is_terminal(c) {
            let mut j = i + 1;
            while chars
                .get(j)
                .is_some_and(|&(_, c)| is_terminal(c) || is_closer(c))
            {
                j += 1;
            }
            let next = chars.get(j).map(|&(_, c)| c);
            let boundary = next.is_none_or(char::is_whitespace) || matches!(c, '。' | '！' | '？');
            let abbreviation =
                c == '.' && j == i + 1 && is_abbreviation(text.get(start..pos).unwrap_or(""));
            if boundary && !abbreviation {
                while chars.get(j).is_some_and(|&(_, c)| c.is_whitespace()) {
                    j += 1;
                }
                let end = byte_at(j);
                if end > start {
                    out.push(start..end);
                }
                start = end;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

fn is_abbreviation(before_dot: &str) -> bool {
    let word = before_dot
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .to_lowercase();
    // Single letters are not treated as initials: "vitamin D." ends sentences far more often.
    matches!(
        word.as_str(),
        "e.g"
            | "i.e"
            | "dr"
            | "mr"
            | "mrs"
            | "ms"
            | "vs"
            | "etc"
            | "approx"
            | "st"
            | "fig"
            | "prof"
            | "jr"
            | "sr"
            | "u.s"
            | "ca"
            | "cf"
            | "al"
    )
}

// ---------------------------------------------------------------------------------------------
// Shared vocabularies (substituted into the rule patterns as <NAME>)
// ---------------------------------------------------------------------------------------------

// The helpers' patterns name shared lists as `<NAME>` (`<PROS>`, `<OTC>`, `<DRUG_STEMS>` …):
// the built-in vocabularies of `rules/vocab.toml`, written once (`ruleset::expand_builtin`).

/// Compiles a rule pattern the way the screen uses it, or says why it cannot.
pub fn compile_checked(pattern: &str) -> Result<Regex, String> {
    build_rule_regex(pattern).map_err(|e| format!("bad regex: {e}"))
}

fn build_rule_regex(pattern: &str) -> Result<Regex, regex::Error> {
    let pattern = pattern.replace(r"\b", r"(?-u:\b)");
    RegexBuilder::new(&pattern)
        .case_insensitive(true)
        .size_limit(1 << 25)
        .dfa_size_limit(1 << 26)
        .build()
}

fn compile(pattern: &str) -> Option<Regex> {
    // ASCII word boundaries: the rules are English words, and a Unicode `\b` makes the regex
    // engine leave its fast DFA on the first non-ASCII byte (emoji, CJK), which was 10x slower.
    // An ASCII boundary is always next to an ASCII byte, so matches stay on char boundaries.
    let pattern = ruleset::expand_builtin(pattern)
        .ok()?
        .replace(r"\b", r"(?-u:\b)");
    RegexBuilder::new(&pattern)
        .case_insensitive(true)
        .size_limit(1 << 25)
        .dfa_size_limit(1 << 26)
        .build()
        .ok()
}

/// A helper regex. An invalid pattern (a bug, caught by `every_rule_compiles`) degrades to a
/// regex that never matches instead of panicking at run time.
fn helper(pattern: &str) -> Regex {
    compile(pattern).unwrap_or_else(never_matches)
}

fn never_matches() -> Regex {
    // A constant, valid pattern: this cannot fail.
    Regex::new(NEVER).expect("constant regex")
}

const NEVER: &str = r"[^\s\S]";

// ---------------------------------------------------------------------------------------------
// Context regexes
// ---------------------------------------------------------------------------------------------

static CLAUSE_DELIM: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"[;:](?:\s|$)|\s[—–-]{1,2}\s|[—–]|,\s*(?:and|but|so|while|whereas|yet|though|although|or)\b|\b(?:but|however|whereas|although|though)\b",
    )
});

/// Soft hedges neutralise (or soften) claims in the same clause.
static SOFT_HEDGE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:may|might|could|possibly|potentially|perhaps|probably|likely|unlikely|can\s+(?:help|support|contribute|aid|assist|soothe|ease|relieve|calm)|(?:(?:is|are|was|were|been|be)\s+)?(?:associated|linked|correlated|tied)\s+(?:with|to)|(?:(?:some|early|preliminary|small|limited|emerging|new)\s+)?(?:stud(?:y|ies)|research|evidence|data|trials?)\s+(?:suggests?|indicates?|hints?|points?\s+to)|evidence\s+is\s+(?:mixed|limited|weak|emerging|early|inconclusive|thin)|(?:mixed|limited|weak|emerging|early)\s+evidence|some\s+people|for\s+some|in\s+some\s+(?:people|cases|studies|patients)|not\s+everyone|results\s+(?:may\s+)?vary|(?:tends?|appears?|seems?)\s+to|more\s+research\s+is\s+needed)\b",
    )
});

/// A referral to a professional lowers instruction-type hits in the same sentence.
static CARE_HEDGE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:(?:talk|speak|check|consult|discuss|ask|see|work|confirm|clear)(?:s|ing|ed)?\s+(?:it\s+|this\s+|that\s+|first\s+)?(?:with\s+|to\s+|by\s+)?(?:your|a|an|the)\s+(?:own\s+|trusted\s+|local\s+)?<PROS>|with\s+your\s+<PROS>|under\s+(?:the\s+)?(?:care|supervision|guidance)\s+of|(?:medical|professional|clinical)\s+(?:supervision|guidance|advice)|(?:doctor|physician|gp|pharmacist)['’]?s\s+(?:ok|okay|approval|guidance|advice|supervision|go-ahead)|consult\s+(?:a\s+)?professional|(?:a\s+)?question\s+for\s+(?:your|a|an|the)\s+<PROS>|(?:my|our)\s+<PROS>\s+and\b|(?:with|under)\s+(?:my|our|his|her|their)\s+(?:own\s+)?<PROS>(?:['’]s)?(?:\s+(?:help|ok|okay|approval|blessing|guidance|supervision|plan|go-ahead))?|(?:my|our|his|her|their)\s+<PROS>(?:['’]s)?\s+(?:help|ok|okay|approval|blessing|guidance|supervision|plan|go-ahead|agreed|approved|switched\s+(?:me|him|her|us)|took\s+(?:me|him|her|us)\s+off|stopped\s+(?:it|them)|(?:is|was)\s+tapering|tapered\s+(?:me|him|her|us))|(?:planned|prescribed|agreed|supervised|managed|guided|arranged|recommended|advised|ordered)\s+(?:by|with)\s+(?:my|our|his|her|their|the)\s+(?:own\s+)?<PROS>)",
    )
});

/// Debunking markers anywhere in the sentence (outside claim spans) cancel claim-type hits.
static DEBUNK: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:myths?|debunk\w*|disproven|disproved|refuted|no\s+(?:good\s+|scientific\s+|real\s+|solid\s+|credible\s+)?evidence|no\s+link|not\s+true|isn['’]?t\s+true|untrue|false|falsely|misinformation|disinformation|misconceptions?|fact[- ]?check\w*|contrary\s+to\s+popular\s+belief|(?:i|we)\s+used\s+to\s+(?:believe|think)|despite\s+(?:the\s+)?claims|claims?\s+that|the\s+idea\s+that|the\s+notion\s+that|the\s+belief\s+that|but\s+(?:they|it|this|that|he|she)\s+(?:don['’]?t|doesn['’]?t|do\s+not|does\s+not|isn['’]?t|is\s+not|aren['’]?t|are\s+not|won['’]?t|can['’]?t|cannot))\b",
    )
});

/// Attributed claims ("many people believe …") are reported, not asserted: capped at medium.
static ATTRIBUTED: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:(?:(?:some|many|most|a\s+lot\s+of)\s+)?(?:people|folks|influencers|sites|posts?|parents|critics|others|someone|somebody|a\s+reader|a\s+follower|anti-?vaxx?ers|conspiracy\s+theorists|(?:terrain|germ)\s+theor(?:y|ists)|the\s+[\p{L}-]+\s+crowd|gurus|grifters|quacks|wellness\s+(?:influencers|accounts|gurus))|some|many|they|the\s+internet|tiktok)\s+(?:still\s+|often\s+|may\s+|might\s+|will\s+)?(?:claim|claims|say|says|said|wrote|posted|tweeted|believe|believes|think|thinks|insist|insists|argue|argues|swear|swears|keep\s+saying|keeps\s+saying)\b|\byou\s+(?:may|might)\s+have\s+heard\b|\byou['’]ve\s+(?:probably\s+)?heard\b|\brumou?rs?\s+(?:say|claim)\b|\b(?:someone|somebody|people|a\s+friend|my\s+[\p{L}]+|they|he|she)\s+(?:(?:once|just|always)\s+)?(?:told|tells|asked|asks)\s+(?:me|us|you)\b|\b(?:i|we)\s+(?:keep\s+)?(?:saw|see|seeing|heard|hear|read)\s+(?:a\s+|an\s+|this\s+|that\s+)?(?:(?:viral|new|popular)\s+)?(?:posts?|videos?|claims?|tweets?|clips?|ads?|someone|people|it)\b|\b(?:a\s+|the\s+)?(?:viral\s+)?(?:post|video|claim|tweet|trend|ad)\s+(?:saying|claiming|that\s+says|that\s+claims)\b",
    )
});

/// A yes/no question ("Does magnesium cure insomnia?") asks rather than claims: capped at medium
/// by the rules, and dropped by the screen when it is not rhetorical (`asked_plainly`).
static YES_NO_QUESTION: LazyLock<Regex> = LazyLock::new(|| {
    helper(r"^[^\p{L}\p{N}]*(?:does|do|can|could|will|would|is|are|should|might|may|has|have)\b")
});

/// Conditional or interrogative framing right before a claim ("if you stop taking …").
static CONDITIONAL: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:if|before|when|whenever|whether(?:\s+or\s+not)?|unless|until|should\s+you|can\s+you|could\s+you|do\s+you\s+need\s+to|is\s+it\s+(?:safe|ok|okay|wise|smart|bad|dangerous)\s+to|how\s+to\s+safely|the\s+decision\s+to|deciding\s+(?:whether\s+)?to|decide\s+(?:whether\s+)?to|why\s+(?:you\s+)?(?:shouldn['’]?t|should\s+never|should\s+not)|risks?\s+of|dangers?\s+of|what\s+happens\s+(?:if|when)(?:\s+you)?)\s+(?:[\p{L}\p{N}'’-]+\s+){0,2}$",
    )
});

/// Lead-ins after which a verb is an instruction to the reader.
static LEAD_IN: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"(?:^|\b)(?:you\s+(?:should|must|need\s+to|have\s+to|want\s+to|ought\s+to|can|could|gotta)|you['’]ll\s+(?:want|need)\s+to|you['’]d\s+better|make\s+sure\s+(?:to|you)|be\s+sure\s+to|remember\s+to|(?:don['’]?t|never)\s+forget\s+to|just|simply|always|then|and|but|or|so|now|please|plus|try\s+to|try|consider|start\s+to|begin\s+to|(?:i|we)\s+(?:recommend|suggest|advise|urge)(?:\s+(?:you|that\s+you|everyone))?(?:\s+to)?|(?:everyone|everybody|people|adults|women|men|kids|parents|patients|diabetics)\s+should|tip|pro\s+tip|hack|daily|every\s+(?:day|morning|night|evening)|each\s+(?:day|morning|night)|in\s+the\s+(?:morning|evening)|at\s+night|(?:before|after|with)\s+(?:bed|bedtime|meals?|food|breakfast|lunch|dinner|workouts?|training)|first|next|instead|to|time\s+to|should|must|need\s+to|have\s+to|let['’]?s|go\s+ahead\s+and|consider|step\s+\d+)$",
    )
});

/// A thread part number at the end of the text before a verb: "2/5", "(2/5)", "2/".
static THREAD_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| helper(r"(?:^|\s)\(?\d{1,2}\s*/\s*\d{0,2}\)?$"));

static HANDLES: LazyLock<Regex> = LazyLock::new(|| helper(r"(?:^|\s)(?:@[\w.]+\s*)+$"));

static FORGET_TO: LazyLock<Regex> = LazyLock::new(|| helper(r"(?:don['’]?t|never)\s+forget\s+to$"));

static SECOND_PERSON: LazyLock<Regex> =
    LazyLock::new(|| helper(r"\b(?:you|your|yourself|you['’]re)\b"));

/// Research framing before a cure noun: "searching for a cure for", "working to cure".
static RESEARCH: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:search\w*|look(?:s|ing)?|hunt\w*|quest|race|hop(?:e|es|ing|eful)|work(?:s|ing)?|develop\w*|closer|toward|towards|future|someday|one\s+day|find|finding|trying|aim(?:s|ing)?|efforts?|goal|promising|pursuit)\b",
    )
});

/// Real treatments as the subject of a cure claim ("antivirals cure hepatitis C"): high, not critical.
static MEDICAL_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:chemo(?:therapy)?|surgery|surgical|physio(?:therapy|therapists?)?|physical\s+therapy|cbt|counsell?ing|radiation|radiotherapy|immunotherapy|antibiotics?|antivirals?|medications?|medicines?|drugs?|treatments?|transplants?|insulin|vaccines?|therapy|therapies|doctors?|oncologists?|physicians?|statins?|metformin|[a-z]{3,}<DRUG_STEMS>|humira|keytruda|opdivo|herceptin|tamoxifen|lithium|biologics?|infusions?|stelara|remicade|entyvio|rinvoq|dupixent|ozempic|mounjaro|wegovy)\b",
    )
});

/// Alternative "therapies" that do not make a cure claim a real treatment's.
static ALT_THERAPY: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:ozone|chelation|urine|coffee|gerson|alkaline|juice|oxygen|hydrogen|energy|reiki|crystal|frequency|rife|homeopath\w*|naturopath\w*|bee\s+venom|light)\b",
    )
});

static CURED_FOOD: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^(?:meats?|ham|hams|bacon|salmon|sausages?|fish|pork|beef|eggs?|yolks?|olives?|lemons?|salami|prosciutto|chorizo|duck|tofu|pancetta|jerky|tobacco|concrete|resin|cement)$",
    )
});

static MINOR_AILMENT: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^\s+for\s+(?:a\s+|the\s+|most\s+)?(?:(?:mild|minor|simple|common|little)\s+)*(?:cold|colds|sniffles|runny\s+nose|paper\s+cuts?|hangovers?|bruises?|sunburn|blisters?)\b",
    )
});

static DOSE_LIMIT_QUALIFIER: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:at\s+(?:very\s+)?high\s+(?:doses|levels|concentrations|amounts)|in\s+(?:very\s+)?(?:large|high)\s+(?:amounts|doses|quantities)|in\s+excess|overdose)\b",
    )
});

/// A cold, the flu or a virus named in the claim's sentence or the one before it.
static VIRAL: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:colds?|flu|viral|virus(?:es)?|runny\s+nose|sore\s+throats?|coughs?|bronchitis|sniffles)\b",
    )
});

/// The sentence before the claim's ("Chest pain? Skip the ER": the symptom is named there).
fn previous_sentence<'a>(ctx: &Ctx<'a>) -> &'a str {
    let before = ctx.text.get(..ctx.sentence.start).unwrap_or("");
    let prev_start = before
        .trim_end()
        .trim_end_matches(['.', '!', '?'])
        .rfind(['.', '!', '?', '\n'])
        .map_or(0, |i| i + 1);
    before.get(prev_start..).unwrap_or("")
}

fn viral_context(ctx: &Ctx<'_>) -> bool {
    let prev = previous_sentence(ctx);
    VIRAL.is_match(sentence_text(ctx)) || VIRAL.is_match(prev)
}

static ANTIBIOTICS_FOR_VIRUS: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^\s+for\s+(?:a\s+|the\s+|most\s+|viral\s+)?(?:cold|colds|flu|viral|virus|viruses|sore\s+throats?|runny\s+nose|bronchitis|coughs?)\b",
    )
});

// ---------------------------------------------------------------------------------------------
// Rule table
// ---------------------------------------------------------------------------------------------

/// What a hedge does to a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hedge {
    /// No effect.
    Ignore,
    /// Removes the hit.
    Drop,
    /// One level down; a hit lowered to `Low` is removed.
    Lower,
}

/// What a rule-specific filter decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Keep,
    Drop,
    Level(RiskLevel),
}

type Filter = fn(&Ctx<'_>) -> Verdict;

/// The named checks in code that a rule file may use as `filter = "…"`.
pub const FILTER_NAMES: &[&str] = &[
    "serious_cure",
    "research",
    "cure_word",
    "cancer_cells",
    "fluoride",
    "minor_ailment",
    "antibiotics",
    "ingestion",
    "fast_length",
    "remedy_use",
    "unhedged",
    "health_claim",
    "health_instruction",
    "care_context",
    "urgent_only",
];

/// True when `name` is a known filter.
pub fn filter_exists(name: &str) -> bool {
    filter_by_name(name).is_some()
}

fn filter_by_name(name: &str) -> Option<Filter> {
    Some(match name {
        "serious_cure" => serious_cure_filter,
        "research" => research_filter,
        "cure_word" => cure_word_filter,
        "cancer_cells" => cancer_cells_filter,
        "fluoride" => fluoride_filter,
        "minor_ailment" => minor_ailment_filter,
        "antibiotics" => antibiotics_filter,
        "ingestion" => ingestion_filter,
        "fast_length" => fast_length_filter,
        "remedy_use" => remedy_use_filter,
        "unhedged" => unhedged_filter,
        "health_claim" => health_claim_filter,
        "health_instruction" => health_instruction_filter,
        "care_context" => care_context_filter,
        "urgent_only" => urgent_only_filter,
        "stop_story" => stop_story_filter,
        _ => return None,
    })
}

struct Rule {
    id: String,
    category: Category,
    level: RiskLevel,
    why: String,
    /// Effect of a soft hedge ("may", "studies suggest") in the same clause.
    soft: Hedge,
    /// Effect of a referral to a professional in the same sentence.
    care: Hedge,
    flags: ContextFlags,
    filter: Option<Filter>,
}

struct CompiledRule {
    rule: Rule,
    /// The rule's patterns joined into one regex, or into several when one would pass the
    /// compiled-size limit (a rule with many patterns over the long medicine lists).
    res: Vec<Regex>,
}

/// Joins `patterns` into one regex; when that is too big to compile, splits them in halves
/// until each part fits. Any other error is the pattern's own and is returned.
fn compile_patterns(patterns: &[String]) -> Result<Vec<Regex>, String> {
    let joined = patterns
        .iter()
        .map(|p| format!("(?:{p})"))
        .collect::<Vec<_>>()
        .join("|");
    match build_rule_regex(&joined) {
        Ok(re) => Ok(vec![re]),
        Err(regex::Error::CompiledTooBig(_)) if patterns.len() > 1 => {
            let (a, b) = patterns.split_at(patterns.len() / 2);
            let mut res = compile_patterns(a)?;
            res.extend(compile_patterns(b)?);
            Ok(res)
        }
        Err(e) => Err(format!("bad regex: {e}")),
    }
}

// ---------------------------------------------------------------------------------------------
// Applying a rule to one match
// ---------------------------------------------------------------------------------------------

struct Ctx<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    clause: Range<usize>,
    sentence: Range<usize>,
}

impl<'a> Ctx<'a> {
    fn new(text: &'a str, seg: &Segments, start: usize, end: usize) -> Self {
        Ctx {
            text,
            start,
            end,
            clause: seg.clause_at(start),
            sentence: seg.sentence_at(start),
        }
    }

    fn matched(&self) -> &'a str {
        self.text.get(self.start..self.end).unwrap_or("")
    }

    /// Clause text before the match.
    fn prefix(&self) -> &'a str {
        self.text
            .get(self.clause.start.min(self.start)..self.start)
            .unwrap_or("")
    }

    /// Clause text after the match (the rest of the sentence when the match spills over).
    fn after(&self) -> &'a str {
        let end = if self.clause.end > self.end {
            self.clause.end
        } else {
            self.sentence.end.max(self.end)
        };
        self.text.get(self.end..end).unwrap_or("")
    }

    /// The clause (widened to the match) with the match cut out.
    fn clause_outside(&self) -> [&'a str; 2] {
        let lo = self.clause.start.min(self.start);
        let hi = self.clause.end.max(self.end);
        [
            self.text.get(lo..self.start).unwrap_or(""),
            self.text.get(self.end..hi).unwrap_or(""),
        ]
    }

    /// The sentence (widened to the match) with the match cut out.
    fn sentence_outside(&self) -> [(usize, &'a str); 2] {
        let lo = self.sentence.start.min(self.start);
        let hi = self.sentence.end.max(self.end);
        [
            (lo, self.text.get(lo..self.start).unwrap_or("")),
            (self.end, self.text.get(self.end..hi).unwrap_or("")),
        ]
    }
}

fn apply_rule(
    compiled: &CompiledRule,
    text: &str,
    seg: &Segments,
    start: usize,
    end: usize,
    claim_spans: &[Range<usize>],
) -> Option<RuleHit> {
    let rule = &compiled.rule;
    let ctx = Ctx::new(text, seg, start, end);
    let prefix = ctx.prefix();

    let flags = rule.flags;
    if flags.conditional && CONDITIONAL.is_match(prefix) {
        return None;
    }
    if flags.negatable && negated(prefix) {
        return None;
    }
    if flags.inner_negation && has_negator(ctx.matched()) {
        return None;
    }
    if flags.imperative && !is_imperative(prefix) && !SECOND_PERSON.is_match(ctx.matched()) {
        return None;
    }
    if flags.warning && warned(&ctx) {
        return None;
    }
    let mut level = rule.level;
    if let Some(f) = rule.filter {
        match f(&ctx) {
            Verdict::Keep => {}
            Verdict::Drop => return None,
            Verdict::Level(l) => level = l,
        }
    }
    if flags.debunkable && (debunked(&ctx, claim_spans) || answered(&ctx)) {
        return None;
    }
    if flags.debunkable && reported_or_asked(&ctx, claim_spans) {
        level = level.min(RiskLevel::Medium);
    }
    level = apply_hedge(level, rule.soft, soft_hedged(&ctx))?;
    level = apply_hedge(level, rule.care, care_hedged(&ctx))?;
    Some(RuleHit {
        category: rule.category,
        level,
        start,
        end,
        text: ctx.matched().to_string(),
        rule: rule.id.clone(),
        why: rule.why.clone(),
    })
}

fn apply_hedge(level: RiskLevel, effect: Hedge, hedged: bool) -> Option<RiskLevel> {
    if !hedged {
        return Some(level);
    }
    match effect {
        Hedge::Ignore => Some(level),
        Hedge::Drop => None,
        Hedge::Lower => Some(level.lower()).filter(|l| *l > RiskLevel::Low),
    }
}

fn soft_hedged(ctx: &Ctx<'_>) -> bool {
    ctx.clause_outside().iter().any(|s| {
        SOFT_HEDGE.find_iter(s).any(|m| {
            // "faster than chemo ever could" boasts; it does not hedge.
            let before = last_words(s.get(..m.start()).unwrap_or(""), 1);
            !before.iter().any(|w| w == "ever" || w == "never")
        })
    })
}

/// A referral to a professional anywhere in the sentence, unless itself negated
/// ("no need to ask your doctor", "instead of seeing a doctor").
fn care_hedged(ctx: &Ctx<'_>) -> bool {
    ctx.sentence_outside().iter().any(|&(base, part)| {
        CARE_HEDGE.find_iter(part).any(|m| {
            let before = ctx
                .text
                .get(ctx.sentence.start.min(base + m.start())..base + m.start())
                .unwrap_or("");
            let words = last_words(before, 4);
            !words.iter().any(|w| {
                is_negator(w)
                    || matches!(
                        w.as_str(),
                        "instead"
                            | "rather"
                            | "skip"
                            | "skipping"
                            | "ignore"
                            | "ignoring"
                            | "forget"
                            | "avoid"
                            | "avoiding"
                            | "ditch"
                    )
            })
        })
    })
}

/// A debunking marker in the sentence that is not part of any claim span.
fn debunked(ctx: &Ctx<'_>, claim_spans: &[Range<usize>]) -> bool {
    // "The 'eye damage' thing is a myth" waves a risk away: its "myth" debunks nothing.
    // So does a crank's "Cholesterol is a myth anyway" after a stopped statin.
    let mut waved = super::structure::risk_dismissals(ctx.text);
    waved.extend(super::structure::crank_words(ctx.text));
    ctx.sentence_outside().iter().any(|&(base, part)| {
        DEBUNK.find_iter(part).any(|m| {
            let (s, e) = (base + m.start(), base + m.end());
            !claim_spans.iter().any(|c| c.start < e && s < c.end)
                && !waved.iter().any(|&(ws, we)| ws < e && s < we)
        })
    })
}

/// The claim is attributed to others or posed as a yes/no question.
fn reported_or_asked(ctx: &Ctx<'_>, claim_spans: &[Range<usize>]) -> bool {
    let sentence = ctx.text.get(ctx.sentence.clone()).unwrap_or("");
    let trimmed = sentence.trim_end();
    if trimmed.ends_with(['?', '？']) && YES_NO_QUESTION.is_match(trimmed) {
        return true;
    }
    ctx.sentence_outside().iter().any(|&(base, part)| {
        ATTRIBUTED.find_iter(part).any(|m| {
            let (s, e) = (base + m.start(), base + m.end());
            !claim_spans.iter().any(|c| c.start < e && s < c.end)
        })
    })
}

// ---- Rule-specific filters -------------------------------------------------------------------

fn research_context(ctx: &Ctx<'_>) -> bool {
    let words = last_words(ctx.prefix(), 5).join(" ");
    RESEARCH.is_match(&words)
}

fn research_filter(ctx: &Ctx<'_>) -> Verdict {
    // "Physio fixed my back pain": a real treatment doing its job is not a cure claim.
    let medical = MEDICAL_SUBJECT.is_match(ctx.prefix()) && !ALT_THERAPY.is_match(ctx.prefix());
    if research_context(ctx) || medical {
        Verdict::Drop
    } else {
        Verdict::Keep
    }
}

/// "Researchers hope to cure cancer" is news, not a claim; "chemo cures some cancers" names a
/// real treatment and is reviewed (high) rather than auto-rejected.
fn serious_cure_filter(ctx: &Ctx<'_>) -> Verdict {
    if research_context(ctx) || not_yet(ctx) || treated_after(ctx) {
        Verdict::Drop
    } else if (MEDICAL_SUBJECT.is_match(ctx.prefix()) && !ALT_THERAPY.is_match(ctx.prefix()))
        || CHRONIC_NOT_LETHAL.is_match(ctx.matched())
    {
        Verdict::Level(RiskLevel::High)
    } else {
        Verdict::Keep
    }
}

/// A cure claimed for a chronic condition that is not itself life-threatening (arthritis,
/// PTSD, ADHD …) is high, not critical: the policy keeps critical for cancer, diabetes, HIV,
/// MS, epilepsy, heart disease and the like. Depression stays critical: a reader who swaps its
/// treatment for the cure risks suicide, and asthma because its cures come with the inhaler
/// thrown out.
static CHRONIC_NOT_LETHAL: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\banxiety\s+disorders?\b|\bpanic\s+disorder\b|\bptsd\b|\bocd\b|\badhd\b|\b(?:rheumatoid\s+|osteo)?arthritis\b|\bosteoporosis\b|\bfibromyalgia\b|\bendometriosis\b|\binfertility\b|\bceliac\b|\bhashimoto|\bhypothyroid|\bhyperthyroid|\bgraves\b|\bglaucoma\b|\bmacular\b|\bpsoriasis\b",
    )
});

/// "Her lymphoma went into remission after chemo": a real treatment named after the result
/// ("after", "with", "thanks to" …), not dismissed ("no drugs needed", "faster than chemo").
fn treated_after(ctx: &Ctx<'_>) -> bool {
    let after = ctx
        .text
        .get(ctx.end..ctx.sentence.end.max(ctx.end))
        .unwrap_or("");
    TREATED_BY.is_match(after)
}

static TREATED_BY: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^(?:[^.!?\n]{0,30}?\b(?:after|with|thanks\s+to|from|through|using|on|by)\s+|\s*)(?:(?:a|an|the|her|his|my|their|your|months?\s+of|years?\s+of|\d+\s+rounds?\s+of)\s+)*(?:chemo(?:therapy)?|surgery|radiation|radiotherapy|immunotherapy|antibiotics|antivirals?|medications?|treatment|a\s+transplant|transplant|insulin|dialysis|her\s+oncologist|his\s+oncologist|targeted\s+therapy|hormone\s+therapy|stem\s+cell)\b",
    )
});

/// "Cured meats", "better than cure" and research framing are not cure claims.
fn cure_word_filter(ctx: &Ctx<'_>) -> Verdict {
    let matched = ctx.matched();
    let last = matched
        .split_whitespace()
        .last()
        .map(normalize_word)
        .unwrap_or_default();
    let first = matched
        .split_whitespace()
        .next()
        .map(normalize_word)
        .unwrap_or_default();
    if first == "cured" && CURED_FOOD.is_match(&last) {
        return Verdict::Drop;
    }
    if research_context(ctx) || not_yet(ctx) || scare_quoted(ctx) {
        return Verdict::Drop;
    }
    Verdict::Keep
}

/// "People who 'cured' their bipolar": a cure word in quotation marks is the writer's doubt.
fn scare_quoted(ctx: &Ctx<'_>) -> bool {
    const QUOTES: [char; 5] = ['\'', '"', '‘', '’', '“'];
    let before = ctx
        .text
        .get(..ctx.start)
        .and_then(|b| b.chars().next_back());
    let after = ctx.text.get(ctx.end..).and_then(|a| a.chars().next());
    before.is_some_and(|c| QUOTES.contains(&c))
        && after.is_some_and(|c| QUOTES.contains(&c) || c == '”')
}

fn cancer_cells_filter(ctx: &Ctx<'_>) -> Verdict {
    // "Smoking kills", "chemo attacks cancer cells" (a real treatment) are not food-cure claims.
    if MEDICAL_SUBJECT.is_match(ctx.prefix()) || research_context(ctx) || not_yet(ctx) {
        Verdict::Drop
    } else if ctx.matched().contains("cells") {
        Verdict::Keep
    } else {
        // "Kills cancer", "kills tumors": the disease itself, a cure claim.
        Verdict::Level(RiskLevel::Critical)
    }
}

static NOT_YET: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^\s*(?:(?:is|are)\s+(?:still\s+)?(?:not|years|decades)|isn['’]?t|aren['’]?t|(?:does|do)\s+not\s+exist|(?:doesn['’]?t|don['’]?t)\s+exist|(?:is|remains?)\s+(?:elusive|unknown|a\s+long\s+way))\b",
    )
});

/// "A cure for HIV isn't here yet": the claim is denied right after it.
fn not_yet(ctx: &Ctx<'_>) -> bool {
    NOT_YET.is_match(ctx.text.get(ctx.end..).unwrap_or(""))
}

static URGENT: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:chest\s+pains?|lumps?|strokes?|stroke\s+symptoms|shortness\s+of\s+breath|can['’]?t\s+breathe|numbness|seizures?|suicid\w*|fainting|bleeding|blood\s+in|high\s+fever|fever\s+of\s+10\d|heart\s+attack|overdose|anaphyla\w*|worst\s+headache|thunderclap|sudden\s+(?:severe\s+)?headache|stiff\s+neck|face\s+droop\w*|slurred\s+speech|lower\s+right\s+(?:belly|abdomen|side|tummy)|appendi\w*|sepsis|meningitis|blue\s+lips|unresponsive|non-?blanching)\b",
    )
});

/// Skipping care is critical when the post is about an urgent symptom ("Chest pain? Skip the
/// ER"), and fine for a minor ailment ("no need to see a doctor for a mild cold").
fn care_context_filter(ctx: &Ctx<'_>) -> Verdict {
    if MINOR_AILMENT.is_match(ctx.after()) {
        return Verdict::Drop;
    }
    let prev = previous_sentence(ctx);
    if URGENT.is_match(sentence_text(ctx)) || URGENT.is_match(prev) {
        Verdict::Level(RiskLevel::Critical)
    } else {
        Verdict::Keep
    }
}

/// A story of a vital treatment stopped is advice to copy, unless the post tells how it went
/// wrong ("… stopped his blood pressure meds. ICU within a month."), regrets it (the same
/// cautionary-story check as care put off) or criticises the stopping.
fn stop_story_filter(ctx: &Ctx<'_>) -> Verdict {
    if STOP_WENT_WRONG.is_match(ctx.text)
        || super::structure::regretted(ctx.text)
        || super::structure::critiqued(ctx.text)
    {
        Verdict::Drop
    } else {
        Verdict::Keep
    }
}

static STOP_WENT_WRONG: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:icu|intensive\s+care|ended\s+up\s+in|landed\s+(?:me\s+|him\s+|her\s+)?in|rushed\s+(?:to|into)|was\s+admitted|got\s+admitted|(?:nearly|almost)\s+lost|passed\s+away|funeral|don['’]?t\s+be\s+(?:him|her)|worst\s+(?:mistake|decision)|i\s+regret|big\s+mistake|never\s+again|please\s+don['’]?t|don['’]?t\s+do\s+(?:this|what\s+i\s+did)|feeling\s+fine\s+is\s+the\s+(?:meds|medicine|treatment)\s+working|(?:planned|scheduled|set|agreed|prescribed|full)\s+(?:\d+[- ](?:day|week|month)\s+)?(?:course|end\s+date|stop\s+date)|end\s+date|course\s+(?:ended|finished|was\s+over|was\s+done)|(?:then|and)\s+in\s+(?:hospital|the\s+hospital|a&e|the\s+er|icu)|back\s+on\s+(?:it|them|(?:my|her|his|the)\s+(?:meds|medications?|tablets|pills|insulin|lithium|inhalers?|statins?|\w+(?:olol|pril|sartan|dipine|pine|done|zole)))|refused\s+(?:\w+\s+){1,2}at\s+first|supervised|asked\s+(?:his|her|my|their|our)\s+[\w-]+\s+about\s+(?:coming|getting|stopping|tapering|reducing)|restart(?:ed|ing)\b|(?:don['’]?t|do\s+not|won['’]?t)\s+(?:do|make)\s+the\s+same(?:\s+mistake)?|(?:came|come|comes|coming)\s+back\s+(?:hard|worse|aggressive|everywhere|with\s+a\s+vengeance|bigger|stronger)|(?:had\s+|has\s+)?spread\s+to\s+(?:his|her|my|their|the)\s+[\p{L}]+|started\s+(?:it|them)\s+(?:again|back)|sick[- ]day\s+(?:rules|plan|guidance)|deprescrib\w*|(?:med|medication|medicines?)\s+review|(?:blister\s+packs?|pill\s+organi[sz]ers?|dosette\s+box(?:es)?|reminders?|alarms?)\b[^.!?\n]{0,40}?\b(?:fixed|solved|sorted|helped)|don['’]?t\s+copy\s+me|learn\s+from\s+my\s+mistakes?|(?:my|the|his|her|our)\s+(?:gp|doctor|doc|cardiologist|consultant|nurse|psychiatrist|neurologist|rheumatologist|endo\w*|specialist|care\s+team|pharmacist)\s+(?:has\s+|just\s+|then\s+)?(?:halved|reduced|lowered|stopped|tapered)\s+(?:my|his|her|our|the)\b|(?:i|he|she|we|they)\s+(?:was|were)\s+in\s+(?:the\s+)?(?:ed|er|a&e|hospital|icu|resus)\b|(?:planned|agreed|scheduled|supervised|slow|gradual)\s+(?:\d+[- ](?:day|week|month)\s+)?tapers?|dropped\s+(?:my|his|her|the|our)\s+(?:[\p{L}]+\s+){0,2}(?:pens?|vials?|bottles?|inhalers?|box|boxes|pack|packet|cartridges?)\s+(?:in|into|on|down|behind|under|onto)\b)\b",
    )
});

/// Delaying care is critical for an urgent symptom ("Found a lump? … before bothering a
/// doctor") and ordinary advice otherwise ("write down your symptoms before seeing a doctor").
fn urgent_only_filter(ctx: &Ctx<'_>) -> Verdict {
    match care_context_filter(ctx) {
        Verdict::Level(l) => Verdict::Level(l),
        _ => Verdict::Drop,
    }
}

/// "Fluoride is toxic at very high doses" is true and stays.
fn fluoride_filter(ctx: &Ctx<'_>) -> Verdict {
    if DOSE_LIMIT_QUALIFIER.is_match(ctx.after()) {
        Verdict::Drop
    } else {
        Verdict::Keep
    }
}

/// "No need to see a doctor for a mild cold" is sensible self-care, not skipping care.
fn minor_ailment_filter(ctx: &Ctx<'_>) -> Verdict {
    if MINOR_AILMENT.is_match(ctx.after()) {
        Verdict::Drop
    } else {
        Verdict::Keep
    }
}

/// "You don't need antibiotics for a cold" is the public-health message, not a risk.
fn antibiotics_filter(ctx: &Ctx<'_>) -> Verdict {
    let matched = ctx.matched().to_lowercase();
    if matched.contains("antibiotic") && ANTIBIOTICS_FOR_VIRUS.is_match(ctx.after()) {
        Verdict::Drop
    } else if matched.contains("antibiotic") && viral_context(ctx) {
        // "Got a cold? Don't bother with antibiotics, they don't work on viruses": sound
        // advice, or at worst a question for a person; never rejected on the rules alone.
        Verdict::Level(RiskLevel::Medium)
    } else if PREVENTION_LATER.is_match(ctx.after()) && !OWN_TREATMENT.is_match(&matched) {
        // "Walk barefoot, eat local, and you won't need pills in your old age": an overstated
        // promise about prevention (medium), not an order to drop a treatment one takes.
        Verdict::Level(RiskLevel::Medium)
    } else if GENERIC_TREATMENT.is_match(&matched) && !OWN_TREATMENT.is_match(&matched) {
        // "skip the prescription" speaks of treatment in general; "skip your insulin" of the
        // reader's own: only the second is rejected on the rules alone.
        Verdict::Level(RiskLevel::High)
    } else {
        Verdict::Keep
    }
}

static PREVENTION_LATER: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^\s*(?:in\s+(?:your\s+|their\s+|old\s+)?(?:old\s+age|later\s+years|golden\s+years|future|forties|fifties|sixties|seventies|70s|80s)|later\s+(?:in\s+life|on)|when\s+(?:you|they)(?:['’]re|\s+are|\s+get)\s+older|as\s+(?:you|they)\s+(?:age|get\s+older)|down\s+the\s+(?:road|line)|one\s+day)\b",
    )
});

static GENERIC_TREATMENT: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:the|a|an|some)\s+(?:prescriptions?|pills?|meds|medications?|medicines?|drugs|treatments?)$",
    )
});

static OWN_TREATMENT: LazyLock<Regex> =
    LazyLock::new(|| helper(r"\b(?:your|ur|his|her|their|my|kids?|child\w*|son|daughter|baby)\b"));

/// A sentence that warns against a practice ("never", "dangerous", "can cause", "does not",
/// "babies can't have").
static WARNING: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:never|except\s+(?:for\s+)?(?:in\s+)?(?:babies|infants|newborns|kids|children|toddlers|anyone\s+under|under)|not\s+an?\s+(?:baby|infant|newborn|toddler)|don['’]?t|do\s+not|doesn['’]?t|does\s+not|isn['’]?t|is\s+not|aren['’]?t|(?:can['’]?t|cannot|shouldn['’]?t|should\s+not|mustn['’]?t|must\s+not)\s+(?:have|get|be\s+given|eat|drink|take|use|do|try)|not\s+(?:safe|a\s+(?:cure|treatment|detox|good\s+idea|safe|substitute)|for|without)|avoid|dangerous|danger|harm(?:ful|s)?|toxic|poison(?:ous|ing)?|unsafe|can\s+(?:cause|kill|lead|damage|harm|turn|poison)|warn(?:s|ed|ing)?|risk(?:s|y)?|damages?|botulism|scars?|myths?|wait\s+(?:until|till|til)|not\s+(?:in|into)\s+(?:my|your|the|a|our)\s+(?:bab(?:y|ies)|infants?|newborns?|toddlers?)\b|not\s+(?:before|until)|hard\s+no|off[- ]limits|abuse|illegal|permanent(?:ly)?\s+(?:damage|blind\w*|blue|gr[ae]y|scar\w*|harm|loss)|blind\s+spots|blindness|retinopathy|argyria|(?:pure|contains?|full\s+of|loaded\s+with)\s+lead|(?:is|are|=|causes)\s+an?\s+overdose|(?:kidney|liver|organ|renal)\s+failure|(?:chemical|aspiration)\s+pneumon\w+|is\s+how\s+(?:kids|people|children|babies|toddlers)\s+end\s+up|cyanide|no\s+benefit|please,?\s+no|lead\s+poisoning|plomo)\b",
    )
});

/// The sentence after a claim answers it ("No, it doesn't.", "Fact: …", "This claim is wrong").
static REBUTTAL_START: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^[^\p{L}\p{N}]*(?:no[,.!:]|no\s+(?:it|they|he|she|that|this)\b|nope\b|not\s+(?:true|really|at\s+all|without|under|in|for|if)\b|false[.!:,]|wrong[.!:,]|(?:the\s+)?(?:reality|facts?|truth|evidence)\s*:|actually,|in\s+fact,|(?:it|they|that|he|she)\s+(?:doesn['’]?t|does\s+not|isn['’]?t|is\s+not|won['’]?t|can['’]?t|cannot|don['’]?t|do\s+not|aren['’]?t|didn['’]?t|did\s+not)(?:\s+(?:work|help|exist))?\s*[.!,;]|(?:this|that|it)(?:['’]s|\s+is)\s+(?:false|wrong|untrue|a\s+myth|dangerous|not\s+true|misinformation|industrial\s+bleach|bleach)\b|short\s+answer:?\s*no\b|usually\s+not\b|the\s+(?:evidence|data|research)\s+(?:says|shows)\b|there\s+is\s+no\b|studies\s+(?:show|found)\s+no\b)",
    )
});

/// A rebuttal anywhere in the answering sentence.
static REBUTTAL_ANY: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:it['’]?s\s+wrong|is\s+wrong|can\s+kill|dangerous\s+advice|this\s+(?:claim|myth|advice)|has\s+been\s+(?:debunked|disproven|studied)|no\s+link|not\s+true|isn['’]?t\s+true|no\s+evidence|retracted|disproven|debunked|disagree\w*|saves?\s+lives|(?:is|are)\s+safe|strong\s+medicine|the\s+opposite\s+is\s+true|(?:terrible|awful|horrible|bad|dangerous|worst)\s+advice|(?:is|are)\s+(?:fake|a\s+lie|nonsense)|(?:this|it|that)\s+(?:has|have)\s+killed|then\s+why|which\s+(?:trial|study|paper))\b",
    )
});

/// The claim's sentence is answered by the next sentence (or, for a quoted claim, one of the
/// next two): "\"Lemon water cures cancer.\" No, it doesn't." A claim posed as a question and
/// answered "No." is answered too.
fn answered(ctx: &Ctx<'_>) -> bool {
    let sentence = ctx.text.get(ctx.sentence.clone()).unwrap_or("");
    let quoted = sentence.trim_start().starts_with(['"', '“', '\'', '‘'])
        || ctx
            .text
            .get(ctx.sentence.start..ctx.start)
            .is_some_and(|p| p.contains(['"', '“']));
    let mut at = ctx.sentence.end.max(ctx.end);
    let look = if quoted { 2 } else { 1 };
    for i in 0..look {
        let rest = ctx.text.get(at..).unwrap_or("");
        if rest.trim().is_empty() {
            break;
        }
        let next = next_sentence(rest);
        if (i == 0 && REBUTTAL_START.is_match(next)) || REBUTTAL_ANY.is_match(next) {
            return true;
        }
        at += next.len();
    }
    // The rest of the claim's own sentence after a closing quote or a dash.
    let after = ctx
        .text
        .get(ctx.end..ctx.sentence.end.max(ctx.end))
        .unwrap_or("");
    REBUTTAL_ANY.is_match(after)
}

/// The first sentence of `rest` (up to and including its terminator and the spaces after it).
fn next_sentence(rest: &str) -> &str {
    let mut end = rest.len();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\n' && i > 0 {
            end = i;
            break;
        }
        if matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|(_, n)| n.is_whitespace()) {
            end = i + c.len_utf8();
            break;
        }
    }
    let mut e = end;
    while rest[e..].starts_with(char::is_whitespace) {
        e += rest[e..].chars().next().map_or(1, char::len_utf8);
    }
    &rest[..e]
}

/// The practice's sentence warns against it (outside any claim span).
fn warned(ctx: &Ctx<'_>) -> bool {
    let sentence = sentence_text(ctx);
    // "The 'eye damage' thing is a myth", "no risk at all": a risk waved away is no warning.
    if !super::structure::risk_dismissals(sentence).is_empty() {
        return false;
    }
    // "X is not dangerous" reassures; it does not warn. "Don't even carry a Ventolin anymore"
    // and "just don't fill it" tell of stopping, or order it.
    if REASSURE.is_match(sentence) || NEGATED_STOP.is_match(sentence) {
        return false;
    }
    // "You'll never need another antibiotic" promises; its "never" warns of nothing. "Stopped
    // my Eliquis after reading about the bleeding risk" gives the teller's motive, not a warning.
    let unwarned = PROMISED_NEVER.replace_all(sentence, " ");
    if WARNING.is_match(&MOTIVE.replace_all(&unwarned, " ")) {
        return true;
    }
    // "Under 12 months: no honey": the practice's object is what the sentence rules out.
    if PROHIBITED_END.is_match(ctx.matched()) {
        return true;
    }
    let rest = ctx.text.get(ctx.sentence.end.max(ctx.end)..).unwrap_or("");
    let next = next_sentence(rest);
    // "Don't let the 'experts' talk you out of it" urges the practice on.
    if URGED_ON.is_match(next) {
        return false;
    }
    // "Sungazing is trending again. Staring at the sun causes …": a trend named, then warned.
    WARNING_START.is_match(next) || (TREND_NAMED.is_match(sentence) && WARNING.is_match(next))
}

static PROMISED_NEVER: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:you['’]?ll|you\s+will|you\s+won['’]?t\s+ever|we['’]?ll|i['’]?ll|will)\s+never\s+(?:again\s+)?(?:need|get|have|catch|be\s+sick|go\s+back)\b|\b(?:and\s+)?never\s+(?:notice|miss\s+(?:it|them)|look(?:ed)?\s+back|needed\s+(?:it|them))\b|\b(?:have\s+|has\s+|['’]ve\s+)?never\s+(?:felt|been|looked|slept|breathed)\s+(?:so\s+|any\s+)?(?:better|calmer|healthier|happier|stronger|clearer|lighter|freer|good|great|well|more\s+[\p{L}]+)\b|\bnever\s+(?:been\s+)?(?:shown|proven|proved|isolated|demonstrated)\b|\bnever\s+going\s+back\b",
    )
});

/// A risk given as the reason for a choice ("after reading about the bleeding risk", "scared
/// of the side effects"): the teller's motive, not a warning to the reader.
static MOTIVE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:after|because\s+of|due\s+to|scared\s+(?:of|by)|worried\s+(?:about|by)|(?:reading|read|hearing|heard|learning|learnt|learned|watching|seeing|saw)\s+(?:about|of)|fear\s+of|afraid\s+of|freaked\s+out\s+by)\s+(?:all\s+)?(?:the\s+|those\s+|these\s+|its\s+|their\s+|possible\s+)?(?:[\p{L}'’-]+\s+){0,3}?(?:risks?|side[- ]effects?|dangers?|damage|harm|toxicity)\b",
    )
});

static TREND_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:is|are|['’]s|['’]re)\s+(?:trending|back|circulating|going\s+around|making\s+the\s+rounds|going\s+viral|all\s+over\s+[\p{L}]+)\b",
    )
});

static PROHIBITED_END: LazyLock<Regex> =
    LazyLock::new(|| helper(r"(?:^|[,;:]\s*|\s)no\s+[\p{L}'’-]+\s*$"));

/// A sentence that opens with a warning answers the practice named just before it.
static URGED_ON: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^[^\p{L}]*(?:don['’]?t|do\s+not|never)\s+let\s+(?:the\s+|your\s+|any\s+)?[\x27\x22‘“]?(?:experts?|doctors?|docs?|pharma|gps?|anyone|anybody|them|haters?|sceptics?|skeptics?)[\x27\x22’”]?\s+(?:talk|scare|frighten|put)\s+you\b|^[^\p{L}]*(?:don['’]?t|do\s+not|never)\s+let\s+(?:a|an|the|your|any)\s+(?:[\p{L}]+\s+)?(?:doctors?|docs?|dermatologists?|surgeons?|oncologists?|gps?|consultants?|hospitals?|specialists?)\s+(?:cut|operate|biopsy|remove|burn|poison|drug|medicate|jab|touch)\b",
    )
});

static WARNING_START: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^[^\p{L}]*(?:never|don['’]?t|do\s+not|please\s+(?:don['’]?t|do\s+not|never)|avoid|stay\s+away|it\s+(?:is|['’]s)\s+(?:toxic|poison|dangerous|deadly))\b",
    )
});

static REASSURE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:not|isn['’]?t|aren['’]?t|never|nothing|no|won['’]?t|can['’]?t)\s+(?:[\p{L}]+\s+)?(?:dangerous|harmful|unsafe|toxic|risky|a\s+risk|hurt|harm|to\s+worry|bad\s+for)\b",
    )
});

/// A negation that tells of stopping or orders it, not a warning ("Don't even carry a Ventolin
/// anymore", "just don't fill it", "I never replaced it").
static NEGATED_STOP: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:don['’]?t|do\s+not|no\s+longer)\s+(?:even\s+)?(?:carry|take|use|bother\s+with|fill|refill)\b[^.!?\n]{0,60}\b(?:anymore|any\s+more|these\s+days)\b|\b(?:don['’]?t|do\s+not)\s+(?:have|need)\s+to\s+(?:take|be\s+on|stay\s+on)\b[^.!?\n]{0,40}\b(?:forever|for\s+life|for\s+the\s+rest\s+of\s+your\s+life|long[- ]term)\b|\bjust\s+(?:don['’]?t|dont|do\s+not)\s+(?:fill|refill|collect|pick\s+up)\s+(?:it|them|the)\b|\b(?:don['’]?t|do\s+not)\s+(?:have|need)\s+to\s+(?:give|take|finish|use)\s+(?:the|your|those|his|her)\s+(?:antibiotics|abx|meds|medicines?|tablets|pills)\b[^.!?\n]{0,80}?\b(?:hospital|prescribed|sent\s+home)|\b(?:i|we|she|he|they)\s+(?:never|didn['’]?t|did\s+not)\s+(?:replaced?|re-?ordered?|renewed?|re-?filled|re-?fill)\s+(?:it|them)\b|\b(?:don['’]?t|do\s+not|never)\s+(?:stab|jab|inject)\s+(?:yourself|him|her|them|your\s+\w+)\s+with\s+(?:the|your|an?|that)\s+epi-?pens?\s*[,;—–-]\s*(?:just\s+)?(?:sip|drink|take|breathe|try|use|rub|wait)\b",
    )
});

static INGESTION_CUE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:drink\w*|drank|swallow\w*|ingest\w*|take|taking|sip|consum\w*|drops?|tsp|teaspoons?|tablespoons?|spoon(?:ful)?s?|sugar\s+cube|by\s+mouth|in\s+(?:a\s+glass\s+of\s+)?(?:water|juice)|cures?|cured|heals?|clears?|kills?|dose|doses|dosing|daily|a\s+day|every\s+(?:day|morning|night|hour)|oxygenat\w*|internally|parasites|autism|cancer|candida|covid|worms|arthritis|lyme|malaria|infections?|activated|nebuli[sz]\w*|detox\w*|purify|immun\w*)\b",
    )
});

/// On a body or a child: "rub kerosene on your child's chest" is as dangerous as drinking it.
static BODY_USE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:rub\w*|apply\w*|soak\w*|bath(?:e|s)?|skin|chest|wounds?|gums|ears?|eyes?|nose|feet|kids?|child\w*|toddlers?|bab(?:y|ies)|infants?|newborns?|son|daughter)\b",
    )
});

static SURFACE_USE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:clean\w*|disinfect\w*|wipe\w*|laundry|surfaces?|counters?|floors?|sink|toilet|bathroom|mould|mold|stains?)\b",
    )
});

fn sentence_text<'a>(ctx: &Ctx<'a>) -> &'a str {
    ctx.text
        .get(ctx.sentence.start.min(ctx.start)..ctx.sentence.end.max(ctx.end))
        .unwrap_or("")
}

/// The sentence and the next one, for cues that often follow the claim ("… 6 drops a day.").
fn sentence_and_next<'a>(ctx: &Ctx<'a>) -> &'a str {
    let end = ctx.sentence.end.max(ctx.end);
    let next = next_sentence(ctx.text.get(end..).unwrap_or(""));
    ctx.text
        .get(ctx.sentence.start.min(ctx.start)..end + next.len())
        .unwrap_or("")
}

/// Toxic substances count when they are to be swallowed or used as medicine, not for cleaning.
fn ingestion_filter(ctx: &Ctx<'_>) -> Verdict {
    let s = sentence_and_next(ctx);
    let own = sentence_text(ctx);
    if SURFACE_USE.is_match(own) && !INGESTION_CUE.is_match(own) {
        return Verdict::Drop;
    }
    if INGESTION_CUE.is_match(s) || BODY_USE.is_match(own) {
        Verdict::Keep
    } else {
        Verdict::Drop
    }
}

/// Going without water is a dry fast whatever it is called ("zero water", "skip water").
static WATERLESS: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:no|zero|without|skip\w*|cut\s+out|not\s+(?:a\s+)?(?:drop|sip)\s+of)\s+(?:food\s*(?:,|or|and|&)\s*(?:no\s+)?)?(?:any\s+)?(?:water|fluids|liquids|drinks?)\b",
    )
});

static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten|fourteen|twenty-one|thirty)[- ]?(?P<u>days?|weeks?|hours?|hrs?)\b",
    )
});

static DAY_COUNT: LazyLock<Regex> = LazyLock::new(|| {
    helper(r"\bday\s+(?P<n>\d+|two|three|four|five|six|seven|eight|nine|ten)\s+(?:of|into)\b")
});

fn word_number(w: &str) -> Option<f64> {
    Some(match w {
        "one" => 1.0,
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "fourteen" => 14.0,
        "twenty-one" => 21.0,
        "thirty" => 30.0,
        _ => w.parse().ok()?,
    })
}

/// Fasts by length: a dry fast of two days or more is critical; a water or juice fast of 14
/// days or more is critical, 5 to 13 days high, shorter ones medium.
fn fast_length_filter(ctx: &Ctx<'_>) -> Verdict {
    let lo = floor_boundary(
        ctx.text,
        ctx.start
            .saturating_sub(24)
            .max(ctx.clause.start.min(ctx.start)),
    );
    let hi = ceil_boundary(ctx.text, (ctx.end + 30).min(ctx.sentence.end.max(ctx.end)));
    let around = ctx.text.get(lo..hi).unwrap_or("");
    let days = DURATION.captures(around).and_then(|c| {
        let n = word_number(c.name("n")?.as_str())?;
        let u = c.name("u")?.as_str();
        Some(if u.starts_with('w') {
            n * 7.0
        } else if u.starts_with('h') {
            n / 24.0
        } else {
            n
        })
    });
    // "Day 6 of my dry fast": the day count is the length so far.
    let days = days.or_else(|| {
        DAY_COUNT
            .captures(around)
            .and_then(|c| word_number(c.name("n")?.as_str()))
    });
    let dry = ctx.matched().contains("dry") || WATERLESS.is_match(ctx.matched());
    match (dry, days) {
        (true, Some(d)) if d >= 2.0 => Verdict::Level(RiskLevel::Critical),
        (true, _) => Verdict::Keep,
        (false, Some(d)) if d >= 14.0 => Verdict::Level(RiskLevel::Critical),
        // Days without food for someone on diabetes medicines, a child or a pregnancy: a
        // hypoglycaemia or ketoacidosis risk (the policy's "fasting for diabetics on insulin").
        (false, Some(d)) if d >= 3.0 && FAST_AT_RISK.is_match(ctx.text) => {
            Verdict::Level(RiskLevel::Critical)
        }
        (false, Some(d)) if d >= 5.0 => Verdict::Level(RiskLevel::High),
        (false, _) => Verdict::Level(RiskLevel::Medium),
    }
}

static FAST_AT_RISK: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:(?:type\s*[12]\s+)?diabet\w*|t[12]d|insulin|metformin|gliclazide|glipizide|glimepiride|glibenclamide|sulfonylureas?|sglt-?2|[a-z]{3,}gliflozin|pregnan\w*|breastfeeding|kids?|child(?:ren)?|teens?|teenagers?|daughter|son)\b",
    )
});

static REMEDY_USE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:drink\w*|take|taking|shots?|swallow\w*|clears?|cures?|kills?|infections?|immun\w*|antibiotics?|virus(?:es)?|flu|covid|heals?|daily|a\s+day|spray)\b",
    )
});

/// A long match can swallow its own hedge or negation ("magnesium may help reverse …").
fn unhedged_filter(ctx: &Ctx<'_>) -> Verdict {
    let m = ctx.matched();
    let asked = sentence_text(ctx).trim_end().ends_with('?');
    // A weak claim with a negation anywhere in its clause ("The flu shot can't give you the
    // flu") is not asserted.
    let [before, after] = ctx.clause_outside();
    if asked
        || has_negator(before)
        || has_negator(after)
        || SOFT_HEDGE.is_match(m)
        || has_negator(m)
        || RESEARCH.is_match(m)
        || RESEARCH_NEWS.is_match(sentence_text(ctx))
    {
        return Verdict::Drop;
    }
    // Proven care doing its job ("the newborn vitamin K shot prevents a bleeding disorder"),
    // not an alternative remedy and not dismissed: a pro-treatment statement.
    let sentence = sentence_text(ctx);
    if (!super::structure::names_alt_remedy(sentence) || CLINIC_GIVEN.is_match(sentence))
        && CLINICAL_CARE.is_match(sentence)
        && !AGAINST_CARE.is_match(sentence)
    {
        return Verdict::Drop;
    }
    Verdict::Keep
}

/// Research news in the sentence: the catch-alls leave reports of studies alone.
/// Proven care: vaccines, medicines, surgery, screening, exercise, sleep, a professional.
static PROVEN_CARE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:vaccin\w*|vax\w*|shots?|boosters?|jabs?|mmr|hpv|chemo\w*|antibiotics?|amoxicillin|meds|medications?|medicines?|treatments?|therapy|surgery|physio\w*|sunscreen|spf|exercise|walking|walks?|steps|sleep|doctors?|<PROS>|care\s+team|screenings?|blood\s+tests?|statins?|insulin|metformin|art|antiretroviral\w*|prevention|check-?ups?|colonoscopy|mammograms?|dentists?|hydrat\w*|vegetables|veg|fruits?|fish|whole\s+grains|beans|legumes|nuts|fib(?:er|re)|protein|stent|inhalers?|prescri\w*|floss\w*|brushing|quitting|smoking|checked|tested|screened|examined|eye\s+exams?|water|fluids|rest|bloodwork|blood\s+work|labs|cure\s+rates?|survival\s+rates?|midwi(?:fe|ves)|at\s+birth|(?:warning\s+)?signs\s+of|[\p{L}]+\s+signs)\b",
    )
});

/// A proven treatment dismissed or blamed: the claim stays for a person.
static AGAINST_CARE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:scams?|myths?|lie|lies|hoax|unnecessary|overkill|useless|pointless|poison\w*|toxic|causes|caused|weakens?|destroys?|damages?|calcif\w*|the\s+(?:real\s+)?(?:cause|reason)|doesn['’]?t\s+matter|instead\s+of|replaces?|don['’]?t\s+need|never\s+need)\b",
    )
});

/// Warning or debunking words: a remedy called a scam is a debunk, not a claim.
static REMEDY_WARNED: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:scams?|myths?|hoax|laxative|useless|does\s+nothing|overpriced|marketing|snake\s+oil|harm\w*|toxic|dangerous|damage\w*|destroys?|burns?|avoid|never|no\s+(?:[\p{L}]+\s+){0,3}needed|(?:isn['’]?t|not)\s+needed|don['’]?t\s+need|unnecessary|waste\s+of\s+money)\b",
    )
});

/// A claim that names the guidance behind it.
static EVIDENCE_BACKED: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:guidelines?|guidance|per\s+(?:the\s+)?(?:cdc|who|nhs|aap|ada|aha|fda|nice|label)|(?:cdc|who|nhs|aap|ada|aha|nice)\s+(?:says|recommends|advises)|science\s+(?:agrees|says)|(?:the\s+)?evidence\s+(?:shows|says|is\s+clear)|recommended|recommends?|tops?\s+out\s+at|upper\s+limit|no\s+more\s+than)\b",
    )
});

/// First-person reports ("got my flu shot", "amoxicillin done, ear infection cleared").
static FIRST_PERSON: LazyLock<Regex> =
    LazyLock::new(|| helper(r"\b(?:i|i['’]m|i['’]ve|my|we|we['’]re|our|me)\b"));

/// The strict-mode catch-all for an unhedged health claim (`claim.health_claim`): dropped
/// like the other catch-alls (hedge, negation, question, research), and also when the rules
/// can positively clear the claim: proven care named without an alternative remedy and not
/// dismissed ("Sunscreen helps prevent skin cancer"), a remedy warned about or called a scam,
/// or a first-person report with no remedy and no "you".
fn health_claim_filter(ctx: &Ctx<'_>) -> Verdict {
    // Negation is scoped to the claim and the words just before it: "Cold plunges boost your
    // immunity, you'll never want to skip one" still claims.
    let m = ctx.matched();
    let sentence = sentence_text(ctx);
    if sentence.trim_end().ends_with('?')
        || negated(ctx.prefix())
        || has_negator(m)
        || SOFT_HEDGE.is_match(sentence)
        || RESEARCH.is_match(m)
        || RESEARCH_NEWS.is_match(sentence)
    {
        return Verdict::Drop;
    }
    let sentence = sentence_text(ctx);
    let alt = super::structure::names_alt_remedy(sentence) && !CLINIC_GIVEN.is_match(sentence);
    let proven = PROVEN_CARE.is_match(sentence);
    if (alt || !proven) && REMEDY_WARNED.is_match(sentence) {
        return Verdict::Drop;
    }
    if !alt && proven && !AGAINST_CARE.is_match(sentence) {
        return Verdict::Drop;
    }
    if !alt && FIRST_PERSON.is_match(sentence) && !SECOND_PERSON.is_match(sentence) {
        return Verdict::Drop;
    }
    // Backed by guidance: "per most guidelines", "the CDC recommends".
    if !alt && EVIDENCE_BACKED.is_match(sentence) {
        return Verdict::Drop;
    }
    Verdict::Keep
}

/// [`health_claim_filter`] for an instruction: the verb must stand where an order starts.
fn health_instruction_filter(ctx: &Ctx<'_>) -> Verdict {
    // "Trust your gut as a parent" is an idiom, not a remedy.
    if !is_imperative(ctx.prefix()) || GUT_IDIOM.is_match(ctx.matched()) {
        return Verdict::Drop;
    }
    health_claim_filter(ctx)
}

/// Care given by clinicians (narrower than [`PROVEN_CARE`]: no lifestyle habits).
static CLINICAL_CARE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:vaccin\w*|shots?|boosters?|jabs?|injections?|at\s+birth|chemo\w*|antibiotics?|medications?|surgery|screenings?|insulin|statins?|<PROS>|midwi(?:fe|ves))\b",
    )
});

/// Given in clinic, not taken at home: "the newborn vitamin K shot", "vitamin K at birth".
static CLINIC_GIVEN: LazyLock<Regex> = LazyLock::new(|| {
    helper(r"\b(?:vitamin\s+k|b12|iron)\s+(?:shots?|injections?|jabs?|infusions?|at\s+birth)\b")
});

static GUT_IDIOM: LazyLock<Regex> =
    LazyLock::new(|| helper(r"^(?:trust|listen\s+to|follow)\s+your\s+gut\b"));

static RESEARCH_NEWS: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:researchers?|scientists?|stud(?:y|ies)|trials?|a\s+review|meta-analys[ie]s|(?:we|they)\s+hope|hoping)\b",
    )
});

static DRINK_CUE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:drink\w*|shots?|swallow\w*|tbsp|tsp|tablespoons?|teaspoons?|daily|every\s+(?:day|morning|night)|a\s+day|by\s+mouth|nebuli[sz]\w*|inhal\w*)\b",
    )
});

/// Colloidal silver and the like count when used as medicine; drunk daily, critical.
fn remedy_use_filter(ctx: &Ctx<'_>) -> Verdict {
    let s = sentence_text(ctx);
    if DRINK_CUE.is_match(s) {
        Verdict::Level(RiskLevel::Critical)
    } else if REMEDY_USE_CUE.is_match(s) {
        Verdict::Keep
    } else {
        Verdict::Drop
    }
}

// ---- Word-level helpers ----------------------------------------------------------------------

fn normalize_word(w: &str) -> String {
    w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .to_lowercase()
        .replace('’', "'")
}

fn is_negator(w: &str) -> bool {
    matches!(
        w,
        "no" | "not"
            | "never"
            | "nothing"
            | "none"
            | "nobody"
            | "neither"
            | "nor"
            | "cannot"
            | "without"
            | "hardly"
            | "dont"
            | "doesnt"
            | "didnt"
            | "isnt"
            | "arent"
            | "wasnt"
            | "werent"
            | "wont"
            | "shouldnt"
            | "wouldnt"
            | "couldnt"
            | "aint"
    ) || w.ends_with("n't")
}

/// The last `n` words of `s` after its last comma, bracket or quote, normalised.
fn last_words(s: &str, n: usize) -> Vec<String> {
    let tail = s
        .char_indices()
        .rfind(|&(_, c)| matches!(c, ',' | '(' | ')' | '"' | '“' | '”'))
        .map_or(s, |(i, c)| &s[i + c.len_utf8()..]);
    let mut words: Vec<String> = tail
        .split_whitespace()
        .rev()
        .take(n)
        .map(normalize_word)
        .collect();
    words.reverse();
    words
}

/// A negator among the last four words before a claim ("there is no cure", "don't stop …").
fn negated(prefix: &str) -> bool {
    if NOT_TELLING.is_match(prefix) || NO_EVIDENCE.is_match(prefix) {
        return true;
    }
    let words = last_words(prefix, 4);
    let Some(i) = words.iter().rposition(|w| is_negator(w)) else {
        return false;
    };
    // The negator has its own verb and a new instruction starts after it: "if your meds
    // aren't working just take twice the dose" is not negated ("don't just stop" still is).
    !words.iter().skip(i + 2).any(|w| {
        matches!(
            w.as_str(),
            "just" | "then" | "so" | "simply" | "instead" | "now"
        )
    })
}

/// "I'm not going to tell you to …", "nobody should tell you to …": the order is refused.
static NOT_TELLING: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:not|never|won['’]?t|wouldn['’]?t|don['’]?t|nobody\s+(?:should|will))\s+(?:going\s+to\s+|gonna\s+|ever\s+)?(?:tell|ask|advise|recommend|suggest|urge)\w*\s+(?:you|anyone|anybody|people|u|y['’]?all|patients)\s+(?:to\s+)?$",
    )
});

/// "There are no trials showing it …", "nothing proves that …": the claim is denied.
static NO_EVIDENCE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:no|nothing|none|zero|not\s+(?:a\s+)?(?:single|one))\s+(?:[\p{L}-]+\s+){0,3}(?:showing|shows|proving|proves|suggesting|suggests|finding|found|that\s+(?:shows?|proves?|found))\s+(?:that\s+)?(?:it|they|this|these|[\p{L}-]+)?\s*$",
    )
});

fn has_negator(s: &str) -> bool {
    s.split_whitespace().any(|w| is_negator(&normalize_word(w)))
}

/// True when a verb right after `before` reads as an instruction to the reader: at the start of
/// its clause (after punctuation, a bullet or an emoji) or after a lead-in ("you should", "just").
fn is_imperative(before: &str) -> bool {
    let trimmed = before.trim_end();
    // A thread part's number ("2/5 Take …", "(3/7) Try …") starts a clause like punctuation.
    let trimmed = match THREAD_NUMBER.find(trimmed) {
        Some(m) => trimmed.get(..m.start()).unwrap_or("").trim_end(),
        None => trimmed,
    };
    // A reply's leading @handles start a clause too ("@mike take 400 mg …").
    let trimmed = match HANDLES.find(trimmed) {
        Some(m) => trimmed.get(..m.start()).unwrap_or("").trim_end(),
        None => trimmed,
    };
    match trimmed.chars().last() {
        None => true,
        Some(c) if !c.is_alphanumeric() => true,
        Some(_) => LEAD_IN.is_match(trimmed) && !REPORTED_INTENT.is_match(trimmed),
    }
}

/// "parents ask to skip …", "I was about to stop …", "she decided to quit …": an intent or a
/// request reported, not an instruction to the reader.
static REPORTED_INTENT: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:ask(?:s|ed|ing)?|about|(?:was|were|am|is|are|i['’]m|we['’]re)\s+going|tempted|planning|planned|plans|decided|deciding|threatened|threatening|tried|trying|begged|begging|wanted|wants|wanting|refused|refusing|pressured|pushing|pushed|urged)\s+(?:(?:me|us|him|her|them)\s+)?to$",
    )
});

// ---------------------------------------------------------------------------------------------
// Dosage instructions: amount + unit + directive
// ---------------------------------------------------------------------------------------------

static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?P<num>\d{1,2}/\d{1,2}|(?:\d{1,3}(?:[,\x{00A0}\x{202F}]\d{3})+|\d+)(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|half\s+an?|a\s+couple\s+of)(?:\s*(?:-|–|to)\s*(?P<num2>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?))?\s*(?P<unit>mg|milligrams?|mcg|µg|μg|ug|micrograms?|g|gm|grams?|iu|ius|i\.u\.|international\s+units|ml|milliliters?|millilitres?|tablets?|tabs|pills?|capsules?|caps|softgels?|gummies|drops|tsp|teaspoons?|tbsp|tablespoons?|scoops?|doses|units|capfuls?|(?:[\p{L}-]+\s+)?(?:tablets?|pills?|capsules?|softgels?|<OTC>)|<OTC>)(?:\b|$|\s)",
    )
});

/// Directive verbs that can introduce a dose.
static DOSE_VERB: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:take|taking|use|dose|try|add|swallow|chew|drink|consume|pop|inject|supplement\s+with|start\s+(?:with|at)|aim\s+for|load\s+(?:up\s+)?(?:on|with)|stack|give\s+(?:your\s+)?(?:kids?|child(?:ren)?|baby|toddler|him|her|them)|up\s+(?:it|your\s+dose)\s+to|increase\s+(?:it\s+|your\s+dose\s+)?to|bump\s+(?:it\s+)?up\s+to|go\s+up\s+to)\b",
    )
});

/// Upper-limit phrasing between the verb and the amount.
static DOSE_LIMIT: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:up\s+to|no\s+more\s+than|not\s+more\s+than|less\s+than|fewer\s+than|under|at\s+most|a\s+max(?:imum)?\s+of|max(?:imum)?|tops?\s+out\s+at|caps?\s+(?:out\s+)?at|limit\s+(?:is|of)|never\s+exceed|exceed)\b",
    )
});

/// A limit ("up to 4 g", "no more than two"), unless it is a titration ("work up to 6 g a
/// day"), which is an instruction to take that much.
fn limit_words(s: &str) -> bool {
    DOSE_LIMIT.is_match(s) && !RAMP_UP.is_match(s)
}

static RAMP_UP: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:work|working|worked|build|building|built|ramp|ramping|ramped|titrate|titrating|go|going|went|climb|climbing|move|moving|increase|increasing)\s+(?:\w+\s+)?up\s+to\b",
    )
});

/// A count of tablets before a strength: "8 of the 500 mg", "2 × 1000 mg".
static COUNT_OF_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?P<k>\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\s*(?:of\s+(?:the|my|your|those|these|them)|x|×)\s*$",
    )
});

/// Masses in words: "a gram a day", "a few grams of ferrous sulphate".
static WORD_GRAMS: LazyLock<Regex> = LazyLock::new(|| {
    helper(r"\b(?P<num>a\s+few|a\s+couple(?:\s+of)?|several|half\s+a|an?)\s+(?P<unit>grams?|gm)\b")
});

/// Directive verbs that are also nouns ("my stack", "the dose", "no use").
static NOUN_VERB: LazyLock<Regex> = LazyLock::new(|| helper(r"^(?:stack|dose|use|add|pop)$"));

/// "taking" is an instruction only after these ("try taking 400 mg").
static TAKING_DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:try|consider|start|begin|keep|recommend|suggest|i\s+recommend|worth|be|you\s+should\s+be)$",
    )
});

static TAKING_NEGATED: LazyLock<Regex> = LazyLock::new(|| helper(r"\b(?:avoid|stop|quit|skip)$"));

/// First-person lead-ins: an anecdote, not an instruction ("I take 5,000 IU daily").
static ANECDOTE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"(?:^|\b)(?:i|we)(?:['’]m|\s+am|['’]ve\s+been|\s+have\s+been|\s+also|\s+personally|\s+usually|\s+always|\s+now|\s+still|\s+just|\s+started|\s+start|\s+often|\s+typically|\s+sometimes)?$",
    )
});

static SCHEDULE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:daily|a\s+day|per\s+day|/\s*day|every\s+(?:day|morning|night|evening)|each\s+(?:day|morning|night)|before\s+bed(?:time)?|at\s+bedtime|at\s+night|in\s+the\s+(?:morning|evening)|twice|three\s+times|with\s+(?:meals|food|breakfast|lunch|dinner)|on\s+an\s+empty\s+stomach|before\s+(?:meals|workouts?|training)|by\s+mouth|every\s+(?:\d+\s+)?hours?|hourly|until\s+symptoms|stack|protocol|regimen)\b",
    )
});

static DESCRIPTIVE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:was|were|is\s+the|used|showed|shown|found|studied|given|participants|subjects|patients|trials?|stud(?:y|ies)|research|researchers|groups?|associated|linked|contains?|provides?|has|have|placebo|(?:is|are)\s+(?:about\s+|around\s+|roughly\s+|usually\s+|typically\s+|only\s+)?\d+)\b",
    )
});

/// A concentration measured in a lab ("160 mg/dL", "18 ng/mL"), not an amount to take.
static LAB_UNIT: LazyLock<Regex> =
    LazyLock::new(|| helper(r"^\s*/\s*(?:dl|l|ml|decilit(?:er|re))\b"));

/// Macronutrients named earlier in the post: grams there are food.
static MACROS_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:protein|fib(?:er|re)|carbs?|carbohydrates?|kcal|calories|macros|(?:added\s+|free\s+)?sugars?|saturated\s+fats?|salt|sodium)\b",
    )
});

/// Amounts of food rather than of a supplement or drug ("30 g of protein", "500 ml of water").
static FOOD: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^\s*(?:of\s+)?(?:[\p{L}-]+\s+)?(?:protein|fib(?:er|re)|carbs?|carbohydrates?|fats?|sugars?|water|coffee|espresso|tea|calories|kcal|salt|sodium|veg(?:gies|etables?)?|fruits?|berries|olive\s+oil|butter|honey|flour|oats|rice|pasta|nuts|seeds|greens|collagen|whey|electrolytes)\b",
    )
});

static PER_BODY_WEIGHT: LazyLock<Regex> = LazyLock::new(|| {
    helper(r"^\s*(?:per|/|a|each|for\s+every)\s*(?:kg|kilo(?:gram)?|lb|pound)s?\b")
});

/// Nutrients and drugs with a per-dose megadose threshold in mg (the default; the rule files'
/// `[[nutrient]]` tables are what the screen uses).
#[cfg(test)]
static NUTRIENT_LIMITS: LazyLock<Vec<(Regex, f64)>> = LazyLock::new(|| {
    [
        (r"\bvitamin\s*d3?\b|\bd3\b|\bcholecalciferol\b", 0.25),
        (r"\biron\b|\bferrous\b", 100.0),
        (r"\bzinc\b", 100.0),
        (r"\bmelatonin\b", 10.0),
        (r"\bselenium\b", 0.8),
        (r"\bvitamin\s*b6\b|\bpyridoxine\b", 200.0),
        (r"\bvitamin\s*a\b|\bretinol\b", 3.0),
        (r"\bniacin\b|\bvitamin\s*b3\b", 2000.0),
        (r"\bacetaminophen\b|\bparacetamol\b|\btylenol\b", 2000.0),
        (r"\bibuprofen\b|\badvil\b|\bmotrin\b", 1200.0),
        (r"\biodine\b|\bkelp\b", 1.1),
    ]
    .into_iter()
    .filter_map(|(p, mg)| compile(p).map(|re| (re, mg)))
    .collect()
});

/// Generic megadose limits when no known nutrient is named.
const MEGADOSE_IU: f64 = 10_000.0;
const MEGADOSE_MG: f64 = 20_000.0;
const MEGADOSE_COUNT: f64 = 5.0;
const MEGADOSE_OTC_COUNT: f64 = 3.0;

static OTC_NAME: LazyLock<Regex> = LazyLock::new(|| helper(r"\b<OTC>\b"));

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Iu,
    /// Mass, with the factor to milligrams.
    Mass(f64),
    /// Tablets, capsules, doses…
    Count,
    Other,
}

fn unit_kind(unit: &str) -> Unit {
    let u = unit
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    match u.as_str() {
        "iu" | "ius" | "i.u." | "international units" => Unit::Iu,
        "mg" | "milligram" | "milligrams" => Unit::Mass(1.0),
        "g" | "gm" | "gram" | "grams" => Unit::Mass(1000.0),
        "mcg" | "µg" | "μg" | "ug" | "microgram" | "micrograms" => Unit::Mass(0.001),
        "tablet" | "tablets" | "tabs" | "pill" | "pills" | "capsule" | "capsules" | "caps"
        | "softgel" | "softgels" | "gummies" | "doses" => Unit::Count,
        "capful" | "capfuls" => Unit::Count,
        _ if [
            "tablet",
            "pill",
            "capsule",
            "softgel",
            "aspirin",
            "advil",
            "tylenol",
            "ibuprofen",
            "motrin",
            "benadryl",
            "aleve",
            "nyquil",
            "unisom",
            "paracetamol",
            "excedrin",
            "sudafed",
            "zyrtec",
            "claritin",
            "imodium",
        ]
        .iter()
        .any(|w| u.ends_with(w) || u.ends_with(&format!("{w}s"))) =>
        {
            Unit::Count
        }
        _ => Unit::Other,
    }
}

fn parse_number(s: &str) -> Option<f64> {
    let lower = s.to_lowercase();
    let word = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    let v = match word.as_str() {
        "one" => 1.0,
        "a" | "an" => 1.0,
        "two" | "a couple of" | "a couple" => 2.0,
        "a few" | "several" => 3.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "half a" | "half an" => 0.5,
        _ if word.contains('/') => {
            let (a, b) = word.split_once('/')?;
            let (a, b) = (a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?);
            if b == 0.0 {
                return None;
            }
            a / b
        }
        _ => {
            let digits: String = s
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            digits.parse::<f64>().ok()?
        }
    };
    v.is_finite().then_some(v)
}

/// Largest char boundary ≤ `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Smallest char boundary ≥ `i`.
fn ceil_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Whether `value` of `unit` at the amount `ctx` (its start and end) is a megadose.
fn is_megadose(limits: &[(Regex, f64)], ctx: &Ctx<'_>, unit: Unit, value: f64) -> bool {
    let (text, clause, sentence, start, end) =
        (ctx.text, &ctx.clause, &ctx.sentence, ctx.start, ctx.end);
    let mg = match unit {
        // "50,000 IU once a week, not daily" is the prescription schedule for a deficiency.
        Unit::Iu if weekly_dose(sentence_and_next(ctx)) => return value / 7.0 >= MEGADOSE_IU,
        Unit::Iu => return value >= MEGADOSE_IU,
        // Three or more tablets of an over-the-counter medicine at once is past the label.
        Unit::Count if OTC_NAME.is_match(text.get(start..end).unwrap_or("")) => {
            return value >= MEGADOSE_OTC_COUNT;
        }
        // "She's on 14 tablets a day", no medicine named, is a list of prescriptions, not a dose.
        Unit::Count => {
            let regimen = text
                .get(..start)
                .is_some_and(|b| b.trim_end().to_ascii_lowercase().ends_with(" on"));
            return value >= MEGADOSE_COUNT
                && (!regimen
                    || !BARE_COUNT.is_match(text.get(start..end).unwrap_or(""))
                    || limits
                        .iter()
                        .any(|(re, _)| re.is_match(text.get(sentence.clone()).unwrap_or(""))));
        }
        Unit::Other => return false,
        Unit::Mass(factor) => value * factor,
    };
    // The nutrient named right after the amount ("10 mg of melatonin"), else before it in the
    // sentence ("Iodine protocol: 50 mg of Lugol's daily").
    let after_end = ceil_boundary(text, end.saturating_add(40).min(clause.end.max(end)));
    let before_start = floor_boundary(
        text,
        start.saturating_sub(40).max(sentence.start.min(start)),
    );
    // Each window stops at the next amount or list separator, so in "300 mg magnesium + 0.5 mg
    // melatonin" the 300 mg is magnesium's, not melatonin's.
    let after = text.get(end..after_end).unwrap_or("");
    let after = after
        .find(|c: char| c.is_ascii_digit() || matches!(c, '+' | '&' | ',' | ';' | '/'))
        .map_or(after, |i| &after[..i]);
    let before = text.get(before_start..start).unwrap_or("");
    // A separator only cuts when another amount stands before it: in "Zinc, 2 grams daily"
    // the zinc is the 2 grams'.
    let before = before
        .rfind(|c: char| c.is_ascii_digit() || matches!(c, '+' | '&' | ',' | ';' | '/'))
        .filter(|&i| {
            before.as_bytes()[i].is_ascii_digit() || before[..i].bytes().any(|b| b.is_ascii_digit())
        })
        .map_or(before, |i| &before[i + 1..]);
    // Failing that, the one nutrient the post names before the amount ("Niacin flush
    // protocol: start at 500 mg, work up to 6 grams a day").
    let only_named = || {
        let earlier = text.get(..start).unwrap_or("");
        let mut named = limits.iter().filter(|(re, _)| re.is_match(earlier));
        match (named.next(), named.next()) {
            (Some(n), None) => Some(n),
            _ => None,
        }
    };
    let named = limits
        .iter()
        .find(|(re, _)| re.is_match(after))
        .or_else(|| limits.iter().find(|(re, _)| re.is_match(before)))
        .or_else(only_named);
    match named {
        // "4 g a day" of paracetamol is the label's daily maximum, not a megadose at once.
        Some((re, limit))
            if DAILY_TOTAL.is_match(after) && re.is_match("paracetamol ibuprofen") =>
        {
            mg > *limit * 2.0
        }
        Some((_, limit)) => mg >= *limit,
        // Grams of food are a meal, not a dose ("200 g chicken, 150 g rice").
        None if FOOD_AFTER.is_match(after) => false,
        None => mg >= MEGADOSE_MG,
    }
}

static FAT_VITAMIN: LazyLock<Regex> =
    LazyLock::new(|| helper(r"\b(?:vitamin|vit)\s*[ade]\d?\b|\bd3\b|\bretinol\b"));
static LUGOL: LazyLock<Regex> = LazyLock::new(|| helper(r"\blugol\w*"));
const LUGOL_MG_PER_DROP: f64 = 6.25;
/// A child named in the amount's sentence: a megadose for a child is critical.
static CHILD_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:newborns?|infants?|bab(?:y|ies)|toddlers?|kids?|kiddos?|child(?:ren)?|little\s+ones?|(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)[- ](?:week|month|year)[- ]olds?|\d+\s*(?:yrs?|y/?o)|son|daughter)\b",
    )
});

/// An amount counted in bare tablets, capsules or doses, no medicine in the unit.
static BARE_COUNT: LazyLock<Regex> = LazyLock::new(|| {
    helper(r"^\S+\s*(?:tablets?|tabs|pills?|capsules?|caps|softgels?|gummies|doses)$")
});

/// The amount is named as a limit right after it: "4 g paracetamol = the MAX per day".
static AMOUNT_IS_LIMIT: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^\s*(?:of\s+)?(?:[\p{L}-]+\s+){0,2}(?:=|is|are|was|equals|causes)\s+(?:the|a|your|its)?\s*(?:absolute\s+|daily\s+|safe\s+)?(?:max(?:imum)?|upper\s+limit|limit|ceiling|most\s+you)\b",
    )
});

/// A weekly schedule that is not also called daily ("once a WEEK … Not daily").
fn weekly_dose(s: &str) -> bool {
    WEEKLY.is_match(s)
        && !NOT_WEEKLY.is_match(s)
        && (!DAILY_WORD.is_match(s) || NOT_DAILY.is_match(s))
}

static NOT_WEEKLY: LazyLock<Regex> = LazyLock::new(|| {
    helper(r"\b(?:not|never|no|isn['’]?t)\s+(?:once\s+a\s+week|weekly|a\s+week)\b")
});

static WEEKLY: LazyLock<Regex> =
    LazyLock::new(|| helper(r"\b(?:once\s+(?:a|per|every)|a|per|each|every)\s+week\b|\bweekly\b"));
static DAILY_WORD: LazyLock<Regex> =
    LazyLock::new(|| helper(r"\b(?:daily|a\s+day|per\s+day|every\s+day|each\s+day)\b"));
static NOT_DAILY: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:not|never|isn['’]?t|no)\s+(?:a\s+|an?\s+)?(?:daily|every\s+day|each\s+day)\b|\bdaily\W+(?:\w+\W+){0,3}?(?:no|not|never)\b",
    )
});

/// A daily total right after an amount ("4 g a day", "4 g total", "4 g in 24 hours").
static DAILY_TOTAL: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^[^.!?\n]{0,25}?\b(?:total|in\s+total|a\s+day|per\s+day|daily|each\s+day|every\s+day|in\s+(?:24|twenty-four)\s*(?:h|hrs?|hours)|per\s+(?:24|twenty-four)\s*(?:h|hrs?|hours))\b",
    )
});

/// Twice paracetamol's 4 g daily maximum.
const PAINKILLER_DAILY_FAR_PAST_MG: f64 = 8000.0;

/// The daily total of an amount taken "every N hours" (the longer interval of a range); `value`
/// already counts a multiplier written before it ("2 × 1000 mg", see `COUNT_OF_BEFORE`).
fn painkiller_daily_mg(text: &str, end: usize, unit: Unit, value: f64) -> Option<f64> {
    // A tablet of paracetamol or ibuprofen is taken as 500 mg (extra-strength paracetamol).
    let factor = match unit {
        Unit::Mass(factor) => factor,
        Unit::Count => 500.0,
        _ => return None,
    };
    let after = text
        .get(end..ceil_char(text, end.saturating_add(40)))
        .unwrap_or("");
    let every = EVERY_HOURS.captures(after)?;
    let hours = every
        .name("n2")
        .or(every.name("n"))
        .and_then(|n| n.as_str().parse::<f64>().ok())
        .filter(|h| *h > 0.0)?;
    Some(value * factor * 24.0 / hours)
}

static EVERY_HOURS: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^[^.!?\n]{0,20}?\bevery\s+(?P<n>\d{1,2})(?:\s*(?:-|–|to)\s*(?P<n2>\d{1,2}))?\s*(?:h|hrs?|hours)\b",
    )
});

/// Paracetamol or ibuprofen by any common name.
static PAINKILLER: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:paracetamol|acetaminophen|tylenol|panadol|calpol|ibuprofen|advil|motrin|nurofen)\b",
    )
});

/// Food or a macronutrient right after an amount.
static FOOD_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^\s*(?:of\s+)?(?:[\p{L}-]+\s+)?(?:protein|carbs?|carbohydrates?|fats?|fib(?:re|er)|sugars?|chicken|rice|beef|pasta|oats|porridge|potato(?:es)?|broccoli|veg(?:gies|etables)?|fish|salmon|tuna|eggs?|yog(?:h)?urts?|cheese|bread|fruit|berries|nuts|almonds|tofu|lentils|beans|quinoa|steak|turkey|pork|mince|flour|butter|milk|greek|cottage|spinach|kale|salad|meat)\b",
    )
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    /// "Take 5,000 IU daily": high.
    Imperative,
    /// "Take up to 4,000 IU a day": a limit, medium (a megadose limit is still raised).
    Limit,
    /// "I take 5,000 IU daily": medium.
    Anecdote,
    /// "Don't take more than 4,000 IU": medium, never raised.
    Negated,
    /// An amount with no verb the rules can read ("2,000 mg of zinc spread over the day"):
    /// medium, and a megadose is critical.
    Unclear,
}

fn directive_mode(before: &str, verb: &str) -> Option<Directive> {
    let trimmed = before.trim_end();
    let lower_verb = verb.to_lowercase();
    if lower_verb == "taking" {
        if TAKING_NEGATED.is_match(trimmed) || negated(before) {
            return Some(Directive::Negated);
        }
        if ANECDOTE.is_match(trimmed) || trimmed.to_lowercase().ends_with("been") {
            return Some(Directive::Anecdote);
        }
        return TAKING_DIRECTIVE
            .is_match(trimmed)
            .then_some(Directive::Imperative);
    }
    if FORGET_TO.is_match(trimmed) {
        return Some(Directive::Imperative);
    }
    if negated(before) {
        return Some(Directive::Negated);
    }
    if ANECDOTE.is_match(trimmed) {
        return Some(Directive::Anecdote);
    }
    is_imperative(before).then_some(Directive::Imperative)
}

/// "Linus Pauling took 18 g a day", "a man in Leeds was taking 150,000 IU": what someone else
/// took, told as a report (a case, a history). Held for a person, not rejected on its own.
fn reported_in_past(prefix: &str) -> bool {
    REPORTED_PAST
        .captures(prefix.trim_end())
        .and_then(|c| c.name("who"))
        .is_some_and(|who| {
            !matches!(
                who.as_str().to_lowercase().as_str(),
                "i" | "we" | "you" | "u" | "just" | "then" | "and" | "so"
            )
        })
}

static REPORTED_PAST: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"(?:^|[^\p{L}'’])(?P<who>[\p{L}'’]+)\s+(?:took|was\s+taking|were\s+taking|had\s+been\s+taking|had\s+taken|swallowed|ingested)(?:\s+(?:about|around|over|nearly|almost|up\s+to))?$",
    )
});

/// "Been on 10 mg …", "I'm on 50 mg …", "my routine is 3 g …": the writer's own amount.
static ON_ANECDOTE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"(?:^|\b)(?:(?:i['’]?ve\s+)?been\s+on|(?:i['’]m|i\s+am|we['’]re|currently)\s+(?:on|at|taking|using)|my\s+(?:routine|stack|dose|protocol|regimen)\s+(?:is|was)|i\s+(?:use|used|do|did|took))$",
    )
});

/// A post about a prescription the care team manages ("my GP bumped me to 40 mg of
/// atorvastatin", "on the 0.5 mg dose of Ozempic? Asking before I call my endo"), a trial's
/// arms ("2,000 IU/day vs placebo"), a question to others, or one that sends readers to their
/// doctor: an ordinary amount there is reported, not prescribed to the reader.
fn own_prescription(text: &str, start: usize, end: usize) -> bool {
    let near = text
        .get(floor_char(text, start.saturating_sub(40))..ceil_char(text, end + 40))
        .unwrap_or("");
    PRESCRIBER.is_match(text)
        || PRESCRIBED_DRUG.is_match(near)
        || (text.contains('?') && ASKING_OTHERS.is_match(text))
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

static PRESCRIBER: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:my|our|her|his)\s+(?:<PROS>|pcp|endo\w*)\b|\b(?:cardiologist|doctor|gp|endo\w*|psychiatrist)\s+(?:is\s+)?(?:happy|wants|bumped|put|started|switched|increased|lowered|raised|checked|changed|adjusted)\b|\bplacebo\b",
    )
});

static PRESCRIBED_DRUG: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b[\p{L}]{3,}(?:pril|olol|statin|sartan|formin|dipine|glutide)\b|\b(?:levo|levothyroxine|synthroid|ozempic|wegovy|mounjaro|metformin|hiv\s+treatment|antiretrovirals?)\b",
    )
});

static ASKING_OTHERS: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:anyone\s+else|is\s+anyone|does\s+anyone|has\s+anyone|can\s+someone|could\s+someone|asking\s+(?:because|bc|since|before|for)|is\s+(?:it|this)\s+normal)\b",
    )
});

/// The catch-all dosage rule: an amount the rules cannot clear.
const AMOUNT_RULE: &str = "dose.amount";

/// The amount an overdose warning names ("if you've taken more than 4 g"): never an amount to
/// take, whatever the rest of the sentence says.
static OVERDOSE_IF: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\bif\s+(?:you|someone|anyone|they|he|she|your\s+[\p{L}]+|a\s+[\p{L}]+)(?:['’]ve|\s+have|\s+has|['’]s)?\s+(?:taken|had|swallowed|took|ate|eaten|drunk|drank|used)\s+(?:more\s+than|over|above|at\s+least|in\s+excess\s+of)\s*$",
    )
});

static ADMINISTERED: LazyLock<Regex> =
    LazyLock::new(|| helper(r"\b(?:infusions?|intravenous(?:ly)?|iv|drip|injections?|injected)\b"));

static ORDERED_BY_CARE: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:ha?ematology|hospital|ward|clinic|consultant|<PROS>)\s+(?:ordered|prescribed|arranged|booked|gave)\b|\b(?:ordered|prescribed|arranged)\s+(?:it|them|by)\b",
    )
});

static PILLS_CUT_DOWN: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"^\s*(?:(?:pills?|tablets?|meds|medications|medicines)\s+)?(?:a|per)\s+day\s+(?:down|reduced|cut)\s+to\b",
    )
});

/// Amounts stated as a population figure or a guideline limit, not as something to take.
static AMOUNT_CLEARED: LazyLock<Regex> = LazyLock::new(|| {
    helper(
        r"\b(?:average|guidelines?|rda|upper\s+limit|limit|considered\s+safe|recommended\s+(?:limit|intake|daily)|most\s+studies|studies\s+use|as\s+(?:you\s+|they\s+|she\s+|he\s+)?(?:prescribed|directed)|(?:was|were|got|been|is|am)\s+prescribed|prescribed\s+(?:by|me|us|him|her)|per\s+(?:the\s+)?label|only\s+with\s+a\s+prescription|guidance|per\s+(?:the\s+)?(?:nhs|cdc|who|aap|nice|leaflet|package\s+insert)|for\s+adults|(?:doctor|gp|physician|pharmacist|endo\w*)\s+(?:prescribed|recommended)|max(?:imum)?\s+(?:of\s+)?[\d,.]+\s*(?:mg|g|mcg|iu)\s+(?:a|per)\s+day|(?:is|are)\s+(?:the\s+)?(?:recommended|advised)|should\s+be\s+prescribed|recommended\s+(?:dose|amount)|(?:years?|months?|decades?)\s+of\s+(?:one|a|two|\d+)\s+(?:tablets?|pills?|capsules?)\s+a\s+day|standard\s+(?:advice|dose|dosing|guidance)|as\s+(?:your|the|my|his|her)\s+(?:<PROS>|gp|doc)\s+(?:prescribed|prescribes|directed|advised|recommended)|no\s+more\s+than\s+[\d,.]+\s*(?:mg|g|mcg|iu)\s+(?:a|per|in)\s+(?:day|24\s*(?:hours|hrs|h))|label\s+check|(?:put|puts|take|takes|push|pushes|tip|tips)\s+you\s+over)\b",
    )
});

fn dosage_hits(set: &RuleSet, text: &str, seg: &Segments, out: &mut Vec<RuleHit>) {
    for caps in AMOUNT
        .captures_iter(text)
        .chain(WORD_GRAMS.captures_iter(text))
    {
        let (Some(m), Some(num), Some(unit_m)) = (caps.get(0), caps.name("num"), caps.name("unit"))
        else {
            continue;
        };
        let amount_start = m.start();
        let amount_end = unit_m.end();
        let Some(mut value) = parse_number(num.as_str()) else {
            continue;
        };
        let near = text
            .get(
                floor_char(text, amount_start.saturating_sub(40))
                    ..ceil_boundary(text, amount_end.saturating_add(40)),
            )
            .unwrap_or("");
        let unit = match unit_kind(unit_m.as_str()) {
            // "Fifty thousand units of vitamin A": units of a fat-soluble vitamin are IU.
            Unit::Other
                if unit_m.as_str().eq_ignore_ascii_case("units") && FAT_VITAMIN.is_match(near) =>
            {
                Unit::Iu
            }
            // A drop of Lugol's 5% solution carries about 6.25 mg of iodine.
            Unit::Other
                if unit_m.as_str().eq_ignore_ascii_case("drops") && LUGOL.is_match(near) =>
            {
                value *= LUGOL_MG_PER_DROP;
                Unit::Mass(1.0)
            }
            u => u,
        };
        if let Some(v2) = caps.name("num2").and_then(|n| parse_number(n.as_str())) {
            value = value.max(v2);
        }
        // "Take 8 of the 500 mg Tylenol", "2 × 1000 mg": that many at once.
        if let Some(k) = COUNT_OF_BEFORE
            .captures(
                text.get(floor_char(text, amount_start.saturating_sub(16))..amount_start)
                    .unwrap_or(""),
            )
            .and_then(|c| c.name("k"))
            .and_then(|k| parse_number(k.as_str()))
        {
            value *= k;
        }
        let rest = text.get(amount_end..).unwrap_or("");
        if FOOD.is_match(rest) || LAB_UNIT.is_match(rest) {
            continue;
        }
        // Grams in a post about macronutrients ("Protein: 1.6 g/kg … 80 kg lifter ≈ 130 g").
        if unit == Unit::Mass(1000.0)
            && MACROS_BEFORE.is_match(text.get(..amount_start).unwrap_or(""))
        {
            continue;
        }
        // Grams per kg of body weight are macronutrient targets ("1.6 g per kg" of protein).
        if unit == Unit::Mass(1000.0) && PER_BODY_WEIGHT.is_match(rest) {
            continue;
        }

        let ctx = Ctx::new(text, seg, amount_start, amount_end);
        let prefix = ctx.prefix();
        let clause_text = text.get(ctx.clause.clone()).unwrap_or("");

        // The nearest directive verb before the amount, at most five words away.
        let verb = DOSE_VERB.find_iter(prefix).last().filter(|v| {
            prefix
                .get(v.end()..)
                .is_some_and(|gap| gap.split_whitespace().count() <= 5)
        });

        let directive = verb.and_then(|v| {
            directive_mode(prefix.get(..v.start()).unwrap_or(""), v.as_str()).map(|m| (v, m))
        });
        // A verb that is also a noun ("my morning stack 50,000 IU …", "the daily dose") is no
        // directive there: the amount is read as if no verb stood before it.
        // A reported amount ("people who heal take 60,000 IU daily") is still read when it is
        // far past the limit: there the amount is the claim, whoever takes it.
        if verb.is_some()
            && directive.is_none()
            && !verb.is_some_and(|v| NOUN_VERB.is_match(v.as_str()))
            && !is_megadose(&set.nutrients, &ctx, unit, value / 2.0)
        {
            continue;
        }
        // An ordinary amount of a prescription the care team manages, reported (not a megadose).
        let reported_rx = own_prescription(text, amount_start, amount_end)
            && !is_megadose(&set.nutrients, &ctx, unit, value);
        let (mode, span_start, rule, why) = if let Some((v, mut mode)) = directive {
            let gap = prefix.get(v.end()..).unwrap_or("");
            if mode == Directive::Imperative && limit_words(gap) {
                mode = Directive::Limit;
            }
            let (rule, why) = match mode {
                Directive::Imperative => (
                    "dose.instruction",
                    "instructs readers to take a specific dose",
                ),
                Directive::Anecdote => ("dose.anecdote", "personal dose that readers may copy"),
                Directive::Limit | Directive::Negated | Directive::Unclear => {
                    ("dose.limit", "tells readers a dose limit without context")
                }
            };
            (
                mode,
                ctx.clause.start.min(amount_start) + v.start(),
                rule,
                why,
            )
        } else {
            let starts_clause = !prefix.chars().any(char::is_alphanumeric);
            let after_amount = text
                .get(amount_end..ctx.clause.end.max(amount_end))
                .unwrap_or("");
            if starts_clause
                && SCHEDULE.is_match(after_amount)
                && !DESCRIPTIVE.is_match(clause_text)
                && !AMOUNT_CLEARED.is_match(text.get(ctx.sentence.clone()).unwrap_or(""))
                && !OVERDOSE_IF.is_match(prefix)
            {
                (
                    Directive::Imperative,
                    amount_start,
                    "dose.fragment",
                    "states a dose and schedule as an instruction",
                )
            } else if !matches!(
                unit_m.as_str().to_ascii_lowercase().as_str(),
                "doses"
                    | "units"
                    | "ml"
                    | "milliliters"
                    | "millilitres"
                    | "milliliter"
                    | "millilitre"
            ) && !DESCRIPTIVE.is_match(text.get(ctx.sentence.clone()).unwrap_or(""))
                && !AMOUNT_CLEARED.is_match(text.get(ctx.sentence.clone()).unwrap_or(""))
                && !OVERDOSE_IF.is_match(prefix)
                && !limit_words(&last_words(prefix, 4).join(" "))
                && !care_hedged(&ctx)
                && !reported_rx
            {
                // Strict mode: an amount of a supplement or drug that the rules cannot clear
                // waits for a person (a catch-all, dropped when a specific rule speaks).
                let mode = if ON_ANECDOTE.is_match(prefix.trim_end()) {
                    Directive::Anecdote
                } else {
                    Directive::Unclear
                };
                (
                    mode,
                    amount_start,
                    AMOUNT_RULE,
                    "names an amount of a supplement or drug (a person must check it)",
                )
            } else {
                continue;
            }
        };

        let sentence = text.get(ctx.sentence.clone()).unwrap_or("");
        let after = text.get(amount_end..).unwrap_or("");
        // The amount an overdose warning names ("if you've taken more than 4 g"), a dose given
        // in hospital ("1000 mg ferric carboxymaltose … haematology ordered it") and a count of
        // pills cut down ("11 pills a day down to 6") are no megadose to copy.
        let given_in_care = ADMINISTERED.is_match(sentence) && ORDERED_BY_CARE.is_match(text);
        let mega = is_megadose(&set.nutrients, &ctx, unit, value)
            && !OVERDOSE_IF.is_match(prefix)
            && !given_in_care
            && !PILLS_CUT_DOWN.is_match(after);
        // An amount no verb explains, or the writer's own, is critical only when it is far past
        // the limit.
        let far_past = matches!(mode, Directive::Unclear | Directive::Anecdote)
            && mega
            && !reported_in_past(prefix)
            && (is_megadose(&set.nutrients, &ctx, unit, value / 2.0)
                // A painkiller past its daily maximum ("6 grams of Tylenol a day").
                || (PAINKILLER.is_match(text.get(ctx.sentence.clone()).unwrap_or(""))
                    && DAILY_TOTAL.is_match(
                        text.get(amount_end..ctx.clause.end.max(amount_end))
                            .unwrap_or(""),
                    )));
        let mut level = match mode {
            Directive::Imperative => RiskLevel::High,
            Directive::Limit | Directive::Anecdote | Directive::Negated | Directive::Unclear => {
                RiskLevel::Medium
            }
        };
        let (mut rule, mut why) = (rule, why);
        let mega = mega
            && !AMOUNT_IS_LIMIT.is_match(
                text.get(amount_end..ctx.clause.end.max(amount_end))
                    .unwrap_or(""),
            );
        if mega && mode != Directive::Negated {
            let for_a_child = mode != Directive::Limit
                && CHILD_NAMED.is_match(text.get(ctx.sentence.clone()).unwrap_or(""));
            level = if far_past || for_a_child {
                RiskLevel::Critical
            } else if mode == Directive::Unclear {
                RiskLevel::High
            } else {
                level.raise()
            };
            rule = "dose.megadose";
            why = "instructs or models a megadose";
        }
        // "2 g every 4 hours" of paracetamol is 12 g a day, three times the daily maximum.
        if !matches!(mode, Directive::Negated | Directive::Limit)
            && PAINKILLER.is_match(text.get(ctx.sentence.clone()).unwrap_or(""))
            && painkiller_daily_mg(text, amount_end, unit, value)
                .is_some_and(|mg| mg >= PAINKILLER_DAILY_FAR_PAST_MG)
        {
            level = RiskLevel::Critical;
            rule = "dose.megadose";
            why = "a painkiller at a frequency far past its daily maximum";
        }
        let hit_ctx = Ctx::new(text, seg, span_start, amount_end);
        if care_hedged(&hit_ctx) {
            level = level.lower().max(RiskLevel::Medium);
        }
        let Some(span) = text.get(span_start..amount_end) else {
            continue;
        };
        out.push(RuleHit {
            category: Category::Dosage,
            level,
            start: span_start,
            end: amount_end,
            text: span.to_string(),
            rule: rule.to_string(),
            why: why.to_string(),
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Merging
// ---------------------------------------------------------------------------------------------

/// Joins overlapping hits of the same category: the highest level wins (its rule and reason are
/// kept) and the span becomes the union, so one claim is reported once.
fn merge(text: &str, mut hits: Vec<RuleHit>) -> Vec<RuleHit> {
    hits.sort_by_key(|h| (h.category, h.start, h.end));
    let mut out: Vec<RuleHit> = Vec::with_capacity(hits.len());
    for hit in hits {
        match out.last_mut() {
            Some(last) if last.category == hit.category && hit.start < last.end => {
                let end = last.end.max(hit.end);
                if hit.level > last.level {
                    last.level = hit.level;
                    last.rule = hit.rule;
                    last.why = hit.why;
                }
                last.end = end;
                last.text = text.get(last.start..last.end).unwrap_or("").to_string();
            }
            _ => out.push(hit),
        }
    }
    out.sort_by_key(|h| (h.start, h.end, h.category));
    out
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use Category::*;
    use RiskLevel::*;

    /// These tests are about the phrase rules: the word model on top of them is tested in
    /// `tests/guard_lexical.rs`.
    fn screen(text: &str) -> Screen {
        screen_rules_only(&active(), text)
    }

    /// (text, expected categories, expected level)
    const TABLE: &[(&str, &[Category], RiskLevel)] = &[
        // ---- Hedged and educational: must pass clean ----
        ("Magnesium may help some people sleep better.", &[], Low),
        (
            "Talk to your doctor before changing any medication.",
            &[],
            Low,
        ),
        (
            "Studies suggest that walking after meals can lower blood sugar spikes.",
            &[],
            Low,
        ),
        (
            "Research suggests creatine is well tolerated in healthy adults.",
            &[],
            Low,
        ),
        ("Sleep is associated with better mood.", &[], Low),
        (
            "There is no cure for type 1 diabetes, but insulin lets people live full lives.",
            &[],
            Low,
        ),
        (
            "Vaccines do not cause autism; dozens of studies found no link.",
            &[],
            Low,
        ),
        (
            "Myth: vaccines cause autism. Fact: large studies found no link.",
            &[],
            Low,
        ),
        (
            "Don't stop taking your statins without talking to your doctor.",
            &[],
            Low,
        ),
        ("Studies used 3 g per day of creatine.", &[], Low),
        (
            "A 200 mg coffee has about as much caffeine as two espressos.",
            &[],
            Low,
        ),
        (
            "If you stop taking statins, your LDL will likely rise.",
            &[],
            Low,
        ),
        (
            "Evidence is mixed on whether fish oil helps joint pain.",
            &[],
            Low,
        ),
        ("Walking may help lower blood pressure.", &[], Low),
        (
            "Some people find that cold showers boost their mood.",
            &[],
            Low,
        ),
        ("Ask your doctor before changing your dose.", &[], Low),
        (
            "Consult a professional if chest pain lasts more than a few minutes.",
            &[],
            Low,
        ),
        (
            "Don't ignore chest pain; call emergency services.",
            &[],
            Low,
        ),
        ("No supplement is 100% safe for everyone.", &[], Low),
        ("Cured meats are high in sodium.", &[], Low),
        ("Nothing is guaranteed, but consistency helps.", &[], Low),
        (
            "Exercise is linked to a lower risk of heart disease.",
            &[],
            Low,
        ),
        ("Prevention is better than cure.", &[], Low),
        (
            "Researchers are still searching for a cure for Alzheimer's.",
            &[],
            Low,
        ),
        (
            "Sunscreen does not cause skin cancer; UV exposure does.",
            &[],
            Low,
        ),
        ("Many patients stop taking statins within a year.", &[], Low),
        ("Magnesium may help reverse insulin resistance.", &[], Low),
        ("Eat 30 g of protein at breakfast to stay full.", &[], Low),
        ("You don't need antibiotics for a cold.", &[], Low),
        (
            "Fluoride is toxic at very high doses, which is why water levels are capped.",
            &[],
            Low,
        ),
        // ---- Cure and absolute claims ----
        ("Vitamin D cures depression.", &[CureClaim], Critical),
        ("Turmeric eliminates anxiety.", &[CureClaim], High),
        ("Creatine is 100% safe for everyone.", &[CureClaim], High),
        ("This supplement has no side effects.", &[CureClaim], High),
        ("Ashwagandha is a miracle herb.", &[CureClaim], Medium),
        (
            "Research suggests turmeric cures cancer.",
            &[CureClaim],
            High,
        ),
        ("Garlic kills cancer cells.", &[CureClaim], High),
        ("Clinically proven to boost immunity.", &[CureClaim], Medium),
        (
            "I reversed my type 2 diabetes with keto.",
            &[CureClaim],
            Critical,
        ),
        ("Apple cider vinegar is a cure-all.", &[CureClaim], High),
        // ---- Dosage ----
        (
            "Take 10,000 IU of vitamin D every day.",
            &[Dosage],
            Critical,
        ),
        ("Take 5,000 IU of vitamin D daily.", &[Dosage], High),
        ("800 mg of magnesium before bed.", &[Dosage], High),
        ("Double your dose if you feel tired.", &[Dosage], Critical),
        ("Take 2 tablets with breakfast.", &[Dosage], High),
        ("Take 8 capsules a day.", &[Dosage], Critical),
        (
            "I take 5,000 IU of vitamin D every morning.",
            &[Dosage],
            Medium,
        ),
        (
            "Take 5,000 IU of vitamin D daily, but talk to your doctor first.",
            &[Dosage],
            Medium,
        ),
        (
            "Don't take more than 4,000 IU of vitamin D a day without medical advice.",
            &[Dosage],
            Medium,
        ),
        ("💊 Take 2 tablets 🌙 before bed 🙏", &[Dosage], High),
        (
            "You should take 20 mg of melatonin every night.",
            &[Dosage],
            Critical,
        ),
        // ---- Prescriptive advice ----
        (
            "Stop taking your statins and eat more butter.",
            &[PrescriptiveAdvice],
            Critical,
        ),
        (
            "Ditch your antidepressants and try journaling.",
            &[PrescriptiveAdvice],
            Critical,
        ),
        (
            "You don't need insulin if you eat keto.",
            &[PrescriptiveAdvice],
            Critical,
        ),
        ("You don’t need insulin.", &[PrescriptiveAdvice], Critical),
        (
            "Skip chemo and try a juice cleanse instead.",
            &[PrescriptiveAdvice],
            Critical,
        ),
        (
            "Use beet juice instead of your blood pressure meds.",
            &[PrescriptiveAdvice],
            Critical,
        ),
        (
            "No need to see a doctor for chest pain, just rest.",
            &[PrescriptiveAdvice],
            Critical,
        ),
        (
            "Ignore your chest pain and push through the workout.",
            &[PrescriptiveAdvice],
            High,
        ),
        (
            "Self-diagnose your ADHD with this quiz.",
            &[PrescriptiveAdvice],
            High,
        ),
        // ---- Promised outcomes ----
        (
            "Cold plunges will prevent every cold this winter.",
            &[PromisedOutcome],
            High,
        ),
        (
            "This tea will make you lose 10 lbs in a week.",
            &[PromisedOutcome],
            High,
        ),
        (
            "You will never get sick again with this routine.",
            &[PromisedOutcome],
            High,
        ),
        (
            "In 7 days you'll have the energy of a teenager.",
            &[PromisedOutcome],
            High,
        ),
        ("This diet works for everyone.", &[PromisedOutcome], High),
        (
            "Stretch every morning and your back pain will be gone for good.",
            &[PromisedOutcome],
            High,
        ),
        (
            "You'll feel amazing after this morning routine.",
            &[PromisedOutcome],
            Medium,
        ),
        (
            "This protocol is guaranteed to reverse type 2 diabetes in 30 days.",
            &[CureClaim, PromisedOutcome],
            Critical,
        ),
        // ---- Against consensus ----
        ("Vaccines cause autism.", &[AgainstConsensus], Critical),
        ("VACCINES CAUSE AUTISM!!!", &[AgainstConsensus], Critical),
        (
            "Vaccines do more harm than good.",
            &[AgainstConsensus],
            Critical,
        ),
        ("Sunscreen causes cancer.", &[AgainstConsensus], Critical),
        (
            "Vaccines cause more harm than the diseases they prevent.",
            &[AgainstConsensus],
            Critical,
        ),
        (
            "2/5 Take 5,000 IU of vitamin D daily if you live up north.",
            &[Dosage],
            High,
        ),
        (
            "Zone 2 cardio will add 10 years to your life.",
            &[PromisedOutcome],
            High,
        ),
        ("HIV doesn't cause AIDS.", &[AgainstConsensus], Critical),
        ("Fluoride is poison.", &[AgainstConsensus], Critical),
        ("Depression is a choice.", &[AgainstConsensus], Critical),
        (
            "What doctors don't want you to know about fasting.",
            &[AgainstConsensus],
            Medium,
        ),
        // ---- Framing: questions, reports, anecdotes, limits ----
        // A plain yes/no question asks; it is dropped after the rules (sixteenth pass), where a
        // rhetorical one ("Did you know …?") stays held.
        ("Does magnesium cure insomnia?", &[], Low),
        (
            // Answered in the next sentence (issue 11): not a claim.
            "Do vaccines cause autism? No. Here is why.",
            &[],
            Low,
        ),
        (
            "Many people believe vaccines cause autism, but they don't.",
            &[],
            Low,
        ),
        ("Some claim vaccines cause autism. They don't.", &[], Low),
        // A vital medicine stopped by the patient (rx.stop_story_vital, rx.vital_stopped):
        // critical, as the labelling policy and the labelled sets rate it, with or without the
        // success; with the care team, or told as a mistake, it is not.
        (
            "I stopped taking my antidepressants and feel great.",
            &[PrescriptiveAdvice],
            Critical,
        ),
        (
            "I stopped taking my antidepressants last year.",
            &[PrescriptiveAdvice],
            Critical,
        ),
        (
            "My psychiatrist and I tapered my antidepressants last year.",
            &[],
            Low,
        ),
        (
            "Never stop antidepressants cold turkey; taper with your prescriber.",
            &[],
            Low,
        ),
        (
            "Stop taking your statins, but talk to your doctor first.",
            &[PrescriptiveAdvice],
            High,
        ),
        ("No need to see a doctor for a mild cold.", &[], Low),
        ("Antibiotics don't work on viruses.", &[], Low),
        ("You can take up to 4,000 IU a day.", &[Dosage], Medium),
        ("Tip: take 3 g of fish oil with dinner.", &[Dosage], High),
        // Weekly is the prescription schedule for a deficiency: held for a person, not rejected.
        ("Take 50,000 IU of vitamin D once a week.", &[Dosage], High),
        ("Take 50,000 IU of vitamin D daily.", &[Dosage], Critical),
        ("Aim for 1.6 g of protein per kg of body weight.", &[], Low),
        ("Exercise beats depression.", &[CureClaim], High),
        (
            "Cold exposure will boost your dopamine.",
            &[PromisedOutcome],
            Medium,
        ),
        (
            "1/ Stop taking your statins.",
            &[PrescriptiveAdvice],
            Critical,
        ),
        // ---- Mixed ----
        (
            "Magnesium may help you sleep. Vitamin C cures cancer.",
            &[CureClaim],
            Critical,
        ),
        (
            "Stop your blood pressure meds; garlic is guaranteed to work.",
            &[PrescriptiveAdvice, PromisedOutcome],
            Critical,
        ),
    ];

    /// Families of safe wording that used to be held or rejected (deference to the care team,
    /// quoted claims answered, news, pro-treatment statements, negated orders, prescriptions a
    /// clinician manages), each next to an unsafe twin that must still be held or rejected.
    #[test]
    fn safe_families_pass_and_their_twins_do_not() {
        let safe = [
            "Vaccines did nothing wrong, they save lives.",
            "Skip water for 6 hours before surgery only if your anaesthetist tells you to.",
            "Before you call 911, make sure you know your address.",
            "I'm not going to tell you to stop your meds because I saw a reel. Nobody should.",
            "\"Insulin is a scam for type 2s\" — no. Many people with type 2 eventually need insulin.",
            "@wellnessguru you wrote 'fasting cures cancer.' Which trial?",
            "Three people treated for argyria after months of drinking homemade colloidal silver, dermatologists write.",
            "Court orders supplement company to pay $2.1M for falsely claiming its drops 'cure' diabetes.",
            "Sungazing is trending again. Staring at the sun causes solar retinopathy, which means permanent blind spots.",
            "Honey for infants is a hard no. Infant botulism is rare but serious.",
            "My GP bumped me from 20 mg to 40 mg of atorvastatin after my last panel.",
            "If you might get pregnant, 400 micrograms of folic acid daily is recommended, ideally before conception.",
            "Ten years undetectable. Ten years of one tablet a day. Thank you, science.",
            "My consultant and I agreed to taper my prednisolone over 6 weeks. Down to 5 mg now.",
            "Is anyone else getting weird dreams on the 0.5 mg dose of Ozempic? Asking before I call my endo.",
            "The newborn vitamin K shot prevents a rare but devastating bleeding disorder.",
            "My grandma was told to stop her blood thinners by a 'wellness coach' and had a stroke. Please, listen to your doctors.",
            "@gymbro_jay 50k IU of D daily isn't a normal dose, man.",
        ];
        for text in safe {
            let s = screen(text);
            assert_eq!(s.level, Low, "{text:?}: {:?}", s.hits);
        }
        let unsafe_twins = [
            "Vaccines did nothing but cause autism in my son.",
            "Skip water for 3 days to flush your kidneys.",
            "Before you call 911, chew a pinch of cayenne and wait an hour.",
            "I'm telling you to stop your meds. I saw a reel.",
            "\"Insulin is a scam for type 2s\" — exactly. Ditch it.",
            "Drink colloidal silver every day to kill any infection.",
            "Sungazing at sunrise resets your hormones. Start with 10 minutes.",
            "Give your baby honey for a cough.",
            "Stroke signs? Prick all ten fingertips with a sewing needle BEFORE calling anyone.",
        ];
        for text in unsafe_twins {
            let s = screen(text);
            assert!(s.level >= High, "{text:?}: {:?}", s.hits);
        }
    }

    #[test]
    fn table_of_phrasings() {
        assert!(TABLE.len() >= 40);
        let mut failures = Vec::new();
        for &(text, cats, level) in TABLE {
            let s = screen(text);
            let mut want: Vec<Category> = cats.to_vec();
            want.sort();
            if s.categories() != want || s.level != level {
                failures.push(format!(
                    "{text:?}\n   want {want:?} {level}\n   got  {:?} {}\n   hits {:#?}",
                    s.categories(),
                    s.level,
                    s.hits
                        .iter()
                        .map(|h| (h.rule.as_str(), h.level, h.text.as_str()))
                        .collect::<Vec<_>>()
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn without_rules_every_post_is_held_never_passed() {
        let set = RuleSet::unavailable("the built-in guard rules did not load: test");
        for text in [
            "Walked 10,000 steps today and drank 2 litres of water.",
            "Flu jabs are free at pharmacies this week.",
            "Honestly just stop your insulin, I did.",
        ] {
            let s = screen_with(&set, text);
            assert!(s.level >= High, "{text:?}: {:?}", s.hits);
            let hit = s
                .hits
                .iter()
                .find(|h| h.rule == "guard.rules_unavailable")
                .expect("the unavailable hit");
            assert_eq!((hit.start, hit.end), (0, text.len()));
            assert!(hit.why.contains("did not load: test"), "{}", hit.why);
        }
        assert_eq!(active().unavailable_reason(), None);
    }

    #[test]
    fn every_rule_compiles() {
        assert!(active().rules.len() >= 50);
        for p in [
            &*CLAUSE_DELIM,
            &*SOFT_HEDGE,
            &*CARE_HEDGE,
            &*DEBUNK,
            &*CONDITIONAL,
            &*LEAD_IN,
            &*FORGET_TO,
            &*SECOND_PERSON,
            &*RESEARCH,
            &*MEDICAL_SUBJECT,
            &*MOTIVE,
            &*PRESCRIBER,
            &*WARNING,
            &*OVERDOSE_IF,
            &*ADMINISTERED,
            &*ORDERED_BY_CARE,
            &*PILLS_CUT_DOWN,
            &*CURED_FOOD,
            &*DOSE_LIMIT_QUALIFIER,
            &*ANTIBIOTICS_FOR_VIRUS,
            &*AMOUNT,
            &*DOSE_VERB,
            &*TAKING_DIRECTIVE,
            &*TAKING_NEGATED,
            &*ANECDOTE,
            &*SCHEDULE,
            &*DESCRIPTIVE,
            &*FOOD,
            &*PER_BODY_WEIGHT,
            &*DOSE_LIMIT,
            &*MINOR_AILMENT,
            &*ATTRIBUTED,
            &*YES_NO_QUESTION,
            &*URGENT,
            &*STOP_WENT_WRONG,
            &*AMOUNT_CLEARED,
            &*NEGATED_STOP,
            &*IRONY,
        ] {
            // The never-matching fallback means a pattern failed to compile.
            assert_ne!(p.as_str(), NEVER);
        }
        assert_eq!(NUTRIENT_LIMITS.len(), 11);
    }

    fn check_spans(text: &str, s: &Screen) {
        for h in &s.hits {
            assert!(text.is_char_boundary(h.start), "{h:?}");
            assert!(text.is_char_boundary(h.end), "{h:?}");
            assert!(h.start < h.end, "{h:?}");
            assert_eq!(Some(h.text.as_str()), text.get(h.start..h.end));
        }
        assert!(s.hits.windows(2).all(|w| w[0].start <= w[1].start));
        let max = s.hits.iter().map(|h| h.level).max().unwrap_or(Low);
        assert_eq!(s.level, max);
    }

    #[test]
    fn span_text_equals_slice() {
        for &(text, _, _) in TABLE {
            check_spans(text, &screen(text));
        }
        let s = screen("Honestly, vitamin D cures depression.");
        let hit = &s.hits[0];
        assert_eq!(hit.text, "cures depression");
        assert_eq!(
            &"Honestly, vitamin D cures depression."[hit.start..hit.end],
            hit.text
        );
    }

    #[test]
    fn spans_on_char_boundaries_with_emoji_cjk_rtl() {
        let text = "🔥🔥 你好！ مرحبا بالعالم Vitamin D cures depression 💊 שלום עולם. \
                    Take 10,000 IU of vitamin D every day 🌞 — 日本語テキスト. \
                    ‏Stop taking your statins‏ and 👨‍👩‍👧 vaccines cause autism 🙃";
        let s = screen(text);
        check_spans(text, &s);
        assert_eq!(
            s.categories(),
            vec![CureClaim, Dosage, PrescriptiveAdvice, AgainstConsensus]
        );
        assert_eq!(s.level, Critical);

        // Screen every char-boundary prefix and suffix: no panics, spans always valid.
        let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for &i in &bounds {
            let (a, b) = text.split_at(i);
            check_spans(a, &screen(a));
            check_spans(b, &screen(b));
        }
    }

    #[test]
    fn curly_apostrophes_and_case() {
        assert_eq!(screen("HIV DOESN’T CAUSE AIDS").level, Critical);
        assert_eq!(screen("You don’t need your insulin").level, Critical);
        assert_eq!(screen("Don’t stop taking your meds.").level, Low);
        assert_eq!(screen("In 7 days you’ll feel brand new").level, High);
    }

    #[test]
    fn hedge_elsewhere_does_not_neutralise() {
        let s = screen("Studies suggest sleep matters. Turmeric cures cancer.");
        assert_eq!(s.level, Critical);
        let s = screen("Magnesium may help sleep; this tea cures insomnia.");
        assert_eq!(s.level, High);
        let s = screen("Studies suggest vitamin D. Vitamin D cures depression.");
        assert_eq!(s.level, Critical);
        let s = screen("Magnesium may help with sleep and insomnia.");
        assert_eq!(s.level, Low);
    }

    #[test]
    fn odd_inputs_never_panic() {
        let long_word = "a".repeat(5000);
        let inputs = [
            "",
            " ",
            "\n\n\n",
            ".",
            "...!!!???",
            "\u{0}\u{7}\u{1b}[31m red \u{1b}[0m",
            "5",
            "10,000",
            "take",
            "Take 5",
            "Take 5,000,000,000,000,000,000,000,000,000 IU",
            "Take 1.2.3.4 mg",
            "Take ½ tablet",
            "cure",
            "¿Cura el cáncer? 治愈癌症。",
            "İSTANBUL ΣΊΣΥΦΟΣ ß ﬁ",
            "\u{202E}sesuac senicca V\u{202C}",
            long_word.as_str(),
        ];
        for t in inputs {
            let s = screen(t);
            check_spans(t, &s);
        }
        assert_eq!(screen("").level, Low);
        assert!(screen("").hits.is_empty());
        assert!(screen("   ").is_clean());
    }

    #[test]
    fn ten_kilobyte_input() {
        let chunk = "Walking may help lower blood pressure. Vitamin D cures depression. \
                     Take 5,000 IU of vitamin D daily. 你好 🌞 ";
        let mut text = String::new();
        while text.len() < 10 * 1024 {
            text.push_str(chunk);
        }
        let started = std::time::Instant::now();
        let _ = screen("warm up the lazily compiled rules");
        let warm = started.elapsed();
        let started = std::time::Instant::now();
        let s = screen(&text);
        let elapsed = started.elapsed();
        eprintln!(
            "rules compiled in {warm:?}; screened {} bytes in {elapsed:?}",
            text.len()
        );
        check_spans(&text, &s);
        assert_eq!(s.level, Critical);
        assert!(s.hits.len() >= 2 * (text.len() / chunk.len()));
    }

    #[test]
    fn deterministic() {
        let text = "Take 10,000 IU of vitamin D every day. Vaccines cause autism.";
        assert_eq!(screen(text), screen(text));
    }

    #[test]
    fn hits_carry_rule_and_reason() {
        let s = screen("Stop taking your statins.");
        let h = &s.hits[0];
        assert_eq!(h.category, PrescriptiveAdvice);
        assert_eq!(h.rule, "rx.stop_treatment");
        assert!(!h.why.is_empty());
        assert_eq!(h.text, "Stop taking your statins");
    }

    #[test]
    fn dosage_descriptions_are_not_instructions() {
        for t in [
            "Participants took 5 g per day for twelve weeks.",
            "Most trials gave 400 mg of magnesium.",
            "The upper limit for adults is 4,000 IU a day.",
            "A 200 mg coffee before training.",
            "Creatine: 3-5 g a day is the dose used in most studies.",
        ] {
            assert!(screen(t).is_clean(), "{t:?} -> {:?}", screen(t).hits);
        }
    }

    #[test]
    fn levels_and_categories_round_trip() {
        for l in RiskLevel::ALL {
            assert_eq!(RiskLevel::parse(l.as_str()), Some(l));
            assert_eq!(RiskLevel::parse(&l.as_str().to_uppercase()), Some(l));
            assert_eq!(l.to_string(), l.as_str());
            let json = serde_json::to_string(&l).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", l.as_str()));
        }
        assert_eq!(RiskLevel::parse("severe"), None);
        assert!(Low < Medium && Medium < High && High < Critical);
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert!(!c.label().is_empty());
        }
        assert_eq!(CureClaim.label(), "absolute or cure claim");
        let s = screen("Vaccines cause autism.");
        let json = serde_json::to_string(&s).unwrap_or_default();
        assert!(json.contains("\"against_consensus\"") && json.contains("\"critical\""));
        let back: Screen = serde_json::from_str(&json).unwrap_or(Screen {
            hits: vec![],
            level: Low,
        });
        assert_eq!(back, s);
    }

    #[test]
    fn disclaimer_fits_in_280_chars() {
        assert_eq!(
            with_disclaimer("Sleep matters.", 280).as_deref(),
            Some("Sleep matters. Not medical advice.")
        );
        assert_eq!(with_disclaimer("", 280).as_deref(), Some(DISCLAIMER));
        // 260 + 1 + 19 = 280 fits exactly; 261 does not.
        let fits = "a".repeat(260);
        assert_eq!(
            with_disclaimer(&fits, 280).map(|s| s.chars().count()),
            Some(280)
        );
        assert_eq!(with_disclaimer(&"a".repeat(261), 280), None);
        // Chars, not bytes: 260 emoji are 1040 bytes but still fit.
        let emoji = "🌞".repeat(260);
        let out = with_disclaimer(&emoji, 280);
        assert_eq!(out.as_ref().map(|s| s.chars().count()), Some(280));
        assert!(out.is_some_and(|s| s.len() > 280));
        // Already there: unchanged.
        let done = "Sleep matters. Not medical advice.";
        assert_eq!(with_disclaimer(done, 280).as_deref(), Some(done));
        assert_eq!(
            with_disclaimer("Sleep matters (not medical advice)", 280).as_deref(),
            Some("Sleep matters (not medical advice)")
        );
        assert_eq!(
            with_disclaimer("Sleep matters #NotMedicalAdvice", 10).as_deref(),
            Some("Sleep matters #NotMedicalAdvice")
        );
        // Trailing whitespace is not doubled.
        assert_eq!(
            with_disclaimer("Sleep matters.  \n", 280).as_deref(),
            Some("Sleep matters. Not medical advice.")
        );
    }
}
