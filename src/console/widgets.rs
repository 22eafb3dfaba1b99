//! Small drawing helpers shared by the tabs: blocks, text bars, the tier gauge with its
//! thresholds, number formats. Every database string goes through `crate::text` first.

use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use super::state::State;
use super::theme::Role;
use crate::budget::tiers::Tier;

/// Borders drawn with plain ASCII, for terminals without line drawing.
pub const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// Data rows a bordered table with a one-line header shows in `area`.
pub fn table_rows(area: ratatui::layout::Rect) -> usize {
    usize::from(area.height.saturating_sub(3))
}

/// The rows of a list a table shows: as many as `fit`, scrolled so that the selected row is on
/// screen. Tabs build only these rows: a list may hold thousands (the Replies tab's accounts),
/// and building a row for each one on every frame costs milliseconds.
pub fn row_window(len: usize, selected: usize, fit: usize) -> std::ops::Range<usize> {
    let start = (selected + 1)
        .saturating_sub(fit)
        .min(len.saturating_sub(fit));
    start..(start + fit).min(len)
}

/// A bordered block with a title.
pub fn block<'a>(s: &State, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
    let role = if focused {
        Role::BorderFocus
    } else {
        Role::Border
    };
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(s.theme.style(role))
        .title(title.into().style(s.theme.style(Role::Title)));
    if s.setup.ascii {
        b.border_set(ASCII_BORDER)
    } else {
        b
    }
}

/// A horizontal bar of `value / max` in `width` cells, with eighth-cell precision.
pub fn hbar(value: f64, max: f64, width: usize, ascii: bool) -> String {
    if !(value.is_finite() && max.is_finite()) || max <= 0.0 || width == 0 {
        return String::new();
    }
    let cells = (value / max).clamp(0.0, 1.0) * width as f64;
    if ascii {
        return "#".repeat(cells.round() as usize);
    }
    let full = cells.floor() as usize;
    let eighths = ((cells - full as f64) * 8.0).round() as usize;
    const PARTS: [&str; 9] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"];
    let mut out = "█".repeat(full);
    if full < width {
        out.push_str(PARTS[eighths.min(8)]);
    }
    out
}

/// The style of a budget tier.
pub fn tier_style(s: &State, tier: Tier) -> Style {
    s.theme.style(match tier {
        Tier::T1 => Role::TierT1,
        Tier::T2 => Role::TierT2,
        Tier::T3 => Role::TierT3,
        Tier::T4 => Role::TierT4,
    })
}

/// A gauge of the budget share with the tier thresholds (50%, 80%, 100%) marked, e.g.
/// `████████████▌   │     │    │` — the bar takes the tier's colour.
pub fn tier_gauge<'a>(s: &State, share: f64, width: usize) -> Line<'a> {
    let tier = crate::budget::tiers::tier_for(share, 1.0);
    // The scale runs to 120% so that overspend shows.
    let scale = 1.2;
    let filled = ((share.max(0.0) / scale) * width as f64)
        .round()
        .min(width as f64) as usize;
    let marks: Vec<usize> = [0.5, 0.8, 1.0]
        .iter()
        .map(|t| ((t / scale) * width as f64).round() as usize)
        .collect();
    let (fill, empty, tick) = if s.setup.ascii {
        ("#", ".", "|")
    } else {
        ("█", "░", "│")
    };
    let mut spans = Vec::new();
    for i in 0..width {
        let is_mark = marks.contains(&i);
        let (text, style) = if i < filled {
            (if is_mark { tick } else { fill }, tier_style(s, tier))
        } else if is_mark {
            (tick, s.theme.style(Role::Warn))
        } else {
            (empty, s.theme.style(Role::Muted))
        };
        spans.push(Span::styled(text.to_string(), style));
    }
    Line::from(spans)
}

/// 12,345
pub fn count(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A number with `prec` decimals, or "–" when missing or not finite.
pub fn num(v: Option<f64>, prec: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.prec$}"),
        _ => "–".into(),
    }
}

