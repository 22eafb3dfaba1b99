//! The console's connection lifecycle (issue 15): the first frame is drawn before the database
//! answers, an idle console leaves the database alone (the header is read on changes, not on a
//! timer), a change still reaches the screen at once, and the connection is checked the moment
//! the change feed is lost.
//!
//! The cadence is checked on the pure `update` function; the real binary runs in a pty against
//! a server that never answers, a port that refuses, a real Postgres through the counting
//! delay proxy, and one behind a relay that stops relaying (a network partition).

mod common;

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use common::pty::{Modes, Pty};
use common::{TestDb, console_setup, console_state, xbot_command};
use xbot::console::msg::{Effect, LoadError, LoadSlot, Loaded, Msg, Query, Status};
use xbot::console::state::{Conn, State};
use xbot::console::tabs::TabId;
use xbot::console::update::{STALL_SECS, update};
use xbot::delay_proxy::{DelayProxy, upstream_of};
use xbot::store::demo::{DemoOptions, seed};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 30, 0).unwrap()
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

fn status() -> Status {
    Status {
        spend_today_usd: 0.0,
        open_incidents: 0,
        running: Vec::new(),
        tier: None,
        incident_ids: Vec::new(),
        pending_ids: Vec::new(),
    }
}

/// A console on the Budget tab, refreshing every 5 s, its change feed listening, its first
/// status answered (connected).
fn connected() -> State {
    let mut s = console_state(console_setup("sqlite:///x.db", false, false), "dark", t0());
    s.tab = TabId::Budget;
    assert!(update(&mut s, Msg::FeedUp).is_empty());
    let Effect::Load { req, .. } = s.load(Query::Status) else {
        unreachable!()
    };
    answer(&mut s, req, Ok(Loaded::Status(status())));
    assert_eq!(s.conn, Conn::Connected);
    s.loads.last_tab_refresh_at = Some(t0());
    s
}

fn answer(s: &mut State, req: u64, result: Result<Loaded, LoadError>) -> Vec<Effect> {
    update(
        s,
        Msg::Loaded {
            req,
            result: result.map(Box::new),
        },
    )
}

/// The loads among `effects`.
fn loads(effects: &[Effect]) -> Vec<(u64, Query)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Load { req, query } => Some((*req, query.clone())),
            _ => None,
        })
        .collect()
}

fn is_status(q: &Query) -> bool {
    q.slot() == LoadSlot::Status
}

/// Tick once a second for `n` seconds from `from`, answering every load at once (a tab's with
/// an error that leaves the connection up, which frees its slot as an answer would); the
/// loads asked for.
fn idle(s: &mut State, from: DateTime<Utc>, n: i64) -> Vec<Query> {
    let mut asked = Vec::new();
    for i in 1..=n {
        for (req, q) in loads(&update(s, Msg::Tick(from + secs(i)))) {
            let result = if is_status(&q) {
                Ok(Loaded::Status(status()))
            } else {
                Err(LoadError {
                    unavailable: false,
                    message: "test".into(),
                })
            };
            asked.push(q);
            answer(s, req, result);
        }
    }
    asked
}

#[test]
fn an_idle_console_reads_the_visible_tab_at_the_refresh_interval_and_the_header_never() {
    let mut s = connected();
    let asked = idle(&mut s, t0(), 60);
    assert!(!asked.iter().any(is_status), "{asked:?}");
    // Every 5 s: 12 in a minute (ticks about a second apart, a refresh due within a quarter
    // second done on the earlier tick).
    assert_eq!(asked.len(), 12, "{asked:?}");
    // Paused: nothing at all.
    s.paused = true;
    assert!(idle(&mut s, t0() + secs(60), 60).is_empty());
}

#[test]
fn a_change_reloads_the_header_and_the_visible_tab_without_a_ping() {
    let mut s = connected();
    let asked: Vec<Query> = loads(&update(&mut s, Msg::DataChanged))
        .into_iter()
        .map(|(_, q)| q)
        .collect();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert_eq!(
        asked[0],
        Query::Status,
        "one round trip: no connection check"
    );
    assert_eq!(asked[1].slot(), LoadSlot::Tab(TabId::Budget));
}

