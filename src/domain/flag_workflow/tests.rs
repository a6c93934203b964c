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
        version: 3,
        assignee: None,
        signature: None,
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
fn a_critical_flag_needs_two_different_members_to_close() {
    let (a, b) = (member(1), member(2));
    let now = flag(AcceptedRisk, true);
    let close = Action::Close {
        note: String::new(),
    };
    assert!(matches!(
        decide(now, a, Some(3), &close),
        Err(Refusal::NotNow(m)) if m.contains("two different")
    ));
    let signed = decide(
        now,
        a,
        Some(3),
        &Action::SignClose {
            note: String::new(),
        },
    )
    .unwrap();
    assert_eq!(signed.to, AcceptedRisk);
    assert_eq!(
        signed.signature,
        Signature::Set(PendingSignature {
            by: Uuid::from_u128(1),
            decision: Signed::Close
        })
    );
    let now = FlagNow {
        version: 4,
        signature: self::signed(1, Signed::Close),
        ..now
    };
    assert!(matches!(
        decide(now, a, Some(4), &close),
        Err(Refusal::NotNow(m)) if m.contains("same member")
    ));
    assert!(matches!(
        decide(
            now,
            a,
            Some(4),
            &Action::SignClose {
                note: String::new()
            }
        ),
        Err(Refusal::NotNow(_))
    ));
    let closed = decide(now, b, Some(4), &close).unwrap();
    assert_eq!(closed.to, Closed);
    assert_eq!(closed.signature, Signature::Clear);
}

#[test]
fn a_non_critical_flag_closes_with_one_member_and_needs_no_signature() {
    let now = flag(ActionInProgress, false);
    assert_eq!(
        decide(
            now,
            member(1),
            Some(3),
            &Action::Close {
                note: "done".into()
            }
        )
        .unwrap()
        .to,
        Closed
    );
    assert!(decide(
        now,
        member(1),
        Some(3),
        &Action::SignClose {
            note: String::new()
        }
    )
    .is_err());
}

