//! Redaction: removing tokens and customer data from a trace before it
//! leaves the agent's machine.
//!
//! Rules are data ([`Rule`], [`Rules`]), written one per line in a small
//! text format:
//!
//! | rule            | redacts                                                        |
//! |-----------------|----------------------------------------------------------------|
//! | `jwt`           | JSON Web Tokens (JWS: three base64url segments; JWE: five) whose first segment decodes to a JOSE header (a JSON object with `alg`), however the header is spaced |
//! | `jwt-reply`     | the whole `data` of every reply to `auth.getJwtToken`, and of any reply whose `data` holds a token-named member (`token`, `accessToken`, `id_token`, ...), its request captured or not |
//! | `credentials`   | the values of URL query and fragment parameters that carry credentials (`access_token=`, `code=`, `password=`, `api_key=`, `sig=`, ...) and of `Bearer` / `Basic` authorizations |
//! | `key:<name>`    | the value of every object member called `<name>` (a `userData` key), whatever its type |
//! | `pattern:phone` | phone numbers in strings (7 to 15 digits; dates are left alone) |
//! | `pattern:email` | e-mail addresses in strings, internationalised ones too (`jürgen.müller@bücher.de`) |
//! | `regex:<re>`    | matches of the regular expression `<re>` in strings            |
//!
//! `#` starts a comment line; blank lines are ignored. [`Rules::default`]
//! is `jwt`, `jwt-reply` and `credentials`: what every export does unless
//! told otherwise.
//!
//! Every field of a record is in scope: the message (`Record::data`), the
//! frame URL and origins, the page-reported `targetOrigin` and `stack`, the
//! other text fields, and fields this version does not know
//! (`Record::extra`). Text rules (`jwt`, `credentials`, `pattern:*`,
//! `regex:*`) apply to strings, to numbers (a phone number stored as a
//! number; a number with a match becomes the redacted string) and to object
//! keys (an e-mail address used as a key; a redacted key becomes
//! `[redacted:<rule>]`, numbered when two would collide). They leave the
//! message's top-level protocol fields `request`, `referenceId`, `event`,
//! `userAgent` and `subscriptionId` alone, so a redacted trace still pairs
//! requests with replies. A redacted value becomes the string
//! `[redacted:<rule>]`; a redacted part of a string is replaced by that
//! text inside the string.
//!
//! A [`Hit`]'s `pointer` is a JSON pointer into the message, or, for the
//! record's other fields, `@` and the field's name (`@frameUrl`), followed
//! for an unknown field by a pointer into its value (`@newer/a`).
//!
//! [`preview`] says what would be redacted without doing it (the panel shows
//! it before saving); [`redact`] does it. Both return [`Hit`]s, which
//! [`summarize`] turns into the [`Summary`] list a HAR export records as
//! `log._wweRedactions` — rule, count and where, never the redacted text.
//! [`merge`] adds a new export's summary to the history read from the file
//! it came from, so a trace redacted twice says both times.
//! [`mask`] redacts one value for display (`wwe-trace diff` prints nothing
//! that these rules would remove).

use std::collections::HashSet;
use std::fmt;

use regex_lite::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::record::Record;
use crate::session::Session;
use crate::{Error, ErrorKind};

/// Top-level message fields that string rules never touch: they carry the
/// protocol, not customer data, and pairing needs them.
const PROTOCOL_FIELDS: &[&str] = &["request", "referenceId", "event", "userAgent", "subscriptionId"];

/// At most this many distinct paths are kept per rule in a [`Summary`].
pub const MAX_SUMMARY_PATHS: usize = 20;

/// A hit's `found` text is cut to this many characters.
const FOUND_CHARS: usize = 60;

/// Members of a reply's `data` whose value is a token (compared without
/// case, `-` and `_`): a reply holding one is redacted whole by `jwt-reply`
/// even when its request was not captured.
const TOKEN_KEYS: &[&str] = &["token", "jwt", "jwttoken", "accesstoken", "idtoken", "refreshtoken", "authtoken", "bearertoken"];

/// One redaction rule. See the module documentation for the text format.
#[derive(Debug, Clone)]
pub enum Rule {
    /// `jwt`: JSON Web Tokens in strings.
    Jwt,
    /// `jwt-reply`: the `data` of replies to `auth.getJwtToken`, and of
    /// replies holding a token-named member.
    JwtReply,
    /// `credentials`: credential values in URL parameters and
    /// authorizations.
    Credentials,
    /// `key:<name>`: the value of every object member with this name.
    Key(String),
    /// `pattern:phone`: phone numbers in strings.
    Phone,
    /// `pattern:email`: e-mail addresses in strings.
    Email,
    /// `regex:<re>`: matches of a regular expression in strings.
    Regex(Regex),
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.to_string() == other.to_string()
    }
}

