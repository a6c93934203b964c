//! The workflow's rules, without a database.

use super::FlagStatus::*;
use super::*;

fn member(n: u128) -> Who {
    Who::Member {
        id: Uuid::from_u128(n),
        may_decide: true,
    }
}

fn flag(status: FlagStatus, critical: bool) -> FlagNow {
    FlagNow {
        status,
        critical,
        band: if critical { Band::Critical } else { Band::High },
        version: 3,
        assignee: None,
        signature: None,
        unfinished_plan: None,
        plan_cancelled: false,
    }
}

/// The pending first signature of `decision` by member `n`.
fn signed(n: u128, decision: Signed) -> Option<PendingSignature> {
    Some(PendingSignature {
        by: Uuid::from_u128(n),
        decision,
    })
}

#[test]
fn assigning_an_open_flag_puts_it_in_review() {
    let to = Uuid::from_u128(9);
    let out = decide(
        flag(Open, false),
        member(1),
        Some(3),
        &Action::Assign { to },
    )
    .unwrap();
    assert_eq!((out.from, out.to, out.assignee), (Open, InReview, Some(to)));
    assert_eq!(out.version, 4);
    let mut now = flag(InReview, false);
    now.assignee = Some(to);
    assert!(matches!(
        decide(now, member(1), Some(3), &Action::Assign { to }),
        Err(Refusal::NotNow(_))
    ));
    let other = Uuid::from_u128(10);
    let out = decide(now, member(1), Some(3), &Action::Assign { to: other }).unwrap();
    assert_eq!((out.to, out.assignee), (InReview, Some(other)));
}

#[test]
fn a_viewer_decides_nothing_and_a_contact_only_answers() {
    let viewer = Who::Member {
        id: Uuid::from_u128(1),
        may_decide: false,
    };
    for action in [
        Action::Assign {
            to: Uuid::from_u128(2),
        },
        Action::Close {
            note: String::new(),
        },
        Action::Dissent {
            reason: "no".into(),
        },
    ] {
        assert!(matches!(
            decide(flag(Open, false), viewer, Some(3), &action),
            Err(Refusal::Forbidden(_))
        ));
    }
    let contact = Who::Contact(Uuid::from_u128(5));
    assert!(matches!(
        decide(
            flag(AcceptedRisk, false),
            contact,
            None,
            &Action::Close {
                note: String::new()
            }
        ),
        Err(Refusal::Forbidden(_))
    ));
    let out = decide(
        flag(ClarificationRequested, false),
        contact,
        None,
        &Action::ClarificationAnswered,
    )
    .unwrap();
    assert_eq!(out.to, InReview);
}

