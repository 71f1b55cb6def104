//! Lints: the checks of one message against the catalog and the given WWE
//! options.
//!
//! Checks that need the whole conversation (pairing, subscriptions,
//! timeouts, quarantines) live in [`crate::session`], which reports them
//! with the codes of [`crate::finding`] (re-exported here, where they have
//! always been found).

use serde_json::Value;

use crate::catalog;
use crate::decode::{Decoded, Direction, Message};
use crate::record::Record;

pub use crate::finding::{Code, Finding, Issue, Severity};

// The causes, written once for both constants below.
macro_rules! silence_causes {
    () => {
        "the app posts with a targetOrigin other than WWE's origin (the browser drops the message and tells neither page; \
Chromium reports it, as a console warning, only when the app and WWE are the same site, and the capture lists it as \
undelivered only where it can read that report; cross-site, Chromium reports nothing, and Firefox gives extensions no \
way to read what it reports), the app posts to the wrong window \
(its parent or opener is not WWE), or the page never loaded its client library. An app whose origin is not in \
service-client-api.accepted-web-content-origins does reach WWE but gets no reply (the guide does not say what WWE does \
with its requests): its requests show as timed out"
    };
}

/// What usually keeps an app's messages from WWE, as the panel's empty
/// states say it. The capture sees delivered messages only; the guide is
/// silent on what WWE does with a request from an origin it does not
/// accept.
pub const SILENCE_CAUSES: &str = silence_causes!();

/// The finding `W026 no-client-message` ([`crate::session::Session::silence`]),
/// as the panel's Findings tab and `wwe-trace summary` and `lint` say it.
pub const SILENCE: &str = concat!(
    "no Service Client API message from an app reached WWE in this capture. What usually causes it: ",
    silence_causes!()
);

/// Checks one message against the catalog: unknown request (with a
/// did-you-mean), parameter count and kinds, unknown event names and
/// `eventType`s, and a client send with `targetOrigin "*"`. The decoder's
/// own issues are not repeated here.
pub fn check_message(record: &Record, decoded: &Decoded) -> Vec<Issue> {
    let mut issues = Vec::new();
    match &decoded.message {
        Message::Request(req) => match req.spec {
            None => {
                let hint = match catalog::suggest(&req.name) {
                    Some(s) => format!("; did you mean '{s}'?"),
                    None => String::new(),
                };
                issues.push(Issue::new(
                    Code::UnknownRequest,
                    format!("'{}' is not a Service Client API request: WWE answers it with an error or not at all{hint}", req.name),
                ));
            }
            Some(spec) => check_params(spec, &req.params, &mut issues),
        },
        Message::Subscribe { names, .. } => {
            for name in names {
                if catalog::event(name).is_none() {
                    let hint = match catalog::suggest_event(name) {
                        Some(s) => format!("; did you mean '{s}'?"),
                        None => " (agent, interaction, media, outbound, system, markdone, messenger:<channel>)".to_owned(),
                    };
                    issues.push(Issue::new(
                        Code::UnknownEvent,
                        format!("WWE sends no event called '{name}', so this subscription never fires{hint}"),
                    ));
                }
            }
        }
        Message::Event { name, event_type: Some(ty), .. } => check_event_type(name, ty, &record.data, &mut issues),
        _ => {}
    }
    if decoded.message.direction() == Direction::ToService && record.target_origin.as_deref() == Some("*") {
        issues.push(Issue::new(
            Code::TargetOriginStar,
            format!(
                "the client at {} posts to WWE with targetOrigin \"*\"{}: any page in that window could read its requests; pass the WWE origin{}",
                if record.source_origin.is_empty() { "an unknown origin" } else { &record.source_origin },
                // The send-side hook's report comes from the page's own
                // world, which can forge it: a claim, not a fact (issue 15).
                if record.page_reported { " (as the page reports it; a page can forge this report)" } else { "" },
                if record.frame_origin.is_empty() { String::new() } else { format!(" ({})", record.frame_origin) },
            ),
        ));
    }
    issues
}

