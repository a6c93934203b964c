//! The committee's flag pages: one flag with its decisions, comments and the forms of
//! the decisions its state allows (`staff/flag.html`).

use super::respondent::answer_text;
use super::staff::StaffNav;
use crate::auth::permissions::Permission;
use crate::auth::principal::StaffUser;
use crate::domain::flag::FlagStatus;
use crate::domain::flag_workflow::{ActionKind, PendingSignature, Signed};
use crate::domain::i18n::Lang;
use crate::domain::indicator::Indicator;
use crate::services::clarifications::ClarificationRequest;
use crate::services::flags::page::FlagPage;
use crate::services::flags::pending_signature;
use crate::services::questionnaires::QuestionnaireRegistry;
use askama::Template;

use super::flag_history::MINUTES;

pub use super::flag_history::DecisionLine;

/// A form for one decision: `reason` names the text field (empty: none), `required`
/// whether it must be filled in.
pub struct DecisionForm {
    pub action: &'static str,
    pub label: &'static str,
    pub reason: &'static str,
    pub reason_label: &'static str,
    pub required: bool,
    /// The longest text the decision takes.
    pub max: usize,
}

#[derive(Template)]
#[template(path = "staff/flag.html")]
pub struct FlagView {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub notice: String,
    pub errors: Vec<String>,
    pub id: String,
    pub version: i32,
    pub band: String,
    /// The rule's trigger marker.
    pub critical: bool,
    /// Accepting the risk and closing each take two members (a trigger, or a critical
    /// band).
    pub four_eyes: bool,
    pub score: String,
    pub indicator: String,
    pub question: String,
    pub explanation: String,
    pub answer: String,
    /// The supplier's latest reply to a clarification of this answer (empty if none),
    /// with its note, time and the answer's score before → after.
    pub reply: String,
    pub reply_note: String,
    pub reply_when: String,
    pub reply_score: String,
    /// A clarification of this answer still waiting for the supplier (when it was asked).
    pub waiting_since: String,
    /// The newest clarification of this answer, withdrawn by a member without a reply
    /// (when asked, when withdrawn, by whom, why), else empty.
    pub withdrawn: String,
    pub status: String,
    pub organisation: String,
    pub organisation_id: String,
    pub country: String,
    pub kind: String,
    pub campaign: String,
    /// The organisation's progress and timeline in the campaign (invitations, emails,
    /// saves, the submission).
    pub campaign_href: String,
    pub raised: String,
    pub assignee: String,
    /// The assignee's account is disabled: the flag waits for someone else.
    pub assignee_disabled: bool,
    pub signed_by: String,
    /// The last decision that changed the flag's state, in words (`flag_history`).
    pub last_decision: String,
    pub dissents: Vec<DecisionLine>,
    pub decisions: Vec<DecisionLine>,
    pub comments: Vec<(String, String, String)>,
    pub can_decide: bool,
    /// Open and unassigned: assigning comes first, the other decisions after it.
    pub awaits_assignment: bool,
    pub can_comment: bool,
    pub members: Vec<(String, String, bool)>,
    pub forms: Vec<DecisionForm>,
    /// A refused form's (action, text), shown back in its box.
    pub typed: (String, String),
    /// The refused form was made from an older version of the flag (it changed since).
    pub typed_stale: bool,
    /// The comment form's own token, new at each view (a repeated post stores once).
    pub comment_token: String,
    pub response_id: String,
    /// A question to the supplier waits on this flag's response (maybe about another
    /// flagged answer) and this flag could otherwise be asked about: "Request
    /// clarification" is not offered, the waiting question is linked instead.
    pub question_waiting: bool,
    /// The flag could be closed but its plan is still planned or in progress: (plan id,
    /// its state in words); the close is not offered, the plan is linked.
    pub plan_first: Option<(String, String)>,
    /// The flag's newest plan was cancelled and the flag is open: "Write a new plan" is
    /// offered (to a member who decides).
    pub new_plan: bool,
    /// The organisation's earlier answers to this question (`#earlier`).
    pub earlier: Vec<super::flag_earlier::EarlierLine>,
}

impl FlagView {
    /// What was typed in the form of `action` before a refusal, else nothing.
    pub fn typed_for(&self, action: &str) -> &str {
        if self.typed.0 == action {
            &self.typed.1
        } else {
            ""
        }
    }

