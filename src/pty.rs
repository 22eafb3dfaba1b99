//! Pseudo-terminals: open one and start a program on it as the session leader with the pty
//! as its controlling terminal, so SIGHUP, SIGWINCH and Ctrl-Z behave as over SSH. Used by
//! `xbot bench console` and by the end-to-end tests.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

/// A window size of `cols` x `rows` characters.
pub fn winsize(cols: u16, rows: u16) -> libc::winsize {
    libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

fn os_err(what: &str) -> io::Error {
    let e = io::Error::last_os_error();
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

/// A new pty pair of the given size, both ends close-on-exec (a master fd leaked into
/// another child would keep the line up after the master is closed).
pub fn open(cols: u16, rows: u16) -> io::Result<(OwnedFd, OwnedFd)> {
    // SAFETY: posix_openpt/grantpt/unlockpt/ptsname_r/open/ioctl on fds owned here; every
    // result is checked before use, and each fd is owned by an OwnedFd as soon as it exists.
    unsafe {
        let m = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        if m < 0 {
            return Err(os_err("posix_openpt"));
        }
        let master = OwnedFd::from_raw_fd(m);
        if libc::grantpt(m) != 0 {
            return Err(os_err("grantpt"));
        }
        if libc::unlockpt(m) != 0 {
            return Err(os_err("unlockpt"));
        }
        let mut name = [0 as libc::c_char; 128];
        if libc::ptsname_r(m, name.as_mut_ptr(), name.len()) != 0 {
            return Err(os_err("ptsname"));
        }
        let sl = libc::open(
            name.as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        );
        if sl < 0 {
            return Err(os_err("open the pty slave"));
        }
        let slave = OwnedFd::from_raw_fd(sl);
        let ws = winsize(cols, rows);
        if libc::ioctl(m, libc::TIOCSWINSZ as _, &ws) != 0 {
            return Err(os_err("TIOCSWINSZ"));
        }
        Ok((master, slave))
    }
}

/// Start `cmd` with the pty's `slave` end as its terminal (stdin, stdout, stderr) and as its
/// controlling terminal, in a session of its own.
pub fn spawn_on(cmd: &mut Command, slave: &OwnedFd) -> io::Result<Child> {
    let stdio = |fd: &OwnedFd| -> io::Result<Stdio> { Ok(Stdio::from(fd.try_clone()?)) };
    cmd.stdin(stdio(slave)?)
        .stdout(stdio(slave)?)
        .stderr(stdio(slave)?);
    // SAFETY: only async-signal-safe calls (setsid, ioctl) between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn()
}

/// A thread that reads what the program writes to the pty `master` and hands each chunk to
/// `on_bytes`, until the program closes its end (EIO) or `stop` is set. It polls, rather than
/// blocking in `read`, so that setting `stop` lets the caller close the last master fd (a
/// dropped line) while the program is still running.
pub fn spawn_reader(
    master: &std::fs::File,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    mut on_bytes: impl FnMut(&[u8]) + Send + 'static,
) -> io::Result<std::thread::JoinHandle<()>> {
    use std::io::Read;
    use std::os::fd::AsRawFd;
    use std::sync::atomic::Ordering;
    let mut reading = master.try_clone()?;
    Ok(std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while !stop.load(Ordering::SeqCst) {
            let mut pfd = libc::pollfd {
                fd: reading.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let ready = unsafe { libc::poll(&mut pfd, 1, 20) };
            if ready <= 0 {
                continue;
            }
            // EIO once the last slave fd closes: the program is gone.
            match reading.read(&mut buf) {
                Ok(n) if n > 0 => on_bytes(&buf[..n]),
                _ => break,
            }
        }
    }))
}
