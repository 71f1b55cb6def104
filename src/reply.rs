//! Canonical service-to-client messages, in the shapes of the wire protocol:
//! success and failure replies, the rate-limit error, the subscribe reply,
//! events and frame id assignments; and the check of a request's parameters
//! against the catalog, with the error text a bad request gets.
//!
//! The simulator builds every message it sends with these functions, so what
//! it sends is exactly what [`crate::decode`] classifies (and a test here
//! says so). The caller chooses the `userAgent`; it must contain `WWE` or the
//! client library ignores the message.

use serde_json::{json, Map, Value};

use crate::catalog::{self, RequestSpec};
use crate::ratelimit::rate_limit_error_message;

fn envelope(user_agent: &str) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("userAgent".into(), Value::String(user_agent.to_owned()));
    map
}

fn with_reference(mut map: Map<String, Value>, reference_id: Option<&str>) -> Map<String, Value> {
    if let Some(rid) = reference_id {
        map.insert("referenceId".into(), Value::String(rid.to_owned()));
    }
    map
}

/// A success reply: `{ referenceId, data, userAgent }`.
pub fn reply_ok(reference_id: Option<&str>, data: Value, user_agent: &str) -> Value {
    let mut map = with_reference(envelope(user_agent), reference_id);
    map.insert("data".into(), data);
    Value::Object(map)
}

/// A failure reply: `{ referenceId, errorMessage, userAgent }` (the presence
/// of `errorMessage` is what makes it a failure).
pub fn reply_error(reference_id: Option<&str>, error_message: &str, user_agent: &str) -> Value {
    let mut map = with_reference(envelope(user_agent), reference_id);
    map.insert(
        "errorMessage".into(),
        Value::String(error_message.to_owned()),
    );
    Value::Object(map)
}

/// The reply to the first request over a rate limit: the failure reply with
/// WWE's exact text ([`rate_limit_error_message`]) and the request's name in
/// `request`, as in the guide's example.
pub fn rate_limit_reply(
    reference_id: Option<&str>,
    request: &str,
    quarantine_seconds: u32,
    user_agent: &str,
) -> Value {
    let mut map = with_reference(envelope(user_agent), reference_id);
    map.insert(
        "errorMessage".into(),
        Value::String(rate_limit_error_message(request, quarantine_seconds)),
    );
    map.insert("request".into(), Value::String(request.to_owned()));
    Value::Object(map)
}

/// The reply to a `subscribe`: `{ referenceId, subscriptionId, data, userAgent }`
/// where `data` lists the event names subscribed to.
pub fn subscribe_reply(
    reference_id: Option<&str>,
    subscription_id: &str,
    names: &[String],
    user_agent: &str,
) -> Value {
    let mut map = with_reference(envelope(user_agent), reference_id);
    map.insert(
        "subscriptionId".into(),
        Value::String(subscription_id.to_owned()),
    );
    map.insert("data".into(), json!(names));
    Value::Object(map)
}

/// An event: `{ event, data, userAgent }`; `data` carries `eventType`.
pub fn event(name: &str, data: Value, user_agent: &str) -> Value {
    let mut map = envelope(user_agent);
    map.insert("event".into(), Value::String(name.to_owned()));
    map.insert("data".into(), data);
    Value::Object(map)
}

/// A frame id assignment: `{ frameId, userAgent }`, no `event`, no `referenceId`.
pub fn frame_id_assignment(frame_id: i64, user_agent: &str) -> Value {
    let mut map = envelope(user_agent);
    map.insert("frameId".into(), Value::from(frame_id));
    Value::Object(map)
}

/// The id WWE gives the `n`-th custom element it shows (toasts and dialogs
/// count together, from 0): `wweCustomToast0`, then `wweCustomDialog1`.
pub fn custom_element_id(element: CustomElement, n: u64) -> String {
    match element {
        CustomElement::Toast => format!("wweCustomToast{n}"),
        CustomElement::Dialog => format!("wweCustomDialog{n}"),
    }
}

/// What WWE shows for `system.popupToast` and `system.openDialog`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomElement {
    /// A toast (`system.popupToast`).
    Toast,
    /// A dialog (`system.openDialog`).
    Dialog,
}

