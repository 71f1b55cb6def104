//! Snapshot tests of the one-message lints: each case decodes a message,
//! runs the catalog checks, and prints every issue (decoder's and lints')
//! as `CODE name: message`.

use expect_test::{expect, Expect};
use serde_json::Value;
use wwe_core::decode::decode;
use wwe_core::lint::{check_message, Code, Severity};
use wwe_core::record::Record;

fn check_with(input: &str, target_origin: Option<&str>, expect: Expect) {
    let data: Value = serde_json::from_str(input).expect("test input is JSON");
    let record = Record {
        data,
        source_origin: "https://crm.example".into(),
        frame_origin: "https://wwe.example".into(),
        target_origin: target_origin.map(str::to_owned),
        ..Record::default()
    };
    let decoded = decode(&record.data);
    let mut out = String::new();
    for i in decoded.issues.iter().chain(&check_message(&record, &decoded)) {
        out.push_str(&format!("{} {}: {}\n", i.code.as_str(), i.code.name(), i.message));
    }
    expect.assert_eq(&out);
}

fn check(input: &str, expect: Expect) {
    check_with(input, None, expect)
}

const ENV: &str = r#""userAgent":"WWE Client","protocolVersion":2,"referenceId":"0""#;

#[test]
fn clean_request_has_no_findings() {
    check(&format!(r#"{{"request":"voice.dial","parameters":["5001"],{ENV}}}"#), expect![[""]]);
    check(&format!(r#"{{"request":"voice.dial","parameters":["5001",null],{ENV}}}"#), expect![[""]]);
    check(&format!(r#"{{"request":"agent.get",{ENV}}}"#), expect![[""]]);
}

#[test]
fn unknown_request_with_did_you_mean() {
    check(
        &format!(r#"{{"request":"voice.pauseRecording","parameters":["1"],{ENV}}}"#),
        expect![[r#"
            W001 unknown-request: 'voice.pauseRecording' is not a Service Client API request: WWE answers it with an error or not at all; did you mean 'voice.pauseCallRecording'?
        "#]],
    );
    check(
        &format!(r#"{{"request":"zzz.qqq",{ENV}}}"#),
        expect![[r#"
            W001 unknown-request: 'zzz.qqq' is not a Service Client API request: WWE answers it with an error or not at all
        "#]],
    );
}

#[test]
fn parameter_count_and_kind() {
    check(
        &format!(r#"{{"request":"interaction.setUserData","parameters":["1"],{ENV}}}"#),
        expect![[r#"
            W002 wrong-parameter-count: interaction.setUserData takes 2 parameters, 1 sent: call interaction.setUserData(interactionId, keyValues)
        "#]],
    );
    check(
        &format!(r#"{{"request":"voice.dial","parameters":[],{ENV}}}"#),
        expect![[r#"
            W002 wrong-parameter-count: voice.dial takes 1 to 2 parameters, 0 sent: call voice.dial(destination, [userData])
        "#]],
    );
    check(
        &format!(r#"{{"request":"interaction.setUserData","parameters":[1,["MyKEY1","MyValue1"]],{ENV}}}"#),
        expect![[r#"
            W003 wrong-parameter-kind: interaction.setUserData parameter 'keyValues' should be an object of user-data keys and values, found ["MyKEY1","MyValue1"]
        "#]],
    );
    check(
        &format!(r#"{{"request":"agent.setState","parameters":[{{"x":1}}, 2],{ENV}}}"#),
        expect![[r#"
            W002 wrong-parameter-count: agent.setState takes 1 parameter, 2 sent: call agent.setState(state)
            W003 wrong-parameter-kind: agent.setState parameter 'state' should be a state-list index (number) or a state name (string), found {"x":1}
        "#]],
    );
}

#[test]
fn envelope_problems() {
    check(
        r#"{"request":"agent.get","referenceId":"0"}"#,
        expect![[r#"
            W004 missing-user-agent: no userAgent: add userAgent: "WWE Client" as the client library does
            W005 missing-protocol-version: no protocolVersion: add protocolVersion: 2 as the client library does
        "#]],
    );
    check(
        r#"{"request":"agent.get","referenceId":"0","userAgent":"MyApp","protocolVersion":3}"#,
        expect![[r#"
            W004 missing-user-agent: userAgent is "MyApp", not "WWE Client": send userAgent: "WWE Client"
            W006 wrong-protocol-version: protocolVersion is 3: WWE speaks protocolVersion 2 (a number)
        "#]],
    );
}

#[test]
fn unknown_event_names_and_types() {
    check(
        &format!(r#"{{"event":"subscribe","data":["agents","messenger:sales","bogus"],{ENV}}}"#),
        expect![[r#"
            W014 unknown-event: WWE sends no event called 'agents', so this subscription never fires; did you mean 'agent'?
            W014 unknown-event: WWE sends no event called 'bogus', so this subscription never fires (agent, interaction, media, outbound, system, markdone, messenger:<channel>)
        "#]],
    );
    check(
        r#"{"event":"interaction","data":{"eventType":"TELEPORTED"},"userAgent":"WWE"}"#,
        expect![[r#"
            I015 unknown-event-type: eventType 'TELEPORTED' of a 'interaction' event is not in the guide's tables; check the handler does not depend on it
        "#]],
    );
}

#[test]
fn target_origin_star_on_client_send_only() {
    check_with(
        &format!(r#"{{"request":"agent.get",{ENV}}}"#),
        Some("*"),
        expect![[r#"
            W012 target-origin-star: the client at https://crm.example posts to WWE with targetOrigin "*": any page in that window could read its requests; pass the WWE origin (https://wwe.example)
        "#]],
    );
    check_with(&format!(r#"{{"request":"agent.get",{ENV}}}"#), Some("https://wwe.example"), expect![[""]]);
    // WWE answering with "*" is WWE's business, not the integrator's.
    check_with(r#"{"referenceId":"0","data":1,"userAgent":"WWE"}"#, Some("*"), expect![[""]]);
}

/// A targetOrigin the send-side hook reported is the page's claim: the
/// finding says so (issue 15).
#[test]
fn target_origin_star_from_the_page_is_a_claim() {
    let record = Record {
        data: serde_json::from_str(&format!(r#"{{"request":"agent.get",{ENV}}}"#)).unwrap(),
        source_origin: "https://crm.example".into(),
        frame_origin: "https://wwe.example".into(),
        target_origin: Some("*".into()),
        page_reported: true,
        ..Record::default()
    };
    let issues = check_message(&record, &decode(&record.data));
    let w012: Vec<&str> = issues.iter().filter(|i| i.code == Code::TargetOriginStar).map(|i| i.message.as_str()).collect();
    assert_eq!(w012.len(), 1);
    assert!(w012[0].contains("as the page reports it; a page can forge this report"), "{}", w012[0]);
}

#[test]
fn codes_are_unique_and_stable() {
    let mut seen = std::collections::HashSet::new();
    for c in Code::ALL {
        assert!(seen.insert(c.as_str()), "duplicate code {}", c.as_str());
        let letter = match c.severity() {
            Severity::Error => 'E',
            Severity::Warning => 'W',
            Severity::Info => 'I',
        };
        assert!(c.as_str().starts_with(letter), "{} {:?}", c.as_str(), c.severity());
    }
    assert_eq!(Code::UnknownRequest.as_str(), "W001");
    assert_eq!(Code::UnknownRequest.name(), "unknown-request");
    assert_eq!(Code::RequestDeniedByPolicy.as_str(), "E011");
}

/// The vendor's public sample passes a transfer, conference or consult
/// target as an object `{type, destination[, media]}`, and a call result as
/// a number: no warning. Outside those shapes the warning names them.
#[test]
fn sample_client_parameter_shapes_are_accepted() {
    for request in ["interaction.singleStepTransfer", "interaction.singleStepConference", "interaction.consult"] {
        check(
            &format!(r#"{{"request":"{request}","parameters":["1",{{"type":"AGENT","destination":"SIP_5001"}}],{ENV}}}"#),
            expect![[""]],
        );
        check(
            &format!(r#"{{"request":"{request}","parameters":["1",{{"type":"AGENT","destination":"SIP_5001","media":"voice"}},null,null],{ENV}}}"#),
            expect![[""]],
        );
        check(&format!(r#"{{"request":"{request}","parameters":["1","5001"],{ENV}}}"#), expect![[""]]);
    }
    check(&format!(r#"{{"request":"outbound.setCallResult","parameters":["1",6],{ENV}}}"#), expect![[""]]);
    check(&format!(r#"{{"request":"outbound.setCallResult","parameters":["1","Answered"],{ENV}}}"#), expect![[""]]);
    check(
        &format!(r#"{{"request":"interaction.singleStepTransfer","parameters":["1",["SIP_5001"]],{ENV}}}"#),
        expect![[r#"
            W003 wrong-parameter-kind: interaction.singleStepTransfer parameter 'target' should be a target: a string such as "5001", or an object {type, destination, media?} such as {"type": "AGENT", "destination": "SIP_5001"}, found ["SIP_5001"]
        "#]],
    );
}
