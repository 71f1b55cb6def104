//! Tests of the desktop reconstruction: snapshots of the rebuilt agent,
//! interactions, toasts, causes and findings for flows built from the
//! guide's examples, and a property test that no traffic makes it panic.

use expect_test::{expect, Expect};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::options::parse_options;
use crate::record::Record;

const WWE: &str = "https://wwe.example";
const CRM: &str = "https://crm.example";
const APP: &str = "https://app.example";
const T0: f64 = 1_700_000_000_000.0;

/// A conversation: WWE is frame 0, the CRM client frame 5, a second
/// client (APP) frame 6. Times are ms after `T0`.
#[derive(Default)]
struct Flow {
    records: Vec<Record>,
    next_rid: u64,
}

impl Flow {
    fn id(&self) -> u64 {
        self.records.len() as u64 + 1
    }

    /// A request from `client` (5 or 6); returns its record id and referenceId.
    fn request(&mut self, t: f64, client: i64, name: &str, params: Value) -> (u64, String) {
        let rid = self.next_rid.to_string();
        self.next_rid += 1;
        let id = self.id();
        self.records.push(Record {
            id,
            tab_id: 1,
            frame_id: 0,
            frame_origin: WWE.into(),
            source_origin: origin(client).into(),
            source_frame_id: Some(client),
            time: T0 + t,
            data: json!({"request": name, "parameters": params, "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2}),
            ..Record::default()
        });
        (id, rid)
    }

    fn deliver(&mut self, t: f64, client: i64, data: Value) -> u64 {
        let id = self.id();
        self.records.push(Record {
            id,
            tab_id: 1,
            frame_id: client,
            frame_origin: origin(client).into(),
            source_origin: WWE.into(),
            source_frame_id: Some(0),
            time: T0 + t,
            data,
            ..Record::default()
        });
        id
    }

    fn reply(&mut self, t: f64, client: i64, rid: &str, data: Value) -> u64 {
        self.deliver(t, client, json!({"referenceId": rid, "data": data, "userAgent": "WWE"}))
    }

    fn error(&mut self, t: f64, client: i64, rid: &str, message: &str) -> u64 {
        self.deliver(t, client, json!({"referenceId": rid, "errorMessage": message, "userAgent": "WWE"}))
    }

    fn event(&mut self, t: f64, client: i64, name: &str, data: Value) -> u64 {
        self.deliver(t, client, json!({"event": name, "data": data, "userAgent": "WWE"}))
    }

    /// An interaction event delivered to every client in `clients`.
    fn interaction(&mut self, t: f64, clients: &[i64], event_type: &str, interaction: Value) {
        for (n, c) in clients.iter().enumerate() {
            let media = interaction.get("media").cloned().unwrap_or(json!("voice"));
            self.event(t + n as f64 * 0.5, *c, "interaction", json!({"eventType": event_type, "media": media, "interaction": interaction}));
        }
    }

    fn session(&self) -> Session {
        let mut s = Session::new();
        for r in &self.records {
            s.push(r.clone());
        }
        s
    }
}

/// The records as a panel receives them: one batch per frame, in `order`
/// (each batch the records it accepts), ids given by arrival, the model
/// updated after each batch.
fn arrive_in_batches(records: &[Record], order: &[&dyn Fn(&Record) -> bool]) -> (Session, Interactions) {
    let mut s = Session::new();
    let mut live = Interactions::new();
    for batch in order {
        for r in records.iter().filter(|r| batch(r)) {
            let mut r = r.clone();
            r.id = s.len() as u64 + 1;
            s.push(r);
        }
        live.update(&s);
    }
    (s, live)
}

fn origin(client: i64) -> &'static str {
    if client == 6 {
        APP
    } else {
        CRM
    }
}

fn call(id: &str, state: &str, extra: Value) -> Value {
    let mut v = json!({
        "interactionId": id, "media": "voice", "state": state, "parties": [{"name": "5001"}], "dnis": "5001",
        "caseId": format!("case-{id}"), "isCaseSelected": false, "isCaseExpanded": false,
        "recordingState": "STOPPED", "userData": {}
    });
    if let (Value::Object(v), Value::Object(extra)) = (&mut v, extra) {
        v.extend(extra);
    }
    v
}

fn ms(t: f64) -> String {
    format!("+{}", t - T0)
}

fn render(model: &Interactions) -> String {
    let mut out = String::new();
    let agent = model.agent();
    if agent.username.is_some() || agent.name.is_some() {
        out += &format!("agent {} ({})\n", agent.username.as_deref().unwrap_or("?"), agent.name.as_deref().unwrap_or("?"));
    }
    for s in &agent.states {
        let reason = match (&s.reason, &s.reason_code) {
            (Some(r), Some(c)) => format!(" {r}/{c}"),
            _ => String::new(),
        };
        out += &format!("agent {} {}{reason} {:?}\n", ms(s.time), s.state, s.messages);
    }
    for (media, states) in &agent.media {
        for s in states {
            out += &format!("media {media} {} {} {:?}\n", ms(s.time), s.state, s.messages);
        }
    }
    for i in model.interactions() {
        out += &format!(
            "interaction {} {} state={} recording={} blocked={:?} created_by={:?} added={:?}\n",
            i.id,
            i.media,
            i.state.as_deref().unwrap_or("?"),
            i.recording.as_deref().unwrap_or("?"),
            i.markdone_blocked,
            i.created_by,
            i.added
        );
        for c in &i.changes {
            let by = match (&c.request, &c.request_name) {
                (Some(r), Some(n)) => format!(" <- #{r} {n} from {}", c.client.as_deref().unwrap_or("?")),
                _ => String::new(),
            };
            out += &format!("  {} {} {} {:?}{by}\n", ms(c.time), c.kind.marker(), c.kind.summary(), c.messages);
        }
    }
    for t in model.toasts() {
        out += &format!("toast {} by {} buttons={:?}\n", t.id.as_deref().unwrap_or("?"), t.client, t.buttons);
        for (time, step, messages) in &t.steps {
            out += &format!("  {} {} {messages:?}\n", ms(*time), step.summary());
        }
    }
    for c in model.causes() {
        let what = if c.created { "created".to_owned() } else { format!("caused change {}", c.change.unwrap_or(0)) };
        out += &format!("cause #{} {} {what} of {}\n", c.request, c.name, c.interaction);
    }
    for f in model.findings() {
        out += &format!("{} {}: {} {:?}\n", f.code.as_str(), f.code.name(), f.message, f.messages);
    }
    out
}

fn check(flow: &Flow, expect: Expect) {
    let session = flow.session();
    let built = Interactions::build(&session);
    expect.assert_eq(&render(&built));
    // Fed one message at a time, the model ends the same.
    let mut s = Session::new();
    let mut live = Interactions::new();
    for r in &flow.records {
        s.push(r.clone());
        live.update(&s);
    }
    assert_eq!(render(&live), render(&built), "incremental and whole builds differ");
}

#[test]
fn agent_states_from_the_guides_events_and_replies() {
    let mut f = Flow::default();
    let (_, rid) = f.request(0.0, 5, "agent.get", json!([]));
    f.reply(5.0, 5, &rid, json!({"username": "agent1", "firstname": "Alex", "lastname": "Agent", "employeeId": "1001"}));
    f.event(100.0, 5, "agent", json!({"eventType": "STATE_CHANGED", "mediaState": "READY"}));
    f.event(200.0, 5, "agent", json!({"eventType": "STATE_CHANGED", "mediaState": "NOT_READY_ACTION_CODE", "reason": "Break", "reasonCode": "1511"}));
    let (_, rid) = f.request(300.0, 5, "agent.getState", json!([]));
    f.reply(305.0, 5, &rid, json!({"operationName": "NotReadyReasonBreak", "mediaState": "NOT_READY_ACTION_CODE", "reason": "Break", "reasonCode": "1511"}));
    let (_, rid) = f.request(400.0, 5, "media.getMediaList", json!([]));
    f.reply(405.0, 5, &rid, json!([{"media": "voice", "state": {"displayName": "Ready"}}, {"media": "chat", "state": {"displayName": "Not Ready"}}]));
    f.event(500.0, 5, "media", json!({"eventType": "STATE_CHANGED", "media": "chat", "state": {"displayName": "Ready", "mediaState": "READY"}}));
    check(
        &f,
        expect![[r#"
            agent agent1 (Alex Agent)
            agent +100 READY [3]
            agent +200 NOT_READY_ACTION_CODE Break/1511 [4]
            media chat +405 Not Ready [8]
            media chat +500 READY [9]
            media voice +405 Ready [8]
        "#]],
    );
}

/// A click-to-dial call whose recording is started, paused and resumed,
/// then hung up: every change linked to its request, the call to the dial.
#[test]
fn outbound_call_with_recording_paused_and_resumed() {
    let mut f = Flow::default();
    let c = [5];
    let (_, dial) = f.request(0.0, 5, "voice.dial", json!(["5001", {"Key1": "a"}]));
    f.interaction(10.0, &c, "ADDED", call("1", "DIALING", json!({"userData": {"Key1": "a"}})));
    f.interaction(11.0, &c, "DIALING", call("1", "DIALING", json!({"userData": {"Key1": "a"}})));
    f.reply(12.0, 5, &dial, call("1", "DIALING", json!({"userData": {"Key1": "a"}})));
    f.interaction(1000.0, &c, "ESTABLISHED", call("1", "ESTABLISHED", json!({"userData": {"Key1": "a"}})));
    for (t, name, rec) in [
        (2000.0, "voice.startCallRecording", "RECORDING"),
        (3000.0, "voice.pauseCallRecording", "PAUSED"),
        (4000.0, "voice.resumeCallRecording", "RECORDING"),
    ] {
        let (_, rid) = f.request(t, 5, name, json!(["1"]));
        f.interaction(t + 5.0, &c, "CALL_RECORDING_STATE_CHANGED", call("1", "ESTABLISHED", json!({"userData": {"Key1": "a"}, "recordingState": rec})));
        f.reply(t + 6.0, 5, &rid, json!({"interactionId": "1", "recordingState": rec}));
    }
    let (_, rid) = f.request(5000.0, 5, "voice.hangUp", json!(["1"]));
    f.interaction(5005.0, &c, "RELEASED", call("1", "RELEASED", json!({"userData": {"Key1": "a"}})));
    f.reply(5006.0, 5, &rid, call("1", "RELEASED", json!({"userData": {"Key1": "a"}})));
    check(
        &f,
        expect![[r#"
            interaction 1 voice state=RELEASED recording=STOPPED blocked=None created_by=Some(1) added=Some(2)
              +10 user-data Key1: ∅ → a [2]
              +10 state DIALING [2]
              +1000 state DIALING → ESTABLISHED [5]
              +2005 recording recording STOPPED → RECORDING [7] <- #6 voice.startCallRecording from https://crm.example
              +3005 recording recording RECORDING → PAUSED [10] <- #9 voice.pauseCallRecording from https://crm.example
              +4005 recording recording PAUSED → RECORDING [13] <- #12 voice.resumeCallRecording from https://crm.example
              +5005 recording recording RECORDING → STOPPED [16] <- #15 voice.hangUp from https://crm.example
              +5005 state ESTABLISHED → RELEASED [16] <- #15 voice.hangUp from https://crm.example
            cause #1 voice.dial created of 1
            cause #6 voice.startCallRecording caused change 3 of 1
            cause #9 voice.pauseCallRecording caused change 4 of 1
            cause #12 voice.resumeCallRecording caused change 5 of 1
            cause #15 voice.hangUp caused change 6 of 1
            cause #15 voice.hangUp caused change 7 of 1
        "#]],
    );
}

/// The outbound call of the end-to-end test, with the client frame's clock
/// off from the service frame's by a little either way, the dial's reply
/// before or after the call's first event, and either frame's batch
/// first: the call is always linked to the dial, every recording change to
/// its request.
#[test]
fn outbound_call_links_under_clock_skew_and_any_batch_order() {
    for skew in [-3.0, -0.5, 0.0, 0.5, 3.0] {
        for reply_first in [false, true] {
            let mut f = Flow::default();
            let c = [5];
            let (_, dial) = f.request(0.0, 5, "voice.dial", json!(["5001", {"Key1": "a"}]));
            let ud = || json!({"userData": {"Key1": "a"}});
            // The simulator's reply: the new call's snapshot.
            if reply_first {
                f.reply(0.2 + skew, 5, &dial, call("1", "DIALING", ud()));
            }
            f.interaction(0.3 + skew, &c, "ADDED", call("1", "DIALING", ud()));
            f.interaction(0.4 + skew, &c, "DIALING", call("1", "DIALING", ud()));
            if !reply_first {
                f.reply(0.5 + skew, 5, &dial, call("1", "DIALING", ud()));
            }
            f.interaction(1000.0 + skew, &c, "ESTABLISHED", call("1", "ESTABLISHED", ud()));
            for (t, name, rec) in [
                (2000.0, "voice.startCallRecording", "RECORDING"),
                (3000.0, "voice.pauseCallRecording", "PAUSED"),
                (4000.0, "voice.resumeCallRecording", "RECORDING"),
            ] {
                let (_, rid) = f.request(t, 5, name, json!(["1"]));
                f.interaction(t + 1.0 + skew, &c, "CALL_RECORDING_STATE_CHANGED", call("1", "ESTABLISHED", json!({"userData": {"Key1": "a"}, "recordingState": rec})));
                f.reply(t + 1.5 + skew, 5, &rid, json!(null));
            }
            let (_, rid) = f.request(5000.0, 5, "voice.hangUp", json!(["1"]));
            f.interaction(5001.0 + skew, &c, "RELEASED", call("1", "RELEASED", ud()));
            f.reply(5001.5 + skew, 5, &rid, json!(null));
            let service = |r: &Record| r.frame_id == 0;
            let client = |r: &Record| r.frame_id != 0;
            let orders: [[&dyn Fn(&Record) -> bool; 2]; 2] = [[&service, &client], [&client, &service]];
            for order in orders {
                let (s, live) = arrive_in_batches(&f.records, &order);
                let text = render(&live);
                let call = &live.interactions()[0];
                let dial_id = s.messages().iter().find(|m| m.record.data.get("request") == Some(&json!("voice.dial"))).unwrap().record.id;
                assert_eq!(call.created_by, Some(dial_id), "skew {skew}, reply first {reply_first}:\n{text}");
                let linked = call.changes.iter().filter(|ch| matches!(ch.kind, ChangeKind::Recording { .. }) && ch.request.is_some()).count();
                assert_eq!(linked, 4, "skew {skew}, reply first {reply_first}:\n{text}");
                assert!(live.findings().is_empty(), "skew {skew}, reply first {reply_first}:\n{text}");
            }
        }
    }
}

/// The guide's ATTACHED_DATA_CHANGED example after its setUserData
/// example, delivered to two client frames (one event, two records); the
/// second client reads the interaction through a read filter.
#[test]
fn attached_data_history_with_the_guides_example() {
    let mut f = Flow::default();
    let both = [5, 6];
    let guide = |user_data: Value| {
        json!({
            "interactionId": "1",
            "caseId": "4ddalab6-aeab-4a33-f5d0-0153c9fdb43b",
            "userData": user_data,
            "parties": [{"name": "5001"}],
            "callUuid": "4L6JGNEE9H7DT671FRPTKE6CQ000000G",
            "state": "DIALING",
            "previousState": "UNKNOWN",
            "isConsultation": false,
            "direction": "OUT",
            "callType": "Internal",
            "dnis": "5001",
            "isMainCaseInteraction": true
        })
    };
    let base = json!({
        "IWAttachedDataInformation": {"DispositionCode.Label": "DispositionCode", "CaseDataBusinessAttribute": "CaseData"},
        "IW_CaseUid": "4ddalab6-aeab-4a33-f5d0-0153c9fdb43b",
        "IW_BundleUid": "dfaca66c-4149-42a1-7244-337e949a12b5"
    });
    f.interaction(0.0, &both, "ADDED", guide(base.clone()));
    let (_, rid) = f.request(1000.0, 5, "interaction.setUserData", json!(["1", {"MyKEY1": "MyValue1", "MyKEY2": "MyValue2", "Hidden": "h"}]));
    let mut after = base.clone();
    after["MyKEY1"] = json!("MyValue1");
    after["MyKEY2"] = json!("MyValue2");
    f.interaction(1010.0, &both, "ATTACHED_DATA_CHANGED", guide(after.clone()));
    f.reply(1011.0, 5, &rid, guide(after.clone()));
    let (_, rid) = f.request(2000.0, 5, "interaction.deleteUserData", json!(["1", "MyKEY2"]));
    let mut deleted = after.clone();
    deleted.as_object_mut().unwrap().remove("MyKEY2");
    f.interaction(2010.0, &both, "ATTACHED_DATA_CHANGED", guide(deleted.clone()));
    f.reply(2011.0, 5, &rid, guide(deleted));
    let (_, rid) = f.request(3000.0, 6, "interaction.getByInteractionId", json!(["1"]));
    f.reply(3005.0, 6, &rid, guide(json!({"MyKEY1": "MyValue1"})));
    let session = f.session();
    let model = Interactions::build(&session);
    let i = model.interaction("1").unwrap();
    let history: Vec<String> = i
        .key_history("MyKEY2")
        .map(|(c, k)| format!("{} {:?} -> {:?} by {} from {}", ms(c.time), k.before, k.after, c.request_name.as_deref().unwrap_or("?"), c.client.as_deref().unwrap_or("?")))
        .collect();
    expect![[r#"
        [
            "+1010 None -> Some(String(\"MyValue2\")) by interaction.setUserData from https://crm.example",
            "+2010 Some(String(\"MyValue2\")) -> None by interaction.deleteUserData from https://crm.example",
        ]
    "#]].assert_debug_eq(&history);
    check(
        &f,
        expect![[r#"
            interaction 1 voice state=DIALING recording=? blocked=None created_by=None added=Some(1)
              +0 user-data IWAttachedDataInformation: ∅ → {"CaseDataBusinessAttribute":"CaseDat..., IW_BundleUid: ∅ → dfaca66c-4149-42a1-7244-337e949a12b5, IW_CaseUid: ∅ → 4ddalab6-aeab-4a33-f5d0-0153c9fdb43b [1, 2]
              +0 state DIALING [1, 2]
              +1010 user-data MyKEY1: ∅ → MyValue1, MyKEY2: ∅ → MyValue2, Hidden: ∅ → h (not visible) [4, 5] <- #3 interaction.setUserData from https://crm.example
              +2010 user-data −MyKEY2 [8, 9] <- #7 interaction.deleteUserData from https://crm.example
              +3005 read read by https://app.example: MyKEY1 [12] <- #11 interaction.getByInteractionId from https://app.example
            cause #3 interaction.setUserData caused change 2 of 1
            cause #7 interaction.deleteUserData caused change 3 of 1
        "#]],
    );
}

#[test]
fn key_policies_explain_what_clients_could_not_read_or_write() {
    let mut f = Flow::default();
    f.interaction(0.0, &[5], "ADDED", call("1", "RINGING", json!({"userData": {"Key1": "a"}})));
    f.request(100.0, 5, "interaction.setUserData", json!(["1", {"Key1": "b", "Secret": "s"}]));
    let session = f.session();
    let model = Interactions::build(&session);
    let options = parse_options(
        "service-client-api.user-data.read-allowed=Key1\nservice-client-api.user-data.write-allowed=Key1\n",
    )
    .unwrap();
    let rendered: Vec<String> = key_policies(model.interaction("1").unwrap(), &options)
        .iter()
        .map(|k| format!("{} read={:?} write={:?} by={:?}", k.key, k.read_denied, k.write_denied, k.written_by))
        .collect();
    expect![[r#"
        [
            "Key1 read=None write=None by=[(2, \"https://crm.example\")]",
            "Secret read=Some(\"`Secret` is not in service-client-api.user-data.read-allowed (Key1), so it cannot be read\") write=Some(\"`Secret` is not in service-client-api.user-data.write-allowed (Key1), so it cannot be written\") by=[(2, \"https://crm.example\")]",
        ]
    "#]]
    .assert_debug_eq(&rendered);
}

#[test]
fn toast_popup_update_click_close() {
    let mut f = Flow::default();
    let (_, rid) = f.request(0.0, 5, "system.popupToast", json!([{"title": "Callback", "message": "Call Jo?", "buttons": ["Call", "Later"]}]));
    f.reply(5.0, 5, &rid, json!("toast-1"));
    f.request(100.0, 5, "system.updateToast", json!(["toast-1", {"title": "Callback now"}]));
    f.event(200.0, 5, "system", json!({"eventType": "CUSTOM_TOAST_BUTTON_CLICK", "customToastId": "toast-1", "buttonIndex": 0}));
    f.event(200.5, 6, "system", json!({"eventType": "CUSTOM_TOAST_BUTTON_CLICK", "customToastId": "toast-1", "buttonIndex": 0}));
    f.request(300.0, 5, "system.closeToast", json!(["toast-1"]));
    f.event(400.0, 5, "system", json!({"eventType": "CUSTOM_TOAST_BUTTON_CLICK", "customToastId": "toast-9", "buttonIndex": 1}));
    check(
        &f,
        expect![[r#"
            toast toast-1 by https://crm.example buttons=["Call", "Later"]
              +0 popup Callback [1, 2]
              +100 update Callback now [3]
              +200 button 0 clicked (Call) [4]
              +300 closed [6]
            X005 unknown-toast: click for toast 'toast-9', which no captured system.popupToast returned [7]
        "#]],
    );
}

/// The service frame's batch (update, close) reached the panel before the
/// client frame's popup reply: the steps still join their toast.
#[test]
fn toast_steps_before_the_popup_reply() {
    let mut f = Flow::default();
    let (_, rid) = f.request(0.0, 5, "system.popupToast", json!([{"title": "Callback", "buttons": ["Call"]}]));
    f.request(100.0, 5, "system.updateToast", json!(["toast-1", {"title": "Now"}]));
    f.request(300.0, 5, "system.closeToast", json!(["toast-1"]));
    f.reply(5.0, 5, &rid, json!("toast-1"));
    f.event(200.0, 5, "system", json!({"eventType": "CUSTOM_TOAST_BUTTON_CLICK", "customToastId": "toast-1", "buttonIndex": 0}));
    let session = f.session();
    let mut live = Interactions::new();
    live.update(&session);
    expect![[r#"
        toast toast-1 by https://crm.example buttons=["Call"]
          +0 popup Callback [1, 4]
          +100 update Now [2]
          +200 button 0 clicked (Call) [5]
          +300 closed [3]
    "#]].assert_eq(&render(&live));
    // Fed one record at a time, in that order, the steps still join.
    let mut s = Session::new();
    let mut one_by_one = Interactions::new();
    for r in &f.records {
        s.push(r.clone());
        one_by_one.update(&s);
    }
    assert_eq!(render(&one_by_one), render(&live));
}

/// Two frames' clocks: a reply captured in the client frame may read the
/// same time as its request captured in the service frame, or an earlier
/// one (each document has its own time origin; Firefox also coarsens
/// them). With the client's batch first, the reply has the lower record id
/// and so came first in time order: the model took it before its request,
/// and the toast lost its id and every later step (CI, Firefox, stop 24).
/// A reply is now never taken before its request.
#[test]
fn a_reply_timed_before_its_request_still_gives_the_toast_its_id() {
    for skew in [0.0, -0.4, -3.0] {
        let mut service = Flow::default();
        let (_, popup) = service.request(0.0, 5, "system.popupToast", json!([{"title": "Callback", "buttons": ["Call"]}]));
        let (_, update) = service.request(100.0, 5, "system.updateToast", json!(["toast-1", {"title": "Now"}]));
        let (_, close) = service.request(300.0, 5, "system.closeToast", json!(["toast-1"]));
        let mut client = Flow::default();
        client.reply(0.0 + skew, 5, &popup, json!("toast-1"));
        client.reply(100.0 + skew, 5, &update, json!(null));
        client.event(200.0, 5, "system", json!({"eventType": "CUSTOM_TOAST_BUTTON_CLICK", "customToastId": "toast-1", "buttonIndex": 0}));
        client.reply(300.0 + skew, 5, &close, json!(null));
        // The client frame's batch reaches the panel first.
        let records = [client.records, service.records].concat();
        let (s, live) = arrive_in_batches(&records, &[&|r: &Record| r.frame_id != 0, &|r: &Record| r.frame_id == 0]);
        let rebuilt = Interactions::build(&s);
        for model in [&live, &rebuilt] {
            let toast = &model.toasts()[0];
            assert_eq!(toast.id.as_deref(), Some("toast-1"), "skew {skew}:\n{}", render(model));
            assert_eq!(toast.steps.len(), 4, "skew {skew}:\n{}", render(model));
        }
        assert!(live.findings().is_empty() && rebuilt.findings().is_empty(), "skew {skew}:\n{}", render(&live));
    }
}

#[test]
fn mark_done_blocked_refused_then_unblocked() {
    let mut f = Flow::default();
    let c = [5];
    f.interaction(0.0, &c, "ADDED", call("1", "RELEASED", json!({})));
    let (_, rid) = f.request(100.0, 5, "interaction.blockMarkdone", json!(["1", "Fill in the disposition first"]));
    f.reply(105.0, 5, &rid, json!({"interactionId": "1", "isMarkDoneBlocked": true}));
    let (_, rid) = f.request(200.0, 5, "interaction.markdone", json!(["1"]));
    f.error(205.0, 5, &rid, "Mark done is blocked: Fill in the disposition first");
    let (_, rid) = f.request(300.0, 5, "interaction.unblockMarkdone", json!(["1"]));
    f.reply(305.0, 5, &rid, json!({"interactionId": "1", "isMarkDoneBlocked": false}));
    f.request(400.0, 5, "interaction.markdone", json!(["1"]));
    f.interaction(405.0, &c, "REMOVED", call("1", "RELEASED", json!({})));
    f.event(406.0, 5, "markdone", json!({"eventType": "MARKDONE", "interactionId": "1"}));
    check(
        &f,
        expect![[r#"
            interaction 1 voice state=RELEASED recording=STOPPED blocked=None created_by=None added=Some(1)
              +0 state RELEASED [1]
              +100 markdone mark-done blocked: Fill in the disposition first [2, 3] <- #2 interaction.blockMarkdone from https://crm.example
              +205 markdone interaction.markdone refused: Mark done is blocked: Fill in the disposition first [5] <- #4 interaction.markdone from https://crm.example
              +300 markdone mark-done unblocked [6, 7] <- #6 interaction.unblockMarkdone from https://crm.example
              +405 state removed [9] <- #8 interaction.markdone from https://crm.example
              +406 markdone marked done [10] <- #8 interaction.markdone from https://crm.example
            cause #2 interaction.blockMarkdone caused change 1 of 1
            cause #4 interaction.markdone caused change 2 of 1
            cause #6 interaction.unblockMarkdone caused change 3 of 1
            cause #8 interaction.markdone caused change 4 of 1
            cause #8 interaction.markdone caused change 5 of 1
        "#]],
    );
}

#[test]
fn case_selection_linked_to_select_case_by_case_id() {
    let mut f = Flow::default();
    f.interaction(0.0, &[5], "ADDED", call("1", "ESTABLISHED", json!({})));
    f.request(100.0, 5, "interaction.selectCaseByCaseId", json!(["case-1"]));
    f.interaction(110.0, &[5], "CASE_OR_BUNDLE_ID_CHANGED", call("1", "ESTABLISHED", json!({"isCaseSelected": true, "isCaseExpanded": true})));
    check(
        &f,
        expect![[r#"
            interaction 1 voice state=ESTABLISHED recording=STOPPED blocked=None created_by=None added=Some(1)
              +0 state ESTABLISHED [1]
              +110 case case selected, expanded [3] <- #2 interaction.selectCaseByCaseId from https://crm.example
              +110 notice interaction event CASE_OR_BUNDLE_ID_CHANGED [3]
            cause #2 interaction.selectCaseByCaseId caused change 1 of 1
        "#]],
    );
}

#[test]
fn email_create_and_transfer_causes() {
    let mut f = Flow::default();
    f.request(0.0, 5, "email.create", json!(["jo@example.com", {}]));
    let email = json!({"interactionId": "7", "media": "email", "state": "COMPOSING", "parties": [{"name": "jo@example.com"}], "userData": {}});
    f.interaction(10.0, &[5], "ADDED", email.clone());
    f.interaction(11.0, &[5], "CREATED", email);
    // Another dial whose destination never shows: no link.
    f.request(20.0, 5, "voice.dial", json!(["9999"]));
    f.interaction(500.0, &[5], "ADDED", call("8", "ESTABLISHED", json!({})));
    f.request(600.0, 5, "interaction.singleStepTransfer", json!(["8", "6001"]));
    f.interaction(610.0, &[5], "RELEASED", call("8", "RELEASED", json!({})));
    check(
        &f,
        expect![[r#"
            interaction 7 email state=COMPOSING recording=? blocked=None created_by=Some(1) added=Some(2)
              +10 state COMPOSING [2]
            interaction 8 voice state=RELEASED recording=STOPPED blocked=None created_by=None added=Some(5)
              +500 state ESTABLISHED [5]
              +610 state ESTABLISHED → RELEASED [7] <- #6 interaction.singleStepTransfer from https://crm.example
            cause #1 email.create created of 7
            cause #6 interaction.singleStepTransfer caused change 1 of 8
        "#]],
    );
}

/// The event reached the panel before the request that caused it (another
/// frame's batch): the link is still made.
#[test]
fn request_captured_after_its_event_is_still_linked() {
    let mut f = Flow::default();
    f.interaction(0.0, &[5], "ADDED", call("1", "ESTABLISHED", json!({})));
    f.interaction(110.0, &[5], "HELD", call("1", "HELD", json!({})));
    f.request(100.0, 5, "voice.hold", json!(["1"]));
    f.interaction(150.0, &[5], "ADDED", call("2", "DIALING", json!({"parties": [{"name": "6001"}], "dnis": "6001"})));
    f.request(140.0, 5, "voice.dial", json!(["6001"]));
    check(
        &f,
        expect![[r#"
            interaction 1 voice state=HELD recording=STOPPED blocked=None created_by=None added=Some(1)
              +0 state ESTABLISHED [1]
              +110 state ESTABLISHED → HELD [2] <- #3 voice.hold from https://crm.example
            interaction 2 voice state=DIALING recording=STOPPED blocked=None created_by=Some(5) added=Some(4)
              +150 state DIALING [4]
            cause #3 voice.hold caused change 1 of 1
            cause #5 voice.dial created of 2
        "#]],
    );
}

/// Live, the service frame's batch (the write) is processed before the
/// client frame's batch (ADDED, then the change): the write links to the
/// change holding its values, not to the data the call was added with.
#[test]
fn write_processed_before_the_interaction_is_known() {
    let mut f = Flow::default();
    f.request(20.0, 5, "interaction.setUserData", json!(["1", {"Key1": "b", "Secret": "s"}]));
    f.interaction(10.0, &[5], "ADDED", call("1", "DIALING", json!({"userData": {"Key1": "a"}})));
    f.interaction(30.0, &[5], "ATTACHED_DATA_CHANGED", call("1", "DIALING", json!({"userData": {"Key1": "b"}})));
    // Another client reads it; its reply reaches the panel first.
    let (_, rid) = f.request(40.0, 6, "interaction.getByInteractionId", json!(["1"]));
    f.reply(45.0, 6, &rid, call("1", "DIALING", json!({"userData": {"Key1": "b"}})));
    f.records.swap(3, 4);
    let mut s = Session::new();
    let mut live = Interactions::new();
    for batch in [&f.records[..1], &f.records[1..4], &f.records[4..]] {
        for r in batch {
            s.push(r.clone());
        }
        live.update(&s);
    }
    expect![[r#"
        interaction 1 voice state=DIALING recording=STOPPED blocked=None created_by=None added=Some(2)
          +10 user-data Key1: ∅ → a [2]
          +10 state DIALING [2]
          +30 user-data Key1: a → b, Secret: ∅ → s (not visible) [3] <- #1 interaction.setUserData from https://crm.example
          +45 read read by https://app.example: Key1 [5] <- #4 interaction.getByInteractionId from https://app.example
        cause #1 interaction.setUserData caused change 2 of 1
    "#]].assert_eq(&render(&live));
    assert_eq!(live.interaction("1").unwrap().writes.len(), 2);
}

#[test]
fn contradictory_traffic_becomes_findings() {
    let mut f = Flow::default();
    f.interaction(0.0, &[5], "ESTABLISHED", call("4", "ESTABLISHED", json!({})));
    f.interaction(100.0, &[5], "ADDED", call("1", "DIALING", json!({})));
    f.interaction(200.0, &[5], "RELEASED", call("1", "RELEASED", json!({})));
    f.interaction(300.0, &[5], "ESTABLISHED", call("1", "ESTABLISHED", json!({})));
    f.interaction(400.0, &[5], "ADDED", call("1", "ESTABLISHED", json!({})));
    f.interaction(500.0, &[5], "REMOVED", call("1", "ESTABLISHED", json!({})));
    f.interaction(600.0, &[5], "HELD", call("1", "HELD", json!({})));
    check(
        &f,
        expect![[r#"
            interaction 4 voice state=ESTABLISHED recording=STOPPED blocked=None created_by=None added=None
              +0 state ESTABLISHED [1]
            interaction 1 voice state=HELD recording=STOPPED blocked=None created_by=None added=Some(2)
              +100 state DIALING [2]
              +200 state DIALING → RELEASED [3]
              +300 state RELEASED → ESTABLISHED [4]
              +500 state removed [6]
              +600 state ESTABLISHED → HELD [7]
            X001 unknown-interaction: ESTABLISHED event for interaction '4', which was never ADDED (or the capture started after it was) [1]
            X002 state-after-end: interaction '1' went ESTABLISHED after it had ended (RELEASED): the events contradict each other or arrived out of order [3, 4]
            X004 added-twice: interaction '1' was ADDED again while still on the desktop [2, 5]
            X003 event-after-removed: HELD event for interaction '1' after it was REMOVED [7]
        "#]],
    );
}

#[test]
fn a_cleared_session_starts_afresh() {
    let mut f = Flow::default();
    f.interaction(0.0, &[5], "ADDED", call("1", "DIALING", json!({})));
    let mut model = Interactions::build(&f.session());
    assert_eq!(model.interactions().len(), 1);
    let mut other = Flow::default();
    other.records.push(Record { id: 77, time: T0, data: json!({"x": 1}), ..Record::default() });
    other.interaction(10.0, &[5], "ADDED", call("2", "DIALING", json!({})));
    model.update(&other.session());
    let ids: Vec<&str> = model.interactions().iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["2"]);
    assert!(model.findings().is_empty());
}

fn arb_record() -> impl Strategy<Value = Record> {
    let iid = prop_oneof![Just(json!("1")), Just(json!("2")), Just(json!(3)), Just(Value::Null), Just(json!({}))];
    let state = prop_oneof![Just(json!("DIALING")), Just(json!("RELEASED")), Just(json!("ESTABLISHED")), Just(json!(7)), Just(Value::Null)];
    let ty = prop_oneof![
        Just("ADDED"), Just("REMOVED"), Just("ESTABLISHED"), Just("RELEASED"), Just("ATTACHED_DATA_CHANGED"),
        Just("CALL_RECORDING_STATE_CHANGED"), Just("CASE_OR_BUNDLE_ID_CHANGED"), Just("PARTY_CHANGED"), Just("STATE_CHANGED"),
        Just("CUSTOM_TOAST_BUTTON_CLICK"), Just("MARKDONE"),
    ];
    let name = prop_oneof![Just("interaction"), Just("agent"), Just("media"), Just("system"), Just("markdone")];
    let request = prop_oneof![
        Just("voice.dial"), Just("interaction.setUserData"), Just("interaction.deleteUserData"), Just("voice.hangUp"),
        Just("voice.pauseCallRecording"), Just("system.popupToast"), Just("system.updateToast"), Just("system.closeToast"),
        Just("interaction.blockMarkdone"), Just("interaction.markdone"), Just("interaction.getInteractions"),
        Just("interaction.getByInteractionId"), Just("agent.getState"), Just("media.getMediaList"), Just("interaction.selectCaseByCaseId"),
    ];
    let ud = prop_oneof![Just(json!({"a": 1})), Just(json!({"a": 2, "b": "x"})), Just(json!([])), Just(Value::Null)];
    let rid = prop_oneof![Just(json!("0")), Just(json!("1")), Just(json!("2"))];
    let interaction = (iid.clone(), state.clone(), ud.clone(), any::<Option<bool>>(), prop_oneof![Just(json!("RECORDING")), Just(json!("PAUSED")), Just(Value::Null)])
        .prop_map(|(i, s, u, sel, rec)| {
            json!({"interactionId": i, "state": s, "userData": u, "isCaseSelected": sel, "recordingState": rec, "parties": [{"name": "5001"}], "caseId": "c", "isMarkDoneBlocked": sel})
        });
    let data = prop_oneof![
        (name, ty, interaction.clone(), iid.clone(), state.clone()).prop_map(|(n, t, i, id, s)| json!({
            "event": n, "data": {"eventType": t, "interaction": i, "interactionId": id, "mediaState": s, "media": "voice",
                                  "state": s, "customToastId": id, "buttonIndex": 0}, "userAgent": "WWE"
        })),
        (request, rid.clone(), iid.clone(), ud.clone()).prop_map(|(r, rid, id, u)| json!({
            "request": r, "parameters": [id, u], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2
        })),
        (rid.clone(), prop_oneof![interaction.clone(), state, Just(json!([{"interactionId": "1", "state": "HELD"}])), Just(json!("toast-1"))])
            .prop_map(|(rid, d)| json!({"referenceId": rid, "data": d, "userAgent": "WWE"})),
        rid.prop_map(|rid| json!({"referenceId": rid, "errorMessage": "no", "userAgent": "WWE"})),
    ];
    let frames = prop_oneof![Just((0i64, Some(5i64))), Just((5, Some(0))), Just((6, Some(0))), Just((0, Some(6)))];
    (data, frames, 0u32..30_000).prop_map(|(data, (frame_id, source), t)| Record {
        tab_id: 1,
        frame_id,
        source_frame_id: source,
        source_origin: if frame_id == 0 { CRM.into() } else { WWE.into() },
        time: T0 + f64::from(t),
        data,
        ..Record::default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_and_links_only_real_messages(records in prop::collection::vec(arb_record(), 0..50)) {
        let mut s = Session::new();
        let mut live = Interactions::new();
        for (i, mut r) in records.into_iter().enumerate() {
            r.id = i as u64 + 1;
            s.push(r);
            if i % 3 == 0 {
                live.update(&s);
            }
        }
        live.update(&s);
        // Pairing may still change as records come (a reply paired once
        // its late request arrives), so the live model need not equal a
        // whole build here; it must only stay sound.
        let built = Interactions::build(&s);
        let _ = render(&live);
        for i in built.interactions() {
            for c in &i.changes {
                for m in c.messages.iter().chain(c.request.iter()) {
                    prop_assert!(s.message(*m).is_some());
                }
            }
        }
        for f in built.findings() {
            prop_assert!(!f.messages.is_empty());
        }
        let _ = built.time_range();
    }
}

/// Live, the frames' batches reach the panel in any order: here the reading
/// client's, then the writing client's, then the service frame's (the
/// end-to-end attached-data scenario). Whatever the order of arrival, the
/// model ends as if every message had come in time order.
#[test]
fn batches_from_three_frames_in_any_order_end_as_in_time_order() {
    let mut f = Flow::default();
    let (_, dial) = f.request(0.0, 5, "voice.dial", json!(["5001", {"Key1": "a"}]));
    f.reply(5.0, 5, &dial, json!({"interactionId": "1"}));
    f.interaction(10.0, &[5], "ADDED", call("1", "DIALING", json!({"userData": {"Key1": "a"}})));
    let (_, set) = f.request(20.0, 5, "interaction.setUserData", json!(["1", {"Key1": "b", "Secret": "s"}]));
    f.reply(25.0, 5, &set, json!(null));
    f.interaction(30.0, &[5], "ATTACHED_DATA_CHANGED", call("1", "DIALING", json!({"userData": {"Key1": "b"}})));
    let (_, get) = f.request(40.0, 6, "interaction.getByInteractionId", json!(["1"]));
    f.reply(45.0, 6, &get, call("1", "DIALING", json!({"userData": {"Key1": "b"}})));
    f.interaction(1200.0, &[5], "ESTABLISHED", call("1", "ESTABLISHED", json!({"userData": {"Key1": "b"}})));
    let in_time_order = render(&Interactions::build(&f.session()));
    let is_service = |r: &Record| r.frame_id == 0;
    let frame = |client: i64| move |r: &Record| r.frame_id == client;
    let orders: [[&dyn Fn(&Record) -> bool; 3]; 3] = [
        [&frame(6), &frame(5), &is_service],
        [&frame(5), &is_service, &frame(6)],
        [&is_service, &frame(6), &frame(5)],
    ];
    for order in orders {
        let (_, live) = arrive_in_batches(&f.records, &order);
        // Record ids follow arrival: compare what was rebuilt, not the ids.
        let strip = |text: &str| -> String { text.split(|c: char| c.is_ascii_digit()).collect::<Vec<_>>().join("") };
        let live = render(&live);
        assert_eq!(strip(&live), strip(&in_time_order), "batches arriving in another order changed the model:\n{live}\nin time order:\n{in_time_order}");
    }
}

/// Issue 14 item 3: a close for a dialog no openDialog returned is a
/// finding, as toasts already are; a dialog WWE opened is not.
#[test]
fn close_for_a_dialog_never_opened() {
    let mut f = Flow::default();
    let (_, rid) = f.request(0.0, 5, "system.openDialog", json!(["https://crm.example/d.html?id=$Dialog.Id$", {"title": "d"}]));
    f.reply(5.0, 5, &rid, json!("wweCustomDialog0"));
    f.request(100.0, 5, "system.closeDialog", json!(["wweCustomDialog0"]));
    f.request(200.0, 5, "system.closeDialog", json!(["wweCustomDialog9"]));
    check(
        &f,
        expect![[r#"
            X006 unknown-dialog: system.closeDialog for dialog 'wweCustomDialog9', which no captured system.openDialog returned [4]
        "#]],
    );
}

/// Issue 14 item 4: a request that failed caused nothing, even when a
/// change fits it and came before its error reply; a consult whose target
/// is an object (the vendor sample's form) still creates its interaction.
#[test]
fn a_failed_request_is_never_credited() {
    let mut f = Flow::default();
    f.interaction(0.0, &[5], "ADDED", call("1", "ESTABLISHED", json!({})));
    let (_, rid) = f.request(100.0, 5, "interaction.singleStepTransfer", json!(["1", {"type": "AGENT", "destination": "SIP_5001"}]));
    f.interaction(110.0, &[5], "RELEASED", call("1", "RELEASED", json!({})));
    f.error(120.0, 5, &rid, "Transfer failed");
    f.interaction(200.0, &[5], "ADDED", call("2", "ESTABLISHED", json!({})));
    f.request(300.0, 5, "interaction.consult", json!(["2", {"type": "AGENT", "destination": "6001"}]));
    f.interaction(310.0, &[5], "ADDED", call("3", "DIALING", json!({"parties": [{"name": "6001"}], "dnis": "6001"})));
    check(
        &f,
        expect![[r#"
            interaction 1 voice state=RELEASED recording=STOPPED blocked=None created_by=None added=Some(1)
              +0 state ESTABLISHED [1]
              +110 state ESTABLISHED → RELEASED [3]
              +120 state interaction.singleStepTransfer refused: Transfer failed [4] <- #2 interaction.singleStepTransfer from https://crm.example
            interaction 2 voice state=ESTABLISHED recording=STOPPED blocked=None created_by=None added=Some(5)
              +200 state ESTABLISHED [5]
            interaction 3 voice state=DIALING recording=STOPPED blocked=None created_by=Some(6) added=Some(7)
              +310 state DIALING [7]
            cause #2 interaction.singleStepTransfer caused change 2 of 1
            cause #6 interaction.consult created of 3
        "#]],
    );
}

/// G366-417: eventTypes that change no state, data or party (ERROR,
/// JOIN_FAILED, PULL_FAILED, NEW_MESSAGE, ...) and `outbound` events naming
/// an interaction still show on its lane, as notices.
#[test]
fn notices_show_events_that_change_nothing_else() {
    let mut f = Flow::default();
    let chat = json!({"interactionId": "4", "media": "chat", "state": "INVITED", "parties": [{"name": "c@example.com"}], "userData": {}});
    f.interaction(0.0, &[5], "ADDED", chat.clone());
    f.interaction(10.0, &[5], "JOIN_FAILED", chat.clone());
    f.interaction(20.0, &[5], "ERROR", chat.clone());
    f.event(30.0, 5, "outbound", json!({"interaction": chat}));
    let s = f.session();
    let model = Interactions::build(&s);
    let kinds: Vec<String> = model.interactions()[0].changes.iter().map(|c| format!("{} {}", c.kind.marker(), c.kind.summary())).collect();
    assert_eq!(kinds, ["state INVITED", "notice interaction event JOIN_FAILED", "notice interaction event ERROR", "notice outbound event"]);
}

/// A page-made `message` event (isTrusted false) claiming to be WWE's
/// interaction ADDED is not WWE's: the rebuilt desktop has no such
/// interaction (issue 15).
#[test]
fn page_made_events_do_not_shape_the_desktop() {
    let mut f = Flow::default();
    f.interaction(0.0, &[5], "ADDED", call("9", "RINGING", json!({})));
    for r in &mut f.records {
        r.dispatched_by_page = true;
        r.claimed_origin = Some(WWE.into());
        r.source_origin = String::new();
        r.source_frame_id = None;
    }
    let model = Interactions::build(&f.session());
    assert!(model.interactions().is_empty(), "{:?}", model.interactions().iter().map(|i| &i.id).collect::<Vec<_>>());
}
