//! `xbot bench console`: the console's performance figures, side by side in one run.
//!
//! 1. Frame render time of each tab at 200x60, in-process: the state is loaded from the real
//!    store the way the console loads it, then drawn into a ratatui `TestBackend` many times.
//! 2. Start-up to the first frame and to the first frame with data: the real binary in a
//!    pseudo-terminal at 200x60.
//! 3. Resident memory with the Outcomes tab open on a large database (`--big`), paged.
//! 4. Bytes written to the terminal during an idle refresh, and during the refresh after one
//!    visible value changed in the database.

mod pty;
mod screen;

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde::Serialize;

use super::super::CliError;
use super::super::output::{Align, Table, print_json};
use crate::config::{Config, DatabaseTarget, parse_database_url};
use crate::console::draw::draw;
use crate::console::keymap::KeyMap;
use crate::console::msg::{Effect, Msg, Query};
use crate::console::state::State;
use crate::console::tabs::TabId;
use crate::console::theme::{Theme, terminal_has_truecolor};
use crate::console::{effects, setup_from, update};
use crate::identity::Operator;
use crate::learning::slots;
use crate::store::{self, MigrationPolicy, Store};
use pty::Pty;

/// The terminal size of every measurement.
pub const COLS: u16 = 200;
pub const ROWS: u16 = 60;

/// Targets, printed next to the figures (the tests never check them).
const TARGET_FRAME_MS: f64 = 2.0;
const TARGET_FIRST_FRAME_MS: f64 = 150.0;
const TARGET_RSS_MB: f64 = 60.0;

/// On screen once the tab bar is drawn (its last label).
const FRAME_MARKER: &str = "9 Incidents";
/// On screen once the Outcomes tab holds data: its data-health line comes with the rows.
const DATA_MARKER: &str = "with metrics";
/// On screen once the landing tab (the Overview) holds data: its budget line.
const LANDING_MARKER: &str = "today";

const PAGE_DOWN: &[u8] = b"\x1b[6~";

