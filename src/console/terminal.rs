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
use ratatui::backend::CrosstermBackend;

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

pub type Term = Terminal<CrosstermBackend<CountingWriter<io::Stdout>>>;

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
    let backend = CrosstermBackend::new(CountingWriter {
        inner: io::stdout(),
        written: written.clone(),
    });
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
