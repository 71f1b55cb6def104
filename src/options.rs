//! Parses the Service Client API options an integrator pastes from the WWE
//! configuration into [`Options`]: the accepted origins with their request
//! filters, the rate limits, the user-data keys that may be read or written,
//! and the `interaction.web-content` sections.
//!
//! Two input forms are accepted, chosen by the first non-blank character:
//!
//! - Java-properties-style lines, as in the vendor guide's samples:
//!   `key=value`, `key: value` or `key value`; `#` and `!` start comment
//!   lines; blank lines are skipped; a line ending in an odd number of
//!   backslashes continues on the next line. INI-style section headers such
//!   as `[interaction-workspace]` (what a configuration-tool export looks
//!   like) are skipped. Backslash escapes other than line continuation are
//!   kept as written: no WWE option value needs them, and keeping the value
//!   verbatim keeps error positions true to what the user sees.
//! - A JSON object, `{"service-client-api.rate-limit": "5", ...}`, whose
//!   values are strings or numbers (or arrays of them, joined with `, `).
//!
//! Unknown keys are kept in [`Options::unknown`] and reported in
//! [`Options::warnings`]; problems that change the meaning of an option
//! (an unclosed `(`, an empty filter, a non-numeric or negative rate limit)
//! are errors of kind [`ErrorKind::Options`] naming the option, the line,
//! the 0-based byte position in the value, what was expected and what was
//! found.
//!
//! What the options *mean* for a given origin, request or `userData` key is
//! decided by [`crate::policy`] and [`crate::ratelimit`].

#[doc(hidden)]
pub mod fuzzing;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, ErrorKind};

/// The option listing the origins allowed to use the API, with their filters.
pub const ACCEPTED_ORIGINS: &str = "service-client-api.accepted-web-content-origins";
/// The option giving the per-minute limit for every request type.
pub const RATE_LIMIT: &str = "service-client-api.rate-limit";
/// The prefix of the per-request overrides, e.g. `service-client-api.rate-limit.voice.dial`.
pub const RATE_LIMIT_PREFIX: &str = "service-client-api.rate-limit.";
/// The option giving the quarantine delay in seconds after a limit is reached.
pub const QUARANTINE_DELAY: &str = "service-client-api.rate-limit-quarantine-delay";
/// The option listing the `userData` keys a client may read.
pub const USER_DATA_READ_ALLOWED: &str = "service-client-api.user-data.read-allowed";
/// The option listing the `userData` keys a client may write or delete.
pub const USER_DATA_WRITE_ALLOWED: &str = "service-client-api.user-data.write-allowed";
/// The option listing the option sections of the embedded web applications.
pub const WEB_CONTENT: &str = "interaction.web-content";

/// The quarantine delay assumed when
/// `service-client-api.rate-limit-quarantine-delay` is absent.
///
/// The vendor guide does not state the default; its sample rate-limit error
/// says "Further requests of the same type will be ignored for 30 seconds",
/// so 30 is assumed. [`RateLimits::quarantine_delay_seconds`] stays `None`
/// when the option is absent, so the assumption can be shown to the user.
pub const DEFAULT_QUARANTINE_DELAY_SECONDS: u32 = 30;

/// Everything the Service Client API options say, as parsed by
/// [`parse_options`]. Every field may be absent; the meaning of absence is
/// documented on each field and applied by [`crate::policy`] and
/// [`crate::ratelimit`].
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Options {
    /// `service-client-api.accepted-web-content-origins`. `None` when the
    /// option is absent, which this tool treats as "no origin accepted": the
    /// guide has integrators set it "to the domain you want to be able to
    /// access to the API", i.e. nothing is accepted until it is configured.
    /// Policy decisions say so explicitly when they rely on this assumption.
    pub accepted_origins: Option<AcceptedOrigins>,
    /// The rate-limit options (global, per request, quarantine delay).
    pub rate_limits: RateLimits,
    /// `service-client-api.user-data.read-allowed`; `None` when absent,
    /// which [`crate::policy`] treats as "no key may be read".
    pub user_data_read_allowed: Option<KeyList>,
    /// `service-client-api.user-data.write-allowed`; `None` when absent,
    /// which [`crate::policy`] treats as "no key may be written".
    pub user_data_write_allowed: Option<KeyList>,
    /// `interaction.web-content`: the option sections of the embedded web
    /// applications, as listed.
    pub web_content: Option<KeyList>,
    /// The applications those sections describe, in the listed order (see
    /// [`WebApp`]). A listed section that is absent still gives an entry,
    /// without a URL, so the user sees that it is missing.
    pub web_apps: Vec<WebApp>,
    /// Options this parser does not know, in input order.
    pub unknown: Vec<UnknownOption>,
    /// Things worth telling the user that did not stop parsing: unknown keys,
    /// repeated keys, entries that can never match, request names and
    /// namespaces that [`crate::catalog`] does not know.
    pub warnings: Vec<Warning>,
}

