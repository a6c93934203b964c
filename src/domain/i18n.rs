//! Languages the platform speaks and the built-in interface strings in each of them.
//!
//! Questionnaire texts come from the template files; these are only the words the
//! platform itself adds (buttons, validation messages, yes / no / don't know).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A language a questionnaire and the respondent interface can be shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ja,
    Vi,
    Zh,
}

impl Lang {
    /// Every supported language, in display order.
    pub const ALL: [Lang; 4] = [Lang::En, Lang::Ja, Lang::Vi, Lang::Zh];

    /// Parses an ISO 639-1 code (`en`, `ja`, `vi`, `zh`); anything else is `None`.
    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "ja" => Some(Lang::Ja),
            "vi" => Some(Lang::Vi),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
            Lang::Vi => "vi",
            Lang::Zh => "zh",
        }
    }

    /// The language's name in English, for the staff pages.
    pub fn english_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ja => "Japanese",
            Lang::Vi => "Vietnamese",
            Lang::Zh => "Chinese",
        }
    }

    /// The language's own name, for a language switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ja => "日本語",
            Lang::Vi => "Tiếng Việt",
            Lang::Zh => "简体中文",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A built-in interface message. Messages with parameters carry them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Msg {
    Required,
    NotAChoice,
    NotAWholeNumber,
    NotANumber,
    /// Separators that could group thousands or mark decimals ("1,500"; "1.500" in
    /// Vietnamese): refused rather than guessed (`domain::numbers`).
    AmbiguousNumber,
    AtLeast(String),
    AtMost(String),
    NotADate,
    NotACountry,
    TooShort(usize),
    TooLong(usize),
    PatternMismatch,
    TooFewRows(u32),
    TooManyRows(u32),
    FileTooLarge(usize),
    /// A file was chosen but holds nothing (0 bytes): refused, the stored one kept.
    FileEmpty,
    FileTypeNotAllowed,
    /// The file's bytes are a program (whatever its name).
    FileIsProgram,
    /// The file's bytes are a web page or other markup.
    FileIsWebPage,
    /// The malware scanner found something in the file.
    FileInfected,
    /// The malware scanner could not be reached: the file was not taken.
    FileNotScanned,
    /// The response's files together would exceed this many MB.
    EvidenceQuota(u64),
    /// A number was typed and "don't know" ticked.
    NumberOrDontKnow,
    /// A date after today (`max: today`, judged at UTC+14h).
    NotAfterToday,
    /// A date before today (`min: today`, judged at UTC−12h).
    NotBeforeToday,
    /// More than the answer to another question (`max_answer`): its label and value.
    MoreThanAnswer {
        label: String,
        value: String,
    },
    /// Less than the answer to another question (`min_answer`): its label and value.
    LessThanAnswer {
        label: String,
        value: String,
    },
    /// Others kept saving the same questionnaire while this save was tried again and
    /// again: nothing of it was saved.
    SaveBusy,
}

