//! What the committee does with a flag: its states and the moves between them.
//!
//! ```text
//! open → in review ─┬→ clarification requested → (the supplier answers) → in review
//!                   ├→ accepted risk ───────────────────────────────────→ closed
//!                   └→ corrective action required → action in progress ─┬→ closed
//!                        │                                              └→ escalated → in review
//!                        └→ closed (only once its corrective action plan was cancelled)
//! ```
//!
//! A closed flag stays closed: a new finding is a new flag. The database's CHECK on
//! `flags.status` admits exactly these states; [`FlagStatus::can_move_to`] is the one
//! place that says which moves are allowed.

use serde::{Deserialize, Serialize};

/// The committee state of a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagStatus {
    /// Raised by a submission, not yet looked at.
    Open,
    InReview,
    /// The committee asked the supplier a question; back to review when answered.
    ClarificationRequested,
    /// The committee accepts the risk (with a reason); only closing remains.
    AcceptedRisk,
    CorrectiveActionRequired,
    ActionInProgress,
    /// Done, with evidence of the correction (or after accepting the risk).
    Closed,
    /// The corrective action failed or is overdue: back to the committee.
    Escalated,
}

impl FlagStatus {
    pub const ALL: [FlagStatus; 8] = [
        FlagStatus::Open,
        FlagStatus::InReview,
        FlagStatus::ClarificationRequested,
        FlagStatus::AcceptedRisk,
        FlagStatus::CorrectiveActionRequired,
        FlagStatus::ActionInProgress,
        FlagStatus::Closed,
        FlagStatus::Escalated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlagStatus::Open => "open",
            FlagStatus::InReview => "in_review",
            FlagStatus::ClarificationRequested => "clarification_requested",
            FlagStatus::AcceptedRisk => "accepted_risk",
            FlagStatus::CorrectiveActionRequired => "corrective_action_required",
            FlagStatus::ActionInProgress => "action_in_progress",
            FlagStatus::Closed => "closed",
            FlagStatus::Escalated => "escalated",
        }
    }

    pub fn parse(s: &str) -> Option<FlagStatus> {
        FlagStatus::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The states a flag in this state may move to.
    pub fn next(self) -> &'static [FlagStatus] {
        use FlagStatus::*;
        match self {
            Open => &[InReview],
            InReview => &[
                ClarificationRequested,
                AcceptedRisk,
                CorrectiveActionRequired,
            ],
            ClarificationRequested => &[InReview],
            AcceptedRisk => &[Closed],
            // Closed without the action only when its plan was cancelled (the rule is
            // `domain::flag_workflow::decide`'s).
            CorrectiveActionRequired => &[ActionInProgress, Closed],
            ActionInProgress => &[Closed, Escalated],
            Escalated => &[InReview],
            Closed => &[],
        }
    }

    pub fn can_move_to(self, to: FlagStatus) -> bool {
        self.next().contains(&to)
    }

    /// The move from `self` to `to`, or why it is not allowed.
    pub fn move_to(self, to: FlagStatus) -> Result<FlagStatus, String> {
        if self.can_move_to(to) {
            Ok(to)
        } else {
            Err(format!(
                "a flag that is {} cannot become {}",
                self.label(),
                to.label()
            ))
        }
    }

    /// Whether the flag still needs the committee (every state but closed).
    pub fn is_open(self) -> bool {
        self != FlagStatus::Closed
    }

    /// The state in words ("in review").
    pub fn label(self) -> String {
        self.as_str().replace('_', " ")
    }
}

impl std::fmt::Display for FlagStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::FlagStatus::*;
    use super::*;

    #[test]
    fn the_documented_path_is_allowed() {
        let path = [
            Open,
            InReview,
            ClarificationRequested,
            InReview,
            CorrectiveActionRequired,
            ActionInProgress,
            Escalated,
            InReview,
            AcceptedRisk,
            Closed,
        ];
        for pair in path.windows(2) {
            assert!(pair[0].can_move_to(pair[1]), "{} → {}", pair[0], pair[1]);
        }
        assert_eq!(ActionInProgress.move_to(Closed), Ok(Closed));
    }

    #[test]
    fn shortcuts_and_reopening_are_refused() {
        assert!(!Open.can_move_to(Closed));
        assert!(!Open.can_move_to(AcceptedRisk));
        assert!(!ClarificationRequested.can_move_to(Closed));
        // Corrective action required → closed is a move only for a flag whose plan was
        // cancelled: `flag_workflow::decide` refuses it otherwise (its closing tests).
        assert!(!CorrectiveActionRequired.can_move_to(Escalated));
        for s in FlagStatus::ALL {
            assert!(!Closed.can_move_to(s), "closed → {s}");
            assert!(!s.can_move_to(s), "{s} → itself");
            assert!(!s.can_move_to(Open), "{s} → open");
        }
        assert_eq!(
            Open.move_to(Closed),
            Err("a flag that is open cannot become closed".into())
        );
    }

    #[test]
    fn every_state_but_closed_can_reach_closed() {
        for s in FlagStatus::ALL {
            let mut seen = vec![s];
            let mut i = 0;
            while i < seen.len() {
                for n in seen[i].next() {
                    if !seen.contains(n) {
                        seen.push(*n);
                    }
                }
                i += 1;
            }
            assert!(seen.contains(&Closed), "{s} cannot reach closed");
            assert_eq!(s.is_open(), s != Closed);
        }
    }

    #[test]
    fn names_match_the_database_check() {
        // migrations/2026-11-25-000001_foundation/up.sql, flags.status
        let check = "'open', 'in_review', 'clarification_requested', 'accepted_risk', \
                     'corrective_action_required', 'action_in_progress', 'closed', 'escalated'";
        for s in FlagStatus::ALL {
            assert!(check.contains(&format!("'{}'", s.as_str())));
            assert_eq!(FlagStatus::parse(s.as_str()), Some(s));
        }
    }
}
