//! Redaction: removing tokens and customer data from a trace before it
//! leaves the agent's machine.
//!
//! Rules are data ([`Rule`], [`Rules`]), written one per line in a small
//! text format:
//!
//! | rule            | redacts                                                        |
//! |-----------------|----------------------------------------------------------------|
//! | `jwt`           | JSON Web Tokens in any string: three base64url segments, the first starting `eyJ` |
//! | `jwt-reply`     | the whole `data` of every reply to `auth.getJwtToken`          |
//! | `key:<name>`    | the value of every object member called `<name>` (a `userData` key), whatever its type |
//! | `pattern:phone` | phone numbers in strings (7 to 15 digits; dates are left alone) |
//! | `pattern:email` | e-mail addresses in strings                                    |
//! | `regex:<re>`    | matches of the regular expression `<re>` in strings            |
//!
//! `#` starts a comment line; blank lines are ignored. [`Rules::default`]
//! is `jwt` and `jwt-reply`: what every export does unless told otherwise.
//!
//! Only the message (`Record::data`) is redacted. String rules (`jwt`,
//! `pattern:*`, `regex:*`) leave the top-level protocol fields `request`,
//! `referenceId`, `event`, `userAgent` and `subscriptionId` alone, so a
//! redacted trace still pairs requests with replies. A redacted value
//! becomes the string `[redacted:<rule>]`; a redacted part of a string is
//! replaced by that text inside the string.
//!
//! [`preview`] says what would be redacted without doing it (the panel shows
//! it before saving); [`redact`] does it. Both return [`Hit`]s, which
//! [`summarize`] turns into the [`Summary`] list a HAR export records as
//! `log._wweRedactions` — rule, count and where, never the redacted text.

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

/// One redaction rule. See the module documentation for the text format.
#[derive(Debug, Clone)]
pub enum Rule {
    /// `jwt`: JSON Web Tokens in strings.
    Jwt,
    /// `jwt-reply`: the `data` of replies to `auth.getJwtToken`.
    JwtReply,
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
                "expected one of `jwt`, `jwt-reply`, `key:<name>`, `pattern:phone`, `pattern:email`, `regex:<expression>`".into(),
            )),
        }
    }
}

/// A set of rules, applied in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    rules: Vec<Rule>,
    matchers: Matchers,
}

/// The compiled built-in patterns.
#[derive(Debug, Clone)]
struct Matchers {
    jwt: Regex,
    phone: Regex,
    email: Regex,
    date: Regex,
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
            jwt: re(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
            phone: re(r"\+?\(?\d[\d .()-]{5,22}\d"),
            email: re(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
            date: re(r"^\d{4}-\d{2}-\d{2}|^\d{2}:\d{2}"),
        }
    }
}

impl Default for Rules {
    /// `jwt` and `jwt-reply`.
    fn default() -> Rules {
        Rules::new(vec![Rule::Jwt, Rule::JwtReply])
    }
}