/// One embedded web application: a section named in
/// `interaction.web-content`. The guide (G49) names the four ways an
/// application is shown (a tab, a popup, in the background at the
/// interaction level, hidden) but not the keys of its section; this tool
/// reads `url`, `title` and `mode` (`tab`, `popup`, `background`, `hidden`:
/// [`crate::catalog::displays`]). In properties text a section is an
/// INI-style header `[Name]` followed by its keys; in JSON, a key `Name`
/// whose value is an object of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebApp {
    /// The section name, as listed in `interaction.web-content`.
    pub section: String,
    /// `url`: the page WWE loads; `None` when the section does not say.
    pub url: Option<String>,
    /// `title`: what the agent sees; `None` when not set.
    pub title: Option<String>,
    /// `mode`: how it is shown, a catalog display name; `None` when not
    /// set (the guide does not say what WWE does then, so no display rule is
    /// applied).
    pub mode: Option<&'static str>,
    /// 1-based line of the section header in properties text; `None` for
    /// JSON or when the section is absent.
    pub line: Option<usize>,
}

impl WebApp {
    /// How the application is shown, from the catalog; `None` when `mode`
    /// is not set.
    pub fn display(&self) -> Option<&'static crate::catalog::DisplaySpec> {
        self.mode.and_then(crate::catalog::display)
    }

    /// The title, else the section name.
    pub fn label(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.section)
    }
}

/// A byte range `start..end` in an option's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// 0-based byte offset of the first byte.
    pub start: usize,
    /// 0-based byte offset one past the last byte.
    pub end: usize,
}

/// The parsed `service-client-api.accepted-web-content-origins` option.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptedOrigins {
    /// The option's value as written (trailing whitespace removed).
    pub value: String,
    /// 1-based line of the option in properties text; `None` for JSON.
    pub line: Option<usize>,
    /// The entries, in the order written. Empty entries (`a,,b`) are skipped.
    pub entries: Vec<OriginEntry>,
}

/// One entry of the accepted-origins list: an origin (or `*`) and an
/// optional filter list, e.g. `http://my-web-server2 (agent.*, voice.dial)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OriginEntry {
    /// 0-based index of the entry among the non-empty entries.
    pub index: usize,
    /// The entry's text as written, from the origin to the closing `)`.
    pub text: String,
    /// Where [`OriginEntry::text`] is in the option's value.
    pub span: Span,
    /// The origin, normalised.
    pub origin: OriginPattern,
    /// The request filters; `None` when the entry has no parenthesised list,
    /// which allows every request.
    pub filters: Option<Vec<RequestFilter>>,
}

/// The origin part of an [`OriginEntry`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum OriginPattern {
    /// `*`: any origin.
    Any,
    /// One origin, normalised by [`normalize_origin`]: lowercase scheme and
    /// host, default port (80 for http/ws, 443 for https/wss) dropped, no
    /// trailing slash. An entry without `://` is kept lowercased as written;
    /// it never matches a browser origin, and a warning says so.
    Origin(String),
}

/// One request filter inside an entry's parentheses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestFilter {
    /// The filter as written, e.g. `agent.*`.
    pub text: String,
    /// Where the filter is in the option's value.
    pub span: Span,
    /// What the filter matches.
    pub kind: FilterKind,
}

/// What a [`RequestFilter`] matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum FilterKind {
    /// `*`: every request.
    Any,
    /// `agent.*`: every request whose name starts with `agent.`; holds the
    /// namespace without the trailing `.*`.
    Namespace(String),
    /// `voice.dial`: exactly this request (case-sensitive, as request names
    /// are on the wire).
    Exact(String),
}

impl RequestFilter {
    /// Whether this filter lets `request` (e.g. `voice.dial`) through.
    pub fn matches(&self, request: &str) -> bool {
        match &self.kind {
            FilterKind::Any => true,
            FilterKind::Namespace(ns) => request
                .strip_prefix(ns.as_str())
                .is_some_and(|rest| rest.starts_with('.') && rest.len() > 1),
            FilterKind::Exact(name) => name == request,
        }
    }
}

impl OriginEntry {
    /// Whether this entry lets `request` through: no filter list, or a
    /// filter that matches.
    pub fn allows(&self, request: &str) -> bool {
        match &self.filters {
            None => true,
            Some(filters) => filters.iter().any(|f| f.matches(request)),
        }
    }

