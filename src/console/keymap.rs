//! Keys: every action the console knows, its default keys, and the user's rebindings from the
//! config file (`[keys] approve = "a"`). Conflicting bindings are rejected at load. The help
//! screen and the footer hints are generated from the live map, so they never disagree with
//! what the keys do.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tabs::{self, TabId};
use crate::config::ConfigError;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Global,
    Tab(TabId),
    /// Everywhere, except on a tab that binds the same key itself (the tab's binding wins).
    Default,
}

/// Everything a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    NextTab,
    PrevTab,
    GoTab(u8),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Left,
    Right,
    Open,
    Back,
    Filter,
    Command,
    Refresh,
    Pause,
    SortNext,
    SortReverse,
    RawJson,
    NextTheme,
    Suspend,
    Redraw,
    Messages,
    Copy,
    // Leaderboards
    LambdaUp,
    LambdaDown,
    LambdaReset,
    // Weights
    Recompute,
    ToggleDiff,
    ActivateWeights,
    // Safety
    ApproveRewrite,
    ApproveEdited,
    ApproveOriginal,
    Reject,
    RequestRewrite,
    ToggleSelect,
    BulkApprove,
    BulkReject,
    // Replies
    Pin,
    Mute,
    ClearOverride,
    RecomputePriorities,
    // Jobs
    RunJob,
    CancelJob,
    ToggleJob,
    // Incidents
    AckIncident,
    ResolveIncident,
    NoteIncident,
    IncidentDetails,
}

/// A key binding as data: the action, its config name, default keys, the help text, the footer
/// hint (tab actions only; `None` keeps it out of the footer) and whether it changes data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Binding {
    pub action: Action,
    pub name: &'static str,
    pub keys: &'static [&'static str],
    pub describe: &'static str,
    pub hint: Option<&'static str>,
    /// Changes data: refused in read-only mode.
    pub writes: bool,
}

impl Binding {
    /// A binding that only reads.
    pub const fn new(
        action: Action,
        name: &'static str,
        keys: &'static [&'static str],
        describe: &'static str,
        hint: &'static str,
    ) -> Binding {
        Binding {
            action,
            name,
            keys,
            describe,
            hint: Some(hint),
            writes: false,
        }
    }

    /// A binding that changes data (refused in read-only mode).
    pub const fn writing(self) -> Binding {
        Binding {
            writes: true,
            ..self
        }
    }

    /// Kept out of the footer (the tab shows it elsewhere).
    pub const fn unhinted(self) -> Binding {
        Binding { hint: None, ..self }
    }
}

const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const TAB_NAMES: [&str; 10] = [
    "tab_0", "tab_1", "tab_2", "tab_3", "tab_4", "tab_5", "tab_6", "tab_7", "tab_8", "tab_9",
];

/// One row of the action table: (action, config name, scope, default keys, description).
pub type TableRow = (
    Action,
    &'static str,
    Scope,
    &'static [&'static str],
    &'static str,
);

impl Action {
    /// Every bindable action with its config name, scope, default keys and description: the
    /// global ones, a go-to key per registered tab, then each tab's own bindings.
    pub fn table() -> Vec<TableRow> {
        use Action::*;
        use Scope::Global;
        let mut out: Vec<TableRow> = vec![
            (Quit, "quit", Global, &["q"], "quit (asks while a job runs)"),
            (Help, "help", Global, &["?"], "this help"),
            (NextTab, "next_tab", Global, &["tab"], "next tab"),
            (PrevTab, "prev_tab", Global, &["backtab"], "previous tab"),
        ];
        for tab in TabId::REGISTERED {
            let n = usize::from(tab.number()) % 10;
            let scope = if tabs::module(*tab).key_yields() {
                Scope::Default
            } else {
                Global
            };
            out.push((
                GoTab(tab.number()),
                TAB_NAMES[n],
                scope,
                &DIGITS[n..=n],
                tab.title(),
            ));
        }
        let rest: Vec<TableRow> = vec![
            (Up, "up", Global, &["up", "k"], "move up"),
            (Down, "down", Global, &["down", "j"], "move down"),
            (PageUp, "page_up", Global, &["pageup", "ctrl+b"], "page up"),
            (
                PageDown,
                "page_down",
                Global,
                &["pagedown", "ctrl+f"],
                "page down",
            ),
            (Top, "top", Global, &["g", "home"], "first row"),
            (Bottom, "bottom", Global, &["G", "end"], "last row"),
            (
                Left,
                "left",
                Global,
                &["left", "h"],
                "previous pane or choice",
            ),
            (
                Right,
                "right",
                Global,
                &["right", "l"],
                "next pane or choice",
            ),
            (Open, "open", Global, &["enter"], "details"),
            (Back, "back", Global, &["esc"], "back, close, cancel"),
            (Filter, "filter", Global, &["/"], "filter this tab"),
            (Command, "command", Global, &[":"], "command line"),
            (Refresh, "refresh", Global, &["r"], "refresh now"),
            (Pause, "pause", Global, &["p"], "pause or resume refreshing"),
            (SortNext, "sort", Global, &["s"], "sort by the next column"),
            (
                SortReverse,
                "sort_reverse",
                Global,
                &["S"],
                "reverse the sort",
            ),
            (
                RawJson,
                "raw_json",
                Global,
                &["y"],
                "raw JSON of the selected row",
            ),
            (NextTheme, "next_theme", Global, &["T"], "next theme"),
            (
                Suspend,
                "suspend",
                Global,
                &["ctrl+z"],
                "suspend to the shell",
            ),
            (Redraw, "redraw", Global, &["ctrl+l"], "redraw the screen"),
            (
                Messages,
                "messages",
                Global,
                &["!"],
                "this session's messages in full",
            ),
            (
                Copy,
                "copy",
                Global,
                &["c"],
                "copy the selected id (again: its text, then its raw JSON)",
            ),
        ];
        out.extend(rest);
        for tab in TabId::REGISTERED {
            for b in tabs::module(*tab).keys() {
                out.push((b.action, b.name, Scope::Tab(*tab), b.keys, b.describe));
            }
        }
        out
    }

