//! The receipt's own words, per language (the form's words are in `domain::i18n`).

use crate::domain::i18n::Lang;

/// Every key, for the test that each language has each one.
pub const KEYS: [&str; 10] = [
    "download",
    "receipt_heading",
    "campaign",
    "submitted_by",
    "declaration",
    "declaration_text",
    "signatory",
    "declared_at",
    "no_declaration",
    "page",
];

pub fn label(key: &str, lang: Lang) -> &'static str {
    use Lang::*;
    match (key, lang) {
        ("download", En) => "Download the receipt (PDF)",
        ("download", Ja) => "控えをダウンロード (PDF)",
        ("download", Vi) => "Tải biên nhận (PDF)",
        ("download", Zh) => "下载回执 (PDF)",
        ("receipt_heading", En) => "Receipt of the submitted answers",
        ("receipt_heading", Ja) => "提出された回答の控え",
        ("receipt_heading", Vi) => "Biên nhận các câu trả lời đã gửi",
        ("receipt_heading", Zh) => "已提交答案回执",
        ("campaign", En) => "Survey",
        ("campaign", Ja) => "調査",
        ("campaign", Vi) => "Khảo sát",
        ("campaign", Zh) => "调查",
        ("submitted_by", En) => "Submitted by",
        ("submitted_by", Ja) => "提出者",
        ("submitted_by", Vi) => "Người gửi",
        ("submitted_by", Zh) => "提交人",
        ("declaration", En) => "Declaration",
        ("declaration", Ja) => "宣言",
        ("declaration", Vi) => "Cam kết",
        ("declaration", Zh) => "声明",
        ("declaration_text", En) => {
            "I declare that the answers above are true to the best of my knowledge."
        }
        ("declaration_text", Ja) => "上記の回答は、私の知る限り真実であることを宣言します。",
        ("declaration_text", Vi) => {
            "Tôi cam kết rằng các câu trả lời trên là đúng sự thật theo hiểu biết tốt nhất của tôi."
        }
        ("declaration_text", Zh) => "本人声明,据本人所知,以上答案真实无误。",
        ("signatory", En) => "Signed by",
        ("signatory", Ja) => "署名者",
        ("signatory", Vi) => "Người ký",
        ("signatory", Zh) => "签署人",
        ("declared_at", En) => "Declared at",
        ("declared_at", Ja) => "宣言日時",
        ("declared_at", Vi) => "Thời điểm cam kết",
        ("declared_at", Zh) => "声明时间",
        ("no_declaration", En) => "No declaration was recorded with this submission.",
        ("no_declaration", Ja) => "この提出には宣言が記録されていません。",
        ("no_declaration", Vi) => "Lần gửi này không có cam kết nào được ghi lại.",
        ("no_declaration", Zh) => "此次提交未记录声明。",
        ("page", En) => "page {n} of {of}",
        ("page", Ja) => "{n} / {of} ページ",
        ("page", Vi) => "trang {n} / {of}",
        ("page", Zh) => "第 {n} / {of} 页",
        _ => "",
    }
}
