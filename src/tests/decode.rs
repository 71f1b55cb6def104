//! Snapshot tests of the decoder: one line per message (direction, kind,
//! what identifies it), then one line per issue. Update with
//! `UPDATE_EXPECT=1 cargo test -p wwe-core --test decode` and review the diff.

use expect_test::{expect, Expect};
use serde_json::{json, Value};
use wwe_core::decode::{decode, parse_rate_limit, DataShape, Direction, Message};

fn render(value: &Value) -> String {
    let d = decode(value);
    let mut out = format!("{} {}\n", d.message.direction().as_str(), d.message);
    for i in &d.issues {
        out.push_str(&format!("{} {}: {}\n", i.code.as_str(), i.code.name(), i.message));
    }
    out
}

fn check(input: &str, expect: Expect) {
    let value: Value = serde_json::from_str(input).expect("test input is JSON");
    expect.assert_eq(&render(&value));
}

#[test]
fn request_with_named_parameters() {
    check(
        r#"{"request":"voice.dial","parameters":["5001",{"k":"v"}],"referenceId":"7","userAgent":"WWE Client","protocolVersion":2}"#,
        expect![[r#"
            to-service request voice.dial ref="7" destination="5001" userData={"k":"v"}
        "#]],
    );
}

#[test]
fn request_with_extra_parameter_and_frame_id() {
    check(
        r#"{"request":"voice.hold","parameters":["1","extra"],"referenceId":"3","userAgent":"WWE Client","protocolVersion":2,"frameId":4}"#,
        expect![[r#"
            to-service request voice.hold ref="3" frame=4 interactionId="1" #1="extra"
        "#]],
    );
}

#[test]
fn unknown_request_keeps_positional_parameters() {
    check(
        r#"{"request":"voice.pauseRecording","parameters":["1"],"referenceId":"0","userAgent":"WWE Client","protocolVersion":2}"#,
        expect![[r#"
            to-service request voice.pauseRecording ref="0" #0="1"
        "#]],
    );
}

#[test]
fn malformed_request_decodes_as_far_as_possible() {
    check(
        r#"{"request":"agent.setState","parameters":"Ready","referenceId":12,"protocolVersion":"2"}"#,
        expect![[r#"
            to-service request agent.setState ref="12" state="Ready"
            W004 missing-user-agent: no userAgent: add userAgent: "WWE Client" as the client library does
            W006 wrong-protocol-version: protocolVersion is "2": WWE speaks protocolVersion 2 (a number)
            W013 malformed-message: parameters should be an array, found "Ready"
            W013 malformed-message: referenceId should be a string, found 12
        "#]],
    );
    check(
        r#"{"request":42,"userAgent":"WWE Client","protocolVersion":2}"#,
        expect![[r#"
            to-service request 42 ref=-
            W013 malformed-message: request should be a string such as "voice.dial", found 42
            W013 malformed-message: no referenceId: the reply cannot be matched to this request; send a string referenceId
        "#]],
    );
}

#[test]
fn subscribe_and_unsubscribe() {
    check(
        r#"{"event":"subscribe","data":["agent","interaction","messenger:sales"],"referenceId":"1","userAgent":"WWE Client","protocolVersion":2}"#,
        expect![[r#"
            to-service subscribe [agent, interaction, messenger:sales] ref="1"
        "#]],
    );
    check(
        r#"{"event":"subscribe","data":"agent","referenceId":"2","userAgent":"WWE Client","protocolVersion":2}"#,
        expect![[r#"
            to-service subscribe [agent] ref="2"
        "#]],
    );
    check(
        r#"{"event":"unsubscribe","data":"sub-3","referenceId":"4","userAgent":"WWE Client","protocolVersion":2}"#,
        expect![[r#"
            to-service unsubscribe "sub-3" ref="4"
        "#]],
    );
    check(
        r#"{"event":"subscribe","data":[1,"agent"],"referenceId":"5","userAgent":"WWE Client","protocolVersion":1}"#,
        expect![[r#"
            to-service subscribe [agent] ref="5"
            W006 wrong-protocol-version: protocolVersion is 1: WWE speaks protocolVersion 2 (a number)
            W013 malformed-message: data should be event names (strings), found 1
        "#]],
    );
}

#[test]
fn replies() {
    check(
        r#"{"referenceId":"0","data":{"username":"agent1","firstname":"A","lastname":"B","employeeId":"1"},"userAgent":"WWE Service"}"#,
        expect![[r#"
            to-client reply ref="0" object of 4 keys
        "#]],
    );
    check(
        r#"{"referenceId":"1","data":null,"subscriptionId":"s1","userAgent":"WWE"}"#,
        expect![[r#"
            to-client reply ref="1" null subscription="s1"
        "#]],
    );
    check(
        r#"{"referenceId":"2","errorMessage":"Interaction not found","userAgent":"WWE"}"#,
        expect![[r#"
            to-client error ref="2" "Interaction not found"
        "#]],
    );
}

#[test]
fn rate_limit_error_of_the_guide() {
    // The guide's example, plus the userAgent every service message has.
    check(
        r#"{"errorMessage":"The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds.","request":"agent.getState","userAgent":"WWE"}"#,
        expect![[r#"
            to-client rate-limit ref=- request=voice.dial quarantine=30s field=agent.getState
            I010 rate-limit-name-mismatch: the rate-limit text names 'voice.dial' but the request field says 'agent.getState': the text names the request type in quarantine (the guide's own example disagrees the same way)
        "#]],
    );
    check(
        r#"{"referenceId":"9","errorMessage":"The rate limit for the request 'email.create' has been reached.\nFurther requests of the same type will be ignored for 60 seconds.","userAgent":"WWE"}"#,
        expect![[r#"
            to-client rate-limit ref="9" request=email.create quarantine=60s
        "#]],
    );
}

#[test]
fn parse_rate_limit_text() {
    assert_eq!(
        parse_rate_limit("The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds."),
        Some((Some("voice.dial"), Some(30)))
    );
    assert_eq!(parse_rate_limit("The rate limit for the request 'x.y' has been reached."), Some((Some("x.y"), None)));
    assert_eq!(parse_rate_limit("The rate limit for the request '' has"), Some((None, None)));
    assert_eq!(parse_rate_limit("Interaction not found"), None);
}

#[test]
fn agent_state_changed_events_of_the_guide() {
    check(
        r#"{"event":"agent","data":{"eventType":"STATE_CHANGED","mediaState":"READY"},"userAgent":"WWE"}"#,
        expect![[r#"
            to-client event agent STATE_CHANGED
        "#]],
    );
    check(
        r#"{"event":"agent","data":{"eventType":"STATE_CHANGED","mediaState":"NOT_READY_ACTION_CODE","reason":"Break","reasonCode":"1511"},"userAgent":"WWE"}"#,
        expect![[r#"
            to-client event agent STATE_CHANGED
        "#]],
    );
}

#[test]
fn attached_data_changed_event_of_the_guide() {
    let event = json!({
        "event": "interaction",
        "data": {
            "eventType": "ATTACHED_DATA_CHANGED",
            "media": "voice",
            "interaction": {
                "interactionId": "1",
                "caseId": "4ddalab6-aeab-4a33-f5d0-0153c9fdb43b",
                "userData": {
                    "IWAttachedDataInformation": {"DispositionCode.Label": "DispositionCode"},
                    "IW_CaseUid": "4ddalab6-aeab-4a33-f5d0-0153c9fdb43b",
                    "IW_BundleUid": "dfaca66c-4149-42a1-7244-337e949a12b5"
                },
                "parties": [{"name": "5001"}],
                "callUuid": "4L6JGNEE9H7DT671FRPTKE6CQ000000G",
                "state": "DIALING",
                "previousState": "UNKNOWN",
                "isConsultation": false,
                "direction": "OUT",
                "callType": "Internal",
                "dnis": "5001",
                "isMainCaseInteraction": true
            }
        },
        "userAgent": "WWE"
    });
    let d = decode(&event);
    assert!(d.issues.is_empty(), "{:?}", d.issues);
    match d.message {
        Message::Event { name, event_type, interaction_id } => {
            assert_eq!(name, "interaction");
            assert_eq!(event_type.as_deref(), Some("ATTACHED_DATA_CHANGED"));
            assert_eq!(interaction_id.as_deref(), Some("1"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_events() {
    check(
        r#"{"event":"system","data":{"eventType":"CUSTOM_TOAST_BUTTON_CLICK","customToastId":"t1","buttonIndex":0},"userAgent":"WWE"}"#,
        expect![[r#"
            to-client event system CUSTOM_TOAST_BUTTON_CLICK
        "#]],
    );
    check(
        r#"{"event":"messenger:sales","data":"hello","userAgent":"WWE"}"#,
        expect![[r#"
            to-client event messenger:sales -
        "#]],
    );
    check(
        r#"{"event":"interaction","data":[1],"userAgent":"WWE"}"#,
        expect![[r#"
            to-client event interaction -
            W013 malformed-message: data should be an object with eventType, found [1]
        "#]],
    );
    check(
        r#"{"event":"markdone","data":{"interactionId":17},"userAgent":"WWE"}"#,
        expect![[r#"
            to-client event markdone - interaction="17"
        "#]],
    );
}

#[test]
fn frame_id_assignment() {
    check(
        r#"{"frameId":3,"userAgent":"WWE"}"#,
        expect![[r#"
            to-client frame-id 3
        "#]],
    );
    check(
        r#"{"frameId":"3","userAgent":"WWE"}"#,
        expect![[r#"
            to-client frame-id 3
            W013 malformed-message: frameId should be an integer, found "3"
        "#]],
    );
    check(
        r#"{"frameId":{},"userAgent":"WWE"}"#,
        expect![[r#"
            unknown foreign
            W013 malformed-message: frameId should be an integer, found {}
            I020 unrecognised-wwe-message: a message from WWE with no event, referenceId, errorMessage or frameId; no client will act on it
        "#]],
    );
}

#[test]
fn legacy_and_foreign() {
    check(
        r#""wwe-ready""#,
        expect![[r#"
            unknown legacy "wwe-ready"
        "#]],
    );
    check(r#""hello""#, expect![[r#"
        unknown foreign
    "#]]);
    check(r#"{"type":"webpackOk"}"#, expect![[r#"
        unknown foreign
    "#]]);
    // A foreign framework's own `event`/`request` keys are not WWE's.
    check(r#"{"event":"click","data":{}}"#, expect![[r#"
        unknown foreign
    "#]]);
    check(r#"{"request":"getUser","id":1}"#, expect![[r#"
        unknown foreign
    "#]]);
    // Service messages without "WWE" in userAgent are ignored by the client library.
    check(r#"{"referenceId":"1","data":{}}"#, expect![[r#"
        unknown foreign
    "#]]);
    check(r#"[1,2,3]"#, expect![[r#"
        unknown foreign
    "#]]);
    check(r#"null"#, expect![[r#"
        unknown foreign
    "#]]);
}

#[test]
fn directions_and_kinds() {
    let cases = [
        (json!({"request":"agent.get","referenceId":"0","userAgent":"WWE Client","protocolVersion":2}), "request", Direction::ToService),
        (json!({"event":"subscribe","data":["agent"],"referenceId":"0","userAgent":"WWE Client","protocolVersion":2}), "subscribe", Direction::ToService),
        (json!({"event":"unsubscribe","data":"1","userAgent":"WWE Client","protocolVersion":2}), "unsubscribe", Direction::ToService),
        (json!({"referenceId":"0","data":1,"userAgent":"WWE"}), "reply", Direction::ToClient),
        (json!({"referenceId":"0","errorMessage":"x","userAgent":"WWE"}), "error", Direction::ToClient),
        (json!({"referenceId":"0","errorMessage":"The rate limit for the request 'a.b' has been reached.","userAgent":"WWE"}), "rate-limit", Direction::ToClient),
        (json!({"event":"agent","data":{"eventType":"STATE_CHANGED"},"userAgent":"WWE"}), "event", Direction::ToClient),
        (json!({"frameId":1,"userAgent":"WWE"}), "frame-id", Direction::ToClient),
        (json!("wwe"), "legacy", Direction::Unknown),
        (json!(true), "foreign", Direction::Unknown),
    ];
    for (value, kind, direction) in cases {
        let d = decode(&value);
        assert_eq!(d.message.kind_str(), kind, "{value}");
        assert_eq!(d.message.direction(), direction, "{value}");
    }
    assert_eq!(Direction::ToService.as_str(), "to-service");
    assert_eq!(Direction::ToClient.as_str(), "to-client");
    assert_eq!(Direction::Unknown.as_str(), "unknown");
    assert_eq!(DataShape::of(Some(&json!([1, 2]))), DataShape::Array(2));
}

#[test]
fn known_names_are_not_allocated() {
    let d = decode(&json!({"request":"agent.get","referenceId":"0","userAgent":"WWE Client","protocolVersion":2}));
    let Message::Request(r) = d.message else { panic!() };
    assert!(matches!(r.name, std::borrow::Cow::Borrowed(_)));
    assert!(r.spec.is_some());
}
