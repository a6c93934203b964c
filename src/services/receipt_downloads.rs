//! Receipt PDFs downloaded lately, kept so that downloading one again does not make it
//! again. Making a receipt is CPU work (shaping, font subsetting, deflate: 1–3 ms, far
//! more for long answers in several scripts), and a link to a submitted response could
//! otherwise be used to keep the cores busy by asking for its receipt in a loop. A kept
//! PDF is served only for **the same document**: the receipt is made from the stored
//! answers and facts each time ([`super::receipts`]), and the kept one is compared with
//! it whole, so a renamed contact or a response submitted again is never answered with
//! an older receipt. Concurrent downloads of one receipt wait for the one being made.
//! Receipts made for emails are not kept (each is made once anyway).

use crate::domain::i18n::Lang;
use crate::error::AppError;
use crate::receipt_pdf::ReceiptDocument;
use std::future::Future;
use std::sync::Arc;

/// About what the kept receipts may take in memory: a receipt is 10–40 kB with its
/// document, so a few hundred of the latest.
const KEPT_BYTES: u64 = 4 << 20;

/// The kept receipts, by response (the receipt's id) and language.
pub struct ReceiptDownloads {
    kept: quick_cache::sync::Cache<(String, Lang), Arc<Kept>, Weight>,
}

/// A receipt's document with the PDF made of it.
pub struct Kept {
    doc: ReceiptDocument,
    pdf: Arc<[u8]>,
}

#[derive(Clone)]
pub struct Weight;

impl quick_cache::Weighter<(String, Lang), Arc<Kept>> for Weight {
    fn weight(&self, key: &(String, Lang), kept: &Arc<Kept>) -> u64 {
        // The PDF, and about what the document's texts take.
        let texts: usize = kept
            .doc
            .sections
            .iter()
            .flat_map(|s| s.answers.iter())
            .map(|(question, answer)| question.len() + answer.len() + 48)
            .sum();
        (key.0.len() + kept.pdf.len() + texts + 256) as u64
    }
}

impl Default for ReceiptDownloads {
    fn default() -> Self {
        ReceiptDownloads {
            kept: quick_cache::sync::Cache::with_weighter(512, KEPT_BYTES, Weight),
        }
    }
}

impl ReceiptDownloads {
    /// The PDF of `doc`: the kept one when it was made of the same document, otherwise
    /// made by `make` (and kept). One `make` at a time per receipt.
    pub async fn pdf<F, Fut>(&self, doc: ReceiptDocument, make: F) -> Result<Arc<[u8]>, AppError>
    where
        F: FnOnce(ReceiptDocument) -> Fut,
        Fut: Future<Output = Result<Vec<u8>, AppError>>,
    {
        let key = (doc.receipt_id.clone(), doc.lang);
        match self.kept.get_value_or_guard_async(&key).await {
            Ok(kept) if kept.doc == doc => Ok(kept.pdf.clone()),
            Ok(_) => {
                let kept = Self::made(doc, make).await?;
                self.kept.insert(key, kept.clone());
                Ok(kept.pdf.clone())
            }
            Err(guard) => {
                // A failed make drops the guard: the next download tries again.
                let kept = Self::made(doc, make).await?;
                let _ = guard.insert(kept.clone());
                Ok(kept.pdf.clone())
            }
        }
    }

    async fn made<F, Fut>(doc: ReceiptDocument, make: F) -> Result<Arc<Kept>, AppError>
    where
        F: FnOnce(ReceiptDocument) -> Fut,
        Fut: Future<Output = Result<Vec<u8>, AppError>>,
    {
        let pdf: Arc<[u8]> = make(doc.clone()).await?.into();
        Ok(Arc::new(Kept { doc, pdf }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt_pdf::ReceiptSection;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn doc(contact: &str, lang: Lang) -> ReceiptDocument {
        ReceiptDocument {
            lang,
            questionnaire: "Forced labour v2".into(),
            campaign: "2026".into(),
            organisation: "Supplier A".into(),
            contact: contact.into(),
            receipt_id: "0b6f9c9e-8d4e-4d55-9a43-53cbb1c7b3a1".into(),
            submitted_at: None,
            fingerprint: "ab".repeat(32),
            declaration: None,
            sections: vec![ReceiptSection {
                title: "Recruitment".into(),
                answers: vec![("Fees?".into(), "No".into())],
            }],
        }
    }

    /// A `make` that counts its calls and returns the contact's name as the "PDF".
    fn counting(
        made: &AtomicUsize,
    ) -> impl FnOnce(ReceiptDocument) -> std::future::Ready<Result<Vec<u8>, AppError>> + '_ {
        move |doc| {
            made.fetch_add(1, Ordering::SeqCst);
            std::future::ready(Ok(
                format!("{} {}", doc.contact, doc.lang.code()).into_bytes()
            ))
        }
    }

    #[tokio::test]
    async fn the_same_receipt_is_made_once_and_a_changed_one_again() {
        let downloads = ReceiptDownloads::default();
        let made = AtomicUsize::new(0);
        let first = downloads
            .pdf(doc("Mai", Lang::En), counting(&made))
            .await
            .unwrap();
        let again = downloads
            .pdf(doc("Mai", Lang::En), counting(&made))
            .await
            .unwrap();
        assert_eq!((&*first, &*again), (&b"Mai en"[..], &b"Mai en"[..]));
        assert_eq!(
            made.load(Ordering::SeqCst),
            1,
            "the second download is the kept PDF"
        );

        // Another language is another receipt.
        let ja = downloads
            .pdf(doc("Mai", Lang::Ja), counting(&made))
            .await
            .unwrap();
        assert_eq!(&*ja, b"Mai ja");
        assert_eq!(made.load(Ordering::SeqCst), 2);

        // The contact renamed: the document differs, so the receipt is made anew.
        let renamed = downloads
            .pdf(doc("Mai Tran", Lang::En), counting(&made))
            .await
            .unwrap();
        assert_eq!(&*renamed, b"Mai Tran en");
        assert_eq!(made.load(Ordering::SeqCst), 3);
        let kept = downloads
            .pdf(doc("Mai Tran", Lang::En), counting(&made))
            .await
            .unwrap();
        assert_eq!(&*kept, b"Mai Tran en");
        assert_eq!(made.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_failed_make_is_not_kept() {
        let downloads = ReceiptDownloads::default();
        let failed = downloads
            .pdf(doc("Mai", Lang::En), |_| async {
                Err(AppError::Internal(anyhow::anyhow!("no font")))
            })
            .await;
        assert!(failed.is_err());
        let made = AtomicUsize::new(0);
        let pdf = downloads
            .pdf(doc("Mai", Lang::En), counting(&made))
            .await
            .unwrap();
        assert_eq!((&*pdf, made.load(Ordering::SeqCst)), (&b"Mai en"[..], 1));
    }
}
