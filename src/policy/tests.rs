//! Tests of the policy engine: the guide's origin and user-data examples,
//! the entry-precedence rule, and the absent-option assumptions.

use expect_test::{expect, Expect};
use serde_json::json;

use super::*;
use crate::options::parse_options;

const GUIDE_ORIGINS: &str = "service-client-api.accepted-web-content-origins=http://my-web-server0, http://my-web-server1 (*), http://my-web-server2 (agent.*, voice.dial), http://my-web-server3 (agent.*, interaction.*)";

/// Requests from the guide's keyword list, plus two outside it.
const REQUESTS: &[&str] = &[
    "agent.get",
    "agent.getState",
    "agent.getStateList",
    "agent.setState",
    "email.create",
    "interaction.deleteUserData",
    "interaction.getByInteractionId",
    "interaction.getInteractions",
    "interaction.selectCaseByCaseId",
    "interaction.setUserData",
    "media.getMediaList",
    "media.setState",
    "voice.dial",
    "voice.pauseCallRecording",
    "voice.resumeCallRecording",
    "voice.startCallRecording",
    "voice.stopCallRecording",
    "system.popupToast",
];

fn allowed_set(options: &Options, origin: &str) -> Vec<&'static str> {
    REQUESTS.iter().copied().filter(|r| evaluate(options, origin, r).is_allowed()).collect()
}

fn check(options: &str, origin: &str, request: &str, expect: Expect) {
    let options = parse_options(options).unwrap();
    let decision = evaluate(&options, origin, request);
    let entry = match &decision {
        Decision::Allowed { entry } | Decision::Denied { entry: Some(entry), .. } => {
            format!(" [entry #{} `{}` @{}..{} line {:?}]", entry.index, entry.text, entry.span.start, entry.span.end, entry.line)
        }
        Decision::Denied { entry: None, .. } => String::new(),
    };
    let verdict = if decision.is_allowed() { "allowed" } else { "denied" };
    expect.assert_eq(&format!("{verdict}: {}{entry}\n", decision.explanation()));
}

#[test]
fn guide_example_allowed_sets() {
    let o = parse_options(GUIDE_ORIGINS).unwrap();
    // "everything is allowed for the http://my-web-server0 and http://my-web-server1"
    assert_eq!(allowed_set(&o, "http://my-web-server0"), REQUESTS);
    assert_eq!(allowed_set(&o, "http://my-web-server1"), REQUESTS);
    // "only the agent.get, agent.getStateList, agent.setState, agent.getState and voice.dial requests are allowed"
    assert_eq!(
        allowed_set(&o, "http://my-web-server2"),
        ["agent.get", "agent.getState", "agent.getStateList", "agent.setState", "voice.dial"]
    );
    assert_eq!(
        allowed_set(&o, "http://my-web-server3"),
        [
            "agent.get",
            "agent.getState",
            "agent.getStateList",
            "agent.setState",
            "interaction.deleteUserData",
            "interaction.getByInteractionId",
            "interaction.getInteractions",
            "interaction.selectCaseByCaseId",
            "interaction.setUserData",
        ]
    );
    assert!(allowed_set(&o, "http://my-web-server4").is_empty());
}

