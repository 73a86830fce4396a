//! The plain-HTTP/1.1 fast path: one keep-alive TCP connection, the request
//! serialised once per target, the response head parsed with `httparse` and
//! the body framed by `Content-Length`, chunked encoding or end of stream.
//!
//! A load generator spends its time in exactly this loop, so it does the
//! least work a correct HTTP/1.1 client can do: no per-request allocation,
//! no channel between a request handle and a connection task, one `write`
//! and usually one `read` per request (as wrk does). TLS and HTTP/2 keep
//! going through hyper.

use std::io;

use bytes::Bytes;
use http::{HeaderMap, Method, header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::conn::Answer;

/// Most response-head bytes accepted (headers included).
const MAX_HEAD: usize = 64 * 1024;
/// Most headers in a response head.
const MAX_HEADERS: usize = 64;
const READ_CHUNK: usize = 16 * 1024;
/// Largest response body accepted (1 GiB): a bigger `Content-Length` is a broken or hostile
/// answer, not a success, and so is a body streamed past it.
pub(crate) const MAX_BODY: u64 = 1 << 30;

fn too_large() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "response body over the limit")
}

/// Serialises a request once: request line, headers, body.
pub(crate) fn serialize(method: &Method, path: &str, headers: &HeaderMap, body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(64 + path.len() + body.len());
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let needs_length =
        !body.is_empty() || matches!(*method, Method::POST | Method::PUT | Method::PATCH);
    if needs_length && !headers.contains_key(header::CONTENT_LENGTH) {
        out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    Bytes::from(out)
}

/// How a response body ends.
enum Framing {
    Length(u64),
    Chunked,
    UntilClose,
}

/// One connection with its read buffer (`buf[start..end]` is unread).
pub(crate) struct RawConn {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Answers read on this connection.
    served: u64,
    /// Whether any byte of the current answer arrived.
    received: bool,
}

impl RawConn {
    pub(crate) fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            buf: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
            served: 0,
            received: false,
        }
    }

    /// Whether the last round trip failed on a kept-alive connection
    /// before any byte of its answer came: the server had closed the idle
    /// connection, and the request can go again on a new one.
    pub(crate) fn closed_while_idle(&self) -> bool {
        self.served > 0 && !self.received
    }

    /// Reads more bytes into the buffer; an orderly close is an error
    /// (`UnexpectedEof`) unless `eof_ok`, in which case it returns 0.
    async fn fill(&mut self, eof_ok: bool) -> io::Result<usize> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else if self.buf.len() < MAX_HEAD {
                self.buf.resize(self.buf.len() * 2, 0);
            } else {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "response head too large",
                ));
            }
        }
        let n = self.stream.read(&mut self.buf[self.end..]).await?;
        self.received |= n > 0;
        if n == 0 && !eof_ok {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.end += n;
        Ok(n)
    }

    /// Sends `wire` and reads the whole answer. Returns the answer and
    /// whether the connection can carry another request.
    pub(crate) async fn round_trip(
        &mut self,
        wire: &[u8],
        head_request: bool,
        keep_body: bool,
    ) -> io::Result<(Answer, bool)> {
        self.received = self.start < self.end;
        self.stream.write_all(wire).await?;
        let (status, framing, mut reusable) = loop {
            let parsed = {
                let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
                let mut resp = httparse::Response::new(&mut headers);
                match resp.parse(&self.buf[self.start..self.end]) {
                    Ok(httparse::Status::Complete(n)) => {
                        let status = resp.code.unwrap_or(0);
                        let (framing, close) = framing_of(resp.headers, resp.version)?;
                        Some((n, status, framing, close))
                    }
                    Ok(httparse::Status::Partial) => None,
                    Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
                }
            };
            match parsed {
                Some((n, status, framing, close)) => {
                    self.start += n;
                    // Interim answers (100 Continue) are followed by the real one.
                    if (100..200).contains(&status) && status != 101 {
                        continue;
                    }
                    let framing = if head_request || status == 204 || status == 304 {
                        Framing::Length(0)
                    } else {
                        framing
                    };
                    break (status, framing, !close);
                }
                None => {
                    self.fill(false).await?;
                }
            }
        };
        let mut answer = Answer {
            status,
            ..Answer::default()
        };
        match framing {
            Framing::Length(n) => self.read_exact_body(n, keep_body, &mut answer).await?,
            Framing::Chunked => self.read_chunked(keep_body, &mut answer).await?,
            Framing::UntilClose => {
                reusable = false;
                loop {
                    self.take(usize::MAX, keep_body, &mut answer);
                    if answer.bytes > MAX_BODY {
                        return Err(too_large());
                    }
                    if self.fill(true).await? == 0 {
                        break;
                    }
                }
            }
        }
        self.served += 1;
        Ok((answer, reusable))
    }

    /// Moves up to `max` buffered bytes into the answer; returns how many.
    fn take(&mut self, max: usize, keep_body: bool, answer: &mut Answer) -> usize {
        let n = (self.end - self.start).min(max);
        if keep_body {
            answer
                .body
                .extend_from_slice(&self.buf[self.start..self.start + n]);
        }
        answer.bytes += n as u64;
        self.start += n;
        n
    }

    async fn read_exact_body(
        &mut self,
        mut left: u64,
        keep_body: bool,
        answer: &mut Answer,
    ) -> io::Result<()> {
        loop {
            left -= self.take(
                usize::try_from(left).unwrap_or(usize::MAX),
                keep_body,
                answer,
            ) as u64;
            if left == 0 {
                return Ok(());
            }
            self.fill(false).await?;
        }
    }

    async fn read_chunked(&mut self, keep_body: bool, answer: &mut Answer) -> io::Result<()> {
        loop {
            let size = loop {
                match httparse::parse_chunk_size(&self.buf[self.start..self.end]) {
                    Ok(httparse::Status::Complete((n, size))) => {
                        self.start += n;
                        break size;
                    }
                    Ok(httparse::Status::Partial) => {
                        self.fill(false).await?;
                    }
                    Err(_) => {
                        return Err(io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"));
                    }
                }
            };
            if size == 0 {
                // Trailers (if any) end with an empty line.
                loop {
                    let rest = &self.buf[self.start..self.end];
                    if let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
                        self.start += i + 2;
                        if i == 0 {
                            return Ok(());
                        }
                    } else {
                        self.fill(false).await?;
                    }
                }
            }
            if answer.bytes.saturating_add(size) > MAX_BODY {
                return Err(too_large());
            }
            self.read_exact_body(size, keep_body, answer).await?;
            while self.end - self.start < 2 {
                self.fill(false).await?;
            }
            if &self.buf[self.start..self.start + 2] != b"\r\n" {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "chunk not followed by CRLF",
                ));
            }
            self.start += 2;
        }
    }
}