    /// Whether "Withdraw the question" is among the forms (a question waits).
    pub fn offers_withdraw(&self) -> bool {
        self.forms.iter().any(|f| f.action == "withdraw_question")
    }

    /// A refused decision's text whose form the flag does not offer (it changed in
    /// between, or not to this member): shown quoted so that it can be copied, never lost.
    pub fn typed_unplaced(&self) -> &str {
        let (action, text) = &self.typed;
        let placed = action == "comment"
            || (self.can_decide
                && self
                    .forms
                    .iter()
                    .any(|f| f.action == action && !f.reason.is_empty()));
        if placed || text.trim().is_empty() {
            ""
        } else {
            text
        }
    }

    /// The refusal of a comment, shown beside its box.
    pub fn comment_error(&self) -> String {
        if self.typed.0 == "comment" {
            self.errors.join(" ")
        } else {
            String::new()
        }
    }
}

/// The flag page for `user`; `notice` after a decision, `errors` after a refusal.
pub fn flag_page(
    user: &StaffUser,
    registry: &QuestionnaireRegistry,
    p: FlagPage,
    notice: String,
    errors: Vec<String>,
) -> FlagView {
    let version = registry.get(p.campaign.template_version_id);
    let questionnaire = version.as_ref().map(|v| &v.questionnaire);
    let lang = questionnaire.map(|q| q.default_lang()).unwrap_or(Lang::En);
    let question = questionnaire.and_then(|q| q.find(&p.flag.question_id));
    let explanation = question
        .and_then(|q| q.risk.get(p.flag.rule_index as usize))
        .map(|r| r.explanation.get(lang).to_string())
        .unwrap_or_default();
    // An answer as a person reads it (its question's labels and units), or as stored.
    let shown = |v: &serde_json::Value| match question {
        Some(q) => answer_text(q, v, lang),
        None => v.to_string(),
    };
    let answer = shown(&p.flag.answer);
    let earlier = super::flag_earlier::lines(registry, &p, question, lang);
    // Newest first: the latest reply, and whether the newest request still waits.
    let replied = p
        .clarifications
        .iter()
        .find(|(r, _)| r.answered_at.is_some());
    let (reply, reply_note, reply_when, reply_score) = match replied {
        Some((r, i)) => (
            // A reply may clear the answer.
            i.reply_answer
                .as_ref()
                .map_or_else(|| "(no answer)".to_string(), shown),
            i.reply_note.clone().unwrap_or_default(),
            r.answered_at
                .map(|at| at.format(MINUTES).to_string())
                .unwrap_or_default(),
            match i.score_after {
                Some(after) => format!("{} → {after}", i.score_before),
                None => i.score_before.to_string(),
            },
        ),
        None => Default::default(),
    };
    let waiting_since = p
        .clarifications
        .first()
        .filter(|(r, _)| r.is_waiting())
        .map(|(r, _)| r.created_at.format(MINUTES).to_string())
        .unwrap_or_default();
    let name_of = |id: Option<uuid::Uuid>| {
        id.and_then(|id| p.members.iter().find(|m| m.id == id))
            .map(|m| m.name.clone())
    };
    // The newest question on this answer, if a member withdrew it unanswered.
    let withdrawn = p
        .clarifications
        .first()
        .filter(|(r, _)| r.withdrawn_at.is_some())
        .map(|(r, _)| {
            let who = name_of(r.withdrawn_by).unwrap_or_else(|| "a former member".into());
            let asked = r.created_at.format(MINUTES);
            format!("asked {asked} UTC, {}", withdrawal_text(r, Some(&who)))
        })
        .unwrap_or_default();
    let lines = super::flag_history::lines(&p.decisions, name_of);
    let dissents = lines
        .iter()
        .filter(|l| l.dissent)
        .map(|l| DecisionLine {
            when: l.when.clone(),
            who: l.who.clone(),
            what: l.what.clone(),
            change: String::new(),
            reason: l.reason.clone(),
            dissent: true,
        })
        .collect();
    let can_decide = user.role.can(Permission::DecideFlags);
    let forms = if can_decide {
        forms_for(
            p.work.status,
            p.flag.four_eyes(),
            pending_signature(&p.work),
            user.id,
            p.question_waiting,
            p.unfinished_plan.is_some(),
            p.plan_cancelled,
        )
    } else {
        Vec::new()
    };
    let indicator = Indicator::name_of(&p.flag.indicator, Lang::En);
    let signed_by = signature_text(&p);
    FlagView {
        lang: "en".into(),
        title: format!("Flag: {indicator} at {}", p.organisation.name),
        nav: StaffNav::new(user, "/staff/flags"),
        notice,
        errors,
        id: p.flag.id.to_string(),
        version: p.work.version,
        band: p.flag.band.to_string(),
        critical: p.flag.critical,
        four_eyes: p.flag.four_eyes(),
        score: format!(
            "{} = severity {} × likelihood {}",
            p.flag.score, p.flag.severity, p.flag.likelihood
        ),
        indicator,
        question: question
            .map(|q| q.label.get(lang).to_string())
            .unwrap_or(p.flag.question_id.clone()),
        explanation,
        answer,
        reply,
        reply_note,
        reply_when,
        reply_score,
        waiting_since,
        withdrawn,
        status: p.work.status.label(),
        organisation: p.organisation.name.clone(),
        organisation_id: p.organisation.id.to_string(),
        country: p.organisation.country.clone(),
        kind: p.organisation.kind.label(),
        campaign: p.campaign.name.clone(),
        campaign_href: format!(
            "/staff/campaigns/{}/organisations/{}",
            p.campaign.id, p.organisation.id
        ),
        raised: p.flag.created_at.format(MINUTES).to_string(),
        assignee_disabled: p.assignee.as_ref().is_some_and(|m| m.disabled_at.is_some()),
        assignee: p.assignee.map(|m| m.name).unwrap_or_default(),
        signed_by,
        last_decision: super::flag_history::last_decision(&p.decisions, &lines),
        dissents,
        decisions: super::flag_history::with_plan_lines(
            super::flag_history::with_lapses(&p.decisions, lines),
            super::flag_history::plan_lines(&p.plans, |id| p.plan_people.get(&id).cloned()),
        ),
        new_plan: can_decide && p.plan_cancelled && p.work.status.is_open(),
        earlier,
        comments: p
            .comments
            .into_iter()
            .map(|(c, at, name)| (at.format(MINUTES).to_string(), name, c.body))
            .collect(),
        can_decide: can_decide && p.work.status.is_open(),
        awaits_assignment: p.work.status == FlagStatus::Open,
        typed: Default::default(),
        typed_stale: false,
        comment_token: uuid::Uuid::new_v4().to_string(),
        response_id: p.flag.response_id.to_string(),
        question_waiting: p.question_waiting
            && p.work
                .status
                .can_move_to(FlagStatus::ClarificationRequested),
        plan_first: p
            .unfinished_plan
            .filter(|_| {
                p.work.status.can_move_to(FlagStatus::Closed)
                    && p.work.status != FlagStatus::CorrectiveActionRequired
            })
            .map(|(id, status)| (id.to_string(), status.label())),
        can_comment: user.role.can(Permission::CommentOnFlags),
        members: p
            .members
            .iter()
            .map(|m| {
                (
                    m.id.to_string(),
                    format!("{} ({})", m.name, m.role),
                    Some(m.id) == p.work.assignee_id,
                )
            })
            .collect(),
        forms,
    }
}

