//! The panel's filter language: free text plus `key:value` terms, parsed
//! once and matched against each row's facts.
//!
//! ```text
//! kind:request name:voice.* status:error -origin:localhost latency>500 dial
//! ```
//!
//! Terms are ANDed. A leading `-` negates a term. Values may be quoted
//! (`name:"voice.dial"`). `*` in a value matches any run of characters;
//! without `*`, a value matches as a case-insensitive substring, except for
//! `kind:` and `status:`, which name one exact word. Free text matches
//! anywhere in the row's searchable text. A parse problem is reported with
//! its position and the rest of the query still filters, so a half-typed
//! filter never blanks the table.

use std::fmt;

/// A parsed filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    terms: Vec<Term>,
    problems: Vec<QueryProblem>,
}

/// One condition of a query, possibly negated.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// True for `-term`.
    pub negated: bool,
    /// What the term tests.
    pub test: Test,
}

/// What a term tests.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Free text, anywhere in the row.
    Text(String),
    /// `field:value`.
    Field(Field, Pattern),
    /// `latency>500`, `size<=1024`, …
    Compare(Number, Comparison, f64),
}

/// The text fields a `key:value` term can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `kind:` the decoder's kind (`request`, `reply`, `event`, `foreign`…).
    Kind,
    /// `name:` the request name, event name or `event/eventType`.
    Name,
    /// `ns:` the request's namespace (`voice`, `interaction`…).
    Namespace,
    /// `status:` the exchange state (`ok`, `error`, `rate-limited`…).
    Status,
    /// `frame:` a frame's URL or WWE frame id, sender or receiver.
    Frame,
    /// `origin:` the sender's or receiver's origin.
    Origin,
    /// `id:` an interaction id.
    Interaction,
}

/// The numeric fields a comparison can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Number {
    /// Milliseconds between request and reply.
    Latency,
    /// Bytes of the message as JSON.
    Size,
}

/// `<`, `<=`, `=`, `>=`, `>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Less,
    LessOrEqual,
    Equal,
    GreaterOrEqual,
    Greater,
}

/// A value to match: lower-cased, with `*` wildcards.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    text: String,
}

/// Something wrong in the filter text; the term is left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryProblem {
    /// Byte offset in the filter text where the problem starts.
    pub position: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for QueryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.position + 1, self.message)
    }
}