/// The body framing and whether the server closes the connection after it. A
/// `Content-Length` that is not a number, disagrees with another one or passes
/// [`MAX_BODY`] is an error (RFC 9112 §6.3: an invalid length is unrecoverable).
fn framing_of(
    headers: &[httparse::Header<'_>],
    version: Option<u8>,
) -> io::Result<(Framing, bool)> {
    let mut framing = Framing::UntilClose;
    let mut length: Option<u64> = None;
    let mut close = version == Some(0);
    for h in headers {
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(h.value)
                .ok()
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|&n| n <= MAX_BODY)
                .ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidData, "bad or absurd Content-Length")
                })?;
            if length.is_some_and(|l| l != n) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "conflicting Content-Length headers",
                ));
            }
            length = Some(n);
            if !matches!(framing, Framing::Chunked) {
                framing = Framing::Length(n);
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            if h.value
                .rsplit(|&b| b == b',')
                .next()
                .is_some_and(|v| v.trim_ascii().eq_ignore_ascii_case(b"chunked"))
            {
                framing = Framing::Chunked;
            }
        } else if h.name.eq_ignore_ascii_case("connection") {
            let v = h.value.trim_ascii();
            if v.eq_ignore_ascii_case(b"close") {
                close = true;
            } else if v.eq_ignore_ascii_case(b"keep-alive") {
                close = false;
            }
        }
    }
    Ok((framing, close))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    /// A one-connection server that answers each request with the next
    /// canned response, written in small pieces to exercise partial reads.
    async fn serve(responses: Vec<&'static [u8]>) -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            for r in responses {
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = s.read(&mut buf).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                }
                for piece in r.chunks(7) {
                    s.write_all(piece).await.unwrap();
                    s.flush().await.unwrap();
                    tokio::task::yield_now().await;
                }
            }
        });
        addr
    }

    #[tokio::test]
    async fn length_chunked_and_close_framings() {
        let addr = serve(vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n",
            b"HTTP/1.1 204 No Content\r\n\r\n",
            b"HTTP/1.0 500 Oops\r\n\r\nbye",
        ])
        .await;
        let mut c = RawConn::new(TcpStream::connect(addr).await.unwrap());
        let wire = serialize(&Method::GET, "/", &HeaderMap::new(), b"");
        let (a, reuse) = c.round_trip(&wire, false, true).await.unwrap();
        assert_eq!(
            (a.status, a.body.as_slice(), reuse),
            (200, &b"hello"[..], true)
        );
        let (a, reuse) = c.round_trip(&wire, false, true).await.unwrap();
        assert_eq!(
            (a.status, a.body.as_slice(), reuse),
            (404, &b"abcde"[..], true)
        );
        let (a, reuse) = c.round_trip(&wire, false, false).await.unwrap();
        assert_eq!((a.status, a.bytes, reuse), (204, 0, true));
        let (a, reuse) = c.round_trip(&wire, false, true).await.unwrap();
        assert_eq!(
            (a.status, a.body.as_slice(), reuse),
            (500, &b"bye"[..], false)
        );
    }

    #[tokio::test]
    async fn a_connection_closed_mid_answer_is_an_error() {
        let addr = serve(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort"]).await;
        let mut c = RawConn::new(TcpStream::connect(addr).await.unwrap());
        let wire = serialize(&Method::GET, "/", &HeaderMap::new(), b"");
        let err = c.round_trip(&wire, false, false).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn requests_are_serialised_with_a_length_for_bodies() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "a.test:8080".parse().unwrap());
        let wire = serialize(&Method::POST, "/x?y=1", &h, b"{}");
        assert_eq!(
            &wire[..],
            b"POST /x?y=1 HTTP/1.1\r\nhost: a.test:8080\r\ncontent-length: 2\r\n\r\n{}"
        );
        let wire = serialize(&Method::GET, "/", &h, b"");
        assert_eq!(&wire[..], b"GET / HTTP/1.1\r\nhost: a.test:8080\r\n\r\n");
    }
}