    /// The binding data of a tab's own action.
    fn binding(self) -> Option<Binding> {
        TabId::REGISTERED
            .iter()
            .flat_map(|t| tabs::module(*t).keys())
            .find(|b| b.action == self)
            .copied()
    }

    /// The tab an action belongs to (`None`: a global action).
    pub fn owner(self) -> Option<TabId> {
        TabId::REGISTERED
            .iter()
            .find(|t| tabs::module(**t).keys().iter().any(|b| b.action == self))
            .copied()
    }

    /// The footer's short label of a tab's action.
    pub fn hint(self) -> Option<&'static str> {
        self.binding().and_then(|b| b.hint)
    }

    pub fn name(self) -> &'static str {
        Action::table()
            .into_iter()
            .find(|(a, ..)| *a == self)
            .map_or("?", |(_, n, ..)| n)
    }

    pub fn describe(self) -> &'static str {
        Action::table()
            .into_iter()
            .find(|(a, ..)| *a == self)
            .map_or("", |(.., d)| d)
    }

    /// Actions that change data: refused in read-only mode.
    pub fn writes(self) -> bool {
        self.binding().is_some_and(|b| b.writes)
    }
}

/// A key with its modifiers, as written in the config ("ctrl+c", "G", "pagedown").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
}

/// KeyCode with an order, so keys can live in maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Delete,
    Insert,
}

impl Key {
    pub fn parse(spec: &str) -> Option<Key> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = spec.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl+").map(|_| &rest[5..]) {
                ctrl = true;
                rest = r;
            } else if let Some(r) = lower.strip_prefix("alt+").map(|_| &rest[4..]) {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let named = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => Some(KeyCodeOrd::Enter),
            "esc" | "escape" => Some(KeyCodeOrd::Esc),
            "tab" => Some(KeyCodeOrd::Tab),
            "backtab" | "shift+tab" => Some(KeyCodeOrd::BackTab),
            "backspace" => Some(KeyCodeOrd::Backspace),
            "up" => Some(KeyCodeOrd::Up),
            "down" => Some(KeyCodeOrd::Down),
            "left" => Some(KeyCodeOrd::Left),
            "right" => Some(KeyCodeOrd::Right),
            "pageup" | "pgup" => Some(KeyCodeOrd::PageUp),
            "pagedown" | "pgdn" => Some(KeyCodeOrd::PageDown),
            "home" => Some(KeyCodeOrd::Home),
            "end" => Some(KeyCodeOrd::End),
            "delete" | "del" => Some(KeyCodeOrd::Delete),
            "insert" | "ins" => Some(KeyCodeOrd::Insert),
            "space" => Some(KeyCodeOrd::Char(' ')),
            s if s.len() > 1 && s.starts_with('f') => s[1..]
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=12).contains(n))
                .map(KeyCodeOrd::F),
            _ => None,
        };
        let code = match named {
            Some(c) => c,
            None => {
                let mut chars = rest.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCodeOrd::Char(if ctrl { c.to_ascii_lowercase() } else { c })
            }
        };
        Some(Key { code, ctrl, alt })
    }

    /// The key of a terminal event (shift is folded into the character).
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCodeOrd::BackTab,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Insert => KeyCodeOrd::Insert,
            _ => return None,
        };
        Some(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl+")?;
        }
        if self.alt {
            f.write_str("alt+")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
            KeyCodeOrd::Enter => f.write_str("enter"),
            KeyCodeOrd::Esc => f.write_str("esc"),
            KeyCodeOrd::Tab => f.write_str("tab"),
            KeyCodeOrd::BackTab => f.write_str("shift+tab"),
            KeyCodeOrd::Backspace => f.write_str("backspace"),
            KeyCodeOrd::Up => f.write_str("↑"),
            KeyCodeOrd::Down => f.write_str("↓"),
            KeyCodeOrd::Left => f.write_str("←"),
            KeyCodeOrd::Right => f.write_str("→"),
            KeyCodeOrd::PageUp => f.write_str("pgup"),
            KeyCodeOrd::PageDown => f.write_str("pgdn"),
            KeyCodeOrd::Home => f.write_str("home"),
            KeyCodeOrd::End => f.write_str("end"),
            KeyCodeOrd::Delete => f.write_str("del"),
            KeyCodeOrd::Insert => f.write_str("ins"),
        }
    }
}