    /// The filters as a comma-separated list (`agent.*, voice.dial`), or
    /// `None` when the entry has no filter list.
    pub fn filter_list(&self) -> Option<String> {
        self.filters
            .as_ref()
            .map(|fs| fs.iter().map(|f| f.text.as_str()).collect::<Vec<_>>().join(", "))
    }
}

/// The rate-limit options. See [`crate::ratelimit`] for how they are applied.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RateLimits {
    /// `service-client-api.rate-limit`: requests per minute for each request
    /// type; `Some(0)` means unlimited. `None` when absent, treated as
    /// unlimited (the guide's sample sets `0` explicitly to say "no limits
    /// globally", and limits are something one opts into).
    pub global: Option<u32>,
    /// `service-client-api.rate-limit.<request>`: per-request overrides of
    /// [`RateLimits::global`]; `0` means unlimited for that request.
    pub per_request: BTreeMap<String, u32>,
    /// `service-client-api.rate-limit-quarantine-delay` in seconds; `0`
    /// means forever. `None` when absent: see
    /// [`DEFAULT_QUARANTINE_DELAY_SECONDS`].
    pub quarantine_delay_seconds: Option<u32>,
}

impl RateLimits {
    /// The per-minute limit that applies to `request`: the per-request
    /// override if there is one, else the global limit. `None` means
    /// unlimited (absent, or `0`).
    pub fn limit_for(&self, request: &str) -> Option<u32> {
        let limit = match self.per_request.get(request) {
            Some(&n) => n,
            None => self.global.unwrap_or(0),
        };
        (limit > 0).then_some(limit)
    }

    /// The quarantine delay in seconds that applies (`0` = forever),
    /// [`DEFAULT_QUARANTINE_DELAY_SECONDS`] when the option is absent.
    pub fn quarantine_delay(&self) -> u32 {
        self.quarantine_delay_seconds.unwrap_or(DEFAULT_QUARANTINE_DELAY_SECONDS)
    }
}

/// A comma-separated list option such as `user-data.read-allowed=Key1,Key2`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyList {
    /// The option's value as written (trailing whitespace removed).
    pub value: String,
    /// 1-based line of the option in properties text; `None` for JSON.
    pub line: Option<usize>,
    /// The items, trimmed, empty items skipped, in the order written.
    pub keys: Vec<String>,
}

impl KeyList {
    /// Whether `key` is in the list (case-sensitive, like `userData` keys).
    pub fn contains(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }
}

/// An option this parser does not know, kept as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownOption {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
    /// 1-based line in properties text; `None` for JSON.
    pub line: Option<usize>,
}

/// Something the user should know that did not stop parsing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// The option concerned.
    pub option: String,
    /// 1-based line in properties text; `None` for JSON.
    pub line: Option<usize>,
    /// 0-based byte position in the option's value, when the warning is
    /// about one place in it.
    pub position: Option<usize>,
    /// What to tell the user, as a sentence.
    pub message: String,
}

/// Parses pasted WWE options, in properties or JSON form (see the module
/// documentation). Later occurrences of a key replace earlier ones, as in
/// Java properties, with a warning.
///
/// # Errors
///
/// [`ErrorKind::Json`] when the text starts with `{` but is not a JSON
/// object of scalar values; [`ErrorKind::Options`] when a recognised option's
/// value does not follow its grammar.
pub fn parse_options(text: &str) -> Result<Options, Error> {
    let raw = if text.trim_start().starts_with('{') { split_json(text)? } else { split_properties(text) };
    let listed = listed_sections(&raw);
    let (app_raw, raw): (Vec<RawOption>, Vec<RawOption>) =
        raw.into_iter().partition(|o| o.section.as_ref().is_some_and(|s| listed.contains(&s.name)));
    let mut options = Options::default();
    let mut seen: BTreeMap<String, Option<usize>> = BTreeMap::new();
    for opt in raw {
        if let Some(first_line) = seen.insert(opt.key.clone(), opt.line) {
            let earlier = match first_line {
                Some(l) => format!(" (line {l})"),
                None => String::new(),
            };
            options.warnings.push(Warning {
                option: opt.key.clone(),
                line: opt.line,
                position: None,
                message: format!("`{}` is set more than once; this value replaces the earlier one{earlier}", opt.key),
            });
        }
        apply_option(&mut options, opt)?;
    }
    options.web_apps = web_apps(&listed, app_raw, &mut options.warnings)?;
    Ok(options)
}

/// The sections `interaction.web-content` lists (its last value, as for
/// any repeated key), in order, each once.
fn listed_sections(raw: &[RawOption]) -> Vec<String> {
    let value = raw.iter().rev().find(|o| o.key == WEB_CONTENT).map(|o| o.value.as_str()).unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    names
}

