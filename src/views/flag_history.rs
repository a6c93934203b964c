//! A flag's history in words (`staff/flag.html`): each decision, the first signatures
//! of four-eyes decisions that lapsed when the flag changed, and the last decision that
//! changed the flag's state as its summary says it (both members of a four-eyes one).

use crate::db::flag_decisions::DecisionRow;
use crate::domain::flag_workflow::{ActionKind, Signed};
use uuid::Uuid;

/// How times are written in the history (UTC, to the minute).
pub(super) const MINUTES: &str = "%Y-%m-%d %H:%M";

/// A decision in the history.
pub struct DecisionLine {
    pub when: String,
    pub who: String,
    pub what: String,
    pub change: String,
    pub reason: String,
    pub dissent: bool,
}

/// One line per decision, same order: who (`member` of the row, else the supplier or
/// the platform), what (an assignment names the assignee through `name_of`), the change
/// of state and the reason.
pub fn lines(
    decisions: &[DecisionRow],
    name_of: impl Fn(Option<Uuid>) -> Option<String>,
) -> Vec<DecisionLine> {
    decisions
        .iter()
        .map(|(d, at, member)| DecisionLine {
            when: at.format(MINUTES).to_string(),
            who: member
                .clone()
                .unwrap_or_else(|| match d.actor_kind.as_str() {
                    "contact" => "the supplier".into(),
                    _ => "the platform".into(),
                }),
            what: match (d.action, d.assignee_id) {
                (ActionKind::Assign, Some(to)) => format!(
                    "assigned to {}",
                    name_of(Some(to)).unwrap_or_else(|| "a former member".into())
                ),
                (kind, _) => kind.label().to_string(),
            },
            change: if d.from_status == d.to_status {
                String::new()
            } else {
                format!("{} → {}", d.from_status.label(), d.to_status.label())
            },
            reason: d.reason.clone().unwrap_or_default(),
            dissent: d.action == ActionKind::Dissent,
        })
        .collect()
}

