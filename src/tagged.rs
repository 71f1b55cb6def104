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

/// Tags only a trace reader writes, never the relay: `integer`, an
/// integer beyond 64 bits read from a trace file (`crate::bignum`), which
/// JavaScript cannot send. A page's own object with a `$wwe` key is
/// wrapped by the relay (`object`), so it can never pass for one.
pub const TRACE_TAGS: &[&str] = &["integer"];

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

/// Renders a captured value in a JavaScript-like notation, on one line, as
/// a developer reads it in a console: `undefined`, `NaN`, `12n`,
/// `Map(2) {"a" => 1, "b" => 2}`, `Date 2026-12-02T10:00:00.000Z`,
/// `ArrayBuffer(16) [0a 1f …]`, `MessagePort`, `Blob(image/png, 12 KB)`.
/// The one renderer of non-JSON values: the panel's list, detail pane and
/// JSON tree use it.
///
/// A message nested deeper than the relay keeps inline arrives as
/// `{"$wwe": "nested", "value": ..., "parts": [...]}`, each `{"$wwe":
/// "deep", "part": i}` inside standing for `parts[i]`; it renders whole,
/// down to [`MAX_DEPTH`] levels (deeper levels show as `…`).
pub fn render(value: &Value) -> String {
    render_short(value, usize::MAX)
}

/// [`render`], stopped after about `max_chars` characters (ending in `…`):
/// a list row needs only its start, and a huge message must not be
/// rendered whole for it.
pub fn render_short(value: &Value, max_chars: usize) -> String {
    let (root, parts) = unwrap_nested(value);
    let mut w = Writer { out: String::new(), limit: max_chars, parts };
    w.write(root, 0);
    if w.full() {
        let cut = w.out.char_indices().nth(max_chars).map_or(w.out.len(), |(i, _)| i);
        w.out.truncate(cut);
        w.out.push('…');
    }
    w.out
}

