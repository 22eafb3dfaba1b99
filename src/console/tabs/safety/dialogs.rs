//! The Safety tab's dialog continuations: what confirming a decision, submitting a reason or
//! note, and approving an edited text do.

use crate::ai::guard::rules;
use crate::console::dialog::{Confirm, OnConfirm, OnEdit, OnSubmit, ask, prompt};
use crate::console::msg::Effect;
use crate::console::state::{Mode, State};
use crate::store::ops::reviews::{
    CriticalOverride, DecisionRequest, MAX_POST_CHARS, Verdict, approval_policy,
};

pub(super) fn decision(
    s: &State,
    review_id: i64,
    version: i64,
    verdict: Verdict,
) -> DecisionRequest {
    DecisionRequest {
        review_id,
        seen_version: version,
        verdict,
        // The executor assigns the action id, once per attempt.
        action_id: String::new(),
        operator: s.operator.clone(),
        // An override is only added by the typed override dialog (`ask_override`).
        critical_override: None,
    }
}

/// What the store's policy says about publishing `text` with `verdict` and no override:
/// `Some(reason)` when it will refuse it (the rules rate the text critical).
pub(super) fn refusal(verdict: &Verdict, text: &str) -> Option<String> {
    approval_policy(verdict, text, None).err()
}

/// The text would be refused by the store (critical risk): no plain `y`. The dialog says why,
/// the operator types `override`, then a required note; only then is the decision sent, with
/// a [`CriticalOverride`] the audit records.
pub(super) fn ask_override(
    s: &mut State,
    title: &str,
    mut lines: Vec<String>,
    reason: &str,
    req: DecisionRequest,
) {
    lines.push(String::new());
    lines.push(format!(
        "The store will refuse this: {}",
        crate::text::inert(reason)
    ));
    lines.push(
        "To publish it anyway, type override and press Enter, then give a note for the audit."
            .into(),
    );
    // Wrapped here to the dialog's inner width, so that its height counts every row and the
    // typed line stays on screen.
    let width = (s.size.0 as usize).saturating_sub(6).min(70);
    let lines = crate::console::widgets::wrap_view(&lines, width);
    s.mode = Mode::Confirm(Confirm {
        title: format!("{title} — critical risk"),
        lines,
        pending: Box::new(OverrideConfirmed(req)),
        typed: Some(("override".into(), String::new())),
        back: None,
    });
}

/// `override` typed: ask for the note.
#[derive(Debug)]
pub(super) struct OverrideConfirmed(pub(super) DecisionRequest);

impl OnConfirm for OverrideConfirmed {
    fn confirmed(self: Box<Self>, s: &mut State) -> Vec<Effect> {
        let id = self.0.review_id;
        prompt(
            s,
            format!("Why override the critical-risk refusal for #{id}? (required, audited)"),
            Box::new(OverrideNote(self.0)),
        );
        Vec::new()
    }
}

/// The override's note: the decision is sent with the override.
#[derive(Debug)]
pub(super) struct OverrideNote(pub(super) DecisionRequest);

impl OnSubmit for OverrideNote {
    fn submitted(&self, s: &mut State, text: String) -> Option<Vec<Effect>> {
        match CriticalOverride::new(text) {
            Ok(o) => {
                let mut req = self.0.clone();
                req.critical_override = Some(o);
                s.info(format!(
                    "#{}: approving with an override of the critical-risk refusal",
                    req.review_id
                ));
                s.tabs.safety.mine.insert(req.review_id);
                Some(vec![Effect::Decide(req)])
            }
            Err(e) => {
                s.error(e);
                None
            }
        }
    }
}

/// Confirmed: one decision.
#[derive(Debug)]
pub(super) struct Decide(pub(super) DecisionRequest);

impl OnConfirm for Decide {
    fn confirmed(self: Box<Self>, s: &mut State) -> Vec<Effect> {
        s.tabs.safety.mine.insert(self.0.review_id);
        vec![Effect::Decide(self.0)]
    }
}

/// Confirmed: a bulk decision (the selection is cleared).
#[derive(Debug)]
pub(super) struct Bulk(pub(super) Vec<DecisionRequest>);

impl OnConfirm for Bulk {
    fn confirmed(self: Box<Self>, s: &mut State) -> Vec<Effect> {
        s.tabs.safety.marked.clear();
        s.tabs
            .safety
            .mine
            .extend(self.0.iter().map(|r| r.review_id));
        vec![Effect::BulkDecide(self.0)]
    }
}

/// The reason of a rejection, then a confirmation.
#[derive(Debug)]
pub(super) struct RejectReason {
    pub(super) review_id: i64,
    pub(super) version: i64,
}

