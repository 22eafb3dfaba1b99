//! The tab bar's layout: the text of each tab at a given width. Drawing renders it and `update`
//! hit-tests mouse clicks against it, so both read it from here.

use super::state::State;
use super::tabs::TabId;

/// The label of a tab in the bar.
pub fn tab_label(tab: TabId) -> String {
    format!("{} {}", tab.number(), tab.title())
}

/// A tab's label cut to `letters` letters of its title ("1 Outc").
fn short_label(tab: TabId, letters: usize) -> String {
    let t = tab.title();
    format!("{} {}", tab.number(), &t[..t.len().min(letters)])
}

/// What waits for the operator behind a tab, from the header's status: pending reviews on
/// Safety, open incidents on Incidents (`Safety (7)`). None when nothing waits or it is unknown.
fn waiting(s: &State, tab: TabId) -> Option<usize> {
    let st = s.status.as_ref()?;
    let n = match tab {
        TabId::Safety => st.pending_ids.len(),
        TabId::Incidents => st.open_incidents,
        _ => 0,
    };
    (n > 0).then_some(n)
}

/// The text of each tab in the bar. The widest form that fits wins: full labels, then four and
/// three (then two) letters for the inactive tabs; the active tab keeps its full label and its filter, the
/// filter cut to the room that is left. Drawing and mouse hit-testing share this.
pub fn tab_texts(s: &State, width: u16) -> Vec<(TabId, String)> {
    let width = width as usize;
    let filter = s.tabs.filter(s.tab);
    let texts = |letters: Option<usize>, filter_room: usize| -> Vec<(TabId, String)> {
        s.bar
            .iter()
            .map(|t| {
                // News the operator has not looked at: marked until the tab is shown.
                let mark = if s.news.contains(t) {
                    if s.setup.ascii { "*" } else { "•" }
                } else {
                    ""
                };
                let text = match letters {
                    Some(n) if *t != s.tab => format!(" {} ", short_label(*t, n)),
                    _ if *t == s.tab && !filter.is_empty() => format!(
                        " {} [/{}] ",
                        tab_label(*t),
                        crate::text::cell(filter, filter_room.max(1))
                    ),
                    _ => format!(" {} ", tab_label(*t)),
                };
                let text = match waiting(s, *t) {
                    Some(n) => format!("{} ({n}) ", text.trim_end()),
                    None => text,
                };
                let text = if mark.is_empty() {
                    text
                } else {
                    format!("{}{mark} ", text.trim_end())
                };
                (*t, text)
            })
            .collect()
    };
    let total =
        |v: &[(TabId, String)]| -> usize { v.iter().map(|(_, t)| crate::text::width(t)).sum() };
    let mut last = Vec::new();
    for letters in [None, Some(4), Some(3), Some(2)] {
        let full = texts(letters, 16);
        let used = total(&full);
        if used <= width {
            return full;
        }
        // Cut the filter to fit, keeping at least a few characters of it visible.
        if !filter.is_empty() {
            let shown = crate::text::width(&crate::text::cell(filter, 16));
            let room = shown.saturating_sub(used - width);
            if room >= 6 {
                return texts(letters, room);
            }
        }
        last = full;
    }
    last
}

/// (tab, first column, width) of each tab in the bar, for drawing and mouse clicks.
pub fn tab_layout(s: &State, width: u16) -> Vec<(TabId, u16, u16)> {
    let mut x = 0u16;
    tab_texts(s, width)
        .into_iter()
        .map(|(t, text)| {
            let w = crate::text::width(&text) as u16;
            let item = (t, x, w);
            x = x.saturating_add(w);
            item
        })
        .collect()
}
