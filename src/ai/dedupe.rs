//! Near-duplicate check for the plan job's gate chain (spec section 5: "near-duplicate check
//! against the last 14 days").
//!
//! Pure and deterministic: texts are normalised (case, URLs, mentions, hashtags, punctuation),
//! cut into word 3-gram shingles hashed with FNV-1a, and compared with the Jaccard index.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// Similarity at or above which a candidate counts as a near-duplicate of a recent post.
pub const NEAR_DUPLICATE_THRESHOLD: f64 = 0.6;

/// Shingle width in words.
const SHINGLE_WORDS: usize = 3;

static URL: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|co|io|ly|me|gov|edu|health|info)/\S*",
    )
});

static MENTION: LazyLock<Regex> = LazyLock::new(|| pattern(r"@[\p{L}\p{N}_]+"));

fn pattern(p: &str) -> Regex {
    // Constant patterns; fall back to a never-matching regex rather than panic.
    Regex::new(p).unwrap_or_else(|_| never_matches())
}

fn never_matches() -> Regex {
    Regex::new(r"[^\s\S]").expect("constant regex")
}

/// Lowercases, removes URLs and @mentions, keeps hashtag words without `#`, drops apostrophes
/// (so "don't" stays one word), turns other punctuation and emoji into spaces and collapses
/// whitespace.
pub fn normalize(text: &str) -> String {
    let without_urls = URL.replace_all(text, " ");
    let without_mentions = MENTION.replace_all(&without_urls, " ");
    let mut out = String::with_capacity(without_mentions.len());
    for c in without_mentions.chars() {
        if matches!(c, '\'' | '’' | 'ʼ') {
            continue;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// FNV-1a, 64-bit: fixed and platform-independent, unlike `DefaultHasher`.
fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .into_iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

/// Hashed word 3-gram shingles of the normalised text; texts of fewer than three words use their
/// single words. An empty text has no shingles.
pub fn shingles(text: &str) -> HashSet<u64> {
    let norm = normalize(text);
    let words: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
    if words.len() < SHINGLE_WORDS {
        return words.iter().map(|w| fnv1a(w.bytes())).collect();
    }
    words
        .windows(SHINGLE_WORDS)
        .map(|gram| {
            // A separator byte that never occurs in a normalised word keeps grams unambiguous.
            fnv1a(gram.iter().enumerate().flat_map(|(i, w)| {
                let sep = (i > 0).then_some(0x1f_u8);
                sep.into_iter().chain(w.bytes())
            }))
        })
        .collect()
}

fn jaccard(a: &HashSet<u64>, b: &HashSet<u64>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// Jaccard similarity of the two texts' shingles, in `[0, 1]`: 1.0 for identical normalised
/// texts, 0.0 when both are empty (nothing to compare is not a duplicate).
pub fn similarity(a: &str, b: &str) -> f64 {
    jaccard(&shingles(a), &shingles(b))
}

/// The most similar recent text: its position in `recent` and the similarity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NearDuplicate {
    /// Index into the `recent` sequence.
    pub index: usize,
    /// Jaccard similarity in `[0, 1]`.
    pub similarity: f64,
}

/// The recent text most similar to `candidate` (the first one on ties); `None` when `recent` is
/// empty.
pub fn most_similar<'a>(
    candidate: &str,
    recent: impl IntoIterator<Item = &'a str>,
) -> Option<NearDuplicate> {
    let cand = shingles(candidate);
    let mut best: Option<NearDuplicate> = None;
    for (index, text) in recent.into_iter().enumerate() {
        let similarity = jaccard(&cand, &shingles(text));
        if best.is_none_or(|b| similarity > b.similarity) {
            best = Some(NearDuplicate { index, similarity });
        }
    }
    best
}

/// `Some` when the most similar recent text reaches [`NEAR_DUPLICATE_THRESHOLD`].
pub fn is_near_duplicate<'a>(
    candidate: &str,
    recent: impl IntoIterator<Item = &'a str>,
) -> Option<NearDuplicate> {
    most_similar(candidate, recent).filter(|d| d.similarity >= NEAR_DUPLICATE_THRESHOLD)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POST: &str = "Walking for ten minutes after each meal can blunt blood sugar spikes, \
                        and most people can fit it into a lunch break without any equipment.";

    #[test]
    fn normalize_strips_noise() {
        assert_eq!(
            normalize("Hey @alice_01, READ this: https://t.co/xyz #Sleep!!  It’s   great 🌞"),
            "hey read this sleep its great"
        );
        assert_eq!(
            normalize("see www.example.com/page and example.org/x ok"),
            "see and ok"
        );
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("  ...  "), "");
        assert_eq!(normalize("Ünïcödé ΣΊΣΥΦΟΣ 你好"), "ünïcödé σίσυφοσ 你好");
    }

    #[test]
    fn identical_texts() {
        assert_eq!(similarity(POST, POST), 1.0);
        assert_eq!(similarity("Sleep.", "sleep"), 1.0);
        assert_eq!(similarity("", ""), 0.0);
        assert_eq!(similarity("", POST), 0.0);
    }

    #[test]
    fn case_punctuation_and_urls_ignored() {
        let noisy = "#WALKING for ten minutes after each meal can blunt blood-sugar spikes... \
                     and most people can fit it into a lunch break without any equipment! \
                     https://example.com/walk @coach";
        assert_eq!(similarity(POST, noisy), 1.0);
    }

    #[test]
    fn reworded_near_copy_is_a_duplicate() {
        let near = "Walking for ten minutes after each meal can blunt blood sugar spikes, \
                    and most people can fit it into a short lunch break with no equipment.";
        let s = similarity(POST, near);
        assert!(s >= NEAR_DUPLICATE_THRESHOLD, "{s}");
        let d = is_near_duplicate(near, [POST]);
        assert_eq!(d.map(|d| d.index), Some(0));
    }

    #[test]
    fn unrelated_text_is_not() {
        let other = "Strength training twice a week protects bone density as we age, \
                     especially for women after menopause.";
        let s = similarity(POST, other);
        assert!(s < 0.2, "{s}");
        assert_eq!(is_near_duplicate(other, [POST]), None);
    }

    #[test]
    fn most_similar_picks_the_best_and_first_on_ties() {
        let recent = [
            "Totally unrelated post about hydration and electrolytes.",
            POST,
            POST,
        ];
        let best = most_similar(POST, recent);
        assert_eq!(best.map(|d| d.index), Some(1));
        assert_eq!(best.map(|d| d.similarity), Some(1.0));
        assert_eq!(most_similar(POST, []), None);
        assert_eq!(is_near_duplicate(POST, []), None);
        let owned: Vec<String> = vec!["x y z".into(), POST.into()];
        assert_eq!(
            is_near_duplicate(POST, owned.iter().map(String::as_str)).map(|d| d.index),
            Some(1)
        );
    }

    #[test]
    fn shingles_are_deterministic_and_short_texts_use_words() {
        assert_eq!(shingles(POST), shingles(POST));
        assert_eq!(shingles("Sleep well").len(), 2);
        assert_eq!(shingles("one two three four").len(), 2);
        assert!(shingles("").is_empty());
        // Fixed hash: stable across runs and platforms.
        assert_eq!(fnv1a(*b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(*b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn similarity_is_symmetric_and_bounded() {
        let texts = ["", "a", "a b", POST, "🌞🌞🌞", "a b c d e f", "f e d c b a"];
        for a in texts {
            for b in texts {
                let s = similarity(a, b);
                assert!((0.0..=1.0).contains(&s));
                assert_eq!(s, similarity(b, a));
            }
        }
    }
}
