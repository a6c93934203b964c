//! The illustrative organisations of the committee's demo, each with its stage in its
//! campaign and, when it submits, the answers that differ from the clean site.

use crate::domain::i18n::Lang;
use crate::domain::states::OrganisationKind;

/// Where an organisation stands in its campaign.
pub enum Stage {
    /// Submitted in `lang`, with these answers changed from the clean site and these
    /// evidence files left out.
    Submitted {
        lang: Lang,
        changes: &'static [(&'static str, &'static str)],
        omit: &'static [&'static str],
        signatory: (&'static str, &'static str),
    },
    /// A few answers saved, not submitted.
    InProgress,
    /// A link issued, never used.
    Invited,
}

pub struct DemoOrg {
    pub reference: &'static str,
    pub name: &'static str,
    pub kind: OrganisationKind,
    pub country: &'static str,
    pub sector: &'static str,
    pub contact: &'static str,
    pub email: &'static str,
    pub language: &'static str,
    pub stage: Stage,
}

pub const AICHI: &str = "demo-illustrative-jp-aichi";
pub const BINH_DUONG: &str = "demo-illustrative-vn-binh-duong";
pub const PENANG: &str = "demo-illustrative-my-penang";

pub fn survey_orgs() -> Vec<DemoOrg> {
    vec![
        DemoOrg {
            reference: AICHI,
            name: "Illustrative supplier – Aichi auto parts (demo)",
            kind: OrganisationKind::Supplier,
            country: "JP",
            sector: "automotive",
            contact: "例示 担当者",
            email: "aichi.contact@example.com",
            language: "ja",
            stage: Stage::Submitted {
                lang: Lang::Ja,
                changes: &[
                    ("passport_custody", "employer_practice"),
                    ("max_weekly_hours", "68"),
                    ("non_local_language_pct", "45"),
                    ("company_store", "dont_know"),
                    ("worker_languages", "日本語、ベトナム語、インドネシア語"),
                    ("last_audit_standard", "SMETA 6.1（例示）"),
                ],
                omit: &[],
                signatory: ("例示 担当者", "人事部長（例示）"),
            },
        },
        DemoOrg {
            reference: BINH_DUONG,
            name: "Illustrative supplier – Binh Duong garments (demo)",
            kind: OrganisationKind::Supplier,
            country: "VN",
            sector: "apparel",
            contact: "Người liên hệ minh họa",
            email: "binhduong.contact@example.com",
            language: "vi",
            stage: Stage::Submitted {
                lang: Lang::Vi,
                changes: &[
                    ("recruitment_fees_paid", "yes"),
                    ("workers_who_paid_fees", "18"),
                    ("fee_months_of_wages", "2.5"),
                    ("deductions_share", "35"),
                    ("itemised_payslip", "dont_know"),
                    ("worker_languages", "Tiếng Việt, tiếng Khmer"),
                ],
                omit: &[],
                signatory: ("Người liên hệ minh họa", "Trưởng phòng nhân sự (minh họa)"),
            },
        },
        DemoOrg {
            reference: PENANG,
            name: "Illustrative supplier – Penang electronics (demo)",
            kind: OrganisationKind::Supplier,
            country: "MY",
            sector: "electronics",
            contact: "Illustrative Contact",
            email: "penang.contact@example.com",
            language: "en",
            stage: Stage::Submitted {
                lang: Lang::En,
                changes: &[
                    ("phone_custody", "held_by_employer"),
                    ("legal_hours_exceeded", "yes"),
                    ("overtime_voluntary", "expected"),
                    ("site_location", "dont_know"),
                ],
                omit: &[],
                signatory: ("Illustrative Contact", "HR manager (illustrative)"),
            },
        },
        DemoOrg {
            reference: "demo-illustrative-th-rayong",
            name: "Illustrative production base – Rayong (demo)",
            kind: OrganisationKind::ProductionBase,
            country: "TH",
            sector: "automotive",
            contact: "Illustrative Site Manager",
            email: "rayong.site@example.com",
            language: "en",
            stage: Stage::Submitted {
                lang: Lang::En,
                changes: &[
                    ("dependency_on_employer", "dont_know"),
                    ("worker_representation", "dont_know"),
                    ("uses_subcontractors", "dont_know"),
                ],
                omit: &["last_audit_report_file"],
                signatory: ("Illustrative Site Manager", "Site manager (illustrative)"),
            },
        },
        DemoOrg {
            reference: "demo-illustrative-id-batam",
            name: "Illustrative supplier – Batam plastics (demo)",
            kind: OrganisationKind::Supplier,
            country: "ID",
            sector: "plastics",
            contact: "Illustrative Contact",
            email: "batam.contact@example.com",
            language: "en",
            stage: Stage::Invited,
        },
        DemoOrg {
            reference: "demo-illustrative-cn-dongguan",
            name: "Illustrative supplier – Dongguan packaging (demo)",
            kind: OrganisationKind::Supplier,
            country: "CN",
            sector: "packaging",
            contact: "Illustrative Contact",
            email: "dongguan.contact@example.com",
            language: "en",
            stage: Stage::InProgress,
        },
    ]
}

pub fn site_orgs() -> Vec<DemoOrg> {
    vec![
        DemoOrg {
            reference: "demo-illustrative-vn-hai-phong",
            name: "Illustrative production base – Hai Phong (demo)",
            kind: OrganisationKind::ProductionBase,
            country: "VN",
            sector: "electronics",
            contact: "Người quản lý minh họa",
            email: "haiphong.site@example.com",
            language: "vi",
            stage: Stage::InProgress,
        },
        DemoOrg {
            reference: "demo-illustrative-kh-phnom-penh",
            name: "Illustrative production base – Phnom Penh (demo)",
            kind: OrganisationKind::ProductionBase,
            country: "KH",
            sector: "apparel",
            contact: "Illustrative Site Manager",
            email: "phnompenh.site@example.com",
            language: "en",
            stage: Stage::Invited,
        },
    ]
}
