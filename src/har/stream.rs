//! Writing a trace too big to hold: `wwe-trace convert` and `redact` read
//! their input again instead of keeping its records, so memory does not
//! grow with the messages (only with what pairing still waits for, and a
//! few bytes a message for HAR's entries).
//!
//! The same file as [`super::export_to`] writes from a session that holds
//! every record, byte for byte, in passes over the input ([`Pass`]):
//!
//! 1. **Pairing** (only when a rule needs it, [`Rules::needs_pairing`]):
//!    a lean session learns which replies answer a token request.
//! 2. **Redacting**: each record is redacted and written: to the output
//!    for JSON Lines; for a HAR, to a spill file of redacted records, while
//!    a lean session of them learns the exchanges, findings and pages.
//! 3. **Entries** and 4. **Messages** (HAR only): the spill is read twice,
//!    once for `entries` and once for `_wweMessages`.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, BufWriter, ErrorKind, Read, Seek, SeekFrom, Write};

use super::export::{in_har_range, write_planned, Facts, HarOptions, PageTracker, Plan, Records};
use super::{dates_clamped, history_left_out, Format, JsonlReader};
use crate::decode::decode;
use crate::options::Options;
use crate::record::Record;
use crate::redact::{self, redact_record, Hit, Rules, Summarizer, Summary, TokenReplies};
use crate::session::{Session, REQUEST_TIMEOUT_MS};

/// A pass over a trace's records (for progress).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Pairing requests with replies, to know the token replies.
    Pairing,
    /// Redacting each record and writing it (for a HAR, to the spill).
    Redacting,
    /// Writing a HAR's entries from the spill.
    Entries,
    /// Writing a HAR's `_wweMessages` from the spill.
    Messages,
}

impl Pass {
    /// What the pass does, for a progress line: `"pairing"`,
    /// `"redacting"`, `"entries"` or `"messages"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Pass::Pairing => "pairing",
            Pass::Redacting => "redacting",
            Pass::Entries => "entries",
            Pass::Messages => "messages",
        }
    }
}

/// A trace's records, read again from the start each time.
pub trait Replay {
    /// What reading fails with.
    type Error: From<std::io::Error>;
    /// Calls `each` with every record, in the same order every time,
    /// stopping at its first error (which it returns, converted).
    fn replay(&mut self, pass: Pass, each: &mut dyn FnMut(Record) -> std::io::Result<()>) -> Result<(), Self::Error>;
}

/// What [`export_replayed`] wrote besides the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Streamed {
    /// What this export redacted, per rule (the file's own history is not
    /// in it).
    pub redactions: Vec<Summary>,
    /// What the user should know about the file, as in
    /// [`super::Exported::notes`].
    pub notes: Vec<String>,
    /// How many records were written.
    pub records: u64,
}

/// How [`export_replayed`] writes.
#[derive(Clone)]
pub struct StreamOptions<'a> {
    /// The rules to redact by.
    pub rules: &'a Rules,
    /// HAR or JSON Lines.
    pub format: Format,
    /// Indent a HAR.
    pub pretty: bool,
    /// The redaction history read with the trace ([`super::Trace::redactions`]).
    pub history: &'a [Summary],
    /// WWE's options, to check requests against (HAR findings).
    pub options: Option<Options>,
    /// The token replies, when the caller already paired the trace (see
    /// [`TokenReplies::of`]): saves the pairing pass.
    pub token_replies: Option<TokenReplies>,
    /// Told how far the passes over the spill are (`Pass::Entries` and
    /// `Pass::Messages`: bytes read, bytes in all) every few megabytes; the
    /// source's own passes are the source's to show.
    pub progress: Option<&'a dyn Fn(Pass, u64, u64)>,
}

/// Redacts a trace's records one at a time, in order, as [`redact::redact`]
/// redacts a session of them.
struct RecordRedactor<'r> {
    rules: &'r Rules,
    token_replies: TokenReplies,
    /// The next record's position.
    index: usize,
    /// The latest record time so far.
    latest: f64,
}

