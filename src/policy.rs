//! Decides what WWE's security options allow: whether a request from an
//! origin is accepted (`service-client-api.accepted-web-content-origins` and
//! its request filters), and which `userData` keys a client may read or
//! write (`service-client-api.user-data.read-allowed` / `write-allowed`).
//!
//! The simulator enforces these decisions and the panel explains them, so
//! every decision names the option entry that made it and, when it denies,
//! says why in a sentence.
//!
//! # Which entry decides
//!
//! An origin can match several entries: its own (`http://a (voice.dial)`)
//! and `*`, or the same origin listed twice. The rule here is: **the first
//! entry whose origin equals the request's origin decides; only if there is
//! none does the first `*` entry decide.** Entries are not merged, so
//! `http://a (voice.dial), *` denies `agent.get` from `http://a` even
//! though `*` alone would allow it. The guide does not say how WWE combines
//! entries; the most specific entry winning is the reading under which a
//! filter list on an origin means something when `*` is also listed.
//! [`crate::options::parse_options`] warns about later duplicates, which
//! this rule never consults.

use serde::Serialize;

use crate::options::{
    normalize_origin, OriginEntry, OriginPattern, Options, Span, WebApp, ACCEPTED_ORIGINS, USER_DATA_READ_ALLOWED,
    USER_DATA_WRITE_ALLOWED,
};

/// Identifies the option entry that made a [`Decision`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryRef {
    /// 0-based index of the entry in the accepted-origins list.
    pub index: usize,
    /// The entry as written, e.g. `http://my-web-server2 (agent.*, voice.dial)`.
    pub text: String,
    /// Where the entry is in the option's value.
    pub span: Span,
    /// 1-based line of the option in properties text; `None` for JSON.
    pub line: Option<usize>,
}

/// Whether WWE accepts a request, and which option entry decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Decision {
    /// The request is accepted because of `entry`.
    Allowed {
        /// The entry that accepts the origin and lets the request through.
        entry: EntryRef,
    },
    /// The request is refused.
    Denied {
        /// Why, as a sentence for the user.
        reason: String,
        /// The entry that matched the origin but filtered the request out;
        /// `None` when no entry matched the origin.
        entry: Option<EntryRef>,
    },
}

impl Decision {
    /// Whether the request is accepted.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    /// The decision as a sentence: the denial reason, or which entry allows.
    pub fn explanation(&self) -> String {
        match self {
            Decision::Allowed { entry } => {
                format!("allowed by the entry `{}` of {ACCEPTED_ORIGINS}", entry.text)
            }
            Decision::Denied { reason, .. } => reason.clone(),
        }
    }
}

fn entry_ref(entry: &OriginEntry, line: Option<usize>) -> EntryRef {
    EntryRef { index: entry.index, text: entry.text.clone(), span: entry.span, line }
}

/// Decides whether WWE accepts `request` (e.g. `voice.dial`) sent by a
/// client whose `MessageEvent.origin` is `origin`.
///
/// An absent accepted-origins option is taken to accept **no** origin: the
/// guide says "to work around web browser security restrictions set the
/// service-client-api.accepted-web-content-origins option to the domain you
/// want to be able to access to the API", i.e. access starts with
/// configuration. The denial reason says that this is an assumption. See
/// the module documentation for which entry decides when several match.
pub fn evaluate(options: &Options, origin: &str, request: &str) -> Decision {
    let origin = normalize_origin(origin);
    let Some(accepted) = &options.accepted_origins else {
        return Decision::Denied {
            reason: format!(
                "{ACCEPTED_ORIGINS} is not set; WWE is assumed to accept no origin until it is configured, so origin {origin} is not accepted"
            ),
            entry: None,
        };
    };
    if accepted.entries.is_empty() {
        return Decision::Denied {
            reason: format!("{ACCEPTED_ORIGINS} is empty, so no origin is accepted (origin {origin} included)"),
            entry: None,
        };
    }
    let exact = accepted.entries.iter().find(|e| matches!(&e.origin, OriginPattern::Origin(o) if *o == origin));
    let Some(entry) = exact.or_else(|| accepted.entries.iter().find(|e| e.origin == OriginPattern::Any)) else {
        return Decision::Denied { reason: format!("origin {origin} is not in {ACCEPTED_ORIGINS}"), entry: None };
    };
    if entry.allows(request) {
        return Decision::Allowed { entry: entry_ref(entry, accepted.line) };
    }
    let only = entry.filter_list().unwrap_or_default();
    Decision::Denied {
        reason: format!("the entry `{}` allows only {only}; {request} is not among them", entry.text),
        entry: Some(entry_ref(entry, accepted.line)),
    }
}

/// Whether any entry of the accepted-origins option matches `origin`, its
/// request filters aside: a message from an origin no entry matches is not
/// for WWE at all.
pub fn origin_accepted(options: &Options, origin: &str) -> bool {
    match evaluate(options, origin, "") {
        Decision::Allowed { .. } => true,
        Decision::Denied { entry, .. } => entry.is_some(),
    }
}