impl fmt::Display for Rule {
    /// The rule in the text format, e.g. `key:CustomerPhone`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Jwt => f.write_str("jwt"),
            Rule::JwtReply => f.write_str("jwt-reply"),
            Rule::Credentials => f.write_str("credentials"),
            Rule::Key(k) => write!(f, "key:{k}"),
            Rule::Phone => f.write_str("pattern:phone"),
            Rule::Email => f.write_str("pattern:email"),
            Rule::Regex(r) => write!(f, "regex:{}", r.as_str()),
        }
    }
}

impl Rule {
    /// Parses one rule, e.g. `key:CustomerPhone` or `pattern:email`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::BadRedactionRule`] for an unknown rule, an empty key or
    /// an invalid regular expression.
    pub fn parse(text: &str) -> Result<Rule, Error> {
        let text = text.trim();
        let bad = |message: String| Error::new(ErrorKind::BadRedactionRule { rule: text.to_owned(), message });
        let (kind, arg) = match text.split_once(':') {
            Some((k, a)) => (k.trim(), Some(a)),
            None => (text, None),
        };
        match (kind, arg) {
            ("jwt", None) => Ok(Rule::Jwt),
            ("jwt-reply", None) => Ok(Rule::JwtReply),
            ("credentials", None) => Ok(Rule::Credentials),
            ("key", Some(k)) if !k.trim().is_empty() => Ok(Rule::Key(k.trim().to_owned())),
            ("key", _) => Err(bad("`key:` needs a name, e.g. `key:CustomerPhone`".into())),
            ("pattern", Some(p)) => match p.trim() {
                "phone" => Ok(Rule::Phone),
                "email" => Ok(Rule::Email),
                other => Err(bad(format!("unknown pattern `{other}`; the patterns are `phone` and `email`"))),
            },
            ("regex", Some(r)) if !r.is_empty() => {
                Regex::new(r).map(Rule::Regex).map_err(|e| bad(format!("not a valid regular expression: {e}")))
            }
            ("regex", _) => Err(bad("`regex:` needs an expression, e.g. `regex:ACC-[0-9]+`".into())),
            _ => Err(bad(
                "expected one of `jwt`, `jwt-reply`, `credentials`, `key:<name>`, `pattern:phone`, `pattern:email`, `regex:<expression>`".into(),
            )),
        }
    }
}

/// A set of rules, applied in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    rules: Vec<Rule>,
    matchers: Matchers,
    /// Whether a rule can match a number's text (`pattern:phone`,
    /// `regex:`), so numbers need to be looked at.
    numbers: bool,
}

/// The compiled built-in patterns.
#[derive(Debug, Clone)]
struct Matchers {
    jwt: Regex,
    phone: Regex,
    email: Regex,
    date: Regex,
    param: Regex,
    authorization: Regex,
}

impl PartialEq for Matchers {
    fn eq(&self, _: &Matchers) -> bool {
        true
    }
}

