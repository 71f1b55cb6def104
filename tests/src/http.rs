//! Just enough HTTP/1.1 to talk JSON to a local WebDriver server.
//!
//! One connection per request with `Connection: close`: the drivers are on
//! loopback, so connection reuse would buy nothing and cost a parser for
//! persistent connections.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result};

/// Sends one request and returns the status and the parsed JSON body
/// (`Value::Null` for an empty body).
pub(crate) fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
    timeout: Duration,
) -> Result<(u16, Value)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| Error::new(format!("connect to {addr}: {e}")))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(payload.as_bytes())?;
    stream.flush()?;

    // chromedriver answers `Connection: close` but keeps the socket open,
    // so the body is delimited by its length, never by EOF alone.
    let mut raw = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    let context = |e: std::io::Error| Error::new(format!("{method} {path}: reading the response: {e}"));
    let split = loop {
        if let Some(split) = find(&raw, b"\r\n\r\n") {
            break split;
        }
        let n = stream.read(&mut buf).map_err(context)?;
        if n == 0 {
            return Err(Error::new(format!("{method} {path}: connection closed before the response headers")));
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::new(format!("{method} {path}: no status in {head:?}")))?;
    let lower = head.to_ascii_lowercase();
    let length = header_value(&lower, "content-length").and_then(|v| v.parse::<usize>().ok());
    let chunked = header_value(&lower, "transfer-encoding").is_some_and(|v| v.contains("chunked"));
    loop {
        let complete = match (length, chunked) {
            (Some(len), _) => body.len() >= len,
            (None, true) => find(&body, b"0\r\n\r\n").is_some_and(|i| i == 0 || body[..i].ends_with(b"\r\n")),
            (None, false) => false,
        };
        if complete {
            break;
        }
        let n = stream.read(&mut buf).map_err(context)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    if let Some(len) = length {
        body.truncate(len);
    } else if chunked {
        body = dechunk(&body)?;
    }
    let value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            Error::new(format!(
                "{method} {path}: response is not JSON ({e}): {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            ))
        })?
    };
    Ok((status, value))
}

fn header_value<'a>(lower_head: &'a str, name: &str) -> Option<&'a str> {
    lower_head.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == name).then(|| v.trim())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = find(body, b"\r\n").ok_or_else(|| Error::new("bad chunked body"))?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| Error::new(format!("bad chunk size {size_text:?}")))?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if body.len() < size {
            return Err(Error::new("truncated chunked body"));
        }
        out.extend_from_slice(&body[..size]);
        body = body.get(size + 2..).unwrap_or(&[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dechunks() {
        assert_eq!(dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n").unwrap(), b"abcde");
    }
}
