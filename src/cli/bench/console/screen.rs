//! Just enough of a terminal to read what the console drew: cursor moves, text (with display
//! widths), clears, and the alternate-screen switch. Colours and other modes are ignored. The
//! console draws with ratatui's diffing backend, so a changed value is often a single
//! character after a cursor move: markers must be looked for on the screen, not in the bytes.

use std::time::Instant;

use unicode_width::UnicodeWidthChar;

/// A wide character's second cell.
const CONTINUATION: char = '\0';

enum Parse {
    Ground,
    Esc,
    /// ESC ( and the like: one more byte follows.
    EscCharset,
    Csi(Vec<u8>),
    Osc,
    OscEsc,
}

/// The screen, and when things first appeared on it.
pub struct Screen {
    cols: usize,
    rows: usize,
    cells: Vec<char>,
    row: usize,
    col: usize,
    parse: Parse,
    utf8: Vec<u8>,
    /// When the program switched to the alternate screen.
    pub alternate_at: Option<Instant>,
    pub alternate: bool,
    /// Texts to watch for, and when each first showed on the screen.
    watches: Vec<(String, Option<Instant>)>,
}

impl Screen {
    pub fn new(cols: u16, rows: u16) -> Screen {
        let (cols, rows) = (usize::from(cols.max(1)), usize::from(rows.max(1)));
        Screen {
            cols,
            rows,
            cells: vec![' '; cols * rows],
            row: 0,
            col: 0,
            parse: Parse::Ground,
            utf8: Vec::new(),
            alternate_at: None,
            alternate: false,
            watches: Vec::new(),
        }
    }

    /// Note the time `text` first shows on the screen (checked after every chunk of output).
    pub fn watch(&mut self, text: &str) {
        if !self.watches.iter().any(|(t, _)| t == text) {
            self.watches.push((text.to_string(), None));
        }
    }

    /// When `text` first showed (it must have been watched before it appeared).
    pub fn seen(&self, text: &str) -> Option<Instant> {
        self.watches
            .iter()
            .find(|(t, _)| t == text)
            .and_then(|(_, at)| *at)
    }

