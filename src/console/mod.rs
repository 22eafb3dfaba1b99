//! The console: a ratatui terminal UI for on-call engineers.
//!
//! Data flows one way. An input task turns terminal events into messages; the key map turns
//! keys into actions; one pure `update` changes the state and returns effects; an executor runs
//! the effects (database reads, job runs, decisions) on tokio tasks and sends their results back
//! as messages; drawing only reads the state, and happens only when something changed, at most
//! 20 times a second. The UI task never waits on the database.

pub mod actions;
pub mod clipboard;
pub mod command;
pub mod dialog;
pub mod draw;
pub mod effects;
pub mod input;
pub mod keymap;
pub mod msg;
pub mod state;
pub mod tabbar;
pub mod tabs;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod widgets;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::app::{CliError, open_store_telling};
use crate::config::Config;
use crate::identity::Operator;
use crate::jobs::{JobEnv, catalog};
use crate::store::{MigrationPolicy, StoreHandle};
use effects::Executor;
use msg::{Effect, Msg};
use state::{Setup, State};

/// The shortest time between two frames (at most 20 a second).
pub const FRAME: Duration = Duration::from_millis(50);

/// What the console is started with, from the configuration.
pub fn setup_from(cfg: &Config, target: String) -> Setup {
    Setup {
        backend: cfg.database.backend_name(),
        target,
        tz: cfg.timezone,
        read_only: cfg.read_only,
        demo: cfg.database.is_default(),
        refresh: cfg.refresh,
        daily_limit_usd: cfg.budget.daily_limit_usd,
        expert_daily_cap: cfg.budget.expert_daily_cap,
        ascii: cfg.ascii,
        user_theme_dir: cfg.paths.theme_dir.clone(),
        truecolor: cfg.truecolor
            || theme::terminal_has_truecolor(std::env::var("COLORTERM").ok().as_deref()),
        slots: cfg.slots.clone(),
        ai_configured: cfg.ai.is_configured(),
        job_overrides: cfg.jobs.clone(),
        bell: cfg.console_bell,
    }
}

/// Run the console until the operator quits or a signal arrives.
pub async fn run(cfg: Config) -> Result<(), CliError> {
    // Everything that can fail on bad input fails here, before the terminal is touched.
    let keymap = keymap::KeyMap::build(&cfg.keys)?;
    let truecolor =
        cfg.truecolor || theme::terminal_has_truecolor(std::env::var("COLORTERM").ok().as_deref());
    let theme = theme::Theme::load(&cfg.theme, &cfg.paths.theme_dir, truecolor)?;
    // The header names the database before it is reached, as the store will (password masked).
    let setup = setup_from(&cfg, cfg.database.display_masked());
    let cfg = Arc::new(cfg);
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut state = State::new(
        setup.clone(),
        Operator::current(),
        keymap,
        theme,
        Utc::now(),
    );

    terminal::install_panic_hook();
    let (mut term, _written) =
        terminal::enter().map_err(|e| CliError::Failed(format!("cannot use the terminal: {e}")))?;
    let guard = terminal::Guard;
    let size = term.size().map_err(|e| CliError::Failed(e.to_string()))?;
    state.size = (size.width, size.height);
    term.draw(|f| draw::draw(f, &state))
        .map_err(|e| CliError::Failed(format!("drawing failed: {e}")))?;
    state.dirty = false;
    let mut last_draw = Some(Instant::now());

    spawn_input(tx.clone());
    spawn_clock(tx.clone());
    spawn_signals(tx.clone());
    // The first frame says "connecting" while the store opens (a connection and one statement
    // batch, far away: a round trip each, or a server that does not answer at all); keys work
    // meanwhile, and the effects they ask for wait for the store.
    let (open_tx, open_rx) = tokio::sync::oneshot::channel();
    let opening = tokio::spawn({
        let (cfg, tx) = (cfg.clone(), tx.clone());
        async move {
            let _ = open_tx.send(open(&cfg, &tx).await);
        }
    });
    let mut open_rx = Some(open_rx);
    let mut live: Option<Live> = None;
    let mut waiting: Vec<Effect> = update::refresh(&mut state);

    let result = loop {
        // Wait for a message, the store, or the next allowed frame when a draw is pending.
        let wait = last_draw.map_or(Duration::ZERO, |t| FRAME.saturating_sub(t.elapsed()));
        let msg = tokio::select! {
            m = rx.recv() => m,
            opened = until_open(&mut open_rx) => {
                open_rx = None;
                match opened {
                    Ok(Ok(store)) => {
                        let l = Live::start(store, &cfg, &setup, &tx);
                        // What was wanted meanwhile: the current loads and the actions asked
                        // for, in order; a load superseded, or for a tab no longer shown, is
                        // forgotten so the tab loads afresh when shown.
                        for e in waiting.drain(..) {
                            match e {
                                Effect::Load { req, query }
                                    if !state.is_current(req)
                                        || matches!(query.slot(), msg::LoadSlot::Tab(t) if t != state.tab) =>
                                {
                                    state.forget(req);
                                }
                                e => l.executor.spawn(e),
                            }
                        }
                        live = Some(l);
                        None
                    }
                    Ok(Err(e)) => break Err(e),
                    Err(_) => break Err(CliError::Failed("opening the database failed".into())),
                }
            }
            _ = tokio::time::sleep(wait), if state.dirty => None,
        };
        let mut effects = Vec::new();
        if let Some(m) = msg {
            effects.extend(update::update(&mut state, m));
            // Take everything already queued before drawing (coalesces bursts of input).
            while let Ok(m) = rx.try_recv() {
                effects.extend(update::update(&mut state, m));
            }
        }
        let mut quit = false;
        for e in effects {
            match e {
                Effect::Quit => quit = true,
                Effect::Suspend => {
                    if let Err(e) = terminal::suspend(&mut term) {
                        break_err(&e);
                    }
                    state.dirty = true;
                }
                Effect::Bell => {
                    use std::io::Write;
                    let mut out = std::io::stdout();
                    let _ = out.write_all(b"\x07");
                    let _ = out.flush();
                }
                Effect::Clipboard(text) => {
                    // Between frames, straight to the terminal: nothing on screen moves.
                    use std::io::Write;
                    let tmux = std::env::var_os("TMUX").is_some();
                    let mut out = std::io::stdout();
                    let _ = out.write_all(clipboard::osc52(&text, tmux).as_bytes());
                    let _ = out.flush();
                }
                Effect::Redraw => {
                    // Clears the screen and forgets the last frame, so the next draw writes
                    // every cell (`ctrl+l`, and SIGCONT after a stop).
                    let _ = term.clear();
                    state.dirty = true;
                    last_draw = None;
                }
                other => match &live {
                    Some(l) => l.executor.spawn(other),
                    None => waiting.push(other),
                },
            }
        }
        if quit {
            break Ok(());
        }
        if state.dirty && last_draw.is_none_or(|t| t.elapsed() >= FRAME) {
            if let Err(e) = term.draw(|f| draw::draw(f, &state)) {
                break Err(CliError::Failed(format!("drawing failed: {e}")));
            }
            state.dirty = false;
            last_draw = Some(Instant::now());
        }
    };

    // Leaving while the store still opens: nothing was read or done yet. A migration cut
    // short is rolled back by the database; a first run's demo seeding cut short leaves part
    // of the demo data (as ctrl+c before the console existed did; `xbot demo --reset`).
    opening.abort();
    match live {
        Some(l) => l.stop(term, guard).await,
        None => {
            drop(guard);
            terminal::release(term);
        }
    }
    result
}

