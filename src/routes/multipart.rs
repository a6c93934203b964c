//! Multipart bodies read through a guard ([`Guarded`]), the one way every form with
//! files is read (respondent sections and clarifications, plan evidence, organisation
//! import).
//!
//! `actix-multipart` 0.7 searches its whole buffer again for the end of a line or of a
//! part's headers each time a chunk arrives, so a body that never brings them (garbage
//! before the first boundary, a header line that never ends) costs CPU time that grows
//! with the square of its size: 0.8 s for 16 MB, 4.3 s for 40 MB, measured. The guard
//! follows the framing the parser expects and stops such a body early, linear in its
//! size:
//! - the body starts with the boundary (browsers and HTTP clients send no preamble);
//! - a boundary line ends within [`MAX_BOUNDARY_LINE`] bytes;
//! - a part's headers end within [`MAX_PART_HEADERS`] bytes;
//! - the whole body stays within [`MAX_BODY_BYTES`] (a larger `Content-Length` is
//!   refused before anything is read);
//! - the client sends something at least every [`IDLE_TIMEOUT`] (a body trickled a
//!   byte at a time does not hold the request open).
//!
//! A guard error reaches the handler as the parser's error (the form is unreadable).

use crate::domain::answers::MAX_FORM_BYTES;
use crate::error::AppError;
use actix_multipart::Multipart;
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::Stream;
use memchr::memmem;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The largest body read: the largest form and room for its framing (part headers).
pub const MAX_BODY_BYTES: usize = MAX_FORM_BYTES + 256 * 1024;
/// The longest boundary line: `--`, a boundary (at most 70 characters, RFC 2046), an
/// optional closing `--`, spaces and the line break.
pub const MAX_BOUNDARY_LINE: usize = 256;
/// The longest header block of one part.
pub const MAX_PART_HEADERS: usize = 16 * 1024;
/// The longest wait for the next piece of a body.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A multipart body read through the guard; use it as a handler argument in place of
/// `Multipart` (`Guarded(payload): Guarded`).
pub struct Guarded(pub Multipart);

impl FromRequest for Guarded {
    type Error = actix_web::Error;
    type Future = Ready<Result<Guarded, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let boundary = req
            .mime_type()
            .ok()
            .flatten()
            .and_then(|m| m.get_param("boundary").map(|b| b.as_str().to_owned()));
        let declared = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let frame = Frame::new(boundary.as_deref(), declared);
        let stream = GuardStream {
            inner: payload.take(),
            frame,
            idle: Box::pin(tokio::time::sleep(IDLE_TIMEOUT)),
        };
        ready(Ok(Guarded(Multipart::new(req.headers(), stream))))
    }
}

/// Why a form could not be read, for the answer: a body over the limit is a 413, a
/// body the guard or the parser refused a 400 that says why.
pub fn unreadable(e: actix_multipart::MultipartError) -> AppError {
    use actix_multipart::MultipartError;
    match e {
        MultipartError::Payload(PayloadError::Overflow) => AppError::TooLarge(format!(
            "the form is larger than {} MB",
            MAX_FORM_BYTES / 1024 / 1024
        )),
        MultipartError::Payload(PayloadError::Io(why)) => {
            AppError::BadRequest(format!("unreadable form: {why}"))
        }
        other => AppError::BadRequest(format!("unreadable form: {other}")),
    }
}

/// The body's stream with the checks of [`Frame`] and the idle timeout.
struct GuardStream {
    inner: Payload,
    frame: Frame,
    idle: Pin<Box<tokio::time::Sleep>>,
}

impl Stream for GuardStream {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(refused) = this.frame.refused.take() {
            this.frame.failed = true;
            return Poll::Ready(Some(Err(refused)));
        }
        if this.frame.failed {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.idle
                    .as_mut()
                    .reset(tokio::time::Instant::now() + IDLE_TIMEOUT);
                match this.frame.feed(&chunk) {
                    Ok(()) => Poll::Ready(Some(Ok(chunk))),
                    Err(e) => {
                        this.frame.failed = true;
                        Poll::Ready(Some(Err(e)))
                    }
                }
            }
            Poll::Pending => match this.idle.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.frame.failed = true;
                    Poll::Ready(Some(Err(invalid(
                        "the form stopped arriving (nothing for 30 seconds)",
                    ))))
                }
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }
}

