//! Tests of the simulated desktop: wire shapes, policy, rate limits,
//! subscriptions and a reply for every request of the catalog.

use serde_json::{json, Value};
use wwe_core::catalog::{self, ParamKind};
use wwe_core::decode::decode;

use super::*;

const CLIENT: &str = "http://localhost:8480";
const OTHER: &str = "http://[::1]:8490";
const T0: f64 = 1_700_000_000_000.0; // 22:13:20 UTC: 40 s into its minute

fn options() -> String {
    format!(
        "service-client-api.accepted-web-content-origins={CLIENT}, http://localhost:9999 (agent.*)\n\
         service-client-api.user-data.read-allowed=Key1,Key2\n\
         service-client-api.user-data.write-allowed=Key1\n\
         service-client-api.rate-limit.voice.dial=3\n\
         service-client-api.rate-limit-quarantine-delay=5\n"
    )
}

fn service() -> Service {
    Service::new(&options()).unwrap()
}

fn request(name: &str, params: Value, rid: &str) -> Value {
    json!({"request": name, "parameters": params, "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2})
}

/// Sends a request and returns the reply to it (asserting there is one).
fn ask(s: &mut Service, name: &str, params: Value) -> Value {
    let out = s.handle(1, CLIENT, &request(name, params, "r"), T0);
    out.into_iter()
        .map(|o| o.message)
        .find(|m| m.get("referenceId").is_some())
        .unwrap_or_else(|| panic!("no reply to {name}"))
}

fn kinds(out: &[Outgoing]) -> Vec<String> {
    out.iter()
        .map(|o| decode(&o.message).message.to_string())
        .collect()
}

#[test]
fn first_message_gets_a_frame_id_then_the_reply_to_the_sender_origin() {
    let mut s = service();
    let out = s.handle(7, CLIENT, &request("agent.get", json!([]), "0"), T0);
    assert_eq!(
        kinds(&out),
        ["frame-id 1", "reply ref=\"0\" object of 6 keys"]
    );
    assert!(out.iter().all(|o| o.to == 7 && o.target_origin == CLIENT));
    assert!(out
        .iter()
        .all(|o| o.message["userAgent"].as_str().unwrap().contains("WWE")));
    assert_eq!(out[1].message["data"]["username"], "agent1");
    let again = s.handle(7, CLIENT, &request("agent.get", json!([]), "1"), T0);
    assert_eq!(again.len(), 1, "the frame id is assigned once");
    let other = s.handle(8, CLIENT, &request("agent.get", json!([]), "0"), T0);
    assert_eq!(
        other[0].message,
        json!({"frameId": 2, "userAgent": USER_AGENT})
    );
}

#[test]
fn unknown_origin_is_ignored_and_filtered_request_gets_an_error() {
    let mut s = service();
    assert!(s
        .handle(1, OTHER, &request("agent.get", json!([]), "0"), T0)
        .is_empty());
    assert!(s
        .log
        .last()
        .unwrap()
        .outcome
        .starts_with("ignored: origin http://[::1]:8490 is not in"));
    let out = s.handle(
        2,
        "http://localhost:9999",
        &request("voice.dial", json!(["5001"]), "0"),
        T0,
    );
    let error = out[1].message["errorMessage"].as_str().unwrap();
    assert!(
        error.contains("allows only agent.*; voice.dial is not among them"),
        "{error}"
    );
    let ok = s.handle(
        2,
        "http://localhost:9999",
        &request("agent.getState", json!([]), "1"),
        T0,
    );
    assert_eq!(ok[0].message["data"]["operationName"], "Ready");
}

#[test]
fn unknown_request_and_bad_parameters_get_error_replies() {
    let mut s = service();
    let r = ask(&mut s, "voice.pauseRecording", json!(["1"]));
    assert_eq!(
        r["errorMessage"],
        "Unknown request 'voice.pauseRecording' (did you mean 'voice.pauseCallRecording'?)"
    );
    let r = ask(&mut s, "voice.dial", json!([]));
    assert!(
        r["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("Bad parameters for 'voice.dial'"),
        "{r}"
    );
}

#[test]
fn rate_limit_three_replies_then_the_error_then_silence_until_the_quarantine_ends() {
    let mut s = service();
    let mut replies = Vec::new();
    for (i, dt) in [0.0, 100.0, 200.0, 300.0, 1000.0].iter().enumerate() {
        let out = s.handle(
            1,
            CLIENT,
            &request("voice.dial", json!(["5001"]), &i.to_string()),
            T0 + dt,
        );
        replies.push(
            out.into_iter()
                .find(|o| o.message.get("referenceId").is_some())
                .map(|o| o.message),
        );
    }
    assert!(replies[..3]
        .iter()
        .all(|r| r.as_ref().is_some_and(|r| r.get("data").is_some())));
    assert_eq!(
        replies[3].as_ref().unwrap()["errorMessage"],
        wwe_core::ratelimit::rate_limit_error_message("voice.dial", 5)
    );
    assert_eq!(replies[4], None, "inside the quarantine: no reply");
    assert_eq!(
        s.log.last().unwrap().outcome,
        "ignored: in rate-limit quarantine"
    );
    // After the quarantine, in the same minute, the count is still at the limit.
    let out = s.handle(
        1,
        CLIENT,
        &request("voice.dial", json!(["5001"]), "5"),
        T0 + 5400.0,
    );
    assert_eq!(decode(&out[0].message).message.kind_str(), "rate-limit");
    // Other requests are not limited.
    assert!(ask(&mut s, "agent.get", json!([])).get("data").is_some());
}

#[test]
fn call_flow_events_reach_subscribers_only() {
    let mut s = service();
    let sub = s.handle(1, CLIENT, &json!({"event": "subscribe", "data": ["interaction"], "referenceId": "0", "userAgent": "WWE Client"}), T0);
    assert_eq!(sub[1].message["subscriptionId"], "1");
    // Client 2 is known but not subscribed.
    s.handle(2, CLIENT, &request("agent.get", json!([]), "0"), T0);

    let out = s.handle(
        2,
        CLIENT,
        &request(
            "voice.dial",
            json!(["5001", {"Key1": "a", "Secret": "b"}]),
            "1",
        ),
        T0,
    );
    assert_eq!(
        kinds(&out),
        [
            "reply ref=\"1\" object of 17 keys",
            "event interaction ADDED interaction=\"1\"",
            "event interaction DIALING interaction=\"1\""
        ]
    );
    assert_eq!(out[0].to, 2);
    assert!(out[1..].iter().all(|o| o.to == 1));
    assert_eq!(
        out[1].message["data"]["interaction"]["userData"],
        json!({"Key1": "a"}),
        "read filter on events"
    );

    assert!(s.tick(T0 + 500.0).is_empty());
    let est = s.tick(T0 + DIAL_TO_ESTABLISHED_MS);
    assert_eq!(
        kinds(&est),
        ["event interaction ESTABLISHED interaction=\"1\""]
    );

    let r = ask(
        &mut s,
        "interaction.setUserData",
        json!(["1", {"Key1": "x"}]),
    );
    assert_eq!(r["data"]["userData"], json!({"Key1": "x"}));
    let r = ask(
        &mut s,
        "interaction.setUserData",
        json!(["1", {"Key2": "x"}]),
    );
    assert!(
        r["errorMessage"]
            .as_str()
            .unwrap()
            .contains("`Key2` is not in service-client-api.user-data.write-allowed"),
        "{r}"
    );
    let out = s.handle(
        1,
        CLIENT,
        &request("voice.hangUp", json!(["1"]), "h"),
        T0 + 2000.0,
    );
    assert_eq!(
        kinds(&out),
        [
            "reply ref=\"h\" object of 17 keys",
            "event interaction RELEASED interaction=\"1\""
        ]
    );

    // Unsubscribed: no more events.
    s.handle(
        1,
        CLIENT,
        &json!({"event": "unsubscribe", "data": "1", "userAgent": "WWE Client"}),
        T0,
    );
    assert_eq!(s.subscription_count(), 0);
    let out = s.ring_inbound("5002", Map::new());
    assert!(out.is_empty());
}

#[test]
fn agent_state_toasts_and_messenger() {
    let mut s = service();
    s.handle(1, CLIENT, &json!({"event": "subscribe", "data": ["agent", "system", "messenger:team"], "referenceId": "0", "userAgent": "WWE Client"}), T0);
    s.handle(2, CLIENT, &json!({"event": "subscribe", "data": "messenger:team", "referenceId": "0", "userAgent": "WWE Client"}), T0);
    let out = s.set_agent_state(2);
    assert_eq!(
        out[0].message["data"],
        json!({"eventType": "STATE_CHANGED", "mediaState": "NOT_READY_ACTION_CODE", "reason": "Break", "reasonCode": "1511"})
    );
    let toast = ask(
        &mut s,
        "system.popupToast",
        json!([{"title": "Hi", "buttons": ["OK", {"label": "Later"}]}]),
    );
    let id = toast["data"].as_str().unwrap().to_owned();
    assert_eq!(s.toasts[0].buttons, ["OK", "Later"]);
    let out = s.click_toast(&id, 1);
    assert_eq!(
        out[0].message["data"],
        json!({"eventType": "CUSTOM_TOAST_BUTTON_CLICK", "customToastId": id, "buttonIndex": 1})
    );
    let out = s.handle(
        1,
        CLIENT,
        &request(
            "messenger.broadcastMessage",
            json!(["team", {"hello": 1}]),
            "m",
        ),
        T0,
    );
    let to_2: Vec<_> = out.iter().filter(|o| o.to == 2).collect();
    assert_eq!(to_2.len(), 1, "the sender does not get its own broadcast");
    assert_eq!(to_2[0].message["event"], "messenger:team");
}

#[test]
fn markdone_blocking() {
    let mut s = service();
    s.offer_open_media("chat", "Jo", Map::new());
    assert!(ask(&mut s, "interaction.accept", json!(["1"]))
        .get("data")
        .is_some());
    ask(
        &mut s,
        "interaction.blockMarkdone",
        json!(["1", "Fill in the form first"]),
    );
    let r = ask(&mut s, "interaction.markdone", json!(["1"]));
    assert_eq!(
        r["errorMessage"],
        "Mark done is blocked: Fill in the form first"
    );
    ask(&mut s, "interaction.unblockMarkdone", json!(["1"]));
    assert!(ask(&mut s, "interaction.markdone", json!(["1"]))
        .get("data")
        .is_some());
    assert!(s.interactions.is_empty());
}

/// A value of the parameter's kind: the catalog's example for `shape`
/// (wrapping round its shapes), with a few names given values this
/// desktop knows.
fn sample(kind: ParamKind, name: &str, shape: usize) -> Value {
    match (kind, name) {
        (ParamKind::String, "mediaName") => json!("voice"),
        (ParamKind::String, "campaignName") => json!("Spring Renewals"),
        (ParamKind::String, _) => json!("5001"),
        (ParamKind::Options, _) => json!({"name": "view", "title": "t"}),
        (ParamKind::Any, _) => json!("voice.prompt-for-end"),
        (ParamKind::StateIndexOrName, _) if shape % 2 == 1 => json!("Ready"),
        _ => {
            let examples = kind.examples();
            serde_json::from_str(examples[shape % examples.len()]).expect("catalog examples are JSON")
        }
    }
}

#[test]
fn every_catalog_request_gets_a_reply_none_unimplemented() {
    // Every shape of every parameter: the second pass takes each kind's
    // second example (an object target, a numeric call result, ...).
    for (spec, shape) in catalog::requests().iter().flat_map(|r| [(r, 0), (r, 1)]) {
        let mut s = service();
        s.ring_inbound("5002", Map::new()); // interaction "1", RINGING
        let params: Vec<Value> = spec.params.iter().map(|p| sample(p.kind, p.name, shape)).collect();
        let r = ask(&mut s, spec.name, Value::Array(params));
        let kind = decode(&r).message.kind_str();
        assert!(kind == "reply" || kind == "error", "{}: {r}", spec.name);
        if let Some(e) = r.get("errorMessage").and_then(Value::as_str) {
            assert!(
                !e.contains("does not implement") && !e.starts_with("Bad parameters"),
                "{}: {e}",
                spec.name
            );
        }
    }
}

/// The vendor's sample passes targets as objects and call results as
/// numbers; the simulator accepts them as WWE does and uses the object's
/// destination.
#[test]
fn sample_client_shapes_are_accepted() {
    let mut s = service();
    s.ring_inbound("5002", Map::new()); // interaction "1", RINGING
    assert!(ask(&mut s, "voice.answer", json!(["1"])).get("data").is_some());
    let r = ask(&mut s, "interaction.singleStepConference", json!(["1", {"type": "AGENT", "destination": "SIP_5001", "media": "voice"}]));
    assert!(r.get("errorMessage").is_none(), "{r}");
    assert!(s.interactions[0].party.contains("SIP_5001"), "{}", s.interactions[0].party);
    let r = ask(&mut s, "outbound.setCallResult", json!(["1", 6]));
    assert!(r.get("errorMessage").is_none(), "{r}");
    assert_eq!(s.interactions[0].user_data["GSW_CALL_RESULT"], json!(6));
    let r = ask(&mut s, "interaction.singleStepTransfer", json!(["1", {"type": "AGENT", "destination": "SIP_5001"}]));
    assert!(r.get("errorMessage").is_none(), "{r}");
}

/// WWE's own ids and placeholder: toasts and dialogs are numbered together
/// (`wweCustomToast0`, `wweCustomDialog1`), and `$Dialog.Id$` in an
/// openDialog URL becomes the dialog's id.
#[test]
fn custom_ids_and_the_dialog_placeholder() {
    let mut s = service();
    let toast = ask(&mut s, "system.popupToast", json!([{"title": "t"}]));
    assert_eq!(toast["data"], json!("wweCustomToast0"));
    let dialog = ask(&mut s, "system.openDialog", json!(["https://crm.example/d.html?id=$Dialog.Id$", {"title": "d"}]));
    assert_eq!(dialog["data"], json!("wweCustomDialog1"));
    assert_eq!(s.dialogs[0].url, "https://crm.example/d.html?id=wweCustomDialog1");
    let missing = ask(&mut s, "system.closeDialog", json!(["wweCustomDialog7"]));
    assert!(missing.get("errorMessage").is_some(), "{missing}");
}

/// Options with a tab app (`Dialer`) and a hidden one (`Console`) on the
/// client origin.
fn app_options() -> String {
    format!(
        "service-client-api.accepted-web-content-origins={CLIENT}\n\
         interaction.web-content=Dialer,Console\n\
         [Dialer]\nurl={CLIENT}/dialer.html\nmode=tab\n\
         [Console]\nurl={CLIENT}/console.html\nmode=hidden\n"
    )
}

/// G70: an app shown in a tab gets the dial operation only; the others of
/// the same origin keep the API, and `getAllowedServices` says so.
#[test]
fn g70_a_tab_app_may_only_dial() {
    let mut s = Service::new(&app_options()).unwrap();
    s.describe_client(1, Some("Dialer".into()), true);
    s.describe_client(2, Some("Console".into()), false);
    let refused = ask_as(&mut s, 1, "agent.get", json!([]));
    let error = refused["errorMessage"].as_str().unwrap();
    assert!(error.contains("shown as a tab") && error.contains("voice.dial only"), "{error}");
    assert!(ask_as(&mut s, 1, "voice.dial", json!(["5001"])).get("errorMessage").is_none());
    assert_eq!(ask_as(&mut s, 1, "system.getAllowedServices", json!([]))["errorMessage"].as_str().map(|_| ()), Some(()));
    assert!(ask_as(&mut s, 2, "agent.get", json!([])).get("errorMessage").is_none());
    let allowed = ask_as(&mut s, 2, "system.getAllowedServices", json!([]));
    assert!(allowed["data"].as_array().unwrap().len() > 10);
    assert_eq!(ask_as(&mut s, 2, "system.amIVisible", json!([]))["data"], false, "a hidden app is not seen");
}

fn ask_as(s: &mut Service, key: ClientKey, name: &str, params: Value) -> Value {
    let out = s.handle(key, CLIENT, &request(name, params, "r"), T0);
    out.into_iter().map(|o| o.message).find(|m| m.get("referenceId").is_some()).unwrap_or_else(|| panic!("no reply to {name}"))
}

/// Every event the simulator sends keeps the guide's eventType tables
/// (G366-417): no invented eventType, none under the wrong event or media,
/// no documented field missing. Drives every desk action and request that
/// emits events, and every eventType the desk can raise.
#[test]
fn every_event_the_simulator_sends_keeps_the_guides_tables() {
    let mut s = Service::new(&format!(
        "service-client-api.accepted-web-content-origins={CLIENT}\nservice-client-api.user-data.write-allowed=Key1,IW_CaseUid\n"
    ))
    .unwrap();
    let everything = json!(["agent", "interaction", "media", "outbound", "system", "markdone", "messenger:team"]);
    let mut out = s.handle(1, CLIENT, &json!({"event": "subscribe", "data": everything, "referenceId": "0", "userAgent": "WWE Client"}), T0);
    out.extend(s.handle(2, CLIENT, &json!({"event": "subscribe", "data": "messenger:team", "referenceId": "0", "userAgent": "WWE Client"}), T0));
    let go = |s: &mut Service, name: &str, params: Value| s.handle(2, CLIENT, &request(name, params, "r"), T0);
    out.extend(go(&mut s, "voice.dial", json!(["5001"])));
    out.extend(s.tick(T0 + DIAL_TO_ESTABLISHED_MS));
    out.extend(go(&mut s, "voice.startCallRecording", json!(["1"])));
    out.extend(go(&mut s, "interaction.setUserData", json!(["1", {"Key1": "a", "IW_CaseUid": "c-9"}])));
    out.extend(go(&mut s, "interaction.selectCaseByCaseId", json!(["c-9"])));
    out.extend(go(&mut s, "voice.hold", json!(["1"])));
    out.extend(go(&mut s, "voice.resume", json!(["1"])));
    out.extend(go(&mut s, "voice.hangUp", json!(["1"])));
    out.extend(go(&mut s, "interaction.markdone", json!(["1"])));
    out.extend(go(&mut s, "media.setState", json!(["chat", 1])));
    out.extend(go(&mut s, "messenger.broadcastMessage", json!(["team", "hi"])));
    out.extend(go(&mut s, "email.create", json!(["a@example.com"])));
    out.extend(s.ring_inbound("5550100", Map::new()));
    out.extend(s.offer_open_media("chat", "c@example.com", Map::new()));
    out.extend(s.offer_open_media("email", "e@example.com", Map::new()));
    out.extend(s.set_agent_state(2));
    let toast = ask(&mut s, "system.popupToast", json!([{"title": "Hi", "buttons": ["OK"]}]));
    out.extend(s.click_toast(toast["data"].as_str().unwrap(), 0));
    let ids: Vec<(String, &'static str)> = s.interactions.iter().map(|i| (i.id.clone(), i.media)).collect();
    for (id, media) in &ids {
        for ty in Service::raisable_event_types(media) {
            out.extend(s.raise_event(id, ty).unwrap());
        }
        out.extend(s.raise_outbound_event(id).unwrap());
        out.extend(s.end_open_media(id));
    }
    let events: Vec<&Value> = out.iter().map(|o| &o.message).filter(|m| m.get("event").is_some()).collect();
    assert!(events.len() > 60, "{} events", events.len());
    for message in events {
        let record = wwe_core::record::Record { data: message.clone(), ..Default::default() };
        let decoded = decode(&record.data);
        let issues = wwe_core::lint::check_message(&record, &decoded);
        assert!(issues.is_empty(), "{message}: {issues:?}");
        let name = message["event"].as_str().unwrap();
        let typed = catalog::event(name).is_some_and(|e| e.typed);
        assert_eq!(message["data"].get("eventType").is_some(), typed, "{message}: an eventType only where the guide documents them");
    }
}

/// The desk raises only what the guide's tables give the media.
#[test]
fn raised_events_follow_the_tables() {
    let mut s = service();
    s.offer_open_media("chat", "c@example.com", Map::new());
    let chat = Service::raisable_event_types("chat");
    assert!(chat.contains(&"JOIN_FAILED") && chat.contains(&"JOIN_PENDING") && chat.contains(&"PULL_FAILED") && chat.contains(&"ERROR"));
    assert!(!chat.contains(&"ESTABLISHED") && !chat.contains(&"SENT"));
    let email = Service::raisable_event_types("email");
    assert!(email.contains(&"SENT") && email.contains(&"CANCELLED") && !email.contains(&"JOIN_PENDING"));
    assert!(s.raise_event("1", "ESTABLISHED").is_err());
    s.raise_event("1", "JOIN_PENDING").unwrap();
    assert_eq!(s.interactions[0].state, "JOIN_PENDING");
    s.raise_event("1", "ERROR").unwrap();
    assert_eq!(s.interactions[0].state, "JOIN_PENDING", "ERROR names no state");
}

/// G86, G381: selecting a case moves isCaseSelected and isCaseExpanded
/// from the case selected before to this one, each change reaches the
/// subscribers (as UNKNOWN: the guide names no eventType for it), and no
/// CASE_OR_BUNDLE_ID_CHANGED is sent; a changed case id sends it, once.
#[test]
fn g86_g381_case_selection_reaches_subscribers_and_only_an_id_change_is_called_one() {
    let mut s = Service::new(&format!(
        "service-client-api.accepted-web-content-origins={CLIENT}\nservice-client-api.user-data.write-allowed=IW_CaseUid\n"
    ))
    .unwrap();
    s.handle(1, CLIENT, &json!({"event": "subscribe", "data": ["interaction"], "referenceId": "0", "userAgent": "WWE Client"}), T0);
    s.ring_inbound("5550100", Map::new());
    s.ring_inbound("5550101", Map::new());
    let event_types = |out: &[Outgoing]| -> Vec<String> {
        out.iter().filter_map(|o| o.message["data"]["eventType"].as_str().map(str::to_owned)).collect()
    };
    let flags = |s: &mut Service| -> Vec<(bool, bool)> {
        let all = ask(s, "interaction.getInteractions", json!([]));
        all["data"].as_array().unwrap().iter().map(|i| (i["isCaseSelected"] == true, i["isCaseExpanded"] == true)).collect()
    };
    let changed = |out: &[Outgoing]| -> Vec<(String, bool, bool)> {
        out.iter()
            .filter(|o| o.to == 1)
            .map(|o| &o.message["data"])
            .map(|d| (d["eventType"].as_str().unwrap().to_owned(), d["interaction"]["isCaseSelected"] == true, d["interaction"]["isCaseExpanded"] == true))
            .collect()
    };
    let out = s.handle(2, CLIENT, &request("interaction.selectCaseByCaseId", json!(["case-1"]), "s1"), T0);
    assert_eq!(changed(&out), [("UNKNOWN".to_owned(), true, true)], "the subscriber sees the selection");
    assert_eq!(flags(&mut s), [(true, true), (false, false)]);
    let out = s.handle(2, CLIENT, &request("interaction.selectCaseByCaseId", json!(["case-2"]), "s2"), T0);
    assert_eq!(changed(&out), [("UNKNOWN".to_owned(), false, false), ("UNKNOWN".to_owned(), true, true)], "the case left, then the one selected");
    assert_eq!(flags(&mut s), [(false, false), (true, true)]);
    let out = s.handle(2, CLIENT, &request("interaction.selectCaseByCaseId", json!(["case-2"]), "s3"), T0);
    assert!(changed(&out).is_empty(), "nothing changed, nothing sent");
    assert!(!event_types(&out).contains(&"CASE_OR_BUNDLE_ID_CHANGED".to_owned()));
    let out = s.handle(2, CLIENT, &request("interaction.setUserData", json!(["2", {"IW_CaseUid": "case-9"}]), "u"), T0);
    assert_eq!(event_types(&out), ["ATTACHED_DATA_CHANGED", "CASE_OR_BUNDLE_ID_CHANGED"]);
    let out = s.handle(2, CLIENT, &request("interaction.setUserData", json!(["2", {"IW_CaseUid": "case-9"}]), "u2"), T0);
    assert_eq!(event_types(&out), ["ATTACHED_DATA_CHANGED"]);
}