/// Open the store as the verbs do (migrating as the config allows), write the job schedules
/// and register the notification destinations; what opening says goes to the screen.
async fn open(cfg: &Config, tx: &mpsc::UnboundedSender<Msg>) -> Result<StoreHandle, CliError> {
    let tell = |note| {
        let _ = tx.send(Msg::OpenNote(note));
    };
    let store = open_store_telling(cfg, MigrationPolicy::Apply, true, &tell).await?;
    if !cfg.read_only
        && let Err(e) = store
            .sync_schedules(&catalog::effective(&cfg.jobs), Utc::now())
            .await
    {
        tracing::warn!(error = %e, "could not write the job schedules");
    }
    let owner = Operator::current().lease_owner();
    if let Err(e) = crate::notify::register(&*store, cfg, &owner).await {
        tracing::warn!(error = %e, "could not register notification destinations");
    }
    Ok(store)
}

/// Resolves when the store has opened (or failed to); never once it has.
async fn until_open(
    rx: &mut Option<tokio::sync::oneshot::Receiver<Result<StoreHandle, CliError>>>,
) -> Result<Result<StoreHandle, CliError>, tokio::sync::oneshot::error::RecvError> {
    match rx {
        Some(rx) => rx.await,
        None => std::future::pending().await,
    }
}

/// What runs once the store is open: the executor, the change feed and the standby duty.
struct Live {
    store: StoreHandle,
    executor: Executor,
    changes: tokio::task::JoinHandle<()>,
    standby: tokio_util::sync::CancellationToken,
}

impl Live {
    fn start(
        store: StoreHandle,
        cfg: &Arc<Config>,
        setup: &Setup,
        tx: &mpsc::UnboundedSender<Msg>,
    ) -> Live {
        // While no `xbot serve` runs, this console delivers notifications and watches for it.
        let standby = tokio_util::sync::CancellationToken::new();
        tokio::spawn(crate::notify::standby::run(
            store.clone(),
            cfg.clone(),
            Operator::current().lease_owner(),
            standby.clone(),
        ));
        let executor = Executor {
            store: store.clone(),
            env: JobEnv::new(store.clone(), cfg.clone()),
            setup: Arc::new(setup.clone()),
            tx: tx.clone(),
            running: Arc::new(Mutex::new(HashMap::new())),
        };
        let changes = spawn_changes(store.clone(), tx.clone());
        Live {
            store,
            executor,
            changes,
            standby,
        }
    }

