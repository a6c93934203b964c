//! The respondent's clarification page (`/r/{token}/clarification`): only the reopened
//! questions, each with the committee's question beside it and the answer as given.
//! Questions are rendered by `views::form` (the form's own rendering) and read back by
//! `domain::answers::parse_form`, so the reply follows exactly the form's rules.

use super::form::{sections, FormContext, QuestionView};
use super::pages::LangLink;
use super::respondent::answer_text;
use crate::db::models::ClarificationItem;
use crate::domain::answers::{to_form_values, Answers, FieldError};
use crate::domain::i18n::{ui, Lang};
use crate::services::responses::LinkSession;
use askama::Template;
use std::collections::HashMap;

/// One reopened question.
pub struct ReopenedView {
    /// The committee's question.
    pub asked: String,
    /// The answer as it was when the question was asked.
    pub original: String,
    pub question: QuestionView,
    pub note_name: String,
    pub note: String,
    pub note_error: String,
}

#[derive(Template)]
#[template(path = "clarification.html")]
pub struct ClarificationPage {
    pub csrf: String,
    pub lang: String,
    pub title: String,
    pub organisation: String,
    pub campaign: String,
    pub action: String,
    pub languages: Vec<LangLink>,
    /// `done`, `errors`, `none`, `withdrawn` or empty.
    pub notice_kind: String,
    pub notice: String,
    pub items: Vec<ReopenedView>,
    /// The link's own page (the receipt once submitted), for when nothing is left here.
    pub back_url: String,
    pub t: Texts,
}

/// The page's words in the respondent's language.
pub struct Texts {
    pub intro: &'static str,
    pub committee_asks: &'static str,
    pub your_answer: &'static str,
    pub note: &'static str,
    pub send: &'static str,
    pub required: &'static str,
    pub select: &'static str,
    pub for_org: &'static str,
    pub language: &'static str,
    pub back: &'static str,
}

impl Texts {
    fn of(lang: Lang) -> Texts {
        let common = |key| ui(key, lang);
        match lang {
            Lang::Ja => Texts {
                intro: "委員会から、次の回答についての確認のお願いがあります。該当する質問だけが再び開かれています。元の回答は記録として残ります。",
                committee_asks: "委員会からの質問",
                your_answer: "これまでのご回答",
                note: "補足（任意）",
                send: "回答を送信",
                required: common("required"),
                select: common("select"),
                for_org: common("for_org"),
                language: common("language"),
                back: "提出内容と控えに戻る",
            },
            Lang::Vi => Texts {
                intro: "Ủy ban có câu hỏi về các câu trả lời dưới đây. Chỉ những câu hỏi này được mở lại; câu trả lời ban đầu vẫn được lưu.",
                committee_asks: "Câu hỏi của ủy ban",
                your_answer: "Câu trả lời trước đây",
                note: "Giải thích (không bắt buộc)",
                send: "Gửi trả lời",
                required: common("required"),
                select: common("select"),
                for_org: common("for_org"),
                language: common("language"),
                back: "Quay lại nội dung đã gửi và biên nhận",
            },
            _ => Texts {
                intro: "The committee has a question about the answers below. Only these questions are open again; your original answers are kept on record.",
                committee_asks: "The committee asks",
                your_answer: "Your answer so far",
                note: "Explanation (optional)",
                send: "Send the reply",
                required: common("required"),
                select: common("select"),
                for_org: common("for_org"),
                language: common("language"),
                back: "Back to your answers and receipt",
            },
        }
    }
}