/// The history as text, one line per entry (an export's cell): "when UTC — who: what
/// (change) — reason".
pub fn as_text(lines: &[DecisionLine]) -> String {
    lines
        .iter()
        .map(|l| {
            let mut out = format!("{} UTC — {}: {}", l.when, l.who, l.what);
            if !l.change.is_empty() {
                out.push_str(&format!(" ({})", l.change));
            }
            if !l.reason.is_empty() {
                out.push_str(&format!(" — {}", l.reason));
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The decision a first signature is given for.
fn signs(kind: ActionKind) -> Option<Signed> {
    match kind {
        ActionKind::SignAcceptRisk => Some(Signed::AcceptRisk),
        ActionKind::SignClose => Some(Signed::Close),
        _ => None,
    }
}

/// The decision as a noun, for a lapsed signature ("the risk acceptance").
fn noun(decision: Signed) -> &'static str {
    match decision {
        Signed::AcceptRisk => "the risk acceptance",
        Signed::Close => "the close",
    }
}

/// For each decision (same order), the index of the first signature it gave its
/// second signature to (four eyes), and the one it let lapse (a change of state that
/// is not that decision). As `domain::flag_workflow::decide` keeps and drops them.
fn signatures(decisions: &[DecisionRow]) -> Vec<(Option<usize>, Option<usize>)> {
    let mut pending: Option<(usize, Signed)> = None;
    decisions
        .iter()
        .enumerate()
        .map(|(i, (d, ..))| {
            if let Some(s) = signs(d.action) {
                pending = Some((i, s));
                return (None, None);
            }
            if d.from_status == d.to_status {
                return (None, None);
            }
            match pending.take() {
                Some((first, s)) if s.given_by(d.action) => (Some(first), None),
                Some((first, _)) => (None, Some(first)),
                None => (None, None),
            }
        })
        .collect()
}

/// The history: `lines` (one per decision, same order) with a line after each change
/// of state that let a first signature lapse.
pub fn with_lapses(decisions: &[DecisionRow], lines: Vec<DecisionLine>) -> Vec<DecisionLine> {
    let marks = signatures(decisions);
    let mut out = Vec::with_capacity(lines.len());
    let signer: Vec<String> = lines.iter().map(|l| l.who.clone()).collect();
    for (i, line) in lines.into_iter().enumerate() {
        let when = line.when.clone();
        out.push(line);
        if let Some(first) = marks[i].1 {
            let Some(decision) = signs(decisions[first].0.action) else {
                continue;
            };
            out.push(DecisionLine {
                when,
                who: signer[first].clone(),
                what: format!(
                    "{}’s signature on {} lapsed (the flag changed)",
                    signer[first],
                    noun(decision)
                ),
                change: String::new(),
                reason: String::new(),
                dissent: false,
            });
        }
    }
    out
}

/// The last decision that changed the flag's state, in words: what, who (both members
/// of a four-eyes decision), when, and its reason or note ("no note"); empty when none
/// did. `lines` are the decisions' lines, one per decision, same order.
pub fn last_decision(decisions: &[DecisionRow], lines: &[DecisionLine]) -> String {
    let marks = signatures(decisions);
    let Some(i) = decisions
        .iter()
        .rposition(|(d, ..)| d.from_status != d.to_status)
    else {
        return String::new();
    };
    let line = &lines[i];
    let note = |r: &str| {
        if r.is_empty() {
            "no note".to_string()
        } else {
            r.to_string()
        }
    };
    let first = marks[i].0.map(|f| &lines[f]).map_or_else(String::new, |f| {
        format!(
            "; signed first by {} on {} UTC — {}",
            f.who,
            f.when,
            note(&f.reason)
        )
    });
    format!(
        "{} by {} on {} UTC — {}{first}",
        line.what,
        line.who,
        line.when,
        note(&line.reason)
    )
}

/// The lines a flag's corrective action plans add to its history: each plan written
/// (by whom, due when) and each cancelled (by whom, why). `plans` oldest first; `name`
/// says who a staff id is ("a former member" when `None`). A plan is named by its due
/// date, as the plan pages name it.
pub fn plan_lines(
    plans: &[crate::db::models::ActionPlan],
    name: impl Fn(uuid::Uuid) -> Option<String>,
) -> Vec<DecisionLine> {
    let who = |id: Option<uuid::Uuid>| {
        id.and_then(&name)
            .unwrap_or_else(|| "a former member".into())
    };
    let mut out = Vec::new();
    for plan in plans {
        let due = plan.due_date.format("%Y-%m-%d");
        out.push(DecisionLine {
            when: plan.created_at.format(MINUTES).to_string(),
            who: who(Some(plan.created_by)),
            what: format!("wrote a corrective action plan due {due}"),
            change: "plan: planned".into(),
            reason: String::new(),
            dissent: false,
        });
        if let Some(at) = plan.cancelled_at {
            out.push(DecisionLine {
                when: at.format(MINUTES).to_string(),
                who: who(plan.cancelled_by),
                what: format!("cancelled the corrective action plan due {due}"),
                change: "plan: cancelled".into(),
                reason: plan.cancel_reason.clone().unwrap_or_default(),
                dissent: false,
            });
        }
    }
    out
}

/// The history with the plans' lines ([`plan_lines`]) placed by time among the
/// decisions (a plan written or cancelled is not a decision on the flag: its state
/// stays), after a decision of the same minute.
pub fn with_plan_lines(
    mut lines: Vec<DecisionLine>,
    plans: Vec<DecisionLine>,
) -> Vec<DecisionLine> {
    let mut plans = plans;
    plans.sort_by(|a, b| a.when.cmp(&b.when));
    for p in plans {
        let at = lines.partition_point(|l| l.when <= p.when);
        lines.insert(at, p);
    }
    lines
}

#[cfg(test)]
mod cancelled_plan_tests {
    use super::*;

    fn line(when: &str) -> DecisionLine {
        DecisionLine {
            when: when.into(),
            who: "A".into(),
            what: "decided".into(),
            change: String::new(),
            reason: String::new(),
            dissent: false,
        }
    }

    #[test]
    fn plan_lines_take_their_place_by_time() {
        let lines = vec![line("2027-01-01 10:00"), line("2027-01-03 10:00")];
        let mut cancelled = line("2027-01-02 09:00");
        cancelled.what = "cancelled the corrective action plan due 2027-02-01".into();
        let mut written = line("2027-01-01 10:00");
        written.what = "wrote a corrective action plan due 2027-02-01".into();
        let out = with_plan_lines(lines, vec![cancelled, written]);
        let whats: Vec<&str> = out.iter().map(|l| l.what.as_str()).collect();
        assert_eq!(
            whats,
            [
                "decided",
                "wrote a corrective action plan due 2027-02-01",
                "cancelled the corrective action plan due 2027-02-01",
                "decided"
            ]
        );
    }
}