impl Rules {
    /// These rules.
    pub fn new(rules: Vec<Rule>) -> Rules {
        Rules { rules, matchers: Matchers::new() }
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
    /// Where in the message, as a JSON pointer into `data` (`""` = the
    /// whole message).
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

/// An edit to make: replace the value at `pointer` in message `index`.
struct Edit {
    index: usize,
    pointer: String,
    value: Value,
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
    for edit in edits {
        let data = &mut records[edit.index].data;
        if let Some(slot) = data.pointer_mut(&edit.pointer) {
            *slot = edit.value;
        }
    }
    (hits, Some(records))
}

/// Groups hits per rule (in the order of the rules' first hits).
pub fn summarize(hits: &[Hit]) -> Vec<Summary> {
    let mut out: Vec<Summary> = Vec::new();
    let mut seen_paths: Vec<HashSet<&str>> = Vec::new();
    for hit in hits {
        let i = match out.iter().position(|s| s.rule == hit.rule) {
            Some(i) => i,
            None => {
                out.push(Summary { rule: hit.rule.clone(), count: 0, messages: Vec::new(), paths: Vec::new() });
                seen_paths.push(HashSet::new());
                out.len() - 1
            }
        };
        let s = &mut out[i];
        s.count += 1;
        if s.messages.last() != Some(&hit.message) {
            s.messages.push(hit.message);
        }
        if seen_paths[i].insert(&hit.pointer) && s.paths.len() < MAX_SUMMARY_PATHS {
            s.paths.push(hit.pointer.clone());
        }
    }
    out
}

fn scan(session: &Session, rules: &Rules) -> (Vec<Hit>, Vec<Edit>) {
    let mut hits = Vec::new();
    let mut edits = Vec::new();
    if rules.is_empty() {
        return (hits, edits);
    }
    let jwt_replies: HashSet<u64> = if rules.rules.iter().any(|r| matches!(r, Rule::JwtReply)) {
        session
            .exchanges()
            .iter()
            .filter(|e| e.name == "auth.getJwtToken")
            .filter_map(|e| e.reply)
            .collect()
    } else {
        HashSet::new()
    };
    let mut walker = Walker { rules, hits: &mut hits, edits: &mut edits, index: 0, message: 0, path: Vec::new() };
    for (index, m) in session.messages().iter().enumerate() {
        walker.index = index;
        walker.message = m.record.id;
        let data = &m.record.data;
        if jwt_replies.contains(&m.record.id) {
            if let Some(reply_data) = data.get("data") {
                walker.replace(Rule::JwtReply.to_string(), "/data".to_owned(), reply_data);
                // The rest of the reply (referenceId, userAgent) is protocol.
                continue;
            }
        }
        walker.value(data, 0);
    }
    (hits, edits)
}

/// One step of a path into a message.
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

struct Walker<'r, 'v> {
    rules: &'r Rules,
    hits: &'r mut Vec<Hit>,
    edits: &'r mut Vec<Edit>,
    index: usize,
    message: u64,
    path: Vec<Seg<'v>>,
}

impl<'r, 'v> Walker<'r, 'v> {
    fn pointer(&self) -> String {
        let mut p = String::new();
        for seg in &self.path {
            p.push('/');
            match seg {
                Seg::Key(k) => {
                    for c in k.chars() {
                        match c {
                            '~' => p.push_str("~0"),
                            '/' => p.push_str("~1"),
                            c => p.push(c),
                        }
                    }
                }
                Seg::Index(i) => p.push_str(&i.to_string()),
            }
        }
        p
    }

    fn replace(&mut self, rule: String, pointer: String, old: &Value) {
        let found = match old {
            Value::String(s) => cut(s),
            other => cut(&other.to_string()),
        };
        self.edits.push(Edit { index: self.index, pointer: pointer.clone(), value: Value::String(format!("[redacted:{rule}]")) });
        self.hits.push(Hit { index: self.index, message: self.message, pointer, rule, found });
    }

    fn value(&mut self, value: &'v Value, depth: usize) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    self.path.push(Seg::Key(k));
                    let rules: &'r Rules = self.rules;
                    let key_rule = rules.rules.iter().find(|r| matches!(r, Rule::Key(name) if name == k));
                    if let Some(rule) = key_rule {
                        let pointer = self.pointer();
                        self.replace(rule.to_string(), pointer, v);
                    } else if !(depth == 0 && PROTOCOL_FIELDS.contains(&k.as_str())) {
                        self.value(v, depth + 1);
                    }
                    self.path.pop();
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
            _ => {}
        }
    }

    fn string(&mut self, s: &str) {
        let mut text: Option<String> = None;
        let mut found_hits = Vec::new();
        let rules: &'r Rules = self.rules;
        for rule in &rules.rules {
            let current = text.as_deref().unwrap_or(s);
            let m = &rules.matchers;
            let (re, filter): (&Regex, fn(&Matchers, &str) -> bool) = match rule {
                Rule::Jwt if current.contains("eyJ") => (&m.jwt, |_, _| true),
                Rule::Phone if current.bytes().filter(u8::is_ascii_digit).count() >= 7 => (&m.phone, phone_like),
                Rule::Email if current.contains('@') => (&m.email, |_, _| true),
                Rule::Regex(re) => (re, |_, _| true),
                _ => continue,
            };
            let name = rule.to_string();
            let replacement = format!("[redacted:{name}]");
            let mut out = String::with_capacity(current.len());
            let mut last = 0;
            let mut changed = false;
            for mat in re.find_iter(current) {
                if mat.as_str().is_empty() || !filter(m, mat.as_str()) {
                    continue;
                }
                out.push_str(&current[last..mat.start()]);
                out.push_str(&replacement);
                last = mat.end();
                changed = true;
                found_hits.push((name.clone(), cut(mat.as_str())));
            }
            if changed {
                out.push_str(&current[last..]);
                text = Some(out);
            }
        }
        if let Some(text) = text {
            let pointer = self.pointer();
            for (rule, found) in found_hits {
                self.hits.push(Hit { index: self.index, message: self.message, pointer: pointer.clone(), rule, found });
            }
            self.edits.push(Edit { index: self.index, pointer, value: Value::String(text) });
        }
    }
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
