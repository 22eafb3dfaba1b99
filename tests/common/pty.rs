//! The real binary in a pseudo-terminal: keys go in through the pty master, everything the
//! program writes is fed to a vt100 emulator so tests can read the screen and the terminal
//! modes (alternate screen, cursor, mouse reporting, bracketed paste) the way a user's
//! terminal would see them.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::process::{Child, Command, ExitStatus};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Each tab's key and a title only that tab shows.
pub const TABS: [(&str, &str); 9] = [
    ("1", "Data health"),
    ("2", "sorted by rank"),
    ("3", "versions (* active)"),
    ("4", "Calendar"),
    ("5", "Queue"),
    ("6", "Accounts"),
    ("7", "Budget — day from"),
    ("8", "over SLA"),
    ("9", "Incidents —"),
];

pub struct Pty {
    /// `None` once closed (the line dropped).
    master: Option<std::fs::File>,
    stop_reading: Arc<std::sync::atomic::AtomicBool>,
    child: Child,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, for greps (secrets, raw escape sequences).
    pub raw: Arc<Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

/// The terminal modes a program must give back when it exits.
#[derive(Debug, PartialEq, Eq)]
pub struct Modes {
    pub alternate_screen: bool,
    pub cursor_hidden: bool,
    pub mouse_reporting: bool,
    pub bracketed_paste: bool,
}

impl Modes {
    /// Every mode off: the terminal as the program found it.
    pub fn restored() -> Modes {
        Modes {
            alternate_screen: false,
            cursor_hidden: false,
            mouse_reporting: false,
            bracketed_paste: false,
        }
    }
}

impl Pty {
    /// Start `cmd` on a new pty of the given size, as the session leader with the pty as its
    /// controlling terminal (so SIGHUP, SIGWINCH and Ctrl-Z behave as over SSH).
    pub fn spawn(mut cmd: Command, cols: u16, rows: u16) -> Pty {
        let (master, slave) = xbot::pty::open(cols, rows).expect("open a pty");
        let child = xbot::pty::spawn_on(&mut cmd, &slave).expect("spawn under a pty");
        drop(slave);

        let master = std::fs::File::from(master);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(rows).unwrap(),
            std::num::NonZeroU16::new(cols).unwrap(),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (parser.clone(), raw.clone());
        let stop_reading = Arc::new(std::sync::atomic::AtomicBool::new(false));
        // Polls, so that `close_master` can stop this thread and close the last master fd.
        let reader = xbot::pty::spawn_reader(&master, stop_reading.clone(), move |bytes| {
            p.lock().unwrap().process(bytes);
            r.lock().unwrap().extend_from_slice(bytes);
        })
        .expect("start the pty reader");
        Pty {
            master: Some(master),
            stop_reading,
            child,
            parser,
            raw,
            reader: Some(reader),
        }
    }

    /// Feed bytes to the emulated terminal as if another program (the shell) wrote them.
    pub fn feed(&self, bytes: &[u8]) {
        self.parser.lock().unwrap().process(bytes);
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Type text (keys as a terminal sends them: "\r" is Enter, "\x1b" is Esc).
    pub fn send(&mut self, bytes: &str) {
        let master = self.master.as_mut().expect("the line is up");
        master.write_all(bytes.as_bytes()).expect("write to pty");
        master.flush().unwrap();
        // Let the program read each burst as its own input, as a typing user would.
        std::thread::sleep(Duration::from_millis(60));
    }

    /// Type keys one at a time.
    pub fn keys(&mut self, keys: &[&str]) {
        for k in keys {
            self.send(k);
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn modes(&self) -> Modes {
        let p = self.parser.lock().unwrap();
        let s = p.screen();
        Modes {
            alternate_screen: s.alternate_screen(),
            cursor_hidden: s.hide_cursor(),
            mouse_reporting: s.mouse_protocol_mode() != vt100::MouseProtocolMode::None,
            bracketed_paste: s.bracketed_paste(),
        }
    }

    /// Wait until the screen satisfies `ok`; on timeout fail with the screen as it is.
    pub fn wait_for(&self, what: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Wait until the screen shows `text`.
    pub fn wait_text(&self, text: &str, timeout: Duration) -> String {
        self.wait_for(&format!("{text:?}"), timeout, |s| s.contains(text))
    }

    /// Change the window size, as a terminal emulator does (the kernel sends SIGWINCH).
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let ws = xbot::pty::winsize(cols, rows);
        // The screen model takes the new size first, and keeps the reader out until the
        // kernel has it too: a program quick to redraw at the new size (its SIGWINCH comes
        // with the ioctl) must never be read at the old one, which would wrap and scroll
        // its frame.
        let mut parser = self.parser.lock().unwrap();
        parser.screen_mut().set_size(
            std::num::NonZeroU16::new(rows).unwrap(),
            std::num::NonZeroU16::new(cols).unwrap(),
        );
        let fd = self.master.as_ref().expect("the line is up").as_raw_fd();
        // SAFETY: TIOCSWINSZ reads a winsize from the pointer.
        let rc = unsafe { libc::ioctl(fd, libc::TIOCSWINSZ as _, &ws) };
        drop(parser);
        assert_eq!(rc, 0);
    }

    /// Close every fd of the master side, as when an SSH connection drops: the kernel hangs up
    /// the session (SIGHUP) and the program's terminal I/O fails from then on.
    pub fn close_master(&mut self) {
        self.stop_reading
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        self.master = None;
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: plain kill(2) on our child.
        unsafe {
            libc::kill(self.pid(), sig);
        }
    }

    /// Wait for the program to exit, then for the last of its output to be read.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                if let Some(r) = self.reader.take() {
                    let _ = r.join();
                }
                return status;
            }
            if start.elapsed() > timeout {
                let _ = self.child.kill();
                panic!(
                    "the program did not exit within {timeout:?}; the screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned()
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
