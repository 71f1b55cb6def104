//! The capture record: one `message` event as the browser extension sends
//! it to the panel (camelCase JSON, produced by the JS glue).
//!
//! Every field has a default so that old or partial records (an older
//! extension, a hand-written trace) still parse; a JSON Lines trace
//! ([`crate::har::parse_jsonl`]) still requires `time` and `data` on every
//! line, so that other JSON is not taken for a record.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One captured message, as received by one frame.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Record {
    /// Assigned by the background page; increases per tab.
    pub id: u64,
    /// Sequence number from the relay of the receiving frame; a gap means
    /// records were lost.
    pub seq: u64,
    /// The browser tab.
    pub tab_id: i64,
    /// Browser frame id of the receiving frame (0 = top frame).
    pub frame_id: i64,
    /// URL of the receiving frame.
    pub frame_url: String,
    /// Origin of the receiving frame.
    pub frame_origin: String,
    /// `event.origin`: the origin of the sending frame.
    pub source_origin: String,
    /// Browser frame id of the sending frame, when the extension knows it.
    pub source_frame_id: Option<i64>,
    /// When it was received, in milliseconds since the Unix epoch, with
    /// sub-millisecond precision.
    pub time: f64,
    /// The message (`event.data`), or what could be kept of it (see
    /// [`Record::marker`]). An integer beyond 64 bits read from a trace is
    /// an `integer` tag (`crate::bignum`), written back as the integer.
    #[serde(serialize_with = "crate::bignum::serialize_value")]
    pub data: Value,
    /// Why `data` is not the exact message: `"cyclic"`, `"truncated"`,
    /// `"unserializable"`, ...; `None` when it is exact.
    pub marker: Option<String>,
    /// Size in bytes of the message's JSON text.
    pub size: u64,
    /// The `targetOrigin` the sender passed to `postMessage`, when the
    /// send-side hook saw the call (page-reported: see
    /// [`Record::page_reported`]).
    pub target_origin: Option<String>,
    /// Index path of the receiving frame from `top` (`[]` = the top frame,
    /// `[1, 0]` = first child of the second child of `top`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub frame_path: Vec<u32>,
    /// Index path of the sending frame from the top of its own tab, when the
    /// relay could resolve `event.source`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_path: Option<Vec<u32>>,
    /// How the sender relates to the receiver: `"self"`, `"parent"`,
    /// `"child"`, `"top"`, `"frame"` (elsewhere in the same tab),
    /// `"opener"` (the tab that opened this one) or `"popup"` (a tab this
    /// one opened).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_relation: Option<String>,
    /// The tab of the sending frame, when it is not [`Record::tab_id`]
    /// (an opener or a popup).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_tab_id: Option<i64>,
    /// Why [`Record::source_frame_id`] is `None`, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_unknown: Option<String>,
    /// A short caller stack of the `postMessage` call, from the send-side
    /// hook (page-reported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// True when [`Record::target_origin`] and [`Record::stack`] came from
    /// the page's own world, which the page can forge: show them as claims,
    /// never as facts.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub page_reported: bool,
    /// Number of `MessagePort`s transferred with the message
    /// (`event.ports.length`).
    #[serde(skip_serializing_if = "is_zero")]
    pub ports: u32,
    /// The tab whose capture this record belongs to, when it is not
    /// [`Record::tab_id`]: a popup's records go to its opener's capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_tab_id: Option<i64>,
    /// True when page script made and dispatched this `message` event
    /// (`isTrusted` false: `new MessageEvent(…)`, `new CustomEvent("message")`)
    /// instead of the browser delivering a posted message. Its origin and
    /// source are only what the page wrote into it
    /// ([`Record::claimed_origin`]); [`Record::source_origin`] stays empty
    /// and the record never pairs with a request.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dispatched_by_page: bool,
    /// The interface of a page-made event (`MessageEvent`, `CustomEvent`,
    /// `Event`, …), when [`Record::dispatched_by_page`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_class: Option<String>,
    /// The `origin` a page-made event claims: the page's word, never a fact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_origin: Option<String>,
    /// Set when this record is no delivery but a post the browser refused
    /// to deliver (its `targetOrigin` did not match the recipient window's
    /// origin), as the browser itself reported it. The sender is in the
    /// `source*` fields (as far as known); the record's `frame*` fields
    /// name no receiving frame (nothing received it), and [`Record::data`]
    /// is `null` unless the capture had the message itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undelivered: Option<Undelivered>,
    /// Fields this version does not know (from a newer extension or another
    /// tool), kept as they were so that a trace read and written again
    /// loses nothing.
    #[serde(flatten, serialize_with = "crate::bignum::serialize_map")]
    pub extra: serde_json::Map<String, Value>,
}

