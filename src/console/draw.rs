//! Drawing the frame: header, tab bar, the visible tab, footer, and whatever dialog is open.
//! Drawing only reads the state.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::keymap::{Action, Scope};
use super::state::{Conn, Mode, State};
use super::tabbar::tab_texts;
use super::tabs::{self, TabId};
use super::theme::Role;
use super::widgets::{block, hint, sep, spinner, tier_style, view_width, wrap_view};

/// The smallest screen the console draws on.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Draw the whole frame.
pub fn draw(f: &mut Frame, s: &State) {
    // No `Clear` here: the terminal hands every frame a blank buffer (ratatui resets the
    // buffer it swaps in), and clearing all cells again costs a tenth of a frame.
    let area = f.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        too_small(f, s, area);
        return;
    }
    let [header, tabbar, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(10),
        Constraint::Length(2),
    ])
    .areas(area);
    draw_header(f, s, header);
    draw_tab_bar(f, s, tabbar);
    tabs::module(s.tab).draw(f, s, body);
    draw_footer(f, s, footer);
    draw_dialog(f, s, body);
    super::theme::unhide_glyphs(f.buffer_mut(), &s.theme);
}

fn too_small(f: &mut Frame, s: &State, area: Rect) {
    let text = Text::from(vec![
        Line::from(Span::styled(
            "terminal too small",
            s.theme.style(Role::Warn),
        )),
        Line::from(format!(
            "{}x{} — xbot needs at least {}x{}",
            area.width, area.height, MIN_SIZE.0, MIN_SIZE.1
        )),
        Line::from("resize, or q to quit"),
    ]);
    let y = area.height / 2;
    let rect = Rect::new(
        area.x,
        area.y + y.saturating_sub(1),
        area.width,
        3.min(area.height),
    );
    f.render_widget(Paragraph::new(text).alignment(Alignment::Center), rect);
}

