//! What an evidence file is, decided from its bytes (magic numbers, with the `infer`
//! crate), never from its name: a renamed program or web page is refused whatever it is
//! called, and a picture named `.pdf` is stored and served as the picture it is.
//!
//! Accepted: PDF; PNG, JPEG, WebP and HEIF/HEIC pictures (what phones take); Word,
//! Excel and PowerPoint files, old (OLE2) and new (OOXML: a zip whose entries say which
//! it is), and OpenDocument text and spreadsheets. A plain zip is refused: its content
//! is unknown. Plain text has no magic number: a file without one is accepted as
//! `.txt`/`.csv` only when its name says so and its bytes are text (no control
//! characters, not starting with `<` (markup), `#!` (a script), `MZ` or `\x7fELF` (programs too short
//! for `infer`)).

use super::i18n::Msg;

/// The accepted types: (content type, file extension).
const ACCEPTED: [(&str, &str); 15] = [
    ("application/pdf", "pdf"),
    ("image/png", "png"),
    ("image/jpeg", "jpg"),
    ("image/webp", "webp"),
    ("image/heif", "heic"),
    ("application/msword", "doc"),
    ("application/vnd.ms-excel", "xls"),
    ("application/vnd.ms-powerpoint", "ppt"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
    ),
    ("application/vnd.oasis.opendocument.text", "odt"),
    ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
    ("text/plain", "txt"),
    ("text/csv", "csv"),
];

/// Extensions that name the same type as the accepted one.
const SYNONYMS: [(&str, &str); 3] = [("jpeg", "jpg"), ("heif", "heic"), ("jpe", "jpg")];

/// An accepted file's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvidenceType {
    pub content_type: &'static str,
    pub extension: &'static str,
}

/// The type of a file from its bytes (and, for plain text only, its name), or why it is
/// refused.
pub fn sniff(file_name: &str, bytes: &[u8]) -> Result<EvidenceType, Msg> {
    if bytes.is_empty() {
        return Err(Msg::FileTypeNotAllowed);
    }
    let accepted = |mime: &str| {
        ACCEPTED
            .iter()
            .find(|(m, _)| *m == mime)
            .map(|&(content_type, extension)| EvidenceType {
                content_type,
                extension,
            })
    };
    if let Some(kind) = infer::get(bytes) {
        let mime = kind.mime_type();
        // A zip is an Office file when its entries say so: `infer` looks at the first
        // entries only (LibreOffice orders them otherwise) and trusts a `word/` folder.
        let mime =
            match mime.starts_with("application/vnd.openxmlformats") || mime == "application/zip" {
                true => ooxml_kind(bytes).unwrap_or("application/zip"),
                false => mime,
            };
        if let Some(t) = accepted(mime) {
            return Ok(t);
        }
        return Err(match (kind.matcher_type(), kind.mime_type()) {
            (infer::MatcherType::App, _) | (_, "text/x-shellscript") => Msg::FileIsProgram,
            (_, "text/html" | "text/xml") => Msg::FileIsWebPage,
            _ => Msg::FileTypeNotAllowed,
        });
    }
    // No magic number: plain text, when the name says so and the bytes agree.
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = start.trim_ascii_start();
    if start.starts_with(b"<") {
        return Err(Msg::FileIsWebPage);
    }
    if start.starts_with(b"#!") || start.starts_with(b"MZ") || start.starts_with(b"\x7fELF") {
        return Err(Msg::FileIsProgram);
    }
    let is_text = !bytes
        .iter()
        .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)) || b == 0x7f);
    match extension(file_name).as_deref() {
        Some("txt") if is_text => Ok(accepted("text/plain").expect("listed")),
        Some("csv") if is_text => Ok(accepted("text/csv").expect("listed")),
        _ => Err(Msg::FileTypeNotAllowed),
    }
}

/// The OOXML type of a zip from its entries' names: `[Content_Types].xml` and a
/// `word/`, `xl/` or `ppt/` folder.
fn ooxml_kind(bytes: &[u8]) -> Option<&'static str> {
    let mut names = Vec::new();
    let mut at = 0;
    while let Some(i) = bytes[at..].windows(4).position(|w| w == b"PK\x03\x04") {
        let header = at + i;
        let len = bytes
            .get(header + 26..header + 28)
            .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))?;
        if let Some(name) = bytes.get(header + 30..header + 30 + len) {
            names.push(name);
        }
        at = header + 4;
    }
    if !names.iter().any(|n| *n == b"[Content_Types].xml") {
        return None;
    }
    let has = |prefix: &[u8]| names.iter().any(|n| n.starts_with(prefix));
    if has(b"word/") {
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    } else if has(b"xl/") {
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else if has(b"ppt/") {
        Some("application/vnd.openxmlformats-officedocument.presentationml.presentation")
    } else {
        None
    }
}

/// The file's extension, lower-case, with synonyms mapped (`jpeg` → `jpg`).
fn extension(file_name: &str) -> Option<String> {
    let ext = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(
        SYNONYMS
            .iter()
            .find(|(s, _)| *s == ext)
            .map(|(_, e)| e.to_string())
            .unwrap_or(ext),
    )
}

