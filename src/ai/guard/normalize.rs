//! Text normalisation before the rules match, with a byte map back to the original so that
//! every hit's span points at the text the operator wrote.
//!
//! Steps, in order:
//! 1. Per character: default-ignorable and format characters (zero-width spaces and joiners,
//!    soft hyphens, bidi controls, variation selectors) are dropped; NFKC folds fullwidth and
//!    mathematical alphanumerics ("Ｔａｋｅ", "𝐜𝐮𝐫𝐞𝐬"); a letter that is still not ASCII is
//!    replaced by its UTS #39 confusable skeleton when that is ASCII (Cyrillic "о", Greek "ο"),
//!    with accents stripped ("naïve"); everything is lower-cased.
//!    (`unicode-normalization` and `unicode-security`, both from the unicode-rs project.)
//! 2. Leetspeak: a digit or symbol between two letters is the letter it stands for
//!    ("k1lls", "v@ccines", "r3v3rs3s"); a "*" for the vowel of a known risk word ("fl*sh").
//! 3. Spaced-out letters: three or more single characters separated by one space, hyphen, dot or
//!    underscore are one word ("c u r e s", "c-u-r-e-s"); two spaces separate words.
//! 4. Text-speak and symbols, whole words only: "ur" → "your", "rx" → "prescription",
//!    "bp" → "blood pressure", "wk" → "week", "50k" → "50000", "2x" → "twice", "vaxx" →
//!    "vaccine", "&" → "and", an arrow or a free-standing "=" → "causes", " > " → "better than".

use unicode_normalization::UnicodeNormalization;

/// The normalised text and, for each of its bytes, the original byte range it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The text the rules match against.
    pub text: String,
    starts: Vec<usize>,
    ends: Vec<usize>,
    original_len: usize,
}

/// One character of the text being folded, with the original byte range it stands for.
#[derive(Debug, Clone, Copy)]
struct Item {
    c: char,
    start: usize,
    end: usize,
}

impl Normalized {
    /// Normalises `original` (see the module comment).
    pub fn new(original: &str) -> Normalized {
        let items = fold_chars(original);
        let items = unmask_vowels(fold_leet(items));
        let items = join_spaced(items);
        let items = text_speak(items);
        let mut text = String::with_capacity(items.len());
        let mut starts = Vec::with_capacity(items.len());
        let mut ends = Vec::with_capacity(items.len());
        for it in items {
            text.push(it.c);
            for _ in 0..it.c.len_utf8() {
                starts.push(it.start);
                ends.push(it.end);
            }
        }
        Normalized {
            text,
            starts,
            ends,
            original_len: original.len(),
        }
    }

    /// The original byte range of the normalised range `start..end` (both on char boundaries of
    /// the original). An empty or out-of-range span maps to an empty range.
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        if start >= end || start >= self.starts.len() {
            let at = self.starts.get(start).copied().unwrap_or(self.original_len);
            return (at, at);
        }
        let end = end.min(self.ends.len());
        let s = self.starts[start];
        let e = self.ends[end - 1].max(s);
        (s, e)
    }
}

fn push_str(out: &mut Vec<Item>, s: &str, start: usize, end: usize) {
    for c in s.chars() {
        for l in c.to_lowercase() {
            out.push(Item { c: l, start, end });
        }
    }
}

fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Step 1: ignorables dropped, NFKC, confusable skeletons, lower case.
fn fold_chars(original: &str) -> Vec<Item> {
    let mut out = Vec::with_capacity(original.len());
    for (start, c) in original.char_indices() {
        let end = start + c.len_utf8();
        if c.is_ascii() {
            out.push(Item {
                c: c.to_ascii_lowercase(),
                start,
                end,
            });
            continue;
        }
        if is_combining_mark(c) {
            continue;
        }
        // Trade and copyright marks end a word ("Protocol™"), they are not letters.
        if matches!(c, '™' | '®' | '©' | '℠') {
            push_str(&mut out, " ", start, end);
            continue;
        }
        let nfkc: String = std::iter::once(c).nfkc().collect();
        if !nfkc.is_empty() && nfkc.is_ascii() {
            push_str(&mut out, &nfkc, start, end);
            continue;
        }
        let skeleton: String = unicode_security::skeleton(&c.to_string())
            .filter(|c| !is_combining_mark(*c))
            .collect();
        if skeleton.is_empty() {
            // A default-ignorable or format character: zero-width, soft hyphen, bidi control.
            continue;
        }
        let base = if nfkc.chars().count() == 1 { &nfkc } else { "" };
        let letter = base.chars().next().unwrap_or(c);
        if letter.is_alphabetic() && skeleton.is_ascii() && skeleton.len() <= 2 {
            push_str(&mut out, &skeleton, start, end);
        } else if letter.is_alphabetic() {
            push_str(&mut out, &letter.to_string(), start, end);
        } else {
            out.push(Item { c, start, end });
        }
    }
    out
}

fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        '|' => 'l',
        '¥' => 'y',
        '€' => 'e',
        _ => return None,
    })
}

/// Step 2: a digit or symbol between two ASCII letters is the letter it stands for; an "@"
/// that starts a word after another word is an "a" ("c@use @utism"; a reply's leading
/// @handles stay); a letter o between digits is a zero ("1OO%", "2OOOmg").
fn fold_leet(mut items: Vec<Item>) -> Vec<Item> {
    let letter = |it: Option<&Item>| it.is_some_and(|it| it.c.is_ascii_alphabetic());
    let digit = |it: Option<&Item>| it.is_some_and(|it| it.c.is_ascii_digit());
    for i in 1..items.len().saturating_sub(1) {
        // The digits before must start a token: "h2o2" is a formula, not a number.
        let mut d = i;
        while d > 0 && items[d - 1].c.is_ascii_digit() {
            d -= 1;
        }
        let token_start = d == 0 || !items[d - 1].c.is_alphanumeric();
        if items[i].c == 'o' && digit(items.get(i - 1)) && token_start {
            let mut j = i + 1;
            while items.get(j).is_some_and(|it| it.c == 'o') {
                j += 1;
            }
            let tail_ok = digit(items.get(j))
                || items.get(j).is_none_or(|it| !it.c.is_ascii_alphanumeric())
                || matches!(items.get(j).map(|it| it.c), Some('m' | 'i' | 'k' | 'g'));
            // "5Ok IU": one o before a thousands "k" that ends the token.
            let thousands = items.get(j).is_some_and(|it| it.c == 'k')
                && items
                    .get(j + 1)
                    .is_none_or(|it| !it.c.is_ascii_alphanumeric());
            // "1OO", "2OOOmg", "1OO%": a run after a digit; "2 on" or "10om" are not numbers.
            if tail_ok && j - i >= 1 && (j - i >= 2 || digit(items.get(j)) || thousands) {
                for it in &mut items[i..j] {
                    it.c = '0';
                }
            }
        }
    }
    // Currency signs are never punctuation inside a word: "Dr¥" is "dry" at a word's end too.
    for i in 1..items.len() {
        if matches!(items[i].c, '¥' | '€') && letter(items.get(i - 1)) {
            items[i].c = if items[i].c == '¥' { 'y' } else { 'e' };
        }
    }
    // Mid-text "@word": the previous non-space token is an ordinary word (not a handle).
    let mut prev_word_is_handle = true;
    let mut in_word = false;
    for i in 0..items.len() {
        let c = items[i].c;
        if c.is_whitespace() {
            in_word = false;
            continue;
        }
        if !in_word {
            in_word = true;
            if c == '@' {
                let next_letter = letter(items.get(i + 1));
                if !prev_word_is_handle && next_letter {
                    items[i].c = 'a';
                    prev_word_is_handle = false;
                } else {
                    prev_word_is_handle = true;
                }
                continue;
            }
            prev_word_is_handle = false;
        }
    }
    for i in 1..items.len().saturating_sub(1) {
        if let Some(l) = leet(items[i].c) {
            // Runs of symbols between letters ("c00l") are folded one at a time, left to right.
            let before = letter(items.get(i - 1));
            let mut j = i + 1;
            while items.get(j).is_some_and(|it| leet(it.c).is_some()) {
                j += 1;
            }
            if before && letter(items.get(j)) {
                items[i].c = l;
            }
        }
    }
    items
}

