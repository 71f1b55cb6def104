//! The background's JavaScript and the engine agree: every input it feeds
//! (`feed({ on: "x", ... })`) is an [`Input`] with those fields, every
//! effect the engine can return has its `case` in `perform`, and nothing
//! else is handled there. Read from `extension/background.js` the way a
//! reviewer would; see `src/tests/contract.rs` for the same kind of check
//! of the relay's messages.

use std::collections::{BTreeMap, BTreeSet};

use regex_lite::Regex;
use serde_json::{json, Value};
use wwe_engine::{Effect, Input};

fn background() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../extension/background.js"
    ))
    .expect("background.js")
}

/// Tag -> field names, from one example of each variant.
fn shapes<T: serde::Serialize>(examples: &[T], tag: &str) -> BTreeMap<String, BTreeSet<String>> {
    examples
        .iter()
        .map(|e| {
            let value = serde_json::to_value(e).unwrap();
            let map = value.as_object().unwrap();
            (
                map[tag].as_str().unwrap().to_string(),
                map.keys().cloned().collect(),
            )
        })
        .collect()
}

fn inputs() -> Vec<Input> {
    use wwe_engine::Sender;
    // A match with no wildcard arm: a new variant fails to compile here
    // until it has an example.
    let all = vec![
        Input::Boot {
            boot: String::new(),
            extension_url: String::new(),
            build: None,
            fresh: true,
            stored: Default::default(),
        },
        Input::Message {
            ticket: 0,
            sender: Sender::default(),
            message: Value::Null,
            hook_registered: false,
        },
        Input::Frames {
            tab: 0,
            ticket: None,
            frames: vec![],
        },
        Input::Timer { ticket: 0 },
        Input::Stored { ticket: 0 },
        Input::Refused { ticket: 0 },
        Input::Connect {
            port: 0,
            url: String::new(),
        },
        Input::PortMessage {
            port: 0,
            message: Value::Null,
        },
        Input::Disconnect { port: 0 },
        Input::Executed {
            port: 0,
            id: 0,
            result: Value::Null,
            error: None,
        },
        Input::Committed {
            tab: 0,
            frame: 0,
            parent: None,
            url: String::new(),
        },
        Input::Opened {
            tab: 0,
            opener_tab: 0,
            opener_frame: 0,
        },
        Input::TabRemoved { tab: 0 },
        Input::Error {
            message: String::new(),
        },
        Input::Settings { settings: None },
        Input::AlwaysRecord {
            always_record: Value::Null,
            tabs: vec![],
        },
    ];
    for input in &all {
        match input {
            Input::Boot { .. }
            | Input::Message { .. }
            | Input::Frames { .. }
            | Input::Timer { .. }
            | Input::Stored { .. }
            | Input::Refused { .. }
            | Input::Connect { .. }
            | Input::PortMessage { .. }
            | Input::Disconnect { .. }
            | Input::Executed { .. }
            | Input::Committed { .. }
            | Input::Opened { .. }
            | Input::TabRemoved { .. }
            | Input::Error { .. }
            | Input::Settings { .. }
            | Input::AlwaysRecord { .. } => {}
        }
    }
    all
}

fn effects() -> Vec<Effect> {
    let all = vec![
        Effect::Answer {
            ticket: 0,
            value: Value::Null,
        },
        Effect::Post {
            port: 0,
            message: wwe_core::wire::BackgroundToPanel::Navigated,
        },
        Effect::Disconnect { port: 0 },
        Effect::Tell {
            tab: 0,
            message: wwe_core::wire::BackgroundToRelay::Armed { on: true, settings: Default::default() },
        },
        Effect::Frames {
            tab: 0,
            ticket: None,
        },
        Effect::Wait { ms: 0, ticket: 0 },
        Effect::Write {
            set: Default::default(),
            remove: vec![],
            ticket: None,
        },
        Effect::Hook { on: true },
        Effect::Detach { tab: 0 },
        Effect::Execute {
            port: 0,
            id: 0,
            tab: 0,
            frame: 0,
            spec: json!({}),
        },
    ];
    for effect in &all {
        match effect {
            Effect::Answer { .. }
            | Effect::Post { .. }
            | Effect::Disconnect { .. }
            | Effect::Tell { .. }
            | Effect::Frames { .. }
            | Effect::Wait { .. }
            | Effect::Write { .. }
            | Effect::Hook { .. }
            | Effect::Detach { .. }
            | Effect::Execute { .. } => {}
        }
    }
    all
}