#[test]
fn a_change_during_a_load_reads_that_slot_again_once_it_answers() {
    let mut s = connected();
    // A refresh in flight, asked before the change committed.
    let Effect::Load { req: tab, .. } = s.load(Query::Budget) else {
        unreachable!()
    };
    let Effect::Load { req: header, .. } = s.load(Query::Status) else {
        unreachable!()
    };
    assert!(update(&mut s, Msg::DataChanged).is_empty(), "single flight");
    let again = loads(&answer(&mut s, header, Ok(Loaded::Status(status()))));
    assert!(
        matches!(again.as_slice(), [(_, Query::Status)]),
        "{again:?}"
    );
    let report = xbot::store::ops::budget::BudgetReport {
        day_start: t0(),
        day_end: t0(),
        spent_usd: 1.0,
        reserved_usd: 0.0,
        calls: 1,
        expert_calls: 0,
        by_feature_area: Vec::new(),
        by_model: Vec::new(),
        per_hour: Vec::new(),
    };
    let again = loads(&answer(&mut s, tab, Ok(Loaded::Budget { report })));
    assert!(
        matches!(again.as_slice(), [(_, q)] if q.slot() == LoadSlot::Tab(TabId::Budget)),
        "{again:?}"
    );
}

#[test]
fn the_header_is_read_again_when_the_local_day_turns() {
    let mut s = connected();
    let midnight = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
    s.now = midnight - secs(1);
    s.loads.last_tab_refresh_at = Some(s.now);
    let asked = loads(&update(&mut s, Msg::Tick(midnight)));
    assert!(
        matches!(asked.as_slice(), [(_, Query::Status)]),
        "{asked:?}"
    );
}

#[test]
fn a_lost_feed_checks_the_connection_at_once() {
    let mut s = connected();
    // A status read in flight is superseded: the check must not wait behind it.
    let Effect::Load { req: old, .. } = s.load(Query::Status) else {
        unreachable!()
    };
    let asked = loads(&update(&mut s, Msg::FeedLost));
    let [(check, Query::CheckStatus)] = asked.as_slice() else {
        panic!("{asked:?}")
    };
    assert!(answer(&mut s, old, Ok(Loaded::Status(status()))).is_empty());
    // The server is gone: the ping fails and the header says so.
    answer(
        &mut s,
        *check,
        Err(LoadError {
            unavailable: true,
            message: "connection refused".into(),
        }),
    );
    let Conn::Disconnected { retry_at, .. } = s.conn.clone() else {
        panic!("{:?}", s.conn)
    };
    // While disconnected the retries check; another loss adds nothing.
    assert!(update(&mut s, Msg::FeedLost).is_empty());
    let retry = loads(&update(&mut s, Msg::Tick(retry_at)));
    let [(req, Query::CheckStatus)] = retry.as_slice() else {
        panic!("{retry:?}")
    };
    // Back: the header came with the check; the visible tab is reloaded (changes were missed).
    let after = loads(&answer(&mut s, *req, Ok(Loaded::Status(status()))));
    assert_eq!(s.conn, Conn::Connected);
    assert!(
        matches!(after.as_slice(), [(_, q)] if q.slot() == LoadSlot::Tab(TabId::Budget)),
        "{after:?}"
    );
}

#[test]
fn without_a_listening_feed_the_header_is_read_with_every_tab_refresh() {
    let mut s = connected();
    assert!(update(&mut s, Msg::FeedLost).len() == 1, "the check");
    s.loads = Default::default();
    s.loads.last_tab_refresh_at = Some(t0());
    let asked = idle(&mut s, t0(), 15);
    assert_eq!(
        asked.iter().filter(|q| is_status(q)).count(),
        3,
        "{asked:?}"
    );
    assert_eq!(asked.len(), 6, "{asked:?}");
    // Listening again: what is on screen is reloaded (changes were missed), then nothing more
    // for the header.
    let back = loads(&update(&mut s, Msg::FeedUp));
    assert_eq!(back.len(), 2, "{back:?}");
    for (req, q) in back {
        let result = if is_status(&q) {
            Ok(Loaded::Status(status()))
        } else {
            Err(LoadError {
                unavailable: false,
                message: "test".into(),
            })
        };
        answer(&mut s, req, result);
    }
    let asked = idle(&mut s, t0() + secs(15), 15);
    assert!(!asked.iter().any(is_status), "{asked:?}");
}