/// The application of each listed section, from the keys under it.
fn web_apps(listed: &[String], raw: Vec<RawOption>, warnings: &mut Vec<Warning>) -> Result<Vec<WebApp>, Error> {
    let mut apps: Vec<WebApp> = listed
        .iter()
        .map(|section| WebApp { section: section.clone(), url: None, title: None, mode: None, line: None })
        .collect();
    for opt in raw {
        let Some(section) = opt.section else { continue };
        let Some(app) = apps.iter_mut().find(|a| a.section == section.name) else { continue };
        app.line = app.line.or(section.line);
        let name = format!("[{}] {}", section.name, opt.key);
        match opt.key.as_str() {
            "url" => app.url = Some(opt.value),
            "title" => app.title = Some(opt.value),
            "mode" => {
                let display = crate::catalog::display(&opt.value).ok_or_else(|| {
                    Error::new(ErrorKind::Options {
                        option: name.clone(),
                        line: opt.line,
                        position: 0,
                        expected: format!(
                            "how the application is shown: {}",
                            crate::catalog::displays().iter().map(|d| d.name).collect::<Vec<_>>().join(", ")
                        ),
                        found: if opt.value.is_empty() { "nothing".to_owned() } else { format!("`{}`", opt.value) },
                    })
                })?;
                app.mode = Some(display.name);
            }
            other => warnings.push(Warning {
                option: name.clone(),
                line: opt.line,
                position: None,
                message: format!(
                    "`{other}` in the section of application `{}` is not a key this tool reads (url, title, mode); it is kept but has no effect here",
                    section.name
                ),
            }),
        }
    }
    for app in &apps {
        let problem = match (&app.url, app.mode) {
            (None, _) if app.line.is_none() && app.title.is_none() && app.mode.is_none() => Some(format!(
                "{WEB_CONTENT} lists `{0}`, but no section `[{0}]` is given here, so this tool does not know its page or how it is shown",
                app.section
            )),
            (None, _) => Some(format!("the section `[{}]` has no `url`: WWE has no page to load for it", app.section)),
            (Some(_), None) => Some(format!(
                "the section `[{}]` has no `mode`; the guide does not say how WWE shows it then, so no display rule (such as a tab's dial-only access) is applied",
                app.section
            )),
            _ => None,
        };
        if let Some(message) = problem {
            warnings.push(Warning { option: WEB_CONTENT.to_owned(), line: app.line, position: None, message });
        }
    }
    Ok(apps)
}

/// Normalises an origin as a browser reports it in `MessageEvent.origin`
/// (or as written in the accepted-origins option): lowercase scheme and
/// host, default port dropped, trailing slash removed. Text that is not of
/// the form `scheme://host[:port]` is returned trimmed and lowercased.
pub fn normalize_origin(origin: &str) -> String {
    let trimmed = origin.trim();
    let mut sink = Vec::new();
    match classify_origin(trimmed, 0, &mut sink) {
        Ok(OriginPattern::Origin(o)) => o,
        Ok(OriginPattern::Any) => "*".to_string(),
        Err(_) => trimmed.to_ascii_lowercase(),
    }
}

/// One `key=value` pair before interpretation.
struct RawOption {
    key: String,
    value: String,
    line: Option<usize>,
    /// The INI-style section it is under (`[Name]`), or the JSON key whose
    /// object holds it; `None` at the top.
    section: Option<Section>,
}

/// A section of the options text: its name and the line of its header.
#[derive(Clone)]
struct Section {
    name: String,
    line: Option<usize>,
}

/// An error inside one value, before it is given the option's name and line.
struct ValueError {
    position: usize,
    expected: String,
    found: String,
}

fn value_error(position: usize, expected: impl Into<String>, found: impl Into<String>) -> ValueError {
    ValueError { position, expected: expected.into(), found: found.into() }
}

fn is_prop_space(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\x0c'
}

fn ends_with_odd_backslashes(s: &str) -> bool {
    s.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

fn split_properties(text: &str) -> Vec<RawOption> {
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let mut out = Vec::new();
    let mut section = None;
    let mut i = 0;
    while i < lines.len() {
        let line_no = i + 1;
        let first = lines[i].trim_start_matches(is_prop_space);
        i += 1;
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        let trimmed = first.trim_end();
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            let name = trimmed[1..trimmed.len() - 1].trim().to_string();
            section = Some(Section { name, line: Some(line_no) });
            continue;
        }
        let mut logical = first.to_string();
        while ends_with_odd_backslashes(&logical) {
            logical.pop();
            match lines.get(i) {
                Some(next) => {
                    logical.push_str(next.trim_start_matches(is_prop_space));
                    i += 1;
                }
                None => break,
            }
        }
        let (key, value) = split_key_value(&logical);
        out.push(RawOption { key, value: value.trim_end().to_string(), line: Some(line_no), section: section.clone() });
    }
    out
}

