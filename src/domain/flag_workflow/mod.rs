//! The committee's decisions on a flag, as pure rules: who may do what, in which state,
//! with which reason, and what it changes. `services::flags::transition` loads the
//! flag, asks [`decide`], and writes the outcome with its audit entry in one
//! transaction; a refusal writes nothing.
//!
//! Four eyes on a critical flag (a trigger, or critical by its band: [`four_eyes`]):
//! its risk is accepted, and it is closed, by two
//! different members: the first signs the decision (`SignAcceptRisk` with the reason,
//! `SignClose`), a second gives it (`AcceptRisk`, `Close`). The flag keeps one pending
//! signature ([`PendingSignature`]: who signed, and which decision); any change of state
//! drops it, and the outcome names the signature that lapsed. A non-critical flag takes
//! either decision from one member. No flag is closed (nor its close signed) while its
//! corrective action plan is planned or in progress ([`UnfinishedPlan`]); a cancelled
//! plan holds nothing, and a flag whose plan was cancelled before it started is closed
//! from "corrective action required" ([`FlagNow::plan_cancelled`]).
//! A dissent (with its reason) can be recorded on a flag in any state and never changes
//! it. Every decision names the flag version it was made from: a decision made from an
//! older page (someone else acted in between) is refused as stale.

use super::flag::FlagStatus;
use super::risk::Band;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod plans;
mod reasons;
use plans::closable;
pub use plans::{plan_standing, UnfinishedPlan};
pub use reasons::{optional_text, required_text, MAX_REASON};

/// What the committee (or the supplier, or the platform) does with a flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Give the flag to a member; an open (or escalated) flag goes into review.
    Assign {
        to: Uuid,
    },
    /// Ask the supplier (the question itself is H4b's clarification round trip).
    RequestClarification {
        note: String,
    },
    /// The supplier answered: back to review. Only the supplier's reply through their
    /// link records it (`services::clarifications::reply`); a member cannot claim it.
    ClarificationAnswered,
    /// A member withdraws the question the supplier never answered (a supplier who
    /// ignores it, a closed campaign, an expired link): back to review, with a reason.
    /// The history says the question was withdrawn, never that the supplier answered
    /// (`services::clarification_withdraw`).
    WithdrawQuestion {
        reason: String,
    },
    /// Accept the risk; on a critical flag, the second signature (see [`Signed`]).
    AcceptRisk {
        reason: String,
    },
    /// First signature of a four-eyes risk acceptance (critical flags), with its reason.
    SignAcceptRisk {
        reason: String,
    },
    RequireAction {
        reason: String,
    },
    StartAction,
    Escalate {
        reason: String,
    },
    /// First signature of a four-eyes close (critical flags).
    SignClose {
        note: String,
    },
    /// Close; on a critical flag, the second signature (see [`Signed`]).
    Close {
        note: String,
    },
    /// Disagreement, with reasons; recorded, never changes the flag.
    Dissent {
        reason: String,
    },
}

/// The stored name of each kind of action (`flag_decisions.action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Assign,
    RequestClarification,
    ClarificationAnswered,
    WithdrawQuestion,
    AcceptRisk,
    SignAcceptRisk,
    RequireAction,
    StartAction,
    Escalate,
    SignClose,
    Close,
    Dissent,
}