fn invalid(why: &'static str) -> PayloadError {
    PayloadError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, why))
}

/// Where the body is in the framing the parser reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// The first bytes, which must be `--boundary`; `n` of them seen.
    Start(usize),
    /// A boundary line, `n` bytes of it seen after the boundary.
    BoundaryLine(usize),
    /// A part's headers: `n` bytes seen (their last 3 kept in `carry`).
    Headers(usize),
    /// A part's content, up to the next `\r--boundary` or `\r\n--boundary`.
    Content,
    /// After the closing boundary, or a body without a boundary to follow: only the
    /// size is checked.
    Free,
}

/// The framing checks, fed one chunk at a time (pure: no I/O).
struct Frame {
    /// `--boundary`: the body starts with it, and it ends a part's content after a
    /// line break.
    dashed: Vec<u8>,
    at: At,
    /// The last bytes of the previous chunk that may start a delimiter or a header end
    /// split across chunks.
    carry: Vec<u8>,
    /// The first two bytes of the boundary line being read: `--` after the boundary
    /// makes it the closing one (`--boundary--`).
    line_head: Vec<u8>,
    total: u64,
    refused: Option<PayloadError>,
    failed: bool,
}

impl Frame {
    fn new(boundary: Option<&str>, declared_length: Option<u64>) -> Frame {
        let dashed = boundary.map(|b| [b"--", b.as_bytes()].concat());
        let refused = declared_length
            .filter(|&n| n > MAX_BODY_BYTES as u64)
            .map(|_| PayloadError::Overflow);
        Frame {
            at: if dashed.is_some() {
                At::Start(0)
            } else {
                At::Free
            },
            dashed: dashed.unwrap_or_default(),
            carry: Vec::new(),
            line_head: Vec::new(),
            total: 0,
            refused,
            failed: false,
        }
    }

    /// Checks the next chunk of the body.
    fn feed(&mut self, chunk: &[u8]) -> Result<(), PayloadError> {
        self.total += chunk.len() as u64;
        if self.total > MAX_BODY_BYTES as u64 {
            return Err(PayloadError::Overflow);
        }
        let mut rest = chunk;
        while !rest.is_empty() {
            rest = self.step(rest)?;
        }
        Ok(())
    }