/// Splits a logical properties line at the first unescaped `=`, `:` or
/// whitespace, as `java.util.Properties` does.
fn split_key_value(line: &str) -> (String, &str) {
    let mut key = String::new();
    let mut chars = line.char_indices();
    let mut rest_at = line.len();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, 't')) => key.push('\t'),
                Some((_, 'n')) => key.push('\n'),
                Some((_, 'r')) => key.push('\r'),
                Some((_, 'f')) => key.push('\x0c'),
                Some((_, other)) => key.push(other),
                None => {}
            },
            '=' | ':' => {
                return (key, line[i + 1..].trim_start_matches(is_prop_space));
            }
            c if is_prop_space(c) => {
                rest_at = i;
                break;
            }
            c => key.push(c),
        }
    }
    let rest = line[rest_at..].trim_start_matches(is_prop_space);
    let rest = match rest.strip_prefix(['=', ':']) {
        Some(r) => r.trim_start_matches(is_prop_space),
        None => rest,
    };
    (key, rest)
}

fn split_json(text: &str) -> Result<Vec<RawOption>, Error> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = message.strip_suffix(&suffix).unwrap_or(&message).to_string();
        Error::new(ErrorKind::Json { line: e.line(), column: e.column(), message })
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err(Error::new(ErrorKind::Json {
            line: 1,
            column: 1,
            message: "expected an object mapping option names to values".to_string(),
        }));
    };
    let mut out = Vec::with_capacity(map.len());
    for (key, v) in map {
        let known = crate::catalog::option(&key).is_some();
        if let (serde_json::Value::Object(fields), false) = (&v, known) {
            let section = Section { name: key.clone(), line: None };
            for (field, fv) in fields {
                let value = json_scalar(fv).ok_or_else(|| {
                    json_shape_error(&format!("{key}.{field}"), "a string or a number", json_type_name(fv))
                })?;
                out.push(RawOption {
                    key: field.clone(),
                    value: value.trim().to_string(),
                    line: None,
                    section: Some(section.clone()),
                });
            }
            continue;
        }
        let value = match json_scalar(&v) {
            Some(s) => s,
            None => match &v {
                serde_json::Value::Array(items) => {
                    let parts: Option<Vec<String>> = items.iter().map(json_scalar).collect();
                    match parts {
                        Some(parts) => parts.join(", "),
                        None => return Err(json_shape_error(&key, "an array of strings or numbers", "an array holding an array, object or null")),
                    }
                }
                other => {
                    let expected = if known {
                        "a string or a number"
                    } else {
                        "a string or a number (or an object: an application's section)"
                    };
                    return Err(json_shape_error(&key, expected, json_type_name(other)));
                }
            },
        };
        out.push(RawOption { key, value: value.trim().to_string(), line: None, section: None });
    }
    Ok(out)
}

