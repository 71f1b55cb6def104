//! The contract check: reads the JavaScript in `extension/` and fails when
//! it uses a message `type`, a record field, a message field or a `$wwe`
//! tag that `src/wire.rs` does not define, or when something defined there
//! is not used by the JS that should write or read it.
//!
//! An extraction check rather than generated constants: the JS keeps
//! writing plain object literals (cheap, readable in the browser's
//! debugger), and this test reads those literals the way a reviewer would.
//! The patterns are narrow on purpose; a rewrite that hides a shape from
//! them fails the "defined here but not used there" half, so the check
//! cannot go quiet by accident.

use std::collections::{BTreeMap, BTreeSet};

use regex_lite::Regex;
use serde::Serialize;
use wwe_core::wire::{self, field_names};

type Names = BTreeSet<String>;

/// The JS files the extension ships, by name.
fn sources() -> BTreeMap<&'static str, String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/extension");
    ["background.js", "relay.js", "hook.js", "panel-loader.js", "devtools.js"]
        .into_iter()
        .map(|name| (name, std::fs::read_to_string(format!("{dir}/{name}")).expect("extension source")))
        .collect()
}

fn captures(pattern: &str, text: &str) -> Names {
    Regex::new(pattern).unwrap().captures_iter(text).map(|c| c[1].to_string()).collect()
}

fn names<T: Serialize>(example: &T) -> Names {
    field_names(example).into_iter().collect()
}

