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

    /// The name of the indicator stored as `id`, in `lang`; an id that is none (the
    /// database's check keeps them out) as it is stored.
    pub fn name_of(id: &str, lang: crate::domain::i18n::Lang) -> String {
        Indicator::parse(id)
            .map(|i| i.name_in(lang).to_string())
            .unwrap_or_else(|| id.to_string())
    }

    /// The name in `lang`, for what suppliers read (a corrective action plan's notice);
    /// English for staff.
    pub fn name_in(self, lang: crate::domain::i18n::Lang) -> &'static str {
        use crate::domain::i18n::Lang;
        // [ja, vi, zh] per indicator, in `ALL`'s order.
        const NAMES: [[&str; 3]; 14] = [
            [
                "脆弱性の悪用",
                "Lợi dụng tình trạng dễ bị tổn thương",
                "利用弱势处境",
            ],
            ["欺瞞", "Lừa dối", "欺骗"],
            ["移動の制限", "Hạn chế đi lại", "限制人身自由"],
            ["孤立", "Cô lập", "孤立"],
            [
                "身体的・性的暴力",
                "Bạo lực thể chất và tình dục",
                "身体暴力和性暴力",
            ],
            ["脅迫・威嚇", "Đe dọa và uy hiếp", "恐吓和威胁"],
            [
                "身分証明書の取り上げ",
                "Giữ giấy tờ tùy thân",
                "扣留身份证件",
            ],
            ["賃金の不払い・留保", "Giữ lương", "扣发工资"],
            ["債務による拘束", "Lao động gán nợ", "债务奴役"],
            [
                "劣悪な労働・生活環境",
                "Điều kiện làm việc và sinh sống bị ngược đãi",
                "恶劣的工作和生活条件",
            ],
            ["過度な時間外労働", "Làm thêm giờ quá mức", "过度加班"],
            ["退職の自由", "Quyền tự do nghỉ việc", "辞职自由"],
            ["責任ある採用", "Tuyển dụng có trách nhiệm", "负责任的招聘"],
            ["苦情処理と救済", "Khiếu nại và khắc phục", "申诉与补救"],
        ];
        let i = Indicator::ALL
            .iter()
            .position(|x| *x == self)
            .expect("every indicator is in ALL");
        match lang {
            Lang::Ja => NAMES[i][0],
            Lang::Vi => NAMES[i][1],
            Lang::Zh => NAMES[i][2],
            _ => self.name(),
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
        use crate::domain::i18n::Lang;
        assert_eq!(Indicator::Isolation.name_in(Lang::En), "Isolation");
        assert_eq!(Indicator::Isolation.name_in(Lang::Ja), "孤立");
        assert_eq!(Indicator::DebtBondage.name_in(Lang::Vi), "Lao động gán nợ");
    }
}