fn json_scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn json_type_name(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn json_shape_error(key: &str, expected: &str, found: &str) -> Error {
    Error::new(ErrorKind::Options {
        option: key.to_string(),
        line: None,
        position: 0,
        expected: expected.to_string(),
        found: found.to_string(),
    })
}

fn apply_option(options: &mut Options, opt: RawOption) -> Result<(), Error> {
    let RawOption { key, value, line, .. } = opt;
    let wrap = |e: ValueError| {
        Error::new(ErrorKind::Options {
            option: key.clone(),
            line,
            position: e.position,
            expected: e.expected,
            found: e.found,
        })
    };
    let mut notes: Vec<(Option<usize>, String)> = Vec::new();
    match key.as_str() {
        ACCEPTED_ORIGINS => {
            let entries = parse_origin_list(&value, &mut notes).map_err(wrap)?;
            options.accepted_origins = Some(AcceptedOrigins { value: value.clone(), line, entries });
        }
        RATE_LIMIT => {
            let n = parse_count(&value, "a number of requests per minute (0 = unlimited)").map_err(wrap)?;
            options.rate_limits.global = Some(n);
        }
        QUARANTINE_DELAY => {
            let n = parse_count(&value, "a number of seconds (0 = forever)").map_err(wrap)?;
            options.rate_limits.quarantine_delay_seconds = Some(n);
        }
        USER_DATA_READ_ALLOWED | USER_DATA_WRITE_ALLOWED | WEB_CONTENT => {
            let keys = parse_key_list(&value, &mut notes);
            if key != WEB_CONTENT && keys.iter().any(|k| k == "*") {
                notes.push((
                    None,
                    "`*` is not documented as a wildcard for user-data keys; it is treated as a key named `*`".to_string(),
                ));
            }
            let list = Some(KeyList { value: value.clone(), line, keys });
            match key.as_str() {
                USER_DATA_READ_ALLOWED => options.user_data_read_allowed = list,
                USER_DATA_WRITE_ALLOWED => options.user_data_write_allowed = list,
                _ => options.web_content = list,
            }
        }
        k if k.starts_with(RATE_LIMIT_PREFIX) && k.len() > RATE_LIMIT_PREFIX.len() => {
            let request = k[RATE_LIMIT_PREFIX.len()..].to_string();
            if let Some(note) = unknown_request_note(&request, ", so this limit applies only to requests spelled exactly so") {
                notes.push((None, note));
            }
            let n = parse_count(&value, "a number of requests per minute (0 = unlimited)").map_err(wrap)?;
            options.rate_limits.per_request.insert(request, n);
        }
        _ => {
            let hint = KNOWN_KEYS
                .iter()
                .find(|k| k.eq_ignore_ascii_case(&key))
                .map(|k| format!("; did you mean `{k}`? (option names are case-sensitive)"))
                .unwrap_or_default();
            notes.push((None, format!("`{key}` is not a Service Client API option this tool knows; it is kept but has no effect here{hint}")));
            options.unknown.push(UnknownOption { key: key.clone(), value, line });
        }
    }
    options.warnings.extend(
        notes.into_iter().map(|(position, message)| Warning { option: key.clone(), line, position, message }),
    );
    Ok(())
}

const KNOWN_KEYS: [&str; 6] =
    [ACCEPTED_ORIGINS, RATE_LIMIT, QUARANTINE_DELAY, USER_DATA_READ_ALLOWED, USER_DATA_WRITE_ALLOWED, WEB_CONTENT];

/// Describes the text at `pos` for a "found ..." message: the token there,
/// a named character, or the end of the value.
fn describe_at(s: &str, pos: usize) -> String {
    let rest = &s[pos..];
    match rest.chars().next() {
        None => "the end of the value".to_string(),
        Some(c) if c.is_whitespace() => "a space".to_string(),
        Some(c @ (',' | '(' | ')')) => format!("`{c}`"),
        Some(_) => {
            let end = rest.find(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')')).unwrap_or(rest.len());
            format!("`{}`", &rest[..end])
        }
    }
}

fn parse_count(value: &str, expected: &str) -> Result<u32, ValueError> {
    if value.is_empty() {
        return Err(value_error(0, expected, "nothing"));
    }
    if let Some(rest) = value.strip_prefix('-') {
        if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
            return Err(value_error(0, expected, format!("the negative number `{value}`")));
        }
    }
    if let Some((i, c)) = value.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        let found = if c.is_whitespace() { "a space".to_string() } else { format!("`{c}` in `{value}`") };
        return Err(value_error(i, format!("a digit: {expected}"), found));
    }
    value
        .parse::<u32>()
        .map_err(|_| value_error(0, format!("{expected}, at most {}", u32::MAX), format!("`{value}`")))
}

fn parse_key_list(value: &str, notes: &mut Vec<(Option<usize>, String)>) -> Vec<String> {
    let mut keys = Vec::new();
    let mut start = 0;
    for piece in value.split(',') {
        let key = piece.trim();
        if key.is_empty() {
            if !value.trim().is_empty() {
                notes.push((Some(start), "empty item in the list (two commas, or a comma at an end); it is ignored".to_string()));
            }
        } else {
            keys.push(key.to_string());
        }
        start += piece.len() + 1;
    }
    keys
}

/// A position in an option value, for the accepted-origins grammar.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// Consumes a run of characters up to whitespace, `,`, `(` or `)`.
    fn token(&mut self) -> (usize, &'a str) {
        let start = self.pos;
        while self.peek().is_some_and(|c| !c.is_whitespace() && !matches!(c, ',' | '(' | ')')) {
            self.bump();
        }
        (start, &self.s[start..self.pos])
    }
}

