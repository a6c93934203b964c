//! The cost of one receipt PDF (what the job worker makes for every submission), alone,
//! for profiling:
//!
//!     cargo run --release --example receipt_render -- 300
//!     perf record --call-graph dwarf target/release/examples/receipt_render 150
//!
//! Renders receipts of the flow benchmark's 30-question, 3-section questionnaire
//! (English) the given number of times (default 200) with the machine's CJK font
//! (`receipt_pdf::font::DEFAULT_FONT`, or `HRDD_PDF_FONT`), and prints the time per
//! receipt and its size. As in the flow, each receipt has its own organisation,
//! contact, receipt id, fingerprint and answers (a number, yes or no, or a short text
//! naming the respondent), under the same questions.
//!
//! With `scripts` after the count, one answer in three is typed in Thai, Burmese,
//! Devanagari, Arabic, Hebrew or with an emoji (the fallback fonts of
//! `receipt_pdf::fallback`, or `HRDD_PDF_FALLBACK_FONTS`), and the peak RSS is printed:
//!
//!     cargo run --release --example receipt_render -- 300 scripts

use hrdd_survey::domain::i18n::Lang;
use hrdd_survey::receipt_pdf::{
    fallback, font::DEFAULT_FONT, render, Declaration, ReceiptDocument, ReceiptFont, ReceiptSection,
};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let scripts = std::env::args().nth(2).as_deref() == Some("scripts");
    let path = std::env::var("HRDD_PDF_FONT").unwrap_or_else(|_| DEFAULT_FONT.to_string());
    let fallbacks = match std::env::var("HRDD_PDF_FALLBACK_FONTS") {
        Ok(list) => list.split(':').map(std::path::PathBuf::from).collect(),
        Err(_) => fallback::default_paths(),
    };
    let font = ReceiptFont::load_with(std::path::Path::new(&path), &fallbacks)?;
    const TYPED: [&str; 6] = [
        "นายจ้างเก็บหนังสือเดินทางไว้",
        "အလုပ်သမားများ ကိုယ်တိုင်ထားသည်",
        "श्रमिकहरूको पासपोर्ट आफैंसँग छ",
        "جوازات السفر مع العمال",
        "הדרכונים אצל העובדים",
        "Workers keep them 👍",
    ];
    let at: chrono::DateTime<chrono::Utc> = "2027-03-01T09:30:00Z".parse()?;
    let doc = |i: usize| ReceiptDocument {
        lang: Lang::En,
        questionnaire: "Flow benchmark (illustrative) (v1)".into(),
        campaign: "Flow benchmark (illustrative)".into(),
        organisation: format!("Flow supplier {i}"),
        contact: format!("Contact <flow{i}@example.com>"),
        receipt_id: format!("8d3c1f0e-6a55-4c1b-9d7e-{i:012x}"),
        submitted_at: Some(at),
        fingerprint: format!("{:064x}", (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        declaration: Some(Declaration {
            signatory_name: "Bench Signatory".into(),
            signatory_title: "Compliance manager".into(),
            declared_at: at,
        }),
        sections: (0..3)
            .map(|s| ReceiptSection {
                title: format!("Section {}", s + 1),
                answers: (0..10)
                    .map(|q| {
                        let answer = match q % 3 {
                            0 => (10 + (i + q) % 90).to_string(),
                            1 if (i + q).is_multiple_of(7) => "Yes".into(),
                            1 => "No".into(),
                            _ if scripts => format!("{} {i}", TYPED[(i + q) % TYPED.len()]),
                            _ => format!("Answer {i} to s{s}q{q}"),
                        };
                        (format!("How many workers (s{s}q{q})?"), answer)
                    })
                    .collect(),
            })
            .collect(),
    };
    let started = Instant::now();
    let mut bytes = 0;
    for i in 0..n {
        bytes += render(&doc(i), &font)?.len();
    }
    println!(
        "{:.2} ms per receipt, {} bytes each ({n} receipts)",
        started.elapsed().as_secs_f64() * 1000.0 / n as f64,
        bytes / n.max(1)
    );
    if scripts {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        for line in status
            .lines()
            .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
        {
            println!("{line}");
        }
    }
    Ok(())
}