fn draw_header(f: &mut Frame, s: &State, area: Rect) {
    let base = s.theme.style(Role::Header);
    let badge = s.theme.style(Role::HeaderBadge);
    let sep = sep(s);
    let width =
        |spans: &[Span]| -> usize { spans.iter().map(|sp| crate::text::width(&sp.content)).sum() };
    let name = vec![
        Span::styled(" xbot", base.add_modifier(Modifier::BOLD)),
        Span::styled(sep, base),
    ];
    // Connection state, the most important fact after the name: never cut (the retry
    // countdown gives way when the line is short).
    let mut conn_short = None;
    let conn = match &s.conn {
        Conn::Connected => Span::styled(
            format!("{} connected", if s.setup.ascii { "*" } else { "●" }),
            base,
        ),
        Conn::Connecting => Span::styled(format!("{} connecting", spinner(s)), base),
        Conn::Disconnected {
            since, retry_at, ..
        } => {
            let down = (s.now - *since).num_seconds().max(0);
            let retry = (*retry_at - s.now).num_seconds().max(0);
            let next = if s.loads.inflight.contains_key(&super::msg::LoadSlot::Status) {
                "retrying…".to_string()
            } else {
                format!("retry in {retry}s")
            };
            conn_short = Some(Span::styled(
                format!("DISCONNECTED {down}s"),
                s.theme.style(Role::Critical),
            ));
            Span::styled(
                format!("DISCONNECTED {down}s, {next}"),
                s.theme.style(Role::Critical),
            )
        }
    };
    // Facts that give way, whole, from the least important, when the line is full.
    let mut optional: Vec<Vec<Span>> = Vec::new();
    if let Some(st) = &s.status {
        // The tier the system applies: as its last budget_tier run recorded it.
        optional.push(match &st.tier {
            Some(t) => {
                let mut spans = vec![Span::styled(
                    format!(" {} {:.0}% ", t.tier.as_str(), 100.0 * t.share),
                    tier_style(s, t.tier).add_modifier(Modifier::BOLD),
                )];
                let age = s.now - t.at;
                if age > chrono::Duration::minutes(TIER_STALE_MINUTES) {
                    spans.push(Span::styled(
                        format!(" {} ago", tabs::age(s.now, t.at)),
                        s.theme.style(Role::Warn).patch(base),
                    ));
                }
                spans.push(Span::styled(sep, base));
                spans
            }
            None => vec![
                Span::styled("tier: no budget_tier run", base),
                Span::styled(sep, base),
            ],
        });
        let inc_style = if st.open_incidents > 0 {
            s.theme.style(Role::Warn).patch(base)
        } else {
            base
        };
        optional.push(vec![
            Span::styled(
                format!(
                    "{} incident{}",
                    st.open_incidents,
                    if st.open_incidents == 1 { "" } else { "s" }
                ),
                inc_style,
            ),
            Span::styled(sep, base),
        ]);
        let running = st.running.len().max(s.jobs_here.len());
        let run_text = if running > 0 {
            format!("{} {running} running", spinner(s))
        } else {
            "0 running".into()
        };
        optional.push(vec![Span::styled(run_text, base), Span::styled(sep, base)]);
    }
    optional.push(vec![Span::styled(
        format!(
            "{} {}",
            s.now.with_timezone(&s.setup.tz).format("%H:%M"),
            tz_label(s)
        ),
        base,
    )]);

    // Safety badges: never cut.
    let total = area.width as usize;
    let mut right: Vec<Span> = Vec::new();
    for (on, text) in [
        (s.setup.demo, " DEMO "),
        (s.setup.read_only, " READ-ONLY "),
        (s.paused, " PAUSED "),
    ] {
        if on {
            right.push(Span::styled(text, badge));
            right.push(Span::raw(" "));
        }
    }
    // The target keeps its distinguishing part (host and database) before any optional fact.
    let target_min =
        crate::text::width(&shrink_target(&s.setup.target, 0)).min(40) + crate::text::width(sep);
    let mut conn_sep = vec![conn, Span::styled(sep, base)];
    if let Some(short) = conn_short
        && width(&name) + width(&conn_sep) + width(&right) + target_min > total
    {
        conn_sep[0] = short;
    }
    let fixed = width(&name) + width(&conn_sep) + width(&right);
    let mut budget = total.saturating_sub(fixed + target_min);
    let mut keep = vec![false; optional.len()];
    for (i, part) in optional.iter().enumerate() {
        let w = width(part);
        if w <= budget {
            keep[i] = true;
            budget -= w;
        } else {
            break;
        }
    }
    let mut left = name;
    let kept: Vec<Span> = optional
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .flat_map(|(p, _)| p)
        .collect();
    let used = fixed + width(&kept);
    let room = total.saturating_sub(used + crate::text::width(sep));
    let target = if room >= 4 {
        shrink_target(&crate::text::inert(&s.setup.target), room)
    } else {
        String::new()
    };
    if !target.is_empty() {
        left.push(Span::styled(format!("{target}{sep}"), base));
    }
    left.extend(conn_sep);
    left.extend(kept);
    // No separator dangling before the badges.
    if let Some(last) = left.last()
        && last.content == sep
    {
        left.pop();
    }
    let pad = total.saturating_sub(width(&left) + width(&right));
    left.push(Span::styled(" ".repeat(pad), base));
    left.extend(right);
    f.render_widget(Paragraph::new(Line::from(left)).style(base), area);
}

/// A recorded tier older than this shows its age in the header (budget_tier runs every 5
/// minutes when a scheduler runs).
const TIER_STALE_MINUTES: i64 = 15;

