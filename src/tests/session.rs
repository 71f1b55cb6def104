//! Session model tests: pairing (reloads, reuse, out-of-order batches,
//! unknown sender frames), timeouts, rate-limit quarantines, subscriptions,
//! frame roles and the policy lint, as snapshots of a rendered session.

use expect_test::{expect, Expect};
use serde_json::{json, Value};
use wwe_core::lint::Code;
use wwe_core::record::Record;
use wwe_core::session::{ExchangeState, Role, Session};

const WWE: &str = "https://wwe.example";
const CRM: &str = "https://crm.example";
const T0: f64 = 1_700_000_020_000.0;

/// WWE is the top frame (0); the client is frame 5.
fn to_service(id: u64, t: f64, data: Value) -> Record {
    Record {
        id,
        tab_id: 1,
        frame_id: 0,
        frame_url: format!("{WWE}/ui/ad/v1/index.html"),
        frame_origin: WWE.into(),
        source_origin: CRM.into(),
        source_frame_id: Some(5),
        time: T0 + t,
        data,
        ..Record::default()
    }
}

fn to_client(id: u64, t: f64, data: Value) -> Record {
    Record {
        id,
        tab_id: 1,
        frame_id: 5,
        frame_url: format!("{CRM}/app.html"),
        frame_origin: CRM.into(),
        source_origin: WWE.into(),
        source_frame_id: Some(0),
        time: T0 + t,
        data,
        ..Record::default()
    }
}

fn req(name: &str, rid: &str) -> Value {
    json!({"request": name, "parameters": [], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2})
}

fn dial(rid: &str) -> Value {
    json!({"request": "voice.dial", "parameters": ["5001"], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2})
}

fn ok(rid: &str) -> Value {
    json!({"referenceId": rid, "data": {}, "userAgent": "WWE"})
}

fn render(s: &Session) -> String {
    let mut out = String::new();
    for e in s.exchanges() {
        out.push_str(&format!(
            "{} ref={} #{} -> {} {} latency={}\n",
            e.name,
            e.reference_id.as_deref().unwrap_or("-"),
            e.request,
            e.reply.map_or("-".to_owned(), |r| format!("#{r}")),
            e.state.as_str(),
            e.latency_ms.map_or("-".to_owned(), |l| format!("{l}")),
        ));
    }
    for f in s.findings() {
        out.push_str(&format!("{} {} {:?}: {}\n", f.code.as_str(), f.code.name(), f.messages, f.message));
    }
    out
}

fn check(records: Vec<Record>, advance: Option<f64>, expect: Expect) -> Session {
    let mut s = Session::new();
    for r in records {
        s.push(r);
    }
    if let Some(t) = advance {
        s.advance_to(T0 + t);
    }
    expect.assert_eq(&render(&s));
    s
}