    /// Reads what it can of `bytes` in the current state; returns what is left.
    fn step<'a>(&mut self, bytes: &'a [u8]) -> Result<&'a [u8], PayloadError> {
        match self.at {
            At::Start(seen) => {
                let opening = &self.dashed;
                let n = (opening.len() - seen).min(bytes.len());
                if bytes[..n] != opening[seen..seen + n] {
                    return Err(invalid("the form does not start with its boundary"));
                }
                self.at = if seen + n == opening.len() {
                    self.line_head.clear();
                    At::BoundaryLine(0)
                } else {
                    At::Start(seen + n)
                };
                Ok(&bytes[n..])
            }
            At::BoundaryLine(seen) => {
                let end = memchr::memchr(b'\n', bytes);
                let line = &bytes[..end.unwrap_or(bytes.len())];
                let head = 2usize.saturating_sub(self.line_head.len()).min(line.len());
                self.line_head.extend_from_slice(&line[..head]);
                match end {
                    Some(end) if seen + end < MAX_BOUNDARY_LINE => {
                        self.at = if self.line_head == b"--" {
                            At::Free
                        } else {
                            self.carry.clear();
                            At::Headers(0)
                        };
                        Ok(&bytes[end + 1..])
                    }
                    None if seen + bytes.len() < MAX_BOUNDARY_LINE => {
                        self.at = At::BoundaryLine(seen + bytes.len());
                        Ok(&[])
                    }
                    _ => Err(invalid("a boundary line of the form does not end")),
                }
            }
            At::Headers(seen) => {
                // The block ends at an empty line: `\r\n\r\n`, or `\r\n` at its start.
                let mut window = std::mem::take(&mut self.carry);
                let kept = window.len();
                let take = bytes.len().min(MAX_PART_HEADERS + 4);
                window.extend_from_slice(&bytes[..take]);
                let found = if seen == 0 && window.starts_with(b"\r\n") {
                    Some(2)
                } else {
                    memmem::find(&window, b"\r\n\r\n").map(|i| i + 4)
                };
                match found {
                    Some(end) if seen + end - kept <= MAX_PART_HEADERS => {
                        self.at = At::Content;
                        Ok(&bytes[end - kept..])
                    }
                    None if seen + take <= MAX_PART_HEADERS => {
                        let from = window.len().saturating_sub(3);
                        self.carry = window[from..].to_vec();
                        self.at = At::Headers(seen + take);
                        Ok(&bytes[take..])
                    }
                    _ => Err(invalid("the headers of a part of the form do not end")),
                }
            }
            At::Content => {
                // The parser ends a part's content at `--boundary` after `\r\n` or a
                // lone `\r`, then reads the rest of that line.
                let kept = self.carry.len();
                let mut window = std::mem::take(&mut self.carry);
                window.extend_from_slice(bytes);
                let p = self.dashed.len();
                let end = memmem::find_iter(&window, &self.dashed)
                    .filter(|&i| {
                        i + p > kept
                            && (window[..i].ends_with(b"\r") || window[..i].ends_with(b"\r\n"))
                    })
                    .map(|i| i + p)
                    .next();
                match end {
                    Some(end) => {
                        self.line_head.clear();
                        self.at = At::BoundaryLine(0);
                        Ok(&bytes[end - kept..])
                    }
                    None => {
                        // Enough to see a boundary that starts here, with its `\r\n`.
                        self.carry = window[window.len().saturating_sub(p + 1)..].to_vec();
                        Ok(&[])
                    }
                }
            }
            At::Free => Ok(&[]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 --XyZnot a boundary\n--XyZx\r\n--XyZ--\r\n";

    /// Feeds `body` split into chunks of `size` bytes.
    fn feed(body: &[u8], size: usize) -> Result<Frame, String> {
        let mut f = Frame::new(Some("XyZ"), None);
        for chunk in body.chunks(size) {
            f.feed(chunk).map_err(|e| e.to_string())?;
        }
        Ok(f)
    }

    #[test]
    fn a_well_formed_body_passes_however_it_is_split() {
        for size in 1..=BODY.len() {
            let f = feed(BODY, size).unwrap_or_else(|e| panic!("chunks of {size}: {e}"));
            assert_eq!(
                f.at,
                At::Free,
                "chunks of {size}: the closing boundary seen"
            );
        }
    }

    #[test]
    fn a_body_that_does_not_start_with_its_boundary_is_refused_at_once() {
        let garbage = vec![b'x'; 64];
        assert!(feed(&garbage, 64).is_err());
        assert!(feed(b"--XyQ\r\n", 3).is_err());
    }

    #[test]
    fn a_boundary_line_or_part_headers_that_never_end_are_refused_early() {
        let mut line = b"--XyZ".to_vec();
        line.extend(vec![b' '; MAX_BOUNDARY_LINE]);
        assert!(feed(&line, 17).is_err());
        let mut headers = b"--XyZ\r\nX-Pad: ".to_vec();
        headers.extend(vec![b'y'; MAX_PART_HEADERS]);
        let err = feed(&headers, 1000).err().expect("refused");
        assert!(err.contains("headers"), "{err}");
        // Refused once past the limit, not after the whole body.
        let mut f = Frame::new(Some("XyZ"), None);
        f.feed(b"--XyZ\r\nX-Pad: ").unwrap();
        let mut fed = 0;
        while f.feed(&[b'y'; 1000]).is_ok() {
            fed += 1000;
        }
        assert!(fed <= MAX_PART_HEADERS, "{fed}");
    }

    #[test]
    fn content_may_be_long_and_without_line_breaks() {
        let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n".to_vec();
        body.extend(vec![b'z'; 3 * MAX_PART_HEADERS]);
        body.extend_from_slice(b"\r\n--XyZ--\r\n");
        assert_eq!(feed(&body, 4096).unwrap().at, At::Free);
    }

    #[test]
    fn a_body_over_the_limit_is_refused_by_its_length_or_as_it_arrives() {
        let f = Frame::new(Some("XyZ"), Some(MAX_BODY_BYTES as u64 + 1));
        assert!(f.refused.is_some());
        assert!(Frame::new(Some("XyZ"), Some(1000)).refused.is_none());
        let mut f = Frame::new(None, None);
        assert!(f.feed(&vec![0; MAX_BODY_BYTES]).is_ok());
        assert!(f.feed(b"x").is_err());
    }
}
