//! 5 Safety: the moderation queue. The selected item's original and proposed rewrite side by
//! side, the rule screen's flagged spans marked, the actions above, bulk selection. The
//! decisions (approve, edit, approve the original, reject, ask for a rewrite, bulk) open dialogs
//! whose continuations are defined here.

mod dialogs;
mod draw;

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::Rect;

use dialogs::{
    ApproveEdited, Bulk, BulkRejectReason, Decide, OriginalNote, RejectReason, RewriteNow,
    ask_override, decision, refusal,
};
pub use draw::{Hit, detail_lines, hits, marked_text};

use super::{SortState, Tab, Tabs, age, json, moved, sort_client_side};
use crate::console::dialog::{Editor, ask, prompt};
use crate::console::keymap::{Action, Binding};
use crate::console::msg::{Effect, Loaded, Query};
use crate::console::state::{Mode, State};
use crate::store::ops::reviews::{AuditRecord, DecisionRequest, ReviewRecord, Verdict};

/// The Safety tab.
#[derive(Debug, Clone, Default)]
pub struct SafetyView {
    pub reviews: Vec<ReviewRecord>,
    pub audit: Vec<AuditRecord>,
    pub selected: usize,
    /// Review ids selected for a bulk action.
    pub marked: BTreeSet<i64>,
    /// Reviews this console has sent a decision for (their change is reported by the
    /// decision's outcome, not as someone else's).
    pub mine: BTreeSet<i64>,
    pub filter: String,
    pub sort: SortState,
    pub loaded: bool,
}

/// Sortable columns.
pub const SORTS: [&str; 3] = ["queue", "risk", "created"];
/// Whether each sortable column naturally runs highest (newest, worst) first.
pub(super) const NATURAL_DESC: [bool; 3] = [false, true, true];

fn risk_rank(level: &str) -> u8 {
    match level {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// Filtered and sorted indices into the reviews (pending first by default).
pub fn visible(v: &SafetyView) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..v.reviews.len())
        .filter(|&i| {
            let r = &v.reviews[i];
            super::matches(
                &v.filter,
                &[
                    Some(r.original_text.as_str()),
                    Some(r.status.as_str()),
                    Some(r.risk_level.as_str()),
                    r.generator_name.as_deref(),
                    r.content_slot.as_deref(),
                    r.decided_by.as_deref(),
                ],
            )
        })
        .collect();
    match v.sort.col {
        1 => idx.sort_by_key(|&i| std::cmp::Reverse(risk_rank(&v.reviews[i].risk_level))),
        2 => idx.sort_by_key(|&i| std::cmp::Reverse(v.reviews[i].created_at)),
        _ => {} // the store's order: pending first, newest first
    }
    if v.sort.desc {
        idx.reverse();
    }
    idx
}

const KEYS: &[Binding] = &[
    Binding::new(
        Action::ApproveRewrite,
        "approve",
        &["a"],
        "approve the rewrite",
        "approve",
    )
    .writing()
    .unhinted(),
    Binding::new(
        Action::ApproveEdited,
        "edit",
        &["e"],
        "edit, then approve",
        "edit",
    )
    .writing()
    .unhinted(),
    Binding::new(
        Action::ApproveOriginal,
        "approve_original",
        &["o"],
        "approve the original (typed confirmation)",
        "original",
    )
    .writing()
    .unhinted(),
    Binding::new(
        Action::Reject,
        "reject",
        &["x"],
        "reject with a reason",
        "reject",
    )
    .writing()
    .unhinted(),
    Binding::new(
        Action::RequestRewrite,
        "request_rewrite",
        &["w"],
        "ask for another rewrite",
        "rewrite",
    )
    .writing()
    .unhinted(),
    Binding::new(
        Action::ToggleSelect,
        "select",
        &["space"],
        "select for a bulk action",
        "select",
    )
    .unhinted(),
    Binding::new(
        Action::BulkApprove,
        "bulk_approve",
        &["A"],
        "approve the selected rewrites",
        "bulk ok",
    )
    .writing()
    .unhinted(),
    Binding::new(
        Action::BulkReject,
        "bulk_reject",
        &["X"],
        "reject the selected",
        "bulk reject",
    )
    .writing()
    .unhinted(),
];

/// The Safety tab.
pub struct Module;

impl Tab for Module {
    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn query(&self, _s: &State) -> Query {
        Query::Safety
    }

    fn apply(&self, s: &mut State, data: Loaded) -> bool {
        let Loaded::Safety { reviews, audit } = data else {
            return false;
        };
        let before = selected_review(s).cloned();
        let v = &mut s.tabs.safety;
        v.loaded = true;
        // Marks of items no longer pending are dropped.
        let pending: BTreeSet<i64> = reviews
            .iter()
            .filter(|r| r.status == "pending")
            .map(|r| r.id)
            .collect();
        v.marked.retain(|id| pending.contains(id));
        let c = super::replace(&mut v.reviews, reviews) | super::replace(&mut v.audit, audit);
        // The selection stays on its review, wherever it moved; except after this console's
        // own decision of it, when the next item takes its row (deciding the queue in order).
        let decided_here = before.as_ref().is_some_and(|b| {
            v.mine.contains(&b.id)
                && v.reviews
                    .iter()
                    .any(|r| r.id == b.id && r.status != "pending")
        });
        let keys = visible(v).into_iter().map(|i| v.reviews[i].id);
        let follow_id = before.as_ref().map(|b| &b.id).filter(|_| !decided_here);
        v.selected = super::follow(follow_id, keys, v.selected);
        if decided_here && let Some(b) = &before {
            v.mine.remove(&b.id);
        }
        if let Some(b) = before {
            changed_since_seen(s, &b);
        }
        c
    }