impl Matchers {
    fn new() -> Matchers {
        let re = |s: &str| Regex::new(s).expect("built-in pattern compiles");
        Matchers {
            // Three (JWS) or five (JWE) base64url segments; the first is
            // checked to be a JOSE header by `jose_header`, so no prefix
            // (`eyJ`) is assumed: `{ "alg"` encodes as `eyAi`, `{\n` as
            // `ewog`. JWE segments may be empty (direct key agreement).
            jwt: re(r"[A-Za-z0-9_-]{4,}={0,2}(?:\.[A-Za-z0-9_-]*={0,2}){2}(?:(?:\.[A-Za-z0-9_-]*={0,2}){2})?"),
            phone: re(r"\+?\(?\d[\d .()-]{5,22}\d"),
            // Any characters but separators around the `@`, so that
            // internationalised addresses (RFC 6531) match; the last label
            // has no digits.
            email: re(r#"[^\s@"'<>(),;:\[\]\\]+@[^\s@"'<>(),;:\[\]\\./]+(?:\.[^\s@"'<>(),;:\[\]\\./]+)*\.[^\s@"'<>(),;:\[\]\\./0-9]{2,}"#),
            date: re(r"^\d{4}-\d{2}-\d{2}|^\d{2}:\d{2}"),
            // The value (group 1) of a query or fragment parameter named
            // for a credential.
            param: re(r#"(?i)(?:[?&#;]|^)(?:access[_-]?token|id[_-]?token|refresh[_-]?token|auth[_-]?token|token|jwt|code|auth|authorization|password|passwd|pwd|secret|client[_-]?secret|api[_-]?key|apikey|key|sig|signature|session[_-]?id|session|sid|assertion|ticket)=([^&#\s"'<>]+)"#),
            // The credential (group 1) of an HTTP authorization.
            authorization: re(r"(?i)\b(?:bearer|basic)\s+([A-Za-z0-9._~+/-]{8,}=*)"),
        }
    }
}

impl Default for Rules {
    /// `jwt`, `jwt-reply` and `credentials`.
    fn default() -> Rules {
        Rules::new(vec![Rule::Jwt, Rule::JwtReply, Rule::Credentials])
    }
}

impl Rules {
    /// These rules.
    pub fn new(rules: Vec<Rule>) -> Rules {
        let numbers = rules.iter().any(|r| matches!(r, Rule::Phone | Rule::Regex(_)));
        Rules { rules, matchers: Matchers::new(), numbers }
    }

    /// No rules: nothing is redacted.
    pub fn none() -> Rules {
        Rules::new(Vec::new())
    }

    /// Parses rules, one per line; `#` comment lines and blank lines are
    /// ignored.
    ///
    /// # Errors
    ///
    /// The first rule that does not parse (see [`Rule::parse`]), with its
    /// line number in the message.
    pub fn parse(text: &str) -> Result<Rules, Error> {
        let mut rules = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let rule = Rule::parse(line).map_err(|e| match e.kind() {
                ErrorKind::BadRedactionRule { rule, message } => Error::new(ErrorKind::BadRedactionRule {
                    rule: rule.clone(),
                    message: format!("line {}: {message}", i + 1),
                }),
                _ => e,
            })?;
            rules.push(rule);
        }
        Ok(Rules::new(rules))
    }

    /// Adds a rule at the end (a rule already present is not added twice).
    pub fn push(&mut self, rule: Rule) {
        if !self.rules.contains(&rule) {
            self.numbers |= matches!(rule, Rule::Phone | Rule::Regex(_));
            self.rules.push(rule);
        }
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Whether there is no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

impl fmt::Display for Rules {
    /// The rules in the text format, one per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.rules {
            writeln!(f, "{r}")?;
        }
        Ok(())
    }
}

/// One thing a rule redacts (or would redact).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// Position of the message in [`Session::messages`].
    pub index: usize,
    /// Record id of the message.
    pub message: u64,
    /// Where in the record: a JSON pointer into `data` (`""` = the whole
    /// message), or `@<field>` for another field of the record (see the
    /// module documentation).
    pub pointer: String,
    /// The rule, in the text format.
    pub rule: String,
    /// The text or value redacted, cut to 60 characters: for the preview
    /// only, never written to a file.
    pub found: String,
}

/// What one rule redacted in a trace, as recorded in `log._wweRedactions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The rule, in the text format.
    pub rule: String,
    /// How many values or parts of strings it redacted.
    pub count: u64,
    /// Record ids of the messages it changed, in order, each once.
    pub messages: Vec<u64>,
    /// Distinct JSON pointers (into the message) it redacted at, in the
    /// order first seen, at most [`MAX_SUMMARY_PATHS`].
    pub paths: Vec<String>,
}

/// Records with rules applied, and what was redacted.
#[derive(Debug, Clone, PartialEq)]
pub struct Redacted {
    /// Every record of the session, in order, redacted.
    pub records: Vec<Record>,
    /// What was redacted, in message order.
    pub hits: Vec<Hit>,
}

/// Which part of a record an edit is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part<'v> {
    /// `Record::data`.
    Data,
    /// A text field of the record, by its JSON name.
    Field(&'static str),
    /// A member of `Record::extra`.
    Extra(&'v str),
}

/// What to change.
enum Change {
    /// Replace the value at the pointer.
    Set(Value),
    /// Rename the member `from` of the object at the pointer.
    Rename { from: String, to: String },
}

/// An edit to make in message `index`.
struct Edit<'v> {
    index: usize,
    part: Part<'v>,
    /// A JSON pointer into the part (`""` for a text field).
    pointer: String,
    change: Change,
}

/// What the rules would redact in this session, without redacting it.
pub fn preview(session: &Session, rules: &Rules) -> Vec<Hit> {
    scan(session, rules).0
}

/// Applies the rules to every record of the session.
pub fn redact(session: &Session, rules: &Rules) -> Redacted {
    let (hits, records) = redact_if_needed(session, rules);
    let records = records.unwrap_or_else(|| session.messages().iter().map(|m| m.record.clone()).collect());
    Redacted { records, hits }
}