    pub fn text(&self) -> String {
        let mut out = String::with_capacity(self.cells.len() + self.rows);
        for r in 0..self.rows {
            let line: String = self.cells[r * self.cols..(r + 1) * self.cols]
                .iter()
                .filter(|c| **c != CONTINUATION)
                .collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    pub fn feed(&mut self, bytes: &[u8], now: Instant) {
        for &b in bytes {
            self.byte(b, now);
        }
        if self.watches.iter().any(|(_, at)| at.is_none()) {
            let text = self.text();
            for (t, at) in &mut self.watches {
                if at.is_none() && text.contains(t.as_str()) {
                    *at = Some(now);
                }
            }
        }
    }

    fn byte(&mut self, b: u8, now: Instant) {
        match std::mem::replace(&mut self.parse, Parse::Ground) {
            Parse::Ground => self.ground(b),
            Parse::Esc => match b {
                b'[' => self.parse = Parse::Csi(Vec::new()),
                b']' => self.parse = Parse::Osc,
                b'(' | b')' | b'*' | b'+' | b'#' => self.parse = Parse::EscCharset,
                _ => {}
            },
            Parse::EscCharset => {}
            Parse::Csi(mut params) => {
                if (0x40..=0x7e).contains(&b) {
                    self.csi(&params, b, now);
                } else if params.len() < 64 {
                    params.push(b);
                    self.parse = Parse::Csi(params);
                } else {
                    self.parse = Parse::Csi(params);
                }
            }
            Parse::Osc => match b {
                0x07 => {}
                0x1b => self.parse = Parse::OscEsc,
                _ => self.parse = Parse::Osc,
            },
            Parse::OscEsc => {
                if b != b'\\' {
                    self.parse = Parse::Osc;
                }
            }
        }
    }

    fn ground(&mut self, b: u8) {
        if !self.utf8.is_empty() || b >= 0x80 {
            self.utf8.push(b);
            let want = match self.utf8[0] {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf7 => 4,
                _ => 1,
            };
            if self.utf8.len() >= want {
                let bytes = std::mem::take(&mut self.utf8);
                match std::str::from_utf8(&bytes) {
                    Ok(s) => {
                        for c in s.chars() {
                            self.print(c);
                        }
                    }
                    Err(_) => self.print('\u{fffd}'),
                }
            }
            return;
        }
        match b {
            0x1b => self.parse = Parse::Esc,
            b'\r' => self.col = 0,
            b'\n' => self.row = (self.row + 1).min(self.rows - 1),
            0x08 => self.col = self.col.saturating_sub(1),
            0x20..=0x7e => self.print(b as char),
            _ => {}
        }
    }

    fn print(&mut self, c: char) {
        let w = c.width().unwrap_or(0);
        if w == 0 {
            return;
        }
        if self.col >= self.cols {
            return;
        }
        self.cells[self.row * self.cols + self.col] = c;
        if w == 2 && self.col + 1 < self.cols {
            self.cells[self.row * self.cols + self.col + 1] = CONTINUATION;
        }
        self.col += w;
    }

    fn clear(&mut self, from: usize, to: usize) {
        let to = to.min(self.cells.len());
        if from < to {
            self.cells[from..to].fill(' ');
        }
    }

    fn csi(&mut self, params: &[u8], fin: u8, now: Instant) {
        let private = params.first() == Some(&b'?');
        let text = String::from_utf8_lossy(if private { &params[1..] } else { params });
        let nums: Vec<usize> = text
            .split(';')
            .map(|p| p.parse::<usize>().unwrap_or(0))
            .collect();
        let n =
            |i: usize, default: usize| nums.get(i).copied().filter(|v| *v > 0).unwrap_or(default);
        let here = self.row * self.cols + self.col.min(self.cols);
        match (private, fin) {
            (false, b'H' | b'f') => {
                self.row = (n(0, 1) - 1).min(self.rows - 1);
                self.col = (n(1, 1) - 1).min(self.cols - 1);
            }
            (false, b'A') => self.row = self.row.saturating_sub(n(0, 1)),
            (false, b'B') => self.row = (self.row + n(0, 1)).min(self.rows - 1),
            (false, b'C') => self.col = (self.col + n(0, 1)).min(self.cols - 1),
            (false, b'D') => self.col = self.col.saturating_sub(n(0, 1)),
            (false, b'G') => self.col = (n(0, 1) - 1).min(self.cols - 1),
            (false, b'd') => self.row = (n(0, 1) - 1).min(self.rows - 1),
            (false, b'J') => match nums.first().copied().unwrap_or(0) {
                0 => self.clear(here, self.cells.len()),
                1 => self.clear(0, here + 1),
                _ => self.clear(0, self.cells.len()),
            },
            (false, b'K') => {
                let start = self.row * self.cols;
                match nums.first().copied().unwrap_or(0) {
                    0 => self.clear(here, start + self.cols),
                    1 => self.clear(start, here + 1),
                    _ => self.clear(start, start + self.cols),
                }
            }
            (true, b'h' | b'l') if nums.iter().any(|m| matches!(m, 47 | 1047 | 1049)) => {
                let on = fin == b'h';
                if on && !self.alternate {
                    self.alternate_at.get_or_insert(now);
                }
                if on != self.alternate {
                    self.clear(0, self.cells.len());
                }
                self.alternate = on;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_moves_text_and_the_alternate_screen() {
        let mut s = Screen::new(20, 3);
        s.watch("page 2");
        let t = Instant::now();
        s.feed(
            b"\x1b[?1049h\x1b[2;1H\x1b[1;33mpage 1\x1b[0m \xc3\xa9\xe5\xad\x97x",
            t,
        );
        assert!(s.alternate && s.alternate_at.is_some());
        assert_eq!(s.text(), "\npage 1 é字x\n\n");
        assert!(s.seen("page 2").is_none());
        // A diffing backend writes only the changed character.
        s.feed(b"\x1b[2;6H2\x1b]0;title\x07", t);
        assert!(s.text().contains("page 2"));
        assert_eq!(s.seen("page 2"), Some(t));
        s.feed(b"\x1b[2;3H\x1b[K", t);
        assert_eq!(s.text(), "\npa\n\n");
    }
}