    fn loaded(&self, tabs: &Tabs) -> bool {
        tabs.safety.loaded
    }

    fn update(&self, s: &mut State, action: Action) -> Vec<Effect> {
        match action {
            a if super::is_move(a) => move_selection(s, a),
            Action::Open => {
                if let Some(r) = selected_review(s) {
                    let lines = detail_lines(r, s.now);
                    s.mode = Mode::View {
                        title: format!("Review #{}", r.id),
                        lines,
                        scroll: 0,
                    };
                }
                Vec::new()
            }
            Action::ApproveRewrite
            | Action::ApproveEdited
            | Action::ApproveOriginal
            | Action::Reject
            | Action::RequestRewrite => {
                review_action(s, action);
                Vec::new()
            }
            Action::ToggleSelect => {
                let Some(r) = selected_review(s) else {
                    return Vec::new();
                };
                let (id, pending) = (r.id, r.status == "pending");
                let v = &mut s.tabs.safety;
                if !pending {
                    s.error("only pending items can be selected");
                } else if !v.marked.remove(&id) {
                    v.marked.insert(id);
                }
                move_selection(s, Action::Down)
            }
            Action::BulkApprove | Action::BulkReject => {
                bulk(s, action == Action::BulkApprove);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn sortable(&self) -> bool {
        true
    }

    fn sort(&self, s: &mut State, reverse: bool) -> Option<Vec<Effect>> {
        sort_client_side(&mut s.tabs.safety.sort, SORTS.len(), reverse);
        Some(Vec::new())
    }

    fn back(&self, s: &mut State) {
        if !s.tabs.safety.marked.is_empty() {
            s.tabs.safety.marked.clear();
            s.info("selection cleared");
        }
    }

    fn filter<'a>(&self, tabs: &'a Tabs) -> Option<&'a str> {
        Some(&tabs.safety.filter)
    }

    fn filter_mut<'a>(&self, tabs: &'a mut Tabs) -> Option<&'a mut String> {
        Some(&mut tabs.safety.filter)
    }

    fn filter_changed(&self, s: &mut State) -> Vec<Effect> {
        s.tabs.safety.selected = 0;
        Vec::new()
    }

    fn raw_json(&self, s: &State) -> Option<serde_json::Value> {
        selected_review(s).and_then(json)
    }

    fn focus(&self, s: &mut State, id: &str) -> bool {
        let v = &mut s.tabs.safety;
        match visible(v)
            .iter()
            .position(|&i| v.reviews[i].id.to_string() == id)
        {
            Some(pos) => {
                v.selected = pos;
                true
            }
            None => false,
        }
    }

    fn draw(&self, f: &mut Frame, s: &State, area: Rect) {
        draw::draw(f, s, area)
    }
}

/// The selected review changed while on screen (another operator decided it, or it left the
/// queue): say so, so that the next key is not pressed on a stale picture. This console's own
/// decisions are already reported by their outcome.
fn changed_since_seen(s: &mut State, before: &ReviewRecord) {
    let Some(r) = selected_review(s).filter(|r| r.id == before.id) else {
        if !s.tabs.safety.reviews.iter().any(|r| r.id == before.id) {
            s.info(format!("#{} is no longer in the list", before.id));
        }
        return;
    };
    let by = r.decided_by.clone().unwrap_or_else(|| "the guard".into());
    if r.version == before.version {
        return;
    }
    let id = r.id;
    if s.tabs.safety.mine.remove(&id) || by == s.operator.name() {
        return;
    }
    let Some(r) = selected_review(s) else {
        return;
    };
    let when = r
        .decided_at
        .map(|t| format!(" {} ago", age(s.now, t)))
        .unwrap_or_default();
    let text = if r.status != before.status {
        let what = match r.status.as_str() {
            "approved_rewrite" => "approved (rewrite)",
            "approved_edited" => "approved (edited)",
            "approved_original" => "approved (original)",
            "rejected" => "rejected",
            other => other,
        };
        format!("#{} was {what} by {by}{when}", r.id)
    } else if r.proposed_rewrite != before.proposed_rewrite {
        format!("#{} has a new proposed rewrite", r.id)
    } else {
        format!(
            "#{} changed since you looked (now version {})",
            r.id, r.version
        )
    };
    s.info(text);
}

fn move_selection(s: &mut State, action: Action) -> Vec<Effect> {
    let page = s.page_rows();
    let len = visible(&s.tabs.safety).len();
    s.tabs.safety.selected = moved(s.tabs.safety.selected, len, action, page);
    Vec::new()
}