/// Words whose vowel is starred out to dodge filters ("fl*sh", "v*ccines", "ch*mo"): a "*"
/// between letters is the vowel that makes one of these words; any other "*" stays.
const MASKED_WORDS: &[&str] = &[
    "flush",
    "insulin",
    "vaccine",
    "vaccines",
    "vaccinated",
    "chemo",
    "meds",
    "cure",
    "cures",
    "cured",
    "kill",
    "kills",
    "stop",
    "quit",
    "pills",
    "drugs",
    "cancer",
    "autism",
    "poison",
    "statins",
    "toss",
    "ditch",
    "dump",
    "jab",
    "jabs",
    "covid",
];

/// Step 2b: one "*" standing for a vowel inside a word ("fl*sh em" is "flush em").
fn unmask_vowels(mut items: Vec<Item>) -> Vec<Item> {
    let letter = |c: char| c.is_ascii_alphabetic();
    for i in 1..items.len().saturating_sub(1) {
        if items[i].c != '*' || !letter(items[i - 1].c) || !letter(items[i + 1].c) {
            continue;
        }
        let mut s = i;
        while s > 0 && letter(items[s - 1].c) {
            s -= 1;
        }
        let mut e = i + 1;
        while e < items.len() && letter(items[e].c) {
            e += 1;
        }
        let found = ['a', 'e', 'i', 'o', 'u'].into_iter().find(|&v| {
            let w: String = items[s..e]
                .iter()
                .map(|x| if x.c == '*' { v } else { x.c })
                .collect();
            MASKED_WORDS.contains(&w.as_str())
        });
        if let Some(v) = found {
            items[i].c = v;
        }
    }
    items
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Step 3: "c u r e s", "c-u-r-e-s", "c.u.r.e.s" → "cures".
fn join_spaced(items: Vec<Item>) -> Vec<Item> {
    let n = items.len();
    let word = |i: usize| items.get(i).is_some_and(|it| is_word_char(it.c));
    let sep = |i: usize| {
        items
            .get(i)
            .is_some_and(|it| matches!(it.c, ' ' | '-' | '.' | '_'))
    };
    // A single-character token at i: a word char with no word char on either side.
    // A word char or an apostrophe before i: the "t" of "don't" is not a spaced letter.
    let glued = |i: usize| i > 0 && (word(i - 1) || matches!(items[i - 1].c, '\'' | '’'));
    let single = |i: usize| word(i) && !glued(i) && !word(i + 1);
    let mut drop = vec![false; n];
    let mut i = 0;
    while i < n {
        // A run starts at a letter: in "6 g a day" the amount's digit is no spaced letter (the
        // run "g a" is then too short to join).
        if !single(i) || items[i].c.is_ascii_digit() {
            i += 1;
            continue;
        }
        // Extend the run: single, sep, single, sep, … ("D o n ' t": an apostrophe spaced like
        // the letters stays, the spaces around it go).
        let apostrophe = |j: usize| items.get(j).is_some_and(|it| matches!(it.c, '\'' | '’'));
        let mut last = i;
        let mut count = 1;
        let mut sep_char = None;
        let mut seps = Vec::new();
        loop {
            let s = match items.get(last + 1) {
                Some(it) if sep(last + 1) => it.c,
                _ => break,
            };
            if sep_char.is_some_and(|c| c != s) {
                break;
            }
            if single(last + 2) {
                seps.push(last + 1);
                last += 2;
            } else if apostrophe(last + 2)
                && items.get(last + 3).is_some_and(|it| it.c == s)
                && single(last + 4)
            {
                seps.extend([last + 1, last + 3]);
                last += 4;
            } else {
                break;
            }
            sep_char = Some(s);
            count += 1;
        }
        if count >= 3 {
            for k in seps {
                drop[k] = true;
            }
            i = last + 1;
        } else {
            // "type 2 d.i.a.b.e.t.e.s": a short run may be followed by a real one.
            i += 1;
        }
    }
    items
        .into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(it, _)| it)
        .collect()
}

