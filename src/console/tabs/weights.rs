//! 3 Weights: the weight-map history, a bar chart of one version's weights, the diff against
//! the version before, and a line chart of one value's weight across versions. `R` recomputes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph};

use super::super::theme::Role;
use super::super::widgets::{block, hbar};
use super::age;
use super::{Tab, Tabs, json, moved};
use crate::console::dialog::{OnConfirm, ask};
use crate::console::keymap::{Action, Binding};
use crate::console::msg::{Effect, Loaded, Query};
use crate::console::state::State;
use crate::learning::weights::{FEATURES, WeightDelta, WeightMap, diff};
use crate::store::ops::weights::WeightMapRecord;
use crate::text::cell;

/// One stored weight-map version, parsed (a malformed payload is kept as its error).
#[derive(Debug, Clone)]
pub struct Version {
    pub record: WeightMapRecord,
    pub map: Result<WeightMap, String>,
}

/// The Weights tab.
#[derive(Debug, Clone, Default)]
pub struct WeightsView {
    /// Oldest first.
    pub versions: Vec<Version>,
    /// Index into `versions` (the newest by default).
    pub selected: usize,
    /// Index into the weight features.
    pub feature: usize,
    /// Which value of the feature the line chart follows.
    pub value: usize,
    pub show_diff: bool,
    pub filter: String,
    pub loaded: bool,
    /// After a recompute: the version it produced, shown with its diff.
    pub just_computed: Option<String>,
}

const KEYS: &[Binding] = &[
    Binding::new(
        Action::Recompute,
        "recompute_weights",
        &["R"],
        "recompute weights now",
        "recompute",
    )
    .writing(),
    Binding::new(
        Action::ToggleDiff,
        "toggle_diff",
        &["d"],
        "diff with the previous version",
        "diff",
    ),
    Binding::new(
        Action::ActivateWeights,
        "activate_weights",
        &["A"],
        "make the selected version the one xBOT reads (roll back)",
        "activate",
    )
    .writing(),
];

/// Confirmed: activate one version.
#[derive(Debug)]
struct Activate {
    id: String,
    version: String,
}

impl OnConfirm for Activate {
    fn confirmed(self: Box<Self>, _s: &mut State) -> Vec<Effect> {
        vec![Effect::ActivateWeights {
            id: self.id,
            version: self.version,
        }]
    }
}

/// The Weights tab.
pub struct Module;

impl Tab for Module {
    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn query(&self, _s: &State) -> Query {
        Query::Weights
    }

    fn apply(&self, s: &mut State, data: Loaded) -> bool {
        let Loaded::Weights { history } = data else {
            return false;
        };
        let w = &mut s.tabs.weights;
        let was_newest = w.versions.is_empty() || w.selected + 1 >= w.versions.len();
        let before = w.versions.get(w.selected).map(|v| v.record.id.clone());
        let same = w.versions.len() == history.len()
            && w.versions.iter().zip(&history).all(|(a, b)| a.record == *b);
        w.loaded = true;
        if same {
            false
        } else {
            w.versions = history
                .into_iter()
                .map(|record| Version {
                    map: WeightMap::from_stored(
                        &record.version,
                        record.weights.as_deref(),
                        record.stats.as_deref(),
                        record.sample_size,
                    ),
                    record,
                })
                .collect();
            // The newest stays selected as versions are added; an older one stays itself.
            w.selected = if was_newest {
                w.versions.len().saturating_sub(1)
            } else {
                let keys = w.versions.iter().map(|v| v.record.id.clone());
                super::follow(before.as_ref(), keys, w.selected)
            };
            if let Some(v) = &w.just_computed
                && let Some(i) = w.versions.iter().position(|x| &x.record.version == v)
            {
                w.selected = i;
            }
            true
        }
    }

    fn loaded(&self, tabs: &Tabs) -> bool {
        tabs.weights.loaded
    }