fn selected_review(s: &State) -> Option<&ReviewRecord> {
    let v = &s.tabs.safety;
    visible(v).get(v.selected).and_then(|&i| v.reviews.get(i))
}

fn review_action(s: &mut State, action: Action) {
    let Some(r) = selected_review(s) else {
        s.info("no item selected");
        return;
    };
    if r.status != "pending" {
        let by = r.decided_by.clone().unwrap_or_else(|| "the guard".into());
        let when = r
            .decided_at
            .map(|t| format!(" {} ago", age(s.now, t)))
            .unwrap_or_default();
        s.error(format!("#{} is already {} by {by}{when}", r.id, r.status));
        return;
    }
    let (id, version) = (r.id, r.version);
    match action {
        Action::ApproveRewrite => match &r.proposed_rewrite {
            Some(text) => {
                let refused = refusal(&Verdict::ApproveRewrite, text);
                let lines = vec![
                    format!("Approve the rewrite of #{id}?"),
                    String::new(),
                    crate::text::inert(text),
                ];
                let req = decision(s, id, version, Verdict::ApproveRewrite);
                match refused {
                    Some(reason) => ask_override(s, "Approve rewrite", lines, &reason, req),
                    None => ask(s, "Approve rewrite", lines, Box::new(Decide(req))),
                }
            }
            None => s.error("there is no proposed rewrite; edit (e) or request one (w)"),
        },
        Action::ApproveEdited => {
            let start = r
                .proposed_rewrite
                .clone()
                .unwrap_or_else(|| r.original_text.clone());
            let ed = Editor::new(
                &start,
                Box::new(ApproveEdited {
                    review_id: id,
                    version,
                }),
            );
            s.mode = Mode::Editor(Box::new(ed));
        }
        Action::ApproveOriginal => {
            let original = Verdict::ApproveOriginal {
                note: String::new(),
            };
            if r.risk_level == "critical" || refusal(&original, &r.original_text).is_some() {
                s.error("a critical item cannot be approved as it is; edit (e) or reject (x)");
                return;
            }
            prompt(
                s,
                format!("Why approve the original of #{id}? (a note for the audit)"),
                Box::new(OriginalNote {
                    review_id: id,
                    version,
                }),
            );
        }
        Action::Reject => prompt(
            s,
            format!("Reason for rejecting #{id}"),
            Box::new(RejectReason {
                review_id: id,
                version,
            }),
        ),
        // Without a model nothing can write another rewrite: refused before anything is sent.
        Action::RequestRewrite if !s.setup.ai_configured => s.error(format!(
            "#{id}: no AI endpoint is configured ([ai] in the config), so no new rewrite can be \
             made; the proposal is kept: approve it (a), edit it (e) or reject (x)"
        )),
        Action::RequestRewrite => ask(
            s,
            "Another rewrite",
            vec![
                format!("Ask the model for another rewrite of #{id}?"),
                "The current proposal stays until the new one is stored (screened by the \
                 rules, audited); a failed or refused attempt keeps it."
                    .into(),
            ],
            Box::new(RewriteNow { review_id: id }),
        ),
        _ => {}
    }
}

fn bulk(s: &mut State, approve: bool) {
    let v = &s.tabs.safety;
    let selected: Vec<&ReviewRecord> = v
        .reviews
        .iter()
        .filter(|r| v.marked.contains(&r.id) && r.status == "pending")
        .collect();
    let items: Vec<(i64, i64, bool)> = selected
        .iter()
        .map(|r| (r.id, r.version, r.proposed_rewrite.is_some()))
        .collect();
    // Rewrites the store would refuse (critical risk): an override is given one item at a time.
    let critical: Vec<i64> = selected
        .iter()
        .filter(|r| {
            r.proposed_rewrite
                .as_deref()
                .is_some_and(|t| refusal(&Verdict::ApproveRewrite, t).is_some())
        })
        .map(|r| r.id)
        .collect();
    if items.is_empty() {
        s.info("select items with space first");
        return;
    }
    if approve {
        let without: Vec<i64> = items
            .iter()
            .filter(|(_, _, r)| !r)
            .map(|(id, ..)| *id)
            .collect();
        if !without.is_empty() {
            s.error(format!(
                "{} selected item(s) have no rewrite to approve: {without:?}",
                without.len()
            ));
            return;
        }
        if !critical.is_empty() {
            s.error(format!(
                "the rules rate {} selected rewrite(s) critical and the store would refuse them: {critical:?}; approve each with a (typed override) or deselect them",
                critical.len()
            ));
            return;
        }
        let reqs: Vec<DecisionRequest> = items
            .iter()
            .map(|(id, ver, _)| decision(s, *id, *ver, Verdict::ApproveRewrite))
            .collect();
        let n = reqs.len();
        ask(
            s,
            "Bulk approve",
            vec![format!("Approve the rewrites of {n} items?")],
            Box::new(Bulk(reqs)),
        );
    } else {
        prompt(
            s,
            format!("Reason for rejecting {} items", items.len()),
            Box::new(BulkRejectReason {
                items: items.iter().map(|(id, v, _)| (*id, *v)).collect(),
            }),
        );
    }
}