/// Like [`redact`], without copying the records when nothing is redacted
/// (`None`).
pub(crate) fn redact_if_needed(session: &Session, rules: &Rules) -> (Vec<Hit>, Option<Vec<Record>>) {
    let (hits, edits) = scan(session, rules);
    if edits.is_empty() {
        return (hits, None);
    }
    let mut records: Vec<Record> = session.messages().iter().map(|m| m.record.clone()).collect();
    apply_all(&mut records, edits, |index| index);
    (hits, Some(records))
}

fn apply(record: &mut Record, edit: Edit<'_>) {
    let root: &mut Value = match edit.part {
        Part::Data => &mut record.data,
        Part::Extra(key) => match record.extra.get_mut(key) {
            Some(v) => v,
            None => return,
        },
        Part::Field(name) => {
            if let Change::Set(Value::String(text)) = edit.change {
                set_field(record, name, text);
            }
            return;
        }
    };
    let Some(slot) = root.pointer_mut(&edit.pointer) else { return };
    match edit.change {
        Change::Set(value) => *slot = value,
        Change::Rename { from, to } => {
            if let Value::Object(map) = slot {
                if let Some(v) = map.remove(&from) {
                    map.insert(to, v);
                }
            }
        }
    }
}

/// The record's text fields, by JSON name: all are in scope.
fn text_fields(r: &Record) -> [(&'static str, Option<&str>); 15] {
    let u = r.undelivered.as_ref();
    [
        ("frameUrl", Some(&r.frame_url)),
        ("frameOrigin", Some(&r.frame_origin)),
        ("sourceOrigin", Some(&r.source_origin)),
        ("targetOrigin", r.target_origin.as_deref()),
        ("stack", r.stack.as_deref()),
        ("sourceUnknown", r.source_unknown.as_deref()),
        ("sourceRelation", r.source_relation.as_deref()),
        ("marker", r.marker.as_deref()),
        // What a page-made event claimed: the page's text, as likely to
        // carry a secret as any other.
        ("claimedOrigin", r.claimed_origin.as_deref()),
        ("eventClass", r.event_class.as_deref()),
        // A refused post (issue 19): the browser's text quotes the origins,
        // the stack and the sender's URL carry paths and queries.
        ("undelivered.targetOrigin", u.map(|u| u.target_origin.as_str())),
        ("undelivered.recipientOrigin", u.map(|u| u.recipient_origin.as_str())),
        ("undelivered.stack", u.and_then(|u| u.stack.as_deref())),
        ("undelivered.senderUrl", u.and_then(|u| u.sender_url.as_deref())),
        ("undelivered.text", u.map(|u| u.text.as_str())),
    ]
}

fn set_field(r: &mut Record, name: &str, text: String) {
    let slot = match name {
        "frameUrl" => &mut r.frame_url,
        "frameOrigin" => &mut r.frame_origin,
        "sourceOrigin" => &mut r.source_origin,
        "targetOrigin" => r.target_origin.get_or_insert_with(String::new),
        "stack" => r.stack.get_or_insert_with(String::new),
        "sourceUnknown" => r.source_unknown.get_or_insert_with(String::new),
        "sourceRelation" => r.source_relation.get_or_insert_with(String::new),
        "marker" => r.marker.get_or_insert_with(String::new),
        "claimedOrigin" => r.claimed_origin.get_or_insert_with(String::new),
        "eventClass" => r.event_class.get_or_insert_with(String::new),
        "undelivered.targetOrigin" => &mut r.undelivered.get_or_insert_with(Default::default).target_origin,
        "undelivered.recipientOrigin" => &mut r.undelivered.get_or_insert_with(Default::default).recipient_origin,
        "undelivered.stack" => r.undelivered.get_or_insert_with(Default::default).stack.get_or_insert_with(String::new),
        "undelivered.senderUrl" => r.undelivered.get_or_insert_with(Default::default).sender_url.get_or_insert_with(String::new),
        "undelivered.text" => &mut r.undelivered.get_or_insert_with(Default::default).text,
        _ => return,
    };
    *slot = text;
}

/// Groups hits per rule (in the order of the rules' first hits).
pub fn summarize(hits: &[Hit]) -> Vec<Summary> {
    let mut summarizer = Summarizer::default();
    for hit in hits {
        summarizer.add(hit);
    }
    summarizer.finish()
}

/// [`summarize`] a hit at a time, for a trace redacted a record at a time:
/// the hits need not be kept.
#[derive(Debug, Default)]
pub struct Summarizer {
    out: Vec<Summary>,
    /// Per summary, every distinct pointer seen (its `paths` keeps at most
    /// [`MAX_SUMMARY_PATHS`]).
    seen_paths: Vec<HashSet<String>>,
}

impl Summarizer {
    /// Counts one hit.
    pub fn add(&mut self, hit: &Hit) {
        let i = match self.out.iter().position(|s| s.rule == hit.rule) {
            Some(i) => i,
            None => {
                self.out.push(Summary { rule: hit.rule.clone(), count: 0, messages: Vec::new(), paths: Vec::new() });
                self.seen_paths.push(HashSet::new());
                self.out.len() - 1
            }
        };
        let s = &mut self.out[i];
        s.count += 1;
        if s.messages.last() != Some(&hit.message) {
            s.messages.push(hit.message);
        }
        if s.paths.len() < MAX_SUMMARY_PATHS && !self.seen_paths[i].contains(&hit.pointer) {
            self.seen_paths[i].insert(hit.pointer.clone());
            s.paths.push(hit.pointer.clone());
        }
    }

    /// The summary so far, per rule.
    pub fn summary(&self) -> &[Summary] {
        &self.out
    }

    /// The summary, per rule.
    pub fn finish(self) -> Vec<Summary> {
        self.out
    }
}

/// The redaction history of a trace written again: what earlier exports
/// removed (`history`, from the file read) and what this one removed
/// (`new`), per rule: counts added, messages and paths each kept once.
pub fn merge(history: &[Summary], new: &[Summary]) -> Vec<Summary> {
    let mut out: Vec<Summary> = history.to_vec();
    for n in new {
        match out.iter_mut().find(|s| s.rule == n.rule) {
            Some(s) => {
                s.count += n.count;
                for m in &n.messages {
                    if !s.messages.contains(m) {
                        s.messages.push(*m);
                    }
                }
                for p in &n.paths {
                    if s.paths.len() < MAX_SUMMARY_PATHS && !s.paths.contains(p) {
                        s.paths.push(p.clone());
                    }
                }
            }
            None => out.push(n.clone()),
        }
    }
    out
}

/// `value` with the rules' text rules (and `key:` rules) applied, for
/// display: what a report may print of a value without showing anything
/// `redact` would remove.
pub fn mask(value: &Value, rules: &Rules) -> Value {
    let mut hits = Vec::new();
    let mut edits = Vec::new();
    let mut walker = Walker { rules, hits: &mut hits, edits: &mut edits, index: 0, message: 0, part: Part::Data, path: Vec::new() };
    // Depth 1: no member is exempt as a protocol field.
    walker.value(value, 1);
    let mut record = Record { data: value.clone(), ..Record::default() };
    apply_all(std::slice::from_mut(&mut record), edits, |_| 0);
    record.data
}

/// Whether a reply's `data` holds a token-named member.
fn holds_token(data: &Value) -> bool {
    let normal = |k: &str| k.chars().filter(|c| *c != '_' && *c != '-').collect::<String>().to_ascii_lowercase();
    data.as_object().is_some_and(|m| m.keys().any(|k| TOKEN_KEYS.contains(&normal(k).as_str())))
}

fn scan<'v>(session: &'v Session, rules: &Rules) -> (Vec<Hit>, Vec<Edit<'v>>) {
    let mut hits = Vec::new();
    let mut edits = Vec::new();
    if rules.is_empty() {
        return (hits, edits);
    }
    let token_replies = TokenReplies::of(session, rules);
    let mut walker = Walker { rules, hits: &mut hits, edits: &mut edits, index: 0, message: 0, part: Part::Data, path: Vec::new() };
    for (index, m) in session.messages().iter().enumerate() {
        walker.record(index, &m.record, || m.decoded.message.is_reply(), &token_replies);
    }
    (hits, edits)
}