/// A `postMessage` call the browser refused to deliver, from the browser's
/// own report (Chromium's security warning "Failed to execute
/// 'postMessage' on 'DOMWindow': The target origin provided (…) does not
/// match the recipient window's origin (…)"). Browser-made, not page-made:
/// the page cannot forge it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Undelivered {
    /// The `targetOrigin` the sender passed.
    pub target_origin: String,
    /// The origin the recipient window really had.
    pub recipient_origin: String,
    /// The sender's call stack, one frame a line (`at fn (url:line:col)`),
    /// when the browser gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// The URL of the sending frame's document, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_url: Option<String>,
    /// The browser's message, verbatim.
    pub text: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Record {
    /// The tab of the sending frame: [`Record::source_tab_id`] when the
    /// sender is in another tab (a popup writing to its opener, or the
    /// opener to its popup), else the receiving tab. Frame ids are per tab,
    /// so a sender is known by this tab and its frame id together.
    pub fn sender_tab_id(&self) -> i64 {
        self.source_tab_id.unwrap_or(self.tab_id)
    }

    /// Parses one record from the extension's JSON.
    pub fn from_json(text: &str) -> Result<Record, crate::Error> {
        serde_json::from_str(text).map_err(|e| {
            crate::Error::new(crate::ErrorKind::Json {
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn full_record_round_trips_with_the_glue_field_names() {
        let text = json!({
            "id": 7, "seq": 3, "tabId": 12, "frameId": 0,
            "frameUrl": "https://wwe.example/ui/ad/v1/index.html",
            "frameOrigin": "https://wwe.example",
            "sourceOrigin": "https://crm.example",
            "sourceFrameId": 4, "time": 1700000000123.25,
            "data": {"request": "agent.get"}, "marker": null, "size": 21,
            "targetOrigin": "*"
        });
        let r: Record = serde_json::from_value(text.clone()).unwrap();
        assert_eq!(r.id, 7);
        assert_eq!(r.tab_id, 12);
        assert_eq!(r.source_frame_id, Some(4));
        assert_eq!(r.time, 1700000000123.25);
        assert_eq!(r.target_origin.as_deref(), Some("*"));
        assert_eq!(serde_json::to_value(&r).unwrap(), text);
    }

    #[test]
    fn partial_record_parses_with_defaults() {
        let r = Record::from_json(r#"{"id": 1, "data": "wwe-ready", "sourceFrameId": null}"#).unwrap();
        assert_eq!(r.id, 1);
        assert_eq!(r.source_frame_id, None);
        assert_eq!(r.marker, None);
        assert_eq!(r.data, json!("wwe-ready"));
        assert_eq!(r.frame_origin, "");
    }

    #[test]
    fn capture_detail_fields_parse_and_stay_out_of_plain_records() {
        let r = Record::from_json(
            r#"{"id": 2, "framePath": [1, 0], "sourcePath": [], "sourceRelation": "top",
                "sourceFrameId": 0, "stack": "at send (a.js:1:2)", "pageReported": true,
                "targetOrigin": "*", "ports": 1, "sourceUnknown": null}"#,
        )
        .unwrap();
        assert_eq!(r.frame_path, vec![1, 0]);
        assert_eq!(r.source_path.as_deref(), Some(&[][..]));
        assert_eq!(r.source_relation.as_deref(), Some("top"));
        assert!(r.page_reported);
        assert_eq!(r.ports, 1);
        let plain = serde_json::to_value(Record::default()).unwrap();
        for key in ["framePath", "sourcePath", "stack", "pageReported", "ports", "sourceUnknown"] {
            assert!(plain.get(key).is_none(), "{key} serialized on a plain record");
        }
    }

    #[test]
    fn fields_this_version_does_not_know_survive_a_round_trip() {
        let text = r#"{"id":3,"time":5.0,"data":{"a":1},"marker":null,"size":0,"targetOrigin":null,"frameUrl":"","frameOrigin":"","sourceOrigin":"","sourceFrameId":null,"seq":0,"tabId":0,"frameId":0,"newerField":{"kept":[1,"two"]},"zz":false}"#;
        let r = Record::from_json(text).unwrap();
        assert_eq!(r.extra.get("newerField"), Some(&json!({"kept": [1, "two"]})));
        assert_eq!(serde_json::to_value(&r).unwrap(), serde_json::from_str::<Value>(text).unwrap());
    }

    #[test]
    fn bad_json_is_an_error_with_position() {
        let e = Record::from_json("{\n  \"id\": }").unwrap_err();
        match e.kind() {
            crate::ErrorKind::Json { line, .. } => assert_eq!(*line, 2),
            other => panic!("{other:?}"),
        }
    }
}
