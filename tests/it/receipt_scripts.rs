//! Receipt PDFs draw every script an answer may be typed in: the CJK font first, then
//! the fallback fonts (Debian's fonts-noto-core and fonts-noto-color-emoji, which
//! scripts/test installs). Read back with poppler's `pdftotext`, the embedded fonts
//! listed with `pdffonts`, and one receipt rendered to PNG with `pdftoppm` (in
//! `target/tmp/screenshots/`, with the PDF, to look at).

use crate::helpers::{fixtures_dir, TestApp};
use crate::respondent::invite_supplier;
use std::path::Path;

const THAI: &str = "นายจ้างเก็บหนังสือเดินทางไว้";
const BURMESE: &str = "အလုပ်သမားများ";
const DEVANAGARI: &str = "श्रमिकहरूको पासपोर्ट";
const ARABIC: &str = "جوازات السفر مع العمال";
const URDU: &str = "مزدوروں کے پاس";
const HEBREW: &str = "דרכון";
const KHMER: &str = "កម្មករ";
const JAPANESE: &str = "旅券は本人が保管しています。";

/// The notes answer: one line per script, and an Arabic phrase inside English.
fn notes() -> String {
    [
        THAI,
        BURMESE,
        DEVANAGARI,
        ARABIC,
        URDU,
        HEBREW,
        KHMER,
        JAPANESE,
        "Workers keep them: نعم 120 👍",
    ]
    .join("\n")
}

/// Runs a poppler tool on `pdf` and returns what it printed.
fn poppler(tool: &str, args: &[&str], pdf: &[u8], dir: &Path) -> String {
    let path = dir.join("receipt.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new(tool)
        .args(args)
        .arg(&path)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs (apt-get install poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn submitted_receipt(app: &TestApp, org: &str) -> Vec<u8> {
    let (link, _) = invite_supplier(app, org, "ja").await;
    let notes = notes();
    let answers = vec![
        ("headcount", "120"),
        ("passports", "worker"),
        ("fees_paid", "no"),
        ("weekly_hours", "48"),
        ("notes", notes.as_str()),
        ("agents.0.agent_name", "وكالة النور"),
    ];
    let res = app.post_form(&link, &answers, "submit").await;
    assert_eq!(res.status(), 303);
    let res = app.get(&format!("{link}/receipt.pdf?lang=ja")).await;
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn a_receipt_draws_thai_burmese_devanagari_arabic_and_japanese_with_their_fonts() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    assert!(
        app.state.receipt_font.uncovered_scripts().is_empty(),
        "scripts/test installs fonts-noto-core and fonts-noto-color-emoji: {:?}",
        app.state.receipt_font.uncovered_scripts()
    );
    let pdf = submitted_receipt(&app, "บริษัท สยามการ์เมนต์").await;
    let dir = tempfile::tempdir().unwrap();

    // Each script in the font that has it, subset: the fonts' PostScript names.
    let fonts = poppler("pdffonts", &[], &pdf, dir.path());
    for name in [
        "NotoSansCJK",
        "NotoSansThai",
        "NotoSansMyanmar",
        "NotoSansDevanagari",
        "NotoSansArabic",
        "NotoSansHebrew",
        "NotoSansKhmer",
    ] {
        assert!(fonts.contains(name), "{name} embedded: {fonts}");
    }
    // The emoji font's glyphs are colour pictures: a Type 3 font.
    assert!(fonts.contains("Type 3"), "the emoji: {fonts}");
    assert!(pdf.len() < 400_000, "subsets: {} bytes", pdf.len());

    // The text reads back. Thai, Japanese, the organisation and the Arabic words are
    // compared exactly. pdftotext reorders right-to-left text by its own rules, so each
    // Arabic word is looked for, not the phrase. Shaped Burmese, Devanagari and Khmer
    // come back with their vowel signs reordered or split into the glyphs' own text,
    // so for those only the first letter is asserted; their glyphs are checked in the
    // PNG rendering below, and by the fonts above.
    let text = poppler("pdftotext", &["-enc", "UTF-8"], &pdf, dir.path());
    for exact in [THAI, JAPANESE, "บริษัท สยามการ์เมนต์", "Workers keep them"]
    {
        assert!(text.contains(exact), "{exact} in {text}");
    }
    for word in ARABIC.split(' ').chain(["وكالة", "النور", "نعم"]) {
        assert!(text.contains(word), "{word} in {text}");
    }
    for first in [BURMESE, DEVANAGARI, KHMER, HEBREW] {
        let letter = first.chars().next().unwrap();
        assert!(text.contains(letter), "{letter} of {first} in {text}");
    }

    // Rendered, for a person to look at (and the renderer must take it).
    let png_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&png_dir).unwrap();
    std::fs::write(png_dir.join("receipt-scripts.pdf"), &pdf).unwrap();
    let out = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-f", "1", "-l", "1"])
        .arg(dir.path().join("receipt.pdf"))
        .arg(png_dir.join("receipt-scripts"))
        .output()
        .expect("pdftoppm runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_missing_fallback_font_is_not_fatal_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("NotoSansThai-Regular.ttf");
    let not_a_font = dir.path().join("not-a-font.ttf");
    std::fs::write(&not_a_font, "<html>").unwrap();
    let arabic = format!(
        "{}/NotoSansArabic-Regular.ttf",
        hrdd_survey::receipt_pdf::fallback::NOTO_DIR
    );
    let list = format!("{}:{}:{arabic}", missing.display(), not_a_font.display());
    let app =
        TestApp::spawn_with_settings(&fixtures_dir(), &[("HRDD_PDF_FALLBACK_FONTS", list)]).await;
    let uncovered = app.state.receipt_font.uncovered_scripts();
    assert!(uncovered.contains(&"Thai"), "{uncovered:?}");
    assert!(!uncovered.contains(&"Arabic and Urdu"), "{uncovered:?}");

    // The receipt is still made: Arabic in its font, Thai as the CJK font's boxes.
    let pdf = submitted_receipt(&app, "Fallback Test Co").await;
    let fonts = poppler("pdffonts", &[], &pdf, dir.path());
    assert!(fonts.contains("NotoSansArabic"), "{fonts}");
    assert!(!fonts.contains("NotoSansThai"), "{fonts}");
    let text = poppler("pdftotext", &["-enc", "UTF-8"], &pdf, dir.path());
    assert!(text.contains(JAPANESE), "{text}");
}