/// The placeholder WWE replaces with the dialog's id in an
/// `system.openDialog` URL.
pub const DIALOG_ID_PLACEHOLDER: &str = "$Dialog.Id$";

/// The URL a dialog shows: `url` with every [`DIALOG_ID_PLACEHOLDER`]
/// replaced by the dialog's id, as WWE does.
pub fn dialog_url(url: &str, dialog_id: &str) -> String {
    url.replace(DIALOG_ID_PLACEHOLDER, dialog_id)
}

/// The error text for a request name the catalog does not know, with a
/// did-you-mean when one is close.
pub fn unknown_request_message(name: &str) -> String {
    match catalog::suggest(name) {
        Some(s) => format!("Unknown request '{name}' (did you mean '{s}'?)"),
        None => format!("Unknown request '{name}'"),
    }
}

/// Checks `parameters` against the catalog entry: enough of them, none too
/// many, each of the kind the catalog says. Returns the error text for the
/// failure reply when they do not fit.
pub fn check_params(spec: &RequestSpec, parameters: &[Value]) -> Result<(), String> {
    let required = spec.required_params();
    if parameters.len() < required {
        let missing: Vec<&str> = spec.params[parameters.len()..required]
            .iter()
            .map(|p| p.name)
            .collect();
        return Err(format!(
            "Bad parameters for '{}': expected {} parameter{}, got {} (missing {})",
            spec.name,
            required,
            if required == 1 { "" } else { "s" },
            parameters.len(),
            missing.join(", ")
        ));
    }
    if parameters.len() > spec.params.len() {
        return Err(format!(
            "Bad parameters for '{}': expected at most {}, got {}",
            spec.name,
            spec.params.len(),
            parameters.len()
        ));
    }
    for (param, value) in spec.params.iter().zip(parameters) {
        if param.optional && value.is_null() {
            continue;
        }
        if !param.kind.accepts(value) {
            return Err(format!(
                "Bad parameters for '{}': {} must be {}, got {}",
                spec.name,
                param.name,
                param.kind.expectation(),
                value
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{decode, Message};

    const UA: &str = "WWE Simulator";

    #[test]
    fn every_builder_decodes_as_its_kind() {
        let kinds: Vec<&str> = [
            reply_ok(Some("1"), json!({"username": "a"}), UA),
            reply_error(Some("2"), "no", UA),
            rate_limit_reply(Some("3"), "voice.dial", 5, UA),
            subscribe_reply(Some("4"), "7", &["agent".into()], UA),
            event("agent", json!({"eventType": "STATE_CHANGED"}), UA),
            frame_id_assignment(3, UA),
        ]
        .iter()
        .map(|v| {
            let d = decode(v);
            assert!(d.issues.is_empty(), "{v}: {:?}", d.issues);
            d.message.kind_str()
        })
        .collect();
        assert_eq!(
            kinds,
            ["reply", "error", "rate-limit", "reply", "event", "frame-id"]
        );
    }

    #[test]
    fn rate_limit_reply_has_the_cores_exact_text() {
        let v = rate_limit_reply(Some("9"), "voice.dial", 30, UA);
        assert_eq!(
            v["errorMessage"],
            "The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds."
        );
        match decode(&v).message {
            Message::RateLimitError {
                request,
                quarantine_seconds,
                ..
            } => {
                assert_eq!(request.as_deref(), Some("voice.dial"));
                assert_eq!(quarantine_seconds, Some(30));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn params_are_checked_against_the_catalog() {
        let dial = catalog::request("voice.dial").unwrap();
        assert_eq!(check_params(dial, &[json!("5001")]), Ok(()));
        let missing = check_params(dial, &[]).unwrap_err();
        assert!(missing.contains("missing destination"), "{missing}");
        let wrong =
            check_params(catalog::request("voice.hangUp").unwrap(), &[json!({})]).unwrap_err();
        assert!(
            wrong.contains("interactionId must be an interaction id"),
            "{wrong}"
        );
        let extra = check_params(catalog::request("agent.get").unwrap(), &[json!(1)]).unwrap_err();
        assert!(extra.contains("at most 0"), "{extra}");
    }

    #[test]
    fn unknown_request_suggests_a_name() {
        assert_eq!(
            unknown_request_message("voice.dail"),
            "Unknown request 'voice.dail' (did you mean 'voice.dial'?)"
        );
    }
}