/// A number in at most 4 columns: one decimal below 100, none below 10,000, then "12k"
/// (a column cut "119.3" to "119." reads as a typo).
pub fn num4(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() && x.abs() < 100.0 => format!("{x:.1}"),
        Some(x) if x.is_finite() && x.abs() < 9_999.5 => format!("{x:.0}"),
        Some(x) if x.is_finite() && x.abs() < 999_500.0 => format!("{:.0}k", x / 1000.0),
        Some(x) if x.is_finite() => format!("{:.0}M", x / 1e6),
        _ => "–".into(),
    }
}

/// An optional count in at most 6 columns: "12,345", then "123k", "12.3M".
pub fn count6(v: Option<i64>) -> String {
    match v {
        None => "–".into(),
        Some(n) if n.unsigned_abs() < 100_000 => count(n),
        Some(n) if n.unsigned_abs() < 999_500 => format!("{:.0}k", n as f64 / 1e3),
        Some(n) => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// An optional count, or "–".
pub fn opt_count(v: Option<i64>) -> String {
    v.map_or("–".into(), count)
}

/// A percentage of a part, or "–".
pub fn pct(part: i64, whole: i64) -> String {
    if whole <= 0 {
        "–".into()
    } else {
        format!("{:.0}%", 100.0 * part as f64 / whole as f64)
    }
}

/// A spinner frame for work in progress (steps with the clock).
pub fn spinner(s: &State) -> &'static str {
    const UNICODE: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];
    const ASCII: [&str; 4] = ["|", "/", "-", "\\"];
    let t = s.now.timestamp() as usize;
    if s.setup.ascii {
        ASCII[t % ASCII.len()]
    } else {
        UNICODE[t % UNICODE.len()]
    }
}

/// The separator used between header items.
pub fn sep(s: &State) -> &'static str {
    if s.setup.ascii { " | " } else { " │ " }
}

/// A key hint: "a approve".
pub fn hint<'a>(s: &State, key: String, what: &'a str) -> Vec<Span<'a>> {
    vec![
        Span::styled(key, s.theme.style(Role::Key)),
        Span::raw(" "),
        Span::styled(what, s.theme.style(Role::Muted)),
        Span::raw("  "),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_and_never_overflow() {
        assert_eq!(hbar(1.0, 1.0, 4, false), "████");
        assert_eq!(hbar(0.5, 1.0, 4, true), "##");
        assert_eq!(hbar(2.0, 1.0, 3, true), "###");
        assert_eq!(hbar(f64::NAN, 1.0, 3, false), "");
        assert_eq!(hbar(0.55, 1.0, 4, false).chars().count(), 3);
    }

    #[test]
    fn four_column_numbers() {
        assert_eq!(num4(Some(6.84)), "6.8");
        assert_eq!(num4(Some(119.3)), "119");
        assert_eq!(num4(Some(2_345.0)), "2345");
        assert_eq!(num4(Some(12_600.0)), "13k");
        assert_eq!(num4(Some(f64::NAN)), "–");
        assert_eq!(num4(None), "–");
        assert_eq!(count6(Some(30_758)), "30,758");
        assert_eq!(count6(Some(130_758)), "131k");
        assert_eq!(count6(Some(1_234_567)), "1.2M");
    }

    #[test]
    fn numbers_format() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-12), "-12");
        assert_eq!(num(Some(0.12345), 3), "0.123");
        assert_eq!(num(Some(f64::NAN), 2), "–");
        assert_eq!(pct(1, 3), "33%");
    }

    #[test]
    fn the_row_window_keeps_the_selection_on_screen() {
        assert_eq!(row_window(100, 0, 50), 0..50);
        assert_eq!(row_window(100, 49, 50), 0..50);
        assert_eq!(row_window(100, 50, 50), 1..51);
        assert_eq!(row_window(100, 99, 50), 50..100);
        assert_eq!(row_window(10, 3, 50), 0..10);
        assert_eq!(row_window(0, 0, 50), 0..0);
        assert_eq!(row_window(5, 9, 3), 2..5);
        assert!(row_window(5, 2, 0).is_empty());
    }
}