impl Msg {
    /// The message in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        use Lang::*;
        use Msg::*;
        match (self, lang) {
            (Required, En) => "This question needs an answer.".into(),
            (Required, Ja) => "この質問は回答が必要です。".into(),
            (Required, Vi) => "Câu hỏi này cần được trả lời.".into(),
            (Required, Zh) => "此问题必须回答。".into(),
            (NotAChoice, En) => "Choose one of the options shown.".into(),
            (NotAChoice, Ja) => "表示された選択肢から選んでください。".into(),
            (NotAChoice, Vi) => "Hãy chọn một trong các lựa chọn.".into(),
            (NotAChoice, Zh) => "请从所列选项中选择。".into(),
            (NotAWholeNumber, En) => "Enter a whole number, for example 25.".into(),
            (NotAWholeNumber, Ja) => "整数で入力してください(例:25)。".into(),
            (NotAWholeNumber, Vi) => "Hãy nhập một số nguyên, ví dụ 25.".into(),
            (NotAWholeNumber, Zh) => "请输入整数,例如 25。".into(),
            (AmbiguousNumber, En) => "Write the number without separators between thousands, for example 1500000 (and 1.5 for one and a half).".into(),
            (AmbiguousNumber, Ja) => "桁区切りの記号を付けずに入力してください(例:1500000。小数は 1.5 のように入力)。".into(),
            (AmbiguousNumber, Vi) => "Hãy viết số không có dấu phân cách hàng nghìn, ví dụ 1500000 (số thập phân viết 1,5 hoặc 1.5).".into(),
            (AmbiguousNumber, Zh) => "请输入不带千位分隔符的数字,例如 1500000(小数写作 1.5)。".into(),
            (NotANumber, En) => "Enter a number, for example 12.5.".into(),
            (NotANumber, Ja) => "数値で入力してください(例:12.5)。".into(),
            (NotANumber, Vi) => "Hãy nhập một số, ví dụ 12.5.".into(),
            (NotANumber, Zh) => "请输入数字,例如 12.5。".into(),
            (AtLeast(n), En) => format!("Must be at least {n}."),
            (AtLeast(n), Ja) => format!("{n} 以上で入力してください。"),
            (AtLeast(n), Vi) => format!("Phải lớn hơn hoặc bằng {n}."),
            (AtLeast(n), Zh) => format!("不能小于 {n}。"),
            (AtMost(n), En) => format!("Must be at most {n}."),
            (AtMost(n), Ja) => format!("{n} 以下で入力してください。"),
            (AtMost(n), Vi) => format!("Phải nhỏ hơn hoặc bằng {n}."),
            (AtMost(n), Zh) => format!("不能大于 {n}。"),
            (NotADate, En) => "Enter a date as YYYY-MM-DD.".into(),
            (NotADate, Ja) => "日付は YYYY-MM-DD の形式で入力してください。".into(),
            (NotADate, Vi) => "Hãy nhập ngày theo dạng YYYY-MM-DD.".into(),
            (NotADate, Zh) => "请按 YYYY-MM-DD 格式输入日期。".into(),
            (NotACountry, En) => "Choose a country from the list.".into(),
            (NotACountry, Ja) => "一覧から国を選んでください。".into(),
            (NotACountry, Vi) => "Hãy chọn một quốc gia trong danh sách.".into(),
            (NotACountry, Zh) => "请从列表中选择国家。".into(),
            (TooShort(n), En) => format!("Write at least {n} characters."),
            (TooShort(n), Ja) => format!("{n} 文字以上で入力してください。"),
            (TooShort(n), Vi) => format!("Hãy viết ít nhất {n} ký tự."),
            (TooShort(n), Zh) => format!("请至少输入 {n} 个字符。"),
            (TooLong(n), En) => format!("Write at most {n} characters."),
            (TooLong(n), Ja) => format!("{n} 文字以内で入力してください。"),
            (TooLong(n), Vi) => format!("Hãy viết tối đa {n} ký tự."),
            (TooLong(n), Zh) => format!("最多输入 {n} 个字符。"),
            (PatternMismatch, En) => "This answer is not in the expected format.".into(),
            (PatternMismatch, Ja) => "入力形式が正しくありません。".into(),
            (PatternMismatch, Vi) => "Câu trả lời không đúng định dạng.".into(),
            (PatternMismatch, Zh) => "格式不正确。".into(),
            (TooFewRows(n), En) => format!("Add at least {n} row(s)."),
            (TooFewRows(n), Ja) => format!("{n} 行以上入力してください。"),
            (TooFewRows(n), Vi) => format!("Hãy thêm ít nhất {n} dòng."),
            (TooFewRows(n), Zh) => format!("请至少填写 {n} 行。"),
            (TooManyRows(n), En) => format!("At most {n} rows are allowed."),
            (TooManyRows(n), Ja) => format!("入力できるのは {n} 行までです。"),
            (TooManyRows(n), Vi) => format!("Chỉ được tối đa {n} dòng."),
            (TooManyRows(n), Zh) => format!("最多只能填写 {n} 行。"),
            (NumberOrDontKnow, En) => "Enter a number or tick \"Don't know\", not both.".into(),
            (NumberOrDontKnow, Ja) => {
                "数値を入力するか「わからない」を選ぶか、どちらか一方にしてください。".into()
            }
            (NumberOrDontKnow, Vi) => {
                "Hãy nhập một số hoặc đánh dấu “Không biết”, không chọn cả hai.".into()
            }
            (NumberOrDontKnow, Zh) => "请输入数字或勾选“不知道”,不能同时选择。".into(),
            (NotAfterToday, En) => "Cannot be later than today.".into(),
            (NotAfterToday, Ja) => "今日より後の日付は入力できません。".into(),
            (NotAfterToday, Vi) => "Không được sau ngày hôm nay.".into(),
            (NotAfterToday, Zh) => "不能晚于今天。".into(),
            (NotBeforeToday, En) => "Cannot be earlier than today.".into(),
            (NotBeforeToday, Ja) => "今日より前の日付は入力できません。".into(),
            (NotBeforeToday, Vi) => "Không được trước ngày hôm nay.".into(),
            (NotBeforeToday, Zh) => "不能早于今天。".into(),
            (MoreThanAnswer { label, value }, En) => {
                format!("Cannot be more than the answer to “{label}” ({value}).")
            }
            (MoreThanAnswer { label, value }, Ja) => {
                format!("「{label}」の回答({value})を超えることはできません。")
            }
            (MoreThanAnswer { label, value }, Vi) => {
                format!("Không được lớn hơn câu trả lời cho “{label}” ({value}).")
            }
            (MoreThanAnswer { label, value }, Zh) => {
                format!("不能大于“{label}”的回答({value})。")
            }
            (LessThanAnswer { label, value }, En) => {
                format!("Cannot be less than the answer to “{label}” ({value}).")
            }
            (LessThanAnswer { label, value }, Ja) => {
                format!("「{label}」の回答({value})を下回ることはできません。")
            }
            (LessThanAnswer { label, value }, Vi) => {
                format!("Không được nhỏ hơn câu trả lời cho “{label}” ({value}).")
            }
            (LessThanAnswer { label, value }, Zh) => {
                format!("不能小于“{label}”的回答({value})。")
            }
            (FileTooLarge(mb), En) => format!("The file is larger than {mb} MB."),
            (FileTooLarge(mb), Ja) => format!("ファイルが {mb} MB を超えています。"),
            (FileTooLarge(mb), Vi) => format!("Tệp lớn hơn {mb} MB."),
            (FileTooLarge(mb), Zh) => format!("文件超过 {mb} MB。"),
            (FileEmpty, En) => "The file is empty (0 bytes): choose it again, or another file.".into(),
            (FileEmpty, Ja) => "ファイルが空です(0 バイト)。もう一度選択するか、別のファイルを選んでください。".into(),
            (FileEmpty, Vi) => "Tệp trống (0 byte): hãy chọn lại hoặc chọn tệp khác.".into(),
            (FileEmpty, Zh) => "文件为空(0 字节):请重新选择或选择其他文件。".into(),
            (FileTypeNotAllowed, En) => "Upload a PDF, an image or an office document.".into(),
            (FileTypeNotAllowed, Ja) => "PDF、画像、Office 文書をアップロードしてください。".into(),
            (FileTypeNotAllowed, Vi) => {
                "Hãy tải lên tệp PDF, hình ảnh hoặc tài liệu văn phòng.".into()
            }
            (FileTypeNotAllowed, Zh) => "请上传 PDF、图片或办公文档。".into(),
            (FileIsProgram, En) => "This file is a program, not a document, and cannot be accepted. Upload a PDF, an image or an office document.".into(),
            (FileIsProgram, Ja) => "このファイルは文書ではなくプログラムのため、受け付けられません。PDF、画像、Office 文書をアップロードしてください。".into(),
            (FileIsProgram, Vi) => "Tệp này là một chương trình, không phải tài liệu, nên không được chấp nhận. Hãy tải lên tệp PDF, hình ảnh hoặc tài liệu văn phòng.".into(),
            (FileIsProgram, Zh) => "此文件是程序而不是文档，无法接受。请上传 PDF、图片或办公文档。".into(),
            (FileIsWebPage, En) => "This file is a web page (HTML), which cannot be accepted. Save or print it as PDF and upload that.".into(),
            (FileIsWebPage, Ja) => "このファイルはウェブページ (HTML) のため、受け付けられません。PDF として保存または印刷してからアップロードしてください。".into(),
            (FileIsWebPage, Vi) => "Tệp này là một trang web (HTML) nên không được chấp nhận. Hãy lưu hoặc in thành PDF rồi tải lên.".into(),
            (FileIsWebPage, Zh) => "此文件是网页 (HTML)，无法接受。请将其保存或打印为 PDF 后上传。".into(),
            (FileInfected, En) => "The virus scan found malware in this file; it was not accepted.".into(),
            (FileInfected, Ja) => "ウイルス検査でこのファイルにマルウェアが見つかったため、受け付けられませんでした。".into(),
            (FileInfected, Vi) => "Quét virus phát hiện mã độc trong tệp này; tệp không được chấp nhận.".into(),
            (FileInfected, Zh) => "病毒扫描在此文件中发现恶意软件，文件未被接受。".into(),
            (FileNotScanned, En) => "The file could not be checked for viruses just now; it was not accepted. Please try again in a few minutes.".into(),
            (FileNotScanned, Ja) => "現在ファイルのウイルス検査ができないため、受け付けられませんでした。数分後にもう一度お試しください。".into(),
            (FileNotScanned, Vi) => "Hiện không thể quét virus cho tệp này nên tệp chưa được nhận. Vui lòng thử lại sau vài phút.".into(),
            (FileNotScanned, Zh) => "目前无法对文件进行病毒扫描，文件未被接受。请几分钟后重试。".into(),
            (EvidenceQuota(mb), En) => format!(
                "With this file, the files of this questionnaire would exceed {mb} MB in total. Upload a smaller file, or replace a large one."
            ),
            (EvidenceQuota(mb), Ja) => format!(
                "このファイルを加えると、このアンケートのファイルの合計が {mb} MB を超えます。小さいファイルをアップロードするか、大きいファイルを差し替えてください。"
            ),
            (EvidenceQuota(mb), Vi) => format!(
                "Với tệp này, tổng dung lượng các tệp của bảng câu hỏi sẽ vượt quá {mb} MB. Hãy tải lên tệp nhỏ hơn hoặc thay thế một tệp lớn."
            ),
            (EvidenceQuota(mb), Zh) => format!(
                "加上此文件后，本问卷的文件总大小将超过 {mb} MB。请上传较小的文件，或替换一个较大的文件。"
            ),
            (SaveBusy, En) => "Colleagues are saving this questionnaire at this very moment, so your answers were not saved yet. Go back and save again.".into(),
            (SaveBusy, Ja) => "同僚の方がちょうど今このアンケートを保存しているため、回答はまだ保存されていません。戻ってもう一度保存してください。".into(),
            (SaveBusy, Vi) => "Đồng nghiệp của quý vị đang lưu bảng câu hỏi này ngay lúc này nên câu trả lời của quý vị chưa được lưu. Hãy quay lại và lưu lại.".into(),
            (SaveBusy, Zh) => "同事正在保存此问卷，因此您的回答尚未保存。请返回并再次保存。".into(),
        }
    }
}

