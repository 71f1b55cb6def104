//! Tagged values: how the capture writes data that JSON cannot express.
//!
//! The relay (`extension/relay.js`) writes a message that is not plain JSON
//! with every exotic value replaced by an object `{"$wwe": kind, ...}`. This
//! module names the tags and renders any captured value for display as what
//! it was (`undefined`, `NaN`, `12n`, `Map(1) {"a" => 1}`, ...). The list of
//! tags is also in ARCHITECTURE.md ("The capture record").

use serde_json::Value;

/// The key that marks a tagged value.
pub const TAG_KEY: &str = "$wwe";

/// Every tag the relay writes.
pub const TAGS: &[&str] = &[
    "undefined", "number", "bigint", "date", "regexp", "map", "set", "arraybuffer", "typedarray", "blob",
    "messageport", "error", "boxed", "platform", "hole", "ref", "cycle", "nested", "deep", "too-deep",
    "truncated", "object", "budget-exceeded",
];

/// The tag of a value, when it is a tagged object.
pub fn tag_of(value: &Value) -> Option<&str> {
    value.as_object()?.get(TAG_KEY)?.as_str()
}

/// True when the value or anything inside it is tagged.
pub fn contains_tags(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.contains_key(TAG_KEY) || map.values().any(contains_tags),
        Value::Array(items) => items.iter().any(contains_tags),
        _ => false,
    }
}

/// Renders a captured value in a JavaScript-like notation, on one line.
///
/// A message nested deeper than the relay keeps inline arrives as
/// `{"$wwe": "nested", "value": ..., "parts": [...]}`, each `{"$wwe":
/// "deep", "part": i}` inside standing for `parts[i]`; it renders whole.
pub fn render(value: &Value) -> String {
    let mut out = String::new();
    let parts = match tag_of(value) {
        Some("nested") => field(value, "parts").as_array().map(Vec::as_slice).unwrap_or(&[]),
        _ => &[],
    };
    let root = if parts.is_empty() && tag_of(value) != Some("nested") { value } else { field(value, "value") };
    write(root, &mut out, parts);
    out
}

fn field<'a>(value: &'a Value, key: &str) -> &'a Value {
    value.get(key).unwrap_or(&Value::Null)
}

fn text(value: &Value, key: &str) -> String {
    match field(value, key) {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn write_list<'a>(items: impl Iterator<Item = &'a Value>, out: &mut String, parts: &[Value]) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(item, out, parts);
    }
}

/// A plain object, keys quoted as JSON, values written as [`write`] does
/// (so tags inside show as tags).
fn write_object(map: &serde_json::Map<String, Value>, out: &mut String, parts: &[Value]) {
    out.push('{');
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&Value::String(k.clone()).to_string());
        out.push_str(": ");
        write(v, out, parts);
    }
    out.push('}');
}

fn write_preview(value: &Value, count: &Value, out: &mut String) {
    let shown = field(value, "preview").as_array().map(Vec::len).unwrap_or(0);
    out.push_str(" [");
    if let Some(items) = field(value, "preview").as_array() {
        let plain: Vec<String> =
            items.iter().map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())).collect();
        out.push_str(&plain.join(", "));
    }
    if count.as_u64().is_some_and(|n| n > shown as u64) {
        out.push_str(if shown > 0 { ", …" } else { "…" });
    }
    out.push(']');
}

fn write(value: &Value, out: &mut String, parts: &[Value]) {
    match value {
        Value::Array(items) => {
            out.push('[');
            write_list(items.iter(), out, parts);
            out.push(']');
        }
        Value::Object(map) => match tag_of(value) {
            Some(tag) => write_tagged(tag, value, out, parts),
            None => write_object(map, out, parts),
        },
        other => out.push_str(&other.to_string()),
    }
}