/// The replies `jwt-reply` redacts whole because of their request: the
/// record ids of the replies to `auth.getJwtToken`, as a session paired
/// them (empty unless the rules have `jwt-reply`).
#[derive(Debug, Clone, Default)]
pub struct TokenReplies(HashSet<u64>);

impl TokenReplies {
    /// The token replies of `session`'s exchanges, for these rules. A
    /// [`Session::lean`] one knows them as well as a full one: exchanges
    /// are kept whole.
    pub fn of(session: &Session, rules: &Rules) -> TokenReplies {
        if !rules.needs_pairing() {
            return TokenReplies::default();
        }
        TokenReplies(session.exchanges().iter().filter(|e| e.name == "auth.getJwtToken").filter_map(|e| e.reply).collect())
    }
}

impl Rules {
    /// Whether redacting a record needs the pairing of the whole trace
    /// (`jwt-reply`: a reply is redacted whole when its request asked for
    /// a token): see [`TokenReplies`].
    pub fn needs_pairing(&self) -> bool {
        self.rules.iter().any(|r| matches!(r, Rule::JwtReply))
    }
}

/// One record with the rules applied, or `None` when they change nothing;
/// what was redacted is added to `hits` (`index` is the record's position
/// in its trace, [`Hit::index`]). `is_reply` says whether its message
/// decodes as a reply (asked only when it matters). The same as [`redact`] does to each record of a session
/// whose pairing gave `token_replies`, for a trace read a record at a time.
pub fn redact_record(
    record: &Record,
    index: usize,
    is_reply: impl FnOnce() -> bool,
    rules: &Rules,
    token_replies: &TokenReplies,
    hits: &mut Vec<Hit>,
) -> Option<Record> {
    if rules.is_empty() {
        return None;
    }
    let mut edits = Vec::new();
    let mut walker = Walker { rules, hits, edits: &mut edits, index: 0, message: 0, part: Part::Data, path: Vec::new() };
    walker.record(index, record, is_reply, token_replies);
    if edits.is_empty() {
        return None;
    }
    let mut out = record.clone();
    apply_all(std::slice::from_mut(&mut out), edits, |_| 0);
    Some(out)
}