/// Parses `origin [ '(' filter (',' filter)* ')' ] (',' ...)*`. Commas
/// separate entries at the top level and filters inside parentheses, so the
/// grammar is walked rather than split.
fn parse_origin_list(value: &str, notes: &mut Vec<(Option<usize>, String)>) -> Result<Vec<OriginEntry>, ValueError> {
    let mut cur = Cursor { s: value, pos: 0 };
    let mut entries: Vec<OriginEntry> = Vec::new();
    cur.skip_ws();
    if cur.peek().is_none() {
        return Ok(entries);
    }
    let mut last_comma: Option<usize> = None;
    loop {
        cur.skip_ws();
        match cur.peek() {
            None => {
                if let Some(at) = last_comma {
                    notes.push((Some(at), "the list ends with a comma; the empty entry after it is ignored".to_string()));
                }
                break;
            }
            Some(',') => {
                notes.push((Some(cur.pos), "empty entry in the list (two commas in a row, or a leading comma); it is ignored".to_string()));
                last_comma = Some(cur.pos);
                cur.bump();
                continue;
            }
            Some('(') => {
                return Err(value_error(cur.pos, "an origin or `*` before the filter list", "`(`"));
            }
            Some(')') => {
                return Err(value_error(cur.pos, "an origin or `*`", "`)` without a matching `(`"));
            }
            Some(_) => {}
        }
        let entry = parse_entry(&mut cur, entries.len(), notes)?;
        if let Some(first) = entries.iter().find(|e| e.origin == entry.origin) {
            let what = match &entry.origin {
                OriginPattern::Any => "`*`".to_string(),
                OriginPattern::Origin(o) => format!("origin {o}"),
            };
            notes.push((
                Some(entry.span.start),
                format!(
                    "{what} is already listed by entry {} (`{}`); only the first entry for an origin is used, so `{}` has no effect",
                    first.index + 1,
                    first.text,
                    entry.text
                ),
            ));
        }
        entries.push(entry);
        cur.skip_ws();
        match cur.peek() {
            None => break,
            Some(',') => {
                last_comma = Some(cur.pos);
                cur.bump();
            }
            Some(_) => {
                let expected = if entries.last().is_some_and(|e| e.filters.is_some()) {
                    "`,` between entries, or the end of the value"
                } else {
                    "`,` between entries, `(` starting a filter list, or the end of the value"
                };
                let found = if cur.peek() == Some(')') { "`)` without a matching `(`".to_string() } else { describe_at(value, cur.pos) };
                return Err(value_error(cur.pos, expected, found));
            }
        }
    }
    Ok(entries)
}

fn parse_entry(cur: &mut Cursor<'_>, index: usize, notes: &mut Vec<(Option<usize>, String)>) -> Result<OriginEntry, ValueError> {
    let (start, token) = cur.token();
    let origin = classify_origin(token, start, notes)?;
    let mut end = cur.pos;
    let save = cur.pos;
    cur.skip_ws();
    let filters = if cur.peek() == Some('(') {
        let filters = parse_filters(cur, notes)?;
        end = cur.pos;
        Some(filters)
    } else {
        cur.pos = save;
        None
    };
    Ok(OriginEntry {
        index,
        text: cur.s[start..end].to_string(),
        span: Span { start, end },
        origin,
        filters,
    })
}

/// Checks and normalises one origin token that starts at `offset` in the value.
fn classify_origin(token: &str, offset: usize, notes: &mut Vec<(Option<usize>, String)>) -> Result<OriginPattern, ValueError> {
    if token == "*" {
        return Ok(OriginPattern::Any);
    }
    let Some((scheme, rest)) = token.split_once("://") else {
        // All trailing slashes go, so that normalising twice changes nothing.
        let bare = token.trim_end_matches('/').to_ascii_lowercase();
        notes.push((
            Some(offset),
            format!("`{token}` has no scheme; browsers report origins as scheme://host[:port] (e.g. http://{bare}), so this entry never matches"),
        ));
        return Ok(OriginPattern::Origin(bare));
    };
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        let found = if scheme.is_empty() { "nothing before `://`".to_string() } else { format!("`{scheme}`") };
        return Err(value_error(offset, "a scheme such as `http` or `https`", found));
    }
    let rest_at = offset + scheme.len() + 3;
    if let Some(i) = rest.find(['/', '?', '#']) {
        if !(i == rest.len() - 1 && rest.ends_with('/')) {
            return Err(value_error(
                rest_at + i,
                "`,`, `(` or the end of the entry (an origin has no path, query or fragment)",
                format!("`{}`", &rest[i..]),
            ));
        }
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(close) => {
                let after = &authority[close + 1..];
                match after.strip_prefix(':') {
                    Some(p) => (&authority[..=close], Some((p, rest_at + close + 2))),
                    None if after.is_empty() => (authority, None),
                    None => {
                        return Err(value_error(rest_at + close + 1, "`:` and a port after the IPv6 address", format!("`{after}`")));
                    }
                }
            }
            None => return Err(value_error(rest_at, "`]` closing the IPv6 address", format!("`{authority}`"))),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some((p, rest_at + h.len() + 1))),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        let found = if authority.is_empty() { "the end of the entry".to_string() } else { format!("`{authority}`") };
        return Err(value_error(rest_at, "a host name after `://`", found));
    }
    let scheme = scheme.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    let port = match port {
        None => None,
        Some((p, at)) => {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                let found = if p.is_empty() { "nothing after `:`".to_string() } else { format!("`{p}`") };
                return Err(value_error(at, "a port number (0 to 65535)", found));
            }
            match p.parse::<u16>() {
                Ok(n) => Some(n),
                Err(_) => return Err(value_error(at, "a port number (0 to 65535)", format!("`{p}`"))),
            }
        }
    };
    if host.contains('*') {
        notes.push((
            Some(offset),
            format!("wildcards in host names are not documented; `{token}` matches only an origin spelled exactly so, not subdomains"),
        ));
    }
    let default_port = match scheme.as_str() {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    };
    Ok(OriginPattern::Origin(match port {
        Some(p) if Some(p) != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    }))
}

