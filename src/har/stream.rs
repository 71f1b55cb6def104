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
use std::io::Write;

use super::export::{in_har_range, write_planned, Facts, HarOptions, PageTracker, Plan, Records};
use super::{dates_clamped, history_left_out, Format};
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
    /// `"redacting"`, `"writing entries"` or `"writing messages"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Pass::Pairing => "pairing",
            Pass::Redacting => "redacting",
            Pass::Entries => "writing entries",
            Pass::Messages => "writing messages",
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
#[derive(Debug, Clone)]
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
        let is_reply = self.rules.needs_pairing() && decode(&r.data).message.is_reply();
        let index = self.index;
        self.index += 1;
        redact_record(&r, index, is_reply, self.rules, &self.token_replies, hits).unwrap_or(r)
    }
}

/// The token replies for `rules`: `known`, or learnt in a pairing pass
/// over `source` when the rules need them.
fn token_replies<S: Replay>(source: &mut S, rules: &Rules, known: Option<TokenReplies>) -> Result<TokenReplies, S::Error> {
    if let Some(known) = known.filter(|_| rules.needs_pairing()) {
        return Ok(known);
    }
    if !rules.needs_pairing() {
        return Ok(TokenReplies::default());
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
/// redacted records go through `spill` (written once, then replayed
/// twice); JSON Lines does not use it.
///
/// # Errors
///
/// What reading `source` or `spill`, or writing `out` or `spill`, fails
/// with; what was written by then is incomplete.
pub fn export_replayed<S, K, W>(source: &mut S, spill: &mut K, how: &StreamOptions<'_>, mut out: W) -> Result<Streamed, S::Error>
where
    S: Replay,
    K: Replay<Error = S::Error> + Write,
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
        serde_json::to_writer(&mut *spill, &r)?;
        spill.write_all(b"\n")?;
        pages.page_of(&r);
        session.push(r);
        facts.extend(session.take_retired().iter().map(Facts::of));
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
    facts.extend(session.take_retired().iter().chain(session.messages()).map(Facts::of));
    spill.flush()?;
    let plan = Plan { exchanges: session.exchanges(), findings: session.findings(), facts, pages: pages.finish() };
    let history = redact::merge(how.history, &redactions);
    let options = HarOptions { pretty: how.pretty, redactions: &history, ..HarOptions::default() };
    write_planned(&plan, &mut Spilled { spill, passes: 0 }, &options, out)?;
    Ok(Streamed { redactions, notes, records: redactor.index as u64 })
}

/// The spill as the HAR writer's records: first for the entries, then for
/// the messages.
struct Spilled<'k, K> {
    spill: &'k mut K,
    passes: u8,
}

impl<K: Replay> Records<'static> for Spilled<'_, K> {
    type Error = K::Error;
    fn each(&mut self, each: &mut dyn FnMut(Cow<'static, Record>) -> std::io::Result<()>) -> Result<(), K::Error> {
        let pass = if self.passes == 0 { Pass::Entries } else { Pass::Messages };
        self.passes += 1;
        self.spill.replay(pass, &mut |r| each(Cow::Owned(r)))
    }
}