/// The database target cut to `room` columns, keeping what tells one database from another:
/// the host and database name of a URL (scheme, user, port and parameters go first), the file
/// name of a SQLite path. With `room` 0: the shortest form that keeps both.
pub fn shrink_target(target: &str, room: usize) -> String {
    use crate::text::width;
    if width(target) <= room {
        return target.to_string();
    }
    let (scheme, rest) = target.split_once("://").unwrap_or(("", target));
    let mut forms: Vec<String> = Vec::new();
    if scheme.starts_with("sqlite") || !rest.contains('/') || rest.starts_with('/') {
        // A file: its path, then its last directories, then its name.
        let path = rest;
        forms.push(path.to_string());
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        for keep in (1..parts.len()).rev() {
            forms.push(format!("…/{}", parts[parts.len() - keep..].join("/")));
        }
    } else {
        let no_query = rest.split('?').next().unwrap_or(rest);
        let (userinfo, hostpath) = match no_query.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, no_query),
        };
        let (hostport, db) = hostpath.split_once('/').unwrap_or((hostpath, ""));
        let host = hostport
            .rsplit_once(':')
            .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
            .map_or(hostport, |(h, _)| h);
        if let Some(u) = userinfo {
            forms.push(format!("{scheme}://{u}@{hostpath}"));
        }
        forms.push(format!("{scheme}://{hostpath}"));
        forms.push(hostpath.to_string());
        forms.push(format!("{host}/{db}"));
        // A long host name loses its end first (the shared domain: `db-primary.eu-west-2…`,
        // `db.<project>.supabase…` keep what tells servers apart), then the database name
        // is all that is left.
        let db_w = width(db) + 1;
        if room > db_w + 4 {
            let host_room = room - db_w;
            let mut head = String::new();
            for c in host.chars() {
                if width(&head) + 2 > host_room {
                    break;
                }
                head.push(c);
            }
            forms.push(format!("{head}…/{db}"));
        }
        forms.push(db.to_string());
    }
    if room == 0 {
        // The distinguishing form: host/db, or the file's last directory and name.
        return forms
            .iter()
            .rev()
            .find(|f| f.contains('/'))
            .cloned()
            .unwrap_or_default();
    }
    let last = forms.last().cloned().unwrap_or_else(|| target.to_string());
    forms
        .into_iter()
        .find(|f| width(f) <= room)
        .unwrap_or_else(|| crate::text::cell(&last, room))
}

fn tz_label(s: &State) -> String {
    s.setup.tz.name().to_string()
}

fn draw_tab_bar(f: &mut Frame, s: &State, area: Rect) {
    let spans: Vec<Span> = tab_texts(s, area.width)
        .into_iter()
        .map(|(tab, text)| {
            let style = if tab == s.tab {
                s.theme.style(Role::TabActive)
            } else {
                s.theme.style(Role::Tab)
            };
            Span::styled(text, style)
        })
        .collect();
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The hints shown for the current tab, generated from the live key map.
fn hints(s: &State) -> Vec<Action> {
    // The tab's own bindings that carry a footer hint (the key map's data).
    let mut tab_actions: Vec<Action> = tabs::module(s.tab)
        .keys()
        .iter()
        .filter(|b| b.hint.is_some())
        .map(|b| b.action)
        .collect();
    tab_actions.truncate(6);
    let mut out = tab_actions;
    out.push(Action::Open);
    // Offered only where they do something.
    if s.tab.filterable() {
        out.push(Action::Filter);
    }
    if tabs::module(s.tab).sortable() {
        out.push(Action::SortNext);
    }
    out.extend([Action::Command, Action::Help, Action::Quit]);
    out
}

fn draw_footer(f: &mut Frame, s: &State, area: Rect) {
    let [line1, line2] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    // Line 1: what the keys do here (or the input being typed).
    let first = match &s.mode {
        Mode::Filter { input } => Line::from(vec![
            Span::styled("/", s.theme.style(Role::Key)),
            Span::raw(crate::text::inert(input)),
            Span::styled(
                if s.setup.ascii { "_" } else { "▏" },
                s.theme.style(Role::Key),
            ),
            Span::styled(
                if s.tab == TabId::Outcomes {
                    "   enter apply · esc cancel · gen:coach slot:research topic:sleep or any text"
                } else {
                    "   enter apply · esc cancel"
                },
                s.theme.style(Role::Muted),
            ),
        ]),
        Mode::Command { input, cycle } => {
            let mut spans = vec![
                Span::styled(":", s.theme.style(Role::Key)),
                Span::raw(crate::text::inert(input)),
                Span::styled(
                    if s.setup.ascii { "_" } else { "▏" },
                    s.theme.style(Role::Key),
                ),
            ];
            if let Some((options, i)) = cycle {
                spans.push(Span::styled(
                    format!("   {}/{} · tab next", i + 1, options.len()),
                    s.theme.style(Role::Muted),
                ));
            } else {
                spans.push(Span::styled(
                    "   tab completes · enter runs · esc cancels",
                    s.theme.style(Role::Muted),
                ));
            }
            Line::from(spans)
        }
        _ => {
            let mut spans = Vec::new();
            for a in hints(s) {
                spans.extend(hint(s, s.keymap.key_label(a), short_describe(a)));
            }
            Line::from(spans)
        }
    };
    f.render_widget(Paragraph::new(first), line1);

    // Line 2: the flash, then the freshness of the tab on the right.
    let fresh = s.freshness_label();
    let fresh_style = if matches!(s.conn, Conn::Disconnected { .. })
        || fresh.starts_with("updated") && !fresh.contains('<')
    {
        s.theme.style(Role::Warn)
    } else {
        s.theme.style(Role::Muted)
    };
    let room = (area.width as usize).saturating_sub(crate::text::width(&fresh) + 2);
    let (flash_text, flash_style) = match &s.flash {
        // An error keeps its "how to get rid of it" visible: the message is cut, not that.
        Some(fl) if fl.error => {
            let tail = format!(
                " (esc dismisses, {} shows all)",
                s.keymap.key_label(Action::Messages)
            );
            let msg = crate::text::cell(
                &format!(" {}", fl.text),
                room.saturating_sub(crate::text::width(&tail)),
            );
            (format!("{msg}{tail}"), s.theme.style(Role::FlashError))
        }
        Some(fl) => (format!(" {}", fl.text), s.theme.style(Role::FlashInfo)),
        None => (String::new(), s.theme.style(Role::Base)),
    };
    let flash_text = crate::text::cell(&flash_text, room);
    let pad = (area.width as usize)
        .saturating_sub(crate::text::width(&flash_text) + crate::text::width(&fresh) + 1);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(flash_text, flash_style),
            Span::raw(" ".repeat(pad)),
            Span::styled(fresh, fresh_style),
        ])),
        line2,
    );
}

