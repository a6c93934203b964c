//! Reading back a `.eml` file of the local outbox (the staff outbox viewer): headers
//! (unfolded, RFC 2047 words decoded), the plain-text part and the HTML part, decoded
//! from 7bit, quoted-printable or base64. Enough for the messages we write ourselves
//! (`build_message`); not a general MIME parser.

/// A message read back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedEmail {
    /// Headers in order: (name, decoded value).
    pub headers: Vec<(String, String)>,
    pub text: Option<String>,
    pub html: Option<String>,
}

impl ParsedEmail {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `raw` (CRLF or LF line ends).
pub fn parse(raw: &str) -> ParsedEmail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let headers = parse_headers(head);
    let mut out = ParsedEmail {
        headers: headers.clone(),
        ..Default::default()
    };
    collect_parts(&headers, body, &mut out, 0);
    out
}

fn parse_headers(head: &str) -> Vec<(String, String)> {
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    unfolded
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_string(), decode_words(v.trim())))
        })
        .collect()
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn collect_parts(headers: &[(String, String)], body: &str, out: &mut ParsedEmail, depth: u8) {
    let content_type = find(headers, "Content-Type")
        .unwrap_or("text/plain")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/") && depth < 4 {
        let original = find(headers, "Content-Type").unwrap_or_default();
        let Some(boundary) = original
            .split(';')
            .find_map(|p| p.trim().strip_prefix("boundary="))
            .map(|b| b.trim_matches('"').to_string())
        else {
            return;
        };
        for part in body.split(&format!("--{boundary}")).skip(1) {
            if part.starts_with("--") {
                break;
            }
            let part = part.trim_start_matches('\n');
            let (head, body) = part.split_once("\n\n").unwrap_or((part, ""));
            collect_parts(&parse_headers(head), body, out, depth + 1);
        }
        return;
    }
    let encoding = find(headers, "Content-Transfer-Encoding")
        .unwrap_or("7bit")
        .to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "base64" => base64(body),
        "quoted-printable" => quoted_printable(body, false),
        _ => body.as_bytes().to_vec(),
    };
    let text = String::from_utf8_lossy(&bytes)
        .replace("\r\n", "\n")
        .trim_end()
        .to_string();
    if content_type.starts_with("text/html") {
        out.html.get_or_insert(text);
    } else if content_type.starts_with("text/plain") {
        out.text.get_or_insert(text);
    }
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`); whitespace between two
/// encoded words is dropped.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, after) = rest.split_at(start);
        let decoded = (|| {
            let inner = &after[2..];
            let (_charset, inner) = inner.split_once('?')?;
            let (enc, inner) = inner.split_once('?')?;
            let end = inner.find("?=")?;
            let text = &inner[..end];
            let bytes = match enc.to_ascii_lowercase().as_str() {
                "b" => base64(text),
                "q" => quoted_printable(text, true),
                _ => return None,
            };
            Some((
                String::from_utf8_lossy(&bytes).into_owned(),
                &inner[end + 2..],
            ))
        })();
        match decoded {
            Some((text, tail)) => {
                if !(last_was_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&text);
                rest = tail;
                last_was_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = &after[2..];
                last_was_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

fn base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else {
            continue; // whitespace and padding
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn quoted_printable(text: &str, header: bool) -> Vec<u8> {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if i + 3 <= bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'=');
                        i += 1;
                    }
                }
            }
            b'_' if header => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::{build_message_with, Email};

    #[test]
    fn reads_back_what_build_message_writes() {
        let email = Email {
            to: "lan@example.com".into(),
            subject: "【ご回答のお願い】調査 2027".into(),
            text: "東京部品 様\n\nhttp://localhost/r/abc\n".into(),
            html: Some("<p>こんにちは</p>".into()),
        };
        let from = "HRDD Survey <no-reply@example.com>".parse().unwrap();
        let message =
            build_message_with(uuid::Uuid::nil(), &from, &email, Some("owner@example.com"))
                .unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        let parsed = parse(&raw);
        assert_eq!(
            parsed.header("Subject"),
            Some("【ご回答のお願い】調査 2027")
        );
        assert_eq!(parsed.header("reply-to"), Some("owner@example.com"));
        assert_eq!(
            parsed.text.as_deref(),
            Some("東京部品 様\n\nhttp://localhost/r/abc")
        );
        assert_eq!(parsed.html.as_deref(), Some("<p>こんにちは</p>"));
    }

    #[test]
    fn quoted_printable_and_plain_words() {
        assert_eq!(decode_words("=?utf-8?q?caf=C3=A9_ok?= x"), "café ok x");
        assert_eq!(decode_words("plain"), "plain");
        assert_eq!(decode_words("=?utf-8?b?44GC?= =?utf-8?b?44GE?="), "あい");
        assert_eq!(quoted_printable("a=3Db=\nc=", false), b"a=bc=".to_vec());
    }
}