    fn update(&self, s: &mut State, action: Action) -> Vec<Effect> {
        match action {
            a if super::is_move(a) => {
                let page = s.page_rows();
                let w = &mut s.tabs.weights;
                let len = w.versions.len();
                // Up is an older version: the list is drawn newest first.
                let flipped = match a {
                    Action::Up => Action::Down,
                    Action::Down => Action::Up,
                    Action::Top => Action::Bottom,
                    Action::Bottom => Action::Top,
                    Action::PageUp => Action::PageDown,
                    Action::PageDown => Action::PageUp,
                    other => other,
                };
                w.selected = moved(w.selected, len, flipped, page);
                w.just_computed = None;
                Vec::new()
            }
            Action::Left | Action::Right => {
                let right = action == Action::Right;
                let step = |i: usize, n: usize| if right { (i + 1) % n } else { (i + n - 1) % n };
                let w = &mut s.tabs.weights;
                w.feature = step(w.feature, FEATURES.len());
                w.value = 0;
                Vec::new()
            }
            Action::Open => {
                s.tabs.weights.value = (s.tabs.weights.value + 1) % 10_000;
                Vec::new()
            }
            Action::Recompute => {
                let active = s
                    .tabs
                    .weights
                    .versions
                    .iter()
                    .find(|x| x.record.is_active)
                    .map_or_else(|| "none".into(), |x| cell(&x.record.version, 40));
                let effect = format!(
                    "It computes a weight map from the last 60 days and makes it the map xBOT's \
                     generator selection reads (in force now: {active}). If it equals the \
                     active map, nothing is stored and {active} stays."
                );
                super::jobs::ask_run(s, "offline_weight_map", Some(effect))
            }
            Action::ActivateWeights => {
                let Some(v) = s.tabs.weights.versions.get(s.tabs.weights.selected) else {
                    return Vec::new();
                };
                let (id, version) = (v.record.id.clone(), v.record.version.clone());
                if v.record.is_active {
                    s.error(format!("{} is already the active map", cell(&version, 40)));
                    return Vec::new();
                }
                let current = s
                    .tabs
                    .weights
                    .versions
                    .iter()
                    .find(|x| x.record.is_active)
                    .map(|x| cell(&x.record.version, 40))
                    .unwrap_or_else(|| "none".into());
                ask(
                    s,
                    "Activate a weight map",
                    vec![
                        format!(
                            "Make {} the map xBOT's generator selection reads?",
                            cell(&version, 40)
                        ),
                        format!("In force now: {current}. Every other map is made inactive."),
                    ],
                    Box::new(Activate { id, version }),
                );
                Vec::new()
            }
            Action::ToggleDiff => {
                s.tabs.weights.show_diff = !s.tabs.weights.show_diff;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn back(&self, s: &mut State) {
        if s.tabs.weights.show_diff {
            s.tabs.weights.show_diff = false;
        }
    }

    fn filter<'a>(&self, tabs: &'a Tabs) -> Option<&'a str> {
        Some(&tabs.weights.filter)
    }

    fn filter_mut<'a>(&self, tabs: &'a mut Tabs) -> Option<&'a mut String> {
        Some(&mut tabs.weights.filter)
    }

    fn raw_json(&self, s: &State) -> Option<serde_json::Value> {
        s.tabs
            .weights
            .versions
            .get(s.tabs.weights.selected)
            .and_then(|v| json(&v.record))
    }

    fn draw(&self, f: &mut Frame, s: &State, area: Rect) {
        draw(f, s, area)
    }
}

/// A weight-map run this console started finished: show its version with the diff.
pub fn computed(s: &mut State, version: &str) {
    s.tabs.weights.just_computed = Some(version.to_string());
    s.tabs.weights.show_diff = true;
}

/// The values of the selected feature in the selected version, heaviest first.
pub fn values_of(v: &Version, feature: &str) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = v
        .map
        .as_ref()
        .ok()
        .and_then(|m| m.weights.get(feature))
        .map(|w| w.iter().map(|(k, x)| (k.clone(), *x)).collect())
        .unwrap_or_default();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