#[test]
fn a_load_that_hangs_checks_the_connection_once() {
    let mut s = connected();
    s.setup.refresh = Duration::from_secs(60);
    let Effect::Load { req: hung, .. } = s.load(Query::Budget) else {
        unreachable!()
    };
    let mut checks = Vec::new();
    for i in 1..=STALL_SECS + 10 {
        for (req, q) in loads(&update(&mut s, Msg::Tick(t0() + secs(i)))) {
            assert_eq!(q, Query::CheckStatus, "second {i}");
            checks.push((i, req));
        }
        // The check answers (a slow query, not a dead server): no second one for this load.
        if let Some((_, req)) = checks.last().copied()
            && s.loads.inflight.get(&LoadSlot::Status) == Some(&req)
        {
            answer(&mut s, req, Ok(Loaded::Status(status())));
        }
    }
    assert_eq!(checks.len(), 1, "{checks:?}");
    assert_eq!(checks[0].0, STALL_SECS);
    assert!(s.loads.inflight.get(&LoadSlot::Tab(TabId::Budget)) == Some(&hung));
}

/// `url` without TLS (the proxy counts plain protocol messages).
fn without_tls(url: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}sslmode=disable")
}

#[test]
fn the_first_frame_is_drawn_before_a_silent_server_answers_and_q_quits_at_once() {
    // A server that accepts and never says a word (a far-away host behind a dead link).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    std::thread::spawn({
        let held = held.clone();
        move || {
            for conn in listener.incoming().flatten() {
                held.lock().unwrap().push(conn);
            }
        }
    });
    let home = tempfile::tempdir().unwrap();
    let mut cmd = xbot_command(home.path());
    cmd.env(
        "DATABASE_URL",
        format!("postgres://oncall:s3cret-pw@127.0.0.1:{port}/silentdb"),
    );
    let started = Instant::now();
    let mut pty = Pty::spawn(cmd, 80, 24);
    let screen = pty.wait_text("connecting", Duration::from_secs(10));
    let first_frame = started.elapsed();
    eprintln!("first frame after {first_frame:?}:\n{screen}");
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains("127.0.0.1") && header.contains("silentdb"),
        "the header names the database: {header}"
    );
    assert!(!screen.contains("s3cret-pw"), "{screen}");
    assert!(
        !held.lock().unwrap().is_empty(),
        "the console was connecting"
    );
    // Keys work while it connects: a tab, the help.
    pty.send("7");
    pty.wait_text("7 Budget", Duration::from_secs(5));
    pty.send("?");
    pty.wait_text("Everywhere", Duration::from_secs(5));
    pty.send("\x1b");
    pty.wait_for("help closed", Duration::from_secs(5), |s| {
        !s.contains("Everywhere")
    });
    assert!(pty.screen().contains("connecting"));
    // q leaves at once, without waiting for the server.
    let asked = Instant::now();
    pty.send("q");
    let status = pty.wait_exit(Duration::from_secs(5));
    eprintln!("quit took {:?}", asked.elapsed());
    assert!(status.success(), "{status:?}");
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(pty.modes(), Modes::restored(), "the terminal is given back");
}

#[test]
fn a_refused_connection_ends_as_the_verbs_do() {
    // A port with nobody listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("postgres://oncall:s3cret-pw@127.0.0.1:{port}/gone");
    let home = tempfile::tempdir().unwrap();
    let verb = xbot_command(home.path())
        .arg("status")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(verb.status.code(), Some(2));
    let line = String::from_utf8_lossy(&verb.stderr).trim().to_string();
    assert!(line.starts_with("xbot: error:"), "{line}");

    let mut cmd = xbot_command(home.path());
    cmd.env("DATABASE_URL", &url);
    let mut pty = Pty::spawn(cmd, 200, 24);
    let status = pty.wait_exit(Duration::from_secs(15));
    assert_eq!(status.code(), Some(2), "{}", pty.screen());
    assert_eq!(pty.modes(), Modes::restored(), "the terminal is given back");
    // The same line, on the main screen once the console has left it.
    assert!(
        pty.screen().contains(&line),
        "expected {line:?}:\n{}",
        pty.screen()
    );
    assert!(!pty.raw_text().contains("s3cret-pw"));
}

