//! Text from the database is hostile until proven otherwise: posts come from a model and
//! replies from the internet. Before anything reaches a terminal it is made inert (no control
//! characters, no escape sequences, no bidi overrides) and fitted by display width.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Shown in place of ESC, so an injected escape sequence is visible but harmless.
pub const ESC_MARK: char = '␛';
/// Shown in place of any other control character.
pub const CONTROL_MARK: char = '�';

/// Unicode's Bidi_Control characters: the implicit marks (ALM, LRM, RLM), embeddings,
/// overrides and isolates. ALM (U+061C) was missing: it reordered text like RLM does.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

fn push_inert(out: &mut String, c: char, keep_newlines: bool) {
    match c {
        '\n' if keep_newlines => out.push('\n'),
        '\n' | '\r' | '\t' => out.push(' '),
        '\u{1b}' => out.push(ESC_MARK),
        c if c.is_control() => out.push(CONTROL_MARK),
        c if is_bidi_control(c) => {}
        c => out.push(c),
    }
}

/// One line of inert text: newlines and tabs become spaces.
pub fn inert(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_inert(&mut out, c, false);
    }
    out
}

/// Inert text that keeps its line breaks (for detail views and editors).
pub fn inert_multiline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_inert(&mut out, c, true);
    }
    out
}

/// Display width in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Fit `s` into `max` cells, ending with "…" when cut. Cuts between grapheme clusters, so an
/// emoji sequence or a combining mark is never split.
pub fn truncate(s: &str, max: usize) -> String {
    // Printable ASCII is one cell and one grapheme per byte: cut by bytes (the common case,
    // and much cheaper than segmenting graphemes on every frame).
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return match max {
            _ if s.len() <= max => s.to_string(),
            0 => String::new(),
            _ => format!("{}…", &s[..max - 1]),
        };
    }
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = width(g);
        if used + w > max - 1 {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    out
}

/// Inert and truncated: the usual treatment for a table cell.
pub fn cell(s: &str, max: usize) -> String {
    truncate(&inert(s), max)
}

/// Byte offsets that may cut a string (char boundaries), clamped into range.
pub fn clamp_span(s: &str, start: usize, end: usize) -> (usize, usize) {
    let fix = |mut i: usize| {
        i = i.min(s.len());
        while i > 0 && !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (a, b) = (fix(start), fix(end));
    if a <= b { (a, b) } else { (b, a) }
}

/// Serialize a JSON document stored as text (`CAST(stats AS TEXT)`) as the JSON it holds,
/// so `--json` output has objects all the way down; text that does not parse stays a string.
pub fn json_text<S: serde::Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize as _;
    match v.as_deref() {
        None => s.serialize_none(),
        Some(t) => match serde_json::from_str::<serde_json::Value>(t) {
            Ok(value) => value.serialize(s),
            Err(_) => s.serialize_str(t),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_controls_are_inert() {
        let hostile = "ok\u{1b}[2J\u{1b}]0;pwned\u{7}\r\nnext\u{9b}31m\u{202E}evil\u{61c}\u{2067}";
        let clean = inert(hostile);
        assert!(!clean.chars().any(|c| c.is_control()), "{clean:?}");
        assert!(clean.contains('␛'));
        assert!(!clean.chars().any(is_bidi_control), "{clean:?}");
        assert_eq!(inert_multiline("a\nb\u{1b}"), "a\nb␛");
    }

    #[test]
    fn truncation_respects_display_width_and_graphemes() {
        assert_eq!(truncate("hello", 10), "hello");
        assert_eq!(truncate("hello world", 6), "hello…");
        assert_eq!(truncate("日本語のテキスト", 7), "日本語…");
        assert!(width(&truncate("👨‍👩‍👧‍👦 family", 4)) <= 4);
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("abc", 1), "…");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abé", 2), "a…");
    }

    #[test]
    fn spans_are_clamped_to_char_boundaries() {
        let s = "é💪x";
        assert_eq!(clamp_span(s, 1, 3), (0, 2));
        assert_eq!(clamp_span(s, 100, 2), (2, 7));
    }
}