/// Whole-word replacements (already lower case).
fn replacement(word: &str, next: &str) -> Option<&'static str> {
    Some(match word {
        "ur" => "your",
        "u" => "you",
        "b4" => "before",
        "nite" => "night",
        "thru" => "through",
        "tho" => "though",
        "pls" | "plz" => "please",
        "ppl" => "people",
        "cuz" | "coz" | "bc" => "because",
        "abt" => "about",
        "rx" => "prescription",
        "bp" => "blood pressure",
        "wk" => "week",
        "wks" => "weeks",
        "wkly" => "weekly",
        "hr" => "hour",
        "hrs" => "hours",
        "yrs" => "years",
        "doc" => "doctor",
        "docs" => "doctors",
        "dr" if next == " " => "doctor",
        "meds" => "meds",
        "vax" | "vaxx" | "vaxxine" | "vaxine" => "vaccine",
        "vaxes" | "vaxxes" | "vaxxines" | "vaxines" => "vaccines",
        "vaxxed" | "vaxed" => "vaccinated",
        "2x" => "twice",
        "3x" => "three times",
        "4x" => "four times",
        "l8r" => "later",
        "2day" => "today",
        "2nite" => "tonight",
        "mag" => "magnesium",
        "vit" | "vits" => "vitamin",
        "ashwa" => "ashwagandha",
        "r" => "are",
        "n" => "and",
        "gonna" => "going to",
        "wanna" => "want to",
        "gotta" => "have to",
        "4ever" => "forever",
        "t2d" | "t2dm" => "type 2 diabetes",
        "t1d" => "type 1 diabetes",
        "hbp" => "high blood pressure",
        "abx" => "antibiotics",
        "dont" => "don't",
        "doesnt" => "doesn't",
        "cant" => "can't",
        // Code-switching (Spanglish): the commonest health words, accents already folded.
        "vacuna" => "vaccine",
        "vacunas" => "vaccines",
        "cura" => "cures",
        "curo" => "cured",
        "curar" => "cure",
        "causa" => "causes",
        "causan" => "cause",
        "autismo" => "autism",
        "antibioticos" => "antibiotics",
        "insulina" => "insulin",
        "quimio" | "quimioterapia" => "chemo",
        "medicinas" | "medicamentos" => "medicines",
        "pastillas" => "pills",
        "las" | "los" => "the",
        "nunca" => "never",
        _ => return None,
    })
}