/// The live key map.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyMap {
    /// (scope, key) → action
    bindings: BTreeMap<(Scope, Key), Action>,
}

impl KeyMap {
    /// Defaults with the user's overrides. An override replaces all default keys of its
    /// action; a key bound to two actions that can be active at once is an error.
    pub fn build(
        overrides: &BTreeMap<String, (Vec<String>, String)>,
    ) -> Result<KeyMap, ConfigError> {
        let table = Action::table();
        // (action, scope, its keys with where each was set)
        type Wanted = (Action, Scope, Vec<(Key, String)>);
        let mut wanted: Vec<Wanted> = Vec::new();
        for (action, name, scope, defaults, _) in &table {
            let keys: Vec<(Key, String)> = match overrides.get(*name) {
                Some((specs, origin)) => specs
                    .iter()
                    .map(|spec| {
                        Key::parse(spec).map(|k| (k, origin.clone())).ok_or_else(|| ConfigError {
                            origin: origin.clone(),
                            key: format!("keys.{name}"),
                            value: format!("{spec:?}"),
                            reason: "not a key (e.g. \"a\", \"G\", \"ctrl+r\", \"f5\", \"pagedown\")".into(),
                        })
                    })
                    .collect::<Result<_, _>>()?,
                None => defaults
                    .iter()
                    .filter_map(|d| Key::parse(d).map(|k| (k, DEFAULT_ORIGIN.to_string())))
                    .collect(),
            };
            wanted.push((*action, *scope, keys));
        }
        for name in overrides.keys() {
            if !table.iter().any(|(_, n, ..)| n == name) {
                let origin = overrides[name].1.clone();
                return Err(ConfigError {
                    origin,
                    key: format!("keys.{name}"),
                    value: String::new(),
                    reason: "unknown action (see the help screen, `?`, for the names)".into(),
                });
            }
        }
        let mut bindings: BTreeMap<(Scope, Key), Action> = BTreeMap::new();
        let mut origins: BTreeMap<(Scope, Key), String> = BTreeMap::new();
        for (action, scope, keys) in &wanted {
            for (key, origin) in keys {
                // A tab key must not shadow a global one, nor two actions share a scope.
                // A `Default` binding gives way to a tab's own (but not to a global one).
                let clash = bindings.iter().find(|((s, k), a)| {
                    k == key
                        && *a != action
                        && (s == scope || *s == Scope::Global || *scope == Scope::Global)
                });
                if let Some((slot, other)) = clash {
                    let other_origin = origins.get(slot).cloned().unwrap_or_default();
                    // Name the binding the user wrote (their file), not the default it hits.
                    let (mine, theirs, file, by) = if origin == DEFAULT_ORIGIN {
                        (*other, *action, other_origin, "by default")
                    } else if other_origin == DEFAULT_ORIGIN {
                        (*action, *other, origin.clone(), "by default")
                    } else {
                        (*action, *other, origin.clone(), "in the same file")
                    };
                    return Err(ConfigError {
                        origin: file,
                        key: format!("keys.{}", mine.name()),
                        value: format!("{:?}", key.to_string()),
                        reason: format!(
                            "already bound to {} {by} (rebind {} too, or pick another key)",
                            theirs.name(),
                            theirs.name()
                        ),
                    });
                }
                bindings.insert((*scope, *key), *action);
                origins.insert((*scope, *key), origin.clone());
            }
        }
        Ok(KeyMap { bindings })
    }

    pub fn defaults() -> KeyMap {
        KeyMap::build(&BTreeMap::new()).expect("the default key map has no conflicts")
    }

