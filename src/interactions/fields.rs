//! Small readers of message fields shared by the handlers: a string field,
//! an id that may be a string or a number, a request's parameter.

use serde_json::Value;

use crate::decode::Message;
use crate::session::Captured;

pub(super) fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

pub(super) fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn id_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(text_of)
}

pub(super) fn param(captured: &Captured, i: usize) -> Option<&Value> {
    match &captured.decoded.message {
        Message::Request(r) => r.params.get(i).map(|p| &p.value),
        _ => None,
    }
}