    /// Leaving: cancel the jobs started here and let them close their runs (leases released,
    /// nothing half-published), then give the terminal back and close the store.
    async fn stop(self, term: terminal::Term, guard: terminal::Guard) {
        if self.executor.cancel_all() > 0 {
            let deadline = Instant::now() + Duration::from_secs(15);
            while self.executor.running_count() > 0 && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        self.standby.cancel();
        drop(guard);
        terminal::release(term);
        self.changes.abort();
        let _ = self.changes.await;
        self.store.close().await;
    }
}

fn break_err(e: &std::io::Error) {
    tracing::error!(error = %e, "could not resume the terminal");
}

/// Terminal events → messages.
fn spawn_input(tx: mpsc::UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(ev) = events.next().await {
            let msg = match ev {
                Ok(Event::Key(k)) => Msg::Key(k),
                Ok(Event::Mouse(m)) => Msg::Mouse(m),
                Ok(Event::Paste(p)) => Msg::Paste(p),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "terminal input failed");
                    break;
                }
            };
            if tx.send(msg).is_err() {
                break;
            }
        }
    });
}

/// Live updates: a change committed to xbot's own tables anywhere reloads the screen (see
/// `store::changes`). The feed's connection is also the console's watch on the database: the
/// header is read only on changes, so a feed lost (the server closed it or went away) asks for
/// a connection check at once. A new feed is opened after a pause; once it listens
/// (`FeedUp`) the screen is reloaded, since changes may have been missed meanwhile.
pub fn spawn_changes(
    store: StoreHandle,
    tx: mpsc::UnboundedSender<Msg>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let mut feed = match store.change_feed().await {
                Ok(f) => f,
                Err(e) => {
                    tracing::debug!(error = %e, "no change feed; retrying");
                    tokio::time::sleep(FEED_RETRY).await;
                    continue;
                }
            };
            tracing::debug!("change feed listening");
            if tx.send(Msg::FeedUp).is_err() {
                feed.close().await;
                return;
            }
            // Read until the feed is lost. A burst (a decision notifies its review and its
            // audit row; a scheduler's round commits several small transactions) reloads once:
            // what arrives within COALESCE of the first change goes with it.
            let lost = loop {
                if let Some(reason) = gone(feed.next().await) {
                    break reason;
                }
                let until = tokio::time::Instant::now() + COALESCE;
                let mut lost = None;
                while lost.is_none()
                    && let Ok(more) = tokio::time::timeout_at(until, feed.next()).await
                {
                    lost = gone(more);
                }
                if tx.send(Msg::DataChanged).is_err() {
                    feed.close().await;
                    return;
                }
                if let Some(reason) = lost {
                    break reason;
                }
            };
            tracing::info!(reason = %lost, "change feed lost; checking the connection");
            if tx.send(Msg::FeedLost).is_err() {
                return;
            }
            feed.close().await;
            tokio::time::sleep(FEED_RETRY).await;
        }
    })
}

/// Why the feed is gone (lost or broken), or `None` for a change.
fn gone(next: Result<crate::store::changes::Change, crate::store::StoreError>) -> Option<String> {
    match next {
        Ok(crate::store::changes::Change::Changed(_)) => None,
        Ok(crate::store::changes::Change::Lost) => Some("connection lost".into()),
        Err(e) => Some(e.to_string()),
    }
}

/// The pause before a new change feed is opened after a failure or a loss.
const FEED_RETRY: Duration = Duration::from_secs(1);
/// Changes notified this soon after one are reloaded with it (a live update shows this much
/// later, well within the second the issue allows).
const COALESCE: Duration = Duration::from_millis(200);

/// The clock: one tick a second (refreshes, flashes, reconnection all run on it).
fn spawn_clock(tx: mpsc::UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            if tx.send(Msg::Tick(Utc::now())).is_err() {
                break;
            }
        }
    });
}

/// SIGTERM, SIGHUP (the SSH link dropped) and SIGINT end the console cleanly; SIGCONT (back
/// from a stop) redraws the whole screen.
fn spawn_signals(tx: mpsc::UnboundedSender<Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    if let Ok(mut cont) = signal(SignalKind::from_raw(libc::SIGCONT)) {
        let tx = tx.clone();
        tokio::spawn(async move {
            while cont.recv().await.is_some() {
                if tx.send(Msg::Resumed).is_err() {
                    break;
                }
            }
        });
    }
    for (kind, name) in [
        (SignalKind::terminate(), "SIGTERM"),
        (SignalKind::hangup(), "SIGHUP"),
        (SignalKind::interrupt(), "SIGINT"),
    ] {
        let tx = tx.clone();
        if let Ok(mut sig) = signal(kind) {
            tokio::spawn(async move {
                if sig.recv().await.is_some() {
                    let _ = tx.send(Msg::Terminate(name));
                }
            });
        }
    }
}
