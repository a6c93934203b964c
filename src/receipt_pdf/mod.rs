//! The receipt as a PDF (issue 9): the submitted answers by section in the language
//! they were given in, the declaration, the submission time and the SHA-256
//! fingerprint of the answers. Made with krilla (PDF writing, font subsetting, shaping
//! with rustybuzz); only the glyphs used are embedded, so a receipt is tens of KB even
//! with a 19 MB CJK collection.
//!
//! [`ReceiptDocument`] is what is printed, [`layout`] sets it in lines and pages
//! (pure), [`render`] draws the pages. No HTTP and no SQL here: the respondent and staff
//! routes and the receipt email build a [`ReceiptDocument`] from stored rows and call
//! [`render`] (on the blocking pool: subsetting takes a few milliseconds).

pub mod fallback;
pub mod font;
pub mod labels;
pub mod layout;
mod runs;
mod shaper;

use crate::domain::answers::Answers;
use crate::domain::i18n::{ui, Lang};
use crate::domain::questionnaire::Questionnaire;
use crate::domain::visibility::visible_questions;
use chrono::{DateTime, Utc};
pub use font::{FontSource, ReceiptFont};
use labels::label;
use layout::{Block, Geometry, Style};
use unicode_normalization::UnicodeNormalization;

/// Why no PDF could be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("{0}")]
    Font(String),
    #[error("writing the PDF: {0}")]
    Write(String),
}

/// The declaration signed with the submission.
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    pub signatory_name: String,
    pub signatory_title: String,
    pub declared_at: DateTime<Utc>,
}

/// One section of the questionnaire: its title and its (question, answer) pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptSection {
    pub title: String,
    pub answers: Vec<(String, String)>,
}

/// Everything a receipt shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptDocument {
    pub lang: Lang,
    /// The questionnaire's title and version.
    pub questionnaire: String,
    pub campaign: String,
    pub organisation: String,
    /// The contact who submitted: name and email.
    pub contact: String,
    pub receipt_id: String,
    pub submitted_at: Option<DateTime<Utc>>,
    /// SHA-256 of the answers (`responses.answers_sha256`).
    pub fingerprint: String,
    pub declaration: Option<Declaration>,
    pub sections: Vec<ReceiptSection>,
}

/// The facts of a submission that are not answers.
pub struct ReceiptFacts {
    pub campaign: String,
    pub organisation: String,
    pub contact: String,
    pub receipt_id: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub fingerprint: String,
    pub declaration: Option<Declaration>,
}

impl ReceiptDocument {
    /// The receipt of `answers` to `q` in `lang`: every question that was shown, by
    /// section, with its answer as a person reads it (choice labels, units, rows).
    pub fn new(q: &Questionnaire, answers: &Answers, lang: Lang, facts: ReceiptFacts) -> Self {
        let visible = visible_questions(q, answers);
        let sections = q
            .sections
            .iter()
            .map(|s| ReceiptSection {
                title: s.title.get(lang).to_string(),
                answers: s
                    .questions
                    .iter()
                    .filter(|x| visible.contains(x.id.as_str()))
                    .map(|x| {
                        let text = answers
                            .get(&x.id)
                            .map(|v| crate::views::respondent::answer_text(x, v, lang))
                            .unwrap_or_else(|| ui("not_answered", lang).to_string());
                        (x.label.get(lang).to_string(), text)
                    })
                    .collect(),
            })
            .filter(|s| !s.answers.is_empty())
            .collect();
        ReceiptDocument {
            lang,
            questionnaire: format!("{} (v{})", q.title.get(lang), q.version),
            campaign: facts.campaign,
            organisation: facts.organisation,
            contact: facts.contact,
            receipt_id: facts.receipt_id,
            submitted_at: facts.submitted_at,
            fingerprint: facts.fingerprint,
            declaration: facts.declaration,
            sections,
        }
    }