#[test]
fn a_change_of_state_drops_a_pending_signature() {
    let now = FlagNow {
        signature: signed(1, Signed::Close),
        ..flag(ActionInProgress, true)
    };
    let out = decide(
        now,
        member(2),
        Some(3),
        &Action::Escalate {
            reason: "overdue".into(),
        },
    )
    .unwrap();
    assert_eq!((out.to, out.signature), (Escalated, Signature::Clear));
    let out = decide(
        now,
        member(2),
        Some(3),
        &Action::Dissent {
            reason: "not convinced".into(),
        },
    )
    .unwrap();
    assert_eq!((out.to, out.signature), (ActionInProgress, Signature::Keep));
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
        "withdrew the question (no reply)"
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

#[test]
fn a_critical_flags_risk_is_accepted_by_two_different_members() {
    let (a, b) = (member(1), member(2));
    let now = flag(InReview, true);
    let accept = |reason: &str| Action::AcceptRisk {
        reason: reason.into(),
    };
    let sign = |reason: &str| Action::SignAcceptRisk {
        reason: reason.into(),
    };
    // Nobody accepts it alone.
    assert!(matches!(
        decide(now, a, Some(3), &accept("Passports returned.")),
        Err(Refusal::NotNow(m)) if m.contains("two different committee members")
    ));
    // The first signature needs its reason, and leaves the flag in review.
    assert_eq!(
        decide(now, a, Some(3), &sign(" ")).unwrap_err().to_string(),
        "reason: a reason for accepting the risk is required"
    );
    let first = decide(
        now,
        a,
        Some(3),
        &sign(" Passports returned to all workers. "),
    )
    .unwrap();
    assert_eq!(
        (first.kind, first.from, first.to),
        (ActionKind::SignAcceptRisk, InReview, InReview)
    );
    assert_eq!(
        first.reason.as_deref(),
        Some("Passports returned to all workers.")
    );
    assert!(!first.sets_decision_reason, "nothing is decided yet");
    assert_eq!(
        first.signature,
        Signature::Set(PendingSignature {
            by: Uuid::from_u128(1),
            decision: Signed::AcceptRisk
        })
    );
    let now = FlagNow {
        version: 4,
        signature: signed(1, Signed::AcceptRisk),
        ..now
    };
    // The signer cannot confirm, nor sign again; another member cannot sign over it.
    assert!(matches!(
        decide(now, a, Some(4), &accept("Confirmed.")),
        Err(Refusal::NotNow(m)) if m.contains("same member cannot give both signatures")
    ));
    assert!(matches!(
        decide(now, a, Some(4), &sign("again")),
        Err(Refusal::NotNow(m)) if m.contains("already signed")
    ));
    assert!(matches!(
        decide(now, b, Some(4), &sign("me too")),
        Err(Refusal::NotNow(m)) if m.contains("confirm the risk acceptance as the second member")
    ));
    // The second member confirms with their own reason: the risk is accepted.
    assert!(matches!(
        decide(now, b, Some(4), &accept("")),
        Err(Refusal::Invalid {
            field: "reason",
            ..
        })
    ));
    let second = decide(now, b, Some(4), &accept("Checked the payroll too.")).unwrap();
    assert_eq!((second.from, second.to), (InReview, AcceptedRisk));
    assert_eq!(second.reason.as_deref(), Some("Checked the payroll too."));
    assert!(second.sets_decision_reason);
    assert_eq!(second.signature, Signature::Clear);
    // Closing it afterwards takes its own two signatures.
    assert!(matches!(
        decide(
            flag(AcceptedRisk, true),
            b,
            Some(3),
            &Action::Close {
                note: String::new()
            }
        ),
        Err(Refusal::NotNow(m)) if m.contains("two different")
    ));
}

#[test]
fn a_signature_counts_only_for_the_decision_it_was_given_for() {
    let b = member(2);
    // A close's signature does not confirm a risk acceptance...
    let now = FlagNow {
        signature: signed(1, Signed::Close),
        ..flag(InReview, true)
    };
    assert!(matches!(
        decide(now, b, Some(3), &Action::AcceptRisk { reason: "ok".into() }),
        Err(Refusal::NotNow(m)) if m.contains("two different")
    ));
    // ...nor a risk acceptance's a close.
    let now = FlagNow {
        signature: signed(1, Signed::AcceptRisk),
        ..flag(AcceptedRisk, true)
    };
    assert!(matches!(
        decide(now, b, Some(3), &Action::Close { note: String::new() }),
        Err(Refusal::NotNow(m)) if m.contains("two different")
    ));
    // And one waiting signature is not replaced by another decision's.
    assert!(matches!(
        decide(now, b, Some(3), &Action::SignClose { note: String::new() }),
        Err(Refusal::NotNow(m)) if m.contains("waits for its second signature")
    ));
}

#[test]
fn any_other_change_of_state_drops_a_pending_risk_acceptance() {
    let now = FlagNow {
        signature: signed(1, Signed::AcceptRisk),
        ..flag(InReview, true)
    };
    for (action, to) in [
        (
            Action::RequireAction {
                reason: "lockers".into(),
            },
            CorrectiveActionRequired,
        ),
        (
            Action::RequestClarification {
                note: "Who holds the passports?".into(),
            },
            ClarificationRequested,
        ),
    ] {
        let out = decide(now, member(2), Some(3), &action).unwrap();
        assert_eq!(
            (out.to, out.signature),
            (to, Signature::Clear),
            "{action:?}"
        );
    }
    // What leaves the state as it is keeps the signature.
    for action in [
        Action::Assign {
            to: Uuid::from_u128(7),
        },
        Action::Dissent {
            reason: "too early".into(),
        },
    ] {
        let out = decide(now, member(2), Some(3), &action).unwrap();
        assert_eq!(
            (out.to, out.signature),
            (InReview, Signature::Keep),
            "{action:?}"
        );
    }
}

#[test]
fn a_non_critical_flags_risk_is_accepted_by_one_member() {
    let now = flag(InReview, false);
    let out = decide(
        now,
        member(1),
        Some(3),
        &Action::AcceptRisk {
            reason: "Low impact; monitored.".into(),
        },
    )
    .unwrap();
    assert_eq!((out.to, out.signature), (AcceptedRisk, Signature::Keep));
    assert!(matches!(
        decide(
            now,
            member(1),
            Some(3),
            &Action::SignAcceptRisk {
                reason: "x".into()
            }
        ),
        Err(Refusal::NotNow(m)) if m.contains("accept the risk directly")
    ));
}
