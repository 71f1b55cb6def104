//! A post Chromium refused to deliver, as its DevTools protocol reports it
//! (issue 19): a `Log.entryAdded` event with `source: "security"` whose
//! text is "Failed to execute 'postMessage' on 'DOMWindow': The target
//! origin provided ('X') does not match the recipient window's origin
//! ('Y').", with the sender's code location and stack
//! (`../shared/reference/browser-facts.md`, "Undelivered posts"). The
//! browser writes this report, not the page: what it says is a fact.
//!
//! The report names no frame. Which frame sent it is found, where it can
//! be, from the reporting session's resource tree (`Page.getResourceTree`):
//! the frame whose document is, or whose scripts include, the code that
//! called `postMessage`. When several frames could be, none is named.

use serde_json::Value;

/// The browser's own words before the two origins.
const PREFIX: &str = "Failed to execute 'postMessage' on 'DOMWindow': The target origin provided ('";
const MIDDLE: &str = "') does not match the recipient window's origin ('";
/// Call frames kept of the sender's stack.
const STACK_FRAMES: usize = 12;

/// One refused post, read from a `Log.LogEntry`.
#[derive(Debug, Clone, PartialEq)]
pub struct RefusedPost {
    /// The `targetOrigin` the sender passed.
    pub target_origin: String,
    /// The origin the recipient window really had.
    pub recipient_origin: String,
    /// The browser's message, verbatim.
    pub text: String,
    /// The sender's stack, one call a line (`at fn (url:line:col)`, lines
    /// and columns from 1 as DevTools shows them).
    pub stack: Option<String>,
    /// The URLs of the code on the stack, innermost first (the script that
    /// called `postMessage` first); the entry's own `url` when it has no
    /// stack.
    pub code_urls: Vec<String>,
    /// When the browser logged it (ms since the epoch).
    pub time: f64,
}

/// Reads a `Log.LogEntry`; `None` for every other log entry (the log has
/// many: failed loads, mixed content, other security warnings).
pub fn from_log_entry(entry: &Value) -> Option<RefusedPost> {
    if entry.get("source").and_then(Value::as_str) != Some("security") {
        return None;
    }
    let text = entry.get("text").and_then(Value::as_str)?;
    let (target_origin, recipient_origin) = origins_in(text)?;
    let frames = entry.pointer("/stackTrace/callFrames").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let stack = (!frames.is_empty()).then(|| frames.iter().take(STACK_FRAMES).map(stack_line).collect::<Vec<_>>().join("\n"));
    let mut code_urls: Vec<String> = Vec::new();
    let urls = frames.iter().filter_map(|f| f.get("url").and_then(Value::as_str));
    for url in urls.chain(entry.get("url").and_then(Value::as_str)).filter(|u| !u.is_empty()) {
        if !code_urls.iter().any(|u| u == url) {
            code_urls.push(url.to_owned());
        }
    }
    Some(RefusedPost {
        target_origin,
        recipient_origin,
        text: text.to_owned(),
        stack,
        code_urls,
        time: entry.get("timestamp").and_then(Value::as_f64).filter(|t| t.is_finite()).unwrap_or(0.0),
    })
}

/// The two origins of the browser's message. The target origin is the
/// sender's own string and may hold anything, quotes included; the
/// recipient's is a serialized origin, so the text is split at its last
/// occurrence of the words between them.
fn origins_in(text: &str) -> Option<(String, String)> {
    let rest = text.strip_prefix(PREFIX)?;
    let rest = rest.strip_suffix("').").or_else(|| rest.strip_suffix("')"))?;
    let (target, recipient) = rest.rsplit_once(MIDDLE)?;
    Some((target.to_owned(), recipient.to_owned()))
}

/// One call frame as DevTools prints it.
fn stack_line(frame: &Value) -> String {
    let name = frame.get("functionName").and_then(Value::as_str).unwrap_or("");
    let url = frame.get("url").and_then(Value::as_str).unwrap_or("");
    let number = |key: &str| frame.get(key).and_then(Value::as_i64).map_or(0, |n| n + 1);
    let place = format!("{url}:{}:{}", number("lineNumber"), number("columnNumber"));
    if name.is_empty() {
        format!("at {place}")
    } else {
        format!("at {name} ({place})")
    }
}

/// A frame of the reporting session's resource tree that may have sent
/// the post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The frame's document URL (without its fragment).
    pub url: String,
    /// Its origin, as the browser's tree gives it (`securityOrigin`).
    pub origin: String,
}