/// What a row offers to the filter. The panel builds one per row.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts<'a> {
    /// The decoder's kind word.
    pub kind: &'a str,
    /// Request name, or `event/eventType`, or empty.
    pub name: &'a str,
    /// Exchange state word, or empty for messages outside an exchange.
    pub status: &'a str,
    /// Sender and receiver frame descriptions (URLs, WWE frame ids); empty
    /// when unknown.
    pub frames: [&'a str; 2],
    /// Sender and receiver origins; empty when unknown.
    pub origins: [&'a str; 2],
    /// Interaction id, when the message names one.
    pub interaction: Option<&'a str>,
    /// Latency in ms, when the row is an answered exchange.
    pub latency: Option<f64>,
    /// Size in bytes.
    pub size: f64,
    /// Everything free text may match (summary, raw JSON…).
    pub text: &'a str,
}

impl Query {
    /// Parses filter text. Never fails: problems are collected and the
    /// faulty terms left out.
    pub fn parse(input: &str) -> Query {
        let mut query = Query::default();
        for (position, raw) in split_terms(input) {
            match parse_term(raw) {
                Ok(Some(term)) => query.terms.push(term),
                Ok(None) => {}
                Err(message) => query.problems.push(QueryProblem { position, message }),
            }
        }
        query
    }

    /// True when the query has no terms (everything matches).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The parsed terms.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Problems found while parsing.
    pub fn problems(&self) -> &[QueryProblem] {
        &self.problems
    }

    /// Whether a row with these facts passes every term.
    pub fn matches(&self, facts: &Facts<'_>) -> bool {
        self.terms.iter().all(|term| term.test.matches(facts) != term.negated)
    }

    /// True when every row this query passes is passed by `previous` too,
    /// as typing narrows a query (`dia` → `dial`, one more term), so the
    /// rows `previous` chose can be filtered again instead of all rows.
    /// Conservative: false whenever that is not sure (a longer `status:`
    /// word, a negated term, a glob, a changed comparison).
    pub fn narrows(&self, previous: &Query) -> bool {
        previous.terms.iter().all(|old| self.terms.iter().any(|new| new.implies(old)))
    }
}

impl Term {
    /// True when every row passing `self` passes `other`.
    fn implies(&self, other: &Term) -> bool {
        if self == other {
            return true;
        }
        if self.negated || other.negated {
            return false;
        }
        // Substring tests: a row containing the longer text contains the
        // shorter one within it.
        match (&self.test, &other.test) {
            (Test::Text(new), Test::Text(old)) => new.contains(old.as_str()),
            (Test::Field(new_field, new), Test::Field(old_field, old)) => {
                let substring = matches!(new_field, Field::Name | Field::Frame | Field::Origin | Field::Interaction);
                new_field == old_field && substring && !new.text.contains('*') && !old.text.contains('*') && new.text.contains(old.text.as_str())
            }
            _ => false,
        }
    }
}

impl Test {
    fn matches(&self, facts: &Facts<'_>) -> bool {
        match self {
            Test::Text(text) => contains_ignoring_case(facts.text, text),
            Test::Field(field, pattern) => match field {
                Field::Kind => pattern.is_word(facts.kind),
                Field::Status => pattern.is_word(facts.status),
                Field::Name => pattern.matches(facts.name),
                Field::Namespace => {
                    let namespace = facts.name.split(['.', '/']).next().unwrap_or("");
                    pattern.is_word(namespace)
                }
                Field::Frame => facts.frames.iter().any(|frame| !frame.is_empty() && pattern.matches(frame)),
                Field::Origin => facts.origins.iter().any(|origin| !origin.is_empty() && pattern.matches(origin)),
                Field::Interaction => facts.interaction.is_some_and(|id| pattern.matches(id)),
            },
            Test::Compare(number, comparison, limit) => {
                let value = match number {
                    Number::Latency => facts.latency,
                    Number::Size => Some(facts.size),
                };
                value.is_some_and(|value| comparison.holds(value, *limit))
            }
        }
    }
}

impl Comparison {
    fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            Comparison::Less => value < limit,
            Comparison::LessOrEqual => value <= limit,
            Comparison::Equal => value == limit,
            Comparison::GreaterOrEqual => value >= limit,
            Comparison::Greater => value > limit,
        }
    }
}

impl Pattern {
    fn new(text: &str) -> Pattern {
        Pattern { text: text.to_lowercase() }
    }

    /// Substring match, or a glob over the whole value when it has `*`.
    fn matches(&self, value: &str) -> bool {
        if self.text.contains('*') {
            glob(&self.text, &value.to_lowercase())
        } else {
            contains_ignoring_case(value, &self.text)
        }
    }

    /// Whole-word match (with `*` as a glob).
    fn is_word(&self, value: &str) -> bool {
        glob(&self.text, &value.to_lowercase())
    }
}