/// The footer's short label of an action: a tab action's hint, or a global one's.
fn short_describe(a: Action) -> &'static str {
    match a {
        Action::Open => "open",
        Action::Filter => "filter",
        Action::SortNext => "sort",
        Action::Command => "cmd",
        Action::Help => "help",
        Action::Quit => "quit",
        other => other.hint().unwrap_or_else(|| other.describe()),
    }
}

/// A centred rectangle of at most `w`x`h` inside `area`.
pub fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn draw_dialog(f: &mut Frame, s: &State, body: Rect) {
    match &s.mode {
        Mode::Help { scroll } => draw_help(f, s, body, *scroll),
        Mode::View {
            title,
            lines,
            scroll,
        } => {
            let rect = centred(body, body.width.saturating_sub(4), body.height);
            let text: Vec<Line> = wrap_view(lines, view_width(s.size.0))
                .into_iter()
                .map(Line::from)
                .collect();
            f.render_widget(Clear, rect);
            f.render_widget(
                Paragraph::new(text).scroll((*scroll, 0)).block(block(
                    s,
                    format!(" {title} — ↑↓ scroll · esc close "),
                    true,
                )),
                rect,
            );
        }
        Mode::Confirm(c) => {
            let mut lines: Vec<Line> = c.lines.iter().map(|l| Line::from(l.clone())).collect();
            lines.push(Line::from(""));
            match &c.typed {
                Some((word, typed)) => {
                    lines.push(Line::from(vec![
                        Span::styled(format!("type {word}: "), s.theme.style(Role::Warn)),
                        Span::raw(crate::text::inert(typed)),
                        Span::styled(
                            if s.setup.ascii { "_" } else { "▏" },
                            s.theme.style(Role::Key),
                        ),
                    ]));
                    lines.push(Line::from(Span::styled(
                        "enter confirms · esc cancels",
                        s.theme.style(Role::Muted),
                    )));
                }
                None => lines.push(Line::from(vec![
                    Span::styled("y", s.theme.style(Role::Key)),
                    Span::raw(" confirm   "),
                    Span::styled("n", s.theme.style(Role::Key)),
                    Span::raw("/"),
                    Span::styled("esc", s.theme.style(Role::Key)),
                    Span::raw(" cancel"),
                ])),
            }
            let h = (lines.len() as u16 + 4).min(body.height);
            let rect = centred(body, 72.min(body.width - 2), h);
            f.render_widget(Clear, rect);
            f.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(block(s, format!(" {} ", c.title), true)),
                rect,
            );
        }
        Mode::Prompt(p) => {
            let rect = centred(body, 72.min(body.width - 2), 5);
            f.render_widget(Clear, rect);
            let lines = vec![
                Line::from(vec![
                    Span::raw(crate::text::inert(&p.input)),
                    Span::styled(
                        if s.setup.ascii { "_" } else { "▏" },
                        s.theme.style(Role::Key),
                    ),
                ]),
                Line::from(Span::styled(
                    "enter submits · esc cancels",
                    s.theme.style(Role::Muted),
                )),
            ];
            f.render_widget(
                Paragraph::new(lines).block(block(s, format!(" {} ", p.title), true)),
                rect,
            );
        }
        Mode::Editor(ed) => {
            let rect = centred(body, 76.min(body.width - 2), body.height.min(16));
            f.render_widget(Clear, rect);
            let text = ed.area.lines().join("\n");
            let chars = text.trim().chars().count();
            let over = chars > crate::store::ops::reviews::MAX_POST_CHARS;
            let [edit, info] =
                Layout::vertical([Constraint::Min(3), Constraint::Length(4)]).areas(rect);
            let mut area = ed.area.clone();
            area.set_block(block(
                s,
                Line::from(vec![
                    Span::raw(ed.purpose.title()),
                    Span::styled(
                        format!("{chars}/280"),
                        if over {
                            s.theme.style(Role::Error)
                        } else {
                            s.theme.style(Role::Ok)
                        },
                    ),
                    Span::raw(" · ctrl+s approve · esc discard "),
                ]),
                true,
            ));
            f.render_widget(&area, edit);
            let mut lines: Vec<Line> = if ed.warnings.is_empty() {
                vec![Line::from(Span::styled(
                    "the rule screen finds nothing in this text",
                    s.theme.style(Role::Ok),
                ))]
            } else {
                ed.warnings
                    .iter()
                    .map(|w| Line::from(Span::styled(format!("! {w}"), s.theme.style(Role::Warn))))
                    .collect()
            };
            lines.truncate(3);
            f.render_widget(
                Paragraph::new(lines).block(block(s, " rules ", false)),
                info,
            );
        }
        _ => {}
    }
}

