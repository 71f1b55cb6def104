//! Property tests: the decoder and the session never panic, whatever the
//! JSON and whatever the record order, and pairing keeps its invariants
//! (a reply belongs to at most one exchange; an exchange's reply comes
//! after its request in time or is flagged; nothing stays pending past
//! the timeout).

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use wwe_core::decode::{decode, Direction};
use wwe_core::lint::Code;
use wwe_core::record::Record;
use wwe_core::session::{ExchangeState, Session, REQUEST_TIMEOUT_MS};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        prop_oneof![
            "[a-zA-Z0-9 .:'_-]{0,12}".prop_map(String::from),
            Just("WWE".to_owned()),
            Just("WWE Client".to_owned()),
            Just("wwe-ready".to_owned()),
            Just("The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds.".to_owned()),
        ]
        .prop_map(Value::String),
    ];
    let keys = prop_oneof![
        Just("request"), Just("parameters"), Just("referenceId"), Just("userAgent"), Just("protocolVersion"),
        Just("event"), Just("data"), Just("errorMessage"), Just("frameId"), Just("subscriptionId"),
        Just("eventType"), Just("interaction"), Just("interactionId"), Just("x"),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..7)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>())),
        ]
    })
}

/// Messages shaped like WWE's, with few referenceIds so they collide.
fn arb_wwe() -> impl Strategy<Value = Value> {
    let rid = prop_oneof![Just(json!("0")), Just(json!("1")), Just(json!("2")), Just(json!(3)), Just(Value::Null)];
    let name = prop_oneof![Just("voice.dial"), Just("agent.get"), Just("voice.pauseRecording"), Just("subscribe")];
    let ev = prop_oneof![Just("agent"), Just("interaction"), Just("messenger:x")];
    prop_oneof![
        (name.clone(), rid.clone()).prop_map(|(n, r)| if n == "subscribe" {
            json!({"event": "subscribe", "data": ["agent", "interaction"], "referenceId": r, "userAgent": "WWE Client", "protocolVersion": 2})
        } else {
            json!({"request": n, "parameters": ["1"], "referenceId": r, "userAgent": "WWE Client", "protocolVersion": 2})
        }),
        rid.clone().prop_map(|r| json!({"referenceId": r, "data": {}, "subscriptionId": "s", "userAgent": "WWE"})),
        rid.clone().prop_map(|r| json!({"referenceId": r, "errorMessage": "nope", "userAgent": "WWE"})),
        (rid.clone(), 0u32..3).prop_map(|(r, q)| json!({"referenceId": r, "errorMessage": format!("The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for {q} seconds."), "userAgent": "WWE"})),
        ev.prop_map(|e| json!({"event": e, "data": {"eventType": "ADDED"}, "userAgent": "WWE"})),
        Just(json!({"event": "unsubscribe", "data": "s", "userAgent": "WWE Client", "protocolVersion": 2})),
        Just(json!({"frameId": 2, "userAgent": "WWE"})),
    ]
}

fn arb_record() -> impl Strategy<Value = Record> {
    let data = prop_oneof![4 => arb_wwe(), 1 => arb_json()];
    let frames = prop_oneof![Just((0i64, Some(5i64))), Just((5, Some(0))), Just((0, Some(6))), Just((6, Some(0))), Just((0, None)), Just((5, None))];
    let origin = prop_oneof![Just("https://wwe.example"), Just("https://crm.example"), Just("")];
    let target = prop_oneof![Just(None), Just(Some("*".to_owned()))];
    (data, frames, origin.clone(), origin, 0u32..40_000, target).prop_map(|(data, (frame_id, source), fo, so, t, target_origin)| Record {
        tab_id: 1,
        frame_id,
        frame_origin: fo.into(),
        source_origin: so.into(),
        source_frame_id: source,
        time: 1_700_000_000_000.0 + f64::from(t),
        data,
        target_origin,
        ..Record::default()
    })
}

