//! Reading a HAR from a byte stream without holding its text: the file is
//! scanned, each value the trace needs (`log.creator`, `_wweFormat`,
//! `_wweRedactions`, and each of `_wweMessages`) and each element of the
//! values it skips (`entries`, ...) is cut out and parsed on its own, and
//! records go to the caller one at a time. Memory is one message (or
//! entry), not the file.
//!
//! It gives exactly what [`super::import_har_each`] gives for the same
//! text. Anything unusual (a syntax error, a message too deep for
//! serde_json's own limit, an escaped key, bytes that are not UTF-8) stops
//! the scan, and the whole text is read the usual way, skipping the records
//! already given: errors are then said as they always are, with line and
//! column, and only such a file costs its size in memory.

use std::io::BufRead;

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::import::{finish, import_har_after, Creator, LogHead, WireMessage};
use super::Trace;
use crate::record::Record;
use crate::redact::Summary;
use crate::Error;

/// Reads a HAR from `input` like [`super::import_har_each`] reads its
/// text, holding one message at a time. When the scan meets anything
/// unusual, `text` is asked for the whole file's text (read again), which
/// is then read the usual way.
///
/// # Errors
///
/// The outer error is what reading `input` or `text` fails with; the inner
/// one says what is wrong with the file, as [`super::import_har_each`].
pub fn import_har_reader<R: BufRead>(
    input: R,
    text: &mut dyn FnMut() -> std::io::Result<String>,
    each: &mut dyn FnMut(Record),
) -> std::io::Result<Result<Trace, Error>> {
    let mut scan = Scanner { input, given: 0, value: Vec::new(), stack: Vec::new() };
    match scan.file(each)? {
        Some(log) => Ok(finish(log)),
        None => {
            let given = scan.given;
            drop(scan);
            Ok(import_har_after(&text()?, given, each))
        }
    }
}

/// A HAR scanned from a byte stream.
struct Scanner<R> {
    input: R,
    /// Records given so far.
    given: usize,
    /// The value being cut out.
    value: Vec<u8>,
    /// The closing brackets of the containers open in `value`.
    stack: Vec<u8>,
}

/// `Ok(None)`: something unusual, read the text instead.
type Scan<T> = std::io::Result<Option<T>>;

/// Stops the scan for the usual reading when `$e` is `None`.
macro_rules! usual {
    ($e:expr) => {
        match $e {
            Some(v) => v,
            None => return Ok(None),
        }
    };
}

