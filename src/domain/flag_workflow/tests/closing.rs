//! Four eyes on a flag critical by its score, a close over an unfinished plan, and the
//! pending signature a change of state lets lapse.

use super::*;
use crate::domain::remedy::PlanStatus;

/// A flag from a rule without the trigger marker whose score (4 × 4 = 16) makes its
/// band critical.
fn critical_by_score(status: FlagStatus) -> FlagNow {
    FlagNow {
        band: Band::Critical,
        ..flag(status, false)
    }
}

#[test]
fn a_flag_critical_by_its_band_takes_two_members_like_a_trigger() {
    let (a, b) = (member(1), member(2));
    let now = critical_by_score(InReview);
    assert!(now.four_eyes());
    assert!(matches!(
        decide(now, a, Some(3), &Action::AcceptRisk { reason: "ok".into() }),
        Err(Refusal::NotNow(m)) if m.contains("two different")
    ));
    let signed = decide(
        now,
        a,
        Some(3),
        &Action::SignAcceptRisk {
            reason: "ok".into(),
        },
    )
    .unwrap();
    assert_eq!(
        signed.signature,
        Signature::Set(PendingSignature {
            by: Uuid::from_u128(1),
            decision: Signed::AcceptRisk
        })
    );
    let now = FlagNow {
        version: 4,
        signature: self::signed(1, Signed::AcceptRisk),
        ..now
    };
    assert_eq!(
        decide(
            now,
            b,
            Some(4),
            &Action::AcceptRisk {
                reason: "ok".into()
            }
        )
        .unwrap()
        .to,
        AcceptedRisk
    );
    let closing = critical_by_score(AcceptedRisk);
    assert!(matches!(
        decide(closing, a, Some(3), &Action::Close { note: String::new() }),
        Err(Refusal::NotNow(m)) if m.contains("two different")
    ));
    // A high band without the marker stays one member's decision.
    assert!(!flag(InReview, false).four_eyes());
    assert!(four_eyes(true, Band::Low) && four_eyes(false, Band::Critical));
    assert!(!four_eyes(false, Band::High));
}

#[test]
fn a_flag_is_not_closed_over_an_unfinished_plan() {
    let plan = Uuid::from_u128(99);
    for status in [PlanStatus::Planned, PlanStatus::InProgress] {
        assert!(UnfinishedPlan::blocks(status));
        for trigger in [true, false] {
            let now = FlagNow {
                unfinished_plan: Some(UnfinishedPlan { id: plan, status }),
                ..flag(ActionInProgress, trigger)
            };
            for action in [
                Action::Close {
                    note: String::new(),
                },
                Action::SignClose {
                    note: String::new(),
                },
            ] {
                if !trigger && action.kind() == ActionKind::SignClose {
                    continue;
                }
                match decide(now, member(1), Some(3), &action) {
                    Err(Refusal::NotNow(m)) => {
                        assert!(m.contains("verify the corrective action plan first"), "{m}");
                        assert!(m.contains(&format!("/staff/action-plans/{plan}")), "{m}");
                    }
                    other => panic!("{action:?} over a {status} plan: {other:?}"),
                }
            }
            // Even with the first signature given before the plan was reopened.
            let signed = FlagNow {
                signature: signed(2, Signed::Close),
                ..now
            };
            assert!(decide(
                signed,
                member(1),
                Some(3),
                &Action::Close {
                    note: String::new()
                }
            )
            .is_err());
            // Other decisions are not held up by the plan.
            assert!(decide(
                now,
                member(1),
                Some(3),
                &Action::Escalate {
                    reason: "late".into()
                }
            )
            .is_ok());
        }
    }
    for status in [
        PlanStatus::Completed,
        PlanStatus::Verified,
        PlanStatus::Cancelled,
    ] {
        assert!(!UnfinishedPlan::blocks(status));
    }
}

#[test]
fn a_flag_requiring_action_is_closed_only_once_its_plan_was_cancelled() {
    let close = Action::Close {
        note: String::new(),
    };
    let sign = Action::SignClose {
        note: String::new(),
    };
    // Its plan planned, or none cancelled: the action comes first.
    let required = flag(CorrectiveActionRequired, false);
    match decide(required, member(1), Some(3), &close) {
        Err(Refusal::NotNow(m)) => assert!(m.contains("plan is cancelled"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Its plan cancelled: one member closes a flag that is not critical.
    let cancelled = FlagNow {
        plan_cancelled: true,
        ..required
    };
    let out = decide(cancelled, member(1), Some(3), &close).unwrap();
    assert_eq!((out.from, out.to), (CorrectiveActionRequired, Closed));
    // A critical one still takes two members: one signs, another closes.
    let critical = FlagNow {
        plan_cancelled: true,
        ..flag(CorrectiveActionRequired, true)
    };
    assert!(matches!(
        decide(critical, member(1), Some(3), &close),
        Err(Refusal::NotNow(m)) if m.contains("two different")
    ));
    let signed = decide(critical, member(1), Some(3), &sign).unwrap();
    assert_eq!(signed.to, CorrectiveActionRequired);
    let now = FlagNow {
        signature: super::signed(1, Signed::Close),
        ..critical
    };
    assert!(
        decide(now, member(1), Some(3), &close).is_err(),
        "the signer"
    );
    assert_eq!(decide(now, member(2), Some(3), &close).unwrap().to, Closed);
    // A new plan written after the cancelled one holds the close again.
    let rewritten = FlagNow {
        unfinished_plan: Some(UnfinishedPlan {
            id: Uuid::from_u128(7),
            status: PlanStatus::Planned,
        }),
        plan_cancelled: false,
        ..now
    };
    assert!(decide(rewritten, member(2), Some(3), &close).is_err());
}

#[test]
fn a_change_of_state_names_the_signature_it_lets_lapse() {
    let now = FlagNow {
        signature: signed(1, Signed::AcceptRisk),
        ..flag(InReview, true)
    };
    let out = decide(
        now,
        member(2),
        Some(3),
        &Action::RequestClarification {
            note: "Who holds the passports?".into(),
        },
    )
    .unwrap();
    assert_eq!(out.signature, Signature::Clear);
    assert_eq!(out.lapsed, signed(1, Signed::AcceptRisk));
    // The second signature gives the decision: nothing lapses.
    let out = decide(
        now,
        member(2),
        Some(3),
        &Action::AcceptRisk {
            reason: "ok".into(),
        },
    )
    .unwrap();
    assert_eq!((out.signature, out.lapsed), (Signature::Clear, None));
    // Nothing moves, nothing lapses.
    let out = decide(
        now,
        member(2),
        Some(3),
        &Action::Dissent {
            reason: "no".into(),
        },
    )
    .unwrap();
    assert_eq!((out.signature, out.lapsed), (Signature::Keep, None));
}

#[test]
fn plan_standing_reads_the_unfinished_plan_and_the_newest_cancelled() {
    let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
    // Newest first: a new plan in progress after a cancelled one.
    let (unfinished, cancelled) =
        plan_standing(&[(b, PlanStatus::InProgress), (a, PlanStatus::Cancelled)]);
    assert_eq!(
        unfinished,
        Some(UnfinishedPlan {
            id: b,
            status: PlanStatus::InProgress
        })
    );
    assert!(!cancelled, "the newest is not the cancelled one");
    let (unfinished, cancelled) =
        plan_standing(&[(b, PlanStatus::Cancelled), (a, PlanStatus::Verified)]);
    assert_eq!(unfinished, None);
    assert!(cancelled);
    assert_eq!(plan_standing(&[]), (None, false));
}
