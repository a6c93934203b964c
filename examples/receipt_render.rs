//! The cost of one receipt PDF (what the job worker makes for every submission), alone,
//! for profiling:
//!
//!     cargo run --release --example receipt_render -- 300
//!     perf record --call-graph dwarf target/release/examples/receipt_render 150
//!
//! Renders the receipt of the flow benchmark's 30-question, 3-section questionnaire
//! (English) the given number of times (default 200) with the machine's CJK font
//! (`receipt_pdf::font::DEFAULT_FONT`, or `HRDD_PDF_FONT`), and prints the time per
//! receipt and its size.

use hrdd_survey::domain::i18n::Lang;
use hrdd_survey::receipt_pdf::{
    font::DEFAULT_FONT, render, Declaration, ReceiptDocument, ReceiptFont, ReceiptSection,
};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let path = std::env::var("HRDD_PDF_FONT").unwrap_or_else(|_| DEFAULT_FONT.to_string());
    let font = ReceiptFont::load(std::path::Path::new(&path))?;
    let at: chrono::DateTime<chrono::Utc> = "2027-03-01T09:30:00Z".parse()?;
    let doc = || ReceiptDocument {
        lang: Lang::En,
        questionnaire: "Flow benchmark (illustrative) (v1)".into(),
        campaign: "Flow benchmark (illustrative)".into(),
        organisation: "Flow supplier 123".into(),
        contact: "Contact <flow123@example.com>".into(),
        receipt_id: "8d3c1f0e-6a55-4c1b-9d7e-3f2a1b0c9d8e".into(),
        submitted_at: Some(at),
        fingerprint: "ab".repeat(32),
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
                        (
                            format!("How many workers (s{s}q{q})?"),
                            format!("Answer 123 to s{s}q{q}"),
                        )
                    })
                    .collect(),
            })
            .collect(),
    };
    let started = Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        bytes += render(&doc(), &font)?.len();
    }
    println!(
        "{:.2} ms per receipt, {} bytes each ({n} receipts)",
        started.elapsed().as_secs_f64() * 1000.0 / n as f64,
        bytes / n.max(1)
    );
    Ok(())
}
