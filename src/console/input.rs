//! Input: keys (per mode: normal, help, views, filter, command line, dialogs, editor), pastes
//! and mouse events, turned into state changes and effects. Normal-mode keys go through the key
//! map to [`on_action`]; dialogs run the continuation they carry.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};

use super::actions::{on_action, run_command, set_filter, theme_names};
use super::command;
use super::dialog::ask_discard;
use super::keymap::{Action, Key};
use super::msg::Effect;
use super::state::{Confirm, Mode, State};
use super::tabbar::tab_layout;

pub fn on_paste(s: &mut State, text: &str) -> Vec<Effect> {
    match &mut s.mode {
        Mode::Editor(ed) => {
            ed.area.insert_str(crate::text::inert_multiline(text));
            ed.rescreen();
        }
        Mode::Filter { input } | Mode::Command { input, .. } => {
            input.push_str(&crate::text::inert(text))
        }
        Mode::Prompt(p) => p.input.push_str(&crate::text::inert(text)),
        Mode::Confirm(Confirm {
            typed: Some((_, typed)),
            ..
        }) => typed.push_str(&crate::text::inert(text)),
        _ => return Vec::new(),
    }
    s.dirty = true;
    Vec::new()
}

pub fn on_mouse(s: &mut State, ev: crossterm::event::MouseEvent) -> Vec<Effect> {
    if !matches!(s.mode, Mode::Normal) {
        return Vec::new();
    }
    match ev.kind {
        MouseEventKind::ScrollDown => on_action(s, Action::Down),
        MouseEventKind::ScrollUp => on_action(s, Action::Up),
        MouseEventKind::Down(_) if ev.row == 1 => {
            // The tab bar, laid out as it is drawn.
            let hit = tab_layout(s, s.size.0)
                .into_iter()
                .find(|(_, x, w)| ev.column >= *x && ev.column < x + w);
            match hit {
                Some((tab, ..)) => on_action(s, Action::GoTab(tab.number())),
                None => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

pub fn on_key(s: &mut State, ev: KeyEvent) -> Vec<Effect> {
    if ev.kind == KeyEventKind::Release {
        return Vec::new();
    }
    // Ctrl-C always leaves the current mode, then the console.
    let ctrl_c = ev.modifiers.contains(KeyModifiers::CONTROL) && ev.code == KeyCode::Char('c');
    let mode = std::mem::take(&mut s.mode);
    let (mode, effects) = match mode {
        Mode::Normal => {
            if ctrl_c {
                (Mode::Normal, on_action(s, Action::Quit))
            } else {
                match Key::from_event(&ev).and_then(|k| s.keymap.action(s.tab, k)) {
                    Some(action) => (Mode::Normal, on_action(s, action)),
                    None => (Mode::Normal, Vec::new()),
                }
            }
        }
        Mode::Help { scroll } => match ev.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') => (Mode::Normal, Vec::new()),
            KeyCode::Down | KeyCode::Char('j') => (
                Mode::Help {
                    scroll: scroll.saturating_add(1),
                },
                Vec::new(),
            ),
            KeyCode::Up | KeyCode::Char('k') => (
                Mode::Help {
                    scroll: scroll.saturating_sub(1),
                },
                Vec::new(),
            ),
            _ if ctrl_c => (Mode::Normal, Vec::new()),
            _ => (Mode::Help { scroll }, Vec::new()),
        },
        Mode::View {
            title,
            lines,
            scroll,
        } => match ev.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => (Mode::Normal, Vec::new()),
            KeyCode::Down | KeyCode::Char('j') => {
                let max = view_rows(s, &lines);
                (
                    Mode::View {
                        title,
                        lines,
                        scroll: (scroll + 1).min(max),
                    },
                    Vec::new(),
                )
            }
            KeyCode::Up | KeyCode::Char('k') => (
                Mode::View {
                    title,
                    lines,
                    scroll: scroll.saturating_sub(1),
                },
                Vec::new(),
            ),
            KeyCode::PageDown => {
                let max = view_rows(s, &lines);
                let step = s.page_rows() as u16;
                (
                    Mode::View {
                        title,
                        lines,
                        scroll: (scroll + step).min(max),
                    },
                    Vec::new(),
                )
            }
            KeyCode::PageUp => {
                let step = s.page_rows() as u16;
                (
                    Mode::View {
                        title,
                        lines,
                        scroll: scroll.saturating_sub(step),
                    },
                    Vec::new(),
                )
            }
            KeyCode::End | KeyCode::Char('G') => {
                let scroll = view_rows(s, &lines);
                (
                    Mode::View {
                        title,
                        lines,
                        scroll,
                    },
                    Vec::new(),
                )
            }
            KeyCode::Home | KeyCode::Char('g') => (
                Mode::View {
                    title,
                    lines,
                    scroll: 0,
                },
                Vec::new(),
            ),
            _ if ctrl_c => (Mode::Normal, Vec::new()),
            _ => (
                Mode::View {
                    title,
                    lines,
                    scroll,
                },
                Vec::new(),
            ),
        },
        Mode::Filter { mut input } => match ev.code {
            KeyCode::Esc => (Mode::Normal, Vec::new()),
            _ if ctrl_c => (Mode::Normal, Vec::new()),
            KeyCode::Enter => {
                let effects = set_filter(s, input);
                (Mode::Normal, effects)
            }
            KeyCode::Backspace => {
                input.pop();
                (Mode::Filter { input }, Vec::new())
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                input.push(c);
                (Mode::Filter { input }, Vec::new())
            }
            _ => (Mode::Filter { input }, Vec::new()),
        },
        Mode::Command { mut input, cycle } => match ev.code {
            KeyCode::Esc => (Mode::Normal, Vec::new()),
            _ if ctrl_c => (Mode::Normal, Vec::new()),
            KeyCode::Enter => (Mode::Normal, run_command(s, &input)),
            KeyCode::Tab => {
                let (options, i) = match cycle {
                    Some((options, i)) => {
                        let i = (i + 1) % options.len().max(1);
                        (options, i)
                    }
                    None => (command::completions(&input, &theme_names(s)), 0),
                };
                match options.get(i) {
                    Some(choice) => {
                        input = choice.clone();
                        (
                            Mode::Command {
                                input,
                                cycle: Some((options, i)),
                            },
                            Vec::new(),
                        )
                    }
                    None => (Mode::Command { input, cycle: None }, Vec::new()),
                }
            }
            KeyCode::Backspace => {
                input.pop();
                (Mode::Command { input, cycle: None }, Vec::new())
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                input.push(c);
                (Mode::Command { input, cycle: None }, Vec::new())
            }
            _ => (Mode::Command { input, cycle }, Vec::new()),
        },
        Mode::Confirm(mut c) => match (&mut c.typed, ev.code) {
            (_, KeyCode::Esc) | (None, KeyCode::Char('n') | KeyCode::Char('N')) => {
                match c.back.take() {
                    Some(back) => {
                        s.info("back to editing");
                        (*back, Vec::new())
                    }
                    None => {
                        s.info("cancelled");
                        (Mode::Normal, Vec::new())
                    }
                }
            }
            _ if ctrl_c => (Mode::Normal, Vec::new()),
            (None, KeyCode::Char('y') | KeyCode::Char('Y')) => {
                (Mode::Normal, c.pending.confirmed(s))
            }
            (Some((word, typed)), KeyCode::Enter) => {
                if typed.trim() == word {
                    (Mode::Normal, c.pending.confirmed(s))
                } else {
                    s.error(format!("type {word:?} to confirm, or Esc to cancel"));
                    (Mode::Confirm(c), Vec::new())
                }
            }
            (Some((_, typed)), KeyCode::Backspace) => {
                typed.pop();
                (Mode::Confirm(c), Vec::new())
            }
            (Some((_, typed)), KeyCode::Char(ch)) => {
                typed.push(ch);
                (Mode::Confirm(c), Vec::new())
            }
            _ => (Mode::Confirm(c), Vec::new()),
        },
        Mode::Prompt(mut p) => match ev.code {
            KeyCode::Esc => {
                s.info("cancelled");
                (Mode::Normal, Vec::new())
            }
            _ if ctrl_c => (Mode::Normal, Vec::new()),
            KeyCode::Enter => {
                let text = p.input.trim().to_string();
                match p.purpose.submitted(s, text) {
                    Some(effects) => (Mode::Normal, effects),
                    None => (Mode::Prompt(p), Vec::new()),
                }
            }
            KeyCode::Backspace => {
                p.input.pop();
                (Mode::Prompt(p), Vec::new())
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                p.input.push(c);
                (Mode::Prompt(p), Vec::new())
            }
            _ => (Mode::Prompt(p), Vec::new()),
        },
        Mode::Editor(mut ed) => {
            let submit =
                ev.modifiers.contains(KeyModifiers::CONTROL) && ev.code == KeyCode::Char('s');
            if ev.code == KeyCode::Esc || ctrl_c {
                ask_discard(s, ed);
                (Mode::Normal, Vec::new())
            } else if submit {
                let text = ed.text().trim().to_string();
                if ed.purpose.submitted(s, text, &ed.warnings) {
                    // `n` or esc at the confirmation comes back here, the edit kept.
                    if let Mode::Confirm(c) = &mut s.mode {
                        c.back = Some(Box::new(Mode::Editor(ed)));
                    }
                    (Mode::Normal, Vec::new())
                } else {
                    (Mode::Editor(ed), Vec::new())
                }
            } else {
                ed.area.input(ev);
                ed.rescreen();
                (Mode::Editor(ed), Vec::new())
            }
        }
    };
    // A confirm or prompt opened by the action above replaced Normal; keep the newest.
    if matches!(s.mode, Mode::Normal) {
        s.mode = mode;
    }
    s.dirty = true;
    effects
}

/// The last scroll position of a detail view: its lines as wrapped on this screen, with the
/// last page filling the view.
fn view_rows(s: &State, lines: &[String]) -> u16 {
    use super::widgets::{view_height, view_width, wrap_view};
    let rows = wrap_view(lines, view_width(s.size.0)).len();
    rows.saturating_sub(view_height(s.size.1))
        .min(u16::MAX as usize) as u16
}