fn draw_help(f: &mut Frame, s: &State, body: Rect, scroll: u16) {
    let mut lines = vec![Line::from(Span::styled(
        "Everywhere",
        s.theme.style(Role::TableHeader),
    ))];
    let key_col: usize = 14;
    let push = |lines: &mut Vec<Line>, keys: String, what: &str| {
        let pad = key_col.saturating_sub(keys.chars().count());
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {keys}{}", " ".repeat(pad)),
                s.theme.style(Role::Key),
            ),
            Span::raw(what.to_string()),
        ]));
    };
    for (keys, what) in s.keymap.help_lines(Scope::Global) {
        push(&mut lines, keys, what);
    }
    for tab in TabId::REGISTERED.iter().copied() {
        let entries = s.keymap.help_lines(Scope::Tab(tab));
        if entries.is_empty() {
            continue;
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!("{} tab", tab.title()),
            s.theme.style(Role::TableHeader),
        )));
        for (keys, what) in entries {
            push(&mut lines, keys, what);
        }
    }
    let yielding = s.keymap.help_lines(Scope::Default);
    if !yielding.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            "Everywhere, unless the tab uses the key itself",
            s.theme.style(Role::TableHeader),
        )));
        for (keys, what) in yielding {
            push(&mut lines, keys, what);
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Dialogs",
        s.theme.style(Role::TableHeader),
    )));
    push(
        &mut lines,
        "y / n".into(),
        "confirm or cancel (destructive and bulk actions never take enter)",
    );
    push(
        &mut lines,
        "ctrl+s".into(),
        "approve the edited text (editor)",
    );
    push(&mut lines, "tab".into(), "complete a command (: mode)");
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Commands: :run <job> :cancel <job> :enable/:disable <job> :theme <name> :lambda <x> :<tab> :pause :resume :q",
        s.theme.style(Role::Muted),
    )));
    // The names `[keys]` in the config file and its error messages use.
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Action names, for [keys] in the config file (approve = \"a\" or [\"a\", \"ctrl+a\"])",
        s.theme.style(Role::TableHeader),
    )));
    for (name, keys) in s.keymap.action_names() {
        let pad = 24usize.saturating_sub(name.chars().count());
        lines.push(Line::from(vec![
            Span::raw(format!("  {name}{}", " ".repeat(pad))),
            Span::styled(keys, s.theme.style(Role::Key)),
        ]));
    }
    let rect = centred(body, 90.min(body.width.saturating_sub(2)), body.height);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(block(
            s,
            " Keys — generated from the live key map · ↑↓ scroll · esc close ",
            true,
        )),
        rect,
    );
}