/// Parses `( filter, filter, ... )`; the cursor is on the `(`.
fn parse_filters(cur: &mut Cursor<'_>, notes: &mut Vec<(Option<usize>, String)>) -> Result<Vec<RequestFilter>, ValueError> {
    let open = cur.pos;
    cur.bump();
    let unclosed = |found: String| value_error(open, "`)` closing the filter list opened here", found);
    let expected_filter = "a request filter such as `voice.dial`, `agent.*` or `*`";
    let mut filters = Vec::new();
    loop {
        cur.skip_ws();
        match cur.peek() {
            None => return Err(unclosed("the end of the value".to_string())),
            Some(')') => {
                let found = if filters.is_empty() { "`)`: the filter list is empty" } else { "`)` after a comma: an empty filter" };
                return Err(value_error(cur.pos, expected_filter, found));
            }
            Some(',') => return Err(value_error(cur.pos, expected_filter, "`,`: an empty filter")),
            Some('(') => return Err(value_error(cur.pos, expected_filter, "`(`: filter lists do not nest")),
            Some(_) => {}
        }
        let (start, token) = cur.token();
        if token.contains("://") {
            return Err(unclosed(format!("the origin `{token}`")));
        }
        let kind = classify_filter(token, start, notes)?;
        filters.push(RequestFilter { text: token.to_string(), span: Span { start, end: cur.pos }, kind });
        cur.skip_ws();
        match cur.peek() {
            Some(',') => cur.bump(),
            Some(')') => {
                cur.bump();
                return Ok(filters);
            }
            None => return Err(unclosed("the end of the value".to_string())),
            Some(_) => return Err(value_error(cur.pos, "`,` or `)` after a filter", describe_at(cur.s, cur.pos))),
        }
    }
}

fn classify_filter(token: &str, offset: usize, notes: &mut Vec<(Option<usize>, String)>) -> Result<FilterKind, ValueError> {
    if token == "*" {
        return Ok(FilterKind::Any);
    }
    let segments: Vec<&str> = token.split('.').collect();
    let mut at = offset;
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if seg.is_empty() {
            let found = if last { "the end of the filter".to_string() } else { "`.`".to_string() };
            return Err(value_error(at, "a name or `*` between dots", found));
        }
        if *seg == "*" {
            if !last {
                return Err(value_error(at, "`*` only as the last part of a filter, as in `agent.*`", format!("`{token}`")));
            }
        } else if let Some((j, c)) = seg.char_indices().find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '$')) {
            return Err(value_error(at + j, "a request name made of letters, digits, `_` or `-`", format!("`{c}` in `{token}`")));
        }
        at += seg.len() + 1;
    }
    if segments.len() == 1 {
        notes.push((
            Some(offset),
            format!("`{token}` is not a full request name (namespace.request) and matches nothing; did you mean `{token}.*`?"),
        ));
        return Ok(FilterKind::Exact(token.to_string()));
    }
    let kind = match token.strip_suffix(".*") {
        Some(ns) => FilterKind::Namespace(ns.to_string()),
        None => FilterKind::Exact(token.to_string()),
    };
    if let Some(note) = unknown_name_note(&kind) {
        notes.push((Some(offset), note));
    }
    Ok(kind)
}

/// A warning for a filter naming a request or namespace the catalog does
/// not know. Only a warning: WWE may know requests this catalog lacks, and
/// the filter still does what it says for a request spelled that way.
fn unknown_name_note(kind: &FilterKind) -> Option<String> {
    match kind {
        FilterKind::Any => None,
        FilterKind::Namespace(ns) => {
            if ns.contains('.') || crate::catalog::namespace(ns).is_some() {
                return None;
            }
            Some(format!("`{ns}.*`: `{ns}` is not a namespace of the Service Client API; the filter matches no known request"))
        }
        FilterKind::Exact(name) => unknown_request_note(name, ""),
    }
}

/// `consequence` goes between the finding and the hint, e.g. ", so ...".
fn unknown_request_note(name: &str, consequence: &str) -> Option<String> {
    if crate::catalog::request(name).is_some() {
        return None;
    }
    let hint = crate::catalog::suggest(name).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
    Some(format!("`{name}` is not a request of the Service Client API{consequence}{hint}"))
}

#[cfg(test)]
mod tests;