/// A value quoted in a sentence or a column (a finding's "found …", a
/// diff): values JSON cannot hold as [`render_short`] shows them, any other
/// value as its JSON text; either cut after `max_chars` characters, ending
/// in `…`.
pub fn quoted(value: &Value, max_chars: usize) -> String {
    if contains_tags(value) {
        return render_short(value, max_chars);
    }
    let text = value.to_string();
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Levels rendered before the rest of a value shows as `…`: deep enough to
/// read, shallow enough for a browser's stack.
pub const MAX_DEPTH: usize = 200;

/// A `nested` message's root value and its parts; any other value with no
/// parts.
pub fn unwrap_nested(value: &Value) -> (&Value, &[Value]) {
    match tag_of(value) {
        Some("nested") => (field(value, "value"), field(value, "parts").as_array().map(Vec::as_slice).unwrap_or(&[])),
        _ => (value, &[]),
    }
}

/// What a value stands for once a `deep` tag is replaced by its part: the
/// value itself otherwise.
pub fn resolve<'a>(value: &'a Value, parts: &'a [Value]) -> &'a Value {
    let mut v = value;
    // A part may itself be a `deep` tag; bounded, so a malformed trace
    // whose parts point at each other cannot loop.
    for _ in 0..parts.len() + 1 {
        match tag_of(v) {
            Some("deep") => match field(v, "part").as_u64().and_then(|i| parts.get(i as usize)) {
                Some(inner) => v = inner,
                None => return v,
            },
            _ => return v,
        }
    }
    v
}

/// A tagged value that shows as one line (everything but the containers a
/// tree opens: a page object with its own `$wwe` key, and `deep`/`nested`
/// continuations): its rendering. `None` for plain JSON and those.
pub fn leaf_text(value: &Value, parts: &[Value]) -> Option<String> {
    match tag_of(value)? {
        "object" | "deep" | "nested" => None,
        _ => {
            let mut w = Writer { out: String::new(), limit: usize::MAX, parts };
            w.write(value, 0);
            Some(w.out)
        }
    }
}

/// The page's own object that a `{"$wwe": "object"}` tag wraps (it had a
/// `$wwe` key of its own): its keys are data, never a tag.
pub fn own_object(value: &Value) -> Option<&serde_json::Map<String, Value>> {
    match tag_of(value)? {
        "object" => field(value, "value").as_object(),
        _ => None,
    }
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

/// `12 B`, `12 KB`, `1.5 MB`: a size as a developer reads it.
pub fn byte_size(bytes: u64) -> String {
    const K: f64 = 1024.0;
    let b = bytes as f64;
    if b < K {
        format!("{bytes} B")
    } else if b < K * K {
        let kb = b / K;
        if kb < 10.0 { format!("{:.1} KB", kb).replace(".0 ", " ") } else { format!("{} KB", kb.round()) }
    } else if b < K * K * K {
        format!("{:.1} MB", b / (K * K)).replace(".0 ", " ")
    } else {
        format!("{:.1} GB", b / (K * K * K)).replace(".0 ", " ")
    }
}

struct Writer<'a> {
    out: String,
    limit: usize,
    parts: &'a [Value],
}

impl Writer<'_> {
    fn full(&self) -> bool {
        self.out.len() > self.limit
    }

    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn list<'v>(&mut self, items: impl Iterator<Item = &'v Value>, depth: usize) {
        for (i, item) in items.enumerate() {
            if self.full() {
                return;
            }
            if i > 0 {
                self.push(", ");
            }
            self.write(item, depth);
        }
    }

    /// A plain object, keys quoted as JSON, values written as [`write`]
    /// does (so tags inside show as what they stand for).
    fn object(&mut self, map: &serde_json::Map<String, Value>, depth: usize) {
        self.push("{");
        for (i, (k, v)) in map.iter().enumerate() {
            if self.full() {
                break;
            }
            if i > 0 {
                self.push(", ");
            }
            self.push(&Value::String(k.clone()).to_string());
            self.push(": ");
            self.write(v, depth);
        }
        self.push("}");
    }

    /// Bytes as two hex digits each: `[0a 1f …]`.
    fn bytes(&mut self, value: &Value, count: &Value) {
        let items = field(value, "preview").as_array().map(Vec::as_slice).unwrap_or(&[]);
        let hex: Vec<String> = items.iter().map(|v| v.as_u64().map_or_else(|| v.to_string(), |b| format!("{b:02x}"))).collect();
        self.push(" [");
        self.push(&hex.join(" "));
        if count.as_u64().is_some_and(|n| n > items.len() as u64) {
            self.push(if items.is_empty() { "…" } else { " …" });
        }
        self.push("]");
    }

    /// Elements as numbers: `[1, 2, …]`.
    fn elements(&mut self, value: &Value, count: &Value) {
        let items = field(value, "preview").as_array().map(Vec::as_slice).unwrap_or(&[]);
        let plain: Vec<String> = items.iter().map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())).collect();
        self.push(" [");
        self.push(&plain.join(", "));
        if count.as_u64().is_some_and(|n| n > items.len() as u64) {
            self.push(if items.is_empty() { "…" } else { ", …" });
        }
        self.push("]");
    }

    fn write(&mut self, value: &Value, depth: usize) {
        if self.full() {
            return;
        }
        if depth >= MAX_DEPTH {
            self.push("…");
            return;
        }
        match value {
            Value::Array(items) => {
                self.push("[");
                self.list(items.iter(), depth + 1);
                self.push("]");
            }
            Value::Object(map) => match tag_of(value) {
                Some(tag) => self.tagged(tag, value, depth),
                None => self.object(map, depth + 1),
            },
            other => self.push(&other.to_string()),
        }
    }

    fn tagged(&mut self, tag: &str, value: &Value, depth: usize) {
        match tag {
            "undefined" => self.push("undefined"),
            "number" | "integer" => self.push(&text(value, "value")),
            "bigint" => {
                self.push(&text(value, "value"));
                self.push("n");
            }
            "date" => {
                let date = text(value, "value");
                self.push(if date == "Invalid Date" { "" } else { "Date " });
                self.push(&date);
            }
            "regexp" => self.push(&format!("/{}/{}", text(value, "source"), text(value, "flags"))),
            "map" => {
                self.push(&format!("Map({}) {{", text(value, "size")));
                for (i, entry) in field(value, "entries").as_array().into_iter().flatten().enumerate() {
                    if self.full() {
                        break;
                    }
                    if i > 0 {
                        self.push(", ");
                    }
                    self.write(entry.get(0).unwrap_or(&Value::Null), depth + 1);
                    self.push(" => ");
                    self.write(entry.get(1).unwrap_or(&Value::Null), depth + 1);
                }
                self.push("}");
            }
            "set" => {
                self.push(&format!("Set({}) {{", text(value, "size")));
                self.list(field(value, "values").as_array().into_iter().flatten(), depth + 1);
                self.push("}");
            }
            "arraybuffer" => {
                let kind = text(value, "kind");
                self.push(&format!("{}({})", if kind.is_empty() { "ArrayBuffer" } else { &kind }, text(value, "byteLength")));
                self.bytes(value, field(value, "byteLength"));
            }
            "typedarray" => {
                let kind = text(value, "kind");
                self.push(&format!("{kind}({})", text(value, "length")));
                // A DataView's preview is its bytes; a typed array's, its elements.
                if kind == "DataView" {
                    self.bytes(value, field(value, "length"));
                } else {
                    self.elements(value, field(value, "length"));
                }
            }
            "blob" => {
                let mut inside: Vec<String> = Vec::new();
                if let Some(name) = value.get("name").and_then(Value::as_str) {
                    inside.push(name.to_string());
                }
                let kind = text(value, "type");
                if !kind.is_empty() {
                    inside.push(kind);
                }
                inside.push(field(value, "size").as_u64().map_or_else(|| text(value, "size"), byte_size));
                let name = text(value, "kind");
                self.push(&format!("{}({})", if name.is_empty() { "Blob" } else { &name }, inside.join(", ")));
            }
            "messageport" => self.push("MessagePort"),
            "error" => self.push(&format!("{}: {}", text(value, "name"), text(value, "message"))),
            "boxed" => {
                self.push(&format!("{}(", text(value, "kind")));
                self.write(field(value, "value"), depth + 1);
                self.push(")");
            }
            "platform" => self.push(&text(value, "kind")),
            "hole" => self.push("<empty>"),
            "ref" => self.push(&format!("[same object as {}]", text(value, "path"))),
            "cycle" => self.push(&format!("[cycle to {}]", text(value, "path"))),
            "deep" => {
                let inner = resolve(value, self.parts);
                if tag_of(inner) == Some("deep") {
                    self.push("[deeper nesting]");
                } else {
                    self.write(inner, depth);
                }
            }
            "nested" => {
                let (root, parts) = unwrap_nested(value);
                let mut inner = Writer { out: std::mem::take(&mut self.out), limit: self.limit, parts };
                inner.write(root, depth);
                self.out = inner.out;
            }
            "too-deep" => {
                let reason = text(value, "reason");
                self.push(if reason.is_empty() { "[nested too deep]".to_string() } else { format!("[nested too deep: {reason}]") }.as_str());
            }
            "budget-exceeded" => self.push("[…]"),
            "truncated" => {
                let size = field(value, "size").as_u64().map_or_else(|| text(value, "size"), byte_size);
                self.push(&format!("[truncated, {size}]"));
            }
            "object" => {
                // The page's own object with a "$wwe" key, wrapped: its keys
                // are data.
                let inner = field(value, "value");
                if let Value::Object(map) = inner {
                    self.object(map, depth + 1);
                } else {
                    self.write(inner, depth + 1);
                }
            }
            other => self.push(&format!("[{other}]")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// In a sentence: tags as the panel shows them, plain JSON as JSON,
    /// both cut by characters (not bytes) with `…`.
    #[test]
    fn a_quoted_value_reads_as_the_panel_shows_it() {
        assert_eq!(quoted(&json!({"$wwe": "number", "value": "NaN"}), 60), "NaN");
        assert_eq!(quoted(&json!({"$wwe": "bigint", "value": "12"}), 60), "12n");
        assert_eq!(quoted(&json!({"$wwe": "integer", "value": "123456789012345678901234567890"}), 60), "123456789012345678901234567890");
        assert_eq!(quoted(&json!({"a": 1}), 60), r#"{"a":1}"#);
        assert_eq!(quoted(&json!("ééééé"), 3), "\"éé…");
        assert_eq!(quoted(&json!([1, 2]), 5), "[1,2]");
        // A page's own object with a "$wwe" key is no tag.
        assert_eq!(quoted(&json!({"$wwe": "object", "value": {"$wwe": "mine"}}), 60), r#"{"$wwe": "mine"}"#);
    }

    /// A finding quotes a value JSON cannot hold as a developer reads it.
    #[test]
    fn a_finding_quotes_nan_as_nan() {
        let decoded = crate::decode::decode(&json!({"request": {"$wwe": "number", "value": "NaN"}, "referenceId": "1", "userAgent": "WWE Client", "protocolVersion": 2}));
        let texts: Vec<String> = decoded.issues.iter().map(|i| i.message.clone()).collect();
        assert!(texts.iter().any(|t| t.ends_with("found NaN")), "{texts:?}");
    }

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
        check(json!({"$wwe": "date", "value": "2026-12-02T03:04:05.000Z"}), "Date 2026-12-02T03:04:05.000Z");
        check(json!({"$wwe": "date", "value": "Invalid Date"}), "Invalid Date");
        check(json!({"$wwe": "regexp", "source": "a+", "flags": "gi"}), "/a+/gi");
    }

    #[test]
    fn collections_binary_and_references() {
        check(json!({"$wwe": "map", "size": 2, "entries": [["a", 1], ["b", {"$wwe": "number", "value": "NaN"}]]}), r#"Map(2) {"a" => 1, "b" => NaN}"#);
        check(json!({"$wwe": "set", "size": 2, "values": [1, {"$wwe": "undefined"}]}), "Set(2) {1, undefined}");
        check(json!({"$wwe": "arraybuffer", "kind": "ArrayBuffer", "byteLength": 16, "preview": [10, 31]}), "ArrayBuffer(16) [0a 1f …]");
        check(json!({"$wwe": "arraybuffer", "byteLength": 3, "preview": [9, 8, 7]}), "ArrayBuffer(3) [09 08 07]");
        check(json!({"$wwe": "typedarray", "kind": "DataView", "length": 2, "preview": [255, 0]}), "DataView(2) [ff 00]");
        check(json!({"$wwe": "typedarray", "kind": "Uint8Array", "length": 2, "preview": [7, 8]}), "Uint8Array(2) [7, 8]");
        check(json!({"$wwe": "typedarray", "kind": "Float64Array", "length": 40, "preview": [0.5]}), "Float64Array(40) [0.5, …]");
        check(json!({"$wwe": "blob", "kind": "Blob", "type": "image/png", "size": 12288}), "Blob(image/png, 12 KB)");
        check(json!({"$wwe": "blob", "kind": "File", "type": "text/plain", "size": 2, "name": "f.txt"}), "File(f.txt, text/plain, 2 B)");
        check(json!({"$wwe": "blob", "kind": "Blob", "type": "", "size": 1_572_864}), "Blob(1.5 MB)");
        check(json!({"$wwe": "error", "name": "TypeError", "message": "bad"}), "TypeError: bad");
        check(json!({"$wwe": "platform", "kind": "ImageBitmap"}), "ImageBitmap");
        check(json!({"a": {"x": 1}, "b": {"$wwe": "ref", "path": "$.a"}}), r#"{"a": {"x": 1}, "b": [same object as $.a]}"#);
        check(json!({"self": {"$wwe": "cycle", "path": "$"}}), r#"{"self": [cycle to $]}"#);
        check(json!([1, {"$wwe": "hole"}, 3]), "[1, <empty>, 3]");
        check(json!({"$wwe": "messageport"}), "MessagePort");
        check(json!({"$wwe": "too-deep", "reason": "Maximum call stack size exceeded"}), "[nested too deep: Maximum call stack size exceeded]");
    }

    #[test]
    fn sizes_read_as_a_developer_reads_them() {
        assert_eq!(byte_size(0), "0 B");
        assert_eq!(byte_size(1023), "1023 B");
        assert_eq!(byte_size(1024), "1 KB");
        assert_eq!(byte_size(1536), "1.5 KB");
        assert_eq!(byte_size(12 * 1024 + 100), "12 KB");
        assert_eq!(byte_size(5_000_000), "4.8 MB");
    }

    #[test]
    fn deep_nesting_is_unwrapped_and_own_tag_keys_stay_data() {
        check(
            json!({"$wwe": "nested", "value": {"a": {"$wwe": "deep", "part": 0}}, "parts": [[{"$wwe": "deep", "part": 1}], [1]]}),
            r#"{"a": [[1]]}"#,
        );
        // The page's own object with a "$wwe" key: its keys are data, even
        // when they look like a tag.
        check(json!({"$wwe": "object", "value": {"$wwe": "number", "value": "NaN"}}), r#"{"$wwe": "number", "value": "NaN"}"#);
        check(json!({"$wwe": "object", "value": {"$wwe": "mine", "n": {"$wwe": "bigint", "value": "1"}}}), r#"{"$wwe": "mine", "n": 1n}"#);
        assert_eq!(leaf_text(&json!({"$wwe": "object", "value": {"$wwe": "number"}}), &[]), None);
        assert!(own_object(&json!({"$wwe": "object", "value": {"$wwe": "number"}})).is_some_and(|m| m["$wwe"] == "number"));
        check(json!({"$wwe": "truncated", "size": 5000000, "preview": "{"}), "[truncated, 4.8 MB]");
        assert!(contains_tags(&json!([{"x": {"$wwe": "undefined"}}])));
        assert!(!contains_tags(&json!({"x": [1, "a"]})));
        assert!(TAGS.iter().all(|t| !t.is_empty()));
    }

    #[test]
    fn long_or_very_deep_values_stop_early() {
        let long = json!({"$wwe": "set", "size": 1000, "values": (0..1000).collect::<Vec<_>>()});
        let short = render_short(&long, 20);
        assert!(short.starts_with("Set(1000) {0, 1, 2") && short.ends_with('…') && short.chars().count() <= 21, "{short}");
        // 10,000 levels in parts of 100, as the relay writes them.
        let mut parts = Vec::new();
        for i in 0..100u64 {
            let mut v = if i == 99 { json!({"end": true}) } else { json!({"$wwe": "deep", "part": i + 1}) };
            for _ in 0..100 {
                v = json!({"n": v});
            }
            parts.push(v);
        }
        let message = json!({"$wwe": "nested", "value": {"$wwe": "deep", "part": 0}, "parts": parts});
        let text = render(&message);
        assert_eq!(text.matches("{\"n\": ").count(), MAX_DEPTH, "{:.200}", text);
        assert!(text.contains('…'));
    }
}