impl ActionKind {
    pub const ALL: [ActionKind; 12] = [
        ActionKind::Assign,
        ActionKind::RequestClarification,
        ActionKind::ClarificationAnswered,
        ActionKind::WithdrawQuestion,
        ActionKind::AcceptRisk,
        ActionKind::SignAcceptRisk,
        ActionKind::RequireAction,
        ActionKind::StartAction,
        ActionKind::Escalate,
        ActionKind::SignClose,
        ActionKind::Close,
        ActionKind::Dissent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Assign => "assign",
            ActionKind::RequestClarification => "request_clarification",
            ActionKind::ClarificationAnswered => "clarification_answered",
            ActionKind::WithdrawQuestion => "withdraw_question",
            ActionKind::AcceptRisk => "accept_risk",
            ActionKind::SignAcceptRisk => "sign_accept_risk",
            ActionKind::RequireAction => "require_action",
            ActionKind::StartAction => "start_action",
            ActionKind::Escalate => "escalate",
            ActionKind::SignClose => "sign_close",
            ActionKind::Close => "close",
            ActionKind::Dissent => "dissent",
        }
    }

    pub fn parse(s: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// In words, for the history on the flag page.
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Assign => "assigned",
            ActionKind::RequestClarification => "requested clarification",
            ActionKind::ClarificationAnswered => "clarification answered",
            ActionKind::WithdrawQuestion => "withdrew the question",
            ActionKind::AcceptRisk => "accepted the risk",
            ActionKind::SignAcceptRisk => "signed the risk acceptance (first of two)",
            ActionKind::RequireAction => "required corrective action",
            ActionKind::StartAction => "corrective action started",
            ActionKind::Escalate => "escalated",
            ActionKind::SignClose => "signed the close (first of two)",
            ActionKind::Close => "closed",
            ActionKind::Dissent => "DISSENT",
        }
    }

    /// Whether only a staff member may do this (all but the supplier's answer, which
    /// only the supplier records; and the platform may escalate). A member always needs
    /// the `DecideFlags` permission.
    pub fn is_staff_decision(self) -> bool {
        self != ActionKind::ClarificationAnswered
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Assign { .. } => ActionKind::Assign,
            Action::RequestClarification { .. } => ActionKind::RequestClarification,
            Action::ClarificationAnswered => ActionKind::ClarificationAnswered,
            Action::WithdrawQuestion { .. } => ActionKind::WithdrawQuestion,
            Action::AcceptRisk { .. } => ActionKind::AcceptRisk,
            Action::SignAcceptRisk { .. } => ActionKind::SignAcceptRisk,
            Action::RequireAction { .. } => ActionKind::RequireAction,
            Action::StartAction => ActionKind::StartAction,
            Action::Escalate { .. } => ActionKind::Escalate,
            Action::SignClose { .. } => ActionKind::SignClose,
            Action::Close { .. } => ActionKind::Close,
            Action::Dissent { .. } => ActionKind::Dissent,
        }
    }
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// A staff member; `may_decide` is their role's `DecideFlags`.
    Member { id: Uuid, may_decide: bool },
    /// The supplier, through their link.
    Contact(Uuid),
    /// The platform (jobs).
    System,
}

/// What [`decide`] needs to know about the flag as stored now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagNow {
    pub status: FlagStatus,
    /// The rule's `critical: true` marker (a knock-out "trigger").
    pub critical: bool,
    /// The flag's band: a flag critical by its score alone takes four eyes too.
    pub band: Band,
    pub version: i32,
    pub assignee: Option<Uuid>,
    /// The first signature of a four-eyes decision, waiting for a second member.
    pub signature: Option<PendingSignature>,
    /// The flag's corrective action plan that is not finished yet (planned or in
    /// progress), read in the transaction that decides: the flag is not closed over it.
    pub unfinished_plan: Option<UnfinishedPlan>,
    /// The flag's newest corrective action plan was cancelled, read with
    /// `unfinished_plan`: a flag that required corrective action may then be closed
    /// without starting it (otherwise it is closed once the action is in progress).
    pub plan_cancelled: bool,
}

impl FlagNow {
    /// Whether accepting the risk and closing each take two members: a trigger flag, or
    /// one whose band is critical (by its score).
    pub fn four_eyes(&self) -> bool {
        four_eyes(self.critical, self.band)
    }
}

/// Whether a flag takes four eyes on its risk acceptance and close: a trigger, or a
/// critical band. The one rule, for `decide` and for the pages offering its forms.
pub fn four_eyes(trigger: bool, band: Band) -> bool {
    trigger || band == Band::Critical
}

/// The decisions a critical flag takes only from two different members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signed {
    AcceptRisk,
    Close,
}

impl Signed {
    pub const ALL: [Signed; 2] = [Signed::AcceptRisk, Signed::Close];

    /// The stored name (`flags.signed_for`).
    pub fn as_str(self) -> &'static str {
        match self {
            Signed::AcceptRisk => "accept_risk",
            Signed::Close => "close",
        }
    }

    pub fn parse(s: &str) -> Option<Signed> {
        Signed::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// The decision in words, as the flag page names what waits ("accept risk").
    pub fn label(self) -> &'static str {
        match self {
            Signed::AcceptRisk => "accept risk",
            Signed::Close => "close",
        }
    }

    /// Whether `kind` is the decision this signature waits for (its second signature).
    pub fn given_by(self, kind: ActionKind) -> bool {
        matches!(
            (self, kind),
            (Signed::AcceptRisk, ActionKind::AcceptRisk) | (Signed::Close, ActionKind::Close)
        )
    }

    /// The decision as a noun ("this close", "this risk acceptance").
    fn noun(self) -> &'static str {
        match self {
            Signed::AcceptRisk => "risk acceptance",
            Signed::Close => "close",
        }
    }

    /// What the second member does ("close it", "confirm it").
    fn second(self) -> &'static str {
        match self {
            Signed::AcceptRisk => "confirm it",
            Signed::Close => "close it",
        }
    }
}