/// Step 4: text-speak, thousands, arrows and symbols.
fn text_speak(items: Vec<Item>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::with_capacity(items.len() + 16);
    let n = items.len();
    let mut i = 0;
    let push = |out: &mut Vec<Item>, s: &str, start: usize, end: usize| {
        for c in s.chars() {
            out.push(Item { c, start, end });
        }
    };
    while i < n {
        let it = items[i];
        // Arrows and a free-standing "=" stand for "causes"; " > " for "better than".
        let arrow_len = match (it.c, items.get(i + 1).map(|x| x.c)) {
            ('-', Some('>')) | ('=', Some('>')) => 2,
            ('→' | '⇒' | '➡' | '⟶' | '➔' | '⇨', _) => 1,
            ('=', _) => 1,
            _ => 0,
        };
        if arrow_len > 0 {
            let end = items[i + arrow_len - 1].end;
            // "2 doses of MMR = 97% protection": before a number "=" is "equals".
            let before_number = arrow_len == 1
                && it.c == '='
                && items[i + 1..]
                    .iter()
                    .find(|x| !x.c.is_whitespace())
                    .is_some_and(|x| x.c.is_ascii_digit());
            let word = if before_number {
                " equals "
            } else {
                " causes "
            };
            push(&mut out, word, it.start, end);
            i += arrow_len;
            continue;
        }
        let spaced = |j: usize| j >= n || items[j].c.is_whitespace();
        if it.c == '>' && i > 0 && spaced(i - 1) && spaced(i + 1) {
            push(&mut out, "better than", it.start, it.end);
            i += 1;
            continue;
        }
        if it.c == '&' && i > 0 && spaced(i - 1) && spaced(i + 1) {
            push(&mut out, "and", it.start, it.end);
            i += 1;
            continue;
        }
        if !is_word_char(it.c) {
            out.push(it);
            i += 1;
            continue;
        }
        // A word: alphanumerics (and a "/" inside, for "w/", "w/o", "b/c").
        let mut j = i;
        while j < n && is_word_char(items[j].c) {
            j += 1;
        }
        if j < n && items[j].c == '/' && j - i == 1 {
            let mut k = j + 1;
            while k < n && items[k].c.is_ascii_alphabetic() {
                k += 1;
            }
            let w: String = items[i..k].iter().map(|x| x.c).collect();
            let rep = match w.as_str() {
                "w/" => Some("with "),
                "w/o" => Some("without"),
                "b/c" => Some("because"),
                _ => None,
            };
            if let Some(rep) = rep {
                push(&mut out, rep, it.start, items[k - 1].end);
                i = k;
                continue;
            }
        }
        let word: String = items[i..j].iter().map(|x| x.c).collect();
        let next: String = items.get(j).map(|x| x.c.to_string()).unwrap_or_default();
        let (start, end) = (it.start, items[j - 1].end);
        let after_modal = || {
            let tail: String = out.iter().rev().take(8).map(|x| x.c).collect();
            let tail: String = tail.chars().rev().collect();
            let prev = tail
                .trim_end()
                .rsplit([' ', '\'', '’'])
                .next()
                .unwrap_or("");
            matches!(
                prev,
                "will" | "ll" | "to" | "can" | "could" | "would" | "should" | "must" | "might"
            )
        };
        if word == "b" && after_modal() {
            // "ur acne will b gone": "b" is "be" only after a modal ("vitamin b" stays).
            push(&mut out, "be", start, end);
        } else if let Some(rep) = replacement(&word, &next) {
            push(&mut out, rep, start, end);
        } else if word == "4" && next_word(&items, j).is_some_and(is_for_object) {
            push(&mut out, "for", start, end);
        } else if let Some(num) = thousands(&word) {
            push(&mut out, &num, start, end);
        } else if let Some((v, from)) = scaled_number(&out, &word) {
            // "fifty thousand units" (already "50 thousand"), "three hundred thousand", "a
            // thousand IU": the amount in digits, spanning the words it came from.
            let first = out[from].start;
            out.truncate(from);
            push(&mut out, &v.to_string(), first, end);
        } else if let Some(v) = number_word(&word) {
            // "twenty-one" is one number; "one" alone stays a word ("no one", "this one").
            let unit = (v >= 20 && v % 10 == 0 && items.get(j).is_some_and(|x| x.c == '-'))
                .then(|| {
                    let mut k = j + 1;
                    while k < n && is_word_char(items[k].c) {
                        k += 1;
                    }
                    let w: String = items[j + 1..k].iter().map(|x| x.c).collect();
                    unit_word(&w).map(|u| (u, k))
                })
                .flatten();
            match unit {
                Some((u, k)) => {
                    push(&mut out, &(v + u).to_string(), start, items[k - 1].end);
                    i = k;
                    continue;
                }
                None if v > 1 => push(&mut out, &v.to_string(), start, end),
                None => out.extend_from_slice(&items[i..j]),
            }
        } else {
            out.extend_from_slice(&items[i..j]);
        }
        i = j;
    }
    out
}

/// "hundred" or "thousand" after a number already in digits (or after "a"): the number
/// multiplied, and where it starts in `out`.
fn scaled_number(out: &[Item], word: &str) -> Option<(u64, usize)> {
    let factor: u64 = match word {
        "hundred" => 100,
        "thousand" => 1000,
        _ => return None,
    };
    let mut k = out.len();
    if k == 0 || out[k - 1].c != ' ' {
        return None;
    }
    k -= 1;
    let end = k;
    while k > 0 && out[k - 1].c.is_ascii_digit() {
        k -= 1;
    }
    let value = if k < end {
        let digits: String = out[k..end].iter().map(|x| x.c).collect();
        digits.parse::<u64>().ok()?
    } else if k >= 1 && out[k - 1].c.eq_ignore_ascii_case(&'a') {
        k -= 1;
        1
    } else {
        return None;
    };
    // The number must be a word of its own: "b2 hundred" is no amount.
    if k > 0 && out[k - 1].c.is_alphanumeric() {
        return None;
    }
    value.checked_mul(factor).map(|v| (v, k))
}

fn next_word(items: &[Item], mut j: usize) -> Option<String> {
    if items.get(j).is_none_or(|x| x.c != ' ') {
        return None;
    }
    j += 1;
    let w: String = items[j..]
        .iter()
        .take_while(|x| x.c.is_alphanumeric())
        .map(|x| x.c)
        .collect();
    (!w.is_empty()).then_some(w)
}