/// Holds an event to the guide's eventType tables (G366-417): a known
/// eventType under the event its table belongs to, on a media its group
/// covers, with the fields its table says it uses. Events whose eventTypes
/// the guide does not document (media, outbound, markdone, messenger) are
/// not judged.
fn check_event_type(name: &str, ty: &str, data: &Value, issues: &mut Vec<Issue>) {
    let typed = catalog::event(name).is_some_and(|e| e.typed);
    let Some(spec) = catalog::event_type(ty) else {
        if typed {
            issues.push(Issue::new(
                Code::UnknownEventType,
                format!("eventType '{ty}' of a '{name}' event is not in the guide's tables; check the handler does not depend on it"),
            ));
        }
        return;
    };
    if spec.event != name {
        if typed || catalog::event(name).is_none() {
            issues.push(Issue::new(
                Code::EventTypeMisplaced,
                format!(
                    "eventType '{ty}' belongs to '{}' events in the guide's tables, but came in a '{name}' event: a handler subscribed to '{}' never sees it",
                    spec.event, spec.event
                ),
            ));
        }
        return;
    }
    let body = data.get("data");
    if let Some(media) = body.and_then(|d| d.get("media")).and_then(Value::as_str) {
        let rule = spec.group.media_rule();
        if !rule.allows(media) {
            issues.push(Issue::new(
                Code::EventTypeMisplaced,
                format!(
                    "eventType '{ty}' is a {} event in the guide's tables (media {}), but came on a '{media}' interaction",
                    spec.group.as_str(),
                    rule.describe()
                ),
            ));
        }
    }
    let missing: Vec<&str> =
        spec.required.iter().copied().filter(|f| body.and_then(|d| d.get(*f)).is_none_or(Value::is_null)).collect();
    if !missing.is_empty() {
        issues.push(Issue::new(
            Code::EventFieldMissing,
            format!(
                "a '{ty}' event without {}: the guide's table says it carries {}",
                missing.iter().map(|f| format!("'{f}'")).collect::<Vec<_>>().join(" and "),
                spec.required.join(" and ")
            ),
        ));
    }
}

fn check_params(spec: &catalog::RequestSpec, params: &[crate::decode::Param], issues: &mut Vec<Issue>) {
    let required = spec.required_params();
    let max = spec.params.len();
    let signature = || {
        let names: Vec<String> = spec
            .params
            .iter()
            .map(|p| if p.optional { format!("[{}]", p.name) } else { p.name.to_owned() })
            .collect();
        format!("{}({})", spec.name, names.join(", "))
    };
    if params.len() < required || params.len() > max {
        let expected = if required == max { format!("{max}") } else { format!("{required} to {max}") };
        issues.push(Issue::new(
            Code::WrongParameterCount,
            format!(
                "{} takes {expected} parameter{}, {} sent: call {}",
                spec.name,
                if max == 1 { "" } else { "s" },
                params.len(),
                signature()
            ),
        ));
    }
    for (p, value) in spec.params.iter().zip(params) {
        let value = &value.value;
        if p.optional && value.is_null() {
            continue;
        }
        if !p.kind.accepts(value) {
            issues.push(Issue::new(
                Code::WrongParameterKind,
                format!("{} parameter '{}' should be {}, found {}", spec.name, p.name, p.kind.expectation(), short(value)),
            ));
        }
    }
}

fn short(value: &Value) -> String {
    crate::tagged::quoted(value, 40)
}

/// Checks a request against the WWE options: whether
/// `service-client-api.accepted-web-content-origins` lets its origin send
/// it, and whether the way its application `app` is shown does (a tab may
/// only dial; see [`crate::policy::evaluate_app`]). `None` when it is
/// allowed, or the message is not a request.
pub fn check_policy(
    record: &Record,
    decoded: &Decoded,
    options: &crate::options::Options,
    app: Option<&crate::options::WebApp>,
) -> Option<Issue> {
    let Message::Request(req) = &decoded.message else { return None };
    let decision = crate::policy::evaluate_app(options, &record.source_origin, &req.name, app);
    if decision.is_allowed() {
        return None;
    }
    Some(Issue::new(
        Code::RequestDeniedByPolicy,
        format!(
            "WWE refuses {} from {}: {}. Change service-client-api.accepted-web-content-origins or send from an accepted origin",
            req.name,
            if record.source_origin.is_empty() { "an unknown origin" } else { &record.source_origin },
            decision.explanation()
        ),
    ))
}