/// The application of `interaction.web-content` whose page a frame at
/// `frame_url` shows: the one whose `url` is the frame's URL (fragment
/// aside), else the longest `url` the frame's URL starts with, else one on
/// the same origin and path. `None` when no section's URL fits, or the
/// frame's URL is not known.
pub fn app_for_frame<'a>(options: &'a Options, frame_url: &str) -> Option<&'a WebApp> {
    let frame = without_fragment(frame_url);
    if frame.is_empty() {
        return None;
    }
    let apps = || options.web_apps.iter().filter_map(|a| Some((a, without_fragment(a.url.as_deref()?))));
    apps()
        .find(|(_, url)| *url == frame)
        .or_else(|| apps().filter(|(_, url)| !url.is_empty() && frame.starts_with(url)).max_by_key(|(_, url)| url.len()))
        .or_else(|| apps().find(|(_, url)| origin_and_path(url) == origin_and_path(frame)))
        .map(|(a, _)| a)
}

fn without_fragment(url: &str) -> &str {
    url.split('#').next().unwrap_or_default().trim()
}

fn origin_and_path(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}

/// Decides whether WWE accepts `request` from a client at `origin` that is
/// the application `app` of `interaction.web-content` (`None`: not known
/// to be one). The one order the simulator enforces and the panel
/// predicts: the origin must be accepted; then how the application is shown
/// may restrict it (a tab: the dial operation only, G70); then the origin's
/// entry filters the request ([`evaluate`]).
pub fn evaluate_app(options: &Options, origin: &str, request: &str, app: Option<&WebApp>) -> Decision {
    let decision = evaluate(options, origin, request);
    if let Decision::Denied { entry: None, .. } = decision {
        return decision;
    }
    let Some((app, display)) = app.and_then(|a| Some((a, a.display()?))) else { return decision };
    if display.allows(request) {
        return decision;
    }
    let only = display.only.unwrap_or_default().join(", ");
    Decision::Denied {
        reason: format!(
            "the application `{}` is shown as a {} (interaction.web-content section [{}], mode={}), and WWE gives an application shown so access to {only} only; {request} is not among them",
            app.label(),
            display.name,
            app.section,
            display.name,
        ),
        entry: match decision {
            Decision::Allowed { entry } => Some(entry),
            Decision::Denied { entry, .. } => entry,
        },
    }
}

/// Removes from a `userData` object the keys that
/// `service-client-api.user-data.read-allowed` does not list, as WWE does
/// "in the `userData` property of the Interaction object returned by a
/// function or an event". Returns the filtered value and the removed keys,
/// in the object's key order.
///
/// An absent option allows **no** key to be read: the guide says "You should
/// also be sure to configure the service-client-api.user-data.read-allowed
/// and service-client-api.user-data.write-allowed options to enable read and
/// write access to user data", i.e. access is off until configured. Key
/// comparison is case-sensitive. A value that is not a JSON object is
/// returned unchanged with nothing removed (there are no keys to filter).
pub fn filter_user_data_read(options: &Options, user_data: &serde_json::Value) -> (serde_json::Value, Vec<String>) {
    let serde_json::Value::Object(map) = user_data else {
        return (user_data.clone(), Vec::new());
    };
    let allowed = options.user_data_read_allowed.as_ref();
    let mut kept = serde_json::Map::new();
    let mut removed = Vec::new();
    for (key, value) in map {
        if allowed.is_some_and(|list| list.contains(key)) {
            kept.insert(key.clone(), value.clone());
        } else {
            removed.push(key.clone());
        }
    }
    (serde_json::Value::Object(kept), removed)
}

/// For each key a client wants to write (`interaction.setUserData`) or
/// delete (`interaction.deleteUserData`), whether
/// `service-client-api.user-data.write-allowed` permits it, in the order
/// given.
///
/// An absent option allows **no** key to be written, for the reason quoted
/// on [`filter_user_data_read`]: "be sure to configure ... to enable read
/// and write access to user data". Key comparison is case-sensitive.
pub fn check_user_data_write<I, S>(options: &Options, keys: I) -> Vec<(String, bool)>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let allowed = options.user_data_write_allowed.as_ref();
    keys.into_iter()
        .map(|k| {
            let k = k.as_ref();
            (k.to_string(), allowed.is_some_and(|list| list.contains(k)))
        })
        .collect()
}

/// Why a `userData` key may not be read (`write == false`) or written
/// (`write == true`), as a sentence; `None` when it may.
pub fn user_data_denial(options: &Options, key: &str, write: bool) -> Option<String> {
    let (option, list, verb) = if write {
        (USER_DATA_WRITE_ALLOWED, options.user_data_write_allowed.as_ref(), "written")
    } else {
        (USER_DATA_READ_ALLOWED, options.user_data_read_allowed.as_ref(), "read")
    };
    match list {
        None => Some(format!(
            "{option} is not set; WWE is assumed to let no userData key be {verb} until it is configured, so `{key}` cannot be {verb}"
        )),
        Some(list) if list.contains(key) => None,
        Some(list) => Some(format!("`{key}` is not in {option} ({}), so it cannot be {verb}", list.keys.join(", "))),
    }
}

#[cfg(test)]
mod tests;
