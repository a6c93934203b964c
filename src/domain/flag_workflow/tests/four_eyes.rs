//! Four eyes on a critical flag: its risk accepted, and it closed, by two different
//! members; the one pending signature and what drops it.

use super::*;

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
