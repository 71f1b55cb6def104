//! Redaction tests: the rule format, the default rules, key and pattern
//! rules, the preview and the summary a HAR records.

use expect_test::{expect, Expect};
use serde_json::{json, Value};

use super::*;
use crate::har::session_of;

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudDAwNyJ9.c2lnbmF0dXJlX2J5dGVz";

fn record(id: u64, frame_id: i64, source_frame_id: i64, data: Value) -> Record {
    Record { id, tab_id: 1, frame_id, source_frame_id: Some(source_frame_id), time: 1000.0 + id as f64, data, ..Record::default() }
}

fn session() -> Session {
    session_of(
        vec![
            record(1, 0, 5, json!({"request": "auth.getJwtToken", "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2})),
            record(2, 5, 0, json!({"referenceId": "0", "data": {"token": JWT, "expires": 3600}, "userAgent": "WWE"})),
            record(
                3,
                0,
                5,
                json!({"request": "voice.dial", "referenceId": "5551234567",
                       "parameters": ["+1 (555) 123-4567", {"CustomerEmail": "ada@example.com", "Note": "call ada@example.com on 2024-01-15", "Auth": format!("Bearer {JWT}")}],
                       "userAgent": "WWE Client", "protocolVersion": 2}),
            ),
            record(4, 5, 0, json!({"event": "interaction", "data": {"interaction": {"userData": {"CustomerEmail": {"primary": "x@y.org"}, "a/b": "07700 900123"}}}, "userAgent": "WWE"})),
        ],
        None,
    )
}

fn check(rules: &str, expect: Expect) {
    let rules = Rules::parse(rules).unwrap();
    let s = session();
    let hits = preview(&s, &rules);
    let redacted = redact(&s, &rules);
    assert_eq!(redacted.hits, hits);
    let mut out = String::new();
    for h in &hits {
        out += &format!("#{} {} {}: {}\n", h.message, h.rule, h.pointer, h.found);
    }
    for r in &redacted.records {
        out += &format!("{}\n", r.data);
    }
    expect.assert_eq(&out);
}

#[test]
fn default_rules_redact_tokens_and_jwt_replies() {
    assert_eq!(Rules::default().to_string(), "jwt\njwt-reply\ncredentials\n");
    check(
        "jwt\njwt-reply",
        expect![[r##"
            #2 jwt-reply /data: {"expires":3600,"token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2…
            #3 jwt /parameters/1/Auth: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudDAwNyJ9.c2lnbmF0dXJlX2…
            {"protocolVersion":2,"referenceId":"0","request":"auth.getJwtToken","userAgent":"WWE Client"}
            {"data":"[redacted:jwt-reply]","referenceId":"0","userAgent":"WWE"}
            {"parameters":["+1 (555) 123-4567",{"Auth":"Bearer [redacted:jwt]","CustomerEmail":"ada@example.com","Note":"call ada@example.com on 2024-01-15"}],"protocolVersion":2,"referenceId":"5551234567","request":"voice.dial","userAgent":"WWE Client"}
            {"data":{"interaction":{"userData":{"CustomerEmail":{"primary":"x@y.org"},"a/b":"07700 900123"}}},"event":"interaction","userAgent":"WWE"}
        "##]],
    );
}

#[test]
fn key_and_pattern_rules() {
    check(
        "# customer data\nkey:CustomerEmail\n\npattern:phone\npattern:email\n",
        expect![[r##"
            #3 pattern:phone /parameters/0: +1 (555) 123-4567
            #3 key:CustomerEmail /parameters/1/CustomerEmail: ada@example.com
            #3 pattern:email /parameters/1/Note: ada@example.com
            #4 key:CustomerEmail /data/interaction/userData/CustomerEmail: {"primary":"x@y.org"}
            #4 pattern:phone /data/interaction/userData/a~1b: 07700 900123
            {"protocolVersion":2,"referenceId":"0","request":"auth.getJwtToken","userAgent":"WWE Client"}
            {"data":{"expires":3600,"token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudDAwNyJ9.c2lnbmF0dXJlX2J5dGVz"},"referenceId":"0","userAgent":"WWE"}
            {"parameters":["[redacted:pattern:phone]",{"Auth":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudDAwNyJ9.c2lnbmF0dXJlX2J5dGVz","CustomerEmail":"[redacted:key:CustomerEmail]","Note":"call [redacted:pattern:email] on 2024-01-15"}],"protocolVersion":2,"referenceId":"5551234567","request":"voice.dial","userAgent":"WWE Client"}
            {"data":{"interaction":{"userData":{"CustomerEmail":"[redacted:key:CustomerEmail]","a/b":"[redacted:pattern:phone]"}}},"event":"interaction","userAgent":"WWE"}
        "##]],
    );
}

#[test]
fn regex_rule() {
    check(
        "regex:[0-9]{3}-[0-9]{4}",
        expect![[r##"
            #3 regex:[0-9]{3}-[0-9]{4} /parameters/0: 123-4567
            {"protocolVersion":2,"referenceId":"0","request":"auth.getJwtToken","userAgent":"WWE Client"}
            {"data":{"expires":3600,"token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudDAwNyJ9.c2lnbmF0dXJlX2J5dGVz"},"referenceId":"0","userAgent":"WWE"}
            {"parameters":["+1 (555) [redacted:regex:[0-9]{3}-[0-9]{4}]",{"Auth":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudDAwNyJ9.c2lnbmF0dXJlX2J5dGVz","CustomerEmail":"ada@example.com","Note":"call ada@example.com on 2024-01-15"}],"protocolVersion":2,"referenceId":"5551234567","request":"voice.dial","userAgent":"WWE Client"}
            {"data":{"interaction":{"userData":{"CustomerEmail":{"primary":"x@y.org"},"a/b":"07700 900123"}}},"event":"interaction","userAgent":"WWE"}
        "##]],
    );
}

#[test]
fn summary_says_rule_count_and_where_but_not_what() {
    let rules = Rules::parse("jwt\njwt-reply\nkey:CustomerEmail").unwrap();
    let hits = preview(&session(), &rules);
    let summary = summarize(&hits);
    expect![[r#"[{"rule":"jwt-reply","count":1,"messages":[2],"paths":["/data"]},{"rule":"jwt","count":1,"messages":[3],"paths":["/parameters/1/Auth"]},{"rule":"key:CustomerEmail","count":2,"messages":[3,4],"paths":["/parameters/1/CustomerEmail","/data/interaction/userData/CustomerEmail"]}]"#]]
        .assert_eq(&serde_json::to_string(&summary).unwrap());
}

#[test]
fn redacted_har_records_the_summary_and_keeps_pairing() {
    let s = session();
    let rules = Rules::default();
    let redacted = redact(&s, &rules);
    let summary = summarize(&redacted.hits);
    let clean = session_of(redacted.records.clone(), None);
    assert_eq!(clean.exchanges()[0].state, s.exchanges()[0].state);
    let har = crate::har::to_har(&clean, &crate::har::HarOptions { redactions: &summary, ..Default::default() });
    assert!(!har.contains(JWT));
    let trace = crate::har::import(&har).unwrap();
    assert_eq!(trace.redactions, summary);
    assert_eq!(trace.records, redacted.records);
}

#[test]
fn bad_rules_say_why() {
    let err = |t: &str| Rules::parse(t).unwrap_err().to_string();
    expect![[r#"bad redaction rule `pattern:fax`: line 2: unknown pattern `fax`; the patterns are `phone` and `email`"#]]
        .assert_eq(&err("jwt\npattern:fax"));
    expect![[r#"bad redaction rule `key:`: line 1: `key:` needs a name, e.g. `key:CustomerPhone`"#]].assert_eq(&err("key:"));
    expect!["bad redaction rule `regex:(`: line 1: not a valid regular expression: found open group without closing ')'"]
    .assert_eq(&err("regex:("));
    expect!["bad redaction rule `token`: line 1: expected one of `jwt`, `jwt-reply`, `credentials`, `key:<name>`, `pattern:phone`, `pattern:email`, `regex:<expression>`"]
        .assert_eq(&err("token"));
}

#[test]
fn a_refused_posts_sender_url_and_stack_are_redacted() {
    let secret = "ada@example.com";
    let refused = Record {
        undelivered: Some(crate::record::Undelivered {
            target_origin: "https://wrong.example".into(),
            recipient_origin: "https://wwe.example".into(),
            stack: Some(format!("at post (https://crm.example/app.js?user={secret}:1:2)")),
            sender_url: Some(format!("https://crm.example/app.html?user={secret}")),
            text: "Failed to execute 'postMessage'".into(),
        }),
        ..record(9, 0, 5, Value::Null)
    };
    let s = session_of(vec![refused], None);
    let redacted = redact(&s, &Rules::parse("pattern:email").unwrap());
    let u = redacted.records[0].undelivered.clone().unwrap();
    assert!(!u.sender_url.unwrap().contains(secret));
    assert!(!u.stack.unwrap().contains(secret));
    assert_eq!(u.target_origin, "https://wrong.example");
}
