//! The ILO forced-labour indicators and the related risk areas a rule can raise.

use serde::{Deserialize, Serialize};

/// What a risk rule says an answer indicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    AbuseOfVulnerability,
    Deception,
    RestrictionOfMovement,
    Isolation,
    PhysicalAndSexualViolence,
    IntimidationAndThreats,
    RetentionOfIdentityDocuments,
    WithholdingOfWages,
    DebtBondage,
    AbusiveWorkingAndLivingConditions,
    ExcessiveOvertime,
    FreedomToResign,
    ResponsibleRecruitment,
    GrievanceAndRemedy,
}

impl Indicator {
    /// All indicators: the 11 ILO ones in ILO order, then the related areas.
    pub const ALL: [Indicator; 14] = [
        Indicator::AbuseOfVulnerability,
        Indicator::Deception,
        Indicator::RestrictionOfMovement,
        Indicator::Isolation,
        Indicator::PhysicalAndSexualViolence,
        Indicator::IntimidationAndThreats,
        Indicator::RetentionOfIdentityDocuments,
        Indicator::WithholdingOfWages,
        Indicator::DebtBondage,
        Indicator::AbusiveWorkingAndLivingConditions,
        Indicator::ExcessiveOvertime,
        Indicator::FreedomToResign,
        Indicator::ResponsibleRecruitment,
        Indicator::GrievanceAndRemedy,
    ];

    /// The id used in template files, the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::AbuseOfVulnerability => "abuse_of_vulnerability",
            Indicator::Deception => "deception",
            Indicator::RestrictionOfMovement => "restriction_of_movement",
            Indicator::Isolation => "isolation",
            Indicator::PhysicalAndSexualViolence => "physical_and_sexual_violence",
            Indicator::IntimidationAndThreats => "intimidation_and_threats",
            Indicator::RetentionOfIdentityDocuments => "retention_of_identity_documents",
            Indicator::WithholdingOfWages => "withholding_of_wages",
            Indicator::DebtBondage => "debt_bondage",
            Indicator::AbusiveWorkingAndLivingConditions => "abusive_working_and_living_conditions",
            Indicator::ExcessiveOvertime => "excessive_overtime",
            Indicator::FreedomToResign => "freedom_to_resign",
            Indicator::ResponsibleRecruitment => "responsible_recruitment",
            Indicator::GrievanceAndRemedy => "grievance_and_remedy",
        }
    }

    /// Parses a template / database id.
    pub fn parse(id: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.as_str() == id)
    }

    /// The ILO number (1–11) for the forced-labour indicators, `None` for related areas.
    pub fn ilo_number(self) -> Option<u8> {
        Indicator::ALL[..11]
            .iter()
            .position(|i| *i == self)
            .map(|p| p as u8 + 1)
    }

    /// A short English name for screens and reports.
    pub fn name(self) -> &'static str {
        match self {
            Indicator::AbuseOfVulnerability => "Abuse of vulnerability",
            Indicator::Deception => "Deception",
            Indicator::RestrictionOfMovement => "Restriction of movement",
            Indicator::Isolation => "Isolation",
            Indicator::PhysicalAndSexualViolence => "Physical and sexual violence",
            Indicator::IntimidationAndThreats => "Intimidation and threats",
            Indicator::RetentionOfIdentityDocuments => "Retention of identity documents",
            Indicator::WithholdingOfWages => "Withholding of wages",
            Indicator::DebtBondage => "Debt bondage",
            Indicator::AbusiveWorkingAndLivingConditions => "Abusive working and living conditions",
            Indicator::ExcessiveOvertime => "Excessive overtime",
            Indicator::FreedomToResign => "Freedom to resign",
            Indicator::ResponsibleRecruitment => "Responsible recruitment",
            Indicator::GrievanceAndRemedy => "Grievance and remedy",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_ilo_numbers() {
        for i in Indicator::ALL {
            assert_eq!(Indicator::parse(i.as_str()), Some(i));
        }
        assert_eq!(Indicator::AbuseOfVulnerability.ilo_number(), Some(1));
        assert_eq!(Indicator::ExcessiveOvertime.ilo_number(), Some(11));
        assert_eq!(Indicator::FreedomToResign.ilo_number(), None);
        assert_eq!(Indicator::parse("slavery"), None);
    }
}