/// Word-wrap `value` to `width` cells behind a fixed-width `label`, continuation lines indented
/// under the value (so a wrapped list still reads as one field). The text must be inert.
/// The text width of a detail view on a terminal `cols` wide (the view is 4 narrower than
/// the screen, inside its borders).
pub fn view_width(cols: u16) -> usize {
    cols.saturating_sub(6) as usize
}

/// The text rows of a detail view on a terminal `rows` high (header, tab bar, footer and
/// borders take 6).
pub fn view_height(rows: u16) -> usize {
    rows.saturating_sub(6).max(1) as usize
}

/// Wrap the lines of a detail view to `width` columns. A continuation keeps the indent of
/// its line (so an indented quote stays indented), and a word longer than the room is broken,
/// never cut: raw JSON and 10 KB posts must be readable to their end.
pub fn wrap_view(lines: &[String], width: usize) -> Vec<String> {
    use unicode_segmentation::UnicodeSegmentation;
    let width = width.max(10);
    let mut out = Vec::new();
    for line in lines {
        let body = line.trim_start_matches(' ');
        let indent = (line.len() - body.len()).min(width / 2);
        let room = width - indent;
        let pad = " ".repeat(indent);
        let mut current = String::new();
        let mut current_w = 0;
        let mut pieces: Vec<String> = Vec::new();
        for word in body.split(' ') {
            let w = crate::text::width(word);
            let sep = usize::from(current_w > 0 || !current.is_empty());
            if current_w + sep + w <= room {
                if sep == 1 {
                    current.push(' ');
                }
                current.push_str(word);
                current_w += sep + w;
                continue;
            }
            if !current.is_empty() {
                pieces.push(std::mem::take(&mut current));
                current_w = 0;
            }
            // A word wider than the room: break it by graphemes.
            for g in word.graphemes(true) {
                let gw = crate::text::width(g);
                if current_w + gw > room && !current.is_empty() {
                    pieces.push(std::mem::take(&mut current));
                    current_w = 0;
                }
                current.push_str(g);
                current_w += gw;
            }
        }
        pieces.push(current);
        out.extend(pieces.into_iter().map(|p| format!("{pad}{p}")));
    }
    out
}

pub fn labeled_wrap(label: &str, value: &str, width: usize) -> Vec<String> {
    let indent = crate::text::width(label);
    let room = width.saturating_sub(indent).max(8);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in value.split(' ').filter(|w| !w.is_empty()) {
        let word = crate::text::truncate(word, room);
        let needed = crate::text::width(&current)
            + usize::from(!current.is_empty())
            + crate::text::width(&word);
        if !current.is_empty() && needed > room {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    lines.push(current);
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let head = if i == 0 {
                label.to_string()
            } else {
                " ".repeat(indent)
            };
            format!("{head}{l}")
        })
        .collect()
}

#[cfg(test)]
mod wrap_tests {
    use super::labeled_wrap;

    #[test]
    fn views_wrap_under_their_indent_and_break_long_words() {
        let lines = super::wrap_view(
            &[
                "original:".to_string(),
                "  Take 800 mg of magnesium before bed and your insomnia".to_string(),
                "x".repeat(25),
            ],
            20,
        );
        assert_eq!(
            lines,
            vec![
                "original:",
                "  Take 800 mg of",
                "  magnesium before",
                "  bed and your",
                "  insomnia",
                "xxxxxxxxxxxxxxxxxxxx",
                "xxxxx",
            ]
        );
        assert_eq!(super::wrap_view(&[String::new()], 20), vec![""]);
    }

    #[test]
    fn continuation_lines_are_indented_under_the_value() {
        let lines = labeled_wrap(
            "  angles     ",
            "practical_habit, step_by_step, common_mistake",
            40,
        );
        assert_eq!(
            lines,
            vec![
                "  angles     practical_habit,".to_string(),
                "             step_by_step,".to_string(),
                "             common_mistake".to_string(),
            ]
        );
        assert_eq!(labeled_wrap("x ", "", 10), vec!["x ".to_string()]);
    }
}