fn is_for_object(w: String) -> bool {
    matches!(
        w.as_str(),
        "everyone" | "everybody" | "you" | "your" | "ur" | "all" | "kids" | "life" | "real"
    )
}

fn unit_word(w: &str) -> Option<u32> {
    Some(match w {
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        _ => return None,
    })
}

/// Number words become digits ("two dress sizes in fourteen days" → "2 … 14"), so that every
/// rule reading an amount or a duration reads them whichever way they are written.
fn number_word(w: &str) -> Option<u32> {
    if let Some(u) = unit_word(w) {
        return Some(u);
    }
    Some(match w {
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    })
}

/// "50k" → "50000", "2.5k" → "2500".
fn thousands(word: &str) -> Option<String> {
    let digits = word.strip_suffix('k')?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let v: f64 = digits.parse().ok()?;
    let n = v * 1000.0;
    (n.is_finite() && n < 1e12).then(|| format!("{}", n.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        Normalized::new(s).text
    }

    #[test]
    fn folds_disguises() {
        assert_eq!(norm("V@ccines cause autism"), "vaccines cause autism");
        assert_eq!(norm("K1LLS"), "kills");
        assert_eq!(norm("c u r e s cancer"), "cures cancer");
        assert_eq!(norm("T u r m e r i c  c u r e s"), "turmeric  cures");
        assert_eq!(norm("c-u-r-e-s"), "cures");
        assert_eq!(norm("D o n ' t   s t o p   it"), "don't   stop   it");
        assert_eq!(norm("Vac\u{200b}cines"), "vaccines");
        assert_eq!(norm("Vаccinеs"), "vaccines"); // Cyrillic а, е
        assert_eq!(norm("Ｔａｋｅ ５０，０００ ＩＵ"), "take 50,000 iu");
        assert_eq!(norm("𝐜𝐮𝐫𝐞𝐬"), "cures");
        assert_eq!(norm("Stop ur BP meds"), "stop your blood pressure meds");
        assert_eq!(norm("50k IU in 1 wk"), "50000 iu in 1 week");
        assert_eq!(norm("Vaccines → autism"), "vaccines  causes  autism");
        assert_eq!(norm("Fasting = cure"), "fasting  causes  cure");
        assert_eq!(norm("naïve café"), "naive cafe");
        assert_eq!(
            norm("Drop two dress sizes in fourteen days"),
            "drop 2 dress sizes in 14 days"
        );
        assert_eq!(norm("a twenty-one day fast"), "a 21 day fast");
        assert_eq!(norm("no one needs this one"), "no one needs this one");
        assert_eq!(norm("V@xxines c@use @utism"), "vaccines cause autism");
        assert_eq!(
            norm("@dr_smith vax r poison"),
            "@dr_smith vaccine are poison"
        );
        assert_eq!(
            norm("ur acne will b gone 4ever"),
            "your acne will be gone forever"
        );
        assert_eq!(norm("1OO% curable, 2OOOmg"), "100% curable, 2000mg");
        assert_eq!(norm("Vit D 5Ok IU daily"), "vitamin d 50000 iu daily");
        assert_eq!(norm("day 5 ok, 2 oks"), "day 5 ok, 2 oks");
        assert_eq!(norm("Dr¥ fast"), "dry fast");
        assert_eq!(norm("H2O2 and CO2"), "h2o2 and co2");
        assert_eq!(norm("type 2 d.i.a.b.e.t.e.s"), "type 2 diabetes");
        assert_eq!(norm("vitamin b and 3oz"), "vitamin b and 3oz");
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for s in [
            "Take 400 mg of magnesium.",
            "e.g. vitamin B12 and omega-3",
            "1 in 3 adults",
            "@mike_fit hi",
            "H2O2 is hydrogen peroxide",
            "120/80",
            "It’s fine — really 💪",
        ] {
            assert_eq!(norm(s), s.to_lowercase(), "{s}");
        }
    }

    #[test]
    fn spans_map_back_to_the_original() {
        let original = "Sun: V@ccines c a u s e autism 💪";
        let n = Normalized::new(original);
        let at = n.text.find("vaccines cause autism").unwrap();
        let (s, e) = n.original_span(at, at + "vaccines cause autism".len());
        assert_eq!(&original[s..e], "V@ccines c a u s e autism");
    }
}
