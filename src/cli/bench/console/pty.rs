//! A pseudo-terminal for the console benchmark: the real binary runs as the session leader
//! with the pty as its controlling terminal; a reader thread keeps every byte it writes, with
//! the time it arrived, and feeds a small screen model so markers can be found on the screen
//! rather than in the diff-compressed byte stream.

use std::io::{self, Write};
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::screen::Screen;

/// What the reader thread has seen so far.
pub struct Output {
    pub screen: Screen,
    /// Total bytes read from the master.
    pub bytes: u64,
    /// When the first byte arrived.
    pub first_byte: Option<Instant>,
    /// When the last byte arrived.
    pub last_byte: Option<Instant>,
    /// Every byte, kept while `keep` is set (to show what an idle refresh wrote).
    pub raw: Vec<u8>,
    pub keep: bool,
}

pub struct Pty {
    master: Option<std::fs::File>,
    stop: Arc<AtomicBool>,
    child: Child,
    pub out: Arc<Mutex<Output>>,
    reader: Option<std::thread::JoinHandle<()>>,
    pub spawned_at: Instant,
}

impl Pty {
    /// Start `cmd` on a new pty of the given size.
    pub fn spawn(mut cmd: Command, cols: u16, rows: u16) -> io::Result<Pty> {
        let (master, slave) = crate::pty::open(cols, rows)?;
        let spawned_at = Instant::now();
        let child = crate::pty::spawn_on(&mut cmd, &slave)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot start the console: {e}")))?;
        drop(slave);

        let master = std::fs::File::from(master);
        let out = Arc::new(Mutex::new(Output {
            screen: Screen::new(cols, rows),
            bytes: 0,
            first_byte: None,
            last_byte: None,
            raw: Vec::new(),
            keep: false,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let o = out.clone();
        let reader = crate::pty::spawn_reader(&master, stop.clone(), move |bytes| {
            let now = Instant::now();
            let mut o = o.lock().unwrap_or_else(|p| p.into_inner());
            o.bytes += bytes.len() as u64;
            o.first_byte.get_or_insert(now);
            o.last_byte = Some(now);
            if o.keep {
                o.raw.extend_from_slice(bytes);
            }
            o.screen.feed(bytes, now);
        })?;
        Ok(Pty {
            master: Some(master),
            stop,
            child,
            out,
            reader: Some(reader),
            spawned_at,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Type bytes, as a terminal sends them ("\x1b[6~" is PageDown).
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        let master = self
            .master
            .as_mut()
            .ok_or_else(|| io::Error::other("the pty is closed"))?;
        master.write_all(bytes)?;
        master.flush()
    }

    /// Total bytes the program has written so far.
    pub fn bytes(&self) -> u64 {
        self.lock().bytes
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Output> {
        self.out.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The screen as text, one line per row.
    pub fn text(&self) -> String {
        self.lock().screen.text()
    }

    /// Whether the program has exited (reaped here).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Send `q` and wait for the program to exit; SIGTERM it after half of `timeout` (the
    /// quit key may be rebound), kill it after `timeout`.
    pub fn quit(&mut self, timeout: Duration) -> Result<ExitStatus, String> {
        let _ = self.send(b"q");
        let start = Instant::now();
        let mut termed = false;
        loop {
            if !termed && start.elapsed() > timeout / 2 {
                termed = true;
                if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
                    // SAFETY: kill(2) on our own child, which has not been reaped yet.
                    unsafe {
                        libc::kill(pid, libc::SIGTERM);
                    }
                }
            }
            if let Some(status) = self.exited() {
                self.stop_reader();
                return Ok(status);
            }
            if start.elapsed() > timeout {
                self.kill();
                return Err(format!(
                    "the console did not exit within {} s of `q`; killed it",
                    timeout.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kill the program (our child, by its pid) and reap it.
    pub fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        self.stop_reader();
    }

    fn stop_reader(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        self.master = None;
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        self.kill();
    }
}