fn write_tagged(tag: &str, value: &Value, out: &mut String, parts: &[Value]) {
    match tag {
        "undefined" => out.push_str("undefined"),
        "number" => out.push_str(&text(value, "value")),
        "bigint" => {
            out.push_str(&text(value, "value"));
            out.push('n');
        }
        "date" => {
            out.push_str("Date(");
            out.push_str(&text(value, "value"));
            out.push(')');
        }
        "regexp" => {
            out.push('/');
            out.push_str(&text(value, "source"));
            out.push('/');
            out.push_str(&text(value, "flags"));
        }
        "map" => {
            out.push_str(&format!("Map({}) {{", text(value, "size")));
            for (i, entry) in field(value, "entries").as_array().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(entry.get(0).unwrap_or(&Value::Null), out, parts);
                out.push_str(" => ");
                write(entry.get(1).unwrap_or(&Value::Null), out, parts);
            }
            out.push('}');
        }
        "set" => {
            out.push_str(&format!("Set({}) {{", text(value, "size")));
            write_list(field(value, "values").as_array().into_iter().flatten(), out, parts);
            out.push('}');
        }
        "arraybuffer" => {
            let kind = text(value, "kind");
            out.push_str(&format!("{}({})", if kind.is_empty() { "ArrayBuffer" } else { &kind }, text(value, "byteLength")));
            write_preview(value, field(value, "byteLength"), out);
        }
        "typedarray" => {
            out.push_str(&format!("{}({})", text(value, "kind"), text(value, "length")));
            write_preview(value, field(value, "length"), out);
        }
        "blob" => {
            out.push_str(&format!("{} {{type: {}, size: {}", text(value, "kind"), field(value, "type"), text(value, "size")));
            if let Some(name) = value.get("name") {
                out.push_str(&format!(", name: {name}"));
            }
            out.push('}');
        }
        "messageport" => out.push_str("MessagePort"),
        "error" => out.push_str(&format!("{}: {}", text(value, "name"), text(value, "message"))),
        "boxed" => {
            out.push_str(&format!("{}(", text(value, "kind")));
            write(field(value, "value"), out, parts);
            out.push(')');
        }
        "platform" => out.push_str(&format!("[{}]", text(value, "kind"))),
        "hole" => out.push_str("<empty>"),
        "ref" => out.push_str(&format!("[same object as {}]", text(value, "path"))),
        "cycle" => out.push_str(&format!("[cycle to {}]", text(value, "path"))),
        "deep" => match field(value, "part").as_u64().and_then(|i| parts.get(i as usize)) {
            Some(inner) => write(inner, out, parts),
            None => out.push_str("[deeper nesting]"),
        },
        "too-deep" => out.push_str("[nested too deep]"),
        "budget-exceeded" => out.push_str("[…]"),
        "truncated" => out.push_str(&format!("[truncated, {} bytes]", text(value, "size"))),
        "object" => {
            // The page's own object with a "$wwe" key, wrapped.
            let inner = field(value, "value");
            if let Value::Object(map) = inner {
                write_object(map, out, parts);
            } else {
                write(inner, out, parts);
            }
        }
        other => out.push_str(&format!("[{other}]")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(value: Value, expected: &str) {
        assert_eq!(render(&value), expected, "rendering {value}");
    }

    #[test]
    fn scalars_render_as_javascript_writes_them() {
        check(json!({"$wwe": "undefined"}), "undefined");
        check(json!({"$wwe": "number", "value": "NaN"}), "NaN");
        check(json!({"$wwe": "number", "value": "-Infinity"}), "-Infinity");
        check(json!({"$wwe": "number", "value": "-0"}), "-0");
        check(json!({"$wwe": "bigint", "value": "12"}), "12n");
        check(json!({"$wwe": "date", "value": "2024-01-02T03:04:05.000Z"}), "Date(2024-01-02T03:04:05.000Z)");
        check(json!({"$wwe": "regexp", "source": "a+", "flags": "gi"}), "/a+/gi");
    }

    #[test]
    fn collections_binary_and_references() {
        check(json!({"$wwe": "map", "size": 1, "entries": [["a", 1]]}), r#"Map(1) {"a" => 1}"#);
        check(json!({"$wwe": "set", "size": 2, "values": [1, {"$wwe": "undefined"}]}), "Set(2) {1, undefined}");
        check(json!({"$wwe": "arraybuffer", "byteLength": 40, "preview": [1, 2]}), "ArrayBuffer(40) [1, 2, …]");
        check(json!({"$wwe": "typedarray", "kind": "Uint8Array", "length": 2, "preview": [7, 8]}), "Uint8Array(2) [7, 8]");
        check(json!({"$wwe": "blob", "kind": "Blob", "type": "text/plain", "size": 3}), r#"Blob {type: "text/plain", size: 3}"#);
        check(json!({"$wwe": "error", "name": "TypeError", "message": "bad"}), "TypeError: bad");
        check(json!({"a": {"x": 1}, "b": {"$wwe": "ref", "path": "$.a"}}), r#"{"a": {"x": 1}, "b": [same object as $.a]}"#);
        check(json!({"self": {"$wwe": "cycle", "path": "$"}}), r#"{"self": [cycle to $]}"#);
        check(json!([1, {"$wwe": "hole"}, 3]), "[1, <empty>, 3]");
        check(json!({"$wwe": "messageport"}), "MessagePort");
    }

    #[test]
    fn deep_nesting_is_unwrapped_and_own_tag_keys_stay_data() {
        check(
            json!({"$wwe": "nested", "value": {"a": {"$wwe": "deep", "part": 0}}, "parts": [[{"$wwe": "deep", "part": 1}], [1]]}),
            r#"{"a": [[1]]}"#,
        );
        check(json!({"$wwe": "object", "value": {"$wwe": "mine"}}), r#"{"$wwe": "mine"}"#);
        check(json!({"$wwe": "truncated", "size": 5000000, "preview": "{"}), "[truncated, 5000000 bytes]");
        assert!(contains_tags(&json!([{"x": {"$wwe": "undefined"}}])));
        assert!(!contains_tags(&json!({"x": [1, "a"]})));
        assert!(TAGS.iter().all(|t| !t.is_empty()));
    }
}
