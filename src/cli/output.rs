//! Plain-text tables and JSON for the headless verbs. Output goes to stdout; messages and
//! progress go to stderr, so `--json` output can be piped.

use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::CliError;

static WIDE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--wide`: never shorten table cells, even on a terminal.
pub fn set_wide(on: bool) {
    WIDE.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether table cells are printed whole: with `--wide`, or when stdout is not a terminal (a
/// file, a pipe, a script), where nothing is gained by cutting text.
pub fn wide() -> bool {
    static TERMINAL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    WIDE.load(std::sync::atomic::Ordering::Relaxed)
        || !*TERMINAL.get_or_init(|| std::io::stdout().is_terminal())
}

/// A table cell: inert, and on a terminal (without `--wide`) cut to `max` columns with "…".
pub fn cell(s: &str, max: usize) -> String {
    if wide() {
        inert(s)
    } else {
        crate::text::cell(s, max)
    }
}

/// Print a value as pretty JSON.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Failed(format!("cannot encode JSON: {e}")))?;
    crate::out!("{text}");
    Ok(())
}

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A simple text table: a header row and aligned columns, two spaces apart.
pub struct Table {
    headers: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[(&str, Align)]) -> Self {
        Table {
            headers: headers.iter().map(|(h, a)| (inert(h), *a)).collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row. Every cell is made inert here, so a column a verb forgot to clean (a run's
    /// status, an incident's kind) cannot carry escape sequences to the terminal.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.iter().map(|c| inert(c)).collect());
    }

    pub fn render(&self) -> String {
        let n = self.headers.len();
        let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
        let mut widths: Vec<usize> = self.headers.iter().map(|(h, _)| width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(n) {
                widths[i] = widths[i].max(width(cell));
            }
        }
        let line = |cells: Vec<&str>| {
            let mut out = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let pad = widths[i].saturating_sub(width(cell));
                let last = i + 1 == cells.len();
                match self.headers[i].1 {
                    Align::Left if last => out.push_str(cell),
                    Align::Left => {
                        out.push_str(cell);
                        out.push_str(&" ".repeat(pad));
                    }
                    Align::Right => {
                        out.push_str(&" ".repeat(pad));
                        out.push_str(cell);
                    }
                }
                if !last {
                    out.push_str("  ");
                }
            }
            out.trim_end().to_string()
        };
        let mut out = vec![line(self.headers.iter().map(|(h, _)| h.as_str()).collect())];
        for row in &self.rows {
            out.push(line(row.iter().map(String::as_str).take(n).collect()));
        }
        out.join("\n")
    }
}

/// Make a database string safe for a terminal: control characters and escape sequences are
/// replaced, so that hostile text cannot move the cursor or change colours.
pub fn inert(s: &str) -> String {
    crate::text::inert(s)
}

/// "3 min ago", "2 h ago", "5 d ago".
pub fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds();
    if secs < 0 {
        return "in the future".into();
    }
    match secs {
        0..=59 => format!("{secs} s ago"),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=172_799 => format!("{} h ago", secs / 3600),
        _ => format!("{} d ago", secs / 86_400),
    }
}

/// Percentage of a part, or "–" when the whole is 0.
pub fn pct(part: i64, whole: i64) -> String {
    if whole <= 0 {
        "–".into()
    } else {
        format!("{:.0}%", 100.0 * part as f64 / whole as f64)
    }
}

/// A progress line on stderr, only when stderr is a terminal.
pub struct Progress {
    enabled: bool,
    label: String,
}

impl Progress {
    pub fn new(label: &str) -> Self {
        Progress {
            enabled: std::io::stderr().is_terminal(),
            label: label.to_string(),
        }
    }

    pub fn update(&self, done: u64, total: u64, phase: &str) {
        if !self.enabled {
            return;
        }
        let width = 30usize;
        let filled = if total == 0 {
            0
        } else {
            ((done as f64 / total as f64) * width as f64).round() as usize
        }
        .min(width);
        // Ignore write errors: the terminal may be gone (see `say!`).
        let _ = write!(
            std::io::stderr(),
            "\r\x1b[2K{} [{}{}] {done}/{total} {phase}",
            self.label,
            "#".repeat(filled),
            "-".repeat(width - filled)
        );
    }

    pub fn finish(&self) {
        if self.enabled {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_by_display_width() {
        let mut t = Table::new(&[("name", Align::Left), ("n", Align::Right)]);
        t.row(vec!["dataNerd".into(), "12".into()]);
        t.row(vec!["日本".into(), "3".into()]);
        assert_eq!(t.render(), "name       n\ndataNerd  12\n日本       3");
    }

    #[test]
    fn ages_read_naturally() {
        let now = Utc::now();
        assert_eq!(ago(now, now - chrono::Duration::seconds(5)), "5 s ago");
        assert_eq!(ago(now, now - chrono::Duration::minutes(5)), "5 min ago");
        assert_eq!(ago(now, now - chrono::Duration::hours(5)), "5 h ago");
        assert_eq!(ago(now, now - chrono::Duration::days(5)), "5 d ago");
        assert_eq!(pct(1, 4), "25%");
        assert_eq!(pct(1, 0), "–");
    }
}