impl OnSubmit for RejectReason {
    fn submitted(&self, s: &mut State, text: String) -> Option<Vec<Effect>> {
        if text.is_empty() {
            s.error("a rejection needs a reason");
            return None;
        }
        let review_id = self.review_id;
        let req = decision(
            s,
            review_id,
            self.version,
            Verdict::Reject {
                reason: text.clone(),
            },
        );
        ask(
            s,
            "Reject",
            vec![format!("Reject #{review_id}: {text}?")],
            Box::new(Decide(req)),
        );
        Some(Vec::new())
    }
}

/// The reason of a bulk rejection, then a confirmation.
#[derive(Debug)]
pub(super) struct BulkRejectReason {
    pub(super) items: Vec<(i64, i64)>,
}

impl OnSubmit for BulkRejectReason {
    fn submitted(&self, s: &mut State, text: String) -> Option<Vec<Effect>> {
        if text.is_empty() {
            s.error("a rejection needs a reason");
            return None;
        }
        let reqs: Vec<DecisionRequest> = self
            .items
            .iter()
            .map(|(id, v)| {
                decision(
                    s,
                    *id,
                    *v,
                    Verdict::Reject {
                        reason: text.clone(),
                    },
                )
            })
            .collect();
        let n = reqs.len();
        ask(
            s,
            "Bulk reject",
            vec![format!("Reject {n} items: {text}?")],
            Box::new(Bulk(reqs)),
        );
        Some(Vec::new())
    }
}

/// The note for approving the original, then a typed confirmation.
#[derive(Debug)]
pub(super) struct OriginalNote {
    pub(super) review_id: i64,
    pub(super) version: i64,
}

impl OnSubmit for OriginalNote {
    fn submitted(&self, s: &mut State, text: String) -> Option<Vec<Effect>> {
        if text.is_empty() {
            s.error("approving the original needs a note");
            return None;
        }
        let review_id = self.review_id;
        let req = decision(
            s,
            review_id,
            self.version,
            Verdict::ApproveOriginal { note: text.clone() },
        );
        s.mode = Mode::Confirm(Confirm {
            title: "Approve original".into(),
            lines: vec![
                format!("#{review_id} will be published as written, despite the guard's flags."),
                format!("Note: {text}"),
                "Type approve and press Enter to confirm.".into(),
            ],
            pending: Box::new(Decide(req)),
            typed: Some(("approve".into(), String::new())),
            back: None,
        });
        Some(Vec::new())
    }
}

/// Confirmed: ask the model for another rewrite (the proposal is kept until it exists).
#[derive(Debug)]
pub(super) struct RewriteNow {
    pub(super) review_id: i64,
}

impl OnConfirm for RewriteNow {
    fn confirmed(self: Box<Self>, s: &mut State) -> Vec<Effect> {
        s.info(format!(
            "asking the model for another rewrite of #{}; the current proposal stays until the new one is stored",
            self.review_id
        ));
        s.tabs.safety.mine.insert(self.review_id);
        vec![Effect::Rewrite {
            review_id: self.review_id,
        }]
    }
}

/// The editor of "approve edited": the rule screen runs on every change.
#[derive(Debug)]
pub(super) struct ApproveEdited {
    pub(super) review_id: i64,
    pub(super) version: i64,
}

impl OnEdit for ApproveEdited {
    fn title(&self) -> String {
        format!(" Edit #{} — ", self.review_id)
    }

    fn screen(&self, text: &str) -> Vec<String> {
        rules::screen(text)
            .hits
            .iter()
            .map(|h| {
                format!(
                    "{} ({}): \"{}\"",
                    h.category.label(),
                    h.level.as_str(),
                    crate::text::inert(&h.text)
                )
            })
            .collect()
    }

    fn submitted(&self, s: &mut State, text: String, warnings: &[String]) -> bool {
        let chars = text.chars().count();
        if text.is_empty() {
            s.error("the text is empty");
            return false;
        }
        if chars > MAX_POST_CHARS {
            s.error(format!("{chars} characters; a post holds {MAX_POST_CHARS}"));
            return false;
        }
        let screen = rules::screen(&text);
        let mut lines = vec![
            format!(
                "Approve this text for #{}? ({chars}/{MAX_POST_CHARS})",
                self.review_id
            ),
            String::new(),
        ];
        lines.extend(text.lines().map(crate::text::inert));
        if !warnings.is_empty() {
            lines.push(String::new());
            lines.push(format!(
                "The rules still flag it ({} risk):",
                screen.level.as_str()
            ));
            lines.extend(warnings.iter().map(|w| format!("  ! {w}")));
        }
        let verdict = Verdict::ApproveEdited { text: text.clone() };
        let refused = refusal(&verdict, &text);
        let req = decision(s, self.review_id, self.version, verdict);
        match refused {
            Some(reason) => {
                // The warnings already list the hits; the reason names the critical ones.
                ask_override(s, "Approve edited", lines, &reason, req);
            }
            None => ask(s, "Approve edited", lines, Box::new(Decide(req))),
        }
        true
    }
}