    /// The document as paragraphs, in reading order.
    pub fn blocks(&self) -> Vec<Block> {
        let lang = self.lang;
        let time = |t: &DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        let mut out = vec![
            Block::new(Style::Title, &self.questionnaire),
            Block::new(Style::Note, label("receipt_heading", lang)),
        ];
        let mut fact = |name: &str, value: String| {
            out.push(Block::new(Style::Label, name));
            out.push(Block::new(Style::Body, value));
        };
        fact(ui("for_org", lang), self.organisation.clone());
        fact(label("campaign", lang), self.campaign.clone());
        fact(label("submitted_by", lang), self.contact.clone());
        fact(
            ui("submitted_at", lang),
            self.submitted_at.as_ref().map(time).unwrap_or_default(),
        );
        fact(ui("receipt", lang), self.receipt_id.clone());
        fact(ui("answers_fingerprint", lang), self.fingerprint.clone());
        for section in &self.sections {
            out.push(Block::new(Style::Heading, &section.title));
            for (question, answer) in &section.answers {
                out.push(Block::new(Style::Label, question));
                out.push(Block::new(Style::Body, answer));
            }
        }
        out.push(Block::new(Style::Heading, label("declaration", lang)));
        match &self.declaration {
            Some(d) => {
                out.push(Block::new(Style::Body, label("declaration_text", lang)));
                out.push(Block::new(Style::Label, label("signatory", lang)));
                out.push(Block::new(
                    Style::Body,
                    crate::domain::declaration::signed_by(
                        &d.signatory_name,
                        &d.signatory_title,
                        lang,
                    ),
                ));
                out.push(Block::new(Style::Label, label("declared_at", lang)));
                out.push(Block::new(Style::Body, time(&d.declared_at)));
            }
            None => out.push(Block::new(Style::Body, label("no_declaration", lang))),
        }
        // NFC: Vietnamese typed with combining accents is drawn with the font's
        // precomposed letters (a CJK font has few combining marks).
        for b in &mut out {
            b.text = b.text.nfc().collect();
        }
        out
    }

    /// The footer of page `n` of `of`.
    fn footer(&self, n: usize, of: usize) -> String {
        let short: String = self.fingerprint.chars().take(16).collect();
        format!(
            "{} {} · SHA-256 {short}… · {}",
            ui("receipt", self.lang),
            self.receipt_id,
            label("page", self.lang)
                .replace("{n}", &n.to_string())
                .replace("{of}", &of.to_string())
        )
    }

    /// The PDF file's name.
    pub fn file_name(&self) -> String {
        let id: String = self.receipt_id.chars().take(8).collect();
        format!("receipt-{id}.pdf")
    }
}

