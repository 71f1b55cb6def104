//! Tests of [`super`]: replay copies, the editor's check, routes, forged
//! messages, "copy as" and the loopback test.

use serde_json::json;

use super::*;
use crate::decode::decode;

fn request_record() -> Record {
    Record {
        id: 4,
        tab_id: 7,
        frame_id: 0,
        frame_origin: "http://127.0.0.1:8470".into(),
        frame_path: vec![],
        source_frame_id: Some(12),
        source_relation: Some("child".into()),
        source_path: Some(vec![1]),
        data: json!({"request": "voice.dial", "parameters": ["5001"], "referenceId": "3"}),
        ..Record::default()
    }
}

#[test]
fn replay_gets_a_fresh_reference_or_keeps_it() {
    let original = json!({"request": "agent.get", "referenceId": "3"});
    let fresh = with_reference(&original, &Reference::Fresh(fresh_reference("k1", 0)));
    assert_eq!(fresh["referenceId"], "replay-k1-0");
    assert_eq!(fresh["request"], "agent.get");
    assert_eq!(with_reference(&original, &Reference::Keep), original);
    assert_eq!(reference_of(&json!({"referenceId": 5})).as_deref(), Some("5"));
}

#[test]
fn draft_problems_come_from_the_cores_lints() {
    let env = r#""referenceId": "1", "userAgent": "WWE Client", "protocolVersion": 2"#;
    let unknown = check_draft(&format!(r#"{{"request": "voice.dail", "parameters": ["5001"], {env}}}"#));
    assert_eq!(unknown.problems.len(), 1, "{:?}", unknown.problems);
    assert_eq!(unknown.problems[0].code, "W001");
    assert!(unknown.problems[0].message.contains("did you mean 'voice.dial'"), "{:?}", unknown.problems);

    let count = check_draft(&format!(r#"{{"request": "voice.dial", "parameters": [], {env}}}"#));
    assert_eq!(count.problems.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), ["W002"]);

    let kind = check_draft(&format!(r#"{{"request": "voice.hangUp", "parameters": [{{}}], {env}}}"#));
    assert_eq!(kind.problems.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), ["W003"]);

    let bare = check_draft(r#"{"request": "agent.get"}"#);
    assert_eq!(bare.problems.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), ["W004", "W005", "W013"]);
    let good = check_draft(r#"{"request": "voice.dial", "parameters": ["5001"], "referenceId": "1", "userAgent": "WWE Client", "protocolVersion": 2}"#);
    assert_eq!(good.problems, []);

    let broken = check_draft("{\"request\": ");
    assert_eq!(broken.value, None);
    assert_eq!(broken.problems[0].code, "json");
    assert!(broken.problems[0].message.contains("line 1"), "{:?}", broken.problems);
}

#[test]
fn hints_and_typed_names() {
    assert_eq!(
        param_hint("voice.dial").unwrap().split(" — ").next().unwrap(),
        "voice.dial(destination: string-or-number, userData?: key-values)"
    );
    assert_eq!(param_hint("voice.dail"), None);
    assert_eq!(typed_request_name(r#"{"request": "voice.di"#).as_deref(), Some("voice.di"));
    assert_eq!(typed_request_name(r#"{"event": "subscribe"}"#), None);
}

#[test]
fn replay_runs_in_the_sender_and_posts_to_the_receiver() {
    let route = replay_route(&request_record()).unwrap();
    assert_eq!(route, Route { tab_id: 7, frame_id: 12, base: "top", path: vec![], target_origin: "http://127.0.0.1:8470".into() });
    assert_eq!(target_expression(&route), "window.top");

    // WWE embedded in a CRM page: the service is the CRM's child #0.
    let crm = Record { frame_path: vec![0], source_relation: Some("parent".into()), source_frame_id: Some(0), ..request_record() };
    let route = replay_route(&crm).unwrap();
    assert_eq!((route.frame_id, route.base, route.path.clone()), (0, "top", vec![0]));
    assert_eq!(target_expression(&route), "window.top.frames[0]");

    // A popup client posts to its opener's tab.
    let popup = Record { source_relation: Some("popup".into()), source_tab_id: Some(9), source_frame_id: Some(0), ..request_record() };
    let route = replay_route(&popup).unwrap();
    assert_eq!((route.tab_id, route.frame_id, route.base), (9, 0, "opener-top"));

    let unknown = Record { source_frame_id: None, source_unknown: Some("closed".into()), ..request_record() };
    assert!(replay_route(&unknown).unwrap_err().contains("closed"));
}

#[test]
fn an_unknown_sender_is_found_by_its_path() {
    let late = Record { source_frame_id: None, source_unknown: Some("no frame yet".into()), ..request_record() };
    let seen = Record { tab_id: 7, frame_id: 12, frame_path: vec![1], ..Record::default() };
    let other = Record { tab_id: 7, frame_id: 13, frame_path: vec![2], ..Record::default() };
    let fixed = with_known_sender(&late, [&other, &seen]);
    assert_eq!(fixed.source_frame_id, Some(12));
    assert_eq!(replay_route(&fixed).unwrap().frame_id, 12);
    assert_eq!(with_known_sender(&late, [&other]).source_frame_id, None);
}

#[test]
fn forge_runs_in_the_service_and_posts_to_the_client() {
    // An event the client (frame 12, path [1]) received from the service (frame 0).
    let received = Record {
        tab_id: 7,
        frame_id: 12,
        frame_path: vec![1],
        frame_origin: "http://localhost:8480".into(),
        source_frame_id: Some(0),
        source_relation: Some("parent".into()),
        ..Record::default()
    };
    let route = forge_route(&received).unwrap();
    assert_eq!(route, Route { tab_id: 7, frame_id: 0, base: "top", path: vec![1], target_origin: "http://localhost:8480".into() });
    let popup = Record { source_tab_id: Some(3), ..received };
    assert!(forge_route(&popup).is_err());
}

#[test]
fn forged_messages_decode_as_what_they_claim() {
    let kinds: Vec<&str> = Forge::ALL.iter().map(|f| decode(&f.message(Some("9"), "voice.dial")).message.kind_str()).collect();
    assert_eq!(kinds, ["event", "event", "rate-limit", "reply", "error"]);
    let limit = Forge::RateLimit.message(Some("9"), "voice.dial");
    assert_eq!(limit["errorMessage"], crate::ratelimit::rate_limit_error_message("voice.dial", 30));
    assert!(Forge::AgentStateChanged.message(None, "").to_string().contains("WWE"));
    for f in Forge::ALL {
        assert_eq!(Forge::from_key(f.key()), Some(*f));
    }
}

#[test]
fn copy_as_call_and_post_message() {
    let dial = json!({"request": "voice.dial", "parameters": ["5001", {"k": "v"}], "referenceId": "7"});
    assert_eq!(copy_as_call(&dial).unwrap(), r#"genesys.wwe.service.voice.dial("5001", {"k":"v"});"#);
    assert_eq!(copy_as_call(&json!({"request": "agent.get"})).unwrap(), "genesys.wwe.service.agent.get();");
    assert_eq!(copy_as_call(&json!({"event": "agent"})), None);
    assert_eq!(
        copy_as_post_message(&json!({"request": "agent.get"}), "window.parent", "http://127.0.0.1:8470"),
        "window.parent.postMessage({\n  \"request\": \"agent.get\"\n}, \"http://127.0.0.1:8470\");"
    );
}

#[test]
fn loopback_origins() {
    for yes in ["http://127.0.0.1:8470", "http://localhost:8480", "http://[::1]:8490", "https://127.1.2.3", "http://app.localhost"] {
        assert!(is_loopback(yes), "{yes}");
    }
    for no in ["https://wwe.example", "http://[::2]:80", "http://128.0.0.1", "http://localhost.example.com", "null", "*"] {
        assert!(!is_loopback(no), "{no}");
    }
}

#[test]
fn client_messages() {
    assert!(is_client_message(&request_message("agent.get", vec![], "1")));
    assert!(!is_client_message(&Forge::ReplyOk.message(Some("1"), "")));
}

#[test]
fn autocomplete_offers_every_shape_of_a_parameter() {
    let targets: Vec<&str> = shape_choices("interaction.singleStepTransfer").iter().filter(|c| c.param == "target").map(|c| c.example).collect();
    assert_eq!(targets, [r#""5001""#, r#"{"type": "AGENT", "destination": "SIP_5001"}"#]);
    let results: Vec<&str> = shape_choices("outbound.setCallResult").iter().filter(|c| c.param == "callResult").map(|c| c.example).collect();
    assert_eq!(results, [r#""1""#, "1"]);
    let object = shape_choices("interaction.singleStepTransfer").into_iter().find(|c| c.example.starts_with('{')).unwrap();
    let text = with_shape(r#"{"request": "interaction.singleStepTransfer", "parameters": ["1"], "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2}"#, &object).unwrap();
    let draft = check_draft(&text);
    assert_eq!(draft.value.unwrap()["parameters"][1]["destination"], "SIP_5001");
    assert!(draft.problems.is_empty(), "{:?}", draft.problems);
    // Every example of every parameter passes the lints: no shape offered
    // is one the panel would then warn about.
    for spec in crate::catalog::requests() {
        for choice in shape_choices(spec.name) {
            let text = with_shape(&format!(r#"{{"request": "{}", "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2}}"#, spec.name), &choice).unwrap();
            let kinds: Vec<_> = check_draft(&text).problems.into_iter().filter(|p| p.code == "W003" && p.message.contains(&format!("'{}'", choice.param))).collect();
            assert!(kinds.is_empty(), "{} {}: {kinds:?}", spec.name, choice.example);
        }
    }
}