#[derive(Debug, clap::Args)]
pub struct ConsoleArgs {
    /// Frames drawn per tab for the render timings (median and p95 reported).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub frames: u32,
    /// Start-up runs in a pseudo-terminal (the median is reported).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub runs: u32,
    /// A database holding 1,000,000 posts (made with `xbot demo --scale 1000000`) for the
    /// memory figure; without it, memory is not measured.
    #[arg(long, value_name = "URL")]
    pub big: Option<String>,
    /// Outcomes pages to go through on `--big` before reading the memory figures.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub pages: u32,
    /// Also count the bytes of an idle refresh on every tab, not only on Outcomes.
    #[arg(long)]
    pub idle_tabs: bool,
    /// Longest wait, in seconds, for the console to show data (a large database is slower).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub timeout: u64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
pub struct ConsoleBench {
    pub backend: String,
    pub database: String,
    pub size: String,
    pub render: RenderBench,
    pub startup: StartupBench,
    pub memory: MemoryBench,
    pub refresh: RefreshBench,
}

#[derive(Debug, Serialize)]
pub struct RenderBench {
    pub frames: u32,
    pub target_ms: f64,
    pub tabs: Vec<TabRender>,
}

#[derive(Debug, Serialize)]
pub struct TabRender {
    pub tab: String,
    pub number: u8,
    /// How long loading the tab's data from the store took (one load).
    pub load_ms: f64,
    pub median_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct StartupBench {
    pub runs: u32,
    pub target_ms: f64,
    /// Median time from spawn to the first frame (the tab bar drawn on the alternate screen).
    pub first_frame_ms: f64,
    /// Median time from spawn to the first frame with the Outcomes rows.
    pub first_data_ms: f64,
    pub first_frame_runs_ms: Vec<f64>,
    pub first_data_runs_ms: Vec<f64>,
}

#[derive(Debug, Serialize)]
pub struct MemoryBench {
    pub measured: bool,
    /// Why not, when not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_posts: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_data_ms: Option<f64>,
    /// The Outcomes page reached by paging down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_rss_mb: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_hwm_mb: Option<f64>,
    pub target_mb: f64,
}

#[derive(Debug, Serialize)]
pub struct RefreshBench {
    pub tab: String,
    pub refresh_s: f64,
    /// Length of each counting window (one refresh interval and a margin for the load).
    pub window_s: f64,
    /// Bytes written during a window with nothing changed (the goal is 0).
    pub idle_bytes: u64,
    /// Bytes written during the window in which one visible value changed.
    pub change_bytes: u64,
    /// Screen cells that differ before and after the change window.
    pub change_cells: usize,
    /// What was changed in the database (and put back afterwards).
    pub changed: String,
    pub changed_decision_id: String,
    pub impressions_before: i64,
    /// Whether the new value showed on the screen by the end of the window.
    pub change_shown: bool,
    /// With `--idle-tabs`: the idle refresh of every tab.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub idle_by_tab: Vec<IdleTab>,
}

#[derive(Debug, Serialize)]
pub struct IdleTab {
    pub tab: String,
    pub idle_bytes: u64,
    /// The screen lines that changed in the window (what an idle refresh should not redraw).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed_lines: Vec<String>,
    /// The start of what was written, escaped.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub written: String,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median_ms(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// The p-th percentile (nearest rank) of `v`.
fn percentile(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

fn failed(what: &str) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |e| CliError::Failed(format!("{what}: {e}"))
}

pub async fn run(args: ConsoleArgs, cfg: &Config) -> Result<(), CliError> {
    let big = match &args.big {
        Some(url) => Some((
            url.clone(),
            parse_database_url(url).map_err(|e| CliError::Usage(format!("--big {url:?}: {e}")))?,
        )),
        None => None,
    };
    let timeout = Duration::from_secs(args.timeout);
    // A large database that cannot be opened fails the run at once, not after the other parts.
    let big = match big {
        Some((url, target)) => {
            let (backend, total_posts) = big_database(&target, cfg).await?;
            Some((url, target, backend, total_posts))
        }
        None => None,
    };

    // Opening here also fills the default demo database on first use, before any console
    // starts (so start-up is never measured with the seeding in it).
    let store = super::super::open_store(cfg, MigrationPolicy::Apply).await?;
    if !cfg.read_only
        && let Err(e) = store
            .sync_schedules(&crate::jobs::catalog::effective(&cfg.jobs), Utc::now())
            .await
    {
        crate::say!("xbot: warning: could not write the job schedules: {e}");
    }
    let backend = store.backend().as_str().to_string();
    let render = render_times(store.as_ref(), cfg, args.frames).await;
    store.close().await;
    let render = render?;

    let startup = startup_times(cfg, args.runs, timeout).await?;
    let memory = match big {
        Some((url, target, backend, total_posts)) => {
            let mut m = memory_on(cfg, &url, args.pages, timeout).await?;
            m.backend = Some(backend);
            m.database = Some(target.display_masked());
            m.total_posts = Some(total_posts);
            m
        }
        None => MemoryBench {
            measured: false,
            note: Some("not measured: pass --big URL (a database with 1,000,000 posts)".into()),
            backend: None,
            database: None,
            total_posts: None,
            first_data_ms: None,
            page: None,
            vm_rss_mb: None,
            vm_hwm_mb: None,
            target_mb: TARGET_RSS_MB,
        },
    };
    let refresh = refresh_bytes(cfg, timeout, args.idle_tabs).await?;

    let result = ConsoleBench {
        backend,
        database: cfg.database.display_masked(),
        size: format!("{COLS}x{ROWS}"),
        render,
        startup,
        memory,
        refresh,
    };
    if args.json {
        return print_json(&result);
    }
    print_tables(&result);
    Ok(())
}

fn print_tables(r: &ConsoleBench) {
    let ok = |good: bool| if good { "ok" } else { "OVER" };
    let mut t = Table::new(&[
        ("tab", Align::Left),
        ("load (ms)", Align::Right),
        ("median (ms)", Align::Right),
        ("p95 (ms)", Align::Right),
        ("max (ms)", Align::Right),
        ("< 2 ms", Align::Left),
    ]);
    for tab in &r.render.tabs {
        t.row(vec![
            format!("{} {}", tab.number, tab.tab),
            format!("{:.1}", tab.load_ms),
            format!("{:.3}", tab.median_ms),
            format!("{:.3}", tab.p95_ms),
            format!("{:.3}", tab.max_ms),
            ok(tab.p95_ms < TARGET_FRAME_MS).into(),
        ]);
    }
    crate::out!(
        "console on {} ({}), {}\n\nframe render time per tab, {} frames each (TestBackend)\n{}",
        r.database,
        r.backend,
        r.size,
        r.render.frames,
        t.render()
    );

    let mut t = Table::new(&[
        ("measure", Align::Left),
        ("value", Align::Right),
        ("target", Align::Right),
        ("", Align::Left),
    ]);
    let s = &r.startup;
    t.row(vec![
        format!("start-up to first frame (median of {})", s.runs),
        format!("{:.0} ms", s.first_frame_ms),
        format!("< {TARGET_FIRST_FRAME_MS:.0} ms"),
        ok(s.first_frame_ms < TARGET_FIRST_FRAME_MS).into(),
    ]);
    t.row(vec![
        format!("start-up to first data (median of {})", s.runs),
        format!("{:.0} ms", s.first_data_ms),
        String::new(),
        String::new(),
    ]);
    let m = &r.memory;
    if m.measured {
        let on = format!(
            "{} posts, {}, page {}",
            crate::console::widgets::count(m.total_posts.unwrap_or(0)),
            m.backend.as_deref().unwrap_or("?"),
            m.page.unwrap_or(0)
        );
        t.row(vec![
            format!("Outcomes first data ({on})"),
            format!("{:.0} ms", m.first_data_ms.unwrap_or(0.0)),
            String::new(),
            String::new(),
        ]);
        t.row(vec![
            format!("VmRSS, Outcomes open ({on})"),
            format!("{:.1} MB", m.vm_rss_mb.unwrap_or(0.0)),
            format!("< {TARGET_RSS_MB:.0} MB"),
            ok(m.vm_rss_mb.unwrap_or(f64::MAX) < TARGET_RSS_MB).into(),
        ]);
        t.row(vec![
            format!("VmHWM, Outcomes open ({on})"),
            format!("{:.1} MB", m.vm_hwm_mb.unwrap_or(0.0)),
            format!("< {TARGET_RSS_MB:.0} MB"),
            ok(m.vm_hwm_mb.unwrap_or(f64::MAX) < TARGET_RSS_MB).into(),
        ]);
    } else {
        t.row(vec![
            "resident memory, Outcomes open on 1,000,000 posts".into(),
            "not measured".into(),
            format!("< {TARGET_RSS_MB:.0} MB"),
            "pass --big URL".into(),
        ]);
    }
    let f = &r.refresh;
    t.row(vec![
        format!(
            "bytes written, idle refresh ({} tab, {:.1} s window)",
            f.tab, f.window_s
        ),
        f.idle_bytes.to_string(),
        "0".into(),
        ok(f.idle_bytes == 0).into(),
    ]);
    t.row(vec![
        "bytes written, refresh with one value changed".into(),
        f.change_bytes.to_string(),
        String::new(),
        format!("{} cell(s) changed", f.change_cells),
    ]);
    crate::out!("{}", t.render());
    if let Some(note) = &m.note {
        crate::out!("memory: {note}");
    }
    crate::out!("changed: {}", f.changed);
    if !f.idle_by_tab.is_empty() {
        let mut t = Table::new(&[
            ("tab", Align::Left),
            ("idle refresh bytes", Align::Right),
            ("changed on screen", Align::Left),
        ]);
        for i in &f.idle_by_tab {
            t.row(vec![
                i.tab.clone(),
                i.idle_bytes.to_string(),
                crate::text::cell(&i.changed_lines.join(" | "), 100),
            ]);
        }
        crate::out!(
            "\nidle refresh per tab ({:.1} s window)\n{}",
            f.window_s,
            t.render()
        );
    }
}

/// A console state as the console builds it, on this configuration.
pub(super) fn console_state(cfg: &Config, target: &str) -> Result<State, CliError> {
    let keymap = KeyMap::build(&cfg.keys)?;
    let truecolor =
        cfg.truecolor || terminal_has_truecolor(std::env::var("COLORTERM").ok().as_deref());
    let theme = Theme::load(&cfg.theme, &cfg.paths.theme_dir, truecolor)?;
    let setup = setup_from(cfg, target.to_string());
    let mut s = State::new(setup, Operator::current(), keymap, theme, Utc::now());
    s.size = (COLS, ROWS);
    Ok(s)
}

/// Load `query` the way the executor does and hand the answer to `update`.
async fn feed(s: &mut State, store: &dyn Store, query: Query) -> Result<Duration, CliError> {
    let Effect::Load { req, .. } = update::load(s, query.clone()) else {
        return Err(CliError::Failed("a load is not a load".into()));
    };
    let t = Instant::now();
    let data = effects::load(store, &s.setup, &query, Utc::now()).await?;
    let took = t.elapsed();
    s.now = Utc::now();
    update::update(
        s,
        Msg::Loaded {
            req,
            result: Ok(Box::new(data)),
        },
    );
    Ok(took)
}

async fn render_times(
    store: &dyn Store,
    cfg: &Config,
    frames: u32,
) -> Result<RenderBench, CliError> {
    let mut s = console_state(cfg, store.target())?;
    let mut tabs = Vec::new();
    for tab in TabId::ALL {
        s.tab = tab;
        feed(&mut s, store, Query::Status).await?;
        let q = update::tab_query(&s, tab);
        let load = feed(&mut s, store, q).await?;
        let mut term = Terminal::new(TestBackend::new(COLS, ROWS))
            .map_err(|e| CliError::Failed(format!("TestBackend: {e}")))?;
        let mut times = Vec::with_capacity(frames as usize);
        // A few frames to warm up caches and allocations, not counted.
        for i in 0..frames + 3 {
            let t = Instant::now();
            term.draw(|f| draw(f, &s))
                .map_err(|e| CliError::Failed(format!("drawing {}: {e}", tab.title())))?;
            if i >= 3 {
                times.push(ms(t.elapsed()));
            }
        }
        tabs.push(TabRender {
            tab: tab.title().to_string(),
            number: tab.number(),
            load_ms: ms(load),
            median_ms: median_ms(&times),
            p95_ms: percentile(&times, 95.0),
            max_ms: times.iter().copied().fold(0.0, f64::max),
        });
    }
    Ok(RenderBench {
        frames,
        target_ms: TARGET_FRAME_MS,
        tabs,
    })
}

/// The console (this very binary, no verb) on the configuration's database, or on `database`.
fn console_command(
    cfg: &Config,
    database: Option<&str>,
    refresh: Duration,
) -> Result<Command, CliError> {
    let exe = std::env::current_exe().map_err(failed("cannot find the xbot binary"))?;
    let mut cmd = Command::new(exe);
    if cfg.paths.config_file_explicit {
        cmd.arg("--config").arg(&cfg.paths.config_file);
    }
    let url = match (database, &cfg.database) {
        (Some(url), _) => Some(url.to_string()),
        (None, DatabaseTarget::Postgres { url }) => Some(url.clone()),
        (
            None,
            DatabaseTarget::Sqlite {
                path,
                is_default: false,
            },
        ) => Some(format!("sqlite://{}", path.display())),
        // The default embedded database: the child finds it in the same XDG data dir.
        (None, DatabaseTarget::Sqlite { .. }) => None,
    };
    if let Some(url) = url {
        cmd.arg("--database-url").arg(url);
    }
    cmd.arg("--timezone").arg(cfg.timezone.name());
    cmd.arg("--theme").arg(&cfg.theme);
    cmd.arg("--refresh").arg(refresh.as_secs_f64().to_string());
    if cfg.read_only {
        cmd.arg("--read-only");
    }
    if cfg.ascii {
        cmd.arg("--ascii");
    }
    if std::env::var("TERM").map_or(true, |t| t.is_empty() || t == "dumb") {
        cmd.env("TERM", "xterm-256color");
    }
    Ok(cmd)
}

fn spawn(cmd: Command) -> Result<Pty, CliError> {
    Pty::spawn(cmd, COLS, ROWS).map_err(failed("cannot run the console in a pseudo-terminal"))
}

/// The last lines of the screen, for error messages.
fn screen_tail(pty: &Pty) -> String {
    let text = pty.text();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(8);
    lines[start..].join("\n")
}

/// Wait until `marker` shows on the screen; the time it first showed, from spawn.
async fn wait_for(pty: &mut Pty, marker: &str, timeout: Duration) -> Result<Duration, CliError> {
    pty.lock().screen.watch(marker);
    let start = Instant::now();
    loop {
        if let Some(at) = pty.lock().screen.seen(marker) {
            return Ok(at.saturating_duration_since(pty.spawned_at));
        }
        if let Some(status) = pty.exited() {
            // Let the reader take the last output.
            tokio::time::sleep(Duration::from_millis(100)).await;
            return Err(CliError::Failed(format!(
                "the console exited ({status}) before showing {marker:?}; its screen:\n{}",
                screen_tail(pty)
            )));
        }
        if start.elapsed() > timeout {
            let tail = screen_tail(pty);
            pty.kill();
            return Err(CliError::Failed(format!(
                "the console did not show {marker:?} within {} s; its screen:\n{tail}",
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Quit with `q` and wait; SIGTERM after a few seconds, then kill.
async fn quit(mut pty: Pty) -> Result<(), CliError> {
    tokio::task::spawn_blocking(move || {
        pty.quit(Duration::from_secs(10))
            .map(|_| ())
            .map_err(CliError::Failed)
    })
    .await
    .map_err(|e| CliError::Failed(format!("waiting for the console: {e}")))?
}

/// From start-up, the time until the Outcomes tab holds data: it is one key (`1`) away from the
/// landing tab, pressed as soon as the tab bar is drawn.
async fn open_outcomes(pty: &mut Pty, timeout: Duration) -> Result<Duration, CliError> {
    pty.lock().screen.watch(DATA_MARKER);
    wait_for(pty, FRAME_MARKER, timeout).await?;
    pty.send(b"1").map_err(failed("typing into the console"))?;
    wait_for(pty, DATA_MARKER, timeout).await
}

async fn startup_times(
    cfg: &Config,
    runs: u32,
    timeout: Duration,
) -> Result<StartupBench, CliError> {
    let (mut frame, mut data) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let mut pty = spawn(console_command(cfg, None, cfg.refresh)?)?;
        {
            let mut o = pty.lock();
            o.screen.watch(FRAME_MARKER);
            o.screen.watch(LANDING_MARKER);
        }
        let f = wait_for(&mut pty, FRAME_MARKER, timeout).await?;
        let d = wait_for(&mut pty, LANDING_MARKER, timeout).await?;
        frame.push(ms(f));
        data.push(ms(d));
        quit(pty).await?;
    }
    Ok(StartupBench {
        runs,
        target_ms: TARGET_FIRST_FRAME_MS,
        first_frame_ms: median_ms(&frame),
        first_data_ms: median_ms(&data),
        first_frame_runs_ms: frame,
        first_data_runs_ms: data,
    })
}

/// `VmRSS` and `VmHWM` of a process, in MB.
fn memory_of(pid: u32) -> Result<(f64, f64), CliError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(failed("cannot read the console's /proc status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .ok_or_else(|| CliError::Failed(format!("no {name} in /proc/{pid}/status")))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// The backend of the large database and its number of posts (opening it proves it works).
async fn big_database(target: &DatabaseTarget, cfg: &Config) -> Result<(String, i64), CliError> {
    let opened = store::open(target, MigrationPolicy::Require)
        .await
        .map_err(CliError::Open)?;
    let now = Utc::now();
    let (day_start, day_end) =
        slots::day_bounds_utc(slots::local_date(now, cfg.timezone), cfg.timezone);
    let health = opened.store.data_health(now, day_start, day_end).await;
    let backend = opened.store.backend().as_str().to_string();
    opened.store.close().await;
    Ok((backend, health?.total_posts))
}

async fn memory_on(
    cfg: &Config,
    url: &str,
    pages: u32,
    timeout: Duration,
) -> Result<MemoryBench, CliError> {
    let mut pty = spawn(console_command(cfg, Some(url), cfg.refresh)?)?;
    let first_data = open_outcomes(&mut pty, timeout).await?;
    let mut page = 1;
    let deadline = Instant::now() + timeout;
    while page < pages && Instant::now() < deadline {
        let next = format!("page {} ", page + 1);
        pty.lock().screen.watch(&next);
        pty.send(PAGE_DOWN)
            .map_err(failed("typing into the console"))?;
        tokio::time::sleep(Duration::from_millis(50)).await;
        if pty.lock().screen.seen(&next).is_some() {
            page += 1;
        } else if pty.exited().is_some() {
            return Err(CliError::Failed(format!(
                "the console exited while paging; its screen:\n{}",
                screen_tail(&pty)
            )));
        }
    }
    // Let the last page's load land and settle.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (rss, hwm) = memory_of(pty.pid())?;
    quit(pty).await?;
    Ok(MemoryBench {
        measured: true,
        note: (page < pages).then(|| format!("reached page {page} of {pages} before the timeout")),
        backend: None,
        database: None,
        total_posts: None,
        first_data_ms: Some(ms(first_data)),
        page: Some(page),
        vm_rss_mb: Some(rss),
        vm_hwm_mb: Some(hwm),
        target_mb: TARGET_RSS_MB,
    })
}

/// Sleep until a window of `window` fits before the wall clock's next minute, and the console
/// has drawn the current minute (its clock ticks once a second, so up to a second late): the
/// header clock (HH:MM) must not change inside a counting window.
async fn avoid_minute_change(window: Duration) {
    const TICK: Duration = Duration::from_millis(1300);
    let now = Utc::now();
    let into = Duration::from_secs(u64::from(now.second()))
        + Duration::from_nanos(u64::from(now.nanosecond().min(999_999_999)));
    let left = Duration::from_secs(60).saturating_sub(into);
    if into < TICK {
        tokio::time::sleep(TICK - into).await;
    } else if left < window + Duration::from_millis(300) {
        tokio::time::sleep(left + TICK).await;
    }
}

/// Wait until the console has written nothing for `quiet`, at most `cap`.
async fn settle(pty: &Pty, quiet: Duration, cap: Duration) {
    let start = Instant::now();
    while start.elapsed() < cap {
        let last = pty.lock().last_byte;
        if last.is_none_or(|t| t.elapsed() >= quiet) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Count the bytes the console writes during `window`.
async fn count_bytes(pty: &Pty, window: Duration) -> u64 {
    let before = pty.bytes();
    tokio::time::sleep(window).await;
    pty.bytes() - before
}

fn cells_changed(a: &str, b: &str) -> usize {
    a.lines()
        .zip(b.lines())
        .map(|(x, y)| {
            let (x, y): (Vec<char>, Vec<char>) = (x.chars().collect(), y.chars().collect());
            let n = x.len().max(y.len());
            (0..n).filter(|i| x.get(*i) != y.get(*i)).count()
        })
        .sum()
}

/// The lines of `b` that differ from `a`, trimmed (at most a few).
fn changed_lines(a: &str, b: &str) -> Vec<String> {
    a.lines()
        .zip(b.lines())
        .filter(|(x, y)| x != y)
        .map(|(_, y)| y.trim().to_string())
        .take(4)
        .collect()
}

async fn refresh_bytes(
    cfg: &Config,
    timeout: Duration,
    idle_tabs: bool,
) -> Result<RefreshBench, CliError> {
    let refresh = cfg.refresh;
    // The clock ticks once a second: a tab refresh falls within `refresh` + 1 s, and its
    // load and frame take a moment more.
    let window = refresh + Duration::from_millis(1500);
    let mut pty = spawn(console_command(cfg, None, refresh)?)?;
    open_outcomes(&mut pty, timeout).await?;
    // Flash messages fade after 5 s; let the start-up's frames pass.
    tokio::time::sleep(Duration::from_secs(6)).await;
    settle(&pty, window, window * 3).await;

    avoid_minute_change(window).await;
    let idle = count_bytes(&pty, window).await;

    let mut change = Change::open(&cfg.database).await?;
    let (id, impressions) = change.newest_with_impressions().await?;
    settle(&pty, Duration::from_millis(300), window).await;
    avoid_minute_change(window).await;
    let before = pty.text();
    let start = pty.bytes();
    change.add_impressions(&id, 1).await?;
    let changed_at = Instant::now();
    let new_value = crate::console::widgets::count(impressions + 1);
    tokio::time::sleep(window.saturating_sub(changed_at.elapsed())).await;
    let change_bytes = pty.bytes() - start;
    let after = pty.text();
    let put_back = change.add_impressions(&id, -1).await;
    let mut idle_by_tab = Vec::new();
    if idle_tabs && put_back.is_ok() {
        for tab in TabId::ALL {
            pty.send(tab.number().to_string().as_bytes())
                .map_err(failed("typing into the console"))?;
            // The tab's first load and frame, then a refresh interval of quiet.
            tokio::time::sleep(Duration::from_millis(300)).await;
            settle(&pty, window, window * 3).await;
            avoid_minute_change(window).await;
            let before = pty.text();
            {
                let mut o = pty.lock();
                o.raw.clear();
                o.keep = true;
            }
            let idle_bytes = count_bytes(&pty, window).await;
            let written = {
                let mut o = pty.lock();
                o.keep = false;
                let raw = std::mem::take(&mut o.raw);
                raw[..raw.len().min(300)].escape_ascii().to_string()
            };
            let after = pty.text();
            idle_by_tab.push(IdleTab {
                tab: tab.title().into(),
                idle_bytes,
                changed_lines: changed_lines(&before, &after),
                written,
            });
        }
    }
    quit(pty).await?;
    put_back?;
    Ok(RefreshBench {
        tab: TabId::Outcomes.title().into(),
        refresh_s: refresh.as_secs_f64(),
        window_s: window.as_secs_f64(),
        idle_bytes: idle,
        change_bytes,
        change_cells: cells_changed(&before, &after),
        changed: format!(
            "impressions of the newest post with metrics ({id}) {} → {new_value}, put back after",
            crate::console::widgets::count(impressions)
        ),
        change_shown: after.contains(&new_value) && before != after,
        idle_by_tab,
        changed_decision_id: id,
        impressions_before: impressions,
    })
}

/// One value changed behind the console's back, with plain SQL.
enum Change {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Change {
    async fn open(target: &DatabaseTarget) -> Result<Change, CliError> {
        use sqlx::ConnectOptions;
        let err = |e: sqlx::Error| {
            CliError::Failed(format!(
                "cannot connect to {} to change a value: {e}",
                target.display_masked()
            ))
        };
        Ok(match target {
            DatabaseTarget::Sqlite { path, .. } => Change::Sqlite(
                sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(path)
                    .busy_timeout(Duration::from_secs(10))
                    .connect()
                    .await
                    .map_err(err)?,
            ),
            DatabaseTarget::Postgres { url } => {
                let opts: sqlx::postgres::PgConnectOptions = url.parse().map_err(err)?;
                // xbot's schema for learning_facts, xBOT's for outcomes.
                let opts = opts.options([("search_path", "xbot,public")]);
                Change::Postgres(opts.connect().await.map_err(err)?)
            }
        })
    }

    /// The newest post on the Outcomes tab whose impressions come from its outcome row.
    async fn newest_with_impressions(&mut self) -> Result<(String, i64), CliError> {
        const SQL: &str = "SELECT f.decision_id, CAST(o.impressions AS BIGINT) AS impressions
             FROM learning_facts f JOIN outcomes o ON CAST(o.decision_id AS TEXT) = f.decision_id
             WHERE o.impressions IS NOT NULL
             ORDER BY f.posted_epoch DESC, f.decision_id DESC LIMIT 1";
        let row: Option<(String, i64)> = match self {
            Change::Sqlite(c) => sqlx::query_as(SQL).fetch_optional(c).await,
            Change::Postgres(c) => sqlx::query_as(SQL).fetch_optional(c).await,
        }
        .map_err(|e| CliError::Failed(format!("cannot find a post to change: {e}")))?;
        row.ok_or_else(|| {
            CliError::Failed("no post with metrics to change (is the database empty?)".into())
        })
    }

    async fn add_impressions(&mut self, id: &str, delta: i64) -> Result<(), CliError> {
        let r = match self {
            Change::Sqlite(c) => sqlx::query(
                // As xBOT's metrics scraper writes it: the value and its time.
                "UPDATE outcomes SET impressions = impressions + ?1,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE decision_id = ?2",
            )
            .bind(delta)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()),
            Change::Postgres(c) => sqlx::query(
                "UPDATE outcomes SET impressions = impressions + $1, updated_at = now()
                 WHERE decision_id = $2",
            )
            .bind(delta)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()),
        };
        match r {
            Ok(1) => Ok(()),
            Ok(n) => Err(CliError::Failed(format!(
                "changing the impressions of {id} touched {n} rows"
            ))),
            Err(e) => Err(CliError::Failed(format!(
                "cannot change the impressions of {id}: {e}"
            ))),
        }
    }
}
