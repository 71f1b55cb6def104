//! Planted secrets: a trace with one secret of every kind redaction must
//! remove, shared by the core's suite (`planted_secrets.rs`) and the CLI's
//! (`cli/tests/golden.rs`). Each secret comes with needles: text that must
//! not appear anywhere in a redacted output.

#![allow(dead_code)] // each including test uses its own part

use serde_json::{json, Value};
use wwe_core::record::Record;

const WWE: &str = "https://wwe.example";
const CRM: &str = "https://crm.example";
const T0: f64 = 1_700_000_000_000.0;

/// A JOSE header and payload in base64url, and signature-like segments.
const JWS_EYJ: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZ2VudDAwNyIsImV4cCI6MTcwMDAwMDAwMH0.c2VjcmV0LXNpZ25hdHVyZS0x";
/// `{ "alg": "RS256" }`: a header that does not start `eyJ`.
const JWS_SPACED: &str = "eyAiYWxnIjogIlJTMjU2IiB9.eyJzdWIiOiJhZ2VudDAwNyIsImV4cCI6MTcwMDAwMDAwMH0.c3BhY2VkLXNpZ25hdHVyZQ";
/// `{\n  "alg": "ES256"\n}`.
const JWS_PRETTY: &str = "ewogICJhbGciOiAiRVMyNTYiCn0.eyJzdWIiOiJhZ2VudDAwNyIsImV4cCI6MTcwMDAwMDAwMH0.cHJldHR5LXNpZ25hdHVyZQ";
/// ` {"alg":"HS256"}`: white space before the header's `{`.
const JWS_LEADING_SPACE: &str = "IHsiYWxnIjoiSFMyNTYifQ.eyJzdWIiOiJhZ2VudDAwNyIsImV4cCI6MTcwMDAwMDAwMH0.bGVhZGluZy1zcGFjZS1zaWc";
/// JWE: five segments.
const JWE: &str = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.ZW5jcnlwdGVkLWtleS1ieXRlcw.aXYtYnl0ZXMtMTI.Y2lwaGVydGV4dC1zZWNyZXQ.dGFnLWJ5dGVzLTE2";
/// JWE with direct key agreement: an empty key segment.
const JWE_DIR: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..ZGlyLWl2LWJ5dGVz.ZGlyLWNpcGhlcnRleHQ.ZGlyLXRhZy1ieXRlcw";
/// A JWT used as an object key.
const JWS_KEY: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJrZXkifQ.a2V5LXNpZ25hdHVyZQ";

/// One kind of secret: its name and the texts that must not survive.
pub struct Kind {
    pub name: &'static str,
    pub needles: Vec<String>,
}

/// The segments of a token worth looking for (the header alone says
/// nothing about the bearer).
fn segments(token: &str) -> Vec<String> {
    token.split('.').skip(1).filter(|s| s.len() >= 8).map(str::to_owned).collect()
}

fn to_service(id: u64, data: Value) -> Record {
    Record {
        id,
        seq: id,
        tab_id: 1,
        frame_id: 0,
        frame_url: format!("{WWE}/ui/ad/v1/index.html"),
        frame_origin: WWE.into(),
        source_origin: CRM.into(),
        source_frame_id: Some(5),
        time: T0 + id as f64,
        target_origin: Some(WWE.into()),
        data,
        ..Record::default()
    }
}

fn to_client(id: u64, data: Value) -> Record {
    Record {
        id,
        seq: id,
        tab_id: 1,
        frame_id: 5,
        frame_url: format!("{CRM}/app.html"),
        frame_origin: CRM.into(),
        source_origin: WWE.into(),
        source_frame_id: Some(0),
        time: T0 + id as f64,
        data,
        ..Record::default()
    }
}

fn req(name: &str, rid: &str, params: Value) -> Value {
    json!({"request": name, "referenceId": rid, "parameters": params, "userAgent": "WWE Client", "protocolVersion": 2})
}