    /// The action of a key on a tab.
    pub fn action(&self, tab: TabId, key: Key) -> Option<Action> {
        self.bindings
            .get(&(Scope::Tab(tab), key))
            .or_else(|| self.bindings.get(&(Scope::Global, key)))
            .or_else(|| self.bindings.get(&(Scope::Default, key)))
            .copied()
    }

    /// The keys of an action (for hints and help).
    pub fn keys_of(&self, action: Action) -> Vec<Key> {
        self.bindings
            .iter()
            .filter(|(_, a)| **a == action)
            .map(|((_, k), _)| *k)
            .collect()
    }

    /// The first key of an action, shown in hints.
    pub fn key_label(&self, action: Action) -> String {
        self.keys_of(action)
            .first()
            .map_or_else(|| "unbound".to_string(), Key::to_string)
    }

    /// Every binding of a scope, grouped per action, for the help screen.
    /// Every action by the name `[keys]` and error messages use, with its current keys
    /// ("–" when unbound), in table order.
    pub fn action_names(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        for (action, name, ..) in Action::table() {
            if out.iter().any(|(n, _)| *n == name) {
                continue;
            }
            let keys: Vec<String> = self.keys_of(action).iter().map(Key::to_string).collect();
            let keys = if keys.is_empty() {
                "–".to_string()
            } else {
                keys.join(" ")
            };
            out.push((name, keys));
        }
        out
    }

    pub fn help_lines(&self, scope: Scope) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        for (action, _, s, _, description) in Action::table() {
            if s != scope {
                continue;
            }
            let keys: Vec<String> = self.keys_of(action).iter().map(Key::to_string).collect();
            if !keys.is_empty() {
                out.push((keys.join(" "), description));
            }
        }
        out
    }
}

/// The origin of a binding no config file set.
const DEFAULT_ORIGIN: &str = "default";

#[cfg(test)]
mod tests {
    use super::*;

    fn ov(pairs: &[(&str, &[&str])]) -> BTreeMap<String, (Vec<String>, String)> {
        pairs
            .iter()
            .map(|(a, ks)| {
                (
                    a.to_string(),
                    (
                        ks.iter().map(|k| k.to_string()).collect(),
                        "/c.toml".to_string(),
                    ),
                )
            })
            .collect()
    }

    #[test]
    fn keys_parse_and_print() {
        assert_eq!(Key::parse("ctrl+c").unwrap().to_string(), "ctrl+c");
        assert_eq!(Key::parse("G").unwrap().code, KeyCodeOrd::Char('G'));
        assert_eq!(Key::parse("F5").unwrap().code, KeyCodeOrd::F(5));
        assert_eq!(Key::parse("space").unwrap().code, KeyCodeOrd::Char(' '));
        assert!(Key::parse("ctrl+").is_none());
        assert!(Key::parse("shout").is_none());
    }

    #[test]
    fn defaults_resolve_tab_keys_before_global_ones() {
        let km = KeyMap::defaults();
        let x = Key::parse("x").unwrap();
        assert_eq!(km.action(TabId::Safety, x), Some(Action::Reject));
        assert_eq!(km.action(TabId::Jobs, x), Some(Action::RunJob));
        assert_eq!(km.action(TabId::Outcomes, x), None);
        assert_eq!(
            km.action(TabId::Outcomes, Key::parse("q").unwrap()),
            Some(Action::Quit)
        );
    }

    #[test]
    fn rebinding_replaces_the_defaults_and_conflicts_are_rejected() {
        let km = KeyMap::build(&ov(&[("approve", &["enter"])])).unwrap_err();
        assert!(
            km.to_string().contains("keys.approve")
                && km.to_string().contains("already bound to open"),
            "{km}"
        );
        let km = KeyMap::build(&ov(&[("approve", &["v"])])).unwrap();
        assert_eq!(
            km.action(TabId::Safety, Key::parse("v").unwrap()),
            Some(Action::ApproveRewrite)
        );
        assert_eq!(km.action(TabId::Safety, Key::parse("a").unwrap()), None);
        let e = KeyMap::build(&ov(&[("reject", &["e"])]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("already bound to edit"), "{e}");
        let e = KeyMap::build(&ov(&[("launch", &["z"])]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("keys.launch") && e.contains("unknown action"),
            "{e}"
        );
        let e = KeyMap::build(&ov(&[("quit", &["hyper+q"])]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a key"), "{e}");
    }

    #[test]
    fn help_is_generated_from_the_live_map() {
        let km = KeyMap::build(&ov(&[("refresh", &["F5"])])).unwrap();
        let lines = km.help_lines(Scope::Global);
        assert!(lines.iter().any(|(k, d)| k == "F5" && *d == "refresh now"));
        assert_eq!(km.key_label(Action::Refresh), "F5");
    }
}