/// A first signature waiting for a second member: who signed, and which decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingSignature {
    pub by: Uuid,
    pub decision: Signed,
}

/// What happens to the pending first signature of a four-eyes decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    Keep,
    Clear,
    Set(PendingSignature),
}

/// The change to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub kind: ActionKind,
    pub from: FlagStatus,
    pub to: FlagStatus,
    pub assignee: Option<Uuid>,
    /// The reason or note, cleaned (None when none was given).
    pub reason: Option<String>,
    /// Whether the reason becomes the flag's decision reason.
    pub sets_decision_reason: bool,
    pub signature: Signature,
    /// A pending first signature this change drops without giving its decision (the
    /// flag moved on): recorded in the decision's audit entry and the history.
    pub lapsed: Option<PendingSignature>,
    /// The version after the change.
    pub version: i32,
}

/// Why nothing was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The actor may not do this at all (viewer, procurement, a contact deciding).
    Forbidden(String),
    /// A field of the request is wrong.
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The flag changed since the page the decision was made from.
    Stale { expected: i32, current: i32 },
    /// Not possible in the flag's current state (or the same member twice).
    NotNow(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Forbidden(m) | Refusal::NotNow(m) => f.write_str(m),
            Refusal::Invalid { field, message } => write!(f, "{field}: {message}"),
            Refusal::Stale { expected, current } => write!(
                f,
                "this flag changed since you opened it (your page shows version {expected}, \
                 it is now version {current}); nothing was saved: reload the flag and decide again"
            ),
        }
    }
}

/// Decides `action` by `who` on the flag `now`, made from the page showing
/// `expected_version` (`None`: the supplier or the platform, which act on no page).
pub fn decide(
    now: FlagNow,
    who: Who,
    expected_version: Option<i32>,
    action: &Action,
) -> Result<Outcome, Refusal> {
    use FlagStatus::*;
    let kind = action.kind();
    if kind == ActionKind::ClarificationAnswered && !matches!(who, Who::Contact(_)) {
        // The history would say the supplier answered when they did not, and their real
        // reply, later, would find the flag no longer waiting.
        return Err(Refusal::Forbidden(
            "only the supplier's own reply (through their clarification link) answers a clarification; the flag returns to review when they reply".into(),
        ));
    }
    let member = match who {
        Who::Member { id, may_decide } => {
            if !may_decide {
                return Err(Refusal::Forbidden(
                    "your role may view flags but not decide on them; only committee members and administrators decide".into(),
                ));
            }
            Some(id)
        }
        Who::Contact(_) | Who::System => {
            if kind.is_staff_decision() && !(who == Who::System && kind == ActionKind::Escalate) {
                return Err(Refusal::Forbidden(format!(
                    "only a committee member can {}",
                    kind.as_str().replace('_', " ")
                )));
            }
            None
        }
    };
    if let Some(expected) = expected_version {
        if expected != now.version {
            return Err(Refusal::Stale {
                expected,
                current: now.version,
            });
        }
    } else if member.is_some() {
        return Err(Refusal::Invalid {
            field: "version",
            message: "the flag version the decision was made from is required".into(),
        });
    }
    if now.status == Closed && kind != ActionKind::Dissent {
        return Err(Refusal::NotNow(
            "the flag is closed; only a dissent can still be recorded".into(),
        ));
    }
    let moving = |to: FlagStatus| -> Result<FlagStatus, Refusal> {
        now.status.move_to(to).map_err(Refusal::NotNow)
    };
    let mut out = Outcome {
        kind,
        from: now.status,
        to: now.status,
        assignee: now.assignee,
        reason: None,
        sets_decision_reason: false,
        signature: Signature::Keep,
        lapsed: None,
        version: now.version + 1,
    };
    match action {
        Action::Assign { to } => {
            out.to = match now.status {
                Open | Escalated => moving(InReview)?,
                s => s,
            };
            if now.assignee == Some(*to) && out.to == now.status {
                return Err(Refusal::NotNow(
                    "the flag is already assigned to this member".into(),
                ));
            }
            out.assignee = Some(*to);
        }
        Action::RequestClarification { note } => {
            out.to = moving(ClarificationRequested)?;
            out.reason = required_text("note", note, "the question to the supplier")?.into();
        }
        Action::ClarificationAnswered => out.to = moving(InReview)?,
        Action::WithdrawQuestion { reason } => {
            if now.status != ClarificationRequested {
                return Err(Refusal::NotNow(
                    "no question to the supplier waits on this flag; there is nothing to withdraw"
                        .into(),
                ));
            }
            out.to = moving(InReview)?;
            out.reason =
                required_text("reason", reason, "a reason for withdrawing the question")?.into();
        }
        Action::AcceptRisk { reason } => {
            out.to = moving(AcceptedRisk)?;
            second_signature(now, member, Signed::AcceptRisk)?;
            out.reason = required_text("reason", reason, "a reason for accepting the risk")?.into();
            out.sets_decision_reason = true;
        }
        Action::SignAcceptRisk { reason } => {
            moving(AcceptedRisk)?;
            out.signature = first_signature(now, member, Signed::AcceptRisk)?;
            out.reason = required_text("reason", reason, "a reason for accepting the risk")?.into();
        }
        Action::RequireAction { reason } => {
            out.to = moving(CorrectiveActionRequired)?;
            out.reason =
                required_text("reason", reason, "what must be corrected (the reason)")?.into();
            out.sets_decision_reason = true;
        }
        Action::StartAction => out.to = moving(ActionInProgress)?,
        Action::Escalate { reason } => {
            out.to = moving(Escalated)?;
            out.reason = required_text("reason", reason, "a reason for escalating")?.into();
        }
        Action::SignClose { note } => {
            moving(Closed)?;
            closable(now)?;
            out.signature = first_signature(now, member, Signed::Close)?;
            out.reason = optional_text("note", note)?;
        }
        Action::Close { note } => {
            out.to = moving(Closed)?;
            closable(now)?;
            second_signature(now, member, Signed::Close)?;
            out.reason = optional_text("note", note)?;
        }
        Action::Dissent { reason } => {
            out.reason = required_text("reason", reason, "the reasons for the dissent")?.into();
        }
    }
    if out.to != out.from {
        out.signature = match out.signature {
            Signature::Set(id) => Signature::Set(id),
            _ if now.signature.is_some() => Signature::Clear,
            keep => keep,
        };
        out.lapsed = now
            .signature
            .filter(|s| out.signature == Signature::Clear && !s.decision.given_by(kind));
    }
    Ok(out)
}