pub fn draw(f: &mut Frame, s: &State, area: Rect) {
    let w = &s.tabs.weights;
    let [list, main] =
        Layout::horizontal([Constraint::Length(26), Constraint::Min(40)]).areas(area);

    // The history, newest first.
    let lines: Vec<Line> = w
        .versions
        .iter()
        .enumerate()
        .rev()
        .take(list.height.saturating_sub(2) as usize)
        .map(|(i, v)| {
            let active = if v.record.is_active { "*" } else { " " };
            let bad = if v.map.is_err() { " !" } else { "" };
            let text = format!(
                "{active}{:<6}{:>6} {:>5}{bad}",
                cell(&v.record.version, 6),
                age(s.now, v.record.computed_at),
                v.record.sample_size
            );
            let style = if i == w.selected {
                s.theme.style(Role::Selection)
            } else {
                s.theme.style(Role::Base)
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    let empty = w.loaded && w.versions.is_empty();
    let history = if empty {
        vec![Line::from(Span::styled(
            " none yet: R computes one",
            s.theme.style(Role::Muted),
        ))]
    } else {
        lines
    };
    f.render_widget(
        Paragraph::new(history).block(block(s, " versions (* active) ", false)),
        list,
    );

    let Some(version) = w.versions.get(w.selected) else {
        f.render_widget(Paragraph::new("").block(block(s, " weights ", true)), main);
        return;
    };
    let feature = FEATURES[w.feature % FEATURES.len()].column();
    let [tabs_line, bars, chart] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(9),
    ])
    .areas(main);

    let mut spans = vec![Span::styled(" ← → ", s.theme.style(Role::Key))];
    for fe in FEATURES {
        let style = if fe.column() == feature {
            s.theme.style(Role::TabActive)
        } else {
            s.theme.style(Role::Tab)
        };
        spans.push(Span::styled(format!(" {} ", fe.column()), style));
        spans.push(Span::raw(" "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), tabs_line);

    let just = w.just_computed.as_deref() == Some(version.record.version.as_str());
    match &version.map {
        Err(e) => {
            f.render_widget(
                Paragraph::new(vec![
                    Line::from(Span::styled(
                        "this version's stored weights are malformed:",
                        s.theme.style(Role::Error),
                    )),
                    Line::from(crate::text::inert(e)),
                ])
                .block(block(
                    s,
                    format!(" {} ", cell(&version.record.version, 40)),
                    true,
                )),
                bars,
            );
        }
        Ok(map) => {
            let previous = w.versions[..w.selected]
                .iter()
                .rev()
                .find_map(|v| v.map.as_ref().ok());
            if w.show_diff
                && let Some(prev) = previous
            {
                let deltas: Vec<WeightDelta> = diff(prev, map)
                    .into_iter()
                    .filter(|d| d.feature == feature)
                    .collect();
                draw_diff(
                    f,
                    s,
                    bars,
                    &cell(&version.record.version, 40),
                    &deltas,
                    just,
                );
            } else {
                let values = values_of(version, feature);
                let max = values.first().map_or(1.0, |v| v.1);
                let bar_w = bars.width.saturating_sub(30) as usize;
                let stats = map.stats.get(feature);
                let lines: Vec<Line> = values
                    .iter()
                    .enumerate()
                    .take(bars.height.saturating_sub(2) as usize)
                    .map(|(i, (value, weight))| {
                        let n = stats.and_then(|st| st.get(value)).map_or(0, |st| st.n);
                        let style = if i == w.value % values.len().max(1) {
                            s.theme.style(Role::Bar).add_modifier(Modifier::BOLD)
                        } else {
                            s.theme.style(Role::Bar)
                        };
                        Line::from(vec![
                            Span::raw(format!("{:<16} ", cell(value, 16))),
                            Span::styled(hbar(*weight, max, bar_w, s.setup.ascii), style),
                            Span::raw(format!(" {weight:.3} n={n}")),
                        ])
                    })
                    .collect();
                // The version is a database string like any other: inert in titles too.
                let title = format!(
                    " {} {}{} — {} samples, computed {} ago — d diff · enter next value ",
                    cell(&version.record.version, 40),
                    feature,
                    if version.record.is_active {
                        " (active)"
                    } else {
                        ""
                    },
                    version.record.sample_size,
                    age(s.now, version.record.computed_at)
                );
                f.render_widget(Paragraph::new(lines).block(block(s, title, true)), bars);
            }
        }
    }
    draw_line_chart(f, s, chart, feature);
}

fn draw_diff(
    f: &mut Frame,
    s: &State,
    area: Rect,
    version: &str,
    deltas: &[WeightDelta],
    just: bool,
) {
    let max = deltas
        .iter()
        .map(|d| d.delta.abs())
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let half = (area.width.saturating_sub(44) / 2) as usize;
    let lines: Vec<Line> = deltas
        .iter()
        .take(area.height.saturating_sub(2) as usize)
        .map(|d| {
            let bar = hbar(d.delta.abs(), max, half, s.setup.ascii);
            let (left, right) = if d.delta < 0.0 {
                (bar, String::new())
            } else {
                (String::new(), bar)
            };
            let show = |v: Option<f64>| v.map_or("  –  ".to_string(), |v| format!("{v:.3}"));
            Line::from(vec![
                Span::raw(format!(
                    "{:<16} {} → {} ",
                    cell(&d.value, 16),
                    show(d.before),
                    show(d.after)
                )),
                Span::styled(format!("{left:>half$}"), s.theme.style(Role::Negative)),
                Span::raw(if s.setup.ascii { "|" } else { "│" }),
                Span::styled(right, s.theme.style(Role::Positive)),
                Span::raw(format!(" {:+.3}", d.delta)),
            ])
        })
        .collect();
    let title = format!(
        " {}diff of {version} against the version before (esc or d: weights) ",
        if just { "just computed — " } else { "" }
    );
    f.render_widget(Paragraph::new(lines).block(block(s, title, true)), area);
}

fn draw_line_chart(f: &mut Frame, s: &State, area: Rect, feature: &str) {
    let w = &s.tabs.weights;
    let Some(version) = w.versions.get(w.selected) else {
        return;
    };
    let values = values_of(version, feature);
    let Some((value, _)) = values.get(w.value % values.len().max(1)) else {
        f.render_widget(
            Paragraph::new("").block(block(s, " over time ", false)),
            area,
        );
        return;
    };
    let points: Vec<(f64, f64)> = w
        .versions
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let weight = v.map.as_ref().ok()?.weights.get(feature)?.get(value)?;
            weight.is_finite().then_some((i as f64, *weight))
        })
        .collect();
    let max_y = points.iter().map(|p| p.1).fold(0.0_f64, f64::max).max(0.01) * 1.1;
    let n = w.versions.len().max(2) as f64 - 1.0;
    let first = w
        .versions
        .first()
        .map_or(String::new(), |v| cell(&v.record.version, 20));
    let last = w
        .versions
        .last()
        .map_or(String::new(), |v| cell(&v.record.version, 20));
    let datasets = vec![
        Dataset::default()
            .marker(if s.setup.ascii {
                Marker::Dot
            } else {
                Marker::Braille
            })
            .graph_type(GraphType::Line)
            .style(s.theme.style(Role::Bar))
            .data(&points),
    ];
    let chart = Chart::new(datasets)
        .block(block(
            s,
            format!(" weight of {} across versions ", cell(value, 24)),
            false,
        ))
        .x_axis(
            Axis::default()
                .bounds([0.0, n])
                .labels(vec![Span::raw(first), Span::raw(last)])
                .style(s.theme.style(Role::Muted)),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, max_y])
                .labels(vec![Span::raw("0"), Span::raw(format!("{max_y:.2}"))])
                .style(s.theme.style(Role::Muted)),
        );
    f.render_widget(chart, area);
}