/// Splits on whitespace outside double quotes; yields (offset, term).
fn split_terms(input: &str) -> Vec<(usize, &str)> {
    let mut terms = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (i, c) in input.char_indices() {
        match (start, c) {
            (None, c) if c.is_whitespace() => {}
            (None, _) => {
                start = Some(i);
                quoted = c == '"';
            }
            (Some(_), '"') => quoted = !quoted,
            (Some(s), c) if c.is_whitespace() && !quoted => {
                terms.push((s, &input[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        terms.push((s, &input[s..]));
    }
    terms
}

fn parse_term(raw: &str) -> Result<Option<Term>, String> {
    let (negated, body) = match raw.strip_prefix('-') {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, raw),
    };
    if let Some(test) = parse_comparison(body)? {
        return Ok(Some(Term { negated, test }));
    }
    if let Some((key, value)) = body.split_once(':') {
        if let Some(field) = field_named(key) {
            let value = unquote(value);
            if value.is_empty() {
                return Err(format!("`{key}:` needs a value, e.g. {}", example(field)));
            }
            return Ok(Some(Term { negated, test: Test::Field(field, Pattern::new(value)) }));
        }
    }
    let text = unquote(body);
    if text.is_empty() {
        return Ok(None);
    }
    Ok(Some(Term { negated, test: Test::Text(text.to_lowercase()) }))
}

fn parse_comparison(body: &str) -> Result<Option<Test>, String> {
    for (name, number) in [("latency", Number::Latency), ("size", Number::Size)] {
        let Some(rest) = strip_prefix_ignoring_case(body, name) else { continue };
        let (comparison, value) = if let Some(v) = rest.strip_prefix(">=") {
            (Comparison::GreaterOrEqual, v)
        } else if let Some(v) = rest.strip_prefix("<=") {
            (Comparison::LessOrEqual, v)
        } else if let Some(v) = rest.strip_prefix('>') {
            (Comparison::Greater, v)
        } else if let Some(v) = rest.strip_prefix('<') {
            (Comparison::Less, v)
        } else if let Some(v) = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':')) {
            (Comparison::Equal, v)
        } else {
            continue;
        };
        let unit = if number == Number::Latency { "ms" } else { "bytes" };
        let digits = value.trim_end_matches(unit);
        return match digits.parse::<f64>() {
            Ok(limit) if limit.is_finite() => Ok(Some(Test::Compare(number, comparison, limit))),
            _ => Err(format!("`{name}` compares with a number of {unit}, e.g. {name}>500; found `{value}`")),
        };
    }
    Ok(None)
}

fn field_named(key: &str) -> Option<Field> {
    Some(match key.to_ascii_lowercase().as_str() {
        "kind" | "is" => Field::Kind,
        "name" | "request" | "event" => Field::Name,
        "ns" | "namespace" => Field::Namespace,
        "status" | "state" => Field::Status,
        "frame" => Field::Frame,
        "origin" => Field::Origin,
        "interaction" | "id" => Field::Interaction,
        _ => return None,
    })
}

fn example(field: Field) -> &'static str {
    match field {
        Field::Kind => "kind:request",
        Field::Name => "name:voice.*",
        Field::Namespace => "ns:interaction",
        Field::Status => "status:error",
        Field::Frame => "frame:client.html",
        Field::Origin => "origin:localhost",
        Field::Interaction => "id:0042",
    }
}

fn unquote(value: &str) -> &str {
    value.strip_prefix('"').map(|v| v.strip_suffix('"').unwrap_or(v)).unwrap_or(value)
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// `needle` must already be lower-case.
fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        haystack.to_lowercase().contains(needle)
    }
}