#[test]
fn guide_example_reasons() {
    check(
        GUIDE_ORIGINS,
        "http://my-web-server2",
        "interaction.setUserData",
        expect![[r#"
            denied: the entry `http://my-web-server2 (agent.*, voice.dial)` allows only agent.*, voice.dial; interaction.setUserData is not among them [entry #2 `http://my-web-server2 (agent.*, voice.dial)` @50..93 line Some(1)]
        "#]],
    );
    check(
        GUIDE_ORIGINS,
        "http://x",
        "voice.dial",
        expect![[r#"
            denied: origin http://x is not in service-client-api.accepted-web-content-origins
        "#]],
    );
    check(
        GUIDE_ORIGINS,
        "HTTP://My-Web-Server2:80",
        "voice.dial",
        expect![[r#"
            allowed: allowed by the entry `http://my-web-server2 (agent.*, voice.dial)` of service-client-api.accepted-web-content-origins [entry #2 `http://my-web-server2 (agent.*, voice.dial)` @50..93 line Some(1)]
        "#]],
    );
    check(
        GUIDE_ORIGINS,
        "http://my-web-server2:8080",
        "voice.dial",
        expect![[r#"
            denied: origin http://my-web-server2:8080 is not in service-client-api.accepted-web-content-origins
        "#]],
    );
}

#[test]
fn absent_and_empty_origins_accept_nothing() {
    check(
        "service-client-api.rate-limit=5",
        "http://a",
        "agent.get",
        expect![[r#"
            denied: service-client-api.accepted-web-content-origins is not set; WWE is assumed to accept no origin until it is configured, so origin http://a is not accepted
        "#]],
    );
    check(
        "service-client-api.accepted-web-content-origins=",
        "http://a",
        "agent.get",
        expect![[r#"
            denied: service-client-api.accepted-web-content-origins is empty, so no origin is accepted (origin http://a included)
        "#]],
    );
}

#[test]
fn exact_origin_wins_over_star_and_first_duplicate_wins() {
    let text = "service-client-api.accepted-web-content-origins=* (agent.*), http://a (voice.dial), http://a, *";
    check(
        text,
        "http://a",
        "agent.get",
        expect![[r#"
            denied: the entry `http://a (voice.dial)` allows only voice.dial; agent.get is not among them [entry #1 `http://a (voice.dial)` @13..34 line Some(1)]
        "#]],
    );
    check(
        text,
        "http://b",
        "agent.get",
        expect![[r#"
            allowed: allowed by the entry `* (agent.*)` of service-client-api.accepted-web-content-origins [entry #0 `* (agent.*)` @0..11 line Some(1)]
        "#]],
    );
    check(
        text,
        "http://b",
        "voice.dial",
        expect![[r#"
            denied: the entry `* (agent.*)` allows only agent.*; voice.dial is not among them [entry #0 `* (agent.*)` @0..11 line Some(1)]
        "#]],
    );
}

#[test]
fn star_filter_and_unfiltered_star() {
    let o = parse_options("service-client-api.accepted-web-content-origins=*").unwrap();
    assert!(evaluate(&o, "https://anything.example", "voice.dial").is_allowed());
    assert!(evaluate(&o, "null", "agent.get").is_allowed());
}

#[test]
fn guide_user_data_example() {
    let o = parse_options(
        "service-client-api.user-data.write-allowed=Key1,Key3\nservice-client-api.user-data.read-allowed=Key1,Key2,Key3\n",
    )
    .unwrap();
    let (kept, removed) = filter_user_data_read(&o, &json!({"Key1": "a", "Key2": 2, "Key3": null, "Key4": "secret", "key1": "x"}));
    assert_eq!(kept, json!({"Key1": "a", "Key2": 2, "Key3": null}));
    assert_eq!(removed, ["Key4", "key1"]);
    assert_eq!(
        check_user_data_write(&o, ["Key1", "Key2", "Key3", "Key4"]),
        [("Key1".to_string(), true), ("Key2".to_string(), false), ("Key3".to_string(), true), ("Key4".to_string(), false)]
    );
    assert_eq!(user_data_denial(&o, "Key1", true), None);
    expect![[r#"`Key2` is not in service-client-api.user-data.write-allowed (Key1, Key3), so it cannot be written"#]]
        .assert_eq(&user_data_denial(&o, "Key2", true).unwrap());
}

#[test]
fn absent_user_data_options_allow_nothing() {
    let o = Options::default();
    let (kept, removed) = filter_user_data_read(&o, &json!({"Key1": 1}));
    assert_eq!(kept, json!({}));
    assert_eq!(removed, ["Key1"]);
    assert_eq!(check_user_data_write(&o, ["Key1"]), [("Key1".to_string(), false)]);
    expect![[r#"service-client-api.user-data.read-allowed is not set; WWE is assumed to let no userData key be read until it is configured, so `Key1` cannot be read"#]]
        .assert_eq(&user_data_denial(&o, "Key1", false).unwrap());
    let (same, none) = filter_user_data_read(&o, &json!(["not", "an", "object"]));
    assert_eq!(same, json!(["not", "an", "object"]));
    assert!(none.is_empty());
}
