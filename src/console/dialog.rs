//! Dialogs: the yes/no confirmation, the one-line prompt and the editor. Each carries its own
//! continuation (what confirming or submitting does) as data owned by the tab that opened it,
//! so the root `update` runs it without knowing what it is.

use tui_textarea::TextArea;

use super::msg::Effect;
use super::state::{Mode, State};

/// What confirming a dialog does.
pub trait OnConfirm: std::fmt::Debug + Send {
    fn confirmed(self: Box<Self>, s: &mut State) -> Vec<Effect>;
}

/// What submitting a prompt does, given the trimmed text. `None` keeps the prompt open (the
/// reason has been flashed).
pub trait OnSubmit: std::fmt::Debug + Send {
    fn submitted(&self, s: &mut State, text: String) -> Option<Vec<Effect>>;
}

/// What an editor is for.
pub trait OnEdit: std::fmt::Debug + Send {
    /// The start of the editor's title (" Edit #12 — ").
    fn title(&self) -> String;
    /// Warnings about the text, re-computed on every change.
    fn screen(&self, text: &str) -> Vec<String>;
    /// ctrl+s with the trimmed text: false keeps the editor open (the reason has been flashed).
    fn submitted(&self, s: &mut State, text: String, warnings: &[String]) -> bool;
}

/// A yes/no question. With `typed`, the operator must type the word instead of pressing y.
#[derive(Debug)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub pending: Box<dyn OnConfirm>,
    pub typed: Option<(String, String)>,
    /// Where `n` and esc go back to (the editor whose text is being confirmed, so that the
    /// edit is kept); `None`: back to normal mode.
    pub back: Option<Box<Mode>>,
}

/// A one-line text prompt.
#[derive(Debug)]
pub struct Prompt {
    pub title: String,
    pub input: String,
    pub purpose: Box<dyn OnSubmit>,
}

/// A multi-line editor (approving an edited text).
pub struct Editor {
    pub area: TextArea<'static>,
    /// The text it was opened with (leaving unchanged asks nothing).
    pub start: String,
    /// What `purpose.screen` says about the current text (re-run on every change).
    pub warnings: Vec<String>,
    pub purpose: Box<dyn OnEdit>,
}

impl std::fmt::Debug for Editor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Editor")
            .field("purpose", &self.purpose)
            .field("text", &self.area.lines().join("\n"))
            .finish()
    }
}

impl Editor {
    /// An editor holding `start` (made inert), the cursor at its end, already screened.
    pub fn new(start: &str, purpose: Box<dyn OnEdit>) -> Editor {
        let start = crate::text::inert_multiline(start);
        let mut area = TextArea::from(start.lines());
        // A post is one long line: wrapped, so that all of it is on screen.
        area.set_wrap_mode(tui_textarea::WrapMode::WordOrGlyph);
        area.move_cursor(tui_textarea::CursorMove::Bottom);
        area.move_cursor(tui_textarea::CursorMove::End);
        let mut ed = Editor {
            start: start.lines().collect::<Vec<_>>().join("\n"),
            area,
            warnings: Vec::new(),
            purpose,
        };
        ed.rescreen();
        ed
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// Re-run the screen on the editor's text.
    pub fn rescreen(&mut self) {
        self.warnings = self.purpose.screen(&self.text());
    }
}

/// Open a yes/no question.
pub fn ask(s: &mut State, title: &str, lines: Vec<String>, pending: Box<dyn OnConfirm>) {
    s.mode = Mode::Confirm(Confirm {
        title: title.into(),
        // Callers quote database strings (a username, a job's owner): inert here, once for
        // every confirmation.
        lines: lines.iter().map(|l| crate::text::inert(l)).collect(),
        pending,
        typed: None,
        back: None,
    });
}

/// Confirmed: throw an edit away.
#[derive(Debug)]
struct Discard;

impl OnConfirm for Discard {
    fn confirmed(self: Box<Self>, s: &mut State) -> Vec<Effect> {
        s.info("edit discarded");
        Vec::new()
    }
}

/// Esc in an editor: leave at once if nothing was changed, else ask first (`n` and esc go
/// back to the editor with the text as it was).
pub fn ask_discard(s: &mut State, ed: Box<Editor>) {
    if ed.text() == ed.start {
        s.info("editor closed (nothing was changed)");
        return;
    }
    let title = ed.purpose.title();
    s.mode = Mode::Confirm(Confirm {
        title: "Discard the edit?".into(),
        lines: vec![format!(
            "Throw away the changes made in{}? n or esc goes back to editing.",
            title.trim_end_matches(['—', ' '])
        )],
        pending: Box::new(Discard),
        typed: None,
        back: Some(Box::new(Mode::Editor(ed))),
    });
}

/// Open a one-line prompt.
pub fn prompt(s: &mut State, title: String, purpose: Box<dyn OnSubmit>) {
    s.mode = Mode::Prompt(Prompt {
        title,
        input: String::new(),
        purpose,
    });
}