#[test]
fn request_reply_pairing_and_frames() {
    let s = check(
        vec![
            to_client(1, 0.0, json!({"frameId": 3, "userAgent": "WWE"})),
            to_service(2, 10.0, req("agent.get", "0")),
            to_client(3, 12.5, ok("0")),
        ],
        None,
        expect![[r#"
            agent.get ref=0 #2 -> #3 ok latency=2.5
        "#]],
    );
    assert_eq!(s.len(), 3);
    assert_eq!(s.exchange_of(2).unwrap().reply, Some(3));
    assert_eq!(s.exchange_of(3).unwrap().request, 2);
    assert!(s.exchange_of(1).is_none());
    assert_eq!(s.message(3).unwrap().decoded.message.kind_str(), "reply");
    let frames: Vec<_> = s.frames().iter().map(|f| (f.frame_id, f.role, f.wwe_frame_id, f.origin.as_str())).collect();
    assert_eq!(frames, [(5, Role::Client, Some(3), CRM), (0, Role::Service, None, WWE)]);
}

#[test]
fn client_reload_restarts_reference_ids() {
    check(
        vec![
            to_service(1, 0.0, req("agent.get", "0")),
            to_client(2, 5.0, ok("0")),
            // The client page reloads and counts from "0" again.
            to_service(3, 1000.0, req("agent.getState", "0")),
            to_client(4, 1003.0, ok("0")),
        ],
        None,
        expect![[r#"
            agent.get ref=0 #1 -> #2 ok latency=5
            agent.getState ref=0 #3 -> #4 ok latency=3
        "#]],
    );
}

#[test]
fn reference_id_reused_while_pending() {
    check(
        vec![
            to_service(1, 0.0, req("agent.get", "7")),
            to_service(2, 1.0, req("agent.getState", "7")),
            to_client(3, 5.0, ok("7")),
            to_client(4, 6.0, ok("7")),
        ],
        None,
        expect![[r#"
            agent.get ref=7 #1 -> #3 ok latency=5
            agent.getState ref=7 #2 -> #4 ok latency=5
            W007 reference-id-reused [1, 2]: referenceId "7" was sent again while an earlier request with the same id awaits its reply: replies cannot be told apart; give every request its own referenceId
        "#]],
    );
}

#[test]
fn reply_before_its_request_in_push_order_is_paired() {
    // Batches from two frames reach the panel out of order.
    check(
        vec![to_client(2, 4.0, ok("0")), to_service(1, 1.0, req("agent.get", "0")), to_service(3, 5000.0, req("agent.get", "1"))],
        None,
        expect![[r#"
            agent.get ref=0 #1 -> #2 ok latency=3
            agent.get ref=1 #3 -> - pending latency=-
        "#]],
    );
}

#[test]
fn reply_timed_before_request_is_flagged() {
    check(
        vec![to_client(2, 1.0, ok("0")), to_service(1, 4.0, req("agent.get", "0"))],
        None,
        expect![[r#"
            agent.get ref=0 #1 -> #2 ok latency=-3
            W019 reply-before-request [1, 2]: the reply to agent.get is timed 3.000 ms before its request: frame clocks disagree or the pairing is wrong
        "#]],
    );
}

#[test]
fn reply_without_request_and_duplicate_reply() {
    check(
        vec![
            to_client(1, 0.0, ok("41")),
            to_service(2, 10.0, req("agent.get", "0")),
            to_client(3, 11.0, ok("0")),
            to_client(4, 12.0, ok("0")),
        ],
        Some(20_000.0),
        expect![[r#"
            agent.get ref=0 #2 -> #3 ok latency=1
            W008 reply-without-request [1]: a reply to referenceId "41" whose request was not captured: if capture started late this is harmless; otherwise WWE answered a request this client did not send
            W021 duplicate-reply [2, 4]: a second reply to referenceId "0" (its request was already answered): the client ignores it
        "#]],
    );
}

#[test]
fn timeout_and_late_reply() {
    check(
        vec![
            to_service(1, 0.0, req("agent.get", "0")),
            to_service(2, 9_999.0, req("agent.getState", "1")),
            to_client(3, 12_000.0, ok("0")),
        ],
        Some(30_000.0),
        expect![[r#"
            agent.get ref=0 #1 -> #3 timed-out latency=12000
            agent.getState ref=1 #2 -> - timed-out latency=-
            E016 request-timed-out [1]: no reply to agent.get within 10 s: the client library failed it with "Request timeout". Check that WWE accepts this origin (service-client-api.accepted-web-content-origins) and that the client posts to WWE's window with the right targetOrigin
            I022 late-reply [3]: the reply to agent.get (referenceId "0") came 12000 ms after the request, after the client library had failed it with "Request timeout"
            E016 request-timed-out [2]: no reply to agent.getState within 10 s: the client library failed it with "Request timeout". Check that WWE accepts this origin (service-client-api.accepted-web-content-origins) and that the client posts to WWE's window with the right targetOrigin
        "#]],
    );
}

#[test]
fn timeouts_are_judged_against_the_latest_record_time() {
    let mut s = Session::new();
    s.push(to_service(1, 0.0, req("agent.get", "0")));
    s.push(to_service(2, 9_000.0, req("agent.get", "1")));
    assert_eq!(s.exchanges()[0].state, ExchangeState::Pending);
    s.push(to_client(3, 10_000.0, json!({"event": "agent", "data": {"eventType": "STATE_CHANGED"}, "userAgent": "WWE"})));
    assert_eq!(s.exchanges()[0].state, ExchangeState::TimedOut);
    assert_eq!(s.exchanges()[1].state, ExchangeState::Pending);
}

#[test]
fn rate_limit_quarantine_swallows_requests() {
    let rate_limit = json!({
        "referenceId": "1",
        "errorMessage": "The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds.",
        "userAgent": "WWE"
    });
    let s = check(
        vec![
            to_service(1, 0.0, dial("0")),
            to_client(2, 3.0, ok("0")),
            to_service(3, 100.0, dial("1")),
            to_client(4, 104.0, rate_limit),
            to_service(5, 1_000.0, dial("2")),
            to_service(6, 2_000.0, dial("3")),
            // After the quarantine: answered again.
            to_service(7, 40_000.0, dial("4")),
            to_client(8, 40_002.0, ok("4")),
        ],
        None,
        expect![[r#"
            voice.dial ref=0 #1 -> #2 ok latency=3
            voice.dial ref=1 #3 -> #4 rate-limited latency=4
            voice.dial ref=2 #5 -> - swallowed latency=-
            voice.dial ref=3 #6 -> - swallowed latency=-
            voice.dial ref=4 #7 -> #8 ok latency=2
            E017 rate-limited [4]: WWE's rate limit for voice.dial was reached: it ignores further voice.dial requests for 30 s, without replying. Send fewer per minute or raise service-client-api.rate-limit.voice.dial
            E018 request-swallowed [5, 6]: WWE ignored voice.dial requests during the rate-limit quarantine that followed its rate-limit error; the client library failed them with "Request timeout". Send fewer voice.dial requests per minute or raise service-client-api.rate-limit.voice.dial
        "#]],
    );
    let obs = &s.rate_observations()[0];
    assert_eq!(obs.request, "voice.dial");
    // T0 is 40 s into a minute: the last request falls in the next window.
    let windows: Vec<_> = obs.windows.iter().map(|w| (w.start_ms - T0, w.requests, w.hits, w.swallowed)).collect();
    assert_eq!(windows, [(-40_000.0, 4, 1, 2), (20_000.0, 1, 0, 0)]);
    assert_eq!(obs.quarantines.len(), 1);
    assert_eq!(obs.quarantines[0].end_ms - obs.quarantines[0].start_ms, 30_000.0);
}

#[test]
fn subscriptions_and_events() {
    let sub = json!({"event": "subscribe", "data": ["agent", "messenger:sales"], "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2});
    let sub_reply = json!({"referenceId": "0", "data": null, "subscriptionId": "s1", "userAgent": "WWE"});
    let agent = json!({"event": "agent", "data": {"eventType": "STATE_CHANGED", "mediaState": "READY"}, "userAgent": "WWE"});
    let interaction = json!({"event": "interaction", "data": {"eventType": "ADDED", "interaction": {"interactionId": "1"}}, "userAgent": "WWE"});
    let unsub = json!({"event": "unsubscribe", "data": "s1", "referenceId": "1", "userAgent": "WWE Client", "protocolVersion": 2});
    let s = check(
        vec![
            to_service(1, 0.0, sub),
            to_client(2, 2.0, sub_reply),
            to_client(3, 10.0, agent.clone()),
            to_client(4, 11.0, interaction.clone()),
            to_client(5, 12.0, interaction),
            to_service(6, 20.0, unsub),
            to_client(7, 21.0, ok("1")),
            to_client(8, 30.0, agent),
        ],
        Some(60_000.0),
        expect![[r#"
            subscribe ref=0 #1 -> #2 ok latency=2
            W009 event-without-subscription [4, 5]: 'interaction' events reached https://crm.example (frame 5) without a captured subscribe: if capture started after it subscribed, reload that frame to see the subscription; otherwise check which frame subscribed
            W009 event-without-subscription [8]: 'agent' events reached https://crm.example (frame 5) without a captured subscribe: if capture started after it subscribed, reload that frame to see the subscription; otherwise check which frame subscribed
        "#]],
    );
    let sub = &s.subscriptions()[0];
    assert_eq!(sub.subscription_id.as_deref(), Some("s1"));
    assert_eq!(sub.ended_by, Some(6));
}

#[test]
fn a_lean_session_knows_when_a_subscription_ended_after_dropping_the_unsubscribe() {
    // A lean session (wwe-trace summary, lint) drops messages once paired;
    // an event after an unsubscribe it no longer holds is still judged
    // against the time the subscription ended.
    let sub = json!({"event": "subscribe", "data": ["agent"], "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2});
    let sub_reply = json!({"referenceId": "0", "data": null, "subscriptionId": "s1", "userAgent": "WWE"});
    let unsub = json!({"event": "unsubscribe", "data": "s1", "referenceId": "1", "userAgent": "WWE Client", "protocolVersion": 2});
    let agent = json!({"event": "agent", "data": {"eventType": "STATE_CHANGED"}, "userAgent": "WWE"});
    let mut records = vec![to_service(1, 0.0, sub), to_client(2, 2.0, sub_reply), to_service(3, 20.0, unsub), to_client(4, 21.0, ok("1"))];
    for i in 0..6 {
        records.push(to_service(5 + i, 22.0 + i as f64, req("agent.get", &format!("r{i}"))));
    }
    records.push(to_client(20, 30.0, agent));
    let (mut full, mut lean) = (Session::new(), Session::lean_with_window(1));
    for r in records {
        full.push(r.clone());
        lean.push(r);
    }
    full.advance_to(T0 + 60_000.0);
    lean.advance_to(T0 + 60_000.0);
    assert!(lean.message(3).is_none(), "the unsubscribe was dropped");
    assert!(full.findings().iter().any(|f| f.code == Code::EventWithoutSubscription && f.messages == [20]));
    assert_eq!(lean.findings(), full.findings());
}

#[test]
fn unknown_sender_frame_pairs_by_origin() {
    let mut request = to_service(1, 0.0, req("agent.get", "0"));
    request.source_frame_id = None;
    let mut reply = to_client(2, 1.0, ok("0"));
    reply.source_frame_id = None;
    let s = check(vec![request, reply], None, expect![[r#"
        agent.get ref=0 #1 -> #2 ok latency=1
    "#]]);
    // The client frame is known only from the reply it received.
    assert_eq!(s.frames().iter().find(|f| f.frame_id == 5).unwrap().role, Role::Client);
}

#[test]
fn two_clients_with_the_same_reference_ids_are_kept_apart() {
    let mut other_req = to_service(3, 1.0, req("agent.getState", "0"));
    other_req.source_frame_id = Some(6);
    let mut other_reply = to_client(4, 2.0, ok("0"));
    other_reply.frame_id = 6;
    check(
        vec![to_service(1, 0.0, req("agent.get", "0")), other_req, other_reply, to_client(2, 5.0, ok("0"))],
        None,
        expect![[r#"
            agent.get ref=0 #1 -> #2 ok latency=5
            agent.getState ref=0 #3 -> #4 ok latency=1
        "#]],
    );
}

#[test]
fn findings_from_many_messages_are_gathered() {
    let mut a = to_service(1, 0.0, req("voice.pauseRecording", "0"));
    a.target_origin = Some("*".into());
    let mut b = to_service(2, 1.0, req("voice.pauseRecording", "1"));
    b.target_origin = Some("*".into());
    let s = check(
        vec![a, b, to_client(3, 2.0, ok("0")), to_client(4, 3.0, ok("1"))],
        None,
        expect![[r#"
            voice.pauseRecording ref=0 #1 -> #3 ok latency=2
            voice.pauseRecording ref=1 #2 -> #4 ok latency=2
            W001 unknown-request [1, 2]: 'voice.pauseRecording' is not a Service Client API request: WWE answers it with an error or not at all; did you mean 'voice.pauseCallRecording'?
            W012 target-origin-star [1, 2]: the client at https://crm.example posts to WWE with targetOrigin "*": any page in that window could read its requests; pass the WWE origin (https://wwe.example)
        "#]],
    );
    assert_eq!(s.findings()[0].code, Code::UnknownRequest);
}

#[test]
fn requests_denied_by_the_given_policy() {
    let options = wwe_core::options::parse_options(
        "service-client-api.accepted-web-content-origins=https://crm.example (agent.*)",
    )
    .expect("valid options");
    let mut s = Session::new();
    s.set_options(Some(options));
    s.push(to_service(1, 0.0, req("agent.get", "0")));
    s.push(to_service(2, 1.0, dial("1")));
    let denied: Vec<_> = s.findings().iter().filter(|f| f.code == Code::RequestDeniedByPolicy).collect();
    assert_eq!(denied.len(), 1, "{:?}", s.findings());
    assert_eq!(denied[0].messages, [2]);
    assert!(denied[0].message.contains("voice.dial"), "{}", denied[0].message);
}

#[test]
fn reply_before_a_request_from_an_unknown_sender_still_pairs() {
    // The client's batch (with the reply) reaches the panel before the
    // service's batch (with the request), and the request's sender frame is
    // unknown: the reply parked under its receiving frame must still be
    // found by origin.
    let mut request = to_service(1, 0.0, req("agent.get", "0"));
    request.source_frame_id = None;
    let reply = to_client(2, 3.0, ok("0"));
    check(vec![reply, request], Some(60_000.0), expect![[r#"
        agent.get ref=0 #1 -> #2 ok latency=3
    "#]]);
}

#[test]
fn an_event_ahead_of_its_subscribe_in_another_batch_is_not_a_finding() {
    let sub = json!({"event": "subscribe", "data": ["agent"], "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2});
    let sub_reply = json!({"referenceId": "0", "data": null, "subscriptionId": "s1", "userAgent": "WWE"});
    let agent = json!({"event": "agent", "data": {"eventType": "STATE_CHANGED", "mediaState": "READY"}, "userAgent": "WWE"});
    // Pushed in arrival order: the client frame's batch first.
    let s = check(
        vec![to_client(2, 2.0, sub_reply), to_client(3, 10.0, agent), to_service(1, 0.0, sub)],
        Some(60_000.0),
        expect![[r#"
            subscribe ref=0 #1 -> #2 ok latency=2
        "#]],
    );
    assert!(s.judged() > 0, "the event was checked once its grace period passed");
}

#[test]
fn a_reply_one_millisecond_early_is_clock_rounding_not_a_finding() {
    // Firefox rounds timers to 1 ms across frames.
    check(vec![to_service(1, 5.0, req("agent.get", "0")), to_client(2, 4.0, ok("0"))], Some(60_000.0), expect![[r#"
        agent.get ref=0 #1 -> #2 ok latency=-1
    "#]]);
}

#[test]
fn a_client_reply_overtaking_its_request_is_not_taken_for_a_neighbours_duplicate() {
    // Clients A (frame 5, sender unknown) and B (frame 6, sender known)
    // share an origin and both start their referenceIds at "0". B's reply
    // reaches the panel before B's request.
    let mut a_request = to_service(1, 0.0, req("agent.get", "0"));
    a_request.source_frame_id = None;
    let a_reply = to_client(2, 1.0, ok("0"));
    let mut b_request = to_service(3, 5.0, req("agent.get", "0"));
    b_request.source_frame_id = Some(6);
    let mut b_reply = to_client(4, 6.0, ok("0"));
    b_reply.frame_id = 6;
    check(vec![a_request, a_reply, b_reply, b_request], Some(60_000.0), expect![[r#"
        agent.get ref=0 #1 -> #2 ok latency=1
        agent.get ref=0 #3 -> #4 ok latency=1
    "#]]);
}

#[test]
fn a_sender_known_only_by_its_path_is_named_from_what_that_frame_received() {
    // The client frame (frame 5, path [0]) received its frame id first; its
    // later request reached the service before the relay had its id.
    let mut frame_id = to_client(1, 0.0, json!({"frameId": 1, "userAgent": "WWE"}));
    frame_id.frame_path = vec![0];
    let mut request = to_service(2, 1.0, req("agent.get", "0"));
    request.source_frame_id = None;
    request.source_path = Some(vec![0]);
    request.source_unknown = Some("no frame of this tab has reported index path [0] yet".into());
    let mut reply = to_client(3, 2.0, ok("0"));
    reply.frame_path = vec![0];
    let s = check(vec![frame_id, request, reply], Some(60_000.0), expect![[r#"
        agent.get ref=0 #2 -> #3 ok latency=1
    "#]]);
    let request = s.message(2).unwrap();
    assert_eq!(request.sender_frame_id, Some(5));
    assert_eq!(request.record.source_frame_id, None, "the record stays as captured");
    assert_eq!(s.frames().iter().find(|f| f.frame_id == 5).unwrap().sent, 1);
}

#[test]
fn a_quarantine_is_timed_by_the_limited_request_not_by_a_skewed_client_clock() {
    // The client frame's clock runs 3 s ahead of the service frame's
    // (Firefox's page clocks drift): its rate-limit error is stamped after
    // the next dial, which WWE still swallowed.
    let rate_limit = json!({
        "referenceId": "0",
        "errorMessage": "The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 5 seconds.",
        "userAgent": "WWE"
    });
    let s = check(vec![to_service(1, 0.0, dial("0")), to_client(2, 3_000.0, rate_limit), to_service(3, 1_000.0, dial("1"))], Some(60_000.0), expect![[r#"
        voice.dial ref=0 #1 -> #2 rate-limited latency=3000
        voice.dial ref=1 #3 -> - swallowed latency=-
        E017 rate-limited [2]: WWE's rate limit for voice.dial was reached: it ignores further voice.dial requests for 5 s, without replying. Send fewer per minute or raise service-client-api.rate-limit.voice.dial
        E018 request-swallowed [3]: WWE ignored voice.dial requests during the rate-limit quarantine that followed its rate-limit error; the client library failed them with "Request timeout". Send fewer voice.dial requests per minute or raise service-client-api.rate-limit.voice.dial
    "#]]);
    assert_eq!(s.rate_observations()[0].quarantines[0].start_ms, T0);
}

/// A popup (tab 2) opened by WWE's tab (tab 1) asks WWE: the request is
/// received in tab 1 from tab 2's frame 0, the reply in tab 2's frame 0
/// (captured with its opener). The popup's frame 0 is not WWE's frame 0.
#[test]
fn a_popup_asking_its_opener_is_paired_and_kept_apart_from_the_opener_top() {
    let request = Record { source_frame_id: Some(0), source_tab_id: Some(2), ..to_service(1, 0.0, req("agent.get", "0")) };
    let reply = Record { tab_id: 2, frame_id: 0, capture_tab_id: Some(1), source_tab_id: Some(1), ..to_client(2, 3.0, ok("0")) };
    let s = check(
        vec![request, reply],
        None,
        expect![[r#"
            agent.get ref=0 #1 -> #2 ok latency=3
        "#]],
    );
    let frames: Vec<_> = s.frames().iter().map(|f| (f.tab_id, f.frame_id, f.role, f.origin.as_str())).collect();
    assert_eq!(frames, [(1, 0, Role::Service, WWE), (2, 0, Role::Client, CRM)]);
}

// ------------------------------------------------------ page-made events
// (The guide's statements are tested in src/tests/conformance.rs.)

/// A reply-shaped `message` event the client page made itself (isTrusted
/// false, claiming WWE's origin) is not WWE's reply: the request pairs with
/// the real reply that follows, and the page-made event neither pairs nor
/// makes its claimed sender a frame (issue 15).
#[test]
fn page_made_events_never_pair_or_count_as_a_sender() {
    let forged = Record {
        source_origin: String::new(),
        source_frame_id: None,
        dispatched_by_page: true,
        event_class: Some("MessageEvent".into()),
        claimed_origin: Some(WWE.into()),
        ..to_client(2, 1.0, ok("0"))
    };
    let s = check(
        vec![to_service(1, 0.0, req("agent.get", "0")), forged.clone(), to_client(3, 4.0, ok("0"))],
        None,
        expect![[r#"
            agent.get ref=0 #1 -> #3 ok latency=4
        "#]],
    );
    assert!(s.exchange_of(2).is_none());
    assert!(s.frames().iter().all(|f| f.origin != WWE || f.frame_id != 5), "the claimed sender became a frame");
    // Alone, it leaves the request waiting (and then timed out), never ok.
    let s = check(vec![to_service(1, 0.0, req("agent.get", "0")), forged], Some(20_000.0), expect![[r#"
        agent.get ref=0 #1 -> - timed-out latency=-
        E016 request-timed-out [1]: no reply to agent.get within 10 s: the client library failed it with "Request timeout". Check that WWE accepts this origin (service-client-api.accepted-web-content-origins) and that the client posts to WWE's window with the right targetOrigin
    "#]]);
    assert_eq!(s.exchange_of(1).map(|e| e.reply), Some(None));
}

/// A page-made request event has no real origin for WWE's policy to judge:
/// no E011 finding is made of the empty origin (issue 15).
#[test]
fn page_made_requests_are_not_judged_by_the_policy() {
    let options = wwe_core::options::parse_options("service-client-api.accepted-web-content-origins=https://crm.example (agent.*)")
        .expect("valid options");
    let mut s = Session::new();
    s.set_options(Some(options));
    s.push(Record {
        source_origin: String::new(),
        source_frame_id: None,
        dispatched_by_page: true,
        event_class: Some("MessageEvent".into()),
        claimed_origin: Some(CRM.into()),
        ..to_service(1, 0.0, dial("0"))
    });
    assert!(s.findings().iter().all(|f| f.code != Code::RequestDeniedByPolicy), "{:?}", s.findings());
}

/// A post the browser refused (issue 19): the sender's frame, never a
/// receiver; it pairs with nothing, is counted, and says what to change.
fn refused(id: u64, t: f64, target: &str) -> Record {
    Record {
        id,
        tab_id: 1,
        frame_id: 0,
        source_origin: CRM.into(),
        source_frame_id: Some(5),
        time: T0 + t,
        data: Value::Null,
        undelivered: Some(wwe_core::record::Undelivered {
            target_origin: target.into(),
            recipient_origin: WWE.into(),
            stack: Some("at post (https://crm.example/wwe-client.js:34:16)".into()),
            sender_url: Some(format!("{CRM}/app.html")),
            text: format!(
                "Failed to execute 'postMessage' on 'DOMWindow': The target origin provided ('{target}') does not match the recipient window's origin ('{WWE}')."
            ),
        }),
        ..Record::default()
    }
}

#[test]
fn undelivered_posts_pair_with_nothing_and_mark_their_frame_silent() {
    let s = check(
        vec![refused(1, 0.0, "https://wrong.example"), to_client(2, 5.0, ok("0")), refused(3, 6.0, "https://wrong.example")],
        Some(20_000.0),
        expect![[r#"
            E025 undelivered-post [1]: the frame at https://crm.example posted with targetOrigin "https://wrong.example" to a window whose origin is https://wwe.example: the browser refused to deliver it and told neither page, so no reply can come; if that window is WWE, pass its origin https://wwe.example as targetOrigin (the vendor library's default is "*", its comments say to replace it with WWE's origin)
            E025 undelivered-post [3]: the frame at https://crm.example posted with targetOrigin "https://wrong.example" to a window whose origin is https://wwe.example: the browser refused to deliver it and told neither page, so no reply can come; WWE here is https://wwe.example: pass https://wwe.example as targetOrigin (the vendor library's default is "*", its comments say to replace it with WWE's origin)
            W008 reply-without-request [2]: a reply to referenceId "0" whose request was not captured: if capture started late this is harmless; otherwise WWE answered a request this client did not send
        "#]],
    );
    assert_eq!(s.undelivered(), &[1, 3]);
    assert!(s.exchanges().is_empty(), "a refused post opens no exchange");
    assert!(s.exchange_of(2).is_none(), "and the reply is not taken for its answer");
    let client = s.frame(1, 5).unwrap();
    assert_eq!((client.undelivered, client.to_service, client.received, client.sent), (2, 0, 1, 0));
    assert_eq!(client.url, format!("{CRM}/app.html"));
    assert!(s.is_silent(client));
    assert_eq!(s.frame(1, 0).unwrap().received, 0, "nobody received a refused post");
    assert_eq!(s.silent_frames().count(), 1);
    let silence = s.silence().expect("no client message was delivered");
    assert_eq!((silence.code, silence.messages.clone()), (Code::NoClientMessage, vec![1, 3]));
}

#[test]
fn the_fix_names_wwe_once_the_capture_knows_its_frame() {
    let s = check(
        vec![to_service(1, 0.0, req("agent.get", "0")), to_client(2, 1.0, ok("0")), refused(3, 2.0, "https://wwe.example.com")],
        None,
        expect![[r#"
            agent.get ref=0 #1 -> #2 ok latency=1
            E025 undelivered-post [3]: the frame at https://crm.example posted with targetOrigin "https://wwe.example.com" to a window whose origin is https://wwe.example: the browser refused to deliver it and told neither page, so no reply can come; WWE here is https://wwe.example: pass https://wwe.example as targetOrigin (the vendor library's default is "*", its comments say to replace it with WWE's origin)
        "#]],
    );
    let client = s.frame(1, 5).unwrap();
    assert_eq!((client.to_service, client.undelivered), (1, 1));
    assert!(!s.is_silent(client), "WWE heard from it once");
    assert!(s.silence().is_none());
}

#[test]
fn a_capture_with_no_client_message_says_what_usually_causes_it() {
    let s = check(vec![to_client(1, 0.0, json!({"event": "agent", "data": {}, "userAgent": "WWE"}))], None, expect![[r#""#]]);
    let silence = s.silence().expect("silent");
    assert!(silence.messages.is_empty());
    assert!(silence.message.contains("targetOrigin") && silence.message.contains("accepted-web-content-origins"));
    assert!(Session::new().silence().is_some());
}

/// A request whose sending frame the capture could not name may have come
/// from the frame with refused posts: that frame is not called silent.
#[test]
fn a_frame_is_not_silent_while_its_origin_reached_wwe_from_an_unnamed_frame() {
    let unnamed = Record { source_frame_id: None, ..to_service(1, 0.0, req("agent.get", "0")) };
    let s = check(vec![unnamed, refused(2, 1.0, "https://wrong.example")], None, expect![[r#"
        agent.get ref=0 #1 -> - pending latency=-
        E025 undelivered-post [2]: the frame at https://crm.example posted with targetOrigin "https://wrong.example" to a window whose origin is https://wwe.example: the browser refused to deliver it and told neither page, so no reply can come; WWE here is https://wwe.example: pass https://wwe.example as targetOrigin (the vendor library's default is "*", its comments say to replace it with WWE's origin)
    "#]]);
    let client = s.frame(1, 5).unwrap();
    assert_eq!((client.undelivered, client.to_service), (1, 0));
    assert!(!s.is_silent(client));
}