impl<R: BufRead> Scanner<R> {
    /// The next byte after white space, not consumed; `None` at the end.
    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            let ws = buf.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')).count();
            if ws < buf.len() {
                let b = buf[ws];
                self.input.consume(ws);
                return Ok(Some(b));
            }
            let n = buf.len();
            self.input.consume(n);
        }
    }

    /// Consumes `b` after white space, or says it is not there.
    fn expect(&mut self, b: u8) -> Scan<()> {
        if self.peek()? != Some(b) {
            return Ok(None);
        }
        self.input.consume(1);
        Ok(Some(()))
    }

    /// The file: `{"log": {...}, ...}`; `Some(None)` for a file without
    /// `log` (or with `"log": null`).
    fn file(&mut self, each: &mut dyn FnMut(Record)) -> Scan<Option<LogHead>> {
        // A byte-order mark is not part of the JSON.
        if self.input.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
            self.input.consume(3);
        }
        let mut log = None;
        usual!(self.expect(b'{')?);
        // As the text is told from JSON Lines (`super::detect`): by a first
        // key `log`, written as such.
        if self.peek()? != Some(b'"') || !self.input.fill_buf()?.starts_with(b"\"log\"") {
            return Ok(None);
        }
        {
            loop {
                let key = usual!(self.key()?);
                if key == "log" {
                    log = usual!(self.log(each)?);
                } else {
                    usual!(self.skip()?);
                }
                match self.peek()? {
                    Some(b',') => self.input.consume(1),
                    Some(b'}') => {
                        self.input.consume(1);
                        break;
                    }
                    _ => return Ok(None),
                }
            }
        }
        // Nothing may follow.
        if self.peek()?.is_some() {
            return Ok(None);
        }
        Ok(Some(log))
    }

    /// An object key and its colon.
    fn key(&mut self) -> Scan<String> {
        if self.peek()? != Some(b'"') {
            return Ok(None);
        }
        usual!(self.cut()?);
        let key: String = usual!(serde_json::from_slice(&self.value).ok());
        usual!(self.expect(b':')?);
        Ok(Some(key))
    }

    /// `log`: an object or `null`.
    fn log(&mut self, each: &mut dyn FnMut(Record)) -> Scan<Option<LogHead>> {
        match self.peek()? {
            Some(b'n') => {
                usual!(self.cut()?);
                return Ok((self.value == b"null").then_some(None));
            }
            Some(b'{') => self.input.consume(1),
            _ => return Ok(None),
        }
        let mut head = LogHead::default();
        if self.peek()? == Some(b'}') {
            self.input.consume(1);
            return Ok(Some(Some(head)));
        }
        loop {
            let key = usual!(self.key()?);
            match key.as_str() {
                "creator" => head.creator = usual!(self.parse::<Option<Creator>>()?),
                "_wweFormat" => head.format = usual!(self.parse::<Option<u64>>()?),
                "_wweRedactions" => head.redactions = usual!(self.parse::<Vec<Summary>>()?),
                "_wweMessages" => head.messages = usual!(self.messages(each)?),
                _ => usual!(self.skip()?),
            }
            match self.peek()? {
                Some(b',') => self.input.consume(1),
                Some(b'}') => {
                    self.input.consume(1);
                    return Ok(Some(Some(head)));
                }
                _ => return Ok(None),
            }
        }
    }

    /// `_wweMessages`: each message's record to `each`; whether it is there
    /// (not `null`).
    fn messages(&mut self, each: &mut dyn FnMut(Record)) -> Scan<bool> {
        if self.peek()? == Some(b'n') {
            usual!(self.cut()?);
            return Ok((self.value == b"null").then_some(false));
        }
        let mut given = 0;
        let read = self.elements(&mut |value| {
            // Integers beyond 64 bits keep their digits, as in the text.
            let text = std::str::from_utf8(value).ok()?;
            let message: WireMessage = serde_json::from_str(&crate::bignum::protect(text)).ok()?;
            given += 1;
            each(message.record());
            Some(())
        });
        // Counted also when the scan stops: the text's reading skips them.
        self.given += given;
        Ok(read?.map(|()| true))
    }

    /// An array, each element cut out and given to `element` (`None`
    /// from it: unusual).
    fn elements(&mut self, element: &mut dyn FnMut(&[u8]) -> Option<()>) -> Scan<()> {
        usual!(self.expect(b'[')?);
        if self.peek()? == Some(b']') {
            self.input.consume(1);
            return Ok(Some(()));
        }
        loop {
            usual!(self.cut()?);
            usual!(element(&self.value));
            usual!(self.after_element()?);
            if self.peek()? == Some(b']') {
                self.input.consume(1);
                return Ok(Some(()));
            }
        }
    }

    /// After an element: `,` (consumed) before the next, or `]` (left).
    fn after_element(&mut self) -> Scan<()> {
        match self.peek()? {
            Some(b',') => {
                self.input.consume(1);
                // JSON allows no `]` after a comma.
                Ok((self.peek()? != Some(b']')).then_some(()))
            }
            Some(b']') => Ok(Some(())),
            _ => Ok(None),
        }
    }

    /// A value the trace does not need, checked to be JSON: an array an
    /// element at a time (`entries` may be most of the file).
    fn skip(&mut self) -> Scan<()> {
        let json = |value: &[u8]| serde_json::from_slice::<IgnoredAny>(value).ok().map(|_| ());
        if self.peek()? == Some(b'[') {
            return self.elements(&mut |value| json(value));
        }
        usual!(self.cut()?);
        Ok(json(&self.value))
    }

    /// The next value, parsed as a `T`.
    fn parse<T: for<'de> Deserialize<'de>>(&mut self) -> Scan<T> {
        usual!(self.cut()?);
        Ok(serde_json::from_slice(&self.value).ok())
    }

    /// Cuts the next value out of the stream into `value`: a string, an
    /// array or object (brackets matched, strings skipped), or a scalar up
    /// to the next delimiter. Whether it is JSON is for the parse to say.
    fn cut(&mut self) -> Scan<()> {
        self.value.clear();
        self.stack.clear();
        let Some(first) = self.peek()? else { return Ok(None) };
        let scalar = !matches!(first, b'"' | b'{' | b'[');
        let (mut in_string, mut escaped) = (false, false);
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                // A scalar may end the file; anything else is cut short.
                return Ok((scalar && !self.value.is_empty()).then_some(()));
            }
            let mut used = 0;
            let mut done = false;
            for &b in buf {
                if scalar {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        done = true;
                        break;
                    }
                    used += 1;
                    continue;
                }
                used += 1;
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if self.stack.is_empty() {
                            done = true;
                            break;
                        }
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' => self.stack.push(b'}'),
                    b'[' => self.stack.push(b']'),
                    b'}' | b']' => {
                        if self.stack.pop() != Some(b) {
                            return Ok(None);
                        }
                        if self.stack.is_empty() {
                            done = true;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            self.value.extend_from_slice(&buf[..used]);
            self.input.consume(used);
            if done {
                return Ok(Some(()));
            }
        }
    }
}