/// The receipt as PDF bytes, in A4, with the font's glyphs it uses embedded.
pub fn render(doc: &ReceiptDocument, font: &ReceiptFont) -> Result<Vec<u8>, PdfError> {
    use krilla::color::rgb;
    use krilla::geom::Point;
    use krilla::metadata::Metadata;
    use krilla::num::NormalizedF32;
    use krilla::page::PageSettings;
    use krilla::paint::Fill;

    let geometry = Geometry::A4;
    let shaper = font.shaper(doc.lang)?;
    let pages = layout::paginate(&doc.blocks(), &shaper, geometry, |n, of| doc.footer(n, of));
    // The chain's fonts as krilla embeds them, each made when a line first uses it.
    let mut pdf_fonts: Vec<Option<krilla::text::Font>> = vec![None; font.slots()];
    let mut document = krilla::Document::new();
    let mut metadata = Metadata::new()
        .title(format!("{} — {}", doc.questionnaire, doc.organisation))
        .language(doc.lang.code().to_string())
        .creator("HRDD Survey".to_string());
    if let Some(t) = doc.submitted_at {
        use chrono::{Datelike, Timelike};
        let date = krilla::metadata::DateTime::new(u16::try_from(t.year()).unwrap_or(2000))
            .month(t.month() as u8)
            .day(t.day() as u8)
            .hour(t.hour() as u8)
            .minute(t.minute() as u8)
            .second(t.second() as u8)
            .utc_offset_hour(0)
            .utc_offset_minute(0);
        metadata = metadata.creation_date(date);
    }
    document.set_metadata(metadata);
    let settings = PageSettings::from_wh(geometry.width, geometry.height)
        .ok_or_else(|| PdfError::Write("page size".into()))?;
    for lines in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for line in lines.iter().filter(|l| !l.text.is_empty()) {
            let grey = line.style.grey();
            surface.set_fill(Some(Fill {
                paint: rgb::Color::new(grey, grey, grey).into(),
                opacity: NormalizedF32::ONE,
                rule: Default::default(),
            }));
            let size = line.style.size();
            let mut x = line.x;
            for (slot, glyphs, advance) in shaper.glyph_runs(&line.text) {
                let pdf_font = match pdf_fonts.get_mut(slot) {
                    Some(Some(f)) => f.clone(),
                    Some(empty) => empty.insert(font.pdf_font(doc.lang, slot)?).clone(),
                    None => continue,
                };
                surface.draw_glyphs(
                    Point::from_xy(x, line.y),
                    &glyphs,
                    pdf_font,
                    &line.text,
                    size,
                    false,
                );
                x += advance * size;
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn doc(lang: Lang) -> ReceiptDocument {
        ReceiptDocument {
            lang,
            questionnaire: "強制労働に関する質問票 (v3)".into(),
            campaign: "Supplier survey 2027".into(),
            organisation: "Công ty Dệt may Sông Hồng".into(),
            contact: "Nguyễn Thị Lan <lan@example.com>".into(),
            receipt_id: "8d3c1f0e-6a55-4c1b-9d7e-3f2a1b0c9d8e".into(),
            submitted_at: Some("2027-03-01T09:30:00Z".parse().unwrap()),
            fingerprint: "ab".repeat(32),
            declaration: Some(Declaration {
                signatory_name: "山田 花子".into(),
                signatory_title: "人事部長".into(),
                declared_at: "2027-03-01T09:30:00Z".parse().unwrap(),
            }),
            sections: vec![
                ReceiptSection {
                    title: "採用".into(),
                    answers: vec![
                        (
                            "採用手数料を労働者が負担していますか?".into(),
                            "いいえ".into(),
                        ),
                        (
                            "Người lao động có phải trả phí tuyển dụng không?".into(),
                            // Decomposed (NFD) accents: drawn precomposed.
                            "Khoe\u{302}\u{301}ng, ho\u{323} đươ\u{323}c miễn phí".into(),
                        ),
                    ],
                },
                ReceiptSection {
                    title: "Wages".into(),
                    answers: (0..60)
                        .map(|n| (format!("Question {n}"), "Yes ".repeat(n)))
                        .collect(),
                },
            ],
        }
    }

    /// The machine's CJK font (scripts/test installs fonts-noto-cjk).
    fn font() -> &'static ReceiptFont {
        static FONT: OnceLock<ReceiptFont> = OnceLock::new();
        FONT.get_or_init(|| {
            ReceiptFont::load(std::path::Path::new(font::DEFAULT_FONT))
                .expect("fonts-noto-cjk is installed (scripts/test installs it)")
        })
    }

    #[test]
    fn blocks_carry_every_fact_answer_and_the_declaration_in_order() {
        let d = doc(Lang::Ja);
        let texts: Vec<String> = d.blocks().into_iter().map(|b| b.text).collect();
        let at = |s: &str| {
            texts
                .iter()
                .position(|t| t == s)
                .unwrap_or_else(|| panic!("{s} not in {texts:?}"))
        };
        assert_eq!(at("強制労働に関する質問票 (v3)"), 0);
        assert!(at(&"ab".repeat(32)) < at("採用"));
        assert!(at("採用") < at("いいえ"));
        assert!(at("いいえ") < at("Question 0"));
        assert!(at("宣言") > at("Question 59"));
        assert!(at("山田 花子（人事部長）") > at("宣言"));
        assert_eq!(
            texts
                .iter()
                .filter(|t| t.contains("2027-03-01 09:30:00 UTC"))
                .count(),
            2
        );
        // NFD input comes out NFC.
        assert!(
            texts.contains(&"Khoếng, họ được miễn phí".to_string()),
            "{texts:?}"
        );
    }

    #[test]
    fn a_missing_declaration_is_said_not_left_out() {
        let mut d = doc(Lang::En);
        d.declaration = None;
        let texts: Vec<String> = d.blocks().into_iter().map(|b| b.text).collect();
        assert!(texts.contains(&"No declaration was recorded with this submission.".into()));
    }

    #[test]
    fn labels_exist_in_every_language() {
        for lang in Lang::ALL {
            for key in labels::KEYS {
                assert!(!label(key, lang).is_empty(), "{key} in {lang:?}");
            }
            assert!(label("page", lang).contains("{n}") && label("page", lang).contains("{of}"));
        }
    }

    #[test]
    fn the_pdf_embeds_a_subset_of_the_cjk_font_and_has_several_pages() {
        for lang in [Lang::Ja, Lang::Vi, Lang::En, Lang::Zh] {
            let d = doc(lang);
            let shaper = font().shaper(lang).unwrap();
            let pages =
                layout::paginate(&d.blocks(), &shaper, Geometry::A4, |n, of| d.footer(n, of));
            assert!(pages.len() >= 2, "{lang:?}: {} pages", pages.len());
            let pdf = render(&d, font()).unwrap();
            assert!(pdf.starts_with(b"%PDF-"), "{lang:?}");
            // A subset: the collection is 19 MB, the receipt a few tens of KB.
            assert!(pdf.len() < 200_000, "{lang:?}: {} bytes", pdf.len());
            if lang == Lang::Ja {
                std::fs::write(std::env::temp_dir().join("hrdd-receipt-test.pdf"), &pdf).unwrap();
            }
        }
    }

    #[test]
    fn shapes_kept_from_earlier_receipts_make_the_same_pdf_as_shaping_anew() {
        // A font of its own, so that no other test's receipts warm it first.
        let fresh = || ReceiptFont::load(std::path::Path::new(font::DEFAULT_FONT)).unwrap();
        for lang in [Lang::Ja, Lang::Zh] {
            let d = doc(lang);
            let kept = fresh();
            let first = render(&d, &kept).unwrap();
            assert_eq!(
                kept.kept_shapes(),
                0,
                "{lang:?}: a text is kept when seen again"
            );
            assert_eq!(first, render(&d, &kept).unwrap(), "{lang:?}");
            assert!(
                kept.kept_shapes() > 0,
                "{lang:?}: the second receipt's texts are kept"
            );
            let again = render(&d, &kept).unwrap();
            assert_eq!(
                first, again,
                "{lang:?}: the same bytes from the kept shapes"
            );
            assert_eq!(first, render(&d, &fresh()).unwrap(), "{lang:?}");
        }
    }

    #[test]
    fn one_shaping_measures_each_piece_as_measuring_it_alone_does() {
        use layout::Measure;
        for (lang, text) in [
            (Lang::En, "  Wages are paid in full, on time. "),
            (Lang::Ja, "採用手数料を労働者が負担していますか? いいえ"),
            (Lang::Vi, "Người lao động có phải trả phí tuyển dụng không?"),
        ] {
            let shaper = font().shaper(lang).unwrap();
            // Cut at every space and every fifth character boundary.
            let mut ends: Vec<usize> = text
                .char_indices()
                .filter(|(i, c)| *c == ' ' || i % 5 == 0)
                .map(|(i, _)| i)
                .collect();
            ends.push(text.len());
            ends.dedup();
            let together = shaper.widths(text, &ends, 10.0);
            let mut start = 0;
            for (end, w) in ends.iter().zip(&together) {
                // Equal but for kerning across a cut (a fraction of a point at 10 pt).
                let alone = shaper.width(&text[start..*end], 10.0);
                assert!(
                    (alone - w).abs() < 0.3,
                    "{lang:?} {:?}: {alone} vs {w}",
                    &text[start..*end]
                );
                start = *end;
            }
            let whole = shaper.width(text, 10.0);
            assert!((together.iter().sum::<f32>() - whole).abs() < 0.01);
            // And lines wrapped with it fit their width.
            for line in layout::wrap(text, 60.0, 10.0, &shaper) {
                assert!(
                    line.chars().count() == 1 || shaper.width(&line, 10.0) <= 60.05,
                    "{line}"
                );
            }
        }
    }

    #[test]
    fn the_font_check_names_the_file_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-a-font.ttf");
        std::fs::write(&path, "<html>").unwrap();
        let e = FontSource::check(&path, &[]).unwrap_err().to_string();
        assert!(
            e.contains("not-a-font.ttf") && e.contains("HRDD_PDF_FONT"),
            "{e}"
        );
        let e = FontSource::check(&dir.path().join("missing.ttc"), &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("missing.ttc") && e.contains("fonts-noto-cjk"),
            "{e}"
        );
        let e = ReceiptFont::from_bytes(b"OTTO and nothing".to_vec(), "broken.otf")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("broken.otf"), "{e}");
        assert!(FontSource::check(std::path::Path::new(font::DEFAULT_FONT), &[]).is_ok());
    }

    #[test]
    fn the_default_font_has_japanese_chinese_and_vietnamese_faces() {
        let f = font();
        assert_eq!(f.face(Lang::Ja), f.face(Lang::Vi));
        assert_ne!(f.face(Lang::Zh), f.face(Lang::Ja), "an SC face for Chinese");
        let shaper = f.shaper(Lang::Ja).unwrap();
        use layout::Measure;
        // A full-width character is 1 em; Latin narrower.
        assert!((shaper.width("漢", 10.0) - 10.0).abs() < 0.01);
        assert!(shaper.width("i", 10.0) < 5.0);
    }
}