/// Through the counting proxy, a console on the Safety tab with a 60 s refresh: idle, it costs
/// the database nothing (the target: at most one statement per 5 s); a review rejected
/// elsewhere is on its screen long before the next refresh.
#[test]
fn an_idle_console_leaves_the_database_alone_and_a_change_still_shows_at_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(TestDb::postgres()) else {
        return;
    };
    let mut opts = DemoOptions::new(Utc::now(), chrono_tz::Tz::UTC);
    opts.posts = 200;
    rt.block_on(seed(db.store.as_ref(), &opts, &mut |_, _| {}))
        .unwrap();
    let pending = rt.block_on(db.store.reviews(&["pending"], 1000)).unwrap();
    let proxy = rt
        .block_on(DelayProxy::start(
            upstream_of(&db.url).unwrap(),
            Duration::from_millis(1),
        ))
        .unwrap();
    let url = without_tls(&proxy.url_through(&db.url).unwrap());
    let home = tempfile::tempdir().unwrap();
    let mut cmd = xbot_command(home.path());
    cmd.env("DATABASE_URL", &url)
        .env("XBOT_REFRESH_SECONDS", "60");
    let mut pty = Pty::spawn(cmd, 160, 40);
    pty.wait_text("● connected", Duration::from_secs(30));
    pty.send("5");
    let count = format!("{} pending", pending.len());
    pty.wait_text(&count, Duration::from_secs(15));
    std::thread::sleep(Duration::from_secs(1));

    let before = proxy.stats();
    std::thread::sleep(Duration::from_secs(15));
    let idle = proxy.stats().since(&before);
    eprintln!("idle for 15 s: {idle:?}");
    assert!(idle.statements() <= 3, "{idle:?}");
    assert!(idle.round_trips <= 3, "{idle:?}");

    let before = proxy.stats();
    let out = xbot_command(home.path())
        .args([
            "review",
            "reject",
            &pending[0].id.to_string(),
            "--reason",
            "live",
        ])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decided = Instant::now();
    let count = format!("{} pending", pending.len() - 1);
    pty.wait_text(&count, Duration::from_secs(5));
    eprintln!(
        "the rejection was on screen {:?} after the verb",
        decided.elapsed()
    );
    // What the reload cost (the header and the tab; their statements are the store's).
    std::thread::sleep(Duration::from_millis(500));
    eprintln!("the reload: {:?}", proxy.stats().since(&before));

    pty.send("q");
    assert!(pty.wait_exit(Duration::from_secs(15)).success());
    drop(proxy);
    rt.block_on(db.cleanup());
}

/// A TCP relay that can stop relaying without closing anything, as a network partition does.
struct Partition {
    port: u16,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Partition {
    fn start(upstream: std::net::SocketAddr) -> Partition {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = cut.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = std::net::TcpStream::connect(upstream) else {
                    continue;
                };
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    let cut = flag.clone();
                    std::thread::spawn(move || {
                        use std::io::{Read, Write};
                        let mut buf = [0u8; 65536];
                        loop {
                            // While cut, nothing is read: bytes wait in the kernel, unanswered.
                            while cut.load(Ordering::SeqCst) {
                                std::thread::sleep(Duration::from_millis(20));
                            }
                            match from.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => {
                                    while cut.load(Ordering::SeqCst) {
                                        std::thread::sleep(Duration::from_millis(20));
                                    }
                                    if to.write_all(&buf[..n]).is_err() {
                                        break;
                                    }
                                }
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Partition { port, cut }
    }

    fn set(&self, cut: bool) {
        self.cut.store(cut, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A server that stops answering without closing anything (a network partition) is noticed by
/// the next tab refresh: unanswered for STALL_SECS, it brings a ping, whose 2 s timeout turns
/// the header DISCONNECTED; when the network is back, so is the console.
#[test]
fn a_partition_is_noticed_within_the_refresh_interval_plus_five_seconds() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(TestDb::postgres()) else {
        return;
    };
    let relay = Partition::start(upstream_of(&db.url).unwrap());
    // The test URL with the relay for host and port.
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let user = authority.rsplit_once('@').map_or("", |(u, _)| u);
    let url = without_tls(&format!("{scheme}://{user}@127.0.0.1:{}{path}", relay.port));
    let home = tempfile::tempdir().unwrap();
    let mut cmd = xbot_command(home.path());
    cmd.env("DATABASE_URL", &url);
    let mut pty = Pty::spawn(cmd, 160, 40);
    pty.wait_text("● connected", Duration::from_secs(30));
    pty.wait_text("updated <", Duration::from_secs(15));
    // Quiet first (the start-up's own notifications answered), so that the next tab refresh
    // is what finds the partition.
    std::thread::sleep(Duration::from_secs(2));
    relay.set(true);
    let cut = Instant::now();
    // The refresh interval (5 s) plus the stall (3 s) plus the ping's timeout (2 s), plus a
    // tick either side.
    pty.wait_text("DISCONNECTED", Duration::from_secs(13));
    eprintln!("DISCONNECTED {:?} after the partition", cut.elapsed());
    relay.set(false);
    let healed = Instant::now();
    pty.wait_text("● connected", Duration::from_secs(15));
    eprintln!("connected again {:?} after it healed", healed.elapsed());
    pty.send("q");
    assert!(pty.wait_exit(Duration::from_secs(15)).success());
    rt.block_on(db.cleanup());
}