impl RecordRedactor<'_> {
    /// The next record, redacted; what was redacted is added to `hits`.
    fn next(&mut self, mut r: Record, hits: &mut Vec<Hit>) -> Record {
        // As a session keeps a record whose time is not a number.
        if !r.time.is_finite() {
            r.time = if self.latest.is_finite() { self.latest } else { 0.0 };
        }
        self.latest = self.latest.max(r.time);
        let index = self.index;
        self.index += 1;
        let is_reply = || decode(&r.data).message.is_reply();
        redact_record(&r, index, is_reply, self.rules, &self.token_replies, hits).unwrap_or(r)
    }
}

/// The token replies for `rules`: `known`, or learnt in a pairing pass
/// over `source` when the rules need them.
fn token_replies<S: Replay>(source: &mut S, rules: &Rules, known: Option<TokenReplies>) -> Result<TokenReplies, S::Error> {
    if !rules.needs_pairing() {
        return Ok(TokenReplies::default());
    }
    if let Some(known) = known {
        return Ok(known);
    }
    let mut pairing = Session::lean();
    source.replay(Pass::Pairing, &mut |r| {
        pairing.push(r);
        Ok(())
    })?;
    if let Some(t) = pairing.latest_time() {
        pairing.advance_to(t + REQUEST_TIMEOUT_MS);
    }
    Ok(TokenReplies::of(&pairing, rules))
}

/// What the rules would redact in the records `source` gives, hit by hit
/// in order, as [`redact::preview`] says of a session of them.
///
/// # Errors
///
/// What reading `source`, or `each`, fails with.
pub fn preview_replayed<S: Replay>(
    source: &mut S,
    rules: &Rules,
    known: Option<TokenReplies>,
    each: &mut dyn FnMut(&Hit) -> std::io::Result<()>,
) -> Result<(), S::Error> {
    let token_replies = token_replies(source, rules, known)?;
    let mut redactor = RecordRedactor { rules, token_replies, index: 0, latest: f64::NEG_INFINITY };
    let mut hits = Vec::new();
    source.replay(Pass::Redacting, &mut |r| {
        redactor.next(r, &mut hits);
        hits.drain(..).try_for_each(|h| each(&h))
    })
}

