//! The terminal's lifecycle: raw mode, alternate screen, mouse capture and bracketed paste on
//! the way in; all of it undone on the way out, whether by quitting, an error, a panic, a
//! signal, or Ctrl-Z (and redone on resume).

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// Counts the bytes written to the terminal (for the benchmark of an idle refresh).
#[derive(Clone)]
pub struct CountingWriter<W> {
    inner: W,
    pub written: Arc<AtomicU64>,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A backend that writes nothing for a frame that changed nothing. Ratatui sends only the
/// cells that differ from the last frame, but the crossterm backend still resets the colours
/// after every frame and the terminal hides the cursor again each time: 25 bytes for a redraw
/// whose state changed invisibly (a decayed score moving in its fourth decimal). The console
/// draws when its state changes; this keeps an invisible change off the wire.
pub struct QuietBackend<B> {
    inner: B,
    /// Whether the cursor is known to be hidden (forgotten on `clear`, so it is hidden again).
    cursor_hidden: bool,
    /// Where the cursor was last put. Answered instead of asking the terminal: ratatui's
    /// `Terminal::clear` asks for the cursor position first, and the terminal's answer is read
    /// (and dropped) by the input task, so the query timed out and the clear never happened:
    /// `ctrl+l` and the redraw after `fg` left whatever the shell had drawn.
    cursor: Position,
}

impl<B> QuietBackend<B> {
    pub fn new(inner: B) -> Self {
        QuietBackend {
            inner,
            cursor_hidden: false,
            cursor: Position::ORIGIN,
        }
    }
}

impl<B: Backend> Backend for QuietBackend<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut content = content.peekable();
        if content.peek().is_none() {
            return Ok(());
        }
        self.inner.draw(content)
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        if !self.cursor_hidden {
            self.inner.hide_cursor()?;
            self.cursor_hidden = true;
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.cursor_hidden = false;
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        let position = position.into();
        self.cursor = position;
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.cursor_hidden = false;
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

pub type Term = Terminal<QuietBackend<CrosstermBackend<CountingWriter<io::Stdout>>>>;

/// Whether the terminal is currently in console mode (so restoring twice does nothing).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Take over the terminal.
pub fn enter() -> io::Result<(Term, Arc<AtomicU64>)> {
    let written = Arc::new(AtomicU64::new(0));
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        cursor::Hide
    )?;
    let backend = QuietBackend::new(CrosstermBackend::new(CountingWriter {
        inner: io::stdout(),
        written: written.clone(),
    }));
    let terminal = Terminal::new(backend)?;
    Ok((terminal, written))
}

/// Give the terminal back exactly as it was. Safe to call more than once, and from a panic
/// hook.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Let go of the ratatui terminal after `restore`. When the terminal is gone (the SSH link
/// dropped), ratatui's own drop would try to show the cursor, fail, and print the failure with
/// `eprintln!`, which panics on a dead stderr; so a terminal that cannot be written to is
/// forgotten rather than dropped.
pub fn release(mut terminal: Term) {
    if terminal.show_cursor().is_err() {
        std::mem::forget(terminal);
    }
}

/// Restore the terminal before any panic message is printed.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Ctrl-Z: hand the terminal back to the shell and stop; on `fg`, take it again.
pub fn suspend(terminal: &mut Term) -> io::Result<()> {
    restore();
    // SAFETY: raising a signal on our own process; SIGTSTP's default action stops it until
    // SIGCONT arrives.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        cursor::Hide
    )?;
    terminal.clear()
}

/// Restores the terminal when dropped (the normal and the error path).
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;
    use ratatui::widgets::Paragraph;
    use ratatui::{TerminalOptions, Viewport};

    use super::*;

    #[test]
    fn a_frame_that_changed_nothing_writes_nothing() {
        let written = Arc::new(AtomicU64::new(0));
        let backend = QuietBackend::new(CrosstermBackend::new(CountingWriter {
            inner: Vec::new(),
            written: written.clone(),
        }));
        let viewport = Viewport::Fixed(Rect::new(0, 0, 20, 3));
        let mut t = Terminal::with_options(backend, TerminalOptions { viewport }).unwrap();
        let mut frame = |text: &str| {
            t.draw(|f| f.render_widget(Paragraph::new(text.to_string()), f.area()))
                .unwrap();
            written.load(Ordering::Relaxed)
        };
        let first = frame("hello");
        assert!(first > 0);
        assert_eq!(frame("hello"), first, "an identical frame writes nothing");
        assert!(frame("hellO") > first, "a changed cell is written");
    }
}
