//! The words of the respondent's pages in sections (start, section, review,
//! declaration, hand-over), in each interface language. Questionnaire texts come from the
//! template files; the older form words are in `i18n::ui`.

use super::i18n::Lang;

/// `(key, [en, ja, vi, zh])`.
const TEXTS: &[(&str, [&str; 4])] = &[
    ("asked_by", ["Asked by", "依頼元", "Bên yêu cầu", "发起方"]),
    ("why", [
        "We ask our suppliers and our own sites about their labour practices, to find and prevent forced labour in our supply chain. Your answers are seen only by the people who review this campaign.",
        "当社は、サプライチェーンにおける強制労働を発見し防止するため、取引先および自社拠点に労働慣行について質問しています。回答はこの調査の担当者のみが閲覧します。",
        "Chúng tôi hỏi các nhà cung cấp và cơ sở của mình về thực hành lao động để phát hiện và ngăn chặn lao động cưỡng bức trong chuỗi cung ứng. Câu trả lời của quý vị chỉ những người phụ trách đợt khảo sát này được xem.",
        "我们向供应商和自有工厂了解其劳动实践,以发现和防止供应链中的强迫劳动。您的答案仅由负责本次调查的人员查看。",
    ]),
    ("message", ["Message from the sender", "依頼者からのメッセージ", "Lời nhắn của người gửi", "发件人留言"]),
    ("estimated_time", ["Estimated time", "所要時間の目安", "Thời gian dự kiến", "预计用时"]),
    ("minutes", ["minutes", "分", "phút", "分钟"]),
    ("sections", ["Sections", "セクション", "Các phần", "部分"]),
    ("start", ["Start", "回答を始める", "Bắt đầu", "开始"]),
    ("continue", ["Continue where you left off", "続きから回答する", "Tiếp tục từ chỗ đã dừng", "从上次中断处继续"]),
    ("go_review", ["Review and submit", "確認して提出", "Xem lại và gửi", "检查并提交"]),
    ("progress", ["Progress", "進捗", "Tiến độ", "进度"]),
    ("sections_done", ["sections done", "セクション完了", "phần đã xong", "个部分已完成"]),
    ("required_left", ["required questions left", "未回答の必須質問", "câu bắt buộc còn lại", "个必答题未答"]),
    ("done", ["Done", "完了", "Xong", "已完成"]),
    ("todo", ["To do", "未完了", "Chưa xong", "未完成"]),
    ("section_of", ["Section", "セクション", "Phần", "第"]),
    // A section page's collapsed section list: "{n}" this section, "{total}" all.
    ("section_n_of", ["section {n} of {total}", "セクション {n} / {total}", "phần {n}/{total}", "第 {n} 部分，共 {total} 部分"]),
    ("save_continue", ["Save and continue", "保存して次へ", "Lưu và tiếp tục", "保存并继续"]),
    ("save_only", ["Save", "保存", "Lưu", "保存"]),
    ("back_start", ["Start page", "開始ページ", "Trang đầu", "首页"]),
    ("saved_at", ["Saved at", "保存時刻", "Đã lưu lúc", "保存于"]),
    ("saving", ["Saving…", "保存中…", "Đang lưu…", "正在保存…"]),
    ("not_saved", [
        "Not saved: the connection failed. Your answers are still on this page; trying again…",
        "保存できませんでした(接続エラー)。入力内容はこのページに残っています。再試行しています…",
        "Chưa lưu được: lỗi kết nối. Câu trả lời vẫn còn trên trang này; đang thử lại…",
        "未保存:连接失败。您的答案仍在本页上,正在重试…",
    ]),
    ("unsaved", ["You have unsaved changes.", "保存されていない変更があります。", "Quý vị có thay đổi chưa lưu.", "您有未保存的更改。"]),
    ("last_changed_by", ["Last changed by", "最終更新者", "Sửa lần cuối bởi", "最后修改人"]),
    ("conflict_notice", [
        "Someone else changed some of these answers after you opened the page. Their answers were kept; yours are in the fields. Compare them below and save again to use yours.",
        "このページを開いた後に、他の担当者が一部の回答を変更しました。その回答が保存されており、あなたの入力は欄に残っています。下で比べて、あなたの回答にする場合はもう一度保存してください。",
        "Người khác đã sửa một số câu trả lời sau khi quý vị mở trang. Câu trả lời của họ được giữ; của quý vị vẫn ở trong ô. Hãy so sánh bên dưới và lưu lại nếu muốn dùng câu trả lời của quý vị.",
        "在您打开本页后,其他人修改了部分答案。已保留他们的答案;您的答案仍在输入框中。请在下方比较,如要使用您的答案,请再次保存。",
    ]),
    ("their_answer", ["Saved answer (by ", "保存済みの回答(", "Câu trả lời đã lưu (bởi ", "已保存的答案("]),
    ("your_answer", ["Your answer (not saved)", "あなたの回答(未保存)", "Câu trả lời của quý vị (chưa lưu)", "您的答案(未保存)"]),
    ("nothing", ["(no answer)", "(未回答)", "(chưa trả lời)", "(未回答)"]),
    // A table's rows: "{n}" is the row's number.
    ("remove_row", ["Remove row {n}", "行 {n} を削除", "Xóa dòng {n}", "删除第 {n} 行"]),
    ("row_removed", ["Row {n} removed.", "行 {n} を削除しました。", "Đã xóa dòng {n}.", "已删除第 {n} 行。"]),
    // Said beside an answer that hides questions on the page holding typed answers.
    ("hides_one", [
        "Your answer hides 1 question you answered; what you typed there will be removed when you save.",
        "この回答により、回答済みの質問 1 問が表示されなくなります。そこに入力した内容は保存時に削除されます。",
        "Câu trả lời này ẩn 1 câu hỏi quý vị đã trả lời; nội dung quý vị đã nhập ở đó sẽ bị xóa khi lưu.",
        "您的答案会隐藏您已回答的 1 个问题;您在那里输入的内容将在保存时删除。",
    ]),
    ("hides_many", [
        "Your answer hides {n} questions you answered; what you typed there will be removed when you save.",
        "この回答により、回答済みの質問 {n} 問が表示されなくなります。そこに入力した内容は保存時に削除されます。",
        "Câu trả lời này ẩn {n} câu hỏi quý vị đã trả lời; nội dung quý vị đã nhập ở đó sẽ bị xóa khi lưu.",
        "您的答案会隐藏您已回答的 {n} 个问题;您在那里输入的内容将在保存时删除。",
    ]),
    ("removed_title", [
        "These answers were removed because they no longer apply:",
        "次の回答は、該当しなくなったため削除されました:",
        "Các câu trả lời sau đã bị xóa vì không còn áp dụng:",
        "以下答案因不再适用已被删除:",
    ]),
    ("removed_restore", [
        "To keep one, change your answer back and type it again.",
        "残す場合は、回答を元に戻してから、もう一度入力してください。",
        "Để giữ lại, hãy đổi câu trả lời như cũ rồi nhập lại.",
        "如需保留,请将答案改回并重新输入。",
    ]),
    ("review_title", ["Review your answers", "回答の確認", "Xem lại câu trả lời", "检查您的答案"]),
    ("missing", ["Still to answer or correct before you can submit", "提出前に回答または修正が必要な項目", "Cần trả lời hoặc sửa trước khi gửi", "提交前仍需回答或更正"]),
    ("declaration_problems", ["Not submitted yet: complete the declaration below.", "まだ提出されていません。下の宣誓欄にご記入ください。", "Chưa gửi: hãy hoàn thành phần cam kết bên dưới.", "尚未提交:请完成下方的声明。"]),
    ("all_answered", ["Every required question is answered.", "必須の質問にはすべて回答済みです。", "Đã trả lời mọi câu bắt buộc.", "所有必答题均已回答。"]),
    ("change", ["Change", "変更", "Sửa", "修改"]),
    ("declaration", ["Declaration", "宣誓", "Cam kết", "声明"]),
    ("signatory_name", ["Your name", "氏名", "Họ tên", "姓名"]),
    ("signatory_title", ["Job title", "役職", "Chức danh", "职务"]),
    ("declare", [
        "I declare that these answers are true to the best of my knowledge.",
        "私の知る限り、これらの回答が真実であることを宣誓します。",
        "Tôi cam kết các câu trả lời này là đúng theo hiểu biết tốt nhất của tôi.",
        "本人声明,据我所知,以上答案真实无误。",
    ]),
    ("declaration_date", ["Date", "日付", "Ngày", "日期"]),
    ("need_declare", ["Tick the box to make the declaration.", "宣誓するにはチェックを入れてください。", "Hãy đánh dấu ô để cam kết.", "请勾选以作出声明。"]),
    ("need_text", ["Enter this (1 to 200 characters, one line).", "入力してください(1〜200文字、1行)。", "Hãy nhập (1 đến 200 ký tự, một dòng).", "请填写(1至200个字符,单行)。"]),
    ("cannot_submit", ["Some answers are missing or need correcting: see the list.", "未回答または修正が必要な回答があります(一覧を参照)。", "Còn câu chưa trả lời hoặc cần sửa: xem danh sách.", "有答案缺失或需要修改:请查看列表。"]),
    ("thanks", ["Keep the PDF below as your record; we also email it to you. This link keeps showing what was submitted.", "下のPDFを控えとして保存してください。同じ控えをメールでもお送りします。このリンクからいつでも提出内容を確認できます。", "Hãy lưu tệp PDF bên dưới làm bản lưu; chúng tôi cũng gửi tệp này qua email cho quý vị. Liên kết này sẽ tiếp tục hiển thị nội dung đã gửi.", "请保存下方的PDF作为记录;我们也会通过电子邮件发送给您。此链接会一直显示已提交的内容。"]),
    ("clarification_waiting", ["The committee has asked you about some of your answers.", "委員会から、回答の一部について質問が届いています。", "Ủy ban có câu hỏi về một số câu trả lời của quý vị.", "委员会对您的部分回答提出了问题。"]),
    ("clarification_answer", ["Answer the question", "質問に回答する", "Trả lời câu hỏi", "回答问题"]),
    ("signed_by", ["Signed by", "署名者", "Người ký", "签署人"]),
    // Beside the deadline on the start page once it has passed (the link still works).
    ("deadline_passed", ["(passed: please answer as soon as you can)", "（期限を過ぎています。できるだけ早くご回答ください）", "(đã qua: xin vui lòng trả lời sớm nhất có thể)", "（已过期：请尽快作答）"]),
    // The start page's offer to start from the organisation's last submission:
    // "{date}" when it was submitted, "{campaign}" the campaign it answered.
    ("carry_title", ["Start from your last answers", "前回の回答から始める", "Bắt đầu từ câu trả lời lần trước", "从上次的答案开始"]),
    ("carry_offer", [
        "Your organisation submitted this questionnaire on {date} (\u{201c}{campaign}\u{201d}). You can start from those answers: they are copied here as a draft, and you check and change them section by section before you submit. Nothing is sent until you submit. Files are not copied: attach current documents again.",
        "貴社は{date}にこの質問票を提出しています(「{campaign}」)。その回答から始めることができます。回答は下書きとしてここに写され、提出前にセクションごとに確認・修正できます。提出するまで何も送信されません。ファイルは写されません。最新の書類を改めて添付してください。",
        "Tổ chức của quý vị đã gửi bảng câu hỏi này vào {date} (\u{201c}{campaign}\u{201d}). Quý vị có thể bắt đầu từ các câu trả lời đó: chúng được chép vào đây dưới dạng bản nháp, và quý vị kiểm tra, sửa từng phần trước khi gửi. Không có gì được gửi đi cho đến khi quý vị bấm gửi. Tệp không được chép: hãy đính kèm lại tài liệu hiện hành.",
        "贵单位已于{date}提交过本问卷(\u{201c}{campaign}\u{201d})。您可以从这些答案开始:它们将作为草稿复制到这里,您在提交前逐部分检查和修改。在您提交之前不会发送任何内容。文件不会被复制:请重新附上最新的文件。",
    ]),
    ("carry_button", ["Copy those answers here", "その回答をここに写す", "Chép các câu trả lời đó vào đây", "将这些答案复制到这里"]),
    // After the copy: "{n}" answers copied, "{date}" of the earlier submission.
    ("carry_done", [
        "{n} answers copied from your submission of {date}. Check each section: change what is no longer true, then review and submit.",
        "{date}の提出から{n}件の回答を写しました。各セクションを確認し、現在と異なる点を修正してから、確認して提出してください。",
        "Đã chép {n} câu trả lời từ lần gửi {date}. Hãy kiểm tra từng phần: sửa những gì không còn đúng, rồi xem lại và gửi.",
        "已从{date}的提交中复制{n}个答案。请检查每个部分:修改不再属实的内容,然后检查并提交。",
    ]),
    ("carry_left_out", [
        "{n} earlier answers were not copied: this version of the questionnaire no longer asks or accepts them, or they were files.",
        "以前の回答のうち{n}件は写していません。この版の質問票では質問されない・受け付けられない回答か、ファイルです。",
        "{n} câu trả lời trước đây không được chép: phiên bản bảng câu hỏi này không còn hỏi hoặc không chấp nhận chúng, hoặc đó là tệp.",
        "有{n}个以前的答案未被复制:此版本问卷不再询问或不接受这些答案,或者它们是文件。",
    ]),
    ("carry_started", [
        "Nothing was copied: answers have been saved here already (perhaps by a colleague). Continue from them.",
        "写していません。ここには既に回答が保存されています(同僚が保存した可能性があります)。その続きから回答してください。",
        "Không chép gì: ở đây đã có câu trả lời được lưu (có thể do đồng nghiệp). Hãy tiếp tục từ đó.",
        "未复制任何内容:这里已保存了答案(可能是同事保存的)。请从这些答案继续。",
    ]),
    ("carry_none", [
        "Nothing was copied: there are no earlier answers that this questionnaire can take.",
        "写していません。この質問票に写せる以前の回答はありません。",
        "Không chép gì: không có câu trả lời trước đây nào phù hợp với bảng câu hỏi này.",
        "未复制任何内容:没有可用于本问卷的以前答案。",
    ]),
    ("handover", ["Hand over to a colleague", "同僚に引き継ぐ", "Chuyển cho đồng nghiệp", "转交给同事"]),
    ("handover_help", [
        "Your colleague gets their own link by email and works on the same answers. Your link keeps working.",
        "同僚にはメールで専用リンクが届き、同じ回答を編集できます。あなたのリンクも引き続き使えます。",
        "Đồng nghiệp sẽ nhận đường liên kết riêng qua email và làm trên cùng bộ câu trả lời. Đường liên kết của quý vị vẫn dùng được.",
        "您的同事将通过电子邮件收到自己的链接,并编辑同一份答案。您的链接仍然有效。",
    ]),
    ("colleague_name", ["Colleague's name", "同僚の氏名", "Tên đồng nghiệp", "同事姓名"]),
    ("colleague_email", ["Colleague's email address", "同僚のメールアドレス", "Email của đồng nghiệp", "同事的电子邮件地址"]),
    ("send_link", ["Send them a link", "リンクを送る", "Gửi đường liên kết", "发送链接"]),
    ("skip_to_content", ["Skip to content", "本文へ移動", "Chuyển đến nội dung", "跳到正文"]),
    ("handover_fix", ["No link was sent: correct what is marked below.", "リンクは送信されていません。下に表示された項目を修正してください。", "Chưa gửi đường liên kết: hãy sửa các mục được đánh dấu bên dưới.", "链接尚未发送:请更正下面标出的内容。"]),
    ("handed_over", ["A link is on its way to", "リンクを送信しました:", "Đường liên kết đang được gửi tới", "链接已发送至"]),
    ("bad_email", ["Enter an email address such as name@example.com.", "name@example.com のようなメールアドレスを入力してください。", "Hãy nhập email như name@example.com.", "请输入电子邮件地址,例如 name@example.com。"]),
    ("handover_self", ["This is your own address: enter your colleague's.", "ご自身のアドレスです。同僚のアドレスを入力してください。", "Đây là địa chỉ của quý vị: hãy nhập địa chỉ của đồng nghiệp.", "这是您自己的地址:请输入同事的地址。"]),
    ("handover_limit", [
        "This questionnaire was handed over too many times today. Try again tomorrow, or ask the person who sent you the link to add your colleague.",
        "本日はこれ以上この質問票を引き継ぐことができません。明日もう一度お試しいただくか、リンクの送信者に同僚の追加を依頼してください。",
        "Hôm nay bảng câu hỏi này đã được chuyển giao quá nhiều lần. Hãy thử lại vào ngày mai, hoặc nhờ người đã gửi đường liên kết thêm đồng nghiệp của quý vị.",
        "今天此问卷的转交次数已达上限。请明天再试,或请发送链接的人添加您的同事。",
    ]),
    ("handover_name_link", [
        "Enter your colleague's name, without a web address.",
        "同僚のお名前を入力してください(ウェブアドレスは入力できません)。",
        "Hãy nhập tên đồng nghiệp, không kèm địa chỉ web.",
        "请输入同事的姓名,不要包含网址。",
    ]),
    ("handover_inactive", [
        "This person is no longer a contact of your organisation here: ask the person who sent you the link.",
        "この方は現在、貴社の担当者として登録されていません。リンクの送信者にお問い合わせください。",
        "Người này không còn là đầu mối của tổ chức quý vị: hãy hỏi người đã gửi đường liên kết.",
        "此人已不再是贵组织的联系人:请联系发送链接的人。",
    ]),
    ("gone_title", ["This link no longer accepts answers", "このリンクでは回答できなくなりました", "Đường liên kết này không còn nhận câu trả lời", "此链接已不再接受回答"]),
    ("gone_text", [
        "The link was withdrawn or the campaign was closed while you were answering, so what you sent was not saved. It is shown below: copy it somewhere safe, then ask the person who sent you the link for a new one.",
        "回答中にリンクが取り消されたか、調査が締め切られたため、送信した内容は保存されていません。内容を下に表示しますので、控えてから、リンクの送信者に新しいリンクを依頼してください。",
        "Đường liên kết đã bị thu hồi hoặc đợt khảo sát đã đóng khi quý vị đang trả lời, nên nội dung vừa gửi chưa được lưu. Nội dung được hiển thị bên dưới: hãy sao chép lại, rồi đề nghị người gửi cấp đường liên kết mới.",
        "在您作答期间,链接已被撤回或调查已结束,因此您提交的内容未保存。内容显示如下:请复制保存,然后向发送链接的人索取新链接。",
    ]),
    ("submitted_meanwhile_title", ["This questionnaire has already been submitted", "この調査票はすでに提出されています", "Bảng câu hỏi này đã được nộp", "本问卷已提交"]),
    ("submitted_meanwhile_text", [
        "It was submitted from another page, or by a colleague, while this page was open, so the changes you made here were not saved. They are shown below: copy them somewhere safe. To add or correct something now, contact the person who sent you the link.",
        "このページを開いている間に、別のページまたは同僚によって提出されたため、ここでの変更は保存されていません。変更内容を下に表示しますので、控えておいてください。追加や修正が必要な場合は、リンクの送信者にご連絡ください。",
        "Bảng câu hỏi đã được nộp từ một trang khác hoặc bởi đồng nghiệp trong khi trang này đang mở, nên các thay đổi của quý vị ở đây chưa được lưu. Các thay đổi được hiển thị bên dưới: hãy sao chép lại. Nếu cần bổ sung hoặc sửa, hãy liên hệ người đã gửi đường liên kết.",
        "在此页面打开期间,问卷已从其他页面或由同事提交,因此您在此处所做的更改未保存。更改内容显示如下:请复制保存。如需补充或更正,请联系发送链接的人。",
    ]),
    ("see_receipt", ["See what was submitted, and the receipt", "提出内容と受領証を見る", "Xem nội dung đã nộp và biên nhận", "查看提交内容和回执"]),
    ("files_too_large", [
        "Together with the other files chosen on this page, this file makes more than {mb} MB: save the others first, then choose this one again.",
        "このページで選択した他のファイルと合わせて {mb} MB を超えています。先に他のファイルを保存してから、このファイルを選び直してください。",
        "Cùng với các tệp khác đã chọn trên trang này, tệp này làm tổng dung lượng vượt quá {mb} MB: hãy lưu các tệp kia trước, rồi chọn lại tệp này.",
        "与本页已选的其他文件合计超过 {mb} MB:请先保存其他文件,再重新选择此文件。",
    ]),
    ("autosave_errors", [
        "Some answers need your attention: they are marked on this page. Everything else has been saved.",
        "確認が必要な回答があります(このページに表示)。それ以外の回答は保存済みです。",
        "Một số câu trả lời cần được sửa (đã đánh dấu trên trang này); phần còn lại đã được lưu.",
        "部分答案需要修改(已在本页标注),其余答案已保存。",
    ]),
    ("answers_changed", [
        "Some answers were changed after you opened this page (by a colleague, or on another page), so nothing was submitted. The changed answers are marked below: check them, then tick the declaration again and submit.",
        "このページを開いた後に、一部の回答が(同僚または別のページで)変更されたため、提出されていません。変更された回答に印を付けています。確認してから、もう一度宣誓欄にチェックを入れて提出してください。",
        "Một số câu trả lời đã được thay đổi sau khi quý vị mở trang này (bởi đồng nghiệp hoặc ở trang khác), nên chưa có gì được nộp. Các câu trả lời đã thay đổi được đánh dấu bên dưới: hãy kiểm tra, rồi đánh dấu lại phần cam kết và nộp.",
        "您打开此页面后,部分答案已被更改(由同事或在其他页面),因此未提交。已更改的答案在下方标出:请检查后重新勾选声明并提交。",
    ]),
    ("changed_by", ["Changed by", "変更者", "Người thay đổi", "修改人"]),
    ("submitted_by_colleague_title", ["These answers have been submitted", "この回答はすでに提出されています", "Các câu trả lời này đã được nộp", "这些答案已提交"]),
    ("thanks_colleague", [
        "A colleague at your organisation submitted these answers (the signatory is below). The receipt was emailed to them; you can keep the PDF below as your record. This link keeps showing what was submitted.",
        "この回答は貴社の別の担当者が提出しました(署名者は下記)。受領証はその担当者にメールで送られています。下のPDFを控えとして保存できます。このリンクからいつでも提出内容を確認できます。",
        "Một đồng nghiệp trong tổ chức của quý vị đã nộp các câu trả lời này (người ký ở bên dưới). Biên nhận đã được gửi qua email cho người đó; quý vị có thể lưu tệp PDF bên dưới làm bản lưu. Liên kết này sẽ tiếp tục hiển thị nội dung đã gửi.",
        "贵组织的另一位同事已提交这些答案(签署人见下方)。回执已通过电子邮件发送给该同事;您可以保存下方的PDF作为记录。此链接会一直显示已提交的内容。",
    ]),
    ("submitted_meanwhile_status", [
        "This questionnaire has already been submitted, from another page or by a colleague, so what you changed here was not saved. It is still in the fields above: press Save to list it, then copy it somewhere safe.",
        "この調査票は、別のページまたは同僚によってすでに提出されたため、ここでの変更は保存されていません。変更内容は上の入力欄に残っています。「保存」を押すと一覧で表示されますので、控えておいてください。",
        "Bảng câu hỏi này đã được nộp từ một trang khác hoặc bởi đồng nghiệp, nên những thay đổi của quý vị ở đây chưa được lưu. Chúng vẫn còn trong các ô phía trên: bấm Lưu để xem danh sách, rồi sao chép lại.",
        "本问卷已从其他页面或由同事提交,因此您在此处的更改未保存。更改仍保留在上方的输入框中:点击“保存”可列出这些内容,请复制保存。",
    ]),
    ("what_you_typed", ["What you typed", "入力した内容", "Nội dung quý vị đã nhập", "您输入的内容"]),
    ("closed_title", ["This campaign is closed", "この調査は締め切られました", "Đợt khảo sát đã đóng", "本次调查已结束"]),
    ("closed_text", [
        "Answers can no longer be changed. Ask the person who sent you the link if you need to add something.",
        "回答は変更できません。追加が必要な場合は、リンクの送信者にお問い合わせください。",
        "Không thể sửa câu trả lời nữa. Nếu cần bổ sung, hãy liên hệ người đã gửi đường liên kết.",
        "答案已无法修改。如需补充,请联系发送链接的人。",
    ]),
];

/// [`t`] for a page that knows its language by code only (the shared page layout).
pub fn t_code(key: &str, code: &str) -> &'static str {
    t(key, Lang::parse(code).unwrap_or(Lang::En))
}

/// The text of `key` in `lang`; empty for an unknown key (the views' unit test checks
/// that every key they use is known).
pub fn t(key: &str, lang: Lang) -> &'static str {
    let column = match lang {
        Lang::En => 0,
        Lang::Ja => 1,
        Lang::Vi => 2,
        Lang::Zh => 3,
    };
    TEXTS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, texts)| texts[column])
        .unwrap_or("")
}

/// Whether `key` has a text (for the views' tests).
pub fn known(key: &str) -> bool {
    TEXTS.iter().any(|(k, _)| *k == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_translated_once() {
        let mut keys: Vec<&str> = TEXTS.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "a key appears twice");
        for (key, texts) in TEXTS {
            assert!(texts.iter().all(|t| !t.trim().is_empty()), "{key}");
        }
        assert_eq!(
            t("declare", Lang::Ja),
            TEXTS.iter().find(|(k, _)| *k == "declare").unwrap().1[1]
        );
        assert!(!known("no such key"));
    }
}