/// The pending first signature of a four-eyes decision in words (empty when none
/// waits): which decision, who signed and when, and for a risk acceptance the reason
/// the first member gave.
fn signature_text(p: &FlagPage) -> String {
    let Some(pending) = pending_signature(&p.work) else {
        return String::new();
    };
    let who = p
        .signed_by
        .as_ref()
        .map_or_else(|| "a former member".to_string(), |m| m.name.clone());
    let at = p
        .work
        .signed_at
        .map(|t| format!(" on {} UTC", t.format(MINUTES)))
        .unwrap_or_default();
    match pending.decision {
        Signed::Close => format!("{who} signed the close{at}; a different member must close it."),
        Signed::AcceptRisk => {
            let reason = p
                .decisions
                .iter()
                .rev()
                .find(|(d, ..)| d.action == ActionKind::SignAcceptRisk)
                .and_then(|(d, ..)| d.reason.clone())
                .map(|r| format!(" Their reason: {r}"))
                .unwrap_or_default();
            format!(
                "{}: signed by {who}{at}, waiting for a second member.{reason}",
                pending.decision.label()
            )
        }
    }
}

/// A request a member withdrew without a reply, in words: when, by whom (when known),
/// why; empty when it was not withdrawn. The flag page and the clarification lists.
pub fn withdrawal_text(r: &ClarificationRequest, who: Option<&String>) -> String {
    let Some(at) = r.withdrawn_at else {
        return String::new();
    };
    let by = who.map(|w| format!(" by {w}")).unwrap_or_default();
    format!(
        "withdrawn {} UTC{by} without a reply: {}",
        at.format(MINUTES),
        r.withdrawn_reason.as_deref().unwrap_or_default()
    )
}