#[test]
fn reasons_are_required_where_the_decision_needs_one() {
    let err = decide(
        flag(InReview, false),
        member(1),
        Some(3),
        &Action::AcceptRisk {
            reason: "  \n ".into(),
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "reason: a reason for accepting the risk is required"
    );
    let out = decide(
        flag(InReview, false),
        member(1),
        Some(3),
        &Action::AcceptRisk {
            reason: " Passports returned; checked on site. ".into(),
        },
    )
    .unwrap();
    assert_eq!(
        out.reason.as_deref(),
        Some("Passports returned; checked on site.")
    );
    assert!(out.sets_decision_reason);
    assert!(matches!(
        decide(
            flag(InReview, false),
            member(1),
            Some(3),
            &Action::Dissent {
                reason: "x".repeat(MAX_REASON + 1)
            }
        ),
        Err(Refusal::Invalid {
            field: "reason",
            ..
        })
    ));
}

#[test]
fn a_stale_version_is_refused_before_anything_else() {
    let err = decide(
        flag(InReview, false),
        member(1),
        Some(2),
        &Action::AcceptRisk {
            reason: "fine".into(),
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        Refusal::Stale {
            expected: 2,
            current: 3
        }
    );
    assert!(matches!(
        decide(flag(InReview, false), member(1), None, &Action::StartAction),
        Err(Refusal::Invalid {
            field: "version",
            ..
        })
    ));
}

#[test]
fn shortcuts_are_refused_and_a_closed_flag_only_takes_a_dissent() {
    assert!(matches!(
        decide(
            flag(Open, false),
            member(1),
            Some(3),
            &Action::AcceptRisk { reason: "x".into() }
        ),
        Err(Refusal::NotNow(_))
    ));
    let closed = flag(Closed, true);
    assert!(decide(
        closed,
        member(1),
        Some(3),
        &Action::Assign {
            to: Uuid::from_u128(1)
        }
    )
    .is_err());
    let out = decide(
        closed,
        member(1),
        Some(3),
        &Action::Dissent {
            reason: "the evidence was thin".into(),
        },
    )
    .unwrap();
    assert_eq!(out.to, Closed);
}

#[test]
fn names_match_the_database_check() {
    // migrations/2026-11-29-000120_flag_workflow/up.sql, flag_decisions.action, as
    // migrations/2026-12-01-000230_four_eyes_accept_risk/up.sql last writes it.
    let check = "'assign', 'request_clarification', 'clarification_answered', 'accept_risk', \
                 'require_action', 'start_action', 'escalate', 'sign_close', 'close', 'dissent', \
                 'withdraw_question', 'sign_accept_risk'";
    for a in ActionKind::ALL {
        assert!(check.contains(&format!("'{}'", a.as_str())));
        assert_eq!(ActionKind::parse(a.as_str()), Some(a));
    }
    // flags.signed_for, in the same migration.
    let check = "signed_for IN ('accept_risk', 'close')";
    for d in Signed::ALL {
        assert!(check.contains(&format!("'{}'", d.as_str())));
        assert_eq!(Signed::parse(d.as_str()), Some(d));
    }
}

#[test]
fn only_the_suppliers_reply_answers_a_clarification() {
    for who in [member(1), Who::System] {
        let refused = decide(
            flag(ClarificationRequested, false),
            who,
            (who != Who::System).then_some(3),
            &Action::ClarificationAnswered,
        )
        .unwrap_err();
        assert!(matches!(refused, Refusal::Forbidden(_)), "{refused:?}");
        assert!(refused.to_string().contains("supplier's own reply"));
    }
    let out = decide(
        flag(ClarificationRequested, false),
        Who::Contact(Uuid::from_u128(5)),
        None,
        &Action::ClarificationAnswered,
    )
    .unwrap();
    assert_eq!(out.to, InReview);
}

fn withdraw(reason: &str) -> Action {
    Action::WithdrawQuestion {
        reason: reason.into(),
    }
}

#[test]
fn a_member_withdraws_an_unanswered_question_back_to_review() {
    let out = decide(
        flag(ClarificationRequested, false),
        member(1),
        Some(3),
        &withdraw("  the supplier never replied; campaign closed  "),
    )
    .unwrap();
    assert_eq!(
        (out.kind, out.from, out.to),
        (
            ActionKind::WithdrawQuestion,
            ClarificationRequested,
            InReview
        )
    );
    assert_eq!(
        out.reason.as_deref(),
        Some("the supplier never replied; campaign closed")
    );
    assert!(!out.sets_decision_reason);
    assert_eq!(out.version, 4);
    assert_eq!(
        ActionKind::WithdrawQuestion.label(),
        "withdrew the question"
    );
}

#[test]
fn withdrawing_needs_a_reason_like_accepting_the_risk() {
    let now = flag(ClarificationRequested, false);
    for (raw, bad) in [
        ("", true),
        ("   \n ", true),
        ("bad\u{7}bell", true),
        ("ok", false),
    ] {
        let got = decide(now, member(1), Some(3), &withdraw(raw));
        let accept = decide(
            flag(InReview, false),
            member(1),
            Some(3),
            &Action::AcceptRisk { reason: raw.into() },
        );
        assert_eq!(got.is_err(), bad, "{raw:?}: {got:?}");
        assert_eq!(accept.is_err(), bad, "{raw:?}: {accept:?}");
        if let Err(e) = got {
            assert!(
                matches!(
                    e,
                    Refusal::Invalid {
                        field: "reason",
                        ..
                    }
                ),
                "{e:?}"
            );
        }
    }
    let long = "x".repeat(MAX_REASON + 1);
    assert!(matches!(
        decide(now, member(1), Some(3), &withdraw(&long)),
        Err(Refusal::Invalid {
            field: "reason",
            ..
        })
    ));
}

#[test]
fn only_a_deciding_member_withdraws_and_only_a_waiting_question() {
    let viewer = Who::Member {
        id: Uuid::from_u128(1),
        may_decide: false,
    };
    let now = flag(ClarificationRequested, false);
    for who in [viewer, Who::Contact(Uuid::from_u128(5)), Who::System] {
        let expected = matches!(who, Who::Member { .. }).then_some(3);
        assert!(
            matches!(
                decide(now, who, expected, &withdraw("r")),
                Err(Refusal::Forbidden(_))
            ),
            "{who:?}"
        );
    }
    for status in FlagStatus::ALL {
        if status == ClarificationRequested {
            continue;
        }
        assert!(
            matches!(
                decide(flag(status, false), member(1), Some(3), &withdraw("r")),
                Err(Refusal::NotNow(_))
            ),
            "{status:?}"
        );
    }
    assert!(matches!(
        decide(now, member(1), Some(2), &withdraw("r")),
        Err(Refusal::Stale {
            expected: 2,
            current: 3
        })
    ));
}

mod closing;
mod four_eyes;