/// Token kinds: the default rules (every export) remove them.
pub fn tokens() -> (Vec<Record>, Vec<Kind>) {
    let kind = |name, needles: Vec<String>| Kind { name, needles };
    let mut records = vec![
        to_service(1, req("interaction.setUserData", "1", json!(["0001", {"Token": JWS_EYJ, "Note": format!("spaced {JWS_SPACED} and pretty {JWS_PRETTY}"), "Lead": JWS_LEADING_SPACE}]))),
        to_client(2, json!({"referenceId": "1", "userAgent": "WWE"})),
        to_service(3, req("interaction.setUserData", "2", json!(["0002", {"Sealed": JWE, "Direct": JWE_DIR, "Header": "Bearer opaqueBearer0123456789"}]))),
        to_client(4, json!({"referenceId": "2", "userAgent": "WWE"})),
        to_service(5, req("auth.getJwtToken", "3", json!([]))),
        to_client(6, json!({"referenceId": "3", "data": "opaqueJwtReply66", "userAgent": "WWE"})),
        // A token reply whose request was not captured.
        to_client(7, json!({"referenceId": "99", "data": {"accessToken": "opaqueReplyToken55", "expiresIn": 3600}, "userAgent": "WWE"})),
        to_service(8, req("interaction.setUserData", "4", json!(["0003", {JWS_KEY: true}]))),
        to_client(9, json!({"referenceId": "4", "userAgent": "WWE"})),
    ];
    records[1].frame_url = format!("{CRM}/app.html?access_token=OpaqueFrameToken1234#id_token={JWS_EYJ}");
    records[2].stack = Some(format!("at send ({CRM}/app.js?token=opaqueStackToken99:1:2)\nat click ({CRM}/app.js:9:9)"));
    records[2].page_reported = true;
    records[4].target_origin = Some(format!("{CRM}/cb?code=AuthCodeSecret77"));
    records[7].extra.insert("pageUrl".into(), json!(format!("{CRM}/?access_token=extraFieldToken88")));
    // What a page-made event claims is the page's text too.
    records[8].dispatched_by_page = true;
    records[8].event_class = Some("MessageEvent".into());
    records[8].claimed_origin = Some(format!("{CRM}/?access_token=claimedOriginToken44"));
    let kinds = vec![
        kind("JWT (eyJ header) in a value", segments(JWS_EYJ)),
        kind("JWT with a spaced header", segments(JWS_SPACED)),
        kind("JWT with a pretty-printed header", segments(JWS_PRETTY)),
        kind("JWT with white space before its header", segments(JWS_LEADING_SPACE)),
        kind("JWE, five segments", segments(JWE)),
        kind("JWE, direct key (empty segment)", segments(JWE_DIR)),
        kind("Bearer authorization", vec!["opaqueBearer0123456789".into()]),
        kind("token reply with its request", vec!["opaqueJwtReply66".into()]),
        kind("token reply without its request", vec!["opaqueReplyToken55".into()]),
        kind("JWT as an object key", segments(JWS_KEY)),
        kind("token in frameUrl query", vec!["OpaqueFrameToken1234".into()]),
        kind("token in a stack's URL", vec!["opaqueStackToken99".into()]),
        kind("code in targetOrigin", vec!["AuthCodeSecret77".into()]),
        kind("token in an unknown record field", vec!["extraFieldToken88".into()]),
        kind("token in a page-made event's claimed origin", vec!["claimedOriginToken44".into()]),
    ];
    (records, kinds)
}

/// Customer data: `pattern:email` and `pattern:phone` remove them.
pub fn customer_data() -> (Vec<Record>, Vec<Kind>) {
    let kind = |name, needles: Vec<&str>| Kind { name, needles: needles.into_iter().map(str::to_owned).collect() };
    let mut records = vec![
        to_service(21, req("interaction.setUserData", "21", json!(["0004", {"Callback": 4155550123u64, "Contact": "write to jürgen.müller@bücher.de", "Seen": {"ada.lovelace@example.com": {"visits": 3}}}]))),
        to_client(22, json!({"referenceId": "21", "userAgent": "WWE"})),
        to_service(23, req("voice.dial", "22", json!(["+44 20 7946 0958", {}]))),
        to_client(24, json!({"referenceId": "22", "userAgent": "WWE"})),
    ];
    records[3].frame_url = format!("{CRM}/customer?phone=4155550199");
    let kinds = vec![
        kind("phone number stored as a number", vec!["4155550123"]),
        kind("internationalised e-mail address", vec!["jürgen.müller", "bücher.de"]),
        kind("e-mail address as an object key", vec!["ada.lovelace@example.com", "ada.lovelace"]),
        kind("phone number in a request parameter", vec!["7946 0958"]),
        kind("phone number in frameUrl", vec!["4155550199"]),
    ];
    (records, kinds)
}

/// The kinds whose needles appear in `text`, for an assertion message.
pub fn survivors<'k>(text: &str, kinds: &'k [Kind]) -> Vec<(&'k str, &'k str)> {
    kinds
        .iter()
        .flat_map(|k| k.needles.iter().filter(|n| text.contains(n.as_str())).map(move |n| (k.name, n.as_str())))
        .collect()
}