/// The top-level keys of the object literal whose `{` is at `open`;
/// spreads and computed keys are skipped. Strings and nesting are followed,
/// which is all the literals of `extension/` need.
fn literal_keys(text: &str, open: usize) -> Names {
    let bytes = text.as_bytes();
    assert_eq!(bytes[open], b'{');
    let mut keys = Names::new();
    let mut depth = 0;
    let mut quote = None;
    let mut start = open + 1;
    let mut i = open;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
        } else {
            match c {
                b'"' | b'\'' | b'`' => quote = Some(c),
                b'{' | b'[' | b'(' => depth += 1,
                b'}' | b']' | b')' => {
                    depth -= 1;
                    if depth == 0 {
                        keys.extend(key_of(&text[start..i]));
                        return keys;
                    }
                }
                b',' if depth == 1 => {
                    keys.extend(key_of(&text[start..i]));
                    start = i + 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    panic!("unclosed object literal at byte {open}");
}

fn key_of(segment: &str) -> Option<String> {
    let segment = segment.trim();
    if segment.is_empty() || segment.starts_with("...") || segment.starts_with('[') {
        return None;
    }
    let end = segment.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(segment.len());
    let key = &segment[..end];
    let rest = segment[end..].trim_start();
    // `key: value` or the shorthand `key`; a method `name() {}` is no field.
    (!key.is_empty() && (rest.is_empty() || rest.starts_with(':'))).then(|| key.to_string())
}

/// Keys of every object literal whose `{` is the last one of a match.
fn literals_after(pattern: &str, text: &str) -> Names {
    Regex::new(pattern)
        .unwrap()
        .find_iter(text)
        .flat_map(|m| literal_keys(text, m.start() + m.as_str().rfind('{').expect("the pattern ends in a brace")))
        .collect()
}

/// The `{` of the object literal around `at`.
fn enclosing_brace(text: &str, at: usize) -> usize {
    let mut depth = 0;
    for (i, c) in text[..at].char_indices().rev() {
        match c {
            '}' => depth += 1,
            '{' if depth == 0 => return i,
            '{' => depth -= 1,
            _ => {}
        }
    }
    panic!("no object literal around byte {at}");
}


/// Collects one line per disagreement, so that one run shows them all.
#[derive(Default)]
struct Report(Vec<String>);

impl Report {
    /// Everything `js` uses must be in `rust`.
    fn subset(&mut self, what: &str, js: &Names, rust: &Names) {
        for name in js.difference(rust) {
            self.0.push(format!("{what}: the JS uses {name:?}, which src/wire.rs does not define"));
        }
    }

    /// Everything `rust` defines must be used by `js`.
    fn covered(&mut self, what: &str, js: &Names, rust: &Names) {
        for name in rust.difference(js) {
            self.0.push(format!("{what}: src/wire.rs defines {name:?}, which the JS never uses"));
        }
    }

    fn same(&mut self, what: &str, js: &Names, rust: &Names) {
        self.subset(what, js, rust);
        self.covered(what, js, rust);
    }
}

#[test]
fn the_javascript_speaks_the_rust_contract() {
    let js = sources();
    let all: String = js.values().map(String::as_str).collect::<Vec<_>>().join("\n");
    let background = &js["background.js"];
    let relay = &js["relay.js"];
    let hook = &js["hook.js"];
    let mut report = Report::default();

    // ---- message types ----
    let directions = wire::message_types();
    let rust_types: Names = directions.iter().flat_map(|(_, t)| t.iter().cloned()).collect();
    let mut js_types = captures(r#"\btype:\s*"([a-z][a-z-]*)""#, &all);
    js_types.extend(captures(r#"\.type\s*===\s*"([a-z][a-z-]*)""#, &all));
    // Every type the JS uses is defined. Between panel and background
    // both ends are Rust now (the panel, and the engine in the background),
    // so only the relay's directions must each be used by the JS.
    report.subset("message types", &js_types, &rust_types);
    let relay_types: Names = directions
        .iter()
        .filter(|(d, _)| d.contains("relay"))
        .flat_map(|(_, t)| t.iter().cloned())
        .collect();
    report.covered("relay message types", &js_types, &relay_types);
    for (name, value) in [("PANEL_PORT", wire::PANEL_PORT), ("SETTINGS_KEY", wire::SETTINGS_KEY), ("ALWAYS_RECORD_KEY", wire::ALWAYS_RECORD_KEY)] {
        let js_value = captures(&format!(r#"const {name} = "([^"]*)""#), background);
        report.same(&format!("{name} (background.js)"), &js_value, &[value.to_string()].into());
    }

    // ---- message fields ----
    // Every literal `{ type: "x", ... }` in the JS writes only fields of x.
    let mut fields_of: BTreeMap<String, Names> = BTreeMap::new();
    let mut note = |value: serde_json::Value| {
        if let Some(map) = value.as_object() {
            let tag = map["type"].as_str().unwrap().to_string();
            fields_of.entry(tag).or_default().extend(map.keys().cloned());
        }
    };
    for m in [
        wire::RelayToBackground::RelayBatch(wire::RelayBatch::default()),
        wire::RelayToBackground::RelayHello(wire::RelayHello::default()),
    ] {
        note(serde_json::to_value(m).unwrap());
    }
    note(serde_json::to_value(wire::BackgroundToRelay::Armed { on: true, settings: wire::RelaySettings::default() }).unwrap());
    note(serde_json::to_value(wire::PageToBackground::Stats).unwrap());
    for m in [
        wire::PanelToBackground::Hello(wire::Hello::default()),
        wire::PanelToBackground::Subscribe { tab_id: 0 },
        wire::PanelToBackground::Clear,
        wire::PanelToBackground::Preserve { on: true },
        wire::PanelToBackground::Ping,
        wire::PanelToBackground::Send(wire::SendCommand::default()),
    ] {
        note(serde_json::to_value(m).unwrap());
    }
    for m in [
        wire::BackgroundToPanel::Hello(wire::Hello::default()),
        wire::BackgroundToPanel::Backlog { tab_id: Some(0), records: Vec::new(), dropped: 0 },
        wire::BackgroundToPanel::Records { records: Vec::new() },
        wire::BackgroundToPanel::Dropped { total: 0 },
        wire::BackgroundToPanel::Navigated,
        wire::BackgroundToPanel::Error { message: String::new() },
        wire::BackgroundToPanel::Sent(wire::SentAnswer::default()),
    ] {
        note(serde_json::to_value(m).unwrap());
    }
    let typed = Regex::new(r#"\btype:\s*"([a-z][a-z-]*)""#).unwrap();
    for (file, text) in &js {
        for c in typed.captures_iter(text) {
            let tag = &c[1];
            let keys = literal_keys(text, enclosing_brace(text, c.get(0).unwrap().start()));
            let known = fields_of.get(tag).cloned().unwrap_or_default();
            report.subset(&format!("fields of {tag:?} in {file}"), &keys, &known);
        }
    }
    // What the background reads of a message sent to it.
    let to_background: Names = ["relay-batch", "relay-hello", "stats", "hello", "subscribe", "clear", "preserve", "ping", "send"]
        .iter()
        .flat_map(|t| fields_of.get(*t).cloned().unwrap_or_default())
        .collect();
    report.subset("fields the background reads of a message", &captures(r"\bmessage\??\.(\w+)", background), &to_background);
    // The relay's batch, built in one literal, carries every field.
    let batch = literals_after(r"const message = \{", relay);
    report.same("relay-batch fields", &batch, &fields_of["relay-batch"]);

    // ---- the record, as the relay writes it ----
    let relay_record = names(&wire::RelayRecord {
        src: Some(wire::Source::default()),
        ports: Some(1),
        ..Default::default()
    });
    let mut written = literals_after(r"const record = \{", relay);
    // `encode(data, record)` sets its fields as `record.json = …`.
    written.extend(captures(r"\brecord\.(\w+)\s*=", relay));
    written.extend(captures(r"\br\.(\w+)", relay));
    report.same("relay record fields (relay.js)", &written, &relay_record);
    let source = literals_after(r"\{ rel:", relay);
    report.same("sender fields (relay.js)", &source, &names(&wire::Source { opener_path: Some(Vec::new()), ..Default::default() }));

    // The background's JS neither reads the relay's records nor writes its
    // own: the engine (`engine/`) does, with these types; its own test
    // (`engine/tests/background_js.rs`) checks the JS's inputs and effects.
    report.same("record fields read by background.js", &captures(r"\br\??\.(\w+)", background), &Names::new());

    // ---- the hook's report ----
    report.same("hook report fields (hook.js)", &literals_after(r"stringify\(\{", hook), &names(&wire::HookReport::default()));
    report.subset("hook report fields (relay.js)", &captures(r"\breport\.(\w+)", relay), &names(&wire::HookReport::default()));
    report.same("hook event (hook.js)", &captures(r#"const EVENT = "([^"]*)""#, hook), &[wire::HOOK_EVENT.to_string()].into());
    report.same("hook event (relay.js)", &captures(r#"const HOOK_EVENT = "([^"]*)""#, relay), &[wire::HOOK_EVENT.to_string()].into());

    // ---- $wwe value tags ----
    let tags: Names = wire::VALUE_TAGS.iter().map(|t| t.to_string()).collect();
    report.same("$wwe tags (relay.js)", &captures(r#"\$wwe:\s*"([a-z][a-z-]*)""#, relay), &tags);

    assert!(report.0.is_empty(), "the JS and src/wire.rs disagree:\n  {}", report.0.join("\n  "));
}

#[test]
fn the_check_reads_literals_as_written() {
    let text = r#"x({ type: "a", b: 1, c, ...d, [e]: 2, f: { g: "}" }, h() { return 1; } })"#;
    let keys = literal_keys(text, text.find('{').unwrap());
    assert_eq!(keys, ["b", "c", "f", "type"].iter().map(|s| s.to_string()).collect());
}