/// The name a file is kept under: its own, with the extension of the type it really is
/// when the name says otherwise (`scan.pdf` holding a PNG becomes `scan.png`), so that
/// a download opens in the right program.
pub fn stored_name(file_name: &str, kind: EvidenceType) -> String {
    if extension(file_name).as_deref() == Some(kind.extension) {
        return file_name.to_string();
    }
    let stem = match file_name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => file_name,
    };
    format!("{stem}.{}", kind.extension)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
    const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x80\0\0\0PE\0\0L\x01";
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0";

    #[test]
    fn the_bytes_decide_not_the_name() {
        assert_eq!(
            sniff("report.pdf", PDF).unwrap().content_type,
            "application/pdf"
        );
        assert_eq!(sniff("report.pdf", PNG).unwrap().content_type, "image/png");
        assert_eq!(sniff("photo", PNG).unwrap().content_type, "image/png");
        assert_eq!(sniff("photo.png", PDF).unwrap().extension, "pdf");
    }

    #[test]
    fn programs_are_refused_whatever_they_are_called() {
        for name in ["policy.pdf", "wages.xlsx", "notes.txt", "setup.exe"] {
            assert_eq!(sniff(name, EXE), Err(Msg::FileIsProgram), "{name}");
            assert_eq!(sniff(name, ELF), Err(Msg::FileIsProgram), "{name}");
        }
        assert_eq!(
            sniff("run.txt", b"#!/bin/sh\nrm -rf /\n"),
            Err(Msg::FileIsProgram)
        );
        assert_eq!(sniff("run.txt", b"MZ but short"), Err(Msg::FileIsProgram));
    }

    #[test]
    fn web_pages_are_refused_even_when_named_text() {
        let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>";
        for name in ["policy.pdf", "policy.txt", "page.html"] {
            assert_eq!(sniff(name, html), Err(Msg::FileIsWebPage), "{name}");
        }
        assert_eq!(
            sniff("x.txt", b"\xEF\xBB\xBF  <svg onload=alert(1)>"),
            Err(Msg::FileIsWebPage)
        );
    }

    #[test]
    fn text_is_accepted_only_as_txt_or_csv() {
        assert_eq!(
            sniff("wages.csv", "名前,賃金\n山田,250000\n".as_bytes())
                .unwrap()
                .content_type,
            "text/csv"
        );
        // Shift_JIS bytes are text too.
        assert_eq!(
            sniff("wages.csv", b"\x96\xbc\x91\x4f,1\r\n")
                .unwrap()
                .extension,
            "csv"
        );
        assert_eq!(
            sniff("notes.TXT", b"Hello").unwrap().content_type,
            "text/plain"
        );
        assert_eq!(sniff("notes.pdf", b"Hello"), Err(Msg::FileTypeNotAllowed));
        assert_eq!(sniff("bin.txt", b"a\0b"), Err(Msg::FileTypeNotAllowed));
        assert_eq!(sniff("empty.pdf", b""), Err(Msg::FileTypeNotAllowed));
    }

    /// A zip with these entries (local headers only; enough for the sniffing).
    fn zip(names: &[&str]) -> Vec<u8> {
        let mut z = Vec::new();
        for name in names {
            let mut header = b"PK\x03\x04".to_vec();
            header.resize(26, 0);
            header.extend_from_slice(&(name.len() as u16).to_le_bytes());
            header.extend_from_slice(&[0, 0]);
            header.extend_from_slice(name.as_bytes());
            header.extend_from_slice(b"content");
            z.extend(header);
        }
        z
    }

    #[test]
    fn a_plain_zip_is_refused_office_files_are_not() {
        assert_eq!(
            sniff("wages.xlsx", &zip(&["evil.exe"])),
            Err(Msg::FileTypeNotAllowed)
        );
        assert_eq!(
            sniff(
                "policy.docx",
                &zip(&["word/document.xml", "[Content_Types].xml"])
            )
            .unwrap()
            .extension,
            "docx"
        );
        // LibreOffice's order: the type shows only in later entries.
        let xlsx = zip(&[
            "_rels/.rels",
            "docProps/app.xml",
            "docProps/core.xml",
            "[Content_Types].xml",
            "xl/workbook.xml",
        ]);
        assert_eq!(sniff("wages.xlsx", &xlsx).unwrap().extension, "xlsx");
        // A zip that only names an Office folder is not an Office file.
        assert_eq!(
            sniff("x.docx", &zip(&["word/evil.exe"])),
            Err(Msg::FileTypeNotAllowed)
        );
    }

    #[test]
    fn the_stored_name_gets_the_real_extension() {
        let png = sniff("x", PNG).unwrap();
        assert_eq!(stored_name("scan.pdf", png), "scan.png");
        assert_eq!(stored_name("scan.PNG", png), "scan.PNG");
        assert_eq!(stored_name("scan", png), "scan.png");
        assert_eq!(stored_name(".hidden", png), ".hidden.png");
        let jpg = EvidenceType {
            content_type: "image/jpeg",
            extension: "jpg",
        };
        assert_eq!(stored_name("photo.jpeg", jpg), "photo.jpeg");
    }
}