/// The keys of the object literal starting at `open` (`{`), top level only;
/// `key` and `key: value` both count.
fn literal_keys(text: &str, open: usize) -> BTreeSet<String> {
    let mut depth = 0;
    let mut keys = BTreeSet::new();
    let mut item = String::new();
    for c in text[open..].chars() {
        match c {
            '{' | '[' | '(' => {
                depth += 1;
                if depth > 1 {
                    item.push(c);
                }
            }
            '}' | ']' | ')' => {
                depth -= 1;
                if depth == 0 {
                    keys.extend(key_of(&item));
                    break;
                }
                item.push(c);
            }
            ',' if depth == 1 => {
                keys.extend(key_of(&item));
                item.clear();
            }
            _ => item.push(c),
        }
    }
    keys
}

fn key_of(item: &str) -> Option<String> {
    let key = item.split(':').next()?.trim();
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| key.to_string())
}

#[test]
fn every_input_the_js_feeds_is_an_engine_input_with_those_fields() {
    let js = background();
    let known = shapes(&inputs(), "on");
    let fed = Regex::new(r#"(?:feed|later)\(\{ on: (?:ok \? "stored" : "refused"|"([a-z-]+)")"#).unwrap();
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for c in fed.captures_iter(&js) {
        let open = c.get(0).unwrap().start() + c.get(0).unwrap().as_str().find('{').unwrap();
        let keys = literal_keys(&js, open);
        let tags: Vec<String> = match c.get(1) {
            Some(tag) => vec![tag.as_str().to_string()],
            None => vec!["stored".into(), "refused".into()],
        };
        for tag in tags {
            let Some(fields) = known.get(&tag) else {
                problems.push(format!(
                    "background.js feeds {tag:?}, which is no engine Input"
                ));
                continue;
            };
            // Optional fields may be left out; none may be unknown.
            for key in keys.iter().filter(|k| !fields.contains(*k)) {
                problems.push(format!(
                    "background.js feeds {tag:?} with {key:?}, which the Input does not have"
                ));
            }
            seen.insert(tag);
        }
    }
    // `error` is fed through `engine.handle` directly (noteError).
    seen.extend(
        Regex::new(r#"\{ on: "([a-z-]+)""#)
            .unwrap()
            .captures_iter(&js)
            .map(|c| c[1].to_string()),
    );
    for tag in known.keys().filter(|t| !seen.contains(*t)) {
        problems.push(format!(
            "the engine has an Input {tag:?} that background.js never feeds"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_effect_has_its_case_in_perform_and_no_other() {
    let js = background();
    let start = js.find("function perform(e) {").expect("perform");
    let body = &js[start..start + js[start..].find("\n}\n").expect("perform's end")];
    let cases: BTreeSet<String> = Regex::new(r#"case "([a-z-]+)":"#)
        .unwrap()
        .captures_iter(body)
        .map(|c| c[1].to_string())
        .collect();
    let known: BTreeSet<String> = shapes(&effects(), "do").into_keys().collect();
    assert_eq!(
        cases, known,
        "perform's cases and the engine's effects differ"
    );
    // Each field the JS reads of an effect exists on some effect.
    let fields: BTreeSet<String> = shapes(&effects(), "do").into_values().flatten().collect();
    let read: BTreeSet<String> = Regex::new(r"\be\.(\w+)")
        .unwrap()
        .captures_iter(body)
        .map(|c| c[1].to_string())
        .collect();
    let unknown: Vec<&String> = read.iter().filter(|f| !fields.contains(*f)).collect();
    assert!(
        unknown.is_empty(),
        "perform reads {unknown:?}, which no effect has"
    );
}

#[test]
fn the_literal_reader_reads_shorthand_and_nested_values() {
    let text = r#"{ on: "x", tab: d.tabId, frames: (all ?? []).map((f) => [f.a, f.b]), message }"#;
    let keys: Vec<String> = literal_keys(text, 0).into_iter().collect();
    assert_eq!(keys, ["frames", "message", "on", "tab"]);
}