/// The decisions a flag in `status` offers (besides assigning, always offered on an
/// open flag, and dissent, always offered).
fn forms_for(
    status: FlagStatus,
    critical: bool,
    signature: Option<PendingSignature>,
    me: uuid::Uuid,
    question_waiting: bool,
    plan_unfinished: bool,
    plan_cancelled: bool,
) -> Vec<DecisionForm> {
    use FlagStatus::*;
    let form = |action, label, reason, reason_label, required| DecisionForm {
        action,
        label,
        reason,
        reason_label,
        required,
        max: if action == "request_clarification" {
            crate::domain::clarification::QUESTION_MAX
        } else {
            crate::domain::flag_workflow::MAX_REASON
        },
    };
    // Who signed `decision` first, if that is the signature waiting.
    let signed_for = |decision: Signed| signature.filter(|s| s.decision == decision).map(|s| s.by);
    let mut out = Vec::new();
    for next in status.next() {
        match next {
            // One question at a time waits on a response (the page links it).
            ClarificationRequested if question_waiting => {}
            ClarificationRequested => out.push(form(
                "request_clarification",
                "Request clarification",
                "reason",
                "Question to the supplier",
                true,
            )),
            // Only the supplier's reply records an answer; a member may withdraw the
            // question instead (it records that nobody answered).
            InReview if status == ClarificationRequested => out.push(form(
                "withdraw_question",
                "Withdraw the question",
                "reason",
                "Why the question is withdrawn (required; e.g. no reply, the campaign closed)",
                true,
            )),
            AcceptedRisk if critical => match signed_for(Signed::AcceptRisk) {
                None => out.push(form(
                    "sign_accept_risk",
                    "Sign the risk acceptance (first of two members)",
                    "reason",
                    "Reason for accepting the risk",
                    true,
                )),
                // The member who signed first may not confirm too: a second member must.
                Some(by) if by == me => {}
                Some(_) => out.push(form(
                    "accept_risk",
                    "Confirm: accept the risk (second member)",
                    "reason",
                    "Your reason for accepting the risk",
                    true,
                )),
            },
            AcceptedRisk => out.push(form(
                "accept_risk",
                "Accept the risk",
                "reason",
                "Reason for accepting the risk",
                true,
            )),
            CorrectiveActionRequired => out.push(form(
                "require_action",
                "Require corrective action",
                "reason",
                "What must be corrected",
                true,
            )),
            ActionInProgress => out.push(form(
                "start_action",
                "Corrective action started",
                "",
                "",
                false,
            )),
            Escalated => out.push(form(
                "escalate",
                "Escalate",
                "reason",
                "Reason for escalating",
                true,
            )),
            // Not over a plan still to be carried out (the page links it instead).
            Closed if plan_unfinished => {}
            // Corrective action required: closed without it only once its plan was
            // cancelled (`domain::flag_workflow::decide`).
            Closed if status == CorrectiveActionRequired && !plan_cancelled => {}
            Closed if critical && signed_for(Signed::Close).is_none() => out.push(form(
                "sign_close",
                "Sign the close (first of two members)",
                "reason",
                "Note (optional)",
                false,
            )),
            // The member who signed first may not close too: a second member must.
            Closed if critical && signed_for(Signed::Close) == Some(me) => {}
            Closed => out.push(form(
                "close",
                if critical {
                    "Close (second member)"
                } else {
                    "Close"
                },
                "reason",
                "Closing note (optional)",
                false,
            )),
            _ => {}
        }
    }
    out.push(form(
        "dissent",
        "Record a dissent",
        "reason",
        "Your reasons (always shown on this flag)",
        true,
    ));
    out
}