/// The notice after a reply, when nothing waits, or when the question was withdrawn
/// (`withdrawn`: in every language of the form, Chinese too).
pub fn notice_text(kind: &str, lang: Lang) -> String {
    match (kind, lang) {
        ("done", Lang::Ja) => "ありがとうございました。ご回答を送信しました。",
        ("done", Lang::Vi) => "Cảm ơn quý vị: câu trả lời đã được gửi.",
        ("done", _) => "Thank you: your reply was sent to the committee.",
        ("withdrawn", Lang::Ja) => "この質問は、依頼した委員会メンバーによって取り下げられました。これ以上のご対応は必要ありません（回答は不要で、送信されても記録されません）。",
        ("withdrawn", Lang::Vi) => "Câu hỏi này đã được người yêu cầu rút lại. Quý vị không cần làm gì thêm: không cần trả lời, và câu trả lời gửi lúc này sẽ không được ghi nhận.",
        ("withdrawn", Lang::Zh) => "该问题已由提问的委员会成员撤回。您无需再做任何事：无需回复，现在发送的回复也不会被记录。",
        ("withdrawn", _) => "This question was withdrawn by the committee member who asked it. Nothing more is needed from you: no reply is expected, and a reply sent now is not recorded.",
        ("none", Lang::Ja) => "現在、確認をお願いしている質問はありません。",
        ("none", Lang::Vi) => "Hiện không có câu hỏi nào cần trả lời.",
        ("none", _) => "There is no question waiting for your reply.",
        (_, Lang::Ja) => "確認が必要な回答があります（下に表示）。まだ何も送信されていません。",
        (_, Lang::Vi) => {
            "Một số câu trả lời cần được sửa (đánh dấu bên dưới). Chưa có gì được gửi."
        }
        _ => "Some answers need your attention (marked below). Nothing was sent yet.",
    }
    .to_string()
}

/// The page: `posted` holds the values typed (after an invalid reply), else the current
/// answers fill the fields.
#[allow(clippy::too_many_arguments)]
pub fn page(
    session: &LinkSession,
    token: &str,
    csrf: String,
    lang: Lang,
    items: &[ClarificationItem],
    current: &Answers,
    posted: Option<&HashMap<String, Vec<String>>>,
    errors: &[FieldError],
    notice_kind: &str,
) -> ClarificationPage {
    let q = &session.version.questionnaire;
    let stored = to_form_values(q, current);
    let values = posted.unwrap_or(&stored);
    let error_map: HashMap<String, String> = errors
        .iter()
        .map(|e| (e.field.clone(), e.message.clone()))
        .collect();
    let no_rows = HashMap::new();
    let no_files = HashMap::new();
    let ctx = FormContext {
        lang,
        values,
        errors: &error_map,
        extra_rows: &no_rows,
        files: &no_files,
        removed_row: None,
        today: crate::domain::dates::Today::at(chrono::Utc::now()),
    };
    let mut views: HashMap<String, QuestionView> = sections(q, &ctx, None)
        .into_iter()
        .flat_map(|s| s.questions)
        .filter(|v| items.iter().any(|i| i.question_id == v.id))
        .map(|mut v| {
            // The condition that showed the question was met when it was answered; the
            // page shows every reopened question.
            v.show_if.clear();
            (v.id.clone(), v)
        })
        .collect();
    let items = items
        .iter()
        .filter_map(|item| {
            let question = views.remove(&item.question_id)?;
            let original = match (q.find(&item.question_id), &item.original_answer) {
                (Some(x), Some(v)) => answer_text(x, v, lang),
                _ => ui("not_answered", lang).to_string(),
            };
            let note_name = crate::services::clarifications::note_field(&item.question_id);
            Some(ReopenedView {
                asked: item.question.clone(),
                original,
                note: values
                    .get(&note_name)
                    .and_then(|v| v.first())
                    .cloned()
                    .unwrap_or_default(),
                note_error: error_map.get(&note_name).cloned().unwrap_or_default(),
                note_name,
                question,
            })
        })
        .collect();
    ClarificationPage {
        csrf,
        lang: lang.code().into(),
        title: q.title.get(lang).into(),
        organisation: session.organisation.name.clone(),
        campaign: session.campaign.name.clone(),
        action: format!("/r/{token}/clarification?lang={}", lang.code()),
        languages: LangLink::all(&q.languages, lang, &format!("/r/{token}/clarification")),
        notice_kind: notice_kind.into(),
        notice: if notice_kind.is_empty() {
            String::new()
        } else {
            notice_text(notice_kind, lang)
        },
        items,
        back_url: format!("/r/{token}?lang={}", lang.code()),
        t: Texts::of(lang),
    }
}
