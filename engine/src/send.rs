//! Commands from panels that send into a frame (replay, edit, forge,
//! bulk). The route was decided by the core in the panel; here the command
//! is checked for shape and turned into the spec `sendInFrame` runs, and
//! the frame's result into the panel's answer.

use serde_json::{json, Value};
use wwe_core::wire::{Probe, SendCommand, SendMode, SentAnswer};

/// Hard cap on copies in one send (bulk send); the panel asks before
/// sending many.
pub const SEND_CAP: usize = 200;
/// Largest JSON text of one message sent.
const MESSAGE_CAP: usize = 1024 * 1024;
const BASES: &[&str] = &["self", "top", "opener-top"];
const MAX_PATH: usize = 64;

/// The command, or why it is refused (with the id to answer, if any).
pub fn parse(message: &Value) -> Result<SendCommand, (u32, String)> {
    let id = message.get("id").and_then(Value::as_u64).unwrap_or(0) as u32;
    let refuse = |why: &str| Err((id, why.to_string()));
    let integer = |key: &str| message.get(key).and_then(Value::as_i64);
    match (integer("tabId"), integer("frameId")) {
        (Some(_), Some(frame)) if frame >= 0 => {}
        _ => return refuse("send needs an integer tabId and frameId"),
    }
    let mode = message.get("mode").and_then(Value::as_str);
    if !matches!(mode, Some("post" | "dispatch")) {
        return refuse(&format!(
            "unknown send mode {}",
            message.get("mode").unwrap_or(&Value::Null)
        ));
    }
    if !message
        .get("base")
        .and_then(Value::as_str)
        .is_some_and(|b| BASES.contains(&b))
    {
        return refuse(&format!(
            "unknown target base {}",
            message.get("base").unwrap_or(&Value::Null)
        ));
    }
    let path_ok = message
        .get("path")
        .and_then(Value::as_array)
        .is_some_and(|p| {
            p.len() <= MAX_PATH
                && p.iter()
                    .all(|i| i.as_u64().is_some_and(|i| i <= u32::MAX as u64))
        });
    if !path_ok {
        return refuse("bad target path");
    }
    let Some(messages) = message.get("messages").and_then(Value::as_array) else {
        return refuse("nothing to send");
    };
    if messages.is_empty() {
        return refuse("nothing to send");
    }
    if messages.len() > SEND_CAP {
        return refuse(&format!("at most {SEND_CAP} copies per send"));
    }
    if !messages
        .iter()
        .all(|m| m.as_str().is_some_and(|m| m.len() <= MESSAGE_CAP))
    {
        return refuse("messages must be JSON text");
    }
    if !message.get("targetOrigin").is_some_and(Value::is_string)
        || !message.get("spoofOrigin").is_some_and(Value::is_string)
    {
        return refuse("bad origins");
    }
    // Numbers out of range are clamped, as the page would be asked to wait
    // no longer than a minute between copies and ten seconds for a probe.
    let clamp = |key: &str, max: f64| {
        message
            .get(key)
            .and_then(Value::as_f64)
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
            .clamp(0.0, max) as u32
    };
    let mut fields = message.clone();
    fields["intervalMs"] = json!(clamp("intervalMs", 60000.0));
    fields["probeMs"] = json!(clamp("probeMs", 10000.0));
    fields["id"] = json!(id);
    serde_json::from_value(fields).map_err(|e| (id, format!("bad send command: {e}")))
}

/// What `sendInFrame` gets.
pub fn spec(command: &SendCommand) -> Value {
    json!({
        "mode": match command.mode { SendMode::Post => "post", SendMode::Dispatch => "dispatch" },
        "base": command.base,
        "path": command.path,
        "targetOrigin": command.target_origin,
        "spoofOrigin": command.spoof_origin,
        "messages": command.messages,
        "intervalMs": command.interval_ms,
        "probeMs": command.probe_ms,
    })
}

/// The panel's answer from what the frame returned.
pub fn answer(id: u32, result: &Value, error: Option<&str>) -> SentAnswer {
    let fail = |error: String, posted: u32| SentAnswer {
        id,
        ok: false,
        posted,
        error: Some(error),
        probe: None,
    };
    if let Some(error) = error {
        return fail(error.to_string(), 0);
    }
    let Some(result) = result.as_object() else {
        return fail(
            "the frame returned nothing (it may have navigated)".into(),
            0,
        );
    };
    let posted = result.get("posted").and_then(Value::as_u64).unwrap_or(0) as u32;
    if let Some(error) = result.get("error").filter(|e| !e.is_null()) {
        return fail(
            error
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| error.to_string()),
            posted,
        );
    }
    let probe = result
        .get("probe")
        .and_then(|p| serde_json::from_value::<Probe>(p.clone()).ok());
    SentAnswer {
        id,
        ok: true,
        posted,
        error: None,
        probe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command() -> Value {
        json!({"type": "send", "id": 7, "tabId": 1, "frameId": 0, "mode": "post", "base": "top", "path": [0],
               "targetOrigin": "*", "spoofOrigin": "", "messages": ["{}"], "intervalMs": 1e9, "probeMs": -3})
    }

    #[test]
    fn a_good_command_is_clamped_and_kept() {
        let c = parse(&command()).unwrap();
        assert_eq!(
            (c.id, c.interval_ms, c.probe_ms, c.path.clone()),
            (7, 60000, 0, vec![0])
        );
        assert_eq!(spec(&c)["mode"], "post");
    }

    #[test]
    fn bad_commands_say_what_is_wrong_with_their_id() {
        let cases = [
            (
                "frameId",
                json!(-1),
                "send needs an integer tabId and frameId",
            ),
            ("mode", json!("teleport"), "unknown send mode \"teleport\""),
            ("base", json!("opener"), "unknown target base \"opener\""),
            ("path", json!([-1]), "bad target path"),
            ("messages", json!([]), "nothing to send"),
            (
                "messages",
                json!(vec!["{}"; SEND_CAP + 1]),
                "at most 200 copies per send",
            ),
            ("messages", json!([{}]), "messages must be JSON text"),
            ("targetOrigin", json!(null), "bad origins"),
        ];
        for (key, value, why) in cases {
            let mut c = command();
            c[key] = value;
            assert_eq!(parse(&c).unwrap_err(), (7, why.to_string()), "{key}");
        }
    }

    #[test]
    fn the_frames_result_becomes_the_answer() {
        assert!(answer(1, &json!({"posted": 2}), None).ok);
        let failed = answer(1, &json!({"posted": 1, "error": "no window"}), None);
        assert_eq!(
            (failed.ok, failed.posted, failed.error.as_deref()),
            (false, 1, Some("no window"))
        );
        assert_eq!(
            answer(1, &Value::Null, None).error.as_deref(),
            Some("the frame returned nothing (it may have navigated)")
        );
        assert_eq!(
            answer(1, &Value::Null, Some("gone")).error.as_deref(),
            Some("gone")
        );
    }
}