/// Whole-string glob with `*` only; both sides lower-case.
fn glob(pattern: &str, value: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = value.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(kind: &'a str, name: &'a str, status: &'a str, origins: [&'a str; 2]) -> Facts<'a> {
        Facts { kind, name, status, origins, frames: ["", ""], interaction: None, latency: None, size: 200.0, text: name }
    }

    #[test]
    fn fields_globs_and_negation() {
        let dial = facts("request", "voice.dial", "ok", ["http://localhost:8480", "http://127.0.0.1:8470"]);
        let event = facts("event", "interaction/RINGING", "", ["http://127.0.0.1:8470", ""]);
        let q = Query::parse("kind:request name:voice.*");
        assert!(q.matches(&dial));
        assert!(!q.matches(&event));
        assert!(Query::parse("ns:interaction").matches(&event));
        assert!(!Query::parse("ns:interaction").matches(&dial));
        assert!(Query::parse("-kind:event").matches(&dial));
        assert!(!Query::parse("-kind:event").matches(&event));
        assert!(Query::parse("origin:localhost").matches(&dial));
        assert!(!Query::parse("-origin:127.0.0.1").matches(&dial), "either end may match");
        assert!(!Query::parse("origin:localhost").matches(&event));
        assert!(Query::parse("status:ok").matches(&dial));
        assert!(!Query::parse("status:o").matches(&dial), "status names a whole word");
        assert!(Query::parse("DIAL").matches(&dial), "free text ignores case");
    }

    #[test]
    fn latency_and_size_comparisons() {
        let mut slow = facts("request", "agent.get", "ok", ["", ""]);
        slow.latency = Some(750.0);
        let mut pending = facts("request", "agent.get", "pending", ["", ""]);
        pending.latency = None;
        assert!(Query::parse("latency>500").matches(&slow));
        assert!(!Query::parse("latency<500").matches(&slow));
        assert!(!Query::parse("latency>500").matches(&pending), "no latency never matches a comparison");
        assert!(Query::parse("latency>=750ms").matches(&slow));
        assert!(Query::parse("size<=200").matches(&slow));
        assert!(!Query::parse("size>200").matches(&slow));
    }

    #[test]
    fn problems_name_the_position_and_keep_the_rest() {
        let q = Query::parse("kind:request latency>fast");
        assert_eq!(q.terms().len(), 1);
        assert_eq!(q.problems().len(), 1);
        assert_eq!(q.problems()[0].position, 13);
        assert!(q.problems()[0].message.contains("number"), "{}", q.problems()[0].message);
        let q = Query::parse("name:");
        assert_eq!(q.problems()[0].message, "`name:` needs a value, e.g. name:voice.*");
    }

    #[test]
    fn quoted_values_and_unknown_keys() {
        let q = Query::parse(r#"name:"voice.dial" foo:bar"#);
        assert_eq!(q.terms().len(), 2);
        assert_eq!(q.terms()[1].test, Test::Text("foo:bar".into()), "an unknown key is plain text");
        let dial = facts("request", "voice.dial", "ok", ["", ""]);
        assert!(q.terms()[0].test.matches(&dial));
    }

    #[test]
    fn glob_anchors_both_ends() {
        assert!(glob("voice.*", "voice.dial"));
        assert!(!glob("voice.*", "xvoice.dial"));
        assert!(glob("*dial", "voice.dial"));
        assert!(glob("v*e.d*l", "voice.dial"));
        assert!(!glob("voice", "voice.dial"));
        assert!(glob("*", ""));
    }

    /// Typing that narrows a query: the panel may filter the previous
    /// rows again only when no row the new query passes was left out.
    #[test]
    fn narrowing_is_recognised_only_when_sure() {
        let narrows = |new: &str, old: &str| Query::parse(new).narrows(&Query::parse(old));
        assert!(narrows("dial", "dia"));
        assert!(narrows("voice.dial", "dial"), "the longer text contains the shorter");
        assert!(narrows("dial kind:request", "dial"), "one more term");
        assert!(narrows("name:voice.d", "name:voice"));
        assert!(narrows("dial", ""), "from everything");
        assert!(narrows("origin:localhost:8480", "origin:localhost"));
        assert!(!narrows("dia", "dial"), "deleting a character widens");
        assert!(!narrows("status:error", "status:erro"), "a status is a whole word: `erro` passed nothing");
        assert!(!narrows("kind:requests", "kind:request"));
        assert!(!narrows("ns:interaction", "ns:inter"));
        assert!(!narrows("-dial", "-dia"), "a longer negated text hides fewer rows");
        assert!(!narrows("name:voice.*l", "name:voice.*"), "globs are not compared");
        assert!(!narrows("latency>50", "latency>5"), "comparisons are not compared");
        assert!(!narrows("name:dial", "dial"), "another field");
        assert!(narrows("latency>5 dial", "latency>5"), "an unchanged term is implied by itself");
    }

    #[test]
    fn empty_query_matches_everything() {
        let q = Query::parse("   ");
        assert!(q.is_empty());
        assert!(q.matches(&Facts::default()));
    }
}