/// Writes the records `source` gives as [`super::export_to`] writes a
/// session of them (read with `options` and judged 10 s after its last
/// record), without holding them: see the module documentation. A HAR's
/// redacted records go through a spill file that `spill` makes (an empty
/// temporary file, written once, then read twice); JSON Lines makes none.
///
/// # Errors
///
/// What reading `source`, making, writing or reading the spill, or
/// writing `out` fails with; what was written by then is incomplete.
pub fn export_replayed<S, F, W>(
    source: &mut S,
    spill: &mut dyn FnMut() -> std::io::Result<F>,
    how: &StreamOptions<'_>,
    mut out: W,
) -> Result<Streamed, S::Error>
where
    S: Replay,
    F: Read + Write + Seek,
    W: Write,
{
    let rules = how.rules;
    let token_replies = token_replies(source, rules, how.token_replies.clone())?;
    let har = how.format == Format::Har;
    let mut summarizer = Summarizer::default();
    let mut hits = Vec::new();
    let mut redactor = RecordRedactor { rules, token_replies, index: 0, latest: f64::NEG_INFINITY };
    let mut outside = 0u64;
    // For a HAR: what its entries and pages need.
    let mut session = Session::lean_retiring();
    session.set_options(how.options.clone());
    let mut facts: Vec<Facts> = Vec::new();
    let mut pages = PageTracker::default();
    // The pages of the messages the session still holds, oldest first.
    let mut held_pages: VecDeque<usize> = VecDeque::new();
    let mut spilled = if har { Some(BufWriter::with_capacity(1 << 20, spill()?)) } else { None };
    source.replay(Pass::Redacting, &mut |r| {
        let r = redactor.next(r, &mut hits);
        for hit in hits.drain(..) {
            summarizer.add(&hit);
        }
        if !har {
            serde_json::to_writer(&mut out, &r)?;
            return out.write_all(b"\n");
        }
        if !in_har_range(r.time) {
            outside += 1;
        }
        let spill = spilled.as_mut().expect("made for a HAR");
        serde_json::to_writer(&mut *spill, &r)?;
        spill.write_all(b"\n")?;
        held_pages.push_back(pages.page_of(&r));
        session.push(r);
        for m in session.take_retired() {
            facts.push(Facts::of(&m, held_pages.pop_front().expect("a page per message")));
        }
        Ok(())
    })?;
    let redactions = summarizer.finish();
    let mut notes = Vec::new();
    if !har && !how.history.is_empty() {
        notes.push(history_left_out(how.history));
    }
    if !har {
        return Ok(Streamed { redactions, notes, records: redactor.index as u64 });
    }
    if outside > 0 {
        notes.push(dates_clamped(outside));
    }
    if redactor.latest.is_finite() {
        session.advance_to(redactor.latest + REQUEST_TIMEOUT_MS);
    }
    for m in session.take_retired().iter().chain(session.messages()) {
        facts.push(Facts::of(m, held_pages.pop_front().expect("a page per message")));
    }
    let mut file = spilled.expect("made for a HAR").into_inner().map_err(std::io::IntoInnerError::into_error)?;
    let plan = Plan { exchanges: session.exchanges(), findings: session.findings(), facts, pages: pages.finish() };
    let history = redact::merge(how.history, &redactions);
    let options = HarOptions { pretty: how.pretty, redactions: &history, ..HarOptions::default() };
    let len = file.stream_position()?;
    write_planned(&plan, &mut Spilled { file: &mut file, len, reads: 0, progress: how.progress }, &options, out)?;
    Ok(Streamed { redactions, notes, records: redactor.index as u64 })
}

/// The spill file as the HAR writer's records: JSON Lines of the
/// redacted records, of which only the lines wanted are parsed.
struct Spilled<'f, F> {
    file: &'f mut F,
    /// Its length in bytes.
    len: u64,
    /// How many times it was read: first for the entries, then for the
    /// messages.
    reads: u8,
    progress: Option<&'f dyn Fn(Pass, u64, u64)>,
}

impl<F: Read + Seek> Records<'static> for Spilled<'_, F> {
    type Error = std::io::Error;

    fn each(
        &mut self,
        want: &dyn Fn(usize) -> bool,
        each: &mut dyn FnMut(usize, Cow<'static, Record>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let pass = if self.reads == 0 { Pass::Entries } else { Pass::Messages };
        self.reads += 1;
        let tell = |done| self.progress.map_or((), |p| p(pass, done, self.len));
        self.file.seek(SeekFrom::Start(0))?;
        let mut input = BufReader::with_capacity(1 << 20, &mut *self.file);
        let mut line = Vec::new();
        let mut reader = JsonlReader::new(true);
        let mut done = 0u64;
        tell(0);
        for i in 0.. {
            line.clear();
            let n = input.read_until(b'\n', &mut line)? as u64;
            if n == 0 {
                tell(done);
                return Ok(());
            }
            if (done + n) >> 22 != done >> 22 {
                tell(done + n);
            }
            done += n;
            if !want(i) {
                continue;
            }
            let bad = |what: String| {
                std::io::Error::new(ErrorKind::InvalidData, format!("the spill file of redacted records, line {}: {what}", i + 1))
            };
            let text = std::str::from_utf8(&line).map_err(|e| bad(e.to_string()))?;
            match reader.line(text.strip_suffix('\n').unwrap_or(text)) {
                Ok(Some(r)) => each(i, Cow::Owned(r))?,
                Ok(None) => return Err(bad("not a record".to_owned())),
                Err(e) => return Err(bad(e.to_string())),
            }
        }
        Ok(())
    }
}