/// Applies edits: values first, then renames in the order pushed (a
/// member's own members before it), so every pointer still names what it
/// did. `slot` gives an edit's record in `records` from its message index.
fn apply_all(records: &mut [Record], edits: Vec<Edit<'_>>, slot: impl Fn(usize) -> usize) {
    let (renames, sets): (Vec<Edit>, Vec<Edit>) = edits.into_iter().partition(|e| matches!(e.change, Change::Rename { .. }));
    for edit in sets.into_iter().chain(renames) {
        apply(&mut records[slot(edit.index)], edit);
    }
}

impl<'v> Walker<'_, 'v> {
    /// Walks every field of one record.
    fn record(&mut self, index: usize, record: &'v Record, is_reply: impl FnOnce() -> bool, token_replies: &TokenReplies) {
        self.index = index;
        self.message = record.id;
        self.part = Part::Data;
        let data = &record.data;
        let token_reply = self.rules.needs_pairing()
            && (token_replies.0.contains(&record.id) || data.get("data").is_some_and(holds_token))
            && is_reply();
        let walker = self;
        match data.get("data") {
            Some(reply_data) if token_reply => {
                walker.path.push(Seg::Key("data"));
                walker.replace(Rule::JwtReply.to_string(), reply_data);
                walker.path.pop();
                // The rest of the reply (referenceId, userAgent) is
                // protocol; its other members are still walked.
                if let Value::Object(map) = data {
                    let mut taken = HashSet::new();
                    for (k, v) in map.iter().filter(|(k, _)| k.as_str() != "data") {
                        walker.member(map, k, v, 0, &mut taken);
                    }
                }
            }
            _ => walker.value(data, 0),
        }
        for (name, text) in text_fields(record) {
            if let Some(text) = text.filter(|t| !t.is_empty()) {
                walker.part = Part::Field(name);
                walker.string(text);
            }
        }
        for (key, value) in &record.extra {
            walker.part = Part::Extra(key);
            walker.value(value, 1);
        }
    }
}

/// One step of a path into a message.
enum Seg<'a> {
    Key(&'a str),
    /// A member whose key is redacted: edits name it by `key`, hits by
    /// what it becomes, so that no summary or preview path shows it.
    Masked {
        key: &'a str,
        shown: String,
    },
    Index(usize),
}

struct Walker<'r, 'v> {
    rules: &'r Rules,
    hits: &'r mut Vec<Hit>,
    edits: &'r mut Vec<Edit<'v>>,
    index: usize,
    message: u64,
    part: Part<'v>,
    path: Vec<Seg<'v>>,
}