fn check_invariants(s: &Session) {
    let mut replies = std::collections::HashSet::new();
    for (i, e) in s.exchanges().iter().enumerate() {
        let request = s.message(e.request).expect("the request is a message");
        assert_eq!(request.exchange, Some(i), "request {} points at its exchange", e.request);
        if let Some(r) = e.reply {
            assert!(replies.insert(r), "reply {r} paired twice");
            let reply = s.message(r).expect("the reply is a message");
            assert!(reply.decoded.message.is_reply());
            assert_eq!(reply.exchange, Some(i), "reply {r} points at its exchange");
            let (rt, qt) = (reply.record.time, request.record.time);
            // The session flags a reply only when it is timed before its
            // request by more than frame clocks can disagree.
            if rt < qt - wwe_core::session::CLOCK_TOLERANCE_MS {
                assert!(
                    s.findings().iter().any(|f| f.code == Code::ReplyBeforeRequest && f.messages.contains(&r)),
                    "reply {r} before its request is not flagged"
                );
            }
        }
        if e.state == ExchangeState::Pending {
            let latest = s.latest_time().expect("a record was pushed");
            assert!(e.request_time + REQUEST_TIMEOUT_MS > latest, "exchange {i} pending past the timeout");
        }
    }
    for m in s.messages() {
        if let Some(e) = m.exchange {
            let e = &s.exchanges()[e];
            assert!(e.request == m.record.id || e.reply == Some(m.record.id));
        }
    }
    for f in s.findings() {
        assert!(!f.messages.is_empty());
        for id in &f.messages {
            assert!(s.message(*id).is_some(), "finding {} names unknown message {id}", f.code.as_str());
        }
    }
}

proptest! {
    #[test]
    fn decode_never_panics(value in arb_json()) {
        let d = decode(&value);
        let dir = d.message.direction();
        match d.message.kind_str() {
            "request" | "subscribe" | "unsubscribe" => prop_assert_eq!(dir, Direction::ToService),
            "reply" | "error" | "rate-limit" | "event" | "frame-id" => prop_assert_eq!(dir, Direction::ToClient),
            _ => prop_assert_eq!(dir, Direction::Unknown),
        }
        let _ = d.message.to_string();
    }

    #[test]
    fn decode_never_panics_on_wwe_shapes(value in arb_wwe()) {
        let d = decode(&value);
        prop_assert_ne!(d.message.kind_str(), "foreign");
    }

    #[test]
    fn session_never_panics_and_keeps_pairing_invariants(records in prop::collection::vec(arb_record(), 0..60)) {
        let mut s = Session::new();
        for (i, mut r) in records.into_iter().enumerate() {
            r.id = i as u64 + 1;
            s.push(r);
            if i % 7 == 0 && s.latest_time().is_some() {
                check_invariants(&s);
            }
        }
        if let Some(latest) = s.latest_time() {
            check_invariants(&s);
            s.advance_to(latest + 1.0e9);
            check_invariants(&s);
            prop_assert!(s.exchanges().iter().all(|e| e.state != ExchangeState::Pending));
        }
    }

    #[test]
    fn a_lean_session_judges_as_a_full_one(records in prop::collection::vec(arb_record(), 0..80), window in 1usize..4) {
        // A lean session (wwe-trace summary, lint, ratelimit) drops the
        // messages pairing no longer needs; what it finds must not change.
        let mut full = Session::new();
        let mut lean = Session::lean_with_window(window);
        for (i, mut r) in records.into_iter().enumerate() {
            r.id = i as u64 + 1;
            full.push(r.clone());
            lean.push(r);
        }
        if let Some(latest) = full.latest_time() {
            full.advance_to(latest + REQUEST_TIMEOUT_MS);
            lean.advance_to(latest + REQUEST_TIMEOUT_MS);
        }
        prop_assert_eq!(full.exchanges(), lean.exchanges());
        prop_assert_eq!(full.findings(), lean.findings());
        prop_assert_eq!(full.silence(), lean.silence());
        prop_assert_eq!(full.frames(), lean.frames());
        prop_assert_eq!(full.subscriptions(), lean.subscriptions());
        prop_assert_eq!(full.rate_observations(), lean.rate_observations());
        prop_assert_eq!(full.tally(), lean.tally());
        prop_assert_eq!(full.len(), lean.len());
        prop_assert!(lean.messages().iter().all(|m| m.record.data.is_null()), "a lean session keeps no message");
    }

    #[test]
    fn session_accepts_arbitrary_records(records in prop::collection::vec(
        (arb_json(), any::<u64>(), any::<i64>(), proptest::option::of(any::<i64>()), any::<f64>()), 0..20)) {
        let mut s = Session::new();
        for (data, id, frame_id, source_frame_id, time) in records {
            s.push(Record { id, frame_id, source_frame_id, time, data, ..Record::default() });
        }
        let _ = s.findings();
    }
}