/// Words of the respondent interface, looked up by key.
pub fn ui(key: &str, lang: Lang) -> &'static str {
    use Lang::*;
    match (key, lang) {
        ("yes", En) => "Yes",
        ("yes", Ja) => "はい",
        ("yes", Vi) => "Có",
        ("yes", Zh) => "是",
        ("no", En) => "No",
        ("no", Ja) => "いいえ",
        ("no", Vi) => "Không",
        ("no", Zh) => "否",
        ("dont_know", En) => "Don't know",
        ("dont_know", Ja) => "わからない",
        ("dont_know", Vi) => "Không biết",
        ("dont_know", Zh) => "不知道",
        ("save", En) => "Save draft",
        ("save", Ja) => "下書き保存",
        ("save", Vi) => "Lưu bản nháp",
        ("save", Zh) => "保存草稿",
        ("submit", En) => "Submit answers",
        ("submit", Ja) => "回答を提出",
        ("submit", Vi) => "Gửi câu trả lời",
        ("submit", Zh) => "提交答案",
        ("saved", En) => "Your answers have been saved. You can come back to this link at any time before the deadline.",
        ("saved", Ja) => "回答を保存しました。期限までは、いつでもこのリンクから再開できます。",
        ("saved", Vi) => "Câu trả lời đã được lưu. Quý vị có thể quay lại đường liên kết này bất cứ lúc nào trước hạn chót.",
        ("saved", Zh) => "您的答案已保存。截止日期前可随时通过此链接继续填写。",
        ("fix_errors", En) => "Some answers need your attention. They are marked below; everything else has been saved.",
        ("fix_errors", Ja) => "確認が必要な回答があります(下に表示)。それ以外の回答は保存済みです。",
        ("fix_errors", Vi) => "Một số câu trả lời cần được sửa (đánh dấu bên dưới); phần còn lại đã được lưu.",
        ("fix_errors", Zh) => "部分答案需要修改(见下方标注),其余答案已保存。",
        ("required", En) => "required",
        ("required", Ja) => "必須",
        ("required", Vi) => "bắt buộc",
        ("required", Zh) => "必填",
        ("add_row", En) => "Add a row",
        ("add_row", Ja) => "行を追加",
        ("add_row", Vi) => "Thêm dòng",
        ("add_row", Zh) => "添加一行",
        ("row", En) => "Row",
        ("row", Ja) => "行",
        ("row", Vi) => "Dòng",
        ("row", Zh) => "行",
        ("select", En) => "Select…",
        ("select", Ja) => "選択してください…",
        ("select", Vi) => "Chọn…",
        ("select", Zh) => "请选择…",
        ("deadline", En) => "Deadline",
        ("deadline", Ja) => "回答期限",
        ("deadline", Vi) => "Hạn chót",
        ("deadline", Zh) => "截止日期",
        ("for_org", En) => "Answering for",
        ("for_org", Ja) => "回答対象",
        ("for_org", Vi) => "Trả lời cho",
        ("for_org", Zh) => "填写单位",
        ("language", En) => "Language",
        ("language", Ja) => "言語",
        ("language", Vi) => "Ngôn ngữ",
        ("language", Zh) => "语言",
        ("submitted_title", En) => "Thank you: your answers have been submitted",
        ("submitted_title", Ja) => "ご回答ありがとうございました。提出が完了しました",
        ("submitted_title", Vi) => "Cảm ơn quý vị: câu trả lời đã được gửi",
        ("submitted_title", Zh) => "谢谢,您的答案已提交",
        ("receipt", En) => "Receipt",
        ("receipt", Ja) => "受付番号",
        ("receipt", Vi) => "Biên nhận",
        ("receipt", Zh) => "回执编号",
        ("submitted_at", En) => "Submitted at",
        ("submitted_at", Ja) => "提出日時",
        ("submitted_at", Vi) => "Thời điểm gửi",
        ("submitted_at", Zh) => "提交时间",
        ("answers_fingerprint", En) => "Fingerprint of your answers (SHA-256)",
        ("answers_fingerprint", Ja) => "回答内容の指紋 (SHA-256)",
        ("answers_fingerprint", Vi) => "Dấu vân tay của câu trả lời (SHA-256)",
        ("answers_fingerprint", Zh) => "答案指纹 (SHA-256)",
        ("current_file", En) => "File on record",
        ("current_file", Ja) => "登録済みファイル",
        ("current_file", Vi) => "Tệp đã lưu",
        ("current_file", Zh) => "已上传文件",
        ("remove_file", En) => "Remove this file when I save",
        ("remove_file", Ja) => "保存時にこのファイルを削除する",
        ("remove_file", Vi) => "Xóa tệp này khi lưu",
        ("remove_file", Zh) => "保存时删除此文件",
        ("empty_row_hint", En) => "To remove a row, use its “Remove row” button, or empty its boxes and save.",
        ("empty_row_hint", Ja) => "行を削除するには、その行の「削除」ボタンを押すか、その行の欄を空にして保存してください。",
        ("empty_row_hint", Vi) => "Để xóa một dòng, hãy bấm nút “Xóa dòng” của dòng đó, hoặc xóa trống các ô rồi lưu.",
        ("empty_row_hint", Zh) => "要删除一行,请按该行的“删除”按钮,或清空该行的各栏后保存。",
        ("your_answers", En) => "Your answers",
        ("your_answers", Ja) => "回答内容",
        ("your_answers", Vi) => "Câu trả lời của quý vị",
        ("your_answers", Zh) => "您的答案",
        ("not_answered", En) => "(not answered)",
        ("not_answered", Ja) => "(未回答)",
        ("not_answered", Vi) => "(chưa trả lời)",
        ("not_answered", Zh) => "(未回答)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ui_key_exists_in_every_language() {
        for key in [
            "yes",
            "no",
            "dont_know",
            "save",
            "submit",
            "saved",
            "fix_errors",
            "required",
            "add_row",
            "row",
            "select",
            "deadline",
            "for_org",
            "language",
            "submitted_title",
            "receipt",
            "submitted_at",
            "answers_fingerprint",
            "current_file",
            "remove_file",
            "empty_row_hint",
            "your_answers",
            "not_answered",
        ] {
            for lang in Lang::ALL {
                assert!(!ui(key, lang).is_empty(), "{key} missing in {lang}");
            }
        }
    }

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
        assert_eq!(Lang::parse("fr"), None);
    }
}