/// The first signature of `decision` on a critical flag by `member`: refused on a
/// non-critical flag (one member decides it) and when a signature already waits.
fn first_signature(
    now: FlagNow,
    member: Option<Uuid>,
    decision: Signed,
) -> Result<Signature, Refusal> {
    if !now.four_eyes() {
        return Err(Refusal::NotNow(match decision {
            Signed::AcceptRisk => {
                "only a critical flag needs two signatures; accept the risk directly".into()
            }
            Signed::Close => "only a critical flag needs two signatures; close it directly".into(),
        }));
    }
    let me = member.expect("staff decision");
    match now.signature {
        None => Ok(Signature::Set(PendingSignature { by: me, decision })),
        Some(s) if s.decision == decision && s.by == me => Err(Refusal::NotNow(format!(
            "you have already signed this {}; a different committee member must {}",
            decision.noun(),
            decision.second()
        ))),
        Some(s) if s.decision == decision => Err(Refusal::NotNow(match decision {
            Signed::AcceptRisk => {
                "another member has already signed; confirm the risk acceptance as the second member".into()
            }
            Signed::Close => {
                "another member has already signed; close the flag as the second member".into()
            }
        })),
        Some(s) => Err(Refusal::NotNow(format!(
            "the {} waits for its second signature; it must be given or the flag moved on first",
            s.decision.noun()
        ))),
    }
}

/// The second signature of `decision` by `member`: on a critical flag, a different
/// member must have signed that same decision first. A non-critical flag needs none.
fn second_signature(now: FlagNow, member: Option<Uuid>, decision: Signed) -> Result<(), Refusal> {
    if !now.four_eyes() {
        return Ok(());
    }
    let me = member.expect("staff decision");
    match now.signature.filter(|s| s.decision == decision) {
        None => Err(Refusal::NotNow(match decision {
            Signed::AcceptRisk => "the risk of a critical flag is accepted by two different committee members: one signs first with the reason, another confirms".into(),
            Signed::Close => "a critical flag is closed by two different committee members: one signs first, another closes".into(),
        })),
        Some(s) if s.by == me => Err(Refusal::NotNow(format!(
            "you signed this {0} yourself; the same member cannot give both signatures of a four-eyes {0}",
            decision.noun()
        ))),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests;