/// Appends the JSON pointer of `segs`: with keys as they are, or as
/// `shown` (redacted) ones.
fn push_pointer(p: &mut String, segs: &[Seg<'_>], shown: bool) {
    for seg in segs {
        p.push('/');
        let key = match seg {
            Seg::Key(k) => Some(*k),
            Seg::Masked { key, shown: s } => Some(if shown { s.as_str() } else { *key }),
            Seg::Index(_) => None,
        };
        match (seg, key) {
            (_, Some(k)) => {
                for c in k.chars() {
                    match c {
                        '~' => p.push_str("~0"),
                        '/' => p.push_str("~1"),
                        c => p.push(c),
                    }
                }
            }
            (Seg::Index(i), _) => p.push_str(&i.to_string()),
            _ => {}
        }
    }
}

impl<'r, 'v> Walker<'r, 'v> {
    /// The pointer into the current part, for edits.
    fn pointer(&self) -> String {
        let mut p = String::new();
        push_pointer(&mut p, &self.path, false);
        p
    }

    /// Where the walk is, as [`Hit::pointer`] says: redacted keys shown
    /// redacted.
    fn place(&self) -> String {
        let mut p = match self.part {
            Part::Data => String::new(),
            Part::Field(name) => format!("@{name}"),
            Part::Extra(key) => {
                let mut p = String::new();
                push_pointer(&mut p, &[Seg::Key(key)], true);
                p.replace_range(..1, "@");
                p
            }
        };
        push_pointer(&mut p, &self.path, true);
        p
    }

    fn hit(&mut self, rule: String, found: String) {
        let pointer = self.place();
        self.hits.push(Hit { index: self.index, message: self.message, pointer, rule, found });
    }

    fn edit(&mut self, pointer: String, change: Change) {
        self.edits.push(Edit { index: self.index, part: self.part, pointer, change });
    }

    /// Redacts the value where the walk is, whole.
    fn replace(&mut self, rule: String, old: &Value) {
        if old.as_str().is_some_and(is_marker) {
            // Redacted by an earlier export: counted there already.
            return;
        }
        let found = match old {
            Value::String(s) => cut(s),
            other => cut(&other.to_string()),
        };
        self.hit(rule.clone(), found);
        let pointer = self.pointer();
        self.edit(pointer, Change::Set(Value::String(format!("[redacted:{rule}]"))));
    }

    fn value(&mut self, value: &'v Value, depth: usize) {
        match value {
            Value::Object(map) => {
                let mut taken = HashSet::new();
                for (k, v) in map {
                    self.member(map, k, v, depth, &mut taken);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    self.path.push(Seg::Index(i));
                    self.value(v, depth + 1);
                    self.path.pop();
                }
            }
            Value::String(s) => self.string(s),
            // Only a phone or regex rule can match a number's digits.
            Value::Number(n) if self.rules.numbers => self.number(&n.to_string()),
            Value::Number(_) => {}
            Value::Bool(_) | Value::Null => {}
        }
    }

    /// One member of an object at `depth`: its key (an e-mail address used
    /// as a key), then its value. `taken` holds the new names of the
    /// object's redacted keys, so that two never collide.
    fn member(&mut self, map: &'v serde_json::Map<String, Value>, k: &'v str, v: &'v Value, depth: usize, taken: &mut HashSet<String>) {
        let protocol = depth == 0 && self.part == Part::Data && PROTOCOL_FIELDS.contains(&k);
        let rules: &'r Rules = self.rules;
        let renamed = if protocol { None } else { redact_text(rules, k) };
        match renamed {
            Some((text, found)) => {
                let mut to = text.clone();
                let mut n = 1;
                while (map.contains_key(&to) && to != k) || taken.contains(&to) {
                    n += 1;
                    to = format!("{text} #{n}");
                }
                taken.insert(to.clone());
                self.path.push(Seg::Masked { key: k, shown: to });
                for (rule, f) in found {
                    self.hit(rule, f);
                }
            }
            None => self.path.push(Seg::Key(k)),
        }
        let key_rule = rules.rules.iter().find(|r| matches!(r, Rule::Key(name) if name == k));
        if let Some(rule) = key_rule {
            self.replace(rule.to_string(), v);
        } else if !protocol {
            self.value(v, depth + 1);
        }
        // The rename after the value's edits: they name the member by its
        // old key, and renames are applied last.
        if let Some(Seg::Masked { key, shown }) = self.path.pop() {
            let object = self.pointer();
            self.edit(object, Change::Rename { from: key.to_owned(), to: shown });
        }
    }

    fn string(&mut self, s: &str) {
        if let Some((text, found)) = redact_text(self.rules, s) {
            for (rule, f) in found {
                self.hit(rule, f);
            }
            let pointer = self.pointer();
            self.edit(pointer, Change::Set(Value::String(text)));
        }
    }

    /// A number, as its JSON text: a match anywhere redacts it whole (the
    /// value becomes the redacted string).
    fn number(&mut self, text: &str) {
        if let Some((_, found)) = redact_text(self.rules, text) {
            let rule = found[0].0.clone();
            for (r, f) in found {
                self.hit(r, f);
            }
            let pointer = self.pointer();
            self.edit(pointer, Change::Set(Value::String(format!("[redacted:{rule}]"))));
        }
    }
}

/// `s` with every text rule applied, and the (rule, found) of each match;
/// `None` when nothing matched.
fn redact_text(rules: &Rules, s: &str) -> Option<(String, Vec<(String, String)>)> {
    if is_marker(s) {
        return None;
    }
    let mut text: Option<String> = None;
    let mut found = Vec::new();
    let m = &rules.matchers;
    for rule in &rules.rules {
        let current = text.as_deref().unwrap_or(s);
        // The byte ranges to replace.
        let ranges: Vec<(usize, usize)> = match rule {
            Rule::Jwt if may_hold_jwt(current) => {
                m.jwt.find_iter(current).filter(|x| jose_header(x.as_str())).map(|x| (x.start(), x.end())).collect()
            }
            Rule::Credentials if current.contains('=') || has_authorization(current) => m
                .param
                .captures_iter(current)
                .chain(m.authorization.captures_iter(current))
                .filter_map(|c| c.get(1))
                .map(|g| (g.start(), g.end()))
                .collect(),
            Rule::Phone if current.bytes().filter(u8::is_ascii_digit).count() >= 7 => {
                m.phone.find_iter(current).filter(|x| phone_like(m, x.as_str())).map(|x| (x.start(), x.end())).collect()
            }
            Rule::Email if current.contains('@') => m.email.find_iter(current).map(|x| (x.start(), x.end())).collect(),
            Rule::Regex(re) => re.find_iter(current).map(|x| (x.start(), x.end())).collect(),
            _ => continue,
        };
        // A match that is itself what redaction left (`token=[redacted:…]`
        // read again) stays.
        let mut ranges: Vec<(usize, usize)> =
            ranges.into_iter().filter(|&(a, b)| b > a && !is_marker(&current[a..b])).collect();
        if ranges.is_empty() {
            continue;
        }
        ranges.sort_unstable();
        let name = rule.to_string();
        let replacement = format!("[redacted:{name}]");
        let mut out = String::with_capacity(current.len());
        let mut last = 0;
        for (start, end) in ranges {
            if start < last {
                continue;
            }
            out.push_str(&current[last..start]);
            out.push_str(&replacement);
            found.push((name.clone(), cut(&current[start..end])));
            last = end;
        }
        out.push_str(&current[last..]);
        text = Some(out);
    }
    text.map(|t| (t, found))
}

/// A cheap test before the JWT pattern (this runs on every string of an
/// export): two dots, and the start of a base64url JOSE header: `{` then
/// `"` or a space encodes as `ey`, `{` then a line break or tab as `ew`;
/// a header with one white-space character before its `{` starts `IH`
/// (space), `CX` (tab), `Cn` (line feed) or `DX` (carriage return).
fn may_hold_jwt(s: &str) -> bool {
    s.bytes().filter(|&b| b == b'.').nth(1).is_some()
        && ["ey", "ew", "IH", "CX", "Cn", "DX"].iter().any(|p| s.contains(p))
}

/// Whether `bearer` or `basic` appears, in any case (before the
/// authorization pattern).
fn has_authorization(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(6).any(|w| w.eq_ignore_ascii_case(b"bearer")) || b.windows(5).any(|w| w.eq_ignore_ascii_case(b"basic"))
}

/// Whether a text is what redaction leaves, `[redacted:<rule>]`: a trace
/// redacted again does not redact (nor count) it twice.
fn is_marker(s: &str) -> bool {
    s.strip_prefix("[redacted:").and_then(|r| r.strip_suffix(']')).is_some_and(|r| !r.contains('['))
}

/// Whether a JWT-shaped candidate's first segment is a JOSE header: base64url
/// of a JSON object with an `alg` member.
fn jose_header(candidate: &str) -> bool {
    let first = candidate.split('.').next().unwrap_or("");
    let Some(bytes) = base64url(first.trim_end_matches('=')) else { return false };
    let Ok(text) = std::str::from_utf8(&bytes) else { return false };
    text.trim_start().starts_with('{') && text.contains("\"alg\"")
}

/// Decodes unpadded base64url (or standard base64's letters); `None` for
/// anything else.
fn base64url(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A phone-number candidate: 7 to 15 digits, and not a date or a time.
fn phone_like(m: &Matchers, s: &str) -> bool {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    (7..=15).contains(&digits) && !m.date.is_match(s)
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(FOUND_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests;