/// The frames of a `Page.getResourceTree` answer (`{frameTree: …}`) that
/// ran the code which called `postMessage`: the innermost code URL of the
/// stack that some frame's document or script is, matched exactly. Empty
/// when none matches (code without a URL, or a tree from another process).
pub fn candidates(tree: &Value, post: &RefusedPost) -> Vec<Candidate> {
    let mut frames = Vec::new();
    collect(tree.get("frameTree").unwrap_or(tree), &mut frames, 0);
    for url in &post.code_urls {
        let found: Vec<Candidate> = frames
            .iter()
            .filter(|node| document_url(node) == url.as_str() || scripts(node).any(|s| s == url))
            .map(|node| Candidate {
                url: document_url(node).to_owned(),
                origin: node.pointer("/frame/securityOrigin").and_then(Value::as_str).unwrap_or("").to_owned(),
            })
            .collect();
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// Frames nested deeper than this in a tree are not looked at.
const MAX_TREE_DEPTH: usize = 64;

fn collect<'a>(node: &'a Value, out: &mut Vec<&'a Value>, depth: usize) {
    if depth > MAX_TREE_DEPTH || node.get("frame").is_none() {
        return;
    }
    out.push(node);
    for child in node.get("childFrames").and_then(Value::as_array).into_iter().flatten() {
        collect(child, out, depth + 1);
    }
}

fn document_url(node: &Value) -> &str {
    without_fragment(node.pointer("/frame/url").and_then(Value::as_str).unwrap_or(""))
}

/// A document URL as frames are matched by it: without its fragment.
pub fn without_fragment(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

fn scripts(node: &Value) -> impl Iterator<Item = &str> {
    node.get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("type").and_then(Value::as_str) == Some("Script"))
        .filter_map(|r| r.get("url").and_then(Value::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(text: &str) -> Value {
        json!({
            "source": "security", "level": "warning", "text": text, "timestamp": 1_700_000_000_123.5,
            "url": "http://127.0.0.1:8475/wwe-client.js", "lineNumber": 33,
            "stackTrace": {"callFrames": [
                {"functionName": "post", "scriptId": "7", "url": "http://127.0.0.1:8475/wwe-client.js", "lineNumber": 33, "columnNumber": 15},
                {"functionName": "", "scriptId": "9", "url": "http://127.0.0.1:8475/console.js", "lineNumber": 4, "columnNumber": 2}
            ]}
        })
    }

    const TEXT: &str = "Failed to execute 'postMessage' on 'DOMWindow': The target origin provided ('https://wrong.example') does not match the recipient window's origin ('http://127.0.0.1:8470').";

    #[test]
    fn the_browsers_report_gives_both_origins_the_stack_and_the_time() {
        let post = from_log_entry(&entry(TEXT)).expect("a refused post");
        assert_eq!(post.target_origin, "https://wrong.example");
        assert_eq!(post.recipient_origin, "http://127.0.0.1:8470");
        assert_eq!(post.text, TEXT);
        assert_eq!(
            post.stack.as_deref(),
            Some("at post (http://127.0.0.1:8475/wwe-client.js:34:16)\nat http://127.0.0.1:8475/console.js:5:3")
        );
        assert_eq!(post.code_urls, ["http://127.0.0.1:8475/wwe-client.js", "http://127.0.0.1:8475/console.js"]);
        assert_eq!(post.time, 1_700_000_000_123.5);
    }

    #[test]
    fn a_target_origin_with_quotes_and_the_same_words_is_read_whole() {
        let target = "x') does not match the recipient window's origin ('y";
        let text = format!("{PREFIX}{target}{MIDDLE}https://wwe.example').");
        let post = from_log_entry(&entry(&text)).unwrap();
        assert_eq!((post.target_origin.as_str(), post.recipient_origin.as_str()), (target, "https://wwe.example"));
    }

    #[test]
    fn other_log_entries_are_not_refused_posts() {
        assert_eq!(from_log_entry(&json!({"source": "network", "text": TEXT})), None);
        assert_eq!(from_log_entry(&json!({"source": "security", "text": "Mixed Content: …"})), None);
        assert_eq!(from_log_entry(&json!({"source": "security"})), None);
        assert_eq!(from_log_entry(&json!("not an entry")), None);
    }

    fn tree() -> Value {
        json!({"frameTree": {
            "frame": {"id": "A", "url": "http://127.0.0.1:8470/service.html", "securityOrigin": "http://127.0.0.1:8470"},
            "resources": [{"url": "http://127.0.0.1:8470/service.js", "type": "Script"}],
            "childFrames": [
                {"frame": {"id": "B", "parentId": "A", "url": "http://127.0.0.1:8475/console.html?name=x#top", "securityOrigin": "http://127.0.0.1:8475"},
                 "resources": [{"url": "http://127.0.0.1:8475/wwe-client.js", "type": "Script"}, {"url": "http://127.0.0.1:8475/console.js", "type": "Script"}]},
                {"frame": {"id": "C", "parentId": "A", "url": "http://127.0.0.1:8470/other.html", "securityOrigin": "http://127.0.0.1:8470"},
                 "resources": [{"url": "http://127.0.0.1:8475/wwe-client.js", "type": "Stylesheet"}]}
            ]
        }})
    }

    #[test]
    fn the_sender_is_the_frame_that_loaded_the_calling_script() {
        let post = from_log_entry(&entry(TEXT)).unwrap();
        assert_eq!(
            candidates(&tree(), &post),
            [Candidate { url: "http://127.0.0.1:8475/console.html?name=x".into(), origin: "http://127.0.0.1:8475".into() }]
        );
    }

    #[test]
    fn a_script_two_frames_loaded_names_both_and_unknown_code_names_none() {
        let post = from_log_entry(&entry(TEXT)).unwrap();
        let mut two = tree();
        let copy = two["frameTree"]["childFrames"][0].clone();
        two["frameTree"]["childFrames"].as_array_mut().unwrap().push(copy);
        assert_eq!(candidates(&two, &post).len(), 2);
        let mut anonymous = post.clone();
        anonymous.code_urls = vec!["http://elsewhere.example/x.js".into()];
        assert!(candidates(&tree(), &anonymous).is_empty());
        assert!(candidates(&json!(null), &post).is_empty());
    }
}
